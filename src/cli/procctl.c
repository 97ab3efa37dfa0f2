/*
 * procctl: command-line client of procmgrd (spec/daemon.md, "procctl").
 *
 *   procctl [--socket PATH] [--json] COMMAND ...
 *
 * Exit codes: 0 success; 1 the daemon refused (procctl: CODE (n): message);
 * 2 usage (also a --cwd directory that cannot be opened); 3 is no longer
 * produced (it was --cwd before SET_CWD); 4 the daemon cannot be reached
 * or the connection failed; 127 the program cannot be opened.  kill, stop,
 * wait, start, suspend, resume, priority and limit name a process by koid and open a handle to it with
 * OPEN_PROCESS (the daemon allows it for root and for the uid that
 * launched the process).  run exits with the program's status: its exit
 * code, 128 + the signal that killed it (KILLED: 137; a fault: SIGSEGV 139
 * for memory faults, SIGILL 132, SIGFPE 136), or 255 for a fault the
 * protocol does not name.  watch exits 0 once the process has ended.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "procmgr/client.h"

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

static const char *const state_names[] = {
    "created", "running", "exited", "killed", "faulted"
};

static const char *state_name(uint32_t s)
{
    return s <= PM_STATE_MAX ? state_names[s] : "unknown";
}

static int usage(void)
{
    fputs("usage: procctl [--socket PATH] [--json] COMMAND [ARGS]\n"
          "commands:\n"
          "  run [OPTIONS] -- PROGRAM [ARGS]    launch with our stdin/stdout/stderr, wait,\n"
          "                                     exit with its status (128+signal if killed)\n"
          "  spawn [OPTIONS] -- PROGRAM [ARGS]  launch, print its id\n"
          "  watch [OPTIONS] -- PROGRAM [ARGS]  launch and print its events until it ends\n"
          "  ps [--job JOB]                     list processes (of job JOB)\n"
          "  info ID                            show one process: record, end, priority,\n"
          "                                     suspension, CPU time, memory, limits\n"
          "  job JOB                            show a job: what it contains (cgroup:\n"
          "                                     every descendant; members: only what\n"
          "                                     procmgr launched), its limits and usage\n"
          "                                     (pids, memory, OOM kills, CPU) and its\n"
          "                                     processes\n"
          "  job-limit JOB [--pids N|max] [--memory BYTES|max]\n"
          "                                     limit the job (cgroup pids.max,\n"
          "                                     memory.max); max removes the limit\n"
          "  kill [--signal SIG] ID             kill the process, or send it signal SIG\n"
          "                                     (TERM, SIGUSR1, 15, ...: Linux numbers)\n"
          "  stop [--grace SECONDS] [--signal SIG] ID\n"
          "                                     SIG (default TERM), then KILL after the\n"
          "                                     grace (default 5); print the record and\n"
          "                                     exit with its status as wait does\n"
          "  wait [--timeout SECONDS] ID        wait for it to end, print its record and\n"
          "                                     its end, exit with its status as run does\n"
          "                                     (124: still running after the timeout)\n"
          "  wait-any [--timeout SECONDS] [ID]  wait for any child of ID (default: of\n"
          "                                     procmgr's root) to end; exit as wait\n"
          "  start ID                           start a process spawned --suspended\n"
          "  suspend ID, resume ID              stop / continue it (SIGSTOP / SIGCONT)\n"
          "  priority ID LEVEL                  background, low, normal, high, codec,\n"
          "                                     realtime (or 0-5)\n"
          "  limit ID RES SOFT[:HARD]           resource limit of a created or running\n"
          "                                     process: RES as, cpu, nofile, nproc;\n"
          "                                     values a number or 'unlimited'\n"
          "  resolve NAME                       resolve NAME under the daemon's roots\n"
          "  kill, suspend, resume, priority --job JOB ...\n"
          "                                     the same on every process of job JOB\n"
          "                                     (kill, suspend: the whole cgroup)\n"
          "OPTIONS: --name NAME  --env K=V  --clear-env  --cwd DIR  --fd N=PATH\n"
          "         --rlimit RES=SOFT[:HARD]  --priority LEVEL  --mount PATH=DIR\n"
          "         --suspended  --inherit-job\n"
          "         --resolve NAME (program from the resolver)\n"
          "Without --cwd a process starts in /, not in procctl's directory.\n"
          "--mount: DIR is seen at PATH (an existing directory) by the process\n"
          "only, in a mount namespace of its own.\n"
          "--job JOB: launch into job JOB (default: a job of its own, whose id\n"
          "is the process's).  --inherit-job: into the job of the procmgr\n"
          "process that runs procctl (or its nearest such ancestor).\n"
          "The commands taking an ID open a handle from it (OPEN_PROCESS, or\n"
          "JOB_OPEN for a JOB): allowed for root and for the user who launched the\n"
          "process or made the job.\n"
          "run forwards SIGINT, SIGTERM and SIGHUP as KILL.\n", stderr);
    return EXIT_USAGE;
}

/* A refusal or a transport failure: one line, and the exit code. */
static int fail(pm_client *c, const char *what, pm_status st)
{
    if (st == PM_E_NOT_CONNECTED && (c == NULL || pm_client_errno(c) != 0)) {
        int e = c != NULL ? pm_client_errno(c) : errno;
        fprintf(stderr, "procctl: %s (%d): %s: %s\n", pm_status_name(st), (int)st,
                what, strerror(e));
        return EXIT_TRANSPORT;
    }
    fprintf(stderr, "procctl: %s (%d): %s\n", pm_status_name(st), (int)st,
            pm_status_message(st));
    return EXIT_REFUSED;
}

