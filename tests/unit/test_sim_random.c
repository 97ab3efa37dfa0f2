/*
 * Randomized test of the sim: thousands of request sequences that build and
 * tear down "processes" (AS + CSpace + thread + mappings + minted caps)
 * with random, often invalid, arguments and injected failures.  After every
 * step it checks that
 *   - the status is PM_OK or a KERNEL code (400-499);
 *   - a refused call changed no resource usage (atomicity);
 *   - every sim invariant holds (pm_sim_check);
 *   - an event names a thread the driver holds, with its cookie;
 *   - after a revoke, release or destroy, every handle the driver derived
 *     (transitively) from that cap is a tombstone, and a released or
 *     destroyed cap's value is stale;
 * and after each sequence's full teardown that nothing is left in use
 * (pm_sim_check_empty).  Deterministic: the seed is fixed (override with
 * PM_SIM_SEED=<n>, sequences with PM_SIM_SEQUENCES=<n>); a failure prints
 * the seed, sequence and step to replay it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/kernel.h"
#include "procmgr/sim.h"

#define PG        PM_SIM_PAGE_SIZE
#define VA        0x400000u
#define NPROC     4u
#define NDERIVED  24u
#define NEP       3u
#define STEPS     80u

static struct pm_kernel K;
static uint8_t image_bytes[5 * PG + 123];

typedef struct proc {
    pm_kcap as, cs, th;
    uint64_t cookie;
} proc;

typedef struct world {
    proc p[NPROC];
    pm_kcap ep[NEP];
    pm_kcap img;
    pm_kcap dh[NDERIVED];        /* derived handles held (live or tombstones) */
    pm_kcap dh_parent[NDERIVED]; /* the cap each was derived from            */
    uint64_t rng;
    uint64_t seq, step;
    unsigned op;
} world;

static uint64_t g_seed = 0x5eed5eedu;
static unsigned long g_sequences = 3000;
static unsigned long g_seen[1000];       /* status histogram */
static unsigned long g_revoked_checked;  /* derived caps seen revoked by the oracle */

static uint64_t rnd(world *w)
{
    uint64_t x = w->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    w->rng = x;
    return x;
}

static uint32_t pick(world *w, uint32_t n)
{
    return (uint32_t)(rnd(w) % n);
}

static void die(const world *w, const char *what, pm_status st)
{
    print_error("seed %llu sequence %llu step %llu op %u: %s (status %s)\n",
                (unsigned long long)g_seed, (unsigned long long)w->seq,
                (unsigned long long)w->step, w->op, what, pm_status_name(st));
    fail();
}

/* ---- random arguments ---------------------------------------------------- */

static uint64_t rnd_vaddr(world *w)
{
    uint64_t va = VA + (uint64_t)pick(w, 24) * PG;
    switch (pick(w, 16)) {
    case 0: return va + 1u + pick(w, PG - 1u);      /* misaligned        */
    case 1: return 0x1000u;                         /* below user_min    */
    case 2: return 0x7ffffffff000u - PG * pick(w, 2); /* at the limit     */
    default: return va;
    }
}

static uint64_t rnd_len(world *w)
{
    switch (pick(w, 16)) {
    case 0: return 0;
    case 1: return PG * (1u + pick(w, 3)) + 7u;       /* misaligned */
    case 2: return (uint64_t)PG << 30;                /* huge       */
    default: return PG * (1u + pick(w, 4));
    }
}

static uint32_t rnd_prot(world *w)
{
    /* 0..7 includes W+X (refused); rarely an unknown bit. */
    return pick(w, 32) == 0 ? 8u : pick(w, 8);
}

static uint32_t rnd_rights(world *w)
{
    return pick(w, 32) == 0 ? (1u << 6) : pick(w, PM_KR_ALL + 1u);
}

