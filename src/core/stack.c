/*
 * Initial stack image builder.  See include/procmgr/stack.h and spec/core.md.
 *
 * Positions are handled as distances d below stack_top: distance d is buffer
 * offset cap - d and address stack_top - d.  stack_top is 16-byte aligned,
 * so aligning an address down is rounding a distance up.
 *
 * Two passes: the first checks every input and sizes the image (so a
 * refusal writes nothing); the second writes.  The second pass re-checks
 * each span against its pool and the room left, because the pools may live
 * in memory the sender can still change (an IPC buffer); that check cannot
 * fail when the input did not change between the passes.
 */
#include "procmgr/stack.h"

#define WORD 8u

/* The helpers below bound every access by a run-time comparison against the
 * buffer's own length, instead of a precondition relating offsets: the
 * callers' arithmetic already keeps them in range (WP proves that for the
 * postconditions), and Eva checks each access on its own. */

/* Is there a NUL in pool[off, off + len)?  Reads stay below pool_len. */
/*@ requires \valid_read(pool + (0 .. pool_len - 1));
    assigns  \nothing;
    ensures  \result == 0 || \result == 1;
    ensures  \result == 0 && off + len <= pool_len ==>
                 \forall integer k; 0 <= k < len ==> pool[off + k] != 0;
*/
static int has_nul(const uint8_t *pool, uint64_t pool_len, uint64_t off,
                   uint64_t len)
{
    int found = 0;
    uint64_t k = 0, s = off;
    /*@ loop invariant 0 <= k <= len && s == off + k;
        loop invariant found == 0 || found == 1;
        loop invariant found == 0 ==>
            \forall integer j; off <= j < s ==> pool[j] != 0;
        loop assigns k, s, found;
        loop variant len - k;
    */
    while (k < len && s < pool_len && found == 0) {
        if (pool[s] == 0)
            found = 1;
        k++;
        s++;
    }
    return found;
}

/* dst[doff + k] = src[soff + k] for k < len, within both lengths. */
/*@ requires \valid(dst + (0 .. cap - 1));
    requires \valid_read(src + (0 .. src_len - 1));
    requires \separated(dst + (0 .. cap - 1), src + (0 .. src_len - 1));
    assigns  dst[doff .. doff + len - 1];
    ensures  doff + len <= cap && soff + len <= src_len ==>
                 \forall integer k; 0 <= k < len ==> dst[doff + k] == src[soff + k];
*/
static void copy_bytes(uint8_t *dst, uint64_t cap, uint64_t doff,
                       const uint8_t *src, uint64_t src_len, uint64_t soff,
                       uint64_t len)
{
    uint64_t k = 0, d = doff, s = soff;
    /* The invariant is stated over the running index d (not k) so that the
     * store dst[d] extends it by exactly one element: this keeps the
     * preservation goal small enough for the provers every time. */
    /*@ loop invariant 0 <= k <= len && d == doff + k && s == soff + k;
        loop invariant \forall integer j; doff <= j < d ==> dst[j] == src[j - doff + soff];
        loop assigns k, d, s, dst[doff .. doff + len - 1];
        loop variant len - k;
    */
    while (k < len && d < cap && s < src_len) {
        dst[d] = src[s];
        k++;
        d++;
        s++;
    }
}

/*@ requires \valid(buf + (0 .. cap - 1));
    assigns  buf[off];
    ensures  off < cap ==> buf[off] == v;
*/
static void put_byte(uint8_t *buf, uint64_t cap, uint64_t off, uint8_t v)
{
    if (off < cap)
        buf[off] = v;
}

/*@ requires \valid(buf + (0 .. cap - 1));
    requires from <= cap;
    assigns  buf[from .. cap - 1];
    ensures  \forall integer k; from <= k < cap ==> buf[k] == 0;
*/
static void zero_from(uint8_t *buf, uint64_t cap, uint64_t from)
{
    uint64_t i;
    /*@ loop invariant from <= i <= cap;
        loop invariant \forall integer k; from <= k < i ==> buf[k] == 0;
        loop assigns i, buf[from .. cap - 1];
        loop variant cap - i;
    */
    for (i = from; i < cap; i++)
        buf[i] = 0;
}

