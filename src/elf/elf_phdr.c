/* Program headers other than PT_LOAD (spec/elf-policy.md, rules 127-142).
 * PT_INTERP and PT_PHDR may come in any place of the table (rows 33 and 41
 * retired: binfmt_elf, glibc's rtld and musl's ldso do not require the
 * order, and patchelf appends PT_INTERP after the PT_LOADs). */
#include "elf_internal.h"

/* 1 iff buf[start .. end - 2] holds no NUL and buf[end - 1] is one. */
/*@ requires start < end < PM_ELF_MAX_FILE;
    requires \valid_read(buf + (start .. end - 1));
    assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==>
        (buf[end - 1] == 0 &&
         (\forall integer k; start <= k < end - 1 ==> buf[k] != 0)); */
static int name_ok(const uint8_t *buf, uint64_t start, uint64_t end)
{
    const uint64_t last = end - 1u;
    uint64_t k = start;
    int ok = 1;
    /*@ loop invariant start <= k <= last;
        loop invariant ok == 1 <==> (\forall integer j; start <= j < k ==> buf[j] != 0);
        loop invariant ok == 0 || ok == 1;
        loop assigns k, ok;
        loop variant last - k; */
    while (k < last && ok == 1) {
        if (buf[k] == 0u) {
            ok = 0;
        }
        k++;
    }
    if (buf[last] != 0u) {
        ok = 0;
    }
    return ok;
}

pm_status pm_elf_on_interp(const uint8_t *buf, uint64_t head_len,
                           uint64_t buf_len, uint64_t win_off,
                           uint64_t file_size, pm_elf_role role,
                           const pm_elf_phdr *ph, pm_elf_walk *w,
                           pm_elf_plan *plan)
{
    /* Local copies: Eva's octagons relate local variables, not fields. */
    const uint64_t offset = ph->offset;
    const uint64_t filesz = ph->filesz;
    pm_status st = PM_OK;
    if (role == PM_ELF_ROLE_INTERP) {
        st = PM_E_ELF_INTERP_NESTED;
    } else if (w->ninterp != 0u) {
        st = PM_E_ELF_INTERP_COUNT;
    } else if (filesz < PM_ELF_INTERP_MIN || filesz > PM_ELF_INTERP_MAX) {
        st = PM_E_ELF_INTERP_SIZE;
    } else if (offset > file_size || filesz > file_size - offset) {
        st = PM_E_ELF_INTERP_RANGE;
    } else {
        /* offset <= file_size < 2^62 and filesz <= 4096: no overflow. */
        const uint64_t end = offset + filesz;
        /* head_len <= buf_len by contract; tested for Eva. */
        const uint64_t win_len = head_len <= buf_len ? buf_len - head_len : 0u;
        uint64_t at = offset;          /* index of the name in buf */
        int inside = 1;
        if (end > head_len) {
            /* Not in the header area: in the window, or needed. */
            if (win_off <= offset && filesz <= win_len &&
                offset - win_off <= win_len - filesz) {
                at = head_len + (offset - win_off);
            } else {
                inside = 0;
            }
        }
        if (at > buf_len || filesz > buf_len - at) {
            /* Never taken (the name lies in the head or the window, both
             * inside buf); the explicit test gives Eva the bound. */
            inside = 0;
        }
        if (inside == 0) {
            /* The name's file range, for the further read: set_need in
             * pm_elf_validate_ext decides (has_interp stays 0). */
            st = PM_E_ELF_HEADER_AREA;
            plan->interp_off = offset;
            plan->interp_len = filesz;
        } else if (name_ok(buf, at, at + filesz) == 0) {
            st = PM_E_ELF_INTERP_NUL;
        } else {
            w->ninterp = 1u;
            plan->has_interp = 1u;
            plan->interp_off = at;
            plan->interp_len = filesz;
        }
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

pm_status pm_elf_on_phdr(const pm_elf_ehdr *eh, const pm_elf_phdr *ph,
                         pm_elf_walk *w)
{
    pm_status st = PM_OK;
    if (w->nphdr != 0u) {
        st = PM_E_ELF_PHDR_COUNT;
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