/* Any cap the driver holds, or a null/stale one now and then. */
static pm_kcap rnd_cap(world *w)
{
    proc *p = &w->p[pick(w, NPROC)];
    switch (pick(w, 9)) {
    case 0: return p->as;
    case 1: return p->cs;
    case 2: return p->th;
    case 3: return w->ep[pick(w, NEP)];
    case 4: return w->img;
    case 5: case 6: return w->dh[pick(w, NDERIVED)];
    case 7: {
        pm_kcap c;
        c.idx = pick(w, 48);
        c.gen = 1u + pick(w, 3);
        return c;
    }
    default: return PM_KCAP_NULL;
    }
}

/* ---- one step -------------------------------------------------------------- */

static void keep_derived(world *w, pm_kcap d, pm_kcap parent)
{
    for (unsigned i = 0; i < NDERIVED; i++) {
        if (pm_kcap_is_null(w->dh[i])) {
            w->dh[i] = d;
            w->dh_parent[i] = parent;
            return;
        }
    }
    /* No room: give it back at once. */
    pm_status st = pm_k_cap_release(&K, d);
    if (st != PM_OK)
        die(w, "release of a fresh derived handle", st);
}

static void forget_destroyed(world *w, pm_kcap c)
{
    for (unsigned i = 0; i < NPROC; i++) {
        if (pm_kcap_eq(w->p[i].as, c)) w->p[i].as = PM_KCAP_NULL;
        if (pm_kcap_eq(w->p[i].cs, c)) w->p[i].cs = PM_KCAP_NULL;
        if (pm_kcap_eq(w->p[i].th, c)) w->p[i].th = PM_KCAP_NULL;
    }
    for (unsigned i = 0; i < NEP; i++)
        if (pm_kcap_eq(w->ep[i], c)) w->ep[i] = PM_KCAP_NULL;
    if (pm_kcap_eq(w->img, c))
        w->img = PM_KCAP_NULL;
}

/* Is dh[i] derived, directly or through other held handles, from c?  (A
 * chain through a handle the driver no longer holds is not followed: its
 * release already revoked what hung below it.) */
static int derived_from(const world *w, unsigned i, pm_kcap c)
{
    pm_kcap p = w->dh_parent[i];
    for (unsigned hops = 0; hops <= NDERIVED; hops++) {
        if (pm_kcap_eq(p, c))
            return 1;
        unsigned j = 0;
        while (j < NDERIVED && !(pm_kcap_eq(w->dh[j], p) && !pm_kcap_is_null(p)))
            j++;
        if (j == NDERIVED)
            return 0;
        p = w->dh_parent[j];
    }
    return 0;
}

/* Oracle for revoke, release and destroy: every held handle derived from c
 * is now a tombstone. */
static void expect_subtree_revoked(world *w, pm_kcap c)
{
    for (unsigned i = 0; i < NDERIVED; i++) {
        if (pm_kcap_is_null(w->dh[i]) || !derived_from(w, i, c))
            continue;
        pm_kcap_info info;
        pm_status st = pm_k_cap_info(&K, w->dh[i], &info);
        if (st != PM_E_K_REVOKED)
            die(w, "a cap derived from a revoked one is still usable", st);
        g_revoked_checked++;
    }
}

/* A released or destroyed cap's value names nothing any more. */
static void expect_stale(world *w, pm_kcap c)
{
    pm_kcap_info info;
    pm_status st = pm_k_cap_info(&K, c, &info);
    if (st != PM_E_K_BAD_CAP)
        die(w, "a released cap still names something", st);
}

static void check_event(world *w, const pm_kevent *ev)
{
    for (unsigned i = 0; i < NPROC; i++) {
        if (pm_kcap_eq(w->p[i].th, ev->thread)) {
            if (ev->cookie != w->p[i].cookie)
                die(w, "event cookie is not the thread's", PM_OK);
            pm_sim_thread_info ti;
            if (pm_sim_thread_info_get(&K, ev->thread, &ti) != PM_OK ||
                ti.state < PM_KTHREAD_EXITED)
                die(w, "event for a thread that has not ended", PM_OK);
            return;
        }
    }
    die(w, "event names no thread the driver holds", PM_OK);
}

