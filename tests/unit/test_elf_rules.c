/*
 * ELF validator rules: one test per PM_E_ELF_* code, generated from the
 * PM_STATUS_ELF X-macro list, so a code added to status.h without a crafted
 * image (tests/elf/crafts.c) fails this suite.  Each rule test checks that
 * the craft's base image is accepted and that the one-change violation gets
 * exactly that code (and an invalid plan).  Acceptance tests check the plan
 * fields of valid ET_EXEC, ET_DYN, interpreter-using and interpreter images.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "../support/elfimg.h"
#include "../elf/crafts.h"

#define B_EXEC ((uint64_t)ELFIMG_EXEC_BASE)

/* Validate an image the way a caller does: the first min(size, area) bytes
 * as the buffer, the whole size as file_size. */
static pm_status run(elfimg *img, const pm_elf_policy *pol, pm_elf_role role,
                     pm_elf_plan *plan)
{
    const uint8_t *b = elfimg_serialize(img);
    uint64_t n = img->len < PM_ELF_HEADER_AREA ? img->len : PM_ELF_HEADER_AREA;

    assert_non_null(b);
    memset(plan, 0xa5, sizeof *plan);
    return pm_elf_validate(b, n, img->len, pol, role, plan);
}

static pm_status run_default(elfimg *img, pm_elf_role role, pm_elf_plan *plan)
{
    pm_elf_policy pol;
    pm_elf_policy_default(&pol);
    return run(img, &pol, role, plan);
}

/* Run a craft; for BIAS, validation must pass and the bias step fails. */
static pm_status run_craft(const elf_craft *c, int violate, pm_elf_plan *plan)
{
    static elfimg img;
    elf_craft_ctx ctx;
    pm_status st;

    elf_craft_ctx_init(&ctx, violate);
    c->craft(&img, &ctx);
    st = run(&img, &ctx.pol, ctx.role, plan);
    if (st == PM_OK && ctx.apply_bias) {
        pm_elf_plan before = *plan;
        st = pm_elf_plan_apply_bias(plan, &ctx.pol, ctx.bias);
        if (st != PM_OK)   /* a refused bias leaves the plan unchanged */
            assert_memory_equal(&before, plan, sizeof before);
    }
    elfimg_free(&img);
    return st;
}

static void test_rule(void **state)
{
    int code = (int)(intptr_t)*state;
    const elf_craft *c = elf_craft_find(code);
    pm_elf_plan plan;
    pm_status st;

    if (!c)
        fail_msg("no crafted image for %d %s", code, pm_status_name(code));
    st = run_craft(c, 0, &plan);
    if (st != PM_OK)
        fail_msg("%s base image rejected: %d %s", pm_status_name(code), st,
                 pm_status_name(st));
    assert_int_equal(plan.valid, PM_ELF_PLAN_VALID);
    st = run_craft(c, 1, &plan);
    if (code == PM_E_ELF_INTERP_ORDER || code == PM_E_ELF_PHDR_ORDER) {
        /* Retired rules (issue 15, spec/elf-policy.md rows 33 and 41): the
         * former violation is accepted now. */
        if (st != PM_OK)
            fail_msg("%s (%s, retired): got %d %s", pm_status_name(code),
                     c->what, st, pm_status_name(st));
        return;
    }
    if ((int)st != code)
        fail_msg("%s (%s): got %d %s", pm_status_name(code), c->what, st,
                 pm_status_name(st));
    if (code != PM_E_ELF_BIAS)
        assert_int_equal(plan.valid, 0);
}

/* Every craft names a code of the ELF block, and at most once. */
#define ELF_CODE_(e, n, name, msg) n,
static const int elf_codes[] = { PM_STATUS_ELF(ELF_CODE_) };
#undef ELF_CODE_

