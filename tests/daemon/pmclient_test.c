/*
 * pmclient-test: every libprocmgr call against a running procmgrd, plus
 * the daemon's robustness cases (malformed messages, a client leaving
 * mid-launch, 32 concurrent clients).  Used by tests/daemon/run.sh (over
 * procmgrd-sim) and tests/daemon/linux.sh (over the Linux backend).
 *
 *   pmclient-test SOCKET EXECUTABLE RESOLVE_NAME [--linux]
 *
 * EXECUTABLE is a program procmgrd accepts; the daemon was started with
 * --resolve RESOLVE_NAME=EXECUTABLE.  Over the sim nothing runs, so every
 * process stays RUNNING until killed or exited through EXIT_PROCESS; with
 * --linux the executable is expected to block (e.g. /bin/sleep with an
 * argument) so the same sequence applies.  Prints one line per check,
 * exits 1 if any failed.  No timing assertion: every wait is on an event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procmgr/client.h"

static int g_fail, g_count;
static int g_linux;        /* real processes: a program may end by itself */
static const char *g_sock, *g_exe, *g_rname;
static const char *const g_args[] = { "prog", "300", NULL };

#define CHECK(cond, ...) check_((cond) ? 1 : 0, __LINE__, __VA_ARGS__)
static void check_(int ok, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check_(int ok, int line, const char *fmt, ...)
{
    va_list ap;
    g_count++;
    if (!ok)
        g_fail++;
    printf("%s %d - ", ok ? "ok" : "not ok", g_count);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (!ok)
        printf("   (line %d)", line);
    printf("\n");
    fflush(stdout);
}

#define ST(call, want) do { pm_status st_ = (call); \
    CHECK(st_ == (want), "%s -> %s (want %s)", #call, pm_status_name(st_), pm_status_name(want)); } while (0)

static pm_client *conn(void)
{
    pm_client *c = NULL;
    pm_status st = pm_client_connect(g_sock, &c);
    if (st != PM_OK) {
        printf("Bail out! cannot connect to %s: %s\n", g_sock, pm_status_name(st));
        exit(1);
    }
    return c;
}

static int exe_fd(void)
{
    int fd = open(g_exe, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("Bail out! %s: %s\n", g_exe, strerror(errno));
        exit(1);
    }
    return fd;
}

/* Launch g_exe through the builder calls. */
static pm_status launch(pm_client *c, const char *name, pm_client_process *p)
{
    int exe = exe_fd();
    pm_status st = pm_client_add_args(c, g_args, 2);
    if (st == PM_OK)
        st = pm_client_set_info(c, exe, -1, -1, name);
    if (st == PM_OK)
        st = pm_client_launch(c, p);
    close(exe);
    return st;
}

static void close_process(pm_client_process *p)
{
    if (p->process >= 0)
        close(p->process);
    if (p->thread >= 0)
        close(p->thread);
    p->process = p->thread = -1;
}

/* Is koid in the process list (any state)? */
static int listed(pm_client *c, uint64_t koid, pm_proto_info *out)
{
    static pm_proto_info page[PM_PROTO_MAX_LIST];
    uint64_t cursor = 0, next = 0;
    uint32_t n = 0;
    do {
        if (pm_client_list(c, PM_LIST_ALL, 0, cursor, PM_PROTO_MAX_LIST, page, &n, &next) != PM_OK)
            return 0;
        for (uint32_t i = 0; i < n; i++)
            if (page[i].koid == koid) {
                if (out != NULL)
                    *out = page[i];
                return 1;
            }
        cursor = next;
    } while (next != 0);
    return 0;
}

static uint64_t max_koid(pm_client *c)
{
    static pm_proto_info page[PM_PROTO_MAX_LIST];
    uint64_t cursor = 0, next = 0, m = 0;
    uint32_t n = 0;
    do {
        if (pm_client_list(c, PM_LIST_ALL, 0, cursor, PM_PROTO_MAX_LIST, page, &n, &next) != PM_OK)
            return 0;
        for (uint32_t i = 0; i < n; i++)
            if (page[i].koid > m)
                m = page[i].koid;
        cursor = next;
    } while (next != 0);
    return m;
}

/* ---- builder, query, list, wait, watch, kill, exit --------------------------- */

static void test_lifecycle(void)
{
    pm_client *c = conn();
    pm_client_process p, q;
    pm_proto_info info;
    char name[PM_PROTO_MAX_PROCESS_NAME + 1];
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    const char *const env[] = { "A=1", "B=two", NULL };
    pm_client_startup h[1] = { { devnull, 0 } };
    pm_client_name nm[1] = { { dir, "/tmp" } };   /* mounted on Linux: must exist */
    int exe = exe_fd();

    ST(pm_client_add_args(c, g_args, 2), PM_OK);
    ST(pm_client_add_environs(c, env, 2), PM_OK);
    ST(pm_client_add_handles(c, h, 1), PM_OK);
    ST(pm_client_add_names(c, nm, 1), PM_OK);
    ST(pm_client_set_info(c, exe, -1, -1, "lifecycle"), PM_OK);
    ST(pm_client_launch(c, &p), PM_OK);
    CHECK(p.process >= 0 && p.thread >= 0 && p.koid != 0, "launch gives two handles and a koid");
    ST(pm_client_query(c, p.process, &info, name), PM_OK);
    CHECK(info.koid == p.koid && info.state == PM_STATE_RUNNING, "query: running, koid %llu",
          (unsigned long long)info.koid);
    CHECK(strcmp(name, "lifecycle") == 0, "query: name '%s'", name);
    CHECK(listed(c, p.koid, NULL), "list shows the process");
    ST(pm_client_wait(c, p.process, PM_WAIT_POLL, &info), PM_E_WAIT_TIMED_OUT);
    ST(pm_client_wait(c, p.process, 20000000u, &info), PM_E_WAIT_TIMED_OUT);

    /* watch, then end it with EXIT_PROCESS: the EXITED event arrives */
    int w = -1;
    ST(pm_client_watch(c, p.process, PM_EVENT_ALL, &w), PM_OK);
    CHECK(w >= 0, "watch gives a channel");
    pm_client_event ev;
    ST(pm_client_watch_next(w, 0, &ev), PM_E_WAIT_TIMED_OUT);

    /* a blocking WAIT from another client, woken by the end */
    int dupfd = dup(p.process);
    pid_t child = fork();
    if (child == 0) {
        pm_client *c2 = NULL;
        pm_proto_info i2;
        if (pm_client_connect(g_sock, &c2) != PM_OK)
            _exit(2);
        pm_status st = pm_client_wait(c2, dupfd, PM_WAIT_FOREVER, &i2);
        _exit(st == PM_OK && i2.state == PM_STATE_EXITED && i2.exit_code == 7 ? 0 : 1);
    }
    close(dupfd);
    ST(pm_client_exit_process(c, p.process, 7), PM_OK);
    int ws = -1;
    waitpid(child, &ws, 0);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "blocking WAIT on another connection sees EXITED 7");
    ST(pm_client_watch_next(w, -1, &ev), PM_OK);
    CHECK(ev.event == PM_EVENT_EXITED && ev.code == 7 && ev.koid == p.koid,
          "watch: EXITED code 7 (event %u code %u)", ev.event, ev.code);
    ST(pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info), PM_OK);
    CHECK(info.state == PM_STATE_EXITED && info.exit_code == 7, "wait: exited 7");
    ST(pm_client_kill(c, p.process), PM_E_PROCESS_ENDED);
    ST(pm_client_handle_close(c, w), PM_OK);
    ST(pm_client_handle_close(c, p.thread), PM_OK);
    ST(pm_client_handle_close(c, p.process), PM_OK);

    /* kill, duplicate with fewer rights */
    ST(launch(c, "victim", &q), PM_OK);
    int ro = -1;
    ST(pm_client_handle_duplicate(c, q.process, PM_RIGHT_QUERY | PM_RIGHT_WAIT, &ro), PM_OK);
    ST(pm_client_query(c, ro, &info, NULL), PM_OK);
    ST(pm_client_kill(c, ro), PM_E_RIGHTS);
    ST(pm_client_handle_duplicate(c, ro, PM_RIGHTS_ALL, &dupfd), PM_E_RIGHTS);
    ST(pm_client_kill(c, q.process), PM_OK);
    ST(pm_client_wait(c, ro, PM_WAIT_FOREVER, &info), PM_OK);
    CHECK(info.state == PM_STATE_KILLED, "wait after kill: KILLED");
    /* a handle the daemon revoked (HANDLE_CLOSE) is no handle any more */
    int keep = dup(ro);
    ST(pm_client_handle_close(c, ro), PM_OK);
    pm_status st = pm_client_query(c, keep, &info, NULL);
    CHECK(st == PM_E_HANDLE_KIND, "revoked handle refused: %s", pm_status_name(st));
    close(keep);
    close_process(&q);

    close(exe);
    close(devnull);
    close(dir);
    pm_client_close(c);
}

