/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record types of a checkpoint image: decoding, checking and printing.
 *
 * Each known record type has one row in a table giving its name, its
 * length limits, a function that checks its contents and one that prints
 * them. Decoders turn the little-endian stream layout into host order.
 */
#ifndef CKPT_RECORDS_H
#define CKPT_RECORDS_H

#include <stdint.h>
#include <stdio.h>
#include <linux/checkpoint.h>

struct ckpt_rec_type {
	uint32_t type;
	const char *name;
	uint32_t min_len;	/* records shorter than this are malformed */
	uint32_t max_len;	/* 0: no limit but the reader's */
	/*
	 * Checks the contents of a record of at least min_len bytes.
	 * Returns 0, or -1 after describing the problem in why.
	 */
	int (*check)(const void *rec, uint32_t len, char *why, size_t size);
	/* Prints the decoded fields, one per line, to out. */
	void (*print)(FILE *out, const void *rec, uint32_t len);
};

/* The row for type, or NULL for a type this tool does not know. */
const struct ckpt_rec_type *ckpt_rec_type_find(uint32_t type);

/* The decoded contents of a CKPT_HDR_ERROR record. */
struct ckpt_error_info {
	int errnum;
	char msg[CKPT_ERROR_MSG_MAX];	/* always NUL-terminated */
};

/*
 * Decoders: rec points at a whole record (struct ckpt_hdr included) of
 * the right type, at least as long as its table row requires.
 */
void ckpt_decode_header(const void *rec, struct ckpt_hdr_header *h);
void ckpt_decode_arch(const void *rec, struct ckpt_hdr_header_arch_x86_64 *a);
void ckpt_decode_error(const void *rec, uint32_t len, struct ckpt_error_info *e);
void ckpt_decode_trailer(const void *rec, struct ckpt_hdr_trailer *t);

#endif /* CKPT_RECORDS_H */
