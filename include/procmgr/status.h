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
    X(PM_E_ELF_LOAD_ALIGN,      124, "ELF_LOAD_ALIGN",      "p_align not 0, 1 or a power of two") \
    X(PM_E_ELF_WX,              125, "ELF_WX",              "segment both writable and executable") \
    X(PM_E_ELF_ENTRY,           126, "ELF_ENTRY",           "entry point not inside an executable segment") \
    X(PM_E_ELF_INTERP_COUNT,    127, "ELF_INTERP_COUNT",    "more than one PT_INTERP") \
    X(PM_E_ELF_INTERP_ORDER,    128, "ELF_INTERP_ORDER",    "PT_INTERP after a PT_LOAD") \
    X(PM_E_ELF_INTERP_SIZE,     129, "ELF_INTERP_SIZE",     "interpreter name length outside 2..4096") \
    X(PM_E_ELF_INTERP_NUL,      130, "ELF_INTERP_NUL",      "interpreter name not NUL-terminated exactly at its end") \
    X(PM_E_ELF_INTERP_RANGE,    131, "ELF_INTERP_RANGE",    "interpreter name outside the file") \
    X(PM_E_ELF_INTERP_NESTED,   132, "ELF_INTERP_NESTED",   "interpreter image has a PT_INTERP") \
    X(PM_E_ELF_INTERP_TYPE,     133, "ELF_INTERP_TYPE",     "interpreter image is not ET_DYN") \
    X(PM_E_ELF_STACK_COUNT,     134, "ELF_STACK_COUNT",     "more than one PT_GNU_STACK") \
    X(PM_E_ELF_STACK_EXEC,      135, "ELF_STACK_EXEC",      "executable stack requested") \
    X(PM_E_ELF_PHDR_COUNT,      136, "ELF_PHDR_COUNT",      "more than one PT_PHDR") \
    X(PM_E_ELF_PHDR_ORDER,      137, "ELF_PHDR_ORDER",      "PT_PHDR after a PT_LOAD") \
    X(PM_E_ELF_PHDR_NOT_LOADED, 138, "ELF_PHDR_NOT_LOADED", "PT_PHDR not inside a PT_LOAD") \
    X(PM_E_ELF_PHDR_MISMATCH,   139, "ELF_PHDR_MISMATCH",   "PT_PHDR does not describe the e_phoff table") \
    X(PM_E_ELF_TLS,             140, "ELF_TLS",             "PT_TLS malformed or not inside a PT_LOAD") \
    X(PM_E_ELF_DYNAMIC,         141, "ELF_DYNAMIC",         "PT_DYNAMIC malformed or not inside a PT_LOAD") \
    X(PM_E_ELF_RELRO,           142, "ELF_RELRO",           "PT_GNU_RELRO malformed or not inside a PT_LOAD") \
    X(PM_E_ELF_SPAN,            143, "ELF_SPAN",            "total mapped span over the policy limit") \
    X(PM_E_ELF_BIAS,            144, "ELF_BIAS",            "load bias misaligned or moves the image out of range")

/* Protocol codec: see spec/protocol.md (filled in by the protocol work). */
#define PM_STATUS_PROTO(X)

/* Core: registry, handles, launch builder, stack image. */
#define PM_STATUS_CORE(X)

/* Kernel interface: backend-independent resource errors. */
#define PM_STATUS_KERNEL(X)

/* Linux backend, daemon, client library. */
#define PM_STATUS_LINUX(X)

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
