/*
 * sim: capability tables, object lifetime, failure injection, images,
 * endpoints.  Address spaces: sim_as.c.  CSpaces, threads, events:
 * sim_thread.c.  Invariants: sim_check.c.
 */
#include <string.h>

#include "sim_internal.h"

/* Default budgets: the object table is shared, so they sum to its size. */
#define SIM_DEF_AS        24u
#define SIM_DEF_CSPACES   24u
#define SIM_DEF_THREADS   32u
#define SIM_DEF_ENDPOINTS 24u
#define SIM_DEF_IMAGES    24u
#define SIM_DEF_JOBS      32u

void pm_sim_config_default(pm_sim_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->frames = PM_SIM_MAX_FRAMES;
    cfg->objects[PM_KOBJ_AS] = SIM_DEF_AS;
    cfg->objects[PM_KOBJ_CSPACE] = SIM_DEF_CSPACES;
    cfg->objects[PM_KOBJ_THREAD] = SIM_DEF_THREADS;
    cfg->objects[PM_KOBJ_ENDPOINT] = SIM_DEF_ENDPOINTS;
    cfg->objects[PM_KOBJ_IMAGE] = SIM_DEF_IMAGES;
    cfg->objects[PM_KOBJ_JOB] = SIM_DEF_JOBS;
    cfg->handles = PM_SIM_MAX_HANDLES;
    cfg->slots = PM_SIM_MAX_SLOTS;
    cfg->max_threads_per_as = 1u;
    cfg->user_min = 0x10000u;
    cfg->user_limit = 0x7ffffffff000u;
}

static pm_status config_check(const pm_sim_config *cfg)
{
    uint64_t sum = 0;
    for (uint32_t t = 0; t < PM_SIM_TYPES; t++)
        sum += cfg->objects[t];
    if (cfg->frames > PM_SIM_MAX_FRAMES || cfg->handles > PM_SIM_MAX_HANDLES ||
        cfg->slots > PM_SIM_MAX_SLOTS || sum > PM_SIM_MAX_OBJECTS ||
        cfg->objects[PM_KOBJ_NONE] != 0u || cfg->max_threads_per_as == 0u)
        return PM_E_K_RANGE;
    if ((cfg->user_min & SIM_PAGE_MASK) != 0u ||
        (cfg->user_limit & SIM_PAGE_MASK) != 0u ||
        cfg->user_min >= cfg->user_limit)
        return PM_E_K_RANGE;
    return PM_OK;
}

static void obj_clear(struct pm_sim_obj *o)
{
    uint32_t gen = o->gen;
    memset(o, 0, sizeof *o);
    o->gen = gen;
    o->handle = PM_SIM_NONE;
    o->as = PM_SIM_NONE;
    o->cs = PM_SIM_NONE;
    o->job = PM_SIM_NONE;
}

pm_status pm_sim_init(struct pm_kernel *k, const pm_sim_config *cfg)
{
    pm_sim_config def;
    if (cfg == NULL) {
        pm_sim_config_default(&def);
        cfg = &def;
    }
    pm_status st = config_check(cfg);
    if (st != PM_OK)
        return st;
    /* Bookkeeping only: the page data is cleared when a frame is mapped. */
    memset(k, 0, offsetof(struct pm_kernel, data));
    k->cfg = *cfg;
    k->rng = 0x9e3779b97f4a7c15u;
    for (uint32_t i = 0; i < PM_SIM_MAX_OBJECTS; i++) {
        k->obj[i].gen = 1u;
        obj_clear(&k->obj[i]);
    }
    for (uint32_t i = 0; i < PM_SIM_MAX_HANDLES; i++) {
        k->handle[i].gen = 1u;
        k->handle[i].parent = PM_SIM_NONE;
    }
    for (uint32_t i = 0; i < PM_SIM_MAX_SLOTS; i++) {
        k->slot[i].owner = PM_SIM_NONE;
        k->slot[i].parent = PM_SIM_NONE;
    }
    for (uint32_t i = 0; i < PM_SIM_MAX_FRAMES; i++)
        k->frame[i].owner = PM_SIM_NONE;
    return PM_OK;
}

uint32_t sim_gen_next(uint32_t g)
{
    g++;
    return g != 0u ? g : 1u;
}

/* ---- failure injection --------------------------------------------------- */

/* xorshift64.  The left shifts keep only the bits that stay inside 64
 * (x % 2^(64-s) * 2^s is x << s modulo 2^64), so nothing wraps. */
/*@ requires \valid(k);
    assigns k->rng; */
static uint64_t rng_next(struct pm_kernel *k)
{
    uint64_t x = k->rng;
    x ^= (x % 0x8000000000000u) * 0x2000u;     /* x << 13 */
    x ^= x >> 7;
    x ^= (x % 0x800000000000u) * 0x20000u;     /* x << 17 */
    k->rng = x;
    return x;
}

