/*
 * procmgr dispatcher: the loader (spec/dispatch.md, "Launch"), proven with
 * WP (make proof-launch): from the validated plans to the address space
 * the thread starts in.
 *
 *   place (bias) -> map every segment -> IPC page + stack -> stack image
 *
 * Every kernel call it makes meets kernel.h's construction contracts
 * (spec/kernel-interface.md 7a) for every plan the validator accepts and
 * every random value: mappings page-aligned, inside the kernel's user
 * range, never W+X, file ranges inside the image; writes inside a mapping
 * made before; the entry inside an executable mapping and the stack
 * pointer inside a writable one (pm_dispatch_load_'s ensures).  The
 * CSpace, handle and script plumbing around it is launch_caps.c.
 * Freestanding: only pm_k_*, the bias, the stack builder, the builder.
 */
#include <stddef.h>
#include <stdint.h>

#include "launch_internal.h"

#define ET_DYN_        3u
#define ZERO_CHUNK     4096u
#define PROT_WX_       (PM_PROT_W | PM_PROT_X)

static const uint8_t zero_chunk[ZERO_CHUNK];

/* The little-endian 64-bit value of p[0, 8). */
/*@ requires \valid_read(p + (0 .. 7));
    assigns \nothing; */
static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    uint32_t i;
    /* From the top byte down: after i bytes v < 256^i, so no step wraps. */
    /*@ loop invariant 0 <= i <= 8;
        loop invariant i == 0 ==> v == 0;
        loop invariant i <= 1 ==> v < 256;
        loop invariant i <= 2 ==> v < 65536;
        loop invariant i <= 3 ==> v < 16777216;
        loop invariant i <= 4 ==> v < 4294967296;
        loop invariant i <= 5 ==> v < 1099511627776;
        loop invariant i <= 6 ==> v < 281474976710656;
        loop invariant i <= 7 ==> v < 72057594037927936;
        loop assigns i, v; loop variant 8 - i; */
    for (i = 0; i < 8u; i++)
        v = v * 256u + p[7u - i];
    return v;
}

/* A bias for an ET_DYN plan, from 8 random bytes, inside the window. */
pm_status pm_dispatch_place_(pm_dispatch *d, pm_elf_plan *plan, uint64_t base,
                             uint64_t window, const uint8_t *r8)
{
    pm_status st = PM_OK;
    if (plan->type == ET_DYN_) {
        uint64_t align = plan->align;
        uint64_t bias = 0;
        if (align != 0 && align <= (1ull << 40) && base <= (1ull << 56) &&
            window <= (1ull << 56)) {
            /* base rounded up to align, without bit masks: same value */
            uint64_t start = base % align == 0u ? base : base + (align - base % align);
            uint64_t slots = window / align;
            uint64_t r;
            if (slots == 0)
                slots = 1;
            r = le64(r8) % slots;
            /*@ assert r < slots <= (1ull << 56); */
            /*@ assert r * align <= (1ull << 56) + (1ull << 40); */
            bias = start + r * align;
        }
        st = pm_elf_plan_apply_bias(plan, &d->cfg.policy, bias);
    }
    return st;
}

/* Clear [addr, addr + len), inside one earlier mapping of as, through
 * pm_k_as_write, a chunk at a time. */
/*@ requires \valid_read(d);
    requires addr + len <= 18446744073709551615;
    requires len == 0 || pm_k_inside_mapping(pm_k_vm, as, addr, len);
    assigns pm_k_world; */
static pm_status write_zero(pm_dispatch *d, pm_kcap as, uint64_t addr,
                            uint64_t len)
{
    pm_status st = PM_OK;
    uint64_t done = 0;
    /*@ loop invariant 0 <= done <= len;
        loop assigns done, st, pm_k_world; loop variant len - done; */
    while (st == PM_OK && done < len) {
        uint64_t n = len - done < ZERO_CHUNK ? len - done : ZERO_CHUNK;
        st = pm_k_as_write(d->k, as, addr + done, zero_chunk, n);
        done += n;
    }
    return st;
}

/* Map one placed segment: its file part from `image`, its zero part, then
 * clear the tail of its last file page.  A W+X segment (a policy without
 * W^X) is refused here with the kernel's own code, before any call. */
