/*
 * procmgr dispatcher: request -> action -> reply (spec/dispatch.md).
 *
 * One entry per received message: decode (proven codec), check the
 * connection, act (one handler per opcode), drop every received kernel cap
 * that was not kept, frame the reply.  A refused request changes nothing:
 * handlers check everything before their first change, and the launch path
 * (launch.c) undoes what it made.  Every loop is bounded by a table size.
 * Freestanding: no libc, no allocation.
 */
#include <stddef.h>
#include <stdint.h>

#include "procmgr/dispatch.h"

#define ERROR_REPLY_LEN (PM_PROTO_HEADER_SIZE + 4u)

/* ---- small helpers ------------------------------------------------------ */

static void put_le(uint8_t *p, uint32_t n, uint64_t v)
{
    uint32_t i;
    /*@ loop assigns i, p[0 .. n - 1]; loop variant n - i; */
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8u * i));
}

/* The 36-byte error reply (spec/protocol.md section 7), framed here so that
 * a refusal of an opcode the encoder does not know still gets its answer. */
static void frame_error(uint8_t *out, uint16_t opcode, uint64_t request_id,
                        uint32_t status)
{
    put_le(out + 0, 4, PM_PROTO_MAGIC);
    put_le(out + 4, 2, PM_PROTO_VERSION);
    put_le(out + 6, 2, (uint16_t)(opcode | PM_PROTO_REPLY_BIT));
    put_le(out + 8, 4, 0);
    put_le(out + 12, 4, 0);
    put_le(out + 16, 8, request_id);
    put_le(out + 24, 4, 4);
    put_le(out + 28, 4, 0);
    put_le(out + 32, 4, status);
}

static void clear_result(pm_dispatch_result *res)
{
    uint32_t i;
    res->action = 0;
    res->status = PM_OK;
    res->reply_len = 0;
    res->nhandles = 0;
    res->waiter = 0;
    res->timeout_ns = 0;
    /*@ loop assigns i, res->handles[0 .. PM_DISPATCH_MAX_OUT - 1]; loop variant PM_DISPATCH_MAX_OUT - i; */
    for (i = 0; i < PM_DISPATCH_MAX_OUT; i++) {
        res->handles[i].kind = PM_DH_NONE;
        res->handles[i].reserved = 0;
        res->handles[i].value = 0;
        res->handles[i].cap = PM_KCAP_NULL;
    }
}

static void details_clear(pm_proto_details *x)
{
    uint32_t i;
    x->end = x->end_code = x->fault = x->end_flags = 0;
    x->wait_status = x->priority = x->flags = x->reserved = 0;
    x->cpu_user_ns = x->cpu_system_ns = x->rss_bytes = 0;
    /*@ loop assigns i, x->rlim_soft[0 .. PM_RLIMIT_COUNT - 1],
                     x->rlim_hard[0 .. PM_RLIMIT_COUNT - 1];
        loop variant PM_RLIMIT_COUNT - i; */
    for (i = 0; i < PM_RLIMIT_COUNT; i++)
        x->rlim_soft[i] = x->rlim_hard[i] = 0;
}

static void clear_reply(pm_proto_reply *r, uint16_t opcode, uint64_t request_id)
{
    r->opcode = opcode;
    r->request_id = request_id;
    r->status = PM_OK;
    r->handle_count = 0;
    r->koid = r->entry = r->stack = r->image_base = 0;
    r->interp_base = r->vdso_base = 0;
    r->has_interp = 0;
    r->info.koid = r->info.parent_koid = r->info.job_koid = 0;
    r->info.state = 0;
    r->info.exit_code = 0;
    details_clear(&r->details);
    r->name = NULL;
    r->name_len = 0;
    r->name_slice.off = r->name_slice.len = 0;
    r->list = NULL;
    r->list_count = 0;
    r->list_slice.off = r->list_slice.len = 0;
    r->next_cursor = 0;
    r->event = 0;
    r->event_code = 0;
    r->lookup.pid = r->lookup.end_time_ns = 0;
    r->lookup.wait_status = r->lookup.collected = 0;
}

