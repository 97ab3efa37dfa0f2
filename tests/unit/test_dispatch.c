/*
 * Unit tests of the dispatcher through the sim backend: every operation,
 * every status code the dispatcher can produce (test_every_code_covered
 * walks the PROTO, CORE and KERNEL lists: each code was seen in a scenario
 * or is on the commented "not reachable" list), and a replay of every
 * request vector of spec/protocol-vectors.txt (the "rep" vectors are
 * replies and events, decoded by clients, never sent to the dispatcher).  After every scenario the
 * dispatcher is shut down and the sim must be empty (pm_sim_check_empty).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "procmgr/dispatch.h"
#include "procmgr/sim.h"
#include "../support/elfimg.h"

static struct pm_kernel K;
static pm_dispatch D;
static uint8_t REPLY[PM_DISPATCH_REPLY_CAP];
static pm_dispatch_result RES;
static uint8_t RANDOM[PM_DISPATCH_RANDOM_BYTES];
static int SEEN[1000];

/* Images: a static executable, a dynamic one with PT_INTERP, the interpreter. */
static elfimg IMG_EXEC, IMG_DYN, IMG_INTERP;
static pm_kcap CAP_EXEC, CAP_DYN, CAP_INTERP;
static pm_dispatch_entry INTERP_TABLE[1];
static pm_dispatch_entry RESOLVE_TABLE[3];
static pm_dispatch_config CFG;

#define CONN 7u
#define JOB 5u
static int NO_DECODE;

/* ---- message building ----------------------------------------------------- */

static uint8_t MSG[PM_PROTO_MAX_MSG + 8];
static size_t MLEN;
static uint64_t NEXT_ID = 1;

static void put(uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        MSG[MLEN++] = (uint8_t)(v >> (8 * i));
}
static void begin(uint16_t op, uint32_t nh)
{
    MLEN = 0;
    put(PM_PROTO_MAGIC, 4); put(1, 2); put(op, 2); put(0, 4); put(nh, 4);
    put(NEXT_ID++, 8); put(0, 4); put(0, 4);
}
static void u32(uint32_t v) { put(v, 4); }
static void u64(uint64_t v) { put(v, 8); }
static void str(const char *s)
{
    size_t n = strlen(s);
    u32((uint32_t)n);
    memcpy(MSG + MLEN, s, n);
    MLEN += n;
}
static void finish(void)
{
    uint32_t pl = (uint32_t)(MLEN - 32);
    for (unsigned i = 0; i < 4; i++)
        MSG[24 + i] = (uint8_t)(pl >> (8 * i));
}

static pm_dhandle H[PM_PROTO_MAX_HANDLES];
static pm_proto_reply REP;

static void expect_inv(int line)
{
    pm_sim_violation v = { NULL, 0 };
    if (pm_sim_check(&K, &v) != PM_OK) {
        print_error("line %d: sim invariant: %s (%u)\n", line, v.rule, v.index);
        fail();
    }
}

/* Send MSG with handles H[0, nh); returns the reply status and decodes the
 * reply into REP. */
static pm_status send_n(uint32_t conn, uint32_t nh, int line)
{
    finish();
    pm_status st = pm_dispatch_message(&D, conn, MSG, MLEN, H, nh, RANDOM,
                                       REPLY, sizeof REPLY, &RES);
    expect_inv(line);
    if (st < 1000)
        SEEN[st] = 1;
    if (RES.action == PM_DISPATCH_REPLY && !NO_DECODE) {
        pm_status d = pm_proto_decode_reply(REPLY, RES.reply_len, RES.nhandles, &REP);
        if (d != PM_OK) {
            print_error("line %d: reply does not decode: %s\n", line, pm_status_name(d));
            fail();
        }
        assert_int_equal(REP.status, st);
    }
    return st;
}
#define SEND(nh) send_n(CONN, (nh), __LINE__)

static void expect_st(pm_status got, pm_status want, int line)
{
    if (got != want) {
        print_error("line %d: got %s (%d), expected %s (%d)\n", line,
                    pm_status_name(got), got, pm_status_name(want), want);
        fail();
    }
}
#define ST(expr, want) expect_st((expr), (want), __LINE__)

static pm_dhandle kcap(pm_kcap c) { pm_dhandle h = { PM_DH_KCAP, 0, 0, c }; return h; }
static pm_dhandle proc_h(uint64_t v, uint32_t kind) { pm_dhandle h = { kind, 0, v, PM_KCAP_NULL }; return h; }

/* A derived cap standing for a capability a client transfers. */
static pm_kcap give(pm_kcap orig, uint32_t rights)
{
    pm_kcap c;
    ST(pm_k_cap_derive(&K, orig, rights, &c), PM_OK);
    return c;
}
#define IMG_RIGHTS (PM_KR_READ | PM_KR_EXEC | PM_KR_GRANT)

/* ---- fixture ---------------------------------------------------------------- */

static void images(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    elfimg_init(&IMG_EXEC, ELFIMG_ET_EXEC, 0);
    assert_non_null(elfimg_serialize(&IMG_EXEC));
    elfimg_init(&IMG_DYN, ELFIMG_ET_DYN, ELFIMG_INTERP);
    assert_non_null(elfimg_serialize(&IMG_DYN));
    elfimg_init(&IMG_INTERP, ELFIMG_ET_DYN, 0);
    assert_non_null(elfimg_serialize(&IMG_INTERP));
}

static void start_dispatcher(const pm_sim_config *sc, const pm_dispatch_config *dc)
{
    images();
    ST(pm_sim_init(&K, sc), PM_OK);
    ST(pm_sim_image_create(&K, IMG_EXEC.buf, IMG_EXEC.len, &CAP_EXEC), PM_OK);
    ST(pm_sim_image_create(&K, IMG_DYN.buf, IMG_DYN.len, &CAP_DYN), PM_OK);
    ST(pm_sim_image_create(&K, IMG_INTERP.buf, IMG_INTERP.len, &CAP_INTERP), PM_OK);
    static const char ld[] = ELFIMG_DEFAULT_INTERP;
    INTERP_TABLE[0].name = (const uint8_t *)ld;
    INTERP_TABLE[0].name_len = (uint32_t)strlen(ld);
    INTERP_TABLE[0].image = CAP_INTERP;
    RESOLVE_TABLE[0].name = (const uint8_t *)"bin/true";
    RESOLVE_TABLE[0].name_len = 8;
    RESOLVE_TABLE[0].image = CAP_EXEC;
    RESOLVE_TABLE[1].name = (const uint8_t *)"bin/dyn";
    RESOLVE_TABLE[1].name_len = 7;
    RESOLVE_TABLE[1].image = CAP_DYN;
    RESOLVE_TABLE[2].name = (const uint8_t *)"bin/ld";
    RESOLVE_TABLE[2].name_len = 6;
    RESOLVE_TABLE[2].image = CAP_INTERP;
    if (dc == NULL) {
        pm_dispatch_config_default(&CFG);
    } else {
        CFG = *dc;
    }
    CFG.interp = INTERP_TABLE;
    CFG.ninterp = 1;
    CFG.resolve = RESOLVE_TABLE;
    CFG.nresolve = 3;
    ST(pm_dispatch_init(&D, &K, &CFG), PM_OK);
    ST(pm_dispatch_connect(&D, CONN, 0, JOB), PM_OK);
    for (unsigned i = 0; i < PM_DISPATCH_RANDOM_BYTES; i++)
        RANDOM[i] = (uint8_t)(i * 37u + 11u);
}

static int setup(void **state)
{
    (void)state;
    start_dispatcher(NULL, NULL);
    return 0;
}

/* Images a scenario made (scripts), dropped by teardown after fini. */
static pm_kcap EXTRA_IMG[16];
static uint32_t NEXTRA_IMG;

/* Shut down; with the boot images destroyed the sim must be empty. */
static int teardown(void **state)
{
    (void)state;
    pm_dispatch_fini(&D);
    while (NEXTRA_IMG > 0)
        pm_k_drop(&K, EXTRA_IMG[--NEXTRA_IMG]);
    pm_k_drop(&K, CAP_EXEC);
    pm_k_drop(&K, CAP_DYN);
    pm_k_drop(&K, CAP_INTERP);
    pm_sim_violation v = { NULL, 0 };
    if (pm_sim_check_empty(&K, &v) != PM_OK) {
        print_error("not empty after teardown: %s (%u)\n", v.rule, v.index);
        return -1;
    }
    return 0;
}

/* ---- request helpers ---------------------------------------------------------- */

static pm_status set_info(pm_kcap exe, const char *name)
{
    H[0] = kcap(give(exe, IMG_RIGHTS));
    begin(PM_OP_SET_INFO, 1);
    u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(PM_INFO_INHERIT_JOB); str(name);
    return SEND(1);
}

/* SET_INFO + LAUNCH (or CREATE_WITHOUT_STARTING); the process handle. */
static uint64_t launch(pm_kcap exe, int start)
{
    ST(set_info(exe, "p"), PM_OK);
    begin(start ? PM_OP_LAUNCH : PM_OP_CREATE_WITHOUT_STARTING, 0);
    ST(SEND(0), PM_OK);
    assert_int_equal(RES.nhandles, 2);
    assert_int_equal(RES.handles[0].kind, PM_DH_PROCESS);
    assert_int_equal(RES.handles[1].kind, PM_DH_THREAD);
    return RES.handles[0].value;
}

static pm_status one_handle_op(uint16_t op, pm_dhandle h)
{
    H[0] = h;
    begin(op, 1);
    u32(0);
    return SEND(1);
}
static pm_status query(uint64_t ph) { return one_handle_op(PM_OP_QUERY_PROCESS, proc_h(ph, PM_DH_PROCESS)); }
static pm_status kill_h(pm_dhandle h) { return one_handle_op(PM_OP_KILL, h); }
static pm_status close_h(pm_dhandle h) { return one_handle_op(PM_OP_HANDLE_CLOSE, h); }
static pm_status wait_h(uint64_t ph, uint64_t timeout)
{
    H[0] = proc_h(ph, PM_DH_PROCESS);
    begin(PM_OP_WAIT, 1);
    u32(0); u32(0); u64(timeout);
    return SEND(1);
}
static pm_status dup_h(pm_dhandle h, uint32_t rights)
{
    H[0] = h;
    begin(PM_OP_HANDLE_DUPLICATE, 1);
    u32(0); u32(rights);
    return SEND(1);
}
static pm_kcap thread_of(uint64_t ph)
{
    return D.reg.slot[ph & 0xFFFFu].thread;
}

/* ---- scenarios --------------------------------------------------------------- */

static void test_launch_exit_wait(void **state)
{
    (void)state;
    begin(PM_OP_ADD_ARGS, 0); u32(2); str("/bin/true"); str("-v"); ST(SEND(0), PM_OK);
    begin(PM_OP_ADD_ENVIRONS, 0); u32(1); str("PATH=/bin"); ST(SEND(0), PM_OK);
    uint64_t ph = launch(CAP_EXEC, 1);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    assert_int_equal(REP.name_slice.len, 1);
    ST(wait_h(ph, 0), PM_E_WAIT_TIMED_OUT);
    /* the stack holds argc = 2 at sp */
    uint8_t argc[8];
    ST(pm_sim_as_read(&K, D.reg.slot[ph & 0xFFFF].aspace, D.proc[ph & 0xFFFF].sp, argc, 8), PM_OK);
    assert_int_equal(argc[0], 2);
    /* a blocking wait parks; the exit wakes it */
    ST(wait_h(ph, PM_WAIT_FOREVER), PM_OK);
    assert_int_equal(RES.action, PM_DISPATCH_PARKED);
    uint32_t conn = 0;
    ST(pm_dispatch_take_reply(&D, &conn, REPLY, sizeof REPLY, &RES), PM_E_K_NO_EVENT);
    SEEN[PM_E_K_NO_EVENT] = 1;
    ST(pm_sim_thread_exit(&K, thread_of(ph), 42), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 1);
    ST(pm_dispatch_take_reply(&D, &conn, REPLY, sizeof REPLY, &RES), PM_OK);
    assert_int_equal(conn, CONN);
    ST(pm_proto_decode_reply(REPLY, RES.reply_len, 0, &REP), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_EXITED);
    assert_int_equal(REP.info.exit_code, 42);
    ST(wait_h(ph, 0), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_EXITED);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_E_PROCESS_ENDED);
    /* closing both handles frees the record: the handle is stale */
    ST(close_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    ST(close_h(proc_h(ph, PM_DH_THREAD)), PM_OK);
    ST(query(ph), PM_E_STALE_HANDLE);
}

static void test_dynamic_create_start(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_DYN, 0);
    assert_true(REP.interp_base != 0);
    assert_true(REP.image_base >= CFG.dyn_base);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_CREATED);
    H[0] = proc_h(ph, PM_DH_PROCESS); H[1] = proc_h(ph, PM_DH_PROCESS);
    begin(PM_OP_START, 2); u32(0); u32(1); ST(SEND(2), PM_E_HANDLE_KIND);
    H[0] = proc_h(ph, PM_DH_PROCESS); H[1] = proc_h(ph, PM_DH_THREAD);
    begin(PM_OP_START, 2); u32(0); u32(1); ST(SEND(2), PM_OK);
    H[0] = proc_h(ph, PM_DH_PROCESS); H[1] = proc_h(ph, PM_DH_THREAD);
    begin(PM_OP_START, 2); u32(0); u32(1); ST(SEND(2), PM_E_ALREADY_STARTED);
    uint64_t other = launch(CAP_EXEC, 0);
    H[0] = proc_h(other, PM_DH_PROCESS); H[1] = proc_h(ph, PM_DH_THREAD);
    begin(PM_OP_START, 2); u32(0); u32(1); ST(SEND(2), PM_E_THREAD_MISMATCH);
    ST(kill_h(proc_h(other, PM_DH_PROCESS)), PM_OK);
    H[0] = proc_h(other, PM_DH_PROCESS); H[1] = proc_h(other, PM_DH_THREAD);
    begin(PM_OP_START, 2); u32(0); u32(1); ST(SEND(2), PM_E_PROCESS_ENDED);
    /* faults become FAULTED */
    ST(pm_sim_thread_fault(&K, thread_of(ph), PM_K_FAULT_WRITE, 0x1234), PM_OK);
    pm_dispatch_poll_events(&D);
    ST(wait_h(ph, 0), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_FAULTED);
    assert_int_equal(REP.info.exit_code, PM_K_FAULT_WRITE);
}

