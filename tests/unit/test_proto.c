/* Protocol codec: every refusal code, every limit exactly at and one past
 * its bound, reply framing, and a deterministic mutation sweep that checks
 * the decoder's postcondition at run time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/proto.h"

static uint8_t buf[PM_PROTO_MAX_MSG + 64];
static uint8_t out[PM_PROTO_MAX_MSG + 64];
static pm_proto_request req;
static size_t blen;

/* ---- a tiny message builder (little-endian, independent of src/proto) ---- */
static void put32(size_t o, uint32_t v)
{
    for (int i = 0; i < 4; i++) buf[o + (size_t)i] = (uint8_t)(v >> (8 * i));
}
static void put64(size_t o, uint64_t v)
{
    for (int i = 0; i < 8; i++) buf[o + (size_t)i] = (uint8_t)(v >> (8 * i));
}
static void begin(uint16_t op, uint32_t handles)
{
    memset(buf, 0, PM_PROTO_HEADER_SIZE);
    put32(0, PM_PROTO_MAGIC);
    buf[4] = 1;
    buf[6] = (uint8_t)op;
    buf[7] = (uint8_t)(op >> 8);
    put32(12, handles);
    put64(16, 0x1122334455667788ull);
    blen = PM_PROTO_HEADER_SIZE;
}
static void u32(uint32_t v) { put32(blen, v); blen += 4; }
static void u64(uint64_t v) { put64(blen, v); blen += 8; }
static void str(const char *s, size_t n)
{
    u32((uint32_t)n);
    memcpy(buf + blen, s, n);
    blen += n;
}
static void fill(size_t n, char c)
{
    u32((uint32_t)n);
    memset(buf + blen, c, n);
    blen += n;
}
static pm_status finish(uint32_t handles)
{
    put32(24, (uint32_t)(blen - PM_PROTO_HEADER_SIZE));
    return pm_proto_decode_request(buf, blen, handles, &req);
}

/* The decoder's postcondition, checked at run time. */
static void check_postcondition(pm_status st, size_t len, uint32_t handles)
{
    if (st != PM_OK) {
        assert_int_equal(req.valid, 0);
        assert_int_equal(req.opcode, PM_OP_NONE);
        assert_int_equal(req.item_count, 0);
        assert_int_equal(req.handle_count, 0);
        return;
    }
    assert_int_equal(req.valid, PM_PROTO_REQUEST_VALID);
    assert_true(len >= PM_PROTO_HEADER_SIZE && len <= PM_PROTO_MAX_MSG);
    assert_true(handles <= PM_PROTO_MAX_HANDLES);
    assert_int_equal(req.handle_count, handles);
    assert_true(req.item_count <= PM_PROTO_MAX_ITEMS);
    assert_true((size_t)req.str.off + req.str.len <= len);
    for (int k = 0; k < 3; k++)
        assert_true(req.handle[k] == PM_PROTO_NO_HANDLE || req.handle[k] < handles);
    for (uint32_t i = 0; i < req.item_count; i++) {
        assert_true((size_t)req.items[i].str.off + req.items[i].str.len <= len);
        assert_true(req.items[i].str.len == 0 ||
                    req.items[i].str.off >= PM_PROTO_HEADER_SIZE);
        assert_true(req.items[i].handle == PM_PROTO_NO_HANDLE ||
                    req.items[i].handle < handles);
    }
}

/* ---- limits ------------------------------------------------------------- */

static void test_max_message(void **state)
{
    (void)state;
    /* 65536 bytes: header 32, count 4, two strings 4 + 32768 and 4 + 32724 */
    begin(PM_OP_ADD_ARGS, 0);
    u32(2);
    fill(PM_PROTO_MAX_ARG_LEN, 'a');
    fill(PM_PROTO_MAX_MSG - blen - 4, 'b');
    assert_int_equal(blen, PM_PROTO_MAX_MSG);
    assert_int_equal(finish(0), PM_OK);
    check_postcondition(PM_OK, blen, 0);
    assert_int_equal(req.items[1].str.off + req.items[1].str.len, PM_PROTO_MAX_MSG);
    /* one byte more: refused as too large, with a reply */
    buf[blen] = 'b';
    blen++;
    put32(24, (uint32_t)(blen - PM_PROTO_HEADER_SIZE));
    assert_int_equal(pm_proto_decode_request(buf, blen, 0, &req), PM_E_PROTO_TOO_LARGE);
    assert_int_equal(req.reply_to.can_reply, 1);
    check_postcondition(PM_E_PROTO_TOO_LARGE, blen, 0);
}

