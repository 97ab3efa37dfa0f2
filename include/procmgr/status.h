/*
 * procmgr status codes: the one error enum shared by the ELF validator, the
 * protocol codec, the core, the kernel backends and the CLIs.
 *
 * Every refusal names its rule.  A code's number and its name are stable:
 * they appear on the wire, in CLI output and in spec/; never renumber or
 * reuse one.  Ranges:
 *     0        OK
 *     100-199  ELF validator         (spec/elf-policy.md)
 *     200-299  protocol codec        (spec/protocol.md)
 *     300-399  core: registry, handles, launch builder, stack image
 *     400-499  kernel interface (backend-independent resource errors)
 *     500-599  Linux backend, daemon and client library
 *
 * Each list below is an X-macro: X(ENUM, NUMBER, "NAME", "message").
 * The enum and the name/message tables are generated from it, so a code is
 * written exactly once.  Freestanding: no libc.
 */
#ifndef PROCMGR_STATUS_H
#define PROCMGR_STATUS_H

#define PM_STATUS_GENERAL(X) \
    X(PM_OK, 0, "OK", "success")

/* ELF validator: one code per rule of spec/elf-policy.md. */
#define PM_STATUS_ELF(X) \
    X(PM_E_ELF_POLICY,          100, "ELF_POLICY",          "invalid validation policy") \
    X(PM_E_ELF_TRUNCATED,       101, "ELF_TRUNCATED",       "file shorter than the ELF header") \
    X(PM_E_ELF_MAGIC,           102, "ELF_MAGIC",           "bad ELF magic") \
    X(PM_E_ELF_CLASS,           103, "ELF_CLASS",           "not ELFCLASS64") \
    X(PM_E_ELF_DATA,            104, "ELF_DATA",            "not little-endian (ELFDATA2LSB)") \
    X(PM_E_ELF_IDENT_VERSION,   105, "ELF_IDENT_VERSION",   "EI_VERSION is not 1") \
    X(PM_E_ELF_OSABI,           106, "ELF_OSABI",           "OS ABI is not SYSV or GNU") \
    X(PM_E_ELF_VERSION,         107, "ELF_VERSION",         "e_version is not 1") \
    X(PM_E_ELF_EHSIZE,          108, "ELF_EHSIZE",          "e_ehsize is not 64") \
    X(PM_E_ELF_PHENTSIZE,       109, "ELF_PHENTSIZE",       "e_phentsize is not 56") \
    X(PM_E_ELF_TYPE,            110, "ELF_TYPE",            "e_type is not ET_EXEC or ET_DYN") \
    X(PM_E_ELF_MACHINE,         111, "ELF_MACHINE",         "machine not allowed by policy") \
    X(PM_E_ELF_PHNUM,           112, "ELF_PHNUM",           "program header count zero, PN_XNUM or over the limit") \
    X(PM_E_ELF_PHOFF_ALIGN,     113, "ELF_PHOFF_ALIGN",     "program header table misaligned") \
    X(PM_E_ELF_PHDR_TABLE_RANGE,114, "ELF_PHDR_TABLE_RANGE","program header table outside the file") \
    X(PM_E_ELF_HEADER_AREA,     115, "ELF_HEADER_AREA",     "header data outside the header area read") \
    X(PM_E_ELF_NO_LOAD,         116, "ELF_NO_LOAD",         "no PT_LOAD segment") \
    X(PM_E_ELF_LOAD_COUNT,      117, "ELF_LOAD_COUNT",      "too many PT_LOAD segments") \
    X(PM_E_ELF_LOAD_ORDER,      118, "ELF_LOAD_ORDER",      "PT_LOAD segments not in ascending p_vaddr order") \
    X(PM_E_ELF_LOAD_OVERLAP,    119, "ELF_LOAD_OVERLAP",    "PT_LOAD segments share a page with conflicting offsets or permissions") \
    X(PM_E_ELF_LOAD_FILESZ,     120, "ELF_LOAD_FILESZ",     "p_filesz greater than p_memsz") \
    X(PM_E_ELF_LOAD_FILE_RANGE, 121, "ELF_LOAD_FILE_RANGE", "segment file range outside the file") \
    X(PM_E_ELF_LOAD_VADDR_RANGE,122, "ELF_LOAD_VADDR_RANGE","segment outside the user address range") \
    X(PM_E_ELF_LOAD_CONGRUENCE, 123, "ELF_LOAD_CONGRUENCE", "p_offset not congruent to p_vaddr modulo the page size") \
    X(PM_E_ELF_LOAD_ALIGN,      124, "ELF_LOAD_ALIGN",      "p_align not 0, 1 or a power of two, or above max_span") \
    X(PM_E_ELF_WX,              125, "ELF_WX",              "segment both writable and executable") \
    X(PM_E_ELF_ENTRY,           126, "ELF_ENTRY",           "entry point not inside an executable segment") \
    X(PM_E_ELF_INTERP_COUNT,    127, "ELF_INTERP_COUNT",    "more than one PT_INTERP") \
    X(PM_E_ELF_INTERP_ORDER,    128, "ELF_INTERP_ORDER",    "PT_INTERP after a PT_LOAD (retired: no longer refused)") \
    X(PM_E_ELF_INTERP_SIZE,     129, "ELF_INTERP_SIZE",     "interpreter name length outside 2..4096") \
    X(PM_E_ELF_INTERP_NUL,      130, "ELF_INTERP_NUL",      "interpreter name not NUL-terminated exactly at its end") \
    X(PM_E_ELF_INTERP_RANGE,    131, "ELF_INTERP_RANGE",    "interpreter name outside the file") \
    X(PM_E_ELF_INTERP_NESTED,   132, "ELF_INTERP_NESTED",   "interpreter image has a PT_INTERP") \
    X(PM_E_ELF_INTERP_TYPE,     133, "ELF_INTERP_TYPE",     "interpreter image is not ET_DYN") \
    X(PM_E_ELF_STACK_COUNT,     134, "ELF_STACK_COUNT",     "more than one PT_GNU_STACK") \
    X(PM_E_ELF_STACK_EXEC,      135, "ELF_STACK_EXEC",      "executable stack requested") \
    X(PM_E_ELF_PHDR_COUNT,      136, "ELF_PHDR_COUNT",      "more than one PT_PHDR") \
    X(PM_E_ELF_PHDR_ORDER,      137, "ELF_PHDR_ORDER",      "PT_PHDR after a PT_LOAD (retired: no longer refused)") \
    X(PM_E_ELF_PHDR_NOT_LOADED, 138, "ELF_PHDR_NOT_LOADED", "PT_PHDR not inside a PT_LOAD") \
    X(PM_E_ELF_PHDR_MISMATCH,   139, "ELF_PHDR_MISMATCH",   "PT_PHDR does not describe the e_phoff table") \
    X(PM_E_ELF_TLS,             140, "ELF_TLS",             "PT_TLS malformed or not inside a PT_LOAD") \
    X(PM_E_ELF_DYNAMIC,         141, "ELF_DYNAMIC",         "PT_DYNAMIC malformed or not inside a PT_LOAD") \
    X(PM_E_ELF_RELRO,           142, "ELF_RELRO",           "PT_GNU_RELRO malformed or not inside a PT_LOAD") \
    X(PM_E_ELF_SPAN,            143, "ELF_SPAN",            "total mapped span over the policy limit") \
    X(PM_E_ELF_BIAS,            144, "ELF_BIAS",            "load bias misaligned or moves the image out of range") \
    X(PM_E_ELF_ARGS,            145, "ELF_ARGS",            "validator arguments inconsistent (buffer longer than the file, unknown role)") \
    X(PM_E_ELF_LOAD_EMPTY,      146, "ELF_LOAD_EMPTY",      "PT_LOAD with p_memsz 0")

