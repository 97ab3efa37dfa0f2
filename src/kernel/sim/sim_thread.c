/*
 * sim: CSpaces (slots from one pool), threads (state machine, bindings),
 * and the event queue.
 */
#include <string.h>

#include "sim_internal.h"

/* ---- CSpaces -------------------------------------------------------------- */

static uint32_t slot_find(const struct pm_kernel *k, uint32_t cs, uint32_t index)
{
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++) {
        if (k->slot[s].owner == cs && k->slot[s].index == index)
            return s;
    }
    return PM_SIM_NONE;
}

static void slot_empty(struct pm_sim_slot *sl)
{
    sl->full = 0u;
    sl->obj = sl->obj_gen = sl->rights = 0u;
    sl->parent = PM_SIM_NONE;
    sl->parent_gen = 0u;
    sl->mount = 0u;
    sl->badge = 0u;
}

pm_status pm_k_cspace_create(struct pm_kernel *k, uint32_t nslots, pm_kcap *out)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK && out == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK && (nslots == 0u || nslots > PM_SIM_MAX_CSPACE_SLOTS))
        st = PM_E_K_RANGE;
    if (st == PM_OK && nslots > k->cfg.slots - k->slots_used)
        st = PM_E_K_NO_OBJECTS;
    if (st == PM_OK)
        st = sim_create(k, PM_KOBJ_CSPACE, out, &o);
    if (st != PM_OK)
        return st;
    /* Enough free entries exist: slots_used counts every reserved one. */
    uint32_t s = 0;
    for (uint32_t i = 0; i < nslots; i++) {
        while (k->slot[s].owner != PM_SIM_NONE)
            s++;
        k->slot[s].owner = o;
        k->slot[s].owner_gen = k->obj[o].gen;
        k->slot[s].index = i;
        slot_empty(&k->slot[s]);
    }
    k->obj[o].nslots = nslots;
    k->slots_used += nslots;
    return PM_OK;
}

/* The pool entry of slot `slot` of CSpace cap `cspace` needing `rights`. */
static pm_status slot_get(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                          uint32_t rights, uint32_t *sidx)
{
    uint32_t o = 0;
    pm_status st = sim_cap(k, cspace, PM_KOBJ_CSPACE, rights, &o);
    if (st == PM_OK && slot >= k->obj[o].nslots)
        st = PM_E_K_RANGE;
    if (st == PM_OK)
        *sidx = slot_find(k, o, slot);
    return st;
}

pm_status pm_k_cspace_mint(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                           pm_kcap src, uint32_t rights, uint64_t badge)
{
    uint32_t cs = 0, o = 0, s = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, cspace, PM_KOBJ_CSPACE, PM_KR_MANAGE, &cs);
    if (st == PM_OK)
        st = sim_cap(k, src, PM_KOBJ_NONE, PM_KR_GRANT, &o);
    if (st == PM_OK && (rights & ~PM_KR_ALL) != 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK && (rights & ~k->handle[src.idx].rights) != 0u)
        st = PM_E_K_BAD_RIGHTS;
    if (st == PM_OK)
        st = slot_get(k, cspace, slot, PM_KR_MANAGE, &s);
    if (st == PM_OK && k->slot[s].full != 0u)
        st = PM_E_K_SLOT_OCCUPIED;
    if (st != PM_OK)
        return st;
    struct pm_sim_slot *sl = &k->slot[s];
    sl->full = 1u;
    sl->obj = o;
    sl->obj_gen = k->obj[o].gen;
    sl->rights = rights;
    sl->badge = badge;
    sl->parent = src.idx;
    sl->parent_gen = src.gen;
    return PM_OK;
}

pm_status pm_k_cspace_delete(struct pm_kernel *k, pm_kcap cspace, uint32_t slot)
{
    uint32_t s = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = slot_get(k, cspace, slot, PM_KR_MANAGE, &s);
    if (st == PM_OK && k->slot[s].full == 0u)
        st = PM_E_K_SLOT_EMPTY;
    if (st == PM_OK) {
        uint32_t cs = k->slot[s].owner;
        if (k->obj[cs].cwd_slot == slot + 1u)
            k->obj[cs].cwd_slot = 0u;   /* no working directory any more */
        slot_empty(&k->slot[s]);
    }
    return st;
}

