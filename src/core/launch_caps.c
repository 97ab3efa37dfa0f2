/*
 * procmgr dispatcher: building a process from a ready launch builder
 * (spec/dispatch.md, "Launch"), around the loader (launch.c).
 *
 *   validate executable (+ interpreter) -> registry record -> address space
 *   -> loader (segments, IPC buffer + stack, stack image; launch.c)
 *   -> CSpace + startup caps -> thread -> bind -> start (LAUNCH,
 *   CREATE_PROCESS) or not
 *
 * Partly proven with WP (make proof-launch-caps): the stack image
 * (pm_dispatch_make_image_ and its wrapper stack_image, against the
 * contract in launch_internal.h that proof-launch uses), the header
 * reads and the validation calls (read_header, validate_hdr,
 * pm_dispatch_read_validate_), the allowlist lookups, the CSpace and
 * handle helpers (keep, give, give_name, build_cspace, set_cwd), the
 * script helpers (id_used, script_fd, script_arg, fd_path, script_argv,
 * script_prepare) and the teardown: runtime errors, their contracts,
 * kernel.h's preconditions at their calls.
 * NOT PROVEN yet (issue 14; spec/proof-perimeter.md; make
 * proof-launch-open, outside make proofs): validate_all, construct and
 * pm_dispatch_launch_ against their contracts below, the order of the
 * calls that hands the loader (pm_dispatch_place_, pm_dispatch_load_,
 * proven in launch.c) its preconditions and pm_k_thread_start its own.
 *
 * Every kernel cap is recorded in the process record BEFORE the next call
 * that can fail, so on any failure pm_dispatch_teardown_ releases exactly
 * what was made and the record is freed: nothing is left half-made.
 * Freestanding: only pm_k_*, the validator, the stack builder, the registry.
 */
#include <stddef.h>
#include <stdint.h>

#include "launch_internal.h"

#define IMAGE_RIGHTS   (PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT)

/*@ // A cap the launch moves out of its caller (a connection's SET_INTERP
    // or SET_CWD cap, in d->conn, or a local) lies apart from the state of
    // *d the launch reads and writes, as pm_launch_apart_b says of the
    // builder.
    predicate pm_launch_apart_cap(pm_dispatch *d, pm_kcap *c) =
      \separated(c, &d->k) && \separated(c, &d->cfg) &&
      \separated(c, &d->limits) && \separated(c, &d->reg) &&
      \separated(c, d->proc + (0 .. PM_REG_CAPACITY - 1)) &&
      \separated(c, d->job + (0 .. PM_DISPATCH_MAX_JOBS - 1)) &&
      \separated(c, &d->plan_exe) && \separated(c, &d->plan_interp) &&
      \separated(c, d->hdr + (0 .. PM_ELF_READ_MAX - 1)) &&
      \separated(c, d->stack + (0 .. PM_DISPATCH_STACK_IMAGE - 1)) &&
      \separated(c, &d->script_active) && \separated(c, &d->script_fd) &&
      \separated(c, &d->script_nargs) && \separated(c, &d->script_used) &&
      \separated(c, d->script_span + (0 .. PM_BUILDER_MAX_ARGS - 1)) &&
      \separated(c, d->script_pool + (0 .. PM_BUILDER_ARG_BYTES - 1));
*/

/* pm_stack_build, with the two facts of its pm_stack_out_wf the image's
 * callers use stated on their own: proven here over pm_stack_build's
 * contract alone, they reach pm_dispatch_make_image_ as plain terms
 * (through the predicate and the havoc of *out, its large context left
 * the prover at its timeout). */
/*@ requires pm_stack_in_valid(in);
    requires \valid(buf + (0 .. cap - 1));
    requires \valid(out);
    requires pm_stack_in_separated(in, buf, cap);
    requires \separated(out, buf + (0 .. cap - 1));
    requires pm_stack_in_separated_out(in, out);
    assigns buf[0 .. cap - 1], *out;
    ensures \result == PM_OK ==> 0 < out->used <= cap;
    ensures \result == PM_OK ==> out->sp == \old(in->stack_top) - out->used; */
static pm_status stack_image(const pm_stack_in *in, uint8_t *buf, uint64_t cap,
                             pm_stack_out *out)
{
    pm_status st = pm_stack_build(in, buf, cap, out);
    return st;
}

/* The stack image (contract in launch_internal.h; proof-launch-caps,
 * runs launch-image-sep and launch-image).  `in` is filled by plain stores,
 * no call writes into it: every piece points into b, d's
 * script argv, the caller's kinfo and random, or this frame, which is
 * what the stack builder's separation from d->stack needs. */