static void test_create_process_and_caps(void **state)
{
    (void)state;
    pm_kcap ep;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    H[1] = kcap(give(ep, PM_KR_ALL & ~PM_KR_MANAGE));
    begin(PM_OP_CREATE_PROCESS, 2); u32(0); u32(1); u32(1); u32(5);
    ST(SEND(2), PM_OK);
    uint64_t ph = RES.handles[0].value;
    pm_sim_slot_info si;
    ST(pm_sim_cspace_slot(&K, D.reg.slot[ph & 0xFFFF].cspace, 5, &si), PM_OK);
    assert_int_equal(si.type, PM_KOBJ_ENDPOINT);
    /* duplicate ids within one message */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    H[1] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    H[2] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_CREATE_PROCESS, 3); u32(0); u32(2); u32(1); u32(5); u32(2); u32(5);
    ST(SEND(3), PM_E_DUPLICATE_ID);
    /* startup id beyond the CSpace: the kernel's K_RANGE, nothing left */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    H[1] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_CREATE_PROCESS, 2); u32(0); u32(1); u32(1); u32(1000);
    ST(SEND(2), PM_E_K_RANGE);
    /* a process handle where an image is expected */
    H[0] = proc_h(ph, PM_DH_PROCESS);
    begin(PM_OP_CREATE_PROCESS, 1); u32(0); u32(0);
    ST(SEND(1), PM_E_HANDLE_KIND);
    /* an endpoint as the executable */
    H[0] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_CREATE_PROCESS, 1); u32(0); u32(0);
    ST(SEND(1), PM_E_K_TYPE);
    /* an image cap without READ */
    H[0] = kcap(give(CAP_EXEC, PM_KR_GRANT));
    begin(PM_OP_CREATE_PROCESS, 1); u32(0); u32(0);
    ST(SEND(1), PM_E_K_BAD_RIGHTS);
    /* a cap that names nothing */
    pm_kcap bogus = { 200u, 77u };
    H[0] = kcap(bogus);
    begin(PM_OP_CREATE_PROCESS, 1); u32(0); u32(0);
    ST(SEND(1), PM_E_K_BAD_CAP);
    /* a tombstone */
    pm_kcap mid = give(CAP_EXEC, IMG_RIGHTS | PM_KR_MANAGE), leaf;
    ST(pm_k_cap_derive(&K, mid, IMG_RIGHTS, &leaf), PM_OK);
    ST(pm_k_revoke(&K, mid), PM_OK);
    H[0] = kcap(leaf);
    begin(PM_OP_CREATE_PROCESS, 1); u32(0); u32(0);
    ST(SEND(1), PM_E_K_REVOKED);
    pm_k_drop(&K, mid);
    /* the most caps one message can carry (executable + 63) all fit in the
     * record: the registry is sized for the largest launch the protocol
     * admits, so RECORD_FULL is not reachable (see NOT_REACHABLE) */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_CREATE_PROCESS, PM_PROTO_MAX_HANDLES); u32(0); u32(PM_PROTO_MAX_HANDLES - 1);
    for (uint32_t i = 1; i < PM_PROTO_MAX_HANDLES; i++) {
        H[i] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
        u32(i); u32(i);
    }
    ST(SEND(PM_PROTO_MAX_HANDLES), PM_OK);
    pm_dispatch_fini(&D);   /* the process holds caps derived from ep */
    pm_k_drop(&K, ep);
}

static void test_builder_ops(void **state)
{
    (void)state;
    pm_kcap dir;
    ST(pm_k_endpoint_create(&K, &dir), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_BUILDER_STATE);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    H[1] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_NAMES, 2); u32(2); u32(0); str("/svc"); u32(1); str("/svc/x");
    ST(SEND(2), PM_E_NAMESPACE_OVERLAP);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    H[1] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_NAMES, 2); u32(2); u32(0); str("/svc"); u32(1); str("/svcx");
    ST(SEND(2), PM_OK);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_NAMES, 1); u32(1); u32(0); str("/");
    ST(SEND(1), PM_E_NAMESPACE_OVERLAP);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(3); ST(SEND(1), PM_OK);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(3); ST(SEND(1), PM_E_DUPLICATE_ID);
    /* a name over the builder's 32 bytes (the wire admits 64:
     * spec/protocol.md section 4, issue 18 item 12): 33 and 64 are
     * BUILDER_LIMIT, 65 the codec's STRING_TOO_LONG, 32 accepted */
    ST(set_info(CAP_EXEC, "0123456789012345678901234567890123456789"), PM_E_BUILDER_LIMIT);
    ST(set_info(CAP_EXEC, "012345678901234567890123456789012"), PM_E_BUILDER_LIMIT);
    ST(set_info(CAP_EXEC, "0123456789012345678901234567890123456789012345678901234567890123"),
       PM_E_BUILDER_LIMIT);
    ST(set_info(CAP_EXEC, "01234567890123456789012345678901234567890123456789012345678901234"),
       PM_E_PROTO_STRING_TOO_LONG);
    ST(set_info(CAP_EXEC, "01234567890123456789012345678901"), PM_OK);
    /* a job handle of no job, a job handle, and a wrong-kind job */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS)); H[1] = proc_h(9, PM_DH_JOB);
    begin(PM_OP_SET_INFO, 2); u32(0); u32(1); u32(PM_PROTO_NO_HANDLE); u32(0); str("j");
    ST(SEND(2), PM_E_NO_SUCH_JOB);
    begin(PM_OP_JOB_CREATE, 0); u32(0); ST(SEND(0), PM_OK);
    pm_dhandle jh = RES.handles[0];
    uint64_t jk = REP.koid;
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS)); H[1] = jh;
    begin(PM_OP_SET_INFO, 2); u32(0); u32(1); u32(PM_PROTO_NO_HANDLE); u32(0); str("j");
    ST(SEND(2), PM_OK);
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS)); H[1] = kcap(give(dir, PM_KR_READ));
    begin(PM_OP_SET_INFO, 2); u32(0); u32(1); u32(PM_PROTO_NO_HANDLE); u32(0); str("j");
    ST(SEND(2), PM_E_HANDLE_KIND);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_OK);
    uint64_t ph = RES.handles[0].value;
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.job_koid, jk);
    pm_sim_slot_info si;
    ST(pm_sim_cspace_slot(&K, D.reg.slot[ph & 0xFFFF].cspace, 3, &si), PM_OK);
    ST(pm_sim_cspace_slot(&K, D.reg.slot[ph & 0xFFFF].cspace, 32, &si), PM_OK);
    ST(pm_sim_cspace_slot(&K, D.reg.slot[ph & 0xFFFF].cspace, 33, &si), PM_OK);
    /* builder reset after launch */
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_BUILDER_STATE);
    /* a startup id on a namespace slot: SLOT_OCCUPIED, nothing left */
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_NAMES, 1); u32(1); u32(0); str("/a"); ST(SEND(1), PM_OK);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(32); ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_K_SLOT_OCCUPIED);
    /* the builder fills up (16 x 8000 argument bytes fit, a 17th does not);
     * its image does not fit a 16 KiB stack */
    static char big[8001];
    memset(big, 'a', 8000);
    big[0] = 'A'; big[1] = '=';
    for (int i = 0; i < 8; i++) {
        begin(PM_OP_ADD_ARGS, 0); u32(2); str(big); str(big); ST(SEND(0), PM_OK);
    }
    begin(PM_OP_ADD_ENVIRONS, 0); u32(2); str(big); str(big); ST(SEND(0), PM_OK);
    begin(PM_OP_ADD_ARGS, 0); u32(1); str(big); ST(SEND(0), PM_E_BUILDER_LIMIT);
    ST(set_info(CAP_EXEC, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_STACK_TOO_SMALL);
    /* startup ids are CSpace slots (on Linux: descriptor numbers) of a
     * 64-slot CSpace: 31 is the working directory's when SET_CWD is
     * given, and 64 is out of range (spec/protocol.md section 5, Linux
     * launch conventions; issue 18 item 12) */
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(64); ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_K_RANGE);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(31); ST(SEND(1), PM_OK);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_SET_CWD, 1); u32(0); ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_K_SLOT_OCCUPIED);
    /* a disconnect mid-build leaves nothing behind */
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(3); ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, ""), PM_OK);
    pm_dispatch_disconnect(&D, CONN);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_NOT_CONNECTED);
    pm_dispatch_fini(&D);
    pm_k_drop(&K, dir);
}

static void test_invalid_images(void **state)
{
    (void)state;
    static uint8_t junk[256];
    pm_kcap j;
    ST(pm_sim_image_create(&K, junk, sizeof junk, &j), PM_OK);
    ST(set_info(j, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_ELF_MAGIC);
    pm_k_drop(&K, j);
    /* an interpreter the allowlist does not name */
    D.cfg.ninterp = 0;
    ST(set_info(CAP_DYN, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_INTERP_NOT_ALLOWED);
    D.cfg.ninterp = 1;
    /* an explicit interpreter handle overrides the allowlist */
    H[0] = kcap(give(CAP_DYN, IMG_RIGHTS)); H[1] = kcap(give(CAP_INTERP, IMG_RIGHTS));
    begin(PM_OP_SET_INFO, 2); u32(0); u32(PM_PROTO_NO_HANDLE); u32(1); u32(0); str("");
    ST(SEND(2), PM_OK);
    D.cfg.ninterp = 0;
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_OK);
    D.cfg.ninterp = 1;
    /* an interpreter in the executable role: ELF_INTERP_TYPE for ET_EXEC */
    H[0] = kcap(give(CAP_DYN, IMG_RIGHTS)); H[1] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_SET_INFO, 2); u32(0); u32(PM_PROTO_NO_HANDLE); u32(1); u32(0); str("");
    ST(SEND(2), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_ELF_INTERP_TYPE);
}

static void test_resolve(void **state)
{
    (void)state;
    begin(PM_OP_RESOLVE, 0); str("bin/true"); ST(SEND(0), PM_OK);
    assert_int_equal(RES.nhandles, 1);
    pm_k_drop(&K, RES.handles[0].cap);
    begin(PM_OP_RESOLVE, 0); str("bin/dyn"); ST(SEND(0), PM_OK);
    assert_int_equal(RES.nhandles, 2);
    assert_int_equal(REP.has_interp, 1);
    pm_k_drop(&K, RES.handles[0].cap);
    pm_k_drop(&K, RES.handles[1].cap);
    begin(PM_OP_RESOLVE, 0); str("bin/none"); ST(SEND(0), PM_E_RESOLVE_NOT_FOUND);
    D.cfg.ninterp = 0;
    begin(PM_OP_RESOLVE, 0); str("bin/dyn"); ST(SEND(0), PM_E_INTERP_NOT_ALLOWED);
    D.cfg.ninterp = 1;
}

static void test_list_dup_watch(void **state)
{
    (void)state;
    uint64_t a = launch(CAP_EXEC, 1), b = launch(CAP_EXEC, 1), c = launch(CAP_EXEC, 1);
    begin(PM_OP_LIST_PROCESSES, 0); u32(0); u32(2); u64(0); u64(0); ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 2);
    uint64_t next = REP.next_cursor;
    assert_true(next != 0);
    begin(PM_OP_LIST_PROCESSES, 0); u32(0); u32(2); u64(0); u64(next); ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 1);
    assert_int_equal(REP.next_cursor, 0);
    begin(PM_OP_LIST_PROCESSES, 0); u32(0); u32(2); u64(0); u64(999); ST(SEND(0), PM_E_LIST_CURSOR);
    begin(PM_OP_LIST_PROCESSES, 0); u32(2); u32(2); u64(555); u64(0); ST(SEND(0), PM_E_NO_SUCH_PROCESS);
    begin(PM_OP_LIST_PROCESSES, 0); u32(1); u32(10); u64(JOB); u64(0); ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 3);
    /* spec/protocol.md section 5, LIST_PROCESSES (issue 18 item 12): an
     * unknown job is an empty listing, an unknown parent NO_SUCH_PROCESS,
     * checked before the cursor */
    begin(PM_OP_LIST_PROCESSES, 0); u32(1); u32(10); u64(777); u64(0); ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 0);
    assert_int_equal(REP.next_cursor, 0);
    begin(PM_OP_LIST_PROCESSES, 0); u32(2); u32(2); u64(555); u64(999);
    ST(SEND(0), PM_E_NO_SUCH_PROCESS);
    /* HANDLE_DUPLICATE with rights 0: a handle with no rights (a subset
     * of any), good only to be closed */
    ST(dup_h(proc_h(a, PM_DH_PROCESS), 0), PM_OK);
    uint64_t none = RES.handles[0].value;
    ST(query(none), PM_E_RIGHTS);
    ST(dup_h(proc_h(none, PM_DH_PROCESS), 0), PM_E_RIGHTS);
    ST(close_h(proc_h(none, PM_DH_PROCESS)), PM_OK);
    /* duplicate with fewer rights; more rights refused; the copy lacks KILL */
    ST(dup_h(proc_h(a, PM_DH_PROCESS), PM_RIGHT_QUERY), PM_OK);
    uint64_t weak = RES.handles[0].value;
    ST(dup_h(proc_h(weak, PM_DH_PROCESS), PM_RIGHT_QUERY), PM_E_RIGHTS);
    ST(kill_h(proc_h(weak, PM_DH_PROCESS)), PM_E_RIGHTS);
    ST(dup_h(kcap(give(CAP_EXEC, IMG_RIGHTS)), 1), PM_E_HANDLE_KIND);
    ST(query(weak | 0xFFFFu), PM_E_BAD_HANDLE);
    /* watch a process and a job; events arrive */
    H[0] = proc_h(b, PM_DH_PROCESS);
    begin(PM_OP_WATCH, 1); u32(0); u32(PM_EVENT_ALL); ST(SEND(1), PM_OK);
    pm_dhandle wb = RES.handles[0];
    H[0] = proc_h(JOB, PM_DH_JOB);
    begin(PM_OP_WATCH, 1); u32(0); u32(PM_EVENT_KILLED); ST(SEND(1), PM_OK);
    ST(kill_h(proc_h(b, PM_DH_PROCESS)), PM_OK);
    uint64_t wid; uint8_t ev[PM_DISPATCH_EVENT_LEN];
    ST(pm_dispatch_take_event(&D, &wid, ev, sizeof ev), PM_OK);
    assert_true(wid == wb.value);
    ST(pm_proto_decode_reply(ev, sizeof ev, 0, &REP), PM_OK);
    assert_int_equal(REP.event, PM_EVENT_KILLED);
    ST(pm_dispatch_take_event(&D, &wid, ev, sizeof ev), PM_OK);
    ST(pm_dispatch_take_event(&D, &wid, ev, sizeof ev), PM_E_K_NO_EVENT);
    ST(close_h(wb), PM_OK);
    ST(close_h(wb), PM_E_STALE_HANDLE);
    /* kill a whole job */
    ST(kill_h(proc_h(JOB, PM_DH_JOB)), PM_OK);
    ST(wait_h(c, 0), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_KILLED);
    H[0] = proc_h(a, PM_DH_PROCESS);
    begin(PM_OP_EXIT_PROCESS, 1); u32(0); u32(1); ST(SEND(1), PM_E_PROCESS_ENDED);
    uint64_t e = launch(CAP_EXEC, 1);
    H[0] = proc_h(e, PM_DH_PROCESS);
    begin(PM_OP_EXIT_PROCESS, 1); u32(0); u32(7); ST(SEND(1), PM_OK);
    ST(wait_h(e, 0), PM_OK);
    assert_int_equal(REP.info.exit_code, 7);
}

