/*
 * libprocmgr unit tests: the client against a fake daemon (a forked child
 * that decodes each request with the proven decoder and answers what the
 * test scripts, including replies a real daemon would never send).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procmgr/client.h"

static char g_dir[64];
static char g_path[96];
static pid_t g_server = -1;
static int g_conn = -1;          /* the fake daemon's connection (in it) */

/* How the fake daemon answers one request: fill r (status etc.) and the
 * handles to attach; return 0 to answer, 1 to close instead, 2 to send
 * raw bytes (raw/raw_len). */
typedef struct answer {
    pm_proto_reply r;
    int fds[2];
    uint32_t nfds;
    uint8_t raw[64];
    size_t raw_len;
    uint64_t id_delta;   /* added to the request id (UNEXPECTED_REPLY tests) */
} answer;
typedef int (*responder)(const pm_proto_request *req, const uint8_t *msg,
                         uint32_t nin, answer *a);

static int reply_send(int fd, const uint8_t *buf, size_t len, const int *fds, uint32_t n)
{
    struct msghdr mh;
    struct iovec iov = { (void *)buf, len };
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 2)]; } cm;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (n > 0) {
        mh.msg_control = cm.b;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(h), fds, sizeof(int) * n);
    }
    return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static void server_loop(int lfd, responder fn)
{
    static uint8_t buf[PM_PROTO_MAX_MSG + 1], out[PM_PROTO_MAX_MSG];
    static pm_proto_request req;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0)
        _exit(3);
    g_conn = fd;
    for (;;) {
        union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 65)]; } cm;
        struct iovec iov = { buf, sizeof buf };
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cm.b;
        mh.msg_controllen = sizeof cm.b;
        ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        if (n <= 0)
            _exit(0);
        uint32_t nin = 0;
        for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h))
            if (h->cmsg_type == SCM_RIGHTS) {
                size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                    int f;
                    memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
                    close(f);
                }
                nin += (uint32_t)k;
            }
        if (pm_proto_decode_request(buf, (size_t)n, nin, &req) != PM_OK)
            _exit(4);    /* the client library sent something invalid */
        answer a;
        memset(&a, 0, sizeof a);
        a.r.opcode = req.opcode;
        a.r.request_id = req.request_id;
        int what = fn(&req, buf, nin, &a);
        a.r.request_id += a.id_delta;
        if (what == 1) {
            close(fd);
            _exit(0);
        }
        if (what == 2) {
            reply_send(fd, a.raw, a.raw_len, NULL, 0);
            continue;
        }
        size_t len = 0;
        if (pm_proto_encode_reply(&a.r, out, sizeof out, &len) != PM_OK)
            _exit(5);
        reply_send(fd, out, len, a.fds, a.nfds);
        for (uint32_t i = 0; i < a.nfds; i++)
            close(a.fds[i]);
    }
}

static void start_server(responder fn)
{
    struct sockaddr_un sa;
    int lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", g_path);
    unlink(g_path);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 4), 0);
    g_server = fork();
    assert_true(g_server >= 0);
    if (g_server == 0)
        server_loop(lfd, fn);
    close(lfd);
}

static void stop_server(void)
{
    int st = 0;
    if (g_server > 0) {
        kill(g_server, SIGKILL);
        waitpid(g_server, &st, 0);
    }
    g_server = -1;
    unlink(g_path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/pmcli.XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_path, sizeof g_path, "%s/s.sock", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    stop_server();
    rmdir(g_dir);
    return 0;
}

/* ---- responders ------------------------------------------------------------------ */

static int r_ok(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)msg; (void)nin;
    static const uint8_t name[] = "fake";
    switch (req->opcode) {
    case PM_OP_QUERY_PROCESS:
        a->r.info.koid = 42;
        a->r.info.state = PM_STATE_RUNNING;
        a->r.name = name;
        a->r.name_len = 4;
        break;
    case PM_OP_LAUNCH: {
        int sv[2];
        socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
        a->fds[0] = sv[0];
        a->fds[1] = sv[1];
        a->nfds = 2;
        a->r.koid = 7;
        break;
    }
    case PM_OP_KILL:
        a->r.status = PM_E_PROCESS_ENDED;
        break;
    default:
        break;
    }
    return 0;
}