static pm_client *connect_or_die(const opts *o, int *rc)
{
    pm_client *c = NULL;
    pm_status st = pm_client_connect(o->socket, &c);
    if (st != PM_OK) {
        if (st == PM_E_NOT_CONNECTED)
            fprintf(stderr, "procctl: %s (%d): cannot connect to %s: %s\n",
                    pm_status_name(st), (int)st, o->socket ? o->socket : "the default socket",
                    strerror(errno));
        else
            fprintf(stderr, "procctl: %s (%d): %s\n", pm_status_name(st), (int)st,
                    o->socket == NULL ? "no socket path: use --socket or $PROCMGR_SOCKET"
                                      : pm_status_message(st));
        *rc = st == PM_E_NOT_CONNECTED ? EXIT_TRANSPORT : EXIT_USAGE;
    }
    return c;
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
        return -1;
    *v = x;
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

static int parse_rlimit_value(const char *s, uint64_t *v)
{
    if (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0) {
        *v = PM_RLIMIT_INFINITY;
        return 0;
    }
    return parse_u64(s, v);
}

static int parse_rlimit_values(const char *s, uint64_t *soft, uint64_t *hard)
{
    char buf[64];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (parse_rlimit_value(buf, soft) != 0)
        return -1;
    if (colon == NULL) {
        *hard = *soft;
        return 0;
    }
    return parse_rlimit_value(colon + 1, hard);
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

static int parse_launch(int argc, char **argv, launch_opts *l)
{
    int i;
    memset(l, 0, sizeof *l);
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--name") == 0 && i + 1 < argc) {
            l->name = argv[++i];
        } else if (strcmp(a, "--env") == 0 && i + 1 < argc && l->nenv < MAX_ENV) {
            l->env[l->nenv++] = argv[++i];
        } else if (strcmp(a, "--clear-env") == 0) {
            l->clear_env = 1;
        } else if (strcmp(a, "--cwd") == 0 && i + 1 < argc) {
            l->cwd = argv[++i];
        } else if (strcmp(a, "--suspended") == 0) {
            l->suspended = 1;
        } else if (strcmp(a, "--inherit-job") == 0) {
            l->inherit_job = 1;
        } else if (strcmp(a, "--mount") == 0 && i + 1 < argc && l->nmount < MAX_MOUNT) {
            /* PATH=DIR: the namespace entry (ADD_NAMES); --name is the
             * process name, hence another option name */
            const char *spec = argv[++i];
            const char *eq = strchr(spec, '=');
            if (eq == NULL || eq == spec || eq[1] == '\0')
                return -1;
            l->mount[l->nmount].path = spec;
            l->mount[l->nmount].dir = eq + 1;
            l->nmount++;
        } else if (strcmp(a, "--priority") == 0 && i + 1 < argc) {
            if (parse_level(argv[++i], &l->priority) != 0)
                return -1;
            l->has_priority = 1;
        } else if (strcmp(a, "--rlimit") == 0 && i + 1 < argc && l->nrlimit < MAX_RLIMIT) {
            const char *spec = argv[++i];
            const char *eq = strchr(spec, '=');
            size_t k = l->nrlimit;
            if (eq == NULL || parse_rlimit_res(spec, (size_t)(eq - spec), &l->rlimit[k].res) != 0 ||
                parse_rlimit_values(eq + 1, &l->rlimit[k].soft, &l->rlimit[k].hard) != 0)
                return -1;
            l->nrlimit++;
        } else if (strcmp(a, "--job") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &l->job) != 0 || l->job == 0)
                return -1;
        } else if (strcmp(a, "--resolve") == 0 && i + 1 < argc) {
            l->resolve = argv[++i];
        } else if (strcmp(a, "--fd") == 0 && i + 1 < argc && l->nfd < MAX_FD) {
            const char *spec = argv[++i];
            const char *eq = strchr(spec, '=');
            char num[16];
            uint64_t id;
            if (eq == NULL || (size_t)(eq - spec) >= sizeof num || eq[1] == '\0')
                return -1;
            memcpy(num, spec, (size_t)(eq - spec));
            num[eq - spec] = '\0';
            if (parse_u64(num, &id) != 0 || id > 0xFFFFFFFFu)
                return -1;
            l->fd[l->nfd].id = (uint32_t)id;
            l->fd[l->nfd].path = eq + 1;
            l->nfd++;
        } else if (a[0] == '-') {
            return -1;
        } else {
            break;       /* PROGRAM without "--" */
        }
    }
    if (i >= argc && l->resolve == NULL)
        return -1;
    l->argv = argv + i;
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
    pm_spawn_action act[MAX_FD + MAX_RLIMIT + MAX_MOUNT + 7];
    int mfd[MAX_MOUNT];
    size_t nact = 0, nm = 0;
    int exe = -1, interp = -1, cwd = -1, job = -1, rc = 0;
    char found_buf[PROC_NAME_MAX + 1];
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
            return fail(c, "job", st);
    }
    if (l->resolve != NULL) {
        st = pm_client_resolve(c, l->resolve, &exe, &interp);
        if (st != PM_OK)
            return fail(c, "resolve", st);
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
        rc = fail(c, "launch", st);
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
static void end_json(FILE *f, const end_report *e)
{
    static const char *const ends[PM_END_MAX + 1u] = { "none", "exited", "killed", "faulted" };
    const pm_proto_details *x = &e->det;
    char text[96];
    end_text(e, text, sizeof text);
    if (!e->has_details) {
        fprintf(f, ",\"end\":\"%s\",\"text\":\"%s\",\"status\":%d",
                state_name(e->info.state), text, status_of(&e->info));
        return;
    }
    fprintf(f, ",\"end\":\"%s\",\"text\":\"%s\"", ends[x->end <= PM_END_MAX ? x->end : 0], text);
    if (x->end == PM_END_EXITED)
        fprintf(f, ",\"code\":%u", x->end_code);
    else if (x->end != PM_END_NONE)
        fprintf(f, ",\"signal\":%u,\"signal_name\":\"%s\",\"core_dumped\":%s",
                x->end_code, signal_name(x->end_code),
                (x->end_flags & PM_END_CORE_DUMPED) ? "true" : "false");
    if (x->end == PM_END_FAULTED)
        fprintf(f, ",\"fault\":\"%s\"", fault_name(x->fault));
    if (x->end != PM_END_NONE)
        fprintf(f, ",\"wait_status\":%u,\"status\":%d", x->wait_status, status_of_end(e));
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
        fprintf(stderr, "{\"koid\":%llu", (unsigned long long)e->info.koid);
        end_json(stderr, e);
        fprintf(stderr, "}\n");
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
    if (o->json)
        printf("{\"event\":\"%s\",\"koid\":%llu,\"code\":%u}\n", n,
               (unsigned long long)ev->koid, ev->code);
    else
        printf("%llu %s %u\n", (unsigned long long)ev->koid, n, ev->code);
    fflush(stdout);
}

/* Wait for the process to end: WATCH its end events and poll them next to
 * the signal pipe (a signal becomes KILL); WAIT(0) gives the record. */
static int wait_end(pm_client *c, const opts *o, int process, int print,
                    pm_proto_info *info)
{
    int watch = -1;
    pm_status st = pm_client_watch(c, process, PM_EVENT_ALL, &watch);
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
    if (parse_launch(argc, argv, &l) != 0)
        return usage();
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (mode != 's')
        forward_signals();
    rc = do_launch(c, &l, l.suspended, &r);
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
            rc = fail(c, "start", st);
    }
    if (rc == 0 && mode == 's') {
        if (o->json)
            printf("{\"koid\":%llu}\n", (unsigned long long)r.p.koid);
        else
            printf("%llu\n", (unsigned long long)r.p.koid);
    } else if (rc == 0) {
        rc = wait_end(c, o, r.p.process, mode == 'w', &info);
        if (rc == 0 && mode != 'w') {
            end_report e;
            e.info = info;
            fetch_details(c, r.p.process, &e);
            rc = status_of_end(&e);
            report_run_end(o, &e);
        }
    }
    if (r.p.process >= 0 && rc != EXIT_TRANSPORT) {
        close(r.p.process);
        close(r.p.thread);
    }
    pm_client_close(c);
    return rc;
}

