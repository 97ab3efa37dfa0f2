/*
 * Fuzz harness: the `#!` line parser (pm_script_parse) and the dispatcher's
 * script launch over the sim.
 *
 * Input: byte 0 picks the mode, the rest is the file's first bytes.
 *   byte 0 even   the parser on the rest, in a buffer of exactly its size
 *                 (ASan sees any read past it): the proven postcondition
 *                 (pm_fuzz_check_script), the result (code and every
 *                 offset) against an independent model of spec/scripts.md,
 *                 and, for a buffer of 256 bytes or more, the same result
 *                 from its first 256 bytes alone (nothing past the line
 *                 limit is read)
 *   byte 0 odd    an executable image launched through pm_dispatch_launch_
 *                 over the sim with argv ["prog", "a1"] and a script table
 *                 (/bin/sh: a dynamic ELF with PT_INTERP, /bin/static: a
 *                 static one, /bin/nested: a script, /bin/badnest: a
 *                 malformed "#!" file).  Byte 0 also shapes
 *                 the launch: bit 1 gives the builder 64 startup handles
 *                 (ids 0..63: none left for the script); else bits 2-4
 *                 pick how many handles take ids 3, 4, ... (0, 1, 2, 3, 10,
 *                 28, 29: the script's id is the next one, two digits from
 *                 13, none below the working-directory slot (31) at 28
 *                 and 29); bit 5: four
 *                 arguments fill the builder's argument bytes but for the
 *                 next byte's count (the script's longer argv may not fit);
 *                 bit 6: the next byte arms the sim's failure injection
 *                 (fail the n-th kernel call); the rest is the image.  A
 *                 "#!" image must give the model's code (the parser's
 *                 refusal, SCRIPT_NOT_ALLOWED, BUILDER_LIMIT, SCRIPT_NESTED,
 *                 in that order; or the injected failure) or launch, and
 *                 then the child's argv read back from its stack must be
 *                 [interp, arg?, "/dev/fd/ID", "a1", filler?] with the
 *                 script's image in CSpace slot ID.  After a refusal no
 *                 address space, CSpace or thread is left, and after every
 *                 input the sim must be empty (pm_sim_check_empty)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "procmgr/dispatch.h"
#include "procmgr/script.h"
#include "procmgr/sim.h"
#include "../tests/support/elfimg.h"

/* ---- the model -------------------------------------------------------------- */

typedef struct model {
    pm_status st;
    int is_script;
    size_t interp_off, interp_len, arg_off, arg_len;
} model;

static int blank(uint8_t c) { return c == ' ' || c == '\t'; }

static model parse_model(const uint8_t *b, size_t len)
{
    model m;
    memset(&m, 0, sizeof m);
    m.st = PM_OK;
    if (len < 2 || b[0] != '#' || b[1] != '!')
        return m;
    m.is_script = 1;
    size_t lim = len < PM_SCRIPT_LINE_MAX ? len : PM_SCRIPT_LINE_MAX;
    const uint8_t *nl = memchr(b, '\n', lim);
    size_t end;
    if (nl != NULL)
        end = (size_t)(nl - b);
    else if (len < PM_SCRIPT_LINE_MAX)
        end = len;                       /* the whole file ends the line */
    else {
        m.st = PM_E_SCRIPT_LINE;
        return m;
    }
    if (memchr(b + 2, 0, end - 2) != NULL) {
        m.st = PM_E_SCRIPT_LINE;
        return m;
    }
    size_t i = 2, e = end;
    while (i < e && blank(b[i]))
        i++;
    while (e > i && blank(b[e - 1]))
        e--;
    if (i == e || b[i] != '/') {
        m.st = PM_E_SCRIPT_INTERP;
        return m;
    }
    size_t w = i;
    while (w < e && !blank(b[w]))
        w++;
    size_t a = w;
    while (a < e && blank(b[a]))
        a++;
    m.interp_off = i;
    m.interp_len = w - i;
    if (a < e) {
        m.arg_off = a;
        m.arg_len = e - a;
    }
    return m;
}

