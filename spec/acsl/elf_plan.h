/*
 * ACSL predicates of the ELF validator (spec/elf-policy.md, section "Load
 * plan").  Comment-only header: C compilers see nothing, Frama-C sees the
 * logic.  Included by include/procmgr/elf.h's proof companion
 * src/elf/elf_internal.h after the plan types are declared.
 *
 * Conventions: bit values are spelled out as numbers so that the provers
 * reason about arithmetic, not bit vectors:
 *   PM_PROT_R = 1, PM_PROT_W = 2, PM_PROT_X = 4, so prot <= 7 and
 *   "executable" is prot >= 4, "writable and executable" is prot == 6 || 7.
 *   ET_EXEC = 2, ET_DYN = 3.
 */
#ifndef PROCMGR_ACSL_ELF_PLAN_H
#define PROCMGR_ACSL_ELF_PLAN_H

/*@
  // Page sizes a policy may name.  Kept as an explicit list: the provers
  // reason about "x % 4096" far better than about "x % p" for a symbolic p,
  // so the lemmas below are proven one page size at a time and combined.
  predicate pm_elf_page_size_ok(integer p) =
    p == 4096 || p == 8192 || p == 16384 || p == 32768 || p == 65536;

  lemma pm_mod_sub_4k:  \forall integer a, b; 0 <= b <= a ==>
    a % 4096 == 0 ==> b % 4096 == 0 ==> (a - b) % 4096 == 0;
  lemma pm_mod_sub_8k:  \forall integer a, b; 0 <= b <= a ==>
    a % 8192 == 0 ==> b % 8192 == 0 ==> (a - b) % 8192 == 0;
  lemma pm_mod_sub_16k: \forall integer a, b; 0 <= b <= a ==>
    a % 16384 == 0 ==> b % 16384 == 0 ==> (a - b) % 16384 == 0;
  lemma pm_mod_sub_32k: \forall integer a, b; 0 <= b <= a ==>
    a % 32768 == 0 ==> b % 32768 == 0 ==> (a - b) % 32768 == 0;
  lemma pm_mod_sub_64k: \forall integer a, b; 0 <= b <= a ==>
    a % 65536 == 0 ==> b % 65536 == 0 ==> (a - b) % 65536 == 0;
  // The difference of two page-aligned values is page-aligned.
  lemma pm_mod_sub: \forall integer a, b, p; pm_elf_page_size_ok(p) ==>
    0 <= b <= a ==> a % p == 0 ==> b % p == 0 ==> (a - b) % p == 0;

  lemma pm_mod_down_4k:  \forall integer x; 0 <= x ==> (x - x % 4096) % 4096 == 0;
  lemma pm_mod_down_8k:  \forall integer x; 0 <= x ==> (x - x % 8192) % 8192 == 0;
  lemma pm_mod_down_16k: \forall integer x; 0 <= x ==> (x - x % 16384) % 16384 == 0;
  lemma pm_mod_down_32k: \forall integer x; 0 <= x ==> (x - x % 32768) % 32768 == 0;
  lemma pm_mod_down_64k: \forall integer x; 0 <= x ==> (x - x % 65536) % 65536 == 0;
  // Rounding down to a page boundary gives a page-aligned value.
  lemma pm_mod_down: \forall integer x, p; pm_elf_page_size_ok(p) ==> 0 <= x ==>
    (x - x % p) % p == 0;

  // A consistent policy (pm_elf_validate refuses anything else with
  // PM_E_ELF_POLICY).
  // The policy fields are the same at labels L1 and L2.
  predicate pm_elf_pol_kept{L1, L2}(pm_elf_policy *pol) =
    \at(pol->machines, L1) == \at(pol->machines, L2) &&
    \at(pol->flags, L1) == \at(pol->flags, L2) &&
    \at(pol->page_size, L1) == \at(pol->page_size, L2) &&
    \at(pol->min_vaddr, L1) == \at(pol->min_vaddr, L2) &&
    \at(pol->user_limit, L1) == \at(pol->user_limit, L2) &&
    \at(pol->max_span, L1) == \at(pol->max_span, L2) &&
    \at(pol->max_loads, L1) == \at(pol->max_loads, L2);

  predicate pm_elf_policy_ok(pm_elf_policy *pol) =
    1 <= pol->machines <= 7 &&
    pol->flags <= 1 &&
    pm_elf_page_size_ok(pol->page_size) &&
    pol->min_vaddr % pol->page_size == 0 &&
    pol->user_limit % pol->page_size == 0 &&
    pol->min_vaddr < pol->user_limit &&
    1 <= pol->max_loads <= PM_ELF_MAX_SEGMENTS;

  predicate pm_elf_wxorx(pm_elf_policy *pol) = (pol->flags & 1) != 0;

  // One plan segment, as a value: page-aligned mapping inside [lo, limit),
  // the file part a page-aligned prefix of it whose last page starts inside
  // the file, the bytes to clear a suffix of the file part shorter than a
  // page.  page, limit and flags are the policy's page_size, user_limit and
  // flags.  The predicate takes the segment by value and the policy fields
  // as integers so that storing another segment of the array, or writing
  // anything outside the segment, leaves it trivially intact for the provers.
  predicate pm_elf_seg_ok(pm_elf_segment s, integer page, integer limit,
                          integer flags, integer lo) =
    s.map_start % page == 0 &&
    s.map_len   % page == 0 &&
    s.file_off  % page == 0 &&
    s.file_len  % page == 0 &&
    0 < s.map_len &&
    s.file_len <= s.map_len &&
    lo <= s.map_start &&
    s.map_start + s.map_len <= limit &&
    s.zero_len < page &&
    s.zero_len <= s.file_len &&
    s.zero_start + s.zero_len == s.map_start + s.file_len &&
    s.prot <= 7 &&
    ((flags & 1) != 0 ==> (s.prot != 6 && s.prot != 7));

  // The file part of a segment: every mapped file page starts inside the
  // file (so no access faults with SIGBUS), and the bytes that carry the
  // segment's data, file_off .. file_off + (zero_start - map_start) when
  // something is cleared, lie inside the file.
  predicate pm_elf_seg_file_ok(pm_elf_segment s, integer page,
                               integer file_size) =
    (s.file_len == 0 || s.file_off + s.file_len - page < file_size) &&
    (s.zero_len == 0 || s.file_off + (s.zero_start - s.map_start) <= file_size);

  // Segment a ends at or below the start of segment b.
  predicate pm_elf_seg_before(pm_elf_segment a, pm_elf_segment b) =
    a.map_start + a.map_len <= b.map_start;

  // The first n segments are well formed, strictly ascending and disjoint.
  predicate pm_elf_segs_ok(pm_elf_plan *p, pm_elf_policy *pol, integer lo,
                           integer n) =
    0 <= n <= PM_ELF_MAX_SEGMENTS &&
    (\forall integer i; 0 <= i < n ==>
        pm_elf_seg_ok(p->seg[i], pol->page_size, pol->user_limit, pol->flags, lo)) &&
    (\forall integer i; 0 <= i < n - 1 ==> pm_elf_seg_before(p->seg[i], p->seg[i+1]));

  // The lowest address a plan may use before a bias is applied.
  logic integer pm_elf_lo_of(integer type, pm_elf_policy *pol) =
    type == 2 ? pol->min_vaddr : 0;
  logic integer pm_elf_lo(pm_elf_plan *p, pm_elf_policy *pol) =
    pm_elf_lo_of(p->type, pol);

  // The span covers every segment.  (For the ascending segments of a plan
  // it is exactly seg[0].map_start .. end of the last segment, which is
  // how spec/elf-policy.md defines it; the predicate states the covering,
  // which is what the mapper's reservation and the bias rely on.)
  predicate pm_elf_plan_span_ok(pm_elf_plan *p) =
    p->span_start < p->span_end &&
    (\forall integer i; 0 <= i < p->nseg ==>
        p->span_start <= p->seg[i].map_start &&
        p->seg[i].map_start + p->seg[i].map_len <= p->span_end);

  // Address layout of a plan: segments, entry, span and alignment.
  predicate pm_elf_segs_file_ok(pm_elf_plan *p, pm_elf_policy *pol,
                                integer file_size, integer n) =
    \forall integer i; 0 <= i < n ==>
        pm_elf_seg_file_ok(p->seg[i], pol->page_size, file_size);

  predicate pm_elf_plan_layout(pm_elf_plan *p, pm_elf_policy *pol, integer lo) =
    p->valid == PM_ELF_PLAN_VALID &&
    (p->type == 2 || p->type == 3) &&
    1 <= p->nseg <= pol->max_loads &&
    pm_elf_segs_ok(p, pol, lo, p->nseg) &&
    (\exists integer i; 0 <= i < p->nseg && p->seg[i].prot >= 4 &&
        p->seg[i].map_start <= p->entry < p->seg[i].map_start + p->seg[i].map_len) &&
    pm_elf_plan_span_ok(p) &&
    p->span_end - p->span_start <= pol->max_span &&
    p->align >= pol->page_size &&
    (p->phdr_addr == 0 || p->span_start <= p->phdr_addr < p->span_end) &&
    (p->has_tls != 0 ==> p->span_start <= p->tls_addr <= p->span_end) &&
    (p->has_dynamic != 0 ==> p->span_start <= p->dynamic_addr <= p->span_end) &&
    (p->has_relro != 0 ==> p->span_start <= p->relro_addr <= p->span_end) &&
    p->stack_prot == 3;

  // The interpreter name: inside the header area, NUL at its last byte and
  // nowhere else.  Stated on the three plan fields as values, so that a
  // write to another field of the plan leaves it visibly intact.
  predicate pm_elf_name_at(uint8_t *buf, integer buf_len, integer has,
                           integer off, integer len) =
    has != 0 ==>
        PM_ELF_INTERP_MIN <= len <= PM_ELF_INTERP_MAX &&
        off + len <= buf_len &&
        buf[off + len - 1] == 0 &&
        (\forall integer k; off <= k < off + len - 1 ==> buf[k] != 0);

  predicate pm_elf_plan_name_ok(pm_elf_plan *p, uint8_t *buf, integer buf_len) =
    pm_elf_name_at(buf, buf_len, p->has_interp, p->interp_off, p->interp_len);

  // ... and an interpreter image has none.
  predicate pm_elf_plan_interp_ok(pm_elf_plan *p, uint8_t *buf, integer buf_len) =
    (p->role == PM_ELF_ROLE_INTERP ==> p->has_interp == 0 && p->type == 3) &&
    pm_elf_plan_name_ok(p, buf, buf_len);

  // The postcondition of a successful pm_elf_validate.
  predicate pm_elf_plan_wf(pm_elf_plan *p, uint8_t *buf, integer buf_len,
                           integer file_size, pm_elf_policy *pol) =
    pm_elf_plan_layout(p, pol, pm_elf_lo(p, pol)) &&
    pm_elf_segs_file_ok(p, pol, file_size, p->nseg) &&
    pm_elf_plan_interp_ok(p, buf, buf_len) &&
    p->bias == 0;

  // Proof helpers of pm_elf_validate (the parts of pm_elf_plan_wf that the
  // program header walk establishes and the later steps keep): the
  // segments, their file ranges and the interpreter name.
  predicate pm_elf_plan_body(pm_elf_plan *p, pm_elf_policy *pol, integer lo,
                             integer file_size, uint8_t *buf, integer buf_len,
                             integer role) =
    p->nseg <= pol->max_loads &&
    pm_elf_segs_ok(p, pol, lo, p->nseg) &&
    pm_elf_segs_file_ok(p, pol, file_size, p->nseg) &&
    pm_elf_plan_name_ok(p, buf, buf_len) &&
    (role == PM_ELF_ROLE_INTERP ==> p->has_interp == 0);

  // ... and the addresses the whole-image rules check.
  predicate pm_elf_plan_addrs(pm_elf_plan *p, pm_elf_policy *pol) =
    1 <= p->nseg &&
    pm_elf_plan_span_ok(p) &&
    p->span_end - p->span_start <= pol->max_span &&
    (p->phdr_addr == 0 || p->span_start <= p->phdr_addr < p->span_end) &&
    (p->has_tls != 0 ==> p->span_start <= p->tls_addr <= p->span_end) &&
    (p->has_dynamic != 0 ==> p->span_start <= p->dynamic_addr <= p->span_end) &&
    (p->has_relro != 0 ==> p->span_start <= p->relro_addr <= p->span_end);

  // The further read a refusal may ask for (plan->need_off/need_len): only
  // ELF_HEADER_AREA from a validation without a window (buf_len ==
  // head_len), at most PM_ELF_INTERP_MAX bytes inside the file.  So a
  // validation with a window never asks again: two reads at most.
  predicate pm_elf_need_ok(pm_elf_plan *p, integer st, integer head_len,
                           integer buf_len, integer file_size) =
    p->need_len == 0 ||
    (st == PM_E_ELF_HEADER_AREA && head_len == buf_len &&
     PM_ELF_INTERP_MIN <= p->need_len <= PM_ELF_INTERP_MAX &&
     p->need_off + p->need_len <= file_size);

  // The header fields of a plan are the same at labels L1 and L2.
  predicate pm_elf_plan_head{L1, L2}(pm_elf_plan *p) =
    \at(p->valid, L1) == \at(p->valid, L2) &&
    \at(p->type, L1) == \at(p->type, L2) &&
    \at(p->role, L1) == \at(p->role, L2) &&
    \at(p->entry, L1) == \at(p->entry, L2) &&
    \at(p->stack_prot, L1) == \at(p->stack_prot, L2) &&
    \at(p->bias, L1) == \at(p->bias, L2) &&
    \at(p->align, L1) == \at(p->align, L2);

  // The interpreter fields of a plan are the same at labels L1 and L2.
  predicate pm_elf_plan_interp_kept{L1, L2}(pm_elf_plan *p) =
    \at(p->has_interp, L1) == \at(p->has_interp, L2) &&
    \at(p->interp_off, L1) == \at(p->interp_off, L2) &&
    \at(p->interp_len, L1) == \at(p->interp_len, L2);

  predicate pm_elf_plan_entry_ok(pm_elf_plan *p, integer entry) =
    \exists integer i; 0 <= i < p->nseg && p->seg[i].prot >= 4 &&
        p->seg[i].map_start <= entry < p->seg[i].map_start + p->seg[i].map_len;

  // Bias (spec/elf-policy.md, "Bias").  One segment may move by bias: its
  // whole mapping stays in [lo, limit] and its cleared bytes lie in it.
  predicate pm_elf_seg_bias_ok(pm_elf_segment s, integer bias, integer lo,
                               integer limit) =
    s.map_start + s.map_len + bias <= limit &&
    s.zero_start <= s.map_start + s.map_len &&
    lo <= s.map_start + bias;

  // What pm_elf_plan_apply_bias checks before it writes anything: every
  // address it moves is tested on its own (the plan is caller memory).
  predicate pm_elf_bias_ok(pm_elf_plan *p, pm_elf_policy *pol, integer bias) =
    p->valid == PM_ELF_PLAN_VALID && p->bias == 0 &&
    1 <= p->nseg <= PM_ELF_MAX_SEGMENTS &&
    p->align != 0 && bias % p->align == 0 &&
    pol->page_size != 0 && bias % pol->page_size == 0 &&
    (p->type == 3 || bias == 0) &&
    p->span_end + bias <= pol->user_limit &&
    p->span_start + bias <= pol->user_limit &&
    pol->min_vaddr <= p->span_start + bias &&
    p->entry + bias <= pol->user_limit &&
    (p->phdr_addr == 0 || p->phdr_addr + bias <= pol->user_limit) &&
    (p->has_tls == 0 || p->tls_addr + bias <= pol->user_limit) &&
    (p->has_dynamic == 0 || p->dynamic_addr + bias <= pol->user_limit) &&
    (p->has_relro == 0 || p->relro_addr + bias <= pol->user_limit) &&
    (\forall integer j; 0 <= j < p->nseg ==>
        pm_elf_seg_bias_ok(p->seg[j], bias, pol->min_vaddr, pol->user_limit));
*/

#endif /* PROCMGR_ACSL_ELF_PLAN_H */
