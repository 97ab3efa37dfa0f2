/* Launch builder: bounded accumulation, atomic refusals, reset, and the
 * argv/envp views feeding the stack image builder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/builder.h"

static pm_builder b, snap;

static int setup(void **state)
{
    (void)state;
    memset(&b, 0x5A, sizeof b);   /* reset must not depend on prior contents */
    pm_builder_reset(&b);
    return 0;
}

#define S(x) (const uint8_t *)(x), (uint32_t)(sizeof(x) - 1)

static const pm_kcap exe = { 3, 1 }, job = { 4, 1 }, dir = { 5, 2 };

static void test_accumulate_and_views(void **state)
{
    (void)state;
    assert_int_equal(b.state, PM_BUILDER_EMPTY);
    assert_int_equal(pm_builder_ready(&b), PM_E_BUILDER_STATE);
    assert_int_equal(pm_builder_add_arg(&b, S("prog")), PM_OK);
    assert_int_equal(b.state, PM_BUILDER_ACCUMULATING);
    assert_int_equal(pm_builder_add_arg(&b, S("")), PM_OK);
    assert_int_equal(pm_builder_add_arg(&b, S("-x")), PM_OK);
    assert_int_equal(pm_builder_add_env(&b, S("A=1")), PM_OK);
    assert_int_equal(pm_builder_add_name(&b, S("/svc"), dir), PM_OK);
    assert_int_equal(pm_builder_add_handle(&b, dir, 0x11), PM_OK);
    assert_int_equal(pm_builder_ready(&b), PM_E_BUILDER_STATE);
    assert_int_equal(pm_builder_set_info(&b, exe, job, S("prog"), 0), PM_OK);
    assert_int_equal(pm_builder_ready(&b), PM_OK);

    pm_strvec v;
    pm_builder_argv(&b, &v);
    assert_int_equal(v.count, 3);
    assert_int_equal(v.items[0].len, 4);
    assert_memory_equal(v.pool + v.items[0].off, "prog", 4);
    assert_int_equal(v.items[1].len, 0);
    assert_memory_equal(v.pool + v.items[2].off, "-x", 2);
    pm_builder_envp(&b, &v);
    assert_int_equal(v.count, 1);
    assert_memory_equal(v.pool + v.items[0].off, "A=1", 3);
    assert_int_equal(b.names.n, 1);
    assert_memory_equal(b.name_pool + b.name_span[0].off, "/svc", 4);
    assert_int_equal(b.name_dir[0].idx, 5);
    assert_int_equal(b.handle_id[0], 0x11);

    /* The views are what the stack builder consumes. */
    static uint8_t buf[4096];
    static const uint8_t rnd[16];
    pm_stack_in in;
    memset(&in, 0, sizeof in);
    pm_builder_argv(&b, &in.argv);
    pm_builder_envp(&b, &in.envp);
    in.random = rnd;
    in.execfn = (const uint8_t *)"prog";
    in.execfn_len = 4;
    in.stack_top = 0x7fff0000;
    pm_stack_out out;
    assert_int_equal(pm_stack_build(&in, buf, sizeof buf, &out), PM_OK);

    pm_builder_reset(&b);
    assert_int_equal(b.state, PM_BUILDER_EMPTY);
    assert_int_equal(b.args.n, 0);
    assert_int_equal(b.nhandles, 0);
    assert_int_equal(pm_builder_ready(&b), PM_E_BUILDER_STATE);
}

/* A refusal leaves every byte of the builder as it was. */
#define REFUSED(call, code) do { \
        memcpy(&snap, &b, sizeof b); \
        assert_int_equal((call), (code)); \
        assert_memory_equal(&snap, &b, sizeof b); \
    } while (0)