static void test_tables_full(void **state)
{
    (void)state;
    uint64_t a = launch(CAP_EXEC, 1);
    for (unsigned i = 0; i < PM_DISPATCH_WAITERS_PER_CONN; i++)
        ST(wait_h(a, 1000), PM_OK);
    uint32_t first = RES.waiter;
    ST(wait_h(a, 1000), PM_E_WAITERS_FULL);     /* this connection's bound */
    /* another connection still parks: one client cannot take them all */
    ST(pm_dispatch_connect(&D, 9u, 0, 0), PM_OK);
    H[0] = proc_h(a, PM_DH_PROCESS);
    begin(PM_OP_WAIT, 1);
    u32(0); u32(0); u64(1000);
    ST(send_n(9u, 1, __LINE__), PM_OK);
    assert_int_equal(RES.action, PM_DISPATCH_PARKED);
    pm_dispatch_disconnect(&D, 9u);
    ST(pm_dispatch_wait_expire(&D, first, REPLY, sizeof REPLY, &RES), PM_OK);
    ST(pm_proto_decode_reply(REPLY, RES.reply_len, 0, &REP), PM_OK);
    assert_int_equal(REP.status, PM_E_WAIT_TIMED_OUT);
    ST(pm_dispatch_wait_expire(&D, first, REPLY, sizeof REPLY, &RES), PM_E_K_ARG);
    SEEN[PM_E_K_ARG] = 1;
    for (unsigned i = 0; i < PM_DISPATCH_MAX_WATCHES; i++) {
        H[0] = proc_h(a, PM_DH_PROCESS);
        begin(PM_OP_WATCH, 1); u32(0); u32(1); ST(SEND(1), PM_OK);
    }
    H[0] = proc_h(a, PM_DH_PROCESS);
    begin(PM_OP_WATCH, 1); u32(0); u32(1); ST(SEND(1), PM_E_WATCHES_FULL);
    for (uint32_t i = 100; i < 100 + PM_DISPATCH_MAX_CONNS - 1; i++)
        ST(pm_dispatch_connect(&D, i, 0, 0), PM_OK);
    pm_status st = pm_dispatch_connect(&D, 999, 0, 0);
    ST(st, PM_E_CONN_FULL);
    SEEN[st] = 1;
    /* the AS budget (24): K_NO_OBJECTS, nothing left */
    pm_status last = PM_OK;
    for (int i = 0; i < 30 && last == PM_OK; i++) {
        ST(set_info(CAP_EXEC, ""), PM_OK);
        begin(PM_OP_LAUNCH, 0);
        last = SEND(0);
    }
    ST(last, PM_E_K_NO_OBJECTS);
}

static void test_registry_full(void **state)
{
    (void)state;
    /* ended records stay while their handles are open */
    pm_status st = PM_OK;
    for (unsigned i = 0; i <= PM_REG_CAPACITY && st == PM_OK; i++) {
        ST(set_info(CAP_EXEC, ""), PM_OK);
        begin(PM_OP_LAUNCH, 0);
        st = SEND(0);
        if (st == PM_OK)
            ST(kill_h(RES.handles[0]), PM_OK);
    }
    ST(st, PM_E_REGISTRY_FULL);
}

static void test_kernel_failures(void **state)
{
    (void)state;
    /* every fallible kernel call of a launch, failed in turn: the reply is
     * the injected status and nothing is left */
    for (uint64_t n = 1; n < 64; n++) {
        ST(set_info(CAP_DYN, ""), PM_OK);
        pm_sim_fail_nth(&K, n, 0);
        begin(PM_OP_LAUNCH, 0);
        pm_status st = SEND(0);
        pm_sim_fail_nth(&K, 0, 0);
        if (st == PM_OK) {
            pm_dhandle p = RES.handles[0], t = RES.handles[1];
            ST(kill_h(p), PM_OK);
            ST(close_h(p), PM_OK);
            ST(close_h(t), PM_OK);
            break;
        }
        ST(st, PM_E_K_INJECTED_FAILURE);
        pm_sim_stats s;
        pm_sim_stats_get(&K, &s);
        assert_int_equal(s.live[PM_KOBJ_AS], 0);
        assert_int_equal(s.live[PM_KOBJ_THREAD], 0);
        assert_int_equal(s.live[PM_KOBJ_CSPACE], 0);
        assert_int_equal(s.handles_live, 3);   /* the three boot images */
    }
}

