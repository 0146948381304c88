// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the checkpoint/restart image records: what the writer
 * puts in the stream, and a reader that rejects a bad type, a bad length,
 * a stream cut anywhere and dirty padding. The stream is an in-kernel
 * tmpfs file, read and written through the same calls as a real image.
 */
#include <kunit/test.h>
#include <linux/checkpoint.h>
#include <linux/align.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>

KUNIT_DEFINE_ACTION_WRAPPER(image_ctx_free, ckpt_ctx_free, struct ckpt_ctx *);

/* A context on a new file holding @len bytes of @data, positioned at 0 */
static struct ckpt_ctx *image_open(struct kunit *test, const void *data,
				   size_t len)
{
	struct ckpt_ctx *ctx;
	struct file *file;
	loff_t pos = 0;

	file = shmem_kernel_file_setup("ckpt-kunit", 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	if (len)
		KUNIT_ASSERT_EQ(test, kernel_write(file, data, len, &pos), len);
	ctx = ckpt_ctx_alloc(CKPT_OP_RESTART, file, 0);
	fput(file);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, image_ctx_free, ctx), 0);
	KUNIT_ASSERT_NOT_NULL(test, ctx->ppos);
	return ctx;
}

/*
 * A context on a whole record of @type and @len with a zero payload, so
 * that only the check under test can reject it, not a short stream.
 */
static struct ckpt_ctx *image_open_record(struct kunit *test, u32 type, u32 len)
{
	size_t size = ALIGN(len, CKPT_RECORD_ALIGN);
	struct ckpt_hdr *h = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->type = type;
	h->len = len;
	return image_open(test, h, size);
}

static void image_rewind(struct ckpt_ctx *ctx)
{
	*ctx->ppos = 0;
	ctx->nr_records = 0;
}

static loff_t image_size(struct ckpt_ctx *ctx)
{
	return i_size_read(file_inode(ctx->file));
}

static void image_roundtrip(struct kunit *test)
{
	struct ckpt_ctx *ctx = image_open(test, NULL, 0);
	struct ckpt_hdr_trailer t = { .magic = CKPT_MAGIC_TAIL, .ckpt_id = 7 };
	struct ckpt_hdr_trailer r;
	struct ckpt_hdr *buf;
	struct ckpt_hdr h;

	KUNIT_ASSERT_EQ(test, ckpt_write_obj(ctx, &t.h, CKPT_HDR_TRAILER, sizeof(t)), 0);
	KUNIT_ASSERT_EQ(test, ckpt_write_buffer(ctx, CKPT_HDR_ERROR, "hello", 5), 0);
	KUNIT_EXPECT_EQ(test, ctx->nr_records, 2);
	/* 32-byte trailer; 8 + 5 bytes padded to 16 */
	KUNIT_EXPECT_EQ(test, image_size(ctx), 48);

	image_rewind(ctx);
	KUNIT_ASSERT_EQ(test, ckpt_read_obj(ctx, &r.h, CKPT_HDR_TRAILER, sizeof(r)), 0);
	KUNIT_EXPECT_EQ(test, r.h.len, sizeof(r));
	KUNIT_EXPECT_EQ(test, r.magic, CKPT_MAGIC_TAIL);
	KUNIT_EXPECT_EQ(test, r.ckpt_id, 7);
	buf = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(*buf), 64);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, buf->len, sizeof(*buf) + 5);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1, "hello", 5), 0);
	kvfree(buf);
	KUNIT_EXPECT_EQ(test, *ctx->ppos, 48);
	KUNIT_EXPECT_EQ(test, ctx->nr_records, 2);
	/* End of stream where a record should start: truncated */
	KUNIT_EXPECT_EQ(test, ckpt_read_hdr(ctx, &h), -EINVAL);
}

