/*
 * The dispatcher over the Linux backend (include/procmgr/kernel_linux.h):
 * the same pm_dispatch_* that the sim tests drive, with messages framed by
 * the protocol client encoder, builds real processes.  /bin/true, /bin/false,
 * /bin/echo with a pipe at fd 1, glibc dynamic programs through the
 * allowlisted ld.so (pm_kh_image_open), a process's /proc view from inside
 * (cmdline, comm, exe, maps: nothing of the stub), create-without-starting
 * then START, KILL before and after start, a signal from outside, a fault,
 * refused images (directory, pipe, unsealed memfd, not ELF) with their codes.
 * Every test ends with the dispatcher shut down and the backend closed;
 * the group teardown checks that the test process has exactly the fds it
 * had before and no child left (no zombie).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "procmgr/dispatch.h"
#include "procmgr/kernel_linux.h"
#include "procmgr/khost.h"
#include "procmgr/linux_spawn.h"
#include "procmgr/proto.h"
#include "../support/elfimg.h"
#include "../../src/kernel/linux/stub/stub_proto.h"
#include "../../src/kernel/linux/lx_common.h"

#define CONN 3u
#define LD_SO "/lib64/ld-linux-x86-64.so.2"

static struct pm_kernel *K;
static pm_dispatch D;
static pm_dispatch_config CFG;
static pm_dispatch_entry INTERP[1];
static pm_kcap LD_CAP;
static uint8_t RANDOM[PM_DISPATCH_RANDOM_BYTES];
static uint8_t REPLY[PM_DISPATCH_REPLY_CAP];
static pm_dispatch_result RES;
static pm_proto_reply REP;
static uint8_t MSG[PM_PROTO_MAX_MSG];
static size_t MLEN;
static pm_proto_request Q;
static uint8_t SRC[PM_PROTO_MAX_MSG];
static uint32_t SRCLEN;
static pm_dhandle H[PM_PROTO_MAX_HANDLES];
static uint64_t NEXT_ID = 1;
static int FDS_BEFORE;

/* ---- messages (the protocol client encoder) ------------------------------- */

static void req_begin(uint16_t op)
{
    memset(&Q, 0, sizeof Q);
    Q.opcode = op;
    Q.request_id = NEXT_ID++;
    Q.handle[0] = Q.handle[1] = Q.handle[2] = PM_PROTO_NO_HANDLE;
    SRCLEN = 0;
}

static pm_slice src_str(const char *s)
{
    pm_slice sl = { SRCLEN, (uint32_t)strlen(s) };
    assert_true(SRCLEN + sl.len <= sizeof SRC);
    memcpy(SRC + SRCLEN, s, sl.len);
    SRCLEN += sl.len;
    return sl;
}

/* Frame Q with nh handles H[0, nh), hand it to the dispatcher, decode the
 * reply into REP; the status. */
static pm_status send_req(uint32_t nh)
{
    pm_status st;
    Q.handle_count = nh;
    assert_int_equal(pm_proto_encode_request(&Q, SRC, SRCLEN, MSG, sizeof MSG, &MLEN), PM_OK);
    st = pm_dispatch_message(&D, CONN, MSG, MLEN, H, nh, RANDOM, REPLY, sizeof REPLY, &RES);
    assert_int_equal(RES.action, PM_DISPATCH_REPLY);
    assert_int_equal(pm_proto_decode_reply(REPLY, RES.reply_len, RES.nhandles, &REP), PM_OK);
    assert_int_equal(REP.status, st);
    return st;
}

static void expect(pm_status got, pm_status want, int line)
{
    if (got != want) {
        print_error("line %d: got %s (%d), expected %s (%d)\n", line, pm_status_name(got),
                    got, pm_status_name(want), want);
        fail();
    }
}
#define ST(e, w) expect((e), (w), __LINE__)

static pm_dhandle kcap_h(pm_kcap c)
{
    pm_dhandle h = { PM_DH_KCAP, 0, 0, c };
    return h;
}

static pm_kcap import(int fd)
{
    pm_kcap c;
    ST(pm_kh_import_fd(K, fd, &c), PM_OK);
    return c;
}

/* ---- fixture ---------------------------------------------------------------- */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;   /* the directory's own fd */
}

/* The sealed stub memfd is made once per process (the first pm_kh_open)
 * and kept: count after it exists. */
static int group_setup(void **state)
{
    (void)state;
    if (pm_kh_open(&K) != PM_OK)
        return -1;
    pm_kh_close(K);
    K = NULL;
    FDS_BEFORE = count_fds();
    return 0;
}

/* Nothing left in the test process: same fds, no child (no zombie). */
static int group_teardown(void **state)
{
    siginfo_t si;
    (void)state;
    memset(&si, 0, sizeof si);
    if (count_fds() != FDS_BEFORE) {
        print_error("fd leak: %d before, %d after\n", FDS_BEFORE, count_fds());
        return -1;
    }
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != -1 || errno != ECHILD) {
        print_error("a child is left (pid %d)\n", si.si_pid);
        return -1;
    }
    return 0;
}

/* The pool size of the next pm_kh_open (NULL: unset, the default). */
static void pool_env(const char *v)
{
    if (v != NULL)
        assert_int_equal(setenv("PROCMGR_STUB_POOL", v, 1), 0);
    else
        assert_int_equal(unsetenv("PROCMGR_STUB_POOL"), 0);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(pm_kh_open(&K), PM_OK);
    ST(pm_kh_image_open(K, LD_SO, &LD_CAP), PM_OK);
    INTERP[0].name = (const uint8_t *)LD_SO;
    INTERP[0].name_len = (uint32_t)strlen(LD_SO);
    INTERP[0].image = LD_CAP;
    pm_dispatch_config_default(&CFG);
    pm_klinux_dispatch_config(&CFG);
    CFG.interp = INTERP;
    CFG.ninterp = 1;
    ST(pm_dispatch_init(&D, K, &CFG), PM_OK);
    ST(pm_dispatch_connect(&D, CONN, 0, 1), PM_OK);
    assert_int_equal(getrandom(RANDOM, sizeof RANDOM, 0), (ssize_t)sizeof RANDOM);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pm_dispatch_fini(&D);
    assert_int_equal(pm_klinux_children(K), 0);
    ST(pm_k_drop(K, LD_CAP), PM_OK);
    pm_kh_close(K);
    K = NULL;
    return 0;
}

/* ---- launching ---------------------------------------------------------------- */

typedef struct proc {
    uint64_t process, thread;
} proc;

static char *const *LAUNCH_ENVP;   /* environment of the next launch */

/* SET_INFO (executable fd, name), ADD_ARGS, ADD_ENVIRONS, ADD_HANDLES
 * (fd -> id), then LAUNCH or CREATE_WITHOUT_STARTING.  The fds are
 * consumed. */
static pm_status launch_ex(int exe_fd, char *const *argv, const int *fds, const int *ids,
                           uint32_t nfd, int start, proc *p)
{
    pm_status st;
    uint32_t i, n = 0;

    req_begin(PM_OP_SET_INFO);
    Q.handle[0] = 0;
    Q.flags = PM_INFO_INHERIT_JOB;   /* the connection's job 1 (test_jobs) */
    Q.str = src_str(argv[0]);
    H[0] = kcap_h(import(exe_fd));
    ST(send_req(1), PM_OK);

    req_begin(PM_OP_ADD_ARGS);
    while (argv[n] != NULL) {
        Q.items[n].str = src_str(argv[n]);
        n++;
    }
    Q.item_count = n;
    ST(send_req(0), PM_OK);

    if (LAUNCH_ENVP != NULL) {
        req_begin(PM_OP_ADD_ENVIRONS);
        for (n = 0; LAUNCH_ENVP[n] != NULL; n++)
            Q.items[n].str = src_str(LAUNCH_ENVP[n]);
        Q.item_count = n;
        ST(send_req(0), PM_OK);
        LAUNCH_ENVP = NULL;
    }
    if (nfd > 0) {
        req_begin(PM_OP_ADD_HANDLES);
        for (i = 0; i < nfd; i++) {
            Q.items[i].handle = i;
            Q.items[i].id = (uint32_t)ids[i];
            H[i] = kcap_h(import(fds[i]));
        }
        Q.item_count = nfd;
        ST(send_req(nfd), PM_OK);
    }
    req_begin(start ? PM_OP_LAUNCH : PM_OP_CREATE_WITHOUT_STARTING);
    st = send_req(0);
    if (st == PM_OK) {
        assert_int_equal(RES.nhandles, 2);
        p->process = RES.handles[0].value;
        p->thread = RES.handles[1].value;
    }
    return st;
}

