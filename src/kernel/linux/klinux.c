/*
 * Linux backend of include/procmgr/kernel.h: capabilities (the same
 * handle/derivation/revocation model as the sim, so stale and revoked caps
 * get the same codes), images and endpoints (fds), CSpaces (slot = the fd
 * number the child gets), destroy.  Address spaces: klinux_as.c; threads
 * and events: klinux_thread.c.  spec/kernel-interface.md section 11.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procmgr/dispatch.h"
#include "klinux_internal.h"
#include "lx_common.h"

static uint32_t gen_next(uint32_t g)
{
    g++;
    return g != 0u ? g : 1u;
}

void kl_diag(struct pm_kernel *k, pm_status linux_status, int sys_errno,
             uint32_t stage, uint32_t op)
{
    k->diag.linux_status = linux_status;
    k->diag.sys_errno = sys_errno;
    k->diag.stage = stage;
    k->diag.op = op;
}

void pm_klinux_last_diag(const struct pm_kernel *k, pm_klinux_diag *out)
{
    *out = k->diag;
}

pm_status kl_errno_status(int err)
{
    switch (err) {
    case EEXIST:
        return PM_E_K_OVERLAP;
    case ENOMEM:
    case EAGAIN:
        return PM_E_K_NO_MEMORY;
    case EMFILE:
    case ENFILE:
        return PM_E_K_NO_DESCRIPTORS;   /* procmgrd's, the stub's or the system's */
    default:
        return PM_E_K_STATE;
    }
}

pm_status kl_fd_status(int err, pm_status other)
{
    return err == EMFILE || err == ENFILE ? PM_E_K_NO_DESCRIPTORS : other;
}

pm_status kl_cgroup_status(int err)
{
    return kl_fd_status(err, PM_E_LINUX_JOB_CGROUP);
}

/* ---- handles --------------------------------------------------------------- */

pm_status kl_handle_get(struct pm_kernel *k, pm_kcap c, uint32_t *h)
{
    if (c.gen == 0u || c.idx >= KL_MAX_HANDLES)
        return PM_E_K_BAD_CAP;
    if (k->handle[c.idx].state == KL_H_FREE || k->handle[c.idx].gen != c.gen)
        return PM_E_K_BAD_CAP;
    *h = c.idx;
    return PM_OK;
}

pm_status kl_cap(struct pm_kernel *k, pm_kcap c, uint32_t type, uint32_t rights,
                 uint32_t *o)
{
    uint32_t h = 0;
    pm_status st = kl_handle_get(k, c, &h);
    if (st == PM_OK && k->handle[h].state == KL_H_TOMB)
        st = PM_E_K_REVOKED;
    if (st == PM_OK && type != PM_KOBJ_NONE && k->obj[k->handle[h].obj].type != type)
        st = PM_E_K_TYPE;
    if (st == PM_OK && (k->handle[h].rights & rights) != rights)
        st = PM_E_K_BAD_RIGHTS;
    if (st == PM_OK)
        *o = k->handle[h].obj;
    return st;
}

pm_kcap kl_original_cap(const struct pm_kernel *k, uint32_t o)
{
    pm_kcap c = { k->obj[o].handle, k->handle[k->obj[o].handle].gen };
    return c;
}

/* The lowest free handle, initialising one more entry when every entry
 * below the high-water mark is in use; KL_NONE when the table is full. */
static uint32_t handle_free_index(struct pm_kernel *k)
{
    uint32_t i = 0;
    while (i < k->handle_hwm && k->handle[i].state != KL_H_FREE)
        i++;
    if (i < k->handle_hwm)
        return i;
    if (k->handle_hwm == KL_MAX_HANDLES)
        return KL_NONE;
    k->handle[i].gen = 1u;
    k->handle[i].parent = KL_NONE;
    k->handle_hwm++;
    return i;
}

static pm_kcap handle_fill(struct pm_kernel *k, uint32_t h, uint32_t o,
                           uint32_t rights, uint32_t parent)
{
    struct kl_handle *e = &k->handle[h];
    pm_kcap c;
    e->state = KL_H_LIVE;
    e->obj = o;
    e->obj_gen = k->obj[o].gen;
    e->rights = rights;
    e->original = parent == KL_NONE ? 1u : 0u;
    e->parent = parent;
    e->parent_gen = parent == KL_NONE ? 0u : k->handle[parent].gen;
    e->mark = 0u;
    k->obj[o].nhandles++;
    c.idx = h;
    c.gen = e->gen;
    return c;
}

