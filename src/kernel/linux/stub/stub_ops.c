/*
 * procmgr stub loader, ops mode: the Linux backend of include/procmgr/
 * kernel.h (src/kernel/linux/klinux*.c) records the construction calls of
 * one address space (map an image range, map zero pages, unmap, protect,
 * write bytes) and sends them here in one pm_stub_build; the stub replays
 * them in order with MAP_FIXED_NOREPLACE, places the CSpace's handles at
 * their fd numbers, reports "built" and waits.  pm_stub_go then gives the
 * entry and the stack pointer of the initial stack the core built (with
 * its proven stack builder) and wrote through those writes; the stub points
 * /proc/PID/{cmdline,environ,auxv} at it (PR_SET_MM_MAP), drops the
 * kernel-made stack of its own exec, and leaves through the trampoline.
 *
 * The parent (procmgr) is trusted: every op was checked by its bookkeeping
 * (alignment, range, W^X, overlap) when the core made the call.  The stub
 * still checks shapes before using anything as an index or an address, and
 * reads the core-built stack only inside the bounds the parent gives.
 */
#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "stub_internal.h"

#define g_build g_msg.build

#define STUB_PAGE_MASK (STUB_PAGE - 1u)

/* The size rounded up to a page (mmap maps the last partial page of a
 * file), saturated at the last page boundary. */
/*@ assigns \nothing;
    ensures \result % 4096 == 0;
    ensures size <= UINT64_MAX - 4095 ==> size <= \result < size + 4096;
    ensures size > UINT64_MAX - 4095 ==> \result == UINT64_MAX - 4095;
 */
static uint64_t page_up(uint64_t size)
{
    if (size > UINT64_MAX - STUB_PAGE_MASK)
        return UINT64_MAX - STUB_PAGE_MASK;
    size += STUB_PAGE_MASK;
    return size - size % STUB_PAGE;
}

/* One op on its own: its shape (kind, protection bits, no overflow, image
 * index, WRITE inside the bytes sent), then the defence in depth the
 * parent's bookkeeping also applies: never writable and executable, page
 * alignment, a MAP_IMAGE inside its image's size (isize: fstat's sizes,
 * one per image).  PM_OK or the refusal. */
/*@ requires \valid_read(o) && \valid_read(b);
    requires b->nimages <= PM_STUB_MAX_IMAGES;
    requires \valid_read(isize + (0 .. PM_STUB_MAX_IMAGES - 1));
    assigns \nothing;
    ensures \result == PM_OK ==> stub_op_shape(b, o);
 */
static pm_status op_ok(const pm_stub_op *o, const pm_stub_build *b, const uint64_t *isize)
{
    int paged = o->kind != PM_STUB_OP_WRITE && o->kind != PM_STUB_OP_ZERO;
    pm_status st = PM_OK;

    if (o->kind < PM_STUB_OP_MAP_IMAGE || o->kind > PM_STUB_OP_ZERO ||
        o->prot > (uint32_t)(PM_PROT_R | PM_PROT_W | PM_PROT_X) ||
        o->len == 0 || o->len > UINT64_MAX - o->vaddr)
        st = PM_E_LINUX_STUB_PROTOCOL;
    else if (o->kind == PM_STUB_OP_MAP_IMAGE && o->image >= b->nimages)
        st = PM_E_LINUX_STUB_PROTOCOL;
    else if (o->kind == PM_STUB_OP_WRITE &&
             (o->len > UINT64_MAX - o->off ||
              (!b->has_data && o->off + o->len > b->data_len)))
        st = PM_E_LINUX_STUB_PROTOCOL;
    else if ((o->prot & PM_PROT_W) != 0 && (o->prot & PM_PROT_X) != 0)
        st = PM_E_LINUX_STUB_WX;
    else if (paged && (o->vaddr % STUB_PAGE != 0 || o->len % STUB_PAGE != 0))
        st = PM_E_LINUX_STUB_ALIGN;
    else if (o->kind == PM_STUB_OP_MAP_IMAGE && o->off % STUB_PAGE != 0)
        st = PM_E_LINUX_STUB_ALIGN;
    else if (o->kind == PM_STUB_OP_MAP_IMAGE) {
        uint64_t rsize = page_up(isize[o->image]);
        if (o->off > rsize || o->len > rsize - o->off)
            st = PM_E_LINUX_STUB_FILE_RANGE;
    }
    return st;
}

/* [a, a + alen) meets [lo, hi) (lo < hi), written without a + alen. */
/*@ requires lo < hi;
    assigns \nothing;
    ensures \result != 0 <==> (0 < alen && a < hi && lo < a + alen);
 */
static int meets(uint64_t a, uint64_t alen, uint64_t lo, uint64_t hi)
{
    int r = 0;

    if (alen != 0)
        r = a <= lo ? lo - a < alen : a < hi;
    return r;
}