void sim_cspace_release_slots(struct pm_kernel *k, uint32_t oidx)
{
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++) {
        struct pm_sim_slot *sl = &k->slot[s];
        if (sl->owner == oidx) {
            slot_empty(sl);
            sl->owner = PM_SIM_NONE;
            sl->owner_gen = 0u;
            sl->index = 0u;
            k->slots_used--;
        }
    }
    k->obj[oidx].nslots = 0u;
}

/* 1 when a thread bound to CSpace cs has been started (it runs, or ran,
 * its program: the CSpace was given away). */
static int cspace_started(const struct pm_kernel *k, uint32_t cs)
{
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++) {
        const struct pm_sim_obj *th = &k->obj[t];
        if (th->type == PM_KOBJ_THREAD && th->cs == cs &&
            th->state != PM_KTHREAD_CREATED && th->state != PM_KTHREAD_BOUND)
            return 1;
    }
    return 0;
}

/* The checks shared by the working directory and a namespace entry: a
 * full slot of a CSpace whose process has not started.  Sets *cs and *s. */
static pm_status dir_slot(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                          uint32_t *cs, uint32_t *s)
{
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, cspace, PM_KOBJ_CSPACE, PM_KR_MANAGE, cs);
    if (st == PM_OK)
        st = slot_get(k, cspace, slot, PM_KR_MANAGE, s);
    if (st == PM_OK && k->slot[*s].full == 0u)
        st = PM_E_K_SLOT_EMPTY;
    if (st == PM_OK && cspace_started(k, *cs))
        st = PM_E_K_STATE;
    return st;
}

/* The sim has no file system: an endpoint stands for a directory, an
 * image (a file) is not one. */
pm_status pm_k_cspace_set_cwd(struct pm_kernel *k, pm_kcap cspace, uint32_t slot)
{
    uint32_t cs = 0, s = 0;
    pm_status st = dir_slot(k, cspace, slot, &cs, &s);
    if (st == PM_OK && k->obj[k->slot[s].obj].type != PM_KOBJ_ENDPOINT)
        st = PM_E_K_NOT_DIRECTORY;
    if (st == PM_OK)
        k->obj[cs].cwd_slot = slot + 1u;
    return st;
}

/* A namespace entry: as the working directory, an endpoint stands for a
 * directory; the path is checked for shape only (no file system). */
pm_status pm_k_cspace_mount(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                            const uint8_t *path, uint32_t len)
{
    uint32_t cs = 0, s = 0;
    pm_status st = dir_slot(k, cspace, slot, &cs, &s);
    if (st == PM_OK && (path == NULL || len == 0u || len > 4095u || path[0] != '/'))
        st = PM_E_K_ARG;
    if (st == PM_OK && k->obj[k->slot[s].obj].type != PM_KOBJ_ENDPOINT)
        st = PM_E_K_NOT_DIRECTORY;
    if (st == PM_OK)
        k->slot[s].mount = 1u;
    return st;
}

/* 1 when CSpace cs has a namespace entry. */
static int cspace_has_mount(const struct pm_kernel *k, uint32_t cs)
{
    for (uint32_t s = 0; s < PM_SIM_MAX_SLOTS; s++)
        if (k->slot[s].owner == cs && k->slot[s].full && k->slot[s].mount)
            return 1;
    return 0;
}

void pm_sim_deny_namespaces(struct pm_kernel *k, uint32_t deny)
{
    k->deny_namespaces = deny;
}

pm_status pm_sim_cspace_slot(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                             pm_sim_slot_info *info)
{
    uint32_t s = 0;
    pm_status st = slot_get(k, cspace, slot, 0u, &s);
    if (st == PM_OK && info == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK && k->slot[s].full == 0u)
        st = PM_E_K_SLOT_EMPTY;
    if (st == PM_OK) {
        info->type = (pm_kobj_type)k->obj[k->slot[s].obj].type;
        info->rights = k->slot[s].rights;
        info->badge = k->slot[s].badge;
        info->cwd = k->obj[k->slot[s].owner].cwd_slot == slot + 1u;
        info->mount = k->slot[s].mount;
    }
    return st;
}

/* ---- usage ---------------------------------------------------------------- */

/* The model's usage of thread o: resident = the pages mapped in its
 * address space (while bound); no CPU clock, no limits. */
/*@ requires \valid_read(k) && o < PM_SIM_MAX_OBJECTS;
    assigns \nothing; */
