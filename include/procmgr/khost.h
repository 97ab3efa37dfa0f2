/*
 * procmgr: the host side of a kernel backend.
 *
 * include/procmgr/kernel.h is what the core sees of a kernel.  A shell
 * (procmgrd, tests, benchmarks) also has to bring a backend to life, turn
 * the file descriptors clients pass over SCM_RIGHTS into capabilities,
 * open the images it configures itself (interpreter allowlist, resolve
 * roots) and learn when kernel events are pending.  Those calls live here,
 * outside the proven core; each backend implements all of them
 * (src/kernel/sim/sim_host.c, src/kernel/linux/...), chosen at link time
 * like kernel.h.  This is shell code: it may allocate and call the OS.
 */
#ifndef PROCMGR_KHOST_H
#define PROCMGR_KHOST_H

#include <stdint.h>

#include "procmgr/kernel.h"
#include "procmgr/status.h"

/* Create and initialise a backend instance.  *out is NULL on failure. */
pm_status pm_kh_open(struct pm_kernel **out);

/* Destroy the instance: every object it still holds is released (on Linux,
 * every process still alive is killed and reaped first).  NULL is ignored. */
void pm_kh_close(struct pm_kernel *k);

/* Why the last pm_kh_open failed, when the backend can say more than its
 * status: a sentence naming the limit or resource and what to do (e.g. the
 * Linux backend's descriptor limit, issue 18 item 4), or NULL. */
const char *pm_kh_open_error(void);

/* After a request the core answered with st: a more precise code from
 * what the backend saw during it, or st; it forgets what it saw (call it
 * after every request).  The kernel.h operations keep their contract's
 * codes (pm_k_status: 400-499); this is the shell's refinement of them.
 * Linux: K_TYPE from an image operation on a descriptor that looks like a
 * program but is none becomes LINUX_MEMFD_UNSEALED (an unsealed memfd) or
 * LINUX_IMAGE_O_PATH (a file opened O_PATH); K_BAD_RIGHTS from an image
 * the client could not execve becomes LINUX_EXEC_DENIED or LINUX_NOEXEC;
 * K_STATE from a process being built that died before it answered (killed
 * from outside) becomes LINUX_STUB_DIED; K_NO_OBJECTS from a process that
 * could not be made under a process limit (clone: EAGAIN) becomes
 * LINUX_PROCESS_LIMIT.  The sim returns st. */
pm_status pm_kh_refine_status(struct pm_kernel *k, pm_status st);

/*
 * A descriptor received from a client becomes a capability; fd is consumed
 * in every case (kept by the backend or closed).
 *  - a regular file or a sealed memfd: PM_KOBJ_IMAGE with
 *    PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT;
 *  - anything else (pipe, socket, tty, directory): PM_KOBJ_ENDPOINT with
 *    PM_KR_READ | PM_KR_WRITE | PM_KR_GRANT, a handle a child receives
 *    unchanged (on Linux: the same open file description at its target fd).
 * PM_E_K_NO_OBJECTS when the backend is full, PM_E_K_ARG for fd < 0.
 */
pm_status pm_kh_import_fd(struct pm_kernel *k, int fd, pm_kcap *out);

/* Open the file at path (the shell's own configuration: interpreters,
 * resolve roots) as an image capability, as pm_kh_import_fd would.
 * PM_E_K_ARG when it cannot be opened or is not a regular file. */
pm_status pm_kh_image_open(struct pm_kernel *k, const char *path,
                           pm_kcap *out);

/* The credentials of a client (the daemon: SO_PEERCRED and SO_PEERGROUPS of
 * its socket).  A client in more than PM_KH_MAX_GROUPS supplementary groups
 * is checked with its first PM_KH_MAX_GROUPS. */
#define PM_KH_MAX_GROUPS 256u
typedef struct pm_kh_cred {
    uint32_t uid, gid;
    int32_t  pid;            /* SO_PEERCRED's; 0: unknown */
    uint32_t ngroups;
    uint32_t groups[PM_KH_MAX_GROUPS];
} pm_kh_cred;

/* Set (cr != NULL, copied) or clear (NULL) the client a launch is made
 * for.  While set, every image the backend reads or maps (the program or
 * `#!` script, its `#!` interpreter, its PT_INTERP interpreter) must be one
 * execve would run for these credentials (spec/security-model.md,
 * "Execute permission"): Linux refuses with LINUX_EXEC_DENIED (no execute
 * bit for the client, as the kernel's permission check answers: owner,
 * group, other; uid 0 needs one execute bit) or LINUX_NOEXEC (the file's
 * mount is noexec), checked on the open file (fstat, fstatvfs), so a
 * descriptor a client passed is checked as a path the daemon opened.
 * Linux also gives a process built while it is set what posix_spawn in
 * the client would have given it (spec/daemon.md, "Inherited from the
 * client"): the client's nice value, resource limits and oom_score_adj,
 * read from cr->pid when the thread is bound; explicit SET_PRIORITY and
 * SET_RLIMIT requests come later and override them.
 * Sim: its images have no owner, mode or mount; nothing is checked. */
void pm_kh_set_requester(struct pm_kernel *k, const pm_kh_cred *cr);

/* A descriptor the shell can poll: readable whenever pm_k_event_poll may
 * return an event.  -1 when the backend never has asynchronous events
 * (the sim: events appear only during calls). */
int pm_kh_event_fd(struct pm_kernel *k);

/* The host has sent every reply and event its last round of work made:
 * background work the backend put off so as not to compete with them
 * for the CPUs may run now (Linux: the stub pool's refill after a process
 * ended, spec/linux-loader.md section 10).  A host that calls it once
 * has that work put off from then on; a host that never calls it never
 * has (the backend then starts it at once).  Sim: nothing to do. */
void pm_kh_idle(struct pm_kernel *k);

/* The host process id behind a thread capability (Linux: the pid; sim: the
 * thread's object index), or -1 when there is none (not started, gone). */
int64_t pm_kh_thread_pid(struct pm_kernel *k, pm_kcap thread);

/* Adjust the address-space layout of a config made by
 * pm_dispatch_config_default to what this backend's address spaces leave
 * free (Linux: below the stub and the kernel's own mappings, see
 * kernel_linux.h; sim: unchanged).  Call before pm_dispatch_init. */
struct pm_dispatch_config;
void pm_kh_dispatch_layout(struct pm_dispatch_config *cfg);

#endif /* PROCMGR_KHOST_H */
