// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: reading and writing the records of an image.
 *
 * The image is a stream: it is written and read strictly in order and
 * never seeked, so that a pipe works as well as a file. Every record is a
 * struct ckpt_hdr followed by its payload and zero padding up to
 * CKPT_RECORD_ALIGN. Readers check the type and the length of a record
 * before they look at its payload.
 */
#include <linux/align.h>
#include <linux/bvec.h>
#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uio.h>

static const u8 ckpt_zero_pad[CKPT_RECORD_ALIGN];

/*
 * A stream that a signal interrupted has been partly consumed: the system
 * call must fail with EINTR rather than be restarted.
 */
static int ckpt_io_err(ssize_t err)
{
	if (err == -ERESTARTSYS || err == -ERESTARTNOINTR ||
	    err == -ERESTARTNOHAND || err == -ERESTART_RESTARTBLOCK)
		return -EINTR;
	return err;
}

static u32 ckpt_pad_len(u32 len)
{
	return ALIGN(len, CKPT_RECORD_ALIGN) - len;
}

/* Writes all of @iter to the image, as write(2) would */
static int ckpt_write_iter(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	ssize_t n;

	while (iov_iter_count(iter)) {
		n = vfs_iter_write(ctx->file, iter, ctx->ppos, 0);
		if (n <= 0) {
			ctx->stream_broken = true;
			return ckpt_io_err(n ?: -EIO);
		}
	}
	return 0;
}

/**
 * ckpt_kwrite() - write a buffer to the image
 * @ctx: checkpoint context
 * @buf: data to write
 * @len: number of bytes
 *
 * The image is written like write(2) would: at the file's position, and
 * a pipe without readers raises SIGPIPE. After a failure the stream is
 * marked broken and takes no more records.
 *
 * Return: 0 when all @len bytes were written, else a negative errno
 * (-EINTR when a signal interrupted the write).
 */
int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, len);
	return ckpt_write_iter(ctx, &iter);
}

/* A record whose header is at the start of @a: @a, then @b, then padding */
static int ckpt_write_parts(struct ckpt_ctx *ctx, const void *a, u32 alen,
			    const void *b, u32 blen)
{
	u32 len = alen + blen;
	int ret;

	ret = ckpt_kwrite(ctx, a, alen);
	if (!ret && blen)
		ret = ckpt_kwrite(ctx, b, blen);
	if (!ret)
		ret = ckpt_kwrite(ctx, ckpt_zero_pad, ckpt_pad_len(len));
	if (!ret)
		ctx->nr_records++;
	return ret;
}