static void test_suspended_and_create(void)
{
    pm_client *c = conn();
    pm_client_process p;
    pm_client_start_data sd;
    pm_proto_info info;
    int exe = exe_fd();

    ST(pm_client_launch(c, &p), PM_E_BUILDER_STATE);
    ST(pm_client_add_args(c, g_args, 2), PM_OK);
    ST(pm_client_set_info(c, exe, -1, -1, NULL), PM_OK);
    ST(pm_client_create_without_starting(c, &p, &sd), PM_OK);
    CHECK(sd.entry != 0 && sd.stack != 0, "start data: entry 0x%llx stack 0x%llx",
          (unsigned long long)sd.entry, (unsigned long long)sd.stack);
    ST(pm_client_query(c, p.process, &info, NULL), PM_OK);
    CHECK(info.state == PM_STATE_CREATED, "created, not started");
    ST(pm_client_start(c, p.process, p.thread), PM_OK);
    ST(pm_client_start(c, p.process, p.thread), PM_E_ALREADY_STARTED);
    ST(pm_client_query(c, p.process, &info, NULL), PM_OK);
    CHECK(info.state == PM_STATE_RUNNING, "running after START");
    ST(pm_client_kill(c, p.process), PM_OK);
    close_process(&p);

    /* CREATE_PROCESS with a startup cap */
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    pm_client_startup caps[1] = { { devnull, 1 } };
    ST(pm_client_create_process(c, exe, caps, 1, &p), PM_OK);
    ST(pm_client_query(c, p.process, &info, NULL), PM_OK);
    if (!g_linux) {
        CHECK(info.state == PM_STATE_RUNNING, "create_process: running");
        ST(pm_client_kill(c, p.process), PM_OK);
    } else {
        /* CREATE_PROCESS passes no arguments (argc 0): a real program may
         * refuse that and end at once; either way it was created */
        CHECK(info.state == PM_STATE_RUNNING || info.state == PM_STATE_EXITED ||
              info.state == PM_STATE_KILLED || info.state == PM_STATE_FAULTED,
              "create_process (linux): state %s", info.state <= 4 ? "valid" : "invalid");
        pm_status k = pm_client_kill(c, p.process);
        CHECK(k == PM_OK || k == PM_E_PROCESS_ENDED, "create_process (linux): kill -> %s",
              pm_status_name(k));
    }
    ST(pm_client_handle_close(c, p.process), PM_OK);
    ST(pm_client_handle_close(c, p.thread), PM_OK);
    close(devnull);
    close(exe);
    pm_client_close(c);
}

