/*
 * procmgr dispatcher: the job table (spec/lifecycle.md section 3,
 * spec/dispatch.md "Jobs").
 *
 * A job is named by a koid from the registry's koid sequence (JOB_CREATE)
 * or by the koid of the process it was made for (a process launched
 * without a job gets a job of its own, named like it).  Its kernel job
 * (pm_k_job_*) holds the members; this table adds what the protocol needs:
 * the handles issued for it and the principal that may open it.  A job
 * ends when no handle names it and no created or running process is in
 * it.  Freestanding: no allocation, no libc.  Proven with WP with the
 * launch's helpers that call it (make proof-launch-caps: runtime errors
 * and the contracts in include/procmgr/dispatch.h).
 */
#include "procmgr/dispatch.h"

uint32_t pm_dispatch_job_find_(const pm_dispatch *d, uint64_t koid)
{
    uint32_t i;
    /*@ loop invariant 0 <= i <= PM_DISPATCH_MAX_JOBS;
        loop assigns i; loop variant PM_DISPATCH_MAX_JOBS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_JOBS; i++)
        if (d->job[i].in_use && d->job[i].koid == koid)
            return i;
    return PM_DISPATCH_MAX_JOBS;
}

pm_status pm_dispatch_job_get_(pm_dispatch *d, uint64_t koid, uint32_t owner,
                               uint32_t *ji)
{
    uint32_t i = pm_dispatch_job_find_(d, koid);
    pm_status st = PM_OK;
    if (i < PM_DISPATCH_MAX_JOBS) {
        *ji = i;
        return PM_OK;
    }
    /*@ loop invariant 0 <= i <= PM_DISPATCH_MAX_JOBS;
        loop assigns i; loop variant PM_DISPATCH_MAX_JOBS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_JOBS && d->job[i].in_use; i++)
        ;
    if (i == PM_DISPATCH_MAX_JOBS)
        return PM_E_JOBS_FULL;
    st = pm_k_job_create(d->k, koid, &d->job[i].cap);
    if (st == PM_OK) {
        d->job[i].in_use = 1;
        d->job[i].refs = 0;
        d->job[i].owner = owner;
        d->job[i].koid = koid;
        *ji = i;
    }
    return st;
}

/* A created or running process is in job koid. */
/*@ requires \valid_read(d);
    assigns \nothing; */
static int has_live_member(const pm_dispatch *d, uint64_t koid)
{
    uint32_t i;
    /*@ loop invariant 0 <= i <= PM_REG_CAPACITY;
        loop assigns i; loop variant PM_REG_CAPACITY - i; */
    for (i = 0; i < PM_REG_CAPACITY; i++) {
        uint32_t s = d->reg.slot[i].state;
        if ((s == PM_PROC_CREATED || s == PM_PROC_RUNNING) &&
            d->reg.slot[i].job == koid)
            return 1;
    }
    return 0;
}

void pm_dispatch_job_maybe_end_(pm_dispatch *d, uint64_t koid)
{
    uint32_t i = pm_dispatch_job_find_(d, koid);
    if (i == PM_DISPATCH_MAX_JOBS || d->job[i].refs > 0 || has_live_member(d, koid))
        return;
    (void)pm_k_drop(d->k, d->job[i].cap);
    d->job[i].cap = PM_KCAP_NULL;
    d->job[i].in_use = 0;
}

void pm_dispatch_job_fini_(pm_dispatch *d)
{
    uint32_t i;
    /*@ loop invariant 0 <= i <= PM_DISPATCH_MAX_JOBS;
        loop assigns i, d->job[0 .. PM_DISPATCH_MAX_JOBS - 1],
                     pm_k_world, pm_k_vm, pm_k_tb;
        loop variant PM_DISPATCH_MAX_JOBS - i; */
    for (i = 0; i < PM_DISPATCH_MAX_JOBS; i++)
        if (d->job[i].in_use) {
            (void)pm_k_drop(d->k, d->job[i].cap);
            d->job[i].cap = PM_KCAP_NULL;
            d->job[i].in_use = 0;
        }
}
