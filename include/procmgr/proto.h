/*
 * procmgr wire protocol codec (normative text: spec/protocol.md).
 *
 * Every message is one datagram (SOCK_SEQPACKET on Linux, one IPC message on
 * a microkernel): a 32-byte little-endian header followed by the payload.
 * Handles travel beside the bytes (SCM_RIGHTS / capability transfer) and are
 * named in the payload by their index among the handles of that message.
 *
 * pm_proto_decode_request() turns the bytes a client sent into a typed
 * request whose strings and lists are (offset, length) slices into the
 * received message: nothing is copied, and on PM_OK every slice lies inside
 * the payload (proven, spec/acsl/proto.h).  On any refusal the request is
 * empty (valid == 0, opcode == 0, no items).  pm_proto_encode_reply() frames
 * a reply into a caller buffer.  The client-side pair,
 * pm_proto_encode_request() and pm_proto_decode_reply(), is the same rules
 * read from the other side.
 *
 * Freestanding: no libc, no allocation, no globals.
 */
#ifndef PROCMGR_PROTO_H
#define PROCMGR_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/status.h"

/* --- framing ----------------------------------------------------------- */
#define PM_PROTO_MAGIC          0x52474D50u   /* bytes 'P' 'M' 'G' 'R'       */
#define PM_PROTO_VERSION        1u
#define PM_PROTO_HEADER_SIZE    32u
#define PM_PROTO_MAX_MSG        65536u        /* header included             */
#define PM_PROTO_MAX_PAYLOAD    (PM_PROTO_MAX_MSG - PM_PROTO_HEADER_SIZE)
#define PM_PROTO_MAX_HANDLES    64u           /* handles in one message      */
#define PM_PROTO_NO_HANDLE      0xFFFFFFFFu   /* "no handle" in a handle field */
#define PM_PROTO_REPLY_BIT      0x8000u       /* opcode of a reply = request | bit */

/* --- per-message limits ------------------------------------------------ */
#define PM_PROTO_MAX_ITEMS        256u   /* entries of one list in one message   */
#define PM_PROTO_MAX_ARG_LEN      32768u /* one argument or environment entry     */
#define PM_PROTO_MAX_PATH_LEN     4095u  /* namespace path (PATH_MAX - NUL)       */
#define PM_PROTO_MAX_RESOLVE_NAME 2048u  /* fuchsia MAX_RESOLVE_NAME_SIZE         */
#define PM_PROTO_MAX_PROCESS_NAME 64u    /* process name                          */
#define PM_PROTO_MAX_EXECFN       4095u  /* exec filename (PATH_MAX - NUL)        */
#define PM_PROTO_MAX_LIST         256u   /* process records in one LIST reply     */
#define PM_PROTO_INFO_SIZE        32u    /* one process record on the wire        */

/* The launch builder's totals across messages are the core's to enforce:
 * see PM_BUILDER_* in include/procmgr/builder.h (spec/protocol.md §8). */

/* --- opcodes (section 5 of the spec) ------------------------------------ */
/* Ranges: 0x0001-0x00FF process core, 0x0100-0x01FF launcher builder,
 * 0x0200-0x02FF resolver, 0x0300-0x03FF lifecycle and handles,
 * 0x0400-0x04FF control (issue 6: SIGNAL, SET_PRIORITY, SET_RLIMIT,
 * SUSPEND, RESUME defined; wait-any and namespaces still reserved), 0x0500-0x7EFF unassigned,
 * 0x7F00-0x7FFF never assigned (private experiments), bit 15 = reply,
 * 0xFF01 = event.  An opcode not listed here is refused. */
