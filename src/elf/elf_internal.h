/*
 * Internal interface of the ELF validator (src/elf).  Not installed; the
 * public API is include/procmgr/elf.h.  Every helper carries the ACSL
 * contract WP proves it against; pm_elf_validate composes them.
 *
 * Check order, rule by rule, is the order of the table in
 * spec/elf-policy.md; each helper returns PM_OK or the code of the first
 * rule its input violates.
 */
#ifndef PROCMGR_SRC_ELF_INTERNAL_H
#define PROCMGR_SRC_ELF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "acsl/elf_plan.h"

/* ELF constants used by the validator (values from the System V gABI). */
#define PM_EHDR_SIZE      64u
#define PM_PHDR_SIZE      56u
#define PM_ET_EXEC        2u
#define PM_ET_DYN         3u
#define PM_EM_X86_64      62u
#define PM_EM_AARCH64     183u
#define PM_EM_RISCV       243u
#define PM_PT_LOAD        1u
#define PM_PT_DYNAMIC     2u
#define PM_PT_INTERP      3u
#define PM_PT_PHDR        6u
#define PM_PT_TLS         7u
#define PM_PT_GNU_STACK   0x6474e551u
#define PM_PT_GNU_RELRO   0x6474e552u
#define PM_PF_X           1u
#define PM_PF_W           2u
#define PM_PF_R           4u
/* Files at or above 2^62 bytes are refused (PM_E_ELF_ARGS): every sum of
 * file offsets and page sizes below then fits in 64 bits. */
#define PM_ELF_MAX_FILE   0x4000000000000000ull

/* The fields of the ELF header the validator keeps. */
typedef struct pm_elf_ehdr {
    uint16_t type;
    uint16_t machine;
    uint16_t phnum;
    uint64_t entry;
    uint64_t phoff;
} pm_elf_ehdr;

/* One program header, decoded. */
typedef struct pm_elf_phdr {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
} pm_elf_phdr;

/* State of the program header walk: counts per type and the exact ranges
 * of the PT_LOADs accepted so far (load k became plan segment k). */
typedef struct pm_elf_walk {
    uint32_t ninterp;
    uint32_t nstack;
    uint32_t nphdr;
    uint32_t ntls;
    uint32_t ndynamic;
    uint32_t nrelro;
    uint64_t phdr_vaddr;                        /* PT_PHDR p_vaddr */
    uint64_t max_align;                         /* max(page, p_align) */
    uint64_t load_vaddr[PM_ELF_MAX_SEGMENTS];
    uint64_t load_memsz[PM_ELF_MAX_SEGMENTS];
    uint64_t load_offset[PM_ELF_MAX_SEGMENTS];
    uint64_t load_filesz[PM_ELF_MAX_SEGMENTS];
} pm_elf_walk;

/*@
  // The exact PT_LOAD ranges recorded in the walk: inside the user range,
  // inside their plan segment, file range inside the file.
  predicate pm_elf_loads_ok(pm_elf_walk *w, pm_elf_plan *p, pm_elf_policy *pol,
                            integer file_size, integer n) =
    \forall integer k; 0 <= k < n ==>
      0 < w->load_memsz[k] &&
      w->load_filesz[k] <= w->load_memsz[k] &&
      p->seg[k].map_start <= w->load_vaddr[k] &&
      w->load_vaddr[k] + w->load_memsz[k] <= p->seg[k].map_start + p->seg[k].map_len &&
      w->load_offset[k] + w->load_filesz[k] <= file_size;
*/

/* ---- little-endian reads (elf_read.c) ----------------------------------- */

/*@ requires off + 1 < PM_ELF_MAX_FILE;
    requires \valid_read(b + (off .. off + 1));
    assigns \result \from b[off .. off + 1];
    ensures \result == b[off] + 256 * b[off + 1]; */
uint16_t pm_elf_rd16(const uint8_t *b, uint64_t off);

/*@ requires off + 3 < PM_ELF_MAX_FILE;
    requires \valid_read(b + (off .. off + 3));
    assigns \result \from b[off .. off + 3];
    ensures \result == b[off] + 256 * b[off + 1] + 65536 * b[off + 2] +
                       16777216 * b[off + 3]; */
uint32_t pm_elf_rd32(const uint8_t *b, uint64_t off);

/*@ requires off + 7 < PM_ELF_MAX_FILE;
    requires \valid_read(b + (off .. off + 7));
    assigns \result \from b[off .. off + 7]; */
uint64_t pm_elf_rd64(const uint8_t *b, uint64_t off);

/*@ requires off + PM_PHDR_SIZE <= PM_ELF_MAX_FILE;
    requires \valid_read(b + (off .. off + PM_PHDR_SIZE - 1));
    requires \valid(ph);
    requires \separated(ph, b + (off .. off + PM_PHDR_SIZE - 1));
    assigns *ph \from b[off .. off + PM_PHDR_SIZE - 1]; */