static int open_ro(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

static pm_status launch(const char *path, char *const *argv, proc *p)
{
    return launch_ex(open_ro(path), argv, NULL, NULL, 0, 1, p);
}

static pm_dhandle proc_h(uint64_t v, uint32_t kind)
{
    pm_dhandle h = { kind, 0, v, PM_KCAP_NULL };
    return h;
}

/* WAIT with timeout 0: PM_OK with REP.info once the process ended. */
static pm_status wait_poll(const proc *p)
{
    req_begin(PM_OP_WAIT);
    Q.handle[0] = 0;
    Q.value = PM_WAIT_POLL;
    H[0] = proc_h(p->process, PM_DH_PROCESS);
    return send_req(1);
}

/* Drive events (the backend's event fd) until the process has ended. */
static pm_proto_info wait_end(const proc *p)
{
    struct pollfd pfd = { pm_kh_event_fd(K), POLLIN, 0 };
    int i;
    assert_true(pfd.fd >= 0);
    for (i = 0; i < 200; i++) {
        if (wait_poll(p) == PM_OK)
            return REP.info;
        assert_int_equal(REP.status, PM_E_WAIT_TIMED_OUT);
        (void)poll(&pfd, 1, 50);
        (void)pm_dispatch_poll_events(&D);
    }
    fail_msg("process did not end");
    return REP.info;
}

static pm_status simple(uint16_t op, const proc *p)
{
    req_begin(op);
    Q.handle[0] = 0;
    H[0] = proc_h(p->process, PM_DH_PROCESS);
    if (op == PM_OP_START) {
        Q.handle[1] = 1;
        H[1] = proc_h(p->thread, PM_DH_THREAD);
        return send_req(2);
    }
    return send_req(1);
}

static int64_t pid_of(const proc *p)
{
    uint32_t slot = 0;
    assert_int_equal(pm_reg_lookup(&D.reg, p->process, 0, &slot), PM_OK);
    return pm_kh_thread_pid(K, D.reg.slot[slot].thread);
}

static size_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return 0;
    n = read(fd, buf, cap - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? (size_t)n : 0;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_true_false(void **state)
{
    static char *const t[] = { "/bin/true", NULL };
    static char *const f[] = { "/bin/false", NULL };
    proc p;
    pm_proto_info info;
    (void)state;
    ST(launch("/bin/true", t, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);
    ST(launch("/bin/false", f, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 1);
}

static void test_echo_pipe(void **state)
{
    static char *const argv[] = { "echo", "hello", "two words", NULL };
    char buf[256];
    size_t got = 0;
    ssize_t n;
    int pfd[2], id = 1;
    proc p;
    pm_proto_info info;
    (void)state;
    assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
    ST(launch_ex(open_ro("/bin/echo"), argv, &pfd[1], &id, 1, 1, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);
    /* The record's caps are gone with the process: the write end is
     * closed everywhere, so the read sees EOF after the text. */
    while ((n = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    assert_string_equal(buf, "hello two words\n");
    close(pfd[0]);
}

/* Written bytes (here the initial stack) larger than what travels in the
 * build message (PM_STUB_INLINE_MAX) reach the stub through a memfd
 * instead: 36 arguments of 1000 bytes, echoed back whole. */
static void test_echo_large_args(void **state)
{
    enum { NARGS = 36, ARGLEN = 1000 };
    static char args[NARGS][ARGLEN + 1];
    static char *argv[NARGS + 2];
    static char buf[NARGS * (ARGLEN + 1) + 16];
    size_t got = 0;
    ssize_t n;
    int pfd[2], id = 1;
    proc p;
    pm_proto_info info;
    (void)state;
    argv[0] = "echo";
    for (int i = 0; i < NARGS; i++) {
        memset(args[i], 'a' + i % 26, ARGLEN);
        argv[i + 1] = args[i];
    }
    assert_true(NARGS * ARGLEN > PM_STUB_INLINE_MAX);
    assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
    ST(launch_ex(open_ro("/bin/echo"), argv, &pfd[1], &id, 1, 1, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);
    while ((n = read(pfd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    assert_int_equal(got, NARGS * (ARGLEN + 1));
    for (int i = 0; i < NARGS; i++) {
        assert_int_equal(buf[i * (ARGLEN + 1)], 'a' + i % 26);
        assert_int_equal(buf[i * (ARGLEN + 1) + ARGLEN - 1], 'a' + i % 26);
        assert_int_equal(buf[i * (ARGLEN + 1) + ARGLEN], i + 1 < NARGS ? ' ' : '\n');
    }
    close(pfd[0]);
}

/* A dynamic glibc program (PT_INTERP -> the allowlisted ld.so) seen from
 * outside while it runs: cmdline, comm, exe, no stub mapping left, the
 * given fds at 0 and 1 and nothing else. */
static void test_dynamic_proc_view(void **state)
{
    static char *const argv[] = { "cat", "-", NULL };
    char path[64], buf[8192], fds_seen[256];
    int in[2], out[2], fds[2], ids[2] = { 0, 1 };
    int64_t pid;
    uint32_t flags = 0;
    int mm_err = 0;
    uint32_t slot = 0;
    proc p;
    pm_proto_info info;
    ssize_t n;
    DIR *d;
    struct dirent *e;
    (void)state;
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(out, O_CLOEXEC), 0);
    fds[0] = in[0];
    fds[1] = out[1];
    ST(launch_ex(open_ro("/bin/cat"), argv, fds, ids, 2, 1, &p), PM_OK);
    pid = pid_of(&p);
    assert_true(pid > 0);
    close(in[0]);
    close(out[1]);
    /* One round trip: cat runs (the stub is gone once it answers). */
    assert_int_equal(write(in[1], "ping\n", 5), 5);
    n = read(out[0], buf, sizeof buf);
    assert_int_equal(n, 5);
    assert_memory_equal(buf, "ping\n", 5);

    snprintf(path, sizeof path, "/proc/%lld/cmdline", (long long)pid);
    n = (ssize_t)read_file(path, buf, sizeof buf);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "cat\0-\0", 6);
    snprintf(path, sizeof path, "/proc/%lld/comm", (long long)pid);
    read_file(path, buf, sizeof buf);
    assert_string_equal(buf, "cat\n");
    snprintf(path, sizeof path, "/proc/%lld/maps", (long long)pid);
    read_file(path, buf, sizeof buf);
    if (getenv("KLINUX_SHOW_MAPS")) { FILE *mf = fopen(getenv("KLINUX_SHOW_MAPS"), "w"); fputs(buf, mf); fclose(mf); }
    assert_null(strstr(buf, "memfd:"));          /* no stub, no data memfd */
    assert_non_null(strstr(buf, "ld-linux-x86-64.so.2"));
    assert_non_null(strstr(buf, "[stack]"));     /* the core-built stack */
    assert_int_equal(pm_reg_lookup(&D.reg, p.process, 0, &slot), PM_OK);
    ST(pm_klinux_thread_flags(K, D.reg.slot[slot].thread, &flags, &mm_err), PM_OK);
    if (flags & PM_LINUX_MM_MAP_APPLIED) {
        snprintf(path, sizeof path, "/proc/%lld/exe", (long long)pid);
        n = readlink(path, buf, sizeof buf - 1);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_non_null(strstr(buf, "cat"));
    } else {
        print_message("note: PR_SET_MM_MAP not applied (errno %d)\n", mm_err);
    }
    /* fds of the child: exactly 0 and 1 */
    snprintf(path, sizeof path, "/proc/%lld/fd", (long long)pid);
    memset(fds_seen, 0, sizeof fds_seen);
    d = opendir(path);
    assert_non_null(d);
    n = 0;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            n++;
            assert_true(atoi(e->d_name) <= 1);
        }
    closedir(d);
    assert_int_equal(n, 2);

    close(in[1]);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);
    close(out[0]);
}

static void test_suspended_then_start(void **state)
{
    static char *const argv[] = { "sh", "-c", "exit 42", NULL };
    char path[64], buf[4096];
    int64_t pid;
    proc p;
    pm_proto_info info;
    (void)state;
    ST(launch_ex(open_ro("/bin/sh"), argv, NULL, NULL, 0, 0, &p), PM_OK);
    assert_true(REP.entry != 0 && REP.stack != 0);
    assert_int_equal(REP.stack % 16, 0);
    pid = pid_of(&p);
    assert_true(pid > 0);
    /* Built and stopped: the stub waits, the program has not run. */
    ST(wait_poll(&p), PM_E_WAIT_TIMED_OUT);
    snprintf(path, sizeof path, "/proc/%lld/maps", (long long)pid);
    read_file(path, buf, sizeof buf);
    assert_non_null(strstr(buf, "memfd:procmgr-stub"));
    (void)pm_dispatch_poll_events(&D);
    ST(wait_poll(&p), PM_E_WAIT_TIMED_OUT);
    ST(simple(PM_OP_START, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 42);
}

static void test_kill_before_and_after_start(void **state)
{
    static char *const argv[] = { "sleep", "100", NULL };
    proc p;
    int64_t pid;
    (void)state;
    ST(launch_ex(open_ro("/bin/sleep"), argv, NULL, NULL, 0, 0, &p), PM_OK);
    pid = pid_of(&p);
    assert_true(pid > 0);
    assert_int_equal(pm_klinux_children(K), 1);
    ST(simple(PM_OP_KILL, &p), PM_OK);
    ST(wait_poll(&p), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_KILLED);
    assert_int_equal(pm_klinux_children(K), 0);      /* killed and reaped */
    assert_int_equal(kill((pid_t)pid, 0), -1);

    ST(launch("/bin/sleep", argv, &p), PM_OK);
    pid = pid_of(&p);
    assert_true(pid > 0);
    ST(simple(PM_OP_KILL, &p), PM_OK);
    ST(wait_poll(&p), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_KILLED);
    assert_int_equal(pm_klinux_children(K), 0);
    ST(simple(PM_OP_KILL, &p), PM_E_PROCESS_ENDED);
}

/* Ended from outside: a signal is KILLED, a hardware trap is FAULTED. */
static void test_signal_and_fault(void **state)
{
    static char *const sleep_argv[] = { "sleep", "100", NULL };
    static char *const segv_argv[] = { "sh", "-c", "kill -SEGV $$", NULL };
    static char *const fpe_argv[] = { "sh", "-c", "kill -FPE $$", NULL };
    proc p;
    pm_proto_info info;
    (void)state;
    ST(launch("/bin/sleep", sleep_argv, &p), PM_OK);
    assert_int_equal(kill((pid_t)pid_of(&p), SIGTERM), 0);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_KILLED);
    ST(launch("/bin/sh", segv_argv, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_FAULTED);
    assert_int_equal(info.exit_code, PM_K_FAULT_OTHER);
    ST(launch("/bin/sh", fpe_argv, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_FAULTED);
    assert_int_equal(info.exit_code, PM_K_FAULT_ARITH);
}

/* ---- control (issue 6): SIGNAL, SUSPEND/RESUME, SET_PRIORITY ------------------- */

static pm_status control(uint16_t op, const proc *p, uint32_t arg)
{
    req_begin(op);
    Q.handle[0] = 0;
    Q.flags = arg;
    H[0] = proc_h(p->process, PM_DH_PROCESS);
    return send_req(1);
}

/* Field n (1-based, as in proc(5)) of /proc/PID/stat, after the comm. */
static long stat_field(int64_t pid, int n)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    read_file(path, buf, sizeof buf);
    char *q = strrchr(buf, ')');
    assert_non_null(q);
    q += 2;                                 /* field 3 */
    for (int i = 3; i < n; i++) {
        q = strchr(q, ' ');
        assert_non_null(q);
        q++;
    }
    return n == 3 ? (long)q[0] : strtol(q, NULL, 10);
}

/* Until /proc says state c (at most 200 checks, 10 ms apart). */
static void expect_state(int64_t pid, char c)
{
    for (int i = 0; i < 200 && stat_field(pid, 3) != c; i++)
        usleep(10000);
    assert_int_equal(stat_field(pid, 3), c);
}

/* A signal reaches the program (its disposition decides), SUSPEND and
 * RESUME stop and continue it, a level is the policy and nice value the
 * kernel reports, and a created process takes a level but no signal. */
static void test_control(void **state)
{
    static char *const sleep_argv[] = { "sleep", "100", NULL };
    proc p;
    pm_proto_info info;
    int64_t pid;
    (void)state;
    ST(launch("/bin/sleep", sleep_argv, &p), PM_OK);
    ST(control(PM_OP_SIGNAL, &p, 10), PM_OK);              /* SIGUSR1 */
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_KILLED);
    assert_int_equal(info.exit_code, 10);
    ST(control(PM_OP_SIGNAL, &p, 10), PM_E_PROCESS_ENDED);

    ST(launch("/bin/sleep", sleep_argv, &p), PM_OK);
    pid = pid_of(&p);
    ST(control(PM_OP_SUSPEND, &p, 0), PM_OK);
    expect_state(pid, 'T');
    ST(control(PM_OP_SIGNAL, &p, PM_K_SIGTERM), PM_OK);    /* held while stopped */
    /* high needs CAP_SYS_NICE: taken (nice -10), or refused and unchanged */
    pm_status hs = control(PM_OP_SET_PRIORITY, &p, PM_PRIORITY_HIGH);
    assert_true(hs == PM_OK || hs == PM_E_LINUX_PRIORITY_DENIED);
    assert_int_equal(stat_field(pid, 19), hs == PM_OK ? -10 : 0);   /* nice */
    assert_int_equal(stat_field(pid, 41), SCHED_OTHER);             /* policy */
    ST(control(PM_OP_RESUME, &p, 0), PM_OK);               /* TERM now ends it */
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_KILLED);
    assert_int_equal(info.exit_code, PM_K_SIGTERM);

    /* created: the stub takes the level, the program keeps it */
    ST(launch_ex(open_ro("/bin/sleep"), sleep_argv, NULL, NULL, 0, 0, &p), PM_OK);
    pid = pid_of(&p);
    ST(control(PM_OP_SIGNAL, &p, PM_K_SIGTERM), PM_E_K_STATE);
    ST(control(PM_OP_SUSPEND, &p, 0), PM_E_K_STATE);
    ST(control(PM_OP_SET_PRIORITY, &p, PM_PRIORITY_LOW), PM_OK);
    ST(simple(PM_OP_START, &p), PM_OK);
    assert_int_equal(stat_field(pid, 19), 10);
    assert_int_equal(stat_field(pid, 41), SCHED_BATCH);
    /* background once it sleeps (an idle-class stub could starve on a
     * busy machine before its "go" reply) */
    ST(control(PM_OP_SET_PRIORITY, &p, PM_PRIORITY_BACKGROUND), PM_OK);
    assert_int_equal(stat_field(pid, 19), 19);
    assert_int_equal(stat_field(pid, 41), SCHED_IDLE);
    ST(control(PM_OP_SET_PRIORITY, &p, PM_PRIORITY_NORMAL), PM_OK);
    assert_int_equal(stat_field(pid, 19), 0);
    assert_int_equal(stat_field(pid, 41), SCHED_OTHER);
    /* real time: taken, or refused with its own code, never degraded */
    pm_status st = control(PM_OP_SET_PRIORITY, &p, PM_PRIORITY_REALTIME);
    assert_true(st == PM_OK || st == PM_E_LINUX_PRIORITY_DENIED);
    assert_int_equal(stat_field(pid, 41), st == PM_OK ? SCHED_FIFO : SCHED_OTHER);
    ST(control(PM_OP_SIGNAL, &p, PM_K_SIGKILL), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.exit_code, PM_K_SIGKILL);
}

/* SET_CWD then a launch of /bin/pwd writing to a pipe: what it printed. */
static void pwd_in(int dir_fd, char *buf, size_t cap, pm_status want)
{
    static char *const argv[] = { "pwd", NULL };
    int pfd[2], id = 1;
    proc p;
    size_t got = 0;
    ssize_t n;
    if (dir_fd >= 0) {
        req_begin(PM_OP_SET_CWD);
        Q.handle[0] = 0;
        H[0] = kcap_h(import(dir_fd));
        ST(send_req(1), PM_OK);
    }
    assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
    ST(launch_ex(open_ro("/bin/pwd"), argv, &pfd[1], &id, 1, 1, &p), want);
    if (want == PM_OK)
        assert_int_equal(wait_end(&p).exit_code, 0);
    while (got + 1 < cap && (n = read(pfd[0], buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(pfd[0]);
}

/* The working directory: the directory given (O_PATH or O_DIRECTORY,
 * and no descriptor is left for it), "/" without one, a file refused
 * with K_NOT_DIRECTORY before anything runs. */
static void test_cwd(void **state)
{
    char dir[] = "/tmp/pmk-cwd.XXXXXX", want[64], buf[256];
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(want, sizeof want, "%s\n", dir);
    pwd_in(open(dir, O_PATH | O_CLOEXEC), buf, sizeof buf, PM_OK);
    assert_string_equal(buf, want);
    pwd_in(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), buf, sizeof buf, PM_OK);
    assert_string_equal(buf, want);
    pwd_in(-1, buf, sizeof buf, PM_OK);
    assert_string_equal(buf, "/\n");
    pwd_in(open("/bin/pwd", O_PATH | O_CLOEXEC), buf, sizeof buf, PM_E_K_NOT_DIRECTORY);
    assert_string_equal(buf, "");
    assert_int_equal(rmdir(dir), 0);
}

/* ADD_NAMES of dir at path, then `cat path/marker` into a pipe: what the
 * child read (the launch status must be `want`). */
static void cat_marker(int dir_fd, const char *path, char *buf, size_t cap, pm_status want)
{
    char file[256];
    char *argv[] = { "cat", file, NULL };
    int pfd[2], id = 1;
    proc p;
    size_t got = 0;
    ssize_t n;
    snprintf(file, sizeof file, "%s/marker", path);
    req_begin(PM_OP_ADD_NAMES);
    Q.items[0].handle = 0;
    Q.items[0].str = src_str(path);
    Q.item_count = 1;
    H[0] = kcap_h(import(dir_fd));
    ST(send_req(1), PM_OK);
    assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
    ST(launch_ex(open_ro("/bin/cat"), argv, &pfd[1], &id, 1, 1, &p), want);
    if (want == PM_OK)
        assert_int_equal(wait_end(&p).exit_code, 0);
    while (got + 1 < cap && (n = read(pfd[0], buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(pfd[0]);
}

/* A namespace entry: the child sees the directory at the path, in a mount
 * namespace of its own; the path in our view is unchanged; a path that
 * is no directory is LINUX_NAME_MOUNTPOINT, a file as the directory
 * K_NOT_DIRECTORY. */
static void test_names(void **state)
{
    char src[] = "/tmp/pmk-src.XXXXXX", mnt[] = "/tmp/pmk-mnt.XXXXXX";
    char file[64], buf[256];
    (void)state;
    assert_non_null(mkdtemp(src));
    assert_non_null(mkdtemp(mnt));
    snprintf(file, sizeof file, "%s/marker", src);
    int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "seen\n", 5), 5);
    close(fd);
    cat_marker(open(src, O_PATH | O_CLOEXEC), mnt, buf, sizeof buf, PM_OK);
    assert_string_equal(buf, "seen\n");
    snprintf(file, sizeof file, "%s/marker", mnt);
    assert_int_equal(access(file, F_OK), -1);          /* not in our view */
    snprintf(file, sizeof file, "%s/none", mnt);
    cat_marker(open(src, O_PATH | O_CLOEXEC), file, buf, sizeof buf,
               PM_E_LINUX_NAME_MOUNTPOINT);
    snprintf(file, sizeof file, "%s/marker", src);
    cat_marker(open(file, O_PATH | O_CLOEXEC), mnt, buf, sizeof buf, PM_E_K_NOT_DIRECTORY);
    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(src), 0);
    assert_int_equal(rmdir(mnt), 0);
}

static pm_status set_rlimit(const proc *p, uint32_t res, uint64_t soft, uint64_t hard)
{
    req_begin(PM_OP_SET_RLIMIT);
    Q.handle[0] = 0;
    Q.flags = res;
    Q.value = soft;
    Q.cursor = hard;
    H[0] = proc_h(p->process, PM_DH_PROCESS);
    return send_req(1);
}

/* Resource limits on the stub waiting for "go" hold in the program (no
 * exec between); raising a hard limit needs CAP_SYS_RESOURCE: taken or
 * refused with LINUX_RLIMIT_DENIED and unchanged. */
static void test_rlimit(void **state)
{
    static char *const sleep_argv[] = { "sleep", "100", NULL };
    char path[64], buf[4096];
    struct rlimit rl;
    proc p;
    (void)state;
    ST(launch_ex(open_ro("/bin/sleep"), sleep_argv, NULL, NULL, 0, 0, &p), PM_OK);
    int64_t pid = pid_of(&p);
    ST(set_rlimit(&p, PM_RLIMIT_NOFILE, 64, 128), PM_OK);
    ST(simple(PM_OP_START, &p), PM_OK);
    assert_int_equal(prlimit((pid_t)pid, RLIMIT_NOFILE, NULL, &rl), 0);
    assert_int_equal(rl.rlim_cur, 64);
    assert_int_equal(rl.rlim_max, 128);
    snprintf(path, sizeof path, "/proc/%lld/limits", (long long)pid);
    assert_true(read_file(path, buf, sizeof buf) > 0);
    assert_non_null(strstr(buf, "Max open files            64                   128"));
    pm_status st = set_rlimit(&p, PM_RLIMIT_NOFILE, 64, 1u << 20);
    assert_true(st == PM_OK || st == PM_E_LINUX_RLIMIT_DENIED);
    assert_int_equal(prlimit((pid_t)pid, RLIMIT_NOFILE, NULL, &rl), 0);
    assert_int_equal(rl.rlim_max, st == PM_OK ? 1u << 20 : 128);
    ST(set_rlimit(&p, PM_RLIMIT_CPU, 10, 20), PM_OK);
    assert_int_equal(prlimit((pid_t)pid, RLIMIT_CPU, NULL, &rl), 0);
    assert_int_equal(rl.rlim_cur, 10);
    ST(control(PM_OP_SIGNAL, &p, PM_K_SIGKILL), PM_OK);
    assert_int_equal(wait_end(&p).exit_code, PM_K_SIGKILL);
    ST(set_rlimit(&p, PM_RLIMIT_CPU, 1, 1), PM_E_PROCESS_ENDED);
}

/* Read a pipe to EOF. */
/* ---- jobs (issue 6): the connection's job 1 as a cgroup -------------------- */

static pm_status job_op(uint16_t op, uint64_t job)
{
    req_begin(op);
    Q.handle[0] = 0;
    H[0] = proc_h(job, PM_DH_JOB);
    return send_req(1);
}

/* Two processes of job 1 (the connection's).  CGROUP mode: both are in
 * procmgr-<pid>/job-1 from their start; a process put there that procmgr
 * did not launch (a fork of the test standing for a double fork) is
 * frozen and killed with the job; the directories are removed when the
 * job ends.  MEMBERS mode: the two are killed. */
static void test_jobs(void **state)
{
    static char *const sleep_argv[] = { "sleep", "100", NULL };
    char path[512], buf[512], want[128];
    proc a, b;
    (void)state;
    ST(launch("/bin/sleep", sleep_argv, &a), PM_OK);
    ST(launch("/bin/sleep", sleep_argv, &b), PM_OK);
    const char *dir = pm_klinux_job_dir(K);
    pid_t extra = -1;
    if (pm_k_job_mode(K) == PM_K_JOB_MODE_CGROUP) {
        assert_non_null(dir);
        snprintf(path, sizeof path, "/proc/%lld/cgroup", (long long)pid_of(&a));
        read_file(path, buf, sizeof buf);
        assert_non_null(strrchr(dir, '/'));
        snprintf(want, sizeof want, "%s/job-1\n", strrchr(dir, '/'));
        assert_non_null(strstr(buf, want));
        extra = fork();
        assert_true(extra >= 0);
        if (extra == 0) {
            for (;;)
                pause();
        }
        snprintf(path, sizeof path, "%s/job-1/cgroup.procs", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "%d\n", (int)extra);
        assert_int_equal(fclose(f), 0);
        ST(job_op(PM_OP_SUSPEND, 1), PM_OK);
        snprintf(path, sizeof path, "%s/job-1/cgroup.events", dir);
        read_file(path, buf, sizeof buf);
        assert_non_null(strstr(buf, "frozen 1"));
        ST(job_op(PM_OP_RESUME, 1), PM_OK);
        read_file(path, buf, sizeof buf);
        assert_non_null(strstr(buf, "frozen 0"));
    } else {
        assert_null(dir);
    }
    ST(job_op(PM_OP_KILL, 1), PM_OK);
    assert_int_equal(wait_end(&a).state, PM_STATE_KILLED);
    assert_int_equal(wait_end(&b).state, PM_STATE_KILLED);
    if (extra > 0) {
        int ws = 0;
        assert_int_equal(waitpid(extra, &ws, 0), extra);
        assert_true(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
        /* the job ended with its last record; its directory, if the fork
         * still populated it then, goes at the next event poll; the
         * daemon's own directory stays while the backend is open */
        (void)pm_dispatch_poll_events(&D);
        snprintf(path, sizeof path, "%s/job-1", dir);
        assert_int_not_equal(access(path, F_OK), 0);
        assert_int_equal(access(dir, F_OK), 0);
    }
}

/* A job destroyed while a process is still in its cgroup lingers; when
 * that process ends, the backend's event descriptor becomes readable by
 * itself (an inotify watch on cgroup.events), and the next event poll
 * removes the directory: no unrelated event is needed. */
static void test_job_linger(void **state)
{
    char path[512];
    pm_kcap job;
    pm_kevent ev;
    (void)state;
    const char *dir = pm_klinux_job_dir(K);
    if (pm_k_job_mode(K) != PM_K_JOB_MODE_CGROUP) {
        assert_null(dir);
        skip();
    }
    ST(pm_k_job_create(K, 77, &job), PM_OK);
    pid_t stray = fork();
    assert_true(stray >= 0);
    if (stray == 0) {
        for (;;)
            pause();
    }
    snprintf(path, sizeof path, "%s/job-77/cgroup.procs", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%d\n", (int)stray);
    assert_int_equal(fclose(f), 0);
    ST(pm_k_destroy(K, job), PM_OK);
    snprintf(path, sizeof path, "%s/job-77", dir);
    assert_int_equal(access(path, F_OK), 0);             /* populated: lingers */
    struct pollfd p = { .fd = pm_kh_event_fd(K), .events = POLLIN };
    /* nothing to say yet.  The kernel sends cgroup.events notifications up
     * to 10 ms late (CGROUP_FILE_NOTIFY_MIN_INTV), so the stray's joining
     * may still wake the event fd (CI under ASan): a wake-up then yields
     * no event, and the job still lingers. */
    if (poll(&p, 1, 0) == 1)
        ST(pm_k_event_poll(K, &ev), PM_E_K_NO_EVENT);
    assert_int_equal(access(path, F_OK), 0);
    int ws = 0;
    assert_int_equal(kill(stray, SIGKILL), 0);
    assert_int_equal(waitpid(stray, &ws, 0), stray);
    for (int i = 0; i < 100 && access(path, F_OK) == 0; i++) {
        assert_int_equal(poll(&p, 1, 5000), 1);          /* woken by the change */
        assert_int_equal(pm_k_event_poll(K, &ev), PM_E_K_NO_EVENT);
    }
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(poll(&p, 1, 0), 0);                  /* and quiet again */
}

static size_t drain(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    ssize_t n;
    while (got + 1 < cap && (n = read(fd, buf + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    return got;
}

/* tests/linux/auxcheck in every link mode, launched by the dispatcher:
 * from inside, its auxiliary vector (the core's entries and the kernel's
 * own: vDSO, hwcaps, ids, clock ticks, min signal stack), /proc/self
 * cmdline, environ, auxv and comm, TLS, and no stub or anonymous
 * executable mapping. */
static void test_auxcheck_all_modes(void **state)
{
    static const char *const modes[] = { "pie", "nopie", "static", "static-pie", "musl" };
    static char *const envp[] = { "AUXCHECK_PROC_AUXV=1", "X=a b", NULL };
    char path[512], name[32], out[4096], err[4096];
    int ran = 0;
    (void)state;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char *argv[] = { name, "echo", "a", "b c", NULL };
        int o[2], e[2], fds[2], ids[2] = { 1, 2 };
        proc p;
        pm_proto_info info;
        snprintf(path, sizeof path, "%s/auxcheck-%s", KLINUX_PROG_DIR, modes[i]);
        snprintf(name, sizeof name, "auxcheck-%s", modes[i]);   /* name <= 32 */
        if (access(path, X_OK) != 0) {
            assert_string_equal(modes[i], "musl");   /* only musl is optional */
            continue;
        }
        assert_int_equal(pipe2(o, O_CLOEXEC), 0);
        assert_int_equal(pipe2(e, O_CLOEXEC), 0);
        fds[0] = o[1];
        fds[1] = e[1];
        LAUNCH_ENVP = envp;
        ST(launch_ex(open_ro(path), argv, fds, ids, 2, 1, &p), PM_OK);
        info = wait_end(&p);
        drain(o[0], out, sizeof out);
        drain(e[0], err, sizeof err);
        close(o[0]);
        close(e[0]);
        if (info.state != PM_STATE_EXITED || info.exit_code != 0)
            print_error("%s: state %u code %u\n%s%s", path, info.state, info.exit_code,
                        out, err);
        assert_int_equal(info.state, PM_STATE_EXITED);
        assert_int_equal(info.exit_code, 0);
        assert_string_equal(out, "a\nb c\nauxcheck ok\n");
        ran++;
    }
    assert_true(ran >= 4);
}

/* A sealed memfd holding img's bytes (its own copy of the fd). */
static int sealed_memfd(elfimg *img)
{
    int m = memfd_create("elfimg", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(m >= 0);
    assert_non_null(elfimg_serialize(img));
    assert_int_equal(write(m, img->buf, img->len), (ssize_t)img->len);
    assert_int_equal(fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), 0);
    return m;
}

/* Move every address of an ET_EXEC image by delta. */
static void rebase(elfimg *img, uint64_t delta)
{
    for (unsigned i = 0; i < img->nph; i++)
        if (img->ph[i].vaddr != 0) {
            img->ph[i].vaddr += delta;
            img->ph[i].paddr += delta;
        }
    img->entry += delta;
}

/* Images made by tests/support/elfimg (code: exit(0)) from sealed memfds:
 * ET_EXEC and ET_DYN, a data segment with a cleared tail and an anonymous
 * part, TLS.  Then one whose fixed addresses collide with the stub: the
 * stub's MAP_FIXED_NOREPLACE refuses at bind (deferred failure), the
 * launch gets K_OVERLAP, diagnostics say LINUX_STUB_MAP/EEXIST, and
 * nothing is left. */
static void test_memfd_images(void **state)
{
    static char *const argv[] = { "elfimg", NULL };
    static elfimg img;
    pm_klinux_diag dg;
    proc p;
    pm_proto_info info;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_EXEC, ELFIMG_TLS | ELFIMG_DYNAMIC);
    ST(launch_ex(sealed_memfd(&img), argv, NULL, NULL, 0, 1, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);

    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_TLS);
    ST(launch_ex(sealed_memfd(&img), argv, NULL, NULL, 0, 1, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    rebase(&img, 0x600000000000ull - ELFIMG_EXEC_BASE);   /* the stub's address */
    ST(launch_ex(sealed_memfd(&img), argv, NULL, NULL, 0, 1, &p), PM_E_K_OVERLAP);
    pm_klinux_last_diag(K, &dg);
    assert_int_equal(dg.linux_status, PM_E_LINUX_STUB_MAP);
    assert_int_equal(dg.sys_errno, EEXIST);
    assert_int_equal(dg.stage, 4 /* PM_STUB_STAGE_MAP */);
    assert_int_equal(pm_klinux_children(K), 0);
    elfimg_free(&img);
}

/* kernel.h directly: the codes the sim gives, at call time, from the
 * backend's own books; the Linux-specific ones (bind once, sealed after
 * bind, only fd objects in a CSpace); events and reaping. */
/* Defence in depth: the backend itself refuses a bad construction call,
 * whatever a core sent, each with its reason code (the shared kcheck
 * module), and the AS stays usable and destroyable after. */
static void test_construction_refusals(void **state)
{
    pm_kcap as, img;
    uint8_t bytes[16];
    uint64_t size = 0, end;
    const uint64_t V = 0x100000000ull, P = 4096;
    (void)state;
    memset(bytes, 0x5a, sizeof bytes);
    ST(pm_kh_image_open(K, "/bin/true", &img), PM_OK);
    ST(pm_k_image_size(K, img, &size), PM_OK);
    end = (size + P - 1) & ~(P - 1);            /* the image, page-rounded */
    ST(pm_k_as_create(K, &as), PM_OK);
    ST(pm_k_as_map_zero(K, as, V, 2 * P, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_as_map_zero(K, as, V + 4 * P, P, PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_map_image(K, as, img, 0, P, V + 4 * P, PM_PROT_R | PM_PROT_W | PM_PROT_X),
       PM_E_K_WX);
    ST(pm_k_as_protect(K, as, V, P, PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_map_zero(K, as, V + 4 * P + 16, P, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_image(K, as, img, 1, P, V + 4 * P, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_zero(K, as, V + P, 2 * P, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_image(K, as, img, 0, P, V, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_image(K, as, img, end, P, V + 4 * P, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_image(K, as, img, 0, end + P, V + 4 * P, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_write(K, as, V + 8 * P, bytes, sizeof bytes), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_write(K, as, V + 2 * P - 4, bytes, sizeof bytes), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_protect(K, as, V + P, 2 * P, PM_PROT_R), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_unmap(K, as, V + P, 2 * P), PM_E_K_NOT_MAPPED);
    /* still usable */
    ST(pm_k_as_map_image(K, as, img, 0, end, V + 4 * P, PM_PROT_R), PM_OK);
    ST(pm_k_as_write(K, as, V + P - 4, bytes, sizeof bytes), PM_OK);
    ST(pm_k_as_protect(K, as, V, P, PM_PROT_R), PM_OK);
    ST(pm_k_destroy(K, as), PM_OK);
    ST(pm_k_destroy(K, img), PM_OK);
}

static void test_kernel_calls(void **state)
{
    pm_kcap as, as2, cs, th, img, ep, d, bad;
    pm_k_as_info ai;
    pm_kcap_info ci;
    pm_kevent ev;
    pm_k_limits lim;
    uint8_t bytes[64];
    uint64_t size = 0;
    const uint64_t V = 0x100000000ull;
    (void)state;
    memset(bytes, 0x5a, sizeof bytes);
    pm_k_get_limits(K, &lim);
    assert_int_equal(lim.page_size, 4096);
    assert_int_equal(lim.max_threads_per_as, 1);
    ST(pm_k_event_poll(K, NULL), PM_E_K_ARG);
    ST(pm_k_event_poll(K, &ev), PM_E_K_NO_EVENT);

    ST(pm_kh_image_open(K, "/bin/true", &img), PM_OK);
    ST(pm_kh_image_open(K, "/nonexistent", &bad), PM_E_K_ARG);
    ST(pm_kh_image_open(K, "/", &bad), PM_E_K_ARG);
    ST(pm_k_image_size(K, img, &size), PM_OK);
    assert_true(size > 4096);
    ST(pm_k_image_read(K, img, 0, bytes, 4), PM_OK);
    assert_memory_equal(bytes, "\177ELF", 4);
    ST(pm_k_image_read(K, img, size - 1, bytes, 2), PM_E_K_RANGE);
    ST(pm_k_as_create(K, &as), PM_OK);
    ST(pm_k_as_get_info(K, as, &ai), PM_OK);
    assert_true(ai.vdso_base != 0 && ai.naux >= 7 && ai.naux <= PM_K_AS_INFO_MAX_AUX);
    assert_int_equal(ai.aux[0].type, 33 /* AT_SYSINFO_EHDR */);
    assert_int_equal(ai.aux[0].value, ai.vdso_base);
    assert_int_equal(ai.secure, 0);
    ST(pm_k_as_get_info(K, img, &ai), PM_E_K_TYPE);

    /* construction: the sim's codes, in the sim's order */
    ST(pm_k_as_map_zero(K, as, V, 4096, PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_map_zero(K, as, V, 4096, 8u), PM_E_K_ARG);
    ST(pm_k_as_map_zero(K, as, V + 1, 4096, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_zero(K, as, V, 0, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_zero(K, as, 0x1000, 4096, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_zero(K, as, V, 3 * 4096, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_as_map_zero(K, as, V + 4096, 4096, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_image(K, as, img, 0, 4096, V + 8 * 4096, PM_PROT_R | PM_PROT_X), PM_OK);
    ST(pm_k_as_map_image(K, as, img, 0, 4096, V + 2 * 4096, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_image(K, as, img, (size + 8191) & ~4095ull, 4096, V + 9 * 4096, PM_PROT_R),
       PM_E_K_RANGE);
    ST(pm_k_as_map_image(K, as, as, 0, 4096, V + 9 * 4096, PM_PROT_R), PM_E_K_TYPE);
    ST(pm_k_cap_derive(K, img, PM_KR_READ | PM_KR_GRANT, &d), PM_OK);
    ST(pm_k_as_map_image(K, as, d, 0, 4096, V + 9 * 4096, PM_PROT_R | PM_PROT_X),
       PM_E_K_BAD_RIGHTS);
    ST(pm_k_revoke(K, img), PM_OK);
    ST(pm_k_as_map_image(K, as, d, 0, 4096, V + 9 * 4096, PM_PROT_R), PM_E_K_REVOKED);
    ST(pm_k_cap_release(K, d), PM_OK);
    ST(pm_k_cap_info(K, d, &ci), PM_E_K_BAD_CAP);
    ST(pm_k_as_protect(K, as, V + 2 * 4096, 2 * 4096, PM_PROT_R), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_protect(K, as, V + 2 * 4096, 4096, PM_PROT_R), PM_OK);
    ST(pm_k_as_unmap(K, as, V + 4096, 4096), PM_OK);
    ST(pm_k_as_write(K, as, V + 4090, bytes, sizeof bytes), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_write(K, as, V + 2 * 4096 + 8, bytes, sizeof bytes), PM_OK);  /* read-only page */
    ST(pm_k_as_write(K, as, V, NULL, 1), PM_E_K_ARG);
    ST(pm_k_cap_derive(K, as, PM_KR_READ, &d), PM_OK);
    ST(pm_k_as_write(K, d, V, bytes, 1), PM_E_K_BAD_RIGHTS);
    ST(pm_k_destroy(K, d), PM_E_K_BAD_RIGHTS);              /* not the original */
    ST(pm_k_cap_release(K, d), PM_OK);
    ST(pm_k_cap_release(K, as), PM_E_K_STATE);              /* an original */

    /* CSpace: slot = fd number; only objects with an fd */
    ST(pm_k_cspace_create(K, 0, &cs), PM_E_K_RANGE);
    ST(pm_k_cspace_create(K, 257, &cs), PM_E_K_RANGE);
    ST(pm_k_cspace_create(K, 8, &cs), PM_OK);
    ST(pm_k_endpoint_create(K, &ep), PM_OK);
    assert_true(pm_klinux_endpoint_peer(K, ep) >= 0);
    ST(pm_k_cspace_mint(K, cs, 3, as, PM_KR_READ, 0), PM_E_K_TYPE);
    ST(pm_k_cspace_mint(K, cs, 8, ep, PM_KR_READ, 0), PM_E_K_RANGE);
    ST(pm_k_cspace_mint(K, cs, 3, ep, PM_KR_ALL | 64u, 0), PM_E_K_ARG);
    ST(pm_k_cspace_mint(K, cs, 3, ep, PM_KR_READ | PM_KR_WRITE, 0), PM_OK);
    ST(pm_k_cspace_mint(K, cs, 3, ep, PM_KR_READ, 0), PM_E_K_SLOT_OCCUPIED);
    ST(pm_k_cspace_delete(K, cs, 4), PM_E_K_SLOT_EMPTY);

    /* bind builds the process; then the AS and the CSpace are sealed */
    ST(pm_k_thread_create(K, 77, &th), PM_OK);
    ST(pm_k_thread_start(K, th, V, V), PM_E_K_STATE);
    ST(pm_k_thread_bind(K, th, as, cs, V + 1), PM_E_K_ALIGN);
    ST(pm_k_thread_bind(K, th, as, cs, V + 6 * 4096), PM_E_K_NOT_MAPPED);
    ST(pm_k_thread_bind(K, th, as, cs, V + 2 * 4096), PM_E_K_PROT);
    ST(pm_k_thread_bind(K, th, as, cs, V), PM_OK);
    assert_true(pm_kh_thread_pid(K, th) > 0);
    ST(pm_k_thread_bind(K, th, as, cs, V), PM_E_K_STATE);
    ST(pm_k_as_map_zero(K, as, V + 16 * 4096, 4096, PM_PROT_R), PM_E_K_STATE);
    ST(pm_k_as_write(K, as, V, bytes, 1), PM_E_K_STATE);
    ST(pm_k_cspace_mint(K, cs, 4, ep, PM_KR_READ, 0), PM_E_K_STATE);
    ST(pm_k_as_create(K, &as2), PM_OK);
    ST(pm_k_thread_kill(K, th), PM_E_K_STATE);              /* not running */
    /* start at an address with nothing mapped: the program faults at once */
    ST(pm_k_thread_start(K, th, 0x200000000ull, V + 3 * 4096 - 64), PM_OK);
    for (int i = 0; i < 100 && pm_k_event_poll(K, &ev) == PM_E_K_NO_EVENT; i++)
        (void)poll(NULL, 0, 20);
    assert_int_equal(ev.kind, PM_K_EV_FAULT);
    assert_int_equal(ev.fault, PM_K_FAULT_OTHER);
    assert_int_equal(ev.code, SIGSEGV);
    assert_int_equal(ev.cookie, 77);
    assert_true(pm_kcap_eq(ev.thread, th));
    ST(pm_k_event_poll(K, &ev), PM_E_K_NO_EVENT);
    assert_int_equal(pm_kh_thread_pid(K, th), -1);
    assert_int_equal(pm_klinux_children(K), 1);             /* as2's stub */
    ST(pm_k_teardown(K, th, cs, as), PM_OK);
    ST(pm_k_teardown(K, th, cs, as), PM_OK);                /* idempotent */
    ST(pm_k_destroy(K, as2), PM_OK);                        /* never bound */
    assert_int_equal(pm_klinux_children(K), 0);
    ST(pm_k_drop(K, ep), PM_OK);
    ST(pm_k_drop(K, img), PM_OK);
    ST(pm_k_drop(K, img), PM_OK);
}

/* ---- the stub pool (spec/linux-loader.md section 10) ----------------------------- */

/* Wait (bounded) until the pool holds at least n idle stubs; the pids of
 * the first n. */
#define pool_wait_full(n, pids) pool_wait_full_((n), (pids), __LINE__)
static void pool_wait_full_(uint32_t n, int *pids, int line)
{
    for (int i = 0; i < 500 && pm_klinux_pool_idle(K, pids, n) < n; i++)
        (void)poll(NULL, 0, 10);
    if (pm_klinux_pool_idle(K, pids, n) < n)
        fail_msg("line %d: %u idle stubs, %u wanted", line,
                 pm_klinux_pool_idle(K, pids, n), n);
}

/* A pid that is neither running nor a zombie: killed and reaped. */
static void assert_gone(int pid)
{
    errno = 0;
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

/* Idle stubs are real children waiting for their build; pm_kh_close kills
 * and reaps every one of them (no zombie, no fd: the group teardown). */
static int pool_setup(void **state)
{
    pool_env("3");
    return setup(state);
}

static int pool_teardown(void **state)
{
    int pids[3];
    uint32_t n = pm_klinux_pool_idle(K, pids, 3);
    int rc = teardown(state);
    for (uint32_t i = 0; i < n && i < 3; i++)
        assert_gone(pids[i]);
    pool_env(NULL);
    return rc;
}

static void test_pool_fills_and_is_used(void **state)
{
    static char *const argv[] = { "sh", "-c", "exit 3", NULL };
    int before[3], after[3];
    int64_t pid;
    proc p;
    pm_proto_info info;
    (void)state;
    assert_int_equal(pm_klinux_pool_target(K), 3);
    pool_wait_full(3, before);
    assert_int_equal(pm_klinux_children(K), 0);      /* idle stubs are no AS */
    for (int i = 0; i < 3; i++)
        assert_int_equal(kill(before[i], 0), 0);
    /* a create takes the last idle stub: the process is built in it */
    ST(launch_ex(open_ro("/bin/sh"), argv, NULL, NULL, 0, 0, &p), PM_OK);
    pid = pid_of(&p);
    assert_int_equal(pid, before[2]);
    assert_int_equal(pm_klinux_children(K), 1);
    ST(simple(PM_OP_START, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 3);
    /* once it has ended the pool is refilled with a new stub */
    pool_wait_full(3, after);
    assert_int_equal(after[0], before[0]);
    assert_int_equal(after[1], before[1]);
    assert_true(after[2] != before[2]);
}

/* A host that calls pm_kh_idle (procmgrd, after each round's replies)
 * has the refill after a process ended put off until its next call, so
 * that the stub's clone and exec do not compete with the WAIT reply for
 * the CPUs.  (The check that nothing happens before that call waits 0.3 s:
 * a refill that were not put off would be seen, on a loaded machine
 * perhaps not, which passes wrongly but never fails wrongly.) */
static void test_pool_refill_at_host_idle(void **state)
{
    static char *const argv[] = { "sh", "-c", "exit 0", NULL };
    int pids[3];
    proc p;
    (void)state;
    /* a first process: its end wakes the refill at once (no pm_kh_idle
     * yet), and the refill thread, started asynchronously, is then surely
     * waiting for work */
    pool_wait_full(3, pids);
    ST(launch_ex(open_ro("/bin/sh"), argv, NULL, NULL, 0, 1, &p), PM_OK);
    assert_int_equal(wait_end(&p).exit_code, 0);
    pool_wait_full(3, pids);
    pm_kh_idle(K);                   /* the host says it calls it */
    ST(launch_ex(open_ro("/bin/sh"), argv, NULL, NULL, 0, 1, &p), PM_OK);
    assert_int_equal(wait_end(&p).exit_code, 0);
    (void)poll(NULL, 0, 300);
    assert_int_equal(pm_klinux_pool_idle(K, pids, 3), 2);
    pm_kh_idle(K);
    pool_wait_full(3, pids);
}

/* Processes that live on do not drain the pool: a bind that leaves fewer
 * than half the size idle wakes the refill (two created and not started
 * leave one idle stub of three: without that wake-up it would stay one). */
static void test_pool_refilled_under_long_lived(void **state)
{
    static char *const argv[] = { "sh", "-c", "exit 0", NULL };
    int pids[3];
    proc p[2];
    (void)state;
    pool_wait_full(3, pids);
    for (int i = 0; i < 2; i++)
        ST(launch_ex(open_ro("/bin/sh"), argv, NULL, NULL, 0, 0, &p[i]), PM_OK);
    pool_wait_full(2, pids);
    assert_int_equal(pm_klinux_children(K), 2);
    for (int i = 0; i < 2; i++)
        ST(simple(PM_OP_START, &p[i]), PM_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(wait_end(&p[i]).exit_code, 0);
}

/* A stub killed from outside while idle is not handed out: the create
 * gets a live one (or a new one) and the dead one is reaped. */
static void test_pool_dead_stub_skipped(void **state)
{
    static char *const argv[] = { "true", NULL };
    int pids[3];
    siginfo_t si;
    proc p;
    pm_proto_info info;
    (void)state;
    pool_wait_full(3, pids);
    /* killed, and dead (a zombie: not reaped, WNOWAIT) before the create */
    for (int i = 1; i < 3; i++) {
        assert_int_equal(kill(pids[i], SIGKILL), 0);
        assert_int_equal(waitid(P_PID, (id_t)pids[i], &si, WEXITED | WNOWAIT), 0);
    }
    ST(launch("/bin/true", argv, &p), PM_OK);
    assert_true(pid_of(&p) != pids[2] && pid_of(&p) != pids[1]);
    info = wait_end(&p);
    assert_int_equal(info.state, PM_STATE_EXITED);
    assert_int_equal(info.exit_code, 0);
    assert_gone(pids[2]);
    assert_gone(pids[1]);
}

/* PROCMGR_STUB_POOL=0: no pool, no thread; every create starts its stub. */
static void test_pool_disabled(void **state)
{
    static char *const argv[] = { "true", NULL };
    int pids[1];
    proc p;
    pm_proto_info info;
    (void)state;
    teardown(state);
    pool_env("0");
    setup(state);
    assert_int_equal(pm_klinux_pool_target(K), 0);
    ST(launch("/bin/true", argv, &p), PM_OK);
    info = wait_end(&p);
    assert_int_equal(info.exit_code, 0);
    assert_int_equal(pm_klinux_pool_idle(K, pids, 1), 0);
    /* not a number: the default (disabled); above the maximum: 64 */
    teardown(state);
    pool_env("many");
    setup(state);
    assert_int_equal(pm_klinux_pool_target(K), 0);
    teardown(state);
    pool_env("1000");
    setup(state);
    assert_int_equal(pm_klinux_pool_target(K), 64);
    pool_env("3");
}

static void test_refused_images(void **state)
{
    static char *const argv[] = { "x", NULL };
    char text[256];
    proc p;
    int pfd[2], m;
    (void)state;
    /* a directory and a pipe are endpoints, not images */
    ST(launch_ex(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), argv, NULL, NULL, 0, 1, &p),
       PM_E_K_TYPE);
    assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
    close(pfd[1]);
    ST(launch_ex(pfd[0], argv, NULL, NULL, 0, 1, &p), PM_E_K_TYPE);
    /* a memfd: unsealed it is no image: K_TYPE (the kernel.h contract's
     * code), which pm_kh_refine_status makes LINUX_MEMFD_UNSEALED (issue
     * 18 item 10); sealed, its bytes must be ELF */
    memset(text, '#', sizeof text);
    m = memfd_create("not-elf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(m >= 0);
    assert_int_equal(write(m, text, sizeof text), (ssize_t)sizeof text);
    ST(launch_ex(dup(m), argv, NULL, NULL, 0, 1, &p), PM_E_K_TYPE);
    ST(pm_kh_refine_status(K, PM_E_K_TYPE), PM_E_LINUX_MEMFD_UNSEALED);
    ST(pm_kh_refine_status(K, PM_E_K_TYPE), PM_E_K_TYPE);     /* forgotten */
    /* a regular file opened O_PATH cannot be read: K_TYPE, refined to
     * LINUX_IMAGE_O_PATH (it was K_RANGE) */
    ST(launch_ex(open("/bin/true", O_PATH | O_CLOEXEC), argv, NULL, NULL, 0, 1, &p),
       PM_E_K_TYPE);
    ST(pm_kh_refine_status(K, PM_E_K_TYPE), PM_E_LINUX_IMAGE_O_PATH);
    assert_int_equal(fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), 0);
    ST(launch_ex(m, argv, NULL, NULL, 0, 1, &p), PM_E_ELF_MAGIC);
    assert_int_equal(pm_klinux_children(K), 0);
}

/* Execute permission as the kernel's check answers it (pure). */
static void test_exec_mode(void **state)
{
    pm_kh_cred u = { .uid = 1000, .gid = 100, .ngroups = 2, .groups = { 5, 7 } };
    pm_kh_cred r = { .uid = 0, .gid = 0, .ngroups = 0 };
    (void)state;
    /* owner: the owner's bits only, even when group or others have x */
    assert_int_equal(pm_lx_exec_mode(0100644, 1000, 100, &u), PM_E_LINUX_EXEC_DENIED);
    assert_int_equal(pm_lx_exec_mode(0100655, 1000, 100, &u), PM_E_LINUX_EXEC_DENIED);
    assert_int_equal(pm_lx_exec_mode(0100744, 1000, 100, &u), PM_OK);
    /* group: primary or supplementary, its bits only */
    assert_int_equal(pm_lx_exec_mode(0100654, 1, 100, &u), PM_OK);
    assert_int_equal(pm_lx_exec_mode(0100654, 1, 7, &u), PM_OK);
    assert_int_equal(pm_lx_exec_mode(0100645, 1, 7, &u), PM_E_LINUX_EXEC_DENIED);
    /* others */
    assert_int_equal(pm_lx_exec_mode(0100645, 1, 8, &u), PM_OK);
    assert_int_equal(pm_lx_exec_mode(0100750, 1, 8, &u), PM_E_LINUX_EXEC_DENIED);
    /* uid 0: any one execute bit, none is not enough */
    assert_int_equal(pm_lx_exec_mode(0100644, 0, 0, &r), PM_E_LINUX_EXEC_DENIED);
    assert_int_equal(pm_lx_exec_mode(0100600, 1000, 100, &r), PM_E_LINUX_EXEC_DENIED);
    assert_int_equal(pm_lx_exec_mode(0100001, 1000, 100, &r), PM_OK);
    assert_int_equal(pm_lx_exec_mode(0100010, 1000, 100, &r), PM_OK);
    assert_int_equal(pm_lx_exec_mode(0100100, 1000, 100, &r), PM_OK);
}

/* The ids execve would give: the owner with S_ISUID, the group with
 * S_ISGID and S_IXGRP only (S_ISGID alone marks mandatory locking). */
static void test_setid_ids(void **state)
{
    uint32_t u = 7, g = 7;
    (void)state;
    assert_int_equal(pm_lx_setid_ids(0100755, 65534, 65534, 0, 0, &u, &g), 0);
    assert_int_equal(u, 0);
    assert_int_equal(g, 0);
    assert_int_equal(pm_lx_setid_ids(0104755, 65534, 100, 0, 0, &u, &g), 1);
    assert_int_equal(u, 65534);
    assert_int_equal(g, 0);
    assert_int_equal(pm_lx_setid_ids(0102755, 65534, 100, 0, 0, &u, &g), 1);
    assert_int_equal(u, 0);
    assert_int_equal(g, 100);
    assert_int_equal(pm_lx_setid_ids(0102745, 65534, 100, 0, 0, &u, &g), 0);
    assert_int_equal(g, 0);
    /* the caller's own ids: no change */
    assert_int_equal(pm_lx_setid_ids(0106755, 1000, 100, 1000, 100, &u, &g), 0);
    assert_int_equal(pm_lx_setid_ids(0104755, 0, 100, 1000, 100, &u, &g), 1);
    assert_int_equal(u, 0);
}

/* The value of aux entry type in info, or ~0 when absent. */
static uint64_t aux_of(const pm_k_as_info *info, uint64_t type)
{
    for (uint32_t i = 0; i < info->naux; i++)
        if (info->aux[i].type == type)
            return info->aux[i].value;
    return ~0ull;
}

/* A set-uid-nobody image mapped executable (procmgrd as root): the AS's
 * info says AT_EUID 65534 and AT_SECURE 1; mapped only readable, nothing
 * changes.  As another user, the same image is refused (522). */
static void test_setid_info(void **state)
{
    char dir[] = "/tmp/pmsetid.XXXXXX", path[64];
    pm_kcap img, as, as2;
    pm_k_as_info ai;
    const uint64_t V = 0x100000000ull;
    (void)state;
    if (geteuid() != 0) {
        skip();
        return;
    }
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/true-su", dir);
    int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
    int out = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    assert_true(in >= 0 && out >= 0);
    char buf[8192];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    close(in);
    close(out);
    assert_int_equal(chown(path, 65534, 0), 0);
    assert_int_equal(chmod(path, 04755), 0);
    ST(pm_kh_image_open(K, path, &img), PM_OK);
    ST(pm_k_as_create(K, &as), PM_OK);
    ST(pm_k_as_map_image(K, as, img, 0, 4096, V, PM_PROT_R), PM_OK);
    ST(pm_k_as_get_info(K, as, &ai), PM_OK);
    assert_int_equal(ai.secure, 0);
    assert_int_equal(aux_of(&ai, 12 /* AT_EUID */), 0);
    ST(pm_k_as_map_image(K, as, img, 0, 4096, V + 4096, PM_PROT_R | PM_PROT_X), PM_OK);
    ST(pm_k_as_get_info(K, as, &ai), PM_OK);
    assert_int_equal(ai.secure, 1);
    assert_int_equal(aux_of(&ai, 11 /* AT_UID */), 0);
    assert_int_equal(aux_of(&ai, 12 /* AT_EUID */), 65534);
    assert_int_equal(aux_of(&ai, 14 /* AT_EGID */), 0);
    /* procmgrd not root: execve would raise the caller to the owner */
    ST(pm_k_as_create(K, &as2), PM_OK);
    assert_int_equal(chown(path, 0, 0), 0);
    assert_int_equal(chmod(path, 04755), 0);
    assert_int_equal(setresuid((uid_t)-1, 65534, (uid_t)-1), 0);
    pm_status st = pm_k_as_map_image(K, as2, img, 0, 4096, V, PM_PROT_R | PM_PROT_X);
    assert_int_equal(setresuid((uid_t)-1, 0, (uid_t)-1), 0);
    ST(st, PM_E_K_BAD_RIGHTS);
    ST(pm_kh_refine_status(K, st), PM_E_LINUX_SETID_REFUSED);
    ST(pm_k_destroy(K, as2), PM_OK);
    ST(pm_k_destroy(K, as), PM_OK);
    ST(pm_k_drop(K, img), PM_OK);
    unlink(path);
    rmdir(dir);
}

/* While a requester is set, the backend reads and maps only images execve
 * would run for it: a file of mode 0644, and a file on a noexec mount
 * (where this process may make one). */
static void test_exec_requester(void **state)
{
    char dir[] = "/tmp/pmexec.XXXXXX", path[64], nx[80];
    pm_kh_cred me = { .uid = (uint32_t)geteuid(), .gid = (uint32_t)getegid() };
    pm_kcap cap;
    uint64_t size = 0;
    int fd;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/img", dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "0123456789abcdef", 16), 16);
    ST(pm_kh_import_fd(K, fd, &cap), PM_OK);
    ST(pm_k_image_size(K, cap, &size), PM_OK);       /* no requester */
    pm_kh_set_requester(K, &me);
    /* kernel.h's code to the core (pm_k_status: 400-499), the execve
     * answer to the shell once, through pm_kh_refine_status */
    ST(pm_k_image_size(K, cap, &size), PM_E_K_BAD_RIGHTS);
    ST(pm_kh_refine_status(K, PM_E_K_BAD_RIGHTS), PM_E_LINUX_EXEC_DENIED);
    ST(pm_kh_refine_status(K, PM_E_K_BAD_RIGHTS), PM_E_K_BAD_RIGHTS);
    ST(pm_k_image_read(K, cap, 0, (uint8_t *)path, 4), PM_E_K_BAD_RIGHTS);
    ST(pm_kh_refine_status(K, PM_E_K_STATE), PM_E_K_STATE);  /* not its code */
    ST(pm_kh_refine_status(K, PM_E_K_BAD_RIGHTS), PM_E_K_BAD_RIGHTS);
    assert_int_equal(chmod(path, 0755), 0);
    ST(pm_k_image_size(K, cap, &size), PM_OK);
    assert_int_equal(size, 16);
    pm_kh_set_requester(K, NULL);
    ST(pm_k_drop(K, cap), PM_OK);
    unlink(path);
    /* noexec: a tmpfs mounted so (root only; skipped where refused) */
    snprintf(nx, sizeof nx, "%s/nx", dir);
    assert_int_equal(mkdir(nx, 0700), 0);
    if (mount("tmpfs", nx, "tmpfs", MS_NOEXEC, "size=64k") == 0) {
        snprintf(path, sizeof path, "%s/nx/img", dir);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0755);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "0123456789abcdef", 16), 16);
        ST(pm_kh_import_fd(K, fd, &cap), PM_OK);
        pm_kh_set_requester(K, &me);
        ST(pm_k_image_size(K, cap, &size), PM_E_K_BAD_RIGHTS);
        ST(pm_kh_refine_status(K, PM_E_K_BAD_RIGHTS), PM_E_LINUX_NOEXEC);
        pm_kh_set_requester(K, NULL);
        ST(pm_k_image_size(K, cap, &size), PM_OK);
        ST(pm_k_drop(K, cap), PM_OK);
        assert_int_equal(umount(nx), 0);
    } else {
        print_message("# skip noexec mount: %s\n", strerror(errno));
    }
    rmdir(nx);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_mode),
        cmocka_unit_test(test_setid_ids),
        cmocka_unit_test_setup_teardown(test_setid_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_requester, setup, teardown),
        cmocka_unit_test_setup_teardown(test_true_false, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_large_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_proc_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspended_then_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_before_and_after_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_and_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_linger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auxcheck_all_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memfd_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_construction_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rlimit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool_fills_and_is_used, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_pool_refill_at_host_idle, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_pool_refilled_under_long_lived, pool_setup,
                                        pool_teardown),
        cmocka_unit_test_setup_teardown(test_pool_dead_stub_skipped, pool_setup, pool_teardown),
        cmocka_unit_test_setup_teardown(test_pool_disabled, pool_setup, pool_teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
