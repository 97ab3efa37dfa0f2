/*
 * procmgr wire protocol: decoding a received request (spec/protocol.md).
 *
 * The decoder reads the message through a cursor (pm_rd) that never moves
 * past the end of the message; every field reader checks the bytes it needs
 * before touching them, and every string is checked byte by byte against
 * the rules of its kind.  Strings and lists end up as (offset, length)
 * slices of the message.  Proven with WP (contracts below and
 * spec/acsl/proto.h) and with Eva on fully unknown bytes
 * (proofs/proto/eva_main.c).  Freestanding.
 */
#include "procmgr/proto.h"
#include "acsl/proto.h"
#include "wire.h"

/* Strings by kind (section 6 of the spec). */
enum str_kind {
    STR_ARG,       /* no NUL                                     */
    STR_ENV,       /* no NUL, NAME=VALUE with NAME non-empty     */
    STR_PATH,      /* no NUL, absolute, normalized, non-empty    */
    STR_RESOLVE,   /* no NUL, relative, normalized, non-empty    */
    STR_PNAME,     /* no NUL, may be empty                       */
    STR_EXECFN     /* no NUL, non-empty                          */
};

/*@ predicate rd_ok{L}(pm_rd *rd) =
      \valid(rd) &&
      PM_PROTO_HEADER_SIZE <= rd->off <= rd->len <= PM_PROTO_MAX_MSG &&
      rd->nh <= PM_PROTO_MAX_HANDLES && rd->nused <= rd->nh &&
      \valid_read(rd->msg + (0 .. rd->len - 1)) &&
      \separated(rd, rd->msg + (0 .. rd->len - 1));
*/

/*@ requires rd_ok(rd) && \valid(v) && \separated(v, rd);
    assigns rd->off, *v;
    ensures rd_ok(rd);
    ensures \result == PM_OK || \result == PM_E_PROTO_PAYLOAD_TRUNCATED;
*/
static pm_status rd_u32(pm_rd *rd, uint32_t *v)
{
    pm_status st = PM_E_PROTO_PAYLOAD_TRUNCATED;
    if (rd->len >= 4u && rd->off <= rd->len - 4u) {
        *v = pm_wire_get32(rd->msg, rd->off);
        rd->off += 4u;
        st = PM_OK;
    }
    return st;
}

/*@ requires rd_ok(rd) && \valid(v) && \separated(v, rd);
    assigns rd->off, *v;
    ensures rd_ok(rd);
    ensures \result == PM_OK || \result == PM_E_PROTO_PAYLOAD_TRUNCATED;
*/
static pm_status rd_u64(pm_rd *rd, uint64_t *v)
{
    pm_status st = PM_E_PROTO_PAYLOAD_TRUNCATED;
    if (rd->len >= 8u && rd->off <= rd->len - 8u) {
        *v = pm_wire_get64(rd->msg, rd->off);
        rd->off += 8u;
        st = PM_OK;
    }
    return st;
}

/* A reserved 32-bit field: must be zero. */
/*@ requires rd_ok(rd);
    assigns rd->off;
    ensures rd_ok(rd);
*/
static pm_status rd_zero32(pm_rd *rd)
{
    uint32_t v = 0;
    pm_status st = rd_u32(rd, &v);
    if (st == PM_OK && v != 0u)
        st = PM_E_PROTO_RESERVED_NONZERO;
    return st;
}

/* bit i = handle i; a table rather than a shift keeps the bit arithmetic
 * out of the proof obligations. */
static const uint64_t handle_bit[PM_PROTO_MAX_HANDLES] = {
#define B4_(i) (1ull << (i)), (1ull << ((i) + 1)), (1ull << ((i) + 2)), (1ull << ((i) + 3))
    B4_(0), B4_(4), B4_(8), B4_(12), B4_(16), B4_(20), B4_(24), B4_(28),
    B4_(32), B4_(36), B4_(40), B4_(44), B4_(48), B4_(52), B4_(56), B4_(60)
#undef B4_
};

/* A handle field.  Records the reference in rd->used so that a handle named
 * twice is refused, and counts it so that an unnamed one is found at the
 * end. */
