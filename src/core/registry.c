/*
 * Process registry.  See include/procmgr/registry.h and spec/core.md.
 *
 * Handle fields are taken apart with division and remainder by powers of
 * two (the compiler emits shifts and masks); that keeps the arithmetic in
 * the form the ACSL model uses.
 */
#include "procmgr/registry.h"

/* PM_RIGHTS_ALL is a low bit mask (2^11 - 1), so "no unknown rights bit" is
 * "rights <= PM_RIGHTS_ALL": plain arithmetic, which the provers handle. */
_Static_assert((PM_RIGHTS_ALL & (PM_RIGHTS_ALL + 1u)) == 0,
               "PM_RIGHTS_ALL must be a low bit mask");
_Static_assert(PM_RIGHTS_ALL < 65536u, "rights fit in 16 handle bits");
_Static_assert(PM_REG_CAPACITY <= 65536u, "slot fits in 16 handle bits");

/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures \result == 1 <==> pm_rights_subset(want, have);
*/
static int rights_subset(uint32_t want, uint32_t have)
{
    return (want & ~have) == 0;
}

/*@ requires \valid(p);
    assigns  *p;
    ensures  p->state == PM_PROC_FREE && p->gen == gen && p->nextra == 0;
*/
static void clear_record(pm_proc *p, uint32_t gen)
{
    uint32_t i;
    p->state = PM_PROC_FREE;
    p->gen = gen;
    p->pid = 0;
    p->parent_pid = 0;
    p->job = 0;
    p->exit_code = 0;
    p->name_len = 0;
    /*@ loop invariant 0 <= i <= PM_REG_NAME_MAX;
        loop assigns i, p->name[0 .. PM_REG_NAME_MAX - 1];
        loop variant PM_REG_NAME_MAX - i;
    */
    for (i = 0; i < PM_REG_NAME_MAX; i++)
        p->name[i] = 0;
    p->aspace.idx = 0;
    p->aspace.gen = 0;
    p->cspace.idx = 0;
    p->cspace.gen = 0;
    p->thread.idx = 0;
    p->thread.gen = 0;
    p->nextra = 0;
    /*@ loop invariant 0 <= i <= PM_REG_EXTRA_CAPS;
        loop assigns i, p->extra[0 .. PM_REG_EXTRA_CAPS - 1];
        loop variant PM_REG_EXTRA_CAPS - i;
    */
    for (i = 0; i < PM_REG_EXTRA_CAPS; i++) {
        p->extra[i].idx = 0;
        p->extra[i].gen = 0;
    }
}

void pm_reg_init(pm_registry *r)
{
    uint32_t i;
    r->next_pid = 1;
    r->live = 0;
    /*@ loop invariant 0 <= i <= PM_REG_CAPACITY;
        loop invariant \forall integer j; 0 <= j < i ==>
            r->slot[j].state == PM_PROC_FREE && r->slot[j].gen == 1;
        loop invariant r->live == 0 && r->next_pid == 1;
        loop assigns i, r->slot[0 .. PM_REG_CAPACITY - 1];
        loop variant PM_REG_CAPACITY - i;
    */
    for (i = 0; i < PM_REG_CAPACITY; i++)
        clear_record(&r->slot[i], 1);
}

uint64_t pm_handle_make(uint32_t idx, uint32_t gen, uint32_t rights)
{
    return (uint64_t)rights * PM_HANDLE_RIGHTS_UNIT +
           (uint64_t)gen * PM_HANDLE_GEN_UNIT + idx;
}

/*@ assigns \nothing;
    ensures \result <==> pm_state_live(s);
*/
static int state_live(uint32_t s)
{
    return s == PM_PROC_CREATED || s == PM_PROC_RUNNING || s == PM_PROC_EXITED;
}

pm_status pm_reg_alloc(pm_registry *r, uint64_t parent_pid, uint64_t job,
                       const uint8_t *name, uint32_t name_len, uint32_t rights,
                       uint64_t *handle, uint32_t *idx)
{
    uint32_t i;
    uint32_t found = PM_REG_CAPACITY;

    if (rights > PM_RIGHTS_ALL)
        return PM_E_RIGHTS;
    /*@ loop invariant 0 <= i <= PM_REG_CAPACITY;
        loop invariant found == PM_REG_CAPACITY ||
                       (found < PM_REG_CAPACITY &&
                        r->slot[found].state == PM_PROC_FREE);
        loop assigns i, found;
        loop variant PM_REG_CAPACITY - i;
    */
    for (i = 0; i < PM_REG_CAPACITY && found == PM_REG_CAPACITY; i++) {
        if (r->slot[i].state == PM_PROC_FREE)
            found = i;
    }
    if (found == PM_REG_CAPACITY || r->next_pid == UINT64_MAX ||
        r->slot[found].gen == 0)
        return PM_E_REGISTRY_FULL;

    pm_proc *p = &r->slot[found];
    clear_record(p, p->gen);
    p->state = PM_PROC_CREATED;
    p->pid = r->next_pid;
    r->next_pid++;
    p->parent_pid = parent_pid;
    p->job = job;
    p->name_len = name_len;
    /*@ loop invariant 0 <= i <= name_len;
        loop invariant p->state == PM_PROC_CREATED;
        loop assigns i, p->name[0 .. PM_REG_NAME_MAX - 1];
        loop variant name_len - i;
    */
    for (i = 0; i < name_len; i++)
        p->name[i] = name[i];
    if (r->live < PM_REG_CAPACITY)
        r->live++;
    *idx = found;
    *handle = pm_handle_make(found, p->gen, rights);
    return PM_OK;
}

