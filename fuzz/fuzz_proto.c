/*
 * Fuzz harness: the protocol codec, both directions.
 *
 * Input: one byte giving the number of handles that "arrived" (0..65, where
 * 65 stands for truncated control data), then the message bytes.  The same
 * bytes are decoded as a request (procmgr's side) and as a reply (the
 * client's side).  On acceptance the harness re-checks the proven
 * postconditions (every slice inside the message, counts within bounds,
 * handle indices below the handle count) and that re-encoding the decoded
 * value reproduces the message byte for byte (the encoding is canonical).
 * On refusal the request must be marked invalid.
 *
 * A first byte of 0xC0 or more selects a mode that drives what decoding
 * alone never reaches (bytes below 0xC0 keep the meaning above):
 *   0xC0  encode a reply whose fields, name, list and output capacity come
 *         from the input (the daemon's side: a refusal or a short buffer
 *         must leave *out_len == 0; an accepted reply must decode back to
 *         the same fields with the handle count the encoder set)
 *   0xC1  encode a request the same way (the client's side), with string
 *         slices into the rest of the input; an accepted one must have a
 *         well-formed header and, when the daemon's decoder accepts it,
 *         re-encode byte for byte
 *   0xC2  u8 handles, u32 length L: the message is the rest of the input,
 *         zero-padded to L bytes (L up to PM_PROTO_MAX_MSG + 64), so that
 *         over-long messages are tried without megabyte inputs
 *   0xC3  pm_proto_reply_list_entry with a reply whose list slice, count
 *         and index come from the input, on the rest of the input
 *         zero-padded to a u32 length (so over-long messages too)
 *   0xC4  the wire writers of src/proto/wire.h called directly with a cursor
 *         (capacity, offset) from the input, inside their precondition
 *         (off <= cap): the encoders only call them with cap >= 32, so
 *         their short-capacity refusals are reached only this way
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/proto.h"
#include "../src/proto/wire.h"

static void check_slice(pm_slice s, size_t len)
{
    PM_FUZZ_REQUIRE(s.off <= len && s.len <= len - s.off);
}

static void check_handle_index(uint32_t h, uint32_t count)
{
    PM_FUZZ_REQUIRE(h == PM_PROTO_NO_HANDLE || h < count);
}

static void check_request(const uint8_t *msg, size_t len, uint32_t handles)
{
    static pm_proto_request req;
    memset(&req, 0x5a, sizeof req);
    pm_status st = pm_proto_decode_request(msg, len, handles, &req);
    if (st != PM_OK) {
        PM_FUZZ_REQUIRE(req.valid != PM_PROTO_REQUEST_VALID);
        PM_FUZZ_REQUIRE(req.opcode == PM_OP_NONE);
        PM_FUZZ_REQUIRE(st >= 200 && st <= 299);
        return;
    }
    PM_FUZZ_REQUIRE(req.valid == PM_PROTO_REQUEST_VALID);
    PM_FUZZ_REQUIRE(req.handle_count == handles);
    PM_FUZZ_REQUIRE(req.handle_count <= PM_PROTO_MAX_HANDLES);
    PM_FUZZ_REQUIRE(req.item_count <= PM_PROTO_MAX_ITEMS);
    check_slice(req.str, len);
    for (int i = 0; i < 3; i++)
        check_handle_index(req.handle[i], req.handle_count);
    for (uint32_t i = 0; i < req.item_count; i++) {
        check_slice(req.items[i].str, len);
        check_handle_index(req.items[i].handle, req.handle_count);
    }
    static uint8_t again[PM_PROTO_MAX_MSG];
    size_t n = 0;
    PM_FUZZ_REQUIRE(pm_proto_encode_request(&req, msg, len, again, sizeof again, &n) == PM_OK);
    PM_FUZZ_REQUIRE(n == len && memcmp(again, msg, len) == 0);
}

static void check_reply(const uint8_t *msg, size_t len, uint32_t handles)
{
    static pm_proto_reply rep;
    memset(&rep, 0x5a, sizeof rep);
    if (pm_proto_decode_reply(msg, len, handles, &rep) != PM_OK)
        return;
    PM_FUZZ_REQUIRE(rep.handle_count == handles);
    check_slice(rep.name_slice, len);
    check_slice(rep.list_slice, len);
    PM_FUZZ_REQUIRE(rep.list_count <= PM_PROTO_MAX_LIST);
    static pm_proto_info list[PM_PROTO_MAX_LIST];
    for (uint32_t i = 0; i < rep.list_count; i++)
        PM_FUZZ_REQUIRE(pm_proto_reply_list_entry(msg, len, &rep, i, &list[i]) == PM_OK);
    rep.name = msg + rep.name_slice.off;
    rep.name_len = rep.name_slice.len;
    rep.list = list;
    static uint8_t again[PM_PROTO_MAX_MSG];
    size_t n = 0;
    PM_FUZZ_REQUIRE(pm_proto_encode_reply(&rep, again, sizeof again, &n) == PM_OK);
    PM_FUZZ_REQUIRE(rep.handle_count == handles);
    PM_FUZZ_REQUIRE(n == len && memcmp(again, msg, len) == 0);
}

static uint8_t OUT[PM_PROTO_MAX_MSG + 64];

/* A reply from the input: fields are drawn near the values the encoder
 * checks so that both sides of every check come up. */
