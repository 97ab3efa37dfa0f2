/* Header-area reader for elfcheck and tests.  See elfcheck_read.h. */
#define _POSIX_C_SOURCE 200809L
#include "elfcheck_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procmgr/elf.h"

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))  return "is a directory";
    if (S_ISFIFO(m)) return "is a FIFO";
    if (S_ISSOCK(m)) return "is a socket";
    if (S_ISCHR(m))  return "is a character device";
    if (S_ISBLK(m))  return "is a block device";
    return "is not a regular file";
}

/* Refusals that need only the metadata. */
static int check_meta(const struct stat *st, char *why, size_t why_len)
{
    if (!S_ISREG(st->st_mode)) {
        snprintf(why, why_len, "%s, not a regular file", kind_of(st->st_mode));
        return -1;
    }
    if (st->st_size <= 0) {
        snprintf(why, why_len, "empty file");
        return -1;
    }
    if ((uint64_t)st->st_size > ELFCHECK_MAX_FILE) {
        snprintf(why, why_len, "file too large: %llu bytes, limit 4 GiB",
                 (unsigned long long)st->st_size);
        return -1;
    }
    return 0;
}

/* pread exactly `want` bytes from offset `at`, retrying on EINTR and short
 * reads; fails if the file ends early (it shrank after fstat). */
static int read_prefix(int fd, uint8_t *buf, uint64_t at, uint64_t want,
                       char *why, size_t why_len)
{
    uint64_t got = 0;

    while (got < want) {
        ssize_t r = pread(fd, buf + got, (size_t)(want - got), (off_t)(at + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(why, why_len, "read error: %s", strerror(errno));
            return -1;
        }
        if (r == 0) {
            snprintf(why, why_len, "file shrank while being read (%llu of %llu bytes)",
                     (unsigned long long)got, (unsigned long long)want);
            return -1;
        }
        got += (uint64_t)r;
    }
    return 0;
}

/* Open `path` as elfcheck does and give its descriptor and size. */
static int open_checked(const char *path, int *fdp, uint64_t *file_size,
                        char *why, size_t why_len)
{
    struct stat st, fst;
    int fd;

    if (stat(path, &st) != 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return -1;
    }
    if (check_meta(&st, why, why_len) != 0)
        return -1;
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_len, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, &fst) != 0) {
        snprintf(why, why_len, "fstat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
        snprintf(why, why_len, "file replaced while being opened");
        close(fd);
        return -1;
    }
    if (check_meta(&fst, why, why_len) != 0) {
        close(fd);
        return -1;
    }
    *fdp = fd;
    *file_size = (uint64_t)fst.st_size;
    return 0;
}

int elfcheck_read_header(const char *path, uint8_t *buf, uint64_t *buf_len,
                         uint64_t *file_size, char *why, size_t why_len)
{
    uint64_t want;
    int fd, rc;

    if (open_checked(path, &fd, file_size, why, why_len) != 0)
        return -1;
    want = *file_size < PM_ELF_HEADER_AREA ? *file_size : PM_ELF_HEADER_AREA;
    rc = read_prefix(fd, buf, 0, want, why, why_len);
    *buf_len = want;
    close(fd);
    return rc;
}

int elfcheck_read_validate(const char *path, uint8_t *buf,
                           const pm_elf_policy *pol, pm_elf_role role,
                           pm_elf_plan *plan, pm_status *st,
                           uint64_t *buf_len, uint64_t *file_size,
                           char *why, size_t why_len)
{
    uint64_t n;
    int fd, rc;

    if (open_checked(path, &fd, file_size, why, why_len) != 0)
        return -1;
    n = *file_size < PM_ELF_HEADER_AREA ? *file_size : PM_ELF_HEADER_AREA;
    rc = read_prefix(fd, buf, 0, n, why, why_len);
    *buf_len = n;
    if (rc == 0) {
        *st = pm_elf_validate(buf, n, *file_size, pol, role, plan);
        /* The second and last read: the bytes the validator named. */
        if (*st == PM_E_ELF_HEADER_AREA && plan->need_len != 0 &&
            plan->need_len <= PM_ELF_INTERP_MAX) {
            uint64_t off = plan->need_off, len = plan->need_len;
            rc = read_prefix(fd, buf + n, off, len, why, why_len);
            if (rc == 0) {
                *buf_len = n + len;
                *st = pm_elf_validate_ext(buf, n, n + len, off, *file_size,
                                          pol, role, plan);
            }
        }
    }
    close(fd);
    return rc;
}