static void test_table_matches_codes(void **state)
{
    (void)state;
    for (unsigned i = 0; i < elf_ncrafts; i++) {
        int found = 0;
        for (unsigned j = 0; j < sizeof elf_codes / sizeof elf_codes[0]; j++)
            found += elf_codes[j] == elf_crafts[i].code;
        assert_int_equal(found, 1);
        for (unsigned k = i + 1; k < elf_ncrafts; k++)
            assert_int_not_equal(elf_crafts[i].code, elf_crafts[k].code);
    }
    assert_int_equal(elf_ncrafts, sizeof elf_codes / sizeof elf_codes[0]);
}

/* --- acceptance ----------------------------------------------------------- */
static void test_policy_default(void **state)
{
    pm_elf_policy pol;
    (void)state;
    memset(&pol, 0xa5, sizeof pol);
    pm_elf_policy_default(&pol);
    assert_int_equal(pol.machines, PM_ELF_MACH_X86_64);
    assert_true(pol.flags & PM_ELF_POLICY_WXORX);
    assert_int_equal(pol.page_size, 4096);
    assert_int_equal(pol.min_vaddr, 0x10000);
    assert_int_equal(pol.user_limit, 0x7ffffffff000ull);
    assert_int_equal(pol.max_span, 1ull << 30);
    assert_int_equal(pol.max_loads, PM_ELF_MAX_SEGMENTS);
}

/* The three loads of the default layout, at base b. */
static void check_default_segments(const pm_elf_plan *p, uint64_t b)
{
    assert_int_equal(p->nseg, 3);
    assert_int_equal(p->seg[0].map_start, b);
    assert_int_equal(p->seg[0].map_len, 0x1000);
    assert_int_equal(p->seg[0].file_off, 0);
    assert_int_equal(p->seg[0].file_len, 0x1000);
    assert_int_equal(p->seg[0].zero_len, 0);
    assert_int_equal(p->seg[0].prot, PM_PROT_R);

    assert_int_equal(p->seg[1].map_start, b + 0x1000);
    assert_int_equal(p->seg[1].map_len, 0x1000);
    assert_int_equal(p->seg[1].file_off, 0x1000);
    assert_int_equal(p->seg[1].file_len, 0x1000);
    assert_int_equal(p->seg[1].zero_len, 0);
    assert_int_equal(p->seg[1].prot, PM_PROT_R | PM_PROT_X);

    /* RW: 0x800 file bytes, 0x1800 memory: one file page whose upper half
     * is cleared, then one anonymous page. */
    assert_int_equal(p->seg[2].map_start, b + 0x2000);
    assert_int_equal(p->seg[2].map_len, 0x2000);
    assert_int_equal(p->seg[2].file_off, 0x2000);
    assert_int_equal(p->seg[2].file_len, 0x1000);
    assert_int_equal(p->seg[2].zero_start, b + 0x2800);
    assert_int_equal(p->seg[2].zero_len, 0x800);
    assert_int_equal(p->seg[2].prot, PM_PROT_R | PM_PROT_W);

    assert_int_equal(p->span_start, b);
    assert_int_equal(p->span_end, b + 0x4000);
    assert_int_equal(p->align, 0x1000);
    assert_int_equal(p->bias, 0);
    assert_int_equal(p->entry, b + 0x1000);
    assert_int_equal(p->stack_prot, PM_PROT_R | PM_PROT_W);
}

static void test_accept_exec(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_EXEC, ELFIMG_TLS);
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    assert_int_equal(p.valid, PM_ELF_PLAN_VALID);
    assert_int_equal(p.type, ELFIMG_ET_EXEC);
    assert_int_equal(p.machine, ELFIMG_EM_X86_64);
    assert_int_equal(p.role, PM_ELF_ROLE_PROGRAM);
    check_default_segments(&p, B_EXEC);
    assert_int_equal(p.phdr_addr, B_EXEC + 0x40);
    assert_int_equal(p.phnum, img.nph);
    assert_int_equal(p.phentsize, 56);
    assert_int_equal(p.has_interp, 0);
    assert_int_equal(p.has_dynamic, 0);
    assert_int_equal(p.has_relro, 0);
    assert_int_equal(p.has_tls, 1);
    assert_int_equal(p.tls_addr, B_EXEC + 0x2100);
    assert_int_equal(p.tls_filesz, 0x10);
    assert_int_equal(p.tls_memsz, 0x20);
    assert_int_equal(p.tls_align, 8);
    /* ET_EXEC takes only bias 0. */
    {
        pm_elf_policy pol;
        pm_elf_plan before = p;
        pm_elf_policy_default(&pol);
        assert_int_equal(pm_elf_plan_apply_bias(&p, &pol, 0x10000), PM_E_ELF_BIAS);
        assert_memory_equal(&before, &p, sizeof p);
    }
    elfimg_free(&img);
}

