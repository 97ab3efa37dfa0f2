/*
 * procmgr ELF validator and load plan.
 *
 * pm_elf_validate() reads an ELF64 image's header area from a private,
 * caller-owned buffer, checks it against spec/elf-policy.md, and fills a
 * load plan that a mapper can follow without ever reading a program header
 * again.  It is freestanding C (no libc, no allocation, no globals) and is
 * proven with Frama-C WP (status: spec/elf-policy.md, "Proof status"): on
 * PM_OK the plan satisfies the ACSL predicate pm_elf_plan_wf
 * (spec/acsl/elf_plan.h; contracts in src/elf/elf_internal.h); on any other
 * status the plan's `valid` field is 0.
 *
 * The caller reads the first min(file_size, PM_ELF_HEADER_AREA) bytes of the
 * file into its own buffer (so nothing can change under the validator) and
 * passes that prefix together with the file's full size.  The ELF header
 * and the program header table have to lie inside that prefix; the
 * interpreter name too, or in one further window the caller reads when the
 * validator asks for it (pm_elf_validate_ext); segment file ranges are
 * checked against file_size.
 */
#ifndef PROCMGR_ELF_H
#define PROCMGR_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/status.h"

/* Bytes of the file a caller reads for validation (the header area). */
#define PM_ELF_HEADER_AREA    65536u
/* Program header table at most 4 KiB: 73 entries of 56 bytes. */
#define PM_ELF_MAX_PHNUM      73u
/* Hard cap on PT_LOAD segments, hence on plan segments. */
#define PM_ELF_MAX_SEGMENTS   16u
/* Interpreter name length bounds, NUL included. */
#define PM_ELF_INTERP_MIN     2u
#define PM_ELF_INTERP_MAX     4096u
/* A validation buffer with room for the header area and one further read
 * (the interpreter name when it lies past the header area): see
 * pm_elf_validate_ext. */
#define PM_ELF_READ_MAX       (PM_ELF_HEADER_AREA + PM_ELF_INTERP_MAX)

/* Machines a policy may allow (bit set). */
#define PM_ELF_MACH_X86_64    (1u << 0)   /* EM_X86_64 = 62  */
#define PM_ELF_MACH_AARCH64   (1u << 1)   /* EM_AARCH64 = 183 */
#define PM_ELF_MACH_RISCV64   (1u << 2)   /* EM_RISCV = 243, ELFCLASS64 */

/* Policy flags. */
#define PM_ELF_POLICY_WXORX   (1u << 0)   /* refuse W+X segments (default on) */

/* Segment and stack protections in a plan. */
#define PM_PROT_R             (1u << 0)
#define PM_PROT_W             (1u << 1)
#define PM_PROT_X             (1u << 2)

#define PM_ELF_PLAN_VALID     1u

typedef enum pm_elf_role {
    PM_ELF_ROLE_PROGRAM = 0,  /* the executable named by the caller      */
    PM_ELF_ROLE_INTERP  = 1   /* its PT_INTERP (ld.so): ET_DYN, no interp */
} pm_elf_role;

typedef struct pm_elf_policy {
    uint32_t machines;    /* PM_ELF_MACH_* set                           */
    uint32_t flags;       /* PM_ELF_POLICY_*                              */
    uint64_t page_size;   /* power of two, 4096..65536                    */
    uint64_t min_vaddr;   /* lowest mappable address (vm.mmap_min_addr)   */
    uint64_t user_limit;  /* exclusive end of the user address range      */
    uint64_t max_span;    /* limit on the page-rounded span of all loads  */
    uint32_t max_loads;   /* limit on PT_LOAD count, <= PM_ELF_MAX_SEGMENTS */
} pm_elf_policy;

/*
 * One mapping of the plan.  All addresses are link-time addresses plus the
 * plan's bias (0 until pm_elf_plan_apply_bias).  A segment is mapped as:
 *   [map_start, map_start + file_len)           from the file at file_off
 *   [zero_start, zero_start + zero_len)         cleared (tail of last file page)
 *   [map_start + file_len, map_start + map_len) anonymous zero pages
 * then protected with prot.  map_start, map_len, file_off, file_len are
 * multiples of the page size; zero_len < page size.
 */
typedef struct pm_elf_segment {
    uint64_t map_start;
    uint64_t map_len;
    uint64_t file_off;
    uint64_t file_len;
    uint64_t zero_start;
    uint64_t zero_len;
    uint32_t prot;        /* PM_PROT_* */
    uint32_t reserved;
} pm_elf_segment;

