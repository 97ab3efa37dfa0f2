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
  // Plan b is plan a moved by bias: every field pm_elf_plan_layout reads,
  // kept or moved, and each of a's segments shifted.  One state, two
  // plans: the placed proof compares values, never two memories.
  predicate pm_elf_plan_moved(pm_elf_plan *a, pm_elf_plan *b, integer bias) =
    b->valid == a->valid && b->type == a->type && b->nseg == a->nseg &&
    b->align == a->align && b->stack_prot == a->stack_prot &&
    b->has_tls == a->has_tls && b->has_dynamic == a->has_dynamic &&
    b->has_relro == a->has_relro &&
    b->entry == a->entry + bias &&
    b->span_start == a->span_start + bias &&
    b->span_end == a->span_end + bias &&
    (a->phdr_addr == 0 ==> b->phdr_addr == 0) &&
    (a->phdr_addr != 0 ==> b->phdr_addr == a->phdr_addr + bias) &&
    (a->has_tls != 0 ==> b->tls_addr == a->tls_addr + bias) &&
    (a->has_dynamic != 0 ==> b->dynamic_addr == a->dynamic_addr + bias) &&
    (a->has_relro != 0 ==> b->relro_addr == a->relro_addr + bias) &&
    (\forall integer j; 0 <= j < a->nseg ==>
        pm_elf_seg_shifted(a->seg[j], b->seg[j], bias));

  // What the bias checks give each segment (pm_elf_bias_ok's part).
  predicate pm_elf_segs_bias_ok(pm_elf_plan *a, pm_elf_policy *pol, integer bias) =
    0 <= bias && pol->page_size != 0 && bias % pol->page_size == 0 &&
    (\forall integer j; 0 <= j < a->nseg ==>
        pm_elf_seg_bias_ok(a->seg[j], bias, pol->min_vaddr, pol->user_limit));

  // The parts of the placed plan, each from the same part before.
  lemma pm_elf_moved_seg_ok: \forall pm_elf_plan *a, *b, pm_elf_policy *pol,
      integer bias, lo;
    pm_elf_plan_moved(a, b, bias) ==> pm_elf_segs_bias_ok(a, pol, bias) ==>
    (\forall integer i; 0 <= i < a->nseg ==>
        pm_elf_seg_ok(a->seg[i], pol->page_size, pol->user_limit, pol->flags, lo)) ==>
    (\forall integer i; 0 <= i < b->nseg ==>
        pm_elf_seg_ok(b->seg[i], pol->page_size, pol->user_limit, pol->flags,
                      pol->min_vaddr));
  lemma pm_elf_moved_seg_before: \forall pm_elf_plan *a, *b, integer bias;
    pm_elf_plan_moved(a, b, bias) ==>
    (\forall integer i; 0 <= i < a->nseg - 1 ==>
        pm_elf_seg_before(a->seg[i], a->seg[i+1])) ==>
    (\forall integer i; 0 <= i < b->nseg - 1 ==>
        pm_elf_seg_before(b->seg[i], b->seg[i+1]));
  lemma pm_elf_moved_segs: \forall pm_elf_plan *a, *b, pm_elf_policy *pol,
      integer bias, lo;
    pm_elf_plan_moved(a, b, bias) ==> pm_elf_segs_bias_ok(a, pol, bias) ==>
    pm_elf_segs_ok(a, pol, lo, a->nseg) ==>
    pm_elf_segs_ok(b, pol, pol->min_vaddr, b->nseg);
  lemma pm_elf_moved_files: \forall pm_elf_plan *a, *b, pm_elf_policy *pol,
      integer bias, fs;
    pm_elf_plan_moved(a, b, bias) ==>
    pm_elf_segs_file_ok(a, pol, fs, a->nseg) ==>
    pm_elf_segs_file_ok(b, pol, fs, b->nseg);
  lemma pm_elf_moved_entry: \forall pm_elf_plan *a, *b, integer bias;
    pm_elf_plan_moved(a, b, bias) ==>
    pm_elf_plan_entry_ok(a, a->entry) ==> pm_elf_plan_entry_ok(b, b->entry);
  lemma pm_elf_moved_span: \forall pm_elf_plan *a, *b, integer bias;
    pm_elf_plan_moved(a, b, bias) ==>
    pm_elf_plan_span_ok(a) ==> pm_elf_plan_span_ok(b);

  // ... and the placed plan from them.
  lemma pm_elf_moved_placed: \forall pm_elf_plan *a, *b, pm_elf_policy *pol,
      integer bias, fs;
    pm_elf_plan_moved(a, b, bias) ==> pm_elf_segs_bias_ok(a, pol, bias) ==>
    pm_elf_plan_loadable(a, pol, fs) ==> pm_elf_plan_placed(b, pol, fs);

  // A plan equal to a placed plan in every field the predicate reads is
  // placed (the store of the biased plan into the caller's).
  lemma pm_elf_same_placed: \forall pm_elf_plan *a, *b, pm_elf_policy *pol,
      integer fs;
    pm_elf_plan_moved(a, b, 0) ==>
    pm_elf_plan_placed(a, pol, fs) ==> pm_elf_plan_placed(b, pol, fs);
*/

#endif /* PROCMGR_ACSL_ELF_BIAS_H */