static void test_accept_dyn_interp(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    pm_elf_policy pol;
    (void)state;
    pm_elf_policy_default(&pol);
    elfimg_init(&img, ELFIMG_ET_DYN,
                ELFIMG_INTERP | ELFIMG_DYNAMIC | ELFIMG_RELRO);
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    assert_int_equal(p.type, ELFIMG_ET_DYN);
    check_default_segments(&p, 0);
    assert_int_equal(p.phdr_addr, 0x40);
    assert_int_equal(p.has_interp, 1);
    assert_int_equal(p.interp_off, 0x800);
    assert_int_equal(p.interp_len, sizeof ELFIMG_DEFAULT_INTERP);
    assert_memory_equal(img.buf + p.interp_off, ELFIMG_DEFAULT_INTERP,
                        sizeof ELFIMG_DEFAULT_INTERP);
    assert_int_equal(p.has_dynamic, 1);
    assert_int_equal(p.dynamic_addr, 0x2000);
    assert_int_equal(p.dynamic_size, 0x100);
    assert_int_equal(p.has_relro, 1);
    assert_int_equal(p.relro_addr, 0x2000);
    assert_int_equal(p.relro_size, 0x1000);
    assert_int_equal(p.has_tls, 0);

    /* A page-aligned bias moves every address by exactly the bias. */
    pm_elf_plan q = p;
    uint64_t bias = 0x555555554000ull;
    assert_int_equal(pm_elf_plan_apply_bias(&q, &pol, bias), PM_OK);
    assert_int_equal(q.bias, bias);
    assert_int_equal(q.entry, p.entry + bias);
    assert_int_equal(q.span_start, bias);
    assert_int_equal(q.span_end, p.span_end + bias);
    assert_int_equal(q.phdr_addr, 0x40 + bias);
    for (unsigned i = 0; i < q.nseg; i++) {
        assert_int_equal(q.seg[i].map_start, p.seg[i].map_start + bias);
        assert_int_equal(q.seg[i].file_off, p.seg[i].file_off);
    }
    /* A bias that pushes the span past the user limit is refused. */
    q = p;
    assert_int_equal(pm_elf_plan_apply_bias(&q, &pol, pol.user_limit - 0x1000),
                     PM_E_ELF_BIAS);
    assert_memory_equal(&q, &p, sizeof p);
    /* So is one below min_vaddr (bias 0 for an image linked at 0). */
    assert_int_equal(pm_elf_plan_apply_bias(&q, &pol, 0), PM_E_ELF_BIAS);
    elfimg_free(&img);
}

static void test_accept_static_pie(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_DYNAMIC);
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    assert_int_equal(p.has_interp, 0);
    check_default_segments(&p, 0);
    elfimg_free(&img);
}

static void test_accept_interp_role(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_DYNAMIC | ELFIMG_RELRO);
    assert_int_equal(run_default(&img, PM_ELF_ROLE_INTERP, &p), PM_OK);
    assert_int_equal(p.role, PM_ELF_ROLE_INTERP);
    assert_int_equal(p.type, ELFIMG_ET_DYN);
    assert_int_equal(p.has_interp, 0);
    check_default_segments(&p, 0);
    elfimg_free(&img);
}

