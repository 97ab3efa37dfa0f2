/*
 * libprocmgr: pm_client_spawn, the one-call launcher (posix_spawn /
 * fdio_spawn_etc) built from the builder requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procmgr/client.h"
#include "pipeline.h"

static size_t vec_len(const char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    return n;
}

/* Descriptors spawn opened itself (closed before returning). */
typedef struct spawn_fds {
    int    fd[PM_PROTO_MAX_HANDLES];
    size_t n;
} spawn_fds;

static void spawn_fds_close(spawn_fds *o)
{
    for (size_t i = 0; i < o->n; i++)
        close(o->fd[i]);
    o->n = 0;
}

/* Apply one action: startup handles and namespace entries are sent at
 * once; SET_NAME records the name for SET_INFO; SET_EXECFN is sent by
 * spawn_build after the actions. */
static pm_status apply_action(pm_client *c, const pm_spawn_action *a,
                              spawn_fds *opened, const char **name, int *err)
{
    pm_status st = PM_OK;
    pm_client_startup h;
    pm_client_name nm;
    switch (a->kind) {
    case PM_SPAWN_ACTION_CLONE_FD:
        h.fd = a->fd;
        h.id = a->id;
        st = pm_client_add_handles(c, &h, 1);
        break;
    case PM_SPAWN_ACTION_OPEN:
        if (opened->n == PM_PROTO_MAX_HANDLES || a->path == NULL)
            return PM_E_PROTO_BAD_ARGUMENT;
        h.fd = open(a->path, a->oflags | O_CLOEXEC, (mode_t)a->mode);
        if (h.fd < 0) {
            *err = errno;
            return PM_E_K_ARG;
        }
        opened->fd[opened->n++] = h.fd;
        h.id = a->id;
        st = pm_client_add_handles(c, &h, 1);
        break;
    case PM_SPAWN_ACTION_ADD_NAME:
        nm.dir_fd = a->fd;
        nm.path = a->path;
        st = a->path == NULL ? PM_E_PROTO_BAD_ARGUMENT
                             : pm_client_add_names(c, &nm, 1);
        break;
    case PM_SPAWN_ACTION_SET_NAME:
        *name = a->path;
        break;
    case PM_SPAWN_ACTION_SET_CWD:
        st = pm_client_set_cwd(c, a->fd);
        break;
    case PM_SPAWN_ACTION_SET_EXECFN:
        st = a->path == NULL ? PM_E_PROTO_BAD_ARGUMENT : PM_OK;
        break;   /* spawn_build sends the last one */
    case PM_SPAWN_ACTION_RLIMIT: case PM_SPAWN_ACTION_PRIORITY:
        break;   /* on the created process: apply_on_created */
    default:
        st = PM_E_PROTO_BAD_ARGUMENT;
        break;
    }
    return st;
}

/* The SET_INFO sharing flags that say what the spawn flags did. */
static uint32_t info_flags(uint32_t flags)
{
    return ((flags & PM_SPAWN_CLONE_STDIO) ? PM_INFO_INHERIT_STDIO : 0u) |
           ((flags & PM_SPAWN_CLONE_ENVIRON) ? PM_INFO_INHERIT_ENVIRON : 0u) |
           ((flags & PM_SPAWN_INHERIT_JOB) ? PM_INFO_INHERIT_JOB : 0u);
}

/* Actions that need the created process rather than the builder. */
static int on_created(const pm_spawn_action *a)
{
    return a->kind == PM_SPAWN_ACTION_RLIMIT || a->kind == PM_SPAWN_ACTION_PRIORITY;
}

/* The RLIMIT and PRIORITY actions, in order, on the created (not started)
 * process. */
static pm_status apply_on_created(pm_client *c, int process,
                                  const pm_spawn_action *actions, size_t n)
{
    pm_status st = PM_OK;
    for (size_t i = 0; st == PM_OK && i < n; i++)
        if (actions[i].kind == PM_SPAWN_ACTION_RLIMIT)
            st = pm_client_set_rlimit(c, process, actions[i].id,
                                      actions[i].soft, actions[i].hard);
        else if (actions[i].kind == PM_SPAWN_ACTION_PRIORITY)
            st = pm_client_set_priority(c, process, actions[i].id);
    return st;
}

