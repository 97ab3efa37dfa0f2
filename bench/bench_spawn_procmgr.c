/*
 * The procmgr side of the spawn benchmark (bench_spawn.h): starts the
 * built procmgrd on temporary sockets (one daemon with the stub pool, one
 * without), and spawns through libprocmgr over open connections, one per
 * thread and daemon, as a client would.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmgr/client.h"
#include "bench_spawn.h"

enum { TRACK_MAX = 1000, READY_TIMEOUT_MS = 10000 };

typedef struct pm_daemon {
    pid_t pid;
    int pool;                 /* PROCMGR_STUB_POOL it was started with */
    char sock[128];
    pm_client_process track[TRACK_MAX];
    int ntrack;
    pm_client *track_conn;
} pm_daemon;

static pm_daemon g_d[BENCH_PM_DAEMONS];
static char g_dir[64];
static int g_devnull = -1;
static __thread pm_client *tl_conn[BENCH_PM_DAEMONS];

/* The descriptors the daemon and its processes need grow with the number
 * of tracked processes (a control socket, a pidfd and handle sockets per
 * process): raise the soft limit to the hard one (inherited). */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Read the daemon's stdout until its ready line (or EOF / timeout). */
static int wait_ready(int fd)
{
    char buf[512];
    size_t len = 0;
    while (len < sizeof buf - 1) {
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, READY_TIMEOUT_MS) <= 0)
            return -1;
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "ready on") != NULL && strchr(buf, '\n') != NULL)
            return 0;
    }
    return -1;
}

static int daemon_start(pm_daemon *d, const char *bin, const char *pool, int idx)
{
    int p[2];
    snprintf(d->sock, sizeof d->sock, "%s/d%d.sock", g_dir, idx);
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    d->pool = pool != NULL ? atoi(pool) : 0;
    pid_t parent = getpid();
    d->pid = fork();
    if (d->pid == 0) {
        /* Dies with the benchmark, however that ends. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(127);
        dup2(p[1], 1);
        if (pool != NULL)
            setenv("PROCMGR_STUB_POOL", pool, 1);
        else
            unsetenv("PROCMGR_STUB_POOL");
        execl(bin, bin, "--socket", d->sock, "--foreground", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    int rc = d->pid > 0 ? wait_ready(p[0]) : -1;
    close(p[0]);
    if (rc != 0)
        fprintf(stderr, "bench_spawn: %s did not become ready\n", bin);
    return rc;
}

int bench_procmgr_open(const char *procmgrd_path, const char *pool)
{
    if (procmgrd_path == NULL)
        return -1;
    raise_nofile();
    g_devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    snprintf(g_dir, sizeof g_dir, "/tmp/pmbench.XXXXXX");
    if (g_devnull < 0 || mkdtemp(g_dir) == NULL)
        return -1;
    if (daemon_start(&g_d[BENCH_PM_POOL], procmgrd_path, pool, 0) != 0 ||
        daemon_start(&g_d[BENCH_PM_NOPOOL], procmgrd_path, "0", 1) != 0) {
        bench_procmgr_close();
        return -1;
    }
    for (int d = 0; d < BENCH_PM_DAEMONS; d++)
        if (bench_procmgr_run_on(d, "/bin/true") != 0) {
            fprintf(stderr, "bench_spawn: procmgrd cannot run /bin/true\n");
            bench_procmgr_close();
            return -1;
        }
    return 0;
}

static pm_client *conn(int d)
{
    if (tl_conn[d] == NULL && pm_client_connect(g_d[d].sock, &tl_conn[d]) != PM_OK)
        tl_conn[d] = NULL;
    return tl_conn[d];
}

/* One spawn: builder requests + LAUNCH (pm_client_spawn), WAIT, and the
 * two handles closed (closing the last copy releases them in the daemon). */
int bench_procmgr_run_on(int d, const char *path)
{
    static const char *const env[] = { NULL };
    const char *argv[] = { path, NULL };
    pm_spawn_action out_null = { .kind = PM_SPAWN_ACTION_CLONE_FD,
                                 .fd = g_devnull, .id = 1 };
    pm_client *c = conn(d);
    pm_client_process p;
    pm_proto_info info;
    pm_status st;

    if (c == NULL)
        return -1;
    st = pm_client_spawn(c, 0, -1, path, argv, env, &out_null, 1, &p, NULL);
    if (st != PM_OK) {
        fprintf(stderr, "bench_spawn: procmgr spawn %s: %s\n", path, pm_status_name(st));
        return -1;
    }
    st = pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info);
    close(p.process);
    close(p.thread);
    if (st != PM_OK)
        fprintf(stderr, "bench_spawn: procmgr wait: %s\n", pm_status_name(st));
    return st == PM_OK && info.state == PM_STATE_EXITED && info.exit_code == 0 ? 0 : -1;
}

/* The same spawn as one CREATE_PROCESS request (executable and startup
 * handles, no argv or environment: the design card's create_process),
 * then WAIT: what the builder's extra round trips cost. */
int bench_procmgr_run_1req(const char *path)
{
    pm_client_startup out_null = { g_devnull, 1 };
    pm_client *c = conn(BENCH_PM_POOL);
    pm_client_process p;
    pm_proto_info info;
    pm_status st;
    int exe = open(path, O_RDONLY | O_CLOEXEC);

    if (c == NULL || exe < 0) {
        if (exe >= 0)
            close(exe);
        return -1;
    }
    st = pm_client_create_process(c, exe, &out_null, 1, &p);
    close(exe);
    if (st != PM_OK) {
        fprintf(stderr, "bench_spawn: procmgr create_process %s: %s\n", path,
                pm_status_name(st));
        return -1;
    }
    st = pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info);
    close(p.process);
    close(p.thread);
    return st == PM_OK && info.state == PM_STATE_EXITED && info.exit_code == 0 ? 0 : -1;
}

