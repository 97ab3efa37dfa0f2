/*
 * Randomized test of the dispatcher through the sim backend: thousands of
 * request sequences (well-formed and mutated messages, handles of every
 * kind, stale and bogus values), with kernel failures injected at random
 * rates, threads exiting and faulting, waiters expiring, clients
 * disconnecting.  After every message the sim invariants must hold
 * (pm_sim_check), and after every refused one nothing else changed: same
 * registry records, address spaces, CSpaces, threads and frames, no kernel
 * cap gone but those that came with the message, the connection's builder
 * as it was (LAUNCH and CREATE_WITHOUT_STARTING reset it by spec); after "kill every job, poll, disconnect" no process
 * object may be left and only the test's own caps may remain; after
 * pm_dispatch_fini and dropping those, the sim must be empty
 * (pm_sim_check_empty).  Deterministic: seeds 1..SEQUENCES.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/dispatch.h"
#include "procmgr/sim.h"
#include "../support/elfimg.h"

#define SEQUENCES 4000u
#define STEPS     60u
#define NJOBS     4u
#define POOL      48u

static struct pm_kernel K;
static pm_dispatch D;
static uint8_t REPLY[PM_DISPATCH_REPLY_CAP];
static pm_dispatch_result RES;
static uint8_t RANDOM[PM_DISPATCH_RANDOM_BYTES];
static elfimg IMG_EXEC, IMG_DYN, IMG_INTERP;
static uint8_t JUNK[512];
enum { I_EXEC, I_DYN, I_INTERP, I_JUNK, I_EP, NCAPS };
static pm_kcap CAPS[NCAPS];
static pm_dispatch_entry INTERP_TABLE[1], RESOLVE_TABLE[2];
static uint64_t RNG;
static uint64_t STAT_MSGS, STAT_OK, STAT_LAUNCHED;
static uint64_t STAT_CODE[1000];

static uint64_t rnd(void)
{
    RNG ^= RNG << 13;
    RNG ^= RNG >> 7;
    RNG ^= RNG << 17;
    return RNG;
}
static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

/* Handles the test holds: issued by the dispatcher. */
static pm_dhandle POOLH[POOL];
static uint32_t NPOOL;
static uint32_t WAITERS[64];
static uint32_t NWAITERS;

static void pool_add(pm_dhandle h)
{
    if (NPOOL < POOL) {
        POOLH[NPOOL++] = h;
    } else {
        /* the one it replaces is closed: a job lives while a handle does */
        uint32_t at = below(POOL);
        if (POOLH[at].kind == PM_DH_JOB)
            pm_dispatch_handle_release(&D, &POOLH[at]);
        POOLH[at] = h;
    }
}

static void check_inv(const char *where)
{
    pm_sim_violation v = { NULL, 0 };
    if (pm_sim_check(&K, &v) != PM_OK) {
        print_error("seed %llu, %s: invariant %s (%u)\n",
                    (unsigned long long)RNG, where, v.rule, v.index);
        fail();
    }
}

/* ---- messages ---------------------------------------------------------------- */

static uint8_t MSG[PM_PROTO_MAX_MSG + 8];
static size_t MLEN;
static pm_dhandle H[PM_PROTO_MAX_HANDLES + 1];
static uint32_t NH;

static void put(uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n && MLEN < sizeof MSG; i++)
        MSG[MLEN++] = (uint8_t)(v >> (8 * i));
}
static void u32(uint32_t v) { put(v, 4); }
static void u64(uint64_t v) { put(v, 8); }
static void str(const char *s)
{
    size_t n = strlen(s);
    u32((uint32_t)n);
    for (size_t i = 0; i < n; i++)
        put((uint8_t)s[i], 1);
}

