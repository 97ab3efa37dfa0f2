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

/* Append [lo, hi) with prot to out[0 .. n - 1] (room for cap), merged
 * into the last entry when it continues it with the same protection: the
 * new length.  Empty ranges add nothing.  A length past cap marks a list
 * that did not fit: it stays so.  The length is passed and returned rather
 * than updated through a pointer: a uint32_t in memory would share WP's
 * memory of uint32_t with the entries' prot, and every write to an entry
 * would then have to be shown not to change it. */
/*@ requires page > 0 && cap < 4294967295;
    requires \valid(out + (0 .. cap - 1));
    requires n <= cap + 1;
    requires n <= cap ==> pm_kc_wf(out, n, page, umin, ulimit);
    requires lo < hi ==> umin <= lo && hi <= ulimit && lo % page == 0 &&
                         hi % page == 0 && pm_k_prot_ok(prot);
    requires lo < hi && 0 < n <= cap ==> out[n - 1].hi <= lo;
    assigns out[0 .. cap - 1];
    ensures n <= \result <= cap + 1;
    ensures n > cap ==> \result == n;
    ensures \result <= cap ==> pm_kc_wf(out, \result, page, umin, ulimit);
    ensures lo < hi && \result <= cap ==>
              \result > 0 && out[\result - 1].hi == hi;
    ensures lo >= hi ==> \result == n;
    ensures lo >= hi && 0 < n <= cap ==>
              out[n - 1].hi == \old(out[n - 1].hi); */
static uint32_t emit(pm_kc_region *out, uint32_t n, uint32_t cap, uint64_t lo,
                     uint64_t hi, uint32_t prot)
    /*@ ghost (uint64_t page, uint64_t umin, uint64_t ulimit) */
{
    if (lo >= hi || n > cap)
        return n;
    if (n > 0u && out[n - 1u].hi == lo && out[n - 1u].prot == prot) {
        /* wf's two halves one at a time: only the last entry grows */
        /*@ assert pm_kc_region_ok(out, n - 1, page, umin, ulimit); */
        out[n - 1u].hi = hi;
        /*@ assert pm_kc_region_ok(out, n - 1, page, umin, ulimit); */
        /*@ assert \forall integer i; 0 <= i < n ==>
                     pm_kc_region_ok(out, i, page, umin, ulimit); */
        /*@ assert \forall integer i; 0 <= i < n - 1 ==>
                     out[i].hi <= out[i + 1].lo; */
        /*@ assert out[n - 1].hi == hi; */
        return n;
    }
    if (n == cap)
        return cap + 1u;
    out[n].lo = lo;
    out[n].hi = hi;
    out[n].prot = prot;
    /* likewise: the new entry follows the old last one */
    /*@ assert pm_kc_region_ok(out, n, page, umin, ulimit); */
    /*@ assert \forall integer i; 0 <= i <= n ==>
                 pm_kc_region_ok(out, i, page, umin, ulimit); */
    /*@ assert \forall integer i; 0 <= i < n ==>
                 out[i].hi <= out[i + 1].lo; */
    /*@ assert out[n].hi == hi; */
    return n + 1u;
}

/* Append the region x as changing [lo, hi) leaves it: whole when they do
 * not meet, else its parts below and above [lo, hi), the part inside
 * between them with prot (PM_KC_PROTECT) or dropped (PM_KC_UNMAP).  A map
 * never meets x: its range is free.  Each part starts where the one before
 * ends, so the list stays sorted. */
/*@ requires page > 0 && cap < 4294967295;
    requires \valid(out + (0 .. cap - 1));
    requires m <= cap + 1;
    requires m <= cap ==> pm_kc_wf(out, m, page, umin, ulimit);
    requires umin <= x.lo < x.hi <= ulimit && x.lo % page == 0 &&
             x.hi % page == 0 && pm_k_prot_ok(x.prot);
    requires 0 < m <= cap ==> out[m - 1].hi <= x.lo;
    requires umin <= lo < hi <= ulimit && lo % page == 0 && hi % page == 0;
    requires mode == PM_KC_PROTECT ==> pm_k_prot_ok(prot);
    requires mode == PM_KC_MAP ==> x.hi <= lo || hi <= x.lo;
    assigns out[0 .. cap - 1];
    ensures m <= \result <= cap + 1;
    ensures \result <= cap ==> pm_kc_wf(out, \result, page, umin, ulimit);
    ensures 0 < \result <= cap ==> out[\result - 1].hi <= x.hi; */
static uint32_t emit_cut(pm_kc_region *out, uint32_t m, uint32_t cap,
                         pm_kc_region x, int mode, uint64_t lo, uint64_t hi,
                         uint32_t prot)
    /*@ ghost (uint64_t page, uint64_t umin, uint64_t ulimit) */
{
    uint64_t mlo = x.lo > lo ? x.lo : lo, mhi = x.hi < hi ? x.hi : hi;

    if (mlo >= mhi)
        return emit(out, m, cap, x.lo, x.hi, x.prot) /*@ ghost (page, umin, ulimit) */;
    /* after each part, the last entry ends at or before the next one's
     * start */
    m = emit(out, m, cap, x.lo, mlo, x.prot) /*@ ghost (page, umin, ulimit) */;
    /*@ assert 0 < m <= cap ==> out[m - 1].hi <= mlo; */
    if (mode == PM_KC_PROTECT)
        m = emit(out, m, cap, mlo, mhi, prot) /*@ ghost (page, umin, ulimit) */;
    /*@ assert 0 < m <= cap ==> out[m - 1].hi <= mhi; */
    return emit(out, m, cap, mhi, x.hi, x.prot) /*@ ghost (page, umin, ulimit) */;
}

