/*
 * kdiff: kernel-differential test of the ELF validator.
 *
 *   kdiff [--seed N] [--mutants N] [--time-limit S] [--self-test] WORKDIR FILE...
 *
 * From each input executable it derives mutants (ELF header and program
 * header fields set to boundary values, random field values, bit flips in the
 * header area, two-field combinations, truncations at interesting offsets),
 * writes each to WORKDIR (mode 0755; a clean copy of the input is patched
 * in place and restored afterwards, so the test stays fast), reads it back exactly as elfcheck does
 * (elfcheck_read_header) and validates it in process.  Then it asks the
 * running kernel: a child (clone with CLONE_VM|CLONE_VFORK) does
 * ptrace(PTRACE_TRACEME) and execve(mutant); the parent waits.  A SIGTRAP stop means execve succeeded
 * (the child is stopped before the mutant's first instruction, and is killed
 * there); an exit with a status means execve returned that errno; death by a
 * signal means the kernel gave up after the point of no return.
 *
 * Claim checked: validator-accepted implies kernel-accepted.  The one
 * documented exception is a mutant whose PT_INTERP now names a different
 * string than the input's interpreter (a mutated p_offset/p_filesz of
 * PT_INTERP): such a name usually does not exist, so execve fails with ENOENT
 * for a reason outside the image; those are counted in their own bucket and
 * not asserted.  All four quadrants are printed.  The mutants and the
 * validator's verdicts are deterministic (xorshift PRNG, fixed seed); the
 * kernel's verdict on a few validator-rejected mutants varies from run to run
 * with address-space randomization (huge spans placed at random bases).
 * Stops generating at the time limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "../support/elfimg.h"
#include "../../src/cli/elfcheck_read.h"

#define MAX_INPUT   (16u << 20)     /* inputs larger than this are skipped */
#define MAX_PATCHES 2

typedef struct patch { uint64_t off; unsigned width; uint64_t val; } patch;

typedef struct mutant {
    char     what[160];
    unsigned npatch;
    patch    p[MAX_PATCHES];
    uint64_t trunc;            /* 0: none, else new file size */
} mutant;

typedef struct input {
    const char *path;
    uint8_t    *data;
    uint64_t    size;
    uint64_t    phoff;
    unsigned    phnum;
    char        interp[PM_ELF_INTERP_MAX + 1];   /* "" if none */
} input;

enum kres { K_ACCEPT, K_ERRNO, K_KILLED, K_PROBE_FAIL };

typedef struct stats {
    unsigned long mutants, va_ka, va_kr, vr_ka, vr_kr, interp_changed,
                  interp_changed_kr, probe_fail, unbiasable;
    unsigned long by_code[200];      /* validator rejections by code */
    unsigned long kerr[256];         /* kernel errnos */
    unsigned long ksig;              /* kernel kills after no-return */
} stats;

static uint64_t rng_state;
static pm_elf_policy g_pol;     /* the policy under test */
static int g_self_test;         /* --self-test: planted disagreements */

