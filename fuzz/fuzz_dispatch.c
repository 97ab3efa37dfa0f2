/*
 * Fuzz harness: the dispatcher over the sim backend.
 *
 * The input is a byte stream read as a sequence of steps (at most
 * MAX_STEPS).  Each step starts with a selector byte s:
 *   s % 8 in 0..4  a message: u16 length L, a handle-count byte n (n % 9
 *                  handles; 255: control data truncated, 65 handles with
 *                  no translation), one spec byte per handle (what the shell
 *                  translated it to: a fresh kernel cap derived from one of
 *                  the boot images or an endpoint, a handle an earlier reply
 *                  issued, a job, or a bogus value), then L message bytes.
 *                  Bit 3 of s asks the harness to fix the header's magic,
 *                  version, handle count and payload length so that inputs
 *                  reach the handlers; bit 4 selects the connection; bits
 *                  5-7 all set give a reply buffer one byte short of
 *                  PM_DISPATCH_REPLY_CAP (the dispatcher must refuse it).
 *   s % 8 == 5     the sim ends a running thread (exit, fault, or a kill
 *                  from outside procmgr when byte % 6 == 5) of the
 *                  record named by the next byte, then events are polled
 *                  (unless bit 7 of that byte is set: the event stays
 *                  queued in the kernel, to be seen after later steps have
 *                  torn the process down or reused its slot)
 *   s % 8 == 6     (s >> 3) % 8 in 0..2: replies of ready waiters and
 *                  queued events are taken; a parked waiter expires
 *                  3: the kernel revokes every cap derived from the boot
 *                     cap named by the next byte (the caps a builder or a
 *                     record holds turn stale under the dispatcher)
 *                  4: connect the id in the next byte (1..8; 0 fills every
 *                     free connection slot, then frees them again)
 *                  5: disconnect the id in the next byte b (1..8), or
 *                     with bit 7 of b set, set its principal from the
 *                     byte after x (0 root, 255 none, else user 1000..1002)
 *                     and its client koid to the pid of registry slot
 *                     x % 16 (the parent of what it launches);
 *                     connection 1 starts as user 1000, 2 as root
 *                  6: a waiter id (u32) expires, with a reply buffer of
 *                     the next byte's size or a full one
 *                  7: take a reply and an event into buffers of the next
 *                     byte's size, then release (pm_dispatch_handle_release)
 *                     the handle the byte after names: odd, a handle spec
 *                     as in messages; even, a handle an earlier reply issued
 *   s % 8 == 7     failure injection: the next byte arms fail_nth or a rate
 * After every step the sim invariants must hold (pm_sim_check).  At the end
 * every job (each of the job table, and the stand-ins) is killed through
 * the protocol, events are polled, the job
 * handles replies gave are released and every client disconnects: no address space, CSpace or thread may be left and
 * only the harness's own caps; then pm_dispatch_fini and dropping those
 * must leave the sim empty (pm_sim_check_empty).  When the input's length
 * is 3 mod 4 the shell stops abruptly instead: pm_dispatch_fini alone, with
 * processes and connections still live, must leave the sim just as empty.
 * Any violation aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "procmgr/dispatch.h"
#include "procmgr/sim.h"
#include "../tests/support/elfimg.h"

#define MAX_STEPS 64u
#define NJOBS     4u
#define POOL      16u

static struct pm_kernel K;
static pm_dispatch D;
static uint8_t REPLY[PM_DISPATCH_REPLY_CAP];
static uint8_t MSG[4096 + 64];
static pm_dispatch_result RES;
static elfimg IMG_EXEC, IMG_DYN, IMG_INTERP, IMG_ODD;
static uint8_t JUNK[PM_ELF_HEADER_AREA + 4096];   /* not ELF, larger than the header area */
/* I_ODD: an ET_DYN whose PT_INTERP names no interpreter of the table. */
enum { I_EXEC, I_DYN, I_INTERP, I_JUNK, I_EP, I_ODD, NCAPS };
static pm_kcap CAPS[NCAPS];
static pm_dispatch_entry INTERP_TABLE[3], RESOLVE_TABLE[2];
static pm_dhandle POOLH[POOL];
static uint32_t NPOOL;
static uint32_t WAITER;
#define NCONN_IDS 8u
static uint32_t CONNECTED;      /* bit i: connection id i + 1 is connected */

