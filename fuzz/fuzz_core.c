/*
 * Fuzz harness: the pure core state machines driven through their own APIs,
 * below the dispatcher (which only ever calls them with values it has
 * already checked, so fuzz_dispatch cannot reach their own refusals):
 *
 *   byte 0 % 3 == 0  the process registry (pm_reg_*) as an operation stream,
 *                    every result compared with a reference computed from
 *                    the registry's fields before the call
 *   byte 0 % 3 == 1  the launch builder (pm_builder_*) as an operation
 *                    stream against a model of its string lists; every
 *                    refusal must leave the builder unchanged
 *   byte 0 % 3 == 2  pm_dispatch_init on a configuration edited from the
 *                    input, against the documented acceptance rule; an
 *                    accepted dispatcher then creates a static and a
 *                    dynamic process (placement windows, stack sizes
 *                    and biases from the input: what the default
 *                    configuration of fuzz_dispatch never varies), and
 *                    must tear down to an empty sim
 *
 * Operations read their arguments little-endian from the input (zero past
 * its end).  Every call stays inside the callee's ACSL precondition.  Two
 * registry operations set fields directly ("age": a slot generation near
 * PM_GEN_MAX, next_pid near UINT64_MAX), standing for states the API reaches
 * only after billions of operations; a third ("skew") writes values the
 * API never produces but the contracts allow (a free slot of generation 0,
 * a live count at its bounds), to reach the registry's defensive checks.
 * Each is documented in fuzz/README.md with the branches it is there for.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/builder.h"
#include "procmgr/dispatch.h"
#include "procmgr/registry.h"
#include "procmgr/sim.h"
#include "../tests/support/elfimg.h"

#define MAX_OPS 200u

/* ---- registry ------------------------------------------------------------ */

static pm_registry REG;
#define NH 32u
static uint64_t HANDLES[NH];
static uint32_t NHANDLES;

static int live_state(uint32_t s)
{
    return s == PM_PROC_CREATED || s == PM_PROC_RUNNING || s == PM_PROC_EXITED;
}

static uint32_t count_live(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < PM_REG_CAPACITY; i++)
        n += live_state(REG.slot[i].state) ? 1u : 0u;
    return n;
}

static int subset(uint32_t want, uint32_t have)
{
    return (want & ~have) == 0;
}

/* What pm_reg_lookup must answer, from the fields. */
static pm_status expect_lookup(uint64_t h, uint32_t required)
{
    uint64_t slot = h % PM_HANDLE_GEN_UNIT, gen = (h / PM_HANDLE_GEN_UNIT) % 4294967296u;
    uint64_t rights = h / PM_HANDLE_RIGHTS_UNIT;
    if (slot >= PM_REG_CAPACITY || gen == 0 || rights > PM_RIGHTS_ALL)
        return PM_E_BAD_HANDLE;
    if (!live_state(REG.slot[slot].state) || REG.slot[slot].gen != gen)
        return PM_E_STALE_HANDLE;
    if (!subset(required, (uint32_t)rights))
        return PM_E_RIGHTS;
    return PM_OK;
}

static uint64_t pick_handle(pm_fuzz_rd *r)
{
    uint32_t b = (uint32_t)pm_fuzz_take(r, 1);
    if (b < 192u && NHANDLES > 0)
        return HANDLES[b % NHANDLES];
    return pm_fuzz_take(r, 8);
}

static void keep_handle(uint64_t h)
{
    if (NHANDLES < NH)
        HANDLES[NHANDLES++] = h;
    else
        HANDLES[h % NH] = h;
}

