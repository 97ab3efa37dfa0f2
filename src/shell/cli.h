/*
 * What the command-line programs share (spec/daemon.md section 8a): the
 * one-line usage error.
 */
#ifndef PM_SHELL_CLI_H
#define PM_SHELL_CLI_H

#include <stdarg.h>

/* "PROG: [CMD: ]MESSAGE" and "Try 'PROG [CMD ]--help'." on stderr;
 * returns 2, the usage exit code. */
int pm_cli_usage_verror(const char *prog, const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
