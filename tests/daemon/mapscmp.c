/*
 * mapscmp: the address space procmgrd builds against the one a kernel
 * execve builds, for the same program, both stopped at the program's first
 * instruction (spec/linux-fidelity.md).
 *
 *   mapscmp SOCKET DAEMON_PID PROGRAM [ARGS...]
 *
 * Kernel side: fork, PTRACE_TRACEME, execv(PROGRAM): the child stops with
 * SIGTRAP after the exec, before its first instruction (ld.so's for a
 * dynamic program); /proc/PID/maps is read there.
 * procmgr side: pm_client_spawn with PM_SPAWN_SUSPENDED through
 * libprocmgr.  The protocol carries no host pid: the host process is the
 * daemon's one child (/proc/DAEMON_PID/task/ * /children) that maps the
 * program's file at the start data's image base (the backend may keep
 * pre-started stubs, so the newest child is not it).  It is seized
 * (PTRACE_SEIZE), given a hardware execution breakpoint (DR0) at the start
 * data's entry, and started with
 * pm_client_start; it stops on the breakpoint with %rip = entry, after the
 * stub has gone, which is the state a kernel exec leaves.
 * Both are then detached and run to their end: same exit status.
 *
 * Also compared at the stop: the auxiliary vector (/proc/PID/auxv; each
 * entry by value, or for addresses by the object and offset they point
 * at; AT_EXECFN and AT_PLATFORM strings), and the registers (general and
 * segment registers and fs/gs base equal, %rip at the same place, %rsp
 * 16-byte aligned in [stack] on both sides, %eflags up to the arithmetic
 * flags).  Entries the kernel writes that procmgr lacks are reported as
 * "# gap:" lines (table aux_gaps), not failures.
 *
 * Normalization (addresses are randomized and procmgr uses other windows):
 * each mapping becomes (object, offset from the object's first mapping,
 * size, perms, file offset or "anon").  A file mapping's object is its
 * path; an anonymous mapping right after a file mapping belongs to that
 * file (its zero-fill tail: .bss); [stack], [vdso], [vvar]... are their
 * own objects; any other anonymous mapping is "anon".  The known,
 * documented differences are the table `known` below; anything else is a
 * failure.  Exit 0 when equal up to the known differences, 1 otherwise,
 * 2 on a setup failure.  Prints "# known: ..." for each known difference
 * met and the normalized maps of both sides on a failure.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procmgr/client.h"

#define MAX_MAPS   256
#define MAX_KIDS   1024
#define PAGE       4096u

typedef struct mapping {
    uint64_t lo, hi, off, ino;
    char     perms[5];
    char     path[512];     /* file path, [name], or "" (anonymous) */
    char     obj[512];      /* object it is grouped with */
    uint64_t rel;           /* lo - the object's first lo */
    int      file;          /* a file mapping (off meaningful) */
    int      matched;
} mapping;

#define MAX_AUX 64

typedef struct space {
    mapping m[MAX_MAPS];
    int     n;
    uint64_t aux[MAX_AUX][2];      /* /proc/PID/auxv up to AT_NULL */
    int      naux;
    struct user_regs_struct regs;  /* at the stop */
    char     execfn[4096], platform[64];
} space;

static space g_kern, g_pm;
static int g_quiet;

/* ---- reading and normalizing /proc/PID/maps -------------------------------- */

static int read_maps(pid_t pid, space *s)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    s->n = 0;
    while (s->n < MAX_MAPS && fgets(line, sizeof line, f) != NULL) {
        mapping *m = &s->m[s->n];
        unsigned long long lo, hi, off, ino;
        char perms[8], dev[32];
        int pos = 0;
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (sscanf(line, "%llx-%llx %7s %llx %31s %llu %n", &lo, &hi, perms, &off, dev,
                   &ino, &pos) < 6)
            continue;
        memset(m, 0, sizeof *m);
        m->lo = lo;
        m->hi = hi;
        m->off = off;
        m->ino = ino;
        snprintf(m->perms, sizeof m->perms, "%.4s", perms);
        snprintf(m->path, sizeof m->path, "%s", pos > 0 ? line + pos : "");
        m->file = m->path[0] == '/';
        s->n++;
    }
    fclose(f);
    return s->n > 0 ? 0 : -1;
}