/*@ predicate op_unmaps(pm_stub_op *u, integer lo, integer hi) =
      u->kind == PM_STUB_OP_UNMAP && u->vaddr <= lo && hi <= u->vaddr + u->len;
    predicate op_touches(pm_stub_op *u, integer lo, integer hi) =
      u->kind == PM_STUB_OP_UNMAP && 0 < u->len && u->vaddr < hi && lo < u->vaddr + u->len;
    predicate build_head_ok(pm_stub_build *b, integer len) =
      b->nops <= PM_STUB_MAX_OPS && b->nimages <= PM_STUB_MAX_IMAGES &&
      b->data_len <= PM_STUB_INLINE_MAX && b->nmounts <= PM_STUB_MAX_MOUNTS &&
      len == PM_STUB_BUILD_HEAD_ACSL + b->nops * 40 + b->data_len;
    // The fds received match the counts; the handle targets are fds.
    predicate build_fds_ok(pm_stub_build *b) =
      b->has_data <= 1 && b->nhandles <= PM_STUB_MAX_SLOTS && b->has_cwd <= 1 &&
      g_nrecv == b->nimages + b->has_data + b->nhandles + b->has_cwd + b->nmounts &&
      (\forall integer k; 0 <= k < b->nhandles ==>
         0 <= b->handle_target[k] < PM_STUB_FD_LIMIT);
    predicate build_mounts_ok(pm_stub_build *b, integer n) =
      \forall integer k; 0 <= k < n ==> b->mount_off[k] < PM_STUB_MOUNT_BYTES;
    predicate build_ops_ok(pm_stub_build *b, integer n) =
      \forall integer k; 0 <= k < n ==> stub_op_checked(b, k);
    // What build_ok's PM_OK means: everything the replay relies on.
    predicate build_ready(pm_stub_build *b) =
      b->nops <= PM_STUB_MAX_OPS && b->nimages <= PM_STUB_MAX_IMAGES &&
      b->data_len <= PM_STUB_INLINE_MAX && b->nmounts <= PM_STUB_MAX_MOUNTS &&
      build_fds_ok(b) && build_mounts_ok(b, b->nmounts) && build_ops_ok(b, b->nops);

    // Page rounding stays inside a page-aligned range.
    lemma page_down_in: \forall integer a, ml; 0 <= ml <= a && ml % 4096 == 0 ==>
      ml <= a - a % 4096;
    lemma page_up_in: \forall integer r, e, me;
      r % 4096 == 0 && me % 4096 == 0 && e <= me && r < e + 4096 ==> r <= me;
 */

/* Some UNMAP among ops (j, i) removed all of [lo, hi). */
/*@ requires \valid_read(b) && j < i <= PM_STUB_MAX_OPS && lo < hi;
    assigns \nothing;
    ensures \result != 0 <==> (\exists integer k; j < k < i && op_unmaps(&b->op[k], lo, hi));
 */
static int unmapped_between(const pm_stub_build *b, uint32_t j, uint32_t i,
                            uint64_t lo, uint64_t hi)
{
    uint32_t k;
    int r = 0;

    /*@ loop invariant j + 1 <= k <= i;
        loop invariant r == 0 <==> (\forall integer m; j < m < k ==> !op_unmaps(&b->op[m], lo, hi));
        loop invariant r != 0 ==> k > j + 1;
        loop assigns k, r;
        loop variant i - k;
     */
    for (k = j + 1; k < i && r == 0; k++) {
        const pm_stub_op *u = &b->op[k];
        if (u->kind == PM_STUB_OP_UNMAP && u->vaddr <= lo && hi - u->vaddr <= u->len)
            r = 1;
    }
    return r;
}

/* Some UNMAP among ops (j, i) removed any of [lo, hi). */
/*@ requires \valid_read(b) && j < i <= PM_STUB_MAX_OPS && lo < hi;
    assigns \nothing;
    ensures \result != 0 <==> (\exists integer k; j < k < i && op_touches(&b->op[k], lo, hi));
 */
static int touched_between(const pm_stub_build *b, uint32_t j, uint32_t i,
                           uint64_t lo, uint64_t hi)
{
    uint32_t k;
    int r = 0;

    /*@ loop invariant j + 1 <= k <= i;
        loop invariant r == 0 <==> (\forall integer m; j < m < k ==> !op_touches(&b->op[m], lo, hi));
        loop assigns k, r;
        loop variant i - k;
     */
    for (k = j + 1; k < i && r == 0; k++) {
        const pm_stub_op *u = &b->op[k];
        if (u->kind == PM_STUB_OP_UNMAP && meets(u->vaddr, u->len, lo, hi))
            r = 1;
    }
    return r;
}

/* Map op i lands on no page an earlier map op left mapped: for every
 * earlier map it meets, one UNMAP since then removed the pages they share
 * (one UNMAP covering them: a stricter rule than the pages' real state, so
 * a sequence the stub accepts never maps over a mapped page). */
/*@ requires \valid_read(b) && i < PM_STUB_MAX_OPS;
    requires lo < hi;
    assigns \nothing;
 */
static int map_free(const pm_stub_build *b, uint32_t i, uint64_t lo, uint64_t hi)
{
    uint32_t j;
    int ok = 1;

    /*@ loop invariant 0 <= j <= i;
        loop assigns j, ok;
        loop variant i - j;
     */
    for (j = 0; j < i && ok; j++) {
        const pm_stub_op *m = &b->op[j];
        if ((m->kind == PM_STUB_OP_MAP_IMAGE || m->kind == PM_STUB_OP_MAP_ZERO) &&
            meets(m->vaddr, m->len, lo, hi)) {
            /* the shared pages: [max(lo, m), min(hi, m end)) */
            uint64_t slo = m->vaddr > lo ? m->vaddr : lo;
            uint64_t shi = hi - m->vaddr <= m->len ? hi : m->vaddr + m->len;
            if (!unmapped_between(b, j, i, slo, shi))
                ok = 0;
        }
    }
    return ok;
}

/* [lo, hi) lies inside one earlier map op that no UNMAP touched since: a
 * WRITE, ZERO, PROTECT or UNMAP reaches only pages the build mapped (never
 * the stub's own memory, which MAP_FIXED_NOREPLACE kept those maps off). */
/*@ requires \valid_read(b) && i < PM_STUB_MAX_OPS && lo < hi;
    assigns \nothing;
    ensures \result != 0 ==>
      \exists integer j; 0 <= j < i && stub_is_map(b->op[j].kind) &&
        b->op[j].vaddr <= lo && hi <= b->op[j].vaddr + b->op[j].len;
 */
