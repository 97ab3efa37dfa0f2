/*
 * sim: address spaces.  Page-granular: every mapped page owns one frame
 * (its bytes live in k->data), so the frame budget is exactly the memory
 * the process uses and "frames used == pages mapped" is checkable.
 */
#include <string.h>

#include "procmgr/kcheck.h"
#include "sim_internal.h"

pm_status pm_k_as_create(struct pm_kernel *k, pm_kcap *out)
{
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_create(k, PM_KOBJ_AS, out, NULL);
    return st;
}

/* The sim kernel puts nothing of its own into a process: no vDSO, no
 * hwcaps.  Fallible (injection) like every query of section 3. */
pm_status pm_k_as_get_info(struct pm_kernel *k, pm_kcap as, pm_k_as_info *info)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_READ, &o);
    if (st == PM_OK && info == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK)
        memset(info, 0, sizeof *info);
    return st;
}

uint32_t sim_frame_find(const struct pm_kernel *k, uint32_t oidx, uint64_t vaddr)
{
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        if (k->frame[f].owner == oidx && k->frame[f].vaddr == vaddr)
            return f;
    }
    return PM_SIM_NONE;
}

/* Frames of AS oidx inside [vaddr, vaddr + len); the range is checked. */
static uint64_t count_mapped(const struct pm_kernel *k, uint32_t oidx,
                             uint64_t vaddr, uint64_t len)
{
    uint64_t n = 0;
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        const struct pm_sim_frame *fr = &k->frame[f];
        if (fr->owner == oidx && fr->vaddr >= vaddr && fr->vaddr - vaddr < len)
            n++;
    }
    return n;
}

/* The construction checks common to both map calls, then the mapping:
 * STATE (sealed), OVERLAP, NO_MEMORY.  Page i gets the bytes
 * src[i*PAGE ...] up to src_len, zero after. */
static pm_status map_pages(struct pm_kernel *k, uint32_t o, uint64_t vaddr,
                           uint64_t len, uint32_t prot, const uint8_t *src,
                           uint64_t src_len)
{
    uint64_t npages = len / PM_SIM_PAGE_SIZE;
    if (k->obj[o].sealed != 0u)
        return PM_E_K_STATE;
    if (count_mapped(k, o, vaddr, len) != 0u)
        return PM_E_K_OVERLAP;
    if (npages > (uint64_t)(k->cfg.frames - k->frames_used))
        return PM_E_K_NO_MEMORY;
    uint32_t f = 0;
    for (uint64_t i = 0; i < npages; i++) {
        while (k->frame[f].owner != PM_SIM_NONE)
            f++;
        struct pm_sim_frame *fr = &k->frame[f];
        fr->owner = o;
        fr->owner_gen = k->obj[o].gen;
        fr->vaddr = vaddr + i * PM_SIM_PAGE_SIZE;
        fr->prot = prot;
        uint64_t off = i * PM_SIM_PAGE_SIZE;
        uint64_t n = 0;
        if (off < src_len)
            n = src_len - off < PM_SIM_PAGE_SIZE ? src_len - off : PM_SIM_PAGE_SIZE;
        if (n > 0u)
            memcpy(k->data[f], src + off, (size_t)n);
        memset(k->data[f] + n, 0, (size_t)(PM_SIM_PAGE_SIZE - n));
    }
    k->obj[o].npages += (uint32_t)npages;
    k->frames_used += (uint32_t)npages;
    return PM_OK;
}

pm_status pm_k_as_map_image(struct pm_kernel *k, pm_kcap as, pm_kcap image,
                            uint64_t file_off, uint64_t len, uint64_t vaddr,
                            uint32_t prot)
{
    uint32_t o = 0, img = 0;
    uint32_t need = PM_KR_READ | ((prot & PM_PROT_X) != 0u ? PM_KR_EXEC : 0u);
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        st = sim_cap(k, image, PM_KOBJ_IMAGE, need, &img);
    if (st == PM_OK)
        st = pm_kc_image(PM_SIM_PAGE_SIZE, k->cfg.user_min, k->cfg.user_limit,
                         k->obj[img].size, file_off, len, vaddr, prot);
    if (st == PM_OK) {
        const struct pm_sim_obj *im = &k->obj[img];
        uint64_t avail = file_off < im->size ? im->size - file_off : 0u;
        st = map_pages(k, o, vaddr, len, prot,
                       avail > 0u ? im->bytes + file_off : NULL, avail);
    }
    return st;
}

pm_status pm_k_as_map_zero(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                           uint64_t len, uint32_t prot)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        st = pm_kc_map(PM_SIM_PAGE_SIZE, k->cfg.user_min, k->cfg.user_limit,
                       vaddr, len, prot);
    if (st == PM_OK)
        st = map_pages(k, o, vaddr, len, prot, NULL, 0u);
    return st;
}

