/* svcmgr's service-file parser (src/svcmgr/svcfile.c): the format of
 * spec/svcmgr.md section 2, its quoting rules, and hostile input (long
 * lines, bad quotes, NUL and control bytes, duplicate and unknown keys). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/svcmgr/svcfile.h"

static svc_def D;
static char E[SVC_ERR_MAX];

static int parse_n(const char *s, size_t n)
{
    return svc_parse("x.service", "x", (const unsigned char *)s, n, &D, E, sizeof E);
}
static int parse(const char *s) { return parse_n(s, strlen(s)); }

static void refused(const char *s, const char *want)
{
    assert_int_equal(parse(s), -1);
    if (strstr(E, want) == NULL)
        fail_msg("error '%s' lacks '%s'", E, want);
}

static void test_full(void **state)
{
    (void)state;
    assert_int_equal(parse("# a comment\n"
                           "  exec = /bin/sh -c 'echo \"hi there\"; exit 1'  \n"
                           "\n"
                           "env = A=1 \"B=two words\" C=\n"
                           "cwd = /tmp\n"
                           "restart = always\n"
                           "restart-delay = 250ms\n"
                           "restart-max-delay=1min\n"
                           "restart-backoff = 1.5\n"
                           "restart-reset-after = 2h\n"
                           "restart-jitter = 25%\n"
                           "restart-limit = 5/30s\n"
                           "stop-signal = SIGINT\n"
                           "stop-grace = 3s\n"
                           "priority = low\n"
                           "log = none\n"
                           "log-max-size = 64K\n"
                           "log-keep = 0"), 0);
    assert_int_equal(D.argc, 3);
    assert_string_equal(D.argv[0], "/bin/sh");
    assert_string_equal(D.argv[1], "-c");
    assert_string_equal(D.argv[2], "echo \"hi there\"; exit 1");
    assert_null(D.argv[3]);
    assert_int_equal(D.envc, 3);
    assert_string_equal(D.env[1], "B=two words");
    assert_string_equal(D.env[2], "C=");
    assert_string_equal(D.cwd, "/tmp");
    assert_int_equal(D.restart, SVC_RESTART_ALWAYS);
    assert_int_equal(D.restart_delay_ms, 250);
    assert_int_equal(D.restart_max_delay_ms, 60000);
    assert_int_equal(D.restart_backoff_milli, 1500);
    assert_int_equal(D.restart_reset_ms, 7200000);
    assert_int_equal(D.restart_jitter_pct, 25);
    assert_int_equal(D.restart_limit, 5);
    assert_int_equal(D.restart_limit_ms, 30000);
    assert_int_equal(D.stop_signal, 2);
    assert_int_equal(D.stop_grace_ms, 3000);
    assert_int_equal(D.has_priority, 1);
    assert_int_equal(D.priority, 1);
    assert_int_equal(D.log, 0);
    assert_int_equal(D.log_max_size, 65536);
    assert_int_equal(D.log_keep, 0);
    assert_string_equal(D.name, "x");
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("exec = /bin/true"), 0);
    assert_int_equal(D.argc, 1);
    assert_int_equal(D.envc, 0);
    assert_string_equal(D.cwd, "");
    assert_int_equal(D.restart, SVC_RESTART_ON_FAILURE);
    assert_int_equal(D.restart_delay_ms, 1000);
    assert_int_equal(D.restart_max_delay_ms, 60000);
    assert_int_equal(D.restart_backoff_milli, 2000);
    assert_int_equal(D.stop_signal, 15);
    assert_int_equal(D.stop_grace_ms, 10000);
    assert_int_equal(D.log, 1);
    assert_int_equal(D.has_priority, 0);
    assert_int_equal(D.restart_jitter_pct, 0);
    assert_int_equal(D.restart_limit, 0);
    assert_int_equal(D.log_max_size, 10u << 20);
    assert_int_equal(D.log_keep, 5);
}

static void words_are(const char *v, int n, const char *const *want)
{
    char buf[256];
    const char *w[8];
    const char *why = NULL;
    int got = svc_split_words(v, strlen(v), buf, sizeof buf, w, 7, &why);
    if (got != n)
        fail_msg("'%s': %d words (want %d): %s", v, got, n, why ? why : "");
    for (int i = 0; i < n; i++)
        assert_string_equal(w[i], want[i]);
    if (n >= 0)
        assert_null(w[n]);
}

static void test_quoting(void **state)
{
    (void)state;
    words_are("a b\tc", 3, (const char *[]){ "a", "b", "c" });
    words_are("a\"b c\"d", 1, (const char *[]){ "ab cd" });
    words_are("'a \\ \"b' \"\"", 2, (const char *[]){ "a \\ \"b", "" });
    words_are("\"x\\\"y\\\\z\"", 1, (const char *[]){ "x\"y\\z" });
    words_are("a\\ b \\'c\\\"", 2, (const char *[]){ "a b", "'c\"" });
    words_are("$HOME *", 2, (const char *[]){ "$HOME", "*" });
    words_are("   ", 0, NULL);
    words_are("'open", -1, NULL);
    words_are("\"open", -1, NULL);
    words_are("\"a\\nb\"", -1, NULL);
    words_are("a\\n", -1, NULL);
    words_are("trailing\\", -1, NULL);
    words_are("\"trailing\\", -1, NULL);
    words_are("1 2 3 4 5 6 7 8", -1, NULL);
}

static void test_quotes_in_file(void **state)
{
    (void)state;
    refused("exec = /bin/echo 'open\n", "x.service:1: exec: a single quote");
    refused("\n\nexec = /bin/echo \"open\n", "x.service:3: exec: a double quote");
    refused("exec = /bin/echo \"\\q\"\n", "x.service:1: exec: inside double quotes");
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    assert_int_equal(parse_n("exec = /bin/a\0b\n", 16), -1);
    assert_non_null(strstr(E, "x.service:1: NUL byte at column 14"));
    assert_int_equal(parse_n("# c\n\0", 5), -1);
    assert_non_null(strstr(E, "x.service:2: NUL byte"));
    refused("exec = /bin/true\r\n", "x.service:1: carriage return");
    refused("exec = /bin/\x1b[31m\n", "x.service:1: control byte 0x1b");
    refused("exec = /bin/\x7f\n", "control byte 0x7f");
    /* bytes >= 0x80 are data */
    assert_int_equal(parse("exec = /bin/\xff\xc3\xa9"), 0);
}

