/*
 * pmconcurrent: N clients (default 32) of procmgrd spawning at once, each
 * on its own connection, each waiting for its own process's status
 * (spec/daemon.md section 10).
 *
 *   pmconcurrent SOCKET SHELL [N]
 *
 * Client i (a forked process) connects, then blocks on a barrier pipe;
 * when every client is connected the parent closes the pipe and all of
 * them run pm_client_spawn of `SHELL -c 'exit CODE'` with CODE = 10 + i
 * (odd i: `kill -TERM $$` after the exit code is printed, so signalled
 * statuses are delivered too) and a blocking WAIT.  Each must see its own
 * status: EXITED with its code, or KILLED with SIGTERM.  Prints one TAP
 * line per client; exits 1 if any failed.  No timing: the barrier is a
 * hang-up, every wait is a blocking WAIT.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procmgr/client.h"

#define MAX_CLIENTS 64

/* Exit codes of a client process. */
enum { C_OK = 0, C_CONNECT = 1, C_SPAWN = 2, C_WAIT = 3, C_STATUS = 4, C_BARRIER = 5 };

static const char *const why[] = {
    "its own status", "connect failed", "spawn failed", "wait failed",
    "another status", "barrier"
};

static int client(const char *sock, const char *shell, int i, int barrier, int ready)
{
    pm_client *c = NULL;
    pm_client_process p;
    pm_proto_info info;
    char script[64], b;
    int code = 10 + i, signalled = i % 2;

    if (pm_client_connect(sock, &c) != PM_OK)
        return C_CONNECT;
    (void)!write(ready, "r", 1);
    close(ready);
    if (read(barrier, &b, 1) != 0)       /* EOF: every client is connected */
        return C_BARRIER;
    if (signalled)
        snprintf(script, sizeof script, "kill -TERM $$; exit %d", code);
    else
        snprintf(script, sizeof script, "exit %d", code);
    const char *argv[] = { shell, "-c", script, NULL };
    const char *envp[] = { NULL };
    if (pm_client_spawn(c, 0, -1, shell, argv, envp, NULL, 0, &p, NULL) != PM_OK)
        return C_SPAWN;
    if (pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info) != PM_OK)
        return C_WAIT;
    close(p.process);
    close(p.thread);
    pm_client_close(c);
    if (signalled)
        return info.state == PM_STATE_KILLED && info.exit_code == SIGTERM ? C_OK : C_STATUS;
    return info.state == PM_STATE_EXITED && info.exit_code == (uint32_t)code ? C_OK : C_STATUS;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pmconcurrent SOCKET SHELL [N]\n");
        return 2;
    }
    int n = argc > 3 ? atoi(argv[3]) : 32;
    if (n < 1 || n > MAX_CLIENTS)
        return 2;
    int barrier[2], ready[2];
    pid_t pid[MAX_CLIENTS];
    if (pipe(barrier) != 0 || pipe(ready) != 0)
        return 2;
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pid[i] = fork();
        if (pid[i] < 0)
            return 2;
        if (pid[i] == 0) {
            close(barrier[1]);
            close(ready[0]);
            _exit(client(argv[1], argv[2], i, barrier[0], ready[1]));
        }
    }
    close(barrier[0]);
    close(ready[1]);
    /* every client connected (or failed: its write end closes) */
    char b;
    int connected = 0;
    while (read(ready[0], &b, 1) == 1)
        connected++;
    close(barrier[1]);                       /* go */
    int fails = 0;
    for (int i = 0; i < n; i++) {
        int ws = 0;
        waitpid(pid[i], &ws, 0);
        int r = WIFEXITED(ws) ? WEXITSTATUS(ws) : 255;
        const char *what = r >= 0 && r <= C_BARRIER ? why[r] : "crashed";
        printf("%s %d - client %d (%s %d): %s\n", r == C_OK ? "ok" : "not ok", i + 1, i,
               i % 2 ? "kill -TERM itself, else exit" : "exit", 10 + i, what);
        fails += r != C_OK;
    }
    printf("# %d clients connected before any spawned; %d of %d statuses delivered right\n",
           connected, n - fails, n);
    return fails == 0 && connected == n ? 0 : 1;
}
