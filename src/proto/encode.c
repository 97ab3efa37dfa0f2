/*
 * procmgr wire protocol: framing a reply (spec/protocol.md, section 7).
 *
 * The body is written first, after the header and the status word; the
 * header goes last, once the payload length and the handle count are known.
 * Every write checks the space left, so a short buffer yields
 * PROTO_BUFFER_TOO_SMALL and never a write past out[cap - 1].  A reply whose
 * fields break the protocol (a status that is no code, a state or event out
 * of range, a name or list over its limit) is refused with
 * PROTO_BAD_ARGUMENT: the daemon cannot put a malformed reply on the wire.
 * Proven with WP.  Freestanding.
 */
#include "procmgr/proto.h"
#include "acsl/proto.h"
#include "wire.h"

/*@ requires wr_ok(w) && \valid_read(info);
    requires \separated(info, w, w->out + (0 .. w->cap - 1));
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w) && w->off >= \old(w->off);
*/
static pm_status wr_info(pm_wr *w, const pm_proto_info *info)
{
    pm_status st = pm_wire_wr64(w, info->koid);
    if (st == PM_OK) st = pm_wire_wr64(w, info->parent_koid);
    if (st == PM_OK) st = pm_wire_wr64(w, info->job_koid);
    if (st == PM_OK) st = pm_wire_wr32(w, info->state);
    if (st == PM_OK) st = pm_wire_wr32(w, info->exit_code);
    return st;
}

/*@ requires wr_ok(w) && \valid_read(x);
    requires \separated(x, w, w->out + (0 .. w->cap - 1));
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w) && w->off >= \old(w->off);
*/
static pm_status wr_details(pm_wr *w, const pm_proto_details *x)
{
    uint32_t i = 0;
    pm_status st = pm_wire_wr32(w, x->end);
    if (st == PM_OK) st = pm_wire_wr32(w, x->end_code);
    if (st == PM_OK) st = pm_wire_wr32(w, x->fault);
    if (st == PM_OK) st = pm_wire_wr32(w, x->end_flags);
    if (st == PM_OK) st = pm_wire_wr32(w, x->wait_status);
    if (st == PM_OK) st = pm_wire_wr32(w, x->priority);
    if (st == PM_OK) st = pm_wire_wr32(w, x->flags);
    if (st == PM_OK) st = pm_wire_wr32(w, 0);
    if (st == PM_OK) st = pm_wire_wr64(w, x->cpu_user_ns);
    if (st == PM_OK) st = pm_wire_wr64(w, x->cpu_system_ns);
    if (st == PM_OK) st = pm_wire_wr64(w, x->rss_bytes);
    /*@ loop invariant 0 <= i <= PM_RLIMIT_COUNT && wr_ok(w);
        loop invariant w->off >= \at(w->off, Pre);
        loop assigns i, st, w->off, w->out[0 .. w->cap - 1];
        loop variant PM_RLIMIT_COUNT - i;
    */
    while (st == PM_OK && i < PM_RLIMIT_COUNT) {
        st = pm_wire_wr64(w, x->rlim_soft[i]);
        if (st == PM_OK) st = pm_wire_wr64(w, x->rlim_hard[i]);
        i++;
    }
    return st;
}

/* The details block breaks no rule a decoder checks. */
/*@ requires \valid_read(x);
    assigns \nothing;
*/
static int details_ok(const pm_proto_details *x)
{
    return x->end <= PM_END_MAX && x->fault <= PM_FAULT_MAX &&
           x->priority <= PM_PRIORITY_MAX &&
           (x->end_flags & ~PM_END_FLAGS_ALL) == 0u &&
           (x->flags & ~PM_DETAIL_FLAGS_ALL) == 0u && x->reserved == 0u;
}

