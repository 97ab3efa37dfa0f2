/*
 * procmgr dispatcher: request -> action -> reply (spec/dispatch.md).
 *
 * The service core.  It takes one received message (bytes + the handles
 * that came with it, already translated by the shell), decodes it with the
 * proven codec, acts on the registry, the per-connection launch builders and
 * the kernel interface, and frames the reply.  It never calls the OS: only
 * pm_k_* (kernel.h), the ELF validator, the stack builder, the registry, the
 * builder and the codec.  Freestanding, no allocation: all state lives in a
 * caller-allocated pm_dispatch (large: allocate it statically).
 *
 * Handles.  The shell translates what arrived with a message (SCM_RIGHTS fds
 * on Linux, transferred capabilities on a microkernel) into pm_dhandle
 * values, and translates the pm_dhandle values of a reply back:
 *   PM_DH_PROCESS, PM_DH_THREAD  a registry handle value (registry.h:
 *                 slot, generation, rights); THREAD names the initial thread
 *                 of the same record
 *   PM_DH_JOB     a job koid (value): a job JOB_CREATE or JOB_OPEN issued; a
 *                 koid the core does not know names a job made on first
 *                 use (a shell's own job naming, the tests' stand-ins)
 *   PM_DH_WATCH   a watch id issued by WATCH (value)
 *   PM_DH_KCAP    a kernel capability procmgr now holds (cap): executable
 *                 images, namespace directories, startup handles.  The core
 *                 OWNS every KCAP it receives: it keeps it (builder, process
 *                 record) or drops it (pm_k_drop) before returning.  KCAPs
 *                 it returns (RESOLVE) are owned by the shell from then on.
 * The transport makes handles unforgeable; the core still validates every
 * value (registry generation and rights, watch generation).
 */
#ifndef PROCMGR_DISPATCH_H
#define PROCMGR_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/builder.h"
#include "procmgr/elf.h"
#include "procmgr/kernel.h"
#include "procmgr/proto.h"
#include "procmgr/registry.h"
#include "procmgr/script.h"
#include "procmgr/stack.h"
#include "procmgr/status.h"

/* ---- capacities ------------------------------------------------------- */
#define PM_DISPATCH_MAX_CONNS     64u
/* Parked WAITs: at most PM_DISPATCH_WAITERS_PER_CONN per connection, so
 * that the table (one for each on every connection) never fills: one
 * client cannot take every waiter (issue 18 item 5). */
#define PM_DISPATCH_WAITERS_PER_CONN 4u
#define PM_DISPATCH_MAX_WAITERS   (PM_DISPATCH_MAX_CONNS * PM_DISPATCH_WAITERS_PER_CONN)
#define PM_DISPATCH_MAX_WATCHES   1024u  /* procmgrd: 16 per client */
#define PM_DISPATCH_MAX_EVENTS    128u   /* queued EVENT messages           */
#define PM_DISPATCH_MAX_TABLE     16u    /* interpreter / resolve / script entries */
/* A script's image reaches its interpreter as the startup handle with the
 * lowest id >= this one that no other startup handle uses, named
 * "/dev/fd/ID" in its argv (spec/scripts.md). */
#define PM_DISPATCH_SCRIPT_FD_MIN 3u
/* The working directory (SET_CWD) goes to the CSpace slot just below the
 * namespace slots (cfg.cspace_slots - PM_BUILDER_MAX_NAMES - 1, 31 by
 * default), marked with pm_k_cspace_set_cwd: on Linux it is the stub's
 * fchdir, not a descriptor of the child, and no startup handle can use
 * that id in the same launch (K_SLOT_OCCUPIED). */
#define PM_DISPATCH_CWD_SLOT(cfg) ((cfg)->cspace_slots - PM_BUILDER_MAX_NAMES - 1u)
#define PM_DISPATCH_STACK_MAX     (256u << 20) /* largest stack mapping */
/* Largest initial stack image (strings, vectors, auxv): the builder's
 * argument and environment pools, their pointers and the fixed part fit. */
#define PM_DISPATCH_STACK_IMAGE   (512u << 10)
#define PM_DISPATCH_RANDOM_BYTES  40u    /* AT_RANDOM 16 + exe bias 8 + interp bias 8
                                            + stack offset 8 */
