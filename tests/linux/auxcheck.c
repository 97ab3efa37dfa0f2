/*
 * Loader test program: checks, from inside, the process the loader built.
 * Built in every supported link mode (glibc dynamic PIE and non-PIE, static,
 * static-pie; musl static).  Runs the same way under direct execve, so
 * tests/linux/run.sh compares the two.
 *
 *   auxcheck            run the checks; print "auxcheck ok" or the failures
 *   auxcheck random     also print AT_RANDOM's 16 bytes (must differ per run)
 *   auxcheck echo ARGS  print ARGS, one per line, then run the checks
 * Exit status: 0 when every check passed, 1 otherwise.
 */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern char _start[];
extern const ElfW(Ehdr) __ehdr_start;

static _Thread_local int tls_value = 42;
static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "auxcheck: FAIL %s\n", what);
        failures++;
    }
}

/* Read a whole small /proc file; returns its length or -1. */
static long slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        return -1;
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n == cap ? -1 : (long)n;
}

/* strings joined with their NULs, as /proc/PID/cmdline and environ show them */
static long joined(char *const *v, char *buf, size_t cap)
{
    size_t n = 0;

    for (; *v != NULL; v++) {
        size_t l = strlen(*v) + 1;
        if (n + l > cap)
            return -1;
        memcpy(buf + n, *v, l);
        n += l;
    }
    return (long)n;
}

static void check_proc_strings(char **argv)
{
    static char want[1 << 21], got[1 << 21];
    long w = joined(argv, want, sizeof want);
    long g = slurp("/proc/self/cmdline", got, sizeof got);

    check(w >= 0 && w == g && memcmp(want, got, (size_t)w) == 0, "/proc/self/cmdline == argv");
    w = joined(environ, want, sizeof want);
    g = slurp("/proc/self/environ", got, sizeof got);
    check(w >= 0 && w == g && memcmp(want, got, (size_t)w) == 0, "/proc/self/environ == environ");
}

static int has_interp(void)
{
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
    int i;

    for (i = 0; i < __ehdr_start.e_phnum; i++)
        if (ph[i].p_type == PT_INTERP)
            return 1;
    return 0;
}

/* Walk /proc/self/maps: vDSO address, interpreter base, and that every
 * executable mapping is a file's (not a memfd's) or [vdso]/[vsyscall]. */
static void check_maps(unsigned long *vdso, unsigned long *ldso)
{
    char line[4096 + 256];
    FILE *f = fopen("/proc/self/maps", "r");

    *vdso = 0;
    *ldso = 0;
    check(f != NULL, "open /proc/self/maps");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long lo, hi;
        char perms[8] = "";
        char *path = strchr(line, '/'), *br = strchr(line, '[');
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3)
            continue;
        if (br && strcmp(br, "[vdso]") == 0)
            *vdso = lo;
        if (path && strstr(path, "/ld-") != NULL && *ldso == 0)
            *ldso = lo;
        if (strstr(line, "procmgr-stub") != NULL || strstr(line, "memfd:") != NULL) {
            fprintf(stderr, "auxcheck: stub mapping left: %s\n", line);
            check(0, "no mapping of the stub remains");
        }
        if (perms[2] == 'x') {
            int ok = path != NULL ||
                     (br && (strcmp(br, "[vdso]") == 0 || strcmp(br, "[vsyscall]") == 0));
            if (!ok)
                fprintf(stderr, "auxcheck: unexpected executable mapping: %s\n", line);
            check(ok, "executable mappings are the program's, libraries', vdso, vsyscall");
        }
    }
    fclose(f);
}

/* /proc/self/auxv holds what the kernel saved for this process. */
static void check_proc_auxv(void)
{
    static unsigned long v[512];
    long n = slurp("/proc/self/auxv", (char *)v, sizeof v);
    unsigned long entry = 0, phdr = 0;
    long i;

    for (i = 0; n > 0 && i + 1 < n / (long)sizeof(unsigned long); i += 2) {
        if (v[i] == AT_ENTRY)
            entry = v[i + 1];
        if (v[i] == AT_PHDR)
            phdr = v[i + 1];
    }
    check(entry == getauxval(AT_ENTRY), "/proc/self/auxv AT_ENTRY");
    check(phdr == getauxval(AT_PHDR), "/proc/self/auxv AT_PHDR");
}

static void check_comm(const char *argv0)
{
    char comm[64] = "", want[16];
    const char *base = strrchr(argv0, '/');
    long n = slurp("/proc/self/comm", comm, sizeof comm);

    base = base ? base + 1 : argv0;
    snprintf(want, sizeof want, "%s", base);
    if (n > 0 && comm[n - 1] == '\n')
        comm[n - 1] = '\0';
    check(n > 0 && strcmp(comm, want) == 0, "/proc/self/comm is the program's name");
}

int main(int argc, char **argv)
{
    unsigned long vdso, ldso;
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    const char *plat = (const char *)getauxval(AT_PLATFORM);
    int i;

    if (argc > 1 && strcmp(argv[1], "echo") == 0)
        for (i = 2; i < argc; i++)
            printf("%s\n", argv[i]);
    check(tls_value == 42, "TLS initial value");
    check(getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY == _start");
    check(getauxval(AT_PHDR) == (unsigned long)&__ehdr_start + __ehdr_start.e_phoff,
          "AT_PHDR == program headers");
    check(getauxval(AT_PHNUM) == __ehdr_start.e_phnum, "AT_PHNUM");
    check(getauxval(AT_PHENT) == sizeof(ElfW(Phdr)), "AT_PHENT");
    check(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ");
    check(getauxval(AT_FLAGS) == 0, "AT_FLAGS");
    check(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() &&
          getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_UID/EUID/GID/EGID");
    check(getauxval(AT_SECURE) == 0, "AT_SECURE");
    check(getauxval(AT_CLKTCK) == (unsigned long)sysconf(_SC_CLK_TCK), "AT_CLKTCK");
    check(getauxval(AT_HWCAP) != 0, "AT_HWCAP");
    check(getauxval(AT_MINSIGSTKSZ) != 0, "AT_MINSIGSTKSZ");
    check(plat != NULL && strcmp(plat, "x86_64") == 0, "AT_PLATFORM");
    check(rnd != NULL, "AT_RANDOM present");
    check(execfn != NULL && strcmp(execfn, argv[0]) == 0, "AT_EXECFN == argv[0]");
    check_maps(&vdso, &ldso);
    check(vdso != 0 && getauxval(AT_SYSINFO_EHDR) == vdso, "AT_SYSINFO_EHDR == own [vdso]");
    if (has_interp())
        check(ldso != 0 && getauxval(AT_BASE) == ldso, "AT_BASE == interpreter base");
    else
        check(getauxval(AT_BASE) == 0, "AT_BASE == 0 without interpreter");
    check_proc_strings(argv);
    /* run.sh sets 0 when the loader reports PR_SET_MM_MAP not applied
     * (the documented degradation: /proc/PID/auxv shows the stub's). */
    if (getenv("AUXCHECK_PROC_AUXV") == NULL || strcmp(getenv("AUXCHECK_PROC_AUXV"), "0") != 0)
        check_proc_auxv();
    check_comm(argv[0]);
    if (argc > 1 && strcmp(argv[1], "random") == 0 && rnd != NULL) {
        for (i = 0; i < 16; i++)
            printf("%02x", rnd[i]);
        printf("\n");
    }
    printf(failures ? "auxcheck FAILED\n" : "auxcheck ok\n");
    return failures ? 1 : 0;
}
