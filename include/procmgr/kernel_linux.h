/*
 * procmgr: the Linux backend of include/procmgr/kernel.h and khost.h
 * (src/kernel/linux/klinux*.c, khost.c; library libpmklinux.a).
 *
 * The same dispatcher that runs over the sim builds real Linux processes
 * here: an address space is a child process running procmgr's static stub
 * (exec'd from a sealed memfd), which replays the recorded construction
 * calls (spec/kernel-interface.md section 11, spec/linux-loader.md section
 * 9).  Everything in this header is optional for a shell: diagnostics and
 * a dispatcher layout that suits the Linux address space.  Hosted code.
 */
#ifndef PROCMGR_KERNEL_LINUX_H
#define PROCMGR_KERNEL_LINUX_H

#include <stdint.h>

#include "procmgr/kernel.h"
#include "procmgr/status.h"

struct pm_dispatch_config;

/* Why the last failing backend call failed, beyond its KERNEL code: the
 * LINUX_* status (e.g. LINUX_STUB_MAP), the errno, the stub's stage and,
 * for a construction op, its index. */
typedef struct pm_klinux_diag {
    pm_status linux_status;   /* PM_OK when none recorded */
    int       sys_errno;
    uint32_t  stage;          /* PM_STUB_STAGE_*, 0 if none */
    uint32_t  op;             /* index of the failing op (stage MAP) */
} pm_klinux_diag;

void pm_klinux_last_diag(const struct pm_kernel *k, pm_klinux_diag *out);

/* What the stub reported when it started the process behind a thread
 * (PM_LINUX_MM_MAP_APPLIED, PM_LINUX_TRAMP_LEFT of linux_spawn.h), and
 * the errno of PR_SET_MM_MAP when not applied.  PM_E_K_* for a bad cap. */
pm_status pm_klinux_thread_flags(struct pm_kernel *k, pm_kcap thread,
                                 uint32_t *flags, int *mm_map_errno);

/* procmgr's own end of an endpoint made by pm_k_endpoint_create (the
 * child gets the other end of the socketpair), borrowed; -1 otherwise. */
int pm_klinux_endpoint_peer(struct pm_kernel *k, pm_kcap endpoint);

/* Processes (stub children) of address spaces currently alive or not yet
 * reaped: 0 after every AS was destroyed (tests use it to show nothing is
 * left).  Idle pooled stubs are not counted (pm_klinux_pool_idle). */
uint32_t pm_klinux_children(const struct pm_kernel *k);

/* Jobs (spec/linux-loader.md section 11): the daemon's cgroup v2
 * directory (made with the first job; job-<koid> directories below it)
 * in CGROUP mode, NULL in MEMBERS mode (pm_k_job_mode). */
const char *pm_klinux_job_dir(const struct pm_kernel *k);

/* The stub pool (spec/linux-loader.md section 10): its size from
 * PROCMGR_STUB_POOL read by pm_kh_open (0 when disabled), and the number
 * of idle stubs now, with up to cap of their pids in pids[].  Every idle
 * stub is killed and reaped by pm_kh_close. */
uint32_t pm_klinux_pool_target(const struct pm_kernel *k);
uint32_t pm_klinux_pool_idle(struct pm_kernel *k, int *pids, uint32_t cap);

/*
 * A dispatcher layout for Linux x86-64: sets the layout fields of a config
 * made by pm_dispatch_config_default (no link dependency on the
 * dispatcher).  The stub is linked at 0x6000_0000_0000 and
 * the kernel puts the stub's own stack, vDSO and mmap area near the top
 * (up to 2^mmap_rnd_bits pages below it), so every fixed mapping the core
 * asks for stays below 0x6000_0000_0000: program bias window
 * [0x1000_0000_0000, +0x1f00_0000_0000), interpreter
 * [0x3000_0000_0000, +0x1f00_0000_0000), stack top 0x5800_0000_0000 with
 * an 8 MiB stack (mapped, not grown: the usual RLIMIT_STACK).
 */
void pm_klinux_dispatch_config(struct pm_dispatch_config *cfg);

#endif /* PROCMGR_KERNEL_LINUX_H */