static uint64_t rnd(void)
{
    uint64_t x = rng_state;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return rng_state = x;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --- files ------------------------------------------------------------------ */

static int load_input(input *in, const char *path)
{
    static uint8_t hdr[PM_ELF_HEADER_AREA];
    uint64_t n, size;
    char why[256];
    FILE *f;

    memset(in, 0, sizeof *in);
    in->path = path;
    if (elfcheck_read_header(path, hdr, &n, &size, why, sizeof why) != 0 ||
        size > MAX_INPUT || n < 64) {
        fprintf(stderr, "kdiff: skipping %s: %s\n", path,
                size > MAX_INPUT ? "too large" : why);
        return -1;
    }
    in->data = malloc(size);
    f = fopen(path, "rb");
    if (!in->data || !f || fread(in->data, 1, size, f) != size) {
        fprintf(stderr, "kdiff: cannot read %s\n", path);
        if (f) fclose(f);
        free(in->data);
        in->data = NULL;
        return -1;
    }
    fclose(f);
    in->size = size;
    in->phoff = elfimg_get(in->data, size, 32, 8);
    in->phnum = (unsigned)elfimg_get(in->data, size, 56, 2);
    for (unsigned i = 0; i < in->phnum && i < PM_ELF_MAX_PHNUM; i++) {
        uint64_t ph = in->phoff + (uint64_t)i * 56;
        uint64_t off = elfimg_get(in->data, size, ph + 8, 8);
        uint64_t len = elfimg_get(in->data, size, ph + 32, 8);
        if (elfimg_get(in->data, size, ph, 4) == ELFIMG_PT_INTERP &&
            len <= PM_ELF_INTERP_MAX && off < size && len <= size - off) {
            memcpy(in->interp, in->data + off, (size_t)len);
            in->interp[len] = 0;
        }
    }
    return 0;
}

static int pwrite_all(int fd, const uint8_t *d, uint64_t n, uint64_t off)
{
    uint64_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, d + done, (size_t)(n - done), (off_t)(off + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (uint64_t)w;
    }
    return 0;
}

/* Turn the file at `path` (a clean copy of the input, see make_clean) into
 * the mutant, or back (undo != 0): patches are a few bytes, truncation cuts
 * or restores the tail.  Never rewrites the whole file. */
static int apply_mutant(const char *path, const input *in, const mutant *m,
                        int undo)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    int rc = fd < 0 ? -1 : 0;
    uint8_t b[8];

    for (unsigned i = 0; rc == 0 && i < m->npatch; i++) {
        const patch *p = &m->p[i];
        uint64_t w = p->off < in->size ? in->size - p->off : 0;
        if (w > p->width)
            w = p->width;
        if (undo)
            memcpy(b, in->data + p->off, (size_t)w);
        else
            elfimg_put(b, sizeof b, 0, p->width, p->val);
        rc = pwrite_all(fd, b, w, p->off);
    }
    if (rc == 0 && m->trunc)
        rc = undo ? pwrite_all(fd, in->data + m->trunc, in->size - m->trunc, m->trunc)
                  : ftruncate(fd, (off_t)m->trunc);
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    return rc;
}

/* A fresh copy of the input at `path`. */
static int make_clean(const char *path, const input *in)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    int rc = fd < 0 ? -1 : pwrite_all(fd, in->data, in->size, 0);
    if (fd >= 0 && close(fd) != 0)
        rc = -1;
    if (rc == 0)
        rc = chmod(path, 0755);
    return rc;
}

/* --- the kernel's opinion ------------------------------------------------------ */

/* The probe child: runs on its own stack in the parent's memory (vfork
 * semantics, so the probe does not copy the parent's page tables, which an
 * ASan process makes slow), and calls the kernel directly: no libc state is
 * touched but errno, and the parent is suspended until the exec. */
typedef struct probe_arg { const char *path; char **argv, **envp; } probe_arg;

static int probe_child(void *p)
{
    const probe_arg *a = p;
    long e;
    if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != 0)
        syscall(SYS_exit, 255);
    syscall(SYS_execve, a->path, a->argv, a->envp);
    e = errno;
    syscall(SYS_exit, e < 255 ? e : 254);
    return 0;
}

static enum kres probe_kernel(const char *path, int *detail)
{
    static uint8_t stack[64 * 1024] __attribute__((aligned(16)));
    char *argv[] = { (char *)path, NULL };
    char *envp[] = { NULL };
    probe_arg a = { path, argv, envp };
    int st;
    pid_t pid = clone(probe_child, stack + sizeof stack,
                      CLONE_VM | CLONE_VFORK | SIGCHLD, &a);