static uint64_t aux_get(const space *s, uint64_t type, int *found)
{
    for (int i = 0; i < s->naux; i++)
        if (s->aux[i][0] == type) {
            *found = 1;
            return s->aux[i][1];
        }
    *found = 0;
    return 0;
}

/* A NUL-terminated string of the stopped process (we are its tracer). */
static void read_str(pid_t pid, uint64_t addr, char *buf, size_t cap)
{
    char path[64];
    buf[0] = '\0';
    if (addr == 0)
        return;
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t r = pread(fd, buf, cap - 1, (off_t)addr);
    buf[r > 0 ? r : 0] = '\0';
    close(fd);
}

/* Everything compared, read at the stop: maps, auxv, registers, the
 * AT_EXECFN and AT_PLATFORM strings. */
static int snapshot(pid_t pid, space *s)
{
    char path[64];
    uint64_t raw[2 * MAX_AUX];
    if (read_maps(pid, s) != 0)
        return -1;
    snprintf(path, sizeof path, "/proc/%d/auxv", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, raw, sizeof raw);
    close(fd);
    s->naux = 0;
    for (ssize_t i = 0; r > 0 && (i + 2) * 8 <= r && raw[i] != 0 && s->naux < MAX_AUX; i += 2) {
        s->aux[s->naux][0] = raw[i];
        s->aux[s->naux][1] = raw[i + 1];
        s->naux++;
    }
    if (ptrace(PTRACE_GETREGS, pid, NULL, &s->regs) != 0)
        return -1;
    int f;
    read_str(pid, aux_get(s, 31 /* AT_EXECFN */, &f), s->execfn, sizeof s->execfn);
    read_str(pid, aux_get(s, 15 /* AT_PLATFORM */, &f), s->platform, sizeof s->platform);
    return 0;
}

static void group(space *s)
{
    for (int i = 0; i < s->n; i++) {
        mapping *m = &s->m[i];
        if (m->path[0] != '\0')
            snprintf(m->obj, sizeof m->obj, "%s", m->path);
        else if (i > 0 && s->m[i - 1].hi == m->lo && s->m[i - 1].file)
            snprintf(m->obj, sizeof m->obj, "%s", s->m[i - 1].obj);
        else if (i > 0 && s->m[i - 1].hi == m->lo && s->m[i - 1].path[0] == '\0' &&
                 s->m[i - 1].obj[0] == '/')
            snprintf(m->obj, sizeof m->obj, "%s", s->m[i - 1].obj);
        else
            snprintf(m->obj, sizeof m->obj, "anon");
    }
    for (int i = 0; i < s->n; i++) {
        uint64_t base = s->m[i].lo;
        for (int j = 0; j < s->n; j++)
            if (strcmp(s->m[j].obj, s->m[i].obj) == 0 && s->m[j].lo < base)
                base = s->m[j].lo;
        s->m[i].rel = strcmp(s->m[i].obj, "anon") == 0 ? 0 : s->m[i].lo - base;
    }
}

static void show(const char *side, const space *s)
{
    for (int i = 0; i < s->n; i++) {
        const mapping *m = &s->m[i];
        char off[32] = "anon";
        if (m->file)
            snprintf(off, sizeof off, "off 0x%llx", (unsigned long long)m->off);
        printf("#   %-7s %-40s +0x%-8llx %8llu KiB %s %s\n", side, m->obj,
               (unsigned long long)m->rel, (unsigned long long)(m->hi - m->lo) / 1024u,
               m->perms, off);
    }
}

/* ---- the known differences ---------------------------------------------------- */
/* Each is inherent to building a process from outside the kernel's ELF
 * loader, or a documented choice (spec/linux-fidelity.md section 3).  A
 * mapping one of these accounts for is reported once and not compared
 * further. */

typedef struct known {
    const char *id;
    const char *why;
} known;