/* Store a 64-bit word little-endian (x86-64, aarch64 and riscv64 are all
 * little-endian), byte by byte: the image is a byte buffer of any alignment. */
/*@ requires \valid(buf + (0 .. cap - 1));
    assigns  buf[off .. off + WORD - 1];
*/
static void put_u64(uint8_t *buf, uint64_t cap, uint64_t off, uint64_t v)
{
    unsigned k;
    uint64_t d = off;
    /*@ loop invariant 0 <= k <= WORD && d == off + k;
        loop assigns k, d, buf[off .. off + WORD - 1];
        loop variant WORD - k;
    */
    for (k = 0; k < WORD && d < cap; k++, d++)
        buf[d] = (uint8_t)((v >> (8u * k)) & 0xFFu);
}

/* First pass over a string list: count bounded, spans inside the pool,
 * lengths bounded, no NUL inside; *size = sum of (len + 1). */
/*@ requires pm_strvec_valid(v);
    requires \valid(size) && \separated(size, v);
    assigns  *size;
    ensures  \result == PM_OK || \result == PM_E_STACK_LIMIT ||
             \result == PM_E_STACK_STRING;
    ensures  \result == PM_OK ==> v->count <= PM_STACK_MAX_STRINGS &&
             *size <= v->count * (PM_STACK_MAX_STRLEN + 1);
*/
static pm_status check_strvec(const pm_strvec *v, uint64_t *size)
{
    pm_status rc = PM_OK;
    uint64_t total = 0;
    const uint32_t n = v->count;
    uint32_t i;
    if (n > PM_STACK_MAX_STRINGS)
        rc = PM_E_STACK_LIMIT;
    /*@ loop invariant 0 <= i <= n;
        loop invariant rc == PM_OK ==> n <= PM_STACK_MAX_STRINGS;
        loop invariant total <= i * (PM_STACK_MAX_STRLEN + 1);
        loop invariant rc == PM_OK || rc == PM_E_STACK_LIMIT ||
                       rc == PM_E_STACK_STRING;
        loop assigns i, total, rc;
        loop variant n - i;
    */
    for (i = 0; i < n && rc == PM_OK; i++) {
        const uint32_t off = v->items[i].off, len = v->items[i].len;
        if (len > PM_STACK_MAX_STRLEN)
            rc = PM_E_STACK_LIMIT;
        else if ((uint64_t)off + len > v->pool_len)
            rc = PM_E_STACK_STRING;
        else if (has_nul(v->pool, v->pool_len, off, len))
            rc = PM_E_STACK_STRING;
        else
            total += (uint64_t)len + 1u;
    }
    *size = total;
    return rc;
}

/*@ requires \valid_read(a + (0 .. n - 1));
    assigns  \nothing;
    ensures  \result == PM_OK || \result == PM_E_STACK_AUXV;
*/
static pm_status check_auxv(const pm_auxv *a, uint32_t n)
{
    pm_status rc = PM_OK;
    uint32_t i;
    /*@ loop invariant 0 <= i <= n;
        loop invariant rc == PM_OK || rc == PM_E_STACK_AUXV;
        loop assigns i, rc;
        loop variant n - i;
    */
    for (i = 0; i < n && rc == PM_OK; i++) {
        uint64_t t = a[i].type;
        if (t == PM_AT_NULL || t == PM_AT_RANDOM || t == PM_AT_EXECFN ||
            t == PM_AT_PLATFORM)
            rc = PM_E_STACK_AUXV;
    }
    return rc;
}

/* Second pass over a string list: copy string i to buf[*pos ..] with its
 * NUL, store its address (base + offset) in table slot i, then the NULL
 * slot.  Strings stay below str_end; a span that no longer fits its pool
 * or the room left (the pool changed since the first pass) stops it. */
