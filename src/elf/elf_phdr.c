/* Program headers other than PT_LOAD (spec/elf-policy.md, rules 127-142). */
#include "elf_internal.h"

/* 1 iff buf[off .. off + len - 2] holds no NUL and buf[off + len - 1] is. */
/*@ requires len >= 1;
    requires off + len < PM_ELF_MAX_FILE;
    requires \valid_read(buf + (off .. off + len - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==>
        (buf[off + len - 1] == 0 &&
         (\forall integer k; off <= k < off + len - 1 ==> buf[k] != 0)); */
static int name_ok(const uint8_t *buf, uint64_t off, uint64_t len)
{
    uint64_t i = 0u;
    int ok = 1;
    /*@ loop invariant 0 <= i <= len - 1;
        loop invariant ok == 1 <==> (\forall integer k; off <= k < off + i ==> buf[k] != 0);
        loop invariant ok == 0 || ok == 1;
        loop assigns i, ok;
        loop variant len - 1 - i; */
    while (i < len - 1u && ok == 1) {
        if (buf[off + i] == 0u) {
            ok = 0;
        }
        i++;
    }
    if (buf[off + len - 1u] != 0u) {
        ok = 0;
    }
    return ok;
}

pm_status pm_elf_on_interp(const uint8_t *buf, uint64_t buf_len,
                           uint64_t file_size, pm_elf_role role,
                           uint32_t nseg, const pm_elf_phdr *ph,
                           pm_elf_walk *w, pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    if (role == PM_ELF_ROLE_INTERP) {
        st = PM_E_ELF_INTERP_NESTED;
    } else if (w->ninterp != 0u) {
        st = PM_E_ELF_INTERP_COUNT;
    } else if (nseg != 0u) {
        st = PM_E_ELF_INTERP_ORDER;
    } else if (ph->filesz < PM_ELF_INTERP_MIN || ph->filesz > PM_ELF_INTERP_MAX) {
        st = PM_E_ELF_INTERP_SIZE;
    } else if (ph->offset > file_size || ph->filesz > file_size - ph->offset) {
        st = PM_E_ELF_INTERP_RANGE;
    } else if (ph->offset > buf_len || ph->filesz > buf_len - ph->offset) {
        st = PM_E_ELF_HEADER_AREA;
    } else if (name_ok(buf, ph->offset, ph->filesz) == 0) {
        st = PM_E_ELF_INTERP_NUL;
    } else {
        w->ninterp = 1u;
        plan->has_interp = 1u;
        plan->interp_off = ph->offset;
        plan->interp_len = ph->filesz;
    }
    return st;
}

pm_status pm_elf_on_stack(const pm_elf_phdr *ph, pm_elf_walk *w)
{
    pm_status st = PM_OK;
    if (w->nstack != 0u) {
        st = PM_E_ELF_STACK_COUNT;
    } else if ((ph->flags & PM_PF_X) != 0u) {
        st = PM_E_ELF_STACK_EXEC;
    } else {
        w->nstack = 1u;
    }
    return st;
}

pm_status pm_elf_on_phdr(const pm_elf_ehdr *eh, uint32_t nseg,
                         const pm_elf_phdr *ph, pm_elf_walk *w)
{
    pm_status st = PM_OK;
    if (w->nphdr != 0u) {
        st = PM_E_ELF_PHDR_COUNT;
    } else if (nseg != 0u) {
        st = PM_E_ELF_PHDR_ORDER;
    } else if (ph->offset != eh->phoff ||
               ph->filesz != (uint64_t)eh->phnum * PM_PHDR_SIZE ||
               ph->memsz != ph->filesz) {
        st = PM_E_ELF_PHDR_MISMATCH;
    } else {
        w->nphdr = 1u;
        w->phdr_vaddr = ph->vaddr;
    }
    return st;
}

pm_status pm_elf_on_region(const pm_elf_phdr *ph, pm_elf_walk *w,
                           pm_elf_plan *plan)
{
    pm_status st = PM_OK;
    if (ph->type == PM_PT_TLS) {
        if (w->ntls != 0u || ph->filesz > ph->memsz ||
            pm_elf_align_ok(ph->align) == 0) {
            st = PM_E_ELF_TLS;
        } else {
            w->ntls = 1u;
            plan->has_tls = 1u;
            plan->tls_addr = ph->vaddr;
            plan->tls_filesz = ph->filesz;
            plan->tls_memsz = ph->memsz;
            plan->tls_align = ph->align;
        }
    } else if (ph->type == PM_PT_DYNAMIC) {
        if (w->ndynamic != 0u || ph->filesz > ph->memsz) {
            st = PM_E_ELF_DYNAMIC;
        } else {
            w->ndynamic = 1u;
            plan->has_dynamic = 1u;
            plan->dynamic_addr = ph->vaddr;
            plan->dynamic_size = ph->memsz;
        }
    } else if (ph->type == PM_PT_GNU_RELRO) {
        if (w->nrelro != 0u || ph->filesz > ph->memsz) {
            st = PM_E_ELF_RELRO;
        } else {
            w->nrelro = 1u;
            plan->has_relro = 1u;
            plan->relro_addr = ph->vaddr;
            plan->relro_size = ph->memsz;
        }
    }
    return st;
}
