/*
 * procmgr sim: a model of the capability microkernel behind
 * include/procmgr/kernel.h, with resource accounting.  It backs the unit
 * tests and the dispatcher fuzzer, and is the reference a port to a real
 * kernel is checked against (spec/kernel-interface.md, section "sim").
 *
 * Link src/kernel/sim (libpmsim.a) to get the pm_k_* operations; this header
 * adds what only a model can do: define the kernel state (the caller owns
 * it, no allocation), register images, inject failures, make a thread exit
 * or fault, inspect memory and slots, and check invariants.
 *
 * Model (fixed capacity; budgets chosen at pm_sim_init):
 *   objects   one table for all types, each with a generation; a per-type
 *             budget (PM_E_K_NO_OBJECTS when reached)
 *   handles   procmgr's own capability table (pm_kcap = index + generation);
 *             LIVE, TOMB (revoked: PM_E_K_REVOKED until released) or FREE
 *   slots     CSpace slots from one pool; a CSpace reserves nslots of them
 *   frames    page frames, one per mapped page, with their bytes; the frame
 *             budget is the "untyped memory" (PM_E_K_NO_MEMORY)
 *   events    FIFO of terminal thread events
 * Every fallible operation first consults the failure injector; an
 * injected failure returns before any state changes.  Destroy, revoke,
 * release and event poll are never failed by injection: they are the
 * recovery path and a real kernel completes them.
 *
 * The sim code is freestanding-friendly (no allocation, no stdio): it only
 * needs memcpy/memset.
 */
#ifndef PROCMGR_SIM_H
#define PROCMGR_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/kernel.h"

/* Capacities (compile-time, identical in every translation unit). */
#define PM_SIM_PAGE_SIZE        4096u
#define PM_SIM_MAX_FRAMES       512u    /* 2 MiB of page data inside the struct */
#define PM_SIM_MAX_OBJECTS      160u
#define PM_SIM_MAX_HANDLES      256u
#define PM_SIM_MAX_SLOTS        512u
#define PM_SIM_MAX_CSPACE_SLOTS 256u    /* largest single CSpace */
#define PM_SIM_TYPES            7u      /* pm_kobj_type values, NONE included */

#define PM_SIM_NONE             0xffffffffu   /* "no index" */

typedef struct pm_sim_config {
    uint32_t frames;                   /* frame budget, <= PM_SIM_MAX_FRAMES    */
    uint32_t objects[PM_SIM_TYPES];    /* per-type budget (index pm_kobj_type);
                                          the sum must fit PM_SIM_MAX_OBJECTS   */
    uint32_t handles;                  /* <= PM_SIM_MAX_HANDLES                 */
    uint32_t slots;                    /* <= PM_SIM_MAX_SLOTS                   */
    uint32_t max_threads_per_as;       /* >= 1; 1 like the Linux backend        */
    uint64_t user_min;                 /* page-aligned                          */
    uint64_t user_limit;               /* page-aligned, > user_min              */
} pm_sim_config;

/* Kernel object (one table for every type; unused fields stay zero). */
struct pm_sim_obj {
    uint32_t type;          /* pm_kobj_type; PM_KOBJ_NONE = free            */
    uint32_t gen;           /* bumped when freed; never 0                   */
    uint32_t handle;        /* index of its original handle                 */
    /* AS */
    uint32_t npages;        /* frames mapped                                */
    uint32_t nbound;        /* threads bound (AS and CSPACE)                */
    uint32_t sealed;        /* a bound thread was started: no more building */
    /* CSPACE */
    uint32_t nslots;
    uint32_t cwd_slot;      /* working directory: slot + 1, 0 = none (root) */
    /* THREAD */
    uint32_t state;         /* pm_kthread_state                             */
    uint32_t as, as_gen;    /* binding (PM_SIM_NONE when unbound)           */
    uint32_t cs, cs_gen;
    uint32_t event_queued;
    uint32_t suspended;     /* stopped by a stop-class signal (RUNNING)     */
    uint32_t priority;      /* scheduling level, 0..PM_K_PRIORITY_MAX       */
    uint32_t last_signal;   /* last signal delivered, 0 = none              */
    uint32_t nsignals;      /* signals delivered                            */
    uint32_t pending_signal;/* fatal signal held while suspended, 0 = none  */
    uint64_t rlim_soft[PM_K_RLIMIT_MAX + 1];  /* PM_K_RLIM_INFINITY at create */
    uint64_t rlim_hard[PM_K_RLIMIT_MAX + 1];
    uint32_t job, job_gen;  /* the job it joined (PM_SIM_NONE: none)        */
    /* THREAD and JOB */
    uint32_t frozen;        /* a thread: its job is frozen; a job: frozen   */
    /* JOB */
    uint64_t limit_pids;    /* pm_k_job_set_limit; 0 = no limit             */
    uint64_t limit_memory;
    uint64_t ipc_buffer, entry, sp, cookie;
    /* IMAGE */
    const uint8_t *bytes;
    uint64_t size;
};

