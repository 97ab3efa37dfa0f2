/*
 * procmgr stub loader: the only program the kernel ever executes for a
 * procmgr child on Linux.  Static, no libc, linked at PM_STUB_LINK_BASE.
 *
 * It receives validated, biased load plans (program and optional
 * interpreter) with their image fds and the wanted handle layout over the
 * control socket (stub_proto.h), maps the segments with
 * MAP_FIXED_NOREPLACE, places the handles, builds the program's initial
 * stack below the kernel's own (reusing the argument and environment strings
 * the kernel copied, which are the program's), reports "ready", optionally
 * waits for "go", closes the control socket and leaves through a trampoline
 * that unmaps every byte of the stub (start.S).  See spec/linux-loader.md.
 *
 * The stub trusts its parent (procmgr): the plans come from the proven
 * validator.  It still checks counts and lengths before using them as
 * indexes, so a bad message is refused, never followed.
 */
#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "stub_internal.h"

#define STUB_AUX_MAX      28
#define STUB_TRAMP_MAP_OFF 2048u   /* prctl_mm_map's place in the trampoline page */

/* start.S reads the struct's size (104) and exe_fd (offset 100). */
_Static_assert(sizeof(struct stub_prctl_mm_map) == 104, "prctl_mm_map size");
_Static_assert(offsetof(struct stub_prctl_mm_map, exe_fd) == 100, "prctl_mm_map.exe_fd");

stub_msg g_msg;
int g_recv_fd[STUB_MAX_RECV_FDS];
uint32_t g_nrecv;
#define g_req g_msg.req

_Noreturn void pm_stub_main(uint64_t *ksp);

/* The compiler may emit calls to these; rep movsb/stosb cannot be turned
 * back into a call to themselves. */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ volatile ("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    __asm__ volatile ("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return dst;
}

uint64_t stub_kstrlen(uint64_t s)
{
    uint64_t n = 0;

    /*@ loop invariant 0 <= n <= STUB_KSTR_MAX;
        loop assigns n;
        loop variant STUB_KSTR_MAX - n;
     */
    while (n < STUB_KSTR_MAX && stub_kpeek8(s + n, s, s + STUB_KSTR_MAX) != '\0')
        n++;
    return n;
}

_Noreturn void stub_exit(int code)
{
    /*@ loop assigns \nothing; */
    for (;;)
        (void)stub_sys1(SYS_exit_group, code);
}

long stub_send(long fd, const void *buf, size_t len)
{
    struct stub_iovec iov = { (void *)buf, len };
    struct stub_msghdr msg = { 0 };

    msg.iov = &iov;
    msg.iovlen = 1;
    return stub_sys_sendmsg(fd, &msg, 0);
}

long stub_recv_go(long fd, pm_stub_go *g)
{
    long n;

    /*@ loop assigns n, *g; */
    do {
        n = stub_recvmsg_go(fd, g);
    } while (n == -STUB_EINTR);
    return n;
}

long stub_recv_byte(long fd, uint8_t *b)
{
    long n;

    /*@ loop assigns n, *b; */
    do {
        n = stub_recvmsg_byte(fd, b);
    } while (n == -STUB_EINTR);
    return n;
}

int stub_targets_ok(const int32_t *target, uint32_t n)
{
    uint8_t seen[PM_STUB_FD_LIMIT];
    uint32_t i;

    int ok = 1;

    /*@ loop invariant 0 <= i <= PM_STUB_FD_LIMIT;
        loop assigns i, seen[0 .. PM_STUB_FD_LIMIT - 1];
        loop variant PM_STUB_FD_LIMIT - i;
     */
    for (i = 0; i < PM_STUB_FD_LIMIT; i++)
        seen[i] = 0;
    /*@ loop invariant 0 <= i <= n;
        loop invariant ok != 0 ==> \forall integer j; 0 <= j < i ==>
                         0 <= target[j] < PM_STUB_FD_LIMIT;
        loop assigns i, ok, seen[0 .. PM_STUB_FD_LIMIT - 1];
        loop variant n - i;
     */
    for (i = 0; i < n && ok; i++) {
        int32_t t = target[i];
        if (t < 0 || t >= PM_STUB_FD_LIMIT || seen[t])
            ok = 0;
        else
            seen[t] = 1;
    }
    return ok;
}

void stub_reply(int fd, int32_t status, long err, uint32_t stage,
                uint32_t flags, int32_t mm_err, uint64_t entry, uint64_t sp)
{
    stub_reply_op(fd, status, err, stage, flags, mm_err, entry, sp, 0);
}

void stub_reply_op(int fd, int32_t status, long err, uint32_t stage, uint32_t flags,
                   int32_t mm_err, uint64_t entry, uint64_t sp, uint32_t op)
{
    pm_stub_reply r = { 0 };

    r.magic = PM_STUB_REPLY_MAGIC;
    r.status = status;
    r.sys_errno = (int32_t)(err < 0 ? -err : err);
    r.stage = stage;
    r.flags = flags;
    r.mm_map_errno = mm_err;
    r.entry = entry;
    r.sp = sp;
    r.op = op;
    (void)stub_send(fd, &r, sizeof r);
}

/* Report a failure and exit without ever running the program. */
_Noreturn void stub_fail(int fd, pm_status status, long err, uint32_t stage)
{
    stub_reply(fd, (int32_t)status, err, stage, 0, 0, 0, 0);
    stub_exit(127);
}

/* Walk the kernel-made stack from the initial %rsp (trusted: the kernel's
 * exec laid it out; stub_kstack_check then checks the shape the proven
 * code relies on). */
