/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequential reader of the records of a checkpoint image.
 *
 * The reader never seeks, so it works on pipes; it copes with short reads
 * and checks the framing of each record: its length against the record
 * header size, the 64 MiB limit and the limits of its type, and the zero
 * padding up to CKPT_RECORD_ALIGN. It does not look inside records nor at
 * their order (see ckpt_stream.h).
 */
#ifndef CKPT_READER_H
#define CKPT_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ckpt_records.h"

/* No record may be longer than this */
#define CKPT_REC_MAX_LEN	(64U << 20)

/* Results of ckpt_read_record() */
enum {
	CKPT_READ_RECORD = 1,		/* *rec is filled in */
	CKPT_READ_END = 0,		/* the stream ended between two records */
	CKPT_READ_TRUNCATED = -1,	/* it ended inside a record */
	CKPT_READ_MALFORMED = -2,	/* bad record framing */
	CKPT_READ_IOERR = -3,		/* the source failed (or out of memory) */
};

/* Where bytes come from: like read(2), -1 with errno on error. */
typedef ssize_t ckpt_source_fn(void *ctx, void *buf, size_t len);

struct ckpt_record {
	uint64_t offset;		/* of the record in the stream */
	uint32_t type;
	uint32_t len;			/* as in the record, padding excluded */
	const void *data;		/* len bytes; valid until the next read */
	const struct ckpt_rec_type *rt;	/* NULL: unknown type */
};

struct ckpt_reader {
	ckpt_source_fn *source;
	void *ctx;
	int fd;			/* of the built-in sources */
	off_t pos;		/* next offset of the pread() source */

	unsigned char *buf;	/* bytes buf[head..tail) are read, not used */
	size_t cap, head, tail;
	uint64_t offset;	/* stream offset of buf[head] */
	bool eof;

	/* Once a read fails, it keeps failing the same way */
	int status;
	uint64_t err_offset;	/* where in the stream the problem is */
	int err_errno;		/* for CKPT_READ_IOERR */
	char err[256];		/* what went wrong, naming the offset */
};

/* Reads with read(2) from fd, from its current offset on. */
void ckpt_reader_init_fd(struct ckpt_reader *r, int fd);
/* Reads with pread(2) from fd, from offset start on. */
void ckpt_reader_init_pread(struct ckpt_reader *r, int fd, off_t start);
/* Reads from any source. */
void ckpt_reader_init(struct ckpt_reader *r, ckpt_source_fn *source, void *ctx);
void ckpt_reader_release(struct ckpt_reader *r);

/* Reads the next record: one of the CKPT_READ_* values. */
int ckpt_read_record(struct ckpt_reader *r, struct ckpt_record *rec);

/* Whether the stream has ended: 1 yes, 0 more bytes follow, -1 I/O error. */
int ckpt_reader_at_end(struct ckpt_reader *r);

/* Bytes of the stream read so far (used or not). */
uint64_t ckpt_reader_bytes_seen(const struct ckpt_reader *r);

/* "HEADER", or "type 57" (written to buf) for an unknown type. */
const char *ckpt_rec_name(const struct ckpt_record *rec, char *buf, size_t size);

#endif /* CKPT_READER_H */
