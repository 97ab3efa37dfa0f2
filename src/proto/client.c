/*
 * procmgr wire protocol, client side: framing a request and decoding a
 * reply or event (spec/protocol.md, sections 5 to 8).
 *
 * pm_proto_encode_request() writes the layout the daemon's decoder reads;
 * it checks shapes (opcode, counts, slices inside src) but leaves the string
 * rules to the daemon, so a client can still send a message the daemon will
 * refuse (tests do).  pm_proto_decode_reply() applies the framing rules to
 * the daemon's bytes: it is what a client trusts.  Freestanding.
 */
#include "procmgr/proto.h"
#include "acsl/proto.h"
#include "wire.h"

/*@ predicate src_ok{L}(uint8_t *src, integer src_len) =
      src_len <= PM_PROTO_MAX_MSG && \valid_read(src + (0 .. src_len - 1));
*/

/* A string field from a slice of src. */
/*@ requires wr_ok(w) && src_ok(src, src_len);
    requires \separated(w, src + (0 .. src_len - 1));
    requires \separated(w->out + (0 .. w->cap - 1), src + (0 .. src_len - 1));
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w) && w->off >= \old(w->off);
*/
static pm_status wr_slice(pm_wr *w, const uint8_t *src, uint32_t src_len,
                          pm_slice s)
{
    pm_status st = PM_E_PROTO_BAD_ARGUMENT;
    if (s.off <= src_len && s.len <= src_len - s.off) {
        st = pm_wire_wr32(w, s.len);
        if (st == PM_OK && s.len > 0u)
            st = pm_wire_wrbytes(w, src + s.off, s.len);
    }
    return st;
}

/*@ requires wr_ok(w) && src_ok(src, src_len) && \valid_read(req);
    requires \separated(w, src + (0 .. src_len - 1), req);
    requires \separated(w->out + (0 .. w->cap - 1), src + (0 .. src_len - 1));
    requires \separated(w->out + (0 .. w->cap - 1), req);
    requires req->item_count <= PM_PROTO_MAX_ITEMS;
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w) && w->off >= \old(w->off);
*/
static pm_status wr_items(pm_wr *w, const pm_proto_request *req,
                          const uint8_t *src, uint32_t src_len)
{
    uint32_t i = 0;
    uint16_t op = req->opcode;
    pm_status st = pm_wire_wr32(w, req->item_count);
    /*@ loop invariant 0 <= i <= req->item_count && wr_ok(w);
        loop invariant w->off >= \at(w->off, Pre);
        loop assigns i, st, w->off, w->out[0 .. w->cap - 1];
        loop variant req->item_count - i;
    */
    while (st == PM_OK && i < req->item_count) {
        const pm_proto_item *it = &req->items[i];
        if (op == PM_OP_ADD_ARGS || op == PM_OP_ADD_ENVIRONS) {
            st = wr_slice(w, src, src_len, it->str);
        } else {
            st = pm_wire_wr32(w, it->handle);
            if (st == PM_OK && op == PM_OP_ADD_NAMES)
                st = wr_slice(w, src, src_len, it->str);
            else if (st == PM_OK)
                st = pm_wire_wr32(w, it->id);
        }
        i++;
    }
    return st;
}