static void test_arg_length(void **state)
{
    (void)state;
    begin(PM_OP_ADD_ARGS, 0);
    u32(1);
    fill(PM_PROTO_MAX_ARG_LEN, 'x');
    assert_int_equal(finish(0), PM_OK);
    begin(PM_OP_ADD_ARGS, 0);
    u32(1);
    fill(PM_PROTO_MAX_ARG_LEN + 1, 'x');
    assert_int_equal(finish(0), PM_E_PROTO_STRING_TOO_LONG);
}

static void test_item_count(void **state)
{
    (void)state;
    begin(PM_OP_ADD_ENVIRONS, 0);
    u32(PM_PROTO_MAX_ITEMS);
    for (uint32_t i = 0; i < PM_PROTO_MAX_ITEMS; i++)
        str("A=1", 3);
    assert_int_equal(finish(0), PM_OK);
    assert_int_equal(req.item_count, PM_PROTO_MAX_ITEMS);
    check_postcondition(PM_OK, blen, 0);
    begin(PM_OP_ADD_ENVIRONS, 0);
    u32(PM_PROTO_MAX_ITEMS + 1);
    for (uint32_t i = 0; i <= PM_PROTO_MAX_ITEMS; i++)
        str("A=1", 3);
    assert_int_equal(finish(0), PM_E_PROTO_TOO_MANY_ITEMS);
}

static void test_handle_count(void **state)
{
    (void)state;
    begin(PM_OP_ADD_HANDLES, PM_PROTO_MAX_HANDLES);
    u32(PM_PROTO_MAX_HANDLES);
    for (uint32_t i = 0; i < PM_PROTO_MAX_HANDLES; i++) {
        u32(PM_PROTO_MAX_HANDLES - 1 - i);   /* any order, each once */
        u32(i);
    }
    assert_int_equal(finish(PM_PROTO_MAX_HANDLES), PM_OK);
    check_postcondition(PM_OK, blen, PM_PROTO_MAX_HANDLES);
    assert_int_equal(req.items[0].handle, 63);
    /* 65 handles */
    begin(PM_OP_ADD_HANDLES, PM_PROTO_MAX_HANDLES + 1);
    u32(0);
    assert_int_equal(finish(PM_PROTO_MAX_HANDLES + 1), PM_E_PROTO_TOO_MANY_HANDLES);
    /* 65 list entries with 64 handles: the list bound comes first */
    begin(PM_OP_ADD_HANDLES, PM_PROTO_MAX_HANDLES);
    u32(PM_PROTO_MAX_HANDLES + 1);
    assert_int_equal(finish(PM_PROTO_MAX_HANDLES), PM_E_PROTO_TOO_MANY_ITEMS);
    /* the last of 64 handles unreferenced */
    begin(PM_OP_ADD_HANDLES, PM_PROTO_MAX_HANDLES);
    u32(PM_PROTO_MAX_HANDLES - 1);
    for (uint32_t i = 0; i + 1 < PM_PROTO_MAX_HANDLES; i++) {
        u32(i);
        u32(0);
    }
    assert_int_equal(finish(PM_PROTO_MAX_HANDLES), PM_E_PROTO_HANDLE_UNREFERENCED);
}

static void test_path_length(void **state)
{
    (void)state;
    char path[PM_PROTO_MAX_PATH_LEN + 1];
    memset(path, 'p', sizeof path);
    path[0] = '/';
    begin(PM_OP_ADD_NAMES, 1);
    u32(1);
    u32(0);
    str(path, PM_PROTO_MAX_PATH_LEN);
    assert_int_equal(finish(1), PM_OK);
    begin(PM_OP_ADD_NAMES, 1);
    u32(1);
    u32(0);
    str(path, PM_PROTO_MAX_PATH_LEN + 1);
    assert_int_equal(finish(1), PM_E_PROTO_STRING_TOO_LONG);
}

static void test_name_lengths(void **state)
{
    (void)state;
    char name[PM_PROTO_MAX_RESOLVE_NAME + 1];
    memset(name, 'n', sizeof name);
    begin(PM_OP_SET_INFO, 1);
    u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(0);
    str(name, PM_PROTO_MAX_PROCESS_NAME);
    assert_int_equal(finish(1), PM_OK);
    assert_int_equal(req.str.len, PM_PROTO_MAX_PROCESS_NAME);
    begin(PM_OP_SET_INFO, 1);
    u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(0);
    str(name, PM_PROTO_MAX_PROCESS_NAME + 1);
    assert_int_equal(finish(1), PM_E_PROTO_STRING_TOO_LONG);
    begin(PM_OP_RESOLVE, 0);
    str(name, PM_PROTO_MAX_RESOLVE_NAME);
    assert_int_equal(finish(0), PM_OK);
    begin(PM_OP_RESOLVE, 0);
    str(name, PM_PROTO_MAX_RESOLVE_NAME + 1);
    assert_int_equal(finish(0), PM_E_PROTO_STRING_TOO_LONG);
}

