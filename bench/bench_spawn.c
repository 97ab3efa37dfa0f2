/*
 * Spawn benchmark: latency from "create this process" to "its exit has been
 * observed", and throughput with concurrent spawners, for procmgr and for
 * the anchors the benchmark process runs itself, side by side in one run.
 *
 *   bench_spawn [--socket PATH] [--iters N] NOLIBC GLIBC_STATIC GLIBC_DYNAMIC
 *
 * Methods: vfork + execve + waitpid; posix_spawn + waitpid; procmgr through
 * libprocmgr over one open connection (only when built with
 * BENCH_WITH_PROCMGR and a daemon answers on the socket).  Each latency
 * sample times one spawn-and-wait; the table shows the median, the spread
 * (interquartile range) and the ratio of medians against posix_spawn.
 * Methods alternate sample by sample so that a drift of the machine's load
 * hits all of them alike.  The programs' stdout goes to /dev/null.
 *
 * Throughput: T threads (1, 4, 16) each spawn-and-wait in a loop for a
 * fixed count; processes per second over the wall time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_spawn.h"

extern char **environ;

enum { MAX_ITERS = 100000 };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* q-quantile of a sorted vector (nearest rank). */
static double quantile(const double *v, int n, double q)
{
    int i = (int)(q * (n - 1) + 0.5);
    return v[i];
}

static int devnull_fd(void)
{
    static int fd = -1;
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    return fd;
}

/* ---- anchors ---------------------------------------------------------------- */

static int run_vfork(const char *path)
{
    char *argv[] = { (char *)path, NULL };
    int status;
    pid_t pid = vfork();
    if (pid == 0) {
        dup2(devnull_fd(), 1);
        execve(path, argv, environ);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int run_posix_spawn(const char *path)
{
    char *argv[] = { (char *)path, NULL };
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status, rc;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, devnull_fd(), 1);
    rc = posix_spawn(&pid, path, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

typedef struct method {
    const char *name;
    int (*run)(const char *path);  /* 0 when the program ran and exited 0 */
} method;

static method methods[3] = {
    { "posix_spawn", run_posix_spawn },
    { "vfork+execve", run_vfork },
    { "procmgr", NULL },           /* filled when libprocmgr is usable */
};
static int nmethods = 2;

/* ---- latency ---------------------------------------------------------------- */

static int bench_latency(const char *label, const char *path, int iters)
{
    static double samples[3][MAX_ITERS];
    double base = 0;
    for (int i = 0; i < iters; i++) {
        for (int m = 0; m < nmethods; m++) {
            double t0 = now_ns();
            if (methods[m].run(path) != 0) {
                fprintf(stderr, "bench_spawn: %s failed on %s\n",
                        methods[m].name, path);
                return -1;
            }
            samples[m][i] = now_ns() - t0;
        }
    }
    for (int m = 0; m < nmethods; m++) {
        qsort(samples[m], (size_t)iters, sizeof(double), cmp_double);
        double med = quantile(samples[m], iters, 0.5);
        double iqr = quantile(samples[m], iters, 0.75) -
                     quantile(samples[m], iters, 0.25);
        if (m == 0)
            base = med;
        printf("latency  %-14s %-13s %9.1f us  iqr %8.1f us  ratio %5.2fx\n",
               label, methods[m].name, med / 1e3, iqr / 1e3, med / base);
    }
    return 0;
}

/* ---- throughput ------------------------------------------------------------- */

typedef struct worker {
    pthread_t tid;
    const method *m;
    const char *path;
    int count;
    int failures;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < w->count; i++)
        if (w->m->run(w->path) != 0)
            w->failures++;
    return NULL;
}

static int bench_throughput(const char *path, int total)
{
    static const int threads[] = { 1, 4, 16 };
    for (unsigned t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        double rate[3] = { 0 };
        for (int m = 0; m < nmethods; m++) {
            worker w[16];
            int n = threads[t], failures = 0;
            double t0 = now_ns();
            for (int i = 0; i < n; i++) {
                w[i] = (worker){ .m = &methods[m], .path = path,
                                 .count = total / n, .failures = 0 };
                if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
                    return -1;
            }
            for (int i = 0; i < n; i++) {
                pthread_join(w[i].tid, NULL);
                failures += w[i].failures;
            }
            if (failures) {
                fprintf(stderr, "bench_spawn: %s: %d failed spawns\n",
                        methods[m].name, failures);
                return -1;
            }
            rate[m] = (double)(total / n * n) / ((now_ns() - t0) / 1e9);
            printf("through  %2d clients     %-13s %9.0f procs/s  ratio %5.2fx\n",
                   n, methods[m].name, rate[m], rate[m] / rate[0]);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *socket_path = NULL;
    int iters = 300, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            socket_path = argv[++i];
        else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
            iters = atoi(argv[++i]);
        else
            break;
    }
    if (argc - i != 3 || iters < 4 || iters > MAX_ITERS) {
        fprintf(stderr, "usage: bench_spawn [--socket PATH] [--iters N] "
                        "NOLIBC GLIBC_STATIC GLIBC_DYNAMIC\n");
        return 2;
    }
    if (bench_procmgr_open(socket_path) == 0) {
        methods[2].run = bench_procmgr_run;
        nmethods = 3;
    } else {
        printf("procmgr: no daemon reachable (%s); anchors only\n",
               socket_path ? socket_path : "default socket");
    }
    const char *labels[3] = { "nolibc-static", "glibc-static", "glibc-dynamic" };
    for (int p = 0; p < 3; p++)
        if (bench_latency(labels[p], argv[i + p], iters) != 0)
            return 1;
    if (bench_throughput(argv[i], iters) != 0)
        return 1;
    bench_procmgr_close();
    return 0;
}
