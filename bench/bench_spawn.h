/*
 * The procmgr side of the spawn benchmark, kept apart so that the anchors
 * build and run before (and without) libprocmgr.
 */
#ifndef PROCMGR_BENCH_SPAWN_H
#define PROCMGR_BENCH_SPAWN_H

/* Connect to procmgrd at socket_path (NULL: the default socket).  0 when
 * a daemon answers; -1 otherwise (the benchmark then runs the anchors). */
int bench_procmgr_open(const char *socket_path);

/* Spawn path through procmgr with stdout on /dev/null and wait for its
 * exit; 0 when it exited 0.  Safe to call from several threads: each
 * thread uses its own connection. */
int bench_procmgr_run(const char *path);

void bench_procmgr_close(void);

#endif
