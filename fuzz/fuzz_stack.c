/*
 * Fuzz harness: the initial stack image builder (pm_stack_build).
 *
 * Input, little-endian, zero past the end:
 *   u8  flags   bit 0 raw stack_top (the u64 below), else 0x7ffffffde000
 *               bit 1 the pool is the input tail with every NUL made 'x'
 *                     (else the tail as is, NULs and all)
 *               bit 2 the pool is stretched to POOL_MAX bytes by repeating
 *                     the tail, so strings past PM_STACK_MAX_STRLEN and
 *                     execfn past PM_STACK_MAX_EXECFN fit in it
 *   u64 stack_top (used with flag bit 0)
 *   u32 cap     buffer size (mod BUF_MAX + 1)
 *   argv, envp: u16 count (mod PM_STACK_MAX_STRINGS + 2), u16 len, u16
 *               stride: item i is (i * stride mod pool_len, len); then
 *               u16 odd index k and u32 off, u32 len of item k (any values)
 *   u8  nauxv (mod PM_STACK_MAX_AUXV + 2), u8 bad index, u8 bad type:
 *               entry i has a usual type and value i, entry "bad index"
 *               gets one of AT_NULL/RANDOM/EXECFN/PLATFORM or AT_BASE
 *   u16 execfn offset, u16 execfn length, u16 platform offset, u8 platform
 *               length (mod PM_STACK_MAX_PLATFORM + 2): slices of the pool,
 *               clipped to it
 *   the rest    the pool
 * Every call is inside the builder's precondition (all memory valid and
 * separated).  The result is compared with an independent model of the
 * checks in their documented order (spec/core.md): the refusal code must be
 * the model's, a refusal must leave the buffer untouched, and an accepted
 * image must pass pm_fuzz_check_stack (the proven postcondition plus the
 * whole layout read back from the buffer).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/stack.h"

#define BUF_MAX  (256u * 1024u)
#define POOL_MAX (PM_STACK_MAX_STRLEN + 4096u)
#define ITEMS    (PM_STACK_MAX_STRINGS + 2u)
#define CANARY   0xC5u

static uint8_t BUF[BUF_MAX], UNTOUCHED[BUF_MAX];
static uint8_t POOL[POOL_MAX];
static pm_span ARGV[ITEMS], ENVP[ITEMS];
static pm_auxv AUXV[PM_STACK_MAX_AUXV + 2u];
static const uint8_t RANDOM[PM_STACK_RANDOM_BYTES] = {
    0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
    0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f
};

typedef struct vec_shape {
    uint32_t count, len, stride, odd, odd_off, odd_len;
} vec_shape;

static void read_shape(pm_fuzz_rd *r, vec_shape *s)
{
    s->count = (uint32_t)pm_fuzz_take(r, 2) % ITEMS;
    s->len = (uint32_t)pm_fuzz_take(r, 2);
    s->stride = (uint32_t)pm_fuzz_take(r, 2);
    s->odd = (uint32_t)pm_fuzz_take(r, 2);
    s->odd_off = (uint32_t)pm_fuzz_take(r, 4);
    s->odd_len = (uint32_t)pm_fuzz_take(r, 4);
}

static void make_vec(const vec_shape *s, pm_span *items, uint64_t pool_len,
                     pm_strvec *v)
{
    for (uint32_t i = 0; i < s->count; i++) {
        items[i].off = pool_len ? (uint32_t)(((uint64_t)i * s->stride) % pool_len) : 0u;
        items[i].len = s->len;
    }
    if (s->odd < s->count) {
        items[s->odd].off = s->odd_off;
        items[s->odd].len = s->odd_len;
    }
    v->pool = POOL;
    v->pool_len = pool_len;
    v->items = items;
    v->count = s->count;
}

static int has_nul(const uint8_t *p, uint64_t len)
{
    return len > 0 && memchr(p, 0, len) != NULL;
}

/* The model: the first refusal in the documented order, or PM_OK.  On
 * PM_OK, *need is the image size (the distance of sp below stack_top). */
static pm_status model_strvec(const pm_strvec *v, uint64_t *size)
{
    *size = 0;
    for (uint32_t i = 0; i < v->count; i++) {
        const pm_span *s = &v->items[i];
        if (s->len > PM_STACK_MAX_STRLEN)
            return PM_E_STACK_LIMIT;
        if ((uint64_t)s->off + s->len > v->pool_len)
            return PM_E_STACK_STRING;
        if (has_nul(v->pool + s->off, s->len))
            return PM_E_STACK_STRING;
        *size += (uint64_t)s->len + 1u;
    }
    return PM_OK;
}

static uint64_t up16(uint64_t d)
{
    return (d + 15u) & ~(uint64_t)15u;
}

static pm_status model(const pm_stack_in *in, uint64_t cap, uint64_t *need)
{
    uint64_t a = 0, e = 0;
    pm_status st;
    if (in->stack_top % 16u != 0 || in->stack_top > PM_STACK_MAX_ADDR || in->stack_top < cap)
        return PM_E_STACK_ADDR;
    if (in->argv.count > PM_STACK_MAX_STRINGS || in->envp.count > PM_STACK_MAX_STRINGS ||
        in->nauxv > PM_STACK_MAX_AUXV || in->execfn_len > PM_STACK_MAX_EXECFN ||
        in->platform_len > PM_STACK_MAX_PLATFORM)
        return PM_E_STACK_LIMIT;
    if ((st = model_strvec(&in->argv, &a)) != PM_OK)
        return st;
    if ((st = model_strvec(&in->envp, &e)) != PM_OK)
        return st;
    if (has_nul(in->execfn, in->execfn_len) || has_nul(in->platform, in->platform_len))
        return PM_E_STACK_STRING;
    for (uint32_t i = 0; i < in->nauxv; i++) {
        uint64_t t = in->auxv[i].type;
        if (t == PM_AT_NULL || t == PM_AT_RANDOM || t == PM_AT_EXECFN || t == PM_AT_PLATFORM)
            return PM_E_STACK_AUXV;
    }
    uint64_t d = up16(8u + in->execfn_len + 1u + a + e);
    if (in->platform_len > 0)
        d += in->platform_len + 1u;
    d += PM_STACK_RANDOM_BYTES;
    uint64_t aux = in->nauxv + (in->platform_len > 0 ? 3u : 2u) + 1u;
    d = up16(d + 8u * (1u + (in->argv.count + 1u) + (in->envp.count + 1u) + 2u * aux));
    *need = d;
    return d > cap ? PM_E_STACK_TOO_SMALL : PM_OK;
}

