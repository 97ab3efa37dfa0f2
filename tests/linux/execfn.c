/* Prints what a program sees of the name it was executed by: AT_EXECFN
 * (getauxval), argv[0] and comm (/proc/self/comm), one per line.  Run
 * directly and through procmgrd (tests/daemon/execfn.sh): the two outputs
 * must be equal, for a program at a long path, through PATH, and as the
 * interpreter of a `#!` script (AT_EXECFN is then the script's path). */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    char comm[64] = "";
    FILE *f = fopen("/proc/self/comm", "r");
    if (f != NULL) {
        if (fgets(comm, sizeof comm, f) == NULL)
            comm[0] = '\0';
        fclose(f);
    }
    comm[strcspn(comm, "\n")] = '\0';
    printf("AT_EXECFN=%s\n", execfn != NULL ? execfn : "(none)");
    printf("argv[0]=%s\n", argc > 0 ? argv[0] : "(none)");
    printf("comm=%s\n", comm);
    return execfn != NULL ? 0 : 1;
}
