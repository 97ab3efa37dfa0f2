/*
 * procmgrd: clients, issued handles, messages (spec/daemon.md).
 *
 * One message: recvmsg (bytes + SCM_RIGHTS descriptors) -> the proven
 * request decoder (to route it and to translate its handles) -> every
 * descriptor becomes a pm_dhandle (a handle procmgr issued, recognised by
 * the inode of the socket, or a new kernel capability through
 * pm_kh_import_fd) -> pm_dispatch_message -> reply bytes + handles, each
 * handle a fresh socketpair whose client end travels back.
 *
 * Dispatcher connections.  The dispatcher has PM_DISPATCH_MAX_CONNS (8)
 * connections, each with a launch builder and parked waiters.  Connection
 * 0 is shared by every client for stateless requests; connections 1..7 are
 * leased to a client while it has builder state (from its first builder
 * request to LAUNCH / CREATE_WITHOUT_STARTING) or a parked WAIT.  A client
 * that needs a lease while all are taken is stalled: its message is kept
 * and its socket is not read until a lease frees (no refusal, no busy
 * loop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "../shell/unixmsg.h"

static pm_proto_request g_req;      /* the message being routed        */
static pm_proto_request g_kreq;     /* a KILL the daemon frames itself */
static uint8_t g_rbuf[PM_PROTO_MAX_MSG + 1u];
static uint8_t g_reply[PM_DISPATCH_REPLY_CAP];

uint64_t pmd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void logf_(pmd *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(pmd *s, const char *fmt, ...)
{
    va_list ap;
    if (!s->verbose)
        return;
    va_start(ap, fmt);
    pmd_vlog(LOG_INFO, fmt, ap);     /* log.c: stderr or syslog */
    va_end(ap);
}

int pmd_serve_init(pmd *s)
{
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_CONNS; i++) {
        s->lease[i] = -1;
        if (pm_dispatch_connect(s->d, i, 0, 0) != PM_OK)
            return -1;
    }
    return 0;
}

/* ---- issued handles ------------------------------------------------------------ */

static pmd_handle *handle_new(pmd *s, uint32_t *idx)
{
    for (size_t i = 0; i < s->nh; i++)
        if (!s->h[i].used) {
            *idx = (uint32_t)i;
            return &s->h[i];
        }
    size_t n = s->nh ? s->nh * 2 : 64;
    pmd_handle *t = realloc(s->h, n * sizeof *t);
    if (t == NULL)
        return NULL;
    memset(t + s->nh, 0, (n - s->nh) * sizeof *t);
    s->h = t;
    *idx = (uint32_t)s->nh;
    s->nh = n;
    return &s->h[*idx];
}

static pmd_handle *handle_by_inode(pmd *s, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < s->nh; i++)
        if (s->h[i].used && s->h[i].dev == dev && s->h[i].ino == ino)
            return &s->h[i];
    return NULL;
}

static pmd_handle *handle_by_watch(pmd *s, uint64_t watch)
{
    for (size_t i = 0; i < s->nh; i++)
        if (s->h[i].used && s->h[i].dh.kind == PM_DH_WATCH &&
            s->h[i].dh.value == watch)
            return &s->h[i];
    return NULL;
}

/* Forget an entry: close the daemon end (the client's copies see end of
 * file: the handle is revoked).  release: also tell the core / drop the
 * daemon's kernel cap. */
static void handle_drop(pmd *s, pmd_handle *e, int release)
{
    if (release) {
        if (e->dh.kind == PM_DH_KCAP)
            (void)pm_k_drop(s->k, e->dh.cap);
        else
            pm_dispatch_handle_release(s->d, &e->dh);
    }
    close(e->fd);
    e->used = 0;
    e->fd = -1;
}

/* Issue a handle: a socketpair whose client end is *cfd.  The entry takes
 * dh (for a KCAP, the daemon now owns the cap).  -1 on failure (nothing
 * taken). */