#define PM_DISPATCH_REPLY_CAP     9216u  /* reply buffer the caller provides */
#define PM_DISPATCH_EVENT_LEN     52u    /* one EVENT message                */
#define PM_DISPATCH_MAX_OUT       2u     /* handles in one reply             */
#define PM_DISPATCH_MAX_EVENT_POLL 64u   /* kernel events per poll call      */
/* The ring of recent ends (issue 20, spec/daemon.md section 9a): the last
 * PM_DISPATCH_ENDED_RING processes whose records were collected, oldest
 * overwritten first, for LIST_PROCESSES filter ENDED and LOOKUP_PROCESS. */
#define PM_DISPATCH_ENDED_RING    256u
/* Jobs: one per process at most (its own) plus those JOB_CREATE made. */
#define PM_DISPATCH_MAX_JOBS      (PM_REG_CAPACITY + 64u)

/* ---- translated handles ------------------------------------------------ */
typedef enum pm_dh_kind {
    PM_DH_NONE    = 0,
    PM_DH_PROCESS = 1,
    PM_DH_THREAD  = 2,
    PM_DH_JOB     = 3,
    PM_DH_WATCH   = 4,
    PM_DH_KCAP    = 5
} pm_dh_kind;

typedef struct pm_dhandle {
    uint32_t kind;      /* pm_dh_kind */
    uint32_t reserved;  /* 0 */
    uint64_t value;     /* PROCESS, THREAD, JOB, WATCH */
    pm_kcap  cap;       /* KCAP */
} pm_dhandle;

/* ---- configuration ---------------------------------------------------- */

/* A name -> image table entry (interpreter allowlist, resolve roots).  The
 * bytes and the cap belong to the shell and outlive the dispatcher; the
 * core derives caps from `image` and never drops it. */
typedef struct pm_dispatch_entry {
    const uint8_t *name;
    uint32_t       name_len;
    pm_kcap        image;
} pm_dispatch_entry;

typedef struct pm_dispatch_config {
    pm_elf_policy policy;          /* validator policy                     */
    const pm_dispatch_entry *interp;   /* PT_INTERP name (no NUL) -> image */
    uint32_t ninterp;              /* <= PM_DISPATCH_MAX_TABLE             */
    const pm_dispatch_entry *resolve;  /* resolve name -> image            */
    uint32_t nresolve;             /* <= PM_DISPATCH_MAX_TABLE             */
    const pm_dispatch_entry *script;   /* `#!` interpreter path -> image    */
    uint32_t nscript;              /* <= PM_DISPATCH_MAX_TABLE             */
    uint64_t stack_top;            /* page-aligned high end of the stack   */
    uint64_t stack_size;           /* page multiple, <= PM_DISPATCH_STACK_MAX */
    uint64_t stack_window;         /* page multiple: each launch's stack top
                                      is stack_top minus a random page count
                                      in [0, stack_window] (0: fixed)        */
    uint64_t dyn_base;             /* ET_DYN program bias window [base, base+window) */
    uint64_t dyn_window;
    uint64_t interp_base;          /* interpreter bias window               */
    uint64_t interp_window;
    uint32_t cspace_slots;         /* child CSpace size (startup ids < this) */
    uint32_t reserved;
} pm_dispatch_config;

#include "acsl/dispatch.h"

/* ---- principals ----------------------------------------------------------- */
/* A principal is the identity the shell vouches for on a connection: on
 * Linux the peer's uid (SO_PEERCRED), on a microkernel the badge of the
 * endpoint the request came through.  It decides one thing: who may turn a
 * koid into a handle (OPEN_PROCESS, spec/dispatch.md "Opening a process by
 * id").  Root may open any process; any other principal only the processes
 * launched on a connection carrying that same principal.  NONE (the state
 * of a new connection, and (uid_t)-1, never a real uid) opens nothing. */
#define PM_DISPATCH_PRINCIPAL_ROOT 0u
#define PM_DISPATCH_PRINCIPAL_NONE 0xFFFFFFFFu

/* ---- state -------------------------------------------------------------- */