pm_status pm_dispatch_make_image_(pm_dispatch *d, const pm_builder *b,
                                  const pm_k_as_info *kinfo, int has_interp,
                                  const uint8_t *random, uint64_t top,
                                  uint64_t image_cap, pm_stack_out *out)
{
    pm_auxv auxv[PM_K_AS_INFO_MAX_AUX + PM_DISPATCH_NAUXV];
    const uint8_t platform[6] = { 'x', '8', '6', '_', '6', '4' };
    uint32_t nauxv = pm_dispatch_fill_auxv_(d, kinfo, has_interp, auxv);
    pm_stack_in in;
    pm_status st;
    in.envp.pool = b->env_pool;
    in.envp.pool_len = b->envs.used;
    in.envp.items = b->env_span;
    in.envp.count = b->envs.n;
    in.auxv = auxv;
    in.nauxv = nauxv;
    in.random = random;
    in.execfn = b->name;
    in.execfn_len = b->name_len;
    in.platform = platform;
    in.platform_len = sizeof platform;
    in.stack_top = top;
    /* argv: a script's rewritten list, or the builder's (one call per
     * case, so each proof sees where every input lies) */
    if (d->script_active) {
        in.argv.pool = d->script_pool;
        in.argv.pool_len = d->script_used;
        in.argv.items = d->script_span;
        in.argv.count = d->script_nargs;
        /* pm_stack_build's separation, spelled out over this frame */
        /*@ assert in_sep: \separated(d->stack + (0 .. image_cap - 1), &in,
                       in.argv.pool + (0 .. in.argv.pool_len - 1),
                       in.argv.items + (0 .. in.argv.count - 1),
                       in.envp.pool + (0 .. in.envp.pool_len - 1),
                       in.envp.items + (0 .. in.envp.count - 1),
                       in.auxv + (0 .. in.nauxv - 1),
                       in.random + (0 .. PM_STACK_RANDOM_BYTES - 1),
                       in.execfn + (0 .. in.execfn_len - 1),
                       in.platform + (0 .. in.platform_len - 1)); */
        /* (out apart from each input: their pairs are in_sep's) */
        /*@ assert out_sep: \separated(out, &in) &&
                \separated(out, in.argv.pool + (0 .. in.argv.pool_len - 1)) &&
                \separated(out, in.argv.items + (0 .. in.argv.count - 1)) &&
                \separated(out, in.envp.pool + (0 .. in.envp.pool_len - 1)) &&
                \separated(out, in.envp.items + (0 .. in.envp.count - 1)) &&
                \separated(out, in.auxv + (0 .. in.nauxv - 1)) &&
                \separated(out, in.random + (0 .. PM_STACK_RANDOM_BYTES - 1)) &&
                \separated(out, in.execfn + (0 .. in.execfn_len - 1)) &&
                \separated(out, in.platform + (0 .. in.platform_len - 1)); */
        st = stack_image(&in, d->stack, image_cap, out);
        /*@ assert in.stack_top == top; */
        /*@ assert st == PM_OK ==> 0 < out->used <= image_cap &&
                                   out->sp == top - out->used; */
    } else {
        in.argv.pool = b->arg_pool;
        in.argv.pool_len = b->args.used;
        in.argv.items = b->arg_span;
        in.argv.count = b->args.n;
        /* pm_stack_build's separation, spelled out over this frame */
        /*@ assert in_sep: \separated(d->stack + (0 .. image_cap - 1), &in,
                       in.argv.pool + (0 .. in.argv.pool_len - 1),
                       in.argv.items + (0 .. in.argv.count - 1),
                       in.envp.pool + (0 .. in.envp.pool_len - 1),
                       in.envp.items + (0 .. in.envp.count - 1),
                       in.auxv + (0 .. in.nauxv - 1),
                       in.random + (0 .. PM_STACK_RANDOM_BYTES - 1),
                       in.execfn + (0 .. in.execfn_len - 1),
                       in.platform + (0 .. in.platform_len - 1)); */
        /* (out apart from each input: their pairs are in_sep's) */
        /*@ assert out_sep: \separated(out, &in) &&
                \separated(out, in.argv.pool + (0 .. in.argv.pool_len - 1)) &&
                \separated(out, in.argv.items + (0 .. in.argv.count - 1)) &&
                \separated(out, in.envp.pool + (0 .. in.envp.pool_len - 1)) &&
                \separated(out, in.envp.items + (0 .. in.envp.count - 1)) &&
                \separated(out, in.auxv + (0 .. in.nauxv - 1)) &&
                \separated(out, in.random + (0 .. PM_STACK_RANDOM_BYTES - 1)) &&
                \separated(out, in.execfn + (0 .. in.execfn_len - 1)) &&
                \separated(out, in.platform + (0 .. in.platform_len - 1)); */
        st = stack_image(&in, d->stack, image_cap, out);
        /*@ assert top_b: in.stack_top == top; */
        /*@ assert img_b: st == PM_OK ==> 0 < out->used <= image_cap &&
                                   out->sp == top - out->used; */
    }
    return st;
}

/* Read an image's header area into d->hdr: *n bytes of a *size-byte file. */
/*@ requires \valid(d) && \valid(n) && \valid(size);
    requires \separated(n, size, d);
    assigns d->hdr[0 .. PM_ELF_HEADER_AREA - 1], *n, *size, pm_k_world;
    ensures *n <= PM_ELF_HEADER_AREA;
    ensures \result == PM_OK ==> *size == pm_k_image_len(image) && *n <= *size; */
static pm_status read_header(pm_dispatch *d, pm_kcap image, uint64_t *n,
                             uint64_t *size)
{
    pm_status st = pm_k_image_size(d->k, image, size);
    *n = 0;
    if (st == PM_OK) {
        *n = *size < PM_ELF_HEADER_AREA ? *size : PM_ELF_HEADER_AREA;
        st = pm_k_image_read(d->k, image, 0, d->hdr, *n);
    }
    return st;
}