/* Mostly a process that exists (else most calls would only see BAD_CAP). */
static proc *pick_proc(world *w)
{
    unsigned start = pick(w, NPROC);
    if (pick(w, 8) != 0) {
        for (unsigned i = 0; i < NPROC; i++) {
            proc *p = &w->p[(start + i) % NPROC];
            if (!pm_kcap_is_null(p->as) && !pm_kcap_is_null(p->th))
                return p;
        }
    }
    return &w->p[start];
}

/* Build a whole runnable process the way a dispatcher would: code RX,
 * stack RW, IPC buffer RW, bound.  Any call may fail (injection, budgets):
 * the process is then left half-built, which teardown must still reclaim. */
static pm_status build(world *w, proc *p)
{
    pm_status st = PM_OK;
    if (pm_kcap_is_null(p->as))
        st = pm_k_as_create(&K, &p->as);
    if (st == PM_OK && pm_kcap_is_null(p->cs))
        st = pm_k_cspace_create(&K, 1u + pick(w, 8), &p->cs);
    if (st == PM_OK && pm_kcap_is_null(p->th))
        st = pm_k_thread_create(&K, p->cookie, &p->th);
    if (st == PM_OK)
        st = pm_k_as_map_image(&K, p->as, w->img, PG, PG, VA, PM_PROT_R | PM_PROT_X);
    if (st == PM_OK)
        st = pm_k_as_map_zero(&K, p->as, VA + 8u * PG, 2u * PG, PM_PROT_R | PM_PROT_W);
    if (st == PM_OK)
        st = pm_k_as_write(&K, p->as, VA + 10u * PG - 64u, image_bytes, 64u);
    if (st == PM_OK)
        st = pm_k_cspace_mint(&K, p->cs, 0, w->ep[0], PM_KR_WRITE, p->cookie);
    if (st == PM_OK)
        st = pm_k_thread_bind(&K, p->th, p->as, p->cs, VA + 8u * PG);
    if (st == PM_OK && pick(w, 2))
        st = pm_k_thread_start(&K, p->th, VA + 16u * pick(w, 4), VA + 10u * PG - 64u);
    return st;
}

/* Run one random operation; *atomic says whether a refusal must leave
 * usage unchanged (true for every single pm_k_* call). */