static const known k_stack_size = {
    "stack-size",
    "[stack]: the kernel's VMA is what exec touched (about 132 KiB, grows on demand); "
    "procmgr maps the core's whole stack (Linux backend: 8 MiB at 0x5800_0000_0000 - 8 MiB)"
};
static const known k_ipc = {
    "ipc-buffer",
    "procmgr only: the core's IPC-buffer page (rw-p, one page) two pages below the stack, "
    "with an unmapped guard page between them"
};
static const known k_heap = {
    "heap",
    "kernel only: [heap], the brk area the kernel started right after the program "
    "(procmgr's brk stays after the stub image, near 0x6000_0000_0000, and has no VMA "
    "until the program calls brk)"
};
static const known k_tramp = {
    "trampoline",
    "procmgr only: the stub's exit trampoline page (r-xp, one page) left when the "
    "child's vDSO has no syscall;ret gadget (PM_LINUX_TRAMP_LEFT, spec/linux-loader.md "
    "section 5)"
};

static void note(const known *k, const char *detail)
{
    if (!g_quiet)
        printf("# known: %s: %s (%s)\n", k->id, k->why, detail);
}

/* ---- comparison -------------------------------------------------------------------- */

static int same_mapping(const mapping *a, const mapping *b)
{
    return strcmp(a->obj, b->obj) == 0 && a->rel == b->rel && a->hi - a->lo == b->hi - b->lo &&
           strcmp(a->perms, b->perms) == 0 && a->file == b->file &&
           (!a->file || a->off == b->off);
}

/* Mark what the known differences account for; returns the number of
 * failures found on the way (a known kind in an unexpected shape). */
static int apply_known(void)
{
    int fails = 0;
    char d[256];
    /* [stack]: present on both sides, same perms; size differs */
    mapping *ks = NULL, *ps = NULL;
    for (int i = 0; i < g_kern.n; i++)
        if (strcmp(g_kern.m[i].path, "[stack]") == 0)
            ks = &g_kern.m[i];
    for (int i = 0; i < g_pm.n; i++)
        if (strcmp(g_pm.m[i].path, "[stack]") == 0)
            ps = &g_pm.m[i];
    if (ks != NULL && ps != NULL && strcmp(ks->perms, ps->perms) == 0) {
        ks->matched = ps->matched = 1;
        snprintf(d, sizeof d, "kernel %llu KiB, procmgr %llu KiB, both %s",
                 (unsigned long long)(ks->hi - ks->lo) / 1024u,
                 (unsigned long long)(ps->hi - ps->lo) / 1024u, ps->perms);
        note(&k_stack_size, d);
    } else {
        if (!g_quiet)
            printf("# [stack] missing or with other permissions\n");
        fails++;
    }
    /* procmgr's IPC buffer: an anonymous rw-p page 2 pages below [stack] */
    for (int i = 0; ps != NULL && i < g_pm.n; i++) {
        mapping *m = &g_pm.m[i];
        if (!m->matched && strcmp(m->obj, "anon") == 0 && m->hi - m->lo == PAGE &&
            strcmp(m->perms, "rw-p") == 0 && m->hi + PAGE == ps->lo) {
            m->matched = 1;
            note(&k_ipc, "found, guard page unmapped");
        }
    }
    /* the kernel's [heap] (only when the program's brk area has a VMA) */
    for (int i = 0; i < g_kern.n; i++)
        if (strcmp(g_kern.m[i].path, "[heap]") == 0) {
            g_kern.m[i].matched = 1;
            snprintf(d, sizeof d, "%llu KiB", (unsigned long long)(g_kern.m[i].hi - g_kern.m[i].lo) / 1024u);
            note(&k_heap, d);
        }
    /* the trampoline page, when the stub had to leave it */
    for (int i = 0; i < g_pm.n; i++) {
        mapping *m = &g_pm.m[i];
        if (!m->matched && strcmp(m->obj, "anon") == 0 && m->hi - m->lo == PAGE &&
            strcmp(m->perms, "r-xp") == 0) {
            m->matched = 1;
            note(&k_tramp, "found");
        }
    }
    return fails;
}