pm_status pm_client_launch_limited(pm_client *c, int suspended,
                                   const pm_spawn_action *limits, size_t n,
                                   pm_client_process *out,
                                   pm_client_start_data *sd)
{
    int any = 0;
    pm_status st;
    for (size_t i = 0; i < n; i++)
        any |= on_created(&limits[i]);
    if (!any && !suspended)
        return pm_client_launch(c, out);
    st = pm_client_create_without_starting(c, out, sd);
    if (st == PM_OK)
        st = apply_on_created(c, out->process, limits, n);
    if (st == PM_OK && !suspended)
        st = pm_client_start(c, out->process, -1);
    if (st != PM_OK && out->process >= 0) {
        (void)pm_client_kill(c, out->process);
        close(out->process);
        if (out->thread >= 0)
            close(out->thread);
        out->process = out->thread = -1;
        out->koid = 0;
    }
    return st;
}

static pm_status clone_stdio(pm_client *c)
{
    pm_client_startup h[3] = { { 0, 0 }, { 1, 1 }, { 2, 2 } };
    return pm_client_add_handles(c, h, 3);
}

/* Everything before SET_INFO.  The exec filename: the last SET_EXECFN
 * action's, else path (what execve(path, ...) would show), else none
 * (the daemon then shows the process name). */
static pm_status spawn_build(pm_client *c, uint32_t flags, const char *path,
                             const char *const *argv, const char *const *envp,
                             const pm_spawn_action *actions, size_t nactions,
                             spawn_fds *opened, const char **name, int *err)
{
    pm_status st = PM_OK;
    if (vec_len(argv) > 0)
        st = pm_client_add_args(c, argv, vec_len(argv));
    if (flags & PM_SPAWN_CLONE_ENVIRON)
        envp = (const char *const *)environ;
    if (st == PM_OK && vec_len(envp) > 0)
        st = pm_client_add_environs(c, envp, vec_len(envp));
    if (st == PM_OK && (flags & PM_SPAWN_CLONE_STDIO))
        st = clone_stdio(c);
    for (size_t i = 0; st == PM_OK && i < nactions; i++) {
        st = apply_action(c, &actions[i], opened, name, err);
        if (actions[i].kind == PM_SPAWN_ACTION_SET_EXECFN)
            path = actions[i].path;
    }
    if (st == PM_OK && path != NULL)
        st = pm_client_set_execfn(c, path);
    return st;
}

pm_status pm_client_spawn(pm_client *c, uint32_t flags, int exe_fd,
                          const char *path, const char *const *argv,
                          const char *const *envp,
                          const pm_spawn_action *actions, size_t nactions,
                          pm_client_process *out, pm_client_start_data *sd)
{
    spawn_fds opened;
    const char *name = NULL;
    int exe = exe_fd, err = 0;
    pm_status st = PM_OK, st_sent;
    out->process = out->thread = -1;
    out->koid = 0;
    opened.n = 0;
    if ((flags & ~PM_SPAWN_FLAGS_ALL) != 0u || (exe_fd < 0 && path == NULL) ||
        ((flags & PM_SPAWN_CLONE_ENVIRON) && envp != NULL))
        return PM_E_PROTO_BAD_ARGUMENT;
    if (exe < 0) {
        exe = open(path, O_RDONLY | O_CLOEXEC);
        if (exe < 0)
            return PM_E_K_ARG;
        opened.fd[opened.n++] = exe;
    }
    /* Two round trips instead of one per request: the builder requests
     * go out back to back and their replies are read together; then
     * SET_INFO and the launch request.  A refused SET_INFO makes the
     * launch request fail with BUILDER_STATE, which resets the builder,
     * as the reset below does. */
    pm_client_pipeline_(c, 1);
    st = spawn_build(c, flags, path, argv, envp, actions, nactions, &opened, &name, &err);
    pm_client_pipeline_(c, 0);
    st_sent = pm_client_pipeline_status_(c);
    if (st == PM_OK)
        st = st_sent;
    if (st == PM_OK) {
        pm_client_pipeline_(c, 1);
        st = pm_client_set_info_flags(c, exe, -1, -1, name, info_flags(flags));
        pm_client_pipeline_(c, 0);
    }
    if (st == PM_OK) {
        st = pm_client_launch_limited(c, (flags & PM_SPAWN_SUSPENDED) != 0,
                                      actions, nactions, out, sd);
        st_sent = pm_client_pipeline_status_(c);
        if (st_sent != PM_OK)
            st = st_sent;     /* SET_INFO's refusal; the launch was refused */
    } else if (st != PM_E_NOT_CONNECTED && pm_client_fd(c) >= 0) {
        /* Reset the builder: LAUNCH without SET_INFO is refused with
         * BUILDER_STATE and empties it (SET_INFO is the last step, so it
         * was not accepted). */
        pm_client_process none;
        (void)pm_client_launch(c, &none);
    }
    spawn_fds_close(&opened);
    if (err != 0)
        errno = err;
    return st;
}
