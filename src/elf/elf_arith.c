/* Page rounding and alignment tests, overflow-free by contract. */
#include "elf_internal.h"

uint64_t pm_elf_page_down(const pm_elf_policy *pol, uint64_t x)
{
    return x - x % pol->page_size;
}

uint64_t pm_elf_page_up(const pm_elf_policy *pol, uint64_t x)
{
    uint64_t r = x % pol->page_size;
    uint64_t up = x;
    if (r != 0u) {
        /* x < user_limit here (user_limit is page-aligned, x is not), so
         * the next page boundary is at most user_limit. */
        up = (x - r) + pol->page_size;
    }
    return up;
}

int pm_elf_align_ok(uint64_t a)
{
    return a == 0u || (a & (a - 1u)) == 0u;
}
