/*
 * sim host: the sim's implementation of include/procmgr/khost.h.
 *
 * Lets procmgrd (and tests) run over the capability-microkernel model
 * instead of real processes.  Hosted code (libc, allocation); it lives in
 * its own library (libpmsimhost.a) so that libpmsim.a stays freestanding.
 *
 *  - pm_kh_open allocates a kernel with the daemon budgets below and
 *    initialises it with pm_sim_init.
 *  - pm_kh_import_fd: a readable regular file is read into memory and
 *    registered with pm_sim_image_create; anything else (including a
 *    write-only file, e.g. a redirected stdout) becomes a fresh endpoint (the
 *    sim has no files: the descriptor itself is closed).  Images are cached
 *    by file identity (device, inode, size, modification time): the host
 *    keeps the ORIGINAL cap and the bytes, and every import returns a
 *    derived cap (READ | EXEC | GRANT) that the core owns and drops.  An
 *    entry whose original has no live derived handle left may be evicted;
 *    everything is freed by pm_kh_close.
 *  - pm_kh_event_fd is -1: sim events only appear during calls.
 *  - pm_kh_thread_pid is the thread's object index while it runs.
 *  - pm_kh_close drops the cache and checks pm_sim_check_empty: anything
 *    left is reported on stderr ("kernel not empty at close").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procmgr/khost.h"
#include "procmgr/sim.h"

#define SIM_HOST_CACHE     16u
#define SIM_HOST_MAX_IMAGE (64u * 1024u * 1024u)  /* largest file imported */
#define SIM_HOST_IMAGE_RIGHTS (PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT)

typedef struct sim_image {
    int      used;
    dev_t    dev;
    ino_t    ino;
    off_t    size;
    struct timespec mtime;
    uint8_t *bytes;
    pm_kcap  original;
} sim_image;

/* The kernel is the first member, so a struct pm_kernel * handed out is
 * also a pointer to its host. */
typedef struct sim_host {
    struct pm_kernel k;
    sim_image cache[SIM_HOST_CACHE];
} sim_host;

static sim_host *host_of(struct pm_kernel *k)
{
    return (sim_host *)(void *)k;
}

/* Budgets for a daemon: many small processes.  The sum is the object
 * table's size (PM_SIM_MAX_OBJECTS); a process without a job of its own
 * needs no job object. */
static void daemon_config(pm_sim_config *cfg)
{
    pm_sim_config_default(cfg);
    cfg->objects[PM_KOBJ_AS] = 28u;
    cfg->objects[PM_KOBJ_CSPACE] = 28u;
    cfg->objects[PM_KOBJ_THREAD] = 28u;
    cfg->objects[PM_KOBJ_ENDPOINT] = 28u;
    cfg->objects[PM_KOBJ_IMAGE] = 16u;
    cfg->objects[PM_KOBJ_JOB] = 32u;
}

pm_status pm_kh_open(struct pm_kernel **out)
{
    pm_status st = PM_E_K_NO_MEMORY;
    sim_host *h = calloc(1, sizeof *h);
    *out = NULL;
    if (h != NULL) {
        pm_sim_config cfg;
        daemon_config(&cfg);
        st = pm_sim_init(&h->k, &cfg);
        if (st == PM_OK)
            *out = &h->k;
        else
            free(h);
    }
    return st;
}

static void image_free(struct pm_kernel *k, sim_image *im)
{
    (void)pm_k_drop(k, im->original);
    free(im->bytes);
    memset(im, 0, sizeof *im);
}

/* The sim's codes are already its most precise. */
pm_status pm_kh_refine_status(struct pm_kernel *k, pm_status st)
{
    (void)k;
    return st;
}

/* The sim has nothing to say beyond pm_kh_open's status. */
const char *pm_kh_open_error(void)
{
    return NULL;
}

void pm_kh_close(struct pm_kernel *k)
{
    if (k == NULL)
        return;
    sim_host *h = host_of(k);
    pm_sim_violation v;
    for (uint32_t i = 0; i < SIM_HOST_CACHE; i++)
        if (h->cache[i].used)
            image_free(k, &h->cache[i]);
    /* Everything the shell and the core held is gone by now: a leak of any
     * object, handle, slot, frame or event is reported (tests look for
     * this line). */
    if (pm_sim_check_empty(k, &v) != PM_OK)
        fprintf(stderr, "sim host: kernel not empty at close: %s (index %u)\n",
                v.rule, v.index);
    free(h);
}

/* Does any live or revoked handle still derive from the original? */
static int image_has_children(const struct pm_kernel *k, pm_kcap orig)
{
    int found = 0;
    for (uint32_t i = 0; i < PM_SIM_MAX_HANDLES && !found; i++) {
        const struct pm_sim_handle *hd = &k->handle[i];
        if (hd->state != PM_SIM_H_FREE && hd->original == 0u &&
            hd->parent == orig.idx && hd->parent_gen == orig.gen)
            found = 1;
    }
    return found;
}