#define PM_SIM_H_FREE 0u
#define PM_SIM_H_LIVE 1u
#define PM_SIM_H_TOMB 2u

struct pm_sim_handle {
    uint32_t state;         /* PM_SIM_H_*                                   */
    uint32_t gen;           /* never 0                                      */
    uint32_t obj, obj_gen;  /* LIVE only                                    */
    uint32_t rights;
    uint32_t original;
    uint32_t parent, parent_gen;  /* derived: the handle it came from       */
    uint32_t mark;          /* scratch for revoke                           */
};

struct pm_sim_slot {
    uint32_t owner, owner_gen;    /* CSpace object; PM_SIM_NONE = free      */
    uint32_t index;               /* slot number inside its CSpace          */
    uint32_t full;
    uint32_t obj, obj_gen, rights;
    uint32_t parent, parent_gen;  /* handle it was minted from              */
    uint32_t mount;               /* 1: a namespace entry (pm_k_cspace_mount) */
    uint32_t reserved;
    uint64_t badge;
};

struct pm_sim_frame {
    uint32_t owner, owner_gen;    /* AS object; PM_SIM_NONE = free          */
    uint32_t prot;
    uint64_t vaddr;
};

struct pm_kernel {
    pm_sim_config cfg;
    uint32_t live[PM_SIM_TYPES];  /* live objects per type                  */
    uint32_t handles_used;        /* LIVE + TOMB                            */
    uint32_t slots_used;          /* reserved by CSpaces                    */
    uint32_t frames_used;
    struct pm_sim_obj    obj[PM_SIM_MAX_OBJECTS];
    struct pm_sim_handle handle[PM_SIM_MAX_HANDLES];
    struct pm_sim_slot   slot[PM_SIM_MAX_SLOTS];
    struct pm_sim_frame  frame[PM_SIM_MAX_FRAMES];
    pm_kevent            event[PM_SIM_MAX_OBJECTS];
    uint32_t             nevents;
    /* failure injection */
    uint64_t  calls;              /* fallible calls made                    */
    uint64_t  injected;           /* failures injected                      */
    uint64_t  fail_nth;           /* 0 = off; else fail when it reaches 1   */
    pm_status fail_nth_status;
    uint32_t  fail_ppm;           /* per-million probability, 0 = off       */
    pm_status fail_ppm_status;
    uint64_t  rng;                /* xorshift64 state, never 0              */
    uint32_t  deny_priority;      /* pm_sim_deny_priority, 0 = off          */
    uint32_t  deny_namespaces;    /* pm_sim_deny_namespaces                 */
    uint32_t  deny_job_limits;    /* pm_sim_deny_job_limits: resource bits  */
    uint8_t   data[PM_SIM_MAX_FRAMES][PM_SIM_PAGE_SIZE];
};

/* Defaults: 512 frames; objects AS 24, CSpace 24, thread 32, endpoint 24,
 * image 24, job 32 (160 in all); 256 handles; 512 slots; 1 thread per AS (like the
 * Linux backend); user range [0x10000, 0x7ffffffff000). */
void pm_sim_config_default(pm_sim_config *cfg);

/* Reset *k to an empty kernel with cfg (NULL = defaults).  PM_E_K_RANGE if
 * a budget exceeds its capacity or the user range is empty or misaligned.
 * Only the bookkeeping is cleared, not the page data (cleared on map). */
pm_status pm_sim_init(struct pm_kernel *k, const pm_sim_config *cfg);

/* Register an image: the sim keeps the pointer (the bytes must outlive the
 * image object) and returns its original cap (all rights).  Not subject to
 * failure injection.  PM_E_K_NO_OBJECTS, PM_E_K_ARG. */
pm_status pm_sim_image_create(struct pm_kernel *k, const uint8_t *bytes,
                              uint64_t size, pm_kcap *out);

/* Failure injection.  fail_nth: the n-th fallible call from now (n >= 1)
 * fails with `status` (0, or any status outside the kernel block 400-499,
 * means PM_E_K_INJECTED_FAILURE: kernel.h promises kernel statuses only);
 * n == 0 disarms.
 * fail_rate: each fallible call fails with probability ppm / 1e6, drawn
 * from a xorshift64 generator seeded with `seed` (0 is replaced by a
 * constant); ppm == 0 disarms. */
void pm_sim_fail_nth(struct pm_kernel *k, uint64_t n, pm_status status);
void pm_sim_fail_rate(struct pm_kernel *k, uint64_t seed, uint32_t ppm,
                      pm_status status);

/* Make a RUNNING thread exit with code, or stop on a fault (kind 1..6) at
 * addr; queues its event.  PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_TYPE,
 * PM_E_K_STATE (not running, or suspended: a stopped program does
 * nothing), PM_E_K_ARG (bad kind). */