/* OPEN_PROCESS: a second client gets handles from the koid alone (this
 * test runs as the daemon's uid, so it is the owner; the refusal of
 * another uid is tests/unit/test_dispatch.c's). */
static void test_open_process(void)
{
    pm_client *a = conn(), *b = conn();
    pm_client_process p;
    pm_client_start_data sd;
    pm_proto_info info;
    int exe = exe_fd(), h = -1, h2 = -1;

    ST(pm_client_add_args(a, g_args, 2), PM_OK);
    ST(pm_client_set_info(a, exe, -1, -1, "opened"), PM_OK);
    ST(pm_client_create_without_starting(a, &p, &sd), PM_OK);
    uint64_t koid = p.koid;
    /* the launcher lets go of every handle (synchronously) and leaves */
    ST(pm_client_handle_close(a, p.process), PM_OK);
    ST(pm_client_handle_close(a, p.thread), PM_OK);
    pm_client_close(a);

    ST(pm_client_open_process(b, koid, 0, &h), PM_E_PROTO_FIELD_RANGE);
    CHECK(h == -1, "refused open gives no handle");
    ST(pm_client_open_process(b, koid, 1u << 11, &h), PM_E_PROTO_BAD_FLAGS);   /* no such right */
    ST(pm_client_open_process(b, 0, PM_RIGHT_QUERY, &h), PM_E_NO_SUCH_PROCESS);
    ST(pm_client_open_process(b, koid, PM_RIGHT_START, &h), PM_OK);
    CHECK(h >= 0, "open gives a handle");
    ST(pm_client_query(b, h, &info, NULL), PM_E_RIGHTS);      /* START only */
    ST(pm_client_start(b, h, -1), PM_OK);                     /* no thread handle */
    ST(pm_client_start(b, h, -1), PM_E_ALREADY_STARTED);
    ST(pm_client_open_process(b, koid, PM_RIGHT_QUERY | PM_RIGHT_WAIT | PM_RIGHT_KILL, &h2), PM_OK);
    ST(pm_client_query(b, h2, &info, NULL), PM_OK);
    CHECK(info.koid == koid && info.state == PM_STATE_RUNNING, "opened process is running");
    ST(pm_client_kill(b, h2), PM_OK);
    ST(pm_client_wait(b, h2, PM_WAIT_FOREVER, &info), PM_OK);
    CHECK(info.state == PM_STATE_KILLED, "wait through an opened handle: KILLED");
    /* ended, handles still open: it can still be opened */
    int h3 = -1;
    ST(pm_client_open_process(b, koid, PM_RIGHT_WAIT, &h3), PM_OK);
    ST(pm_client_handle_close(b, h3), PM_OK);
    ST(pm_client_handle_close(b, h2), PM_OK);
    ST(pm_client_handle_close(b, h), PM_OK);
    /* last handle gone: the record is collected */
    ST(pm_client_open_process(b, koid, PM_RIGHT_WAIT, &h), PM_E_NO_SUCH_PROCESS);
    close(exe);
    pm_client_close(b);
}

/* Control (issue 6): SIGNAL, SUSPEND/RESUME, SET_PRIORITY, and the
 * graceful stop of the library.  Over the sim a fatal signal ends the
 * process at once and a suspended one holds it; over Linux the program is
 * sleep, which TERM ends and SIGSTOP holds the same way. */
