/*
 * svcmgr: the service supervisor (spec/svcmgr.md, issue 16).
 *
 *   svcmgr [--dir DIR] [--socket PATH] [--control PATH] [--log-dir DIR]
 *   svcmgr --check [--dir DIR]
 *
 * A client of procmgrd through libprocmgr only: it never forks or execs.
 * Each service has its own connection to procmgrd; a run is
 * pm_client_spawn (suspended), WATCH (exited, killed, faulted), START.
 * One poll loop: the control socket and its connections, a signalfd
 * (TERM, INT: stop every service, then exit), each running service's
 * watch channel and each service's log pipe; the timeout is the nearest
 * restart or stop deadline.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/un.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/client.h"
#include "procmgr/version.h"
#include "../shell/cli.h"
#include "../shell/stamp.h"
#include "ctl.h"
#include "svcfile.h"

#define SVC_MAX       256
#define CONN_MAX      16
#define PROC_NAME_MAX 32u     /* SET_INFO's process name, at most */

#define EXIT_USAGE     2
#define EXIT_TRANSPORT 4

enum svc_state { ST_STOPPED, ST_RUNNING, ST_BACKOFF, ST_STOPPING, ST_FAILED, ST_WAITING };
static const char *const state_names[] = { "stopped", "running", "backoff", "stopping", "failed",
                                           "waiting" };

struct svc;
static const char *state_name(const struct svc *s);
static const char *const policy_names[] = { "no", "on-failure", "always" };

typedef struct svc {
    svc_def *def;
    int state;
    pm_client *c;                /* this service's connection, or NULL */
    int proc, thread, watch;     /* handles of the current run, or -1 */
    int job;                     /* the run's job (its own), or -1 */
    uint64_t koid;
    uint64_t started_ms;         /* monotonic */
    uint32_t restarts;           /* restarts made by the policy */
    uint32_t failures;           /* consecutive, for the backoff */
    uint64_t deadline_ms;        /* BACKOFF: restart at; STOPPING: SIGKILL at */
    uint64_t delay_ms;           /* the delay of the pending or last restart */
    int killed;                  /* STOPPING: SIGKILL sent */
    int restart_after_stop;      /* restart: start once stopped */
    int stop_asked;              /* the run ends because svcmgr stopped it */
    int removed;                 /* its file is gone (reload): dropped once stopped */
    uint64_t rtimes[SVC_RESTART_LIMIT_MAX];   /* when the last restarts were scheduled */
    size_t rnext;                /* ring index into rtimes */
    /* the last end */
    const char *end_kind;        /* exited, killed, faulted, launch-failed, lost; NULL */
    uint32_t end_code;
    const char *end_reason;      /* exit, stop, stop-kill, launch, lost */
    uint64_t end_time_ms;        /* realtime */
    char end_msg[256];
    struct {                     /* the last SVC_ENDS_KEPT ends, a ring */
        const char *kind, *reason;
        uint32_t code;
        uint64_t time_ms;
    } ends[8];
    size_t nends;                /* ends recorded (the ring holds the last 8) */
    /* logs */
    int log_r, log_w, log_fd;
    int at_bol;
    uint64_t log_size;           /* bytes in NAME.log */
    /* readiness and watchdog */
    int ready;                   /* the current run is ready */
    int ready_r;                 /* ready = fd:N: the read end of the run's pipe, or -1 */
    int notify_fd;               /* ready = notify: the bound datagram socket, or -1 */
    char notify_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    uint64_t wd_deadline_ms;     /* watchdog: stop the run at (0: not armed) */
    int wd_fired;                /* the run is being stopped by the watchdog */
    char status_text[128];       /* the last STATUS= */
    char log_path[4096];
} svc;

static svc g_svc[SVC_MAX];

/* running: ready = started; starting, then ready: with a readiness
 * protocol */
static const char *state_name(const svc *s)
{
    if (s->state == ST_RUNNING && s->def->ready != SVC_READY_STARTED)
        return s->ready ? "ready" : "starting";
    return state_names[s->state];
}
static size_t g_nsvc;
static const char *g_pm_socket;
static const char *g_dir, *g_logdir;
static char g_notify_dir[108];   /* CONTROL.notify: the notify sockets */
static int g_shutdown;

/* snprintf, truncating quietly: every use here is a message or a path
 * checked elsewhere. */