/* What an injected failure returns: a kernel status (kernel.h promises
 * nothing else), K_INJECTED_FAILURE for PM_OK or any other code. */
/*@ assigns \nothing;
    ensures 400 <= \result <= 499; */
static pm_status injected_status(pm_status st)
{
    return st >= 400 && st <= 499 ? st : PM_E_K_INJECTED_FAILURE;
}

void pm_sim_fail_nth(struct pm_kernel *k, uint64_t n, pm_status status)
{
    k->fail_nth = n;
    k->fail_nth_status = injected_status(status);
}

void pm_sim_fail_rate(struct pm_kernel *k, uint64_t seed, uint32_t ppm,
                      pm_status status)
{
    k->rng = seed != 0u ? seed : 0x9e3779b97f4a7c15u;
    k->fail_ppm = ppm;
    k->fail_ppm_status = injected_status(status);
}

pm_status sim_inject(struct pm_kernel *k)
{
    pm_status st = PM_OK;
    if (k->calls != UINT64_MAX)   /* a statistic: saturates, never wraps */
        k->calls++;
    if (k->fail_nth != 0u) {
        k->fail_nth--;
        if (k->fail_nth == 0u)
            st = k->fail_nth_status;
    }
    if (st == PM_OK && k->fail_ppm != 0u &&
        rng_next(k) % 1000000u < (uint64_t)k->fail_ppm)
        st = k->fail_ppm_status;
    if (st != PM_OK && k->injected != UINT64_MAX)
        k->injected++;
    /* sim_ok's parts one at a time: each is an easy goal, their
     * conjunction in one goal is not (the provers time out). */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h); */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_OBJECTS ==> sim_obj_ok(k, h); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
    return st;
}

/* ---- capabilities -------------------------------------------------------- */

pm_status sim_handle(struct pm_kernel *k, pm_kcap c, uint32_t *hidx)
{
    if (c.gen == 0u || c.idx >= PM_SIM_MAX_HANDLES)
        return PM_E_K_BAD_CAP;
    const struct pm_sim_handle *h = &k->handle[c.idx];
    if (h->state == PM_SIM_H_FREE || h->gen != c.gen)
        return PM_E_K_BAD_CAP;
    *hidx = c.idx;
    return PM_OK;
}

pm_status sim_cap(struct pm_kernel *k, pm_kcap c, uint32_t type,
                  uint32_t rights, uint32_t *oidx)
{
    uint32_t hidx;
    pm_status st = sim_handle(k, c, &hidx);
    if (st != PM_OK)
        return st;
    const struct pm_sim_handle *h = &k->handle[hidx];
    /*@ assert sim_handle_ok(k, hidx); */
    if (h->state == PM_SIM_H_TOMB)
        return PM_E_K_REVOKED;
    /* Neither FREE (sim_handle), TOMB nor LIVE: a corrupt entry, whose obj
     * sim_ok does not bound; never index the object table with it. */
    if (h->state != PM_SIM_H_LIVE)
        return PM_E_K_BAD_CAP;
    /*@ assert h->obj < PM_SIM_MAX_OBJECTS; */
    if (type != PM_KOBJ_NONE && k->obj[h->obj].type != type)
        return PM_E_K_TYPE;
    if ((h->rights & rights) != rights)
        return PM_E_K_BAD_RIGHTS;
    *oidx = h->obj;
    return PM_OK;
}

pm_kcap sim_original_cap(const struct pm_kernel *k, uint32_t oidx)
{
    uint32_t h = k->obj[oidx].handle;
    pm_kcap c = { h, k->handle[h].gen };
    return c;
}

static uint32_t handle_alloc_index(const struct pm_kernel *k)
{
    uint32_t i = 0;
    while (i < k->cfg.handles && k->handle[i].state != PM_SIM_H_FREE)
        i++;
    return i < k->cfg.handles ? i : PM_SIM_NONE;
}

/* Fill a free handle entry; the caller has checked hidx is free. */
static pm_kcap handle_fill(struct pm_kernel *k, uint32_t hidx, uint32_t oidx,
                           uint32_t rights, uint32_t parent)
{
    struct pm_sim_handle *h = &k->handle[hidx];
    h->state = PM_SIM_H_LIVE;
    h->obj = oidx;
    h->obj_gen = k->obj[oidx].gen;
    h->rights = rights;
    h->original = parent == PM_SIM_NONE ? 1u : 0u;
    h->parent = parent;
    h->parent_gen = parent == PM_SIM_NONE ? 0u : k->handle[parent].gen;
    h->mark = 0u;
    k->handles_used++;
    pm_kcap c = { hidx, h->gen };
    return c;
}

