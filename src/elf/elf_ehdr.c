/* The ELF header and the location of the program header table
 * (spec/elf-policy.md, rules 101-115). */
#include "elf_internal.h"

/* Elf64_Ehdr offsets. */
#define EI_CLASS      4u
#define EI_DATA       5u
#define EI_VERSION    6u
#define EI_OSABI      7u
#define E_TYPE        16u
#define E_MACHINE     18u
#define E_VERSION     20u
#define E_ENTRY       24u
#define E_PHOFF       32u
#define E_EHSIZE      52u
#define E_PHENTSIZE   54u
#define E_PHNUM       56u

/* Policy bit of an e_machine value, 0 if the validator knows no such bit. */
/*@ assigns \nothing;
    ensures \result <= 4; */
static uint32_t machine_bit(uint16_t m)
{
    uint32_t bit = 0u;
    if (m == PM_EM_X86_64) {
        bit = PM_ELF_MACH_X86_64;
    } else if (m == PM_EM_AARCH64) {
        bit = PM_ELF_MACH_AARCH64;
    } else if (m == PM_EM_RISCV) {
        bit = PM_ELF_MACH_RISCV64;
    }
    return bit;
}

/* e_ident (the first 64 bytes are readable). */
/*@ requires \valid_read(buf + (0 .. PM_EHDR_SIZE - 1));
    assigns \nothing; */
static pm_status check_ident(const uint8_t *buf)
{
    pm_status st = PM_OK;
    if (buf[0] != 0x7fu || buf[1] != 'E' || buf[2] != 'L' || buf[3] != 'F') {
        st = PM_E_ELF_MAGIC;
    } else if (buf[EI_CLASS] != 2u) {            /* ELFCLASS64 */
        st = PM_E_ELF_CLASS;
    } else if (buf[EI_DATA] != 1u) {             /* ELFDATA2LSB */
        st = PM_E_ELF_DATA;
    } else if (buf[EI_VERSION] != 1u) {          /* EV_CURRENT */
        st = PM_E_ELF_IDENT_VERSION;
    } else if (buf[EI_OSABI] != 0u && buf[EI_OSABI] != 3u) { /* SYSV, GNU */
        st = PM_E_ELF_OSABI;
    }
    return st;
}

/* e_version .. e_machine (the first 64 bytes are readable). */
/*@ requires \valid_read(buf + (0 .. PM_EHDR_SIZE - 1));
    requires \valid_read(pol);
    assigns \nothing;
    ensures \result == PM_OK ==> (type == PM_ET_EXEC || type == PM_ET_DYN);
    ensures \result == PM_OK && role == PM_ELF_ROLE_INTERP ==> type == PM_ET_DYN; */
static pm_status check_fields(const uint8_t *buf, const pm_elf_policy *pol,
                              pm_elf_role role, uint16_t type)
{
    pm_status st = PM_OK;
    uint16_t machine = pm_elf_rd16(buf, E_MACHINE);
    if (pm_elf_rd32(buf, E_VERSION) != 1u) {
        st = PM_E_ELF_VERSION;
    } else if (pm_elf_rd16(buf, E_EHSIZE) != PM_EHDR_SIZE) {
        st = PM_E_ELF_EHSIZE;
    } else if (pm_elf_rd16(buf, E_PHENTSIZE) != PM_PHDR_SIZE) {
        st = PM_E_ELF_PHENTSIZE;
    } else if (type != PM_ET_EXEC && type != PM_ET_DYN) {
        st = PM_E_ELF_TYPE;
    } else if ((machine_bit(machine) & pol->machines) == 0u) {
        st = PM_E_ELF_MACHINE;
    } else if (role == PM_ELF_ROLE_INTERP && type != PM_ET_DYN) {
        st = PM_E_ELF_INTERP_TYPE;
    }
    return st;
}

/* The program header table: count, alignment, inside the file, inside the
 * header area. */
/*@ requires buf_len <= file_size;
    assigns \nothing;
    ensures \result == PM_OK ==>
        1 <= phnum <= PM_ELF_MAX_PHNUM &&
        phoff + phnum * PM_PHDR_SIZE <= buf_len; */
static pm_status check_table(uint64_t phoff, uint16_t phnum,
                             uint64_t buf_len, uint64_t file_size)
{
    pm_status st = PM_OK;
    uint64_t size = (uint64_t)phnum * PM_PHDR_SIZE;
    if (phnum == 0u || phnum > PM_ELF_MAX_PHNUM) {     /* PN_XNUM included */
        st = PM_E_ELF_PHNUM;
    } else if (phoff % 8u != 0u) {
        st = PM_E_ELF_PHOFF_ALIGN;
    } else if (phoff > file_size || size > file_size - phoff) {
        st = PM_E_ELF_PHDR_TABLE_RANGE;
    } else if (phoff > buf_len || size > buf_len - phoff) {
        st = PM_E_ELF_HEADER_AREA;
    }
    return st;
}

pm_status pm_elf_check_ehdr(const uint8_t *buf, uint64_t buf_len,
                            uint64_t file_size, const pm_elf_policy *pol,
                            pm_elf_role role, pm_elf_ehdr *eh)
{
    pm_status st = PM_OK;
    eh->type = 0u;
    eh->machine = 0u;
    eh->phnum = 0u;
    eh->entry = 0u;
    eh->phoff = 0u;
    if (file_size < PM_EHDR_SIZE) {
        st = PM_E_ELF_TRUNCATED;
    } else if (buf_len < PM_EHDR_SIZE) {
        st = PM_E_ELF_HEADER_AREA;
    } else {
        st = check_ident(buf);
        if (st == PM_OK) {
            eh->type = pm_elf_rd16(buf, E_TYPE);
            st = check_fields(buf, pol, role, eh->type);
        }
        if (st == PM_OK) {
            eh->machine = pm_elf_rd16(buf, E_MACHINE);
            eh->entry = pm_elf_rd64(buf, E_ENTRY);
            eh->phoff = pm_elf_rd64(buf, E_PHOFF);
            eh->phnum = pm_elf_rd16(buf, E_PHNUM);
            st = check_table(eh->phoff, eh->phnum, buf_len, file_size);
        }
    }
    return st;
}
