/*
 * libprocmgr: the client library of procmgrd (spec/client.md).
 *
 * A pm_client is one connection to the daemon (AF_UNIX SOCK_SEQPACKET,
 * spec/protocol.md section 2).  Every call frames one or more requests with
 * the proven client encoder (pm_proto_encode_request), sends them, and
 * decodes the reply with the proven reply decoder (pm_proto_decode_reply).
 * Calls are synchronous and a pm_client is not thread-safe: use one per
 * thread.
 *
 * Handles are file descriptors (close-on-exec).  A process, thread, watch
 * or resolved-image handle is a descriptor of a procmgr-owned socket: pass
 * it to the calls below (it travels by SCM_RIGHTS; the caller keeps its
 * copy), hand it to another process over any Unix socket, dup() it, or
 * close() it (closing the last copy releases the handle in the daemon).
 * Descriptors given as startup handles, namespace directories or
 * executables are NOT consumed: the daemon receives its own copy.
 *
 * Errors are pm_status codes (include/procmgr/status.h; pm_status_name()).
 * A refusal by the daemon is its status.  Transport failures (cannot
 * connect, the daemon went away, a send or receive failed) are
 * PM_E_NOT_CONNECTED; pm_client_errno() gives the OS error behind them.
 * A reply the decoder refuses closes the connection (spec/protocol.md
 * section 7) and returns the decoder's PROTO code; PROTO_UNEXPECTED_REPLY
 * when its request id or opcode does not match.  Arguments that could
 * never be sent (a negative or closed descriptor as a handle, a string
 * longer than a message) are PM_E_PROTO_BAD_ARGUMENT; nothing is sent and
 * the connection stays usable.  After a transport failure or
 * a refused reply every further call on the client is PM_E_NOT_CONNECTED.
 */
#ifndef PROCMGR_CLIENT_H
#define PROCMGR_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/proto.h"
#include "procmgr/status.h"

typedef struct pm_client pm_client;

/* ---- connection ---------------------------------------------------------- */

/* The default socket path (same rules as procmgrd): $PROCMGR_SOCKET if set
 * and non-empty, else /run/procmgr/procmgr.sock when running as root (euid
 * 0), else $XDG_RUNTIME_DIR/procmgr.sock, else NULL.  Written into buf;
 * returns buf, or NULL when no rule applies or it does not fit. */
const char *pm_client_default_socket(char *buf, size_t cap);

/* Connect to path (NULL: the default).  *out is NULL on failure. */
pm_status pm_client_connect(const char *path, pm_client **out);

/* Close the connection (the daemon resets this connection's launch
 * builder and forgets its parked waits) and free the client.  Handles the
 * caller holds stay valid: they are separate descriptors.  NULL ignored. */
void pm_client_close(pm_client *c);

/* The connection's descriptor (for poll; do not read or write it). */
int pm_client_fd(const pm_client *c);

/* errno of the last transport failure, 0 if none. */
int pm_client_errno(const pm_client *c);

/* ---- results --------------------------------------------------------------- */

typedef struct pm_client_process {
    int      process;   /* handle with every right, or -1 */
    int      thread;    /* handle of its initial thread, or -1 */
    uint64_t koid;
} pm_client_process;

/* CREATE_WITHOUT_STARTING: where the process will start (0 = none). */
typedef struct pm_client_start_data {
    uint64_t entry, stack, image_base, interp_base, vdso_base;
} pm_client_start_data;

typedef struct pm_client_event {
    uint32_t event;     /* one PM_EVENT_* bit */
    uint32_t code;      /* exit code, or fault kind */
    uint64_t koid;
    uint64_t watch_id;  /* request id of the WATCH */
} pm_client_event;

/* A startup handle: the descriptor (not consumed) and the slot id the
 * child receives it at (on Linux: its descriptor number). */
typedef struct pm_client_startup {
    int      fd;
    uint32_t id;
} pm_client_startup;

/* A namespace entry: a directory descriptor (not consumed) and the
 * absolute, normalized path the child sees it at. */
typedef struct pm_client_name {
    int         dir_fd;
    const char *path;
} pm_client_name;

/* ---- launcher builder (fuchsia.process.Launcher) ------------------------- */
/* Calls accumulate in this connection's builder (spec/protocol.md section
 * 5).  Lists longer than one message allows are split over several
 * messages; the core's builder totals still apply (BUILDER_LIMIT).  A
 * split list refused half-way leaves the accepted part in the builder. */

