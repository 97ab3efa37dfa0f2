/* PT_LOAD: the rules of one loadable segment, and its plan segment
 * (spec/elf-policy.md, rules 116-125 and "Load plan"). */
#include "elf_internal.h"

/* Protection of a segment from p_flags.  PM_PROT_X is the top bit, so a
 * protection is executable iff it is >= PM_PROT_X. */
/*@ assigns \nothing;
    ensures \result <= 7;
    ensures ((flags & PM_PF_W) != 0 && (flags & PM_PF_X) != 0) <==>
            (\result == 6 || \result == 7);
    ensures (flags & PM_PF_X) != 0 <==> \result >= 4; */
static uint32_t prot_of(uint32_t flags)
{
    uint32_t r = (flags & PM_PF_R) != 0u ? PM_PROT_R : 0u;
    uint32_t w = (flags & PM_PF_W) != 0u ? PM_PROT_W : 0u;
    uint32_t x = (flags & PM_PF_X) != 0u ? PM_PROT_X : 0u;
    return r + w + x;
}

/* The rules of one PT_LOAD, in spec order; n loads were accepted before. */
/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires \valid_read(ph) && \valid_read(w) && \valid_read(plan);
    requires n <= pol->max_loads && n == plan->nseg;
    requires pm_elf_segs_ok(plan, pol, pm_elf_lo_of(type, pol), n);
    requires map_start <= ph->vaddr && file_page <= ph->offset;
    assigns \nothing;
    ensures \result == PM_OK ==>
        n < pol->max_loads &&
        0 < ph->memsz && ph->filesz <= ph->memsz &&
        ph->offset + ph->filesz <= file_size &&
        ph->vaddr + ph->memsz <= pol->user_limit &&
        pm_elf_lo_of(type, pol) <= map_start &&
        ph->offset - file_page == ph->vaddr - map_start &&
        (n > 0 ==> plan->seg[n - 1].map_start + plan->seg[n - 1].map_len
                       <= map_start) &&
        (pm_elf_wxorx(pol) ==> !((ph->flags & PM_PF_W) != 0 && (ph->flags & PM_PF_X) != 0)); */
static pm_status check_load(const pm_elf_policy *pol, uint64_t file_size,
                            uint16_t type, const pm_elf_phdr *ph,
                            const pm_elf_walk *w, const pm_elf_plan *plan,
                            uint32_t n, uint64_t map_start, uint64_t file_page)
{
    pm_status st = PM_OK;
    if (n >= pol->max_loads) {
        st = PM_E_ELF_LOAD_COUNT;
    } else if (ph->memsz == 0u) {
        st = PM_E_ELF_LOAD_EMPTY;
    } else if (pm_elf_align_ok(ph->align) == 0) {
        st = PM_E_ELF_LOAD_ALIGN;
    } else if (ph->filesz > ph->memsz) {
        st = PM_E_ELF_LOAD_FILESZ;
    } else if (ph->offset > file_size || ph->filesz > file_size - ph->offset) {
        st = PM_E_ELF_LOAD_FILE_RANGE;
    } else if (ph->vaddr > pol->user_limit ||
               ph->memsz > pol->user_limit - ph->vaddr ||
               (type == PM_ET_EXEC && map_start < pol->min_vaddr)) {
        st = PM_E_ELF_LOAD_VADDR_RANGE;
    } else if (ph->offset - file_page != ph->vaddr - map_start) {
        /* Same distance to the page start: p_offset == p_vaddr (mod page). */
        st = PM_E_ELF_LOAD_CONGRUENCE;
    } else if (n > 0u && ph->vaddr < w->load_vaddr[n - 1u]) {
        st = PM_E_ELF_LOAD_ORDER;
    } else if (n > 0u && map_start <
               plan->seg[n - 1u].map_start + plan->seg[n - 1u].map_len) {
        st = PM_E_ELF_LOAD_OVERLAP;
    } else if ((pol->flags & PM_ELF_POLICY_WXORX) != 0u &&
               (ph->flags & PM_PF_W) != 0u && (ph->flags & PM_PF_X) != 0u) {
        st = PM_E_ELF_WX;
    }
    return st;
}

/* Fill plan segment s from a PT_LOAD that passed check_load:
 *   map   [page_down(vaddr), page_up(vaddr + memsz))
 *   file  [page_down(offset), + page_up(vaddr + filesz) - map_start)
 *   zero  [vaddr + filesz, page_up(vaddr + filesz)) when memsz > filesz
 *         (the bss start shares its page with file data). */
