/*
 * Linux backend: threads (one per address space: the child process) and
 * events.  Bind hands the recorded construction to the stub, which builds
 * the process and waits before its first instruction; start sends "go";
 * kill is SIGKILL through the pidfd, other signals go the same way, and a
 * scheduling level is the child's policy and nice value.  Events come from the children's
 * pidfds (epoll): each child is reaped with waitid, its status becomes
 * the thread's one terminal event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "klinux_internal.h"
#include "procmgr/linux_spawn.h"

/* ---- events ----------------------------------------------------------------- */

/* The eventfd is readable exactly while an event is queued. */
static void ev_sync(struct pm_kernel *k)
{
    uint64_t v = 1;
    if (k->ev_count > 0 && !k->ev_armed) {
        if (write(k->evfd, &v, sizeof v) == (ssize_t)sizeof v)
            k->ev_armed = 1;
    } else if (k->ev_count == 0 && k->ev_armed) {
        if (read(k->evfd, &v, sizeof v) == (ssize_t)sizeof v)
            k->ev_armed = 0;
    }
}

static void ev_push(struct pm_kernel *k, uint32_t t)
{
    k->ev_ring[(k->ev_head + k->ev_count) % KL_MAX_OBJECTS] = t;
    k->ev_count++;
    k->obj[t].th->queued = 1;
    ev_sync(k);
}

void kl_event_drop(struct pm_kernel *k, uint32_t t)
{
    uint32_t n = 0;
    if (!k->obj[t].th->queued)
        return;
    for (uint32_t i = 0; i < k->ev_count; i++) {
        uint32_t x = k->ev_ring[(k->ev_head + i) % KL_MAX_OBJECTS];
        if (x != t)
            k->ev_ring[(k->ev_head + n++) % KL_MAX_OBJECTS] = x;
    }
    k->ev_count = n;
    k->obj[t].th->queued = 0;
    ev_sync(k);
}

/* A fatal signal: a fault kind for the four hardware traps, else 0 (the
 * thread was killed).  waitid reports only the signal, not si_code or the
 * address, so SIGSEGV and SIGBUS are PM_K_FAULT_OTHER. */
static pm_kfault fault_of(int sig)
{
    switch (sig) {
    case SIGILL:  return PM_K_FAULT_ILLEGAL;
    case SIGFPE:  return PM_K_FAULT_ARITH;
    case SIGSEGV: return PM_K_FAULT_OTHER;
    case SIGBUS:  return PM_K_FAULT_OTHER;
    default:      return PM_K_FAULT_NONE;
    }
}

void kl_thread_end(struct pm_kernel *k, uint32_t t, int wcode, int wstatus)
{
    struct kl_thread *th = k->obj[t].th;
    pm_kevent *ev = &th->ev;

    memset(ev, 0, sizeof *ev);
    ev->thread = kl_original_cap(k, t);
    ev->cookie = th->cookie;
    if (wcode == CLD_EXITED) {
        th->state = PM_KTHREAD_EXITED;
        ev->kind = PM_K_EV_EXIT;
        ev->code = wstatus;
    } else {
        int sig = wcode == 0 ? SIGKILL : wstatus;
        ev->fault = fault_of(sig);
        ev->code = sig;
        ev->kind = ev->fault != PM_K_FAULT_NONE ? PM_K_EV_FAULT : PM_K_EV_KILLED;
        th->state = ev->fault != PM_K_FAULT_NONE ? PM_KTHREAD_FAULTED : PM_KTHREAD_KILLED;
        if (wcode == CLD_DUMPED)
            ev->flags |= PM_K_EV_CORE_DUMPED;
    }
    if (th->as != KL_NONE && k->obj[th->as].as != NULL) {
        const struct kl_as *a = k->obj[th->as].as;
        if (a->reaped && a->has_ru) {
            ev->usage.valid = PM_K_USAGE_CPU | PM_K_USAGE_RSS;
            ev->usage.cpu_user_ns = a->ru_utime_ns;
            ev->usage.cpu_system_ns = a->ru_stime_ns;
            ev->usage.rss_bytes = a->ru_maxrss_bytes;   /* the peak */
        }
    }
    ev_push(k, t);
}