/*@ requires rd_ok(rd) && \valid(h) && \separated(h, rd);
    assigns rd->off, rd->used, rd->nused, *h;
    ensures rd_ok(rd);
    ensures \result == PM_OK ==> pm_handle_ok(*h, rd->nh);
    ensures \result == PM_OK && required ==> *h < rd->nh;
*/
static pm_status rd_handle(pm_rd *rd, int required, uint32_t *h)
{
    uint32_t v = 0;
    pm_status st = rd_u32(rd, &v);
    if (st == PM_OK) {
        if (v == PM_PROTO_NO_HANDLE) {
            if (required)
                st = PM_E_PROTO_HANDLE_REQUIRED;
        } else if (v >= rd->nh || v >= PM_PROTO_MAX_HANDLES) {
            st = PM_E_PROTO_HANDLE_INDEX;
        } else if ((rd->used & handle_bit[v]) != 0u) {
            st = PM_E_PROTO_HANDLE_REUSED;
        } else {
            rd->used |= handle_bit[v];
            if (rd->nused < rd->nh)     /* always: each index counted once */
                rd->nused++;
        }
    }
    *h = (st == PM_OK) ? v : PM_PROTO_NO_HANDLE;
    return st;
}

/* ---- string rules ------------------------------------------------------ */

/*@ requires start <= end <= PM_PROTO_MAX_MSG;
    requires \valid_read(m + (start .. end - 1));
    assigns \nothing;
    ensures \result == PM_OK ==> pm_str_no_nul(m, start, end);
*/
static pm_status check_no_nul(const uint8_t *m, uint32_t start, uint32_t end)
{
    pm_status st = PM_OK;
    uint32_t p = start;
    /*@ loop invariant start <= p <= end;
        loop invariant st == PM_OK ==> pm_str_no_nul(m, start, p);
        loop assigns p, st;
        loop variant end - p;
    */
    while (p < end && st == PM_OK) {
        if (m[p] == 0u)
            st = PM_E_PROTO_EMBEDDED_NUL;
        p++;
    }
    return st;
}

/* NAME=VALUE: an '=' after at least one byte. */
/*@ requires start <= end <= PM_PROTO_MAX_MSG;
    requires \valid_read(m + (start .. end - 1));
    assigns \nothing;
    ensures \result == PM_OK ==> pm_str_env(m, start, end);
*/
static pm_status check_env(const uint8_t *m, uint32_t start, uint32_t end)
{
    pm_status st = PM_E_PROTO_ENV_NO_EQUALS;
    uint32_t p = start;
    if (p < end)
        p++;                       /* NAME is not empty */
    /*@ loop invariant start <= p <= end;
        loop invariant start < end ==> start < p;
        loop invariant st == PM_OK ==> \exists integer i; start < i < p && m[i] == '=';
        loop assigns p, st;
        loop variant end - p;
    */
    while (p < end && st != PM_OK) {
        if (m[p] == (uint8_t)'=')
            st = PM_OK;
        p++;
    }
    return st;
}

/* Path components: none empty, none "." or "..".  An absolute path starts
 * with '/' ("/" alone is the root); a resolve name must not.  comp counts the
 * bytes of the current component, saturated at 3 (only "." and ".." matter),
 * dots is 1 while the component is all dots. */