void stub_read_kstack(uint64_t *ksp, stub_kstack *k)
{
    const uint64_t *envp, *p;

    memset(k, 0, sizeof *k);
    k->base = (uint64_t)(uintptr_t)ksp;
    k->argc = ksp[0];
    k->argv = k->base + 8u;
    envp = ksp + 1 + k->argc + 1;
    while (envp[k->envc] != 0)
        k->envc++;
    k->envp = (uint64_t)(uintptr_t)envp;
    p = envp + k->envc + 1;
    k->auxv = (uint64_t)(uintptr_t)p;
    for (; p[0] != AT_NULL; p += 2) {
        uint64_t v = p[1];
        switch (p[0]) {
        case AT_SYSINFO_EHDR: k->aux.sysinfo_ehdr = v; break;
        case AT_HWCAP:        k->aux.hwcap = v; break;
        case AT_HWCAP2:       k->aux.hwcap2 = v; break;
        case AT_CLKTCK:       k->aux.clktck = v; break;
        case AT_MINSIGSTKSZ:  k->aux.minsigstksz = v; break;
        case AT_RSEQ_FEATURE_SIZE: k->aux.rseq_feature_size = v; break;
        case AT_RSEQ_ALIGN:   k->aux.rseq_align = v; break;
        case AT_UID:          k->aux.uid = v; break;
        case AT_EUID:         k->aux.euid = v; break;
        case AT_GID:          k->aux.gid = v; break;
        case AT_EGID:         k->aux.egid = v; break;
        case AT_SECURE:       k->aux.secure = v; break;
        case AT_PLATFORM:     k->aux.platform = v; break;
        case AT_RANDOM:       k->aux.random = v; break;
        case AT_EXECFN:       k->aux.execfn = v; break;
        default: break;
        }
    }
    k->end = (uint64_t)(uintptr_t)(p + 2);
}

/* The walk's shape, checked before plan mode reads the kernel's stack
 * through it (stub_kstack_ok): no count or address runs past its end. */
/*@ requires \valid_read(k);
    assigns \nothing;
    ensures \result != 0 ==> stub_kstack_ok(k);
 */
static int stub_kstack_check(const stub_kstack *k)
{
    uint64_t hi = k->end;

    if (k->base % 8u != 0 || k->base < STUB_KSTACK_BELOW || k->base >= hi ||
        hi - k->base < 8u || k->argv != k->base + 8u ||
        k->argc >= (hi - k->argv) / 8u)
        return 0;
    if (k->envp != k->argv + 8u * (k->argc + 1u) || k->envc >= (hi - k->envp) / 8u)
        return 0;
    if (k->auxv != k->envp + 8u * (k->envc + 1u) || hi - k->auxv < 16u)
        return 0;
    return 1;
}

/* Default dispositions and an empty mask: the parent blocked every signal
 * around the clone, and ignored signals survive an exec. */
void stub_reset_signals(void)
{
    const struct stub_sigaction sa = { 0 };     /* SIG_DFL, no flags, no mask */
    const uint64_t empty = 0;
    long sig;

    /*@ loop invariant 1 <= sig <= 65;
        loop assigns sig;
        loop variant 65 - sig;
     */
    for (sig = 1; sig <= 64; sig++) {
        if (sig == 9 || sig == 19)      /* SIGKILL, SIGSTOP: not to be changed */
            continue;
        (void)stub_sys_sigaction(sig, &sa);
    }
    (void)stub_sys_setmask(&empty);
}

/* The control words of the request's recvmsg. */
static uint64_t g_cbuf[STUB_CBUF_WORDS];

/* The k-th fd of the SCM_RIGHTS message in g_cbuf (32-bit ints from byte
 * 16 on, little-endian halves of the words), or -1 if it is no int. */
/*@ requires k < STUB_MAX_RECV_FDS;
    assigns \nothing;
    ensures -1 <= \result;
 */
static int32_t cmsg_fd(uint32_t k)
{
    uint64_t w = g_cbuf[2u + k / 2u];
    uint64_t v = k % 2u != 0 ? w >> 32 : w & 0xffffffffu;

    return v <= 2147483647u ? (int32_t)v : -1;
}

/* Receive the request (plan or build) and its fds; *len gets its length.
 * Returns the error stage or 0.  The control message is read only inside
 * the control bytes the kernel wrote (cmsghdr: len, level, type, then the
 * fds), at most STUB_MAX_RECV_FDS fds, each a non-negative int. */
/*@ requires \valid(err) && \valid(len) && \separated(err, len);
    requires \separated(err, len, &g_msg, &g_nrecv, g_cbuf + (0 .. STUB_CBUF_WORDS - 1),
                        g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    assigns *err, *len, g_msg, g_nrecv, g_cbuf[0 .. STUB_CBUF_WORDS - 1],
            g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1];
    ensures g_nrecv <= STUB_MAX_RECV_FDS;
    ensures \forall integer k; 0 <= k < g_nrecv ==> 0 <= g_recv_fd[k];
    ensures \result == 0 ==> 0 <= *len <= sizeof(stub_msg);
    ensures -4095 <= *err <= 0;
 */
static uint32_t stub_recv(long *err, long *len)
{
    uint64_t clen = 0, cmsg_len, lt;
    int32_t mflags = 0;
    uint32_t i, k = 0;
    uint32_t stage = 0;
    long n;

    /*@ loop assigns n, g_msg, g_cbuf[0 .. STUB_CBUF_WORDS - 1], clen, mflags; */
    do {
        n = stub_recvmsg_msg(PM_STUB_CTL_FD, &g_msg, g_cbuf, &clen, &mflags);
    } while (n == -STUB_EINTR);
    *err = n < 0 ? n : 0;
    *len = n;
    g_nrecv = 0;
    if (n < 0)
        return PM_STUB_STAGE_RECV;
    cmsg_len = g_cbuf[0];
    lt = g_cbuf[1];
    if (clen >= 16u && clen <= STUB_CBUF_WORDS * 8u &&
        (lt & 0xffffffffu) == STUB_SOL_SOCKET && (lt >> 32) == STUB_SCM_RIGHTS &&
        cmsg_len >= 16u && cmsg_len <= clen) {
        uint64_t nfd = (cmsg_len - 16u) / 4u;
        k = nfd > STUB_MAX_RECV_FDS ? STUB_MAX_RECV_FDS : (uint32_t)nfd;
    }
    /*@ loop invariant 0 <= i <= k <= STUB_MAX_RECV_FDS;
        loop invariant stage == 0 ==> \forall integer m; 0 <= m < i ==> 0 <= g_recv_fd[m];
        loop assigns i, stage, g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1];
        loop variant k - i;
     */
    for (i = 0; i < k; i++) {
        int32_t fd = cmsg_fd(i);
        if (fd < 0)
            stage = PM_STUB_STAGE_RECV;
        g_recv_fd[i] = fd < 0 ? 0 : fd;
    }
    g_nrecv = k;
    if (stage != 0)
        g_nrecv = 0;
    else if (n == 0)
        stage = 0;          /* EOF */
    else if (n < 4 || (mflags & 0x8 /* MSG_CTRUNC */) != 0)
        stage = PM_STUB_STAGE_RECV;
    return stage;
}

