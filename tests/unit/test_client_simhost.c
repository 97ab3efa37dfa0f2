/*
 * The sim's khost.h (src/kernel/sim/sim_host.c), which procmgrd-sim and
 * the client tests run on: descriptor import, image cache, endpoints,
 * event fd, thread pid, and that dropping everything empties the sim.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "procmgr/khost.h"
#include "procmgr/sim.h"

static char g_file[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_file, sizeof g_file, "/tmp/pmsimhost.XXXXXX");
    int fd = mkstemp(g_file);
    if (fd < 0)
        return -1;
    static const char bytes[] = "\177ELF not really an executable, just bytes";
    if (write(fd, bytes, sizeof bytes) != (ssize_t)sizeof bytes)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_file);
    return 0;
}

static void assert_empty(struct pm_kernel *k)
{
    pm_sim_stats st;
    pm_sim_stats_get(k, &st);
    assert_int_equal(st.objects, 0);
    assert_int_equal(st.handles_live + st.handles_tomb, 0);
}

static void test_import_regular(void **state)
{
    (void)state;
    struct pm_kernel *k = NULL;
    pm_kcap a, b;
    pm_kcap_info ci;
    uint8_t buf[4];
    uint64_t size = 0;
    assert_int_equal(pm_kh_open(&k), PM_OK);
    assert_non_null(k);
    assert_int_equal(pm_kh_event_fd(k), -1);

    int fd = open(g_file, O_RDONLY);
    assert_int_equal(pm_kh_import_fd(k, fd, &a), PM_OK);
    assert_int_equal(fcntl(fd, F_GETFD), -1);          /* consumed */
    assert_int_equal(pm_k_cap_info(k, a, &ci), PM_OK);
    assert_int_equal(ci.type, PM_KOBJ_IMAGE);
    assert_int_equal(ci.rights, PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT);
    assert_int_equal(ci.original, 0);
    assert_int_equal(pm_k_image_size(k, a, &size), PM_OK);
    assert_int_equal(size, 42);     /* sizeof bytes, NUL included */
    assert_int_equal(pm_k_image_read(k, a, 1, buf, 3), PM_OK);
    assert_memory_equal(buf, "ELF", 3);

    /* the same file again: the cached image, a second derived cap */
    assert_int_equal(pm_kh_image_open(k, g_file, &b), PM_OK);
    pm_sim_stats st;
    pm_sim_stats_get(k, &st);
    assert_int_equal(st.live[PM_KOBJ_IMAGE], 1);
    assert_false(pm_kcap_eq(a, b));
    assert_int_equal(pm_k_drop(k, a), PM_OK);
    assert_int_equal(pm_k_drop(k, b), PM_OK);
    pm_kh_close(k);
}

static void test_import_other(void **state)
{
    (void)state;
    struct pm_kernel *k = NULL;
    pm_kcap e, w;
    pm_kcap_info ci;
    int sv[2];
    assert_int_equal(pm_kh_open(&k), PM_OK);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    assert_int_equal(pm_kh_import_fd(k, sv[0], &e), PM_OK);
    assert_int_equal(pm_k_cap_info(k, e, &ci), PM_OK);
    assert_int_equal(ci.type, PM_KOBJ_ENDPOINT);
    /* a write-only regular file cannot be read: an endpoint, not an image */
    int fd = open(g_file, O_WRONLY);
    assert_int_equal(pm_kh_import_fd(k, fd, &w), PM_OK);
    assert_int_equal(pm_k_cap_info(k, w, &ci), PM_OK);
    assert_int_equal(ci.type, PM_KOBJ_ENDPOINT);
    assert_int_equal(pm_k_drop(k, e), PM_OK);
    assert_int_equal(pm_k_drop(k, w), PM_OK);
    assert_empty(k);
    close(sv[1]);
    pm_kh_close(k);
}

static void test_refusals(void **state)
{
    (void)state;
    struct pm_kernel *k = NULL;
    pm_kcap c;
    assert_int_equal(pm_kh_open(&k), PM_OK);
    assert_int_equal(pm_kh_import_fd(k, -1, &c), PM_E_K_ARG);
    assert_int_equal(pm_kh_image_open(k, "/nonexistent/file", &c), PM_E_K_ARG);
    assert_int_equal(pm_kh_image_open(k, "/", &c), PM_E_K_ARG);   /* a directory */
    assert_int_equal(pm_kh_thread_pid(k, PM_KCAP_NULL), -1);
    pm_kcap th;
    assert_int_equal(pm_k_thread_create(k, 5, &th), PM_OK);
    assert_int_equal(pm_kh_thread_pid(k, th), -1);                /* not running */
    assert_int_equal(pm_k_drop(k, th), PM_OK);
    assert_empty(k);
    pm_kh_close(k);
    pm_kh_close(NULL);
}

/* Sixteen distinct files fill the cache; once their caps are dropped the
 * entries are evicted for new files instead of failing. */
static void test_cache_eviction(void **state)
{
    (void)state;
    struct pm_kernel *k = NULL;
    char names[20][64];
    pm_kcap c;
    assert_int_equal(pm_kh_open(&k), PM_OK);
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "/tmp/pmsimhost-ev.XXXXXX");
        int fd = mkstemp(names[i]);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "x", 1), 1);
        assert_int_equal(pm_kh_import_fd(k, fd, &c), PM_OK);
        assert_int_equal(pm_k_drop(k, c), PM_OK);
    }
    pm_sim_stats st;
    pm_sim_stats_get(k, &st);
    assert_true(st.live[PM_KOBJ_IMAGE] <= 16);
    for (int i = 0; i < 20; i++)
        unlink(names[i]);
    pm_kh_close(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_other, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_eviction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
