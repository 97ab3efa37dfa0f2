/*
 * elfcheck: run procmgr's ELF validator on files and print the verdict.
 *
 *   elfcheck [--json] [--policy OPTIONS] [--interp] [--bias ADDR]
 *            [--only-exec] FILE...
 *
 * The file is read exactly as procmgr reads it (elfcheck_read.c): only the
 * header area, into a private buffer.  Everything printed that comes from the
 * file (interpreter name) or from the command line (file names) is escaped.
 * Exit status: 0 all checked files accepted, 1 some file rejected by a rule,
 * 2 usage error or some file could not be checked (2 wins over 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procmgr/elf.h"
#include "procmgr/status.h"
#include "procmgr/version.h"
#include "elfcheck_read.h"
#include "../shell/json.h"

enum { EXIT_ACCEPTED = 0, EXIT_REJECTED = 1, EXIT_TROUBLE = 2 };

typedef struct options {
    int           json;
    int           only_exec;
    int           has_bias;
    uint64_t      bias;
    pm_elf_role   role;
    pm_elf_policy pol;
} options;

static const char usage_text[] =
"usage: elfcheck [--json] [--policy OPTIONS] [--interp] [--bias ADDR]\n"
"                [--only-exec] FILE...\n"
"       elfcheck --help | --version\n"
"\n"
"Validate ELF executables with procmgr's proven validator and print, per file,\n"
"  FILE: ok type=ET_DYN machine=x86_64 nseg=N entry=0x... interp=PATH span=0x...-0x...\n"
"  FILE: rejected: CODE NAME: message          (e.g. 119 ELF_LOAD_OVERLAP)\n"
"  FILE: error: reason                         (could not be checked)\n"
"  FILE: skipped: reason                       (--only-exec)\n"
"\n"
"Files are read like procmgr reads them: symlinks are followed; directories,\n"
"FIFOs, sockets and devices are refused without being opened for I/O; empty\n"
"files and files over 4 GiB are refused; only the first 64 KiB are read.\n"
"\n"
"Options:\n"
"  --json           one JSON object per file (JSON Lines), with the full plan\n"
"  --interp         validate the files in the interpreter role (ld.so: ET_DYN,\n"
"                   no PT_INTERP of its own)\n"
"  --bias ADDR      apply this load bias to each accepted plan (refused with\n"
"                   144 ELF_BIAS if misaligned or out of range; ET_EXEC takes 0)\n"
"  --only-exec      skip (exit status unaffected) files that are not ELF\n"
"                   executables: no ELF magic, e_type other than ET_EXEC/ET_DYN,\n"
"                   or ET_DYN with e_entry 0 (a shared library)\n"
"  --policy OPTIONS comma-separated KEY=VALUE list changing the default policy:\n"
"      machines=LIST   allowed machines, from x86_64, aarch64, riscv64, joined\n"
"                      with '+' or ',' (machines=x86_64,aarch64)  [x86_64]\n"
"      wx=allow|deny   allow segments both writable and executable  [deny]\n"
"      page=N          page size, power of two in 4096..65536       [4096]\n"
"      min-vaddr=N     lowest mappable address                      [0x10000]\n"
"      user-limit=N    end of the user address range  [0x7ffffffff000]\n"
"      max-span=N      limit on the page-rounded span of all loads  [1G]\n"
"      max-loads=N     limit on PT_LOAD segments, at most 16        [16]\n"
"    N is decimal, 0x-hex or 0-octal, optionally followed by K, M or G.\n"
"  -h, --help       this text\n"
"\n"
"Exit status: 0 all accepted, 1 a file was rejected, 2 usage error or a file\n"
"could not be checked.\n";

/* --- printing --------------------------------------------------------------- */

/* Text: printable ASCII as is, everything else as \xHH (so a hostile file
 * name or interpreter string cannot drive the terminal). */
static void put_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            putchar(c);
        else
            printf("\\x%02x", c);
    }
}

/* Every --json line goes through the shared writer (src/shell/json.h):
 * strings escaped, invalid UTF-8 replaced by U+FFFD. */
static pmj J;

static const char *type_name(unsigned t)
{
    return t == 2 ? "ET_EXEC" : t == 3 ? "ET_DYN" : "ET_?";
}

static const char *machine_name(unsigned m)
{
    return m == 62 ? "x86_64" : m == 183 ? "aarch64" : m == 243 ? "riscv64" : "?";
}

