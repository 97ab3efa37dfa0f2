/*
 * sim: the invariant checker.  Each rule is one line of
 * spec/kernel-interface.md ("sim invariants"); its string is what a failing
 * test prints.  The checker reads the tables only, never trusts a counter
 * it can recompute, and stops at the first violation.
 */
#include "sim_internal.h"

static pm_status viol(pm_sim_violation *v, const char *rule, uint32_t index)
{
    if (v != NULL) {
        v->rule = rule;
        v->index = index;
    }
    return PM_E_K_INVARIANT;
}

#define CHECK(cond, rule, index) \
    do { if (!(cond)) return viol(v, (rule), (index)); } while (0)

static int obj_live(const struct pm_kernel *k, uint32_t o, uint32_t gen,
                    uint32_t type)
{
    return o < PM_SIM_MAX_OBJECTS && k->obj[o].type != PM_KOBJ_NONE &&
           k->obj[o].gen == gen && (type == PM_KOBJ_NONE || k->obj[o].type == type);
}

static int handle_live(const struct pm_kernel *k, uint32_t h, uint32_t gen)
{
    return h < PM_SIM_MAX_HANDLES && k->handle[h].state == PM_SIM_H_LIVE &&
           k->handle[h].gen == gen;
}

static pm_status check_objects(const struct pm_kernel *k, pm_sim_violation *v)
{
    uint32_t count[PM_SIM_TYPES] = { 0 };
    for (uint32_t o = 0; o < PM_SIM_MAX_OBJECTS; o++) {
        const struct pm_sim_obj *ob = &k->obj[o];
        CHECK(ob->gen != 0u, "object generation is never 0", o);
        CHECK(ob->type < PM_SIM_TYPES, "object type is a pm_kobj_type", o);
        if (ob->type == PM_KOBJ_NONE) {
            CHECK(ob->npages == 0u && ob->nbound == 0u && ob->nslots == 0u &&
                      ob->as == PM_SIM_NONE && ob->handle == PM_SIM_NONE,
                  "a free object holds nothing", o);
            continue;
        }
        count[ob->type]++;
        uint32_t h = ob->handle;
        CHECK(h < PM_SIM_MAX_HANDLES && k->handle[h].state == PM_SIM_H_LIVE &&
                  k->handle[h].original != 0u && k->handle[h].obj == o &&
                  k->handle[h].obj_gen == ob->gen,
              "every live object is held by its live original cap", o);
        if (ob->type != PM_KOBJ_AS)
            CHECK(ob->npages == 0u && ob->sealed == 0u, "only an AS maps pages", o);
        if (ob->type != PM_KOBJ_CSPACE)
            CHECK(ob->nslots == 0u && ob->cwd_slot == 0u,
                  "only a CSpace has slots and a working directory", o);
        else
            CHECK(ob->cwd_slot <= ob->nslots, "the working directory is a slot", o);
        if (ob->type != PM_KOBJ_THREAD)
            CHECK(ob->as == PM_SIM_NONE && ob->event_queued == 0u,
                  "only a thread is bound or has events", o);
    }
    for (uint32_t t = 0; t < PM_SIM_TYPES; t++) {
        CHECK(count[t] == k->live[t], "live object count matches the table", t);
        CHECK(count[t] <= k->cfg.objects[t], "live objects within the type budget", t);
    }
    return PM_OK;
}

/* A derived handle's parent chain ends at an original within the table size
 * (no cycle). */
static int chain_reaches_original(const struct pm_kernel *k, uint32_t h)
{
    for (uint32_t steps = 0; steps < PM_SIM_MAX_HANDLES; steps++) {
        const struct pm_sim_handle *e = &k->handle[h];
        if (e->original != 0u)
            return 1;
        if (!handle_live(k, e->parent, e->parent_gen))
            return 0;
        h = e->parent;
    }
    return 0;
}

