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
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/elf.h"

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
    pm_fuzz_check_elf_plan(plan, buf, buf_len, file_size, pol);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8)
        return 0;
    uint64_t claimed = load_le64(data);
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