/*@ predicate stub_seg_ok(pm_elf_segment *s) =
      s->file_len <= s->map_len && s->zero_len < 4096 &&
      s->map_start + s->map_len <= UINT64_MAX && !stub_wx(s->prot) &&
      (s->zero_len > 0 ==> s->map_start <= s->zero_start &&
         s->zero_start + s->zero_len <= s->map_start + s->file_len);
    predicate stub_plan_shape(pm_elf_plan *p) =
      1 <= p->nseg <= PM_ELF_MAX_SEGMENTS &&
      \forall integer k; 0 <= k < p->nseg ==> stub_seg_ok(&p->seg[k]);
 */

/* A plan's segments in shape, and never writable and executable (the
 * validator's plans never are: the stub refuses it itself). */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result != 0 ==> stub_plan_shape(p);
 */
static int stub_plan_ok(const pm_elf_plan *p)
{
    uint32_t i;

    if (p->valid != PM_ELF_PLAN_VALID || p->nseg < 1 || p->nseg > PM_ELF_MAX_SEGMENTS)
        return 0;
    /*@ loop invariant 0 <= i <= p->nseg;
        loop invariant \forall integer k; 0 <= k < i ==> stub_seg_ok(&p->seg[k]);
        loop assigns i;
        loop variant p->nseg - i;
     */
    for (i = 0; i < p->nseg; i++) {
        const pm_elf_segment *s = &p->seg[i];
        if (s->file_len > s->map_len || s->zero_len >= STUB_PAGE ||
            s->map_len > UINT64_MAX - s->map_start ||
            ((s->map_start | s->map_len | s->file_len | s->file_off) & (STUB_PAGE - 1)) != 0 ||
            ((s->prot & PM_PROT_W) != 0 && (s->prot & PM_PROT_X) != 0))
            return 0;
        /* the bytes to clear lie in the segment's file pages */
        if (s->zero_len > 0 &&
            (s->zero_start < s->map_start ||
             s->zero_start - s->map_start > s->file_len ||
             s->zero_len > s->file_len - (s->zero_start - s->map_start)))
            return 0;
    }
    return 1;
}

/* Structural checks on the request (the plans themselves are proven). */
/*@ assigns \nothing;
    ensures \result != 0 ==>
      g_msg.req.nhandles <= PM_STUB_MAX_HANDLES && g_msg.req.has_interp <= 1 &&
      1 <= g_msg.req.execfn_len <= PM_STUB_EXECFN_MAX &&
      g_nrecv == 1 + g_msg.req.has_interp + g_msg.req.nhandles &&
      stub_plan_shape(&g_msg.req.prog) &&
      (g_msg.req.has_interp != 0 ==> stub_plan_shape(&g_msg.req.interp)) &&
      \forall integer k; 0 <= k < g_msg.req.nhandles ==>
        0 <= g_msg.req.handle_target[k] < PM_STUB_FD_LIMIT;
 */
static int stub_request_ok(void)
{
    const pm_stub_request *q = &g_req;

    if (q->magic != PM_STUB_MAGIC || q->version != PM_STUB_VERSION ||
        q->nhandles > PM_STUB_MAX_HANDLES || q->has_interp > 1 ||
        g_nrecv != 1u + q->has_interp + q->nhandles ||
        q->execfn_len < 1 || q->execfn_len > PM_STUB_EXECFN_MAX ||
        q->execfn[q->execfn_len - 1] != '\0')
        return 0;
    if (!stub_plan_ok(&q->prog) || (q->has_interp && !stub_plan_ok(&q->interp)))
        return 0;
    return stub_targets_ok(q->handle_target, q->nhandles);
}

/* Move the control socket and every received fd to PM_STUB_FD_LIMIT and
 * above, so no handle target can collide with them.  Returns the control
 * socket's new number, or a negative errno. */
long stub_lift_fds(void)
{
    long ctl = stub_sys_dupfd(PM_STUB_CTL_FD, PM_STUB_FD_LIMIT);
    uint32_t i;

    if (ctl < 0)
        return ctl;
    (void)stub_sys1(SYS_close, PM_STUB_CTL_FD);
    /*@ loop invariant 0 <= i <= g_nrecv;
        loop invariant \forall integer k; 0 <= k < i ==> PM_STUB_FD_LIMIT <= g_recv_fd[k];
        loop assigns i, g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1];
        loop variant g_nrecv - i;
     */
    for (i = 0; i < g_nrecv; i++) {
        long h = stub_sys_dupfd(g_recv_fd[i], PM_STUB_FD_LIMIT);
        if (h < 0)
            return h;
        (void)stub_sys1(SYS_close, g_recv_fd[i]);
        g_recv_fd[i] = (int)h;
    }
    return ctl;
}

/* The bits are distinct: their sum is their union (and reads as such in
 * the proof: no W+X in, no W+X out). */
uint64_t stub_prot(uint32_t p)
{
    return ((p & PM_PROT_R) ? STUB_PROT_READ : 0u) +
           ((p & PM_PROT_W) ? STUB_PROT_WRITE : 0u) +
           ((p & PM_PROT_X) ? STUB_PROT_EXEC : 0u);
}

long stub_mmap_at(uint64_t addr, uint64_t len, uint64_t prot, long flags, long fd, uint64_t off)
{
    long r = stub_sys_mmap(addr, len, prot, flags | STUB_MAP_PRIVATE | STUB_MAP_FIXED_NOREPLACE,
                           fd, off);
    if (r < 0 && r > -4096)
        return r;
    if ((uint64_t)r != addr) {
        /* A kernel without MAP_FIXED_NOREPLACE treats it as a hint. */
        (void)stub_sys_munmap((uint64_t)r, len);
        return -17; /* EEXIST */
    }
    return 0;
}

/* Map one segment: file pages, cleared tail of the last file page,
 * anonymous pages; never writable and executable at once. */