static void test_control(void)
{
    pm_client *c = conn();
    pm_client_process p, q, r;
    pm_client_start_data sd;
    pm_proto_info info;
    int weak = -1;

    ST(launch(c, "ctl", &p), PM_OK);
    ST(pm_client_signal(c, p.process, 0), PM_E_PROTO_FIELD_RANGE);
    ST(pm_client_signal(c, p.process, 65), PM_E_PROTO_FIELD_RANGE);
    ST(pm_client_suspend(c, p.process), PM_OK);
    ST(pm_client_resume(c, p.process), PM_OK);
    ST(pm_client_set_priority(c, p.process, PM_PRIORITY_LOW), PM_OK);
    ST(pm_client_set_priority(c, p.process, PM_PRIORITY_MAX + 1u), PM_E_PROTO_FIELD_RANGE);
    ST(pm_client_handle_duplicate(c, p.process, PM_RIGHT_QUERY | PM_RIGHT_WAIT, &weak), PM_OK);
    ST(pm_client_signal(c, weak, PM_SIGNAL_TERM), PM_E_RIGHTS);
    ST(pm_client_suspend(c, weak), PM_E_RIGHTS);
    ST(pm_client_set_priority(c, weak, PM_PRIORITY_NORMAL), PM_E_RIGHTS);
    ST(pm_client_stop(c, weak, PM_SIGNAL_TERM, 0, &info), PM_E_RIGHTS);
    ST(pm_client_query(c, p.process, &info, NULL), PM_OK);
    CHECK(info.state == PM_STATE_RUNNING, "still running after refused control requests");
    /* TERM ends it within the grace */
    ST(pm_client_stop(c, p.process, PM_SIGNAL_TERM, 30000000000ull, &info), PM_OK);
    CHECK(info.state == PM_STATE_KILLED && info.exit_code == PM_SIGNAL_TERM,
          "stop: KILLED by TERM (state %u code %u)", info.state, info.exit_code);
    ST(pm_client_signal(c, p.process, PM_SIGNAL_TERM), PM_E_PROCESS_ENDED);
    ST(pm_client_stop(c, p.process, PM_SIGNAL_TERM, 0, &info), PM_OK);   /* collected */
    CHECK(info.state == PM_STATE_KILLED, "stop of an ended process gives its record");
    close(weak);
    close_process(&p);

    /* suspended: TERM is held, SIGKILL after the grace ends it */
    ST(launch(c, "ctl-held", &q), PM_OK);
    ST(pm_client_suspend(c, q.process), PM_OK);
    ST(pm_client_stop(c, q.process, PM_SIGNAL_TERM, 50000000u, &info), PM_OK);
    CHECK(info.state == PM_STATE_KILLED && info.exit_code == PM_SIGNAL_KILL,
          "stop of a suspended process: KILLED by 9 (state %u code %u)", info.state,
          info.exit_code);
    close_process(&q);

    /* created, not started: no program to signal; stop kills it */
    int exe = exe_fd();
    ST(pm_client_add_args(c, g_args, 2), PM_OK);
    ST(pm_client_set_info(c, exe, -1, -1, "ctl-created"), PM_OK);
    ST(pm_client_create_without_starting(c, &r, &sd), PM_OK);
    ST(pm_client_signal(c, r.process, PM_SIGNAL_TERM), PM_E_K_STATE);
    ST(pm_client_suspend(c, r.process), PM_E_K_STATE);
    ST(pm_client_set_priority(c, r.process, PM_PRIORITY_BACKGROUND), PM_OK);
    ST(pm_client_stop(c, r.process, PM_SIGNAL_TERM, 0, &info), PM_OK);
    CHECK(info.state == PM_STATE_KILLED, "stop of a created process: KILLED");
    close_process(&r);
    close(exe);
    pm_client_close(c);
}

static void test_resolve_spawn(void)
{
    pm_client *c = conn();
    pm_client_process p;
    pm_client_start_data sd;
    pm_proto_info info;
    char name[PM_PROTO_MAX_PROCESS_NAME + 1];
    int exe = -1, interp = -1;

    ST(pm_client_resolve(c, "no/such/name", &exe, &interp), PM_E_RESOLVE_NOT_FOUND);
    ST(pm_client_resolve(c, "/absolute", &exe, &interp), PM_E_PROTO_NAME_ABSOLUTE);
    ST(pm_client_resolve(c, g_rname, &exe, &interp), PM_OK);
    CHECK(exe >= 0, "resolve gives an executable handle");
    /* the resolved handle goes back as SET_INFO's executable */
    ST(pm_client_add_args(c, g_args, 2), PM_OK);
    ST(pm_client_set_info(c, exe, -1, interp, "resolved"), PM_OK);
    ST(pm_client_launch(c, &p), PM_OK);
    ST(pm_client_query(c, p.process, &info, name), PM_OK);
    CHECK(strcmp(name, "resolved") == 0 && info.state == PM_STATE_RUNNING,
          "process from a resolved handle runs");
    ST(pm_client_kill(c, p.process), PM_OK);
    close_process(&p);
    ST(pm_client_handle_close(c, exe), PM_OK);
    if (interp >= 0)
        close(interp);

    /* one-call spawn with actions */
    const char *const env[] = { "X=1", NULL };
    pm_spawn_action act[3];
    memset(act, 0, sizeof act);
    act[0].kind = PM_SPAWN_ACTION_OPEN;
    act[0].id = 3;
    act[0].path = "/dev/null";
    act[0].oflags = O_RDONLY;
    act[1].kind = PM_SPAWN_ACTION_SET_NAME;
    act[1].path = "spawned";
    act[2].kind = PM_SPAWN_ACTION_CLONE_FD;
    act[2].fd = 0;
    act[2].id = 5;
    ST(pm_client_spawn(c, 0, -1, g_exe, g_args, env, act, 3, &p, NULL), PM_OK);
    ST(pm_client_query(c, p.process, &info, name), PM_OK);
    CHECK(strcmp(name, "spawned") == 0, "spawn: name '%s'", name);
    ST(pm_client_kill(c, p.process), PM_OK);
    close_process(&p);
    ST(pm_client_spawn(c, PM_SPAWN_SUSPENDED | PM_SPAWN_CLONE_STDIO, -1, g_exe, g_args,
                       NULL, NULL, 0, &p, &sd), PM_OK);
    ST(pm_client_query(c, p.process, &info, NULL), PM_OK);
    CHECK(info.state == PM_STATE_CREATED && sd.entry != 0, "spawn suspended: created");
    ST(pm_client_kill(c, p.process), PM_OK);
    close_process(&p);
    /* a refused step leaves the builder empty */
    const char *const bad[] = { "NOEQUALS", NULL };
    ST(pm_client_spawn(c, 0, -1, g_exe, g_args, bad, NULL, 0, &p, NULL), PM_E_PROTO_ENV_NO_EQUALS);
    ST(pm_client_launch(c, &p), PM_E_BUILDER_STATE);
    ST(pm_client_spawn(c, 0x80u, -1, g_exe, NULL, NULL, NULL, 0, &p, NULL), PM_E_PROTO_BAD_ARGUMENT);
    /* not a descriptor: refused locally, the connection stays usable */
    ST(pm_client_query(c, -1, &info, NULL), PM_E_PROTO_BAD_ARGUMENT);
    /* two startup handles with one id */
    pm_client_startup dup2h[2] = { { 0, 9 }, { 0, 9 } };
    ST(pm_client_add_handles(c, dup2h, 2), PM_E_DUPLICATE_ID);
    pm_client_close(c);
}

