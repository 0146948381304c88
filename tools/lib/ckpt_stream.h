/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structure of a checkpoint image as a whole.
 *
 * A complete image is HEADER, HEADER_ARCH, TREE, the state records of
 * each task of the tree in its order, TRAILER and nothing after it; the
 * trailer repeats the checkpoint id of the header and counts the records
 * before it. An image of a failed checkpoint ends with an ERROR record
 * instead of the trailer. The header must have the right magic and
 * format version. Every record is checked on its own (its row in the
 * record table) and against the ones before it (see ckpt_state.h).
 * Records of unknown types among the state records are counted (and
 * skipped by the caller) but do not make the image invalid.
 */
#ifndef CKPT_STREAM_H
#define CKPT_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "ckpt_reader.h"
#include "ckpt_records.h"
#include "ckpt_state.h"

enum ckpt_verdict {
	CKPT_IMAGE_COMPLETE = 0,	/* valid and complete */
	CKPT_IMAGE_FAILED = 1,		/* records a failed checkpoint */
	CKPT_IMAGE_MALFORMED = 2,	/* broken or truncated */
	CKPT_IMAGE_IOERR = 3,		/* could not be read */
};

struct ckpt_stream {
	unsigned int state;
	uint64_t nr_records;		/* well-formed records so far */
	uint64_t nr_unknown;		/* of them, of unknown type */
	uint64_t ckpt_id;		/* from the header */
	bool have_header;
	bool have_error;		/* an ERROR record was seen: */
	struct ckpt_error_info error;	/* its contents */

	/*
	 * What the records establish; after ckpt_image_scan() only its
	 * counts and the last task's are left.
	 */
	struct ckpt_state st;

	/* When the verdict is MALFORMED or IOERR */
	bool truncated;			/* the stream stopped too early */
	uint64_t err_offset;
	int err_errno;			/* IOERR only */
	char err[320];			/* names the offset */
};

/*
 * Called for each record that is framed well, before its contents are
 * checked: s->st is still the state before the record.
 */
typedef void ckpt_record_fn(const struct ckpt_record *rec, const struct ckpt_stream *s,
			    void *arg);

/*
 * Reads the whole image from r, calling fn (if not NULL) on each record,
 * and judges it. Stops at the first problem.
 */
enum ckpt_verdict ckpt_image_scan(struct ckpt_reader *r, struct ckpt_stream *s,
				  ckpt_record_fn *fn, void *arg);

#endif /* CKPT_STREAM_H */