static void test_long_lines(void **state)
{
    (void)state;
    size_t n = SVC_LINE_MAX + 100;
    char *s = malloc(n + 64);
    assert_non_null(s);
    /* exactly SVC_LINE_MAX bytes: accepted */
    memset(s, 'a', SVC_LINE_MAX);
    memcpy(s, "exec = /", 8);
    s[SVC_LINE_MAX] = '\n';
    assert_int_equal(parse_n(s, SVC_LINE_MAX + 1), 0);
    assert_int_equal(strlen(D.argv[0]), SVC_LINE_MAX - 7);
    /* one more: refused, with the line */
    memset(s, 'a', SVC_LINE_MAX + 1);
    memcpy(s, "# ", 2);
    memcpy(s + SVC_LINE_MAX + 1, "\nexec = /x\n", 11);
    assert_int_equal(parse_n(s, SVC_LINE_MAX + 12), -1);
    assert_non_null(strstr(E, "x.service:1: line longer than 4096"));
    /* a line of words: 4096 bytes of "a " is 2048 words, over the limit */
    for (size_t i = 0; i < SVC_LINE_MAX; i += 2)
        memcpy(s + i, "a ", 2);
    memcpy(s, "exec = /", 8);
    assert_int_equal(parse_n(s, SVC_LINE_MAX), -1);
    assert_non_null(strstr(E, "too many words"));
    /* 256 quoted empty words fit the buffers */
    size_t o = 0;
    o += (size_t)sprintf(s, "exec = /p");
    for (int i = 0; i < 255; i++)
        o += (size_t)sprintf(s + o, " \"\"");
    assert_int_equal(parse_n(s, o), 0);
    assert_int_equal(D.argc, 256);
    free(s);
    /* a file over SVC_FILE_MAX */
    char *big = calloc(1, SVC_FILE_MAX + 1);
    assert_non_null(big);
    memset(big, '\n', SVC_FILE_MAX + 1);
    assert_int_equal(parse_n(big, SVC_FILE_MAX + 1), -1);
    assert_non_null(strstr(E, "larger than"));
    free(big);
}