/*@ requires start < end <= PM_PROTO_MAX_MSG;
    requires \valid_read(m + (start .. end - 1));
    assigns \nothing;
    ensures \result == PM_OK && absolute ==> m[start] == '/';
    ensures \result == PM_OK && !absolute ==> m[start] != '/';
    ensures \result == PM_OK ==> pm_path_normal(m, start, end);
*/
static pm_status check_path(const uint8_t *m, uint32_t start, uint32_t end,
                            int absolute)
{
    pm_status st = PM_OK;
    uint32_t comp = 0, dots = 1;
    uint32_t p = start;
    if (m[start] == (uint8_t)'/') {
        if (absolute)
            p++;
        else
            st = PM_E_PROTO_NAME_ABSOLUTE;
    } else if (absolute) {
        st = PM_E_PROTO_PATH_NOT_ABSOLUTE;
    }
    /*@ loop invariant start <= p <= end;
        loop invariant comp <= 3 && dots <= 1;
        loop invariant st == PM_OK && absolute ==> m[start] == '/' && start < p;
        loop invariant st == PM_OK && !absolute ==> m[start] != '/';
        loop invariant st == PM_OK ==> comp == 0 ==> dots == 1;
        loop invariant st == PM_OK ==> comp == 0 ==> p == start || m[p - 1] == '/';
        loop invariant st == PM_OK ==> 1 <= comp <= 2 ==>
            start <= p - comp && pm_comp_start(m, start, p - comp) &&
            (\forall integer k; p - comp <= k < p ==> m[k] != '/');
        loop invariant st == PM_OK ==> comp == 3 ==>
            start <= p - 3 && (\forall integer k; p - 3 <= k < p ==> m[k] != '/');
        loop invariant st == PM_OK ==> dots == 1 ==> 1 <= comp <= 2 ==>
            (\forall integer k; p - comp <= k < p ==> m[k] == '.');
        loop invariant st == PM_OK ==> dots == 0 ==> 1 <= comp <= 2 ==>
            (\exists integer k; p - comp <= k < p && m[k] != '.');
        loop invariant st == PM_OK ==> dots == 0 ==> 1 <= comp;
        loop invariant st == PM_OK ==>
            \forall integer i; start <= i < p - 1 ==> !(m[i] == '/' && m[i + 1] == '/');
        loop invariant st == PM_OK ==>
            \forall integer i; start <= i < p ==> pm_comp_start(m, start, i) ==>
              !(m[i] == '.' && i + 1 < p && m[i + 1] == '/') &&
              !(m[i] == '.' && i + 2 < p && m[i + 1] == '.' && m[i + 2] == '/');
        loop assigns p, st, comp, dots;
        loop variant end - p;
    */
    while (p < end && st == PM_OK) {
        if (m[p] == (uint8_t)'/') {
            if (comp == 0u || (dots != 0u && comp <= 2u))
                st = PM_E_PROTO_PATH_NOT_NORMAL;
            comp = 0;
            dots = 1;
        } else {
            if (m[p] != (uint8_t)'.')
                dots = 0;
            if (comp < 3u)
                comp++;
        }
        p++;
    }
    /* the last component ("/" alone has none and is fine) */
    if (st == PM_OK && !(absolute && start + 1u == end) &&
        (comp == 0u || (dots != 0u && comp <= 2u)))
        st = PM_E_PROTO_PATH_NOT_NORMAL;
    return st;
}

/*@ requires start <= end <= PM_PROTO_MAX_MSG;
    requires \valid_read(m + (start .. end - 1));
    assigns \nothing;
    ensures \result == PM_OK ==> pm_str_no_nul(m, start, end);
    ensures \result == PM_OK && kind == STR_ENV ==> pm_str_env(m, start, end);
    ensures \result == PM_OK && kind == STR_EXECFN ==> start < end;
    ensures \result == PM_OK && kind == STR_PATH ==>
        m[start] == '/' && pm_path_normal(m, start, end);
    ensures \result == PM_OK && kind == STR_RESOLVE ==>
        m[start] != '/' && pm_path_normal(m, start, end);
*/
static pm_status check_string(const uint8_t *m, uint32_t start, uint32_t end,
                              enum str_kind kind)
{
    pm_status st = check_no_nul(m, start, end);
    if (st == PM_OK) {
        if (kind == STR_ENV) {
            st = check_env(m, start, end);
        } else if (kind == STR_EXECFN) {
            if (start == end)
                st = PM_E_PROTO_STRING_EMPTY;
        } else if (kind == STR_PATH || kind == STR_RESOLVE) {
            if (start == end)
                st = PM_E_PROTO_STRING_EMPTY;
            else
                st = check_path(m, start, end, kind == STR_PATH);
        }
    }
    return st;
}

/* A string field: u32 length, then the bytes, which keep the rules of
 * their kind (check_string). */
