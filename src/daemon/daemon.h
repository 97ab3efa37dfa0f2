/*
 * procmgrd internals (spec/daemon.md): shared by procmgrd.c (options,
 * socket, signals, event loop) and serve.c (clients, handles, messages).
 * Shell code: libc, allocation, syscalls.  The proven codec and the
 * dispatcher do every protocol decision; this code moves bytes and
 * descriptors and keeps the tables that map descriptors to handles.
 */
#ifndef PROCMGR_DAEMON_H
#define PROCMGR_DAEMON_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>     /* LOG_* priorities of pmd_log */

#include "procmgr/dispatch.h"
#include "procmgr/khost.h"

/* epoll tags: kind in bits 56..63, generation in 32..55, index in 0..31 */
enum pmd_tag {
    PMD_TAG_LISTEN = 1,
    PMD_TAG_SIGNAL = 2,
    PMD_TAG_KEVENT = 3,
    PMD_TAG_CLIENT = 4,
    PMD_TAG_HANDLE = 5
};

#define PMD_MAX_FDS_IN   (PM_PROTO_MAX_HANDLES + 1u)
#define PMD_SHARED_CONN  0u    /* dispatcher connection of stateless requests */
#define PMD_BATCH        16u   /* messages read from one client per wakeup   */
#define PMD_MAX_TABLE    PM_DISPATCH_MAX_TABLE

/* A handle issued to a client: the daemon's end of a socketpair, and the
 * identity of the client's end (how a handle sent back is recognised). */
typedef struct pmd_handle {
    int        used;
    uint32_t   gen;
    int        fd;          /* daemon end (non-blocking)           */
    dev_t      dev;         /* client end: st_dev, st_ino          */
    ino_t      ino;
    pm_dhandle dh;          /* what it names; KCAP: the daemon owns dh.cap */
} pmd_handle;

typedef struct pmd_client {
    int       used;
    uint32_t  gen;
    int       fd;
    pid_t     pid;          /* SO_PEERCRED */
    uid_t     uid;
    pm_kh_cred cred;        /* uid, gid, groups: execute permission */
    int       koid_known;   /* koid below looked up (first launch)      */
    uint64_t  koid;         /* its record or its nearest managed ancestor's */
    int       dconn;        /* leased dispatcher connection, or -1      */
    int       building;     /* a builder request was accepted            */
    int       stalled;      /* a message waits for a free lease          */
    uint8_t  *pend;         /* that message ...                          */
    size_t    pend_len;
    int       pend_fds[PMD_MAX_FDS_IN];   /* ... and its descriptors     */
    uint32_t  pend_nfds;    /* descriptors received (65 = truncated)     */
    uint32_t  pend_kept;    /* descriptors kept in pend_fds              */
} pmd_client;

/* A parked WAIT and its deadline. */
typedef struct pmd_waiter {
    int      used;
    uint32_t waiter;        /* the dispatcher's id                       */
    uint32_t conn;          /* dispatcher connection                     */
    uint64_t request_id;
    uint64_t deadline;      /* CLOCK_MONOTONIC ns; UINT64_MAX: never     */
} pmd_waiter;

typedef struct pmd {
    int   epfd, lfd, sigfd, kfd;
    int   spare;         /* a reserve descriptor (/dev/null) for EMFILE on accept */
    int   stop;
    int   child_ended;   /* SIGCHLD seen: look for orphans to reap */
    int   verbose;
    char  path[108];
    struct pm_kernel *k;
    pm_dispatch      *d;
    pmd_client *cl;
    size_t      ncl;
    pmd_handle *h;
    size_t      nh;
    pmd_waiter  w[PM_DISPATCH_MAX_WAITERS];
    int         lease[PM_DISPATCH_MAX_CONNS];  /* client index, -1 free */
    pm_dispatch_entry interp[PMD_MAX_TABLE], resolve[PMD_MAX_TABLE];
    uint32_t    ninterp, nresolve;
    uint64_t    disconnected_slow;   /* clients dropped on a full socket */
    uint64_t    events_lost;         /* EVENTs not delivered             */
    uint64_t    refused_fds;         /* clients refused: no descriptor   */
} pmd;

/* epoll tag helpers */
uint64_t pmd_tag(uint32_t kind, uint32_t gen, uint32_t idx);
int      pmd_epoll_add(pmd *s, int fd, uint32_t events, uint64_t tag);

/* serve.c */
int  pmd_serve_init(pmd *s);
void pmd_accept(pmd *s);
void pmd_client_ready(pmd *s, uint32_t idx, uint32_t gen, uint32_t events);
void pmd_handle_ready(pmd *s, uint32_t idx, uint32_t gen);
void pmd_drain(pmd *s);
void pmd_serve_stalled(pmd *s);
void pmd_expire_waiters(pmd *s);
int  pmd_next_timeout_ms(const pmd *s);
/* Reap ended orphans (never a child of the backend); nothing to do, and
 * no /proc scan, when no child has ended. */
void pmd_reap_orphans(pmd *s);
void pmd_shutdown(pmd *s);
uint64_t pmd_now_ns(void);

/* log.c: procmgrd's own log (spec/daemon.md section 11).  prio: LOG_*. */
void pmd_log_init(void);            /* stderr: timestamps, or the journal's prefix */
void pmd_log_to_syslog(void);       /* detached: syslog, LOG_DAEMON from now on */
void pmd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pmd_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* An opcode's name as spec/protocol.md writes it ("LAUNCH"), or
 * "opcode 0x1234" for one it does not know (written into buf). */
#define PMD_OP_LABEL 24
const char *pmd_op_label(uint16_t op, char buf[PMD_OP_LABEL]);

/* sysd.c: socket activation and readiness (spec/daemon.md section 12).
 * pmd_activation_fd: the listening socket passed by LISTEN_FDS with its
 * path in path, -1 when none was passed, -2 on an error (printed). */
int  pmd_activation_fd(char *path, size_t cap);
void pmd_notify_init(void);
void pmd_notify(const char *state);     /* READY=1, STATUS=..., STOPPING=1 */

#endif /* PROCMGR_DAEMON_H */
