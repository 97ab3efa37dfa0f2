/*
 * The stub's defence in depth (issue 14, spec/linux-loader.md section 9):
 * the real stub, started as the Linux backend starts it, is fed build
 * messages procmgr's own bookkeeping would never send (a W+X op, a
 * misaligned one, a map over a mapped page, a MAP_IMAGE beyond the image,
 * a WRITE outside every mapping).  Each must be refused with its reason
 * code and the failing op's index, before anything is mapped, and the
 * stub must exit unstarted (127): no process is left running.  A valid
 * build of the same shape is accepted (the refusals are not blanket).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "../../src/kernel/linux/lx_common.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define PAGE 4096ull
#define BASE 0x100000000000ull   /* far from the stub, the stack and the vDSO */

typedef struct stub_child {
    int pid, pidfd, ctl;
} stub_child;

static void child_start(stub_child *c)
{
    static char *const argv[] = { "procmgr-stub", NULL };
    static char *const envp[] = { NULL };
    int sv[2], err = 0;
    pm_stub_hello h;

    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(pm_lx_clone_stub(sv[1], argv, envp, &c->pid, &c->pidfd, &err), PM_OK);
    close(sv[1]);
    c->ctl = sv[0];
    assert_int_equal(pm_lx_recv_hello(c->ctl, &h, &err), PM_OK);
}

/* The stub's exit status once it is gone (reaped: no zombie either). */
static int child_exit(stub_child *c)
{
    siginfo_t si;
    int code;

    memset(&si, 0, sizeof si);
    assert_int_equal(waitid((idtype_t)P_PIDFD, (id_t)c->pidfd, &si, WEXITED), 0);
    close(c->pidfd);
    close(c->ctl);
    assert_int_equal(kill(c->pid, 0), -1);   /* nothing left running */
    assert_int_equal(errno, ESRCH);
    code = si.si_code == CLD_EXITED ? si.si_status : 1000 + si.si_status;
    return code;
}

static pm_stub_build *build_new(void)
{
    pm_stub_build *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->magic = PM_STUB_BUILD_MAGIC;
    b->version = PM_STUB_VERSION;
    b->nimages = 1;
    return b;
}

static void op_set(pm_stub_build *b, uint32_t kind, uint32_t prot, uint64_t vaddr,
                   uint64_t len, uint64_t off)
{
    pm_stub_op *o = &b->op[b->nops++];
    o->kind = kind;
    o->prot = prot;
    o->vaddr = vaddr;
    o->len = len;
    o->off = off;
}

/* Send b with one image (this test's own executable, a regular file of a
 * few pages) and read the stub's reply. */
static pm_stub_reply run_build(stub_child *c, const pm_stub_build *b)
{
    int img = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), err = 0;
    pm_stub_reply r;

    assert_true(img >= 0);
    assert_int_equal(pm_lx_send_fds(c->ctl, b, (size_t)PM_STUB_BUILD_LEN(b->nops, 0),
                                    &img, 1, &err), PM_OK);
    close(img);
    memset(&r, 0, sizeof r);
    assert_int_equal(recv(c->ctl, &r, sizeof r, 0), (ssize_t)sizeof r);
    assert_int_equal(r.magic, PM_STUB_REPLY_MAGIC);
    return r;
}

static void expect_refused(pm_stub_build *b, pm_status code, uint32_t op)
{
    stub_child c;
    pm_stub_reply r;

    child_start(&c);
    r = run_build(&c, b);
    assert_int_equal(r.status, code);
    assert_int_equal(r.stage, PM_STUB_STAGE_CHECK);
    assert_int_equal(r.op, op);
    assert_int_equal(child_exit(&c), 127);
    free(b);
}

static void test_wx(void **state)
{
    pm_stub_build *b = build_new();
    (void)state;
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE, PAGE, 0);
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R | PM_PROT_W | PM_PROT_X, BASE + 4 * PAGE, PAGE, 0);
    expect_refused(b, PM_E_LINUX_STUB_WX, 1);
}