static int handle_issue(pmd *s, const pm_dhandle *dh, int *cfd, uint32_t *out)
{
    int sv[2];
    struct stat sb;
    uint32_t idx;
    pmd_handle *e = handle_new(s, &idx);
    if (e == NULL)
        return -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    if (fstat(sv[1], &sb) != 0 || fcntl(sv[0], F_SETFL, O_NONBLOCK) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    e->gen++;
    if (pmd_epoll_add(s, sv[0], EPOLLIN, pmd_tag(PMD_TAG_HANDLE, e->gen, idx)) != 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    e->used = 1;
    e->fd = sv[0];
    e->dev = sb.st_dev;
    e->ino = sb.st_ino;
    e->dh = *dh;
    *cfd = sv[1];
    *out = idx;
    return 0;
}

/* The daemon end is readable: end of file (every client copy closed) or
 * bytes a client wrote into a handle (discarded). */
void pmd_handle_ready(pmd *s, uint32_t idx, uint32_t gen)
{
    char buf[64];
    if (idx >= s->nh || !s->h[idx].used || s->h[idx].gen != gen)
        return;
    pmd_handle *e = &s->h[idx];
    for (;;) {
        ssize_t n = recv(e->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            handle_drop(s, e, 1);
            pmd_drain(s);
            return;
        }
        if (n < 0 && errno == EAGAIN)
            return;
    }
}

/* ---- clients ------------------------------------------------------------------------ */

static pmd_client *client_at(pmd *s, uint32_t idx, uint32_t gen)
{
    if (idx >= s->ncl || !s->cl[idx].used || s->cl[idx].gen != gen)
        return NULL;
    return &s->cl[idx];
}

static uint32_t client_idx(const pmd *s, const pmd_client *c)
{
    return (uint32_t)(c - s->cl);
}

static void pend_clear(pmd_client *c)
{
    for (uint32_t i = 0; i < c->pend_kept; i++)
        close(c->pend_fds[i]);
    free(c->pend);
    c->pend = NULL;
    c->pend_len = 0;
    c->pend_nfds = c->pend_kept = 0;
    c->stalled = 0;
}

static uint32_t parked_count(const pmd *s, int conn)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        if (s->w[i].used && (int)s->w[i].conn == conn)
            n++;
    return n;
}

/* Give the lease back: the dispatcher connection is reset (builder
 * emptied, waiters forgotten) and returned to the pool. */
static void lease_return(pmd *s, pmd_client *c)
{
    int conn = c->dconn;
    if (conn <= 0)
        return;
    pm_dispatch_disconnect(s->d, (uint32_t)conn);
    (void)pm_dispatch_connect(s->d, (uint32_t)conn, 0, 0);
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        if (s->w[i].used && (int)s->w[i].conn == conn)
            s->w[i].used = 0;
    s->lease[conn] = -1;
    c->dconn = -1;
    c->building = 0;
}

static void lease_maybe_return(pmd *s, pmd_client *c)
{
    if (c->dconn > 0 && !c->building && parked_count(s, c->dconn) == 0)
        lease_return(s, c);
}

static int lease_take(pmd *s, pmd_client *c)
{
    if (c->dconn > 0)
        return c->dconn;
    for (uint32_t i = 1; i < PM_DISPATCH_MAX_CONNS; i++)
        if (s->lease[i] < 0) {
            s->lease[i] = (int)client_idx(s, c);
            c->dconn = (int)i;
            return (int)i;
        }
    return -1;
}

static void client_close(pmd *s, pmd_client *c, const char *why)
{
    logf_(s, "client pid %d uid %d closed: %s", (int)c->pid, (int)c->uid, why);
    lease_return(s, c);
    pend_clear(c);
    close(c->fd);
    c->fd = -1;
    c->used = 0;
}

/* The client's credentials as execve would use them: SO_PEERCRED's uid
 * and gid, SO_PEERGROUPS's supplementary groups (Linux 4.13; without it,
 * or when it fails, the primary gid alone: a check may then refuse what a
 * supplementary group would allow, never the other way round). */
static void peer_cred(int fd, const struct ucred *cr, pm_kh_cred *out)
{
    gid_t g[PM_KH_MAX_GROUPS];
    socklen_t gl = sizeof g;
    memset(out, 0, sizeof *out);
    out->uid = (uint32_t)cr->uid;
    out->gid = (uint32_t)cr->gid;
    out->pid = (int32_t)cr->pid;
#ifdef SO_PEERGROUPS
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &gl) == 0) {
        uint32_t n = (uint32_t)(gl / sizeof g[0]);
        for (uint32_t i = 0; i < n && i < PM_KH_MAX_GROUPS; i++)
            out->groups[i] = (uint32_t)g[i];
        out->ngroups = n < PM_KH_MAX_GROUPS ? n : PM_KH_MAX_GROUPS;
    }
#else
    (void)fd;
    (void)g;
    (void)gl;
#endif
}

void pmd_accept(pmd *s)
{
    for (;;) {
        struct ucred cr;
        socklen_t cl = sizeof cr;
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
            /* Out of descriptors: the socket stays readable, so returning
             * would spin.  Give the reserve up, take the client and close
             * it (it sees the end of the connection), take the reserve
             * back (issue 18; spec/daemon.md section 13). */
            close(s->spare);
            fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                close(fd);
            s->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
            s->refused_fds++;
            pmd_log(LOG_WARNING, "out of file descriptors: a client was refused (%llu so far); "
                    "raise procmgrd's limit (ulimit -Hn, LimitNOFILE=)",
                    (unsigned long long)s->refused_fds);
            if (fd < 0)
                return;
            continue;
        }
        if (fd < 0)
            return;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 ||
            (cr.uid != 0 && cr.uid != geteuid())) {
            close(fd);     /* identity unknown or another user */
            continue;
        }
        size_t i;
        for (i = 0; i < s->ncl && s->cl[i].used; i++)
            ;
        if (i == s->ncl) {
            size_t n = s->ncl ? s->ncl * 2 : 32;
            pmd_client *t = realloc(s->cl, n * sizeof *t);
            if (t == NULL) {
                close(fd);
                continue;
            }
            memset(t + s->ncl, 0, (n - s->ncl) * sizeof *t);
            s->cl = t;
            s->ncl = n;
        }
        pmd_client *c = &s->cl[i];
        uint32_t gen = c->gen + 1;
        memset(c, 0, sizeof *c);
        c->gen = gen;
        c->used = 1;
        c->fd = fd;
        c->pid = cr.pid;
        c->uid = cr.uid;
        peer_cred(fd, &cr, &c->cred);
        c->dconn = -1;
        if (pmd_epoll_add(s, fd, EPOLLIN, pmd_tag(PMD_TAG_CLIENT, gen, (uint32_t)i)) != 0) {
            close(fd);
            c->used = 0;
            continue;
        }
        logf_(s, "client pid %d uid %d connected", (int)cr.pid, (int)cr.uid);
    }
}