/* info leaves its JSON object open for the details. */
static int quiet_close;

static void print_info(const opts *o, const pm_proto_info *p, int comma)
{
    if (o->json)
        printf("%s{\"koid\":%llu,\"parent\":%llu,\"job\":%llu,\"state\":\"%s\","
               "\"exit_code\":%u%s", comma ? "," : "", (unsigned long long)p->koid,
               (unsigned long long)p->parent_koid, (unsigned long long)p->job_koid,
               state_name(p->state), p->exit_code, quiet_close ? "" : "}");
    else
        printf("%-8llu %-8llu %-6llu %-8s %u\n", (unsigned long long)p->koid,
               (unsigned long long)p->parent_koid, (unsigned long long)p->job_koid,
               state_name(p->state), p->exit_code);
}

/* Every record (of job `job` when non-zero), page by page; find != 0:
 * only that koid (info). */
static int list_all(const opts *o, pm_client *c, uint64_t job, uint64_t find,
                    int *found)
{
    static pm_proto_info page[PM_PROTO_MAX_LIST];
    uint64_t cursor = 0, next = 0;
    uint32_t n = 0;
    int first = 1;
    do {
        pm_status st = pm_client_list(c, job != 0 ? PM_LIST_BY_JOB : PM_LIST_ALL,
                                      job, cursor, PM_PROTO_MAX_LIST, page, &n, &next);
        if (st != PM_OK)
            return fail(c, "list", st);
        for (uint32_t i = 0; i < n; i++) {
            if (find != 0 && page[i].koid != find)
                continue;
            print_info(o, &page[i], !first);
            first = 0;
            *found = 1;
        }
        cursor = next;
    } while (next != 0);
    return 0;
}

