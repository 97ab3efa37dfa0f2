/*
 * Linux backend: jobs (kernel.h "jobs", spec/linux-loader.md section 11).
 *
 * CGROUP mode: the daemon makes its own directory procmgr-<pid> in the
 * cgroup v2 hierarchy, below the cgroup it runs in (found through
 * /proc/self/mountinfo and /proc/self/cgroup), and one directory
 * job-<id> per job below that.  A member joins by the daemon writing its
 * pid to the job's cgroup.procs while the stub waits before the program's
 * first instruction, so every process it and its descendants create is in
 * the job.  Kill is cgroup.kill, freeze cgroup.freeze (waiting for
 * cgroup.events to say "frozen 1").  A job destroyed while processes are
 * still in it (a double-forked daemon outliving its launcher) lingers: its
 * directory is removed once empty, and what is in it is killed when the
 * backend closes, so nothing outlives procmgrd and no directory leaks.
 *
 * Limits (spec/lifecycle.md section 6): a resource's controller is the
 * v2 one when procmgrd's cgroup offers it to the daemon's directory (then
 * enabled in its cgroup.subtree_control: pids.max, memory.max of the job),
 * else the v1 hierarchy of that controller: a directory procmgr-<pid>/
 * job-<id> there, made with the job's first limit on it, the job frozen
 * while its processes are moved in (no fork escapes), later members
 * joined at their start like the v2 one (pids.max,
 * memory.limit_in_bytes).  Without either, or in MEMBERS mode, a limit
 * is refused (LINUX_JOB_LIMIT).  Usage: cpu.stat of the v2 directory,
 * pids.current, memory.current (v1: memory.usage_in_bytes) and the OOM
 * kills (memory.events, v1 memory.oom_control).
 *
 * MEMBERS mode (no writable cgroup v2 hierarchy with cgroup.kill and
 * cgroup.freeze, or PROCMGR_JOBS=members): a job is the set of member
 * threads, killed and stopped (SIGSTOP/SIGCONT) one by one; a process a
 * member forks is not in the job.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "klinux_internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define KL_FREEZE_WAIT_MS   5000   /* cgroup.freeze until "frozen 1"       */
#define KL_CLOSE_WAIT_MS    2000   /* cgroup.kill until "populated 0"      */
#define KL_EVENTS_POLL_MS   20

/* ---- files ------------------------------------------------------------------ */

/* Write s to dir/file.  0, or the errno. */
static int write_at(int dirfd, const char *file, const char *s)
{
    int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
    int err = 0;
    size_t len = strlen(s);
    if (fd < 0)
        return errno;
    if (write(fd, s, len) != (ssize_t)len)
        err = errno != 0 ? errno : EIO;
    close(fd);
    return err;
}