/*@ requires pm_strvec_valid(v);
    requires \valid(buf + (0 .. cap - 1));
    requires \separated(buf + (0 .. cap - 1), v,
                        v->pool + (0 .. v->pool_len - 1),
                        v->items + (0 .. v->count - 1));
    requires \valid(pos) && \separated(pos, buf + (0 .. cap - 1), v,
                        v->pool + (0 .. v->pool_len - 1),
                        v->items + (0 .. v->count - 1));
    requires *pos <= PM_STACK_MAX_ADDR && str_end <= PM_STACK_MAX_ADDR;
    requires table <= PM_STACK_MAX_ADDR && base <= PM_STACK_MAX_ADDR;
    requires cap <= PM_STACK_MAX_ADDR;
    assigns  buf[0 .. cap - 1], *pos;
    ensures  \result == PM_OK || \result == PM_E_STACK_TOO_SMALL;
    ensures  *pos <= PM_STACK_MAX_ADDR;
*/
static pm_status write_strvec(uint8_t *buf, uint64_t cap, uint64_t base,
                              uint64_t table, uint64_t *pos, uint64_t str_end,
                              const pm_strvec *v)
{
    pm_status rc = PM_OK;
    uint64_t p = *pos;
    const uint32_t n = v->count;
    uint32_t i;
    /* Bounds the caller's layout already guarantees, restated so each
     * write below is visibly inside buf. */
    if (n > PM_STACK_MAX_STRINGS || p > str_end || str_end > cap ||
        table > cap || (uint64_t)WORD * (n + 1u) > cap - table)
        rc = PM_E_STACK_TOO_SMALL;
    /*@ loop invariant 0 <= i <= n;
        loop invariant rc == PM_OK ==> p <= str_end && n <= PM_STACK_MAX_STRINGS;
        loop invariant rc == PM_OK ==> str_end <= cap && table + WORD * (n + 1) <= cap;
        loop invariant p <= PM_STACK_MAX_ADDR;
        loop invariant rc == PM_OK || rc == PM_E_STACK_TOO_SMALL;
        loop assigns i, p, rc, buf[0 .. cap - 1];
        loop variant n - i;
    */
    for (i = 0; i < n && rc == PM_OK; i++) {
        const uint32_t off = v->items[i].off, len = v->items[i].len;
        if ((uint64_t)off + len > v->pool_len || p + len >= str_end) {
            rc = PM_E_STACK_TOO_SMALL;
        } else {
            copy_bytes(buf, cap, p, v->pool, v->pool_len, off, len);
            put_byte(buf, cap, p + len, 0);
            put_u64(buf, cap, table + (uint64_t)WORD * i, base + p);
            p += (uint64_t)len + 1u;
        }
    }
    if (rc == PM_OK)
        put_u64(buf, cap, table + (uint64_t)WORD * n, 0);
    *pos = p;
    return rc;
}

/*@ requires \valid(buf + (0 .. cap - 1));
    assigns  buf[off .. off + 2 * WORD - 1];
*/
static void put_aux(uint8_t *buf, uint64_t cap, uint64_t off,
                    uint64_t type, uint64_t value)
{
    put_u64(buf, cap, off, type);
    if (off <= UINT64_MAX - WORD)
        put_u64(buf, cap, off + WORD, value);
}

/*@ requires n <= PM_STACK_MAX_AUXV && off <= PM_STACK_MAX_ADDR;
    requires \valid_read(a + (0 .. n - 1));
    requires \valid(buf + (0 .. cap - 1));
    requires \separated(buf + (0 .. cap - 1), a + (0 .. n - 1));
    assigns  buf[off .. off + 2 * WORD * n - 1];
*/
static void write_auxv(uint8_t *buf, uint64_t cap, uint64_t off,
                       const pm_auxv *a, uint32_t n)
{
    uint32_t i;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, buf[off .. off + 2 * WORD * n - 1];
        loop variant n - i;
    */
    for (i = 0; i < n; i++)
        put_aux(buf, cap, off + 2u * WORD * i, a[i].type, a[i].value);
}

/* Buffer offset of distance d below the top (0 if d > cap, which the
 * caller has excluded). */
/*@ assigns \nothing;
    ensures d <= cap ==> \result == cap - d;
    ensures \result <= cap;
*/
static uint64_t off_of(uint64_t cap, uint64_t d)
{
    return d <= cap ? cap - d : 0u;
}