/* A handle closed with HANDLE_CLOSE is no handle any more: a copy of its
 * descriptor is an ordinary descriptor, so in a process field it is
 * HANDLE_KIND (spec/protocol.md section 9, issue 18 item 12), as is a
 * descriptor that never was a handle. */
static void test_closed_handle(void)
{
    pm_client *c = conn();
    pm_client_process p = { -1, -1, 0 };
    pm_proto_info info;
    char name[PM_PROTO_MAX_PROCESS_NAME + 1];
    ST(launch(c, "closed", &p), PM_OK);
    ST(pm_client_kill(c, p.process), PM_OK);
    int copy = dup(p.process);
    ST(pm_client_handle_close(c, p.process), PM_OK);
    p.process = -1;
    ST(pm_client_query(c, copy, &info, name), PM_E_HANDLE_KIND);
    int pfd[2];
    CHECK(pipe2(pfd, O_CLOEXEC) == 0, "pipe");
    ST(pm_client_query(c, pfd[0], &info, name), PM_E_HANDLE_KIND);
    close(pfd[0]);
    close(pfd[1]);
    close(copy);
    close_process(&p);
    pm_client_close(c);
}

/* ---- raw messages ----------------------------------------------------------------- */

static int raw_connect(void)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", g_sock);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        printf("Bail out! raw connect: %s\n", strerror(errno));
        exit(1);
    }
    return fd;
}