static pm_status step(world *w, int *atomic)
{
    proc *p = pick_proc(w);
    /* Every random draw is its own statement: the order of evaluation of
     * function arguments is unspecified in C (gcc and clang differ), and a
     * seed must replay the same sequence whatever the compiler. */
    uint64_t a, b, c2;
    uint32_t pr, x;
    pm_kcap cap;
    pm_kcap out;
    uint8_t bytes[64];
    *atomic = 1;
    w->op = pick(w, 26);
    if ((w->op == 18 || w->op == 19) && pick(w, 3) != 0)
        w->op = 22;             /* teardown less often than building */
    switch (w->op) {
    case 22: case 23:
        *atomic = 0;
        return build(w, p);
    case 0:
        if (pm_kcap_is_null(p->as))
            return pm_k_as_create(&K, &p->as);
        if (pm_kcap_is_null(p->cs))
            return pm_k_cspace_create(&K, pick(w, 10), &p->cs);
        if (pm_kcap_is_null(p->th))
            return pm_k_thread_create(&K, p->cookie, &p->th);
        return PM_OK;
    case 1: case 2:
        a = rnd_vaddr(w);
        b = rnd_len(w);
        pr = rnd_prot(w);
        return pm_k_as_map_zero(&K, p->as, a, b, pr);
    case 3:
        a = (uint64_t)pick(w, 7) * PG;
        if (pick(w, 16) == 0)
            a += 8u;
        cap = pick(w, 8) ? w->img : rnd_cap(w);
        b = rnd_len(w);
        c2 = rnd_vaddr(w);
        pr = rnd_prot(w);
        return pm_k_as_map_image(&K, p->as, cap, a, b, c2, pr);
    case 4:
        a = rnd_vaddr(w);
        b = rnd_len(w);
        pr = rnd_prot(w);
        return pm_k_as_protect(&K, p->as, a, b, pr);
    case 5:
        a = rnd_vaddr(w);
        b = rnd_len(w);
        return pm_k_as_unmap(&K, p->as, a, b);
    case 6:
        memset(bytes, (int)pick(w, 256), sizeof bytes);
        a = rnd_vaddr(w);
        a += pick(w, PG);
        b = pick(w, sizeof bytes + 1u);
        return pm_k_as_write(&K, p->as, a, bytes, b);
    case 7:
        x = pick(w, 10);
        cap = rnd_cap(w);
        pr = rnd_rights(w);
        c2 = rnd(w);
        return pm_k_cspace_mint(&K, p->cs, x, cap, pr, c2);
    case 8:
        return pm_k_cspace_delete(&K, p->cs, pick(w, 10));
    case 9: {
        pm_kcap src = rnd_cap(w);
        for (unsigned tries = 0; tries < 3u && pm_kcap_is_null(src); tries++)
            src = rnd_cap(w);
        /* Mostly keep GRANT so chains grow (GRANT is needed to derive). */
        uint32_t rights = rnd_rights(w);
        if (pick(w, 4) != 0)
            rights = (rights | PM_KR_GRANT) & PM_KR_ALL;
        pm_status st = pm_k_cap_derive(&K, src, rights, &out);
        if (st == PM_OK)
            keep_derived(w, out, src);
        return st;
    }
    case 10: {
        pm_kcap c = rnd_cap(w);
        *atomic = 0;                    /* revoke succeeds or changes nothing, but
                                           tombstones change the live/tomb split */
        pm_status st = pm_k_revoke(&K, c);
        if (st == PM_OK)
            expect_subtree_revoked(w, c);
        return st;
    }
    case 11: {
        unsigned i = pick(w, NDERIVED);
        pm_kcap c = w->dh[i];
        pm_status st = pm_k_cap_release(&K, c);
        if (st == PM_OK) {
            w->dh[i] = PM_KCAP_NULL;
            expect_subtree_revoked(w, c);
            expect_stale(w, c);
        }
        return st;
    }
    case 12:
        return pm_k_thread_bind(&K, p->th, p->as, p->cs,
                                pick(w, 4) ? VA + (uint64_t)pick(w, 24) * PG : rnd_vaddr(w));
    case 13: case 14:
        a = VA + (uint64_t)pick(w, 24) * PG;
        a += 16u * pick(w, 8);
        b = VA + (uint64_t)pick(w, 24) * PG;
        b += 16u * pick(w, 256);
        *atomic = 0;                    /* a bad entry faults at once: an event */
        return pm_k_thread_start(&K, p->th, a, b);
    case 15:
        *atomic = 0;                    /* queues an event */
        return pm_k_thread_kill(&K, p->th);
    case 16:
        *atomic = 0;
        if (pick(w, 2))
            return pm_sim_thread_exit(&K, p->th, (int64_t)pick(w, 256));
        pr = pick(w, 8);
        c2 = rnd(w);
        return pm_sim_thread_fault(&K, p->th, (pm_kfault)pr, c2);
    case 17: {
        pm_kevent ev;
        *atomic = 0;
        pm_status st = pm_k_event_poll(&K, &ev);
        if (st == PM_OK)
            check_event(w, &ev);
        return st;
    }
    case 18: {
        pm_kcap c = rnd_cap(w);
        *atomic = 0;
        int drop = (int)pick(w, 2);
        pm_status st = drop ? pm_k_drop(&K, c) : pm_k_destroy(&K, c);
        if (st == PM_OK) {
            forget_destroyed(w, c);
            for (unsigned i = 0; i < NDERIVED; i++)
                if (drop && pm_kcap_eq(w->dh[i], c))
                    w->dh[i] = PM_KCAP_NULL;
            expect_subtree_revoked(w, c);
            expect_stale(w, c);
        } else if (drop) {
            die(w, "drop failed on a cap the driver holds", st);
        }
        return st;
    }
    case 19: {
        *atomic = 0;
        pm_status st = pm_k_teardown(&K, p->th, p->cs, p->as);
        if (st != PM_OK)
            die(w, "teardown of originals", st);
        p->as = p->cs = p->th = PM_KCAP_NULL;
        return st;
    }
    case 20: {
        unsigned i = pick(w, NEP);
        if (pm_kcap_is_null(w->ep[i]))
            return pm_k_endpoint_create(&K, &w->ep[i]);
        return PM_OK;
    }
    default: {
        uint8_t buf[32];
        cap = pick(w, 4) ? w->img : rnd_cap(w);
        a = pick(w, sizeof image_bytes + 8u);
        b = pick(w, 33);
        return pm_k_image_read(&K, cap, a, buf, b);
    }
    }
}

