/* The UTC time stamp of the hosted programs' logs (stamp.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include "stamp.h"

void pm_stamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}