static void test_list_limit(void **state)
{
    (void)state;
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_BY_PARENT); u32(PM_PROTO_MAX_LIST); u64(1); u64(0);
    assert_int_equal(finish(0), PM_OK);
    assert_int_equal(req.limit, PM_PROTO_MAX_LIST);
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_BY_PARENT); u32(PM_PROTO_MAX_LIST + 1); u64(1); u64(0);
    assert_int_equal(finish(0), PM_E_PROTO_FIELD_RANGE);
}

/* ---- path rules ----------------------------------------------------------- */

static pm_status resolve(const char *name)
{
    begin(PM_OP_RESOLVE, 0);
    str(name, strlen(name));
    return finish(0);
}

static pm_status add_name(const char *path)
{
    begin(PM_OP_ADD_NAMES, 1);
    u32(1);
    u32(0);
    str(path, strlen(path));
    return finish(1);
}

static void test_paths(void **state)
{
    (void)state;
    assert_int_equal(add_name("/"), PM_OK);
    assert_int_equal(add_name("/a"), PM_OK);
    assert_int_equal(add_name("/a/b.c/..d/..."), PM_OK);
    assert_int_equal(add_name("a"), PM_E_PROTO_PATH_NOT_ABSOLUTE);
    assert_int_equal(add_name("//"), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(add_name("/a//b"), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(add_name("/a/."), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(add_name("/a/.."), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(add_name("/../a"), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(resolve("a"), PM_OK);
    assert_int_equal(resolve("..."), PM_OK);
    assert_int_equal(resolve(".a/b."), PM_OK);
    assert_int_equal(resolve("."), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(resolve(".."), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(resolve("a/"), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(resolve("a//b"), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(resolve("a/./b"), PM_E_PROTO_PATH_NOT_NORMAL);
    assert_int_equal(resolve("/"), PM_E_PROTO_NAME_ABSOLUTE);
    begin(PM_OP_RESOLVE, 0);
    str("a\0b", 3);
    assert_int_equal(finish(0), PM_E_PROTO_EMBEDDED_NUL);
}

/* ---- reply framing ---------------------------------------------------------- */

static void test_error_reply(void **state)
{
    (void)state;
    pm_proto_reply r;
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_LAUNCH;
    r.request_id = 42;
    r.status = PM_E_PROTO_BAD_FLAGS;
    r.koid = 99;                     /* ignored: errors carry nothing else */
    size_t n = 0;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(n, PM_PROTO_HEADER_SIZE + 4);
    assert_int_equal(r.handle_count, 0);
    assert_int_equal(out[6] | out[7] << 8, PM_OP_LAUNCH | PM_PROTO_REPLY_BIT);
    assert_int_equal(out[32], PM_E_PROTO_BAD_FLAGS);
    pm_proto_reply back;
    assert_int_equal(pm_proto_decode_reply(out, n, 0, &back), PM_OK);
    assert_int_equal(back.status, PM_E_PROTO_BAD_FLAGS);
    assert_int_equal(back.request_id, 42);
    assert_int_equal(back.koid, 0);
}

static void test_reply_encoder_refusals(void **state)
{
    (void)state;
    pm_proto_reply r;
    size_t n = 1;
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_KILL;
    r.status = PM_STATUS_MAX_;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    assert_int_equal(n, 0);
    r.status = PM_OK;
    r.opcode = 0x010B;   /* unassigned */
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.opcode = PM_OP_QUERY_PROCESS;
    r.name = (const uint8_t *)"x";
    r.name_len = PM_PROTO_MAX_PROCESS_NAME + 1;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.name_len = 1;
    r.info.state = PM_STATE_MAX + 1;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.info.state = PM_STATE_RUNNING;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(n, PM_PROTO_HEADER_SIZE + 4 + PM_PROTO_INFO_SIZE + 4 + 1);
    /* one byte short of that */
    assert_int_equal(pm_proto_encode_reply(&r, out, n - 1, &n), PM_E_PROTO_BUFFER_TOO_SMALL);
    assert_int_equal(n, 0);
    assert_int_equal(pm_proto_encode_reply(&r, out, 8, &n), PM_E_PROTO_BUFFER_TOO_SMALL);
    r.opcode = PM_OP_EVENT;
    r.event = PM_EVENT_EXITED | PM_EVENT_KILLED;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.event = PM_EVENT_FAULTED;
    r.status = PM_E_PROTO_BAD_FLAGS;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
}

static void test_list_reply_full(void **state)
{
    (void)state;
    static pm_proto_info list[PM_PROTO_MAX_LIST];
    pm_proto_reply r, back;
    size_t n = 0;
    for (uint32_t i = 0; i < PM_PROTO_MAX_LIST; i++) {
        list[i].koid = 1000 + i;
        list[i].parent_koid = 1;
        list[i].job_koid = 2;
        list[i].state = i % (PM_STATE_MAX + 1);
        list[i].exit_code = i;
    }
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_LIST_PROCESSES;
    r.list = list;
    r.list_count = PM_PROTO_MAX_LIST;
    r.next_cursor = 1255;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(n, PM_PROTO_HEADER_SIZE + 4 + 16 + PM_PROTO_MAX_LIST * PM_PROTO_INFO_SIZE);
    assert_int_equal(pm_proto_decode_reply(out, n, 0, &back), PM_OK);
    assert_int_equal(back.list_count, PM_PROTO_MAX_LIST);
    assert_int_equal(back.next_cursor, 1255);
    pm_proto_info e;
    assert_int_equal(pm_proto_reply_list_entry(out, n, &back, 255, &e), PM_OK);
    assert_int_equal(e.koid, 1255);
    assert_int_equal(e.exit_code, 255);
    r.list_count = PM_PROTO_MAX_LIST + 1;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
}

static void test_request_encoder_refusals(void **state)
{
    (void)state;
    size_t n = 1;
    memset(&req, 0, sizeof req);
    req.opcode = 0x0500;   /* unassigned */
    assert_int_equal(pm_proto_encode_request(&req, buf, 0, out, sizeof out, &n),
                     PM_E_PROTO_BAD_ARGUMENT);
    assert_int_equal(n, 0);
    req.opcode = PM_OP_RESOLVE;
    req.str.off = 10;
    req.str.len = 10;                 /* outside a 12-byte source */
    assert_int_equal(pm_proto_encode_request(&req, buf, 12, out, sizeof out, &n),
                     PM_E_PROTO_BAD_ARGUMENT);
    req.str.len = 2;
    assert_int_equal(pm_proto_encode_request(&req, buf, 12, out, 37, &n),
                     PM_E_PROTO_BUFFER_TOO_SMALL);
    assert_int_equal(pm_proto_encode_request(&req, buf, 12, out, 38, &n), PM_OK);
    assert_int_equal(n, 38);
}

/* ---- OPEN_PROCESS -------------------------------------------------------- */

/* Every non-zero subset of the rights is accepted and decoded into
 * (value = koid, flags = rights); zero, each reserved bit and a non-zero
 * reserved word are refused; the reply carries exactly one handle. */
static void test_open_process(void **state)
{
    (void)state;
    for (uint32_t rights = 0; rights <= 0xFFFu; rights++) {
        begin(PM_OP_OPEN_PROCESS, 0);
        u64(0xABCDEF0123ull); u32(rights); u32(0);
        pm_status st = finish(0);
        check_postcondition(st, blen, 0);
        if (rights == 0)
            assert_int_equal(st, PM_E_PROTO_FIELD_RANGE);
        else if (rights > PM_RIGHTS_ALL)
            assert_int_equal(st, PM_E_PROTO_BAD_FLAGS);
        else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(req.opcode, PM_OP_OPEN_PROCESS);
            assert_int_equal(req.value, 0xABCDEF0123ull);
            assert_int_equal(req.flags, rights);
            assert_int_equal(req.handle[0], PM_PROTO_NO_HANDLE);
            /* the client encoder writes the same bytes */
            size_t n = 0;
            assert_int_equal(pm_proto_encode_request(&req, buf, 0, out, sizeof out, &n), PM_OK);
            assert_int_equal(n, blen);
            assert_memory_equal(out, buf, n);
        }
    }
    begin(PM_OP_OPEN_PROCESS, 0);
    u64(1); u32(PM_RIGHT_WAIT); u32(2);
    assert_int_equal(finish(0), PM_E_PROTO_RESERVED_NONZERO);
    begin(PM_OP_OPEN_PROCESS, 1);
    u64(1); u32(PM_RIGHT_WAIT); u32(0);
    assert_int_equal(finish(1), PM_E_PROTO_HANDLE_UNREFERENCED);

    pm_proto_reply r, back;
    size_t n = 0;
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_OPEN_PROCESS;
    r.request_id = 77;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(r.handle_count, 1);
    assert_int_equal(n, PM_PROTO_HEADER_SIZE + 8u);
    assert_int_equal(pm_proto_decode_reply(out, n, 1, &back), PM_OK);
    assert_int_equal(back.opcode, PM_OP_OPEN_PROCESS);
    assert_int_equal(back.request_id, 77);
    assert_int_equal(back.handle_count, 1);
    assert_int_equal(pm_proto_decode_reply(out, n, 0, &back), PM_E_PROTO_HANDLE_COUNT_MISMATCH);
}

/* ---- LOOKUP_PROCESS and LIST_PROCESSES filter ENDED (issue 20) ------------- */

/* LOOKUP_PROCESS: u64 koid (non-zero), u32 reserved = 0, as JOB_OPEN; the
 * reply round-trips the record, host pid, end time, wait status, the
 * collected flag and the name; LIST_PROCESSES filter ENDED takes koid 0. */
static void check_reencodes(void);

static void test_lookup(void **state)
{
    (void)state;
    begin(PM_OP_LOOKUP_PROCESS, 0);
    u64(0x0102030405ull); u32(0);
    pm_status st = finish(0);
    check_postcondition(st, blen, 0);
    assert_int_equal(st, PM_OK);
    assert_int_equal(req.opcode, PM_OP_LOOKUP_PROCESS);
    assert_int_equal(req.value, 0x0102030405ull);
    check_reencodes();
    begin(PM_OP_LOOKUP_PROCESS, 0);
    u64(0); u32(0);
    assert_int_equal(finish(0), PM_E_PROTO_FIELD_RANGE);
    begin(PM_OP_LOOKUP_PROCESS, 0);
    u64(5); u32(1);
    assert_int_equal(finish(0), PM_E_PROTO_RESERVED_NONZERO);
    begin(PM_OP_LOOKUP_PROCESS, 0);
    u64(5);
    assert_int_equal(finish(0), PM_E_PROTO_PAYLOAD_TRUNCATED);
    begin(PM_OP_LOOKUP_PROCESS, 1);
    u64(5); u32(0);
    assert_int_equal(finish(1), PM_E_PROTO_HANDLE_UNREFERENCED);

    /* LIST_PROCESSES: filter 3 ENDED with koid 0 only; 4 is out of range */
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_ENDED); u32(256); u64(0); u64(17);
    assert_int_equal(finish(0), PM_OK);
    assert_int_equal(req.flags, PM_LIST_ENDED);
    assert_int_equal(req.cursor, 17);
    check_reencodes();
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_ENDED); u32(1); u64(9); u64(0);
    assert_int_equal(finish(0), PM_E_PROTO_FIELD_RANGE);
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_ENDED + 1); u32(1); u64(0); u64(0);
    assert_int_equal(finish(0), PM_E_PROTO_FIELD_RANGE);

    pm_proto_reply r, back;
    size_t n = 0;
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_LOOKUP_PROCESS;
    r.request_id = 99;
    r.info.koid = 42;
    r.info.parent_koid = 7;
    r.info.job_koid = 42;
    r.info.state = PM_STATE_KILLED;
    r.info.exit_code = 10;
    r.lookup.pid = 4194304;
    r.lookup.end_time_ns = 1796657260933444246ull;
    r.lookup.wait_status = 10;
    r.lookup.collected = PM_LOOKUP_COLLECTED;
    r.name = (const uint8_t *)"n\"a\tme";
    r.name_len = 7;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(r.handle_count, 0);
    assert_int_equal(n, PM_PROTO_HEADER_SIZE + 4 + PM_PROTO_INFO_SIZE + 24 + 4 + 7);
    assert_int_equal(pm_proto_decode_reply(out, n, 0, &back), PM_OK);
    assert_int_equal(back.opcode, PM_OP_LOOKUP_PROCESS);
    assert_int_equal(back.request_id, 99);
    assert_int_equal(back.info.koid, 42);
    assert_int_equal(back.info.parent_koid, 7);
    assert_int_equal(back.info.state, PM_STATE_KILLED);
    assert_int_equal(back.info.exit_code, 10);
    assert_int_equal(back.lookup.pid, 4194304);
    assert_int_equal(back.lookup.end_time_ns, 1796657260933444246ull);
    assert_int_equal(back.lookup.wait_status, 10);
    assert_int_equal(back.lookup.collected, PM_LOOKUP_COLLECTED);
    assert_int_equal(back.name_slice.len, 7);
    assert_memory_equal(out + back.name_slice.off, "n\"a\tme", 7);
    /* every prefix is refused */
    for (size_t len = PM_PROTO_HEADER_SIZE; len < n; len++) {
        memcpy(buf, out, len);
        put32(24, (uint32_t)(len - PM_PROTO_HEADER_SIZE));
        assert_int_not_equal(pm_proto_decode_reply(buf, len, 0, &back), PM_OK);
    }
    /* collected 2 on the wire: FIELD_RANGE; the encoder never writes it */
    memcpy(buf, out, n);
    put32(PM_PROTO_HEADER_SIZE + 4 + PM_PROTO_INFO_SIZE + 20, 2);
    assert_int_equal(pm_proto_decode_reply(buf, n, 0, &back), PM_E_PROTO_FIELD_RANGE);
    r.lookup.collected = 2;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.lookup.collected = 0;
    r.name_len = PM_PROTO_MAX_PROCESS_NAME + 1;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.name_len = 0;
    r.info.state = PM_STATE_MAX + 1;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_E_PROTO_BAD_ARGUMENT);
    r.info.state = PM_STATE_RUNNING;
    r.lookup.end_time_ns = r.lookup.wait_status = 0;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(pm_proto_decode_reply(out, n, 0, &back), PM_OK);
    assert_int_equal(back.lookup.collected, 0);
    assert_int_equal(back.name_slice.len, 0);
}

/* ---- control opcodes (issue 6) -------------------------------------------- */

/* Re-encoding a decoded request gives the same bytes (its strings are
 * slices of buf). */
static void check_reencodes(void)
{
    size_t n = 0;
    assert_int_equal(pm_proto_encode_request(&req, buf, blen, out, sizeof out, &n), PM_OK);
    assert_int_equal(n, blen);
    assert_memory_equal(out, buf, n);
}

/* SIGNAL: signals 1..64 decode into (handle[0], flags = signal); 0 and 65
 * and up are FIELD_RANGE; a non-zero grace_ns is FIELD_RANGE. */
static void test_signal(void **state)
{
    (void)state;
    for (uint32_t sig = 0; sig <= 80u; sig++) {
        begin(PM_OP_SIGNAL, 1);
        u32(0); u32(sig); u64(0);
        pm_status st = finish(1);
        check_postcondition(st, blen, 1);
        if (sig < PM_SIGNAL_MIN || sig > PM_SIGNAL_MAX) {
            assert_int_equal(st, PM_E_PROTO_FIELD_RANGE);
        } else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(req.opcode, PM_OP_SIGNAL);
            assert_int_equal(req.handle[0], 0);
            assert_int_equal(req.flags, sig);
            assert_int_equal(req.value, 0);
            check_reencodes();
        }
    }
    begin(PM_OP_SIGNAL, 1);
    u32(0); u32(15); u64(1000000000ull);
    assert_int_equal(finish(1), PM_E_PROTO_FIELD_RANGE);
    begin(PM_OP_SIGNAL, 1);
    u32(0); u32(15);
    assert_int_equal(finish(1), PM_E_PROTO_PAYLOAD_TRUNCATED);
    begin(PM_OP_SIGNAL, 0);
    u32(PM_PROTO_NO_HANDLE); u32(15); u64(0);
    assert_int_equal(finish(0), PM_E_PROTO_HANDLE_REQUIRED);
}

/* SET_EXECFN (issue 15): one string, 1..4095 bytes (PATH_MAX - 1), no
 * NUL, any bytes else (relative too: as execve was given it). */
static void test_execfn(void **state)
{
    (void)state;
    static char path[PM_PROTO_MAX_EXECFN + 2];
    memset(path, 'p', sizeof path);
    path[0] = '/';
    for (size_t n = PM_PROTO_MAX_EXECFN - 1; n <= PM_PROTO_MAX_EXECFN + 1; n++) {
        begin(PM_OP_SET_EXECFN, 0);
        str(path, n);
        pm_status st = finish(0);
        check_postcondition(st, blen, 0);
        if (n > PM_PROTO_MAX_EXECFN) {
            assert_int_equal(st, PM_E_PROTO_STRING_TOO_LONG);
        } else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(req.opcode, PM_OP_SET_EXECFN);
            assert_int_equal(req.str.len, n);
            assert_memory_equal(buf + req.str.off, path, n);
            check_reencodes();
        }
    }
    begin(PM_OP_SET_EXECFN, 0);
    str("./prog", 6);
    assert_int_equal(finish(0), PM_OK);
    check_reencodes();
    begin(PM_OP_SET_EXECFN, 0);
    str("", 0);
    assert_int_equal(finish(0), PM_E_PROTO_STRING_EMPTY);
    begin(PM_OP_SET_EXECFN, 0);
    str("/bin/a\0b", 8);
    assert_int_equal(finish(0), PM_E_PROTO_EMBEDDED_NUL);
    begin(PM_OP_SET_EXECFN, 0);
    u32(100); str("/bin", 4);
    assert_int_equal(finish(0), PM_E_PROTO_PAYLOAD_TRUNCATED);
    begin(PM_OP_SET_EXECFN, 0);
    u32(UINT32_MAX);
    assert_int_equal(finish(0), PM_E_PROTO_STRING_TOO_LONG);
    begin(PM_OP_SET_EXECFN, 0);
    assert_int_equal(finish(0), PM_E_PROTO_PAYLOAD_TRUNCATED);
    begin(PM_OP_SET_EXECFN, 1);
    str("/bin/x", 6);
    assert_int_equal(finish(1), PM_E_PROTO_HANDLE_UNREFERENCED);
}

/* SET_CWD: one required directory handle.  SET_RLIMIT: resources 0..3,
 * reserved word 0, soft <= hard.  SET_INFO: flags a subset of 0x7. */
static void test_cwd_rlimit_flags(void **state)
{
    (void)state;
    begin(PM_OP_SET_CWD, 1);
    u32(0);
    assert_int_equal(finish(1), PM_OK);
    assert_int_equal(req.handle[0], 0);
    check_reencodes();
    begin(PM_OP_SET_CWD, 0);
    u32(PM_PROTO_NO_HANDLE);
    assert_int_equal(finish(0), PM_E_PROTO_HANDLE_REQUIRED);
    /* the order of HANDLE_REQUIRED and HANDLE_INDEX (spec/protocol.md
     * section 4, issue 18 item 12): 0xFFFFFFFF is never an index (in a
     * required field: HANDLE_REQUIRED), any other value >= handle_count
     * is HANDLE_INDEX, and the first field that fails decides */
    begin(PM_OP_SET_CWD, 0);
    u32(0);
    assert_int_equal(finish(0), PM_E_PROTO_HANDLE_INDEX);
    begin(PM_OP_SET_INFO, 1);
    u32(PM_PROTO_NO_HANDLE); u32(7); u32(PM_PROTO_NO_HANDLE); u32(0); u32(0);
    assert_int_equal(finish(1), PM_E_PROTO_HANDLE_REQUIRED);
    begin(PM_OP_SET_INFO, 1);
    u32(7); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(0); u32(0);
    assert_int_equal(finish(1), PM_E_PROTO_HANDLE_INDEX);

    for (uint32_t res = 0; res <= 6u; res++) {
        begin(PM_OP_SET_RLIMIT, 1);
        u32(0); u32(res); u32(0); u64(5); u64(PM_RLIMIT_INFINITY);
        pm_status st = finish(1);
        check_postcondition(st, blen, 1);
        if (res > PM_RLIMIT_MAX) {
            assert_int_equal(st, PM_E_PROTO_FIELD_RANGE);
        } else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(req.flags, res);
            assert_int_equal(req.value, 5);
            assert_true(req.cursor == PM_RLIMIT_INFINITY);
            check_reencodes();
        }
    }
    begin(PM_OP_SET_RLIMIT, 1);
    u32(0); u32(PM_RLIMIT_CPU); u32(0); u64(3); u64(2);
    assert_int_equal(finish(1), PM_E_PROTO_FIELD_RANGE);
    begin(PM_OP_SET_RLIMIT, 1);
    u32(0); u32(PM_RLIMIT_CPU); u32(9); u64(1); u64(2);
    assert_int_equal(finish(1), PM_E_PROTO_RESERVED_NONZERO);

    for (uint32_t flags = 0; flags <= 16u; flags++) {
        begin(PM_OP_SET_INFO, 1);
        u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(flags); u32(0);
        pm_status st = finish(1);
        check_postcondition(st, blen, 1);
        if ((flags & ~PM_INFO_FLAGS_ALL) != 0u) {
            assert_int_equal(st, PM_E_PROTO_BAD_FLAGS);
        } else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(req.flags, flags);
            size_t n = 0;   /* the name slice points into buf */
            assert_int_equal(pm_proto_encode_request(&req, buf, blen, out, sizeof out, &n), PM_OK);
            assert_int_equal(n, blen);
            assert_memory_equal(out, buf, n);
        }
    }
}

