/*
 * What the stub pool takes off the path, measured at the backend itself:
 * the time of pm_k_as_create + pm_k_as_get_info (a stub child that has
 * said hello, ready for its build) with the pool disabled and with it,
 * alternating, each sample once the pool is full again (the refill runs
 * in the background: it must not land in the next sample).
 *
 *   bench_kcreate [--iters N] [--pool N]
 *
 * Prints one line per pool size: median and interquartile range (us).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "procmgr/kernel.h"
#include "procmgr/kernel_linux.h"
#include "procmgr/khost.h"

enum { MAX_ITERS = 10000 };

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One create + hello; the AS is destroyed after the clock stops. */
static double one(struct pm_kernel *k)
{
    pm_kcap as;
    pm_k_as_info info;
    double t0 = now_us();
    if (pm_k_as_create(k, &as) != PM_OK || pm_k_as_get_info(k, as, &info) != PM_OK) {
        fprintf(stderr, "bench_kcreate: create failed\n");
        exit(1);
    }
    double t = now_us() - t0;
    (void)pm_k_destroy(k, as);
    return t;
}

int main(int argc, char **argv)
{
    static double s[2][MAX_ITERS];
    const char *pool = "4";
    int iters = 400;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--iters") == 0)
            iters = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--pool") == 0)
            pool = argv[i + 1];
    }
    if (iters < 4 || iters > MAX_ITERS)
        return 2;
    struct pm_kernel *k[2];
    const char *sizes[2] = { "0", pool };
    for (int d = 0; d < 2; d++) {
        setenv("PROCMGR_STUB_POOL", sizes[d], 1);
        if (pm_kh_open(&k[d]) != PM_OK) {
            fprintf(stderr, "bench_kcreate: pm_kh_open failed\n");
            return 1;
        }
    }
    uint32_t target = pm_klinux_pool_target(k[1]);
    int pids[64];
    for (int i = 0; i < iters; i++)
        for (int d = 0; d < 2; d++) {
            for (int w = 0; w < 1000 && pm_klinux_pool_idle(k[1], pids, 0) < target; w++)
                (void)poll(NULL, 0, 1);
            (void)poll(NULL, 0, 1);
            s[d][i] = one(k[d]);
        }
    for (int d = 0; d < 2; d++) {
        qsort(s[d], (size_t)iters, sizeof s[d][0], cmp_double);
        printf("kcreate  pool %-3s as_create+get_info %8.1f us   iqr %7.1f us\n",
               sizes[d], s[d][iters / 2], s[d][iters * 3 / 4] - s[d][iters / 4]);
        pm_kh_close(k[d]);
    }
    return 0;
}