static void sfmt(char *b, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sfmt(char *b, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(b, cap, fmt, ap);
    va_end(ap);
}

/* ---- time, log ------------------------------------------------------------------- */

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    char ts[PM_STAMP_MAX];
    va_list ap;
    pm_stamp(ts, sizeof ts);
    fprintf(stderr, "%s svcmgr: ", ts);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- loading ------------------------------------------------------------------- */

/* Read and parse one file; 0, or -1 with the reason in err. */
static int load_file(int dirfd, const char *dir, const char *fname, const char *name,
                     svc_def *d, char *err, size_t errcap)
{
    char path[4096 + 256];
    static unsigned char buf[SVC_FILE_MAX + 1];
    sfmt(path, sizeof path, "%s/%s", dir, fname);
    int fd = openat(dirfd, fname, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        sfmt(err, errcap, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        sfmt(err, errcap, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            sfmt(err, errcap, "%s: cannot read: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0 || len + (size_t)r == sizeof buf) {
            len += (size_t)r;
            break;
        }
        len += (size_t)r;
    }
    close(fd);
    return svc_parse(path, name, buf, len, d, err, errcap);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a scan of the directory found for one service file. */
typedef struct scanned {
    char name[SVC_NAME_MAX + 1];
    svc_def *def;                /* NULL: refused */
    char err[SVC_ERR_MAX];
} scanned;

static scanned g_scan[SVC_MAX * 2];
static int g_logged;             /* reports go through logmsg (the daemon) */

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
    char b[SVC_ERR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (g_logged)
        logmsg("%s", b);
    else
        fprintf(stderr, "svcmgr: %s\n", b);
}

/* Read every NAME.service of dir, in name order, into g_scan: each
 * refusal is reported (file:line: what) and kept with its message.  The
 * number of entries, or -1 when the directory cannot be read; *bad gets
 * the number refused (a file named *.service without a valid name
 * counts, without an entry). */
static int scan_dir(const char *dir, int *bad)
{
    DIR *dp = opendir(dir);
    *bad = 0;
    if (dp == NULL) {
        report("%s: cannot open the service directory: %s (--dir DIR to choose another)",
               dir, strerror(errno));
        return -1;
    }
    char *names[SVC_MAX * 2];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        char nm[SVC_NAME_MAX + 1];
        if (de->d_name[0] == '.')
            continue;
        if (svc_name_of(de->d_name, nm) != 0) {
            size_t l = strlen(de->d_name);
            if (l > 8 && strcmp(de->d_name + l - 8, ".service") == 0) {
                report("%s/%s: not a service name (1 to %u bytes of letters, digits, '_', "
                       "'.', '@', '-'); rename the file", dir, de->d_name, SVC_NAME_MAX);
                (*bad)++;
            }
            continue;   /* other files (backups, README) are not services */
        }
        if (n == sizeof names / sizeof names[0]) {
            report("%s: more than %zu service files; the rest are ignored", dir, n);
            break;
        }
        names[n] = strdup(de->d_name);
        if (names[n] != NULL)
            n++;
    }
    qsort(names, n, sizeof names[0], cmp_str);
    for (size_t i = 0; i < n; i++) {
        scanned *e = &g_scan[i];
        (void)svc_name_of(names[i], e->name);
        e->err[0] = '\0';
        e->def = malloc(sizeof *e->def);
        if (e->def == NULL)
            sfmt(e->err, sizeof e->err, "%s/%s: out of memory", dir, names[i]);
        if (e->def == NULL ||
            load_file(dirfd(dp), dir, names[i], e->name, e->def, e->err, sizeof e->err) != 0) {
            report("%s", e->err);
            report("%s: service refused; fix the file (the others load)", e->name);
            (*bad)++;
            free(e->def);
            e->def = NULL;
        }
        free(names[i]);
    }
    closedir(dp);
    return (int)n;
}

/* A new service in the table (state stopped), or NULL when it is full. */
static svc *add_service(svc_def *d)
{
    if (g_nsvc == SVC_MAX) {
        report("%s: refused: more than %d services", d->name, SVC_MAX);
        return NULL;
    }
    svc *s = &g_svc[g_nsvc++];
    memset(s, 0, sizeof *s);
    s->def = d;
    s->proc = s->thread = s->watch = s->job = -1;
    s->log_r = s->log_w = s->log_fd = -1;
    s->ready_r = s->notify_fd = -1;
    s->at_bol = 1;
    s->state = ST_STOPPED;
    return s;
}

/* ---- logs ------------------------------------------------------------------- */

static int open_log(svc *s, const char *logdir)
{
    int p[2];
    sfmt(s->log_path, sizeof s->log_path, "%s/%s.log", logdir, s->def->name);
    s->log_fd = open(s->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (s->log_fd < 0) {
        logmsg("%s: cannot open its log %s: %s; its output is discarded", s->def->name,
               s->log_path, strerror(errno));
        s->log_path[0] = '\0';
        return -1;
    }
    struct stat sb;
    s->log_size = fstat(s->log_fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    if (pipe2(p, O_CLOEXEC) != 0) {
        logmsg("%s: pipe: %s; its output is discarded", s->def->name, strerror(errno));
        close(s->log_fd);
        s->log_fd = -1;
        s->log_path[0] = '\0';
        return -1;
    }
    (void)fcntl(p[0], F_SETFL, O_NONBLOCK);
    s->log_r = p[0];
    s->log_w = p[1];
    return 0;
}

static void write_all(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        b += w;
        n -= (size_t)w;
    }
}

/* NAME.log is full: NAME.log.K-1 -> NAME.log.K, ..., NAME.log ->
 * NAME.log.1 (NAME.log.KEEP is replaced; with log-keep = 0 NAME.log is
 * removed), then a new NAME.log. */
static void rotate_log(svc *s)
{
    char from[sizeof s->log_path + 8], to[sizeof s->log_path + 8];
    uint32_t keep = s->def->log_keep;
    close(s->log_fd);
    if (keep == 0) {
        (void)unlink(s->log_path);
    } else {
        for (uint32_t k = keep - 1; k >= 1; k--) {
            sfmt(from, sizeof from, "%s.%u", s->log_path, k);
            sfmt(to, sizeof to, "%s.%u", s->log_path, k + 1);
            if (rename(from, to) != 0 && errno != ENOENT)
                logmsg("%s: rotate %s: %s", s->def->name, from, strerror(errno));
        }
        sfmt(to, sizeof to, "%s.1", s->log_path);
        if (rename(s->log_path, to) != 0)
            logmsg("%s: rotate %s: %s", s->def->name, s->log_path, strerror(errno));
    }
    s->log_fd = open(s->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (s->log_fd < 0)
        logmsg("%s: cannot open its log %s after rotating it: %s; output is lost until the "
               "next rotation", s->def->name, s->log_path, strerror(errno));
    s->log_size = 0;
}

static void log_write(svc *s, const char *b, size_t n)
{
    write_all(s->log_fd, b, n);
    s->log_size += n;
}

/* What the pipe holds, into the log file with a timestamp per line.
 * Returns the bytes read (0: nothing there). */
static size_t drain_log(svc *s)
{
    char in[16384], out[16384 * 2 + 64];
    ssize_t r = read(s->log_r, in, sizeof in);
    if (r <= 0)
        return 0;
    size_t o = 0;
    char ts[PM_STAMP_MAX];
    pm_stamp(ts, sizeof ts);
    size_t tl = strlen(ts);
    for (ssize_t i = 0; i < r; i++) {
        if (s->at_bol && s->log_size + o >= s->def->log_max_size) {
            /* rotate at a line's start: every file holds whole lines */
            log_write(s, out, o);
            o = 0;
            rotate_log(s);
        }
        if (s->at_bol) {
            memcpy(out + o, ts, tl);
            out[o + tl] = ' ';
            o += tl + 1;
            s->at_bol = 0;
        }
        out[o++] = in[i];
        if (in[i] == '\n')
            s->at_bol = 1;
        if (o > sizeof out - 64) {
            log_write(s, out, o);
            o = 0;
        }
    }
    log_write(s, out, o);
    return (size_t)r;
}

/* ---- runs ------------------------------------------------------------------- */

static void close_run(svc *s)
{
    if (s->watch >= 0)
        close(s->watch);
    if (s->proc >= 0)
        close(s->proc);
    if (s->thread >= 0)
        close(s->thread);
    if (s->job >= 0)
        close(s->job);
    if (s->ready_r >= 0)
        close(s->ready_r);
    s->watch = s->proc = s->thread = s->job = s->ready_r = -1;
    s->ready = 0;
    s->wd_deadline_ms = 0;
}

static void drop_client(svc *s)
{
    pm_client_close(s->c);
    s->c = NULL;
}

/* An operator's start or restart: a fresh backoff and restart limit. */
static void operator_reset(svc *s)
{
    s->failures = 0;
    memset(s->rtimes, 0, sizeof s->rtimes);
    s->rnext = 0;
}

static void schedule_or_settle(svc *s, int failed, uint64_t ran_ms);

static void set_end(svc *s, const char *kind, uint32_t code, const char *reason)
{
    s->end_kind = kind;
    s->end_code = code;
    s->end_reason = reason;
    s->end_time_ms = real_ms();
    s->end_msg[0] = '\0';
    size_t i = s->nends++ % (sizeof s->ends / sizeof s->ends[0]);
    s->ends[i].kind = kind;
    s->ends[i].reason = reason;
    s->ends[i].code = code;
    s->ends[i].time_ms = s->end_time_ms;
}

/* ---- dependencies (requires, after) ------------------------------------------ */

static svc *find_svc(const char *name);

static int names_has(const char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* t requires or follows the service `name` */
static int depends_on(const svc *t, const char *name)
{
    return names_has(t->def->requires, t->def->nrequires, name) ||
           names_has(t->def->after, t->def->nafter, name);
}

/* Is s on a cycle of requires/after among the loaded services?  A
 * depth-first walk from s; `seen` marks what was entered. */
static int reaches(const svc *from, const svc *target, unsigned char *seen)
{
    const svc_def *d = from->def;
    for (size_t k = 0; k < d->nrequires + d->nafter; k++) {
        const char *n = k < d->nrequires ? d->requires[k] : d->after[k - d->nrequires];
        svc *t = find_svc(n);
        if (t == NULL)
            continue;
        if (t == target)
            return 1;
        size_t i = (size_t)(t - g_svc);
        if (seen[i])
            continue;
        seen[i] = 1;
        if (reaches(t, target, seen))
            return 1;
    }
    return 0;
}

static int in_cycle(const svc *s)
{
    static unsigned char seen[SVC_MAX];
    memset(seen, 0, sizeof seen);
    return reaches(s, s, seen);
}

/* May s start now?  Every service it requires is ready; every service it
 * comes after that is loaded and on its way up (waiting, starting, in
 * backoff) is ready first.  *why: the first it waits for. */
static int deps_ready(const svc *s, const char **why)
{
    const svc_def *d = s->def;
    for (size_t i = 0; i < d->nrequires; i++) {
        const svc *t = find_svc(d->requires[i]);
        if (t == NULL || t->removed || !(t->state == ST_RUNNING && t->ready)) {
            *why = d->requires[i];
            return 0;
        }
    }
    for (size_t i = 0; i < d->nafter; i++) {
        const svc *t = find_svc(d->after[i]);
        if (t != NULL && (t->state == ST_WAITING || t->state == ST_BACKOFF ||
                          (t->state == ST_RUNNING && !t->ready))) {
            *why = d->after[i];
            return 0;
        }
    }
    return 1;
}

static void launch(svc *s);
static void set_end(svc *s, const char *kind, uint32_t code, const char *reason);
static void restart_dependents(svc *s, int operator_stop);

/* Start s once what it depends on allows (state waiting until then). */
static void try_start(svc *s)
{
    const char *why = NULL;
    if (in_cycle(s)) {
        s->state = ST_FAILED;
        set_end(s, "launch-failed", 0, "launch");
        sfmt(s->end_msg, sizeof s->end_msg, "a cycle of requires/after goes through it; "
             "fix the files and reload");
        logmsg("%s: not started: %s", s->def->name, s->end_msg);
        return;
    }
    if (!deps_ready(s, &why)) {
        if (s->state != ST_WAITING || s->proc >= 0)
            logmsg("%s: waiting for %s", s->def->name, why);
        s->state = ST_WAITING;
        return;
    }
    launch(s);
}

/* ready = notify: the service's datagram socket CONTROL.notify/NAME
 * (mode 0700 directory, so only svcmgr's user and root can send).  0, or
 * -1 with a message in s->end_msg. */
static int open_notify(svc *s)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (s->notify_fd >= 0)
        return 0;
    if ((size_t)snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", g_notify_dir, s->def->name) >=
        sizeof a.sun_path) {
        sfmt(s->end_msg, sizeof s->end_msg, "notify socket path %s/%s too long (a shorter "
             "--control path)", g_notify_dir, s->def->name);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    (void)unlink(a.sun_path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        sfmt(s->end_msg, sizeof s->end_msg, "notify socket %s: %s", a.sun_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    s->notify_fd = fd;
    memcpy(s->notify_path, a.sun_path, sizeof a.sun_path);
    return 0;
}

static void close_notify(svc *s)
{
    if (s->notify_fd < 0)
        return;
    close(s->notify_fd);
    (void)unlink(s->notify_path);
    s->notify_fd = -1;
}

static void became_ready(svc *s, const char *how)
{
    if (s->ready || s->state != ST_RUNNING)
        return;
    s->ready = 1;
    if (s->def->watchdog_ms != 0)
        s->wd_deadline_ms = mono_ms() + s->def->watchdog_ms;
    logmsg("%s: ready (%s) after %llu ms", s->def->name, how,
           (unsigned long long)(mono_ms() - s->started_ms));
}

/* Start a run: spawn suspended, WATCH its end, START. */
static void launch(svc *s)
{
    svc_def *d = s->def;
    pm_status st = PM_OK;
    const char *what = "connect";
    int cwd = -1;
    pm_spawn_action act[16];
    size_t na = 0;
    char pname[PROC_NAME_MAX + 1];
    pm_client_process p = { -1, -1, 0 };
    int rp[2] = { -1, -1 };
    static const char *envp[SVC_WORDS_MAX + 3];
    static char notify_env[160], wd_env[64];
    size_t ne = 0;

    s->stop_asked = 0;
    s->killed = 0;
    s->wd_fired = 0;
    s->ready = 0;
    s->status_text[0] = '\0';
    for (size_t i = 0; i < d->envc; i++)
        envp[ne++] = d->env[i];
    if (d->ready == SVC_READY_NOTIFY) {
        char junk[512];
        if (open_notify(s) != 0) {
            set_end(s, "launch-failed", (uint32_t)PM_E_K_ARG, "launch");
            logmsg("%s: cannot start: %s", d->name, s->end_msg);
            schedule_or_settle(s, 1, 0);
            return;
        }
        while (recv(s->notify_fd, junk, sizeof junk, MSG_DONTWAIT) >= 0)
            ;   /* what an earlier run sent is not this run's */
        sfmt(notify_env, sizeof notify_env, "NOTIFY_SOCKET=%s", s->notify_path);
        envp[ne++] = notify_env;
        if (d->watchdog_ms != 0) {
            sfmt(wd_env, sizeof wd_env, "WATCHDOG_USEC=%llu",
                 (unsigned long long)d->watchdog_ms * 1000u);
            envp[ne++] = wd_env;
        }
    }
    envp[ne] = NULL;
    if (s->c == NULL && (st = pm_client_connect(g_pm_socket, &s->c)) != PM_OK)
        goto failed;
    act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_OPEN, .id = 0, .path = "/dev/null",
                                   .oflags = O_RDONLY };
    if (d->log && s->log_w >= 0) {
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_CLONE_FD, .fd = s->log_w, .id = 1 };
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_CLONE_FD, .fd = s->log_w, .id = 2 };
    } else {
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_OPEN, .id = 1, .path = "/dev/null",
                                       .oflags = O_WRONLY };
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_OPEN, .id = 2, .path = "/dev/null",
                                       .oflags = O_WRONLY };
    }
    sfmt(pname, sizeof pname, "%s", d->name);
    act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_SET_NAME, .path = pname };
    if (d->cwd[0] != '\0') {
        cwd = open(d->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cwd < 0) {
            set_end(s, "launch-failed", (uint32_t)PM_E_K_ARG, "launch");
            sfmt(s->end_msg, sizeof s->end_msg, "cwd %s: %s", d->cwd, strerror(errno));
            logmsg("%s: cannot start: %s", d->name, s->end_msg);
            schedule_or_settle(s, 1, 0);
            return;
        }
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_SET_CWD, .fd = cwd };
    }
    if (d->has_priority)
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_PRIORITY, .id = d->priority };
    for (uint32_t r = 0; r <= PM_RLIMIT_MAX; r++)
        if (d->rlimit_set & (1u << r))
            act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_RLIMIT, .id = r,
                                           .soft = d->rlimit_soft[r], .hard = d->rlimit_hard[r] };
    if (d->ready == SVC_READY_FD) {
        if (pipe2(rp, O_CLOEXEC) != 0) {
            if (cwd >= 0)
                close(cwd);
            set_end(s, "launch-failed", (uint32_t)PM_E_K_NO_DESCRIPTORS, "launch");
            sfmt(s->end_msg, sizeof s->end_msg, "readiness pipe: %s", strerror(errno));
            logmsg("%s: cannot start: %s", d->name, s->end_msg);
            schedule_or_settle(s, 1, 0);
            return;
        }
        (void)fcntl(rp[0], F_SETFL, O_NONBLOCK);
        act[na++] = (pm_spawn_action){ .kind = PM_SPAWN_ACTION_CLONE_FD, .fd = rp[1],
                                       .id = d->ready_fd };
    }
    what = "spawn";
    errno = 0;
    st = pm_client_spawn(s->c, PM_SPAWN_SUSPENDED, -1, d->argv[0], d->argv, envp, act, na,
                         &p, NULL);
    if (cwd >= 0)
        close(cwd);
    if (rp[1] >= 0)
        close(rp[1]);            /* procmgrd holds its own copy until the service has it */
    s->ready_r = rp[0];
    if (st != PM_OK)
        goto failed;
    s->proc = p.process;
    s->thread = p.thread;
    s->koid = p.koid;
    /* the job the run was launched into (one of its own, koid = its
     * koid): what is left in it once the run ends is killed */
    what = "job";
    st = pm_client_job_open(s->c, p.koid, &s->job, NULL);
    if (st != PM_OK) {
        s->job = -1;
        if (d->job_pids != 0 || d->job_memory != 0)
            goto failed;         /* no run without the job limits asked for */
    }
    what = "job-pids";
    if (d->job_pids != 0 &&
        (st = pm_client_job_set_limit(s->c, s->job, PM_JOB_LIMIT_PIDS, d->job_pids)) != PM_OK)
        goto failed;
    what = "job-memory";
    if (d->job_memory != 0 &&
        (st = pm_client_job_set_limit(s->c, s->job, PM_JOB_LIMIT_MEMORY, d->job_memory)) != PM_OK)
        goto failed;
    what = "watch";
    st = pm_client_watch(s->c, s->proc, PM_EVENT_EXITED | PM_EVENT_KILLED | PM_EVENT_FAULTED,
                         &s->watch);
    if (st != PM_OK)
        goto failed;
    what = "start";
    st = pm_client_start(s->c, s->proc, s->thread);
    if (st != PM_OK)
        goto failed;
    s->state = ST_RUNNING;
    s->started_ms = mono_ms();
    logmsg("%s: started, koid %llu", d->name, (unsigned long long)s->koid);
    if (d->ready == SVC_READY_STARTED)
        s->ready = 1;
    return;

