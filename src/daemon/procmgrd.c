/*
 * procmgrd: the procmgr daemon (spec/daemon.md).
 *
 * One process, one epoll loop, one pm_dispatch.  The kernel backend is
 * chosen at link time: procmgrd-sim (the sim: no real processes, for
 * tests) and procmgrd (the Linux backend) are built from these sources.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon.h"
#include "procmgr/version.h"
#include "../shell/unixmsg.h"

static pm_dispatch g_dispatch;     /* about 22 MiB (64 builders): static, not on the stack */
/* `#!` interpreter allowlist (spec/scripts.md): path -> image cap. */
static pm_dispatch_entry g_script[PMD_MAX_TABLE];
static uint32_t g_nscript;
/* The listening socket came from the service manager (LISTEN_FDS): it owns
 * the socket file, procmgrd neither makes nor removes it. */
static int g_activated;

uint64_t pmd_tag(uint32_t kind, uint32_t gen, uint32_t idx)
{
    return ((uint64_t)kind << 56) | ((uint64_t)(gen & 0xFFFFFFu) << 32) | idx;
}

int pmd_epoll_add(pmd *s, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = tag;
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void usage(FILE *f)
{
    fputs("usage: procmgrd [--socket PATH] [--foreground] [--verbose]\n"
          "                [--interp PATH]... [--resolve NAME=PATH]...\n"
          "                [--script-interp PATH]... [--stub-timeout MS]\n"
          "  --socket PATH     listen on PATH (default: $PROCMGR_SOCKET, else\n"
          "                    /run/procmgr/procmgr.sock as root, else\n"
          "                    $XDG_RUNTIME_DIR/procmgr.sock)\n"
          "  --foreground      do not detach\n"
          "  --interp PATH     allow PATH as a PT_INTERP interpreter (default:\n"
          "                    the x86-64 loaders of glibc and musl that exist and\n"
          "                    are ELF: /lib64/ld-linux-x86-64.so.2,\n"
          "                    /lib/ld-musl-x86_64.so.1)\n"
          "  --resolve NAME=PATH  RESOLVE NAME to the executable PATH\n"
          "  --script-interp PATH  allow PATH as the interpreter of #! scripts\n"
          "                    (an ELF program; default: those of /bin/sh,\n"
          "                    /usr/bin/sh, /bin/bash, /usr/bin/bash, /usr/bin/env,\n"
          "                    /usr/bin/python3 that exist and are ELF)\n"
          "  --stub-timeout MS  deadline of every wait on a process being built\n"
          "                    (default 10000, or $PROCMGR_STUB_TIMEOUT_MS): one that\n"
          "                    does not answer is killed, its launch fails K_TIMED_OUT\n"
          "  --verbose         also log every connection, request and close\n"
          "                    (stderr in the foreground, else syslog)\n"
          "  --help, --version\n"
          "Options take their value as --opt VALUE or --opt=VALUE.  Under systemd it\n"
          "takes its socket by socket activation and reports readiness (procmgrd(8)).\n", f);
}

static int die(const char *what)
{
    fprintf(stderr, "procmgrd: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Table entry from the shell's configuration: name -> image cap. */
static int add_entry(pmd *s, pm_dispatch_entry *t, uint32_t *n,
                     const char *name, const char *path)
{
    pm_kcap cap;
    if (*n >= PMD_MAX_TABLE) {
        fprintf(stderr, "procmgrd: more than %u entries\n", PMD_MAX_TABLE);
        return -1;
    }
    pm_status st = pm_kh_image_open(s->k, path, &cap);
    if (st != PM_OK) {
        fprintf(stderr, "procmgrd: %s: %s (%d)\n", path, pm_status_name(st), (int)st);
        return -1;
    }
    t[*n].name = (const uint8_t *)name;
    t[*n].name_len = (uint32_t)strlen(name);
    t[*n].image = cap;
    (*n)++;
    return 0;
}

typedef struct pmd_opts {
    const char *socket;
    int foreground;
    int verbose;
    const char *interp[PMD_MAX_TABLE];
    uint32_t ninterp;
    char *resolve[PMD_MAX_TABLE];     /* NAME=PATH, split in place */
    uint32_t nresolve;
    const char *script[PMD_MAX_TABLE];
    uint32_t nscript;
    const char *stub_timeout;         /* milliseconds, checked */
} pmd_opts;

/* A usage error: one line naming it, a pointer to --help (exit 2). */
static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "procmgrd: %s '%s'\nTry 'procmgrd --help'.\n", what, arg);
    return -1;
}

/* getopt_long: --opt VALUE and --opt=VALUE.  -1 on a usage error. */
static int parse_opts(int argc, char **argv, pmd_opts *o)
{
    static const struct option lo[] = {
        { "socket", required_argument, NULL, 's' },
        { "foreground", no_argument, NULL, 'f' },
        { "verbose", no_argument, NULL, 'v' },
        { "interp", required_argument, NULL, 'i' },
        { "script-interp", required_argument, NULL, 'S' },
        { "resolve", required_argument, NULL, 'r' },
        { "stub-timeout", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    memset(o, 0, sizeof *o);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hV", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            o->socket = optarg;
            break;
        case 'f':
            o->foreground = 1;
            break;
        case 'v':
            o->verbose = 1;
            break;
        case 'i':
            if (o->ninterp >= PMD_MAX_TABLE)
                return usage_error("too many --interp, at", optarg);
            o->interp[o->ninterp++] = optarg;
            break;
        case 'S':
            if (optarg[0] != '/')
                return usage_error("--script-interp needs an absolute path, not", optarg);
            if (o->nscript >= PMD_MAX_TABLE)
                return usage_error("too many --script-interp, at", optarg);
            o->script[o->nscript++] = optarg;
            break;
        case 'r':
            if (strchr(optarg, '=') == NULL)
                return usage_error("--resolve expects NAME=PATH, not", optarg);
            if (o->nresolve >= PMD_MAX_TABLE)
                return usage_error("too many --resolve, at", optarg);
            o->resolve[o->nresolve++] = optarg;
            break;
        case 'T': {
            char *end = NULL;
            errno = 0;
            unsigned long ms = strtoul(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno != 0 ||
                ms == 0 || ms > 3600000ul)
                return usage_error("--stub-timeout expects milliseconds in 1..3600000, not",
                                   optarg);
            o->stub_timeout = optarg;
            break;
        }
        case 'h':
            usage(stdout);
            exit(0);
        case 'V':
            printf("procmgrd (procmgr) %s\n", PROCMGR_VERSION);
            exit(0);
        case ':':
            return usage_error("option needs a value:", argv[optind - 1]);
        default:
            return usage_error("unknown option", optopt != 0 ? (char[3]){ '-', (char)optopt, 0 }
                                                             : argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    return 0;
}

/* An ELF file we may read: the default script interpreters are those of
 * the usual list that pass this. */
static int is_elf_file(const char *path)
{
    unsigned char m[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int ok = fd >= 0 && read(fd, m, 4) == 4 &&
             m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
    if (fd >= 0)
        close(fd);
    return ok;
}

static void default_scripts(pmd_opts *o)
{
    static const char *const def[] = {
        "/bin/sh", "/usr/bin/sh", "/bin/bash", "/usr/bin/bash",
        "/usr/bin/env", "/usr/bin/python3"
    };
    for (size_t i = 0; i < sizeof def / sizeof def[0] && o->nscript < PMD_MAX_TABLE; i++)
        if (is_elf_file(def[i]))
            o->script[o->nscript++] = def[i];
}

/* The default PT_INTERP allowlist: the standard x86-64 Linux loaders,
 * glibc's and musl's, those that exist and are ELF files. */
static void default_interps(pmd_opts *o)
{
    static const char *const def[] = {
        "/lib64/ld-linux-x86-64.so.2", "/lib/ld-musl-x86_64.so.1"
    };
    for (size_t i = 0; i < sizeof def / sizeof def[0] && o->ninterp < PMD_MAX_TABLE; i++)
        if (is_elf_file(def[i]))
            o->interp[o->ninterp++] = def[i];
}

static int configure(pmd *s, pmd_opts *o, pm_dispatch_config *cfg)
{
    pm_dispatch_config_default(cfg);
    pm_kh_dispatch_layout(cfg);
    if (o->ninterp == 0)
        default_interps(o);
    for (uint32_t i = 0; i < o->ninterp; i++)
        if (add_entry(s, s->interp, &s->ninterp, o->interp[i], o->interp[i]) != 0)
            return -1;
    for (uint32_t i = 0; i < o->nresolve; i++) {
        char *eq = strchr(o->resolve[i], '=');
        *eq = '\0';
        if (add_entry(s, s->resolve, &s->nresolve, o->resolve[i], eq + 1) != 0)
            return -1;
    }
    cfg->interp = s->interp;
    cfg->ninterp = s->ninterp;
    /* The name is the path as a #! line writes it; the image is what that
     * path is now (a symlink such as /bin/sh -> dash is followed once,
     * here, never per launch). */
    if (o->nscript == 0)
        default_scripts(o);
    for (uint32_t i = 0; i < o->nscript; i++)
        if (add_entry(s, g_script, &g_nscript, o->script[i], o->script[i]) != 0)
            return -1;
    cfg->resolve = s->resolve;
    cfg->nresolve = s->nresolve;
    cfg->script = g_script;
    cfg->nscript = g_nscript;
    return 0;
}

/* A socket file at path: remove it if nobody listens (a stale one), refuse
 * to start if a daemon answers. */
static int clear_stale(const struct sockaddr_un *sa)
{
    struct stat sb;
    if (lstat(sa->sun_path, &sb) != 0)
        return 0;
    if (!S_ISSOCK(sb.st_mode)) {
        fprintf(stderr, "procmgrd: %s exists and is not a socket\n", sa->sun_path);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0) {
        close(fd);
        fprintf(stderr, "procmgrd: a daemon already listens on %s\n", sa->sun_path);
        return -1;
    }
    if (fd >= 0)
        close(fd);
    return unlink(sa->sun_path);
}

static int make_listener(pmd *s)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
    if (geteuid() == 0 && strcmp(s->path, "/run/procmgr/procmgr.sock") == 0)
        (void)mkdir("/run/procmgr", 0755);
    if (clear_stale(&sa) != 0)
        return -1;
    s->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->lfd < 0)
        return die("socket");
    mode_t old = umask(0077);      /* the socket is 0600: owner (and root) only */
    int rc = bind(s->lfd, (struct sockaddr *)&sa, sizeof sa);
    umask(old);
    if (rc != 0 || chmod(s->path, 0600) != 0)
        return die(s->path);
    if (listen(s->lfd, 128) != 0)
        return die("listen");
    return 0;
}

/* Every signal whose default would terminate or stop procmgrd and that
 * another process can send (not the faults a bug raises: SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT stay fatal).  TERM and INT stop
 * it, CHLD reaps, the rest are read from the signalfd and logged. */
static const int g_handled[] = {
    SIGTERM, SIGINT, SIGCHLD, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
    SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGXCPU, SIGXFSZ, SIGSTKFLT,
    SIGTSTP, SIGTTIN, SIGTTOU,
};

static int make_signals(pmd *s)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof g_handled / sizeof g_handled[0]; i++)
        sigaddset(&set, g_handled[i]);
    for (int r = SIGRTMIN; r <= SIGRTMAX; r++)
        sigaddset(&set, r);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return die("sigprocmask");
    s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->sigfd < 0)
        return die("signalfd");
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void on_signal(pmd *s)
{
    struct signalfd_siginfo si;
    while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
            s->stop = 1;
        else if (si.ssi_signo == SIGCHLD)
            s->child_ended = 1;     /* reaped after this round's replies */
        else
            pmd_log(LOG_NOTICE, "signal %d (%s) from pid %u ignored",
                    (int)si.ssi_signo, strsignal((int)si.ssi_signo), si.ssi_pid);
    }
}