/*@ requires wr_ok(w) && src_ok(src, src_len) && \valid_read(req);
    requires \separated(w, src + (0 .. src_len - 1), req);
    requires \separated(w->out + (0 .. w->cap - 1), src + (0 .. src_len - 1));
    requires \separated(w->out + (0 .. w->cap - 1), req);
    requires req->item_count <= PM_PROTO_MAX_ITEMS;
    assigns w->off, w->out[0 .. w->cap - 1];
    ensures wr_ok(w) && w->off >= \old(w->off);
*/
static pm_status wr_request_body(pm_wr *w, const pm_proto_request *req,
                                 const uint8_t *src, uint32_t src_len)
{
    pm_status st = PM_OK;
    switch (req->opcode) {
    case PM_OP_CREATE_PROCESS:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = wr_items(w, req, src, src_len);
        break;
    case PM_OP_ADD_ARGS: case PM_OP_ADD_ENVIRONS:
    case PM_OP_ADD_NAMES: case PM_OP_ADD_HANDLES:
        st = wr_items(w, req, src, src_len);
        break;
    case PM_OP_EXIT_PROCESS:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, (uint32_t)(req->value % 4294967296u));
        break;
    case PM_OP_QUERY_PROCESS: case PM_OP_KILL: case PM_OP_HANDLE_CLOSE:
    case PM_OP_SUSPEND: case PM_OP_RESUME: case PM_OP_SET_CWD:
    case PM_OP_QUERY_DETAILS: case PM_OP_JOB_QUERY:
        st = pm_wire_wr32(w, req->handle[0]);
        break;
    case PM_OP_SET_RLIMIT: case PM_OP_JOB_SET_LIMIT:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->flags);
        if (st == PM_OK) st = pm_wire_wr32(w, 0);
        if (st == PM_OK) st = pm_wire_wr64(w, req->value);
        if (st == PM_OK && req->opcode == PM_OP_SET_RLIMIT)
            st = pm_wire_wr64(w, req->cursor);
        break;
    case PM_OP_SIGNAL:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->flags);
        if (st == PM_OK) st = pm_wire_wr64(w, req->value);
        break;
    case PM_OP_LIST_PROCESSES:
        st = pm_wire_wr32(w, req->flags);
        if (st == PM_OK) st = pm_wire_wr32(w, req->limit);
        if (st == PM_OK) st = pm_wire_wr64(w, req->value);
        if (st == PM_OK) st = pm_wire_wr64(w, req->cursor);
        break;
    case PM_OP_OPEN_PROCESS:
        st = pm_wire_wr64(w, req->value);
        if (st == PM_OK) st = pm_wire_wr32(w, req->flags);
        if (st == PM_OK) st = pm_wire_wr32(w, 0);
        break;
    case PM_OP_SET_INFO:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->handle[1]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->handle[2]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->flags);
        if (st == PM_OK) st = wr_slice(w, src, src_len, req->str);
        break;
    case PM_OP_START:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->handle[1]);
        break;
    case PM_OP_JOB_CREATE:
        st = pm_wire_wr32(w, 0);
        break;
    case PM_OP_JOB_OPEN: case PM_OP_LOOKUP_PROCESS:
        st = pm_wire_wr64(w, req->value);
        if (st == PM_OK) st = pm_wire_wr32(w, 0);
        break;
    case PM_OP_RESOLVE: case PM_OP_SET_EXECFN:
        st = wr_slice(w, src, src_len, req->str);
        break;
    case PM_OP_WAIT: case PM_OP_WAIT_ANY:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, 0);
        if (st == PM_OK) st = pm_wire_wr64(w, req->value);
        break;
    case PM_OP_WATCH: case PM_OP_HANDLE_DUPLICATE: case PM_OP_SET_PRIORITY:
        st = pm_wire_wr32(w, req->handle[0]);
        if (st == PM_OK) st = pm_wire_wr32(w, req->flags);
        break;
    default:   /* LAUNCH, CREATE_WITHOUT_STARTING */
        break;
    }
    return st;
}

