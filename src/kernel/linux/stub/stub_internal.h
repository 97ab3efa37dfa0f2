/*
 * Internals shared by the stub's sources: stub.c (entry, plan mode, the
 * helpers below) and stub_ops.c (ops mode: the kernel.h backend's
 * recorded construction).  Not an interface; see stub_proto.h for the wire
 * format and spec/linux-loader.md.
 */
#ifndef PROCMGR_STUB_INTERNAL_H
#define PROCMGR_STUB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "stub_proto.h"
#include "sys.h"

#define STUB_PAGE         4096ull
#define STUB_MAX_RECV_FDS (PM_STUB_MAX_IMAGES + 1 + PM_STUB_MAX_SLOTS + 1 + PM_STUB_MAX_MOUNTS)

/* Auxiliary vector tags (elf.h AT_*). */
#define AT_NULL           0
#define AT_PHDR           3
#define AT_PHENT          4
#define AT_PHNUM          5
#define AT_PAGESZ         6
#define AT_BASE           7
#define AT_FLAGS          8
#define AT_ENTRY          9
#define AT_UID            11
#define AT_EUID           12
#define AT_GID            13
#define AT_EGID           14
#define AT_PLATFORM       15
#define AT_HWCAP          16
#define AT_CLKTCK         17
#define AT_SECURE         23
#define AT_RANDOM         25
#define AT_HWCAP2         26
#define AT_RSEQ_FEATURE_SIZE 27
#define AT_RSEQ_ALIGN     28
#define AT_EXECFN         31
#define AT_SYSINFO_EHDR   33
#define AT_MINSIGSTKSZ    51

/* Values the kernel gave the stub in its own auxiliary vector. */
typedef struct stub_kaux {
    uint64_t sysinfo_ehdr, hwcap, hwcap2, clktck, minsigstksz;
    uint64_t rseq_feature_size, rseq_align;
    uint64_t uid, euid, gid, egid, secure, platform, random, execfn;
} stub_kaux;

/* The kernel-made stack: counts and addresses in it. */
typedef struct stub_kstack {
    uint64_t base;           /* initial %rsp: &argc */
    uint64_t argc;
    uint64_t argv;           /* argv[0] */
    uint64_t envc;
    uint64_t envp;           /* envp[0] */
    uint64_t auxv;           /* the first auxv pair */
    uint64_t end;            /* one past the AT_NULL pair */
    stub_kaux aux;
} stub_kstack;

/* Room for the program's stack below the kernel's %rsp (plan mode), and
 * the part of the kernel's stack VMA ops mode drops below it. */
#define STUB_KSTACK_BELOW (1ull << 20)

/* The one message the stub reads after its hello: a plan request or a
 * build (the magic says which). */
typedef union stub_msg {
    pm_stub_request req;
    pm_stub_build   build;
    uint8_t         room[sizeof(pm_stub_build) + PM_STUB_INLINE_MAX];  /* + inline data */
} stub_msg;

/* Hidden: the position-independent stub reaches these directly, without a
 * GOT (a static ET_EXEC has none the linker could relax to with clang). */
#pragma GCC visibility push(hidden)

