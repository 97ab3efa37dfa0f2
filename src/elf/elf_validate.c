/* pm_elf_validate: the program header walk and the whole-image rules
 * (spec/elf-policy.md). */
#include "elf_internal.h"

uint32_t pm_elf_find_load(const pm_elf_walk *w, uint32_t n,
                          uint64_t addr, uint64_t len)
{
    uint32_t k = 0u;
    uint32_t found = n;
    /*@ loop invariant 0 <= k <= n;
        loop invariant found == n || found < k;
        loop invariant found < n ==> w->load_vaddr[found] <= addr &&
            addr + len <= w->load_vaddr[found] + w->load_memsz[found];
        loop assigns k, found;
        loop variant n - k; */
    while (k < n && found == n) {
        /* Local copies: Eva's octagons relate local variables. */
        const uint64_t vaddr = w->load_vaddr[k];
        const uint64_t memsz = w->load_memsz[k];
        if (vaddr <= addr) {
            const uint64_t into = addr - vaddr;
            if (into <= memsz && len <= memsz - into) {
                found = k;
            }
        }
        k++;
    }
    return found;
}

/* Clear the plan: nothing of a previous use survives a failed validation. */
/*@ requires \valid(plan);
    assigns *plan;
    ensures plan->valid == 0 && plan->nseg == 0 && plan->bias == 0;
    ensures plan->has_interp == 0 && plan->has_tls == 0;
    ensures plan->has_dynamic == 0 && plan->has_relro == 0;
    ensures plan->phdr_addr == 0 && plan->stack_prot == 3;
    ensures plan->need_len == 0; */
static void plan_clear(pm_elf_plan *plan)
{
    uint32_t i = 0u;
    plan->valid = 0u;
    plan->type = 0u;
    plan->machine = 0u;
    plan->role = PM_ELF_ROLE_PROGRAM;
    plan->nseg = 0u;
    /*@ loop invariant 0 <= i <= PM_ELF_MAX_SEGMENTS;
        loop assigns i, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1];
        loop variant PM_ELF_MAX_SEGMENTS - i; */
    while (i < PM_ELF_MAX_SEGMENTS) {
        plan->seg[i].map_start = 0u;
        plan->seg[i].map_len = 0u;
        plan->seg[i].file_off = 0u;
        plan->seg[i].file_len = 0u;
        plan->seg[i].zero_start = 0u;
        plan->seg[i].zero_len = 0u;
        plan->seg[i].prot = 0u;
        plan->seg[i].reserved = 0u;
        i++;
    }
    plan->entry = 0u;
    plan->phdr_addr = 0u;
    plan->phnum = 0u;
    plan->phentsize = 0u;
    plan->has_interp = 0u;
    plan->interp_off = 0u;
    plan->interp_len = 0u;
    plan->stack_prot = PM_PROT_R | PM_PROT_W;
    plan->has_tls = 0u;
    plan->tls_addr = 0u;
    plan->tls_filesz = 0u;
    plan->tls_memsz = 0u;
    plan->tls_align = 0u;
    plan->has_dynamic = 0u;
    plan->dynamic_addr = 0u;
    plan->dynamic_size = 0u;
    plan->has_relro = 0u;
    plan->relro_addr = 0u;
    plan->relro_size = 0u;
    plan->span_start = 0u;
    plan->span_end = 0u;
    plan->align = 0u;
    plan->bias = 0u;
    plan->need_off = 0u;
    plan->need_len = 0u;
}

/*@ requires \valid(w) && \valid_read(pol);
    requires \separated(w, pol);
    assigns *w;
    ensures w->max_align == pol->page_size; */
static void walk_clear(pm_elf_walk *w, const pm_elf_policy *pol)
{
    uint32_t i = 0u;
    w->ninterp = 0u;
    w->nstack = 0u;
    w->nphdr = 0u;
    w->ntls = 0u;
    w->ndynamic = 0u;
    w->nrelro = 0u;
    w->phdr_vaddr = 0u;
    w->max_align = pol->page_size;
    /*@ loop invariant 0 <= i <= PM_ELF_MAX_SEGMENTS;
        loop assigns i, w->load_vaddr[0 .. PM_ELF_MAX_SEGMENTS - 1],
            w->load_memsz[0 .. PM_ELF_MAX_SEGMENTS - 1],
            w->load_offset[0 .. PM_ELF_MAX_SEGMENTS - 1],
            w->load_filesz[0 .. PM_ELF_MAX_SEGMENTS - 1];
        loop variant PM_ELF_MAX_SEGMENTS - i; */
    while (i < PM_ELF_MAX_SEGMENTS) {
        w->load_vaddr[i] = 0u;
        w->load_memsz[i] = 0u;
        w->load_offset[i] = 0u;
        w->load_filesz[i] = 0u;
        i++;
    }
}

/* A program header other than PT_LOAD: never touches the plan's segments
 * nor the recorded loads. */