/*@ requires \valid_read(s) && stub_seg_ok(s);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long stub_map_segment(const pm_elf_segment *s, int fd)
{
    uint64_t prot = stub_prot(s->prot);
    long r = 0;

    if (s->file_len > 0) {
        uint64_t first = s->zero_len > 0 ? (STUB_PROT_READ | STUB_PROT_WRITE) : prot;
        r = stub_mmap_at(s->map_start, s->file_len, first, 0, fd, s->file_off);
        if (r == 0 && s->zero_len > 0) {
            stub_tgt_clear(s->zero_start, s->zero_len, s->map_start,
                           s->map_start + s->file_len);
            if (first != prot)
                r = stub_sys_mprotect(s->map_start, s->file_len, prot);
        }
    }
    if (r == 0 && s->map_len > s->file_len)
        r = stub_mmap_at(s->map_start + s->file_len, s->map_len - s->file_len, prot,
                         STUB_MAP_ANONYMOUS, -1, 0);
    return r;
}

/*@ requires \valid_read(p) && stub_plan_shape(p);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long stub_map_plan(const pm_elf_plan *p, int fd)
{
    long r = 0;
    uint32_t i;

    /*@ loop invariant 0 <= i <= p->nseg && -4095 <= r <= 0;
        loop assigns i, r;
        loop variant p->nseg - i;
     */
    for (i = 0; i < p->nseg && r == 0; i++)
        r = stub_map_segment(&p->seg[i], fd);
    return r;
}

/* Close every fd >= PM_STUB_FD_LIMIT except a and b (both in that range). */
/*@ requires PM_STUB_FD_LIMIT <= a <= 2147483647 && PM_STUB_FD_LIMIT <= b <= 2147483647;
    assigns \nothing;
 */
static void stub_close_above(long a, long b)
{
    long lo = a < b ? a : b, hi = a < b ? b : a;

    if (lo > PM_STUB_FD_LIMIT)
        (void)stub_sys3(SYS_close_range, PM_STUB_FD_LIMIT, lo - 1, 0);
    if (hi > lo + 1)
        (void)stub_sys3(SYS_close_range, lo + 1, hi - 1, 0);
    (void)stub_sys3(SYS_close_range, hi + 1, 0x7fffffffL, 0);
}

long stub_place_fds(uint32_t first, const int32_t *target, uint32_t n,
                    uint32_t close_from)
{
    uint8_t keep[PM_STUB_FD_LIMIT] = { 0 };
    uint32_t i;

    /*@ loop invariant 0 <= i <= n;
        loop assigns i, keep[0 .. PM_STUB_FD_LIMIT - 1];
        loop variant n - i;
     */
    for (i = 0; i < n; i++) {
        long r = stub_sys3(SYS_dup3, g_recv_fd[first + i], target[i], 0);
        if (r < 0)
            return r;
        keep[target[i]] = 1;
    }
    /*@ loop invariant close_from <= i && (close_from <= g_nrecv ==> i <= g_nrecv);
        loop assigns i;
        loop variant g_nrecv - i;
     */
    for (i = close_from; i < g_nrecv; i++)
        (void)stub_sys1(SYS_close, g_recv_fd[i]);
    stub_close_gaps(keep);
    return 0;
}

/* Place the handles; the program's image fd (received first) stays open
 * for the trampoline (exe link), every other received fd is closed. */
/*@ requires g_msg.req.nhandles <= PM_STUB_MAX_HANDLES && g_msg.req.has_interp <= 1;
    requires g_nrecv == 1 + g_msg.req.has_interp + g_msg.req.nhandles;
    requires \forall integer k; 0 <= k < g_msg.req.nhandles ==>
               0 <= g_msg.req.handle_target[k] < PM_STUB_FD_LIMIT;
    requires PM_STUB_FD_LIMIT <= ctl <= 2147483647 && PM_STUB_FD_LIMIT <= g_recv_fd[0];
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long stub_place_handles(long ctl)
{
    const pm_stub_request *q = &g_req;
    long r = stub_place_fds(1u + q->has_interp, q->handle_target, q->nhandles, 1);

    if (r != 0)
        return r;
    /* Above the targets only the control socket and the image fd remain. */
    stub_close_above(ctl, g_recv_fd[0]);
    return 0;
}

void stub_close_gaps(const uint8_t *keep)
{
    uint32_t i;
    long lo = -1;

    /*@ loop invariant 0 <= i <= PM_STUB_FD_LIMIT + 1;
        loop invariant -1 <= lo < i;
        loop assigns i, lo;
        loop variant PM_STUB_FD_LIMIT + 1 - i;
     */
    for (i = 0; i <= PM_STUB_FD_LIMIT; i++) {
        int gap = i < PM_STUB_FD_LIMIT && !keep[i];
        if (gap && lo < 0)
            lo = (long)i;
        if (!gap && lo >= 0) {
            if (stub_sys3(SYS_close_range, lo, (long)i - 1, 0) == -STUB_ENOSYS) {
                long f;
                /*@ loop invariant lo <= f <= i;
                    loop assigns f;
                    loop variant i - f;
                 */
                for (f = lo; f < (long)i; f++)
                    (void)stub_sys1(SYS_close, f);
            }
            lo = -1;
        }
    }
}

/* Initial stack of the program, written below the kernel's: execfn string,
 * then (16-byte aligned) argc, argv[], NULL, envp[], NULL, auxv pairs.
 * argv/envp point at the kernel-copied strings, so mm->arg_start..env_end
 * (what /proc/PID/cmdline and environ show) are already the program's. */
typedef struct stub_image {
    uint64_t sp;
    uint64_t auxv;           /* address of the first auxv pair */
    uint32_t auxv_bytes;
    uint64_t execfn;
} stub_image;

/* Pair n of the vector a: (tag, val).  The next n. */
/*@ requires n < STUB_AUX_MAX && \valid(a + (0 .. 2 * STUB_AUX_MAX - 1));
    assigns a[2 * n], a[2 * n + 1];
    ensures \result == n + 1;
 */
static uint32_t stub_aux(uint64_t *a, uint32_t n, uint64_t tag, uint64_t val)
{
    a[2u * n] = tag;
    a[2u * n + 1u] = val;
    return n + 1u;
}

/* The program's auxiliary vector into a[]: its number of pairs, AT_NULL
 * included. */
