/*
 * Unit tests of the kernel interface through the sim backend: every
 * operation, every PM_STATUS_KERNEL code (test_every_kernel_code provokes
 * each one by name, so a new code without a scenario fails), failure
 * injection, teardown, and the invariant checker's ability to see
 * corruption.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/kernel.h"
#include "procmgr/sim.h"

#define PG PM_SIM_PAGE_SIZE
#define VA 0x400000u        /* a page-aligned user address */

static struct pm_kernel K;  /* 2+ MiB: static, reset by each test */

/* ---- helpers ------------------------------------------------------------- */

static void expect_status(pm_status got, pm_status want, const char *expr, int line)
{
    if (got != want) {
        print_error("line %d: %s\n  returned %s (%d), expected %s (%d)\n", line, expr,
                    pm_status_name(got), (int)got, pm_status_name(want), (int)want);
        fail();
    }
}
#define ST(expr, want) expect_status((expr), (want), #expr, __LINE__)

static void expect_invariants(int line)
{
    pm_sim_violation v = { NULL, 0 };
    pm_status st = pm_sim_check(&K, &v);
    if (st != PM_OK) {
        print_error("line %d: invariant violated: %s (index %u)\n", line,
                    v.rule ? v.rule : "?", v.index);
        fail();
    }
}
#define INV() expect_invariants(__LINE__)

static void expect_empty(int line)
{
    pm_sim_violation v = { NULL, 0 };
    pm_status st = pm_sim_check_empty(&K, &v);
    if (st != PM_OK) {
        print_error("line %d: not empty: %s (index %u)\n", line,
                    v.rule ? v.rule : "?", v.index);
        fail();
    }
}
#define EMPTY() expect_empty(__LINE__)

static int setup(void **state)
{
    (void)state;
    return pm_sim_init(&K, NULL) == PM_OK ? 0 : -1;
}

static pm_kcap new_as(void)
{
    pm_kcap c;
    ST(pm_k_as_create(&K, &c), PM_OK);
    return c;
}

static pm_kcap new_cspace(uint32_t n)
{
    pm_kcap c;
    ST(pm_k_cspace_create(&K, n, &c), PM_OK);
    return c;
}

static pm_kcap new_thread(uint64_t cookie)
{
    pm_kcap c;
    ST(pm_k_thread_create(&K, cookie, &c), PM_OK);
    return c;
}

static pm_kcap derive(pm_kcap c, uint32_t rights)
{
    pm_kcap d;
    ST(pm_k_cap_derive(&K, c, rights, &d), PM_OK);
    return d;
}

static uint8_t image_bytes[3 * PG + 100];

static pm_kcap new_image(void)
{
    for (size_t i = 0; i < sizeof image_bytes; i++)
        image_bytes[i] = (uint8_t)(i * 7u + 3u);
    pm_kcap c;
    ST(pm_sim_image_create(&K, image_bytes, sizeof image_bytes, &c), PM_OK);
    return c;
}

/* A process ready to start: code page RX at VA, stack RW, IPC buffer RW. */
typedef struct proc {
    pm_kcap as, cs, th;
} proc;

#define CODE_VA  VA
#define STACK_VA (VA + 0x10000u)
#define IPC_VA   (VA + 0x20000u)
#define SP       (STACK_VA + PG - 64u)

static proc build_proc(uint64_t cookie)
{
    proc p;
    p.as = new_as();
    p.cs = new_cspace(8);
    p.th = new_thread(cookie);
    ST(pm_k_as_map_zero(&K, p.as, CODE_VA, PG, PM_PROT_R | PM_PROT_X), PM_OK);
    ST(pm_k_as_map_zero(&K, p.as, STACK_VA, PG, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_as_map_zero(&K, p.as, IPC_VA, PG, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_thread_bind(&K, p.th, p.as, p.cs, IPC_VA), PM_OK);
    return p;
}

static void teardown_proc(proc *p)
{
    ST(pm_k_teardown(&K, p->th, p->cs, p->as), PM_OK);
}

static void snapshot(pm_sim_stats *s)
{
    pm_sim_stats_get(&K, s);
}

/* Resource usage equal (calls and injected counters aside). */
static void assert_same_usage(const pm_sim_stats *a, const pm_sim_stats *b)
{
    assert_int_equal(a->frames_used, b->frames_used);
    assert_int_equal(a->objects, b->objects);
    assert_int_equal(a->handles_live, b->handles_live);
    assert_int_equal(a->handles_tomb, b->handles_tomb);
    assert_int_equal(a->slots_reserved, b->slots_reserved);
    assert_int_equal(a->slots_full, b->slots_full);
    assert_int_equal(a->events, b->events);
}

/* ---- configuration ------------------------------------------------------- */

static void test_init_and_limits(void **state)
{
    (void)state;
    pm_sim_config cfg;
    pm_sim_config_default(&cfg);
    ST(pm_sim_init(&K, &cfg), PM_OK);
    EMPTY();
    pm_k_limits lim;
    pm_k_get_limits(&K, &lim);
    assert_int_equal(lim.page_size, PG);
    assert_int_equal(lim.user_min, cfg.user_min);
    assert_int_equal(lim.user_limit, cfg.user_limit);
    assert_int_equal(lim.max_cspace_slots, PM_SIM_MAX_CSPACE_SLOTS);
    assert_int_equal(lim.max_threads_per_as, 1);

    pm_sim_config bad = cfg;
    bad.frames = PM_SIM_MAX_FRAMES + 1u;
    ST(pm_sim_init(&K, &bad), PM_E_K_RANGE);
    bad = cfg;
    bad.objects[PM_KOBJ_AS] += 1u;          /* sum over the table size */
    ST(pm_sim_init(&K, &bad), PM_E_K_RANGE);
    bad = cfg;
    bad.user_min = 0x10001u;
    ST(pm_sim_init(&K, &bad), PM_E_K_RANGE);
    bad = cfg;
    bad.user_limit = bad.user_min;
    ST(pm_sim_init(&K, &bad), PM_E_K_RANGE);
    bad = cfg;
    bad.max_threads_per_as = 0u;
    ST(pm_sim_init(&K, &bad), PM_E_K_RANGE);
    bad = cfg;
    bad.objects[PM_KOBJ_NONE] = 1u;
    bad.objects[PM_KOBJ_IMAGE] -= 1u;
    ST(pm_sim_init(&K, &bad), PM_E_K_RANGE);
}

/* ---- address spaces -------------------------------------------------------- */

static void test_map_zero_and_read(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    ST(pm_k_as_map_zero(&K, as, VA, 3 * PG, PM_PROT_R | PM_PROT_W), PM_OK);
    INV();
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.frames_used, 3);
    assert_int_equal(s.live[PM_KOBJ_AS], 1);
    uint8_t buf[64];
    memset(buf, 0xee, sizeof buf);
    ST(pm_sim_as_read(&K, as, VA + 2 * PG - 32u, buf, sizeof buf), PM_OK);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    uint32_t prot = 0;
    ST(pm_sim_as_prot(&K, as, VA + PG + 5u, &prot), PM_OK);
    assert_int_equal(prot, PM_PROT_R | PM_PROT_W);
    ST(pm_sim_as_prot(&K, as, VA + 3 * PG, &prot), PM_E_K_NOT_MAPPED);
    ST(pm_sim_as_read(&K, as, VA + 3 * PG - 1u, buf, 2), PM_E_K_NOT_MAPPED);
    /* PROT_NONE is a valid mapping (guard page). */
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, PG, 0u), PM_OK);
    ST(pm_k_destroy(&K, as), PM_OK);
    EMPTY();
}

