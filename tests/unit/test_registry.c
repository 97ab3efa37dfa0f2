/* Process registry: handles carry slot, generation and rights; stale, forged
 * and under-privileged handles are each refused with their own code. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/registry.h"

static pm_registry reg;

static int setup(void **state)
{
    (void)state;
    pm_reg_init(&reg);
    return 0;
}

static uint64_t alloc_ok(uint64_t parent, uint64_t job, uint32_t rights, uint32_t *idx)
{
    uint64_t h = 0;
    assert_int_equal(pm_reg_alloc(&reg, parent, job, (const uint8_t *)"p", 1,
                                  rights, &h, idx), PM_OK);
    return h;
}

static void test_alloc_lookup(void **state)
{
    (void)state;
    uint32_t idx, got = 99;
    uint64_t h = alloc_ok(0, 7, PM_RIGHTS_ALL, &idx);
    assert_int_equal(idx, 0);
    assert_int_equal(reg.slot[idx].state, PM_PROC_CREATED);
    assert_int_equal(reg.slot[idx].pid, 1);
    assert_int_equal(reg.slot[idx].job, 7);
    assert_memory_equal(reg.slot[idx].name, "p", 1);
    assert_int_equal(reg.live, 1);
    assert_int_equal(pm_reg_lookup(&reg, h, PM_RIGHT_QUERY | PM_RIGHT_KILL, &got), PM_OK);
    assert_int_equal(got, idx);
    assert_int_equal(h, pm_handle_make(idx, reg.slot[idx].gen, PM_RIGHTS_ALL));
}

static void test_refusal_codes(void **state)
{
    (void)state;
    uint32_t idx, got;
    uint64_t h = alloc_ok(0, 0, PM_RIGHT_QUERY, &idx);
    uint32_t gen = reg.slot[idx].gen;

    /* Under-privileged. */
    assert_int_equal(pm_reg_lookup(&reg, h, PM_RIGHT_KILL, &got), PM_E_RIGHTS);
    /* Forged: slot out of range, generation 0, unknown rights bit. */
    assert_int_equal(pm_reg_lookup(&reg, pm_handle_make(PM_REG_CAPACITY - 1, gen, 1) + 1,
                                   0, &got), PM_E_BAD_HANDLE);
    assert_int_equal(pm_reg_lookup(&reg, pm_handle_make(idx, 0, 1), 0, &got),
                     PM_E_BAD_HANDLE);
    assert_int_equal(pm_reg_lookup(&reg, h | (1ull << 63), 0, &got), PM_E_BAD_HANDLE);
    assert_int_equal(pm_reg_lookup(&reg, 0, 0, &got), PM_E_BAD_HANDLE);
    /* Wrong generation, free slot. */
    assert_int_equal(pm_reg_lookup(&reg, pm_handle_make(idx, gen + 1, 1), 0, &got),
                     PM_E_STALE_HANDLE);
    assert_int_equal(pm_reg_lookup(&reg, pm_handle_make(idx + 1, 1, 1), 0, &got),
                     PM_E_STALE_HANDLE);
}

static void test_free_makes_stale_forever(void **state)
{
    (void)state;
    uint32_t idx, idx2, got;
    uint64_t h = alloc_ok(0, 0, PM_RIGHTS_ALL, &idx);
    uint32_t gen = reg.slot[idx].gen;
    pm_reg_free(&reg, idx);
    assert_int_equal(reg.slot[idx].gen, gen + 1);
    assert_int_equal(reg.live, 0);
    assert_int_equal(pm_reg_lookup(&reg, h, 0, &got), PM_E_STALE_HANDLE);
    /* The slot is reused with a new generation and a new pid; the old
     * handle stays stale. */
    uint64_t h2 = alloc_ok(0, 0, PM_RIGHTS_ALL, &idx2);
    assert_int_equal(idx2, idx);
    assert_int_not_equal(h2, h);
    assert_int_equal(reg.slot[idx2].pid, 2);
    assert_int_equal(pm_reg_lookup(&reg, h, 0, &got), PM_E_STALE_HANDLE);
    assert_int_equal(pm_reg_lookup(&reg, h2, 0, &got), PM_OK);
}

static void test_generation_exhaustion_retires(void **state)
{
    (void)state;
    uint32_t idx, got;
    uint64_t h = alloc_ok(0, 0, PM_RIGHTS_ALL, &idx);
    (void)h;
    reg.slot[idx].gen = PM_GEN_MAX;
    uint64_t last = pm_handle_make(idx, PM_GEN_MAX, PM_RIGHTS_ALL);
    assert_int_equal(pm_reg_lookup(&reg, last, 0, &got), PM_OK);
    pm_reg_free(&reg, idx);
    assert_int_equal(reg.slot[idx].state, PM_PROC_RETIRED);
    assert_int_equal(pm_reg_lookup(&reg, last, 0, &got), PM_E_STALE_HANDLE);
    uint32_t idx2;
    alloc_ok(0, 0, 1, &idx2);
    assert_int_not_equal(idx2, idx);
}

static void test_full(void **state)
{
    (void)state;
    uint32_t idx;
    uint64_t h;
    for (uint32_t i = 0; i < PM_REG_CAPACITY; i++)
        alloc_ok(0, 0, 1, &idx);
    assert_int_equal(pm_reg_alloc(&reg, 0, 0, NULL, 0, 1, &h, &idx), PM_E_REGISTRY_FULL);
    pm_reg_free(&reg, 17);
    assert_int_equal(pm_reg_alloc(&reg, 0, 0, NULL, 0, 1, &h, &idx), PM_OK);
    assert_int_equal(idx, 17);
    assert_int_equal(pm_reg_alloc(&reg, 0, 0, NULL, 0, 1u << 12, &h, &idx), PM_E_RIGHTS);
}