/*@ requires \valid_read(req) && \valid(out_len);
    requires \valid(out + (0 .. cap - 1));
    requires src_len <= PM_PROTO_MAX_MSG && \valid_read(src + (0 .. src_len - 1));
    requires \separated(out + (0 .. cap - 1), src + (0 .. src_len - 1), req, out_len);
    assigns out[0 .. cap - 1], *out_len;
    ensures \result == PM_OK ==> PM_PROTO_HEADER_SIZE <= *out_len <= cap &&
                                  *out_len <= PM_PROTO_MAX_MSG;
    ensures \result != PM_OK ==> *out_len == 0;
*/
pm_status pm_proto_encode_request(const pm_proto_request *req,
                                  const uint8_t *src, size_t src_len,
                                  uint8_t *out, size_t cap, size_t *out_len)
{
    pm_status st = PM_OK;
    pm_wr w;
    *out_len = 0;
    w.out = out;
    w.cap = cap > PM_PROTO_MAX_MSG ? PM_PROTO_MAX_MSG : (uint32_t)cap;
    w.off = PM_PROTO_HEADER_SIZE;
    if (!pm_wire_opcode_known(req->opcode) ||
        req->handle_count > PM_PROTO_MAX_HANDLES ||
        req->item_count > PM_PROTO_MAX_ITEMS)
        st = PM_E_PROTO_BAD_ARGUMENT;
    else if (w.cap < PM_PROTO_HEADER_SIZE)
        st = PM_E_PROTO_BUFFER_TOO_SMALL;
    if (st == PM_OK)
        st = wr_request_body(&w, req, src, (uint32_t)src_len);
    if (st == PM_OK) {
        pm_wire_put32(out, 0, PM_PROTO_MAGIC);
        pm_wire_put16(out, 4, (uint16_t)PM_PROTO_VERSION);
        pm_wire_put16(out, 6, req->opcode);
        pm_wire_put32(out, 8, 0);
        pm_wire_put32(out, 12, req->handle_count);
        pm_wire_put64(out, 16, req->request_id);
        pm_wire_put32(out, 24, w.off - PM_PROTO_HEADER_SIZE);
        pm_wire_put32(out, 28, 0);
        *out_len = w.off;
    }
    return st;
}

/* ---- decoding a reply -------------------------------------------------- */

/*@ predicate rrd_ok{L}(pm_rd *rd) =
      \valid(rd) &&
      PM_PROTO_HEADER_SIZE <= rd->off <= rd->len <= PM_PROTO_MAX_MSG &&
      \valid_read(rd->msg + (0 .. rd->len - 1)) &&
      \separated(rd, rd->msg + (0 .. rd->len - 1));
*/

/*@ requires rrd_ok(rd) && \valid(v) && \separated(v, rd);
    assigns rd->off, *v;
    ensures rrd_ok(rd) && rd->len == \old(rd->len);
    ensures \result == PM_OK ==> rd->off == \old(rd->off) + 4;
    ensures \result != PM_OK ==> rd->off == \old(rd->off);
*/
static pm_status get32(pm_rd *rd, uint32_t *v)
{
    pm_status st = PM_E_PROTO_PAYLOAD_TRUNCATED;
    *v = 0;
    if (rd->len >= 4u && rd->off <= rd->len - 4u) {
        *v = pm_wire_get32(rd->msg, rd->off);
        rd->off += 4u;
        st = PM_OK;
    }
    return st;
}

/*@ requires rrd_ok(rd) && \valid(v) && \separated(v, rd);
    assigns rd->off, *v;
    ensures rrd_ok(rd) && rd->len == \old(rd->len);
    ensures \result == PM_OK ==> rd->off == \old(rd->off) + 8;
    ensures \result != PM_OK ==> rd->off == \old(rd->off);
*/
static pm_status get64(pm_rd *rd, uint64_t *v)
{
    pm_status st = PM_E_PROTO_PAYLOAD_TRUNCATED;
    *v = 0;
    if (rd->len >= 8u && rd->off <= rd->len - 8u) {
        *v = pm_wire_get64(rd->msg, rd->off);
        rd->off += 8u;
        st = PM_OK;
    }
    return st;
}

/* A u32 field that must hold exactly `want` (reserved zeros, handle indices
 * fixed by the spec). */
/*@ requires rrd_ok(rd);
    assigns rd->off;
    ensures rrd_ok(rd) && rd->len == \old(rd->len);
*/
static pm_status get_fixed(pm_rd *rd, uint32_t want, pm_status bad)
{
    uint32_t v = 0;
    pm_status st = get32(rd, &v);
    if (st == PM_OK && v != want)
        st = bad;
    return st;
}

/*@ requires rrd_ok(rd) && \valid(info) && \separated(info, rd);
    assigns rd->off, *info;
    ensures rrd_ok(rd) && rd->off >= \old(rd->off);
    ensures \result == PM_OK ==> rd->off == \old(rd->off) + PM_PROTO_INFO_SIZE;
*/
static pm_status get_info(pm_rd *rd, pm_proto_info *info)
{
    pm_status st = get64(rd, &info->koid);
    if (st == PM_OK) st = get64(rd, &info->parent_koid);
    if (st == PM_OK) st = get64(rd, &info->job_koid);
    if (st == PM_OK) st = get32(rd, &info->state);
    if (st == PM_OK) st = get32(rd, &info->exit_code);
    if (st == PM_OK && info->state > PM_STATE_MAX)
        st = PM_E_PROTO_FIELD_RANGE;
    return st;
}

