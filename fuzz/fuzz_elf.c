/*
 * Fuzz harness: the ELF validator and the bias function.
 *
 * Input: an 8-byte little-endian claimed file size, then the header-area
 * bytes (what a caller reads from the file).  The file size used is
 * max(claimed, bytes given), so a small input can stand for a large file.
 * Both roles are validated; every accepted plan is re-checked against the
 * well-formedness predicate, then biased (ET_DYN) and re-checked.
 *
 * With libFuzzer, a structure-aware mutator edits ehdr and phdr fields with
 * boundary values so most inputs get past the magic and the header checks.
 *
 * Policy mode: when the claimed size's top byte is 'P' (0x50; such sizes
 * are far above PM_ELF_MAX_FILE, so nothing is lost), the low 56 bits are
 * the file size exactly (even below the bytes given), then come
 *   u8 opts: bit 0 validate with the policy below (else the default),
 *            bit 1 forge: after validation two plan fields (selected by the
 *                  u8s below) are overwritten with the u64s below and the
 *                  bias is applied under the policy below, consistent or
 *                  not (apply_bias takes any plan and policy: it trusts
 *                  neither, see its contract in src/elf/elf_internal.h)
 *            bits 2-3 the role (2 and 3 are not roles: refused as ARGS),
 *            bit 4 apply the bias twice (refused: already biased),
 *            bit 5 also call pm_elf_on_region directly on the first phdr
 *   a policy (u32 machines, u32 flags, u64 page_size, u64 min_vaddr,
 *   u64 user_limit, u64 max_span, u32 max_loads), a u64 bias, two pairs of
 *   u8 field and u64 value (forge), then the header-area bytes.  This reaches the policy check, the argument
 * checks and the refusals of the bias function, which a default-policy
 * caller never exercises.  Every call stays inside the callee's ACSL
 * precondition, so what the harness checks is what the proofs promise.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/elf.h"
#include "../src/elf/elf_internal.h"

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void check_bias(pm_elf_plan *plan, const pm_elf_policy *pol,
                       uint64_t seed, const uint8_t *buf, uint64_t buf_len,
                       uint64_t file_size)
{
    pm_elf_plan before = *plan;
    uint64_t bias = (seed & ~(plan->align - 1)) & (pol->user_limit - 1);
    if (pm_elf_plan_apply_bias(plan, pol, bias) != PM_OK) {
        PM_FUZZ_REQUIRE(memcmp(&before, plan, sizeof before) == 0);
        return;
    }
    PM_FUZZ_REQUIRE(plan->bias == bias);
    PM_FUZZ_REQUIRE(plan->span_start >= pol->min_vaddr);
    pm_fuzz_check_elf_placed(plan, buf, buf_len, file_size, pol);
}

#define POLICY_MODE_TAG 0x50u   /* 'P' in the claimed size's top byte */
#define POLICY_MODE_HDR (8u + 1u + 44u + 8u + 2u * 9u)

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void read_policy(const uint8_t *p, pm_elf_policy *pol)
{
    pol->machines = load_le32(p);
    pol->flags = load_le32(p + 4);
    pol->page_size = load_le64(p + 8);
    pol->min_vaddr = load_le64(p + 16);
    pol->user_limit = load_le64(p + 24);
    pol->max_span = load_le64(p + 32);
    pol->max_loads = load_le32(p + 40);
}

/* A refused bias leaves the plan as it was. */
static int try_bias(pm_elf_plan *plan, const pm_elf_policy *pol, uint64_t bias)
{
    pm_elf_plan before = *plan;
    pm_status st = pm_elf_plan_apply_bias(plan, pol, bias);
    if (st != PM_OK) {
        PM_FUZZ_REQUIRE(st == PM_E_ELF_BIAS);
        PM_FUZZ_REQUIRE(memcmp(&before, plan, sizeof before) == 0);
        return 0;
    }
    PM_FUZZ_REQUIRE(plan->bias == bias);
    PM_FUZZ_REQUIRE(before.bias == 0 && plan->valid == PM_ELF_PLAN_VALID);
    PM_FUZZ_REQUIRE(bias % pol->page_size == 0 && bias % plan->align == 0);
    PM_FUZZ_REQUIRE(plan->type == PM_ET_DYN || bias == 0);
    PM_FUZZ_REQUIRE(plan->span_start >= pol->min_vaddr &&
                    plan->span_end <= pol->user_limit);
    PM_FUZZ_REQUIRE(plan->span_end - plan->span_start ==
                    before.span_end - before.span_start);
    return 1;
}