/* The control calls, then pm_client_stop's sequence when the process
 * outlives the grace: each request must be the expected one (opcode,
 * signal or level, timeout), else the fake daemon answers K_INVARIANT. */
static int r_control(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)msg;
    static const struct { uint16_t op; uint32_t flags; uint64_t value; uint32_t status; } want[] = {
        { PM_OP_SIGNAL, 10, 0, PM_OK },
        { PM_OP_SUSPEND, 0, 0, PM_OK },
        { PM_OP_RESUME, 0, 0, PM_OK },
        { PM_OP_SET_PRIORITY, PM_PRIORITY_CODEC, 0, PM_E_LINUX_PRIORITY_DENIED },
        /* pm_client_stop(sig 15, grace 1000 ns), still running after it */
        { PM_OP_SIGNAL, 15, 0, PM_OK },
        { PM_OP_WAIT, 0, 1000, PM_E_WAIT_TIMED_OUT },
        { PM_OP_SIGNAL, 9, 0, PM_OK },
        { PM_OP_WAIT, 0, PM_WAIT_FOREVER, PM_OK },
        /* pm_client_stop of a process that already ended */
        { PM_OP_SIGNAL, 15, 0, PM_E_PROCESS_ENDED },
        { PM_OP_WAIT, 0, PM_WAIT_POLL, PM_OK },
        /* pm_client_stop of a created process: SIGNAL K_STATE, KILL, WAIT */
        { PM_OP_SIGNAL, 2, 0, PM_E_K_STATE },
        { PM_OP_KILL, 0, 0, PM_OK },
        { PM_OP_WAIT, 0, 5, PM_OK },
    };
    static unsigned step;
    if (step >= sizeof want / sizeof want[0] || req->opcode != want[step].op ||
        req->flags != want[step].flags || req->value != want[step].value || nin != 1) {
        a->r.status = PM_E_K_INVARIANT;
        return 0;
    }
    a->r.status = want[step].status;
    if (req->opcode == PM_OP_WAIT && a->r.status == PM_OK) {
        a->r.info.koid = 3;
        a->r.info.state = PM_STATE_KILLED;
        a->r.info.exit_code = step == 7 ? 9u : 15u;
    }
    step++;
    return 0;
}

static void test_control(void **state)
{
    (void)state;
    start_server(r_control);
    pm_client *c = NULL;
    pm_proto_info info;
    int h = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    assert_int_equal(pm_client_signal(c, h, 10), PM_OK);
    assert_int_equal(pm_client_suspend(c, h), PM_OK);
    assert_int_equal(pm_client_resume(c, h), PM_OK);
    assert_int_equal(pm_client_set_priority(c, h, PM_PRIORITY_CODEC), PM_E_LINUX_PRIORITY_DENIED);
    memset(&info, 0, sizeof info);
    assert_int_equal(pm_client_stop(c, h, 15, 1000, &info), PM_OK);
    assert_int_equal(info.state, PM_STATE_KILLED);
    assert_int_equal(info.exit_code, 9);
    assert_int_equal(pm_client_stop(c, h, 15, 0, &info), PM_OK);
    assert_int_equal(info.exit_code, 15);
    assert_int_equal(pm_client_stop(c, h, 2, 5, NULL), PM_OK);
    /* anything more is out of the script */
    assert_int_equal(pm_client_signal(c, h, 1), PM_E_K_INVARIANT);
    pm_client_close(c);
    close(h);
}

/* pm_client_spawn with a working directory, two limits and the sharing
 * flags: the requests in order, each checked (else K_INVARIANT): SET_CWD
 * with one handle, SET_INFO with INHERIT_STDIO | INHERIT_ENVIRON, the
 * create, both SET_RLIMITs and the SET_PRIORITY on the created process,
 * START.  A second spawn
 * whose limit is refused kills the created process and returns the
 * refusal. */