/* The details block of a QUERY_DETAILS reply (spec/protocol.md §7): every
 * enumerated field in range, unknown flag bits and the reserved word
 * refused. */
/*@ requires rrd_ok(rd) && \valid(x) && \separated(x, rd);
    assigns rd->off, *x;
    ensures rrd_ok(rd) && rd->len == \old(rd->len) && rd->off >= \old(rd->off);
*/
static pm_status get_details(pm_rd *rd, pm_proto_details *x)
{
    uint32_t i = 0;
    pm_status st = get32(rd, &x->end);
    if (st == PM_OK) st = get32(rd, &x->end_code);
    if (st == PM_OK) st = get32(rd, &x->fault);
    if (st == PM_OK) st = get32(rd, &x->end_flags);
    if (st == PM_OK) st = get32(rd, &x->wait_status);
    if (st == PM_OK) st = get32(rd, &x->priority);
    if (st == PM_OK) st = get32(rd, &x->flags);
    if (st == PM_OK) st = get32(rd, &x->reserved);
    if (st == PM_OK) st = get64(rd, &x->cpu_user_ns);
    if (st == PM_OK) st = get64(rd, &x->cpu_system_ns);
    if (st == PM_OK) st = get64(rd, &x->rss_bytes);
    /*@ loop invariant rrd_ok(rd) && rd->len == \at(rd->len, Pre);
        loop invariant rd->off >= \at(rd->off, Pre);
        loop invariant 0 <= i <= PM_RLIMIT_COUNT;
        loop assigns i, st, rd->off, x->rlim_soft[0 .. PM_RLIMIT_COUNT - 1],
                     x->rlim_hard[0 .. PM_RLIMIT_COUNT - 1];
        loop variant PM_RLIMIT_COUNT - i;
    */
    while (st == PM_OK && i < PM_RLIMIT_COUNT) {
        st = get64(rd, &x->rlim_soft[i]);
        if (st == PM_OK) st = get64(rd, &x->rlim_hard[i]);
        i++;
    }
    if (st == PM_OK && (x->end > PM_END_MAX || x->fault > PM_FAULT_MAX ||
                        x->priority > PM_PRIORITY_MAX))
        st = PM_E_PROTO_FIELD_RANGE;
    if (st == PM_OK && ((x->end_flags & ~PM_END_FLAGS_ALL) != 0u ||
                        (x->flags & ~PM_DETAIL_FLAGS_ALL) != 0u))
        st = PM_E_PROTO_BAD_FLAGS;
    if (st == PM_OK && x->reserved != 0u)
        st = PM_E_PROTO_RESERVED_NONZERO;
    return st;
}