/*@ requires rd_ok(rd) && \valid(s) && \separated(s, rd);
    requires max <= PM_PROTO_MAX_MSG;
    assigns rd->off, *s;
    ensures rd_ok(rd);
    ensures \result == PM_OK ==> pm_slice_in(s, rd->len);
    ensures \result == PM_OK ==> s->len <= max;
    ensures \result == PM_OK ==> pm_str_no_nul(rd->msg, s->off, s->off + s->len);
    ensures \result == PM_OK && kind == STR_ENV ==> pm_str_env(rd->msg, s->off, s->off + s->len);
    ensures \result == PM_OK && kind == STR_EXECFN ==> 0 < s->len;
    ensures \result == PM_OK && kind == STR_PATH ==>
        rd->msg[s->off] == '/' && pm_path_normal(rd->msg, s->off, s->off + s->len);
    ensures \result == PM_OK && kind == STR_RESOLVE ==>
        rd->msg[s->off] != '/' && pm_path_normal(rd->msg, s->off, s->off + s->len);
*/
static pm_status rd_string(pm_rd *rd, enum str_kind kind, uint32_t max,
                           pm_slice *s)
{
    uint32_t n = 0;
    pm_status st = rd_u32(rd, &n);
    s->off = 0;
    s->len = 0;
    if (st == PM_OK && n > max)
        st = PM_E_PROTO_STRING_TOO_LONG;
    if (st == PM_OK) {
        uint32_t start = rd->off;
        uint32_t end = start + n;        /* both <= PM_PROTO_MAX_MSG */
        if (end > rd->len) {
            st = PM_E_PROTO_PAYLOAD_TRUNCATED;
        } else {
            st = check_string(rd->msg, start, end, kind);
            if (st == PM_OK) {
                s->off = start;
                s->len = n;
                rd->off = end;
            }
        }
    }
    return st;
}

/* ---- lists --------------------------------------------------------------- */

/*@ requires rd_ok(rd) && \valid(n) && \separated(n, rd);
    requires max <= PM_PROTO_MAX_ITEMS;
    assigns rd->off, *n;
    ensures rd_ok(rd);
    ensures *n <= max;
*/
static pm_status rd_count(pm_rd *rd, uint32_t max, uint32_t *n)
{
    pm_status st = rd_u32(rd, n);
    if (st != PM_OK || *n > max) {
        if (st == PM_OK)
            st = PM_E_PROTO_TOO_MANY_ITEMS;
        *n = 0;                 /* keeps every path's count within max */
    }
    return st;
}

/* Entry shapes of a list. */
enum list_kind {
    LIST_STRINGS,      /* ADD_ARGS, ADD_ENVIRONS: string             */
    LIST_NAMES,        /* ADD_NAMES: handle, path                    */
    LIST_HANDLES       /* ADD_HANDLES, CREATE_PROCESS: handle, id     */
};

/*@ requires rd_ok(rd) && \valid(it) && \separated(it, rd);
    assigns rd->off, rd->used, rd->nused, *it;
    ensures rd_ok(rd);
    ensures \result == PM_OK ==> pm_item_ok(it, rd->len, rd->nh);
*/
static pm_status rd_item(pm_rd *rd, enum list_kind kind, enum str_kind skind,
                         pm_proto_item *it)
{
    pm_status st = PM_OK;
    it->handle = PM_PROTO_NO_HANDLE;
    it->id = 0;
    it->str.off = 0;
    it->str.len = 0;
    if (kind == LIST_STRINGS) {
        st = rd_string(rd, skind, PM_PROTO_MAX_ARG_LEN, &it->str);
    } else if (kind == LIST_NAMES) {
        st = rd_handle(rd, 1, &it->handle);
        if (st == PM_OK)
            st = rd_string(rd, STR_PATH, PM_PROTO_MAX_PATH_LEN, &it->str);
    } else {
        st = rd_handle(rd, 1, &it->handle);
        if (st == PM_OK)
            st = rd_u32(rd, &it->id);
    }
    return st;
}

