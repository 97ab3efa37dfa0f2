/*
 * sim: address spaces.  Page-granular: every mapped page owns one frame
 * (its bytes live in k->data), so the frame budget is exactly the memory
 * the process uses and "frames used == pages mapped" is checkable.
 */
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
    if (st == PM_OK) {
        static const pm_k_as_info none = { 0 };
        *info = none;
    }
    return st;
}

uint32_t sim_frame_find(const struct pm_kernel *k, uint32_t oidx, uint64_t vaddr)
{
    /*@ loop invariant 0 <= f <= PM_SIM_MAX_FRAMES;
        loop invariant \forall integer g; 0 <= g < f ==>
          !(k->frame[g].owner == oidx && k->frame[g].vaddr == vaddr);
        loop assigns f;
        loop variant PM_SIM_MAX_FRAMES - f; */
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        if (k->frame[f].owner == oidx && k->frame[f].vaddr == vaddr)
            return f;
    }
    return PM_SIM_NONE;
}

/* Byte copy and clear of page data (loops rather than memcpy/memset, so
 * that the proof sees them; compilers make the same code of both). */
/*@ requires \valid(dst + (0 .. n - 1)) && \valid_read(src + (0 .. n - 1));
    requires \separated(dst + (0 .. n - 1), src + (0 .. n - 1));
    assigns dst[0 .. n - 1]; */
static void sim_copy(uint8_t *dst, const uint8_t *src, uint64_t n)
{
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, dst[0 .. n - 1];
        loop variant n - i; */
    for (uint64_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/*@ requires \valid(dst + (0 .. n - 1));
    assigns dst[0 .. n - 1]; */
static void sim_zero(uint8_t *dst, uint64_t n)
{
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, dst[0 .. n - 1];
        loop variant n - i; */
    for (uint64_t i = 0; i < n; i++)
        dst[i] = 0u;
}

/* Frames of AS oidx inside [vaddr, vaddr + len); the range is checked. */
/*@ requires \valid_read(k);
    assigns \nothing;
    ensures \result <= PM_SIM_MAX_FRAMES;
    ensures \result == 0 ==> \forall integer f; 0 <= f < PM_SIM_MAX_FRAMES ==>
      !(k->frame[f].owner == oidx && vaddr <= k->frame[f].vaddr < vaddr + len); */
static uint64_t count_mapped(const struct pm_kernel *k, uint32_t oidx,
                             uint64_t vaddr, uint64_t len)
{
    uint64_t n = 0;
    /*@ loop invariant 0 <= f <= PM_SIM_MAX_FRAMES && n <= f;
        loop invariant n == 0 ==> \forall integer g; 0 <= g < f ==>
          !(k->frame[g].owner == oidx && vaddr <= k->frame[g].vaddr < vaddr + len);
        loop assigns f, n;
        loop variant PM_SIM_MAX_FRAMES - f; */
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        const struct pm_sim_frame *fr = &k->frame[f];
        if (fr->owner == oidx && fr->vaddr >= vaddr && fr->vaddr - vaddr < len)
            n++;
    }
    return n;
}

/* Frames held by AS oidx, or (oidx == PM_SIM_NONE) frames in use.  The
 * counters npages and frames_used are recomputed from the frame table
 * after each change instead of being stepped, so they cannot drift from
 * it (pm_sim_check still checks both). */
/*@ requires \valid_read(k);
    assigns \nothing;
    ensures \result <= PM_SIM_MAX_FRAMES; */
static uint32_t frames_held(const struct pm_kernel *k, uint32_t oidx)
{
    uint32_t n = 0;
    /*@ loop invariant 0 <= f <= PM_SIM_MAX_FRAMES && n <= f;
        loop assigns f, n;
        loop variant PM_SIM_MAX_FRAMES - f; */
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
        uint32_t w = k->frame[f].owner;
        if (oidx == PM_SIM_NONE ? w != PM_SIM_NONE : w == oidx)
            n++;
    }
    return n;
}

/* The first `want` free frames, in increasing order, into idx; returns
 * how many there are (fewer than want only if frames_used is wrong). */