extern stub_msg g_msg;
extern int g_recv_fd[STUB_MAX_RECV_FDS];
extern uint32_t g_nrecv;

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/*@ predicate stub_is_map(integer kind) =
      kind == PM_STUB_OP_MAP_IMAGE || kind == PM_STUB_OP_MAP_ZERO;
    predicate stub_paged(integer kind) =
      kind != PM_STUB_OP_WRITE && kind != PM_STUB_OP_ZERO;
    predicate stub_wx(integer prot) =
      (prot & PM_PROT_W) != 0 && (prot & PM_PROT_X) != 0;

    // One op in shape: what op_ok checks (spec/linux-loader.md section 12).
    predicate stub_op_shape(pm_stub_build *b, pm_stub_op *o) =
      PM_STUB_OP_MAP_IMAGE <= o->kind <= PM_STUB_OP_ZERO &&
      o->prot <= 7 && !stub_wx(o->prot) &&
      0 < o->len && o->vaddr + o->len <= UINT64_MAX &&
      (stub_paged(o->kind) ==> o->vaddr % 4096 == 0 && o->len % 4096 == 0) &&
      (o->kind == PM_STUB_OP_MAP_IMAGE ==> o->image < b->nimages) &&
      (o->kind == PM_STUB_OP_WRITE ==> o->off + o->len <= UINT64_MAX) &&
      (o->kind == PM_STUB_OP_WRITE && b->has_data == 0 ==>
         o->off + o->len <= b->data_len);

    // [lo, hi) inside one map op among ops [0, i).
    predicate stub_in_map(pm_stub_build *b, integer i, integer lo, integer hi) =
      \exists integer j; 0 <= j < i && stub_is_map(b->op[j].kind) &&
        b->op[j].vaddr <= lo && hi <= b->op[j].vaddr + b->op[j].len;

    // Op i as build_ok accepts it: in shape, and a non-map op inside an
    // earlier map (op_fits).
    predicate stub_op_checked(pm_stub_build *b, integer i) =
      stub_op_shape(b, &b->op[i]) &&
      (!stub_is_map(b->op[i].kind) ==>
         stub_in_map(b, i, b->op[i].vaddr, b->op[i].vaddr + b->op[i].len));

    // Memory of the process being built: inside a map op of the build.
    predicate stub_built(integer lo, integer hi) =
      stub_in_map(&g_msg.build, g_msg.build.nops, lo, hi);
 */

/*
 * Target memory: the pages the build's map ops made, at raw addresses
 * that are no C object.  These primitives are the only writes to them
 * (op_poke); proof-stub sees their contracts, which require the range to
 * lie inside a map op of the checked build and assign nothing of the
 * stub's memory.  That last point is the trusted part (spec/linux-loader.md
 * section 12): every map is MAP_FIXED_NOREPLACE and stub_mmap_at checks it
 * landed where asked, so the kernel kept it off every page of the stub
 * (image, .bss, stack); the build's UNMAPs only remove pages of its maps.
 */
/*@ requires 0 < n && stub_built(to, to + n);
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_tgt_zero(uint64_t to, uint64_t n)
{
    memset((void *)(uintptr_t)to, 0, n);
}
#else
void stub_tgt_zero(uint64_t to, uint64_t n);
#endif

/*@ requires 0 < n && stub_built(to, to + n);
    requires \valid_read(src + (0 .. n - 1));
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_tgt_copy(uint64_t to, const uint8_t *src, uint64_t n)
{
    memcpy((void *)(uintptr_t)to, src, n);
}
#else
void stub_tgt_copy(uint64_t to, const uint8_t *src, uint64_t n);
#endif

/* pread64(fd, to, n, off) into target memory: bytes read (<= n) or -errno. */
/*@ requires 0 < n && stub_built(to, to + n);
    assigns \nothing;
    ensures -4095 <= \result <= n;
 */
#ifndef __FRAMAC__
static inline long stub_tgt_pread(long fd, uint64_t to, uint64_t n, uint64_t off)
{
    return stub_sys6(SYS_pread64, fd, (long)to, (long)n, (long)off, 0, 0);
}
#else
long stub_tgt_pread(long fd, uint64_t to, uint64_t n, uint64_t off);
#endif
/*@ assigns \nothing;
    ensures \false;
 */
_Noreturn void stub_exit(int code);

/* One datagram on the control socket, no fds: the kernel's result.  The
 * kernel only reads buf (a bad buffer is its EFAULT, no write of ours). */
/*@ assigns \nothing;
    ensures -4095 <= \result;
 */
long stub_send(long fd, const void *buf, size_t len);

/*
 * Receiving, typed: one recvmsg wrapper per buffer the stub receives into
 * (the kernel writes bytes; WP's typed memory model follows a write only
 * through a pointer of the object's type).  Trusted system calls
 * (spec/linux-loader.md section 12): each writes only the buffer it is
 * given (and the control words and lengths named) and returns the
 * kernel's value, at most the buffer's size (a datagram longer than the
 * buffer is cut, never written past it).
 */
/* Control words: one cmsghdr (16 bytes) and up to STUB_MAX_RECV_FDS fds,
 * with room to spare, as 8-byte words (cmsghdr's alignment). */