static void require_invariants(void)
{
    pm_sim_violation v = { NULL, 0 };
    if (pm_sim_check(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
}

static void boot_images(void)
{
    static int done;
    static const char ld[] = ELFIMG_DEFAULT_INTERP, musl[] = "/lib/ld-musl-x86_64.so.1",
                      ld32[] = "/lib/ld-linux.so.2";
    if (done)
        return;
    done = 1;
    elfimg_init(&IMG_EXEC, ELFIMG_ET_EXEC, 0);
    elfimg_init(&IMG_DYN, ELFIMG_ET_DYN, ELFIMG_INTERP);
    elfimg_init(&IMG_INTERP, ELFIMG_ET_DYN, 0);
    /* The interpreter gets a PT_LOAD with no file bytes (pure zero fill),
     * after its last one: the mapper's anonymous-only path. */
    int last = elfimg_find(&IMG_INTERP, ELFIMG_PT_LOAD, 2);
    PM_FUZZ_REQUIRE(last >= 0);
    elfimg_phdr bss = IMG_INTERP.ph[last];
    bss.vaddr = bss.paddr = (bss.vaddr & ~0xfffull) + 0x3000;
    bss.offset = 0x2000;
    bss.filesz = 0;
    bss.memsz = 0x1000;
    PM_FUZZ_REQUIRE(elfimg_insert(&IMG_INTERP, (unsigned)last + 1u, &bss) == 0);
    elfimg_init(&IMG_ODD, ELFIMG_ET_DYN, ELFIMG_INTERP);
    IMG_ODD.interp[6] = 'X';          /* same length, another name */
    PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_EXEC) != NULL);
    PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_DYN) != NULL);
    PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_INTERP) != NULL);
    PM_FUZZ_REQUIRE(elfimg_serialize(&IMG_ODD) != NULL);
    /* The lookup walks past an entry of another length first. */
    INTERP_TABLE[0].name = (const uint8_t *)musl;
    INTERP_TABLE[0].name_len = (uint32_t)strlen(musl);
    INTERP_TABLE[1].name = (const uint8_t *)ld;
    INTERP_TABLE[1].name_len = (uint32_t)strlen(ld);
    INTERP_TABLE[2].name = (const uint8_t *)ld32;
    INTERP_TABLE[2].name_len = (uint32_t)strlen(ld32);
    RESOLVE_TABLE[0].name = (const uint8_t *)"bin/true";
    RESOLVE_TABLE[0].name_len = 8;
    RESOLVE_TABLE[1].name = (const uint8_t *)"bin/dyn";
    RESOLVE_TABLE[1].name_len = 7;
}