static int compare(void)
{
    int fails = apply_known();
    for (int i = 0; i < g_kern.n; i++) {
        mapping *a = &g_kern.m[i];
        for (int j = 0; !a->matched && j < g_pm.n; j++) {
            mapping *b = &g_pm.m[j];
            if (!b->matched && same_mapping(a, b))
                a->matched = b->matched = 1;
        }
    }
    for (int i = 0; i < g_kern.n; i++)
        if (!g_kern.m[i].matched) {
            if (!g_quiet)
                printf("# kernel only: %s +0x%llx %llu KiB %s\n", g_kern.m[i].obj,
                   (unsigned long long)g_kern.m[i].rel,
                   (unsigned long long)(g_kern.m[i].hi - g_kern.m[i].lo) / 1024u, g_kern.m[i].perms);
            fails++;
        }
    for (int i = 0; i < g_pm.n; i++)
        if (!g_pm.m[i].matched) {
            if (!g_quiet)
                printf("# procmgr only: %s +0x%llx %llu KiB %s\n", g_pm.m[i].obj,
                   (unsigned long long)g_pm.m[i].rel,
                   (unsigned long long)(g_pm.m[i].hi - g_pm.m[i].lo) / 1024u, g_pm.m[i].perms);
            fails++;
        }
    return fails;
}

/* ---- auxiliary vector and registers at the entry ------------------------------ */

/* The mapping holding addr, or NULL. */
static const mapping *locate(const space *s, uint64_t addr)
{
    for (int i = 0; i < s->n; i++)
        if (addr >= s->m[i].lo && addr < s->m[i].hi)
            return &s->m[i];
    return NULL;
}

/* Same object and same offset in it (both 0 also counts). */
static int same_place(uint64_t a, uint64_t b, int offset_too)
{
    if (a == 0 || b == 0)
        return a == b;
    const mapping *ma = locate(&g_kern, a), *mb = locate(&g_pm, b);
    if (ma == NULL || mb == NULL || strcmp(ma->obj, mb->obj) != 0)
        return 0;
    return !offset_too || a - (ma->lo - ma->rel) == b - (mb->lo - mb->rel);
}

enum aux_rule { AUX_EQ, AUX_PLACE, AUX_IN };

typedef struct aux_kind {
    uint64_t    type;
    const char *name;
    int         rule;
} aux_kind;

/* Every entry Linux x86-64 writes, and how the two sides must agree:
 * equal values, the same place in the same object (addresses), or in the
 * same object (strings and bytes on the stack, placed differently). */
static const aux_kind aux_kinds[] = {
    { 3, "AT_PHDR", AUX_PLACE },         { 4, "AT_PHENT", AUX_EQ },
    { 5, "AT_PHNUM", AUX_EQ },           { 6, "AT_PAGESZ", AUX_EQ },
    { 7, "AT_BASE", AUX_PLACE },         { 8, "AT_FLAGS", AUX_EQ },
    { 9, "AT_ENTRY", AUX_PLACE },        { 11, "AT_UID", AUX_EQ },
    { 12, "AT_EUID", AUX_EQ },           { 13, "AT_GID", AUX_EQ },
    { 14, "AT_EGID", AUX_EQ },           { 15, "AT_PLATFORM", AUX_IN },
    { 16, "AT_HWCAP", AUX_EQ },          { 17, "AT_CLKTCK", AUX_EQ },
    { 23, "AT_SECURE", AUX_EQ },         { 25, "AT_RANDOM", AUX_IN },
    { 26, "AT_HWCAP2", AUX_EQ },         { 27, "AT_RSEQ_FEATURE_SIZE", AUX_EQ },
    { 28, "AT_RSEQ_ALIGN", AUX_EQ },     { 29, "AT_HWCAP3", AUX_EQ },
    { 30, "AT_HWCAP4", AUX_EQ },         { 31, "AT_EXECFN", AUX_IN },
    { 33, "AT_SYSINFO_EHDR", AUX_PLACE }, { 51, "AT_MINSIGSTKSZ", AUX_EQ },
};

/* Entries the kernel writes that procmgr does not (yet): reported as
 * gaps of the Linux backend, not failures (spec/linux-fidelity.md). */
static const struct { uint64_t type; const char *why; } aux_gaps[] = {
    /* none known on Linux 6.18 (AT_RSEQ_* are forwarded since the stub's
     * hello carries them); type 0 (AT_NULL) never reaches the lookup */
    { 0, NULL },
};

