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

/*@
  // The plan's addresses other than the segments may move by bias: each
  // stays at or below limit (the part of pm_elf_bias_ok that shift_fields
  // needs, with the limit as a value).
  predicate pm_elf_addrs_bias_ok(pm_elf_plan *p, integer bias, integer limit) =
    p->entry + bias <= limit &&
    p->span_start + bias <= limit &&
    p->span_end + bias <= limit &&
    (p->phdr_addr == 0 || p->phdr_addr + bias <= limit) &&
    (p->has_tls == 0 || p->tls_addr + bias <= limit) &&
    (p->has_dynamic == 0 || p->dynamic_addr + bias <= limit) &&
    (p->has_relro == 0 || p->relro_addr + bias <= limit);
*/

/*@
  // Plan b at L2 is plan a at L1 moved by bias: every field
  // pm_elf_plan_layout reads, kept or moved, and each of a's segments
  // shifted.  Stated over values read at two labels (a == b in
  // pm_elf_plan_apply_bias, which moves the plan in place), so that the
  // lemmas below see values only, never a memory between the labels.
  predicate pm_elf_plan_moved{L1, L2}(pm_elf_plan *a, pm_elf_plan *b,
                                      integer bias) =
    \at(b->valid, L2) == \at(a->valid, L1) &&
    \at(b->type, L2) == \at(a->type, L1) &&
    \at(b->nseg, L2) == \at(a->nseg, L1) &&
    \at(b->align, L2) == \at(a->align, L1) &&
    \at(b->stack_prot, L2) == \at(a->stack_prot, L1) &&
    \at(b->has_tls, L2) == \at(a->has_tls, L1) &&
    \at(b->has_dynamic, L2) == \at(a->has_dynamic, L1) &&
    \at(b->has_relro, L2) == \at(a->has_relro, L1) &&
    \at(b->entry, L2) == \at(a->entry, L1) + bias &&
    \at(b->span_start, L2) == \at(a->span_start, L1) + bias &&
    \at(b->span_end, L2) == \at(a->span_end, L1) + bias &&
    (\at(a->phdr_addr, L1) == 0 ==> \at(b->phdr_addr, L2) == 0) &&
    (\at(a->phdr_addr, L1) != 0 ==>
        \at(b->phdr_addr, L2) == \at(a->phdr_addr, L1) + bias) &&
    (\at(a->has_tls, L1) != 0 ==>
        \at(b->tls_addr, L2) == \at(a->tls_addr, L1) + bias) &&
    (\at(a->has_dynamic, L1) != 0 ==>
        \at(b->dynamic_addr, L2) == \at(a->dynamic_addr, L1) + bias) &&
    (\at(a->has_relro, L1) != 0 ==>
        \at(b->relro_addr, L2) == \at(a->relro_addr, L1) + bias) &&
    (\forall integer j; 0 <= j < \at(a->nseg, L1) ==>
        pm_elf_seg_shifted(\at(a->seg[j], L1), \at(b->seg[j], L2), bias));

  // What the bias checks give each segment (pm_elf_bias_ok's part).
  predicate pm_elf_segs_bias_ok(pm_elf_plan *a, pm_elf_policy *pol, integer bias) =
    0 <= bias && pol->page_size != 0 && bias % pol->page_size == 0 &&
    (\forall integer j; 0 <= j < a->nseg ==>
        pm_elf_seg_bias_ok(a->seg[j], bias, pol->min_vaddr, pol->user_limit));

  // The parts of the placed plan, each from the same part before.
  // (pm_elf_moved_seg_ok is stated from pm_elf_plan_loadable, not from a
  // segment predicate with a free lower bound: every variable of a lemma
  // then occurs in a premise at its top level, which the provers need to
  // instantiate it in a caller's goal.)
  lemma pm_elf_moved_seg_ok{L1, L2}: \forall pm_elf_plan *a, *b,
      pm_elf_policy *pol, integer bias, fs;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==> pm_elf_pol_kept{L1, L2}(pol) ==>
    \at(pm_elf_segs_bias_ok(a, pol, bias), L1) ==>
    \at(pm_elf_plan_loadable(a, pol, fs), L1) ==>
    \at(\forall integer i; 0 <= i < b->nseg ==>
        pm_elf_seg_ok(b->seg[i], pol->page_size, pol->user_limit, pol->flags,
                      pol->min_vaddr), L2);
  lemma pm_elf_moved_seg_before{L1, L2}: \forall pm_elf_plan *a, *b, integer bias;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==>
    \at(\forall integer i; 0 <= i < a->nseg - 1 ==>
        pm_elf_seg_before(a->seg[i], a->seg[i+1]), L1) ==>
    \at(\forall integer i; 0 <= i < b->nseg - 1 ==>
        pm_elf_seg_before(b->seg[i], b->seg[i+1]), L2);
  // ... the same from the plan's whole layout (a step of
  // pm_elf_moved_placed's proof: 10 s without it under load, 0.1 s with).
  lemma pm_elf_moved_seg_order{L1, L2}: \forall pm_elf_plan *a, *b,
      pm_elf_policy *pol, integer bias, fs;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==>
    \at(pm_elf_plan_loadable(a, pol, fs), L1) ==>
    \at(\forall integer i; 0 <= i < b->nseg - 1 ==>
        pm_elf_seg_before(b->seg[i], b->seg[i+1]), L2);
  lemma pm_elf_moved_files{L1, L2}: \forall pm_elf_plan *a, *b,
      pm_elf_policy *pol, integer bias, fs;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==> pm_elf_pol_kept{L1, L2}(pol) ==>
    \at(pm_elf_segs_file_ok(a, pol, fs, a->nseg), L1) ==>
    \at(pm_elf_segs_file_ok(b, pol, fs, b->nseg), L2);
  lemma pm_elf_moved_entry{L1, L2}: \forall pm_elf_plan *a, *b, integer bias;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==>
    \at(pm_elf_plan_entry_ok(a, a->entry), L1) ==>
    \at(pm_elf_plan_entry_ok(b, b->entry), L2);
  lemma pm_elf_moved_span{L1, L2}: \forall pm_elf_plan *a, *b, integer bias;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==>
    \at(pm_elf_plan_span_ok(a), L1) ==> \at(pm_elf_plan_span_ok(b), L2);

  // ... and the placed plan from them: the conclusion of
  // pm_elf_moved_seg_ok is a premise here (the caller states it, one
  // instance of that lemma), the rest is field by field.
  lemma pm_elf_moved_placed{L1, L2}: \forall pm_elf_plan *a, *b,
      pm_elf_policy *pol, integer bias, fs;
    pm_elf_plan_moved{L1, L2}(a, b, bias) ==> pm_elf_pol_kept{L1, L2}(pol) ==>
    \at(\forall integer i; 0 <= i < b->nseg ==>
        pm_elf_seg_ok(b->seg[i], pol->page_size, pol->user_limit, pol->flags,
                      pol->min_vaddr), L2) ==>
    \at(pm_elf_plan_loadable(a, pol, fs), L1) ==>
    \at(pm_elf_plan_placed(b, pol, fs), L2);
*/

#endif /* PROCMGR_ACSL_ELF_BIAS_H */