/* Reap every child whose pidfd is readable; a running thread ends. */
void kl_harvest(struct pm_kernel *k)
{
    struct epoll_event evs[32];
    int n;

    do {
        n = epoll_wait(k->epfd, evs, 32, 0);
        for (int i = 0; i < n; i++) {
            uint64_t tag = evs[i].data.u64;
            uint32_t o = (uint32_t)tag, gen = (uint32_t)(tag >> 32);
            struct kl_as *a;
            if (tag == KL_EPOLL_EVFD || tag == KL_EPOLL_LINGER || o >= k->obj_hwm ||
                k->obj[o].type != PM_KOBJ_AS || k->obj[o].gen != gen)
                continue;
            a = k->obj[o].as;
            if (!kl_as_reap(k, a, 0) || a->thread == KL_NONE)
                continue;
            if (k->obj[a->thread].th->state == PM_KTHREAD_RUNNING)
                kl_thread_end(k, a->thread, a->wcode, a->wstatus);
        }
    } while (n == 32);
}

pm_status pm_k_event_poll(struct pm_kernel *k, pm_kevent *ev)
{
    uint32_t t;
    if (ev == NULL)
        return PM_E_K_ARG;
    kl_harvest(k);
    if (k->nlinger > 0)
        kl_job_sweep(k);
    if (k->ev_count == 0)
        return PM_E_K_NO_EVENT;
    t = k->ev_ring[k->ev_head];
    k->ev_head = (k->ev_head + 1) % KL_MAX_OBJECTS;
    k->ev_count--;
    k->obj[t].th->queued = 0;
    *ev = k->obj[t].th->ev;
    ev_sync(k);
    return PM_OK;
}

/* ---- threads ------------------------------------------------------------------ */

pm_status pm_k_thread_create(struct pm_kernel *k, uint64_t cookie, pm_kcap *out)
{
    uint32_t o = 0;
    struct kl_thread *th = calloc(1, sizeof *th);
    pm_status st = th == NULL ? PM_E_K_NO_OBJECTS : kl_create(k, PM_KOBJ_THREAD, out, &o);

    if (st == PM_OK) {
        th->state = PM_KTHREAD_CREATED;
        th->cookie = cookie;
        th->as = th->cs = KL_NONE;
        th->job = KL_NONE;
        k->obj[o].th = th;
    } else {
        free(th);
    }
    return st;
}

void kl_thread_unbind(struct pm_kernel *k, uint32_t t)
{
    struct kl_thread *th = k->obj[t].th;
    if (th->as != KL_NONE && k->obj[th->as].as != NULL)
        k->obj[th->as].as->thread = KL_NONE;
    if (th->cs != KL_NONE && k->obj[th->cs].cs != NULL)
        k->obj[th->cs].cs->thread = KL_NONE;
    th->as = th->cs = KL_NONE;
}

void kl_detach_thread(struct pm_kernel *k, uint32_t t)
{
    struct kl_thread *th = k->obj[t].th;
    if (th->state == PM_KTHREAD_RUNNING) {
        kl_as_kill(k->obj[th->as].as);
        kl_thread_end(k, t, 0, 0);          /* KILLED by SIGKILL */
    } else if (th->state == PM_KTHREAD_BOUND) {
        th->state = PM_KTHREAD_CREATED;
    }
    kl_thread_unbind(k, t);
}

pm_status pm_k_thread_bind(struct pm_kernel *k, pm_kcap thread, pm_kcap as,
                           pm_kcap cspace, uint64_t ipc_buffer)
{
    uint32_t t = 0, a = 0, c = 0;
    const pm_kc_region *r;
    struct kl_thread *th = NULL;
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);

    if (st == PM_OK)
        st = kl_cap(k, as, PM_KOBJ_AS, PM_KR_GRANT, &a);
    if (st == PM_OK)
        st = kl_cap(k, cspace, PM_KOBJ_CSPACE, PM_KR_GRANT, &c);
    if (st == PM_OK) {
        th = k->obj[t].th;
        /* On Linux a bind builds the process: a thread binds once. */
        if (th->state != PM_KTHREAD_CREATED)
            st = PM_E_K_STATE;
    }
    if (st == PM_OK && (ipc_buffer & (KL_PAGE - 1u)) != 0u)
        st = PM_E_K_ALIGN;
    if (st == PM_OK && (ipc_buffer < KL_USER_MIN || ipc_buffer >= KL_USER_LIMIT))
        st = PM_E_K_RANGE;
    if (st == PM_OK) {
        r = kl_region_at(k->obj[a].as, ipc_buffer);
        if (r == NULL)
            st = PM_E_K_NOT_MAPPED;
        else if ((r->prot & PM_PROT_W) == 0u)
            st = PM_E_K_PROT;
    }
    if (st == PM_OK && k->obj[a].as->thread != KL_NONE)
        st = PM_E_K_NO_OBJECTS;
    if (st == PM_OK && (k->obj[a].as->sealed || k->obj[c].cs->sealed ||
                        k->obj[a].as->child != KL_CHILD_STUB))
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        st = kl_as_materialise(k, a, c);
        kl_pool_refill(k, (k->pool.target + 1u) / 2u);
    }
    if (st == PM_OK && k->req_set && k->req.pid > 0)
        k->obj[a].as->go_umask = kl_inherit_client(k->obj[a].as->pid, k->req.pid);
    if (st == PM_OK) {
        th->as = a;
        th->cs = c;
        th->ipc_buffer = ipc_buffer;
        th->state = PM_KTHREAD_BOUND;
        k->obj[a].as->thread = t;
        k->obj[c].cs->thread = t;
    }
    return st;
}

