/*
 * ACSL predicates for the initial stack image builder (include/procmgr/stack.h).
 * Comment-only: included by the C header after its types are declared.
 * Normative prose: spec/core.md, "Initial stack image".
 */
#ifndef PROCMGR_ACSL_CORE_STACK_H
#define PROCMGR_ACSL_CORE_STACK_H

/*@
  // A string list: its pool and its span table are readable.
  predicate pm_strvec_valid(pm_strvec *v) =
      \valid_read(v) &&
      \valid_read(v->pool + (0 .. v->pool_len - 1)) &&
      \valid_read(v->items + (0 .. v->count - 1));

  // Everything pm_stack_build reads is readable.
  predicate pm_stack_in_valid(pm_stack_in *in) =
      \valid_read(in) &&
      pm_strvec_valid(&in->argv) && pm_strvec_valid(&in->envp) &&
      \valid_read(in->auxv + (0 .. in->nauxv - 1)) &&
      \valid_read(in->random + (0 .. PM_STACK_RANDOM_BYTES - 1)) &&
      \valid_read(in->execfn + (0 .. in->execfn_len - 1)) &&
      \valid_read(in->platform + (0 .. in->platform_len - 1));

  // The output buffer overlaps none of the inputs.
  predicate pm_stack_in_separated(pm_stack_in *in, uint8_t *buf, integer cap) =
      \separated(buf + (0 .. cap - 1), in,
                 in->argv.pool + (0 .. in->argv.pool_len - 1),
                 in->argv.items + (0 .. in->argv.count - 1),
                 in->envp.pool + (0 .. in->envp.pool_len - 1),
                 in->envp.items + (0 .. in->envp.count - 1),
                 in->auxv + (0 .. in->nauxv - 1),
                 in->random + (0 .. PM_STACK_RANDOM_BYTES - 1),
                 in->execfn + (0 .. in->execfn_len - 1),
                 in->platform + (0 .. in->platform_len - 1));

  predicate pm_stack_in_separated_out(pm_stack_in *in, pm_stack_out *out) =
      \separated(out, in,
                 in->argv.pool + (0 .. in->argv.pool_len - 1),
                 in->argv.items + (0 .. in->argv.count - 1),
                 in->envp.pool + (0 .. in->envp.pool_len - 1),
                 in->envp.items + (0 .. in->envp.count - 1),
                 in->auxv + (0 .. in->nauxv - 1),
                 in->random + (0 .. PM_STACK_RANDOM_BYTES - 1),
                 in->execfn + (0 .. in->execfn_len - 1),
                 in->platform + (0 .. in->platform_len - 1));

  // Layout of a built image, top down (addresses in the new process):
  //   [execfn_addr, top - 8)        execfn + NUL, then 8 zero bytes
  //   [strings_addr, execfn_addr)   argv strings then envp strings
  //   [platform_addr, ...)          platform + NUL (16-aligned end)
  //   [random_addr, +16)            AT_RANDOM bytes
  //   [sp, ...)                     argc, argv[], 0, envp[], 0, auxv, AT_NULL
  predicate pm_stack_out_wf(pm_stack_out *out, integer top, integer cap,
                            integer argc, integer envc) =
      0 < out->used <= cap &&
      out->sp == top - out->used &&
      out->sp % 16 == 0 &&
      out->argv_addr == out->sp + 8 &&
      out->envp_addr == out->argv_addr + 8 * (argc + 1) &&
      out->auxv_addr == out->envp_addr + 8 * (envc + 1) &&
      out->auxv_addr + 16 <= out->random_addr &&
      out->random_addr + PM_STACK_RANDOM_BYTES <= out->strings_addr &&
      out->strings_addr <= out->execfn_addr &&
      out->execfn_addr < top - 8;

  // Offsets of the random bytes, platform string and execfn string in the
  // buffer: ascending, disjoint, inside it (what pm_stack_build computes).
  predicate pm_stack_fixed_layout(integer o_random, integer o_platform,
                                  integer plen, integer o_execfn,
                                  integer xlen, integer cap) =
      o_random + PM_STACK_RANDOM_BYTES <= o_platform &&
      (plen > 0 ==> o_platform + plen < o_execfn) &&
      o_platform <= o_execfn && o_execfn + xlen < cap;
*/

#endif /* PROCMGR_ACSL_CORE_STACK_H */
