/* pm_elf_plan_apply_bias: edge cases on plans obtained from
 * pm_elf_validate over small images built here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/elf.h"

#define IMG_SIZE 0x3000u

static void put16(uint8_t *b, size_t off, uint16_t v)
{
    b[off] = (uint8_t)v;
    b[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++) b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *b, size_t off, uint64_t v)
{
    for (int i = 0; i < 8; i++) b[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put_phdr(uint8_t *b, unsigned idx, uint32_t type, uint32_t flags,
                     uint64_t off, uint64_t vaddr, uint64_t filesz,
                     uint64_t memsz, uint64_t align)
{
    size_t p = 64u + 56u * idx;
    put32(b, p, type);
    put32(b, p + 4, flags);
    put64(b, p + 8, off);
    put64(b, p + 16, vaddr);
    put64(b, p + 24, vaddr);
    put64(b, p + 32, filesz);
    put64(b, p + 40, memsz);
    put64(b, p + 48, align);
}

/* A minimal image: PT_PHDR, a R+X load of the first page (headers and
 * code), a RW load with bss, PT_DYNAMIC inside it, PT_GNU_STACK RW.
 * base is the link address of the first page (0 for ET_DYN). */
static void build_image(uint8_t *img, uint16_t type, uint64_t base,
                        uint64_t p_align)
{
    memset(img, 0, IMG_SIZE);
    memcpy(img, "\177ELF", 4);
    img[4] = 2; img[5] = 1; img[6] = 1; img[7] = 0;
    put16(img, 16, type);
    put16(img, 18, 62);
    put32(img, 20, 1);
    put64(img, 24, base + 0x800);      /* entry in the text page */
    put64(img, 32, 64);                /* e_phoff */
    put16(img, 52, 64);
    put16(img, 54, 56);
    put16(img, 56, 5);
    put_phdr(img, 0, 6, 4, 64, base + 64, 5 * 56, 5 * 56, 8);
    put_phdr(img, 1, 1, 5, 0, base, 0x1000, 0x1000, p_align);
    put_phdr(img, 2, 1, 6, 0x1000, base + 0x1000, 0x100, 0x2100, p_align);
    put_phdr(img, 3, 2, 6, 0x1010, base + 0x1010, 0x40, 0x40, 8);
    put_phdr(img, 4, 0x6474e551u, 6, 0, 0, 0, 0, 16);
}

static uint8_t img[IMG_SIZE];

static void validate_ok(uint16_t type, uint64_t base, uint64_t p_align,
                        pm_elf_policy *pol, pm_elf_plan *plan)
{
    pm_elf_policy_default(pol);
    build_image(img, type, base, p_align);
    assert_int_equal(pm_elf_validate(img, IMG_SIZE, IMG_SIZE, pol,
                                     PM_ELF_ROLE_PROGRAM, plan), PM_OK);
    assert_int_equal(plan->valid, PM_ELF_PLAN_VALID);
    assert_int_equal(plan->nseg, 2);
}