/* ---- sending ---------------------------------------------------------------------- */

/* Non-blocking send of one message with descriptors.  0, or -1 (the
 * socket is full or gone: the caller drops the peer). */
static int send_msg(int fd, const uint8_t *buf, size_t len, const int *fds,
                    uint32_t nfds)
{
    ssize_t n = pm_unixmsg_send(fd, buf, len, fds, nfds, MSG_DONTWAIT);
    return (n >= 0 && (size_t)n == len) ? 0 : -1;
}

/* An error reply framed by the daemon (a handle could not be translated
 * or issued). */
static int send_error(pmd *s, pmd_client *c, const pm_proto_reply_to *to,
                      pm_status status)
{
    pm_proto_reply r;
    size_t len = 0;
    (void)s;
    memset(&r, 0, sizeof r);
    r.opcode = to->opcode;
    r.request_id = to->request_id;
    r.status = (uint32_t)status;
    if (pm_proto_encode_reply(&r, g_reply, sizeof g_reply, &len) != PM_OK)
        return -1;
    return send_msg(c->fd, g_reply, len, NULL, 0);
}

/* Refuse the current request of c (g_req) with status before the
 * dispatcher saw it: the n descriptors it brought (fds) are closed, the
 * error reply sent; a client it cannot reach (the send failed, or the
 * request too short to address a reply to) is closed.  0 when the reply
 * went out. */
static int refuse(pmd *s, pmd_client *c, const int *fds, uint32_t n, pm_status status)
{
    for (uint32_t i = 0; i < n; i++)
        close(fds[i]);
    if (g_req.reply_to.can_reply && send_error(s, c, &g_req.reply_to, status) == 0)
        return 0;
    client_close(s, c, "reply not delivered");
    return -1;
}

