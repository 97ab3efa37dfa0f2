/*
 * Raw Linux x86-64 system calls for the stub loader, which has no libc.
 * Each returns the kernel's value: >= 0 on success, -errno on failure.
 */
#ifndef PROCMGR_STUB_SYS_H
#define PROCMGR_STUB_SYS_H

#include <stddef.h>
#include <stdint.h>

#define SYS_read            0
#define SYS_write           1
#define SYS_close           3
#define SYS_fstat           5
#define SYS_pread64         17
#define SYS_mmap            9
#define SYS_mprotect        10
#define SYS_munmap          11
#define SYS_brk             12
#define SYS_rt_sigaction    13
#define SYS_rt_sigprocmask  14
#define SYS_sendmsg         46
#define SYS_recvmsg         47
#define SYS_fcntl           72
#define SYS_chdir           80
#define SYS_fchdir          81
#define SYS_umask           95
#define SYS_mount           165
#define SYS_unshare         272
#define SYS_open_tree       428
#define SYS_move_mount      429
#define SYS_prctl           157
#define SYS_exit_group      231
#define SYS_dup3            292
#define SYS_getrandom       318
#define SYS_close_range     436

#define STUB_PROT_READ      1
#define STUB_PROT_WRITE     2
#define STUB_PROT_EXEC      4
#define STUB_MAP_PRIVATE    0x02
#define STUB_MAP_FIXED      0x10
#define STUB_MAP_ANONYMOUS  0x20
#define STUB_MAP_FIXED_NOREPLACE 0x100000
#define STUB_F_DUPFD        0
#define STUB_F_DUPFD_CLOEXEC 1030
#define STUB_PR_SET_NAME    15
#define STUB_PR_SET_MM      35
#define STUB_PR_SET_MM_MAP  14
#define STUB_SOL_SOCKET     1
#define STUB_SCM_RIGHTS     1
#define STUB_MSG_CMSG_CLOEXEC 0x40000000
#define STUB_EINTR          4
#define STUB_ENOSYS         38
#define STUB_EPERM          1
#define STUB_ENOENT         2
#define STUB_ENOTDIR        20
#define STUB_CLONE_NEWNS    0x00020000
#define STUB_MS_REC         16384
#define STUB_MS_PRIVATE     (1 << 18)
#define STUB_OPEN_TREE_CLONE 1
#define STUB_O_CLOEXEC      0x80000
#define STUB_AT_FDCWD       (-100)
#define STUB_AT_EMPTY_PATH  0x1000
#define STUB_MOVE_MOUNT_F_EMPTY_PATH 0x4

/*
 * The system-call wrappers are the stub's only inline assembly (with
 * memcpy/memset of stub.c and start.S).  Frama-C (proof-stub, -D__FRAMAC__)
 * does not read their bodies: it sees the prototypes and ACSL contracts
 * in the #else branches below, which state what the proof assumes of each
 * call (spec/linux-loader.md section 12).  The generic wrappers
 * stub_sys1/3/6 are used only for calls that write no memory of the
 * stub's own (close, dup3, close_range, exit_group, fchdir...); the typed
 * wrappers below them carry the memory calls (whose contracts require no
 * W+X) and the calls taking pointers; a write into the process being
 * built goes through the primitives of stub_internal.h.
 */
#ifndef __FRAMAC__
static inline long stub_sys1(long n, long a)
{
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
    return r;
}

static inline long stub_sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile ("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c)
                      : "rcx", "r11", "memory");
    return r;
}

static inline long stub_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile ("syscall" : "=a"(r)
                      : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                      : "rcx", "r11", "memory");
    return r;
}
#else
/* What the proof assumes of a generic call: it writes no memory of the
 * stub's and returns the kernel's value, -errno (-4095..-1) or >= 0. */
/*@ assigns \nothing;
    ensures -4095 <= \result;
 */
long stub_sys1(long n, long a);
/*@ assigns \nothing;
    ensures -4095 <= \result;
 */
long stub_sys3(long n, long a, long b, long c);
/*@ assigns \nothing;
    ensures -4095 <= \result;
 */
long stub_sys6(long n, long a, long b, long c, long d, long e, long f);
#endif

/* The memory calls, typed: addresses, lengths and protections are the
 * unsigned 64-bit register values the kernel reads, so no C conversion
 * between long and uint64_t is left in the proven callers (the wrappers
 * pass the same bits in the same registers).  prot is STUB_PROT_* bits;
 * the contracts refuse W+X (prot 6 or 7): no call of the stub ever asks
 * the kernel for writable and executable pages. */
