/*
 * procmgr kernel interface: the only way the core reaches a kernel.
 *
 * The objects are those of the capability microkernel procmgr is written
 * for (seed 000): address spaces, CSpaces, threads, plus endpoints (IPC
 * objects handed to new processes) and images (an executable the caller
 * named: a boot module frame set, a file).  Normative description, rights
 * and failure codes per operation, and the mapping onto the sim, Linux and
 * seL4/Zircon-like kernels: spec/kernel-interface.md.
 *
 * Backends.  The backend is chosen at LINK time: every operation is a plain
 * function taking an opaque `struct pm_kernel *` that the backend defines
 * (src/kernel/sim: include/procmgr/sim.h; src/kernel/linux: include/procmgr/
 * kernel_linux.h).  There are no function pointers.
 *
 * Capabilities.  procmgr's own capabilities live in a handle table inside
 * the backend (on a real kernel: procmgr's CSpace).  A pm_kcap is a small
 * value naming one entry: an index plus a generation, so a value kept after
 * its entry was released is refused (PM_E_K_BAD_CAP) instead of silently
 * naming whatever reused the entry.  A cap carries rights (PM_KR_*).  Each
 * object has exactly one ORIGINAL cap (the one its create call returned,
 * with all rights); further caps are DERIVED from an existing one
 * (pm_k_cap_derive into procmgr's table, pm_k_cspace_mint into a CSpace
 * slot) with rights never larger than their parent's.
 *
 *   revoke(c)   deletes every cap derived from c, transitively.  Derived
 *               handles in procmgr's table become tombstones: using one
 *               gives PM_E_K_REVOKED until it is released.  Derived caps in
 *               CSpace slots are deleted (the slot becomes empty).
 *   destroy(c)  c must be an original with PM_KR_MANAGE: revokes c, tears
 *               the object down (frames, slots, bindings, queued events) and
 *               releases c.  Destroy, revoke and release never fail on a
 *               valid cap: teardown always completes.
 *
 * Atomicity.  Every operation either succeeds completely or returns an
 * error and changes nothing (a backend that defers work, like the Linux
 * stub, reports deferred failures from pm_k_thread_start and leaves the
 * process in a state pm_k_destroy can reclaim).
 *
 * Construction before start.  Mapping, writing and protecting an address
 * space are construction operations: once a thread bound to that address
 * space has been started they return PM_E_K_STATE.  (The Linux backend
 * hands the whole construction to its stub when a thread is bound, so
 * there they return PM_E_K_STATE from the bind on; a microkernel backend
 * could allow more but must not be relied on to.)
 *
 * Memory protections are the plan's PM_PROT_R/W/X bits (procmgr/elf.h),
 * so a pm_elf_segment's prot goes to the kernel unchanged.
 *
 * Freestanding: only <stdint.h>/<stddef.h> and project headers.
 */
#ifndef PROCMGR_KERNEL_H
#define PROCMGR_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"     /* PM_PROT_R, PM_PROT_W, PM_PROT_X */
#include "procmgr/status.h"

struct pm_kernel;            /* defined by the backend linked in */

/*
 * ACSL.  The contracts below are what a proof of the core may assume about
 * any backend.  The backend's state is opaque; the ghost variable pm_k_world
 * stands for all of it, so "assigns pm_k_world" says an operation changes
 * kernel state and nothing of the caller's but its output arguments.  The
 * \from parts (what results depend on) are there for Eva, which needs them
 * to analyse a caller without a backend; WP does not use them.
 */
/*@ ghost extern int pm_k_world; */
/*@ predicate pm_k_status(integer s) = s == PM_OK || (400 <= s <= 499); */

/*
 * Construction contracts (spec/kernel-interface.md, "Construction
 * contracts"; the model is spec/acsl/kernel.h).  Two ghost integers stand
 * for the parts of the kernel state the loader's proof reasons about
 * across calls: pm_k_vm for the mappings of every address space, pm_k_tb
 * for the thread bindings.  Only the calls that change mappings (map,
 * protect, unmap, and destroy/revoke/release, which can tear an address
 * space down) assign pm_k_vm; only bind and the teardown calls assign
 * pm_k_tb.  Every other call therefore keeps the caller's pm_k_mapped and
 * pm_k_bound facts without saying anything about them.
 */
/*@ ghost extern int pm_k_vm; */
/*@ ghost extern int pm_k_tb; */

/*
 * PM_K_PRE(P): a precondition the CORE must meet (well-formed construction
 * calls: aligned, in range, never W+X, file range inside the image, writes
 * inside earlier mappings, start inside executable/writable mappings).
 * Every backend re-checks all of it at run time (defence in depth), and a
 * backend's own proof must not assume it: a backend proof compiles this
 * header with -DPM_K_BACKEND_PROOF, which turns each PM_K_PRE into \true
 * and leaves the rest of every contract (assigns, \from, ensures) as is,
 * but for one thing: the backend's state is the struct pm_kernel its
 * caller holds, so there PM_K_WORLD, the state an operation assigns, is
 * pm_k_world plus *k (a caller's proof sees pm_k_world only; *k is
 * opaque to it).  (Frama-C preprocesses annotations, so the macros reach
 * the ACSL.)
 */
#ifdef PM_K_BACKEND_PROOF
#define PM_K_PRE(...) \true
#define PM_K_WORLD pm_k_world, *k
#else
#define PM_K_PRE(...) (__VA_ARGS__)
#define PM_K_WORLD pm_k_world
#endif

/* ---- capabilities ------------------------------------------------------ */

/* A capability held by procmgr: entry index and generation in the backend's
 * handle table.  gen == 0 is never valid; PM_KCAP_NULL names nothing. */
typedef struct pm_kcap {
    uint32_t idx;
    uint32_t gen;
} pm_kcap;

#define PM_KCAP_NULL ((pm_kcap){ 0u, 0u })

/* The logic model of the interface (needs pm_kcap). */
#include "acsl/kernel.h"

/*@ assigns \nothing;
    behavior null: assumes c.gen == 0; ensures \result == 1;
    behavior live: assumes c.gen != 0; ensures \result == 0;
    complete behaviors; disjoint behaviors; */
