/*
 * The loader's entry points, shared by launch.c (the loader, proven with
 * WP: make proof-launch) and launch_caps.c (the CSpace, handle and script
 * plumbing around it, partly proven: its head says which functions).
 * Contracts: the ACSL below, over the predicates of spec/acsl/launch.h
 * and elf_placed.h; proven by proof-launch (the loader's) and
 * proof-launch-caps (pm_dispatch_read_validate_'s and
 * pm_dispatch_make_image_'s, which proof-launch uses at its call;
 * -wp-fct: each target proves its own functions).
 */
#ifndef PROCMGR_SRC_CORE_LAUNCH_INTERNAL_H
#define PROCMGR_SRC_CORE_LAUNCH_INTERNAL_H

#include "procmgr/dispatch.h"
#include "acsl/launch.h"

/* Bias a validated plan (d->plan_exe or d->plan_interp) with 8 random
 * bytes inside [base, base + window) when it is ET_DYN.  A plan the
 * validator accepted for an image of fs bytes is then placed: laid out
 * inside the policy's user range, file ranges inside fs bytes. */
/*@ requires \valid(d) && \valid_read(r8 + (0 .. 7));
    requires plan == &d->plan_exe || plan == &d->plan_interp;
    requires \separated(r8 + (0 .. 7), plan);
    assigns *plan;
    ensures pm_elf_plan_interp_kept{Pre, Post}(plan);
    ensures \result == PM_OK ==> \forall integer fs;
        \old(pm_elf_plan_loadable(plan, &d->cfg.policy, fs)) ==>
        pm_elf_plan_placed(plan, &d->cfg.policy, fs); */
pm_status pm_dispatch_place_(pm_dispatch *d, pm_elf_plan *plan, uint64_t base,
                             uint64_t window, const uint8_t *r8);

/* Map the placed plans into `as` (the executable's from `program`, the
 * interpreter's from `interp` when has_interp), then the IPC page and the
 * stack below `top`, and write the stack image.  On PM_OK the entry the
 * thread starts at lies in an executable mapping of `as`, *sp in a
 * writable one, and the IPC page (top - stack_size - 2 pages) is mapped
 * writable: what pm_k_thread_bind and pm_k_thread_start need. */
/*@ requires \valid(d) && \valid_read(b) && pm_builder_wf(b);
    requires \valid(sp) && \valid(vdso_base);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(sp, vdso_base, d);
    requires \separated(sp, vdso_base, b);
    requires \separated(d->stack + (0 .. PM_DISPATCH_STACK_IMAGE - 1), b,
                        random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires pm_dispatch_cfg_ok(d);
    requires d->script_used <= PM_BUILDER_ARG_BYTES &&
             d->script_nargs <= PM_BUILDER_MAX_ARGS;
    requires has_interp == 0 || has_interp == 1;
    requires pm_elf_plan_placed(&d->plan_exe, &d->cfg.policy,
                                pm_k_image_len(program));
    requires has_interp != 0 ==>
        pm_elf_plan_placed(&d->plan_interp, &d->cfg.policy,
                           pm_k_image_len(interp));
    requires d->cfg.stack_top - d->cfg.stack_window <= top <= d->cfg.stack_top;
    requires top % pm_k_page == 0;
    requires pm_dispatch_script_apart(d, b, random);
    assigns d->stack[0 .. PM_DISPATCH_STACK_IMAGE - 1], *sp, *vdso_base,
            pm_k_world, pm_k_vm;
    ensures pm_k_vm_grows(\old(pm_k_vm), pm_k_vm);
    ensures \result == PM_OK ==> pm_k_exec_at(pm_k_vm, as,
        has_interp != 0 ? d->plan_interp.entry : d->plan_exe.entry);
    ensures \result == PM_OK ==> pm_k_write_at(pm_k_vm, as, *sp);
    ensures \result == PM_OK ==> pm_k_mapped(pm_k_vm, as,
        top - d->cfg.stack_size - 2 * pm_k_page,
        top - d->cfg.stack_size - pm_k_page, PM_PROT_R | PM_PROT_W); */
pm_status pm_dispatch_load_(pm_dispatch *d, pm_kcap as, pm_kcap program,
                            pm_kcap interp, const pm_builder *b,
                            int has_interp, const uint8_t *random,
                            uint64_t top, uint64_t *sp, uint64_t *vdso_base);

