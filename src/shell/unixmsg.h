/*
 * Shell helpers shared by procmgrd and libprocmgr (hosted code, not part
 * of the proven core): the default socket path and sending one
 * SOCK_SEQPACKET message with descriptors over SCM_RIGHTS.
 */
#ifndef PROCMGR_SHELL_UNIXMSG_H
#define PROCMGR_SHELL_UNIXMSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Most descriptors one message carries (= PM_PROTO_MAX_HANDLES). */
#define PM_UNIXMSG_MAX_FDS 64u

/* The default socket (spec/daemon.md): $PROCMGR_SOCKET, else
 * /run/procmgr/procmgr.sock as root, else $XDG_RUNTIME_DIR/procmgr.sock.
 * buf on success, NULL when none applies or it does not fit in cap. */
const char *pm_unixmsg_default_socket(char *buf, size_t cap);

/* Send buf[0, len) with fds[0, nfds) (nfds <= PM_UNIXMSG_MAX_FDS) as one
 * message; flags are sendmsg flags (MSG_NOSIGNAL is always added).  Retries
 * on EINTR.  Returns what sendmsg returned (-1 with errno set, or the
 * bytes sent); -1 with EINVAL when nfds is too large. */
ssize_t pm_unixmsg_send(int sock, const void *buf, size_t len,
                        const int *fds, uint32_t nfds, int flags);

/* Receive one message into buf[0, cap), retrying on EINTR; flags are
 * recvmsg flags (MSG_CMSG_CLOEXEC is always added).  The first `max`
 * descriptors that arrived are stored in fds[0, *kept) (max <=
 * PM_UNIXMSG_MAX_FDS), later ones are closed; *nfds counts every one that
 * arrived, and is at least PM_UNIXMSG_MAX_FDS + 1 when the kernel dropped
 * some (control data truncated).  *truncated is 1 when the message was
 * longer than cap.  Returns what recvmsg returned (0: end of connection;
 * -1 with errno, and no descriptor kept). */
ssize_t pm_unixmsg_recv(int sock, void *buf, size_t cap, int *fds,
                        uint32_t max, uint32_t *kept, uint32_t *nfds,
                        int *truncated, int flags);

#endif