static void usage(pm_sim_stats *s)
{
    pm_sim_stats_get(&K, s);
    s->calls = s->injected = 0;
}

static void sequence(world *w)
{
    pm_sim_config cfg;
    pm_sim_config_default(&cfg);
    cfg.frames = 40;
    memset(cfg.objects, 0, sizeof cfg.objects);
    cfg.objects[PM_KOBJ_AS] = 3;
    cfg.objects[PM_KOBJ_CSPACE] = 3;
    cfg.objects[PM_KOBJ_THREAD] = 3;
    cfg.objects[PM_KOBJ_ENDPOINT] = 3;
    cfg.objects[PM_KOBJ_IMAGE] = 1;
    cfg.handles = 32;
    cfg.slots = 20;
    cfg.max_threads_per_as = 1u + (uint32_t)(w->seq % 2u);
    if (pm_sim_init(&K, &cfg) != PM_OK)
        die(w, "init", PM_OK);
    memset(w->p, 0, sizeof w->p);
    memset(w->ep, 0, sizeof w->ep);
    memset(w->dh, 0, sizeof w->dh);
    memset(w->dh_parent, 0, sizeof w->dh_parent);
    for (unsigned i = 0; i < NPROC; i++)
        w->p[i].cookie = w->seq * 16u + i;
    pm_status st = pm_sim_image_create(&K, image_bytes, sizeof image_bytes, &w->img);
    if (st != PM_OK)
        die(w, "image", st);
    for (unsigned i = 0; i < 2u; i++)
        if ((st = pm_k_endpoint_create(&K, &w->ep[i])) != PM_OK)
            die(w, "endpoint", st);
    /* Failure rates from none to one call in five. */
    pm_sim_fail_rate(&K, rnd(w), (uint32_t)(w->seq % 5u) * 50000u, PM_OK);
    if (w->seq % 7u == 3u)
        pm_sim_fail_nth(&K, 1u + pick(w, STEPS), PM_E_K_NO_MEMORY);

    for (w->step = 0; w->step < STEPS; w->step++) {
        pm_sim_stats before, after;
        usage(&before);
        int atomic = 1;
        st = step(w, &atomic);
        if (st != PM_OK && (st < 400 || st > 499 || st == PM_E_K_INVARIANT))
            die(w, "status outside the KERNEL block", st);
        g_seen[st]++;
        usage(&after);
        if (st != PM_OK && atomic && memcmp(&before, &after, sizeof before) != 0)
            die(w, "a refused call changed resource usage", st);
        pm_sim_violation v = { NULL, 0 };
        if (pm_sim_check(&K, &v) != PM_OK) {
            print_error("invariant: %s (index %u)\n", v.rule, v.index);
            die(w, "invariant violated", PM_E_K_INVARIANT);
        }
    }

    /* Full teardown: no injection on the way out (destroy is never failed
     * anyway, but the final event drain and releases are checked exactly). */
    pm_sim_fail_rate(&K, 1, 0, PM_OK);
    pm_sim_fail_nth(&K, 0, PM_OK);
    for (unsigned i = 0; i < NPROC; i++) {
        st = pm_k_teardown(&K, w->p[i].th, w->p[i].cs, w->p[i].as);
        if (st != PM_OK)
            die(w, "final teardown", st);
    }
    for (unsigned i = 0; i < NDERIVED; i++) {
        if (!pm_kcap_is_null(w->dh[i]) && (st = pm_k_cap_release(&K, w->dh[i])) != PM_OK)
            die(w, "final release of a derived handle", st);
    }
    for (unsigned i = 0; i < NEP; i++) {
        if (!pm_kcap_is_null(w->ep[i]) && (st = pm_k_destroy(&K, w->ep[i])) != PM_OK)
            die(w, "final endpoint destroy", st);
    }
    if (!pm_kcap_is_null(w->img) && (st = pm_k_destroy(&K, w->img)) != PM_OK)
        die(w, "final image destroy", st);
    pm_kevent ev;
    if ((st = pm_k_event_poll(&K, &ev)) != PM_E_K_NO_EVENT)
        die(w, "an event survived the teardown of its thread", st);
    pm_sim_violation v = { NULL, 0 };
    if (pm_sim_check_empty(&K, &v) != PM_OK) {
        print_error("not empty: %s (index %u)\n", v.rule, v.index);
        die(w, "usage after full teardown", PM_E_K_INVARIANT);
    }
}

