/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the checkpoint/restart tools.
 */
#ifndef CKPT_UTIL_H
#define CKPT_UTIL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define CKPT_ALIGN(x, a)	(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define CKPT_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* read(2) that retries on EINTR; may still return less than len. */
ssize_t ckpt_read(int fd, void *buf, size_t len);

/*
 * Reads the start of a small file (proc, cgroup) into buf as a string.
 * Returns its length, or -1 with errno on failure.
 */
ssize_t ckpt_read_file(const char *path, char *buf, size_t size);

/* Writes all of buf, retrying on EINTR and short writes. 0 or -1/errno. */
int ckpt_write_all(int fd, const void *buf, size_t len);

/* "EINVAL" for EINVAL; NULL if the number has no name. */
const char *ckpt_errno_name(int err);

/* Prints at most max bytes of s, up to a NUL, escaping what is not printable. */
void ckpt_print_str(FILE *out, const char *s, size_t max);

/* Parses a positive pid; -1 if str is not one. */
pid_t ckpt_parse_pid(const char *str);

#endif /* CKPT_UTIL_H */
