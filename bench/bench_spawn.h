/*
 * The procmgr side of the spawn benchmark, kept apart so that the anchors
 * build and run before (and without) libprocmgr: bench_spawn_procmgr.c
 * (the real one, linked with libprocmgr) or bench_spawn_none.c (anchors
 * only).
 */
#ifndef PROCMGR_BENCH_SPAWN_H
#define PROCMGR_BENCH_SPAWN_H

/* Daemons the benchmark starts: one with the stub pool (--pool, default 4) and one
 * with the pool disabled (PROCMGR_STUB_POOL=0), to show what the pool buys
 * in the same run. */
enum { BENCH_PM_POOL = 0, BENCH_PM_NOPOOL = 1, BENCH_PM_DAEMONS = 2 };

/* Start procmgrd (the binary at procmgrd_path) twice on temporary sockets
 * in the foreground, wait for each ready line and connect once.  pool:
 * the PROCMGR_STUB_POOL of the first daemon (NULL: the backend's default).
 * 0 when both answer; -1 otherwise (the benchmark then runs the
 * anchors). */
int bench_procmgr_open(const char *procmgrd_path, const char *pool);

/* Spawn path through daemon d with stdout on /dev/null and wait for its
 * exit; 0 when it exited 0.  Safe to call from several threads: each
 * thread uses its own connection (made on its first call). */
int bench_procmgr_run_on(int d, const char *path);
int bench_procmgr_run(const char *path);          /* pooled daemon */
int bench_procmgr_run_nopool(const char *path);   /* daemon without pool */
/* The same as one CREATE_PROCESS request (no argv, no environment) to
 * the pooled daemon, then WAIT: the cost of the builder's round trips. */
int bench_procmgr_run_1req(const char *path);

/* Wait (bounded, 0.4 s) until every daemon has exactly its pool's number
 * of children: the previous spawn is reaped and the pool refilled. */
void bench_procmgr_settle(void);

/* Close the calling thread's connections (worker threads, before exit). */
void bench_procmgr_thread_done(void);

/* VmRSS of daemon d in KiB, -1 if unknown. */
long bench_procmgr_rss_kb(int d);

/* Create n processes of path without starting them on daemon d (their
 * handles are kept), or kill and release every one created so far
 * (n == 0).  The count created (may fall short: see stderr). */
int bench_procmgr_track(int d, const char *path, int n);

/* Resident and proportional size (KiB, /proc/PID/smaps_rollup) of the
 * children of daemon d that are idle pooled stubs, summed, and how many:
 * call when daemon d tracks no process. */
int bench_procmgr_pool_mem(int d, long *rss_kb, long *pss_kb);

/* Stop the daemons (SIGTERM, wait). */
void bench_procmgr_close(void);

#endif