enum pm_proto_opcode {
    PM_OP_NONE                    = 0x0000,  /* never valid on the wire */
    PM_OP_CREATE_PROCESS          = 0x0001,
    PM_OP_EXIT_PROCESS            = 0x0002,
    PM_OP_QUERY_PROCESS           = 0x0003,
    PM_OP_LIST_PROCESSES          = 0x0004,
    PM_OP_OPEN_PROCESS            = 0x0005,
    PM_OP_QUERY_DETAILS           = 0x0006,  /* issue 6, spec/lifecycle.md §1, §5-7 */
    PM_OP_LOOKUP_PROCESS          = 0x0007,  /* issue 20: host pid, recent ends */
    PM_OP_ADD_ARGS                = 0x0101,
    PM_OP_ADD_ENVIRONS            = 0x0102,
    PM_OP_ADD_NAMES               = 0x0103,
    PM_OP_ADD_HANDLES             = 0x0104,
    PM_OP_SET_INFO                = 0x0105,
    PM_OP_LAUNCH                  = 0x0106,
    PM_OP_CREATE_WITHOUT_STARTING = 0x0107,
    PM_OP_START                   = 0x0108,
    PM_OP_SET_CWD                 = 0x0109,  /* issue 6, working directory */
    PM_OP_SET_EXECFN              = 0x010A,  /* issue 15, AT_EXECFN        */
    PM_OP_RESOLVE                 = 0x0201,
    PM_OP_WAIT                    = 0x0301,
    PM_OP_WATCH                   = 0x0302,
    PM_OP_KILL                    = 0x0303,
    PM_OP_HANDLE_DUPLICATE        = 0x0304,
    PM_OP_HANDLE_CLOSE            = 0x0305,
    PM_OP_WAIT_ANY                = 0x0401,  /* issue 6, §2 */
    PM_OP_SIGNAL                  = 0x0402,  /* issue 6, spec/lifecycle.md §4 */
    PM_OP_SET_PRIORITY            = 0x0403,  /* issue 6, §5 */
    PM_OP_SET_RLIMIT              = 0x0404,  /* issue 6, §6 */
    PM_OP_SUSPEND                 = 0x0405,  /* issue 6, §7 */
    PM_OP_RESUME                  = 0x0406,  /* issue 6, §7 */
    PM_OP_JOB_CREATE              = 0x0410,  /* issue 6, §3 */
    PM_OP_JOB_OPEN                = 0x0411,  /* issue 6, §3 */
    PM_OP_JOB_SET_LIMIT           = 0x0412,  /* issue 6, §6 (per-job limits) */
    PM_OP_JOB_QUERY               = 0x0413,  /* issue 6, §6 (job usage)      */
    PM_OP_EVENT                   = 0xFF01   /* daemon -> watcher, unsolicited */
};

/* LIST_PROCESSES filter */
#define PM_LIST_ALL         0u
#define PM_LIST_BY_JOB      1u
#define PM_LIST_BY_PARENT   2u
#define PM_LIST_ENDED       3u   /* issue 20: the ring of recent ends; koid 0 */

/* WAIT timeouts (nanoseconds): 0 polls, PM_WAIT_FOREVER blocks. */
#define PM_WAIT_POLL        0u
#define PM_WAIT_FOREVER     UINT64_MAX

/* WATCH event mask and EVENT kinds */
#define PM_EVENT_STARTED    (1u << 0)
#define PM_EVENT_EXITED     (1u << 1)
#define PM_EVENT_KILLED     (1u << 2)
#define PM_EVENT_FAULTED    (1u << 3)
#define PM_EVENT_ALL        0x0000000Fu

/* Handle rights (HANDLE_DUPLICATE, OPEN_PROCESS).  Bits 7-10 were added by
 * issue 6 (a compatible change: an older daemon refuses them with
 * PROTO_BAD_FLAGS).  PM_RIGHTS_ALL stays a low bit mask (the registry
 * relies on it). */
#define PM_RIGHT_QUERY      (1u << 0)
#define PM_RIGHT_WAIT       (1u << 1)
#define PM_RIGHT_KILL       (1u << 2)
#define PM_RIGHT_DUPLICATE  (1u << 3)
#define PM_RIGHT_TRANSFER   (1u << 4)
#define PM_RIGHT_START      (1u << 5)
#define PM_RIGHT_WATCH      (1u << 6)
#define PM_RIGHT_SIGNAL     (1u << 7)   /* SIGNAL                      */
#define PM_RIGHT_SUSPEND    (1u << 8)   /* SUSPEND, RESUME             */
#define PM_RIGHT_PRIORITY   (1u << 9)   /* SET_PRIORITY                */
#define PM_RIGHT_LIMIT      (1u << 10)  /* SET_RLIMIT                  */
#define PM_RIGHTS_ALL       0x000007FFu

