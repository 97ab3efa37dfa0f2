/*
 * Linux backend: address spaces.  pm_k_as_create starts a child process on
 * procmgr's stub (exec'd from the sealed memfd; it says hello with what its
 * exec gave it and waits).  The construction calls are checked against
 * procmgr's own bookkeeping of the AS (sorted page ranges with their
 * protection), so the core gets the sim's codes at call time (OVERLAP,
 * NOT_MAPPED, WX, ...), and recorded as stub ops; binding a thread sends
 * them to the stub in one message (kl_as_materialise).  Bytes written are
 * kept here and reach the stub through a memfd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "klinux_internal.h"
#include "lx_common.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define KL_PAGE_MASK (KL_PAGE - 1u)

/* Region updates: kcheck's modes. */
enum { KL_MAP = PM_KC_MAP, KL_PROTECT = PM_KC_PROTECT, KL_UNMAP = PM_KC_UNMAP };

/* ---- the child ---------------------------------------------------------- */

/* Start a stub child: its control socket (our end) in *ctl.  PM_OK, or
 * the LINUX_* status with *err. */
static pm_status stub_clone(int *pid, int *pidfd, int *ctl, int *err)
{
    static char *const stub_argv[] = { "procmgr-stub", NULL };
    static char *const no_env[] = { NULL };
    int sv[2] = { -1, -1 };
    pm_status st = PM_OK;

    *ctl = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        *err = errno;
        return PM_E_LINUX_CLONE;
    }
    st = pm_lx_clone_stub(sv[1], stub_argv, no_env, pid, pidfd, err);
    close(sv[1]);
    if (st != PM_OK)
        close(sv[0]);
    else
        *ctl = sv[0];
    return st;
}

/* ---- the stub pool ----------------------------------------------------------- */

/* A pooled stub: started, hello received (it now blocks reading its
 * build).  0, or -1 with nothing left behind. */
static int pool_stub_make(struct kl_stub *s)
{
    int err = 0;
    if (stub_clone(&s->pid, &s->pidfd, &s->ctl, &err) != PM_OK)
        return -1;
    if (pm_lx_recv_hello(s->ctl, &s->hello, &err) != PM_OK) {
        pm_lx_kill_reap(s->pidfd);
        close(s->pidfd);
        close(s->ctl);
        return -1;
    }
    return 0;
}

static void pool_stub_discard(struct kl_stub *s)
{
    pm_lx_kill_reap(s->pidfd);
    close(s->pidfd);
    close(s->ctl);
}

/* An idle stub never writes after its hello: a readable or hung-up
 * control socket means it died (killed from outside) while waiting. */
static int pool_stub_alive(const struct kl_stub *s)
{
    struct pollfd p = { s->ctl, POLLIN, 0 };
    return poll(&p, 1, 0) == 0;
}

/* After a failure, wait before trying again (0.1 s per consecutive
 * failure, at most 1 s) unless woken to stop.  Called with mu held. */
static void pool_backoff(struct kl_pool *p)
{
    struct timespec ts;
    uint32_t n = p->failures < 10u ? p->failures : 10u;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)n * 100000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    (void)pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

/* The refill thread: keep `target` idle stubs.  The clone (CLONE_VFORK
 * suspends only this thread), the exec and the stub's start-up happen
 * here, never on the thread that serves pm_k_as_create. */