/* The object o of generation gen, if it is still that object. */
static struct kl_obj *obj_same(struct pm_kernel *k, uint32_t o, uint32_t gen)
{
    return o < k->obj_hwm && k->obj[o].type != PM_KOBJ_NONE &&
           k->obj[o].gen == gen ? &k->obj[o] : NULL;
}

static void handle_free(struct pm_kernel *k, uint32_t h)
{
    uint32_t gen = gen_next(k->handle[h].gen);
    struct kl_obj *ob = k->handle[h].state == KL_H_FREE ? NULL :
                        obj_same(k, k->handle[h].obj, k->handle[h].obj_gen);
    if (ob != NULL && ob->nhandles > 0)
        ob->nhandles--;
    memset(&k->handle[h], 0, sizeof k->handle[h]);
    k->handle[h].gen = gen;
    k->handle[h].parent = KL_NONE;
}

static void obj_reset(struct kl_obj *ob)
{
    uint32_t gen = ob->gen;
    memset(ob, 0, sizeof *ob);
    ob->gen = gen;
    ob->handle = KL_NONE;
    ob->fd = -1;
    ob->peer = -1;
}

pm_status kl_create(struct pm_kernel *k, uint32_t type, pm_kcap *out, uint32_t *o)
{
    uint32_t i = 0, h;
    if (out == NULL)
        return PM_E_K_ARG;
    while (i < k->obj_hwm && k->obj[i].type != PM_KOBJ_NONE)
        i++;
    if (i == KL_MAX_OBJECTS)
        return PM_E_K_NO_OBJECTS;
    h = handle_free_index(k);
    if (h == KL_NONE)
        return PM_E_K_NO_OBJECTS;
    if (i == k->obj_hwm) {
        k->obj[i].gen = 1u;
        k->obj_hwm++;
    }
    obj_reset(&k->obj[i]);
    k->obj[i].type = type;
    k->obj[i].handle = h;
    *out = handle_fill(k, h, i, PM_KR_ALL, KL_NONE);
    *o = i;
    return PM_OK;
}

static void obj_free(struct pm_kernel *k, uint32_t o)
{
    handle_free(k, k->obj[o].handle);
    k->obj[o].type = PM_KOBJ_NONE;
    k->obj[o].gen = gen_next(k->obj[o].gen);
    obj_reset(&k->obj[o]);
}

void kl_uncreate(struct pm_kernel *k, pm_kcap c)
{
    obj_free(k, k->handle[c.idx].obj);
}

/* A live handle whose parent is marked (and still the same entry). */
static int parent_marked(const struct pm_kernel *k, const struct kl_handle *h)
{
    return h->state == KL_H_LIVE && h->mark == 0u && h->parent < KL_MAX_HANDLES &&
           k->handle[h->parent].mark != 0u && k->handle[h->parent].gen == h->parent_gen;
}

static void slots_revoke(struct pm_kernel *k)
{
    for (uint32_t o = 0; o < k->obj_hwm; o++) {
        struct kl_cspace *cs = k->obj[o].cs;
        if (k->obj[o].type != PM_KOBJ_CSPACE || cs == NULL || cs->nfull == 0u)
            continue;
        for (uint32_t s = 0; s < cs->nslots; s++) {
            struct kl_slot *sl = &cs->slot[s];
            if (sl->full && sl->parent < KL_MAX_HANDLES &&
                k->handle[sl->parent].mark != 0u &&
                k->handle[sl->parent].gen == sl->parent_gen) {
                memset(sl, 0, sizeof *sl);
                cs->nfull--;
            }
        }
    }
}

/* Delete every cap derived from handle h: tombstones in the handle table,
 * emptied CSpace slots (a child that already received the fd keeps it:
 * Linux cannot take an fd back, spec section 11). */