/* SET_PRIORITY: levels 0..5; SUSPEND and RESUME: one required handle. */
static void test_priority_suspend(void **state)
{
    (void)state;
    for (uint32_t level = 0; level <= 10u; level++) {
        begin(PM_OP_SET_PRIORITY, 1);
        u32(0); u32(level);
        pm_status st = finish(1);
        check_postcondition(st, blen, 1);
        if (level > PM_PRIORITY_MAX) {
            assert_int_equal(st, PM_E_PROTO_FIELD_RANGE);
        } else {
            assert_int_equal(st, PM_OK);
            assert_int_equal(req.flags, level);
            check_reencodes();
        }
    }
    const uint16_t ops[2] = { PM_OP_SUSPEND, PM_OP_RESUME };
    for (int i = 0; i < 2; i++) {
        begin(ops[i], 1);
        u32(0);
        assert_int_equal(finish(1), PM_OK);
        assert_int_equal(req.opcode, ops[i]);
        assert_int_equal(req.handle[0], 0);
        check_reencodes();
        begin(ops[i], 1);
        u32(0); u32(0);
        assert_int_equal(finish(1), PM_E_PROTO_TRAILING_BYTES);
        begin(ops[i], 0);
        u32(PM_PROTO_NO_HANDLE);
        assert_int_equal(finish(0), PM_E_PROTO_HANDLE_REQUIRED);
    }
    /* replies: status only */
    pm_proto_reply r, back;
    size_t n = 0;
    memset(&r, 0, sizeof r);
    r.opcode = PM_OP_SIGNAL;
    r.request_id = 5;
    assert_int_equal(pm_proto_encode_reply(&r, out, sizeof out, &n), PM_OK);
    assert_int_equal(n, PM_PROTO_HEADER_SIZE + 4u);
    assert_int_equal(r.handle_count, 0);
    assert_int_equal(pm_proto_decode_reply(out, n, 0, &back), PM_OK);
    assert_int_equal(back.opcode, PM_OP_SIGNAL);
}