typedef struct pm_dispatch_conn {
    uint32_t   in_use;
    uint32_t   id;             /* the shell's connection id          */
    uint64_t   client_koid;    /* parent of what it launches (0 none) */
    uint64_t   job;            /* default job of what it launches     */
    pm_kcap    interp;         /* SET_INFO interpreter, or null       */
    pm_kcap    cwd;            /* SET_CWD directory, or null ("/")    */
    uint32_t   info_flags;     /* SET_INFO sharing flags (PM_INFO_*): carried,
                                  INHERIT_JOB not acted on here (jobs) */
    uint32_t   has_job;        /* SET_INFO gave a job handle          */
    uint32_t   principal;      /* who sends on it (pm_dispatch_set_principal) */
    uint64_t   info_job;       /* that job                            */
    pm_builder builder;
} pm_dispatch_conn;

typedef struct pm_dispatch_waiter {
    uint32_t state;            /* 0 free, 1 parked, 2 ready (reply due) */
    uint32_t gen;
    uint32_t conn;
    uint32_t slot;             /* WAIT: registry slot waited on */
    uint32_t slot_gen;
    uint32_t opcode;           /* PM_OP_WAIT or PM_OP_WAIT_ANY */
    uint64_t request_id;
    uint64_t parent;           /* WAIT_ANY: parent koid (0: the root) */
    uint32_t principal;        /* WAIT_ANY: the waiting connection's */
    uint32_t reserved;
    pm_proto_info info;        /* the record when it became ready */
} pm_dispatch_waiter;

typedef struct pm_dispatch_watch {
    uint32_t in_use;
    uint32_t gen;
    uint32_t is_job;
    uint32_t slot, slot_gen;   /* process watch */
    uint32_t events;           /* PM_EVENT_* mask */
    uint64_t job;              /* job watch */
    uint64_t request_id;       /* the WATCH request's id, echoed in events */
} pm_dispatch_watch;

/* A job (spec/lifecycle.md section 3): its kernel object, the job
 * handles issued for it, and who may open it.  It ends (kernel object
 * destroyed) when no handle names it and no created or running process
 * is in it. */
typedef struct pm_dispatch_job {
    uint32_t in_use;
    uint32_t refs;             /* job handles issued and not closed */
    uint32_t owner;            /* principal that made it (JOB_OPEN) */
    uint32_t reserved;
    uint64_t koid;
    pm_kcap  cap;              /* the kernel job (original cap)     */
} pm_dispatch_job;

typedef struct pm_dispatch_event {
    uint64_t watch;            /* watch id (PM_DH_WATCH value) */
    uint8_t  bytes[PM_DISPATCH_EVENT_LEN];
} pm_dispatch_event;

/* Per registry slot: protocol state of an ended process and handle count. */
typedef struct pm_dispatch_proc {
    uint32_t end_state;        /* PM_STATE_EXITED/KILLED/FAULTED once ended */
    uint32_t refs;             /* handles issued and not closed             */
    uint32_t has_interp;
    uint32_t owner;            /* principal of the connection that launched it */
    uint64_t entry, sp, image_base, interp_base, vdso_base;
    /* issue 6 (spec/lifecycle.md sections 1, 2, 5, 7) */
    uint32_t end_signal;       /* KILLED, FAULTED: the signal (SIGKILL for a
                                  kill by procmgr); 0 when none is known   */
    uint32_t end_fault;        /* FAULTED: the pm_kfault kind               */
    uint32_t end_flags;        /* PM_END_CORE_DUMPED                        */
    uint32_t priority;         /* level last set (PM_PRIORITY_NORMAL first) */
    uint32_t suspended;        /* SUSPEND (or SIGSTOP) not yet resumed      */
    uint32_t any_collected;    /* its end was returned by a WAIT_ANY        */
    uint64_t end_seq;          /* order of ends: WAIT_ANY oldest first      */
    pm_k_usage usage;          /* the final usage, from the end event       */
    /* issue 20 */
    uint64_t host_pid;         /* pm_k_thread_host_pid at launch (0: none)  */
    uint64_t end_time_ns;      /* pm_k_clock_wall_ns at the end (0: none)   */
} pm_dispatch_proc;

/* One collected process in the ring of recent ends (issue 20): what
 * LOOKUP_PROCESS and LIST_PROCESSES (filter ENDED) still say of it. */