/*@ requires \valid(a + (0 .. 2 * STUB_AUX_MAX - 1)) && \valid_read(k);
    requires \separated(a + (0 .. 2 * STUB_AUX_MAX - 1), k, &g_msg);
    assigns a[0 .. 2 * STUB_AUX_MAX - 1];
    ensures 1 <= \result <= STUB_AUX_MAX;
 */
static uint32_t stub_build_auxv(uint64_t *a, const stub_kstack *k, uint64_t execfn)
{
    const pm_stub_request *q = &g_req;
    uint64_t base = q->has_interp ? q->interp.bias : 0;
    uint32_t n = 0;

    if (k->aux.sysinfo_ehdr)
        n = stub_aux(a, n, AT_SYSINFO_EHDR, k->aux.sysinfo_ehdr);
    if (k->aux.minsigstksz)
        n = stub_aux(a, n, AT_MINSIGSTKSZ, k->aux.minsigstksz);
    if (k->aux.rseq_feature_size) {
        n = stub_aux(a, n, AT_RSEQ_FEATURE_SIZE, k->aux.rseq_feature_size);
        n = stub_aux(a, n, AT_RSEQ_ALIGN, k->aux.rseq_align);
    }
    n = stub_aux(a, n, AT_HWCAP, k->aux.hwcap);
    n = stub_aux(a, n, AT_PAGESZ, STUB_PAGE);
    n = stub_aux(a, n, AT_CLKTCK, k->aux.clktck);
    n = stub_aux(a, n, AT_PHDR, q->prog.phdr_addr);
    n = stub_aux(a, n, AT_PHENT, q->prog.phentsize);
    n = stub_aux(a, n, AT_PHNUM, q->prog.phnum);
    n = stub_aux(a, n, AT_BASE, base);
    n = stub_aux(a, n, AT_FLAGS, 0);
    n = stub_aux(a, n, AT_ENTRY, q->prog.entry);
    n = stub_aux(a, n, AT_UID, k->aux.uid);
    n = stub_aux(a, n, AT_EUID, k->aux.euid);
    n = stub_aux(a, n, AT_GID, k->aux.gid);
    n = stub_aux(a, n, AT_EGID, k->aux.egid);
    n = stub_aux(a, n, AT_SECURE, k->aux.secure);
    n = stub_aux(a, n, AT_RANDOM, k->aux.random);
    n = stub_aux(a, n, AT_HWCAP2, k->aux.hwcap2);
    n = stub_aux(a, n, AT_EXECFN, execfn);
    if (k->aux.platform)
        n = stub_aux(a, n, AT_PLATFORM, k->aux.platform);
    n = stub_aux(a, n, AT_NULL, 0);
    return n;
}

/* No segment of plan p meets [lo, hi). */
/*@ requires \valid_read(p) && stub_plan_shape(p);
    assigns \nothing;
 */
static int stub_plan_clear_of(const pm_elf_plan *p, uint64_t lo, uint64_t hi)
{
    uint32_t i;

    /*@ loop invariant 0 <= i <= p->nseg;
        loop assigns i;
        loop variant p->nseg - i;
     */
    for (i = 0; i < p->nseg; i++) {
        const pm_elf_segment *s = &p->seg[i];
        if (s->map_start < hi && lo < s->map_start + s->map_len)
            return 0;
    }
    return 1;
}

/* The program's stack, below the kernel's %rsp, inside the room of
 * STUB_KSTACK_BELOW bytes under it: 0, -E2BIG when it does not fit there,
 * -EEXIST when a segment of the plans lies where it would go, or the
 * errno of getrandom.  Every read of the kernel's stack lies inside the
 * walk stub_kstack_check accepted, every write inside the room. */
/*@ requires \valid_read(k) && stub_kstack_ok(k) && \valid(img);
    requires \separated(img, k, &g_msg);
    requires 1 <= g_msg.req.execfn_len <= PM_STUB_EXECFN_MAX;
    requires g_msg.req.has_interp <= 1 && stub_plan_shape(&g_msg.req.prog) &&
             (g_msg.req.has_interp != 0 ==> stub_plan_shape(&g_msg.req.interp));
    assigns *img;
    ensures -4095 <= \result <= 0;
    ensures \result == 0 ==> k->base - 1048576 <= img->sp < k->base &&
              img->sp % 16 == 0 && 1 <= img->auxv_bytes / 16 <= STUB_AUX_MAX;
 */
static long stub_build_stack(const stub_kstack *k, stub_image *img)
{
    uint64_t aux[2 * STUB_AUX_MAX];
    uint32_t naux, j;
    uint64_t hi = k->base, lo = k->base - STUB_KSTACK_BELOW;
    uint64_t top, words, sp, w, i;
    long r;

    /* Fresh AT_RANDOM bytes, in place of the kernel's. */
    if (k->aux.random == 0)
        return -22;
    r = stub_getrandom_at(k->aux.random, 16);
    if (r != 16)
        return r < 0 ? r : -5;
    top = hi - g_req.execfn_len;
    stub_kput(top, g_req.execfn, g_req.execfn_len, lo, hi);
    img->execfn = top;
    top -= top % 16u;
    naux = stub_build_auxv(aux, k, img->execfn);
    /* argc, argv[] and NULL, envp[] and NULL, the pairs: below top, with
     * 15 bytes to spare for the alignment of sp */
    if (k->argc > STUB_KSTACK_BELOW || k->envc > STUB_KSTACK_BELOW)
        return -7;      /* E2BIG */
    words = 1u + (k->argc + 1u) + (k->envc + 1u) + 2u * naux;
    if (8u * words + 16u > top - lo)
        return -7;      /* E2BIG */
    sp = top - 8u * words;
    sp -= sp % 16u;
    if (!stub_plan_clear_of(&g_req.prog, sp, hi) ||
        (g_req.has_interp && !stub_plan_clear_of(&g_req.interp, sp, hi)))
        return -17;     /* EEXIST */
    w = sp;
    stub_kpoke64(w, k->argc, lo, hi);
    w += 8u;
    /*@ loop invariant 0 <= i <= k->argc + 1 && w == sp + 8 + 8 * i;
        loop assigns i, w;
        loop variant k->argc + 1 - i;
     */
    for (i = 0; i <= k->argc; i++) {
        stub_kpoke64(w, stub_kpeek64(k->argv + 8u * i, k->base, k->end), lo, hi);
        w += 8u;
    }
    /*@ loop invariant 0 <= i <= k->envc + 1;
        loop invariant w == sp + 8 + 8 * (k->argc + 1) + 8 * i;
        loop assigns i, w;
        loop variant k->envc + 1 - i;
     */
    for (i = 0; i <= k->envc; i++) {
        stub_kpoke64(w, stub_kpeek64(k->envp + 8u * i, k->base, k->end), lo, hi);
        w += 8u;
    }
    img->auxv = w;
    img->auxv_bytes = naux * 16u;
    /*@ loop invariant 0 <= j <= 2 * naux;
        loop invariant w == sp + 8 + 8 * (k->argc + 1) + 8 * (k->envc + 1) + 8 * j;
        loop assigns j, w;
        loop variant 2 * naux - j;
     */
    for (j = 0; j < 2u * naux; j++) {
        stub_kpoke64(w, aux[j], lo, hi);
        w += 8u;
    }
    img->sp = sp;
    return 0;
}