static const aux_kind *aux_kind_of(uint64_t type)
{
    for (size_t i = 0; i < sizeof aux_kinds / sizeof aux_kinds[0]; i++)
        if (aux_kinds[i].type == type)
            return &aux_kinds[i];
    return NULL;
}

static int compare_auxv(void)
{
    int fails = 0;
    for (int i = 0; i < g_kern.naux; i++) {
        uint64_t t = g_kern.aux[i][0], kv = g_kern.aux[i][1];
        const aux_kind *k = aux_kind_of(t);
        const char *name = k != NULL ? k->name : "an unknown type";
        int found, gap = 0;
        uint64_t pv = aux_get(&g_pm, t, &found);
        if (!found) {
            for (size_t j = 0; j < sizeof aux_gaps / sizeof aux_gaps[0]; j++)
                if (aux_gaps[j].type == t) {
                    printf("# gap: auxv: no %s (%llu; kernel: %llu): %s\n", name,
                           (unsigned long long)t, (unsigned long long)kv, aux_gaps[j].why);
                    gap = 1;
                }
            if (!gap) {
                printf("# auxv: %s (%llu) missing on the procmgr side\n", name, (unsigned long long)t);
                fails++;
            }
            continue;
        }
        int rule = k != NULL ? k->rule : AUX_EQ;
        int ok = rule == AUX_EQ ? kv == pv : same_place(kv, pv, rule == AUX_PLACE);
        if (!ok) {
            printf("# auxv: %s (%llu): kernel 0x%llx, procmgr 0x%llx\n", name,
                   (unsigned long long)t, (unsigned long long)kv, (unsigned long long)pv);
            fails++;
        }
    }
    for (int i = 0; i < g_pm.naux; i++) {
        int found;
        (void)aux_get(&g_kern, g_pm.aux[i][0], &found);
        if (!found) {
            printf("# auxv: type %llu only on the procmgr side\n", (unsigned long long)g_pm.aux[i][0]);
            fails++;
        }
    }
    if (strcmp(g_kern.execfn, g_pm.execfn) != 0) {
        printf("# auxv: AT_EXECFN '%s', procmgr '%s'\n", g_kern.execfn, g_pm.execfn);
        fails++;
    }
    if (strcmp(g_kern.platform, g_pm.platform) != 0) {
        printf("# auxv: AT_PLATFORM '%s', procmgr '%s'\n", g_kern.platform, g_pm.platform);
        fails++;
    }
    return fails;
}

static const known k_flags = {
    "eflags",
    "%eflags at the entry: the kernel's is 0x200 (IF); procmgr's holds what the vDSO "
    "gadget's last xor left (ZF, PF); the ABI leaves the arithmetic flags undefined "
    "(only DF = 0 is promised, and it is 0 on both sides)"
};

