/*
 * Spawn benchmark: latency from "create this process" to "its exit has been
 * observed", and throughput with concurrent spawners, for procmgr and for
 * the anchors the benchmark process runs itself, side by side in one run.
 *
 *   bench_spawn [--procmgrd PATH] [--pool N] [--iters N] [--tput N]
 *               [--gap-us N] NOLIBC GLIBC_STATIC GLIBC_DYNAMIC
 *
 * Methods: posix_spawn + waitpid; vfork + execve + waitpid; procmgr
 * through libprocmgr over one open connection per thread, to a procmgrd
 * the benchmark starts with the stub pool (PROCMGR_STUB_POOL=N, default
 * 4) and to a second one without (pool 0); procmgr-1req is
 * the pooled daemon asked with one CREATE_PROCESS request (no argv, no
 * environment) instead of the builder's four.  Each latency
 * sample times one spawn-and-wait; the table shows the median, the spread
 * (interquartile range), the 10th percentile (what the method costs when
 * the machine lets it run: on a shared machine the median can fall in a
 * slow mode) with its ratio, and the ratio of medians against posix_spawn.
 * Methods alternate sample by sample so that a drift of the machine's load
 * hits all of them alike, each sample once the daemons are back to their
 * idle state (every child reaped, the pool refilled) and after a pause
 * (--gap-us, 1000), so that background work a sample leaves is not timed
 * in the next.  The programs' stdout goes to /dev/null.
 *
 * Throughput: T threads (1, 4, 16), each with its own connection, spawn
 * and wait in a loop (the no-libc program) for a fixed total count;
 * processes per second over the wall time; three runs per configuration,
 * methods alternating, the median and the range.
 *
 * Memory: procmgrd's VmRSS with 0, 100 and 1000 processes created without
 * starting (then killed), and the resident / proportional size of the
 * idle pooled stubs.
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

enum { MAX_METHODS = 5, TPUT_METHODS = 4 };
static method methods[MAX_METHODS] = {
    { "posix_spawn", run_posix_spawn },
    { "vfork+execve", run_vfork },
    { "procmgr", NULL },           /* filled when the daemons answer */
    { "procmgr-pool0", NULL },
    { "procmgr-1req", NULL },
};
static int nmethods = 2;

/* ---- latency ---------------------------------------------------------------- */

/* Before each latency sample, let what the previous one left running
 * finish, whichever method it is: the daemons' clean-up and the pool's
 * refill (until each daemon has exactly its pool's children), then a
 * pause for the rest (a reaped child's teardown). */
static long g_gap_us = 1000;

static void settle(void)
{
    struct timespec ts = { 0, g_gap_us * 1000L };
    bench_procmgr_settle();
    if (g_gap_us > 0)
        nanosleep(&ts, NULL);
}

static int bench_latency(const char *label, const char *path, int iters)
{
    static double samples[MAX_METHODS][MAX_ITERS];
    double base = 0, base10 = 0;
    for (int i = 0; i < iters; i++) {
        for (int m = 0; m < nmethods; m++) {
            settle();
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
        double p10 = quantile(samples[m], iters, 0.1);
        if (m == 0)
            base10 = p10;
        printf("spawn    %-14s %-14s %9.1f us   iqr %7.1f us  p10 %7.1f us %5.2fx  ratio %5.2fx\n",
               label, methods[m].name, med / 1e3, iqr / 1e3, p10 / 1e3, p10 / base10,
               med / base);
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
    bench_procmgr_thread_done();
    return NULL;
}

/* One throughput run: n threads of method m, total spawns; processes per
 * second, or -1 when a spawn failed. */
static double tput_run(int m, int n, const char *path, int total)
{
    worker w[16];
    int failures = 0;
    bench_procmgr_settle();
    double t0 = now_ns();
    for (int i = 0; i < n; i++) {
        w[i] = (worker){ .m = &methods[m], .path = path, .count = total / n, .failures = 0 };
        if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0)
            return -1;
    }
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].tid, NULL);
        failures += w[i].failures;
    }
    if (failures) {
        fprintf(stderr, "bench_spawn: %s: %d failed spawns\n", methods[m].name, failures);
        return -1;
    }
    return (double)(total / n * n) / ((now_ns() - t0) / 1e9);
}

/* Each configuration TPUT_RUNS times, methods alternating run by run; the
 * median rate and the range (min-max). */