static void *pool_main(void *arg)
{
    struct kl_pool *p = arg;
    struct kl_stub s;

    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        if (p->n >= p->target) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        pthread_mutex_unlock(&p->mu);
        int ok = pool_stub_make(&s) == 0;
        pthread_mutex_lock(&p->mu);
        if (ok && !p->stop && p->n < p->target) {
            p->stub[p->n++] = s;
            p->failures = 0;
        } else if (ok) {
            pthread_mutex_unlock(&p->mu);
            pool_stub_discard(&s);
            pthread_mutex_lock(&p->mu);
        } else {
            p->failures++;
            pool_backoff(p);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static uint32_t pool_size_from_env(void)
{
    const char *v = getenv("PROCMGR_STUB_POOL");
    char *end = NULL;
    unsigned long n;

    if (v == NULL || *v == '\0')
        return KL_POOL_DEFAULT;
    errno = 0;
    n = strtoul(v, &end, 10);
    if (errno != 0 || *end != '\0' || v[0] == '-')
        return KL_POOL_DEFAULT;
    return n > KL_POOL_MAX ? KL_POOL_MAX : (uint32_t)n;
}

pm_status kl_pool_start(struct pm_kernel *k)
{
    struct kl_pool *p = &k->pool;
    pthread_condattr_t ca;
    sigset_t all, old;
    int rc;

    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    p->target = pool_size_from_env();
    if (p->target == 0u)
        return PM_OK;
    /* Filled before the backend is handed out, so a host is warm when it
     * says it is ready (and its fd count is steady); the thread refills. */
    while (p->n < p->target && pool_stub_make(&p->stub[p->n]) == 0)
        p->n++;
    /* The thread takes no signal: the host's handling stays on its own
     * threads (procmgrd blocks its signals and reads a signalfd). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&p->thread, NULL, pool_main, p);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        kl_diag(k, PM_OK, rc, 0, 0);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        return PM_E_K_NO_OBJECTS;
    }
    p->running = 1;
    return PM_OK;
}

void kl_pool_stop(struct pm_kernel *k)
{
    struct kl_pool *p = &k->pool;

    if (p->running) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
        p->running = 0;
    }
    while (p->n > 0)
        pool_stub_discard(&p->stub[--p->n]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

void kl_pool_refill(struct pm_kernel *k, uint32_t below)
{
    struct kl_pool *p = &k->pool;

    if (!p->running)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->n < below)
        pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void kl_pool_refill_after_end(struct pm_kernel *k)
{
    if (k->pool.host_idles)
        k->pool.idle_refill = 1;
    else
        kl_pool_refill(k, k->pool.target);
}

void kl_pool_idle(struct pm_kernel *k)
{
    k->pool.host_idles = 1;
    if (k->pool.idle_refill) {
        k->pool.idle_refill = 0;
        kl_pool_refill(k, k->pool.target);
    }
}

/* An idle stub from the pool: 1, or 0 when the pool is disabled or empty.
 * Only a pool taken empty is refilled at once; otherwise the refill waits
 * until a process has ended (kl_as_reap) or the pool is half empty at a
 * bind, so that a stub's exec does not compete with a launch for the CPUs
 * (spec/linux-loader.md section 10). */
static int pool_take(struct pm_kernel *k, struct kl_stub *out)
{
    struct kl_pool *p = &k->pool;
    int got = 0;

    if (!p->running)
        return 0;
    while (!got) {
        pthread_mutex_lock(&p->mu);
        if (p->n == 0u) {
            pthread_mutex_unlock(&p->mu);
            return 0;
        }
        *out = p->stub[--p->n];
        if (p->n == 0u)
            pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        got = pool_stub_alive(out);
        if (!got)
            pool_stub_discard(out);
    }
    return 1;
}

uint32_t pm_klinux_pool_idle(struct pm_kernel *k, int *pids, uint32_t cap)
{
    struct kl_pool *p = &k->pool;
    uint32_t n;

    if (!p->running)
        return 0;
    pthread_mutex_lock(&p->mu);
    n = p->n;
    for (uint32_t i = 0; i < n && i < cap; i++)
        pids[i] = p->stub[i].pid;
    pthread_mutex_unlock(&p->mu);
    return n;
}

uint32_t pm_klinux_pool_target(const struct pm_kernel *k)
{
    return k->pool.running ? k->pool.target : 0u;
}

/* ---- an address space's child ------------------------------------------------ */

pm_status kl_as_new(struct pm_kernel *k, struct kl_as **out)
{
    struct kl_as *a = calloc(1, sizeof *a);
    struct kl_stub s;
    int err = 0;
    pm_status st = PM_OK;

    *out = NULL;
    /* The books are malloc'd, not calloc'd: only the entries in use are
     * ever touched, so a process costs the daemon the pages it uses. */
    if (a != NULL) {
        a->region = malloc(KL_MAX_REGIONS * sizeof a->region[0]);
        a->op = malloc(PM_STUB_MAX_OPS * sizeof a->op[0]);
    }
    if (a == NULL || a->region == NULL || a->op == NULL) {
        if (a != NULL) {
            free(a->region);
            free(a->op);
        }
        free(a);
        return PM_E_K_NO_MEMORY;
    }
    a->pidfd = a->ctl = -1;
    a->thread = KL_NONE;
    for (uint32_t i = 0; i < PM_STUB_MAX_IMAGES; i++)
        a->image_fd[i] = -1;
    if (pool_take(k, &s)) {
        a->pid = s.pid;
        a->pidfd = s.pidfd;
        a->ctl = s.ctl;
        a->hello = s.hello;
        a->hello_ok = 1;
    } else {
        st = stub_clone(&a->pid, &a->pidfd, &a->ctl, &err);
    }
    if (st != PM_OK) {
        kl_diag(k, st, err, 0, 0);
        free(a->region);
        free(a->op);
        free(a);
        if (st == PM_E_LINUX_CLONE && err == EAGAIN) {
            /* a process limit (pids.max of procmgrd's cgroup,
             * RLIMIT_NPROC, threads-max): kernel.h's K_NO_OBJECTS, and
             * which limit for the client */
            kl_refused(k, PM_E_LINUX_PROCESS_LIMIT, PM_E_K_NO_OBJECTS, err);
            return PM_E_K_NO_OBJECTS;
        }
        return err == ENOMEM ? PM_E_K_NO_MEMORY : kl_fd_status(err, PM_E_K_NO_OBJECTS);
    }
    a->child = KL_CHILD_STUB;
    *out = a;
    return PM_OK;
}

pm_status kl_as_hello(struct pm_kernel *k, struct kl_as *a)
{
    int err = 0;
    pm_status st;

    if (a->hello_ok)
        return PM_OK;
    if (a->child != KL_CHILD_STUB || a->ctl < 0)
        return PM_E_K_STATE;
    st = pm_lx_recv_hello(a->ctl, &a->hello, &err);
    if (st == PM_E_K_TIMED_OUT) {
        /* stopped, traced or hung before its hello: it costs this launch
         * only; killed and reaped, nothing of it is left */
        kl_diag(k, st, err, 0, 0);
        kl_as_kill(a);
        (void)kl_as_reap(k, a, 1);
        return st;
    }
    if (st != PM_OK) {
        kl_diag(k, st, err, 0, 0);
        return PM_E_K_STATE;
    }
    a->hello_ok = 1;
    return PM_OK;
}

void kl_as_kill(struct kl_as *a)
{
    if (a != NULL && a->pidfd >= 0 && !a->reaped)
        (void)syscall(SYS_pidfd_send_signal, a->pidfd, SIGKILL, NULL, 0);
}

int kl_as_reap(struct pm_kernel *k, struct kl_as *a, int block)
{
    siginfo_t si;
    int r;

    if (a->pidfd < 0 || a->reaped)
        return 0;
    struct rusage ru;
    int lost = 0;
    memset(&si, 0, sizeof si);
    memset(&ru, 0, sizeof ru);
    /* the raw call: glibc's waitid has no rusage argument */
    do {
        r = (int)syscall(SYS_waitid, P_PIDFD, a->pidfd, &si,
                         WEXITED | (block ? 0 : WNOHANG), &ru);
    } while (r != 0 && errno == EINTR);
    if (r != 0 && errno == ECHILD) {
        /* Someone else reaped it (a host that waits for every child):
         * the status is lost; count it as killed, and stop polling it. */
        memset(&si, 0, sizeof si);
        si.si_pid = a->pid;
        si.si_code = CLD_KILLED;
        si.si_status = SIGKILL;
        lost = 1;
        r = 0;
    }
    if (r != 0 || si.si_pid == 0)
        return 0;
    a->reaped = 1;
    a->has_ru = !lost;
    a->ru_utime_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000u +
                     (uint64_t)ru.ru_utime.tv_usec * 1000u;
    a->ru_stime_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000u +
                     (uint64_t)ru.ru_stime.tv_usec * 1000u;
    a->ru_maxrss_bytes = (uint64_t)ru.ru_maxrss * 1024u;   /* KiB */
    a->wcode = si.si_code;
    a->wstatus = si.si_status;
    a->child = KL_CHILD_NONE;
    (void)epoll_ctl(k->epfd, EPOLL_CTL_DEL, a->pidfd, NULL);
    kl_pool_refill_after_end(k);   /* a process ended: the CPUs are freer */
    return 1;
}

void kl_as_free(struct pm_kernel *k, uint32_t o)
{
    struct kl_as *a = k->obj[o].as;

    if (a == NULL)
        return;
    if (a->thread != KL_NONE)
        kl_detach_thread(k, a->thread);
    kl_as_kill(a);
    (void)kl_as_reap(k, a, 1);
    if (a->pidfd >= 0)
        close(a->pidfd);
    if (a->ctl >= 0)
        close(a->ctl);
    for (uint32_t i = 0; i < a->nimages; i++)
        close(a->image_fd[i]);
    free(a->data);
    free(a->op);
    free(a->region);
    free(a);
    k->obj[o].as = NULL;
}

pm_status pm_k_as_create(struct pm_kernel *k, pm_kcap *out)
{
    struct kl_as *a = NULL;
    struct epoll_event ev;
    uint32_t o = 0;
    pm_status st = kl_create(k, PM_KOBJ_AS, out, &o);

    if (st == PM_OK) {
        st = kl_as_new(k, &a);
        if (st != PM_OK)
            kl_uncreate(k, *out);
    }
    if (st == PM_OK) {
        k->obj[o].as = a;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = ((uint64_t)k->obj[o].gen << 32) | o;
        if (epoll_ctl(k->epfd, EPOLL_CTL_ADD, a->pidfd, &ev) != 0) {
            kl_diag(k, PM_OK, errno, 0, 0);
            kl_as_free(k, o);
            kl_uncreate(k, *out);
            st = PM_E_K_NO_OBJECTS;
        }
    }
    return st;
}

static void aux_put(pm_k_as_info *info, uint64_t type, uint64_t value)
{
    info->aux[info->naux].type = type;
    info->aux[info->naux].value = value;
    info->naux++;
}

pm_status pm_k_as_get_info(struct pm_kernel *k, pm_kcap as, pm_k_as_info *info)
{
    uint32_t o = 0;
    pm_status st = kl_cap(k, as, PM_KOBJ_AS, PM_KR_READ, &o);
    struct kl_as *a = NULL;

    if (st == PM_OK && info == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK) {
        a = k->obj[o].as;
        st = kl_as_hello(k, a);
    }
    if (st == PM_OK) {
        const pm_stub_hello *h = &a->hello;
        memset(info, 0, sizeof *info);
        info->vdso_base = h->sysinfo_ehdr;
        if (h->sysinfo_ehdr != 0)
            aux_put(info, 33 /* AT_SYSINFO_EHDR */, h->sysinfo_ehdr);
        if (h->minsigstksz != 0)
            aux_put(info, 51 /* AT_MINSIGSTKSZ */, h->minsigstksz);
        if (h->rseq_feature_size != 0) {
            aux_put(info, 27 /* AT_RSEQ_FEATURE_SIZE */, h->rseq_feature_size);
            aux_put(info, 28 /* AT_RSEQ_ALIGN */, h->rseq_align);
        }
        aux_put(info, 16 /* AT_HWCAP */, h->hwcap);
        aux_put(info, 26 /* AT_HWCAP2 */, h->hwcap2);
        aux_put(info, 17 /* AT_CLKTCK */, h->clktck);
        aux_put(info, 11 /* AT_UID */, h->uid);
        /* a set-id program's effective ids, which the exit trampoline
         * sets, and AT_SECURE, as execve gives them (glibc then ignores
         * LD_PRELOAD and the like) */
        aux_put(info, 12 /* AT_EUID */, a->setid ? a->set_euid : h->euid);
        aux_put(info, 13 /* AT_GID */, h->gid);
        aux_put(info, 14 /* AT_EGID */, a->setid ? a->set_egid : h->egid);
        info->secure = a->setid;
    }
    return st;
}

/* ---- bookkeeping --------------------------------------------------------- */

const pm_kc_region *kl_region_at(const struct kl_as *a, uint64_t addr)
{
    uint32_t i = pm_kc_region_at(a->region, a->nregions, addr);
    return i < a->nregions ? &a->region[i] : NULL;
}

/* The bookkeeping after mapping, protecting or unmapping [lo, hi), or
 * K_NO_MEMORY (nothing changed). */
static pm_status regions_apply(struct kl_as *a, int mode, uint64_t lo, uint64_t hi,
                               uint32_t prot)
{
    pm_kc_region tmp[KL_MAX_REGIONS];
    /* the ghost limits: those every region was checked against
     * (pm_kc_range, pm_kc_image), which pm_kc_apply keeps */
    return pm_kc_apply(a->region, &a->nregions, KL_MAX_REGIONS, tmp, mode, lo, hi, prot)
        /*@ ghost (KL_PAGE, KL_USER_MIN, KL_USER_LIMIT) */;
}

/* Construction is over once the stub has the build (bind). */
static pm_status open_for_construction(const struct kl_as *a)
{
    return a->sealed || a->child != KL_CHILD_STUB ? PM_E_K_STATE : PM_OK;
}

static void op_add(struct kl_as *a, uint32_t kind, uint32_t prot, uint32_t image,
                   uint64_t vaddr, uint64_t len, uint64_t off)
{
    pm_stub_op *p = &a->op[a->nops++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->prot = prot;
    p->image = image;
    p->vaddr = vaddr;
    p->len = len;
    p->off = off;
}

/* A page range operation (map zero, unmap, protect): checks in the
 * kernel.h order after the caps, then bookkeeping and the op. */
static pm_status page_op(struct pm_kernel *k, pm_kcap as, uint32_t kind, uint64_t vaddr,
                         uint64_t len, uint32_t prot)
{
    uint32_t o = 0;
    struct kl_as *a = NULL;
    int mode = kind == PM_STUB_OP_MAP_ZERO ? KL_MAP
               : kind == PM_STUB_OP_UNMAP  ? KL_UNMAP : KL_PROTECT;
    pm_status st = kl_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);

    if (st == PM_OK && mode != KL_UNMAP)
        st = pm_kc_prot(prot);
    if (st == PM_OK)
        st = pm_kc_range(KL_PAGE, KL_USER_MIN, KL_USER_LIMIT, vaddr, len);
    if (st == PM_OK) {
        a = k->obj[o].as;
        st = open_for_construction(a);
    }
    if (st == PM_OK && mode == KL_MAP && pm_kc_overlaps(a->region, a->nregions, vaddr, vaddr + len))
        st = PM_E_K_OVERLAP;
    if (st == PM_OK && mode != KL_MAP && !pm_kc_covered(a->region, a->nregions, vaddr, vaddr + len))
        st = PM_E_K_NOT_MAPPED;
    if (st == PM_OK && a->nops >= PM_STUB_MAX_OPS)
        st = PM_E_K_NO_MEMORY;
    if (st == PM_OK)
        st = regions_apply(a, mode, vaddr, vaddr + len, prot);
    if (st == PM_OK)
        op_add(a, kind, mode == KL_UNMAP ? 0u : prot, 0, vaddr, len, 0);
    return st;
}

pm_status pm_k_as_map_zero(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                           uint64_t len, uint32_t prot)
{
    return page_op(k, as, PM_STUB_OP_MAP_ZERO, vaddr, len, prot);
}

pm_status pm_k_as_unmap(struct pm_kernel *k, pm_kcap as, uint64_t vaddr, uint64_t len)
{
    return page_op(k, as, PM_STUB_OP_UNMAP, vaddr, len, 0);
}

pm_status pm_k_as_protect(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                          uint64_t len, uint32_t prot)
{
    return page_op(k, as, PM_STUB_OP_PROTECT, vaddr, len, prot);
}

/* The AS's own copy of the image fd (one per image object), made if need
 * be: its index, or KL_NONE with *st set. */
static uint32_t image_slot(struct pm_kernel *k, struct kl_as *a, uint32_t img,
                           pm_status *st)
{
    int fd;

    for (uint32_t i = 0; i < a->nimages; i++)
        if (a->image_obj[i] == img && a->image_gen[i] == k->obj[img].gen)
            return i;
    if (a->nimages >= PM_STUB_MAX_IMAGES) {
        *st = PM_E_K_NO_MEMORY;
        return KL_NONE;
    }
    fd = fcntl(k->obj[img].fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) {
        const int err = errno;
        kl_diag(k, PM_OK, err, 0, 0);
        *st = kl_fd_status(err, PM_E_K_NO_OBJECTS);
        return KL_NONE;
    }
    a->image_fd[a->nimages] = fd;
    a->image_obj[a->nimages] = img;
    a->image_gen[a->nimages] = k->obj[img].gen;
    return a->nimages++;
}

pm_status pm_k_as_map_image(struct pm_kernel *k, pm_kcap as, pm_kcap image,
                            uint64_t file_off, uint64_t len, uint64_t vaddr,
                            uint32_t prot)
{
    uint32_t o = 0, img = 0, slot = KL_NONE;
    uint32_t need = PM_KR_READ | ((prot & PM_PROT_X) ? PM_KR_EXEC : 0u);
    uint64_t size = 0;
    struct kl_as *a = NULL;
    pm_status st = kl_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);

    uint32_t euid = 0, egid = 0;
    int setid = 0;
    if (st == PM_OK)
        st = kl_image_stat(k, image, need, &size, &img);
    if (st == PM_OK && (prot & PM_PROT_X))
        /* mapped executable: a program execve takes credentials from */
        st = kl_image_setid(k, img, k->obj[o].as, &euid, &egid, &setid);
    if (st == PM_OK)
        st = pm_kc_image(KL_PAGE, KL_USER_MIN, KL_USER_LIMIT, size, file_off, len,
                         vaddr, prot);
    if (st == PM_OK) {
        a = k->obj[o].as;
        st = open_for_construction(a);
    }
    if (st == PM_OK && pm_kc_overlaps(a->region, a->nregions, vaddr, vaddr + len))
        st = PM_E_K_OVERLAP;
    if (st == PM_OK && a->nops >= PM_STUB_MAX_OPS)
        st = PM_E_K_NO_MEMORY;
    if (st == PM_OK) {
        pm_kc_region tmp[KL_MAX_REGIONS];
        if (pm_kc_rebuild(a->region, a->nregions, KL_MAP, vaddr, vaddr + len, prot,
                          tmp, KL_MAX_REGIONS) /*@ ghost (KL_PAGE, KL_USER_MIN, KL_USER_LIMIT) */
            > KL_MAX_REGIONS)
            st = PM_E_K_NO_MEMORY;
    }
    if (st == PM_OK)
        slot = image_slot(k, a, img, &st);
    if (st == PM_OK) {
        (void)regions_apply(a, KL_MAP, vaddr, vaddr + len, prot);
        op_add(a, PM_STUB_OP_MAP_IMAGE, prot, slot, vaddr, len, file_off);
        if (setid) {
            a->setid = 1;
            a->set_euid = euid;
            a->set_egid = egid;
        }
    }
    return st;
}

/* ---- writes -------------------------------------------------------------- */

static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i] != 0)
            return 0;
    return 1;
}

