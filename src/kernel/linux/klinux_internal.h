/*
 * Internals of the Linux backend of include/procmgr/kernel.h (not an
 * interface): the object and handle tables behind pm_kcap values, and the
 * per-type state.  klinux.c (capabilities, images, endpoints, CSpaces,
 * destroy), klinux_as.c (address spaces: bookkeeping, the stub child,
 * materialisation), klinux_thread.c (threads, events), khost.c (khost.h).
 * spec/kernel-interface.md section 11.
 */
#ifndef PROCMGR_KLINUX_INTERNAL_H
#define PROCMGR_KLINUX_INTERNAL_H

#include "procmgr/kcheck.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmgr/kernel.h"
#include "procmgr/khost.h"
#include "procmgr/kernel_linux.h"
#include "stub/stub_proto.h"

#define KL_NONE          0xffffffffu
/* Table sizes: enough for the registry's 1024 processes (an AS, a CSpace,
 * a thread and a few images or endpoints each).  Entries are initialised
 * on first use and every walk stops at the high-water mark (obj_hwm,
 * handle_hwm), so untouched parts cost neither resident memory nor time. */
#define KL_MAX_OBJECTS   8192u
#define KL_MAX_HANDLES   32768u
#define KL_MAX_REGIONS   256u
#define KL_MAX_DATA      (1u << 20)      /* bytes written into one AS */
#define KL_PAGE          4096ull
#define KL_USER_MIN      0x10000ull
#define KL_USER_LIMIT    0x7ffffffff000ull
#define KL_PROT_ALL      (PM_PROT_R | PM_PROT_W | PM_PROT_X)
#define KL_EPOLL_EVFD    0xffffffffffffffffull   /* epoll tag of the eventfd */
#define KL_EPOLL_LINGER  0xfffffffffffffffeull   /* of the lingering jobs' inotify */

enum { KL_H_FREE = 0, KL_H_LIVE = 1, KL_H_TOMB = 2 };

struct kl_handle {
    uint32_t state;          /* KL_H_* */
    uint32_t gen;            /* never 0 */
    uint32_t obj, obj_gen;
    uint32_t rights;
    uint32_t original;
    uint32_t parent, parent_gen;
    uint32_t mark;           /* revocation walk */
};

/* A mapped range of an AS as the core built it (page-aligned, sorted,
 * disjoint) is a pm_kc_region: the list is kept by the shared, proven
 * kcheck module (include/procmgr/kcheck.h). */

/* The stub child of an AS. */
enum {
    KL_CHILD_NONE = 0,       /* none (failed, or reaped after it ended) */
    KL_CHILD_STUB = 1,       /* exec'd, waiting for its build            */
    KL_CHILD_BUILT = 2,      /* built, waiting for "go"                  */
    KL_CHILD_RUNNING = 3     /* jumped to the entry                      */
};

struct kl_as {
    int pid, pidfd, ctl;
    uint32_t go_umask;       /* pm_stub_go.umask: the client's, or 0 */
    uint32_t setid;          /* 1: a set-id program mapped (euid, egid) */
    uint32_t set_euid, set_egid;
    uint32_t child;          /* KL_CHILD_* */
    uint32_t reaped;         /* waitid done: status below is known */
    int wcode, wstatus;      /* si_code, si_status of the reaped child */
    uint64_t ru_utime_ns, ru_stime_ns, ru_maxrss_bytes;  /* its rusage */
    uint32_t has_ru;
    uint32_t hello_ok;
    pm_stub_hello hello;
    uint32_t sealed;         /* built: construction calls are K_STATE */
    uint32_t thread;         /* bound thread object, or KL_NONE */
    uint32_t nregions;
    pm_kc_region *region;  /* KL_MAX_REGIONS, malloc'd (only [0, nregions) used) */
    uint32_t nops;
    pm_stub_op *op;            /* PM_STUB_MAX_OPS, malloc'd; freed once sealed */
    uint32_t nimages;
    int image_fd[PM_STUB_MAX_IMAGES];            /* our own dups */
    uint32_t image_obj[PM_STUB_MAX_IMAGES], image_gen[PM_STUB_MAX_IMAGES];
    uint8_t *data;
    uint64_t data_len, data_cap;
    uint32_t stub_flags;     /* PM_STUB_R_* from the stub's last reply */
    int mm_map_errno;
};

struct kl_slot {
    uint32_t full;
    uint32_t obj, obj_gen;
    uint32_t rights;
    uint32_t parent, parent_gen;   /* the handle it was minted from */
    uint32_t mount_len;      /* namespace entry: its path's bytes, 0 = none */
    uint32_t mount_off;      /* its path in the CSpace's mount_paths */
    uint64_t badge;
};

