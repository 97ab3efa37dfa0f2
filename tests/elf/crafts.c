/* Crafted ELF images, one per reason code.  See crafts.h. */
#include "crafts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B_EXEC ((uint64_t)ELFIMG_EXEC_BASE)

void elf_craft_ctx_init(elf_craft_ctx *ctx, int violate)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->violate = violate;
    pm_elf_policy_default(&ctx->pol);
    ctx->role = PM_ELF_ROLE_PROGRAM;
    ctx->cli_args = "";
}

void elf_craft_shift(elfimg *img, uint64_t delta)
{
    for (unsigned i = 0; i < img->nph; i++) {
        if (img->ph[i].type == ELFIMG_PT_GNU_STACK)
            continue;
        img->ph[i].vaddr += delta;
        img->ph[i].paddr += delta;
    }
    img->entry += delta;
}

/* Index of the nth header of a type; a craft that asks for a missing one is
 * a bug in this file, not a test result. */
static unsigned at(const elfimg *img, uint32_t type, unsigned nth)
{
    int i = elfimg_find(img, type, nth);
    if (i < 0) {
        fprintf(stderr, "crafts: no phdr of type %#x (#%u)\n", type, nth);
        abort();
    }
    return (unsigned)i;
}

static elfimg_phdr *load(elfimg *img, unsigned nth)
{
    return &img->ph[at(img, ELFIMG_PT_LOAD, nth)];
}

static void move_phdr(elfimg *img, unsigned from, unsigned to)
{
    elfimg_phdr p = img->ph[from];
    elfimg_remove(img, from);
    elfimg_insert(img, to, &p);
}

/* --- header and ident ---------------------------------------------------- */
static void c_policy(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (!ctx->violate)
        return;
    ctx->pol.page_size = 3;
    ctx->cli_args = "--policy page=3";
}

static void c_truncated(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->file_size = 63;
}

static void c_magic(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ident[1] = 'X';
}

static void c_class(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ident[4] = 1;          /* ELFCLASS32 */
}

static void c_data(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ident[5] = 2;          /* ELFDATA2MSB */
}

static void c_ident_version(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ident[6] = 0;
}

static void c_osabi(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ident[7] = 9;          /* ELFOSABI_FREEBSD */
}

static void c_version(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->version = 2;
}

static void c_ehsize(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ehsize = 52;
}

static void c_phentsize(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->phentsize = 32;
}

static void c_type(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->type = 1;              /* ET_REL */
}

static void c_machine(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->machine = ELFIMG_EM_AARCH64;
}

static void c_phnum(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->phnum = 0;
}

/* --- program header table ------------------------------------------------ */
static void c_phoff_align(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, ELFIMG_NO_PHDR);
    if (ctx->violate)
        img->phoff = 0x44;
}

static void c_phdr_table_range(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, ELFIMG_NO_PHDR);
    if (ctx->violate)
        img->phoff = img->file_size - ELFIMG_PHDR_SIZE; /* table runs off the end */
}

static void c_header_area(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, ELFIMG_NO_PHDR);
    img->file_size = 0x20000;
    if (ctx->violate)
        img->phoff = PM_ELF_HEADER_AREA + 0x100;      /* in the file, past the area */
}

/* --- PT_LOAD ------------------------------------------------------------- */
static void c_no_load(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, ELFIMG_NO_PHDR);
    if (!ctx->violate)
        return;
    while (elfimg_find(img, ELFIMG_PT_LOAD, 0) >= 0)
        elfimg_remove(img, at(img, ELFIMG_PT_LOAD, 0));
}

/* Base: 16 loads (the default limit); violation: a 17th. */
static void c_load_count(elfimg *img, elf_craft_ctx *ctx)
{
    unsigned extra = ctx->violate ? 14 : 13;

    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    for (unsigned k = 0; k < extra; k++) {
        elfimg_phdr p = { ELFIMG_PT_LOAD, ELFIMG_PF_R, 0,
                          B_EXEC + 0x4000 + k * 0x1000ull,
                          B_EXEC + 0x4000 + k * 0x1000ull,
                          0x1000, 0x1000, 0x1000 };
        elfimg_insert(img, at(img, ELFIMG_PT_LOAD, 2) + 1 + k, &p);
    }
}