/* A handle for a field: mostly sensible, sometimes anything. */
static pm_dhandle any_handle(int want_kcap)
{
    pm_dhandle h = { PM_DH_NONE, 0, 0, { 0, 0 } };
    uint32_t r = below(10);
    if ((want_kcap && r < 7) || r == 9) {
        static const uint32_t rights[] = {
            PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT, PM_KR_READ | PM_KR_GRANT,
            PM_KR_GRANT, PM_KR_ALL & ~PM_KR_MANAGE, PM_KR_READ | PM_KR_EXEC
        };
        uint32_t which = below(10) < 6 ? below(2) : below(NCAPS);
        h.kind = PM_DH_KCAP;
        if (pm_k_cap_derive(&K, CAPS[which], rights[below(5)], &h.cap) != PM_OK) {
            h.kind = PM_DH_JOB;        /* derive refused (injected): a job instead */
            h.value = below(NJOBS);
        }
    } else if (r < 8 && NPOOL > 0) {
        h = POOLH[below(NPOOL)];
        if (below(8) == 0)
            h.value ^= 1ull << below(64);       /* forged/stale */
    } else if (r == 8) {
        h.kind = PM_DH_JOB;
        h.value = below(NJOBS);
    } else {
        h.kind = below(7);
        h.value = h.kind == PM_DH_JOB ? below(NJOBS) : rnd();
    }
    return h;
}

static uint32_t add_handle(int want_kcap)
{
    H[NH] = any_handle(want_kcap);
    return NH++;
}

static const char *const ARGS[] = { "", "a", "/bin/true", "--x=1", "A=B", "PATH=/bin" };
static const char *const PATHS[] = { "/", "/svc", "/svc/a", "/data", "/tmp/x" };
static const char *const NAMES[] = { "bin/true", "bin/dyn", "bin/nope", "bin" };

static void header(uint16_t op)
{
    MLEN = 0;
    NH = 0;
    u32(PM_PROTO_MAGIC); put(1, 2); put(op, 2); u32(0); u32(0); u64(rnd()); u32(0); u32(0);
}

static void finish(void)
{
    uint32_t pl = (uint32_t)(MLEN - 32), nh = NH;
    for (unsigned i = 0; i < 4; i++) {
        MSG[24 + i] = (uint8_t)(pl >> (8 * i));
        MSG[12 + i] = (uint8_t)(nh >> (8 * i));
    }
}