/* ---- robustness sweep ----------------------------------------------------- */

static uint32_t rng = 0x9E3779B9u;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void test_prefixes_and_mutations(void **state)
{
    (void)state;
    /* a valid SET_INFO, then every prefix and 20000 random mutations */
    begin(PM_OP_SET_INFO, 2);
    u32(1); u32(0); u32(PM_PROTO_NO_HANDLE); u32(0);
    str("net", 3);
    assert_int_equal(finish(2), PM_OK);
    size_t full = blen;
    static uint8_t orig[256];
    memcpy(orig, buf, full);
    for (size_t len = 0; len < full; len++) {
        pm_status st = pm_proto_decode_request(buf, len, 2, &req);
        assert_int_not_equal(st, PM_OK);
        check_postcondition(st, len, 2);
    }
    unsigned accepted = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, orig, full);
        int flips = 1 + (int)(next_rand() % 4);
        for (int f = 0; f < flips; f++)
            buf[next_rand() % full] = (uint8_t)next_rand();
        uint32_t handles = next_rand() % 4;
        pm_status st = pm_proto_decode_request(buf, full, handles, &req);
        check_postcondition(st, full, handles);
        pm_proto_reply rep;
        (void)pm_proto_decode_reply(buf, full, handles, &rep);
        if (st == PM_OK)
            accepted++;
    }
    assert_true(accepted > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_max_message),
        cmocka_unit_test(test_arg_length),
        cmocka_unit_test(test_item_count),
        cmocka_unit_test(test_handle_count),
        cmocka_unit_test(test_path_length),
        cmocka_unit_test(test_name_lengths),
        cmocka_unit_test(test_execfn),
        cmocka_unit_test(test_list_limit),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_error_reply),
        cmocka_unit_test(test_reply_encoder_refusals),
        cmocka_unit_test(test_list_reply_full),
        cmocka_unit_test(test_request_encoder_refusals),
        cmocka_unit_test(test_open_process),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_signal),
        cmocka_unit_test(test_priority_suspend),
        cmocka_unit_test(test_cwd_rlimit_flags),
        cmocka_unit_test(test_prefixes_and_mutations),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