/* The client's umask from /proc/CLIENT/status ("Umask:\t0022"), as
 * pm_stub_go.umask; 0 when it cannot be read. */
static uint32_t kl_client_umask(int client)
{
    char path[48], buf[2048];
    ssize_t n = -1;
    const char *at;
    int fd;
    (void)snprintf(path, sizeof path, "/proc/%d/status", client);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
    }
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    at = strstr(buf, "\nUmask:\t");
    if (at == NULL)
        return 0;
    return PM_STUB_GO_UMASK | ((uint32_t)strtoul(at + 8, NULL, 8) & 0777u);
}

/* The client's oom_score_adj (read from /proc/CLIENT) to the child's;
 * nothing when either file cannot be read or written. */
static void kl_inherit_oom(int child, int client)
{
    char path[48], v[16];
    ssize_t n = -1;
    int fd;
    (void)snprintf(path, sizeof path, "/proc/%d/oom_score_adj", client);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, v, sizeof v);
        close(fd);
    }
    if (n <= 0)
        return;
    (void)snprintf(path, sizeof path, "/proc/%d/oom_score_adj", child);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, v, (size_t)n);
        close(fd);
    }
}

/* What posix_spawn in the client would have given the child (waiting for
 * "go", so from the program's first instruction on): the client's nice
 * value, every resource limit and oom_score_adj, read from its pid, set
 * now; its umask, returned for "go" (only the stub can set it).  Best
 * effort, by the rule posix_spawn follows for the caller's own values:
 * what the kernel refuses procmgrd (a nice value or oom_score_adj below
 * its own, a hard limit above the one it started with, without the
 * capability) keeps procmgrd's, and a client that has gone keeps them
 * all; spec/daemon.md, "Inherited from the client". */
uint32_t kl_inherit_client(int child, int client)
{
    struct rlimit rl;
    int nice_v;
    errno = 0;
    nice_v = getpriority(PRIO_PROCESS, (id_t)client);
    if (errno == 0)
        (void)setpriority(PRIO_PROCESS, (id_t)child, nice_v);
    for (int r = 0; r < RLIM_NLIMITS; r++)
        if (prlimit((pid_t)client, r, NULL, &rl) == 0)
            (void)prlimit((pid_t)child, r, &rl, NULL);
    kl_inherit_oom(child, client);
    return kl_client_umask(client);
}

static int go_send(struct kl_as *a, uint64_t entry, uint64_t sp)
{
    const pm_kc_region *r = kl_region_at(a, sp);
    pm_stub_go g;
    ssize_t n;

    memset(&g, 0, sizeof g);
    g.magic = PM_STUB_GO_MAGIC;
    g.umask = a->go_umask;
    if (a->setid) {
        g.setid = PM_STUB_GO_SETID;
        g.euid = a->set_euid;
        g.egid = a->set_egid;
    }
    g.entry = entry;
    g.sp = sp;
    if (r != NULL && (r->prot & PM_PROT_R)) {
        g.stack_lo = r->lo;
        g.stack_hi = r->hi;
    }
    do {
        n = send(a->ctl, &g, sizeof g, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof g;
}

pm_status pm_k_thread_start(struct pm_kernel *k, pm_kcap thread,
                            uint64_t entry, uint64_t sp)
{
    uint32_t t = 0;
    struct kl_thread *th = NULL;
    struct kl_as *a;
    pm_stub_reply r;
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);

    if (st == PM_OK) {
        th = k->obj[t].th;
        if (th->state != PM_KTHREAD_BOUND || kl_thread_job_frozen(k, t))
            st = PM_E_K_STATE;   /* a frozen stub would never answer "go" */
    }
    if (st != PM_OK)
        return st;
    a = k->obj[th->as].as;
    th->state = PM_KTHREAD_RUNNING;
    /* Any failure from here on means the stub died (killed from outside,
     * or on a bad stack pointer after "go"): the thread started and ended
     * at once, and its event says how. */
    if (a->reaped || !go_send(a, entry, sp) || kl_stub_reply(k, a, &r) != PM_OK) {
        kl_as_kill(a);
        (void)kl_as_reap(k, a, 1);
        kl_thread_end(k, t, a->wcode, a->wstatus);
    } else {
        a->child = KL_CHILD_RUNNING;
    }
    close(a->ctl);
    a->ctl = -1;
    return PM_OK;
}

pm_status pm_k_thread_kill(struct pm_kernel *k, pm_kcap thread)
{
    uint32_t t = 0;
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);

    if (st == PM_OK && k->obj[t].th->state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        kl_as_kill(k->obj[k->obj[t].th->as].as);
        kl_thread_end(k, t, 0, 0);
    }
    return st;
}