/*@ requires head_len <= buf_len < PM_ELF_MAX_FILE;
    requires head_len <= file_size && file_size < PM_ELF_MAX_FILE;
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid_read(eh) && \valid_read(ph) && \valid(w) && \valid(plan);
    requires \separated(eh, ph, w, plan, buf + (0 .. buf_len - 1));
    requires pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len);
    assigns w->ninterp, w->nstack, w->nphdr, w->phdr_vaddr, w->ntls,
            w->ndynamic, w->nrelro,
            plan->has_interp, plan->interp_off, plan->interp_len,
            plan->has_tls, plan->tls_addr, plan->tls_filesz, plan->tls_memsz,
            plan->tls_align, plan->has_dynamic, plan->dynamic_addr,
            plan->dynamic_size, plan->has_relro, plan->relro_addr,
            plan->relro_size;
    ensures \result == PM_OK ==> pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len);
    ensures \result == PM_OK && role == PM_ELF_ROLE_INTERP ==>
        plan->has_interp == \old(plan->has_interp); */
static pm_status walk_other(const uint8_t *buf, uint64_t head_len,
                            uint64_t buf_len, uint64_t win_off,
                            uint64_t file_size, pm_elf_role role,
                            const pm_elf_ehdr *eh, const pm_elf_phdr *ph,
                            pm_elf_walk *w, pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    if (ph->type == PM_PT_INTERP) {
        st = pm_elf_on_interp(buf, head_len, buf_len, win_off, file_size,
                              role, ph, w, plan);
    } else if (ph->type == PM_PT_GNU_STACK) {
        st = pm_elf_on_stack(ph, w);
    } else if (ph->type == PM_PT_PHDR) {
        st = pm_elf_on_phdr(eh, ph, w);
    } else if (ph->type == PM_PT_TLS || ph->type == PM_PT_DYNAMIC ||
               ph->type == PM_PT_GNU_RELRO) {
        st = pm_elf_on_region(ph, w, plan);
    }
    return st;
}

/* One program header: dispatch on its type.  Types the validator does not
 * know (PT_NOTE, PT_GNU_EH_FRAME, PT_GNU_PROPERTY, ...) are ignored. */
/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires head_len <= buf_len < PM_ELF_MAX_FILE;
    requires head_len <= file_size && file_size < PM_ELF_MAX_FILE;
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid_read(eh) && \valid_read(ph) && \valid(w) && \valid(plan);
    requires \separated(pol, eh, ph, w, plan, buf + (0 .. buf_len - 1));
    requires plan->nseg <= pol->max_loads;
    requires pm_elf_segs_ok(plan, pol, pm_elf_lo_of(eh->type, pol), plan->nseg);
    requires pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg);
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    requires w->max_align >= pol->page_size;
    requires pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len);
    assigns *w, plan->nseg, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1],
            plan->has_interp, plan->interp_off, plan->interp_len,
            plan->has_tls, plan->tls_addr, plan->tls_filesz, plan->tls_memsz,
            plan->tls_align, plan->has_dynamic, plan->dynamic_addr,
            plan->dynamic_size, plan->has_relro, plan->relro_addr,
            plan->relro_size;
    ensures \result == PM_OK ==> pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len);
    ensures \result == PM_OK && role == PM_ELF_ROLE_INTERP ==>
        plan->has_interp == \old(plan->has_interp);
    ensures plan->nseg <= pol->max_loads;
    ensures pm_elf_segs_ok(plan, pol, pm_elf_lo_of(eh->type, pol), plan->nseg);
    ensures pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg);
    ensures pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    ensures w->max_align >= pol->page_size;
    ensures pol->machines == \old(pol->machines) &&
            pol->flags == \old(pol->flags) &&
            pol->page_size == \old(pol->page_size) &&
            pol->min_vaddr == \old(pol->min_vaddr) &&
            pol->user_limit == \old(pol->user_limit) &&
            pol->max_loads == \old(pol->max_loads);
    ensures eh->type == \old(eh->type); */
static pm_status walk_one(const uint8_t *buf, uint64_t head_len,
                          uint64_t buf_len, uint64_t win_off,
                          uint64_t file_size, const pm_elf_policy *pol,
                          pm_elf_role role, const pm_elf_ehdr *eh,
                          const pm_elf_phdr *ph, pm_elf_walk *w,
                          pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    if (ph->type == PM_PT_LOAD) {
        st = pm_elf_add_load(pol, file_size, eh->type, ph, w, plan);
        /*@ assert kept_interp: pm_elf_plan_interp_kept{Pre, Here}(plan); */
        /*@ assert kept_pol_load: pol->machines == \at(pol->machines, Pre) &&
                pol->flags == \at(pol->flags, Pre) &&
                pol->page_size == \at(pol->page_size, Pre) &&
                pol->min_vaddr == \at(pol->min_vaddr, Pre) &&
                pol->user_limit == \at(pol->user_limit, Pre) &&
                pol->max_loads == \at(pol->max_loads, Pre); */
    } else {
        st = walk_other(buf, head_len, buf_len, win_off, file_size, role,
                        eh, ph, w, plan);
        /*@ assert kept_segs: \forall integer i; 0 <= i < PM_ELF_MAX_SEGMENTS ==>
                plan->seg[i] == \at(plan->seg[i], Pre); */
        /*@ assert kept_loads: \forall integer k; 0 <= k < PM_ELF_MAX_SEGMENTS ==>
                w->load_vaddr[k] == \at(w->load_vaddr[k], Pre) &&
                w->load_memsz[k] == \at(w->load_memsz[k], Pre) &&
                w->load_offset[k] == \at(w->load_offset[k], Pre) &&
                w->load_filesz[k] == \at(w->load_filesz[k], Pre); */
        /*@ assert kept_scalars: plan->nseg == \at(plan->nseg, Pre) &&
                w->max_align == \at(w->max_align, Pre) &&
                eh->type == \at(eh->type, Pre) &&
                pol->page_size == \at(pol->page_size, Pre) &&
                pol->user_limit == \at(pol->user_limit, Pre) &&
                pol->min_vaddr == \at(pol->min_vaddr, Pre) &&
                pol->flags == \at(pol->flags, Pre) &&
                pol->max_loads == \at(pol->max_loads, Pre) &&
                pol->machines == \at(pol->machines, Pre); */
    }
    return st;
}