/* Overwrite one field of a plan: apply_bias must check each one itself. */
static void forge(pm_elf_plan *plan, uint32_t field, uint64_t v)
{
    pm_elf_segment *sg = &plan->seg[(field >> 4) % PM_ELF_MAX_SEGMENTS];
    switch (field % 16u) {
    case 0: plan->valid = (uint32_t)v; break;
    case 1: plan->bias = v; break;
    case 2: plan->nseg = (uint32_t)v; break;
    case 3: plan->align = v; break;
    case 4: plan->type = (uint16_t)v; break;
    case 5: plan->span_start = v; break;
    case 6: plan->span_end = v; break;
    case 7: plan->entry = v; break;
    case 8: plan->phdr_addr = v; break;
    case 9: plan->has_tls = 1; plan->tls_addr = v; break;
    case 10: plan->has_dynamic = 1; plan->dynamic_addr = v; break;
    case 11: plan->has_relro = 1; plan->relro_addr = v; break;
    case 12: sg->map_start = v; break;
    case 13: sg->map_len = v; break;
    case 14: sg->zero_start = v; break;
    default: break;
    }
}

/* An accepted bias on any plan: every address moved by exactly the bias
 * and still at or below the policy's user_limit. */
static void check_forged_bias(const pm_elf_plan *b, const pm_elf_plan *a,
                              const pm_elf_policy *pol, uint64_t bias)
{
    uint64_t lim = pol->user_limit;
    PM_FUZZ_REQUIRE(b->valid == PM_ELF_PLAN_VALID && b->bias == 0 && a->bias == bias);
    PM_FUZZ_REQUIRE(b->nseg >= 1 && b->nseg <= PM_ELF_MAX_SEGMENTS);
    PM_FUZZ_REQUIRE(b->type == PM_ET_DYN || bias == 0);
    PM_FUZZ_REQUIRE(a->span_start == b->span_start + bias && a->span_end == b->span_end + bias);
    PM_FUZZ_REQUIRE(a->span_start >= pol->min_vaddr && a->span_end <= lim && a->entry <= lim);
    PM_FUZZ_REQUIRE(b->span_start <= lim - bias && b->entry <= lim - bias);
    PM_FUZZ_REQUIRE(a->entry == b->entry + bias);
    for (uint32_t i = 0; i < b->nseg; i++) {
        PM_FUZZ_REQUIRE(a->seg[i].map_start == b->seg[i].map_start + bias);
        PM_FUZZ_REQUIRE(b->seg[i].map_start <= lim && b->seg[i].map_len <= lim - b->seg[i].map_start);
        PM_FUZZ_REQUIRE(a->seg[i].map_start + a->seg[i].map_len <= lim);
        PM_FUZZ_REQUIRE(a->seg[i].map_start >= pol->min_vaddr);
    }
}

/* pm_elf_on_region on any phdr type: the three region types are its
 * callers' only use, any other must leave the walk and the plan alone. */