static void test_map_refusals(void **state)
{
    (void)state;
    pm_k_limits lim;
    pm_k_get_limits(&K, &lim);
    pm_kcap as = new_as();
    ST(pm_k_as_map_zero(&K, as, VA, 2 * PG, PM_PROT_R), PM_OK);
    pm_sim_stats before;
    snapshot(&before);

    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, PG, PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, PG, PM_PROT_R | PM_PROT_W | PM_PROT_X),
       PM_E_K_WX);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, PG, 8u), PM_E_K_ARG);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG + 1u, PG, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, PG + 1u, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, 0u, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_zero(&K, as, lim.user_min - PG, PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_zero(&K, as, lim.user_limit, PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_zero(&K, as, lim.user_limit - PG, 2 * PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_zero(&K, as, lim.user_limit - PG, UINT64_MAX & ~(uint64_t)(PG - 1u),
                        PM_PROT_R), PM_E_K_RANGE);
    /* Overlap: exact, partial from below, partial from above, enclosing. */
    ST(pm_k_as_map_zero(&K, as, VA, PG, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_zero(&K, as, VA - PG, 2 * PG, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_zero(&K, as, VA + PG, 2 * PG, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_zero(&K, as, VA - PG, 8 * PG, PM_PROT_R), PM_E_K_OVERLAP);
    /* 2 frames used: 510 more fit the budget of 512, 511 do not. */
    ST(pm_k_as_map_zero(&K, as, VA + 16 * PG, (PM_SIM_MAX_FRAMES - 1u) * PG, PM_PROT_R),
       PM_E_K_NO_MEMORY);
    /* Huge ranges are refused without iterating over them. */
    ST(pm_k_as_map_zero(&K, as, VA + 16 * PG, 1ull << 40, PM_PROT_R), PM_E_K_NO_MEMORY);
    pm_kcap cs = new_cspace(1);
    ST(pm_k_as_map_zero(&K, cs, VA + 4 * PG, PG, PM_PROT_R), PM_E_K_TYPE);
    ST(pm_k_as_map_zero(&K, PM_KCAP_NULL, VA + 4 * PG, PG, PM_PROT_R), PM_E_K_BAD_CAP);
    pm_kcap ro = derive(as, PM_KR_READ | PM_KR_GRANT);
    ST(pm_k_as_map_zero(&K, ro, VA + 4 * PG, PG, PM_PROT_R), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, ro), PM_OK);
    ST(pm_k_destroy(&K, cs), PM_OK);

    pm_sim_stats after;
    snapshot(&after);
    assert_same_usage(&before, &after);    /* refusals change nothing */
    INV();
    /* Exactly the remaining budget fits. */
    ST(pm_k_as_map_zero(&K, as, VA + 16 * PG, (PM_SIM_MAX_FRAMES - 2u) * PG, PM_PROT_R),
       PM_OK);
    ST(pm_k_as_map_zero(&K, as, VA + 8 * PG, PG, PM_PROT_R), PM_E_K_NO_MEMORY);
    INV();
    ST(pm_k_destroy(&K, as), PM_OK);
    EMPTY();
}

/* Defence in depth: the backend itself refuses a bad construction call,
 * whatever a core sent (each with its reason code), and the AS stays
 * usable and destroyable. */
static void test_construction_refusals(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    pm_kcap img = new_image();
    ST(pm_k_as_map_zero(&K, as, VA, 2 * PG, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG, PG, PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_map_image(&K, as, img, 0, PG, VA + 4 * PG,
                         PM_PROT_R | PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_protect(&K, as, VA, PG, PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_map_zero(&K, as, VA + 4 * PG + 16u, PG, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_image(&K, as, img, 0, PG, VA + 4 * PG + 1u, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_zero(&K, as, VA + PG, 2 * PG, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_image(&K, as, img, 0, PG, VA, PM_PROT_R), PM_E_K_OVERLAP);
    /* the image is 3 pages and 100 bytes: 4 pages at most */
    ST(pm_k_as_map_image(&K, as, img, PG, 4 * PG, VA + 4 * PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_image(&K, as, img, 4 * PG, PG, VA + 4 * PG, PM_PROT_R), PM_E_K_RANGE);
    const uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    ST(pm_k_as_write(&K, as, VA + 8 * PG, b, sizeof b), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_write(&K, as, VA + 2 * PG - 4u, b, sizeof b), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_protect(&K, as, VA + PG, 2 * PG, PM_PROT_R), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_unmap(&K, as, VA + PG, 2 * PG), PM_E_K_NOT_MAPPED);
    INV();
    /* still usable */
    ST(pm_k_as_map_image(&K, as, img, 0, 4 * PG, VA + 4 * PG, PM_PROT_R), PM_OK);
    ST(pm_k_as_write(&K, as, VA + PG - 4u, b, sizeof b), PM_OK);
    uint8_t back[8];
    ST(pm_sim_as_read(&K, as, VA + PG - 4u, back, sizeof back), PM_OK);
    assert_memory_equal(back, b, sizeof b);
    INV();
    ST(pm_k_destroy(&K, img), PM_OK);
    ST(pm_k_destroy(&K, as), PM_OK);
    EMPTY();
}

static void test_map_image(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    pm_kcap img = new_image();
    uint64_t size = 0;
    ST(pm_k_image_size(&K, img, &size), PM_OK);
    assert_int_equal(size, sizeof image_bytes);

    /* Pages 1..3 of the image; page 3 holds 100 bytes then zeros. */
    ST(pm_k_as_map_image(&K, as, img, PG, 3 * PG, VA, PM_PROT_R | PM_PROT_W), PM_OK);
    uint8_t buf[3 * PG];
    ST(pm_sim_as_read(&K, as, VA, buf, sizeof buf), PM_OK);
    assert_memory_equal(buf, image_bytes + PG, 2 * PG + 100);
    for (size_t i = 2 * PG + 100; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    /* Private copy: writing the mapping leaves the image alone. */
    const uint8_t z[4] = { 0, 0, 0, 0 };
    ST(pm_k_as_write(&K, as, VA, z, sizeof z), PM_OK);
    assert_int_not_equal(image_bytes[PG], 0);

    ST(pm_k_as_map_image(&K, as, img, 0, PG, VA + 8 * PG, PM_PROT_R | PM_PROT_X), PM_OK);
    /* Past the image rounded up to a page. */
    ST(pm_k_as_map_image(&K, as, img, 0, 5 * PG, VA + 16 * PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_image(&K, as, img, 4 * PG, PG, VA + 16 * PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_image(&K, as, img, UINT64_MAX & ~(uint64_t)(PG - 1u), PG,
                         VA + 16 * PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_k_as_map_image(&K, as, img, 1, PG, VA + 16 * PG, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_map_image(&K, as, img, 0, PG, VA + 16 * PG, PM_PROT_W | PM_PROT_X),
       PM_E_K_WX);
    ST(pm_k_as_map_image(&K, as, img, 0, PG, VA, PM_PROT_R), PM_E_K_OVERLAP);
    ST(pm_k_as_map_image(&K, as, as, 0, PG, VA + 16 * PG, PM_PROT_R), PM_E_K_TYPE);
    ST(pm_k_as_map_image(&K, img, img, 0, PG, VA + 16 * PG, PM_PROT_R), PM_E_K_TYPE);

    /* Rights: READ to map at all, EXEC to map executable. */
    pm_kcap rx_less = derive(img, PM_KR_READ | PM_KR_GRANT);
    ST(pm_k_as_map_image(&K, as, rx_less, 0, PG, VA + 16 * PG, PM_PROT_R | PM_PROT_X),
       PM_E_K_BAD_RIGHTS);
    ST(pm_k_as_map_image(&K, as, rx_less, 0, PG, VA + 16 * PG, PM_PROT_R), PM_OK);
    pm_kcap none = derive(img, PM_KR_EXEC);
    ST(pm_k_as_map_image(&K, as, none, 0, PG, VA + 20 * PG, PM_PROT_R), PM_E_K_BAD_RIGHTS);
    ST(pm_k_image_size(&K, none, &size), PM_E_K_BAD_RIGHTS);

    /* An empty image maps nothing. */
    pm_kcap empty;
    ST(pm_sim_image_create(&K, NULL, 0, &empty), PM_OK);
    ST(pm_k_as_map_image(&K, as, empty, 0, PG, VA + 24 * PG, PM_PROT_R), PM_E_K_RANGE);
    ST(pm_sim_image_create(&K, NULL, 1, &empty), PM_E_K_ARG);
    INV();
    ST(pm_k_cap_release(&K, rx_less), PM_OK);
    ST(pm_k_cap_release(&K, none), PM_OK);
    ST(pm_k_destroy(&K, empty), PM_OK);
    ST(pm_k_destroy(&K, img), PM_OK);
    ST(pm_k_destroy(&K, as), PM_OK);
    EMPTY();
}

static void test_image_read(void **state)
{
    (void)state;
    pm_kcap img = new_image();
    uint8_t buf[16];
    ST(pm_k_image_read(&K, img, 10, buf, sizeof buf), PM_OK);
    assert_memory_equal(buf, image_bytes + 10, sizeof buf);
    ST(pm_k_image_read(&K, img, sizeof image_bytes - 16, buf, 16), PM_OK);
    ST(pm_k_image_read(&K, img, sizeof image_bytes - 15, buf, 16), PM_E_K_RANGE);
    ST(pm_k_image_read(&K, img, UINT64_MAX, buf, 16), PM_E_K_RANGE);
    ST(pm_k_image_read(&K, img, sizeof image_bytes, buf, 0), PM_OK);
    ST(pm_k_image_read(&K, img, 0, NULL, 1), PM_E_K_ARG);
    ST(pm_k_image_size(&K, img, NULL), PM_E_K_ARG);
    pm_kcap as = new_as();
    ST(pm_k_image_read(&K, as, 0, buf, 1), PM_E_K_TYPE);
    pm_kcap noread = derive(img, PM_KR_GRANT);
    ST(pm_k_image_read(&K, noread, 0, buf, 1), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, noread), PM_OK);
    ST(pm_k_destroy(&K, as), PM_OK);
    ST(pm_k_destroy(&K, img), PM_OK);
    EMPTY();
}

static void test_unmap_and_protect(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    ST(pm_k_as_map_zero(&K, as, VA, 4 * PG, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_as_protect(&K, as, VA + PG, 2 * PG, PM_PROT_R | PM_PROT_X), PM_OK);
    uint32_t prot = 0;
    ST(pm_sim_as_prot(&K, as, VA, &prot), PM_OK);
    assert_int_equal(prot, PM_PROT_R | PM_PROT_W);
    ST(pm_sim_as_prot(&K, as, VA + 2 * PG, &prot), PM_OK);
    assert_int_equal(prot, PM_PROT_R | PM_PROT_X);
    ST(pm_sim_as_prot(&K, as, VA, NULL), PM_E_K_ARG);
    ST(pm_k_as_protect(&K, as, VA, PG, PM_PROT_R | PM_PROT_W | PM_PROT_X), PM_E_K_WX);
    ST(pm_k_as_protect(&K, as, VA, PG, 16u), PM_E_K_ARG);
    ST(pm_k_as_protect(&K, as, VA + 3 * PG, 2 * PG, PM_PROT_R), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_protect(&K, as, VA + 1u, PG, PM_PROT_R), PM_E_K_ALIGN);
    ST(pm_k_as_protect(&K, as, VA, 0, PM_PROT_R), PM_E_K_RANGE);

    ST(pm_k_as_unmap(&K, as, VA + PG, PG), PM_OK);
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.frames_used, 3);
    ST(pm_k_as_unmap(&K, as, VA, 2 * PG), PM_E_K_NOT_MAPPED);  /* hole at VA+PG */
    ST(pm_k_as_unmap(&K, as, VA + PG, PG), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_unmap(&K, as, VA, PG + 2u), PM_E_K_ALIGN);
    ST(pm_k_as_unmap(&K, as, 0, PG), PM_E_K_RANGE);
    /* The hole can be mapped again. */
    ST(pm_k_as_map_zero(&K, as, VA + PG, PG, PM_PROT_R), PM_OK);
    INV();
    ST(pm_k_as_unmap(&K, as, VA, 4 * PG), PM_OK);
    snapshot(&s);
    assert_int_equal(s.frames_used, 0);
    ST(pm_k_destroy(&K, as), PM_OK);
    EMPTY();
}

static void test_as_write(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    ST(pm_k_as_map_zero(&K, as, VA, 2 * PG, PM_PROT_R), PM_OK);   /* read-only */
    uint8_t msg[300];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i + 1u);
    /* Crosses the page boundary; page protection does not apply. */
    ST(pm_k_as_write(&K, as, VA + PG - 100u, msg, sizeof msg), PM_OK);
    uint8_t back[300];
    ST(pm_sim_as_read(&K, as, VA + PG - 100u, back, sizeof back), PM_OK);
    assert_memory_equal(back, msg, sizeof msg);
    ST(pm_k_as_write(&K, as, VA + 2 * PG - 1u, msg, 2), PM_E_K_NOT_MAPPED);
    ST(pm_k_as_write(&K, as, VA, NULL, 1), PM_E_K_ARG);
    ST(pm_k_as_write(&K, as, VA, NULL, 0), PM_OK);
    ST(pm_k_as_write(&K, as, 0x1000u, msg, 1), PM_E_K_RANGE);
    ST(pm_k_as_write(&K, as, UINT64_MAX - 1u, msg, 4), PM_E_K_RANGE);
    pm_kcap nowrite = derive(as, PM_KR_READ | PM_KR_MANAGE);
    ST(pm_k_as_write(&K, nowrite, VA, msg, 1), PM_E_K_BAD_RIGHTS);
    /* ...yet MANAGE suffices to map. */
    ST(pm_k_as_map_zero(&K, nowrite, VA + 4 * PG, PG, PM_PROT_R), PM_OK);
    ST(pm_k_cap_release(&K, nowrite), PM_OK);
    ST(pm_sim_as_read(&K, as, VA, NULL, 1), PM_E_K_ARG);
    ST(pm_sim_as_read(&K, as, 0, back, 1), PM_E_K_RANGE);
    ST(pm_k_destroy(&K, as), PM_OK);
    EMPTY();
}

/* The sim puts nothing of its own into a process: no vDSO, no aux entries. */
static void test_as_get_info(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    pm_kcap th = new_thread(1);
    pm_k_as_info info;
    memset(&info, 0xa5, sizeof info);
    ST(pm_k_as_get_info(&K, as, &info), PM_OK);
    assert_int_equal(info.naux, 0);
    assert_int_equal(info.vdso_base, 0);
    ST(pm_k_as_get_info(&K, as, NULL), PM_E_K_ARG);
    ST(pm_k_as_get_info(&K, th, &info), PM_E_K_TYPE);
    pm_kcap noread = derive(as, PM_KR_WRITE);
    ST(pm_k_as_get_info(&K, noread, &info), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, noread), PM_OK);
    pm_sim_fail_nth(&K, 1, PM_OK);
    ST(pm_k_as_get_info(&K, as, &info), PM_E_K_INJECTED_FAILURE);
    ST(pm_k_destroy(&K, as), PM_OK);
    ST(pm_k_as_get_info(&K, as, &info), PM_E_K_BAD_CAP);
    ST(pm_k_destroy(&K, th), PM_OK);
    EMPTY();
}

/* ---- CSpaces ----------------------------------------------------------------- */

static void test_cspace_mint_delete(void **state)
{
    (void)state;
    pm_kcap cs = new_cspace(4);
    pm_kcap ep;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    ST(pm_k_cspace_mint(&K, cs, 2, ep, PM_KR_WRITE | PM_KR_GRANT, 42), PM_OK);
    pm_sim_slot_info si;
    ST(pm_sim_cspace_slot(&K, cs, 2, &si), PM_OK);
    assert_int_equal(si.type, PM_KOBJ_ENDPOINT);
    assert_int_equal(si.rights, PM_KR_WRITE | PM_KR_GRANT);
    assert_int_equal(si.badge, 42);
    ST(pm_sim_cspace_slot(&K, cs, 1, &si), PM_E_K_SLOT_EMPTY);
    ST(pm_sim_cspace_slot(&K, cs, 4, &si), PM_E_K_RANGE);
    ST(pm_sim_cspace_slot(&K, cs, 2, NULL), PM_E_K_ARG);

    ST(pm_k_cspace_mint(&K, cs, 2, ep, PM_KR_WRITE, 0), PM_E_K_SLOT_OCCUPIED);
    ST(pm_k_cspace_mint(&K, cs, 4, ep, PM_KR_WRITE, 0), PM_E_K_RANGE);
    ST(pm_k_cspace_mint(&K, cs, 0, ep, 1u << 7, 0), PM_E_K_ARG);
    ST(pm_k_cspace_mint(&K, ep, 0, ep, PM_KR_WRITE, 0), PM_E_K_TYPE);
    /* Rights never grow: a WRITE-only handle cannot mint READ. */
    pm_kcap wo = derive(ep, PM_KR_WRITE | PM_KR_GRANT);
    ST(pm_k_cspace_mint(&K, cs, 0, wo, PM_KR_READ, 0), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cspace_mint(&K, cs, 0, wo, PM_KR_WRITE, 7), PM_OK);
    /* No GRANT, no mint. */
    pm_kcap nogrant = derive(ep, PM_KR_WRITE);
    ST(pm_k_cspace_mint(&K, cs, 1, nogrant, PM_KR_WRITE, 0), PM_E_K_BAD_RIGHTS);
    /* A CSpace cap without MANAGE cannot be minted into or deleted from. */
    pm_kcap cs_ro = derive(cs, PM_KR_GRANT);
    ST(pm_k_cspace_mint(&K, cs_ro, 1, ep, PM_KR_WRITE, 0), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cspace_delete(&K, cs_ro, 0), PM_E_K_BAD_RIGHTS);
    INV();

    ST(pm_k_cspace_delete(&K, cs, 0), PM_OK);
    ST(pm_k_cspace_delete(&K, cs, 0), PM_E_K_SLOT_EMPTY);
    ST(pm_k_cspace_delete(&K, cs, 9), PM_E_K_RANGE);
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.slots_reserved, 4);
    assert_int_equal(s.slots_full, 1);

    ST(pm_k_cspace_create(&K, 0, &cs_ro), PM_E_K_RANGE);   /* cs_ro still held */
    ST(pm_k_cspace_create(&K, PM_SIM_MAX_CSPACE_SLOTS + 1u, &cs_ro), PM_E_K_RANGE);
    ST(pm_k_cspace_create(&K, 1, NULL), PM_E_K_ARG);
    ST(pm_k_cap_release(&K, wo), PM_OK);
    ST(pm_k_cap_release(&K, nogrant), PM_OK);
    ST(pm_k_cap_release(&K, cs_ro), PM_OK);
    ST(pm_k_destroy(&K, cs), PM_OK);        /* frees the slots and the minted cap */
    snapshot(&s);
    assert_int_equal(s.slots_reserved, 0);
    assert_int_equal(s.slots_full, 0);
    ST(pm_k_destroy(&K, ep), PM_OK);
    EMPTY();
}

static void test_slot_budget(void **state)
{
    (void)state;
    pm_kcap a, b, c;
    ST(pm_k_cspace_create(&K, PM_SIM_MAX_CSPACE_SLOTS, &a), PM_OK);
    ST(pm_k_cspace_create(&K, PM_SIM_MAX_CSPACE_SLOTS, &b), PM_OK);
    ST(pm_k_cspace_create(&K, 1, &c), PM_E_K_NO_OBJECTS);    /* pool of 512 used */
    ST(pm_k_destroy(&K, a), PM_OK);
    ST(pm_k_cspace_create(&K, 1, &c), PM_OK);
    INV();
    ST(pm_k_destroy(&K, b), PM_OK);
    ST(pm_k_destroy(&K, c), PM_OK);
    EMPTY();
}

/* ---- capabilities: derive, revoke, release, destroy --------------------------- */

static void test_derive_revoke_release(void **state)
{
    (void)state;
    pm_kcap ep;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    pm_kcap_info info;
    ST(pm_k_cap_info(&K, ep, &info), PM_OK);
    assert_int_equal(info.type, PM_KOBJ_ENDPOINT);
    assert_int_equal(info.rights, PM_KR_ALL);
    assert_int_equal(info.original, 1);

    pm_kcap d1 = derive(ep, PM_KR_READ | PM_KR_WRITE | PM_KR_GRANT);
    pm_kcap d2 = derive(d1, PM_KR_WRITE | PM_KR_GRANT);      /* grandchild */
    ST(pm_k_cap_info(&K, d2, &info), PM_OK);
    assert_int_equal(info.rights, PM_KR_WRITE | PM_KR_GRANT);
    assert_int_equal(info.original, 0);
    pm_kcap out;
    ST(pm_k_cap_derive(&K, d2, PM_KR_READ, &out), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_derive(&K, d2, 1u << 9, &out), PM_E_K_ARG);
    ST(pm_k_cap_derive(&K, d2, PM_KR_WRITE, NULL), PM_E_K_ARG);
    pm_kcap d3 = derive(d2, PM_KR_WRITE);
    ST(pm_k_cap_derive(&K, d3, PM_KR_WRITE, &out), PM_E_K_BAD_RIGHTS); /* no GRANT */

    pm_kcap cs = new_cspace(2);
    ST(pm_k_cspace_mint(&K, cs, 0, d2, PM_KR_WRITE, 5), PM_OK);
    ST(pm_k_cspace_mint(&K, cs, 1, ep, PM_KR_READ, 6), PM_OK);
    INV();

    /* Only MANAGE may revoke; d1 lacks it. */
    ST(pm_k_revoke(&K, d1), PM_E_K_BAD_RIGHTS);
    pm_kcap m = derive(ep, PM_KR_MANAGE | PM_KR_GRANT | PM_KR_WRITE);
    ST(pm_k_cspace_mint(&K, cs, 0, m, PM_KR_WRITE, 0), PM_E_K_SLOT_OCCUPIED);
    /* Revoking through the original: every derived cap dies. */
    ST(pm_k_revoke(&K, ep), PM_OK);
    INV();
    ST(pm_k_cap_info(&K, d1, &info), PM_E_K_REVOKED);
    ST(pm_k_cap_info(&K, d2, &info), PM_E_K_REVOKED);
    ST(pm_k_cap_info(&K, d3, &info), PM_E_K_REVOKED);
    ST(pm_k_cap_info(&K, m, &info), PM_E_K_REVOKED);
    ST(pm_k_cspace_mint(&K, cs, 1, d1, PM_KR_READ, 0), PM_E_K_REVOKED);
    ST(pm_k_revoke(&K, d1), PM_E_K_REVOKED);
    ST(pm_k_destroy(&K, d1), PM_E_K_REVOKED);
    ST(pm_k_cap_derive(&K, d1, 0, &out), PM_E_K_REVOKED);
    ST(pm_sim_cspace_slot(&K, cs, 0, &(pm_sim_slot_info){ 0 }), PM_E_K_SLOT_EMPTY);
    ST(pm_sim_cspace_slot(&K, cs, 1, &(pm_sim_slot_info){ 0 }), PM_E_K_SLOT_EMPTY);
    ST(pm_k_cap_info(&K, ep, &info), PM_OK);                 /* the original stays */
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.handles_tomb, 4);
    /* Tombstones are released by their holder; then the value is stale. */
    ST(pm_k_cap_release(&K, d1), PM_OK);
    ST(pm_k_cap_info(&K, d1, &info), PM_E_K_BAD_CAP);
    ST(pm_k_cap_release(&K, d1), PM_E_K_BAD_CAP);
    ST(pm_k_cap_release(&K, d2), PM_OK);
    ST(pm_k_cap_release(&K, d3), PM_OK);
    ST(pm_k_cap_release(&K, m), PM_OK);
    ST(pm_k_cap_release(&K, ep), PM_E_K_STATE);              /* originals: destroy */
    ST(pm_k_cap_info(&K, ep, NULL), PM_E_K_ARG);

    /* Releasing a live derived handle revokes what came from it. */
    pm_kcap e1 = derive(ep, PM_KR_GRANT | PM_KR_WRITE);
    pm_kcap e2 = derive(e1, PM_KR_WRITE);
    ST(pm_k_cspace_mint(&K, cs, 0, e1, PM_KR_WRITE, 0), PM_OK);
    ST(pm_k_cap_release(&K, e1), PM_OK);
    ST(pm_k_cap_info(&K, e2, &info), PM_E_K_REVOKED);
    ST(pm_sim_cspace_slot(&K, cs, 0, &(pm_sim_slot_info){ 0 }), PM_E_K_SLOT_EMPTY);
    ST(pm_k_cap_release(&K, e2), PM_OK);

    /* Destroy needs the original: a derived cap with MANAGE is not enough. */
    pm_kcap dm = derive(ep, PM_KR_ALL);
    ST(pm_k_destroy(&K, dm), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cspace_mint(&K, cs, 1, dm, PM_KR_READ, 0), PM_OK);
    /* Destroying the object turns every other cap to it into a tombstone. */
    ST(pm_k_destroy(&K, ep), PM_OK);
    ST(pm_k_cap_info(&K, ep, &info), PM_E_K_BAD_CAP);       /* released */
    ST(pm_k_cap_info(&K, dm, &info), PM_E_K_REVOKED);
    ST(pm_sim_cspace_slot(&K, cs, 1, &(pm_sim_slot_info){ 0 }), PM_E_K_SLOT_EMPTY);
    INV();
    ST(pm_k_cap_release(&K, dm), PM_OK);
    ST(pm_k_destroy(&K, cs), PM_OK);
    EMPTY();
}

static void test_stale_and_bad_caps(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    pm_kcap old = as;
    ST(pm_k_destroy(&K, as), PM_OK);
    pm_kcap as2 = new_as();                  /* reuses the entry, new generation */
    assert_int_equal(as2.idx, old.idx);
    assert_int_not_equal(as2.gen, old.gen);
    pm_kcap_info info;
    ST(pm_k_cap_info(&K, old, &info), PM_E_K_BAD_CAP);
    ST(pm_k_as_map_zero(&K, old, VA, PG, PM_PROT_R), PM_E_K_BAD_CAP);
    ST(pm_k_destroy(&K, old), PM_E_K_BAD_CAP);
    ST(pm_k_revoke(&K, old), PM_E_K_BAD_CAP);
    pm_kcap wild = { PM_SIM_MAX_HANDLES + 5u, 1u };
    ST(pm_k_cap_info(&K, wild, &info), PM_E_K_BAD_CAP);
    pm_kcap freeent = { 200u, 1u };
    ST(pm_k_cap_info(&K, freeent, &info), PM_E_K_BAD_CAP);
    ST(pm_k_cap_info(&K, PM_KCAP_NULL, &info), PM_E_K_BAD_CAP);
    assert_true(pm_kcap_is_null(PM_KCAP_NULL));
    assert_false(pm_kcap_is_null(as2));
    assert_true(pm_kcap_eq(as2, as2));
    assert_false(pm_kcap_eq(as2, old));
    ST(pm_k_destroy(&K, as2), PM_OK);
    EMPTY();
}

static void test_object_and_handle_budgets(void **state)
{
    (void)state;
    pm_sim_config cfg;
    pm_sim_config_default(&cfg);
    cfg.objects[PM_KOBJ_AS] = 2;
    cfg.handles = 4;
    ST(pm_sim_init(&K, &cfg), PM_OK);
    pm_kcap a, b, c;
    ST(pm_k_as_create(&K, &a), PM_OK);
    ST(pm_k_as_create(&K, &b), PM_OK);
    ST(pm_k_as_create(&K, &c), PM_E_K_NO_OBJECTS);        /* AS budget */
    ST(pm_k_as_create(&K, NULL), PM_E_K_ARG);
    pm_kcap d1 = derive(a, PM_KR_READ);
    pm_kcap d2 = derive(a, PM_KR_READ);
    ST(pm_k_cap_derive(&K, a, PM_KR_READ, &c), PM_E_K_NO_OBJECTS);  /* handles */
    ST(pm_k_endpoint_create(&K, &c), PM_E_K_NO_OBJECTS);
    ST(pm_k_thread_create(&K, 0, &c), PM_E_K_NO_OBJECTS);
    ST(pm_k_cspace_create(&K, 1, &c), PM_E_K_NO_OBJECTS);
    ST(pm_sim_image_create(&K, image_bytes, 1, &c), PM_E_K_NO_OBJECTS);
    INV();
    ST(pm_k_cap_release(&K, d1), PM_OK);
    ST(pm_k_cap_release(&K, d2), PM_OK);
    ST(pm_k_destroy(&K, a), PM_OK);
    ST(pm_k_destroy(&K, b), PM_OK);
    EMPTY();
}

/* ---- threads and events ----------------------------------------------------- */

static void test_thread_bind_checks(void **state)
{
    (void)state;
    pm_kcap as = new_as(), cs = new_cspace(2), th = new_thread(1);
    ST(pm_k_as_map_zero(&K, as, IPC_VA, PG, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_as_map_zero(&K, as, IPC_VA + PG, PG, PM_PROT_R), PM_OK);
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA + 8u), PM_E_K_ALIGN);
    ST(pm_k_thread_bind(&K, th, as, cs, 0x1000u), PM_E_K_RANGE);
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA + 2 * PG), PM_E_K_NOT_MAPPED);
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA + PG), PM_E_K_PROT);
    ST(pm_k_thread_bind(&K, th, cs, as, IPC_VA), PM_E_K_TYPE);
    ST(pm_k_thread_bind(&K, as, as, cs, IPC_VA), PM_E_K_TYPE);
    pm_kcap as_nogrant = derive(as, PM_KR_MANAGE);
    ST(pm_k_thread_bind(&K, th, as_nogrant, cs, IPC_VA), PM_E_K_BAD_RIGHTS);
    pm_kcap th_ro = derive(th, PM_KR_READ);
    ST(pm_k_thread_bind(&K, th_ro, as, cs, IPC_VA), PM_E_K_BAD_RIGHTS);
    ST(pm_k_thread_start(&K, th, CODE_VA, SP), PM_E_K_STATE);     /* unbound */
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA), PM_OK);
    pm_sim_thread_info ti;
    ST(pm_sim_thread_info_get(&K, th, &ti), PM_OK);
    assert_int_equal(ti.state, PM_KTHREAD_BOUND);
    assert_int_equal(ti.bound, 1);
    assert_int_equal(ti.ipc_buffer, IPC_VA);
    assert_int_equal(ti.cookie, 1);
    ST(pm_sim_thread_info_get(&K, th, NULL), PM_E_K_ARG);
    ST(pm_sim_thread_info_get(&K, as, &ti), PM_E_K_TYPE);
    /* Rebinding a bound thread is allowed (same AS: does not count twice). */
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA), PM_OK);
    /* One thread per AS by default (the Linux backend's limit). */
    pm_kcap th2 = new_thread(2);
    ST(pm_k_thread_bind(&K, th2, as, cs, IPC_VA), PM_E_K_NO_OBJECTS);
    INV();
    ST(pm_k_cap_release(&K, as_nogrant), PM_OK);
    ST(pm_k_cap_release(&K, th_ro), PM_OK);
    ST(pm_k_destroy(&K, th2), PM_OK);
    ST(pm_k_teardown(&K, th, cs, as), PM_OK);
    EMPTY();
}

static void test_thread_exit_event(void **state)
{
    (void)state;
    proc p = build_proc(77);
    pm_kevent ev;
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    ST(pm_k_event_poll(&K, NULL), PM_E_K_ARG);
    ST(pm_sim_thread_exit(&K, p.th, 0), PM_E_K_STATE);          /* not running */
    ST(pm_k_thread_start(&K, p.th, CODE_VA + 0x10u, SP), PM_OK);
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_E_K_STATE);  /* twice */
    ST(pm_k_thread_bind(&K, p.th, p.as, p.cs, IPC_VA), PM_E_K_STATE);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);               /* a good start */
    pm_sim_thread_info ti;
    ST(pm_sim_thread_info_get(&K, p.th, &ti), PM_OK);
    assert_int_equal(ti.state, PM_KTHREAD_RUNNING);
    assert_int_equal(ti.entry, CODE_VA + 0x10u);
    assert_int_equal(ti.sp, SP);
    /* Construction is over once a bound thread started. */
    const uint8_t b = 1;
    ST(pm_k_as_write(&K, p.as, STACK_VA, &b, 1), PM_E_K_STATE);
    ST(pm_k_as_map_zero(&K, p.as, VA + 0x40000u, PG, PM_PROT_R), PM_E_K_STATE);
    ST(pm_k_as_protect(&K, p.as, STACK_VA, PG, PM_PROT_R), PM_E_K_STATE);
    ST(pm_k_as_unmap(&K, p.as, STACK_VA, PG), PM_E_K_STATE);
    INV();
    ST(pm_sim_thread_exit(&K, p.th, -3), PM_OK);
    INV();
    ST(pm_sim_thread_exit(&K, p.th, 0), PM_E_K_STATE);
    ST(pm_k_thread_kill(&K, p.th), PM_E_K_STATE);
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.kind, PM_K_EV_EXIT);
    assert_int_equal(ev.code, -3);
    assert_int_equal(ev.cookie, 77);
    assert_true(pm_kcap_eq(ev.thread, p.th));
    assert_int_equal(ev.fault, PM_K_FAULT_NONE);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    teardown_proc(&p);
    EMPTY();
}

