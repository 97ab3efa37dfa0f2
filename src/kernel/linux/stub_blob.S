/*
 * The stub loader binary (built from src/kernel/linux/stub, stripped),
 * embedded read-only in the parent.  spawn.c copies it into a sealed memfd
 * once and executes that with execveat(AT_EMPTY_PATH).
 * PM_STUB_BIN is the path of the stripped stub, given by mk/linux.mk.
 */
    .section .rodata
    .balign 16
    .globl pm_stub_image
    .globl pm_stub_image_end
pm_stub_image:
    .incbin PM_STUB_BIN
pm_stub_image_end:

    .section .note.GNU-stack, "", @progbits