typedef struct pm_dispatch_ended {
    pm_proto_info info;        /* its final record (state EXITED/KILLED/FAULTED) */
    uint64_t host_pid;
    uint64_t end_time_ns;
    uint32_t wait_status;      /* POSIX, as QUERY_DETAILS gave it */
    uint32_t owner;            /* principal that launched it (LOOKUP_PROCESS) */
    uint32_t name_len;         /* <= PM_REG_NAME_MAX */
    uint32_t reserved;
    uint8_t  name[PM_REG_NAME_MAX];
} pm_dispatch_ended;

typedef struct pm_dispatch {
    struct pm_kernel  *k;
    pm_dispatch_config cfg;
    pm_k_limits        limits;
    pm_registry        reg;
    pm_dispatch_proc   proc[PM_REG_CAPACITY];
    pm_dispatch_conn   conn[PM_DISPATCH_MAX_CONNS];
    pm_builder         scratch;     /* CREATE_PROCESS */
    pm_dispatch_waiter waiter[PM_DISPATCH_MAX_WAITERS];
    pm_dispatch_watch  watch[PM_DISPATCH_MAX_WATCHES];
    pm_dispatch_event  event[PM_DISPATCH_MAX_EVENTS];
    pm_dispatch_job    job[PM_DISPATCH_MAX_JOBS];
    uint32_t           event_head, event_count;
    uint64_t           events_dropped;
    uint64_t           end_seq;     /* ends so far (pm_dispatch_proc.end_seq) */
    pm_dispatch_ended  ended[PM_DISPATCH_ENDED_RING];  /* issue 20 */
    uint32_t           ended_head, ended_count;         /* oldest, how many */
    pm_proto_request   req;
    pm_elf_plan        plan_exe, plan_interp;
    uint8_t            hdr[PM_ELF_READ_MAX];   /* header area + a window */
    uint8_t            stack[PM_DISPATCH_STACK_IMAGE];
    pm_proto_info      list[PM_PROTO_MAX_LIST];
    /* The launch in progress runs a `#!` script (spec/scripts.md): its
     * image goes to startup id script_fd and argv is script_span/pool. */
    uint32_t           script_active;
    uint32_t           script_fd;
    uint32_t           script_nargs;
    uint32_t           script_used;
    pm_span            script_span[PM_BUILDER_MAX_ARGS];
    uint8_t            script_pool[PM_BUILDER_ARG_BYTES];
} pm_dispatch;

/* ---- results ------------------------------------------------------------ */
#define PM_DISPATCH_REPLY   1u  /* send reply[0, reply_len) with handles[] */
#define PM_DISPATCH_PARKED  2u  /* no reply now: a blocking WAIT, waiter id */
#define PM_DISPATCH_CLOSE   3u  /* no reply can be framed: close the conn */

typedef struct pm_dispatch_result {
    uint32_t   action;          /* PM_DISPATCH_* */
    uint32_t   status;          /* the status replied (or why CLOSE)       */
    size_t     reply_len;
    uint32_t   nhandles;        /* <= PM_DISPATCH_MAX_OUT                  */
    pm_dhandle handles[PM_DISPATCH_MAX_OUT];
    uint32_t   waiter;          /* PARKED: id for pm_dispatch_wait_expire  */
    uint64_t   timeout_ns;      /* PARKED: the shell enforces it           */
} pm_dispatch_result;

/* ---- entry points -------------------------------------------------------- */

/* The index of the first entry of t[0, n) whose name is name[0, len)
 * (byte for byte, same length), or n when none is.  Pure: reads t[i].name
 * [0, name_len) and name[0, len) only.  The lookup of RESOLVE names, of
 * PT_INTERP strings and of `#!` interpreters. */
/*@ requires pm_dispatch_table_ok(t, n);
    requires \valid_read(name + (0 .. len - 1));
    assigns \nothing;
    ensures \result <= n; */
uint32_t pm_dispatch_find_entry(const pm_dispatch_entry *t, uint32_t n,
                                const uint8_t *name, uint64_t len);

/* Defaults for the sim and the Linux x86-64 backend (no tables). */
void pm_dispatch_config_default(pm_dispatch_config *cfg);