static void test_thread_fault_and_kill(void **state)
{
    (void)state;
    proc p = build_proc(5);
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    ST(pm_sim_thread_fault(&K, p.th, PM_K_FAULT_NONE, 0), PM_E_K_ARG);
    ST(pm_sim_thread_fault(&K, p.th, (pm_kfault)(PM_K_FAULT_MAX_ + 1), 0), PM_E_K_ARG);
    ST(pm_sim_thread_fault(&K, p.th, PM_K_FAULT_WRITE, 0xdead000u), PM_OK);
    pm_kevent ev;
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.kind, PM_K_EV_FAULT);
    assert_int_equal(ev.fault, PM_K_FAULT_WRITE);
    assert_int_equal(ev.addr, 0xdead000u);
    assert_int_equal(ev.cookie, 5);
    teardown_proc(&p);

    proc q = build_proc(6);
    ST(pm_k_thread_kill(&K, q.th), PM_E_K_STATE);                /* not started */
    ST(pm_k_thread_start(&K, q.th, CODE_VA, SP), PM_OK);
    pm_kcap weak = derive(q.th, PM_KR_READ);
    ST(pm_k_thread_kill(&K, weak), PM_E_K_BAD_RIGHTS);
    ST(pm_k_thread_start(&K, weak, CODE_VA, SP), PM_E_K_BAD_RIGHTS);
    ST(pm_k_thread_kill(&K, q.as), PM_E_K_TYPE);
    ST(pm_k_thread_kill(&K, q.th), PM_OK);
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.kind, PM_K_EV_KILLED);
    assert_int_equal(ev.cookie, 6);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    teardown_proc(&q);
    EMPTY();
}