static void test_keys(void **state)
{
    (void)state;
    refused("exec = /bin/true\nexec = /bin/false\n",
            "x.service:2: exec: given twice (first at line 1)");
    refused("exec = /bin/true\nrestart = no\nrestart = no\n", "x.service:3: restart: given twice");
    refused("exec = /bin/true\nrestrat = no\n", "x.service:2: unknown key 'restrat'; the keys are");
    refused("Exec = /bin/true\n", "x.service:1: not a 'key = value' line");
    refused("exec /bin/true\n", "x.service:1: not a 'key = value' line");
    refused("= /bin/true\n", "not a 'key = value' line");
    refused("exec =\n", "x.service:1: exec: empty value");
    refused("exec =    \n", "x.service:1: exec: empty value");
    refused("restart = no\n", "x.service: no 'exec' line");
    refused("", "no 'exec' line");
    refused("exec = bin/true\n", "exec: 'bin/true' is not an absolute path");
}

static void test_values(void **state)
{
    (void)state;
    refused("exec = /a\nrestart = sometimes\n", "x.service:2: restart: 'sometimes' is not a policy");
    refused("exec = /a\nrestart = no no\n", "restart: one value expected");
    refused("exec = /a\nrestart-delay = 5\n", "restart-delay: '5' is not a duration");
    refused("exec = /a\nrestart-delay = 5 s\n", "restart-delay: one value expected");
    refused("exec = /a\nrestart-delay = -5s\n", "not a duration");
    refused("exec = /a\nstop-grace = 99999999999999999999s\n", "stop-grace: '9");
    refused("exec = /a\nstop-grace = 169h\n", "at most 7 days");
    assert_int_equal(parse("exec = /a\nstop-grace = 168h\n"), 0);
    refused("exec = /a\nrestart-backoff = 0.5\n", "restart-backoff: '0.5' is not a factor");
    refused("exec = /a\nrestart-backoff = 17\n", "not a factor");
    refused("exec = /a\nrestart-backoff = 1.2345\n", "not a factor");
    refused("exec = /a\nrestart-backoff = 2.\n", "not a factor");
    assert_int_equal(parse("exec = /a\nrestart-backoff = 16\n"), 0);
    assert_int_equal(D.restart_backoff_milli, 16000);
    refused("exec = /a\nrestart-jitter = 10\n", "restart-jitter: '10' is not a percentage");
    refused("exec = /a\nrestart-jitter = 101%\n", "not a percentage");
    refused("exec = /a\nrestart-jitter = %\n", "not a percentage");
    refused("exec = /a\nrestart-jitter = 1x%\n", "not a percentage");
    assert_int_equal(parse("exec = /a\nrestart-jitter = 100%\n"), 0);
    assert_int_equal(D.restart_jitter_pct, 100);
    refused("exec = /a\nrestart-limit = 5\n", "restart-limit: '5' is not N/DURATION");
    refused("exec = /a\nrestart-limit = 0/1s\n", "not N/DURATION");
    refused("exec = /a\nrestart-limit = 101/1s\n", "not N/DURATION");
    refused("exec = /a\nrestart-limit = 5/0s\n", "not N/DURATION");
    refused("exec = /a\nrestart-limit = /1s\n", "not N/DURATION");
    refused("exec = /a\nrestart-limit = 5/1\n", "not N/DURATION");
    refused("exec = /a\nrestart-limit = 1000/1s\n", "not N/DURATION");
    assert_int_equal(parse("exec = /a\nrestart-limit = 100/7d\n"), -1);
    assert_int_equal(parse("exec = /a\nrestart-limit = 100/168h\n"), 0);
    assert_int_equal(D.restart_limit, 100);
    assert_int_equal(parse("exec = /a\nrestart-limit = none\n"), 0);
    assert_int_equal(D.restart_limit, 0);
    assert_int_equal(parse("exec = /a\nrequires = db cache\nafter = net\n"), 0);
    assert_int_equal(D.nrequires, 2);
    assert_string_equal(D.requires[1], "cache");
    assert_int_equal(D.nafter, 1);
    assert_string_equal(D.after[0], "net");
    refused("exec = /a\nrequires = x\n", "requires: a service cannot name itself");
    refused("exec = /a\nafter = db db\n", "after: db is named twice");
    refused("exec = /a\nrequires = a/b\n", "requires: 'a/b' is not a service name");
    refused("exec = /a\nrequires = .hid\n", "'.hid' is not a service name");
    refused("exec = /a\nafter = 'a b'\n", "after: 'a b' is not a service name");
    refused("exec = /a\nrequires = ''\n", "requires: '' is not a service name");
    refused("exec = /a\nrequires = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
            "24 25 26 27 28 29 30 31 32 33\n", "requires: too many names (at most 32)");
    assert_int_equal(parse("exec = /a\nlimit-nofile = 256:512\nlimit-as = 1G:unlimited\n"
                           "limit-cpu = 10\nlimit-nproc = unlimited\njob-pids = 8\n"
                           "job-memory = 64M\n"), 0);
    assert_int_equal(D.rlimit_set, 0xf);
    assert_int_equal(D.rlimit_soft[2], 256);
    assert_int_equal(D.rlimit_hard[2], 512);
    assert_int_equal(D.rlimit_soft[0], 1ull << 30);
    assert_true(D.rlimit_hard[0] == UINT64_MAX);
    assert_int_equal(D.rlimit_soft[1], 10);
    assert_int_equal(D.rlimit_hard[1], 10);
    assert_true(D.rlimit_soft[3] == UINT64_MAX);
    assert_int_equal(D.job_pids, 8);
    assert_int_equal(D.job_memory, 64u << 20);
    refused("exec = /a\nlimit-nofile = 512:256\n", "limit-nofile: '512:256' is not SOFT[:HARD]");
    refused("exec = /a\nlimit-nofile = 1K\n", "limit-nofile: '1K' is not SOFT[:HARD]");
    refused("exec = /a\nlimit-cpu = -1\n", "is not SOFT[:HARD]");
    refused("exec = /a\nlimit-as = 99999999999999999999\n", "is not SOFT[:HARD]");
    refused("exec = /a\nlimit-as = 16777216T\n", "is not SOFT[:HARD]");
    refused("exec = /a\nlimit-as = 1:\n", "is not SOFT[:HARD]");
    refused("exec = /a\njob-pids = 0\n", "job-pids: '0' is not a limit");
    refused("exec = /a\njob-pids = unlimited\n", "job-pids: 'unlimited' is not a limit");
    refused("exec = /a\njob-memory = 4095\n", "job-memory: '4095' is not a limit");
    assert_int_equal(parse("exec = /a\njob-memory = 4K\n"), 0);
    refused("exec = /a\nready = yes\n", "ready: 'yes': write started, notify");
    refused("exec = /a\nready = fd:2\n", "ready: 'fd:2'");
    refused("exec = /a\nready = fd:256\n", "ready: 'fd:256'");
    refused("exec = /a\nready = fd:\n", "ready: 'fd:'");
    refused("exec = /a\nready = fd:3x\n", "ready: 'fd:3x'");
    refused("exec = /a\nready = fd:0003\n", "ready: 'fd:0003'");
    assert_int_equal(parse("exec = /a\nready = fd:255\n"), 0);
    assert_int_equal(D.ready, SVC_READY_FD);
    assert_int_equal(D.ready_fd, 255);
    assert_int_equal(parse("exec = /a\nready = notify\nwatchdog = 2s\n"), 0);
    assert_int_equal(D.ready, SVC_READY_NOTIFY);
    assert_int_equal(D.watchdog_ms, 2000);
    refused("exec = /a\nwatchdog = 2s\n", "x.service:2: watchdog: a watchdog needs");
    refused("exec = /a\nready = fd:3\nwatchdog = 2s\n", "add ready = notify");
    refused("exec = /a\nready = notify\nwatchdog = 0s\n", "watchdog: '0s' is not a duration");
    assert_int_equal(parse("exec = /a\nwatchdog = none\n"), 0);
    refused("exec = /a\nlog-max-size = 4095\n", "log-max-size: '4095' is not a size");
    refused("exec = /a\nlog-max-size = 1025G\n", "not a size");
    refused("exec = /a\nlog-max-size = 1k\n", "not a size");
    refused("exec = /a\nlog-max-size = 99999999999999999999\n", "not a size");
    refused("exec = /a\nlog-max-size = 4KB\n", "not a size");
    assert_int_equal(parse("exec = /a\nlog-max-size = 4096\n"), 0);
    assert_int_equal(parse("exec = /a\nlog-max-size = 1024G\n"), 0);
    assert_int_equal(D.log_max_size, 1ull << 40);
    refused("exec = /a\nlog-keep = 101\n", "log-keep: '101' is not a count");
    refused("exec = /a\nlog-keep = -1\n", "not a count");
    refused("exec = /a\nlog-keep = 1000\n", "not a count");
    assert_int_equal(parse("exec = /a\nlog-keep = 100\n"), 0);
    refused("exec = /a\nstop-signal = SIGFOO\n", "stop-signal: 'SIGFOO' is not a signal");
    refused("exec = /a\nstop-signal = 65\n", "not a signal");
    refused("exec = /a\nstop-signal = 0\n", "not a signal");
    assert_int_equal(parse("exec = /a\nstop-signal = 64\n"), 0);
    assert_int_equal(parse("exec = /a\nstop-signal = hup\n"), 0);
    assert_int_equal(D.stop_signal, 1);
    refused("exec = /a\npriority = urgent\n", "priority: 'urgent' is not a level");
    refused("exec = /a\nlog = syslog\n", "log: 'syslog'");
    refused("exec = /a\ncwd = tmp\n", "cwd: 'tmp' is not an absolute path");
    refused("exec = /a\nenv = A\n", "env: 'A' is not NAME=VALUE");
    refused("exec = /a\nenv = 1A=2\n", "env: '1A=2' is not NAME=VALUE");
    refused("exec = /a\nenv = A=1 B=2 A=3\n", "env: A is set twice");
    assert_int_equal(parse("exec = /a\nenv = AB=1 A=2\n"), 0);
    refused("exec = /a\nrestart-delay = 2s\nrestart-max-delay = 1s\n",
            "x.service:3: restart-max-delay: restart-max-delay (1000 ms) is below");
    refused("exec = /a\nrestart-delay = 2min\n", "x.service:2: restart-delay: restart-max-delay");
}