/*@ requires \valid_read(k) && \valid(idx + (0 .. PM_SIM_MAX_FRAMES - 1));
    requires \separated(idx + (0 .. PM_SIM_MAX_FRAMES - 1), k);
    assigns idx[0 .. PM_SIM_MAX_FRAMES - 1];
    ensures \result <= want && \result <= PM_SIM_MAX_FRAMES;
    ensures \forall integer j; 0 <= j < \result ==>
      idx[j] < PM_SIM_MAX_FRAMES && k->frame[idx[j]].owner == PM_SIM_NONE;
    ensures \forall integer i, j; 0 <= i < j < \result ==> idx[i] < idx[j]; */
static uint32_t free_frames(const struct pm_kernel *k, uint32_t *idx,
                            uint64_t want)
{
    uint32_t n = 0;
    /*@ loop invariant 0 <= f <= PM_SIM_MAX_FRAMES && n <= f && n <= want;
        loop invariant \forall integer j; 0 <= j < n ==>
          idx[j] < f && k->frame[idx[j]].owner == PM_SIM_NONE;
        loop invariant \forall integer i, j; 0 <= i < j < n ==> idx[i] < idx[j];
        loop assigns f, n, idx[0 .. PM_SIM_MAX_FRAMES - 1];
        loop variant PM_SIM_MAX_FRAMES - f; */
    for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES && n < want; f++) {
        if (k->frame[f].owner == PM_SIM_NONE)
            idx[n++] = f;
    }
    return n;
}

/* Page i of a new mapping: frame f gets the bytes src[i*PAGE ...] up to
 * src_len, zero after. */
/*@ requires \valid(k) && f < PM_SIM_MAX_FRAMES && off <= UINT64_MAX;
    requires src_len == 0 || (\valid_read(src + (0 .. src_len - 1)) &&
                              \separated(src + (0 .. src_len - 1), k));
    assigns k->data[f][0 .. PM_SIM_PAGE_SIZE - 1]; */
static void fill_page(struct pm_kernel *k, uint32_t f, const uint8_t *src,
                      uint64_t src_len, uint64_t off)
{
    uint64_t n = 0;
    if (off < src_len)
        n = src_len - off < PM_SIM_PAGE_SIZE ? src_len - off : PM_SIM_PAGE_SIZE;
    if (n > 0u)
        sim_copy(k->data[f], src + off, n);
    sim_zero(k->data[f] + n, PM_SIM_PAGE_SIZE - n);
}

/* Frame f (free) now maps vaddr in AS o with prot; nothing else changes. */
/*@ requires \valid(k) && f < PM_SIM_MAX_FRAMES && o != PM_SIM_NONE;
    requires k->frame[f].owner == PM_SIM_NONE;
    assigns k->frame[f];
    ensures sim_frame_is(k, f, o, vaddr, prot);
    ensures \forall integer o2, pg, p; o2 != PM_SIM_NONE ==>
      sim_page{Pre}(k, o2, pg, p) ==> sim_page(k, o2, pg, p);
    ensures \forall integer g; 0 <= g < PM_SIM_MAX_FRAMES && g != f ==>
      k->frame[g].owner == \old(k->frame[g].owner);
    ensures sim_keeps_maps{Pre, Post}(k); */
static void frame_take(struct pm_kernel *k, uint32_t f, uint32_t o,
                       uint32_t gen, uint64_t vaddr, uint32_t prot)
{
    struct pm_sim_frame *fr = &k->frame[f];
    fr->owner = o;
    fr->owner_gen = gen;
    fr->vaddr = vaddr;
    fr->prot = prot;
}

/* Set AS o's page count and the frames in use; nothing else changes. */
/*@ requires sim_ok(k) && o < PM_SIM_MAX_OBJECTS;
    assigns k->obj[o].npages, k->frames_used;
    ensures sim_ok(k);
    ensures sim_keeps_maps{Pre, Post}(k);
    ensures \forall integer f; 0 <= f < PM_SIM_MAX_FRAMES ==>
      k->frame[f].owner == \old(k->frame[f].owner); */
static void set_counts(struct pm_kernel *k, uint32_t o, uint32_t npages,
                       uint32_t used)
{
    k->obj[o].npages = npages;
    k->frames_used = used;
    /* sim_ok's parts one at a time: each is an easy goal, their
     * conjunction in one goal is not (the provers time out). */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h); */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_OBJECTS ==> sim_obj_ok(k, h); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
}