/*@ requires rd_ok(rd) && \valid(req) && \separated(req, rd);
    requires \separated(req, rd->msg + (0 .. rd->len - 1));
    requires pm_request_body_ok(req, rd->len, rd->nh);
    requires max <= PM_PROTO_MAX_ITEMS;
    assigns rd->off, rd->used, rd->nused, req->item_count, req->items[0 .. PM_PROTO_MAX_ITEMS - 1];
    ensures rd_ok(rd);
    ensures \result == PM_OK ==> pm_request_body_ok(req, rd->len, rd->nh);
*/
static pm_status rd_list(pm_rd *rd, pm_proto_request *req, uint32_t max,
                         enum list_kind kind, enum str_kind skind)
{
    uint32_t n = 0, i = 0;
    pm_status st = rd_count(rd, max, &n);
    req->item_count = 0;
    /*@ loop invariant rd_ok(rd);
        loop invariant 0 <= i <= n && (st == PM_OK ==> n <= max);
        loop invariant st == PM_OK ==> \forall integer j; 0 <= j < i ==>
                           pm_item_ok(&req->items[j], rd->len, rd->nh);
        loop assigns i, st, rd->off, rd->used, rd->nused,
                     req->items[0 .. PM_PROTO_MAX_ITEMS - 1];
        loop variant n - i;
    */
    while (st == PM_OK && i < n) {
        st = rd_item(rd, kind, skind, &req->items[i]);
        i++;
    }
    req->item_count = (st == PM_OK) ? n : 0u;
    return st;
}

/* ---- payloads by opcode -------------------------------------------------- */

/* The fields shared by every decoder's contract. */
/*@ predicate dec_pre{L}(pm_rd *rd, pm_proto_request *req) =
      rd_ok(rd) && \valid(req) && \separated(req, rd) &&
      \separated(req, rd->msg + (0 .. rd->len - 1)) &&
      pm_request_body_ok(req, rd->len, rd->nh);
*/

/* Opcodes whose payload is handles and scalars only. */
/*@ requires dec_pre(rd, req);
    assigns rd->off, rd->used, rd->nused, req->handle[0 .. 2], req->flags, req->limit,
            req->value, req->cursor;
    ensures rd_ok(rd) && rd->len == \old(rd->len) && rd->nh == \old(rd->nh);
    ensures \result == PM_OK ==> pm_request_body_ok(req, rd->len, rd->nh);
*/
static pm_status dec_scalar(pm_rd *rd, uint16_t op, pm_proto_request *req)
{
    pm_status st = PM_OK;
    uint32_t w = 0;
    switch (op) {
    case PM_OP_EXIT_PROCESS:
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &w);
        req->value = w;
        break;
    case PM_OP_QUERY_PROCESS:
    case PM_OP_QUERY_DETAILS:
    case PM_OP_KILL:
    case PM_OP_HANDLE_CLOSE:
    case PM_OP_SUSPEND:
    case PM_OP_RESUME:
    case PM_OP_JOB_QUERY:
        st = rd_handle(rd, 1, &req->handle[0]);
        break;
    case PM_OP_JOB_SET_LIMIT:   /* spec/lifecycle.md §6 */
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && (req->flags == 0u || req->flags > PM_JOB_LIMIT_MAX))
            st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_zero32(rd);
        if (st == PM_OK) st = rd_u64(rd, &req->value);
        if (st == PM_OK && (req->value == 0u ||
                            (req->flags == PM_JOB_LIMIT_MEMORY &&
                             req->value < PM_JOB_MEMORY_MIN)))
            st = PM_E_PROTO_FIELD_RANGE;
        break;
    case PM_OP_SIGNAL:   /* grace_ns: 0 in this version (spec/protocol.md §5) */
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && (req->flags < PM_SIGNAL_MIN || req->flags > PM_SIGNAL_MAX))
            st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_u64(rd, &req->value);
        if (st == PM_OK && req->value != 0u) st = PM_E_PROTO_FIELD_RANGE;
        break;
    case PM_OP_SET_PRIORITY:
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && req->flags > PM_PRIORITY_MAX) st = PM_E_PROTO_FIELD_RANGE;
        break;
    case PM_OP_LIST_PROCESSES:
        st = rd_u32(rd, &req->flags);
        if (st == PM_OK && req->flags > PM_LIST_ENDED) st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_u32(rd, &req->limit);
        if (st == PM_OK && (req->limit == 0u || req->limit > PM_PROTO_MAX_LIST))
            st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_u64(rd, &req->value);
        if (st == PM_OK && (req->flags == PM_LIST_ALL || req->flags == PM_LIST_ENDED) !=
                               (req->value == 0u))
            st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_u64(rd, &req->cursor);
        break;
    case PM_OP_OPEN_PROCESS:
        st = rd_u64(rd, &req->value);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && (req->flags & ~PM_RIGHTS_ALL) != 0u) st = PM_E_PROTO_BAD_FLAGS;
        if (st == PM_OK && req->flags == 0u) st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_zero32(rd);
        break;
    case PM_OP_SET_CWD:
        st = rd_handle(rd, 1, &req->handle[0]);
        break;
    case PM_OP_SET_RLIMIT:   /* resource; reserved 0; soft <= hard */
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && req->flags > PM_RLIMIT_MAX) st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_zero32(rd);
        if (st == PM_OK) st = rd_u64(rd, &req->value);
        if (st == PM_OK) st = rd_u64(rd, &req->cursor);
        if (st == PM_OK && req->value > req->cursor) st = PM_E_PROTO_FIELD_RANGE;
        break;
    case PM_OP_JOB_CREATE:
        st = rd_zero32(rd);
        break;
    case PM_OP_JOB_OPEN:
    case PM_OP_LOOKUP_PROCESS:   /* issue 20: the same layout */
        st = rd_u64(rd, &req->value);
        if (st == PM_OK && req->value == 0u) st = PM_E_PROTO_FIELD_RANGE;
        if (st == PM_OK) st = rd_zero32(rd);
        break;
    case PM_OP_START:   /* thread optional: absent = the initial thread */
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_handle(rd, 0, &req->handle[1]);
        break;
    case PM_OP_WAIT:
    case PM_OP_WAIT_ANY:   /* WAIT_ANY: parent optional, absent = root */
        st = rd_handle(rd, op == PM_OP_WAIT, &req->handle[0]);
        if (st == PM_OK) st = rd_zero32(rd);
        if (st == PM_OK) st = rd_u64(rd, &req->value);
        break;
    case PM_OP_WATCH:
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && (req->flags & ~PM_EVENT_ALL) != 0u) st = PM_E_PROTO_BAD_FLAGS;
        if (st == PM_OK && req->flags == 0u) st = PM_E_PROTO_FIELD_RANGE;
        break;
    case PM_OP_HANDLE_DUPLICATE:
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && (req->flags & ~PM_RIGHTS_ALL) != 0u) st = PM_E_PROTO_BAD_FLAGS;
        break;
    default:   /* LAUNCH, CREATE_WITHOUT_STARTING: empty payload */
        break;
    }
    return st;
}

