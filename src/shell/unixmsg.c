/* Shell helpers shared by procmgrd and libprocmgr: see unixmsg.h. */
#define _GNU_SOURCE
#include "unixmsg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *pm_unixmsg_default_socket(char *buf, size_t cap)
{
    const char *env = getenv("PROCMGR_SOCKET");
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n = -1;
    if (env != NULL && env[0] != '\0')
        n = snprintf(buf, cap, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(buf, cap, "%s", "/run/procmgr/procmgr.sock");
    else if (xdg != NULL && xdg[0] != '\0')
        n = snprintf(buf, cap, "%s/procmgr.sock", xdg);
    return (n < 0 || (size_t)n >= cap) ? NULL : buf;
}

ssize_t pm_unixmsg_send(int sock, const void *buf, size_t len,
                        const int *fds, uint32_t nfds, int flags)
{
    struct msghdr mh;
    struct iovec iov;
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * PM_UNIXMSG_MAX_FDS)];
    } cm;
    ssize_t n;
    if (nfds > PM_UNIXMSG_MAX_FDS) {
        errno = EINVAL;
        return -1;
    }
    memset(&mh, 0, sizeof mh);
    iov.iov_base = (void *)buf;
    iov.iov_len = len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (nfds > 0) {
        memset(&cm, 0, sizeof cm);
        mh.msg_control = cm.b;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(h), fds, sizeof(int) * nfds);
    }
    do
        n = sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
}

ssize_t pm_unixmsg_recv(int sock, void *buf, size_t cap, int *fds,
                        uint32_t max, uint32_t *kept, uint32_t *nfds,
                        int *truncated, int flags)
{
    struct msghdr mh;
    struct iovec iov;
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * (PM_UNIXMSG_MAX_FDS + 1))];
    } cm;
    ssize_t n;
    *kept = *nfds = 0;
    *truncated = 0;
    memset(&mh, 0, sizeof mh);
    iov.iov_base = buf;
    iov.iov_len = cap;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cm.b;
    mh.msg_controllen = sizeof cm.b;
    do
        n = recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return n;
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h != NULL;
         h = CMSG_NXTHDR(&mh, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t cnt = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < cnt; i++) {
            int f;
            memcpy(&f, CMSG_DATA(h) + i * sizeof(int), sizeof f);
            if (*kept < max && *kept < PM_UNIXMSG_MAX_FDS)
                fds[(*kept)++] = f;
            else
                close(f);
            (*nfds)++;
        }
    }
    if ((mh.msg_flags & MSG_CTRUNC) && *nfds <= PM_UNIXMSG_MAX_FDS)
        *nfds = PM_UNIXMSG_MAX_FDS + 1u;
    *truncated = (mh.msg_flags & MSG_TRUNC) != 0;
    return n;
}
