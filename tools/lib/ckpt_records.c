// SPDX-License-Identifier: GPL-2.0
/*
 * Record types of a checkpoint image: decoding, checking and printing.
 */
#include <endian.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "ckpt_records.h"
#include "ckpt_util.h"

/* The stream layout is part of the ABI: catch any accidental change. */
_Static_assert(sizeof(struct ckpt_hdr) == 8, "ckpt_hdr");
_Static_assert(sizeof(struct ckpt_hdr_header) == 392, "ckpt_hdr_header");
_Static_assert(sizeof(struct ckpt_hdr_header_arch_x86_64) == 24, "ckpt_hdr_arch");
_Static_assert(sizeof(struct ckpt_hdr_error) == 16, "ckpt_hdr_error");
_Static_assert(sizeof(struct ckpt_hdr_trailer) == 32, "ckpt_hdr_trailer");

#define ERROR_MIN_LEN	(sizeof(struct ckpt_hdr_error) + 1)
#define ERROR_MAX_LEN	(sizeof(struct ckpt_hdr_error) + CKPT_ERROR_MSG_MAX)

#define FIELD	"    %-15s "	/* indentation and name column of a field */

/* Decoders */

static void decode_hdr(struct ckpt_hdr *h)
{
	h->type = le32toh(h->type);
	h->len = le32toh(h->len);
}

void ckpt_decode_header(const void *rec, struct ckpt_hdr_header *h)
{
	memcpy(h, rec, sizeof(*h));
	decode_hdr(&h->h);
	h->magic = le64toh(h->magic);
	h->format = le16toh(h->format);
	h->arch = le16toh(h->arch);
	h->page_size = le32toh(h->page_size);
	h->flags = le64toh(h->flags);
	h->ckpt_id = le64toh(h->ckpt_id);
	h->time_sec = (int64_t)le64toh((uint64_t)h->time_sec);
	h->time_nsec = le32toh(h->time_nsec);
	h->kernel_version = le32toh(h->kernel_version);
	h->root_pid = (int32_t)le32toh((uint32_t)h->root_pid);
	h->__pad = le32toh(h->__pad);
}

void ckpt_decode_arch(const void *rec, struct ckpt_hdr_header_arch_x86_64 *a)
{
	memcpy(a, rec, sizeof(*a));
	decode_hdr(&a->h);
	a->xfeatures = le64toh(a->xfeatures);
	a->xstate_size = le32toh(a->xstate_size);
	a->__pad = le32toh(a->__pad);
}

void ckpt_decode_error(const void *rec, uint32_t len, struct ckpt_error_info *e)
{
	struct ckpt_hdr_error h;
	size_t n = len - sizeof(h);

	memcpy(&h, rec, sizeof(h));
	e->errnum = (int32_t)le32toh((uint32_t)h.errnum);
	if (n > sizeof(e->msg) - 1)
		n = sizeof(e->msg) - 1;
	memcpy(e->msg, (const char *)rec + sizeof(h), n);
	e->msg[n] = '\0';
}

void ckpt_decode_trailer(const void *rec, struct ckpt_hdr_trailer *t)
{
	memcpy(t, rec, sizeof(*t));
	decode_hdr(&t->h);
	t->magic = le64toh(t->magic);
	t->ckpt_id = le64toh(t->ckpt_id);
	t->nr_records = le32toh(t->nr_records);
	t->__pad = le32toh(t->__pad);
}

/* Helpers */

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

static const char *arch_name(unsigned int arch)
{
	switch (arch) {
	case CKPT_ARCH_X86_64:
		return "x86_64";
	}
	return NULL;
}

static void print_uts(FILE *out, const char *name, const char *s)
{
	fprintf(out, FIELD "\"", name);
	ckpt_print_str(out, s, CKPT_UTS_LEN);
	fputs("\"\n", out);
}

static void print_time(FILE *out, int64_t sec, uint32_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
		fprintf(out, FIELD "%" PRId64 ".%09" PRIu32 " (not a valid date)\n",
			"time", sec, nsec);
		return;
	}
	fprintf(out, FIELD "%s.%09" PRIu32 " UTC (%" PRId64 ")\n", "time", buf, nsec,
		sec);
}

