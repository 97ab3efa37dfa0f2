/*
 * ACSL predicates over a backend's region list (include/procmgr/kcheck.h):
 * the mapped ranges of one address space with their protections, as the
 * Linux backend keeps them to decide OVERLAP and NOT_MAPPED before a
 * mapping reaches its stub.  Comment-only header: C compilers see nothing.
 * Needs pm_kc_region (include/procmgr/kcheck.h) and spec/acsl/kernel.h.
 */
#ifndef PROCMGR_ACSL_KCHECK_H
#define PROCMGR_ACSL_KCHECK_H

/*@
  // Byte x lies in one of the first n regions.
  predicate pm_kc_in(pm_kc_region *r, integer n, integer x) =
    \exists integer i; 0 <= i < n && r[i].lo <= x < r[i].hi;

  // Every byte of [lo, hi) lies in some region.
  predicate pm_kc_covers(pm_kc_region *r, integer n, integer lo, integer hi) =
    \forall integer x; lo <= x < hi ==> pm_kc_in(r, n, x);

  // No region shares a byte with [lo, hi).
  predicate pm_kc_free(pm_kc_region *r, integer n, integer lo, integer hi) =
    \forall integer i; 0 <= i < n ==> r[i].hi <= lo || hi <= r[i].lo;

  // One region: non-empty, page-aligned, inside [umin, ulimit), a
  // protection the kernel maps (never W+X).
  predicate pm_kc_region_ok(pm_kc_region *r, integer i, integer page,
                            integer umin, integer ulimit) =
    umin <= r[i].lo < r[i].hi <= ulimit &&
    r[i].lo % page == 0 && r[i].hi % page == 0 && pm_k_prot_ok(r[i].prot);

  // A well-formed list: every region ok, sorted and disjoint.
  predicate pm_kc_wf(pm_kc_region *r, integer n, integer page, integer umin,
                     integer ulimit) =
    (\forall integer i; 0 <= i < n ==>
       pm_kc_region_ok(r, i, page, umin, ulimit)) &&
    (\forall integer i; 0 <= i < n - 1 ==> r[i].hi <= r[i + 1].lo);
*/

#endif /* PROCMGR_ACSL_KCHECK_H */