typedef struct pm_elf_plan {
    uint32_t valid;           /* PM_ELF_PLAN_VALID iff validation succeeded */
    uint16_t type;            /* ET_EXEC (2) or ET_DYN (3) */
    uint16_t machine;         /* e_machine */
    pm_elf_role role;
    uint32_t nseg;            /* 1..PM_ELF_MAX_SEGMENTS */
    pm_elf_segment seg[PM_ELF_MAX_SEGMENTS];

    uint64_t entry;           /* e_entry (+ bias) */
    uint64_t phdr_addr;       /* in-memory address of the program headers, 0 if not mapped */
    uint16_t phnum;
    uint16_t phentsize;

    uint32_t has_interp;      /* 1 if PT_INTERP present */
    uint64_t interp_off;      /* index of the name in the buffer validated (the header
                               * area, or the window read after it: pm_elf_validate_ext) */
    uint64_t interp_len;      /* length including the terminating NUL */

    uint32_t stack_prot;      /* from PT_GNU_STACK; PM_PROT_R|PM_PROT_W if absent */

    uint32_t has_tls;
    uint64_t tls_addr, tls_filesz, tls_memsz, tls_align;

    uint32_t has_dynamic;
    uint64_t dynamic_addr, dynamic_size;

    uint32_t has_relro;
    uint64_t relro_addr, relro_size;

    uint64_t span_start;      /* seg[0].map_start */
    uint64_t span_end;        /* seg[nseg-1].map_start + map_len */
    uint64_t align;           /* bias alignment for ET_DYN: max(page, p_align of loads) */
    uint64_t bias;            /* applied bias, 0 until pm_elf_plan_apply_bias */

    /* Set only on PM_E_ELF_HEADER_AREA from a validation without a window:
     * the file bytes [need_off, need_off + need_len) (the PT_INTERP name,
     * need_len <= PM_ELF_INTERP_MAX, inside the file) lie past the header
     * area; read them and call pm_elf_validate_ext.  0 otherwise. */
    uint64_t need_off;
    uint16_t need_len;        /* <= PM_ELF_INTERP_MAX.  Its own type keeps it
                               * apart from every field the walk writes (in
                               * WP's typed memory), so "no need on success"
                               * is a frame the prover sees at once. */
} pm_elf_plan;

/* The default policy for the Linux x86-64 backend: x86-64 only, W^X on,
 * 4 KiB pages, min_vaddr 64 KiB, user_limit 0x7ffffffff000 (47-bit),
 * max_span 1 GiB, max_loads PM_ELF_MAX_SEGMENTS. */
void pm_elf_policy_default(pm_elf_policy *pol);

/*
 * Validate an ELF image and build its load plan.
 *   buf, buf_len : private copy of the first bytes of the file (header area)
 *   file_size    : size of the whole file; buf_len <= file_size
 *   pol          : policy; rejected with PM_E_ELF_POLICY if inconsistent
 *   role         : program or interpreter
 *   plan         : written; plan->valid == PM_ELF_PLAN_VALID iff PM_OK
 * Returns PM_OK or exactly one PM_E_ELF_* code (the first rule violated, in
 * the order of spec/elf-policy.md).
 */
#ifdef PM_ELF_CONTRACTS
/* The validator's contracts (pm_elf_validate, pm_elf_validate_ext), written
 * once: proof-elf proves them (mk/elf.mk defines PM_ELF_CONTRACTS) and a
 * proof of a caller that defines PM_ELF_CONTRACTS (proof-launch) uses
 * them. */
#include "acsl/elf_plan.h"
#include "acsl/elf_placed.h"
/*@ requires \valid_read(pol);
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid(plan);
    requires \separated(plan, pol, buf + (0 .. buf_len - 1));
    assigns *plan;
    ensures \result != PM_OK ==> plan->valid == 0;
    ensures \result == PM_OK ==> plan->valid == PM_ELF_PLAN_VALID;
    ensures wf: \result == PM_OK ==>
        pm_elf_plan_wf(plan, (uint8_t *)buf, buf_len, file_size, pol);
    ensures need: pm_elf_need_ok(plan, \result, buf_len, buf_len, file_size); */
#endif
pm_status pm_elf_validate(const uint8_t *buf, uint64_t buf_len,
                          uint64_t file_size, const pm_elf_policy *pol,
                          pm_elf_role role, pm_elf_plan *plan);