/* CKPT_HDR_HEADER */

static int check_header(const void *rec, uint32_t len, char *why, size_t size)
{
	const struct ckpt_hdr_header *raw = rec;
	struct ckpt_hdr_header h;
	const char *const uts[] = { raw->sysname, raw->nodename, raw->release,
				    raw->version, raw->machine };
	size_t i;

	(void)len;
	ckpt_decode_header(rec, &h);
	if (h.magic != CKPT_MAGIC_HEAD) {
		snprintf(why, size, "bad magic 0x%016llx (expected 0x%016llx)",
			 (unsigned long long)h.magic, CKPT_MAGIC_HEAD);
		return -1;
	}
	if (h.format != CKPT_FORMAT_VERSION) {
		snprintf(why, size, "image format version %u, this tool reads version %u",
			 h.format, CKPT_FORMAT_VERSION);
		return -1;
	}
	if (!arch_name(h.arch)) {
		snprintf(why, size, "unknown architecture %u", h.arch);
		return -1;
	}
	if (h.time_nsec >= 1000000000) {
		snprintf(why, size, "time_nsec %" PRIu32 " is out of range", h.time_nsec);
		return -1;
	}
	for (i = 0; i < CKPT_ARRAY_SIZE(uts); i++) {
		if (!memchr(uts[i], '\0', CKPT_UTS_LEN)) {
			snprintf(why, size, "utsname string %zu is not NUL-terminated", i);
			return -1;
		}
	}
	if (h.__pad || !all_zero(raw->__pad2, sizeof(raw->__pad2))) {
		snprintf(why, size, "non-zero reserved field");
		return -1;
	}
	return 0;
}

static void print_header(FILE *out, const void *rec, uint32_t len)
{
	const struct ckpt_hdr_header *raw = rec;
	struct ckpt_hdr_header h;
	const char *arch;
	uint32_t kv;

	(void)len;
	ckpt_decode_header(rec, &h);
	arch = arch_name(h.arch);
	kv = h.kernel_version;

	fprintf(out, FIELD "0x%016llx (%s)\n", "magic", (unsigned long long)h.magic,
		h.magic == CKPT_MAGIC_HEAD ? "ok" : "BAD");
	fprintf(out, FIELD "%u\n", "format", h.format);
	fprintf(out, FIELD "%s (%u)\n", "arch", arch ? arch : "unknown", h.arch);
	fprintf(out, FIELD "%" PRIu32 "\n", "page_size", h.page_size);
	fprintf(out, FIELD "0x%llx%s%s\n", "flags", (unsigned long long)h.flags,
		h.flags & CHECKPOINT_SUBTREE ? " SUBTREE" : "",
		h.flags & ~CHECKPOINT_FLAGS_ALL ? " +unknown" : "");
	fprintf(out, FIELD "%llu\n", "ckpt_id", (unsigned long long)h.ckpt_id);
	print_time(out, h.time_sec, h.time_nsec);
	fprintf(out, FIELD "%u.%u.%u (0x%06" PRIx32 ")\n", "kernel_version",
		kv >> 16, (kv >> 8) & 0xff, kv & 0xff, kv);
	fprintf(out, FIELD "%" PRId32 "\n", "root_pid", h.root_pid);
	print_uts(out, "sysname", raw->sysname);
	print_uts(out, "nodename", raw->nodename);
	print_uts(out, "release", raw->release);
	print_uts(out, "version", raw->version);
	print_uts(out, "machine", raw->machine);
}

/* CKPT_HDR_HEADER_ARCH */

static int check_arch(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_header_arch_x86_64 a;

	(void)len;
	ckpt_decode_arch(rec, &a);
	if (a.__pad) {
		snprintf(why, size, "non-zero reserved field");
		return -1;
	}
	return 0;
}

