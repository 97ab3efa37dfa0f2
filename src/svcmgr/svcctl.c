/*
 * svcctl: command-line client of svcmgr (spec/svcmgr.md section 6).
 *
 *   svcctl [--socket PATH] [--json] COMMAND [NAME]
 *
 * The conventions of procctl (spec/daemon.md section 8a): getopt_long,
 * `--help` on stdout and exit 0, `--version`, one-line usage errors and
 * exit 2, `--json` through src/shell/json.c (one value per line).
 * Exit codes: 0 success; 1 svcmgr refused (no such service, not allowed);
 * 2 usage; 4 svcmgr cannot be reached, or the connection failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/version.h"
#include "../shell/cli.h"
#include "../shell/json.h"
#include "ctl.h"
#include "svcfile.h"

#define EXIT_REFUSED   1
#define EXIT_USAGE     2
#define EXIT_TRANSPORT 4

static pmj J;
static int g_json;
static const char *g_socket;

typedef struct command {
    const char *name, *synopsis, *summary, *details;
} command;

static const command commands[] = {
    { "status", "status [NAME]", "each service (or NAME): state, koid, restarts, last end",
      "Columns: NAME STATE KOID RESTARTS UPTIME LAST-END.  STATE is running,\n"
      "starting and ready (a service with a readiness protocol), backoff\n"
      "(waiting to restart), stopping, stopped or failed.  LAST-END is how\n"
      "the last run ended (exited CODE, killed SIG, faulted KIND, launch-failed,\n"
      "lost) and why (exit, stop, stop-kill, launch, lost).\n" },
    { "start", "start NAME", "start NAME now (a service in backoff: at once)", NULL },
    { "stop", "stop [--no-wait] NAME",
      "stop signal, SIGKILL after the grace; waits until it is stopped",
      "  --no-wait   return once the stop signal is sent\n" },
    { "restart", "restart [--no-wait] NAME", "stop NAME (if running), then start it",
      "  --no-wait   return once the stop signal is sent\n" },
    { "list", "list", "the services' names and states", NULL },
    { "logs", "logs [-n N] [-f] NAME", "the last lines of NAME's log (default 10)",
      "  -n, --lines N   the last N lines (0: none, with -f only what follows)\n"
      "  -f, --follow    then print what is appended, until interrupted\n"
      "Each line starts with the time svcmgr read it (UTC); --json: one object\n"
      "per line, {\"time\":..., \"line\":...}.  svcctl reads the file itself, so\n"
      "it needs read permission on it.\n" },
    { "reload", "reload",
      "read the service files again: start new ones, restart changed ones, stop removed ones",
      "Unchanged services are not touched.  A refused file leaves its service as it\n"
      "was; the refusal is printed (file:line) and the exit status is 1.\n" },
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

static void help_all(void)
{
    printf("usage: svcctl [--socket PATH] [--json] COMMAND [ARGS]\n"
           "       svcctl COMMAND --help | --help | --version\n"
           "Client of svcmgr, the service supervisor.  Options take their value as\n"
           "--opt VALUE or --opt=VALUE.\n"
           "  --socket PATH   svcmgr's control socket (default: $SVCMGR_SOCKET, else\n"
           "                  /run/procmgr/svcmgr.sock as root, else\n"
           "                  $XDG_RUNTIME_DIR/svcmgr.sock)\n"
           "  --json          JSON output (one value per line)\n"
           "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        printf("  %-8s %s\n", commands[i].name, commands[i].summary);
    printf("Exit: 0 ok, 1 refused by svcmgr, 2 usage, 4 svcmgr unreachable.\n");
}

static void help_command(const command *c)
{
    printf("usage: svcctl %s\n%s.\n", c->synopsis, c->summary);
    if (c->details != NULL)
        fputs(c->details, stdout);
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = pm_cli_usage_verror("svcctl", cmd, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- the control socket -------------------------------------------------------- */