static pm_k_usage sim_usage_of(const struct pm_kernel *k, uint32_t o)
{
    static const pm_k_usage none;   /* all zero: what is not known */
    pm_k_usage u = none;
    uint32_t as = k->obj[o].as;
    if (as < PM_SIM_MAX_OBJECTS && k->obj[as].type == PM_KOBJ_AS &&
        k->obj[as].gen == k->obj[o].as_gen) {
        u.valid = PM_K_USAGE_RSS;
        u.rss_bytes = (uint64_t)k->obj[as].npages * PM_SIM_PAGE_SIZE;
    }
    return u;
}

pm_status pm_k_thread_usage(struct pm_kernel *k, pm_kcap thread,
                            pm_k_usage *out)
{
    uint32_t t = 0;
    pm_status st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_READ, &t);
    if (st == PM_OK && out == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK && k->obj[t].state != PM_KTHREAD_BOUND &&
        k->obj[t].state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    if (st == PM_OK)
        *out = sim_usage_of(k, t);
    return st;
}

/* ---- events --------------------------------------------------------------- */

void sim_event_push(struct pm_kernel *k, uint32_t oidx, pm_kevent_kind kind,
                    pm_kfault fault, int64_t code, uint64_t addr)
{
    /* At most one event per live thread, and the queue holds one per object. */
    if (k->nevents >= PM_SIM_MAX_OBJECTS)
        return;
    static const pm_kevent none;    /* the fields a kind leaves unset: 0 */
    pm_kevent ev = none;
    ev.kind = kind;
    ev.fault = fault;
    ev.thread = sim_original_cap(k, oidx);
    ev.cookie = k->obj[oidx].cookie;
    ev.code = code;
    ev.addr = addr;
    ev.usage = sim_usage_of(k, oidx);   /* the model's final usage */
    uint32_t n = k->nevents;
    k->nevents = n + 1u;
    k->obj[oidx].event_queued = 1u;
    /* sim_ok's parts one at a time (as in sim_as.c's set_counts), before
     * and after the event is stored. */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==>
                 sim_handle_ok(k, h); */
    /*@ assert \forall integer o; 0 <= o < PM_SIM_MAX_OBJECTS ==>
                 sim_obj_ok(k, o); */
    /*@ assert sim_inject_ok(k); */
    k->event[n] = ev;
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==>
                 sim_handle_ok(k, h); */
    /*@ assert \forall integer o; 0 <= o < PM_SIM_MAX_OBJECTS ==>
                 sim_obj_ok(k, o); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
}

static void event_remove(struct pm_kernel *k, uint32_t i)
{
    for (uint32_t j = i; j + 1u < k->nevents; j++)
        k->event[j] = k->event[j + 1u];
    k->nevents--;
    memset(&k->event[k->nevents], 0, sizeof k->event[0]);
}

pm_status pm_k_event_poll(struct pm_kernel *k, pm_kevent *ev)
{
    if (ev == NULL)
        return PM_E_K_ARG;
    if (k->nevents == 0u)
        return PM_E_K_NO_EVENT;
    *ev = k->event[0];
    k->obj[k->handle[ev->thread.idx].obj].event_queued = 0u;
    event_remove(k, 0u);
    return PM_OK;
}

/* ---- threads -------------------------------------------------------------- */

pm_status pm_k_thread_create(struct pm_kernel *k, uint64_t cookie, pm_kcap *out)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_create(k, PM_KOBJ_THREAD, out, &o);
    if (st == PM_OK) {
        k->obj[o].state = PM_KTHREAD_CREATED;
        k->obj[o].cookie = cookie;
        k->obj[o].priority = 2u;   /* normal */
        for (uint32_t r = 0; r <= PM_K_RLIMIT_MAX; r++) {
            k->obj[o].rlim_soft[r] = PM_K_RLIM_INFINITY;
            k->obj[o].rlim_hard[r] = PM_K_RLIM_INFINITY;
        }
    }
    return st;
}

static void thread_unbind(struct pm_kernel *k, struct pm_sim_obj *t)
{
    if (t->as != PM_SIM_NONE) {
        k->obj[t->as].nbound--;
        k->obj[t->cs].nbound--;
    }
    t->as = t->cs = PM_SIM_NONE;
    t->as_gen = t->cs_gen = 0u;
    t->ipc_buffer = 0u;
}

