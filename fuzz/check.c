/* Run-time mirror of the proven postconditions (see fuzz_check.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* pm_elf_plan_placed (spec/acsl/elf_placed.h), in C: the layout of a
 * well-formed plan with lo = min_vaddr for either type and its file
 * ranges; beyond it, the recorded bias a multiple of the page size and of
 * align (ET_EXEC: 0). */
void pm_fuzz_check_elf_placed(const pm_elf_plan *plan, const uint8_t *buf,
                              uint64_t buf_len, uint64_t file_size,
                              const pm_elf_policy *pol)
{
    pm_fuzz_check_elf_plan(plan, buf, buf_len, file_size, pol);
    for (uint32_t i = 0; i < plan->nseg; i++)
        PM_FUZZ_REQUIRE(plan->seg[i].map_start >= pol->min_vaddr);
    PM_FUZZ_REQUIRE(plan->bias == 0 ||
                    (plan->type == 3 && plan->bias % pol->page_size == 0 &&
                     plan->bias % plan->align == 0));
    if (plan->phdr_addr != 0)
        PM_FUZZ_REQUIRE(plan->phdr_addr >= plan->span_start &&
                        plan->phdr_addr < plan->span_end);
    if (plan->has_tls)
        PM_FUZZ_REQUIRE(plan->tls_addr >= plan->span_start &&
                        plan->tls_addr <= plan->span_end);
    if (plan->has_dynamic)
        PM_FUZZ_REQUIRE(plan->dynamic_addr >= plan->span_start &&
                        plan->dynamic_addr <= plan->span_end);
    if (plan->has_relro)
        PM_FUZZ_REQUIRE(plan->relro_addr >= plan->span_start &&
                        plan->relro_addr <= plan->span_end);
}

/* ---- initial stack image ------------------------------------------------ */