/**
 * ckpt_write_obj() - write a fixed-size record
 * @ctx: checkpoint context
 * @h: the record, starting with its header
 * @type: record type, stored into @h
 * @len: size of the record, header included, stored into @h
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len)
{
	if (WARN_ON_ONCE(len < sizeof(*h) || len > CKPT_RECORD_MAX))
		return -EINVAL;
	h->type = type;
	h->len = len;
	return ckpt_write_parts(ctx, h, len, NULL, 0);
}

/**
 * ckpt_write_buffer() - write a record made of a bare header and a buffer
 * @ctx: checkpoint context
 * @type: record type
 * @data: payload
 * @len: payload size in bytes
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_buffer(struct ckpt_ctx *ctx, u32 type, const void *data,
		      u32 len)
{
	struct ckpt_hdr h = { .type = type };

	if (len > CKPT_RECORD_MAX - sizeof(h))
		return -E2BIG;
	h.len = sizeof(h) + len;
	return ckpt_write_parts(ctx, &h, sizeof(h), data, len);
}

/**
 * ckpt_write_obj_data() - write a record made of a fixed part and data
 * @ctx: checkpoint context
 * @h: the fixed part, starting with its header
 * @type: record type, stored into @h
 * @len: size of the fixed part, header included
 * @data: variable part that follows, e.g. a path
 * @data_len: its size in bytes; @h->len becomes @len + @data_len
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_obj_data(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
			u32 len, const void *data, u32 data_len)
{
	if (WARN_ON_ONCE(len < sizeof(*h) ||
			 data_len > CKPT_RECORD_MAX - len))
		return -EINVAL;
	h->type = type;
	h->len = len + data_len;
	return ckpt_write_parts(ctx, h, len, data, data_len);
}

/**
 * ckpt_write_pages() - write a record made of a fixed part and whole pages
 * @ctx: checkpoint context
 * @h: the fixed part, starting with its header; its type and length must
 *	be set, the length covering the pages
 * @len: size of the fixed part, a multiple of CKPT_RECORD_ALIGN
 * @pages: the pages whose contents follow
 * @nr: number of pages
 *
 * The pages go to the stream from where they are, without a copy.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_pages(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 len,
		     struct page **pages, unsigned int nr)
{
	struct bio_vec *bv;
	struct iov_iter iter;
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(!IS_ALIGNED(len, CKPT_RECORD_ALIGN) ||
			 h->len != len + (u64)nr * PAGE_SIZE))
		return -EINVAL;
	bv = kmalloc_array(nr, sizeof(*bv), GFP_KERNEL);
	if (!bv)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		bvec_set_page(&bv[i], pages[i], PAGE_SIZE, 0);
	ret = ckpt_kwrite(ctx, h, len);
	if (!ret) {
		iov_iter_bvec(&iter, ITER_SOURCE, bv, nr, nr * PAGE_SIZE);
		ret = ckpt_write_iter(ctx, &iter);
	}
	if (!ret)
		ctx->nr_records++;
	kfree(bv);
	return ret;
}

/**
 * ckpt_write_error() - write the error reported with ckpt_err() as a record
 * @ctx: checkpoint context
 *
 * Writes nothing if no error was reported, or if the stream itself failed:
 * the record would land in the middle of a partly written one.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_error(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_error e = {
		.h.type = CKPT_HDR_ERROR,
		.errnum = ctx->err_errno,
	};
	u32 n = strnlen(ctx->err_msg, sizeof(ctx->err_msg) - 1);

	if (!ctx->err_errno || ctx->stream_broken)
		return 0;
	e.h.len = sizeof(e) + n + 1;
	ctx->err_msg[n] = '\0';
	return ckpt_write_parts(ctx, &e, sizeof(e), ctx->err_msg, n + 1);
}

/* Fills all of @iter from the image; running out of image is -EINVAL */
static int ckpt_read_iter(struct ckpt_ctx *ctx, struct iov_iter *iter)
{
	ssize_t n;

	while (iov_iter_count(iter)) {
		n = vfs_iter_read(ctx->file, iter, ctx->ppos, 0);
		if (n < 0)
			return ckpt_io_err(n);
		if (!n) {
			ckpt_err(ctx, -EINVAL, "image truncated after record %u",
				 ctx->nr_records);
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * ckpt_kread() - read exactly @len bytes from the image
 * @ctx: restart context
 * @buf: destination
 * @len: number of bytes
 *
 * Return: 0, -EINVAL if the image ends before @len bytes, or the negative
 * errno of the read (-EINTR when a signal interrupted it).
 */
int ckpt_kread(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	return ckpt_read_iter(ctx, &iter);
}

/**
 * ckpt_read_user() - read exactly @len bytes from the image to user memory
 * @ctx: restart context
 * @ubuf: destination in the address space of the restarting task
 * @len: number of bytes
 *
 * Return: 0, -EINVAL if the image ends first, -EFAULT if @ubuf cannot be
 * written, or the negative errno of the read.
 */
int ckpt_read_user(struct ckpt_ctx *ctx, void __user *ubuf, size_t len)
{
	struct iov_iter iter;
	int ret;

	ret = import_ubuf(ITER_DEST, ubuf, len, &iter);
	if (ret)
		return ret;
	return ckpt_read_iter(ctx, &iter);
}

/**
 * ckpt_read_hdr() - read and check the header of the next record
 * @ctx: restart context
 * @h: filled with the header
 *
 * Checks that the type is one this kernel knows and that the length is
 * within bounds. The payload is left in the stream.
 *
 * Return: 0 or a negative errno (-EINVAL for a malformed header).
 */
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h)
{
	int ret;

	if (ctx->peeked) {
		ctx->peeked = false;
		*h = ctx->peek;
		return 0;
	}
	ret = ckpt_kread(ctx, h, sizeof(*h));
	if (ret)
		return ret;
	ctx->nr_records++;
	if (!h->type || h->type >= CKPT_HDR_TYPE_MAX) {
		ckpt_err(ctx, -EINVAL, "record %u: unknown type %u",
			 ctx->nr_records, h->type);
		return -EINVAL;
	}
	if (h->len < sizeof(*h) || h->len > CKPT_RECORD_MAX) {
		ckpt_err(ctx, -EINVAL, "record %u: bad length %u",
			 ctx->nr_records, h->len);
		return -EINVAL;
	}
	return 0;
}

/*
 * The rest of a record after its header: h->len - sizeof(*h) bytes into
 * @buf, which the caller sized after checking h->len. Consumes the padding
 * and checks that it is zero.
 */
static int ckpt_read_payload(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
			     void *buf)
{
	u32 pad = ckpt_pad_len(h->len);
	u8 tail[CKPT_RECORD_ALIGN];
	int ret;

	ret = ckpt_kread(ctx, buf, h->len - sizeof(*h));
	if (!ret)
		ret = ckpt_kread(ctx, tail, pad);
	if (ret)
		return ret;
	if (memchr_inv(tail, 0, pad)) {
		ckpt_err(ctx, -EINVAL, "record %u: non-zero padding",
			 ctx->nr_records);
		return -EINVAL;
	}
	return 0;
}

static int ckpt_expect(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		       u32 type, u32 min_len, u32 max_len)
{
	if (h->type != type) {
		ckpt_err(ctx, -EINVAL, "record %u: type %u where %u expected",
			 ctx->nr_records, h->type, type);
		return -EINVAL;
	}
	if (h->len < min_len || h->len > max_len) {
		ckpt_err(ctx, -EINVAL,
			 "record %u: length %u out of [%u, %u] for type %u",
			 ctx->nr_records, h->len, min_len, max_len, type);
		return -EINVAL;
	}
	return 0;
}

/**
 * ckpt_read_obj() - read a fixed-size record of a given type
 * @ctx: restart context
 * @h: buffer of @len bytes for the record, header included
 * @type: the record type expected next in the stream
 * @len: the exact record length expected
 *
 * Return: 0, -EINVAL if the next record is not of @type and @len, or
 * another negative errno.
 */
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type, u32 len)
{
	int ret;

	if (WARN_ON_ONCE(len < sizeof(*h)))
		return -EINVAL;
	ret = ckpt_read_hdr(ctx, h);
	if (!ret)
		ret = ckpt_expect(ctx, h, type, len, len);
	if (!ret)
		ret = ckpt_read_payload(ctx, h, h + 1);
	return ret;
}

/**
 * ckpt_read_obj_alloc() - read a variable-size record of a given type
 * @ctx: restart context
 * @type: the record type expected next in the stream
 * @min_len: smallest acceptable record length, header included
 * @max_len: largest acceptable record length, at most CKPT_RECORD_ALLOC_MAX
 *
 * Return: the record (header included, its length in ->len), to be freed
 * with kvfree(), or an ERR_PTR().
 */
void *ckpt_read_obj_alloc(struct ckpt_ctx *ctx, u32 type, u32 min_len,
			  u32 max_len)
{
	struct ckpt_hdr h, *buf;
	int ret;

	if (WARN_ON_ONCE(min_len < sizeof(h) || min_len > max_len ||
			 max_len > CKPT_RECORD_ALLOC_MAX))
		return ERR_PTR(-EINVAL);
	ret = ckpt_read_hdr(ctx, &h);
	if (!ret)
		ret = ckpt_expect(ctx, &h, type, min_len, max_len);
	if (ret)
		return ERR_PTR(ret);
	buf = kvmalloc(h.len, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	*buf = h;
	ret = ckpt_read_payload(ctx, &h, buf + 1);
	if (ret) {
		kvfree(buf);
		return ERR_PTR(ret);
	}
	return buf;
}

/**
 * ckpt_peek_type() - the type of the next record, left in the stream
 * @ctx: restart context
 * @type: filled with the type
 *
 * The header is checked as ckpt_read_hdr() checks it, and the next read
 * of a record starts from it.
 *
 * Return: 0 or a negative errno.
 */
int ckpt_peek_type(struct ckpt_ctx *ctx, u32 *type)
{
	int ret;

	if (!ctx->peeked) {
		ret = ckpt_read_hdr(ctx, &ctx->peek);
		if (ret)
			return ret;
		ctx->peeked = true;
	}
	*type = ctx->peek.type;
	return 0;
}

/**
 * ckpt_read_obj_head() - read the fixed part of a record, data left behind
 * @ctx: restart context
 * @h: buffer of @head_len bytes for the fixed part, header included
 * @type: the record type expected next in the stream
 * @head_len: size of the fixed part, a multiple of CKPT_RECORD_ALIGN
 * @max_len: largest acceptable record length
 *
 * The caller reads the rest, @h->len - @head_len bytes, and must read
 * all of it; this is for records whose data length is a multiple of
 * CKPT_RECORD_ALIGN, such as page contents.
 *
 * Return: 0, -EINVAL for a record of another type, shorter than
 * @head_len, longer than @max_len or not aligned, or another negative
 * errno.
 */
int ckpt_read_obj_head(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		       u32 head_len, u32 max_len)
{
	int ret;

	if (WARN_ON_ONCE(head_len < sizeof(*h) ||
			 !IS_ALIGNED(head_len, CKPT_RECORD_ALIGN)))
		return -EINVAL;
	ret = ckpt_read_hdr(ctx, h);
	if (!ret)
		ret = ckpt_expect(ctx, h, type, head_len, max_len);
	if (!ret && !IS_ALIGNED(h->len, CKPT_RECORD_ALIGN)) {
		ckpt_err(ctx, -EINVAL, "record %u: unaligned length %u",
			 ctx->nr_records, h->len);
		ret = -EINVAL;
	}
	if (!ret)
		ret = ckpt_kread(ctx, h + 1, head_len - sizeof(*h));
	return ret;
}
