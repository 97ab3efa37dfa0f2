/*
 * Fuzz harness: name resolution, the lookup of a client-supplied name in a
 * name -> image table (pm_dispatch_find_entry: RESOLVE names, and the
 * same lookup for PT_INTERP strings and `#!` interpreters), alone and
 * through the dispatcher's RESOLVE over the sim.
 *
 * Input, zero past the end:
 *   u8  mode    bit 0: through the dispatcher (else the lookup alone)
 *   u8  n       table entries (n % (PM_DISPATCH_MAX_TABLE + 2): one more
 *               than a configuration may hold, for the lookup alone)
 *   per entry   u8 how: how % 4 == 0 a copy of the query name, 1 the
 *               query minus its last byte, 2 the query with one byte
 *               changed (index and xor in the next two bytes), 3 fresh
 *               bytes: u8 length (% 40) then the bytes; bits 2-3 of how
 *               pick the entry's image (dispatcher mode)
 *   the rest    the query name
 * Every name (entries and query) lives in a buffer of exactly its length,
 * so ASan sees a read past one.  The lookup must return the index of the
 * FIRST entry whose name is byte for byte the query (same length), or n
 * when there is none, compared with a direct search.  Through the
 * dispatcher: a well-formed RESOLVE message carrying the query must answer
 * RESOLVE_NOT_FOUND exactly when the search finds nothing (or the table is
 * empty), else the found entry's outcome (a static program: one image cap;
 * a dynamic one: two; a file that is not ELF: an ELF code and no cap); a
 * query the codec refuses (empty, too long, NUL inside) never reaches the
 * lookup.  Afterwards the sim must be empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "procmgr/dispatch.h"
#include "procmgr/sim.h"
#include "../tests/support/elfimg.h"

#define NENT (PM_DISPATCH_MAX_TABLE + 1u)

static pm_dispatch_entry T[NENT];
static uint8_t *NAMES[NENT];
static uint32_t IMG_OF[NENT];

/* The index of the first entry equal to q[0, len), or n: the reference. */
static uint32_t search(uint32_t n, const uint8_t *q, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (T[i].name_len == len && (len == 0 || memcmp(T[i].name, q, len) == 0))
            return i;
    return n;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    PM_FUZZ_REQUIRE(b != NULL);
    if (n)
        memcpy(b, p, n);
    return b;
}

/* Entries built from the input against the query (the input's tail). */
static uint32_t build_table(pm_fuzz_rd *r, const uint8_t *q, size_t qlen)
{
    uint32_t n = pm_fuzz_byte(r) % (NENT + 1u);
    uint8_t tmp[64];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t how = pm_fuzz_byte(r);
        size_t len = 0;
        const uint8_t *src = tmp;
        switch (how & 3u) {
        case 0: src = q; len = qlen; break;
        case 1: src = q; len = qlen > 0 ? qlen - 1 : 0; break;
        case 2: {
            len = qlen < sizeof tmp ? qlen : sizeof tmp;
            memcpy(tmp, q, len);
            uint32_t at = pm_fuzz_byte(r), x = pm_fuzz_byte(r);
            if (len > 0)
                tmp[at % len] ^= (uint8_t)(x ? x : 1u);
            break;
        }
        default:
            len = pm_fuzz_byte(r) % 40u;
            for (size_t k = 0; k < len; k++)
                tmp[k] = (uint8_t)pm_fuzz_byte(r);
            break;
        }
        NAMES[i] = dup_bytes(src, len);
        T[i].name = NAMES[i];
        T[i].name_len = (uint32_t)len;
        T[i].image = PM_KCAP_NULL;
        IMG_OF[i] = (how >> 2) & 3u;
    }
    return n;
}

static void free_table(uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(NAMES[i]);
}

/* ---- through the dispatcher ------------------------------------------------------ */

static struct pm_kernel K;
static pm_dispatch D;
static elfimg IMG_EXEC, IMG_DYN, IMG_LD;
static uint8_t REPLY[PM_DISPATCH_REPLY_CAP];
static uint8_t MSG[PM_PROTO_MAX_MSG];
static uint8_t RANDOM[PM_DISPATCH_RANDOM_BYTES];
static const uint8_t NOT_ELF[] = "#!/bin/sh\nnot an ELF image\n";