static void revoke_children(struct pm_kernel *k, uint32_t h)
{
    int changed = 1;
    k->handle[h].mark = 1u;
    while (changed) {
        changed = 0;
        for (uint32_t i = 0; i < k->handle_hwm; i++) {
            if (parent_marked(k, &k->handle[i])) {
                k->handle[i].mark = 1u;
                changed = 1;
            }
        }
    }
    slots_revoke(k);
    for (uint32_t i = 0; i < k->handle_hwm; i++) {
        struct kl_handle *e = &k->handle[i];
        if (e->mark != 0u && i != h) {
            e->state = KL_H_TOMB;
            e->obj = e->obj_gen = e->rights = e->original = 0u;
            e->parent = KL_NONE;
            e->parent_gen = 0u;
        }
        e->mark = 0u;
    }
}

pm_status pm_k_cap_info(struct pm_kernel *k, pm_kcap cap, pm_kcap_info *info)
{
    uint32_t o = 0;
    pm_status st = kl_cap(k, cap, PM_KOBJ_NONE, 0u, &o);
    if (st == PM_OK && info == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK) {
        info->type = (pm_kobj_type)k->obj[o].type;
        info->rights = k->handle[cap.idx].rights;
        info->original = k->handle[cap.idx].original;
        info->reserved = 0u;
    }
    return st;
}

pm_status pm_k_cap_derive(struct pm_kernel *k, pm_kcap cap, uint32_t rights,
                          pm_kcap *out)
{
    uint32_t o = 0, h = KL_NONE;
    pm_status st = kl_cap(k, cap, PM_KOBJ_NONE, PM_KR_GRANT, &o);
    if (st == PM_OK && (out == NULL || (rights & ~PM_KR_ALL) != 0u))
        st = PM_E_K_ARG;
    if (st == PM_OK && (rights & ~k->handle[cap.idx].rights) != 0u)
        st = PM_E_K_BAD_RIGHTS;
    if (st == PM_OK) {
        h = handle_free_index(k);
        if (h == KL_NONE)
            st = PM_E_K_NO_OBJECTS;
    }
    if (st == PM_OK)
        *out = handle_fill(k, h, o, rights, cap.idx);
    return st;
}

pm_status pm_k_revoke(struct pm_kernel *k, pm_kcap cap)
{
    uint32_t o = 0;
    pm_status st = kl_cap(k, cap, PM_KOBJ_NONE, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        revoke_children(k, cap.idx);
    return st;
}

/* Slot s of cs no longer holds its object. */
static void slot_clear(struct pm_kernel *k, struct kl_cspace *cs, uint32_t s)
{
    struct kl_obj *ob = obj_same(k, cs->slot[s].obj, cs->slot[s].obj_gen);
    if (ob != NULL && ob->nslots > 0)
        ob->nslots--;
    if (cs->slot[s].mount_len != 0)
        cs->nmounts--;
    memset(&cs->slot[s], 0, sizeof cs->slot[s]);
    cs->nfull--;
}

static void cspace_free(struct pm_kernel *k, uint32_t o)
{
    struct kl_cspace *cs = k->obj[o].cs;
    if (cs != NULL && cs->thread != KL_NONE)
        kl_detach_thread(k, cs->thread);
    for (uint32_t s = 0; cs != NULL && s < cs->nslots; s++)
        if (cs->slot[s].full)
            slot_clear(k, cs, s);
    free(cs);
    k->obj[o].cs = NULL;
}

static void thread_free(struct pm_kernel *k, uint32_t o)
{
    struct kl_thread *th = k->obj[o].th;
    if (th == NULL)
        return;
    /* Stopped if running (no event); the child is reaped later by the
     * event poll or when its AS is destroyed. */
    if (th->state == PM_KTHREAD_RUNNING && th->as != KL_NONE)
        kl_as_kill(k->obj[th->as].as);
    kl_event_drop(k, o);
    kl_thread_unbind(k, o);
    free(th);
    k->obj[o].th = NULL;
}

/* Tear the object down and free it with its original handle. */
static void obj_destroy(struct pm_kernel *k, uint32_t o)
{
    struct kl_obj *ob = &k->obj[o];
    revoke_children(k, ob->handle);
    switch (ob->type) {
    case PM_KOBJ_AS:
        kl_as_free(k, o);
        break;
    case PM_KOBJ_CSPACE:
        cspace_free(k, o);
        break;
    case PM_KOBJ_THREAD:
        thread_free(k, o);
        break;
    case PM_KOBJ_JOB:
        kl_job_free(k, o);
        break;
    default:
        if (ob->fd >= 0)
            close(ob->fd);
        if (ob->peer >= 0)
            close(ob->peer);
        break;
    }
    obj_free(k, o);
}

pm_status pm_k_destroy(struct pm_kernel *k, pm_kcap cap)
{
    uint32_t o = 0;
    pm_status st = kl_cap(k, cap, PM_KOBJ_NONE, PM_KR_MANAGE, &o);
    if (st == PM_OK && k->handle[cap.idx].original == 0u)
        st = PM_E_K_BAD_RIGHTS;
    if (st == PM_OK)
        obj_destroy(k, o);
    return st;
}

pm_status pm_k_cap_release(struct pm_kernel *k, pm_kcap cap)
{
    uint32_t h = 0;
    pm_status st = kl_handle_get(k, cap, &h);
    if (st == PM_OK && k->handle[h].state == KL_H_LIVE && k->handle[h].original != 0u)
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        if (k->handle[h].state == KL_H_LIVE)
            revoke_children(k, h);
        handle_free(k, h);
    }
    return st;
}

