/*
 * No-libc test program for the Linux loader.  Checks the process entry
 * state the loader promises (System V ABI): %rsp 16-byte aligned and
 * pointing at argc >= 1, %rdx = 0 (no atexit function).  Prints
 * "asm-hello ok" and exits 0, or exits 3 (rsp), 4 (rdx), 5 (argc).
 */
    .text
    .globl _start
_start:
    mov $3, %edi
    test $15, %rsp
    jnz 1f
    mov $4, %edi
    test %rdx, %rdx
    jnz 1f
    mov $5, %edi
    cmpq $1, (%rsp)
    jb 1f
    mov $1, %eax                /* write(1, msg, len) */
    mov $1, %edi
    lea msg(%rip), %rsi
    mov $len, %edx
    syscall
    xor %edi, %edi
1:  mov $231, %eax              /* exit_group(edi) */
    syscall
    hlt

    .section .rodata
msg:
    .ascii "asm-hello ok\n"
    .set len, . - msg

    .section .note.GNU-stack, "", @progbits