static inline int pm_kcap_is_null(pm_kcap c) { return c.gen == 0u; }
/*@ assigns \nothing;
    behavior same: assumes a.idx == b.idx && a.gen == b.gen; ensures \result == 1;
    behavior differ: assumes a.idx != b.idx || a.gen != b.gen; ensures \result == 0;
    complete behaviors; disjoint behaviors; */
static inline int pm_kcap_eq(pm_kcap a, pm_kcap b)
{
    return a.idx == b.idx && a.gen == b.gen;
}

/* Rights a capability carries. */
#define PM_KR_READ    (1u << 0)  /* read contents: image read/map, endpoint receive */
#define PM_KR_WRITE   (1u << 1)  /* write contents: pm_k_as_write, endpoint send    */
#define PM_KR_EXEC    (1u << 2)  /* map an image executable                          */
#define PM_KR_GRANT   (1u << 3)  /* may be derived, minted, or bound to a thread     */
#define PM_KR_MANAGE  (1u << 4)  /* change the object: map, protect, mint, start,
                                    kill, revoke; destroy (original only)            */
#define PM_KR_ALL     (PM_KR_READ | PM_KR_WRITE | PM_KR_EXEC | PM_KR_GRANT | PM_KR_MANAGE)

typedef enum pm_kobj_type {
    PM_KOBJ_NONE     = 0,
    PM_KOBJ_AS       = 1,    /* address space                     */
    PM_KOBJ_CSPACE   = 2,    /* capability space: numbered slots  */
    PM_KOBJ_THREAD   = 3,
    PM_KOBJ_ENDPOINT = 4,    /* IPC endpoint                      */
    PM_KOBJ_IMAGE    = 5,    /* executable image (read-only bytes) */
    PM_KOBJ_JOB      = 6     /* job: a set of threads killed and frozen as one */
} pm_kobj_type;

/* What a capability names.  `original` is 1 for the cap create returned. */
typedef struct pm_kcap_info {
    pm_kobj_type type;
    uint32_t     rights;     /* PM_KR_* */
    uint32_t     original;
    uint32_t     reserved;
} pm_kcap_info;

/* Describe a cap.  PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_ARG (info NULL). */
/*@ requires \valid(info);
    assigns *info, PM_K_WORLD \from pm_k_world, cap;
    assigns \result \from pm_k_world, cap;
    ensures pm_k_status(\result); */
pm_status pm_k_cap_info(struct pm_kernel *k, pm_kcap cap, pm_kcap_info *info);

/* Derive a new handle from `cap` with rights `rights` (a subset of cap's).
 * Needs PM_KR_GRANT.  PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_ARG (unknown
 * rights bits, out NULL), PM_E_K_BAD_RIGHTS, PM_E_K_NO_OBJECTS. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world, cap, rights;
    assigns \result \from pm_k_world, cap, rights;
    ensures pm_k_status(\result); */
pm_status pm_k_cap_derive(struct pm_kernel *k, pm_kcap cap, uint32_t rights,
                          pm_kcap *out);

/* Delete every cap derived from `cap`, transitively (see above); `cap`
 * itself stays valid.  Needs PM_KR_MANAGE.  Never fails on a live cap:
 * PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_BAD_RIGHTS only. */
/*@ assigns PM_K_WORLD \from pm_k_world, cap;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, cap;
    assigns pm_k_tb \from pm_k_tb, pm_k_world, cap;
    assigns \result \from pm_k_world, cap;
    ensures \result \in { PM_OK, PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_BAD_RIGHTS }; */
pm_status pm_k_revoke(struct pm_kernel *k, pm_kcap cap);

/* Destroy the object named by its ORIGINAL cap: revoke, tear down, release
 * the cap.  Needs PM_KR_MANAGE and an original (a derived cap gives
 * PM_E_K_BAD_RIGHTS).  Teardown per type:
 *   AS      every frame is freed; a thread bound to it is unbound, and if it
 *           was running it is stopped and a PM_K_EV_KILLED event queued.
 *   CSPACE  every slot is emptied and freed; bound threads as for AS.
 *   THREAD  stopped if running (no event); its queued events are dropped;
 *           it leaves its job.
 *   JOB     its members leave it and keep running (see the jobs section).
 *   ENDPOINT, IMAGE  nothing further.
 * Never fails on a live original: PM_E_K_BAD_CAP, PM_E_K_REVOKED,
 * PM_E_K_BAD_RIGHTS only. */
/*@ assigns PM_K_WORLD \from pm_k_world, cap;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, cap;
    assigns pm_k_tb \from pm_k_tb, pm_k_world, cap;
    assigns \result \from pm_k_world, cap;
    ensures \result \in { PM_OK, PM_E_K_BAD_CAP, PM_E_K_REVOKED, PM_E_K_BAD_RIGHTS }; */
pm_status pm_k_destroy(struct pm_kernel *k, pm_kcap cap);

/* Release a DERIVED handle or a tombstone: its own derived caps are revoked,
 * then the entry is freed.  An original gives PM_E_K_STATE (use destroy).
 * Never fails otherwise: PM_E_K_BAD_CAP, PM_E_K_STATE only. */
/*@ assigns PM_K_WORLD \from pm_k_world, cap;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, cap;
    assigns pm_k_tb \from pm_k_tb, pm_k_world, cap;
    assigns \result \from pm_k_world, cap;
    ensures \result \in { PM_OK, PM_E_K_BAD_CAP, PM_E_K_STATE }; */
pm_status pm_k_cap_release(struct pm_kernel *k, pm_kcap cap);

/* ---- limits -------------------------------------------------------------- */

typedef struct pm_k_limits {
    uint64_t page_size;        /* mapping granule, power of two          */
    uint64_t user_min;         /* lowest mappable address                 */
    uint64_t user_limit;       /* exclusive end of the user address range */
    uint32_t max_cspace_slots; /* largest nslots pm_k_cspace_create takes */
    uint32_t max_threads_per_as; /* 1 on Linux                             */
} pm_k_limits;

/* Fill *out (never fails; out must not be NULL). */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world;
    ensures out->page_size == pm_k_page;
    ensures out->user_min == pm_k_umin;
    ensures out->user_limit == pm_k_ulimit; */
void pm_k_get_limits(struct pm_kernel *k, pm_k_limits *out);

