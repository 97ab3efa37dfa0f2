/*
 * Wire format between procmgr's Linux spawner (src/kernel/linux/spawn.c)
 * and its static stub loader (src/kernel/linux/stub/stub.c).  Both sides are
 * built from this tree at the same time, so the format is private: it is
 * not a protocol other programs speak.  See spec/linux-loader.md.
 *
 * Exchange on a SOCK_SEQPACKET socketpair whose child end is fd
 * PM_STUB_CTL_FD when the stub starts.  The stub first sends one
 * pm_stub_hello (what its own exec gave it: vDSO, hwcaps, ids), then reads
 * one message whose magic selects the mode.
 *
 * Plan mode (pm_linux_spawn, src/kernel/linux/spawn.c):
 *   parent -> stub : one pm_stub_request, with SCM_RIGHTS
 *                    [program fd, interpreter fd (if has_interp), handles...]
 *   stub -> parent : one pm_stub_reply (status PM_OK = fully built)
 *   parent -> stub : (only with PM_STUB_WAIT_START) one byte PM_STUB_GO;
 *                    anything else, or EOF, makes the stub exit unstarted.
 * The stub then closes the socket and jumps to the entry.
 *
 * Ops mode (the kernel.h backend, src/kernel/linux/klinux*.c):
 *   parent -> stub : one pm_stub_build, only its first nops ops sent,
 *                    then data_len written bytes (when they fit in
 *                    PM_STUB_INLINE_MAX; else has_data and a memfd), with
 *                    SCM_RIGHTS
 *                    [image fds (nimages), data memfd (if has_data),
 *                     handles (nhandles), working directory (if has_cwd),
 *                     namespace directories (nmounts)]: the recorded
 *                    construction operations of one address space,
 *                    replayed in order, the fd layout (its CSpace), the
 *                    mounts of its own mount namespace and the directory
 *                    the program starts in (none: "/")
 *   stub -> parent : one pm_stub_reply (PM_OK = built; else the failing op)
 *   parent -> stub : one pm_stub_go (entry, sp, the stack mapping's bounds);
 *                    EOF makes the stub exit unstarted (127)
 *   stub -> parent : one pm_stub_reply (stage FINAL: flags), then the jump.
 *
 * Freestanding: included by the stub, which has no libc.
 */
#ifndef PROCMGR_STUB_PROTO_H
#define PROCMGR_STUB_PROTO_H

#include <stdint.h>

#include "procmgr/elf.h"

#define PM_STUB_MAGIC        0x54534d50u   /* "PMST" */
#define PM_STUB_REPLY_MAGIC  0x52534d50u   /* "PMSR" */
#define PM_STUB_HELLO_MAGIC  0x48534d50u   /* "PMSH" */
#define PM_STUB_BUILD_MAGIC  0x42534d50u   /* "PMSB" */
#define PM_STUB_GO_MAGIC     0x47534d50u   /* "PMSG" */
#define PM_STUB_VERSION      5u

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
    uint32_t op;                 /* ops mode, stage MAP: index of the failing op */
    uint32_t reserved;
} pm_stub_reply;

/* ---- both modes: the stub's first message -------------------------------- */

/* Values of the stub's own auxiliary vector: the kernel made them for this
 * child (its vDSO, the CPU's hwcaps, its credentials). */
typedef struct pm_stub_hello {
    uint32_t magic;              /* PM_STUB_HELLO_MAGIC */
    uint32_t version;            /* PM_STUB_VERSION */
    uint64_t sysinfo_ehdr;       /* AT_SYSINFO_EHDR (0: no vDSO) */
    uint64_t hwcap, hwcap2, clktck, minsigstksz;
    uint64_t uid, euid, gid, egid;
    uint64_t rseq_feature_size, rseq_align;   /* AT_RSEQ_* (0: none) */
} pm_stub_hello;

/* ---- ops mode -------------------------------------------------------------- */

#define PM_STUB_OP_MAP_IMAGE 1u  /* mmap image[image] at off, len bytes, prot   */
#define PM_STUB_OP_MAP_ZERO  2u  /* anonymous pages                              */
#define PM_STUB_OP_UNMAP     3u
#define PM_STUB_OP_PROTECT   4u
#define PM_STUB_OP_WRITE     5u  /* len bytes of the data memfd at off; prot is
                                    the pages' current protection            */
#define PM_STUB_OP_ZERO      6u  /* clear len bytes; prot as for WRITE          */

/* Ops, images and handles of one build.  Handles + images + data fd stay
 * below SCM_MAX_FD (253), the kernel's limit for one message. */
