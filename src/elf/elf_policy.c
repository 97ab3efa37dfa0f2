/* Validation policy: the default for the Linux x86-64 backend, and the
 * consistency check every validation starts with. */
#include "elf_internal.h"

void pm_elf_policy_default(pm_elf_policy *pol)
{
    pol->machines   = PM_ELF_MACH_X86_64;
    pol->flags      = PM_ELF_POLICY_WXORX;
    pol->page_size  = 4096u;
    pol->min_vaddr  = 0x10000u;
    pol->user_limit = 0x7ffffffff000ull;
    pol->max_span   = 0x40000000ull;
    pol->max_loads  = PM_ELF_MAX_SEGMENTS;
}

/*@ assigns \nothing;
    ensures \result != 0 <==> (p == 4096 || p == 8192 || p == 16384 ||
                              p == 32768 || p == 65536); */
static int page_size_ok(uint64_t p)
{
    return p == 4096u || p == 8192u || p == 16384u || p == 32768u || p == 65536u;
}

pm_status pm_elf_check_policy(const pm_elf_policy *pol)
{
    pm_status st = PM_E_ELF_POLICY;
    if (pol->machines >= 1u && pol->machines <= 7u && pol->flags <= 1u &&
        page_size_ok(pol->page_size) &&
        pol->min_vaddr % pol->page_size == 0u &&
        pol->user_limit % pol->page_size == 0u &&
        pol->min_vaddr < pol->user_limit &&
        pol->max_loads >= 1u && pol->max_loads <= PM_ELF_MAX_SEGMENTS) {
        st = PM_OK;
    }
    return st;
}