/* No PT_PHDR: the table is still mapped (inside the R load), at B + e_phoff. */
static void test_accept_no_phdr_no_stack(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_EXEC, ELFIMG_NO_PHDR | ELFIMG_NO_STACK);
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    assert_int_equal(p.stack_prot, PM_PROT_R | PM_PROT_W);
    assert_int_equal(p.phnum, img.nph);
    elfimg_free(&img);
}

/* --- policy knobs and further variants of some rules ----------------------- */
static void test_policy_knobs(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    pm_elf_policy pol;
    (void)state;

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    img.machine = ELFIMG_EM_AARCH64;
    pm_elf_policy_default(&pol);
    pol.machines |= PM_ELF_MACH_AARCH64;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    assert_int_equal(p.machine, ELFIMG_EM_AARCH64);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 2)].flags |= ELFIMG_PF_X;
    pm_elf_policy_default(&pol);
    pol.flags &= ~PM_ELF_POLICY_WXORX;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    assert_int_equal(p.seg[2].prot, PM_PROT_R | PM_PROT_W | PM_PROT_X);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    pm_elf_policy_default(&pol);
    pol.max_loads = 2;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_LOAD_COUNT);
    pol.max_loads = 3;
    pol.max_span = 0x3000;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_SPAN);
    pol.max_span = 0x4000;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_OK);

    pm_elf_policy_default(&pol);
    pol.machines = 0;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_POLICY);
    pm_elf_policy_default(&pol);
    pol.max_loads = PM_ELF_MAX_SEGMENTS + 1;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_POLICY);
    pm_elf_policy_default(&pol);
    pol.page_size = 2048;
    assert_int_equal(run(&img, &pol, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_POLICY);
    assert_int_equal(p.valid, 0);
    elfimg_free(&img);
}

static void expect(elfimg *img, pm_status want)
{
    pm_elf_plan p;
    assert_int_equal(run_default(img, PM_ELF_ROLE_PROGRAM, &p), want);
    if (want != PM_OK)
        assert_int_equal(p.valid, 0);
}

static void test_variants(void **state)
{
    static elfimg img;
    elfimg_phdr *rw;
    (void)state;

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    img.phnum = 0xffff;                               /* PN_XNUM */
    expect(&img, PM_E_ELF_PHNUM);
    img.phnum = PM_ELF_MAX_PHNUM + 1;
    expect(&img, PM_E_ELF_PHNUM);

    elfimg_init(&img, ELFIMG_ET_EXEC, ELFIMG_NO_PHDR);
    img.phoff = UINT64_MAX - 7;                       /* offset + size wraps */
    expect(&img, PM_E_ELF_PHDR_TABLE_RANGE);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);              /* buffer longer than file */
    {
        pm_elf_policy pol;
        pm_elf_plan p;
        const uint8_t *b = elfimg_serialize(&img);
        assert_non_null(b);
        pm_elf_policy_default(&pol);
        assert_int_equal(pm_elf_validate(b, img.len, img.len - 1, &pol,
                                         PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_ARGS);
        assert_int_equal(p.valid, 0);
    }
    img.file_size = 0x3f;                             /* one short of a header */
    expect(&img, PM_E_ELF_TRUNCATED);
    img.file_size = 0;
    expect(&img, PM_E_ELF_TRUNCATED);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    rw = &img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 2)];
    rw->memsz = UINT64_MAX - rw->vaddr + 2;           /* vaddr + memsz wraps */
    expect(&img, PM_E_ELF_LOAD_VADDR_RANGE);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    elf_craft_shift(&img, (uint64_t)0x1000 - ELFIMG_EXEC_BASE);  /* below min_vaddr */
    expect(&img, PM_E_ELF_LOAD_VADDR_RANGE);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    rw = &img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 2)];
    rw->offset = UINT64_MAX - 0xfff;                  /* offset + filesz wraps */
    expect(&img, PM_E_ELF_LOAD_FILE_RANGE);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    img.entry = ELFIMG_EXEC_BASE + 0x2000;            /* entry in RW */
    expect(&img, PM_E_ELF_ENTRY);
    img.entry = ELFIMG_EXEC_BASE + 0x2000 - 1;        /* last byte of RX: ok */
    expect(&img, PM_OK);
    img.entry = 0;
    expect(&img, PM_E_ELF_ENTRY);

    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 2)].align = 0;   /* 0 and 1 are fine */
    img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 1)].align = 1;
    expect(&img, PM_OK);

    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_INTERP);   /* embedded NUL */
    img.interp[3] = 0;
    expect(&img, PM_E_ELF_INTERP_NUL);

    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_INTERP);   /* 4097 bytes */
    {
        unsigned i = (unsigned)elfimg_find(&img, ELFIMG_PT_INTERP, 0);
        memset(img.interp, 'a', PM_ELF_INTERP_MAX);
        img.interp[PM_ELF_INTERP_MAX] = 0;
        img.interp_len = PM_ELF_INTERP_MAX + 1;
        img.ph[i].filesz = img.ph[i].memsz = PM_ELF_INTERP_MAX + 1;
        img.file_size = 0x3000;
    }
    expect(&img, PM_E_ELF_INTERP_SIZE);

    elfimg_init(&img, ELFIMG_ET_EXEC, ELFIMG_TLS);
    img.ph[elfimg_find(&img, ELFIMG_PT_TLS, 0)].filesz = 0x40;  /* > memsz */
    expect(&img, PM_E_ELF_TLS);

    /* Two loads sharing a page from different file pages (same prot). */
    elfimg_init(&img, ELFIMG_ET_EXEC, 0);
    {
        elfimg_phdr *r = &img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 0)];
        elfimg_phdr *x = &img.ph[elfimg_find(&img, ELFIMG_PT_LOAD, 1)];
        r->filesz = r->memsz = 0x800;
        x->flags = ELFIMG_PF_R | ELFIMG_PF_X;
        r->flags = ELFIMG_PF_R | ELFIMG_PF_X;
        x->offset = 0x1800;
        x->vaddr = x->paddr = ELFIMG_EXEC_BASE + 0x800;
        x->filesz = x->memsz = 0x1000;
    }
    expect(&img, PM_E_ELF_LOAD_OVERLAP);
    elfimg_free(&img);
}