failed: {
        int e = errno;
        if (s->proc >= 0 && s->c != NULL)
            (void)pm_client_kill(s->c, s->proc);
        close_run(s);
        set_end(s, "launch-failed", (uint32_t)st, "launch");
        if (st == PM_E_NOT_CONNECTED)
            sfmt(s->end_msg, sizeof s->end_msg, "%s: procmgrd %s: %s", what,
                     g_pm_socket ? g_pm_socket : "(default socket)",
                     strerror(s->c != NULL ? pm_client_errno(s->c) : e));
        else if (st == PM_E_K_ARG && e != 0)
            sfmt(s->end_msg, sizeof s->end_msg, "%s: %s: %s (%s %d)", what, d->argv[0],
                     strerror(e), pm_status_name(st), (int)st);
        else
            sfmt(s->end_msg, sizeof s->end_msg, "%s: %s: %s (%s %d)", what, d->argv[0],
                     pm_status_message(st), pm_status_name(st), (int)st);
        if (st == PM_E_NOT_CONNECTED || s->c == NULL)
            drop_client(s);
        logmsg("%s: cannot start: %s", d->name, s->end_msg);
        schedule_or_settle(s, 1, 0);
    }
}

/* The backoff delay of the next restart: delay * factor^failures, capped. */
static uint64_t next_delay(const svc_def *d, uint32_t failures)
{
    uint64_t v = d->restart_delay_ms;
    for (uint32_t i = 0; i < failures && v < d->restart_max_delay_ms; i++)
        v = v * d->restart_backoff_milli / 1000u;
    return v < d->restart_max_delay_ms ? v : d->restart_max_delay_ms;
}