/* Opcodes with a list or a string. */
/*@ requires dec_pre(rd, req);
    assigns rd->off, rd->used, rd->nused, req->handle[0 .. 2], req->flags, req->str,
            req->item_count, req->items[0 .. PM_PROTO_MAX_ITEMS - 1];
    ensures rd_ok(rd) && rd->len == \old(rd->len) && rd->nh == \old(rd->nh);
    ensures \result == PM_OK ==> pm_request_body_ok(req, rd->len, rd->nh);
*/
static pm_status dec_list(pm_rd *rd, uint16_t op, pm_proto_request *req)
{
    pm_status st = PM_OK;
    switch (op) {
    case PM_OP_CREATE_PROCESS:
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK)
            st = rd_list(rd, req, PM_PROTO_MAX_HANDLES, LIST_HANDLES, STR_ARG);
        break;
    case PM_OP_ADD_ARGS:
        st = rd_list(rd, req, PM_PROTO_MAX_ITEMS, LIST_STRINGS, STR_ARG);
        break;
    case PM_OP_ADD_ENVIRONS:
        st = rd_list(rd, req, PM_PROTO_MAX_ITEMS, LIST_STRINGS, STR_ENV);
        break;
    case PM_OP_ADD_NAMES:
        st = rd_list(rd, req, PM_PROTO_MAX_HANDLES, LIST_NAMES, STR_PATH);
        break;
    case PM_OP_ADD_HANDLES:
        st = rd_list(rd, req, PM_PROTO_MAX_HANDLES, LIST_HANDLES, STR_ARG);
        break;
    case PM_OP_SET_INFO:
        st = rd_handle(rd, 1, &req->handle[0]);
        if (st == PM_OK) st = rd_handle(rd, 0, &req->handle[1]);
        if (st == PM_OK) st = rd_handle(rd, 0, &req->handle[2]);
        if (st == PM_OK) st = rd_u32(rd, &req->flags);
        if (st == PM_OK && (req->flags & ~PM_INFO_FLAGS_ALL) != 0u) st = PM_E_PROTO_BAD_FLAGS;
        if (st == PM_OK)
            st = rd_string(rd, STR_PNAME, PM_PROTO_MAX_PROCESS_NAME, &req->str);
        break;
    default:   /* PM_OP_RESOLVE, PM_OP_SET_EXECFN: one string */
        if (op == PM_OP_SET_EXECFN)
            st = rd_string(rd, STR_EXECFN, PM_PROTO_MAX_EXECFN, &req->str);
        else
            st = rd_string(rd, STR_RESOLVE, PM_PROTO_MAX_RESOLVE_NAME, &req->str);
        break;
    }
    return st;
}