static int compare_regs(void)
{
    const struct user_regs_struct *a = &g_kern.regs, *b = &g_pm.regs;
    int fails = 0;
    struct { const char *name; unsigned long long k, p; } gpr[] = {
        { "rax", a->rax, b->rax }, { "rbx", a->rbx, b->rbx }, { "rcx", a->rcx, b->rcx },
        { "rdx", a->rdx, b->rdx }, { "rsi", a->rsi, b->rsi }, { "rdi", a->rdi, b->rdi },
        { "rbp", a->rbp, b->rbp }, { "r8", a->r8, b->r8 },    { "r9", a->r9, b->r9 },
        { "r10", a->r10, b->r10 }, { "r11", a->r11, b->r11 }, { "r12", a->r12, b->r12 },
        { "r13", a->r13, b->r13 }, { "r14", a->r14, b->r14 }, { "r15", a->r15, b->r15 },
        { "cs", a->cs, b->cs },    { "ss", a->ss, b->ss },    { "ds", a->ds, b->ds },
        { "es", a->es, b->es },    { "fs", a->fs, b->fs },    { "gs", a->gs, b->gs },
        { "fs_base", a->fs_base, b->fs_base }, { "gs_base", a->gs_base, b->gs_base },
    };
    for (size_t i = 0; i < sizeof gpr / sizeof gpr[0]; i++)
        if (gpr[i].k != gpr[i].p) {
            printf("# register %s: kernel 0x%llx, procmgr 0x%llx\n", gpr[i].name, gpr[i].k, gpr[i].p);
            fails++;
        }
    if (!same_place(a->rip, b->rip, 1)) {
        printf("# %%rip: not the same place of the same object\n");
        fails++;
    }
    const mapping *ks = locate(&g_kern, a->rsp), *ps = locate(&g_pm, b->rsp);
    if (ks == NULL || ps == NULL || strcmp(ks->path, "[stack]") != 0 ||
        strcmp(ps->path, "[stack]") != 0 || (a->rsp & 15u) != 0 || (b->rsp & 15u) != 0) {
        printf("# %%rsp: kernel 0x%llx, procmgr 0x%llx: not both 16-byte aligned in [stack]\n",
               (unsigned long long)a->rsp, (unsigned long long)b->rsp);
        fails++;
    }
    /* RF (0x10000) is set on the procmgr side by the debug exception of
     * our own breakpoint: ignored.  Anything but the arithmetic flags (CF
     * PF AF ZF SF OF, 0x8d5) differing, or DF (0x400) set, fails. */
    unsigned long long pf = b->eflags & ~0x10000ull;
    if (((a->eflags ^ pf) & ~0x8d5ull) != 0 || (pf & 0x400u) != 0) {
        printf("# %%eflags: kernel 0x%llx, procmgr 0x%llx\n", (unsigned long long)a->eflags,
               (unsigned long long)b->eflags);
        fails++;
    } else if (a->eflags != pf) {
        char d[64];
        snprintf(d, sizeof d, "kernel 0x%llx, procmgr 0x%llx", (unsigned long long)a->eflags, pf);
        note(&k_flags, d);
    }
    return fails;
}

/* ---- the kernel side --------------------------------------------------------------- */

/* Exec prog under ptrace; read the maps at the exec stop; let it run to
 * its end.  Returns its wait status, or -1. */
static int kernel_side(char *const argv[], uint64_t *rip)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
            _exit(126);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int ws = 0;
    if (waitpid(pid, &ws, 0) != pid || !WIFSTOPPED(ws) || WSTOPSIG(ws) != SIGTRAP) {
        fprintf(stderr, "mapscmp: %s: no exec stop (status 0x%x)\n", argv[0], ws);
        kill(pid, SIGKILL);
        waitpid(pid, &ws, 0);
        return -1;
    }
    int r = snapshot(pid, &g_kern);
    *rip = g_kern.regs.rip;
    (void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
    if (waitpid(pid, &ws, 0) != pid || r != 0)
        return -1;
    return ws;
}

/* ---- the procmgr side ------------------------------------------------------------ */

/* One task's children, appended to out[*n..cap). */
static int task_children(const char *path, pid_t *out, int *n, int cap)
{
    char buf[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t r = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (r < 0)
        return -1;
    buf[r] = '\0';
    for (char *q = buf; *q != '\0' && *n < cap;) {
        char *end;
        long v = strtol(q, &end, 10);
        if (end == q)
            break;
        out[(*n)++] = (pid_t)v;
        q = end;
    }
    return 0;
}

/* The daemon's children: every task's list (the Linux backend clones its
 * children from a helper thread). */
static int children(pid_t daemon, pid_t *out, int cap)
{
    char path[96];
    int n = 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)daemon);
    DIR *d = opendir(path);
    if (d == NULL)
        return -1;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/children", (int)daemon, e->d_name);
        if (task_children(path, out, &n, cap) != 0)
            n = -1;
        if (n < 0)
            break;
    }
    closedir(d);
    return n;
}

/* The host process of the new record: the daemon's one child with the
 * program's file (inode ino) mapped at the start data's image base.  The
 * backend may keep pre-started stubs, so "the newest child" is not it. */
