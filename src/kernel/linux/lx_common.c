/*
 * Linux stub loader, parent side, shared by pm_linux_spawn (spawn.c) and
 * the kernel.h backend (klinux.c): the sealed stub memfd, the image fd
 * check, starting a child on the stub, the stub's hello.  lx_common.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "lx_common.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010u
#endif

#define PM_LINUX_SEALS (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK)
#define PM_LINUX_CLONE_STACK (32u * 1024u)

/* The stub binary, embedded by stub_blob.S. */
extern const unsigned char pm_stub_image[];
extern const unsigned char pm_stub_image_end[];

/* ---- the sealed stub memfd (made once per process) ----------------------- */

static pthread_once_t g_stub_once = PTHREAD_ONCE_INIT;
static int g_stub_fd = -1;
static int g_stub_errno;

static void stub_memfd_make(void)
{
    size_t len = (size_t)(pm_stub_image_end - pm_stub_image), done = 0;
    int fd = memfd_create("procmgr-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

    if (fd < 0 && errno == EINVAL)   /* kernels before 6.3 know no MFD_EXEC */
        fd = memfd_create("procmgr-stub", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        g_stub_errno = errno;
        return;
    }
    while (done < len) {
        ssize_t n = write(fd, pm_stub_image + done, len - done);
        if (n <= 0) {
            g_stub_errno = n < 0 ? errno : EIO;
            close(fd);
            return;
        }
        done += (size_t)n;
    }
    if (fchmod(fd, 0500) != 0 ||
        fcntl(fd, F_ADD_SEALS, PM_LINUX_SEALS | F_SEAL_SEAL) != 0) {
        g_stub_errno = errno;
        close(fd);
        return;
    }
    g_stub_fd = fd;
}

int pm_lx_stub_memfd(void)
{
    (void)pthread_once(&g_stub_once, stub_memfd_make);
    if (g_stub_fd < 0)
        errno = g_stub_errno;
    return g_stub_fd;
}

/* ---- images ---------------------------------------------------------------- */

/* Regular files are accepted; a memfd (also S_ISREG) only when sealed
 * against write, grow and shrink, so its bytes cannot change under us. */
pm_status pm_lx_image_check(int fd, uint64_t *size, int *sys_errno)
{
    struct stat st;
    char link[64], target[16];
    ssize_t n;
    int seals;

    if (fstat(fd, &st) != 0) {
        *sys_errno = errno;
        return PM_E_LINUX_IMAGE_IO;
    }
    if (!S_ISREG(st.st_mode))
        return PM_E_LINUX_NOT_REGULAR;
    seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0) {       /* shmem: a memfd, or a plain tmpfs file */
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof target);
        if (n >= 7 && memcmp(target, "/memfd:", 7) == 0 &&
            (seals & PM_LINUX_SEALS) != PM_LINUX_SEALS)
            return PM_E_LINUX_MEMFD_UNSEALED;
    }
    *size = (uint64_t)st.st_size;
    return PM_OK;
}

pm_status pm_lx_exec_mode(uint32_t mode, uint32_t fuid, uint32_t fgid,
                          const pm_kh_cred *cr)
{
    uint32_t bits = mode & 07u;                  /* others */
    int member = cr->gid == fgid;
    for (uint32_t i = 0; i < cr->ngroups && i < PM_KH_MAX_GROUPS && !member; i++)
        member = cr->groups[i] == fgid;
    if (cr->uid == fuid)
        bits = (mode >> 6) & 07u;                /* the owner's, only */
    else if (member)
        bits = (mode >> 3) & 07u;
    if (bits & 01u)
        return PM_OK;
    /* CAP_DAC_OVERRIDE: a regular file with any execute bit */
    if (cr->uid == 0 && (mode & 0111u) != 0)
        return PM_OK;
    return PM_E_LINUX_EXEC_DENIED;
}

pm_status pm_lx_exec_check(int fd, const pm_kh_cred *cr, int *sys_errno)
{
    struct statvfs vfs;
    struct stat sb;
    if (fstatvfs(fd, &vfs) != 0 || fstat(fd, &sb) != 0) {
        *sys_errno = errno;
        return PM_E_LINUX_IMAGE_IO;
    }
    if (vfs.f_flag & ST_NOEXEC)
        return PM_E_LINUX_NOEXEC;
    return pm_lx_exec_mode((uint32_t)sb.st_mode, (uint32_t)sb.st_uid,
                           (uint32_t)sb.st_gid, cr);
}

int pm_lx_setid_ids(uint32_t mode, uint32_t fuid, uint32_t fgid, uint32_t euid,
                    uint32_t egid, uint32_t *nuid, uint32_t *ngid)
{
    *nuid = (mode & S_ISUID) ? fuid : euid;
    *ngid = ((mode & S_ISGID) && (mode & S_IXGRP)) ? fgid : egid;
    return *nuid != euid || *ngid != egid;
}

