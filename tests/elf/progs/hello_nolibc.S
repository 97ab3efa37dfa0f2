/* Test program for the ELF checks: no libc, x86-64 Linux system calls only.
 * Built with gcc -nostdlib -static. */
    .globl _start
    .text
_start:
    mov     $1, %eax                /* write(1, msg, len) */
    mov     $1, %edi
    lea     msg(%rip), %rsi
    mov     $len, %edx
    syscall
    mov     $60, %eax               /* exit(0) */
    xor     %edi, %edi
    syscall

    .section .rodata
msg:
    .ascii  "hello\n"
    len = . - msg

    /* No executable stack. */
    .section .note.GNU-stack, "", @progbits