/* Signals (issue 6): default dispositions.  Stop class suspends, SIGCONT
 * resumes, SIGCHLD & co. are recorded, the rest end the thread KILLED
 * with the signal as code; while suspended, SIGKILL ends it at once and
 * any other fatal signal is held until SIGCONT. */
static void expect_violation(const char *rule_part);

static pm_sim_thread_info tinfo(pm_kcap th)
{
    pm_sim_thread_info ti;
    ST(pm_sim_thread_info_get(&K, th, &ti), PM_OK);
    return ti;
}

static void test_thread_signal(void **state)
{
    (void)state;
    pm_kevent ev;
    proc p = build_proc(9);
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIGTERM), PM_E_K_STATE);   /* not started */
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    ST(pm_k_thread_signal(&K, p.th, 0), PM_E_K_ARG);
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIG_MAX + 1u), PM_E_K_ARG);
    pm_kcap weak = derive(p.th, PM_KR_READ);
    ST(pm_k_thread_signal(&K, weak, PM_K_SIGTERM), PM_E_K_BAD_RIGHTS);
    ST(pm_k_thread_signal(&K, p.as, PM_K_SIGTERM), PM_E_K_TYPE);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    /* ignore class: recorded, nothing else */
    const uint32_t ignored[3] = { PM_K_SIGCHLD, PM_K_SIGURG, PM_K_SIGWINCH };
    for (int i = 0; i < 3; i++)
        ST(pm_k_thread_signal(&K, p.th, ignored[i]), PM_OK);
    assert_int_equal(tinfo(p.th).nsignals, 3);
    assert_int_equal(tinfo(p.th).last_signal, PM_K_SIGWINCH);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    /* stop class and SIGCONT */
    const uint32_t stops[4] = { PM_K_SIGSTOP, PM_K_SIGTSTP, PM_K_SIGTTIN, PM_K_SIGTTOU };
    for (int i = 0; i < 4; i++) {
        ST(pm_k_thread_signal(&K, p.th, stops[i]), PM_OK);
        assert_int_equal(tinfo(p.th).suspended, 1);
        assert_int_equal(tinfo(p.th).state, PM_KTHREAD_RUNNING);
        ST(pm_sim_thread_exit(&K, p.th, 0), PM_E_K_STATE);   /* stopped: does nothing */
        ST(pm_sim_thread_fault(&K, p.th, PM_K_FAULT_READ, 0), PM_E_K_STATE);
        INV();
        ST(pm_k_thread_signal(&K, p.th, PM_K_SIGCONT), PM_OK);
        assert_int_equal(tinfo(p.th).suspended, 0);
    }
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIGCONT), PM_OK);   /* not stopped: no-op */
    /* a fatal signal while stopped waits for SIGCONT; a second one is dropped */
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIGSTOP), PM_OK);
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIGTERM), PM_OK);
    ST(pm_k_thread_signal(&K, p.th, 10), PM_OK);
    assert_int_equal(tinfo(p.th).pending_signal, PM_K_SIGTERM);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    INV();
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIGCONT), PM_OK);
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.kind, PM_K_EV_KILLED);
    assert_int_equal(ev.code, PM_K_SIGTERM);
    assert_int_equal(ev.cookie, 9);
    assert_int_equal(tinfo(p.th).state, PM_KTHREAD_KILLED);
    ST(pm_k_thread_signal(&K, p.th, PM_K_SIGTERM), PM_E_K_STATE);   /* ended */
    INV();
    teardown_proc(&p);

    /* SIGKILL ends a stopped thread at once; every other number ends a
     * running one with itself as code */
    proc q = build_proc(10);
    ST(pm_k_thread_start(&K, q.th, CODE_VA, SP), PM_OK);
    ST(pm_k_thread_signal(&K, q.th, PM_K_SIGSTOP), PM_OK);
    ST(pm_k_thread_signal(&K, q.th, PM_K_SIGKILL), PM_OK);
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.code, PM_K_SIGKILL);
    assert_int_equal(tinfo(q.th).suspended, 0);
    teardown_proc(&q);
    const uint32_t fatal[4] = { 1, 10, 31, 64 };
    for (int i = 0; i < 4; i++) {
        proc r = build_proc(20u + (uint32_t)i);
        ST(pm_k_thread_start(&K, r.th, CODE_VA, SP), PM_OK);
        ST(pm_k_thread_signal(&K, r.th, fatal[i]), PM_OK);
        ST(pm_k_event_poll(&K, &ev), PM_OK);
        assert_int_equal(ev.kind, PM_K_EV_KILLED);
        assert_int_equal(ev.code, fatal[i]);
        teardown_proc(&r);
    }
    EMPTY();
}