pm_status pm_lx_setid_check(int fd, uint32_t *nuid, uint32_t *ngid, int *sys_errno)
{
    struct statvfs vfs;
    struct stat sb;
    const uint32_t euid = (uint32_t)geteuid(), egid = (uint32_t)getegid();
    *nuid = euid;
    *ngid = egid;
    if (fstatvfs(fd, &vfs) != 0 || fstat(fd, &sb) != 0) {
        *sys_errno = errno;
        return PM_E_LINUX_IMAGE_IO;
    }
    /* execve ignores set-id bits and file capabilities on a nosuid
     * mount and under no_new_privs (which the stub inherits) */
    if ((vfs.f_flag & ST_NOSUID) || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
        return PM_OK;
    /* root may take any ids (it lowers privilege); anyone else would
     * gain the file's.  File capabilities raise a caller other than root
     * (root already holds every capability procmgrd has). */
    if (pm_lx_setid_ids((uint32_t)sb.st_mode, (uint32_t)sb.st_uid, (uint32_t)sb.st_gid,
                        euid, egid, nuid, ngid) && euid != 0)
        return PM_E_LINUX_SETID_REFUSED;
    if (euid != 0 && fgetxattr(fd, "security.capability", NULL, 0) > 0)
        return PM_E_LINUX_SETID_REFUSED;
    return PM_OK;
}

/* ---- the descriptor limit -------------------------------------------------- */

static struct rlimit g_nofile;      /* the soft and hard limits found at start */
static int g_nofile_raised;

void pm_lx_nofile_raise(void)
{
    struct rlimit r;

    if (g_nofile_raised || getrlimit(RLIMIT_NOFILE, &g_nofile) != 0)
        return;
    r = g_nofile;
    if (r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &r) != 0)
            return;
    }
    g_nofile_raised = 1;
}

pm_status pm_lx_nofile_check(char *msg, size_t cap)
{
    if (!g_nofile_raised || g_nofile.rlim_cur == RLIM_INFINITY ||
        g_nofile.rlim_cur >= PM_LX_NOFILE_MIN)
        return PM_OK;
    if (g_nofile.rlim_max != RLIM_INFINITY && g_nofile.rlim_max < PM_LX_NOFILE_MIN)
        snprintf(msg, cap, "the descriptor limit (RLIMIT_NOFILE) is %llu, hard limit %llu: "
                 "every launched program starts with it and procmgr's loader needs "
                 "descriptors %u and above, so no launch could work; start procmgrd "
                 "with a limit of at least %u (ulimit -n %u as root, LimitNOFILE=%u "
                 "under systemd)",
                 (unsigned long long)g_nofile.rlim_cur, (unsigned long long)g_nofile.rlim_max,
                 (unsigned)PM_STUB_FD_LIMIT, (unsigned)PM_LX_NOFILE_MIN,
                 (unsigned)PM_LX_NOFILE_MIN, (unsigned)PM_LX_NOFILE_MIN);
    else
        snprintf(msg, cap, "the soft descriptor limit (RLIMIT_NOFILE) is %llu: every "
                 "launched program starts with it and procmgr's loader needs descriptors "
                 "%u and above, so no launch could work; start procmgrd with a soft limit "
                 "of at least %u (ulimit -Sn %u, LimitNOFILE=%u under systemd)",
                 (unsigned long long)g_nofile.rlim_cur, (unsigned)PM_STUB_FD_LIMIT,
                 (unsigned)PM_LX_NOFILE_MIN, (unsigned)PM_LX_NOFILE_MIN,
                 (unsigned)PM_LX_NOFILE_MIN);
    return PM_E_K_NO_DESCRIPTORS;
}

int pm_lx_nofile_fits(uint32_t nfds)
{
    return !g_nofile_raised || g_nofile.rlim_cur == RLIM_INFINITY ||
           (uint64_t)PM_STUB_FD_LIMIT + 1u + nfds <= (uint64_t)g_nofile.rlim_cur;
}

typedef struct child_ctx {
    int ctl;
    int stub;
    char *const *argv;
    char *const *envp;
    volatile int exec_errno;
} child_ctx;

static void close_from(unsigned lo)
{
    if (syscall(SYS_close_range, lo, ~0u, 0) != 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long f = (long)lo; f < max; f++)
            (void)close((int)f);
    }
}

/* Runs in the CLONE_VM|CLONE_VFORK child: only fd moves and the exec.
 * The stub starts with the control socket at PM_STUB_CTL_FD and nothing
 * else open; it receives everything else over the socket. */
static int child_main(void *arg)
{
    child_ctx *c = arg;
    int ctl = fcntl(c->ctl, F_DUPFD_CLOEXEC, 10);
    int stub = fcntl(c->stub, F_DUPFD_CLOEXEC, 10);

    if (ctl < 0 || stub < 0 || dup2(ctl, PM_STUB_CTL_FD) != PM_STUB_CTL_FD ||
        dup3(stub, PM_STUB_CTL_FD + 1, O_CLOEXEC) != PM_STUB_CTL_FD + 1) {
        c->exec_errno = errno;
        _exit(127);
    }
    (void)syscall(SYS_close_range, 0u, 2u, 0u);
    close_from(PM_STUB_CTL_FD + 2);
    /* a session (and process group) of its own, as posix_spawn with
     * POSIX_SPAWN_SETSID gives: a signal to its group never reaches
     * procmgrd (issue 18, spec/daemon.md section 13) */
    (void)setsid();
    /* the soft descriptor limit the daemon was started with, not the one
     * it raised for itself (pm_lx_nofile_raise) */
    if (g_nofile_raised)
        (void)setrlimit(RLIMIT_NOFILE, &g_nofile);
    (void)syscall(SYS_execveat, PM_STUB_CTL_FD + 1, "", c->argv, c->envp, AT_EMPTY_PATH);
    c->exec_errno = errno;
    _exit(127);
}

