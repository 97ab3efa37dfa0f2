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

/* The kernel-made stack: counts and pointers into it. */
typedef struct stub_kstack {
    uint64_t *base;          /* initial %rsp: &argc */
    uint64_t argc;
    char **argv;
    uint64_t envc;
    char **envp;
    uint64_t *auxv;
    stub_kaux aux;
} stub_kstack;

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
size_t stub_strlen(const char *s);
_Noreturn void stub_exit(int code);

/* One datagram on the control socket, no fds: the kernel's result. */
long stub_send(long fd, const void *buf, size_t len);
long stub_recv_plain(long fd, void *buf, size_t len);
/* Handle targets distinct and in [0, PM_STUB_FD_LIMIT). */
/*@ requires n <= PM_STUB_MAX_SLOTS;
    requires \valid_read(target + (0 .. n - 1));
    assigns \nothing;
    ensures \result != 0 ==> \forall integer i; 0 <= i < n ==>
              0 <= target[i] < PM_STUB_FD_LIMIT;
 */
int stub_targets_ok(const int32_t *target, uint32_t n);

void stub_reply(int fd, int32_t status, long err, uint32_t stage,
                uint32_t flags, int32_t mm_err, uint64_t entry, uint64_t sp);
void stub_reply_op(int fd, int32_t status, long err, uint32_t stage, uint32_t flags,
                   int32_t mm_err, uint64_t entry, uint64_t sp, uint32_t op);
/* Report a failure and exit (127) without ever running the program. */
_Noreturn void stub_fail(int fd, pm_status status, long err, uint32_t stage);

void stub_read_kstack(uint64_t *ksp, stub_kstack *k);
void stub_reset_signals(void);
/* Move the control socket and every received fd to PM_STUB_FD_LIMIT and
 * above; the control socket's new number or a negative errno. */
long stub_lift_fds(void);
/*@ assigns \nothing; */
uint64_t stub_prot(uint32_t p);
/* mmap(MAP_PRIVATE|MAP_FIXED_NOREPLACE | flags) exactly at addr: 0 or -errno. */
long stub_mmap_at(uint64_t addr, uint64_t len, uint64_t prot, long flags, long fd,
                  uint64_t off);
/* dup3 received fd first + i to target[i] (without close-on-exec), close
 * the received fds from index close_from on, then every fd below
 * PM_STUB_FD_LIMIT that is no target.  0 or -errno. */
long stub_place_fds(uint32_t first, const int32_t *target, uint32_t n,
                    uint32_t close_from);
/* Close every fd below PM_STUB_FD_LIMIT whose keep[] entry is 0. */
void stub_close_gaps(const uint8_t *keep);
void stub_set_comm(const char *execfn);
uint64_t stub_find_gadget(uint64_t vdso);
/* Map the exit trampoline r-x in a page of its own: the page or -errno;
 * sets PM_STUB_R_TRAMP_LEFT in *flags when the vDSO has no gadget. */
long stub_tramp_prepare(uint64_t vdso, uint32_t *flags);
/* Put a copy of *m with exe_fd into the trampoline page for the
 * trampoline's own PR_SET_MM_MAP; its address, or 0 (then none is made). */
uint64_t stub_tramp_exe_map(long page, const struct stub_prctl_mm_map *m, long exe_fd);
/* Close the control socket and leave through the trampoline: unmap the
 * stub, (exe_map) set /proc/PID/exe and close exe_fd, jump to entry. */
_Noreturn void stub_leave(long ctl, uint64_t sp, uint64_t entry, uint64_t vdso,
                          long page, uint64_t exe_map, long exe_fd);

/* Ops mode (stub_ops.c). */
_Noreturn void stub_ops_main(stub_kstack *k, uint64_t len);

#pragma GCC visibility pop

#endif /* PROCMGR_STUB_INTERNAL_H */
