/*
 * Reading an ELF file's header area the way procmgr does before validation
 * (hosted C; shared by elfcheck and the kernel-differential test).
 *
 *  - follows symlinks, like execve;
 *  - refuses anything that is not a regular file before opening it (so a
 *    device is never opened and a FIFO never blocks), opens with O_NONBLOCK
 *    and re-checks with fstat that the opened object is the same regular file;
 *  - refuses empty files and files larger than ELFCHECK_MAX_FILE;
 *  - reads min(size, PM_ELF_HEADER_AREA) bytes with pread (EINTR and short
 *    reads handled) into the caller's private buffer: never the whole file,
 *    never mmap.
 */
#ifndef PROCMGR_CLI_ELFCHECK_READ_H
#define PROCMGR_CLI_ELFCHECK_READ_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/elf.h"

#define ELFCHECK_MAX_FILE (4ull << 30)   /* 4 GiB */

/* Reads `path` into buf (capacity PM_ELF_HEADER_AREA).  On success returns 0
 * and sets *buf_len and *file_size.  On failure returns -1 and writes a
 * one-line reason (no newline) into why[0..why_len). */
int elfcheck_read_header(const char *path, uint8_t *buf, uint64_t *buf_len,
                         uint64_t *file_size, char *why, size_t why_len);

/* Reads and validates `path` as procmgr does: the header area into buf
 * (capacity PM_ELF_READ_MAX), pm_elf_validate, and when the validator names
 * bytes past the header area (plan->need_off/need_len: the PT_INTERP name),
 * one further read of just those into buf after the header area and
 * pm_elf_validate_ext.  Returns 0 with *st the validator's answer (and
 * *buf_len the bytes in buf), or -1 on an I/O error with why filled. */
int elfcheck_read_validate(const char *path, uint8_t *buf,
                           const pm_elf_policy *pol, pm_elf_role role,
                           pm_elf_plan *plan, pm_status *st,
                           uint64_t *buf_len, uint64_t *file_size,
                           char *why, size_t why_len);

#endif /* PROCMGR_CLI_ELFCHECK_READ_H */
