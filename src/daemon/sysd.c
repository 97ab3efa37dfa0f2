/*
 * procmgrd under a service manager (spec/daemon.md section 12): socket
 * activation and readiness notification, written to their documented
 * protocols (sd_listen_fds(3), sd_notify(3)) rather than linked from
 * libsystemd -- see the spec for why.
 *
 * Both read their environment once and remove it, so that no process
 * procmgrd launches inherits a socket or a notification address meant for
 * procmgrd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"

#define LISTEN_FDS_START 3     /* SD_LISTEN_FDS_START */

static int sockopt(int fd, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    return getsockopt(fd, SOL_SOCKET, opt, &v, &len) == 0 ? v : -1;
}

/* The inherited socket is what procmgrd.socket must give: a listening
 * AF_UNIX SOCK_SEQPACKET socket bound to a path.  Its path into path. */
static int check_inherited(int fd, char *path, size_t cap)
{
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    if (sockopt(fd, SO_DOMAIN) != AF_UNIX || sockopt(fd, SO_TYPE) != SOCK_SEQPACKET ||
        sockopt(fd, SO_ACCEPTCONN) != 1) {
        fprintf(stderr, "procmgrd: fd %d passed by LISTEN_FDS is not a listening AF_UNIX "
                "SOCK_SEQPACKET socket; use ListenSequentialPacket= in procmgrd.socket\n", fd);
        return -1;
    }
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0 ||
        len <= offsetof(struct sockaddr_un, sun_path) || sa.sun_path[0] == '\0' ||
        strlen(sa.sun_path) + 1 > cap) {
        fprintf(stderr, "procmgrd: fd %d passed by LISTEN_FDS is not bound to a socket "
                "file; give ListenSequentialPacket= a path in procmgrd.socket\n", fd);
        return -1;
    }
    memcpy(path, sa.sun_path, strlen(sa.sun_path) + 1);
    return 0;
}

int pmd_activation_fd(char *path, size_t cap)
{
    const char *pid = getenv("LISTEN_PID"), *nfds = getenv("LISTEN_FDS");
    int ours = pid != NULL && nfds != NULL && strtol(pid, NULL, 10) == (long)getpid();
    int fd = LISTEN_FDS_START;
    int n = ours ? atoi(nfds) : 0;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (!ours || n == 0)
        return -1;          /* not activated (or the variables are another's) */
    if (n != 1) {
        fprintf(stderr, "procmgrd: LISTEN_FDS=%d: procmgrd listens on one socket; give "
                "procmgrd.socket exactly one ListenSequentialPacket=\n", n);
        return -2;
    }
    if (check_inherited(fd, path, cap) != 0)
        return -2;
    /* procmgrd's own descriptors are close-on-exec and its loop needs a
     * non-blocking accept */
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        fprintf(stderr, "procmgrd: fd %d passed by LISTEN_FDS: fcntl: %s\n", fd, strerror(errno));
        return -2;
    }
    return fd;
}

/* ---- readiness: datagrams to $NOTIFY_SOCKET -------------------------------- */

static struct sockaddr_un g_notify;
static socklen_t g_notify_len;       /* 0: no service manager listens */

void pmd_notify_init(void)
{
    const char *e = getenv("NOTIFY_SOCKET");
    size_t n = e != NULL ? strlen(e) : 0;
    if (n >= 2 && n < sizeof g_notify.sun_path && (e[0] == '/' || e[0] == '@')) {
        memset(&g_notify, 0, sizeof g_notify);
        g_notify.sun_family = AF_UNIX;
        memcpy(g_notify.sun_path, e, n);
        if (e[0] == '@')
            g_notify.sun_path[0] = '\0';      /* an abstract socket */
        g_notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    unsetenv("NOTIFY_SOCKET");
}

void pmd_notify(const char *state)
{
    if (g_notify_len == 0)
        return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                         (const struct sockaddr *)&g_notify, g_notify_len) < 0)
        pmd_log(LOG_WARNING, "NOTIFY_SOCKET: cannot send \"%s\" to the service manager: %s",
                state, strerror(errno));
    if (fd >= 0)
        close(fd);
}