/* After a run ended (by itself) or failed to launch: restart later per
 * the policy, or settle in stopped / failed. */
static void schedule_or_settle(svc *s, int failed, uint64_t ran_ms)
{
    const svc_def *d = s->def;
    int again = !g_shutdown && !s->removed && (d->restart == SVC_RESTART_ALWAYS ||
                                (d->restart == SVC_RESTART_ON_FAILURE && failed));
    if (!again) {
        s->state = failed ? ST_FAILED : ST_STOPPED;
        logmsg("%s: %s (restart = %s)", d->name, state_name(s), policy_names[d->restart]);
        return;
    }
    uint64_t now = mono_ms();
    if (d->restart_limit != 0) {
        uint32_t recent = 0;
        for (size_t i = 0; i < SVC_RESTART_LIMIT_MAX; i++)
            if (s->rtimes[i] != 0 && now - s->rtimes[i] < d->restart_limit_ms)
                recent++;
        if (recent >= d->restart_limit) {
            s->state = ST_FAILED;
            sfmt(s->end_msg, sizeof s->end_msg, "restart limit reached (%u in %llu ms); "
                 "svcctl start to try again", d->restart_limit,
                 (unsigned long long)d->restart_limit_ms);
            logmsg("%s: failed: %s", d->name, s->end_msg);
            return;
        }
        s->rtimes[s->rnext] = now;
        s->rnext = (s->rnext + 1) % d->restart_limit;
    }
    if (ran_ms >= d->restart_reset_ms)
        s->failures = 0;
    s->delay_ms = next_delay(d, s->failures);
    if (d->restart_jitter_pct != 0 && s->delay_ms != 0)
        s->delay_ms -= s->delay_ms * d->restart_jitter_pct / 100u *
                       (uint64_t)(random() % 1000) / 1000u;
    if (s->failures < 64)
        s->failures++;
    s->state = ST_BACKOFF;
    s->deadline_ms = now + s->delay_ms;
    logmsg("%s: restart %u in %llu ms", d->name, s->restarts + 1,
           (unsigned long long)s->delay_ms);
}

/* The watch channel of a run is readable: its end, or procmgrd gone. */
static void on_watch(svc *s)
{
    pm_client_event ev;
    pm_status st = pm_client_watch_next(s->watch, 0, &ev);
    if (st == PM_E_WAIT_TIMED_OUT)
        return;
    /* what the run wrote before it ended goes to the log before its end */
    if (s->log_r >= 0)
        while (drain_log(s) > 0)
            ;
    uint64_t ran = mono_ms() - s->started_ms;
    const char *reason = s->wd_fired ? "watchdog"
                       : s->stop_asked ? (s->killed ? "stop-kill" : "stop") : "exit";
    int failed;
    if (st != PM_OK) {
        set_end(s, "lost", (uint32_t)st, "lost");
        sfmt(s->end_msg, sizeof s->end_msg, "the watch channel closed: procmgrd gone?");
        logmsg("%s: koid %llu: lost (%s): %s", s->def->name, (unsigned long long)s->koid,
               pm_status_name(st), s->end_msg);
        drop_client(s);
        failed = 1;
    } else {
        const char *kind = ev.event == PM_EVENT_EXITED ? "exited"
                         : ev.event == PM_EVENT_KILLED ? "killed" : "faulted";
        set_end(s, kind, ev.code, reason);
        failed = !(ev.event == PM_EVENT_EXITED && ev.code == 0);
        const char *sn = ev.event == PM_EVENT_KILLED ? svc_signal_name(ev.code) : NULL;
        logmsg("%s: koid %llu %s %u%s%s after %llu ms (%s)", s->def->name,
               (unsigned long long)s->koid, kind, ev.code, sn ? " SIG" : "", sn ? sn : "",
               (unsigned long long)ran, reason);
    }
    if (s->job >= 0 && s->c != NULL) {
        /* the run's leftovers (its children, in a cgroup job) */
        pm_status js = pm_client_kill(s->c, s->job);
        if (js != PM_OK && js != PM_E_PROCESS_ENDED && js != PM_E_NO_SUCH_JOB)
            logmsg("%s: kill of job %llu: %s", s->def->name, (unsigned long long)s->koid,
                   pm_status_name(js));
    }
    close_run(s);
    s->koid = 0;
    restart_dependents(s, s->state == ST_STOPPING && !s->wd_fired && !s->restart_after_stop);
    if (s->state == ST_STOPPING && s->wd_fired && !s->restart_after_stop) {
        /* the watchdog's stop is a failure: the policy decides */
        s->wd_fired = 0;
        schedule_or_settle(s, 1, ran);
        return;
    }
    if (s->state == ST_STOPPING) {
        s->state = ST_STOPPED;
        logmsg("%s: stopped", s->def->name);
        if (s->restart_after_stop && !g_shutdown && !s->removed) {
            s->restart_after_stop = 0;
            operator_reset(s);
            try_start(s);
        }
        return;
    }
    schedule_or_settle(s, failed, ran);
}