/* The IPC buffer: a page-aligned, mapped, writable page of AS o. */
static pm_status ipc_buffer_check(const struct pm_kernel *k, uint32_t o,
                                  uint64_t ipc)
{
    if ((ipc & SIM_PAGE_MASK) != 0u)
        return PM_E_K_ALIGN;
    if (ipc < k->cfg.user_min || ipc >= k->cfg.user_limit)
        return PM_E_K_RANGE;
    uint32_t f = sim_frame_find(k, o, ipc);
    if (f == PM_SIM_NONE)
        return PM_E_K_NOT_MAPPED;
    if ((k->frame[f].prot & PM_PROT_W) == 0u)
        return PM_E_K_PROT;
    return PM_OK;
}

pm_status pm_k_thread_bind(struct pm_kernel *k, pm_kcap thread, pm_kcap as,
                           pm_kcap cspace, uint64_t ipc_buffer)
{
    uint32_t t = 0, a = 0, c = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_GRANT, &a);
    if (st == PM_OK)
        st = sim_cap(k, cspace, PM_KOBJ_CSPACE, PM_KR_GRANT, &c);
    struct pm_sim_obj *th = &k->obj[t];
    if (st == PM_OK && th->state != PM_KTHREAD_CREATED &&
        th->state != PM_KTHREAD_BOUND)
        st = PM_E_K_STATE;
    if (st == PM_OK)
        st = ipc_buffer_check(k, a, ipc_buffer);
    if (st == PM_OK) {
        uint32_t others = k->obj[a].nbound - (th->as == a ? 1u : 0u);
        if (others >= k->cfg.max_threads_per_as)
            st = PM_E_K_NO_OBJECTS;
    }
    if (st == PM_OK && k->deny_namespaces != 0u && cspace_has_mount(k, c))
        st = PM_E_LINUX_NAMESPACE_DENIED;
    if (st != PM_OK)
        return st;
    thread_unbind(k, th);
    th->as = a;
    th->as_gen = k->obj[a].gen;
    th->cs = c;
    th->cs_gen = k->obj[c].gen;
    th->ipc_buffer = ipc_buffer;
    k->obj[a].nbound++;
    k->obj[c].nbound++;
    th->state = PM_KTHREAD_BOUND;
    return PM_OK;
}

/* What the first instructions would do: fetch at entry, read argc at sp.
 * A just-started thread faults at once on an entry not mapped executable
 * or a stack pointer not mapped readable and writable. */
/*@ requires sim_ok(k) && t < PM_SIM_MAX_OBJECTS;
    requires k->obj[t].type == PM_KOBJ_THREAD && k->obj[t].as < PM_SIM_MAX_OBJECTS;
    assigns k->obj[t].state, k->event[0 .. PM_SIM_MAX_OBJECTS - 1], k->nevents,
            k->obj[t].event_queued;
    ensures sim_ok(k);
    ensures sim_keeps_maps{Pre, Post}(k); */
static void thread_first_steps(struct pm_kernel *k, uint32_t t)
{
    struct pm_sim_obj *th = &k->obj[t];
    uint32_t fe = sim_frame_find(k, th->as, th->entry & ~SIM_PAGE_MASK);
    uint32_t fs = sim_frame_find(k, th->as, th->sp & ~SIM_PAGE_MASK);
    pm_kfault fault = PM_K_FAULT_NONE;
    uint64_t addr = 0;
    if (fe == PM_SIM_NONE || (k->frame[fe].prot & PM_PROT_X) == 0u) {
        fault = PM_K_FAULT_EXEC;
        addr = th->entry;
    } else if (fs == PM_SIM_NONE || (k->frame[fs].prot & PM_PROT_R) == 0u) {
        fault = PM_K_FAULT_READ;
        addr = th->sp;
    } else if ((k->frame[fs].prot & PM_PROT_W) == 0u) {
        fault = PM_K_FAULT_WRITE;
        addr = th->sp;
    }
    if (fault != PM_K_FAULT_NONE) {
        th->state = PM_KTHREAD_FAULTED;
        /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==>
                     sim_handle_ok(k, h); */
        /*@ assert \forall integer o; 0 <= o < PM_SIM_MAX_OBJECTS ==>
                     o != t ==> sim_obj_ok(k, o); */
        /*@ assert sim_obj_ok(k, t); */
        /*@ assert sim_ok(k); */
        /*@ assert sim_keeps_maps{Pre, Here}(k); */
        sim_event_push(k, t, PM_K_EV_FAULT, fault, 0, addr);
    }
}