static void same_as_model(pm_status st, const pm_script *sc, const model *m)
{
    PM_FUZZ_REQUIRE(st == m->st);
    PM_FUZZ_REQUIRE(sc->is_script == (uint32_t)m->is_script);
    PM_FUZZ_REQUIRE(sc->interp_off == m->interp_off && sc->interp_len == m->interp_len);
    PM_FUZZ_REQUIRE(sc->arg_off == m->arg_off && sc->arg_len == m->arg_len);
}

static void parser(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    pm_script sc, head;
    PM_FUZZ_REQUIRE(buf != NULL);
    memcpy(buf, data, size);
    memset(&sc, 0xA5, sizeof sc);
    pm_status st = pm_script_parse(buf, size, &sc);
    pm_fuzz_check_script(st, &sc, buf, size);
    model m = parse_model(buf, size);
    same_as_model(st, &sc, &m);
    if (size >= PM_SCRIPT_LINE_MAX) {
        PM_FUZZ_REQUIRE(pm_script_parse(buf, PM_SCRIPT_LINE_MAX, &head) == st);
        PM_FUZZ_REQUIRE(memcmp(&head, &sc, sizeof sc) == 0);
    }
    free(buf);
}

/* ---- the launch over the sim ---------------------------------------------------- */

static struct pm_kernel K;
static pm_dispatch D;
static pm_builder B;
static elfimg IMG_EXEC, IMG_DYN, IMG_LD;
static const uint8_t NESTED[] = "#!/bin/sh\n", BADNEST[] = "#!\n";
static uint8_t RANDOM[PM_DISPATCH_RANDOM_BYTES];

static uint64_t le64_at(pm_kcap as, uint64_t va)
{
    uint8_t w[8];
    uint64_t v = 0;
    PM_FUZZ_REQUIRE(pm_sim_as_read(&K, as, va, w, 8) == PM_OK);
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)w[i] << (8 * i);
    return v;
}

/* The child's argv[i] equals s[0, n) followed by its NUL. */
static void expect_arg(pm_kcap as, uint64_t sp, uint64_t i, const uint8_t *s, size_t n)
{
    uint64_t p = le64_at(as, sp + 8 + 8 * i);
    uint8_t c;
    for (size_t k = 0; k < n; k++) {
        PM_FUZZ_REQUIRE(pm_sim_as_read(&K, as, p + k, &c, 1) == PM_OK);
        PM_FUZZ_REQUIRE(c == s[k]);
    }
    PM_FUZZ_REQUIRE(pm_sim_as_read(&K, as, p + n, &c, 1) == PM_OK);
    PM_FUZZ_REQUIRE(c == 0);
}