/* Frames idx[0 .. n - 1] (distinct, free) map the pages of
 * [vaddr, vaddr + n * PAGE) in AS o with prot, in order. */
/*@ requires sim_ok(k) && o < PM_SIM_MAX_OBJECTS && n <= PM_SIM_MAX_FRAMES;
    requires vaddr % PM_SIM_PAGE_SIZE == 0;
    requires vaddr + n * PM_SIM_PAGE_SIZE <= UINT64_MAX;
    requires \valid_read(idx + (0 .. n - 1)) && \separated(idx + (0 .. n - 1), k);
    requires \forall integer j; 0 <= j < n ==>
      idx[j] < PM_SIM_MAX_FRAMES && k->frame[idx[j]].owner == PM_SIM_NONE;
    requires \forall integer i, j; 0 <= i < j < n ==> idx[i] < idx[j];
    assigns k->frame[0 .. PM_SIM_MAX_FRAMES - 1];
    ensures sim_keeps_maps{Pre, Post}(k);
    ensures \forall integer x; vaddr <= x < vaddr + n * PM_SIM_PAGE_SIZE ==>
      sim_page(k, o, x - x % PM_SIM_PAGE_SIZE, prot); */
static void take_frames(struct pm_kernel *k, const uint32_t *idx, uint64_t n,
                        uint32_t o, uint64_t vaddr, uint32_t prot)
{
    /*@ loop invariant 0 <= i <= n;
        loop invariant done: \forall integer x; vaddr <= x < vaddr + i * PM_SIM_PAGE_SIZE ==>
          sim_page(k, o, x - x % PM_SIM_PAGE_SIZE, prot);
        loop invariant free: \forall integer j; i <= j < n ==>
          k->frame[idx[j]].owner == PM_SIM_NONE;
        loop invariant keep: sim_keeps_maps{Pre, Here}(k);
        loop assigns i, k->frame[0 .. PM_SIM_MAX_FRAMES - 1];
        loop variant n - i; */
    for (uint64_t i = 0; i < n; i++) {
        /*@ assert idx[i] < PM_SIM_MAX_FRAMES; */
        /*@ assert \forall integer j; i < j < n ==>
              0 <= idx[j] < PM_SIM_MAX_FRAMES && idx[j] != idx[i]; */
        uint64_t va = vaddr + i * PM_SIM_PAGE_SIZE;
        frame_take(k, idx[i], o, k->obj[o].gen, va, prot);
        /*@ assert sim_frame_is(k, idx[i], o, va, prot); */
        /*@ assert sim_page(k, o, va, prot); */
        /*@ assert \forall integer x; va <= x < va + PM_SIM_PAGE_SIZE ==>
              x - x % PM_SIM_PAGE_SIZE == va; */
    }
}

/* The bytes of a new mapping: page i (frame idx[i]) gets src[i*PAGE ...]
 * up to src_len, zero after.  Only page data is written: the frame,
 * handle and object tables (sim_ok, the glue) are not in its assigns. */
/*@ requires \valid(k) && n <= PM_SIM_MAX_FRAMES;
    requires \valid_read(idx + (0 .. n - 1)) && \separated(idx + (0 .. n - 1), k);
    requires \forall integer i; 0 <= i < n ==> idx[i] < PM_SIM_MAX_FRAMES;
    requires src_len == 0 || (\valid_read(src + (0 .. src_len - 1)) &&
                              \separated(src + (0 .. src_len - 1), k));
    assigns k->data[0 .. PM_SIM_MAX_FRAMES - 1][0 .. PM_SIM_PAGE_SIZE - 1]; */
static void fill_pages(struct pm_kernel *k, const uint32_t *idx, uint64_t n,
                       const uint8_t *src, uint64_t src_len)
{
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, k->data[0 .. PM_SIM_MAX_FRAMES - 1][0 .. PM_SIM_PAGE_SIZE - 1];
        loop variant n - i; */
    for (uint64_t i = 0; i < n; i++)
        fill_page(k, idx[i], src, src_len, i * PM_SIM_PAGE_SIZE);
}