static void reg_alloc(pm_fuzz_rd *r)
{
    static const uint8_t name[PM_REG_NAME_MAX] = "abcdefghijklmnopqrstuvwxyz012345";
    uint64_t parent = pm_fuzz_take(r, 1), job = pm_fuzz_take(r, 1);
    uint32_t len = (uint32_t)pm_fuzz_take(r, 1) % (PM_REG_NAME_MAX + 1u);
    uint32_t rights = (uint32_t)pm_fuzz_take(r, 1);
    uint32_t free_slot = PM_REG_CAPACITY;
    for (uint32_t i = 0; i < PM_REG_CAPACITY && free_slot == PM_REG_CAPACITY; i++)
        if (REG.slot[i].state == PM_PROC_FREE)
            free_slot = i;
    pm_status want = rights > PM_RIGHTS_ALL ? PM_E_RIGHTS
                   : (free_slot == PM_REG_CAPACITY || REG.next_pid == UINT64_MAX ||
                      REG.slot[free_slot].gen == 0) ? PM_E_REGISTRY_FULL : PM_OK;
    uint64_t pid = REG.next_pid, h = 0;
    uint32_t idx = 0;
    pm_status st = pm_reg_alloc(&REG, parent, job, name, len, rights, &h, &idx);
    PM_FUZZ_REQUIRE(st == want);
    if (st != PM_OK)
        return;
    PM_FUZZ_REQUIRE(idx == free_slot && REG.slot[idx].state == PM_PROC_CREATED);
    PM_FUZZ_REQUIRE(REG.slot[idx].pid == pid && REG.next_pid == pid + 1u);
    PM_FUZZ_REQUIRE(REG.slot[idx].parent_pid == parent && REG.slot[idx].job == job);
    PM_FUZZ_REQUIRE(REG.slot[idx].name_len == len &&
                    memcmp(REG.slot[idx].name, name, len) == 0);
    PM_FUZZ_REQUIRE(h == pm_handle_make(idx, REG.slot[idx].gen, rights));
    PM_FUZZ_REQUIRE(expect_lookup(h, rights) == PM_OK);
    keep_handle(h);
}

static void reg_lookup(pm_fuzz_rd *r)
{
    uint64_t h = pick_handle(r);
    uint32_t required = (uint32_t)pm_fuzz_take(r, 1);
    uint32_t idx = 0xdead;
    pm_status want = expect_lookup(h, required);
    pm_status st = pm_reg_lookup(&REG, h, required, &idx);
    PM_FUZZ_REQUIRE(st == want);
    PM_FUZZ_REQUIRE(st != PM_OK || idx == h % PM_HANDLE_GEN_UNIT);
}

static void reg_duplicate(pm_fuzz_rd *r)
{
    uint64_t h = pick_handle(r), out = 0;
    uint32_t rights = (uint32_t)pm_fuzz_take(r, 1);
    pm_status want = expect_lookup(h, PM_RIGHT_DUPLICATE);
    if (want == PM_OK &&
        (!subset(rights, (uint32_t)(h / PM_HANDLE_RIGHTS_UNIT)) || rights > PM_RIGHTS_ALL))
        want = PM_E_RIGHTS;
    pm_status st = pm_reg_duplicate(&REG, h, rights, &out);
    PM_FUZZ_REQUIRE(st == want);
    if (st == PM_OK) {
        PM_FUZZ_REQUIRE(out % PM_HANDLE_RIGHTS_UNIT == h % PM_HANDLE_RIGHTS_UNIT);
        PM_FUZZ_REQUIRE(out / PM_HANDLE_RIGHTS_UNIT == rights);
        keep_handle(out);
    }
}

static void reg_free(pm_fuzz_rd *r)
{
    uint64_t h = pick_handle(r);
    uint32_t idx = (uint32_t)(h % PM_HANDLE_GEN_UNIT) % PM_REG_CAPACITY;
    pm_proc before = REG.slot[idx];
    uint32_t live = REG.live;
    pm_reg_free(&REG, idx);
    const pm_proc *p = &REG.slot[idx];
    if (!live_state(before.state)) {
        PM_FUZZ_REQUIRE(memcmp(&before, p, sizeof before) == 0 && REG.live == live);
        return;
    }
    PM_FUZZ_REQUIRE(REG.live == (live > 0 ? live - 1u : 0u));
    if (before.gen >= PM_GEN_MAX)
        PM_FUZZ_REQUIRE(p->state == PM_PROC_RETIRED && p->gen == before.gen);
    else
        PM_FUZZ_REQUIRE(p->state == PM_PROC_FREE && p->gen == before.gen + 1u);
    /* every handle to the old record is stale now */
    for (uint32_t i = 0; i < NHANDLES; i++)
        if (HANDLES[i] % PM_HANDLE_GEN_UNIT == idx &&
            (HANDLES[i] / PM_HANDLE_GEN_UNIT) % 4294967296u == before.gen)
            PM_FUZZ_REQUIRE(expect_lookup(HANDLES[i], 0) != PM_OK);
}

static void reg_find_pid(pm_fuzz_rd *r)
{
    uint64_t pid = pm_fuzz_take(r, 1) < 128u ? REG.slot[pm_fuzz_take(r, 2) % PM_REG_CAPACITY].pid : pm_fuzz_take(r, 8);
    uint32_t want = PM_REG_CAPACITY, idx = 0xdead;
    for (uint32_t i = 0; i < PM_REG_CAPACITY && want == PM_REG_CAPACITY; i++)
        if (pid != 0 && live_state(REG.slot[i].state) && REG.slot[i].pid == pid)
            want = i;
    pm_status st = pm_reg_find_pid(&REG, pid, &idx);
    PM_FUZZ_REQUIRE((st == PM_OK) == (want != PM_REG_CAPACITY));
    PM_FUZZ_REQUIRE(st == PM_OK ? idx == want : st == PM_E_NO_SUCH_PROCESS);
}