static void encode_reply_mode(pm_fuzz_rd *r)
{
    static const uint16_t ops[] = {
        PM_OP_CREATE_PROCESS, PM_OP_EXIT_PROCESS, PM_OP_QUERY_PROCESS,
        PM_OP_LIST_PROCESSES, PM_OP_LAUNCH, PM_OP_CREATE_WITHOUT_STARTING,
        PM_OP_RESOLVE, PM_OP_WAIT, PM_OP_WATCH, PM_OP_HANDLE_DUPLICATE,
        PM_OP_EVENT, PM_OP_NONE, 0x7777, PM_OP_KILL, PM_OP_OPEN_PROCESS,
        PM_OP_SIGNAL, PM_OP_SET_PRIORITY, PM_OP_SUSPEND, PM_OP_RESUME,
        PM_OP_SET_CWD, PM_OP_SET_EXECFN, PM_OP_SET_RLIMIT, PM_OP_QUERY_DETAILS, PM_OP_WAIT_ANY,
        PM_OP_JOB_CREATE, PM_OP_JOB_OPEN, PM_OP_JOB_SET_LIMIT, PM_OP_JOB_QUERY,
        PM_OP_LOOKUP_PROCESS
    };
    static pm_proto_info list[PM_PROTO_MAX_LIST + 2];
    static uint8_t name[PM_PROTO_MAX_PROCESS_NAME + 2];
    pm_proto_reply rep, back;
    memset(&rep, 0, sizeof rep);
    uint32_t sel = (uint32_t)pm_fuzz_take(r, 1);
    rep.opcode = ops[sel % (sizeof ops / sizeof ops[0])];
    rep.status = (uint32_t)pm_fuzz_take(r, 1) < 192 ? 0u : (uint32_t)pm_fuzz_take(r, 2);
    rep.request_id = pm_fuzz_take(r, 8);
    rep.koid = pm_fuzz_take(r, 8);
    rep.entry = pm_fuzz_take(r, 8);
    rep.stack = pm_fuzz_take(r, 8);
    rep.image_base = pm_fuzz_take(r, 8);
    rep.interp_base = pm_fuzz_take(r, 8);
    rep.vdso_base = pm_fuzz_take(r, 8);
    rep.has_interp = (uint32_t)pm_fuzz_take(r, 1) & 1u;
    rep.info.state = (uint32_t)pm_fuzz_take(r, 1) % 6u;
    rep.info.exit_code = (uint32_t)pm_fuzz_take(r, 4);
    rep.name_len = (uint32_t)pm_fuzz_take(r, 1) % (PM_PROTO_MAX_PROCESS_NAME + 2);
    for (uint32_t i = 0; i < rep.name_len; i++)
        name[i] = (uint8_t)pm_fuzz_take(r, 1);
    rep.name = name;
    rep.list_count = (uint32_t)pm_fuzz_take(r, 2) % (PM_PROTO_MAX_LIST + 2);
    uint32_t bad = (uint32_t)pm_fuzz_take(r, 2);      /* entry with a bad state */
    for (uint32_t i = 0; i < rep.list_count; i++) {
        list[i].koid = i + 1u;
        list[i].state = i == bad ? PM_STATE_MAX + 1u : i % (PM_STATE_MAX + 1u);
    }
    rep.list = list;
    rep.next_cursor = pm_fuzz_take(r, 8);
    rep.event = (uint32_t)pm_fuzz_take(r, 1);
    rep.event_code = (uint32_t)pm_fuzz_take(r, 4);
    /* details: each checked field just inside or outside its range */
    rep.details.end = (uint32_t)pm_fuzz_take(r, 1) % (PM_END_MAX + 2u);
    rep.details.end_code = (uint32_t)pm_fuzz_take(r, 1);
    rep.details.fault = (uint32_t)pm_fuzz_take(r, 1) % (PM_FAULT_MAX + 2u);
    rep.details.end_flags = (uint32_t)pm_fuzz_take(r, 1) % 3u;
    rep.details.wait_status = (uint32_t)pm_fuzz_take(r, 2);
    rep.details.priority = (uint32_t)pm_fuzz_take(r, 1) % (PM_PRIORITY_MAX + 2u);
    rep.details.flags = (uint32_t)pm_fuzz_take(r, 1) % (PM_DETAIL_FLAGS_ALL + 2u);
    rep.details.reserved = (uint32_t)pm_fuzz_take(r, 1) % 16u == 0 ? 1u : 0u;
    rep.details.cpu_user_ns = pm_fuzz_take(r, 8);
    rep.details.rss_bytes = pm_fuzz_take(r, 8);
    for (uint32_t i = 0; i < PM_RLIMIT_COUNT; i++) {
        rep.details.rlim_soft[i] = pm_fuzz_take(r, 8);
        rep.details.rlim_hard[i] = pm_fuzz_take(r, 8);
    }
    /* LOOKUP_PROCESS: collected just inside or outside its range */
    rep.lookup.pid = pm_fuzz_take(r, 8);
    rep.lookup.end_time_ns = pm_fuzz_take(r, 8);
    rep.lookup.wait_status = (uint32_t)pm_fuzz_take(r, 2);
    rep.lookup.collected = (uint32_t)pm_fuzz_take(r, 1) % (PM_LOOKUP_COLLECTED_MAX + 2u);
    rep.job_mode = (uint32_t)pm_fuzz_take(r, 1) % (PM_JOB_MODE_MAX + 2u);
    rep.job.known = (uint32_t)pm_fuzz_take(r, 1) % (PM_JOB_KNOWN_ALL + 2u);
    rep.job.pids_current = pm_fuzz_take(r, 8);
    rep.job.memory_max = pm_fuzz_take(r, 8);
    rep.job.cpu_usec = pm_fuzz_take(r, 8);
    size_t cap = (size_t)pm_fuzz_take(r, 4) % (sizeof OUT + 1);
    size_t n = 12345;
    pm_status st = pm_proto_encode_reply(&rep, OUT, cap, &n);
    if (st != PM_OK) {
        PM_FUZZ_REQUIRE(n == 0 && rep.handle_count == 0);
        PM_FUZZ_REQUIRE(st == PM_E_PROTO_BAD_ARGUMENT || st == PM_E_PROTO_BUFFER_TOO_SMALL);
        return;
    }
    PM_FUZZ_REQUIRE(n >= PM_PROTO_HEADER_SIZE + 4 && n <= cap && n <= PM_PROTO_MAX_MSG);
    PM_FUZZ_REQUIRE(rep.handle_count <= 2);
    PM_FUZZ_REQUIRE(pm_proto_decode_reply(OUT, n, rep.handle_count, &back) == PM_OK);
    PM_FUZZ_REQUIRE(back.opcode == rep.opcode && back.status == rep.status &&
                    back.request_id == rep.request_id);
    if (rep.status == PM_OK && rep.opcode == PM_OP_LIST_PROCESSES) {
        PM_FUZZ_REQUIRE(back.list_count == rep.list_count);
        for (uint32_t i = 0; i < back.list_count; i++) {
            pm_proto_info e;
            PM_FUZZ_REQUIRE(pm_proto_reply_list_entry(OUT, n, &back, i, &e) == PM_OK &&
                            e.koid == list[i].koid && e.state == list[i].state);
        }
    }
    if (rep.status == PM_OK && rep.opcode == PM_OP_QUERY_DETAILS)
        PM_FUZZ_REQUIRE(memcmp(&back.details, &rep.details, sizeof rep.details) == 0 &&
                        back.info.state == rep.info.state);
    if (rep.status == PM_OK &&
        (rep.opcode == PM_OP_JOB_CREATE || rep.opcode == PM_OP_JOB_OPEN))
        PM_FUZZ_REQUIRE(back.job_mode == rep.job_mode && back.koid == rep.koid &&
                        back.handle_count == 1);
    if (rep.status == PM_OK && rep.opcode == PM_OP_JOB_QUERY)
        PM_FUZZ_REQUIRE(back.job_mode == rep.job_mode && back.koid == rep.koid &&
                        back.job.known == rep.job.known &&
                        back.job.pids_current == rep.job.pids_current &&
                        back.job.memory_max == rep.job.memory_max &&
                        back.job.cpu_usec == rep.job.cpu_usec &&
                        back.handle_count == 0);
    if (rep.status == PM_OK &&
        (rep.opcode == PM_OP_QUERY_PROCESS || rep.opcode == PM_OP_LOOKUP_PROCESS))
        PM_FUZZ_REQUIRE(back.name_slice.len == rep.name_len &&
                        memcmp(OUT + back.name_slice.off, name, rep.name_len) == 0);
    if (rep.status == PM_OK && rep.opcode == PM_OP_LOOKUP_PROCESS)
        PM_FUZZ_REQUIRE(memcmp(&back.lookup, &rep.lookup, sizeof rep.lookup) == 0 &&
                        back.info.state == rep.info.state &&
                        back.info.exit_code == rep.info.exit_code &&
                        back.handle_count == 0);
}