static void test_config_failures(void **state)
{
    (void)state;
    pm_dispatch_config dc;
    pm_sim_config sc;
    pm_dispatch_fini(&D);
    teardown(NULL);
    /* few frames: K_NO_MEMORY */
    pm_sim_config_default(&sc);
    sc.frames = 6;
    start_dispatcher(&sc, NULL);
    ST(set_info(CAP_EXEC, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_K_NO_MEMORY);
    teardown(NULL);
    /* W^X left to the kernel: K_WX */
    pm_dispatch_config_default(&dc);
    dc.policy.flags &= ~PM_ELF_POLICY_WXORX;
    start_dispatcher(NULL, &dc);
    static elfimg wx;
    elfimg_init(&wx, ELFIMG_ET_EXEC, 0);
    wx.ph[elfimg_find(&wx, ELFIMG_PT_LOAD, 1)].flags |= ELFIMG_PF_W;
    assert_non_null(elfimg_serialize(&wx));
    pm_kcap wxc;
    ST(pm_sim_image_create(&K, wx.buf, wx.len, &wxc), PM_OK);
    ST(set_info(wxc, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_K_WX);
    pm_k_drop(&K, wxc);
    teardown(NULL);
    elfimg_free(&wx);
    /* the interpreter placed over the program: K_OVERLAP */
    pm_dispatch_config_default(&dc);
    dc.interp_base = dc.dyn_base;
    dc.interp_window = 0;
    dc.dyn_window = 0;
    start_dispatcher(NULL, &dc);
    ST(set_info(CAP_DYN, ""), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_E_K_OVERLAP);
    teardown(NULL);
    /* a bad configuration */
    pm_dispatch_config_default(&dc);
    dc.stack_size = 3;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    /* a stack window that is not whole pages, or leaves no room below */
    pm_dispatch_config_default(&dc);
    dc.stack_window = 4096u + 1u;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    dc.stack_window = dc.stack_top - dc.stack_size;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    /* outside the kernel's limits (pm_dispatch_cfg_ok, spec/acsl/launch.h):
     * a policy range or page size not the kernel's, a stack above
     * user_limit or reaching below user_min */
    pm_dispatch_config_default(&dc);
    dc.policy.min_vaddr = 0;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    pm_dispatch_config_default(&dc);
    dc.policy.user_limit += 4096u;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    pm_dispatch_config_default(&dc);
    dc.policy.page_size = 8192u;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    pm_dispatch_config_default(&dc);
    dc.stack_top = 0x7ffffffff000ull + 4096u;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    pm_dispatch_config_default(&dc);
    dc.stack_top = 0x10000u + dc.stack_size + 2u * 4096u - 4096u;
    ST(pm_dispatch_init(&D, &K, &dc), PM_E_K_ARG);
    dc.stack_top += 4096u;
    ST(pm_dispatch_init(&D, &K, &dc), PM_OK);
    pm_dispatch_fini(&D);
    start_dispatcher(NULL, NULL);
}

/* With a stack window, the stack top moves by whole pages with random
 * bytes 32..39 and stays inside [stack_top - stack_window, stack_top]. */
static void test_stack_randomized(void **state)
{
    (void)state;
    pm_dispatch_config dc;
    uint64_t sp[4];
    pm_dispatch_fini(&D);
    teardown(NULL);
    pm_dispatch_config_default(&dc);
    dc.stack_window = 64u * 4096u;
    start_dispatcher(NULL, &dc);
    for (unsigned i = 0; i < 4; i++) {
        RANDOM[32] = (uint8_t)(i * 17u);       /* page offsets 0, 17, 34, 51 */
        for (unsigned j = 33; j < 40; j++)
            RANDOM[j] = 0;
        uint64_t ph = launch(CAP_EXEC, 0);
        sp[i] = REP.stack;
        assert_true(sp[i] < dc.stack_top - (uint64_t)i * 17u * 4096u);
        assert_true(sp[i] > dc.stack_top - (uint64_t)i * 17u * 4096u - dc.stack_size);
        if (i > 0)
            assert_int_equal(sp[i - 1] - sp[i], 17u * 4096u);
        ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
        ST(close_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
        ST(close_h(proc_h(ph, PM_DH_THREAD)), PM_OK);
    }
    expect_inv(__LINE__);
}

static void test_close_paths(void **state)
{
    (void)state;
    /* a reply buffer too small: close */
    begin(PM_OP_LAUNCH, 0);
    finish();
    pm_status st = pm_dispatch_message(&D, CONN, MSG, MLEN, H, 0, RANDOM, REPLY, 16, &RES);
    assert_int_equal(RES.action, PM_DISPATCH_CLOSE);
    ST(st, PM_E_PROTO_BUFFER_TOO_SMALL);
    SEEN[st] = 1;
    /* handles of a refused message are dropped */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(0x7F00, 1);
    NO_DECODE = 1;
    ST(SEND(1), PM_E_PROTO_UNKNOWN_OPCODE);
    NO_DECODE = 0;
    assert_int_equal(RES.reply_len, 36);
    assert_int_equal(REPLY[6] | REPLY[7] << 8, 0xFF00);
    /* EVENT's opcode sent to the daemon: the error reply carries the
     * request's opcode | 0x8000, 0xFF01 itself, and is told from an EVENT
     * by its non-zero status and 4-byte payload (spec/protocol.md
     * section 7, issue 18 item 12) */
    begin(0xFF01, 0);
    NO_DECODE = 1;
    ST(SEND(0), PM_E_PROTO_UNKNOWN_OPCODE);
    NO_DECODE = 0;
    assert_int_equal(RES.reply_len, 36);
    assert_int_equal(REPLY[6] | REPLY[7] << 8, 0xFF01);
    assert_int_equal(REPLY[24] | REPLY[25] << 8, 4);
    assert_int_equal(REPLY[32] | REPLY[33] << 8, PM_E_PROTO_UNKNOWN_OPCODE);
    /* a datagram over the maximum */
    begin(PM_OP_LAUNCH, 0);
    MLEN = PM_PROTO_MAX_MSG + 1;
    ST(SEND(0), PM_E_PROTO_TOO_LARGE);
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    MLEN = 10;
    memset(MSG, 0, 10);
    st = pm_dispatch_message(&D, CONN, MSG, MLEN, H, 1, RANDOM, REPLY, sizeof REPLY, &RES);
    ST(st, PM_E_PROTO_TRUNCATED);
    assert_int_equal(RES.action, PM_DISPATCH_CLOSE);
    /* HANDLE_CLOSE of a kcap and of a job are accepted */
    ST(close_h(kcap(give(CAP_EXEC, IMG_RIGHTS))), PM_OK);
    ST(close_h(proc_h(3, PM_DH_JOB)), PM_OK);
    ST(close_h(proc_h(3, PM_DH_NONE)), PM_E_HANDLE_KIND);
    ST(close_h(proc_h(PM_DISPATCH_MAX_WATCHES + 1, PM_DH_WATCH)), PM_E_BAD_HANDLE);
}

/* ---- protocol vectors --------------------------------------------------------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static pm_status status_by_name(const char *name)
{
    for (int s = 0; s < 1000; s++)
        if (strcmp(pm_status_name(s), name) == 0)
            return (pm_status)s;
    fail_msg("unknown status %s", name);
    return PM_OK;
}

static void test_protocol_vectors(void **state)
{
    (void)state;
    static char line[2 * PM_PROTO_MAX_MSG + 512];
    FILE *f = fopen(PROTO_VECTORS, "r");
    assert_non_null(f);
    unsigned n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char name[128], dir[8], expect[64];
        unsigned handles;
        int pos = -1;
        if (line[0] != 'v')
            continue;
        line[strcspn(line, "\n")] = '\0';
        assert_int_equal(sscanf(line, "vector %127s %7s %u %63s %n", name, dir,
                                &handles, expect, &pos), 4);
        if (strcmp(dir, "req") != 0)
            continue;
        MLEN = 0;
        for (const char *p = line + pos; p[0] && p[1] && MLEN < sizeof MSG; p += 2)
            MSG[MLEN++] = (uint8_t)(hexval(p[0]) * 16 + hexval(p[1]));
        for (unsigned i = 0; i < PM_PROTO_MAX_HANDLES; i++)
            H[i] = proc_h(1000 + i, PM_DH_JOB);   /* harmless stand-ins */
        pm_status want = status_by_name(expect);
        pm_status got = pm_dispatch_message(&D, CONN, MSG, MLEN, H, handles, RANDOM,
                                            REPLY, sizeof REPLY, &RES);
        expect_inv(__LINE__);
        if (got < 1000)
            SEEN[got] = 1;
        if (want == PM_E_PROTO_TRUNCATED || want == PM_E_PROTO_BAD_MAGIC) {
            assert_int_equal(RES.action, PM_DISPATCH_CLOSE);
            if (got != want)
                fail_msg("%s: %s, expected %s", name, pm_status_name(got), expect);
        } else if (want != PM_OK) {
            assert_int_equal(RES.action, PM_DISPATCH_REPLY);
            if (got != want)
                fail_msg("%s: %s, expected %s", name, pm_status_name(got), expect);
            assert_int_equal(RES.reply_len, 36);
        } else {
            /* decoded: whatever the action says, it is not a PROTO refusal */
            if (got >= 200 && got <= 299)
                fail_msg("%s: accepted vector refused with %s", name, pm_status_name(got));
        }
        if (RES.action == PM_DISPATCH_REPLY)
            for (unsigned i = 0; i < RES.nhandles; i++)
                pm_dispatch_handle_release(&D, &RES.handles[i]);
        n++;
    }
    fclose(f);
    pm_dispatch_poll_events(&D);
    assert_true(n >= 19);
}

/* ---- OPEN_PROCESS: a handle from a koid, for its owner or root --------------- */

static pm_status open_p(uint32_t conn, uint64_t koid, uint32_t rights)
{
    begin(PM_OP_OPEN_PROCESS, 0);
    u64(koid); u32(rights); u32(0);
    return send_n(conn, 0, __LINE__);
}

static void test_open_process(void **state)
{
    (void)state;
    const uint32_t OTHER = 8u, FRESH = 9u;
    ST(pm_dispatch_set_principal(&D, CONN, 1000), PM_OK);
    ST(pm_dispatch_set_principal(&D, 4242, 1000), PM_E_NOT_CONNECTED);
    ST(pm_dispatch_connect(&D, OTHER, 0, 0), PM_OK);
    ST(pm_dispatch_set_principal(&D, OTHER, 2000), PM_OK);
    ST(pm_dispatch_connect(&D, FRESH, 0, 0), PM_OK);   /* principal NONE */

    uint64_t ph = launch(CAP_EXEC, 0);                 /* created, owner 1000 */
    uint64_t koid = REP.koid;
    assert_int_equal(D.proc[ph & 0xFFFFu].owner, 1000);

    /* the owner gets a handle with exactly the rights it asked for */
    ST(open_p(CONN, koid, PM_RIGHT_WAIT | PM_RIGHT_START), PM_OK);
    assert_int_equal(RES.nhandles, 1);
    assert_int_equal(REP.handle_count, 1);
    pm_dhandle opened = RES.handles[0];
    assert_int_equal(opened.kind, PM_DH_PROCESS);
    assert_int_equal(opened.value >> 48, PM_RIGHT_WAIT | PM_RIGHT_START);
    assert_int_equal(opened.value & 0xFFFFu, ph & 0xFFFFu);
    ST(query(opened.value), PM_E_RIGHTS);              /* no QUERY asked */
    ST(kill_h(opened), PM_E_RIGHTS);
    /* ... and can start the process with it (the thread from the launch) */
    H[0] = opened; H[1] = proc_h(ph, PM_DH_THREAD);
    begin(PM_OP_START, 2); u32(0); u32(1); ST(SEND(2), PM_OK);

    /* START needs no thread handle: a process handle with START suffices */
    uint64_t ph2 = launch(CAP_DYN, 0);
    uint64_t koid2 = REP.koid;
    ST(open_p(CONN, koid2, PM_RIGHT_START), PM_OK);
    H[0] = RES.handles[0];
    begin(PM_OP_START, 1); u32(0); u32(PM_PROTO_NO_HANDLE); ST(SEND(1), PM_OK);
    ST(query(ph2), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    begin(PM_OP_START, 1); u32(0); u32(PM_PROTO_NO_HANDLE); ST(SEND(1), PM_E_ALREADY_STARTED);
    H[0] = proc_h(ph2, PM_DH_PROCESS);
    begin(PM_OP_START, 1); u32(0); u32(PM_PROTO_NO_HANDLE); ST(SEND(1), PM_E_ALREADY_STARTED);

    /* another principal, and a connection nobody vouched for: refused */
    ST(open_p(OTHER, koid, PM_RIGHT_QUERY), PM_E_NOT_OWNER);
    assert_int_equal(RES.nhandles, 0);
    ST(open_p(FRESH, koid, PM_RIGHT_QUERY), PM_E_NOT_OWNER);
    ST(pm_dispatch_set_principal(&D, FRESH, PM_DISPATCH_PRINCIPAL_NONE), PM_OK);
    ST(open_p(FRESH, koid, PM_RIGHT_QUERY), PM_E_NOT_OWNER);
    /* root opens anything */
    ST(pm_dispatch_set_principal(&D, OTHER, PM_DISPATCH_PRINCIPAL_ROOT), PM_OK);
    ST(open_p(OTHER, koid, PM_RIGHTS_ALL), PM_OK);
    pm_dhandle root_h = RES.handles[0];
    assert_int_equal(root_h.value >> 48, PM_RIGHTS_ALL);

    /* bad rights never reach the core; unknown koids have no record */
    ST(open_p(CONN, koid, 0), PM_E_PROTO_FIELD_RANGE);
    ST(open_p(CONN, koid, (1u << 11) | PM_RIGHT_KILL), PM_E_PROTO_BAD_FLAGS);
    ST(open_p(CONN, 0, PM_RIGHT_QUERY), PM_E_NO_SUCH_PROCESS);
    ST(open_p(CONN, koid + 1000, PM_RIGHT_QUERY), PM_E_NO_SUCH_PROCESS);

    /* a process launched by root is root's: 1000 cannot open it */
    ST(pm_dispatch_set_principal(&D, CONN, PM_DISPATCH_PRINCIPAL_ROOT), PM_OK);
    uint64_t rph = launch(CAP_EXEC, 1);
    uint64_t rkoid = REP.koid;
    ST(pm_dispatch_set_principal(&D, CONN, 1000), PM_OK);
    ST(open_p(CONN, rkoid, PM_RIGHT_QUERY), PM_E_NOT_OWNER);
    ST(kill_h(proc_h(rph, PM_DH_PROCESS)), PM_OK);

    /* ended: still open while a handle lives, WAIT gives the final record */
    ST(kill_h(root_h), PM_OK);
    ST(open_p(CONN, koid, PM_RIGHT_WAIT), PM_OK);
    pm_dhandle late = RES.handles[0];
    ST(wait_h(late.value, 0), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_KILLED);
    assert_int_equal(REP.info.koid, koid);
    /* every handle closed: the record is collected, the koid is gone */
    ST(close_h(late), PM_OK);
    ST(close_h(root_h), PM_OK);
    ST(close_h(opened), PM_OK);
    ST(close_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    ST(open_p(CONN, koid, PM_RIGHT_WAIT), PM_OK);      /* thread handle still open */
    pm_dispatch_handle_release(&D, &RES.handles[0]);
    ST(close_h(proc_h(ph, PM_DH_THREAD)), PM_OK);
    ST(open_p(CONN, koid, PM_RIGHT_WAIT), PM_E_NO_SUCH_PROCESS);
    ST(query(ph), PM_E_STALE_HANDLE);
}

/* ---- LOOKUP_PROCESS and the ring of recent ends (issue 20) ------------------ */

static uint64_t koid_of(uint64_t ph);

static pm_status lookup_k(uint32_t conn, uint64_t koid)
{
    begin(PM_OP_LOOKUP_PROCESS, 0);
    u64(koid); u32(0);
    return send_n(conn, 0, __LINE__);
}

static pm_status list_ended(uint32_t max, uint64_t cursor)
{
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_ENDED); u32(max); u64(0); u64(cursor);
    return SEND(0);
}

/* Is koid in the LIST_PROCESSES reply just decoded? */
static int listed(uint64_t koid)
{
    pm_proto_info e;
    for (uint32_t i = 0; i < REP.list_count; i++)
        if (pm_proto_reply_list_entry(REPLY, RES.reply_len, &REP, i, &e) == PM_OK &&
            e.koid == koid)
            return 1;
    return 0;
}

/* A live record, then ended, then collected: LOOKUP says the same record
 * all along (the sim: no host pid, no clock), collected from the ring;
 * the owner and root only; LIST_PROCESSES ENDED lists the ring in koid
 * order; the ring keeps the last PM_DISPATCH_ENDED_RING ends. */
static void test_ended_ring(void **state)
{
    (void)state;
    const uint32_t OTHER = 8u;
    ST(pm_dispatch_set_principal(&D, CONN, 1000), PM_OK);
    ST(pm_dispatch_connect(&D, OTHER, 0, 0), PM_OK);
    ST(pm_dispatch_set_principal(&D, OTHER, 2000), PM_OK);

    uint64_t ph = launch(CAP_EXEC, 1);
    uint64_t koid = koid_of(ph);
    ST(lookup_k(CONN, koid), PM_OK);
    assert_int_equal(REP.info.koid, koid);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    assert_int_equal(REP.lookup.pid, 0);            /* the sim has no host pid */
    assert_int_equal(REP.lookup.end_time_ns, 0);
    assert_int_equal(REP.lookup.wait_status, 0);
    assert_int_equal(REP.lookup.collected, 0);
    assert_int_equal(REP.name_slice.len, 1);
    assert_memory_equal(REPLY + REP.name_slice.off, "p", 1);
    ST(lookup_k(OTHER, koid), PM_E_NOT_OWNER);
    ST(lookup_k(CONN, koid + 1000), PM_E_NO_SUCH_PROCESS);
    ST(lookup_k(CONN, 0), PM_E_PROTO_FIELD_RANGE);

    /* ended, handles still open: the record, not yet the ring */
    ST(pm_sim_thread_exit(&K, thread_of(ph), 3), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 1);
    ST(lookup_k(CONN, koid), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_EXITED);
    assert_int_equal(REP.lookup.wait_status, 3u << 8);
    assert_int_equal(REP.lookup.collected, 0);
    ST(list_ended(PM_PROTO_MAX_LIST, 0), PM_OK);
    assert_int_equal(REP.list_count, 0);

    /* collected: only the ring knows it */
    ST(close_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    ST(close_h(proc_h(ph, PM_DH_THREAD)), PM_OK);
    ST(open_p(CONN, koid, PM_RIGHT_WAIT), PM_E_NO_SUCH_PROCESS);
    ST(lookup_k(CONN, koid), PM_OK);
    assert_int_equal(REP.info.koid, koid);
    assert_int_equal(REP.info.state, PM_STATE_EXITED);
    assert_int_equal(REP.info.exit_code, 3);
    assert_int_equal(REP.lookup.wait_status, 3u << 8);
    assert_int_equal(REP.lookup.collected, PM_LOOKUP_COLLECTED);
    assert_int_equal(REP.name_slice.len, 1);
    ST(lookup_k(OTHER, koid), PM_E_NOT_OWNER);
    ST(pm_dispatch_set_principal(&D, OTHER, PM_DISPATCH_PRINCIPAL_ROOT), PM_OK);
    ST(lookup_k(OTHER, koid), PM_OK);
    begin(PM_OP_LIST_PROCESSES, 0); u32(PM_LIST_ALL); u32(PM_PROTO_MAX_LIST); u64(0); u64(0);
    ST(SEND(0), PM_OK);
    assert_false(listed(koid));
    ST(list_ended(PM_PROTO_MAX_LIST, 0), PM_OK);
    assert_int_equal(REP.list_count, 1);
    assert_true(listed(koid));
    assert_int_equal(REP.next_cursor, 0);
    /* the cursor rule of LIST_PROCESSES: a koid already issued */
    ST(list_ended(1, D.reg.next_pid), PM_E_LIST_CURSOR);

    /* a kill by procmgr of a process nobody holds: collected at its end,
     * its wait status SIGKILL's */
    uint64_t ph2 = launch(CAP_EXEC, 1);
    uint64_t koid2 = koid_of(ph2);
    ST(close_h(proc_h(ph2, PM_DH_THREAD)), PM_OK);
    ST(kill_h(proc_h(ph2, PM_DH_PROCESS)), PM_OK);
    ST(close_h(proc_h(ph2, PM_DH_PROCESS)), PM_OK);
    ST(lookup_k(CONN, koid2), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_KILLED);
    assert_int_equal(REP.lookup.wait_status, 9);
    assert_int_equal(REP.lookup.collected, PM_LOOKUP_COLLECTED);

    /* PM_DISPATCH_ENDED_RING more ends: the oldest two leave the ring */
    uint64_t first = 0, last = 0;
    for (uint32_t i = 0; i < PM_DISPATCH_ENDED_RING; i++) {
        uint64_t p = launch(CAP_EXEC, 1);
        last = koid_of(p);
        if (i == 0)
            first = last;
        ST(pm_sim_thread_exit(&K, thread_of(p), i & 0xFFu), PM_OK);
        assert_int_equal(pm_dispatch_poll_events(&D), 1);
        ST(close_h(proc_h(p, PM_DH_PROCESS)), PM_OK);
        ST(close_h(proc_h(p, PM_DH_THREAD)), PM_OK);
    }
    assert_int_equal(D.ended_count, PM_DISPATCH_ENDED_RING);
    ST(lookup_k(CONN, koid), PM_E_NO_SUCH_PROCESS);
    ST(lookup_k(CONN, koid2), PM_E_NO_SUCH_PROCESS);
    ST(lookup_k(CONN, first), PM_OK);
    assert_int_equal(REP.info.exit_code, 0);
    ST(lookup_k(CONN, last), PM_OK);
    assert_int_equal(REP.info.exit_code, (PM_DISPATCH_ENDED_RING - 1u) & 0xFFu);
    assert_int_equal(REP.lookup.wait_status, ((PM_DISPATCH_ENDED_RING - 1u) & 0xFFu) << 8);
    /* listed in koid order, page by page */
    uint64_t cursor = 0, prev = 0;
    uint32_t total = 0;
    do {
        ST(list_ended(100, cursor), PM_OK);
        for (uint32_t i = 0; i < REP.list_count; i++) {
            pm_proto_info e;
            ST(pm_proto_reply_list_entry(REPLY, RES.reply_len, &REP, i, &e), PM_OK);
            assert_true(e.koid > prev);
            assert_int_equal(e.state, PM_STATE_EXITED);
            prev = e.koid;
            total++;
        }
        cursor = REP.next_cursor;
    } while (cursor != 0);
    assert_int_equal(total, PM_DISPATCH_ENDED_RING);
    assert_int_equal(prev, last);
}

/* ---- `#!` scripts (spec/scripts.md) ------------------------------------------ */

static pm_dispatch_entry SCRIPT_TABLE[4];

/* An image of the given bytes, dropped by teardown. */
static pm_kcap text_image(const char *text, size_t len)
{
    assert_true(NEXTRA_IMG < sizeof EXTRA_IMG / sizeof EXTRA_IMG[0]);
    ST(pm_sim_image_create(&K, (const uint8_t *)text, len, &EXTRA_IMG[NEXTRA_IMG]), PM_OK);
    return EXTRA_IMG[NEXTRA_IMG++];
}
#define TEXT(s) text_image((s), sizeof(s) - 1)

/* The dispatcher again with a script table: /bin/sh is the dynamic test
 * program (PT_INTERP, handled as usual), /bin/static the static one,
 * /bin/nested a script, /bin/badnest a malformed one. */
static void start_with_scripts(void)
{
    pm_dispatch_fini(&D);
    SCRIPT_TABLE[0].name = (const uint8_t *)"/bin/sh";
    SCRIPT_TABLE[0].name_len = 7;
    SCRIPT_TABLE[0].image = CAP_DYN;
    SCRIPT_TABLE[1].name = (const uint8_t *)"/bin/static";
    SCRIPT_TABLE[1].name_len = 11;
    SCRIPT_TABLE[1].image = CAP_EXEC;
    SCRIPT_TABLE[2].name = (const uint8_t *)"/bin/nested";
    SCRIPT_TABLE[2].name_len = 11;
    SCRIPT_TABLE[2].image = TEXT("#!/bin/sh\n");
    SCRIPT_TABLE[3].name = (const uint8_t *)"/bin/badnest";
    SCRIPT_TABLE[3].name_len = 12;
    SCRIPT_TABLE[3].image = TEXT("#!\n");      /* a malformed "#!" file */
    CFG.script = SCRIPT_TABLE;
    CFG.nscript = 4;
    ST(pm_dispatch_init(&D, &K, &CFG), PM_OK);
    ST(pm_dispatch_connect(&D, CONN, 0, JOB), PM_OK);
}

/* The child's argv, read back from its stack: *argc and up to 8 strings. */
static char ARGV[8][300];
static uint64_t read_argv(uint64_t ph)
{
    pm_kcap as = D.reg.slot[ph & 0xFFFF].aspace;
    uint64_t sp = D.proc[ph & 0xFFFF].sp, argc = 0;
    uint8_t w[8];
    ST(pm_sim_as_read(&K, as, sp, w, 8), PM_OK);
    for (unsigned i = 0; i < 8; i++)
        argc |= (uint64_t)w[i] << (8 * i);
    for (uint64_t a = 0; a < argc && a < 8; a++) {
        uint64_t p = 0;
        ST(pm_sim_as_read(&K, as, sp + 8 + 8 * a, w, 8), PM_OK);
        for (unsigned i = 0; i < 8; i++)
            p |= (uint64_t)w[i] << (8 * i);
        size_t n = 0;
        do {
            ST(pm_sim_as_read(&K, as, p + n, (uint8_t *)&ARGV[a][n], 1), PM_OK);
        } while (ARGV[a][n] != 0 && ++n < sizeof ARGV[a] - 1);
        ARGV[a][sizeof ARGV[a] - 1] = 0;
    }
    return argc;
}

/* The child's AT_EXECFN string, read back from its stack (argv, envp,
 * then the auxiliary vector up to AT_NULL); "" when there is none. */
static char EXECFN[PM_BUILDER_EXECFN_MAX + 2];
static uint64_t stack_word(pm_kcap as, uint64_t at)
{
    uint8_t w[8];
    uint64_t v = 0;
    ST(pm_sim_as_read(&K, as, at, w, 8), PM_OK);
    for (unsigned i = 0; i < 8; i++)
        v |= (uint64_t)w[i] << (8 * i);
    return v;
}
static const char *read_execfn(uint64_t ph)
{
    pm_kcap as = D.reg.slot[ph & 0xFFFF].aspace;
    uint64_t p = D.proc[ph & 0xFFFF].sp;
    p += 8 * (stack_word(as, p) + 2);           /* argc, argv, NULL */
    while (stack_word(as, p) != 0)              /* envp */
        p += 8;
    EXECFN[0] = 0;
    for (p += 8; stack_word(as, p) != PM_AT_NULL; p += 16) {
        if (stack_word(as, p) == PM_AT_EXECFN) {
            uint64_t a = stack_word(as, p + 8);
            size_t n = 0;
            do {
                ST(pm_sim_as_read(&K, as, a + n, (uint8_t *)&EXECFN[n], 1), PM_OK);
            } while (EXECFN[n] != 0 && ++n < sizeof EXECFN - 1);
            EXECFN[sizeof EXECFN - 1] = 0;
        }
    }
    return EXECFN;
}

static void expect_image_at(uint64_t ph, uint32_t slot)
{
    pm_sim_slot_info si;
    ST(pm_sim_cspace_slot(&K, D.reg.slot[ph & 0xFFFF].cspace, slot, &si), PM_OK);
    assert_int_equal(si.type, PM_KOBJ_IMAGE);
}

static pm_status launch_script(pm_kcap script)
{
    ST(set_info(script, "script"), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    return SEND(0);
}

static void test_script_launch(void **state)
{
    (void)state;
    start_with_scripts();
    pm_kcap s1 = TEXT("#!/bin/sh -e\necho hi\n");
    /* argv: [interp as written, its argument, the script, argv[1..]] */
    begin(PM_OP_ADD_ARGS, 0); u32(3); str("./s1"); str("a"); str("b c"); ST(SEND(0), PM_OK);
    ST(launch_script(s1), PM_OK);
    uint64_t ph = RES.handles[0].value;
    assert_int_equal(D.proc[ph & 0xFFFF].has_interp, 1);   /* /bin/sh's PT_INTERP, as usual */
    assert_int_equal(read_argv(ph), 5);
    assert_string_equal(ARGV[0], "/bin/sh");
    assert_string_equal(ARGV[1], "-e");
    assert_string_equal(ARGV[2], "/dev/fd/3");
    assert_string_equal(ARGV[3], "a");
    assert_string_equal(ARGV[4], "b c");
    expect_image_at(ph, 3);
    /* the program mapped is the interpreter: its entry, not the script's */
    assert_int_equal(D.reg.slot[ph & 0xFFFF].nextra, 3);   /* script, /bin/sh, ld */

    /* startup ids 3 and 4 taken: the script goes to the lowest free id */
    pm_kcap ep;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    H[0] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    H[1] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    H[2] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 3); u32(3); u32(0); u32(4); u32(1); u32(0); u32(2); u32(3);
    ST(SEND(3), PM_OK);
    ST(launch_script(TEXT("#!/bin/static\n")), PM_OK);
    ph = RES.handles[0].value;
    assert_int_equal(D.proc[ph & 0xFFFF].has_interp, 0);
    assert_int_equal(read_argv(ph), 2);     /* no argv from the builder */
    assert_string_equal(ARGV[0], "/bin/static");
    assert_string_equal(ARGV[1], "/dev/fd/5");
    expect_image_at(ph, 5);

    /* CREATE_PROCESS runs a script the same way */
    H[0] = kcap(give(TEXT("#!/bin/static   one arg  \n"), IMG_RIGHTS));
    begin(PM_OP_CREATE_PROCESS, 1); u32(0); u32(0);
    ST(SEND(1), PM_OK);
    ph = RES.handles[0].value;
    assert_int_equal(read_argv(ph), 3);
    assert_string_equal(ARGV[0], "/bin/static");
    assert_string_equal(ARGV[1], "one arg");
    assert_string_equal(ARGV[2], "/dev/fd/3");
    pm_dispatch_fini(&D);   /* the processes hold caps derived from ep */
    pm_k_drop(&K, ep);
}

/* SET_EXECFN (issue 15): AT_EXECFN is the exec filename, up to 4095
 * bytes, apart from the process name; without it, the name; forgotten by
 * the builder's reset; kept over a later SET_INFO; a script's too. */
static void test_execfn(void **state)
{
    (void)state;
    static char path[PM_PROTO_MAX_EXECFN + 2];
    memset(path, 'd', sizeof path);
    path[0] = '/';
    path[PM_PROTO_MAX_EXECFN] = 0;
    begin(PM_OP_ADD_ARGS, 0); u32(1); str("prog"); ST(SEND(0), PM_OK);
    uint64_t ph = launch(CAP_EXEC, 1);
    assert_string_equal(read_execfn(ph), "p");          /* the name */
    begin(PM_OP_SET_EXECFN, 0); str(path); ST(SEND(0), PM_OK);
    begin(PM_OP_ADD_ARGS, 0); u32(1); str("prog"); ST(SEND(0), PM_OK);
    ph = launch(CAP_DYN, 1);                              /* SET_INFO after it */
    assert_string_equal(read_execfn(ph), path);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.name_slice.len, 1);             /* the name stays "p" */
    begin(PM_OP_ADD_ARGS, 0); u32(1); str("prog"); ST(SEND(0), PM_OK);
    ph = launch(CAP_EXEC, 1);                             /* reset: the name again */
    assert_string_equal(read_execfn(ph), "p");
    /* SET_INFO first, then SET_EXECFN (replaced once) */
    ST(set_info(CAP_EXEC, "q"), PM_OK);
    begin(PM_OP_SET_EXECFN, 0); str("./first"); ST(SEND(0), PM_OK);
    begin(PM_OP_SET_EXECFN, 0); str("./relative/prog"); ST(SEND(0), PM_OK);
    begin(PM_OP_ADD_ARGS, 0); u32(1); str("prog"); ST(SEND(0), PM_OK);
    begin(PM_OP_LAUNCH, 0); ST(SEND(0), PM_OK);
    assert_string_equal(read_execfn(RES.handles[0].value), "./relative/prog");
    /* hostile: too long, empty, NUL: refused, the builder as it was */
    path[PM_PROTO_MAX_EXECFN] = 'd';
    path[PM_PROTO_MAX_EXECFN + 1] = 0;
    begin(PM_OP_SET_EXECFN, 0); str(path); ST(SEND(0), PM_E_PROTO_STRING_TOO_LONG);
    begin(PM_OP_SET_EXECFN, 0); str(""); ST(SEND(0), PM_E_PROTO_STRING_EMPTY);
    begin(PM_OP_SET_EXECFN, 0); u32(3); MSG[MLEN++] = '/'; MSG[MLEN++] = 0; MSG[MLEN++] = 'x';
    ST(SEND(0), PM_E_PROTO_EMBEDDED_NUL);
    begin(PM_OP_ADD_ARGS, 0); u32(1); str("prog"); ST(SEND(0), PM_OK);
    ph = launch(CAP_EXEC, 1);
    assert_string_equal(read_execfn(ph), "p");
}

static void test_script_execfn(void **state)
{
    (void)state;
    start_with_scripts();
    const char *spath = "/a/directory/deeper/than/thirty-two/bytes/the-script";
    begin(PM_OP_ADD_ARGS, 0); u32(1); str(spath); ST(SEND(0), PM_OK);
    begin(PM_OP_SET_EXECFN, 0); str(spath); ST(SEND(0), PM_OK);
    ST(launch_script(TEXT("#!/bin/sh\necho hi\n")), PM_OK);
    uint64_t ph = RES.handles[0].value;
    assert_int_equal(read_argv(ph), 2);
    assert_string_equal(ARGV[1], "/dev/fd/3");
    assert_string_equal(read_execfn(ph), spath);        /* the script's path */
    pm_dispatch_fini(&D);
}

static void test_script_refused(void **state)
{
    (void)state;
    start_with_scripts();
    pm_sim_stats before, after;
    pm_sim_stats_get(&K, &before);
    ST(launch_script(TEXT("#!/usr/bin/perl\n")), PM_E_SCRIPT_NOT_ALLOWED);
    ST(launch_script(TEXT("#!/bin/sh\r\n")), PM_E_SCRIPT_NOT_ALLOWED);
    ST(launch_script(TEXT("#!/bin/nested\n")), PM_E_SCRIPT_NESTED);
    ST(launch_script(TEXT("#!/bin/badnest\n")), PM_E_SCRIPT_NESTED);
    ST(launch_script(TEXT("#!sh\n")), PM_E_SCRIPT_INTERP);
    static char longline[400];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "#!/bin/sh ", 10);
    longline[sizeof longline - 1] = '\n';
    ST(launch_script(text_image(longline, sizeof longline)), PM_E_SCRIPT_LINE);
    ST(launch_script(TEXT("#!/bin/sh\0\n")), PM_E_SCRIPT_LINE);
    /* a "#!" that is not ELF is not validated as ELF: only the allowlist */
    pm_sim_stats_get(&K, &after);
    assert_int_equal(after.live[PM_KOBJ_AS], before.live[PM_KOBJ_AS]);
    assert_int_equal(after.live[PM_KOBJ_CSPACE], before.live[PM_KOBJ_CSPACE]);
    assert_int_equal(after.handles_live, before.handles_live + 7);   /* the 7 images */
}

static void test_script_limits(void **state)
{
    (void)state;
    CFG.stack_size = 256u << 10;     /* room for 4096 arguments */
    start_with_scripts();
    pm_kcap s = TEXT("#!/bin/static -x\n");
    /* argv at the builder's count bound: the script's extra entries do not
     * fit (without the script the same builder launches) */
    for (uint32_t m = 0; m < PM_BUILDER_MAX_ARGS / PM_PROTO_MAX_ITEMS; m++) {
        begin(PM_OP_ADD_ARGS, 0); u32(PM_PROTO_MAX_ITEMS);
        for (uint32_t i = 0; i < PM_PROTO_MAX_ITEMS; i++)
            str("x");
        ST(SEND(0), PM_OK);
    }
    ST(launch_script(s), PM_E_BUILDER_LIMIT);
    /* two entries under the bound: argv[0] is replaced by three */
    for (uint32_t m = 0; m < PM_BUILDER_MAX_ARGS / PM_PROTO_MAX_ITEMS; m++) {
        begin(PM_OP_ADD_ARGS, 0); u32(m == 0 ? PM_PROTO_MAX_ITEMS - 2 : PM_PROTO_MAX_ITEMS);
        for (uint32_t i = 0; i < (m == 0 ? PM_PROTO_MAX_ITEMS - 2 : PM_PROTO_MAX_ITEMS); i++)
            str("x");
        ST(SEND(0), PM_OK);
    }
    ST(launch_script(s), PM_OK);
    /* argument bytes one under the builder's byte bound, argv[0] one byte:
     * the script's 22 bytes for that one do not fit */
    static char big[PM_PROTO_MAX_ARG_LEN + 1];
    memset(big, 'y', sizeof big - 1);
    begin(PM_OP_ADD_ARGS, 0); u32(1); str("x"); ST(SEND(0), PM_OK);
    for (int m = 0; m < 3; m++) {
        begin(PM_OP_ADD_ARGS, 0); u32(1); str(big); ST(SEND(0), PM_OK);
    }
    big[PM_BUILDER_ARG_BYTES - 1 - 1 - 3 * PM_PROTO_MAX_ARG_LEN] = 0;
    begin(PM_OP_ADD_ARGS, 0); u32(1); str(big); ST(SEND(0), PM_OK);
    assert_int_equal(D.conn[0].builder.args.used, PM_BUILDER_ARG_BYTES - 1);
    ST(launch_script(s), PM_E_BUILDER_LIMIT);
    /* the script counts as a startup handle: 64 given leave no room */
    pm_kcap ep;
    ST(pm_k_endpoint_create(&K, &ep), PM_OK);
    for (uint32_t m = 0; m < 2; m++) {
        begin(PM_OP_ADD_HANDLES, 32); u32(32);
        for (uint32_t i = 0; i < 32; i++) {
            H[i] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
            u32(i); u32(100 + 32 * m + i);
        }
        ST(SEND(32), PM_OK);
    }
    ST(launch_script(s), PM_E_BUILDER_LIMIT);
    /* every id below the working-directory and namespace slots taken: no
     * id for the script */
    begin(PM_OP_ADD_HANDLES, 29); u32(29);
    for (uint32_t i = 0; i < 29; i++) {
        H[i] = kcap(give(ep, PM_KR_READ | PM_KR_GRANT));
        u32(i); u32(3 + i);
    }
    ST(SEND(29), PM_OK);
    ST(launch_script(s), PM_E_BUILDER_LIMIT);
    pm_dispatch_fini(&D);
    pm_k_drop(&K, ep);
}

static void test_script_kernel_failures(void **state)
{
    (void)state;
    start_with_scripts();
    pm_kcap s = TEXT("#!/bin/sh -e\n");
    pm_sim_stats base;
    pm_sim_stats_get(&K, &base);
    /* every fallible kernel call of a script launch, failed in turn */
    for (uint64_t n = 1; n < 80; n++) {
        ST(set_info(s, ""), PM_OK);
        pm_sim_fail_nth(&K, n, 0);
        begin(PM_OP_LAUNCH, 0);
        pm_status st = SEND(0);
        pm_sim_fail_nth(&K, 0, 0);
        if (st == PM_OK) {
            pm_dhandle p = RES.handles[0], t = RES.handles[1];
            ST(kill_h(p), PM_OK);
            ST(close_h(p), PM_OK);
            ST(close_h(t), PM_OK);
            break;
        }
        ST(st, PM_E_K_INJECTED_FAILURE);
        pm_sim_stats now;
        pm_sim_stats_get(&K, &now);
        assert_int_equal(now.live[PM_KOBJ_AS], 0);
        assert_int_equal(now.live[PM_KOBJ_THREAD], 0);
        assert_int_equal(now.live[PM_KOBJ_CSPACE], 0);
        assert_int_equal(now.handles_live, base.handles_live);
    }
}

/* ---- control: SIGNAL, SUSPEND, RESUME, SET_PRIORITY (issue 6) --------------- */

static pm_status signal_h(pm_dhandle h, uint32_t sig)
{
    H[0] = h;
    begin(PM_OP_SIGNAL, 1);
    u32(0); u32(sig); u64(0);
    return SEND(1);
}
static pm_status priority_h(pm_dhandle h, uint32_t level)
{
    H[0] = h;
    begin(PM_OP_SET_PRIORITY, 1);
    u32(0); u32(level);
    return SEND(1);
}
static pm_status suspend_h(pm_dhandle h) { return one_handle_op(PM_OP_SUSPEND, h); }
static pm_status resume_h(pm_dhandle h) { return one_handle_op(PM_OP_RESUME, h); }
static pm_sim_thread_info thread_info(uint64_t ph)
{
    pm_sim_thread_info ti;
    ST(pm_sim_thread_info_get(&K, thread_of(ph), &ti), PM_OK);
    return ti;
}
/* The record of an ended process (WAIT with timeout 0). */
static void expect_end(uint64_t ph, uint32_t state, uint32_t code)
{
    ST(wait_h(ph, 0), PM_OK);
    assert_int_equal(REP.info.state, state);
    assert_int_equal(REP.info.exit_code, code);
}
static void close_both(uint64_t ph)
{
    ST(close_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    ST(close_h(proc_h(ph, PM_DH_THREAD)), PM_OK);
}

/* A terminating signal ends the process through its kernel event: KILLED
 * with the signal as code; an ignored one changes nothing. */
static void test_signal(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_EXEC, 1);
    pm_dhandle p = proc_h(ph, PM_DH_PROCESS);
    ST(signal_h(p, PM_K_SIGCHLD), PM_OK);
    assert_int_equal(thread_info(ph).last_signal, PM_K_SIGCHLD);
    assert_int_equal(pm_dispatch_poll_events(&D), 0);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    ST(signal_h(p, PM_K_SIGTERM), PM_OK);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);   /* until the event */
    assert_int_equal(pm_dispatch_poll_events(&D), 1);
    expect_end(ph, PM_STATE_KILLED, PM_K_SIGTERM);
    ST(signal_h(p, PM_K_SIGTERM), PM_E_PROCESS_ENDED);
    ST(suspend_h(p), PM_E_PROCESS_ENDED);
    ST(priority_h(p, 1), PM_E_PROCESS_ENDED);
    close_both(ph);

    /* SIGUSR1 (10) and a real-time signal (64) end it by default */
    uint64_t a = launch(CAP_EXEC, 1), b = launch(CAP_EXEC, 1);
    ST(signal_h(proc_h(a, PM_DH_PROCESS), 10), PM_OK);
    ST(signal_h(proc_h(b, PM_DH_PROCESS), 64), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 2);
    expect_end(a, PM_STATE_KILLED, 10);
    expect_end(b, PM_STATE_KILLED, 64);
    close_both(a);
    close_both(b);

    /* a watcher sees KILLED with the signal */
    uint64_t w = launch(CAP_EXEC, 1);
    H[0] = proc_h(w, PM_DH_PROCESS);
    begin(PM_OP_WATCH, 1); u32(0); u32(PM_EVENT_KILLED); ST(SEND(1), PM_OK);
    pm_dhandle watch = RES.handles[0];
    ST(signal_h(proc_h(w, PM_DH_PROCESS), PM_K_SIGKILL), PM_OK);
    pm_dispatch_poll_events(&D);
    uint64_t wid = 0;
    uint8_t ev[PM_DISPATCH_EVENT_LEN];
    ST(pm_dispatch_take_event(&D, &wid, ev, sizeof ev), PM_OK);
    ST(pm_proto_decode_reply(ev, sizeof ev, 0, &REP), PM_OK);
    assert_int_equal(REP.event, PM_EVENT_KILLED);
    assert_int_equal(REP.event_code, PM_K_SIGKILL);
    ST(close_h(watch), PM_OK);
    close_both(w);
}