/* Validate the header area d->hdr[0, n) of a size-byte image in `role`.
 * When the validator names bytes past it (the PT_INTERP name: need_len <=
 * PM_ELF_INTERP_MAX, inside the file), read just those into d->hdr[n, ..)
 * and validate again with that window: two reads at most, since a
 * validation with a window never asks again (spec/elf-policy.md,
 * "Header-area contract"). */
/*@ requires \valid(d);
    requires plan == &d->plan_exe || plan == &d->plan_interp;
    requires n <= PM_ELF_HEADER_AREA;
    assigns d->hdr[0 .. PM_ELF_READ_MAX - 1], *plan, pm_k_world;
    ensures \result == PM_OK ==>
        pm_elf_plan_loadable(plan, &d->cfg.policy, size); */
static pm_status validate_hdr(pm_dispatch *d, pm_kcap image, uint64_t n,
                              uint64_t size, pm_elf_role role,
                              pm_elf_plan *plan)
{
    pm_status st = pm_elf_validate(d->hdr, n, size, &d->cfg.policy, role, plan);
    if (st == PM_E_ELF_HEADER_AREA && plan->need_len != 0 &&
        plan->need_len <= PM_ELF_INTERP_MAX && n <= PM_ELF_HEADER_AREA) {
        const uint64_t off = plan->need_off;
        const uint64_t len = plan->need_len;
        st = pm_k_image_read(d->k, image, off, d->hdr + n, len);
        if (st == PM_OK)
            st = pm_elf_validate_ext(d->hdr, n, n + len, off, size,
                                     &d->cfg.policy, role, plan);
    }
    return st;
}

/* Read an image's header area into d->hdr and validate it in `role`. */
pm_status pm_dispatch_read_validate_(pm_dispatch *d, pm_kcap image,
                                     pm_elf_role role, pm_elf_plan *plan)
{
    uint64_t size = 0;
    uint64_t n = 0;
    pm_status st = read_header(d, image, &n, &size);
    if (st == PM_OK)
        st = validate_hdr(d, image, n, size, role, plan);
    return st;
}

uint32_t pm_dispatch_find_entry(const pm_dispatch_entry *t, uint32_t n,
                                const uint8_t *name, uint64_t len)
{
    uint32_t found = n;
    uint32_t i;
    /*@ loop invariant 0 <= i <= n && found <= n;
        loop assigns i, found; loop variant n - i; */
    for (i = 0; i < n && found == n; i++) {
        if (t[i].name_len == len) {
            uint32_t j = 0;
            /*@ loop invariant 0 <= j <= len;
                loop assigns j; loop variant len - j; */
            while (j < len && t[i].name[j] == name[j])
                j++;
            if (j == len)
                found = i;
        }
    }
    return found;
}

/* The allowlist entry whose name equals hdr[off, off + len). */
pm_status pm_dispatch_lookup_interp_(const pm_dispatch *d, uint64_t off,
                                     uint64_t len, pm_kcap *image)
{
    pm_status st = PM_E_INTERP_NOT_ALLOWED;
    /* off and len come from the plan: compared without a wrapping sum */
    if (len <= PM_ELF_READ_MAX && off <= PM_ELF_READ_MAX - len) {
        uint32_t at = pm_dispatch_find_entry(d->cfg.interp, d->cfg.ninterp,
                                             d->hdr + off, len);
        if (at < d->cfg.ninterp) {
            *image = d->cfg.interp[at].image;
            st = PM_OK;
        }
    }
    return st;
}

/* Move a cap into the record's extra list (ownership passes to the record);
 * on RECORD_FULL it stays with the caller. */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY && \valid(cap);
    assigns d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
            d->reg.slot[slot].nextra, *cap; */
static pm_status keep(pm_dispatch *d, uint32_t slot, pm_kcap *cap)
{
    pm_status st = PM_OK;
    if (!pm_kcap_is_null(*cap)) {
        st = pm_reg_add_cap(&d->reg, slot, *cap);
        if (st == PM_OK)
            *cap = PM_KCAP_NULL;
    }
    return st;
}

/* Mint src (recorded first) into the child's CSpace at slot `at`. */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY && \valid(src);
    assigns d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
            d->reg.slot[slot].nextra, *src, pm_k_world; */
static pm_status give(pm_dispatch *d, uint32_t slot, pm_kcap *src, uint32_t at)
{
    pm_kcap cap = *src;
    pm_kcap_info info;
    pm_status st = pm_k_cap_info(d->k, cap, &info);
    if (st == PM_OK)
        st = keep(d, slot, src);
    if (st == PM_OK)
        st = pm_k_cspace_mint(d->k, d->reg.slot[slot].cspace, at, cap,
                              info.rights, 0);
    return st;
}

/* A namespace directory: recorded, minted in slot `at` and marked as the
 * entry of its path (pm_k_cspace_mount: on Linux a bind mount in the
 * child's own mount namespace, not a descriptor). */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY;
    requires \valid(b) && i < PM_BUILDER_MAX_NAMES;
    assigns d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
            d->reg.slot[slot].nextra, b->name_dir[i], pm_k_world; */