static int in_live_map(const pm_stub_build *b, uint32_t i, uint64_t lo, uint64_t hi)
{
    uint32_t j;
    int found = 0;

    /*@ loop invariant 0 <= j <= i;
        loop invariant found != 0 ==>
          \exists integer m; 0 <= m < j && stub_is_map(b->op[m].kind) &&
            b->op[m].vaddr <= lo && hi <= b->op[m].vaddr + b->op[m].len;
        loop assigns j, found;
        loop variant i - j;
     */
    for (j = 0; j < i && !found; j++) {
        const pm_stub_op *m = &b->op[j];
        if ((m->kind == PM_STUB_OP_MAP_IMAGE || m->kind == PM_STUB_OP_MAP_ZERO) &&
            m->vaddr <= lo && hi - m->vaddr <= m->len && !touched_between(b, j, i, lo, hi))
            found = 1;
    }
    return found;
}

/* Op i against the ops before it: a map over nothing still mapped, any
 * other op inside a live earlier mapping. */
/*@ requires \valid_read(b) && i < PM_STUB_MAX_OPS;
    requires 0 < b->op[i].len && b->op[i].vaddr + b->op[i].len <= UINT64_MAX;
    assigns \nothing;
    ensures \result == PM_OK && !stub_is_map(b->op[i].kind) ==>
      \exists integer j; 0 <= j < i && stub_is_map(b->op[j].kind) &&
        b->op[j].vaddr <= b->op[i].vaddr &&
        b->op[i].vaddr + b->op[i].len <= b->op[j].vaddr + b->op[j].len;
 */
static pm_status op_fits(const pm_stub_build *b, uint32_t i)
{
    const pm_stub_op *o = &b->op[i];
    uint64_t lo = o->vaddr, hi = o->vaddr + o->len;
    pm_status st = PM_OK;

    if (o->kind == PM_STUB_OP_MAP_IMAGE || o->kind == PM_STUB_OP_MAP_ZERO) {
        if (!map_free(b, i, lo, hi))
            st = PM_E_LINUX_STUB_OVERLAP;
    } else if (!in_live_map(b, i, lo, hi)) {
        st = PM_E_LINUX_STUB_UNMAPPED;
    }
    return st;
}

/* The byte offset in g_msg.room of the inline data (after the ops in use). */
#define STUB_INLINE_AT(nops) (PM_STUB_BUILD_HEAD + (uint64_t)(nops) * sizeof(pm_stub_op))

/* The written bytes carried in the message, after the ops in use. */
/*@ requires g_msg.build.nops <= PM_STUB_MAX_OPS;
    assigns \nothing;
    ensures \result == &g_msg.room[PM_STUB_BUILD_HEAD_ACSL + g_msg.build.nops * 40];
 */
static const uint8_t *inline_data(void)
{
    return &g_msg.room[STUB_INLINE_AT(g_build.nops)];
}

/* Mount path i: starts with '/' and is NUL-terminated inside the pool. */
/*@ requires \valid_read(b) && i < PM_STUB_MAX_MOUNTS;
    assigns \nothing;
    ensures \result != 0 ==> b->mount_off[i] < PM_STUB_MOUNT_BYTES;
 */
static int mount_ok(const pm_stub_build *b, uint32_t i)
{
    uint32_t off = b->mount_off[i], n = 0;
    int ok = 0;

    if (off < PM_STUB_MOUNT_BYTES && b->mount_paths[off] == '/') {
        /*@ loop invariant 0 <= n <= PM_STUB_MOUNT_BYTES - off;
            loop assigns n;
            loop variant PM_STUB_MOUNT_BYTES - off - n;
         */
        while (n < PM_STUB_MOUNT_BYTES - off && b->mount_paths[off + n] != '\0')
            n++;
        ok = n < PM_STUB_MOUNT_BYTES - off;   /* else not NUL-terminated */
    }
    return ok;
}

/* Checks of the build of len received bytes: PM_OK, or the refusal with
 * the failing op's index in *bad (0 when no op is at fault) and an errno
 * in *err (fstat of an image).  The shapes first, then each op against
 * its own shape, the defence-in-depth rules and the ops before it. */
/*@ requires \valid(bad) && \valid(err) && \separated(bad, err);
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    assigns *bad, *err;
    ensures -4095 <= *err <= 0;
    ensures \result == PM_OK ==>
              build_ready(&g_msg.build) && build_head_ok(&g_msg.build, len);
 */