    if (pid < 0)
        return K_PROBE_FAIL;
    if (waitpid(pid, &st, 0) != pid)
        return K_PROBE_FAIL;
    if (WIFSTOPPED(st)) {
        /* SIGTRAP: the exec completed.  Any other signal is the kernel
         * killing the child after the point of no return (force_sig), seen
         * here as a signal-delivery stop: a rejection. */
        *detail = WSTOPSIG(st);
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) == pid && !WIFEXITED(st) && !WIFSIGNALED(st))
            ptrace(PTRACE_CONT, pid, NULL, NULL);
        return *detail == SIGTRAP ? K_ACCEPT : K_KILLED;
    }
    if (WIFEXITED(st)) {
        *detail = WEXITSTATUS(st);
        return *detail == 255 ? K_PROBE_FAIL : K_ERRNO;
    }
    *detail = WTERMSIG(st);
    return K_KILLED;
}

/* --- mutant generation ---------------------------------------------------------- */

static uint64_t boundary(uint64_t orig, unsigned k)
{
    static const uint64_t v[] = {
        0, 1, UINT64_MAX, 0xfff, 0x1000, 0x1001, 0x10000, 0xffff,
        1ull << 32, 1ull << 47, (1ull << 47) - 0x1000, 1ull << 63,
        UINT64_MAX - 0xfff, 0x7ffffffff000ull,
    };
    unsigned nv = sizeof v / sizeof v[0];
    if (k < nv)
        return v[k];
    switch (k - nv) {
    case 0: return orig + 1;
    case 1: return orig - 1;
    case 2: return orig + 0x1000;
    case 3: return orig - 0x1000;
    case 4: return orig * 2;
    case 5: return orig / 2;
    case 6: return orig + 0x200000;
    default: return orig ^ (1ull << (rnd() % 64));
    }
}
#define NBOUNDARY 22u

/* One random field (ELF header or one program header) and a value for it. */
static void pick_field(const input *in, patch *p, char *what, size_t wn)
{
    unsigned nph = in->phnum < PM_ELF_MAX_PHNUM ? in->phnum : PM_ELF_MAX_PHNUM;
    const elfimg_field *f;
    uint64_t base;
    char where[32];

    if (nph == 0 || rnd() % 4 == 0) {
        f = &elfimg_ehdr_fields[rnd() % elfimg_ehdr_nfields];
        base = 0;
        snprintf(where, sizeof where, "ehdr");
    } else {
        unsigned i = (unsigned)(rnd() % nph);
        f = &elfimg_phdr_fields[rnd() % elfimg_phdr_nfields];
        base = in->phoff + (uint64_t)i * 56;
        snprintf(where, sizeof where, "phdr[%u]", i);
    }
    p->off = base + f->off;
    p->width = f->width;
    p->val = boundary(elfimg_get(in->data, in->size, p->off, f->width),
                      (unsigned)(rnd() % (NBOUNDARY + 2)));
    if (f->width < 8)
        p->val &= (1ull << (8 * f->width)) - 1;
    snprintf(what, wn, "%s.%s=%#llx", where, f->name, (unsigned long long)p->val);
}

/* Truncation points: header edges, phdr entries, segment file ends. */
static uint64_t pick_trunc(const input *in)
{
    uint64_t cand[8 + 2 * PM_ELF_MAX_PHNUM];
    unsigned n = 0;
    cand[n++] = 1; cand[n++] = 16; cand[n++] = 63; cand[n++] = 64;
    cand[n++] = in->size / 2; cand[n++] = in->size - 1;
    cand[n++] = in->phoff + (uint64_t)in->phnum * 56 - 1;
    for (unsigned i = 0; i < in->phnum && i < PM_ELF_MAX_PHNUM; i++) {
        uint64_t ph = in->phoff + (uint64_t)i * 56;
        uint64_t off = elfimg_get(in->data, in->size, ph + 8, 8);
        uint64_t fsz = elfimg_get(in->data, in->size, ph + 32, 8);
        cand[n++] = ph + 30;
        cand[n++] = off + fsz - 1;
    }
    uint64_t t = cand[rnd() % n];
    return t >= 1 && t < in->size ? t : in->size - 1;
}