static void c_load_order(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)   /* the RX load listed before the R load */
        move_phdr(img, at(img, ELFIMG_PT_LOAD, 1), at(img, ELFIMG_PT_LOAD, 0));
}

/* R [B, B+0x800) and RX [B+0x800, B+0x2000) both claim page B, from the same
 * file page, with different permissions. */
static void c_load_overlap(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    load(img, 0)->filesz = load(img, 0)->memsz = 0x800;
    if (!ctx->violate)
        return;
    load(img, 1)->offset = 0x800;
    load(img, 1)->vaddr = load(img, 1)->paddr = B_EXEC + 0x800;
    load(img, 1)->filesz = load(img, 1)->memsz = 0x1800;
}

static void c_load_filesz(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    img->file_size = 0x4000;
    if (ctx->violate)
        load(img, 2)->filesz = load(img, 2)->memsz + 0x100;
}

static void c_load_file_range(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)   /* 0x2000 + 0x1800 > file size 0x3000 */
        load(img, 2)->filesz = load(img, 2)->memsz;
}

/* The image sits just below the user limit; the violation grows .bss past it. */
static void c_load_vaddr_range(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    elf_craft_shift(img, ctx->pol.user_limit - 0x4000 - B_EXEC);
    if (ctx->violate)
        load(img, 2)->memsz += 0x1000;
}

static void c_load_congruence(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        load(img, 2)->offset = 0x2100;
}

static void c_load_align(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        load(img, 2)->align = 0x1800;
}

static void c_wx(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        load(img, 2)->flags |= ELFIMG_PF_X;
}

static void c_entry(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->entry = B_EXEC + 0x10;     /* in the read-only load */
}

/* --- PT_INTERP ----------------------------------------------------------- */
static void c_interp_count(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    if (ctx->violate) {
        unsigned i = at(img, ELFIMG_PT_INTERP, 0);
        elfimg_phdr p = img->ph[i];
        elfimg_insert(img, i + 1, &p);
    }
}

static void c_interp_order(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    if (ctx->violate)
        move_phdr(img, at(img, ELFIMG_PT_INTERP, 0), at(img, ELFIMG_PT_LOAD, 2));
}

static void c_interp_size(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    if (ctx->violate) {        /* the name "" : one byte, the NUL */
        unsigned i = at(img, ELFIMG_PT_INTERP, 0);
        img->ph[i].filesz = img->ph[i].memsz = 1;
        img->interp[0] = 0;
        img->interp_len = 1;
    }
}

static void c_interp_nul(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    if (ctx->violate)          /* last byte of the name is 'x', not NUL */
        img->interp[img->interp_len - 1] = 'x';
}

static void c_interp_range(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    if (ctx->violate) {        /* the name starts 4 bytes before the end */
        unsigned i = at(img, ELFIMG_PT_INTERP, 0);
        img->ph[i].offset = img->file_size - 4;
        img->interp_off = img->file_size - 4;
    }
}

static void c_interp_nested(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_INTERP);
    if (ctx->violate) {
        ctx->role = PM_ELF_ROLE_INTERP;
        ctx->cli_args = "--interp";
    }
}

static void c_interp_type(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {
        ctx->role = PM_ELF_ROLE_INTERP;
        ctx->cli_args = "--interp";
    }
}

/* --- PT_GNU_STACK, PT_PHDR ------------------------------------------------ */
static void c_stack_count(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {
        unsigned i = at(img, ELFIMG_PT_GNU_STACK, 0);
        elfimg_phdr p = img->ph[i];
        elfimg_insert(img, i + 1, &p);
    }
}

static void c_stack_exec(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        img->ph[at(img, ELFIMG_PT_GNU_STACK, 0)].flags |= ELFIMG_PF_X;
}