static pm_status give_name(pm_dispatch *d, uint32_t slot, pm_builder *b,
                           uint32_t i, uint32_t at)
{
    /* the span as it is now: checked once, used after give() */
    uint32_t off = b->name_span[i].off;
    uint32_t len = b->name_span[i].len;
    pm_status st = PM_E_BUILDER_LIMIT;   /* not a well-formed builder */
    if (off <= PM_BUILDER_NAME_BYTES && len <= PM_BUILDER_NAME_BYTES - off) {
        st = give(d, slot, &b->name_dir[i], at);
        if (st == PM_OK)
            st = pm_k_cspace_mount(d->k, d->reg.slot[slot].cspace, at,
                                   b->name_pool + off, len);
    }
    return st;
}

/* CSpace with the startup handles at their ids, a script's image (already
 * recorded) at d->script_fd, and the namespace directories in the top
 * PM_BUILDER_MAX_NAMES slots. */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY && \valid(b);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    requires pm_launch_apart_b(d, b);
    assigns d->reg.slot[slot].cspace,
            d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
            d->reg.slot[slot].nextra,
            b->handle[0 .. PM_BUILDER_MAX_HANDLES - 1],
            b->name_dir[0 .. PM_BUILDER_MAX_NAMES - 1], pm_k_world; */
static pm_status build_cspace(pm_dispatch *d, uint32_t slot, pm_builder *b,
                              pm_kcap script)
{
    pm_proc *p = &d->reg.slot[slot];
    pm_kcap_info info;
    uint32_t i;
    /* the first namespace slot, read before the calls below */
    uint32_t names_at = d->cfg.cspace_slots - PM_BUILDER_MAX_NAMES;
    pm_status st = pm_k_cspace_create(d->k, d->cfg.cspace_slots, &p->cspace);
    if (st == PM_OK && d->script_active) {
        st = pm_k_cap_info(d->k, script, &info);
        if (st == PM_OK)
            st = pm_k_cspace_mint(d->k, p->cspace, d->script_fd, script,
                                  info.rights, 0);
    }
    /*@ loop invariant 0 <= i <= PM_BUILDER_MAX_HANDLES;
        loop assigns i, st, b->handle[0 .. PM_BUILDER_MAX_HANDLES - 1],
                     d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
                     d->reg.slot[slot].nextra, pm_k_world;
        loop variant PM_BUILDER_MAX_HANDLES - i; */
    for (i = 0; i < b->nhandles && i < PM_BUILDER_MAX_HANDLES && st == PM_OK; i++)
        st = give(d, slot, &b->handle[i], b->handle_id[i]);
    /*@ loop invariant 0 <= i <= PM_BUILDER_MAX_NAMES;
        loop assigns i, st, b->name_dir[0 .. PM_BUILDER_MAX_NAMES - 1],
                     d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
                     d->reg.slot[slot].nextra, pm_k_world;
        loop variant PM_BUILDER_MAX_NAMES - i; */
    for (i = 0; i < b->names.n && i < PM_BUILDER_MAX_NAMES && st == PM_OK; i++)
        st = give_name(d, slot, b, i, names_at + i);
    return st;
}

/* The working directory (SET_CWD), recorded, in its CSpace slot
 * (PM_DISPATCH_CWD_SLOT) and marked as such; none: the kernel's "/". */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY && \valid(cwd);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    assigns d->reg.slot[slot].extra[0 .. PM_REG_EXTRA_CAPS - 1],
            d->reg.slot[slot].nextra, *cwd, pm_k_world; */
static pm_status set_cwd(pm_dispatch *d, uint32_t slot, pm_kcap *cwd)
{
    uint32_t at = PM_DISPATCH_CWD_SLOT(&d->cfg);
    pm_status st = PM_OK;
    if (!pm_kcap_is_null(*cwd)) {
        st = give(d, slot, cwd, at);
        if (st == PM_OK)
            st = pm_k_cspace_set_cwd(d->k, d->reg.slot[slot].cspace, at);
    }
    return st;
}

/* ---- `#!` scripts (spec/scripts.md) ------------------------------------ */

/* 1 when a startup handle of b has id `id`. */
/*@ requires \valid_read(b);
    assigns \nothing; */
static int id_used(const pm_builder *b, uint32_t id)
{
    int used = 0;
    uint32_t i;
    /*@ loop invariant 0 <= i <= PM_BUILDER_MAX_HANDLES;
        loop assigns i, used; loop variant PM_BUILDER_MAX_HANDLES - i; */
    for (i = 0; i < b->nhandles && i < PM_BUILDER_MAX_HANDLES; i++)
        if (b->handle_id[i] == id)
            used = 1;
    return used;
}

/* The startup id of the script's image: the lowest >= SCRIPT_FD_MIN that no
 * startup handle of b uses.  It counts as a startup handle (BUILDER_LIMIT
 * when b already has the maximum, which also keeps the record within
 * PM_REG_EXTRA_CAPS) and must lie below the working-directory and
 * namespace slots. */