/* Initialise: empty registry, no connection.  PM_E_K_ARG for an
 * inconsistent configuration (stack size, table sizes, CSpace size). */
pm_status pm_dispatch_init(pm_dispatch *d, struct pm_kernel *k,
                           const pm_dispatch_config *cfg);

/* A client connected: `conn` is the shell's id, client_koid the client's
 * process koid (0 if not a procmgr process), job the job of what it
 * launches without a job handle.  PM_E_CONN_FULL, PM_E_K_ARG (id in use). */
pm_status pm_dispatch_connect(pm_dispatch *d, uint32_t conn,
                              uint64_t client_koid, uint64_t job);

/* The principal of connection `conn` from now on (the shell calls it before
 * each message when connections are shared or leased: the principal is
 * that of the client whose message is dispatched).  A new connection has
 * PM_DISPATCH_PRINCIPAL_NONE.  PM_E_NOT_CONNECTED for an unknown id. */
pm_status pm_dispatch_set_principal(pm_dispatch *d, uint32_t conn,
                                    uint32_t principal);

/* The koid of the process sending on connection `conn` from now on (the
 * shell calls it before a launch request: the peer's pid, or its nearest
 * ancestor, looked up in the registry; 0 for a client procmgr did not
 * launch).  It becomes the parent of what the connection launches
 * (spec/lifecycle.md section 2); a koid that names no live record at the
 * launch means the root.  PM_E_NOT_CONNECTED for an unknown id. */
pm_status pm_dispatch_set_client(pm_dispatch *d, uint32_t conn, uint64_t koid);

/* A client disconnected: its builder is reset (caps dropped), its parked
 * waiters are forgotten.  Unknown ids are ignored. */
void pm_dispatch_disconnect(pm_dispatch *d, uint32_t conn);

/*
 * Handle one received message.  msg[0, len): the bytes (len may be up to
 * PM_PROTO_MAX_MSG + 1); nin: handles received (PM_PROTO_MAX_HANDLES + 1
 * when truncated); in[0, min(nin, 64)): their translations; random:
 * PM_DISPATCH_RANDOM_BYTES fresh bytes (AT_RANDOM, load biases); reply:
 * caller buffer of cap >= PM_DISPATCH_REPLY_CAP bytes.  Always fills *res.
 * Every KCAP of in[] is consumed (kept or dropped).  Returns res->status.
 */
pm_status pm_dispatch_message(pm_dispatch *d, uint32_t conn,
                              const uint8_t *msg, size_t len,
                              const pm_dhandle *in, uint32_t nin,
                              const uint8_t *random,
                              uint8_t *reply, size_t cap,
                              pm_dispatch_result *res);

/* Turn up to PM_DISPATCH_MAX_EVENT_POLL pending kernel events into
 * registry state changes, ready waiters and queued EVENT messages.
 * Returns the number of kernel events handled. */
uint32_t pm_dispatch_poll_events(pm_dispatch *d);

/* The shell's timer for a parked waiter fired: frame its WAIT_TIMED_OUT
 * reply (res->action REPLY) and free the waiter.  A waiter that is no longer
 * parked gives res->action 0 and PM_E_K_ARG. */
pm_status pm_dispatch_wait_expire(pm_dispatch *d, uint32_t waiter,
                                  uint8_t *reply, size_t cap,
                                  pm_dispatch_result *res);

/* Take the next ready waiter reply: *conn gets its connection.  PM_OK with a
 * reply framed into reply/res, or PM_E_K_NO_EVENT when none is ready. */
pm_status pm_dispatch_take_reply(pm_dispatch *d, uint32_t *conn,
                                 uint8_t *reply, size_t cap,
                                 pm_dispatch_result *res);

/* Take the next queued EVENT message: *watch gets the watch id (the shell
 * sends it on that watch's channel); bytes are PM_DISPATCH_EVENT_LEN long.
 * PM_E_K_NO_EVENT when none is queued. */
pm_status pm_dispatch_take_event(pm_dispatch *d, uint64_t *watch,
                                 uint8_t *bytes, size_t cap);

/* A handle the core issued died in the transport (the client closed its
 * last copy): same effect as HANDLE_CLOSE. */
