/*
 * svcmgr's service-file parser (svcfile.h, spec/svcmgr.md section 2).
 * No I/O and no allocation: the caller reads the file (at most
 * SVC_FILE_MAX bytes) and gives the bytes.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "procmgr/proto.h"
#include "svcfile.h"

void svc_def_init(svc_def *d)
{
    memset(d, 0, sizeof *d);
    d->restart = SVC_RESTART_ON_FAILURE;
    d->restart_delay_ms = 1000;
    d->restart_max_delay_ms = 60000;
    d->restart_backoff_milli = 2000;
    d->restart_reset_ms = 60000;
    d->stop_signal = 15;
    d->stop_grace_ms = 10000;
    d->log = 1;
    d->log_max_size = 10u << 20;
    d->log_keep = 5;
}

static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '@' || c == '-';
}

int svc_name_of(const char *filename, char *name)
{
    static const char suffix[] = ".service";
    size_t n = strlen(filename), s = sizeof suffix - 1;
    if (n <= s || strcmp(filename + n - s, suffix) != 0)
        return -1;
    n -= s;
    if (n > SVC_NAME_MAX || filename[0] == '.')
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!name_char((unsigned char)filename[i]))
            return -1;
    memcpy(name, filename, n);
    name[n] = '\0';
    return 0;
}

static int words_equal(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    if (na != nb)
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i], b[i]) != 0)
            return 0;
    return 1;
}

int svc_def_equal(const svc_def *a, const svc_def *b)
{
    return strcmp(a->name, b->name) == 0 && words_equal(a->argv, a->argc, b->argv, b->argc) &&
           words_equal(a->env, a->envc, b->env, b->envc) && strcmp(a->cwd, b->cwd) == 0 &&
           a->restart == b->restart && a->restart_delay_ms == b->restart_delay_ms &&
           a->restart_max_delay_ms == b->restart_max_delay_ms &&
           a->restart_backoff_milli == b->restart_backoff_milli &&
           a->restart_reset_ms == b->restart_reset_ms &&
           a->restart_jitter_pct == b->restart_jitter_pct &&
           a->restart_limit == b->restart_limit && a->restart_limit_ms == b->restart_limit_ms &&
           a->stop_signal == b->stop_signal && a->stop_grace_ms == b->stop_grace_ms &&
           a->has_priority == b->has_priority && a->priority == b->priority && a->log == b->log &&
           a->log_max_size == b->log_max_size && a->log_keep == b->log_keep &&
           a->ready == b->ready && a->ready_fd == b->ready_fd && a->watchdog_ms == b->watchdog_ms &&
           words_equal(a->requires, a->nrequires, b->requires, b->nrequires) &&
           words_equal(a->after, a->nafter, b->after, b->nafter) &&
           a->rlimit_set == b->rlimit_set &&
           memcmp(a->rlimit_soft, b->rlimit_soft, sizeof a->rlimit_soft) == 0 &&
           memcmp(a->rlimit_hard, b->rlimit_hard, sizeof a->rlimit_hard) == 0 &&
           a->job_pids == b->job_pids && a->job_memory == b->job_memory;
}

/* ---- signals ----------------------------------------------------------------- */

/* The names are the C library's (sigabbrev_np: HUP ... SYS for 1..31). */
const char *svc_signal_name(uint32_t sig)
{
    return sig >= 1 && sig <= 64 ? sigabbrev_np((int)sig) : NULL;
}

int svc_signal_parse(const char *s, uint32_t *sig)
{
    if (s[0] >= '0' && s[0] <= '9') {
        uint32_t v = 0;
        for (const char *p = s; *p != '\0'; p++) {
            if (*p < '0' || *p > '9' || v > 64)
                return -1;
            v = v * 10 + (uint32_t)(*p - '0');
        }
        if (v < 1 || v > 64)
            return -1;
        *sig = v;
        return 0;
    }
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (uint32_t n = 1; n <= 64; n++) {
        const char *name = sigabbrev_np((int)n);
        if (name != NULL && strcasecmp(s, name) == 0) {
            *sig = n;
            return 0;
        }
    }
    return -1;
}

/* ---- words ----------------------------------------------------------------- */