static void test_names(void **state)
{
    (void)state;
    char n[SVC_NAME_MAX + 1];
    assert_int_equal(svc_name_of("web.service", n), 0);
    assert_string_equal(n, "web");
    assert_int_equal(svc_name_of("a@b-c_d.1.service", n), 0);
    assert_int_equal(svc_name_of(".service", n), -1);
    assert_int_equal(svc_name_of(".hidden.service", n), -1);
    assert_int_equal(svc_name_of("web.service~", n), -1);
    assert_int_equal(svc_name_of("web", n), -1);
    assert_int_equal(svc_name_of("we b.service", n), -1);
    assert_int_equal(svc_name_of("w\"b.service", n), -1);
    char longname[SVC_NAME_MAX + 20];
    memset(longname, 'a', SVC_NAME_MAX + 1);
    strcpy(longname + SVC_NAME_MAX + 1, ".service");
    assert_int_equal(svc_name_of(longname, n), -1);
    strcpy(longname + SVC_NAME_MAX, ".service");
    assert_int_equal(svc_name_of(longname, n), 0);
}

static void test_signals(void **state)
{
    (void)state;
    uint32_t s;
    assert_int_equal(svc_signal_parse("TERM", &s), 0);
    assert_int_equal(s, 15);
    assert_int_equal(svc_signal_parse("sigkill", &s), 0);
    assert_int_equal(s, 9);
    assert_int_equal(svc_signal_parse("", &s), -1);
    assert_int_equal(svc_signal_parse("SIG", &s), -1);
    assert_int_equal(svc_signal_parse("1x", &s), -1);
    assert_int_equal(svc_signal_parse("99999999999999999999", &s), -1);
    assert_string_equal(svc_signal_name(15), "TERM");
    assert_null(svc_signal_name(40));
}