pm_status pm_client_add_args(pm_client *c, const char *const *args, size_t n);
pm_status pm_client_add_environs(pm_client *c, const char *const *envs, size_t n);
pm_status pm_client_add_names(pm_client *c, const pm_client_name *names, size_t n);
pm_status pm_client_add_handles(pm_client *c, const pm_client_startup *h, size_t n);

/* executable: an image descriptor (a regular file, a sealed memfd, or a
 * handle from pm_client_resolve); job and interpreter: descriptors or -1;
 * name: the process name (NULL or "" = derive from the executable). */
pm_status pm_client_set_info(pm_client *c, int executable, int job,
                             int interpreter, const char *name);

/* set_info with the sharing flags (PM_INFO_*, spec/lifecycle.md section
 * 8): they tell the daemon what the caller chose; INHERIT_STDIO and
 * INHERIT_ENVIRON are the caller's to honour (pm_client_spawn sends fds
 * 0-2 and environ), the daemon only records them.  pm_client_set_info is
 * this with flags 0.  A bit outside PM_INFO_FLAGS_ALL is refused by the
 * daemon (PROTO_BAD_FLAGS; an older daemon refuses every bit). */
pm_status pm_client_set_info_flags(pm_client *c, int executable, int job,
                                   int interpreter, const char *name,
                                   uint32_t flags);

/* SET_CWD (issue 6): the process starts in the directory dir_fd (not
 * consumed; open it with O_PATH, which needs no read permission, or
 * O_RDONLY | O_DIRECTORY).  Without it the process starts at "/": nothing
 * of the daemon's working directory is inherited.  Whether dir_fd is a
 * directory is checked at launch: PM_E_K_NOT_DIRECTORY.  A daemon older
 * than issue 6 answers PM_E_PROTO_UNKNOWN_OPCODE. */
pm_status pm_client_set_cwd(pm_client *c, int dir_fd);

/* SET_EXECFN (issue 15): the exec filename, AT_EXECFN of the process
 * launched next: the path its program was executed by, as execve would
 * have been given it (a path as typed, a PATH lookup's result, a script's
 * path), 1..PM_PROTO_MAX_EXECFN (4095) bytes.  It is not the process name
 * (SET_INFO's, at most 32 bytes), and without SET_EXECFN the launch shows
 * the process name there.  Over 4095 bytes: PM_E_PROTO_STRING_TOO_LONG;
 * empty: PM_E_PROTO_STRING_EMPTY (the daemon's answers).  A daemon older
 * than issue 15 answers PM_E_PROTO_UNKNOWN_OPCODE. */
pm_status pm_client_set_execfn(pm_client *c, const char *execfn);

/* Create and start the process the builder describes. */
pm_status pm_client_launch(pm_client *c, pm_client_process *out);

/* Create it without starting; sd (may be NULL) receives the start data. */
pm_status pm_client_create_without_starting(pm_client *c, pm_client_process *out,
                                            pm_client_start_data *sd);

/* Start a process created without starting.  thread may be -1: the
 * process's initial thread (a process handle from pm_client_open_process
 * with PM_RIGHT_START suffices). */
pm_status pm_client_start(pm_client *c, int process, int thread);

/* ---- process core ---------------------------------------------------------- */

/* CREATE_PROCESS: create and start executable with startup caps, no
 * arguments (the design card's create_process). */
pm_status pm_client_create_process(pm_client *c, int executable,
                                   const pm_client_startup *caps, size_t n,
                                   pm_client_process *out);

pm_status pm_client_exit_process(pm_client *c, int process, uint32_t code);

/* OPEN_PROCESS: *process gets a new handle with exactly `rights` (a
 * non-zero subset of PM_RIGHTS_ALL) to the process of koid `koid`.  The
 * daemon admits it for root and for the uid that launched the process
 * (PM_E_NOT_OWNER otherwise); PM_E_NO_SUCH_PROCESS when no record has that
 * koid (never issued, or ended with every handle closed).  *process is -1
 * on failure. */
pm_status pm_client_open_process(pm_client *c, uint64_t koid, uint32_t rights,
                                 int *process);

/* The record and name (name: at least PM_PROTO_MAX_PROCESS_NAME + 1 bytes,
 * NUL-terminated; may be NULL). */
