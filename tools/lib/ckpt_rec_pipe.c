// SPDX-License-Identifier: GPL-2.0
/*
 * Records of pipes: PIPE, a pipe with the bytes in it. It comes right
 * before the FILE record of the first of its ends, which names it by its
 * objref (peer_objref); see ckpt_rec_files.c for the ends.
 */
#include <inttypes.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"

void ckpt_decode_pipe(const void *rec, struct ckpt_hdr_pipe *p)
{
	memcpy(p, rec, sizeof(*p));
	ckpt_decode_hdr(&p->h);
	p->objref = (int32_t)le32toh((uint32_t)p->objref);
	p->size = le32toh(p->size);
	p->data_len = le32toh(p->data_len);
	p->__pad = le32toh(p->__pad);
}

int ckpt_check_pipe(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_pipe p;

	ckpt_decode_pipe(rec, &p);
	if (p.objref <= 0)
		return ckpt_bad(why, size, "objref %" PRId32 " is not positive", p.objref);
	if (!p.size || p.size > CKPT_PIPE_MAX)
		return ckpt_bad(why, size, "size %" PRIu32 " is not from 1 to %u", p.size,
				CKPT_PIPE_MAX);
	if (p.data_len > p.size)
		return ckpt_bad(why, size, "data_len %" PRIu32 " exceeds the size %" PRIu32,
				p.data_len, p.size);
	if (len != sizeof(p) + (uint64_t)p.data_len)
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit data_len %"
				PRIu32, len, p.data_len);
	if (p.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

/* The pipe takes its objref, for the FILE records of its ends */
int ckpt_track_pipe(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size)
{
	struct ckpt_hdr_pipe p;

	(void)len;
	ckpt_decode_pipe(rec, &p);
	if (ckpt_state_add_pipe(st, p.objref, p.size, p.data_len, why, size) < 0)
		return -1;
	st->task.nr_pipes++;
	st->task.pipe_bytes += p.data_len;
	return 0;
}

void ckpt_print_pipe(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_pipe p;

	(void)len;
	(void)st;
	ckpt_decode_pipe(rec, &p);
	fprintf(out, FIELD "%" PRId32 "\n", "objref", p.objref);
	fprintf(out, FIELD "%" PRIu32 " bytes\n", "size", p.size);
	fprintf(out, FIELD "%" PRIu32 " byte%s\n", "data", p.data_len,
		p.data_len == 1 ? "" : "s");
}