/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires head_len <= buf_len < PM_ELF_MAX_FILE;
    requires head_len <= file_size && file_size < PM_ELF_MAX_FILE;
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid_read(eh) && \valid(w) && \valid(plan);
    requires \separated(pol, eh, w, plan, buf + (0 .. buf_len - 1));
    requires 1 <= eh->phnum <= PM_ELF_MAX_PHNUM;
    requires eh->phoff + eh->phnum * PM_PHDR_SIZE <= head_len;
    requires plan->nseg == 0;
    requires plan->has_interp == 0;
    requires w->max_align >= pol->page_size;
    assigns *w, plan->nseg, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1],
            plan->has_interp, plan->interp_off, plan->interp_len,
            plan->has_tls, plan->tls_addr, plan->tls_filesz, plan->tls_memsz,
            plan->tls_align, plan->has_dynamic, plan->dynamic_addr,
            plan->dynamic_size, plan->has_relro, plan->relro_addr,
            plan->relro_size;
    ensures plan->nseg <= pol->max_loads;
    ensures pm_elf_segs_ok(plan, pol, pm_elf_lo_of(eh->type, pol), plan->nseg);
    ensures pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg);
    ensures pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    ensures w->max_align >= pol->page_size;
    ensures \result == PM_OK ==> pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len);
    ensures \result == PM_OK && role == PM_ELF_ROLE_INTERP ==> plan->has_interp == 0;
    ensures kept_pol: pol->machines == \old(pol->machines) &&
            pol->flags == \old(pol->flags) &&
            pol->page_size == \old(pol->page_size) &&
            pol->min_vaddr == \old(pol->min_vaddr) &&
            pol->user_limit == \old(pol->user_limit) &&
            pol->max_loads == \old(pol->max_loads); */
static pm_status walk(const uint8_t *buf, uint64_t head_len,
                      uint64_t buf_len, uint64_t win_off,
                      uint64_t file_size, const pm_elf_policy *pol,
                      pm_elf_role role, const pm_elf_ehdr *eh,
                      pm_elf_walk *w, pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    uint32_t i = 0u;
    const uint64_t phoff = eh->phoff;
    const uint32_t phnum = eh->phnum;
    pm_elf_phdr ph;
    /*@ loop invariant 0 <= i <= phnum;
        loop invariant phoff + phnum * PM_PHDR_SIZE <= buf_len;
        loop invariant eh->type == \at(eh->type, Pre);
        loop invariant pol->machines == \at(pol->machines, Pre) &&
            pol->flags == \at(pol->flags, Pre) &&
            pol->page_size == \at(pol->page_size, Pre) &&
            pol->min_vaddr == \at(pol->min_vaddr, Pre) &&
            pol->user_limit == \at(pol->user_limit, Pre) &&
            pol->max_loads == \at(pol->max_loads, Pre);
        loop invariant plan->nseg <= pol->max_loads;
        loop invariant pm_elf_segs_ok(plan, pol, pm_elf_lo_of(eh->type, pol), plan->nseg);
        loop invariant pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg);
        loop invariant pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
        loop invariant w->max_align >= pol->page_size;
        loop invariant st == PM_OK ==> pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len);
        loop invariant st == PM_OK && role == PM_ELF_ROLE_INTERP ==> plan->has_interp == 0;
        loop assigns i, st, ph, *w, plan->nseg,
            plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1],
            plan->has_interp, plan->interp_off, plan->interp_len,
            plan->has_tls, plan->tls_addr, plan->tls_filesz, plan->tls_memsz,
            plan->tls_align, plan->has_dynamic, plan->dynamic_addr,
            plan->dynamic_size, plan->has_relro, plan->relro_addr,
            plan->relro_size;
        loop variant phnum - i; */
    while (i < phnum && st == PM_OK) {
        /* phoff <= buf_len < 2^62 and i < 73: no overflow. */
        const uint64_t off = phoff + (uint64_t)i * PM_PHDR_SIZE;
        /*@ assert pm_elf_policy_ok(pol); */
        /*@ assert off + PM_PHDR_SIZE <= buf_len; */
        if (buf_len < PM_PHDR_SIZE || off > buf_len - PM_PHDR_SIZE) {
            /* Never taken (pm_elf_check_ehdr put the whole table inside
             * buf, as the assertion above states); the explicit test gives
             * Eva the bound of every read. */
            st = PM_E_ELF_HEADER_AREA;
        } else {
            pm_elf_read_phdr(buf, off, &ph);
            st = walk_one(buf, head_len, buf_len, win_off, file_size, pol,
                          role, eh, &ph, w, plan);
        }
        i++;
    }
    return st;
}