/* Every buffer length from 0 to the full file: never a crash, and a prefix
 * that is a full file of that size is judged without reading past it. */
static void test_every_prefix(void **state)
{
    static elfimg img;
    pm_elf_policy pol;
    pm_elf_plan p;
    (void)state;
    pm_elf_policy_default(&pol);
    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_INTERP | ELFIMG_TLS |
                ELFIMG_DYNAMIC | ELFIMG_RELRO);
    const uint8_t *b = elfimg_serialize(&img);
    assert_non_null(b);
    for (uint64_t n = 0; n <= img.len; n++) {
        pm_status st = pm_elf_validate(b, n, n, &pol, PM_ELF_ROLE_PROGRAM, &p);
        assert_true(st == PM_OK || (st >= 100 && st < 200));
        assert_int_equal(p.valid == PM_ELF_PLAN_VALID, st == PM_OK);
        if (n < 64)
            assert_int_equal(st, PM_E_ELF_TRUNCATED);
    }
    elfimg_free(&img);
}

/* --- issue 15: what real toolchains produce ------------------------------- */
/* lld: PT_GNU_RELRO ends at the page boundary past its PT_LOAD's p_memsz. */
static void test_relro_page_rounded(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_RELRO);
    img.ph[elfimg_find(&img, ELFIMG_PT_GNU_RELRO, 0)].memsz = 0x2000; /* load memsz 0x1800 */
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    /* one page further is past the segment's mapped pages: refused */
    img.ph[elfimg_find(&img, ELFIMG_PT_GNU_RELRO, 0)].memsz = 0x2001;
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_RELRO);
    elfimg_free(&img);
}