static void gen_request(void)
{
    static const uint16_t ops[] = {
        PM_OP_CREATE_PROCESS, PM_OP_EXIT_PROCESS, PM_OP_QUERY_PROCESS,
        PM_OP_LIST_PROCESSES, PM_OP_ADD_ARGS, PM_OP_ADD_ENVIRONS,
        PM_OP_ADD_NAMES, PM_OP_ADD_HANDLES, PM_OP_SET_INFO, PM_OP_SET_INFO,
        PM_OP_LAUNCH, PM_OP_LAUNCH, PM_OP_CREATE_WITHOUT_STARTING, PM_OP_START,
        PM_OP_RESOLVE, PM_OP_WAIT, PM_OP_WATCH, PM_OP_KILL,
        PM_OP_HANDLE_DUPLICATE, PM_OP_HANDLE_CLOSE, PM_OP_SET_CWD, PM_OP_SET_RLIMIT,
        PM_OP_JOB_CREATE, PM_OP_JOB_OPEN, PM_OP_JOB_SET_LIMIT, PM_OP_JOB_QUERY
    };
    uint16_t op = ops[below(sizeof ops / sizeof ops[0])];
    uint32_t n, i;
    header(op);
    switch (op) {
    case PM_OP_CREATE_PROCESS:
        u32(add_handle(1));
        n = below(4);
        u32(n);
        for (i = 0; i < n; i++) { u32(add_handle(1)); u32(below(10) < 8 ? below(40) : rnd()); }
        break;
    case PM_OP_EXIT_PROCESS: u32(add_handle(0)); u32((uint32_t)rnd()); break;
    case PM_OP_QUERY_PROCESS: case PM_OP_KILL: case PM_OP_HANDLE_CLOSE:
    case PM_OP_JOB_QUERY:
        u32(add_handle(0));
        break;
    case PM_OP_JOB_SET_LIMIT:
        u32(add_handle(0)); u32(1 + below(2)); u32(0);
        u64(below(3) == 0 ? PM_JOB_LIMIT_NONE : 4096u * (1 + below(8)));
        break;
    case PM_OP_LIST_PROCESSES: {
        uint32_t f = below(3);
        u32(f); u32(1 + below(5));
        u64(f == 0 ? 0 : f == 1 ? 1 + below(NJOBS) : 1 + below(40));
        u64(below(4) == 0 ? below(40) : 0);
        break;
    }
    case PM_OP_ADD_ARGS: case PM_OP_ADD_ENVIRONS:
        n = below(4);
        u32(n);
        for (i = 0; i < n; i++)
            str(op == PM_OP_ADD_ENVIRONS ? ARGS[4 + below(2)] : ARGS[below(6)]);
        break;
    case PM_OP_ADD_NAMES:
        n = below(3);
        u32(n);
        for (i = 0; i < n; i++) { u32(add_handle(1)); str(PATHS[below(5)]); }
        break;
    case PM_OP_ADD_HANDLES:
        n = below(3);
        u32(n);
        for (i = 0; i < n; i++) { u32(add_handle(1)); u32(below(40)); }
        break;
    case PM_OP_SET_INFO:
        u32(add_handle(1));
        u32(below(3) == 0 ? add_handle(0) : PM_PROTO_NO_HANDLE);
        u32(below(6) == 0 ? add_handle(1) : PM_PROTO_NO_HANDLE);
        u32(below(4) == 0 ? below(8) : 0);     /* sharing flags */
        str(below(2) ? "svc" : "");
        break;
    case PM_OP_SET_CWD: u32(add_handle(1)); break;
    case PM_OP_SET_RLIMIT: {
        uint64_t soft = below(3) == 0 ? PM_RLIMIT_INFINITY : below(100);
        u32(add_handle(0)); u32(below(5)); u32(0);
        u64(soft); u64(below(3) == 0 ? PM_RLIMIT_INFINITY : soft + below(50));
        break;
    }
    case PM_OP_START: u32(add_handle(0)); u32(add_handle(0)); break;
    case PM_OP_RESOLVE: str(NAMES[below(4)]); break;
    case PM_OP_WAIT: u32(add_handle(0)); u32(0); u64(below(2) ? 0 : below(3) ? 1000 : PM_WAIT_FOREVER); break;
    case PM_OP_WATCH: u32(add_handle(0)); u32(1 + below(15)); break;
    case PM_OP_HANDLE_DUPLICATE: u32(add_handle(0)); u32(below(0x80)); break;
    case PM_OP_JOB_CREATE: u32(0); break;
    case PM_OP_JOB_OPEN: u64(1 + below(40)); u32(0); break;
    default: break;
    }
    finish();
}

/* Mutate the bytes (and sometimes the handle count seen). */
static uint32_t mutate(void)
{
    uint32_t nin = NH;
    switch (below(6)) {
    case 0: { uint32_t at = below((uint32_t)MLEN); MSG[at] ^= (uint8_t)(1u << below(8)); break; }
    case 1: MLEN = below((uint32_t)MLEN + 1); break;
    case 2: { uint32_t at = below((uint32_t)MLEN); MSG[at] = (uint8_t)rnd(); break; }
    case 3: if (MLEN < sizeof MSG - 4) { u32((uint32_t)rnd()); } break;
    case 4: nin = NH > 0 ? NH - 1 : 0; break;        /* one handle lost */
    default: MSG[32 + below((uint32_t)(MLEN > 32 ? MLEN - 32 : 1))] ^= 0x80; break;
    }
    return nin;
}

