/*
 * procctl: command-line client of procmgrd (spec/daemon.md, "procctl").
 *
 *   procctl [--socket PATH] [--json] COMMAND ...
 *
 * Options are parsed with getopt_long (`--opt VALUE` and `--opt=VALUE`);
 * `procctl --help` and `procctl COMMAND --help` print to stdout and exit 0;
 * `--version` prints PROCMGR_VERSION.  A usage error is one line naming
 * what was wrong, then "Try 'procctl [COMMAND] --help'.", exit 2.
 *
 * Exit codes: 0 success; 1 the daemon refused (procctl: OBJECT: what is
 * wrong (CODE n)); 2 usage (also a --cwd directory that cannot be opened);
 * 3 is no longer produced (it was --cwd before SET_CWD); 4 the daemon
 * cannot be reached or the connection failed; 127 the program cannot be
 * opened.  kill, stop, wait, start, suspend, resume, priority and limit
 * name a process by koid and open a handle to it with OPEN_PROCESS (the
 * daemon allows it for root and for the uid that launched the process).
 * run exits with the program's status: its exit code, 128 + the signal
 * that killed it (KILLED: 137; a fault: SIGSEGV 139 for memory faults,
 * SIGILL 132, SIGFPE 136), or 255 for a fault the protocol does not name.
 * watch exits 0 once the process has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/client.h"
#include "procmgr/version.h"
#include "../shell/cli.h"
#include "../shell/json.h"

/* The core's process-name field (PM_BUILDER_PROC_NAME_MAX, registry.h):
 * the longest name SET_INFO accepts. */
#define PROC_NAME_MAX 32u

#define EXIT_REFUSED     1
#define EXIT_USAGE       2
#define EXIT_TRANSPORT   4
#define EXIT_TIMEOUT     124   /* wait --timeout: still running (as timeout(1)) */

extern char **environ;

typedef struct opts {
    const char *socket;
    int json;
} opts;

/* Every --json output on stdout goes through this writer (src/shell/json.h). */
static pmj J;

static const char *const state_names[] = {
    "created", "running", "exited", "killed", "faulted"
};

static const char *state_name(uint32_t s)
{
    return s <= PM_STATE_MAX ? state_names[s] : "unknown";
}

/* ---- help, usage errors ------------------------------------------------------ */

static const char launch_options_help[] =
    "OPTIONS:\n"
    "  --name NAME            the process's name (default: the program's path)\n"
    "  --env K=V              set K in its environment (repeatable)\n"
    "  --clear-env            start from an empty environment, not ours\n"
    "  --cwd DIR              its working directory (default: /)\n"
    "  --fd N=PATH            open PATH as its fd N (0: read, else write)\n"
    "  --rlimit RES=SOFT[:HARD]  as (bytes, K/M/G suffixes), cpu, nofile, nproc;\n"
    "                         a value or 'unlimited'\n"
    "  --priority LEVEL       background, low, normal, high, codec, realtime (0-5)\n"
    "  --mount PATH=DIR       DIR seen at PATH by the process only (own mount\n"
    "                         namespace)\n"
    "  --suspended            create it stopped before its first instruction\n"
    "  --job JOB              launch into job JOB (default: a job of its own)\n"
    "  --inherit-job          into the job of the procmgr process running procctl\n"
    "  --resolve NAME         the program is what the daemon resolves NAME to\n";

typedef struct command {
    const char *name;
    const char *synopsis;      /* after "procctl " */
    const char *summary;       /* one line, for procctl --help */
    const char *details;       /* COMMAND --help, after the synopsis (may be NULL) */
} command;

static const command commands[] = {
    { "run", "run [OPTIONS] [--] PROGRAM [ARGS]",
      "launch with our stdin/stdout/stderr, wait, exit with its status",
      "Exits with the program's exit code, or 128 + the signal that ended it.\n"
      "SIGINT, SIGTERM and SIGHUP are forwarded as KILL.  With --json, the end\n"
      "is one JSON object on stderr.\n" },
    { "spawn", "spawn [OPTIONS] [--] PROGRAM [ARGS]", "launch, print its id", NULL },
    { "watch", "watch [OPTIONS] [--] PROGRAM [ARGS]",
      "launch and print its events until it ends", NULL },
    { "ps", "ps [--all] [--job JOB]",
      "list processes (of job JOB): KOID PARENT JOB STATE EXIT PID NAME",
      "PID and NAME are shown for the processes you may query (root, or the\n"
      "user who launched them), '-' for the others (PID also where the backend\n"
      "has no host pid).  EXIT is '-' until a process ends.  --all: also the\n"
      "processes that ended and were collected, from procmgrd's ring of the\n"
      "last 256 ends.\n" },
    { "info", "info ID", "one process: record, PID, name, end, priority, CPU, memory, limits",
      "A process that ended and was collected is still shown from procmgrd's\n"
      "ring of the last 256 ends: its record, PID, name, end and end time.\n" },
    { "job", "job JOB", "a job: mode, limits, usage and processes", NULL },
    { "job-limit", "job-limit JOB [--pids N|max] [--memory SIZE|max]",
      "limit a job's processes and memory (cgroup pids.max, memory.max)",
      "SIZE: bytes, or a number with a K, M, G or T suffix (powers of 1024).\n"
      "max removes the limit.\n" },
    { "kill", "kill [--signal SIG] [--job] ID", "kill the process (or job), or send it SIG",
      "SIG: TERM, SIGUSR1, 15, ... (Linux numbers).  --job: every process of\n"
      "job ID (the whole cgroup).\n" },
    { "stop", "stop [--grace SECONDS] [--signal SIG] ID",
      "SIG (default TERM), KILL after the grace (default 5 s); print the end", NULL },
    { "wait", "wait [--timeout SECONDS] ID",
      "wait for it to end, print its end, exit with its status (124: timeout)",
      "A process that ended and was collected is reported from procmgrd's ring\n"
      "of the last 256 ends.\n" },
    { "wait-any", "wait-any [--timeout SECONDS] [ID]",
      "wait for any child of ID (default: of procmgr's root) to end", NULL },
    { "start", "start ID", "start a process spawned --suspended", NULL },
    { "suspend", "suspend [--job] ID", "stop it (SIGSTOP), or every process of job ID", NULL },
    { "resume", "resume [--job] ID", "continue it (SIGCONT), or every process of job ID", NULL },
    { "priority", "priority [--job] ID LEVEL",
      "set its priority: background, low, normal, high, codec, realtime (0-5)", NULL },
    { "limit", "limit ID RES SOFT[:HARD]",
      "resource limit of a created or running process",
      "RES: as (bytes, K/M/G/T suffixes), cpu (seconds), nofile, nproc; a\n"
      "value or 'unlimited'.  HARD defaults to SOFT.\n" },
    { "resolve", "resolve NAME", "resolve NAME under the daemon's roots", NULL },
    { "help", "help [COMMAND]", "this help, or a command's", NULL },
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static int is_launch(const command *c)
{
    return strcmp(c->name, "run") == 0 || strcmp(c->name, "spawn") == 0 ||
           strcmp(c->name, "watch") == 0;
}

static void help_all(void)
{
    printf("usage: procctl [--socket PATH] [--json] COMMAND [ARGS]\n"
           "       procctl COMMAND --help | --help | --version\n"
           "Client of procmgrd.  Options take their value as --opt VALUE or\n"
           "--opt=VALUE.\n"
           "  --socket PATH   the daemon's socket (default: $PROCMGR_SOCKET, else\n"
           "                  /run/procmgr/procmgr.sock as root, else\n"
           "                  $XDG_RUNTIME_DIR/procmgr.sock)\n"
           "  --json          JSON output (one value per line)\n"
           "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("IDs are koids; a command taking one opens a handle to it (allowed for\n"
           "root and for the user who launched the process or made the job).\n"
           "Exit: 0 ok, 1 refused by the daemon, 2 usage, 4 daemon unreachable,\n"
           "127 program not found; run and wait: the program's status.\n");
}

static void help_command(const command *c)
{
    printf("usage: procctl %s\n%s.\n", c->synopsis, c->summary);
    if (c->details != NULL)
        fputs(c->details, stdout);
    if (is_launch(c))
        fputs(launch_options_help, stdout);
}

/* One line naming what was wrong, a pointer to the help, exit code 2. */
static int usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pm_cli_usage_verror("procctl", cmd, fmt, ap);
    va_end(ap);
    return rc;
}

/* getopt_long over a command's arguments (argv[0] is the command); the
 * help option and the errors handled here.  Returns the option, -1 at the
 * end of the options, or -2 with *rc set (help printed: 0; usage: 2). */
static int next_opt(int argc, char **argv, const char *shortopts,
                    const struct option *lo, int *rc)
{
    int c = getopt_long(argc, argv, shortopts, lo, NULL);
    if (c == 'h') {
        help_command(find_command(argv[0]));
        *rc = 0;
        return -2;
    }
    if (c == '?' || c == ':') {
        /* the long option as written, or the short one getopt names */
        const char *arg = argv[optind - 1];
        char shortbuf[3] = { '-', (char)optopt, '\0' };
        if (optopt != 0 && strncmp(arg, "--", 2) != 0)
            arg = shortbuf;
        *rc = c == ':' ? usage_error(argv[0], "option '%s' needs a value", arg)
                       : usage_error(argv[0], "unknown option '%s'", arg);
        return -2;
    }
    return c;
}

/* A command whose only option is --help: the index of its first operand,
 * or -1 with *rc set (help printed: 0; an unknown option: 2). */
static int only_help(int argc, char **argv, int *rc)
{
    static const struct option lo[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int ch;
    optind = 0;
    while ((ch = next_opt(argc, argv, "+:h", lo, rc)) >= 0)
        ;
    return ch == -2 ? -1 : optind;
}

/* ---- errors ------------------------------------------------------------------- */

/* A refusal or a transport failure about `what` (a file, a process, a job,
 * a name): one line, in plain words, with the reason code; the exit code. */
static int fail_msg(pm_client *c, const char *what, pm_status st, const char *words)
{
    if (st == PM_E_NOT_CONNECTED && (c == NULL || pm_client_errno(c) != 0)) {
        int e = c != NULL ? pm_client_errno(c) : errno;
        fprintf(stderr, "procctl: %s: connection to procmgrd lost: %s (%s %d)\n",
                what, strerror(e), pm_status_name(st), (int)st);
        return EXIT_TRANSPORT;
    }
    fprintf(stderr, "procctl: %s: %s (%s %d)\n", what,
            words != NULL ? words : pm_status_message(st), pm_status_name(st), (int)st);
    return EXIT_REFUSED;
}

/* The plain words for the refusals a person meets naming a process or
 * a job by its id. */
static const char *words_for_id(pm_status st)
{
    switch (st) {
    case PM_E_NO_SUCH_PROCESS:
        return "no such process (never launched, or ended and gone from procmgrd's ring of recent ends)";
    case PM_E_NOT_OWNER:
        return "not allowed: only root and the user who launched it may";
    default:
        return NULL;
    }
}

static int fail(pm_client *c, const char *what, pm_status st)
{
    return fail_msg(c, what, st, words_for_id(st));
}

/* fail() about process (or job) `id`: "process 42: ..." */
static int fail_id(pm_client *c, const char *kind, uint64_t id, pm_status st)
{
    char what[64];
    snprintf(what, sizeof what, "%s %llu", kind, (unsigned long long)id);
    return fail(c, what, st);
}

static pm_client *connect_or_die(const opts *o, int *rc)
{
    pm_client *c = NULL;
    char def[108];
    const char *path = o->socket != NULL ? o->socket : pm_client_default_socket(def, sizeof def);
    if (path == NULL) {
        fprintf(stderr, "procctl: no socket path: $PROCMGR_SOCKET and $XDG_RUNTIME_DIR are "
                "not set (the default %s is for root); use --socket PATH or set "
                "PROCMGR_SOCKET to procmgrd's socket (%s %d)\n", "/run/procmgr/procmgr.sock",
                pm_status_name(PM_E_PROTO_BAD_ARGUMENT), (int)PM_E_PROTO_BAD_ARGUMENT);
        *rc = EXIT_USAGE;
        return NULL;
    }
    pm_status st = pm_client_connect(path, &c);
    if (st != PM_OK) {
        if (st == PM_E_NOT_CONNECTED)
            fprintf(stderr, "procctl: %s: cannot connect to procmgrd: %s%s (%s %d)\n",
                    path, strerror(errno),
                    errno == ENOENT || errno == ECONNREFUSED
                        ? "; is procmgrd running there? (--socket PATH to choose another)" : "",
                    pm_status_name(st), (int)st);
        else
            fprintf(stderr, "procctl: %s: cannot use this socket path: %s (%s %d)\n",
                    path, strlen(path) >= sizeof def ? "too long" : pm_status_message(st),
                    pm_status_name(st), (int)st);
        *rc = st == PM_E_NOT_CONNECTED ? EXIT_TRANSPORT : EXIT_USAGE;
    }
    return c;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || s[0] == '+' ||
        s[0] == ' ' || s[0] == '\t')
        return -1;
    *v = x;
    return 0;
}

/* SIZE: a decimal number of bytes, or with a K, M, G or T suffix (powers of
 * 1024; "KiB" and "KB" are read the same), without overflow. */
static int parse_size(const char *s, uint64_t *v)
{
    char *end;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s)
        return -1;
    unsigned shift = 0;
    if (*end != '\0') {
        const char *units = "KMGT";
        const char *u = strchr(units, end[0] & ~0x20);
        if (u == NULL || end[0] == '\0')
            return -1;
        shift = 10u * (unsigned)(u - units + 1);
        end++;
        if (strcmp(end, "iB") != 0 && strcmp(end, "B") != 0 && strcmp(end, "") != 0)
            return -1;
    }
    if (shift != 0 && x > (UINT64_MAX >> shift))
        return -1;
    *v = (uint64_t)x << shift;
    return 0;
}

