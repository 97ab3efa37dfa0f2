/*
 * Run-time re-checks of the postconditions the proofs promise.  Each harness
 * calls these on every accepted input and aborts on a violation, so a gap
 * between the ACSL contracts and the code shows up as a fuzzer crash.
 */
#ifndef PROCMGR_FUZZ_CHECK_H
#define PROCMGR_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"
#include "procmgr/script.h"
#include "procmgr/stack.h"

/* Aborts with a message naming the violated property. */
void pm_fuzz_fail(const char *what);

#define PM_FUZZ_REQUIRE(cond) \
    do { if (!(cond)) pm_fuzz_fail(#cond); } while (0)

/* A little-endian field reader over the fuzz input: reads past its end
 * give zeros, so every input decodes to some sequence of fields. */
typedef struct pm_fuzz_rd {
    const uint8_t *p;
    size_t n, off;
} pm_fuzz_rd;

/* The next `width` (<= 8) bytes as a little-endian value. */
uint64_t pm_fuzz_take(pm_fuzz_rd *r, unsigned width);

/* The next byte. */
uint32_t pm_fuzz_byte(pm_fuzz_rd *r);

/* The well-formedness predicate of spec/acsl/elf_plan.h, in C. */
void pm_fuzz_check_elf_plan(const pm_elf_plan *plan, const uint8_t *buf,
                            uint64_t buf_len, uint64_t file_size,
                            const pm_elf_policy *pol);

/* pm_elf_plan_placed of spec/acsl/elf_placed.h, in C, and the recorded
 * bias: what a biased plan satisfies (pm_elf_plan_apply_bias on a
 * pm_elf_plan_wf plan). */
void pm_fuzz_check_elf_placed(const pm_elf_plan *plan, const uint8_t *buf,
                              uint64_t buf_len, uint64_t file_size,
                              const pm_elf_policy *pol);

/* pm_stack_out_wf (spec/acsl/core_stack.h) plus the full image layout of
 * spec/core.md, read back from buf: sp 16-byte aligned, every address
 * inside [stack_top - cap, stack_top), argc, argv[] and envp[] pointing at
 * copies of the input strings with their NULs, NULL terminators, the
 * caller's auxv entries in order, then AT_RANDOM, AT_EXECFN, AT_PLATFORM
 * (if any) and AT_NULL, the random bytes, execfn and platform strings, and
 * the 8-byte zero end marker. */
void pm_fuzz_check_stack(const pm_stack_in *in, const uint8_t *buf,
                         uint64_t cap, const pm_stack_out *out);

/* The postcondition of pm_script_parse (include/procmgr/script.h): the
 * result codes, is_script exactly when buf starts with "#!", and on an
 * accepted script pm_script_wf: the interpreter an absolute path of
 * bytes other than NUL, blank and '\n' inside buf and the line limit, the
 * argument (if any) after it, inside both, not starting or ending with a
 * blank, without NUL or '\n'; every range empty otherwise. */
void pm_fuzz_check_script(pm_status st, const pm_script *sc,
                          const uint8_t *buf, uint64_t len);

#endif