/*@ predicate stub_prot_ok(integer prot) = 0 <= prot <= 5; */
/*@ requires stub_prot_ok(prot);
    assigns \nothing;
    ensures -4095 <= \result;
 */
#ifndef __FRAMAC__
static inline long stub_sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, long flags,
                                 long fd, uint64_t off)
{
    return stub_sys6(SYS_mmap, (long)addr, (long)len, (long)prot, flags, fd, (long)off);
}
#else
long stub_sys_mmap(uint64_t addr, uint64_t len, uint64_t prot, long flags, long fd,
                   uint64_t off);
#endif

/*@ assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
#ifndef __FRAMAC__
static inline long stub_sys_munmap(uint64_t addr, uint64_t len)
{
    return stub_sys3(SYS_munmap, (long)addr, (long)len, 0);
}
#else
long stub_sys_munmap(uint64_t addr, uint64_t len);
#endif

/*@ requires stub_prot_ok(prot);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
#ifndef __FRAMAC__
static inline long stub_sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot)
{
    return stub_sys3(SYS_mprotect, (long)addr, (long)len, (long)prot);
}
#else
long stub_sys_mprotect(uint64_t addr, uint64_t len, uint64_t prot);
#endif

/* fcntl(fd, F_DUPFD_CLOEXEC, min): the new descriptor (an int, >= min)
 * or -errno. */
/*@ assigns \nothing;
    ensures -4095 <= \result <= 2147483647;
    ensures \result >= 0 ==> \result >= min;
 */
#ifndef __FRAMAC__
static inline long stub_sys_dupfd(long fd, long min)
{
    return stub_sys3(SYS_fcntl, fd, STUB_F_DUPFD_CLOEXEC, min);
}
#else
long stub_sys_dupfd(long fd, long min);
#endif

/* brk(0): the current program break, an address. */
/*@ assigns \nothing; */
#ifndef __FRAMAC__
static inline uint64_t stub_sys_brk_now(void)
{
    return (uint64_t)stub_sys1(SYS_brk, 0);
}
#else
uint64_t stub_sys_brk_now(void);
#endif

struct stub_prctl_mm_map;
struct stub_sigaction;

/* Calls that take pointers the kernel only reads (paths, a message
 * header, a struct): the wrappers turn them into register values, so the
 * proven callers hold no pointer-to-integer conversion.  They write no
 * memory of the stub's. */
#ifndef __FRAMAC__
static inline long stub_sys_chdir(const char *path)
{
    return stub_sys1(SYS_chdir, (long)path);
}
static inline long stub_sys_fchdir(long fd)
{
    return stub_sys1(SYS_fchdir, fd);
}
/* prctl(PR_SET_NAME, name): the kernel reads at most 16 bytes */
static inline long stub_sys_set_name(const char *name)
{
    return stub_sys3(SYS_prctl, STUB_PR_SET_NAME, (long)name, 0);
}
static inline long stub_sys_open_tree(long dfd, const char *path, long flags)
{
    return stub_sys3(SYS_open_tree, dfd, (long)path, flags);
}
static inline long stub_sys_unshare(long flags)
{
    return stub_sys1(SYS_unshare, flags);
}
/* mount(NULL, target, NULL, flags, NULL): propagation flags only */
static inline long stub_sys_mount_flags(const char *target, long flags)
{
    return stub_sys6(SYS_mount, 0, (long)target, 0, flags, 0, 0);
}
static inline long stub_sys_move_mount(long from_dfd, const char *from, long to_dfd,
                                       const char *to, long flags)
{
    return stub_sys6(SYS_move_mount, from_dfd, (long)from, to_dfd, (long)to, flags, 0);
}
static inline long stub_sys_sendmsg(long fd, const void *msg, long flags)
{
    return stub_sys3(SYS_sendmsg, fd, (long)msg, flags);
}
/* rt_sigaction(sig, sa, NULL, 8): no old action is written */
static inline long stub_sys_sigaction(long sig, const struct stub_sigaction *sa)
{
    return stub_sys6(SYS_rt_sigaction, sig, (long)sa, 0, 8, 0, 0);
}
/* rt_sigprocmask(SIG_SETMASK, mask, NULL, 8): no old mask is written */
static inline long stub_sys_setmask(const uint64_t *mask)
{
    return stub_sys6(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)mask, 0, 8, 0, 0);
}
/* prctl(PR_SET_MM, PR_SET_MM_MAP, m, size) */
static inline long stub_sys_mm_map(const struct stub_prctl_mm_map *m, long size)
{
    return stub_sys6(SYS_prctl, STUB_PR_SET_MM, STUB_PR_SET_MM_MAP, (long)m, size, 0, 0);
}
#else
/* chdir and fchdir return 0 or -errno. */
/*@ assigns \nothing; ensures -4095 <= \result <= 0; */
long stub_sys_chdir(const char *path);
/*@ assigns \nothing; ensures -4095 <= \result <= 0; */
long stub_sys_fchdir(long fd);
/*@ requires \valid_read(name + (0 .. 15));
    assigns \nothing;
    ensures -4095 <= \result;
 */