/*@ requires \valid_read(d) && pm_dispatch_cfg_ok(d);
    requires pm_elf_seg_ok(s, pm_k_page, d->cfg.policy.user_limit,
                           d->cfg.policy.flags, d->cfg.policy.min_vaddr);
    requires pm_elf_seg_file_ok(s, pm_k_page, pm_k_image_len(image));
    assigns pm_k_world, pm_k_vm;
    ensures pm_k_vm_grows(\old(pm_k_vm), pm_k_vm);
    ensures \result == PM_OK ==> pm_seg_mapped(pm_k_vm, as, s); */
static pm_status map_seg(pm_dispatch *d, pm_kcap as, pm_kcap image,
                         pm_elf_segment s)
{
    pm_status st = PM_OK;
    if (s.prot == PROT_WX_ || s.prot == (PROT_WX_ | PM_PROT_R))
        st = PM_E_K_WX;
    if (st == PM_OK && s.file_len > 0)
        st = pm_k_as_map_image(d->k, as, image, s.file_off, s.file_len,
                               s.map_start, s.prot);
    if (st == PM_OK && s.map_len > s.file_len)
        st = pm_k_as_map_zero(d->k, as, s.map_start + s.file_len,
                              s.map_len - s.file_len, s.prot);
    if (st == PM_OK && s.zero_len > 0)
        st = write_zero(d, as, s.zero_start, s.zero_len);
    return st;
}

/* Map every segment of a placed plan from `image`. */
/*@ requires \valid_read(d) && \valid_read(plan) && pm_dispatch_cfg_ok(d);
    requires pm_elf_plan_placed(plan, &d->cfg.policy, pm_k_image_len(image));
    assigns pm_k_world, pm_k_vm;
    ensures pm_k_vm_grows(\old(pm_k_vm), pm_k_vm);
    ensures \result == PM_OK ==> pm_plan_mapped(pm_k_vm, as, plan); */
static pm_status map_plan(pm_dispatch *d, pm_kcap as, pm_kcap image,
                          const pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    uint32_t i;
    /*@ loop invariant 0 <= i <= plan->nseg;
        loop invariant pm_k_vm_grows(\at(pm_k_vm, Pre), pm_k_vm);
        loop invariant st == PM_OK ==> \forall integer j; 0 <= j < i ==>
            pm_seg_mapped(pm_k_vm, as, plan->seg[j]);
        loop assigns i, st, pm_k_world, pm_k_vm;
        loop variant plan->nseg - i; */
    for (i = 0; i < plan->nseg && i < PM_ELF_MAX_SEGMENTS && st == PM_OK; i++)
        st = map_seg(d, as, image, plan->seg[i]);
    return st;
}

uint64_t pm_dispatch_stack_top_(const pm_dispatch *d, const uint8_t *random)
{
    uint64_t page = d->limits.page_size;
    /*@ assert page == pm_k_page && pm_elf_page_size_ok(page); */
    /*@ assert page == 4096 ==> d->cfg.stack_window / page < d->cfg.stack_window + 1; */
    /*@ assert page == 8192 ==> d->cfg.stack_window / page < d->cfg.stack_window + 1; */
    /*@ assert page == 16384 ==> d->cfg.stack_window / page < d->cfg.stack_window + 1; */
    /*@ assert page == 32768 ==> d->cfg.stack_window / page < d->cfg.stack_window + 1; */
    /*@ assert page == 65536 ==> d->cfg.stack_window / page < d->cfg.stack_window + 1; */
    /*@ assert d->cfg.stack_window / page < 18446744073709551615; */
    uint64_t pages = d->cfg.stack_window / page + 1u;
    uint64_t r = le64(random + PM_STACK_RANDOM_BYTES + 16u) % pages;
    /*@ assert r <= d->cfg.stack_window / page; */
    /* One page size at a time: each case is linear for the provers. */
    /*@ assert page == 4096 ==> 0 <= r * page <= d->cfg.stack_window && (r * page) % page == 0; */
    /*@ assert page == 8192 ==> 0 <= r * page <= d->cfg.stack_window && (r * page) % page == 0; */
    /*@ assert page == 16384 ==> 0 <= r * page <= d->cfg.stack_window && (r * page) % page == 0; */
    /*@ assert page == 32768 ==> 0 <= r * page <= d->cfg.stack_window && (r * page) % page == 0; */
    /*@ assert page == 65536 ==> 0 <= r * page <= d->cfg.stack_window && (r * page) % page == 0; */
    /*@ assert low: 0 <= r * page <= d->cfg.stack_window; */
    /*@ assert aligned: (r * page) % page == 0; */
    uint64_t off = r * page;
    /*@ assert (d->cfg.stack_top - off) % page == 0; */
    return d->cfg.stack_top - off;
}