pm_status sim_create(struct pm_kernel *k, uint32_t type, pm_kcap *out,
                     uint32_t *oidx)
{
    if (out == NULL)
        return PM_E_K_ARG;
    if (k->live[type] >= k->cfg.objects[type])
        return PM_E_K_NO_OBJECTS;
    uint32_t o = 0;
    while (o < PM_SIM_MAX_OBJECTS && k->obj[o].type != PM_KOBJ_NONE)
        o++;
    uint32_t h = handle_alloc_index(k);
    if (o == PM_SIM_MAX_OBJECTS || h == PM_SIM_NONE)
        return PM_E_K_NO_OBJECTS;
    obj_clear(&k->obj[o]);
    k->obj[o].type = type;
    k->obj[o].handle = h;
    k->live[type]++;
    *out = handle_fill(k, h, o, PM_KR_ALL, PM_SIM_NONE);
    if (oidx != NULL)
        *oidx = o;
    return PM_OK;
}

/* A live handle whose parent is marked (and still the same entry). */
static int parent_marked(const struct pm_kernel *k, const struct pm_sim_handle *h)
{
    return h->state == PM_SIM_H_LIVE && h->mark == 0u && h->parent < PM_SIM_MAX_HANDLES &&
           k->handle[h->parent].mark != 0u &&
           k->handle[h->parent].gen == h->parent_gen;
}

void sim_revoke_children(struct pm_kernel *k, uint32_t hidx)
{
    /* Mark the derivation subtree below hidx (fixed point: each pass marks
     * at least one more handle, so at most PM_SIM_MAX_HANDLES passes). */
    k->handle[hidx].mark = 1u;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (uint32_t i = 0; i < PM_SIM_MAX_HANDLES; i++) {
            if (parent_marked(k, &k->handle[i])) {
                k->handle[i].mark = 1u;
                changed = 1;
            }
        }
    }
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++) {
        struct pm_sim_slot *sl = &k->slot[s];
        if (sl->full && sl->parent < PM_SIM_MAX_HANDLES &&
            k->handle[sl->parent].mark != 0u &&
            k->handle[sl->parent].gen == sl->parent_gen) {
            sl->full = 0u;
            sl->obj = sl->obj_gen = sl->rights = 0u;
            sl->parent = PM_SIM_NONE;
            sl->parent_gen = 0u;
            sl->mount = 0u;
            sl->badge = 0u;
        }
    }
    for (uint32_t i = 0; i < PM_SIM_MAX_HANDLES; i++) {
        struct pm_sim_handle *h = &k->handle[i];
        if (h->mark != 0u && i != hidx) {
            /* Tombstone: names nothing, refuses use until released. */
            h->state = PM_SIM_H_TOMB;
            h->obj = h->obj_gen = h->rights = h->original = 0u;
            h->parent = PM_SIM_NONE;
            h->parent_gen = 0u;
        }
        h->mark = 0u;
    }
}

static void handle_free(struct pm_kernel *k, uint32_t hidx)
{
    struct pm_sim_handle *h = &k->handle[hidx];
    uint32_t gen = sim_gen_next(h->gen);
    memset(h, 0, sizeof *h);
    h->gen = gen;
    h->parent = PM_SIM_NONE;
    k->handles_used--;
}

pm_status pm_k_cap_info(struct pm_kernel *k, pm_kcap cap, pm_kcap_info *info)
{
    uint32_t o;
    pm_status st = sim_cap(k, cap, PM_KOBJ_NONE, 0u, &o);
    if (st == PM_OK && info == NULL)
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    info->type = (pm_kobj_type)k->obj[o].type;
    info->rights = k->handle[cap.idx].rights;
    info->original = k->handle[cap.idx].original;
    info->reserved = 0u;
    return PM_OK;
}

pm_status pm_k_cap_derive(struct pm_kernel *k, pm_kcap cap, uint32_t rights,
                          pm_kcap *out)
{
    uint32_t o;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, cap, PM_KOBJ_NONE, PM_KR_GRANT, &o);
    if (st == PM_OK && (out == NULL || (rights & ~PM_KR_ALL) != 0u))
        st = PM_E_K_ARG;
    if (st == PM_OK && (rights & ~k->handle[cap.idx].rights) != 0u)
        st = PM_E_K_BAD_RIGHTS;
    uint32_t h = PM_SIM_NONE;
    if (st == PM_OK) {
        h = handle_alloc_index(k);
        if (h == PM_SIM_NONE)
            st = PM_E_K_NO_OBJECTS;
    }
    if (st == PM_OK)
        *out = handle_fill(k, h, o, rights, cap.idx);
    return st;
}