/* Created, not started: nothing to signal or suspend (K_STATE); the
 * priority is taken.  Rights and handle kinds are checked. */
static void test_signal_refusals(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_EXEC, 0);
    pm_dhandle p = proc_h(ph, PM_DH_PROCESS);
    ST(signal_h(p, PM_K_SIGTERM), PM_E_K_STATE);
    ST(suspend_h(p), PM_E_K_STATE);
    ST(resume_h(p), PM_E_K_STATE);
    ST(priority_h(p, PM_PRIORITY_BACKGROUND), PM_OK);
    assert_int_equal(thread_info(ph).priority, PM_PRIORITY_BACKGROUND);
    ST(signal_h(proc_h(ph, PM_DH_THREAD), PM_K_SIGTERM), PM_E_HANDLE_KIND);
    /* a copy without the control rights */
    ST(dup_h(p, PM_RIGHTS_ALL & ~(PM_RIGHT_SIGNAL | PM_RIGHT_SUSPEND | PM_RIGHT_PRIORITY)), PM_OK);
    pm_dhandle weak = RES.handles[0];
    ST(signal_h(weak, PM_K_SIGKILL), PM_E_RIGHTS);
    ST(suspend_h(weak), PM_E_RIGHTS);
    ST(resume_h(weak), PM_E_RIGHTS);
    ST(priority_h(weak, 2), PM_E_RIGHTS);
    /* each right alone is enough for its operations */
    ST(dup_h(p, PM_RIGHT_PRIORITY), PM_OK);
    pm_dhandle prio = RES.handles[0];
    ST(priority_h(prio, PM_PRIORITY_HIGH), PM_OK);
    ST(signal_h(prio, PM_K_SIGTERM), PM_E_RIGHTS);
    ST(close_h(prio), PM_OK);
    ST(close_h(weak), PM_OK);
    ST(kill_h(p), PM_OK);
    close_both(ph);
}