pm_status pm_k_thread_signal(struct pm_kernel *k, pm_kcap thread, uint32_t sig)
{
    uint32_t t = 0;
    struct kl_as *a;
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);

    if (st == PM_OK && k->obj[t].th->state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    if (st == PM_OK && (sig < PM_K_SIG_MIN || sig > PM_K_SIG_MAX))
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    a = k->obj[k->obj[t].th->as].as;
    /* Reaped but not yet reported: it ended, its event says how. */
    if (a->reaped || a->pidfd < 0)
        return PM_OK;
    if (syscall(SYS_pidfd_send_signal, a->pidfd, (int)sig, NULL, 0) != 0) {
        if (errno == ESRCH)
            st = PM_OK;          /* a zombie not yet harvested */
        else if (errno == EINVAL)
            st = PM_E_K_ARG;     /* a number this kernel does not have */
        else
            st = PM_E_K_STATE;
    } else if (sig == PM_K_SIGSTOP) {
        /* SIGSTOP takes effect when the child dequeues it, and a signal
         * sent meanwhile with a lower number would be delivered first:
         * return once it has stopped (or ended), without consuming
         * either status (WNOWAIT; the harvest reaps the end). */
        siginfo_t si;
        int r;
        memset(&si, 0, sizeof si);
        do {
            r = waitid((idtype_t)P_PIDFD, (id_t)a->pidfd, &si,
                       WSTOPPED | WEXITED | WNOWAIT);
        } while (r != 0 && errno == EINTR);
    }
    return st;
}

/* spec/lifecycle.md section 5: level -> policy, nice or RT priority. */
static const struct { int policy, nice, rt; } kl_levels[PM_K_PRIORITY_MAX + 1u] = {
    { SCHED_IDLE,  19, 0 },     /* background */
    { SCHED_BATCH, 10, 0 },     /* low        */
    { SCHED_OTHER,  0, 0 },     /* normal     */
    { SCHED_OTHER, -10, 0 },    /* high       */
    { SCHED_RR,     0, 10 },    /* codec      */
    { SCHED_FIFO,   0, 50 },    /* realtime   */
};

static pm_status kl_priority_errno(int e)
{
    if (e == EPERM || e == EACCES)
        return PM_E_LINUX_PRIORITY_DENIED;
    if (e == ESRCH)
        return PM_OK;            /* a zombie not yet harvested: moot */
    return PM_E_K_ARG;
}

/* A thread cap with `rights` whose thread is BOUND or RUNNING: the
 * threads whose process the control calls below may change.  K_STATE for
 * any other state. */
static pm_status kl_live_thread(struct pm_kernel *k, pm_kcap thread,
                                uint32_t rights, uint32_t *t)
{
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, rights, t);
    if (st == PM_OK && k->obj[*t].th->state != PM_KTHREAD_BOUND &&
        k->obj[*t].th->state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    return st;
}

/* Policy first, then (for the time-sharing levels) the nice value; when
 * the nice value is refused the old policy is put back, so a refusal
 * leaves the level as it was.  Both act on the child's main thread, the
 * only one a program has when it starts (threads it creates later inherit
 * the level; ones that exist already keep theirs). */