pm_status pm_k_revoke(struct pm_kernel *k, pm_kcap cap)
{
    uint32_t o;
    pm_status st = sim_cap(k, cap, PM_KOBJ_NONE, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        sim_revoke_children(k, cap.idx);
    return st;
}

pm_status pm_k_destroy(struct pm_kernel *k, pm_kcap cap)
{
    uint32_t o;
    pm_status st = sim_cap(k, cap, PM_KOBJ_NONE, PM_KR_MANAGE, &o);
    if (st == PM_OK && k->handle[cap.idx].original == 0u)
        st = PM_E_K_BAD_RIGHTS;
    if (st != PM_OK)
        return st;
    sim_revoke_children(k, cap.idx);
    uint32_t type = k->obj[o].type;
    if (type == PM_KOBJ_AS) {
        sim_detach_threads(k, o);
        sim_as_release_frames(k, o);
    } else if (type == PM_KOBJ_CSPACE) {
        sim_detach_threads(k, o);
        sim_cspace_release_slots(k, o);
    } else if (type == PM_KOBJ_THREAD) {
        sim_thread_release(k, o);
    } else if (type == PM_KOBJ_JOB) {
        sim_job_release(k, o);
    }
    k->obj[o].type = PM_KOBJ_NONE;
    k->obj[o].gen = sim_gen_next(k->obj[o].gen);
    obj_clear(&k->obj[o]);
    k->live[type]--;
    handle_free(k, cap.idx);
    return PM_OK;
}

pm_status pm_k_cap_release(struct pm_kernel *k, pm_kcap cap)
{
    uint32_t hidx;
    pm_status st = sim_handle(k, cap, &hidx);
    if (st == PM_OK && k->handle[hidx].state == PM_SIM_H_LIVE &&
        k->handle[hidx].original != 0u)
        st = PM_E_K_STATE;
    if (st != PM_OK)
        return st;
    if (k->handle[hidx].state == PM_SIM_H_LIVE)
        sim_revoke_children(k, hidx);
    handle_free(k, hidx);
    return PM_OK;
}

void pm_k_get_limits(struct pm_kernel *k, pm_k_limits *out)
{
    out->page_size = PM_SIM_PAGE_SIZE;
    out->user_min = k->cfg.user_min;
    out->user_limit = k->cfg.user_limit;
    out->max_cspace_slots = PM_SIM_MAX_CSPACE_SLOTS;
    out->max_threads_per_as = k->cfg.max_threads_per_as;
}

/* ---- images and endpoints --------------------------------------------- */

pm_status pm_sim_image_create(struct pm_kernel *k, const uint8_t *bytes,
                              uint64_t size, pm_kcap *out)
{
    uint32_t o;
    if (bytes == NULL && size > 0u)
        return PM_E_K_ARG;
    pm_status st = sim_create(k, PM_KOBJ_IMAGE, out, &o);
    if (st == PM_OK) {
        k->obj[o].bytes = bytes;
        k->obj[o].size = size;
    }
    return st;
}

pm_status pm_k_image_size(struct pm_kernel *k, pm_kcap image, uint64_t *size)
{
    uint32_t o;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, image, PM_KOBJ_IMAGE, PM_KR_READ, &o);
    if (st == PM_OK && size == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK)
        *size = k->obj[o].size;
    return st;
}

pm_status pm_k_image_read(struct pm_kernel *k, pm_kcap image, uint64_t off,
                          uint8_t *buf, uint64_t len)
{
    uint32_t o;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, image, PM_KOBJ_IMAGE, PM_KR_READ, &o);
    if (st == PM_OK && buf == NULL && len > 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK && (off > k->obj[o].size || len > k->obj[o].size - off))
        st = PM_E_K_RANGE;
    if (st == PM_OK && len > 0u)
        memcpy(buf, k->obj[o].bytes + off, (size_t)len);
    return st;
}

pm_status pm_k_endpoint_create(struct pm_kernel *k, pm_kcap *out)
{
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_create(k, PM_KOBJ_ENDPOINT, out, NULL);
    return st;
}

/* ---- statistics --------------------------------------------------------- */

void pm_sim_stats_get(const struct pm_kernel *k, pm_sim_stats *st)
{
    memset(st, 0, sizeof *st);
    st->frames_used = k->frames_used;
    st->frames_budget = k->cfg.frames;
    for (uint32_t t = 0; t < PM_SIM_TYPES; t++) {
        st->live[t] = k->live[t];
        st->objects += k->live[t];
    }
    for (uint32_t i = 0; i < PM_SIM_MAX_HANDLES; i++) {
        if (k->handle[i].state == PM_SIM_H_LIVE)
            st->handles_live++;
        else if (k->handle[i].state == PM_SIM_H_TOMB)
            st->handles_tomb++;
    }
    st->slots_reserved = k->slots_used;
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++)
        st->slots_full += k->slot[s].full != 0u ? 1u : 0u;
    st->events = k->nevents;
    st->calls = k->calls;
    st->injected = k->injected;
}