/* One past the NUL of the kernel's string at s, or 0 when it has none
 * within STUB_KSTR_MAX bytes (never, for a string of the kernel's exec):
 * prctl then refuses the map (arg_end or env_end 0), which degrades. */
/*@ assigns \nothing;
    ensures \result == 0 || s < \result <= s + STUB_KSTR_MAX;
 */
static uint64_t stub_str_end(uint64_t s)
{
    uint64_t n;

    if (s > UINT64_MAX - STUB_KSTR_MAX)
        return 0;
    n = stub_kstrlen(s);
    return n < STUB_KSTR_MAX ? s + n + 1 : 0;
}

/* The prctl_mm_map that makes /proc/PID/auxv and stat's code, data and
 * stack bounds follow the program (exe_fd -1: unchanged).  PR_SET_MM_MAP
 * with it returns 0 or -errno (-EPERM without the capability older kernels
 * want, -EINVAL without CONFIG_CHECKPOINT_RESTORE): the caller degrades. */
/*@ requires \valid_read(k) && stub_kstack_ok(k) && 1 <= k->argc;
    requires \valid_read(img) && \valid(mp) && \separated(mp, k, img, &g_msg);
    requires stub_plan_shape(&g_msg.req.prog);
    assigns *mp;
 */
static void stub_mm_map_fill(const stub_kstack *k, const stub_image *img,
                             struct stub_prctl_mm_map *mp)
{
    const pm_elf_plan *p = &g_req.prog;
    struct stub_prctl_mm_map m = { 0 };
    uint64_t code_lo = 0, code_hi = 0, data_lo = 0, data_hi = 0, cur_brk;
    uint32_t i;

    /*@ loop invariant 0 <= i <= p->nseg;
        loop assigns i, code_lo, code_hi, data_lo, data_hi;
        loop variant p->nseg - i;
     */
    for (i = 0; i < p->nseg; i++) {
        const pm_elf_segment *s = &p->seg[i];
        if ((s->prot & PM_PROT_X) && code_hi == 0) {
            code_lo = s->map_start;
            code_hi = s->map_start + s->map_len;
        }
        if ((s->prot & PM_PROT_W) && data_hi == 0) {
            data_lo = s->map_start;
            data_hi = s->map_start + s->map_len;
        }
    }
    if (data_hi == 0) {
        data_lo = p->span_end;
        data_hi = p->span_end;
    }
    cur_brk = stub_sys_brk_now();
    m.start_code = code_lo;
    m.end_code = code_hi;
    m.start_data = data_lo;
    m.end_data = data_hi;
    m.start_brk = cur_brk;
    m.brk = cur_brk;
    m.start_stack = img->sp;
    m.arg_start = stub_kpeek64(k->argv, k->base, k->end);
    m.arg_end = stub_str_end(stub_kpeek64(k->argv + 8u * (k->argc - 1u), k->base, k->end));
    m.env_start = k->envc ? stub_kpeek64(k->envp, k->base, k->end) : m.arg_end;
    m.env_end = k->envc ? stub_str_end(stub_kpeek64(k->envp + 8u * (k->envc - 1u),
                                                    k->base, k->end))
                        : m.arg_end;
    m.auxv = img->auxv;
    m.auxv_size = img->auxv_bytes;
    m.exe_fd = 0xffffffffu;
    *mp = m;
}

void stub_set_comm(const char *execfn, uint64_t max)
{
    char name[16] = { 0 };
    uint64_t e, b = 0, n;

    /* e: the NUL (or max), b: after the last '/' before it */
    /*@ loop invariant 0 <= b <= e <= max;
        loop assigns e, b;
        loop variant max - e;
     */
    for (e = 0; e < max && execfn[e] != '\0'; e++)
        if (execfn[e] == '/')
            b = e + 1;
    /* at most 15 bytes and the NUL name[] starts with */
    /*@ loop invariant 0 <= n <= 15 && b + n <= e;
        loop assigns n, name[0 .. 14];
        loop variant 15 - n;
     */
    for (n = 0; n < 15 && b + n < e; n++)
        name[n] = execfn[b + n];
    (void)stub_sys_set_name(name);
}

/* After a syscall at q - 2: the end of the run of "xor r32, r32" (opcode
 * 31 or 45 31, register-direct, the same register twice) clearing a
 * register other than %esp, read inside [q, e). */
/*@ requires lo <= q <= e <= hi;
    assigns \nothing;
    ensures q <= \result <= e;
 */
static uint64_t gadget_clears(uint64_t q, uint64_t e, uint64_t lo, uint64_t hi)
{
    uint8_t m;

    /*@ loop invariant \at(q, Pre) <= q <= e;
        loop assigns q, m;
        loop variant e - q;
     */
    for (;;) {
        if (e - q > 1 && stub_vdso8(q, lo, hi) == 0x31) {
            m = stub_vdso8(q + 1, lo, hi);
            if ((m & 0xc0) == 0xc0 && ((m >> 3) & 7) == (m & 7) && (m & 7) != 4 /* esp */) {
                q += 2;
                continue;
            }
        }
        if (e - q > 2 && stub_vdso8(q, lo, hi) == 0x45 && stub_vdso8(q + 1, lo, hi) == 0x31) {
            m = stub_vdso8(q + 2, lo, hi);
            if ((m & 0xc0) == 0xc0 && ((m >> 3) & 7) == (m & 7)) {
                q += 3;
                continue;
            }
        }
        break;
    }
    return q;
}