/*@ assigns \nothing;
    ensures \result != 0 <==> (op == PM_OP_CREATE_PROCESS ||
        op == PM_OP_ADD_ARGS || op == PM_OP_ADD_ENVIRONS ||
        op == PM_OP_ADD_NAMES || op == PM_OP_ADD_HANDLES ||
        op == PM_OP_SET_INFO || op == PM_OP_SET_EXECFN ||
        op == PM_OP_RESOLVE);
*/
static int opcode_has_list(uint32_t op)
{
    return op == PM_OP_CREATE_PROCESS || op == PM_OP_ADD_ARGS ||
           op == PM_OP_ADD_ENVIRONS || op == PM_OP_ADD_NAMES ||
           op == PM_OP_ADD_HANDLES || op == PM_OP_SET_INFO ||
           op == PM_OP_SET_EXECFN || op == PM_OP_RESOLVE;
}

/* A request with no fields yet: opcode, request id and handle count of the
 * header, valid set to val.  With val == 0 and op == PM_OP_NONE this is the
 * empty request of a refusal. */
/*@ requires \valid(req);
    assigns req->handle[0], req->handle[1], req->handle[2], req->flags,
            req->limit, req->value, req->cursor, req->str.off, req->str.len,
            req->item_count, req->request_id, req->handle_count, req->opcode,
            req->valid;
    ensures req->handle[0] == PM_PROTO_NO_HANDLE &&
            req->handle[1] == PM_PROTO_NO_HANDLE &&
            req->handle[2] == PM_PROTO_NO_HANDLE;
    ensures req->flags == 0 && req->limit == 0 && req->value == 0 &&
            req->cursor == 0 && req->str.off == 0 && req->str.len == 0;
    ensures req->item_count == 0 && req->request_id == id &&
            req->handle_count == nh && req->opcode == op && req->valid == val;
    ensures pm_request_body_ok(req, PM_PROTO_HEADER_SIZE, 0);
*/
static void request_init(pm_proto_request *req, uint32_t val, uint16_t op,
                         uint64_t id, uint32_t nh)
{
    req->valid = val;
    req->opcode = op;
    req->request_id = id;
    req->handle_count = nh;
    req->handle[0] = PM_PROTO_NO_HANDLE;
    req->handle[1] = PM_PROTO_NO_HANDLE;
    req->handle[2] = PM_PROTO_NO_HANDLE;
    req->flags = 0;
    req->limit = 0;
    req->value = 0;
    req->cursor = 0;
    req->str.off = 0;
    req->str.len = 0;
    req->item_count = 0;
}