static void start(void)
{
    pm_dispatch_config cfg;
    PM_FUZZ_REQUIRE(pm_sim_init(&K, NULL) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_EXEC.buf, IMG_EXEC.len, &CAPS[I_EXEC]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_DYN.buf, IMG_DYN.len, &CAPS[I_DYN]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_INTERP.buf, IMG_INTERP.len, &CAPS[I_INTERP]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, JUNK, sizeof JUNK, &CAPS[I_JUNK]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_k_endpoint_create(&K, &CAPS[I_EP]) == PM_OK);
    PM_FUZZ_REQUIRE(pm_sim_image_create(&K, IMG_ODD.buf, IMG_ODD.len, &CAPS[I_ODD]) == PM_OK);
    INTERP_TABLE[0].image = CAPS[I_INTERP];
    INTERP_TABLE[1].image = CAPS[I_INTERP];
    INTERP_TABLE[2].image = CAPS[I_INTERP];
    RESOLVE_TABLE[0].image = CAPS[I_EXEC];
    RESOLVE_TABLE[1].image = CAPS[I_DYN];
    pm_dispatch_config_default(&cfg);
    cfg.interp = INTERP_TABLE;
    cfg.ninterp = 3;
    cfg.resolve = RESOLVE_TABLE;
    cfg.nresolve = 2;
    PM_FUZZ_REQUIRE(pm_dispatch_init(&D, &K, &cfg) == PM_OK);
    PM_FUZZ_REQUIRE(pm_dispatch_connect(&D, 1, 0, 1) == PM_OK);
    PM_FUZZ_REQUIRE(pm_dispatch_connect(&D, 2, 0, 2) == PM_OK);
    /* connection 1 speaks for an ordinary user, connection 2 for root */
    PM_FUZZ_REQUIRE(pm_dispatch_set_principal(&D, 1, 1000) == PM_OK);
    PM_FUZZ_REQUIRE(pm_dispatch_set_principal(&D, 2, PM_DISPATCH_PRINCIPAL_ROOT) == PM_OK);
    CONNECTED = 3u;
    NPOOL = 0;
    WAITER = 0;
}

static pm_dhandle handle_from(uint32_t spec)
{
    static const uint32_t rights[4] = {
        PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT, PM_KR_READ | PM_KR_GRANT,
        PM_KR_GRANT, PM_KR_ALL & ~PM_KR_MANAGE
    };
    pm_dhandle h = { PM_DH_NONE, 0, 0, { 0u, 0u } };
    switch (spec & 3u) {
    case 0:
        h.kind = PM_DH_KCAP;
        if (pm_k_cap_derive(&K, CAPS[(spec >> 2) % NCAPS], rights[(spec >> 5) & 3u],
                            &h.cap) != PM_OK)
            h.kind = PM_DH_NONE;
        break;
    case 1:
        if (NPOOL > 0)
            h = POOLH[(spec >> 2) % NPOOL];
        break;
    case 2:
        h.kind = PM_DH_JOB;
        h.value = (spec >> 2) % NJOBS;
        break;
    default:
        h.kind = (spec >> 2) % 7u;
        h.value = (uint64_t)spec << 16 | spec;
        if (h.kind == PM_DH_JOB)
            h.value %= NJOBS;
        break;
    }
    return h;
}

static void put_le(uint8_t *p, uint32_t n, uint64_t v)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void keep_reply_handles(void)
{
    for (uint32_t i = 0; i < RES.nhandles; i++) {
        if (RES.handles[i].kind == PM_DH_KCAP)
            pm_k_drop(&K, RES.handles[i].cap);
        else if (NPOOL < POOL)
            POOLH[NPOOL++] = RES.handles[i];
    }
}