static uint64_t fill_pool(pm_fuzz_rd *r, uint32_t flags)
{
    const uint8_t *tail = r->off < r->n ? r->p + r->off : NULL;
    uint64_t n = r->off < r->n ? r->n - r->off : 0;
    if (n > POOL_MAX)
        n = POOL_MAX;
    if (n > 0)
        memcpy(POOL, tail, n);
    if ((flags & 4u) != 0) {
        if (n == 0)
            POOL[n++] = 'a';
        for (uint64_t i = n; i < POOL_MAX; i++)
            POOL[i] = POOL[i % n];
        n = POOL_MAX;
    }
    if ((flags & 2u) != 0)
        for (uint64_t i = 0; i < n; i++)
            if (POOL[i] == 0)
                POOL[i] = 'x';
    return n;
}

/* A slice of the pool clipped to it (execfn and platform must be valid
 * memory for their whole length). */
static const uint8_t *pool_slice(uint64_t pool_len, uint32_t off, uint32_t *len)
{
    if (off > pool_len)
        off = (uint32_t)pool_len;
    if (*len > pool_len - off)
        *len = (uint32_t)(pool_len - off);
    return POOL + off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t usual[] = {
        PM_AT_PAGESZ, PM_AT_PHDR, PM_AT_PHENT, PM_AT_PHNUM, PM_AT_BASE,
        PM_AT_FLAGS, PM_AT_ENTRY, PM_AT_SECURE, PM_AT_SYSINFO_EHDR
    };
    static const uint64_t odd_types[] = {
        PM_AT_NULL, PM_AT_RANDOM, PM_AT_EXECFN, PM_AT_PLATFORM, PM_AT_BASE
    };
    pm_fuzz_rd r = { data, size, 0 };
    pm_stack_in in;
    pm_stack_out out;
    vec_shape sa, se;
    memset(&in, 0, sizeof in);
    uint32_t flags = (uint32_t)pm_fuzz_take(&r, 1);
    uint64_t raw_top = pm_fuzz_take(&r, 8);
    in.stack_top = (flags & 1u) ? raw_top : 0x7ffffffde000ull;
    uint64_t cap = pm_fuzz_take(&r, 4) % (BUF_MAX + 1u);
    read_shape(&r, &sa);
    read_shape(&r, &se);
    in.nauxv = (uint32_t)pm_fuzz_take(&r, 1) % (PM_STACK_MAX_AUXV + 2u);
    uint32_t bad = (uint32_t)pm_fuzz_take(&r, 1), bad_type = (uint32_t)pm_fuzz_take(&r, 1);
    for (uint32_t i = 0; i < in.nauxv; i++) {
        AUXV[i].type = usual[i % (sizeof usual / sizeof usual[0])];
        AUXV[i].value = i;
    }
    if (bad < in.nauxv)
        AUXV[bad].type = odd_types[bad_type % (sizeof odd_types / sizeof odd_types[0])];
    in.auxv = AUXV;
    uint32_t xoff = (uint32_t)pm_fuzz_take(&r, 2), xlen = (uint32_t)pm_fuzz_take(&r, 2);
    uint32_t poff = (uint32_t)pm_fuzz_take(&r, 2);
    uint32_t plen = (uint32_t)pm_fuzz_take(&r, 1) % (PM_STACK_MAX_PLATFORM + 2u);
    uint64_t pool_len = fill_pool(&r, flags);
    make_vec(&sa, ARGV, pool_len, &in.argv);
    make_vec(&se, ENVP, pool_len, &in.envp);
    in.execfn = pool_slice(pool_len, xoff, &xlen);
    in.execfn_len = xlen;
    in.platform = pool_slice(pool_len, poff, &plen);
    in.platform_len = plen;
    in.random = RANDOM;

    uint64_t need = 0;
    pm_status expect = model(&in, cap, &need);
    if (UNTOUCHED[0] != CANARY)
        memset(UNTOUCHED, CANARY, sizeof UNTOUCHED);
    memset(BUF, CANARY, cap);
    memset(&out, 0x5a, sizeof out);
    pm_status st = pm_stack_build(&in, BUF, cap, &out);
    PM_FUZZ_REQUIRE(st == expect);
    if (st != PM_OK) {
        /* Every check precedes the first write (the pools cannot change
         * here, so no second-pass refusal either). */
        PM_FUZZ_REQUIRE(memcmp(BUF, UNTOUCHED, cap) == 0);
        return 0;
    }
    PM_FUZZ_REQUIRE(out.used == need);
    pm_fuzz_check_stack(&in, BUF, cap, &out);
    /* Nothing below sp was written. */
    PM_FUZZ_REQUIRE(memcmp(BUF, UNTOUCHED, cap - out.used) == 0);
    return 0;
}