static pm_status check_handles(const struct pm_kernel *k, pm_sim_violation *v)
{
    uint32_t used = 0;
    for (uint32_t i = 0; i < PM_SIM_MAX_HANDLES; i++) {
        const struct pm_sim_handle *h = &k->handle[i];
        CHECK(h->gen != 0u, "handle generation is never 0", i);
        CHECK(h->mark == 0u, "no revoke mark left behind", i);
        CHECK(h->state <= PM_SIM_H_TOMB, "handle state is FREE, LIVE or TOMB", i);
        if (h->state == PM_SIM_H_FREE)
            continue;
        used++;
        CHECK(i < k->cfg.handles, "handles only within the handle budget", i);
        if (h->state == PM_SIM_H_TOMB) {
            CHECK(h->rights == 0u && h->original == 0u && h->parent == PM_SIM_NONE,
                  "a tombstone names no object and no parent", i);
            continue;
        }
        CHECK(obj_live(k, h->obj, h->obj_gen, PM_KOBJ_NONE),
              "no capability points at a destroyed object", i);
        CHECK((h->rights & ~PM_KR_ALL) == 0u, "rights are PM_KR_* bits", i);
        if (h->original != 0u) {
            CHECK(h->parent == PM_SIM_NONE && k->obj[h->obj].handle == i &&
                      h->rights == PM_KR_ALL,
                  "an original is its object's only root and has all rights", i);
            continue;
        }
        CHECK(handle_live(k, h->parent, h->parent_gen),
              "a derived handle's parent is live", i);
        const struct pm_sim_handle *p = &k->handle[h->parent];
        CHECK(p->obj == h->obj && p->obj_gen == h->obj_gen,
              "a derived handle names its parent's object", i);
        CHECK((h->rights & ~p->rights) == 0u,
              "a derived handle's rights are within its parent's", i);
        CHECK(chain_reaches_original(k, i), "derivation chains end at an original", i);
    }
    CHECK(used == k->handles_used, "handle count matches the table", PM_SIM_NONE);
    return PM_OK;
}

static pm_status check_frames(const struct pm_kernel *k, pm_sim_violation *v)
{
    uint32_t used = 0;
    uint32_t pages[PM_SIM_MAX_OBJECTS] = { 0 };
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        const struct pm_sim_frame *fr = &k->frame[f];
        if (fr->owner == PM_SIM_NONE) {
            CHECK(fr->vaddr == 0u && fr->prot == 0u, "a free frame maps nothing", f);
            continue;
        }
        used++;
        CHECK(obj_live(k, fr->owner, fr->owner_gen, PM_KOBJ_AS),
              "a used frame belongs to a live AS", f);
        pages[fr->owner]++;
        CHECK((fr->vaddr & SIM_PAGE_MASK) == 0u, "mappings are page-aligned", f);
        CHECK(fr->vaddr >= k->cfg.user_min && fr->vaddr < k->cfg.user_limit,
              "mappings lie in the user range", f);
        CHECK((fr->prot & ~(uint32_t)SIM_PROT_ALL) == 0u, "prot is PM_PROT_* bits", f);
        CHECK(!((fr->prot & PM_PROT_W) != 0u && (fr->prot & PM_PROT_X) != 0u),
              "no page is writable and executable", f);
        for (uint32_t g = f + 1u; g < PM_SIM_MAX_FRAMES; g++)
            CHECK(k->frame[g].owner != fr->owner || k->frame[g].vaddr != fr->vaddr,
                  "no page is mapped twice", g);
    }
    CHECK(used == k->frames_used, "frames used equals pages mapped", PM_SIM_NONE);
    CHECK(used <= k->cfg.frames, "frames within the frame budget", PM_SIM_NONE);
    for (uint32_t o = 0; o < PM_SIM_MAX_OBJECTS; o++)
        CHECK(pages[o] == k->obj[o].npages, "an AS's page count matches its frames", o);
    return PM_OK;
}