static int r_spawn_env(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)msg;
    static const struct { uint16_t op; uint32_t flags; uint64_t value, cursor; uint32_t nin, status; } want[] = {
        { PM_OP_ADD_ARGS, 0, 0, 0, 0, PM_OK },
        { PM_OP_ADD_ENVIRONS, 0, 0, 0, 0, PM_OK },
        { PM_OP_ADD_HANDLES, 0, 0, 0, 3, PM_OK },
        { PM_OP_SET_CWD, 0, 0, 0, 1, PM_OK },
        { PM_OP_SET_INFO, PM_INFO_INHERIT_STDIO | PM_INFO_INHERIT_ENVIRON, 0, 0, 1, PM_OK },
        { PM_OP_CREATE_WITHOUT_STARTING, 0, 0, 0, 0, PM_OK },
        { PM_OP_SET_RLIMIT, PM_RLIMIT_CPU, 1, 2, 1, PM_OK },
        { PM_OP_SET_RLIMIT, PM_RLIMIT_NOFILE, 64, PM_RLIMIT_INFINITY, 1, PM_OK },
        { PM_OP_SET_PRIORITY, PM_PRIORITY_LOW, 0, 0, 1, PM_OK },
        { PM_OP_START, 0, 0, 0, 1, PM_OK },
        /* the second spawn: no flags, its limit refused */
        { PM_OP_SET_INFO, 0, 0, 0, 1, PM_OK },
        { PM_OP_CREATE_WITHOUT_STARTING, 0, 0, 0, 0, PM_OK },
        { PM_OP_SET_RLIMIT, PM_RLIMIT_AS, 0, PM_RLIMIT_INFINITY, 1, PM_E_LINUX_RLIMIT_DENIED },
        { PM_OP_KILL, 0, 0, 0, 1, PM_OK },
    };
    static unsigned step;
    if (step >= sizeof want / sizeof want[0] || req->opcode != want[step].op ||
        req->flags != want[step].flags || req->value != want[step].value ||
        req->cursor != want[step].cursor || nin != want[step].nin) {
        a->r.status = PM_E_K_INVARIANT;
        return 0;
    }
    a->r.status = want[step].status;
    if (req->opcode == PM_OP_CREATE_WITHOUT_STARTING) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
        a->fds[0] = sv[0];
        a->fds[1] = sv[1];
        a->nfds = 2;
        a->r.koid = 8;
    }
    step++;
    return 0;
}

static void test_spawn_cwd_limits(void **state)
{
    (void)state;
    start_server(r_spawn_env);
    pm_client *c = NULL;
    pm_client_process p;
    const char *const argv[] = { "x", NULL };
    int exe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int dir = open("/", O_PATH | O_CLOEXEC);
    pm_spawn_action act[4];
    memset(act, 0, sizeof act);
    act[0].kind = PM_SPAWN_ACTION_RLIMIT;
    act[0].id = PM_RLIMIT_CPU;
    act[0].soft = 1;
    act[0].hard = 2;
    act[1].kind = PM_SPAWN_ACTION_SET_CWD;
    act[1].fd = dir;
    act[2].kind = PM_SPAWN_ACTION_RLIMIT;
    act[2].id = PM_RLIMIT_NOFILE;
    act[2].soft = 64;
    act[2].hard = PM_RLIMIT_INFINITY;
    act[3].kind = PM_SPAWN_ACTION_PRIORITY;
    act[3].id = PM_PRIORITY_LOW;
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    /* CLONE_ENVIRON with an envp as well: refused before anything is sent */
    assert_int_equal(pm_client_spawn(c, PM_SPAWN_CLONE_ENVIRON, exe, NULL, argv, argv,
                                     act, 3, &p, NULL), PM_E_PROTO_BAD_ARGUMENT);
    assert_int_equal(pm_client_spawn(c, PM_SPAWN_CLONE_STDIO | PM_SPAWN_CLONE_ENVIRON, exe,
                                     NULL, argv, NULL, act, 4, &p, NULL), PM_OK);
    assert_int_equal(p.koid, 8);
    close(p.process);
    close(p.thread);
    act[0].id = PM_RLIMIT_AS;
    act[0].soft = 0;
    act[0].hard = PM_RLIMIT_INFINITY;
    assert_int_equal(pm_client_spawn(c, 0, exe, NULL, NULL, NULL, act, 1, &p, NULL),
                     PM_E_LINUX_RLIMIT_DENIED);
    assert_int_equal(p.process, -1);
    assert_int_equal(p.thread, -1);
    /* anything more is out of the script */
    assert_int_equal(pm_client_set_cwd(c, dir), PM_E_K_INVARIANT);
    pm_client_close(c);
    close(dir);
    close(exe);
}

/* In the fake daemon, before answering: has the client sent its next
 * request already, without waiting for this reply?  (Waits up to 5 s for
 * it: a client that waits for the reply never sends it.) */