/* Protocol codec: one code per rule of spec/protocol.md section 9.
 * PROTO_TRUNCATED and PROTO_BAD_MAGIC close the connection (no reply can be
 * framed); every other refusal is answered with an error reply. */
#define PM_STATUS_PROTO(X) \
    X(PM_E_PROTO_TRUNCATED,        200, "PROTO_TRUNCATED",        "message shorter than the 32-byte header") \
    X(PM_E_PROTO_BAD_MAGIC,        201, "PROTO_BAD_MAGIC",        "header magic is not PMGR") \
    X(PM_E_PROTO_BAD_VERSION,      202, "PROTO_BAD_VERSION",      "protocol version not supported") \
    X(PM_E_PROTO_TOO_LARGE,        203, "PROTO_TOO_LARGE",        "message longer than the maximum message size") \
    X(PM_E_PROTO_LENGTH_MISMATCH,  204, "PROTO_LENGTH_MISMATCH",  "payload length in the header disagrees with the bytes received") \
    X(PM_E_PROTO_RESERVED_NONZERO, 205, "PROTO_RESERVED_NONZERO", "a reserved field is not zero") \
    X(PM_E_PROTO_BAD_FLAGS,        206, "PROTO_BAD_FLAGS",        "unknown flag or rights bit set") \
    X(PM_E_PROTO_TOO_MANY_HANDLES, 207, "PROTO_TOO_MANY_HANDLES", "more handles than a message may carry") \
    X(PM_E_PROTO_HANDLE_COUNT_MISMATCH, 208, "PROTO_HANDLE_COUNT_MISMATCH", "handle count in the header disagrees with the handles received") \
    X(PM_E_PROTO_UNKNOWN_OPCODE,   209, "PROTO_UNKNOWN_OPCODE",   "opcode not defined for this direction") \
    X(PM_E_PROTO_PAYLOAD_TRUNCATED,210, "PROTO_PAYLOAD_TRUNCATED","payload ends inside a field") \
    X(PM_E_PROTO_TRAILING_BYTES,   211, "PROTO_TRAILING_BYTES",   "payload longer than its fields") \
    X(PM_E_PROTO_FIELD_RANGE,      212, "PROTO_FIELD_RANGE",      "field value outside its defined range") \
    X(PM_E_PROTO_TOO_MANY_ITEMS,   213, "PROTO_TOO_MANY_ITEMS",   "list count over the per-message limit") \
    X(PM_E_PROTO_STRING_TOO_LONG,  214, "PROTO_STRING_TOO_LONG",  "string longer than its limit") \
    X(PM_E_PROTO_STRING_EMPTY,     215, "PROTO_STRING_EMPTY",     "string must not be empty") \
    X(PM_E_PROTO_EMBEDDED_NUL,     216, "PROTO_EMBEDDED_NUL",     "string contains a NUL byte") \
    X(PM_E_PROTO_ENV_NO_EQUALS,    217, "PROTO_ENV_NO_EQUALS",    "environment entry is not NAME=VALUE with a non-empty NAME") \
    X(PM_E_PROTO_PATH_NOT_ABSOLUTE,218, "PROTO_PATH_NOT_ABSOLUTE","namespace path does not start with '/'") \
    X(PM_E_PROTO_PATH_NOT_NORMAL,  219, "PROTO_PATH_NOT_NORMAL",  "path has an empty, '.' or '..' component or a trailing '/'") \
    X(PM_E_PROTO_NAME_ABSOLUTE,    220, "PROTO_NAME_ABSOLUTE",    "resolve name starts with '/'") \
    X(PM_E_PROTO_HANDLE_INDEX,     221, "PROTO_HANDLE_INDEX",     "handle index not below the handle count") \
    X(PM_E_PROTO_HANDLE_REQUIRED,  222, "PROTO_HANDLE_REQUIRED",  "required handle field is PM_PROTO_NO_HANDLE") \
    X(PM_E_PROTO_HANDLE_REUSED,    223, "PROTO_HANDLE_REUSED",    "a handle is referenced twice") \
    X(PM_E_PROTO_HANDLE_UNREFERENCED, 224, "PROTO_HANDLE_UNREFERENCED", "a received handle is not referenced by any field") \
    X(PM_E_PROTO_BUFFER_TOO_SMALL, 225, "PROTO_BUFFER_TOO_SMALL", "output buffer too small for the encoded message") \
    X(PM_E_PROTO_BAD_ARGUMENT,     226, "PROTO_BAD_ARGUMENT",     "value given to an encoder violates the protocol") \
    X(PM_E_PROTO_UNEXPECTED_REPLY, 227, "PROTO_UNEXPECTED_REPLY", "reply does not answer the request (opcode or request id)") \
    X(PM_E_PROTO_BAD_STATUS,       228, "PROTO_BAD_STATUS",       "reply status is not a defined status code")