static void make_mutant(const input *in, mutant *m)
{
    unsigned kind = (unsigned)(rnd() % 16);
    memset(m, 0, sizeof *m);
    if (kind < 9) {                      /* one field */
        m->npatch = 1;
        pick_field(in, &m->p[0], m->what, sizeof m->what);
    } else if (kind < 11) {              /* two fields */
        char a[80], b[80];
        m->npatch = 2;
        pick_field(in, &m->p[0], a, sizeof a);
        pick_field(in, &m->p[1], b, sizeof b);
        snprintf(m->what, sizeof m->what, "%s %s", a, b);
    } else if (kind < 14) {              /* bit flip in the header area */
        uint64_t end = in->phoff + (uint64_t)in->phnum * 56;
        uint64_t lim = end < in->size ? end : in->size;
        uint64_t off = rnd() % (lim < 64 ? 64 : lim);
        unsigned bit = (unsigned)(rnd() % 8);
        m->npatch = 1;
        m->p[0] = (patch){ off, 1, (uint64_t)(in->data[off] ^ (1u << bit)) };
        snprintf(m->what, sizeof m->what, "flip byte %#llx bit %u",
                 (unsigned long long)off, bit);
    } else {                             /* truncation */
        m->trunc = pick_trunc(in);
        snprintf(m->what, sizeof m->what, "truncate to %llu",
                 (unsigned long long)m->trunc);
    }
}

/* --- one mutant ------------------------------------------------------------------- */

static int interp_changed(const input *in, const pm_elf_plan *plan,
                          const uint8_t *buf)
{
    if (!plan->has_interp)
        return 0;
    return strlen(in->interp) + 1 != plan->interp_len ||
           memcmp(in->interp, buf + plan->interp_off, (size_t)plan->interp_len) != 0;
}

static int bad_keep_needed(pm_status st, int ichg, enum kres k)
{
    return st == PM_OK && !ichg && (k == K_ERRNO || k == K_KILLED);
}

/* Keep a copy of a counter-example for reproduction. */
static void keep_copy(const char *path, const char *workdir, unsigned long n)
{
    char keep[4096], cmd[8300];
    snprintf(keep, sizeof keep, "%s/fail-%lu.elf", workdir, n);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, keep);
    if (system(cmd) != 0)
        fprintf(stderr, "kdiff: could not keep %s\n", keep);
}

/* Can the mapper place an accepted plan?  ET_EXEC: bias 0; ET_DYN: the
 * lowest bias that is a multiple of plan->align and >= min_vaddr. */
static int biasable(const pm_elf_plan *plan, const pm_elf_policy *pol)
{
    pm_elf_plan copy = *plan;
    uint64_t b = 0;
    if (plan->type == 3) {
        uint64_t a = plan->align ? plan->align : 1;
        b = pol->min_vaddr % a ? pol->min_vaddr + (a - pol->min_vaddr % a)
                               : pol->min_vaddr;
        if (b < pol->min_vaddr)    /* wrapped */
            return 0;
    }
    return pm_elf_plan_apply_bias(&copy, pol, b) == PM_OK;
}