static char g_reply[SVC_CTL_MSG_MAX + 1];

/* Send req, receive the reply into g_reply (NUL-terminated).  0, or an
 * exit code with the message printed. */
static int call(const char *req)
{
    char def[108];
    const char *path = g_socket != NULL ? g_socket : svc_ctl_default_path(def, sizeof def);
    if (path == NULL) {
        fprintf(stderr, "svcctl: no socket path: $SVCMGR_SOCKET and $XDG_RUNTIME_DIR are not "
                "set (the default /run/procmgr/svcmgr.sock is for root); use --socket PATH\n");
        return EXIT_USAGE;
    }
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) {
        fprintf(stderr, "svcctl: %s: socket path too long\n", path);
        return EXIT_USAGE;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        fprintf(stderr, "svcctl: %s: cannot connect to svcmgr: %s%s\n", path, strerror(e),
                e == ENOENT || e == ECONNREFUSED
                    ? "; is svcmgr running there? (--socket PATH to choose another)" : "");
        if (fd >= 0)
            close(fd);
        return EXIT_TRANSPORT;
    }
    ssize_t r = send(fd, req, strlen(req), MSG_NOSIGNAL);
    if (r >= 0)
        r = recv(fd, g_reply, SVC_CTL_MSG_MAX, 0);
    int e = errno;
    close(fd);
    if (r <= 0) {
        fprintf(stderr, "svcctl: %s: connection to svcmgr lost: %s\n", path,
                r == 0 ? "closed without a reply" : strerror(e));
        return EXIT_TRANSPORT;
    }
    g_reply[r] = '\0';
    return 0;
}

typedef struct status {
    char *f[SVC_F_COUNT];
} status;

#define MAX_LINES 1024
static status g_st[MAX_LINES];
static size_t g_nst;

/* Split g_reply: "ok" then status lines, or an error (printed; exit 1). */
static int parse_reply_n(const char *what, size_t nfields);
static int parse_reply(const char *what)
{
    return parse_reply_n(what, SVC_F_COUNT);
}

static int parse_reply_n(const char *what, size_t nfields)
{
    char *save = NULL, *line = strtok_r(g_reply, "\n", &save);
    if (line == NULL) {
        fprintf(stderr, "svcctl: empty reply from svcmgr\n");
        return EXIT_TRANSPORT;
    }
    if (strncmp(line, "error\t", 6) == 0) {
        char *code = line + 6, *msg = strchr(code, '\t');
        if (msg != NULL)
            *msg++ = '\0';
        fprintf(stderr, "svcctl: %s: %s (%s)\n", what, msg != NULL ? msg : "refused", code);
        return EXIT_REFUSED;
    }
    if (strcmp(line, "ok") != 0) {
        fprintf(stderr, "svcctl: malformed reply from svcmgr\n");
        return EXIT_TRANSPORT;
    }
    g_nst = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL && g_nst < MAX_LINES) {
        status *s = &g_st[g_nst];
        size_t n = 0;
        char *p = line;
        for (;;) {
            char *t = strchr(p, '\t');
            if (n < nfields)
                s->f[n] = p;
            n++;
            if (t == NULL)
                break;
            *t = '\0';
            p = t + 1;
        }
        if (n != nfields) {
            fprintf(stderr, "svcctl: malformed status line from svcmgr (%zu fields)\n", n);
            return EXIT_TRANSPORT;
        }
        g_nst++;
    }
    return 0;
}

static int none(const char *v) { return v[0] == '-' && v[1] == '\0'; }

static void kuint_or_null(const char *key, const char *v)
{
    if (none(v))
        pmj_knull(&J, key);
    else
        pmj_kuint(&J, key, strtoull(v, NULL, 10));
}

static void kstr_or_null(const char *key, const char *v)
{
    if (none(v))
        pmj_knull(&J, key);
    else
        pmj_kstr(&J, key, v);
}