/*@ requires rrd_ok(rd) && \valid(r) && \separated(r, rd);
    requires \separated(r, rd->msg + (0 .. rd->len - 1));
    requires r->list_count == 0 && r->name_slice.off == 0 &&
             r->name_slice.len == 0 && r->list_slice.off == 0 &&
             r->list_slice.len == 0;
    assigns rd->off, r->koid, r->entry, r->stack, r->image_base,
            r->interp_base, r->vdso_base, r->has_interp, r->info, r->details, r->lookup,
            r->name_slice, r->list_count, r->list_slice, r->next_cursor,
            r->event, r->event_code, r->job_mode, r->job, r->handle_count;
    ensures rrd_ok(rd) && rd->len == \old(rd->len) && r->handle_count <= 2;
    ensures \result == PM_OK ==> pm_slice_in(&r->name_slice, rd->len) &&
        r->list_count <= PM_PROTO_MAX_LIST &&
        r->list_slice.off + r->list_count * PM_PROTO_INFO_SIZE <= rd->len &&
        r->list_slice.len == r->list_count * PM_PROTO_INFO_SIZE;
*/
static pm_status get_body(pm_rd *rd, pm_proto_reply *r)
{
    pm_status st = PM_OK;
    r->handle_count = 0;
    switch (r->opcode) {
    case PM_OP_CREATE_PROCESS: case PM_OP_LAUNCH:
    case PM_OP_CREATE_WITHOUT_STARTING:
        r->handle_count = 2;
        st = get_fixed(rd, 0, PM_E_PROTO_HANDLE_INDEX);
        if (st == PM_OK) st = get_fixed(rd, 1, PM_E_PROTO_HANDLE_INDEX);
        if (st == PM_OK) st = get64(rd, &r->koid);
        if (st == PM_OK && r->opcode == PM_OP_CREATE_WITHOUT_STARTING) {
            st = get64(rd, &r->entry);
            if (st == PM_OK) st = get64(rd, &r->stack);
            if (st == PM_OK) st = get64(rd, &r->image_base);
            if (st == PM_OK) st = get64(rd, &r->interp_base);
            if (st == PM_OK) st = get64(rd, &r->vdso_base);
        }
        break;
    case PM_OP_QUERY_PROCESS:
    case PM_OP_LOOKUP_PROCESS: {
        uint32_t n = 0;
        st = get_info(rd, &r->info);
        if (st == PM_OK && r->opcode == PM_OP_LOOKUP_PROCESS) {
            st = get64(rd, &r->lookup.pid);
            if (st == PM_OK) st = get64(rd, &r->lookup.end_time_ns);
            if (st == PM_OK) st = get32(rd, &r->lookup.wait_status);
            if (st == PM_OK) st = get32(rd, &r->lookup.collected);
            if (st == PM_OK && r->lookup.collected > PM_LOOKUP_COLLECTED_MAX)
                st = PM_E_PROTO_FIELD_RANGE;
        }
        if (st == PM_OK) st = get32(rd, &n);
        if (st == PM_OK && n > PM_PROTO_MAX_PROCESS_NAME)
            st = PM_E_PROTO_STRING_TOO_LONG;
        if (st == PM_OK && rd->off + n > rd->len)
            st = PM_E_PROTO_PAYLOAD_TRUNCATED;
        if (st == PM_OK) {
            r->name_slice.off = rd->off;
            r->name_slice.len = n;
            rd->off += n;
        }
        break;
    }
    case PM_OP_WAIT: case PM_OP_WAIT_ANY:
        st = get_info(rd, &r->info);
        break;
    case PM_OP_QUERY_DETAILS:
        st = get_info(rd, &r->info);
        if (st == PM_OK) st = get_details(rd, &r->details);
        break;
    case PM_OP_LIST_PROCESSES: {
        uint32_t n = 0;
        st = get32(rd, &n);
        if (st == PM_OK && n > PM_PROTO_MAX_LIST)
            st = PM_E_PROTO_TOO_MANY_ITEMS;
        if (st == PM_OK) st = get_fixed(rd, 0, PM_E_PROTO_RESERVED_NONZERO);
        if (st == PM_OK) st = get64(rd, &r->next_cursor);
        if (st == PM_OK) {
            uint32_t i = 0, start = rd->off;
            pm_proto_info rec;
            /* each record is read through the cursor, so every byte read
             * is bounds-checked where it is read */
            /*@ loop invariant rrd_ok(rd) && 0 <= i <= n;
                loop invariant rd->off >= start;
                loop invariant st == PM_OK ==>
                    rd->off == start + i * PM_PROTO_INFO_SIZE;
                loop assigns i, st, rd->off, rec;
                loop variant n - i;
            */
            while (st == PM_OK && i < n) {
                st = get_info(rd, &rec);
                i++;
            }
            if (st == PM_OK) {
                r->list_count = n;
                r->list_slice.off = start;
                r->list_slice.len = n * PM_PROTO_INFO_SIZE;
            }
        }
        break;
    }
    case PM_OP_RESOLVE: {
        uint32_t interp = 0;
        st = get_fixed(rd, 0, PM_E_PROTO_HANDLE_INDEX);
        if (st == PM_OK) st = get32(rd, &interp);
        if (st == PM_OK && interp != 1u && interp != PM_PROTO_NO_HANDLE)
            st = PM_E_PROTO_HANDLE_INDEX;
        r->has_interp = (st == PM_OK && interp == 1u) ? 1u : 0u;
        r->handle_count = r->has_interp ? 2u : 1u;
        break;
    }
    case PM_OP_WATCH: case PM_OP_HANDLE_DUPLICATE: case PM_OP_OPEN_PROCESS:
        r->handle_count = 1;
        st = get_fixed(rd, 0, PM_E_PROTO_HANDLE_INDEX);
        break;
    case PM_OP_JOB_CREATE: case PM_OP_JOB_OPEN:
        r->handle_count = 1;
        st = get_fixed(rd, 0, PM_E_PROTO_HANDLE_INDEX);
        if (st == PM_OK) st = get32(rd, &r->job_mode);
        if (st == PM_OK && r->job_mode > PM_JOB_MODE_MAX) st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = get64(rd, &r->koid);
        break;
    case PM_OP_JOB_QUERY:
        st = get64(rd, &r->koid);
        if (st == PM_OK) st = get32(rd, &r->job_mode);
        if (st == PM_OK && r->job_mode > PM_JOB_MODE_MAX) st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = get32(rd, &r->job.known);
        if (st == PM_OK && (r->job.known & ~PM_JOB_KNOWN_ALL) != 0u)
            st = PM_E_PROTO_BAD_FLAGS;
        if (st == PM_OK) st = get64(rd, &r->job.pids_current);
        if (st == PM_OK) st = get64(rd, &r->job.pids_max);
        if (st == PM_OK) st = get64(rd, &r->job.memory_current);
        if (st == PM_OK) st = get64(rd, &r->job.memory_max);
        if (st == PM_OK) st = get64(rd, &r->job.oom_kills);
        if (st == PM_OK) st = get64(rd, &r->job.cpu_usec);
        break;
    case PM_OP_EVENT:
        st = get32(rd, &r->event);
        if (st == PM_OK) st = get32(rd, &r->event_code);
        if (st == PM_OK) st = get64(rd, &r->koid);
        if (st == PM_OK && r->event != PM_EVENT_STARTED && r->event != PM_EVENT_EXITED &&
            r->event != PM_EVENT_KILLED && r->event != PM_EVENT_FAULTED)
            st = PM_E_PROTO_FIELD_RANGE;
        break;
    default:
        break;
    }
    return st;
}

