/*
 * procmgrd's own log (spec/daemon.md section 11).
 *
 * In the foreground the log goes to stderr, each line stamped with the
 * UTC time (RFC 3339, milliseconds) -- unless stderr is the systemd
 * journal ($JOURNAL_STREAM names it): the journal stamps lines itself and
 * reads the "<N>" priority prefix of sd-daemon(3) instead.  A detached
 * procmgrd has no terminal: it logs through syslog(3), facility
 * LOG_DAEMON.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "../shell/stamp.h"

enum { SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG };
static int g_sink = SINK_STDERR;

/* Is stderr the stream $JOURNAL_STREAM ("DEV:INODE") names? */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat sb;
    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &sb) != 0)
        return 0;
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void pmd_log_init(void)
{
    g_sink = stderr_is_journal() ? SINK_JOURNAL : SINK_STDERR;
}

void pmd_log_to_syslog(void)
{
    /* LOG_NDELAY: connect now, while /dev/log is certainly reachable */
    openlog("procmgrd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    g_sink = SINK_SYSLOG;
}

void pmd_vlog(int prio, const char *fmt, va_list ap)
{
    char ts[40];
    if (g_sink == SINK_SYSLOG) {
        vsyslog(prio, fmt, ap);
        return;
    }
    if (g_sink == SINK_JOURNAL) {
        fprintf(stderr, "<%d>procmgrd: ", prio);
    } else {
        pm_stamp(ts, sizeof ts);
        fprintf(stderr, "%s procmgrd[%d]: ", ts, (int)getpid());
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void pmd_log(int prio, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pmd_vlog(prio, fmt, ap);
    va_end(ap);
}

/* Opcode names as spec/protocol.md writes them, for the log. */
static const struct { uint16_t op; const char *name; } op_names[] = {
    { PM_OP_CREATE_PROCESS, "CREATE_PROCESS" }, { PM_OP_EXIT_PROCESS, "EXIT_PROCESS" },
    { PM_OP_QUERY_PROCESS, "QUERY_PROCESS" }, { PM_OP_LIST_PROCESSES, "LIST_PROCESSES" },
    { PM_OP_OPEN_PROCESS, "OPEN_PROCESS" }, { PM_OP_QUERY_DETAILS, "QUERY_DETAILS" },
    { PM_OP_ADD_ARGS, "ADD_ARGS" }, { PM_OP_ADD_ENVIRONS, "ADD_ENVIRONS" },
    { PM_OP_ADD_NAMES, "ADD_NAMES" }, { PM_OP_ADD_HANDLES, "ADD_HANDLES" },
    { PM_OP_SET_INFO, "SET_INFO" }, { PM_OP_LAUNCH, "LAUNCH" },
    { PM_OP_CREATE_WITHOUT_STARTING, "CREATE_WITHOUT_STARTING" }, { PM_OP_START, "START" },
    { PM_OP_SET_CWD, "SET_CWD" }, { PM_OP_SET_EXECFN, "SET_EXECFN" },
    { PM_OP_RESOLVE, "RESOLVE" }, { PM_OP_WAIT, "WAIT" },
    { PM_OP_WATCH, "WATCH" }, { PM_OP_KILL, "KILL" },
    { PM_OP_HANDLE_DUPLICATE, "HANDLE_DUPLICATE" }, { PM_OP_HANDLE_CLOSE, "HANDLE_CLOSE" },
    { PM_OP_WAIT_ANY, "WAIT_ANY" }, { PM_OP_SIGNAL, "SIGNAL" },
    { PM_OP_SET_PRIORITY, "SET_PRIORITY" }, { PM_OP_SET_RLIMIT, "SET_RLIMIT" },
    { PM_OP_SUSPEND, "SUSPEND" }, { PM_OP_RESUME, "RESUME" },
    { PM_OP_JOB_CREATE, "JOB_CREATE" }, { PM_OP_JOB_OPEN, "JOB_OPEN" },
    { PM_OP_JOB_SET_LIMIT, "JOB_SET_LIMIT" }, { PM_OP_JOB_QUERY, "JOB_QUERY" },
};

const char *pmd_op_label(uint16_t op, char buf[PMD_OP_LABEL])
{
    for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
        if (op_names[i].op == op)
            return op_names[i].name;
    snprintf(buf, PMD_OP_LABEL, "opcode 0x%04x", (unsigned)op);
    return buf;
}
