/*
 * Launch builder.  See include/procmgr/builder.h and spec/core.md.
 *
 * Every add checks everything first and writes only when it will succeed,
 * so a refusal leaves the builder bit-for-bit unchanged.
 */
#include "procmgr/builder.h"

/*@ requires \valid_read(p + (0 .. len - 1));
    assigns  \nothing;
    ensures  \result == 0 || \result == 1;
*/
static int contains_nul(const uint8_t *p, uint32_t len)
{
    int found = 0;
    uint32_t i;
    /*@ loop invariant 0 <= i <= len;
        loop invariant found == 0 || found == 1;
        loop assigns i, found;
        loop variant len - i;
    */
    for (i = 0; i < len && found == 0; i++) {
        if (p[i] == 0)
            found = 1;
    }
    return found;
}

/* Pools a string can be copied into.  The copy names its pool as a field of
 * the builder (not through a bare pointer), so the prover sees at once that
 * it leaves every other field alone. */
#define POOL_ARG   0u
#define POOL_ENV   1u
#define POOL_NAME  2u
#define POOL_PROC  3u
#define POOL_EXECFN 4u

/* Copy src[0, len) to pool[off, off + len); writes stay inside the pool
 * whatever the arguments (callers have checked off + len <= its size). */
/*@ requires \valid(b);
    requires \valid_read(src + (0 .. len - 1));
    requires \separated(b, src + (0 .. len - 1));
    assigns  b->arg_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
             b->env_pool[0 .. PM_BUILDER_ENV_BYTES - 1],
             b->name_pool[0 .. PM_BUILDER_NAME_BYTES - 1],
             b->name[0 .. PM_BUILDER_PROC_NAME_MAX - 1],
             b->execfn[0 .. PM_BUILDER_EXECFN_MAX - 1];
    ensures  pool == POOL_EXECFN && off == 0 && len <= PM_BUILDER_EXECFN_MAX ==>
             \forall integer i; 0 <= i < len ==> b->execfn[i] == src[i];
*/
static void put_bytes(pm_builder *b, uint32_t pool, uint32_t off,
                      const uint8_t *src, uint32_t len)
{
    uint32_t k = 0;
    uint64_t d = off;
    /*@ loop invariant 0 <= k <= len && d == off + k;
        loop assigns k, d, b->arg_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
                     b->env_pool[0 .. PM_BUILDER_ENV_BYTES - 1],
                     b->name_pool[0 .. PM_BUILDER_NAME_BYTES - 1],
                     b->name[0 .. PM_BUILDER_PROC_NAME_MAX - 1],
                     b->execfn[0 .. PM_BUILDER_EXECFN_MAX - 1];
        loop invariant pool == POOL_EXECFN && off == 0 &&
                       len <= PM_BUILDER_EXECFN_MAX ==>
                       \forall integer i; 0 <= i < k ==> b->execfn[i] == src[i];
        loop variant len - k;
    */
    while (k < len) {
        if (pool == POOL_ARG && d < PM_BUILDER_ARG_BYTES)
            b->arg_pool[d] = src[k];
        else if (pool == POOL_ENV && d < PM_BUILDER_ENV_BYTES)
            b->env_pool[d] = src[k];
        else if (pool == POOL_NAME && d < PM_BUILDER_NAME_BYTES)
            b->name_pool[d] = src[k];
        else if (pool == POOL_PROC && d < PM_BUILDER_PROC_NAME_MAX)
            b->name[d] = src[k];
        else if (pool == POOL_EXECFN && d < PM_BUILDER_EXECFN_MAX)
            b->execfn[d] = src[k];
        k++;
        d++;
    }
}

void pm_builder_reset(pm_builder *b)
{
    b->state = PM_BUILDER_EMPTY;
    b->has_info = 0;
    b->executable.idx = 0;
    b->executable.gen = 0;
    b->job.idx = 0;
    b->job.gen = 0;
    b->flags = 0;
    b->name_len = 0;
    b->has_execfn = 0;
    b->execfn_len = 0;
    b->args.n = 0;
    b->args.used = 0;
    b->envs.n = 0;
    b->envs.used = 0;
    b->names.n = 0;
    b->names.used = 0;
    b->nhandles = 0;
}