int svc_split_words(const char *v, size_t n, char *buf, size_t bufcap,
                    const char **words, size_t maxwords, const char **why)
{
    size_t i = 0, o = 0, nw = 0;
    for (;;) {
        while (i < n && (v[i] == ' ' || v[i] == '\t'))
            i++;
        if (i == n)
            break;
        if (nw == maxwords) {
            *why = "too many words (at most 256)";
            return -1;
        }
        words[nw] = buf + o;
        while (i < n && v[i] != ' ' && v[i] != '\t') {
            char c = v[i];
            if (c == '\'') {
                size_t j = i + 1;
                while (j < n && v[j] != '\'')
                    j++;
                if (j == n) {
                    *why = "a single quote (') is not closed; close it, or write \\' "
                           "for a quote character";
                    return -1;
                }
                if (o + (j - i - 1) >= bufcap) {
                    *why = "value too long";
                    return -1;
                }
                memcpy(buf + o, v + i + 1, j - i - 1);
                o += j - i - 1;
                i = j + 1;
            } else if (c == '"') {
                i++;
                for (;;) {
                    if (i == n) {
                        *why = "a double quote (\") is not closed; close it, or write \\\" "
                               "for a quote character";
                        return -1;
                    }
                    if (v[i] == '"') {
                        i++;
                        break;
                    }
                    char ch = v[i];
                    if (ch == '\\') {
                        if (i + 1 == n || (v[i + 1] != '"' && v[i + 1] != '\\')) {
                            *why = "inside double quotes a backslash may only escape \" or \\ "
                                   "(write \\\\ for a backslash)";
                            return -1;
                        }
                        ch = v[i + 1];
                        i++;
                    }
                    if (o + 1 >= bufcap) {
                        *why = "value too long";
                        return -1;
                    }
                    buf[o++] = ch;
                    i++;
                }
            } else {
                if (c == '\\') {
                    if (i + 1 == n || strchr(" \t'\"\\", v[i + 1]) == NULL) {
                        *why = "outside quotes a backslash may only escape a space, a tab, "
                               "', \" or \\ (quote the word instead)";
                        return -1;
                    }
                    c = v[i + 1];
                    i++;
                }
                if (o + 1 >= bufcap) {
                    *why = "value too long";
                    return -1;
                }
                buf[o++] = c;
                i++;
            }
        }
        if (o + 1 > bufcap) {
            *why = "value too long";
            return -1;
        }
        buf[o++] = '\0';
        nw++;
    }
    words[nw] = NULL;
    return (int)nw;
}

/* ---- values ----------------------------------------------------------------- */