/*@ requires \valid(x);
    assigns *x;
*/
static void details_clear(pm_proto_details *x)
{
    uint32_t i;
    x->end = x->end_code = x->fault = x->end_flags = 0;
    x->wait_status = x->priority = x->flags = x->reserved = 0;
    x->cpu_user_ns = x->cpu_system_ns = x->rss_bytes = 0;
    /*@ loop invariant 0 <= i <= PM_RLIMIT_COUNT;
        loop assigns i, x->rlim_soft[0 .. PM_RLIMIT_COUNT - 1],
                     x->rlim_hard[0 .. PM_RLIMIT_COUNT - 1];
        loop variant PM_RLIMIT_COUNT - i;
    */
    for (i = 0; i < PM_RLIMIT_COUNT; i++) {
        x->rlim_soft[i] = 0;
        x->rlim_hard[i] = 0;
    }
}

/*@ requires \valid(r);
    assigns *r;
    ensures r->handle_count == 0 && r->list_count == 0 &&
            r->name_slice.off == 0 && r->name_slice.len == 0 &&
            r->list_slice.off == 0 && r->list_slice.len == 0 &&
            r->opcode == PM_OP_NONE;
*/
static void reply_clear(pm_proto_reply *r)
{
    r->opcode = PM_OP_NONE;
    r->request_id = 0;
    r->status = 0;
    r->handle_count = 0;
    r->koid = 0;
    r->entry = 0;
    r->stack = 0;
    r->image_base = 0;
    r->interp_base = 0;
    r->vdso_base = 0;
    r->has_interp = 0;
    r->info.koid = 0;
    r->info.parent_koid = 0;
    r->info.job_koid = 0;
    r->info.state = 0;
    r->info.exit_code = 0;
    details_clear(&r->details);
    r->lookup.pid = 0;
    r->lookup.end_time_ns = 0;
    r->lookup.wait_status = 0;
    r->lookup.collected = 0;
    r->name = (const uint8_t *)0;
    r->name_len = 0;
    r->name_slice.off = 0;
    r->name_slice.len = 0;
    r->list = (const pm_proto_info *)0;
    r->list_count = 0;
    r->list_slice.off = 0;
    r->list_slice.len = 0;
    r->next_cursor = 0;
    r->event = 0;
    r->event_code = 0;
    r->job_mode = 0;
    r->job.known = 0;
    r->job.pids_current = 0;
    r->job.pids_max = 0;
    r->job.memory_current = 0;
    r->job.memory_max = 0;
    r->job.oom_kills = 0;
    r->job.cpu_usec = 0;
}