static pm_status build_ok(uint64_t len, uint32_t *bad, long *err)
{
    const pm_stub_build *b = &g_build;
    uint64_t isize[PM_STUB_MAX_IMAGES] = { 0 };
    pm_status st = PM_OK;
    uint32_t i;

    *bad = 0;
    *err = 0;
    if (b->version != PM_STUB_VERSION || b->nops > PM_STUB_MAX_OPS ||
        b->data_len > PM_STUB_INLINE_MAX || (b->has_data && b->data_len != 0) ||
        len != PM_STUB_BUILD_LEN(b->nops, b->data_len) ||
        b->nimages > PM_STUB_MAX_IMAGES || b->has_data > 1 ||
        b->nhandles > PM_STUB_MAX_SLOTS || b->has_cwd > 1 ||
        b->nmounts > PM_STUB_MAX_MOUNTS ||
        g_nrecv != b->nimages + b->has_data + b->nhandles + b->has_cwd + b->nmounts ||
        !stub_targets_ok(b->handle_target, b->nhandles))
        st = PM_E_LINUX_STUB_PROTOCOL;
    /*@ loop invariant st == PM_OK ==> build_head_ok(b, len) && build_fds_ok(b) &&
                          i <= b->nmounts && build_mounts_ok(b, i);
        loop assigns i, st;
        loop variant PM_STUB_MAX_MOUNTS - i;
     */
    for (i = 0; st == PM_OK && i < b->nmounts; i++)
        if (!mount_ok(b, i))
            st = PM_E_LINUX_STUB_PROTOCOL;
    /* the images' sizes, for the file ranges of MAP_IMAGE */
    /*@ loop invariant st == PM_OK ==> build_head_ok(b, len) && build_fds_ok(b) &&
                          build_mounts_ok(b, b->nmounts) && i <= b->nimages;
        loop invariant -4095 <= *err <= 0;
        loop assigns i, st, isize[0 .. PM_STUB_MAX_IMAGES - 1], *err;
        loop variant PM_STUB_MAX_IMAGES - i;
     */
    for (i = 0; st == PM_OK && i < b->nimages; i++) {
        long r = stub_fstat_size(g_recv_fd[i], &isize[i]);
        if (r != 0) {
            *err = r;
            st = PM_E_LINUX_STUB_FDS;
        }
    }
    /*@ loop invariant st == PM_OK ==> build_head_ok(b, len) && build_fds_ok(b) &&
                          build_mounts_ok(b, b->nmounts) && i <= b->nops &&
                          build_ops_ok(b, i);
        loop assigns i, st, *bad;
        loop variant PM_STUB_MAX_OPS - i;
     */
    for (i = 0; st == PM_OK && i < b->nops; i++) {
        st = op_ok(&b->op[i], b, isize);
        if (st == PM_OK)
            st = op_fits(b, i);
        if (st != PM_OK)
            *bad = i;
    }
    return st;
}

/* WRITE or ZERO of op i: the pages may be read-only or executable (the
 * builder writes whatever the protection); they are made RW (never W+X)
 * for the copy and given their protection back.  data_fd: the data memfd
 * WRITE reads from, or -1: the bytes are inline.  Every write, and both
 * mprotects, stay inside the earlier map op that build_ok found around
 * the op (its pages: the map is page-aligned). */
/*@ requires build_ready(&g_msg.build) && i < g_msg.build.nops;
    requires g_msg.build.op[i].kind == PM_STUB_OP_WRITE ||
             g_msg.build.op[i].kind == PM_STUB_OP_ZERO;
    requires data_fd < 0 ==> g_msg.build.has_data == 0;
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long op_poke(uint32_t i, long data_fd)
{
    const pm_stub_op *o = &g_build.op[i];
    uint64_t lo = o->vaddr - o->vaddr % STUB_PAGE;
    uint64_t hi = page_up(o->vaddr + o->len);
    int flip = (o->prot & PM_PROT_W) == 0;
    uint64_t done = 0;
    long r = 0;

    //@ assert stub_op_checked(&g_msg.build, i);
    //@ assert stub_op_shape(&g_msg.build, &g_msg.build.op[i]);
    //@ assert stub_in_map(&g_msg.build, i, o->vaddr, o->vaddr + o->len);
    //@ assert stub_built(o->vaddr, o->vaddr + o->len);
    //@ assert lo % 4096 == 0 && lo <= o->vaddr && lo <= hi;
    /* the pages both mprotects change: inside that map (page-aligned) */
    /*@ assert \exists integer j; 0 <= j < i && stub_is_map(g_msg.build.op[j].kind) &&
          g_msg.build.op[j].vaddr <= o->vaddr &&
          o->vaddr + o->len <= g_msg.build.op[j].vaddr + g_msg.build.op[j].len &&
          stub_op_shape(&g_msg.build, &g_msg.build.op[j]);
     */
    //@ assert stub_built(lo, hi);
    if (flip)
        r = stub_sys_mprotect(lo, hi - lo, STUB_PROT_READ | STUB_PROT_WRITE);
    if (r == 0 && o->kind == PM_STUB_OP_ZERO)
        stub_tgt_zero(o->vaddr, o->len);
    if (r == 0 && o->kind == PM_STUB_OP_WRITE && data_fd < 0)
        stub_tgt_copy(o->vaddr, inline_data() + o->off, o->len);
    /*@ loop invariant 0 <= done <= o->len && -4095 <= r <= 0;
        loop assigns done, r;
     */
    while (r == 0 && o->kind == PM_STUB_OP_WRITE && data_fd >= 0 && done < o->len) {
        long n = stub_tgt_pread(data_fd, o->vaddr + done, o->len - done, o->off + done);
        if (n == -STUB_EINTR)
            continue;
        if (n <= 0)
            r = n < 0 ? n : -5;   /* EIO: the data memfd is short */
        else
            done += (uint64_t)n;
    }
    if (r == 0 && flip)
        r = stub_sys_mprotect(lo, hi - lo, stub_prot(o->prot));
    return r;
}

/* Op i, as build_ok checked it: a map exactly at the op's range with the
 * op's protection (never W+X), an UNMAP or PROTECT inside an earlier map. */
/*@ requires build_ready(&g_msg.build) && i < g_msg.build.nops;
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    requires data_fd < 0 ==> g_msg.build.has_data == 0;
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long op_run(uint32_t i, long data_fd)
{
    const pm_stub_op *o = &g_build.op[i];
    uint64_t prot = stub_prot(o->prot);
    long r;

    //@ assert stub_op_checked(&g_msg.build, i);
    switch (o->kind) {
    case PM_STUB_OP_MAP_IMAGE:
        r = stub_mmap_at(o->vaddr, o->len, prot, 0, g_recv_fd[o->image], o->off);
        break;
    case PM_STUB_OP_MAP_ZERO:
        r = stub_mmap_at(o->vaddr, o->len, prot, STUB_MAP_ANONYMOUS, -1, 0);
        break;
    case PM_STUB_OP_UNMAP:
        //@ assert stub_in_map(&g_msg.build, i, o->vaddr, o->vaddr + o->len);
        r = stub_sys_munmap(o->vaddr, o->len);
        break;
    case PM_STUB_OP_PROTECT:
        //@ assert stub_in_map(&g_msg.build, i, o->vaddr, o->vaddr + o->len);
        r = stub_sys_mprotect(o->vaddr, o->len, prot);
        break;
    default:
        r = op_poke(i, data_fd);
        break;
    }
    return r;
}

/* Replay the checked ops in order, up to the first failure: 0, or its
 * -errno with its index in *failed.  The data memfd (has_data) is the
 * received fd after the images. */