void pm_k_get_limits(struct pm_kernel *k, pm_k_limits *out)
{
    (void)k;
    out->page_size = KL_PAGE;
    out->user_min = KL_USER_MIN;
    out->user_limit = KL_USER_LIMIT;
    out->max_cspace_slots = PM_STUB_FD_LIMIT;
    out->max_threads_per_as = 1u;
}

/* Destroy every object (threads, then CSpaces, then address spaces, then
 * the rest) and free every handle: khost.c's pm_kh_close. */
void kl_destroy_all(struct pm_kernel *k)
{
    static const uint32_t order[] = { PM_KOBJ_THREAD, PM_KOBJ_CSPACE, PM_KOBJ_AS,
                                      PM_KOBJ_JOB, PM_KOBJ_ENDPOINT, PM_KOBJ_IMAGE };
    for (uint32_t t = 0; t < sizeof order / sizeof order[0]; t++)
        for (uint32_t o = 0; o < k->obj_hwm; o++)
            if (k->obj[o].type == order[t])
                obj_destroy(k, o);
    for (uint32_t h = 0; h < k->handle_hwm; h++)
        if (k->handle[h].state != KL_H_FREE)
            handle_free(k, h);
}

/* ---- images and endpoints -------------------------------------------------- */

void kl_refused(struct pm_kernel *k, pm_status why, pm_status as, int sys_errno)
{
    k->refusal = why;
    k->refused_as = as;
    kl_diag(k, why, sys_errno, 0, 0);
}

/* The kernel.h code for a check of an image (pm_lx_exec_check,
 * pm_lx_setid_check) that said why: an I/O failure is K_STATE; a refusal
 * (no execute permission, a noexec mount, a set-id program) is
 * K_BAD_RIGHTS to the core and the precise answer for the client through
 * pm_kh_refine_status (issue 18). */
static pm_status image_refusal(struct pm_kernel *k, pm_status why, int err)
{
    if (why == PM_E_LINUX_IMAGE_IO) {
        kl_diag(k, PM_E_LINUX_IMAGE_IO, err, 0, 0);
        return PM_E_K_STATE;
    }
    if (why != PM_OK) {
        kl_refused(k, why, PM_E_K_BAD_RIGHTS, 0);
        return PM_E_K_BAD_RIGHTS;
    }
    return PM_OK;
}

