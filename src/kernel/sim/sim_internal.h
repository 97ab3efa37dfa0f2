/* Internals shared by the sim sources (not an interface). */
#ifndef PROCMGR_SIM_INTERNAL_H
#define PROCMGR_SIM_INTERNAL_H

#include "procmgr/sim.h"
#include "acsl/sim.h"      /* the proof's model (comment-only): proof-sim */

#define SIM_PAGE_MASK ((uint64_t)PM_SIM_PAGE_SIZE - 1u)
#define SIM_PROT_ALL  (PM_PROT_R | PM_PROT_W | PM_PROT_X)

/* Next generation after g, skipping 0 (0 marks a null cap). */
uint32_t sim_gen_next(uint32_t g);

/* Failure injector: counts the call and returns PM_OK or the status to fail
 * it with.  Called first by every fallible operation. */
/*@ requires sim_ok(k);
    assigns k->calls, k->injected, k->fail_nth, k->rng;
    ensures pm_k_status(\result);
    ensures sim_ok(k);
    ensures sim_keeps_maps{Pre, Post}(k); */
pm_status sim_inject(struct pm_kernel *k);

/* The handle entry a cap names, LIVE or TOMB; PM_E_K_BAD_CAP otherwise. */
/*@ requires \valid_read(k) && \valid(hidx) && \separated(hidx, k);
    assigns *hidx;
    ensures \result == PM_OK || \result == PM_E_K_BAD_CAP;
    ensures \result == PM_OK ==>
      *hidx == c.idx && c.gen != 0 && c.idx < PM_SIM_MAX_HANDLES &&
      k->handle[c.idx].state != PM_SIM_H_FREE && k->handle[c.idx].gen == c.gen; */
pm_status sim_handle(struct pm_kernel *k, pm_kcap c, uint32_t *hidx);

/* Resolve a cap to a live object: BAD_CAP, REVOKED (tombstone), TYPE (type
 * != PM_KOBJ_NONE and differs), BAD_RIGHTS (missing any of `rights`). */
/*@ requires \valid_read(k) && \valid(oidx) && \separated(oidx, k);
    requires \forall integer h; 0 <= h < PM_SIM_MAX_HANDLES ==> sim_handle_ok(k, h);
    assigns *oidx;
    ensures \result \in { PM_OK, PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_TYPE,
                         PM_E_K_BAD_RIGHTS };
    ensures \result == PM_OK ==>
      c.gen != 0 && c.idx < PM_SIM_MAX_HANDLES &&
      k->handle[c.idx].state == PM_SIM_H_LIVE && k->handle[c.idx].gen == c.gen &&
      k->handle[c.idx].obj == *oidx && *oidx < PM_SIM_MAX_OBJECTS &&
      (type != PM_KOBJ_NONE ==> k->obj[*oidx].type == type) &&
      (k->handle[c.idx].rights & rights) == rights; */
pm_status sim_cap(struct pm_kernel *k, pm_kcap c, uint32_t type,
                  uint32_t rights, uint32_t *oidx);

/* Allocate an object of `type` with its original handle (all rights).
 * NO_OBJECTS when the type budget or the handle table is exhausted; on
 * failure nothing changes. */
pm_status sim_create(struct pm_kernel *k, uint32_t type, pm_kcap *out,
                     uint32_t *oidx);

/* The cap value of an object's original handle. */
/*@ requires \valid_read(k) && oidx < PM_SIM_MAX_OBJECTS;
    requires k->obj[oidx].handle < PM_SIM_MAX_HANDLES;
    assigns \nothing;
    ensures \result.idx == k->obj[oidx].handle;
    ensures \result.gen == k->handle[k->obj[oidx].handle].gen; */
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
/*@ requires \valid_read(k);
    assigns \nothing;
    ensures \result == PM_SIM_NONE || \result < PM_SIM_MAX_FRAMES;
    ensures \result != PM_SIM_NONE ==>
      k->frame[\result].owner == oidx && k->frame[\result].vaddr == vaddr;
    ensures \result == PM_SIM_NONE ==>
      \forall integer f; 0 <= f < PM_SIM_MAX_FRAMES ==>
        !(k->frame[f].owner == oidx && k->frame[f].vaddr == vaddr); */
uint32_t sim_frame_find(const struct pm_kernel *k, uint32_t oidx, uint64_t vaddr);

/* Queue the terminal event of thread oidx (dropped when the queue is
 * full: it holds one per object, and a thread ends once).  Changes only
 * the queue and the thread's event_queued: no mapping, handle or type. */
/*@ requires sim_ok(k) && oidx < PM_SIM_MAX_OBJECTS;
    requires k->obj[oidx].type != PM_KOBJ_NONE;
    assigns k->event[0 .. PM_SIM_MAX_OBJECTS - 1], k->nevents,
            k->obj[oidx].event_queued;
    ensures sim_ok(k);
    ensures sim_keeps_maps{Pre, Post}(k); */
void sim_event_push(struct pm_kernel *k, uint32_t oidx, pm_kevent_kind kind,
                    pm_kfault fault, int64_t code, uint64_t addr);

#endif /* PROCMGR_SIM_INTERNAL_H */