/*@ requires \valid_read(d) && \valid_read(b) && \valid(fd);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    assigns *fd; */
static pm_status script_fd(const pm_dispatch *d, const pm_builder *b,
                           uint32_t *fd)
{
    uint32_t id = PM_DISPATCH_SCRIPT_FD_MIN;
    pm_status st = PM_OK;
    if (b->nhandles >= PM_BUILDER_MAX_HANDLES)
        st = PM_E_BUILDER_LIMIT;
    /* nhandles ids can be in use: one of the first nhandles + 1 is free. */
    /*@ loop invariant PM_DISPATCH_SCRIPT_FD_MIN <= id <=
            PM_DISPATCH_SCRIPT_FD_MIN + PM_BUILDER_MAX_HANDLES;
        loop assigns id;
        loop variant PM_DISPATCH_SCRIPT_FD_MIN + PM_BUILDER_MAX_HANDLES - id; */
    while (st == PM_OK && id < PM_DISPATCH_SCRIPT_FD_MIN + PM_BUILDER_MAX_HANDLES &&
           id_used(b, id))
        id++;
    if (st == PM_OK && id >= PM_DISPATCH_CWD_SLOT(&d->cfg))
        st = PM_E_BUILDER_LIMIT;
    *fd = id;
    return st;
}

/* Append src[0, len) to the script argv; BUILDER_LIMIT past the builder's
 * own bounds, so the stack image still fits PM_DISPATCH_STACK_IMAGE. */
/*@ requires \valid(d) && \valid_read(src + (0 .. len - 1));
    requires pm_dispatch_script_ok(d);
    assigns d->script_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
            d->script_span[0 .. PM_BUILDER_MAX_ARGS - 1],
            d->script_nargs, d->script_used;
    ensures pm_dispatch_script_ok(d); */
static pm_status script_arg(pm_dispatch *d, const uint8_t *src, uint32_t len)
{
    pm_status st = PM_OK;
    uint32_t k;
    if (d->script_nargs >= PM_BUILDER_MAX_ARGS ||
        d->script_used > PM_BUILDER_ARG_BYTES ||
        len > PM_BUILDER_ARG_BYTES - d->script_used) {
        st = PM_E_BUILDER_LIMIT;
    } else {
        /*@ loop invariant 0 <= k <= len;
            loop assigns k, d->script_pool[0 .. PM_BUILDER_ARG_BYTES - 1];
            loop variant len - k; */
        for (k = 0; k < len; k++)
            d->script_pool[d->script_used + k] = src[k];
        d->script_span[d->script_nargs].off = d->script_used;
        d->script_span[d->script_nargs].len = len;
        d->script_nargs++;
        d->script_used += len;
    }
    return st;
}

/* "/dev/fd/ID" into p (at least 18 bytes); its length. */
/*@ requires \valid(p + (0 .. 17));
    assigns p[0 .. 17];
    ensures \result <= 18; */
static uint32_t fd_path(uint8_t *p, uint32_t id)
{
    const uint8_t prefix[8] = { '/', 'd', 'e', 'v', '/', 'f', 'd', '/' };
    uint8_t digits[10];
    uint32_t n = 0, len = 0, i;
    /*@ loop invariant 0 <= i <= 8;
        loop assigns i, p[0 .. 7]; loop variant 8 - i; */
    for (i = 0; i < 8u; i++)
        p[i] = prefix[i];
    /*@ loop invariant 0 <= n <= 9;
        loop assigns n, id, digits[0 .. 9]; loop variant 10 - n; */
    do {
        digits[n++] = (uint8_t)('0' + id % 10u);
        id /= 10u;
    } while (id != 0 && n < 10u);
    len = 8;
    /*@ loop invariant 0 <= n <= 10 && 8 <= len && len + n <= 18;
        loop assigns n, len, p[8 .. 17]; loop variant n; */
    while (n > 0)
        p[len++] = digits[--n];
    return len;
}

/* argv of a script launch, as Linux builds it: the interpreter as written,
 * the optional argument, the script's path ("/dev/fd/ID": the script is a
 * capability, not a path), then the builder's argv[1..]. */
/*@ requires \valid(d) && \valid_read(b) && \valid_read(sc);
    requires \separated(sc, d);
    requires sc->interp_off + sc->interp_len <= PM_ELF_HEADER_AREA;
    requires sc->arg_len > 0 ==> sc->arg_off + sc->arg_len <= PM_ELF_HEADER_AREA;
    assigns d->script_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
            d->script_span[0 .. PM_BUILDER_MAX_ARGS - 1],
            d->script_nargs, d->script_used;
    ensures pm_dispatch_script_ok(d); */
static pm_status script_argv(pm_dispatch *d, const pm_builder *b,
                             const pm_script *sc)
{
    uint8_t path[18];
    uint32_t path_len = fd_path(path, d->script_fd);
    uint32_t i;
    pm_status st;
    d->script_nargs = 0;
    d->script_used = 0;
    st = script_arg(d, d->hdr + sc->interp_off, sc->interp_len);
    if (st == PM_OK && sc->arg_len > 0)
        st = script_arg(d, d->hdr + sc->arg_off, sc->arg_len);
    if (st == PM_OK)
        st = script_arg(d, path, path_len);
    /*@ loop invariant 1 <= i <= PM_BUILDER_MAX_ARGS;
        loop invariant pm_dispatch_script_ok(d);
        loop assigns i, st, d->script_nargs, d->script_used,
                     d->script_span[0 .. PM_BUILDER_MAX_ARGS - 1],
                     d->script_pool[0 .. PM_BUILDER_ARG_BYTES - 1];
        loop variant PM_BUILDER_MAX_ARGS - i; */
    for (i = 1; i < b->args.n && i < PM_BUILDER_MAX_ARGS && st == PM_OK; i++) {
        const pm_span *a = &b->arg_span[i];
        if (a->off <= PM_BUILDER_ARG_BYTES && a->len <= PM_BUILDER_ARG_BYTES - a->off)
            st = script_arg(d, b->arg_pool + a->off, a->len);
        else
            st = PM_E_BUILDER_LIMIT;     /* not a well-formed builder */
    }
    return st;
}