#define STUB_CBUF_WORDS ((16u + STUB_MAX_RECV_FDS * 4u) / 8u + 2u)
/* The request or build, into *m; the control bytes into ctl[]. */
/*@ requires \valid(m) && \valid(ctl + (0 .. STUB_CBUF_WORDS - 1));
    requires \valid(ctl_len) && \valid(mflags);
    requires \separated(m, ctl + (0 .. STUB_CBUF_WORDS - 1), ctl_len, mflags);
    assigns *m, ctl[0 .. STUB_CBUF_WORDS - 1], *ctl_len, *mflags;
    ensures -4095 <= \result <= sizeof(stub_msg);
    ensures \result >= 0 ==> *ctl_len <= STUB_CBUF_WORDS * 8;
 */
#ifndef __FRAMAC__
static inline long stub_recvmsg_msg(long fd, stub_msg *m, uint64_t *ctl, uint64_t *ctl_len,
                                    int32_t *mflags)
{
    return stub_sys_recvmsg(fd, m, sizeof *m, ctl, STUB_CBUF_WORDS * 8u,
                            STUB_MSG_CMSG_CLOEXEC, ctl_len, mflags);
}
#else
long stub_recvmsg_msg(long fd, stub_msg *m, uint64_t *ctl, uint64_t *ctl_len,
                      int32_t *mflags);
#endif
/* "go" of ops mode, into *g. */
/*@ requires \valid(g);
    assigns *g;
    ensures -4095 <= \result <= sizeof(pm_stub_go);
 */
#ifndef __FRAMAC__
static inline long stub_recvmsg_go(long fd, pm_stub_go *g)
{
    uint64_t cl;
    int32_t fl;
    return stub_sys_recvmsg(fd, g, sizeof *g, NULL, 0, 0, &cl, &fl);
}
#else
long stub_recvmsg_go(long fd, pm_stub_go *g);
#endif
/* "go" of plan mode: one byte, into *b. */
/*@ requires \valid(b);
    assigns *b;
    ensures -4095 <= \result <= 1;
 */
#ifndef __FRAMAC__
static inline long stub_recvmsg_byte(long fd, uint8_t *b)
{
    uint64_t cl;
    int32_t fl;
    return stub_sys_recvmsg(fd, b, 1, NULL, 0, 0, &cl, &fl);
}
#else
long stub_recvmsg_byte(long fd, uint8_t *b);
#endif
/* The same, again while interrupted (EINTR). */
/*@ requires \valid(g);
    assigns *g;
    ensures -4095 <= \result <= sizeof(pm_stub_go);
 */
long stub_recv_go(long fd, pm_stub_go *g);
/*@ requires \valid(b);
    assigns *b;
    ensures -4095 <= \result <= 1;
 */
long stub_recv_byte(long fd, uint8_t *b);
/* Handle targets distinct and in [0, PM_STUB_FD_LIMIT). */
/*@ requires n <= PM_STUB_MAX_SLOTS;
    requires \valid_read(target + (0 .. n - 1));
    assigns \nothing;
    ensures \result != 0 ==> \forall integer i; 0 <= i < n ==>
              0 <= target[i] < PM_STUB_FD_LIMIT;
 */
int stub_targets_ok(const int32_t *target, uint32_t n);

/*@ requires -2147483647 <= err <= 2147483647;
    assigns \nothing;
 */
void stub_reply(int fd, int32_t status, long err, uint32_t stage,
                uint32_t flags, int32_t mm_err, uint64_t entry, uint64_t sp);
/*@ requires -2147483647 <= err <= 2147483647;
    assigns \nothing;
 */
void stub_reply_op(int fd, int32_t status, long err, uint32_t stage, uint32_t flags,
                   int32_t mm_err, uint64_t entry, uint64_t sp, uint32_t op);
/* Report a failure and exit (127) without ever running the program. */
/*@ requires -2147483647 <= err <= 2147483647;
    requires -2147483648 <= status <= 2147483647;
    assigns \nothing;
    ensures \false;
 */
_Noreturn void stub_fail(int fd, pm_status status, long err, uint32_t stage);

/* Trusted (section 12): the walk of the kernel's exec layout from ksp,
 * plain C reading it as the kernel wrote it; what plan mode relies on is
 * checked after (stub_kstack_check), ops mode only reads its aux values
 * and the kernel's AT_EXECFN string (drop_kernel_stack). */
