/*
 * ACSL model of the sim backend (src/kernel/sim, make proof-sim): the
 * well-formedness its construction calls need and keep, and the gluing
 * relation between kernel.h's ghost mapping token pm_k_vm and the sim's
 * frame table (spec/kernel-interface.md section 7c).  Comment-only.
 * Needs procmgr/sim.h and spec/acsl/kernel.h.
 */
#ifndef PROCMGR_ACSL_SIM_H
#define PROCMGR_ACSL_SIM_H

/*@
  // ---- well-formedness (a part of sim_check.c's invariants) -------------
  // What the construction calls need to be free of runtime errors: a live
  // handle names an object of the table; a live object's original handle
  // is in the handle table; a bound or running thread's address space and
  // a thread's job are objects of the table; an image's bytes are readable
  // and are not the kernel's own memory (pm_sim_image_create's caller
  // keeps them alive: include/procmgr/sim.h); the event queue is in
  // bounds.  pm_sim_check tests these (and more) after every fuzzed call.
  predicate sim_handle_ok{L}(struct pm_kernel *k, integer h) =
    k->handle[h].state == PM_SIM_H_LIVE ==> k->handle[h].obj < PM_SIM_MAX_OBJECTS;

  predicate sim_obj_ok{L}(struct pm_kernel *k, integer o) =
    (k->obj[o].type != PM_KOBJ_NONE ==> k->obj[o].handle < PM_SIM_MAX_HANDLES) &&
    (k->obj[o].type == PM_KOBJ_THREAD ==>
       (k->obj[o].job == PM_SIM_NONE || k->obj[o].job < PM_SIM_MAX_OBJECTS) &&
       ((k->obj[o].state == PM_KTHREAD_BOUND ||
         k->obj[o].state == PM_KTHREAD_RUNNING) ==>
          k->obj[o].as < PM_SIM_MAX_OBJECTS)) &&
    (k->obj[o].type == PM_KOBJ_IMAGE && k->obj[o].size > 0 ==>
       \valid_read(k->obj[o].bytes + (0 .. k->obj[o].size - 1)) &&
       \separated(k->obj[o].bytes + (0 .. k->obj[o].size - 1), k));

  // Failure injection returns kernel statuses only (pm_sim_fail_nth and
  // pm_sim_fail_rate make any other one K_INJECTED_FAILURE).
  predicate sim_inject_ok{L}(struct pm_kernel *k) =
    (k->fail_nth != 0 ==> 400 <= k->fail_nth_status <= 499) &&
    (k->fail_ppm != 0 ==> 400 <= k->fail_ppm_status <= 499);

  predicate sim_ok{L}(struct pm_kernel *k) =
    \valid(k) &&
    (\forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h)) &&
    (\forall integer o; 0 <= o < PM_SIM_MAX_OBJECTS ==> sim_obj_ok(k, o)) &&
    k->nevents <= PM_SIM_MAX_OBJECTS && sim_inject_ok(k);

  // ---- the sim's mappings ------------------------------------------------
  // Cap a names address space o: a live handle of that generation whose
  // object is the AS o.
  predicate sim_names{L}(struct pm_kernel *k, pm_kcap a, integer o) =
    a.gen != 0 && a.idx < PM_SIM_MAX_HANDLES &&
    k->handle[a.idx].state == PM_SIM_H_LIVE &&
    k->handle[a.idx].gen == a.gen && k->handle[a.idx].obj == o &&
    0 <= o < PM_SIM_MAX_OBJECTS && k->obj[o].type == PM_KOBJ_AS;

  // Frame f maps the page at `page` in AS o with protection p.
  predicate sim_frame_is{L}(struct pm_kernel *k, integer f, integer o,
                            integer page, integer p) =
    k->frame[f].owner == o && k->frame[f].vaddr == page &&
    k->frame[f].prot == p;

  // The page at `page` is mapped in AS o with protection p: a frame says so.
  predicate sim_page{L}(struct pm_kernel *k, integer o, integer page,
                        integer p) =
    \exists integer f; 0 <= f < PM_SIM_MAX_FRAMES &&
      sim_frame_is(k, f, o, page, p);

  // Every page of [lo, hi) is mapped in the AS cap a names, with p: what
  // kernel.h's pm_k_mapped means on the sim.
  predicate sim_mapped{L}(struct pm_kernel *k, pm_kcap a, integer lo,
                          integer hi, integer p) =
    \exists integer o; sim_names(k, a, o) &&
      \forall integer x; lo <= x < hi ==>
        sim_page(k, o, x - x % PM_SIM_PAGE_SIZE, p);

  // ---- the gluing relation -----------------------------------------------
  // kernel.h's pm_k_vm is a ghost integer naming a mapping state; on the
  // sim the state it names is the one sim_mapped reads.  The gluing
  // invariant: every mapping the token claims (all the core may believe)
  // is one the sim really has.
  predicate sim_glue{L}(struct pm_kernel *k, integer vm) =
    \forall pm_kcap a, integer lo, hi, p;
      pm_k_mapped(vm, a, lo, hi, p) ==> sim_mapped(k, a, lo, hi, p);

  // The part of the state sim_mapped reads is unchanged from L1 to L2 for
  // every frame that was in use at L1, and the handles and object types
  // are unchanged: every mapping of L1 is still there at L2.
  predicate sim_keeps_maps{L1, L2}(struct pm_kernel *k) =
    (\forall integer f; 0 <= f < PM_SIM_MAX_FRAMES ==>
       \at(k->frame[f].owner, L1) != PM_SIM_NONE ==>
         (\at(k->frame[f].owner, L2) == \at(k->frame[f].owner, L1) &&
          \at(k->frame[f].vaddr, L2) == \at(k->frame[f].vaddr, L1) &&
          \at(k->frame[f].prot, L2) == \at(k->frame[f].prot, L1))) &&
    (\forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==>
       \at(k->handle[h].state, L2) == \at(k->handle[h].state, L1) &&
       \at(k->handle[h].gen, L2) == \at(k->handle[h].gen, L1) &&
       \at(k->handle[h].obj, L2) == \at(k->handle[h].obj, L1)) &&
    (\forall integer o; 0 <= o < PM_SIM_MAX_OBJECTS ==>
       \at(k->obj[o].type, L2) == \at(k->obj[o].type, L1));

  lemma sim_keeps_trans{L1, L2, L3}: \forall struct pm_kernel *k;
    sim_keeps_maps{L1, L2}(k) ==> sim_keeps_maps{L2, L3}(k) ==>
      sim_keeps_maps{L1, L3}(k);

  lemma sim_keeps_frame_is{L1, L2}: \forall struct pm_kernel *k, integer f, o, pg, p;
    sim_keeps_maps{L1, L2}(k) ==> o != PM_SIM_NONE ==> 0 <= f < PM_SIM_MAX_FRAMES ==>
      sim_frame_is{L1}(k, f, o, pg, p) ==> sim_frame_is{L2}(k, f, o, pg, p);

  lemma sim_keeps_names{L1, L2}: \forall struct pm_kernel *k, pm_kcap a, integer o;
    sim_keeps_maps{L1, L2}(k) ==> sim_names{L1}(k, a, o) ==> sim_names{L2}(k, a, o);

  lemma sim_keeps_page{L1, L2}: \forall struct pm_kernel *k, integer o, pg, p;
    sim_keeps_maps{L1, L2}(k) ==> o != PM_SIM_NONE ==>
      sim_page{L1}(k, o, pg, p) ==> sim_page{L2}(k, o, pg, p);

  lemma sim_keeps_mapped{L1, L2}: \forall struct pm_kernel *k, pm_kcap a,
      integer lo, hi, p;
    sim_keeps_maps{L1, L2}(k) ==> sim_mapped{L1}(k, a, lo, hi, p) ==>
      sim_mapped{L2}(k, a, lo, hi, p);

  lemma sim_keeps_glue{L1, L2}: \forall struct pm_kernel *k, integer vm;
    sim_keeps_maps{L1, L2}(k) ==> sim_glue{L1}(k, vm) ==> sim_glue{L2}(k, vm);

  // A page-aligned range is the union of its pages.
  lemma sim_page_of: \forall integer vaddr, len, x;
    0 <= vaddr ==> vaddr % PM_SIM_PAGE_SIZE == 0 ==> len % PM_SIM_PAGE_SIZE == 0 ==>
    vaddr <= x < vaddr + len ==>
      0 <= (x - vaddr) / PM_SIM_PAGE_SIZE < len / PM_SIM_PAGE_SIZE &&
      (x - vaddr) / PM_SIM_PAGE_SIZE * PM_SIM_PAGE_SIZE <= x - vaddr &&
      x - x % PM_SIM_PAGE_SIZE ==
        vaddr + (x - vaddr) / PM_SIM_PAGE_SIZE * PM_SIM_PAGE_SIZE;
*/

/*@ ghost
  // The token of the sim's current state: after it, pm_k_vm names exactly
  // the mappings the frame table holds.  THE ASSUMPTION of the gluing (a
  // ghost function without a body: ghost code cannot evaluate a logic
  // function, so the abstraction function's value is taken through this
  // contract).  It is consistent: the sim's tables are finite, so the
  // relations sim_mapped can denote are finitely many, each closed under
  // sub-ranges (kernel.h's axiom pm_k_mapped_sub), and numbering them
  // interprets pm_k_mapped.  It changes nothing but the ghost token.
  /@ requires \valid_read(k);
     assigns pm_k_vm;
     ensures \forall pm_kcap a, integer lo, hi, p;
       pm_k_mapped(pm_k_vm, a, lo, hi, p) <==> sim_mapped(k, a, lo, hi, p); @/
  void sim_vm_sync(struct pm_kernel *k);
*/

#endif /* PROCMGR_ACSL_SIM_H */