/* Append a WRITE or ZERO op, extending the previous one when it continues
 * it (the core clears and writes a page at a time). */
static void poke_add(struct kl_as *a, int zero, uint32_t prot, uint64_t vaddr,
                     const uint8_t *bytes, uint64_t len)
{
    uint32_t kind = zero ? PM_STUB_OP_ZERO : PM_STUB_OP_WRITE;
    pm_stub_op *last = a->nops > 0 ? &a->op[a->nops - 1] : NULL;

    if (!zero) {
        memcpy(a->data + a->data_len, bytes, (size_t)len);
        a->data_len += len;
    }
    if (last != NULL && last->kind == kind && last->prot == prot &&
        last->vaddr + last->len == vaddr &&
        (zero || last->off + last->len == a->data_len - len)) {
        last->len += len;
        return;
    }
    op_add(a, kind, prot, 0, vaddr, len, zero ? 0 : a->data_len - len);
}

/* Room for the pieces of [vaddr, vaddr + len) (one per region). */
static pm_status poke_room(struct pm_kernel *k, struct kl_as *a, uint64_t vaddr,
                           const uint8_t *bytes, uint64_t len)
{
    uint64_t end = vaddr + len, need = 0;
    uint32_t pieces = 0;

    for (uint32_t i = 0; i < a->nregions; i++) {
        const pm_kc_region *r = &a->region[i];
        uint64_t lo = r->lo > vaddr ? r->lo : vaddr, hi = r->hi < end ? r->hi : end;
        if (lo < hi) {
            pieces++;
            if (!all_zero(bytes + (lo - vaddr), hi - lo))
                need += hi - lo;
        }
    }
    if (a->nops + pieces > PM_STUB_MAX_OPS || need > KL_MAX_DATA - a->data_len)
        return PM_E_K_NO_MEMORY;
    if (a->data_len + need > a->data_cap) {
        uint64_t cap = a->data_cap ? a->data_cap : 65536u;
        uint8_t *p;
        while (cap < a->data_len + need)
            cap *= 2;
        p = realloc(a->data, (size_t)cap);
        if (p == NULL) {
            kl_diag(k, PM_OK, ENOMEM, 0, 0);
            return PM_E_K_NO_MEMORY;
        }
        a->data = p;
        a->data_cap = cap;
    }
    return PM_OK;
}