/* ---- images ------------------------------------------------------------ */

/* Size in bytes of an image.  Needs PM_KR_READ.  PM_E_K_BAD_CAP,
 * PM_E_K_REVOKED, PM_E_K_TYPE, PM_E_K_BAD_RIGHTS, PM_E_K_ARG. */
/*@ requires \valid(size);
    assigns *size, PM_K_WORLD \from pm_k_world, image;
    assigns \result \from pm_k_world, image;
    ensures pm_k_status(\result);
    ensures \result == PM_OK ==> *size == pm_k_image_len(image); */
pm_status pm_k_image_size(struct pm_kernel *k, pm_kcap image, uint64_t *size);

/* Copy len bytes at offset off of the image into buf (the private copy the
 * ELF validator reads).  Needs PM_KR_READ.  off + len must not exceed the
 * image size: PM_E_K_RANGE.  Also PM_E_K_BAD_CAP, PM_E_K_REVOKED,
 * PM_E_K_TYPE, PM_E_K_BAD_RIGHTS, PM_E_K_ARG (buf NULL with len > 0). */
/*@ requires len == 0 || \valid(buf + (0 .. len - 1));
    assigns buf[0 .. len - 1], PM_K_WORLD \from pm_k_world, image, off, len;
    assigns \result \from pm_k_world, image, off, len;
    ensures pm_k_status(\result); */
pm_status pm_k_image_read(struct pm_kernel *k, pm_kcap image, uint64_t off,
                          uint8_t *buf, uint64_t len);

/* ---- endpoints ----------------------------------------------------------- */

/* Create an IPC endpoint (e.g. the channel a new process talks to procmgr
 * through, minted into its CSpace).  PM_E_K_NO_OBJECTS, PM_E_K_ARG. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world;
    assigns \result \from pm_k_world;
    ensures pm_k_status(\result); */
pm_status pm_k_endpoint_create(struct pm_kernel *k, pm_kcap *out);

/* ---- address spaces ---------------------------------------------------- */

/* Create an empty address space.  PM_E_K_NO_OBJECTS, PM_E_K_ARG. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world;
    assigns \result \from pm_k_world;
    ensures pm_k_status(\result); */
pm_status pm_k_as_create(struct pm_kernel *k, pm_kcap *out);

/* What the kernel itself puts into a new process and the builder cannot
 * know: the vDSO it maps, the CPU's capabilities, the credentials.  The core
 * adds aux[0 .. naux) to the initial stack's auxiliary vector (never
 * AT_NULL, AT_RANDOM, AT_EXECFN, AT_PLATFORM, nor a type the core sets
 * itself).  The sim has none (naux 0, vdso_base 0); Linux gives the values
 * its stub's own exec received (spec/kernel-interface.md). */
#define PM_K_AS_INFO_MAX_AUX 12u

typedef struct pm_k_aux {
    uint64_t type;             /* AT_* (linux/auxvec.h numbering) */
    uint64_t value;
} pm_k_aux;

typedef struct pm_k_as_info {
    uint64_t vdso_base;        /* base of the vDSO mapped in it, 0: none */
    uint32_t naux;             /* <= PM_K_AS_INFO_MAX_AUX */
    uint32_t secure;           /* AT_SECURE: 1 when the process will run
                                * with other credentials than its creator
                                * (a set-id program, Linux), else 0 */
    pm_k_aux aux[PM_K_AS_INFO_MAX_AUX];
} pm_k_as_info;

/* Describe an address space (needs PM_KR_READ).  PM_E_K_BAD_CAP,
 * PM_E_K_REVOKED, PM_E_K_TYPE, PM_E_K_BAD_RIGHTS, PM_E_K_ARG (info NULL),
 * PM_E_K_STATE (a backend that made a real process for it lost it). */
/*@ requires \valid(info);
    assigns *info, PM_K_WORLD \from pm_k_world, as;
    assigns \result \from pm_k_world, as;
    ensures pm_k_status(\result);
    ensures \result == PM_OK ==> info->naux <= PM_K_AS_INFO_MAX_AUX; */
pm_status pm_k_as_get_info(struct pm_kernel *k, pm_kcap as, pm_k_as_info *info);

/*
 * Map [vaddr, vaddr + len) as a private copy of the image bytes
 * [file_off, file_off + len), protection prot.  Bytes past the end of the
 * image inside its last page read as zero; file_off + len must not go
 * past the image size rounded up to a page (PM_E_K_RANGE).
 * Needs PM_KR_MANAGE on as; PM_KR_READ on image, plus PM_KR_EXEC if prot
 * has PM_PROT_X.  Checks, in order: caps (BAD_CAP, REVOKED, TYPE,
 * BAD_RIGHTS), prot bits (ARG), W+X (WX), alignment of file_off, vaddr
 * and len (ALIGN), len > 0, no overflow, inside [user_min, user_limit) and
 * the image (RANGE), AS not yet started (STATE), no page already mapped
 * (OVERLAP), frames available (NO_MEMORY).
 */
/*@ requires PM_K_PRE(pm_k_map_ok(vaddr, len, prot));
    requires PM_K_PRE(pm_k_file_ok(pm_k_image_len(image), file_off, len));
    assigns PM_K_WORLD \from pm_k_world, as, image, file_off, len, vaddr, prot;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, as, image, file_off, len, vaddr, prot;
    assigns \result \from pm_k_world, as, image, file_off, len, vaddr, prot;
    ensures pm_k_status(\result);
    ensures \result == PM_OK ==> pm_k_mapped(pm_k_vm, as, vaddr, vaddr + len, prot);
    ensures pm_k_vm_grows(\old(pm_k_vm), pm_k_vm); */
pm_status pm_k_as_map_image(struct pm_kernel *k, pm_kcap as, pm_kcap image,
                            uint64_t file_off, uint64_t len, uint64_t vaddr,
                            uint32_t prot);

/* Map [vaddr, vaddr + len) as fresh zero-filled pages.  Needs PM_KR_MANAGE
 * on as.  Checks as pm_k_as_map_image without the image. */
