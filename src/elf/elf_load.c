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
    /* Local copies: Eva's octagons relate local variables, not fields. */
    const uint64_t offset = ph->offset;
    const uint64_t vaddr = ph->vaddr;
    const uint64_t filesz = ph->filesz;
    const uint64_t memsz = ph->memsz;
    const uint64_t limit = pol->user_limit;
    pm_status st = PM_OK;
    if (n >= pol->max_loads) {
        st = PM_E_ELF_LOAD_COUNT;
    } else if (memsz == 0u) {
        st = PM_E_ELF_LOAD_EMPTY;
    } else if (pm_elf_align_ok(ph->align) == 0 || ph->align > pol->max_span) {
        /* An alignment above max_span would make every bias of the plan
         * unusable (pm_elf_plan_apply_bias), so it is refused here. */
        st = PM_E_ELF_LOAD_ALIGN;
    } else if (filesz > memsz) {
        st = PM_E_ELF_LOAD_FILESZ;
    } else if (offset > file_size || filesz > file_size - offset) {
        st = PM_E_ELF_LOAD_FILE_RANGE;
    } else if (vaddr > limit || memsz > limit - vaddr ||
               (type == PM_ET_EXEC && map_start < pol->min_vaddr)) {
        st = PM_E_ELF_LOAD_VADDR_RANGE;
    } else if (pm_elf_sub(offset, file_page) != pm_elf_sub(vaddr, map_start)) {
        /* Same distance to the page start: p_offset == p_vaddr (mod page). */
        st = PM_E_ELF_LOAD_CONGRUENCE;
    } else if (n > 0u && vaddr < w->load_vaddr[n - 1u]) {
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

/* A segment from its fields; the clauses of pm_elf_seg_ok as
 * preconditions, so that the predicate is proven in a small context. */
/*@ requires map_start % page == 0 && map_len % page == 0;
    requires file_off % page == 0 && file_len % page == 0;
    requires 0 < map_len && file_len <= map_len;
    requires lo <= map_start && map_start + map_len <= limit;
    requires zero_len < page && zero_len <= file_len;
    requires zero_start + zero_len == map_start + file_len;
    requires prot <= 7;
    requires (flags & 1) != 0 ==> (prot != 6 && prot != 7);
    assigns \nothing;
    ensures \result.map_start == map_start && \result.map_len == map_len;
    ensures \result.file_off == file_off && \result.file_len == file_len;
    ensures \result.zero_start == zero_start && \result.zero_len == zero_len;
    ensures \result.prot == prot;
    ensures pm_elf_seg_ok(\result, page, limit, flags, lo); */
static pm_elf_segment seg_make(uint64_t map_start, uint64_t map_len,
                               uint64_t file_off, uint64_t file_len,
                               uint64_t zero_start, uint64_t zero_len,
                               uint32_t prot, uint64_t page, uint64_t limit,
                               uint32_t flags, uint64_t lo)
{
    pm_elf_segment r;
    (void)page;
    (void)limit;
    (void)flags;
    (void)lo;
    r.map_start = map_start;
    r.map_len = map_len;
    r.file_off = file_off;
    r.file_len = file_len;
    r.zero_start = zero_start;
    r.zero_len = zero_len;
    r.prot = prot;
    r.reserved = 0u;
    return r;
}

/* The plan segment of a PT_LOAD that passed check_load:
 *   map   [page_down(vaddr), page_up(vaddr + memsz))
 *   file  [page_down(offset), + page_up(vaddr + filesz) - map_start)
 *   zero  [vaddr + filesz, page_up(vaddr + filesz)) when memsz > filesz
 *         (the bss start shares its page with file data). */
/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires \valid_read(ph);
    requires 0 < ph->memsz && ph->filesz <= ph->memsz;
    requires ph->offset + ph->filesz <= file_size;
    requires ph->vaddr + ph->memsz <= pol->user_limit;
    requires map_start % pol->page_size == 0 && file_page % pol->page_size == 0;
    requires map_start <= ph->vaddr && file_page <= ph->offset;
    requires ph->offset - file_page == ph->vaddr - map_start;
    requires file_size < PM_ELF_MAX_FILE;
    requires lo <= map_start;
    requires pm_elf_wxorx(pol) ==> !((ph->flags & PM_PF_W) != 0 && (ph->flags & PM_PF_X) != 0);
    assigns \nothing;
    ensures \result.map_start == map_start;
    ensures \result.map_start + \result.map_len >= ph->vaddr + ph->memsz;
    ensures \result.map_start + \result.map_len <= pol->user_limit;
    ensures pm_elf_seg_ok(\result, pol->page_size, pol->user_limit, pol->flags, lo);
    ensures \result.file_len == 0 || \result.file_off + \result.file_len - pol->page_size < file_size;
    ensures \result.zero_len == 0 || \result.file_off + (\result.zero_start - \result.map_start) <= file_size;
    ensures pm_elf_seg_file_ok(\result, pol->page_size, file_size); */
static pm_elf_segment build_segment(const pm_elf_policy *pol,
                                    uint64_t file_size,
                                    const pm_elf_phdr *ph, uint64_t lo,
                                    uint64_t map_start, uint64_t file_page)
{
    uint64_t map_end = pm_elf_page_up(pol, ph->vaddr + ph->memsz);
    uint64_t file_end = ph->vaddr + ph->filesz;       /* <= user_limit */
    uint64_t file_page_end = pm_elf_page_up(pol, file_end);
    uint64_t file_len = 0u;
    uint64_t zero_start = map_start;
    uint64_t zero_len = 0u;
    uint32_t prot = prot_of(ph->flags);
    pm_elf_segment r;
    (void)file_size;
    if (ph->filesz != 0u) {
        file_len = pm_elf_sub(file_page_end, map_start);
        zero_start = file_page_end;
        if (ph->memsz > ph->filesz) {
            zero_start = file_end;
            zero_len = pm_elf_sub(file_page_end, file_end);
        }
    }
    r = seg_make(map_start, pm_elf_sub(map_end, map_start), file_page,
                 file_len, zero_start, zero_len, prot,
                 pol->page_size, pol->user_limit, pol->flags, lo);
    return r;
}

/* Write plan->seg[n], in a function of its own so that "every other
 * segment is unchanged" is proven in a context holding nothing else. */
/*@ requires \valid(plan) && n < PM_ELF_MAX_SEGMENTS;
    assigns plan->seg[n];
    ensures plan->seg[n] == seg;
    ensures \forall integer i; 0 <= i < PM_ELF_MAX_SEGMENTS && i != n ==>
        plan->seg[i] == \old(plan->seg[i]); */
static void put_seg(pm_elf_plan *plan, uint32_t n, pm_elf_segment seg)
{
    plan->seg[n] = seg;
}

/* Store segment n of the plan and count it.  Taking the segment by value keeps the
 * frame obvious: only plan->seg[n] changes, segments 0..n-1 are untouched. */
/*@ requires \valid(plan) && \valid_read(pol) && \separated(plan, pol);
    requires n < PM_ELF_MAX_SEGMENTS;
    requires pm_elf_segs_ok(plan, pol, lo, n);
    requires pm_elf_segs_file_ok(plan, pol, file_size, n);
    requires pm_elf_seg_ok(seg, pol->page_size, pol->user_limit, pol->flags, lo);
    requires pm_elf_seg_file_ok(seg, pol->page_size, file_size);
    requires n > 0 ==> pm_elf_seg_before(plan->seg[n - 1], seg);
    assigns plan->nseg, plan->seg[n];
    ensures plan->nseg == n + 1;
    ensures plan->seg[n] == seg;
    ensures pm_elf_segs_ok(plan, pol, lo, n + 1);
    ensures pm_elf_segs_file_ok(plan, pol, file_size, n + 1);
    ensures kept_interp: pm_elf_plan_interp_kept{Pre, Post}(plan);
    ensures kept_pol: pol->machines == \old(pol->machines) &&
            pol->flags == \old(pol->flags) &&
            pol->page_size == \old(pol->page_size) &&
            pol->min_vaddr == \old(pol->min_vaddr) &&
            pol->user_limit == \old(pol->user_limit) &&
            pol->max_loads == \old(pol->max_loads); */
static void store_segment(pm_elf_plan *plan, const pm_elf_policy *pol,
                          uint64_t lo, uint64_t file_size, uint32_t n,
                          pm_elf_segment seg)
{
    (void)pol;
    (void)lo;
    (void)file_size;
    put_seg(plan, n, seg);
    plan->nseg = n + 1u;
    /*@ assert kept: \forall integer i; 0 <= i < n ==>
            plan->seg[i] == \at(plan->seg[i], Pre); */
    /*@ assert kept_ok: \forall integer i; 0 <= i < n ==>
            pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                          pol->flags, lo); */
    /*@ assert kept_file_ok: \forall integer i; 0 <= i < n ==>
            pm_elf_seg_file_ok(plan->seg[i], pol->page_size, file_size); */
    /*@ assert kept_before: \forall integer i; 0 <= i < n - 1 ==>
            pm_elf_seg_before(plan->seg[i], plan->seg[i + 1]); */
    /*@ assert new_ok: pm_elf_seg_ok(plan->seg[n], pol->page_size,
                                     pol->user_limit, pol->flags, lo); */
    /*@ assert new_before: n > 0 ==>
            pm_elf_seg_before(plan->seg[n - 1], plan->seg[n]); */
    /*@ assert all_ok: \forall integer i; 0 <= i < n + 1 ==>
            pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                          pol->flags, lo); */
    /*@ assert all_before: \forall integer i; 0 <= i < n ==>
            pm_elf_seg_before(plan->seg[i], plan->seg[i + 1]); */
}

/* Record the exact ranges of load n in the walk and raise the walk's
 * alignment; only w changes, so the plan's segment facts carry over. */
/*@ requires \valid(w) && \valid_read(plan) && \valid_read(ph) && \valid_read(pol);
    requires \separated(w, plan, ph, pol);
    requires n < PM_ELF_MAX_SEGMENTS;
    requires pm_elf_loads_ok(w, plan, pol, file_size, n);
    requires pm_elf_segs_ok(plan, pol, lo, n + 1);
    requires pm_elf_segs_file_ok(plan, pol, file_size, n + 1);
    requires w->max_align >= pol->page_size;
    requires 0 < ph->memsz && ph->filesz <= ph->memsz;
    requires ph->offset + ph->filesz <= file_size;
    requires plan->seg[n].map_start <= ph->vaddr;
    requires ph->vaddr + ph->memsz <= plan->seg[n].map_start + plan->seg[n].map_len;
    assigns w->load_vaddr[n], w->load_memsz[n], w->load_offset[n],
            w->load_filesz[n], w->max_align;
    ensures pm_elf_loads_ok(w, plan, pol, file_size, n + 1);
    ensures pm_elf_segs_ok(plan, pol, lo, n + 1);
    ensures pm_elf_segs_file_ok(plan, pol, file_size, n + 1);
    ensures w->max_align >= pol->page_size;
    ensures kept_interp: pm_elf_plan_interp_kept{Pre, Post}(plan);
    ensures kept_pol: pol->machines == \old(pol->machines) &&
            pol->flags == \old(pol->flags) &&
            pol->page_size == \old(pol->page_size) &&
            pol->min_vaddr == \old(pol->min_vaddr) &&
            pol->user_limit == \old(pol->user_limit) &&
            pol->max_loads == \old(pol->max_loads); */
static void record_load(pm_elf_walk *w, const pm_elf_plan *plan,
                        const pm_elf_policy *pol, uint64_t lo,
                        uint64_t file_size, uint32_t n, const pm_elf_phdr *ph)
{
    (void)plan;
    (void)pol;
    (void)lo;
    (void)file_size;
    w->load_vaddr[n] = ph->vaddr;
    w->load_memsz[n] = ph->memsz;
    w->load_offset[n] = ph->offset;
    w->load_filesz[n] = ph->filesz;
    if (ph->align > w->max_align) {
        w->max_align = ph->align;
    }
    /*@ assert kept: \forall integer i; 0 <= i < PM_ELF_MAX_SEGMENTS ==>
            plan->seg[i] == \at(plan->seg[i], Pre); */
    /*@ assert kept_pol: pol->page_size == \at(pol->page_size, Pre) &&
            pol->user_limit == \at(pol->user_limit, Pre) &&
            pol->flags == \at(pol->flags, Pre); */
    /*@ assert kept_ok: \forall integer i; 0 <= i < n + 1 ==>
            pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                          pol->flags, lo); */
    /*@ assert kept_file_ok: \forall integer i; 0 <= i < n + 1 ==>
            pm_elf_seg_file_ok(plan->seg[i], pol->page_size, file_size); */
    /*@ assert kept_before: \forall integer i; 0 <= i < n ==>
            pm_elf_seg_before(plan->seg[i], plan->seg[i + 1]); */
    /*@ assert kept_loads: \forall integer k; 0 <= k < n ==>
            w->load_vaddr[k] == \at(w->load_vaddr[k], Pre) &&
            w->load_memsz[k] == \at(w->load_memsz[k], Pre) &&
            w->load_offset[k] == \at(w->load_offset[k], Pre) &&
            w->load_filesz[k] == \at(w->load_filesz[k], Pre); */
    /*@ assert kept_loads_ok: pm_elf_loads_ok(w, plan, pol, file_size, n); */
    /*@ assert new_load_ok: 0 < w->load_memsz[n] &&
            w->load_filesz[n] <= w->load_memsz[n] &&
            plan->seg[n].map_start <= w->load_vaddr[n] &&
            w->load_vaddr[n] + w->load_memsz[n] <=
                plan->seg[n].map_start + plan->seg[n].map_len &&
            w->load_offset[n] + w->load_filesz[n] <= file_size; */
}

pm_status pm_elf_add_load(const pm_elf_policy *pol, uint64_t file_size,
                          uint16_t type, const pm_elf_phdr *ph,
                          pm_elf_walk *w, pm_elf_plan *plan)
{
    uint32_t n = plan->nseg;
    uint64_t lo = type == PM_ET_EXEC ? pol->min_vaddr : 0u;
    /*@ assert lo == pm_elf_lo_of(type, pol); */
    uint64_t map_start = pm_elf_page_down(pol, ph->vaddr);
    uint64_t file_page = pm_elf_page_down(pol, ph->offset);
    pm_status st = check_load(pol, file_size, type, ph, w, plan, n,
                              map_start, file_page);
    if (st == PM_OK) {
        /* The same value again (page_down is a function of its argument),
         * now computed from the checked p_vaddr: Eva then sees
         * map_start <= user_limit without relating two calls. */
        map_start = pm_elf_page_down(pol, ph->vaddr);
        pm_elf_segment seg = build_segment(pol, file_size, ph, lo, map_start,
                                           file_page);
        store_segment(plan, pol, lo, file_size, n, seg);
        record_load(w, plan, pol, lo, file_size, n, ph);
        /*@ assert plan->nseg == n + 1; */
        /*@ assert lo == pm_elf_lo_of(type, pol); */
        /*@ assert pm_elf_segs_ok(plan, pol, pm_elf_lo_of(type, pol), n + 1); */
    }
    return st;
}