/* Core: registry, handles, launch builder, stack image (spec/core.md). */
#define PM_STATUS_CORE(X) \
    X(PM_E_STACK_TOO_SMALL,   300, "STACK_TOO_SMALL",   "buffer too small for the initial stack image") \
    X(PM_E_STACK_ADDR,        301, "STACK_ADDR",        "stack top not 16-byte aligned or below the buffer size") \
    X(PM_E_STACK_LIMIT,       302, "STACK_LIMIT",       "argv, envp or auxv count, or a string length, over its bound") \
    X(PM_E_STACK_STRING,      303, "STACK_STRING",      "string contains a NUL byte or lies outside its pool") \
    X(PM_E_STACK_AUXV,        304, "STACK_AUXV",        "auxv entry of a type the stack builder computes itself") \
    X(PM_E_BAD_HANDLE,        310, "BAD_HANDLE",        "malformed handle: slot out of range, reserved bits, unknown rights or generation 0") \
    X(PM_E_STALE_HANDLE,      311, "STALE_HANDLE",      "handle names a process record that has been freed") \
    X(PM_E_RIGHTS,            312, "RIGHTS",            "handle lacks a right the operation requires") \
    X(PM_E_REGISTRY_FULL,     313, "REGISTRY_FULL",     "process registry full") \
    X(PM_E_NO_SUCH_PROCESS,   314, "NO_SUCH_PROCESS",   "no live process with that id") \
    X(PM_E_RECORD_FULL,       315, "RECORD_FULL",       "process record holds the maximum number of kernel objects") \
    X(PM_E_LIST_CURSOR,       316, "LIST_CURSOR",       "list cursor out of range") \
    X(PM_E_BUILDER_STATE,     320, "BUILDER_STATE",     "launch builder not ready (no executable set)") \
    X(PM_E_BUILDER_LIMIT,     321, "BUILDER_LIMIT",     "launch builder count or byte bound exceeded") \
    X(PM_E_BUILDER_STRING,    322, "BUILDER_STRING",    "argument, environment string or name contains a NUL byte") \
    X(PM_E_BUILDER_PATH,      323, "BUILDER_PATH",      "namespace path empty or not absolute") \
    X(PM_E_WAIT_TIMED_OUT,    330, "WAIT_TIMED_OUT",    "wait timed out: the target is still running") \
    X(PM_E_ALREADY_STARTED,   331, "ALREADY_STARTED",   "START of a process that was already started") \
    X(PM_E_PROCESS_ENDED,     332, "PROCESS_ENDED",     "process has already exited, been killed or faulted") \
    X(PM_E_DUPLICATE_ID,      333, "DUPLICATE_ID",      "startup handle id given twice") \
    X(PM_E_NAMESPACE_OVERLAP, 334, "NAMESPACE_OVERLAP", "namespace path overlaps another entry") \
    X(PM_E_RESOLVE_NOT_FOUND, 335, "RESOLVE_NOT_FOUND", "resolve name not found under the configured roots") \
    X(PM_E_INTERP_NOT_ALLOWED,336, "INTERP_NOT_ALLOWED","PT_INTERP names an interpreter not on the allowlist") \
    X(PM_E_HANDLE_KIND,       337, "HANDLE_KIND",       "handle is of the wrong kind for this field") \
    X(PM_E_THREAD_MISMATCH,   338, "THREAD_MISMATCH",   "thread handle does not belong to the process") \
    X(PM_E_CONN_FULL,         339, "CONN_FULL",         "dispatcher connection table full") \
    X(PM_E_WAITERS_FULL,      340, "WAITERS_FULL",      "this connection already parks PM_DISPATCH_WAITERS_PER_CONN (4) blocking WAITs: wait on fewer at once, or from another connection") \
    X(PM_E_WATCHES_FULL,      341, "WATCHES_FULL",      "too many watches") \
    X(PM_E_NOT_CONNECTED,     342, "NOT_CONNECTED",     "unknown connection id") \
    X(PM_E_NOT_OWNER,         343, "NOT_OWNER",         "OPEN_PROCESS: caller is neither root nor the principal that launched the process") \
    X(PM_E_SCRIPT_LINE,       344, "SCRIPT_LINE",       "#! line not ended within 256 bytes, or contains a NUL byte") \
    X(PM_E_SCRIPT_INTERP,     345, "SCRIPT_INTERP",     "#! line names no interpreter, or one that is not an absolute path") \
    X(PM_E_SCRIPT_NOT_ALLOWED,346, "SCRIPT_NOT_ALLOWED","#! interpreter not on the script-interpreter allowlist") \
    X(PM_E_SCRIPT_NESTED,     347, "SCRIPT_NESTED",     "#! interpreter is itself a script (one level only)") \
    X(PM_E_LEASE_EXPIRED,     348, "LEASE_EXPIRED",     "the client sent no request for its launch builder within procmgrd's --lease-timeout: the builder was emptied and this launch is refused up to its LAUNCH or CREATE_WITHOUT_STARTING; send the whole launch again") \
    X(PM_E_NO_CHILDREN,       352, "NO_CHILDREN",       "WAIT_ANY: the parent has no child left to wait for (none running, none uncollected)") \
    X(PM_E_NO_SUCH_JOB,       356, "NO_SUCH_JOB",       "no live job with that id") \
    X(PM_E_JOBS_FULL,         357, "JOBS_FULL",         "job table full")

