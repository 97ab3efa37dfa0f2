/*
 * svcmgr's control socket, shared by svcmgr and svcctl (spec/svcmgr.md
 * section 5): AF_UNIX SOCK_SEQPACKET, one request message ("status",
 * "status NAME", "start NAME", "stop NAME", "restart NAME"), one reply
 * message: a first line "ok" or "error\tCODE\tMESSAGE", then for status
 * one line per service of SVC_F_COUNT tab-separated fields.
 */
#ifndef PM_SVCMGR_CTL_H
#define PM_SVCMGR_CTL_H

#include <stddef.h>

#define SVC_CTL_MSG_MAX   (256u * 1024u)   /* a reply, at most */
#define SVC_CTL_REQ_MAX   256u             /* a request, at most */

/* The fields of a status line, in order ("-" where none). */
enum svc_field {
    SVC_F_NAME, SVC_F_STATE, SVC_F_KOID, SVC_F_RESTARTS, SVC_F_UPTIME_MS,
    SVC_F_END_KIND, SVC_F_END_CODE, SVC_F_END_REASON, SVC_F_END_TIME_MS,
    SVC_F_NEXT_RESTART_MS, SVC_F_DELAY_MS, SVC_F_POLICY, SVC_F_GRACE_MS, SVC_F_LOG,
    SVC_F_END_MESSAGE, SVC_F_STATUS_TEXT, SVC_F_ENDS,
    SVC_F_COUNT
};

/* The default control socket: $SVCMGR_SOCKET if set and non-empty, else
 * /run/procmgr/svcmgr.sock as root (euid 0), else
 * $XDG_RUNTIME_DIR/svcmgr.sock, else NULL.  Into buf. */
const char *svc_ctl_default_path(char *buf, size_t cap);

#endif