static void fresh_random(uint8_t *r)
{
    size_t got = 0;
    while (got < PM_DISPATCH_RANDOM_BYTES) {
        ssize_t n = getrandom(r + got, PM_DISPATCH_RANDOM_BYTES - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (errno != EINTR)
            abort();   /* no entropy source: refuse to launch predictably */
    }
}

/* Kill a process whose launch reply could not be delivered: the daemon
 * frames a KILL with the proven encoder and runs it on the shared
 * connection. */
static void kill_undelivered(pmd *s, const pm_dhandle *proc)
{
    uint8_t msg[64], rnd[PM_DISPATCH_RANDOM_BYTES], dummy = 0;
    size_t len = 0;
    pm_dispatch_result res;
    memset(&g_kreq, 0, offsetof(pm_proto_request, items));
    g_kreq.opcode = PM_OP_KILL;
    g_kreq.handle_count = 1;
    g_kreq.handle[0] = 0;
    g_kreq.handle[1] = g_kreq.handle[2] = PM_PROTO_NO_HANDLE;
    if (pm_proto_encode_request(&g_kreq, &dummy, 0, msg, sizeof msg, &len) != PM_OK)
        return;
    fresh_random(rnd);
    (void)pm_dispatch_message(s->d, PMD_SHARED_CONN, msg, len, proc, 1, rnd,
                              g_reply, sizeof g_reply, &res);
}

/* Send a reply from the dispatcher with its handles.  If a handle cannot
 * be issued (out of descriptors) or the reply cannot be sent, every handle
 * of the reply is released again and, for a launch, the new process is
 * killed: a client that went away mid-launch leaves nothing behind.  In
 * the first case the client gets K_NO_OBJECTS instead (K_NO_DESCRIPTORS
 * when procmgrd is out of descriptors for the handle's socketpair).  -1:
 * drop the client. */
static int deliver(pmd *s, pmd_client *c, const pm_dispatch_result *res,
                   uint16_t op, const pm_proto_reply_to *to)
{
    int cfd[PM_DISPATCH_MAX_OUT];
    uint32_t idx[PM_DISPATCH_MAX_OUT];
    uint32_t n = 0;
    int rc, err = 0;
    for (; n < res->nhandles; n++) {
        errno = 0;
        if (handle_issue(s, &res->handles[n], &cfd[n], &idx[n]) != 0) {
            err = errno;
            break;
        }
    }
    int issued_all = (n == res->nhandles);
    for (uint32_t i = 0; i < n; i++)
        if (res->handles[i].kind == PM_DH_WATCH) {
            s->h[idx[i]].owner = client_idx(s, c);
            s->h[idx[i]].owner_gen = c->gen;
        }
    rc = issued_all ? send_msg(c->fd, g_reply, res->reply_len, cfd, n) : -1;
    for (uint32_t i = 0; i < n; i++)
        close(cfd[i]);
    if (rc == 0)
        return 0;
    int launch = (op == PM_OP_LAUNCH || op == PM_OP_CREATE_PROCESS ||
                  op == PM_OP_CREATE_WITHOUT_STARTING);
    if (launch && res->nhandles > 0 && res->handles[0].kind == PM_DH_PROCESS)
        kill_undelivered(s, &res->handles[0]);
    for (uint32_t i = 0; i < n; i++)
        handle_drop(s, &s->h[idx[i]], 1);
    for (uint32_t i = n; i < res->nhandles; i++) {
        if (res->handles[i].kind == PM_DH_KCAP)
            (void)pm_k_drop(s->k, res->handles[i].cap);
        else
            pm_dispatch_handle_release(s->d, &res->handles[i]);
    }
    if (!issued_all)
        return send_error(s, c, to, err == EMFILE || err == ENFILE
                                        ? PM_E_K_NO_DESCRIPTORS : PM_E_K_NO_OBJECTS);
    return -1;
}

/* ---- handles that arrived ---------------------------------------------------------- */

/* One received descriptor -> a pm_dhandle.  fd is consumed. */
static pm_status translate(pmd *s, int fd, pm_dhandle *out)
{
    struct stat sb;
    pm_status st = PM_OK;
    memset(out, 0, sizeof *out);
    if (fstat(fd, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
        pmd_handle *e = handle_by_inode(s, sb.st_dev, sb.st_ino);
        if (e != NULL) {
            if (e->dh.kind == PM_DH_KCAP) {
                /* the core consumes KCAPs: give it its own derived cap */
                pm_kcap_info ci;
                st = pm_k_cap_info(s->k, e->dh.cap, &ci);
                if (st == PM_OK)
                    st = pm_k_cap_derive(s->k, e->dh.cap, ci.rights, &out->cap);
                if (st == PM_OK)
                    out->kind = PM_DH_KCAP;
            } else {
                *out = e->dh;
            }
            close(fd);
            return st;
        }
    }
    st = pm_kh_import_fd(s->k, fd, &out->cap);
    if (st == PM_OK)
        out->kind = PM_DH_KCAP;
    return st;
}

static void drop_translated(pmd *s, pm_dhandle *in, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (in[i].kind == PM_DH_KCAP)
            (void)pm_k_drop(s->k, in[i].cap);
}

/* ---- one message ------------------------------------------------------------------- */

/* The requests that fill or consume the builder: ADD_ARGS ..
 * CREATE_WITHOUT_STARTING (0x0101-0x0107), SET_CWD (0x0109) and SET_EXECFN
 * (0x010A; not START,
 * 0x0108, which names a created process).  SET_CWD on the shared
 * connection was answered OK and then lost, its directory kept there
 * (issue 18 item 11). */
static int builder_op(uint16_t op)
{
    return (op >= PM_OP_ADD_ARGS && op <= PM_OP_CREATE_WITHOUT_STARTING) ||
           op == PM_OP_SET_CWD || op == PM_OP_SET_EXECFN;
}

static int needs_lease(const pm_proto_request *r)
{
    if (!r->valid)
        return 0;
    if (builder_op(r->opcode))
        return 1;
    return (r->opcode == PM_OP_WAIT || r->opcode == PM_OP_WAIT_ANY) &&
           r->value != PM_WAIT_POLL;
}

/* ---- the parent of a launch (spec/lifecycle.md section 2) ---------------- */

/* The koid of the live record whose host process is pid, or 0. */
static uint64_t koid_of_pid(pmd *s, pid_t pid)
{
    for (uint32_t i = 0; i < PM_REG_CAPACITY; i++) {
        const pm_proc *p = &s->d->reg.slot[i];
        if (p->state != PM_PROC_RUNNING || pm_kcap_is_null(p->thread))
            continue;
        if (pm_kh_thread_pid(s->k, p->thread) == (int64_t)pid)
            return p->pid;
    }
    return 0;
}

/* The parent pid of pid from /proc/PID/stat (after the command's last
 * ')': the state, then the ppid), or -1. */
static pid_t parent_pid_of(pid_t pid)
{
    char path[64], buf[512];
    int ppid = -1;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL || sscanf(p + 1, " %*c %d", &ppid) != 1)
        return -1;
    return (pid_t)ppid;
}

/* The koid of the process a launch request comes from: the peer's own
 * record, else that of its nearest ancestor procmgr launched (a managed
 * shell script running procctl), at most PMD_ANCESTRY levels up and never
 * past procmgrd itself or init; 0 (the root) when there is none. */
#define PMD_ANCESTRY 32
static uint64_t client_koid(pmd *s, pid_t pid)
{
    pid_t self = getpid();
    for (int level = 0; level < PMD_ANCESTRY && pid > 1 && pid != self; level++) {
        pid_t ppid = parent_pid_of(pid);
        /* a process procmgr launched is procmgrd's own child (this also
         * keeps the sim's thread numbers from matching a host pid) */
        uint64_t koid = ppid == self ? koid_of_pid(s, pid) : 0u;
        if (koid != 0)
            return koid;
        pid = ppid;
    }
    return 0;
}

static int launches(uint16_t op)
{
    return op == PM_OP_LAUNCH || op == PM_OP_CREATE_WITHOUT_STARTING ||
           op == PM_OP_CREATE_PROCESS;
}

static void stall(pmd *s, pmd_client *c, const uint8_t *msg, size_t len,
                  const int *fds, uint32_t nfds, uint32_t kept)
{
    c->pend = malloc(len ? len : 1);
    if (c->pend == NULL) {
        for (uint32_t i = 0; i < kept; i++)
            close(fds[i]);
        client_close(s, c, "out of memory");
        return;
    }
    memcpy(c->pend, msg, len);
    c->pend_len = len;
    memcpy(c->pend_fds, fds, kept * sizeof(int));
    c->pend_nfds = nfds;
    c->pend_kept = kept;
    c->stalled = 1;
    struct epoll_event ev = { .events = 0,
        .data.u64 = pmd_tag(PMD_TAG_CLIENT, c->gen, client_idx(s, c)) };
    (void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void add_waiter(pmd *s, const pm_dispatch_result *res, uint32_t conn,
                       uint64_t request_id)
{
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        if (!s->w[i].used) {
            uint64_t now = pmd_now_ns();
            s->w[i].used = 1;
            s->w[i].waiter = res->waiter;
            s->w[i].conn = conn;
            s->w[i].request_id = request_id;
            s->w[i].deadline = (res->timeout_ns == PM_WAIT_FOREVER ||
                                res->timeout_ns > UINT64_MAX - now)
                               ? UINT64_MAX : now + res->timeout_ns;
            return;
        }
}

/* After the dispatcher answered: handle bookkeeping the reply implies. */
static void after_reply(pmd *s, pmd_client *c, uint16_t op, pm_status st,
                        pmd_handle *closed)
{
    if (op == PM_OP_HANDLE_CLOSE && st == PM_OK && closed != NULL && closed->used) {
        /* the core counted it down (or ended the watch); a KCAP entry's
         * own cap is the daemon's to drop */
        if (closed->dh.kind == PM_DH_KCAP)
            (void)pm_k_drop(s->k, closed->dh.cap);
        close(closed->fd);
        closed->used = 0;
        closed->fd = -1;
    }
    if (((op >= PM_OP_ADD_ARGS && op <= PM_OP_SET_INFO) || op == PM_OP_SET_CWD ||
         op == PM_OP_SET_EXECFN) &&
        st == PM_OK)
        c->building = 1;
    if (op == PM_OP_LAUNCH || op == PM_OP_CREATE_WITHOUT_STARTING)
        c->building = 0;
}

/* Translate every descriptor of a decoded request (all consumed).  For
 * HANDLE_CLOSE, *closed is the table entry named, found before its
 * descriptor is closed.  On a failure the translated ones are dropped, the
 * client gets the error reply (or is closed), and -1 is returned. */
static int translate_all(pmd *s, pmd_client *c, uint16_t op, int *fds,
                         uint32_t kept, pm_dhandle *in, pmd_handle **closed)
{
    pm_status st = PM_OK;
    uint32_t ntr = 0;
    if (op == PM_OP_HANDLE_CLOSE && kept == 1) {
        struct stat sb;
        if (fstat(fds[0], &sb) == 0 && S_ISSOCK(sb.st_mode))
            *closed = handle_by_inode(s, sb.st_dev, sb.st_ino);
    }
    for (; ntr < kept && st == PM_OK; ntr++)
        st = translate(s, fds[ntr], &in[ntr]);
    if (st == PM_OK)
        return 0;
    char opbuf[PMD_OP_LABEL];
    logf_(s, "client pid %d uid %d: %s: handle %u: %s (%d)", (int)c->pid, (int)c->uid,
          pmd_op_label(op, opbuf), ntr - 1, pm_status_name((int)st), (int)st);
    /* in[ntr - 1] failed and is empty; the rest were not looked at */
    drop_translated(s, in, ntr);
    if (refuse(s, c, fds + ntr, kept - ntr, st) == 0)
        lease_maybe_return(s, c);
    return -1;
}

/* The live WATCH handles client c made. */
static uint32_t watches_of(const pmd *s, const pmd_client *c)
{
    uint32_t n = 0, me = client_idx(s, c);
    for (size_t i = 0; i < s->nh; i++)
        if (s->h[i].used && s->h[i].dh.kind == PM_DH_WATCH &&
            s->h[i].owner == me && s->h[i].owner_gen == c->gen)
            n++;
    return n;
}

/* Process one message of client c.  fds[0, kept) are the descriptors
 * kept, nfds the number received (PMD_MAX_FDS_IN when truncated).  All
 * descriptors are consumed.  May close the client. */
static void handle_message(pmd *s, pmd_client *c, const uint8_t *msg,
                           size_t len, int *fds, uint32_t nfds, uint32_t kept)
{
    pm_dhandle in[PM_PROTO_MAX_HANDLES];
    pmd_handle *closed = NULL;
    uint8_t rnd[PM_DISPATCH_RANDOM_BYTES];
    pm_dispatch_result res;
    uint32_t conn = PMD_SHARED_CONN;
    pm_status st;

    (void)pm_proto_decode_request(msg, len, nfds, &g_req);
    uint16_t op = g_req.valid ? g_req.opcode : PM_OP_NONE;
    uint64_t rid = g_req.reply_to.request_id;
    if (op == PM_OP_WATCH && watches_of(s, c) >= PMD_WATCHES_PER_CLIENT) {
        /* one client does not take the daemon's watches (item 5) */
        (void)refuse(s, c, fds, kept, PM_E_WATCHES_FULL);
        return;
    }
    if (c->lease_expired && g_req.valid && builder_op(op)) {
        /* the rest of a launch whose builder was emptied: refused up to
         * its end, so that no launch runs with part of what was asked */
        if (op == PM_OP_LAUNCH || op == PM_OP_CREATE_WITHOUT_STARTING)
            c->lease_expired = 0;
        (void)refuse(s, c, fds, kept, PM_E_LEASE_EXPIRED);
        return;
    }
    if (needs_lease(&g_req)) {
        int l = lease_take(s, c);
        if (l < 0) {
            stall(s, c, msg, len, fds, nfds, kept);
            return;
        }
        conn = (uint32_t)l;
    } else if (c->dconn > 0) {
        conn = (uint32_t)c->dconn;     /* keep using its own builder */
    }
    if (conn != PMD_SHARED_CONN)
        c->lease_used = pmd_now_ns();
    memset(in, 0, sizeof in);
    if (!g_req.valid) {
        for (uint32_t i = 0; i < kept; i++)
            close(fds[i]);  /* refused: no handle is ever used */
    } else if (translate_all(s, c, op, fds, kept, in, &closed) != 0) {
        return;
    }
    fresh_random(rnd);
    /* Connections are shared (0) and leased (1..63): the principal is the
     * sender's, set for every message (spec/daemon.md section 2). */
    (void)pm_dispatch_set_principal(s->d, conn, (uint32_t)c->uid);
    if (g_req.valid && launches(op)) {
        /* looked up once per client: its pid and ancestry do not change
         * (if that ancestor ends, the dispatcher uses the root) */
        if (!c->koid_known) {
            c->koid = client_koid(s, c->pid);
            c->koid_known = 1;
        }
        (void)pm_dispatch_set_client(s->d, conn, c->koid);
        /* every image this launch reads or maps: one execve would run for
         * this client (spec/security-model.md, "Execute permission") */
        pm_kh_set_requester(s->k, &c->cred);
    }
    st = pm_dispatch_message(s->d, conn, msg, len, in, nfds, rnd, g_reply,
                             sizeof g_reply, &res);
    pm_kh_set_requester(s->k, NULL);
    pm_status fine = pm_kh_refine_status(s->k, st);
    if (fine != st && res.action == PM_DISPATCH_REPLY && res.nhandles == 0) {
        /* the backend can say why (e.g. an unsealed memfd as the program:
         * LINUX_MEMFD_UNSEALED, not K_TYPE; issue 18 item 10) */
        pm_proto_reply r;
        size_t rlen = 0;
        memset(&r, 0, sizeof r);
        r.opcode = g_req.reply_to.opcode;
        r.request_id = g_req.reply_to.request_id;
        r.status = (uint32_t)fine;
        if (pm_proto_encode_reply(&r, g_reply, sizeof g_reply, &rlen) == PM_OK) {
            res.reply_len = rlen;
            res.status = (uint32_t)fine;
            st = fine;
        }
    }
    char opbuf[PMD_OP_LABEL];
    logf_(s, "client pid %d uid %d: %s on conn %u: %s (%d)", (int)c->pid, (int)c->uid,
          pmd_op_label(g_req.reply_to.opcode, opbuf), conn, pm_status_name((int)st), (int)st);
    if (res.action == PM_DISPATCH_CLOSE) {
        client_close(s, c, pm_status_name((int)res.status));
        return;
    }
    if (res.action == PM_DISPATCH_PARKED) {
        add_waiter(s, &res, conn, rid);
        return;
    }
    after_reply(s, c, op, st, closed);
    if (deliver(s, c, &res, op, &g_req.reply_to) != 0) {
        s->disconnected_slow++;
        client_close(s, c, "reply not delivered (socket full or closed)");
        return;
    }
    lease_maybe_return(s, c);
}

/* Read up to PMD_BATCH messages from a client. */
void pmd_client_ready(pmd *s, uint32_t idx, uint32_t gen, uint32_t events)
{
    pmd_client *c0 = client_at(s, idx, gen);
    if (c0 != NULL && c0->stalled) {
        /* not read while stalled; a hang-up is still reported */
        if (events & (EPOLLHUP | EPOLLERR))
            client_close(s, c0, "hang-up while stalled");
        return;
    }
    for (uint32_t b = 0; b < PMD_BATCH; b++) {
        pmd_client *c = client_at(s, idx, gen);
        if (c == NULL || c->stalled)
            return;
        int fds[PMD_MAX_FDS_IN];
        uint32_t nfds = 0, kept = 0;
        int truncated = 0;
        ssize_t n = pm_unixmsg_recv(c->fd, g_rbuf, sizeof g_rbuf, fds,
                                    PM_PROTO_MAX_HANDLES, &kept, &nfds,
                                    &truncated, MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            for (uint32_t i = 0; i < kept; i++)
                close(fds[i]);
            client_close(s, c, n == 0 ? "end of connection" : "receive error");
            return;
        }
        if (nfds > PM_PROTO_MAX_HANDLES && kept < PM_PROTO_MAX_HANDLES) {
            /* the kernel dropped descriptors although there was room for
             * 65: procmgrd is out of descriptors (EMFILE, ENFILE), not
             * the client wrong (it was PROTO_HANDLE_COUNT_MISMATCH,
             * issue 18 item 10) */
            (void)pm_proto_decode_request(g_rbuf, truncated ? sizeof g_rbuf : (size_t)n, 0,
                                          &g_req);
            pmd_log(LOG_WARNING, "client pid %d uid %d: out of file descriptors: the "
                    "descriptors of a request were dropped (K_NO_DESCRIPTORS 421); raise "
                    "procmgrd's limit (ulimit -Hn, LimitNOFILE=)", (int)c->pid, (int)c->uid);
            if (refuse(s, c, fds, kept, PM_E_K_NO_DESCRIPTORS) != 0)
                return;
            continue;
        }
        if (nfds > PM_PROTO_MAX_HANDLES)   /* beyond 64: never reaches the core */
            nfds = PMD_MAX_FDS_IN;
        size_t len = truncated ? sizeof g_rbuf : (size_t)n;
        handle_message(s, c, g_rbuf, len, fds, nfds, kept);
        pmd_drain(s);
    }
}

/* Give stalled clients a lease that freed up, oldest index first. */
void pmd_serve_stalled(pmd *s)
{
    for (size_t i = 0; i < s->ncl; i++) {
        pmd_client *c = &s->cl[i];
        if (!c->used || !c->stalled)
            continue;
        int l = lease_take(s, c);
        if (l < 0)
            return;
        uint8_t *msg = c->pend;
        size_t len = c->pend_len;
        int fds[PMD_MAX_FDS_IN];
        uint32_t nfds = c->pend_nfds, kept = c->pend_kept;
        memcpy(fds, c->pend_fds, sizeof fds);
        c->pend = NULL;
        c->pend_kept = 0;
        c->stalled = 0;
        struct epoll_event ev = { .events = EPOLLIN,
            .data.u64 = pmd_tag(PMD_TAG_CLIENT, c->gen, (uint32_t)i) };
        (void)epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
        handle_message(s, c, msg, len, fds, nfds, kept);
        free(msg);
        pmd_drain(s);
    }
}

/* ---- waiters, events ---------------------------------------------------------------- */

/* The index of the client holding lease conn, or -1. */
static int lease_index(const pmd *s, uint32_t conn)
{
    if (conn == 0 || conn >= PM_DISPATCH_MAX_CONNS || s->lease[conn] < 0)
        return -1;
    return s->lease[conn];
}

static pmd_client *lease_owner(pmd *s, uint32_t conn)
{
    int i = lease_index(s, conn);
    return i < 0 ? NULL : &s->cl[i];
}

/* The index of the client on lease conn whose builder may expire: holding
 * builder state and parking no WAIT (a parked WAIT is not idle), or -1. */
static int idle_index(const pmd *s, uint32_t conn)
{
    int i = lease_index(s, conn);
    if (i < 0 || !s->cl[i].used || !s->cl[i].building || parked_count(s, (int)conn) != 0)
        return -1;
    return i;
}

void pmd_expire_leases(pmd *s)
{
    uint64_t now = pmd_now_ns();
    for (uint32_t conn = 1; conn < PM_DISPATCH_MAX_CONNS; conn++) {
        int i = idle_index(s, conn);
        if (i < 0 || now - s->cl[i].lease_used < s->lease_timeout_ns)
            continue;
        pmd_client *c = &s->cl[i];
        pmd_log(LOG_NOTICE, "client pid %d uid %d: no request for its launch builder in "
                "%llu ms (--lease-timeout): builder emptied, lease taken back; its "
                "launch is refused (LEASE_EXPIRED)", (int)c->pid, (int)c->uid,
                (unsigned long long)(s->lease_timeout_ns / 1000000u));
        lease_return(s, c);
        c->lease_expired = 1;
    }
}

static void reply_to_waiter(pmd *s, uint32_t conn, const pm_dispatch_result *res)
{
    pmd_client *c = lease_owner(s, conn);
    if (c == NULL || !c->used)
        return;
    if (send_msg(c->fd, g_reply, res->reply_len, NULL, 0) != 0) {
        s->disconnected_slow++;
        client_close(s, c, "wait reply not delivered");
        return;
    }
    lease_maybe_return(s, c);
}

static void forget_waiter(pmd *s, uint32_t conn, uint64_t request_id)
{
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        if (s->w[i].used && s->w[i].conn == conn && s->w[i].request_id == request_id) {
            s->w[i].used = 0;
            return;
        }
}

static uint64_t reply_request_id(const uint8_t *r)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | r[16 + i];
    return v;
}

/* Turn kernel events into state, then send every ready WAIT reply and
 * every queued EVENT. */
void pmd_drain(pmd *s)
{
    pm_dispatch_result res;
    uint8_t ev[PM_DISPATCH_EVENT_LEN];
    uint32_t conn;
    uint64_t watch;
    while (pm_dispatch_poll_events(s->d) == PM_DISPATCH_MAX_EVENT_POLL)
        ;
    while (pm_dispatch_take_reply(s->d, &conn, g_reply, sizeof g_reply, &res) == PM_OK) {
        forget_waiter(s, conn, reply_request_id(g_reply));
        reply_to_waiter(s, conn, &res);
    }
    while (pm_dispatch_take_event(s->d, &watch, ev, sizeof ev) == PM_OK) {
        pmd_handle *e = handle_by_watch(s, watch);
        if (e == NULL)
            continue;
        if (send_msg(e->fd, ev, sizeof ev, NULL, 0) != 0) {
            /* a watcher that does not read loses its watch */
            s->events_lost++;
            handle_drop(s, e, 1);
        }
    }
}

void pmd_expire_waiters(pmd *s)
{
    uint64_t now = pmd_now_ns();
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_WAITERS; i++) {
        pmd_waiter *w = &s->w[i];
        if (!w->used || w->deadline > now)
            continue;
        pm_dispatch_result res;
        w->used = 0;
        if (pm_dispatch_wait_expire(s->d, w->waiter, g_reply, sizeof g_reply,
                                    &res) == PM_OK && res.action == PM_DISPATCH_REPLY)
            reply_to_waiter(s, w->conn, &res);
    }
}

int pmd_next_timeout_ms(const pmd *s)
{
    uint64_t next = UINT64_MAX, now = pmd_now_ns();
    if (s->child_ended)
        return 0;           /* orphans left to reap: only poll */
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        if (s->w[i].used && s->w[i].deadline < next)
            next = s->w[i].deadline;
    for (uint32_t conn = 1; conn < PM_DISPATCH_MAX_CONNS; conn++) {
        int i = idle_index(s, conn);
        if (i >= 0 && s->cl[i].lease_used + s->lease_timeout_ns < next)
            next = s->cl[i].lease_used + s->lease_timeout_ns;
    }
    if (next == UINT64_MAX)
        return -1;
    if (next <= now)
        return 0;
    uint64_t ms = (next - now + 999999u) / 1000000u;
    return ms > 60000u ? 60000 : (int)ms;
}

/* ---- orphans ---------------------------------------------------------------------- */

/* Is pid the host process of a live record (the backend reaps those)? */
static int backend_pid(pmd *s, pid_t pid)
{
    if (s->k == NULL)
        return 0;          /* backend closed: every child is an orphan */
    for (uint32_t i = 0; i < PM_REG_CAPACITY; i++) {
        const pm_proc *p = &s->d->reg.slot[i];
        if (pm_kcap_is_null(p->thread))
            continue;
        if (pm_kh_thread_pid(s->k, p->thread) == (int64_t)pid)
            return 1;
    }
    return 0;
}

/* Reap pid if it is an orphan (never a process of the backend) that ended:
 * 1 if it was reaped. */
static int reap_orphan(pmd *s, pid_t pid)
{
    siginfo_t si;
    if (pid <= 0 || backend_pid(s, pid))
        return 0;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == pid;
}

/* One pass over the children file, read whole chunk by chunk (with a single
 * read of 4 KiB, the children past about the 500th waited for another
 * SIGCHLD, which may never come): the number of orphans reaped. */
static unsigned reap_pass(pmd *s, int fd)
{
    char buf[4096];
    unsigned reaped = 0;
    /* the pids as decimal numbers separated by spaces; a number may span
     * two reads, so it is accumulated digit by digit */
    long pid = 0;
    int digits = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                if (digits < 10)
                    pid = pid * 10 + (buf[i] - '0');
                digits++;
                continue;
            }
            if (digits > 0 && digits < 10)
                reaped += (unsigned)reap_orphan(s, (pid_t)pid);
            pid = 0;
            digits = 0;
        }
    }
    if (digits > 0 && digits < 10)
        reaped += (unsigned)reap_orphan(s, (pid_t)pid);
    return reaped;
}