/* The construction checks common to both map calls, then the mapping:
 * STATE (sealed), OVERLAP, NO_MEMORY.  Page i gets the bytes
 * src[i*PAGE ...] up to src_len, zero after.  Frames are found first, so
 * a refusal changes nothing. */
/*@ requires sim_ok(k) && o < PM_SIM_MAX_OBJECTS;
    requires vaddr % PM_SIM_PAGE_SIZE == 0 && len % PM_SIM_PAGE_SIZE == 0;
    requires vaddr + len <= UINT64_MAX;
    requires src_len == 0 || (\valid_read(src + (0 .. src_len - 1)) &&
                              \separated(src + (0 .. src_len - 1), k));
    assigns *k;
    ensures \result \in { PM_OK, PM_E_K_STATE, PM_E_K_OVERLAP, PM_E_K_NO_MEMORY };
    ensures sim_ok(k);
    ensures sim_keeps_maps{Pre, Post}(k);
    ensures \result == PM_OK ==> \forall integer x; vaddr <= x < vaddr + len ==>
      sim_page(k, o, x - x % PM_SIM_PAGE_SIZE, prot); */
static pm_status map_pages(struct pm_kernel *k, uint32_t o, uint64_t vaddr,
                           uint64_t len, uint32_t prot, const uint8_t *src,
                           uint64_t src_len)
{
    uint32_t idx[PM_SIM_MAX_FRAMES];
    uint64_t npages = len / PM_SIM_PAGE_SIZE;
    /*@ assert npages * PM_SIM_PAGE_SIZE == len; */
    if (k->obj[o].sealed != 0u)
        return PM_E_K_STATE;
    if (count_mapped(k, o, vaddr, len) != 0u)
        return PM_E_K_OVERLAP;
    if ((uint64_t)k->frames_used + npages > k->cfg.frames)
        return PM_E_K_NO_MEMORY;
    /* Cannot be short while frames_used counts the frames in use. */
    if (free_frames(k, idx, npages) < npages)
        return PM_E_K_NO_MEMORY;
    /* The counters after the change (the frames taken are free ones),
     * set first so that the mapping is the last thing written. */
    set_counts(k, o, frames_held(k, o) + (uint32_t)npages,
               frames_held(k, PM_SIM_NONE) + (uint32_t)npages);
    take_frames(k, idx, npages, o, vaddr, prot);
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
    /* sim_ok's parts one at a time: each is an easy goal, their
     * conjunction in one goal is not (the provers time out). */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h); */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_OBJECTS ==> sim_obj_ok(k, h); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
    fill_pages(k, idx, npages, src, src_len);
    return PM_OK;
}

/*@ requires sim_ok(k) && sim_glue(k, pm_k_vm);
    ensures sim_ok(k) && sim_glue(k, pm_k_vm); */
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
    /*@ assert st == PM_OK ==> sim_obj_ok(k, img); */
    if (st == PM_OK)
        st = pm_kc_image(PM_SIM_PAGE_SIZE, k->cfg.user_min, k->cfg.user_limit,
                         k->obj[img].size, file_off, len, vaddr, prot);
    if (st == PM_OK) {
        const struct pm_sim_obj *im = &k->obj[img];
        uint64_t avail = file_off < im->size ? im->size - file_off : 0u;
        st = map_pages(k, o, vaddr, len, prot,
                       avail > 0u ? im->bytes + file_off : NULL, avail);
        /*@ assert st == PM_OK ==> sim_names(k, as, o); */
        /*@ assert st == PM_OK ==> sim_mapped(k, as, vaddr, vaddr + len, prot); */
    }
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
    /*@ ghost sim_vm_sync(k); */
    return st;
}

/*@ requires sim_ok(k) && sim_glue(k, pm_k_vm);
    ensures sim_ok(k) && sim_glue(k, pm_k_vm); */
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
    if (st == PM_OK) {
        st = map_pages(k, o, vaddr, len, prot, NULL, 0u);
        /*@ assert st == PM_OK ==> sim_names(k, as, o); */
        /*@ assert st == PM_OK ==> sim_mapped(k, as, vaddr, vaddr + len, prot); */
    }
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
    /*@ ghost sim_vm_sync(k); */
    return st;
}

