/* pm_elf_plan_apply_bias: place an ET_DYN plan (spec/elf-policy.md,
 * "Bias").
 *
 * The plan is caller memory, so nothing about it is taken on trust: the
 * checks below test every address the bias moves, each against the policy's
 * user_limit, before anything is written.  The additions that follow are
 * then overflow-free one by one (pm_elf_add states it), and the biased plan
 * keeps every address inside [min_vaddr, user_limit]. */
#include "elf_internal.h"
#include "acsl/elf_bias.h"

/* One address: x + bias <= limit, no overflow. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> x + bias <= limit; */
static int addr_ok(uint64_t x, uint64_t bias, uint64_t limit)
{
    int ok = 0;
    if (x <= limit && bias <= limit - x) {
        ok = 1;
    }
    return ok;
}

/* One segment: its whole mapping moved stays inside [lo, limit], and its
 * cleared bytes lie inside it. */
/*@ requires \valid_read(s);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> pm_elf_seg_bias_ok(*s, bias, lo, limit); */
static int seg_bias_ok(const pm_elf_segment *s, uint64_t bias, uint64_t lo,
                       uint64_t limit)
{
    const uint64_t start = s->map_start;
    const uint64_t len = s->map_len;
    int ok = 0;
    if (start <= limit && len <= limit - start) {
        const uint64_t end = start + len;
        if (bias <= limit - end && s->zero_start <= end &&
            start + bias >= lo) {
            ok = 1;
        }
    }
    return ok;
}

/* Every segment of the plan (seg_bias_ok each). */
/*@ requires \valid_read(plan) && \valid_read(pol);
    requires 1 <= plan->nseg <= PM_ELF_MAX_SEGMENTS;
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> \forall integer j; 0 <= j < plan->nseg ==>
        pm_elf_seg_bias_ok(plan->seg[j], bias, pol->min_vaddr, pol->user_limit); */
static int segs_bias_ok(const pm_elf_plan *plan, const pm_elf_policy *pol,
                        uint64_t bias)
{
    uint32_t i = 0u;
    int ok = 1;
    /*@ loop invariant 0 <= i <= plan->nseg;
        loop invariant ok == 0 || ok == 1;
        loop invariant ok == 1 ==> \forall integer j; 0 <= j < i ==>
            pm_elf_seg_bias_ok(plan->seg[j], bias, pol->min_vaddr, pol->user_limit);
        loop assigns i, ok;
        loop variant plan->nseg - i; */
    while (i < plan->nseg && ok == 1) {
        ok = seg_bias_ok(&plan->seg[i], bias, pol->min_vaddr, pol->user_limit);
        i++;
    }
    return ok;
}

/* The plan may take this bias: see spec/elf-policy.md, "Bias". */
/*@ requires \valid_read(plan) && \valid_read(pol);
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 ==> pm_elf_bias_ok(plan, pol, bias); */
static int bias_ok(const pm_elf_plan *plan, const pm_elf_policy *pol,
                   uint64_t bias)
{
    const uint64_t limit = pol->user_limit;
    int ok = 0;
    if (plan->valid == PM_ELF_PLAN_VALID && plan->bias == 0u &&
        plan->nseg >= 1u && plan->nseg <= PM_ELF_MAX_SEGMENTS &&
        plan->align != 0u && bias % plan->align == 0u &&
        pol->page_size != 0u && bias % pol->page_size == 0u &&
        (plan->type == PM_ET_DYN || bias == 0u) &&
        addr_ok(plan->span_end, bias, limit) != 0 &&
        addr_ok(plan->span_start, bias, limit) != 0 &&
        plan->span_start + bias >= pol->min_vaddr &&
        addr_ok(plan->entry, bias, limit) != 0 &&
        (plan->phdr_addr == 0u || addr_ok(plan->phdr_addr, bias, limit) != 0) &&
        (plan->has_tls == 0u || addr_ok(plan->tls_addr, bias, limit) != 0) &&
        (plan->has_dynamic == 0u ||
         addr_ok(plan->dynamic_addr, bias, limit) != 0) &&
        (plan->has_relro == 0u ||
         addr_ok(plan->relro_addr, bias, limit) != 0) &&
        segs_bias_ok(plan, pol, bias) != 0) {
        ok = 1;
    }
    return ok;
}