static void c_phdr_count(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {        /* two identical, correct PT_PHDRs */
        elfimg_phdr p = img->ph[0];
        elfimg_insert(img, 1, &p);
        img->ph[1] = img->ph[0];
    }
}

static void c_phdr_order(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)
        move_phdr(img, at(img, ELFIMG_PT_PHDR, 0), at(img, ELFIMG_PT_LOAD, 2));
}

static void c_phdr_not_loaded(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {
        unsigned i = at(img, ELFIMG_PT_PHDR, 0);
        img->ph[i].vaddr = img->ph[i].paddr = B_EXEC + 0x5000;
    }
}

static void c_phdr_mismatch(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {        /* describes bytes 8 further than the table */
        unsigned i = at(img, ELFIMG_PT_PHDR, 0);
        img->ph[i].offset += 8;
        img->ph[i].vaddr += 8;
        img->ph[i].paddr += 8;
    }
}

static void c_load_empty(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {        /* a fourth load with p_memsz 0 */
        elfimg_phdr p = { ELFIMG_PT_LOAD, ELFIMG_PF_R, 0x2000, B_EXEC + 0x5000,
                          B_EXEC + 0x5000, 0, 0, 0x1000 };
        elfimg_insert(img, at(img, ELFIMG_PT_LOAD, 2) + 1, &p);
    }
}

/* --- TLS, DYNAMIC, RELRO, span, bias -------------------------------------- */
static void c_tls(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, ELFIMG_TLS);
    if (ctx->violate)
        img->ph[at(img, ELFIMG_PT_TLS, 0)].align = 3;
}

static void c_dynamic(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_DYNAMIC);
    if (ctx->violate)
        img->ph[at(img, ELFIMG_PT_DYNAMIC, 0)].vaddr = 0x5000;
}

static void c_relro(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, ELFIMG_RELRO);
    if (ctx->violate)
        img->ph[at(img, ELFIMG_PT_GNU_RELRO, 0)].vaddr = 0x5000;
}

static void c_span(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate)          /* .bss alone is larger than the span limit */
        load(img, 2)->memsz = ctx->pol.max_span + 0x1000;
}

static void c_bias(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_DYN, 0);
    if (ctx->violate) {
        ctx->apply_bias = 1;
        ctx->bias = 0x7f0000001000ull + 0x10;    /* not page aligned */
        ctx->cli_args = "--bias 0x7f0000001010";
    }
}

/* Not reachable from a file: the caller passes an unknown role. */
static void c_args(elfimg *img, elf_craft_ctx *ctx)
{
    elfimg_init(img, ELFIMG_ET_EXEC, 0);
    if (ctx->violate) {
        ctx->role = (pm_elf_role)2;
        ctx->cli_args = NULL;
    }
}