/* Frame f is freed; nothing else changes (sim_ok's parts asserted one at
 * a time: their conjunction in one goal is too much for the provers). */
/*@ requires sim_ok(k) && f < PM_SIM_MAX_FRAMES;
    assigns k->frame[f];
    ensures sim_ok(k); */
static void frame_clear(struct pm_kernel *k, uint32_t f)
{
    struct pm_sim_frame *fr = &k->frame[f];
    fr->owner = PM_SIM_NONE;
    fr->owner_gen = 0u;
    fr->vaddr = 0u;
    fr->prot = 0u;
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h); */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_OBJECTS ==> sim_obj_ok(k, h); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
}

/* Frame f's protection becomes prot; nothing else changes. */
/*@ requires sim_ok(k) && f < PM_SIM_MAX_FRAMES;
    assigns k->frame[f].prot;
    ensures sim_ok(k); */
static void frame_protect(struct pm_kernel *k, uint32_t f, uint32_t prot)
{
    k->frame[f].prot = prot;
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h); */
    /*@ assert \forall integer h; 0 <= h < PM_SIM_MAX_OBJECTS ==> sim_obj_ok(k, h); */
    /*@ assert sim_inject_ok(k); */
    /*@ assert k->nevents <= PM_SIM_MAX_OBJECTS; */
}

/* Checks shared by unmap and protect, after the prot check. */
/*@ requires sim_ok(k) && o < PM_SIM_MAX_OBJECTS;
    assigns \nothing;
    ensures \result \in { PM_OK, PM_E_K_ALIGN, PM_E_K_RANGE, PM_E_K_STATE,
                         PM_E_K_NOT_MAPPED };
    ensures \result == PM_OK ==> pm_k_range_ok_at(PM_SIM_PAGE_SIZE,
              k->cfg.user_min, k->cfg.user_limit, vaddr, len); */
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

/*@ requires sim_ok(k) && sim_glue(k, pm_k_vm);
    ensures sim_ok(k) && sim_glue(k, pm_k_vm); */
pm_status pm_k_as_unmap(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                        uint64_t len)
{
    uint32_t o = 0;
    pm_status st = sim_inject(k);
    if (st == PM_OK)
        st = sim_cap(k, as, PM_KOBJ_AS, PM_KR_MANAGE, &o);
    if (st == PM_OK)
        st = mapped_range(k, o, vaddr, len);
    if (st == PM_OK) {
        /*@ loop invariant 0 <= f <= PM_SIM_MAX_FRAMES;
            loop invariant sim_ok(k);
            loop assigns f, *k;
            loop variant PM_SIM_MAX_FRAMES - f; */
        for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
            const struct pm_sim_frame *fr = &k->frame[f];
            if (fr->owner == o && fr->vaddr >= vaddr && fr->vaddr - vaddr < len)
                frame_clear(k, f);
        }
        set_counts(k, o, frames_held(k, o), frames_held(k, PM_SIM_NONE));
    }
    /*@ ghost sim_vm_sync(k); */
    return st;
}

/*@ requires sim_ok(k) && sim_glue(k, pm_k_vm);
    ensures sim_ok(k) && sim_glue(k, pm_k_vm); */
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
    if (st == PM_OK) {
        /*@ loop invariant 0 <= f <= PM_SIM_MAX_FRAMES;
            loop invariant sim_ok(k);
            loop assigns f, *k;
            loop variant PM_SIM_MAX_FRAMES - f; */
        for (uint32_t f = 0; f < PM_SIM_MAX_FRAMES; f++) {
            const struct pm_sim_frame *fr = &k->frame[f];
            if (fr->owner == o && fr->vaddr >= vaddr && fr->vaddr - vaddr < len)
                frame_protect(k, f, prot);
        }
    }
    /*@ ghost sim_vm_sync(k); */
    return st;
}

/* Every page touched by [vaddr, vaddr + len) (len > 0, no overflow) mapped. */
/*@ requires \valid_read(k) && 0 < len && vaddr + len <= UINT64_MAX + 1;
    assigns \nothing;
    ensures \result == PM_OK || \result == PM_E_K_NOT_MAPPED;
    ensures \result == PM_OK ==> \forall integer x; vaddr <= x < vaddr + len ==>
      \exists integer f; 0 <= f < PM_SIM_MAX_FRAMES && k->frame[f].owner == o &&
        k->frame[f].vaddr == x - x % PM_SIM_PAGE_SIZE; */