/* Jobs: a bound thread joins once; kill ends the running members; freeze
 * stops them (SIGCONT does not thaw, a fatal signal waits for the thaw,
 * SIGKILL does not); a frozen job takes no member and starts none;
 * destroying the job thaws its members, which keep running. */
static void test_jobs(void **state)
{
    (void)state;
    pm_kevent ev;
    pm_kcap job, other;
    assert_int_equal(pm_k_job_mode(&K), PM_K_JOB_MODE_MEMBERS);
    ST(pm_k_job_create(&K, 5u, &job), PM_OK);
    ST(pm_k_job_create(&K, 6u, &other), PM_OK);
    ST(pm_k_job_create(&K, 7u, NULL), PM_E_K_ARG);
    proc a = build_proc(1), b = build_proc(2), c = build_proc(3);
    pm_kcap lone = new_thread(4);
    ST(pm_k_job_add(&K, job, lone), PM_E_K_STATE);          /* not bound */
    ST(pm_k_job_add(&K, a.th, a.th), PM_E_K_TYPE);
    pm_kcap weak = derive(job, PM_KR_READ);
    ST(pm_k_job_add(&K, weak, a.th), PM_E_K_BAD_RIGHTS);
    ST(pm_k_job_kill(&K, weak), PM_E_K_BAD_RIGHTS);
    ST(pm_k_job_freeze(&K, weak, 1u), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    ST(pm_k_job_add(&K, job, a.th), PM_OK);
    ST(pm_k_job_add(&K, job, b.th), PM_OK);
    ST(pm_k_job_add(&K, other, a.th), PM_E_K_STATE);         /* one job, once */
    ST(pm_k_job_add(&K, other, c.th), PM_OK);
    assert_int_equal(tinfo(a.th).in_job, 1);
    ST(pm_k_thread_start(&K, a.th, CODE_VA, SP), PM_OK);
    ST(pm_k_job_freeze(&K, job, 2u), PM_E_K_ARG);
    ST(pm_k_job_freeze(&K, job, 1u), PM_OK);
    INV();
    assert_int_equal(tinfo(a.th).frozen, 1);
    assert_int_equal(tinfo(b.th).frozen, 0);                 /* not started */
    ST(pm_k_thread_start(&K, b.th, CODE_VA, SP), PM_E_K_STATE);
    ST(pm_k_job_add(&K, job, lone), PM_E_K_STATE);
    ST(pm_sim_thread_exit(&K, a.th, 0), PM_E_K_STATE);       /* takes no step */
    ST(pm_k_thread_signal(&K, a.th, PM_K_SIGCONT), PM_OK);   /* no thaw */
    assert_int_equal(tinfo(a.th).frozen, 1);
    ST(pm_k_thread_signal(&K, a.th, PM_K_SIGTERM), PM_OK);   /* held */
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    INV();
    ST(pm_k_job_freeze(&K, job, 0u), PM_OK);                 /* thaw: it ends */
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.code, PM_K_SIGTERM);
    ST(pm_k_job_freeze(&K, job, 0u), PM_OK);                 /* already thawed */
    /* kill: the running members of that job only */
    ST(pm_k_thread_start(&K, b.th, CODE_VA, SP), PM_OK);
    ST(pm_k_thread_start(&K, c.th, CODE_VA, SP), PM_OK);
    ST(pm_k_job_freeze(&K, job, 1u), PM_OK);
    ST(pm_k_job_kill(&K, job), PM_OK);                       /* frozen or not */
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.cookie, 2);
    assert_int_equal(ev.code, PM_K_SIGKILL);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    assert_int_equal(tinfo(c.th).state, PM_KTHREAD_RUNNING);
    /* destroying a frozen job thaws its members, which keep running */
    ST(pm_k_job_freeze(&K, other, 1u), PM_OK);
    ST(pm_k_thread_signal(&K, c.th, PM_K_SIGTERM), PM_OK);   /* held */
    ST(pm_k_destroy(&K, other), PM_OK);
    INV();
    assert_int_equal(tinfo(c.th).in_job, 0);
    ST(pm_k_event_poll(&K, &ev), PM_OK);                     /* delivered at thaw */
    assert_int_equal(ev.cookie, 3);
    ST(pm_k_destroy(&K, job), PM_OK);
    ST(pm_k_job_kill(&K, job), PM_E_K_BAD_CAP);
    ST(pm_k_destroy(&K, lone), PM_OK);
    teardown_proc(&a); teardown_proc(&b); teardown_proc(&c);
    EMPTY();
}

/* Scheduling levels: bound or running threads, 0..5, new threads at 2;
 * pm_sim_deny_priority refuses levels from a threshold on. */