pm_status pm_k_as_write(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                        const uint8_t *bytes, uint64_t len)
{
    uint32_t o = 0;
    struct kl_as *a = NULL;
    pm_status st = kl_cap(k, as, PM_KOBJ_AS, PM_KR_WRITE, &o);

    if (st == PM_OK && bytes == NULL && len > 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK)
        st = pm_kc_bytes(KL_USER_MIN, KL_USER_LIMIT, vaddr, len);
    if (st == PM_OK) {
        a = k->obj[o].as;
        st = open_for_construction(a);
    }
    if (st == PM_OK && len > 0u) {
        uint64_t lo = vaddr & ~KL_PAGE_MASK;
        uint64_t hi = (vaddr + len + KL_PAGE_MASK) & ~KL_PAGE_MASK;
        if (!pm_kc_covered(a->region, a->nregions, lo, hi))
            st = PM_E_K_NOT_MAPPED;
    }
    if (st == PM_OK && len > 0u)
        st = poke_room(k, a, vaddr, bytes, len);
    for (uint32_t i = 0; st == PM_OK && len > 0u && i < a->nregions; i++) {
        const pm_kc_region *r = &a->region[i];
        uint64_t end = vaddr + len;
        uint64_t lo = r->lo > vaddr ? r->lo : vaddr, hi = r->hi < end ? r->hi : end;
        if (lo < hi)
            poke_add(a, all_zero(bytes + (lo - vaddr), hi - lo), r->prot, lo,
                     bytes + (lo - vaddr), hi - lo);
    }
    return st;
}