static void test_protect_wx(void **state)
{
    pm_stub_build *b = build_new();
    (void)state;
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R | PM_PROT_W, BASE, PAGE, 0);
    op_set(b, PM_STUB_OP_PROTECT, PM_PROT_W | PM_PROT_X, BASE, PAGE, 0);
    expect_refused(b, PM_E_LINUX_STUB_WX, 1);
}

static void test_misaligned(void **state)
{
    pm_stub_build *b = build_new();
    (void)state;
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE + 16, PAGE, 0);
    expect_refused(b, PM_E_LINUX_STUB_ALIGN, 0);
    b = build_new();
    op_set(b, PM_STUB_OP_MAP_IMAGE, PM_PROT_R, BASE, PAGE, 512);
    expect_refused(b, PM_E_LINUX_STUB_ALIGN, 0);
}

static void test_overlap(void **state)
{
    pm_stub_build *b = build_new();
    (void)state;
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE, 4 * PAGE, 0);
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE + 8 * PAGE, PAGE, 0);
    op_set(b, PM_STUB_OP_MAP_IMAGE, PM_PROT_R, BASE + 3 * PAGE, 2 * PAGE, 0);
    expect_refused(b, PM_E_LINUX_STUB_OVERLAP, 2);
    /* an UNMAP of only part of the shared pages does not make room */
    b = build_new();
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE, 4 * PAGE, 0);
    op_set(b, PM_STUB_OP_UNMAP, 0, BASE + 3 * PAGE, PAGE, 0);
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE + 2 * PAGE, 2 * PAGE, 0);
    expect_refused(b, PM_E_LINUX_STUB_OVERLAP, 2);
}

static void test_out_of_file(void **state)
{
    pm_stub_build *b = build_new();
    (void)state;
    op_set(b, PM_STUB_OP_MAP_IMAGE, PM_PROT_R, BASE, PAGE, 1ull << 40);
    expect_refused(b, PM_E_LINUX_STUB_FILE_RANGE, 0);
}

static void test_unmapped(void **state)
{
    pm_stub_build *b = build_new();
    (void)state;
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R | PM_PROT_W, BASE, PAGE, 0);
    op_set(b, PM_STUB_OP_ZERO, PM_PROT_R | PM_PROT_W, BASE + PAGE - 8, 16, 0);
    expect_refused(b, PM_E_LINUX_STUB_UNMAPPED, 1);
    /* a write after the mapping was removed */
    b = build_new();
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R | PM_PROT_W, BASE, 2 * PAGE, 0);
    op_set(b, PM_STUB_OP_UNMAP, 0, BASE + PAGE, PAGE, 0);
    op_set(b, PM_STUB_OP_ZERO, PM_PROT_R | PM_PROT_W, BASE + PAGE, 16, 0);
    expect_refused(b, PM_E_LINUX_STUB_UNMAPPED, 2);
}

/* The same shapes made valid are built (then EOF: the stub exits 127
 * without running anything). */
static void test_valid_accepted(void **state)
{
    pm_stub_build *b = build_new();
    stub_child c;
    pm_stub_reply r;
    (void)state;

    op_set(b, PM_STUB_OP_MAP_IMAGE, PM_PROT_R, BASE, PAGE, 0);
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R | PM_PROT_W, BASE + 4 * PAGE, 2 * PAGE, 0);
    op_set(b, PM_STUB_OP_UNMAP, 0, BASE + 4 * PAGE, 2 * PAGE, 0);
    op_set(b, PM_STUB_OP_MAP_ZERO, PM_PROT_R, BASE + 4 * PAGE, PAGE, 0);
    op_set(b, PM_STUB_OP_ZERO, PM_PROT_R, BASE + 4 * PAGE + 8, 16, 0);
    op_set(b, PM_STUB_OP_PROTECT, PM_PROT_R | PM_PROT_X, BASE, PAGE, 0);
    child_start(&c);
    r = run_build(&c, b);
    assert_int_equal(r.status, PM_OK);
    shutdown(c.ctl, SHUT_WR);
    assert_int_equal(child_exit(&c), 127);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wx),
        cmocka_unit_test(test_protect_wx),
        cmocka_unit_test(test_misaligned),
        cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_out_of_file),
        cmocka_unit_test(test_unmapped),
        cmocka_unit_test(test_valid_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