/* DURATION: digits then ms, s, min or h; at most SVC_DURATION_MAX_MS. */
static int parse_duration(const char *s, uint64_t *ms)
{
    uint64_t v = 0;
    size_t i = 0;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    while (s[i] >= '0' && s[i] <= '9') {
        if (v > SVC_DURATION_MAX_MS)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    uint64_t mul;
    if (strcmp(s + i, "ms") == 0)
        mul = 1;
    else if (strcmp(s + i, "s") == 0)
        mul = 1000;
    else if (strcmp(s + i, "min") == 0)
        mul = 60000;
    else if (strcmp(s + i, "h") == 0)
        mul = 3600000;
    else
        return -1;
    if (v > SVC_DURATION_MAX_MS / mul)
        return -1;
    *ms = v * mul;
    return 0;
}

/* A limit's value: "unlimited" (UINT64_MAX), or digits with, when
 * sized, a K, M, G or T suffix (powers of 1024), without overflow. */
static int parse_limit(const char *s, int sized, uint64_t *v)
{
    uint64_t x = 0;
    size_t i = 0;
    if (strcmp(s, "unlimited") == 0) {
        *v = UINT64_MAX;
        return 0;
    }
    if (s[0] < '0' || s[0] > '9')
        return -1;
    while (s[i] >= '0' && s[i] <= '9') {
        uint64_t dgt = (uint64_t)(s[i] - '0');
        if (x > (UINT64_MAX - 1 - dgt) / 10)
            return -1;
        x = x * 10 + dgt;
        i++;
    }
    unsigned shift = 0;
    if (sized && s[i] != '\0' && s[i + 1] == '\0') {
        const char *u = strchr("KMGT", s[i]);
        if (u == NULL)
            return -1;
        shift = 10u * (unsigned)(u - "KMGT" + 1);
        i++;
    }
    if (s[i] != '\0' || (shift != 0 && x > ((UINT64_MAX - 1) >> shift)))
        return -1;
    *v = x << shift;
    return 0;
}

/* SIZE: digits, then nothing (bytes) or K, M, G, T (powers of 1024), in
 * [SVC_LOG_SIZE_MIN, SVC_LOG_SIZE_MAX]. */
static int parse_size(const char *s, uint64_t *v)
{
    uint64_t x;
    if (strcmp(s, "unlimited") == 0 || parse_limit(s, 1, &x) != 0 || x < SVC_LOG_SIZE_MIN ||
        x > SVC_LOG_SIZE_MAX)
        return -1;
    *v = x;
    return 0;
}

/* FACTOR: 1 to 16, at most 3 decimals ("1.5"); in thousandths. */
static int parse_factor(const char *s, uint32_t *milli)
{
    uint32_t ip = 0, fp = 0, scale = 1000;
    size_t i = 0;
    if (s[0] < '0' || s[0] > '9')
        return -1;
    while (s[i] >= '0' && s[i] <= '9') {
        if (ip > 100)
            return -1;
        ip = ip * 10 + (uint32_t)(s[i] - '0');
        i++;
    }
    if (s[i] == '.') {
        i++;
        if (s[i] < '0' || s[i] > '9')
            return -1;
        while (s[i] >= '0' && s[i] <= '9') {
            if (scale == 1)
                return -1;
            scale /= 10;
            fp += scale * (uint32_t)(s[i] - '0');
            i++;
        }
    }
    if (s[i] != '\0' || ip > 16)
        return -1;
    uint32_t m = ip * 1000 + fp;
    if (m < 1000 || m > 16000)
        return -1;
    *milli = m;
    return 0;
}

static int env_name_ok(const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

/* ---- the file ----------------------------------------------------------------- */

enum key_id {
    K_EXEC, K_ENV, K_CWD, K_RESTART, K_RESTART_DELAY, K_RESTART_MAX_DELAY,
    K_RESTART_BACKOFF, K_RESTART_RESET, K_RESTART_JITTER, K_RESTART_LIMIT, K_STOP_SIGNAL,
    K_STOP_GRACE, K_PRIORITY, K_LOG, K_LOG_MAX_SIZE, K_LOG_KEEP, K_READY, K_WATCHDOG, K_REQUIRES,
    K_AFTER, K_LIMIT_AS, K_LIMIT_CPU, K_LIMIT_NOFILE, K_LIMIT_NPROC, K_JOB_PIDS, K_JOB_MEMORY,
    K_COUNT
};
static const char *const key_names[K_COUNT] = {
    "exec", "env", "cwd", "restart", "restart-delay", "restart-max-delay",
    "restart-backoff", "restart-reset-after", "restart-jitter", "restart-limit", "stop-signal",
    "stop-grace", "priority", "log", "log-max-size", "log-keep", "ready", "watchdog", "requires",
    "after", "limit-as", "limit-cpu", "limit-nofile", "limit-nproc", "job-pids", "job-memory",
};

static const char *const priority_names[] = {
    "background", "low", "normal", "high", "codec", "realtime"
};

typedef struct perr {
    char *buf;
    size_t cap;
    const char *path;
} perr;

static int fail(perr *e, size_t line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(perr *e, size_t line, const char *key, const char *fmt, ...)
{
    int n;
    if (line != 0 && key != NULL)
        n = snprintf(e->buf, e->cap, "%s:%zu: %s: ", e->path, line, key);
    else if (line != 0)
        n = snprintf(e->buf, e->cap, "%s:%zu: ", e->path, line);
    else
        n = snprintf(e->buf, e->cap, "%s: ", e->path);
    if (n >= 0 && (size_t)n < e->cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->buf + n, e->cap - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A single word (cwd, and every scalar value once unquoted): the value
 * split, exactly one word.  Returns 0, or -1 with why. */
static int one_word(const char *v, size_t n, char *out, size_t cap, const char **why)
{
    const char *w[2];
    int nw = svc_split_words(v, n, out, cap, w, 1, why);
    if (nw < 0) {
        if (strncmp(*why, "too many", 8) == 0)
            *why = "one value expected (quote it if it holds spaces)";
        return -1;
    }
    if (nw == 0) {
        *why = "empty value";
        return -1;
    }
    return 0;
}

static int set_key(perr *e, size_t line, enum key_id k, const char *v, size_t n, svc_def *d)
{
    const char *why = NULL;
    const char *key = key_names[k];
    char w[SVC_LINE_MAX + 1];

    if (k == K_EXEC) {
        int nw = svc_split_words(v, n, d->argbuf, sizeof d->argbuf, d->argv, SVC_WORDS_MAX, &why);
        if (nw < 0)
            return fail(e, line, key, "%s", why);
        if (nw == 0)
            return fail(e, line, key, "empty value; write the program's absolute path and "
                        "its arguments");
        if (d->argv[0][0] != '/')
            return fail(e, line, key, "'%s' is not an absolute path; write the program's "
                        "full path (no PATH search)", d->argv[0]);
        d->argc = (size_t)nw;
        return 0;
    }
    if (k == K_ENV) {
        int nw = svc_split_words(v, n, d->envbuf, sizeof d->envbuf, d->env, SVC_WORDS_MAX, &why);
        if (nw < 0)
            return fail(e, line, key, "%s", why);
        if (nw == 0)
            return fail(e, line, key, "empty value; write NAME=VALUE words");
        for (int i = 0; i < nw; i++) {
            const char *eq = strchr(d->env[i], '=');
            if (eq == NULL || !env_name_ok(d->env[i], (size_t)(eq - d->env[i])))
                return fail(e, line, key, "'%s' is not NAME=VALUE with NAME of letters, "
                            "digits and _ (not starting with a digit)", d->env[i]);
            for (int j = 0; j < i; j++)
                if (strncmp(d->env[j], d->env[i], (size_t)(eq - d->env[i]) + 1) == 0)
                    return fail(e, line, key, "%.*s is set twice; keep one", (int)(eq - d->env[i]),
                                d->env[i]);
        }
        d->envc = (size_t)nw;
        return 0;
    }
    if (k == K_REQUIRES || k == K_AFTER) {
        int r = k == K_REQUIRES;
        const char **names = r ? d->requires : d->after;
        int nw = svc_split_words(v, n, d->depbuf[r], sizeof d->depbuf[r], names, SVC_DEPS_MAX,
                                 &why);
        if (nw < 0)
            return fail(e, line, key, "%s", strncmp(why, "too many", 8) == 0
                                                ? "too many names (at most 32)" : why);
        if (nw == 0)
            return fail(e, line, key, "empty value; write service names");
        for (int i = 0; i < nw; i++) {
            char fn[SVC_NAME_MAX + 16], nm[SVC_NAME_MAX + 1];
            if (strlen(names[i]) > SVC_NAME_MAX ||
                (snprintf(fn, sizeof fn, "%s.service", names[i]), svc_name_of(fn, nm) != 0))
                return fail(e, line, key, "'%s' is not a service name", names[i]);
            if (strcmp(names[i], d->name) == 0)
                return fail(e, line, key, "a service cannot name itself");
            for (int j = 0; j < i; j++)
                if (strcmp(names[j], names[i]) == 0)
                    return fail(e, line, key, "%s is named twice; keep one", names[i]);
        }
        if (r)
            d->nrequires = (size_t)nw;
        else
            d->nafter = (size_t)nw;
        return 0;
    }
    if (one_word(v, n, w, sizeof w, &why) != 0)
        return fail(e, line, key, "%s", why);
    switch (k) {
    case K_CWD:
        if (w[0] != '/')
            return fail(e, line, key, "'%s' is not an absolute path", w);
        memcpy(d->cwd, w, strlen(w) + 1);
        return 0;
    case K_RESTART:
        if (strcmp(w, "no") == 0)
            d->restart = SVC_RESTART_NO;
        else if (strcmp(w, "on-failure") == 0)
            d->restart = SVC_RESTART_ON_FAILURE;
        else if (strcmp(w, "always") == 0)
            d->restart = SVC_RESTART_ALWAYS;
        else
            return fail(e, line, key, "'%s' is not a policy; write no, on-failure or always", w);
        return 0;
    case K_RESTART_DELAY:
    case K_RESTART_MAX_DELAY:
    case K_RESTART_RESET:
    case K_STOP_GRACE: {
        uint64_t ms;
        if (parse_duration(w, &ms) != 0)
            return fail(e, line, key, "'%s' is not a duration; write a number with ms, s, "
                        "min or h (500ms, 2s, 1min), at most 7 days", w);
        if (k == K_RESTART_DELAY)
            d->restart_delay_ms = ms;
        else if (k == K_RESTART_MAX_DELAY)
            d->restart_max_delay_ms = ms;
        else if (k == K_RESTART_RESET)
            d->restart_reset_ms = ms;
        else
            d->stop_grace_ms = ms;
        return 0;
    }
    case K_RESTART_BACKOFF:
        if (parse_factor(w, &d->restart_backoff_milli) != 0)
            return fail(e, line, key, "'%s' is not a factor; write a number from 1 to 16 with "
                        "at most 3 decimals (2, 1.5)", w);
        return 0;
    case K_RESTART_JITTER: {
        size_t l = strlen(w);
        uint32_t num = 0;
        int okv = l >= 2 && l <= 4 && w[l - 1] == '%';
        for (size_t i = 0; okv && i + 1 < l; i++) {
            if (w[i] < '0' || w[i] > '9')
                okv = 0;
            else
                num = num * 10 + (uint32_t)(w[i] - '0');
        }
        if (!okv || num > 100)
            return fail(e, line, key, "'%s' is not a percentage; write 0%% to 100%% (10%%)", w);
        d->restart_jitter_pct = num;
        return 0;
    }
    case K_RESTART_LIMIT: {
        if (strcmp(w, "none") == 0) {
            d->restart_limit = 0;
            d->restart_limit_ms = 0;
            return 0;
        }
        char *slash = strchr(w, '/');
        uint32_t num = 0;
        int okv = slash != NULL && slash != w && slash - w <= 3;
        for (char *q = w; okv && q < slash; q++) {
            if (*q < '0' || *q > '9')
                okv = 0;
            else
                num = num * 10 + (uint32_t)(*q - '0');
        }
        if (okv && (num < 1 || num > SVC_RESTART_LIMIT_MAX || parse_duration(slash + 1,
                                                                         &d->restart_limit_ms) != 0 ||
                    d->restart_limit_ms == 0))
            okv = 0;
        if (!okv)
            return fail(e, line, key, "'%s' is not N/DURATION; write none, or 1 to %u restarts "
                        "per duration (5/1min)", w, SVC_RESTART_LIMIT_MAX);
        d->restart_limit = num;
        return 0;
    }
    case K_STOP_SIGNAL:
        if (svc_signal_parse(w, &d->stop_signal) != 0)
            return fail(e, line, key, "'%s' is not a signal; write a name (TERM, SIGINT) or a "
                        "number from 1 to 64", w);
        return 0;
    case K_PRIORITY:
        for (uint32_t i = 0; i < sizeof priority_names / sizeof priority_names[0]; i++)
            if (strcmp(w, priority_names[i]) == 0) {
                d->has_priority = 1;
                d->priority = i;
                return 0;
            }
        return fail(e, line, key, "'%s' is not a level; write background, low, normal, high, "
                    "codec or realtime", w);
    case K_LOG:
        if (strcmp(w, "file") == 0)
            d->log = 1;
        else if (strcmp(w, "none") == 0)
            d->log = 0;
        else
            return fail(e, line, key, "'%s': write file or none", w);
        return 0;
    case K_READY:
        if (strcmp(w, "started") == 0) {
            d->ready = SVC_READY_STARTED;
            return 0;
        }
        if (strcmp(w, "notify") == 0) {
            d->ready = SVC_READY_NOTIFY;
            return 0;
        }
        if (strncmp(w, "fd:", 3) == 0 && w[3] >= '0' && w[3] <= '9' && strlen(w) <= 6) {
            uint32_t num = 0;
            const char *q = w + 3;
            while (*q >= '0' && *q <= '9')
                num = num * 10 + (uint32_t)(*q++ - '0');
            if (*q == '\0' && num >= 3 && num <= 255) {
                d->ready = SVC_READY_FD;
                d->ready_fd = num;
                return 0;
            }
        }
        return fail(e, line, key, "'%s': write started, notify (sd_notify READY=1) or fd:N "
                    "(a newline on fd N, 3 to 255)", w);
    case K_WATCHDOG:
        if (strcmp(w, "none") == 0) {
            d->watchdog_ms = 0;
            return 0;
        }
        if (parse_duration(w, &d->watchdog_ms) != 0 || d->watchdog_ms == 0)
            return fail(e, line, key, "'%s' is not a duration; write none, or a number with "
                        "ms, s, min or h (10s)", w);
        return 0;
    case K_LIMIT_AS:
    case K_LIMIT_CPU:
    case K_LIMIT_NOFILE:
    case K_LIMIT_NPROC: {
        uint32_t r = k == K_LIMIT_AS ? PM_RLIMIT_AS : k == K_LIMIT_CPU ? PM_RLIMIT_CPU
                   : k == K_LIMIT_NOFILE ? PM_RLIMIT_NOFILE : PM_RLIMIT_NPROC;
        char *colon = strchr(w, ':');
        uint64_t soft, hard;
        if (colon != NULL)
            *colon = '\0';
        if (parse_limit(w, r == PM_RLIMIT_AS, &soft) != 0 ||
            parse_limit(colon != NULL ? colon + 1 : w, r == PM_RLIMIT_AS, &hard) != 0 ||
            soft > hard) {
            if (colon != NULL)
                *colon = ':';
            return fail(e, line, key, "'%s' is not SOFT[:HARD]; write numbers%s or unlimited, "
                        "SOFT not above HARD", w, r == PM_RLIMIT_AS ? " (K, M, G, T)" : "");
        }
        d->rlimit_set |= 1u << r;
        d->rlimit_soft[r] = soft;
        d->rlimit_hard[r] = hard;
        return 0;
    }
    case K_JOB_PIDS:
    case K_JOB_MEMORY: {
        uint64_t lim;
        int mem = k == K_JOB_MEMORY;
        if (parse_limit(w, mem, &lim) != 0 || lim == UINT64_MAX || lim < (mem ? PM_JOB_MEMORY_MIN : 1))
            return fail(e, line, key, "'%s' is not a limit; write %s", w,
                        mem ? "bytes, or a number with K, M, G or T, at least 4K"
                            : "a number of processes and threads, at least 1");
        if (mem)
            d->job_memory = lim;
        else
            d->job_pids = lim;
        return 0;
    }
    case K_LOG_MAX_SIZE:
        if (parse_size(w, &d->log_max_size) != 0)
            return fail(e, line, key, "'%s' is not a size; write bytes, or a number with K, M, "
                        "G or T, from 4K to 1T", w);
        return 0;
    case K_LOG_KEEP: {
        uint32_t num = 0;
        int okv = w[0] != '\0' && strlen(w) <= 3;
        for (const char *q = w; okv && *q != '\0'; q++) {
            if (*q < '0' || *q > '9')
                okv = 0;
            else
                num = num * 10 + (uint32_t)(*q - '0');
        }
        if (!okv || num > SVC_LOG_KEEP_MAX)
            return fail(e, line, key, "'%s' is not a count; write 0 to %u (rotated files kept)",
                        w, SVC_LOG_KEEP_MAX);
        d->log_keep = num;
        return 0;
    }
    default:
        return fail(e, line, key, "internal: unhandled key");
    }
}

int svc_parse(const char *path, const char *name, const unsigned char *buf,
              size_t len, svc_def *d, char *err, size_t errcap)
{
    perr e = { err, errcap, path };
    size_t seen[K_COUNT] = { 0 };   /* line of each key, 0 = not yet */
    size_t line = 0, pos = 0;

    svc_def_init(d);
    if (errcap > 0)
        err[0] = '\0';
    if (strlen(name) > SVC_NAME_MAX)
        return fail(&e, 0, NULL, "service name longer than %u bytes", SVC_NAME_MAX);
    memcpy(d->name, name, strlen(name) + 1);
    if (len > SVC_FILE_MAX)
        return fail(&e, 0, NULL, "file larger than %u bytes", SVC_FILE_MAX);

    while (pos < len) {
        size_t start = pos, end;
        line++;
        while (pos < len && buf[pos] != '\n')
            pos++;
        end = pos;
        if (pos < len)
            pos++;                       /* the '\n' */
        if (end - start > SVC_LINE_MAX)
            return fail(&e, line, NULL, "line longer than %u bytes; shorten it", SVC_LINE_MAX);
        for (size_t i = start; i < end; i++) {
            unsigned char c = buf[i];
            if (c == '\0')
                return fail(&e, line, NULL, "NUL byte at column %zu; a service file is text",
                            i - start + 1);
            if (c == '\r')
                return fail(&e, line, NULL, "carriage return at column %zu; save the file "
                            "with Unix line ends (\\n)", i - start + 1);
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return fail(&e, line, NULL, "control byte 0x%02x at column %zu; remove it",
                            c, i - start + 1);
        }
        while (start < end && (buf[start] == ' ' || buf[start] == '\t'))
            start++;
        while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
            end--;
        if (start == end || buf[start] == '#')
            continue;
        const char *l = (const char *)buf + start;
        size_t n = end - start, k = 0;
        while (k < n && ((l[k] >= 'a' && l[k] <= 'z') || (l[k] >= '0' && l[k] <= '9') ||
                         l[k] == '-'))
            k++;
        size_t keylen = k;
        while (k < n && (l[k] == ' ' || l[k] == '\t'))
            k++;
        if (keylen == 0 || k == n || l[k] != '=') {
            return fail(&e, line, NULL, "not a 'key = value' line (a key is lower-case "
                        "letters, digits and '-'; a comment line starts with #)");
        }
        k++;
        while (k < n && (l[k] == ' ' || l[k] == '\t'))
            k++;
        enum key_id id = K_COUNT;
        for (int i = 0; i < K_COUNT; i++)
            if (strlen(key_names[i]) == keylen && strncmp(key_names[i], l, keylen) == 0)
                id = (enum key_id)i;
        if (id == K_COUNT)
            return fail(&e, line, NULL, "unknown key '%.*s'; the keys are exec, env, cwd, "
                        "restart, restart-delay, restart-max-delay, restart-backoff, "
                        "restart-reset-after, restart-jitter, restart-limit, stop-signal, "
                        "stop-grace, priority, log, log-max-size, log-keep, ready, watchdog, "
                        "requires, after, limit-as, limit-cpu, limit-nofile, limit-nproc, "
                        "job-pids, job-memory",
                        (int)(keylen > 64 ? 64 : keylen), l);
        if (seen[id] != 0)
            return fail(&e, line, key_names[id], "given twice (first at line %zu); keep one",
                        seen[id]);
        seen[id] = line;
        if (k == n)
            return fail(&e, line, key_names[id], "empty value");
        if (set_key(&e, line, id, l + k, n - k, d) != 0)
            return -1;
    }
    if (seen[K_EXEC] == 0)
        return fail(&e, 0, NULL, "no 'exec' line; every service needs one "
                    "(exec = /absolute/program ARGS)");
    if (d->watchdog_ms != 0 && d->ready != SVC_READY_NOTIFY)
        return fail(&e, seen[K_WATCHDOG], "watchdog", "a watchdog needs the service's pings "
                    "(WATCHDOG=1 over NOTIFY_SOCKET): add ready = notify");
    if (d->restart_max_delay_ms < d->restart_delay_ms)
        return fail(&e, seen[K_RESTART_MAX_DELAY] ? seen[K_RESTART_MAX_DELAY]
                                                  : seen[K_RESTART_DELAY],
                    seen[K_RESTART_MAX_DELAY] ? "restart-max-delay" : "restart-delay",
                    "restart-max-delay (%llu ms) is below restart-delay (%llu ms); raise it",
                    (unsigned long long)d->restart_max_delay_ms,
                    (unsigned long long)d->restart_delay_ms);
    return 0;
}
