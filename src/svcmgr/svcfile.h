/*
 * svcmgr's service files (spec/svcmgr.md section 2): one file NAME.service
 * per service, `key = value` lines, `#` comment lines.  The parser reads
 * a buffer (no I/O, no allocation) and is strict: the first unknown key,
 * bad value, duplicate key, over-long line, NUL or control byte refuses
 * the whole file with "PATH:LINE: KEY: what is wrong; what to do".
 */
#ifndef PM_SVCMGR_SVCFILE_H
#define PM_SVCMGR_SVCFILE_H

#include <stddef.h>
#include <stdint.h>

#define SVC_NAME_MAX   64u      /* NAME of NAME.service */
#define SVC_LINE_MAX   4096u    /* bytes of one line, without its '\n' */
#define SVC_FILE_MAX   65536u   /* bytes of one file */
#define SVC_WORDS_MAX  256u     /* words of exec, of env */
#define SVC_ERR_MAX    512u     /* an error message, with its NUL */

#define SVC_DURATION_MAX_MS (7ull * 24 * 3600 * 1000)   /* 7 days */
#define SVC_RESTART_LIMIT_MAX 100u    /* N of restart-limit = N/DURATION */
#define SVC_LOG_KEEP_MAX  100u
#define SVC_DEPS_MAX      32u     /* names in requires, in after */
#define SVC_LOG_SIZE_MIN  4096ull
#define SVC_LOG_SIZE_MAX  (1ull << 40)

enum svc_ready { SVC_READY_STARTED = 0, SVC_READY_NOTIFY = 1, SVC_READY_FD = 2 };

enum svc_restart { SVC_RESTART_NO = 0, SVC_RESTART_ON_FAILURE = 1, SVC_RESTART_ALWAYS = 2 };

typedef struct svc_def {
    char name[SVC_NAME_MAX + 1];
    size_t argc;                              /* >= 1 */
    const char *argv[SVC_WORDS_MAX + 1];      /* NULL-terminated, into argbuf */
    char argbuf[SVC_LINE_MAX + 1];
    size_t envc;
    const char *env[SVC_WORDS_MAX + 1];       /* NAME=VALUE, NULL-terminated */
    char envbuf[SVC_LINE_MAX + 1];
    char cwd[SVC_LINE_MAX + 1];               /* "" = "/" */
    int restart;                              /* enum svc_restart */
    uint64_t restart_delay_ms;                /* first delay */
    uint64_t restart_max_delay_ms;            /* cap */
    uint32_t restart_backoff_milli;           /* factor * 1000, 1000..16000 */
    uint64_t restart_reset_ms;                /* a run this long resets the backoff */
    uint32_t restart_jitter_pct;              /* 0..100: a delay is cut by up to this */
    uint32_t restart_limit;                   /* N restarts ... (0: no limit) */
    uint64_t restart_limit_ms;                /* ... in this window, then failed */
    uint32_t stop_signal;                     /* 1..64 */
    uint64_t stop_grace_ms;
    int has_priority;
    uint32_t priority;                        /* PM_PRIORITY_* 0..5 */
    int log;                                  /* 1: capture stdout+stderr, 0: /dev/null */
    int ready;                                /* enum svc_ready */
    uint32_t ready_fd;                        /* SVC_READY_FD: the fd number, 3..255 */
    uint64_t watchdog_ms;                     /* 0: none (needs SVC_READY_NOTIFY) */
    size_t nrequires, nafter;                 /* services this one needs / follows */
    const char *requires[SVC_DEPS_MAX + 1];   /* into depbuf */
    const char *after[SVC_DEPS_MAX + 1];
    char depbuf[2][SVC_LINE_MAX + 1];
    uint32_t rlimit_set;                      /* bit r: limit-* of resource r given */
    uint64_t rlimit_soft[4], rlimit_hard[4];  /* by PM_RLIMIT_* (UINT64_MAX: unlimited) */
    uint64_t job_pids;                        /* 0: no job-pids */
    uint64_t job_memory;                      /* 0: no job-memory */
    uint64_t log_max_size;                    /* bytes of NAME.log before it rotates */
    uint32_t log_keep;                        /* rotated files kept, 0..SVC_LOG_KEEP_MAX */
} svc_def;

/* The defaults of every key (svc_parse starts from them). */
void svc_def_init(svc_def *d);

/* The service name of a file name: "NAME.service" with NAME 1..64 bytes of
 * [A-Za-z0-9_.@-], not starting with '.'.  0 and *name filled (at least
 * SVC_NAME_MAX + 1 bytes), or -1 (not a service file). */
int svc_name_of(const char *filename, char *name);

/* Parse buf[0, len) (the file `path`, service `name`) into *d.  0, or -1
 * with the reason in err (NUL-terminated, at most errcap bytes). */
int svc_parse(const char *path, const char *name, const unsigned char *buf,
              size_t len, svc_def *d, char *err, size_t errcap);

/* 1 when a and b define the same service (every key's value), else 0. */
int svc_def_equal(const svc_def *a, const svc_def *b);

/* Split one value into words by the quoting rules (spec/svcmgr.md 2.2):
 * the words into buf (NUL-separated) and words[] (NULL-terminated).  The
 * number of words, or -1 with a reason in why. */
int svc_split_words(const char *v, size_t n, char *buf, size_t bufcap,
                    const char **words, size_t maxwords, const char **why);

/* Signal names (TERM, SIGTERM, 15) <-> numbers. */
int svc_signal_parse(const char *s, uint32_t *sig);
const char *svc_signal_name(uint32_t sig);   /* "TERM", or NULL */

#endif