/* SIGNAL: signal numbers (Linux numbering, the kernel's signals on a
 * backend that has them; the sim models them, spec/lifecycle.md §4). */
#define PM_SIGNAL_MIN       1u
#define PM_SIGNAL_MAX       64u
#define PM_SIGNAL_KILL      9u
#define PM_SIGNAL_TERM      15u

/* SET_PRIORITY levels (spec/lifecycle.md §5), highest last. */
#define PM_PRIORITY_BACKGROUND 0u
#define PM_PRIORITY_LOW        1u
#define PM_PRIORITY_NORMAL     2u
#define PM_PRIORITY_HIGH       3u
#define PM_PRIORITY_CODEC      4u
#define PM_PRIORITY_REALTIME   5u
#define PM_PRIORITY_MAX        5u

/* SET_RLIMIT resources (spec/lifecycle.md §6); values are u64, with
 * PM_RLIMIT_INFINITY (2^64 - 1) for "no limit", soft <= hard. */
#define PM_RLIMIT_AS        0u   /* address space bytes            */
#define PM_RLIMIT_CPU       1u   /* CPU seconds                    */
#define PM_RLIMIT_NOFILE    2u   /* open descriptors               */
#define PM_RLIMIT_NPROC     3u   /* processes of the user          */
#define PM_RLIMIT_MAX       3u
#define PM_RLIMIT_INFINITY  UINT64_MAX

/* SET_INFO flags: the sharing flags (spec/lifecycle.md §8, issue 6).  The
 * daemon carries them to the connection's launch state; INHERIT_STDIO and
 * INHERIT_ENVIRON say what libprocmgr already sent (the daemon never
 * reaches into a client); INHERIT_JOB is the job choice's.  Any other bit
 * is PROTO_BAD_FLAGS. */
#define PM_INFO_INHERIT_JOB      (1u << 0)
#define PM_INFO_INHERIT_STDIO    (1u << 1)
#define PM_INFO_INHERIT_ENVIRON  (1u << 2)
#define PM_INFO_FLAGS_ALL        0x00000007u

/* JOB_CREATE / JOB_OPEN reply: what a job contains (spec/lifecycle.md §3). */
#define PM_JOB_MODE_MEMBERS 0u   /* the processes procmgr launched into it  */
#define PM_JOB_MODE_CGROUP  1u   /* and every process they create (cgroup)  */
#define PM_JOB_MODE_MAX     1u

/* JOB_SET_LIMIT resources (spec/lifecycle.md §6).  A limit is a u64;
 * PM_JOB_LIMIT_NONE (2^64 - 1) removes it ("max"); PIDS >= 1, MEMORY >=
 * PM_JOB_MEMORY_MIN. */
#define PM_JOB_LIMIT_PIDS   1u   /* processes and threads in the job    */
#define PM_JOB_LIMIT_MEMORY 2u   /* bytes of memory charged to the job  */
#define PM_JOB_LIMIT_MAX    2u
#define PM_JOB_LIMIT_NONE   UINT64_MAX
#define PM_JOB_MEMORY_MIN   4096u

/* JOB_QUERY reply: which groups of fields the backend could read. */
#define PM_JOB_KNOWN_PIDS   (1u << 0)   /* pids_current, pids_max              */
#define PM_JOB_KNOWN_MEMORY (1u << 1)   /* memory_current, memory_max, oom_kills */
#define PM_JOB_KNOWN_CPU    (1u << 2)   /* cpu_usec                            */
#define PM_JOB_KNOWN_ALL    0x00000007u

/* Process states in a process record */
#define PM_STATE_CREATED    0u   /* created without starting */
#define PM_STATE_RUNNING    1u
#define PM_STATE_EXITED     2u
#define PM_STATE_KILLED     3u
#define PM_STATE_FAULTED    4u
#define PM_STATE_MAX        4u

/* QUERY_DETAILS (spec/protocol.md §7, spec/lifecycle.md §1): how a process
 * ended, with the POSIX wait status derived from it. */