static void test_equal(void **state)
{
    (void)state;
    static svc_def a;
    static const char base[] = "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\n";
    assert_int_equal(svc_parse("x.service", "x", (const unsigned char *)base, sizeof base - 1,
                               &a, E, sizeof E), 0);
    /* the same definition written differently */
    assert_int_equal(parse("# same\nrestart=always\nenv = \"A=1\"\nexec = /bin/sh -c \"x y\"\n"), 0);
    assert_true(svc_def_equal(&a, &D));
    static const char *const differ[] = {
        "exec = /bin/sh -c 'x  y'\nenv = A=1\nrestart = always\n",
        "exec = /bin/sh -c 'x y' z\nenv = A=1\nrestart = always\n",
        "exec = /bin/sh -c 'x y'\nenv = A=2\nrestart = always\n",
        "exec = /bin/sh -c 'x y'\nrestart = always\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\ncwd = /\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nstop-grace = 9s\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nrestart-limit = 1/1s\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nlog = none\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\npriority = normal\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nlog-keep = 4\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nready = fd:3\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nrequires = db\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nafter = db\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nlimit-nofile = 64\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\njob-pids = 5\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nready = notify\n",
        "exec = /bin/sh -c 'x y'\nenv = A=1\nrestart = always\nlog-max-size = 1M\n",
    };
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        assert_int_equal(parse(differ[i]), 0);
        if (svc_def_equal(&a, &D))
            fail_msg("equal to the base: %s", differ[i]);
    }
}