/* The first "syscall; (xor r32,r32)*; ret" in [s, e) (of the vDSO's
 * executable segment), or 0. */
/*@ requires lo <= s <= e <= hi;
    assigns \nothing;
    ensures \result == 0 || s <= \result < e;
 */
static uint64_t gadget_in(uint64_t s, uint64_t e, uint64_t lo, uint64_t hi)
{
    uint64_t j, q;

    /*@ loop invariant s <= j <= e;
        loop assigns j, q;
        loop variant e - j;
     */
    for (j = s; e - j >= 3; j++) {
        if (stub_vdso8(j, lo, hi) != 0x0f || stub_vdso8(j + 1, lo, hi) != 0x05)
            continue;
        q = gadget_clears(j + 2, e, lo, hi);
        if (q < e && stub_vdso8(q, lo, hi) == 0xc3)
            return j;
    }
    return 0;
}

/* A "syscall; (xor r32,r32)*; ret" sequence in the vDSO's executable
 * segment: after the syscall nothing but clearing of registers other than
 * %esp, then ret.  The vDSO is the kernel's, mapped by the exec of the
 * stub; it is read only inside its first STUB_VDSO_MAX bytes, where its
 * header, its program header table (the first 16 entries) and the
 * segment must lie. */
uint64_t stub_find_gadget(uint64_t vdso)
{
    uint64_t lo = vdso, hi, phoff, phnum, i, w, off, filesz, g;

    if (vdso == 0 || vdso > UINT64_MAX - STUB_VDSO_MAX)
        return 0;
    hi = vdso + STUB_VDSO_MAX;
    if (stub_vdso8(vdso, lo, hi) != 0x7f || stub_vdso8(vdso + 1, lo, hi) != 'E' ||
        stub_vdso8(vdso + 2, lo, hi) != 'L' || stub_vdso8(vdso + 3, lo, hi) != 'F')
        return 0;
    phoff = stub_vdso64(vdso + 32, lo, hi);             /* e_phoff */
    phnum = stub_vdso64(vdso + 56, lo, hi) % 65536u;    /* e_phnum */
    if (phoff > STUB_VDSO_MAX - 16u * 56u)
        return 0;
    /*@ loop invariant 0 <= i <= 16;
        loop assigns i, w, off, filesz, g;
        loop variant 16 - i;
     */
    for (i = 0; i < phnum && i < 16; i++) {
        uint64_t ph = vdso + phoff + i * 56u;
        w = stub_vdso64(ph, lo, hi);                    /* p_type, p_flags */
        off = stub_vdso64(ph + 8, lo, hi);              /* p_offset */
        filesz = stub_vdso64(ph + 32, lo, hi);          /* p_filesz */
        if (w % 4294967296u != 1 || ((w / 4294967296u) & 1) == 0 || filesz > 65536 ||
            off > STUB_VDSO_MAX - filesz)
            continue;
        g = gadget_in(vdso + off, vdso + off + filesz, lo, hi);
        if (g != 0)
            return g;
    }
    return 0;
}

/* The vDSO gadget, found once (stub_tramp_prepare) and used again when
 * leaving: the scan is not repeated on the way to the entry. */
uint64_t g_gadget;
uint32_t g_gadget_found;

/*@ assigns g_gadget, g_gadget_found; */
static uint64_t gadget_of(uint64_t vdso)
{
    if (!g_gadget_found) {
        g_gadget = stub_find_gadget(vdso);
        g_gadget_found = 1;
    }
    return g_gadget;
}

long stub_tramp_prepare(uint64_t vdso, uint32_t *flags)
{
    long page = stub_sys_mmap(0, STUB_PAGE, STUB_PROT_READ | STUB_PROT_WRITE,
                              STUB_MAP_PRIVATE | STUB_MAP_ANONYMOUS, -1, 0);
    long err;

    if (page < 0)
        return page;
    if ((uint64_t)page % STUB_PAGE != 0)
        return -22;     /* EINVAL: not a page mmap returns */
    stub_tramp_copy((uint64_t)page);
    err = stub_sys_mprotect((uint64_t)page, STUB_PAGE, STUB_PROT_READ | STUB_PROT_EXEC);
    if (err != 0)
        return err;
    if (gadget_of(vdso) == 0)
        *flags |= PM_STUB_R_TRAMP_LEFT;
    return page;
}

uint64_t stub_tramp_exe_map(long page, const struct stub_prctl_mm_map *m, long exe_fd)
{
    struct stub_prctl_mm_map copy = *m;
    uint64_t at;
    long err;

    /* a page stub_tramp_prepare made, an fd (an int), room after the code */
    if (page < 0 || (uint64_t)page % STUB_PAGE != 0 || exe_fd < 0 || exe_fd > 2147483647 ||
        stub_tramp_size() > STUB_TRAMP_MAP_OFF)
        return 0;
    at = (uint64_t)page + STUB_TRAMP_MAP_OFF;
    copy.exe_fd = (uint32_t)exe_fd;
    err = stub_sys_mprotect((uint64_t)page, STUB_PAGE, STUB_PROT_READ | STUB_PROT_WRITE);
    if (err == 0) {
        stub_tramp_put_map(at, &copy);
        err = stub_sys_mprotect((uint64_t)page, STUB_PAGE, STUB_PROT_READ | STUB_PROT_EXEC);
    }
    return err == 0 ? at : 0;
}

long stub_tramp_set_ids(long page, uint32_t euid, uint32_t egid)
{
    long err;

    if (page < 0 || (uint64_t)page % STUB_PAGE != 0 || stub_tramp_size() > STUB_TRAMP_MAP_OFF)
        return -22;     /* EINVAL: no trampoline page */
    err = stub_sys_mprotect((uint64_t)page, STUB_PAGE, STUB_PROT_READ | STUB_PROT_WRITE);
    if (err == 0) {
        stub_tramp_put_ids((uint64_t)page + STUB_TRAMP_IDS_OFF, euid, egid);
        err = stub_sys_mprotect((uint64_t)page, STUB_PAGE, STUB_PROT_READ | STUB_PROT_EXEC);
    }
    return err;
}