static pid_t host_of(pid_t daemon, uint64_t image_base, uint64_t ino)
{
    static space probe;
    pid_t kids[MAX_KIDS], found = -1;
    int n = children(daemon, kids, MAX_KIDS);
    for (int i = 0; i < n; i++) {
        if (read_maps(kids[i], &probe) != 0)
            continue;
        for (int j = 0; j < probe.n; j++)
            if (probe.m[j].lo == image_base && probe.m[j].ino == ino && probe.m[j].file) {
                if (found != -1)
                    return -1;      /* two candidates: cannot tell */
                found = kids[i];
                break;
            }
    }
    return found;
}

static int set_dr(pid_t pid, int reg, uint64_t v)
{
    return (int)ptrace(PTRACE_POKEUSER, pid,
                       (void *)(offsetof(struct user, u_debugreg) + (size_t)reg * sizeof(long)),
                       (void *)(uintptr_t)v);
}

/* The probe's target: a function a hardware breakpoint is set on. */
static void __attribute__((noinline)) hw_probe_target(void)
{
    __asm__ volatile("" ::: "memory");
}

/* 1 when this machine delivers hardware execution breakpoints to a
 * tracer (some hypervisors accept the debug registers but never fire
 * them): a forked child stops, gets DR0 on hw_probe_target, and must stop
 * there with SIGTRAP. */
static int hw_breakpoints_work(void)
{
    int ws = 0, works = 0;
    pid_t pid = fork();
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 && raise(SIGSTOP) == 0)
            hw_probe_target();
        _exit(0);
    }
    if (pid < 0)
        return 0;
    if (waitpid(pid, &ws, 0) == pid && WIFSTOPPED(ws) &&
        set_dr(pid, 0, (uint64_t)(uintptr_t)&hw_probe_target) == 0 &&
        set_dr(pid, 7, 1u) == 0 && ptrace(PTRACE_CONT, pid, NULL, NULL) == 0 &&
        waitpid(pid, &ws, 0) == pid && WIFSTOPPED(ws) && WSTOPSIG(ws) == SIGTRAP)
        works = 1;
    (void)kill(pid, SIGKILL);
    (void)waitpid(pid, &ws, 0);
    return works;
}

/* Build prog suspended through procmgrd, stop it at its entry, read the
 * maps, let it run to its end.  Returns its status as a wait status
 * (exit code << 8, or the signal), or -1. */
