/*
 * Shared by the two parent sides of the Linux stub loader: pm_linux_spawn
 * (spawn.c, plan mode) and the kernel.h backend (klinux*.c, ops mode).
 * Internal to src/kernel/linux; hosted code (libc).
 */
#ifndef PROCMGR_LX_COMMON_H
#define PROCMGR_LX_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "procmgr/khost.h"
#include "procmgr/status.h"
#include "stub/stub_proto.h"

#define PM_LX_SEALS_NEEDED 0x1c   /* F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE */

/* Raise the soft RLIMIT_NOFILE to the hard limit (once; pm_kh_open): the
 * daemon holds descriptors for every process.  Each stub's child sets the
 * limits found here back before it executes the stub, so a launched
 * program gets the limit it would have had. */
void pm_lx_nofile_raise(void);

/* The least soft RLIMIT_NOFILE procmgrd must be started with: each stub
 * (and so each launched program, until it runs) starts with that limit,
 * and the stub moves its control socket and every descriptor it receives
 * to PM_STUB_FD_LIMIT (256) and above.  This leaves room for 31 of them
 * (the executable, its interpreter, the working directory, the startup
 * handles); a launch that passes more under a low limit fails with
 * K_NO_DESCRIPTORS. */
#define PM_LX_NOFILE_MIN (PM_STUB_FD_LIMIT + 32u)

/* Can launches work under the limits found at start (pm_lx_nofile_raise)?
 * PM_OK, or K_NO_DESCRIPTORS with a sentence in msg naming the limit and
 * what to do (issue 18 item 4). */
pm_status pm_lx_nofile_check(char *msg, size_t cap);

/* Can a stub that receives nfds descriptors lift them and its control
 * socket to PM_STUB_FD_LIMIT and above under the limit it starts with?
 * 1 or 0.  (A stub that cannot would lose its reply with its control
 * socket's old number: the launch is refused before, K_NO_DESCRIPTORS.) */
int pm_lx_nofile_fits(uint32_t nfds);

/* The sealed memfd holding the embedded stub, made once per process; -1
 * with errno set when it cannot be made. */
int pm_lx_stub_memfd(void);

/* An image fd must be a regular file, or a memfd sealed against write,
 * grow and shrink: PM_OK with *size, LINUX_NOT_REGULAR,
 * LINUX_MEMFD_UNSEALED, LINUX_IMAGE_IO (fstat failed: *sys_errno). */
pm_status pm_lx_image_check(int fd, uint64_t *size, int *sys_errno);

/* Execute permission as the kernel's permission check answers it for a
 * file of `mode` owned by fuid:fgid and a client cr: the owner's bits when
 * cr->uid is the owner, else the group's when fgid is cr->gid or one of
 * cr->groups, else the others'; uid 0 (CAP_DAC_OVERRIDE) needs any one
 * execute bit.  PM_OK or LINUX_EXEC_DENIED.  Pure. */
pm_status pm_lx_exec_mode(uint32_t mode, uint32_t fuid, uint32_t fgid,
                          const pm_kh_cred *cr);

/* The effective ids execve gives a program whose file has mode, fuid and
 * fgid, for a caller whose effective ids are euid and egid: the file's
 * owner with S_ISUID, its group with S_ISGID and S_IXGRP (S_ISGID alone
 * marks mandatory locking), else the caller's (*nuid, *ngid).  1 when
 * either differs from the caller's, else 0.  Pure. */
int pm_lx_setid_ids(uint32_t mode, uint32_t fuid, uint32_t fgid, uint32_t euid,
                    uint32_t egid, uint32_t *nuid, uint32_t *ngid);

/* The effective ids execve would run the open program fd with, when
 * procmgrd (whose ids the stub has) may give them: *nuid, *ngid
 * (procmgrd's own when no bit changes them, on a nosuid mount, or under
 * no_new_privs, where execve ignores the bits) and PM_OK.
 * LINUX_SETID_REFUSED when execve would raise privilege: ids that differ
 * from procmgrd's when it is not root, or file capabilities for a
 * procmgrd other than root.  LINUX_IMAGE_IO when fstat or fstatvfs fails
 * (*sys_errno). */
pm_status pm_lx_setid_check(int fd, uint32_t *nuid, uint32_t *ngid, int *sys_errno);

/* The open file fd as execve would open it for cr: on a noexec mount
 * (fstatvfs ST_NOEXEC) LINUX_NOEXEC, else pm_lx_exec_mode of its fstat;
 * LINUX_IMAGE_IO when either call fails (*sys_errno). */
pm_status pm_lx_exec_check(int fd, const pm_kh_cred *cr, int *sys_errno);

/*
 * Start a child running the stub: clone(CLONE_VM|CLONE_VFORK|CLONE_PIDFD)
 * with every signal blocked, the control socket ctl_child at
 * PM_STUB_CTL_FD and nothing else open, execveat of the stub memfd with
 * argv/envp.  PM_OK with *pid, *pidfd (close-on-exec); LINUX_STUB_SETUP,
 * LINUX_CLONE or LINUX_STUB_EXEC (nothing left: the child was reaped).
 */
pm_status pm_lx_clone_stub(int ctl_child, char *const *argv, char *const *envp,
                           int *pid, int *pidfd, int *sys_errno);

/* SIGKILL through the pidfd and wait for the child (no zombie). */
void pm_lx_kill_reap(int pidfd);

/* Every wait on a stub's answer has a deadline (issue 18): a stopped,
 * traced or hung stub costs its own launch, never the daemon.  The
 * deadline is PROCMGR_STUB_TIMEOUT_MS (milliseconds, 1..3600000; read
 * once; default 10 s). */
#define PM_LX_STUB_TIMEOUT_DEFAULT_MS 10000
#define PM_LX_STUB_TIMEOUT_MAX_MS     3600000
int pm_lx_stub_timeout_ms(void);

/* Wait until ctl is readable (a message, end of file or an error) within
 * the deadline: PM_OK, K_TIMED_OUT (*sys_errno ETIMEDOUT), or
 * LINUX_STUB_PROTOCOL (poll failed: *sys_errno).  The caller kills the
 * stub on a failure. */
pm_status pm_lx_wait_stub(int ctl, int *sys_errno);

/* Receive the stub's first message (pm_stub_hello) within the deadline:
 * PM_OK, K_TIMED_OUT, or LINUX_STUB_PROTOCOL (EOF, short, bad magic;
 * *sys_errno). */
pm_status pm_lx_recv_hello(int ctl, pm_stub_hello *h, int *sys_errno);

/* Send one datagram buf[0, len) with nfds fds (SCM_RIGHTS; at most
 * PM_LX_MAX_SEND_FDS): PM_OK, or LINUX_STUB_PROTOCOL (*sys_errno). */
#define PM_LX_MAX_SEND_FDS (PM_STUB_MAX_IMAGES + 1u + PM_STUB_MAX_SLOTS + 1u + PM_STUB_MAX_MOUNTS)
pm_status pm_lx_send_fds(int sock, const void *buf, size_t len, const int *fds,
                         size_t nfds, int *sys_errno);

#endif /* PROCMGR_LX_COMMON_H */