/* Bound thread t runs from entry with stack sp; its address space is
 * sealed (no more construction).  No mapping, handle or type changes. */
/*@ requires sim_ok(k) && t < PM_SIM_MAX_OBJECTS;
    requires k->obj[t].type == PM_KOBJ_THREAD &&
             k->obj[t].state == PM_KTHREAD_BOUND;
    assigns k->obj[t].entry, k->obj[t].sp, k->obj[t].state,
            k->obj[k->obj[t].as].sealed;
    ensures k->obj[t].as == \old(k->obj[t].as) &&
            k->obj[t].as < PM_SIM_MAX_OBJECTS;
    ensures sim_ok(k);
    ensures sim_keeps_maps{Pre, Post}(k); */
static void thread_run(struct pm_kernel *k, uint32_t t, uint64_t entry,
                       uint64_t sp)
{
    /*@ assert sim_obj_ok(k, t); */
    struct pm_sim_obj *th = &k->obj[t];
    th->entry = entry;
    th->sp = sp;
    th->state = PM_KTHREAD_RUNNING;
    k->obj[th->as].sealed = 1u;
    /* sim_ok's parts one at a time (as in sim_as.c's set_counts). */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==>
                 sim_handle_ok(k, h); */
    /*@ assert \forall integer o; 0 <= o < PM_SIM_MAX_OBJECTS ==>
                 sim_obj_ok(k, o); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
}

/*@ requires sim_ok(k) && sim_glue(k, pm_k_vm);
    ensures sim_ok(k) && sim_glue(k, pm_k_vm); */
pm_status pm_k_thread_start(struct pm_kernel *k, pm_kcap thread,
                            uint64_t entry, uint64_t sp)
{
    uint32_t t = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);
    if (st == PM_OK && k->obj[t].state != PM_KTHREAD_BOUND)
        st = PM_E_K_STATE;
    if (st != PM_OK)
        return st;
    /*@ assert sim_obj_ok(k, t); */
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
    uint32_t job = k->obj[t].job;
    if (job != PM_SIM_NONE && k->obj[job].frozen != 0u)
        return PM_E_K_STATE;   /* its job is frozen: it could not take a step */
    thread_run(k, t, entry, sp);
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
    thread_first_steps(k, t);
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
    return PM_OK;
}

pm_status pm_k_thread_kill(struct pm_kernel *k, pm_kcap thread)
{
    uint32_t t = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);
    if (st == PM_OK && k->obj[t].state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        k->obj[t].state = PM_KTHREAD_KILLED;
        k->obj[t].suspended = 0u;
        k->obj[t].frozen = 0u;
        k->obj[t].pending_signal = 0u;
        sim_event_push(k, t, PM_K_EV_KILLED, PM_K_FAULT_NONE, 0, 0u);
    }
    return st;
}

/* The default disposition of a signal, as the sim models it (kernel.h). */
enum sim_disposition { SIM_SIG_END, SIM_SIG_STOP, SIM_SIG_CONT, SIM_SIG_IGNORE };

static enum sim_disposition disposition_of(uint32_t sig)
{
    switch (sig) {
    case PM_K_SIGSTOP: case PM_K_SIGTSTP: case PM_K_SIGTTIN: case PM_K_SIGTTOU:
        return SIM_SIG_STOP;
    case PM_K_SIGCONT:
        return SIM_SIG_CONT;
    case PM_K_SIGCHLD: case PM_K_SIGURG: case PM_K_SIGWINCH:
        return SIM_SIG_IGNORE;
    default:
        return SIM_SIG_END;
    }
}

static void sim_signal_end(struct pm_kernel *k, uint32_t t, uint32_t sig)
{
    k->obj[t].state = PM_KTHREAD_KILLED;
    k->obj[t].suspended = 0u;
    k->obj[t].frozen = 0u;
    k->obj[t].pending_signal = 0u;
    sim_event_push(k, t, PM_K_EV_KILLED, PM_K_FAULT_NONE, (int64_t)sig, 0u);
}