pm_status pm_builder_add_arg(pm_builder *b, const uint8_t *s, uint32_t len)
{
    pm_status rc = PM_OK;
    const uint32_t n = b->args.n, off = b->args.used;
    if (n >= PM_BUILDER_MAX_ARGS || off > PM_BUILDER_ARG_BYTES || len > PM_BUILDER_ARG_BYTES - off)
        rc = PM_E_BUILDER_LIMIT;
    else if (contains_nul(s, len))
        rc = PM_E_BUILDER_STRING;
    else {
        put_bytes(b, POOL_ARG, off, s, len);
        b->arg_span[n].off = off;
        b->arg_span[n].len = len;
        b->args.n = n + 1u;
        b->args.used = off + len;
        b->state = PM_BUILDER_ACCUMULATING;
    }
    return rc;
}

pm_status pm_builder_add_env(pm_builder *b, const uint8_t *s, uint32_t len)
{
    pm_status rc = PM_OK;
    const uint32_t n = b->envs.n, off = b->envs.used;
    if (n >= PM_BUILDER_MAX_ENVS || off > PM_BUILDER_ENV_BYTES || len > PM_BUILDER_ENV_BYTES - off)
        rc = PM_E_BUILDER_LIMIT;
    else if (contains_nul(s, len))
        rc = PM_E_BUILDER_STRING;
    else {
        put_bytes(b, POOL_ENV, off, s, len);
        b->env_span[n].off = off;
        b->env_span[n].len = len;
        b->envs.n = n + 1u;
        b->envs.used = off + len;
        b->state = PM_BUILDER_ACCUMULATING;
    }
    return rc;
}

pm_status pm_builder_add_name(pm_builder *b, const uint8_t *path, uint32_t len,
                              pm_kcap dir)
{
    pm_status rc = PM_OK;
    const uint32_t n = b->names.n, off = b->names.used;
    if (len == 0 || path[0] != '/')
        rc = PM_E_BUILDER_PATH;
    else if (n >= PM_BUILDER_MAX_NAMES || off > PM_BUILDER_NAME_BYTES ||
             len > PM_BUILDER_NAME_BYTES - off)
        rc = PM_E_BUILDER_LIMIT;
    else if (contains_nul(path, len))
        rc = PM_E_BUILDER_STRING;
    else {
        put_bytes(b, POOL_NAME, off, path, len);
        b->name_span[n].off = off;
        b->name_span[n].len = len;
        b->name_dir[n].idx = dir.idx;
        b->name_dir[n].gen = dir.gen;
        b->names.n = n + 1u;
        b->names.used = off + len;
        b->state = PM_BUILDER_ACCUMULATING;
    }
    return rc;
}

pm_status pm_builder_add_handle(pm_builder *b, pm_kcap cap, uint32_t id)
{
    pm_status rc = PM_OK;
    const uint32_t n = b->nhandles;
    if (n >= PM_BUILDER_MAX_HANDLES)
        rc = PM_E_BUILDER_LIMIT;
    else {
        b->handle[n] = cap;
        b->handle_id[n] = id;
        b->nhandles = n + 1u;
        b->state = PM_BUILDER_ACCUMULATING;
    }
    return rc;
}

/* No exec filename given (set_execfn not called): the launch shows the
 * process name, so set_info copies it there.  A helper, so that set_info's
 * proof meets one call instead of a branch (its frame is put_bytes'). */
