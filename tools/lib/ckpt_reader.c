// SPDX-License-Identifier: GPL-2.0
/*
 * Sequential reader of the records of a checkpoint image.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ckpt_reader.h"
#include "ckpt_util.h"

/* Read at least this much at a time */
#define READ_CHUNK	(64U << 10)

static ssize_t fd_source(void *ctx, void *buf, size_t len)
{
	struct ckpt_reader *r = ctx;

	return ckpt_read(r->fd, buf, len);
}

static ssize_t pread_source(void *ctx, void *buf, size_t len)
{
	struct ckpt_reader *r = ctx;
	ssize_t n;

	do
		n = pread(r->fd, buf, len, r->pos);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->pos += n;
	return n;
}

void ckpt_reader_init(struct ckpt_reader *r, ckpt_source_fn *source, void *ctx)
{
	memset(r, 0, sizeof(*r));
	r->source = source;
	r->ctx = ctx;
	r->fd = -1;
	r->status = CKPT_READ_RECORD;
}

void ckpt_reader_init_fd(struct ckpt_reader *r, int fd)
{
	ckpt_reader_init(r, fd_source, r);
	r->fd = fd;
}

void ckpt_reader_init_pread(struct ckpt_reader *r, int fd, off_t start)
{
	ckpt_reader_init(r, pread_source, r);
	r->fd = fd;
	r->pos = start;
}

void ckpt_reader_release(struct ckpt_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = 0;
	r->head = 0;
	r->tail = 0;
}

uint64_t ckpt_reader_bytes_seen(const struct ckpt_reader *r)
{
	return r->offset + (r->tail - r->head);
}

const char *ckpt_rec_name(const struct ckpt_record *rec, char *buf, size_t size)
{
	if (rec->rt)
		return rec->rt->name;
	snprintf(buf, size, "type %" PRIu32, rec->type);
	return buf;
}

__attribute__((format(printf, 4, 5)))
static int fail(struct ckpt_reader *r, int status, uint64_t offset,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->status = status;
	r->err_offset = offset;
	return status;
}

/* Makes room for need bytes from buf[head] on. */
static int make_room(struct ckpt_reader *r, size_t need)
{
	size_t cap;
	void *p;

	if (r->head) {
		memmove(r->buf, r->buf + r->head, r->tail - r->head);
		r->tail -= r->head;
		r->head = 0;
	}
	if (r->cap >= need)
		return 0;
	cap = CKPT_ALIGN(need, (size_t)READ_CHUNK);
	p = realloc(r->buf, cap);
	if (!p)
		return -1;
	r->buf = p;
	r->cap = cap;
	return 0;
}

/*
 * Gets need bytes into buf[head..tail). Returns 1 when they are there,
 * 0 when the stream ends first, or CKPT_READ_IOERR.
 */
static int fill(struct ckpt_reader *r, size_t need)
{
	ssize_t n;

	while (r->tail - r->head < need) {
		if (r->eof)
			return 0;
		if (r->cap - r->head < need && make_room(r, need) < 0) {
			r->err_errno = errno;
			return fail(r, CKPT_READ_IOERR, ckpt_reader_bytes_seen(r),
				    "cannot buffer a %zu-byte record: %s", need,
				    strerror(errno));
		}
		n = r->source(r->ctx, r->buf + r->tail, r->cap - r->tail);
		if (n < 0) {
			r->err_errno = errno;
			return fail(r, CKPT_READ_IOERR, ckpt_reader_bytes_seen(r),
				    "read error at byte offset %" PRIu64 ": %s",
				    ckpt_reader_bytes_seen(r), strerror(errno));
		}
		if (n == 0)
			r->eof = true;
		r->tail += n;
	}
	return 1;
}

int ckpt_read_record(struct ckpt_reader *r, struct ckpt_record *rec)
{
	uint64_t off = r->offset;
	const unsigned char *p;
	struct ckpt_hdr h;
	const struct ckpt_rec_type *rt;
	char buf[32];
	const char *name;
	size_t total, i;
	int ret;

	if (r->status != CKPT_READ_RECORD)
		return r->status;

	ret = fill(r, sizeof(h));
	if (ret < 0)
		return ret;
	if (!ret) {
		if (r->tail == r->head)
			return CKPT_READ_END;
		return fail(r, CKPT_READ_TRUNCATED, off,
			    "stream ends at byte offset %" PRIu64
			    ", inside the header of the record at offset %" PRIu64,
			    ckpt_reader_bytes_seen(r), off);
	}

	memcpy(&h, r->buf + r->head, sizeof(h));
	rec->offset = off;
	rec->type = le32toh(h.type);
	rec->len = le32toh(h.len);
	rt = ckpt_rec_type_find(rec->type);
	rec->rt = rt;
	name = ckpt_rec_name(rec, buf, sizeof(buf));

	if (rec->len < sizeof(h))
		return fail(r, CKPT_READ_MALFORMED, off,
			    "record at offset %" PRIu64 " (%s): length %" PRIu32
			    " is shorter than a record header", off, name, rec->len);
	if (rec->len > CKPT_REC_MAX_LEN)
		return fail(r, CKPT_READ_MALFORMED, off,
			    "record at offset %" PRIu64 " (%s): length %" PRIu32
			    " exceeds the limit of %u bytes", off, name, rec->len,
			    CKPT_REC_MAX_LEN);
	if (rt && (rec->len < rt->min_len || (rt->max_len && rec->len > rt->max_len))) {
		if (rt->min_len == rt->max_len)
			return fail(r, CKPT_READ_MALFORMED, off,
				    "record at offset %" PRIu64 " (%s): length %" PRIu32
				    ", expected %" PRIu32, off, name, rec->len,
				    rt->min_len);
		return fail(r, CKPT_READ_MALFORMED, off,
			    "record at offset %" PRIu64 " (%s): length %" PRIu32
			    " is out of range %" PRIu32 "..%" PRIu32, off, name,
			    rec->len, rt->min_len, rt->max_len ?: CKPT_REC_MAX_LEN);
	}

	total = CKPT_ALIGN((size_t)rec->len, (size_t)CKPT_RECORD_ALIGN);
	ret = fill(r, total);
	if (ret < 0)
		return ret;
	if (!ret)
		return fail(r, CKPT_READ_TRUNCATED, off,
			    "stream ends at byte offset %" PRIu64
			    ", inside the record at offset %" PRIu64
			    " (%s, %zu bytes with padding)",
			    ckpt_reader_bytes_seen(r), off, name, total);

	p = r->buf + r->head;
	for (i = rec->len; i < total; i++)
		if (p[i])
			return fail(r, CKPT_READ_MALFORMED, off,
				    "record at offset %" PRIu64
				    " (%s): non-zero padding byte at offset %" PRIu64,
				    off, name, off + i);

	rec->data = p;
	r->head += total;
	r->offset += total;
	return CKPT_READ_RECORD;
}

int ckpt_reader_at_end(struct ckpt_reader *r)
{
	int ret;

	if (r->status == CKPT_READ_IOERR)
		return -1;
	if (r->tail > r->head)
		return 0;
	ret = fill(r, 1);
	if (ret < 0)
		return -1;
	return !ret;
}