/* The header checks of section 9, in order, up to the payload. */
/*@ requires \valid_read(msg + (0 .. len - 1));
    requires \valid(req) && \separated(req, msg + (0 .. len - 1));
    assigns req->reply_to;
    ensures \result == PM_OK ==>
        PM_PROTO_HEADER_SIZE <= len <= PM_PROTO_MAX_MSG &&
        len == PM_PROTO_HEADER_SIZE + pm_le32(msg, 24) &&
        handles <= PM_PROTO_MAX_HANDLES && pm_le32(msg, 12) == handles &&
        pm_opcode_known(pm_le16(msg, 6)) &&
        req->reply_to.opcode == pm_le16(msg, 6) && req->reply_to.can_reply == 1;
*/
static pm_status decode_header(const uint8_t *msg, size_t len,
                               uint32_t handles, pm_proto_request *req)
{
    pm_status st = PM_OK;
    pm_proto_reply_to *to = &req->reply_to;
    to->can_reply = 0;
    to->opcode = PM_OP_NONE;
    to->request_id = 0;
    if (len < PM_PROTO_HEADER_SIZE)
        st = PM_E_PROTO_TRUNCATED;
    else if (pm_wire_get32(msg, 0) != PM_PROTO_MAGIC)
        st = PM_E_PROTO_BAD_MAGIC;
    if (st == PM_OK) {
        to->can_reply = 1;
        to->opcode = pm_wire_get16(msg, 6);
        to->request_id = pm_wire_get64(msg, 16);
        if (pm_wire_get16(msg, 4) != PM_PROTO_VERSION)
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
        else if (!pm_wire_opcode_known(to->opcode))
            st = PM_E_PROTO_UNKNOWN_OPCODE;
    }
    return st;
}

/* The payload of a message whose header passed. */
/*@ requires PM_PROTO_HEADER_SIZE <= len <= PM_PROTO_MAX_MSG;
    requires \valid_read(msg + (0 .. len - 1));
    requires handles <= PM_PROTO_MAX_HANDLES;
    requires \valid(req) && \separated(req, msg + (0 .. len - 1));
    requires pm_request_body_ok(req, PM_PROTO_HEADER_SIZE, 0);
    assigns req->handle[0 .. 2], req->flags, req->limit, req->value,
            req->cursor, req->str, req->item_count,
            req->items[0 .. PM_PROTO_MAX_ITEMS - 1];
    ensures \result == PM_OK ==> pm_request_body_ok(req, len, handles);
*/
static pm_status decode_payload(const uint8_t *msg, uint32_t len,
                                uint32_t handles, uint16_t op,
                                pm_proto_request *req)
{
    pm_rd rd;
    pm_status st;
    rd.msg = msg;
    rd.len = len;
    rd.off = PM_PROTO_HEADER_SIZE;
    rd.nh = handles;
    rd.used = 0;
    rd.nused = 0;
    if (opcode_has_list(op))
        st = dec_list(&rd, op, req);
    else
        st = dec_scalar(&rd, op, req);
    if (st == PM_OK && rd.off != rd.len)
        st = PM_E_PROTO_TRAILING_BYTES;
    if (st == PM_OK && rd.nused != handles)
        st = PM_E_PROTO_HANDLE_UNREFERENCED;
    return st;
}

/*@ requires \valid_read(msg + (0 .. len - 1));
    requires \valid(req) && \separated(req, msg + (0 .. len - 1));
    assigns *req;
    ensures \result == PM_OK ==> req->valid == PM_PROTO_REQUEST_VALID;
    ensures \result == PM_OK ==> pm_opcode_known(req->opcode) &&
                                  req->opcode == pm_le16(msg, 6);
    ensures \result == PM_OK ==>
        PM_PROTO_HEADER_SIZE <= len <= PM_PROTO_MAX_MSG &&
        len == PM_PROTO_HEADER_SIZE + pm_le32(msg, 24);
    ensures \result == PM_OK ==> handles <= PM_PROTO_MAX_HANDLES &&
        req->handle_count == handles && pm_le32(msg, 12) == handles;
    ensures \result == PM_OK ==> pm_request_body_ok(req, len, handles);
    ensures \result == PM_OK ==> req->reply_to.can_reply == 1;
    ensures \result != PM_OK ==> pm_request_empty(req);
*/
pm_status pm_proto_decode_request(const uint8_t *msg, size_t len,
                                  uint32_t handles, pm_proto_request *req)
{
    pm_status st = decode_header(msg, len, handles, req);
    if (st == PM_OK) {
        request_init(req, PM_PROTO_REQUEST_VALID, req->reply_to.opcode,
                     req->reply_to.request_id, handles);
        st = decode_payload(msg, (uint32_t)len, handles, req->reply_to.opcode,
                            req);
    }
    if (st != PM_OK)
        request_init(req, 0, PM_OP_NONE, 0, 0);
    return st;
}
