/* Replays spec/protocol-vectors.txt: every vector decodes to its expected
 * status; a refused request leaves no request behind and says whether a
 * reply can be framed; every accepted message re-encodes to its bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/proto.h"

#ifndef PROTO_VECTORS
#define PROTO_VECTORS "spec/protocol-vectors.txt"
#endif

static char line[2 * PM_PROTO_MAX_MSG + 512];
static uint8_t msg[PM_PROTO_MAX_MSG + 1];
static uint8_t out[PM_PROTO_MAX_MSG];
static pm_proto_request req;
static const char *vectors_path = PROTO_VECTORS;

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static size_t unhex(const char *hex)
{
    size_t n = strlen(hex);
    assert_int_equal(n % 2, 0);
    assert_true(n / 2 <= sizeof msg);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        assert_true(hi >= 0 && lo >= 0);
        msg[i] = (uint8_t)(hi * 16 + lo);
    }
    return n / 2;
}

static void replay_request(const char *name, size_t len, uint32_t handles,
                           const char *expect)
{
    pm_status st = pm_proto_decode_request(msg, len, handles, &req);
    if (strcmp(pm_status_name(st), expect) != 0)
        fail_msg("%s: decoded %s, expected %s", name, pm_status_name(st), expect);
    if (st != PM_OK) {
        assert_int_equal(req.valid, 0);
        assert_int_equal(req.opcode, PM_OP_NONE);
        assert_int_equal(req.item_count, 0);
        assert_int_equal(req.reply_to.can_reply,
                         st != PM_E_PROTO_TRUNCATED && st != PM_E_PROTO_BAD_MAGIC);
        return;
    }
    assert_int_equal(req.valid, PM_PROTO_REQUEST_VALID);
    assert_int_equal(req.handle_count, handles);
    assert_true(req.str.off + req.str.len <= len);
    for (uint32_t i = 0; i < req.item_count; i++)
        assert_true(req.items[i].str.off + req.items[i].str.len <= len);
    size_t olen = 0;
    st = pm_proto_encode_request(&req, msg, len, out, sizeof out, &olen);
    assert_int_equal(st, PM_OK);
    if (olen != len || memcmp(out, msg, len) != 0)
        fail_msg("%s: re-encoding differs", name);
}

static void replay_reply(const char *name, size_t len, uint32_t handles,
                         const char *expect)
{
    pm_proto_reply rep;
    static pm_proto_info list[PM_PROTO_MAX_LIST];
    pm_status st = pm_proto_decode_reply(msg, len, handles, &rep);
    if (strcmp(pm_status_name(st), expect) != 0)
        fail_msg("%s: decoded %s, expected %s", name, pm_status_name(st), expect);
    if (st != PM_OK)
        return;
    assert_int_equal(rep.handle_count, handles);
    rep.name = msg + rep.name_slice.off;
    rep.name_len = rep.name_slice.len;
    for (uint32_t i = 0; i < rep.list_count; i++)
        assert_int_equal(pm_proto_reply_list_entry(msg, len, &rep, i, &list[i]), PM_OK);
    pm_proto_info past;
    assert_int_equal(pm_proto_reply_list_entry(msg, len, &rep, rep.list_count, &past),
                     PM_E_PROTO_BAD_ARGUMENT);
    rep.list = list;
    size_t olen = 0;
    st = pm_proto_encode_reply(&rep, out, sizeof out, &olen);
    assert_int_equal(st, PM_OK);
    assert_int_equal(rep.handle_count, handles);
    if (olen != len || memcmp(out, msg, len) != 0)
        fail_msg("%s: re-encoding differs", name);
}

static void test_vectors(void **state)
{
    (void)state;
    FILE *f = fopen(vectors_path, "r");
    if (f == NULL)
        fail_msg("cannot open %s (run from the repository root)", vectors_path);
    unsigned nreq = 0, nrep = 0, nok = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char name[128], dir[8], expect[64];
        unsigned handles;
        int hexpos = -1;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "vector %127s %7s %u %63s %n", name, dir, &handles,
                   expect, &hexpos) != 4 || hexpos < 0)
            fail_msg("malformed vector line: %.80s", line);
        size_t len = unhex(line + hexpos);
        if (strcmp(expect, "OK") == 0)
            nok++;
        if (strcmp(dir, "req") == 0) {
            replay_request(name, len, handles, expect);
            nreq++;
        } else if (strcmp(dir, "rep") == 0) {
            replay_reply(name, len, handles, expect);
            nrep++;
        } else {
            fail_msg("%s: unknown direction %s", name, dir);
        }
    }
    fclose(f);
    printf("replayed %u request and %u reply vectors (%u accepted)\n", nreq, nrep, nok);
    assert_true(nreq >= 19 && nrep >= 19);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        vectors_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
    };
    return cmocka_run_group_tests_name("proto_vectors", tests, NULL, NULL);
}