static int next_request_queued(void)
{
    struct pollfd p = { g_conn, POLLIN, 0 };
    return poll(&p, 1, 5000) == 1;
}

/* pm_client_spawn pipelines: the builder requests go out back to back
 * (more than the 8 the library keeps unread: a window), then SET_INFO and
 * LAUNCH together.  The script, each step checked (else K_INVARIANT):
 * a spawn with argv and 10 descriptors (ADD_ARGS, ten ADD_HANDLES,
 * SET_INFO, LAUNCH) launched; one whose ADD_ARGS is refused (every
 * request sent is still answered, then the reset LAUNCH) returns that
 * refusal; one whose SET_INFO is refused (the LAUNCH sent with it is
 * refused, which resets the builder) returns SET_INFO's refusal. */
static int r_pipeline(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)msg;
    enum { QUEUED = 1 };   /* the next request must already be on its way */
    static const struct { uint16_t op; uint32_t nin, status, check; } want[] = {
        { PM_OP_ADD_ARGS, 0, PM_OK, QUEUED },
        { PM_OP_ADD_HANDLES, 1, PM_OK, QUEUED }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_ADD_HANDLES, 1, PM_OK, 0 }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_ADD_HANDLES, 1, PM_OK, 0 }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_ADD_HANDLES, 1, PM_OK, 0 }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_ADD_HANDLES, 1, PM_OK, 0 }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_SET_INFO, 1, PM_OK, QUEUED },
        { PM_OP_LAUNCH, 0, PM_OK, 0 },
        /* ADD_ARGS refused */
        { PM_OP_ADD_ARGS, 0, PM_E_BUILDER_LIMIT, 0 },
        { PM_OP_ADD_HANDLES, 1, PM_OK, 0 }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_LAUNCH, 0, PM_E_BUILDER_STATE, 0 },
        /* SET_INFO refused */
        { PM_OP_ADD_ARGS, 0, PM_OK, 0 }, { PM_OP_ADD_HANDLES, 1, PM_OK, 0 },
        { PM_OP_SET_INFO, 1, PM_E_K_TYPE, 0 },
        { PM_OP_LAUNCH, 0, PM_E_BUILDER_STATE, 0 },
    };
    static unsigned step;
    if (step >= sizeof want / sizeof want[0] || req->opcode != want[step].op ||
        nin != want[step].nin ||
        (want[step].check == QUEUED && !next_request_queued())) {
        a->r.status = PM_E_K_INVARIANT;
        return 0;
    }
    a->r.status = want[step].status;
    if (req->opcode == PM_OP_LAUNCH && want[step].status == PM_OK) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
        a->fds[0] = sv[0];
        a->fds[1] = sv[1];
        a->nfds = 2;
        a->r.koid = 9;
    }
    step++;
    return 0;
}

static void test_spawn_pipelined(void **state)
{
    (void)state;
    start_server(r_pipeline);
    pm_client *c = NULL;
    pm_client_process p;
    const char *const argv[] = { "x", "y", NULL };
    int exe = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pm_spawn_action act[10];
    memset(act, 0, sizeof act);
    for (int i = 0; i < 10; i++) {
        act[i].kind = PM_SPAWN_ACTION_CLONE_FD;
        act[i].fd = exe;
        act[i].id = (uint32_t)i;
    }
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    assert_int_equal(pm_client_spawn(c, 0, exe, NULL, argv, NULL, act, 10, &p, NULL), PM_OK);
    assert_int_equal(p.koid, 9);
    assert_true(p.process >= 0 && p.thread >= 0);
    close(p.process);
    close(p.thread);
    assert_int_equal(pm_client_spawn(c, 0, exe, NULL, argv, NULL, act, 2, &p, NULL),
                     PM_E_BUILDER_LIMIT);
    assert_int_equal(p.process, -1);
    assert_int_equal(pm_client_spawn(c, 0, exe, NULL, argv, NULL, act, 1, &p, NULL),
                     PM_E_K_TYPE);
    assert_int_equal(p.process, -1);
    assert_int_equal(p.thread, -1);
    /* anything more is out of the script; the connection is still in step */
    assert_int_equal(pm_client_launch(c, &p), PM_E_K_INVARIANT);
    pm_client_close(c);
    close(exe);
}