/*@ requires \valid(k);
    assigns *k;
 */
void stub_read_kstack(uint64_t *ksp, stub_kstack *k);

/*@ // The kernel-made stack as stub_read_kstack walked it: argc, argv[]
    // and its NULL, envp[] and its NULL, at least one auxv pair, in order,
    // word-aligned, inside [base, end); the room below base in the
    // address space.
    predicate stub_kstack_ok(stub_kstack *k) =
      k->base % 8 == 0 && 1048576 <= k->base && k->base < k->end &&
      k->argv == k->base + 8 && k->argv + 8 * (k->argc + 1) <= k->end &&
      k->envp == k->argv + 8 * (k->argc + 1) && k->envp + 8 * (k->envc + 1) <= k->end &&
      k->auxv == k->envp + 8 * (k->envc + 1) && k->auxv + 16 <= k->end &&
      k->end <= UINT64_MAX;
 */

/*
 * The kernel-made stack of the stub's own exec (plan mode), at raw
 * addresses that are no C object of the stub's (it runs on its own stack,
 * start.S).  stub_kpeek64 reads a word of the part stub_read_kstack walked
 * ([base, end), as stub_kstack_check accepted it); stub_kpoke64 and
 * stub_kput write the program's stack below base, inside [base -
 * STUB_KSTACK_BELOW, base): the stack VMA the kernel's exec expanded, or
 * its growth below it (a page that cannot grow faults the stub before the
 * program runs).  The bounds are the contracts' only (the bodies ignore
 * them): proof-stub shows every access inside them; that the ranges are
 * the kernel's stack is trusted (spec/linux-loader.md section 12), and
 * stub_build_stack checks that no segment of the plans lies in the part
 * it writes.
 */
/*@ requires lo <= a && a + 8 <= hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline uint64_t stub_kpeek64(uint64_t a, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    return *(const uint64_t *)(uintptr_t)a;
}
#else
uint64_t stub_kpeek64(uint64_t a, uint64_t lo, uint64_t hi);
#endif

/*@ requires lo <= a && a + 8 <= hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_kpoke64(uint64_t a, uint64_t v, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    *(uint64_t *)(uintptr_t)a = v;
}
#else
void stub_kpoke64(uint64_t a, uint64_t v, uint64_t lo, uint64_t hi);
#endif

/*@ requires 0 < n && lo <= a && a + n <= hi;
    requires \valid_read(src + (0 .. n - 1));
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_kput(uint64_t a, const char *src, uint64_t n, uint64_t lo,
                             uint64_t hi)
{
    (void)lo;
    (void)hi;
    memcpy((void *)(uintptr_t)a, src, n);
}
#else
void stub_kput(uint64_t a, const char *src, uint64_t n, uint64_t lo, uint64_t hi);
#endif

/*
 * The kernel's strings (plan mode's argv and envp strings, the AT_EXECFN
 * string of both modes): read byte by byte through stub_kpeek8, whose
 * contract bounds each read to [lo, hi).  stub_kstrlen reads a string
 * only inside [s, s + STUB_KSTR_MAX), STUB_KSTR_MAX being the kernel's
 * MAX_ARG_STRLEN (32 pages, the NUL included): its exec copies no longer
 * string, so a string the kernel's pointer names has its NUL there and no
 * byte after the NUL is read.  That the pointer names such a string in
 * the readable stack is the kernel's exec ABI (trusted, section 12).
 */
#define STUB_KSTR_MAX (32ull * 4096ull)

/*@ requires lo <= a < hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline char stub_kpeek8(uint64_t a, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    return *(const char *)(uintptr_t)a;
}
#else
char stub_kpeek8(uint64_t a, uint64_t lo, uint64_t hi);
#endif

/* Bytes before the NUL of the kernel's string at s, or STUB_KSTR_MAX when
 * none of its first STUB_KSTR_MAX bytes is one. */
/*@ requires s <= UINT64_MAX - STUB_KSTR_MAX;
    assigns \nothing;
    ensures \result <= STUB_KSTR_MAX;
 */
uint64_t stub_kstrlen(uint64_t s);

/* getrandom(a, n, 0) at a raw address: the kernel's AT_RANDOM bytes, in
 * its initial stack above the auxiliary vector (trusted: the kernel's own
 * pointer).  The bytes written or -errno. */
