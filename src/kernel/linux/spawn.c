/*
 * procmgr Linux loader, parent side: validate, pick biases, create the
 * child running procmgr's stub, hand it the plan.  See
 * include/procmgr/linux_spawn.h and spec/linux-loader.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procmgr/elf.h"
#include "procmgr/linux_spawn.h"
#include "procmgr/status.h"
#include "lx_common.h"
#include "stub/stub_proto.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Bias windows: program and interpreter each get their own, both below the
 * stub's link address and far from the stack and mmap area at the top. */
#define PM_LINUX_PROG_LO   0x100000000000ull
#define PM_LINUX_PROG_HI   0x300000000000ull
#define PM_LINUX_INTERP_LO 0x300000000000ull
#define PM_LINUX_INTERP_HI 0x500000000000ull



/* pread exactly len bytes at off into buf (EINTR and short reads handled). */
static pm_status read_exact(int fd, uint8_t *buf, uint64_t off, uint64_t len,
                            int *sys_errno)
{
    uint64_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf + got, (size_t)(len - got), (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *sys_errno = n < 0 ? errno : 0;
            return PM_E_LINUX_IMAGE_IO;
        }
        got += (uint64_t)n;
    }
    return PM_OK;
}

/* Read the header area into buf (capacity PM_ELF_READ_MAX) and validate;
 * when the validator names bytes past it (the PT_INTERP name), read just
 * those after the header area and validate again (two reads at most). */
static pm_status image_validate(int fd, pm_elf_role role, uint8_t *buf,
                                pm_elf_plan *plan, int *sys_errno)
{
    pm_elf_policy pol;
    uint64_t size = 0, want;
    pm_status st = pm_lx_image_check(fd, &size, sys_errno);

    if (st != PM_OK)
        return st;
    want = size < PM_ELF_HEADER_AREA ? size : PM_ELF_HEADER_AREA;
    st = read_exact(fd, buf, 0, want, sys_errno);
    if (st != PM_OK)
        return st;
    pm_elf_policy_default(&pol);
    st = pm_elf_validate(buf, want, size, &pol, role, plan);
    if (st == PM_E_ELF_HEADER_AREA && plan->need_len != 0 &&
        plan->need_len <= PM_ELF_INTERP_MAX) {
        uint64_t off = plan->need_off, len = plan->need_len;
        st = read_exact(fd, buf + want, off, len, sys_errno);
        if (st == PM_OK)
            st = pm_elf_validate_ext(buf, want, want + len, off, size, &pol,
                                     role, plan);
    }
    return st;
}

/* A random bias for an ET_DYN plan keeping its span inside [lo, hi). */
static pm_status plan_randomize(pm_elf_plan *plan, uint64_t lo, uint64_t hi,
                                uint64_t *bias, int *sys_errno)
{
    pm_elf_policy pol;
    uint64_t align = plan->align, ss = plan->span_start, se = plan->span_end;
    uint64_t bmin, slots, r = 0;

    *bias = 0;
    if (plan->type != 3 /* ET_DYN */)
        return PM_OK;
    if (align < 4096 || (align & (align - 1)) != 0 || se < ss || se - ss > hi - lo)
        return PM_E_LINUX_BIAS;
    bmin = lo > ss ? lo - ss : 0;
    bmin = (bmin + align - 1) & ~(align - 1);
    if (se > hi || bmin > hi - se)
        return PM_E_LINUX_BIAS;
    slots = (hi - se - bmin) / align + 1;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) {
        *sys_errno = errno;
        return PM_E_LINUX_BIAS;
    }
    *bias = bmin + (r % slots) * align;
    pm_elf_policy_default(&pol);
    return pm_elf_plan_apply_bias(plan, &pol, *bias);
}

static int interp_allowed(const char *name, const char *const *allow)
{
    static const char *const dflt[] = { PM_LINUX_DEFAULT_INTERP, NULL };
    size_t i;

    if (allow == NULL)
        allow = dflt;
    for (i = 0; allow[i] != NULL; i++)
        if (strcmp(name, allow[i]) == 0)
            return 1;
    return 0;
}

/* Validate the program (and its interpreter) into q; *interp_fd is opened
 * when the program names one. */