/*@ requires \valid(b) && pm_builder_wf(b);
    requires len <= PM_BUILDER_PROC_NAME_MAX;
    requires \valid_read(name + (0 .. len - 1));
    requires \separated(b, name + (0 .. len - 1));
    assigns  b->arg_pool[0 .. PM_BUILDER_ARG_BYTES - 1],
             b->env_pool[0 .. PM_BUILDER_ENV_BYTES - 1],
             b->name_pool[0 .. PM_BUILDER_NAME_BYTES - 1],
             b->name[0 .. PM_BUILDER_PROC_NAME_MAX - 1],
             b->execfn[0 .. PM_BUILDER_EXECFN_MAX - 1], b->execfn_len;
    ensures  pm_builder_wf(b);
*/
static void default_execfn(pm_builder *b, const uint8_t *name, uint32_t len)
{
    if (b->has_execfn == 0) {
        put_bytes(b, POOL_EXECFN, 0, name, len);
        b->execfn_len = len;
    }
}

pm_status pm_builder_set_info(pm_builder *b, pm_kcap executable, pm_kcap job,
                              const uint8_t *name, uint32_t len, uint32_t flags)
{
    pm_status rc = PM_OK;
    if (executable.gen == 0)
        rc = PM_E_BUILDER_STATE;
    else if (len > PM_BUILDER_PROC_NAME_MAX)
        rc = PM_E_BUILDER_LIMIT;
    else if (contains_nul(name, len))
        rc = PM_E_BUILDER_STRING;
    else {
        put_bytes(b, POOL_PROC, 0, name, len);
        b->name_len = len;
        default_execfn(b, name, len);
        b->executable = executable;
        b->job = job;
        b->flags = flags;
        b->has_info = 1;
        b->state = PM_BUILDER_ACCUMULATING;
    }
    return rc;
}

pm_status pm_builder_set_execfn(pm_builder *b, const uint8_t *s, uint32_t len)
{
    pm_status rc = PM_OK;
    if (len > PM_BUILDER_EXECFN_MAX)
        rc = PM_E_BUILDER_LIMIT;
    else if (len == 0 || contains_nul(s, len))
        rc = PM_E_BUILDER_STRING;
    else {
        put_bytes(b, POOL_EXECFN, 0, s, len);
        b->execfn_len = len;
        b->has_execfn = 1;
        b->state = PM_BUILDER_ACCUMULATING;
    }
    return rc;
}

pm_status pm_builder_ready(const pm_builder *b)
{
    return b->has_info == 1 ? PM_OK : PM_E_BUILDER_STATE;
}

void pm_builder_argv(const pm_builder *b, pm_strvec *v)
{
    v->pool = b->arg_pool;
    v->pool_len = b->args.used;
    v->items = b->arg_span;
    v->count = b->args.n;
}

void pm_builder_envp(const pm_builder *b, pm_strvec *v)
{
    v->pool = b->env_pool;
    v->pool_len = b->envs.used;
    v->items = b->env_span;
    v->count = b->envs.n;
}

void pm_builder_mark_take(const pm_builder *b, pm_builder_mark *m)
{
    m->state = b->state;
    m->nargs = b->args.n;
    m->args_used = b->args.used;
    m->nenvs = b->envs.n;
    m->envs_used = b->envs.used;
    m->nnames = b->names.n;
    m->names_used = b->names.used;
    m->nhandles = b->nhandles;
}

pm_status pm_builder_rollback(pm_builder *b, const pm_builder_mark *m)
{
    pm_status rc = PM_E_BUILDER_STATE;
    const uint32_t st = m->state;
    const uint32_t na = m->nargs, ua = m->args_used, ne = m->nenvs,
                   ue = m->envs_used, nn = m->nnames, un = m->names_used,
                   nh = m->nhandles;
    if ((st == PM_BUILDER_EMPTY || st == PM_BUILDER_ACCUMULATING) &&
        na <= b->args.n && ua <= b->args.used && ne <= b->envs.n &&
        ue <= b->envs.used && nn <= b->names.n && un <= b->names.used &&
        nh <= b->nhandles) {
        b->state = st;
        b->args.n = na;
        b->args.used = ua;
        b->envs.n = ne;
        b->envs.used = ue;
        b->names.n = nn;
        b->names.used = un;
        b->nhandles = nh;
        rc = PM_OK;
    }
    return rc;
}