static int reg_matches(const pm_proc *p, uint32_t filter, uint64_t value)
{
    if (!live_state(p->state))
        return 0;
    return filter == PM_REG_FILTER_ALL ? 1
         : filter == PM_REG_FILTER_JOB ? p->job == value : p->parent_pid == value;
}

static void reg_list(pm_fuzz_rd *r)
{
    uint64_t out[8];
    uint32_t filter = (uint32_t)pm_fuzz_take(r, 1) % 4u;
    uint64_t value = pm_fuzz_take(r, 1);
    uint32_t cursor = (uint32_t)pm_fuzz_take(r, 2) % (PM_REG_CAPACITY + 3u);
    uint32_t cap = (uint32_t)pm_fuzz_take(r, 1) % 9u, n = 0xdead, next = 0xdead;
    pm_status st = pm_reg_list(&REG, filter, value, cursor, out, cap, &n, &next);
    if (cursor > PM_REG_CAPACITY || filter > PM_REG_FILTER_PARENT) {
        PM_FUZZ_REQUIRE(st == PM_E_LIST_CURSOR);
        return;
    }
    PM_FUZZ_REQUIRE(st == PM_OK && n <= cap && next >= cursor && next <= PM_REG_CAPACITY);
    uint32_t k = 0;
    for (uint32_t i = cursor; i < next; i++)
        if (reg_matches(&REG.slot[i], filter, value)) {
            PM_FUZZ_REQUIRE(k < n && out[k] == REG.slot[i].pid);
            k++;
        }
    PM_FUZZ_REQUIRE(k == n);
    /* stopped at the first match that did not fit, or at the end */
    PM_FUZZ_REQUIRE(next == PM_REG_CAPACITY ||
                    (n == cap && reg_matches(&REG.slot[next], filter, value)));
}

static void reg_add_cap(pm_fuzz_rd *r)
{
    uint32_t idx = (uint32_t)pm_fuzz_take(r, 2) % PM_REG_CAPACITY;
    uint32_t times = (uint32_t)pm_fuzz_take(r, 1);
    for (uint32_t t = 0; t < times; t++) {
        uint32_t n = REG.slot[idx].nextra;
        pm_kcap cap = { t, 1u };
        pm_status st = pm_reg_add_cap(&REG, idx, cap);
        if (n < PM_REG_EXTRA_CAPS)
            PM_FUZZ_REQUIRE(st == PM_OK && REG.slot[idx].nextra == n + 1u &&
                            REG.slot[idx].extra[n].idx == t);
        else
            PM_FUZZ_REQUIRE(st == PM_E_RECORD_FULL &&
                            REG.slot[idx].nextra == PM_REG_EXTRA_CAPS);
    }
}

/* States the API reaches only after very long runs, and (skew) values it
 * never writes but the contracts allow (see the top comment).  Returns 1
 * after a skew: the live count no longer matches the records. */
static int reg_age(pm_fuzz_rd *r)
{
    uint32_t what = (uint32_t)pm_fuzz_take(r, 1), i = (uint32_t)pm_fuzz_take(r, 2) % PM_REG_CAPACITY;
    int skew = 0;
    switch (what % 6u) {
    case 0: REG.next_pid = UINT64_MAX - what / 6u % 3u; break;
    case 1:                               /* generations about to run out */
        for (uint32_t k = 0; k < PM_REG_CAPACITY; k++)
            if (REG.slot[k].state == PM_PROC_FREE)
                REG.slot[k].gen = PM_GEN_MAX - what / 6u % 2u;
        break;
    case 2:                               /* fill every free slot */
        for (uint32_t k = 0; k < PM_REG_CAPACITY; k++) {
            uint64_t h;
            uint32_t idx;
            if (pm_reg_alloc(&REG, 0, 0, NULL, 0, PM_RIGHTS_ALL, &h, &idx) != PM_OK)
                break;
        }
        break;
    case 3:                               /* skew: a free slot of generation 0 */
        if (REG.slot[i].state == PM_PROC_FREE)
            REG.slot[i].gen = 0;
        break;
    case 4: REG.live = 0; skew = 1; break; /* skew: live count at its bounds */
    default: REG.live = PM_REG_CAPACITY; skew = 1; break;
    }
    return skew;
}