static int raw_send(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
    struct msghdr mh;
    struct iovec iov = { (void *)buf, len };
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 4)]; } cm;
    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (nfds > 0) {
        mh.msg_control = cm.b;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)nfds);
    }
    return sendmsg(fd, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Receive a reply and return its status (or -1 end of connection, -2 a
 * reply the decoder refuses). */
static int raw_status(int fd)
{
    uint8_t buf[PM_PROTO_MAX_MSG + 1];
    pm_proto_reply r;
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
        return -1;
    pm_status st = pm_proto_decode_reply(buf, (size_t)n, 0, &r);
    if (st == PM_E_PROTO_UNKNOWN_OPCODE && n == 36 && buf[6] == 0x00 && buf[7] == 0xFF)
        /* the reply to an opcode version 1 does not define (0x7F00 | 0x8000):
         * a client decoder refuses it, so read its status word directly */
        return (int)(buf[32] | buf[33] << 8 | buf[34] << 16 | (uint32_t)buf[35] << 24);
    if (st != PM_OK)
        return -2;
    return (int)r.status;
}

static void put32(uint8_t *b, uint32_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[off + (uint32_t)i] = (uint8_t)(v >> (8 * i));
}

static void header(uint8_t *b, uint16_t version, uint16_t op, uint32_t handles,
                   uint32_t payload)
{
    memset(b, 0, 32);
    put32(b, 0, PM_PROTO_MAGIC);
    b[4] = (uint8_t)version;
    b[5] = (uint8_t)(version >> 8);
    b[6] = (uint8_t)op;
    b[7] = (uint8_t)(op >> 8);
    put32(b, 12, handles);
    b[16] = 0x42;                     /* request id */
    put32(b, 24, payload);
}

static void test_malformed(void)
{
    uint8_t m[64];
    int fd = raw_connect();
    header(m, 2, PM_OP_LAUNCH, 0, 0);
    raw_send(fd, m, 32, NULL, 0);
    CHECK(raw_status(fd) == PM_E_PROTO_BAD_VERSION, "bad version: error reply");
    header(m, 1, 0x7F00, 0, 0);
    raw_send(fd, m, 32, NULL, 0);
    CHECK(raw_status(fd) == PM_E_PROTO_UNKNOWN_OPCODE, "unknown opcode: error reply");
    header(m, 1, PM_OP_KILL, 1, 4);
    put32(m, 32, 0);
    raw_send(fd, m, 36, NULL, 0);
    CHECK(raw_status(fd) == PM_E_PROTO_HANDLE_COUNT_MISMATCH, "handle count mismatch");
    int two[2] = { 0, 0 };
    raw_send(fd, m, 36, two, 2);       /* header says 1 */
    CHECK(raw_status(fd) == PM_E_PROTO_HANDLE_COUNT_MISMATCH, "two handles, header says one");
    header(m, 1, PM_OP_LAUNCH, 0, 4);
    raw_send(fd, m, 36, NULL, 0);
    CHECK(raw_status(fd) == PM_E_PROTO_TRAILING_BYTES, "trailing bytes");
    header(m, 1, PM_OP_LAUNCH, 0, 9);
    raw_send(fd, m, 32, NULL, 0);
    CHECK(raw_status(fd) == PM_E_PROTO_LENGTH_MISMATCH, "payload length mismatch");
    /* 70 descriptors: the daemon keeps 64, closes the rest, and the
     * decoder refuses the count */
    {
        int many[70];
        union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 70)]; } cm;
        struct iovec iov = { m, 32 };
        struct msghdr mh;
        for (int i = 0; i < 70; i++)
            many[i] = 0;
        header(m, 1, PM_OP_LAUNCH, 70, 0);
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cm.b;
        mh.msg_controllen = sizeof cm.b;
        struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof many);
        memcpy(CMSG_DATA(h), many, sizeof many);
        CHECK(sendmsg(fd, &mh, MSG_NOSIGNAL) == 32, "sent 70 descriptors");
        CHECK(raw_status(fd) == PM_E_PROTO_TOO_MANY_HANDLES, "70 descriptors: PROTO_TOO_MANY_HANDLES");
    }
    /* garbage shorter than a header: the daemon closes the connection */
    raw_send(fd, "garbage", 7, NULL, 0);
    CHECK(raw_status(fd) == -1, "short garbage: connection closed");
    close(fd);
    fd = raw_connect();
    memset(m, 0xA5, sizeof m);
    raw_send(fd, m, sizeof m, NULL, 0);
    CHECK(raw_status(fd) == -1, "bad magic: connection closed");
    close(fd);
    /* the daemon still serves others */
    pm_client *c = conn();
    pm_proto_info page[4];
    uint32_t n;
    uint64_t next;
    ST(pm_client_list(c, PM_LIST_ALL, 0, 0, 4, page, &n, &next), PM_OK);
    pm_client_close(c);
}

/* A client that sends requests and never reads the replies fills its
 * socket; the daemon disconnects it instead of blocking, and serves the
 * others.  (The number of replies that fit depends on the socket buffer;
 * the loop ends when the daemon has closed the connection.) */
static void test_slow_client(void)
{
    uint8_t m[56];
    int fd = raw_connect();
    int sent = 0, closed = 0;
    header(m, 1, PM_OP_LIST_PROCESSES, 0, 24);
    memset(m + 32, 0, 24);
    put32(m, 36, 256);                 /* filter ALL, max 256, koid 0, cursor 0 */
    for (int i = 0; i < 1000000 && !closed; i++) {
        if (raw_send(fd, m, sizeof m, NULL, 0) != 0)
            closed = 1;                /* EPIPE / ECONNRESET: the daemon hung up */
        else
            sent++;
    }
    CHECK(closed, "slow client disconnected after %d unread replies were due", sent);
    close(fd);
    pm_client *c = conn();
    pm_proto_info page[4];
    uint32_t n;
    uint64_t next;
    ST(pm_client_list(c, PM_LIST_ALL, 0, 0, 4, page, &n, &next), PM_OK);
    pm_client_close(c);
}

/* Random datagrams (fixed seed): a header that is mostly valid, a random
 * opcode of version 1, random payload bytes, 0-2 descriptors of
 * /dev/null.  Each gets an error reply or a close (never a hang: no
 * process handle is ever sent, so no WAIT can park); afterwards the
 * daemon still serves. */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd32(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (uint32_t)(g_rng >> 16);
}