static int name_is(const uint8_t *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

static const uint32_t CROWD[8] = { 0, 1, 2, 3, 10, 28, 29, 0 };
static uint8_t FILLER[PM_PROTO_MAX_ARG_LEN];

static void launch(uint32_t flags, const uint8_t *data, size_t size)
{
    static int booted;
    static pm_dispatch_entry interp[1], script[4];
    static const char ld[] = ELFIMG_DEFAULT_INTERP;
    pm_kcap exe, dyn, ldc, nested, badnest, img, ep = PM_KCAP_NULL;
    pm_dispatch_config cfg;
    pm_sim_violation v = { NULL, 0 };
    uint32_t room = 0, fail_nth = 0;
    if (!booted) {
        booted = 1;
        elfimg_init(&IMG_EXEC, ELFIMG_ET_EXEC, 0);
        elfimg_init(&IMG_DYN, ELFIMG_ET_DYN, ELFIMG_INTERP);
        elfimg_init(&IMG_LD, ELFIMG_ET_DYN, 0);
        PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_EXEC) && elfimg_serialize(&IMG_DYN) &&
                        elfimg_serialize(&IMG_LD));
        memset(FILLER, 'f', sizeof FILLER);
    }
    if ((flags & 0x20u) && size > 0) {
        room = data[0];
        data++, size--;
    }
    if ((flags & 0x40u) && size > 0) {
        fail_nth = data[0];
        data++, size--;
    }
    if (size > PM_ELF_HEADER_AREA)
        size = PM_ELF_HEADER_AREA;
    PM_FUZZ_REQUIRE(pm_sim_init(&K, NULL) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_EXEC.buf, IMG_EXEC.len, &exe) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_DYN.buf, IMG_DYN.len, &dyn) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_LD.buf, IMG_LD.len, &ldc) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, NESTED, sizeof NESTED - 1, &nested) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, BADNEST, sizeof BADNEST - 1, &badnest) == PM_OK);
    if (pm_sim_image_create(&K, data, size, &img) != PM_OK)
        img = PM_KCAP_NULL;       /* the sim refuses an empty image */
    interp[0] = (pm_dispatch_entry){ (const uint8_t *)ld, (uint32_t)strlen(ld), ldc };
    script[0] = (pm_dispatch_entry){ (const uint8_t *)"/bin/sh", 7, dyn };
    script[1] = (pm_dispatch_entry){ (const uint8_t *)"/bin/static", 11, exe };
    script[2] = (pm_dispatch_entry){ (const uint8_t *)"/bin/nested", 11, nested };
    script[3] = (pm_dispatch_entry){ (const uint8_t *)"/bin/badnest", 12, badnest };
    pm_dispatch_config_default(&cfg);
    cfg.interp = interp;
    cfg.ninterp = 1;
    cfg.script = script;
    cfg.nscript = 4;
    if (flags & 0x20u)
        cfg.stack_size = 512u << 10;      /* room for the filler argument */
    PM_FUZZ_REQUIRE(pm_dispatch_init(&D, &K, &cfg) == PM_OK);

    if (!pm_kcap_is_null(img)) {
        pm_kcap mine;
        uint64_t handle = 0;
        uint32_t slot = 0, nh = 0, first = 0, nfill = 0, fill_len[4];
        PM_FUZZ_REQUIRE(pm_k_cap_derive(&K, img, PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT,
                                        &mine) == PM_OK);
        pm_builder_reset(&B);
        PM_FUZZ_REQUIRE(pm_builder_add_arg(&B, (const uint8_t *)"prog", 4) == PM_OK);
        PM_FUZZ_REQUIRE(pm_builder_add_arg(&B, (const uint8_t *)"a1", 2) == PM_OK);
        if (flags & 0x20u) {
            /* all the argument bytes but `room`, in strings of at most the
             * protocol's PM_PROTO_MAX_ARG_LEN */
            uint32_t left = PM_BUILDER_ARG_BYTES - 6u - room;
            while (left > 0 && nfill < 4u) {
                uint32_t n = left < PM_PROTO_MAX_ARG_LEN ? left : PM_PROTO_MAX_ARG_LEN;
                PM_FUZZ_REQUIRE(pm_builder_add_arg(&B, FILLER, n) == PM_OK);
                fill_len[nfill++] = n;
                left -= n;
            }
        }
        PM_FUZZ_REQUIRE(pm_builder_set_info(&B, mine, PM_KCAP_NULL,
                                            (const uint8_t *)"p", 1, 0) == PM_OK);
        if (flags & 2u) {
            nh = PM_BUILDER_MAX_HANDLES;
            first = 0;
        } else {
            nh = CROWD[(flags >> 2) & 7u];
            first = PM_DISPATCH_SCRIPT_FD_MIN;
        }
        if (nh > 0)
            PM_FUZZ_REQUIRE(pm_k_endpoint_create(&K, &ep) == PM_OK);
        for (uint32_t i = 0; i < nh; i++) {
            pm_kcap c;
            PM_FUZZ_REQUIRE(pm_k_cap_derive(&K, ep, PM_KR_READ | PM_KR_GRANT, &c) == PM_OK);
            PM_FUZZ_REQUIRE(pm_builder_add_handle(&B, c, first + i) == PM_OK);
        }
        pm_kcap no_interp = PM_KCAP_NULL, no_cwd = PM_KCAP_NULL;
        pm_sim_stats before, after;
        pm_sim_stats_get(&K, &before);
        pm_sim_fail_nth(&K, fail_nth, 0);
        pm_status st = pm_dispatch_launch_(&D, &B, &no_interp, &no_cwd, 0, 1, 0, RANDOM,
                                           &handle, &slot);
        pm_sim_fail_nth(&K, 0, 0);
        PM_FUZZ_REQUIRE(D.script_active == 0);
        uint32_t fd = first + nh;           /* the script's id when it has one */
        model m = parse_model(data, size);
        if (m.is_script && st != PM_E_K_INJECTED_FAILURE) {
            pm_status want = m.st;
            const uint8_t *name = data + m.interp_off;
            uint64_t used = (uint64_t)B.args.used - 4u + m.interp_len + m.arg_len +
                            (fd < 10u ? 9u : 10u);
            int known = name_is(name, m.interp_len, "/bin/sh") ||
                        name_is(name, m.interp_len, "/bin/static") ||
                        name_is(name, m.interp_len, "/bin/nested") ||
                        name_is(name, m.interp_len, "/bin/badnest");
            if (want == PM_OK && !known)
                want = PM_E_SCRIPT_NOT_ALLOWED;
            else if (want == PM_OK && (nh == PM_BUILDER_MAX_HANDLES ||
                                       fd >= PM_DISPATCH_CWD_SLOT(&cfg)))
                want = PM_E_BUILDER_LIMIT;
            else if (want == PM_OK && used > PM_BUILDER_ARG_BYTES)
                want = PM_E_BUILDER_LIMIT;
            else if (want == PM_OK && (name_is(name, m.interp_len, "/bin/nested") ||
                                       name_is(name, m.interp_len, "/bin/badnest")))
                want = PM_E_SCRIPT_NESTED;
            PM_FUZZ_REQUIRE(st == want);
        }
        if (st != PM_OK) {
            /* a refusal or a failure leaves nothing made */
            pm_sim_stats_get(&K, &after);
            PM_FUZZ_REQUIRE(after.live[PM_KOBJ_AS] == before.live[PM_KOBJ_AS]);
            PM_FUZZ_REQUIRE(after.live[PM_KOBJ_CSPACE] == before.live[PM_KOBJ_CSPACE]);
            PM_FUZZ_REQUIRE(after.live[PM_KOBJ_THREAD] == before.live[PM_KOBJ_THREAD]);
        }
        if (st == PM_OK && m.is_script) {
            pm_kcap as = D.reg.slot[slot].aspace;
            uint64_t sp = D.proc[slot].sp;
            uint64_t argc = le64_at(as, sp), i = 0;
            char path[16];
            size_t plen = fd < 10u ? 9u : 10u;
            memcpy(path, "/dev/fd/", 8);
            if (fd < 10u) {
                path[8] = (char)('0' + fd);
            } else {
                path[8] = (char)('0' + fd / 10u);
                path[9] = (char)('0' + fd % 10u);
            }
            PM_FUZZ_REQUIRE(argc == (m.arg_len > 0 ? 4u : 3u) + nfill);
            expect_arg(as, sp, i++, data + m.interp_off, m.interp_len);
            if (m.arg_len > 0)
                expect_arg(as, sp, i++, data + m.arg_off, m.arg_len);
            expect_arg(as, sp, i++, (const uint8_t *)path, plen);
            expect_arg(as, sp, i++, (const uint8_t *)"a1", 2);
            for (uint32_t f = 0; f < nfill; f++)
                expect_arg(as, sp, i++, FILLER, fill_len[f]);
            pm_sim_slot_info si;
            PM_FUZZ_REQUIRE(pm_sim_cspace_slot(&K, D.reg.slot[slot].cspace, fd, &si) == PM_OK);
            PM_FUZZ_REQUIRE(si.type == PM_KOBJ_IMAGE);
        }
        /* What the launch did not keep is the caller's (dispatch.c's
         * builder_clear). */
        pm_k_drop(&K, B.executable);
        for (uint32_t i = 0; i < B.nhandles; i++)
            pm_k_drop(&K, B.handle[i]);
        pm_builder_reset(&B);
    }
    if (pm_sim_check(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
    pm_dispatch_fini(&D);
    pm_k_drop(&K, ep);
    pm_k_drop(&K, img);
    pm_k_drop(&K, nested);
    pm_k_drop(&K, badnest);
    pm_k_drop(&K, ldc);
    pm_k_drop(&K, dyn);
    pm_k_drop(&K, exe);
    if (pm_sim_check_empty(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if ((data[0] & 1u) == 0)
        parser(data + 1, size - 1);
    else
        launch(data[0], data + 1, size - 1);
    return 0;
}
