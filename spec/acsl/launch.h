/*
 * ACSL predicates and lemmas of the loader's proof (src/core/launch.c,
 * make proof-launch; spec/dispatch.md "Launch").  Comment-only.  Needs
 * procmgr/dispatch.h, spec/acsl/kernel.h, elf_plan.h and elf_placed.h.
 */
#ifndef PROCMGR_ACSL_LAUNCH_H
#define PROCMGR_ACSL_LAUNCH_H

/*@
  // ---- page arithmetic, one page size at a time (as in elf_plan.h) ----
  lemma pm_l_add_4k:  \forall integer a, b; 0 <= a ==> 0 <= b ==>
    a % 4096 == 0 ==> b % 4096 == 0 ==> (a + b) % 4096 == 0;
  lemma pm_l_add_8k:  \forall integer a, b; 0 <= a ==> 0 <= b ==>
    a % 8192 == 0 ==> b % 8192 == 0 ==> (a + b) % 8192 == 0;
  lemma pm_l_add_16k: \forall integer a, b; 0 <= a ==> 0 <= b ==>
    a % 16384 == 0 ==> b % 16384 == 0 ==> (a + b) % 16384 == 0;
  lemma pm_l_add_32k: \forall integer a, b; 0 <= a ==> 0 <= b ==>
    a % 32768 == 0 ==> b % 32768 == 0 ==> (a + b) % 32768 == 0;
  lemma pm_l_add_64k: \forall integer a, b; 0 <= a ==> 0 <= b ==>
    a % 65536 == 0 ==> b % 65536 == 0 ==> (a + b) % 65536 == 0;
  // The sum of two page-aligned values is page-aligned.
  lemma pm_l_add: \forall integer a, b, p; pm_elf_page_size_ok(p) ==>
    0 <= a ==> 0 <= b ==> a % p == 0 ==> b % p == 0 ==> (a + b) % p == 0;

  // ---- the dispatcher's configuration against the kernel's limits ----
  // What pm_dispatch_init's checks establish (src/core/dispatch.c) and
  // nothing changes afterwards (d->cfg and d->limits are written there
  // only): the kernel's limits as pm_k_get_limits gave them, the policy's
  // page and user range the kernel's or inside them, the stack (each
  // launch's top is stack_top minus at most stack_window) with the IPC
  // page and a guard page below it inside the kernel's user range.
  predicate pm_dispatch_cfg_ok(pm_dispatch *d) =
    d->limits.page_size == pm_k_page &&
    d->limits.user_min == pm_k_umin &&
    d->limits.user_limit == pm_k_ulimit &&
    pm_elf_page_size_ok(pm_k_page) &&
    d->cfg.policy.page_size == pm_k_page &&
    pm_k_umin <= d->cfg.policy.min_vaddr &&
    d->cfg.policy.user_limit <= pm_k_ulimit &&
    0 < d->cfg.stack_size <= PM_DISPATCH_STACK_MAX &&
    d->cfg.stack_size % pm_k_page == 0 &&
    d->cfg.stack_top % pm_k_page == 0 &&
    d->cfg.stack_window % pm_k_page == 0 &&
    d->cfg.stack_window <= d->cfg.stack_top &&
    d->cfg.stack_top <= pm_k_ulimit &&
    pm_k_umin + d->cfg.stack_size + 2 * pm_k_page <=
        d->cfg.stack_top - d->cfg.stack_window;

  // ---- the stack image's inputs ----
  // A `#!` launch's argv (d->script_span/pool) lies apart from the
  // builder and the random bytes, as the stack builder needs of its
  // inputs (the builder is a connection's, elsewhere in *d).
  predicate pm_dispatch_script_apart(pm_dispatch *d, pm_builder *b,
                                     uint8_t *random) =
    \separated(d->script_pool + (0 .. PM_BUILDER_ARG_BYTES - 1), b,
               random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1)) &&
    \separated(d->script_span + (0 .. PM_BUILDER_MAX_ARGS - 1), b,
               random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));

  // ---- the launch around the loader (src/core/launch_caps.c) ----
  // The state of *d a launch reads and writes besides its outputs.  The
  // builder lies elsewhere (a connection's, in d->conn, or d->scratch).
  predicate pm_launch_apart_b(pm_dispatch *d, pm_builder *b) =
    \separated(b, &d->k) && \separated(b, &d->cfg) &&
    \separated(b, &d->limits) && \separated(b, &d->reg) &&
    \separated(b, d->proc + (0 .. PM_REG_CAPACITY - 1)) &&
    \separated(b, d->job + (0 .. PM_DISPATCH_MAX_JOBS - 1)) &&
    \separated(b, &d->plan_exe) && \separated(b, &d->plan_interp) &&
    \separated(b, d->hdr + (0 .. PM_ELF_READ_MAX - 1)) &&
    \separated(b, d->stack + (0 .. PM_DISPATCH_STACK_IMAGE - 1)) &&
    \separated(b, &d->script_active) && \separated(b, &d->script_fd) &&
    \separated(b, &d->script_nargs) && \separated(b, &d->script_used) &&
    \separated(b, d->script_span + (0 .. PM_BUILDER_MAX_ARGS - 1)) &&
    \separated(b, d->script_pool + (0 .. PM_BUILDER_ARG_BYTES - 1));

  // The script argv's bounds (what script_arg keeps).
  predicate pm_dispatch_script_ok(pm_dispatch *d) =
    d->script_used <= PM_BUILDER_ARG_BYTES &&
    d->script_nargs <= PM_BUILDER_MAX_ARGS;

  // ---- what the loader has mapped ----
  // A plan segment mapped in as: its file part and its zero part, each
  // with the segment's protection.
  predicate pm_seg_mapped(integer vm, pm_kcap as, pm_elf_segment s) =
    (0 < s.file_len ==>
       pm_k_mapped(vm, as, s.map_start, s.map_start + s.file_len, s.prot)) &&
    (s.file_len < s.map_len ==>
       pm_k_mapped(vm, as, s.map_start + s.file_len, s.map_start + s.map_len,
                   s.prot));

  predicate pm_plan_mapped{L}(integer vm, pm_kcap as, pm_elf_plan *p) =
    \forall integer j; 0 <= j < p->nseg ==> pm_seg_mapped(vm, as, p->seg[j]);

  // Mapping facts survive a call that only adds mappings.
  lemma pm_seg_mapped_grows: \forall integer vm1, vm2, pm_kcap as,
      pm_elf_segment s;
    pm_k_vm_grows(vm1, vm2) ==> pm_seg_mapped(vm1, as, s) ==>
    pm_seg_mapped(vm2, as, s);
  lemma pm_k_vm_grows_trans: \forall integer vm1, vm2, vm3;
    pm_k_vm_grows(vm1, vm2) ==> pm_k_vm_grows(vm2, vm3) ==>
    pm_k_vm_grows(vm1, vm3);
  lemma pm_k_vm_grows_refl: \forall integer vm; pm_k_vm_grows(vm, vm);

  // An address inside an executable segment of a mapped plan lies in an
  // executable mapping.
  lemma pm_seg_exec: \forall integer vm, e, pm_kcap as, pm_elf_segment s;
    pm_seg_mapped(vm, as, s) ==> s.file_len <= s.map_len ==> s.prot >= 4 ==>
    s.map_start <= e < s.map_start + s.map_len ==> pm_k_exec_at(vm, as, e);

  lemma pm_exec_at_grows: \forall integer vm1, vm2, e, pm_kcap as;
    pm_k_vm_grows(vm1, vm2) ==> pm_k_exec_at(vm1, as, e) ==>
    pm_k_exec_at(vm2, as, e);

  // In a placed plan no segment's file part is longer than its mapping.
  lemma pm_placed_file_le{L}: \forall pm_elf_plan *p, pm_elf_policy *pol,
      integer fs, j;
    pm_elf_plan_placed(p, pol, fs) ==> 0 <= j < p->nseg ==>
    p->seg[j].file_len <= p->seg[j].map_len;
  // ... and its entry lies in an executable segment.
  lemma pm_placed_entry{L}: \forall pm_elf_plan *p, pm_elf_policy *pol,
      integer fs;
    pm_elf_plan_placed(p, pol, fs) ==> pm_elf_plan_entry_ok(p, p->entry);

  // The entry of a mapped plan lies in an executable mapping.
  lemma pm_plan_exec{L}: \forall integer vm, e, pm_kcap as, pm_elf_plan *p;
    pm_plan_mapped(vm, as, p) ==>
    (\forall integer j; 0 <= j < p->nseg ==>
        p->seg[j].file_len <= p->seg[j].map_len) ==>
    pm_elf_plan_entry_ok(p, e) ==> pm_k_exec_at(vm, as, e);
*/

#endif /* PROCMGR_ACSL_LAUNCH_H */