static void send(uint32_t conn)
{
    uint32_t nin = NH, i;
    gen_request();
    nin = NH;
    if (below(5) == 0)
        nin = mutate();
    for (i = 0; i < PM_DISPATCH_RANDOM_BYTES; i++)
        RANDOM[i] = (uint8_t)rnd();
    /* what a refusal must leave as it was */
    pm_sim_stats before;
    uint32_t live_before = D.reg.live, sent_caps = 0;
    uint16_t op = (uint16_t)(MLEN >= 8 ? MSG[6] | MSG[7] << 8 : 0);
    pm_dispatch_conn *c = pm_dispatch_find_conn_(&D, conn);
    pm_builder_mark bm;
    uint32_t had_info = c != NULL ? c->builder.has_info : 0;
    pm_sim_stats_get(&K, &before);
    if (c != NULL)
        pm_builder_mark_take(&c->builder, &bm);
    for (i = 0; i < NH; i++)     /* seen by the dispatcher or dropped below */
        sent_caps += H[i].kind == PM_DH_KCAP && !pm_kcap_is_null(H[i].cap);
    pm_status st = pm_dispatch_message(&D, conn, MSG, MLEN, H, nin, RANDOM,
                                       REPLY, sizeof REPLY, &RES);
    STAT_MSGS++;
    if (st < 1000)
        STAT_CODE[st]++;
    /* handles the dispatcher never saw are the shell's to drop */
    for (i = nin; i < NH; i++)
        if (H[i].kind == PM_DH_KCAP)
            pm_k_drop(&K, H[i].cap);
    check_inv("message");
    assert_true(st < 1000);
    if (st != PM_OK) {
        pm_sim_stats after;
        pm_sim_stats_get(&K, &after);
        assert_int_equal(D.reg.live, live_before);
        assert_int_equal(after.live[PM_KOBJ_AS], before.live[PM_KOBJ_AS]);
        assert_int_equal(after.live[PM_KOBJ_CSPACE], before.live[PM_KOBJ_CSPACE]);
        assert_int_equal(after.live[PM_KOBJ_THREAD], before.live[PM_KOBJ_THREAD]);
        assert_int_equal(after.frames_used, before.frames_used);
        if (op != PM_OP_LAUNCH && op != PM_OP_CREATE_WITHOUT_STARTING) {
            /* only the caps that came with the message are gone */
            assert_int_equal(after.handles_live + after.handles_tomb + sent_caps,
                             before.handles_live + before.handles_tomb);
            if (c != NULL && c->in_use) {
                pm_builder_mark now;
                pm_builder_mark_take(&c->builder, &now);
                assert_memory_equal(&now, &bm, sizeof now);
                assert_int_equal(c->builder.has_info, had_info);
            }
        }
    }
    if (RES.action == PM_DISPATCH_REPLY) {
        pm_proto_reply rep;
        assert_true(RES.reply_len >= 36 && RES.reply_len <= sizeof REPLY);
        pm_status dst = pm_proto_decode_reply(REPLY, RES.reply_len, RES.nhandles, &rep);
        /* a refused unknown opcode is answered with a reply the client
         * decoder does not know; every other reply decodes */
        if (st != PM_E_PROTO_UNKNOWN_OPCODE && st != PM_E_PROTO_BAD_VERSION &&
            st != PM_E_PROTO_TOO_LARGE && st != PM_E_PROTO_LENGTH_MISMATCH &&
            st != PM_E_PROTO_RESERVED_NONZERO && st != PM_E_PROTO_BAD_FLAGS &&
            st != PM_E_PROTO_TOO_MANY_HANDLES && st != PM_E_PROTO_HANDLE_COUNT_MISMATCH)
            assert_int_equal(dst, PM_OK);
        if (dst == PM_OK)
            assert_int_equal(rep.status, st);
    }
    if (st == PM_OK && RES.action == PM_DISPATCH_REPLY) {
        STAT_OK++;
        for (i = 0; i < RES.nhandles; i++) {
            if (RES.handles[i].kind == PM_DH_KCAP)
                pm_k_drop(&K, RES.handles[i].cap);
            else
                pool_add(RES.handles[i]);
        }
        if (RES.nhandles == 2 && RES.handles[0].kind == PM_DH_PROCESS)
            STAT_LAUNCHED++;
    } else {
        assert_int_equal(RES.nhandles, 0);
    }
    if (RES.action == PM_DISPATCH_PARKED && NWAITERS < 64)
        WAITERS[NWAITERS++] = RES.waiter;
}

/* The sim ends a running thread of some process. */
static void end_some_thread(void)
{
    uint32_t slot = below(64);
    if (D.reg.slot[slot].state == PM_PROC_RUNNING) {
        pm_kcap th = D.reg.slot[slot].thread;
        if (below(2))
            (void)pm_sim_thread_exit(&K, th, (int64_t)below(256));
        else
            (void)pm_sim_thread_fault(&K, th, (pm_kfault)(1 + below(6)), rnd());
    }
}

