/*
 * ACSL model of the process registry's handles (include/procmgr/registry.h).
 * Comment-only.  Normative prose: spec/core.md, "Registry and handles".
 */
#ifndef PROCMGR_ACSL_CORE_REGISTRY_H
#define PROCMGR_ACSL_CORE_REGISTRY_H

/*@
  // Handle value = rights * 2^48 + generation * 2^16 + slot.
  logic integer pm_handle_idx(integer h)    = h % 65536;
  logic integer pm_handle_gen(integer h)    = (h / 65536) % 4294967296;
  logic integer pm_handle_rights(integer h) = h / 281474976710656;
  logic integer pm_handle_value(integer idx, integer gen, integer rights) =
      rights * 281474976710656 + gen * 65536 + idx;

  predicate pm_state_live(integer s) =
      s == PM_PROC_CREATED || s == PM_PROC_RUNNING || s == PM_PROC_EXITED;

  // Every right in `want` is in `have` (both 32-bit masks; the form is the
  // one C's (want & ~have) == 0 takes on uint32_t).
  predicate pm_rights_subset(integer want, integer have) =
      (want & (uint32_t)(~(uint32_t)have)) == 0;

  // A value the registry could have issued.
  predicate pm_handle_wellformed(integer h) =
      0 <= h < 18446744073709551616 &&
      pm_handle_idx(h) < PM_REG_CAPACITY && pm_handle_gen(h) != 0 &&
      pm_handle_rights(h) <= PM_RIGHTS_ALL;   // PM_RIGHTS_ALL = 2^11 - 1

  // The handle names the record now in its slot.
  predicate pm_handle_live(pm_registry *r, integer h) =
      pm_handle_idx(h) < PM_REG_CAPACITY &&
      pm_state_live(r->slot[pm_handle_idx(h)].state) &&
      r->slot[pm_handle_idx(h)].gen == pm_handle_gen(h);
*/

#endif /* PROCMGR_ACSL_CORE_REGISTRY_H */
