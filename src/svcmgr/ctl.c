/* svcmgr's control socket: what svcmgr and svcctl share (ctl.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"

const char *svc_ctl_default_path(char *buf, size_t cap)
{
    const char *e = getenv("SVCMGR_SOCKET");
    int n;
    if (e != NULL && e[0] != '\0')
        n = snprintf(buf, cap, "%s", e);
    else if (geteuid() == 0)
        n = snprintf(buf, cap, "/run/procmgr/svcmgr.sock");
    else if ((e = getenv("XDG_RUNTIME_DIR")) != NULL && e[0] != '\0')
        n = snprintf(buf, cap, "%s/svcmgr.sock", e);
    else
        return NULL;
    return n >= 0 && (size_t)n < cap ? buf : NULL;
}