static void prot_str(uint32_t p, char out[4])
{
    out[0] = (p & PM_PROT_R) ? 'r' : '-';
    out[1] = (p & PM_PROT_W) ? 'w' : '-';
    out[2] = (p & PM_PROT_X) ? 'x' : '-';
    out[3] = 0;
}

static void print_ok_text(const pm_elf_plan *p, const uint8_t *buf)
{
    char sp[4];
    prot_str(p->stack_prot, sp);
    printf("ok type=%s machine=%s nseg=%u entry=0x%llx interp=",
           type_name(p->type), machine_name(p->machine), (unsigned)p->nseg,
           (unsigned long long)p->entry);
    if (p->has_interp)   /* name without its NUL */
        put_text((const char *)buf + p->interp_off, (size_t)p->interp_len - 1);
    else
        printf("-");
    printf(" span=0x%llx-0x%llx stack=%s\n", (unsigned long long)p->span_start,
           (unsigned long long)p->span_end, sp);
}

#define JU(name, v) pmj_kuint(&J, name, (uint64_t)(v))

static void print_segments_json(const pm_elf_plan *p)
{
    pmj_key(&J, "segments");
    pmj_array(&J);
    for (uint32_t i = 0; i < p->nseg && i < PM_ELF_MAX_SEGMENTS; i++) {
        const pm_elf_segment *s = &p->seg[i];
        char pr[4];
        prot_str(s->prot, pr);
        pmj_object(&J);
        pmj_kstr(&J, "prot", pr);
        JU("map_start", s->map_start); JU("map_len", s->map_len);
        JU("file_off", s->file_off);   JU("file_len", s->file_len);
        JU("zero_start", s->zero_start); JU("zero_len", s->zero_len);
        pmj_object_end(&J);
    }
    pmj_array_end(&J);
}

static void print_ok_json(const pm_elf_plan *p, const uint8_t *buf)
{
    char sp[4];
    prot_str(p->stack_prot, sp);
    pmj_kstr(&J, "result", "ok");
    pmj_key(&J, "plan");
    pmj_object(&J);
    pmj_kstr(&J, "type", type_name(p->type));
    pmj_kstr(&J, "machine", machine_name(p->machine));
    JU("e_machine", p->machine);
    pmj_kstr(&J, "role", p->role == PM_ELF_ROLE_INTERP ? "interp" : "program");
    pmj_kstr(&J, "stack", sp);
    JU("nseg", p->nseg); JU("entry", p->entry); JU("phdr_addr", p->phdr_addr);
    JU("phnum", p->phnum); JU("phentsize", p->phentsize);
    pmj_key(&J, "interp");
    if (p->has_interp)   /* name without its NUL */
        pmj_strn(&J, (const char *)buf + p->interp_off, (size_t)p->interp_len - 1);
    else
        pmj_null(&J);
    if (p->has_tls) {
        JU("tls_addr", p->tls_addr); JU("tls_filesz", p->tls_filesz);
        JU("tls_memsz", p->tls_memsz); JU("tls_align", p->tls_align);
    }
    if (p->has_dynamic) {
        JU("dynamic_addr", p->dynamic_addr); JU("dynamic_size", p->dynamic_size);
    }
    if (p->has_relro) {
        JU("relro_addr", p->relro_addr); JU("relro_size", p->relro_size);
    }
    JU("span_start", p->span_start); JU("span_end", p->span_end);
    JU("align", p->align); JU("bias", p->bias);
    print_segments_json(p);
    pmj_object_end(&J);
}

static void end_line_json(void)
{
    pmj_object_end(&J);
    pmj_newline(&J);
}

static void begin_line(const options *o, const char *path)
{
    if (o->json) {
        pmj_object(&J);
        pmj_kstr(&J, "file", path);
    } else {
        put_text(path, strlen(path));
        printf(": ");
    }
}

/* "error" or "skipped" with a reason. */
static void print_note(const options *o, const char *path, const char *kind,
                       const char *why)
{
    begin_line(o, path);
    if (o->json) {
        pmj_kstr(&J, "result", kind);
        pmj_kstr(&J, "reason", why);
        end_line_json();
    } else {
        printf("%s: %s\n", kind, why);
    }
}