pm_status pm_k_thread_set_priority(struct pm_kernel *k, pm_kcap thread,
                                   uint32_t level)
{
    uint32_t t = 0;
    pm_status st = kl_live_thread(k, thread, PM_KR_MANAGE, &t);
    struct sched_param old_param, param;
    int old_policy, pid;
    int64_t p;

    if (st == PM_OK && level > PM_K_PRIORITY_MAX)
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    p = kl_thread_pid(k, thread);
    if (p < 0)
        return PM_OK;            /* ended, not yet reported */
    pid = (int)p;
    old_policy = sched_getscheduler(pid);
    if (old_policy < 0 || sched_getparam(pid, &old_param) != 0)
        return kl_priority_errno(errno);
    memset(&param, 0, sizeof param);
    param.sched_priority = kl_levels[level].rt;
    if (sched_setscheduler(pid, kl_levels[level].policy, &param) != 0)
        return kl_priority_errno(errno);
    if (kl_levels[level].rt == 0 &&
        setpriority(PRIO_PROCESS, (id_t)pid, kl_levels[level].nice) != 0) {
        int e = errno;
        (void)sched_setscheduler(pid, old_policy, &old_param);
        st = kl_priority_errno(e);
    }
    return st;
}

/* PM_K_RLIMIT_* -> RLIMIT_* (spec/lifecycle.md section 6). */
static const int kl_rlimits[PM_K_RLIMIT_MAX + 1u] = {
    RLIMIT_AS, RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_NPROC
};

static rlim_t kl_rlim_to_linux(uint64_t v)
{
    return v == PM_K_RLIM_INFINITY ? RLIM_INFINITY : (rlim_t)v;
}

/* prlimit on the child's pid: the stub waiting for "go" (the limit then
 * holds from the program's first instruction: there is no exec between)
 * or the running program.  procmgrd has no CAP_SYS_RESOURCE on the CI
 * machine class, so raising a hard limit is EPERM:
 * LINUX_RLIMIT_DENIED, the limit unchanged. */
pm_status pm_k_thread_set_rlimit(struct pm_kernel *k, pm_kcap thread,
                                 uint32_t resource, uint64_t soft, uint64_t hard)
{
    uint32_t t = 0;
    pm_status st = kl_live_thread(k, thread, PM_KR_MANAGE, &t);
    struct rlimit rl;
    int64_t p;

    if (st == PM_OK && (resource > PM_K_RLIMIT_MAX || soft > hard))
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    p = kl_thread_pid(k, thread);
    if (p < 0)
        return PM_OK;            /* ended, not yet reported */
    rl.rlim_cur = kl_rlim_to_linux(soft);
    rl.rlim_max = kl_rlim_to_linux(hard);
    if (prlimit((pid_t)p, kl_rlimits[resource], &rl, NULL) != 0) {
        int e = errno;
        kl_diag(k, PM_E_LINUX_RLIMIT_DENIED, e, 0, 0);
        if (e == EPERM)
            return PM_E_LINUX_RLIMIT_DENIED;
        return e == ESRCH ? PM_OK : PM_E_K_ARG;
    }
    return PM_OK;
}

/* ---- Linux extras -------------------------------------------------------- */

pm_status pm_klinux_thread_flags(struct pm_kernel *k, pm_kcap thread,
                                 uint32_t *flags, int *mm_map_errno)
{
    uint32_t t = 0;
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, 0u, &t);
    const struct kl_as *a = NULL;

    *flags = 0;
    *mm_map_errno = 0;
    if (st == PM_OK && k->obj[t].th->as != KL_NONE)
        a = k->obj[k->obj[t].th->as].as;
    if (a != NULL) {
        *flags = ((a->stub_flags & PM_STUB_R_MM_MAP) ? PM_LINUX_MM_MAP_APPLIED : 0u) |
                 ((a->stub_flags & PM_STUB_R_TRAMP_LEFT) ? PM_LINUX_TRAMP_LEFT : 0u);
        *mm_map_errno = a->mm_map_errno;
    }
    return st;
}

uint32_t pm_klinux_children(const struct pm_kernel *k)
{
    uint32_t n = 0;
    for (uint32_t o = 0; o < k->obj_hwm; o++)
        if (k->obj[o].type == PM_KOBJ_AS && k->obj[o].as != NULL &&
            k->obj[o].as->pidfd >= 0 && !k->obj[o].as->reaped)
            n++;
    return n;
}

/* ---- usage ------------------------------------------------------------------ */

/* Fields 14 and 15 (utime, stime, clock ticks) of /proc/PID/stat; the
 * command (field 2) may hold spaces and parentheses, so parsing starts
 * after its last ')'. */
