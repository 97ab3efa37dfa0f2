/*
 * procmgr stub loader: entry and exit trampoline (x86-64).
 *
 * _start leaves the kernel-made stack alone (it becomes the program's stack:
 * its argument and environment strings are the program's, so /proc/PID/
 * cmdline and environ are right) and runs the C loader on a stack inside the
 * stub's own .bss, which the trampoline unmaps with the rest of the stub.
 *
 * pm_stub_tramp is position independent: the loader copies the bytes
 * between pm_stub_tramp and pm_stub_tramp_end into a fresh anonymous page,
 * makes it r-x, and calls it there:
 *   rdi = start of the stub image   rsi = its length (page multiple)
 *   rdx = initial stack pointer     rcx = entry
 *   r8  = address of a vDSO "syscall; [xor reg,reg]*; ret" gadget, or 0
 *   r9  = address of the trampoline page itself
 *   [rsp + 8] (7th argument) = a struct prctl_mm_map inside the trampoline
 *             page whose exe_fd is the program image, or 0
 * It unmaps the stub image, tries PR_SET_MM_MAP with that struct (so
 * /proc/PID/exe becomes the program) and closes exe_fd, sets a set-id
 * program's ids when the page asks it (offset 3072), writes the entry just below the initial stack
 * pointer, and with a gadget, jumps into the vDSO with munmap(r9, 4096)
 * loaded: the kernel's own code unmaps the trampoline page, and the gadget's
 * "ret" pops the entry, leaving %rsp at the initial stack pointer.  Without
 * a gadget it returns to the entry itself and its page stays mapped (r-x),
 * which the stub reports as PM_STUB_R_TRAMP_LEFT.
 * Every general register but %rsp, %rip and the ones the syscall defines
 * (%rax = 0, %rcx, %r11 cleared by the gadget when it does) is zero at the
 * entry; in particular %rdx = 0 (no atexit function, as the kernel does).
 */
    .text
    .globl _start
    .type _start, @function
_start:
    xor %ebp, %ebp
    mov %rsp, %rdi                  /* the kernel's initial stack */
    lea pm_stub_stack_end(%rip), %rsp
    call pm_stub_main
    ud2                             /* pm_stub_main never returns */
    .size _start, . - _start

    /* setres_ids NR, OFF: system call NR (setresgid, setresuid) with
     * (-1, id, id), id the u32 at OFF in the trampoline page (%r15); a
     * failure stops at 9 (ud2) */
    .macro setres_ids nr, off
    mov $\nr, %eax
    mov $-1, %edi
    mov \off(%r15), %esi
    mov %esi, %edx
    syscall
    test %rax, %rax
    jnz 9f
    .endm

    .globl pm_stub_tramp
    .globl pm_stub_tramp_end
    .type pm_stub_tramp, @function
pm_stub_tramp:
    mov 8(%rsp), %rbx               /* struct prctl_mm_map with exe_fd, or 0 */
    mov %rdx, %r12                  /* initial sp */
    mov %rcx, %r13                  /* entry      */
    mov %r8, %r14                   /* gadget     */
    mov %r9, %r15                   /* this page  */
    mov $11, %eax                   /* munmap(stub image) */
    syscall
    test %rax, %rax
    jnz 9f
    test %rbx, %rbx
    jz 2f
    /* prctl(PR_SET_MM, PR_SET_MM_MAP, rbx, 104, 0) with exe_fd = the image:
     * the kernel refuses to change /proc/PID/exe while the old exe (the stub
     * memfd) is mapped, hence here; needs CAP_CHECKPOINT_RESTORE or
     * CAP_SYS_ADMIN.  Best effort: the result is not needed. */
    mov $157, %eax
    mov $35, %edi
    mov $14, %esi
    mov %rbx, %rdx
    mov $104, %r10d
    xor %r8d, %r8d
    syscall
    mov $3, %eax                    /* close(exe_fd) */
    mov 100(%rbx), %edi
    syscall
2:
    /* A set-id program (ids at page + 3072: 1, euid, egid): its effective
     * and saved ids, the real ones kept, as execve sets them; after the
     * PR_SET_MM_MAP above, which needs the capability root drops here;
     * the group first, as only root may set it.  They cannot fail for
     * root (no real id changes); if they did, the program must not run
     * with procmgrd's ids: ud2 (SIGILL). */
    cmpl $1, 3072(%r15)
    jne 3f
    setres_ids 119, 3080            /* setresgid(-1, egid, egid) */
    setres_ids 117, 3076            /* setresuid(-1, euid, euid) */
3:
    lea -8(%r12), %rsp
    mov %r13, (%rsp)
    mov %r14, %rcx
    mov %r15, %rdi
    mov $4096, %esi
    xor %edx, %edx
    xor %ebx, %ebx
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    test %rcx, %rcx
    jz 1f
    mov $11, %eax                   /* munmap(this page), in the vDSO */
    jmp *%rcx
1:  xor %eax, %eax
    xor %edi, %edi
    xor %esi, %esi
    ret                             /* fallback: this page stays */
9:  ud2
pm_stub_tramp_end:
    .size pm_stub_tramp, . - pm_stub_tramp

    /* The loader's own stack (unmapped with the rest of the stub). */
    .bss
    .balign 16
pm_stub_stack:
    .skip 65536
pm_stub_stack_end:

    .section .note.GNU-stack, "", @progbits