static int cmd_ps(const opts *o, int argc, char **argv)
{
    int rc = 0, found = 0;
    uint64_t job = 0;
    if (argc == 2 && strcmp(argv[0], "--job") == 0) {
        if (parse_u64(argv[1], &job) != 0 || job == 0)
            return usage();
    } else if (argc != 0) {
        return usage();
    }
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (o->json)
        printf("[");
    else
        printf("%-8s %-8s %-6s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT");
    rc = list_all(o, c, job, 0, &found);
    if (o->json)
        printf("]\n");
    pm_client_close(c);
    return rc;
}

/* A usage figure: the number, or "-" (JSON null) when not known. */
static void put_figure(const opts *o, int known, uint64_t v)
{
    if (!known)
        fputs(o->json ? "null" : "-", stdout);
    else
        printf("%llu", (unsigned long long)v);
}

/* A limit: the number, or "max" for none (a JSON string either way). */
static void put_limit(const opts *o, uint64_t v)
{
    const char *q = o->json ? "\"" : "";
    if (v == PM_JOB_LIMIT_NONE)
        printf("%smax%s", q, q);
    else
        printf("%s%llu%s", q, (unsigned long long)v, q);
}

/* The JOB_QUERY figures, as text lines or JSON members. */
static void put_job_usage(const opts *o, const pm_proto_job_usage *u)
{
    int p = (u->known & PM_JOB_KNOWN_PIDS) != 0, m = (u->known & PM_JOB_KNOWN_MEMORY) != 0;
    int cpu = (u->known & PM_JOB_KNOWN_CPU) != 0;
    const char *sep = o->json ? "," : " ";
    printf(o->json ? "\"pids\":{\"current\":" : "pids: current ");
    put_figure(o, p, u->pids_current);
    printf(o->json ? ",\"max\":" : " max ");
    put_limit(o, u->pids_max);
    printf(o->json ? "},\"memory\":{\"current\":" : "\nmemory: current ");
    put_figure(o, m, u->memory_current);
    printf(o->json ? ",\"max\":" : " max ");
    put_limit(o, u->memory_max);
    printf(o->json ? "%s\"oom_kills\":" : "%soom_kills ", sep);
    put_figure(o, m, u->oom_kills);
    printf(o->json ? "},\"cpu_usec\":" : "\ncpu: usec ");
    put_figure(o, cpu, u->cpu_usec);
    printf(o->json ? "," : "\n");
}

