/*
 * spawn_loop: N spawns of one program through libprocmgr over one open
 * connection (pm_client_spawn with argv and /dev/null at fd 1, then
 * pm_client_wait, as bench_spawn's `procmgr` method), a pause between
 * them, and the median, 10th and 90th percentile of the latency.  Built
 * against a tree's own libprocmgr, it lets bench/ab.sh compare two trees
 * (client library and daemon together) on the same machine, block by
 * block.
 *
 *   spawn_loop SOCKET PROGRAM [COUNT [GAP_US]]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/client.h"

enum { MAX_COUNT = 100000 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
    static const char *const env[] = { NULL };
    static double lat[MAX_COUNT];
    int n = argc > 3 ? atoi(argv[3]) : 200;
    long gap = argc > 4 ? atol(argv[4]) : 3000;
    const char *av[2];
    pm_spawn_action out_null;
    pm_client *c;
    int dn;

    if (argc < 3 || n < 1 || n > MAX_COUNT || gap < 0) {
        fprintf(stderr, "usage: spawn_loop SOCKET PROGRAM [COUNT [GAP_US]]\n");
        return 2;
    }
    av[0] = argv[2];
    av[1] = NULL;
    dn = open("/dev/null", O_WRONLY | O_CLOEXEC);
    out_null = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_CLONE_FD, .fd = dn, .id = 1 };
    if (dn < 0 || pm_client_connect(argv[1], &c) != PM_OK) {
        fprintf(stderr, "spawn_loop: cannot connect to %s\n", argv[1]);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        pm_client_process p;
        pm_proto_info info;
        double t0 = now_us();
        pm_status st = pm_client_spawn(c, 0, -1, argv[2], av, env, &out_null, 1, &p, NULL);
        if (st == PM_OK) {
            st = pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info);
            close(p.process);
            close(p.thread);
        }
        if (st != PM_OK || info.state != PM_STATE_EXITED || info.exit_code != 0) {
            fprintf(stderr, "spawn_loop: %s: %s\n", argv[2], pm_status_name(st));
            return 1;
        }
        lat[i] = now_us() - t0;
        if (gap > 0)
            usleep((useconds_t)gap);
    }
    qsort(lat, (size_t)n, sizeof lat[0], cmp_double);
    printf("median %.1f us p10 %.1f p90 %.1f\n", lat[n / 2], lat[n / 10], lat[n * 9 / 10]);
    pm_client_close(c);
    close(dn);
    return 0;
}