static void registry_ops(pm_fuzz_rd *r)
{
    pm_reg_init(&REG);
    PM_FUZZ_REQUIRE(REG.next_pid == 1 && REG.live == 0);
    NHANDLES = 0;
    int skewed = 0;
    for (uint32_t op = 0; op < MAX_OPS && r->off < r->n; op++) {
        uint32_t b = (uint32_t)pm_fuzz_take(r, 1);
        switch (b % 9u) {
        case 0: reg_alloc(r); break;
        case 1: reg_lookup(r); break;
        case 2: reg_duplicate(r); break;
        case 3: reg_free(r); break;
        case 4: reg_find_pid(r); break;
        case 5: reg_list(r); break;
        case 6: reg_add_cap(r); break;
        case 7: reg_alloc(r); break;
        default:
            skewed |= reg_age(r);
            break;
        }
        if (!skewed)
            PM_FUZZ_REQUIRE(REG.live == count_live());
    }
    /* Handles are values with no count: every issued one is wellformed. */
    for (uint32_t i = 0; i < NHANDLES; i++)
        PM_FUZZ_REQUIRE(HANDLES[i] % PM_HANDLE_GEN_UNIT < PM_REG_CAPACITY &&
                        HANDLES[i] / PM_HANDLE_RIGHTS_UNIT <= PM_RIGHTS_ALL);
}

/* ---- launch builder ------------------------------------------------------ */

static pm_builder BLD, BLD_BEFORE;
static uint8_t FILL[PM_BUILDER_ARG_BYTES + 64];
static pm_builder_mark MARKS[4];
static int MARK_FRESH[4];   /* no reset or rollback since it was taken */

/* Model: the strings the builder must hold, as (offset, length) into a
 * copy of their bytes, in the order they were added. */
typedef struct model_list {
    uint32_t n, used;
    pm_span span[PM_BUILDER_MAX_ARGS];
    uint8_t pool[PM_BUILDER_ARG_BYTES];
} model_list;
static model_list MARGS, MENVS;
static uint32_t MNAMES, MNAMES_USED, MHANDLES;

/* A string argument: short ones are input bytes (NULs and all); long ones
 * are FILL bytes with at most one NUL put in. */
static const uint8_t *string_arg(pm_fuzz_rd *r, uint32_t max, uint32_t *len, int slash)
{
    uint32_t kind = (uint32_t)pm_fuzz_take(r, 1);
    if (kind < 160u) {
        uint32_t n = kind % 48u;
        size_t have = r->off < r->n ? r->n - r->off : 0;
        if (n > have)
            n = (uint32_t)have;
        const uint8_t *p = n ? r->p + r->off : FILL;
        r->off += n;
        *len = n;
        return p;
    }
    uint32_t n = (uint32_t)pm_fuzz_take(r, 4) % (max + 2u);
    uint32_t nul = (uint32_t)pm_fuzz_take(r, 4);
    memset(FILL, 'a', n);
    if (slash && n > 0)
        FILL[0] = '/';
    if (kind >= 224u && n > 0)
        FILL[nul % n] = 0;
    *len = n;
    return FILL;
}

static void require_unchanged(void)
{
    PM_FUZZ_REQUIRE(memcmp(&BLD, &BLD_BEFORE, sizeof BLD) == 0);
}

static void model_add(model_list *m, const uint8_t *s, uint32_t len)
{
    m->span[m->n].off = m->used;
    m->span[m->n].len = len;
    memcpy(m->pool + m->used, s, len);
    m->n++;
    m->used += len;
}

static void add_string(pm_fuzz_rd *r, int env)
{
    uint32_t len = 0;
    model_list *m = env ? &MENVS : &MARGS;
    uint32_t max_n = env ? PM_BUILDER_MAX_ENVS : PM_BUILDER_MAX_ARGS;
    uint32_t bytes = env ? PM_BUILDER_ENV_BYTES : PM_BUILDER_ARG_BYTES;
    const uint8_t *s = string_arg(r, bytes, &len, 0);
    pm_status want = (m->n >= max_n || len > bytes - m->used) ? PM_E_BUILDER_LIMIT
                   : (len > 0 && memchr(s, 0, len) != NULL) ? PM_E_BUILDER_STRING : PM_OK;
    BLD_BEFORE = BLD;
    pm_status st = env ? pm_builder_add_env(&BLD, s, len) : pm_builder_add_arg(&BLD, s, len);
    PM_FUZZ_REQUIRE(st == want);
    if (st == PM_OK)
        model_add(m, s, len);
    else
        require_unchanged();
}