/*@ requires PM_K_PRE(pm_k_map_ok(vaddr, len, prot));
    assigns PM_K_WORLD \from pm_k_world, as, vaddr, len, prot;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, as, vaddr, len, prot;
    assigns \result \from pm_k_world, as, vaddr, len, prot;
    ensures pm_k_status(\result);
    ensures \result == PM_OK ==> pm_k_mapped(pm_k_vm, as, vaddr, vaddr + len, prot);
    ensures pm_k_vm_grows(\old(pm_k_vm), pm_k_vm); */
pm_status pm_k_as_map_zero(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                           uint64_t len, uint32_t prot);

/* Unmap [vaddr, vaddr + len), every page of which must be mapped
 * (PM_E_K_NOT_MAPPED); frees the frames.  Needs PM_KR_MANAGE.  ALIGN,
 * RANGE, STATE as for mapping. */
/*@ requires PM_K_PRE(pm_k_range_ok(vaddr, len));
    assigns PM_K_WORLD \from pm_k_world, as, vaddr, len;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, as, vaddr, len;
    assigns \result \from pm_k_world, as, vaddr, len;
    ensures pm_k_status(\result); */
pm_status pm_k_as_unmap(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                        uint64_t len);

/* Change the protection of [vaddr, vaddr + len), every page of which must be
 * mapped.  Needs PM_KR_MANAGE.  ARG, WX, ALIGN, RANGE, STATE, NOT_MAPPED. */
/*@ requires PM_K_PRE(pm_k_map_ok(vaddr, len, prot));
    assigns PM_K_WORLD \from pm_k_world, as, vaddr, len, prot;
    assigns pm_k_vm \from pm_k_vm, pm_k_world, as, vaddr, len, prot;
    assigns \result \from pm_k_world, as, vaddr, len, prot;
    ensures pm_k_status(\result); */
pm_status pm_k_as_protect(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                          uint64_t len, uint32_t prot);

/* Write len bytes into the address space at vaddr (any alignment), whatever
 * the pages' protection: this is the builder placing the initial stack and
 * clearing the tail of a last file page before start.  Every touched page
 * must be mapped (PM_E_K_NOT_MAPPED).  Needs PM_KR_WRITE.  Also BAD_CAP,
 * REVOKED, TYPE, ARG (bytes NULL with len > 0), RANGE (overflow or outside
 * the user range), STATE (a bound thread started). */
/*@ requires len == 0 || \valid_read(bytes + (0 .. len - 1));
    requires PM_K_PRE(len == 0 || pm_k_inside_mapping(pm_k_vm, as, vaddr, len));
    assigns PM_K_WORLD \from pm_k_world, as, vaddr, bytes[0 .. len - 1], len;
    assigns \result \from pm_k_world, as, vaddr, bytes[0 .. len - 1], len;
    ensures pm_k_status(\result); */
pm_status pm_k_as_write(struct pm_kernel *k, pm_kcap as, uint64_t vaddr,
                        const uint8_t *bytes, uint64_t len);

/* ---- CSpaces ------------------------------------------------------------ */

/* Create a CSpace of nslots empty slots, 1..max_cspace_slots (PM_E_K_RANGE).
 * PM_E_K_NO_OBJECTS (objects or slots exhausted), PM_E_K_ARG. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world, nslots;
    assigns \result \from pm_k_world, nslots;
    ensures pm_k_status(\result); */
pm_status pm_k_cspace_create(struct pm_kernel *k, uint32_t nslots, pm_kcap *out);

/* Mint a cap derived from src, with rights `rights` (subset of src's) and a
 * badge (delivered with messages sent through an endpoint cap; 0 = none),
 * into slot `slot` of cspace.  Needs PM_KR_MANAGE on cspace and PM_KR_GRANT
 * on src.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, ARG (unknown rights bits),
 * RANGE (slot >= nslots), SLOT_OCCUPIED. */
/*@ assigns PM_K_WORLD \from pm_k_world, cspace, slot, src, rights, badge;
    assigns \result \from pm_k_world, cspace, slot, src, rights, badge;
    ensures pm_k_status(\result); */
pm_status pm_k_cspace_mint(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                           pm_kcap src, uint32_t rights, uint64_t badge);

/* Delete the cap in a slot (and everything derived from it).  Needs
 * PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, RANGE, SLOT_EMPTY. */
/*@ assigns PM_K_WORLD \from pm_k_world, cspace, slot;
    assigns \result \from pm_k_world, cspace, slot;
    ensures pm_k_status(\result); */
pm_status pm_k_cspace_delete(struct pm_kernel *k, pm_kcap cspace, uint32_t slot);

/* Make the (full) slot `slot` of a CSpace the working directory of the
 * process its thread runs (issue 6): on a backend with a file system the
 * program's first instruction runs in that directory, and the slot's cap
 * is not one of its startup handles (Linux: no descriptor is left at that
 * number).  A CSpace without one starts its program at the root of its
 * file-system view ("/"): nothing of procmgr's own working directory is
 * inherited.  Needs PM_KR_MANAGE on cspace.  BAD_CAP, REVOKED, TYPE,
 * BAD_RIGHTS, RANGE (slot >= nslots), SLOT_EMPTY, STATE (the CSpace was
 * already given to a thread: Linux, once bound), NOT_DIRECTORY (the
 * slot's object is no directory; the sim, which has no file system,
 * takes an endpoint as a directory and refuses an image).  Setting it
 * again moves it to the new slot. */
/*@ assigns PM_K_WORLD \from pm_k_world, cspace, slot;
    assigns \result \from pm_k_world, cspace, slot;
    ensures pm_k_status(\result); */
pm_status pm_k_cspace_set_cwd(struct pm_kernel *k, pm_kcap cspace, uint32_t slot);

/* Make the (full) slot `slot` of a CSpace a namespace entry (issue 6): the
 * directory it holds is seen by the process at path[0, len) (absolute,
 * normalized: the core checks that, and that no two entries of a process
 * overlap), and is not one of its startup handles.  On Linux the process
 * gets a mount namespace of its own (private mounts) in which the
 * directory is bind-mounted on the path, before its first instruction;
 * the rest of the system's view is unchanged.  Needs PM_KR_MANAGE on
 * cspace.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, RANGE (slot), SLOT_EMPTY,
 * STATE (the CSpace already given to a thread), ARG (len 0 or over 4095,
 * not starting with '/', or the backend's total of entries or path bytes
 * reached), NOT_DIRECTORY (as for the working directory), and one code
 * outside the KERNEL block: PM_E_LINUX_NAME_MOUNTPOINT when the path is
 * not a directory to mount on (Linux: in procmgr's own view, which the
 * process's new namespace starts as a copy of).  A backend where mount
 * namespaces are refused says so at pm_k_thread_bind. */
