/* Linux loader, parent side: every refusal names its reason, nothing is
 * left behind on failure, and the child lifecycle (run, suspend, start,
 * kill, wait) works on a real program (/bin/true, /bin/sh). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "procmgr/linux_spawn.h"
#include "procmgr/status.h"

static char *const true_argv[] = { "/bin/true", NULL };
static char *const false_argv[] = { "/bin/false", NULL };
static char *const no_env[] = { NULL };

static void req_init(pm_linux_spawn_req *r, int fd, char *const *argv)
{
    memset(r, 0, sizeof *r);
    r->image_fd = fd;
    r->argv = argv;
    r->envp = no_env;
}

/* Spawn and expect refusal `want`; the child slot must come back empty. */
static void expect_refused(const pm_linux_spawn_req *r, pm_status want)
{
    pm_linux_child c;
    pm_linux_error e;

    assert_int_equal(pm_linux_spawn(r, &c, &e), want);
    assert_int_equal(c.pid, 0);
    assert_int_equal(c.pidfd, -1);
    assert_int_equal(c.ctl, -1);
}

static int open_ro(const char *p)
{
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

static void test_bad_args(void **state)
{
    pm_linux_spawn_req r;
    pm_linux_handle dup[2] = { { 1, 5 }, { 2, 5 } };
    pm_linux_handle high[1] = { { 1, PM_LINUX_FD_LIMIT } };
    static char *const empty_argv[] = { NULL };
    static char long_fn[5000];
    int fd = open_ro("/bin/true");

    (void)state;
    req_init(&r, fd, empty_argv);
    expect_refused(&r, PM_E_LINUX_ARGS);
    req_init(&r, fd, true_argv);
    r.handles = dup;
    r.nhandles = 2;
    expect_refused(&r, PM_E_LINUX_ARGS);
    r.handles = high;
    r.nhandles = 1;
    expect_refused(&r, PM_E_LINUX_ARGS);
    r.handles = NULL;
    r.nhandles = 0;
    memset(long_fn, 'a', sizeof long_fn - 1);
    r.execfn = long_fn;
    expect_refused(&r, PM_E_LINUX_ARGS);
    close(fd);
}

static void test_not_regular(void **state)
{
    pm_linux_spawn_req r;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    req_init(&r, p[0], true_argv);
    expect_refused(&r, PM_E_LINUX_NOT_REGULAR);
    close(p[0]);
    close(p[1]);
    r.image_fd = open_ro("/");
    expect_refused(&r, PM_E_LINUX_NOT_REGULAR);
    close(r.image_fd);
}

static void test_not_elf(void **state)
{
    pm_linux_spawn_req r;
    int m = memfd_create("not-elf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    char text[256];

    (void)state;
    assert_true(m >= 0);
    memset(text, '#', sizeof text);      /* long enough for a header: not ELF */
    assert_int_equal(write(m, text, sizeof text), (ssize_t)sizeof text);
    req_init(&r, m, true_argv);
    expect_refused(&r, PM_E_LINUX_MEMFD_UNSEALED);
    assert_int_equal(fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), 0);
    expect_refused(&r, PM_E_ELF_MAGIC);
    close(m);
}

static void test_interp_allowlist(void **state)
{
    static const char *const only_other[] = { "/nonexistent/ld.so", NULL };
    pm_linux_spawn_req r;
    int fd = open_ro("/bin/true");   /* dynamic: PT_INTERP is the system ld.so */

    (void)state;
    req_init(&r, fd, true_argv);
    r.interp_allow = only_other;
    expect_refused(&r, PM_E_LINUX_INTERP_NOT_ALLOWED);
    close(fd);
}

static void run_expect(const char *path, char *const *argv, int code)
{
    pm_linux_spawn_req r;
    pm_linux_child c;
    int ws = -1, fd = open_ro(path);

    req_init(&r, fd, argv);
    assert_int_equal(pm_linux_spawn(&r, &c, NULL), PM_OK);
    close(fd);
    assert_true(c.pid > 0);
    assert_int_equal(c.state, PM_LINUX_CHILD_RUNNING);
    assert_int_equal(pm_linux_start(&c), PM_E_LINUX_STATE);
    assert_int_equal(pm_linux_wait(&c, &ws), PM_OK);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), code);
    pm_linux_child_release(&c);
}

static void test_run(void **state)
{
    (void)state;
    run_expect("/bin/true", true_argv, 0);
    run_expect("/bin/false", false_argv, 1);
}

static void test_suspend_start(void **state)
{
    static char *const sh_argv[] = { "sh", "-c", "exit 42", NULL };
    pm_linux_spawn_req r;
    pm_linux_child c;
    int ws = -1, fd = open_ro("/bin/sh");

    (void)state;
    req_init(&r, fd, sh_argv);
    r.flags = PM_LINUX_SPAWN_SUSPENDED;
    assert_int_equal(pm_linux_spawn(&r, &c, NULL), PM_OK);
    close(fd);
    assert_int_equal(c.state, PM_LINUX_CHILD_BUILT);
    assert_true(c.ctl >= 0);
    assert_int_equal(pm_linux_start(&c), PM_OK);
    assert_int_equal(c.ctl, -1);
    assert_int_equal(pm_linux_wait(&c, &ws), PM_OK);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 42);
    pm_linux_child_release(&c);
}

static void test_suspend_kill(void **state)
{
    pm_linux_spawn_req r;
    pm_linux_child c;
    int ws = -1, fd = open_ro("/bin/true");

    (void)state;
    req_init(&r, fd, true_argv);
    r.flags = PM_LINUX_SPAWN_SUSPENDED;
    assert_int_equal(pm_linux_spawn(&r, &c, NULL), PM_OK);
    close(fd);
    assert_int_equal(pm_linux_kill(&c), PM_OK);
    assert_int_equal(pm_linux_wait(&c, &ws), PM_OK);
    assert_true(WIFSIGNALED(ws));
    assert_int_equal(WTERMSIG(ws), SIGKILL);
    pm_linux_child_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_not_regular),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_interp_allowlist),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_suspend_start),
        cmocka_unit_test(test_suspend_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