/* ---- launch options ---------------------------------------------------------- */

#define MAX_ENV 512
#define MAX_FD  64
#define MAX_RLIMIT 16
#define MAX_MOUNT  32    /* the builder's namespace entries */

/* RES=SOFT[:HARD] (also the operands of `limit`): a resource name, values
 * decimal or "unlimited"/"infinity"; HARD defaults to SOFT. */
static int parse_rlimit_res(const char *s, size_t n, uint32_t *res)
{
    static const char *const names[PM_RLIMIT_MAX + 1] = { "as", "cpu", "nofile", "nproc" };
    for (uint32_t r = 0; r <= PM_RLIMIT_MAX; r++)
        if (strlen(names[r]) == n && strncmp(s, names[r], n) == 0) {
            *res = r;
            return 0;
        }
    return -1;
}

/* A value: "unlimited"/"infinity", a number, or for `as` (bytes) a SIZE
 * with a K/M/G/T suffix. */
static int parse_rlimit_value(uint32_t res, const char *s, uint64_t *v)
{
    if (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0) {
        *v = PM_RLIMIT_INFINITY;
        return 0;
    }
    return res == PM_RLIMIT_AS ? parse_size(s, v) : parse_u64(s, v);
}

static int parse_rlimit_values(uint32_t res, const char *s, uint64_t *soft, uint64_t *hard)
{
    char buf[64];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (parse_rlimit_value(res, buf, soft) != 0)
        return -1;
    if (colon == NULL) {
        *hard = *soft;
        return 0;
    }
    return parse_rlimit_value(res, colon + 1, hard);
}

typedef struct launch_opts {
    const char *name;
    const char *cwd;
    const char *resolve;
    uint64_t job;         /* --job: launch into this job (0: none) */
    int inherit_job;      /* --inherit-job: SET_INFO flag INHERIT_JOB */
    int suspended;
    int clear_env;
    const char *env[MAX_ENV];
    size_t nenv;
    struct { uint32_t id; const char *path; } fd[MAX_FD];
    size_t nfd;
    struct { uint32_t res; uint64_t soft, hard; } rlimit[MAX_RLIMIT];
    size_t nrlimit;
    struct { const char *path, *dir; } mount[MAX_MOUNT];
    size_t nmount;
    int has_priority;     /* --priority: the level before the first instruction */
    uint32_t priority;
    char **argv;          /* PROGRAM ARGS */
} launch_opts;

static int parse_level(const char *s, uint32_t *level);