/* Kernel interface: backend-independent errors of the pm_k_* operations
 * (include/procmgr/kernel.h, spec/kernel-interface.md). */
#define PM_STATUS_KERNEL(X) \
    X(PM_E_K_NO_MEMORY,       400, "K_NO_MEMORY",       "frame budget exhausted") \
    X(PM_E_K_NO_OBJECTS,      401, "K_NO_OBJECTS",      "kernel object, CSpace slot or handle budget exhausted") \
    X(PM_E_K_BAD_CAP,         402, "K_BAD_CAP",         "capability names no live handle (null, out of range, released or stale)") \
    X(PM_E_K_REVOKED,         403, "K_REVOKED",         "capability was revoked or its object destroyed") \
    X(PM_E_K_TYPE,            404, "K_TYPE",            "capability names an object of the wrong type") \
    X(PM_E_K_BAD_RIGHTS,      405, "K_BAD_RIGHTS",      "capability lacks a right the operation needs, or asks for more than it holds") \
    X(PM_E_K_ARG,             406, "K_ARG",             "invalid argument: unknown flag bits or missing output") \
    X(PM_E_K_ALIGN,           407, "K_ALIGN",           "address, length or offset not page-aligned") \
    X(PM_E_K_RANGE,           408, "K_RANGE",           "range empty, overflowing, or outside the user, image or CSpace bounds") \
    X(PM_E_K_WX,              409, "K_WX",              "mapping both writable and executable") \
    X(PM_E_K_OVERLAP,         410, "K_OVERLAP",         "range overlaps an existing mapping") \
    X(PM_E_K_NOT_MAPPED,      411, "K_NOT_MAPPED",      "range not entirely mapped") \
    X(PM_E_K_PROT,            412, "K_PROT",            "mapping lacks the access the operation needs") \
    X(PM_E_K_SLOT_OCCUPIED,   413, "K_SLOT_OCCUPIED",   "CSpace slot already holds a capability") \
    X(PM_E_K_SLOT_EMPTY,      414, "K_SLOT_EMPTY",      "CSpace slot holds no capability") \
    X(PM_E_K_STATE,           415, "K_STATE",           "object in the wrong state for the operation") \
    X(PM_E_K_NO_EVENT,        416, "K_NO_EVENT",        "no pending event") \
    X(PM_E_K_INJECTED_FAILURE,417, "K_INJECTED_FAILURE","failure injected by the simulator") \
    X(PM_E_K_INVARIANT,       418, "K_INVARIANT",       "simulator invariant violated") \
    X(PM_E_K_NOT_DIRECTORY,   419, "K_NOT_DIRECTORY",   "capability does not name a directory (working directory, namespace entry)") \
    X(PM_E_K_TIMED_OUT,       420, "K_TIMED_OUT",       "the process being built did not answer in time (PROCMGR_STUB_TIMEOUT_MS, procmgrd --stub-timeout): it was killed, the launch undone") \
    X(PM_E_K_NO_DESCRIPTORS,  421, "K_NO_DESCRIPTORS",  "out of file descriptors: procmgrd's RLIMIT_NOFILE, or the one a new process starts with (which must exceed 256), is reached: raise it (ulimit -n, LimitNOFILE=) or close handles")