/* This launch's stack top: cfg.stack_top lowered by a random number of
 * whole pages (random bytes 32..39), at most cfg.stack_window. */
/*@ requires \valid_read(d) && pm_dispatch_cfg_ok(d);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    assigns \nothing;
    ensures d->cfg.stack_top - d->cfg.stack_window <= \result <= d->cfg.stack_top;
    ensures \result % pm_k_page == 0; */
uint64_t pm_dispatch_stack_top_(const pm_dispatch *d, const uint8_t *random);

/* Entries of the auxiliary vector the core computes itself. */
#define PM_DISPATCH_NAUXV 8u

/* The auxiliary vector: what only the kernel knows (its vDSO, hwcaps, ids)
 * first, in the order Linux uses (the sim has none), then the core's
 * PM_DISPATCH_NAUXV entries.  Returns the count. */
/*@ requires \valid_read(d) && \valid_read(kinfo);
    requires \valid(auxv + (0 .. PM_K_AS_INFO_MAX_AUX + PM_DISPATCH_NAUXV - 1));
    requires \separated(auxv + (0 .. PM_K_AS_INFO_MAX_AUX + PM_DISPATCH_NAUXV - 1), d);
    requires \separated(auxv + (0 .. PM_K_AS_INFO_MAX_AUX + PM_DISPATCH_NAUXV - 1), kinfo);
    assigns auxv[0 .. PM_K_AS_INFO_MAX_AUX + PM_DISPATCH_NAUXV - 1];
    ensures PM_DISPATCH_NAUXV <= \result <= PM_K_AS_INFO_MAX_AUX + PM_DISPATCH_NAUXV; */
uint32_t pm_dispatch_fill_auxv_(const pm_dispatch *d, const pm_k_as_info *kinfo,
                                int has_interp, pm_auxv *auxv);

/* Used by proof-launch at the loader's call; proven by proof-launch-caps
 * (runs launch-image-sep and launch-image, launch_caps.c; issue 14,
 * spec/proof-perimeter.md). */
/* Build the stack image for `top` in d->stack[0, image_cap): argv, envp,
 * the auxiliary vector (the kernel's entries first), AT_RANDOM, execfn
 * (the process name), platform. */
/*@ requires \valid(d) && \valid_read(b) && pm_builder_wf(b);
    requires \valid_read(kinfo) && \valid(out);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(out, d);
    requires \separated(out, b, kinfo, random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(d->stack + (0 .. PM_DISPATCH_STACK_IMAGE - 1), b, kinfo,
                        random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires 0 < image_cap <= PM_DISPATCH_STACK_IMAGE;
    requires pm_dispatch_script_apart(d, b, random);
    requires d->script_used <= PM_BUILDER_ARG_BYTES &&
             d->script_nargs <= PM_BUILDER_MAX_ARGS;
    assigns d->stack[0 .. PM_DISPATCH_STACK_IMAGE - 1], *out;
    ensures \result == PM_OK ==> 0 < out->used <= image_cap &&
                                 out->sp == top - out->used; */
pm_status pm_dispatch_make_image_(pm_dispatch *d, const pm_builder *b,
                                  const pm_k_as_info *kinfo, int has_interp,
                                  const uint8_t *random, uint64_t top,
                                  uint64_t image_cap, pm_stack_out *out);

/* ---- the launch around the loader (launch_caps.c, proof-launch-caps) */

/* The contract of a dispatch.h entry point over the loader's predicates
 * (so stated here, where they are in scope). */

/* On PM_OK the plan is one the bias can place (pm_elf_validate's
 * pm_elf_plan_wf, read from an image of pm_k_image_len(image) bytes). */
/*@ requires \valid(d);
    requires plan == &d->plan_exe || plan == &d->plan_interp;
    assigns d->hdr[0 .. PM_ELF_READ_MAX - 1], *plan, pm_k_world;
    ensures \result == PM_OK ==>
        pm_elf_plan_loadable(plan, &d->cfg.policy, pm_k_image_len(image)); */
pm_status pm_dispatch_read_validate_(pm_dispatch *d, pm_kcap image,
                                     pm_elf_role role, pm_elf_plan *plan);

#endif /* PROCMGR_SRC_CORE_LAUNCH_INTERNAL_H */