static uint64_t image_u64(const uint8_t *buf, uint64_t base, uint64_t cap,
                          uint64_t addr)
{
    PM_FUZZ_REQUIRE(addr >= base && addr - base <= cap && cap - (addr - base) >= 8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | buf[addr - base + (uint64_t)i];
    return v;
}

/* bytes[0, len) followed by a NUL at address addr, inside the image. */
static void image_string(const uint8_t *buf, uint64_t base, uint64_t cap,
                         uint64_t lo, uint64_t hi, uint64_t addr,
                         const uint8_t *bytes, uint64_t len)
{
    PM_FUZZ_REQUIRE(addr >= lo && addr <= hi && hi - addr >= len + 1);
    PM_FUZZ_REQUIRE(addr >= base && addr - base + len < cap);
    PM_FUZZ_REQUIRE(len == 0 || memcmp(buf + (addr - base), bytes, len) == 0);
    PM_FUZZ_REQUIRE(buf[addr - base + len] == 0);
}

/* Table of n pointers at addr, then NULL; strings ascending and packed
 * from *pos, each the input's span plus NUL. */
static void image_strvec(const uint8_t *buf, uint64_t base, uint64_t cap,
                         uint64_t addr, const pm_strvec *v, uint64_t *pos,
                         uint64_t str_end)
{
    for (uint32_t i = 0; i < v->count; i++) {
        uint64_t p = image_u64(buf, base, cap, addr + 8u * i);
        const pm_span *s = &v->items[i];
        PM_FUZZ_REQUIRE(p == *pos);
        image_string(buf, base, cap, *pos, str_end, p, v->pool + s->off, s->len);
        *pos += (uint64_t)s->len + 1u;
    }
    PM_FUZZ_REQUIRE(image_u64(buf, base, cap, addr + 8u * v->count) == 0);
}

void pm_fuzz_check_stack(const pm_stack_in *in, const uint8_t *buf,
                         uint64_t cap, const pm_stack_out *out)
{
    const uint64_t top = in->stack_top, base = top - cap;
    const uint32_t argc = in->argv.count, envc = in->envp.count;
    /* pm_stack_out_wf */
    PM_FUZZ_REQUIRE(out->used > 0 && out->used <= cap);
    PM_FUZZ_REQUIRE(out->sp == top - out->used && out->sp % 16 == 0);
    PM_FUZZ_REQUIRE(out->argv_addr == out->sp + 8);
    PM_FUZZ_REQUIRE(out->envp_addr == out->argv_addr + 8ull * (argc + 1ull));
    PM_FUZZ_REQUIRE(out->auxv_addr == out->envp_addr + 8ull * (envc + 1ull));
    PM_FUZZ_REQUIRE(out->auxv_addr + 16 <= out->random_addr);
    PM_FUZZ_REQUIRE(out->random_addr + PM_STACK_RANDOM_BYTES <= out->strings_addr);
    PM_FUZZ_REQUIRE(out->strings_addr <= out->execfn_addr);
    PM_FUZZ_REQUIRE(out->execfn_addr < top - 8);
    /* the image itself */
    PM_FUZZ_REQUIRE(image_u64(buf, base, cap, out->sp) == argc);
    uint64_t pos = out->strings_addr;
    image_strvec(buf, base, cap, out->argv_addr, &in->argv, &pos, out->execfn_addr);
    image_strvec(buf, base, cap, out->envp_addr, &in->envp, &pos, out->execfn_addr);
    PM_FUZZ_REQUIRE(pos == out->execfn_addr);   /* packed, no gap */
    uint64_t a = out->auxv_addr;
    for (uint32_t i = 0; i < in->nauxv; i++, a += 16) {
        PM_FUZZ_REQUIRE(image_u64(buf, base, cap, a) == in->auxv[i].type);
        PM_FUZZ_REQUIRE(image_u64(buf, base, cap, a + 8) == in->auxv[i].value);
    }
    PM_FUZZ_REQUIRE(image_u64(buf, base, cap, a) == PM_AT_RANDOM &&
                    image_u64(buf, base, cap, a + 8) == out->random_addr);
    PM_FUZZ_REQUIRE(image_u64(buf, base, cap, a + 16) == PM_AT_EXECFN &&
                    image_u64(buf, base, cap, a + 24) == out->execfn_addr);
    a += 32;
    if (in->platform_len > 0) {
        PM_FUZZ_REQUIRE(image_u64(buf, base, cap, a) == PM_AT_PLATFORM &&
                        image_u64(buf, base, cap, a + 8) == out->platform_addr);
        a += 16;
        PM_FUZZ_REQUIRE(out->platform_addr >= out->random_addr + PM_STACK_RANDOM_BYTES);
        image_string(buf, base, cap, out->platform_addr, out->strings_addr,
                     out->platform_addr, in->platform, in->platform_len);
    } else {
        PM_FUZZ_REQUIRE(out->platform_addr == 0);
    }
    PM_FUZZ_REQUIRE(image_u64(buf, base, cap, a) == PM_AT_NULL &&
                    image_u64(buf, base, cap, a + 8) == 0);
    PM_FUZZ_REQUIRE(a + 16 <= out->random_addr);
    PM_FUZZ_REQUIRE(memcmp(buf + (out->random_addr - base), in->random,
                           PM_STACK_RANDOM_BYTES) == 0);
    image_string(buf, base, cap, out->execfn_addr, top - 8, out->execfn_addr,
                 in->execfn, in->execfn_len);
    PM_FUZZ_REQUIRE(out->execfn_addr + in->execfn_len + 1 == top - 8);
    PM_FUZZ_REQUIRE(image_u64(buf, base, cap, top - 8) == 0);
}

static int script_blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

void pm_fuzz_check_script(pm_status st, const pm_script *sc,
                          const uint8_t *buf, uint64_t len)
{
    int hashbang = len >= 2 && buf[0] == '#' && buf[1] == '!';
    PM_FUZZ_REQUIRE(st == PM_OK || st == PM_E_SCRIPT_LINE || st == PM_E_SCRIPT_INTERP);
    PM_FUZZ_REQUIRE(sc->is_script == (hashbang ? 1u : 0u));
    PM_FUZZ_REQUIRE(hashbang || st == PM_OK);
    if (st != PM_OK || !sc->is_script) {
        PM_FUZZ_REQUIRE(sc->interp_off == 0 && sc->interp_len == 0);
        PM_FUZZ_REQUIRE(sc->arg_off == 0 && sc->arg_len == 0);
        return;
    }
    uint64_t iend = (uint64_t)sc->interp_off + sc->interp_len;
    PM_FUZZ_REQUIRE(sc->interp_off >= 2 && sc->interp_len >= 1);
    PM_FUZZ_REQUIRE(iend <= len && iend <= PM_SCRIPT_LINE_MAX);
    PM_FUZZ_REQUIRE(buf[sc->interp_off] == '/');
    for (uint64_t k = sc->interp_off; k < iend; k++)
        PM_FUZZ_REQUIRE(buf[k] != 0 && !script_blank(buf[k]) && buf[k] != '\n');
    if (sc->arg_len == 0) {
        PM_FUZZ_REQUIRE(sc->arg_off == 0);
        return;
    }
    uint64_t aend = (uint64_t)sc->arg_off + sc->arg_len;
    PM_FUZZ_REQUIRE(sc->arg_off > iend);
    PM_FUZZ_REQUIRE(aend <= len && aend <= PM_SCRIPT_LINE_MAX);
    PM_FUZZ_REQUIRE(!script_blank(buf[sc->arg_off]) && !script_blank(buf[aend - 1]));
    for (uint64_t k = sc->arg_off; k < aend; k++)
        PM_FUZZ_REQUIRE(buf[k] != 0 && buf[k] != '\n');
}

uint64_t pm_fuzz_take(pm_fuzz_rd *r, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++, r->off++)
        if (r->off < r->n)
            v |= (uint64_t)r->p[r->off] << (8 * i);
    return v;
}

uint32_t pm_fuzz_byte(pm_fuzz_rd *r)
{
    return r->off < r->n ? r->p[r->off++] : 0u;
}