/* Stop: the stop signal now, SIGKILL after the grace. */
static void stop(svc *s)
{
    if (s->state == ST_BACKOFF || s->state == ST_WAITING) {
        logmsg("%s: stopped (was %s)", s->def->name,
               s->state == ST_BACKOFF ? "waiting to restart" : "waiting for what it depends on");
        s->state = ST_STOPPED;
        return;
    }
    if (s->state != ST_RUNNING)
        return;
    s->state = ST_STOPPING;
    s->stop_asked = 1;
    s->deadline_ms = mono_ms() + s->def->stop_grace_ms;
    pm_status st = pm_client_signal(s->c, s->proc, s->def->stop_signal);
    logmsg("%s: stopping koid %llu: SIG%s, SIGKILL after %llu ms%s", s->def->name,
           (unsigned long long)s->koid,
           svc_signal_name(s->def->stop_signal) ? svc_signal_name(s->def->stop_signal) : "?",
           (unsigned long long)s->def->stop_grace_ms,
           st == PM_OK || st == PM_E_PROCESS_ENDED ? "" : " (the signal was refused)");
    if (st != PM_OK && st != PM_E_PROCESS_ENDED)
        s->deadline_ms = mono_ms();
}

/* Datagrams on the notify socket (sd_notify: newline-separated
 * assignments).  Only the current run's count (the socket is drained at
 * each launch). */
static void on_notify(svc *s)
{
    char m[4096];
    ssize_t r;
    while ((r = recv(s->notify_fd, m, sizeof m - 1, MSG_DONTWAIT)) >= 0) {
        if (s->state != ST_RUNNING && s->state != ST_STOPPING)
            continue;
        m[r] = '\0';
        for (char *save = NULL, *l = strtok_r(m, "\n", &save); l != NULL;
             l = strtok_r(NULL, "\n", &save)) {
            if (strcmp(l, "READY=1") == 0) {
                became_ready(s, "READY=1");
            } else if (strcmp(l, "WATCHDOG=1") == 0) {
                if (s->ready && s->def->watchdog_ms != 0 && !s->wd_fired)
                    s->wd_deadline_ms = mono_ms() + s->def->watchdog_ms;
            } else if (strncmp(l, "STATUS=", 7) == 0) {
                sfmt(s->status_text, sizeof s->status_text, "%s", l + 7);
                for (char *q = s->status_text; *q != '\0'; q++)
                    if ((unsigned char)*q < 0x20)
                        *q = ' ';
            } else if (strcmp(l, "STOPPING=1") == 0) {
                logmsg("%s: STOPPING=1", s->def->name);
            }
        }
    }
}

/* ready = fd:N: a newline on the pipe is readiness; end of file, never. */
static void on_ready_fd(svc *s)
{
    char b[256];
    ssize_t r = read(s->ready_r, b, sizeof b);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r > 0 && memchr(b, '\n', (size_t)r) == NULL)
        return;
    if (r > 0)
        became_ready(s, "a newline on its readiness fd");
    close(s->ready_r);
    s->ready_r = -1;
}

/* Waiting services whose dependencies are now ready start. */
static void start_waiting(void)
{
    const char *why;
    for (size_t i = 0; i < g_nsvc; i++)
        if (g_svc[i].state == ST_WAITING && !g_svc[i].removed && deps_ready(&g_svc[i], &why))
            launch(&g_svc[i]);
}

/* Shutting down: stop, in the reverse of the start order, each service
 * no running or stopping service requires or follows. */
static void shutdown_step(void)
{
    for (size_t i = 0; i < g_nsvc; i++) {
        svc *s = &g_svc[i];
        if (s->state == ST_BACKOFF || s->state == ST_WAITING) {
            stop(s);
            continue;
        }
        if (s->state != ST_RUNNING)
            continue;
        int needed = 0;
        for (size_t j = 0; j < g_nsvc && !needed; j++) {
            const svc *t = &g_svc[j];
            needed = t != s && (t->state == ST_RUNNING || t->state == ST_STOPPING) &&
                     depends_on(t, s->def->name);
        }
        if (!needed)
            stop(s);
    }
}

/* s's run ended: the running services that require it are stopped, and
 * started again (waiting for s to be ready) unless s was stopped by an
 * operator. */
static void restart_dependents(svc *s, int operator_stop)
{
    if (g_shutdown)
        return;
    for (size_t i = 0; i < g_nsvc; i++) {
        svc *t = &g_svc[i];
        if (t == s || !names_has(t->def->requires, t->def->nrequires, s->def->name))
            continue;
        if (t->state == ST_RUNNING) {
            logmsg("%s: %s requires %s, which ended", t->def->name,
                   operator_stop ? "stopping it:" : "restarting it:", s->def->name);
            t->restart_after_stop = !operator_stop;
            stop(t);
        } else if (t->state == ST_STOPPING) {
            t->restart_after_stop = !operator_stop;
        } else if (operator_stop && (t->state == ST_WAITING || t->state == ST_BACKOFF)) {
            stop(t);
        }
    }
}

static void timers(void)
{
    uint64_t now = mono_ms();
    for (size_t i = 0; i < g_nsvc; i++) {
        svc *s = &g_svc[i];
        if (s->state == ST_BACKOFF && now >= s->deadline_ms) {
            s->restarts++;
            try_start(s);
        } else if (s->state == ST_RUNNING && s->wd_deadline_ms != 0 && now >= s->wd_deadline_ms) {
            logmsg("%s: watchdog: no WATCHDOG=1 in %llu ms; stopping it", s->def->name,
                   (unsigned long long)s->def->watchdog_ms);
            s->wd_deadline_ms = 0;
            s->restart_after_stop = 0;
            stop(s);
            s->wd_fired = 1;
        } else if (s->state == ST_STOPPING && !s->killed && now >= s->deadline_ms) {
            s->killed = 1;
            pm_status st = pm_client_signal(s->c, s->proc, PM_SIGNAL_KILL);
            logmsg("%s: grace over: SIGKILL koid %llu (%s)", s->def->name,
                   (unsigned long long)s->koid, pm_status_name(st));
        }
    }
}

