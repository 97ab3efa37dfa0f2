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
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/proto.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t handles = data[0] % (PM_PROTO_MAX_HANDLES + 2);
    check_request(data + 1, size - 1, handles);
    check_reply(data + 1, size - 1, handles);
    return 0;
}