static void test_thread_priority(void **state)
{
    (void)state;
    pm_kcap lone = new_thread(1);
    ST(pm_k_thread_set_priority(&K, lone, 1), PM_E_K_STATE);   /* not bound */
    assert_int_equal(tinfo(lone).priority, 2);
    ST(pm_k_destroy(&K, lone), PM_OK);
    proc p = build_proc(2);
    ST(pm_k_thread_set_priority(&K, p.th, 0), PM_OK);           /* bound */
    assert_int_equal(tinfo(p.th).priority, 0);
    ST(pm_k_thread_set_priority(&K, p.th, PM_K_PRIORITY_MAX + 1u), PM_E_K_ARG);
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    for (uint32_t l = 0; l <= PM_K_PRIORITY_MAX; l++) {
        ST(pm_k_thread_set_priority(&K, p.th, l), PM_OK);
        assert_int_equal(tinfo(p.th).priority, l);
    }
    pm_sim_deny_priority(&K, 4);
    ST(pm_k_thread_set_priority(&K, p.th, 3), PM_OK);
    ST(pm_k_thread_set_priority(&K, p.th, 4), PM_E_LINUX_PRIORITY_DENIED);
    ST(pm_k_thread_set_priority(&K, p.th, 5), PM_E_LINUX_PRIORITY_DENIED);
    assert_int_equal(tinfo(p.th).priority, 3);
    pm_sim_deny_priority(&K, 0);
    ST(pm_k_thread_set_priority(&K, p.th, 5), PM_OK);
    pm_kcap weak = derive(p.th, PM_KR_READ);
    ST(pm_k_thread_set_priority(&K, weak, 1), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    ST(pm_k_thread_kill(&K, p.th), PM_OK);
    ST(pm_k_thread_set_priority(&K, p.th, 1), PM_E_K_STATE);    /* ended */
    INV();
    /* the checker sees a corrupted level or suspension */
    uint32_t t = K.handle[p.th.idx].obj;
    K.obj[t].priority = PM_K_PRIORITY_MAX + 1u;
    expect_violation("priority");
    K.obj[t].priority = 2u;
    K.obj[t].suspended = 1u;
    expect_violation("suspended");
    K.obj[t].suspended = 0u;
    K.obj[t].pending_signal = PM_K_SIGTERM;
    expect_violation("held");
    K.obj[t].pending_signal = 0u;
    INV();
    teardown_proc(&p);
    EMPTY();
}

/* Working directory: a full slot holding an endpoint (the sim's
 * directory) until a thread of the CSpace starts; an image is no
 * directory; deleting the slot forgets it. */
static void test_cspace_cwd(void **state)
{
    (void)state;
    pm_kcap ep, img = new_image();
    pm_sim_slot_info si;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    proc p = build_proc(3);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 1), PM_E_K_SLOT_EMPTY);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 8), PM_E_K_RANGE);
    ST(pm_k_cspace_set_cwd(&K, p.th, 1), PM_E_K_TYPE);
    ST(pm_k_cspace_mint(&K, p.cs, 1, img, PM_KR_READ, 0), PM_OK);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 1), PM_E_K_NOT_DIRECTORY);
    ST(pm_k_cspace_mint(&K, p.cs, 2, ep, PM_KR_READ, 0), PM_OK);
    ST(pm_k_cspace_mint(&K, p.cs, 3, ep, PM_KR_READ, 0), PM_OK);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 2), PM_OK);
    ST(pm_sim_cspace_slot(&K, p.cs, 2, &si), PM_OK);
    assert_int_equal(si.cwd, 1);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 3), PM_OK);      /* moves */
    ST(pm_sim_cspace_slot(&K, p.cs, 2, &si), PM_OK);
    assert_int_equal(si.cwd, 0);
    ST(pm_k_cspace_delete(&K, p.cs, 3), PM_OK);        /* forgotten with its slot */
    ST(pm_k_cspace_mint(&K, p.cs, 3, ep, PM_KR_READ, 0), PM_OK);
    ST(pm_sim_cspace_slot(&K, p.cs, 3, &si), PM_OK);
    assert_int_equal(si.cwd, 0);
    pm_kcap weak = derive(p.cs, PM_KR_READ);
    ST(pm_k_cspace_set_cwd(&K, weak, 2), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 2), PM_OK);
    INV();
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    ST(pm_k_cspace_set_cwd(&K, p.cs, 3), PM_E_K_STATE);  /* given away */
    uint32_t c = K.handle[p.cs.idx].obj;
    K.obj[c].cwd_slot = 9u;
    expect_violation("working directory");
    K.obj[c].cwd_slot = 3u;
    INV();
    teardown_proc(&p);
    ST(pm_k_destroy(&K, ep), PM_OK);
    ST(pm_k_destroy(&K, img), PM_OK);
    EMPTY();
}

/* Namespace entries: a full slot holding an endpoint (the sim's
 * directory), an absolute path; marked until the slot is emptied; a
 * CSpace with one cannot be bound where namespaces are refused. */
static void test_cspace_mount(void **state)
{
    (void)state;
    static const uint8_t svc[4] = { '/', 's', 'v', 'c' }, rel[3] = { 's', 'v', 'c' };
    pm_kcap ep, img = new_image();
    pm_sim_slot_info si;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    pm_kcap as = new_as(), cs = new_cspace(8), th = new_thread(4);
    ST(pm_k_as_map_zero(&K, as, IPC_VA, PG, PM_PROT_R | PM_PROT_W), PM_OK);
    ST(pm_k_cspace_mount(&K, cs, 1, svc, 4), PM_E_K_SLOT_EMPTY);
    ST(pm_k_cspace_mount(&K, cs, 9, svc, 4), PM_E_K_RANGE);
    ST(pm_k_cspace_mint(&K, cs, 1, img, PM_KR_READ, 0), PM_OK);
    ST(pm_k_cspace_mount(&K, cs, 1, svc, 4), PM_E_K_NOT_DIRECTORY);
    ST(pm_k_cspace_mint(&K, cs, 2, ep, PM_KR_READ, 0), PM_OK);
    ST(pm_k_cspace_mount(&K, cs, 2, rel, 3), PM_E_K_ARG);
    ST(pm_k_cspace_mount(&K, cs, 2, svc, 0), PM_E_K_ARG);
    ST(pm_k_cspace_mount(&K, cs, 2, svc, 4), PM_OK);
    ST(pm_sim_cspace_slot(&K, cs, 2, &si), PM_OK);
    assert_int_equal(si.mount, 1);
    INV();
    pm_sim_deny_namespaces(&K, 1);
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA), PM_E_LINUX_NAMESPACE_DENIED);
    ST(pm_k_cspace_delete(&K, cs, 2), PM_OK);            /* the entry goes with it */
    ST(pm_k_thread_bind(&K, th, as, cs, IPC_VA), PM_OK);
    pm_sim_deny_namespaces(&K, 0);
    ST(pm_k_cspace_mint(&K, cs, 2, ep, PM_KR_READ, 0), PM_OK);
    ST(pm_sim_cspace_slot(&K, cs, 2, &si), PM_OK);
    assert_int_equal(si.mount, 0);
    uint32_t s2 = 0;
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++)
        if (K.slot[s].owner == K.handle[cs.idx].obj && K.slot[s].index == 3)
            s2 = s;
    K.slot[s2].mount = 1u;                              /* an empty slot */
    expect_violation("namespace entry");
    K.slot[s2].mount = 0u;
    INV();
    ST(pm_k_teardown(&K, th, cs, as), PM_OK);
    ST(pm_k_destroy(&K, ep), PM_OK);
    ST(pm_k_destroy(&K, img), PM_OK);
    EMPTY();
}

/* Resource limits: bound or running threads; infinite at creation;
 * lowering taken, raising a hard limit refused (LINUX_RLIMIT_DENIED). */
static void test_thread_rlimit(void **state)
{
    (void)state;
    pm_kcap lone = new_thread(1);
    ST(pm_k_thread_set_rlimit(&K, lone, PM_K_RLIMIT_CPU, 1, 2), PM_E_K_STATE);
    assert_true(tinfo(lone).rlim_soft[PM_K_RLIMIT_CPU] == PM_K_RLIM_INFINITY);
    ST(pm_k_destroy(&K, lone), PM_OK);
    proc p = build_proc(2);
    ST(pm_k_thread_set_rlimit(&K, p.th, PM_K_RLIMIT_MAX + 1u, 1, 2), PM_E_K_ARG);
    ST(pm_k_thread_set_rlimit(&K, p.th, PM_K_RLIMIT_CPU, 3, 2), PM_E_K_ARG);
    ST(pm_k_thread_set_rlimit(&K, p.th, PM_K_RLIMIT_CPU, 1, 2), PM_OK);
    assert_int_equal(tinfo(p.th).rlim_soft[PM_K_RLIMIT_CPU], 1);
    assert_int_equal(tinfo(p.th).rlim_hard[PM_K_RLIMIT_CPU], 2);
    ST(pm_k_thread_set_rlimit(&K, p.th, PM_K_RLIMIT_CPU, 1, PM_K_RLIM_INFINITY),
       PM_E_LINUX_RLIMIT_DENIED);
    assert_int_equal(tinfo(p.th).rlim_hard[PM_K_RLIMIT_CPU], 2);
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    ST(pm_k_thread_set_rlimit(&K, p.th, PM_K_RLIMIT_NOFILE, 64, 64), PM_OK);
    pm_kcap weak = derive(p.th, PM_KR_READ);
    ST(pm_k_thread_set_rlimit(&K, weak, PM_K_RLIMIT_AS, 1, 1), PM_E_K_BAD_RIGHTS);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    uint32_t t = K.handle[p.th.idx].obj;
    K.obj[t].rlim_soft[PM_K_RLIMIT_AS] = 5;
    K.obj[t].rlim_hard[PM_K_RLIMIT_AS] = 4;
    expect_violation("soft limit");
    K.obj[t].rlim_hard[PM_K_RLIMIT_AS] = 5;
    INV();
    ST(pm_k_thread_kill(&K, p.th), PM_OK);
    ST(pm_k_thread_set_rlimit(&K, p.th, PM_K_RLIMIT_CPU, 1, 1), PM_E_K_STATE);
    teardown_proc(&p);
    EMPTY();
}