/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires \valid_read(ph) && \valid(s) && \separated(pol, ph, s);
    requires 0 < ph->memsz && ph->filesz <= ph->memsz;
    requires ph->offset + ph->filesz <= file_size;
    requires ph->vaddr + ph->memsz <= pol->user_limit;
    requires map_start % pol->page_size == 0 && file_page % pol->page_size == 0;
    requires map_start <= ph->vaddr && file_page <= ph->offset;
    requires ph->offset - file_page == ph->vaddr - map_start;
    requires file_size < PM_ELF_MAX_FILE;
    requires pm_elf_wxorx(pol) ==> !((ph->flags & PM_PF_W) != 0 && (ph->flags & PM_PF_X) != 0);
    assigns *s;
    ensures s->map_start == map_start;
    ensures s->map_start + s->map_len >= ph->vaddr + ph->memsz;
    ensures s->map_start + s->map_len <= pol->user_limit;
    ensures s->map_start % pol->page_size == 0;
    ensures s->map_len % pol->page_size == 0;
    ensures s->file_off % pol->page_size == 0;
    ensures s->file_len % pol->page_size == 0;
    ensures 0 < s->map_len;
    ensures s->file_len <= s->map_len;
    ensures s->zero_len < pol->page_size;
    ensures s->zero_len <= s->file_len;
    ensures s->zero_start + s->zero_len == s->map_start + s->file_len;
    ensures s->prot <= 7;
    ensures pm_elf_wxorx(pol) ==> (s->prot != 6 && s->prot != 7);
    ensures pm_elf_seg_ok(s, pol, 0);
    ensures s->file_len == 0 || s->file_off + s->file_len - pol->page_size < file_size;
    ensures s->zero_len == 0 || s->file_off + (s->zero_start - s->map_start) <= file_size;
    ensures pm_elf_seg_file_ok(s, pol, file_size); */
static void build_segment(const pm_elf_policy *pol, uint64_t file_size,
                          const pm_elf_phdr *ph, uint64_t map_start,
                          uint64_t file_page, pm_elf_segment *s)
{
    uint64_t map_end = pm_elf_page_up(pol, ph->vaddr + ph->memsz);
    uint64_t file_end = ph->vaddr + ph->filesz;       /* <= user_limit */
    uint64_t file_page_end = pm_elf_page_up(pol, file_end);
    uint64_t file_len = 0u;
    uint64_t zero_start = map_start;
    uint64_t zero_len = 0u;
    uint32_t prot = prot_of(ph->flags);
    (void)file_size;
    if (ph->filesz != 0u) {
        file_len = file_page_end - map_start;
        zero_start = file_page_end;
        if (ph->memsz > ph->filesz) {
            zero_start = file_end;
            zero_len = file_page_end - file_end;
        }
    }
    s->map_start = map_start;
    s->map_len = map_end - map_start;
    s->file_off = file_page;
    s->file_len = file_len;
    s->zero_start = zero_start;
    s->zero_len = zero_len;
    s->prot = prot;
    s->reserved = 0u;
}

pm_status pm_elf_add_load(const pm_elf_policy *pol, uint64_t file_size,
                          uint16_t type, const pm_elf_phdr *ph,
                          pm_elf_walk *w, pm_elf_plan *plan)
{
    uint32_t n = plan->nseg;
    uint64_t map_start = pm_elf_page_down(pol, ph->vaddr);
    uint64_t file_page = pm_elf_page_down(pol, ph->offset);
    pm_status st = check_load(pol, file_size, type, ph, w, plan, n,
                              map_start, file_page);
    if (st == PM_OK) {
        pm_elf_segment seg;
        build_segment(pol, file_size, ph, map_start, file_page, &seg);
        plan->seg[n] = seg;
        /*@ assert pm_elf_seg_ok(&plan->seg[n], pol, pm_elf_lo_of(type, pol)); */
        /*@ assert pm_elf_segs_ok(plan, pol, pm_elf_lo_of(type, pol), n); */
        /*@ assert pm_elf_segs_file_ok(plan, pol, file_size, n); */
        /*@ assert pm_elf_loads_ok(w, plan, pol, file_size, n); */
        w->load_vaddr[n] = ph->vaddr;
        w->load_memsz[n] = ph->memsz;
        w->load_offset[n] = ph->offset;
        w->load_filesz[n] = ph->filesz;
        if (ph->align > w->max_align) {
            w->max_align = ph->align;
        }
        /*@ assert pm_elf_loads_ok(w, plan, pol, file_size, n); */
        plan->nseg = n + 1u;
    }
    return st;
}