/* A request from the input, strings sliced out of the input's tail. */
static void encode_request_mode(pm_fuzz_rd *r)
{
    static const uint16_t ops[] = {
        PM_OP_CREATE_PROCESS, PM_OP_EXIT_PROCESS, PM_OP_QUERY_PROCESS,
        PM_OP_LIST_PROCESSES, PM_OP_ADD_ARGS, PM_OP_ADD_ENVIRONS,
        PM_OP_ADD_NAMES, PM_OP_ADD_HANDLES, PM_OP_SET_INFO, PM_OP_LAUNCH,
        PM_OP_CREATE_WITHOUT_STARTING, PM_OP_START, PM_OP_RESOLVE,
        PM_OP_WAIT, PM_OP_WATCH, PM_OP_KILL, PM_OP_HANDLE_DUPLICATE,
        PM_OP_HANDLE_CLOSE, PM_OP_NONE, PM_OP_EVENT, PM_OP_OPEN_PROCESS,
        PM_OP_SIGNAL, PM_OP_SET_PRIORITY, PM_OP_SUSPEND, PM_OP_RESUME,
        PM_OP_SET_CWD, PM_OP_SET_EXECFN, PM_OP_SET_RLIMIT, PM_OP_QUERY_DETAILS, PM_OP_WAIT_ANY,
        PM_OP_JOB_CREATE, PM_OP_JOB_OPEN, PM_OP_JOB_SET_LIMIT, PM_OP_JOB_QUERY, 0x0500,
        PM_OP_LOOKUP_PROCESS
    };
    static pm_proto_request req, back;
    memset(&req, 0, sizeof req);
    req.opcode = ops[pm_fuzz_take(r, 1) % (sizeof ops / sizeof ops[0])];
    req.request_id = pm_fuzz_take(r, 8);
    req.handle_count = (uint32_t)pm_fuzz_take(r, 1) % (PM_PROTO_MAX_HANDLES + 2);
    for (int i = 0; i < 3; i++)
        req.handle[i] = (uint32_t)pm_fuzz_take(r, 1) % 3u == 0 ? PM_PROTO_NO_HANDLE
                                                       : (uint32_t)pm_fuzz_take(r, 1);
    req.flags = (uint32_t)pm_fuzz_take(r, 4);
    req.limit = (uint32_t)pm_fuzz_take(r, 4);
    req.value = pm_fuzz_take(r, 8);
    req.cursor = pm_fuzz_take(r, 8);
    req.str.off = (uint32_t)pm_fuzz_take(r, 2);
    req.str.len = (uint32_t)pm_fuzz_take(r, 2);
    uint32_t items = (uint32_t)pm_fuzz_take(r, 2) % (PM_PROTO_MAX_ITEMS + 2);
    req.item_count = items;
    for (uint32_t i = 0; i < items && i < PM_PROTO_MAX_ITEMS; i++) {
        req.items[i].handle = i;
        req.items[i].id = i * 3u;
        req.items[i].str.off = (uint32_t)(i * 2u);
        req.items[i].str.len = 1u + i % 3u;
    }
    if (items == 1u) {                    /* one item slice from the input */
        req.items[0].str.off = (uint32_t)pm_fuzz_take(r, 2);
        req.items[0].str.len = (uint32_t)pm_fuzz_take(r, 2);
    }
    size_t cap = (size_t)pm_fuzz_take(r, 4) % (sizeof OUT + 1);
    const uint8_t *src = r->off < r->n ? r->p + r->off : r->p;
    size_t src_len = r->off < r->n ? r->n - r->off : 0;
    if (src_len > PM_PROTO_MAX_MSG)
        src_len = PM_PROTO_MAX_MSG;
    size_t n = 12345;
    pm_status st = pm_proto_encode_request(&req, src, src_len, OUT, cap, &n);
    if (st != PM_OK) {
        PM_FUZZ_REQUIRE(n == 0);
        PM_FUZZ_REQUIRE(st == PM_E_PROTO_BAD_ARGUMENT || st == PM_E_PROTO_BUFFER_TOO_SMALL);
        return;
    }
    PM_FUZZ_REQUIRE(n >= PM_PROTO_HEADER_SIZE && n <= cap && n <= PM_PROTO_MAX_MSG);
    if (pm_proto_decode_request(OUT, n, req.handle_count, &back) == PM_OK) {
        static uint8_t again[PM_PROTO_MAX_MSG];
        size_t m = 0;
        PM_FUZZ_REQUIRE(back.opcode == req.opcode && back.request_id == req.request_id);
        PM_FUZZ_REQUIRE(pm_proto_encode_request(&back, OUT, n, again, sizeof again, &m) == PM_OK);
        PM_FUZZ_REQUIRE(m == n && memcmp(again, OUT, n) == 0);
    }
}