/* A bad entry or stack makes the thread fault at once, as on hardware. */
static void test_start_faults(void **state)
{
    (void)state;
    struct { uint64_t entry, sp; pm_kfault fault; uint64_t addr; } cases[] = {
        { STACK_VA, SP, PM_K_FAULT_EXEC, STACK_VA },             /* not executable */
        { VA + 0x80000u, SP, PM_K_FAULT_EXEC, VA + 0x80000u },   /* not mapped     */
        { CODE_VA, STACK_VA + PG, PM_K_FAULT_READ, STACK_VA + PG },  /* above stack */
        { CODE_VA, CODE_VA + 64u, PM_K_FAULT_WRITE, CODE_VA + 64u }, /* RX "stack" */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        proc p = build_proc(100u + i);
        ST(pm_k_thread_start(&K, p.th, cases[i].entry, cases[i].sp), PM_OK);
        pm_kevent ev;
        ST(pm_k_event_poll(&K, &ev), PM_OK);
        assert_int_equal(ev.kind, PM_K_EV_FAULT);
        assert_int_equal(ev.fault, cases[i].fault);
        assert_int_equal(ev.addr, cases[i].addr);
        assert_int_equal(ev.cookie, 100u + i);
        INV();
        teardown_proc(&p);
    }
    EMPTY();
}

static void test_destroy_as_stops_threads(void **state)
{
    (void)state;
    proc p = build_proc(9);
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    ST(pm_k_destroy(&K, p.as), PM_OK);        /* the seed: revoke AS stops threads */
    INV();
    pm_sim_thread_info ti;
    ST(pm_sim_thread_info_get(&K, p.th, &ti), PM_OK);
    assert_int_equal(ti.state, PM_KTHREAD_KILLED);
    assert_int_equal(ti.bound, 0);
    pm_kevent ev;
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.kind, PM_K_EV_KILLED);
    assert_int_equal(ev.cookie, 9);
    ST(pm_k_teardown(&K, p.th, p.cs, p.as), PM_OK);   /* p.as already gone: skipped */

    /* A bound, unstarted thread goes back to CREATED when its CSpace dies. */
    proc q = build_proc(10);
    ST(pm_k_destroy(&K, q.cs), PM_OK);
    ST(pm_sim_thread_info_get(&K, q.th, &ti), PM_OK);
    assert_int_equal(ti.state, PM_KTHREAD_CREATED);
    assert_int_equal(ti.bound, 0);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    INV();
    ST(pm_k_teardown(&K, q.th, PM_KCAP_NULL, q.as), PM_OK);
    EMPTY();
}

static void test_destroy_thread_drops_event(void **state)
{
    (void)state;
    proc p = build_proc(11), q = build_proc(12);
    ST(pm_k_thread_start(&K, p.th, CODE_VA, SP), PM_OK);
    ST(pm_k_thread_start(&K, q.th, CODE_VA, SP), PM_OK);
    ST(pm_sim_thread_exit(&K, p.th, 1), PM_OK);
    ST(pm_sim_thread_exit(&K, q.th, 2), PM_OK);
    ST(pm_k_destroy(&K, p.th), PM_OK);        /* p's event is dropped */
    INV();
    pm_kevent ev;
    ST(pm_k_event_poll(&K, &ev), PM_OK);
    assert_int_equal(ev.cookie, 12);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    /* Destroying a running thread stops it silently. */
    proc r = build_proc(13);
    ST(pm_k_thread_start(&K, r.th, CODE_VA, SP), PM_OK);
    teardown_proc(&r);
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    ST(pm_k_teardown(&K, p.th, p.cs, p.as), PM_OK);
    teardown_proc(&q);
    EMPTY();
}

static void test_teardown_errors(void **state)
{
    (void)state;
    ST(pm_k_teardown(&K, PM_KCAP_NULL, PM_KCAP_NULL, PM_KCAP_NULL), PM_OK);
    proc p = build_proc(1);
    pm_kcap weak = derive(p.cs, PM_KR_GRANT);
    /* A cap that cannot be destroyed is reported; the rest is still freed. */
    ST(pm_k_teardown(&K, p.th, weak, p.as), PM_E_K_BAD_RIGHTS);
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.live[PM_KOBJ_THREAD], 0);
    assert_int_equal(s.live[PM_KOBJ_AS], 0);
    assert_int_equal(s.live[PM_KOBJ_CSPACE], 1);
    ST(pm_k_cap_release(&K, weak), PM_OK);
    ST(pm_k_teardown(&K, p.th, p.cs, p.as), PM_OK);
    EMPTY();
}

static void test_drop(void **state)
{
    (void)state;
    pm_kcap ep, img = new_image();
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    pm_kcap d = derive(ep, PM_KR_WRITE | PM_KR_GRANT);
    pm_kcap dd = derive(d, PM_KR_WRITE);
    /* A derived handle: released, the object lives on; its child is revoked. */
    ST(pm_k_drop(&K, d), PM_OK);
    pm_kcap_info info;
    ST(pm_k_cap_info(&K, d, &info), PM_E_K_BAD_CAP);
    ST(pm_k_cap_info(&K, ep, &info), PM_OK);
    ST(pm_k_cap_info(&K, dd, &info), PM_E_K_REVOKED);
    /* A tombstone: released. */
    ST(pm_k_drop(&K, dd), PM_OK);
    ST(pm_k_cap_info(&K, dd, &info), PM_E_K_BAD_CAP);
    /* An original: destroyed.  Null and gone: nothing to do. */
    ST(pm_k_drop(&K, ep), PM_OK);
    ST(pm_k_drop(&K, ep), PM_OK);
    ST(pm_k_drop(&K, PM_KCAP_NULL), PM_OK);
    ST(pm_k_drop(&K, img), PM_OK);
    INV();
    EMPTY();
}

/* ---- failure injection ------------------------------------------------------- */

static void test_fail_nth(void **state)
{
    (void)state;
    pm_kcap as = new_as();
    pm_sim_stats before, after;
    snapshot(&before);
    pm_sim_fail_nth(&K, 2, PM_OK);                   /* default: INJECTED_FAILURE */
    ST(pm_k_as_map_zero(&K, as, VA, PG, PM_PROT_R), PM_OK);
    ST(pm_k_as_map_zero(&K, as, VA + PG, PG, PM_PROT_R), PM_E_K_INJECTED_FAILURE);
    ST(pm_k_as_map_zero(&K, as, VA + PG, PG, PM_PROT_R), PM_OK);      /* one-shot */
    snapshot(&after);
    assert_int_equal(after.injected, before.injected + 1u);
    assert_int_equal(after.calls, before.calls + 3u);
    assert_int_equal(after.frames_used, 2);
    /* A chosen status, e.g. a transient out-of-memory. */
    pm_sim_fail_nth(&K, 1, PM_E_K_NO_MEMORY);
    pm_kcap c;
    ST(pm_k_cspace_create(&K, 1, &c), PM_E_K_NO_MEMORY);
    /* Recovery calls are never failed. */
    pm_sim_fail_nth(&K, 1, PM_OK);
    pm_kevent ev;
    ST(pm_k_event_poll(&K, &ev), PM_E_K_NO_EVENT);
    pm_kcap_info info;
    ST(pm_k_cap_info(&K, as, &info), PM_OK);
    ST(pm_k_revoke(&K, as), PM_OK);
    ST(pm_k_destroy(&K, as), PM_OK);
    ST(pm_k_thread_create(&K, 0, &c), PM_E_K_INJECTED_FAILURE);   /* still armed */
    pm_sim_fail_nth(&K, 0, PM_OK);                                 /* disarm */
    ST(pm_k_thread_create(&K, 0, &c), PM_OK);
    ST(pm_k_destroy(&K, c), PM_OK);
    EMPTY();
}

static void test_fail_rate(void **state)
{
    (void)state;
    pm_sim_fail_rate(&K, 1234, 250000, PM_OK);        /* 25% */
    unsigned ok = 0, failed = 0;
    for (int i = 0; i < 400; i++) {
        pm_kcap c;
        pm_status st = pm_k_endpoint_create(&K, &c);
        if (st == PM_OK) {
            ok++;
            ST(pm_k_destroy(&K, c), PM_OK);
        } else {
            ST(st, PM_E_K_INJECTED_FAILURE);
            failed++;
        }
    }
    /* Deterministic for the seed; roughly a quarter. */
    assert_true(failed > 60 && failed < 140);
    assert_int_equal(ok + failed, 400);
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.injected, failed);
    /* Same seed, same sequence. */
    unsigned failed2 = 0;
    pm_sim_fail_rate(&K, 1234, 250000, PM_OK);
    for (int i = 0; i < 400; i++) {
        pm_kcap c;
        if (pm_k_endpoint_create(&K, &c) == PM_OK)
            ST(pm_k_destroy(&K, c), PM_OK);
        else
            failed2++;
    }
    assert_int_equal(failed, failed2);
    pm_sim_fail_rate(&K, 0, 0, PM_OK);
    EMPTY();
}

/* ---- the invariant checker sees corruption ---------------------------------- */

static void expect_violation(const char *rule_part)
{
    pm_sim_violation v = { NULL, 0 };
    ST(pm_sim_check(&K, &v), PM_E_K_INVARIANT);
    assert_non_null(v.rule);
    if (strstr(v.rule, rule_part) == NULL) {
        print_error("violation '%s' does not mention '%s'\n", v.rule, rule_part);
        fail();
    }
}

static void test_checker_detects_corruption(void **state)
{
    (void)state;
    proc p = build_proc(1);
    pm_kcap d = derive(p.as, PM_KR_GRANT);
    ST(pm_k_cspace_mint(&K, p.cs, 0, d, PM_KR_GRANT, 0), PM_OK);
    INV();
    uint32_t f = 0;
    while (K.frame[f].owner == PM_SIM_NONE)
        f++;

    K.frame[f].prot = PM_PROT_W | PM_PROT_X;
    expect_violation("writable and executable");
    K.frame[f].prot = PM_PROT_R;

    K.frames_used++;
    expect_violation("frames used");
    K.frames_used--;

    uint64_t va = K.frame[f].vaddr;
    K.frame[f].vaddr = va + 1u;
    expect_violation("page-aligned");
    K.frame[f].vaddr = va;

    uint32_t as_obj = K.handle[p.as.idx].obj;
    K.obj[as_obj].gen++;                  /* as if the AS was destroyed behind caps */
    expect_violation("held by its live original");
    K.obj[as_obj].gen--;

    K.handle[d.idx].rights = PM_KR_ALL;   /* a derived cap with more rights */
    INV();                                /* parent (original) has ALL: allowed */
    uint32_t s = 0;
    while (!K.slot[s].full)
        s++;
    K.slot[s].rights = PM_KR_READ;        /* minted rights beyond its parent's */
    K.handle[d.idx].rights = PM_KR_GRANT;
    expect_violation("minted cap's rights");
    K.slot[s].rights = PM_KR_GRANT;
    INV();

    K.slot[s].obj_gen++;
    expect_violation("destroyed object");
    K.slot[s].obj_gen--;

    K.live[PM_KOBJ_THREAD]++;
    expect_violation("live object count");
    K.live[PM_KOBJ_THREAD]--;

    uint32_t t = K.handle[p.th.idx].obj;
    K.obj[t].state = PM_KTHREAD_RUNNING;  /* running on an unsealed AS */
    expect_violation("sealed");
    K.obj[t].state = PM_KTHREAD_BOUND;

    K.obj[t].event_queued = 1u;
    expect_violation("ended thread");
    K.obj[t].event_queued = 0u;

    K.handle[d.idx].parent = d.idx;        /* a derivation cycle */
    K.handle[d.idx].parent_gen = d.gen;
    expect_violation("derivation chains");
    K.handle[d.idx].parent = p.as.idx;
    K.handle[d.idx].parent_gen = p.as.gen;
    INV();

    pm_sim_violation v;
    ST(pm_sim_check_empty(&K, &v), PM_E_K_INVARIANT);
    assert_non_null(strstr(v.rule, "after teardown"));
    ST(pm_k_cap_release(&K, d), PM_OK);
    teardown_proc(&p);
    EMPTY();
    ST(pm_sim_check(&K, NULL), PM_OK);
}