pm_status kl_image_stat(struct pm_kernel *k, pm_kcap image, uint32_t rights,
                        uint64_t *size, uint32_t *o)
{
    struct stat sb;
    pm_status st = kl_cap(k, image, PM_KOBJ_IMAGE, rights, o);
    uint32_t h = 0;
    if (st == PM_E_K_TYPE && kl_handle_get(k, image, &h) == PM_OK &&
        k->obj[k->handle[h].obj].not_image != PM_OK) {
        /* a descriptor that looks like a program but is none: K_TYPE
         * (the contract's code), and why for pm_kh_refine_status (issue
         * 18 item 10) */
        kl_refused(k, k->obj[k->handle[h].obj].not_image, st, 0);
    }
    if (st == PM_OK && fstat(k->obj[*o].fd, &sb) != 0) {
        kl_diag(k, PM_E_LINUX_IMAGE_IO, errno, 0, 0);
        st = PM_E_K_STATE;
    }
    if (st == PM_OK && k->req_set) {
        /* a launch for a client: an image execve would run for it */
        int err = 0;
        st = image_refusal(k, pm_lx_exec_check(k->obj[*o].fd, &k->req, &err), err);
    }
    if (st == PM_OK)
        *size = (uint64_t)sb.st_size;
    return st;
}

pm_status kl_image_setid(struct pm_kernel *k, uint32_t img, const struct kl_as *a,
                         uint32_t *euid, uint32_t *egid, int *changes)
{
    int err = 0;
    pm_status st = image_refusal(k, pm_lx_setid_check(k->obj[img].fd, euid, egid, &err), err);
    *changes = st == PM_OK &&
               (*euid != (uint32_t)geteuid() || *egid != (uint32_t)getegid());
    if (*changes && a->setid && (*euid != a->set_euid || *egid != a->set_egid))
        /* two set-id images that disagree (the program and its ELF
         * interpreter): which ids execve would give is not ours to pick */
        st = image_refusal(k, PM_E_LINUX_SETID_REFUSED, 0);
    return st;
}

pm_status pm_k_image_size(struct pm_kernel *k, pm_kcap image, uint64_t *size)
{
    uint32_t o = 0;
    uint64_t sz = 0;
    pm_status st = kl_image_stat(k, image, PM_KR_READ, &sz, &o);
    if (st == PM_OK && size == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK)
        *size = sz;
    return st;
}