/*@ requires \valid_read(r);
    requires r->status == PM_OK && r->opcode == PM_OP_LIST_PROCESSES &&
             0 < r->list_count <= PM_PROTO_MAX_LIST ==>
             \valid_read(r->list + (0 .. r->list_count - 1));
    assigns \nothing;
    ensures \result != 0 ==> r->status < PM_STATUS_MAX_;
    ensures \result != 0 && r->status == PM_OK &&
            (r->opcode == PM_OP_QUERY_PROCESS || r->opcode == PM_OP_LOOKUP_PROCESS) ==>
            r->name_len <= PM_PROTO_MAX_PROCESS_NAME;
    ensures \result != 0 && r->status == PM_OK && r->opcode == PM_OP_LIST_PROCESSES ==>
            r->list_count <= PM_PROTO_MAX_LIST;
*/
static int reply_fields_ok(const pm_proto_reply *r)
{
    int ok = r->status < (uint32_t)PM_STATUS_MAX_;
    if (ok && r->status == PM_OK) {
        switch (r->opcode) {
        case PM_OP_QUERY_PROCESS:
            ok = r->name_len <= PM_PROTO_MAX_PROCESS_NAME &&
                 r->info.state <= PM_STATE_MAX;
            break;
        case PM_OP_LOOKUP_PROCESS:
            ok = r->name_len <= PM_PROTO_MAX_PROCESS_NAME &&
                 r->info.state <= PM_STATE_MAX &&
                 r->lookup.collected <= PM_LOOKUP_COLLECTED_MAX;
            break;
        case PM_OP_WAIT:
        case PM_OP_WAIT_ANY:
            ok = r->info.state <= PM_STATE_MAX;
            break;
        case PM_OP_QUERY_DETAILS:
            ok = r->info.state <= PM_STATE_MAX && details_ok(&r->details);
            break;
        case PM_OP_JOB_CREATE: case PM_OP_JOB_OPEN:
            ok = r->job_mode <= PM_JOB_MODE_MAX;
            break;
        case PM_OP_JOB_QUERY:
            ok = r->job_mode <= PM_JOB_MODE_MAX &&
                 (r->job.known & ~PM_JOB_KNOWN_ALL) == 0u;
            break;
        case PM_OP_LIST_PROCESSES: {
            uint32_t i = 0;
            ok = r->list_count <= PM_PROTO_MAX_LIST;
            /*@ loop invariant 0 <= i <= r->list_count;
                loop invariant r->list_count > PM_PROTO_MAX_LIST ==> ok == 0;
                loop assigns i, ok;
                loop variant r->list_count - i;
            */
            while (ok && i < r->list_count) {
                ok = r->list[i].state <= PM_STATE_MAX;
                i++;
            }
            break;
        }
        case PM_OP_EVENT:
            ok = r->event == PM_EVENT_STARTED || r->event == PM_EVENT_EXITED ||
                 r->event == PM_EVENT_KILLED || r->event == PM_EVENT_FAULTED;
            break;
        default:
            break;
        }
    }
    if (ok && r->opcode == PM_OP_EVENT)
        ok = r->status == PM_OK;
    return ok;
}

