/* The `#!` line parser (spec/scripts.md): Linux's binfmt_script semantics
 * where they are safe, the stricter refusals where they are not, and the
 * postcondition (pm_script_wf) re-checked on every accepted line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/script.h"

static uint8_t buf[PM_SCRIPT_LINE_MAX * 2];
static pm_script sc;

/* Parse s (n bytes, NULs allowed) and check the contract's postcondition. */
static pm_status parse_n(const char *s, size_t n)
{
    assert_true(n <= sizeof buf);
    memcpy(buf, s, n);
    memset(&sc, 0xA5, sizeof sc);
    pm_status st = pm_script_parse(buf, n, &sc);
    if (st == PM_OK && sc.is_script) {
        assert_true(sc.interp_off >= 2 && sc.interp_len >= 1);
        assert_true(sc.interp_off + sc.interp_len <= n);
        assert_true(sc.interp_off + sc.interp_len <= PM_SCRIPT_LINE_MAX);
        assert_int_equal(buf[sc.interp_off], '/');
        for (uint32_t k = 0; k < sc.interp_len; k++) {
            uint8_t c = buf[sc.interp_off + k];
            assert_true(c != 0 && c != ' ' && c != '\t' && c != '\n');
        }
        if (sc.arg_len == 0) {
            assert_int_equal(sc.arg_off, 0);
        } else {
            assert_true(sc.arg_off > sc.interp_off + sc.interp_len);
            assert_true(sc.arg_off + sc.arg_len <= n);
            assert_true(buf[sc.arg_off] != ' ' && buf[sc.arg_off] != '\t');
            uint8_t last = buf[sc.arg_off + sc.arg_len - 1];
            assert_true(last != ' ' && last != '\t');
            for (uint32_t k = 0; k < sc.arg_len; k++)
                assert_true(buf[sc.arg_off + k] != 0 && buf[sc.arg_off + k] != '\n');
        }
    } else {
        assert_int_equal(sc.interp_off, 0);
        assert_int_equal(sc.interp_len, 0);
        assert_int_equal(sc.arg_off, 0);
        assert_int_equal(sc.arg_len, 0);
    }
    return st;
}

static pm_status parse(const char *s) { return parse_n(s, strlen(s)); }

static void expect_interp(const char *path, const char *arg)
{
    assert_int_equal(sc.is_script, 1);
    assert_int_equal(sc.interp_len, strlen(path));
    assert_memory_equal(buf + sc.interp_off, path, strlen(path));
    if (arg == NULL) {
        assert_int_equal(sc.arg_len, 0);
    } else {
        assert_int_equal(sc.arg_len, strlen(arg));
        assert_memory_equal(buf + sc.arg_off, arg, strlen(arg));
    }
}

static void test_not_a_script(void **state)
{
    (void)state;
    assert_int_equal(parse(""), PM_OK);
    assert_int_equal(sc.is_script, 0);
    assert_int_equal(parse("#"), PM_OK);
    assert_int_equal(sc.is_script, 0);
    assert_int_equal(parse("\177ELF\2\1\1"), PM_OK);
    assert_int_equal(sc.is_script, 0);
    assert_int_equal(parse("!#/bin/sh\n"), PM_OK);
    assert_int_equal(sc.is_script, 0);
    assert_int_equal(parse(" #!/bin/sh\n"), PM_OK);
    assert_int_equal(sc.is_script, 0);
}

static void test_plain(void **state)
{
    (void)state;
    assert_int_equal(parse("#!/bin/sh\necho hi\n"), PM_OK);
    expect_interp("/bin/sh", NULL);
    assert_int_equal(sc.interp_off, 2);
    /* blanks before the name and after the line are skipped */
    assert_int_equal(parse("#! \t /bin/sh \t \nx"), PM_OK);
    expect_interp("/bin/sh", NULL);
    /* a file that ends without a newline ends the line (short file) */
    assert_int_equal(parse("#!/bin/sh"), PM_OK);
    expect_interp("/bin/sh", NULL);
    assert_int_equal(parse("#!/"), PM_OK);
    expect_interp("/", NULL);
}