/* SUSPEND holds the program (the sim refuses its exit while stopped), a
 * fatal signal waits for RESUME as on Linux, SIGKILL does not. */
static void test_suspend_resume(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_EXEC, 1);
    pm_dhandle p = proc_h(ph, PM_DH_PROCESS);
    ST(suspend_h(p), PM_OK);
    assert_int_equal(thread_info(ph).suspended, 1);
    ST(suspend_h(p), PM_OK);                   /* again: no change */
    ST(pm_sim_thread_exit(&K, thread_of(ph), 0), PM_E_K_STATE);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    ST(resume_h(p), PM_OK);
    assert_int_equal(thread_info(ph).suspended, 0);
    ST(resume_h(p), PM_OK);                    /* again: no change */
    /* SIGTERM while stopped: held until resumed */
    ST(suspend_h(p), PM_OK);
    ST(signal_h(p, PM_K_SIGTERM), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 0);
    assert_int_equal(thread_info(ph).pending_signal, PM_K_SIGTERM);
    ST(resume_h(p), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 1);
    expect_end(ph, PM_STATE_KILLED, PM_K_SIGTERM);
    close_both(ph);
    /* SIGKILL ends a stopped process at once */
    ph = launch(CAP_EXEC, 1);
    p = proc_h(ph, PM_DH_PROCESS);
    ST(signal_h(p, PM_K_SIGSTOP), PM_OK);
    assert_int_equal(thread_info(ph).suspended, 1);
    ST(signal_h(p, PM_K_SIGKILL), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 1);
    expect_end(ph, PM_STATE_KILLED, PM_K_SIGKILL);
    close_both(ph);
}

/* Every level is taken; a level the machine refuses is refused with its
 * LINUX code and the level stays. */
static void test_priority(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_EXEC, 1);
    pm_dhandle p = proc_h(ph, PM_DH_PROCESS);
    assert_int_equal(thread_info(ph).priority, PM_PRIORITY_NORMAL);
    for (uint32_t level = 0; level <= PM_PRIORITY_MAX; level++) {
        ST(priority_h(p, level), PM_OK);
        assert_int_equal(thread_info(ph).priority, level);
    }
    pm_sim_deny_priority(&K, PM_PRIORITY_CODEC);
    ST(priority_h(p, PM_PRIORITY_LOW), PM_OK);
    ST(priority_h(p, PM_PRIORITY_CODEC), PM_E_LINUX_PRIORITY_DENIED);
    ST(priority_h(p, PM_PRIORITY_REALTIME), PM_E_LINUX_PRIORITY_DENIED);
    assert_int_equal(thread_info(ph).priority, PM_PRIORITY_LOW);
    pm_sim_deny_priority(&K, 0);
    ST(priority_h(p, PM_PRIORITY_REALTIME), PM_OK);
    ST(kill_h(p), PM_OK);
    close_both(ph);
}

/* On a job: every running process (SET_PRIORITY: also created ones); the
 * other job's processes are untouched. */
static void test_control_job(void **state)
{
    (void)state;
    uint64_t a = launch(CAP_EXEC, 1), b = launch(CAP_EXEC, 1), c = launch(CAP_EXEC, 0);
    uint64_t d = launch(CAP_EXEC, 1);
    /* a process of another job, launched on another connection */
    ST(pm_dispatch_connect(&D, CONN + 1, 0, JOB + 1), PM_OK);
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_SET_INFO, 1);
    u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(PM_INFO_INHERIT_JOB); str("o");
    ST(send_n(CONN + 1, 1, __LINE__), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(send_n(CONN + 1, 0, __LINE__), PM_OK);
    uint64_t o = RES.handles[0].value;
    pm_dhandle job = proc_h(JOB, PM_DH_JOB);

    ST(priority_h(job, PM_PRIORITY_HIGH), PM_OK);
    assert_int_equal(thread_info(a).priority, PM_PRIORITY_HIGH);
    assert_int_equal(thread_info(c).priority, PM_PRIORITY_HIGH);
    assert_int_equal(thread_info(o).priority, PM_PRIORITY_NORMAL);
    ST(suspend_h(job), PM_OK);                  /* the job is frozen as one */
    assert_int_equal(thread_info(a).frozen, 1);
    assert_int_equal(thread_info(b).frozen, 1);
    assert_int_equal(thread_info(o).frozen, 0);
    ST(pm_sim_thread_exit(&K, thread_of(a), 0), PM_E_K_STATE);   /* no step */
    ST(resume_h(job), PM_OK);
    assert_int_equal(thread_info(b).frozen, 0);
    /* the machine's refusal is replied, after every process was tried */
    pm_sim_deny_priority(&K, PM_PRIORITY_REALTIME);
    ST(priority_h(job, PM_PRIORITY_REALTIME), PM_E_LINUX_PRIORITY_DENIED);
    pm_sim_deny_priority(&K, 0);
    ST(signal_h(job, PM_K_SIGTERM), PM_OK);
    assert_int_equal(pm_dispatch_poll_events(&D), 3);   /* a, b, d */
    expect_end(a, PM_STATE_KILLED, PM_K_SIGTERM);
    expect_end(b, PM_STATE_KILLED, PM_K_SIGTERM);
    expect_end(d, PM_STATE_KILLED, PM_K_SIGTERM);
    ST(query(c), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_CREATED);
    ST(query(o), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    ST(signal_h(proc_h(JOB + 7, PM_DH_JOB), PM_K_SIGTERM), PM_OK);   /* empty job */
    ST(kill_h(proc_h(c, PM_DH_PROCESS)), PM_OK);
    ST(kill_h(proc_h(o, PM_DH_PROCESS)), PM_OK);
    close_both(a); close_both(b); close_both(c); close_both(d);
    ST(close_h(proc_h(o, PM_DH_PROCESS)), PM_OK);
    ST(close_h(proc_h(o, PM_DH_THREAD)), PM_OK);
}

/* ---- working directory, resource limits, sharing flags (issue 6) ------------- */

static pm_status set_cwd_h(pm_kcap dir)
{
    H[0] = kcap(dir);
    begin(PM_OP_SET_CWD, 1);
    u32(0);
    return SEND(1);
}
static pm_status rlimit_h(pm_dhandle h, uint32_t res, uint64_t soft, uint64_t hard)
{
    H[0] = h;
    begin(PM_OP_SET_RLIMIT, 1);
    u32(0); u32(res); u32(0); u64(soft); u64(hard);
    return SEND(1);
}
static pm_kcap cspace_of(uint64_t ph)
{
    return D.reg.slot[ph & 0xFFFFu].cspace;
}

/* SET_CWD: the directory lands in the CSpace slot below the namespace
 * slots, marked as the working directory; a second SET_CWD replaces the
 * first; a non-directory (an image) is refused at LAUNCH with
 * K_NOT_DIRECTORY and nothing is left; without SET_CWD no slot is the
 * working directory (the kernel's "/"); the builder reset forgets it. */
static void test_cwd(void **state)
{
    (void)state;
    const uint32_t at = PM_DISPATCH_CWD_SLOT(&CFG);
    pm_kcap dir;
    pm_sim_slot_info si;
    pm_sim_stats before, after;
    ST(pm_k_endpoint_create(&K, &dir), PM_OK);

    ST(set_cwd_h(give(dir, PM_KR_READ | PM_KR_GRANT)), PM_OK);
    ST(set_cwd_h(give(dir, PM_KR_READ | PM_KR_GRANT)), PM_OK);   /* replaces */
    uint64_t ph = launch(CAP_EXEC, 1);
    ST(pm_sim_cspace_slot(&K, cspace_of(ph), at, &si), PM_OK);
    assert_int_equal(si.type, PM_KOBJ_ENDPOINT);
    assert_int_equal(si.cwd, 1);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    close_both(ph);

    /* none: the slot is empty, no working directory */
    ph = launch(CAP_EXEC, 0);
    ST(pm_sim_cspace_slot(&K, cspace_of(ph), at, &si), PM_E_K_SLOT_EMPTY);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    close_both(ph);

    /* a file is no directory: refused at LAUNCH, nothing left behind */
    pm_sim_stats_get(&K, &before);
    ST(set_cwd_h(give(CAP_EXEC, IMG_RIGHTS)), PM_OK);
    ST(set_info(CAP_EXEC, "p"), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_E_K_NOT_DIRECTORY);
    pm_sim_stats_get(&K, &after);
    assert_int_equal(after.objects, before.objects);
    assert_int_equal(after.handles_live, before.handles_live);
    assert_int_equal(after.slots_reserved, before.slots_reserved);

    /* the builder was reset: the next launch has no working directory */
    ph = launch(CAP_EXEC, 0);
    ST(pm_sim_cspace_slot(&K, cspace_of(ph), at, &si), PM_E_K_SLOT_EMPTY);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    close_both(ph);

    /* a startup handle at the working directory's id collides with it */
    ST(set_cwd_h(give(dir, PM_KR_READ | PM_KR_GRANT)), PM_OK);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_HANDLES, 1); u32(1); u32(0); u32(at); ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, "p"), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_E_K_SLOT_OCCUPIED);

    /* a wrong kind of handle, and a disconnect with a pending one */
    H[0] = proc_h(1, PM_DH_JOB);
    begin(PM_OP_SET_CWD, 1); u32(0); ST(SEND(1), PM_E_HANDLE_KIND);
    ST(set_cwd_h(give(dir, PM_KR_READ | PM_KR_GRANT)), PM_OK);
    pm_dispatch_disconnect(&D, CONN);
    ST(pm_dispatch_connect(&D, CONN, 0, JOB), PM_OK);
    pm_dispatch_fini(&D);
    pm_k_drop(&K, dir);
}

/* ADD_NAMES: each directory is minted in the namespace slots and marked as
 * a namespace entry (not a startup handle); a file is K_NOT_DIRECTORY at
 * LAUNCH; where mount namespaces are refused the launch is refused
 * (LINUX_NAMESPACE_DENIED), nothing left, never launched without them. */
static void test_names(void **state)
{
    (void)state;
    const uint32_t top = CFG.cspace_slots - PM_BUILDER_MAX_NAMES;
    pm_kcap dir;
    pm_sim_slot_info si;
    pm_sim_stats before, after;
    ST(pm_k_endpoint_create(&K, &dir), PM_OK);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    H[1] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_NAMES, 2); u32(2); u32(0); str("/svc"); u32(1); str("/data/x");
    ST(SEND(2), PM_OK);
    uint64_t ph = launch(CAP_EXEC, 0);
    for (uint32_t i = 0; i < 2; i++) {
        ST(pm_sim_cspace_slot(&K, cspace_of(ph), top + i, &si), PM_OK);
        assert_int_equal(si.mount, 1);
        assert_int_equal(si.cwd, 0);
    }
    ST(pm_sim_cspace_slot(&K, cspace_of(ph), top + 2, &si), PM_E_K_SLOT_EMPTY);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    close_both(ph);

    /* a file as a namespace directory */
    pm_sim_stats_get(&K, &before);
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_ADD_NAMES, 1); u32(1); u32(0); str("/svc");
    ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, "p"), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_E_K_NOT_DIRECTORY);
    pm_sim_stats_get(&K, &after);
    assert_int_equal(after.objects, before.objects);
    assert_int_equal(after.handles_live, before.handles_live);

    /* mount namespaces refused: the launch is refused, nothing left */
    pm_sim_deny_namespaces(&K, 1);
    H[0] = kcap(give(dir, PM_KR_READ | PM_KR_GRANT));
    begin(PM_OP_ADD_NAMES, 1); u32(1); u32(0); str("/svc");
    ST(SEND(1), PM_OK);
    ST(set_info(CAP_EXEC, "p"), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_E_LINUX_NAMESPACE_DENIED);
    pm_sim_stats_get(&K, &after);
    assert_int_equal(after.objects, before.objects);
    assert_int_equal(after.handles_live, before.handles_live);
    ph = launch(CAP_EXEC, 1);           /* without names: launched */
    pm_sim_deny_namespaces(&K, 0);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    close_both(ph);
    pm_dispatch_fini(&D);
    pm_k_drop(&K, dir);
}

/* SET_RLIMIT on a created and on a running process reaches the kernel
 * thread; lowering is taken, raising a hard limit refused
 * (LINUX_RLIMIT_DENIED, unchanged); the LIMIT right is needed; a job
 * handle is HANDLE_KIND; an ended process PROCESS_ENDED. */