static void drain(void)
{
    uint32_t conn;
    uint64_t watch;
    uint8_t ev[PM_DISPATCH_EVENT_LEN];
    pm_proto_reply rep;
    while (pm_dispatch_take_reply(&D, &conn, REPLY, sizeof REPLY, &RES) == PM_OK)
        assert_int_equal(pm_proto_decode_reply(REPLY, RES.reply_len, 0, &rep), PM_OK);
    while (pm_dispatch_take_event(&D, &watch, ev, sizeof ev) == PM_OK) {
        assert_int_equal(pm_proto_decode_reply(ev, sizeof ev, 0, &rep), PM_OK);
        assert_int_equal(rep.opcode, PM_OP_EVENT);
    }
}

static void step(void)
{
    uint32_t r = below(100);
    if (r < 70) {
        send(1 + below(2));
    } else if (r < 80) {
        end_some_thread();
        pm_dispatch_poll_events(&D);
    } else if (r < 85) {
        drain();
    } else if (r < 90 && NWAITERS > 0) {
        uint32_t i = below(NWAITERS);
        (void)pm_dispatch_wait_expire(&D, WAITERS[i], REPLY, sizeof REPLY, &RES);
        WAITERS[i] = WAITERS[--NWAITERS];
    } else if (r < 95 && NPOOL > 0) {
        uint32_t i = below(NPOOL);
        pm_dispatch_handle_release(&D, &POOLH[i]);
        POOLH[i] = POOLH[--NPOOL];
    } else {
        uint32_t c = 1 + below(2);
        uint64_t koid = below(4);
        uint64_t job = 1 + below(NJOBS - 1);
        pm_dispatch_disconnect(&D, c);
        assert_int_equal(pm_dispatch_connect(&D, c, koid, job), PM_OK);
    }
    check_inv("step");
}

static void one_sequence(uint64_t seed)
{
    pm_dispatch_config cfg;
    pm_sim_stats s;
    pm_sim_violation v = { NULL, 0 };
    uint32_t i;

    RNG = seed * 0x9E3779B97F4A7C15ull + 1;
    NPOOL = 0;
    NWAITERS = 0;
    assert_int_equal(pm_sim_init(&K, NULL), PM_OK);
    assert_int_equal(pm_sim_image_create(&K, IMG_EXEC.buf, IMG_EXEC.len, &CAPS[I_EXEC]), PM_OK);
    assert_int_equal(pm_sim_image_create(&K, IMG_DYN.buf, IMG_DYN.len, &CAPS[I_DYN]), PM_OK);
    assert_int_equal(pm_sim_image_create(&K, IMG_INTERP.buf, IMG_INTERP.len, &CAPS[I_INTERP]), PM_OK);
    assert_int_equal(pm_sim_image_create(&K, JUNK, sizeof JUNK, &CAPS[I_JUNK]), PM_OK);
    assert_int_equal(pm_k_endpoint_create(&K, &CAPS[I_EP]), PM_OK);
    INTERP_TABLE[0].image = CAPS[I_INTERP];
    RESOLVE_TABLE[0].image = CAPS[I_EXEC];
    RESOLVE_TABLE[1].image = CAPS[I_DYN];
    pm_dispatch_config_default(&cfg);
    cfg.interp = INTERP_TABLE;
    cfg.ninterp = 1;
    cfg.resolve = RESOLVE_TABLE;
    cfg.nresolve = 2;
    assert_int_equal(pm_dispatch_init(&D, &K, &cfg), PM_OK);
    assert_int_equal(pm_dispatch_connect(&D, 1, 0, 1), PM_OK);
    assert_int_equal(pm_dispatch_connect(&D, 2, 0, 2), PM_OK);
    /* a third of the sequences run without injection, the rest with 1..10% */
    if (seed % 3 != 0)
        pm_sim_fail_rate(&K, seed, (uint32_t)(10000u * (1 + seed % 10)), 0);

    for (i = 0; i < STEPS; i++)
        step();

    /* full teardown through the protocol: kill every job, poll, disconnect */
    pm_sim_fail_rate(&K, 0, 0, 0);
    /* the fixed ids, then every other job (JOB_CREATE's, named by koid as
     * the shell may) */
    static uint64_t jobs[NJOBS + PM_DISPATCH_MAX_JOBS];
    uint32_t njobs = 0;
    for (i = 0; i < NJOBS; i++)
        jobs[njobs++] = i;
    for (i = 0; i < PM_DISPATCH_MAX_JOBS; i++)
        if (D.job[i].in_use && D.job[i].koid >= NJOBS)
            jobs[njobs++] = D.job[i].koid;
    for (i = 0; i < njobs; i++) {
        header(PM_OP_KILL);
        H[0].kind = PM_DH_JOB; H[0].value = jobs[i]; H[0].cap = PM_KCAP_NULL;
        NH = 1;
        u32(0);
        finish();
        assert_int_equal(pm_dispatch_message(&D, 1, MSG, MLEN, H, 1, RANDOM, REPLY,
                                             sizeof REPLY, &RES), PM_OK);
        check_inv("kill");
    }
    pm_dispatch_poll_events(&D);
    drain();
    pm_dispatch_disconnect(&D, 1);
    pm_dispatch_disconnect(&D, 2);
    /* a job lives while a handle names it: close the job handles issued */
    for (i = 0; i < NPOOL; i++)
        if (POOLH[i].kind == PM_DH_JOB)
            pm_dispatch_handle_release(&D, &POOLH[i]);
    pm_sim_stats_get(&K, &s);
    if (s.live[PM_KOBJ_AS] || s.live[PM_KOBJ_THREAD] || s.live[PM_KOBJ_CSPACE] ||
        s.live[PM_KOBJ_JOB] || s.handles_live != NCAPS || s.handles_tomb != 0 ||
        s.frames_used != 0) {
        print_error("seed %llu: after kill-all: AS %u thread %u cspace %u job %u handles %u "
                    "tomb %u frames %u\n", (unsigned long long)seed, s.live[PM_KOBJ_AS],
                    s.live[PM_KOBJ_THREAD], s.live[PM_KOBJ_CSPACE], s.live[PM_KOBJ_JOB],
                    s.handles_live, s.handles_tomb, s.frames_used);
        fail();
    }
    pm_dispatch_fini(&D);
    for (i = 0; i < NCAPS; i++)
        pm_k_drop(&K, CAPS[i]);
    if (pm_sim_check_empty(&K, &v) != PM_OK) {
        print_error("seed %llu: not empty: %s (%u)\n", (unsigned long long)seed, v.rule, v.index);
        fail();
    }
}

