/*
 * procmgr Linux loader, parent side (spec/linux-loader.md).
 *
 * Builds a real Linux process from a validated load plan without ever
 * calling execve on the target: the kernel executes only procmgr's static
 * stub (from a sealed memfd), which maps the plan's segments from the image
 * fd, places the initial handles, builds the initial stack and jumps to the
 * entry (the interpreter's for a dynamic program) after removing itself.
 *
 * The image is a capability: an fd of a regular file or of a memfd sealed
 * against write, grow and shrink; anything else is refused.  Its header area
 * is read into a private buffer and checked by the proven validator
 * (pm_elf_validate, role program); a PT_INTERP must name an allowlisted
 * interpreter, which is validated in the interpreter role.  ET_DYN images
 * get a random bias (getrandom) placed with pm_elf_plan_apply_bias.
 *
 * Hosted code (libc); not part of the freestanding core.  Not async-signal
 * safe.  Thread-safe as long as callers do not share a pm_linux_child.
 */
#ifndef PROCMGR_LINUX_SPAWN_H
#define PROCMGR_LINUX_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"

/* The interpreter allowed when the request names none. */
#define PM_LINUX_DEFAULT_INTERP "/lib64/ld-linux-x86-64.so.2"
/* Handles: at most this many, at fd numbers below PM_LINUX_FD_LIMIT. */
#define PM_LINUX_MAX_HANDLES    64
#define PM_LINUX_FD_LIMIT       256

/* One initial handle: the caller's fd `fd` appears as `target` in the child. */
typedef struct pm_linux_handle {
    int fd;
    int target;
} pm_linux_handle;

/* pm_linux_spawn_req.flags */
#define PM_LINUX_SPAWN_SUSPENDED (1u << 0)   /* build, stop before the first instruction */

typedef struct pm_linux_spawn_req {
    int image_fd;                    /* regular file or sealed memfd, readable   */
    char *const *argv;               /* argv[0] required; NULL-terminated         */
    char *const *envp;               /* NULL-terminated (NULL: empty environment) */
    const char *execfn;              /* AT_EXECFN and comm; NULL: argv[0]         */
    const pm_linux_handle *handles;  /* distinct targets in [0, PM_LINUX_FD_LIMIT) */
    size_t nhandles;                 /* <= PM_LINUX_MAX_HANDLES                    */
    const char *const *interp_allow; /* NULL-terminated allowlist; NULL: default  */
    uint32_t flags;                  /* PM_LINUX_SPAWN_*                          */
} pm_linux_spawn_req;

/* Child states. */
#define PM_LINUX_CHILD_NONE      0u
#define PM_LINUX_CHILD_BUILT     1u  /* suspended, waiting for pm_linux_start */
#define PM_LINUX_CHILD_RUNNING   2u  /* jumped (or jumping) to its entry      */

/* pm_linux_child.stub_flags: what the stub could do (degradations). */
#define PM_LINUX_MM_MAP_APPLIED  (1u << 0)  /* PR_SET_MM_MAP: /proc auxv etc. exact */
#define PM_LINUX_TRAMP_LEFT      (1u << 1)  /* one r-x trampoline page remains      */

typedef struct pm_linux_child {
    int pid;
    int pidfd;              /* owned; -1 when released */
    int ctl;                /* control socket while BUILT; -1 otherwise */
    uint32_t state;         /* PM_LINUX_CHILD_* */
    uint32_t stub_flags;    /* PM_LINUX_MM_MAP_APPLIED, PM_LINUX_TRAMP_LEFT */
    int mm_map_errno;       /* why PR_SET_MM_MAP was not applied, else 0 */
    uint64_t entry;         /* first instruction (interpreter's if dynamic) */
    uint64_t sp;            /* initial stack pointer */
    uint64_t prog_bias;     /* load bias of the program (0 for ET_EXEC) */
    uint64_t interp_bias;   /* load bias of the interpreter, 0 if none */
} pm_linux_child;

/* Outcome details for a failed call. */
typedef struct pm_linux_error {
    int sys_errno;          /* errno of the failing system call, or 0 */
    uint32_t stub_stage;    /* PM_STUB_STAGE_* when the stub failed, or 0 */
} pm_linux_error;

/*
 * Create a process from req.  On PM_OK *child is filled: RUNNING, or BUILT
 * with PM_LINUX_SPAWN_SUSPENDED.  On failure no child remains (it was killed
 * and reaped), *child has pid 0 and fds -1, and *err (if not NULL) says why.
 * Status: PM_E_LINUX_*, or the validator's PM_E_ELF_* for the program or
 * the interpreter.
 */
pm_status pm_linux_spawn(const pm_linux_spawn_req *req, pm_linux_child *child,
                         pm_linux_error *err);

/* Start a BUILT child (PM_E_LINUX_STATE otherwise). */
pm_status pm_linux_start(pm_linux_child *child);

/* SIGKILL the child through its pidfd, whatever its state. */
pm_status pm_linux_kill(pm_linux_child *child);

/* Wait for the child's exit; *wstatus gets a waitpid-style status. */
pm_status pm_linux_wait(pm_linux_child *child, int *wstatus);

/* Close the child's fds (does not kill or reap). */
void pm_linux_child_release(pm_linux_child *child);

#endif /* PROCMGR_LINUX_SPAWN_H */