pm_status pm_k_thread_signal(struct pm_kernel *k, pm_kcap thread, uint32_t sig)
{
    uint32_t t = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);
    if (st == PM_OK && k->obj[t].state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    if (st == PM_OK && (sig < PM_K_SIG_MIN || sig > PM_K_SIG_MAX))
        st = PM_E_K_ARG;
    if (st == PM_OK) {
        struct pm_sim_obj *th = &k->obj[t];
        th->last_signal = sig;
        th->nsignals++;
        switch (disposition_of(sig)) {
        case SIM_SIG_STOP:
            th->suspended = 1u;
            break;
        case SIM_SIG_CONT:
            th->suspended = 0u;
            if (th->pending_signal != 0u && th->frozen == 0u)
                sim_signal_end(k, t, th->pending_signal);   /* held while stopped */
            break;
        case SIM_SIG_IGNORE:
            break;
        case SIM_SIG_END:
            /* As on Linux: SIGKILL ends a stopped thread at once, any other
             * fatal signal waits until it is continued. */
            if ((th->suspended != 0u || th->frozen != 0u) && sig != PM_K_SIGKILL) {
                if (th->pending_signal == 0u)
                    th->pending_signal = sig;
            } else {
                sim_signal_end(k, t, sig);
            }
            break;
        }
    }
    return st;
}

/* A thread cap with MANAGE whose thread is BOUND or RUNNING (K_STATE
 * otherwise): what the control calls below may change. */
static pm_status sim_live_thread(struct pm_kernel *k, pm_kcap thread, uint32_t *t)
{
    pm_status st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, t);
    if (st == PM_OK && k->obj[*t].state != PM_KTHREAD_BOUND &&
        k->obj[*t].state != PM_KTHREAD_RUNNING)
        st = PM_E_K_STATE;
    return st;
}

pm_status pm_k_thread_set_priority(struct pm_kernel *k, pm_kcap thread,
                                   uint32_t level)
{
    uint32_t t = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_live_thread(k, thread, &t);
    if (st == PM_OK && level > PM_K_PRIORITY_MAX)
        st = PM_E_K_ARG;
    if (st == PM_OK && k->deny_priority != 0u && level >= k->deny_priority)
        st = PM_E_LINUX_PRIORITY_DENIED;
    if (st == PM_OK)
        k->obj[t].priority = level;
    return st;
}

pm_status pm_k_thread_set_rlimit(struct pm_kernel *k, pm_kcap thread,
                                 uint32_t resource, uint64_t soft, uint64_t hard)
{
    uint32_t t = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_live_thread(k, thread, &t);
    if (st == PM_OK && (resource > PM_K_RLIMIT_MAX || soft > hard))
        st = PM_E_K_ARG;
    if (st == PM_OK && hard > k->obj[t].rlim_hard[resource])
        st = PM_E_LINUX_RLIMIT_DENIED;
    if (st == PM_OK) {
        k->obj[t].rlim_soft[resource] = soft;
        k->obj[t].rlim_hard[resource] = hard;
    }
    return st;
}

void pm_sim_deny_priority(struct pm_kernel *k, uint32_t min_level)
{
    k->deny_priority = min_level;
}

void sim_detach_threads(struct pm_kernel *k, uint32_t oidx)
{
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++) {
        struct pm_sim_obj *th = &k->obj[t];
        if (th->type != PM_KOBJ_THREAD || (th->as != oidx && th->cs != oidx))
            continue;
        if (th->state == PM_KTHREAD_RUNNING) {
            th->state = PM_KTHREAD_KILLED;
            th->suspended = 0u;
            th->frozen = 0u;
            th->pending_signal = 0u;
            sim_event_push(k, t, PM_K_EV_KILLED, PM_K_FAULT_NONE, 0, 0u);
        } else if (th->state == PM_KTHREAD_BOUND) {
            th->state = PM_KTHREAD_CREATED;
        }
        thread_unbind(k, th);
    }
}

void sim_thread_release(struct pm_kernel *k, uint32_t oidx)
{
    uint32_t h = k->obj[oidx].handle;
    uint32_t i = 0;
    while (i < k->nevents) {
        if (k->event[i].thread.idx == h)
            event_remove(k, i);
        else
            i++;
    }
    k->obj[oidx].event_queued = 0u;
    thread_unbind(k, &k->obj[oidx]);
}

/* ---- jobs ------------------------------------------------------------------- */