/* Many empty strings (or handles) at once, to reach the count limits. */
static void add_many(pm_fuzz_rd *r)
{
    uint32_t what = (uint32_t)pm_fuzz_take(r, 1) % 3u;
    uint32_t times = (uint32_t)pm_fuzz_take(r, 2) % (PM_BUILDER_MAX_ARGS + 8u);
    for (uint32_t t = 0; t < times; t++) {
        pm_status st;
        if (what == 0) {
            st = pm_builder_add_arg(&BLD, FILL, 0);
            PM_FUZZ_REQUIRE((st == PM_OK) == (MARGS.n < PM_BUILDER_MAX_ARGS));
            if (st == PM_OK)
                model_add(&MARGS, FILL, 0);
        } else if (what == 1) {
            st = pm_builder_add_env(&BLD, FILL, 0);
            PM_FUZZ_REQUIRE((st == PM_OK) == (MENVS.n < PM_BUILDER_MAX_ENVS));
            if (st == PM_OK)
                model_add(&MENVS, FILL, 0);
        } else {
            pm_kcap cap = { t, 1u };
            st = pm_builder_add_handle(&BLD, cap, t);
            PM_FUZZ_REQUIRE((st == PM_OK) == (MHANDLES < PM_BUILDER_MAX_HANDLES));
            if (st == PM_OK)
                MHANDLES++;
        }
        if (st != PM_OK) {
            PM_FUZZ_REQUIRE(st == PM_E_BUILDER_LIMIT);
            break;
        }
    }
}

static void add_name(pm_fuzz_rd *r)
{
    uint32_t len = 0;
    const uint8_t *s = string_arg(r, PM_BUILDER_NAME_BYTES, &len, 1);
    pm_kcap dir = { (uint32_t)pm_fuzz_take(r, 1), 1u };
    pm_status want = (len == 0 || s[0] != '/') ? PM_E_BUILDER_PATH
                   : (MNAMES >= PM_BUILDER_MAX_NAMES ||
                      len > PM_BUILDER_NAME_BYTES - MNAMES_USED) ? PM_E_BUILDER_LIMIT
                   : memchr(s, 0, len) != NULL ? PM_E_BUILDER_STRING : PM_OK;
    BLD_BEFORE = BLD;
    pm_status st = pm_builder_add_name(&BLD, s, len, dir);
    PM_FUZZ_REQUIRE(st == want);
    if (st == PM_OK) {
        PM_FUZZ_REQUIRE(memcmp(BLD.name_pool + BLD.name_span[MNAMES].off, s, len) == 0);
        MNAMES++;
        MNAMES_USED += len;
    } else {
        require_unchanged();
    }
}

static void set_info(pm_fuzz_rd *r)
{
    uint32_t sel = (uint32_t)pm_fuzz_take(r, 1);
    pm_kcap exe = { sel & 7u, (sel >> 3) & 1u };   /* gen 0: no executable */
    pm_kcap job = { 1u, 1u };
    uint32_t len = (uint32_t)pm_fuzz_take(r, 1) % (PM_BUILDER_PROC_NAME_MAX + 3u);
    uint8_t name[PM_BUILDER_PROC_NAME_MAX + 3u];
    for (uint32_t i = 0; i < len; i++)
        name[i] = (uint8_t)pm_fuzz_take(r, 1);
    pm_status want = exe.gen == 0 ? PM_E_BUILDER_STATE
                   : len > PM_BUILDER_PROC_NAME_MAX ? PM_E_BUILDER_LIMIT
                   : (len > 0 && memchr(name, 0, len) != NULL) ? PM_E_BUILDER_STRING : PM_OK;
    BLD_BEFORE = BLD;
    pm_status st = pm_builder_set_info(&BLD, exe, job, name, len, sel);
    PM_FUZZ_REQUIRE(st == want);
    if (st == PM_OK)
        PM_FUZZ_REQUIRE(BLD.has_info == 1 && BLD.name_len == len &&
                        memcmp(BLD.name, name, len) == 0 && pm_builder_ready(&BLD) == PM_OK);
    else
        require_unchanged();
}

static void model_truncate(const pm_builder_mark *m)
{
    MARGS.n = m->nargs;
    MARGS.used = m->args_used;
    MENVS.n = m->nenvs;
    MENVS.used = m->envs_used;
    MNAMES = m->nnames;
    MNAMES_USED = m->names_used;
    MHANDLES = m->nhandles;
}

