/* elfimg: in-memory ELF64 image builder for tests.  See elfimg.h. */
#include "elfimg.h"

#include <stdlib.h>
#include <string.h>

const elfimg_field elfimg_ehdr_fields[] = {
    { "ei_mag0", 0, 1 }, { "ei_mag3", 3, 1 }, { "ei_class", 4, 1 },
    { "ei_data", 5, 1 }, { "ei_version", 6, 1 }, { "ei_osabi", 7, 1 },
    { "ei_abiversion", 8, 1 }, { "e_type", 16, 2 }, { "e_machine", 18, 2 },
    { "e_version", 20, 4 }, { "e_entry", 24, 8 }, { "e_phoff", 32, 8 },
    { "e_shoff", 40, 8 }, { "e_flags", 48, 4 }, { "e_ehsize", 52, 2 },
    { "e_phentsize", 54, 2 }, { "e_phnum", 56, 2 }, { "e_shentsize", 58, 2 },
    { "e_shnum", 60, 2 }, { "e_shstrndx", 62, 2 },
};
const unsigned elfimg_ehdr_nfields =
    sizeof elfimg_ehdr_fields / sizeof elfimg_ehdr_fields[0];

const elfimg_field elfimg_phdr_fields[] = {
    { "p_type", 0, 4 }, { "p_flags", 4, 4 }, { "p_offset", 8, 8 },
    { "p_vaddr", 16, 8 }, { "p_paddr", 24, 8 }, { "p_filesz", 32, 8 },
    { "p_memsz", 40, 8 }, { "p_align", 48, 8 },
};
const unsigned elfimg_phdr_nfields =
    sizeof elfimg_phdr_fields / sizeof elfimg_phdr_fields[0];

void elfimg_put(uint8_t *buf, size_t len, uint64_t off, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++) {
        if (off + i < len && off + i >= off)
            buf[off + i] = (uint8_t)(v >> (8 * i));
    }
}

uint64_t elfimg_get(const uint8_t *buf, size_t len, uint64_t off, unsigned width)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        if (off + i < len && off + i >= off)
            v |= (uint64_t)buf[off + i] << (8 * i);
    }
    return v;
}

static elfimg_phdr mk_phdr(uint32_t type, uint32_t flags, uint64_t off,
                           uint64_t vaddr, uint64_t filesz, uint64_t memsz,
                           uint64_t align)
{
    elfimg_phdr p = { type, flags, off, vaddr, vaddr, filesz, memsz, align };
    return p;
}

static void push(elfimg *img, elfimg_phdr p)
{
    if (img->nph < ELFIMG_MAX_PH)
        img->ph[img->nph++] = p;
}

void elfimg_init(elfimg *img, uint16_t type, unsigned opts)
{
    uint64_t b = type == ELFIMG_ET_EXEC ? ELFIMG_EXEC_BASE : 0;
    uint8_t *keep = img->buf;       /* reused by the next serialize */

    memset(img, 0, sizeof *img);
    img->buf = keep;
    memcpy(img->ident, "\177ELF", 4);
    img->ident[4] = 2;  /* ELFCLASS64 */
    img->ident[5] = 1;  /* ELFDATA2LSB */
    img->ident[6] = 1;  /* EV_CURRENT */
    img->type = type;
    img->machine = ELFIMG_EM_X86_64;
    img->version = 1;
    img->entry = b + 0x1000;
    img->phoff = ELFIMG_EHDR_SIZE;
    img->ehsize = ELFIMG_EHDR_SIZE;
    img->phentsize = ELFIMG_PHDR_SIZE;
    img->shentsize = 64;

    if (!(opts & ELFIMG_NO_PHDR))
        push(img, mk_phdr(ELFIMG_PT_PHDR, ELFIMG_PF_R, 0x40, b + 0x40, 0, 0, 8));
    if (opts & ELFIMG_INTERP) {
        size_t n = strlen(ELFIMG_DEFAULT_INTERP) + 1;
        memcpy(img->interp, ELFIMG_DEFAULT_INTERP, n);
        img->interp_off = 0x800;
        img->interp_len = n;
        push(img, mk_phdr(ELFIMG_PT_INTERP, ELFIMG_PF_R, 0x800, b + 0x800, n, n, 1));
    }
    push(img, mk_phdr(ELFIMG_PT_LOAD, ELFIMG_PF_R, 0, b, 0x1000, 0x1000, 0x1000));
    push(img, mk_phdr(ELFIMG_PT_LOAD, ELFIMG_PF_R | ELFIMG_PF_X, 0x1000,
                      b + 0x1000, 0x1000, 0x1000, 0x1000));
    push(img, mk_phdr(ELFIMG_PT_LOAD, ELFIMG_PF_R | ELFIMG_PF_W, 0x2000,
                      b + 0x2000, 0x800, 0x1800, 0x1000));
    if (opts & ELFIMG_DYNAMIC)
        push(img, mk_phdr(ELFIMG_PT_DYNAMIC, ELFIMG_PF_R | ELFIMG_PF_W, 0x2000,
                          b + 0x2000, 0x100, 0x100, 8));
    if (opts & ELFIMG_TLS)
        push(img, mk_phdr(ELFIMG_PT_TLS, ELFIMG_PF_R, 0x2100, b + 0x2100,
                          0x10, 0x20, 8));
    if (!(opts & ELFIMG_NO_STACK))
        push(img, mk_phdr(ELFIMG_PT_GNU_STACK, ELFIMG_PF_R | ELFIMG_PF_W,
                          0, 0, 0, 0, 16));
    if (opts & ELFIMG_RELRO)
        push(img, mk_phdr(ELFIMG_PT_GNU_RELRO, ELFIMG_PF_R, 0x2000, b + 0x2000,
                          0x1000, 0x1000, 1));
    img->file_size = 0x3000;
    elfimg_sync_table(img);
}