/*@ requires build_ready(&g_msg.build);
    requires \valid(failed) &&
             \separated(failed, &g_msg, g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1), &g_nrecv);
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    requires \forall integer k; 0 <= k < g_nrecv ==> g_recv_fd[k] >= 0;
    assigns *failed;
    ensures -4095 <= \result <= 0;
    ensures \result != 0 ==> *failed < g_msg.build.nops;
 */
static long replay(uint32_t *failed)
{
    const pm_stub_build *b = &g_build;
    long data_fd = b->has_data ? g_recv_fd[b->nimages] : -1;
    long err = 0;
    uint32_t i;

    /*@ loop invariant 0 <= i <= b->nops && -4095 <= err <= 0;
        loop invariant err != 0 ==> i > 0;
        loop assigns i, err;
        loop variant b->nops - i;
     */
    for (i = 0; i < b->nops && err == 0; i++)
        err = op_run(i, data_fd);
    if (err != 0)
        *failed = i - 1;
    return err;
}

/* Index among the received fds of the working directory's fd; the
 * namespace directories follow it. */
/*@ requires build_ready(&g_msg.build);
    assigns \nothing;
    ensures \result == g_msg.build.nimages + g_msg.build.has_data + g_msg.build.nhandles;
 */
static uint32_t cwd_index(void)
{
    return g_build.nimages + g_build.has_data + g_build.nhandles;
}

/* The program's working directory: the directory fd received after the
 * handles, or "/" (nothing of procmgr's own working directory is
 * inherited).  Done while stopped, after the mounts, before the handles
 * are placed (which closes that fd). */
/*@ requires build_ready(&g_msg.build);
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long enter_cwd(void)
{
    static const char root[] = "/";
    if (g_build.has_cwd)
        return stub_sys_fchdir(g_recv_fd[cwd_index()]);
    return stub_sys_chdir(root);
}

/* The status a failed namespace step is refused with. */
/*@ assigns \nothing;
    ensures \result == PM_E_LINUX_NAME_MOUNTPOINT ||
            \result == PM_E_LINUX_NAMESPACE_DENIED || \result == PM_E_LINUX_STUB_FDS;
 */
static pm_status ns_status(long err, int on_path)
{
    if (on_path && (err == -STUB_ENOENT || err == -STUB_ENOTDIR))
        return PM_E_LINUX_NAME_MOUNTPOINT;
    if (err == -STUB_EPERM || err == -STUB_ENOSYS || (!on_path && err == -22 /* EINVAL */))
        return PM_E_LINUX_NAMESPACE_DENIED;
    return PM_E_LINUX_STUB_FDS;
}

/* Namespace entries: each directory cloned as a detached bind mount
 * (open_tree from the fd: no path of procmgr's is looked up for the
 * source; done first, because a mount of procmgrd's namespace can only
 * be cloned from inside it), then a mount namespace of the child's own,
 * every mount in it made private (nothing propagates back to procmgrd's
 * view), then each clone attached on its path (move_mount).  Refused,
 * never skipped: the stub exits unstarted and the launch fails with
 * LINUX_NAMESPACE_DENIED or LINUX_NAME_MOUNTPOINT.  The clones are
 * close-on-exec descriptors above the handle range, closed here. */
/*@ requires build_ready(&g_msg.build);
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    requires 0 <= ctl <= 2147483647;
    assigns \nothing;
 */
static void enter_namespace(long ctl)
{
    static const char root[] = "/", empty[] = "";
    const pm_stub_build *b = &g_build;
    uint32_t first = cwd_index() + b->has_cwd, i;
    long tree[PM_STUB_MAX_MOUNTS];
    long r = 0;

    if (b->nmounts == 0)
        return;
    /*@ loop invariant 0 <= i <= b->nmounts && -4095 <= r <= 0;
        loop assigns i, r, tree[0 .. PM_STUB_MAX_MOUNTS - 1];
        loop variant b->nmounts - i;
     */
    for (i = 0; i < b->nmounts && r == 0; i++) {
        tree[i] = stub_sys_open_tree(g_recv_fd[first + i], empty,
                                     STUB_OPEN_TREE_CLONE | STUB_O_CLOEXEC | STUB_AT_EMPTY_PATH);
        if (tree[i] < 0)
            r = tree[i];
    }
    if (r == 0)
        r = stub_sys_unshare(STUB_CLONE_NEWNS);
    if (r == 0)
        r = stub_sys_mount_flags(root, STUB_MS_REC | STUB_MS_PRIVATE);
    if (r != 0)
        stub_fail((int)ctl, ns_status(r, 0), r, PM_STUB_STAGE_FDS);
    /*@ loop invariant 0 <= i <= b->nmounts;
        loop assigns i, r;
        loop variant b->nmounts - i;
     */
    for (i = 0; i < b->nmounts; i++) {
        const char *path = b->mount_paths + b->mount_off[i];
        r = stub_sys_move_mount(tree[i], empty, STUB_AT_FDCWD, path,
                                STUB_MOVE_MOUNT_F_EMPTY_PATH);
        (void)stub_sys1(SYS_close, tree[i]);
        if (r != 0)
            stub_fail((int)ctl, ns_status(r, 1), r, PM_STUB_STAGE_FDS);
    }
}

