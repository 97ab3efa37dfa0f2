/*
 * pmspawn: run a program through procmgr's Linux loader (test driver).
 *
 *   pmspawn [--suspended] [--info] PROGRAM [ARGS...]
 *
 * PROGRAM (searched in PATH when it has no '/') is opened read-only; the
 * opened fd is the image capability.  argv = PROGRAM ARGS..., the
 * environment is ours, handles 0, 1, 2 are ours.  Exits with the child's
 * exit status (128 + signal when killed).
 *   --suspended  create stopped before the first instruction, check that
 *                the program is already mapped in /proc/PID/maps, then start
 *   --info       print the child's entry, stack pointer and stub flags to
 *                stderr
 *   --memfd      copy PROGRAM into a memfd sealed against write, grow and
 *                shrink, and load from that (--memfd-unsealed: no seals,
 *                which the loader must refuse)
 *   --kill       create suspended, then SIGKILL it before it starts (exits
 *                137 when the kill took)
 *   --interp P   allow interpreter P besides the default ld.so
 *   --bench N    spawn and wait N times (children must exit 0) and print
 *                min and median microseconds per spawn+wait to stderr
 * On a loader error prints the status name and exits 125.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/linux_spawn.h"
#include "procmgr/status.h"

extern char **environ;

static int open_program(const char *name, char *path, size_t cap)
{
    const char *p = getenv("PATH");

    if (strchr(name, '/') != NULL || p == NULL) {
        snprintf(path, cap, "%s", name);
        return open(name, O_RDONLY | O_CLOEXEC);
    }
    while (*p) {
        size_t n = strcspn(p, ":");
        int fd;
        snprintf(path, cap, "%.*s/%s", (int)n, p, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            return fd;
        p += n + (p[n] == ':');
    }
    errno = ENOENT;
    return -1;
}

/* A memfd holding a copy of fd's file, sealed or not. */
static int to_memfd(int fd, int sealed)
{
    char buf[65536];
    int m = memfd_create("pmspawn-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    ssize_t n;

    if (m < 0)
        return -1;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        if (write(m, buf, (size_t)n) != n)
            return -1;
    if (n < 0)
        return -1;
    if (sealed && fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return -1;
    close(fd);
    return m;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Spawn+wait n times; every child must exit 0. */
static int bench(pm_linux_spawn_req *req, int n)
{
    uint64_t *t = calloc((size_t)n, sizeof *t);
    int i, wstatus;

    if (t == NULL)
        return 125;
    for (i = 0; i < n; i++) {
        pm_linux_child c;
        uint64_t t0 = now_ns();
        pm_status st = pm_linux_spawn(req, &c, NULL);
        if (st != PM_OK || pm_linux_wait(&c, &wstatus) != PM_OK || wstatus != 0) {
            fprintf(stderr, "pmspawn: bench run %d failed: %s\n", i, pm_status_name(st));
            free(t);
            return 1;
        }
        t[i] = now_ns() - t0;
        pm_linux_child_release(&c);
    }
    qsort(t, (size_t)n, sizeof *t, cmp_u64);
    fprintf(stderr, "pmspawn: %d spawn+wait: min %.1f us, median %.1f us\n", n,
            (double)t[0] / 1000.0, (double)t[n / 2] / 1000.0);
    free(t);
    return 0;
}

/* With the child built and waiting: the program's file is mapped already. */
static int check_built(int pid, const char *path)
{
    char maps[64], line[4096 + 128], real[PATH_MAX];
    FILE *f;
    int found = 0;

    if (realpath(path, real) == NULL)
        return 0;
    snprintf(maps, sizeof maps, "/proc/%d/maps", pid);
    f = fopen(maps, "r");
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *nl = strchr(line, '\n'), *slash = strchr(line, '/');
        if (nl)
            *nl = '\0';
        if (slash != NULL && strcmp(slash, real) == 0)
            found = 1;
    }
    fclose(f);
    return found;
}

int main(int argc, char **argv)
{
    pm_linux_handle h[3] = { { 0, 0 }, { 1, 1 }, { 2, 2 } };
    pm_linux_spawn_req req;
    const char *allow[3] = { PM_LINUX_DEFAULT_INTERP, NULL, NULL };
    pm_linux_child child;
    pm_linux_error err;
    char path[PATH_MAX];
    int i = 1, suspended = 0, info = 0, memfd = 0, kill = 0, nbench = 0, wstatus = 0, fd;
    pm_status st;

    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--suspended") == 0)
            suspended = 1;
        else if (strcmp(argv[i], "--info") == 0)
            info = 1;
        else if (strcmp(argv[i], "--kill") == 0)
            kill = suspended = 1;
        else if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
            nbench = atoi(argv[++i]);
        else if (strcmp(argv[i], "--interp") == 0 && i + 1 < argc)
            allow[1] = argv[++i];
        else if (strcmp(argv[i], "--memfd") == 0)
            memfd = 1;
        else if (strcmp(argv[i], "--memfd-unsealed") == 0)
            memfd = 2;
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: pmspawn [--suspended|--kill] [--info] [--memfd|--memfd-unsealed] [--interp P] [--bench N] "
                "PROGRAM [ARGS...]\n");
        return 125;
    }
    fd = open_program(argv[i], path, sizeof path);
    if (fd < 0) {
        fprintf(stderr, "pmspawn: %s: %s\n", argv[i], strerror(errno));
        return 125;
    }
    if (memfd != 0 && (fd = to_memfd(fd, memfd == 1)) < 0) {
        fprintf(stderr, "pmspawn: memfd copy: %s\n", strerror(errno));
        return 125;
    }
    memset(&req, 0, sizeof req);
    req.image_fd = fd;
    req.argv = argv + i;
    req.envp = environ;
    req.execfn = path;
    req.handles = h;
    req.nhandles = 3;
    req.flags = suspended ? PM_LINUX_SPAWN_SUSPENDED : 0;
    req.interp_allow = allow;
    if (nbench > 0)
        return bench(&req, nbench);
    st = pm_linux_spawn(&req, &child, &err);
    close(fd);
    if (st != PM_OK) {
        fprintf(stderr, "pmspawn: %s: %s (%s), errno %d (%s), stub stage %u\n", path,
                pm_status_name(st), pm_status_message(st), err.sys_errno,
                strerror(err.sys_errno), err.stub_stage);
        return 125;
    }
    if (info)
        fprintf(stderr, "pmspawn: pid %d entry %#llx sp %#llx bias %#llx interp %#llx "
                "mm_map %s (errno %d) trampoline %s\n", child.pid,
                (unsigned long long)child.entry, (unsigned long long)child.sp,
                (unsigned long long)child.prog_bias, (unsigned long long)child.interp_bias,
                (child.stub_flags & PM_LINUX_MM_MAP_APPLIED) ? "applied" : "not applied",
                child.mm_map_errno,
                (child.stub_flags & PM_LINUX_TRAMP_LEFT) ? "left mapped" : "removed");
    if (suspended) {
        if (!check_built(child.pid, path)) {
            fprintf(stderr, "pmspawn: suspended child %d does not map %s\n", child.pid, path);
            pm_linux_kill(&child);
            pm_linux_wait(&child, &wstatus);
            return 124;
        }
        if (kill && pm_linux_kill(&child) != PM_OK) {
            fprintf(stderr, "pmspawn: kill failed\n");
            return 125;
        }
        st = kill ? PM_OK : pm_linux_start(&child);
        if (st != PM_OK) {
            fprintf(stderr, "pmspawn: start: %s\n", pm_status_name(st));
            return 125;
        }
    }
    st = pm_linux_wait(&child, &wstatus);
    pm_linux_child_release(&child);
    if (st != PM_OK) {
        fprintf(stderr, "pmspawn: wait: %s\n", pm_status_name(st));
        return 125;
    }
    if (WIFSIGNALED(wstatus)) {
        fprintf(stderr, "pmspawn: child killed by signal %d\n", WTERMSIG(wstatus));
        return 128 + WTERMSIG(wstatus);
    }
    return WEXITSTATUS(wstatus);
}