uint32_t pm_dispatch_fill_auxv_(const pm_dispatch *d, const pm_k_as_info *kinfo,
                                int has_interp, pm_auxv *auxv)
{
    uint32_t n = 0;
    /*@ loop invariant 0 <= n <= PM_K_AS_INFO_MAX_AUX;
        loop assigns n, auxv[0 .. PM_K_AS_INFO_MAX_AUX - 1];
        loop variant PM_K_AS_INFO_MAX_AUX - n; */
    while (n < kinfo->naux && n < PM_K_AS_INFO_MAX_AUX) {
        auxv[n].type = kinfo->aux[n].type;
        auxv[n].value = kinfo->aux[n].value;
        n++;
    }
    auxv[n + 0].type = PM_AT_PHDR;   auxv[n + 0].value = d->plan_exe.phdr_addr;
    auxv[n + 1].type = PM_AT_PHENT;  auxv[n + 1].value = 56u;
    auxv[n + 2].type = PM_AT_PHNUM;  auxv[n + 2].value = d->plan_exe.phnum;
    auxv[n + 3].type = PM_AT_PAGESZ; auxv[n + 3].value = d->limits.page_size;
    auxv[n + 4].type = PM_AT_BASE;
    auxv[n + 4].value = has_interp ? d->plan_interp.span_start : 0u;
    auxv[n + 5].type = PM_AT_FLAGS;  auxv[n + 5].value = 0;
    auxv[n + 6].type = PM_AT_ENTRY;  auxv[n + 6].value = d->plan_exe.entry;
    auxv[n + 7].type = PM_AT_SECURE; auxv[n + 7].value = kinfo->secure;
    return n + PM_DISPATCH_NAUXV;
}

/* Map the IPC buffer page (a guard page above it) and the stack
 * [top - stack_size, top), both read-write. */
/*@ requires \valid_read(d) && pm_dispatch_cfg_ok(d);
    requires d->plan_exe.stack_prot == PM_PROT_R + PM_PROT_W;
    requires d->cfg.stack_top - d->cfg.stack_window <= top <= d->cfg.stack_top;
    requires top % pm_k_page == 0;
    assigns pm_k_world, pm_k_vm;
    ensures pm_k_vm_grows(\old(pm_k_vm), pm_k_vm);
    ensures \result == PM_OK ==> pm_k_mapped(pm_k_vm, as,
        top - d->cfg.stack_size - 2 * pm_k_page,
        top - d->cfg.stack_size - pm_k_page, PM_PROT_R | PM_PROT_W);
    ensures \result == PM_OK ==> pm_k_mapped(pm_k_vm, as,
        top - d->cfg.stack_size, top, PM_PROT_R | PM_PROT_W); */
static pm_status map_stack(pm_dispatch *d, pm_kcap as, uint64_t top)
{
    uint64_t page = d->limits.page_size;
    uint64_t bottom = top - d->cfg.stack_size;
    pm_status st;
    /*@ assert pm_elf_page_size_ok(page) && page == pm_k_page; */
    /*@ assert bottom % page == 0; */
    /*@ assert page == 4096 ==> (2 * page) % page == 0; */
    /*@ assert page == 8192 ==> (2 * page) % page == 0; */
    /*@ assert page == 16384 ==> (2 * page) % page == 0; */
    /*@ assert page == 32768 ==> (2 * page) % page == 0; */
    /*@ assert page == 65536 ==> (2 * page) % page == 0; */
    /*@ assert (bottom - 2 * page) % page == 0; */
    st = pm_k_as_map_zero(d->k, as, bottom - 2u * page, page,
                          PM_PROT_R | PM_PROT_W);
    if (st == PM_OK)
        st = pm_k_as_map_zero(d->k, as, bottom, d->cfg.stack_size,
                              d->plan_exe.stack_prot);
    return st;
}

/* Build the stack image below `top` and write it into the stack mapping;
 * *sp gets the initial stack pointer, inside the stack. */