/* The smallest start and the largest end of the plan's segments.  For the
 * ascending segments of a plan they are seg[0]'s start and the last
 * segment's end; the loop computes them without relying on the order, so
 * that "the span covers every segment" is a plain loop invariant. */
/*@ requires \valid(plan) && \valid_read(pol) && \separated(plan, pol);
    requires 1 <= plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires pm_elf_plan_body(plan, pol, lo, file_size, (uint8_t *)buf, buf_len, role);
    assigns plan->span_start, plan->span_end;
    ensures pm_elf_plan_span_ok(plan);
    ensures pm_elf_pol_kept{Pre, Post}(pol);
    ensures pm_elf_plan_head{Pre, Post}(plan);
    ensures pm_elf_plan_body(plan, pol, lo, file_size, (uint8_t *)buf, buf_len, role); */
static void set_span(pm_elf_plan *plan, const pm_elf_policy *pol, uint64_t lo,
                     uint64_t file_size, const uint8_t *buf, uint64_t buf_len,
                     pm_elf_role role)
{
    const uint32_t n = plan->nseg;
    uint64_t start = plan->seg[0].map_start;
    uint64_t end = plan->seg[0].map_start + plan->seg[0].map_len;
    uint32_t k = 1u;
    (void)pol;
    (void)lo;
    (void)file_size;
    (void)buf;
    (void)buf_len;
    (void)role;
    /*@ loop invariant 1 <= k <= n;
        loop invariant start < end;
        loop invariant \forall integer i; 0 <= i < k ==>
            start <= plan->seg[i].map_start &&
            plan->seg[i].map_start + plan->seg[i].map_len <= end;
        loop assigns k, start, end;
        loop variant n - k; */
    while (k < n) {
        const uint64_t s = plan->seg[k].map_start;
        const uint64_t e = s + plan->seg[k].map_len;   /* <= user_limit */
        if (s < start) {
            start = s;
        }
        if (e > end) {
            end = e;
        }
        k++;
    }
    plan->span_start = start;
    plan->span_end = end;
    /*@ assert kept_pol: pm_elf_pol_kept{Pre, Here}(pol); */
    /*@ assert kept_segs: \forall integer i; 0 <= i < PM_ELF_MAX_SEGMENTS ==>
            plan->seg[i] == \at(plan->seg[i], Pre); */    /*@ assert kept_scalars: plan->nseg == \at(plan->nseg, Pre) &&
            plan->has_interp == \at(plan->has_interp, Pre) &&
            plan->interp_off == \at(plan->interp_off, Pre) &&
            plan->interp_len == \at(plan->interp_len, Pre); */
    /*@ assert kept_seg_ok: \forall integer i; 0 <= i < plan->nseg ==>
            pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                          pol->flags, lo); */
    /*@ assert kept_before: \forall integer i; 0 <= i < plan->nseg - 1 ==>
            pm_elf_seg_before(plan->seg[i], plan->seg[i + 1]); */
    /*@ assert kept_file: pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg); */
    /*@ assert kept_name: pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len); */
}

/* The program header table's address in memory: the load whose file bytes
 * hold the table maps it at load_vaddr + (phoff - load_offset).  With a
 * PT_PHDR, that address must be the PT_PHDR's p_vaddr. */
/*@ requires \valid_read(eh) && \valid_read(w) && \valid(plan) && \valid_read(pol);
    requires \separated(eh, w, plan, pol);
    requires pm_elf_policy_ok(pol);
    requires 1 <= eh->phnum <= PM_ELF_MAX_PHNUM;
    requires plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    requires pm_elf_plan_span_ok(plan);
    requires pm_elf_plan_body(plan, pol, lo, file_size, (uint8_t *)buf, buf_len, role);
    assigns plan->phdr_addr;
    ensures pm_elf_pol_kept{Pre, Post}(pol);
    ensures pm_elf_plan_head{Pre, Post}(plan);
    ensures pm_elf_plan_span_ok(plan);
    ensures pm_elf_plan_body(plan, pol, lo, file_size, (uint8_t *)buf, buf_len, role);
    ensures \result == PM_OK ==> plan->phdr_addr == 0 ||
        plan->span_start <= plan->phdr_addr < plan->span_end; */