static void test_rlimit(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_EXEC, 0);
    pm_dhandle p = proc_h(ph, PM_DH_PROCESS);
    assert_true(thread_info(ph).rlim_hard[PM_RLIMIT_CPU] == PM_RLIMIT_INFINITY);
    ST(rlimit_h(p, PM_RLIMIT_CPU, 1, 2), PM_OK);
    assert_int_equal(thread_info(ph).rlim_soft[PM_RLIMIT_CPU], 1);
    assert_int_equal(thread_info(ph).rlim_hard[PM_RLIMIT_CPU], 2);
    ST(rlimit_h(p, PM_RLIMIT_CPU, 1, 3), PM_E_LINUX_RLIMIT_DENIED);
    assert_int_equal(thread_info(ph).rlim_hard[PM_RLIMIT_CPU], 2);
    begin(PM_OP_START, 1); H[0] = p; u32(0); u32(PM_PROTO_NO_HANDLE); ST(SEND(1), PM_OK);
    ST(rlimit_h(p, PM_RLIMIT_NOFILE, 64, 128), PM_OK);
    assert_int_equal(thread_info(ph).rlim_soft[PM_RLIMIT_NOFILE], 64);
    ST(rlimit_h(p, PM_RLIMIT_NOFILE, 128, 128), PM_OK);   /* soft up to hard */
    ST(dup_h(p, PM_RIGHTS_ALL & ~PM_RIGHT_LIMIT), PM_OK);
    pm_dhandle weak = RES.handles[0];
    ST(rlimit_h(weak, PM_RLIMIT_AS, 4096, 4096), PM_E_RIGHTS);
    ST(close_h(weak), PM_OK);
    ST(dup_h(p, PM_RIGHT_LIMIT), PM_OK);
    pm_dhandle lim = RES.handles[0];
    ST(rlimit_h(lim, PM_RLIMIT_NPROC, 1, 1), PM_OK);
    ST(close_h(lim), PM_OK);
    ST(rlimit_h(proc_h(JOB, PM_DH_JOB), PM_RLIMIT_CPU, 1, 1), PM_E_HANDLE_KIND);
    ST(pm_sim_thread_exit(&K, thread_of(ph), 0), PM_OK);
    pm_dispatch_poll_events(&D);
    ST(rlimit_h(p, PM_RLIMIT_CPU, 1, 1), PM_E_PROCESS_ENDED);
    close_both(ph);
}

/* SET_INFO's sharing flags are carried to the connection's launch state
 * and reset with the builder; INHERIT_JOB takes the connection's job
 * (test_inherit_job has the rest of the job choice). */
static void test_info_flags(void **state)
{
    (void)state;
    const pm_dispatch_conn *c = pm_dispatch_find_conn_(&D, CONN);
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_SET_INFO, 1);
    u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE);
    u32(PM_INFO_INHERIT_JOB | PM_INFO_INHERIT_STDIO); str("f");
    ST(SEND(1), PM_OK);
    assert_int_equal(c->info_flags, PM_INFO_INHERIT_JOB | PM_INFO_INHERIT_STDIO);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_OK);
    uint64_t ph = RES.handles[0].value;
    assert_int_equal(c->info_flags, 0);
    ST(query(ph), PM_OK);
    assert_int_equal(REP.info.job_koid, JOB);
    ST(kill_h(proc_h(ph, PM_DH_PROCESS)), PM_OK);
    close_both(ph);
}

/* ---- jobs (JOB_CREATE, JOB_OPEN; spec/lifecycle.md section 3) ------------------ */

static pm_status job_create(uint32_t conn)
{
    begin(PM_OP_JOB_CREATE, 0);
    u32(0);
    return send_n(conn, 0, __LINE__);
}
static pm_status job_open(uint32_t conn, uint64_t koid)
{
    begin(PM_OP_JOB_OPEN, 0);
    u64(koid); u32(0);
    return send_n(conn, 0, __LINE__);
}
static uint32_t live_jobs(void)
{
    pm_sim_stats s;
    pm_sim_stats_get(&K, &s);
    return s.live[PM_KOBJ_JOB];
}
/* SET_INFO naming job handle `job` + LAUNCH: the process handle. */
static uint64_t launch_in(pm_dhandle job)
{
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    H[1] = job;
    begin(PM_OP_SET_INFO, 2);
    u32(0); u32(1); u32(PM_PROTO_NO_HANDLE); u32(0); str("j");
    ST(SEND(2), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_OK);
    return RES.handles[0].value;
}

/* A process launched without a job has one of its own, named by its koid,
 * gone with it.  JOB_CREATE makes an empty job that lives while a handle
 * names it; its processes are killed and frozen as one; JOB_OPEN gives
 * another handle to root or its maker. */
static void test_jobs(void **state)
{
    (void)state;
    const uint32_t OWN = 8u, OTHER = 9u;
    ST(pm_dispatch_connect(&D, OWN, 0, 0), PM_OK);        /* no job of its own */
    ST(pm_dispatch_set_principal(&D, OWN, 1000), PM_OK);
    ST(pm_dispatch_connect(&D, OTHER, 0, 0), PM_OK);
    ST(pm_dispatch_set_principal(&D, OTHER, 2000), PM_OK);

    /* its own job */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_SET_INFO, 1);
    u32(0); u32(PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE); u32(0); str("solo");
    ST(send_n(OWN, 1, __LINE__), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(send_n(OWN, 0, __LINE__), PM_OK);
    uint64_t solo = RES.handles[0].value, solo_koid = REP.koid;
    ST(query(solo), PM_OK);
    assert_int_equal(REP.info.job_koid, solo_koid);
    assert_int_equal(live_jobs(), 1);
    ST(job_open(OTHER, solo_koid), PM_E_NOT_OWNER);
    ST(job_open(OWN, solo_koid), PM_OK);                  /* its launcher */
    assert_int_equal(RES.handles[0].kind, PM_DH_JOB);
    assert_int_equal(REP.job_mode, PM_JOB_MODE_MEMBERS);
    pm_dhandle solo_job = RES.handles[0];
    ST(pm_sim_thread_exit(&K, thread_of(solo), 0), PM_OK);
    pm_dispatch_poll_events(&D);
    assert_int_equal(live_jobs(), 1);                     /* a handle holds it */
    ST(close_h(solo_job), PM_OK);
    assert_int_equal(live_jobs(), 0);                     /* ended with it */
    ST(job_open(OWN, solo_koid), PM_E_NO_SUCH_JOB);
    ST(job_open(OWN, 123456), PM_E_NO_SUCH_JOB);
    close_both(solo);

    /* a job made first; two processes in it, one outside */
    ST(job_create(OWN), PM_OK);
    pm_dhandle job = RES.handles[0];
    uint64_t jk = REP.koid;
    assert_int_equal(job.kind, PM_DH_JOB);
    assert_int_equal(job.value, jk);
    assert_int_equal(live_jobs(), 1);
    uint64_t a = launch_in(job);
    uint64_t b = launch_in(job);
    uint64_t c = launch(CAP_EXEC, 1);                    /* job JOB */
    ST(query(a), PM_OK);
    assert_int_equal(REP.info.job_koid, jk);
    assert_true(REP.info.koid > jk);                     /* one koid sequence */
    begin(PM_OP_LIST_PROCESSES, 0);
    u32(PM_LIST_BY_JOB); u32(16); u64(jk); u64(0);
    ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 2);
    ST(suspend_h(job), PM_OK);
    assert_int_equal(thread_info(a).frozen, 1);
    assert_int_equal(thread_info(c).frozen, 0);
    /* no process joins a frozen job: it could not take its first step */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    H[1] = job;
    begin(PM_OP_SET_INFO, 2);
    u32(0); u32(1); u32(PM_PROTO_NO_HANDLE); u32(0); str("late");
    ST(SEND(2), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(SEND(0), PM_E_K_STATE);
    ST(resume_h(job), PM_OK);
    assert_int_equal(thread_info(b).frozen, 0);
    /* a copy of the handle holds the job too */
    H[0] = job;
    begin(PM_OP_HANDLE_DUPLICATE, 1);
    u32(0); u32(0);
    ST(SEND(1), PM_OK);
    pm_dhandle copy = RES.handles[0];
    ST(kill_h(job), PM_OK);
    expect_end(a, PM_STATE_KILLED, 0);
    expect_end(b, PM_STATE_KILLED, 0);
    ST(query(c), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    assert_int_equal(live_jobs(), 2);                     /* jk (handles), JOB (c) */
    ST(close_h(job), PM_OK);
    assert_int_equal(live_jobs(), 2);
    ST(close_h(copy), PM_OK);
    assert_int_equal(live_jobs(), 1);
    close_both(a); close_both(b);
    ST(kill_h(proc_h(c, PM_DH_PROCESS)), PM_OK);
    assert_int_equal(live_jobs(), 0);
    close_both(c);
}

/* Every entry of the job table in use: JOB_CREATE is refused, nothing made. */
static void test_jobs_full(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_JOBS; i++) {
        D.job[i].in_use = 1;
        D.job[i].koid = (1ull << 40) + i;
        D.job[i].cap = PM_KCAP_NULL;
    }
    ST(job_create(CONN), PM_E_JOBS_FULL);
    assert_int_equal(live_jobs(), 0);
    for (uint32_t i = 0; i < PM_DISPATCH_MAX_JOBS; i++)
        D.job[i].in_use = 0;
}

/* ---- coverage of the status lists ---------------------------------------------- */

/* Codes the dispatcher cannot produce, and why. */
/* ---- issue 6: structured end, QUERY_DETAILS, WAIT_ANY, the process tree ---- */

static pm_status details_h(uint64_t ph)
{
    return one_handle_op(PM_OP_QUERY_DETAILS, proc_h(ph, PM_DH_PROCESS));
}
/* WAIT_ANY on parent handle ph (0: the root) with a timeout. */
static pm_status wait_any(uint64_t ph, uint64_t timeout)
{
    H[0] = proc_h(ph, PM_DH_PROCESS);
    begin(PM_OP_WAIT_ANY, ph != 0);
    u32(ph != 0 ? 0u : PM_PROTO_NO_HANDLE); u32(0); u64(timeout);
    return SEND(ph != 0);
}
static uint64_t koid_of(uint64_t ph) { return D.reg.slot[ph & 0xFFFFu].pid; }

/* The details block: a running process's level, suspension and the sim's
 * resident bytes; the structured end and POSIX wait status of EXITED,
 * KILLED (a signal, and a kill by procmgr: SIGKILL) and FAULTED. */
