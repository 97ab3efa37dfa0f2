/*
 * Wire format between procmgr's Linux spawner (src/kernel/linux/spawn.c)
 * and its static stub loader (src/kernel/linux/stub/stub.c).  Both sides are
 * built from this tree at the same time, so the format is private: it is
 * not a protocol other programs speak.  See spec/linux-loader.md.
 *
 * Exchange on a SOCK_SEQPACKET socketpair whose child end is fd
 * PM_STUB_CTL_FD when the stub starts:
 *   parent -> stub : one pm_stub_request, with SCM_RIGHTS
 *                    [program fd, interpreter fd (if has_interp), handles...]
 *   stub -> parent : one pm_stub_reply (status PM_OK = fully built)
 *   parent -> stub : (only with PM_STUB_WAIT_START) one byte PM_STUB_GO;
 *                    anything else, or EOF, makes the stub exit unstarted.
 * The stub then closes the socket and jumps to the entry.
 *
 * Freestanding: included by the stub, which has no libc.
 */
#ifndef PROCMGR_STUB_PROTO_H
#define PROCMGR_STUB_PROTO_H

#include <stdint.h>

#include "procmgr/elf.h"

#define PM_STUB_MAGIC        0x54534d50u   /* "PMST" */
#define PM_STUB_REPLY_MAGIC  0x52534d50u   /* "PMSR" */
#define PM_STUB_VERSION      1u

/* The control socket's fd number when the kernel starts the stub. */
#define PM_STUB_CTL_FD       3
/* Handle targets are fd numbers in [0, PM_STUB_FD_LIMIT). */
#define PM_STUB_FD_LIMIT     256
#define PM_STUB_MAX_HANDLES  64
/* AT_EXECFN string, NUL included. */
#define PM_STUB_EXECFN_MAX   4096u

/* The stub is an ET_EXEC linked here (-Ttext-segment); spawn.c keeps every
 * random load bias out of [PM_STUB_LINK_BASE, PM_STUB_LINK_END). */
#define PM_STUB_LINK_BASE    0x600000000000ull
#define PM_STUB_LINK_END     0x600010000000ull

/* request.flags */
#define PM_STUB_WAIT_START   (1u << 0)

/* The byte that starts a built, waiting stub. */
#define PM_STUB_GO           0x47u   /* 'G' */

typedef struct pm_stub_request {
    uint32_t magic;              /* PM_STUB_MAGIC   */
    uint32_t version;            /* PM_STUB_VERSION */
    uint32_t flags;              /* PM_STUB_WAIT_START */
    uint32_t nhandles;           /* <= PM_STUB_MAX_HANDLES */
    uint32_t has_interp;         /* 1: interp is valid and an fd follows the program's */
    uint32_t execfn_len;         /* bytes of execfn including the NUL, 1..PM_STUB_EXECFN_MAX */
    int32_t  handle_target[PM_STUB_MAX_HANDLES];  /* distinct, in [0, PM_STUB_FD_LIMIT) */
    pm_elf_plan prog;            /* validated, biased */
    pm_elf_plan interp;          /* validated (interpreter role), biased */
    char     execfn[PM_STUB_EXECFN_MAX];
} pm_stub_request;

/* reply.flags */
#define PM_STUB_R_MM_MAP       (1u << 0)  /* PR_SET_MM_MAP applied: /proc auxv, code/data/stack bounds */
#define PM_STUB_R_TRAMP_LEFT   (1u << 1)  /* no vDSO gadget: one r-x trampoline page stays mapped */

/* reply.stage: where the stub stopped (diagnostics). */
#define PM_STUB_STAGE_RECV     1u
#define PM_STUB_STAGE_CHECK    2u
#define PM_STUB_STAGE_FDS      3u
#define PM_STUB_STAGE_MAP      4u
#define PM_STUB_STAGE_STACK    5u
#define PM_STUB_STAGE_FINAL    6u
#define PM_STUB_STAGE_READY    7u

typedef struct pm_stub_reply {
    uint32_t magic;              /* PM_STUB_REPLY_MAGIC */
    int32_t  status;             /* PM_OK or a PM_E_LINUX_STUB_* code */
    int32_t  sys_errno;          /* errno of the failing call, 0 if none */
    uint32_t stage;              /* PM_STUB_STAGE_* */
    uint32_t flags;              /* PM_STUB_R_* */
    int32_t  mm_map_errno;       /* errno of PR_SET_MM_MAP when not applied */
    uint64_t entry;              /* where control will go (interp's entry for dynamic) */
    uint64_t sp;                 /* initial stack pointer */
} pm_stub_reply;

#endif /* PROCMGR_STUB_PROTO_H */