/* d->hdr[0, n) is a script: its interpreter (SCRIPT_NOT_ALLOWED), its
 * startup id and argv (BUILDER_LIMIT), then the interpreter's header area
 * in d->hdr (SCRIPT_NESTED when it is a script too).  *program gets the
 * interpreter's allowlist image, *n and *size its header area. */
/*@ requires \valid(d) && \valid_read(b) && \valid_read(sc);
    requires \valid(program) && \valid(n) && \valid(size);
    requires \separated(sc, d) && \separated(program, n, size, sc, d);
    requires pm_dispatch_table_ok(d->cfg.script, d->cfg.nscript);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    requires sc->interp_off + sc->interp_len <= PM_ELF_HEADER_AREA;
    requires sc->arg_len > 0 ==>
        sc->arg_off + sc->arg_len <= PM_ELF_HEADER_AREA;
    requires pm_dispatch_script_ok(d);
    assigns d->script_fd, d->script_active,
            d->script_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
            d->script_span[0 .. PM_BUILDER_MAX_ARGS - 1],
            d->script_nargs, d->script_used,
            d->hdr[0 .. PM_ELF_HEADER_AREA - 1], *program, *n, *size,
            pm_k_world;
    ensures sp_ok: d->script_used <= PM_BUILDER_ARG_BYTES &&
                   d->script_nargs <= PM_BUILDER_MAX_ARGS;
    ensures \result == PM_OK ==> d->script_active == 1 &&
        *n <= PM_ELF_HEADER_AREA && *size == pm_k_image_len(*program); */
static pm_status script_prepare(pm_dispatch *d, const pm_builder *b,
                                const pm_script *sc, pm_kcap *program,
                                uint64_t *n, uint64_t *size)
{
    uint32_t at = pm_dispatch_find_entry(d->cfg.script, d->cfg.nscript,
                                         d->hdr + sc->interp_off, sc->interp_len);
    pm_script inner;
    pm_status st = at < d->cfg.nscript ? PM_OK : PM_E_SCRIPT_NOT_ALLOWED;
    if (st == PM_OK)
        st = script_fd(d, b, &d->script_fd);
    if (st == PM_OK)
        st = script_argv(d, b, sc);
    /*@ assert sp_argv: d->script_used <= PM_BUILDER_ARG_BYTES &&
                        d->script_nargs <= PM_BUILDER_MAX_ARGS; */
    if (st == PM_OK) {
        *program = d->cfg.script[at].image;
        st = read_header(d, *program, n, size);
    }
    if (st == PM_OK)
        st = pm_script_parse(d->hdr, *n, &inner);
    if (st == PM_OK && inner.is_script)
        st = PM_E_SCRIPT_NESTED;
    else if (st == PM_E_SCRIPT_LINE || st == PM_E_SCRIPT_INTERP)
        st = PM_E_SCRIPT_NESTED;          /* "#!" it is, well-formed or not */
    if (st == PM_OK)
        d->script_active = 1;
    return st;
}

/* Validation of the executable (or of a script's interpreter, *program)
 * and of its PT_INTERP interpreter; nothing is created.  On PM_OK both
 * plans are placed, for the images *program and *interp, which is what
 * construct hands the loader.  The script argv is emptied first, so its
 * bounds hold whether or not this launch is a script's. */
/*@ requires \valid(d) && \valid_read(b);
    requires \valid(interp) && \valid(program);
    requires \separated(interp, program, d) && \separated(interp, program, b);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1), d);
    requires pm_launch_apart_b(d, b);
    requires pm_dispatch_table_ok(d->cfg.script, d->cfg.nscript);
    requires pm_dispatch_table_ok(d->cfg.interp, d->cfg.ninterp);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    assigns d->hdr[0 .. PM_ELF_READ_MAX - 1], d->plan_exe, d->plan_interp,
            d->script_fd, d->script_active,
            d->script_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
            d->script_span[0 .. PM_BUILDER_MAX_ARGS - 1],
            d->script_nargs, d->script_used, *interp, *program, pm_k_world;
    ensures va_sok: d->script_used <= PM_BUILDER_ARG_BYTES &&
                    d->script_nargs <= PM_BUILDER_MAX_ARGS;
    ensures va_exe: \result == PM_OK ==>
        pm_elf_plan_placed(&d->plan_exe, &d->cfg.policy,
                           pm_k_image_len(*program));
    ensures va_interp: \result == PM_OK && d->plan_exe.has_interp != 0 ==>
        pm_elf_plan_placed(&d->plan_interp, &d->cfg.policy,
                           pm_k_image_len(*interp)); */
