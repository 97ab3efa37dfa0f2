/*
 * ACSL predicates for the launch builder (include/procmgr/builder.h).
 * Comment-only.  Normative prose: spec/core.md, "Launch builder".
 */
#ifndef PROCMGR_ACSL_CORE_BUILDER_H
#define PROCMGR_ACSL_CORE_BUILDER_H

/*@
  // Every count within its bound (the spans themselves are re-checked
  // against their pools by whoever reads them, e.g. pm_stack_build).
  predicate pm_builder_wf(pm_builder *b) =
      (b->state == PM_BUILDER_EMPTY || b->state == PM_BUILDER_ACCUMULATING) &&
      (b->has_info == 0 || b->has_info == 1) &&
      b->name_len <= PM_BUILDER_PROC_NAME_MAX &&
      (b->has_execfn == 0 || b->has_execfn == 1) &&
      b->execfn_len <= PM_BUILDER_EXECFN_MAX &&
      b->args.n <= PM_BUILDER_MAX_ARGS && b->args.used <= PM_BUILDER_ARG_BYTES &&
      b->envs.n <= PM_BUILDER_MAX_ENVS && b->envs.used <= PM_BUILDER_ENV_BYTES &&
      b->names.n <= PM_BUILDER_MAX_NAMES && b->names.used <= PM_BUILDER_NAME_BYTES &&
      b->nhandles <= PM_BUILDER_MAX_HANDLES;

  predicate pm_builder_empty(pm_builder *b) =
      b->state == PM_BUILDER_EMPTY && b->has_info == 0 && b->name_len == 0 &&
      b->has_execfn == 0 && b->execfn_len == 0 &&
      b->args.n == 0 && b->args.used == 0 && b->envs.n == 0 &&
      b->envs.used == 0 && b->names.n == 0 && b->names.used == 0 &&
      b->nhandles == 0;

  // A refused add leaves the whole builder, bytes included, as it was.
  predicate pm_builder_unchanged{L1, L2}(pm_builder *b) =
      \at(*b, L1) == \at(*b, L2);

  predicate pm_builder_mark_of(pm_builder_mark *m, pm_builder *b) =
      m->state == b->state &&
      m->nargs == b->args.n && m->args_used == b->args.used &&
      m->nenvs == b->envs.n && m->envs_used == b->envs.used &&
      m->nnames == b->names.n && m->names_used == b->names.used &&
      m->nhandles == b->nhandles;

  predicate pm_builder_mark_of_v(pm_builder_mark m, pm_builder *b) =
      m.state == b->state &&
      m.nargs == b->args.n && m.args_used == b->args.used &&
      m.nenvs == b->envs.n && m.envs_used == b->envs.used &&
      m.nnames == b->names.n && m.names_used == b->names.used &&
      m.nhandles == b->nhandles;

  predicate pm_builder_mark_below_v(pm_builder_mark m, pm_builder *b) =
      (m.state == PM_BUILDER_EMPTY || m.state == PM_BUILDER_ACCUMULATING) &&
      m.nargs <= b->args.n && m.args_used <= b->args.used &&
      m.nenvs <= b->envs.n && m.envs_used <= b->envs.used &&
      m.nnames <= b->names.n && m.names_used <= b->names.used &&
      m.nhandles <= b->nhandles;

  predicate pm_builder_mark_below(pm_builder_mark *m, pm_builder *b) =
      (m->state == PM_BUILDER_EMPTY || m->state == PM_BUILDER_ACCUMULATING) &&
      m->nargs <= b->args.n && m->args_used <= b->args.used &&
      m->nenvs <= b->envs.n && m->envs_used <= b->envs.used &&
      m->nnames <= b->names.n && m->names_used <= b->names.used &&
      m->nhandles <= b->nhandles;
*/

#endif /* PROCMGR_ACSL_CORE_BUILDER_H */