/* Header checks of a reply; *op is the request opcode it answers (or
 * PM_OP_EVENT). */
/*@ requires \valid_read(msg + (0 .. len - 1)) && \valid(op);
    requires \separated(op, msg + (0 .. len - 1));
    assigns *op;
    ensures \result == PM_OK ==> PM_PROTO_HEADER_SIZE <= len <= PM_PROTO_MAX_MSG &&
                                  handles <= PM_PROTO_MAX_HANDLES;
*/
static pm_status reply_header(const uint8_t *msg, size_t len, uint32_t handles,
                              uint16_t *op)
{
    pm_status st = PM_OK;
    *op = PM_OP_NONE;
    if (len < PM_PROTO_HEADER_SIZE)
        st = PM_E_PROTO_TRUNCATED;
    else if (pm_wire_get32(msg, 0) != PM_PROTO_MAGIC)
        st = PM_E_PROTO_BAD_MAGIC;
    else if (pm_wire_get16(msg, 4) != PM_PROTO_VERSION)
        st = PM_E_PROTO_BAD_VERSION;
    else if (len > PM_PROTO_MAX_MSG)
        st = PM_E_PROTO_TOO_LARGE;
    else if (pm_wire_get32(msg, 24) != len - PM_PROTO_HEADER_SIZE)
        st = PM_E_PROTO_LENGTH_MISMATCH;
    else if (pm_wire_get32(msg, 28) != 0u)
        st = PM_E_PROTO_RESERVED_NONZERO;
    else if (pm_wire_get32(msg, 8) != 0u)
        st = PM_E_PROTO_BAD_FLAGS;
    else if (pm_wire_get32(msg, 12) > PM_PROTO_MAX_HANDLES)
        st = PM_E_PROTO_TOO_MANY_HANDLES;
    else if (pm_wire_get32(msg, 12) != handles)
        st = PM_E_PROTO_HANDLE_COUNT_MISMATCH;
    if (st == PM_OK) {
        uint16_t w = pm_wire_get16(msg, 6);
        if (w == PM_OP_EVENT)
            *op = PM_OP_EVENT;
        else if (w >= PM_PROTO_REPLY_BIT &&
                 pm_wire_opcode_known((uint32_t)w - PM_PROTO_REPLY_BIT))
            *op = (uint16_t)(w - PM_PROTO_REPLY_BIT);
        else
            st = PM_E_PROTO_UNKNOWN_OPCODE;
    }
    return st;
}

/* Status word, body, and the end-of-message checks of a reply whose header
 * passed.  reply is freshly cleared. */