long stub_sys_set_name(const char *name);
/*@ assigns \nothing; ensures -4095 <= \result; */
long stub_sys_open_tree(long dfd, const char *path, long flags);
/*@ assigns \nothing; ensures -4095 <= \result <= 0; */
long stub_sys_unshare(long flags);
/*@ assigns \nothing; ensures -4095 <= \result <= 0; */
long stub_sys_mount_flags(const char *target, long flags);
/*@ assigns \nothing; ensures -4095 <= \result <= 0; */
long stub_sys_move_mount(long from_dfd, const char *from, long to_dfd, const char *to,
                         long flags);
/*@ assigns \nothing; ensures -4095 <= \result; */
long stub_sys_sendmsg(long fd, const void *msg, long flags);
/*@ requires \valid_read(sa);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
long stub_sys_sigaction(long sig, const struct stub_sigaction *sa);
/*@ requires \valid_read(mask);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
long stub_sys_setmask(const uint64_t *mask);
/*@ requires \valid_read(m);
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
long stub_sys_mm_map(const struct stub_prctl_mm_map *m, long size);
#endif

/* The size of the open file fd (fstat's st_size, offset 48 of the
 * kernel's 144-byte struct stat on x86-64): 0 or -errno. */
/*@ requires \valid(size);
    assigns *size;
    ensures -4095 <= \result <= 0;
 */
#ifndef __FRAMAC__
static inline long stub_fstat_size(long fd, uint64_t *size)
{
    uint64_t st[18];
    long r;

    st[6] = 0;
    r = stub_sys3(SYS_fstat, fd, (long)st, 0);
    if (r < -4095 || r > 0)
        r = -5;     /* not a value fstat returns: treat as EIO */
    *size = r == 0 ? st[6] : 0;
    return r;
}
#else
long stub_fstat_size(long fd, uint64_t *size);
#endif

/* Socket message structures, as the kernel lays them out on x86-64. */
struct stub_iovec {
    void *base;
    size_t len;
};

struct stub_msghdr {
    void *name;
    uint32_t namelen;
    uint32_t pad0;
    struct stub_iovec *iov;
    size_t iovlen;
    void *control;
    size_t controllen;
    int32_t flags;
    uint32_t pad1;
};

struct stub_cmsghdr {
    size_t len;
    int32_t level;
    int32_t type;
};

/* struct prctl_mm_map (linux/prctl.h) */
struct stub_prctl_mm_map {
    uint64_t start_code, end_code, start_data, end_data;
    uint64_t start_brk, brk, start_stack;
    uint64_t arg_start, arg_end, env_start, env_end;
    uint64_t auxv;
    uint32_t auxv_size;
    uint32_t exe_fd;
};

/* struct sigaction as rt_sigaction takes it on x86-64. */
struct stub_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

/*
 * recvmsg(fd, one iovec {buf, len}, control ctl[0 .. ctl_bytes), flags):
 * the kernel's result; *ctl_len gets the control bytes written and
 * *msg_flags the message flags.  Trusted, not proven: the proof sees the
 * typed wrappers of stub_internal.h (one per buffer type), whose
 * contracts say which C objects the kernel writes.
 */
#ifndef __FRAMAC__
static inline long stub_sys_recvmsg(long fd, void *buf, size_t len, uint64_t *ctl,
                                    size_t ctl_bytes, long flags, uint64_t *ctl_len,
                                    int32_t *msg_flags)
{
    struct stub_iovec iov;
    struct stub_msghdr msg = { 0 };
    long r;

    iov.base = buf;
    iov.len = len;
    msg.iov = &iov;
    msg.iovlen = 1;
    msg.control = ctl;
    msg.controllen = ctl_bytes;
    r = stub_sys3(SYS_recvmsg, fd, (long)&msg, flags);
    *ctl_len = msg.controllen;
    *msg_flags = msg.flags;
    return r;
}
#endif

#endif /* PROCMGR_STUB_SYS_H */
