/* pm_elf_plan_apply_bias: place an ET_DYN plan (spec/elf-policy.md,
 * "Bias").
 *
 * The plan is caller memory, so nothing about it is taken on trust: the
 * checks below test every address the bias moves, each against the policy's
 * user_limit, before anything is written.  The additions that follow are
 * then overflow-free one by one (pm_elf_add states it), and the biased plan
 * keeps every address inside [min_vaddr, user_limit]. */
#include "elf_internal.h"

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
 * segment is unchanged" is proven in a context holding nothing else. */
/*@ requires \valid(plan) && i < PM_ELF_MAX_SEGMENTS;
    requires pm_elf_seg_bias_ok(plan->seg[i], bias, lo, limit);
    assigns plan->seg[i];
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

/* Move every segment by bias (the last step: nothing is written after it,
 * so its postcondition is the plan's). */
/*@ requires \valid(plan);
    requires 1 <= plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires \forall integer j; 0 <= j < plan->nseg ==>
        pm_elf_seg_bias_ok(plan->seg[j], bias, lo, limit);
    assigns plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
    ensures \forall integer j; 0 <= j < plan->nseg ==>
        lo <= plan->seg[j].map_start &&
        plan->seg[j].map_start + plan->seg[j].map_len <= limit &&
        plan->seg[j].zero_start <= plan->seg[j].map_start + plan->seg[j].map_len; */
static void shift_segs(pm_elf_plan *plan, uint64_t bias, uint64_t lo,
                       uint64_t limit)
{
    const uint32_t n = plan->nseg;
    uint32_t i = 0u;
    /*@ loop invariant 0 <= i <= n && n == plan->nseg;
        loop invariant \forall integer j; 0 <= j < i ==>
            lo <= plan->seg[j].map_start &&
            plan->seg[j].map_start + plan->seg[j].map_len <= limit &&
            plan->seg[j].zero_start <= plan->seg[j].map_start + plan->seg[j].map_len;
        loop invariant \forall integer j; i <= j < n ==>
            pm_elf_seg_bias_ok(plan->seg[j], bias, lo, limit);
        loop assigns i, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
        loop variant n - i; */
    while (i < n) {
        shift_one(plan, i, bias, lo, limit);
        i++;
    }
}

pm_status pm_elf_plan_apply_bias(pm_elf_plan *plan, const pm_elf_policy *pol,
                                 uint64_t bias)
{
    const uint64_t limit = pol->user_limit;
    pm_status st = PM_E_ELF_BIAS;
    /* bias <= limit first: a bound Eva carries into the additions. */
    if (bias <= limit && bias_ok(plan, pol, bias) != 0) {
        /* The checked values, read before anything is written. */
        const uint64_t entry = plan->entry;
        const uint64_t phdr_addr = plan->phdr_addr;
        const uint64_t tls_addr = plan->tls_addr;
        const uint64_t dynamic_addr = plan->dynamic_addr;
        const uint64_t relro_addr = plan->relro_addr;
        const uint64_t span_start = plan->span_start;
        const uint64_t span_end = plan->span_end;
        const int has_phdr = phdr_addr != 0u;
        const int has_tls = plan->has_tls != 0u;
        const int has_dynamic = plan->has_dynamic != 0u;
        const int has_relro = plan->has_relro != 0u;
        plan->entry = pm_elf_add(entry, bias, limit);
        if (has_phdr) {
            plan->phdr_addr = pm_elf_add(phdr_addr, bias, limit);
        }
        if (has_tls) {
            plan->tls_addr = pm_elf_add(tls_addr, bias, limit);
        }
        if (has_dynamic) {
            plan->dynamic_addr = pm_elf_add(dynamic_addr, bias, limit);
        }
        if (has_relro) {
            plan->relro_addr = pm_elf_add(relro_addr, bias, limit);
        }
        plan->span_start = pm_elf_add(span_start, bias, limit);
        plan->span_end = pm_elf_add(span_end, bias, limit);
        plan->bias = bias;
        /*@ assert segs: \forall integer j; 0 <= j < plan->nseg ==>
                pm_elf_seg_bias_ok(plan->seg[j], bias, pol->min_vaddr, limit); */
        shift_segs(plan, bias, pol->min_vaddr, limit);
        st = PM_OK;
    }
    return st;
}