static pm_status plans_make(const pm_linux_spawn_req *req, pm_stub_request *q,
                            int *interp_fd, pm_linux_error *e)
{
    uint8_t *buf = malloc(PM_ELF_READ_MAX);
    char name[PM_ELF_INTERP_MAX];
    uint64_t bias;
    pm_status st;

    if (buf == NULL)
        return PM_E_LINUX_IMAGE_IO;
    st = image_validate(req->image_fd, PM_ELF_ROLE_PROGRAM, buf, &q->prog, &e->sys_errno);
    if (st == PM_OK && q->prog.has_interp) {
        /* The validator guarantees the name lies in buf and ends in its only NUL. */
        memcpy(name, buf + q->prog.interp_off, (size_t)q->prog.interp_len);
        if (!interp_allowed(name, req->interp_allow))
            st = PM_E_LINUX_INTERP_NOT_ALLOWED;
        if (st == PM_OK) {
            *interp_fd = open(name, O_RDONLY | O_CLOEXEC);
            if (*interp_fd < 0) {
                e->sys_errno = errno;
                st = PM_E_LINUX_INTERP_OPEN;
            }
        }
        if (st == PM_OK)
            st = image_validate(*interp_fd, PM_ELF_ROLE_INTERP, buf, &q->interp, &e->sys_errno);
        if (st == PM_OK)
            q->has_interp = 1;
    }
    free(buf);
    if (st == PM_OK)
        st = plan_randomize(&q->prog, PM_LINUX_PROG_LO, PM_LINUX_PROG_HI, &bias, &e->sys_errno);
    if (st == PM_OK && q->has_interp)
        st = plan_randomize(&q->interp, PM_LINUX_INTERP_LO, PM_LINUX_INTERP_HI, &bias,
                            &e->sys_errno);
    return st;
}

static pm_status request_fill(const pm_linux_spawn_req *req, pm_stub_request *q)
{
    const char *execfn;
    size_t i, j, len;

    if (req->argv == NULL || req->argv[0] == NULL ||
        req->nhandles > PM_LINUX_MAX_HANDLES || (req->nhandles > 0 && req->handles == NULL))
        return PM_E_LINUX_ARGS;
    execfn = req->execfn != NULL ? req->execfn : req->argv[0];
    len = strlen(execfn) + 1;
    if (len > PM_STUB_EXECFN_MAX)
        return PM_E_LINUX_ARGS;
    for (i = 0; i < req->nhandles; i++) {
        int t = req->handles[i].target;
        if (t < 0 || t >= PM_LINUX_FD_LIMIT || req->handles[i].fd < 0)
            return PM_E_LINUX_ARGS;
        for (j = 0; j < i; j++)
            if (req->handles[j].target == t)
                return PM_E_LINUX_ARGS;
        q->handle_target[i] = t;
    }
    q->magic = PM_STUB_MAGIC;
    q->version = PM_STUB_VERSION;
    q->flags = (req->flags & PM_LINUX_SPAWN_SUSPENDED) ? PM_STUB_WAIT_START : 0;
    q->nhandles = (uint32_t)req->nhandles;
    q->execfn_len = (uint32_t)len;
    memcpy(q->execfn, execfn, len);
    return PM_OK;
}

/* ---- the child ------------------------------------------------------------- */

static void child_reap(pm_linux_child *child)
{
    pm_lx_kill_reap(child->pidfd);
    pm_linux_child_release(child);
    child->pid = 0;
    child->state = PM_LINUX_CHILD_NONE;
}

static pm_status child_create(const pm_linux_spawn_req *req, int ctl_child,
                              pm_linux_child *child, pm_linux_error *e)
{
    static char *const no_env[] = { NULL };
    int pid = 0, pidfd = -1;
    pm_status st = pm_lx_clone_stub(ctl_child, req->argv,
                                    req->envp != NULL ? req->envp : no_env,
                                    &pid, &pidfd, &e->sys_errno);
    if (st == PM_OK) {
        child->pid = pid;
        child->pidfd = pidfd;
    }
    return st;
}

static pm_status request_send(int ctl, const pm_stub_request *q, int image_fd,
                              int interp_fd, const pm_linux_spawn_req *req, int *sys_errno)
{
    int fds[2 + PM_LINUX_MAX_HANDLES];
    size_t n = 0, i;

    fds[n++] = image_fd;
    if (q->has_interp)
        fds[n++] = interp_fd;
    for (i = 0; i < req->nhandles; i++)
        fds[n++] = req->handles[i].fd;
    return pm_lx_send_fds(ctl, q, sizeof *q, fds, n, sys_errno);
}