pm_status pm_sim_thread_exit(struct pm_kernel *k, pm_kcap thread, int64_t code);
pm_status pm_sim_thread_fault(struct pm_kernel *k, pm_kcap thread,
                              pm_kfault kind, uint64_t addr);

typedef struct pm_sim_thread_info {
    pm_kthread_state state;
    uint32_t bound;               /* 1 if bound to an AS and a CSpace */
    uint64_t ipc_buffer, entry, sp, cookie;
    uint32_t suspended;           /* stopped by SIGSTOP & co., not resumed */
    uint32_t priority;            /* pm_k_thread_set_priority level (2 = new) */
    uint32_t last_signal;         /* last signal delivered (0 = none)   */
    uint32_t nsignals;            /* signals delivered                  */
    uint32_t pending_signal;      /* fatal signal held until SIGCONT    */
    uint64_t rlim_soft[PM_K_RLIMIT_MAX + 1];  /* pm_k_thread_set_rlimit */
    uint64_t rlim_hard[PM_K_RLIMIT_MAX + 1];
    uint32_t in_job;              /* joined a job (pm_k_job_add)        */
    uint32_t frozen;              /* its job is frozen                  */
} pm_sim_thread_info;

/* Resource limits (pm_k_thread_set_rlimit): a new thread has every limit
 * PM_K_RLIM_INFINITY; lowering is free, raising a hard limit is refused
 * with PM_E_LINUX_RLIMIT_DENIED (procmgr as an unprivileged manager, as
 * procmgrd without CAP_SYS_RESOURCE on Linux).  The sim has no clock and
 * no descriptors: the limits are recorded, not enforced. */

/* Refuse the next pm_k_thread_set_priority levels >= min_level with
 * PM_E_LINUX_PRIORITY_DENIED, as a machine without the privilege would
 * (0 disarms; e.g. PM_K_PRIORITY_MAX - 1 refuses codec and realtime). */
void pm_sim_deny_priority(struct pm_kernel *k, uint32_t min_level);

/* Refuse mount namespaces (deny != 0): pm_k_thread_bind of a thread to a
 * CSpace with a namespace entry is PM_E_LINUX_NAMESPACE_DENIED, as on a
 * machine where unshare(CLONE_NEWNS) is not allowed. */
void pm_sim_deny_namespaces(struct pm_kernel *k, uint32_t deny);
/* Refuse pm_k_job_set_limit on the resources whose bit (1 << resource,
 * PM_K_JOB_LIMIT_*) is set in `resources` with PM_E_LINUX_JOB_LIMIT, as a
 * machine without the controller (or in MEMBERS mode) would; 0 disarms. */
void pm_sim_deny_job_limits(struct pm_kernel *k, uint32_t resources);

pm_status pm_sim_thread_info_get(struct pm_kernel *k, pm_kcap thread,
                                 pm_sim_thread_info *info);

/* Read mapped memory, whatever its protection (PM_E_K_NOT_MAPPED if a page
 * is missing), and query one page's protection. */
pm_status pm_sim_as_read(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                         uint8_t *buf, uint64_t len);
pm_status pm_sim_as_prot(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                         uint32_t *prot);

typedef struct pm_sim_slot_info {
    pm_kobj_type type;
    uint32_t rights;
    uint64_t badge;
    uint32_t cwd;                 /* 1: the CSpace's working directory
                                     (pm_k_cspace_set_cwd)              */
    uint32_t mount;               /* 1: a namespace entry (the sim keeps
                                     no path: it has no file system)    */
} pm_sim_slot_info;

/* What a CSpace slot holds: PM_E_K_SLOT_EMPTY, PM_E_K_RANGE, cap errors. */
pm_status pm_sim_cspace_slot(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                             pm_sim_slot_info *info);

typedef struct pm_sim_stats {
    uint32_t frames_used, frames_budget;
    uint32_t live[PM_SIM_TYPES];  /* per pm_kobj_type                      */
    uint32_t objects;             /* sum of live[]                          */
    uint32_t handles_live, handles_tomb;
    uint32_t slots_reserved, slots_full;
    uint32_t events;
    uint64_t calls, injected;
} pm_sim_stats;

void pm_sim_stats_get(const struct pm_kernel *k, pm_sim_stats *st);

/* Invariant violation description: `rule` is a static string naming the
 * broken invariant, `index` the table entry concerned (or PM_SIM_NONE). */
typedef struct pm_sim_violation {
    const char *rule;
    uint32_t    index;
} pm_sim_violation;

/* Check every invariant of the model (spec/kernel-interface.md, "sim
 * invariants").  PM_OK, or PM_E_K_INVARIANT with *v describing the first
 * violation found (v may be NULL). */
pm_status pm_sim_check(const struct pm_kernel *k, pm_sim_violation *v);

/* pm_sim_check, and then that nothing is in use: no object, handle, slot,
 * frame or event.  What a full teardown must leave. */
pm_status pm_sim_check_empty(const struct pm_kernel *k, pm_sim_violation *v);

#endif /* PROCMGR_SIM_H */
