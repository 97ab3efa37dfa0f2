/*
 * A libprocmgr user built against the INSTALLED procmgr.pc (check-install):
 * connect to procmgrd on SOCKET, launch PROGRAM with our stdio, wait for
 * it, print "PROGRAM: exit N" and exit with that code.
 *
 *   pmhello SOCKET PROGRAM [ARGS]
 */
#include <procmgr/client.h>
#include <procmgr/version.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    pm_client *c;
    pm_client_process p;
    pm_proto_info info;
    if (argc < 3) {
        fprintf(stderr, "usage: pmhello SOCKET PROGRAM [ARGS]\n");
        return 2;
    }
    pm_status st = pm_client_connect(argv[1], &c);
    if (st == PM_OK)
        st = pm_client_spawn(c, PM_SPAWN_CLONE_STDIO | PM_SPAWN_CLONE_ENVIRON, -1, argv[2],
                             (const char *const *)&argv[2], NULL, NULL, 0, &p, NULL);
    if (st == PM_OK)
        st = pm_client_wait(c, p.process, PM_WAIT_FOREVER, &info);
    if (st != PM_OK) {
        fprintf(stderr, "pmhello (procmgr %s): %s: %s (%d)\n", PROCMGR_VERSION, argv[2],
                pm_status_name(st), (int)st);
        return 1;
    }
    printf("%s: exit %u\n", argv[2], (unsigned)info.exit_code);
    pm_client_close(c);
    return (int)info.exit_code;
}