void pm_elf_read_phdr(const uint8_t *b, uint64_t off, pm_elf_phdr *ph);

/* ---- arithmetic (elf_arith.c) ------------------------------------------- */

/*@ requires pm_elf_policy_ok(pol);
    requires \valid_read(pol);
    assigns \nothing;
    ensures \result == x - x % pol->page_size;
    ensures \result % pol->page_size == 0;
    ensures \result <= x < \result + pol->page_size; */
uint64_t pm_elf_page_down(const pm_elf_policy *pol, uint64_t x);

/*@ requires \valid_read(pol);
    requires pm_elf_policy_ok(pol);
    requires x <= pol->user_limit;
    assigns \nothing;
    ensures \result % pol->page_size == 0;
    ensures x <= \result < x + pol->page_size;
    ensures \result <= pol->user_limit;
    ensures x % pol->page_size == 0 ==> \result == x;
    ensures \forall integer y; x <= y && y % pol->page_size == 0 ==> \result <= y; */
uint64_t pm_elf_page_up(const pm_elf_policy *pol, uint64_t x);

/* a - b, for b <= a (the test inside is for Eva; see elf_arith.c). */
/*@ requires b <= a;
    assigns \nothing;
    ensures \result == a - b; */
uint64_t pm_elf_sub(uint64_t a, uint64_t b);

/* x + y, for x + y <= limit (the test inside is for Eva). */
/*@ requires x + y <= limit;
    assigns \nothing;
    ensures \result == x + y; */
uint64_t pm_elf_add(uint64_t x, uint64_t y, uint64_t limit);

/* 1 iff a is 0, 1 or a power of two. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1; */
int pm_elf_align_ok(uint64_t a);

/* ---- policy (elf_policy.c) ----------------------------------------------- */

/*@ requires \valid(pol);
    assigns *pol;
    ensures pm_elf_policy_ok(pol);
    ensures pm_elf_wxorx(pol); */
void pm_elf_policy_default(pm_elf_policy *pol);

/*@ requires \valid_read(pol);
    assigns \nothing;
    ensures \result == PM_OK <==> pm_elf_policy_ok(pol);
    ensures \result == PM_OK || \result == PM_E_ELF_POLICY; */
pm_status pm_elf_check_policy(const pm_elf_policy *pol);

/* ---- ELF header and program header table (elf_ehdr.c) -------------------- */

/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires buf_len <= file_size;
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires \valid(eh);
    requires \separated(eh, buf + (0 .. buf_len - 1), pol);
    assigns *eh;
    ensures \result == PM_OK ==>
        (eh->type == PM_ET_EXEC || eh->type == PM_ET_DYN) &&
        (role == PM_ELF_ROLE_INTERP ==> eh->type == PM_ET_DYN) &&
        1 <= eh->phnum <= PM_ELF_MAX_PHNUM &&
        eh->phoff + eh->phnum * PM_PHDR_SIZE <= buf_len; */
pm_status pm_elf_check_ehdr(const uint8_t *buf, uint64_t buf_len,
                            uint64_t file_size, const pm_elf_policy *pol,
                            pm_elf_role role, pm_elf_ehdr *eh);

/* ---- PT_LOAD (elf_load.c) ------------------------------------------------ */

/*@ requires \valid_read(pol) && pm_elf_policy_ok(pol);
    requires \valid_read(ph) && \valid(w) && \valid(plan);
    requires \separated(pol, ph, w, plan);
    requires file_size < PM_ELF_MAX_FILE;
    requires plan->nseg <= pol->max_loads;
    requires pm_elf_segs_ok(plan, pol, pm_elf_lo_of(type, pol), plan->nseg);
    requires pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg);
    requires pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    requires w->max_align >= pol->page_size;
    assigns plan->nseg, plan->seg[0 .. PM_ELF_MAX_SEGMENTS - 1], w->max_align,
            w->load_vaddr[0 .. PM_ELF_MAX_SEGMENTS - 1],
            w->load_memsz[0 .. PM_ELF_MAX_SEGMENTS - 1],
            w->load_offset[0 .. PM_ELF_MAX_SEGMENTS - 1],
            w->load_filesz[0 .. PM_ELF_MAX_SEGMENTS - 1];
    ensures w->max_align >= pol->page_size;
    ensures plan->nseg <= pol->max_loads;
    ensures pm_elf_segs_ok(plan, pol, pm_elf_lo_of(type, pol), plan->nseg);
    ensures pm_elf_segs_file_ok(plan, pol, file_size, plan->nseg);
    ensures pm_elf_loads_ok(w, plan, pol, file_size, plan->nseg);
    ensures \result == PM_OK ==> plan->nseg == \old(plan->nseg) + 1;
    ensures \result != PM_OK ==> plan->nseg == \old(plan->nseg);
    ensures kept_interp: pm_elf_plan_interp_kept{Pre, Post}(plan);
    ensures kept_pol: pol->machines == \old(pol->machines) &&
            pol->flags == \old(pol->flags) &&
            pol->page_size == \old(pol->page_size) &&
            pol->min_vaddr == \old(pol->min_vaddr) &&
            pol->user_limit == \old(pol->user_limit) &&
            pol->max_loads == \old(pol->max_loads); */