static void check_on_region(const uint8_t *buf, uint64_t buf_len)
{
    pm_elf_phdr ph;
    pm_elf_walk w;
    pm_elf_plan plan;
    if (buf_len < PM_PHDR_SIZE)
        return;
    pm_elf_read_phdr(buf, 0, &ph);
    memset(&w, 0, sizeof w);
    memset(&plan, 0, sizeof plan);
    pm_status st = pm_elf_on_region(&ph, &w, &plan);
    if (ph.type != PM_PT_TLS && ph.type != PM_PT_DYNAMIC && ph.type != PM_PT_GNU_RELRO)
        PM_FUZZ_REQUIRE(st == PM_OK && w.ntls + w.ndynamic + w.nrelro == 0 &&
                        plan.has_tls + plan.has_dynamic + plan.has_relro == 0);
    else
        PM_FUZZ_REQUIRE(st == PM_OK || st == PM_E_ELF_TLS ||
                        st == PM_E_ELF_DYNAMIC || st == PM_E_ELF_RELRO);
}

static void policy_mode(const uint8_t *data, size_t size)
{
    uint64_t file_size = load_le64(data) & 0x00ffffffffffffffull;
    uint32_t opts = data[8];
    pm_elf_policy def, fuzzed;
    pm_elf_policy_default(&def);
    read_policy(data + 9, &fuzzed);
    uint64_t bias = load_le64(data + 9 + 44);
    const uint8_t *fv = data + 9 + 44 + 8;   /* the two (field, value) pairs */
    const uint8_t *buf = data + POLICY_MODE_HDR;
    uint64_t buf_len = size - POLICY_MODE_HDR;
    if (buf_len > PM_ELF_HEADER_AREA)
        buf_len = PM_ELF_HEADER_AREA;
    const pm_elf_policy *pv = (opts & 1u) ? &fuzzed : &def;
    uint32_t r = (opts >> 2) & 3u;
    if (opts & 32u)
        check_on_region(buf, buf_len);
    for (uint32_t role = r == 3u ? 0u : r; role <= (r == 3u ? 1u : r); role++) {
        pm_elf_plan plan;
        memset(&plan, 0xa5, sizeof plan);
        pm_status st = pm_elf_validate(buf, buf_len, file_size, pv, (pm_elf_role)role, &plan);
        if (st != PM_OK) {
            PM_FUZZ_REQUIRE(plan.valid == 0 && st >= 100 && st <= 199);
            PM_FUZZ_REQUIRE(pm_elf_check_policy(pv) == PM_OK || st == PM_E_ELF_POLICY);
            PM_FUZZ_REQUIRE(role <= 1u || st == PM_E_ELF_ARGS || st == PM_E_ELF_POLICY);
            PM_FUZZ_REQUIRE(buf_len <= file_size || st == PM_E_ELF_ARGS ||
                            st == PM_E_ELF_POLICY);
            PM_FUZZ_REQUIRE(try_bias(&plan, pv, bias) == 0);   /* invalid plan */
            continue;
        }
        PM_FUZZ_REQUIRE(role <= 1u && pm_elf_check_policy(pv) == PM_OK);
        pm_fuzz_check_elf_plan(&plan, buf, buf_len, file_size, pv);
        if (opts & 2u) {
            pm_elf_plan before;
            forge(&plan, fv[0], load_le64(fv + 1));
            forge(&plan, fv[9], load_le64(fv + 10));
            before = plan;
            pm_status bst = pm_elf_plan_apply_bias(&plan, &fuzzed, bias);
            if (bst == PM_OK)
                check_forged_bias(&before, &plan, &fuzzed, bias);
            else
                PM_FUZZ_REQUIRE(bst == PM_E_ELF_BIAS &&
                                memcmp(&before, &plan, sizeof plan) == 0);
            continue;
        }
        if (try_bias(&plan, pv, bias))
            pm_fuzz_check_elf_placed(&plan, buf, buf_len, file_size, pv);
        if ((opts & 16u) && plan.bias != 0)
            PM_FUZZ_REQUIRE(try_bias(&plan, pv, bias) == 0);   /* biased once */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t claimed = load_le64(data);
    if ((claimed >> 56) == POLICY_MODE_TAG) {
        if (size >= POLICY_MODE_HDR)
            policy_mode(data, size);
        return 0;
    }
    const uint8_t *buf = data + 8;
    uint64_t buf_len = size - 8;
    if (buf_len > PM_ELF_HEADER_AREA)
        buf_len = PM_ELF_HEADER_AREA;
    uint64_t file_size = claimed > buf_len ? claimed : buf_len;

    pm_elf_policy pol;
    pm_elf_policy_default(&pol);
    for (int role = PM_ELF_ROLE_PROGRAM; role <= PM_ELF_ROLE_INTERP; role++) {
        pm_elf_plan plan;
        memset(&plan, 0xa5, sizeof plan);   /* no reliance on a zeroed plan */
        pm_status st = pm_elf_validate(buf, buf_len, file_size, &pol,
                                       (pm_elf_role)role, &plan);
        if (st != PM_OK) {
            PM_FUZZ_REQUIRE(plan.valid == 0);
            PM_FUZZ_REQUIRE(st >= 100 && st <= 199);
            continue;
        }
        pm_fuzz_check_elf_plan(&plan, buf, buf_len, file_size, &pol);
        check_bias(&plan, &pol, claimed ^ (uint64_t)size * 0x9e3779b97f4a7c15u,
                   buf, buf_len, file_size);
    }
    return 0;
}

#ifdef PM_FUZZ_CUSTOM_MUTATOR
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

/* Offsets (in the header area, i.e. after the 8-byte size) and widths of the
 * ehdr fields the validator checks. */
static const struct { uint16_t off, width; } ehdr_fields[] = {
    {4, 1}, {5, 1}, {6, 1}, {7, 1}, {16, 2}, {18, 2}, {20, 4}, {24, 8},
    {32, 8}, {52, 2}, {54, 2}, {56, 2},
};
/* Offsets and widths inside a 56-byte program header. */
static const struct { uint16_t off, width; } phdr_fields[] = {
    {0, 4}, {4, 4}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}, {48, 8},
};
static const uint64_t boundary[] = {
    0, 1, 2, 3, 6, 7, 0x38, 0x40, 0xfff, 0x1000, 0x1001, 0x10000,
    0x200000, 0x7ffffffff000ull, 0x7ffffffff001ull, 0x800000000000ull,
    0x7fffffffffffffffull, 0x8000000000000000ull, 0xfffffffffffff000ull,
    0xffffffffffffffffull, 0x6474e551, 0x6474e552, 0x6474e550,
};

