/*
 * Validator benchmark: procmgr's full validation and load plan against
 * elfutils libelf (elf_memory, gelf_getehdr, every gelf_getphdr) on the same
 * in-memory header-area buffers, side by side in one run.
 *
 *   bench_elf [--phnum] FILE...
 *
 * For each file: the median over BATCHES batches of the per-call time of
 * REPS calls, for both, and their ratio.  With --phnum, it also times
 * synthetic images with 1..73 program headers to show the cost is linear
 * and bounded in e_phnum.  Prints medians, spreads and ratios; exits 1 if a
 * file cannot be read.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/elf.h"

enum { REPS = 2000, BATCHES = 15, MAX_FILES = 4096 };

typedef struct sample {
    const char *path;
    uint8_t *buf;
    uint64_t len, file_size;
} sample;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Keeps the optimizer from dropping the measured calls. */
static volatile uint64_t sink;

static void run_procmgr(const sample *s, const pm_elf_policy *pol)
{
    pm_elf_plan plan;
    pm_status st = pm_elf_validate(s->buf, s->len, s->file_size, pol,
                                   PM_ELF_ROLE_PROGRAM, &plan);
    sink += (uint64_t)st + plan.entry;
}

static void run_libelf(const sample *s)
{
    Elf *e = elf_memory((char *)s->buf, s->len);
    GElf_Ehdr eh;
    size_t n = 0;
    if (e && gelf_getehdr(e, &eh) && elf_getphdrnum(e, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(e, (int)i, &ph))
                sink += ph.p_vaddr;
        }
    }
    elf_end(e);
}

/* Median per-call time (ns) of one implementation on one sample, and the
 * spread (max - min of the batch medians) through *spread. */
static double time_one(const sample *s, const pm_elf_policy *pol, int libelf,
                       double *spread)
{
    double t[BATCHES];
    for (int b = 0; b < BATCHES; b++) {
        double t0 = now_ns();
        for (int r = 0; r < REPS; r++) {
            if (libelf)
                run_libelf(s);
            else
                run_procmgr(s, pol);
        }
        t[b] = (now_ns() - t0) / REPS;
    }
    double m = median(t, BATCHES);     /* sorts t */
    *spread = t[BATCHES - 1] - t[0];
    return m;
}

static int load_sample(const char *path, sample *s)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t len = (uint64_t)st.st_size < PM_ELF_HEADER_AREA ?
                   (uint64_t)st.st_size : PM_ELF_HEADER_AREA;
    s->buf = malloc(len ? len : 1);
    ssize_t got = s->buf ? pread(fd, s->buf, len, 0) : -1;
    close(fd);
    if (got < 0 || (uint64_t)got != len)
        return -1;
    s->path = path;
    s->len = len;
    s->file_size = (uint64_t)st.st_size;
    return 0;
}

