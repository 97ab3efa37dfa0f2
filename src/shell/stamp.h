/*
 * The UTC time as RFC 3339 with milliseconds (2026-12-07T15:16:35.574Z),
 * the stamp of procmgrd's log lines and of svcmgr's (its own and each
 * line of a service's log).
 */
#ifndef PM_SHELL_STAMP_H
#define PM_SHELL_STAMP_H

#include <stddef.h>

#define PM_STAMP_MAX 40   /* a buffer that always holds one */

void pm_stamp(char *buf, size_t cap);

#endif