/*@ requires PM_PROTO_HEADER_SIZE <= len <= PM_PROTO_MAX_MSG;
    requires \valid_read(msg + (0 .. len - 1)) && \valid(reply);
    requires \separated(reply, msg + (0 .. len - 1));
    requires reply->list_count == 0 && reply->name_slice.off == 0 &&
             reply->name_slice.len == 0 && reply->list_slice.off == 0 &&
             reply->list_slice.len == 0 && reply->handle_count == 0;
    assigns *reply;
    ensures \result == PM_OK ==> PM_PROTO_HEADER_SIZE + 4 <= len;
    ensures \result == PM_OK ==> pm_slice_in(&reply->name_slice, len);
    ensures \result == PM_OK ==> reply->list_count <= PM_PROTO_MAX_LIST;
    ensures \result == PM_OK ==>
        reply->list_slice.off + reply->list_slice.len <= len &&
        reply->list_slice.len == reply->list_count * PM_PROTO_INFO_SIZE;
    ensures \result == PM_OK ==> reply->handle_count == handles && handles <= 2;
*/
static pm_status reply_payload(const uint8_t *msg, uint32_t len,
                               uint32_t handles, uint16_t op,
                               pm_proto_reply *reply)
{
    pm_rd rd;
    pm_status st;
    rd.msg = msg;
    rd.len = len;
    rd.off = PM_PROTO_HEADER_SIZE;
    rd.nh = 0;
    rd.nused = 0;
    rd.used = 0;
    reply->opcode = op;
    reply->request_id = pm_wire_get64(msg, 16);
    st = get32(&rd, &reply->status);
    if (st == PM_OK && reply->status >= (uint32_t)PM_STATUS_MAX_)
        st = PM_E_PROTO_BAD_STATUS;
    if (st == PM_OK && op == PM_OP_EVENT && reply->status != PM_OK)
        st = PM_E_PROTO_BAD_STATUS;
    if (st == PM_OK && reply->status == PM_OK)
        st = get_body(&rd, reply);
    if (st == PM_OK && rd.off != rd.len)
        st = PM_E_PROTO_TRAILING_BYTES;
    if (st == PM_OK && reply->handle_count != handles)
        st = PM_E_PROTO_HANDLE_COUNT_MISMATCH;
    return st;
}

/*@ requires \valid_read(msg + (0 .. len - 1)) && \valid(reply);
    requires \separated(reply, msg + (0 .. len - 1));
    assigns *reply;
    ensures \result == PM_OK ==> PM_PROTO_HEADER_SIZE + 4 <= len <= PM_PROTO_MAX_MSG;
    ensures \result == PM_OK ==> pm_slice_in(&reply->name_slice, len);
    ensures \result == PM_OK ==> reply->list_count <= PM_PROTO_MAX_LIST;
    ensures \result == PM_OK ==>
        reply->list_slice.off + reply->list_slice.len <= len &&
        reply->list_slice.len == reply->list_count * PM_PROTO_INFO_SIZE;
    ensures \result == PM_OK ==> reply->handle_count == handles && handles <= 2;
*/
pm_status pm_proto_decode_reply(const uint8_t *msg, size_t len,
                                uint32_t handles, pm_proto_reply *reply)
{
    uint16_t op = PM_OP_NONE;
    pm_status st = reply_header(msg, len, handles, &op);
    reply_clear(reply);
    if (st == PM_OK)
        st = reply_payload(msg, (uint32_t)len, handles, op, reply);
    if (st != PM_OK)
        reply_clear(reply);
    return st;
}

/*@ requires \valid_read(msg + (0 .. len - 1)) && \valid_read(reply) && \valid(info);
    requires \separated(info, msg + (0 .. len - 1), reply);
    assigns *info;
*/
pm_status pm_proto_reply_list_entry(const uint8_t *msg, size_t len,
                                    const pm_proto_reply *reply, uint32_t i,
                                    pm_proto_info *info)
{
    pm_status st = PM_E_PROTO_BAD_ARGUMENT;
    info->koid = 0;
    info->parent_koid = 0;
    info->job_koid = 0;
    info->state = 0;
    info->exit_code = 0;
    size_t start = reply->list_slice.off;
    size_t span = reply->list_slice.len;
    if (len <= PM_PROTO_MAX_MSG && i < reply->list_count &&
        reply->list_count <= PM_PROTO_MAX_LIST &&
        span == (size_t)reply->list_count * PM_PROTO_INFO_SIZE &&
        start + span <= len) {
        size_t o = start + (size_t)i * PM_PROTO_INFO_SIZE;
        if (len >= PM_PROTO_INFO_SIZE && o <= len - PM_PROTO_INFO_SIZE) {
            info->koid = pm_wire_get64(msg, o);
            info->parent_koid = pm_wire_get64(msg, o + 8u);
            info->job_koid = pm_wire_get64(msg, o + 16u);
            info->state = pm_wire_get32(msg, o + 24u);
            info->exit_code = pm_wire_get32(msg, o + 28u);
            st = PM_OK;
        }
    }
    return st;
}