pm_status pm_k_image_read(struct pm_kernel *k, pm_kcap image, uint64_t off,
                          uint8_t *buf, uint64_t len)
{
    uint32_t o = 0;
    uint64_t size = 0, got = 0;
    pm_status st = kl_image_stat(k, image, PM_KR_READ, &size, &o);
    if (st == PM_OK && buf == NULL && len > 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK && (off > size || len > size - off))
        st = PM_E_K_RANGE;
    while (st == PM_OK && got < len) {
        ssize_t n = pread(k->obj[o].fd, buf + got, (size_t)(len - got), (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            kl_diag(k, PM_E_LINUX_IMAGE_IO, n < 0 ? errno : 0, 0, 0);
            st = PM_E_K_RANGE;       /* the file shrank under us */
        } else {
            got += (uint64_t)n;
        }
    }
    return st;
}

pm_status pm_k_endpoint_create(struct pm_kernel *k, pm_kcap *out)
{
    int sv[2];
    uint32_t o = 0;
    pm_status st = out == NULL ? PM_E_K_ARG : PM_OK;
    if (st == PM_OK && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        const int err = errno;
        kl_diag(k, PM_OK, err, 0, 0);
        st = kl_fd_status(err, PM_E_K_NO_OBJECTS);
    }
    if (st == PM_OK) {
        st = kl_create(k, PM_KOBJ_ENDPOINT, out, &o);
        if (st != PM_OK) {
            close(sv[0]);
            close(sv[1]);
        } else {
            k->obj[o].fd = sv[0];
            k->obj[o].peer = sv[1];
        }
    }
    return st;
}

int pm_klinux_endpoint_peer(struct pm_kernel *k, pm_kcap endpoint)
{
    uint32_t o = 0;
    if (kl_cap(k, endpoint, PM_KOBJ_ENDPOINT, 0u, &o) != PM_OK)
        return -1;
    return k->obj[o].peer;
}

/* ---- CSpaces ----------------------------------------------------------------- */

pm_status pm_k_cspace_create(struct pm_kernel *k, uint32_t nslots, pm_kcap *out)
{
    uint32_t o = 0;
    struct kl_cspace *cs = NULL;
    pm_status st = out == NULL ? PM_E_K_ARG : PM_OK;
    if (st == PM_OK && (nslots == 0u || nslots > PM_STUB_FD_LIMIT))
        st = PM_E_K_RANGE;
    if (st == PM_OK) {
        cs = calloc(1, sizeof *cs);
        if (cs == NULL)
            st = PM_E_K_NO_OBJECTS;
    }
    if (st == PM_OK)
        st = kl_create(k, PM_KOBJ_CSPACE, out, &o);
    if (st == PM_OK) {
        cs->nslots = nslots;
        cs->thread = KL_NONE;
        k->obj[o].cs = cs;
    } else {
        free(cs);
    }
    return st;
}

/* The CSpace object of cap and the slot index checked against it. */
static pm_status slot_get(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                          uint32_t *o)
{
    pm_status st = kl_cap(k, cspace, PM_KOBJ_CSPACE, PM_KR_MANAGE, o);
    if (st == PM_OK && slot >= k->obj[*o].cs->nslots)
        st = PM_E_K_RANGE;
    return st;
}

pm_status pm_k_cspace_mint(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                           pm_kcap src, uint32_t rights, uint64_t badge)
{
    uint32_t cso = 0, o = 0;
    struct kl_cspace *cs = NULL;
    pm_status st = kl_cap(k, cspace, PM_KOBJ_CSPACE, PM_KR_MANAGE, &cso);
    if (st == PM_OK)
        st = kl_cap(k, src, PM_KOBJ_NONE, PM_KR_GRANT, &o);
    /* Only objects with an fd can be placed in a Linux child. */
    if (st == PM_OK && k->obj[o].type != PM_KOBJ_ENDPOINT && k->obj[o].type != PM_KOBJ_IMAGE)
        st = PM_E_K_TYPE;
    /* its descriptor went to a child with the only CSpace that held it */
    if (st == PM_OK && k->obj[o].fd < 0)
        st = PM_E_K_STATE;
    if (st == PM_OK && (rights & ~PM_KR_ALL) != 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK && (rights & ~k->handle[src.idx].rights) != 0u)
        st = PM_E_K_BAD_RIGHTS;
    if (st == PM_OK)
        st = slot_get(k, cspace, slot, &cso);
    if (st == PM_OK) {
        cs = k->obj[cso].cs;
        if (cs->slot[slot].full)
            st = PM_E_K_SLOT_OCCUPIED;
        else if (cs->sealed)
            st = PM_E_K_STATE;
        else if (cs->nfull >= PM_STUB_MAX_SLOTS)
            st = PM_E_K_NO_OBJECTS;
    }
    if (st == PM_OK) {
        struct kl_slot *sl = &cs->slot[slot];
        sl->full = 1u;
        sl->obj = o;
        sl->obj_gen = k->obj[o].gen;
        sl->rights = rights;
        sl->badge = badge;
        sl->parent = src.idx;
        sl->parent_gen = src.gen;
        cs->nfull++;
        k->obj[o].nslots++;
    }
    return st;
}

/* The slot's fd becomes the child's working directory (the stub fchdir's
 * it before the jump and closes it): a directory or an O_PATH descriptor
 * of one; anything else is K_NOT_DIRECTORY. */
pm_status pm_k_cspace_set_cwd(struct pm_kernel *k, pm_kcap cspace, uint32_t slot)
{
    uint32_t o = 0;
    struct kl_cspace *cs = NULL;
    const struct kl_obj *ob = NULL;
    struct stat sb;
    pm_status st = slot_get(k, cspace, slot, &o);
    if (st == PM_OK) {
        cs = k->obj[o].cs;
        if (!cs->slot[slot].full)
            st = PM_E_K_SLOT_EMPTY;
        else if (cs->sealed)
            st = PM_E_K_STATE;
    }
    if (st == PM_OK) {
        ob = &k->obj[cs->slot[slot].obj];
        if (ob->gen != cs->slot[slot].obj_gen || ob->fd < 0 ||
            fstat(ob->fd, &sb) != 0 || !S_ISDIR(sb.st_mode))
            st = PM_E_K_NOT_DIRECTORY;
    }
    if (st == PM_OK)
        cs->cwd_slot = slot + 1u;
    return st;
}

/* A namespace entry: the stub bind-mounts the slot's directory on the
 * path in a mount namespace of the child's own.  The path is checked here,
 * in procmgrd's view (the child's new namespace starts as a copy of it):
 * it must be a directory to mount on.  Its bytes go to the CSpace's pool
 * (not reclaimed by a delete: bounded, K_ARG when full). */
pm_status pm_k_cspace_mount(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                            const uint8_t *path, uint32_t len)
{
    uint32_t o = 0;
    struct kl_cspace *cs = NULL;
    struct kl_slot *sl = NULL;
    struct stat sb;
    pm_status st = slot_get(k, cspace, slot, &o);
    if (st == PM_OK) {
        cs = k->obj[o].cs;
        sl = &cs->slot[slot];
        if (!sl->full)
            st = PM_E_K_SLOT_EMPTY;
        else if (cs->sealed)
            st = PM_E_K_STATE;
        else if (path == NULL || len == 0 || len > 4095u || path[0] != '/' ||
                 memchr(path, '\0', len) != NULL ||
                 (sl->mount_len == 0 && cs->nmounts >= PM_STUB_MAX_MOUNTS) ||
                 len + 1u > PM_STUB_MOUNT_BYTES - cs->mount_used)
            st = PM_E_K_ARG;
    }
    if (st == PM_OK) {
        const struct kl_obj *ob = &k->obj[sl->obj];
        if (ob->gen != sl->obj_gen || ob->fd < 0 || fstat(ob->fd, &sb) != 0 ||
            !S_ISDIR(sb.st_mode))
            st = PM_E_K_NOT_DIRECTORY;
    }
    if (st == PM_OK) {
        char *p = cs->mount_paths + cs->mount_used;
        memcpy(p, path, len);
        p[len] = '\0';
        if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            kl_diag(k, PM_E_LINUX_NAME_MOUNTPOINT, errno, 0, 0);
            st = PM_E_LINUX_NAME_MOUNTPOINT;
        }
    }
    if (st == PM_OK) {
        if (sl->mount_len == 0)
            cs->nmounts++;
        sl->mount_off = cs->mount_used;
        sl->mount_len = len;
        cs->mount_used += len + 1u;
    }
    return st;
}

