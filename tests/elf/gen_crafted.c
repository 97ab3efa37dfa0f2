/*
 * gen_crafted DIR: write one crafted ELF file per PM_E_ELF_* reason code
 * (tests/elf/crafts.c) as DIR/NNN_NAME.elf, mode 0755, and the elfcheck
 * arguments that case needs (possibly empty) as DIR/NNN_NAME.args.
 * Also writes DIR/base_NNN_NAME.elf: the craft's valid base image.  A code
 * no file can produce (API misuse, cli_args NULL) gets no .args file.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "procmgr/status.h"
#include "crafts.h"

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || chmod(path, 0755) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static int emit(const char *dir, const elf_craft *c, int violate)
{
    static elfimg img;
    elf_craft_ctx ctx;
    char path[4096];
    const char *name = pm_status_name(c->code);
    int rc;

    elf_craft_ctx_init(&ctx, violate);
    c->craft(&img, &ctx);
    if (!elfimg_serialize(&img))
        return -1;
    snprintf(path, sizeof path, "%s/%s%03d_%s.elf", dir, violate ? "" : "base_",
             c->code, name);
    rc = write_file(path, img.buf, img.len);
    if (rc == 0 && violate && ctx.cli_args) {
        snprintf(path, sizeof path, "%s/%03d_%s.args", dir, c->code, name);
        rc = write_file(path, ctx.cli_args, strlen(ctx.cli_args));
    }
    elfimg_free(&img);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_crafted DIR\n");
        return 2;
    }
    for (unsigned i = 0; i < elf_ncrafts; i++) {
        if (emit(argv[1], &elf_crafts[i], 0) != 0 ||
            emit(argv[1], &elf_crafts[i], 1) != 0)
            return 1;
    }
    printf("gen_crafted: %u crafted files in %s\n", elf_ncrafts, argv[1]);
    return 0;
}