/* The sim is a MEMBERS backend: a job is the set of threads that joined it. */
/* The sim's threads are no host processes, and it keeps no clock
 * (kernel.h, issue 20): 0 for both. */
uint64_t pm_k_thread_host_pid(struct pm_kernel *k, pm_kcap thread)
{
    (void)k;
    (void)thread;
    return 0;
}

uint64_t pm_k_clock_wall_ns(struct pm_kernel *k)
{
    (void)k;
    return 0;
}

uint32_t pm_k_job_mode(struct pm_kernel *k)
{
    (void)k;
    return PM_K_JOB_MODE_MEMBERS;
}

pm_status pm_k_job_create(struct pm_kernel *k, uint64_t id, pm_kcap *out)
{
    (void)id;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_create(k, PM_KOBJ_JOB, out, NULL);
    return st;
}

static int is_member(const struct pm_kernel *k, uint32_t t, uint32_t j)
{
    return k->obj[t].type == PM_KOBJ_THREAD && k->obj[t].job == j &&
           k->obj[t].job_gen == k->obj[j].gen;
}

pm_status pm_k_job_add(struct pm_kernel *k, pm_kcap job, pm_kcap thread)
{
    uint32_t j = 0, t = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st == PM_OK)
        st = sim_cap(k, thread, PM_KOBJ_THREAD, PM_KR_MANAGE, &t);
    if (st == PM_OK && (k->obj[t].state != PM_KTHREAD_BOUND ||
                        k->obj[t].job != PM_SIM_NONE || k->obj[j].frozen != 0u))
        st = PM_E_K_STATE;
    if (st == PM_OK) {
        k->obj[t].job = j;
        k->obj[t].job_gen = k->obj[j].gen;
    }
    return st;
}

pm_status pm_k_job_kill(struct pm_kernel *k, pm_kcap job)
{
    uint32_t j = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st != PM_OK)
        return st;
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++)
        if (is_member(k, t, j) && k->obj[t].state == PM_KTHREAD_RUNNING)
            sim_signal_end(k, t, PM_K_SIGKILL);
    return PM_OK;
}

/* Thaw one member: a fatal signal held while frozen (and not stopped)
 * now ends it, as on Linux. */
static void thaw_member(struct pm_kernel *k, uint32_t t)
{
    struct pm_sim_obj *th = &k->obj[t];
    th->frozen = 0u;
    if (th->suspended == 0u && th->pending_signal != 0u)
        sim_signal_end(k, t, th->pending_signal);
}

pm_status pm_k_job_freeze(struct pm_kernel *k, pm_kcap job, uint32_t frozen)
{
    uint32_t j = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st == PM_OK && frozen > 1u)
        st = PM_E_K_ARG;
    if (st != PM_OK)
        return st;
    k->obj[j].frozen = frozen;
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++) {
        if (!is_member(k, t, j) || k->obj[t].state != PM_KTHREAD_RUNNING)
            continue;
        if (frozen != 0u)
            k->obj[t].frozen = 1u;
        else if (k->obj[t].frozen != 0u)
            thaw_member(k, t);
    }
    return PM_OK;
}

/* The sim keeps the limits and reports usage from its own bookkeeping;
 * it enforces neither (its programs neither fork nor allocate). */
pm_status pm_k_job_set_limit(struct pm_kernel *k, pm_kcap job, uint32_t resource,
                             uint64_t limit)
{
    uint32_t j = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st == PM_OK && (resource < PM_K_JOB_LIMIT_PIDS ||
                        resource > PM_K_JOB_LIMIT_MEMORY || limit == 0u))
        st = PM_E_K_ARG;
    if (st == PM_OK && (k->deny_job_limits & (1u << resource)) != 0u)
        st = PM_E_LINUX_JOB_LIMIT;
    if (st != PM_OK)
        return st;
    limit = limit == PM_K_JOB_LIMIT_NONE ? 0u : limit;
    if (resource == PM_K_JOB_LIMIT_PIDS)
        k->obj[j].limit_pids = limit;
    else
        k->obj[j].limit_memory = limit;
    return PM_OK;
}

/* PIDS: the member threads not ended; MEMORY: the pages their address
 * spaces map.  No CPU clock in the sim. */