static void model_reset(void)
{
    MARGS.n = MARGS.used = MENVS.n = MENVS.used = 0;
    MNAMES = MNAMES_USED = MHANDLES = 0;
}

/* Roll back to a mark taken earlier, or to one with a field pushed past the
 * builder's current value (refused, builder unchanged). */
static void rollback(pm_fuzz_rd *r)
{
    uint32_t which = (uint32_t)pm_fuzz_take(r, 1) % 4u;
    pm_builder_mark m = MARKS[which];
    int fresh = MARK_FRESH[which];
    uint32_t edit = (uint32_t)pm_fuzz_take(r, 1), delta = 1u + (uint32_t)pm_fuzz_take(r, 1);
    uint32_t *field[8] = { &m.state, &m.nargs, &m.args_used, &m.nenvs,
                           &m.envs_used, &m.nnames, &m.names_used, &m.nhandles };
    if (edit < 8u)
        *field[edit] += delta;
    int fits = (m.state == PM_BUILDER_EMPTY || m.state == PM_BUILDER_ACCUMULATING) &&
               m.nargs <= BLD.args.n && m.args_used <= BLD.args.used &&
               m.nenvs <= BLD.envs.n && m.envs_used <= BLD.envs.used &&
               m.nnames <= BLD.names.n && m.names_used <= BLD.names.used &&
               m.nhandles <= BLD.nhandles;
    BLD_BEFORE = BLD;
    pm_status st = pm_builder_rollback(&BLD, &m);
    PM_FUZZ_REQUIRE((st == PM_OK) == fits);
    if (st != PM_OK) {
        PM_FUZZ_REQUIRE(st == PM_E_BUILDER_STATE);
        require_unchanged();
        return;
    }
    /* A fresh mark is a prefix of what the builder holds now; an edited or
     * stale one may not be (its counts and the spans disagree), so start
     * over to keep the builder well-formed for the next calls. */
    if (edit < 8u || !fresh) {
        pm_builder_reset(&BLD);
        model_reset();
    } else {
        model_truncate(&m);
    }
    memset(MARK_FRESH, 0, sizeof MARK_FRESH);
}

static void check_list(const pm_strvec *v, const model_list *m)
{
    PM_FUZZ_REQUIRE(v->count == m->n && v->pool_len == m->used);
    for (uint32_t i = 0; i < m->n; i++) {
        const pm_span *s = &v->items[i];
        PM_FUZZ_REQUIRE(s->off == m->span[i].off && s->len == m->span[i].len);
        PM_FUZZ_REQUIRE((uint64_t)s->off + s->len <= v->pool_len);
    }
    PM_FUZZ_REQUIRE(m->used == 0 || memcmp(v->pool, m->pool, m->used) == 0);
}

static void builder_ops(pm_fuzz_rd *r)
{
    pm_builder_reset(&BLD);
    model_reset();
    memset(MARKS, 0, sizeof MARKS);
    memset(MARK_FRESH, 0, sizeof MARK_FRESH);
    for (uint32_t op = 0; op < MAX_OPS && r->off < r->n; op++) {
        uint32_t b = (uint32_t)pm_fuzz_take(r, 1);
        pm_strvec v;
        switch (b % 9u) {
        case 0: add_string(r, 0); break;
        case 1: add_string(r, 1); break;
        case 2: add_name(r); break;
        case 3: {
            pm_kcap cap = { (uint32_t)pm_fuzz_take(r, 1), 1u };
            BLD_BEFORE = BLD;
            pm_status st = pm_builder_add_handle(&BLD, cap, (uint32_t)pm_fuzz_take(r, 4));
            PM_FUZZ_REQUIRE((st == PM_OK) == (MHANDLES < PM_BUILDER_MAX_HANDLES));
            if (st == PM_OK)
                MHANDLES++;
            else
                require_unchanged();
            break;
        }
        case 4: set_info(r); break;
        case 5: {
            uint32_t k = (uint32_t)pm_fuzz_take(r, 1) % 4u;
            pm_builder_mark_take(&BLD, &MARKS[k]);
            MARK_FRESH[k] = 1;
            break;
        }
        case 6: rollback(r); break;
        case 7: add_many(r); break;
        default:
            pm_builder_reset(&BLD);
            model_reset();
            memset(MARK_FRESH, 0, sizeof MARK_FRESH);
            PM_FUZZ_REQUIRE(pm_builder_ready(&BLD) == PM_E_BUILDER_STATE);
            break;
        }
        PM_FUZZ_REQUIRE(BLD.names.n == MNAMES && BLD.names.used == MNAMES_USED &&
                        BLD.nhandles == MHANDLES);
        pm_builder_argv(&BLD, &v);
        check_list(&v, &MARGS);
        pm_builder_envp(&BLD, &v);
        check_list(&v, &MENVS);
    }
}

