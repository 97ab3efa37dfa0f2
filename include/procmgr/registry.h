/*
 * procmgr process registry (spec/core.md, "Registry and handles").
 *
 * A bounded table of process records in caller-provided storage (one
 * pm_registry struct, no allocation).  Clients name a record through a
 * 64-bit handle value:
 *
 *     bits  0..15  slot index        (< PM_REG_CAPACITY)
 *     bits 16..47  slot generation   (never 0)
 *     bits 48..63  rights            (subset of PM_RIGHTS_ALL, proto.h)
 *
 * The value itself is carried by an unforgeable transport (a capability
 * badge, or the procmgr-owned end of a socketpair on Linux), so a client
 * cannot invent one; the registry still refuses any value it did not issue:
 * out-of-range slot, generation 0 or unknown rights bits -> PM_E_BAD_HANDLE;
 * a slot that was freed since (generation moved on, or slot not live) ->
 * PM_E_STALE_HANDLE; a handle without a required right -> PM_E_RIGHTS.
 *
 * A slot's generation only grows.  Freeing bumps it, so every handle to
 * the old record is refused forever; a slot whose generation would wrap is
 * retired instead of reused.  Pure and freestanding, proven with WP + Eva.
 */
#ifndef PROCMGR_REGISTRY_H
#define PROCMGR_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/kernel.h"   /* pm_kcap */
#include "procmgr/proto.h"    /* PM_RIGHT_*, PM_RIGHTS_ALL */
#include "procmgr/status.h"

#define PM_REG_CAPACITY    1024u   /* process records (<= 65536) */
#define PM_REG_NAME_MAX    32u     /* process name bytes          */
/* Kernel caps a record holds beyond as/cspace/thread: the most a launch can
 * bring is the executable, the interpreter, every startup handle, every
 * namespace directory and the working directory (3 + PM_BUILDER_MAX_HANDLES
 * + PM_BUILDER_MAX_NAMES), so no launch the protocol admits is refused for
 * lack of room. */
#define PM_REG_EXTRA_CAPS  99u

#define PM_HANDLE_SLOT_UNIT  1ull              /* 2^0  */
#define PM_HANDLE_GEN_UNIT   65536ull          /* 2^16 */
#define PM_HANDLE_RIGHTS_UNIT 281474976710656ull /* 2^48 */
#define PM_GEN_MAX           0xFFFFFFFFu

/* Record states.  Only CREATED, RUNNING and EXITED are live (handles to
 * them resolve); RETIRED slots are never reused. */
typedef enum pm_proc_state {
    PM_PROC_FREE    = 0,
    PM_PROC_CREATED = 1,   /* objects made, not started */
    PM_PROC_RUNNING = 2,
    PM_PROC_EXITED  = 3,   /* exited or killed; torn down, awaiting free */
    PM_PROC_RETIRED = 4    /* generation exhausted */
} pm_proc_state;

/* One process.  Every kernel object it holds is one of the caps below;
 * teardown releases every non-null one (spec/core.md, "Teardown"). */
typedef struct pm_proc {
    uint32_t state;                 /* pm_proc_state */
    uint32_t gen;                   /* current generation of the slot */
    uint64_t pid;                   /* unique for the registry's life */
    uint64_t parent_pid;            /* 0: none */
    uint64_t job;                   /* job id, 0: root job */
    int64_t  exit_code;
    uint32_t name_len;
    uint8_t  name[PM_REG_NAME_MAX];
    pm_kcap  aspace;                /* address space */
    pm_kcap  cspace;                /* capability space */
    pm_kcap  thread;                /* initial thread */
    uint32_t nextra;                /* <= PM_REG_EXTRA_CAPS */
    pm_kcap  extra[PM_REG_EXTRA_CAPS]; /* endpoints, images, IPC buffer... */
} pm_proc;

typedef struct pm_registry {
    uint64_t next_pid;              /* next pid to hand out, starts at 1 */
    uint32_t live;                  /* live records */
    pm_proc  slot[PM_REG_CAPACITY];
} pm_registry;