void elfimg_sync_table(elfimg *img)
{
    int i = elfimg_find(img, ELFIMG_PT_PHDR, 0);

    img->phnum = (uint16_t)img->nph;
    if (i >= 0) {
        img->ph[i].filesz = (uint64_t)img->nph * ELFIMG_PHDR_SIZE;
        img->ph[i].memsz = img->ph[i].filesz;
    }
}

int elfimg_find(const elfimg *img, uint32_t p_type, unsigned nth)
{
    for (unsigned i = 0; i < img->nph; i++) {
        if (img->ph[i].type == p_type) {
            if (nth == 0)
                return (int)i;
            nth--;
        }
    }
    return -1;
}

int elfimg_insert(elfimg *img, unsigned at, const elfimg_phdr *ph)
{
    if (img->nph >= ELFIMG_MAX_PH || at > img->nph)
        return -1;
    memmove(&img->ph[at + 1], &img->ph[at],
            (img->nph - at) * sizeof img->ph[0]);
    img->ph[at] = *ph;
    img->nph++;
    elfimg_sync_table(img);
    return 0;
}

int elfimg_remove(elfimg *img, unsigned at)
{
    if (at >= img->nph)
        return -1;
    memmove(&img->ph[at], &img->ph[at + 1],
            (img->nph - at - 1) * sizeof img->ph[0]);
    img->nph--;
    elfimg_sync_table(img);
    return 0;
}

static void write_ehdr(const elfimg *img, uint8_t *b, size_t n)
{
    for (unsigned i = 0; i < 16; i++)
        elfimg_put(b, n, i, 1, img->ident[i]);
    elfimg_put(b, n, 16, 2, img->type);
    elfimg_put(b, n, 18, 2, img->machine);
    elfimg_put(b, n, 20, 4, img->version);
    elfimg_put(b, n, 24, 8, img->entry);
    elfimg_put(b, n, 32, 8, img->phoff);
    elfimg_put(b, n, 40, 8, img->shoff);
    elfimg_put(b, n, 48, 4, img->flags);
    elfimg_put(b, n, 52, 2, img->ehsize);
    elfimg_put(b, n, 54, 2, img->phentsize);
    elfimg_put(b, n, 56, 2, img->phnum);
    elfimg_put(b, n, 58, 2, img->shentsize);
    elfimg_put(b, n, 60, 2, img->shnum);
    elfimg_put(b, n, 62, 2, img->shstrndx);
}

static void write_phdr(const elfimg_phdr *p, uint8_t *b, size_t n, uint64_t at)
{
    if (at + ELFIMG_PHDR_SIZE < at)
        return;
    elfimg_put(b, n, at + 0, 4, p->type);
    elfimg_put(b, n, at + 4, 4, p->flags);
    elfimg_put(b, n, at + 8, 8, p->offset);
    elfimg_put(b, n, at + 16, 8, p->vaddr);
    elfimg_put(b, n, at + 24, 8, p->paddr);
    elfimg_put(b, n, at + 32, 8, p->filesz);
    elfimg_put(b, n, at + 40, 8, p->memsz);
    elfimg_put(b, n, at + 48, 8, p->align);
}

const uint8_t *elfimg_serialize(elfimg *img)
{
    /* exit(0): mov eax, 60; xor edi, edi; syscall */
    static const uint8_t code[] = { 0xb8, 0x3c, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05 };
    size_t n = (size_t)img->file_size;
    uint8_t *b = realloc(img->buf, n ? n : 1);

    if (!b)
        return NULL;
    memset(b, 0, n);
    img->buf = b;
    img->len = n;
    for (unsigned i = 0; i < sizeof code; i++)
        elfimg_put(b, n, 0x1000 + i, 1, code[i]);
    for (uint64_t i = 0; i < img->interp_len && i < ELFIMG_INTERP_CAP; i++)
        elfimg_put(b, n, img->interp_off + i, 1, img->interp[i]);
    for (unsigned i = 0; i < img->nph; i++)
        write_phdr(&img->ph[i], b, n, img->phoff + (uint64_t)i * ELFIMG_PHDR_SIZE);
    write_ehdr(img, b, n);
    return b;
}

void elfimg_free(elfimg *img)
{
    free(img->buf);
    img->buf = NULL;
    img->len = 0;
}
