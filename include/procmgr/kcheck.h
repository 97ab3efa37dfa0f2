/*
 * procmgr kcheck: the construction checks every backend makes before it
 * maps, protects, unmaps or writes (include/procmgr/kernel.h; defence in
 * depth behind the core's own proof), and the region list the Linux
 * backend keeps of an address space.  One copy, shared by the sim and the
 * Linux backend, freestanding (no libc, no globals, caller buffers) and
 * proven with Frama-C WP (make proof-kcheck): each argument check returns
 * PM_OK exactly when spec/acsl/kernel.h's predicate holds, and a failing
 * check returns the first reason in kernel.h's order.
 *
 * The limits are parameters (page size, [umin, ulimit)), so each backend
 * checks against its own: the sim's k->cfg, Linux's KL_* constants.
 */
#ifndef PROCMGR_KCHECK_H
#define PROCMGR_KCHECK_H

#include <stdint.h>

#include "procmgr/kernel.h"
#include "procmgr/status.h"

/* A mapped range [lo, hi) of an address space and its protection. */
typedef struct pm_kc_region {
    uint64_t lo, hi;
    uint32_t prot;
} pm_kc_region;

#include "acsl/kernel.h"
#include "acsl/kcheck.h"

/* What a region update does to [lo, hi). */
#define PM_KC_MAP     0
#define PM_KC_PROTECT 1
#define PM_KC_UNMAP   2

/* ---- argument checks ------------------------------------------------------ */

/* A protection: unknown bits (ARG), then writable and executable (WX). */
/*@ assigns \nothing;
    ensures \result == PM_OK || \result == PM_E_K_ARG || \result == PM_E_K_WX;
    ensures \result == PM_OK <==> pm_k_prot_ok(prot);
    ensures \result == PM_E_K_ARG <==> prot > 7; */
pm_status pm_kc_prot(uint32_t prot);

/* A page range: alignment of vaddr and len (ALIGN), then empty, wrapping
 * or outside [umin, ulimit) (RANGE). */
/*@ requires page > 0;
    assigns \nothing;
    ensures \result == PM_OK || \result == PM_E_K_ALIGN || \result == PM_E_K_RANGE;
    ensures \result == PM_OK <==> pm_k_range_ok_at(page, umin, ulimit, vaddr, len);
    ensures \result == PM_E_K_ALIGN <==> (vaddr % page != 0 || len % page != 0); */
pm_status pm_kc_range(uint64_t page, uint64_t umin, uint64_t ulimit,
                      uint64_t vaddr, uint64_t len);

/* The file part of an image mapping, offset and length already aligned
 * and len non-empty: the last page mapped must start inside the image
 * (RANGE), i.e. off + len <= size rounded up to a page. */
/*@ requires page > 0 && off % page == 0;
    requires len >= page && len % page == 0;
    assigns \nothing;
    ensures \result == PM_OK || \result == PM_E_K_RANGE;
    ensures \result == PM_OK <==> pm_k_file_ok_at(page, size, off, len); */
pm_status pm_kc_file(uint64_t page, uint64_t size, uint64_t off, uint64_t len);

/* The checks of a zero-fill mapping, in kernel.h's order: ARG, WX,
 * ALIGN, RANGE.  Also those of protect (the same arguments). */
/*@ requires page > 0;
    assigns \nothing;
    ensures \result \in { PM_OK, PM_E_K_ARG, PM_E_K_WX, PM_E_K_ALIGN, PM_E_K_RANGE };
    ensures \result == PM_OK <==>
              pm_k_map_ok_at(page, umin, ulimit, vaddr, len, prot);
    ensures !pm_k_prot_ok(prot) ==> \result == PM_E_K_ARG || \result == PM_E_K_WX; */
pm_status pm_kc_map(uint64_t page, uint64_t umin, uint64_t ulimit,
                    uint64_t vaddr, uint64_t len, uint32_t prot);

/* The checks of an image mapping, in kernel.h's order: ARG, WX, ALIGN
 * (file_off, then vaddr and len), RANGE (the user range, then the image
 * of `size` bytes). */
/*@ requires page > 0;
    assigns \nothing;
    ensures \result \in { PM_OK, PM_E_K_ARG, PM_E_K_WX, PM_E_K_ALIGN, PM_E_K_RANGE };
    ensures \result == PM_OK <==>
              (pm_k_map_ok_at(page, umin, ulimit, vaddr, len, prot) &&
               pm_k_file_ok_at(page, size, file_off, len));
    ensures !pm_k_prot_ok(prot) ==> \result == PM_E_K_ARG || \result == PM_E_K_WX;
    ensures pm_k_prot_ok(prot) && file_off % page != 0 ==> \result == PM_E_K_ALIGN; */
pm_status pm_kc_image(uint64_t page, uint64_t umin, uint64_t ulimit,
                      uint64_t size, uint64_t file_off, uint64_t len,
                      uint64_t vaddr, uint32_t prot);

/* A byte write [vaddr, vaddr + len), any alignment: inside [umin, ulimit)
 * without wrapping, else RANGE.  Like the backends always did, vaddr is
 * checked even when len is 0, which is stricter than pm_k_bytes_ok_at. */
