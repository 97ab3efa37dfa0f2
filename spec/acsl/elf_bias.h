/*
 * ACSL helpers of the bias proof (issue 14): the exact shift of a segment
 * and the value lemmas that carry a validated segment through it.
 * Comment-only.  Read by src/elf/elf_bias.c alone, which proof-elf proves
 * in a WP run of its own (mk/elf.mk): a lemma is a hypothesis of every goal
 * of the run that parses it, and with the validator's goals in the same
 * run these ones made some of them fail (seg_make's ensures_5 and
 * record_load's kept, 90 ms and 6.4 s without them; with them Z3 stops
 * with "Unknown error" and CVC4 times out at 20 s).  Needs
 * spec/acsl/elf_plan.h.
 */
#ifndef PROCMGR_ACSL_ELF_BIAS_H
#define PROCMGR_ACSL_ELF_BIAS_H

/*@
  // The sum of two multiples of p is a multiple of p.  Stated for any
  // p > 0: the bias function runs under any policy, so it cannot lean on
  // pm_elf_page_size_ok.  (Z3 proves it directly, in well under a second.)
  lemma pm_mod_add: \forall integer a, b, p; 0 < p ==> 0 <= a ==> 0 <= b ==>
    a % p == 0 ==> b % p == 0 ==> (a + b) % p == 0;

  // Segment b is segment a moved by bias: both addresses moved, the
  // lengths, file range and protection the same.
  predicate pm_elf_seg_shifted(pm_elf_segment a, pm_elf_segment b,
                               integer bias) =
    b.map_start == a.map_start + bias &&
    b.zero_start == a.zero_start + bias &&
    b.map_len == a.map_len &&
    b.file_off == a.file_off &&
    b.file_len == a.file_len &&
    b.zero_len == a.zero_len &&
    b.prot == a.prot;

  // Every segment of the plan lies in [a, b]: the part of
  // pm_elf_plan_span_ok (spec/acsl/elf_plan.h) that holds the segments,
  // with the span's ends as values, so that it can be carried while the
  // span fields and the segments are moved one after the other.
  predicate pm_elf_segs_in(pm_elf_plan *p, integer a, integer b) =
    \forall integer i; 0 <= i < p->nseg ==>
        a <= p->seg[i].map_start &&
        p->seg[i].map_start + p->seg[i].map_len <= b;

  // What moving a segment keeps: well-formedness with the new low bound
  // (which the bias checks establish), the file range, and the order of
  // two segments moved by the same bias.
  lemma pm_elf_seg_ok_shift: \forall pm_elf_segment a, b, integer bias,
      page, limit, flags, lo0, lo;
    pm_elf_seg_ok(a, page, limit, flags, lo0) ==>
    pm_elf_seg_shifted(a, b, bias) ==> 0 <= bias ==> bias % page == 0 ==>
    pm_elf_seg_bias_ok(a, bias, lo, limit) ==>
    pm_elf_seg_ok(b, page, limit, flags, lo);
  lemma pm_elf_seg_file_ok_shift: \forall pm_elf_segment a, b, integer bias,
      page, file_size;
    pm_elf_seg_file_ok(a, page, file_size) ==> pm_elf_seg_shifted(a, b, bias) ==>
    pm_elf_seg_file_ok(b, page, file_size);
  lemma pm_elf_seg_before_shift: \forall pm_elf_segment a1, a2, b1, b2,
      integer bias;
    pm_elf_seg_before(a1, a2) ==> pm_elf_seg_shifted(a1, b1, bias) ==>
    pm_elf_seg_shifted(a2, b2, bias) ==> pm_elf_seg_before(b1, b2);
*/

#ifdef PM_ELF_BIAS_PLACED
/*@
  // pm_elf_plan_span_ok in the two parts the placed proof carries (proven
  // in proof-elf-placed's run, which names it in -wp-prop).
  lemma pm_elf_span_of: \forall pm_elf_plan *p;
    p->span_start < p->span_end ==>
    pm_elf_segs_in(p, p->span_start, p->span_end) ==> pm_elf_plan_span_ok(p);

  // The placed plan from its parts, each carried from L1 (before the
  // bias) to L2 (after it): the header fields kept, the addresses moved by
  // bias, and each segment predicate of pm_elf_plan_loadable turned into
  // the same one of pm_elf_plan_placed.  Proven in a context holding only
  // these (so apply_bias's ensures `placed` is one instance of it).
  lemma pm_elf_placed_step{L1, L2}: \forall pm_elf_plan *p, pm_elf_policy *pol,
      integer bias, fs;
    pm_elf_pol_kept{L1, L2}(pol) ==>
    \at(p->valid, L2) == \at(p->valid, L1) ==>
    \at(p->type, L2) == \at(p->type, L1) ==>
    \at(p->nseg, L2) == \at(p->nseg, L1) ==>
    \at(p->align, L2) == \at(p->align, L1) ==>
    \at(p->stack_prot, L2) == \at(p->stack_prot, L1) ==>
    \at(p->has_tls, L2) == \at(p->has_tls, L1) ==>
    \at(p->has_dynamic, L2) == \at(p->has_dynamic, L1) ==>
    \at(p->has_relro, L2) == \at(p->has_relro, L1) ==>
    \at(p->span_start, L2) == \at(p->span_start, L1) + bias ==>
    \at(p->span_end, L2) == \at(p->span_end, L1) + bias ==>
    (\at(p->phdr_addr, L1) == 0 ==> \at(p->phdr_addr, L2) == 0) ==>
    (\at(p->phdr_addr, L1) != 0 ==>
        \at(p->phdr_addr, L2) == \at(p->phdr_addr, L1) + bias) ==>
    (\at(p->has_tls, L2) != 0 ==>
        \at(p->tls_addr, L2) == \at(p->tls_addr, L1) + bias) ==>
    (\at(p->has_dynamic, L2) != 0 ==>
        \at(p->dynamic_addr, L2) == \at(p->dynamic_addr, L1) + bias) ==>
    (\at(p->has_relro, L2) != 0 ==>
        \at(p->relro_addr, L2) == \at(p->relro_addr, L1) + bias) ==>
    (\at(pm_elf_segs_ok(p, pol, pm_elf_lo(p, pol), p->nseg), L1) ==>
        \at(pm_elf_segs_ok(p, pol, pol->min_vaddr, p->nseg), L2)) ==>
    (\at(pm_elf_segs_file_ok(p, pol, fs, p->nseg), L1) ==>
        \at(pm_elf_segs_file_ok(p, pol, fs, p->nseg), L2)) ==>
    (\at(pm_elf_plan_entry_ok(p, p->entry), L1) ==>
        \at(pm_elf_plan_entry_ok(p, p->entry), L2)) ==>
    (\at(pm_elf_plan_span_ok(p), L1) ==> \at(pm_elf_plan_span_ok(p), L2)) ==>
    \at(pm_elf_plan_loadable(p, pol, fs), L1) ==>
    \at(pm_elf_plan_placed(p, pol, fs), L2);
*/
#endif

#endif /* PROCMGR_ACSL_ELF_BIAS_H */