pm_dispatch_conn *pm_dispatch_find_conn_(pm_dispatch *d, uint32_t conn)
{
    pm_dispatch_conn *c = NULL;
    uint32_t i;
    /*@ loop assigns i, c; loop variant PM_DISPATCH_MAX_CONNS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_CONNS && c == NULL; i++)
        if (d->conn[i].in_use && d->conn[i].id == conn)
            c = &d->conn[i];
    return c;
}

/* Reset a builder and drop every cap it still holds. */
static void builder_clear(pm_dispatch *d, pm_builder *b)
{
    uint32_t i;
    (void)pm_k_drop(d->k, b->executable);
    b->executable = PM_KCAP_NULL;
    /*@ loop assigns i, pm_k_world; loop variant PM_BUILDER_MAX_NAMES - i; */
    for (i = 0; i < b->names.n && i < PM_BUILDER_MAX_NAMES; i++)
        (void)pm_k_drop(d->k, b->name_dir[i]);
    /*@ loop assigns i, pm_k_world; loop variant PM_BUILDER_MAX_HANDLES - i; */
    for (i = 0; i < b->nhandles && i < PM_BUILDER_MAX_HANDLES; i++)
        (void)pm_k_drop(d->k, b->handle[i]);
    pm_builder_reset(b);
}

static void conn_builder_clear(pm_dispatch *d, pm_dispatch_conn *c)
{
    builder_clear(d, &c->builder);
    (void)pm_k_drop(d->k, c->interp);
    c->interp = PM_KCAP_NULL;
    (void)pm_k_drop(d->k, c->cwd);
    c->cwd = PM_KCAP_NULL;
    c->info_flags = 0;
    c->has_job = 0;
    c->info_job = 0;
}

/* ---- process state ------------------------------------------------------ */

/* OPEN_PROCESS (and WAIT_ANY on the root) admit root, or the principal
 * that launched the process.  NONE is never an owner match, so a
 * connection the shell did not vouch for opens nothing. */
static int may_open(uint32_t principal, uint32_t owner)
{
    return principal != PM_DISPATCH_PRINCIPAL_NONE &&
           (principal == PM_DISPATCH_PRINCIPAL_ROOT || principal == owner);
}

/* A record a handle can name: created, running, or ended and not yet
 * collected (registry.h). */
static int record_live(uint32_t state)
{
    return state == PM_PROC_CREATED || state == PM_PROC_RUNNING ||
           state == PM_PROC_EXITED;
}

static int ended(const pm_dispatch *d, uint32_t slot)
{
    return d->reg.slot[slot].state == PM_PROC_EXITED;
}

static void info_of(const pm_dispatch *d, uint32_t slot, pm_proto_info *info)
{
    const pm_proc *p = &d->reg.slot[slot];
    info->koid = p->pid;
    info->parent_koid = p->parent_pid;
    info->job_koid = p->job;
    if (p->state == PM_PROC_CREATED)
        info->state = PM_STATE_CREATED;
    else if (p->state == PM_PROC_RUNNING)
        info->state = PM_STATE_RUNNING;
    else
        info->state = d->proc[slot].end_state;
    info->exit_code = (uint32_t)p->exit_code;
}

/* The POSIX wait status of an ended record (spec/protocol.md section 7):
 * EXITED code << 8; KILLED, FAULTED the signal, | 0x80 with a core dump. */
static uint32_t wait_status_of(const pm_dispatch *d, uint32_t slot)
{
    const pm_dispatch_proc *q = &d->proc[slot];
    uint32_t core = (q->end_flags & PM_END_CORE_DUMPED) != 0 ? 0x80u : 0u;
    if (q->end_state == PM_STATE_EXITED)
        return ((uint32_t)d->reg.slot[slot].exit_code & 0xFFu) << 8;
    return (q->end_signal & 0x7Fu) | core;
}

/* Free an ended record, keeping what LOOKUP_PROCESS and LIST_PROCESSES
 * (filter ENDED) say of it in the ring of recent ends (issue 20,
 * spec/daemon.md section 9a); a full ring loses its oldest entry. */
static void collect(pm_dispatch *d, uint32_t slot)
{
    const pm_proc *p = &d->reg.slot[slot];
    uint32_t at = (d->ended_head + d->ended_count) % PM_DISPATCH_ENDED_RING;
    pm_dispatch_ended *e = &d->ended[at];
    uint32_t i;
    info_of(d, slot, &e->info);
    e->host_pid = d->proc[slot].host_pid;
    e->end_time_ns = d->proc[slot].end_time_ns;
    e->wait_status = wait_status_of(d, slot);
    e->owner = d->proc[slot].owner;
    e->name_len = p->name_len <= PM_REG_NAME_MAX ? p->name_len : 0u;
    e->reserved = 0;
    /*@ loop assigns i, e->name[0 .. PM_REG_NAME_MAX - 1];
        loop variant PM_REG_NAME_MAX - i; */
    for (i = 0; i < PM_REG_NAME_MAX; i++)
        e->name[i] = i < e->name_len ? p->name[i] : 0u;
    if (d->ended_count < PM_DISPATCH_ENDED_RING)
        d->ended_count++;
    else
        d->ended_head = (d->ended_head + 1u) % PM_DISPATCH_ENDED_RING;
    pm_reg_free(&d->reg, slot);
}

/* The ring entry of koid, or PM_DISPATCH_ENDED_RING. */
static uint32_t ended_find(const pm_dispatch *d, uint64_t koid)
{
    uint32_t i, found = PM_DISPATCH_ENDED_RING;
    /*@ loop assigns i, found; loop variant PM_DISPATCH_ENDED_RING - i; */
    for (i = 0; i < d->ended_count && i < PM_DISPATCH_ENDED_RING; i++) {
        uint32_t at = (d->ended_head + i) % PM_DISPATCH_ENDED_RING;
        if (d->ended[at].info.koid == koid)
            found = at;
    }
    return found;
}

static void release_ref(pm_dispatch *d, uint32_t slot)
{
    if (d->proc[slot].refs > 0)
        d->proc[slot].refs--;
    if (d->proc[slot].refs == 0 && ended(d, slot))
        collect(d, slot);
}

static void queue_event(pm_dispatch *d, const pm_dispatch_watch *w,
                        uint64_t watch_id, uint32_t event, uint32_t code,
                        uint64_t koid)
{
    pm_proto_reply r;
    size_t len = 0;
    if (d->event_count >= PM_DISPATCH_MAX_EVENTS) {
        d->events_dropped++;
    } else {
        uint32_t at = (d->event_head + d->event_count) % PM_DISPATCH_MAX_EVENTS;
        clear_reply(&r, PM_OP_EVENT, w->request_id);
        r.event = event;
        r.event_code = code;
        r.koid = koid;
        if (pm_proto_encode_reply(&r, d->event[at].bytes, PM_DISPATCH_EVENT_LEN,
                                  &len) == PM_OK && len == PM_DISPATCH_EVENT_LEN) {
            d->event[at].watch = watch_id;
            d->event_count++;
        }
    }
}

static uint64_t watch_id(const pm_dispatch *d, uint32_t i)
{
    return ((uint64_t)d->watch[i].gen << 32) | i;
}

static void emit(pm_dispatch *d, uint32_t slot, uint32_t event, uint32_t code)
{
    const pm_proc *p = &d->reg.slot[slot];
    uint32_t i;
    /*@ loop assigns i, d->event[0 .. PM_DISPATCH_MAX_EVENTS - 1], d->event_count,
                     d->events_dropped; loop variant PM_DISPATCH_MAX_WATCHES - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WATCHES; i++) {
        const pm_dispatch_watch *w = &d->watch[i];
        int match = w->is_job ? w->job == p->job
                              : (w->slot == slot && w->slot_gen == p->gen);
        if (w->in_use && match && (w->events & event) != 0)
            queue_event(d, w, watch_id(d, i), event, code, p->pid);
    }
}

/* How a process ended, as the dispatcher records it (spec/lifecycle.md
 * section 1): the protocol state, the record's exit_code (EXITED: the
 * code; KILLED: the signal, 0 for a kill by procmgr; FAULTED: the fault
 * kind), and the structured end of QUERY_DETAILS. */
typedef struct end_info {
    uint32_t how;              /* PM_STATE_EXITED, KILLED, FAULTED */
    uint32_t code;             /* the record's exit_code */
    uint32_t signal;           /* KILLED, FAULTED: the signal */
    uint32_t fault;            /* FAULTED: pm_kfault */
    uint32_t flags;            /* PM_END_CORE_DUMPED */
    pm_k_usage usage;          /* final usage (valid 0: unknown) */
} end_info;

/* An end by procmgr itself (EXIT_PROCESS, KILL, a job kill): no kernel
 * event, no usage; a kill is SIGKILL in the structured end. */
static void end_by_procmgr(end_info *e, uint32_t how, uint32_t code)
{
    uint32_t i;
    e->how = how;
    e->code = code;
    e->signal = how == PM_STATE_KILLED ? PM_K_SIGKILL : 0u;
    e->fault = 0;
    e->flags = 0;
    e->usage.valid = e->usage.reserved = 0;
    e->usage.cpu_user_ns = e->usage.cpu_system_ns = e->usage.rss_bytes = 0;
    /*@ loop assigns i, e->usage.rlim_soft[0 .. PM_K_RLIMIT_COUNT - 1],
                     e->usage.rlim_hard[0 .. PM_K_RLIMIT_COUNT - 1];
        loop variant PM_K_RLIMIT_COUNT - i; */
    for (i = 0; i < PM_K_RLIMIT_COUNT; i++)
        e->usage.rlim_soft[i] = e->usage.rlim_hard[i] = 0;
}

/* An end the kernel reported. */
static void end_by_event(end_info *e, const pm_kevent *ev)
{
    uint32_t sig = ev->code > 0 && ev->code <= (int64_t)PM_K_SIG_MAX ? (uint32_t)ev->code : 0u;
    e->usage = ev->usage;
    e->usage.valid &= PM_K_USAGE_CPU | PM_K_USAGE_RSS;
    e->flags = (ev->flags & PM_K_EV_CORE_DUMPED) != 0 ? PM_END_CORE_DUMPED : 0u;
    e->fault = 0;
    e->signal = 0;
    if (ev->kind == PM_K_EV_EXIT) {
        e->how = PM_STATE_EXITED;
        e->code = (uint32_t)ev->code;
        e->flags = 0;
    } else if (ev->kind == PM_K_EV_FAULT) {
        e->how = PM_STATE_FAULTED;
        e->code = (uint32_t)ev->fault;
        e->fault = (uint32_t)ev->fault;
        e->signal = sig;
    } else {
        e->how = PM_STATE_KILLED;
        e->code = sig;
        e->signal = sig;
    }
}

/* The oldest-ended child of `parent` not yet collected through WAIT_ANY
 * (PM_REG_CAPACITY when none); *alive: a child is still created or
 * running.  For the root, only the children of processes `principal` may
 * open (root: all), so a WAIT_ANY on the root reaps nobody else's. */
static uint32_t any_oldest(const pm_dispatch *d, uint64_t parent,
                           uint32_t principal, int *alive)
{
    uint32_t best = PM_REG_CAPACITY, i;
    *alive = 0;
    /*@ loop assigns i, best, *alive; loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++) {
        const pm_proc *p = &d->reg.slot[i];
        if (!record_live(p->state) || p->parent_pid != parent ||
            (parent == 0u && !may_open(principal, d->proc[i].owner)))
            continue;
        if (p->state != PM_PROC_EXITED)
            *alive = 1;
        else if (!d->proc[i].any_collected &&
                 (best == PM_REG_CAPACITY || d->proc[i].end_seq < d->proc[best].end_seq))
            best = i;
    }
    return best;
}

/* Hand the oldest matching end to every parked WAIT_ANY that has one. */
static void serve_any_waiters(pm_dispatch *d)
{
    uint32_t i;
    /*@ loop assigns i, d->waiter[0 .. PM_DISPATCH_MAX_WAITERS - 1],
                     d->proc[0 .. PM_REG_CAPACITY - 1].any_collected;
        loop variant PM_DISPATCH_MAX_WAITERS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WAITERS; i++) {
        pm_dispatch_waiter *w = &d->waiter[i];
        int alive = 0;
        uint32_t at;
        if (w->state != 1u || w->opcode != PM_OP_WAIT_ANY)
            continue;
        at = any_oldest(d, w->parent, w->principal, &alive);
        if (at < PM_REG_CAPACITY) {
            d->proc[at].any_collected = 1;
            info_of(d, at, &w->info);
            w->state = 2u;
        }
    }
}

/* The process ended: release its kernel objects, record how, wake its
 * waiters, give its children to the root, tell its watchers; free the
 * record if no handle is left. */
static void end_process(pm_dispatch *d, uint32_t slot, const end_info *e)
{
    pm_proc *p = &d->reg.slot[slot];
    pm_dispatch_proc *x = &d->proc[slot];
    uint32_t how = e->how;
    uint64_t job = p->job;
    uint32_t event = how == PM_STATE_EXITED ? PM_EVENT_EXITED
                   : how == PM_STATE_KILLED ? PM_EVENT_KILLED : PM_EVENT_FAULTED;
    uint32_t i;
    pm_dispatch_teardown_(d, slot);
    p->state = PM_PROC_EXITED;
    p->exit_code = e->code;
    x->end_state = how;
    x->end_signal = e->signal;
    x->end_fault = e->fault;
    x->end_flags = e->flags;
    x->usage = e->usage;
    x->suspended = 0;
    x->any_collected = 0;
    x->end_seq = ++d->end_seq;
    x->end_time_ns = pm_k_clock_wall_ns(d->k);
    /*@ loop assigns i, d->waiter[0 .. PM_DISPATCH_MAX_WAITERS - 1];
        loop variant PM_DISPATCH_MAX_WAITERS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        if (d->waiter[i].state == 1u && d->waiter[i].opcode == PM_OP_WAIT &&
            d->waiter[i].slot == slot && d->waiter[i].slot_gen == p->gen) {
            d->waiter[i].state = 2u;
            info_of(d, slot, &d->waiter[i].info);
        }
    /* orphans go to the root, records, handles and statuses intact */
    /*@ loop assigns i, d->reg.slot[0 .. PM_REG_CAPACITY - 1].parent_pid;
        loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++)
        if (i != slot && d->reg.slot[i].parent_pid == p->pid &&
            record_live(d->reg.slot[i].state))
            d->reg.slot[i].parent_pid = 0;
    serve_any_waiters(d);
    emit(d, slot, event, e->code);
    if (x->refs == 0)
        collect(d, slot);
    pm_dispatch_job_maybe_end_(d, job);
}

static void end_simple(pm_dispatch *d, uint32_t slot, uint32_t how,
                       uint32_t code)
{
    end_info e;
    end_by_procmgr(&e, how, code);
    end_process(d, slot, &e);
}

/* ---- handle access ------------------------------------------------------ */

typedef struct msg_ctx {
    const uint8_t    *msg;
    const pm_dhandle *in;
    uint32_t          nh;
    uint8_t           consumed[PM_PROTO_MAX_HANDLES];
    const uint8_t    *random;
} msg_ctx;

static const pm_dhandle none_handle = { PM_DH_NONE, 0, 0, { 0u, 0u } };

static const pm_dhandle *handle_at(const msg_ctx *m, uint32_t idx)
{
    return idx < m->nh ? &m->in[idx] : &none_handle;
}

/* A process (or thread) handle with `required` rights: its slot. */
static pm_status lookup(const pm_dispatch *d, const pm_dhandle *h,
                        uint32_t kind, uint32_t required, uint32_t *slot)
{
    pm_status st = PM_E_HANDLE_KIND;
    if (h->kind == kind)
        st = pm_reg_lookup(&d->reg, h->value, required, slot);
    return st;
}

static pm_status kcap_at(const msg_ctx *m, uint32_t idx, pm_kcap *cap)
{
    const pm_dhandle *h = handle_at(m, idx);
    pm_status st = PM_OK;
    *cap = PM_KCAP_NULL;
    if (idx == PM_PROTO_NO_HANDLE)
        st = PM_OK;
    else if (h->kind != PM_DH_KCAP)
        st = PM_E_HANDLE_KIND;
    else
        *cap = h->cap;
    return st;
}

static void consume(msg_ctx *m, uint32_t idx)
{
    if (idx < m->nh && idx < PM_PROTO_MAX_HANDLES)
        m->consumed[idx] = 1;
}

static void out_handle(pm_dispatch_result *res, uint32_t kind, uint64_t value,
                       pm_kcap cap)
{
    if (res->nhandles < PM_DISPATCH_MAX_OUT) {
        res->handles[res->nhandles].kind = kind;
        res->handles[res->nhandles].value = value;
        res->handles[res->nhandles].cap = cap;
        res->nhandles++;
    }
}

/* ---- builder operations -------------------------------------------------- */

static pm_status op_add_strings(pm_dispatch *d, pm_dispatch_conn *c,
                                const msg_ctx *m, int env)
{
    pm_builder *b = &c->builder;
    const pm_proto_request *q = &d->req;
    pm_builder_mark mark;
    pm_status st = PM_OK;
    uint32_t i;
    pm_builder_mark_take(b, &mark);
    /*@ loop assigns i, st, *b; loop variant q->item_count - i; */
    for (i = 0; i < q->item_count && i < PM_PROTO_MAX_ITEMS && st == PM_OK; i++) {
        const uint8_t *s = m->msg + q->items[i].str.off;
        st = env ? pm_builder_add_env(b, s, q->items[i].str.len)
                 : pm_builder_add_arg(b, s, q->items[i].str.len);
    }
    if (st != PM_OK)
        (void)pm_builder_rollback(b, &mark);
    return st;
}

/* Two absolute paths overlap when one is the other or a component prefix. */
static int paths_overlap(const uint8_t *a, uint32_t alen, const uint8_t *b,
                         uint32_t blen)
{
    uint32_t n = alen < blen ? alen : blen;
    uint32_t i = 0;
    int r;
    /*@ loop assigns i; loop variant n - i; */
    while (i < n && a[i] == b[i])
        i++;
    if (i < n)
        r = 0;
    else if (alen == blen)
        r = 1;
    else if (n == 1u)
        r = 1;                                  /* "/" covers everything */
    else
        r = (alen > blen ? a[n] : b[n]) == '/';
    return r;
}

static pm_status check_overlap(const pm_builder *b, const uint8_t *path,
                               uint32_t len)
{
    pm_status st = PM_OK;
    uint32_t i;
    /*@ loop assigns i, st; loop variant PM_BUILDER_MAX_NAMES - i; */
    for (i = 0; i < b->names.n && i < PM_BUILDER_MAX_NAMES && st == PM_OK; i++) {
        const pm_span *sp = &b->name_span[i];
        if (sp->off <= PM_BUILDER_NAME_BYTES &&
            sp->len <= PM_BUILDER_NAME_BYTES - sp->off &&
            paths_overlap(b->name_pool + sp->off, sp->len, path, len))
            st = PM_E_NAMESPACE_OVERLAP;
    }
    return st;
}

static pm_status op_add_names(pm_dispatch *d, pm_dispatch_conn *c, msg_ctx *m)
{
    pm_builder *b = &c->builder;
    const pm_proto_request *q = &d->req;
    pm_builder_mark mark;
    pm_status st = PM_OK;
    uint32_t i;
    pm_builder_mark_take(b, &mark);
    /*@ loop assigns i, st, *b; loop variant q->item_count - i; */
    for (i = 0; i < q->item_count && i < PM_PROTO_MAX_ITEMS && st == PM_OK; i++) {
        const uint8_t *path = m->msg + q->items[i].str.off;
        pm_kcap dir;
        st = kcap_at(m, q->items[i].handle, &dir);
        if (st == PM_OK)
            st = check_overlap(b, path, q->items[i].str.len);
        if (st == PM_OK)
            st = pm_builder_add_name(b, path, q->items[i].str.len, dir);
    }
    if (st != PM_OK) {
        (void)pm_builder_rollback(b, &mark);
    } else {
        /*@ loop assigns i, m->consumed[0 .. PM_PROTO_MAX_HANDLES - 1]; loop variant q->item_count - i; */
        for (i = 0; i < q->item_count && i < PM_PROTO_MAX_ITEMS; i++)
            consume(m, q->items[i].handle);
    }
    return st;
}

static int has_id(const pm_builder *b, uint32_t id)
{
    int found = 0;
    uint32_t i;
    /*@ loop assigns i, found; loop variant PM_BUILDER_MAX_HANDLES - i; */
    for (i = 0; i < b->nhandles && i < PM_BUILDER_MAX_HANDLES; i++)
        if (b->handle_id[i] == id)
            found = 1;
    return found;
}

/* Append the (handle, id) items of the request to b, all or nothing. */
static pm_status add_handles(pm_dispatch *d, pm_builder *b, msg_ctx *m)
{
    const pm_proto_request *q = &d->req;
    pm_builder_mark mark;
    pm_status st = PM_OK;
    uint32_t i;
    pm_builder_mark_take(b, &mark);
    /*@ loop assigns i, st, *b; loop variant q->item_count - i; */
    for (i = 0; i < q->item_count && i < PM_PROTO_MAX_ITEMS && st == PM_OK; i++) {
        pm_kcap cap;
        st = kcap_at(m, q->items[i].handle, &cap);
        if (st == PM_OK && has_id(b, q->items[i].id))
            st = PM_E_DUPLICATE_ID;
        if (st == PM_OK)
            st = pm_builder_add_handle(b, cap, q->items[i].id);
    }
    if (st != PM_OK) {
        (void)pm_builder_rollback(b, &mark);
    } else {
        /*@ loop assigns i, m->consumed[0 .. PM_PROTO_MAX_HANDLES - 1]; loop variant q->item_count - i; */
        for (i = 0; i < q->item_count && i < PM_PROTO_MAX_ITEMS; i++)
            consume(m, q->items[i].handle);
    }
    return st;
}

static pm_status op_set_info(pm_dispatch *d, pm_dispatch_conn *c, msg_ctx *m)
{
    const pm_proto_request *q = &d->req;
    pm_builder *b = &c->builder;
    pm_kcap exe, interp, old = b->executable;
    const pm_dhandle *job = handle_at(m, q->handle[1]);
    pm_status st = kcap_at(m, q->handle[0], &exe);
    if (st == PM_OK)
        st = kcap_at(m, q->handle[2], &interp);
    if (st == PM_OK && q->handle[1] != PM_PROTO_NO_HANDLE && job->kind != PM_DH_JOB)
        st = PM_E_HANDLE_KIND;
    /* a job handle names a live job (one JOB_CREATE made, or one of a
     * running process); the connection's own job is the shell's to name */
    if (st == PM_OK && q->handle[1] != PM_PROTO_NO_HANDLE &&
        pm_dispatch_job_find_(d, job->value) == PM_DISPATCH_MAX_JOBS)
        st = PM_E_NO_SUCH_JOB;
    if (st == PM_OK)
        st = pm_builder_set_info(b, exe, PM_KCAP_NULL, m->msg + q->str.off,
                                 q->str.len, q->flags);
    if (st == PM_OK) {
        if (!pm_kcap_eq(old, exe))
            (void)pm_k_drop(d->k, old);
        (void)pm_k_drop(d->k, c->interp);
        c->interp = interp;
        c->has_job = q->handle[1] != PM_PROTO_NO_HANDLE;
        c->info_job = c->has_job ? job->value : 0u;
        c->info_flags = q->flags;
        consume(m, q->handle[0]);
        consume(m, q->handle[1]);
        consume(m, q->handle[2]);
    }
    return st;
}

/* SET_CWD: the launch's working directory (replaces an earlier one; kept
 * with the connection like the interpreter, reset with the builder).
 * Whether it is a directory is the kernel's to say, at LAUNCH
 * (pm_k_cspace_set_cwd: K_NOT_DIRECTORY). */
static pm_status op_set_cwd(pm_dispatch *d, pm_dispatch_conn *c, msg_ctx *m)
{
    pm_kcap dir;
    pm_status st = kcap_at(m, d->req.handle[0], &dir);
    if (st == PM_OK) {
        (void)pm_k_drop(d->k, c->cwd);
        c->cwd = dir;
        consume(m, d->req.handle[0]);
    }
    return st;
}

/* SET_EXECFN: the launch's exec filename, AT_EXECFN (replaces an earlier
 * one; reset with the builder).  The decoder has bounded it (1..4095
 * bytes, no NUL); the builder checks again. */
static pm_status op_set_execfn(pm_dispatch *d, pm_dispatch_conn *c,
                               const msg_ctx *m)
{
    return pm_builder_set_execfn(&c->builder, m->msg + d->req.str.off,
                                 d->req.str.len);
}

/* A job made for a launch belongs to the launching principal (JOB_OPEN). */
static void claim_job(pm_dispatch *d, uint64_t koid, uint32_t principal)
{
    uint32_t ji = pm_dispatch_job_find_(d, koid);
    if (ji < PM_DISPATCH_MAX_JOBS && d->job[ji].owner == PM_DISPATCH_PRINCIPAL_NONE)
        d->job[ji].owner = principal;
}

static void launched_reply(pm_dispatch *d, uint32_t slot, uint64_t handle,
                           pm_proto_reply *rep, pm_dispatch_result *res)
{
    const pm_dispatch_proc *x = &d->proc[slot];
    rep->koid = d->reg.slot[slot].pid;
    rep->entry = x->entry;
    rep->stack = x->sp;
    rep->image_base = x->image_base;
    rep->interp_base = x->interp_base;
    rep->vdso_base = x->vdso_base;
    out_handle(res, PM_DH_PROCESS, handle, PM_KCAP_NULL);
    out_handle(res, PM_DH_THREAD, handle, PM_KCAP_NULL);
}

/* The parent of what connection c launches: the client's record while it
 * is created or running, else the root (koid 0). */
static uint64_t launch_parent(const pm_dispatch *d, const pm_dispatch_conn *c)
{
    uint32_t at = 0;
    uint64_t parent = 0;
    if (c->client_koid != 0u &&
        pm_reg_find_pid(&d->reg, c->client_koid, &at) == PM_OK &&
        d->reg.slot[at].state != PM_PROC_EXITED)
        parent = c->client_koid;
    return parent;
}

/* The job of what connection c launches (spec/lifecycle.md sections 3
 * and 8): the SET_INFO job; else, with the INHERIT_JOB flag, its
 * creator's: the connection's own job (the shell's naming), or else that
 * of the client's record while it is created or running (the parent,
 * launch_parent); else 0, which gives the process a job of its own. */
static uint64_t launch_job(const pm_dispatch *d, const pm_dispatch_conn *c)
{
    uint64_t parent = launch_parent(d, c), job = 0;
    uint32_t at = 0;
    if (c->has_job)
        job = c->info_job;
    else if ((c->info_flags & PM_INFO_INHERIT_JOB) == 0u)
        job = 0;
    else if (c->job != 0u)
        job = c->job;
    else if (parent != 0u && pm_reg_find_pid(&d->reg, parent, &at) == PM_OK)
        job = d->reg.slot[at].job;
    return job;
}

/* A launched record's issue-6 state: normal level, not suspended, no end. */
static void proc_fresh(pm_dispatch *d, uint32_t slot, uint32_t owner)
{
    pm_dispatch_proc *x = &d->proc[slot];
    end_info none;
    end_by_procmgr(&none, 0, 0);
    x->owner = owner;
    x->end_signal = x->end_fault = x->end_flags = 0;
    x->priority = PM_PRIORITY_NORMAL;
    x->suspended = 0;
    x->any_collected = 0;
    x->end_seq = 0;
    x->usage = none.usage;
    x->host_pid = pm_k_thread_host_pid(d->k, d->reg.slot[slot].thread);
    x->end_time_ns = 0;
}

static pm_status op_launch(pm_dispatch *d, pm_dispatch_conn *c, msg_ctx *m,
                           int start, pm_proto_reply *rep,
                           pm_dispatch_result *res)
{
    uint64_t handle = 0;
    uint32_t slot = 0;
    uint64_t job = launch_job(d, c);
    pm_status st = pm_dispatch_launch_(d, &c->builder, &c->interp, &c->cwd,
                                       launch_parent(d, c), job, start, m->random,
                                       &handle, &slot);
    conn_builder_clear(d, c);
    if (st == PM_OK) {
        proc_fresh(d, slot, c->principal);
        claim_job(d, d->reg.slot[slot].job, c->principal);
        launched_reply(d, slot, handle, rep, res);
        if (start)
            emit(d, slot, PM_EVENT_STARTED, 0);
    }
    return st;
}

static pm_status op_create_process(pm_dispatch *d, pm_dispatch_conn *c,
                                   msg_ctx *m, pm_proto_reply *rep,
                                   pm_dispatch_result *res)
{
    const pm_proto_request *q = &d->req;
    pm_builder *b = &d->scratch;
    pm_kcap exe, no_interp = PM_KCAP_NULL, no_cwd = PM_KCAP_NULL;
    uint64_t handle = 0;
    uint32_t slot = 0;
    pm_status st = kcap_at(m, q->handle[0], &exe);
    pm_builder_reset(b);
    if (st == PM_OK)
        st = pm_builder_set_info(b, exe, PM_KCAP_NULL, NULL, 0, 0);
    if (st == PM_OK)
        st = add_handles(d, b, m);
    if (st == PM_OK) {
        consume(m, q->handle[0]);
        /* no SET_INFO, no flags: a job of its own (lifecycle.md section 8) */
        st = pm_dispatch_launch_(d, b, &no_interp, &no_cwd, launch_parent(d, c),
                                 0, 1, m->random, &handle, &slot);
        builder_clear(d, b);
    } else {
        pm_builder_reset(b);   /* the caps are still the message's */
    }
    if (st == PM_OK) {
        proc_fresh(d, slot, c->principal);
        claim_job(d, d->reg.slot[slot].job, c->principal);
        launched_reply(d, slot, handle, rep, res);
        emit(d, slot, PM_EVENT_STARTED, 0);
    }
    return st;
}

/* ---- lifecycle -------------------------------------------------------------- */

static pm_status op_start(pm_dispatch *d, const msg_ctx *m)
{
    const pm_proto_request *q = &d->req;
    uint32_t slot = 0, tslot = 0;
    pm_status st = lookup(d, handle_at(m, q->handle[0]), PM_DH_PROCESS,
                          PM_RIGHT_START, &slot);
    /* the thread handle is optional: without it, the initial thread (the
     * START right of the process handle is the authority either way) */
    if (st == PM_OK && q->handle[1] != PM_PROTO_NO_HANDLE)
        st = lookup(d, handle_at(m, q->handle[1]), PM_DH_THREAD, 0, &tslot);
    else
        tslot = slot;
    if (st == PM_OK && tslot != slot)
        st = PM_E_THREAD_MISMATCH;
    if (st == PM_OK && ended(d, slot))
        st = PM_E_PROCESS_ENDED;
    if (st == PM_OK && d->reg.slot[slot].state != PM_PROC_CREATED)
        st = PM_E_ALREADY_STARTED;
    if (st == PM_OK)
        st = pm_k_thread_start(d->k, d->reg.slot[slot].thread,
                               d->proc[slot].entry, d->proc[slot].sp);
    if (st == PM_OK) {
        d->reg.slot[slot].state = PM_PROC_RUNNING;
        emit(d, slot, PM_EVENT_STARTED, 0);
    }
    return st;
}

static pm_status op_exit(pm_dispatch *d, const msg_ctx *m)
{
    uint32_t slot = 0;
    pm_status st = lookup(d, handle_at(m, d->req.handle[0]), PM_DH_PROCESS,
                          PM_RIGHT_KILL, &slot);
    if (st == PM_OK && ended(d, slot))
        st = PM_E_PROCESS_ENDED;
    if (st == PM_OK)
        end_simple(d, slot, PM_STATE_EXITED, (uint32_t)d->req.value);
    return st;
}

/* KILL on a job: the kernel job first (on Linux cgroup.kill: every
 * process in it at once, forks included), then every record of it ends
 * KILLED.  The kernel's refusal is replied and nothing changes. */
static pm_status kill_job(pm_dispatch *d, uint64_t job)
{
    uint32_t ji = pm_dispatch_job_find_(d, job);
    pm_status st = PM_OK;
    uint32_t i;
    if (ji < PM_DISPATCH_MAX_JOBS)
        st = pm_k_job_kill(d->k, d->job[ji].cap);
    if (st != PM_OK)
        return st;
    /*@ loop assigns i, *d, pm_k_world; loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++) {
        uint32_t s = d->reg.slot[i].state;
        if ((s == PM_PROC_CREATED || s == PM_PROC_RUNNING) &&
            d->reg.slot[i].job == job)
            end_simple(d, i, PM_STATE_KILLED, 0);
    }
    return st;
}

static pm_status op_kill(pm_dispatch *d, const msg_ctx *m)
{
    const pm_dhandle *h = handle_at(m, d->req.handle[0]);
    uint32_t slot = 0;
    pm_status st = PM_OK;
    if (h->kind == PM_DH_JOB) {
        st = kill_job(d, h->value);
    } else {
        st = lookup(d, h, PM_DH_PROCESS, PM_RIGHT_KILL, &slot);
        if (st == PM_OK && ended(d, slot))
            st = PM_E_PROCESS_ENDED;
        if (st == PM_OK)
            end_simple(d, slot, PM_STATE_KILLED, 0);
    }
    return st;
}

/* ---- control (issue 6: SIGNAL, SET_PRIORITY, SUSPEND, RESUME) ----------- */

/* What QUERY_DETAILS shows of a control operation that succeeded: the
 * level, and the suspension (SUSPEND or a stop signal through SIGNAL;
 * RESUME or SIGCONT ends it). */
static void control_note(pm_dispatch_proc *x, uint16_t op, uint32_t arg)
{
    int sig = op == PM_OP_SIGNAL;
    if (op == PM_OP_SET_PRIORITY)
        x->priority = arg;
    else if (op == PM_OP_SUSPEND ||
             (sig && (arg == PM_K_SIGSTOP || arg == PM_K_SIGTSTP ||
                      arg == PM_K_SIGTTIN || arg == PM_K_SIGTTOU)))
        x->suspended = 1;
    else if (op == PM_OP_RESUME || (sig && arg == PM_K_SIGCONT))
        x->suspended = 0;
}

/* One control operation on the kernel thread of a record.  SIGNAL and
 * SUSPEND/RESUME need a started process (a created one has no program to
 * signal: K_STATE, KILL removes it); SET_PRIORITY also takes a created one,
 * whose program then starts at that level. */
static pm_status control_one(pm_dispatch *d, uint32_t slot, uint16_t op,
                             uint32_t arg)
{
    pm_status st = PM_OK;
    pm_kcap th = d->reg.slot[slot].thread;
    if (ended(d, slot))
        st = PM_E_PROCESS_ENDED;
    else if (op != PM_OP_SET_PRIORITY && d->reg.slot[slot].state != PM_PROC_RUNNING)
        st = PM_E_K_STATE;
    else if (op == PM_OP_SET_PRIORITY)
        st = pm_k_thread_set_priority(d->k, th, arg);
    else if (op == PM_OP_SUSPEND)
        st = pm_k_thread_signal(d->k, th, PM_K_SIGSTOP);
    else if (op == PM_OP_RESUME)
        st = pm_k_thread_signal(d->k, th, PM_K_SIGCONT);
    else
        st = pm_k_thread_signal(d->k, th, arg);
    if (st == PM_OK)
        control_note(&d->proc[slot], op, arg);
    return st;
}

/* The right each control opcode needs on a process handle. */
static uint32_t control_right(uint16_t op)
{
    if (op == PM_OP_SIGNAL)
        return PM_RIGHT_SIGNAL;
    if (op == PM_OP_SET_PRIORITY)
        return PM_RIGHT_PRIORITY;
    return PM_RIGHT_SUSPEND;
}

/* A process handle: that process.  A job handle: SUSPEND and RESUME freeze
 * and thaw the kernel job; SIGNAL and SET_PRIORITY go to every process of
 * the job in a state the operation takes (running; for SET_PRIORITY also
 * created), all tried, the first refusal returned.  The process's end, if the signal
 * ends it, comes later as its kernel event (pm_dispatch_poll_events). */
static pm_status op_control(pm_dispatch *d, const msg_ctx *m)
{
    const pm_dhandle *h = handle_at(m, d->req.handle[0]);
    uint16_t op = d->req.opcode;
    uint32_t arg = d->req.flags;
    uint32_t slot = 0, i;
    pm_status st = PM_OK;
    if (h->kind == PM_DH_JOB && (op == PM_OP_SUSPEND || op == PM_OP_RESUME)) {
        /* The job freezes as one (cgroup.freeze on Linux); a job with no
         * kernel job yet has no process to freeze. */
        uint32_t ji = pm_dispatch_job_find_(d, h->value);
        if (ji < PM_DISPATCH_MAX_JOBS)
            st = pm_k_job_freeze(d->k, d->job[ji].cap, op == PM_OP_SUSPEND ? 1u : 0u);
    } else if (h->kind == PM_DH_JOB) {
        /*@ loop assigns i, st, pm_k_world; loop variant PM_REG_CAPACITY - i; */
        for (i = 0; i < PM_REG_CAPACITY; i++) {
            uint32_t s = d->reg.slot[i].state;
            if (d->reg.slot[i].job == h->value &&
                (s == PM_PROC_RUNNING ||
                 (s == PM_PROC_CREATED && op == PM_OP_SET_PRIORITY))) {
                pm_status one = control_one(d, i, op, arg);
                if (st == PM_OK)
                    st = one;
            }
        }
    } else {
        st = lookup(d, h, PM_DH_PROCESS, control_right(op), &slot);
        if (st == PM_OK)
            st = control_one(d, slot, op, arg);
    }
    return st;
}

/* SET_RLIMIT (spec/lifecycle.md section 6): a process created or running;
 * per-job limits are the cgroup's (jobs), so a job handle is HANDLE_KIND
 * (lookup).  The kernel refuses raising a hard limit it may not raise
 * (LINUX_RLIMIT_DENIED), never lowers it silently instead. */
static pm_status op_set_rlimit(pm_dispatch *d, const msg_ctx *m)
{
    const pm_proto_request *q = &d->req;
    uint32_t slot = 0;
    pm_status st = lookup(d, handle_at(m, q->handle[0]), PM_DH_PROCESS,
                          PM_RIGHT_LIMIT, &slot);
    if (st == PM_OK && ended(d, slot))
        st = PM_E_PROCESS_ENDED;
    if (st == PM_OK)
        st = pm_k_thread_set_rlimit(d->k, d->reg.slot[slot].thread, q->flags,
                                    q->value, q->cursor);
    return st;
}

static pm_status op_query(pm_dispatch *d, const msg_ctx *m, pm_proto_reply *rep)
{
    uint32_t slot = 0;
    pm_status st = lookup(d, handle_at(m, d->req.handle[0]), PM_DH_PROCESS,
                          PM_RIGHT_QUERY, &slot);
    if (st == PM_OK) {
        info_of(d, slot, &rep->info);
        rep->name = d->reg.slot[slot].name;
        rep->name_len = d->reg.slot[slot].name_len <= PM_REG_NAME_MAX
                            ? d->reg.slot[slot].name_len : 0u;
    }
    return st;
}

static uint64_t rlim_or_zero(const pm_k_usage *u, const uint64_t *v, uint32_t i)
{
    return (u->valid & PM_K_USAGE_RLIMITS) != 0 ? v[i] : 0u;
}

/* The details block (spec/protocol.md section 7): the structured end and
 * the POSIX wait status derived from it, the level, the suspension, and
 * what the backend can tell of usage and limits (an ended process: the
 * final usage of its end event; a live one: pm_k_thread_usage now, and
 * nothing when that fails). */
static void details_of(pm_dispatch *d, uint32_t slot, pm_proto_details *x)
{
    const pm_proc *p = &d->reg.slot[slot];
    const pm_dispatch_proc *q = &d->proc[slot];
    pm_k_usage u;
    uint32_t i;
    details_clear(x);
    u.valid = 0;
    x->priority = q->priority <= PM_PRIORITY_MAX ? q->priority : PM_PRIORITY_NORMAL;
    if (ended(d, slot)) {
        u = q->usage;
        u.valid &= PM_K_USAGE_CPU | PM_K_USAGE_RSS;
        x->end_flags = q->end_flags & PM_END_FLAGS_ALL;
        if (q->end_state == PM_STATE_EXITED) {
            x->end = PM_END_EXITED;
            x->end_code = (uint32_t)p->exit_code & 0xFFu;
            x->end_flags = 0;
        } else {
            x->end = q->end_state == PM_STATE_FAULTED ? PM_END_FAULTED : PM_END_KILLED;
            x->end_code = q->end_signal;
            x->fault = q->end_state == PM_STATE_FAULTED && q->end_fault <= PM_FAULT_MAX
                           ? q->end_fault : 0u;
        }
        x->wait_status = wait_status_of(d, slot);
    } else {
        if (pm_k_thread_usage(d->k, p->thread, &u) != PM_OK)
            u.valid = 0;
        if (q->suspended && p->state == PM_PROC_RUNNING)
            x->flags |= PM_DETAIL_SUSPENDED;
    }
    if ((u.valid & PM_K_USAGE_CPU) != 0) {
        x->flags |= PM_DETAIL_CPU;
        x->cpu_user_ns = u.cpu_user_ns;
        x->cpu_system_ns = u.cpu_system_ns;
    }
    if ((u.valid & PM_K_USAGE_RSS) != 0) {
        x->flags |= PM_DETAIL_RSS;
        x->rss_bytes = u.rss_bytes;
    }
    if ((u.valid & PM_K_USAGE_RLIMITS) != 0)
        x->flags |= PM_DETAIL_RLIMITS;
    /*@ loop assigns i, x->rlim_soft[0 .. PM_RLIMIT_COUNT - 1],
                     x->rlim_hard[0 .. PM_RLIMIT_COUNT - 1];
        loop variant PM_RLIMIT_COUNT - i; */
    for (i = 0; i < PM_RLIMIT_COUNT && i < PM_K_RLIMIT_COUNT; i++) {
        x->rlim_soft[i] = rlim_or_zero(&u, u.rlim_soft, i);
        x->rlim_hard[i] = rlim_or_zero(&u, u.rlim_hard, i);
    }
}

static pm_status op_query_details(pm_dispatch *d, const msg_ctx *m,
                                  pm_proto_reply *rep)
{
    uint32_t slot = 0;
    pm_status st = lookup(d, handle_at(m, d->req.handle[0]), PM_DH_PROCESS,
                          PM_RIGHT_QUERY, &slot);
    if (st == PM_OK) {
        info_of(d, slot, &rep->info);
        details_of(d, slot, &rep->details);
    }
    return st;
}

static int list_match(const pm_dispatch *d, uint32_t i, uint32_t filter,
                      uint64_t koid)
{
    const pm_proc *p = &d->reg.slot[i];
    return record_live(p->state) && (filter == PM_LIST_ALL ||
                    (filter == PM_LIST_BY_JOB && p->job == koid) ||
                    (filter == PM_LIST_BY_PARENT && p->parent_pid == koid));
}

/* The matching record of least koid above `after`, or PM_REG_CAPACITY. */
static uint32_t list_next(const pm_dispatch *d, uint32_t filter, uint64_t koid,
                          uint64_t after)
{
    uint32_t best = PM_REG_CAPACITY;
    uint32_t i;
    /*@ loop assigns i, best; loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++)
        if (list_match(d, i, filter, koid) && d->reg.slot[i].pid > after &&
            (best == PM_REG_CAPACITY || d->reg.slot[i].pid < d->reg.slot[best].pid))
            best = i;
    return best;
}

/* The ring entry of least koid above `after`, or PM_DISPATCH_ENDED_RING
 * (koids are never reused, so the ring holds each at most once). */
static uint32_t ended_next(const pm_dispatch *d, uint64_t after)
{
    uint32_t best = PM_DISPATCH_ENDED_RING, i;
    /*@ loop assigns i, best; loop variant PM_DISPATCH_ENDED_RING - i; */
    for (i = 0; i < d->ended_count && i < PM_DISPATCH_ENDED_RING; i++) {
        uint32_t at = (d->ended_head + i) % PM_DISPATCH_ENDED_RING;
        if (d->ended[at].info.koid > after &&
            (best == PM_DISPATCH_ENDED_RING ||
             d->ended[at].info.koid < d->ended[best].info.koid))
            best = at;
    }
    return best;
}

/* LIST_PROCESSES filter ENDED: the ring, in ascending koid. */
static void list_ended(pm_dispatch *d, uint32_t max, uint64_t after,
                       pm_proto_reply *rep)
{
    uint32_t n = 0, at = 0;
    /*@ loop assigns n, at, after, d->list[0 .. PM_PROTO_MAX_LIST - 1];
        loop variant max - n; */
    while (n < max && n < PM_PROTO_MAX_LIST) {
        at = ended_next(d, after);
        if (at == PM_DISPATCH_ENDED_RING)
            break;
        d->list[n] = d->ended[at].info;
        after = d->ended[at].info.koid;
        n++;
    }
    rep->list = d->list;
    rep->list_count = n;
    rep->next_cursor = (n > 0 && at != PM_DISPATCH_ENDED_RING &&
                        ended_next(d, after) != PM_DISPATCH_ENDED_RING) ? after : 0u;
}

static pm_status op_list(pm_dispatch *d, pm_proto_reply *rep)
{
    const pm_proto_request *q = &d->req;
    uint32_t filter = q->flags, max = q->limit, n = 0, at = 0, unused = 0;
    uint64_t after = q->cursor;
    pm_status st = PM_OK;
    if (filter == PM_LIST_BY_PARENT)
        st = pm_reg_find_pid(&d->reg, q->value, &unused);
    if (st == PM_OK && q->cursor != 0 && q->cursor >= d->reg.next_pid)
        st = PM_E_LIST_CURSOR;
    if (st == PM_OK && filter == PM_LIST_ENDED) {
        list_ended(d, max, after, rep);
        return st;
    }
    /*@ loop assigns n, at, after, d->list[0 .. PM_PROTO_MAX_LIST - 1];
        loop variant max - n; */
    while (st == PM_OK && n < max && n < PM_PROTO_MAX_LIST) {
        at = list_next(d, filter, q->value, after);
        if (at == PM_REG_CAPACITY)
            break;
        info_of(d, at, &d->list[n]);
        after = d->reg.slot[at].pid;
        n++;
    }
    if (st == PM_OK) {
        rep->list = d->list;
        rep->list_count = n;
        rep->next_cursor = (n > 0 && at != PM_REG_CAPACITY &&
                            list_next(d, filter, q->value, after) != PM_REG_CAPACITY)
                               ? after : 0u;
    }
    return st;
}

/* Park the request as waiter: WAIT on a slot, or WAIT_ANY on a parent.
 * WAITERS_FULL when conn already parks PM_DISPATCH_WAITERS_PER_CONN (or
 * every waiter is taken, which that bound leaves impossible). */
static pm_status park(pm_dispatch *d, uint32_t conn, uint32_t slot,
                      uint64_t parent, uint32_t principal,
                      pm_dispatch_result *res)
{
    uint32_t i, w = PM_DISPATCH_MAX_WAITERS, mine = 0;
    pm_status st = PM_OK;
    /*@ loop assigns i, w, mine; loop variant PM_DISPATCH_MAX_WAITERS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WAITERS; i++) {
        if (d->waiter[i].state == 0 && w == PM_DISPATCH_MAX_WAITERS)
            w = i;
        else if (d->waiter[i].state != 0 && d->waiter[i].conn == conn)
            mine++;
    }
    if (w == PM_DISPATCH_MAX_WAITERS || mine >= PM_DISPATCH_WAITERS_PER_CONN) {
        st = PM_E_WAITERS_FULL;
    } else {
        pm_dispatch_waiter *x = &d->waiter[w];
        x->state = 1u;
        x->gen = (x->gen + 1u) & 0xFFFFu;
        if (x->gen == 0)
            x->gen = 1u;
        x->conn = conn;
        x->opcode = d->req.opcode;
        x->slot = slot;
        x->slot_gen = d->reg.slot[slot].gen;
        x->parent = parent;
        x->principal = principal;
        x->request_id = d->req.request_id;
        res->action = PM_DISPATCH_PARKED;
        res->waiter = (x->gen << 16) | w;
        res->timeout_ns = d->req.value;
    }
    return st;
}

static pm_status op_wait(pm_dispatch *d, uint32_t conn, const msg_ctx *m,
                         pm_proto_reply *rep, pm_dispatch_result *res)
{
    uint32_t slot = 0;
    pm_status st = lookup(d, handle_at(m, d->req.handle[0]), PM_DH_PROCESS,
                          PM_RIGHT_WAIT, &slot);
    if (st == PM_OK && ended(d, slot))
        info_of(d, slot, &rep->info);
    else if (st == PM_OK && d->req.value == PM_WAIT_POLL)
        st = PM_E_WAIT_TIMED_OUT;
    else if (st == PM_OK)
        st = park(d, conn, slot, 0, 0, res);
    return st;
}

/* WAIT_ANY (spec/lifecycle.md section 2): the oldest uncollected end of a
 * child of the parent (a process handle with the WAIT right, or none: the
 * root), now, or parked until one ends.  NO_CHILDREN when the parent has
 * neither an uncollected end nor a child still running. */
static pm_status op_wait_any(pm_dispatch *d, const pm_dispatch_conn *c,
                             uint32_t conn, const msg_ctx *m,
                             pm_proto_reply *rep, pm_dispatch_result *res)
{
    uint64_t parent = 0;
    uint32_t pslot = 0, at = PM_REG_CAPACITY;
    int alive = 0;
    pm_status st = PM_OK;
    if (d->req.handle[0] != PM_PROTO_NO_HANDLE) {
        st = lookup(d, handle_at(m, d->req.handle[0]), PM_DH_PROCESS,
                    PM_RIGHT_WAIT, &pslot);
        if (st == PM_OK)
            parent = d->reg.slot[pslot].pid;
    }
    if (st == PM_OK)
        at = any_oldest(d, parent, c->principal, &alive);
    if (st == PM_OK && at < PM_REG_CAPACITY) {
        d->proc[at].any_collected = 1;
        info_of(d, at, &rep->info);
    } else if (st == PM_OK && !alive) {
        st = PM_E_NO_CHILDREN;
    } else if (st == PM_OK && d->req.value == PM_WAIT_POLL) {
        st = PM_E_WAIT_TIMED_OUT;
    } else if (st == PM_OK) {
        st = park(d, conn, pslot, parent, c->principal, res);
    }
    return st;
}

static pm_status op_watch(pm_dispatch *d, const msg_ctx *m,
                          pm_dispatch_result *res)
{
    const pm_dhandle *h = handle_at(m, d->req.handle[0]);
    uint32_t slot = 0, i, w = PM_DISPATCH_MAX_WATCHES;
    pm_status st = PM_OK;
    if (h->kind != PM_DH_JOB)
        st = lookup(d, h, PM_DH_PROCESS, PM_RIGHT_WATCH, &slot);
    /*@ loop assigns i, w; loop variant PM_DISPATCH_MAX_WATCHES - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WATCHES && w == PM_DISPATCH_MAX_WATCHES; i++)
        if (!d->watch[i].in_use)
            w = i;
    if (st == PM_OK && w == PM_DISPATCH_MAX_WATCHES)
        st = PM_E_WATCHES_FULL;
    if (st == PM_OK) {
        pm_dispatch_watch *x = &d->watch[w];
        x->in_use = 1;
        x->gen = x->gen + 1u == 0 ? 1u : x->gen + 1u;
        x->is_job = h->kind == PM_DH_JOB;
        x->job = x->is_job ? h->value : 0u;
        x->slot = x->is_job ? 0u : slot;
        x->slot_gen = x->is_job ? 0u : d->reg.slot[slot].gen;
        x->events = d->req.flags;
        x->request_id = d->req.request_id;
        out_handle(res, PM_DH_WATCH, watch_id(d, w), PM_KCAP_NULL);
    }
    return st;
}

/* A copy of a job handle (a job handle carries no rights). */
static pm_status dup_job(pm_dispatch *d, uint64_t koid, pm_dispatch_result *res)
{
    uint32_t ji = pm_dispatch_job_find_(d, koid);
    if (ji < PM_DISPATCH_MAX_JOBS)
        d->job[ji].refs++;
    out_handle(res, PM_DH_JOB, koid, PM_KCAP_NULL);
    return PM_OK;
}

static pm_status op_duplicate(pm_dispatch *d, const msg_ctx *m,
                              pm_dispatch_result *res)
{
    const pm_dhandle *h = handle_at(m, d->req.handle[0]);
    uint64_t copy = 0;
    pm_status st = PM_E_HANDLE_KIND;
    if (h->kind == PM_DH_JOB)
        return dup_job(d, h->value, res);
    if (h->kind == PM_DH_PROCESS || h->kind == PM_DH_THREAD)
        st = pm_reg_duplicate(&d->reg, h->value, d->req.flags, &copy);
    if (st == PM_OK) {
        d->proc[copy & 0xFFFFu].refs++;
        out_handle(res, h->kind, copy, PM_KCAP_NULL);
    }
    return st;
}

/* OPEN_PROCESS: a new handle with exactly the requested rights to the
 * record of a koid, for root or for the principal that launched it.  The
 * record may have ended (not yet collected): WAIT then gives its final
 * record.  NONE is never an owner match, so a connection the shell did not
 * vouch for opens nothing. */

static pm_status op_open(pm_dispatch *d, const pm_dispatch_conn *c,
                         pm_dispatch_result *res)
{
    uint32_t slot = 0;
    pm_status st = pm_reg_find_pid(&d->reg, d->req.value, &slot);
    if (st == PM_OK && !may_open(c->principal, d->proc[slot].owner))
        st = PM_E_NOT_OWNER;
    if (st == PM_OK) {
        uint64_t h = pm_handle_make(slot, d->reg.slot[slot].gen,
                                    d->req.flags & PM_RIGHTS_ALL);
        d->proc[slot].refs++;
        out_handle(res, PM_DH_PROCESS, h, PM_KCAP_NULL);
    }
    return st;
}

/* LOOKUP_PROCESS (issue 20): the record of a koid with its host pid and,
 * once ended, when and how; a collected one from the ring of recent ends.
 * The authority of OPEN_PROCESS: root or the launching principal. */
static pm_status op_lookup(pm_dispatch *d, const pm_dispatch_conn *c,
                           pm_proto_reply *rep)
{
    uint32_t slot = 0;
    pm_status st = pm_reg_find_pid(&d->reg, d->req.value, &slot);
    if (st == PM_OK) {
        const pm_proc *p = &d->reg.slot[slot];
        if (!may_open(c->principal, d->proc[slot].owner))
            return PM_E_NOT_OWNER;
        info_of(d, slot, &rep->info);
        rep->lookup.pid = d->proc[slot].host_pid;
        if (ended(d, slot)) {
            rep->lookup.end_time_ns = d->proc[slot].end_time_ns;
            rep->lookup.wait_status = wait_status_of(d, slot);
        }
        rep->name = p->name;
        rep->name_len = p->name_len <= PM_REG_NAME_MAX ? p->name_len : 0u;
    } else {
        uint32_t at = ended_find(d, d->req.value);
        if (at < PM_DISPATCH_ENDED_RING) {
            const pm_dispatch_ended *e = &d->ended[at];
            if (!may_open(c->principal, e->owner))
                return PM_E_NOT_OWNER;
            st = PM_OK;
            rep->info = e->info;
            rep->lookup.pid = e->host_pid;
            rep->lookup.end_time_ns = e->end_time_ns;
            rep->lookup.wait_status = e->wait_status;
            rep->lookup.collected = PM_LOOKUP_COLLECTED;
            rep->name = e->name;
            rep->name_len = e->name_len <= PM_REG_NAME_MAX ? e->name_len : 0u;
        }
    }
    return st;
}

/* ---- jobs (JOB_CREATE, JOB_OPEN; spec/lifecycle.md section 3) ------------ */

/* The backend's job mode as the protocol says it. */
static uint32_t job_mode(pm_dispatch *d)
{
    return pm_k_job_mode(d->k) == PM_K_JOB_MODE_CGROUP ? PM_JOB_MODE_CGROUP
                                                       : PM_JOB_MODE_MEMBERS;
}

/* The reply of both: a job handle (one more reference), the job's koid
 * and what the backend's jobs contain. */
static void job_reply(pm_dispatch *d, uint32_t ji, pm_proto_reply *rep,
                      pm_dispatch_result *res)
{
    d->job[ji].refs++;
    rep->koid = d->job[ji].koid;
    rep->job_mode = job_mode(d);
    out_handle(res, PM_DH_JOB, d->job[ji].koid, PM_KCAP_NULL);
}

/* A new empty job, named by the next koid of the registry's sequence
 * (processes and jobs share it, so no job is named like a process that
 * is not its own). */
static pm_status op_job_create(pm_dispatch *d, const pm_dispatch_conn *c,
                               pm_proto_reply *rep, pm_dispatch_result *res)
{
    uint32_t ji = 0;
    uint64_t koid = d->reg.next_pid;
    pm_status st = pm_dispatch_job_get_(d, koid, c->principal, &ji);
    if (st == PM_OK) {
        d->reg.next_pid++;
        job_reply(d, ji, rep, res);
    }
    return st;
}

/* A handle to a live job, for root or the principal that made it (as
 * OPEN_PROCESS). */
static pm_status op_job_open(pm_dispatch *d, const pm_dispatch_conn *c,
                             pm_proto_reply *rep, pm_dispatch_result *res)
{
    uint32_t ji = pm_dispatch_job_find_(d, d->req.value);
    pm_status st = ji < PM_DISPATCH_MAX_JOBS ? PM_OK : PM_E_NO_SUCH_JOB;
    if (st == PM_OK && !may_open(c->principal, d->job[ji].owner))
        st = PM_E_NOT_OWNER;
    if (st == PM_OK)
        job_reply(d, ji, rep, res);
    return st;
}

/* The job a job handle names (live: the handle holds it).  HANDLE_KIND
 * for another handle. */
static pm_status job_of(const pm_dispatch *d, const pm_dhandle *h, uint32_t *ji)
{
    if (h->kind != PM_DH_JOB)
        return PM_E_HANDLE_KIND;
    *ji = pm_dispatch_job_find_(d, h->value);
    return *ji < PM_DISPATCH_MAX_JOBS ? PM_OK : PM_E_NO_SUCH_JOB;
}

/* JOB_SET_LIMIT (spec/lifecycle.md section 6): the kernel job's limit.
 * A job handle carries no rights: holding it is the authority, as for
 * KILL on a job. */
static pm_status op_job_set_limit(pm_dispatch *d, const msg_ctx *m)
{
    uint32_t ji = 0;
    pm_status st = job_of(d, handle_at(m, d->req.handle[0]), &ji);
    if (st == PM_OK)
        st = pm_k_job_set_limit(d->k, d->job[ji].cap, d->req.flags, d->req.value);
    return st;
}

/* JOB_QUERY: the job's koid, mode, limits and usage. */
static pm_status op_job_query(pm_dispatch *d, const msg_ctx *m, pm_proto_reply *rep)
{
    uint32_t ji = 0;
    pm_kjob_usage u;
    pm_status st = job_of(d, handle_at(m, d->req.handle[0]), &ji);
    if (st == PM_OK)
        st = pm_k_job_usage(d->k, d->job[ji].cap, &u);
    if (st == PM_OK) {
        rep->koid = d->job[ji].koid;
        rep->job_mode = job_mode(d);
        rep->job.known = u.known & PM_JOB_KNOWN_ALL;
        rep->job.pids_current = u.pids_current;
        rep->job.pids_max = u.pids_max;
        rep->job.memory_current = u.memory_current;
        rep->job.memory_max = u.memory_max;
        rep->job.oom_kills = u.oom_kills;
        rep->job.cpu_usec = u.cpu_usec;
    }
    return st;
}

/* Find a live watch by id. */
static pm_status watch_lookup(const pm_dispatch *d, uint64_t id, uint32_t *w)
{
    uint64_t idx = id & 0xFFFFFFFFu;
    pm_status st = PM_E_BAD_HANDLE;
    if (idx < PM_DISPATCH_MAX_WATCHES) {
        st = d->watch[idx].in_use && d->watch[idx].gen == (uint32_t)(id >> 32)
                 ? PM_OK : PM_E_STALE_HANDLE;
        *w = (uint32_t)idx;
    }
    return st;
}

static pm_status close_handle(pm_dispatch *d, const pm_dhandle *h)
{
    uint32_t slot = 0;
    pm_status st = PM_OK;
    if (h->kind == PM_DH_PROCESS || h->kind == PM_DH_THREAD) {
        st = pm_reg_lookup(&d->reg, h->value, 0, &slot);
        if (st == PM_OK)
            release_ref(d, slot);
    } else if (h->kind == PM_DH_WATCH) {
        st = watch_lookup(d, h->value, &slot);
        if (st == PM_OK)
            d->watch[slot].in_use = 0;
    } else if (h->kind == PM_DH_JOB) {
        slot = pm_dispatch_job_find_(d, h->value);
        if (slot < PM_DISPATCH_MAX_JOBS && d->job[slot].refs > 0) {
            d->job[slot].refs--;
            pm_dispatch_job_maybe_end_(d, h->value);
        }
    } else if (h->kind != PM_DH_KCAP) {
        st = PM_E_HANDLE_KIND;
    }
    return st;   /* a KCAP is dropped with the message's other caps */
}

void pm_dispatch_handle_release(pm_dispatch *d, const pm_dhandle *h)
{
    if (h->kind == PM_DH_KCAP)
        (void)pm_k_drop(d->k, h->cap);
    else
        (void)close_handle(d, h);
}

/* ---- resolve -------------------------------------------------------------- */

/* pm_dispatch_find_entry: launch_caps.c (proof-launch-caps). */

static pm_status op_resolve(pm_dispatch *d, const msg_ctx *m,
                            pm_proto_reply *rep, pm_dispatch_result *res)
{
    const uint32_t rights = PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT;
    pm_kcap root = PM_KCAP_NULL, interp_root = PM_KCAP_NULL;
    pm_kcap exe = PM_KCAP_NULL, interp = PM_KCAP_NULL;
    uint32_t at = pm_dispatch_find_entry(d->cfg.resolve, d->cfg.nresolve,
                                         m->msg + d->req.str.off, d->req.str.len);
    pm_status st = PM_E_RESOLVE_NOT_FOUND;
    if (at < d->cfg.nresolve) {
        root = d->cfg.resolve[at].image;
        st = PM_OK;
    }
    if (st == PM_OK)
        st = pm_dispatch_read_validate_(d, root, PM_ELF_ROLE_PROGRAM, &d->plan_exe);
    if (st == PM_OK && d->plan_exe.has_interp)
        st = d->plan_exe.interp_len < 1u ? PM_E_INTERP_NOT_ALLOWED
             : pm_dispatch_lookup_interp_(d, d->plan_exe.interp_off,
                                          d->plan_exe.interp_len - 1u,
                                          &interp_root);
    if (st == PM_OK)
        st = pm_k_cap_derive(d->k, root, rights, &exe);
    if (st == PM_OK && !pm_kcap_is_null(interp_root))
        st = pm_k_cap_derive(d->k, interp_root, rights, &interp);
    if (st == PM_OK) {
        rep->has_interp = !pm_kcap_is_null(interp);
        out_handle(res, PM_DH_KCAP, 0, exe);
        if (rep->has_interp)
            out_handle(res, PM_DH_KCAP, 0, interp);
    } else {
        (void)pm_k_drop(d->k, exe);
    }
    return st;
}

/* ---- the entry point -------------------------------------------------------- */

static pm_status act(pm_dispatch *d, pm_dispatch_conn *c, uint32_t conn,
                     msg_ctx *m, pm_proto_reply *rep, pm_dispatch_result *res)
{
    pm_status st;
    switch (d->req.opcode) {
    case PM_OP_CREATE_PROCESS:    st = op_create_process(d, c, m, rep, res); break;
    case PM_OP_EXIT_PROCESS:      st = op_exit(d, m); break;
    case PM_OP_QUERY_PROCESS:     st = op_query(d, m, rep); break;
    case PM_OP_QUERY_DETAILS:     st = op_query_details(d, m, rep); break;
    case PM_OP_LIST_PROCESSES:    st = op_list(d, rep); break;
    case PM_OP_OPEN_PROCESS:      st = op_open(d, c, res); break;
    case PM_OP_LOOKUP_PROCESS:    st = op_lookup(d, c, rep); break;
    case PM_OP_ADD_ARGS:          st = op_add_strings(d, c, m, 0); break;
    case PM_OP_ADD_ENVIRONS:      st = op_add_strings(d, c, m, 1); break;
    case PM_OP_ADD_NAMES:         st = op_add_names(d, c, m); break;
    case PM_OP_ADD_HANDLES:       st = add_handles(d, &c->builder, m); break;
    case PM_OP_SET_INFO:          st = op_set_info(d, c, m); break;
    case PM_OP_LAUNCH:            st = op_launch(d, c, m, 1, rep, res); break;
    case PM_OP_CREATE_WITHOUT_STARTING: st = op_launch(d, c, m, 0, rep, res); break;
    case PM_OP_START:             st = op_start(d, m); break;
    case PM_OP_SET_CWD:           st = op_set_cwd(d, c, m); break;
    case PM_OP_SET_EXECFN:        st = op_set_execfn(d, c, m); break;
    case PM_OP_SET_RLIMIT:        st = op_set_rlimit(d, m); break;
    case PM_OP_RESOLVE:           st = op_resolve(d, m, rep, res); break;
    case PM_OP_WAIT:              st = op_wait(d, conn, m, rep, res); break;
    case PM_OP_WAIT_ANY:          st = op_wait_any(d, c, conn, m, rep, res); break;
    case PM_OP_WATCH:             st = op_watch(d, m, res); break;
    case PM_OP_KILL:              st = op_kill(d, m); break;
    case PM_OP_SIGNAL:
    case PM_OP_SET_PRIORITY:
    case PM_OP_SUSPEND:
    case PM_OP_RESUME:            st = op_control(d, m); break;
    case PM_OP_HANDLE_DUPLICATE:  st = op_duplicate(d, m, res); break;
    case PM_OP_JOB_CREATE:        st = op_job_create(d, c, rep, res); break;
    case PM_OP_JOB_OPEN:          st = op_job_open(d, c, rep, res); break;
    case PM_OP_JOB_SET_LIMIT:     st = op_job_set_limit(d, m); break;
    case PM_OP_JOB_QUERY:         st = op_job_query(d, m, rep); break;
    case PM_OP_HANDLE_CLOSE:      st = close_handle(d, handle_at(m, d->req.handle[0])); break;
    default:                      st = PM_E_PROTO_UNKNOWN_OPCODE; break;
    }
    return st;
}

/* Drop every received kernel cap the request did not keep. */
static void drop_unconsumed(pm_dispatch *d, const msg_ctx *m)
{
    uint32_t i;
    /*@ loop assigns i, pm_k_world; loop variant PM_PROTO_MAX_HANDLES - i; */
    for (i = 0; i < m->nh && i < PM_PROTO_MAX_HANDLES; i++)
        if (!m->consumed[i] && m->in[i].kind == PM_DH_KCAP)
            (void)pm_k_drop(d->k, m->in[i].cap);
}

pm_status pm_dispatch_message(pm_dispatch *d, uint32_t conn,
                              const uint8_t *msg, size_t len,
                              const pm_dhandle *in, uint32_t nin,
                              const uint8_t *random,
                              uint8_t *reply, size_t cap,
                              pm_dispatch_result *res)
{
    pm_dispatch_conn *c = pm_dispatch_find_conn_(d, conn);
    pm_proto_reply rep;
    msg_ctx m;
    uint32_t i;
    pm_status st;

    clear_result(res);
    m.msg = msg;
    m.in = in;
    m.nh = nin < PM_PROTO_MAX_HANDLES ? nin : PM_PROTO_MAX_HANDLES;
    m.random = random;
    /*@ loop assigns i, m.consumed[0 .. PM_PROTO_MAX_HANDLES - 1]; loop variant PM_PROTO_MAX_HANDLES - i; */
    for (i = 0; i < PM_PROTO_MAX_HANDLES; i++)
        m.consumed[i] = 0;

    st = pm_proto_decode_request(msg, len, nin, &d->req);
    if (cap < PM_DISPATCH_REPLY_CAP || !d->req.reply_to.can_reply) {
        drop_unconsumed(d, &m);
        res->action = PM_DISPATCH_CLOSE;
        res->status = st != PM_OK ? st : PM_E_PROTO_BUFFER_TOO_SMALL;
        return (pm_status)res->status;
    }
    clear_reply(&rep, d->req.reply_to.opcode, d->req.reply_to.request_id);
    if (st == PM_OK && c == NULL)
        st = PM_E_NOT_CONNECTED;
    if (st == PM_OK)
        st = act(d, c, conn, &m, &rep, res);
    drop_unconsumed(d, &m);

    if (res->action == PM_DISPATCH_PARKED)
        return PM_OK;
    if (st == PM_OK) {
        rep.status = PM_OK;
        st = pm_proto_encode_reply(&rep, reply, cap, &res->reply_len);
        if (st != PM_OK) {             /* cannot happen with cap >= REPLY_CAP */
            for (i = 0; i < res->nhandles; i++)
                pm_dispatch_handle_release(d, &res->handles[i]);
            res->nhandles = 0;
        }
    }
    if (st != PM_OK) {
        res->nhandles = 0;
        frame_error(reply, d->req.reply_to.opcode, d->req.reply_to.request_id, st);
        res->reply_len = ERROR_REPLY_LEN;
    }
    res->action = PM_DISPATCH_REPLY;
    res->status = st;
    return st;
}

/* ---- events, waiters -------------------------------------------------------- */

uint32_t pm_dispatch_poll_events(pm_dispatch *d)
{
    uint32_t n = 0;
    int more = 1;
    /*@ loop assigns n, more, *d, pm_k_world; loop variant PM_DISPATCH_MAX_EVENT_POLL - n; */
    while (more && n < PM_DISPATCH_MAX_EVENT_POLL) {
        pm_kevent ev;
        more = pm_k_event_poll(d->k, &ev) == PM_OK;
        if (more) {
            uint64_t slot = ev.cookie;
            n++;
            if (slot < PM_REG_CAPACITY &&
                d->reg.slot[slot].state == PM_PROC_RUNNING &&
                pm_kcap_eq(d->reg.slot[slot].thread, ev.thread)) {
                end_info e;
                end_by_event(&e, &ev);
                end_process(d, (uint32_t)slot, &e);
            }
        }
    }
    return n;
}

static pm_status waiter_lookup(const pm_dispatch *d, uint32_t id, uint32_t *w)
{
    uint32_t idx = id & 0xFFFFu;
    pm_status st = PM_E_K_ARG;
    if (idx < PM_DISPATCH_MAX_WAITERS && d->waiter[idx].state == 1u &&
        d->waiter[idx].gen == (id >> 16)) {
        *w = idx;
        st = PM_OK;
    }
    return st;
}

pm_status pm_dispatch_wait_expire(pm_dispatch *d, uint32_t waiter,
                                  uint8_t *reply, size_t cap,
                                  pm_dispatch_result *res)
{
    uint32_t w = 0;
    pm_status st = waiter_lookup(d, waiter, &w);
    clear_result(res);
    if (st == PM_OK && cap < ERROR_REPLY_LEN)
        st = PM_E_PROTO_BUFFER_TOO_SMALL;
    if (st == PM_OK) {
        frame_error(reply, (uint16_t)d->waiter[w].opcode, d->waiter[w].request_id,
                    PM_E_WAIT_TIMED_OUT);
        res->action = PM_DISPATCH_REPLY;
        res->status = PM_E_WAIT_TIMED_OUT;
        res->reply_len = ERROR_REPLY_LEN;
        d->waiter[w].state = 0;
    }
    return st;
}

pm_status pm_dispatch_take_reply(pm_dispatch *d, uint32_t *conn,
                                 uint8_t *reply, size_t cap,
                                 pm_dispatch_result *res)
{
    uint32_t i, w = PM_DISPATCH_MAX_WAITERS;
    pm_status st = PM_E_K_NO_EVENT;
    clear_result(res);
    /*@ loop assigns i, w; loop variant PM_DISPATCH_MAX_WAITERS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WAITERS && w == PM_DISPATCH_MAX_WAITERS; i++)
        if (d->waiter[i].state == 2u)
            w = i;
    if (w < PM_DISPATCH_MAX_WAITERS) {
        pm_dispatch_waiter *x = &d->waiter[w];
        pm_proto_reply rep;
        clear_reply(&rep, (uint16_t)x->opcode, x->request_id);
        rep.info = x->info;
        st = pm_proto_encode_reply(&rep, reply, cap, &res->reply_len);
        *conn = x->conn;
        x->state = 0;
        if (st == PM_OK) {
            res->action = PM_DISPATCH_REPLY;
            res->status = rep.status;
        }
    }
    return st;
}

pm_status pm_dispatch_take_event(pm_dispatch *d, uint64_t *watch,
                                 uint8_t *bytes, size_t cap)
{
    pm_status st = PM_E_K_NO_EVENT;
    if (d->event_count > 0 && cap >= PM_DISPATCH_EVENT_LEN) {
        const pm_dispatch_event *e = &d->event[d->event_head % PM_DISPATCH_MAX_EVENTS];
        uint32_t i;
        /*@ loop assigns i, bytes[0 .. PM_DISPATCH_EVENT_LEN - 1]; loop variant PM_DISPATCH_EVENT_LEN - i; */
        for (i = 0; i < PM_DISPATCH_EVENT_LEN; i++)
            bytes[i] = e->bytes[i];
        *watch = e->watch;
        d->event_head = (d->event_head + 1u) % PM_DISPATCH_MAX_EVENTS;
        d->event_count--;
        st = PM_OK;
    }
    return st;
}

/* ---- lifetime --------------------------------------------------------------- */

void pm_dispatch_config_default(pm_dispatch_config *cfg)
{
    pm_elf_policy_default(&cfg->policy);
    cfg->interp = NULL;
    cfg->ninterp = 0;
    cfg->resolve = NULL;
    cfg->nresolve = 0;
    cfg->script = NULL;
    cfg->nscript = 0;
    cfg->stack_top = 0x7ffffff00000ull;
    cfg->stack_size = 4u * 4096u;
    cfg->stack_window = 0;
    cfg->dyn_base = 0x555555554000ull;
    cfg->dyn_window = 1ull << 32;
    cfg->interp_base = 0x7f0000000000ull;
    cfg->interp_window = 1ull << 32;
    cfg->cspace_slots = 64;
    cfg->reserved = 0;
}

/* The configuration inside the kernel's limits, as the loader's proof
 * assumes it (pm_dispatch_cfg_ok, spec/acsl/launch.h): a page size the
 * validator knows and the kernel's, the policy's user range inside the
 * kernel's, and every stack a launch can place (stack_top lowered by up
 * to stack_window, the IPC page and a guard page below the stack) inside
 * [user_min, user_limit).  Called after the stack checks above have
 * passed, which keep the subtractions from wrapping. */
static int limits_fit(const pm_k_limits *lim, const pm_dispatch_config *cfg)
{
    uint64_t page = lim->page_size;
    return (page == 4096u || page == 8192u || page == 16384u ||
            page == 32768u || page == 65536u) &&
           cfg->policy.page_size == page &&
           cfg->policy.min_vaddr >= lim->user_min &&
           cfg->policy.user_limit <= lim->user_limit &&
           cfg->stack_top <= lim->user_limit &&
           cfg->stack_top - cfg->stack_window - cfg->stack_size - 2u * page >=
               lim->user_min;
}

pm_status pm_dispatch_init(pm_dispatch *d, struct pm_kernel *k,
                           const pm_dispatch_config *cfg)
{
    pm_status st = PM_OK;
    uint32_t i;
    d->k = k;
    d->cfg = *cfg;
    pm_k_get_limits(k, &d->limits);
    if (cfg->ninterp > PM_DISPATCH_MAX_TABLE || cfg->nresolve > PM_DISPATCH_MAX_TABLE ||
        (cfg->ninterp > 0 && cfg->interp == NULL) ||
        (cfg->nresolve > 0 && cfg->resolve == NULL) ||
        cfg->nscript > PM_DISPATCH_MAX_TABLE ||
        (cfg->nscript > 0 && cfg->script == NULL) ||
        d->limits.page_size == 0 || cfg->stack_size == 0 ||
        cfg->stack_size > PM_DISPATCH_STACK_MAX ||
        cfg->stack_size % d->limits.page_size != 0 ||
        cfg->stack_top % d->limits.page_size != 0 ||
        cfg->stack_window % d->limits.page_size != 0 ||
        cfg->stack_window > cfg->stack_top ||
        cfg->stack_top - cfg->stack_window < cfg->stack_size + 2u * d->limits.page_size ||
        cfg->cspace_slots <= PM_BUILDER_MAX_NAMES ||
        cfg->cspace_slots > d->limits.max_cspace_slots ||
        !limits_fit(&d->limits, cfg))
        st = PM_E_K_ARG;
    pm_reg_init(&d->reg);
    /*@ loop assigns i, d->proc[0 .. PM_REG_CAPACITY - 1]; loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++) {
        d->proc[i].end_state = 0;
        d->proc[i].refs = 0;
        proc_fresh(d, i, PM_DISPATCH_PRINCIPAL_NONE);
        d->proc[i].has_interp = 0;
        d->proc[i].entry = d->proc[i].sp = 0;
        d->proc[i].image_base = d->proc[i].interp_base = 0;
    }
    /*@ loop assigns i, d->conn[0 .. PM_DISPATCH_MAX_CONNS - 1]; loop variant PM_DISPATCH_MAX_CONNS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_CONNS; i++) {
        d->conn[i].in_use = 0;
        d->conn[i].interp = PM_KCAP_NULL;
        d->conn[i].cwd = PM_KCAP_NULL;
        d->conn[i].info_flags = 0;
        pm_builder_reset(&d->conn[i].builder);
    }
    pm_builder_reset(&d->scratch);
    /*@ loop assigns i, d->job[0 .. PM_DISPATCH_MAX_JOBS - 1]; loop variant PM_DISPATCH_MAX_JOBS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_JOBS; i++) {
        d->job[i].in_use = 0;
        d->job[i].refs = 0;
        d->job[i].cap = PM_KCAP_NULL;
    }
    /*@ loop assigns i, d->waiter[0 .. PM_DISPATCH_MAX_WAITERS - 1]; loop variant PM_DISPATCH_MAX_WAITERS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WAITERS; i++) {
        d->waiter[i].state = 0;
        d->waiter[i].gen = 0;
        d->waiter[i].opcode = PM_OP_WAIT;
    }
    /*@ loop assigns i, d->watch[0 .. PM_DISPATCH_MAX_WATCHES - 1]; loop variant PM_DISPATCH_MAX_WATCHES - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WATCHES; i++) {
        d->watch[i].in_use = 0;
        d->watch[i].gen = 0;
    }
    d->event_head = 0;
    d->event_count = 0;
    d->events_dropped = 0;
    d->end_seq = 0;
    d->ended_head = 0;
    d->ended_count = 0;
    d->script_active = 0;
    d->script_fd = 0;
    d->script_nargs = 0;
    d->script_used = 0;
    return st;
}

pm_status pm_dispatch_connect(pm_dispatch *d, uint32_t conn,
                              uint64_t client_koid, uint64_t job)
{
    pm_dispatch_conn *c = NULL;
    pm_status st = PM_OK;
    uint32_t i;
    if (pm_dispatch_find_conn_(d, conn) != NULL)
        st = PM_E_K_ARG;
    /*@ loop assigns i, c; loop variant PM_DISPATCH_MAX_CONNS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_CONNS && c == NULL; i++)
        if (!d->conn[i].in_use)
            c = &d->conn[i];
    if (st == PM_OK && c == NULL)
        st = PM_E_CONN_FULL;
    if (st == PM_OK) {
        c->in_use = 1;
        c->id = conn;
        c->client_koid = client_koid;
        c->job = job;
        c->interp = PM_KCAP_NULL;
        c->cwd = PM_KCAP_NULL;
        c->info_flags = 0;
        c->has_job = 0;
        c->principal = PM_DISPATCH_PRINCIPAL_NONE;
        c->info_job = 0;
        pm_builder_reset(&c->builder);
    }
    return st;
}

pm_status pm_dispatch_set_client(pm_dispatch *d, uint32_t conn, uint64_t koid)
{
    pm_dispatch_conn *c = pm_dispatch_find_conn_(d, conn);
    pm_status st = PM_E_NOT_CONNECTED;
    if (c != NULL) {
        c->client_koid = koid;
        st = PM_OK;
    }
    return st;
}

pm_status pm_dispatch_set_principal(pm_dispatch *d, uint32_t conn,
                                    uint32_t principal)
{
    pm_dispatch_conn *c = pm_dispatch_find_conn_(d, conn);
    pm_status st = PM_E_NOT_CONNECTED;
    if (c != NULL) {
        c->principal = principal;
        st = PM_OK;
    }
    return st;
}

void pm_dispatch_disconnect(pm_dispatch *d, uint32_t conn)
{
    pm_dispatch_conn *c = pm_dispatch_find_conn_(d, conn);
    uint32_t i;
    if (c != NULL) {
        conn_builder_clear(d, c);
        c->in_use = 0;
        /*@ loop assigns i, d->waiter[0 .. PM_DISPATCH_MAX_WAITERS - 1].state;
            loop variant PM_DISPATCH_MAX_WAITERS - i; */
        for (i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
            if (d->waiter[i].state != 0 && d->waiter[i].conn == conn)
                d->waiter[i].state = 0;
    }
}

void pm_dispatch_fini(pm_dispatch *d)
{
    uint32_t i;
    /*@ loop assigns i, *d, pm_k_world; loop variant PM_DISPATCH_MAX_CONNS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_CONNS; i++)
        if (d->conn[i].in_use)
            pm_dispatch_disconnect(d, d->conn[i].id);
    builder_clear(d, &d->scratch);
    /*@ loop assigns i, *d, pm_k_world; loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++) {
        uint32_t s = d->reg.slot[i].state;
        if (s == PM_PROC_CREATED || s == PM_PROC_RUNNING || s == PM_PROC_EXITED)
            pm_dispatch_teardown_(d, i);
    }
    pm_reg_init(&d->reg);
    pm_dispatch_job_fini_(d);
    /*@ loop assigns i, d->waiter[0 .. PM_DISPATCH_MAX_WAITERS - 1].state; loop variant PM_DISPATCH_MAX_WAITERS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WAITERS; i++)
        d->waiter[i].state = 0;
    /*@ loop assigns i, d->watch[0 .. PM_DISPATCH_MAX_WATCHES - 1].in_use; loop variant PM_DISPATCH_MAX_WATCHES - i; */
    for (i = 0; i < PM_DISPATCH_MAX_WATCHES; i++)
        d->watch[i].in_use = 0;
    d->event_head = 0;
    d->event_count = 0;
    /* events still queued in the kernel name threads now destroyed: dropped */
}