static void store_le(uint8_t *p, uint64_t v, unsigned width)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed)
{
    uint64_t r = seed * 6364136223846793005ull + 1442695040888963407ull;
    if (size < 8 + 64 || (r >> 60) < 4)
        return LLVMFuzzerMutate(data, size, max_size);
    uint8_t *img = data + 8;
    size_t img_len = size - 8;
    uint64_t v = boundary[(r >> 8) % (sizeof boundary / sizeof boundary[0])];
    if ((r >> 16) & 1)
        v += (r >> 20) & 0xf;                 /* near a boundary */
    if ((r >> 24) % 3 == 0) {
        unsigned k = (unsigned)((r >> 28) % (sizeof ehdr_fields / sizeof ehdr_fields[0]));
        store_le(img + ehdr_fields[k].off, v, ehdr_fields[k].width);
    } else if ((r >> 24) % 3 == 1) {
        uint64_t phoff = 0;
        for (int i = 7; i >= 0; i--) phoff = (phoff << 8) | img[32 + i];
        unsigned phnum = (unsigned)(img[56] | (img[57] << 8));
        if (phnum == 0 || phoff > img_len)
            return LLVMFuzzerMutate(data, size, max_size);
        unsigned idx = (unsigned)((r >> 32) % phnum);
        unsigned k = (unsigned)((r >> 40) % (sizeof phdr_fields / sizeof phdr_fields[0]));
        uint64_t at = phoff + (uint64_t)idx * 56 + phdr_fields[k].off;
        if (at + phdr_fields[k].width > img_len)
            return LLVMFuzzerMutate(data, size, max_size);
        store_le(img + at, v, phdr_fields[k].width);
    } else {
        store_le(data, v, 8);                 /* the claimed file size */
    }
    return size;
}
#endif
