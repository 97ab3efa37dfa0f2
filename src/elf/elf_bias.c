/* pm_elf_plan_apply_bias: place an ET_DYN plan (spec/elf-policy.md,
 * "Bias"). */
#include "elf_internal.h"

/*@ requires \valid_read(plan) && \valid_read(pol);
    assigns \nothing; */
static int bias_ok(const pm_elf_plan *plan, const pm_elf_policy *pol,
                   uint64_t bias)
{
    int ok = 0;
    if (plan->valid == PM_ELF_PLAN_VALID && plan->bias == 0u &&
        plan->align != 0u && bias % plan->align == 0u &&
        pol->page_size != 0u && bias % pol->page_size == 0u &&
        (plan->type == PM_ET_DYN || bias == 0u) &&
        plan->span_end <= pol->user_limit &&
        bias <= pol->user_limit - plan->span_end &&
        plan->span_start <= UINT64_MAX - bias &&
        plan->span_start + bias >= pol->min_vaddr) {
        ok = 1;
    }
    return ok;
}

pm_status pm_elf_plan_apply_bias(pm_elf_plan *plan, const pm_elf_policy *pol,
                                 uint64_t bias)
{
    pm_status st = PM_E_ELF_BIAS;
    uint32_t i = 0u;
    if (bias_ok(plan, pol, bias) != 0) {
        /*@ loop invariant 0 <= i <= PM_ELF_MAX_SEGMENTS;
            loop assigns i, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
            loop variant PM_ELF_MAX_SEGMENTS - i; */
        while (i < plan->nseg && i < PM_ELF_MAX_SEGMENTS) {
            plan->seg[i].map_start += bias;
            plan->seg[i].zero_start += bias;
            i++;
        }
        plan->entry += bias;
        if (plan->phdr_addr != 0u) {
            plan->phdr_addr += bias;
        }
        if (plan->has_tls != 0u) {
            plan->tls_addr += bias;
        }
        if (plan->has_dynamic != 0u) {
            plan->dynamic_addr += bias;
        }
        if (plan->has_relro != 0u) {
            plan->relro_addr += bias;
        }
        plan->span_start += bias;
        plan->span_end += bias;
        plan->bias = bias;
        st = PM_OK;
    }
    return st;
}
