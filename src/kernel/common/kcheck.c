/*
 * kcheck: the construction checks of both backends and the Linux
 * backend's region list (include/procmgr/kcheck.h).  Freestanding, no
 * libc, proven with Frama-C WP (make proof-kcheck).  Checks use % rather
 * than masks so that each one reads as its spec/acsl/kernel.h predicate
 * (the page sizes are powers of two: the result is the same).
 */
#include "procmgr/kcheck.h"

pm_status pm_kc_prot(uint32_t prot)
{
    /* R|W|X is 7, all the low bits: a bit outside it makes prot larger;
     * below it, W and X are both set exactly from W|X (6) up. */
    if (prot > (uint32_t)(PM_PROT_R | PM_PROT_W | PM_PROT_X))
        return PM_E_K_ARG;
    if (prot >= (uint32_t)(PM_PROT_W | PM_PROT_X))
        return PM_E_K_WX;
    return PM_OK;
}

pm_status pm_kc_range(uint64_t page, uint64_t umin, uint64_t ulimit,
                      uint64_t vaddr, uint64_t len)
{
    if (vaddr % page != 0u || len % page != 0u)
        return PM_E_K_ALIGN;
    /* vaddr <= ulimit first: ulimit - vaddr then cannot wrap */
    if (len == 0u || vaddr < umin || vaddr > ulimit || len > ulimit - vaddr)
        return PM_E_K_RANGE;
    return PM_OK;
}

pm_status pm_kc_file(uint64_t page, uint64_t size, uint64_t off, uint64_t len)
{
    /* off + len - page < size, without computing off + len (it may wrap):
     * len >= page, so off >= size already fails */
    if (off >= size || len - page >= size - off)
        return PM_E_K_RANGE;
    return PM_OK;
}

pm_status pm_kc_map(uint64_t page, uint64_t umin, uint64_t ulimit,
                    uint64_t vaddr, uint64_t len, uint32_t prot)
{
    pm_status st = pm_kc_prot(prot);
    if (st == PM_OK)
        st = pm_kc_range(page, umin, ulimit, vaddr, len);
    return st;
}

pm_status pm_kc_image(uint64_t page, uint64_t umin, uint64_t ulimit,
                      uint64_t size, uint64_t file_off, uint64_t len,
                      uint64_t vaddr, uint32_t prot)
{
    pm_status st = pm_kc_prot(prot);
    if (st == PM_OK && file_off % page != 0u)
        st = PM_E_K_ALIGN;
    if (st == PM_OK)
        st = pm_kc_range(page, umin, ulimit, vaddr, len);
    if (st == PM_OK)
        st = pm_kc_file(page, size, file_off, len);
    return st;
}

pm_status pm_kc_bytes(uint64_t umin, uint64_t ulimit, uint64_t vaddr,
                      uint64_t len)
{
    if (vaddr < umin || vaddr > ulimit || len > ulimit - vaddr)
        return PM_E_K_RANGE;
    return PM_OK;
}

uint32_t pm_kc_region_at(const pm_kc_region *r, uint32_t n, uint64_t addr)
{
    uint32_t i = 0;
    /*@ loop invariant 0 <= i <= n;
        loop invariant !pm_kc_in(r, i, addr);
        loop assigns i;
        loop variant n - i; */
    while (i < n && !(r[i].lo <= addr && addr < r[i].hi))
        i++;
    return i;
}

int pm_kc_overlaps(const pm_kc_region *r, uint32_t n, uint64_t lo, uint64_t hi)
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant pm_kc_free(r, i, lo, hi);
        loop assigns i;
        loop variant n - i; */
    for (uint32_t i = 0; i < n; i++)
        if (r[i].lo < hi && lo < r[i].hi)
            return 1;
    return 0;
}