static void message(pm_fuzz_rd *r, uint32_t s, uint32_t counter)
{
    static pm_dhandle in[PM_PROTO_MAX_HANDLES];
    uint8_t random[PM_DISPATCH_RANDOM_BYTES];
    uint32_t lo = pm_fuzz_byte(r);
    uint32_t len = lo | pm_fuzz_byte(r) << 8;
    uint32_t nb = pm_fuzz_byte(r), n = nb % 9u, i;
    if (nb == 255u) {               /* control data truncated: 65 "arrived" */
        for (i = 0; i < PM_PROTO_MAX_HANDLES; i++)
            in[i] = handle_from(3u);  /* no translation (PM_DH_NONE) */
        n = PM_PROTO_MAX_HANDLES + 1u;
    } else {
        for (i = 0; i < n; i++)
            in[i] = handle_from(pm_fuzz_byte(r));
    }
    if (len > sizeof MSG - 64)
        len = sizeof MSG - 64;
    if (len > r->n - r->off)
        len = (uint32_t)(r->n - r->off);
    memcpy(MSG, r->p + r->off, len);
    r->off += len;
    if ((s & 8u) != 0 && len >= PM_PROTO_HEADER_SIZE) {
        put_le(MSG, 4, PM_PROTO_MAGIC);
        put_le(MSG + 4, 2, 1);
        put_le(MSG + 12, 4, n);
        put_le(MSG + 24, 4, len - PM_PROTO_HEADER_SIZE);
    }
    for (i = 0; i < PM_DISPATCH_RANDOM_BYTES; i++)
        random[i] = (uint8_t)(counter * 31u + i * 7u);
    size_t cap = (s & 0xE0u) == 0xE0u ? PM_DISPATCH_REPLY_CAP - 1u : sizeof REPLY;
    uint32_t conn = 1u + ((s >> 4) & 1u);
    pm_status st = pm_dispatch_message(&D, conn, MSG, len, in, n,
                                       random, REPLY, cap, &RES);
    PM_FUZZ_REQUIRE(st < 1000);
    if (cap < PM_DISPATCH_REPLY_CAP || !(CONNECTED & (1u << (conn - 1u))))
        PM_FUZZ_REQUIRE(RES.action != PM_DISPATCH_REPLY || st != PM_OK);
    PM_FUZZ_REQUIRE(RES.status == st || RES.action == PM_DISPATCH_PARKED);
    if (RES.action == PM_DISPATCH_REPLY) {
        PM_FUZZ_REQUIRE(RES.reply_len >= 36 && RES.reply_len <= sizeof REPLY);
        PM_FUZZ_REQUIRE(st == PM_OK || RES.nhandles == 0);
        if (st == PM_OK) {
            pm_proto_reply rep;
            PM_FUZZ_REQUIRE(pm_proto_decode_reply(REPLY, RES.reply_len, RES.nhandles,
                                                  &rep) == PM_OK);
            keep_reply_handles();
        }
    } else if (RES.action == PM_DISPATCH_PARKED) {
        WAITER = RES.waiter;
    } else {
        PM_FUZZ_REQUIRE(RES.action == PM_DISPATCH_CLOSE && RES.nhandles == 0);
    }
}

static void end_thread(pm_fuzz_rd *r)
{
    uint32_t b = pm_fuzz_byte(r), slot = b % 64u;
    if (D.reg.slot[slot].state == PM_PROC_RUNNING) {
        pm_kcap th = D.reg.slot[slot].thread;
        if (b & 64u)
            (void)pm_sim_thread_exit(&K, th, (int64_t)b);
        else if (b % 6u == 5u)          /* killed from outside procmgr */
            (void)pm_k_thread_kill(&K, th);
        else
            (void)pm_sim_thread_fault(&K, th, (pm_kfault)(1u + b % 6u), b);
    }
    if (!(b & 128u))
        (void)pm_dispatch_poll_events(&D);
}

static void drain(void)
{
    uint32_t conn;
    uint64_t watch;
    uint8_t ev[PM_DISPATCH_EVENT_LEN];
    pm_proto_reply rep;
    while (pm_dispatch_take_reply(&D, &conn, REPLY, sizeof REPLY, &RES) == PM_OK)
        PM_FUZZ_REQUIRE(pm_proto_decode_reply(REPLY, RES.reply_len, 0, &rep) == PM_OK);
    while (pm_dispatch_take_event(&D, &watch, ev, sizeof ev) == PM_OK)
        PM_FUZZ_REQUIRE(pm_proto_decode_reply(ev, sizeof ev, 0, &rep) == PM_OK &&
                        rep.opcode == PM_OP_EVENT);
    (void)pm_dispatch_wait_expire(&D, WAITER, REPLY, sizeof REPLY, &RES);
}

/* Connection churn, expiring arbitrary waiter ids, short buffers and
 * released handles: the shell's side of the dispatcher API. */