static void test_refusals_atomic(void **state)
{
    (void)state;
    assert_int_equal(pm_builder_add_arg(&b, S("first")), PM_OK);
    REFUSED(pm_builder_add_arg(&b, S("a\0b")), PM_E_BUILDER_STRING);
    REFUSED(pm_builder_add_env(&b, S("A=\0")), PM_E_BUILDER_STRING);
    REFUSED(pm_builder_add_name(&b, S("rel/path"), dir), PM_E_BUILDER_PATH);
    REFUSED(pm_builder_add_name(&b, (const uint8_t *)"", 0, dir), PM_E_BUILDER_PATH);
    REFUSED(pm_builder_add_name(&b, S("/a\0"), dir), PM_E_BUILDER_STRING);
    pm_kcap null = { 0, 0 };
    REFUSED(pm_builder_set_info(&b, null, job, S("x"), 0), PM_E_BUILDER_STATE);
    REFUSED(pm_builder_set_info(&b, exe, job,
                                S("0123456789012345678901234567890123"), 0), PM_E_BUILDER_LIMIT);
    REFUSED(pm_builder_set_info(&b, exe, job, S("x\0y"), 0), PM_E_BUILDER_STRING);
}

static void test_count_and_byte_bounds(void **state)
{
    (void)state;
    static uint8_t big[PM_BUILDER_ARG_BYTES + 1];
    memset(big, 'x', sizeof big);
    REFUSED(pm_builder_add_arg(&b, big, PM_BUILDER_ARG_BYTES + 1), PM_E_BUILDER_LIMIT);
    assert_int_equal(pm_builder_add_arg(&b, big, PM_BUILDER_ARG_BYTES - 1), PM_OK);
    REFUSED(pm_builder_add_arg(&b, big, 2), PM_E_BUILDER_LIMIT);
    assert_int_equal(pm_builder_add_arg(&b, big, 1), PM_OK);
    REFUSED(pm_builder_add_arg(&b, big, 1), PM_E_BUILDER_LIMIT);
    assert_int_equal(pm_builder_add_arg(&b, big, 0), PM_OK);   /* "" costs no byte */

    pm_builder_reset(&b);
    for (uint32_t i = 0; i < PM_BUILDER_MAX_ENVS; i++)
        assert_int_equal(pm_builder_add_env(&b, S("E=1")), PM_OK);
    REFUSED(pm_builder_add_env(&b, S("E=1")), PM_E_BUILDER_LIMIT);
    for (uint32_t i = 0; i < PM_BUILDER_MAX_HANDLES; i++)
        assert_int_equal(pm_builder_add_handle(&b, dir, i), PM_OK);
    REFUSED(pm_builder_add_handle(&b, dir, 0), PM_E_BUILDER_LIMIT);
    for (uint32_t i = 0; i < PM_BUILDER_MAX_NAMES; i++)
        assert_int_equal(pm_builder_add_name(&b, S("/n"), dir), PM_OK);
    REFUSED(pm_builder_add_name(&b, S("/n"), dir), PM_E_BUILDER_LIMIT);
}

/* The exec filename (AT_EXECFN, issue 15): separate from the process
 * name, up to PATH_MAX - 1 bytes; without it the name is used. */