static void image_rejects_bad_type(struct kunit *test)
{
	static const u32 types[] = { 0, CKPT_HDR_TYPE_MAX, 0xffffffff };
	struct ckpt_hdr_trailer t;
	struct ckpt_hdr h, bad;
	struct ckpt_ctx *ctx;
	int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		bad.type = types[i];
		bad.len = sizeof(bad);
		ctx = image_open(test, &bad, sizeof(bad));
		KUNIT_EXPECT_EQ_MSG(test, ckpt_read_hdr(ctx, &h), -EINVAL,
				    "type %u", types[i]);
		KUNIT_EXPECT_EQ(test, ctx->err_errno, EINVAL);
	}

	/* A known type where another one is expected */
	ctx = image_open_record(test, CKPT_HDR_HEADER, sizeof(struct ckpt_hdr_trailer));
	KUNIT_EXPECT_EQ(test, ckpt_read_obj(ctx, &t.h, CKPT_HDR_TRAILER, sizeof(t)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, *ctx->ppos, sizeof(struct ckpt_hdr));
}

static void image_rejects_bad_len(struct kunit *test)
{
	static const u32 lens[] = { 0, 4, sizeof(struct ckpt_hdr) - 1,
				    CKPT_RECORD_MAX + 1, 0xffffffff };
	struct ckpt_hdr_trailer t = {};
	struct ckpt_hdr h, bad;
	struct ckpt_ctx *ctx;
	void *buf;
	int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		bad.type = CKPT_HDR_TRAILER;
		bad.len = lens[i];
		ctx = image_open(test, &bad, sizeof(bad));
		KUNIT_EXPECT_EQ_MSG(test, ckpt_read_hdr(ctx, &h), -EINVAL,
				    "len %u", lens[i]);
	}

	/* Valid in itself, but not the exact size of the expected record */
	ctx = image_open_record(test, CKPT_HDR_TRAILER, sizeof(t) + 8);
	KUNIT_EXPECT_EQ(test, ckpt_read_obj(ctx, &t.h, CKPT_HDR_TRAILER, sizeof(t)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, *ctx->ppos, sizeof(struct ckpt_hdr));

	/* Larger than what the caller of the allocating reader accepts */
	ctx = image_open_record(test, CKPT_HDR_ERROR, 65);
	buf = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(bad), 64);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, *ctx->ppos, sizeof(struct ckpt_hdr));

	/* The same records are accepted where they fit */
	ctx = image_open_record(test, CKPT_HDR_TRAILER, sizeof(t));
	KUNIT_EXPECT_EQ(test, ckpt_read_obj(ctx, &t.h, CKPT_HDR_TRAILER, sizeof(t)), 0);
	ctx = image_open_record(test, CKPT_HDR_ERROR, 65);
	buf = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(bad), 72);
	KUNIT_EXPECT_FALSE(test, IS_ERR(buf));
	if (!IS_ERR(buf))
		kvfree(buf);
}

static void image_rejects_truncation(struct kunit *test)
{
	struct ckpt_hdr_trailer t = { .magic = CKPT_MAGIC_TAIL }, r;
	struct ckpt_ctx *src, *ctx;
	struct ckpt_hdr *e;
	loff_t pos = 0;
	size_t total, cut;
	u8 *bytes;
	int ret;

	/* Write a trailer and an odd-sized record, then read the bytes back */
	src = image_open(test, NULL, 0);
	KUNIT_ASSERT_EQ(test, ckpt_write_obj(src, &t.h, CKPT_HDR_TRAILER, sizeof(t)), 0);
	KUNIT_ASSERT_EQ(test, ckpt_write_buffer(src, CKPT_HDR_ERROR, "xyz", 3), 0);
	total = image_size(src);
	KUNIT_ASSERT_EQ(test, total, 48);
	bytes = kunit_kmalloc(test, total, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bytes);
	KUNIT_ASSERT_EQ(test, kernel_read(src->file, bytes, total, &pos), total);

	for (cut = 0; cut < total; cut++) {
		ctx = image_open(test, bytes, cut);
		ret = ckpt_read_obj(ctx, &r.h, CKPT_HDR_TRAILER, sizeof(r));
		if (!ret) {
			e = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(*e), 64);
			ret = PTR_ERR_OR_ZERO(e);
			if (!ret)
				kvfree(e);
		}
		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "cut at %zu of %zu", cut, total);
		KUNIT_EXPECT_EQ_MSG(test, ctx->err_errno, EINVAL, "cut at %zu", cut);
	}

	ctx = image_open(test, bytes, total);
	KUNIT_EXPECT_EQ(test, ckpt_read_obj(ctx, &r.h, CKPT_HDR_TRAILER, sizeof(r)), 0);
	e = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(*e), 64);
	KUNIT_EXPECT_FALSE(test, IS_ERR(e));
	if (!IS_ERR(e))
		kvfree(e);
}