/*@ requires d <= UINT64_MAX - 15;
    assigns  \nothing;
    ensures  \result % 16 == 0 && d <= \result <= d + 15;
*/
static uint64_t round16(uint64_t d)
{
    return (d + 15u) - (d + 15u) % 16u;
}

/* The execfn string, the platform string (if any) and the random bytes, at
 * their offsets: three disjoint ranges above the pointer tables. */
/*@ requires \valid(buf + (0 .. cap - 1));
    requires \valid_read(xfn + (0 .. xlen - 1));
    requires \valid_read(plat + (0 .. plen - 1));
    requires \valid_read(rnd + (0 .. PM_STACK_RANDOM_BYTES - 1));
    requires \separated(buf + (0 .. cap - 1), xfn + (0 .. xlen - 1));
    requires \separated(buf + (0 .. cap - 1), plat + (0 .. plen - 1));
    requires \separated(buf + (0 .. cap - 1), rnd + (0 .. PM_STACK_RANDOM_BYTES - 1));
    requires o_random <= PM_STACK_MAX_ADDR && o_platform <= PM_STACK_MAX_ADDR;
    requires o_execfn <= PM_STACK_MAX_ADDR;
    assigns  buf[o_random .. o_random + PM_STACK_RANDOM_BYTES - 1],
             buf[o_platform .. o_platform + plen],
             buf[o_execfn .. o_execfn + xlen];
    ensures  pm_stack_fixed_layout(o_random, o_platform, plen, o_execfn, xlen, cap) ==>
             \forall integer k; 0 <= k < PM_STACK_RANDOM_BYTES ==>
                 buf[o_random + k] == rnd[k];
    ensures  pm_stack_fixed_layout(o_random, o_platform, plen, o_execfn, xlen, cap) ==>
             (\forall integer k; 0 <= k < xlen ==> buf[o_execfn + k] == xfn[k]) &&
             buf[o_execfn + xlen] == 0;
    ensures  pm_stack_fixed_layout(o_random, o_platform, plen, o_execfn, xlen, cap) &&
             plen > 0 ==>
             (\forall integer k; 0 <= k < plen ==> buf[o_platform + k] == plat[k]) &&
             buf[o_platform + plen] == 0;
*/
static void write_fixed(uint8_t *buf, uint64_t cap,
                        uint64_t o_execfn, const uint8_t *xfn, uint32_t xlen,
                        uint64_t o_platform, const uint8_t *plat, uint32_t plen,
                        uint64_t o_random, const uint8_t *rnd)
{
    if (plen > 0) {
        copy_bytes(buf, cap, o_platform, plat, plen, 0, plen);
        put_byte(buf, cap, o_platform + plen, 0);
    }
    copy_bytes(buf, cap, o_execfn, xfn, xlen, 0, xlen);
    put_byte(buf, cap, o_execfn + xlen, 0);
    copy_bytes(buf, cap, o_random, rnd, PM_STACK_RANDOM_BYTES, 0,
               PM_STACK_RANDOM_BYTES);
}