/* Free what a service holds (it runs no more). */
static void release(svc *s)
{
    if (s->log_r >= 0) {
        while (drain_log(s) > 0)
            ;
        if (!s->at_bol)
            write_all(s->log_fd, "\n", 1);
        close(s->log_r);
    }
    if (s->log_w >= 0)
        close(s->log_w);
    if (s->log_fd >= 0)
        close(s->log_fd);
    s->log_r = s->log_w = s->log_fd = -1;
    close_notify(s);
    drop_client(s);
    free(s->def);
    s->def = NULL;
}

/* Drop the services whose file is gone once they have stopped. */
static void compact(void)
{
    size_t k = 0;
    for (size_t i = 0; i < g_nsvc; i++) {
        svc *s = &g_svc[i];
        if (s->removed && s->state != ST_RUNNING && s->state != ST_STOPPING) {
            logmsg("%s: removed (its file is gone)", s->def->name);
            release(s);
            continue;
        }
        if (k != i)
            g_svc[k] = *s;
        k++;
    }
    g_nsvc = k;
}

static int open_log(svc *s, const char *logdir);
static void stop(svc *s);
static void operator_reset(svc *s);

/* Reload: read the directory again.  A new file's service starts; a
 * changed one gets its new definition (and a running one is restarted
 * with it); a removed file's service stops and is dropped; a refused file
 * leaves its service as it was; an unchanged one is not touched.  One
 * line per service into b: NAME, ACTION, MESSAGE. */
static void reload(void (*line)(void *, const char *, const char *, const char *), void *arg)
{
    int bad, n = scan_dir(g_dir, &bad);
    if (n < 0) {
        line(arg, "-", "refused", "the service directory cannot be read");
        return;
    }
    static char matched[SVC_MAX * 2];
    memset(matched, 0, sizeof matched);
    size_t old = g_nsvc;
    for (size_t i = 0; i < old; i++) {
        svc *s = &g_svc[i];
        scanned *e = NULL;
        for (int j = 0; j < n; j++)
            if (strcmp(g_scan[j].name, s->def->name) == 0) {
                e = &g_scan[j];
                matched[j] = 1;
            }
        if (s->removed) {
            /* still stopping after an earlier reload removed it */
            if (e != NULL) {
                free(e->def);
                line(arg, s->def->name, "refused",
                     "its earlier removal is still stopping it; reload again once it stopped");
            }
        } else if (e == NULL) {
            s->removed = 1;
            s->restart_after_stop = 0;
            stop(s);
            line(arg, s->def->name, "removed", NULL);
        } else if (e->def == NULL) {
            line(arg, s->def->name, "refused", e->err);
        } else if (svc_def_equal(s->def, e->def)) {
            free(e->def);
            line(arg, s->def->name, "unchanged", NULL);
        } else {
            free(s->def);
            s->def = e->def;
            if (s->def->log && s->log_r < 0)
                (void)open_log(s, g_logdir);
            logmsg("%s: new definition", s->def->name);
            if (s->state == ST_RUNNING) {
                s->restart_after_stop = 1;
                stop(s);
            }
            line(arg, s->def->name, "changed", NULL);
        }
    }
    for (int j = 0; j < n; j++) {
        scanned *e = &g_scan[j];
        if (matched[j])
            continue;
        if (e->def == NULL) {
            line(arg, e->name, "refused", e->err);
            continue;
        }
        svc *s = add_service(e->def);
        if (s == NULL) {
            free(e->def);
            line(arg, e->name, "refused", "more services than svcmgr holds");
            continue;
        }
        if (s->def->log)
            (void)open_log(s, g_logdir);
        operator_reset(s);
        s->state = ST_WAITING;
        try_start(s);
        line(arg, e->name, "added", NULL);
    }
}

/* ---- control socket ------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void bprintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->n = (size_t)n < b->cap - b->n ? b->n + (size_t)n : b->cap - 1;
}

/* Tabs and newlines cannot reach a field: names and paths are checked,
 * messages are ours; this keeps it so. */
static void bfield(buf *b, const char *s)
{
    if (s == NULL || s[0] == '\0') {
        bprintf(b, "\t-");
        return;
    }
    bprintf(b, "\t");
    for (; *s != '\0' && b->n + 2 < b->cap; s++)
        b->p[b->n++] = (*s == '\t' || *s == '\n') ? ' ' : *s;
    b->p[b->n] = '\0';
}

static void status_line(buf *b, const svc *s)
{
    uint64_t now = mono_ms();
    bprintf(b, "%s\t%s", s->def->name, state_name(s));
    if (s->koid != 0)
        bprintf(b, "\t%llu", (unsigned long long)s->koid);
    else
        bprintf(b, "\t-");
    bprintf(b, "\t%u", s->restarts);
    if (s->state == ST_RUNNING || s->state == ST_STOPPING)
        bprintf(b, "\t%llu", (unsigned long long)(now - s->started_ms));
    else
        bprintf(b, "\t-");
    if (s->end_kind != NULL)
        bprintf(b, "\t%s\t%u\t%s\t%llu", s->end_kind, s->end_code, s->end_reason,
                (unsigned long long)s->end_time_ms);
    else
        bprintf(b, "\t-\t-\t-\t-");
    if (s->state == ST_BACKOFF)
        bprintf(b, "\t%llu\t%llu",
                (unsigned long long)(s->deadline_ms > now ? s->deadline_ms - now : 0),
                (unsigned long long)s->delay_ms);
    else
        bprintf(b, "\t-\t-");
    bprintf(b, "\t%s\t%llu", policy_names[s->def->restart],
            (unsigned long long)s->def->stop_grace_ms);
    bfield(b, s->log_path);
    bfield(b, s->end_msg);
    bfield(b, s->status_text);
    /* the last ends, newest first: KIND:CODE:REASON:TIME_MS,... */
    size_t kept = sizeof s->ends / sizeof s->ends[0];
    size_t n = s->nends < kept ? s->nends : kept;
    bprintf(b, n == 0 ? "\t-" : "\t");
    for (size_t k = 0; k < n; k++) {
        size_t i = (s->nends - 1 - k) % kept;
        bprintf(b, "%s%s:%u:%s:%llu", k ? "," : "", s->ends[i].kind, s->ends[i].code,
                s->ends[i].reason, (unsigned long long)s->ends[i].time_ms);
    }
    bprintf(b, "\n");
}

/* A reload's line: NAME, ACTION, MESSAGE. */
static void reload_line(void *arg, const char *name, const char *action, const char *msg)
{
    buf *b = arg;
    bprintf(b, "%s\t%s", name, action);
    bfield(b, msg);
    bprintf(b, "\n");
}

static void log_reload_line(void *arg, const char *name, const char *action, const char *msg)
{
    (void)arg;
    logmsg("reload: %s: %s%s%s", name, action, msg ? ": " : "", msg ? msg : "");
}

static svc *find_svc(const char *name)
{
    for (size_t i = 0; i < g_nsvc; i++)
        if (strcmp(g_svc[i].def->name, name) == 0)
            return &g_svc[i];
    return NULL;
}