static void test_dyn_success(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan;
    validate_ok(3, 0, 0x1000, &pol, &plan);
    assert_int_equal(plan.align, 0x1000);
    assert_int_equal(plan.span_start, 0);
    assert_int_equal(plan.span_end, 0x4000);
    assert_int_equal(plan.phdr_addr, 64);
    const uint64_t bias = 0x555555554000ull;
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, bias), PM_OK);
    assert_int_equal(plan.bias, bias);
    assert_int_equal(plan.entry, bias + 0x800);
    assert_int_equal(plan.phdr_addr, bias + 64);
    assert_int_equal(plan.seg[0].map_start, bias);
    assert_int_equal(plan.seg[1].map_start, bias + 0x1000);
    assert_int_equal(plan.seg[1].zero_start, bias + 0x1100);
    assert_int_equal(plan.seg[1].zero_len, 0xf00);
    assert_int_equal(plan.seg[1].file_off, 0x1000);   /* file side unchanged */
    assert_int_equal(plan.span_start, bias);
    assert_int_equal(plan.span_end, bias + 0x4000);
    assert_int_equal(plan.dynamic_addr, bias + 0x1010);
    /* A plan takes one bias only. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x1000), PM_E_ELF_BIAS);
    assert_int_equal(plan.bias, bias);
}

static void test_misaligned(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan, before;
    validate_ok(3, 0, 0x200000, &pol, &plan);
    assert_int_equal(plan.align, 0x200000);
    before = plan;
    /* Page-aligned but not a multiple of the 2 MiB segment alignment. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x555555554000ull),
                     PM_E_ELF_BIAS);
    assert_memory_equal(&plan, &before, sizeof plan);
    /* Not even page-aligned. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x10001), PM_E_ELF_BIAS);
    assert_memory_equal(&plan, &before, sizeof plan);
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x555555400000ull), PM_OK);
}

static void test_overflow_and_limit(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan, before;
    validate_ok(3, 0, 0x1000, &pol, &plan);
    before = plan;
    /* Wraps around 2^64. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0xfffffffffffff000ull),
                     PM_E_ELF_BIAS);
    assert_memory_equal(&plan, &before, sizeof plan);
    /* Span end one page past the user limit. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol,
                                            pol.user_limit - 0x3000), PM_E_ELF_BIAS);
    assert_memory_equal(&plan, &before, sizeof plan);
    /* Span end exactly at the user limit: accepted. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol,
                                            pol.user_limit - 0x4000), PM_OK);
    assert_int_equal(plan.span_end, pol.user_limit);
}

static void test_below_min_vaddr(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan, before;
    validate_ok(3, 0, 0x1000, &pol, &plan);
    before = plan;
    /* Bias 0 would map page 0; 0x1000 is still below mmap_min_addr. */
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0), PM_E_ELF_BIAS);
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x1000), PM_E_ELF_BIAS);
    assert_memory_equal(&plan, &before, sizeof plan);
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, pol.min_vaddr), PM_OK);
    assert_int_equal(plan.span_start, pol.min_vaddr);
}

static void test_exec_bias(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan, before;
    validate_ok(2, 0x400000, 0x1000, &pol, &plan);
    before = plan;
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x1000), PM_E_ELF_BIAS);
    assert_memory_equal(&plan, &before, sizeof plan);
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0), PM_OK);
    assert_int_equal(plan.entry, 0x400800);
    assert_int_equal(plan.seg[0].map_start, 0x400000);
}

static void test_invalid_plan(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan;
    pm_elf_policy_default(&pol);
    build_image(img, 3, 0, 0x1000);
    img[0] = 0;   /* bad magic */
    assert_int_equal(pm_elf_validate(img, IMG_SIZE, IMG_SIZE, &pol,
                                     PM_ELF_ROLE_PROGRAM, &plan), PM_E_ELF_MAGIC);
    assert_int_equal(plan.valid, 0);
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, 0x10000), PM_E_ELF_BIAS);
    assert_int_equal(plan.valid, 0);
}

/* A power-of-two p_align above the policy's max_span would leave a plan no
 * bias can place: it is refused at validation (ELF_LOAD_ALIGN). */
static void test_huge_align(void **state)
{
    (void)state;
    pm_elf_policy pol;
    pm_elf_plan plan;
    static const uint64_t huge[] = { 1ull << 47, 1ull << 63, 1ull << 31 };
    pm_elf_policy_default(&pol);
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        build_image(img, 3, 0, huge[i]);
        assert_int_equal(pm_elf_validate(img, IMG_SIZE, IMG_SIZE, &pol,
                                         PM_ELF_ROLE_PROGRAM, &plan),
                         PM_E_ELF_LOAD_ALIGN);
        assert_int_equal(plan.valid, 0);
    }
    /* Exactly max_span (1 GiB) is still accepted and placeable. */
    validate_ok(3, 0, pol.max_span, &pol, &plan);
    assert_int_equal(plan.align, pol.max_span);
    assert_int_equal(pm_elf_plan_apply_bias(&plan, &pol, pol.max_span), PM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dyn_success),
        cmocka_unit_test(test_misaligned),
        cmocka_unit_test(test_huge_align),
        cmocka_unit_test(test_overflow_and_limit),
        cmocka_unit_test(test_below_min_vaddr),
        cmocka_unit_test(test_exec_bias),
        cmocka_unit_test(test_invalid_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