/*@ assigns \nothing;
    ensures -4095 <= \result <= n;
 */
#ifndef __FRAMAC__
static inline long stub_getrandom_at(uint64_t a, uint64_t n)
{
    return stub_sys3(SYS_getrandom, (long)a, (long)n, 0);
}
#else
long stub_getrandom_at(uint64_t a, uint64_t n);
#endif
/*@ assigns \nothing; */
void stub_reset_signals(void);
/* Move the control socket and every received fd to PM_STUB_FD_LIMIT and
 * above; the control socket's new number or a negative errno. */
/*@ requires g_nrecv <= STUB_MAX_RECV_FDS;
    assigns g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1];
    ensures -4095 <= \result <= 2147483647;
    ensures \result >= 0 ==> \result >= PM_STUB_FD_LIMIT &&
              \forall integer k; 0 <= k < g_nrecv ==>
                PM_STUB_FD_LIMIT <= g_recv_fd[k];
 */
long stub_lift_fds(void);
/* Plan mode: clear [to, to + n) inside [lo, hi), the file pages of a
 * segment stub_mmap_at has just mapped (MAP_FIXED_NOREPLACE: no page of
 * the stub's).  The bounds are the contract's only. */
/*@ requires 0 < n && lo <= to && to + n <= hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_tgt_clear(uint64_t to, uint64_t n, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    memset((void *)(uintptr_t)to, 0, n);
}
#else
void stub_tgt_clear(uint64_t to, uint64_t n, uint64_t lo, uint64_t hi);
#endif

/*
 * Reads of the initial stack the core built (after "go"): raw addresses
 * in [lo, hi), the readable mapping holding sp that pm_stub_go names.  The
 * bounds are the contract's only (the body ignores them): proof-stub shows
 * that every read the stub makes of that stack lies inside them.  That the
 * parent's bounds are readable is trusted (spec/linux-loader.md section
 * 12); if they were not, the stub would fault before the program runs.
 */
/*@ requires lo <= a && a + 8 <= hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline uint64_t stub_peek64(uint64_t a, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    return *(const uint64_t *)(uintptr_t)a;
}
#else
uint64_t stub_peek64(uint64_t a, uint64_t lo, uint64_t hi);
#endif

/*@ requires lo <= a < hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline char stub_peek8(uint64_t a, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    return *(const char *)(uintptr_t)a;
}
#else
char stub_peek8(uint64_t a, uint64_t lo, uint64_t hi);
#endif

/*@ assigns \nothing;
    ensures \result <= 7;
    ensures !stub_wx(p) ==> stub_prot_ok(\result);
 */
uint64_t stub_prot(uint32_t p);
/* mmap(MAP_PRIVATE|MAP_FIXED_NOREPLACE | flags) exactly at addr: 0 or -errno. */
/*@ requires stub_prot_ok(prot);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
long stub_mmap_at(uint64_t addr, uint64_t len, uint64_t prot, long flags, long fd,
                  uint64_t off);
/* dup3 received fd first + i to target[i] (without close-on-exec), close
 * the received fds from index close_from on, then every fd below
 * PM_STUB_FD_LIMIT that is no target.  0 or -errno. */
/*@ requires g_nrecv <= STUB_MAX_RECV_FDS && first + n <= g_nrecv;
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    requires \valid_read(target + (0 .. n - 1));
    requires \forall integer k; 0 <= k < n ==> 0 <= target[k] < PM_STUB_FD_LIMIT;
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
long stub_place_fds(uint32_t first, const int32_t *target, uint32_t n,
                    uint32_t close_from);
/* Close every fd below PM_STUB_FD_LIMIT whose keep[] entry is 0. */
/*@ requires \valid_read(keep + (0 .. PM_STUB_FD_LIMIT - 1));
    assigns \nothing;
 */
void stub_close_gaps(const uint8_t *keep);
/* comm = the basename of execfn (a C string, read only inside
 * execfn[0 .. max)), as an exec of the program would set it. */
/*@ requires 0 < max && \valid_read(execfn + (0 .. max - 1));
    assigns \nothing;
 */
void stub_set_comm(const char *execfn, uint64_t max);