/* ---- one scenario per KERNEL status code --------------------------------------- */

/* Fresh kernel; run the scenario that must end in `code`; return its status. */
static pm_status provoke(pm_status code)
{
    pm_sim_init(&K, NULL);
    pm_kcap as = new_as(), out;
    pm_kcap_info info;
    switch (code) {
    case PM_E_K_NO_MEMORY:
        return pm_k_as_map_zero(&K, as, VA, (PM_SIM_MAX_FRAMES + 1u) * PG, PM_PROT_R);
    case PM_E_K_NO_OBJECTS: {
        pm_sim_config cfg;
        pm_sim_config_default(&cfg);
        for (unsigned i = 1; i < cfg.objects[PM_KOBJ_AS]; i++)
            (void)new_as();
        return pm_k_as_create(&K, &out);
    }
    case PM_E_K_BAD_CAP:
        return pm_k_cap_info(&K, PM_KCAP_NULL, &info);
    case PM_E_K_REVOKED:
        out = derive(as, PM_KR_READ);
        ST(pm_k_revoke(&K, as), PM_OK);
        return pm_k_cap_info(&K, out, &info);
    case PM_E_K_TYPE:
        return pm_k_thread_start(&K, as, 0, 0);
    case PM_E_K_BAD_RIGHTS:
        out = derive(as, PM_KR_READ);
        return pm_k_as_map_zero(&K, out, VA, PG, PM_PROT_R);
    case PM_E_K_ARG:
        return pm_k_cap_info(&K, as, NULL);
    case PM_E_K_ALIGN:
        return pm_k_as_map_zero(&K, as, VA + 1u, PG, PM_PROT_R);
    case PM_E_K_RANGE:
        return pm_k_as_map_zero(&K, as, 0, PG, PM_PROT_R);
    case PM_E_K_WX:
        return pm_k_as_map_zero(&K, as, VA, PG, PM_PROT_W | PM_PROT_X);
    case PM_E_K_OVERLAP:
        ST(pm_k_as_map_zero(&K, as, VA, PG, PM_PROT_R), PM_OK);
        return pm_k_as_map_zero(&K, as, VA, PG, PM_PROT_R);
    case PM_E_K_NOT_MAPPED:
        return pm_k_as_protect(&K, as, VA, PG, PM_PROT_R);
    case PM_E_K_PROT: {
        pm_kcap cs = new_cspace(1), th = new_thread(0);
        ST(pm_k_as_map_zero(&K, as, VA, PG, PM_PROT_R), PM_OK);
        return pm_k_thread_bind(&K, th, as, cs, VA);
    }
    case PM_E_K_SLOT_OCCUPIED: {
        pm_kcap cs = new_cspace(1);
        ST(pm_k_cspace_mint(&K, cs, 0, as, PM_KR_READ, 0), PM_OK);
        return pm_k_cspace_mint(&K, cs, 0, as, PM_KR_READ, 0);
    }
    case PM_E_K_SLOT_EMPTY:
        return pm_k_cspace_delete(&K, new_cspace(1), 0);
    case PM_E_K_STATE:
        return pm_k_thread_kill(&K, new_thread(0));
    case PM_E_K_NO_EVENT: {
        pm_kevent ev;
        return pm_k_event_poll(&K, &ev);
    }
    case PM_E_K_INJECTED_FAILURE:
        pm_sim_fail_nth(&K, 1, PM_OK);
        return pm_k_as_create(&K, &out);
    case PM_E_K_INVARIANT:
        K.frames_used = 7;
        return pm_sim_check(&K, NULL);
    case PM_E_K_NOT_DIRECTORY: {
        pm_kcap cs = new_cspace(1);
        ST(pm_k_cspace_mint(&K, cs, 0, new_image(), PM_KR_READ, 0), PM_OK);
        return pm_k_cspace_set_cwd(&K, cs, 0);
    }
    default:
        return PM_OK;       /* a code with no scenario: the caller fails */
    }
}

#define KCODE_(e, n, name, msg) e,
static const pm_status kernel_codes[] = { PM_STATUS_KERNEL(KCODE_) };
#undef KCODE_

static void test_every_kernel_code(void **state)
{
    (void)state;
    size_t n = sizeof kernel_codes / sizeof kernel_codes[0];
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        /* a real process's deadline (Linux backend only; the sim never
         * waits): tests/daemon/hostile.sh produces it */
        if (kernel_codes[i] == PM_E_K_TIMED_OUT)
            continue;
        /* host descriptors (Linux backend only; the sim holds none):
         * tests/daemon/hostile.sh produces it */
        if (kernel_codes[i] == PM_E_K_NO_DESCRIPTORS)
            continue;
        pm_status got = provoke(kernel_codes[i]);
        if (got != kernel_codes[i]) {
            print_error("scenario for %s returned %s\n", pm_status_name(kernel_codes[i]),
                        pm_status_name(got));
            fail();
        }
        assert_int_equal(kernel_codes[i] / 100, 4);
    }
}

/* ---- a load plan mapped segment by segment ----------------------------------- */

/* The mapping a dispatcher does for one pm_elf_plan segment. */
static pm_status map_segment(pm_kcap as, pm_kcap img, const pm_elf_segment *s)
{
    pm_status st = PM_OK;
    if (s->file_len > 0u)
        st = pm_k_as_map_image(&K, as, img, s->file_off, s->file_len, s->map_start, s->prot);
    if (st == PM_OK && s->zero_len > 0u) {
        static const uint8_t zeros[PG];
        st = pm_k_as_write(&K, as, s->zero_start, zeros, s->zero_len);
    }
    if (st == PM_OK && s->map_len > s->file_len)
        st = pm_k_as_map_zero(&K, as, s->map_start + s->file_len,
                              s->map_len - s->file_len, s->prot);
    return st;
}

static void test_map_plan_segments(void **state)
{
    (void)state;
    pm_kcap img = new_image(), as = new_as();
    /* text RX (file page 0), data RW: file page 1 with 0x100 bytes of file and
     * the rest of the page zeroed, then two anonymous pages. */
    pm_elf_segment seg[2] = {
        { .map_start = VA, .map_len = PG, .file_off = 0, .file_len = PG,
          .prot = PM_PROT_R | PM_PROT_X },
        { .map_start = VA + PG, .map_len = 3 * PG, .file_off = PG, .file_len = PG,
          .zero_start = VA + PG + 0x100u, .zero_len = PG - 0x100u,
          .prot = PM_PROT_R | PM_PROT_W },
    };
    for (int i = 0; i < 2; i++)
        ST(map_segment(as, img, &seg[i]), PM_OK);
    INV();
    uint8_t buf[PG];
    ST(pm_sim_as_read(&K, as, VA + PG, buf, PG), PM_OK);
    assert_memory_equal(buf, image_bytes + PG, 0x100);
    for (size_t i = 0x100; i < PG; i++)
        assert_int_equal(buf[i], 0);
    pm_sim_stats s;
    snapshot(&s);
    assert_int_equal(s.frames_used, 4);
    /* Mapping the same plan again overlaps. */
    ST(map_segment(as, img, &seg[0]), PM_E_K_OVERLAP);
    ST(pm_k_destroy(&K, as), PM_OK);
    ST(pm_k_destroy(&K, img), PM_OK);
    EMPTY();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_init_and_limits, setup),
        cmocka_unit_test_setup(test_map_zero_and_read, setup),
        cmocka_unit_test_setup(test_map_refusals, setup),
        cmocka_unit_test_setup(test_construction_refusals, setup),
        cmocka_unit_test_setup(test_map_image, setup),
        cmocka_unit_test_setup(test_image_read, setup),
        cmocka_unit_test_setup(test_unmap_and_protect, setup),
        cmocka_unit_test_setup(test_as_write, setup),
        cmocka_unit_test_setup(test_as_get_info, setup),
        cmocka_unit_test_setup(test_cspace_mint_delete, setup),
        cmocka_unit_test_setup(test_slot_budget, setup),
        cmocka_unit_test_setup(test_derive_revoke_release, setup),
        cmocka_unit_test_setup(test_stale_and_bad_caps, setup),
        cmocka_unit_test_setup(test_object_and_handle_budgets, setup),
        cmocka_unit_test_setup(test_thread_bind_checks, setup),
        cmocka_unit_test_setup(test_thread_exit_event, setup),
        cmocka_unit_test_setup(test_thread_fault_and_kill, setup),
        cmocka_unit_test_setup(test_thread_signal, setup),
        cmocka_unit_test_setup(test_thread_priority, setup),
        cmocka_unit_test_setup(test_cspace_cwd, setup),
        cmocka_unit_test_setup(test_cspace_mount, setup),
        cmocka_unit_test_setup(test_thread_rlimit, setup),
        cmocka_unit_test_setup(test_jobs, setup),
        cmocka_unit_test_setup(test_start_faults, setup),
        cmocka_unit_test_setup(test_destroy_as_stops_threads, setup),
        cmocka_unit_test_setup(test_destroy_thread_drops_event, setup),
        cmocka_unit_test_setup(test_teardown_errors, setup),
        cmocka_unit_test_setup(test_drop, setup),
        cmocka_unit_test_setup(test_fail_nth, setup),
        cmocka_unit_test_setup(test_fail_rate, setup),
        cmocka_unit_test_setup(test_checker_detects_corruption, setup),
        cmocka_unit_test_setup(test_every_kernel_code, setup),
        cmocka_unit_test_setup(test_map_plan_segments, setup),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
