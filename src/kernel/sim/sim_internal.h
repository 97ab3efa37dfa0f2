/* Internals shared by the sim sources (not an interface). */
#ifndef PROCMGR_SIM_INTERNAL_H
#define PROCMGR_SIM_INTERNAL_H

#include "procmgr/sim.h"

#define SIM_PAGE_MASK ((uint64_t)PM_SIM_PAGE_SIZE - 1u)
#define SIM_PROT_ALL  (PM_PROT_R | PM_PROT_W | PM_PROT_X)

/* Next generation after g, skipping 0 (0 marks a null cap). */
uint32_t sim_gen_next(uint32_t g);

/* Failure injector: counts the call and returns PM_OK or the status to fail
 * it with.  Called first by every fallible operation. */
pm_status sim_inject(struct pm_kernel *k);

/* The handle entry a cap names, LIVE or TOMB; PM_E_K_BAD_CAP otherwise. */
pm_status sim_handle(struct pm_kernel *k, pm_kcap c, uint32_t *hidx);

/* Resolve a cap to a live object: BAD_CAP, REVOKED (tombstone), TYPE (type
 * != PM_KOBJ_NONE and differs), BAD_RIGHTS (missing any of `rights`). */
pm_status sim_cap(struct pm_kernel *k, pm_kcap c, uint32_t type,
                  uint32_t rights, uint32_t *oidx);

/* Allocate an object of `type` with its original handle (all rights).
 * NO_OBJECTS when the type budget or the handle table is exhausted; on
 * failure nothing changes. */
pm_status sim_create(struct pm_kernel *k, uint32_t type, pm_kcap *out,
                     uint32_t *oidx);

/* The cap value of an object's original handle. */
pm_kcap sim_original_cap(const struct pm_kernel *k, uint32_t oidx);

/* Delete every cap derived from handle hidx (tombstones in the handle
 * table, emptied CSpace slots). */
void sim_revoke_children(struct pm_kernel *k, uint32_t hidx);

/* Address-space teardown: free every frame of AS oidx. */
void sim_as_release_frames(struct pm_kernel *k, uint32_t oidx);

/* CSpace teardown: empty and free every slot of CSpace oidx. */
void sim_cspace_release_slots(struct pm_kernel *k, uint32_t oidx);

/* Unbind every thread bound to AS or CSpace oidx; a running one is killed
 * (KILLED event), a bound one returns to CREATED. */
void sim_detach_threads(struct pm_kernel *k, uint32_t oidx);

/* Thread teardown: unbind and drop its queued event. */
void sim_thread_release(struct pm_kernel *k, uint32_t oidx);
/* A job is destroyed: its members leave it (thawed, a held fatal signal
 * delivered as on thaw). */
void sim_job_release(struct pm_kernel *k, uint32_t oidx);

/* Frame mapping vaddr (page-aligned) in AS oidx, or PM_SIM_NONE. */
uint32_t sim_frame_find(const struct pm_kernel *k, uint32_t oidx, uint64_t vaddr);

/* Queue the terminal event of thread oidx. */
void sim_event_push(struct pm_kernel *k, uint32_t oidx, pm_kevent_kind kind,
                    pm_kfault fault, int64_t code, uint64_t addr);

#endif /* PROCMGR_SIM_INTERNAL_H */