/* List filters. */
#define PM_REG_FILTER_ALL     0u
#define PM_REG_FILTER_JOB     1u    /* records with job == value */
#define PM_REG_FILTER_PARENT  2u    /* records with parent_pid == value */

#include "acsl/core_registry.h"

/* Empty registry: every slot FREE with generation 1. */
/*@ requires \valid(r);
    assigns  *r;
    ensures  r->live == 0 && r->next_pid == 1;
    ensures  \forall integer i; 0 <= i < PM_REG_CAPACITY ==>
                 r->slot[i].state == PM_PROC_FREE && r->slot[i].gen == 1;
*/
void pm_reg_init(pm_registry *r);

/* The handle value for slot idx at its current generation with `rights`. */
/*@ requires idx < PM_REG_CAPACITY;
    requires rights <= PM_RIGHTS_ALL;
    assigns  \nothing;
    ensures  \result == pm_handle_value(idx, gen, rights);
    ensures  pm_handle_idx(\result) == idx && pm_handle_gen(\result) == gen &&
             pm_handle_rights(\result) == rights;
*/
uint64_t pm_handle_make(uint32_t idx, uint32_t gen, uint32_t rights);

/*
 * Allocate a record: first FREE slot, state CREATED, a fresh pid, the given
 * parent, job and name (len <= PM_REG_NAME_MAX), null caps.  *handle gets a
 * handle with `rights`, *idx the slot.  PM_E_REGISTRY_FULL when no slot is
 * free, PM_E_RIGHTS for unknown rights bits.
 */
/*@ requires \valid(r) && \valid(handle) && \valid(idx);
    requires name_len <= PM_REG_NAME_MAX;
    requires \valid_read(name + (0 .. name_len - 1));
    requires \separated(r, handle, idx, name + (0 .. name_len - 1));
    requires \separated(handle, idx);
    assigns  *r, *handle, *idx;
    ensures  \result == PM_OK || \result == PM_E_REGISTRY_FULL ||
             \result == PM_E_RIGHTS;
    ensures  \result == PM_OK ==> *idx < PM_REG_CAPACITY &&
                 pm_handle_live(r, *handle) && pm_handle_idx(*handle) == *idx &&
                 r->slot[*idx].state == PM_PROC_CREATED;
*/
pm_status pm_reg_alloc(pm_registry *r, uint64_t parent_pid, uint64_t job,
                       const uint8_t *name, uint32_t name_len, uint32_t rights,
                       uint64_t *handle, uint32_t *idx);

/*
 * Resolve a handle that must carry every right in `required`.
 * PM_E_BAD_HANDLE, PM_E_STALE_HANDLE or PM_E_RIGHTS, in that order.
 */
/*@ requires \valid_read(r) && \valid(idx) && \separated(r, idx);
    assigns  *idx;
    ensures  \result == PM_OK || \result == PM_E_BAD_HANDLE ||
             \result == PM_E_STALE_HANDLE || \result == PM_E_RIGHTS;
    ensures  \result == PM_OK <==>
                 (pm_handle_wellformed(h) && pm_handle_live(r, h) &&
                  pm_rights_subset(required, pm_handle_rights(h)));
    ensures  \result == PM_OK ==> *idx == pm_handle_idx(h) &&
                                  *idx < PM_REG_CAPACITY;
    ensures  !pm_handle_wellformed(h) ==> \result == PM_E_BAD_HANDLE;
    ensures  pm_handle_wellformed(h) && !pm_handle_live(r, h) ==>
                 \result == PM_E_STALE_HANDLE;
*/
pm_status pm_reg_lookup(const pm_registry *r, uint64_t h, uint32_t required,
                        uint32_t *idx);

/*
 * A copy of handle h with rights new_rights, a subset of h's.  h must carry
 * PM_RIGHT_DUPLICATE.  Lookup's errors, or PM_E_RIGHTS for a superset.
 */