/* ---- materialisation (bind) ---------------------------------------------- */

static int data_memfd(struct pm_kernel *k, const struct kl_as *a)
{
    int fd = memfd_create("procmgr-data", MFD_CLOEXEC);
    uint64_t done = 0;

    while (fd >= 0 && done < a->data_len) {
        ssize_t n = write(fd, a->data + done, (size_t)(a->data_len - done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            kl_diag(k, PM_OK, n < 0 ? errno : EIO, 0, 0);
            close(fd);
            return -1;
        }
        done += (uint64_t)n;
    }
    if (fd < 0)
        kl_diag(k, PM_OK, errno, 0, 0);
    return fd;
}

/* The written bytes travel in the build message when they fit. */
static int data_inline(const struct kl_as *a)
{
    return a->data_len <= PM_STUB_INLINE_MAX;
}

/* Bytes of the build message of a (the ops in use, inline data). */
static size_t build_len(const struct kl_as *a)
{
    return (size_t)PM_STUB_BUILD_LEN(a->nops, data_inline(a) ? a->data_len : 0u);
}

/* The build message (build_len(a) bytes at b) and its fds: images, data
 * memfd (written bytes too large to go inline), handles. */
static pm_status build_fill(struct pm_kernel *k, const struct kl_as *a,
                            const struct kl_cspace *cs, pm_stub_build *b,
                            int *fds, uint32_t *nfds, int *data_fd)
{
    uint32_t n = 0;

    memset(b, 0, (size_t)PM_STUB_BUILD_HEAD);
    b->magic = PM_STUB_BUILD_MAGIC;
    b->version = PM_STUB_VERSION;
    b->nops = a->nops;
    b->nimages = a->nimages;
    memcpy(b->op, a->op, a->nops * sizeof a->op[0]);
    for (uint32_t i = 0; i < a->nimages; i++)
        fds[n++] = a->image_fd[i];
    *data_fd = -1;
    if (a->data_len > 0 && data_inline(a)) {
        b->data_len = (uint32_t)a->data_len;
        memcpy(&b->op[a->nops], a->data, (size_t)a->data_len);
    } else if (a->data_len > 0) {
        *data_fd = data_memfd(k, a);
        if (*data_fd < 0)
            return PM_E_K_NO_MEMORY;
        fds[n++] = *data_fd;
        b->has_data = 1;
    }
    for (uint32_t s = 0; s < cs->nslots; s++) {
        const struct kl_slot *sl = &cs->slot[s];
        const struct kl_obj *ob = &k->obj[sl->obj];
        if (!sl->full || ob->gen != sl->obj_gen || ob->fd < 0 || cs->cwd_slot == s + 1u ||
            sl->mount_len != 0)
            continue;   /* object destroyed since: nothing to place */
        b->handle_target[b->nhandles++] = (int32_t)s;
        fds[n++] = ob->fd;
    }
    if (cs->cwd_slot != 0) {
        const struct kl_slot *sl = &cs->slot[cs->cwd_slot - 1u];
        const struct kl_obj *ob = &k->obj[sl->obj];
        if (sl->full && ob->gen == sl->obj_gen && ob->fd >= 0) {
            fds[n++] = ob->fd;   /* the stub's fchdir, never a descriptor */
            b->has_cwd = 1;
        }
    }
    /* namespace entries: the stub's bind mounts, never descriptors */
    memcpy(b->mount_paths, cs->mount_paths, cs->mount_used);
    for (uint32_t s = 0; s < cs->nslots && b->nmounts < PM_STUB_MAX_MOUNTS; s++) {
        const struct kl_slot *sl = &cs->slot[s];
        const struct kl_obj *ob = &k->obj[sl->obj];
        if (!sl->full || sl->mount_len == 0 || ob->gen != sl->obj_gen || ob->fd < 0)
            continue;
        b->mount_off[b->nmounts++] = sl->mount_off;
        fds[n++] = ob->fd;
    }
    *nfds = n;
    return PM_OK;
}

static pm_status build_send(struct pm_kernel *k, int ctl, const pm_stub_build *b,
                            size_t len, const int *fds, uint32_t nfds)
{
    int err = 0;
    pm_status st;
    if (!pm_lx_nofile_fits(nfds)) {
        /* the stub could not lift them above 256 under its limit (issue
         * 18 items 4 and 10): refused here, with its own code */
        kl_diag(k, PM_E_LINUX_STUB_FDS, EMFILE, PM_STUB_STAGE_FDS, 0);
        return PM_E_K_NO_DESCRIPTORS;
    }
    st = pm_lx_send_fds(ctl, b, len, fds, nfds, &err);
    if (st != PM_OK) {
        kl_diag(k, st, err, 0, 0);
        st = PM_E_K_STATE;
    }
    return st;
}

/* One reply of the stub: PM_OK (built) or the mapped failure. */
pm_status kl_stub_reply(struct pm_kernel *k, struct kl_as *a, pm_stub_reply *r)
{
    ssize_t n;
    int err = 0;
    pm_status st = pm_lx_wait_stub(a->ctl, &err);

    if (st != PM_OK) {
        /* no answer within the deadline (the caller kills the stub) */
        kl_diag(k, st, err, 0, 0);
        return st == PM_E_K_TIMED_OUT ? st : PM_E_K_STATE;
    }
    do {
        n = recv(a->ctl, r, sizeof *r, 0);
    } while (n < 0 && errno == EINTR);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
        /* end of file: the stub died before it answered (killed from
         * outside, or by the OOM killer); the caller reaps it */
        kl_refused(k, PM_E_LINUX_STUB_DIED, PM_E_K_STATE, n < 0 ? errno : 0);
        return PM_E_K_STATE;
    }
    if (n != (ssize_t)sizeof *r || r->magic != PM_STUB_REPLY_MAGIC) {
        kl_diag(k, PM_E_LINUX_STUB_PROTOCOL, n < 0 ? errno : 0, 0, 0);
        return PM_E_K_STATE;
    }
    if (r->status != PM_OK) {
        kl_diag(k, (pm_status)r->status, r->sys_errno, r->stage, r->op);
        /* the two refusals of a launch with names keep their own codes */
        if (r->status == PM_E_LINUX_NAMESPACE_DENIED ||
            r->status == PM_E_LINUX_NAME_MOUNTPOINT)
            return (pm_status)r->status;
        /* the stub could not move a descriptor to 256 and above: its
         * limit (the one procmgrd was started with) is too low for the
         * descriptors this launch passes (F_DUPFD: EINVAL) */
        if (r->status == PM_E_LINUX_STUB_FDS && r->sys_errno == EINVAL)
            return PM_E_K_NO_DESCRIPTORS;
        return kl_errno_status(r->sys_errno);
    }
    a->stub_flags = r->flags;
    a->mm_map_errno = r->mm_map_errno;
    return PM_OK;
}

