// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) must refuse every malformed image with EINVAL and leave the
 * caller as it was. In this version no image is restorable (there is no
 * task state in the format yet), so even a well-formed image without task
 * records, and the image of a failed checkpoint, are refused.
 *
 * Most cases run three ways (fixture variants): from a memfd, from a pipe
 * fed in one write, and from a pipe fed one byte at a time.
 */
#include "ckpt_test.h"

/* The records of the minimal well-formed image, to be mutated. */
struct parts {
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct ckpt_hdr_trailer t;
};

static void parts_init(struct parts *p)
{
	ckpt_fill_header(&p->h, getpid(), 0, CKPT_TEST_ID);
	ckpt_fill_arch(&p->a);
	ckpt_fill_trailer(&p->t, CKPT_TEST_ID, 2);
}

/* header, arch, trailer, each padded (always sizeof bytes, whatever h.len) */
static void parts_emit(const struct parts *p, struct ckpt_buf *b)
{
	cb_record(b, &p->h, sizeof(p->h));
	cb_record(b, &p->a, sizeof(p->a));
	cb_record(b, &p->t, sizeof(p->t));
}

/* A deterministic pseudo-random byte stream. */
static void fill_random(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed ? seed : 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

enum rec_which { REC_HEADER, REC_ARCH, REC_TRAILER };
static const char *const rec_name[] = { "header", "arch", "trailer" };

static struct ckpt_hdr *parts_rec(struct parts *p, enum rec_which w)
{
	switch (w) {
	case REC_HEADER:
		return &p->h.h;
	case REC_ARCH:
		return &p->a.h;
	default:
		return &p->t.h;
	}
}

static const size_t rec_size[] = {
	sizeof(struct ckpt_hdr_header),
	sizeof(struct ckpt_hdr_header_arch_x86_64),
	sizeof(struct ckpt_hdr_trailer),
};

/* ------------------------------------------------------------------ */
/* Fixture: one transport per variant                                  */
/* ------------------------------------------------------------------ */

FIXTURE(feed) {
	struct ckpt_probe probe;
	pid_t writer;		/* pipe writer while it runs */
	struct ckpt_child c;	/* target for a real checkpoint */
	char what[160];
};

FIXTURE_VARIANT(feed) {
	int pipe;		/* 0: memfd, 1: pipe */
	size_t chunk;		/* pipe write size, 0: all at once */
};

FIXTURE_VARIANT_ADD(feed, memfd) {
	.pipe = 0,
};

FIXTURE_VARIANT_ADD(feed, pipe) {
	.pipe = 1,
	.chunk = 0,
};

FIXTURE_VARIANT_ADD(feed, pipe_bytewise) {
	.pipe = 1,
	.chunk = 1,
};

FIXTURE_SETUP(feed)
{
	self->writer = 0;
	child_init(&self->c);
	probe_arm(&self->probe);
}

FIXTURE_TEARDOWN(feed)
{
	reap_kill(&self->writer);
	child_kill(&self->c);
	probe_disarm(&self->probe);
}

/* restart(0) of buf[0..len) via this variant's transport must fail: err */
#define FEED_ERR(err, buf, len, fmt, ...) do {					\
	snprintf(self->what, sizeof(self->what), fmt, ##__VA_ARGS__);		\
	if (variant->pipe)							\
		expect_restart_pipe(_metadata, &self->probe, buf, len,		\
				    variant->chunk, &self->writer, err,		\
				    self->what);				\
	else									\
		expect_restart(_metadata, &self->probe, buf, len, err,		\
			       self->what);					\
} while (0)

#define FEED_EINVAL(buf, len, fmt, ...) \
	FEED_ERR(EINVAL, buf, len, fmt, ##__VA_ARGS__)

/* The same for an image built from (possibly mutated) parts. */
#define FEED_PARTS_ERR(err, p, fmt, ...) do {					\
	struct ckpt_buf __b = { 0 };						\
	parts_emit(p, &__b);							\
	FEED_ERR(err, __b.data, __b.len, fmt, ##__VA_ARGS__);			\
	cb_free(&__b);								\
} while (0)

#define FEED_PARTS_EINVAL(p, fmt, ...) \
	FEED_PARTS_ERR(EINVAL, p, fmt, ##__VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Not an image at all                                                 */
/* ------------------------------------------------------------------ */

TEST_F(feed, empty)
{
	FEED_EINVAL("", 0, "empty input");
}

TEST_F(feed, garbage)
{
	unsigned char buf[4096];
	struct ckpt_hdr hh = { CKPT_HDR_HEADER, sizeof(struct ckpt_hdr_header) };

	fill_random(buf, sizeof(buf), 0x6b637074);
	FEED_EINVAL(buf, sizeof(buf), "4096 random bytes");
	FEED_EINVAL(buf, 1, "1 random byte");
	FEED_EINVAL(buf, 7, "7 random bytes");
	memset(buf, 0, sizeof(buf));
	FEED_EINVAL(buf, sizeof(buf), "4096 zero bytes");
	memset(buf, 0xff, sizeof(buf));
	FEED_EINVAL(buf, sizeof(buf), "4096 0xff bytes");
	FEED_EINVAL("lnxckpt", 8, "the magic alone");
	FEED_EINVAL("hello, world\n", 13, "text");
	/* a plausible record header followed by noise */
	fill_random(buf, sizeof(buf), 42);
	memcpy(buf, &hh, sizeof(hh));
	FEED_EINVAL(buf, sizeof(struct ckpt_hdr_header), "header record of noise");
	FEED_EINVAL(buf, sizeof(buf), "header record of noise, then more noise");
}

/* ------------------------------------------------------------------ */
/* Header fields                                                       */
/* ------------------------------------------------------------------ */

TEST_F(feed, wrong_magic)
{
	static const uint64_t magic[] = {
		0, CKPT_MAGIC_TAIL, __builtin_bswap64(CKPT_MAGIC_HEAD),
		CKPT_MAGIC_HEAD ^ 1, CKPT_MAGIC_HEAD | (1ULL << 63), ~0ULL,
	};
	struct parts p;

	for (size_t i = 0; i < ARRAY_SIZE(magic); i++) {
		parts_init(&p);
		p.h.magic = magic[i];
		FEED_PARTS_EINVAL(&p, "header magic %#llx", (unsigned long long)magic[i]);
	}
}

TEST_F(feed, wrong_format)
{
	static const uint16_t format[] = { 0, CKPT_FORMAT_VERSION + 1, 0xffff };
	struct parts p;

	for (size_t i = 0; i < ARRAY_SIZE(format); i++) {
		parts_init(&p);
		p.h.format = format[i];
		FEED_PARTS_EINVAL(&p, "format version %u", format[i]);
	}
}

TEST_F(feed, wrong_arch)
{
	static const uint16_t arch[] = { 0, CKPT_ARCH_X86_64 + 1, 0xffff };
	struct parts p;

	for (size_t i = 0; i < ARRAY_SIZE(arch); i++) {
		parts_init(&p);
		p.h.arch = arch[i];
		FEED_PARTS_EINVAL(&p, "arch %u", arch[i]);
	}
}

/* Header fields that break the header's own rules (zero pads, NULs). */
TEST_F(feed, malformed_header_fields)
{
	struct parts p;

	parts_init(&p);
	p.h.flags = ~CHECKPOINT_FLAGS_ALL;
	FEED_PARTS_EINVAL(&p, "header flags %#llx", (unsigned long long)p.h.flags);
	parts_init(&p);
	p.h.__pad = 1;
	FEED_PARTS_EINVAL(&p, "header __pad 1");
	parts_init(&p);
	p.h.__pad2[2] = 1;
	FEED_PARTS_EINVAL(&p, "header __pad2 not zero");
	parts_init(&p);
	memset(p.h.sysname, 'x', CKPT_UTS_LEN);
	FEED_PARTS_EINVAL(&p, "sysname without NUL");
	parts_init(&p);
	memset(p.h.nodename, 'x', CKPT_UTS_LEN);
	FEED_PARTS_EINVAL(&p, "nodename without NUL");
	parts_init(&p);
	memset(p.h.machine, 'x', CKPT_UTS_LEN);
	FEED_PARTS_EINVAL(&p, "machine without NUL");
}

/* An arch record no x86_64 writer can produce. */
TEST_F(feed, malformed_arch_record)
{
	static const uint64_t xfeatures[] = { 0, 0x1, 0x2 };	/* no x87+SSE */
	static const uint32_t sizes[] = { 0, 1, 0xffffffffU };
	struct parts p;

	for (size_t i = 0; i < ARRAY_SIZE(xfeatures); i++) {
		parts_init(&p);
		p.a.xfeatures = xfeatures[i];
		FEED_PARTS_EINVAL(&p, "xfeatures %#llx", (unsigned long long)xfeatures[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		parts_init(&p);
		p.a.xstate_size = sizes[i];
		FEED_PARTS_EINVAL(&p, "xstate_size %u", sizes[i]);
	}
	parts_init(&p);
	p.a.__pad = 1;
	FEED_PARTS_EINVAL(&p, "arch __pad 1");
}

/*
 * Well-formed, but needs XSAVE features this CPU does not enable: refused
 * as unsupported (EOPNOTSUPP), not as malformed.
 */
TEST_F(feed, unsupported_xfeatures)
{
	struct parts p;

	parts_init(&p);
	p.a.xfeatures |= 1ULL << 63;
	FEED_PARTS_ERR(EOPNOTSUPP, &p, "xfeatures with bit 63");
	parts_init(&p);
	p.a.xfeatures = ~0ULL;
	FEED_PARTS_ERR(EOPNOTSUPP, &p, "xfeatures all ones");
}

/* ------------------------------------------------------------------ */
/* Record lengths                                                      */
/* ------------------------------------------------------------------ */

TEST_F(feed, oversized_len)
{
	static const uint32_t lens[] = {
		0xffffffffU, 0x80000000U, 1U << 30, (64U << 20) + 1,
		(256U << 10) + 1, 4096,
	};
	struct parts p;

	for (int w = REC_HEADER; w <= REC_TRAILER; w++) {
		for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
			parts_init(&p);
			parts_rec(&p, w)->len = lens[i];
			FEED_PARTS_EINVAL(&p, "%s record len %#x", rec_name[w], lens[i]);
		}
		/* one 8-byte unit more than the record: eats into the next */
		parts_init(&p);
		parts_rec(&p, w)->len = rec_size[w] + 8;
		FEED_PARTS_EINVAL(&p, "%s record len %zu", rec_name[w], rec_size[w] + 8);
	}
}

TEST_F(feed, short_len)
{
	struct parts p;

	for (int w = REC_HEADER; w <= REC_TRAILER; w++) {
		const uint32_t lens[] = {
			0, 1, 4, sizeof(struct ckpt_hdr) - 1,	/* < ckpt_hdr */
			sizeof(struct ckpt_hdr),		/* no payload */
			rec_size[w] - 8, rec_size[w] - 1,	/* < the record */
		};

		for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
			parts_init(&p);
			parts_rec(&p, w)->len = lens[i];
			FEED_PARTS_EINVAL(&p, "%s record len %u", rec_name[w], lens[i]);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Truncation                                                          */
/* ------------------------------------------------------------------ */

/* The header record cut short, and nothing after it. */
TEST_F(feed, truncated_header)
{
	static const size_t cut[] = { 1, 4, 7, 8, 9, 16, 64, 200, 391 };
	struct ckpt_buf b = { 0 };

	ckpt_build_minimal(&b, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(cut); i++)
		FEED_EINVAL(b.data, cut[i], "header cut after %zu bytes", cut[i]);
	cb_free(&b);
}

/* The minimal image cut at every record boundary (and after each ckpt_hdr) */
TEST_F(feed, truncated_at_record_boundaries)
{
	struct ckpt_buf b = { 0 };
	struct ckpt_layout l;

	ckpt_build_minimal(&b, &l);
	ASSERT_EQ(l.end, b.len);
	const size_t cut[] = {
		l.header, l.header + sizeof(struct ckpt_hdr),
		l.arch, l.arch + sizeof(struct ckpt_hdr),
		l.trailer, l.trailer + sizeof(struct ckpt_hdr), l.end - 1,
	};
	for (size_t i = 0; i < ARRAY_SIZE(cut); i++)
		FEED_EINVAL(b.data, cut[i], "minimal image cut at %zu of %zu",
			    cut[i], l.end);
	cb_free(&b);
}

/* Every byte of the minimal image (header + arch prefix, then trailer). */
/* /dev/null reads as an empty image: EINVAL, like any empty stream */
TEST(from_dev_null)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, sys_restart(0, fd, 0));
	close(fd);
}

TEST(truncated_minimal_every_byte)
{
	struct ckpt_buf b = { 0 };
	struct ckpt_probe probe;
	struct ckpt_layout l;
	char what[96];

	probe_arm(&probe);
	ckpt_build_minimal(&b, &l);
	for (size_t n = 0; n < l.end; n++) {
		snprintf(what, sizeof(what), "minimal image cut at %zu of %zu", n, l.end);
		expect_restart_einval(_metadata, &probe, b.data, n, what);
	}
	cb_free(&b);
	probe_disarm(&probe);
}

/* ------------------------------------------------------------------ */
/* Stream structure                                                    */
/* ------------------------------------------------------------------ */

/* Well-formed, but no task to restore: refused in this version. */
TEST_F(feed, no_task_records)
{
	struct ckpt_buf b = { 0 };

	ckpt_build_minimal(&b, NULL);
	FEED_EINVAL(b.data, b.len, "header+arch+trailer, no task records");
	cb_free(&b);
}

TEST_F(feed, records_after_trailer)
{
	static const unsigned char zero8[8];
	struct parts p;
	struct ckpt_buf b = { 0 }, img = { 0 };

	parts_init(&p);
	parts_emit(&p, &img);

	cb_raw(&b, img.data, img.len);
	cb_record(&b, &p.t, sizeof(p.t));
	FEED_EINVAL(b.data, b.len, "a second trailer after the trailer");
	b.len = 0;
	cb_raw(&b, img.data, img.len);
	cb_record(&b, &p.a, sizeof(p.a));
	FEED_EINVAL(b.data, b.len, "an arch record after the trailer");
	b.len = 0;
	cb_raw(&b, img.data, img.len);
	cb_raw(&b, zero8, sizeof(zero8));
	FEED_EINVAL(b.data, b.len, "8 zero bytes after the trailer");
	b.len = 0;
	cb_raw(&b, img.data, img.len);
	cb_raw(&b, img.data, img.len);
	FEED_EINVAL(b.data, b.len, "two whole images back to back");
	cb_free(&b);
	cb_free(&img);
}

/* An error record, as a failed checkpoint writes it. */
TEST_F(feed, error_record)
{
	struct ckpt_hdr_error *e;
	struct ckpt_buf b = { 0 };
	struct parts p;
	char msg[64];
	size_t elen;

	snprintf(msg, sizeof(msg), "checkpoint of pid %d: not supported", getpid());
	e = ckpt_make_error(EOPNOTSUPP, msg, &elen);
	parts_init(&p);
	cb_record(&b, &p.h, sizeof(p.h));
	cb_record(&b, &p.a, sizeof(p.a));
	cb_record(&b, e, elen);
	FEED_EINVAL(b.data, b.len, "header+arch+error");
	p.t.nr_records = 3;
	cb_record(&b, &p.t, sizeof(p.t));
	FEED_EINVAL(b.data, b.len, "header+arch+error+trailer");
	cb_free(&b);
	free(e);
}

TEST_F(feed, wrong_record_order)
{
	struct ckpt_buf b = { 0 };
	struct parts p;

	parts_init(&p);
#define ORDER(desc, ...) do {							\
	const void *__r[] = { __VA_ARGS__ };					\
	b.len = 0;								\
	for (size_t __i = 0; __i < ARRAY_SIZE(__r); __i++) {			\
		const struct ckpt_hdr *__h = __r[__i];				\
		cb_record(&b, __h, __h->len);					\
	}									\
	FEED_EINVAL(b.data, b.len, "records: %s", desc);			\
} while (0)
	ORDER("arch, header, trailer", &p.a, &p.h, &p.t);
	ORDER("trailer", &p.t);
	ORDER("arch, trailer", &p.a, &p.t);
	ORDER("header, trailer", &p.h, &p.t);
	ORDER("header, header, arch, trailer", &p.h, &p.h, &p.a, &p.t);
	ORDER("header, arch, arch, trailer", &p.h, &p.a, &p.a, &p.t);
	ORDER("header", &p.h);
	ORDER("header, arch", &p.h, &p.a);
#undef ORDER
	cb_free(&b);
}

TEST_F(feed, unknown_record_type)
{
	static const uint32_t types[] = {
		0, CKPT_HDR_TYPE_MAX, 99, 100, 1000, 0x7fffffff, 0xffffffff,
	};
	struct {
		struct ckpt_hdr h;
		uint64_t payload;
	} rec;
	struct ckpt_buf b = { 0 };
	struct parts p;

	parts_init(&p);
	p.t.nr_records = 3;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		rec.h.type = types[i];
		rec.h.len = sizeof(rec);
		rec.payload = 0;
		b.len = 0;
		cb_record(&b, &p.h, sizeof(p.h));
		cb_record(&b, &p.a, sizeof(p.a));
		cb_record(&b, &rec, sizeof(rec));
		cb_record(&b, &p.t, sizeof(p.t));
		FEED_EINVAL(b.data, b.len, "record of type %u", types[i]);
	}
	cb_free(&b);
}

TEST_F(feed, bad_trailer)
{
	struct parts p;

	parts_init(&p);
	p.t.magic = 0;
	FEED_PARTS_EINVAL(&p, "trailer magic 0");
	parts_init(&p);
	p.t.magic = CKPT_MAGIC_HEAD;
	FEED_PARTS_EINVAL(&p, "trailer magic = head magic");
	parts_init(&p);
	p.t.ckpt_id = CKPT_TEST_ID + 1;
	FEED_PARTS_EINVAL(&p, "trailer ckpt_id differs from the header");
	for (uint32_t nr = 0; nr <= 4; nr++) {
		parts_init(&p);
		p.t.nr_records = nr == 2 ? 0xffffffffU : nr;
		FEED_PARTS_EINVAL(&p, "trailer nr_records %u", p.t.nr_records);
	}
}

/* ------------------------------------------------------------------ */
/* Images written by checkpoint(2) itself                              */
/* ------------------------------------------------------------------ */

TEST_F(feed, failed_checkpoint_image_child)
{
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, child_spawn(&self->c, CHILD_BLOCK));
	ASSERT_EQ(0, child_stop(&self->c));
	ckpt_capture_failed_image(_metadata, self->c.pid, 0, &img, &len);
	FEED_EINVAL(img, len, "failed checkpoint of a stopped child");
	free(img);
}

TEST_F(feed, failed_checkpoint_image_self)
{
	unsigned char *img;
	size_t len;

	ckpt_capture_failed_image(_metadata, 0, 0, &img, &len);
	FEED_EINVAL(img, len, "failed checkpoint of the caller");
	free(img);
}

/* The real image of a stopped child, cut at every byte. */
FIXTURE(real) {
	struct ckpt_child c;
	struct ckpt_probe probe;
	unsigned char *img;
	size_t len;
};

FIXTURE_SETUP(real)
{
	child_init(&self->c);
	self->img = NULL;
	probe_arm(&self->probe);
	ASSERT_EQ(0, child_spawn(&self->c, CHILD_BLOCK));
	ASSERT_EQ(0, child_stop(&self->c));
	ckpt_capture_failed_image(_metadata, self->c.pid, 0, &self->img, &self->len);
}

FIXTURE_TEARDOWN(real)
{
	child_kill(&self->c);
	free(self->img);
	probe_disarm(&self->probe);
}

TEST_F(real, truncated_every_byte)
{
	char what[96];

	for (size_t n = 0; n <= self->len; n++) {
		snprintf(what, sizeof(what), "failed-checkpoint image cut at %zu of %zu",
			 n, self->len);
		expect_restart_einval(_metadata, &self->probe, self->img, n, what);
	}
}

/* The same image with a trailer appended: still no task state. */
TEST_F(real, with_trailer_appended)
{
	struct ckpt_hdr_header h;
	struct ckpt_hdr_trailer t;
	struct ckpt_buf b = { 0 };

	memcpy(&h, self->img, sizeof(h));
	ckpt_fill_trailer(&t, h.ckpt_id, 3);
	cb_raw(&b, self->img, self->len);
	cb_record(&b, &t, sizeof(t));
	expect_restart_einval(_metadata, &self->probe, b.data, b.len,
			      "failed-checkpoint image plus a trailer");
	cb_free(&b);
}

TEST_HARNESS_MAIN
