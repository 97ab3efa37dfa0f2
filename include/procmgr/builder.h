/*
 * procmgr launch builder (spec/core.md, "Launch builder").
 *
 * Per-connection state of the Launcher protocol (after fuchsia.process):
 * the client adds arguments, environment strings, namespace entries and
 * startup handles, sets the launch info, then launches; the builder is reset
 * after every launch (successful or not) and on reset().
 *
 *     EMPTY --(add, set_info)--> ACCUMULATING --(launch; reset)--> EMPTY
 *
 * All storage is inside the struct and bounded (PM_BUILDER_*).  Each add
 * copies its bytes in and is atomic: on any refusal the builder is exactly
 * as before.  A request carrying several items uses mark()/rollback() to
 * make the whole request atomic.  Inputs are plain (pointer, length) byte
 * strings and kernel caps, so the builder depends on no wire format.
 * Pure and freestanding, proven with WP + Eva.
 */
#ifndef PROCMGR_BUILDER_H
#define PROCMGR_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/kernel.h"   /* pm_kcap */
#include "procmgr/stack.h"    /* pm_span, pm_strvec */
#include "procmgr/status.h"

#define PM_BUILDER_MAX_ARGS      4096u
#define PM_BUILDER_ARG_BYTES     131072u  /* all argument bytes, NULs excluded */
#define PM_BUILDER_MAX_ENVS      4096u
#define PM_BUILDER_ENV_BYTES     131072u
#define PM_BUILDER_MAX_NAMES     32u
#define PM_BUILDER_NAME_BYTES    4096u    /* all namespace path bytes */
#define PM_BUILDER_MAX_HANDLES   64u
#define PM_BUILDER_PROC_NAME_MAX 32u      /* = PM_REG_NAME_MAX */
#define PM_BUILDER_EXECFN_MAX    4095u    /* exec filename (AT_EXECFN), NUL
                                             excluded: PATH_MAX - 1 */

typedef enum pm_builder_state {
    PM_BUILDER_EMPTY        = 0,
    PM_BUILDER_ACCUMULATING = 1
} pm_builder_state;

/* A byte-string list with its own pool. */
typedef struct pm_builder_strs {
    uint32_t n;        /* strings held */
    uint32_t used;     /* pool bytes held */
} pm_builder_strs;

typedef struct pm_builder {
    uint32_t state;                 /* pm_builder_state */
    uint32_t has_info;              /* set_info called */
    pm_kcap  executable;
    pm_kcap  job;
    uint32_t flags;
    uint32_t name_len;
    uint8_t  name[PM_BUILDER_PROC_NAME_MAX];
    /* The exec filename (AT_EXECFN): set_execfn's (has_execfn == 1), else
     * a copy of the process name made by set_info (has_execfn == 0), so
     * that execfn[0, execfn_len) is always the one to use. */
    uint32_t has_execfn;
    uint32_t execfn_len;
    uint8_t  execfn[PM_BUILDER_EXECFN_MAX];

    pm_builder_strs args;
    pm_span  arg_span[PM_BUILDER_MAX_ARGS];
    uint8_t  arg_pool[PM_BUILDER_ARG_BYTES];

    pm_builder_strs envs;
    pm_span  env_span[PM_BUILDER_MAX_ENVS];
    uint8_t  env_pool[PM_BUILDER_ENV_BYTES];

    pm_builder_strs names;
    pm_span  name_span[PM_BUILDER_MAX_NAMES];
    pm_kcap  name_dir[PM_BUILDER_MAX_NAMES];
    uint8_t  name_pool[PM_BUILDER_NAME_BYTES];

    uint32_t nhandles;
    pm_kcap  handle[PM_BUILDER_MAX_HANDLES];
    uint32_t handle_id[PM_BUILDER_MAX_HANDLES];
} pm_builder;

/* Counts to roll back to. */
typedef struct pm_builder_mark {
    uint32_t state, nargs, args_used, nenvs, envs_used, nnames, names_used,
             nhandles;
} pm_builder_mark;

#include "acsl/core_builder.h"

/* Back to EMPTY: no info, no strings, no names, no handles. */
/*@ requires \valid(b);
    assigns  *b;
    ensures  pm_builder_empty(b) && pm_builder_wf(b);
*/
void pm_builder_reset(pm_builder *b);

/* Append one argument / environment string (len bytes, no NUL inside).
 * PM_E_BUILDER_STRING for a NUL, PM_E_BUILDER_LIMIT over a count or byte
 * bound.  Atomic. */
/*@ requires \valid(b) && pm_builder_wf(b);
    requires \valid_read(s + (0 .. len - 1));
    requires \separated(b, s + (0 .. len - 1));
    assigns  *b;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STRING ||
             \result == PM_E_BUILDER_LIMIT;
    ensures  \result == PM_OK ==> b->args.n == \old(b->args.n) + 1 &&
                                  b->state == PM_BUILDER_ACCUMULATING;
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_add_arg(pm_builder *b, const uint8_t *s, uint32_t len);

/*@ requires \valid(b) && pm_builder_wf(b);
    requires \valid_read(s + (0 .. len - 1));
    requires \separated(b, s + (0 .. len - 1));
    assigns  *b;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STRING ||
             \result == PM_E_BUILDER_LIMIT;
    ensures  \result == PM_OK ==> b->envs.n == \old(b->envs.n) + 1 &&
                                  b->state == PM_BUILDER_ACCUMULATING;
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_add_env(pm_builder *b, const uint8_t *s, uint32_t len);

/* Append a namespace entry: an absolute path (starts with '/', no NUL) and
 * the directory cap installed there.  PM_E_BUILDER_PATH, _STRING, _LIMIT. */