/* Linux backend, daemon, client library (spec/linux-loader.md). */
#define PM_STATUS_LINUX(X) \
    X(PM_E_LINUX_NOT_REGULAR,     500, "LINUX_NOT_REGULAR",     "image fd is neither a regular file nor a memfd") \
    X(PM_E_LINUX_MEMFD_UNSEALED,  501, "LINUX_MEMFD_UNSEALED",  "memfd image not sealed against write, grow and shrink") \
    X(PM_E_LINUX_IMAGE_IO,        502, "LINUX_IMAGE_IO",        "reading the image header area failed") \
    X(PM_E_LINUX_INTERP_NOT_ALLOWED, 503, "LINUX_INTERP_NOT_ALLOWED", "PT_INTERP names an interpreter not on the allowlist") \
    X(PM_E_LINUX_INTERP_OPEN,     504, "LINUX_INTERP_OPEN",     "the allowed interpreter could not be opened") \
    X(PM_E_LINUX_BIAS,            505, "LINUX_BIAS",            "no room for a random load bias") \
    X(PM_E_LINUX_ARGS,            506, "LINUX_ARGS",            "bad spawn request: argv, handle numbers or execfn") \
    X(PM_E_LINUX_STUB_SETUP,      507, "LINUX_STUB_SETUP",      "could not prepare the sealed stub memfd") \
    X(PM_E_LINUX_CLONE,           508, "LINUX_CLONE",           "creating the child process failed") \
    X(PM_E_LINUX_STUB_EXEC,       509, "LINUX_STUB_EXEC",       "the kernel refused to execute the stub") \
    X(PM_E_LINUX_STUB_PROTOCOL,   510, "LINUX_STUB_PROTOCOL",   "control exchange with the stub failed or was malformed") \
    X(PM_E_LINUX_STUB_MAP,        511, "LINUX_STUB_MAP",        "stub could not map a segment (address in use or refused)") \
    X(PM_E_LINUX_STUB_FDS,        512, "LINUX_STUB_FDS",        "stub could not place the initial handles") \
    X(PM_E_LINUX_STUB_STACK,      513, "LINUX_STUB_STACK",      "stub could not build the initial stack") \
    X(PM_E_LINUX_STUB_FINAL,      514, "LINUX_STUB_FINAL",      "stub could not prepare its exit trampoline") \
    X(PM_E_LINUX_STATE,           515, "LINUX_STATE",           "operation not valid in the child's current state") \
    X(PM_E_LINUX_PRIORITY_DENIED, 516, "LINUX_PRIORITY_DENIED", "the machine refused the scheduling level (privilege or real-time budget)") \
    X(PM_E_LINUX_RLIMIT_DENIED,   517, "LINUX_RLIMIT_DENIED",   "the machine refused the resource limit (raising a hard limit needs CAP_SYS_RESOURCE)") \
    X(PM_E_LINUX_NAME_MOUNTPOINT, 518, "LINUX_NAME_MOUNTPOINT", "namespace path does not exist as a directory to mount on") \
    X(PM_E_LINUX_NAMESPACE_DENIED,519, "LINUX_NAMESPACE_DENIED","mount namespaces are not allowed here: a launch with names is refused") \
    X(PM_E_LINUX_STUB_DIED,       520, "LINUX_STUB_DIED",       "the process being built died before it answered (killed from outside, or out of memory): nothing of it is left; launch again") \
    X(PM_E_LINUX_PROCESS_LIMIT,   521, "LINUX_PROCESS_LIMIT",   "no new process could be made: a process limit is reached (pids.max of procmgrd's cgroup, its RLIMIT_NPROC, or kernel.threads-max): raise it or end processes") \
    X(PM_E_LINUX_SETID_REFUSED,   522, "LINUX_SETID_REFUSED",   "the program is set-user-ID or set-group-ID, or has file capabilities: execve would run it with other credentials, and procmgr never changes them through a file's bits") \
    X(PM_E_LINUX_JOB_CGROUP,      527, "LINUX_JOB_CGROUP",      "the job's cgroup could not be created, joined or written") \
    X(PM_E_LINUX_JOB_FREEZE,      528, "LINUX_JOB_FREEZE",      "the job's cgroup did not report frozen in time") \
    X(PM_E_LINUX_JOB_LIMIT,       529, "LINUX_JOB_LIMIT",       "JOB_SET_LIMIT: no cgroup controller for this resource (MEMBERS mode, or neither cgroup v2 nor v1 offers it)") \
    X(PM_E_LINUX_EXEC_DENIED,     530, "LINUX_EXEC_DENIED",     "no execute permission for the client on the program, its #! interpreter or its ELF interpreter (execve: EACCES)") \
    X(PM_E_LINUX_NOEXEC,          531, "LINUX_NOEXEC",          "the program, its #! interpreter or its ELF interpreter is on a file system mounted noexec (execve: EACCES)") \
    X(PM_E_LINUX_IMAGE_O_PATH,    532, "LINUX_IMAGE_O_PATH",    "the program's descriptor was opened with O_PATH and cannot be read: open it read-only (O_RDONLY)") \
    X(PM_E_LINUX_STUB_WX,         540, "LINUX_STUB_WX",         "stub refused an op both writable and executable") \
    X(PM_E_LINUX_STUB_ALIGN,      541, "LINUX_STUB_ALIGN",      "stub refused an op not page-aligned") \
    X(PM_E_LINUX_STUB_OVERLAP,    542, "LINUX_STUB_OVERLAP",    "stub refused a mapping over pages an earlier op mapped") \
    X(PM_E_LINUX_STUB_FILE_RANGE, 543, "LINUX_STUB_FILE_RANGE", "stub refused an image mapping beyond the image's size") \
    X(PM_E_LINUX_STUB_UNMAPPED,   544, "LINUX_STUB_UNMAPPED",   "stub refused an op outside every earlier mapping")

#define PM_STATUS_ALL(X) \
    PM_STATUS_GENERAL(X) PM_STATUS_ELF(X) PM_STATUS_PROTO(X) \
    PM_STATUS_CORE(X) PM_STATUS_KERNEL(X) PM_STATUS_LINUX(X)

#define PM_STATUS_ENUM_(e, n, name, msg) e = n,
typedef enum pm_status {
    PM_STATUS_ALL(PM_STATUS_ENUM_)
    PM_STATUS_MAX_ = 1000
} pm_status;
#undef PM_STATUS_ENUM_

/* Stable name of a code ("ELF_MAGIC"), or "UNKNOWN" for a number that is
 * not a code.  Never NULL; the string is static. */
const char *pm_status_name(int status);

/* One-line human message for a code, or "unknown status".  Never NULL. */
const char *pm_status_message(int status);

#endif /* PROCMGR_STATUS_H */