static pm_status pages_present(const struct pm_kernel *k, uint32_t o,
                               uint64_t vaddr, uint64_t len)
{
    /* The last byte, as vaddr + (len - 1): vaddr + len may be 2^64. */
    uint64_t end = vaddr + (len - 1u);
    uint64_t page = vaddr - vaddr % PM_SIM_PAGE_SIZE;
    uint64_t last = end - end % PM_SIM_PAGE_SIZE;
    /*@ loop invariant page % PM_SIM_PAGE_SIZE == 0;
        loop invariant vaddr - vaddr % PM_SIM_PAGE_SIZE <= page <= last;
        loop invariant \forall integer x; vaddr <= x < vaddr + len ==>
          x - x % PM_SIM_PAGE_SIZE < page ==>
          \exists integer f; 0 <= f < PM_SIM_MAX_FRAMES && k->frame[f].owner == o &&
            k->frame[f].vaddr == x - x % PM_SIM_PAGE_SIZE;
        loop assigns page;
        loop variant last - page; */
    for (;;) {
        if (sim_frame_find(k, o, page) == PM_SIM_NONE)
            return PM_E_K_NOT_MAPPED;
        if (page == last)
            break;
        /*@ assert page < last && last % PM_SIM_PAGE_SIZE == 0; */
        /*@ assert page + PM_SIM_PAGE_SIZE <= last; */
        page += PM_SIM_PAGE_SIZE;
    }
    return PM_OK;
}

/* Copy between a caller buffer and the AS (src != NULL: into the AS).
 * NOT_MAPPED if a page has no frame (pages_present has checked that it
 * has; the check here keeps copy_as safe on its own, without carrying a
 * quantified precondition across the call). */
/*@ requires \valid(k) && 0 < len && vaddr + len <= UINT64_MAX + 1;
    requires src != \null ==> \valid_read(src + (0 .. len - 1)) &&
                              \separated(src + (0 .. len - 1), k);
    requires src == \null ==> \valid(buf + (0 .. len - 1)) &&
                              \separated(buf + (0 .. len - 1), k);
    assigns k->data[0 .. PM_SIM_MAX_FRAMES - 1][0 .. PM_SIM_PAGE_SIZE - 1],
            buf[0 .. len - 1];
    ensures \result == PM_OK || \result == PM_E_K_NOT_MAPPED; */
static pm_status copy_as(struct pm_kernel *k, uint32_t o, uint64_t vaddr,
                         uint8_t *buf, const uint8_t *src, uint64_t len)
{
    uint64_t done = 0;
    /*@ loop invariant 0 <= done <= len;
        loop assigns done, k->data[0 .. PM_SIM_MAX_FRAMES - 1][0 .. PM_SIM_PAGE_SIZE - 1],
                     buf[0 .. len - 1];
        loop variant len - done; */
    while (done < len) {
        uint64_t va = vaddr + done;
        uint64_t in = va % PM_SIM_PAGE_SIZE;
        uint64_t n = PM_SIM_PAGE_SIZE - in;
        if (n > len - done)
            n = len - done;
        uint32_t f = sim_frame_find(k, o, va - in);
        if (f == PM_SIM_NONE)
            return PM_E_K_NOT_MAPPED;
        if (src != NULL)
            sim_copy(k->data[f] + in, src + done, n);
        else
            sim_copy(buf + done, k->data[f] + in, n);
        done += n;
    }
    return PM_OK;
}

/*@ requires sim_ok(k) && sim_glue(k, pm_k_vm);
    requires \separated(bytes + (0 .. len - 1), k);
    ensures sim_ok(k) && sim_glue(k, pm_k_vm); */
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
        st = copy_as(k, o, vaddr, NULL, bytes, len);
    /*@ assert sim_keeps_maps{Pre, Here}(k); */
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
        }
    }
    k->obj[oidx].npages = 0u;
    k->frames_used = frames_held(k, PM_SIM_NONE);
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
        st = copy_as(k, o, vaddr, buf, NULL, len);
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