/* The vDSO's "syscall; ret" gadget (stub.c), found once: gadget_of keeps
 * it here for the jump (the scan is not repeated on the way out). */
extern uint64_t g_gadget;
extern uint32_t g_gadget_found;

/*
 * The vDSO the kernel mapped for the stub's exec (AT_SYSINFO_EHDR), read
 * by the gadget scan through stub_vdso8/stub_vdso64 only inside [lo, hi):
 * its first STUB_VDSO_MAX bytes, and of them only the ELF header, the
 * program header table and an executable PT_LOAD its own header names
 * (stub_find_gadget checks each lies inside).  The x86-64 vDSO is two
 * pages, its PT_LOAD at offset 0 (the scan took no segment over 64 KiB
 * before).  That the vDSO's header is the kernel's is trusted (section
 * 12): the bytes it names are its image, mapped readable.
 */
#define STUB_VDSO_MAX 65536ull

/*@ requires lo <= a < hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline uint8_t stub_vdso8(uint64_t a, uint64_t lo, uint64_t hi)
{
    (void)lo;
    (void)hi;
    return *(const uint8_t *)(uintptr_t)a;
}
#else
uint8_t stub_vdso8(uint64_t a, uint64_t lo, uint64_t hi);
#endif

/* Eight bytes, little-endian, at any alignment. */
/*@ requires lo <= a && a + 8 <= hi;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline uint64_t stub_vdso64(uint64_t a, uint64_t lo, uint64_t hi)
{
    uint64_t v;

    (void)lo;
    (void)hi;
    memcpy(&v, (const void *)(uintptr_t)a, sizeof v);
    return v;
}
#else
uint64_t stub_vdso64(uint64_t a, uint64_t lo, uint64_t hi);
#endif

/* The vDSO gadget's address (inside its executable PT_LOAD), or 0 when
 * there is none. */
/*@ assigns \nothing;
    ensures \result == 0 || vdso <= \result < vdso + STUB_VDSO_MAX;
 */
uint64_t stub_find_gadget(uint64_t vdso);

/*
 * The exit trampoline (start.S's pm_stub_tramp .. pm_stub_tramp_end) in a
 * page of its own.  stub_tramp_size is its length; stub_tramp_copy writes
 * it at the start of page, stub_tramp_put_map a prctl_mm_map at `at`:
 * raw writes into the anonymous page stub_tramp_prepare has mapped (the
 * kernel chose it, off every page of the stub's), no C object of the
 * stub's.  Trusted (spec/linux-loader.md section 12): the page is the one
 * mapped, the trampoline fits in it (about 100 bytes; stub_tramp_exe_map
 * checks it ends before the struct's place).
 */
/*@ assigns \nothing; */
#ifndef __FRAMAC__
extern char pm_stub_tramp[];
extern char pm_stub_tramp_end[];
static inline uint64_t stub_tramp_size(void)
{
    return (uint64_t)(pm_stub_tramp_end - pm_stub_tramp);
}
#else
uint64_t stub_tramp_size(void);
#endif

/*@ requires page % 4096 == 0;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_tramp_copy(uint64_t page)
{
    memcpy((void *)(uintptr_t)page, pm_stub_tramp, stub_tramp_size());
}
#else
void stub_tramp_copy(uint64_t page);
#endif

/*@ requires at % 4096 == 2048;
    requires \valid_read(m);
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_tramp_put_map(uint64_t at, const struct stub_prctl_mm_map *m)
{
    memcpy((void *)(uintptr_t)at, m, sizeof *m);
}
#else
void stub_tramp_put_map(uint64_t at, const struct stub_prctl_mm_map *m);
#endif

/* The set-id request's place in the trampoline page: u32 1 (set them),
 * euid, egid (start.S reads them at these offsets). */
#define STUB_TRAMP_IDS_OFF 3072u
/*@ requires at % 4096 == 3072;
    assigns \nothing;
 */
#ifndef __FRAMAC__
static inline void stub_tramp_put_ids(uint64_t at, uint32_t euid, uint32_t egid)
{
    const uint32_t ids[3] = { 1u, euid, egid };
    memcpy((void *)(uintptr_t)at, ids, sizeof ids);
}
#else
void stub_tramp_put_ids(uint64_t at, uint32_t euid, uint32_t egid);
#endif