_Noreturn void stub_leave(long ctl, uint64_t sp, uint64_t entry, uint64_t vdso,
                          long page, uint64_t exe_map, long exe_fd)
{
    uint64_t lo, hi;

    stub_self_range(&lo, &hi);
    (void)stub_sys1(SYS_close, ctl);
    if (exe_map == 0 && exe_fd >= 0)       /* else the trampoline closes it */
        (void)stub_sys1(SYS_close, exe_fd);
    stub_tramp_call((uint64_t)page, lo, hi - lo, sp, entry, gadget_of(vdso), exe_map);
    stub_exit(126);     /* the trampoline came back: nothing of the program ran */
}

/* Plan mode (pm_linux_spawn): the request carries the validated plans.
 * The request check and the stack walk's check come first: their
 * postconditions are what stub_build_stack and the maps require. */
/*@ requires \valid_read(kp);
    requires \separated(kp, &g_msg, g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1), &g_nrecv,
                        &g_gadget, &g_gadget_found);
    requires g_nrecv <= STUB_MAX_RECV_FDS;
    assigns g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1], g_gadget, g_gadget_found;
    ensures \false;
 */
static _Noreturn void stub_plan_main(stub_kstack *kp)
{
    stub_kstack k = *kp;
    stub_image img;
    struct stub_prctl_mm_map mm_map;
    uint64_t exe_map;
    long err = 0, ctl, mm, page;
    uint64_t entry;
    uint32_t flags = 0;
    uint8_t go = 0;

    if (!stub_request_ok() || !stub_kstack_check(&k) || k.argc < 1)
        stub_fail(PM_STUB_CTL_FD, PM_E_LINUX_STUB_PROTOCOL, 0, PM_STUB_STAGE_CHECK);
    ctl = stub_lift_fds();
    if (ctl < 0)
        stub_fail(PM_STUB_CTL_FD, PM_E_LINUX_STUB_FDS, ctl, PM_STUB_STAGE_FDS);

    err = stub_map_plan(&g_req.prog, g_recv_fd[0]);
    if (err == 0 && g_req.has_interp)
        err = stub_map_plan(&g_req.interp, g_recv_fd[1]);
    if (err != 0)
        stub_fail((int)ctl, PM_E_LINUX_STUB_MAP, err, PM_STUB_STAGE_MAP);
    err = stub_place_handles(ctl);
    if (err != 0)
        stub_fail((int)ctl, PM_E_LINUX_STUB_FDS, err, PM_STUB_STAGE_FDS);

    err = stub_build_stack(&k, &img);
    if (err != 0)
        stub_fail((int)ctl, PM_E_LINUX_STUB_STACK, err, PM_STUB_STAGE_STACK);
    stub_mm_map_fill(&k, &img, &mm_map);
    mm = stub_sys_mm_map(&mm_map, (long)sizeof mm_map);
    if (mm == 0)
        flags |= PM_STUB_R_MM_MAP;
    stub_set_comm(g_req.execfn, PM_STUB_EXECFN_MAX);

    /* The exit trampoline, in a page of its own.  Its PR_SET_MM_MAP (with
     * exe_fd) reads its struct from the trampoline page: nothing else of
     * the stub survives to then. */
    page = stub_tramp_prepare(k.aux.sysinfo_ehdr, &flags);
    if (page < 0 && page > -4096)
        stub_fail((int)ctl, PM_E_LINUX_STUB_FINAL, page, PM_STUB_STAGE_FINAL);
    exe_map = mm == 0 ? stub_tramp_exe_map(page, &mm_map, g_recv_fd[0]) : 0;

    entry = g_req.has_interp ? g_req.interp.entry : g_req.prog.entry;
    stub_reply((int)ctl, PM_OK, 0, PM_STUB_STAGE_READY, flags,
               (int32_t)(mm < 0 ? -mm : 0), entry, img.sp);

    if ((g_req.flags & PM_STUB_WAIT_START) &&
        (stub_recv_byte(ctl, &go) != 1 || go != PM_STUB_GO))
        stub_exit(127);
    stub_leave(ctl, img.sp, entry, k.aux.sysinfo_ehdr, page, exe_map, g_recv_fd[0]);
}

/* The stub's first message: what its exec gave it. */
/*@ requires \valid_read(k);
    assigns \nothing;
 */
static void stub_hello(const stub_kstack *k)
{
    pm_stub_hello h = { 0 };

    h.magic = PM_STUB_HELLO_MAGIC;
    h.version = PM_STUB_VERSION;
    h.sysinfo_ehdr = k->aux.sysinfo_ehdr;
    h.hwcap = k->aux.hwcap;
    h.hwcap2 = k->aux.hwcap2;
    h.clktck = k->aux.clktck;
    h.minsigstksz = k->aux.minsigstksz;
    h.rseq_feature_size = k->aux.rseq_feature_size;
    h.rseq_align = k->aux.rseq_align;
    h.uid = k->aux.uid;
    h.euid = k->aux.euid;
    h.gid = k->aux.gid;
    h.egid = k->aux.egid;
    (void)stub_send(PM_STUB_CTL_FD, &h, sizeof h);
}

/*@ assigns g_msg, g_nrecv, g_cbuf[0 .. STUB_CBUF_WORDS - 1],
            g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1], g_gadget, g_gadget_found;
    ensures \false;
 */
_Noreturn void pm_stub_main(uint64_t *ksp)
{
    stub_kstack k;
    long err = 0, len = 0;
    uint32_t stage;

    stub_reset_signals();
    stub_read_kstack(ksp, &k);
    stub_hello(&k);
    stage = stub_recv(&err, &len);
    if (stage == 0 && len == 0)
        stub_exit(127);     /* the parent went away before sending anything */
    if (stage != 0)
        stub_fail(PM_STUB_CTL_FD, PM_E_LINUX_STUB_PROTOCOL, err, stage);
    if (g_msg.req.magic == PM_STUB_MAGIC && (size_t)len == sizeof g_msg.req)
        stub_plan_main(&k);
    if (g_msg.build.magic == PM_STUB_BUILD_MAGIC && (uint64_t)len >= PM_STUB_BUILD_HEAD)
        stub_ops_main(&k, (uint64_t)len);
    stub_fail(PM_STUB_CTL_FD, PM_E_LINUX_STUB_PROTOCOL, 0, PM_STUB_STAGE_CHECK);
}