pm_status kl_as_materialise(struct pm_kernel *k, uint32_t as, uint32_t cs)
{
    struct kl_as *a = k->obj[as].as;
    size_t len = build_len(a);
    /* at least the whole struct: every member access stays inside it */
    pm_stub_build *b = malloc(len > sizeof *b ? len : sizeof *b);
    int fds[PM_LX_MAX_SEND_FDS], data_fd = -1;
    uint32_t nfds = 0;
    pm_stub_reply r;
    pm_status st = b == NULL ? PM_E_K_NO_MEMORY : kl_as_hello(k, a);

    if (st == PM_OK)
        st = build_fill(k, a, k->obj[cs].cs, b, fds, &nfds, &data_fd);
    if (st == PM_OK)
        st = build_send(k, a->ctl, b, len, fds, nfds);
    if (data_fd >= 0)
        close(data_fd);
    if (st == PM_OK)
        st = kl_stub_reply(k, a, &r);
    free(b);
    /* Sealed from here on: the ops and the written bytes are in the stub
     * now (the regions stay: bind and start read them). */
    free(a->data);
    a->data = NULL;
    a->data_len = a->data_cap = 0;
    free(a->op);
    a->op = NULL;
    /* the stub mapped what it maps from them: our copies of the image
     * fds go (2 descriptors fewer per running process; issue 18 item 3) */
    for (uint32_t i = 0; i < a->nimages; i++)
        close(a->image_fd[i]);
    a->nimages = 0;
    a->sealed = 1;
    if (st == PM_OK) {
        a->child = KL_CHILD_BUILT;
        k->obj[cs].cs->sealed = 1;
        kl_cspace_given(k, cs);
    } else {
        /* The stub exits on any failure; reap it now.  The AS stays a
         * state destroy reclaims (construction calls: K_STATE). */
        kl_as_kill(a);
        (void)kl_as_reap(k, a, 1);
    }
    return st;
}