pm_status pm_lx_clone_stub(int ctl_child, char *const *argv, char *const *envp,
                           int *pid_out, int *pidfd_out, int *sys_errno)
{
    _Alignas(16) unsigned char stack[PM_LINUX_CLONE_STACK];
    child_ctx c;
    sigset_t all, old;
    int pidfd = -1, pid;

    c.ctl = ctl_child;
    c.stub = pm_lx_stub_memfd();
    c.argv = argv;
    c.envp = envp;
    c.exec_errno = 0;
    if (c.stub < 0) {
        *sys_errno = errno;
        return PM_E_LINUX_STUB_SETUP;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid = clone(child_main, stack + sizeof stack,
                CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &c, &pidfd);
    if (pid < 0)
        *sys_errno = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
        return PM_E_LINUX_CLONE;
    if (c.exec_errno != 0) {
        *sys_errno = c.exec_errno;
        pm_lx_kill_reap(pidfd);
        close(pidfd);
        return PM_E_LINUX_STUB_EXEC;
    }
    *pid_out = pid;
    *pidfd_out = pidfd;
    return PM_OK;
}

void pm_lx_kill_reap(int pidfd)
{
    siginfo_t si;

    if (pidfd < 0)
        return;
    (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0 && errno == EINTR)
        ;
}

/* ---- the deadline of every wait on a stub ------------------------------------- */

static pthread_once_t g_timeout_once = PTHREAD_ONCE_INIT;
static int g_timeout_ms = PM_LX_STUB_TIMEOUT_DEFAULT_MS;

static void timeout_read(void)
{
    const char *v = getenv("PROCMGR_STUB_TIMEOUT_MS");
    char *end = NULL;
    unsigned long n;

    if (v == NULL || *v == '\0' || v[0] == '-')
        return;
    errno = 0;
    n = strtoul(v, &end, 10);
    if (errno != 0 || *end != '\0' || n == 0)
        return;
    g_timeout_ms = n > PM_LX_STUB_TIMEOUT_MAX_MS ? PM_LX_STUB_TIMEOUT_MAX_MS : (int)n;
}

int pm_lx_stub_timeout_ms(void)
{
    (void)pthread_once(&g_timeout_once, timeout_read);
    return g_timeout_ms;
}

pm_status pm_lx_wait_stub(int ctl, int *sys_errno)
{
    struct timespec t0, t;
    int left = pm_lx_stub_timeout_ms(), r;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = { ctl, POLLIN, 0 };
        r = poll(&p, 1, left);
        if (r > 0)
            return PM_OK;          /* a message, an end of file or an error */
        if (r == 0 || errno != EINTR)
            break;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long long spent = (long long)(t.tv_sec - t0.tv_sec) * 1000 +
                          (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (spent >= pm_lx_stub_timeout_ms())
            break;
        left = pm_lx_stub_timeout_ms() - (int)spent;
    }
    if (r < 0 && errno != EINTR) {
        *sys_errno = errno;
        return PM_E_LINUX_STUB_PROTOCOL;
    }
    *sys_errno = ETIMEDOUT;
    return PM_E_K_TIMED_OUT;
}

pm_status pm_lx_recv_hello(int ctl, pm_stub_hello *h, int *sys_errno)
{
    ssize_t n;
    pm_status st = pm_lx_wait_stub(ctl, sys_errno);

    if (st != PM_OK)
        return st;
    do {
        n = recv(ctl, h, sizeof *h, 0);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof *h || h->magic != PM_STUB_HELLO_MAGIC ||
        h->version != PM_STUB_VERSION) {
        *sys_errno = n < 0 ? errno : 0;
        return PM_E_LINUX_STUB_PROTOCOL;
    }
    return PM_OK;
}

pm_status pm_lx_send_fds(int sock, const void *buf, size_t len, const int *fds,
                         size_t nfds, int *sys_errno)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int) * PM_LX_MAX_SEND_FDS)];
    } cm;
    struct iovec iov = { (void *)(uintptr_t)buf, len };
    struct msghdr msg;
    struct cmsghdr *c;
    ssize_t r;

    if (nfds > PM_LX_MAX_SEND_FDS) {
        *sys_errno = EINVAL;
        return PM_E_LINUX_STUB_PROTOCOL;
    }
    memset(&cm, 0, sizeof cm);
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        msg.msg_control = cm.buf;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    do {
        r = sendmsg(sock, &msg, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r != (ssize_t)len) {
        *sys_errno = r < 0 ? errno : 0;
        return PM_E_LINUX_STUB_PROTOCOL;
    }
    return PM_OK;
}