static pm_status locate_phdrs(const pm_elf_ehdr *eh, const pm_elf_walk *w,
                              const pm_elf_policy *pol, uint64_t file_size,
                              uint64_t lo, const uint8_t *buf,
                              uint64_t buf_len, pm_elf_role role,
                              pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    const uint64_t size = (uint64_t)eh->phnum * PM_PHDR_SIZE;
    const uint64_t phoff = eh->phoff;
    uint32_t n = plan->nseg;
    uint32_t k = 0u;
    uint64_t addr = 0u;
    int found = 0;
    (void)pol;
    (void)file_size;
    (void)lo;
    (void)buf;
    (void)buf_len;
    (void)role;
    /*@ loop invariant 0 <= k <= n;
        loop invariant addr == 0 ||
            plan->span_start <= addr < plan->span_end;
        loop assigns k, addr, found;
        loop variant n - k; */
    while (k < n && found == 0) {
        /* Local copies: Eva's octagons relate local variables. */
        const uint64_t offset = w->load_offset[k];
        const uint64_t filesz = w->load_filesz[k];
        if (offset <= phoff && size <= filesz &&
            phoff - offset <= filesz - size) {
            uint64_t cand = w->load_vaddr[k] + (phoff - offset);
            /*@ assert plan->seg[k].map_start <= cand <
                       plan->seg[k].map_start + plan->seg[k].map_len; */
            if (w->nphdr == 0u || cand == w->phdr_vaddr) {
                addr = cand;
                found = 1;
            }
        }
        k++;
    }
    if (w->nphdr != 0u && found == 0) {
        st = PM_E_ELF_PHDR_NOT_LOADED;
    } else {
        plan->phdr_addr = addr;
        /*@ assert kept_pol: pm_elf_pol_kept{Pre, Here}(pol); */
        /*@ assert kept_segs: \forall integer i; 0 <= i < PM_ELF_MAX_SEGMENTS ==>
                plan->seg[i] == \at(plan->seg[i], Pre); */        /*@ assert kept_scalars: plan->nseg == \at(plan->nseg, Pre) &&
                plan->has_interp == \at(plan->has_interp, Pre) &&
                plan->interp_off == \at(plan->interp_off, Pre) &&
                plan->interp_len == \at(plan->interp_len, Pre); */
        /*@ assert kept_seg_ok: \forall integer i; 0 <= i < plan->nseg ==>
                pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                              pol->flags, lo); */
        /*@ assert kept_before: \forall integer i; 0 <= i < plan->nseg - 1 ==>
                pm_elf_seg_before(plan->seg[i], plan->seg[i + 1]); */
        /*@ assert kept_file: pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg); */
        /*@ assert kept_name: pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len); */
    }
    return st;
}

/* Index of the first plan segment whose mapping [map_start, map_start +
 * map_len) holds [addr, addr + len), or n if none. */
/*@ requires \valid_read(plan) && n <= PM_ELF_MAX_SEGMENTS;
    assigns \nothing;
    ensures \result <= n;
    ensures \result < n ==> plan->seg[\result].map_start <= addr &&
        addr + len <= plan->seg[\result].map_start + plan->seg[\result].map_len; */
static uint32_t find_seg(const pm_elf_plan *plan, uint32_t n, uint64_t addr,
                         uint64_t len)
{
    uint32_t k = 0u;
    uint32_t found = n;
    /*@ loop invariant 0 <= k <= n;
        loop invariant found == n || found < k;
        loop invariant found < n ==> plan->seg[found].map_start <= addr &&
            addr + len <= plan->seg[found].map_start + plan->seg[found].map_len;
        loop assigns k, found;
        loop variant n - k; */
    while (k < n && found == n) {
        /* Local copies: Eva's octagons relate local variables. */
        const uint64_t start = plan->seg[k].map_start;
        const uint64_t mlen = plan->seg[k].map_len;
        if (start <= addr) {
            const uint64_t into = addr - start;
            if (into <= mlen && len <= mlen - into) {
                found = k;
            }
        }
        k++;
    }
    return found;
}

/* PT_TLS (its initialization image), PT_DYNAMIC and PT_GNU_RELRO inside
 * the memory of a PT_LOAD.  A PT_TLS without file bytes has no image to
 * read: its address need only lie in the span.  PT_GNU_RELRO inside the
 * pages a PT_LOAD maps: what rtld and ldso mprotect is page-rounded, and
 * lld ends it at the page boundary past the PT_LOAD's memory size. */
/*@ requires \valid_read(w) && \valid_read(plan) && \valid_read(pol);
    requires plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    requires pm_elf_plan_span_ok(plan);
    assigns \nothing;
    ensures \result == PM_OK ==>
        (plan->has_tls != 0 ==>
            plan->span_start <= plan->tls_addr <= plan->span_end) &&
        (plan->has_dynamic != 0 ==>
            plan->span_start <= plan->dynamic_addr <= plan->span_end) &&
        (plan->has_relro != 0 ==>
            plan->span_start <= plan->relro_addr <= plan->span_end); */
static pm_status check_regions(const pm_elf_walk *w, const pm_elf_plan *plan,
                               const pm_elf_policy *pol, uint64_t file_size)
{
    pm_status st = PM_OK;
    uint32_t n = plan->nseg;
    const uint64_t tls_addr = plan->tls_addr;   /* locals: for Eva */
    const uint64_t tls_filesz = plan->tls_filesz;
    (void)pol;
    (void)file_size;
    if (plan->has_tls != 0u &&
        (tls_addr > UINT64_MAX - plan->tls_memsz ||
         (tls_filesz != 0u && pm_elf_find_load(w, n, tls_addr, tls_filesz) == n) ||
         (tls_filesz == 0u && (tls_addr < plan->span_start ||
                               tls_addr > plan->span_end)))) {
        st = PM_E_ELF_TLS;
    } else if (plan->has_dynamic != 0u &&
               pm_elf_find_load(w, n, plan->dynamic_addr, plan->dynamic_size) == n) {
        st = PM_E_ELF_DYNAMIC;
    } else if (plan->has_relro != 0u &&
               find_seg(plan, n, plan->relro_addr, plan->relro_size) == n) {
        st = PM_E_ELF_RELRO;
    }
    return st;
}

/* The entry point inside the memory of an executable PT_LOAD. */
/*@ requires \valid_read(w) && \valid_read(plan) && \valid_read(pol);
    requires plan->nseg <= PM_ELF_MAX_SEGMENTS;
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    assigns \nothing;
    ensures \result == PM_OK ==> pm_elf_plan_entry_ok(plan, entry); */