#define PM_END_NONE         0u   /* created or running */
#define PM_END_EXITED       1u   /* end_code = exit code 0..255 */
#define PM_END_KILLED       2u   /* end_code = signal (0: ended by procmgr) */
#define PM_END_FAULTED      3u   /* end_code = signal (0: none), fault = kind */
#define PM_END_MAX          3u
#define PM_FAULT_MAX        6u   /* fault kinds 1..6 (kernel.h pm_kfault) */
#define PM_END_CORE_DUMPED  (1u << 0)   /* end_flags */
#define PM_END_FLAGS_ALL    0x00000001u
/* details flags: which optional parts hold values */
#define PM_DETAIL_SUSPENDED (1u << 0)   /* stopped by SUSPEND, not resumed */
#define PM_DETAIL_CPU       (1u << 1)   /* cpu_user_ns, cpu_system_ns known */
#define PM_DETAIL_RSS       (1u << 2)   /* rss_bytes known */
#define PM_DETAIL_RLIMITS   (1u << 3)   /* rlim_soft, rlim_hard known */
#define PM_DETAIL_FLAGS_ALL 0x0000000Fu
/* resource limits, in this order on the wire */
#define PM_RLIMIT_AS        0u
#define PM_RLIMIT_CPU       1u
#define PM_RLIMIT_NOFILE    2u
#define PM_RLIMIT_NPROC     3u
#define PM_RLIMIT_COUNT     4u
#define PM_RLIM_INFINITY    UINT64_MAX
#define PM_PROTO_DETAILS_SIZE 120u   /* the details block on the wire */

/* --- decoded request ------------------------------------------------------ */

/* A range of the received message: bytes [off, off + len). */
typedef struct pm_slice {
    uint32_t off;
    uint32_t len;
} pm_slice;

/* One list entry.  ADD_ARGS/ADD_ENVIRONS: str.  ADD_NAMES: handle + str.
 * ADD_HANDLES and CREATE_PROCESS caps: handle + id. */
typedef struct pm_proto_item {
    uint32_t handle;
    uint32_t id;
    pm_slice str;
} pm_proto_item;

#define PM_PROTO_REQUEST_VALID 1u

/* Where to send the reply to a message, refused or not.  can_reply is 0 when no reply can
 * be framed (PROTO_TRUNCATED, PROTO_BAD_MAGIC): the receiver then closes the
 * connection. */
typedef struct pm_proto_reply_to {
    uint32_t can_reply;
    uint16_t opcode;         /* the request's opcode, as received */
    uint64_t request_id;
} pm_proto_reply_to;


/*
 * Fields by opcode (unused fields are 0, unused handles PM_PROTO_NO_HANDLE):
 *   CREATE_PROCESS   handle[0]=executable, items = initial caps (handle, id)
 *   EXIT_PROCESS     handle[0]=process, value=exit code (u32 on the wire)
 *   QUERY_PROCESS    handle[0]=process
 *   QUERY_DETAILS    handle[0]=process
 *   LIST_PROCESSES   flags=filter, limit=max records, value=koid, cursor
 *   OPEN_PROCESS     value=koid, flags=rights of the handle (non-zero)
 *   LOOKUP_PROCESS   value=koid (non-zero)
 *   ADD_ARGS         items (str)
 *   ADD_ENVIRONS     items (str)
 *   ADD_NAMES        items (handle=directory, str=path)
 *   ADD_HANDLES      items (handle, id)
 *   SET_INFO         handle[0]=executable, handle[1]=job (optional),
 *                    handle[2]=interpreter (optional), flags, str=name
 *   LAUNCH, CREATE_WITHOUT_STARTING: nothing
 *   START            handle[0]=process, handle[1]=thread (optional: absent
 *                    means the process's initial thread)
 *   SET_CWD          handle[0]=directory
 *   SET_EXECFN       str=exec filename (1..4095 bytes, no NUL)
 *   RESOLVE          str=name
 *   WAIT             handle[0]=target, value=timeout in ns
 *   WAIT_ANY         handle[0]=parent (optional: absent = procmgr's root),
 *                    value=timeout in ns
 *   WATCH            handle[0]=target, flags=event mask
 *   KILL             handle[0]=target
 *   HANDLE_DUPLICATE handle[0]=handle, flags=rights of the copy
 *   HANDLE_CLOSE     handle[0]=handle
 *   SIGNAL           handle[0]=target, flags=signal (1..64),
 *                    value=grace_ns (0 in this version)
 *   SET_PRIORITY     handle[0]=target, flags=level (0..5)
 *   SET_RLIMIT       handle[0]=process, flags=resource (0..3),
 *                    value=soft, cursor=hard (soft <= hard)
 *   SUSPEND, RESUME  handle[0]=target
 *   JOB_CREATE       nothing (a reserved u32, 0)
 *   JOB_OPEN         value=job koid (non-zero)
 *   JOB_SET_LIMIT    handle[0]=job, flags=resource (1..2), value=limit
 *   JOB_QUERY        handle[0]=job
 */
