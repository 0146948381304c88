// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the checkpoint/restart tools.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_util.h"

ssize_t ckpt_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

ssize_t ckpt_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = ckpt_read(fd, buf, size - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	buf[n] = '\0';
	return n;
}

int ckpt_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

const char *ckpt_errno_name(int err)
{
	return strerrorname_np(err);
}

void ckpt_print_str(FILE *out, const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '\\')
			fputs("\\\\", out);
		else if (isprint(c))
			putc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
}

pid_t ckpt_parse_pid(const char *str)
{
	char *end;
	long val;

	if (!isdigit((unsigned char)str[0]))
		return -1;
	errno = 0;
	val = strtol(str, &end, 10);
	if (errno || *end || val <= 0 || val > INT_MAX)
		return -1;
	return val;
}