static pm_status check_entry(uint64_t entry, const pm_elf_walk *w,
                             const pm_elf_plan *plan,
                             const pm_elf_policy *pol, uint64_t file_size)
{
    pm_status st = PM_E_ELF_ENTRY;
    uint32_t k = 0u;
    (void)pol;
    (void)file_size;
    /*@ loop invariant 0 <= k <= plan->nseg;
        loop invariant st == PM_OK || st == PM_E_ELF_ENTRY;
        loop invariant st == PM_OK ==>
            \exists integer i; 0 <= i < k && plan->seg[i].prot >= 4 &&
                plan->seg[i].map_start <= entry <
                    plan->seg[i].map_start + plan->seg[i].map_len;
        loop assigns k, st;
        loop variant plan->nseg - k; */
    while (k < plan->nseg && st != PM_OK) {
        const uint64_t vaddr = w->load_vaddr[k];   /* local: for Eva */
        if (plan->seg[k].prot >= PM_PROT_X && vaddr <= entry &&
            entry - vaddr < w->load_memsz[k]) {
            st = PM_OK;
        }
        k++;
    }
    return st;
}

/* The whole-image rules, after the walk (rows 48-54 of the table). */
/*@ requires \valid_read(eh) && \valid_read(w) && \valid(plan) && \valid_read(pol);
    requires \separated(eh, w, plan, pol, buf + (0 .. buf_len - 1));
    requires pm_elf_policy_ok(pol);
    requires 1 <= eh->phnum <= PM_ELF_MAX_PHNUM;
    requires pm_elf_plan_body(plan, pol, pm_elf_lo_of(eh->type, pol), file_size,
                              (uint8_t *)buf, buf_len, role);
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    assigns plan->phdr_addr, plan->span_start, plan->span_end;
    ensures pm_elf_pol_kept{Pre, Post}(pol);
    ensures pm_elf_plan_head{Pre, Post}(plan);
    ensures \result == PM_OK ==>
        pm_elf_plan_body(plan, pol, pm_elf_lo_of(eh->type, pol), file_size,
                         (uint8_t *)buf, buf_len, role) &&
        pm_elf_plan_addrs(plan, pol) &&
        pm_elf_plan_entry_ok(plan, eh->entry); */
static pm_status finish(const pm_elf_ehdr *eh, const pm_elf_policy *pol,
                        uint64_t file_size, const uint8_t *buf,
                        uint64_t buf_len, pm_elf_role role,
                        const pm_elf_walk *w, pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    const uint64_t lo = eh->type == PM_ET_EXEC ? pol->min_vaddr : 0u;
    /*@ assert lo == pm_elf_lo_of(eh->type, pol); */
    if (plan->nseg == 0u) {
        st = PM_E_ELF_NO_LOAD;
    }
    if (st == PM_OK) {
        set_span(plan, pol, lo, file_size, buf, buf_len, role);
        st = locate_phdrs(eh, w, pol, file_size, lo, buf, buf_len, role, plan);
    }
    if (st == PM_OK) {
        st = check_regions(w, plan, pol, file_size);
    }
    if (st == PM_OK) {
        st = check_entry(eh->entry, w, plan, pol, file_size);
    }
    if (st == PM_OK &&
        pm_elf_sub(plan->span_end, plan->span_start) > pol->max_span) {
        st = PM_E_ELF_SPAN;
    }
    return st;
}

/* The header fields of the plan, once the program headers passed; `valid`
 * is set here too and cleared again by pm_elf_validate if a whole-image
 * rule fails.  The stack protection and the bias are written again
 * (plan_clear set the same values) so that their values need no frame
 * argument over the walk. */
/*@ requires \valid(plan) && \valid_read(pol) && \valid_read(w);
    requires \separated(plan, pol, w);
    requires pm_elf_plan_body(plan, pol, pm_elf_lo_of(eh.type, pol), file_size,
                              (uint8_t *)buf, buf_len, role);
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    assigns plan->type, plan->machine, plan->role, plan->entry, plan->phnum,
            plan->phentsize, plan->align, plan->stack_prot, plan->bias,
            plan->valid;
    ensures pm_elf_pol_kept{Pre, Post}(pol);
    ensures pm_elf_plan_body(plan, pol, pm_elf_lo_of(eh.type, pol), file_size,
                             (uint8_t *)buf, buf_len, role);
    ensures pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    ensures plan->valid == PM_ELF_PLAN_VALID && plan->type == eh.type &&
            plan->role == role && plan->entry == eh.entry &&
            plan->stack_prot == 3 && plan->bias == 0 && plan->align == align; */