void pm_dispatch_handle_release(pm_dispatch *d, const pm_dhandle *h);

/* Shut everything down: kill and tear down every process, reset every
 * builder, drop every waiter, watch and event.  Afterwards the kernel holds
 * nothing of the dispatcher's (the sim's pm_sim_check_empty, once the
 * shell's own caps are dropped). */
void pm_dispatch_fini(pm_dispatch *d);

/* ---- internal (shared by dispatch.c and launch.c) ------------------------ */
pm_dispatch_conn *pm_dispatch_find_conn_(pm_dispatch *d, uint32_t conn);
/* Build a process from a ready builder (spec/dispatch.md, "Launch").  On
 * PM_OK *handle is an all-rights registry handle and *slot its record; on
 * any failure nothing is left (record freed, every kernel object made is
 * released).  The caps the process keeps are moved out of b,
 * *given_interp and *given_cwd (set to null; a null *given_cwd: the
 * process starts at "/"); the caller resets the builder. */
pm_status pm_dispatch_launch_(pm_dispatch *d, pm_builder *b,
                              pm_kcap *given_interp, pm_kcap *given_cwd,
                              uint64_t parent,
                              uint64_t job, int start, const uint8_t *random,
                              uint64_t *handle, uint32_t *slot);
/* Read an image's header area into d->hdr and validate it in `role`. */
pm_status pm_dispatch_read_validate_(pm_dispatch *d, pm_kcap image,
                                     pm_elf_role role, pm_elf_plan *plan);
/* The allowlisted interpreter named by d->hdr[off, off + len). */
/*@ requires \valid_read(d) && \valid(image) && \separated(image, d);
    requires pm_dispatch_table_ok(d->cfg.interp, d->cfg.ninterp);
    assigns *image;
    ensures \result == PM_OK || \result == PM_E_INTERP_NOT_ALLOWED; */
pm_status pm_dispatch_lookup_interp_(const pm_dispatch *d, uint64_t off,
                                     uint64_t len, pm_kcap *image);
/* Release every kernel object a record holds (thread, extra caps in reverse,
 * CSpace, address space); the record itself stays. */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY;
    assigns d->reg.slot[slot].thread, d->reg.slot[slot].cspace,
            d->reg.slot[slot].aspace, d->reg.slot[slot].nextra,
            d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
            pm_k_world, pm_k_vm, pm_k_tb; */
void pm_dispatch_teardown_(pm_dispatch *d, uint32_t slot);

/* Jobs (job.c).  The entry of job koid, or PM_DISPATCH_MAX_JOBS. */
/*@ requires \valid_read(d);
    assigns \nothing;
    ensures \result <= PM_DISPATCH_MAX_JOBS; */
uint32_t pm_dispatch_job_find_(const pm_dispatch *d, uint64_t koid);
/* The entry of job koid, made (with its kernel job, no handle, owner
 * `owner`) when there is none.  PM_E_JOBS_FULL, or the kernel's refusal. */
/*@ requires \valid(d) && \valid(ji) && \separated(ji, d);
    assigns d->job[0 .. PM_DISPATCH_MAX_JOBS - 1], *ji, pm_k_world;
    ensures \result == PM_OK ==> *ji < PM_DISPATCH_MAX_JOBS; */
pm_status pm_dispatch_job_get_(pm_dispatch *d, uint64_t koid, uint32_t owner,
                               uint32_t *ji);
/* End job koid if nothing holds it any more (no handle, no created or
 * running process): its kernel job is destroyed.  Unknown koids: nothing. */
/*@ requires \valid(d);
    assigns d->job[0 .. PM_DISPATCH_MAX_JOBS - 1], pm_k_world, pm_k_vm, pm_k_tb; */
void pm_dispatch_job_maybe_end_(pm_dispatch *d, uint64_t koid);
/* Destroy every job (pm_dispatch_fini, after the processes). */
/*@ requires \valid(d);
    assigns d->job[0 .. PM_DISPATCH_MAX_JOBS - 1], pm_k_world, pm_k_vm, pm_k_tb; */
void pm_dispatch_job_fini_(pm_dispatch *d);

#endif /* PROCMGR_DISPATCH_H */