pm_status pm_k_cspace_delete(struct pm_kernel *k, pm_kcap cspace, uint32_t slot)
{
    uint32_t o = 0;
    pm_status st = slot_get(k, cspace, slot, &o);
    if (st == PM_OK && !k->obj[o].cs->slot[slot].full)
        st = PM_E_K_SLOT_EMPTY;
    if (st == PM_OK && k->obj[o].cs->sealed)
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        slot_clear(k, k->obj[o].cs, slot);
        if (k->obj[o].cs->cwd_slot == slot + 1u)
            k->obj[o].cs->cwd_slot = 0;   /* no working directory any more */
    }
    return st;
}

void kl_cspace_given(struct pm_kernel *k, uint32_t cso)
{
    struct kl_cspace *cs = k->obj[cso].cs;
    for (uint32_t s = 0; s < cs->nslots; s++) {
        struct kl_obj *ob = cs->slot[s].full ?
            obj_same(k, cs->slot[s].obj, cs->slot[s].obj_gen) : NULL;
        /* its original handle only (held by the process's record, which
         * needs the object, not the descriptor), and this slot only */
        if (ob != NULL && ob->fd >= 0 && ob->nhandles == 1u && ob->nslots == 1u) {
            close(ob->fd);
            ob->fd = -1;
        }
    }
}

/* ---- a layout for the dispatcher -------------------------------------------- */

void pm_klinux_dispatch_config(struct pm_dispatch_config *cfg)
{
    cfg->dyn_base = 0x100000000000ull;
    cfg->dyn_window = 0x1f0000000000ull;
    cfg->interp_base = 0x300000000000ull;
    cfg->interp_window = 0x1f0000000000ull;
    cfg->stack_top = 0x580000000000ull;
    cfg->stack_size = 8u << 20;      /* RLIMIT_STACK's usual 8 MiB */
    cfg->stack_window = 16ull << 30; /* the kernel's STACK_RND_MASK: 16 GiB */
}