#define PM_STUB_MAX_OPS      256u
#define PM_STUB_MAX_IMAGES   8u
#define PM_STUB_MAX_SLOTS    192u
/* Namespace entries of one build (the builder's 32) and their paths, each
 * NUL-terminated, in mount_paths (4096 path bytes + the NULs). */
#define PM_STUB_MAX_MOUNTS   32u
#define PM_STUB_MOUNT_BYTES  (4096u + PM_STUB_MAX_MOUNTS)

typedef struct pm_stub_op {
    uint32_t kind;               /* PM_STUB_OP_* */
    uint32_t prot;               /* PM_PROT_* */
    uint32_t image;              /* MAP_IMAGE: index among the image fds */
    uint32_t reserved;
    uint64_t vaddr;              /* page-aligned for MAP/UNMAP/PROTECT */
    uint64_t len;
    uint64_t off;                /* MAP_IMAGE: file offset; WRITE: data offset */
} pm_stub_op;

typedef struct pm_stub_build {
    uint32_t magic;              /* PM_STUB_BUILD_MAGIC */
    uint32_t version;            /* PM_STUB_VERSION */
    uint32_t nops;               /* <= PM_STUB_MAX_OPS */
    uint32_t nimages;            /* <= PM_STUB_MAX_IMAGES */
    uint32_t has_data;           /* 1: a data memfd follows the images */
    uint32_t data_len;           /* has_data 0: written bytes right after
                                    op[nops] in the message (WRITE's off is
                                    into them), <= PM_STUB_INLINE_MAX */
    uint32_t nhandles;           /* <= PM_STUB_MAX_SLOTS */
    uint32_t has_cwd;            /* 1: a directory fd follows the handles:
                                    fchdir to it; 0: chdir("/") */
    uint32_t nmounts;            /* <= PM_STUB_MAX_MOUNTS directory fds follow
                                    (after the cwd's): a new mount namespace,
                                    mounts private, each bind-mounted on its
                                    path */
    int32_t  handle_target[PM_STUB_MAX_SLOTS];  /* distinct, in [0, PM_STUB_FD_LIMIT) */
    uint32_t mount_off[PM_STUB_MAX_MOUNTS];     /* path of mount i in mount_paths */
    char     mount_paths[PM_STUB_MOUNT_BYTES];
    pm_stub_op op[PM_STUB_MAX_OPS];
} pm_stub_build;

/* The bytes of a build message: the fixed part, the ops in use, the
 * written bytes carried inline. */
#define PM_STUB_BUILD_HEAD   ((uint64_t)__builtin_offsetof(pm_stub_build, op))
/* The same as a literal, for the ACSL contracts of the stub (proof-stub). */
#define PM_STUB_BUILD_HEAD_ACSL 5064
_Static_assert(__builtin_offsetof(pm_stub_build, op) == PM_STUB_BUILD_HEAD_ACSL,
               "PM_STUB_BUILD_HEAD_ACSL");
_Static_assert(sizeof(pm_stub_op) == 40, "pm_stub_op is 40 bytes");
#define PM_STUB_BUILD_LEN(nops, data_len) \
    (PM_STUB_BUILD_HEAD + (uint64_t)(nops) * sizeof(pm_stub_op) + (uint64_t)(data_len))
/* Written bytes up to this size travel in the build message (no memfd):
 * an initial stack is well under it unless argv and envp are large. */
#define PM_STUB_INLINE_MAX   (32u * 1024u)

/* pm_stub_go.umask: PM_STUB_GO_UMASK | mode bits (0777) to set the
 * program's umask to; 0 leaves the stub's (procmgrd's). */
#define PM_STUB_GO_UMASK     0x80000000u
/* pm_stub_go.setid: PM_STUB_GO_SETID to run the program with effective
 * (and saved) ids euid and egid, as execve runs a set-id program; the
 * real ids stay.  Only procmgrd as root asks it (issue 18 item 9). */
#define PM_STUB_GO_SETID     1u
typedef struct pm_stub_go {
    uint32_t magic;              /* PM_STUB_GO_MAGIC */
    uint32_t umask;              /* PM_STUB_GO_UMASK | bits, or 0 */
    uint64_t entry;              /* first instruction */
    uint64_t sp;                 /* initial stack pointer (argc) */
    uint64_t stack_lo, stack_hi; /* readable mapping holding sp; 0, 0 if none */
    uint32_t setid;              /* PM_STUB_GO_SETID, or 0 */
    uint32_t euid, egid;         /* with PM_STUB_GO_SETID */
    uint32_t reserved;           /* 0 */
} pm_stub_go;

#endif /* PROCMGR_STUB_PROTO_H */