int bench_procmgr_run(const char *path)
{
    return bench_procmgr_run_on(BENCH_PM_POOL, path);
}

int bench_procmgr_run_nopool(const char *path)
{
    return bench_procmgr_run_on(BENCH_PM_NOPOOL, path);
}

void bench_procmgr_thread_done(void)
{
    for (int d = 0; d < BENCH_PM_DAEMONS; d++) {
        pm_client_close(tl_conn[d]);
        tl_conn[d] = NULL;
    }
}

/* A "Key:   N kB" line of a /proc file, -1 if absent. */
static long proc_kb(const char *file, const char *key)
{
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    FILE *f = fopen(file, "re");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

long bench_procmgr_rss_kb(int d)
{
    char file[64];
    snprintf(file, sizeof file, "/proc/%d/status", (int)g_d[d].pid);
    return proc_kb(file, "VmRSS");
}

int bench_procmgr_track(int d, const char *path, int n)
{
    static const char *const env[] = { NULL };
    const char *argv[] = { path, NULL };
    pm_daemon *dm = &g_d[d];

    if (n == 0) {
        for (int i = 0; i < dm->ntrack; i++) {
            (void)pm_client_kill(dm->track_conn, dm->track[i].process);
            close(dm->track[i].process);
            close(dm->track[i].thread);
        }
        dm->ntrack = 0;
        return 0;
    }
    if (dm->track_conn == NULL && pm_client_connect(dm->sock, &dm->track_conn) != PM_OK)
        return 0;
    while (dm->ntrack < n && dm->ntrack < TRACK_MAX) {
        pm_status st = pm_client_spawn(dm->track_conn, PM_SPAWN_SUSPENDED, -1, path,
                                       argv, env, NULL, 0, &dm->track[dm->ntrack], NULL);
        if (st != PM_OK) {
            fprintf(stderr, "bench_spawn: tracked process %d: %s\n", dm->ntrack + 1,
                    pm_status_name(st));
            break;
        }
        dm->ntrack++;
    }
    return dm->ntrack;
}

/* Add the Rss and Pss of every child listed in one task's children file. */
static int children_mem(const char *children, long *rss_kb, long *pss_kb)
{
    char file[96], buf[4096];
    int n = 0, fd = open(children, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0)
        return 0;
    buf[len] = '\0';
    char *save = NULL;
    for (char *t = strtok_r(buf, " \n", &save); t != NULL; t = strtok_r(NULL, " \n", &save)) {
        snprintf(file, sizeof file, "/proc/%s/smaps_rollup", t);
        long r = proc_kb(file, "Rss"), p = proc_kb(file, "Pss");
        if (r >= 0 && p >= 0) {
            *rss_kb += r;
            *pss_kb += p;
            n++;
        }
    }
    return n;
}

void bench_procmgr_settle(void)
{
    long rss, pss;
    for (int d = 0; d < BENCH_PM_DAEMONS; d++) {
        if (g_d[d].pid <= 0)
            continue;
        for (int i = 0; i < 2000 && bench_procmgr_pool_mem(d, &rss, &pss) != g_d[d].pool; i++) {
            struct timespec ts = { 0, 200000 };
            nanosleep(&ts, NULL);
        }
    }
}

/* The pooled stubs are children of the backend's refill thread: walk the
 * children of every task of the daemon. */
int bench_procmgr_pool_mem(int d, long *rss_kb, long *pss_kb)
{
    char dir[64], file[352];
    int n = 0;
    *rss_kb = *pss_kb = 0;
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)g_d[d].pid);
    DIR *t = opendir(dir);
    if (t == NULL)
        return -1;
    for (struct dirent *e; (e = readdir(t)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(file, sizeof file, "%s/%s/children", dir, e->d_name);
        n += children_mem(file, rss_kb, pss_kb);
    }
    closedir(t);
    return n;
}

void bench_procmgr_close(void)
{
    for (int d = 0; d < BENCH_PM_DAEMONS; d++) {
        pm_daemon *dm = &g_d[d];
        if (dm->track_conn != NULL) {
            (void)bench_procmgr_track(d, NULL, 0);
            pm_client_close(dm->track_conn);
            dm->track_conn = NULL;
        }
        if (dm->pid > 0) {
            int status;
            kill(dm->pid, SIGTERM);
            (void)waitpid(dm->pid, &status, 0);
            dm->pid = 0;
        }
    }
    bench_procmgr_thread_done();
    if (g_dir[0] != '\0')
        (void)rmdir(g_dir);
    g_dir[0] = '\0';
}