pm_status pm_elf_add_load(const pm_elf_policy *pol, uint64_t file_size,
                          uint16_t type, const pm_elf_phdr *ph,
                          pm_elf_walk *w, pm_elf_plan *plan);

/* ---- other program header types (elf_phdr.c) ----------------------------- */

/* The name lies in the header area buf[0, head_len), or in the window
 * buf[head_len, buf_len) that holds the file bytes from win_off on; when it
 * is in neither and no window was given, the refusal (ELF_HEADER_AREA)
 * names the bytes to read (plan->need_off/need_len). */
/*@ requires head_len <= buf_len < PM_ELF_MAX_FILE;
    requires \valid_read(buf + (0 .. buf_len - 1));
    requires head_len <= file_size && file_size < PM_ELF_MAX_FILE;
    requires \valid_read(ph) && \valid(w) && \valid(plan);
    requires \separated(ph, w, plan, buf + (0 .. buf_len - 1));
    assigns w->ninterp, plan->has_interp, plan->interp_off, plan->interp_len;
    ensures \result == PM_OK && plan->has_interp != 0 ==>
        PM_ELF_INTERP_MIN <= plan->interp_len <= PM_ELF_INTERP_MAX &&
        plan->interp_off + plan->interp_len <= buf_len &&
        buf[plan->interp_off + plan->interp_len - 1] == 0 &&
        (\forall integer k; plan->interp_off <= k < plan->interp_off + plan->interp_len - 1
            ==> buf[k] != 0);
    ensures \result == PM_OK && role == PM_ELF_ROLE_INTERP ==>
        plan->has_interp == \old(plan->has_interp); */
pm_status pm_elf_on_interp(const uint8_t *buf, uint64_t head_len,
                           uint64_t buf_len, uint64_t win_off,
                           uint64_t file_size, pm_elf_role role,
                           const pm_elf_phdr *ph, pm_elf_walk *w,
                           pm_elf_plan *plan);

/*@ requires \valid_read(ph) && \valid(w);
    requires \separated(ph, w);
    assigns w->nstack; */
pm_status pm_elf_on_stack(const pm_elf_phdr *ph, pm_elf_walk *w);

/*@ requires \valid_read(ph) && \valid(w) && \valid_read(eh);
    requires \separated(ph, w, eh);
    assigns w->nphdr, w->phdr_vaddr; */
pm_status pm_elf_on_phdr(const pm_elf_ehdr *eh, const pm_elf_phdr *ph,
                         pm_elf_walk *w);

/* PT_TLS, PT_DYNAMIC, PT_GNU_RELRO: shape only; containment is checked
 * after the walk (pm_elf_check_inside). */
/*@ requires \valid_read(ph) && \valid(w) && \valid(plan);
    requires \separated(ph, w, plan);
    assigns w->ntls, w->ndynamic, w->nrelro,
            plan->has_tls, plan->tls_addr, plan->tls_filesz, plan->tls_memsz,
            plan->tls_align, plan->has_dynamic, plan->dynamic_addr,
            plan->dynamic_size, plan->has_relro, plan->relro_addr,
            plan->relro_size; */
pm_status pm_elf_on_region(const pm_elf_phdr *ph, pm_elf_walk *w,
                           pm_elf_plan *plan);

/* ---- whole-image rules (elf_validate.c) ---------------------------------- */

/* Index of the first recorded load whose memory [vaddr, vaddr + memsz)
 * holds [addr, addr + len), or n if none. */
/*@ requires \valid_read(w) && n <= PM_ELF_MAX_SEGMENTS;
    assigns \nothing;
    ensures \result <= n;
    ensures \result < n ==> w->load_vaddr[\result] <= addr &&
        addr + len <= w->load_vaddr[\result] + w->load_memsz[\result]; */
uint32_t pm_elf_find_load(const pm_elf_walk *w, uint32_t n,
                          uint64_t addr, uint64_t len);

/* ---- public entry points ----------------------------------------------- */

/* The contracts of pm_elf_validate, pm_elf_validate_ext and
 * pm_elf_plan_apply_bias are written once, in include/procmgr/elf.h under
 * PM_ELF_CONTRACTS, which proof-elf defines (mk/elf.mk): the contracts
 * proven here are the ones its callers' proofs read. */
#if defined(__FRAMAC__) && !defined(PM_ELF_CONTRACTS)
#error "proof-elf proves the contracts of procmgr/elf.h: define PM_ELF_CONTRACTS"
#endif

#endif /* PROCMGR_SRC_ELF_INTERNAL_H */