static pm_status validate_all(pm_dispatch *d, const pm_builder *b,
                              pm_kcap given_interp, pm_kcap *interp,
                              pm_kcap *program, const uint8_t *random)
{
    pm_script sc;
    uint64_t n = 0, size = 0;
    pm_status st = read_header(d, b->executable, &n, &size);
    *program = b->executable;
    *interp = PM_KCAP_NULL;
    d->script_active = 0;
    d->script_nargs = 0;
    d->script_used = 0;
    if (st == PM_OK)
        st = pm_script_parse(d->hdr, n, &sc);
    if (st == PM_OK && sc.is_script)
        st = script_prepare(d, b, &sc, program, &n, &size);
    if (st == PM_OK)
        st = validate_hdr(d, *program, n, size, PM_ELF_ROLE_PROGRAM,
                          &d->plan_exe);
    if (st == PM_OK && d->plan_exe.has_interp) {
        if (!pm_kcap_is_null(given_interp))
            *interp = given_interp;
        else if (d->plan_exe.interp_len < 1u)
            st = PM_E_INTERP_NOT_ALLOWED;
        else
            st = pm_dispatch_lookup_interp_(d, d->plan_exe.interp_off,
                               d->plan_exe.interp_len - 1u, interp);
        if (st == PM_OK)
            st = pm_dispatch_read_validate_(d, *interp, PM_ELF_ROLE_INTERP, &d->plan_interp);
    }
    if (st == PM_OK)
        st = pm_dispatch_place_(d, &d->plan_exe, d->cfg.dyn_base, d->cfg.dyn_window,
                                random + PM_STACK_RANDOM_BYTES);
    if (st == PM_OK && d->plan_exe.has_interp)
        st = pm_dispatch_place_(d, &d->plan_interp, d->cfg.interp_base,
                                d->cfg.interp_window, random + PM_STACK_RANDOM_BYTES + 8u);
    if (st != PM_OK)
        d->script_active = 0;
    return st;
}

/* Every kernel object of the process, recorded as it is made.  `program`
 * is the image mapped: the executable, or a script's interpreter (its
 * allowlist cap; the record keeps a derived one, as for PT_INTERP).  The
 * plans are validate_all's, placed for those images: what the loader
 * needs, and its success what pm_k_thread_start needs. */
/*@ requires \valid(d) && slot < PM_REG_CAPACITY;
    requires \valid(b) && pm_builder_wf(b);
    requires \valid(given_interp) && \valid(given_cwd);
    requires \separated(given_interp, given_cwd, b);
    requires pm_launch_apart_b(d, b);
    requires pm_launch_apart_cap(d, given_interp) &&
             pm_launch_apart_cap(d, given_cwd);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1), d, b);
    requires pm_dispatch_cfg_ok(d);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    requires d->script_used <= PM_BUILDER_ARG_BYTES &&
             d->script_nargs <= PM_BUILDER_MAX_ARGS;
    requires pm_elf_plan_placed(&d->plan_exe, &d->cfg.policy,
                                pm_k_image_len(program));
    requires d->plan_exe.has_interp != 0 ==>
        pm_elf_plan_placed(&d->plan_interp, &d->cfg.policy,
                           pm_k_image_len(interp));
    assigns d->reg.slot[slot], d->proc[slot],
            d->stack[0 .. PM_DISPATCH_STACK_IMAGE - 1], b->executable,
            b->handle[0 .. PM_BUILDER_MAX_HANDLES - 1],
            b->name_dir[0 .. PM_BUILDER_MAX_NAMES - 1],
            *given_interp, *given_cwd, pm_k_world, pm_k_vm, pm_k_tb; */
static pm_status construct(pm_dispatch *d, uint32_t slot, pm_builder *b,
                           pm_kcap *given_interp, pm_kcap *given_cwd,
                           pm_kcap interp, pm_kcap program, pm_kcap job,
                           int start, const uint8_t *random)
{
    pm_proc *p = &d->reg.slot[slot];
    pm_dispatch_proc *x = &d->proc[slot];
    pm_kcap exe = b->executable;
    pm_kcap interp_own = PM_KCAP_NULL;
    pm_kcap program_own = PM_KCAP_NULL;
    int has_interp = d->plan_exe.has_interp != 0;
    uint64_t sp = 0;
    uint64_t vdso_base = 0;
    uint64_t top = pm_dispatch_stack_top_(d, random);
    uint64_t entry = has_interp ? d->plan_interp.entry : d->plan_exe.entry;
    pm_status st = keep(d, slot, &b->executable);

    if (st == PM_OK && d->script_active) {
        st = pm_k_cap_derive(d->k, program, IMAGE_RIGHTS, &program_own);
        if (st == PM_OK)
            st = keep(d, slot, &program_own);
    }
    if (st == PM_OK && has_interp) {
        if (pm_kcap_eq(interp, *given_interp)) {
            st = keep(d, slot, given_interp);
        } else {
            st = pm_k_cap_derive(d->k, interp, IMAGE_RIGHTS, &interp_own);
            if (st == PM_OK)
                st = keep(d, slot, &interp_own);
        }
    }
    if (st == PM_OK)
        st = pm_k_as_create(d->k, &p->aspace);
    if (st == PM_OK)
        st = pm_dispatch_load_(d, p->aspace, program, interp, b, has_interp,
                               random, top, &sp, &vdso_base);
    if (st == PM_OK)
        st = build_cspace(d, slot, b, exe);
    if (st == PM_OK)
        st = set_cwd(d, slot, given_cwd);
    if (st == PM_OK)
        st = pm_k_thread_create(d->k, slot, &p->thread);
    if (st == PM_OK)
        st = pm_k_thread_bind(d->k, p->thread, p->aspace, p->cspace,
                              top - d->cfg.stack_size -
                                  2u * d->limits.page_size);
    /* Into its job before its first instruction (spec/lifecycle.md §3). */
    if (st == PM_OK)
        st = pm_k_job_add(d->k, job, p->thread);
    if (st == PM_OK && start)
        st = pm_k_thread_start(d->k, p->thread, entry, sp);
    /* A derived cap that could not be recorded is ours to drop. */
    (void)pm_k_drop(d->k, interp_own);
    (void)pm_k_drop(d->k, program_own);
    if (st == PM_OK) {
        p->state = start ? PM_PROC_RUNNING : PM_PROC_CREATED;
        x->end_state = 0;
        x->refs = 2;
        x->has_interp = (uint32_t)has_interp;
        x->entry = entry;
        x->sp = sp;
        x->image_base = d->plan_exe.span_start;
        x->interp_base = has_interp ? d->plan_interp.span_start : 0u;
        x->vdso_base = vdso_base;
    }
    return st;
}