/* Move segment i by bias, in a function of its own so that "every other
 * segment is unchanged" is proven in a context holding nothing else.  The
 * postcondition is the exact shift (pm_elf_seg_shifted), from which the
 * placed plan's segment facts follow by the value lemmas of
 * spec/acsl/elf_bias.h. */
/*@ requires \valid(plan) && i < PM_ELF_MAX_SEGMENTS;
    requires pm_elf_seg_bias_ok(plan->seg[i], bias, lo, limit);
    assigns plan->seg[i];
    ensures pm_elf_seg_shifted(\old(plan->seg[i]), plan->seg[i], bias);
    ensures lo <= plan->seg[i].map_start &&
        plan->seg[i].map_start + plan->seg[i].map_len <= limit &&
        plan->seg[i].zero_start <= plan->seg[i].map_start + plan->seg[i].map_len;
    ensures \forall integer j; 0 <= j < PM_ELF_MAX_SEGMENTS && j != i ==>
        plan->seg[j] == \old(plan->seg[j]); */
static void shift_one(pm_elf_plan *plan, uint32_t i, uint64_t bias,
                      uint64_t lo, uint64_t limit)
{
    pm_elf_segment s = plan->seg[i];
    (void)lo;
    s.map_start = pm_elf_add(s.map_start, bias, limit);
    s.zero_start = pm_elf_add(s.zero_start, bias, limit);
    plan->seg[i] = s;
}

/* Move the plan's addresses other than the segments by bias and record it,
 * each exactly; the segments are written after it (shift_segs). */
/*@ requires \valid(plan) && \valid_read(pol) && \separated(plan, pol);
    requires 1 <= plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires pm_elf_addrs_bias_ok(plan, bias, limit);
    assigns plan->entry, plan->phdr_addr, plan->tls_addr, plan->dynamic_addr,
        plan->relro_addr, plan->span_start, plan->span_end, plan->bias;
    ensures bias: plan->bias == bias;
    ensures shift: plan->entry == \old(plan->entry) + bias &&
        plan->span_start == \old(plan->span_start) + bias &&
        plan->span_end == \old(plan->span_end) + bias;
    ensures phdr: \old(plan->phdr_addr) == 0 ==> plan->phdr_addr == 0;
    ensures phdr: \old(plan->phdr_addr) != 0 ==>
        plan->phdr_addr == \old(plan->phdr_addr) + bias;
    ensures tls: plan->has_tls != 0 ==> plan->tls_addr == \old(plan->tls_addr) + bias;
    ensures dynamic: plan->has_dynamic != 0 ==>
        plan->dynamic_addr == \old(plan->dynamic_addr) + bias;
    ensures relro: plan->has_relro != 0 ==>
        plan->relro_addr == \old(plan->relro_addr) + bias;
    ensures kept: plan->align == \old(plan->align); */
static void shift_fields(pm_elf_plan *plan, const pm_elf_policy *pol,
                         uint64_t bias, uint64_t limit)
{
    /* The new values first, then one store each (a straight line of
     * stores, in which every segment is visibly left as it was). */
    const uint64_t phdr_addr = plan->phdr_addr;
    const uint64_t entry = pm_elf_add(plan->entry, bias, limit);
    const uint64_t phdr_new =
        phdr_addr != 0u ? pm_elf_add(phdr_addr, bias, limit) : phdr_addr;
    const uint64_t tls_new = plan->has_tls != 0u ?
        pm_elf_add(plan->tls_addr, bias, limit) : plan->tls_addr;
    const uint64_t dynamic_new = plan->has_dynamic != 0u ?
        pm_elf_add(plan->dynamic_addr, bias, limit) : plan->dynamic_addr;
    const uint64_t relro_new = plan->has_relro != 0u ?
        pm_elf_add(plan->relro_addr, bias, limit) : plan->relro_addr;
    const uint64_t span_start = pm_elf_add(plan->span_start, bias, limit);
    const uint64_t span_end = pm_elf_add(plan->span_end, bias, limit);
    (void)pol;
    plan->entry = entry;
    plan->phdr_addr = phdr_new;
    plan->tls_addr = tls_new;
    plan->dynamic_addr = dynamic_new;
    plan->relro_addr = relro_new;
    plan->span_start = span_start;
    plan->span_end = span_end;
    plan->bias = bias;
}

