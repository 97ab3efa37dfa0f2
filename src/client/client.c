/*
 * libprocmgr: connection, request/reply exchange, every request of
 * protocol version 1 (spec/client.md).  Framing and reply decoding are
 * the proven codec's (src/proto/client.c); this file only moves bytes and
 * descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "procmgr/client.h"
#include "../shell/unixmsg.h"
#include "pipeline.h"

#define CLIENT_RECV_CAP (PM_PROTO_MAX_MSG + 1u)
#define CLIENT_MAX_IN   2u     /* handles in any reply */
/* Pipelined requests whose replies are not read yet: few enough that
 * their replies always fit in the socket's receive queue (the daemon
 * never blocks on a client and drops one whose queue is full). */
#define CLIENT_MAX_INFLIGHT 8u

struct pm_client {
    int      fd;
    int      err;               /* errno of the last transport failure   */
    int      broken;            /* refused reply or transport failure     */
    uint64_t next_id;
    pm_proto_request req;       /* the request being framed               */
    pm_proto_reply   rep;       /* the last decoded reply                  */
    uint32_t src_len;
    uint8_t  src[PM_PROTO_MAX_MSG];       /* strings the request slices   */
    uint8_t  out[PM_PROTO_MAX_MSG];       /* the framed request           */
    uint8_t  in[CLIENT_RECV_CAP];         /* the received reply           */
    size_t   in_len;
    int      in_fds[CLIENT_MAX_IN];       /* handles of the reply         */
    uint32_t in_nfds;
    uint32_t pipelined;         /* requests are sent, replies read later   */
    uint32_t ninflight;         /* sent, reply not read yet (oldest first) */
    uint64_t inflight_id[CLIENT_MAX_INFLIGHT];
    uint16_t inflight_op[CLIENT_MAX_INFLIGHT];
    pm_status pipe_first;       /* first refusal among them               */
};

/* ---- connection -------------------------------------------------------------- */

const char *pm_client_default_socket(char *buf, size_t cap)
{
    return pm_unixmsg_default_socket(buf, cap);
}

pm_status pm_client_connect(const char *path, pm_client **out)
{
    char def[sizeof(((struct sockaddr_un *)0)->sun_path)];
    struct sockaddr_un sa;
    pm_client *c;
    *out = NULL;
    if (path == NULL)
        path = pm_client_default_socket(def, sizeof def);
    if (path == NULL || strlen(path) >= sizeof sa.sun_path)
        return PM_E_PROTO_BAD_ARGUMENT;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return PM_E_K_NO_MEMORY;
    c->next_id = 1;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        if (c->fd >= 0)
            close(c->fd);
        free(c);
        errno = e;
        return PM_E_NOT_CONNECTED;
    }
    *out = c;
    return PM_OK;
}