/* dup3 each handle to its target; close the data memfd, the lifted copies
 * and anything else below PM_STUB_FD_LIMIT.  The image fds stay (lifted,
 * close-on-exec) until the jump: the program's one names /proc/PID/exe. */
/*@ requires build_ready(&g_msg.build);
    requires \valid_read(g_recv_fd + (0 .. STUB_MAX_RECV_FDS - 1));
    assigns \nothing;
    ensures -4095 <= \result <= 0;
 */
static long place_handles(void)
{
    const pm_stub_build *b = &g_build;
    return stub_place_fds(b->nimages + b->has_data, b->handle_target, b->nhandles,
                          b->nimages);
}

/* ---- after "go": the stack the core built ------------------------------- */

typedef struct built_stack {
    uint64_t argc, envc;
    uint64_t argv, envp, auxv;   /* addresses in the built stack */
    uint32_t auxv_bytes;      /* AT_NULL pair included */
    uint64_t at_entry, at_execfn;
    uint64_t arg_start, arg_end, env_start, env_end;
} built_stack;

/* End (one past the NUL) of the string at s inside [lo, hi), or 0. */
/*@ assigns \nothing;
    ensures \result == 0 || (lo <= s < \result <= hi);
 */
static uint64_t str_end_in(uint64_t s, uint64_t lo, uint64_t hi)
{
    uint64_t n = 0;

    if (s < lo || s >= hi)
        return 0;
    /*@ loop invariant 0 <= n <= hi - s;
        loop assigns n;
        loop variant hi - s - n;
     */
    while (s + n < hi && stub_peek8(s + n, lo, hi) != '\0')
        n++;
    return s + n < hi ? s + n + 1 : 0;
}

/* Range of strings v[0..n) (contiguous as the builder lays them out). */
/*@ requires lo <= v && v + 8 * n <= hi;
    requires \valid(start) && \valid(end) && \separated(start, end);
    assigns *start, *end;
 */
static int strings_range(uint64_t v, uint64_t n, uint64_t lo, uint64_t hi,
                         uint64_t *start, uint64_t *end)
{
    uint64_t i, e = 0;

    *start = *end = 0;
    /*@ loop invariant 0 <= i <= n;
        loop assigns i, e;
        loop variant n - i;
     */
    for (i = 0; i < n; i++) {
        e = str_end_in(stub_peek64(v + 8 * i, lo, hi), lo, hi);
        if (e == 0)
            return 0;
    }
    if (n > 0) {
        *start = stub_peek64(v, lo, hi);
        *end = e;
    }
    return 1;
}

/* Walk argc, argv, envp, auxv from sp, never reading outside [lo, hi):
 * word by word, each read with its 8 bytes below hi. */
/*@ requires \valid_read(g) && \valid(s) && \separated(g, s);
    assigns *s;
 */
static int stack_parse(const pm_stub_go *g, built_stack *s)
{
    const built_stack none = { 0 };
    uint64_t lo = g->stack_lo, hi = g->stack_hi;
    uint64_t w, tag;

    *s = none;
    if (hi <= lo || g->sp < lo || g->sp >= hi || hi - g->sp < 8 || g->sp % 8 != 0)
        return 0;
    w = g->sp;
    s->argc = stub_peek64(w, lo, hi);
    w += 8;
    if (s->argc >= (hi - w) / 8)
        return 0;
    s->argv = w;
    w += 8 * s->argc;
    if (stub_peek64(w, lo, hi) != 0)
        return 0;
    w += 8;
    s->envp = w;
    /*@ loop invariant s->envp <= w <= hi && lo <= w;
        loop assigns w;
        loop variant hi - w;
     */
    while (hi - w >= 8 && stub_peek64(w, lo, hi) != 0)
        w += 8;
    if (hi - w < 8)
        return 0;
    s->envc = (w - s->envp) / 8;
    w += 8;
    s->auxv = w;
    /*@ loop invariant s->auxv <= w <= hi && lo <= w;
        loop assigns w, tag, s->at_entry, s->at_execfn;
        loop variant hi - w;
     */
    for (;;) {
        if (hi - w < 16)
            return 0;
        tag = stub_peek64(w, lo, hi);
        if (tag == AT_ENTRY)
            s->at_entry = stub_peek64(w + 8, lo, hi);
        if (tag == AT_EXECFN)
            s->at_execfn = stub_peek64(w + 8, lo, hi);
        w += 16;
        if (tag == AT_NULL)
            break;
    }
    /* prctl's auxv_size is 32 bits; the kernel refuses more than its own
     * saved vector anyway */
    s->auxv_bytes = (uint32_t)((w - s->auxv) % 4294967296u);
    if (!strings_range(s->argv, s->argc, lo, hi, &s->arg_start, &s->arg_end) ||
        !strings_range(s->envp, s->envc, lo, hi, &s->env_start, &s->env_end))
        return 0;
    if (s->argc == 0)
        s->arg_start = s->arg_end = g->sp;
    if (s->envc == 0)
        s->env_start = s->env_end = s->arg_end;
    if (s->at_execfn != 0 && str_end_in(s->at_execfn, lo, hi) == 0)
        s->at_execfn = 0;
    return 1;
}

/* The image whose MAP_IMAGE op holds addr (the program: AT_ENTRY), or -1. */
/*@ requires build_ready(&g_msg.build);
    assigns \nothing;
    ensures -1 <= \result < (integer)g_msg.build.nimages;
 */
