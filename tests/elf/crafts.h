/*
 * Crafted ELF images, one per PM_E_ELF_* reason code (tests only, hosted C).
 *
 * Each craft builds, with elfimg, an image that the default policy accepts
 * (ctx->violate == 0: the "base") and then, when ctx->violate is 1, changes
 * exactly one thing so that exactly one rule is violated.  The unit test
 * (tests/unit/test_elf_rules.c) checks both halves in process; the generator
 * (tests/elf/gen_crafted.c) writes the violating image to a file for the CLI
 * check, with the extra command-line arguments a case needs (cli_args).
 */
#ifndef PROCMGR_TESTS_CRAFTS_H
#define PROCMGR_TESTS_CRAFTS_H

#include <stdint.h>

#include "procmgr/elf.h"
#include "../support/elfimg.h"

typedef struct elf_craft_ctx {
    int           violate;      /* in: 0 = build the valid base, 1 = violate  */
    pm_elf_policy pol;          /* in: default policy; a craft may change it  */
    pm_elf_role   role;         /* in: PROGRAM; a craft may change it         */
    int           apply_bias;   /* out: validate, then apply `bias`           */
    uint64_t      bias;
    const char   *cli_args;     /* out: elfcheck arguments reproducing ctx,
                                   NULL if no file can (API misuse codes)    */
} elf_craft_ctx;

typedef struct elf_craft {
    int         code;           /* the PM_E_ELF_* the violating image gets    */
    const char *what;           /* what the violation is                      */
    void      (*craft)(elfimg *img, elf_craft_ctx *ctx);
} elf_craft;

extern const elf_craft elf_crafts[];
extern const unsigned  elf_ncrafts;

/* The craft for a code, or NULL. */
const elf_craft *elf_craft_find(int code);

/* Reset ctx to the defaults (default policy, program role, no bias). */
void elf_craft_ctx_init(elf_craft_ctx *ctx, int violate);

/* Add delta to every p_vaddr/p_paddr and to e_entry (relocate an image). */
void elf_craft_shift(elfimg *img, uint64_t delta);

#endif /* PROCMGR_TESTS_CRAFTS_H */