/* Move every segment by bias (the last write: nothing is written after it,
 * so its postcondition is the plan's). */
/*@ requires \valid(plan) && \valid_read(pol) && \separated(plan, pol);
    requires 1 <= plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires \forall integer j; 0 <= j < plan->nseg ==>
        pm_elf_seg_bias_ok(plan->seg[j], bias, pol->min_vaddr, pol->user_limit);
    assigns plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
    ensures shifted: \forall integer j; 0 <= j < plan->nseg ==>
        pm_elf_seg_shifted(\old(plan->seg[j]), plan->seg[j], bias);
    ensures \forall integer j; 0 <= j < plan->nseg ==>
        pol->min_vaddr <= plan->seg[j].map_start &&
        plan->seg[j].map_start + plan->seg[j].map_len <= pol->user_limit &&
        plan->seg[j].zero_start <= plan->seg[j].map_start + plan->seg[j].map_len;
    ensures kept: plan->nseg == \old(plan->nseg); */
static void shift_segs(pm_elf_plan *plan, const pm_elf_policy *pol,
                       uint64_t bias)
{
    const uint64_t lo = pol->min_vaddr;
    const uint64_t limit = pol->user_limit;
    const uint32_t n = plan->nseg;
    uint32_t i = 0u;
    /*@ loop invariant 0 <= i <= n && n == plan->nseg;
        loop invariant \forall integer j; 0 <= j < i ==>
            pm_elf_seg_shifted(\at(plan->seg[j], Pre), plan->seg[j], bias);
        loop invariant \forall integer j; 0 <= j < i ==>
            lo <= plan->seg[j].map_start &&
            plan->seg[j].map_start + plan->seg[j].map_len <= limit &&
            plan->seg[j].zero_start <= plan->seg[j].map_start + plan->seg[j].map_len;
        loop invariant \forall integer j; i <= j < PM_ELF_MAX_SEGMENTS ==>
            plan->seg[j] == \at(plan->seg[j], Pre);
        loop assigns i, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
        loop variant n - i; */
    while (i < n) {
        shift_one(plan, i, bias, lo, limit);
        i++;
    }
}

/* The whole move, in place: the fields, then the segments.  Its
 * postcondition `moved` compares the plan after with the plan before
 * (pm_elf_plan_moved{Pre, Post}, spec/acsl/elf_bias.h) in a context that
 * holds the two calls only; apply_bias derives the placed plan from it by
 * the lemmas of spec/acsl/elf_bias.h. */
/*@ requires \valid(plan) && \valid_read(pol) && \separated(plan, pol);
    requires 1 <= plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires limit == pol->user_limit;
    requires pm_elf_addrs_bias_ok(plan, bias, limit);
    requires \forall integer j; 0 <= j < plan->nseg ==>
        pm_elf_seg_bias_ok(plan->seg[j], bias, pol->min_vaddr, pol->user_limit);
    assigns *plan;
    ensures moved: pm_elf_plan_moved{Pre, Post}(plan, plan, bias);
    ensures inside: \forall integer j; 0 <= j < plan->nseg ==>
        pol->min_vaddr <= plan->seg[j].map_start &&
        plan->seg[j].map_start + plan->seg[j].map_len <= pol->user_limit &&
        plan->seg[j].zero_start <= plan->seg[j].map_start + plan->seg[j].map_len;
    ensures biased: plan->bias == bias;
    ensures kept: pm_elf_plan_interp_kept{Pre, Post}(plan) &&
        plan->role == \old(plan->role) && plan->type == \old(plan->type); */