static void test_query_details(void **state)
{
    (void)state;
    uint64_t ph = launch(CAP_EXEC, 1);
    pm_dhandle p = proc_h(ph, PM_DH_PROCESS);
    ST(details_h(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    assert_int_equal(REP.details.end, PM_END_NONE);
    assert_int_equal(REP.details.priority, PM_PRIORITY_NORMAL);
    assert_int_equal(REP.details.flags, PM_DETAIL_RSS);   /* the sim: no CPU, no limits */
    assert_true(REP.details.rss_bytes > 0);
    ST(priority_h(p, PM_PRIORITY_LOW), PM_OK);
    ST(suspend_h(p), PM_OK);
    ST(details_h(ph), PM_OK);
    assert_int_equal(REP.details.priority, PM_PRIORITY_LOW);
    assert_int_equal(REP.details.flags, PM_DETAIL_RSS | PM_DETAIL_SUSPENDED);
    ST(resume_h(p), PM_OK);
    ST(signal_h(p, PM_K_SIGSTOP), PM_OK);
    ST(details_h(ph), PM_OK);
    assert_true(REP.details.flags & PM_DETAIL_SUSPENDED);
    ST(signal_h(p, PM_K_SIGCONT), PM_OK);
    ST(details_h(ph), PM_OK);
    assert_false(REP.details.flags & PM_DETAIL_SUSPENDED);
    ST(pm_sim_thread_exit(&K, thread_of(ph), 3), PM_OK);
    pm_dispatch_poll_events(&D);
    ST(details_h(ph), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_EXITED);
    assert_int_equal(REP.details.end, PM_END_EXITED);
    assert_int_equal(REP.details.end_code, 3);
    assert_int_equal(REP.details.wait_status, 3u << 8);
    assert_int_equal(REP.details.priority, PM_PRIORITY_LOW);
    assert_int_equal(REP.details.flags, PM_DETAIL_RSS);   /* the final usage */
    close_both(ph);

    uint64_t a = launch(CAP_EXEC, 1), b = launch(CAP_EXEC, 1), f = launch(CAP_EXEC, 1);
    ST(signal_h(proc_h(a, PM_DH_PROCESS), PM_K_SIGTERM), PM_OK);
    ST(kill_h(proc_h(b, PM_DH_PROCESS)), PM_OK);
    ST(pm_sim_thread_fault(&K, thread_of(f), PM_K_FAULT_WRITE, 0x1000), PM_OK);
    pm_dispatch_poll_events(&D);
    ST(details_h(a), PM_OK);
    assert_int_equal(REP.details.end, PM_END_KILLED);
    assert_int_equal(REP.details.end_code, PM_K_SIGTERM);
    assert_int_equal(REP.details.wait_status, PM_K_SIGTERM);
    assert_int_equal(REP.details.end_flags, 0);
    ST(details_h(b), PM_OK);
    assert_int_equal(REP.info.exit_code, 0);                /* the record: by procmgr */
    assert_int_equal(REP.details.end, PM_END_KILLED);
    assert_int_equal(REP.details.end_code, PM_K_SIGKILL);   /* the details: SIGKILL */
    assert_int_equal(REP.details.wait_status, PM_K_SIGKILL);
    assert_int_equal(REP.details.flags, 0);                 /* no usage known */
    ST(details_h(f), PM_OK);
    assert_int_equal(REP.info.state, PM_STATE_FAULTED);
    assert_int_equal(REP.details.end, PM_END_FAULTED);
    assert_int_equal(REP.details.fault, PM_K_FAULT_WRITE);
    assert_int_equal(REP.details.end_code, 0);              /* the sim has no signals */
    close_both(a);
    close_both(b);
    close_both(f);
    /* rights: QUERY */
    uint64_t q = launch(CAP_EXEC, 1);
    ST(dup_h(proc_h(q, PM_DH_PROCESS), PM_RIGHT_WAIT), PM_OK);
    pm_dhandle weak = RES.handles[0];
    H[0] = weak; begin(PM_OP_QUERY_DETAILS, 1); u32(0);
    ST(SEND(1), PM_E_RIGHTS);
    ST(close_h(weak), PM_OK);
    ST(kill_h(proc_h(q, PM_DH_PROCESS)), PM_OK);
    close_both(q);
}

/* The parent of a launch is the client's record (pm_dispatch_set_client);
 * when the parent ends its children go to the root; WAIT_ANY returns the
 * oldest uncollected end first, parks until one comes, times out, and
 * says NO_CHILDREN when nothing is left; LIST by parent follows. */
static void test_wait_any_tree(void **state)
{
    (void)state;
    /* WAIT_ANY on the root sees the processes the principal may open */
    ST(pm_dispatch_set_principal(&D, CONN, PM_DISPATCH_PRINCIPAL_ROOT), PM_OK);
    uint64_t par = launch(CAP_EXEC, 1);
    uint64_t pk = koid_of(par);
    ST(pm_dispatch_set_client(&D, CONN, pk), PM_OK);
    uint64_t c1 = launch(CAP_EXEC, 1), c2 = launch(CAP_EXEC, 1), c3 = launch(CAP_EXEC, 1);
    ST(pm_dispatch_set_client(&D, CONN, 0), PM_OK);
    ST(pm_dispatch_set_client(&D, 999u, 0), PM_E_NOT_CONNECTED);
    ST(query(c1), PM_OK);
    assert_int_equal(REP.info.parent_koid, pk);
    /* LIST by parent: the three */
    begin(PM_OP_LIST_PROCESSES, 0); u32(PM_LIST_BY_PARENT); u32(16); u64(pk); u64(0);
    ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 3);
    /* nothing ended yet: poll times out, a wait parks */
    ST(wait_any(par, 0), PM_E_WAIT_TIMED_OUT);
    ST(wait_any(par, 1000), PM_OK);
    assert_int_equal(RES.action, PM_DISPATCH_PARKED);
    uint32_t parked = RES.waiter;
    /* c2 ends, then c1: the parked WAIT_ANY gets c2 (the first end) */
    ST(pm_sim_thread_exit(&K, thread_of(c2), 2), PM_OK);
    pm_dispatch_poll_events(&D);
    ST(pm_sim_thread_exit(&K, thread_of(c1), 1), PM_OK);
    pm_dispatch_poll_events(&D);
    uint32_t conn = 0;
    ST(pm_dispatch_take_reply(&D, &conn, REPLY, sizeof REPLY, &RES), PM_OK);
    ST(pm_proto_decode_reply(REPLY, RES.reply_len, 0, &REP), PM_OK);
    assert_int_equal(REP.opcode, PM_OP_WAIT_ANY);
    assert_int_equal(REP.info.koid, koid_of(c2));
    ST(pm_dispatch_wait_expire(&D, parked, REPLY, sizeof REPLY, &RES), PM_E_K_ARG);
    /* then c1; then nothing ended is left but c3 runs: time out */
    ST(wait_any(par, 0), PM_OK);
    assert_int_equal(REP.info.koid, koid_of(c1));
    assert_int_equal(REP.info.exit_code, 1);
    ST(wait_any(par, 0), PM_E_WAIT_TIMED_OUT);
    /* a parked WAIT_ANY that times out answers WAIT_TIMED_OUT for its opcode */
    ST(wait_any(par, 5), PM_OK);
    assert_int_equal(RES.action, PM_DISPATCH_PARKED);
    ST(pm_dispatch_wait_expire(&D, RES.waiter, REPLY, sizeof REPLY, &RES), PM_OK);
    ST(pm_proto_decode_reply(REPLY, RES.reply_len, 0, &REP), PM_OK);
    assert_int_equal(REP.opcode, PM_OP_WAIT_ANY);
    assert_int_equal(REP.status, PM_E_WAIT_TIMED_OUT);
    /* the parent ends before c3: c3 goes to the root, intact */
    ST(kill_h(proc_h(par, PM_DH_PROCESS)), PM_OK);
    ST(query(c3), PM_OK);
    assert_int_equal(REP.info.parent_koid, 0);
    assert_int_equal(REP.info.state, PM_STATE_RUNNING);
    begin(PM_OP_LIST_PROCESSES, 0); u32(PM_LIST_BY_PARENT); u32(16); u64(pk); u64(0);
    ST(SEND(0), PM_OK);
    assert_int_equal(REP.list_count, 0);          /* ended ones go to the root too */
    ST(wait_any(par, 0), PM_E_NO_CHILDREN);       /* collected, or given away */
    /* the root: the parent itself ended (uncollected), then c3 */
    ST(pm_sim_thread_exit(&K, thread_of(c3), 7), PM_OK);
    pm_dispatch_poll_events(&D);
    ST(wait_any(0, 0), PM_OK);
    assert_int_equal(REP.info.koid, pk);
    ST(wait_any(0, 0), PM_OK);
    assert_int_equal(REP.info.koid, koid_of(c3));
    assert_int_equal(REP.info.parent_koid, 0);
    assert_int_equal(REP.info.exit_code, 7);
    ST(wait_h(c3, 0), PM_OK);                       /* WAIT still works after it */
    assert_int_equal(REP.info.exit_code, 7);
    ST(wait_any(0, 0), PM_E_NO_CHILDREN);
    /* another principal's WAIT_ANY on the root sees none of them */
    uint64_t other = launch(CAP_EXEC, 1);
    ST(pm_dispatch_set_principal(&D, CONN, 1000u), PM_OK);
    ST(wait_any(0, 0), PM_E_NO_CHILDREN);
    ST(pm_dispatch_set_principal(&D, CONN, PM_DISPATCH_PRINCIPAL_ROOT), PM_OK);
    ST(wait_any(0, 0), PM_E_WAIT_TIMED_OUT);      /* root: `other` runs */
    ST(kill_h(proc_h(other, PM_DH_PROCESS)), PM_OK);
    close_both(other);
    /* WAIT_ANY needs the WAIT right on the parent */
    ST(dup_h(proc_h(c3, PM_DH_PROCESS), PM_RIGHT_QUERY), PM_OK);
    pm_dhandle weak = RES.handles[0];
    H[0] = weak; begin(PM_OP_WAIT_ANY, 1); u32(0); u32(0); u64(0);
    ST(SEND(1), PM_E_RIGHTS);
    ST(close_h(weak), PM_OK);
    close_both(par);
    close_both(c1);
    close_both(c2);
    close_both(c3);
}

static const int NOT_REACHABLE[] = {
    PM_E_PROTO_BAD_ARGUMENT,     /* encoder input check; the dispatcher frames valid replies */
    PM_E_PROTO_UNEXPECTED_REPLY, /* client library only */
    PM_E_PROTO_BAD_STATUS,       /* client library only (reply decoding) */
    PM_E_STACK_ADDR,             /* stack_top checked by pm_dispatch_init */
    PM_E_STACK_LIMIT,            /* builder bounds are within the stack builder's */
    PM_E_STACK_STRING,           /* the decoder refuses NUL; spans come from the builder */
    PM_E_STACK_AUXV,             /* the dispatcher's auxv has no reserved type */
    PM_E_BUILDER_STRING,         /* the decoder refuses NUL first (PROTO_EMBEDDED_NUL) */
    PM_E_BUILDER_PATH,           /* the decoder refuses empty/relative paths first */
    PM_E_K_ALIGN,                /* the plan and the configuration are page-aligned */
    PM_E_K_NOT_MAPPED,           /* the dispatcher writes only what it mapped */
    PM_E_K_PROT,                 /* the IPC buffer page is mapped writable */
    PM_E_K_SLOT_EMPTY,           /* the dispatcher never deletes a slot */
    PM_E_K_INVARIANT,            /* only pm_sim_check* return it */
    PM_E_K_TIMED_OUT,            /* Linux backend only: a stub that does not answer */
    PM_E_K_NO_DESCRIPTORS,       /* Linux backend only: out of host descriptors */
    PM_E_RECORD_FULL,            /* PM_REG_EXTRA_CAPS covers the largest launch */
    PM_E_LEASE_EXPIRED,          /* procmgrd's leases (serve.c), not the dispatcher's */
};

/* ---- per-job limits and usage (JOB_SET_LIMIT, JOB_QUERY; lifecycle.md §6) -- */

static pm_status job_limit(pm_dhandle job, uint32_t resource, uint64_t limit)
{
    H[0] = job;
    begin(PM_OP_JOB_SET_LIMIT, 1);
    u32(0); u32(resource); u32(0); u64(limit);
    return SEND(1);
}
static pm_status job_query(pm_dhandle h) { return one_handle_op(PM_OP_JOB_QUERY, h); }

/* The sim keeps the limits and counts its members and their pages; a
 * resource the machine has no controller for is refused with
 * LINUX_JOB_LIMIT and leaves the limit as it was; only a job handle
 * names a job; the handle is the authority (no rights). */
static void test_job_limits(void **state)
{
    (void)state;
    ST(job_create(CONN), PM_OK);
    pm_dhandle job = RES.handles[0];
    uint64_t jk = REP.koid;
    ST(job_query(job), PM_OK);
    assert_int_equal(REP.koid, jk);
    assert_int_equal(REP.job_mode, PM_JOB_MODE_MEMBERS);
    assert_int_equal(REP.job.known, PM_JOB_KNOWN_PIDS | PM_JOB_KNOWN_MEMORY);
    assert_int_equal(REP.job.pids_current, 0);
    assert_true(REP.job.pids_max == PM_JOB_LIMIT_NONE);
    assert_true(REP.job.memory_max == PM_JOB_LIMIT_NONE);
    ST(job_limit(job, PM_JOB_LIMIT_PIDS, 8), PM_OK);
    ST(job_limit(job, PM_JOB_LIMIT_MEMORY, 1u << 20), PM_OK);
    uint64_t a = launch_in(job);
    uint64_t b = launch_in(job);
    ST(job_query(job), PM_OK);
    assert_int_equal(REP.job.pids_current, 2);
    assert_int_equal(REP.job.pids_max, 8);
    assert_int_equal(REP.job.memory_max, 1u << 20);
    assert_true(REP.job.memory_current >= 2u * PM_SIM_PAGE_SIZE);  /* their pages */
    assert_int_equal(REP.job.cpu_usec, 0);                       /* not known */
    /* "max" removes a limit */
    ST(job_limit(job, PM_JOB_LIMIT_PIDS, PM_JOB_LIMIT_NONE), PM_OK);
    ST(job_query(job), PM_OK);
    assert_true(REP.job.pids_max == PM_JOB_LIMIT_NONE);
    /* no controller: refused, the limit unchanged, the other one still set */
    pm_sim_deny_job_limits(&K, 1u << PM_K_JOB_LIMIT_MEMORY);
    ST(job_limit(job, PM_JOB_LIMIT_MEMORY, 4096), PM_E_LINUX_JOB_LIMIT);
    ST(job_limit(job, PM_JOB_LIMIT_PIDS, 3), PM_OK);
    pm_sim_deny_job_limits(&K, 0);
    ST(job_query(job), PM_OK);
    assert_int_equal(REP.job.memory_max, 1u << 20);
    assert_int_equal(REP.job.pids_max, 3);
    /* out of range (the codec's), and a process handle is not a job */
    ST(job_limit(job, PM_JOB_LIMIT_PIDS, 0), PM_E_PROTO_FIELD_RANGE);
    ST(job_limit(job, PM_JOB_LIMIT_MEMORY, 4095), PM_E_PROTO_FIELD_RANGE);
    ST(job_limit(proc_h(a, PM_DH_PROCESS), PM_JOB_LIMIT_PIDS, 8), PM_E_HANDLE_KIND);
    ST(job_query(proc_h(a, PM_DH_PROCESS)), PM_E_HANDLE_KIND);
    /* the members' ends leave the count */
    ST(kill_h(proc_h(a, PM_DH_PROCESS)), PM_OK);
    ST(job_query(job), PM_OK);
    assert_int_equal(REP.job.pids_current, 1);
    ST(kill_h(job), PM_OK);
    ST(job_query(job), PM_OK);
    assert_int_equal(REP.job.pids_current, 0);
    ST(close_h(job), PM_OK);
    close_both(a); close_both(b);
}

/* ---- the job of a launch (INHERIT_JOB; lifecycle.md sections 3 and 8) ---- */

/* SET_INFO with flags (and job handle `job` unless its kind is NONE) +
 * LAUNCH on connection conn: the process handle; REP.koid its koid. */
static uint64_t launch_flags(uint32_t conn, uint32_t flags, pm_dhandle job)
{
    uint32_t nh = job.kind == PM_DH_NONE ? 1u : 2u;
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    H[1] = job;
    begin(PM_OP_SET_INFO, nh);
    u32(0); u32(nh == 2u ? 1u : PM_PROTO_NO_HANDLE); u32(PM_PROTO_NO_HANDLE);
    u32(flags); str("i");
    ST(send_n(conn, nh, __LINE__), PM_OK);
    begin(PM_OP_LAUNCH, 0);
    ST(send_n(conn, 0, __LINE__), PM_OK);
    return RES.handles[0].value;
}
static uint64_t job_koid_of(uint64_t ph)
{
    ST(query(ph), PM_OK);
    return REP.info.job_koid;
}

/* A job handle wins; else INHERIT_JOB takes the creator's job: the
 * connection's (the shell's naming), or on a connection without one the
 * job of the client's own record while it runs; else (no flag, or no
 * live creator) a job of its own, named by the process's koid; so does
 * CREATE_PROCESS, which has no flags. */
static void test_inherit_job(void **state)
{
    (void)state;
    const uint32_t SH = 8u;
    const pm_dhandle none = { PM_DH_NONE, 0, 0, { 0u, 0u } };
    uint64_t own = launch_flags(CONN, 0, none), own_koid = REP.koid;
    assert_int_equal(job_koid_of(own), own_koid);                    /* no flag */
    uint64_t inh = launch_flags(CONN, PM_INFO_INHERIT_JOB, none);
    assert_int_equal(job_koid_of(inh), JOB);                         /* the shell's */
    /* a client that is `own`'s process, on a connection without a job */
    ST(pm_dispatch_connect(&D, SH, 0, 0), PM_OK);
    ST(pm_dispatch_set_client(&D, SH, own_koid), PM_OK);
    uint64_t child = launch_flags(SH, PM_INFO_INHERIT_JOB, none);
    assert_int_equal(job_koid_of(child), own_koid);                  /* its creator's */
    uint64_t alone = launch_flags(SH, 0, none), alone_koid = REP.koid;
    assert_int_equal(job_koid_of(alone), alone_koid);
    ST(job_create(SH), PM_OK);
    pm_dhandle job = RES.handles[0];
    uint64_t jk = REP.koid;
    uint64_t named = launch_flags(SH, PM_INFO_INHERIT_JOB, job);
    assert_int_equal(job_koid_of(named), jk);                        /* the handle wins */
    /* CREATE_PROCESS: no flags, a job of its own */
    H[0] = kcap(give(CAP_EXEC, IMG_RIGHTS));
    begin(PM_OP_CREATE_PROCESS, 1);
    u32(0); u32(0);
    ST(SEND(1), PM_OK);
    uint64_t cp = RES.handles[0].value, cp_koid = REP.koid;
    assert_int_equal(job_koid_of(cp), cp_koid);
    /* the creator ended: nothing to inherit, a job of its own */
    ST(kill_h(proc_h(own, PM_DH_PROCESS)), PM_OK);
    uint64_t late = launch_flags(SH, PM_INFO_INHERIT_JOB, none), late_koid = REP.koid;
    assert_int_equal(job_koid_of(late), late_koid);
    const uint64_t all[] = { inh, child, alone, named, cp, late };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        ST(kill_h(proc_h(all[i], PM_DH_PROCESS)), PM_OK);
        close_both(all[i]);
    }
    close_both(own);
    ST(close_h(job), PM_OK);
}

static void test_every_code_covered(void **state)
{
    (void)state;
    static const int codes[] = {
#define X(e, n, name, msg) n,
        PM_STATUS_PROTO(X) PM_STATUS_CORE(X) PM_STATUS_KERNEL(X)
#undef X
    };
    int missing = 0;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        int c = codes[i], excused = 0;
        for (size_t j = 0; j < sizeof NOT_REACHABLE / sizeof NOT_REACHABLE[0]; j++)
            if (NOT_REACHABLE[j] == c)
                excused = 1;
        if (excused && SEEN[c]) {
            print_error("%s is listed as not reachable but was produced\n", pm_status_name(c));
            missing++;
        }
        if (!excused && !SEEN[c]) {
            print_error("no scenario produces %s (%d)\n", pm_status_name(c), c);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_launch_exit_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_execfn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dynamic_create_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stack_randomized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_process_and_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builder_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_dup_watch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_registry_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kernel_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protocol_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ended_ring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_launch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_execfn, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_script_kernel_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signal_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_suspend_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_job, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rlimit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_info_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query_details, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_any_tree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_job_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inherit_job, setup, teardown),
        cmocka_unit_test(test_every_code_covered),
    };
    return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