/* Issue 6: WAIT_ANY with no handle (the root) and with a parent handle,
 * QUERY_DETAILS with its details block. */
static int r_details(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)msg;
    if (req->opcode == PM_OP_WAIT_ANY) {
        int root = req->handle[0] == PM_PROTO_NO_HANDLE;
        if (nin != (root ? 0u : 1u) || req->value != (root ? PM_WAIT_POLL : 77u)) {
            a->r.status = PM_E_K_INVARIANT;
            return 0;
        }
        a->r.status = root ? PM_E_NO_CHILDREN : PM_OK;
        a->r.info.koid = 9;
        a->r.info.state = PM_STATE_FAULTED;
        a->r.info.exit_code = 6;
    } else if (req->opcode == PM_OP_QUERY_DETAILS && nin == 1) {
        a->r.info.koid = 9;
        a->r.info.state = PM_STATE_FAULTED;
        a->r.info.exit_code = 6;
        a->r.details.end = PM_END_FAULTED;
        a->r.details.end_code = 11;
        a->r.details.fault = 6;
        a->r.details.end_flags = PM_END_CORE_DUMPED;
        a->r.details.wait_status = 11u | 0x80u;
        a->r.details.priority = PM_PRIORITY_LOW;
        a->r.details.flags = PM_DETAIL_CPU | PM_DETAIL_RSS;
        a->r.details.cpu_user_ns = 1000;
        a->r.details.rss_bytes = 8192;
    } else {
        a->r.status = PM_E_K_INVARIANT;
    }
    return 0;
}

static void test_wait_any_details(void **state)
{
    (void)state;
    start_server(r_details);
    pm_client *c = NULL;
    pm_proto_info info;
    pm_proto_details det;
    int h = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    assert_int_equal(pm_client_wait_any(c, -1, PM_WAIT_POLL, &info), PM_E_NO_CHILDREN);
    memset(&info, 0, sizeof info);
    assert_int_equal(pm_client_wait_any(c, h, 77, &info), PM_OK);
    assert_int_equal(info.koid, 9);
    assert_int_equal(info.state, PM_STATE_FAULTED);
    memset(&det, 0, sizeof det);
    assert_int_equal(pm_client_query_details(c, h, &info, &det), PM_OK);
    assert_int_equal(det.end, PM_END_FAULTED);
    assert_int_equal(det.end_code, 11);
    assert_int_equal(det.end_flags, PM_END_CORE_DUMPED);
    assert_int_equal(det.wait_status, 0x8bu);
    assert_int_equal(det.priority, PM_PRIORITY_LOW);
    assert_int_equal(det.rss_bytes, 8192);
    assert_int_equal(pm_client_query_details(c, h, NULL, NULL), PM_OK);
    pm_client_close(c);
    close(h);
}

/* JOB_SET_LIMIT and JOB_QUERY: the fields sent, the figures returned. */
static int r_job_limits(const pm_proto_request *req, const uint8_t *msg,
                        uint32_t nin, answer *a)
{
    (void)msg;
    static unsigned step;
    if (nin != 1)
        a->r.status = PM_E_K_INVARIANT;
    else if (step == 0)
        a->r.status = req->opcode == PM_OP_JOB_SET_LIMIT && req->flags == PM_JOB_LIMIT_PIDS &&
                      req->value == 8 ? PM_OK : PM_E_K_INVARIANT;
    else if (step == 1)
        a->r.status = req->opcode == PM_OP_JOB_SET_LIMIT && req->flags == PM_JOB_LIMIT_MEMORY &&
                      req->value == PM_JOB_LIMIT_NONE ? PM_E_LINUX_JOB_LIMIT : PM_E_K_INVARIANT;
    else if (step == 2 && req->opcode == PM_OP_JOB_QUERY) {
        a->r.koid = 42;
        a->r.job_mode = PM_JOB_MODE_CGROUP;
        a->r.job.known = PM_JOB_KNOWN_PIDS | PM_JOB_KNOWN_CPU;
        a->r.job.pids_current = 3;
        a->r.job.pids_max = 8;
        a->r.job.memory_max = PM_JOB_LIMIT_NONE;
        a->r.job.cpu_usec = 123456;
    } else
        a->r.status = PM_E_K_INVARIANT;
    step++;
    return 0;
}