pm_status pm_client_query(pm_client *c, int process, pm_proto_info *info,
                          char *name);

/* LOOKUP_PROCESS (issue 20): the record of koid, its host pid, and once
 * it ended its end time and wait status (*lookup), and its name as
 * pm_client_query gives it (may be NULL); lookup->collected says the record
 * is gone and this came from the daemon's ring of recent ends.  Root and
 * the launching uid only (PM_E_NOT_OWNER); PM_E_NO_SUCH_PROCESS when
 * neither a record nor the ring has koid.  A daemon that predates it
 * answers PM_E_PROTO_UNKNOWN_OPCODE. */
pm_status pm_client_lookup(pm_client *c, uint64_t koid, pm_proto_info *info,
                           pm_proto_lookup *lookup, char *name);

/* One page of LIST_PROCESSES: filter PM_LIST_*, koid (0 for ALL and ENDED), cursor
 * (0 = start), max 1..256 records into out[]; *next_cursor 0 at the end. */
pm_status pm_client_list(pm_client *c, uint32_t filter, uint64_t koid,
                         uint64_t cursor, uint32_t max, pm_proto_info *out,
                         uint32_t *count, uint64_t *next_cursor);

/* WAIT: timeout_ns 0 polls (PM_E_WAIT_TIMED_OUT if still running),
 * PM_WAIT_FOREVER blocks. */
pm_status pm_client_wait(pm_client *c, int target, uint64_t timeout_ns,
                         pm_proto_info *info);

pm_status pm_client_kill(pm_client *c, int target);

/* WAIT_ANY (spec/lifecycle.md section 2): the record of the oldest-ended
 * child of `parent` (a process handle with the WAIT right, or -1 for
 * procmgr's root: then only children launched by this client's user,
 * unless it is root) not yet returned by a WAIT_ANY.  timeout_ns as
 * pm_client_wait (PM_E_WAIT_TIMED_OUT); PM_E_NO_CHILDREN when the parent
 * has neither such an end nor a child still running. */
pm_status pm_client_wait_any(pm_client *c, int parent, uint64_t timeout_ns,
                             pm_proto_info *info);

/* QUERY_DETAILS: the record and the details block (structured end and
 * POSIX wait status, priority level, suspension, CPU time, resident
 * memory, limits; details->flags says which parts are known).  A daemon
 * that predates it answers PM_E_PROTO_UNKNOWN_OPCODE. */
pm_status pm_client_query_details(pm_client *c, int process, pm_proto_info *info,
                                  pm_proto_details *details);

/* ---- control (issue 6, spec/lifecycle.md) --------------------------------- */
/* target: a process handle (needs the SIGNAL, SUSPEND or PRIORITY right)
 * or a job handle (every process of the job).  A daemon older than
 * issue 6 answers PM_E_PROTO_UNKNOWN_OPCODE. */

/* SIGNAL: deliver sig (1..64, Linux numbers).  If it ends the process,
 * WAIT then reports KILLED with exit_code = sig.  PM_E_K_STATE for a
 * process created and not started, PM_E_PROCESS_ENDED once it ended. */
pm_status pm_client_signal(pm_client *c, int target, uint32_t sig);

/* SUSPEND / RESUME: a process by SIGSTOP / SIGCONT on Linux; a job is
 * frozen and thawed as one (cgroup.freeze; SIGSTOP/SIGCONT per process in
 * the MEMBERS mode).  QUERY still reports RUNNING while suspended (the
 * record has no such state). */
pm_status pm_client_suspend(pm_client *c, int target);
pm_status pm_client_resume(pm_client *c, int target);

/* SET_PRIORITY: level PM_PRIORITY_* (0 background .. 5 realtime).
 * PM_E_LINUX_PRIORITY_DENIED when the machine refuses the level. */
pm_status pm_client_set_priority(pm_client *c, int target, uint32_t level);

/* SET_RLIMIT: resource PM_RLIMIT_* of a process created or running
 * (needs the LIMIT right; a job handle is PM_E_HANDLE_KIND: per-job
 * limits are the cgroup's), soft <= hard, PM_RLIMIT_INFINITY for none.
 * PM_E_LINUX_RLIMIT_DENIED when the hard limit may not be raised. */
pm_status pm_client_set_rlimit(pm_client *c, int process, uint32_t resource,
                               uint64_t soft, uint64_t hard);