struct kl_cspace {
    uint32_t nslots;
    uint32_t nfull;
    uint32_t sealed;         /* its fds were given to a child */
    uint32_t thread;         /* bound thread object, or KL_NONE */
    uint32_t cwd_slot;       /* working directory: slot + 1, 0 = none ("/") */
    uint32_t nmounts;        /* slots that are namespace entries */
    uint32_t mount_used;     /* bytes of mount_paths used (paths + NULs) */
    char mount_paths[PM_STUB_MOUNT_BYTES];
    struct kl_slot slot[PM_STUB_FD_LIMIT];
};

struct kl_thread {
    uint32_t state;          /* pm_kthread_state */
    uint32_t job, job_gen;   /* the job it joined, or KL_NONE */
    uint64_t cookie;
    uint32_t as, cs;         /* bound objects, or KL_NONE */
    uint64_t ipc_buffer;
    uint32_t queued;         /* its terminal event is in the FIFO */
    pm_kevent ev;
};

struct kl_obj {
    uint32_t type;           /* pm_kobj_type; PM_KOBJ_NONE = free */
    uint32_t gen;
    uint32_t handle;         /* its original handle */
    int fd;                  /* IMAGE, ENDPOINT: the fd a child gets */
    int peer;                /* ENDPOINT made by endpoint_create: our end */
    pm_status not_image;     /* ENDPOINT: why the fd is no IMAGE when it
                              * looks like a program (an unsealed memfd,
                              * an O_PATH file), else PM_OK: the code an
                              * image operation on it returns, not K_TYPE */
    uint32_t nhandles;       /* handles on it that are not free (its
                              * original included) */
    uint32_t nslots;         /* CSpace slots that hold it */
    struct kl_as *as;
    struct kl_cspace *cs;
    struct kl_thread *th;
    struct kl_job *job;
};

#define KL_JOB_RES 3u         /* resources 1..2 (index 0 unused) */

/* Where a job resource's controller is (kl_job_open): not offered, the
 * cgroup v2 hierarchy (enabled in the daemon's directory), or a cgroup v1
 * hierarchy of its own (the daemon's directory there: path, fd when made). */
#define KL_RES_NONE 0u
#define KL_RES_V2   1u
#define KL_RES_V1   2u
struct kl_job_res {
    uint32_t where;
    int fd;                  /* open while jobs or lingering dirs exist */
    int made;                /* path made by this daemon: removed at close */
    char path[256];
};

/* A job (klinux_job.c, spec/linux-loader.md section 11).  In CGROUP mode
 * its cgroup v2 directory job-<id> under the daemon's own directory. */
struct kl_job {
    uint32_t in_cgroup;      /* its directory `name` exists under
                              * k->cg_fd (0 in MEMBERS mode); not held
                              * open: its files are opened by path
                              * (issue 18 item 3, descriptors) */
    uint32_t frozen;
    char name[32];           /* "job-<id>" */
    /* Per-job limits (spec/lifecycle.md section 6), by resource
     * (PM_K_JOB_LIMIT_PIDS, _MEMORY): the v1 directory job-<id> in that
     * controller's hierarchy (-1: none, made with the first limit when
     * the controller is a v1 one) and the limit set (0: none). */
    int v1fd[KL_JOB_RES];
    uint64_t limit[KL_JOB_RES];
};

/* A stub child already exec'd that has said hello and waits for its
 * build: what pm_k_as_create would otherwise make on the spot. */
struct kl_stub {
    int pid, pidfd, ctl;
    pm_stub_hello hello;
};

/*
 * The stub pool (spec/linux-loader.md section 10): `target` idle stubs
 * kept by a refill thread, so that the clone, the exec and the stub's
 * start-up are off the path of pm_k_as_create.  Everything below is
 * guarded by mu; the thread waits on cv while the pool is full.
 */
/* Off unless asked for: a refill in flight holds up to three fds more for
 * a moment, which an fd count taken at a random instant (the daemon tests'
 * leak check) would see. */
#define KL_POOL_DEFAULT  0u
#define KL_POOL_MAX      64u
struct kl_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    uint32_t running;        /* the thread was started (join on close) */
    uint32_t stop;           /* pm_kh_close: the thread must end */
    uint32_t target;         /* PROCMGR_STUB_POOL */
    uint32_t n;              /* idle stubs in stub[0, n) */
    uint32_t failures;       /* consecutive failures of the refill */
    uint32_t host_idles;     /* the host calls pm_kh_idle: refills after an
                                end wait for it (main thread only)     */
    uint32_t idle_refill;    /* a process ended: refill at pm_kh_idle   */
    struct kl_stub stub[KL_POOL_MAX];
};