static void loop(pmd *s)
{
    struct epoll_event ev[64];
    while (!s->stop) {
        int n = epoll_wait(s->epfd, ev, 64, pmd_next_timeout_ms(s));
        if (n < 0 && errno != EINTR) {
            pmd_log(LOG_ERR, "epoll_wait: %s; stopping", strerror(errno));
            break;
        }
        for (int i = 0; i < n && !s->stop; i++) {
            uint64_t t = ev[i].data.u64;
            uint32_t kind = (uint32_t)(t >> 56);
            uint32_t gen = (uint32_t)(t >> 32) & 0xFFFFFFu;
            uint32_t idx = (uint32_t)t;
            if (kind == PMD_TAG_LISTEN)
                pmd_accept(s);
            else if (kind == PMD_TAG_SIGNAL)
                on_signal(s);
            else if (kind == PMD_TAG_KEVENT)
                pmd_drain(s);
            else if (kind == PMD_TAG_CLIENT)
                pmd_client_ready(s, idx, gen, ev[i].events);
            else if (kind == PMD_TAG_HANDLE)
                pmd_handle_ready(s, idx, gen);
            pmd_serve_stalled(s);
        }
        pmd_expire_waiters(s);
        pmd_serve_stalled(s);
        /* Orphans last: the exit that raised SIGCHLD is usually one of
         * the backend's, already reaped and answered above (its WAIT
         * reply is not held up by the scan). */
        if (s->child_ended) {
            s->child_ended = 0;
            pmd_reap_orphans(s);
        }
        pm_kh_idle(s->k);      /* the replies are out: background work */
    }
}