static void image_rejects_dirty_padding(struct kunit *test)
{
	struct {
		struct ckpt_hdr h;
		u8 payload[8];
	} rec = {
		.h = { .type = CKPT_HDR_ERROR, .len = sizeof(struct ckpt_hdr) + 3 },
		.payload = { 'a', 'b', 'c', 0, 0, 0, 0, 0 },
	};
	struct ckpt_ctx *ctx;
	void *buf;

	ctx = image_open(test, &rec, sizeof(rec));
	buf = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(rec.h), 64);
	KUNIT_ASSERT_FALSE(test, IS_ERR(buf));
	kvfree(buf);

	rec.payload[6] = 1;
	ctx = image_open(test, &rec, sizeof(rec));
	buf = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(rec.h), 64);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(buf), -EINVAL);
}

static void image_error_record(struct kunit *test)
{
	struct ckpt_ctx *ctx = image_open(test, NULL, 0);
	struct ckpt_hdr_error *e;
	char *longmsg;

	/* Nothing reported, nothing written */
	KUNIT_EXPECT_EQ(test, ckpt_write_error(ctx), 0);
	KUNIT_EXPECT_EQ(test, image_size(ctx), 0);

	ckpt_err(ctx, -EOPNOTSUPP, "fd %d: %s unsupported", 5, "socket:[42]");
	ckpt_err(ctx, -ENOMEM, "a consequence, not the cause");
	KUNIT_ASSERT_EQ(test, ckpt_write_error(ctx), 0);
	image_rewind(ctx);
	e = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(*e) + 1,
				sizeof(*e) + CKPT_ERROR_MSG_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, e);
	KUNIT_EXPECT_EQ(test, e->errnum, EOPNOTSUPP);
	KUNIT_EXPECT_STREQ(test, e->msg, "fd 5: socket:[42] unsupported");
	KUNIT_EXPECT_EQ(test, e->h.len, sizeof(*e) + strlen(e->msg) + 1);
	kvfree(e);

	/* A message longer than the record allows is cut, still terminated */
	longmsg = kunit_kzalloc(test, 2 * CKPT_ERROR_MSG_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, longmsg);
	memset(longmsg, 'm', 2 * CKPT_ERROR_MSG_MAX - 1);
	ctx = image_open(test, NULL, 0);
	ckpt_err(ctx, -EBUSY, "%s", longmsg);
	KUNIT_ASSERT_EQ(test, ckpt_write_error(ctx), 0);
	image_rewind(ctx);
	e = ckpt_read_obj_alloc(ctx, CKPT_HDR_ERROR, sizeof(*e) + 1,
				sizeof(*e) + CKPT_ERROR_MSG_MAX);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, e);
	KUNIT_EXPECT_EQ(test, strlen(e->msg), CKPT_ERROR_MSG_MAX - 1);
	kvfree(e);
}

static struct kunit_case image_cases[] = {
	KUNIT_CASE(image_roundtrip),
	KUNIT_CASE(image_rejects_bad_type),
	KUNIT_CASE(image_rejects_bad_len),
	KUNIT_CASE(image_rejects_truncation),
	KUNIT_CASE(image_rejects_dirty_padding),
	KUNIT_CASE(image_error_record),
	{}
};

static struct kunit_suite image_suite = {
	.name = "checkpoint_image",
	.test_cases = image_cases,
};

kunit_test_suite(image_suite);
