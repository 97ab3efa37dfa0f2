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

/* The biased plan: src moved into dst.  The segments first (a loop, whose
 * havoc the field stores after it do not meet), then every other field:
 * the addresses the bias moves moved by it, the rest as they were. */
/*@ requires \valid_read(src) && \valid(dst) && \separated(src, dst);
    requires 1 <= src->nseg <= PM_ELF_MAX_SEGMENTS;
    requires \forall integer j; 0 <= j < src->nseg ==>
        pm_elf_seg_bias_ok(src->seg[j], bias, lo, limit);
    requires src->entry + bias <= limit;
    requires src->span_start + bias <= limit;
    requires src->span_end + bias <= limit;
    requires src->phdr_addr == 0 || src->phdr_addr + bias <= limit;
    requires src->has_tls == 0 || src->tls_addr + bias <= limit;
    requires src->has_dynamic == 0 || src->dynamic_addr + bias <= limit;
    requires src->has_relro == 0 || src->relro_addr + bias <= limit;
    assigns *dst;
    ensures moved: pm_elf_plan_moved(src, dst, bias);
    ensures kept: dst->role == src->role && dst->has_interp == src->has_interp &&
        dst->interp_off == src->interp_off && dst->interp_len == src->interp_len;
    ensures biased: dst->bias == bias;
    ensures inside: \forall integer j; 0 <= j < dst->nseg ==>
        lo <= dst->seg[j].map_start &&
        dst->seg[j].map_start + dst->seg[j].map_len <= limit &&
        dst->seg[j].zero_start <= dst->seg[j].map_start + dst->seg[j].map_len; */
static void move_plan(const pm_elf_plan *src, pm_elf_plan *dst,
                      uint64_t bias, uint64_t lo, uint64_t limit)
{
    const uint32_t n = src->nseg;
    uint32_t i = 0u;
    (void)lo;
    /*@ loop invariant 0 <= i <= PM_ELF_MAX_SEGMENTS;
        loop invariant \forall integer j; 0 <= j < i && j < n ==>
            pm_elf_seg_shifted(src->seg[j], dst->seg[j], bias);
        loop invariant \forall integer j; 0 <= j < i && j < n ==>
            lo <= dst->seg[j].map_start &&
            dst->seg[j].map_start + dst->seg[j].map_len <= limit &&
            dst->seg[j].zero_start <= dst->seg[j].map_start + dst->seg[j].map_len;
        loop assigns i, dst->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
        loop variant PM_ELF_MAX_SEGMENTS - i; */
    while (i < PM_ELF_MAX_SEGMENTS) {
        pm_elf_segment s = src->seg[i];
        if (i < n) {
            s.map_start = pm_elf_add(s.map_start, bias, limit);
            s.zero_start = pm_elf_add(s.zero_start, bias, limit);
        }
        dst->seg[i] = s;
        i++;
    }
    dst->valid = src->valid;
    dst->type = src->type;
    dst->machine = src->machine;
    dst->role = src->role;
    dst->nseg = n;
    dst->entry = pm_elf_add(src->entry, bias, limit);
    dst->phdr_addr = src->phdr_addr != 0u ?
        pm_elf_add(src->phdr_addr, bias, limit) : 0u;
    dst->phnum = src->phnum;
    dst->phentsize = src->phentsize;
    dst->has_interp = src->has_interp;
    dst->interp_off = src->interp_off;
    dst->interp_len = src->interp_len;
    dst->stack_prot = src->stack_prot;
    dst->has_tls = src->has_tls;
    dst->tls_addr = src->has_tls != 0u ?
        pm_elf_add(src->tls_addr, bias, limit) : src->tls_addr;
    dst->tls_filesz = src->tls_filesz;
    dst->tls_memsz = src->tls_memsz;
    dst->tls_align = src->tls_align;
    dst->has_dynamic = src->has_dynamic;
    dst->dynamic_addr = src->has_dynamic != 0u ?
        pm_elf_add(src->dynamic_addr, bias, limit) : src->dynamic_addr;
    dst->dynamic_size = src->dynamic_size;
    dst->has_relro = src->has_relro;
    dst->relro_addr = src->has_relro != 0u ?
        pm_elf_add(src->relro_addr, bias, limit) : src->relro_addr;
    dst->relro_size = src->relro_size;
    dst->span_start = pm_elf_add(src->span_start, bias, limit);
    dst->span_end = pm_elf_add(src->span_end, bias, limit);
    dst->align = src->align;
    dst->bias = bias;
    dst->need_off = src->need_off;
    dst->need_len = src->need_len;
}

/* The whole plan src into dst, as it is (the last step of apply_bias: the
 * biased plan, made apart from the caller's, stored into it).  Each fact
 * the caller needs is stated of src as it was before the call, so that
 * the caller never carries a fact about src across the store. */
/*@ requires \valid_read(src) && \valid(dst) && \valid_read(pol);
    requires \separated(src, dst) && \separated(dst, pol);
    requires 1 <= src->nseg <= PM_ELF_MAX_SEGMENTS;
    requires \forall integer j; 0 <= j < src->nseg ==>
        pm_elf_seg_bias_ok(src->seg[j], 0, 0, UINT64_MAX);
    assigns *dst;
    ensures placed: \forall integer fs;
        \old(pm_elf_plan_placed(src, pol, fs)) ==> pm_elf_plan_placed(dst, pol, fs);
    ensures inside: \forall integer lo, lim;
        \old(\forall integer j; 0 <= j < src->nseg ==>
            lo <= src->seg[j].map_start &&
            src->seg[j].map_start + src->seg[j].map_len <= lim &&
            src->seg[j].zero_start <= src->seg[j].map_start + src->seg[j].map_len) ==>
        (\forall integer j; 0 <= j < dst->nseg ==>
            lo <= dst->seg[j].map_start &&
            dst->seg[j].map_start + dst->seg[j].map_len <= lim &&
            dst->seg[j].zero_start <= dst->seg[j].map_start + dst->seg[j].map_len);
    ensures same: dst->nseg == \old(src->nseg) && dst->bias == \old(src->bias) &&
        dst->role == \old(src->role) && dst->type == \old(src->type) &&
        dst->has_interp == \old(src->has_interp) &&
        dst->interp_off == \old(src->interp_off) &&
        dst->interp_len == \old(src->interp_len); */
static void store_plan(const pm_elf_plan *src, pm_elf_plan *dst,
                       const pm_elf_policy *pol)
{
    (void)pol;
    move_plan(src, dst, 0u, 0u, UINT64_MAX);
}

pm_status pm_elf_plan_apply_bias(pm_elf_plan *plan, const pm_elf_policy *pol,
                                 uint64_t bias)
{
    const uint64_t limit = pol->user_limit;
    pm_status st = PM_E_ELF_BIAS;
    /* bias <= limit first: a bound Eva carries into the additions. */
    if (bias <= limit && bias_ok(plan, pol, bias) != 0) {
        /* The biased plan is made apart from the caller's, so that every
         * fact of the placed proof compares two plans in one state
         * (pm_elf_plan_moved, spec/acsl/elf_bias.h), then stored. */
        pm_elf_plan out;
        move_plan(plan, &out, bias, pol->min_vaddr, limit);
        /*@ assert placed: \forall integer fs; pm_elf_plan_loadable(plan, pol, fs) ==>
                pm_elf_plan_placed(&out, pol, fs); */
        store_plan(&out, plan, pol);
        st = PM_OK;
    }
    return st;
}