static void set_header(pm_elf_plan *plan, const pm_elf_policy *pol,
                       const pm_elf_walk *w, pm_elf_ehdr eh, pm_elf_role role,
                       uint64_t align, uint64_t file_size, const uint8_t *buf,
                       uint64_t buf_len)
{
    (void)pol;
    (void)w;
    (void)file_size;
    (void)buf;
    (void)buf_len;
    plan->type = eh.type;
    plan->machine = eh.machine;
    plan->role = role;
    plan->entry = eh.entry;
    plan->phnum = eh.phnum;
    plan->phentsize = PM_PHDR_SIZE;
    plan->align = align;
    plan->stack_prot = PM_PROT_R | PM_PROT_W;
    plan->bias = 0u;
    plan->valid = PM_ELF_PLAN_VALID;
    /*@ assert kept_pol: pm_elf_pol_kept{Pre, Here}(pol); */
    /*@ assert kept_segs: \forall integer i; 0 <= i < PM_ELF_MAX_SEGMENTS ==>
            plan->seg[i] == \at(plan->seg[i], Pre); */
    /*@ assert kept_scalars: plan->nseg == \at(plan->nseg, Pre) &&
            plan->has_interp == \at(plan->has_interp, Pre) &&
            plan->interp_off == \at(plan->interp_off, Pre) &&
            plan->interp_len == \at(plan->interp_len, Pre); */
    /*@ assert kept_seg_ok: \forall integer i; 0 <= i < plan->nseg ==>
            pm_elf_seg_ok(plan->seg[i], pol->page_size, pol->user_limit,
                          pol->flags, pm_elf_lo_of(eh.type, pol)); */
    /*@ assert kept_before: \forall integer i; 0 <= i < plan->nseg - 1 ==>
            pm_elf_seg_before(plan->seg[i], plan->seg[i + 1]); */
    /*@ assert kept_file: pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg); */
    /*@ assert kept_name: pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len); */
    /*@ assert kept_loads: pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg); */
}

/* The caller contract of pm_elf_validate_ext (ELF_ARGS). */
/*@ assigns \nothing;
    ensures \result != 0 ==> head_len <= file_size &&
        file_size < PM_ELF_MAX_FILE && head_len <= buf_len &&
        buf_len < PM_ELF_MAX_FILE &&
        (role == PM_ELF_ROLE_PROGRAM || role == PM_ELF_ROLE_INTERP); */
static int args_ok(uint64_t head_len, uint64_t buf_len, uint64_t win_off,
                   uint64_t file_size, pm_elf_role role)
{
    int ok = 1;
    if (head_len > file_size || file_size >= PM_ELF_MAX_FILE ||
        head_len > buf_len || buf_len >= PM_ELF_MAX_FILE ||
        buf_len - head_len > PM_ELF_INTERP_MAX ||
        win_off > file_size || buf_len - head_len > file_size - win_off ||
        (role != PM_ELF_ROLE_PROGRAM && role != PM_ELF_ROLE_INTERP)) {
        ok = 0;
    }
    return ok;
}

/* On a refusal, the further read the walk asked for: pm_elf_on_interp
 * refused a PT_INTERP name past the header area (ELF_HEADER_AREA, the name's
 * file range left in plan->interp_off/interp_len, has_interp 0).  Given to
 * the caller only if it is the one allowed: ELF_HEADER_AREA without a
 * window, at most PM_ELF_INTERP_MAX bytes inside the file.  Tested here,
 * not carried through the walk: pm_elf_need_ok then holds by this function
 * alone. */
/*@ requires \valid(plan);
    assigns plan->need_off, plan->need_len;
    ensures pm_elf_need_ok(plan, st, head_len, buf_len, file_size);
    ensures plan->valid == \old(plan->valid); */
static void set_need(pm_elf_plan *plan, pm_status st, uint64_t head_len,
                     uint64_t buf_len, uint64_t file_size)
{
    const uint64_t off = plan->interp_off;
    const uint64_t len = plan->interp_len;
    plan->need_off = 0u;
    plan->need_len = 0u;
    if (st == PM_E_ELF_HEADER_AREA && head_len == buf_len &&
        plan->has_interp == 0u &&
        len >= PM_ELF_INTERP_MIN && len <= PM_ELF_INTERP_MAX &&
        off <= file_size && len <= file_size - off) {
        plan->need_off = off;
        plan->need_len = (uint16_t)len;
    }
}

pm_status pm_elf_validate(const uint8_t *buf, uint64_t buf_len,
                          uint64_t file_size, const pm_elf_policy *pol,
                          pm_elf_role role, pm_elf_plan *plan)
{
    return pm_elf_validate_ext(buf, buf_len, buf_len, 0u, file_size, pol,
                               role, plan);
}

/* After a walk that passed: the header fields, then the whole-image rules;
 * on success the plan is valid and well-formed.  Apart from
 * pm_elf_validate_ext so that the goals of each hold only their own
 * context. */
/*@ requires \valid_read(eh) && \valid_read(w) && \valid(plan) && \valid_read(pol);
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \separated(eh, w, plan, pol, buf + (0 .. buf_len - 1));
    requires pm_elf_policy_ok(pol);
    requires 1 <= eh->phnum <= PM_ELF_MAX_PHNUM;
    requires eh->type == 2 || eh->type == 3;
    requires role == PM_ELF_ROLE_INTERP ==> eh->type == 3;
    requires pm_elf_plan_body(plan, pol, pm_elf_lo_of(eh->type, pol), file_size,
                              (uint8_t *)buf, buf_len, role);
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    requires w->max_align >= pol->page_size;
    assigns plan->type, plan->machine, plan->role, plan->entry, plan->phnum,
            plan->phentsize, plan->align, plan->stack_prot, plan->bias,
            plan->valid, plan->phdr_addr, plan->span_start, plan->span_end;
    ensures ok: \result == PM_OK ==> plan->valid == PM_ELF_PLAN_VALID &&
        pm_elf_plan_wf(plan, (uint8_t *)buf, buf_len, file_size, pol);
    ensures kept_need: plan->need_len == \old(plan->need_len); */