pm_status pm_stack_build(const pm_stack_in *in, uint8_t *buf, uint64_t cap,
                         pm_stack_out *out)
{
    pm_status rc = PM_OK;
    const uint64_t top = in->stack_top;
    const uint32_t argc = in->argv.count;
    const uint32_t envc = in->envp.count;
    const uint32_t nauxv = in->nauxv;
    const uint32_t xlen = in->execfn_len;
    const uint32_t plen = in->platform_len;
    uint64_t argv_size = 0, envp_size = 0;

    if (top % 16u != 0 || top > PM_STACK_MAX_ADDR || top < cap)
        rc = PM_E_STACK_ADDR;
    else if (argc > PM_STACK_MAX_STRINGS || envc > PM_STACK_MAX_STRINGS ||
             nauxv > PM_STACK_MAX_AUXV || xlen > PM_STACK_MAX_EXECFN ||
             plen > PM_STACK_MAX_PLATFORM)
        rc = PM_E_STACK_LIMIT;
    else
        rc = check_strvec(&in->argv, &argv_size);
    if (rc == PM_OK)
        rc = check_strvec(&in->envp, &envp_size);
    if (rc == PM_OK && (has_nul(in->execfn, xlen, 0, xlen) ||
                        has_nul(in->platform, plen, 0, plen)))
        rc = PM_E_STACK_STRING;
    if (rc == PM_OK)
        rc = check_auxv(in->auxv, nauxv);
    if (rc != PM_OK)
        return rc;

    /* Distances below top (see the layout in spec/core.md). */
    const uint32_t nbuiltin = plen > 0 ? 3u : 2u;   /* RANDOM, EXECFN[, PLATFORM] */
    const uint64_t d_execfn = WORD + (uint64_t)xlen + 1u;
    const uint64_t d_strings = d_execfn + argv_size + envp_size;
    const uint64_t d_aligned = round16(d_strings);
    const uint64_t d_platform = d_aligned + (plen > 0 ? (uint64_t)plen + 1u : 0u);
    const uint64_t d_random = d_platform + PM_STACK_RANDOM_BYTES;
    const uint64_t nwords = 1u + ((uint64_t)argc + 1u) + ((uint64_t)envc + 1u) +
                            2u * ((uint64_t)nauxv + nbuiltin + 1u);
    const uint64_t d_sp = round16(d_random + WORD * nwords);
    if (d_sp > cap)
        return PM_E_STACK_TOO_SMALL;

    /* Address of buf[0]; top >= cap was checked above (the guard repeats it
     * for the analysers, which lose it where the checks merge). */
    const uint64_t base = (top >= cap && top <= PM_STACK_MAX_ADDR) ? top - cap : 0u;
    const uint64_t o_sp = off_of(cap, d_sp);         /* argc */
    const uint64_t o_argv = o_sp + WORD;
    const uint64_t o_envp = o_argv + WORD * ((uint64_t)argc + 1u);
    const uint64_t o_auxv = o_envp + WORD * ((uint64_t)envc + 1u);
    const uint64_t o_builtin = o_auxv + 2u * WORD * nauxv;
    const uint64_t o_random = off_of(cap, d_random);
    const uint64_t o_platform = off_of(cap, d_platform);
    const uint64_t o_strings = off_of(cap, d_strings);
    const uint64_t o_execfn = off_of(cap, d_execfn);
    uint64_t pos = o_strings;
    /*@ assert o_sp + WORD * nwords <= o_random <= cap <= PM_STACK_MAX_ADDR; */
    /*@ assert o_argv <= o_envp <= o_auxv <= o_builtin <= cap; */
    /*@ assert base <= PM_STACK_MAX_ADDR && o_strings <= o_execfn <= cap; */

    zero_from(buf, cap, o_sp);
    rc = write_strvec(buf, cap, base, o_argv, &pos, o_execfn, &in->argv);
    if (rc == PM_OK)
        rc = write_strvec(buf, cap, base, o_envp, &pos, o_execfn, &in->envp);
    if (rc != PM_OK)
        return rc;

    put_u64(buf, cap, o_sp, argc);
    write_auxv(buf, cap, o_auxv, in->auxv, nauxv);
    put_aux(buf, cap, o_builtin, PM_AT_RANDOM, base + o_random);
    put_aux(buf, cap, o_builtin + 2u * WORD, PM_AT_EXECFN, base + o_execfn);
    if (plen > 0)
        put_aux(buf, cap, o_builtin + 4u * WORD, PM_AT_PLATFORM, base + o_platform);
    put_aux(buf, cap, o_builtin + 2u * WORD * nbuiltin, PM_AT_NULL, 0);

    /* The fixed strings last, so nothing written after them overlaps them. */
    write_fixed(buf, cap, o_execfn, in->execfn, xlen, o_platform, in->platform,
                plen, o_random, in->random);

    out->sp = base + o_sp;
    out->used = d_sp;
    out->argv_addr = base + o_argv;
    out->envp_addr = base + o_envp;
    out->auxv_addr = base + o_auxv;
    out->random_addr = base + o_random;
    out->platform_addr = plen > 0 ? base + o_platform : 0u;
    out->execfn_addr = base + o_execfn;
    out->strings_addr = base + o_strings;
    return rc;
}