static void test_job_limits(void **state)
{
    (void)state;
    start_server(r_job_limits);
    pm_client *c = NULL;
    pm_proto_job_usage u;
    uint64_t koid = 0;
    uint32_t mode = 9;
    int h = open("/dev/null", O_RDONLY | O_CLOEXEC);
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    assert_int_equal(pm_client_job_set_limit(c, h, PM_JOB_LIMIT_PIDS, 8), PM_OK);
    assert_int_equal(pm_client_job_set_limit(c, h, PM_JOB_LIMIT_MEMORY, PM_JOB_LIMIT_NONE),
                     PM_E_LINUX_JOB_LIMIT);
    memset(&u, 0, sizeof u);
    assert_int_equal(pm_client_job_query(c, h, &koid, &mode, &u), PM_OK);
    assert_int_equal(koid, 42);
    assert_int_equal(mode, PM_JOB_MODE_CGROUP);
    assert_int_equal(u.known, PM_JOB_KNOWN_PIDS | PM_JOB_KNOWN_CPU);
    assert_int_equal(u.pids_current, 3);
    assert_int_equal(u.pids_max, 8);
    assert_true(u.memory_max == PM_JOB_LIMIT_NONE);
    assert_int_equal(u.cpu_usec, 123456);
    assert_int_equal(pm_client_job_query(c, h, NULL, NULL, NULL), PM_E_K_INVARIANT);
    pm_client_close(c);
    close(h);
}

static void test_connect_fails(void **state)
{
    (void)state;
    pm_client *c = (pm_client *)&c;
    assert_int_equal(pm_client_connect(g_path, &c), PM_E_NOT_CONNECTED);
    assert_null(c);
    assert_int_equal(errno, ENOENT);
    char longp[200];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(pm_client_connect(longp, &c), PM_E_PROTO_BAD_ARGUMENT);
}

static void test_default_socket(void **state)
{
    (void)state;
    char buf[128];
    setenv("PROCMGR_SOCKET", "/a/b.sock", 1);
    assert_string_equal(pm_client_default_socket(buf, sizeof buf), "/a/b.sock");
    assert_null(pm_client_default_socket(buf, 5));
    unsetenv("PROCMGR_SOCKET");
    setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    const char *d = pm_client_default_socket(buf, sizeof buf);
    assert_non_null(d);
    if (geteuid() == 0)
        assert_string_equal(d, "/run/procmgr/procmgr.sock");
    else
        assert_string_equal(d, "/run/user/1000/procmgr.sock");
}

static void test_replies(void **state)
{
    (void)state;
    pm_client *c;
    pm_proto_info info;
    char name[PM_PROTO_MAX_PROCESS_NAME + 1];
    pm_client_process p;
    start_server(r_ok);
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    assert_int_equal(pm_client_query(c, 0, &info, name), PM_OK);
    assert_int_equal(info.koid, 42);
    assert_int_equal(info.state, PM_STATE_RUNNING);
    assert_string_equal(name, "fake");
    assert_int_equal(pm_client_launch(c, &p), PM_OK);
    assert_true(p.process >= 0 && p.thread >= 0);
    assert_int_equal(p.koid, 7);
    /* an error status is returned as is; the connection stays usable */
    assert_int_equal(pm_client_kill(c, p.process), PM_E_PROCESS_ENDED);
    assert_int_equal(pm_client_query(c, p.process, &info, NULL), PM_OK);
    /* a negative descriptor is never sent, and breaks nothing */
    assert_int_equal(pm_client_kill(c, -1), PM_E_PROTO_BAD_ARGUMENT);
    int closed = dup(0);
    close(closed);
    assert_int_equal(pm_client_kill(c, closed), PM_E_PROTO_BAD_ARGUMENT);
    assert_int_equal(pm_client_query(c, p.process, &info, NULL), PM_OK);
    close(p.process);
    close(p.thread);
    pm_client_close(c);
    stop_server();
}

/* ---- replies a client must refuse ----------------------------------------------- */

static int r_wrong_id(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)req; (void)msg; (void)nin;
    a->id_delta = 1;
    return 0;
}

static int r_bad_magic(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)req; (void)msg; (void)nin;
    memset(a->raw, 0x5A, 40);
    a->raw_len = 40;
    return 2;
}

static int r_close(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)req; (void)msg; (void)nin; (void)a;
    return 1;
}