static int32_t image_at(uint64_t addr)
{
    uint32_t i;

    /*@ loop invariant 0 <= i <= g_msg.build.nops;
        loop assigns i;
        loop variant g_msg.build.nops - i;
     */
    for (i = 0; i < g_build.nops; i++) {
        const pm_stub_op *o = &g_build.op[i];
        if (o->kind == PM_STUB_OP_MAP_IMAGE && addr >= o->vaddr && addr - o->vaddr < o->len) {
            //@ assert stub_op_checked(&g_msg.build, i);
            //@ assert stub_op_shape(&g_msg.build, &g_msg.build.op[i]);
            return (int32_t)o->image;
        }
    }
    return -1;
}

/* First range of image img mapped with protection bit `bit` ({0, 0} if
 * none), returned by value: the caller's memory is written only by it. */
typedef struct op_range {
    uint64_t lo, hi;
} op_range;

/*@ requires build_ready(&g_msg.build);
    assigns \nothing;
 */
static op_range image_range(int32_t img, uint32_t bit)
{
    op_range r = { 0, 0 };
    uint32_t i;

    /*@ loop invariant 0 <= i <= g_msg.build.nops;
        loop assigns i, r;
        loop variant g_msg.build.nops - i;
     */
    for (i = 0; i < g_build.nops && r.hi == 0; i++) {
        const pm_stub_op *o = &g_build.op[i];
        if (o->kind == PM_STUB_OP_MAP_IMAGE && (int32_t)o->image == img && (o->prot & bit)) {
            r.lo = o->vaddr;
            r.hi = o->vaddr + o->len;
        }
    }
    return r;
}

/*@ requires build_ready(&g_msg.build);
    requires \valid_read(s) && \valid(m) && \separated(m, &g_msg, s);
    assigns *m;
 */
static void mm_map_fill(const built_stack *s, int32_t img, uint64_t sp,
                        struct stub_prctl_mm_map *m)
{
    const struct stub_prctl_mm_map none = { 0 };
    uint64_t cur_brk = stub_sys_brk_now();
    op_range code = image_range(img, PM_PROT_X);
    op_range data = image_range(img, PM_PROT_W);

    *m = none;
    m->start_code = code.lo;
    m->end_code = code.hi;
    m->start_data = data.lo;
    m->end_data = data.hi;
    if (m->end_data == 0)
        m->start_data = m->end_data = m->end_code;
    m->start_brk = cur_brk;
    m->brk = cur_brk;
    m->start_stack = sp;
    m->arg_start = s->arg_start;
    m->arg_end = s->arg_end;
    m->env_start = s->env_start;
    m->env_end = s->env_end;
    m->auxv = s->auxv;
    m->auxv_size = s->auxv_bytes;
    m->exe_fd = 0xffffffffu;
}

/* No op may have mapped anything in [lo, hi). */
/*@ requires build_ready(&g_msg.build);
    assigns \nothing;
 */
static int ops_clear_of(uint64_t lo, uint64_t hi)
{
    uint32_t i;

    /*@ loop invariant 0 <= i <= g_msg.build.nops;
        loop assigns i;
        loop variant g_msg.build.nops - i;
     */
    for (i = 0; i < g_build.nops; i++) {
        const pm_stub_op *o = &g_build.op[i];
        if ((o->kind == PM_STUB_OP_MAP_IMAGE || o->kind == PM_STUB_OP_MAP_ZERO) &&
            o->vaddr < hi && lo < o->vaddr + o->len)
            return 0;
    }
    return 1;
}

/* The kernel-made stack of the stub's own exec, once nothing names it:
 * from STUB_KSTACK_BELOW under its %rsp page to the page holding the end
 * of its AT_EXECFN string and the word after it (the stack's top), when
 * no op of the build mapped anything there.  Kept when the string has no
 * NUL within STUB_KSTR_MAX bytes or the bounds make no range. */
/*@ requires build_ready(&g_msg.build) && \valid_read(k);
    requires \separated(k, &g_msg, &g_nrecv);
    assigns \nothing;
 */
static void drop_kernel_stack(const stub_kstack *k)
{
    uint64_t n, top, lo, hi;

    if (k->aux.execfn == 0 || k->aux.execfn > UINT64_MAX - STUB_KSTR_MAX - 2 * STUB_PAGE ||
        k->base < STUB_KSTACK_BELOW)
        return;
    n = stub_kstrlen(k->aux.execfn);
    if (n == STUB_KSTR_MAX)
        return;
    top = k->aux.execfn + n + 1 + 8;
    hi = top + (STUB_PAGE - top % STUB_PAGE) % STUB_PAGE;
    lo = k->base - k->base % STUB_PAGE - STUB_KSTACK_BELOW;
    if (lo < hi && ops_clear_of(lo, hi))
        (void)stub_sys_munmap(lo, hi - lo);
}

/* comm = the basename of the AT_EXECFN string at s of the built stack,
 * read through stub_peek8 inside [lo, hi) (stack_parse found its NUL
 * there): what stub_set_comm makes of a C string. */
/*@ assigns \nothing; */
static void comm_in(uint64_t s, uint64_t lo, uint64_t hi)
{
    char name[16] = { 0 };
    uint64_t e, b = s, n;
    char c;

    if (s < lo || s >= hi)
        return;
    /*@ loop invariant s <= b <= e <= hi;
        loop assigns e, b, c;
        loop variant hi - e;
     */
    for (e = s; e < hi && (c = stub_peek8(e, lo, hi)) != '\0'; e++)
        if (c == '/')
            b = e + 1;
    /*@ loop invariant 0 <= n <= 15 && b + n <= e;
        loop assigns n, name[0 .. 14];
        loop variant 15 - n;
     */
    for (n = 0; n < 15 && b + n < e; n++)
        name[n] = stub_peek8(b + n, lo, hi);
    (void)stub_sys_set_name(name);
}