/* Read dir/file into buf (NUL-terminated).  The length, or -1. */
static ssize_t read_at(int dirfd, const char *file, char *buf, size_t cap)
{
    int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return -1;
    n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

/* The number of dir/file: the whole file ("max" is PM_K_JOB_LIMIT_NONE)
 * when key is NULL, else the value of its line "key N".  0 when read. */
static int read_number(int dirfd, const char *file, const char *key, uint64_t *v)
{
    char buf[1024];
    const char *at = buf;
    char *end;
    size_t kl = key != NULL ? strlen(key) : 0;
    if (dirfd < 0 || read_at(dirfd, file, buf, sizeof buf) < 0)
        return -1;
    if (key != NULL) {
        for (at = buf; at != NULL; at = strchr(at, '\n'), at = at ? at + 1 : NULL)
            if (strncmp(at, key, kl) == 0 && at[kl] == ' ')
                break;
        if (at == NULL)
            return -1;
        at += kl + 1;
    }
    if (strncmp(at, "max", 3) == 0) {
        *v = PM_K_JOB_LIMIT_NONE;
        return 0;
    }
    errno = 0;
    *v = strtoull(at, &end, 10);
    return end == at || errno != 0 ? -1 : 0;
}

/* Is `word` one of the tokens of s (separated by any of seps)? */
static int has_token(const char *s, const char *word, const char *seps)
{
    size_t wl = strlen(word);
    while (*s != '\0') {
        size_t n = strcspn(s, seps);
        if (n == wl && strncmp(s, word, wl) == 0)
            return 1;
        s += n;
        s += *s != '\0';
    }
    return 0;
}

/* Does dir/cgroup.events hold the line "key value"?  Waits up to wait_ms
 * for it (cgroup.events signals a change with POLLPRI).  1 when it does. */
static int events_wait(int dirfd, const char *line, int wait_ms)
{
    char buf[256];
    int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
    int found = 0;
    if (fd < 0)
        return 0;
    for (int waited = 0;; waited += KL_EVENTS_POLL_MS) {
        ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
        if (n > 0) {
            buf[n] = '\0';
            char *at = strstr(buf, line);
            found = at != NULL && (at == buf || at[-1] == '\n');
        }
        if (found || waited >= wait_ms)
            break;
        struct pollfd p = { .fd = fd, .events = POLLPRI };
        (void)poll(&p, 1, KL_EVENTS_POLL_MS);
    }
    close(fd);
    return found;
}

/* ---- finding the hierarchy ------------------------------------------------- */

/* A cgroup mount: its mount point and the root of the hierarchy it
 * shows.  The v2 one (ctrl NULL), or the v1 one whose super options name
 * controller ctrl.  0 when found. */
static int cgroup_mount(const char *ctrl, char *mnt, size_t mcap, char *root,
                        size_t rcap)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024];
    int rc = -1;
    if (f == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f) != NULL) {
        char r[512], m[512], opts[512];
        const char *sep = strstr(line, ctrl == NULL ? " - cgroup2 " : " - cgroup ");
        if (sep == NULL ||
            sscanf(line, "%*s %*s %*s %511s %511s", r, m) != 2)
            continue;
        if (ctrl != NULL && (sscanf(sep, " - cgroup %*s %511s", opts) != 1 ||
                             !has_token(opts, ctrl, ",")))
            continue;
        if (strlen(m) < mcap && strlen(r) < rcap) {
            memcpy(mnt, m, strlen(m) + 1);
            memcpy(root, r, strlen(r) + 1);
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* Our cgroup in the v2 hierarchy ("0::PATH" of /proc/self/cgroup), or
 * (ctrl not NULL) in the v1 hierarchy of controller ctrl ("N:a,b:PATH"). */
static int own_cgroup(const char *ctrl, char *path, size_t cap)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    int rc = -1;
    if (f == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f) != NULL) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        size_t n;
        if (c2 == NULL)
            continue;
        *c1 = '\0';
        *c2 = '\0';
        if (ctrl == NULL ? strcmp(line, "0") != 0 || c2 != c1 + 1
                         : !has_token(c1 + 1, ctrl, ","))
            continue;
        n = strcspn(c2 + 1, "\n");
        if (n < cap) {
            memcpy(path, c2 + 1, n);
            path[n] = '\0';
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* out = mnt + (path relative to the mount's root) + "/" + leaf.  0, or -1
 * when it does not fit. */
static int cgroup_dir_path(char *out, size_t cap, const char *mnt,
                           const char *root, const char *path, const char *leaf)
{
    size_t rl = strlen(root);
    const char *rel = path;
    int len;
    if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
        rel = path + rl;
    if (strcmp(rel, "/") == 0)
        rel = "";
    len = snprintf(out, cap, "%s%s/%s", mnt, rel, leaf);
    return len < 0 || len >= (int)cap ? -1 : 0;
}

/* k->cg_path = mnt + (path relative to the mount's root) +
 * "/procmgr-<pid>" (".<n>" for the n-th backend of the same process).
 * 0, or -1 when it does not fit. */
static int daemon_dir_path(struct pm_kernel *k, const char *mnt,
                           const char *root, const char *path)
{
    static unsigned instances;   /* backends opened by this process */
    unsigned n = __atomic_fetch_add(&instances, 1u, __ATOMIC_RELAXED);
    char leaf[48];
    if (n == 0)
        (void)snprintf(leaf, sizeof leaf, "procmgr-%d", (int)getpid());
    else
        (void)snprintf(leaf, sizeof leaf, "procmgr-%d.%u", (int)getpid(), n);
    return cgroup_dir_path(k->cg_path, sizeof k->cg_path, mnt, root, path, leaf);
}

/* The name of a resource's controller and its files (v2, v1). */
static const char *const res_ctrl[KL_JOB_RES] = { "", "pids", "memory" };
static const char *const res_max_v2[KL_JOB_RES] = { "", "pids.max", "memory.max" };
static const char *const res_max_v1[KL_JOB_RES] = { "", "pids.max", "memory.limit_in_bytes" };
static const char *const res_cur_v1[KL_JOB_RES] = { "", "pids.current", "memory.usage_in_bytes" };
static const char *const res_cur_v2[KL_JOB_RES] = { "", "pids.current", "memory.current" };

/* Is the v1 hierarchy of resource r usable: its directory for this daemon
 * (same leaf as the v2 one) can be made and holds the limit file?  Probed
 * like the v2 one: made, checked, removed. */
static void res_probe_v1(struct pm_kernel *k, uint32_t r)
{
    char mnt[256], root[256], path[512];
    const char *leaf = strrchr(k->cg_path, '/') + 1;
    struct kl_job_res *x = &k->res[r];
    int fd;
    if (cgroup_mount(res_ctrl[r], mnt, sizeof mnt, root, sizeof root) != 0 ||
        own_cgroup(res_ctrl[r], path, sizeof path) != 0 ||
        cgroup_dir_path(x->path, sizeof x->path, mnt, root, path, leaf) != 0 ||
        (mkdir(x->path, 0755) != 0 && errno != EEXIST))
        return;
    fd = open(x->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && faccessat(fd, "cgroup.procs", W_OK, 0) == 0 &&
        faccessat(fd, res_max_v1[r], W_OK, 0) == 0)
        x->where = KL_RES_V1;
    if (fd >= 0)
        close(fd);
    (void)rmdir(x->path);
}

/* Where each resource's controller is (the daemon's directory exists). */
static void res_probe(struct pm_kernel *k)
{
    char ctl[512];
    if (read_at(k->cg_fd, "cgroup.controllers", ctl, sizeof ctl) < 0)
        ctl[0] = '\0';
    for (uint32_t r = 1; r < KL_JOB_RES; r++)
        if (has_token(ctl, res_ctrl[r], " \n"))
            k->res[r].where = KL_RES_V2;
        else
            res_probe_v1(k, r);
}

/* No job and no lingering directory: close the descriptors on the
 * daemon's directories, so that an idle daemon holds none, but keep the
 * directories.  Making and removing them around every launch of an
 * otherwise idle daemon cost a cgroup mkdir and rmdir per launch; a
 * reopen is a path lookup.  A daemon killed outright leaves them; the
 * next one removes them (stale_dirs_reap). */
static void daemon_dir_idle(struct pm_kernel *k)
{
    if (k->njobs > 0 || k->nlinger > 0)
        return;
    if (k->cg_fd >= 0) {
        close(k->cg_fd);
        k->cg_fd = -1;
    }
    for (uint32_t r = 1; r < KL_JOB_RES; r++)
        if (k->res[r].fd >= 0) {
            close(k->res[r].fd);
            k->res[r].fd = -1;
        }
}

/* At close: the descriptors, then the directories themselves (each made
 * at most once per daemon, by daemon_dir_make / res_dir_make). */
static void daemon_dir_release(struct pm_kernel *k)
{
    if (k->njobs > 0 || k->nlinger > 0)
        return;
    daemon_dir_idle(k);
    if (k->made_dirs) {
        (void)rmdir(k->cg_path);
        for (uint32_t r = 1; r < KL_JOB_RES; r++)
            if (k->res[r].made)
                (void)rmdir(k->res[r].path);
    }
}

/* Make the daemon's directory (the first job needs it).  0 or -1. */
static int daemon_dir_make(struct pm_kernel *k)
{
    if (k->cg_fd >= 0)
        return 0;
    if (mkdir(k->cg_path, 0755) != 0 && errno != EEXIST)
        return -1;
    k->made_dirs = 1;
    k->cg_fd = open(k->cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (k->cg_fd < 0)
        return -1;
    /* v2 controllers the jobs get: a failure shows at the limit's write */
    for (uint32_t r = 1; r < KL_JOB_RES; r++)
        if (k->res[r].where == KL_RES_V2) {
            char on[16];
            (void)snprintf(on, sizeof on, "+%s", res_ctrl[r]);
            (void)write_at(k->cg_fd, "cgroup.subtree_control", on);
        }
    return 0;
}

/* Make the daemon's directory in resource r's v1 hierarchy.  0 or -1. */
static int res_dir_make(struct pm_kernel *k, uint32_t r)
{
    struct kl_job_res *x = &k->res[r];
    if (x->fd >= 0)
        return 0;
    if (mkdir(x->path, 0755) != 0 && errno != EEXIST)
        return -1;
    x->made = 1;
    x->fd = open(x->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return x->fd < 0 ? -1 : 0;
}

static void stale_dirs_reap(const char *parent_path, int v1);

/* The directory is made on first use, not here, so that a daemon that
 * stops before its first launch leaves nothing; here it is probed: made,
 * checked for cgroup.kill and cgroup.freeze (Linux 5.14 and 5.2; both
 * exist in every non-root cgroup of a kernel that has them), removed. */
void kl_job_open(struct pm_kernel *k)
{
    char mnt[256], root[256], path[512];
    const char *force = getenv("PROCMGR_JOBS");
    int ok;
    k->job_mode = PM_K_JOB_MODE_MEMBERS;
    k->cg_fd = -1;
    k->linger_fd = -1;
    k->cg_path[0] = '\0';
    for (uint32_t r = 0; r < KL_JOB_RES; r++) {
        k->res[r].where = KL_RES_NONE;
        k->res[r].fd = -1;
        k->res[r].path[0] = '\0';
    }
    if (force != NULL && strcmp(force, "members") == 0)
        return;
    if (cgroup_mount(NULL, mnt, sizeof mnt, root, sizeof root) != 0 ||
        own_cgroup(NULL, path, sizeof path) != 0 ||
        daemon_dir_path(k, mnt, root, path) != 0 || daemon_dir_make(k) != 0) {
        k->cg_path[0] = '\0';
        return;
    }
    ok = faccessat(k->cg_fd, "cgroup.kill", W_OK, 0) == 0 &&
         faccessat(k->cg_fd, "cgroup.freeze", W_OK, 0) == 0;
    if (ok)
        res_probe(k);
    close(k->cg_fd);
    k->cg_fd = -1;
    (void)rmdir(k->cg_path);
    if (ok) {
        k->job_mode = PM_K_JOB_MODE_CGROUP;
        *strrchr(k->cg_path, '/') = '\0';      /* the daemons' parent */
        stale_dirs_reap(k->cg_path, 0);
        k->cg_path[strlen(k->cg_path)] = '/';
        for (uint32_t r = 1; r < KL_JOB_RES; r++)
            if (k->res[r].where == KL_RES_V1) {
                char *leaf = strrchr(k->res[r].path, '/');
                *leaf = '\0';
                stale_dirs_reap(k->res[r].path, 1);
                *leaf = '/';
            }
    } else {
        k->cg_path[0] = '\0';
    }
}

const char *pm_klinux_job_dir(const struct pm_kernel *k)
{
    return k->job_mode == PM_K_JOB_MODE_CGROUP ? k->cg_path : NULL;
}

/* Remove job directory `name` from the v1 hierarchies and the v2 one.
 * 0 when none is left. */
static int job_dirs_remove(struct pm_kernel *k, const char *name)
{
    int left = 0;
    for (uint32_t r = 1; r < KL_JOB_RES; r++)
        if (k->res[r].fd >= 0 && unlinkat(k->res[r].fd, name, AT_REMOVEDIR) != 0 &&
            errno != ENOENT)
            left = 1;
    if (unlinkat(k->cg_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
        left = 1;
    return left ? -1 : 0;
}

/* Kill what is in directory `name` of parent and remove it (bounded
 * wait). */
static void dir_reap_at(int parent, const char *name)
{
    int dfd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)write_at(dfd, "cgroup.freeze", "0");
        if (!events_wait(dfd, "populated 0", 0)) {
            (void)write_at(dfd, "cgroup.kill", "1");
            (void)events_wait(dfd, "populated 0", KL_CLOSE_WAIT_MS);
        }
        close(dfd);
    }
    (void)unlinkat(parent, name, AT_REMOVEDIR);
}

static void job_dir_reap(struct pm_kernel *k, const char *name)
{
    dir_reap_at(k->cg_fd, name);
    (void)job_dirs_remove(k, name);   /* and its v1 ones, emptied with it */
}

/* The pid in a daemon directory's name "procmgr-<pid>[.<n>]", or 0. */
static pid_t daemon_dir_pid(const char *name)
{
    char *end = NULL;
    long pid;
    if (strncmp(name, "procmgr-", 8) != 0 || name[8] < '1' || name[8] > '9')
        return 0;
    pid = strtol(name + 8, &end, 10);
    return (*end == '\0' || *end == '.') && pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

/* A daemon killed outright (SIGKILL, a crash) could not remove its
 * directory: its jobs' processes run on with no manager.  The next daemon
 * in the same cgroup ends them and removes the directories of every
 * procmgr-<pid> whose pid is gone (a live pid, reused or not, is left
 * alone), so that no orphan outlives procmgrd for longer than its restart
 * (spec/linux-loader.md section 11).  In a v1 hierarchy of the limits
 * (v1 != 0) the job directories are only removed: their processes were
 * in the v2 ones too, killed first. */
static void stale_dirs_reap(const char *parent_path, int v1)
{
    int parent = open(parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = parent >= 0 ? fdopendir(dup(parent)) : NULL;
    struct dirent *e;
    while (dir != NULL && (e = readdir(dir)) != NULL) {
        pid_t pid = daemon_dir_pid(e->d_name);
        if (pid == 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        int dfd = openat(parent, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *jobs = dfd >= 0 ? fdopendir(dup(dfd)) : NULL;
        struct dirent *j;
        while (jobs != NULL && (j = readdir(jobs)) != NULL)
            if (strncmp(j->d_name, "job-", 4) != 0)
                continue;
            else if (v1)
                (void)unlinkat(dfd, j->d_name, AT_REMOVEDIR);
            else
                dir_reap_at(dfd, j->d_name);
        if (jobs != NULL)
            closedir(jobs);
        if (dfd >= 0)
            close(dfd);
        (void)unlinkat(parent, e->d_name, AT_REMOVEDIR);
    }
    if (dir != NULL)
        closedir(dir);
    if (parent >= 0)
        close(parent);
}

/* No directory lingers any more: stop watching (closing the inotify
 * descriptor also takes it out of the epoll set). */
static void linger_watch_end(struct pm_kernel *k)
{
    if (k->linger_fd >= 0 && k->nlinger == 0) {
        close(k->linger_fd);
        k->linger_fd = -1;
    }
}

/* Wake the event loop when a lingering directory's cgroup.events changes
 * (it says "populated 0" once the last process is gone), so that the
 * sweep of the next pm_k_event_poll removes it without waiting for an
 * unrelated event.  Best effort: without it the directory is still
 * removed by a later poll, or at close. */
static void linger_watch(struct pm_kernel *k, const char *name)
{
    char path[sizeof k->cg_path + 64];
    if (k->linger_fd < 0) {
        struct epoll_event ev;
        k->linger_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (k->linger_fd < 0)
            return;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = KL_EPOLL_LINGER;
        if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->linger_fd, &ev) != 0) {
            close(k->linger_fd);
            k->linger_fd = -1;
            return;
        }
    }
    snprintf(path, sizeof path, "%s/%s/cgroup.events", k->cg_path, name);
    (void)inotify_add_watch(k->linger_fd, path, IN_MODIFY);
}

void kl_job_close(struct pm_kernel *k)
{
    for (uint32_t i = 0; i < k->nlinger; i++)
        job_dir_reap(k, k->linger[i]);
    free(k->linger);
    k->linger = NULL;
    k->nlinger = k->linger_cap = 0;
    linger_watch_end(k);
    k->njobs = 0;            /* every job object was destroyed before */
    daemon_dir_release(k);
}

void kl_job_sweep(struct pm_kernel *k)
{
    uint32_t n = 0;
    char buf[4096];
    while (k->linger_fd >= 0 && read(k->linger_fd, buf, sizeof buf) > 0)
        ;   /* drained: the epoll set is quiet until the next change */
    for (uint32_t i = 0; i < k->nlinger; i++) {
        if (job_dirs_remove(k, k->linger[i]) == 0)
            continue;
        if (n != i)
            memcpy(k->linger[n], k->linger[i], sizeof k->linger[i]);
        n++;
    }
    k->nlinger = n;
    linger_watch_end(k);
    daemon_dir_idle(k);
}

/* Keep a populated directory for later removal; if even that is
 * impossible (no memory), kill what is in it now. */
static void linger_add(struct pm_kernel *k, const char *name)
{
    if (k->nlinger == k->linger_cap) {
        uint32_t cap = k->linger_cap ? k->linger_cap * 2u : 16u;
        char (*t)[32] = realloc(k->linger, cap * sizeof *t);
        if (t == NULL) {
            job_dir_reap(k, name);
            return;
        }
        k->linger = t;
        k->linger_cap = cap;
    }
    memcpy(k->linger[k->nlinger++], name, 32);
    linger_watch(k, name);
}

/* ---- objects ------------------------------------------------------------------ */

uint32_t pm_k_job_mode(struct pm_kernel *k)
{
    return k->job_mode;
}

pm_status pm_k_job_create(struct pm_kernel *k, uint64_t id, pm_kcap *out)
{
    uint32_t o = 0;
    struct kl_job *j;
    pm_status st;
    if (out == NULL)
        return PM_E_K_ARG;
    j = calloc(1, sizeof *j);
    if (j == NULL)
        return PM_E_K_NO_OBJECTS;
    j->dirfd = -1;
    for (uint32_t r = 0; r < KL_JOB_RES; r++)
        j->v1fd[r] = -1;
    (void)snprintf(j->name, sizeof j->name, "job-%" PRIu64, id);
    if (k->job_mode == PM_K_JOB_MODE_CGROUP) {
        if (daemon_dir_make(k) != 0 || mkdirat(k->cg_fd, j->name, 0755) != 0 ||
            (j->dirfd = openat(k->cg_fd, j->name,
                               O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            int e = errno;
            if (e != EEXIST && k->cg_fd >= 0)
                (void)unlinkat(k->cg_fd, j->name, AT_REMOVEDIR);
            kl_diag(k, PM_E_LINUX_JOB_CGROUP, e, 0, 0);
            free(j);
            daemon_dir_idle(k);
            return kl_cgroup_status(e);
        }
    }
    st = kl_create(k, PM_KOBJ_JOB, out, &o);
    if (st != PM_OK) {
        if (j->dirfd >= 0) {
            close(j->dirfd);
            (void)unlinkat(k->cg_fd, j->name, AT_REMOVEDIR);
        }
        free(j);
        daemon_dir_idle(k);
        return st;
    }
    k->obj[o].job = j;
    if (j->dirfd >= 0)
        k->njobs++;
    return PM_OK;
}

static int is_member(const struct pm_kernel *k, uint32_t t, uint32_t j)
{
    return k->obj[t].type == PM_KOBJ_THREAD && k->obj[t].th != NULL &&
           k->obj[t].th->job == j && k->obj[t].th->job_gen == k->obj[j].gen;
}

int kl_thread_job_frozen(const struct pm_kernel *k, uint32_t t)
{
    uint32_t j = k->obj[t].th->job;
    return j != KL_NONE && is_member(k, t, j) && k->obj[j].job->frozen;
}

pm_status pm_k_job_add(struct pm_kernel *k, pm_kcap job, pm_kcap thread)
{
    uint32_t j = 0, t = 0;
    struct kl_thread *th;
    char pid[24];
    pm_status st = kl_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st == PM_OK)
        st = kl_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);
    if (st != PM_OK)
        return st;
    th = k->obj[t].th;
    if (th->state != PM_KTHREAD_BOUND || th->job != KL_NONE || k->obj[j].job->frozen)
        return PM_E_K_STATE;
    if (k->obj[j].job->dirfd >= 0) {
        int64_t p = kl_thread_pid(k, thread);
        int err;
        if (p < 0)
            return PM_E_K_STATE;       /* the stub died: its start will say */
        (void)snprintf(pid, sizeof pid, "%" PRId64, p);
        err = write_at(k->obj[j].job->dirfd, "cgroup.procs", pid);
        for (uint32_t r = 1; r < KL_JOB_RES && err == 0; r++)
            if (k->obj[j].job->v1fd[r] >= 0)
                err = write_at(k->obj[j].job->v1fd[r], "cgroup.procs", pid);
        if (err != 0) {
            kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
            return kl_cgroup_status(err);
        }
    }
    th->job = j;
    th->job_gen = k->obj[j].gen;
    return PM_OK;
}

/* A running member ends as by pm_k_thread_kill (the event is queued now;
 * its process is SIGKILLed, reaped later). */
static void end_member(struct pm_kernel *k, uint32_t t)
{
    kl_as_kill(k->obj[k->obj[t].th->as].as);
    kl_thread_end(k, t, 0, 0);
}

pm_status pm_k_job_kill(struct pm_kernel *k, pm_kcap job)
{
    uint32_t j = 0;
    pm_status st = kl_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st != PM_OK)
        return st;
    if (k->obj[j].job->dirfd >= 0) {
        int err = write_at(k->obj[j].job->dirfd, "cgroup.kill", "1");
        if (err != 0) {
            kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
            return kl_cgroup_status(err);
        }
    }
    for (uint32_t t = 0; t < k->obj_hwm; t++)
        if (is_member(k, t, j) && k->obj[t].th->state == PM_KTHREAD_RUNNING)
            end_member(k, t);
    return st;
}

/* CGROUP mode: freeze (1) or thaw (0) the job's cgroup; a freeze returns
 * once cgroup.events says so (else it is undone: LINUX_JOB_FREEZE). */
static pm_status cgroup_freeze(struct pm_kernel *k, struct kl_job *jb, uint32_t frozen)
{
    int err = write_at(jb->dirfd, "cgroup.freeze", frozen ? "1" : "0");
    if (err != 0) {
        kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
        return kl_cgroup_status(err);
    }
    if (frozen && !events_wait(jb->dirfd, "frozen 1", KL_FREEZE_WAIT_MS)) {
        (void)write_at(jb->dirfd, "cgroup.freeze", "0");
        kl_diag(k, PM_E_LINUX_JOB_FREEZE, 0, 0, 0);
        return PM_E_LINUX_JOB_FREEZE;
    }
    return PM_OK;
}

/* MEMBERS mode: stop or continue every running member. */
static void signal_members(struct pm_kernel *k, uint32_t j, int sig)
{
    for (uint32_t t = 0; t < k->obj_hwm; t++) {
        struct kl_as *a;
        if (!is_member(k, t, j) || k->obj[t].th->state != PM_KTHREAD_RUNNING)
            continue;
        a = k->obj[k->obj[t].th->as].as;
        if (!a->reaped && a->pidfd >= 0 &&
            syscall(SYS_pidfd_send_signal, a->pidfd, sig, NULL, 0) == 0 && sig == SIGSTOP) {
            /* as pm_k_thread_signal: return once it has stopped (or
             * ended), consuming neither status (WNOWAIT) */
            siginfo_t si;
            int r;
            memset(&si, 0, sizeof si);
            do {
                r = waitid((idtype_t)P_PIDFD, (id_t)a->pidfd, &si,
                           WSTOPPED | WEXITED | WNOWAIT);
            } while (r != 0 && errno == EINTR);
        }
    }
}

pm_status pm_k_job_freeze(struct pm_kernel *k, pm_kcap job, uint32_t frozen)
{
    uint32_t j = 0;
    struct kl_job *jb;
    pm_status st = kl_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st == PM_OK && frozen > 1u)
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    jb = k->obj[j].job;
    if (jb->dirfd < 0) {
        signal_members(k, j, frozen ? SIGSTOP : SIGCONT);
        jb->frozen = frozen;
        return PM_OK;
    }
    st = cgroup_freeze(k, jb, frozen);
    if (st == PM_OK)
        jb->frozen = frozen;
    return st;
}

/* ---- limits and usage ------------------------------------------------------ */

/* Resource r of job jb in the v1 hierarchy: its directory, made now (the
 * first limit), with every process of the job moved in while the job is
 * frozen, so that none forks meanwhile and leaves a child outside. */
static pm_status job_join_v1(struct pm_kernel *k, struct kl_job *jb, uint32_t r)
{
    char line[32];
    pm_status st = PM_OK;
    int err = 0, fd;
    FILE *procs;
    if (jb->v1fd[r] >= 0)
        return PM_OK;
    if (res_dir_make(k, r) != 0 ||
        (mkdirat(k->res[r].fd, jb->name, 0755) != 0 && errno != EEXIST) ||
        (jb->v1fd[r] = openat(k->res[r].fd, jb->name,
                              O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        kl_diag(k, PM_E_LINUX_JOB_CGROUP, errno, 0, 0);
        return kl_cgroup_status(errno);
    }
    if (!jb->frozen)
        st = cgroup_freeze(k, jb, 1u);
    if (st != PM_OK)
        return st;
    fd = openat(jb->dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
    procs = fd >= 0 ? fdopen(fd, "re") : NULL;
    if (procs == NULL) {
        err = errno;
        if (fd >= 0)
            close(fd);
    }
    while (err == 0 && fgets(line, sizeof line, procs) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        err = write_at(jb->v1fd[r], "cgroup.procs", line);
        if (err == ESRCH)
            err = 0;                 /* it ended meanwhile */
    }
    if (procs != NULL)
        fclose(procs);
    if (!jb->frozen)
        (void)cgroup_freeze(k, jb, 0u);
    if (err != 0) {
        kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
        st = kl_cgroup_status(err);
    }
    return st;
}

pm_status pm_k_job_set_limit(struct pm_kernel *k, pm_kcap job, uint32_t resource,
                             uint64_t limit)
{
    uint32_t j = 0;
    struct kl_job *jb;
    char value[24];
    int err;
    pm_status st = kl_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st == PM_OK && (resource < PM_K_JOB_LIMIT_PIDS ||
                        resource > PM_K_JOB_LIMIT_MEMORY || limit == 0u))
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    jb = k->obj[j].job;
    if (jb->dirfd < 0 || k->res[resource].where == KL_RES_NONE) {
        kl_diag(k, PM_E_LINUX_JOB_LIMIT, 0, 0, 0);
        return PM_E_LINUX_JOB_LIMIT;
    }
    if (limit == PM_K_JOB_LIMIT_NONE)
        (void)snprintf(value, sizeof value, "%s",
                       k->res[resource].where == KL_RES_V1 &&
                       resource == PM_K_JOB_LIMIT_MEMORY ? "-1" : "max");
    else
        (void)snprintf(value, sizeof value, "%" PRIu64, limit);
    if (k->res[resource].where == KL_RES_V2) {
        err = write_at(jb->dirfd, res_max_v2[resource], value);
    } else {
        st = job_join_v1(k, jb, resource);
        if (st != PM_OK)
            return st;
        err = write_at(jb->v1fd[resource], res_max_v1[resource], value);
    }
    if (err != 0) {
        kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
        return kl_cgroup_status(err);
    }
    jb->limit[resource] = limit == PM_K_JOB_LIMIT_NONE ? 0u : limit;
    return PM_OK;
}

/* The directory holding resource r's files for job jb, or -1. */
static int res_dirfd(const struct pm_kernel *k, const struct kl_job *jb, uint32_t r)
{
    if (k->res[r].where == KL_RES_V2)
        return jb->dirfd;
    return k->res[r].where == KL_RES_V1 ? jb->v1fd[r] : -1;
}

pm_status pm_k_job_usage(struct pm_kernel *k, pm_kcap job, pm_kjob_usage *out)
{
    uint32_t j = 0, P = PM_K_JOB_LIMIT_PIDS, M = PM_K_JOB_LIMIT_MEMORY;
    const struct kl_job *jb;
    int v2m, pfd, mfd;
    pm_status st = out == NULL ? PM_E_K_ARG : kl_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st != PM_OK)
        return st;
    memset(out, 0, sizeof *out);
    jb = k->obj[j].job;
    pfd = res_dirfd(k, jb, P);
    mfd = res_dirfd(k, jb, M);
    v2m = k->res[M].where == KL_RES_V2;
    if (read_number(jb->dirfd, "cpu.stat", "usage_usec", &out->cpu_usec) == 0)
        out->known |= PM_K_JOB_KNOWN_CPU;
    if (read_number(pfd, res_cur_v2[P], NULL, &out->pids_current) == 0)
        out->known |= PM_K_JOB_KNOWN_PIDS;
    if (read_number(mfd, v2m ? res_cur_v2[M] : res_cur_v1[M], NULL,
                    &out->memory_current) == 0 &&
        read_number(mfd, v2m ? "memory.events" : "memory.oom_control", "oom_kill",
                    &out->oom_kills) == 0)
        out->known |= PM_K_JOB_KNOWN_MEMORY;
    out->pids_max = jb->limit[P] ? jb->limit[P] : PM_K_JOB_LIMIT_NONE;
    out->memory_max = jb->limit[M] ? jb->limit[M] : PM_K_JOB_LIMIT_NONE;
    if (!(out->known & PM_K_JOB_KNOWN_PIDS))
        out->pids_current = 0;
    if (!(out->known & PM_K_JOB_KNOWN_MEMORY))
        out->memory_current = out->oom_kills = 0;
    return PM_OK;
}

void kl_job_free(struct pm_kernel *k, uint32_t o)
{
    struct kl_job *jb = k->obj[o].job;
    if (jb == NULL)
        return;
    if (jb->frozen) {
        if (jb->dirfd >= 0)
            (void)write_at(jb->dirfd, "cgroup.freeze", "0");
        else
            signal_members(k, o, SIGCONT);
    }
    for (uint32_t t = 0; t < k->obj_hwm; t++)
        if (is_member(k, t, o)) {
            k->obj[t].th->job = KL_NONE;
            k->obj[t].th->job_gen = 0u;
        }
    for (uint32_t r = 0; r < KL_JOB_RES; r++)
        if (jb->v1fd[r] >= 0)
            close(jb->v1fd[r]);
    if (jb->dirfd >= 0) {
        close(jb->dirfd);
        k->njobs--;
        if (job_dirs_remove(k, jb->name) != 0)
            linger_add(k, jb->name);   /* still populated: removed once empty */
        daemon_dir_idle(k);
    }
    free(jb);
    k->obj[o].job = NULL;
}