/* The socket: the one the service manager passed (LISTEN_FDS), else
 * --socket, $PROCMGR_SOCKET or the default.  0, or the exit code. */
static int socket_path(pmd *s, const pmd_opts *o)
{
    int fd = pmd_activation_fd(s->path, sizeof s->path);
    if (fd == -2)
        return 1;
    if (fd >= 0) {
        if (o->socket != NULL && strcmp(o->socket, s->path) != 0) {
            fprintf(stderr, "procmgrd: --socket %s, but the socket passed by LISTEN_FDS "
                    "is %s; drop --socket or change procmgrd.socket\n", o->socket, s->path);
            return 2;
        }
        s->lfd = fd;
        g_activated = 1;
        return 0;
    }
    if (o->socket != NULL)
        snprintf(s->path, sizeof s->path, "%s", o->socket);
    else if (pm_unixmsg_default_socket(s->path, sizeof s->path) == NULL) {
        fputs("procmgrd: no socket path: give --socket PATH, or set $PROCMGR_SOCKET "
              "or $XDG_RUNTIME_DIR (a path of at most 107 bytes)\n", stderr);
        return 2;
    }
    if (o->socket != NULL && strlen(o->socket) + 1 > sizeof s->path) {
        fprintf(stderr, "procmgrd: socket path %s is too long (at most %zu bytes)\n",
                o->socket, sizeof s->path - 1);
        return 2;
    }
    return 0;
}

