/* Run-time mirror of the proven postconditions (see fuzz_check.h). */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

void pm_fuzz_fail(const char *what)
{
    fprintf(stderr, "postcondition violated: %s\n", what);
    abort();
}

static int is_page_aligned(uint64_t v, uint64_t page)
{
    return (v & (page - 1)) == 0;
}

static void check_segment(const pm_elf_segment *s, const pm_elf_policy *pol,
                          uint64_t file_size)
{
    uint64_t page = pol->page_size;
    PM_FUZZ_REQUIRE(is_page_aligned(s->map_start, page));
    PM_FUZZ_REQUIRE(is_page_aligned(s->map_len, page));
    PM_FUZZ_REQUIRE(s->map_len > 0);
    PM_FUZZ_REQUIRE(is_page_aligned(s->file_off, page));
    PM_FUZZ_REQUIRE(is_page_aligned(s->file_len, page));
    PM_FUZZ_REQUIRE(s->file_len <= s->map_len);
    PM_FUZZ_REQUIRE(s->map_start <= pol->user_limit);
    PM_FUZZ_REQUIRE(s->map_len <= pol->user_limit - s->map_start);
    /* The file part may end inside the file's last page only. */
    if (s->file_len > 0) {
        PM_FUZZ_REQUIRE(s->file_off < file_size);
        PM_FUZZ_REQUIRE(s->file_len - 1 <= UINT64_MAX - s->file_off);
        PM_FUZZ_REQUIRE(s->file_off + s->file_len - page < file_size);
    }
    PM_FUZZ_REQUIRE(s->zero_len < page);
    if (s->zero_len > 0) {
        PM_FUZZ_REQUIRE(s->zero_start >= s->map_start);
        PM_FUZZ_REQUIRE(s->zero_start + s->zero_len <= s->map_start + s->file_len);
    }
    PM_FUZZ_REQUIRE((s->prot & ~(uint32_t)(PM_PROT_R | PM_PROT_W | PM_PROT_X)) == 0);
    if (pol->flags & PM_ELF_POLICY_WXORX)
        PM_FUZZ_REQUIRE(!((s->prot & PM_PROT_W) && (s->prot & PM_PROT_X)));
}

void pm_fuzz_check_elf_plan(const pm_elf_plan *plan, const uint8_t *buf,
                            uint64_t buf_len, uint64_t file_size,
                            const pm_elf_policy *pol)
{
    PM_FUZZ_REQUIRE(plan->valid == PM_ELF_PLAN_VALID);
    PM_FUZZ_REQUIRE(plan->type == 2 || plan->type == 3);
    PM_FUZZ_REQUIRE(plan->nseg >= 1 && plan->nseg <= PM_ELF_MAX_SEGMENTS);
    int entry_in_exec = 0;
    for (uint32_t i = 0; i < plan->nseg; i++) {
        const pm_elf_segment *s = &plan->seg[i];
        check_segment(s, pol, file_size);
        if (i + 1 < plan->nseg)
            PM_FUZZ_REQUIRE(s->map_start + s->map_len <= plan->seg[i + 1].map_start);
        if ((s->prot & PM_PROT_X) && plan->entry >= s->map_start &&
            plan->entry - s->map_start < s->map_len)
            entry_in_exec = 1;
    }
    PM_FUZZ_REQUIRE(entry_in_exec);
    PM_FUZZ_REQUIRE(plan->span_start == plan->seg[0].map_start);
    PM_FUZZ_REQUIRE(plan->span_end == plan->seg[plan->nseg - 1].map_start +
                                      plan->seg[plan->nseg - 1].map_len);
    PM_FUZZ_REQUIRE(plan->span_end - plan->span_start <= pol->max_span);
    PM_FUZZ_REQUIRE(plan->align >= pol->page_size);
    PM_FUZZ_REQUIRE((plan->align & (plan->align - 1)) == 0);
    if (plan->type == 2)
        PM_FUZZ_REQUIRE(plan->span_start >= pol->min_vaddr);
    PM_FUZZ_REQUIRE(!(plan->stack_prot & PM_PROT_X));
    if (plan->has_interp) {
        PM_FUZZ_REQUIRE(plan->role == PM_ELF_ROLE_PROGRAM);
        PM_FUZZ_REQUIRE(plan->interp_len >= PM_ELF_INTERP_MIN &&
                        plan->interp_len <= PM_ELF_INTERP_MAX);
        PM_FUZZ_REQUIRE(plan->interp_off <= buf_len &&
                        plan->interp_len <= buf_len - plan->interp_off);
        PM_FUZZ_REQUIRE(buf[plan->interp_off + plan->interp_len - 1] == 0);
        for (uint64_t k = 0; k + 1 < plan->interp_len; k++)
            PM_FUZZ_REQUIRE(buf[plan->interp_off + k] != 0);
    } else if (plan->role == PM_ELF_ROLE_INTERP) {
        PM_FUZZ_REQUIRE(plan->type == 3);
    }
}
