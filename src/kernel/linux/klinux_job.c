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
#include <unistd.h>

#include "klinux_internal.h"

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

/* The cgroup2 mount: its mount point and the root of the hierarchy it
 * shows.  0 when found. */
static int cgroup2_mount(char *mnt, size_t mcap, char *root, size_t rcap)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[1024];
    int rc = -1;
    if (f == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f) != NULL) {
        char r[512], m[512];
        const char *sep = strstr(line, " - cgroup2 ");
        if (sep == NULL ||
            sscanf(line, "%*s %*s %*s %511s %511s", r, m) != 2)
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

/* Our cgroup in the v2 hierarchy ("0::PATH" of /proc/self/cgroup). */
static int own_cgroup(char *path, size_t cap)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    int rc = -1;
    if (f == NULL)
        return -1;
    while (rc != 0 && fgets(line, sizeof line, f) != NULL) {
        size_t n;
        if (strncmp(line, "0::", 3) != 0)
            continue;
        n = strcspn(line + 3, "\n");
        if (n < cap) {
            memcpy(path, line + 3, n);
            path[n] = '\0';
            rc = 0;
        }
    }
    fclose(f);
    return rc;
}

/* k->cg_path = mnt + (path relative to the mount's root) +
 * "/procmgr-<pid>" (".<n>" for the n-th backend of the same process).
 * 0, or -1 when it does not fit. */
static int daemon_dir_path(struct pm_kernel *k, const char *mnt,
                           const char *root, const char *path)
{
    static unsigned instances;   /* backends opened by this process */
    unsigned n = __atomic_fetch_add(&instances, 1u, __ATOMIC_RELAXED);
    size_t rl = strlen(root);
    const char *rel = path;
    int len;
    if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0)
        rel = path + rl;
    if (strcmp(rel, "/") == 0)
        rel = "";
    len = n == 0 ? snprintf(k->cg_path, sizeof k->cg_path, "%s%s/procmgr-%d",
                            mnt, rel, (int)getpid())
                 : snprintf(k->cg_path, sizeof k->cg_path, "%s%s/procmgr-%d.%u",
                            mnt, rel, (int)getpid(), n);
    return len < 0 || len >= (int)sizeof k->cg_path ? -1 : 0;
}

/* Remove the daemon's directory once no job and no lingering directory
 * is left in it, so that an idle daemon holds no descriptor and leaves
 * nothing behind even if it is killed. */
static void daemon_dir_release(struct pm_kernel *k)
{
    if (k->cg_fd < 0 || k->njobs > 0 || k->nlinger > 0)
        return;
    close(k->cg_fd);
    k->cg_fd = -1;
    (void)rmdir(k->cg_path);
}

/* Make the daemon's directory (the first job needs it).  0 or -1. */
static int daemon_dir_make(struct pm_kernel *k)
{
    if (k->cg_fd >= 0)
        return 0;
    if (mkdir(k->cg_path, 0755) != 0 && errno != EEXIST)
        return -1;
    k->cg_fd = open(k->cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return k->cg_fd < 0 ? -1 : 0;
}

static void stale_dirs_reap(const char *parent_path);

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
    if (force != NULL && strcmp(force, "members") == 0)
        return;
    if (cgroup2_mount(mnt, sizeof mnt, root, sizeof root) != 0 ||
        own_cgroup(path, sizeof path) != 0 ||
        daemon_dir_path(k, mnt, root, path) != 0 || daemon_dir_make(k) != 0) {
        k->cg_path[0] = '\0';
        return;
    }
    ok = faccessat(k->cg_fd, "cgroup.kill", W_OK, 0) == 0 &&
         faccessat(k->cg_fd, "cgroup.freeze", W_OK, 0) == 0;
    close(k->cg_fd);
    k->cg_fd = -1;
    (void)rmdir(k->cg_path);
    if (ok) {
        k->job_mode = PM_K_JOB_MODE_CGROUP;
        *strrchr(k->cg_path, '/') = '\0';      /* the daemons' parent */
        stale_dirs_reap(k->cg_path);
        k->cg_path[strlen(k->cg_path)] = '/';
    } else {
        k->cg_path[0] = '\0';
    }
}

const char *pm_klinux_job_dir(const struct pm_kernel *k)
{
    return k->job_mode == PM_K_JOB_MODE_CGROUP ? k->cg_path : NULL;
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
 * (spec/linux-loader.md section 11). */
static void stale_dirs_reap(const char *parent_path)
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
            if (strncmp(j->d_name, "job-", 4) == 0)
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
        if (unlinkat(k->cg_fd, k->linger[i], AT_REMOVEDIR) == 0 || errno == ENOENT)
            continue;
        if (n != i)
            memcpy(k->linger[n], k->linger[i], sizeof k->linger[i]);
        n++;
    }
    k->nlinger = n;
    linger_watch_end(k);
    daemon_dir_release(k);
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
            daemon_dir_release(k);
            return PM_E_LINUX_JOB_CGROUP;
        }
    }
    st = kl_create(k, PM_KOBJ_JOB, out, &o);
    if (st != PM_OK) {
        if (j->dirfd >= 0) {
            close(j->dirfd);
            (void)unlinkat(k->cg_fd, j->name, AT_REMOVEDIR);
        }
        free(j);
        daemon_dir_release(k);
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
        if (err != 0) {
            kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
            return PM_E_LINUX_JOB_CGROUP;
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
            return PM_E_LINUX_JOB_CGROUP;
        }
    }
    for (uint32_t t = 0; t < k->obj_hwm; t++)
        if (is_member(k, t, j) && k->obj[t].th->state == PM_KTHREAD_RUNNING)
            end_member(k, t);
    return st;
}

/* MEMBERS mode: stop or continue every running member. */
static void signal_members(struct pm_kernel *k, uint32_t j, int sig)
{
    for (uint32_t t = 0; t < k->obj_hwm; t++) {
        struct kl_as *a;
        if (!is_member(k, t, j) || k->obj[t].th->state != PM_KTHREAD_RUNNING)
            continue;
        a = k->obj[k->obj[t].th->as].as;
        if (!a->reaped && a->pidfd >= 0)
            (void)syscall(SYS_pidfd_send_signal, a->pidfd, sig, NULL, 0);
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
    int err = write_at(jb->dirfd, "cgroup.freeze", frozen ? "1" : "0");
    if (err != 0) {
        kl_diag(k, PM_E_LINUX_JOB_CGROUP, err, 0, 0);
        return PM_E_LINUX_JOB_CGROUP;
    }
    if (frozen && !events_wait(jb->dirfd, "frozen 1", KL_FREEZE_WAIT_MS)) {
        (void)write_at(jb->dirfd, "cgroup.freeze", "0");
        kl_diag(k, PM_E_LINUX_JOB_FREEZE, 0, 0, 0);
        return PM_E_LINUX_JOB_FREEZE;
    }
    jb->frozen = frozen;
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
    if (jb->dirfd >= 0) {
        close(jb->dirfd);
        k->njobs--;
        if (unlinkat(k->cg_fd, jb->name, AT_REMOVEDIR) != 0 && errno != ENOENT)
            linger_add(k, jb->name);   /* still populated: removed once empty */
        daemon_dir_release(k);
    }
    free(jb);
    k->obj[o].job = NULL;
}