/* After "go": /proc/PID views and comm follow the built stack.  Returns
 * the program image's fd index (or -1) and fills *m, *flags, *mm_err
 * (0 exactly when PR_SET_MM_MAP took the map: the caller then drops the
 * kernel-made stack). */
/*@ requires build_ready(&g_msg.build);
    requires \valid_read(g);
    requires \valid(m) && \valid(flags) && \valid(mm_err);
    requires \separated(m, flags, mm_err, &g_msg, &g_nrecv, g);
    assigns *m, *flags, *mm_err;
    ensures -1 <= \result < (integer)g_msg.build.nimages;
    ensures 0 <= *mm_err <= 4095;
 */
static int32_t finalize(const pm_stub_go *g, struct stub_prctl_mm_map *m, uint32_t *flags,
                        int32_t *mm_err)
{
    built_stack s;
    int32_t img = -1;
    long mm;

    *mm_err = 22;   /* EINVAL: the stack could not be read */
    if (!stack_parse(g, &s))
        return -1;
    img = image_at(s.at_entry);
    mm_map_fill(&s, img, g->sp, m);
    mm = stub_sys_mm_map(m, (long)sizeof *m);
    *mm_err = (int32_t)(mm < 0 ? -mm : 0);
    if (mm == 0)
        *flags |= PM_STUB_R_MM_MAP;
    if (s.at_execfn != 0)
        comm_in(s.at_execfn, g->stack_lo, g->stack_hi);
    return img;
}

_Noreturn void stub_ops_main(stub_kstack *k, uint64_t len)
{
    const pm_stub_build *b = &g_build;
    struct stub_prctl_mm_map mm_map;
    pm_stub_go go;
    long ctl, page, err = 0, exe_fd = -1;
    uint64_t exe_map = 0;
    uint32_t i, flags = 0;
    int32_t img, mm_err = 0;
    uint32_t bad = 0, failed = 0;
    pm_status st = build_ok(len, &bad, &err);

    /* Refused before anything is mapped: the reason and the op at fault
     * reach the parent (pm_klinux_last_diag), and no program ever runs. */
    if (st != PM_OK) {
        stub_reply_op(PM_STUB_CTL_FD, (int32_t)st, err, PM_STUB_STAGE_CHECK, 0, 0, 0, 0, bad);
        stub_exit(127);
    }
    ctl = stub_lift_fds();
    if (ctl < 0)
        stub_fail(PM_STUB_CTL_FD, PM_E_LINUX_STUB_FDS, ctl, PM_STUB_STAGE_FDS);
    err = replay(&failed);
    if (err != 0) {
        stub_reply_op((int)ctl, PM_E_LINUX_STUB_MAP, err, PM_STUB_STAGE_MAP, 0, 0, 0, 0, failed);
        stub_exit(127);
    }
    enter_namespace(ctl);
    err = enter_cwd();
    if (err == 0)
        err = place_handles();
    if (err != 0)
        stub_fail((int)ctl, PM_E_LINUX_STUB_FDS, err, PM_STUB_STAGE_FDS);
    stub_reply((int)ctl, PM_OK, 0, PM_STUB_STAGE_READY, flags, 0, 0, 0);
    /* The exit trampoline is prepared after "built", while the parent
     * answers and sends "go": off the path of the build's round trip.  A
     * failure (no page for it) is reported at "go" (stage FINAL). */
    page = stub_tramp_prepare(k->aux.sysinfo_ehdr, &flags);

    /* Built: stopped before the program's first instruction until "go". */
    if (stub_recv_go(ctl, &go) != (long)sizeof go || go.magic != PM_STUB_GO_MAGIC)
        stub_exit(127);
    if (page < 0 && page > -4096)
        stub_fail((int)ctl, PM_E_LINUX_STUB_FINAL, page, PM_STUB_STAGE_FINAL);
    /* the client's umask, as posix_spawn in it would leave it (umask(2)
     * cannot fail) */
    if (go.umask & PM_STUB_GO_UMASK)
        (void)stub_sys1(SYS_umask, (long)(go.umask & 0777u));
    /* a set-id program's ids: set by the trampoline, after its
     * PR_SET_MM_MAP (which needs the capability root drops with them) */
    if (go.setid == PM_STUB_GO_SETID) {
        err = stub_tramp_set_ids(page, go.euid, go.egid);
        if (err != 0)
            stub_fail((int)ctl, PM_E_LINUX_STUB_FINAL, err, PM_STUB_STAGE_FINAL);
    }
    img = finalize(&go, &mm_map, &flags, &mm_err);
    if (mm_err == 0)
        drop_kernel_stack(k);
    /*@ loop invariant 0 <= i <= b->nimages;
        loop invariant exe_fd == -1 || 0 <= exe_fd <= 2147483647;
        loop assigns i, exe_fd;
        loop variant b->nimages - i;
     */
    for (i = 0; i < b->nimages; i++) {
        if ((int32_t)i == img && (flags & PM_STUB_R_MM_MAP))
            exe_fd = g_recv_fd[i];
        else
            (void)stub_sys1(SYS_close, g_recv_fd[i]);
    }
    stub_reply((int)ctl, PM_OK, 0, PM_STUB_STAGE_FINAL, flags, mm_err, go.entry, go.sp);
    /* After the answer: only the jump needs it (section 4's exe_fd). */
    if (exe_fd >= 0)
        exe_map = stub_tramp_exe_map(page, &mm_map, exe_fd);
    stub_leave(ctl, go.sp, go.entry, k->aux.sysinfo_ehdr, page, exe_map, exe_fd);
}