static void print_rejected(const options *o, const char *path, pm_status st)
{
    begin_line(o, path);
    if (o->json) {
        pmj_kstr(&J, "result", "rejected");
        pmj_kint(&J, "code", (int)st);
        pmj_kstr(&J, "name", pm_status_name(st));
        pmj_kstr(&J, "message", pm_status_message(st));
        end_line_json();
    } else
        printf("rejected: %d %s: %s\n", (int)st, pm_status_name(st),
               pm_status_message(st));
}

static void print_ok(const options *o, const char *path, const pm_elf_plan *p,
                     const uint8_t *buf)
{
    begin_line(o, path);
    if (o->json) {
        print_ok_json(p, buf);
        end_line_json();
    } else {
        print_ok_text(p, buf);
    }
}

/* --- checking one file ------------------------------------------------------ */

static uint64_t le(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

/* For --only-exec: why a file is not an ELF executable, or NULL if it is
 * one (or too short to tell: the validator then says why).  Reads e_type
 * and e_entry of ELF64 and ELF32 little-endian headers, nothing else. */
static const char *not_executable(const uint8_t *b, uint64_t n)
{
    uint64_t type, entry;

    if (n < 4 || memcmp(b, "\177ELF", 4) != 0)
        return "not an ELF file";
    if (n < 32 || b[5] != 1 || (b[4] != 1 && b[4] != 2))
        return NULL;
    type = le(b + 16, 2);
    entry = b[4] == 2 ? le(b + 24, 8) : le(b + 24, 4);
    if (type != 2 && type != 3)
        return "ELF but neither ET_EXEC nor ET_DYN";
    if (type == 3 && entry == 0)
        return "shared library (ET_DYN with e_entry 0)";
    return NULL;
}

static int check_file(const options *o, const char *path)
{
    static uint8_t buf[PM_ELF_READ_MAX];
    uint64_t n = 0, size = 0;
    char why[256];
    pm_elf_plan plan;
    pm_status st = PM_OK;
    const char *skip;

    if (elfcheck_read_validate(path, buf, &o->pol, o->role, &plan, &st, &n,
                               &size, why, sizeof why) != 0) {
        print_note(o, path, "error", why);
        return EXIT_TROUBLE;
    }
    if (o->only_exec && (skip = not_executable(buf, n)) != NULL) {
        print_note(o, path, "skipped", skip);
        return EXIT_ACCEPTED;
    }
    if (st == PM_OK && o->has_bias)
        st = pm_elf_plan_apply_bias(&plan, &o->pol, o->bias);
    if (st != PM_OK) {
        print_rejected(o, path, st);
        return st == PM_E_ELF_POLICY ? EXIT_TROUBLE : EXIT_REJECTED;
    }
    print_ok(o, path, &plan, buf);
    return EXIT_ACCEPTED;
}

/* --- option parsing ----------------------------------------------------------- */

/* N, 0xN or 0N, optionally followed by K, M or G; no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    unsigned shift = 0;

    if (*s == 0 || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || end == s)
        return -1;
    if (*end == 'K' || *end == 'k') shift = 10;
    else if (*end == 'M' || *end == 'm') shift = 20;
    else if (*end == 'G' || *end == 'g') shift = 30;
    if (shift)
        end++;
    if (*end != 0 || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int add_machine(pm_elf_policy *pol, const char *name)
{
    if (strcmp(name, "x86_64") == 0 || strcmp(name, "x86-64") == 0)
        pol->machines |= PM_ELF_MACH_X86_64;
    else if (strcmp(name, "aarch64") == 0 || strcmp(name, "arm64") == 0)
        pol->machines |= PM_ELF_MACH_AARCH64;
    else if (strcmp(name, "riscv64") == 0)
        pol->machines |= PM_ELF_MACH_RISCV64;
    else
        return -1;
    return 0;
}

/* machines=a+b: a list of names joined by '+'. */
static int set_machines(pm_elf_policy *pol, char *list)
{
    char *save = NULL;
    int rc = 0;
    for (char *m = strtok_r(list, "+", &save); m && rc == 0;
         m = strtok_r(NULL, "+", &save))
        rc = add_machine(pol, m);
    return rc;
}

static int set_number(pm_elf_policy *pol, const char *key, const char *val)
{
    uint64_t v;
    if (parse_u64(val, &v) != 0)
        return -1;
    if (strcmp(key, "page") == 0)            pol->page_size = v;
    else if (strcmp(key, "min-vaddr") == 0)  pol->min_vaddr = v;
    else if (strcmp(key, "user-limit") == 0) pol->user_limit = v;
    else if (strcmp(key, "max-span") == 0)   pol->max_span = v;
    else if (strcmp(key, "max-loads") == 0 && v <= UINT32_MAX)
        pol->max_loads = (uint32_t)v;
    else
        return -1;
    return 0;
}

/* One KEY=VALUE item; a bare word continues a machines= list. */
static int set_option(pm_elf_policy *pol, char *item, int *in_machines)
{
    char *eq = strchr(item, '=');
    if (!eq)
        return *in_machines ? set_machines(pol, item) : -1;
    *eq = 0;
    *in_machines = strcmp(item, "machines") == 0;
    if (*in_machines) {
        pol->machines = 0;
        return set_machines(pol, eq + 1);
    }
    if (strcmp(item, "wx") == 0) {
        if (strcmp(eq + 1, "allow") == 0)
            pol->flags &= ~PM_ELF_POLICY_WXORX;
        else if (strcmp(eq + 1, "deny") == 0)
            pol->flags |= PM_ELF_POLICY_WXORX;
        else
            return -1;
        return 0;
    }
    return set_number(pol, item, eq + 1);
}

static int parse_policy(pm_elf_policy *pol, const char *arg)
{
    char copy[1024], *save = NULL;
    int in_machines = 0, rc = 0;

    if (strlen(arg) >= sizeof copy)
        return -1;
    strcpy(copy, arg);
    for (char *it = strtok_r(copy, ",", &save); it && rc == 0;
         it = strtok_r(NULL, ",", &save)) {
        rc = set_option(pol, it, &in_machines);
        if (rc != 0)
            fprintf(stderr, "elfcheck: --policy: bad option '%s'\n", it);
    }
    return rc;
}

/* Ask the validator whether the policy is consistent: with an empty file it
 * reports the policy before anything else. */
static int policy_consistent(const options *o)
{
    static const uint8_t none[1];
    pm_elf_plan plan;
    pm_status st = pm_elf_validate(none, 0, 0, &o->pol, o->role, &plan);
    if (st == PM_E_ELF_POLICY) {
        fprintf(stderr, "elfcheck: --policy: %d %s: %s\n", (int)st,
                pm_status_name(st), pm_status_message(st));
        return 0;
    }
    return 1;
}

static int usage_error(const char *msg)
{
    if (msg)
        fprintf(stderr, "elfcheck: %s\n", msg);
    fprintf(stderr, "Try 'elfcheck --help'.\n");
    return EXIT_TROUBLE;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "policy", required_argument, NULL, 'p' },
        { "interp", no_argument, NULL, 'i' },
        { "bias", required_argument, NULL, 'b' },
        { "only-exec", no_argument, NULL, 'x' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    options o;
    int c, rc = EXIT_ACCEPTED;

    memset(&o, 0, sizeof o);
    pm_elf_policy_default(&o.pol);
    o.role = PM_ELF_ROLE_PROGRAM;
    pmj_init(&J, stdout);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = 1; break;
        case 'i': o.role = PM_ELF_ROLE_INTERP; break;
        case 'x': o.only_exec = 1; break;
        case 'p':
            if (parse_policy(&o.pol, optarg) != 0)
                return usage_error("invalid --policy");
            break;
        case 'b':
            if (parse_u64(optarg, &o.bias) != 0)
                return usage_error("invalid --bias address");
            o.has_bias = 1;
            break;
        case 'h': fputs(usage_text, stdout); return EXIT_ACCEPTED;
        case 'V': printf("elfcheck (procmgr) %s\n", PROCMGR_VERSION); return EXIT_ACCEPTED;
        case ':':
            fprintf(stderr, "elfcheck: option '%s' needs a value\n", argv[optind - 1]);
            return usage_error(NULL);
        default:
            if (optopt != 0)
                fprintf(stderr, "elfcheck: unknown option '-%c'\n", optopt);
            else
                fprintf(stderr, "elfcheck: unknown option '%s'\n", argv[optind - 1]);
            return usage_error(NULL);
        }
    }
    if (optind >= argc)
        return usage_error("no FILE given");
    if (!policy_consistent(&o))
        return EXIT_TROUBLE;
    for (int i = optind; i < argc; i++) {
        int r = check_file(&o, argv[i]);
        if (r > rc)
            rc = r;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "elfcheck: write error on standard output\n");
        rc = EXIT_TROUBLE;
    }
    return rc;
}