static void put_le(uint8_t *p, uint64_t v, int width)
{
    for (int i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A valid ET_EXEC image with phnum program headers: one RX PT_LOAD plus
 * (phnum - 1) PT_NOTE headers pointing inside it. */
static void make_synthetic(uint8_t *img, uint64_t size, unsigned phnum)
{
    memset(img, 0, size);
    memcpy(img, "\177ELF\2\1\1", 7);
    put_le(img + 16, 2, 2);              /* ET_EXEC */
    put_le(img + 18, 62, 2);             /* EM_X86_64 */
    put_le(img + 20, 1, 4);
    put_le(img + 24, 0x401000, 8);       /* entry */
    put_le(img + 32, 64, 8);             /* phoff */
    put_le(img + 52, 64, 2);
    put_le(img + 54, 56, 2);
    put_le(img + 56, phnum, 2);
    uint8_t *ph = img + 64;
    put_le(ph, 1, 4);                    /* PT_LOAD RX covering the file */
    put_le(ph + 4, 5, 4);
    put_le(ph + 16, 0x400000, 8);
    put_le(ph + 24, 0x400000, 8);
    put_le(ph + 32, size, 8);
    put_le(ph + 40, size, 8);
    put_le(ph + 48, 0x1000, 8);
    for (unsigned i = 1; i < phnum; i++) {
        uint8_t *n = ph + 56 * i;
        put_le(n, 4, 4);                 /* PT_NOTE */
        put_le(n + 4, 4, 4);
        put_le(n + 8, 0x1000, 8);
        put_le(n + 16, 0x401000, 8);
        put_le(n + 24, 0x401000, 8);
        put_le(n + 32, 16, 8);
        put_le(n + 40, 16, 8);
        put_le(n + 48, 4, 8);
    }
}

static void bench_phnum(const pm_elf_policy *pol)
{
    static uint8_t img[0x2000];
    printf("\n%-8s %12s %12s\n", "e_phnum", "procmgr ns", "libelf ns");
    for (unsigned n = 1; n <= PM_ELF_MAX_PHNUM; n = n < 8 ? n + 1 : n + 8) {
        make_synthetic(img, sizeof img, n);
        sample s = { "synthetic", img, sizeof img, sizeof img };
        pm_elf_plan plan;
        if (pm_elf_validate(img, sizeof img, sizeof img, pol,
                            PM_ELF_ROLE_PROGRAM, &plan) != PM_OK) {
            printf("%-8u synthetic image rejected: %s\n", n,
                   pm_status_name(pm_elf_validate(img, sizeof img, sizeof img,
                                                  pol, PM_ELF_ROLE_PROGRAM, &plan)));
            continue;
        }
        double sp;
        double tp = time_one(&s, pol, 0, &sp);
        double tl = time_one(&s, pol, 1, &sp);
        printf("%-8u %12.1f %12.1f\n", n, tp, tl);
        if (n == PM_ELF_MAX_PHNUM - 1)
            n = PM_ELF_MAX_PHNUM - 8;    /* end exactly at the limit */
    }
}

int main(int argc, char **argv)
{
    int do_phnum = 0, first = 1;
    if (argc > 1 && strcmp(argv[1], "--phnum") == 0) {
        do_phnum = 1;
        first = 2;
    }
    if (elf_version(EV_CURRENT) == EV_NONE) {
        fprintf(stderr, "bench_elf: libelf: %s\n", elf_errmsg(-1));
        return 2;
    }
    pm_elf_policy pol;
    pm_elf_policy_default(&pol);

    static double ratios[MAX_FILES], tps[MAX_FILES], tls[MAX_FILES];
    int n = 0, accepted = 0;
    printf("%-40s %10s %8s %10s %8s %7s %s\n", "file", "procmgr", "spread",
           "libelf", "spread", "ratio", "verdict");
    for (int i = first; i < argc && n < MAX_FILES; i++) {
        sample s;
        if (load_sample(argv[i], &s) != 0)
            continue;
        pm_elf_plan plan;
        pm_status st = pm_elf_validate(s.buf, s.len, s.file_size, &pol,
                                       PM_ELF_ROLE_PROGRAM, &plan);
        accepted += st == PM_OK;
        double sp_p, sp_l;
        double tp = time_one(&s, &pol, 0, &sp_p);
        double tl = time_one(&s, &pol, 1, &sp_l);
        tps[n] = tp;
        tls[n] = tl;
        ratios[n] = tl / tp;
        const char *base = strrchr(s.path, '/');
        printf("%-40.40s %8.1fns %6.1fns %8.1fns %6.1fns %6.1fx %s\n",
               base ? base + 1 : s.path, tp, sp_p, tl, sp_l, ratios[n],
               st == PM_OK ? "ok" : pm_status_name(st));
        free(s.buf);
        n++;
    }
    if (n > 0) {
        double rmin = ratios[0];
        for (int i = 1; i < n; i++)
            rmin = ratios[i] < rmin ? ratios[i] : rmin;
        double rmed = median(ratios, n);
        printf("\nvalidator: %d files (%d accepted); median procmgr %.1f ns, "
               "median libelf %.1f ns per file; libelf/procmgr median %.1fx, "
               "min %.1fx (target >= 5x on every file: %s)\n",
               n, accepted, median(tps, n), median(tls, n), rmed, rmin,
               rmin >= 5.0 ? "met" : "NOT met");
    }
    if (do_phnum)
        bench_phnum(&pol);
    return n > 0 ? 0 : 1;
}
