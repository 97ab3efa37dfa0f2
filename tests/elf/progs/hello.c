/* Test program for the ELF checks: built glibc static, static-pie, dynamic
 * PIE, dynamic non-PIE and musl static (mk/elfcheck.mk). */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
