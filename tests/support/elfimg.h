/*
 * elfimg: an in-memory ELF64 little-endian image builder for tests (hosted C,
 * never linked into the core).
 *
 * elfimg_init() lays out a minimal, valid x86-64 executable that every rule of
 * spec/elf-policy.md accepts under the default policy.  A test then changes
 * exactly one header or program header field (the struct members are public:
 * assign them, or use the insert/remove helpers) and calls elfimg_serialize()
 * to get the file bytes, so each image violates exactly one rule.
 *
 * Default layout (page 4 KiB; B = 0x400000 for ET_EXEC, 0 for ET_DYN):
 *
 *   file offset   contents                    program headers (in this order)
 *   0x0000        ELF header                  PT_PHDR      off 0x40 vaddr B+0x40
 *   0x0040        program header table        PT_INTERP    off 0x800 (if ELFIMG_INTERP)
 *   0x0800        interpreter name            PT_LOAD R    off 0x0000 vaddr B        sz 0x1000
 *   0x1000        code (entry = B+0x1000)     PT_LOAD RX   off 0x1000 vaddr B+0x1000 sz 0x1000
 *   0x2000        data: dynamic, tls          PT_LOAD RW   off 0x2000 vaddr B+0x2000 file 0x800 mem 0x1800
 *   0x3000        end of file                 PT_DYNAMIC   vaddr B+0x2000 size 0x100 (ELFIMG_DYNAMIC)
 *                                             PT_TLS       vaddr B+0x2100 file 0x10 mem 0x20 (ELFIMG_TLS)
 *                                             PT_GNU_STACK RW
 *                                             PT_GNU_RELRO vaddr B+0x2000 size 0x1000 (ELFIMG_RELRO)
 */
#ifndef PROCMGR_TESTS_ELFIMG_H
#define PROCMGR_TESTS_ELFIMG_H

#include <stddef.h>
#include <stdint.h>

/* ELF constants the tests use (so no dependency on <elf.h> details). */
enum {
    ELFIMG_ET_EXEC = 2, ELFIMG_ET_DYN = 3,
    ELFIMG_EM_X86_64 = 62, ELFIMG_EM_AARCH64 = 183, ELFIMG_EM_RISCV = 243,
    ELFIMG_PT_LOAD = 1, ELFIMG_PT_DYNAMIC = 2, ELFIMG_PT_INTERP = 3,
    ELFIMG_PT_NOTE = 4, ELFIMG_PT_PHDR = 6, ELFIMG_PT_TLS = 7,
    ELFIMG_PF_X = 1, ELFIMG_PF_W = 2, ELFIMG_PF_R = 4
};
#define ELFIMG_PT_GNU_STACK 0x6474e551u
#define ELFIMG_PT_GNU_RELRO 0x6474e552u

#define ELFIMG_EHDR_SIZE   64u
#define ELFIMG_PHDR_SIZE   56u
#define ELFIMG_MAX_PH      80u     /* more than PM_ELF_MAX_PHNUM, for PHNUM tests */
#define ELFIMG_INTERP_CAP  8192u
#define ELFIMG_PAGE        0x1000u
#define ELFIMG_EXEC_BASE   0x400000u
#define ELFIMG_DEFAULT_INTERP "/lib64/ld-linux-x86-64.so.2"

/* Options of elfimg_init. */
enum {
    ELFIMG_INTERP  = 1u << 0,   /* add PT_INTERP naming ELFIMG_DEFAULT_INTERP */
    ELFIMG_TLS     = 1u << 1,   /* add PT_TLS      */
    ELFIMG_DYNAMIC = 1u << 2,   /* add PT_DYNAMIC  */
    ELFIMG_RELRO   = 1u << 3,   /* add PT_GNU_RELRO */
    ELFIMG_NO_PHDR = 1u << 4,   /* omit PT_PHDR    */
    ELFIMG_NO_STACK = 1u << 5   /* omit PT_GNU_STACK */
};

typedef struct elfimg_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
} elfimg_phdr;

typedef struct elfimg {
    /* ELF header fields, serialized verbatim. */
    uint8_t  ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;

    /* Program headers written at phoff (nph of them, whatever phnum says). */
    elfimg_phdr ph[ELFIMG_MAX_PH];
    unsigned nph;

    /* Interpreter bytes written at interp_off (only if interp_len > 0). */
    uint8_t  interp[ELFIMG_INTERP_CAP];
    uint64_t interp_off, interp_len;

    /* Size of the file; writes past it are clipped (truncation tests). */
    uint64_t file_size;

    /* Output of elfimg_serialize (owned; freed by elfimg_free). */
    uint8_t *buf;
    size_t   len;
} elfimg;

/* Lay out the default valid image of the given e_type with options.  The
 * struct must be zero-initialized before its first elfimg_init (static, or
 * `elfimg img = {0}`); re-initializing keeps the output buffer for reuse, and
 * elfimg_free releases it. */
void elfimg_init(elfimg *img, uint16_t type, unsigned opts);

/* Index of the nth (0-based) program header of type p_type, or -1. */
int elfimg_find(const elfimg *img, uint32_t p_type, unsigned nth);

/* Insert/remove a program header at index `at`; keep e_phnum and PT_PHDR's
 * size in step with the table.  Return 0, or -1 if full / out of range. */
int elfimg_insert(elfimg *img, unsigned at, const elfimg_phdr *ph);
int elfimg_remove(elfimg *img, unsigned at);

/* Set e_phnum = nph and PT_PHDR filesz/memsz to the table size. */
void elfimg_sync_table(elfimg *img);

/* Build the file bytes (img->buf, img->len == file_size); returns img->buf,
 * or NULL on allocation failure.  May be called again after changes. */
const uint8_t *elfimg_serialize(elfimg *img);

void elfimg_free(elfimg *img);

/* Little-endian field access in a raw buffer; out-of-range writes ignored,
 * out-of-range reads return 0. */
void     elfimg_put(uint8_t *buf, size_t len, uint64_t off, unsigned width, uint64_t v);
uint64_t elfimg_get(const uint8_t *buf, size_t len, uint64_t off, unsigned width);

/* Field descriptors for generic mutation (kdiff, generators). */
typedef struct elfimg_field {
    const char *name;
    unsigned off;     /* offset inside the ELF header or inside one phdr */
    unsigned width;   /* 1, 2, 4 or 8 */
} elfimg_field;

extern const elfimg_field elfimg_ehdr_fields[];
extern const unsigned     elfimg_ehdr_nfields;
extern const elfimg_field elfimg_phdr_fields[];
extern const unsigned     elfimg_phdr_nfields;

#endif /* PROCMGR_TESTS_ELFIMG_H */