/* Graceful stop of a process (needs SIGNAL and WAIT; KILL too for a
 * process created and not started, which is killed at once): send sig,
 * wait up to grace_ns for the end, then SIGKILL and wait for the end.
 * *info (may be NULL) gets the final record.  The timer runs here, in
 * the caller: if the caller dies during the grace period, no SIGKILL
 * follows (spec/client.md). */
pm_status pm_client_stop(pm_client *c, int process, uint32_t sig,
                         uint64_t grace_ns, pm_proto_info *info);

/* ---- jobs (issue 6, spec/lifecycle.md section 3) ---------------------------
 * A job handle names a set of processes killed (pm_client_kill), frozen
 * (pm_client_suspend / _resume) and listed (pm_client_list with
 * PM_LIST_BY_JOB) as one; pm_client_set_info puts what is launched next
 * into it.  A job lives while a handle names it or a process is in it.
 * *koid (may be NULL) gets its id, *mode (may be NULL) PM_JOB_MODE_CGROUP
 * when it contains every process its members create (Linux cgroup v2),
 * PM_JOB_MODE_MEMBERS when only those procmgr launched into it.  *job is
 * -1 on failure. */

/* JOB_CREATE: a new empty job. */
pm_status pm_client_job_create(pm_client *c, int *job, uint64_t *koid,
                               uint32_t *mode);

/* JOB_OPEN: a handle to job `koid` (every process launched without a job
 * has one of its own, whose koid is the process's).  For root and the uid
 * that made it: PM_E_NOT_OWNER otherwise, PM_E_NO_SUCH_JOB when no job has
 * that koid. */
pm_status pm_client_job_open(pm_client *c, uint64_t koid, int *job,
                             uint32_t *mode);

/* JOB_SET_LIMIT (spec/lifecycle.md section 6): limit `resource`
 * (PM_JOB_LIMIT_PIDS: processes and threads; PM_JOB_LIMIT_MEMORY: bytes,
 * >= PM_JOB_MEMORY_MIN) of the job to `limit`, PM_JOB_LIMIT_NONE for no
 * limit.  PM_E_LINUX_JOB_LIMIT when the machine has no controller for it
 * (or the daemon's jobs are MEMBERS), PM_E_PROTO_FIELD_RANGE for a
 * resource or limit out of range. */
pm_status pm_client_job_set_limit(pm_client *c, int job, uint32_t resource,
                                  uint64_t limit);

/* JOB_QUERY: the job's koid, mode and limits and usage (*usage: which
 * groups are known, pids/memory current and max, OOM kills, CPU time in
 * microseconds).  Each out pointer may be NULL. */
pm_status pm_client_job_query(pm_client *c, int job, uint64_t *koid,
                              uint32_t *mode, pm_proto_job_usage *usage);

/* WATCH: *watch is the watch channel; read its events with
 * pm_client_watch_next, close it (or pm_client_handle_close) to stop. */
pm_status pm_client_watch(pm_client *c, int target, uint32_t events, int *watch);

/* Next EVENT on a watch channel: timeout_ms < 0 blocks, 0 polls
 * (PM_E_WAIT_TIMED_OUT when nothing is queued).  PM_E_NOT_CONNECTED when
 * the daemon closed the channel. */
pm_status pm_client_watch_next(int watch, int timeout_ms, pm_client_event *ev);

/* ---- resolver and handles -------------------------------------------------- */

/* RESOLVE: *executable and *interpreter (-1 when the image has none). */
pm_status pm_client_resolve(pm_client *c, const char *name, int *executable,
                            int *interpreter);

pm_status pm_client_handle_duplicate(pm_client *c, int handle, uint32_t rights,
                                     int *copy);

/* HANDLE_CLOSE, then close(handle) whatever the daemon answered. */
pm_status pm_client_handle_close(pm_client *c, int handle);

/* ---- one-call spawn (posix_spawn / fdio_spawn_etc) ------------------------- */

#define PM_SPAWN_SUSPENDED  (1u << 0)  /* create without starting          */
#define PM_SPAWN_CLONE_STDIO (1u << 1) /* pass the caller's 0, 1, 2 at 0, 1, 2
                                          (SET_INFO flag INHERIT_STDIO)     */
