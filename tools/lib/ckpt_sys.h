/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wrappers for the checkpoint(2) and restart(2) system calls.
 */
#ifndef CKPT_SYS_H
#define CKPT_SYS_H

#include <stdbool.h>
#include <sys/syscall.h>
#include <sys/types.h>

#ifndef __NR_checkpoint
#define __NR_checkpoint	463
#endif
#ifndef __NR_restart
#define __NR_restart	464
#endif

/* Both return what the system call returns: -1 with errno set on failure. */
long ckpt_sys_checkpoint(pid_t pid, int fd, unsigned long flags);
long ckpt_sys_restart(pid_t pid, int fd, unsigned long flags);

/*
 * Whether the running kernel implements checkpoint(2) / restart(2).
 *
 * A kernel without the subsystem either has no such system call (ENOSYS)
 * or, since Linux 6.13, uses the same numbers for setxattrat/getxattrat,
 * which reject the probe's arguments with EINVAL. The probe is a call on
 * the caller itself (pid 0) with no flags and a bad file descriptor: the
 * real system calls fail it with EBADF (or EPERM, say, under seccomp), never
 * with ENOSYS or EINVAL. It has no side effect on any kernel. On false,
 * errno holds what the probe got.
 */
bool ckpt_sys_has_checkpoint(void);
bool ckpt_sys_has_restart(void);

/* Why a probe said no, for a message: err is the errno it left. */
const char *ckpt_sys_probe_detail(int err);

#endif /* CKPT_SYS_H */