static pm_status reply_recv(int ctl, pm_linux_child *child, pm_linux_error *e)
{
    pm_stub_hello h;
    pm_stub_reply r;
    ssize_t n;
    pm_status st = pm_lx_recv_hello(ctl, &h, &e->sys_errno);

    if (st == PM_OK)
        st = pm_lx_wait_stub(ctl, &e->sys_errno);   /* the caller reaps on a failure */
    if (st != PM_OK)
        return st;
    do {
        n = recv(ctl, &r, sizeof r, 0);
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof r || r.magic != PM_STUB_REPLY_MAGIC) {
        e->sys_errno = n < 0 ? errno : 0;
        return PM_E_LINUX_STUB_PROTOCOL;
    }
    if (r.status != PM_OK) {
        e->sys_errno = r.sys_errno;
        e->stub_stage = r.stage;
        return (pm_status)r.status;
    }
    child->stub_flags = ((r.flags & PM_STUB_R_MM_MAP) ? PM_LINUX_MM_MAP_APPLIED : 0) |
                        ((r.flags & PM_STUB_R_TRAMP_LEFT) ? PM_LINUX_TRAMP_LEFT : 0);
    child->mm_map_errno = r.mm_map_errno;
    child->entry = r.entry;
    child->sp = r.sp;
    return PM_OK;
}

pm_status pm_linux_spawn(const pm_linux_spawn_req *req, pm_linux_child *child,
                         pm_linux_error *err)
{
    pm_linux_error scratch;
    pm_linux_error *e = err != NULL ? err : &scratch;
    pm_stub_request *q = calloc(1, sizeof *q);
    int sv[2] = { -1, -1 }, interp_fd = -1;
    pm_status st;

    memset(child, 0, sizeof *child);
    child->pidfd = -1;
    child->ctl = -1;
    memset(e, 0, sizeof *e);
    if (q == NULL)
        return PM_E_LINUX_ARGS;
    st = request_fill(req, q);
    if (st == PM_OK)
        st = plans_make(req, q, &interp_fd, e);
    if (st == PM_OK && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        e->sys_errno = errno;
        st = PM_E_LINUX_CLONE;
    }
    /* The request waits in the socket before the child exists, so the stub
     * finds it at once: one scheduler hand-off less per spawn.  If the child
     * never runs, closing the socket releases the fds in flight. */
    if (st == PM_OK)
        st = request_send(sv[0], q, req->image_fd, interp_fd, req, &e->sys_errno);
    if (st == PM_OK)
        st = child_create(req, sv[1], child, e);
    if (sv[1] >= 0)
        close(sv[1]);
    child->ctl = sv[0];
    if (st == PM_OK)
        st = reply_recv(sv[0], child, e);
    if (st == PM_OK) {
        child->prog_bias = q->prog.bias;
        child->interp_bias = q->has_interp ? q->interp.bias : 0;
        if (req->flags & PM_LINUX_SPAWN_SUSPENDED) {
            child->state = PM_LINUX_CHILD_BUILT;
        } else {
            close(child->ctl);
            child->ctl = -1;
            child->state = PM_LINUX_CHILD_RUNNING;
        }
    } else {
        child_reap(child);
    }
    if (interp_fd >= 0)
        close(interp_fd);
    free(q);
    return st;
}

pm_status pm_linux_start(pm_linux_child *child)
{
    unsigned char go = PM_STUB_GO;
    ssize_t n;

    if (child->state != PM_LINUX_CHILD_BUILT || child->ctl < 0)
        return PM_E_LINUX_STATE;
    do {
        n = send(child->ctl, &go, 1, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    close(child->ctl);
    child->ctl = -1;
    child->state = PM_LINUX_CHILD_RUNNING;
    return n == 1 ? PM_OK : PM_E_LINUX_STUB_PROTOCOL;
}

pm_status pm_linux_kill(pm_linux_child *child)
{
    if (child->pidfd < 0)
        return PM_E_LINUX_STATE;
    if (syscall(SYS_pidfd_send_signal, child->pidfd, SIGKILL, NULL, 0) != 0 && errno != ESRCH)
        return PM_E_LINUX_STATE;
    return PM_OK;
}

pm_status pm_linux_wait(pm_linux_child *child, int *wstatus)
{
    siginfo_t si;

    if (child->pidfd < 0)
        return PM_E_LINUX_STATE;
    memset(&si, 0, sizeof si);
    while (waitid((idtype_t)P_PIDFD, (id_t)child->pidfd, &si, WEXITED) != 0) {
        if (errno != EINTR)
            return PM_E_LINUX_STATE;
    }
    if (si.si_code == CLD_EXITED)
        *wstatus = (si.si_status & 0xff) << 8;
    else
        *wstatus = (si.si_status & 0x7f) | (si.si_code == CLD_DUMPED ? 0x80 : 0);
    if (child->ctl >= 0) {
        close(child->ctl);
        child->ctl = -1;
    }
    child->state = PM_LINUX_CHILD_NONE;
    return PM_OK;
}

void pm_linux_child_release(pm_linux_child *child)
{
    if (child->ctl >= 0)
        close(child->ctl);
    if (child->pidfd >= 0)
        close(child->pidfd);
    child->ctl = -1;
    child->pidfd = -1;
}