/* Detach: the parent waits until the child is ready (a byte on a pipe),
 * prints the ready line and exits 0. */
static int detach(int *ready_fd)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        return die("fork");
    if (pid > 0) {
        char b;
        close(p[1]);
        if (read(p[0], &b, 1) != 1)
            _exit(1);
        _exit(0);
    }
    close(p[0]);
    (void)setsid();
    *ready_fd = p[1];
    return 0;
}

/* The job mode, in the log (a detached daemon's: syslog, see announce). */
static void log_job_mode(pmd *s)
{
    if (pm_k_job_mode(s->k) == PM_K_JOB_MODE_CGROUP)
        pmd_log(LOG_INFO, "jobs: cgroup (a job holds every process its members create)");
    else
        pmd_log(LOG_NOTICE, "jobs: members (no writable cgroup v2 hierarchy with "
                "cgroup.kill and cgroup.freeze: a job holds only the processes "
                "procmgrd launched into it)");
}

/* Ready: the ready line on stdout (the detached parent's, which then
 * exits), READY=1 to a service manager.  Detached, the log goes to syslog
 * from here on and stdio to /dev/null. */
static void announce(pmd *s, int ready_fd)
{
    char status[160];
    if (ready_fd < 0)
        log_job_mode(s);     /* before the ready line: there when a test reads it */
    printf("procmgrd: ready on %s\n", s->path);
    fflush(stdout);
    snprintf(status, sizeof status, "READY=1\nSTATUS=listening on %s", s->path);
    pmd_notify(status);
    if (ready_fd >= 0) {
        pmd_log_to_syslog();
        pmd_log(LOG_INFO, "ready on %s%s", s->path, g_activated ? " (socket activation)" : "");
        log_job_mode(s);
        int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
            close(nul);
        }
        (void)!write(ready_fd, "r", 1);
        close(ready_fd);
    }
}