static void test_execfn(void **state)
{
    (void)state;
    static uint8_t path[PM_BUILDER_EXECFN_MAX + 1];
    /* default: set_info's name */
    assert_int_equal(b.has_execfn, 0);
    assert_int_equal(b.execfn_len, 0);
    assert_int_equal(pm_builder_set_info(&b, exe, job, S("prog"), 0), PM_OK);
    assert_int_equal(b.has_execfn, 0);
    assert_int_equal(b.execfn_len, 4);
    assert_memory_equal(b.execfn, "prog", 4);
    /* given: kept whatever set_info says after it */
    memset(path, 'a', sizeof path);
    path[0] = '/';
    assert_int_equal(pm_builder_set_execfn(&b, path, PM_BUILDER_EXECFN_MAX), PM_OK);
    assert_int_equal(b.has_execfn, 1);
    assert_int_equal(b.execfn_len, PM_BUILDER_EXECFN_MAX);
    assert_memory_equal(b.execfn, path, PM_BUILDER_EXECFN_MAX);
    assert_int_equal(pm_builder_set_info(&b, exe, job, S("other"), 0), PM_OK);
    assert_int_equal(b.name_len, 5);
    assert_int_equal(b.execfn_len, PM_BUILDER_EXECFN_MAX);
    assert_memory_equal(b.execfn, path, PM_BUILDER_EXECFN_MAX);
    /* replaced */
    assert_int_equal(pm_builder_set_execfn(&b, S("/usr/local/libexec/a/long/path/prog")), PM_OK);
    assert_int_equal(b.execfn_len, 35);
    assert_memory_equal(b.execfn, "/usr/local/libexec/a/long/path/prog", 35);
    /* hostile: too long, empty, NUL inside: refused, builder unchanged */
    memcpy(&snap, &b, sizeof b);
    assert_int_equal(pm_builder_set_execfn(&b, path, PM_BUILDER_EXECFN_MAX + 1),
                     PM_E_BUILDER_LIMIT);
    assert_int_equal(pm_builder_set_execfn(&b, path, UINT32_MAX), PM_E_BUILDER_LIMIT);
    assert_int_equal(pm_builder_set_execfn(&b, S("")), PM_E_BUILDER_STRING);
    assert_int_equal(pm_builder_set_execfn(&b, S("/bin/a\0b")), PM_E_BUILDER_STRING);
    assert_memory_equal(&b, &snap, sizeof b);
    /* reset forgets it: the name is the default again */
    pm_builder_reset(&b);
    assert_int_equal(b.has_execfn, 0);
    assert_int_equal(b.execfn_len, 0);
    assert_int_equal(pm_builder_set_execfn(&b, S("./prog")), PM_OK);
    assert_int_equal(b.state, PM_BUILDER_ACCUMULATING);
    assert_int_equal(pm_builder_ready(&b), PM_E_BUILDER_STATE);
}

static void test_mark_rollback(void **state)
{
    (void)state;
    pm_builder_mark m;
    assert_int_equal(pm_builder_add_arg(&b, S("keep")), PM_OK);
    pm_builder_mark_take(&b, &m);
    assert_int_equal(pm_builder_add_arg(&b, S("drop1")), PM_OK);
    assert_int_equal(pm_builder_add_env(&b, S("D=1")), PM_OK);
    assert_int_equal(pm_builder_add_handle(&b, dir, 1), PM_OK);
    assert_int_equal(pm_builder_rollback(&b, &m), PM_OK);
    assert_int_equal(b.args.n, 1);
    assert_int_equal(b.args.used, 4);
    assert_int_equal(b.envs.n, 0);
    assert_int_equal(b.nhandles, 0);
    assert_int_equal(pm_builder_add_arg(&b, S("next")), PM_OK);
    assert_memory_equal(b.arg_pool + b.arg_span[1].off, "next", 4);

    /* Rolling back to a mark taken on an empty builder empties it. */
    pm_builder_reset(&b);
    pm_builder_mark_take(&b, &m);
    assert_int_equal(pm_builder_add_arg(&b, S("x")), PM_OK);
    assert_int_equal(pm_builder_rollback(&b, &m), PM_OK);
    assert_int_equal(b.state, PM_BUILDER_EMPTY);

    /* A mark from before a reset is not below the counts: refused. */
    assert_int_equal(pm_builder_add_arg(&b, S("a")), PM_OK);
    assert_int_equal(pm_builder_add_arg(&b, S("b")), PM_OK);
    pm_builder_mark_take(&b, &m);
    pm_builder_reset(&b);
    REFUSED(pm_builder_rollback(&b, &m), PM_E_BUILDER_STATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_accumulate_and_views, setup),
        cmocka_unit_test_setup(test_refusals_atomic, setup),
        cmocka_unit_test_setup(test_count_and_byte_bounds, setup),
        cmocka_unit_test_setup(test_mark_rollback, setup),
        cmocka_unit_test_setup(test_execfn, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