/* The body of a PM_OK reply; sets r->handle_count. */
/*@ requires wr_ok(w) && \valid(r) && \separated(r, w, w->out + (0 .. w->cap - 1));
    requires (r->opcode == PM_OP_QUERY_PROCESS || r->opcode == PM_OP_LOOKUP_PROCESS) ==>
             r->name_len <= PM_PROTO_MAX_PROCESS_NAME &&
             (r->name_len == 0 || (\valid_read(r->name + (0 .. r->name_len - 1)) &&
              \separated(w, r->name + (0 .. r->name_len - 1)) &&
              \separated(w->out + (0 .. w->cap - 1), r->name + (0 .. r->name_len - 1))));
    requires r->opcode == PM_OP_LIST_PROCESSES ==> r->list_count <= PM_PROTO_MAX_LIST &&
             (r->list_count == 0 || (\valid_read(r->list + (0 .. r->list_count - 1)) &&
              \separated(w, r->list + (0 .. r->list_count - 1)) &&
              \separated(w->out + (0 .. w->cap - 1), r->list + (0 .. r->list_count - 1))));
    assigns w->off, w->out[0 .. w->cap - 1], r->handle_count;
    ensures wr_ok(w) && w->off >= \old(w->off);
    ensures r->handle_count <= 2;
*/
static pm_status wr_body(pm_wr *w, pm_proto_reply *r)
{
    pm_status st = PM_OK;
    r->handle_count = 0;
    switch (r->opcode) {
    case PM_OP_CREATE_PROCESS:
    case PM_OP_LAUNCH:
    case PM_OP_CREATE_WITHOUT_STARTING:
        r->handle_count = 2;
        st = pm_wire_wr32(w, 0);
        if (st == PM_OK) st = pm_wire_wr32(w, 1);
        if (st == PM_OK) st = pm_wire_wr64(w, r->koid);
        if (st == PM_OK && r->opcode == PM_OP_CREATE_WITHOUT_STARTING) {
            st = pm_wire_wr64(w, r->entry);
            if (st == PM_OK) st = pm_wire_wr64(w, r->stack);
            if (st == PM_OK) st = pm_wire_wr64(w, r->image_base);
            if (st == PM_OK) st = pm_wire_wr64(w, r->interp_base);
            if (st == PM_OK) st = pm_wire_wr64(w, r->vdso_base);
        }
        break;
    case PM_OP_QUERY_PROCESS:
    case PM_OP_LOOKUP_PROCESS:
        st = wr_info(w, &r->info);
        if (st == PM_OK && r->opcode == PM_OP_LOOKUP_PROCESS) {
            st = pm_wire_wr64(w, r->lookup.pid);
            if (st == PM_OK) st = pm_wire_wr64(w, r->lookup.end_time_ns);
            if (st == PM_OK) st = pm_wire_wr32(w, r->lookup.wait_status);
            if (st == PM_OK) st = pm_wire_wr32(w, r->lookup.collected);
        }
        if (st == PM_OK) st = pm_wire_wr32(w, r->name_len);
        if (st == PM_OK && r->name_len > 0u) st = pm_wire_wrbytes(w, r->name, r->name_len);
        break;
    case PM_OP_WAIT:
    case PM_OP_WAIT_ANY:
        st = wr_info(w, &r->info);
        break;
    case PM_OP_QUERY_DETAILS:
        st = wr_info(w, &r->info);
        if (st == PM_OK) st = wr_details(w, &r->details);
        break;
    case PM_OP_LIST_PROCESSES: {
        uint32_t i = 0;
        st = pm_wire_wr32(w, r->list_count);
        if (st == PM_OK) st = pm_wire_wr32(w, 0);
        if (st == PM_OK) st = pm_wire_wr64(w, r->next_cursor);
        /*@ loop invariant 0 <= i <= r->list_count && wr_ok(w);
            loop invariant w->off >= \at(w->off, Pre);
            loop assigns i, st, w->off, w->out[0 .. w->cap - 1];
            loop variant r->list_count - i;
        */
        while (st == PM_OK && i < r->list_count) {
            st = wr_info(w, &r->list[i]);
            i++;
        }
        break;
    }
    case PM_OP_RESOLVE:
        r->handle_count = r->has_interp ? 2u : 1u;
        st = pm_wire_wr32(w, 0);
        if (st == PM_OK) st = pm_wire_wr32(w, r->has_interp ? 1u : PM_PROTO_NO_HANDLE);
        break;
    case PM_OP_WATCH:
    case PM_OP_HANDLE_DUPLICATE:
    case PM_OP_OPEN_PROCESS:
        r->handle_count = 1;
        st = pm_wire_wr32(w, 0);
        break;
    case PM_OP_JOB_CREATE:
    case PM_OP_JOB_OPEN:
        r->handle_count = 1;
        st = pm_wire_wr32(w, 0);
        if (st == PM_OK) st = pm_wire_wr32(w, r->job_mode);
        if (st == PM_OK) st = pm_wire_wr64(w, r->koid);
        break;
    case PM_OP_JOB_QUERY:
        st = pm_wire_wr64(w, r->koid);
        if (st == PM_OK) st = pm_wire_wr32(w, r->job_mode);
        if (st == PM_OK) st = pm_wire_wr32(w, r->job.known);
        if (st == PM_OK) st = pm_wire_wr64(w, r->job.pids_current);
        if (st == PM_OK) st = pm_wire_wr64(w, r->job.pids_max);
        if (st == PM_OK) st = pm_wire_wr64(w, r->job.memory_current);
        if (st == PM_OK) st = pm_wire_wr64(w, r->job.memory_max);
        if (st == PM_OK) st = pm_wire_wr64(w, r->job.oom_kills);
        if (st == PM_OK) st = pm_wire_wr64(w, r->job.cpu_usec);
        break;
    case PM_OP_EVENT:
        st = pm_wire_wr32(w, r->event);
        if (st == PM_OK) st = pm_wire_wr32(w, r->event_code);
        if (st == PM_OK) st = pm_wire_wr64(w, r->koid);
        break;
    default:
        break;
    }
    return st;
}

