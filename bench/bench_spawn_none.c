/* The spawn benchmark without libprocmgr: anchors only. */
#include <stddef.h>

#include "bench_spawn.h"

int bench_procmgr_open(const char *socket_path)
{
    (void)socket_path;
    return -1;
}

int bench_procmgr_run(const char *path)
{
    (void)path;
    return -1;
}

void bench_procmgr_close(void)
{
}