static void long_message_mode(pm_fuzz_rd *r)
{
    uint32_t handles = (uint32_t)pm_fuzz_take(r, 1) % (PM_PROTO_MAX_HANDLES + 2);
    size_t len = (size_t)pm_fuzz_take(r, 4) % (PM_PROTO_MAX_MSG + 65);
    size_t have = r->off < r->n ? r->n - r->off : 0;
    if (have > len)
        have = len;
    memset(OUT, 0, len);
    if (have > 0)
        memcpy(OUT, r->p + r->off, have);
    check_request(OUT, len, handles);
    check_reply(OUT, len, handles);
}

static void list_entry_mode(pm_fuzz_rd *r)
{
    pm_proto_reply rep;
    pm_proto_info info;
    memset(&rep, 0, sizeof rep);
    rep.list_count = (uint32_t)pm_fuzz_take(r, 2);
    rep.list_slice.off = (uint32_t)pm_fuzz_take(r, 4);
    rep.list_slice.len = (uint32_t)pm_fuzz_take(r, 4);
    uint32_t i = (uint32_t)pm_fuzz_take(r, 2);
    size_t len = (size_t)pm_fuzz_take(r, 4) % (PM_PROTO_MAX_MSG + 65);
    size_t have = r->off < r->n ? r->n - r->off : 0;
    if (have > len)
        len = have;
    memset(OUT, 0, len);
    if (have > 0)
        memcpy(OUT, r->p + r->off, have);
    memset(&info, 0x5a, sizeof info);
    if (pm_proto_reply_list_entry(OUT, len, &rep, i, &info) == PM_OK) {
        PM_FUZZ_REQUIRE(len <= PM_PROTO_MAX_MSG);
        PM_FUZZ_REQUIRE(i < rep.list_count && rep.list_count <= PM_PROTO_MAX_LIST);
        PM_FUZZ_REQUIRE(rep.list_slice.len == rep.list_count * PM_PROTO_INFO_SIZE);
        PM_FUZZ_REQUIRE((size_t)rep.list_slice.off + rep.list_slice.len <= len);
    } else {
        PM_FUZZ_REQUIRE(info.koid == 0 && info.state == 0 && info.exit_code == 0);
    }
}