static int parse_launch(int argc, char **argv, launch_opts *l, int *rc)
{
    static const struct option lo[] = {
        { "name", required_argument, NULL, 'n' },
        { "env", required_argument, NULL, 'e' },
        { "clear-env", no_argument, NULL, 'C' },
        { "cwd", required_argument, NULL, 'c' },
        { "suspended", no_argument, NULL, 'S' },
        { "inherit-job", no_argument, NULL, 'I' },
        { "mount", required_argument, NULL, 'm' },
        { "priority", required_argument, NULL, 'p' },
        { "rlimit", required_argument, NULL, 'r' },
        { "job", required_argument, NULL, 'j' },
        { "resolve", required_argument, NULL, 'R' },
        { "fd", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = argv[0];
    int c;
    memset(l, 0, sizeof *l);
    optind = 0;
    /* "+": options end at PROGRAM (its own options are its arguments) */
    while ((c = next_opt(argc, argv, "+:h", lo, rc)) >= 0) {
        const char *a = optarg;
        switch (c) {
        case 'n':
            l->name = a;
            break;
        case 'e':
            if (l->nenv >= MAX_ENV)
                return *rc = usage_error(cmd, "more than %d --env", MAX_ENV);
            if (strchr(a, '=') == NULL || a[0] == '=')
                return *rc = usage_error(cmd, "--env '%s': expected NAME=VALUE", a);
            l->env[l->nenv++] = a;
            break;
        case 'C':
            l->clear_env = 1;
            break;
        case 'c':
            l->cwd = a;
            break;
        case 'S':
            l->suspended = 1;
            break;
        case 'I':
            l->inherit_job = 1;
            break;
        case 'm': {
            /* PATH=DIR: the namespace entry (ADD_NAMES) */
            const char *eq = strchr(a, '=');
            if (l->nmount >= MAX_MOUNT)
                return *rc = usage_error(cmd, "more than %d --mount", MAX_MOUNT);
            if (eq == NULL || eq == a || eq[1] == '\0')
                return *rc = usage_error(cmd, "--mount '%s': expected PATH=DIR", a);
            l->mount[l->nmount].path = a;
            l->mount[l->nmount].dir = eq + 1;
            l->nmount++;
            break;
        }
        case 'p':
            if (parse_level(a, &l->priority) != 0)
                return *rc = usage_error(cmd, "--priority '%s': expected background, low, "
                                         "normal, high, codec, realtime or 0-5", a);
            l->has_priority = 1;
            break;
        case 'r': {
            const char *eq = strchr(a, '=');
            size_t k = l->nrlimit;
            if (k >= MAX_RLIMIT)
                return *rc = usage_error(cmd, "more than %d --rlimit", MAX_RLIMIT);
            if (eq == NULL || parse_rlimit_res(a, (size_t)(eq - a), &l->rlimit[k].res) != 0)
                return *rc = usage_error(cmd, "--rlimit '%s': expected RES=SOFT[:HARD], RES one "
                                         "of as, cpu, nofile, nproc", a);
            if (parse_rlimit_values(l->rlimit[k].res, eq + 1, &l->rlimit[k].soft,
                                    &l->rlimit[k].hard) != 0)
                return *rc = usage_error(cmd, "--rlimit '%s': bad value (a number%s, or "
                                         "'unlimited')", a,
                                         l->rlimit[k].res == PM_RLIMIT_AS ? " with K/M/G/T" : "");
            l->nrlimit++;
            break;
        }
        case 'j':
            if (parse_u64(a, &l->job) != 0 || l->job == 0)
                return *rc = usage_error(cmd, "--job '%s': expected a job id (a number > 0)", a);
            break;
        case 'R':
            l->resolve = a;
            break;
        case 'f': {
            const char *eq = strchr(a, '=');
            char num[16];
            uint64_t id;
            if (l->nfd >= MAX_FD)
                return *rc = usage_error(cmd, "more than %d --fd", MAX_FD);
            if (eq == NULL || (size_t)(eq - a) >= sizeof num || eq[1] == '\0')
                return *rc = usage_error(cmd, "--fd '%s': expected N=PATH", a);
            memcpy(num, a, (size_t)(eq - a));
            num[eq - a] = '\0';
            if (parse_u64(num, &id) != 0 || id > 0xFFFFFFFFu)
                return *rc = usage_error(cmd, "--fd '%s': N is not a descriptor number", a);
            l->fd[l->nfd].id = (uint32_t)id;
            l->fd[l->nfd].path = eq + 1;
            l->nfd++;
            break;
        }
        default:
            return *rc = usage_error(cmd, "unexpected option");
        }
    }
    if (c == -2)
        return -1;
    if (optind >= argc && l->resolve == NULL)
        return *rc = usage_error(cmd, "no PROGRAM given");
    l->argv = argv + optind;
    return 0;
}

/* PROGRAM as execvp would find it; *found is the path opened (what
 * execvp would give execve), pointing into found_buf or at prog. */
static int open_program(const char *prog, char *found_buf, size_t cap,
                        const char **found)
{
    *found = prog;
    if (strchr(prog, '/') != NULL)
        return open(prog, O_RDONLY | O_CLOEXEC);
    const char *path = getenv("PATH");
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path != '\0') {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        char buf[4096];
        if (n > 0 && n + strlen(prog) + 2 <= sizeof buf) {
            memcpy(buf, path, n);
            buf[n] = '/';
            strcpy(buf + n + 1, prog);
            if (access(buf, X_OK) == 0) {
                if (strlen(buf) < cap) {
                    strcpy(found_buf, buf);
                    *found = found_buf;
                }
                return open(buf, O_RDONLY | O_CLOEXEC);
            }
        }
        path += n;
        if (*path == ':')
            path++;
    }
    errno = ENOENT;
    return -1;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Environment: ours (unless --clear-env) with --env entries replacing
 * those of the same NAME. */
static size_t build_env(const launch_opts *l, const char **out, size_t cap)
{
    size_t n = 0;
    for (char **e = environ; !l->clear_env && e != NULL && *e != NULL && n < cap; e++) {
        const char *eq = strchr(*e, '=');
        int overridden = 0;
        for (size_t i = 0; eq != NULL && i < l->nenv; i++)
            if (strncmp(l->env[i], *e, (size_t)(eq - *e) + 1) == 0)
                overridden = 1;
        if (eq != NULL && eq != *e && !overridden)
            out[n++] = *e;
    }
    for (size_t i = 0; i < l->nenv && n < cap; i++)
        out[n++] = l->env[i];
    return n;
}

/* A launch refused: name the program, say in plain words what is wrong
 * with it (from what the file is: a directory, a text file without #!, a
 * script whose interpreter is not allowed or missing, ...), keep the code. */
static int fail_launch(pm_client *c, pm_status st, const char *prog, int exe)
{
    char words[640], interp[256];
    const char *w = NULL;
    struct stat sb;
    struct statvfs vfs;
    unsigned char head[257];
    ssize_t n = exe >= 0 ? pread(exe, head, sizeof head - 1, 0) : -1;
    int have_stat = exe >= 0 && fstat(exe, &sb) == 0;
    int script = n >= 2 && head[0] == '#' && head[1] == '!';
    interp[0] = '\0';
    if (script) {
        /* the interpreter: the first word after #! */
        size_t i = 2, k = 0;
        while (i < (size_t)n && (head[i] == ' ' || head[i] == '\t'))
            i++;
        while (i < (size_t)n && head[i] != ' ' && head[i] != '\t' && head[i] != '\n' &&
               k + 1 < sizeof interp)
            interp[k++] = (char)head[i++];
        interp[k] = '\0';
    }
    switch (st) {
    case PM_E_K_TYPE:
    case PM_E_LINUX_NOT_REGULAR:
        if (have_stat && S_ISDIR(sb.st_mode))
            w = "is a directory, not a program";
        else if (have_stat && !S_ISREG(sb.st_mode))
            w = "is not a regular file (a device, pipe or socket), not a program";
        break;
    case PM_E_K_STATE:
        if (exe >= 0 && fstatvfs(exe, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
            w = "is on a file system mounted noexec, where programs may not run";
        break;
    case PM_E_LINUX_NOEXEC:
        /* the program's mount, else its interpreter's (execve: EACCES) */
        if (exe >= 0 && fstatvfs(exe, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
            w = "is on a file system mounted noexec, where programs may not run";
        else if (script && interp[0] != '\0') {
            snprintf(words, sizeof words, "its #! interpreter %s is on a file system "
                     "mounted noexec, where programs may not run", interp);
            w = words;
        } else
            w = "its ELF interpreter (PT_INTERP) is on a file system mounted noexec, "
                "where programs may not run";
        break;
    case PM_E_LINUX_EXEC_DENIED: {
        /* the program, checked as the daemon checked it: with our
         * credentials, else its interpreter (execve: EACCES) */
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", exe);
        if (exe >= 0 && have_stat && faccessat(AT_FDCWD, self, X_OK, AT_EACCESS) != 0) {
            snprintf(words, sizeof words, "has no execute permission for you (mode %04o, "
                     "owner %u, group %u): chmod +x it, as execve would need",
                     (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid,
                     (unsigned)sb.st_gid);
            w = words;
        } else if (script && interp[0] != '\0') {
            snprintf(words, sizeof words, "its #! interpreter %s has no execute "
                     "permission for you", interp);
            w = words;
        } else
            w = "its ELF interpreter (PT_INTERP) has no execute permission for you";
        break;
    }
    case PM_E_LINUX_SETID_REFUSED:
        /* the program's bits, else its interpreter's, else file caps */
        if (have_stat && !script && (sb.st_mode & (S_ISUID | S_ISGID))) {
            snprintf(words, sizeof words, "is set-%s-ID (mode %04o, owner %u, group %u): "
                     "execve would run it with %s credentials, and procmgr never "
                     "changes credentials through a file's bits: run it directly",
                     (sb.st_mode & S_ISUID) ? "user" : "group",
                     (unsigned)(sb.st_mode & 07777), (unsigned)sb.st_uid,
                     (unsigned)sb.st_gid, (sb.st_mode & S_ISUID) ? "its owner's" : "its group's");
            w = words;
        } else if (script && interp[0] != '\0') {
            snprintf(words, sizeof words, "its #! interpreter %s is set-user-ID or "
                     "set-group-ID, or has file capabilities: procmgr never changes "
                     "credentials through a file's bits", interp);
            w = words;
        } else
            w = "has file capabilities (security.capability): execve would raise its "
                "privileges, and procmgr never changes credentials through a file's "
                "bits: run it directly";
        break;
    case PM_E_ELF_MAGIC:
    case PM_E_ELF_TRUNCATED: {
        int text = n > 0;
        for (ssize_t i = 0; i < n; i++)
            if (head[i] == 0 || (head[i] < 0x20 && head[i] != '\n' && head[i] != '\t' &&
                                 head[i] != '\r'))
                text = 0;
        if (n == 0)
            w = "is empty, not a program";
        else if (text && !script)
            w = "is a text file without a '#!' line, not a program";
        else if (st == PM_E_ELF_MAGIC)
            w = "is not an ELF program (it does not start with the ELF magic)";
        else
            w = "is shorter than an ELF header, not a program";
        break;
    }
    case PM_E_SCRIPT_NOT_ALLOWED:
        if (interp[0] != '\0' && access(interp, F_OK) != 0) {
            snprintf(words, sizeof words, "its #! interpreter %s does not exist", interp);
            w = words;
        } else if (interp[0] != '\0') {
            snprintf(words, sizeof words, "its #! interpreter %s is not allowed (procmgrd "
                     "runs scripts only for the interpreters given with --script-interp: "
                     "start it with --script-interp %s)", interp, interp);
            w = words;
        }
        break;
    case PM_E_SCRIPT_NESTED:
        if (interp[0] != '\0') {
            snprintf(words, sizeof words, "its #! interpreter %s is itself a script "
                     "(one level only)", interp);
            w = words;
        }
        break;
    case PM_E_SCRIPT_INTERP:
        w = "its #! line names no interpreter, or one that is not an absolute path";
        break;
    default:
        if ((int)st >= 100 && (int)st < 200) {
            snprintf(words, sizeof words, "is an ELF file procmgr refuses to load: %s",
                     pm_status_message(st));
            w = words;
        }
        break;
    }
    return fail_msg(c, prog, st, w);
}

/* A launch refused because of an option, not the program: name the
 * option (--cwd DIR, --mount PATH=DIR); else fail_launch. */
static int fail_launch_opts(pm_client *c, pm_status st, const launch_opts *l,
                            const char *prog, int exe)
{
    char what[4200];
    struct stat sb;
    if (st == PM_E_K_NOT_DIRECTORY && l->cwd != NULL &&
        (stat(l->cwd, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        snprintf(what, sizeof what, "--cwd %s", l->cwd);
        return fail_msg(c, what, st, "is not a directory");
    }
    int mount_code = st == PM_E_K_NOT_DIRECTORY || st == PM_E_NAMESPACE_OVERLAP ||
                     st == PM_E_PROTO_PATH_NOT_ABSOLUTE || st == PM_E_PROTO_PATH_NOT_NORMAL ||
                     st == PM_E_LINUX_NAME_MOUNTPOINT || st == PM_E_LINUX_NAMESPACE_DENIED;
    if (mount_code && l->nmount > 0) {
        const char *w = NULL;
        if (l->nmount == 1)
            snprintf(what, sizeof what, "--mount %s", l->mount[0].path);
        else
            snprintf(what, sizeof what, "--mount (one of %zu)", l->nmount);
        switch (st) {
        case PM_E_K_NOT_DIRECTORY: w = "DIR is not a directory"; break;
        case PM_E_NAMESPACE_OVERLAP: w = "PATH overlaps another --mount"; break;
        case PM_E_PROTO_PATH_NOT_ABSOLUTE: w = "PATH must be absolute"; break;
        case PM_E_PROTO_PATH_NOT_NORMAL:
            w = "PATH must be normal (no empty, '.' or '..' component, no trailing '/')";
            break;
        case PM_E_LINUX_NAME_MOUNTPOINT: w = "PATH is not an existing directory to mount on"; break;
        case PM_E_LINUX_NAMESPACE_DENIED: w = "mount namespaces are not allowed here"; break;
        default: break;
        }
        return fail_msg(c, what, st, w);
    }
    return fail_launch(c, st, prog, exe);
}

typedef struct launched {
    pm_client_process p;
    pm_client_start_data sd;
} launched;

/* Build and launch per the options.  Startup handles: our 0, 1, 2 unless
 * --fd gives them, and every --fd.  Returns an exit code (0 = launched). */
static int do_launch(pm_client *c, const launch_opts *l, int suspended, launched *out)
{
    static const char *envv[4096];
    static char mpath[MAX_MOUNT][4096];
    pm_spawn_action act[MAX_FD + MAX_RLIMIT + MAX_MOUNT + 8];
    int mfd[MAX_MOUNT];
    size_t nact = 0, nm = 0;
    int exe = -1, interp = -1, cwd = -1, job = -1, rc = 0;
    char found_buf[4096];   /* PATH_MAX: the exec filename */
    const char *found = NULL;
    pm_status st;

    memset(act, 0, sizeof act);
    if (l->nenv > 0)
        for (size_t i = 0; i < l->nenv; i++)
            if (strchr(l->env[i], '=') == NULL || l->env[i][0] == '=') {
                fprintf(stderr, "procctl: --env %s: expected NAME=VALUE\n", l->env[i]);
                return EXIT_USAGE;
            }
    if (l->job != 0) {
        st = pm_client_job_open(c, l->job, &job, NULL);
        if (st != PM_OK)
            return fail_id(c, "job", l->job, st);
    }
    if (l->resolve != NULL) {
        st = pm_client_resolve(c, l->resolve, &exe, &interp);
        if (st != PM_OK)
            return fail(c, l->resolve, st);
    } else {
        exe = open_program(l->argv[0], found_buf, sizeof found_buf, &found);
        if (exe < 0) {
            fprintf(stderr, "procctl: %s: %s\n", l->argv[0], strerror(errno));
            return 127;
        }
    }
    for (uint32_t id = 0; id < 3; id++) {
        int given = 0;
        for (size_t i = 0; i < l->nfd; i++)
            given |= l->fd[i].id == id;
        if (!given && fcntl((int)id, F_GETFD) >= 0) {
            act[nact].kind = PM_SPAWN_ACTION_CLONE_FD;
            act[nact].fd = (int)id;
            act[nact].id = id;
            nact++;
        }
    }
    if (l->cwd != NULL) {
        /* O_PATH: the daemon judges what it is (K_NOT_DIRECTORY) */
        cwd = open(l->cwd, O_PATH | O_CLOEXEC);
        if (cwd < 0) {
            fprintf(stderr, "procctl: --cwd %s: %s\n", l->cwd, strerror(errno));
            close(exe);
            if (interp >= 0)
                close(interp);
            return EXIT_USAGE;
        }
        act[nact].kind = PM_SPAWN_ACTION_SET_CWD;
        act[nact].fd = cwd;
        nact++;
    }
    for (nm = 0; nm < l->nmount; nm++) {
        size_t plen = (size_t)(strchr(l->mount[nm].path, '=') - l->mount[nm].path);
        mfd[nm] = plen < sizeof mpath[0] ? open(l->mount[nm].dir, O_PATH | O_CLOEXEC) : -1;
        if (mfd[nm] < 0) {
            fprintf(stderr, "procctl: --mount %s: %s\n", l->mount[nm].path,
                    plen < sizeof mpath[0] ? strerror(errno) : "path too long");
            rc = EXIT_USAGE;
            break;
        }
        memcpy(mpath[nm], l->mount[nm].path, plen);
        mpath[nm][plen] = '\0';
        act[nact].kind = PM_SPAWN_ACTION_ADD_NAME;
        act[nact].fd = mfd[nm];
        act[nact].path = mpath[nm];
        nact++;
    }
    if (rc != 0) {
        while (nm > 0)
            close(mfd[--nm]);
        close(exe);
        if (interp >= 0)
            close(interp);
        if (cwd >= 0)
            close(cwd);
        return rc;
    }
    if (l->has_priority) {
        act[nact].kind = PM_SPAWN_ACTION_PRIORITY;
        act[nact].id = l->priority;
        nact++;
    }
    for (size_t i = 0; i < l->nrlimit; i++) {
        act[nact].kind = PM_SPAWN_ACTION_RLIMIT;
        act[nact].id = l->rlimit[i].res;
        act[nact].soft = l->rlimit[i].soft;
        act[nact].hard = l->rlimit[i].hard;
        nact++;
    }
    for (size_t i = 0; i < l->nfd; i++) {
        act[nact].kind = PM_SPAWN_ACTION_OPEN;
        act[nact].id = l->fd[i].id;
        act[nact].path = l->fd[i].path;
        act[nact].oflags = l->fd[i].id == 0 ? O_RDONLY : (O_WRONLY | O_CREAT | O_TRUNC);
        act[nact].mode = 0666;
        nact++;
    }
    /* Default name: the path execve would have been given, as the kernel
     * makes it AT_EXECFN (and comm its base name); its base name when it
     * does not fit the core's name field. */
    const char *name = l->name;
    if (name == NULL && found != NULL)
        name = strlen(found) <= PROC_NAME_MAX ? found : base_name(found);
    if (name == NULL)
        name = l->argv[0] != NULL ? base_name(l->argv[0]) : l->resolve;
    act[nact].kind = PM_SPAWN_ACTION_SET_NAME;
    act[nact].path = name;
    nact++;
    /* The exec filename (AT_EXECFN): the path execve would have been
     * given, as typed or found on PATH, whatever its length (a --resolve
     * name has none: the daemon shows the process name). */
    const char *execfn = l->resolve == NULL ? found : NULL;
    if (execfn != NULL) {
        act[nact].kind = PM_SPAWN_ACTION_SET_EXECFN;
        act[nact].path = execfn;
        nact++;
    }
    size_t ne = build_env(l, envv, sizeof envv / sizeof envv[0] - 1);
    envv[ne] = NULL;

    if (interp >= 0 || job >= 0) {
        /* a resolved program with an interpreter, or a job: use the
         * builder calls, SET_INFO carries the interpreter and job handles */
        pm_client_startup hs[MAX_FD + 3];
        int opened[MAX_FD];
        size_t nh = 0, nop = 0;
        st = PM_OK;
        for (size_t i = 0; i < nact && st == PM_OK; i++) {
            if (act[i].kind == PM_SPAWN_ACTION_CLONE_FD) {
                hs[nh].fd = act[i].fd;
            } else if (act[i].kind == PM_SPAWN_ACTION_OPEN) {
                hs[nh].fd = open(act[i].path, act[i].oflags | O_CLOEXEC, act[i].mode);
                if (hs[nh].fd < 0) {
                    fprintf(stderr, "procctl: %s: %s\n", act[i].path, strerror(errno));
                    st = PM_E_K_ARG;
                    break;
                }
                opened[nop++] = hs[nh].fd;
            } else {
                continue;
            }
            hs[nh++].id = act[i].id;
        }
        size_t na = 0;
        while (l->argv[na] != NULL)
            na++;
        if (st == PM_OK && na > 0)
            st = pm_client_add_args(c, (const char *const *)l->argv, na);
        if (st == PM_OK && ne > 0)
            st = pm_client_add_environs(c, envv, ne);
        if (st == PM_OK && nh > 0)
            st = pm_client_add_handles(c, hs, nh);
        if (st == PM_OK && cwd >= 0)
            st = pm_client_set_cwd(c, cwd);
        if (st == PM_OK && execfn != NULL)
            st = pm_client_set_execfn(c, execfn);
        for (size_t i = 0; i < nact && st == PM_OK; i++)
            if (act[i].kind == PM_SPAWN_ACTION_ADD_NAME) {
                pm_client_name n = { act[i].fd, act[i].path };
                st = pm_client_add_names(c, &n, 1);
            }
        if (st == PM_OK)
            st = pm_client_set_info_flags(c, exe, job, interp, name,
                                          l->inherit_job ? PM_INFO_INHERIT_JOB : 0u);
        if (st == PM_OK)
            st = pm_client_launch_limited(c, suspended, act, nact, &out->p, &out->sd);
        for (size_t i = 0; i < nop; i++)
            close(opened[i]);
    } else {
        const char *const *argv = (const char *const *)l->argv;
        st = pm_client_spawn(c, (suspended ? PM_SPAWN_SUSPENDED : 0u) |
                                    (l->inherit_job ? PM_SPAWN_INHERIT_JOB : 0u), exe, NULL,
                             argv[0] != NULL ? argv : NULL, envv, act, nact,
                             &out->p, &out->sd);
    }
    if (st != PM_OK)
        rc = fail_launch_opts(c, st, l, found != NULL ? found : l->resolve,
                              l->resolve == NULL ? exe : -1);
    close(exe);
    if (interp >= 0)
        close(interp);
    if (cwd >= 0)
        close(cwd);
    while (nm > 0)
        close(mfd[--nm]);
    if (job >= 0)
        close(job);
    return rc;
}

/* ---- waiting, signals ----------------------------------------------------------- */

static int g_sigpipe[2] = { -1, -1 };

static void on_signal(int sig)
{
    int e = errno;
    unsigned char b = (unsigned char)sig;
    (void)!write(g_sigpipe[1], &b, 1);
    errno = e;
}

static void forward_signals(void)
{
    struct sigaction sa;
    if (pipe2(g_sigpipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* A process's end as procctl reports it: the record, and the details
 * block when the daemon gave one (QUERY_DETAILS; has_details 0 with an
 * older daemon, or a record no handle reaches any more). */
typedef struct end_report {
    pm_proto_info info;
    pm_proto_details det;
    int has_details;
} end_report;

static const char *signal_name(uint32_t sig);

static int status_of(const pm_proto_info *info)
{
    switch (info->state) {
    case PM_STATE_EXITED:
        return (int)(info->exit_code & 0xFFu);
    case PM_STATE_KILLED:
        /* v1 records 0 (KILL by procmgr, or a signal it does not name);
         * a signal number 1..64 is used when the record carries one */
        return info->exit_code >= 1u && info->exit_code <= 64u
               ? 128 + (int)info->exit_code : 128 + SIGKILL;
    case PM_STATE_FAULTED:
        switch (info->exit_code) {
        case 1: case 2: case 3: return 128 + SIGSEGV;   /* READ, WRITE, EXEC */
        case 4: return 128 + SIGILL;
        case 5: return 128 + SIGFPE;
        default: return 255;
        }
    default:
        return 255;
    }
}

/* The exit status of an end: the code, or 128 + the signal (faults
 * included, from the details); from the record alone without them. */
static int status_of_end(const end_report *e)
{
    const pm_proto_details *x = &e->det;
    if (e->has_details && x->end == PM_END_EXITED)
        return (int)(x->end_code & 0xFFu);
    if (e->has_details && x->end != PM_END_NONE &&
        x->end_code >= PM_SIGNAL_MIN && x->end_code <= PM_SIGNAL_MAX)
        return 128 + (int)x->end_code;
    return status_of(&e->info);
}

static const char *const fault_names[PM_FAULT_MAX + 1u] = {
    "none", "read", "write", "exec", "illegal", "arith", "other"
};

static const char *fault_name(uint32_t f)
{
    return fault_names[f <= PM_FAULT_MAX ? f : 0];
}

/* "exited 3", "killed by SIGTERM", "killed by SIGSEGV (core dumped)",
 * "running", ... into buf.  A fault names its kind when it is not the
 * one the signal implies ("faulted (read) by SIGSEGV"). */
static void end_text(const end_report *e, char *buf, size_t cap)
{
    const pm_proto_details *x = &e->det;
    const char *core = (x->end_flags & PM_END_CORE_DUMPED) ? " (core dumped)" : "";
    if (!e->has_details)
        snprintf(buf, cap, "%s %u", state_name(e->info.state), e->info.exit_code);
    else if (x->end == PM_END_EXITED)
        snprintf(buf, cap, "exited %u", x->end_code);
    else if (x->end == PM_END_KILLED)
        snprintf(buf, cap, "killed by %s%s", signal_name(x->end_code), core);
    else if (x->end == PM_END_FAULTED && x->fault == 6u && x->end_code != 0u)
        snprintf(buf, cap, "killed by %s%s", signal_name(x->end_code), core);
    else if (x->end == PM_END_FAULTED)
        snprintf(buf, cap, "faulted (%s) by %s%s", fault_name(x->fault),
                 signal_name(x->end_code), core);
    else
        snprintf(buf, cap, "%s", state_name(e->info.state));
}

/* The JSON fields of an end (no braces, a leading comma): end, code or
 * signal and its name, fault, core_dumped, wait_status, status (procctl's
 * exit code for it). */
static void end_json(pmj *j, const end_report *e)
{
    static const char *const ends[PM_END_MAX + 1u] = { "none", "exited", "killed", "faulted" };
    const pm_proto_details *x = &e->det;
    char text[96];
    int ended = e->info.state >= PM_STATE_EXITED && e->info.state <= PM_STATE_FAULTED;
    end_text(e, text, sizeof text);
    if (!e->has_details) {
        pmj_kstr(j, "end", ended ? state_name(e->info.state) : "none");
        pmj_kstr(j, "text", text);
        if (ended)
            pmj_kint(j, "status", status_of(&e->info));
        else
            pmj_knull(j, "status");
        return;
    }
    pmj_kstr(j, "end", ends[x->end <= PM_END_MAX ? x->end : 0]);
    pmj_kstr(j, "text", text);
    if (x->end == PM_END_EXITED) {
        pmj_kuint(j, "code", x->end_code);
    } else if (x->end != PM_END_NONE) {
        pmj_kuint(j, "signal", x->end_code);
        pmj_kstr(j, "signal_name", signal_name(x->end_code));
        pmj_kbool(j, "core_dumped", (x->end_flags & PM_END_CORE_DUMPED) != 0);
    }
    if (x->end == PM_END_FAULTED)
        pmj_kstr(j, "fault", fault_name(x->fault));
    if (x->end != PM_END_NONE) {
        pmj_kuint(j, "wait_status", x->wait_status);
        pmj_kint(j, "status", status_of_end(e));
    } else {
        pmj_knull(j, "wait_status");
        pmj_knull(j, "status");
    }
}

/* The details of process handle h into e (has_details 0 when the daemon
 * cannot give them: an older daemon, or no QUERY right on h). */
static void fetch_details(pm_client *c, int h, end_report *e)
{
    pm_proto_info info;
    e->has_details = pm_client_query_details(c, h, &info, &e->det) == PM_OK;
}

/* run's report of the end, on stderr (stdout is the program's): with
 * --json always, one JSON object; otherwise only for an end by a signal,
 * one line, as a shell reports "Killed". */
static void report_run_end(const opts *o, const end_report *e)
{
    char text[96];
    end_text(e, text, sizeof text);
    if (o->json) {
        pmj j;
        pmj_init(&j, stderr);
        pmj_object(&j);
        pmj_kuint(&j, "koid", e->info.koid);
        end_json(&j, e);
        pmj_object_end(&j);
        pmj_newline(&j);
    } else if (e->info.state == PM_STATE_KILLED || e->info.state == PM_STATE_FAULTED) {
        fprintf(stderr, "procctl: %llu %s\n", (unsigned long long)e->info.koid, text);
    }
}

static void print_event(const opts *o, const pm_client_event *ev)
{
    const char *n = ev->event == PM_EVENT_STARTED ? "started" :
                    ev->event == PM_EVENT_EXITED ? "exited" :
                    ev->event == PM_EVENT_KILLED ? "killed" :
                    ev->event == PM_EVENT_FAULTED ? "faulted" : "unknown";
    if (o->json) {
        pmj_object(&J);
        pmj_kstr(&J, "event", n);
        pmj_kuint(&J, "koid", ev->koid);
        pmj_kuint(&J, "code", ev->code);
        pmj_object_end(&J);
        pmj_newline(&J);
    } else {
        printf("%llu %s %u\n", (unsigned long long)ev->koid, n, ev->code);
    }
    fflush(stdout);
}

/* Wait for the process to end: WATCH its end events and poll them next to
 * the signal pipe (a signal becomes KILL); WAIT(0) gives the record.
 * watch: a WATCH channel already open on the process (watch mode opens it
 * before the start, so that no event is missed), or -1 to open one here. */
static int wait_end(pm_client *c, const opts *o, int process, int watch,
                    int print, pm_proto_info *info)
{
    pm_status st = PM_OK;
    if (watch < 0)
        st = pm_client_watch(c, process, PM_EVENT_ALL, &watch);
    if (st != PM_OK) {
        /* no watch available: block in WAIT (signals still kill procctl) */
        st = pm_client_wait(c, process, PM_WAIT_FOREVER, info);
        return st == PM_OK ? 0 : fail(c, "wait", st);
    }
    for (;;) {
        st = pm_client_wait(c, process, PM_WAIT_POLL, info);
        if (st == PM_OK)
            break;
        if (st != PM_E_WAIT_TIMED_OUT) {
            close(watch);
            return fail(c, "wait", st);
        }
        struct pollfd p[2] = { { watch, POLLIN, 0 }, { g_sigpipe[0], POLLIN, 0 } };
        if (poll(p, g_sigpipe[0] >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN) {
            unsigned char b;
            while (read(g_sigpipe[0], &b, 1) == 1)
                ;
            st = pm_client_kill(c, process);
            if (st != PM_OK && st != PM_E_PROCESS_ENDED) {
                close(watch);
                return fail(c, "kill", st);
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP)) {
            pm_client_event ev;
            if (pm_client_watch_next(watch, 0, &ev) == PM_OK && print)
                print_event(o, &ev);
        }
    }
    /* events sent before the WAIT reply are already queued on the channel */
    pm_client_event ev;
    while (print && pm_client_watch_next(watch, 0, &ev) == PM_OK)
        print_event(o, &ev);
    close(watch);
    return 0;
}

/* ---- commands --------------------------------------------------------------------- */

static int cmd_launch(const opts *o, int argc, char **argv, int mode)
{
    launch_opts l;
    launched r;
    int rc = 0;
    pm_proto_info info;
    if (parse_launch(argc, argv, &l, &rc) != 0)
        return rc;
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (mode != 's')
        forward_signals();
    /* watch: created stopped, watched, then started, so that the events
     * of a short-lived program (its start, its end) are all seen */
    int watch = -1;
    rc = do_launch(c, &l, l.suspended || mode == 'w', &r);
    if (rc == 0 && mode == 'w') {
        pm_status st = pm_client_watch(c, r.p.process, PM_EVENT_ALL, &watch);
        if (st != PM_OK)
            watch = -1;   /* wait_end falls back to WAIT */
        if (!l.suspended) {
            st = pm_client_start(c, r.p.process, r.p.thread);
            if (st != PM_OK)
                rc = fail_id(c, "process", r.p.koid, st);
        }
    }
    if (rc == 0 && l.suspended && mode == 's') {
        /* stays created: `procctl start ID` starts it (OPEN_PROCESS) */
        fprintf(stderr, "procctl: created %llu suspended: entry 0x%llx stack 0x%llx "
                "image 0x%llx interp 0x%llx; start it with: procctl start %llu\n",
                (unsigned long long)r.p.koid, (unsigned long long)r.sd.entry,
                (unsigned long long)r.sd.stack, (unsigned long long)r.sd.image_base,
                (unsigned long long)r.sd.interp_base, (unsigned long long)r.p.koid);
    } else if (rc == 0 && l.suspended) {
        fprintf(stderr, "procctl: created %llu suspended: entry 0x%llx stack 0x%llx "
                "image 0x%llx interp 0x%llx\n", (unsigned long long)r.p.koid,
                (unsigned long long)r.sd.entry, (unsigned long long)r.sd.stack,
                (unsigned long long)r.sd.image_base,
                (unsigned long long)r.sd.interp_base);
        pm_status st = pm_client_start(c, r.p.process, r.p.thread);
        if (st != PM_OK)
            rc = fail_id(c, "process", r.p.koid, st);
    }
    if (rc == 0 && mode == 's') {
        if (o->json) {
            pmj_object(&J);
            pmj_kuint(&J, "koid", r.p.koid);
            pmj_object_end(&J);
            pmj_newline(&J);
        } else {
            printf("%llu\n", (unsigned long long)r.p.koid);
        }
    } else if (rc == 0) {
        rc = wait_end(c, o, r.p.process, watch, mode == 'w', &info);
        watch = -1;   /* closed by wait_end */
        if (rc == 0 && mode != 'w') {
            end_report e;
            e.info = info;
            fetch_details(c, r.p.process, &e);
            rc = status_of_end(&e);
            report_run_end(o, &e);
        }
    }
    if (watch >= 0)
        close(watch);
    if (r.p.process >= 0 && rc != EXIT_TRANSPORT) {
        close(r.p.process);
        close(r.p.thread);
    }
    pm_client_close(c);
    return rc;
}

/* info leaves its JSON object open for the details. */

/* pid: the host pid (PID column and "pid" member; 0: unknown, "-" or
 * null), or -1 for no PID column (info and wait print it apart). */
static void print_info(const opts *o, const pm_proto_info *p, const char *name,
                       int64_t pid)
{
    int ended = p->state >= PM_STATE_EXITED && p->state <= PM_STATE_FAULTED;
    if (o->json) {
        /* members only: the caller opens and closes the object */
        pmj_kuint(&J, "koid", p->koid);
        pmj_kuint(&J, "parent", p->parent_koid);
        pmj_kuint(&J, "job", p->job_koid);
        pmj_kstr(&J, "state", state_name(p->state));
        if (ended)
            pmj_kuint(&J, "exit_code", p->exit_code);
        else
            pmj_knull(&J, "exit_code");
        if (pid > 0)
            pmj_kuint(&J, "pid", (uint64_t)pid);
        else if (pid == 0)
            pmj_knull(&J, "pid");
        return;
    }
    printf("%-8llu %-8llu %-6llu %-8s ", (unsigned long long)p->koid,
           (unsigned long long)p->parent_koid, (unsigned long long)p->job_koid,
           state_name(p->state));
    if (name == NULL) {
        if (ended)
            printf("%u\n", p->exit_code);
        else
            printf("-\n");
        return;
    }
    char code[16];
    snprintf(code, sizeof code, ended ? "%u" : "-", p->exit_code);
    printf("%-5s ", code);
    if (pid > 0)
        printf("%-8lld ", (long long)pid);
    else if (pid == 0)
        printf("%-8s ", "-");
    /* the name as text: control bytes shown as \xHH, not sent to the terminal */
    for (const unsigned char *s = (const unsigned char *)name; *s != '\0'; s++)
        if (*s < 0x20 || *s == 0x7f || *s == '\\')
            printf("\\x%02x", *s);
        else
            putchar(*s);
    putchar('\n');
}

/* Every record (of job `job` when non-zero), page by page; ended != 0:
 * the collected ends of the daemon's ring instead (LIST_PROCESSES filter
 * ENDED, of job `job` when non-zero). */
static int list_all(const opts *o, pm_client *c, uint64_t job, int ended,
                    int *found)
{
    static pm_proto_info page[PM_PROTO_MAX_LIST];
    uint64_t cursor = 0, next = 0;
    uint32_t n = 0;
    uint32_t filter = ended ? PM_LIST_ENDED : job != 0 ? PM_LIST_BY_JOB : PM_LIST_ALL;
    do {
        pm_status st = pm_client_list(c, filter, ended ? 0 : job, cursor, PM_PROTO_MAX_LIST,
                                      page, &n, &next);
        if (st != PM_OK)
            return fail(c, ended ? "list of ended processes" : "list of processes", st);
        for (uint32_t i = 0; i < n; i++) {
            if (ended && job != 0 && page[i].job_koid != job)
                continue;
            /* its name and host pid: LOOKUP_PROCESS, for the processes we
             * may open (root, or the launching user) */
            char name[PM_PROTO_MAX_PROCESS_NAME + 1];
            pm_proto_lookup lk;
            int named = 0;
            name[0] = '\0';
            lk.pid = 0;
            if (pm_client_lookup(c, page[i].koid, NULL, &lk, name) == PM_OK)
                named = 1;
            else
                lk.pid = 0;
            if (o->json) {
                pmj_object(&J);
                print_info(o, &page[i], NULL, (int64_t)lk.pid);
                pmj_kstr(&J, "name", named ? name : NULL);
                pmj_kbool(&J, "collected", ended);
                pmj_object_end(&J);
            } else {
                print_info(o, &page[i], named && name[0] != '\0' ? name : "-", (int64_t)lk.pid);
            }
            *found = 1;
        }
        cursor = next;
    } while (next != 0);
    return 0;
}

static int cmd_ps(const opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        { "job", required_argument, NULL, 'j' },
        { "all", no_argument, NULL, 'a' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int rc = 0, found = 0, ch, all = 0;
    uint64_t job = 0;
    optind = 0;
    while ((ch = next_opt(argc, argv, ":h", lo, &rc)) >= 0) {
        if (ch == 'a')
            all = 1;
        else if (ch != 'j' || parse_u64(optarg, &job) != 0 || job == 0)
            return usage_error("ps", "--job '%s': expected a job id (a number > 0)", optarg);
    }
    if (ch == -2)
        return rc;
    if (optind != argc)
        return usage_error("ps", "unexpected argument '%s'", argv[optind]);
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (o->json)
        pmj_array(&J);
    else
        printf("%-8s %-8s %-6s %-8s %-5s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT",
               "PID", "NAME");
    rc = list_all(o, c, job, 0, &found);
    if (rc == 0 && all)
        rc = list_all(o, c, job, 1, &found);
    if (o->json) {
        pmj_array_end(&J);
        pmj_newline(&J);
    }
    pm_client_close(c);
    return rc;
}

/* A usage figure: the number, or "-" (JSON null) when not known. */
static void put_figure(const opts *o, int known, uint64_t v)
{
    if (o->json && known)
        pmj_uint(&J, v);
    else if (o->json)
        pmj_null(&J);
    else if (!known)
        fputs("-", stdout);
    else
        printf("%llu", (unsigned long long)v);
}

/* A limit: the number, or "max" for none (a JSON string either way). */
static void put_limit(const opts *o, uint64_t v)
{
    char buf[32];
    if (v == PM_JOB_LIMIT_NONE)
        snprintf(buf, sizeof buf, "max");
    else
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    if (o->json)
        pmj_str(&J, buf);
    else
        fputs(buf, stdout);
}

/* The JOB_QUERY figures, as text lines or JSON members. */
static void put_job_usage(const opts *o, const pm_proto_job_usage *u)
{
    int p = (u->known & PM_JOB_KNOWN_PIDS) != 0, m = (u->known & PM_JOB_KNOWN_MEMORY) != 0;
    int cpu = (u->known & PM_JOB_KNOWN_CPU) != 0;
    if (o->json) {
        pmj_key(&J, "pids");
        pmj_object(&J);
        pmj_key(&J, "current");
        put_figure(o, p, u->pids_current);
        pmj_key(&J, "max");
        put_limit(o, u->pids_max);
        pmj_object_end(&J);
        pmj_key(&J, "memory");
        pmj_object(&J);
        pmj_key(&J, "current");
        put_figure(o, m, u->memory_current);
        pmj_key(&J, "max");
        put_limit(o, u->memory_max);
        pmj_key(&J, "oom_kills");
        put_figure(o, m, u->oom_kills);
        pmj_object_end(&J);
        pmj_key(&J, "cpu_usec");
        put_figure(o, cpu, u->cpu_usec);
        return;
    }
    printf("pids: current ");
    put_figure(o, p, u->pids_current);
    printf(" max ");
    put_limit(o, u->pids_max);
    printf("\nmemory: current ");
    put_figure(o, m, u->memory_current);
    printf(" max ");
    put_limit(o, u->memory_max);
    printf(" oom_kills ");
    put_figure(o, m, u->oom_kills);
    printf("\ncpu: usec ");
    put_figure(o, cpu, u->cpu_usec);
    printf("\n");
}

/* job JOB: open it (it must exist: JOB_OPEN), say what it contains, its
 * limits and usage (JOB_QUERY), list its processes. */
static int cmd_job(const opts *o, int argc, char **argv)
{
    uint64_t id;
    uint32_t mode = 0;
    int rc = 0, found = 0, h = -1;
    int i = only_help(argc, argv, &rc);
    if (i < 0)
        return rc;
    if (argc - i != 1 || parse_u64(argv[i], &id) != 0 || id == 0)
        return usage_error("job", argc - i < 1 ? "no JOB given" : argc - i > 1
                                  ? "too many arguments" : "JOB must be a job id (a number > 0)");
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    pm_proto_job_usage u;
    pm_status st = pm_client_job_open(c, id, &h, &mode);
    if (st == PM_OK)
        st = pm_client_job_query(c, h, NULL, NULL, &u);
    if (st != PM_OK) {
        rc = fail_id(c, "job", id, st);
    } else {
        const char *m = mode == PM_JOB_MODE_CGROUP ? "cgroup" : "members";
        if (o->json) {
            pmj_object(&J);
            pmj_kuint(&J, "job", id);
            pmj_kstr(&J, "mode", m);
        } else {
            printf("job %llu: mode %s\n", (unsigned long long)id, m);
        }
        put_job_usage(o, &u);
        if (o->json) {
            pmj_key(&J, "processes");
            pmj_array(&J);
        } else {
            printf("%-8s %-8s %-6s %-8s %-5s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE",
                   "EXIT", "PID", "NAME");
        }
        rc = list_all(o, c, id, 0, &found);
        if (o->json) {
            pmj_array_end(&J);
            pmj_object_end(&J);
            pmj_newline(&J);
        }
    }
    if (h >= 0)
        close(h);
    pm_client_close(c);
    return rc;
}

/* A limit argument: a number, or "max" (no limit). */
static int parse_limit(const char *s, uint64_t *v, int size)
{
    if (strcmp(s, "max") == 0) {
        *v = PM_JOB_LIMIT_NONE;
        return 0;
    }
    return size ? parse_size(s, v) : parse_u64(s, v);
}

/* job-limit JOB [--pids N|max] [--memory BYTES|max]: JOB_SET_LIMIT for
 * each resource given, in that order; the first refusal ends it. */
static int cmd_job_limit(const opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        { "pids", required_argument, NULL, 'p' },
        { "memory", required_argument, NULL, 'm' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t id, lim[PM_JOB_LIMIT_MAX + 1u] = { 0 };
    int given[PM_JOB_LIMIT_MAX + 1u] = { 0 };
    int rc = 0, h = -1, ch;
    optind = 0;
    while ((ch = next_opt(argc, argv, ":h", lo, &rc)) >= 0) {
        uint32_t r = ch == 'p' ? PM_JOB_LIMIT_PIDS : PM_JOB_LIMIT_MEMORY;
        if (parse_limit(optarg, &lim[r], ch == 'm') != 0)
            return usage_error("job-limit", ch == 'p' ? "--pids '%s': expected a number or max"
                                            : "--memory '%s': expected a size (4096, 64M, 2G) "
                                              "or max", optarg);
        given[r] = 1;
    }
    if (ch == -2)
        return rc;
    if (optind >= argc)
        return usage_error("job-limit", "no JOB given");
    if (optind + 1 < argc)
        return usage_error("job-limit", "unexpected argument '%s'", argv[optind + 1]);
    if (parse_u64(argv[optind], &id) != 0 || id == 0)
        return usage_error("job-limit", "JOB '%s' must be a job id (a number > 0)", argv[optind]);
    if (!given[PM_JOB_LIMIT_PIDS] && !given[PM_JOB_LIMIT_MEMORY])
        return usage_error("job-limit", "nothing to set: give --pids or --memory");
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    pm_status st = pm_client_job_open(c, id, &h, NULL);
    for (uint32_t r = PM_JOB_LIMIT_PIDS; st == PM_OK && r <= PM_JOB_LIMIT_MAX; r++)
        if (given[r])
            st = pm_client_job_set_limit(c, h, r, lim[r]);
    if (st != PM_OK)
        rc = fail_id(c, "job", id, st);
    if (h >= 0)
        close(h);
    pm_client_close(c);
    return rc;
}

/* Signal names (Linux numbering, the protocol's: spec/protocol.md), with or
 * without "SIG", or a number 1..64. */
static const struct { const char *name; uint32_t num; } signal_names[] = {
    { "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 }, { "TRAP", 5 },
    { "ABRT", 6 }, { "IOT", 6 }, { "BUS", 7 }, { "FPE", 8 }, { "KILL", 9 },
    { "USR1", 10 }, { "SEGV", 11 }, { "USR2", 12 }, { "PIPE", 13 },
    { "ALRM", 14 }, { "TERM", 15 }, { "STKFLT", 16 }, { "CHLD", 17 },
    { "CONT", 18 }, { "STOP", 19 }, { "TSTP", 20 }, { "TTIN", 21 },
    { "TTOU", 22 }, { "URG", 23 }, { "XCPU", 24 }, { "XFSZ", 25 },
    { "VTALRM", 26 }, { "PROF", 27 }, { "WINCH", 28 }, { "IO", 29 },
    { "POLL", 29 }, { "PWR", 30 }, { "SYS", 31 },
};

/* "SIGTERM" for a named signal, "signal 40" for another (static buffer
 * for those), "no signal" for 0. */
static const char *signal_name(uint32_t sig)
{
    static char other[32];
    static char named[16];
    if (sig == 0)
        return "no signal";
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
        if (signal_names[i].num == sig) {
            snprintf(named, sizeof named, "SIG%s", signal_names[i].name);
            return named;
        }
    snprintf(other, sizeof other, "signal %u", sig);
    return other;
}

static int parse_signal(const char *s, uint32_t *sig)
{
    uint64_t n;
    if (parse_u64(s, &n) == 0) {
        if (n < PM_SIGNAL_MIN || n > PM_SIGNAL_MAX)
            return -1;
        *sig = (uint32_t)n;
        return 0;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof signal_names / sizeof signal_names[0]; i++)
        if (strcasecmp(s, signal_names[i].name) == 0) {
            *sig = signal_names[i].num;
            return 0;
        }
    return -1;
}

static const char *const level_names[PM_PRIORITY_MAX + 1u] = {
    "background", "low", "normal", "high", "codec", "realtime"
};

static int parse_level(const char *s, uint32_t *level)
{
    uint64_t n;
    if (parse_u64(s, &n) == 0 && n <= PM_PRIORITY_MAX) {
        *level = (uint32_t)n;
        return 0;
    }
    for (uint32_t i = 0; i <= PM_PRIORITY_MAX; i++)
        if (strcasecmp(s, level_names[i]) == 0) {
            *level = i;
            return 0;
        }
    return -1;
}

static const char *const rlimit_names[PM_RLIMIT_COUNT] = { "as", "cpu", "nofile", "nproc" };

static void print_limit(uint64_t v)
{
    if (v == PM_RLIM_INFINITY)
        printf("unlimited");
    else
        printf("%llu", (unsigned long long)v);
}

/* ns since 1970 as "2026-12-07T15:40:01.123456789Z" into buf ("" for 0). */
static void utc_text(uint64_t ns, char *buf, size_t cap)
{
    time_t t = (time_t)(ns / 1000000000u);
    struct tm tm;
    char day[32];
    buf[0] = '\0';
    if (ns == 0 || gmtime_r(&t, &tm) == NULL ||
        strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        return;
    snprintf(buf, cap, "%s.%09lluZ", day, (unsigned long long)(ns % 1000000000u));
}

/* What LOOKUP_PROCESS adds to info: the host pid, the end time, whether the
 * record was collected (text lines or JSON members; lk NULL: unknown). */
static void print_lookup(const opts *o, const pm_proto_lookup *lk)
{
    char when[64];
    utc_text(lk != NULL ? lk->end_time_ns : 0u, when, sizeof when);
    if (o->json) {
        if (lk != NULL && lk->pid != 0)
            pmj_kuint(&J, "pid", lk->pid);
        else
            pmj_knull(&J, "pid");
        pmj_kstr(&J, "end_time", when[0] != '\0' ? when : NULL);
        pmj_kbool(&J, "collected", lk != NULL && lk->collected != 0);
        return;
    }
    if (lk != NULL && lk->pid != 0)
        printf("pid:       %llu\n", (unsigned long long)lk->pid);
    else
        printf("pid:       -\n");
    if (when[0] != '\0')
        printf("ended at:  %s\n", when);
    if (lk != NULL && lk->collected)
        printf("collected: yes (from procmgrd's ring of recent ends)\n");
}

/* The end of a collected process (LOOKUP_PROCESS from the ring of recent
 * ends): its details rebuilt from the record and the POSIX wait status;
 * priority, usage and limits are no longer known. */
static void end_of_lookup(end_report *e, const pm_proto_info *info,
                          const pm_proto_lookup *lk)
{
    uint32_t ws = lk->wait_status, core = (ws & 0x80u) ? PM_END_CORE_DUMPED : 0u;
    memset(e, 0, sizeof *e);
    e->info = *info;
    e->has_details = 1;
    e->det.wait_status = ws;
    e->det.priority = PM_PRIORITY_NORMAL;
    if (info->state == PM_STATE_EXITED) {
        e->det.end = PM_END_EXITED;
        e->det.end_code = (ws >> 8) & 0xFFu;
    } else if (info->state == PM_STATE_KILLED || info->state == PM_STATE_FAULTED) {
        e->det.end = info->state == PM_STATE_KILLED ? PM_END_KILLED : PM_END_FAULTED;
        e->det.end_code = ws & 0x7Fu;
        e->det.end_flags = core;
        if (info->state == PM_STATE_FAULTED)
            e->det.fault = info->exit_code <= PM_FAULT_MAX ? info->exit_code : 0u;
    } else {
        e->has_details = 0;
    }
}

/* The details of info ID, after its record (text: one "key: value" line
 * each; JSON: fields of the same object).  collected: only the end is
 * known (end_of_lookup). */
static void print_details(const opts *o, const end_report *e, const char *name,
                          const pm_proto_lookup *lk)
{
    int collected = lk != NULL && lk->collected != 0;
    const pm_proto_details *x = &e->det;
    const char *level = x->priority <= PM_PRIORITY_MAX ? level_names[x->priority] : "unknown";
    int cpu = (x->flags & PM_DETAIL_CPU) != 0, rss = (x->flags & PM_DETAIL_RSS) != 0;
    int lim = (x->flags & PM_DETAIL_RLIMITS) != 0;
    char text[96];
    end_text(e, text, sizeof text);
    if (o->json) {
        pmj_kstr(&J, "name", name);
        print_lookup(o, lk);
        end_json(&J, e);
        if (collected)
            return;
        pmj_kstr(&J, "priority", level);
        pmj_kbool(&J, "suspended", (x->flags & PM_DETAIL_SUSPENDED) != 0);
        if (cpu) {
            pmj_kuint(&J, "cpu_user_ns", x->cpu_user_ns);
            pmj_kuint(&J, "cpu_system_ns", x->cpu_system_ns);
        }
        if (rss)
            pmj_kuint(&J, "rss_bytes", x->rss_bytes);
        if (lim) {
            pmj_key(&J, "rlimits");
            pmj_object(&J);
            for (uint32_t i = 0; i < PM_RLIMIT_COUNT; i++) {
                pmj_key(&J, rlimit_names[i]);
                pmj_array(&J);
                if (x->rlim_soft[i] == PM_RLIM_INFINITY) pmj_null(&J); else pmj_uint(&J, x->rlim_soft[i]);
                if (x->rlim_hard[i] == PM_RLIM_INFINITY) pmj_null(&J); else pmj_uint(&J, x->rlim_hard[i]);
                pmj_array_end(&J);
            }
            pmj_object_end(&J);
        }
        return;
    }
    printf("name:      ");
    for (const unsigned char *s = (const unsigned char *)name; *s != '\0'; s++)
        if (*s < 0x20 || *s == 0x7f || *s == '\\')
            printf("\\x%02x", *s);
        else
            putchar(*s);
    printf("\n");
    print_lookup(o, lk);
    printf("end:       %s\n", text);
    if (x->end != PM_END_NONE)
        printf("wait status: 0x%x\n", x->wait_status);
    if (collected)
        return;
    printf("priority:  %s\n", level);
    printf("suspended: %s\n", (x->flags & PM_DETAIL_SUSPENDED) ? "yes" : "no");
    if (cpu)
        printf("cpu:       user %llu ns, system %llu ns\n",
               (unsigned long long)x->cpu_user_ns, (unsigned long long)x->cpu_system_ns);
    if (rss)
        printf("%s %llu bytes\n", x->end != PM_END_NONE ? "peak rss: " : "resident: ",
               (unsigned long long)x->rss_bytes);
    if (lim)
        for (uint32_t i = 0; i < PM_RLIMIT_COUNT; i++) {
            printf("rlimit %-7s", rlimit_names[i]);
            print_limit(x->rlim_soft[i]);
            printf(" / ");
            print_limit(x->rlim_hard[i]);
            printf("\n");
        }
}

/* info ID: the record (from LIST, which needs no handle), then, when a
 * QUERY handle can be opened (root or the launching user), the name and
 * the details of QUERY_DETAILS. */
static int cmd_info(const opts *o, int argc, char **argv)
{
    static pm_proto_info page[PM_PROTO_MAX_LIST];
    uint64_t id, cursor = 0, next = 0;
    uint32_t n = 0;
    pm_proto_info rec;
    int rc = 0, found = 0, h = -1;
    int i = only_help(argc, argv, &rc);
    if (i < 0)
        return rc;
    if (argc - i != 1 || parse_u64(argv[i], &id) != 0 || id == 0)
        return usage_error("info", argc - i < 1 ? "no ID given" : argc - i > 1
                                   ? "too many arguments" : "ID must be a process id (a number > 0)");
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    /* the record first (LIST needs no handle); nothing printed before it is found */
    do {
        pm_status st = pm_client_list(c, PM_LIST_ALL, 0, cursor, PM_PROTO_MAX_LIST, page, &n, &next);
        if (st != PM_OK) {
            rc = fail(c, "list of processes", st);
            pm_client_close(c);
            return rc;
        }
        for (uint32_t k = 0; k < n; k++)
            if (page[k].koid == id) {
                rec = page[k];
                found = 1;
            }
        cursor = next;
    } while (next != 0 && !found);
    /* the host pid, the end time, and a collected process's end: LOOKUP
     * (root or the launching user, as the details) */
    pm_proto_info lrec;
    pm_proto_lookup lk;
    char lname[PM_PROTO_MAX_PROCESS_NAME + 1];
    lname[0] = '\0';
    pm_status lst = pm_client_lookup(c, id, &lrec, &lk, lname);
    int collected = !found && lst == PM_OK && lk.collected != 0;
    if (!found && !collected) {
        rc = fail_id(c, "process", id, lst == PM_OK ? PM_E_NO_SUCH_PROCESS : lst);
        pm_client_close(c);
        return rc;
    }
    if (collected)
        rec = lrec;
    if (o->json) {
        pmj_object(&J);
        print_info(o, &rec, NULL, -1);
    } else {
        printf("%-8s %-8s %-6s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT");
        print_info(o, &rec, NULL, -1);
    }
    int shown = 0;
    if (collected) {
        end_report e;
        end_of_lookup(&e, &rec, &lk);
        print_details(o, &e, lname, &lk);
        shown = 1;
    } else if (pm_client_open_process(c, id, PM_RIGHT_QUERY, &h) == PM_OK) {
        end_report e;
        char name[PM_PROTO_MAX_PROCESS_NAME + 1];
        name[0] = '\0';
        (void)pm_client_query(c, h, NULL, name);
        e.info = rec;
        e.has_details = pm_client_query_details(c, h, &e.info, &e.det) == PM_OK;
        if (e.has_details) {
            print_details(o, &e, name, lst == PM_OK ? &lk : NULL);
            shown = 1;
        }
        close(h);
    }
    if (o->json) {
        if (!shown) {
            pmj_knull(&J, "name");
            pmj_knull(&J, "pid");
        }
        pmj_object_end(&J);
        pmj_newline(&J);
    }
    pm_client_close(c);
    return rc;
}

/* SECONDS: a non-negative decimal ("10", "0.5"), at most a day. */
static int parse_seconds(const char *s, uint64_t *ns)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0.0) || v > 86400.0)
        return -1;
    *ns = (uint64_t)(v * 1e9);
    return 0;
}

/* The final record of a process, printed as wait prints it; the exit code
 * is its status (as run). */
static int print_end(const opts *o, const end_report *e)
{
    char text[96];
    end_text(e, text, sizeof text);
    if (o->json) {
        pmj_object(&J);
        print_info(o, &e->info, NULL, -1);
        end_json(&J, e);
        pmj_object_end(&J);
        pmj_newline(&J);
    } else {
        printf("%-8s %-8s %-6s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT");
        print_info(o, &e->info, NULL, -1);
        printf("%s\n", text);
    }
    return status_of_end(e);
}

/* The end of a process handle h just waited for (info): its details, then
 * print_end. */
static int print_end_of(pm_client *c, const opts *o, int h, const pm_proto_info *info)
{
    end_report e;
    e.info = *info;
    e.has_details = 0;
    if (h >= 0)
        fetch_details(c, h, &e);
    return print_end(o, &e);
}

/* kill [--signal SIG] ID, stop [--grace SECONDS] [--signal SIG] ID,
 * wait ID, start ID, suspend ID, resume ID, priority ID LEVEL: a handle
 * with just the rights the command needs, from OPEN_PROCESS, then the
 * request(s). */
static int cmd_by_id(const opts *o, int argc, char **argv, const char *cmd)
{
    static const struct option lo[] = {
        { "job", no_argument, NULL, 'j' },
        { "signal", required_argument, NULL, 's' },
        { "grace", required_argument, NULL, 'g' },
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t id, grace_ns = 5000000000ull, timeout_ns = PM_WAIT_FOREVER;
    int i, rc = 0, h = -1, has_signal = 0, ch;
    uint32_t sig = PM_SIGNAL_TERM, level = 0, res = 0, rights;
    uint64_t soft = 0, hard = 0;
    pm_proto_info info;
    pm_status st;
    int is_stop = strcmp(cmd, "stop") == 0, is_kill = strcmp(cmd, "kill") == 0;
    int is_wait = strcmp(cmd, "wait") == 0;
    int job_ok = is_kill || strcmp(cmd, "suspend") == 0 || strcmp(cmd, "resume") == 0 ||
                 strcmp(cmd, "priority") == 0;
    int is_job = 0;
    optind = 0;
    while ((ch = next_opt(argc, argv, ":h", lo, &rc)) >= 0) {
        if (ch == 'j' && job_ok) {
            is_job = 1;    /* the ID is a job's */
        } else if (ch == 's' && (is_kill || is_stop)) {
            if (parse_signal(optarg, &sig) != 0)
                return usage_error(cmd, "unknown signal '%s' (TERM, SIGUSR1, 15, ...)", optarg);
            has_signal = 1;
        } else if (ch == 'g' && is_stop) {
            if (parse_seconds(optarg, &grace_ns) != 0)
                return usage_error(cmd, "--grace '%s': expected seconds (0 to 86400)", optarg);
        } else if (ch == 't' && is_wait) {
            if (parse_seconds(optarg, &timeout_ns) != 0)
                return usage_error(cmd, "--timeout '%s': expected seconds (0 to 86400)", optarg);
        } else {
            return usage_error(cmd, "option '%s' does not apply to %s", argv[optind - 1], cmd);
        }
    }
    if (ch == -2)
        return rc;
    i = optind;
    int want = strcmp(cmd, "priority") == 0 ? 2 : strcmp(cmd, "limit") == 0 ? 3 : 1;
    if (argc - i != want)
        return usage_error(cmd, argc - i < want ? "missing operand (usage: procctl %s)"
                                                : "too many arguments (usage: procctl %s)",
                           find_command(cmd)->synopsis);
    if (parse_u64(argv[i], &id) != 0 || id == 0)
        return usage_error(cmd, "ID '%s' must be a %s id (a number > 0)", argv[i],
                           is_job ? "job" : "process");
    if (strcmp(cmd, "priority") == 0 && parse_level(argv[i + 1], &level) != 0)
        return usage_error(cmd, "unknown level '%s' (background, low, normal, high, codec, "
                           "realtime, or 0-5)", argv[i + 1]);
    if (strcmp(cmd, "limit") == 0) {
        if (parse_rlimit_res(argv[i + 1], strlen(argv[i + 1]), &res) != 0)
            return usage_error(cmd, "unknown resource '%s' (as, cpu, nofile, nproc)", argv[i + 1]);
        if (parse_rlimit_values(res, argv[i + 2], &soft, &hard) != 0)
            return usage_error(cmd, "bad value '%s' (a number%s, or 'unlimited'; SOFT[:HARD])",
                               argv[i + 2], res == PM_RLIMIT_AS ? " with K/M/G/T" : "");
    }
    if (is_kill)
        rights = has_signal ? PM_RIGHT_SIGNAL : PM_RIGHT_KILL;
    else if (is_stop)
        rights = PM_RIGHT_SIGNAL | PM_RIGHT_WAIT | PM_RIGHT_KILL | PM_RIGHT_QUERY;
    else if (is_wait)
        rights = PM_RIGHT_WAIT | PM_RIGHT_QUERY;
    else if (strcmp(cmd, "start") == 0)
        rights = PM_RIGHT_START;
    else if (strcmp(cmd, "priority") == 0)
        rights = PM_RIGHT_PRIORITY;
    else if (strcmp(cmd, "limit") == 0)
        rights = PM_RIGHT_LIMIT;
    else
        rights = PM_RIGHT_SUSPEND;
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    const char *kind = is_job ? "job" : "process";
    st = is_job ? pm_client_job_open(c, id, &h, NULL)
                : pm_client_open_process(c, id, rights, &h);
    pm_proto_lookup lk;
    if (st == PM_E_NO_SUCH_PROCESS && is_wait &&
        pm_client_lookup(c, id, &info, &lk, NULL) == PM_OK && lk.collected) {
        /* collected already: its end from procmgrd's ring of recent ends */
        end_report e;
        end_of_lookup(&e, &info, &lk);
        rc = print_end(o, &e);
    } else if (st != PM_OK) {
        rc = fail_id(c, kind, id, st);
    } else if (is_kill) {
        st = has_signal ? pm_client_signal(c, h, sig) : pm_client_kill(c, h);
        rc = st == PM_OK ? 0 : fail_id(c, kind, id, st);
    } else if (is_stop) {
        st = pm_client_stop(c, h, sig, grace_ns, &info);
        rc = st == PM_OK ? print_end_of(c, o, h, &info) : fail_id(c, kind, id, st);
    } else if (strcmp(cmd, "start") == 0) {
        st = pm_client_start(c, h, -1);
        rc = st == PM_OK ? 0 : fail_id(c, kind, id, st);
    } else if (strcmp(cmd, "suspend") == 0) {
        st = pm_client_suspend(c, h);
        rc = st == PM_OK ? 0 : fail_id(c, kind, id, st);
    } else if (strcmp(cmd, "resume") == 0) {
        st = pm_client_resume(c, h);
        rc = st == PM_OK ? 0 : fail_id(c, kind, id, st);
    } else if (strcmp(cmd, "priority") == 0) {
        st = pm_client_set_priority(c, h, level);
        rc = st == PM_OK ? 0 : fail_id(c, kind, id, st);
    } else if (strcmp(cmd, "limit") == 0) {
        st = pm_client_set_rlimit(c, h, res, soft, hard);
        rc = st == PM_OK ? 0 : fail_id(c, kind, id, st);
    } else {
        st = pm_client_wait(c, h, timeout_ns, &info);
        if (st == PM_E_WAIT_TIMED_OUT && timeout_ns != PM_WAIT_FOREVER) {
            fprintf(stderr, "procctl: process %llu: still running after the timeout (%s %d)\n",
                    (unsigned long long)id, pm_status_name(st), (int)st);
            rc = EXIT_TIMEOUT;
        } else {
            rc = st == PM_OK ? print_end_of(c, o, h, &info) : fail_id(c, kind, id, st);
        }
    }
    if (h >= 0)
        close(h);
    pm_client_close(c);
    return rc;
}

/* wait-any [--timeout SECONDS] [PARENT]: WAIT_ANY on PARENT (a handle
 * from OPEN_PROCESS with the WAIT right) or on procmgr's root; prints the
 * record (and its details while a handle still reaches it) and exits as
 * wait; 124 on a timeout; 1 with NO_CHILDREN when there is nothing left
 * to wait for. */
static int cmd_wait_any(const opts *o, int argc, char **argv)
{
    static const struct option lo[] = {
        { "timeout", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    uint64_t parent = 0, timeout_ns = PM_WAIT_FOREVER;
    int i, rc = 0, h = -1, ch_h = -1, ch;
    pm_proto_info info;
    pm_status st = PM_OK;
    optind = 0;
    while ((ch = next_opt(argc, argv, ":h", lo, &rc)) >= 0)
        if (parse_seconds(optarg, &timeout_ns) != 0)
            return usage_error("wait-any", "--timeout '%s': expected seconds (0 to 86400)",
                               optarg);
    if (ch == -2)
        return rc;
    i = optind;
    if (argc - i > 1)
        return usage_error("wait-any", "too many arguments");
    if (argc - i == 1 && (parse_u64(argv[i], &parent) != 0 || parent == 0))
        return usage_error("wait-any", "ID '%s' must be a process id (a number > 0)", argv[i]);
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (parent != 0)
        st = pm_client_open_process(c, parent, PM_RIGHT_WAIT, &h);
    if (st != PM_OK) {
        rc = fail_id(c, "process", parent, st);
    } else {
        st = pm_client_wait_any(c, h, timeout_ns, &info);
        if (st == PM_E_WAIT_TIMED_OUT) {
            if (parent != 0)
                fprintf(stderr, "procctl: process %llu: no child of it ended before the "
                        "timeout (%s %d)\n", (unsigned long long)parent, pm_status_name(st),
                        (int)st);
            else
                fprintf(stderr, "procctl: no process ended before the timeout (%s %d)\n",
                        pm_status_name(st), (int)st);
            rc = EXIT_TIMEOUT;
        } else if (st != PM_OK) {
            char what[64];
            if (parent != 0)
                snprintf(what, sizeof what, "process %llu", (unsigned long long)parent);
            else
                snprintf(what, sizeof what, "procmgr's root");
            rc = fail_msg(c, what, st, st == PM_E_NO_CHILDREN
                          ? "no child left to wait for" : NULL);
        } else {
            if (pm_client_open_process(c, info.koid, PM_RIGHT_QUERY, &ch_h) != PM_OK)
                ch_h = -1;
            rc = print_end_of(c, o, ch_h, &info);
        }
    }
    if (h >= 0)
        close(h);
    if (ch_h >= 0)
        close(ch_h);
    pm_client_close(c);
    return rc;
}

static int cmd_resolve(const opts *o, int argc, char **argv)
{
    int rc = 0, exe = -1, interp = -1;
    int i = only_help(argc, argv, &rc);
    if (i < 0)
        return rc;
    if (argc - i != 1)
        return usage_error("resolve", argc - i < 1 ? "no NAME given" : "too many arguments");
    const char *name = argv[i];
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    pm_status st = pm_client_resolve(c, name, &exe, &interp);
    if (st != PM_OK) {
        rc = fail_msg(c, name, st, st == PM_E_RESOLVE_NOT_FOUND
                      ? "not found under the daemon's roots (procmgrd --resolve NAME=PATH)" : NULL);
    } else if (o->json) {
        pmj_object(&J);
        pmj_kstr(&J, "name", name);
        pmj_kbool(&J, "executable", 1);
        pmj_kbool(&J, "interpreter", interp >= 0);
        pmj_object_end(&J);
        pmj_newline(&J);
    } else {
        printf("%s: executable%s\n", name, interp >= 0 ? " + interpreter" : "");
    }
    if (exe >= 0)
        close(exe);
    if (interp >= 0)
        close(interp);
    pm_client_close(c);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "socket", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    opts o;
    int c;
    memset(&o, 0, sizeof o);
    signal(SIGPIPE, SIG_IGN);
    pmj_init(&J, stdout);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:hV", lo, NULL)) != -1) {
        switch (c) {
        case 's': o.socket = optarg; break;
        case 'j': o.json = 1; break;
        case 'h': help_all(); return 0;
        case 'V': printf("procctl (procmgr) %s\n", PROCMGR_VERSION); return 0;
        case ':': return usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt != 0)
                return usage_error(NULL, "unknown option '-%c'", optopt);
            return usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error(NULL, "no COMMAND given");
    const char *cmd = argv[optind];
    const command *k = find_command(cmd);
    if (k == NULL)
        return usage_error(NULL, "unknown command '%s'", cmd);
    /* a command's arguments, with the command as their argv[0] (getopt) */
    int n = argc - optind;
    char **rest = argv + optind;
    int rc = 0;
    if (strcmp(cmd, "help") == 0) {
        int i = only_help(n, rest, &rc);
        if (i < 0)
            return rc;
        if (i == n) {
            help_all();
            return 0;
        }
        const command *t = find_command(rest[i]);
        if (t == NULL || n - i != 1)
            return usage_error("help", "unknown command '%s'", rest[i]);
        help_command(t);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        rc = cmd_launch(&o, n, rest, 'r');
    else if (strcmp(cmd, "spawn") == 0)
        rc = cmd_launch(&o, n, rest, 's');
    else if (strcmp(cmd, "watch") == 0)
        rc = cmd_launch(&o, n, rest, 'w');
    else if (strcmp(cmd, "ps") == 0)
        rc = cmd_ps(&o, n, rest);
    else if (strcmp(cmd, "job") == 0)
        rc = cmd_job(&o, n, rest);
    else if (strcmp(cmd, "job-limit") == 0)
        rc = cmd_job_limit(&o, n, rest);
    else if (strcmp(cmd, "info") == 0)
        rc = cmd_info(&o, n, rest);
    else if (strcmp(cmd, "resolve") == 0)
        rc = cmd_resolve(&o, n, rest);
    else if (strcmp(cmd, "wait-any") == 0)
        rc = cmd_wait_any(&o, n, rest);
    else
        rc = cmd_by_id(&o, n, rest, cmd);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "procctl: write error on standard output: %s\n", strerror(errno));
        rc = EXIT_REFUSED;
    }
    return rc;
}