/*@ assigns \nothing;
    ensures \result != 0 ==> (pm_opcode_known(op) || op == PM_OP_EVENT);
*/
static int reply_opcode_ok(uint32_t op)
{
    return pm_wire_opcode_known(op) || op == PM_OP_EVENT;
}

/*@ requires \valid(reply) && \valid(out_len);
    requires \valid(out + (0 .. cap - 1));
    requires \separated(reply, out_len, out + (0 .. cap - 1));
    requires reply->status == PM_OK &&
             (reply->opcode == PM_OP_QUERY_PROCESS || reply->opcode == PM_OP_LOOKUP_PROCESS) &&
             0 < reply->name_len <= PM_PROTO_MAX_PROCESS_NAME ==>
             \valid_read(reply->name + (0 .. reply->name_len - 1)) &&
             \separated(out + (0 .. cap - 1), reply->name + (0 .. reply->name_len - 1));
    requires reply->status == PM_OK && reply->opcode == PM_OP_LIST_PROCESSES &&
             0 < reply->list_count <= PM_PROTO_MAX_LIST ==>
             \valid_read(reply->list + (0 .. reply->list_count - 1)) &&
             \separated(out + (0 .. cap - 1), reply->list + (0 .. reply->list_count - 1));
    assigns out[0 .. cap - 1], *out_len, reply->handle_count;
    ensures \result == PM_OK ==>
        PM_PROTO_HEADER_SIZE + 4 <= *out_len <= cap &&
        *out_len <= PM_PROTO_MAX_MSG && reply->handle_count <= 2;
    ensures \result == PM_OK && reply->status != PM_OK ==>
        *out_len == PM_PROTO_HEADER_SIZE + 4 && reply->handle_count == 0;
    ensures \result != PM_OK ==> *out_len == 0;
*/
pm_status pm_proto_encode_reply(pm_proto_reply *reply, uint8_t *out,
                                size_t cap, size_t *out_len)
{
    pm_status st = PM_OK;
    pm_wr w;
    *out_len = 0;
    reply->handle_count = 0;
    w.out = out;
    w.cap = cap > PM_PROTO_MAX_MSG ? PM_PROTO_MAX_MSG : (uint32_t)cap;
    w.off = PM_PROTO_HEADER_SIZE;
    if (!reply_opcode_ok(reply->opcode) || !reply_fields_ok(reply))
        st = PM_E_PROTO_BAD_ARGUMENT;
    else if (w.cap < PM_PROTO_HEADER_SIZE)
        st = PM_E_PROTO_BUFFER_TOO_SMALL;
    if (st == PM_OK)
        st = pm_wire_wr32(&w, reply->status);
    if (st == PM_OK && reply->status == PM_OK)
        st = wr_body(&w, reply);
    if (st == PM_OK) {
        uint16_t op = reply->opcode == PM_OP_EVENT
                          ? (uint16_t)PM_OP_EVENT
                          : (uint16_t)(reply->opcode + PM_PROTO_REPLY_BIT);
        pm_wire_put32(out, 0, PM_PROTO_MAGIC);
        pm_wire_put16(out, 4, (uint16_t)PM_PROTO_VERSION);
        pm_wire_put16(out, 6, op);
        pm_wire_put32(out, 8, 0);
        pm_wire_put32(out, 12, reply->handle_count);
        pm_wire_put64(out, 16, reply->request_id);
        pm_wire_put32(out, 24, w.off - PM_PROTO_HEADER_SIZE);
        pm_wire_put32(out, 28, 0);
        *out_len = w.off;
    } else {
        reply->handle_count = 0;
    }
    return st;
}