static void test_duplicate(void **state)
{
    (void)state;
    uint32_t idx, got;
    uint64_t h = alloc_ok(0, 0, PM_RIGHT_QUERY | PM_RIGHT_DUPLICATE | PM_RIGHT_WAIT, &idx);
    uint64_t d = 0;
    assert_int_equal(pm_reg_duplicate(&reg, h, PM_RIGHT_QUERY, &d), PM_OK);
    assert_int_equal(pm_reg_lookup(&reg, d, PM_RIGHT_QUERY, &got), PM_OK);
    assert_int_equal(pm_reg_lookup(&reg, d, PM_RIGHT_WAIT, &got), PM_E_RIGHTS);
    /* No escalation; the copy without DUPLICATE cannot be duplicated. */
    assert_int_equal(pm_reg_duplicate(&reg, h, PM_RIGHT_KILL, &d), PM_E_RIGHTS);
    uint64_t q = 0;
    assert_int_equal(pm_reg_duplicate(&reg, pm_handle_make(idx, reg.slot[idx].gen,
                                      PM_RIGHT_QUERY), PM_RIGHT_QUERY, &q), PM_E_RIGHTS);
    pm_reg_free(&reg, idx);
    assert_int_equal(pm_reg_duplicate(&reg, h, PM_RIGHT_QUERY, &d), PM_E_STALE_HANDLE);
}

static void test_list_filter_paging(void **state)
{
    (void)state;
    uint32_t idx, n, next;
    uint64_t out[4];
    /* pids 1..10; odd pids in job 5; children of pid 1: pids 2..4. */
    for (uint64_t p = 1; p <= 10; p++)
        alloc_ok(p >= 2 && p <= 4 ? 1 : 0, p % 2 ? 5 : 6, 1, &idx);
    pm_reg_free(&reg, 2);   /* pid 3 gone */

    uint64_t all[16];
    uint32_t total = 0, cursor = 0;
    do {
        assert_int_equal(pm_reg_list(&reg, PM_REG_FILTER_ALL, 0, cursor, out, 4,
                                     &n, &next), PM_OK);
        for (uint32_t i = 0; i < n; i++)
            all[total++] = out[i];
        assert_true(next >= cursor);
        cursor = next;
    } while (cursor < PM_REG_CAPACITY);
    assert_int_equal(total, 9);
    assert_int_equal(all[0], 1);
    assert_int_equal(all[2], 4);

    assert_int_equal(pm_reg_list(&reg, PM_REG_FILTER_JOB, 5, 0, out, 4, &n, &next), PM_OK);
    assert_int_equal(n, 4);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 5);
    assert_int_equal(out[3], 9);
    assert_int_equal(pm_reg_list(&reg, PM_REG_FILTER_PARENT, 1, 0, out, 4, &n, &next), PM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 4);
    assert_int_equal(next, PM_REG_CAPACITY);
    assert_int_equal(pm_reg_list(&reg, PM_REG_FILTER_ALL, 0, PM_REG_CAPACITY + 1, out, 4,
                                 &n, &next), PM_E_LIST_CURSOR);
    assert_int_equal(pm_reg_list(&reg, 9, 0, 0, out, 4, &n, &next), PM_E_LIST_CURSOR);

    assert_int_equal(pm_reg_find_pid(&reg, 5, &idx), PM_OK);
    assert_int_equal(reg.slot[idx].pid, 5);
    assert_int_equal(pm_reg_find_pid(&reg, 3, &idx), PM_E_NO_SUCH_PROCESS);
    assert_int_equal(pm_reg_find_pid(&reg, 0, &idx), PM_E_NO_SUCH_PROCESS);
}

static void test_caps(void **state)
{
    (void)state;
    uint32_t idx;
    alloc_ok(0, 0, 1, &idx);
    for (uint32_t i = 0; i < PM_REG_EXTRA_CAPS; i++) {
        pm_kcap c = { i, 1 };
        assert_int_equal(pm_reg_add_cap(&reg, idx, c), PM_OK);
    }
    pm_kcap c = { 99, 1 };
    assert_int_equal(pm_reg_add_cap(&reg, idx, c), PM_E_RECORD_FULL);
    assert_int_equal(reg.slot[idx].nextra, PM_REG_EXTRA_CAPS);
    pm_reg_free(&reg, idx);
    assert_int_equal(reg.slot[idx].nextra, 0);
    /* Freeing a free slot changes nothing. */
    uint32_t gen = reg.slot[idx].gen;
    pm_reg_free(&reg, idx);
    assert_int_equal(reg.slot[idx].gen, gen);
    assert_int_equal(reg.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_alloc_lookup, setup),
        cmocka_unit_test_setup(test_refusal_codes, setup),
        cmocka_unit_test_setup(test_free_makes_stale_forever, setup),
        cmocka_unit_test_setup(test_generation_exhaustion_retires, setup),
        cmocka_unit_test_setup(test_full, setup),
        cmocka_unit_test_setup(test_duplicate, setup),
        cmocka_unit_test_setup(test_list_filter_paging, setup),
        cmocka_unit_test_setup(test_caps, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