static int procmgr_side(const char *sock, pid_t daemon, char *const argv[], uint64_t *entry)
{
    pm_client *c = NULL;
    pm_client_process p = { -1, -1, 0 };
    pm_client_start_data sd;
    pm_proto_info info;
    int status = -1, nul = -1;
    pm_status st = pm_client_connect(sock, &c);
    if (st != PM_OK) {
        fprintf(stderr, "mapscmp: connect %s: %s\n", sock, pm_status_name(st));
        return -1;
    }
    struct stat pst;
    if (stat(argv[0], &pst) != 0) {
        fprintf(stderr, "mapscmp: %s: %s\n", argv[0], strerror(errno));
        pm_client_close(c);
        return -1;
    }
    nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    pm_spawn_action act[3];
    memset(act, 0, sizeof act);
    for (uint32_t i = 0; i < 3; i++) {
        act[i].kind = PM_SPAWN_ACTION_CLONE_FD;
        act[i].fd = nul;
        act[i].id = i;
    }
    /* AT_EXECFN: the spawn's path, as execv gave the kernel (SET_EXECFN) */
    size_t nact = 3;
    extern char **environ;
    st = pm_client_spawn(c, PM_SPAWN_SUSPENDED, -1, argv[0], (const char *const *)argv,
                         (const char *const *)environ, act, nact, &p, &sd);
    close(nul);
    if (st != PM_OK) {
        fprintf(stderr, "mapscmp: spawn %s: %s\n", argv[0], pm_status_name(st));
        pm_client_close(c);
        return -1;
    }
    *entry = sd.entry;
    pid_t pid = host_of(daemon, sd.image_base, (uint64_t)pst.st_ino);
    int ws = 0, traced = 0;
    if (pid <= 0) {
        fprintf(stderr, "mapscmp: no single child of procmgrd %d maps %s at 0x%llx\n",
                (int)daemon, argv[0], (unsigned long long)sd.image_base);
    } else if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) != 0 ||
               ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) != 0 ||
               waitpid(pid, &ws, __WALL) != pid || !WIFSTOPPED(ws)) {
        fprintf(stderr, "mapscmp: seize %d: %s\n", (int)pid, strerror(errno));
    } else if (set_dr(pid, 0, sd.entry) != 0 || set_dr(pid, 7, 1u) != 0) {
        fprintf(stderr, "mapscmp: debug registers: %s\n", strerror(errno));
        traced = 1;
    } else {
        traced = 1;
        (void)ptrace(PTRACE_CONT, pid, NULL, NULL);
        st = pm_client_start(c, p.process, p.thread);
        struct user_regs_struct regs;
        memset(&regs, 0, sizeof regs);
        if (st != PM_OK) {
            fprintf(stderr, "mapscmp: start: %s\n", pm_status_name(st));
        } else if (waitpid(pid, &ws, __WALL) != pid || !WIFSTOPPED(ws) ||
                   WSTOPSIG(ws) != SIGTRAP) {
            fprintf(stderr, "mapscmp: no breakpoint stop (status 0x%x)\n", ws);
            traced = WIFSTOPPED(ws);
        } else if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0 || regs.rip != sd.entry) {
            fprintf(stderr, "mapscmp: stopped at 0x%llx, entry 0x%llx\n",
                    (unsigned long long)regs.rip, (unsigned long long)sd.entry);
        } else if (snapshot(pid, &g_pm) != 0) {
            fprintf(stderr, "mapscmp: maps of %d: %s\n", (int)pid, strerror(errno));
        } else {
            status = 0;
        }
    }
    if (traced) {
        (void)set_dr(pid, 7, 0);
        (void)ptrace(PTRACE_DETACH, pid, NULL, NULL);
    }
    if (status == 0) {
        st = pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info);
        if (st == PM_OK && info.state == PM_STATE_EXITED)
            status = (int)(info.exit_code & 0xFFu) << 8;
        else if (st == PM_OK && info.state == PM_STATE_KILLED)
            status = (int)info.exit_code;
        else
            status = -1;
    } else {
        (void)pm_client_kill(c, p.process);
        (void)pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info);
    }
    close(p.process);
    close(p.thread);
    pm_client_close(c);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: mapscmp SOCKET DAEMON_PID PROGRAM [ARGS...]\n");
        return 2;
    }
    uint64_t rip = 0, entry = 0;
    char *const *prog = argv + 3;
    if (!hw_breakpoints_work()) {
        /* Not a result about procmgr: the comparison cannot be made here. */
        printf("# skip: this machine does not deliver hardware breakpoints to a tracer\n");
        return 77;
    }
    int ks = kernel_side(prog, &rip);
    int ps = procmgr_side(argv[1], (pid_t)atoi(argv[2]), prog, &entry);
    if (ks < 0 || ps < 0)
        return 2;
    group(&g_kern);
    group(&g_pm);
    int fails = compare();
    fails += compare_auxv();
    fails += compare_regs();
    if (ks != ps) {
        printf("# exit status after the stop: kernel 0x%x, procmgr 0x%x\n", ks, ps);
        fails++;
    }
    if (fails > 0) {
        show("kernel", &g_kern);
        show("procmgr", &g_pm);
    }
    printf("# %s: %d kernel mappings, %d procmgr mappings, %d unexplained difference(s); "
           "exit status 0x%x / 0x%x\n", prog[0], g_kern.n, g_pm.n, fails, ks, ps);
    /* The comparison is not vacuous: one file mapping with another
     * permission on the procmgr side must be caught. */
    int caught = 0;
    for (int i = 0; i < g_pm.n; i++)
        if (g_pm.m[i].file) {
            for (int j = 0; j < g_kern.n; j++)
                g_kern.m[j].matched = 0;
            for (int j = 0; j < g_pm.n; j++)
                g_pm.m[j].matched = 0;
            g_pm.m[i].perms[0] = g_pm.m[i].perms[0] == 'r' ? '-' : 'r';
            g_quiet = 1;
            caught = compare() > 0;
            break;
        }
    if (!caught) {
        printf("# the comparison did not catch a changed permission\n");
        fails++;
    }
    return fails > 0 ? 1 : 0;
}