static void shell_op(pm_fuzz_rd *r, uint32_t sub)
{
    uint32_t b = pm_fuzz_byte(r), id = 1u + b % NCONN_IDS, conn = 0;
    uint64_t watch;
    uint8_t ev[PM_DISPATCH_EVENT_LEN];
    pm_status st;
    switch (sub) {
    case 4:
        if (b == 0) {               /* every free slot, then back */
            uint32_t extra = 0;
            while (pm_dispatch_connect(&D, 1000u + extra, 0, 0) == PM_OK)
                extra++;
            PM_FUZZ_REQUIRE(extra <= PM_DISPATCH_MAX_CONNS);
            PM_FUZZ_REQUIRE(pm_dispatch_connect(&D, 2000u, 0, 0) == PM_E_CONN_FULL);
            while (extra > 0)
                pm_dispatch_disconnect(&D, 1000u + --extra);
            break;
        }
        st = pm_dispatch_connect(&D, id, b, b >> 4);
        PM_FUZZ_REQUIRE((CONNECTED & (1u << (id - 1u))) ? st == PM_E_K_ARG : st == PM_OK);
        CONNECTED |= 1u << (id - 1u);
        break;
    case 5:
        if (b & 0x80u) {            /* the shell vouches for a principal */
            uint32_t x = pm_fuzz_byte(r);
            uint32_t who = x == 0 ? PM_DISPATCH_PRINCIPAL_ROOT
                         : x == 255 ? PM_DISPATCH_PRINCIPAL_NONE : 1000u + x % 3u;
            st = pm_dispatch_set_principal(&D, id, who);
            PM_FUZZ_REQUIRE((CONNECTED & (1u << (id - 1u))) ? st == PM_OK
                                                            : st == PM_E_NOT_CONNECTED);
            /* and the client's koid: the record in slot x % 16, which
             * may be live, ended or free (the parent of its launches) */
            st = pm_dispatch_set_client(&D, id, D.reg.slot[x % 16u].pid);
            PM_FUZZ_REQUIRE((CONNECTED & (1u << (id - 1u))) ? st == PM_OK
                                                            : st == PM_E_NOT_CONNECTED);
            break;
        }
        pm_dispatch_disconnect(&D, id);
        CONNECTED &= ~(1u << (id - 1u));
        break;
    case 6: {
        uint32_t w = b | pm_fuzz_byte(r) << 8 | pm_fuzz_byte(r) << 16 | pm_fuzz_byte(r) << 24;
        size_t cap = (b & 1u) ? sizeof REPLY : pm_fuzz_byte(r);
        st = pm_dispatch_wait_expire(&D, w, REPLY, cap, &RES);
        PM_FUZZ_REQUIRE(st == PM_OK ? RES.action == PM_DISPATCH_REPLY : RES.action == 0);
        break;
    }
    default: {
        size_t cap = b;
        st = pm_dispatch_take_reply(&D, &conn, REPLY, cap, &RES);
        PM_FUZZ_REQUIRE(st != PM_OK || RES.reply_len <= cap);
        st = pm_dispatch_take_event(&D, &watch, ev, cap < sizeof ev ? cap : sizeof ev);
        PM_FUZZ_REQUIRE(st == PM_OK ? cap >= PM_DISPATCH_EVENT_LEN : st == PM_E_K_NO_EVENT);
        b = pm_fuzz_byte(r);
        if (b & 1u) {
            pm_dhandle h = handle_from(b >> 1);
            pm_dispatch_handle_release(&D, &h);   /* a KCAP is dropped */
        } else if (NPOOL > 0) {
            pm_dispatch_handle_release(&D, &POOLH[(b >> 1) % NPOOL]);
        }
        break;
    }
    }
}