/* An end's "signal_name" ("SIGTERM", null for an unnamed signal), for
 * a "killed" end only. */
static void ksignal_name(const char *kind, const char *code)
{
    if (strcmp(kind, "killed") != 0)
        return;
    const char *sn = svc_signal_name((uint32_t)strtoul(code, NULL, 10));
    char b[16];
    snprintf(b, sizeof b, "SIG%s", sn != NULL ? sn : "?");
    pmj_kstr(&J, "signal_name", sn != NULL ? b : NULL);
}

static void json_service(const status *s)
{
    char *const *f = s->f;
    pmj_object(&J);
    pmj_kstr(&J, "name", f[SVC_F_NAME]);
    pmj_kstr(&J, "state", f[SVC_F_STATE]);
    kuint_or_null("koid", f[SVC_F_KOID]);
    pmj_knull(&J, "pid");   /* procmgr's records carry no host pid */
    kuint_or_null("restarts", f[SVC_F_RESTARTS]);
    kuint_or_null("uptime_ms", f[SVC_F_UPTIME_MS]);
    pmj_key(&J, "last_end");
    if (none(f[SVC_F_END_KIND])) {
        pmj_null(&J);
    } else {
        pmj_object(&J);
        pmj_kstr(&J, "kind", f[SVC_F_END_KIND]);
        kuint_or_null("code", f[SVC_F_END_CODE]);
        ksignal_name(f[SVC_F_END_KIND], f[SVC_F_END_CODE]);
        pmj_kstr(&J, "reason", f[SVC_F_END_REASON]);
        kuint_or_null("time_ms", f[SVC_F_END_TIME_MS]);
        kstr_or_null("message", f[SVC_F_END_MESSAGE]);
        pmj_object_end(&J);
    }
    kuint_or_null("next_restart_ms", f[SVC_F_NEXT_RESTART_MS]);
    kuint_or_null("restart_delay_ms", f[SVC_F_DELAY_MS]);
    pmj_kstr(&J, "restart", f[SVC_F_POLICY]);
    kuint_or_null("stop_grace_ms", f[SVC_F_GRACE_MS]);
    kstr_or_null("log", f[SVC_F_LOG]);
    kstr_or_null("status_text", f[SVC_F_STATUS_TEXT]);
    pmj_key(&J, "ends");         /* the last 8, newest first */
    pmj_array(&J);
    if (!none(f[SVC_F_ENDS])) {
        char ends[4096];
        snprintf(ends, sizeof ends, "%s", f[SVC_F_ENDS]);
        for (char *save = NULL, *e = strtok_r(ends, ",", &save); e != NULL;
             e = strtok_r(NULL, ",", &save)) {
            char *kind = e, *code = strchr(kind, ':'), *reason = NULL, *when = NULL;
            if (code != NULL && (*code++ = '\0', reason = strchr(code, ':')) != NULL &&
                (*reason++ = '\0', when = strchr(reason, ':')) != NULL)
                *when++ = '\0';
            if (when == NULL)
                continue;
            pmj_object(&J);
            pmj_kstr(&J, "kind", kind);
            pmj_kuint(&J, "code", strtoull(code, NULL, 10));
            ksignal_name(kind, code);
            pmj_kstr(&J, "reason", reason);
            pmj_kuint(&J, "time_ms", strtoull(when, NULL, 10));
            pmj_object_end(&J);
        }
    }
    pmj_array_end(&J);
    pmj_object_end(&J);
}

/* {"services":[ ... ]} around the objects of status, list and reload */
static void services_begin(void)
{
    pmj_object(&J);
    pmj_key(&J, "services");
    pmj_array(&J);
}

static void services_end(void)
{
    pmj_array_end(&J);
    pmj_object_end(&J);
    pmj_newline(&J);
}