/* Returns 1 when the claim is violated. */
static int run_mutant(const char *path, const input *in, const mutant *m,
                      stats *s, const char *workdir)
{
    static uint8_t buf[PM_ELF_READ_MAX];
    uint64_t n = 0, size = 0;
    char why[256];
    pm_elf_policy pol;
    pm_elf_plan plan;
    pm_status st = PM_E_ELF_TRUNCATED;
    int detail = 0, bad = 0, ichg = 0;
    enum kres k;

    if (apply_mutant(path, in, m, 0) != 0) {
        perror(path);
        exit(2);
    }
    pol = g_pol;
    if (elfcheck_read_validate(path, buf, &pol, PM_ELF_ROLE_PROGRAM, &plan,
                               &st, &n, &size, why, sizeof why) != 0)
        st = PM_E_ELF_TRUNCATED;
    if (st == PM_OK) {
        ichg = interp_changed(in, &plan, buf);
        if (!biasable(&plan, &pol)) {
            if (s->unbiasable++ < 5)
                printf("note: accepted plan has no usable bias (align %#llx): "
                       "%s [%s]\n", (unsigned long long)plan.align, in->path,
                       m->what);
        }
    }
    k = probe_kernel(path, &detail);
    s->mutants++;
    if (bad_keep_needed(st, ichg, k))
        keep_copy(path, workdir, s->va_kr + 1);
    if (apply_mutant(path, in, m, 1) != 0) {
        perror(path);
        exit(2);
    }
    if (k == K_PROBE_FAIL) {
        s->probe_fail++;
        return 0;
    }
    if (k == K_ERRNO) s->kerr[detail & 255]++;
    if (k == K_KILLED) s->ksig++;
    if (st == PM_OK && ichg) {
        s->interp_changed++;
        s->interp_changed_kr += k != K_ACCEPT;
    } else if (st == PM_OK && k == K_ACCEPT) {
        s->va_ka++;
    } else if (st == PM_OK) {
        s->va_kr++;
        bad = 1;
    } else {
        s->by_code[(unsigned)st % 200]++;
        if (k == K_ACCEPT) s->vr_ka++; else s->vr_kr++;
    }
    if (bad)
        printf("%s: validator accepts, kernel %s %d: %s [%s] (kept as "
               "%s/fail-%lu.elf)\n",
               g_self_test ? "planted" : "FAIL",
               k == K_ERRNO ? "execve errno" : "killed by signal", detail,
               in->path, m->what, workdir, s->va_kr);
    return bad;
}

static void report(const stats *s, double secs)
{
    printf("kdiff: %lu mutants in %.1f s (%lu probe failures)\n", s->mutants,
           secs, s->probe_fail);
    printf("  validator accept, kernel accept : %lu\n", s->va_ka);
    printf("  validator accept, kernel reject : %lu   <- must be 0\n", s->va_kr);
    printf("  validator reject, kernel accept : %lu   (validator stricter)\n", s->vr_ka);
    printf("  validator reject, kernel reject : %lu\n", s->vr_kr);
    printf("  validator accept, PT_INTERP name changed by the mutation: %lu "
           "(kernel rejected %lu; not asserted)\n",
           s->interp_changed, s->interp_changed_kr);
    printf("  validator accept, but no load bias accepted by "
           "pm_elf_plan_apply_bias: %lu (not asserted; see notes)\n", s->unbiasable);
    printf("  validator rejections by code:");
    for (unsigned c = 0; c < 200; c++)
        if (s->by_code[c])
            printf(" %u %s=%lu", c, pm_status_name((int)c), s->by_code[c]);
    printf("\n  kernel execve errnos:");
    for (unsigned e = 0; e < 256; e++)
        if (s->kerr[e])
            printf(" %s=%lu", strerrorname_np((int)e) ? strerrorname_np((int)e) : "?",
                   s->kerr[e]);
    printf("; killed after the point of no return: %lu\n", s->ksig);
}

/* Show that the differential can fail: with a policy that also allows
 * aarch64, an x86-64 input relabelled EM_AARCH64 is accepted by the
 * validator and refused by this kernel (ENOEXEC).  Every such planted
 * disagreement must be caught. */