static pm_status check_slot(const struct pm_kernel *k, uint32_t s,
                            pm_sim_violation *v)
{
    const struct pm_sim_slot *sl = &k->slot[s];
    CHECK(obj_live(k, sl->owner, sl->owner_gen, PM_KOBJ_CSPACE),
          "a reserved slot belongs to a live CSpace", s);
    CHECK(sl->index < k->obj[sl->owner].nslots, "a slot index is below nslots", s);
    for (uint32_t t = s + 1u; t < PM_SIM_MAX_SLOTS; t++)
        CHECK(k->slot[t].owner != sl->owner || k->slot[t].index != sl->index,
              "a CSpace slot exists once", t);
    CHECK(sl->full != 0u || sl->mount == 0u, "only a full slot is a namespace entry", s);
    if (sl->full == 0u)
        return PM_OK;
    CHECK(sl->mount == 0u || k->obj[sl->obj].type == PM_KOBJ_ENDPOINT,
          "a namespace entry holds a directory (an endpoint)", s);
    CHECK(obj_live(k, sl->obj, sl->obj_gen, PM_KOBJ_NONE),
          "no capability points at a destroyed object", s);
    CHECK(handle_live(k, sl->parent, sl->parent_gen),
          "a minted cap's parent handle is live", s);
    const struct pm_sim_handle *p = &k->handle[sl->parent];
    CHECK(p->obj == sl->obj && p->obj_gen == sl->obj_gen,
          "a minted cap names its parent's object", s);
    CHECK((sl->rights & ~p->rights) == 0u, "a minted cap's rights are within its parent's", s);
    return PM_OK;
}

static pm_status check_slots(const struct pm_kernel *k, pm_sim_violation *v)
{
    uint32_t used = 0;
    uint32_t per[PM_SIM_MAX_OBJECTS] = { 0 };
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++) {
        const struct pm_sim_slot *sl = &k->slot[s];
        if (sl->owner == PM_SIM_NONE) {
            CHECK(sl->full == 0u, "a free slot is empty", s);
            continue;
        }
        used++;
        pm_status st = check_slot(k, s, v);
        if (st != PM_OK)
            return st;
        per[sl->owner]++;
    }
    CHECK(used == k->slots_used, "reserved slot count matches the pool", PM_SIM_NONE);
    CHECK(used <= k->cfg.slots, "slots within the slot budget", PM_SIM_NONE);
    for (uint32_t o = 0; o < PM_SIM_MAX_OBJECTS; o++)
        CHECK(per[o] == k->obj[o].nslots, "a CSpace owns exactly nslots slots", o);
    return PM_OK;
}

static pm_status check_thread(const struct pm_kernel *k, uint32_t t,
                              pm_sim_violation *v)
{
    const struct pm_sim_obj *th = &k->obj[t];
    CHECK(th->state <= PM_KTHREAD_KILLED, "thread state is a pm_kthread_state", t);
    int bound = th->as != PM_SIM_NONE;
    if (th->state == PM_KTHREAD_CREATED)
        CHECK(!bound, "a CREATED thread is unbound", t);
    if (th->state == PM_KTHREAD_BOUND || th->state == PM_KTHREAD_RUNNING)
        CHECK(bound, "a BOUND or RUNNING thread is bound", t);
    if (bound) {
        CHECK(obj_live(k, th->as, th->as_gen, PM_KOBJ_AS) &&
                  obj_live(k, th->cs, th->cs_gen, PM_KOBJ_CSPACE),
              "a thread is bound to a live AS and CSpace", t);
    } else {
        CHECK(th->cs == PM_SIM_NONE, "binding is all or nothing", t);
    }
    if (th->state == PM_KTHREAD_RUNNING)
        CHECK(k->obj[th->as].sealed != 0u, "a running thread's AS is sealed", t);
    if (th->event_queued != 0u)
        CHECK(th->state >= PM_KTHREAD_EXITED, "only an ended thread has an event", t);
    if (th->suspended != 0u)
        CHECK(th->state == PM_KTHREAD_RUNNING, "only a running thread is suspended", t);
    if (th->pending_signal != 0u)
        CHECK(th->suspended != 0u || th->frozen != 0u,
              "a signal is held only while suspended or frozen", t);
    if (th->job != PM_SIM_NONE)
        CHECK(obj_live(k, th->job, th->job_gen, PM_KOBJ_JOB), "a thread's job is live", t);
    if (th->frozen != 0u)
        CHECK(th->job != PM_SIM_NONE && k->obj[th->job].frozen != 0u &&
                  th->state == PM_KTHREAD_RUNNING,
              "only a running member of a frozen job is frozen", t);
    CHECK(th->priority <= PM_K_PRIORITY_MAX, "priority is a level", t);
    for (uint32_t r = 0; r <= PM_K_RLIMIT_MAX; r++)
        CHECK(th->rlim_soft[r] <= th->rlim_hard[r], "a soft limit is within its hard limit", t);
    return PM_OK;
}