/* The epoll set: the listening socket, the signals, the backend's events. */
static int make_loop(pmd *s)
{
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->kfd = pm_kh_event_fd(s->k);
    if (s->epfd < 0 ||
        pmd_epoll_add(s, s->lfd, EPOLLIN, pmd_tag(PMD_TAG_LISTEN, 0, 0)) != 0 ||
        pmd_epoll_add(s, s->sigfd, EPOLLIN, pmd_tag(PMD_TAG_SIGNAL, 0, 0)) != 0 ||
        (s->kfd >= 0 &&
         pmd_epoll_add(s, s->kfd, EPOLLIN, pmd_tag(PMD_TAG_KEVENT, 0, 0)) != 0)) {
        if (!g_activated)
            unlink(s->path);
        return die("epoll");
    }
    return 0;
}

/* Shutdown policy: tell the service manager, stop listening, close every
 * client and handle, kill and tear down every process (pm_dispatch_fini),
 * release the backend (on Linux: kill and reap what is left), remove the
 * socket (not one the service manager made). */
static void shut_down(pmd *s)
{
    pmd_notify("STOPPING=1");
    close(s->lfd);
    if (!g_activated)
        unlink(s->path);
    pmd_shutdown(s);
    pm_dispatch_fini(s->d);
    for (uint32_t i = 0; i < s->ninterp; i++)
        (void)pm_k_drop(s->k, s->interp[i].image);
    for (uint32_t i = 0; i < s->nresolve; i++)
        (void)pm_k_drop(s->k, s->resolve[i].image);
    for (uint32_t i = 0; i < g_nscript; i++)
        (void)pm_k_drop(s->k, g_script[i].image);
    pm_kh_close(s->k);
    s->k = NULL;
    pmd_reap_orphans(s);
    close(s->epfd);
    close(s->sigfd);
    if (s->spare >= 0)
        close(s->spare);
    pmd_log(LOG_INFO, "stopped (%llu slow clients dropped, %llu events lost)",
            (unsigned long long)s->disconnected_slow, (unsigned long long)s->events_lost);
}

int main(int argc, char **argv)
{
    static pmd s;
    pmd_opts o;
    pm_dispatch_config cfg;
    int ready_fd = -1;
    if (parse_opts(argc, argv, &o) != 0)
        return 2;
    pmd_log_init();
    pmd_notify_init();
    s.verbose = o.verbose;
    s.kfd = -1;
    s.lfd = -1;
    s.spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    s.d = &g_dispatch;
    int rc = socket_path(&s, &o);
    if (rc != 0)
        return rc;
    if (!o.foreground && detach(&ready_fd) != 0)
        return 1;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
        return die("PR_SET_CHILD_SUBREAPER");
    if (make_signals(&s) != 0)
        return 1;
    /* read by the Linux backend (src/kernel/linux/lx_common.c) */
    if (o.stub_timeout != NULL && setenv("PROCMGR_STUB_TIMEOUT_MS", o.stub_timeout, 1) != 0)
        return die("setenv");
    pm_status st = pm_kh_open(&s.k);
    if (st != PM_OK) {
        const char *why = pm_kh_open_error();
        if (why != NULL)
            fprintf(stderr, "procmgrd: %s (%s %d)\n", why, pm_status_name(st), (int)st);
        else
            fprintf(stderr, "procmgrd: kernel backend: %s (%d)\n", pm_status_name(st), (int)st);
        return 1;
    }
    if (configure(&s, &o, &cfg) != 0)
        return 1;
    st = pm_dispatch_init(s.d, s.k, &cfg);
    if (st != PM_OK || pmd_serve_init(&s) != 0) {
        fprintf(stderr, "procmgrd: dispatcher: %s (%d)\n", pm_status_name(st), (int)st);
        return 1;
    }
    if (!g_activated && make_listener(&s) != 0)
        return 1;
    if (make_loop(&s) != 0)
        return 1;
    announce(&s, ready_fd);
    loop(&s);
    shut_down(&s);
    return 0;
}