/* Map the exit trampoline r-x in a page of its own: the page or -errno;
 * sets PM_STUB_R_TRAMP_LEFT in *flags when the vDSO has no gadget. */
/*@ requires \valid(flags) && \separated(flags, &g_gadget, &g_gadget_found);
    assigns *flags, g_gadget, g_gadget_found;
    ensures -4095 <= \result;
    ensures \result >= 0 ==> \result % 4096 == 0;
 */
long stub_tramp_prepare(uint64_t vdso, uint32_t *flags);
/* Put a copy of *m with exe_fd into the trampoline page for the
 * trampoline's own PR_SET_MM_MAP; its address, or 0 (then none is made). */
/*@ requires \valid_read(m);
    assigns \nothing;
 */
uint64_t stub_tramp_exe_map(long page, const struct stub_prctl_mm_map *m, long exe_fd);
/* Ask the trampoline in page to set the effective and saved uid and gid to
 * euid and egid (setresgid, then setresuid, the real ids kept) after its
 * PR_SET_MM_MAP: 0, or -errno (no page, or it could not be written). */
/*@ assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
long stub_tramp_set_ids(long page, uint32_t euid, uint32_t egid);
/* The stub's own pages, [lo, hi): from the page of its first byte to the
 * end of its .bss rounded up (linker symbols), what the trampoline unmaps. */
/*@ requires \valid(lo) && \valid(hi) && \separated(lo, hi);
    assigns *lo, *hi;
    ensures *lo <= *hi;
 */
#ifndef __FRAMAC__
extern char __executable_start[];
extern char _end[];
static inline void stub_self_range(uint64_t *lo, uint64_t *hi)
{
    *lo = (uint64_t)(uintptr_t)__executable_start & ~(STUB_PAGE - 1);
    *hi = ((uint64_t)(uintptr_t)_end + STUB_PAGE - 1) & ~(STUB_PAGE - 1);
}
#else
void stub_self_range(uint64_t *lo, uint64_t *hi);
#endif

/* Call the trampoline copied at page (start.S, section 5): unmap [lo, lo +
 * len), (exe_map) PR_SET_MM_MAP with exe_fd from the struct at exe_map and
 * close it, clear the registers, jump to entry with %rsp = sp through the
 * gadget (0: from the page, left mapped).  Trusted: assembly; it does not
 * come back once the stub is unmapped. */
/*@ requires page % 4096 == 0;
    assigns \nothing;
 */
#ifndef __FRAMAC__
typedef void (*stub_tramp_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t,
                              uint64_t);
static inline void stub_tramp_call(uint64_t page, uint64_t lo, uint64_t len, uint64_t sp,
                                   uint64_t entry, uint64_t gadget, uint64_t exe_map)
{
    stub_tramp_fn fn = (stub_tramp_fn)(uintptr_t)page;
    fn(lo, len, sp, entry, gadget, page, exe_map);
}
#else
void stub_tramp_call(uint64_t page, uint64_t lo, uint64_t len, uint64_t sp, uint64_t entry,
                     uint64_t gadget, uint64_t exe_map);
#endif

/* Close the control socket and leave through the trampoline: unmap the
 * stub, (exe_map) set /proc/PID/exe and close exe_fd, jump to entry. */
/*@ requires 0 <= page && page % 4096 == 0;
    assigns g_gadget, g_gadget_found;
    ensures \false;
 */
_Noreturn void stub_leave(long ctl, uint64_t sp, uint64_t entry, uint64_t vdso,
                          long page, uint64_t exe_map, long exe_fd);

/* Ops mode (stub_ops.c): the build received (len bytes in g_msg), its
 * g_nrecv fds (as stub_recv returns them), the kernel-made stack k. */
/*@ requires \valid_read(k);
    requires \separated(k, &g_msg, g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1), &g_nrecv,
                        &g_gadget, &g_gadget_found);
    requires g_nrecv <= STUB_MAX_RECV_FDS;
    assigns g_recv_fd[0 .. STUB_MAX_RECV_FDS - 1], g_gadget, g_gadget_found;
    ensures \false;
 */
_Noreturn void stub_ops_main(stub_kstack *k, uint64_t len);

#pragma GCC visibility pop

#endif /* PROCMGR_STUB_INTERNAL_H */