static pm_status complete(const pm_elf_ehdr *eh, const pm_elf_walk *w,
                          const pm_elf_policy *pol, uint64_t file_size,
                          const uint8_t *buf, uint64_t buf_len,
                          pm_elf_role role, pm_elf_plan *plan)
{
    pm_status st;
    set_header(plan, pol, w, *eh, role, w->max_align, file_size, buf, buf_len);
    st = finish(eh, pol, file_size, buf, buf_len, role, w, plan);
    /* The clauses of pm_elf_plan_wf, from the contracts above. */
    /*@ assert wf_head: st == PM_OK ==>
            plan->valid == PM_ELF_PLAN_VALID && plan->type == eh->type &&
            plan->role == role && plan->entry == eh->entry &&
            plan->stack_prot == 3 && plan->bias == 0 &&
            plan->align >= pol->page_size; */
    /*@ assert wf_lo: st == PM_OK ==>
            pm_elf_lo(plan, pol) == pm_elf_lo_of(eh->type, pol); */
    /*@ assert wf_body: st == PM_OK ==> pm_elf_plan_body(plan, pol,
            pm_elf_lo(plan, pol), file_size, (uint8_t *)buf, buf_len, role); */
    /*@ assert wf_entry: st == PM_OK ==> pm_elf_plan_entry_ok(plan, plan->entry); */
    /*@ assert wf_addrs: st == PM_OK ==> pm_elf_plan_addrs(plan, pol); */
    /*@ assert wf_count: st == PM_OK ==> 1 <= plan->nseg <= pol->max_loads; */
    /*@ assert wf_segs: st == PM_OK ==>
            pm_elf_segs_ok(plan, pol, pm_elf_lo(plan, pol), plan->nseg); */
    /*@ assert wf_layout: st == PM_OK ==>
            pm_elf_plan_layout(plan, pol, pm_elf_lo(plan, pol)); */
    /* pm_elf_plan_interp_ok in its parts: an interpreter image is ET_DYN
     * (check_ehdr, through the requires) with no PT_INTERP (the body). */
    /*@ assert wf_interp_type: st == PM_OK && role == PM_ELF_ROLE_INTERP ==>
            plan->type == 3 && plan->has_interp == 0; */
    /*@ assert wf_name: st == PM_OK ==> pm_elf_plan_name_ok(plan, (uint8_t *)buf, buf_len); */
    /*@ assert wf_interp: st == PM_OK ==>
            pm_elf_plan_interp_ok(plan, (uint8_t *)buf, buf_len); */
    return st;
}

/* pm_elf_validate with the window after the header area, without the
 * need range: on success no further read is asked (plan_clear's 0, which
 * no later step writes). */
/*@ requires \valid_read(pol);
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid(plan);
    requires \separated(plan, pol, buf + (0 .. buf_len - 1));
    assigns *plan;
    ensures \result != PM_OK ==> plan->valid == 0;
    ensures \result == PM_OK ==> plan->valid == PM_ELF_PLAN_VALID;
    ensures wf: \result == PM_OK ==>
        pm_elf_plan_wf(plan, (uint8_t *)buf, buf_len, file_size, pol);
    ensures need0: \result == PM_OK ==> plan->need_len == 0; */
static pm_status validate_body(const uint8_t *buf, uint64_t head_len,
                               uint64_t buf_len, uint64_t win_off,
                               uint64_t file_size, const pm_elf_policy *pol,
                               pm_elf_role role, pm_elf_plan *plan)
{
    pm_status st;
    pm_elf_ehdr eh;
    pm_elf_walk w;
    plan_clear(plan);
    walk_clear(&w, pol);
    st = pm_elf_check_policy(pol);
    if (st == PM_OK &&
        args_ok(head_len, buf_len, win_off, file_size, role) == 0) {
        st = PM_E_ELF_ARGS;
    }
    if (st == PM_OK) {
        st = pm_elf_check_ehdr(buf, head_len, file_size, pol, role, &eh);
    }
    /* No further read asked so far: plan_clear's 0, kept by each step. */
    /*@ assert need_ehdr: plan->need_len == 0; */
    if (st == PM_OK) {
        st = walk(buf, head_len, buf_len, win_off, file_size, pol, role, &eh,
                  &w, plan);
        /*@ assert need_walk: plan->need_len == 0; */
    }
    if (st == PM_OK) {
        st = complete(&eh, &w, pol, file_size, buf, buf_len, role, plan);
        /*@ assert need_done: plan->need_len == 0; */
    }
    if (st != PM_OK) {
        plan->valid = 0u;
    }
    return st;
}

/* On a refusal, set_need gives the further read the walk met, if any. */
pm_status pm_elf_validate_ext(const uint8_t *buf, uint64_t head_len,
                              uint64_t buf_len, uint64_t win_off,
                              uint64_t file_size, const pm_elf_policy *pol,
                              pm_elf_role role, pm_elf_plan *plan)
{
    pm_status st = validate_body(buf, head_len, buf_len, win_off, file_size,
                                 pol, role, plan);
    if (st != PM_OK) {
        set_need(plan, st, head_len, buf_len, file_size);
    }
    return st;
}
