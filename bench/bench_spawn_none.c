/* The spawn benchmark without libprocmgr: anchors only. */
#include <stddef.h>

#include "bench_spawn.h"

int bench_procmgr_open(const char *procmgrd_path, const char *pool)
{
    (void)procmgrd_path;
    (void)pool;
    return -1;
}

int bench_procmgr_run_on(int d, const char *path)
{
    (void)d;
    (void)path;
    return -1;
}

int bench_procmgr_run(const char *path)
{
    return bench_procmgr_run_on(BENCH_PM_POOL, path);
}

int bench_procmgr_run_nopool(const char *path)
{
    return bench_procmgr_run_on(BENCH_PM_NOPOOL, path);
}

int bench_procmgr_run_1req(const char *path)
{
    return bench_procmgr_run_on(BENCH_PM_POOL, path);
}

void bench_procmgr_settle(void)
{
}

void bench_procmgr_thread_done(void)
{
}

long bench_procmgr_rss_kb(int d)
{
    (void)d;
    return -1;
}

int bench_procmgr_track(int d, const char *path, int n)
{
    (void)d;
    (void)path;
    (void)n;
    return 0;
}

int bench_procmgr_pool_mem(int d, long *rss_kb, long *pss_kb)
{
    (void)d;
    *rss_kb = *pss_kb = 0;
    return -1;
}

void bench_procmgr_close(void)
{
}