typedef struct pm_proto_request {
    uint32_t valid;          /* PM_PROTO_REQUEST_VALID iff decoded       */
    uint16_t opcode;         /* PM_OP_*, PM_OP_NONE when refused         */
    uint64_t request_id;
    uint32_t handle_count;   /* handles that came with the message       */
    uint32_t handle[3];
    uint32_t flags;
    uint32_t limit;
    uint64_t value;
    uint64_t cursor;
    pm_slice str;
    uint32_t item_count;
    pm_proto_item items[PM_PROTO_MAX_ITEMS];
    pm_proto_reply_to reply_to;  /* filled even when the message is refused */
} pm_proto_request;

/* --- replies ---------------------------------------------------------------- */

/* One process record (32 bytes on the wire). */
typedef struct pm_proto_info {
    uint64_t koid;
    uint64_t parent_koid;
    uint64_t job_koid;
    uint32_t state;          /* PM_STATE_* */
    uint32_t exit_code;
} pm_proto_info;

/* The details block of a QUERY_DETAILS reply (120 bytes on the wire). */
typedef struct pm_proto_details {
    uint32_t end;            /* PM_END_* */
    uint32_t end_code;       /* exit code, or the signal */
    uint32_t fault;          /* FAULTED: fault kind 1..6, else 0 */
    uint32_t end_flags;      /* PM_END_CORE_DUMPED */
    uint32_t wait_status;    /* POSIX: code << 8, or signal | 0x80 if core */
    uint32_t priority;       /* PM_PRIORITY_* level */
    uint32_t flags;          /* PM_DETAIL_* */
    uint32_t reserved;       /* 0 */
    uint64_t cpu_user_ns;
    uint64_t cpu_system_ns;
    uint64_t rss_bytes;      /* resident now; after the end: the peak */
    uint64_t rlim_soft[PM_RLIMIT_COUNT];   /* PM_RLIM_INFINITY: unlimited */
    uint64_t rlim_hard[PM_RLIMIT_COUNT];
} pm_proto_details;
/* What a LOOKUP_PROCESS reply adds to the record (issue 20,
 * spec/protocol.md §7): the host's process id and, once ended, when and
 * how, also for a process whose record was collected (the ring of recent
 * ends, spec/daemon.md section 9a). */
typedef struct pm_proto_lookup {
    uint64_t pid;            /* host process id; 0: none (the sim), not yet */
    uint64_t end_time_ns;    /* wall clock at the end, ns since 1970; 0: none */
    uint32_t wait_status;    /* POSIX wait status once ended, else 0 */
    uint32_t collected;      /* PM_LOOKUP_COLLECTED or 0 */
} pm_proto_lookup;
#define PM_LOOKUP_COLLECTED 1u   /* from the ring: the record is gone */
#define PM_LOOKUP_COLLECTED_MAX 1u

/* A job's limits and usage (JOB_QUERY reply; 48 bytes after the known
 * mask on the wire).  A field whose group is not in `known` is 0; a limit
 * not set is PM_JOB_LIMIT_NONE. */
typedef struct pm_proto_job_usage {
    uint32_t known;          /* PM_JOB_KNOWN_* */
    uint64_t pids_current;   /* processes and threads now in the job */
    uint64_t pids_max;
    uint64_t memory_current; /* bytes charged now */
    uint64_t memory_max;
    uint64_t oom_kills;      /* processes the OOM killer ended in it */
    uint64_t cpu_usec;       /* CPU time of everything it ran, user + system */
} pm_proto_job_usage;