/* Go+cgo via lld: PT_TLS with p_filesz 0 outside every PT_LOAD's bytes. */
static void test_tls_bss_only(void **state)
{
    static elfimg img;
    pm_elf_plan p;
    int i;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_EXEC, ELFIMG_TLS);
    i = elfimg_find(&img, ELFIMG_PT_TLS, 0);
    img.ph[i].filesz = 0;
    img.ph[i].vaddr = B_EXEC + 0x3c00;     /* past the RW load's 0x3800, inside the span */
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_OK);
    img.ph[i].vaddr = B_EXEC + 0x100000;   /* outside the span: refused */
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_TLS);
    img.ph[i].vaddr = B_EXEC + 0x3c00;     /* with file bytes outside a load: refused */
    img.ph[i].filesz = 4;
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_TLS);
    elfimg_free(&img);
}

/* PT_INTERP's name past the header area: the refusal names the bytes, the
 * second validation with them as a window accepts, and never asks again. */
static void test_interp_past_header_area(void **state)
{
    static elfimg img;
    static uint8_t b2[PM_ELF_READ_MAX];
    pm_elf_plan p;
    const uint8_t *b;
    uint64_t off = 0x11000, len;
    int i;
    (void)state;
    elfimg_init(&img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    img.file_size = 0x12000;
    img.interp_off = off;
    len = img.interp_len;
    i = elfimg_find(&img, ELFIMG_PT_INTERP, 0);
    img.ph[i].offset = off;
    assert_int_equal(run_default(&img, PM_ELF_ROLE_PROGRAM, &p), PM_E_ELF_HEADER_AREA);
    assert_int_equal(p.need_off, off);
    assert_int_equal(p.need_len, len);
    b = elfimg_serialize(&img);
    memcpy(b2, b, PM_ELF_HEADER_AREA);
    memcpy(b2 + PM_ELF_HEADER_AREA, b + off, (size_t)len);
    {
        pm_elf_policy pol;
        pm_elf_policy_default(&pol);
        assert_int_equal(pm_elf_validate_ext(b2, PM_ELF_HEADER_AREA,
                                             PM_ELF_HEADER_AREA + len, off,
                                             img.len, &pol, PM_ELF_ROLE_PROGRAM, &p),
                         PM_OK);
        assert_int_equal(p.interp_off, PM_ELF_HEADER_AREA);
        assert_memory_equal(b2 + p.interp_off, ELFIMG_DEFAULT_INTERP, (size_t)len);
        /* a window elsewhere: refused, and no further read asked */
        assert_int_equal(pm_elf_validate_ext(b2, PM_ELF_HEADER_AREA,
                                             PM_ELF_HEADER_AREA + len, off + 1,
                                             img.len, &pol, PM_ELF_ROLE_PROGRAM, &p),
                         PM_E_ELF_HEADER_AREA);
        assert_int_equal(p.need_len, 0);
        /* a window longer than PM_ELF_INTERP_MAX: API misuse */
        assert_int_equal(pm_elf_validate_ext(b2, 0x1000, 0x1000 + PM_ELF_INTERP_MAX + 1,
                                             0, img.len, &pol, PM_ELF_ROLE_PROGRAM, &p),
                         PM_E_ELF_ARGS);
    }
    elfimg_free(&img);
}

#define RULE_TEST_(e, n, name, msg) \
    { "rule_" name, test_rule, NULL, NULL, (void *)(intptr_t)(n) },

int main(void)
{
    static const struct CMUnitTest tests[] = {
        PM_STATUS_ELF(RULE_TEST_)
        cmocka_unit_test(test_table_matches_codes),
        cmocka_unit_test(test_policy_default),
        cmocka_unit_test(test_accept_exec),
        cmocka_unit_test(test_accept_dyn_interp),
        cmocka_unit_test(test_accept_static_pie),
        cmocka_unit_test(test_accept_interp_role),
        cmocka_unit_test(test_accept_no_phdr_no_stack),
        cmocka_unit_test(test_policy_knobs),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_relro_page_rounded),
        cmocka_unit_test(test_tls_bss_only),
        cmocka_unit_test(test_interp_past_header_area),
    };
    return cmocka_run_group_tests_name("elf_rules", tests, NULL, NULL);
}