/* Contract here, over launch_caps.c's predicates (dispatch.h declares
 * it): what its callers in dispatch.c must give (their proof is not
 * done: these are its assumptions about them) and *slot on PM_OK. */
/*@ requires \valid(d) && \valid(b) && pm_builder_wf(b);
    requires \valid(given_interp) && \valid(given_cwd);
    requires \valid(handle) && \valid(slot);
    requires \separated(given_interp, given_cwd, b);
    requires \separated(handle, slot, d, b, given_interp, given_cwd);
    requires pm_launch_apart_b(d, b);
    requires pm_launch_apart_cap(d, given_interp) &&
             pm_launch_apart_cap(d, given_cwd);
    requires \valid_read(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1));
    requires \separated(random + (0 .. PM_DISPATCH_RANDOM_BYTES - 1), d, b);
    requires pm_dispatch_cfg_ok(d);
    requires PM_BUILDER_MAX_NAMES < d->cfg.cspace_slots;
    requires pm_dispatch_table_ok(d->cfg.script, d->cfg.nscript);
    requires pm_dispatch_table_ok(d->cfg.interp, d->cfg.ninterp);
    assigns *d, *b, *given_interp, *given_cwd, *handle, *slot,
            pm_k_world, pm_k_vm, pm_k_tb;
    ensures \result == PM_OK ==> *slot < PM_REG_CAPACITY; */
pm_status pm_dispatch_launch_(pm_dispatch *d, pm_builder *b,
                              pm_kcap *given_interp, pm_kcap *given_cwd,
                              uint64_t parent,
                              uint64_t job, int start, const uint8_t *random,
                              uint64_t *handle, uint32_t *slot)
{
    pm_kcap interp = PM_KCAP_NULL;
    pm_kcap program = PM_KCAP_NULL;
    pm_status st = pm_builder_ready(b);
    *handle = 0;
    *slot = 0;
    if (st == PM_OK)
        st = validate_all(d, b, *given_interp, &interp, &program, random);
    if (st == PM_OK)
        st = pm_reg_alloc(&d->reg, parent, job, b->name, b->name_len,
                          PM_RIGHTS_ALL, handle, slot);
    if (st == PM_OK) {
        /* No job given: a job of its own, named by the process's koid. */
        uint64_t jk = job != 0u ? job : d->reg.slot[*slot].pid;
        uint32_t ji = 0;
        d->reg.slot[*slot].job = jk;
        st = pm_dispatch_job_get_(d, jk, PM_DISPATCH_PRINCIPAL_NONE, &ji);
        if (st == PM_OK)
            st = construct(d, *slot, b, given_interp, given_cwd, interp, program,
                           d->job[ji].cap, start, random);
        if (st != PM_OK) {
            pm_dispatch_teardown_(d, *slot);
            pm_reg_free(&d->reg, *slot);
            *handle = 0;
            pm_dispatch_job_maybe_end_(d, jk);
        }
    }
    d->script_active = 0;
    return st;
}

void pm_dispatch_teardown_(pm_dispatch *d, uint32_t slot)
{
    pm_proc *p = &d->reg.slot[slot];
    uint32_t n = p->nextra <= PM_REG_EXTRA_CAPS ? p->nextra : PM_REG_EXTRA_CAPS;
    (void)pm_k_drop(d->k, p->thread);
    /*@ loop invariant 0 <= n <= PM_REG_EXTRA_CAPS;
        loop assigns n, p->extra[0 .. PM_REG_EXTRA_CAPS - 1],
                     pm_k_world, pm_k_vm, pm_k_tb;
        loop variant n; */
    while (n > 0) {
        n--;
        (void)pm_k_drop(d->k, p->extra[n]);
        p->extra[n] = PM_KCAP_NULL;
    }
    (void)pm_k_teardown(d->k, PM_KCAP_NULL, p->cspace, p->aspace);
    p->thread = PM_KCAP_NULL;
    p->cspace = PM_KCAP_NULL;
    p->aspace = PM_KCAP_NULL;
    p->nextra = 0;
}
