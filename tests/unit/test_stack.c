/* Initial stack image: build images and parse them back the way a C runtime
 * does on Linux x86-64 (argc at sp, argv, NULL, envp, NULL, auxv to AT_NULL),
 * checking that every pointer lands on the right bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/stack.h"

#define CAP   8192u
#define TOP   0x7ffffffde000ull

typedef struct {
    uint8_t pool[4096];
    pm_span items[64];
    uint32_t n;
    uint32_t used;
} strlist;

static void sl_add(strlist *l, const char *s)
{
    uint32_t len = (uint32_t)strlen(s);
    memcpy(l->pool + l->used, s, len);
    l->items[l->n].off = l->used;
    l->items[l->n].len = len;
    l->used += len;
    l->n++;
}

static pm_strvec sl_vec(const strlist *l)
{
    pm_strvec v = { l->pool, l->used, l->items, l->n };
    return v;
}

static uint64_t get64(const uint8_t *buf, uint64_t addr)
{
    uint64_t off = addr - (TOP - CAP);
    uint64_t v = 0;
    assert_true(off + 8 <= CAP);
    for (int k = 7; k >= 0; k--)
        v = (v << 8) | buf[off + (uint64_t)k];
    return v;
}

static const char *str_at(const uint8_t *buf, uint64_t addr)
{
    uint64_t off = addr - (TOP - CAP);
    assert_true(addr >= TOP - CAP && off < CAP);
    assert_non_null(memchr(buf + off, 0, CAP - off));
    return (const char *)buf + off;
}

static const uint8_t rnd[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static pm_stack_in base_in(const strlist *a, const strlist *e,
                           const pm_auxv *aux, uint32_t naux)
{
    pm_stack_in in;
    memset(&in, 0, sizeof in);
    in.argv = sl_vec(a);
    in.envp = sl_vec(e);
    in.auxv = aux;
    in.nauxv = naux;
    in.random = rnd;
    in.execfn = (const uint8_t *)"/bin/prog";
    in.execfn_len = 9;
    in.platform = (const uint8_t *)"x86_64";
    in.platform_len = 6;
    in.stack_top = TOP;
    return in;
}

/* Parse an image back and check it against its inputs. */
static void check_image(const uint8_t *buf, const pm_stack_in *in,
                        const pm_stack_out *out, const strlist *a,
                        const strlist *e, const pm_auxv *aux, uint32_t naux)
{
    uint64_t sp = out->sp;
    assert_int_equal(sp % 16, 0);
    assert_int_equal(sp, TOP - out->used);
    assert_true(out->used <= CAP);
    /* Every byte below sp in the buffer is untouched (0xAA). */
    for (uint64_t i = 0; i < CAP - out->used; i++)
        assert_int_equal(buf[i], 0xAA);
    /* The 8-byte end marker. */
    assert_int_equal(get64(buf, TOP - 8), 0);

    uint64_t p = sp;
    assert_int_equal(get64(buf, p), a->n);
    p += 8;
    assert_int_equal(p, out->argv_addr);
    for (uint32_t i = 0; i < a->n; i++, p += 8) {
        const char *s = str_at(buf, get64(buf, p));
        assert_int_equal(strlen(s), a->items[i].len);
        assert_memory_equal(s, a->pool + a->items[i].off, a->items[i].len);
    }
    assert_int_equal(get64(buf, p), 0);
    p += 8;
    assert_int_equal(p, out->envp_addr);
    for (uint32_t i = 0; i < e->n; i++, p += 8) {
        const char *s = str_at(buf, get64(buf, p));
        assert_int_equal(strlen(s), e->items[i].len);
        assert_memory_equal(s, e->pool + e->items[i].off, e->items[i].len);
    }
    assert_int_equal(get64(buf, p), 0);
    p += 8;
    assert_int_equal(p, out->auxv_addr);

    /* auxv: caller entries in order, then RANDOM, EXECFN, PLATFORM, NULL. */
    uint32_t i = 0;
    int seen_random = 0, seen_execfn = 0, seen_platform = 0;
    for (;; p += 16, i++) {
        uint64_t t = get64(buf, p), v = get64(buf, p + 8);
        if (t == PM_AT_NULL) {
            assert_int_equal(v, 0);
            break;
        }
        if (i < naux) {
            assert_int_equal(t, aux[i].type);
            assert_int_equal(v, aux[i].value);
        } else if (t == PM_AT_RANDOM) {
            uint64_t off = v - (TOP - CAP);
            assert_int_equal(v, out->random_addr);
            assert_memory_equal(buf + off, rnd, 16);
            seen_random = 1;
        } else if (t == PM_AT_EXECFN) {
            assert_int_equal(v, out->execfn_addr);
            assert_string_equal(str_at(buf, v), "/bin/prog");
            seen_execfn = 1;
        } else if (t == PM_AT_PLATFORM) {
            assert_int_equal(v, out->platform_addr);
            assert_string_equal(str_at(buf, v), "x86_64");
            seen_platform = 1;
        } else {
            fail_msg("unexpected auxv type %llu", (unsigned long long)t);
        }
    }
    assert_true(seen_random && seen_execfn);
    assert_int_equal(seen_platform, in->platform_len > 0);
    assert_int_equal(i, naux + 2u + (in->platform_len > 0));
    assert_true(p + 16 <= out->random_addr);

    /* Linux's string area order: argv strings, envp strings, execfn, end. */
    if (a->n > 0)
        assert_int_equal(get64(buf, out->argv_addr), out->strings_addr);
    assert_int_equal(out->execfn_addr + 9 + 1 + 8, TOP);
}