/*@ requires len == 0 || \valid_read(path + (0 .. len - 1));
    assigns PM_K_WORLD \from pm_k_world, cspace, slot, path[0 .. len - 1], len;
    assigns \result \from pm_k_world, cspace, slot, path[0 .. len - 1], len;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_NAME_MOUNTPOINT; */
pm_status pm_k_cspace_mount(struct pm_kernel *k, pm_kcap cspace, uint32_t slot,
                            const uint8_t *path, uint32_t len);

/* ---- threads ------------------------------------------------------------ */

/* Thread states (observable through events and pm_sim_thread_info). */
typedef enum pm_kthread_state {
    PM_KTHREAD_CREATED = 0,  /* not bound                              */
    PM_KTHREAD_BOUND   = 1,  /* bound to AS, CSpace, IPC buffer         */
    PM_KTHREAD_RUNNING = 2,
    PM_KTHREAD_EXITED  = 3,  /* terminal: exited with a code            */
    PM_KTHREAD_FAULTED = 4,  /* terminal: stopped on an unhandled fault */
    PM_KTHREAD_KILLED  = 5   /* terminal: killed or its AS/CSpace destroyed */
} pm_kthread_state;

/* Create a thread.  `cookie` is the caller's name for it (e.g. a registry
 * index); every event about the thread carries it.  PM_E_K_NO_OBJECTS,
 * PM_E_K_ARG. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world, cookie;
    assigns \result \from pm_k_world, cookie;
    ensures pm_k_status(\result); */
pm_status pm_k_thread_create(struct pm_kernel *k, uint64_t cookie, pm_kcap *out);

/* Bind a CREATED or BOUND thread to an address space, a CSpace and an IPC
 * buffer (a page-aligned address of a mapped, writable page of that address
 * space).  Needs PM_KR_MANAGE on thread, PM_KR_GRANT on as and cspace.
 * In order: BAD_CAP, REVOKED, TYPE, BAD_RIGHTS (thread, as, cspace), STATE
 * (running or terminal), ALIGN, RANGE, NOT_MAPPED, PROT (IPC buffer page not
 * writable), NO_OBJECTS (the AS already has max_threads_per_as threads).
 * A CSpace with namespace entries (pm_k_cspace_mount) may also give
 * PM_E_LINUX_NAMESPACE_DENIED (mount namespaces not allowed: the process
 * is never run without them) or PM_E_LINUX_NAME_MOUNTPOINT (the mount
 * failed on its path). */
/*@ assigns PM_K_WORLD \from pm_k_world, thread, as, cspace, ipc_buffer;
    assigns pm_k_tb \from pm_k_tb, pm_k_world, thread, as, cspace, ipc_buffer;
    assigns \result \from pm_k_world, thread, as, cspace, ipc_buffer;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_NAMESPACE_DENIED ||
            \result == PM_E_LINUX_NAME_MOUNTPOINT;
    ensures \result == PM_OK ==> pm_k_bound(pm_k_tb, thread, as);
    ensures pm_k_tb_grows(\old(pm_k_tb), pm_k_tb); */
pm_status pm_k_thread_bind(struct pm_kernel *k, pm_kcap thread, pm_kcap as,
                           pm_kcap cspace, uint64_t ipc_buffer);

/* Start a BOUND thread at entry with stack pointer sp (the builder's
 * initial stack: argc at sp, 16-byte aligned on x86-64).  Needs
 * PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, STATE (not BOUND, or
 * its job is frozen).  The kernel does
 * not vet entry or sp: a bad one makes the thread fault at once (a FAULT
 * event), as on real hardware. */
/*@ requires PM_K_PRE(\exists pm_kcap as; pm_k_bound(pm_k_tb, thread, as) &&
                 pm_k_exec_at(pm_k_vm, as, entry) && pm_k_write_at(pm_k_vm, as, sp));
    assigns PM_K_WORLD \from pm_k_world, thread, entry, sp;
    assigns \result \from pm_k_world, thread, entry, sp;
    ensures pm_k_status(\result); */
pm_status pm_k_thread_start(struct pm_kernel *k, pm_kcap thread,
                            uint64_t entry, uint64_t sp);

/* Stop a RUNNING thread; queues a PM_K_EV_KILLED event.  Needs
 * PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, STATE (not running:
 * already ended, or never started). */
/*@ assigns PM_K_WORLD \from pm_k_world, thread;
    assigns \result \from pm_k_world, thread;
    ensures pm_k_status(\result); */
pm_status pm_k_thread_kill(struct pm_kernel *k, pm_kcap thread);

/* Signals (issue 6, spec/lifecycle.md section 4).  Numbers are Linux's
 * (x86-64 and the generic ABI agree on these), the kernel's own on a backend
 * with signals; a backend without them models the default dispositions:
 *   stop class      SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: the thread is
 *                   suspended (it stays RUNNING; no event)
 *   SIGCONT         the thread is resumed (no event)
 *   ignore class    SIGCHLD, SIGURG, SIGWINCH: delivered, nothing happens
 *   every other     the thread ends: KILLED event with code = the signal
 *                   (a suspended thread: SIGKILL at once, any other when
 *                   SIGCONT resumes it, as on Linux)
 * A backend with signals delivers the signal and the program's own
 * disposition decides; the thread's end, if any, arrives as its event.
 * SIGSTOP returns once the thread is stopped (or ended), so a signal sent
 * after it finds the thread stopped on every backend. */
#define PM_K_SIG_MIN   1u
#define PM_K_SIG_MAX   64u
#define PM_K_SIGKILL   9u
#define PM_K_SIGTERM   15u
#define PM_K_SIGCHLD   17u
#define PM_K_SIGCONT   18u
#define PM_K_SIGSTOP   19u
#define PM_K_SIGTSTP   20u
#define PM_K_SIGTTIN   21u
#define PM_K_SIGTTOU   22u
#define PM_K_SIGURG    23u
#define PM_K_SIGWINCH  28u

