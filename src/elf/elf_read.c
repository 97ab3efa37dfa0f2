/* Little-endian field reads, byte by byte: no alignment or aliasing
 * assumptions about the caller's buffer.  Written with multiplications
 * rather than shifts so that every step is visibly overflow-free. */
#include "elf_internal.h"

uint16_t pm_elf_rd16(const uint8_t *b, uint64_t off)
{
    uint32_t v = (uint32_t)b[off] + 256u * (uint32_t)b[off + 1u];
    return (uint16_t)v;
}

uint32_t pm_elf_rd32(const uint8_t *b, uint64_t off)
{
    return (uint32_t)b[off] + 256u * (uint32_t)b[off + 1u] +
           65536u * (uint32_t)b[off + 2u] + 16777216u * (uint32_t)b[off + 3u];
}

uint64_t pm_elf_rd64(const uint8_t *b, uint64_t off)
{
    uint64_t lo = pm_elf_rd32(b, off);
    uint64_t hi = pm_elf_rd32(b, off + 4u);
    return lo + hi * 4294967296u;
}

/* Elf64_Phdr: p_type 0, p_flags 4, p_offset 8, p_vaddr 16, p_paddr 24,
 * p_filesz 32, p_memsz 40, p_align 48. */
void pm_elf_read_phdr(const uint8_t *b, uint64_t off, pm_elf_phdr *ph)
{
    ph->type   = pm_elf_rd32(b, off);
    ph->flags  = pm_elf_rd32(b, off + 4u);
    ph->offset = pm_elf_rd64(b, off + 8u);
    ph->vaddr  = pm_elf_rd64(b, off + 16u);
    ph->filesz = pm_elf_rd64(b, off + 32u);
    ph->memsz  = pm_elf_rd64(b, off + 40u);
    ph->align  = pm_elf_rd64(b, off + 48u);
}