/*@ requires \valid(b) && pm_builder_wf(b);
    requires \valid_read(path + (0 .. len - 1));
    requires \separated(b, path + (0 .. len - 1));
    assigns  *b;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STRING ||
             \result == PM_E_BUILDER_LIMIT || \result == PM_E_BUILDER_PATH;
    ensures  \result == PM_OK ==> b->names.n == \old(b->names.n) + 1 &&
                                  b->state == PM_BUILDER_ACCUMULATING;
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_add_name(pm_builder *b, const uint8_t *path, uint32_t len,
                              pm_kcap dir);

/* Append a startup handle with its processargs id.  PM_E_BUILDER_LIMIT. */
/*@ requires \valid(b) && pm_builder_wf(b);
    assigns  *b;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_LIMIT;
    ensures  \result == PM_OK ==> b->nhandles == \old(b->nhandles) + 1 &&
                                  b->state == PM_BUILDER_ACCUMULATING;
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_add_handle(pm_builder *b, pm_kcap cap, uint32_t id);

/* Set the launch info (replaces an earlier one): executable image cap, job,
 * process name (<= PM_BUILDER_PROC_NAME_MAX bytes, no NUL), flags.
 * PM_E_BUILDER_STATE for a null executable, _LIMIT, _STRING.  Atomic. */
/*@ requires \valid(b) && pm_builder_wf(b);
    requires \valid_read(name + (0 .. len - 1));
    requires \separated(b, name + (0 .. len - 1));
    assigns  *b;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STATE ||
             \result == PM_E_BUILDER_STRING || \result == PM_E_BUILDER_LIMIT;
    ensures  \result == PM_OK ==> b->has_info == 1 &&
                                  b->state == PM_BUILDER_ACCUMULATING;
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_set_info(pm_builder *b, pm_kcap executable, pm_kcap job,
                              const uint8_t *name, uint32_t len, uint32_t flags);

/* Set the exec filename, AT_EXECFN of the process (replaces an earlier
 * one): the path the program was executed by, as execve was given it
 * (1..PM_BUILDER_EXECFN_MAX bytes, no NUL).  Independent of the process
 * name; without it the launch uses the process name (set_info copies it).
 * PM_E_BUILDER_STRING for an empty string or a NUL, PM_E_BUILDER_LIMIT
 * over the bound.  Atomic. */
/*@ requires \valid(b) && pm_builder_wf(b);
    requires \valid_read(s + (0 .. len - 1));
    requires \separated(b, s + (0 .. len - 1));
    assigns  *b;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STRING ||
             \result == PM_E_BUILDER_LIMIT;
    ensures  \result == PM_OK ==> b->has_execfn == 1 && b->execfn_len == len &&
                                  b->state == PM_BUILDER_ACCUMULATING &&
                                  (\forall integer k; 0 <= k < len ==>
                                       b->execfn[k] == s[k]);
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_set_execfn(pm_builder *b, const uint8_t *s, uint32_t len);

/* PM_OK when a launch may proceed (info set), else PM_E_BUILDER_STATE. */
/*@ requires \valid_read(b);
    assigns  \nothing;
    ensures  \result == PM_OK <==> b->has_info == 1;
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STATE;
*/
pm_status pm_builder_ready(const pm_builder *b);

/* Views of the arguments / environment for pm_stack_build. */
/*@ requires \valid_read(b) && pm_builder_wf(b) && \valid(v);
    requires \separated(b, v);
    assigns  *v;
    ensures  pm_strvec_valid(v) && v->count == b->args.n;
*/
void pm_builder_argv(const pm_builder *b, pm_strvec *v);

/*@ requires \valid_read(b) && pm_builder_wf(b) && \valid(v);
    requires \separated(b, v);
    assigns  *v;
    ensures  pm_strvec_valid(v) && v->count == b->envs.n;
*/
void pm_builder_envp(const pm_builder *b, pm_strvec *v);

/* Remember the counts; rollback() forgets everything added since. */
/*@ requires \valid_read(b) && \valid(m) && \separated(b, m);
    assigns  *m;
    ensures  pm_builder_mark_of(m, b);
*/
void pm_builder_mark_take(const pm_builder *b, pm_builder_mark *m);

/* A mark that is not below the current counts (taken on another builder
 * or before a reset) is refused with PM_E_BUILDER_STATE, builder unchanged. */
/*@ requires \valid(b) && pm_builder_wf(b) && \valid_read(m);
    requires \separated(b, m);
    assigns  b->state, b->args, b->envs, b->names, b->nhandles;
    ensures  pm_builder_wf(b);
    ensures  \result == PM_OK || \result == PM_E_BUILDER_STATE;
    ensures  \result == PM_OK <==> \at(pm_builder_mark_below(m, b), Pre);
    ensures  \result == PM_OK ==> pm_builder_mark_of_v(\old(*m), b);
    ensures  \result != PM_OK ==> pm_builder_unchanged{Pre, Post}(b);
*/
pm_status pm_builder_rollback(pm_builder *b, const pm_builder_mark *m);

#endif /* PROCMGR_BUILDER_H */
