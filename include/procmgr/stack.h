/*
 * procmgr initial stack image builder (spec/core.md, "Initial stack image").
 *
 * pm_stack_build() lays out the top of a new process's stack exactly as
 * Linux's fs/exec.c + fs/binfmt_elf.c create_elf_tables() do on x86-64
 * (System V ABI): argc, argv[], NULL, envp[], NULL, auxv pairs ending in
 * AT_NULL, padding, 16 random bytes, the platform string, the argv and envp
 * strings, the execfn string and an 8-byte zero end marker, with the initial
 * stack pointer 16-byte aligned and pointing at argc.
 *
 * The image is written at the END of a caller buffer: buf[cap - used, cap)
 * holds the bytes that must appear at addresses [stack_top - used,
 * stack_top) of the new process.  Pure and freestanding: no libc, no
 * allocation, no globals.  Proven with Frama-C WP (memory safety, layout
 * arithmetic, sp alignment; see spec/core.md for what is proven and what is
 * tested) and analysed with Eva.
 *
 * Strings are given as (offset, length) spans into a byte pool rather than
 * as separate pointers: the launch builder stores them that way, and one
 * pool keeps the contract free of quantified validity conditions.
 */
#ifndef PROCMGR_STACK_H
#define PROCMGR_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/status.h"

/* Bounds (refused with PM_E_STACK_LIMIT). */
#define PM_STACK_MAX_STRINGS   4096u    /* argv entries; envp entries       */
#define PM_STACK_MAX_STRLEN    65536u   /* one string, NUL excluded         */
#define PM_STACK_MAX_AUXV      32u      /* caller-supplied auxv entries     */
#define PM_STACK_MAX_EXECFN    4096u    /* execfn length, NUL excluded      */
#define PM_STACK_MAX_PLATFORM  64u      /* platform length, NUL excluded    */
#define PM_STACK_RANDOM_BYTES  16u
#define PM_STACK_MAX_ADDR      (1ull << 56)  /* stack_top above: STACK_ADDR */

/* Auxiliary vector types the builder uses (linux/auxvec.h values). */
#define PM_AT_NULL             0u
#define PM_AT_PAGESZ           6u
#define PM_AT_PHDR             3u
#define PM_AT_PHENT            4u
#define PM_AT_PHNUM            5u
#define PM_AT_BASE             7u
#define PM_AT_FLAGS            8u
#define PM_AT_ENTRY            9u
#define PM_AT_PLATFORM         15u      /* computed by the builder */
#define PM_AT_SECURE           23u
#define PM_AT_RANDOM           25u      /* computed by the builder */
#define PM_AT_EXECFN           31u      /* computed by the builder */
#define PM_AT_SYSINFO_EHDR     33u

/* One byte string inside a pool: pool[off, off + len), no NUL inside. */
typedef struct pm_span {
    uint32_t off;
    uint32_t len;
} pm_span;

/* A list of byte strings: items[0..count) are spans into pool[0..pool_len). */
typedef struct pm_strvec {
    const uint8_t *pool;
    uint64_t       pool_len;
    const pm_span *items;
    uint32_t       count;
} pm_strvec;

typedef struct pm_auxv {
    uint64_t type;
    uint64_t value;
} pm_auxv;

typedef struct pm_stack_in {
    pm_strvec      argv;
    pm_strvec      envp;
    const pm_auxv *auxv;          /* caller entries, in order; never AT_NULL,
                                     AT_RANDOM, AT_EXECFN or AT_PLATFORM */
    uint32_t       nauxv;
    const uint8_t *random;        /* PM_STACK_RANDOM_BYTES fresh bytes */
    const uint8_t *execfn;        /* AT_EXECFN string, no NUL inside */
    uint32_t       execfn_len;
    const uint8_t *platform;      /* AT_PLATFORM string ("x86_64"); */
    uint32_t       platform_len;  /* 0: no platform string, no AT_PLATFORM */
    uint64_t       stack_top;     /* high end of the stack, 16-byte aligned */
} pm_stack_in;

/* Addresses in the new process of the pieces of the image. */
typedef struct pm_stack_out {
    uint64_t sp;            /* initial stack pointer: &argc, 16-byte aligned */
    uint64_t used;          /* image size: stack_top - sp */
    uint64_t argv_addr;     /* &argv[0] = sp + 8 */
    uint64_t envp_addr;     /* &envp[0] */
    uint64_t auxv_addr;     /* first auxv pair */
    uint64_t random_addr;   /* AT_RANDOM value */
    uint64_t platform_addr; /* AT_PLATFORM value, 0 if none */
    uint64_t execfn_addr;   /* AT_EXECFN value */
    uint64_t strings_addr;  /* argv[0]'s string (start of the strings area) */
} pm_stack_out;

#include "acsl/core_stack.h"

/*
 * Build the initial stack image.
 *   in   : inputs above; spans are checked against their pools at run time
 *   buf  : caller buffer standing for addresses [stack_top - cap, stack_top)
 *   cap  : its size in bytes
 *   out  : written on PM_OK only
 * Returns PM_OK, or PM_E_STACK_ADDR (stack_top misaligned, < cap or over
 * PM_STACK_MAX_ADDR),
 * PM_E_STACK_LIMIT (a count or length over its bound), PM_E_STACK_STRING
 * (span outside its pool, or a NUL inside a string), PM_E_STACK_AUXV
 * (reserved auxv type), PM_E_STACK_TOO_SMALL (image does not fit in cap).
 * Every check precedes the first write: a refusal leaves buf untouched,
 * except PM_E_STACK_TOO_SMALL reported by the second pass if the input
 * pools changed under it (shared memory), which leaves buf partly written.
 */
/*@ requires pm_stack_in_valid(in);
    requires \valid(buf + (0 .. cap - 1));
    requires \valid(out);
    requires pm_stack_in_separated(in, buf, cap);
    requires \separated(out, buf + (0 .. cap - 1));
    requires pm_stack_in_separated_out(in, out);
    assigns  buf[0 .. cap - 1], *out;
    ensures  \result == PM_OK || \result == PM_E_STACK_ADDR ||
             \result == PM_E_STACK_LIMIT || \result == PM_E_STACK_STRING ||
             \result == PM_E_STACK_AUXV || \result == PM_E_STACK_TOO_SMALL;
    ensures  \result == PM_OK ==> pm_stack_out_wf(out, in->stack_top, cap,
                                                  in->argv.count, in->envp.count);
*/
pm_status pm_stack_build(const pm_stack_in *in, uint8_t *buf, uint64_t cap,
                         pm_stack_out *out);

#endif /* PROCMGR_STACK_H */