static void shift_plan(pm_elf_plan *plan, const pm_elf_policy *pol,
                       uint64_t bias, uint64_t limit)
{
    shift_fields(plan, pol, bias, limit);
    /*@ assert segs: \forall integer j; 0 <= j < plan->nseg ==>
            pm_elf_seg_bias_ok(plan->seg[j], bias, pol->min_vaddr, limit); */
    /*@ assert fields: plan->valid == \at(plan->valid, Pre) &&
            plan->type == \at(plan->type, Pre) &&
            plan->nseg == \at(plan->nseg, Pre) &&
            plan->stack_prot == \at(plan->stack_prot, Pre) &&
            plan->has_tls == \at(plan->has_tls, Pre) &&
            plan->has_dynamic == \at(plan->has_dynamic, Pre) &&
            plan->has_relro == \at(plan->has_relro, Pre); */
    /*@ assert same_segs: \forall integer j; 0 <= j < PM_ELF_MAX_SEGMENTS ==>
            plan->seg[j] == \at(plan->seg[j], Pre); */
    shift_segs(plan, pol, bias);
    /* pm_elf_plan_moved{Pre, Here} in three parts: the fields kept, the
     * addresses moved, the segments shifted. */
    /*@ assert moved: plan->valid == \at(plan->valid, Pre) &&
            plan->type == \at(plan->type, Pre) &&
            plan->nseg == \at(plan->nseg, Pre) &&
            plan->align == \at(plan->align, Pre) &&
            plan->stack_prot == \at(plan->stack_prot, Pre) &&
            plan->has_tls == \at(plan->has_tls, Pre) &&
            plan->has_dynamic == \at(plan->has_dynamic, Pre) &&
            plan->has_relro == \at(plan->has_relro, Pre); */
    /*@ assert moved: plan->entry == \at(plan->entry, Pre) + bias &&
            plan->span_start == \at(plan->span_start, Pre) + bias &&
            plan->span_end == \at(plan->span_end, Pre) + bias &&
            (\at(plan->phdr_addr, Pre) == 0 ==> plan->phdr_addr == 0) &&
            (\at(plan->phdr_addr, Pre) != 0 ==>
                plan->phdr_addr == \at(plan->phdr_addr, Pre) + bias) &&
            (\at(plan->has_tls, Pre) != 0 ==>
                plan->tls_addr == \at(plan->tls_addr, Pre) + bias) &&
            (\at(plan->has_dynamic, Pre) != 0 ==>
                plan->dynamic_addr == \at(plan->dynamic_addr, Pre) + bias) &&
            (\at(plan->has_relro, Pre) != 0 ==>
                plan->relro_addr == \at(plan->relro_addr, Pre) + bias); */
    /*@ assert moved: \forall integer j; 0 <= j < \at(plan->nseg, Pre) ==>
            pm_elf_seg_shifted(\at(plan->seg[j], Pre), plan->seg[j], bias); */
}

pm_status pm_elf_plan_apply_bias(pm_elf_plan *plan, const pm_elf_policy *pol,
                                 uint64_t bias)
{
    const uint64_t limit = pol->user_limit;
    pm_status st = PM_E_ELF_BIAS;
    /* bias <= limit first: a bound Eva carries into the additions. */
    if (bias <= limit && bias_ok(plan, pol, bias) != 0) {
        /*@ assert segs_bias_ok: pm_elf_segs_bias_ok(plan, pol, bias); */
        shift_plan(plan, pol, bias, limit);
        /* The policy as it was: a frame across one havoc of *plan here,
         * where inside shift_plan it crosses each of its callees' stores. */
        /*@ assert pol: pm_elf_pol_kept{Pre, Here}(pol); */
        /* The segments of the placed plan well formed above min_vaddr, one
         * instance of pm_elf_moved_seg_ok; the ensures `placed` is then one
         * instance of pm_elf_moved_placed. */
        /*@ assert seg_ok: \forall integer fs;
                \at(pm_elf_plan_loadable(plan, pol, fs), Pre) ==>
                \forall integer i; 0 <= i < plan->nseg ==>
                    pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                                  pol->flags, pol->min_vaddr); */
        st = PM_OK;
    }
    return st;
}