struct pm_kernel {
    uint32_t obj_hwm;        /* obj[0, obj_hwm) have been initialised */
    uint32_t handle_hwm;     /* handle[0, handle_hwm) likewise */
    struct kl_obj obj[KL_MAX_OBJECTS];
    struct kl_handle handle[KL_MAX_HANDLES];
    uint32_t ev_ring[KL_MAX_OBJECTS];   /* thread objects with a queued event */
    uint32_t ev_head, ev_count;
    int epfd;                /* pidfds of the children + the eventfd */
    int evfd;                /* readable while ev_count > 0 */
    uint32_t ev_armed;
    pm_klinux_diag diag;     /* the last backend failure */
    pm_status refusal;       /* why the last refused operation failed, in
                              * the backend's own code (kl_obj.not_image,
                              * LINUX_EXEC_DENIED, LINUX_NOEXEC,
                              * LINUX_STUB_DIED, LINUX_PROCESS_LIMIT), for
                              * pm_kh_refine_status;
                              * PM_OK when none */
    pm_status refused_as;    /* the kernel.h code that operation returned
                              * in its place */
    /* Jobs: PM_K_JOB_MODE_*; in CGROUP mode the daemon's cgroup directory
     * (cg_path, an fd on it) and the job directories destroyed while
     * still populated (removed once empty, killed at close). */
    uint32_t job_mode;
    uint32_t njobs;          /* job objects with a directory */
    int cg_fd;               /* open while njobs or nlinger > 0 */
    int made_dirs;           /* cg_path made: removed at close */
    char cg_path[256];
    char (*linger)[32];
    uint32_t nlinger, linger_cap;
    int linger_fd;           /* inotify on their cgroup.events, in epfd; -1 */
    struct kl_job_res res[KL_JOB_RES];
    struct kl_pool pool;
    /* The client a launch is made for (pm_kh_set_requester): while
     * req_set, every image read or mapped is checked as execve would. */
    int req_set;
    pm_kh_cred req;
};

/* ---- klinux.c ---------------------------------------------------------- */
pm_status kl_handle_get(struct pm_kernel *k, pm_kcap c, uint32_t *h);
/* A live cap of `type` (PM_KOBJ_NONE: any) holding `rights`. */
pm_status kl_cap(struct pm_kernel *k, pm_kcap c, uint32_t type, uint32_t rights,
                 uint32_t *o);
/* A new object with its original cap (all rights); nothing changes on
 * failure (NO_OBJECTS). */
pm_status kl_create(struct pm_kernel *k, uint32_t type, pm_kcap *out, uint32_t *o);
/* The effective ids a program image mapped executable into a runs with
 * (spec/security-model.md section 6b): procmgrd's, or a set-id file's
 * when procmgrd is root.  K_BAD_RIGHTS (refined: LINUX_SETID_REFUSED)
 * where execve would raise privilege or a's images disagree; K_STATE on
 * an I/O failure.  *changes: 1 when they differ from procmgrd's own (the
 * program then runs set-id). */
pm_status kl_image_setid(struct pm_kernel *k, uint32_t img, const struct kl_as *a,
                         uint32_t *euid, uint32_t *egid, int *changes);
/* Undo kl_create of an object that holds nothing yet. */
void kl_uncreate(struct pm_kernel *k, pm_kcap c);
pm_kcap kl_original_cap(const struct pm_kernel *k, uint32_t o);
/* Record why a system call failed (pm_klinux_last_diag). */
void kl_diag(struct pm_kernel *k, pm_status linux_status, int sys_errno,
             uint32_t stage, uint32_t op);
/* An operation failed with kernel.h's code `as` for the backend's reason
 * `why` (and errno): remembered (and diagnosed) so that
 * pm_kh_refine_status tells the client the precise reason. */
void kl_refused(struct pm_kernel *k, pm_status why, pm_status as, int sys_errno);
/* A status of the KERNEL block for an errno. */
pm_status kl_errno_status(int err);
/* A call that failed with errno err: K_NO_DESCRIPTORS when procmgrd, the
 * stub or the system is out of descriptors (EMFILE, ENFILE), else other. */
pm_status kl_fd_status(int err, pm_status other);
/* A job cgroup operation that failed with errno err: K_NO_DESCRIPTORS when
 * procmgrd is out of descriptors (EMFILE, ENFILE), else LINUX_JOB_CGROUP. */
pm_status kl_cgroup_status(int err);
/* An image cap with `rights`: its object and current size (fstat). */
pm_status kl_image_stat(struct pm_kernel *k, pm_kcap image, uint32_t rights,
                        uint64_t *size, uint32_t *o);
