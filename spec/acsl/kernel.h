/*
 * ACSL model of the kernel interface (include/procmgr/kernel.h): what a
 * well-formed construction call is, and the abstract state the core's
 * proof tracks across calls (spec/kernel-interface.md, "Construction
 * contracts").  Comment-only header: C compilers see nothing.
 *
 * Two layers.
 *
 * 1. Argument predicates, pure arithmetic over the call's arguments and a
 *    backend's limits (page size, user_min, user_limit).  The core must
 *    meet them (kernel.h `requires`); every backend refuses anything else
 *    at run time (defence in depth) and its checking functions are proven
 *    to succeed ONLY on arguments that satisfy them.  They take the limits
 *    as parameters so that a backend proves them against its own limits
 *    (k->cfg, KL_*), and the core against the logic constants below.
 *
 * 2. Ghost tokens for the state the core reasons about across calls: the
 *    mappings of every address space (pm_k_vm) and the thread bindings
 *    (pm_k_tb).  Each is a ghost integer that only the calls changing that
 *    part of the kernel assign; the predicates take the token's value as
 *    an argument and are otherwise uninterpreted.  A call that does not
 *    assign pm_k_vm therefore keeps every pm_k_mapped fact the caller
 *    holds, which is what lets launch.c prove "a write inside an earlier
 *    mapping" across the other calls it makes in between.
 *
 * Bit values are spelled as numbers (PM_PROT_R 1, W 2, X 4), as in
 * elf_plan.h: a protection is writable when prot % 4 >= 2, executable when
 * prot >= 4, and W+X is prot 6 or 7.
 */
#ifndef PROCMGR_ACSL_KERNEL_H
#define PROCMGR_ACSL_KERNEL_H

/*@
  // ---- layer 1: argument predicates --------------------------------------

  // A protection the kernel maps: R/W/X bits only, never writable and
  // executable together.
  predicate pm_k_prot_ok(integer prot) =
    0 <= prot <= 7 && prot != 6 && prot != 7;

  // [vaddr, vaddr + len): non-empty, page-aligned, inside [umin, ulimit).
  predicate pm_k_range_ok_at(integer page, integer umin, integer ulimit,
                             integer vaddr, integer len) =
    page > 0 && 0 < len &&
    vaddr % page == 0 && len % page == 0 &&
    umin <= vaddr && vaddr + len <= ulimit;

  // A mapping: range and protection.
  predicate pm_k_map_ok_at(integer page, integer umin, integer ulimit,
                           integer vaddr, integer len, integer prot) =
    pm_k_range_ok_at(page, umin, ulimit, vaddr, len) && pm_k_prot_ok(prot);

  // The file part of an image mapping: page-aligned offset, and the last
  // page mapped starts inside the image (bytes past its end in that page
  // read as zero; a page wholly past it would fault with SIGBUS).
  predicate pm_k_file_ok_at(integer page, integer size, integer off,
                            integer len) =
    page > 0 && 0 <= off && off % page == 0 && 0 < len &&
    off + len - page < size;

  // A byte write: non-empty is not required, but a non-empty one stays
  // inside [umin, ulimit) without wrapping.
  predicate pm_k_bytes_ok_at(integer umin, integer ulimit, integer vaddr,
                             integer len) =
    len == 0 || (umin <= vaddr && vaddr + len <= ulimit);

  // ---- the backend's limits, as the core sees them ----------------------
  // pm_k_get_limits returns these; they are fixed for a backend's life (the
  // sim's come from its config at pm_sim_create, Linux's are KL_PAGE,
  // KL_USER_MIN, KL_USER_LIMIT).
  axiomatic pm_k_limits_model {
    logic integer pm_k_page;
    logic integer pm_k_umin;
    logic integer pm_k_ulimit;
    axiom pm_k_page_pos: 0 < pm_k_page <= 65536;
    axiom pm_k_limits_order: 0 <= pm_k_umin < pm_k_ulimit <= 18446744073709551615;
  }

  predicate pm_k_range_ok(integer vaddr, integer len) =
    pm_k_range_ok_at(pm_k_page, pm_k_umin, pm_k_ulimit, vaddr, len);
  predicate pm_k_map_ok(integer vaddr, integer len, integer prot) =
    pm_k_map_ok_at(pm_k_page, pm_k_umin, pm_k_ulimit, vaddr, len, prot);
  predicate pm_k_file_ok(integer size, integer off, integer len) =
    pm_k_file_ok_at(pm_k_page, size, off, len);

  // ---- layer 2: ghost state ----------------------------------------------

  // The size of an image, as pm_k_image_size reports it.  An image is
  // read-only bytes: its size does not change while a cap names it (the
  // Linux backend re-checks the file at build time: spec/linux-loader.md).
  axiomatic pm_k_image_model {
    logic integer pm_k_image_len(pm_kcap image);
    axiom pm_k_image_len_range: \forall pm_kcap i;
      0 <= pm_k_image_len(i) <= 18446744073709551615;
  }

  // pm_k_mapped(vm, as, lo, hi, prot): in mapping state vm, every page of
  // [lo, hi) is mapped in address space `as` with protection prot.
  axiomatic pm_k_vm_model {
    predicate pm_k_mapped(integer vm, pm_kcap as, integer lo, integer hi,
                          integer prot);
    // A part of a mapped range is mapped.
    axiom pm_k_mapped_sub: \forall integer vm, lo, hi, lo2, hi2, prot,
        pm_kcap as;
      pm_k_mapped(vm, as, lo, hi, prot) ==> lo <= lo2 ==> lo2 < hi2 ==>
        hi2 <= hi ==> pm_k_mapped(vm, as, lo2, hi2, prot);
  }

  // pm_k_bound(tb, thread, as): in binding state tb, thread is bound to as.
  axiomatic pm_k_tb_model {
    predicate pm_k_bound(integer tb, pm_kcap thread, pm_kcap as);
  }

  // Mapping state vm2 keeps every mapping of vm1 (map calls only add).
  predicate pm_k_vm_grows(integer vm1, integer vm2) =
    \forall pm_kcap a; \forall integer lo, hi, p;
      pm_k_mapped(vm1, a, lo, hi, p) ==> pm_k_mapped(vm2, a, lo, hi, p);
  predicate pm_k_tb_grows(integer tb1, integer tb2) =
    \forall pm_kcap t, a; pm_k_bound(tb1, t, a) ==> pm_k_bound(tb2, t, a);

  // [vaddr, vaddr + len) lies in one mapping of as (any protection).
  predicate pm_k_inside_mapping(integer vm, pm_kcap as, integer vaddr,
                                integer len) =
    \exists integer lo, hi, p; pm_k_mapped(vm, as, lo, hi, p) &&
      lo <= vaddr && vaddr + len <= hi;

  // addr lies in an executable mapping of as.
  predicate pm_k_exec_at(integer vm, pm_kcap as, integer addr) =
    \exists integer lo, hi, p; pm_k_mapped(vm, as, lo, hi, p) &&
      p >= 4 && lo <= addr < hi;

  // addr lies in a writable mapping of as.
  predicate pm_k_write_at(integer vm, pm_kcap as, integer addr) =
    \exists integer lo, hi, p; pm_k_mapped(vm, as, lo, hi, p) &&
      p % 4 >= 2 && lo <= addr < hi;
*/

#endif /* PROCMGR_ACSL_KERNEL_H */