static void test_roundtrip(void **state)
{
    (void)state;
    static strlist a, e;
    memset(&a, 0, sizeof a);
    memset(&e, 0, sizeof e);
    sl_add(&a, "prog");
    sl_add(&a, "-v");
    sl_add(&a, "");
    sl_add(&a, "last argument");
    sl_add(&e, "HOME=/root");
    sl_add(&e, "PATH=/bin:/usr/bin");
    pm_auxv aux[] = { { PM_AT_PAGESZ, 4096 }, { PM_AT_ENTRY, 0x401000 },
                      { PM_AT_PHNUM, 11 } };
    pm_stack_in in = base_in(&a, &e, aux, 3);
    static uint8_t buf[CAP];
    pm_stack_out out;
    memset(buf, 0xAA, sizeof buf);
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_OK);
    check_image(buf, &in, &out, &a, &e, aux, 3);
}

/* Every combination of small counts and string lengths keeps sp aligned and
 * the image exact, including empty argv/envp and no platform. */
static void test_alignment_sweep(void **state)
{
    (void)state;
    static strlist a, e;
    static uint8_t buf[CAP];
    static const char *words[] = { "", "a", "bb", "ccc", "dddddddddddddddd", "eeeeeee" };
    for (uint32_t na = 0; na < 6; na++) {
        for (uint32_t ne = 0; ne < 6; ne++) {
            for (uint32_t plat = 0; plat < 2; plat++) {
                memset(&a, 0, sizeof a);
                memset(&e, 0, sizeof e);
                for (uint32_t i = 0; i < na; i++)
                    sl_add(&a, words[(i + ne) % 6]);
                for (uint32_t i = 0; i < ne; i++)
                    sl_add(&e, words[(i * 5 + na) % 6]);
                pm_auxv aux[] = { { PM_AT_PAGESZ, 4096 } };
                pm_stack_in in = base_in(&a, &e, aux, na % 2);
                if (!plat)
                    in.platform_len = 0;
                pm_stack_out out;
                memset(buf, 0xAA, sizeof buf);
                assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_OK);
                check_image(buf, &in, &out, &a, &e, aux, na % 2);
                if (!plat)
                    assert_int_equal(out.platform_addr, 0);
            }
        }
    }
}

static void test_too_small_exact(void **state)
{
    (void)state;
    static strlist a, e;
    memset(&a, 0, sizeof a);
    memset(&e, 0, sizeof e);
    sl_add(&a, "prog");
    pm_stack_in in = base_in(&a, &e, NULL, 0);
    static uint8_t buf[CAP];
    pm_stack_out out;
    memset(buf, 0xAA, sizeof buf);
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_OK);
    uint64_t need = out.used;
    /* The image is exactly `used` bytes: a buffer that size works (placed
     * at the end of the same address range), one byte less is refused and
     * nothing is written. */
    in.stack_top = TOP;
    static uint8_t small[CAP];
    memset(small, 0xAA, sizeof small);
    assert_int_equal(pm_stack_build(&in, small, need - 1, &out), PM_E_STACK_TOO_SMALL);
    for (size_t i = 0; i < CAP; i++)
        assert_int_equal(small[i], 0xAA);
    assert_int_equal(pm_stack_build(&in, small, need, &out), PM_OK);
    assert_int_equal(out.used, need);
    assert_int_equal(out.sp, TOP - need);
}

static void test_refusals(void **state)
{
    (void)state;
    static strlist a, e;
    static uint8_t buf[CAP];
    pm_stack_out out;
    memset(&a, 0, sizeof a);
    memset(&e, 0, sizeof e);
    sl_add(&a, "prog");
    pm_stack_in in;

    in = base_in(&a, &e, NULL, 0);
    in.stack_top = TOP + 8;
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_ADDR);
    in.stack_top = CAP - 16;
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_ADDR);

    in = base_in(&a, &e, NULL, 0);
    in.argv.count = PM_STACK_MAX_STRINGS + 1;
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_LIMIT);
    in = base_in(&a, &e, NULL, 0);
    in.platform_len = PM_STACK_MAX_PLATFORM + 1;
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_LIMIT);

    /* Span outside its pool. */
    in = base_in(&a, &e, NULL, 0);
    in.argv.pool_len = 3;
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_STRING);

    /* NUL inside a string, inside execfn. */
    static strlist nul;
    memset(&nul, 0, sizeof nul);
    sl_add(&nul, "ab");
    nul.pool[1] = 0;
    in = base_in(&nul, &e, NULL, 0);
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_STRING);
    in = base_in(&a, &e, NULL, 0);
    in.execfn = (const uint8_t *)"a\0b";
    in.execfn_len = 3;
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_STRING);

    /* Auxv types the builder owns. */
    static const uint64_t reserved[] = { PM_AT_NULL, PM_AT_RANDOM, PM_AT_EXECFN,
                                         PM_AT_PLATFORM };
    for (size_t i = 0; i < 4; i++) {
        pm_auxv aux[] = { { PM_AT_PAGESZ, 4096 }, { reserved[i], 1 } };
        in = base_in(&a, &e, aux, 2);
        assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_AUXV);
    }
    pm_auxv many[PM_STACK_MAX_AUXV + 1];
    for (size_t i = 0; i < PM_STACK_MAX_AUXV + 1; i++) {
        many[i].type = PM_AT_PAGESZ;
        many[i].value = 4096;
    }
    in = base_in(&a, &e, many, PM_STACK_MAX_AUXV + 1);
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_E_STACK_LIMIT);
    in = base_in(&a, &e, many, PM_STACK_MAX_AUXV);
    assert_int_equal(pm_stack_build(&in, buf, CAP, &out), PM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_alignment_sweep),
        cmocka_unit_test(test_too_small_exact),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
