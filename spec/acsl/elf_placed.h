/*
 * ACSL predicates of a plan ready to map (issue 14): what the loader
 * (src/core/launch.c, proof-launch) needs of a plan, before and after its
 * bias.  Comment-only.  Needs spec/acsl/elf_plan.h.
 */
#ifndef PROCMGR_ACSL_ELF_PLACED_H
#define PROCMGR_ACSL_ELF_PLACED_H

/*@
  // What pm_elf_validate's pm_elf_plan_wf gives the loader about a plan
  // read from an image of fs bytes: its layout above pm_elf_lo (min_vaddr
  // for ET_EXEC, 0 for ET_DYN before the bias) and its file ranges.
  predicate pm_elf_plan_loadable(pm_elf_plan *p, pm_elf_policy *pol,
                                 integer fs) =
    pm_elf_plan_layout(p, pol, pm_elf_lo(p, pol)) &&
    pm_elf_segs_file_ok(p, pol, fs, p->nseg) && p->bias == 0;

  // A plan ready to map: every segment above pol->min_vaddr (so inside the
  // policy's user range), page-aligned, W^X when the policy says so, the
  // entry in an executable segment, the file ranges inside fs bytes.
  predicate pm_elf_plan_placed(pm_elf_plan *p, pm_elf_policy *pol,
                               integer fs) =
    pm_elf_plan_layout(p, pol, pol->min_vaddr) &&
    pm_elf_segs_file_ok(p, pol, fs, p->nseg);
*/

#endif /* PROCMGR_ACSL_ELF_PLACED_H */