static void test_random_messages(void)
{
    static const uint16_t ops[] = { 0x0001, 0x0002, 0x0003, 0x0004, 0x0101, 0x0102,
        0x0103, 0x0104, 0x0105, 0x0106, 0x0107, 0x0108, 0x0201, 0x0301, 0x0302,
        0x0303, 0x0304, 0x0305 };
    uint8_t m[256];
    int fd = raw_connect(), replies = 0, closes = 0, hangs = 0;
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < 3000; i++) {
        uint32_t plen = rnd32() % 120u, nfds = rnd32() % 3u;
        header(m, 1, ops[rnd32() % (sizeof ops / sizeof ops[0])], nfds, plen);
        for (uint32_t j = 0; j < plen; j++)
            m[32 + j] = (uint8_t)(rnd32() % 4u == 0 ? rnd32() : (j % 4u == 0 ? rnd32() % 3u : 0));
        if (rnd32() % 16u == 0)
            m[rnd32() % 32u] ^= (uint8_t)(1u << (rnd32() % 8u));   /* header bit flip */
        int fds[2] = { nul, nul };
        raw_send(fd, m, 32u + plen, fds, (int)nfds);
        struct pollfd pf = { fd, POLLIN, 0 };
        if (poll(&pf, 1, 10000) != 1) {
            hangs++;
            break;
        }
        if (raw_status(fd) == -1) {
            closes++;
            close(fd);
            fd = raw_connect();
        } else {
            replies++;
        }
    }
    close(fd);
    close(nul);
    CHECK(hangs == 0 && replies + closes == 3000,
          "3000 random messages: %d error/ok replies, %d closes, %d hangs", replies, closes, hangs);
    pm_client *c = conn();
    pm_proto_info page[4];
    uint32_t n;
    uint64_t next;
    ST(pm_client_list(c, PM_LIST_ALL, 0, 0, 4, page, &n, &next), PM_OK);
    pm_client_close(c);
}

/* A client that leaves in the middle of a launch leaves nothing. */
static void test_disconnect_mid_launch(void)
{
    pm_client *c = conn();
    uint64_t before = max_koid(c);
    pm_client_process p;

    /* (a) builder filled, then gone */
    pm_client *b = conn();
    int exe = exe_fd();
    ST(pm_client_add_args(b, g_args, 2), PM_OK);
    ST(pm_client_set_info(b, exe, -1, -1, "half"), PM_OK);
    pm_client_close(b);

    /* (b) LAUNCH sent, reply never read: the daemon cannot deliver it
     * (this end shut down for reading), kills the new process, drops the
     * connection; the hang-up is the sync point */
    b = conn();
    ST(pm_client_add_args(b, g_args, 2), PM_OK);
    ST(pm_client_set_info(b, exe, -1, -1, "gone"), PM_OK);
    int fd = pm_client_fd(b);
    uint8_t m[32];
    header(m, 1, PM_OP_LAUNCH, 0, 0);
    shutdown(fd, SHUT_RD);
    raw_send(fd, m, 32, NULL, 0);
    struct pollfd pf = { fd, POLLHUP, 0 };
    while (poll(&pf, 1, -1) < 0 && errno == EINTR)
        ;
    CHECK(pf.revents & POLLHUP, "daemon dropped the client whose reply could not be sent");
    pm_client_close(b);
    close(exe);

    uint64_t after = max_koid(c);
    CHECK(after == before, "no process left behind (max koid %llu -> %llu)",
          (unsigned long long)before, (unsigned long long)after);
    /* the daemon is fine: a full launch still works */
    ST(launch(c, "after", &p), PM_OK);
    ST(pm_client_kill(c, p.process), PM_OK);
    close_process(&p);
    pm_client_close(c);
}

/* 32 clients connected at once, each launching and killing a process.
 * At most 4 processes exist at a time (a token pipe), so the sim's
 * budgets are not the limit; the builder leases (7) are. */
static void test_concurrent(void)
{
    enum { N = 32, TOKENS = 4 };
    int ready[2], go[2], tok[2];
    pid_t kids[N];
    if (pipe(ready) != 0 || pipe(go) != 0 || pipe(tok) != 0)
        exit(1);
    for (int i = 0; i < TOKENS; i++)
        (void)!write(tok[1], "t", 1);
    for (int i = 0; i < N; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            pm_client *c = NULL;
            pm_client_process p;
            pm_proto_info info;
            char b;
            if (pm_client_connect(g_sock, &c) != PM_OK)
                _exit(10);
            (void)!write(ready[1], "r", 1);
            if (read(go[0], &b, 1) != 1)
                _exit(11);
            int exe = open(g_exe, O_RDONLY | O_CLOEXEC);
            if (pm_client_add_args(c, g_args, 2) != PM_OK)
                _exit(12);
            if (read(tok[0], &b, 1) != 1)
                _exit(13);
            if (pm_client_set_info(c, exe, -1, -1, "many") != PM_OK ||
                pm_client_launch(c, &p) != PM_OK)
                _exit(14);
            if (pm_client_query(c, p.process, &info, NULL) != PM_OK ||
                info.state != PM_STATE_RUNNING)
                _exit(15);
            if (pm_client_kill(c, p.process) != PM_OK ||
                pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info) != PM_OK ||
                info.state != PM_STATE_KILLED)
                _exit(16);
            if (pm_client_handle_close(c, p.process) != PM_OK ||
                pm_client_handle_close(c, p.thread) != PM_OK)
                _exit(17);
            (void)!write(tok[1], "t", 1);
            pm_client_close(c);
            _exit(0);
        }
    }
    char b;
    int n = 0;
    for (; n < N && read(ready[0], &b, 1) == 1; n++)
        ;
    CHECK(n == N, "%d clients connected at once", n);
    for (int i = 0; i < N; i++)
        (void)!write(go[1], "g", 1);
    int good = 0;
    for (int i = 0; i < N; i++) {
        int ws = 0;
        waitpid(kids[i], &ws, 0);
        if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
            good++;
        else
            printf("# client %d: status %d\n", i, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
    }
    CHECK(good == N, "%d/%d concurrent clients launched, killed, waited, closed", good, N);
    close(ready[0]); close(ready[1]); close(go[0]); close(go[1]);
    close(tok[0]); close(tok[1]);
}

