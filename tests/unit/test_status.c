/* Status table: every code has a distinct, stable name and a message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/status.h"

#define CODE_(e, n, name, msg) n,
static const int all_codes[] = { PM_STATUS_ALL(CODE_) };
#undef CODE_

static void test_names_distinct_and_known(void **state)
{
    (void)state;
    size_t n = sizeof all_codes / sizeof all_codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *ni = pm_status_name(all_codes[i]);
        assert_string_not_equal(ni, "UNKNOWN");
        assert_string_not_equal(pm_status_message(all_codes[i]), "unknown status");
        for (size_t j = i + 1; j < n; j++) {
            assert_int_not_equal(all_codes[i], all_codes[j]);
            assert_string_not_equal(ni, pm_status_name(all_codes[j]));
        }
    }
}

static void test_unknown_code(void **state)
{
    (void)state;
    assert_string_equal(pm_status_name(99999), "UNKNOWN");
    assert_string_equal(pm_status_name(-1), "UNKNOWN");
    assert_string_equal(pm_status_message(99999), "unknown status");
    assert_string_equal(pm_status_name(PM_OK), "OK");
    assert_string_equal(pm_status_name(PM_E_ELF_MAGIC), "ELF_MAGIC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_distinct_and_known),
        cmocka_unit_test(test_unknown_code),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