/* Send signal `sig` (PM_K_SIG_MIN..PM_K_SIG_MAX) to a RUNNING thread.
 * Needs PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, STATE (not
 * running: never started, or ended), ARG (sig out of range).  A thread
 * whose end is not yet reported (its event pending) takes the signal as a
 * no-op: PM_OK. */
/*@ assigns PM_K_WORLD \from pm_k_world, thread, sig;
    assigns \result \from pm_k_world, thread, sig;
    ensures pm_k_status(\result); */
pm_status pm_k_thread_signal(struct pm_kernel *k, pm_kcap thread, uint32_t sig);

/* Scheduling levels (spec/lifecycle.md section 5); the same numbers as the
 * protocol's PM_PRIORITY_*. */
#define PM_K_PRIORITY_MAX 5u

/* Set the scheduling level (0..PM_K_PRIORITY_MAX) of a BOUND or RUNNING
 * thread; a new thread is at level 2 (normal).  Needs PM_KR_MANAGE.
 * BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, STATE (not bound, or ended), ARG
 * (level out of range), and the one code outside the KERNEL block a
 * kernel operation may return: PM_E_LINUX_PRIORITY_DENIED when the
 * machine refuses the level (no privilege, no real-time budget); the
 * level is then unchanged, never degraded. */
/*@ assigns PM_K_WORLD \from pm_k_world, thread, level;
    assigns \result \from pm_k_world, thread, level;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_PRIORITY_DENIED; */
pm_status pm_k_thread_set_priority(struct pm_kernel *k, pm_kcap thread,
                                   uint32_t level);

/* ---- usage (issue 6, spec/lifecycle.md section 6) ------------------------ */

/* What a backend can tell of a thread's consumption and limits.  `valid`
 * says which parts hold values: a backend that cannot measure something
 * leaves its bit clear (and the fields 0), never guesses. */
#define PM_K_USAGE_CPU      (1u << 0)   /* cpu_user_ns, cpu_system_ns */
#define PM_K_USAGE_RSS      (1u << 1)   /* rss_bytes                   */
#define PM_K_USAGE_RLIMITS  (1u << 2)   /* rlim_soft, rlim_hard        */
#define PM_K_USAGE_ALL      0x7u
/* limits, in this order (the protocol's PM_RLIMIT_* numbering) */
#define PM_K_RLIMIT_AS      0u
#define PM_K_RLIMIT_CPU     1u
#define PM_K_RLIMIT_NOFILE  2u
#define PM_K_RLIMIT_NPROC   3u
#define PM_K_RLIMIT_COUNT   4u
#define PM_K_RLIMIT_MAX     3u   /* the highest valid resource number */
#define PM_K_RLIM_INFINITY  UINT64_MAX

typedef struct pm_k_usage {
    uint32_t valid;            /* PM_K_USAGE_* */
    uint32_t reserved;
    uint64_t cpu_user_ns;
    uint64_t cpu_system_ns;
    uint64_t rss_bytes;        /* resident now; in an end event: the peak */
    uint64_t rlim_soft[PM_K_RLIMIT_COUNT];
    uint64_t rlim_hard[PM_K_RLIMIT_COUNT];
} pm_k_usage;

/* Usage of a BOUND or RUNNING thread now (a suspended one included): CPU
 * time, resident memory, current limits, as far as the backend can read
 * them.  Needs PM_KR_READ.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, ARG (out
 * NULL), STATE (never bound, or ended: the end event carries the final
 * usage).  Linux: /proc/PID/stat and statm, prlimit; the sim: resident
 * bytes = pages mapped in the thread's address space, no CPU, no limits. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world, thread;
    assigns \result \from pm_k_world, thread;
    ensures pm_k_status(\result);
    ensures \result == PM_OK ==> (out->valid & ~PM_K_USAGE_ALL) == 0; */
pm_status pm_k_thread_usage(struct pm_kernel *k, pm_kcap thread,
                            pm_k_usage *out);

/* ---- host identity and time (issue 20, spec/daemon.md section 9a) --------- */

/* The host's id for the process of a BOUND or RUNNING thread, the number
 * an operator matches with the host's own tools (Linux: its pid, as in
 * /proc); 0 when the backend has none (the sim: its threads are no host
 * processes), when the cap names no such thread, or once it has ended.
 * For display only: procmgr never acts on it.  Needs no right; never
 * fails. */
/*@ assigns \result \from pm_k_world, thread; */
uint64_t pm_k_thread_host_pid(struct pm_kernel *k, pm_kcap thread);

/* The wall-clock time now, in nanoseconds since 1970-01-01 00:00 UTC
 * (Linux: CLOCK_REALTIME), or 0 when the backend has no clock (the sim).
 * For display only (when a process ended); never fails. */
/*@ assigns \result \from pm_k_world; */
uint64_t pm_k_clock_wall_ns(struct pm_kernel *k);

/* Resource limits (issue 6, spec/lifecycle.md section 6); the same
 * numbers as the protocol's PM_RLIMIT_*.  A value of PM_K_RLIM_INFINITY
 * is "no limit". */

/* Set resource limit `resource` (soft <= hard) of the process of a BOUND
 * or RUNNING thread; a BOUND one starts its program under it.  Needs
 * PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, STATE (not bound, or
 * ended), ARG (resource out of range, soft > hard), and
 * PM_E_LINUX_RLIMIT_DENIED when raising the hard limit above its current
 * value is refused (no CAP_SYS_RESOURCE: procmgrd on Linux; the sim models
 * the same unprivileged manager).  The limit is then unchanged. */
/*@ assigns PM_K_WORLD \from pm_k_world, thread, resource, soft, hard;
    assigns \result \from pm_k_world, thread, resource, soft, hard;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_RLIMIT_DENIED; */
pm_status pm_k_thread_set_rlimit(struct pm_kernel *k, pm_kcap thread,
                                 uint32_t resource, uint64_t soft, uint64_t hard);

/* ---- jobs (issue 6, spec/lifecycle.md section 3) -------------------------- */