/* ---- dispatcher configuration ---------------------------------------------- */

static struct pm_kernel K;
static pm_dispatch D;
static elfimg IMG_EXE, IMG_DYN, IMG_LD;
static uint8_t CFG_MSG[128], CFG_REPLY[PM_DISPATCH_REPLY_CAP];

static void put_le(uint8_t *p, uint32_t n, uint64_t v)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static size_t frame(uint16_t op, uint32_t nh, uint32_t payload)
{
    memset(CFG_MSG, 0, PM_PROTO_HEADER_SIZE);
    put_le(CFG_MSG, 4, PM_PROTO_MAGIC);
    put_le(CFG_MSG + 4, 2, PM_PROTO_VERSION);
    put_le(CFG_MSG + 6, 2, op);
    put_le(CFG_MSG + 12, 4, nh);
    put_le(CFG_MSG + 16, 8, 7);
    put_le(CFG_MSG + 24, 4, payload);
    return PM_PROTO_HEADER_SIZE + payload;
}

/* SET_INFO with a fresh cap of `image`, then CREATE_WITHOUT_STARTING (its
 * reply carries the entry and the stack pointer), on connection 1, with the
 * random bytes (load biases) from the input. */
static void launch_image(pm_kcap image, const uint8_t *random)
{
    pm_dispatch_result res;
    pm_dhandle h = { PM_DH_KCAP, 0, 0, { 0u, 0u } };
    if (pm_k_cap_derive(&K, image, PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT, &h.cap) != PM_OK)
        return;
    uint8_t *p = CFG_MSG + PM_PROTO_HEADER_SIZE;
    put_le(p, 4, 0);
    put_le(p + 4, 4, PM_PROTO_NO_HANDLE);
    put_le(p + 8, 4, PM_PROTO_NO_HANDLE);
    put_le(p + 12, 4, 0);
    put_le(p + 16, 4, 3);
    memcpy(p + 20, "svc", 3);
    size_t len = frame(PM_OP_SET_INFO, 1, 23);
    pm_status st = pm_dispatch_message(&D, 1, CFG_MSG, len, &h, 1, random, CFG_REPLY,
                                       sizeof CFG_REPLY, &res);
    PM_FUZZ_REQUIRE(st == PM_OK && res.action == PM_DISPATCH_REPLY);
    len = frame(PM_OP_CREATE_WITHOUT_STARTING, 0, 0);
    st = pm_dispatch_message(&D, 1, CFG_MSG, len, NULL, 0, random, CFG_REPLY,
                             sizeof CFG_REPLY, &res);
    PM_FUZZ_REQUIRE(st < 1000 && res.action == PM_DISPATCH_REPLY);
    if (st == PM_OK) {
        pm_proto_reply rep;
        PM_FUZZ_REQUIRE(pm_proto_decode_reply(CFG_REPLY, res.reply_len, res.nhandles,
                                              &rep) == PM_OK);
        /* the stack pointer lies inside the configured stack, 16-aligned */
        PM_FUZZ_REQUIRE(rep.stack % 16u == 0 && rep.stack < D.cfg.stack_top &&
                        rep.stack >= D.cfg.stack_top - D.cfg.stack_size);
    }
}