static void print_arch(FILE *out, const void *rec, uint32_t len)
{
	struct ckpt_hdr_header_arch_x86_64 a;

	(void)len;
	ckpt_decode_arch(rec, &a);
	fprintf(out, FIELD "0x%llx\n", "xfeatures", (unsigned long long)a.xfeatures);
	fprintf(out, FIELD "%" PRIu32 "\n", "xstate_size", a.xstate_size);
}

/* CKPT_HDR_ERROR */

static int check_error(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_error h;

	memcpy(&h, rec, sizeof(h));
	if ((int32_t)le32toh((uint32_t)h.errnum) <= 0) {
		snprintf(why, size, "errnum %" PRId32 " is not a positive errno",
			 (int32_t)le32toh((uint32_t)h.errnum));
		return -1;
	}
	if (h.__pad) {
		snprintf(why, size, "non-zero reserved field");
		return -1;
	}
	if (((const char *)rec)[len - 1] != '\0') {
		snprintf(why, size, "message is not NUL-terminated");
		return -1;
	}
	return 0;
}

static void print_error(FILE *out, const void *rec, uint32_t len)
{
	struct ckpt_error_info e;
	const char *name;

	ckpt_decode_error(rec, len, &e);
	name = ckpt_errno_name(e.errnum);
	if (name)
		fprintf(out, FIELD "%s (%d)\n", "errno", name, e.errnum);
	else
		fprintf(out, FIELD "%d\n", "errno", e.errnum);
	fprintf(out, FIELD "\"", "message");
	ckpt_print_str(out, e.msg, sizeof(e.msg));
	fputs("\"\n", out);
}

/* CKPT_HDR_TRAILER */

static int check_trailer(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_trailer t;

	(void)len;
	ckpt_decode_trailer(rec, &t);
	if (t.magic != CKPT_MAGIC_TAIL) {
		snprintf(why, size, "bad magic 0x%016llx (expected 0x%016llx)",
			 (unsigned long long)t.magic, CKPT_MAGIC_TAIL);
		return -1;
	}
	if (t.__pad) {
		snprintf(why, size, "non-zero reserved field");
		return -1;
	}
	return 0;
}

static void print_trailer(FILE *out, const void *rec, uint32_t len)
{
	struct ckpt_hdr_trailer t;

	(void)len;
	ckpt_decode_trailer(rec, &t);
	fprintf(out, FIELD "0x%016llx (%s)\n", "magic", (unsigned long long)t.magic,
		t.magic == CKPT_MAGIC_TAIL ? "ok" : "BAD");
	fprintf(out, FIELD "%llu\n", "ckpt_id", (unsigned long long)t.ckpt_id);
	fprintf(out, FIELD "%" PRIu32 "\n", "nr_records", t.nr_records);
}

#define HEADER_LEN	sizeof(struct ckpt_hdr_header)
#define ARCH_LEN	sizeof(struct ckpt_hdr_header_arch_x86_64)
#define TRAILER_LEN	sizeof(struct ckpt_hdr_trailer)

/* Fixed-size records must have exactly their size */
static const struct ckpt_rec_type rec_types[] = {
	/* type                 name           min_len        max_len */
	{ CKPT_HDR_HEADER,      "HEADER",      HEADER_LEN,    HEADER_LEN,
	  check_header, print_header },
	{ CKPT_HDR_HEADER_ARCH, "HEADER_ARCH", ARCH_LEN,      ARCH_LEN,
	  check_arch, print_arch },
	{ CKPT_HDR_ERROR,       "ERROR",       ERROR_MIN_LEN, ERROR_MAX_LEN,
	  check_error, print_error },
	{ CKPT_HDR_TRAILER,     "TRAILER",     TRAILER_LEN,   TRAILER_LEN,
	  check_trailer, print_trailer },
};

const struct ckpt_rec_type *ckpt_rec_type_find(uint32_t type)
{
	size_t i;

	for (i = 0; i < CKPT_ARRAY_SIZE(rec_types); i++)
		if (rec_types[i].type == type)
			return &rec_types[i];
	return NULL;
}