static pm_status check_threads(const struct pm_kernel *k, pm_sim_violation *v)
{
    uint32_t nbound[PM_SIM_MAX_OBJECTS] = { 0 };
    uint32_t queued = 0;
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++) {
        if (k->obj[t].type != PM_KOBJ_THREAD)
            continue;
        pm_status st = check_thread(k, t, v);
        if (st != PM_OK)
            return st;
        if (k->obj[t].as != PM_SIM_NONE) {
            nbound[k->obj[t].as]++;
            nbound[k->obj[t].cs]++;
        }
        queued += k->obj[t].event_queued;
    }
    for (uint32_t o = 0; o < PM_SIM_MAX_OBJECTS; o++) {
        CHECK(nbound[o] == k->obj[o].nbound, "bound-thread counts match the threads", o);
        if (k->obj[o].type == PM_KOBJ_AS)
            CHECK(nbound[o] <= k->cfg.max_threads_per_as,
                  "threads per AS within the limit", o);
    }
    CHECK(queued == k->nevents, "one queued event per thread marked queued", PM_SIM_NONE);
    return PM_OK;
}

static uint32_t state_of_event(pm_kevent_kind kind)
{
    if (kind == PM_K_EV_EXIT)
        return PM_KTHREAD_EXITED;
    if (kind == PM_K_EV_FAULT)
        return PM_KTHREAD_FAULTED;
    return PM_KTHREAD_KILLED;
}

static pm_status check_events(const struct pm_kernel *k, pm_sim_violation *v)
{
    CHECK(k->nevents <= PM_SIM_MAX_OBJECTS, "event queue within capacity", PM_SIM_NONE);
    for (uint32_t i = 0; i < k->nevents; i++) {
        const pm_kevent *ev = &k->event[i];
        CHECK(ev->kind >= PM_K_EV_EXIT && ev->kind <= PM_K_EV_KILLED,
              "event kind is a pm_kevent_kind", i);
        CHECK(handle_live(k, ev->thread.idx, ev->thread.gen) &&
                  k->handle[ev->thread.idx].original != 0u,
              "an event names a live thread by its original cap", i);
        const struct pm_sim_obj *th = &k->obj[k->handle[ev->thread.idx].obj];
        CHECK(th->type == PM_KOBJ_THREAD && th->event_queued != 0u,
              "an event names a thread marked queued", i);
        CHECK(th->state == state_of_event(ev->kind), "an event matches its thread's state", i);
        CHECK(ev->cookie == th->cookie, "an event carries its thread's cookie", i);
        CHECK((ev->kind == PM_K_EV_FAULT) ==
                  (ev->fault >= PM_K_FAULT_READ && ev->fault <= PM_K_FAULT_MAX_),
              "only a fault event has a fault kind", i);
        for (uint32_t j = i + 1u; j < k->nevents; j++)
            CHECK(k->event[j].thread.idx != ev->thread.idx,
                  "at most one event per thread", j);
    }
    return PM_OK;
}

pm_status pm_sim_check(const struct pm_kernel *k, pm_sim_violation *v)
{
    pm_status st = check_objects(k, v);
    if (st == PM_OK)
        st = check_handles(k, v);
    if (st == PM_OK)
        st = check_frames(k, v);
    if (st == PM_OK)
        st = check_slots(k, v);
    if (st == PM_OK)
        st = check_threads(k, v);
    if (st == PM_OK)
        st = check_events(k, v);
    return st;
}

pm_status pm_sim_check_empty(const struct pm_kernel *k, pm_sim_violation *v)
{
    pm_status st = pm_sim_check(k, v);
    if (st != PM_OK)
        return st;
    for (uint32_t t = 0; t < PM_SIM_TYPES; t++)
        CHECK(k->live[t] == 0u, "after teardown no object is live", t);
    CHECK(k->handles_used == 0u, "after teardown no handle or tombstone is held",
          PM_SIM_NONE);
    CHECK(k->frames_used == 0u, "after teardown no frame is used", PM_SIM_NONE);
    CHECK(k->slots_used == 0u, "after teardown no slot is reserved", PM_SIM_NONE);
    CHECK(k->nevents == 0u, "after teardown no event is pending", PM_SIM_NONE);
    return PM_OK;
}