/* Every prefix of a valid file, and the file with each byte flipped, is
 * parsed without a crash (ASan/UBSan in the SAN build) and either
 * accepted or refused with a message naming the file. */
static void test_mutations(void **state)
{
    (void)state;
    static const char good[] =
        "exec = /bin/sh -c 'echo \"a b\"' x\\ y\nenv = A=1 'B=2 3'\ncwd = \"/t mp\"\n"
        "restart = on-failure\nrestart-delay = 10ms\nrestart-backoff = 1.25\n";
    size_t n = sizeof good - 1;
    unsigned char m[sizeof good];
    for (size_t i = 0; i <= n; i++) {
        int r = parse_n(good, i);
        assert_true(r == 0 || strncmp(E, "x.service", 9) == 0);
    }
    static const unsigned char flips[] = { 0, '\n', '\'', '"', '\\', ' ', '=', '#', 0xff, 'A' };
    for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < sizeof flips; f++) {
            memcpy(m, good, n);
            m[i] = flips[f];
            int r = svc_parse("x.service", "x", m, n, &D, E, sizeof E);
            assert_true(r == 0 || strncmp(E, "x.service", 9) == 0);
        }
    /* a tiny error buffer is still NUL-terminated */
    char small[8];
    assert_int_equal(svc_parse("x.service", "x", (const unsigned char *)"bad", 3, &D, small,
                               sizeof small), -1);
    assert_int_equal(strlen(small), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_quotes_in_file),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