/* --cwd-first DIR OUT (issue 18 item 11): SET_CWD as the connection's
 * first builder request, then the rest of a launch of EXECUTABLE (a
 * shell) with `pwd >OUT`: the program must start in DIR.  Then a second
 * connection sends SET_CWD alone and leaves: the daemon must drop the
 * directory with the connection (the script checks its descriptors). */
static int cwd_first(const char *dir, const char *out)
{
    char cmd[4096];
    const char *args[] = { "sh", "-c", cmd };
    pm_client_process p = { -1, -1, 0 };
    pm_proto_info info;
    snprintf(cmd, sizeof cmd, "pwd >'%s'", out);
    pm_client *c = conn();
    int d = open(dir, O_PATH | O_CLOEXEC), exe = exe_fd();
    CHECK(d >= 0, "open %s", dir);
    ST(pm_client_set_cwd(c, d), PM_OK);
    ST(pm_client_add_args(c, args, 3), PM_OK);
    ST(pm_client_set_info(c, exe, -1, -1, "cwd-first"), PM_OK);
    ST(pm_client_launch(c, &p), PM_OK);
    if (p.process >= 0) {
        ST(pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info), PM_OK);
        CHECK(info.state == PM_STATE_EXITED && info.exit_code == 0,
              "the program ended with exit 0 (state %u code %u)", (unsigned)info.state,
              (unsigned)info.exit_code);
    }
    close_process(&p);
    pm_client_close(c);
    c = conn();
    ST(pm_client_set_cwd(c, d), PM_OK);
    pm_client_close(c);
    close(d);
    close(exe);
    printf("1..%d\n# %d passed, %d failed\n", g_count, g_count - g_fail, g_fail);
    return g_fail ? 1 : 0;
}

/* --launch-fd KIND PATH (issue 18 item 10): launch PATH through an
 * executable descriptor of KIND: "opath" (open with O_PATH) or "memfd"
 * (its bytes copied into a memfd that is not sealed).  Prints the
 * launch's status name and exits 0 when the launch was refused, 1 when it
 * ran. */
static int launch_fd(const char *kind, const char *path)
{
    const char *args[] = { "prog", NULL };
    pm_client_process p = { -1, -1, 0 };
    pm_status st;
    int exe = -1;
    args[0] = path;
    if (strcmp(kind, "opath") == 0) {
        exe = open(path, O_PATH | O_CLOEXEC);
    } else if (strcmp(kind, "memfd") == 0) {
        int src = open(path, O_RDONLY | O_CLOEXEC);
        char buf[65536];
        ssize_t n;
        exe = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        while (src >= 0 && exe >= 0 && (n = read(src, buf, sizeof buf)) > 0)
            if (write(exe, buf, (size_t)n) != n)
                break;
        if (src >= 0)
            close(src);
    }
    if (exe < 0) {
        printf("Bail out! %s %s: %s\n", kind, path, strerror(errno));
        return 2;
    }
    pm_client *c = conn();
    st = pm_client_add_args(c, args, 1);
    if (st == PM_OK)
        st = pm_client_set_info(c, exe, -1, -1, NULL);
    if (st == PM_OK)
        st = pm_client_launch(c, &p);
    printf("status %s %d\n", pm_status_name(st), (int)st);
    if (p.process >= 0) {
        (void)pm_client_kill(c, p.process);
        close_process(&p);
    }
    pm_client_close(c);
    close(exe);
    return st == PM_OK ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: pmclient-test SOCKET EXECUTABLE RESOLVE_NAME\n");
        return 2;
    }
    g_sock = argv[1];
    g_exe = argv[2];
    g_rname = argv[3];
    g_linux = argc > 4 && strcmp(argv[4], "--linux") == 0;
    if (argc == 7 && strcmp(argv[4], "--cwd-first") == 0)
        return cwd_first(argv[5], argv[6]);
    if (argc == 7 && strcmp(argv[4], "--launch-fd") == 0)
        return launch_fd(argv[5], argv[6]);
    {
        pm_client *c = NULL;
        ST(pm_client_connect("/nonexistent/dir/sock", &c), PM_E_NOT_CONNECTED);
        char buf[64];
        setenv("PROCMGR_SOCKET", "/x/y.sock", 1);
        const char *d = pm_client_default_socket(buf, sizeof buf);
        CHECK(d != NULL && strcmp(d, "/x/y.sock") == 0, "default socket from $PROCMGR_SOCKET");
        CHECK(pm_client_default_socket(buf, 4) == NULL, "default socket: buffer too small gives NULL");
        unsetenv("PROCMGR_SOCKET");
    }
    test_lifecycle();
    test_suspended_and_create();
    test_open_process();
    test_control();
    test_resolve_spawn();
    test_closed_handle();
    test_malformed();
    test_slow_client();
    test_random_messages();
    test_disconnect_mid_launch();
    test_concurrent();
    printf("1..%d\n# %d passed, %d failed\n", g_count, g_count - g_fail, g_fail);
    return g_fail ? 1 : 0;
}
