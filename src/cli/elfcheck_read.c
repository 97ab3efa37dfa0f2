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

/* pread exactly `want` bytes from offset 0, retrying on EINTR and short
 * reads; fails if the file ends early (it shrank after fstat). */
static int read_prefix(int fd, uint8_t *buf, uint64_t want, char *why,
                       size_t why_len)
{
    uint64_t got = 0;

    while (got < want) {
        ssize_t r = pread(fd, buf + got, (size_t)(want - got), (off_t)got);
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

int elfcheck_read_header(const char *path, uint8_t *buf, uint64_t *buf_len,
                         uint64_t *file_size, char *why, size_t why_len)
{
    struct stat st, fst;
    uint64_t want;
    int fd, rc;

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
    rc = check_meta(&fst, why, why_len);
    if (rc == 0) {
        *file_size = (uint64_t)fst.st_size;
        want = *file_size < PM_ELF_HEADER_AREA ? *file_size : PM_ELF_HEADER_AREA;
        rc = read_prefix(fd, buf, want, why, why_len);
        *buf_len = want;
    }
    close(fd);
    return rc;
}