static void test_random_sequences(void **state)
{
    (void)state;
    static const char ld[] = ELFIMG_DEFAULT_INTERP;
    elfimg_init(&IMG_EXEC, ELFIMG_ET_EXEC, 0);
    elfimg_init(&IMG_DYN, ELFIMG_ET_DYN, ELFIMG_INTERP);
    elfimg_init(&IMG_INTERP, ELFIMG_ET_DYN, 0);
    assert_non_null(elfimg_serialize(&IMG_EXEC));
    assert_non_null(elfimg_serialize(&IMG_DYN));
    assert_non_null(elfimg_serialize(&IMG_INTERP));
    INTERP_TABLE[0].name = (const uint8_t *)ld;
    INTERP_TABLE[0].name_len = (uint32_t)strlen(ld);
    RESOLVE_TABLE[0].name = (const uint8_t *)"bin/true";
    RESOLVE_TABLE[0].name_len = 8;
    RESOLVE_TABLE[1].name = (const uint8_t *)"bin/dyn";
    RESOLVE_TABLE[1].name_len = 7;
    for (uint64_t seed = 1; seed <= SEQUENCES; seed++)
        one_sequence(seed);
    printf("%u sequences, %llu messages, %llu accepted, %llu processes launched\n",
           SEQUENCES, (unsigned long long)STAT_MSGS, (unsigned long long)STAT_OK,
           (unsigned long long)STAT_LAUNCHED);
    printf("statuses:");
    for (int c = 0; c < 1000; c++)
        if (STAT_CODE[c])
            printf(" %s=%llu", pm_status_name(c), (unsigned long long)STAT_CODE[c]);
    printf("\n");
    elfimg_free(&IMG_EXEC);
    elfimg_free(&IMG_DYN);
    elfimg_free(&IMG_INTERP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_sequences),
    };
    return cmocka_run_group_tests_name("dispatch_random", tests, NULL, NULL);
}