/* QUERY answered with a KILL reply: right id, wrong opcode. */
static int r_wrong_op(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)req; (void)msg; (void)nin;
    a->r.opcode = PM_OP_KILL;
    return 0;
}

static void refused(responder fn, pm_status want)
{
    pm_client *c;
    pm_proto_info info;
    start_server(fn);
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    assert_int_equal(pm_client_query(c, 0, &info, NULL), want);
    assert_int_equal(pm_client_query(c, 0, &info, NULL), PM_E_NOT_CONNECTED);
    assert_int_not_equal(pm_client_errno(c), 0);
    pm_client_close(c);
    stop_server();
}

static void test_refused_replies(void **state)
{
    (void)state;
    refused(r_wrong_id, PM_E_PROTO_UNEXPECTED_REPLY);
    refused(r_wrong_op, PM_E_PROTO_UNEXPECTED_REPLY);
    refused(r_bad_magic, PM_E_PROTO_BAD_MAGIC);
    refused(r_close, PM_E_NOT_CONNECTED);
}

/* ---- splitting long lists --------------------------------------------------------- */

static int r_count(const pm_proto_request *req, const uint8_t *msg, uint32_t nin, answer *a)
{
    (void)msg; (void)nin;
    /* report the item count of each ADD_ARGS through the status: a code
     * encoder accepts (0 = 256 items, 212 PROTO_FIELD_RANGE otherwise) */
    if (req->opcode == PM_OP_ADD_ARGS && req->item_count != 256u)
        a->r.status = req->item_count == 44u ? PM_OK : PM_E_PROTO_FIELD_RANGE;
    return 0;
}

static void test_split_args(void **state)
{
    (void)state;
    static const char *args[300];
    pm_client *c;
    for (int i = 0; i < 300; i++)
        args[i] = "arg";
    start_server(r_count);
    assert_int_equal(pm_client_connect(g_path, &c), PM_OK);
    /* 300 = 256 + 44: two messages, both accepted */
    assert_int_equal(pm_client_add_args(c, args, 300), PM_OK);
    /* a string longer than one message can never be sent */
    static char huge[PM_PROTO_MAX_MSG + 8];
    memset(huge, 'x', sizeof huge - 1);
    const char *one[1] = { huge };
    assert_int_equal(pm_client_add_args(c, one, 1), PM_E_PROTO_BAD_ARGUMENT);
    assert_int_equal(pm_client_add_args(c, args, 256), PM_OK);
    pm_client_close(c);
    stop_server();
}

/* ---- watch channel ------------------------------------------------------------------ */

static void test_watch_next(void **state)
{
    (void)state;
    int sv[2];
    uint8_t buf[128];
    size_t len = 0;
    pm_proto_reply r;
    pm_client_event ev;
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    assert_int_equal(pm_client_watch_next(sv[0], 0, &ev), PM_E_WAIT_TIMED_OUT);
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_EVENT;
    r.request_id = 99;
    r.event = PM_EVENT_EXITED;
    r.event_code = 3;
    r.koid = 12;
    assert_int_equal(pm_proto_encode_reply(&r, buf, sizeof buf, &len), PM_OK);
    assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
    assert_int_equal(pm_client_watch_next(sv[0], -1, &ev), PM_OK);
    assert_int_equal(ev.event, PM_EVENT_EXITED);
    assert_int_equal(ev.code, 3);
    assert_int_equal(ev.koid, 12);
    assert_int_equal(ev.watch_id, 99);
    /* a reply is not an event */
    r.opcode = PM_OP_KILL;
    assert_int_equal(pm_proto_encode_reply(&r, buf, sizeof buf, &len), PM_OK);
    assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
    assert_int_equal(pm_client_watch_next(sv[0], -1, &ev), PM_E_PROTO_UNEXPECTED_REPLY);
    /* garbage is refused by the decoder */
    assert_int_equal(send(sv[1], "xyz", 3, 0), 3);
    assert_int_equal(pm_client_watch_next(sv[0], -1, &ev), PM_E_PROTO_TRUNCATED);
    close(sv[1]);
    assert_int_equal(pm_client_watch_next(sv[0], -1, &ev), PM_E_NOT_CONNECTED);
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spawn_cwd_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spawn_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_any_details, setup, teardown),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