static void put_le(uint8_t *p, uint32_t n, uint64_t v)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void through_dispatcher(uint32_t n, const uint8_t *q, size_t qlen)
{
    static int booted;
    static const char ld[] = ELFIMG_DEFAULT_INTERP;
    pm_dispatch_entry interp[1];
    pm_kcap img[4];
    pm_dispatch_config cfg;
    pm_dispatch_result res;
    pm_proto_request req;
    pm_sim_violation v = { NULL, 0 };
    if (!booted) {
        booted = 1;
        elfimg_init(&IMG_EXEC, ELFIMG_ET_EXEC, 0);
        elfimg_init(&IMG_DYN, ELFIMG_ET_DYN, ELFIMG_INTERP);
        elfimg_init(&IMG_LD, ELFIMG_ET_DYN, 0);
        PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_EXEC) && elfimg_serialize(&IMG_DYN) &&
                        elfimg_serialize(&IMG_LD));
    }
    if (n > PM_DISPATCH_MAX_TABLE)
        n = PM_DISPATCH_MAX_TABLE;
    if (qlen > sizeof MSG - PM_PROTO_HEADER_SIZE - 4u)
        qlen = sizeof MSG - PM_PROTO_HEADER_SIZE - 4u;
    PM_FUZZ_REQUIRE(pm_sim_init(&K, NULL) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_EXEC.buf, IMG_EXEC.len, &img[0]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_DYN.buf, IMG_DYN.len, &img[1]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_LD.buf, IMG_LD.len, &img[2]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, NOT_ELF, sizeof NOT_ELF - 1, &img[3]) == PM_OK);
    for (uint32_t i = 0; i < n; i++)
        T[i].image = img[IMG_OF[i]];
    interp[0] = (pm_dispatch_entry){ (const uint8_t *)ld, (uint32_t)strlen(ld), img[2] };
    pm_dispatch_config_default(&cfg);
    cfg.interp = interp;
    cfg.ninterp = 1;
    cfg.resolve = n > 0 ? T : NULL;
    cfg.nresolve = n;
    PM_FUZZ_REQUIRE(pm_dispatch_init(&D, &K, &cfg) == PM_OK);
    PM_FUZZ_REQUIRE(pm_dispatch_connect(&D, 1, 0, 1) == PM_OK);

    /* RESOLVE: the header, then the name as a u32 length and its bytes. */
    size_t len = PM_PROTO_HEADER_SIZE + 4u + qlen;
    memset(MSG, 0, PM_PROTO_HEADER_SIZE);
    put_le(MSG, 4, PM_PROTO_MAGIC);
    put_le(MSG + 4, 2, PM_PROTO_VERSION);
    put_le(MSG + 6, 2, PM_OP_RESOLVE);
    put_le(MSG + 16, 8, 77);
    put_le(MSG + 24, 4, 4u + qlen);
    put_le(MSG + PM_PROTO_HEADER_SIZE, 4, qlen);
    if (qlen)
        memcpy(MSG + PM_PROTO_HEADER_SIZE + 4u, q, qlen);
    pm_status dec = pm_proto_decode_request(MSG, len, 0, &req);
    pm_status st = pm_dispatch_message(&D, 1, MSG, len, NULL, 0, RANDOM,
                                       REPLY, sizeof REPLY, &res);
    PM_FUZZ_REQUIRE(res.action == PM_DISPATCH_REPLY);
    if (dec != PM_OK) {
        PM_FUZZ_REQUIRE(st == dec && res.nhandles == 0);
    } else {
        uint32_t at = search(n, q, qlen);
        if (at == n) {
            PM_FUZZ_REQUIRE(st == PM_E_RESOLVE_NOT_FOUND);
        } else if (IMG_OF[at] == 0 || IMG_OF[at] == 2) {
            PM_FUZZ_REQUIRE(st == PM_OK && res.nhandles == 1);
        } else if (IMG_OF[at] == 1) {
            PM_FUZZ_REQUIRE(st == PM_OK && res.nhandles == 2);
        } else {
            PM_FUZZ_REQUIRE(st >= 100 && st <= 146);    /* an ELF code */
        }
        if (st != PM_OK)
            PM_FUZZ_REQUIRE(res.nhandles == 0);
    }
    for (uint32_t i = 0; i < res.nhandles; i++) {
        PM_FUZZ_REQUIRE(res.handles[i].kind == PM_DH_KCAP);
        pm_k_drop(&K, res.handles[i].cap);
    }
    if (pm_sim_check(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
    pm_dispatch_fini(&D);
    for (uint32_t i = 0; i < 4; i++)
        pm_k_drop(&K, img[i]);
    if (pm_sim_check_empty(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_fuzz_rd r = { data, size, 0 };
    uint32_t mode = pm_fuzz_byte(&r);
    /* The query is the input's tail; the table is read from the bytes
     * before it, so find where the tail starts by a dry read. */
    pm_fuzz_rd probe = r;
    uint32_t n = pm_fuzz_byte(&probe) % (NENT + 1u);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t how = pm_fuzz_byte(&probe);
        if ((how & 3u) == 2u) {
            pm_fuzz_byte(&probe);
            pm_fuzz_byte(&probe);
        } else if ((how & 3u) == 3u) {
            uint32_t len = pm_fuzz_byte(&probe) % 40u;
            for (uint32_t k = 0; k < len; k++)
                pm_fuzz_byte(&probe);
        }
    }
    size_t qoff = probe.off < size ? probe.off : size;
    uint8_t *q = dup_bytes(data + qoff, size - qoff);
    r.n = qoff;                        /* the table reads stop at the query */
    n = build_table(&r, q, size - qoff);
    uint32_t at = pm_dispatch_find_entry(T, n, q, size - qoff);
    PM_FUZZ_REQUIRE(at == search(n, q, size - qoff));
    PM_FUZZ_REQUIRE(at <= n);
    if (at < n)
        PM_FUZZ_REQUIRE(T[at].name_len == size - qoff &&
                        (size == qoff || memcmp(T[at].name, q, size - qoff) == 0));
    if (mode & 1u)
        through_dispatcher(n, q, size - qoff);
    free_table(n);
    free(q);
    return 0;
}