static void handle_request(int fd, const char *req, size_t n)
{
    static char rbuf[SVC_CTL_MSG_MAX];
    buf b = { rbuf, 0, sizeof rbuf };
    char cmd[SVC_CTL_REQ_MAX + 1], arg[SVC_CTL_REQ_MAX + 1];
    struct ucred cr;
    socklen_t crl = sizeof cr;
    rbuf[0] = '\0';
    cmd[0] = arg[0] = '\0';
    if (n > SVC_CTL_REQ_MAX || memchr(req, '\0', n) != NULL) {
        bprintf(&b, "error\tbad-request\ta request is at most %u bytes of text\n",
                SVC_CTL_REQ_MAX);
        goto send;
    }
    {
        char r[SVC_CTL_REQ_MAX + 1];
        memcpy(r, req, n);
        r[n] = '\0';
        char *sp = strchr(r, ' ');
        if (sp != NULL) {
            *sp = '\0';
            sfmt(arg, sizeof arg, "%s", sp + 1);
        }
        sfmt(cmd, sizeof cmd, "%s", r);
    }
    int is_reload = strcmp(cmd, "reload") == 0;
    int mutating = strcmp(cmd, "start") == 0 || strcmp(cmd, "stop") == 0 ||
                   strcmp(cmd, "restart") == 0 || is_reload;
    if (!mutating && strcmp(cmd, "status") != 0) {
        bprintf(&b, "error\tbad-request\tunknown command; status, start, stop, restart, "
                "reload\n");
        goto send;
    }
    if (is_reload && arg[0] != '\0') {
        bprintf(&b, "error\tbad-request\treload takes no name\n");
        goto send;
    }
    if (mutating && (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crl) != 0 ||
                     (cr.uid != 0 && cr.uid != geteuid()))) {
        bprintf(&b, "error\tnot-allowed\tonly root and svcmgr's user may start and stop "
                "services\n");
        goto send;
    }
    if (is_reload) {
        if (g_shutdown) {
            bprintf(&b, "error\tshutting-down\tsvcmgr is stopping every service and exiting\n");
            goto send;
        }
        bprintf(&b, "ok\n");
        reload(reload_line, &b);
        goto send;
    }
    svc *s = arg[0] != '\0' ? find_svc(arg) : NULL;
    if ((mutating || arg[0] != '\0') && s == NULL) {
        bprintf(&b, "error\tno-such-service\t%s\n",
                arg[0] == '\0' ? "a service name is needed" : "no such service (not loaded)");
        goto send;
    }
    if (strcmp(cmd, "status") == 0) {
        bprintf(&b, "ok\n");
        for (size_t i = 0; i < g_nsvc; i++)
            if (s == NULL || s == &g_svc[i])
                status_line(&b, &g_svc[i]);
        goto send;
    }
    if (g_shutdown) {
        bprintf(&b, "error\tshutting-down\tsvcmgr is stopping every service and exiting\n");
        goto send;
    }
    if (strcmp(cmd, "stop") == 0) {
        s->restart_after_stop = 0;
        s->wd_fired = 0;         /* a watchdog's stop under way ends stopped, too */
        stop(s);
    } else if (strcmp(cmd, "start") == 0) {
        if (s->state == ST_STOPPING) {
            s->restart_after_stop = 1;
        } else if (s->state != ST_RUNNING) {
            operator_reset(s);
            try_start(s);
        }
    } else {
        if (s->state == ST_RUNNING) {
            s->restart_after_stop = 1;
            stop(s);
        } else if (s->state == ST_STOPPING) {
            s->restart_after_stop = 1;
        } else {
            operator_reset(s);
            try_start(s);
        }
    }
    bprintf(&b, "ok\n");
    status_line(&b, s);
