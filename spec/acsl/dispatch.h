/*
 * ACSL predicates of the dispatcher's configuration
 * (include/procmgr/dispatch.h).  Comment-only: included by the C header
 * after its types are declared.
 */
#ifndef PROCMGR_ACSL_DISPATCH_H
#define PROCMGR_ACSL_DISPATCH_H

/*@
  // A name -> image table of n entries: at most PM_DISPATCH_MAX_TABLE
  // (pm_dispatch_init checks it), every entry and its name readable (the
  // shell's promise: the table is its own and outlives the dispatcher).
  // An assumption of proof-launch-caps (spec/proof-perimeter.md): no
  // proven function establishes it, C cannot check readability.
  predicate pm_dispatch_table_ok(pm_dispatch_entry *t, integer n) =
    0 <= n <= PM_DISPATCH_MAX_TABLE &&
    \valid_read(t + (0 .. n - 1)) &&
    \forall integer i; 0 <= i < n ==>
        \valid_read(t[i].name + (0 .. t[i].name_len - 1));
*/

#endif /* PROCMGR_ACSL_DISPATCH_H */