static void test_one_argument(void **state)
{
    (void)state;
    assert_int_equal(parse("#!/bin/sh -e\n"), PM_OK);
    expect_interp("/bin/sh", "-e");
    /* the rest of the line, trimmed, is ONE argument, blanks and all */
    assert_int_equal(parse("#!/usr/bin/env  python3 -u  -O \t\n"), PM_OK);
    expect_interp("/usr/bin/env", "python3 -u  -O");
    assert_int_equal(parse("#!/bin/sh\t-x"), PM_OK);
    expect_interp("/bin/sh", "-x");
    /* a carriage return is an ordinary byte (Linux: the same) */
    assert_int_equal(parse("#!/bin/sh\r\n"), PM_OK);
    expect_interp("/bin/sh\r", NULL);
}

static void test_interp_refused(void **state)
{
    (void)state;
    assert_int_equal(parse("#!\n"), PM_E_SCRIPT_INTERP);
    assert_int_equal(sc.is_script, 1);
    assert_int_equal(parse("#!"), PM_E_SCRIPT_INTERP);
    assert_int_equal(parse("#!  \t \n/bin/sh\n"), PM_E_SCRIPT_INTERP);
    assert_int_equal(parse("#!sh\n"), PM_E_SCRIPT_INTERP);
    assert_int_equal(parse("#! bin/sh -e\n"), PM_E_SCRIPT_INTERP);
    assert_int_equal(parse("#!./x\n"), PM_E_SCRIPT_INTERP);
}

static void test_nul_refused(void **state)
{
    (void)state;
    assert_int_equal(parse_n("#!/bin/sh\0x\n", 12), PM_E_SCRIPT_LINE);
    assert_int_equal(sc.is_script, 1);
    assert_int_equal(parse_n("#!/bin/sh -e\0\n", 14), PM_E_SCRIPT_LINE);
    assert_int_equal(parse_n("#!\0/bin/sh\n", 11), PM_E_SCRIPT_LINE);
    /* a NUL after the line is the file's business */
    assert_int_equal(parse_n("#!/bin/sh\n\0\0", 12), PM_OK);
    expect_interp("/bin/sh", NULL);
}

/* A line of n bytes before its '\n' (n >= 9): "#!/bin/sh" + " " + 'a'...  */
static size_t long_line(size_t n, int newline, size_t total)
{
    memset(buf, 'a', sizeof buf);
    memcpy(buf, "#!/bin/sh ", 10);
    if (newline)
        buf[n] = '\n';
    return total;
}

static void test_line_limit(void **state)
{
    (void)state;
    char tmp[sizeof buf];
    /* '\n' at index 255: the last place inside the limit */
    size_t total = long_line(255, 1, 300);
    memcpy(tmp, buf, total);
    assert_int_equal(parse_n(tmp, total), PM_OK);
    assert_int_equal(sc.arg_off + sc.arg_len, 255);
    /* '\n' at index 256: the line is cut by the limit: refused, where Linux
     * would run it with a truncated argument */
    total = long_line(256, 1, 300);
    memcpy(tmp, buf, total);
    assert_int_equal(parse_n(tmp, total), PM_E_SCRIPT_LINE);
    /* no newline and exactly 256 bytes: refused too */
    total = long_line(0, 0, 256);
    memcpy(tmp, buf, total);
    assert_int_equal(parse_n(tmp, total), PM_E_SCRIPT_LINE);
    /* no newline, 255 bytes: the whole file, the end ends the line */
    total = long_line(0, 0, 255);
    memcpy(tmp, buf, total);
    assert_int_equal(parse_n(tmp, total), PM_OK);
    assert_int_equal(sc.arg_len, 255 - 10);
    /* an interpreter name cut by the limit (Linux refuses it as well) */
    memset(tmp, 'b', sizeof tmp);
    memcpy(tmp, "#!/", 3);
    assert_int_equal(parse_n(tmp, 400), PM_E_SCRIPT_LINE);
}

static void test_reads_only_the_line(void **state)
{
    (void)state;
    /* A whole header area (longer than the limit): the line ends early,
     * what follows it (NULs here) is the script's body. */
    char tmp[sizeof buf];
    memset(tmp, 0, sizeof tmp);
    memcpy(tmp, "#!/bin/sh -e\n", 13);
    assert_int_equal(parse_n(tmp, sizeof tmp), PM_OK);
    expect_interp("/bin/sh", "-e");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_a_script),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_one_argument),
        cmocka_unit_test(test_interp_refused),
        cmocka_unit_test(test_nul_refused),
        cmocka_unit_test(test_line_limit),
        cmocka_unit_test(test_reads_only_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