static void finish_and_check(int abrupt)
{
    pm_sim_violation v = { NULL, 0 };
    pm_sim_stats s;
    uint8_t random[PM_DISPATCH_RANDOM_BYTES] = { 0 };
    pm_sim_fail_nth(&K, 0, 0);
    pm_sim_fail_rate(&K, 0, 0, 0);
    if (abrupt) {
        pm_dispatch_fini(&D);
        for (uint32_t i = 0; i < NCAPS; i++)
            pm_k_drop(&K, CAPS[i]);
        if (pm_sim_check_empty(&K, &v) != PM_OK)
            pm_fuzz_fail(v.rule);
        return;
    }
    if (!(CONNECTED & 1u))
        PM_FUZZ_REQUIRE(pm_dispatch_connect(&D, 1, 0, 1) == PM_OK);
    /* every job the dispatcher holds (a process launched without a job
     * or INHERIT_JOB has one of its own), then the stand-ins 0..NJOBS-1 */
    static uint64_t koids[PM_DISPATCH_MAX_JOBS + NJOBS];
    uint32_t nk = 0;
    for (uint32_t j = 0; j < PM_DISPATCH_MAX_JOBS; j++)
        if (D.job[j].in_use)
            koids[nk++] = D.job[j].koid;
    for (uint32_t j = 0; j < NJOBS; j++)
        koids[nk++] = j;
    for (uint32_t j = 0; j < nk; j++) {
        pm_dhandle h = { PM_DH_JOB, 0, koids[j], { 0u, 0u } };
        memset(MSG, 0, 36);
        put_le(MSG, 4, PM_PROTO_MAGIC);
        put_le(MSG + 4, 2, 1);
        put_le(MSG + 6, 2, PM_OP_KILL);
        put_le(MSG + 12, 4, 1);
        put_le(MSG + 24, 4, 4);
        PM_FUZZ_REQUIRE(pm_dispatch_message(&D, 1, MSG, 36, &h, 1, random, REPLY,
                                            sizeof REPLY, &RES) == PM_OK);
    }
    (void)pm_dispatch_poll_events(&D);
    drain();
    /* the shell closes the job handles it was given (JOB_CREATE, JOB_OPEN):
     * a job lives while one names it.  One released twice (a step did it
     * already) only counts down a count that stops at 0. */
    for (uint32_t i = 0; i < NPOOL; i++)
        if (POOLH[i].kind == PM_DH_JOB)
            pm_dispatch_handle_release(&D, &POOLH[i]);
    for (uint32_t id = 1; id <= NCONN_IDS; id++)
        pm_dispatch_disconnect(&D, id);
    pm_sim_stats_get(&K, &s);
    PM_FUZZ_REQUIRE(s.live[PM_KOBJ_AS] == 0 && s.live[PM_KOBJ_CSPACE] == 0 &&
                    s.live[PM_KOBJ_THREAD] == 0 && s.frames_used == 0);
    PM_FUZZ_REQUIRE(s.handles_live == NCAPS && s.handles_tomb == 0);
    pm_dispatch_fini(&D);
    for (uint32_t i = 0; i < NCAPS; i++)
        pm_k_drop(&K, CAPS[i]);
    if (pm_sim_check_empty(&K, &v) != PM_OK)
        pm_fuzz_fail(v.rule);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pm_fuzz_rd r = { data, size, 0 };
    uint32_t steps = 0;
    boot_images();
    start();
    while (r.off < r.n && steps < MAX_STEPS) {
        uint32_t s = pm_fuzz_byte(&r);
        uint32_t b;
        switch (s % 8u) {
        case 5: end_thread(&r); break;
        case 6:
            if (((s >> 3) & 7u) < 3u)
                drain();
            else if (((s >> 3) & 7u) == 3u)
                (void)pm_k_revoke(&K, CAPS[pm_fuzz_byte(&r) % NCAPS]);
            else
                shell_op(&r, (s >> 3) & 7u);
            break;
        case 7:
            b = pm_fuzz_byte(&r);
            if (b & 128u)
                pm_sim_fail_rate(&K, b, (b & 127u) * 2000u, 0);
            else
                pm_sim_fail_nth(&K, b & 63u, 0);
            break;
        default: message(&r, s, steps); break;
        }
        require_invariants();
        steps++;
    }
    finish_and_check(size % 4u == 3u);
    return 0;
}
