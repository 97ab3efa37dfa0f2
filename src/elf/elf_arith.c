/* Page rounding, alignment tests and guarded arithmetic, overflow-free by
 * contract.
 *
 * Why the tests below that the contracts make redundant (r <= x, b <= a,
 * x + y <= limit): Eva's interval domain does not see relations between two
 * values computed in different functions (for instance map_start <=
 * map_end), so a bare `a - b` is an alarm for Eva even where WP proves
 * b <= a.  Writing the order test next to the operation lets Eva's octagons
 * see it; WP proves from each contract that the other branch is never
 * taken, so the behaviour is exactly the unguarded one. */
#include "elf_internal.h"

uint64_t pm_elf_page_down(const pm_elf_policy *pol, uint64_t x)
{
    uint64_t r = x % pol->page_size;
    uint64_t down = 0u;
    if (r <= x) {                 /* always: x % page <= x */
        down = x - r;
    }
    return down;
}

uint64_t pm_elf_page_up(const pm_elf_policy *pol, uint64_t x)
{
    uint64_t r = x % pol->page_size;
    uint64_t up = x;
    if (r != 0u && r <= x) {
        /* x < user_limit here (user_limit is page-aligned, x is not), so
         * the next page boundary is at most user_limit. */
        up = (x - r) + pol->page_size;
    }
    return up;
}

uint64_t pm_elf_sub(uint64_t a, uint64_t b)
{
    uint64_t d = 0u;
    if (b <= a) {                 /* always, by contract */
        d = a - b;
    }
    return d;
}

uint64_t pm_elf_add(uint64_t x, uint64_t y, uint64_t limit)
{
    uint64_t s = x;
    if (x <= limit && y <= limit - x) {   /* always, by contract */
        s = x + y;
    }
    return s;
}

int pm_elf_align_ok(uint64_t a)
{
    return a == 0u || (a & (a - 1u)) == 0u;
}