/*
 * A reply (or an event).  status != PM_OK carries nothing else.  On PM_OK:
 *   CREATE_PROCESS, LAUNCH   koid; handles 0=process, 1=thread
 *   CREATE_WITHOUT_STARTING  koid, entry, stack, image_base, interp_base,
 *                            vdso_base; handles 0=process, 1=thread
 *   QUERY_PROCESS            info, name (encode: name/name_len;
 *                            decode: name_slice)
 *   LIST_PROCESSES           next_cursor, list_count records (encode: list;
 *                            decode: list_slice, read with
 *                            pm_proto_reply_list_entry)
 *   RESOLVE                  handle 0=executable, 1=interpreter if has_interp
 *   WAIT, WAIT_ANY           info
 *   QUERY_DETAILS            info, details
 *   LOOKUP_PROCESS           info, lookup, name (as QUERY_PROCESS)
 *   WATCH                    handle 0=watch channel
 *   OPEN_PROCESS             handle 0=the process handle
 *   HANDLE_DUPLICATE         handle 0=the copy
 *   JOB_CREATE, JOB_OPEN     handle 0=the job, job_mode, koid (the job's)
 *   JOB_QUERY                koid, job_mode, job (limits and usage)
 *   EVENT (opcode PM_OP_EVENT, status PM_OK)  event, koid, event_code
 *   others                   nothing
 */
typedef struct pm_proto_reply {
    uint16_t opcode;         /* the request's opcode, without the reply bit */
    uint64_t request_id;
    uint32_t status;         /* pm_status */
    uint32_t handle_count;   /* set by the encoder and by the decoder */
    uint64_t koid;
    uint64_t entry;
    uint64_t stack;
    uint64_t image_base;
    uint64_t interp_base;
    uint64_t vdso_base;
    uint32_t has_interp;
    pm_proto_info info;
    pm_proto_details details;  /* QUERY_DETAILS */
    pm_proto_lookup lookup;    /* LOOKUP_PROCESS */
    const uint8_t *name;     /* encode input */
    uint32_t name_len;       /* encode input */
    pm_slice name_slice;     /* decode output */
    const pm_proto_info *list; /* encode input */
    uint32_t list_count;
    pm_slice list_slice;     /* decode output */
    uint64_t next_cursor;
    uint32_t event;          /* PM_EVENT_* (one bit) */
    uint32_t event_code;
    uint32_t job_mode;       /* PM_JOB_MODE_* */
    pm_proto_job_usage job;  /* JOB_QUERY */
} pm_proto_reply;

/* Decode one received message.  msg[0, len) are the bytes, handles the
 * number of handles that arrived with them (the receiver passes
 * PM_PROTO_MAX_HANDLES + 1 when the control data was truncated).  req is
 * always written; req->reply_to says how to answer, even on a refusal.  Returns PM_OK or the PROTO code of the first rule
 * broken (spec/protocol.md, order of section 9). */
pm_status pm_proto_decode_request(const uint8_t *msg, size_t len,
                                  uint32_t handles, pm_proto_request *req);

/* Frame a reply into out[0, cap).  On PM_OK *out_len is the message length
 * and reply->handle_count the number of handles the caller attaches, in the
 * order the spec gives.  An error reply (status != PM_OK) is 36 bytes. */
pm_status pm_proto_encode_reply(pm_proto_reply *reply, uint8_t *out,
                                size_t cap, size_t *out_len);

/* Client side: frame a request whose slices point into src[0, src_len). */
pm_status pm_proto_encode_request(const pm_proto_request *req,
                                  const uint8_t *src, size_t src_len,
                                  uint8_t *out, size_t cap, size_t *out_len);

/* Client side: decode a reply or event received with `handles` handles. */
pm_status pm_proto_decode_reply(const uint8_t *msg, size_t len,
                                uint32_t handles, pm_proto_reply *reply);

/* Client side: record i of a decoded LIST_PROCESSES reply. */
pm_status pm_proto_reply_list_entry(const uint8_t *msg, size_t len,
                                    const pm_proto_reply *reply, uint32_t i,
                                    pm_proto_info *info);

#endif /* PROCMGR_PROTO_H */