static void test_random_sequences(void **state)
{
    (void)state;
    const char *s = getenv("PM_SIM_SEED");
    if (s != NULL)
        g_seed = strtoull(s, NULL, 0);
    s = getenv("PM_SIM_SEQUENCES");
    if (s != NULL)
        g_sequences = strtoul(s, NULL, 0);
    for (size_t i = 0; i < sizeof image_bytes; i++)
        image_bytes[i] = (uint8_t)(i ^ (i >> 8));
    world w;
    memset(&w, 0, sizeof w);
    w.rng = g_seed != 0u ? g_seed : 1u;
    for (w.seq = 0; w.seq < g_sequences; w.seq++)
        sequence(&w);

    unsigned long total = 0;
    for (unsigned i = 0; i < 1000; i++)
        total += g_seen[i];
    printf("sim random: seed %llu, %lu sequences, %lu steps, %lu derived caps "
           "checked revoked; statuses:",
           (unsigned long long)g_seed, g_sequences, total, g_revoked_checked);
    for (unsigned i = 0; i < 1000; i++)
        if (g_seen[i] != 0u)
            printf(" %s=%lu", pm_status_name((int)i), g_seen[i]);
    printf("\n");
    /* The sequences must actually reach the refusals they are meant to
     * exercise, not only the happy path. */
    if (g_sequences >= 1000u) {
        static const pm_status must[] = {
            PM_OK, PM_E_K_NO_MEMORY, PM_E_K_NO_OBJECTS, PM_E_K_BAD_CAP,
            PM_E_K_REVOKED, PM_E_K_TYPE, PM_E_K_BAD_RIGHTS, PM_E_K_ARG,
            PM_E_K_ALIGN, PM_E_K_RANGE, PM_E_K_WX, PM_E_K_OVERLAP,
            PM_E_K_NOT_MAPPED, PM_E_K_PROT, PM_E_K_SLOT_OCCUPIED,
            PM_E_K_SLOT_EMPTY, PM_E_K_STATE, PM_E_K_NO_EVENT,
            PM_E_K_INJECTED_FAILURE,
        };
        if (g_revoked_checked == 0u) {
            print_error("the revocation oracle never checked a derived cap\n");
            fail();
        }
        for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
            if (g_seen[must[i]] == 0u) {
                print_error("status %s never occurred\n", pm_status_name(must[i]));
                fail();
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sequences),
    };
    return cmocka_run_group_tests_name("sim_random", tests, NULL, NULL);
}