/*
 * Validate with one further window of the file.  buf[0, head_len) holds the
 * file's bytes [0, head_len) (the header area) and buf[head_len, buf_len)
 * the file's bytes [win_off, win_off + buf_len - head_len): at most
 * PM_ELF_INTERP_MAX bytes, read after a validation reported them in
 * plan->need_off/need_len.  Only the interpreter name may come from the
 * window; plan->interp_off is then the name's index in buf (head_len +
 * its offset in the window).  pm_elf_validate(b, n, size, ...) is
 * pm_elf_validate_ext(b, n, n, 0, size, ...).  A validation with a window
 * (buf_len > head_len) never reports a need (proven), so a caller reads at
 * most twice: the header area, then the window.
 */
#ifdef PM_ELF_CONTRACTS
/*@ requires \valid_read(pol);
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid(plan);
    requires \separated(plan, pol, buf + (0 .. buf_len - 1));
    assigns *plan;
    ensures \result != PM_OK ==> plan->valid == 0;
    ensures \result == PM_OK ==> plan->valid == PM_ELF_PLAN_VALID;
    ensures wf: \result == PM_OK ==>
        pm_elf_plan_wf(plan, (uint8_t *)buf, buf_len, file_size, pol);
    ensures need: pm_elf_need_ok(plan, \result, head_len, buf_len, file_size);
    ensures once: buf_len > head_len ==> plan->need_len == 0; */
#endif
pm_status pm_elf_validate_ext(const uint8_t *buf, uint64_t head_len,
                              uint64_t buf_len, uint64_t win_off,
                              uint64_t file_size, const pm_elf_policy *pol,
                              pm_elf_role role, pm_elf_plan *plan);

/*
 * Apply a load bias to a valid ET_DYN plan (ET_EXEC takes only bias 0).
 * The bias must be a multiple of plan->align and keep the whole span inside
 * [pol->min_vaddr, pol->user_limit).  On failure returns PM_E_ELF_BIAS and
 * leaves the plan unchanged.
 */
#ifdef PM_ELF_CONTRACTS
/* The bias's contract, written once: proof-elf proves it
 * (src/elf/elf_bias.c) and proof-launch uses it.  On PM_OK: the checks of
 * spec/elf-policy.md "Bias" held on the plan as it was, every segment lies
 * in [min_vaddr, user_limit] with its cleared bytes inside it, the bias is
 * recorded, and a plan the validator accepted (pm_elf_plan_loadable: its
 * layout above pm_elf_lo, its file ranges inside an image of any size fs)
 * is placed (pm_elf_plan_placed, spec/acsl/elf_placed.h: the same layout
 * above pol->min_vaddr, the same file ranges).  Always: the interpreter
 * fields, role and type are unchanged.  proof-elf proves every clause,
 * `placed` included (the lemmas of spec/acsl/elf_bias.h), so proof-launch
 * uses a proven contract.  The fuzz harness re-checks `placed` at run time
 * (pm_fuzz_check_elf_placed, fuzz/check.c). */
/*@ requires \valid(plan) && \valid_read(pol);
    requires \separated(plan, pol);
    assigns *plan;
    ensures \result == PM_OK || \result == PM_E_ELF_BIAS;
    ensures checked: \result == PM_OK ==> \old(pm_elf_bias_ok(plan, pol, bias));
    ensures inside: \result == PM_OK ==> \forall integer j; 0 <= j < plan->nseg ==>
        \old(pol->min_vaddr) <= plan->seg[j].map_start &&
        plan->seg[j].map_start + plan->seg[j].map_len <= \old(pol->user_limit) &&
        plan->seg[j].zero_start <= plan->seg[j].map_start + plan->seg[j].map_len;
    ensures biased: \result == PM_OK ==> plan->bias == bias;
    ensures kept: pm_elf_plan_interp_kept{Pre, Post}(plan) &&
        plan->role == \old(plan->role) && plan->type == \old(plan->type);
    ensures placed: \result == PM_OK ==> \forall integer fs;
        \old(pm_elf_plan_loadable(plan, pol, fs)) ==>
        pm_elf_plan_placed(plan, pol, fs); */
#endif
pm_status pm_elf_plan_apply_bias(pm_elf_plan *plan, const pm_elf_policy *pol,
                                 uint64_t bias);

#endif /* PROCMGR_ELF_H */