/* /proc/PID/FILE (one read: stat and statm fit) into buf as a string.
 * 0, or -1 when it cannot be read. */
static int kl_read_proc(int pid, const char *file, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static int kl_read_cpu(int pid, uint64_t *user_ns, uint64_t *sys_ns)
{
    char buf[1024];
    unsigned long long ut = 0, stt = 0;
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0 || kl_read_proc(pid, "stat", buf, sizeof buf) != 0)
        return -1;
    char *p = strrchr(buf, ')');
    /* after ')': state ppid pgrp session tty_nr tpgid flags minflt cminflt
     * majflt cmajflt utime stime */
    if (p == NULL || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                            &ut, &stt) != 2)
        return -1;
    *user_ns = (uint64_t)ut * (1000000000u / (uint64_t)hz);
    *sys_ns = (uint64_t)stt * (1000000000u / (uint64_t)hz);
    return 0;
}

/* Field 2 (resident pages) of /proc/PID/statm, in bytes. */
static int kl_read_rss(int pid, uint64_t *bytes)
{
    char buf[256];
    unsigned long long size = 0, res = 0;
    if (kl_read_proc(pid, "statm", buf, sizeof buf) != 0)
        return -1;
    if (sscanf(buf, "%llu %llu", &size, &res) != 2)
        return -1;
    *bytes = (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
    return 0;
}

static uint64_t kl_rlim_from_linux(rlim_t v)
{
    return v == RLIM_INFINITY ? PM_K_RLIM_INFINITY : (uint64_t)v;
}

void kl_usage_read(int pid, pm_k_usage *u)
{
    uint32_t i, ok = 1;
    memset(u, 0, sizeof *u);
    if (kl_read_cpu(pid, &u->cpu_user_ns, &u->cpu_system_ns) == 0)
        u->valid |= PM_K_USAGE_CPU;
    if (kl_read_rss(pid, &u->rss_bytes) == 0)
        u->valid |= PM_K_USAGE_RSS;
    for (i = 0; i < PM_K_RLIMIT_COUNT && ok; i++) {
        struct rlimit rl;
        ok = prlimit((pid_t)pid, (enum __rlimit_resource)kl_rlimits[i], NULL, &rl) == 0;
        if (ok) {
            u->rlim_soft[i] = kl_rlim_from_linux(rl.rlim_cur);
            u->rlim_hard[i] = kl_rlim_from_linux(rl.rlim_max);
        }
    }
    if (ok) {
        u->valid |= PM_K_USAGE_RLIMITS;
    } else {
        memset(u->rlim_soft, 0, sizeof u->rlim_soft);
        memset(u->rlim_hard, 0, sizeof u->rlim_hard);
    }
}

pm_status pm_k_thread_usage(struct pm_kernel *k, pm_kcap thread,
                            pm_k_usage *out)
{
    uint32_t t = 0;
    pm_status st = kl_cap(k, thread, PM_KOBJ_THREAD, PM_KR_READ, &t);
    if (st == PM_OK && out == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK && k->obj[t].th->state != PM_KTHREAD_BOUND &&
        k->obj[t].th->state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        int64_t p = kl_thread_pid(k, thread);
        if (p > 0)
            kl_usage_read((int)p, out);
        else
            memset(out, 0, sizeof *out);   /* ended, not yet reported */
    }
    return st;
}

/* kernel.h (issue 20): the child's pid while bound or running. */
uint64_t pm_k_thread_host_pid(struct pm_kernel *k, pm_kcap thread)
{
    int64_t p = kl_thread_pid(k, thread);
    return p > 0 ? (uint64_t)p : 0u;
}

uint64_t pm_k_clock_wall_ns(struct pm_kernel *k)
{
    struct timespec ts;
    (void)k;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t kl_thread_pid(struct pm_kernel *k, pm_kcap thread)
{
    uint32_t t = 0;
    const struct kl_thread *th;
    const struct kl_as *a;

    if (kl_cap(k, thread, PM_KOBJ_THREAD, 0u, &t) != PM_OK)
        return -1;
    th = k->obj[t].th;
    if ((th->state != PM_KTHREAD_BOUND && th->state != PM_KTHREAD_RUNNING) ||
        th->as == KL_NONE)
        return -1;
    a = k->obj[th->as].as;
    return a->reaped || a->pidfd < 0 ? -1 : (int64_t)a->pid;
}