/* As a child subreaper, procmgrd inherits the orphaned descendants of the
 * processes it launched.  Reap those that exited, never a process of the
 * backend (it waits for its own through pidfds).
 *
 * The children file is a list walked by position across reads: a child
 * reaped during a pass moves the later ones back, and the next read skips
 * as many.  Those were zombies whose SIGCHLD is already spent (CI: 318 of
 * 1000 killed orphans never reaped).  So passes repeat until one reaps
 * nothing: such a pass moved nothing and saw every child.  Bounded, so
 * that a stream of dying orphans cannot starve the clients: past the bound
 * the scan resumes after the next round of replies. */
#define PMD_REAP_PASSES 32

void pmd_reap_orphans(pmd *s)
{
    char path[64];
    siginfo_t peek;
    /* No child has ended (or the backend reaped it already): nothing to
     * scan.  WNOWAIT leaves a child of the backend to the backend. */
    memset(&peek, 0, sizeof peek);
    if (waitid(P_ALL, 0, &peek, WEXITED | WNOHANG | WNOWAIT) != 0 || peek.si_pid == 0)
        return;
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    unsigned pass = 0;
    while (reap_pass(s, fd) > 0) {
        if (++pass == PMD_REAP_PASSES) {
            s->child_ended = 1;     /* more next round (timeout 0) */
            break;
        }
        if (lseek(fd, 0, SEEK_SET) != 0)
            break;
    }
    close(fd);
}

/* ---- shutdown ---------------------------------------------------------------------- */

void pmd_shutdown(pmd *s)
{
    for (size_t i = 0; i < s->ncl; i++)
        if (s->cl[i].used)
            client_close(s, &s->cl[i], "shutdown");
    for (size_t i = 0; i < s->nh; i++)
        if (s->h[i].used) {
            if (s->h[i].dh.kind == PM_DH_KCAP)
                (void)pm_k_drop(s->k, s->h[i].dh.cap);
            close(s->h[i].fd);
            s->h[i].used = 0;
        }
    free(s->cl);
    free(s->h);
    s->cl = NULL;
    s->h = NULL;
    s->ncl = s->nh = 0;
}