const elf_craft elf_crafts[] = {
    { PM_E_ELF_POLICY,           "policy page size 3",                   c_policy },
    { PM_E_ELF_TRUNCATED,        "file of 63 bytes",                     c_truncated },
    { PM_E_ELF_MAGIC,            "magic \\177EXF",                       c_magic },
    { PM_E_ELF_CLASS,            "ELFCLASS32",                           c_class },
    { PM_E_ELF_DATA,             "ELFDATA2MSB",                          c_data },
    { PM_E_ELF_IDENT_VERSION,    "EI_VERSION 0",                         c_ident_version },
    { PM_E_ELF_OSABI,            "OSABI FreeBSD",                        c_osabi },
    { PM_E_ELF_VERSION,          "e_version 2",                          c_version },
    { PM_E_ELF_EHSIZE,           "e_ehsize 52",                          c_ehsize },
    { PM_E_ELF_PHENTSIZE,        "e_phentsize 32",                       c_phentsize },
    { PM_E_ELF_TYPE,             "ET_REL",                               c_type },
    { PM_E_ELF_MACHINE,          "EM_AARCH64 under an x86-64 policy",    c_machine },
    { PM_E_ELF_PHNUM,            "e_phnum 0",                            c_phnum },
    { PM_E_ELF_PHOFF_ALIGN,      "e_phoff 0x44",                         c_phoff_align },
    { PM_E_ELF_PHDR_TABLE_RANGE, "table past the end of the file",       c_phdr_table_range },
    { PM_E_ELF_HEADER_AREA,      "table past the 64 KiB header area",    c_header_area },
    { PM_E_ELF_NO_LOAD,          "no PT_LOAD",                           c_no_load },
    { PM_E_ELF_LOAD_COUNT,       "17 PT_LOADs",                          c_load_count },
    { PM_E_ELF_LOAD_ORDER,       "RX load listed before R load",         c_load_order },
    { PM_E_ELF_LOAD_OVERLAP,     "R and RX share a page",                c_load_overlap },
    { PM_E_ELF_LOAD_FILESZ,      "p_filesz > p_memsz",                   c_load_filesz },
    { PM_E_ELF_LOAD_FILE_RANGE,  "load file range past the end",         c_load_file_range },
    { PM_E_ELF_LOAD_VADDR_RANGE, "bss past the user limit",              c_load_vaddr_range },
    { PM_E_ELF_LOAD_CONGRUENCE,  "p_offset 0x2100 for p_vaddr B+0x2000", c_load_congruence },
    { PM_E_ELF_LOAD_ALIGN,       "p_align 0x1800",                       c_load_align },
    { PM_E_ELF_WX,               "RWX data load",                        c_wx },
    { PM_E_ELF_ENTRY,            "entry in the R load",                  c_entry },
    { PM_E_ELF_INTERP_COUNT,     "two PT_INTERP",                        c_interp_count },
    { PM_E_ELF_INTERP_ORDER,     "PT_INTERP after the loads",            c_interp_order },
    { PM_E_ELF_INTERP_SIZE,      "interpreter name of 1 byte",           c_interp_size },
    { PM_E_ELF_INTERP_NUL,       "interpreter name without NUL",         c_interp_nul },
    { PM_E_ELF_INTERP_RANGE,     "interpreter name past the end",        c_interp_range },
    { PM_E_ELF_INTERP_NESTED,    "interpreter with a PT_INTERP",         c_interp_nested },
    { PM_E_ELF_INTERP_TYPE,      "ET_EXEC as interpreter",               c_interp_type },
    { PM_E_ELF_STACK_COUNT,      "two PT_GNU_STACK",                     c_stack_count },
    { PM_E_ELF_STACK_EXEC,       "PT_GNU_STACK RWX",                     c_stack_exec },
    { PM_E_ELF_PHDR_COUNT,       "two PT_PHDR",                          c_phdr_count },
    { PM_E_ELF_PHDR_ORDER,       "PT_PHDR after the loads",              c_phdr_order },
    { PM_E_ELF_PHDR_NOT_LOADED,  "PT_PHDR outside every load",           c_phdr_not_loaded },
    { PM_E_ELF_PHDR_MISMATCH,    "PT_PHDR 8 bytes off the table",        c_phdr_mismatch },
    { PM_E_ELF_TLS,              "PT_TLS align 3",                       c_tls },
    { PM_E_ELF_DYNAMIC,          "PT_DYNAMIC outside every load",        c_dynamic },
    { PM_E_ELF_RELRO,            "PT_GNU_RELRO outside every load",      c_relro },
    { PM_E_ELF_SPAN,             "span over 1 GiB",                      c_span },
    { PM_E_ELF_BIAS,             "bias not page aligned",                c_bias },
    { PM_E_ELF_ARGS,             "unknown role (API misuse)",            c_args },
    { PM_E_ELF_LOAD_EMPTY,       "PT_LOAD with p_memsz 0",               c_load_empty },
};
const unsigned elf_ncrafts = sizeof elf_crafts / sizeof elf_crafts[0];

const elf_craft *elf_craft_find(int code)
{
    for (unsigned i = 0; i < elf_ncrafts; i++) {
        if (elf_crafts[i].code == code)
            return &elf_crafts[i];
    }
    return NULL;
}