/* Checks shared by unmap and protect, after the prot check. */
static pm_status mapped_range(struct pm_kernel *k, uint32_t o, uint64_t vaddr,
                              uint64_t len)
{
    pm_status st = pm_kc_range(PM_SIM_PAGE_SIZE, k->cfg.user_min,
                               k->cfg.user_limit, vaddr, len);
    if (st == PM_OK && k->obj[o].sealed != 0u)
        st = PM_E_K_STATE;
    if (st == PM_OK && count_mapped(k, o, vaddr, len) != len / PM_SIM_PAGE_SIZE)
        st = PM_E_K_NOT_MAPPED;
    return st;
}

pm_status pm_k_as_unmap(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                        uint64_t len)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        st = mapped_range(k, o, vaddr, len);
    if (st != PM_OK)
        return st;
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        struct pm_sim_frame *fr = &k->frame[f];
        if (fr->owner == o && fr->vaddr >= vaddr && fr->vaddr - vaddr < len) {
            fr->owner = PM_SIM_NONE;
            fr->owner_gen = 0u;
            fr->vaddr = 0u;
            fr->prot = 0u;
            k->obj[o].npages--;
            k->frames_used--;
        }
    }
    return PM_OK;
}

pm_status pm_k_as_protect(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                          uint64_t len, uint32_t prot)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        st = pm_kc_prot(prot);
    if (st == PM_OK)
        st = mapped_range(k, o, vaddr, len);
    if (st != PM_OK)
        return st;
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        struct pm_sim_frame *fr = &k->frame[f];
        if (fr->owner == o && fr->vaddr >= vaddr && fr->vaddr - vaddr < len)
            fr->prot = prot;
    }
    return PM_OK;
}

/* Every page touched by [vaddr, vaddr + len) (len > 0, no overflow) mapped. */
static pm_status pages_present(const struct pm_kernel *k, uint32_t o,
                               uint64_t vaddr, uint64_t len)
{
    uint64_t page = vaddr & ~SIM_PAGE_MASK;
    uint64_t last = (vaddr + len - 1u) & ~SIM_PAGE_MASK;
    for (;;) {
        if (sim_frame_find(k, o, page) == PM_SIM_NONE)
            return PM_E_K_NOT_MAPPED;
        if (page == last)
            break;
        page += PM_SIM_PAGE_SIZE;
    }
    return PM_OK;
}

/* Copy between a caller buffer and the AS (to_as selects the direction);
 * every page is present. */
static void copy_as(struct pm_kernel *k, uint32_t o, uint64_t vaddr,
                    uint8_t *buf, const uint8_t *src, uint64_t len)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t va = vaddr + done;
        uint64_t in = va & SIM_PAGE_MASK;
        uint64_t n = PM_SIM_PAGE_SIZE - in;
        if (n > len - done)
            n = len - done;
        uint32_t f = sim_frame_find(k, o, va & ~SIM_PAGE_MASK);
        if (src != NULL)
            memcpy(k->data[f] + in, src + done, (size_t)n);
        else
            memcpy(buf + done, k->data[f] + in, (size_t)n);
        done += n;
    }
}

pm_status pm_k_as_write(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                        const uint8_t *bytes, uint64_t len)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_WRITE, &o);
    if (st == PM_OK && bytes == NULL && len > 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK)
        st = pm_kc_bytes(k->cfg.user_min, k->cfg.user_limit, vaddr, len);
    if (st == PM_OK && k->obj[o].sealed != 0u)
        st = PM_E_K_STATE;
    if (st == PM_OK && len > 0u)
        st = pages_present(k, o, vaddr, len);
    if (st == PM_OK && len > 0u)
        copy_as(k, o, vaddr, NULL, bytes, len);
    return st;
}

void sim_as_release_frames(struct pm_kernel *k, uint32_t oidx)
{
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        struct pm_sim_frame *fr = &k->frame[f];
        if (fr->owner == oidx) {
            fr->owner = PM_SIM_NONE;
            fr->owner_gen = 0u;
            fr->vaddr = 0u;
            fr->prot = 0u;
            k->frames_used--;
        }
    }
    k->obj[oidx].npages = 0u;
}

pm_status pm_sim_as_read(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                         uint8_t *buf, uint64_t len)
{
    uint32_t o = 0;
    pm_status st = sim_cap(k, as, PM_KOBJ_AS, 0u, &o);
    if (st == PM_OK && buf == NULL && len > 0u)
        st = PM_E_K_ARG;
    if (st == PM_OK)
        st = pm_kc_bytes(k->cfg.user_min, k->cfg.user_limit, vaddr, len);
    if (st == PM_OK && len > 0u)
        st = pages_present(k, o, vaddr, len);
    if (st == PM_OK && len > 0u)
        copy_as(k, o, vaddr, buf, NULL, len);
    return st;
}

pm_status pm_sim_as_prot(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                         uint32_t *prot)
{
    uint32_t o = 0;
    pm_status st = sim_cap(k, as, PM_KOBJ_AS, 0u, &o);
    if (st == PM_OK && prot == NULL)
        st = PM_E_K_ARG;
    if (st == PM_OK) {
        uint32_t f = sim_frame_find(k, o, vaddr & ~SIM_PAGE_MASK);
        if (f == PM_SIM_NONE)
            st = PM_E_K_NOT_MAPPED;
        else
            *prot = k->frame[f].prot;
    }
    return st;
}