static void dispatch_config(pm_fuzz_rd *r)
{
    static pm_dispatch_entry table[PM_DISPATCH_MAX_TABLE + 1];
    static const char ld[] = ELFIMG_DEFAULT_INTERP;
    static int booted;
    pm_dispatch_config cfg;
    pm_k_limits lim;
    pm_kcap exe, dyn, ldc;
    pm_sim_violation v = { NULL, 0 };
    if (!booted) {
        booted = 1;
        elfimg_init(&IMG_EXE, ELFIMG_ET_EXEC, 0);
        elfimg_init(&IMG_DYN, ELFIMG_ET_DYN, ELFIMG_INTERP);
        elfimg_init(&IMG_LD, ELFIMG_ET_DYN, 0);
        PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_EXE) && elfimg_serialize(&IMG_DYN) &&
                        elfimg_serialize(&IMG_LD));
    }
    PM_FUZZ_REQUIRE(pm_sim_init(&K, NULL) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_EXE.buf, IMG_EXE.len, &exe) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_DYN.buf, IMG_DYN.len, &dyn) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_LD.buf, IMG_LD.len, &ldc) == PM_OK);
    for (uint32_t i = 0; i <= PM_DISPATCH_MAX_TABLE; i++) {
        table[i].name = (const uint8_t *)ld;
        table[i].name_len = (uint32_t)strlen(ld);
        table[i].image = ldc;
    }
    pm_k_get_limits(&K, &lim);
    pm_dispatch_config_default(&cfg);
    cfg.interp = table;
    cfg.ninterp = 1;
    uint32_t edits = (uint32_t)pm_fuzz_take(r, 1) % 8u;
    for (uint32_t e = 0; e < edits; e++) {
        uint32_t f = (uint32_t)pm_fuzz_take(r, 1), s = (uint32_t)pm_fuzz_take(r, 1);
        uint64_t page = lim.page_size;
        /* near the rule's edges: multiples of the page, one off, zero */
        uint64_t near = (s & 3u) == 0 ? 0 : (s & 3u) == 1 ? page * (s >> 2)
                      : (s & 3u) == 2 ? page * (s >> 2) + 1u : pm_fuzz_take(r, 8);
        switch (f % 13u) {
        case 0: cfg.ninterp = s % (PM_DISPATCH_MAX_TABLE + 2u); cfg.interp = (s & 64u) ? NULL : table; break;
        case 1: cfg.nresolve = s % (PM_DISPATCH_MAX_TABLE + 2u); cfg.resolve = (s & 64u) ? NULL : table; break;
        case 2: cfg.stack_size = near; break;
        case 3: cfg.stack_top = near; break;
        case 4: cfg.stack_size = (s & 1u) ? PM_DISPATCH_STACK_MAX : PM_DISPATCH_STACK_MAX + page; break;
        case 5: cfg.cspace_slots = PM_BUILDER_MAX_NAMES + (s % 3u); break;
        case 6: cfg.cspace_slots = lim.max_cspace_slots + (s % 3u) - 1u; break;
        case 7: cfg.stack_top = cfg.stack_size + 2u * page - ((s & 1u) ? page : 0u); break;
        case 8: cfg.cspace_slots = (uint32_t)near; break;
        case 9: cfg.dyn_base = near; break;
        case 10: cfg.dyn_window = near; break;
        case 11: cfg.interp_base = near; break;
        default: cfg.interp_window = near; break;
        }
    }
    int ok = cfg.ninterp <= PM_DISPATCH_MAX_TABLE && cfg.nresolve <= PM_DISPATCH_MAX_TABLE &&
             !(cfg.ninterp > 0 && cfg.interp == NULL) &&
             !(cfg.nresolve > 0 && cfg.resolve == NULL) &&
             cfg.stack_size != 0 && cfg.stack_size <= PM_DISPATCH_STACK_MAX &&
             cfg.stack_size % lim.page_size == 0 && cfg.stack_top % lim.page_size == 0 &&
             cfg.stack_top >= cfg.stack_size + 2u * lim.page_size &&
             cfg.stack_top <= lim.user_limit &&
             cfg.stack_top - cfg.stack_size - 2u * lim.page_size >= lim.user_min &&
             cfg.cspace_slots > PM_BUILDER_MAX_NAMES &&
             cfg.cspace_slots <= lim.max_cspace_slots;
    pm_status st = pm_dispatch_init(&D, &K, &cfg);
    PM_FUZZ_REQUIRE(ok ? st == PM_OK : st == PM_E_K_ARG);
    if (st == PM_OK) {
        uint8_t random[PM_DISPATCH_RANDOM_BYTES];
        for (uint32_t i = 0; i < PM_DISPATCH_RANDOM_BYTES; i++)
            random[i] = (uint8_t)pm_fuzz_take(r, 1);
        PM_FUZZ_REQUIRE(pm_dispatch_connect(&D, 1, 0, 1) == PM_OK);
        launch_image(exe, random);
        launch_image(dyn, random);
        pm_sim_violation w = { NULL, 0 };
        if (pm_sim_check(&K, &w) != PM_OK)
            pm_fuzz_fail(w.rule);
        pm_dispatch_fini(&D);
    }
    pm_k_drop(&K, exe);
    pm_k_drop(&K, dyn);
    pm_k_drop(&K, ldc);
    if (pm_sim_check_empty(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_fuzz_rd r = { data, size, 1 };
    if (size < 1)
        return 0;
    switch (data[0] % 3u) {
    case 0: registry_ops(&r); break;
    case 1: builder_ops(&r); break;
    default: dispatch_config(&r); break;
    }
    return 0;
}
