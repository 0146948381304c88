// SPDX-License-Identifier: GPL-2.0
/*
 * Structure of a checkpoint image as a whole.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "ckpt_stream.h"
#include "ckpt_util.h"

enum {
	S_START,	/* expecting the header */
	S_ARCH,		/* expecting the arch header */
	S_TREE,		/* expecting the tree of tasks */
	S_BODY,		/* state records, until the trailer */
	S_DONE,		/* after the trailer or an error record */
};

__attribute__((format(printf, 4, 5)))
static enum ckpt_verdict malformed(struct ckpt_stream *s, const struct ckpt_record *rec,
				   uint64_t offset, const char *fmt, ...)
{
	char what[256], name[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rec)
		snprintf(s->err, sizeof(s->err), "record at offset %" PRIu64 " (%s): %s",
			 rec->offset, ckpt_rec_name(rec, name, sizeof(name)), what);
	else
		snprintf(s->err, sizeof(s->err), "%s", what);
	s->err_offset = offset;
	return CKPT_IMAGE_MALFORMED;
}

static enum ckpt_verdict from_reader(struct ckpt_stream *s, const struct ckpt_reader *r,
				     int status)
{
	snprintf(s->err, sizeof(s->err), "%s", r->err);
	s->err_offset = r->err_offset;
	if (status == CKPT_READ_IOERR) {
		s->err_errno = r->err_errno;
		return CKPT_IMAGE_IOERR;
	}
	s->truncated = status == CKPT_READ_TRUNCATED;
	return CKPT_IMAGE_MALFORMED;
}

/* Checks that rec may come next. Returns -1 (verdict in *v) or 0. */
static int add_record(struct ckpt_stream *s, const struct ckpt_record *rec,
		      enum ckpt_verdict *v)
{
	char why[256];
	struct ckpt_hdr_header h;
	struct ckpt_hdr_trailer t;

	if (rec->rt && rec->rt->check(rec->data, rec->len, why, sizeof(why)) < 0) {
		*v = malformed(s, rec, rec->offset, "%s", why);
		return -1;
	}

	switch (rec->type) {
	case CKPT_HDR_ERROR:
		/* May come anywhere: a checkpoint stops where it fails */
		s->have_error = true;
		ckpt_decode_error(rec->data, rec->len, &s->error);
		s->state = S_DONE;
		break;
	case CKPT_HDR_HEADER:
		if (s->state != S_START)
			goto misplaced;
		ckpt_decode_header(rec->data, &h);
		s->ckpt_id = h.ckpt_id;
		s->have_header = true;
		s->state = S_ARCH;
		break;
	case CKPT_HDR_HEADER_ARCH:
		if (s->state != S_ARCH)
			goto misplaced;
		s->state = S_TREE;
		break;
	case CKPT_HDR_TREE:
		if (s->state != S_TREE)
			goto misplaced;
		s->state = S_BODY;
		break;
	case CKPT_HDR_TRAILER:
		if (s->state != S_BODY)
			goto misplaced;
		ckpt_decode_trailer(rec->data, &t);
		if (t.ckpt_id != s->ckpt_id) {
			*v = malformed(s, rec, rec->offset, "checkpoint id %" PRIu64
				       " differs from the header's %" PRIu64,
				       (uint64_t)t.ckpt_id, s->ckpt_id);
			return -1;
		}
		if (t.nr_records != s->nr_records) {
			*v = malformed(s, rec, rec->offset, "counts %" PRIu32
				       " records before it, the image has %" PRIu64,
				       t.nr_records, s->nr_records);
			return -1;
		}
		s->state = S_DONE;
		break;
	default:
		if (s->state != S_BODY)
			goto misplaced;
		if (!rec->rt)
			s->nr_unknown++;
		break;
	}
	if (ckpt_state_add(&s->st, rec, why, sizeof(why)) < 0) {
		*v = malformed(s, rec, rec->offset, "%s", why);
		return -1;
	}
	s->nr_records++;
	return 0;

misplaced:
	if (s->state == S_START)
		*v = malformed(s, rec, rec->offset,
			       "the image must start with a HEADER record");
	else if (s->state == S_ARCH)
		*v = malformed(s, rec, rec->offset,
			       "expected a HEADER_ARCH record after the header");
	else if (s->state == S_TREE)
		*v = malformed(s, rec, rec->offset,
			       "expected a TREE record after the HEADER_ARCH record");
	else
		*v = malformed(s, rec, rec->offset, "duplicate record");
	return -1;
}

/* The stream ended cleanly after the last record read. */
static enum ckpt_verdict at_end(struct ckpt_stream *s, const struct ckpt_reader *r)
{
	uint64_t end = ckpt_reader_bytes_seen(r);

	s->truncated = true;
	if (s->state == S_START)
		return malformed(s, NULL, end, "the stream is empty");
	return malformed(s, NULL, end, "stream ends at byte offset %" PRIu64
			 " after %" PRIu64 " record%s, without a trailer",
			 end, s->nr_records, s->nr_records == 1 ? "" : "s");
}

static enum ckpt_verdict scan(struct ckpt_reader *r, struct ckpt_stream *s,
			      ckpt_record_fn *fn, void *arg)
{
	struct ckpt_record rec;
	enum ckpt_verdict v;
	int ret;

	while (s->state != S_DONE) {
		ret = ckpt_read_record(r, &rec);
		if (ret == CKPT_READ_END)
			return at_end(s, r);
		if (ret < 0)
			return from_reader(s, r, ret);
		if (fn)
			fn(&rec, s, arg);
		if (add_record(s, &rec, &v) < 0)
			return v;
	}

	ret = ckpt_reader_at_end(r);
	if (ret < 0)
		return from_reader(s, r, CKPT_READ_IOERR);
	if (!ret)
		return malformed(s, NULL, r->offset, "unexpected data at byte offset %"
				 PRIu64 ", after the %s record", r->offset,
				 s->have_error ? "ERROR" : "TRAILER");
	return s->have_error ? CKPT_IMAGE_FAILED : CKPT_IMAGE_COMPLETE;
}

enum ckpt_verdict ckpt_image_scan(struct ckpt_reader *r, struct ckpt_stream *s,
				  ckpt_record_fn *fn, void *arg)
{
	enum ckpt_verdict v;

	memset(s, 0, sizeof(*s));
	s->state = S_START;
	ckpt_state_init(&s->st);
	v = scan(r, s, fn, arg);
	ckpt_state_release(&s->st);
	return v;
}