/* One writer call on a cursor from the input; off <= cap as wr_ok needs. */
static void wire_mode(pm_fuzz_rd *r)
{
    static uint8_t buf[PM_PROTO_MAX_MSG];
    static const uint8_t src[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    uint32_t which = (uint32_t)pm_fuzz_take(r, 1) % 3u;
    pm_wr w;
    w.out = buf;
    w.cap = (uint32_t)pm_fuzz_take(r, 4) % (PM_PROTO_MAX_MSG + 1);
    w.off = (uint32_t)pm_fuzz_take(r, 4);
    w.off = w.cap == 0 ? 0 : w.off % (w.cap + 1u);
    uint32_t off0 = w.off, n = (uint32_t)pm_fuzz_take(r, 1) % 17u, size;
    pm_status st;
    if (which == 0) {
        st = pm_wire_wr32(&w, (uint32_t)pm_fuzz_take(r, 4));
        size = 4;
    } else if (which == 1) {
        st = pm_wire_wr64(&w, pm_fuzz_take(r, 8));
        size = 8;
    } else {
        st = pm_wire_wrbytes(&w, src, n);
        size = n;
    }
    PM_FUZZ_REQUIRE(w.off <= w.cap);
    if (st == PM_OK)
        PM_FUZZ_REQUIRE(w.off == off0 + size);
    else
        PM_FUZZ_REQUIRE(st == PM_E_PROTO_BUFFER_TOO_SMALL && w.off == off0 &&
                        (uint64_t)off0 + size > w.cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] >= 0xC0) {
        pm_fuzz_rd r = { data, size, 1 };
        switch (data[0]) {
        case 0xC0: encode_reply_mode(&r); break;
        case 0xC1: encode_request_mode(&r); break;
        case 0xC2: long_message_mode(&r); break;
        case 0xC3: list_entry_mode(&r); break;
        case 0xC4: wire_mode(&r); break;
        default: break;
        }
        return 0;
    }
    uint32_t handles = data[0] % (PM_PROTO_MAX_HANDLES + 2);
    check_request(data + 1, size - 1, handles);
    check_reply(data + 1, size - 1, handles);
    return 0;
}