pm_status pm_reg_lookup(const pm_registry *r, uint64_t h, uint32_t required,
                        uint32_t *idx)
{
    const uint64_t slot = h % PM_HANDLE_GEN_UNIT;
    const uint64_t gen = (h / PM_HANDLE_GEN_UNIT) % 4294967296u;
    const uint64_t rights = h / PM_HANDLE_RIGHTS_UNIT;
    pm_status rc;

    if (slot >= PM_REG_CAPACITY || gen == 0 || rights > PM_RIGHTS_ALL)
        rc = PM_E_BAD_HANDLE;
    else if (!state_live(r->slot[slot].state) || r->slot[slot].gen != gen)
        rc = PM_E_STALE_HANDLE;
    else if (!rights_subset(required, (uint32_t)rights))
        rc = PM_E_RIGHTS;
    else {
        *idx = (uint32_t)slot;
        rc = PM_OK;
    }
    return rc;
}

pm_status pm_reg_duplicate(const pm_registry *r, uint64_t h,
                           uint32_t new_rights, uint64_t *out)
{
    uint32_t idx = 0;
    pm_status rc = pm_reg_lookup(r, h, PM_RIGHT_DUPLICATE, &idx);
    if (rc == PM_OK) {
        const uint32_t have = (uint32_t)(h / PM_HANDLE_RIGHTS_UNIT);
        if (!rights_subset(new_rights, have) || new_rights > PM_RIGHTS_ALL)
            rc = PM_E_RIGHTS;
        else
            *out = pm_handle_make(idx, r->slot[idx].gen, new_rights);
    }
    return rc;
}

void pm_reg_free(pm_registry *r, uint32_t idx)
{
    pm_proc *p = &r->slot[idx];
    const uint32_t gen = p->gen;
    if (!state_live(p->state)) {
        /* Nothing to free (already free or retired). */
    } else if (gen >= PM_GEN_MAX) {
        clear_record(p, gen);
        p->state = PM_PROC_RETIRED;
        if (r->live > 0)
            r->live--;
    } else {
        clear_record(p, gen + 1u);
        if (r->live > 0)
            r->live--;
    }
}

pm_status pm_reg_find_pid(const pm_registry *r, uint64_t pid, uint32_t *idx)
{
    pm_status rc = PM_E_NO_SUCH_PROCESS;
    uint32_t i;
    /*@ loop invariant 0 <= i <= PM_REG_CAPACITY;
        loop invariant rc == PM_E_NO_SUCH_PROCESS ||
            (rc == PM_OK && *idx < PM_REG_CAPACITY &&
             pm_state_live(r->slot[*idx].state) && r->slot[*idx].pid == pid);
        loop assigns i, rc, *idx;
        loop variant PM_REG_CAPACITY - i;
    */
    for (i = 0; i < PM_REG_CAPACITY && rc != PM_OK; i++) {
        if (pid != 0 && state_live(r->slot[i].state) && r->slot[i].pid == pid) {
            *idx = i;
            rc = PM_OK;
        }
    }
    return rc;
}

/*@ requires \valid_read(p);
    assigns \nothing;
*/
static int matches(const pm_proc *p, uint32_t filter, uint64_t value)
{
    int m = 0;
    if (state_live(p->state)) {
        if (filter == PM_REG_FILTER_ALL)
            m = 1;
        else if (filter == PM_REG_FILTER_JOB)
            m = p->job == value;
        else
            m = p->parent_pid == value;
    }
    return m;
}

pm_status pm_reg_list(const pm_registry *r, uint32_t filter, uint64_t value,
                      uint32_t cursor, uint64_t *out, uint32_t out_cap,
                      uint32_t *n, uint32_t *next)
{
    uint32_t i;
    uint32_t k = 0;

    if (cursor > PM_REG_CAPACITY || filter > PM_REG_FILTER_PARENT)
        return PM_E_LIST_CURSOR;
    /* Stop at the first match that does not fit, so it is the resume point. */
    /*@ loop invariant cursor <= i <= PM_REG_CAPACITY;
        loop invariant 0 <= k <= out_cap;
        loop assigns i, k, out[0 .. out_cap - 1];
        loop variant PM_REG_CAPACITY - i;
    */
    for (i = cursor; i < PM_REG_CAPACITY; i++) {
        if (matches(&r->slot[i], filter, value)) {
            if (k >= out_cap)
                break;
            out[k] = r->slot[i].pid;
            k++;
        }
    }
    *n = k;
    *next = i;
    return PM_OK;
}

pm_status pm_reg_add_cap(pm_registry *r, uint32_t idx, pm_kcap cap)
{
    pm_proc *p = &r->slot[idx];
    pm_status rc = PM_E_RECORD_FULL;
    const uint32_t n = p->nextra;
    if (n < PM_REG_EXTRA_CAPS) {
        p->extra[n] = cap;
        p->nextra = n + 1u;
        rc = PM_OK;
    } else {
        p->nextra = PM_REG_EXTRA_CAPS;
    }
    return rc;
}