/*
 * A job is a set of threads that are killed and frozen as one.  A thread
 * joins at most one job, once, while BOUND (built, before its first
 * instruction), so everything it runs is inside from the start.  What a
 * job contains besides its member threads depends on the backend, as
 * pm_k_job_mode tells:
 *   PM_K_JOB_MODE_MEMBERS  the member threads only (the sim; Linux without
 *                          a writable cgroup v2 hierarchy: a process a
 *                          member forks is not in the job)
 *   PM_K_JOB_MODE_CGROUP   every process the members and their descendants
 *                          create, double-forked or not (Linux: a cgroup v2
 *                          directory, spec/linux-loader.md section 11)
 * Destroying a job (pm_k_destroy of its original cap) leaves its members
 * running and out of any job; on Linux the cgroup is removed once empty.
 */
#define PM_K_JOB_MODE_MEMBERS 0u
#define PM_K_JOB_MODE_CGROUP  1u

/* The backend's job mode (never fails). */
/*@ assigns \result \from pm_k_world;
    ensures \result == PM_K_JOB_MODE_MEMBERS || \result == PM_K_JOB_MODE_CGROUP; */
uint32_t pm_k_job_mode(struct pm_kernel *k);

/* Create an empty job.  `id` is the caller's name for it (the core's job
 * koid; Linux names the cgroup directory after it).  PM_E_K_NO_OBJECTS,
 * PM_E_K_ARG (out NULL), and on Linux PM_E_LINUX_JOB_CGROUP (the cgroup
 * could not be made). */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world, id;
    assigns \result \from pm_k_world, id;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_JOB_CGROUP; */
pm_status pm_k_job_create(struct pm_kernel *k, uint64_t id, pm_kcap *out);

/* Put a BOUND thread (not yet started) into a job.  Needs PM_KR_MANAGE on
 * both.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, STATE (thread not BOUND,
 * already in a job, or the job frozen), LINUX_JOB_CGROUP (the process
 * could not be moved into the cgroup). */
/*@ assigns PM_K_WORLD \from pm_k_world, job, thread;
    assigns \result \from pm_k_world, job, thread;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_JOB_CGROUP; */
pm_status pm_k_job_add(struct pm_kernel *k, pm_kcap job, pm_kcap thread);

/* Kill everything in the job at once: every RUNNING member thread ends
 * (its KILLED event, code SIGKILL on Linux, follows as for
 * pm_k_thread_kill) and, in CGROUP mode, every other process of the
 * cgroup too, forks made meanwhile included.  Members not yet started are
 * left to their owner's teardown.  Needs PM_KR_MANAGE.  BAD_CAP, REVOKED,
 * TYPE, BAD_RIGHTS, LINUX_JOB_CGROUP (cgroup.kill refused: nothing was
 * killed). */
/*@ assigns PM_K_WORLD \from pm_k_world, job;
    assigns \result \from pm_k_world, job;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_JOB_CGROUP; */
pm_status pm_k_job_kill(struct pm_kernel *k, pm_kcap job);

/* Freeze (frozen = 1) or thaw (0) the job: a frozen job's threads run no
 * instruction until thawed; a signal does not thaw them (SIGKILL and
 * pm_k_job_kill still end them).  Returns once the job is frozen.
 * Freezing a frozen job or thawing a thawed one is PM_OK.  Needs
 * PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, ARG (frozen > 1),
 * LINUX_JOB_CGROUP (cgroup.freeze refused), LINUX_JOB_FREEZE (not frozen
 * in time: the job is thawed again). */
/*@ assigns PM_K_WORLD \from pm_k_world, job, frozen;
    assigns \result \from pm_k_world, job, frozen;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_JOB_CGROUP ||
            \result == PM_E_LINUX_JOB_FREEZE; */
pm_status pm_k_job_freeze(struct pm_kernel *k, pm_kcap job, uint32_t frozen);

/* Per-job limits (spec/lifecycle.md section 6). */
#define PM_K_JOB_LIMIT_PIDS   1u   /* processes and threads in the job      */
#define PM_K_JOB_LIMIT_MEMORY 2u   /* bytes of memory charged to the job    */
#define PM_K_JOB_LIMIT_NONE   UINT64_MAX

/* Set the job's limit on `resource` to `limit` (PM_K_JOB_LIMIT_NONE: no
 * limit).  A fork over the PIDS limit fails in the job (EAGAIN on Linux);
 * memory over the MEMORY limit is reclaimed, then the OOM killer ends a
 * process of the job.  Needs PM_KR_MANAGE.  BAD_CAP, REVOKED, TYPE,
 * BAD_RIGHTS, ARG (resource not 1..2, limit 0), LINUX_JOB_LIMIT (no
 * controller offers the resource: MEMBERS mode, or neither cgroup v2 nor
 * v1 has it; nothing changed), LINUX_JOB_CGROUP (the cgroup refused the
 * write or the members could not be moved into the v1 cgroup). */
/*@ assigns PM_K_WORLD \from pm_k_world, job, resource, limit;
    assigns \result \from pm_k_world, job, resource, limit;
    ensures pm_k_status(\result) || \result == PM_E_LINUX_JOB_LIMIT ||
            \result == PM_E_LINUX_JOB_CGROUP || \result == PM_E_LINUX_JOB_FREEZE; */
pm_status pm_k_job_set_limit(struct pm_kernel *k, pm_kcap job, uint32_t resource,
                             uint64_t limit);

/* A job's limits and usage.  `known` says which groups the backend could
 * read (PM_K_JOB_KNOWN_*); the fields of the others are 0.  A limit not
 * set is PM_K_JOB_LIMIT_NONE. */
#define PM_K_JOB_KNOWN_PIDS   (1u << 0)
#define PM_K_JOB_KNOWN_MEMORY (1u << 1)
#define PM_K_JOB_KNOWN_CPU    (1u << 2)
typedef struct pm_kjob_usage {
    uint32_t known;
    uint64_t pids_current, pids_max;
    uint64_t memory_current, memory_max, oom_kills;
    uint64_t cpu_usec;             /* user + system, everything it ran */
} pm_kjob_usage;

/* Read the job's limits and usage into *out.  Needs PM_KR_MANAGE.
 * BAD_CAP, REVOKED, TYPE, BAD_RIGHTS, ARG (out NULL).  Never fails for a
 * value it cannot read: that group is left out of `known`. */