/*@ requires \valid_read(r) && \valid(out) && \separated(r, out);
    assigns  *out;
    ensures  \result == PM_OK || \result == PM_E_BAD_HANDLE ||
             \result == PM_E_STALE_HANDLE || \result == PM_E_RIGHTS;
    ensures  \result == PM_OK ==> pm_handle_live(r, *out) &&
                 pm_handle_idx(*out) == pm_handle_idx(h) &&
                 pm_handle_rights(*out) == new_rights &&
                 pm_rights_subset(new_rights, pm_handle_rights(h));
*/
pm_status pm_reg_duplicate(const pm_registry *r, uint64_t h,
                           uint32_t new_rights, uint64_t *out);

/*
 * Free a live record after teardown: the slot's generation grows (or the
 * slot retires), so every handle to it is now stale.  Clears the record.
 * A slot that is not live is left as it is.
 */
/*@ requires \valid(r) && idx < PM_REG_CAPACITY;
    assigns  r->slot[idx], r->live;
    ensures  pm_state_live(\old(r->slot[idx].state)) ==>
             r->slot[idx].gen > \old(r->slot[idx].gen) ||
             r->slot[idx].state == PM_PROC_RETIRED;
    ensures  r->slot[idx].gen >= \old(r->slot[idx].gen);
    ensures  !pm_state_live(r->slot[idx].state);
    ensures  \forall uint64_t h; pm_handle_idx(h) == idx ==>
                 !pm_handle_live(r, h);
*/
void pm_reg_free(pm_registry *r, uint32_t idx);

/* The live record with this pid.  PM_E_NO_SUCH_PROCESS otherwise. */
/*@ requires \valid_read(r) && \valid(idx) && \separated(r, idx);
    assigns  *idx;
    ensures  \result == PM_OK || \result == PM_E_NO_SUCH_PROCESS;
    ensures  \result == PM_OK ==> *idx < PM_REG_CAPACITY &&
                 pm_state_live(r->slot[*idx].state) && r->slot[*idx].pid == pid;
*/
pm_status pm_reg_find_pid(const pm_registry *r, uint64_t pid, uint32_t *idx);

/*
 * Page through live records matching a filter, in slot order, starting at
 * slot `cursor`: up to out_cap pids into out[], *n written, *next = slot to
 * resume from (PM_REG_CAPACITY when the scan is complete).
 * PM_E_LIST_CURSOR for cursor > PM_REG_CAPACITY or an unknown filter.
 */
/*@ requires \valid_read(r) && \valid(n) && \valid(next);
    requires \valid(out + (0 .. out_cap - 1));
    requires \separated(r, n, next, out + (0 .. out_cap - 1));
    requires \separated(n, next);
    assigns  out[0 .. out_cap - 1], *n, *next;
    ensures  \result == PM_OK || \result == PM_E_LIST_CURSOR;
    ensures  \result == PM_OK ==> *n <= out_cap && *next <= PM_REG_CAPACITY &&
                                  *next >= cursor;
*/
pm_status pm_reg_list(const pm_registry *r, uint32_t filter, uint64_t value,
                      uint32_t cursor, uint64_t *out, uint32_t out_cap,
                      uint32_t *n, uint32_t *next);

/* Record one more kernel cap a live process holds (for teardown).
 * PM_E_RECORD_FULL when PM_REG_EXTRA_CAPS are held. */
/*@ requires \valid(r) && idx < PM_REG_CAPACITY;
    assigns  r->slot[idx].extra[0 .. PM_REG_EXTRA_CAPS - 1], r->slot[idx].nextra;
    ensures  \result == PM_OK || \result == PM_E_RECORD_FULL;
    ensures  r->slot[idx].nextra <= PM_REG_EXTRA_CAPS;
*/
pm_status pm_reg_add_cap(pm_registry *r, uint32_t idx, pm_kcap cap);

#endif /* PROCMGR_REGISTRY_H */