/* Read the whole regular file (size st_size) into a fresh buffer. */
static pm_status read_all(int fd, off_t size, uint8_t **out)
{
    pm_status st = PM_OK;
    size_t got = 0;
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1u);
    if (buf == NULL)
        return PM_E_K_NO_MEMORY;
    while (st == PM_OK && got < (size_t)size) {
        ssize_t n = pread(fd, buf + got, (size_t)size - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            st = PM_E_K_ARG;       /* shrank or unreadable */
        else
            got += (size_t)n;
    }
    if (st != PM_OK)
        free(buf);
    else
        *out = buf;
    return st;
}

static int same_file(const sim_image *im, const struct stat *sb)
{
    return im->used && im->dev == sb->st_dev && im->ino == sb->st_ino &&
           im->size == sb->st_size &&
           im->mtime.tv_sec == sb->st_mtim.tv_sec &&
           im->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

/* A free cache entry, evicting one whose image nobody holds any more. */
static sim_image *cache_slot(struct pm_kernel *k)
{
    sim_host *h = host_of(k);
    sim_image *free_im = NULL;
    for (uint32_t i = 0; i < SIM_HOST_CACHE && free_im == NULL; i++)
        if (!h->cache[i].used)
            free_im = &h->cache[i];
    for (uint32_t i = 0; i < SIM_HOST_CACHE && free_im == NULL; i++)
        if (!image_has_children(k, h->cache[i].original)) {
            image_free(k, &h->cache[i]);
            free_im = &h->cache[i];
        }
    return free_im;
}

static pm_status import_regular(struct pm_kernel *k, int fd,
                                const struct stat *sb, pm_kcap *out)
{
    sim_host *h = host_of(k);
    sim_image *im = NULL;
    pm_status st = PM_OK;
    for (uint32_t i = 0; i < SIM_HOST_CACHE && im == NULL; i++)
        if (same_file(&h->cache[i], sb))
            im = &h->cache[i];
    if (im == NULL) {
        uint8_t *bytes = NULL;
        if (sb->st_size > (off_t)SIM_HOST_MAX_IMAGE)
            return PM_E_K_RANGE;
        im = cache_slot(k);
        if (im == NULL)
            return PM_E_K_NO_OBJECTS;
        st = read_all(fd, sb->st_size, &bytes);
        if (st == PM_OK)
            st = pm_sim_image_create(k, bytes, (uint64_t)sb->st_size,
                                     &im->original);
        if (st != PM_OK) {
            free(bytes);
            return st;
        }
        im->used = 1;
        im->bytes = bytes;
        im->dev = sb->st_dev;
        im->ino = sb->st_ino;
        im->size = sb->st_size;
        im->mtime = sb->st_mtim;
    }
    return pm_k_cap_derive(k, im->original, SIM_HOST_IMAGE_RIGHTS, out);
}

/* Anything else becomes a new endpoint.  The core gets its ORIGINAL cap
 * (all rights, a superset of READ | WRITE | GRANT): a derived cap would
 * be revoked when the host dropped the original, and the core's
 * pm_k_drop of an original destroys the endpoint, which is what closing
 * the descriptor means. */
static pm_status import_other(struct pm_kernel *k, pm_kcap *out)
{
    return pm_k_endpoint_create(k, out);
}

pm_status pm_kh_import_fd(struct pm_kernel *k, int fd, pm_kcap *out)
{
    pm_status st;
    struct stat sb;
    *out = PM_KCAP_NULL;
    if (fd < 0)
        return PM_E_K_ARG;
    if (fstat(fd, &sb) != 0)
        st = PM_E_K_ARG;
    else if (S_ISREG(sb.st_mode) && (fcntl(fd, F_GETFL) & O_ACCMODE) != O_WRONLY)
        st = import_regular(k, fd, &sb, out);
    else
        st = import_other(k, out);
    close(fd);
    return st;
}

pm_status pm_kh_image_open(struct pm_kernel *k, const char *path,
                           pm_kcap *out)
{
    struct stat sb;
    int fd;
    *out = PM_KCAP_NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return PM_E_K_ARG;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return PM_E_K_ARG;
    }
    return pm_kh_import_fd(k, fd, out);
}

int pm_kh_event_fd(struct pm_kernel *k)
{
    (void)k;
    return -1;
}

void pm_kh_idle(struct pm_kernel *k)
{
    (void)k;
}

int64_t pm_kh_thread_pid(struct pm_kernel *k, pm_kcap thread)
{
    pm_sim_thread_info ti;
    int64_t pid = -1;
    if (pm_sim_thread_info_get(k, thread, &ti) == PM_OK &&
        ti.state == PM_KTHREAD_RUNNING && thread.idx < PM_SIM_MAX_HANDLES)
        pid = (int64_t)k->handle[thread.idx].obj;
    return pid;
}

/* The sim's address spaces are empty: the dispatcher's default layout fits. */
void pm_kh_dispatch_layout(struct pm_dispatch_config *cfg)
{
    (void)cfg;
}
