/* The command-line programs' usage error (cli.h, spec/daemon.md 8a). */
#include <stdio.h>

#include "cli.h"

int pm_cli_usage_verror(const char *prog, const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    if (cmd != NULL)
        fprintf(stderr, "%s: ", cmd);
    vfprintf(stderr, fmt, ap);
    if (cmd != NULL)
        fprintf(stderr, "\nTry '%s %s --help'.\n", prog, cmd);
    else
        fprintf(stderr, "\nTry '%s --help'.\n", prog);
    return 2;
}