static int self_test(input *in, int ninputs, const char *workdir)
{
    static stats s;
    int caught = 0;

    g_pol.machines |= PM_ELF_MACH_AARCH64;
    for (int k = 0; k < ninputs; k++) {
        mutant m;
        char path[4096];
        memset(&m, 0, sizeof m);
        m.npatch = 1;
        m.p[0] = (patch){ 18, 2, ELFIMG_EM_AARCH64 };
        snprintf(m.what, sizeof m.what, "ehdr.e_machine=EM_AARCH64, policy allows aarch64");
        snprintf(path, sizeof path, "%s/self-%d", workdir, k);
        if (make_clean(path, &in[k]) != 0) {
            perror(path);
            return 2;
        }
        caught += run_mutant(path, &in[k], &m, &s, workdir);
    }
    for (int k = 0; k < ninputs; k++)
        free(in[k].data);
    free(in);
    printf("kdiff self-test: caught %d of %d planted disagreements\n", caught, ninputs);
    return caught == ninputs ? 0 : 1;
}

int main(int argc, char **argv)
{
    static stats s;
    unsigned long want = 3000, seed = 0x5eed2026;
    double limit = 50, t0 = now();
    int i = 1, fails = 0, ninputs = 0;
    input *in;

    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--seed") == 0) seed = strtoul(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--mutants") == 0) want = strtoul(argv[i + 1], NULL, 0);
        else if (strcmp(argv[i], "--time-limit") == 0) limit = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--self-test") == 0) { g_self_test = 1; i--; }
        else break;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: kdiff [--seed N] [--mutants N] [--time-limit S] "
                        "[--self-test] WORKDIR FILE...\n");
        return 2;
    }
    const char *workdir = argv[i++];
    in = calloc((size_t)(argc - i), sizeof *in);
    for (; i < argc; i++) {
        if (load_input(&in[ninputs], argv[i]) == 0)
            ninputs++;
    }
    if (ninputs == 0) {
        fprintf(stderr, "kdiff: no usable input\n");
        return 2;
    }
    rng_state = seed ? seed : 1;
    pm_elf_policy_default(&g_pol);
    if (g_self_test)
        return self_test(in, ninputs, workdir);
    printf("kdiff: %d inputs, seed %#lx, up to %lu mutants, time limit %.0f s\n",
           ninputs, seed, want, limit);

    /* One clean copy per input, mutated in place and restored; first run
     * unmodified (every input must be accepted by both). */
    for (int k = 0; k < ninputs; k++) {
        mutant none;
        char path[4096];
        memset(&none, 0, sizeof none);
        snprintf(none.what, sizeof none.what, "unmodified");
        snprintf(path, sizeof path, "%s/mutant-%d", workdir, k);
        if (make_clean(path, &in[k]) != 0) {
            perror(path);
            return 2;
        }
        fails += run_mutant(path, &in[k], &none, &s, workdir);
    }
    if (s.va_ka != (unsigned long)ninputs) {
        printf("FAIL: not every unmodified input is accepted by both the "
               "validator and the kernel (%lu of %d)\n", s.va_ka, ninputs);
        return 1;
    }
    for (unsigned long k = 0; k < want && now() - t0 < limit; k++) {
        mutant m;
        char path[4096];
        const input *src = &in[k % (unsigned long)ninputs];
        make_mutant(src, &m);
        snprintf(path, sizeof path, "%s/mutant-%lu", workdir, k % (unsigned long)ninputs);
        fails += run_mutant(path, src, &m, &s, workdir);
    }
    if (s.mutants < want + (unsigned long)ninputs)
        printf("kdiff: time limit reached after %lu of %lu mutants\n",
               s.mutants - (unsigned long)ninputs, want);
    report(&s, now() - t0);
    for (int k = 0; k < ninputs; k++)
        free(in[k].data);
    free(in);
    if (s.probe_fail * 20 > s.mutants) {
        printf("FAIL: the kernel probe failed for more than 5%% of mutants\n");
        return 1;
    }
    if (s.va_ka <= (unsigned long)ninputs || s.vr_kr == 0 || s.vr_ka == 0) {
        printf("FAIL: a quadrant that must be populated is empty; the probe "
               "or the mutator is not doing its job\n");
        return 1;
    }
    return fails ? 1 : 0;
}