/* job JOB: open it (it must exist: JOB_OPEN), say what it contains, its
 * limits and usage (JOB_QUERY), list its processes. */
static int cmd_job(const opts *o, int argc, char **argv)
{
    uint64_t id;
    uint32_t mode = 0;
    int rc = 0, found = 0, h = -1;
    if (argc != 1 || parse_u64(argv[0], &id) != 0 || id == 0)
        return usage();
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    pm_proto_job_usage u;
    pm_status st = pm_client_job_open(c, id, &h, &mode);
    if (st == PM_OK)
        st = pm_client_job_query(c, h, NULL, NULL, &u);
    if (st != PM_OK) {
        rc = fail(c, "job", st);
    } else {
        const char *m = mode == PM_JOB_MODE_CGROUP ? "cgroup" : "members";
        if (o->json)
            printf("{\"job\":%llu,\"mode\":\"%s\",", (unsigned long long)id, m);
        else
            printf("job %llu: mode %s\n", (unsigned long long)id, m);
        put_job_usage(o, &u);
        if (o->json)
            printf("\"processes\":[");
        else
            printf("%-8s %-8s %-6s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT");
        rc = list_all(o, c, id, 0, &found);
        if (o->json)
            printf("]}\n");
    }
    if (h >= 0)
        close(h);
    pm_client_close(c);
    return rc;
}

/* A limit argument: a number, or "max" (no limit). */
static int parse_limit(const char *s, uint64_t *v)
{
    if (strcmp(s, "max") == 0) {
        *v = PM_JOB_LIMIT_NONE;
        return 0;
    }
    return parse_u64(s, v);
}

/* job-limit JOB [--pids N|max] [--memory BYTES|max]: JOB_SET_LIMIT for
 * each resource given, in that order; the first refusal ends it. */