/*@ assigns \nothing;
    ensures \result == PM_OK || \result == PM_E_K_RANGE;
    ensures \result == PM_OK <==> (umin <= vaddr && vaddr + len <= ulimit);
    ensures \result == PM_OK ==> pm_k_bytes_ok_at(umin, ulimit, vaddr, len); */
pm_status pm_kc_bytes(uint64_t umin, uint64_t ulimit, uint64_t vaddr,
                      uint64_t len);

/* ---- the region list ------------------------------------------------------ */

/* The index of the region holding addr, or n. */
/*@ requires \valid_read(r + (0 .. n - 1));
    assigns \nothing;
    ensures 0 <= \result <= n;
    ensures \result < n ==> r[\result].lo <= addr < r[\result].hi;
    ensures \result == n ==> !pm_kc_in(r, n, addr); */
uint32_t pm_kc_region_at(const pm_kc_region *r, uint32_t n, uint64_t addr);

/* 1 if a region shares a byte with [lo, hi) (a map would be OVERLAP). */
/*@ requires \valid_read(r + (0 .. n - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 0 <==> pm_kc_free(r, n, lo, hi); */
int pm_kc_overlaps(const pm_kc_region *r, uint32_t n, uint64_t lo, uint64_t hi);

/* 1 if every byte of [lo, hi) lies in a region (else protect, unmap or a
 * write would be NOT_MAPPED).  Exact on a sorted list; on any list, 1
 * still means covered. */
/*@ requires \valid_read(r + (0 .. n - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> pm_kc_covers(r, n, lo, hi); */
int pm_kc_covered(const pm_kc_region *r, uint32_t n, uint64_t lo, uint64_t hi);

/* The list after mapping (PM_KC_MAP), protecting or unmapping [lo, hi),
 * sorted and with neighbours of one protection merged, written to out
 * (cap entries): its length, or cap + 1 if it does not fit.  A map needs
 * [lo, hi) free (checked by pm_kc_overlaps before).  The ghost limits are
 * those of the well-formedness kept. */
/*@ requires page > 0 && cap < 4294967295;
    requires \valid_read(r + (0 .. n - 1)) && \valid(out + (0 .. cap - 1));
    requires \separated(r + (0 .. n - 1), out + (0 .. cap - 1));
    requires pm_kc_wf(r, n, page, umin, ulimit);
    requires umin <= lo < hi <= ulimit && lo % page == 0 && hi % page == 0;
    requires mode == PM_KC_MAP || mode == PM_KC_PROTECT || mode == PM_KC_UNMAP;
    requires mode != PM_KC_UNMAP ==> pm_k_prot_ok(prot);
    requires mode == PM_KC_MAP ==> pm_kc_free(r, n, lo, hi);
    assigns out[0 .. cap - 1];
    ensures \result <= cap + 1;
    ensures \result <= cap ==> pm_kc_wf(out, \result, page, umin, ulimit); */
uint32_t pm_kc_rebuild(const pm_kc_region *r, uint32_t n, int mode,
                       uint64_t lo, uint64_t hi, uint32_t prot,
                       pm_kc_region *out, uint32_t cap)
    /*@ ghost (uint64_t page, uint64_t umin, uint64_t ulimit) */;

/* Apply a map, protect or unmap of [lo, hi) to the list r[0 .. *n - 1]
 * (room for cap entries), through tmp (cap entries): PM_OK, or
 * PM_E_K_NO_MEMORY with nothing changed when the result does not fit.
 * Same needs as pm_kc_rebuild; the list stays well-formed. */
/*@ requires page > 0 && cap < 4294967295;
    requires \valid(n) && *n <= cap;
    requires \valid(r + (0 .. cap - 1)) && \valid(tmp + (0 .. cap - 1));
    requires \separated(r + (0 .. cap - 1), tmp + (0 .. cap - 1), n);
    requires pm_kc_wf(r, *n, page, umin, ulimit);
    requires umin <= lo < hi <= ulimit && lo % page == 0 && hi % page == 0;
    requires mode == PM_KC_MAP || mode == PM_KC_PROTECT || mode == PM_KC_UNMAP;
    requires mode != PM_KC_UNMAP ==> pm_k_prot_ok(prot);
    requires mode == PM_KC_MAP ==> pm_kc_free(r, *n, lo, hi);
    assigns *n, r[0 .. cap - 1], tmp[0 .. cap - 1];
    ensures \result == PM_OK || \result == PM_E_K_NO_MEMORY;
    ensures \result == PM_E_K_NO_MEMORY ==> *n == \old(*n);
    ensures *n <= cap && pm_kc_wf(r, *n, page, umin, ulimit); */
pm_status pm_kc_apply(pm_kc_region *r, uint32_t *n, uint32_t cap,
                      pm_kc_region *tmp, int mode, uint64_t lo, uint64_t hi,
                      uint32_t prot)
    /*@ ghost (uint64_t page, uint64_t umin, uint64_t ulimit) */;

#endif /* PROCMGR_KCHECK_H */
