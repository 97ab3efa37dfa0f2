/*
 * Linux implementation of include/procmgr/khost.h: the backend instance
 * (malloc'd), fd import, images from paths, the event fd, pids.
 *
 *  - pm_kh_import_fd: a readable regular file or a memfd sealed against
 *    write, grow and shrink becomes an IMAGE object holding the fd;
 *    anything else (pipe, socket, tty, directory, unsealed memfd,
 *    write-only file) an ENDPOINT object holding it, given to a child
 *    unchanged.  The cap returned is the object's ORIGINAL (all rights, a
 *    superset of khost.h's READ|EXEC|GRANT or READ|WRITE|GRANT): the
 *    core's pm_k_drop of it destroys the object, which closes the fd, as
 *    closing the descriptor would.  (A derived cap would leave an object
 *    nobody can destroy.)
 *  - pm_kh_event_fd: an epoll fd over every child's pidfd and an eventfd
 *    that is readable while an event is queued.
 *  - pm_kh_thread_pid: the child's pid while the thread is bound (built,
 *    stopped before its first instruction) or running.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procmgr/khost.h"
#include "klinux_internal.h"
#include "lx_common.h"

static char g_open_error[512];

const char *pm_kh_open_error(void)
{
    return g_open_error[0] != '\0' ? g_open_error : NULL;
}

pm_status pm_kh_refine_status(struct pm_kernel *k, pm_status st)
{
    pm_status why = k->refusal;
    pm_status as = k->refused_as;
    k->refusal = PM_OK;
    k->refused_as = PM_OK;
    return why != PM_OK && st == as ? why : st;
}

pm_status pm_kh_open(struct pm_kernel **out)
{
    struct pm_kernel *k = NULL;
    struct epoll_event ev;
    pm_status st;

    *out = NULL;
    g_open_error[0] = '\0';
    pm_lx_nofile_raise();
    /* fd headroom: with too low a limit no stub could place its
     * descriptors; refuse to start rather than say ready (item 4) */
    st = pm_lx_nofile_check(g_open_error, sizeof g_open_error);
    if (st != PM_OK)
        return st;
    k = calloc(1, sizeof *k);
    st = k == NULL ? PM_E_K_NO_MEMORY : PM_OK;
    if (st == PM_OK) {
        /* The object and handle tables are initialised as they are first
         * used (klinux.c): a calloc'd page stays untouched until then. */
        k->epfd = epoll_create1(EPOLL_CLOEXEC);
        k->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.u64 = KL_EPOLL_EVFD;
        if (k->epfd < 0 || k->evfd < 0 ||
            epoll_ctl(k->epfd, EPOLL_CTL_ADD, k->evfd, &ev) != 0)
            st = PM_E_K_NO_OBJECTS;
    }
    if (st == PM_OK && pm_lx_stub_memfd() < 0)
        st = PM_E_K_NO_OBJECTS;          /* no stub: nothing could run */
    if (st == PM_OK)
        st = kl_pool_start(k);
    if (st == PM_OK) {
        kl_job_open(k);
        *out = k;
    } else if (k != NULL) {
        if (k->epfd > 0)
            close(k->epfd);
        if (k->evfd > 0)
            close(k->evfd);
        free(k);
    }
    return st;
}

void pm_kh_close(struct pm_kernel *k)
{
    if (k == NULL)
        return;
    kl_pool_stop(k);        /* every idle pooled stub is killed and reaped */
    kl_destroy_all(k);      /* and every other child */
    kl_job_close(k);        /* lingering job cgroups killed, all removed */
    close(k->epfd);
    close(k->evfd);
    free(k);
}

/* Readable regular file or sealed memfd: an image (PM_OK).  Otherwise
 * why not, when the fd looks like a program (an unsealed memfd:
 * LINUX_MEMFD_UNSEALED; a regular file opened O_PATH, which cannot be
 * read: LINUX_IMAGE_O_PATH), else K_TYPE. */
static pm_status image_kind(int fd)
{
    uint64_t size = 0;
    int err = 0;
    int mode = fcntl(fd, F_GETFL);
    pm_status st;
    if (mode < 0 || (mode & O_ACCMODE) == O_WRONLY)
        return PM_E_K_TYPE;
    st = pm_lx_image_check(fd, &size, &err);
    if (st == PM_OK && (mode & O_PATH))
        return PM_E_LINUX_IMAGE_O_PATH;
    if (st == PM_OK || st == PM_E_LINUX_MEMFD_UNSEALED)
        return st;
    return PM_E_K_TYPE;
}

pm_status pm_kh_import_fd(struct pm_kernel *k, int fd, pm_kcap *out)
{
    uint32_t o = 0;
    pm_status st;

    *out = PM_KCAP_NULL;
    if (fd < 0)
        return PM_E_K_ARG;
    pm_status kind = image_kind(fd);
    st = kl_create(k, kind == PM_OK ? PM_KOBJ_IMAGE : PM_KOBJ_ENDPOINT, out, &o);
    if (st == PM_OK) {
        k->obj[o].not_image = kind == PM_E_K_TYPE ? PM_OK : kind;
        /* Our copy must not leak into the stub children (they get it only
         * through a CSpace slot, by SCM_RIGHTS). */
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        k->obj[o].fd = fd;
    } else {
        close(fd);
    }
    return st;
}

pm_status pm_kh_image_open(struct pm_kernel *k, const char *path, pm_kcap *out)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *out = PM_KCAP_NULL;
    if (fd < 0)
        return PM_E_K_ARG;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || image_kind(fd) != PM_OK) {
        close(fd);
        return PM_E_K_ARG;
    }
    return pm_kh_import_fd(k, fd, out);
}

int pm_kh_event_fd(struct pm_kernel *k)
{
    return k->epfd;
}

void pm_kh_set_requester(struct pm_kernel *k, const pm_kh_cred *cr)
{
    k->req_set = cr != NULL;
    if (cr != NULL)
        k->req = *cr;
}

void pm_kh_idle(struct pm_kernel *k)
{
    kl_pool_idle(k);
}

int64_t pm_kh_thread_pid(struct pm_kernel *k, pm_kcap thread)
{
    return kl_thread_pid(k, thread);
}

void pm_kh_dispatch_layout(struct pm_dispatch_config *cfg)
{
    pm_klinux_dispatch_config(cfg);
}
