/*
 * Run-time re-checks of the postconditions the proofs promise.  Each harness
 * calls these on every accepted input and aborts on a violation, so a gap
 * between the ACSL contracts and the code shows up as a fuzzer crash.
 */
#ifndef PROCMGR_FUZZ_CHECK_H
#define PROCMGR_FUZZ_CHECK_H

#include <stdint.h>

#include "procmgr/elf.h"

/* Aborts with a message naming the violated property. */
void pm_fuzz_fail(const char *what);

#define PM_FUZZ_REQUIRE(cond) \
    do { if (!(cond)) pm_fuzz_fail(#cond); } while (0)

/* The well-formedness predicate of spec/acsl/elf_plan.h, in C. */
void pm_fuzz_check_elf_plan(const pm_elf_plan *plan, const uint8_t *buf,
                            uint64_t buf_len, uint64_t file_size,
                            const pm_elf_policy *pol);

#endif