pm_status pm_k_job_usage(struct pm_kernel *k, pm_kcap job, pm_kjob_usage *out)
{
    uint32_t j = 0;
    pm_status st = out == NULL ? PM_E_K_ARG : sim_cap(k, job, PM_KOBJ_JOB, PM_KR_MANAGE, &j);
    if (st != PM_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->known = PM_K_JOB_KNOWN_PIDS | PM_K_JOB_KNOWN_MEMORY;
    out->pids_max = k->obj[j].limit_pids ? k->obj[j].limit_pids : PM_K_JOB_LIMIT_NONE;
    out->memory_max = k->obj[j].limit_memory ? k->obj[j].limit_memory : PM_K_JOB_LIMIT_NONE;
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++) {
        const struct pm_sim_obj *th = &k->obj[t];
        if (!is_member(k, t, j) || (th->state != PM_KTHREAD_BOUND &&
                                    th->state != PM_KTHREAD_RUNNING))
            continue;
        out->pids_current++;
        if (th->as != PM_SIM_NONE)
            out->memory_current += (uint64_t)k->obj[th->as].npages * PM_SIM_PAGE_SIZE;
    }
    return PM_OK;
}

void pm_sim_deny_job_limits(struct pm_kernel *k, uint32_t resources)
{
    k->deny_job_limits = resources;
}

void sim_job_release(struct pm_kernel *k, uint32_t oidx)
{
    for (uint32_t t = 0; t < PM_SIM_MAX_OBJECTS; t++) {
        if (!is_member(k, t, oidx))
            continue;
        if (k->obj[t].frozen != 0u)
            thaw_member(k, t);
        k->obj[t].job = PM_SIM_NONE;
        k->obj[t].job_gen = 0u;
    }
}

/* ---- sim controls ---------------------------------------------------------- */

static pm_status running_thread(struct pm_kernel *k, pm_kcap thread, uint32_t *t)
{
    pm_status st = sim_cap(k, thread, PM_KOBJ_THREAD, 0u, t);
    if (st == PM_OK && (k->obj[*t].state != PM_KTHREAD_RUNNING ||
                        k->obj[*t].suspended != 0u || k->obj[*t].frozen != 0u))
        st = PM_E_K_STATE;
    return st;
}

pm_status pm_sim_thread_exit(struct pm_kernel *k, pm_kcap thread, int64_t code)
{
    uint32_t t = 0;
    pm_status st = running_thread(k, thread, &t);
    if (st == PM_OK) {
        k->obj[t].state = PM_KTHREAD_EXITED;
        sim_event_push(k, t, PM_K_EV_EXIT, PM_K_FAULT_NONE, code, 0u);
    }
    return st;
}

pm_status pm_sim_thread_fault(struct pm_kernel *k, pm_kcap thread,
                              pm_kfault kind, uint64_t addr)
{
    uint32_t t = 0;
    pm_status st = running_thread(k, thread, &t);
    if (st == PM_OK && (kind < PM_K_FAULT_READ || kind > PM_K_FAULT_MAX_))
        st = PM_E_K_ARG;
    if (st == PM_OK) {
        k->obj[t].state = PM_KTHREAD_FAULTED;
        sim_event_push(k, t, PM_K_EV_FAULT, kind, 0, addr);
    }
    return st;
}

pm_status pm_sim_thread_info_get(struct pm_kernel *k, pm_kcap thread,
                                 pm_sim_thread_info *info)
{
    uint32_t t = 0;
    pm_status st = sim_cap(k, thread, PM_KOBJ_THREAD, 0u, &t);
    if (st == PM_OK && info == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK) {
        const struct pm_sim_obj *th = &k->obj[t];
        info->state = (pm_kthread_state)th->state;
        info->bound = th->as != PM_SIM_NONE ? 1u : 0u;
        info->ipc_buffer = th->ipc_buffer;
        info->entry = th->entry;
        info->sp = th->sp;
        info->cookie = th->cookie;
        info->suspended = th->suspended;
        info->in_job = th->job != PM_SIM_NONE;
        info->frozen = th->frozen;
        info->priority = th->priority;
        info->last_signal = th->last_signal;
        info->nsignals = th->nsignals;
        info->pending_signal = th->pending_signal;
        for (uint32_t r = 0; r <= PM_K_RLIMIT_MAX; r++) {
            info->rlim_soft[r] = th->rlim_soft[r];
            info->rlim_hard[r] = th->rlim_hard[r];
        }
    }
    return st;
}