/*@ requires \valid(d) && \valid_read(b) && pm_builder_wf(b);
    requires \valid(sp) && \valid(vdso_base);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(sp, vdso_base, d);
    requires \separated(sp, vdso_base, b);
    requires \separated(d->stack + (0 .. PM_DISPATCH_STACK_IMAGE - 1), b,
                        random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires 0 < d->cfg.stack_size <= top;
    requires pm_dispatch_script_apart(d, b, random);
    requires d->script_used <= PM_BUILDER_ARG_BYTES &&
             d->script_nargs <= PM_BUILDER_MAX_ARGS;
    requires pm_k_mapped(pm_k_vm, as, top - d->cfg.stack_size, top,
                         PM_PROT_R | PM_PROT_W);
    assigns d->stack[0 .. PM_DISPATCH_STACK_IMAGE - 1], *sp, *vdso_base,
            pm_k_world;
    ensures \result == PM_OK ==> top - d->cfg.stack_size <= *sp < top; */
static pm_status build_stack(pm_dispatch *d, pm_kcap as, const pm_builder *b,
                             int has_interp, const uint8_t *random,
                             uint64_t top, uint64_t *sp, uint64_t *vdso_base)
{
    /* The image is built in d->stack, at most the mapping's size. */
    uint64_t image_cap = d->cfg.stack_size < PM_DISPATCH_STACK_IMAGE
                             ? d->cfg.stack_size : PM_DISPATCH_STACK_IMAGE;
    pm_k_as_info kinfo;
    pm_stack_out out;
    pm_status st = pm_k_as_get_info(d->k, as, &kinfo);
    if (st == PM_OK) {
        *vdso_base = kinfo.vdso_base;
        st = pm_dispatch_make_image_(d, b, &kinfo, has_interp, random, top, image_cap, &out);
    }
    if (st == PM_OK) {
        st = pm_k_as_write(d->k, as, out.sp,
                           d->stack + (image_cap - out.used), out.used);
        *sp = out.sp;
    }
    return st;
}

pm_status pm_dispatch_load_(pm_dispatch *d, pm_kcap as, pm_kcap program,
                            pm_kcap interp, const pm_builder *b,
                            int has_interp, const uint8_t *random,
                            uint64_t top, uint64_t *sp, uint64_t *vdso_base)
{
    /*@ ghost uint64_t entry = has_interp ? d->plan_interp.entry : d->plan_exe.entry; */
    pm_status st;
    /* The premises of lemma pm_plan_exec, for each plan. */
    /*@ assert pm_elf_plan_entry_ok(&d->plan_exe, d->plan_exe.entry); */
    /*@ assert \forall integer j; 0 <= j < d->plan_exe.nseg ==>
          d->plan_exe.seg[j].file_len <= d->plan_exe.seg[j].map_len; */
    /*@ assert has_interp != 0 ==>
          pm_elf_plan_entry_ok(&d->plan_interp, d->plan_interp.entry); */
    /*@ assert has_interp != 0 ==> \forall integer j; 0 <= j < d->plan_interp.nseg ==>
          d->plan_interp.seg[j].file_len <= d->plan_interp.seg[j].map_len; */
    st = map_plan(d, as, program, &d->plan_exe);
    /*@ assert st == PM_OK ==> pm_k_exec_at(pm_k_vm, as, d->plan_exe.entry); */
    if (st == PM_OK && has_interp) {
        st = map_plan(d, as, interp, &d->plan_interp);
        /*@ assert st == PM_OK ==> pm_k_exec_at(pm_k_vm, as, d->plan_interp.entry); */
    }
    /*@ assert st == PM_OK ==> pm_k_exec_at(pm_k_vm, as, entry); */
    if (st == PM_OK)
        st = map_stack(d, as, top);
    /*@ assert st == PM_OK ==> pm_k_exec_at(pm_k_vm, as, entry); */
    if (st == PM_OK)
        st = build_stack(d, as, b, has_interp, random, top, sp, vdso_base);
    /*@ assert st == PM_OK ==> pm_k_mapped(pm_k_vm, as, top - d->cfg.stack_size,
                                           top, PM_PROT_R | PM_PROT_W) &&
                               top - d->cfg.stack_size <= *sp < top; */
    return st;
}