#define PM_SPAWN_CLONE_ENVIRON (1u << 2) /* send the caller's environ as the
                                          environment; envp must be NULL
                                          (SET_INFO flag INHERIT_ENVIRON)   */
#define PM_SPAWN_INHERIT_JOB (1u << 3) /* launch into the caller's own job:
                                          its creator's when the caller is a
                                          procmgr process (SET_INFO flag
                                          INHERIT_JOB; without it, and
                                          without a job, a job of its own)  */
#define PM_SPAWN_FLAGS_ALL  0xFu

enum pm_spawn_action_kind {
    PM_SPAWN_ACTION_CLONE_FD = 1,   /* pass fd at startup id `id`            */
    PM_SPAWN_ACTION_OPEN     = 2,   /* open(path, oflags, mode), pass at `id` */
    PM_SPAWN_ACTION_ADD_NAME = 3,   /* namespace entry: fd at path            */
    PM_SPAWN_ACTION_SET_NAME = 4,   /* process name = path                    */
    PM_SPAWN_ACTION_SET_CWD  = 5,   /* working directory: fd (SET_CWD)        */
    PM_SPAWN_ACTION_RLIMIT   = 6,   /* resource `id` = soft, hard, set on the
                                       created process before it starts     */
    PM_SPAWN_ACTION_PRIORITY = 7,   /* scheduling level `id` (PM_PRIORITY_*),
                                       set on the created process before it
                                       starts (SET_PRIORITY)               */
    PM_SPAWN_ACTION_SET_EXECFN = 8  /* exec filename (AT_EXECFN) = path
                                       (SET_EXECFN)                        */
};

typedef struct pm_spawn_action {
    uint32_t    kind;      /* pm_spawn_action_kind */
    int         fd;        /* CLONE_FD, ADD_NAME, SET_CWD */
    uint32_t    id;        /* CLONE_FD, OPEN; RLIMIT: PM_RLIMIT_*;
                              PRIORITY: PM_PRIORITY_* */
    const char *path;      /* OPEN, ADD_NAME, SET_NAME, SET_EXECFN */
    int         oflags;    /* OPEN */
    uint32_t    mode;      /* OPEN */
    uint64_t    soft, hard;  /* RLIMIT */
} pm_spawn_action;

/* LAUNCH the builder's process with the RLIMIT and PRIORITY actions of
 * limits[0, n) (other kinds are skipped) applied before its first
 * instruction: CREATE_WITHOUT_STARTING, SET_RLIMIT / SET_PRIORITY for
 * each in order, START unless suspended.  On a refusal the created
 * process is killed and its handles closed (out is then empty): nothing
 * runs without the limits and level asked for.  Without such actions it
 * is pm_client_launch (or create_without_starting). */
pm_status pm_client_launch_limited(pm_client *c, int suspended,
                                   const pm_spawn_action *limits, size_t n,
                                   pm_client_process *out,
                                   pm_client_start_data *sd);

/*
 * Build and launch in one call: executable is the descriptor exe_fd, or
 * when exe_fd < 0 the file at path (opened read-only here).  path, when
 * given, is also the exec filename (AT_EXECFN), as execve(path, ...) would
 * show it, unless a SET_EXECFN action names another.  argv and envp
 * are NULL-terminated (either may be NULL).  Actions apply in order; an
 * OPEN failure (or exe path) is PM_E_K_ARG with errno set.  flags
 * PM_SPAWN_*.  sd receives the start data with PM_SPAWN_SUSPENDED (may be
 * NULL).  RLIMIT actions make the spawn CREATE_WITHOUT_STARTING, send
 * SET_RLIMIT for each, then START (unless SUSPENDED); a refused limit
 * kills the created process and returns the refusal, so no process runs
 * without the limits asked for.
 * Call it with an empty builder.  SET_INFO is sent last; when an earlier step is refused the
 * library sends LAUNCH without SET_INFO, which the core refuses with
 * BUILDER_STATE and which resets the builder (protocol v1 has no reset
 * request), so a failed spawn leaves the builder empty.  Returns the first
 * refusal.
 */
pm_status pm_client_spawn(pm_client *c, uint32_t flags, int exe_fd,
                          const char *path, const char *const *argv,
                          const char *const *envp,
                          const pm_spawn_action *actions, size_t nactions,
                          pm_client_process *out, pm_client_start_data *sd);

#endif /* PROCMGR_CLIENT_H */