/* "exited 1 (exit, 15:16:35Z)" */
static void last_end_text(const status *s, char *b, size_t cap)
{
    char *const *f = s->f;
    if (none(f[SVC_F_END_KIND])) {
        snprintf(b, cap, "-");
        return;
    }
    char when[32] = "";
    time_t t = (time_t)(strtoull(f[SVC_F_END_TIME_MS], NULL, 10) / 1000u);
    struct tm tm;
    if (gmtime_r(&t, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    const char *sn = NULL;
    if (strcmp(f[SVC_F_END_KIND], "killed") == 0)
        sn = svc_signal_name((uint32_t)strtoul(f[SVC_F_END_CODE], NULL, 10));
    if (sn != NULL)
        snprintf(b, cap, "killed SIG%s (%s, %s)", sn, f[SVC_F_END_REASON], when);
    else if (strcmp(f[SVC_F_END_KIND], "launch-failed") == 0 || strcmp(f[SVC_F_END_KIND], "lost") == 0)
        snprintf(b, cap, "%s (%s): %s", f[SVC_F_END_KIND], when,
                 none(f[SVC_F_END_MESSAGE]) ? "" : f[SVC_F_END_MESSAGE]);
    else
        snprintf(b, cap, "%s %s (%s, %s)", f[SVC_F_END_KIND], f[SVC_F_END_CODE],
                 f[SVC_F_END_REASON], when);
}

static void text_service(const status *s)
{
    char *const *f = s->f;
    char end[512], up[32] = "-";
    if (!none(f[SVC_F_UPTIME_MS]))
        snprintf(up, sizeof up, "%.1fs", (double)strtoull(f[SVC_F_UPTIME_MS], NULL, 10) / 1000.0);
    last_end_text(s, end, sizeof end);
    printf("%-20s %-9s %-7s %-8s %-9s %s", f[SVC_F_NAME], f[SVC_F_STATE], f[SVC_F_KOID],
           f[SVC_F_RESTARTS], up, end);
    if (!none(f[SVC_F_NEXT_RESTART_MS]))
        printf("; restart in %s ms", f[SVC_F_NEXT_RESTART_MS]);
    if (!none(f[SVC_F_STATUS_TEXT]))
        printf("; status: %s", f[SVC_F_STATUS_TEXT]);
    putchar('\n');
}

/* ---- commands ------------------------------------------------------------------- */

static int cmd_status(const char *name)
{
    char req[SVC_CTL_REQ_MAX];
    snprintf(req, sizeof req, "status%s%s", name ? " " : "", name ? name : "");
    int rc = call(req);
    if (rc == 0)
        rc = parse_reply(name != NULL ? name : "status");
    if (rc != 0)
        return rc;
    if (g_json) {
        services_begin();
        for (size_t i = 0; i < g_nst; i++)
            json_service(&g_st[i]);
        services_end();
    } else {
        printf("%-20s %-9s %-7s %-8s %-9s %s\n", "NAME", "STATE", "KOID", "RESTARTS", "UPTIME",
               "LAST-END");
        for (size_t i = 0; i < g_nst; i++)
            text_service(&g_st[i]);
    }
    return 0;
}

static int cmd_action(const char *cmd, const char *name, int no_wait)
{
    char req[SVC_CTL_REQ_MAX];
    snprintf(req, sizeof req, "%s %s", cmd, name);
    int rc = call(req);
    if (rc == 0)
        rc = parse_reply(name);
    if (rc != 0)
        return rc;
    if (g_nst != 1) {
        fprintf(stderr, "svcctl: malformed reply from svcmgr\n");
        return EXIT_TRANSPORT;
    }
    /* stop and restart: until it is no longer stopping (svcmgr sends
     * SIGKILL after the grace, so this ends; the bound is generous) */
    if (!no_wait && strcmp(cmd, "start") != 0 && strcmp(g_st[0].f[SVC_F_STATE], "stopping") == 0) {
        uint64_t grace = strtoull(g_st[0].f[SVC_F_GRACE_MS], NULL, 10);
        uint64_t limit_ms = grace + 60000, waited = 0;
        char sreq[SVC_CTL_REQ_MAX];
        snprintf(sreq, sizeof sreq, "status %s", name);
        for (;;) {
            struct timespec ts = { 0, 50 * 1000000L };
            nanosleep(&ts, NULL);
            waited += 50;
            if ((rc = call(sreq)) != 0 || (rc = parse_reply(name)) != 0)
                return rc;
            if (g_nst != 1)
                return EXIT_TRANSPORT;
            if (strcmp(g_st[0].f[SVC_F_STATE], "stopping") != 0)
                break;
            if (waited > limit_ms) {
                fprintf(stderr, "svcctl: %s: still stopping after %llu ms\n", name,
                        (unsigned long long)waited);
                return EXIT_REFUSED;
            }
        }
    }
    if (g_json) {
        json_service(&g_st[0]);
        pmj_newline(&J);
    } else {
        printf("%s: %s\n", name, g_st[0].f[SVC_F_STATE]);
    }
    return 0;
}

static int cmd_list(void)
{
    int rc = call("status");
    if (rc == 0)
        rc = parse_reply("list");
    if (rc != 0)
        return rc;
    if (g_json) {
        services_begin();
        for (size_t i = 0; i < g_nst; i++) {
            pmj_object(&J);
            pmj_kstr(&J, "name", g_st[i].f[SVC_F_NAME]);
            pmj_kstr(&J, "state", g_st[i].f[SVC_F_STATE]);
            pmj_object_end(&J);
        }
        services_end();
    } else {
        for (size_t i = 0; i < g_nst; i++)
            printf("%s %s\n", g_st[i].f[SVC_F_NAME], g_st[i].f[SVC_F_STATE]);
    }
    return 0;
}

static int cmd_reload(void)
{
    int rc = call("reload");
    if (rc == 0)
        rc = parse_reply_n("reload", 3);
    if (rc != 0)
        return rc;
    int refused = 0;
    if (g_json) {
        services_begin();
    }
    for (size_t i = 0; i < g_nst; i++) {
        char *const *f = g_st[i].f;
        if (strcmp(f[1], "refused") == 0)
            refused = 1;
        if (g_json) {
            pmj_object(&J);
            pmj_kstr(&J, "name", f[0]);
            pmj_kstr(&J, "action", f[1]);
            kstr_or_null("message", f[2]);
            pmj_object_end(&J);
        } else if (none(f[2])) {
            printf("%s: %s\n", f[0], f[1]);
        } else {
            printf("%s: %s: %s\n", f[0], f[1], f[2]);
        }
    }
    if (g_json) {
        services_end();
    }
    return refused ? EXIT_REFUSED : 0;
}

/* One log line: "STAMP TEXT" (the stamp svcmgr wrote), to stdout. */
static void log_line(const char *l, size_t n)
{
    if (!g_json) {
        fwrite(l, 1, n, stdout);
        putchar('\n');
        return;
    }
    const char *sp = memchr(l, ' ', n);
    pmj_object(&J);
    if (sp != NULL && sp > l && sp[-1] == 'Z' && l[0] >= '0' && l[0] <= '9') {
        pmj_key(&J, "time");
        pmj_strn(&J, l, (size_t)(sp - l));
        pmj_key(&J, "line");
        pmj_strn(&J, sp + 1, n - (size_t)(sp - l) - 1);
    } else {
        pmj_knull(&J, "time");
        pmj_key(&J, "line");
        pmj_strn(&J, l, n);
    }
    pmj_object_end(&J);
    pmj_newline(&J);
}

#define LOG_TAIL_MAX (8u * 1024u * 1024u)   /* the last bytes read for -n */

static int cmd_logs(const char *name, uint64_t nlines, int follow)
{
    char req[SVC_CTL_REQ_MAX];
    snprintf(req, sizeof req, "status %s", name);
    int rc = call(req);
    if (rc == 0)
        rc = parse_reply(name);
    if (rc != 0)
        return rc;
    if (g_nst != 1)
        return EXIT_TRANSPORT;
    const char *path = g_st[0].f[SVC_F_LOG];
    if (none(path)) {
        fprintf(stderr, "svcctl: %s: no log (log = none, or svcmgr could not open it)\n", name);
        return EXIT_REFUSED;
    }
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        fprintf(stderr, "svcctl: %s: %s: %s\n", name, path, strerror(errno));
        return EXIT_REFUSED;
    }
    /* the last nlines lines of the file's last LOG_TAIL_MAX bytes */
    long end, start;
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0) {
        fprintf(stderr, "svcctl: %s: %s: cannot seek\n", name, path);
        fclose(f);
        return EXIT_REFUSED;
    }
    start = end > (long)LOG_TAIL_MAX ? end - (long)LOG_TAIL_MAX : 0;
    size_t len = (size_t)(end - start);
    char *b = malloc(len + 1);
    if (b == NULL || fseek(f, start, SEEK_SET) != 0 || fread(b, 1, len, f) != len) {
        fprintf(stderr, "svcctl: %s: %s: cannot read\n", name, path);
        free(b);
        fclose(f);
        return EXIT_REFUSED;
    }
    size_t full = len;               /* the complete lines end here */
    while (full > 0 && b[full - 1] != '\n')
        full--;
    size_t from = full;
    uint64_t k = 0;
    while (from > 0 && k < nlines) {
        size_t q = from - 1;         /* the '\n' ending a line */
        while (q > 0 && b[q - 1] != '\n')
            q--;
        from = q;
        k++;
    }
    for (size_t p = from; p < full;) {
        char *nl = memchr(b + p, '\n', full - p);
        log_line(b + p, (size_t)(nl - (b + p)));
        p = (size_t)(nl - b) + 1;
    }
    free(b);
    fflush(stdout);
    long pos = start + (long)full;   /* a partial last line is printed once complete */
    while (follow) {
        struct timespec ts = { 0, 200 * 1000000L };
        nanosleep(&ts, NULL);
        if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0)
            break;
        if (end < pos)
            pos = 0;                 /* the file was truncated */
        if (end == pos)
            continue;
        char chunk[65536];
        size_t want = (size_t)(end - pos) < sizeof chunk ? (size_t)(end - pos) : sizeof chunk;
        if (fseek(f, pos, SEEK_SET) != 0 || fread(chunk, 1, want, f) != want)
            break;
        size_t last = want;
        while (last > 0 && chunk[last - 1] != '\n')
            last--;
        if (last == 0 && want == sizeof chunk)
            last = want;             /* a line longer than the chunk: in pieces */
        for (size_t p = 0; p < last;) {
            char *nl = memchr(chunk + p, '\n', last - p);
            size_t e = nl != NULL ? (size_t)(nl - chunk) : last;
            log_line(chunk + p, e - p);
            p = e + 1;
        }
        pos += (long)last;
        fflush(stdout);
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option glo[] = {
        { "socket", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    int ch;
    pmj_init(&J, stdout);
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+:hV", glo, NULL)) != -1) {
        switch (ch) {
        case 's': g_socket = optarg; break;
        case 'j': g_json = 1; break;
        case 'h': help_all(); return 0;
        case 'V': printf("svcctl (procmgr) %s\n", PROCMGR_VERSION); return 0;
        case ':': return usage_error(NULL, "option '%s' needs a value", argv[optind - 1]);
        default: return usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return usage_error(NULL, "a command is needed (status, list, start, stop, restart, "
                           "logs, reload)");
    const command *c = find_command(argv[optind]);
    if (c == NULL)
        return usage_error(NULL, "unknown command '%s'", argv[optind]);
    /* the command's own options, before or after its operands */
    static const struct option clo[] = {
        { "help", no_argument, NULL, 'h' },
        { "json", no_argument, NULL, 'j' },
        { "no-wait", no_argument, NULL, 'W' },
        { "lines", required_argument, NULL, 'n' },
        { "follow", no_argument, NULL, 'f' },
        { NULL, 0, NULL, 0 },
    };
    int cargc = argc - optind, no_wait = 0, follow = 0;
    uint64_t nlines = 10;
    int is_logs = strcmp(c->name, "logs") == 0;
    char **cargv = argv + optind;
    optind = 0;
    while ((ch = getopt_long(cargc, cargv, is_logs ? ":hn:f" : ":h", clo, NULL)) != -1) {
        switch (ch) {
        case 'h': help_command(c); return 0;
        case 'j': g_json = 1; break;
        case 'n': {
            char *end;
            if (!is_logs)
                return usage_error(c->name, "unknown option '--lines'");
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno != 0 || v > 1000000)
                return usage_error(c->name, "-n '%s': not a number of lines (0 to 1000000)",
                                   optarg);
            nlines = v;
            break;
        }
        case 'f':
            if (!is_logs)
                return usage_error(c->name, "unknown option '--follow'");
            follow = 1;
            break;
        case ':':
            return usage_error(c->name, "option '%s' needs a value",
                               optopt != 0 && strncmp(cargv[optind - 1], "--", 2) != 0
                                   ? "-n" : cargv[optind - 1]);
        case 'W':
            if (strcmp(c->name, "stop") != 0 && strcmp(c->name, "restart") != 0)
                return usage_error(c->name, "unknown option '--no-wait'");
            no_wait = 1;
            break;
        default: {
            const char *arg = cargv[optind - 1];
            char shortbuf[3] = { '-', (char)optopt, '\0' };
            if (optopt != 0 && strncmp(arg, "--", 2) != 0)
                arg = shortbuf;
            return usage_error(c->name, "unknown option '%s'", arg);
        }
        }
    }
    int nops = cargc - optind;
    char **ops = cargv + optind;
    if (strcmp(c->name, "help") == 0) {
        if (nops == 0) {
            help_all();
            return 0;
        }
        const command *h = find_command(ops[0]);
        if (nops > 1)
            return usage_error("help", "unexpected argument '%s'", ops[1]);
        if (h == NULL)
            return usage_error("help", "unknown command '%s'", ops[0]);
        help_command(h);
        return 0;
    }
    int needs_name = strcmp(c->name, "status") != 0 && strcmp(c->name, "list") != 0 &&
                     strcmp(c->name, "reload") != 0;
    if (!needs_name && strcmp(c->name, "status") != 0 && nops > 0)
        return usage_error(c->name, "unexpected argument '%s'", ops[0]);
    if (nops > 1)
        return usage_error(c->name, "unexpected argument '%s'", ops[1]);
    if (needs_name && nops == 0)
        return usage_error(c->name, "a service NAME is needed");
    if (nops == 1) {
        char fn[SVC_NAME_MAX + 16], nm[SVC_NAME_MAX + 1];
        if (strlen(ops[0]) > SVC_NAME_MAX ||
            (snprintf(fn, sizeof fn, "%s.service", ops[0]), svc_name_of(fn, nm) != 0))
            return usage_error(c->name, "'%s' is not a service name (1 to %u bytes of letters, "
                               "digits, '_', '.', '@', '-')", ops[0], SVC_NAME_MAX);
    }
    if (strcmp(c->name, "status") == 0)
        return cmd_status(nops == 1 ? ops[0] : NULL);
    if (strcmp(c->name, "list") == 0)
        return cmd_list();
    if (strcmp(c->name, "reload") == 0)
        return cmd_reload();
    if (is_logs)
        return cmd_logs(ops[0], nlines, follow);
    return cmd_action(c->name, ops[0], no_wait);
}