uint32_t pm_kc_rebuild(const pm_kc_region *r, uint32_t n, int mode,
                       uint64_t lo, uint64_t hi, uint32_t prot,
                       pm_kc_region *out, uint32_t cap)
    /*@ ghost (uint64_t page, uint64_t umin, uint64_t ulimit) */
{
    uint32_t m = 0;
    int done = mode != PM_KC_MAP;

    /*@ loop invariant 0 <= i <= n;
        loop invariant m <= cap + 1;
        loop invariant m <= cap ==> pm_kc_wf(out, m, page, umin, ulimit);
        loop invariant mode != PM_KC_MAP ==> done != 0;
        loop invariant 0 < m <= cap && i < n ==> out[m - 1].hi <= r[i].lo;
        loop invariant 0 < m <= cap && done == 0 ==> out[m - 1].hi <= lo;
        loop assigns i, m, done, out[0 .. cap - 1];
        loop variant n - i; */
    for (uint32_t i = 0; i < n; i++) {
        /* a copy: emit's writes to out leave it as read here */
        const pm_kc_region x = r[i];
        /*@ assert umin <= x.lo < x.hi <= ulimit && x.lo % page == 0 &&
                   x.hi % page == 0 && pm_k_prot_ok(x.prot); */
        /*@ assert i + 1 < n ==> x.hi <= r[i + 1].lo; */
        /*@ assert mode == PM_KC_MAP ==> x.hi <= lo || hi <= x.lo; */
        /* a map's range goes before the first region after it */
        if (!done && hi <= x.lo) {
            m = emit(out, m, cap, lo, hi, prot) /*@ ghost (page, umin, ulimit) */;
            done = 1;
        }
        /*@ assert 0 < m <= cap ==> out[m - 1].hi <= x.lo; */
        m = emit_cut(out, m, cap, x, mode, lo, hi, prot) /*@ ghost (page, umin, ulimit) */;
        /*@ assert 0 < m <= cap ==> out[m - 1].hi <= x.hi; */
    }
    if (!done)
        m = emit(out, m, cap, lo, hi, prot) /*@ ghost (page, umin, ulimit) */;
    return m;
}

pm_status pm_kc_apply(pm_kc_region *r, uint32_t *n, uint32_t cap,
                      pm_kc_region *tmp, int mode, uint64_t lo, uint64_t hi,
                      uint32_t prot)
    /*@ ghost (uint64_t page, uint64_t umin, uint64_t ulimit) */
{
    uint32_t m = pm_kc_rebuild(r, *n, mode, lo, hi, prot, tmp, cap)
        /*@ ghost (page, umin, ulimit) */;

    /* a label for the proof's \at(.., Built), tmp as rebuilt: no goto
     * uses it, hence the attribute */
Built: __attribute__((unused));
    if (m > cap) {
        /* r as it was: rebuild wrote tmp only */
        /*@ assert \forall integer j; 0 <= j < *n ==>
                     r[j].lo == \at(r[j].lo, Pre) && r[j].hi == \at(r[j].hi, Pre) &&
                     r[j].prot == \at(r[j].prot, Pre); */
        /*@ assert \forall integer j; 0 <= j < *n ==>
                     pm_kc_region_ok(r, j, page, umin, ulimit); */
        /*@ assert \forall integer j; 0 <= j < *n - 1 ==> r[j].hi <= r[j + 1].lo; */
        return PM_E_K_NO_MEMORY;
    }
    /* The length first: each write to r below then keeps it (n and the
     * entries' prot share WP's memory of uint32_t).  The copy is compared
     * with tmp as rebuilt (Built), which no write here reaches: its
     * well-formedness carries over without a frame argument. */
    *n = m;
    /*@ loop invariant 0 <= i <= m && *n == m;
        loop invariant \forall integer j; 0 <= j < i ==>
          r[j].lo == \at(tmp[j].lo, Built) && r[j].hi == \at(tmp[j].hi, Built) &&
          r[j].prot == \at(tmp[j].prot, Built);
        loop assigns i, r[0 .. cap - 1];
        loop variant m - i; */
    for (uint32_t i = 0; i < m; i++) {
        /*@ assert \let k = i; tmp[k].lo == \at(tmp[k].lo, Built) &&
                   tmp[k].hi == \at(tmp[k].hi, Built) &&
                   tmp[k].prot == \at(tmp[k].prot, Built); */
        /* field by field: WP makes a struct copy one havoc of the whole
         * entry, and then the entries before it are harder to keep */
        r[i].lo = tmp[i].lo;
        r[i].hi = tmp[i].hi;
        r[i].prot = tmp[i].prot;
    }
    /*@ assert \forall integer j; 0 <= j < m ==>
                 pm_kc_region_ok(r, j, page, umin, ulimit); */
    /*@ assert \forall integer j; 0 <= j < m - 1 ==> r[j].hi <= r[j + 1].lo; */
    return PM_OK;
}