enum { TPUT_RUNS = 3 };

static int bench_throughput(const char *path, int total)
{
    static const int threads[] = { 1, 4, 16 };
    for (unsigned t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        double rate[MAX_METHODS][TPUT_RUNS];
        int n = threads[t];
        for (int r = 0; r < TPUT_RUNS; r++)
            for (int m = 0; m < nmethods && m < TPUT_METHODS; m++) {
                if (m == 1)
                    continue;            /* vfork: the latency anchor only */
                rate[m][r] = tput_run(m, n, path, total);
                if (rate[m][r] < 0)
                    return -1;
            }
        double base = 0;
        for (int m = 0; m < nmethods && m < TPUT_METHODS; m++) {
            if (m == 1)
                continue;
            qsort(rate[m], TPUT_RUNS, sizeof rate[m][0], cmp_double);
            double med = rate[m][TPUT_RUNS / 2];
            if (m == 0)
                base = med;
            printf("tput     %2d clients     %-14s %9.0f procs/s  range %5.0f-%-5.0f  ratio %5.2fx\n",
                   n, methods[m].name, med, rate[m][0], rate[m][TPUT_RUNS - 1], med / base);
        }
    }
    return 0;
}

/* ---- daemon memory ---------------------------------------------------------- */

static void bench_memory(const char *path)
{
    static const int counts[] = { 0, 100, 1000 };
    long rss, pss;
    int n = bench_procmgr_pool_mem(BENCH_PM_POOL, &rss, &pss);
    if (n > 0)
        printf("memory   pooled stub    %-14s %9.1f KiB  pss %7.1f KiB  (%d idle stubs)\n",
               "rss per stub", (double)rss / n, (double)pss / n, n);
    else
        printf("memory   pooled stub    none idle (pool disabled or empty)\n");
    int got = 0;
    for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        got = counts[i] ? bench_procmgr_track(BENCH_PM_POOL, path, counts[i]) : 0;
        printf("memory   %4d tracked   %-14s %9ld KiB%s\n", got, "procmgrd rss",
               bench_procmgr_rss_kb(BENCH_PM_POOL),
               got < counts[i] ? "  (fell short: see above)" : "");
    }
    (void)bench_procmgr_track(BENCH_PM_POOL, path, 0);
    printf("memory      0 tracked   %-14s %9ld KiB  (after the %d were killed)\n",
           "procmgrd rss", bench_procmgr_rss_kb(BENCH_PM_POOL), got);
}

int main(int argc, char **argv)
{
    const char *procmgrd = NULL, *pool = "4";
    int iters = 300, tput = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--procmgrd") == 0 && i + 1 < argc)
            procmgrd = argv[++i];
        else if (strcmp(argv[i], "--pool") == 0 && i + 1 < argc)
            pool = argv[++i];
        else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (strcmp(argv[i], "--tput") == 0 && i + 1 < argc)
            tput = atoi(argv[++i]);
        else if (strcmp(argv[i], "--gap-us") == 0 && i + 1 < argc)
            g_gap_us = atol(argv[++i]);
        else
            break;
    }
    if (tput == 0)
        tput = iters * 2;
    if (argc - i != 3 || iters < 4 || iters > MAX_ITERS || tput < 16) {
        fprintf(stderr, "usage: bench_spawn [--procmgrd PATH] [--pool N] [--iters N] "
                        "[--tput N] [--gap-us N] NOLIBC GLIBC_STATIC GLIBC_DYNAMIC\n");
        return 2;
    }
    if (bench_procmgr_open(procmgrd, pool) == 0) {
        methods[2].run = bench_procmgr_run;
        methods[3].run = bench_procmgr_run_nopool;
        methods[4].run = bench_procmgr_run_1req;
        nmethods = 5;
    } else {
        printf("procmgr: no daemon (%s); anchors only\n",
               procmgrd ? procmgrd : "no --procmgrd");
    }
    const char *labels[3] = { "nolibc-static", "glibc-static", "glibc-dynamic" };
    int rc = 0;
    for (int p = 0; p < 3 && rc == 0; p++)
        if (bench_latency(labels[p], argv[i + p], iters) != 0)
            rc = 1;
    if (rc == 0 && bench_throughput(argv[i], tput) != 0)
        rc = 1;
    if (rc == 0 && nmethods == MAX_METHODS)
        bench_memory(argv[i]);
    bench_procmgr_close();
    return rc;
}