static int cmd_job_limit(const opts *o, int argc, char **argv)
{
    uint64_t id, lim[PM_JOB_LIMIT_MAX + 1u] = { 0 };
    int given[PM_JOB_LIMIT_MAX + 1u] = { 0 };
    int rc = 0, h = -1;
    if (argc < 3 || argc % 2 != 1 || parse_u64(argv[0], &id) != 0 || id == 0)
        return usage();
    for (int i = 1; i < argc; i += 2) {
        uint32_t r = strcmp(argv[i], "--pids") == 0     ? PM_JOB_LIMIT_PIDS
                     : strcmp(argv[i], "--memory") == 0 ? PM_JOB_LIMIT_MEMORY : 0u;
        if (r == 0u || parse_limit(argv[i + 1], &lim[r]) != 0)
            return usage();
        given[r] = 1;
    }
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    pm_status st = pm_client_job_open(c, id, &h, NULL);
    for (uint32_t r = PM_JOB_LIMIT_PIDS; st == PM_OK && r <= PM_JOB_LIMIT_MAX; r++)
        if (given[r])
            st = pm_client_job_set_limit(c, h, r, lim[r]);
    if (st != PM_OK)
        rc = fail(c, "job-limit", st);
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

/* The details of info ID, after its record (text: one "key: value" line
 * each; JSON: fields of the same object). */
static void print_details(const opts *o, const end_report *e, const char *name)
{
    const pm_proto_details *x = &e->det;
    const char *level = x->priority <= PM_PRIORITY_MAX ? level_names[x->priority] : "unknown";
    int cpu = (x->flags & PM_DETAIL_CPU) != 0, rss = (x->flags & PM_DETAIL_RSS) != 0;
    int lim = (x->flags & PM_DETAIL_RLIMITS) != 0;
    char text[96];
    end_text(e, text, sizeof text);
    if (o->json) {
        printf(",\"name\":\"%s\"", name);
        end_json(stdout, e);
        printf(",\"priority\":\"%s\",\"suspended\":%s", level,
               (x->flags & PM_DETAIL_SUSPENDED) ? "true" : "false");
        if (cpu)
            printf(",\"cpu_user_ns\":%llu,\"cpu_system_ns\":%llu",
                   (unsigned long long)x->cpu_user_ns, (unsigned long long)x->cpu_system_ns);
        if (rss)
            printf(",\"rss_bytes\":%llu", (unsigned long long)x->rss_bytes);
        if (lim) {
            printf(",\"rlimits\":{");
            for (uint32_t i = 0; i < PM_RLIMIT_COUNT; i++) {
                printf("%s\"%s\":[", i ? "," : "", rlimit_names[i]);
                if (x->rlim_soft[i] == PM_RLIM_INFINITY) printf("null"); else printf("%llu", (unsigned long long)x->rlim_soft[i]);
                printf(",");
                if (x->rlim_hard[i] == PM_RLIM_INFINITY) printf("null"); else printf("%llu", (unsigned long long)x->rlim_hard[i]);
                printf("]");
            }
            printf("}");
        }
        return;
    }
    printf("name:      %s\n", name);
    printf("end:       %s\n", text);
    if (x->end != PM_END_NONE)
        printf("wait status: 0x%x\n", x->wait_status);
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
    uint64_t id;
    int rc = 0, found = 0, h = -1;
    if (argc != 1 || parse_u64(argv[0], &id) != 0 || id == 0)
        return usage();
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (!o->json)
        printf("%-8s %-8s %-6s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT");
    if (o->json)
        quiet_close = 1;
    rc = list_all(o, c, 0, id, &found);
    quiet_close = 0;
    if (rc == 0 && found && pm_client_open_process(c, id, PM_RIGHT_QUERY, &h) == PM_OK) {
        end_report e;
        char name[PM_PROTO_MAX_PROCESS_NAME + 1];
        name[0] = '\0';
        (void)pm_client_query(c, h, NULL, name);
        e.has_details = pm_client_query_details(c, h, &e.info, &e.det) == PM_OK;
        if (e.has_details)
            print_details(o, &e, name);
        close(h);
    }
    if (o->json && found)
        printf("}\n");
    if (rc == 0 && !found) {
        fprintf(stderr, "procctl: %s (%d): %s\n", pm_status_name(PM_E_NO_SUCH_PROCESS),
                (int)PM_E_NO_SUCH_PROCESS, pm_status_message(PM_E_NO_SUCH_PROCESS));
        rc = EXIT_REFUSED;
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
        printf("{\"koid\":%llu,\"parent\":%llu,\"job\":%llu,\"state\":\"%s\","
               "\"exit_code\":%u", (unsigned long long)e->info.koid,
               (unsigned long long)e->info.parent_koid,
               (unsigned long long)e->info.job_koid, state_name(e->info.state),
               e->info.exit_code);
        end_json(stdout, e);
        printf("}\n");
    } else {
        printf("%-8s %-8s %-6s %-8s %s\n", "KOID", "PARENT", "JOB", "STATE", "EXIT");
        print_info(o, &e->info, 0);
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
    uint64_t id, grace_ns = 5000000000ull, timeout_ns = PM_WAIT_FOREVER;
    int i = 0, rc = 0, h = -1, has_signal = 0;
    uint32_t sig = PM_SIGNAL_TERM, level = 0, res = 0, rights;
    uint64_t soft = 0, hard = 0;
    pm_proto_info info;
    pm_status st;
    int is_stop = strcmp(cmd, "stop") == 0, is_kill = strcmp(cmd, "kill") == 0;
    int is_wait = strcmp(cmd, "wait") == 0;
    int is_job = 0;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (strcmp(argv[i], "--job") == 0 && !is_stop && !is_wait &&
            strcmp(cmd, "start") != 0 && strcmp(cmd, "limit") != 0) {
            is_job = 1;    /* the ID is a job's: no value of its own */
            i--;
        } else if ((is_kill || is_stop) && strcmp(argv[i], "--signal") == 0) {
            if (parse_signal(argv[i + 1], &sig) != 0) {
                fprintf(stderr, "procctl: unknown signal '%s'\n", argv[i + 1]);
                return EXIT_USAGE;
            }
            has_signal = 1;
        } else if (is_stop && strcmp(argv[i], "--grace") == 0) {
            if (parse_seconds(argv[i + 1], &grace_ns) != 0)
                return usage();
        } else if (is_wait && strcmp(argv[i], "--timeout") == 0) {
            if (parse_seconds(argv[i + 1], &timeout_ns) != 0)
                return usage();
        } else {
            return usage();
        }
    }
    if (strcmp(cmd, "priority") == 0) {
        if (argc - i != 2 || parse_level(argv[i + 1], &level) != 0)
            return usage();
    } else if (strcmp(cmd, "limit") == 0) {
        if (argc - i != 3 ||
            parse_rlimit_res(argv[i + 1], strlen(argv[i + 1]), &res) != 0 ||
            parse_rlimit_values(argv[i + 2], &soft, &hard) != 0)
            return usage();
    } else if (argc - i != 1) {
        return usage();
    }
    if (parse_u64(argv[i], &id) != 0 || id == 0)
        return usage();
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
    st = is_job ? pm_client_job_open(c, id, &h, NULL)
                : pm_client_open_process(c, id, rights, &h);
    if (st != PM_OK) {
        rc = fail(c, "open", st);
    } else if (is_kill) {
        st = has_signal ? pm_client_signal(c, h, sig) : pm_client_kill(c, h);
        rc = st == PM_OK ? 0 : fail(c, "kill", st);
    } else if (is_stop) {
        st = pm_client_stop(c, h, sig, grace_ns, &info);
        rc = st == PM_OK ? print_end_of(c, o, h, &info) : fail(c, "stop", st);
    } else if (strcmp(cmd, "start") == 0) {
        st = pm_client_start(c, h, -1);
        rc = st == PM_OK ? 0 : fail(c, "start", st);
    } else if (strcmp(cmd, "suspend") == 0) {
        st = pm_client_suspend(c, h);
        rc = st == PM_OK ? 0 : fail(c, "suspend", st);
    } else if (strcmp(cmd, "resume") == 0) {
        st = pm_client_resume(c, h);
        rc = st == PM_OK ? 0 : fail(c, "resume", st);
    } else if (strcmp(cmd, "priority") == 0) {
        st = pm_client_set_priority(c, h, level);
        rc = st == PM_OK ? 0 : fail(c, "priority", st);
    } else if (strcmp(cmd, "limit") == 0) {
        st = pm_client_set_rlimit(c, h, res, soft, hard);
        rc = st == PM_OK ? 0 : fail(c, "limit", st);
    } else {
        st = pm_client_wait(c, h, timeout_ns, &info);
        if (st == PM_E_WAIT_TIMED_OUT && timeout_ns != PM_WAIT_FOREVER) {
            fprintf(stderr, "procctl: %s (%d): %llu still running\n", pm_status_name(st),
                    (int)st, (unsigned long long)id);
            rc = EXIT_TIMEOUT;
        } else {
            rc = st == PM_OK ? print_end_of(c, o, h, &info) : fail(c, "wait", st);
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
    uint64_t parent = 0, timeout_ns = PM_WAIT_FOREVER;
    int i = 0, rc = 0, h = -1, ch = -1;
    pm_proto_info info;
    pm_status st = PM_OK;
    for (; i + 1 < argc && strcmp(argv[i], "--timeout") == 0; i += 2)
        if (parse_seconds(argv[i + 1], &timeout_ns) != 0)
            return usage();
    if (argc - i > 1 || (argc - i == 1 && (parse_u64(argv[i], &parent) != 0 || parent == 0)))
        return usage();
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    if (parent != 0)
        st = pm_client_open_process(c, parent, PM_RIGHT_WAIT, &h);
    if (st != PM_OK) {
        rc = fail(c, "open", st);
    } else {
        st = pm_client_wait_any(c, h, timeout_ns, &info);
        if (st == PM_E_WAIT_TIMED_OUT) {
            fprintf(stderr, "procctl: %s (%d): no child of %llu ended\n",
                    pm_status_name(st), (int)st, (unsigned long long)parent);
            rc = EXIT_TIMEOUT;
        } else if (st != PM_OK) {
            rc = fail(c, "wait-any", st);
        } else {
            if (pm_client_open_process(c, info.koid, PM_RIGHT_QUERY, &ch) != PM_OK)
                ch = -1;
            rc = print_end_of(c, o, ch, &info);
        }
    }
    if (h >= 0)
        close(h);
    if (ch >= 0)
        close(ch);
    pm_client_close(c);
    return rc;
}

static int cmd_resolve(const opts *o, int argc, char **argv)
{
    int rc = 0, exe = -1, interp = -1;
    if (argc != 1)
        return usage();
    pm_client *c = connect_or_die(o, &rc);
    if (c == NULL)
        return rc;
    pm_status st = pm_client_resolve(c, argv[0], &exe, &interp);
    if (st != PM_OK) {
        rc = fail(c, "resolve", st);
    } else if (o->json) {
        printf("{\"name\":\"%s\",\"executable\":true,\"interpreter\":%s}\n",
               argv[0], interp >= 0 ? "true" : "false");
    } else {
        printf("%s: executable%s\n", argv[0], interp >= 0 ? " + interpreter" : "");
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
    opts o;
    int i = 1;
    memset(&o, 0, sizeof o);
    signal(SIGPIPE, SIG_IGN);
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            o.socket = argv[++i];
        else if (strcmp(argv[i], "--json") == 0)
            o.json = 1;
        else if (strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        } else
            return usage();
    }
    if (i >= argc)
        return usage();
    const char *cmd = argv[i];
    int n = argc - i - 1;
    char **rest = argv + i + 1;
    if (strcmp(cmd, "run") == 0)
        return cmd_launch(&o, n, rest, 'r');
    if (strcmp(cmd, "spawn") == 0)
        return cmd_launch(&o, n, rest, 's');
    if (strcmp(cmd, "watch") == 0)
        return cmd_launch(&o, n, rest, 'w');
    if (strcmp(cmd, "ps") == 0)
        return cmd_ps(&o, n, rest);
    if (strcmp(cmd, "job") == 0)
        return cmd_job(&o, n, rest);
    if (strcmp(cmd, "job-limit") == 0)
        return cmd_job_limit(&o, n, rest);
    if (strcmp(cmd, "info") == 0)
        return cmd_info(&o, n, rest);
    if (strcmp(cmd, "kill") == 0 || strcmp(cmd, "wait") == 0 ||
        strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 ||
        strcmp(cmd, "suspend") == 0 || strcmp(cmd, "resume") == 0 ||
        strcmp(cmd, "priority") == 0 || strcmp(cmd, "limit") == 0)
        return cmd_by_id(&o, n, rest, cmd);
    if (strcmp(cmd, "resolve") == 0)
        return cmd_resolve(&o, n, rest);
    if (strcmp(cmd, "wait-any") == 0)
        return cmd_wait_any(&o, n, rest);
    return usage();
}