void pm_client_close(pm_client *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

int pm_client_fd(const pm_client *c)
{
    return c->fd;
}

int pm_client_errno(const pm_client *c)
{
    return c->err;
}

static pm_status broken(pm_client *c, int err, pm_status st)
{
    c->err = err;
    c->broken = 1;
    return st;
}

/* ---- exchange ------------------------------------------------------------------ */

/* Start framing a request: clear it, no handles, no strings. */
static void req_begin(pm_client *c, uint16_t opcode)
{
    pm_proto_request *r = &c->req;
    memset(r, 0, offsetof(pm_proto_request, items));
    r->opcode = opcode;
    r->handle[0] = r->handle[1] = r->handle[2] = PM_PROTO_NO_HANDLE;
    r->item_count = 0;
    c->src_len = 0;
}

/* Copy a string into src; *s its slice.  PROTO_BAD_ARGUMENT if it does not
 * fit in one message. */
static pm_status put_str(pm_client *c, const char *str, pm_slice *s)
{
    size_t n = strlen(str);
    if (n > sizeof c->src - c->src_len)
        return PM_E_PROTO_BAD_ARGUMENT;
    memcpy(c->src + c->src_len, str, n);
    s->off = c->src_len;
    s->len = (uint32_t)n;
    c->src_len += (uint32_t)n;
    return PM_OK;
}

static void close_in(pm_client *c)
{
    for (uint32_t i = 0; i < c->in_nfds; i++)
        if (c->in_fds[i] >= 0)
            close(c->in_fds[i]);
    c->in_nfds = 0;
}

static pm_status send_req(pm_client *c, const int *fds, uint32_t nfds)
{
    size_t len = 0;
    pm_status st;
    ssize_t n;
    for (uint32_t i = 0; i < nfds; i++)
        if (fds[i] < 0)
            return PM_E_PROTO_BAD_ARGUMENT;   /* not a descriptor: nothing sent */
    c->req.request_id = c->next_id++;
    c->req.handle_count = nfds;
    st = pm_proto_encode_request(&c->req, c->src, c->src_len, c->out,
                                 sizeof c->out, &len);
    if (st != PM_OK)
        return st;
    n = pm_unixmsg_send(c->fd, c->out, len, fds, nfds, 0);
    if (n < 0 && errno == EBADF && nfds > 0) {
        c->err = EBADF;                       /* a closed descriptor: nothing sent */
        return PM_E_PROTO_BAD_ARGUMENT;
    }
    if (n < 0 || (size_t)n != len)
        return broken(c, n < 0 ? errno : EMSGSIZE, PM_E_NOT_CONNECTED);
    return PM_OK;
}

/* Receive one message on fd into buf; fds into fds[0, *nfds) (at most
 * max kept, the rest closed; *nfds is the count received, max + 1 when
 * more arrived).  0 on success, else errno (ECONNRESET for end of
 * connection). */
static int recv_one(int fd, uint8_t *buf, size_t cap, size_t *len, int *fds,
                    uint32_t max, uint32_t *nfds)
{
    uint32_t kept;
    int truncated;
    ssize_t n = pm_unixmsg_recv(fd, buf, cap, fds, max, &kept, nfds,
                                &truncated, 0);
    if (n < 0)
        return errno;
    if (*nfds > PM_PROTO_MAX_HANDLES)
        *nfds = PM_PROTO_MAX_HANDLES + 1u;
    if (n == 0)
        return ECONNRESET;
    *len = truncated ? cap : (size_t)n;
    return 0;
}

/* Wait for the reply to request (id, op) and decode it.  On PM_OK the
 * reply status is returned; its handles are in c->in_fds (the caller takes
 * them, or they are closed at the next exchange). */
static pm_status recv_reply(pm_client *c, uint64_t id, uint16_t op)
{
    uint32_t nfds = 0;
    int e = recv_one(c->fd, c->in, sizeof c->in, &c->in_len, c->in_fds,
                     CLIENT_MAX_IN, &nfds);
    pm_status st;
    if (e != 0) {
        c->in_nfds = nfds < CLIENT_MAX_IN ? nfds : CLIENT_MAX_IN;
        close_in(c);
        return broken(c, e, PM_E_NOT_CONNECTED);
    }
    c->in_nfds = nfds < CLIENT_MAX_IN ? nfds : CLIENT_MAX_IN;
    st = pm_proto_decode_reply(c->in, c->in_len, nfds, &c->rep);
    if (st == PM_OK && (c->rep.request_id != id || c->rep.opcode != op))
        st = PM_E_PROTO_UNEXPECTED_REPLY;
    if (st != PM_OK) {
        close_in(c);
        close(c->fd);
        c->fd = -1;
        return broken(c, EPROTO, st);
    }
    return (pm_status)c->rep.status;
}

/* Read the reply of the oldest pipelined request (closing its handles,
 * if any) and keep the first refusal. */
static void collect_one(pm_client *c)
{
    pm_status st = c->broken ? PM_E_NOT_CONNECTED
                             : recv_reply(c, c->inflight_id[0], c->inflight_op[0]);
    close_in(c);
    if (st != PM_OK && c->pipe_first == PM_OK)
        c->pipe_first = st;
    c->ninflight--;
    memmove(c->inflight_id, c->inflight_id + 1, c->ninflight * sizeof c->inflight_id[0]);
    memmove(c->inflight_op, c->inflight_op + 1, c->ninflight * sizeof c->inflight_op[0]);
}

static void collect_all(pm_client *c)
{
    while (c->ninflight > 0)
        collect_one(c);
}

void pm_client_pipeline_(pm_client *c, int on)
{
    c->pipelined = on != 0;
}

pm_status pm_client_pipeline_status_(pm_client *c)
{
    pm_status st;
    collect_all(c);
    st = c->pipe_first;
    c->pipe_first = PM_OK;
    return st;
}

/* Send the framed request with fds and receive its reply.  Pipelined:
 * only send it; its reply is read before any later one. */
static pm_status exchange(pm_client *c, const int *fds, uint32_t nfds)
{
    pm_status st;
    close_in(c);
    if (c->pipelined && c->ninflight == CLIENT_MAX_INFLIGHT)
        collect_one(c);
    if (c->broken)
        return PM_E_NOT_CONNECTED;
    st = send_req(c, fds, nfds);
    if (st != PM_OK)
        return st;
    if (c->pipelined) {
        c->inflight_id[c->ninflight] = c->req.request_id;
        c->inflight_op[c->ninflight] = c->req.opcode;
        c->ninflight++;
        return PM_OK;
    }
    collect_all(c);
    if (c->broken)
        return PM_E_NOT_CONNECTED;
    return recv_reply(c, c->req.request_id, c->req.opcode);
}

/* Take reply handle i (the caller owns it). */
static int take_fd(pm_client *c, uint32_t i)
{
    int fd = -1;
    if (i < c->in_nfds) {
        fd = c->in_fds[i];
        c->in_fds[i] = -1;
    }
    return fd;
}

/* ---- builder ------------------------------------------------------------------- */

/* Encoded size of one string item. */
static size_t item_size(const char *s)
{
    return 4u + strlen(s);
}

/* ADD_ARGS / ADD_ENVIRONS, split into messages of at most 256 items and
 * PM_PROTO_MAX_MSG bytes. */
static pm_status add_strings(pm_client *c, uint16_t op, const char *const *v,
                             size_t n)
{
    pm_status st = PM_OK;
    size_t i = 0;
    const size_t room = PM_PROTO_MAX_MSG - PM_PROTO_HEADER_SIZE - 4u;
    while (st == PM_OK && i < n) {
        size_t bytes = 0;
        req_begin(c, op);
        while (st == PM_OK && i < n && c->req.item_count < PM_PROTO_MAX_ITEMS &&
               bytes + item_size(v[i]) <= room) {
            pm_proto_item *it = &c->req.items[c->req.item_count];
            it->handle = PM_PROTO_NO_HANDLE;
            st = put_str(c, v[i], &it->str);
            bytes += item_size(v[i]);
            c->req.item_count++;
            i++;
        }
        if (st == PM_OK && c->req.item_count == 0)
            st = PM_E_PROTO_BAD_ARGUMENT;     /* one string over a message */
        if (st == PM_OK)
            st = exchange(c, NULL, 0);
    }
    return st;
}

pm_status pm_client_add_args(pm_client *c, const char *const *args, size_t n)
{
    return add_strings(c, PM_OP_ADD_ARGS, args, n);
}

pm_status pm_client_add_environs(pm_client *c, const char *const *envs, size_t n)
{
    return add_strings(c, PM_OP_ADD_ENVIRONS, envs, n);
}

pm_status pm_client_add_names(pm_client *c, const pm_client_name *names, size_t n)
{
    pm_status st = PM_OK;
    int fds[PM_PROTO_MAX_HANDLES];
    size_t i = 0;
    while (st == PM_OK && i < n) {
        uint32_t k = 0;
        req_begin(c, PM_OP_ADD_NAMES);
        while (st == PM_OK && i < n && k < 64u) {
            pm_proto_item *it = &c->req.items[k];
            it->handle = k;
            st = put_str(c, names[i].path, &it->str);
            fds[k++] = names[i++].dir_fd;
        }
        c->req.item_count = k;
        if (st == PM_OK)
            st = exchange(c, fds, k);
    }
    return st;
}

static pm_status handles_items(pm_client *c, const pm_client_startup *h,
                               size_t n, int *fds, uint32_t first)
{
    for (size_t k = 0; k < n; k++) {
        c->req.items[k].handle = first + (uint32_t)k;
        c->req.items[k].id = h[k].id;
        fds[first + k] = h[k].fd;
    }
    c->req.item_count = (uint32_t)n;
    return PM_OK;
}

pm_status pm_client_add_handles(pm_client *c, const pm_client_startup *h, size_t n)
{
    pm_status st = PM_OK;
    int fds[PM_PROTO_MAX_HANDLES];
    size_t i = 0;
    while (st == PM_OK && i < n) {
        size_t k = n - i > 64u ? 64u : n - i;
        req_begin(c, PM_OP_ADD_HANDLES);
        st = handles_items(c, h + i, k, fds, 0);
        if (st == PM_OK)
            st = exchange(c, fds, (uint32_t)k);
        i += k;
    }
    return st;
}

pm_status pm_client_set_info(pm_client *c, int executable, int job,
                             int interpreter, const char *name)
{
    return pm_client_set_info_flags(c, executable, job, interpreter, name, 0);
}

pm_status pm_client_set_info_flags(pm_client *c, int executable, int job,
                                   int interpreter, const char *name,
                                   uint32_t flags)
{
    int fds[3];
    uint32_t n = 0;
    pm_status st = PM_OK;
    req_begin(c, PM_OP_SET_INFO);
    if (executable < 0)
        return PM_E_PROTO_BAD_ARGUMENT;
    c->req.flags = flags;
    c->req.handle[0] = n;
    fds[n++] = executable;
    if (job >= 0) {
        c->req.handle[1] = n;
        fds[n++] = job;
    }
    if (interpreter >= 0) {
        c->req.handle[2] = n;
        fds[n++] = interpreter;
    }
    if (name != NULL)
        st = put_str(c, name, &c->req.str);
    if (st == PM_OK)
        st = exchange(c, fds, n);
    return st;
}

static void take_process(pm_client *c, pm_client_process *out)
{
    out->process = take_fd(c, 0);
    out->thread = take_fd(c, 1);
    out->koid = c->rep.koid;
}

static void no_process(pm_client_process *out)
{
    out->process = -1;
    out->thread = -1;
    out->koid = 0;
}

pm_status pm_client_launch(pm_client *c, pm_client_process *out)
{
    pm_status st;
    no_process(out);
    req_begin(c, PM_OP_LAUNCH);
    st = exchange(c, NULL, 0);
    if (st == PM_OK)
        take_process(c, out);
    return st;
}

pm_status pm_client_create_without_starting(pm_client *c, pm_client_process *out,
                                            pm_client_start_data *sd)
{
    pm_status st;
    no_process(out);
    req_begin(c, PM_OP_CREATE_WITHOUT_STARTING);
    st = exchange(c, NULL, 0);
    if (st == PM_OK) {
        take_process(c, out);
        if (sd != NULL) {
            sd->entry = c->rep.entry;
            sd->stack = c->rep.stack;
            sd->image_base = c->rep.image_base;
            sd->interp_base = c->rep.interp_base;
            sd->vdso_base = c->rep.vdso_base;
        }
    }
    return st;
}

pm_status pm_client_start(pm_client *c, int process, int thread)
{
    int fds[2] = { process, thread };
    req_begin(c, PM_OP_START);
    c->req.handle[0] = 0;
    c->req.handle[1] = thread < 0 ? PM_PROTO_NO_HANDLE : 1u;
    return exchange(c, fds, thread < 0 ? 1u : 2u);
}

/* ---- process core -------------------------------------------------------------- */

pm_status pm_client_create_process(pm_client *c, int executable,
                                   const pm_client_startup *caps, size_t n,
                                   pm_client_process *out)
{
    int fds[PM_PROTO_MAX_HANDLES];
    pm_status st;
    no_process(out);
    if (n > 63u)
        return PM_E_PROTO_BAD_ARGUMENT;
    req_begin(c, PM_OP_CREATE_PROCESS);
    c->req.handle[0] = 0;
    fds[0] = executable;
    st = handles_items(c, caps, n, fds, 1);
    if (st == PM_OK)
        st = exchange(c, fds, (uint32_t)n + 1u);
    if (st == PM_OK)
        take_process(c, out);
    return st;
}

/* A request whose only field is one handle (plus value/flags). */
static pm_status one_handle(pm_client *c, uint16_t op, int h, uint32_t flags,
                            uint64_t value)
{
    req_begin(c, op);
    c->req.handle[0] = 0;
    c->req.flags = flags;
    c->req.value = value;
    return exchange(c, &h, 1);
}

pm_status pm_client_exit_process(pm_client *c, int process, uint32_t code)
{
    return one_handle(c, PM_OP_EXIT_PROCESS, process, 0, code);
}

pm_status pm_client_open_process(pm_client *c, uint64_t koid, uint32_t rights,
                                 int *process)
{
    pm_status st;
    *process = -1;
    req_begin(c, PM_OP_OPEN_PROCESS);
    c->req.value = koid;
    c->req.flags = rights;
    st = exchange(c, NULL, 0);
    if (st == PM_OK)
        *process = take_fd(c, 0);
    return st;
}

/* JOB_CREATE and JOB_OPEN share their reply. */
static pm_status job_reply(pm_client *c, pm_status st, int *job, uint64_t *koid,
                           uint32_t *mode)
{
    if (st == PM_OK) {
        *job = take_fd(c, 0);
        if (koid != NULL)
            *koid = c->rep.koid;
        if (mode != NULL)
            *mode = c->rep.job_mode;
    }
    return st;
}

pm_status pm_client_job_create(pm_client *c, int *job, uint64_t *koid,
                               uint32_t *mode)
{
    *job = -1;
    req_begin(c, PM_OP_JOB_CREATE);
    return job_reply(c, exchange(c, NULL, 0), job, koid, mode);
}

pm_status pm_client_job_open(pm_client *c, uint64_t koid, int *job,
                             uint32_t *mode)
{
    *job = -1;
    req_begin(c, PM_OP_JOB_OPEN);
    c->req.value = koid;
    return job_reply(c, exchange(c, NULL, 0), job, NULL, mode);
}

pm_status pm_client_job_set_limit(pm_client *c, int job, uint32_t resource,
                                  uint64_t limit)
{
    return one_handle(c, PM_OP_JOB_SET_LIMIT, job, resource, limit);
}

pm_status pm_client_job_query(pm_client *c, int job, uint64_t *koid,
                              uint32_t *mode, pm_proto_job_usage *usage)
{
    pm_status st = one_handle(c, PM_OP_JOB_QUERY, job, 0, 0);
    if (st == PM_OK) {
        if (koid != NULL)
            *koid = c->rep.koid;
        if (mode != NULL)
            *mode = c->rep.job_mode;
        if (usage != NULL)
            *usage = c->rep.job;
    }
    return st;
}

/* The record and the NUL-terminated name of the reply just decoded
 * (QUERY_PROCESS, LOOKUP_PROCESS); either may be NULL. */
static void take_info_name(const pm_client *c, pm_proto_info *info, char *name)
{
    if (info != NULL)
        *info = c->rep.info;
    if (name != NULL) {
        uint32_t n = c->rep.name_slice.len;
        if (n > PM_PROTO_MAX_PROCESS_NAME)
            n = PM_PROTO_MAX_PROCESS_NAME;
        memcpy(name, c->in + c->rep.name_slice.off, n);
        name[n] = '\0';
    }
}

pm_status pm_client_query(pm_client *c, int process, pm_proto_info *info,
                          char *name)
{
    pm_status st = one_handle(c, PM_OP_QUERY_PROCESS, process, 0, 0);
    if (st == PM_OK)
        take_info_name(c, info, name);
    return st;
}

pm_status pm_client_lookup(pm_client *c, uint64_t koid, pm_proto_info *info,
                           pm_proto_lookup *lookup, char *name)
{
    pm_status st;
    req_begin(c, PM_OP_LOOKUP_PROCESS);
    c->req.value = koid;
    st = exchange(c, NULL, 0);
    if (st == PM_OK) {
        take_info_name(c, info, name);
        if (lookup != NULL)
            *lookup = c->rep.lookup;
    }
    return st;
}

pm_status pm_client_list(pm_client *c, uint32_t filter, uint64_t koid,
                         uint64_t cursor, uint32_t max, pm_proto_info *out,
                         uint32_t *count, uint64_t *next_cursor)
{
    pm_status st;
    *count = 0;
    *next_cursor = 0;
    req_begin(c, PM_OP_LIST_PROCESSES);
    c->req.flags = filter;
    c->req.limit = max;
    c->req.value = koid;
    c->req.cursor = cursor;
    st = exchange(c, NULL, 0);
    for (uint32_t i = 0; st == PM_OK && i < c->rep.list_count && i < max; i++) {
        st = pm_proto_reply_list_entry(c->in, c->in_len, &c->rep, i, &out[i]);
        if (st == PM_OK)
            *count = i + 1u;
    }
    if (st == PM_OK)
        *next_cursor = c->rep.next_cursor;
    return st;
}

pm_status pm_client_wait(pm_client *c, int target, uint64_t timeout_ns,
                         pm_proto_info *info)
{
    pm_status st = one_handle(c, PM_OP_WAIT, target, 0, timeout_ns);
    if (st == PM_OK && info != NULL)
        *info = c->rep.info;
    return st;
}

pm_status pm_client_wait_any(pm_client *c, int parent, uint64_t timeout_ns,
                             pm_proto_info *info)
{
    pm_status st;
    req_begin(c, PM_OP_WAIT_ANY);
    c->req.value = timeout_ns;
    if (parent >= 0) {
        c->req.handle[0] = 0;
        st = exchange(c, &parent, 1);
    } else {
        st = exchange(c, NULL, 0);
    }
    if (st == PM_OK && info != NULL)
        *info = c->rep.info;
    return st;
}

pm_status pm_client_query_details(pm_client *c, int process, pm_proto_info *info,
                                  pm_proto_details *details)
{
    pm_status st = one_handle(c, PM_OP_QUERY_DETAILS, process, 0, 0);
    if (st == PM_OK && info != NULL)
        *info = c->rep.info;
    if (st == PM_OK && details != NULL)
        *details = c->rep.details;
    return st;
}

pm_status pm_client_kill(pm_client *c, int target)
{
    return one_handle(c, PM_OP_KILL, target, 0, 0);
}

pm_status pm_client_signal(pm_client *c, int target, uint32_t sig)
{
    return one_handle(c, PM_OP_SIGNAL, target, sig, 0);
}

pm_status pm_client_suspend(pm_client *c, int target)
{
    return one_handle(c, PM_OP_SUSPEND, target, 0, 0);
}

pm_status pm_client_resume(pm_client *c, int target)
{
    return one_handle(c, PM_OP_RESUME, target, 0, 0);
}

pm_status pm_client_set_priority(pm_client *c, int target, uint32_t level)
{
    return one_handle(c, PM_OP_SET_PRIORITY, target, level, 0);
}

pm_status pm_client_set_cwd(pm_client *c, int dir_fd)
{
    return one_handle(c, PM_OP_SET_CWD, dir_fd, 0, 0);
}

pm_status pm_client_set_execfn(pm_client *c, const char *execfn)
{
    pm_status st;
    req_begin(c, PM_OP_SET_EXECFN);
    if (execfn == NULL)
        return PM_E_PROTO_BAD_ARGUMENT;
    st = put_str(c, execfn, &c->req.str);
    if (st == PM_OK)
        st = exchange(c, NULL, 0);
    return st;
}

pm_status pm_client_set_rlimit(pm_client *c, int process, uint32_t resource,
                               uint64_t soft, uint64_t hard)
{
    req_begin(c, PM_OP_SET_RLIMIT);
    c->req.handle[0] = 0;
    c->req.flags = resource;
    c->req.value = soft;
    c->req.cursor = hard;
    return exchange(c, &process, 1);
}

/* The graceful stop of spec/lifecycle.md section 4, composed here rather
 * than in the daemon (the daemon has no timers of its own; a parked WAIT
 * is the one it already enforces): sig, WAIT up to grace_ns, SIGKILL if
 * still running, WAIT for the end.  A process that ended before or
 * between the steps is simply collected. */
pm_status pm_client_stop(pm_client *c, int process, uint32_t sig,
                         uint64_t grace_ns, pm_proto_info *info)
{
    pm_proto_info tmp;
    pm_status st;
    if (info == NULL)
        info = &tmp;
    st = pm_client_signal(c, process, sig);
    if (st == PM_E_K_STATE)               /* created, never started */
        st = pm_client_kill(c, process);
    if (st == PM_E_PROCESS_ENDED)
        return pm_client_wait(c, process, PM_WAIT_POLL, info);
    if (st != PM_OK)
        return st;
    st = pm_client_wait(c, process, grace_ns, info);
    if (st != PM_E_WAIT_TIMED_OUT)
        return st;
    st = pm_client_signal(c, process, PM_SIGNAL_KILL);
    if (st != PM_OK && st != PM_E_PROCESS_ENDED)
        return st;
    return pm_client_wait(c, process, PM_WAIT_FOREVER, info);
}

pm_status pm_client_watch(pm_client *c, int target, uint32_t events, int *watch)
{
    pm_status st = one_handle(c, PM_OP_WATCH, target, events, 0);
    *watch = -1;
    if (st == PM_OK)
        *watch = take_fd(c, 0);
    return st;
}

pm_status pm_client_watch_next(int watch, int timeout_ms, pm_client_event *ev)
{
    uint8_t buf[1024];   /* an EVENT is 52 bytes; more is refused */
    struct pollfd p = { .fd = watch, .events = POLLIN, .revents = 0 };
    pm_proto_reply rep;
    size_t len = 0;
    uint32_t nfds = 0;
    int fds[1];
    int r;
    do
        r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return PM_E_NOT_CONNECTED;
    if (r == 0)
        return PM_E_WAIT_TIMED_OUT;
    r = recv_one(watch, buf, sizeof buf, &len, fds, 0, &nfds);
    if (r != 0)
        return PM_E_NOT_CONNECTED;
    pm_status st = pm_proto_decode_reply(buf, len, nfds, &rep);
    if (st == PM_OK && rep.opcode != PM_OP_EVENT)
        st = PM_E_PROTO_UNEXPECTED_REPLY;
    if (st == PM_OK) {
        ev->event = rep.event;
        ev->code = rep.event_code;
        ev->koid = rep.koid;
        ev->watch_id = rep.request_id;
    }
    return st;
}

/* ---- resolver and handles -------------------------------------------------------- */

pm_status pm_client_resolve(pm_client *c, const char *name, int *executable,
                            int *interpreter)
{
    pm_status st;
    *executable = -1;
    if (interpreter != NULL)
        *interpreter = -1;
    req_begin(c, PM_OP_RESOLVE);
    st = put_str(c, name, &c->req.str);
    if (st == PM_OK)
        st = exchange(c, NULL, 0);
    if (st == PM_OK) {
        *executable = take_fd(c, 0);
        if (c->rep.has_interp && interpreter != NULL)
            *interpreter = take_fd(c, 1);
    }
    return st;
}

pm_status pm_client_handle_duplicate(pm_client *c, int handle, uint32_t rights,
                                     int *copy)
{
    pm_status st = one_handle(c, PM_OP_HANDLE_DUPLICATE, handle, rights, 0);
    *copy = -1;
    if (st == PM_OK)
        *copy = take_fd(c, 0);
    return st;
}

pm_status pm_client_handle_close(pm_client *c, int handle)
{
    pm_status st = one_handle(c, PM_OP_HANDLE_CLOSE, handle, 0, 0);
    close(handle);
    return st;
}
