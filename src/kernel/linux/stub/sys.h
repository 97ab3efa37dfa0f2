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
 * The system-call wrappers are the stub's only inline assembly (with the
 * target-memory primitives of stub_internal.h and start.S).  Frama-C
 * (proof-stub) does not read their bodies: it sees the ACSL contracts of
 * stub_sys_acsl.h instead, which state what the proof assumes of each
 * call.  The generic wrappers stub_sys1/3/6 are used only for calls that
 * write no memory of the stub's own (close, dup3, fcntl, mmap without a
 * C object at the address, mprotect, munmap, sendmsg, prctl, chdir...);
 * every call that writes memory has a wrapper of its own below, whose
 * contract says exactly what it writes.
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

#endif /* PROCMGR_STUB_SYS_H */