send:
    if (send(fd, b.p, b.n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        logmsg("control: reply not sent: %s", strerror(errno));
}

static int listen_control(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) {
        fprintf(stderr, "svcmgr: %s: control socket path too long\n", path);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    /* a socket file left by a svcmgr that died: nobody answers on it */
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
        int t = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (t >= 0 && connect(t, (struct sockaddr *)&a, sizeof a) == 0) {
            fprintf(stderr, "svcmgr: %s: another svcmgr answers there (--control PATH to "
                    "choose another)\n", path);
            close(t);
            close(fd);
            return -1;
        }
        if (t >= 0)
            close(t);
        unlink(path);
    }
    mode_t old = umask(077);
    int r = bind(fd, (struct sockaddr *)&a, sizeof a);
    umask(old);
    if (r != 0 || listen(fd, 16) != 0) {
        fprintf(stderr, "svcmgr: %s: cannot listen: %s (--control PATH to choose another)\n",
                path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- main ------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: svcmgr [--dir DIR] [--socket PATH] [--control PATH] [--log-dir DIR]\n"
            "       svcmgr --check [--dir DIR] | --help | --version\n"
            "Supervise the services of DIR (one NAME.service file each, spec/svcmgr.md):\n"
            "start them through procmgrd, restart them by their policy, stop them.\n"
            "  --dir DIR        the service files (default /etc/procmgr/services)\n"
            "  --socket PATH    procmgrd's socket (default: $PROCMGR_SOCKET, else\n"
            "                   /run/procmgr/procmgr.sock as root, else\n"
            "                   $XDG_RUNTIME_DIR/procmgr.sock)\n"
            "  --control PATH   svcmgr's socket for svcctl (default: $SVCMGR_SOCKET, else\n"
            "                   /run/procmgr/svcmgr.sock as root, else\n"
            "                   $XDG_RUNTIME_DIR/svcmgr.sock)\n"
            "  --log-dir DIR    service logs, DIR/NAME.log (default /var/log/procmgr as\n"
            "                   root, else $XDG_RUNTIME_DIR/procmgr-log)\n"
            "  --check          parse every service file, report, exit (1 if any refused)\n"
            "It stays in the foreground and logs to stderr; TERM or INT stops every\n"
            "service (stop signal, SIGKILL after the grace), then exits; HUP reloads\n"
            "the service files (as svcctl reload).\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pm_cli_usage_verror("svcmgr", NULL, fmt, ap);
    va_end(ap);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "dir", required_argument, NULL, 'd' },
        { "socket", required_argument, NULL, 's' },
        { "control", required_argument, NULL, 'c' },
        { "log-dir", required_argument, NULL, 'l' },
        { "check", no_argument, NULL, 'k' },
        { "foreground", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *dir = "/etc/procmgr/services", *control = NULL, *logdir = NULL;
    int check = 0, ch;
    char ctlbuf[108], logbuf[4096], pmbuf[108];
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":hV", lo, NULL)) != -1) {
        switch (ch) {
        case 'd': dir = optarg; break;
        case 's': g_pm_socket = optarg; break;
        case 'c': control = optarg; break;
        case 'l': logdir = optarg; break;
        case 'k': check = 1; break;
        case 'f': break;   /* always in the foreground */
        case 'h': usage(stdout); return 0;
        case 'V': printf("svcmgr (procmgr) %s\n", PROCMGR_VERSION); return 0;
        case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (check) {
        int bad, n = scan_dir(dir, &bad);
        for (int i = 0; i < n; i++)
            free(g_scan[i].def);
        if (n < 0)
            return 1;
        if (bad == 0)
            printf("svcmgr: %s: every service file is valid\n", dir);
        return bad == 0 ? 0 : 1;
    }
    if (g_pm_socket == NULL && (g_pm_socket = pm_client_default_socket(pmbuf, sizeof pmbuf)) == NULL)
        return usage_error("no procmgrd socket: $PROCMGR_SOCKET and $XDG_RUNTIME_DIR are not "
                           "set; use --socket PATH");
    if (control == NULL && (control = svc_ctl_default_path(ctlbuf, sizeof ctlbuf)) == NULL)
        return usage_error("no control socket path: $SVCMGR_SOCKET and $XDG_RUNTIME_DIR are "
                           "not set; use --control PATH");
    if (logdir == NULL) {
        const char *x = getenv("XDG_RUNTIME_DIR");
        if (geteuid() == 0)
            logdir = "/var/log/procmgr";
        else if (x != NULL && x[0] != '\0') {
            sfmt(logbuf, sizeof logbuf, "%s/procmgr-log", x);
            logdir = logbuf;
        } else
            return usage_error("no log directory: $XDG_RUNTIME_DIR is not set; use "
                               "--log-dir DIR");
    }
    if (mkdir(logdir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "svcmgr: %s: cannot make the log directory: %s\n", logdir,
                strerror(errno));
        return 1;
    }
    {
        pm_client *probe = NULL;
        if (pm_client_connect(g_pm_socket, &probe) != PM_OK) {
            fprintf(stderr, "svcmgr: %s: cannot connect to procmgrd: %s; is it running? "
                    "(--socket PATH)\n", g_pm_socket, strerror(errno));
            return EXIT_TRANSPORT;
        }
        pm_client_close(probe);
    }
    g_logged = 1;
    g_dir = dir;
    g_logdir = logdir;
    {
        int bad, n = scan_dir(dir, &bad);
        if (n < 0)
            return 1;
        for (int i = 0; i < n; i++)
            if (g_scan[i].def != NULL && add_service(g_scan[i].def) == NULL)
                free(g_scan[i].def);
    }

    srandom((unsigned)(real_ms() ^ (uint64_t)getpid() << 16));
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGHUP);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    signal(SIGPIPE, SIG_IGN);
    sfmt(g_notify_dir, sizeof g_notify_dir, "%s.notify", control);
    if (mkdir(g_notify_dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "svcmgr: %s: cannot make the notify directory: %s\n", g_notify_dir,
                strerror(errno));
        return 1;
    }
    int sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
    int lfd = listen_control(control);
    if (sfd < 0 || lfd < 0)
        return 1;

    /* every service waits at first, so that an `after` is ordered even
     * when its name sorts later */
    for (size_t i = 0; i < g_nsvc; i++) {
        if (g_svc[i].def->log)
            (void)open_log(&g_svc[i], g_logdir);
        g_svc[i].state = ST_WAITING;
    }
    for (size_t i = 0; i < g_nsvc; i++)
        try_start(&g_svc[i]);
    logmsg("ready on %s: %zu services from %s, logs in %s", control, g_nsvc, dir, logdir);
    printf("svcmgr: ready on %s\n", control);
    fflush(stdout);

    int conns[CONN_MAX];
    size_t nconn = 0;
    static struct pollfd pf[2 + CONN_MAX + 4 * SVC_MAX];
    static svc *who[2 + CONN_MAX + 4 * SVC_MAX];
    static char req[SVC_CTL_REQ_MAX + 2];
    for (;;) {
        compact();
        if (g_shutdown)
            shutdown_step();
        else
            start_waiting();
        timers();
        uint64_t now = mono_ms(), next = UINT64_MAX;
        int busy = 0;
        for (size_t i = 0; i < g_nsvc; i++) {
            svc *s = &g_svc[i];
            if (s->state == ST_RUNNING || s->state == ST_STOPPING)
                busy = 1;
            if ((s->state == ST_BACKOFF || (s->state == ST_STOPPING && !s->killed)) &&
                s->deadline_ms < next)
                next = s->deadline_ms;
            if (s->state == ST_RUNNING && s->wd_deadline_ms != 0 && s->wd_deadline_ms < next)
                next = s->wd_deadline_ms;
        }
        if (g_shutdown && !busy)
            break;
        size_t n = 0;
        pf[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
        who[n++] = NULL;
        pf[n] = (struct pollfd){ .fd = g_shutdown ? -1 : lfd, .events = POLLIN };
        who[n++] = NULL;
        for (size_t i = 0; i < nconn; i++) {
            pf[n] = (struct pollfd){ .fd = conns[i], .events = POLLIN };
            who[n++] = NULL;
        }
        size_t first_svc = n;
        for (size_t i = 0; i < g_nsvc; i++) {
            svc *s = &g_svc[i];
            pf[n] = (struct pollfd){ .fd = s->watch, .events = POLLIN };
            who[n++] = s;
            pf[n] = (struct pollfd){ .fd = s->log_r, .events = POLLIN };
            who[n++] = s;
            pf[n] = (struct pollfd){ .fd = s->notify_fd, .events = POLLIN };
            who[n++] = s;
            pf[n] = (struct pollfd){ .fd = s->ready_r, .events = POLLIN };
            who[n++] = s;
        }
        int timeout = next == UINT64_MAX ? -1
                    : next <= now ? 0 : (int)(next - now > 60000 ? 60000 : next - now);
        if (poll(pf, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            logmsg("poll: %s", strerror(errno));
            return 1;
        }
        /* logs and readiness first: what a run wrote or announced before
         * it ended goes before its end; a handler may close or replace a
         * service's descriptors, so each is checked to be still the one
         * polled */
        for (size_t i = first_svc; i < n; i += 4) {
            svc *s = who[i];
            if ((pf[i + 1].revents & POLLIN) && s->log_r == pf[i + 1].fd)
                while (drain_log(s) > 0)
                    ;
            if ((pf[i + 2].revents & POLLIN) && s->notify_fd == pf[i + 2].fd)
                on_notify(s);
            if ((pf[i + 3].revents & (POLLIN | POLLHUP | POLLERR)) && s->ready_r >= 0 &&
                s->ready_r == pf[i + 3].fd)
                on_ready_fd(s);
        }
        for (size_t i = first_svc; i < n; i += 4)
            if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && who[i]->watch >= 0 &&
                who[i]->watch == pf[i].fd)
                on_watch(who[i]);
        if (pf[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGHUP) {
                    if (!g_shutdown) {
                        logmsg("SIGHUP: reload of %s", g_dir);
                        reload(log_reload_line, NULL);
                    }
                    continue;
                }
                if (!g_shutdown)
                    logmsg("%s: stopping every service", strsignal((int)si.ssi_signo));
                g_shutdown = 1;
                for (size_t i = 0; i < g_nsvc; i++)
                    g_svc[i].restart_after_stop = 0;
            }
        }
        for (size_t i = 0; i < nconn; i++) {
            short re = pf[2 + i].revents;
            if (re & POLLIN) {
                ssize_t r = recv(conns[i], req, sizeof req, MSG_DONTWAIT | MSG_TRUNC);
                if (r > 0) {
                    handle_request(conns[i], req,
                                   (size_t)r > sizeof req ? sizeof req : (size_t)r);
                    continue;
                }
                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                    continue;
            } else if (!(re & (POLLHUP | POLLERR))) {
                continue;
            }
            close(conns[i]);
            conns[i] = -1;
        }
        size_t k = 0;
        for (size_t i = 0; i < nconn; i++)
            if (conns[i] >= 0)
                conns[k++] = conns[i];
        nconn = k;
        if (!g_shutdown && (pf[1].revents & POLLIN)) {
            int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (c >= 0 && nconn == CONN_MAX) {
                logmsg("control: more than %d connections; refused one", CONN_MAX);
                close(c);
            } else if (c >= 0) {
                conns[nconn++] = c;
            }
        }
    }
    for (size_t i = 0; i < g_nsvc; i++)
        release(&g_svc[i]);
    for (size_t i = 0; i < nconn; i++)
        close(conns[i]);
    close(lfd);
    unlink(control);
    (void)rmdir(g_notify_dir);
    close(sfd);
    logmsg("every service stopped; exiting");
    return 0;
}