/*@ requires \valid(out);
    assigns *out, PM_K_WORLD \from pm_k_world, job;
    assigns \result \from pm_k_world, job;
    ensures pm_k_status(\result);
    ensures \result == PM_OK ==> out->known <= 7; */
pm_status pm_k_job_usage(struct pm_kernel *k, pm_kcap job, pm_kjob_usage *out);

/* ---- events ------------------------------------------------------------- */

typedef enum pm_kevent_kind {
    PM_K_EV_EXIT   = 1,      /* thread exited: code                        */
    PM_K_EV_FAULT  = 2,      /* thread stopped on a fault: fault, addr      */
    PM_K_EV_KILLED = 3       /* thread stopped by kill or AS/CSpace destroy */
} pm_kevent_kind;

typedef enum pm_kfault {
    PM_K_FAULT_NONE    = 0,
    PM_K_FAULT_READ    = 1,  /* load from an address not readable     */
    PM_K_FAULT_WRITE   = 2,  /* store to an address not writable      */
    PM_K_FAULT_EXEC    = 3,  /* fetch from an address not executable  */
    PM_K_FAULT_ILLEGAL = 4,  /* illegal or privileged instruction     */
    PM_K_FAULT_ARITH   = 5,  /* arithmetic trap (divide by zero)      */
    PM_K_FAULT_OTHER   = 6   /* anything else (Linux: another signal)  */
} pm_kfault;

#define PM_K_FAULT_MAX_ PM_K_FAULT_OTHER

typedef struct pm_kevent {
    pm_kevent_kind kind;
    pm_kfault      fault;    /* PM_K_EV_FAULT only, else PM_K_FAULT_NONE */
    pm_kcap        thread;   /* procmgr's original cap of the thread      */
    uint64_t       cookie;   /* as given to pm_k_thread_create            */
    int64_t        code;     /* EXIT: exit code.  KILLED, FAULT: the signal
                                that ended it on a backend with signals
                                (Linux), else 0                            */
    uint64_t       addr;     /* PM_K_EV_FAULT: faulting address (or pc)   */
    uint32_t       flags;    /* PM_K_EV_CORE_DUMPED                       */
    uint32_t       reserved;
    pm_k_usage     usage;    /* the final usage (no RLIMITS part), as far
                                as the backend knows it                   */
} pm_kevent;

/* KILLED or FAULT: the kernel wrote a core dump (Linux: CLD_DUMPED). */
#define PM_K_EV_CORE_DUMPED (1u << 0)

/* Take the oldest pending event.  PM_OK with *ev filled, PM_E_K_NO_EVENT
 * when none is pending, PM_E_K_ARG if ev is NULL.  Events of a destroyed
 * thread are dropped, so an event never names a destroyed thread.  Each
 * thread yields at most one event (its terminal one). */
/*@ requires \valid(ev);
    assigns *ev, PM_K_WORLD \from pm_k_world;
    assigns \result \from pm_k_world;
    ensures \result \in { PM_OK, PM_E_K_NO_EVENT, PM_E_K_ARG };
    ensures \result == PM_OK ==>
        (PM_K_EV_EXIT <= ev->kind <= PM_K_EV_KILLED &&
         PM_K_FAULT_NONE <= ev->fault <= PM_K_FAULT_OTHER &&
         (ev->flags & ~PM_K_EV_CORE_DUMPED) == 0 &&
         (ev->usage.valid & ~PM_K_USAGE_ALL) == 0); */
pm_status pm_k_event_poll(struct pm_kernel *k, pm_kevent *ev);

/* ---- process teardown (backend-independent) ------------------------------ */

/*
 * Release every kernel object of a process built from one thread, one
 * CSpace and one address space (procmgr's original caps; any may be
 * PM_KCAP_NULL when construction stopped before creating it).  Order:
 * thread (stopped, its events dropped), CSpace (every minted cap deleted),
 * address space (every frame freed).  A cap already gone (BAD_CAP) is
 * skipped, so teardown is idempotent; it never stops half-way.  Returns
 * PM_OK, or the first other error met (the rest is still released).
 */
/*@ requires pm_k_status(first);
    assigns PM_K_WORLD, pm_k_vm, pm_k_tb;
    ensures pm_k_status(\result); */
static inline pm_status pm_k_teardown_one_(struct pm_kernel *k, pm_kcap cap,
                                           pm_status first)
{
    pm_status st = PM_OK;
    if (!pm_kcap_is_null(cap))
        st = pm_k_destroy(k, cap);
    if (first != PM_OK || st == PM_E_K_BAD_CAP)
        st = first;
    return st;
}

/*@ assigns PM_K_WORLD, pm_k_vm, pm_k_tb;
    ensures pm_k_status(\result); */
static inline pm_status pm_k_teardown(struct pm_kernel *k, pm_kcap thread,
                                      pm_kcap cspace, pm_kcap as)
{
    pm_status first = pm_k_teardown_one_(k, thread, PM_OK);
    first = pm_k_teardown_one_(k, cspace, first);
    return pm_k_teardown_one_(k, as, first);
}

/*
 * Give up one cap procmgr holds, whatever it is: an original is destroyed
 * (its object torn down), a derived handle or a tombstone is released (the
 * object lives on).  For the extra caps of a process record (endpoints,
 * images, derived caps).  PM_KCAP_NULL and an already released cap are
 * PM_OK, so it is idempotent; it cannot fail on anything procmgr holds.
 */
/*@ assigns PM_K_WORLD, pm_k_vm, pm_k_tb;
    ensures \result \in { PM_OK, PM_E_K_STATE }; */
static inline pm_status pm_k_drop(struct pm_kernel *k, pm_kcap cap)
{
    pm_status st = PM_OK;
    if (!pm_kcap_is_null(cap))
        st = pm_k_destroy(k, cap);
    if (st == PM_E_K_BAD_RIGHTS || st == PM_E_K_REVOKED)
        st = pm_k_cap_release(k, cap);   /* derived or tombstone */
    if (st == PM_E_K_BAD_CAP)
        st = PM_OK;                      /* already gone */
    return st;
}

#endif /* PROCMGR_KERNEL_H */