int pm_kc_covered(const pm_kc_region *r, uint32_t n, uint64_t lo, uint64_t hi)
{
    uint64_t at = lo;
    /* Walking a sorted list once: each region that holds `at` moves it to
     * its end.  Whatever the order, [lo, at) is always covered. */
    /*@ loop invariant 0 <= i <= n;
        loop invariant lo <= at;
        loop invariant pm_kc_covers(r, i, lo, at);
        loop assigns i, at;
        loop variant n - i; */
    for (uint32_t i = 0; i < n && at < hi; i++) {
        /*@ assert \forall integer x; lo <= x < at ==> pm_kc_in(r, i, x) ==>
                     pm_kc_in(r, i + 1, x); */
        if (r[i].lo <= at && at < r[i].hi) {
            /*@ assert \forall integer x; at <= x < r[i].hi ==>
                         pm_kc_in(r, i + 1, x); */
            at = r[i].hi;
        }
    }
    return at >= hi;
}

/* Append [lo, hi) with prot to out[0 .. *n - 1] (room for cap), merged
 * into the last entry when it continues it with the same protection.
 * Empty ranges add nothing.  *n > cap marks a list that did not fit: it
 * stays so. */
/*@ requires cap < 4294967295;
    requires \valid(n) && \valid(out + (0 .. cap - 1));
    requires \separated(n, out + (0 .. cap - 1));
    requires *n <= cap + 1;
    assigns *n, out[0 .. cap - 1];
    ensures \old(*n) <= *n <= cap + 1;
    ensures \old(*n) > cap ==> *n == \old(*n); */
static void emit(pm_kc_region *out, uint32_t *n, uint32_t cap, uint64_t lo,
                 uint64_t hi, uint32_t prot)
{
    if (lo >= hi || *n > cap)
        return;
    if (*n > 0u && out[*n - 1u].hi == lo && out[*n - 1u].prot == prot) {
        out[*n - 1u].hi = hi;
        return;
    }
    if (*n == cap) {
        *n = cap + 1u;
        return;
    }
    out[*n].lo = lo;
    out[*n].hi = hi;
    out[*n].prot = prot;
    (*n)++;
}

uint32_t pm_kc_rebuild(const pm_kc_region *r, uint32_t n, int mode,
                       uint64_t lo, uint64_t hi, uint32_t prot,
                       pm_kc_region *out, uint32_t cap)
{
    uint32_t m = 0;
    int done = mode != PM_KC_MAP;

    /*@ loop invariant 0 <= i <= n;
        loop invariant m <= cap + 1;
        loop assigns i, m, done, out[0 .. cap - 1];
        loop variant n - i; */
    for (uint32_t i = 0; i < n; i++) {
        const pm_kc_region *x = &r[i];
        uint64_t mlo = x->lo > lo ? x->lo : lo, mhi = x->hi < hi ? x->hi : hi;
        if (!done && hi <= x->lo) {
            emit(out, &m, cap, lo, hi, prot);
            done = 1;
        }
        if (mlo >= mhi) {
            emit(out, &m, cap, x->lo, x->hi, x->prot);
            continue;
        }
        emit(out, &m, cap, x->lo, mlo, x->prot);
        if (mode == PM_KC_PROTECT)
            emit(out, &m, cap, mlo, mhi, prot);
        emit(out, &m, cap, mhi, x->hi, x->prot);
    }
    if (!done)
        emit(out, &m, cap, lo, hi, prot);
    return m;
}

pm_status pm_kc_apply(pm_kc_region *r, uint32_t *n, uint32_t cap,
                      pm_kc_region *tmp, int mode, uint64_t lo, uint64_t hi,
                      uint32_t prot)
{
    uint32_t m = pm_kc_rebuild(r, *n, mode, lo, hi, prot, tmp, cap)
       ;

    if (m > cap)
        return PM_E_K_NO_MEMORY;
    /*@ loop invariant 0 <= i <= m;
        loop assigns i, r[0 .. cap - 1];
        loop variant m - i; */
    for (uint32_t i = 0; i < m; i++)
        r[i] = tmp[i];
    *n = m;
    return PM_OK;
}