/* The CSpace object cso was given to its child (the stub holds its
 * descriptors): close procmgrd's copy of every descriptor in it that no
 * other handle or CSpace can reach (issue 18 item 7: a pipe the program
 * closes reads EOF at once, a lock is not held past its close). */
void kl_cspace_given(struct pm_kernel *k, uint32_t cso);
/* Give the built child (pid child, waiting for "go") the client's nice
 * value, resource limits and oom_score_adj (klinux_thread.c); returns the
 * client's umask as pm_stub_go.umask (0: unknown). */
uint32_t kl_inherit_client(int child, int client);
/* Destroy every object and free every handle (pm_kh_close). */
void kl_destroy_all(struct pm_kernel *k);

/* ---- klinux_as.c ------------------------------------------------------- */
/* Start the pool's refill thread with the size from PROCMGR_STUB_POOL
 * (KL_POOL_DEFAULT when unset or not a number; at most KL_POOL_MAX; 0: no
 * pool, no thread).  PM_OK, or K_NO_OBJECTS when the thread cannot be
 * started. */
pm_status kl_pool_start(struct pm_kernel *k);
/* Stop and join the thread, kill and reap every idle stub, close their
 * fds (pm_kh_close). */
void kl_pool_stop(struct pm_kernel *k);
/* Wake the refill thread if fewer than `below` stubs are idle (a child
 * reaped: below = target; a bind: below = half the target, so that
 * long-lived processes do not drain the pool). */
void kl_pool_refill(struct pm_kernel *k, uint32_t below);
/* A process ended (its stub is gone): wake the refill thread now, or at
 * the host's next pm_kh_idle when it calls that. */
void kl_pool_refill_after_end(struct pm_kernel *k);
/* pm_kh_idle: the refill put off by kl_pool_refill_after_end. */
void kl_pool_idle(struct pm_kernel *k);
pm_status kl_as_new(struct pm_kernel *k, struct kl_as **out);
/* Kill and reap the child (if any), close every fd, free. */
void kl_as_free(struct pm_kernel *k, uint32_t o);
/* Send the build to the stub and wait for "built". */
pm_status kl_as_materialise(struct pm_kernel *k, uint32_t as, uint32_t cs);
/* The region holding addr, or NULL. */
const pm_kc_region *kl_region_at(const struct kl_as *a, uint64_t addr);
pm_status kl_as_hello(struct pm_kernel *k, struct kl_as *a);
/* SIGKILL the child (it is reaped later: poll or destroy). */
void kl_as_kill(struct kl_as *a);
/* waitid on the child; block or not.  1 when it has been reaped now. */
int kl_as_reap(struct pm_kernel *k, struct kl_as *a, int block);
/* Read one pm_stub_reply: PM_OK (flags kept) or the KERNEL code of its
 * failure (diagnostics recorded). */
pm_status kl_stub_reply(struct pm_kernel *k, struct kl_as *a, pm_stub_reply *r);

/* ---- klinux_thread.c --------------------------------------------------- */
/* End a thread: terminal state and its event (from a wait status when
 * si_code != 0, else KILLED by SIGKILL). */
void kl_thread_end(struct pm_kernel *k, uint32_t t, int wcode, int wstatus);
void kl_thread_unbind(struct pm_kernel *k, uint32_t t);
/* A bound thread loses its AS or CSpace: a running one is killed
 * (KILLED event), a bound one returns to CREATED. */
void kl_detach_thread(struct pm_kernel *k, uint32_t t);
void kl_event_drop(struct pm_kernel *k, uint32_t t);
void kl_harvest(struct pm_kernel *k);
/* Usage of a live child from /proc/PID/stat, statm and prlimit. */
void kl_usage_read(int pid, pm_k_usage *u);
/* The child's pid behind a bound or running thread, else -1. */
int64_t kl_thread_pid(struct pm_kernel *k, pm_kcap thread);

/* ---- klinux_job.c ------------------------------------------------------ */
/* Find the cgroup v2 hierarchy and make the daemon's directory in it
 * (CGROUP mode), else MEMBERS mode; PROCMGR_JOBS=members forces it. */
void kl_job_open(struct pm_kernel *k);
/* Kill what is left in lingering job directories, remove them and the
 * daemon's directory (pm_kh_close, after every object is destroyed). */
void kl_job_close(struct pm_kernel *k);
/* Remove the lingering job directories that have emptied (each poll). */
void kl_job_sweep(struct pm_kernel *k);
/* Destroy a job object's state (obj_destroy). */
void kl_job_free(struct pm_kernel *k, uint32_t o);
/* A thread's job is frozen (pm_k_thread_start refuses to start it). */
int kl_thread_job_frozen(const struct pm_kernel *k, uint32_t t);

#endif /* PROCMGR_KLINUX_INTERNAL_H */
