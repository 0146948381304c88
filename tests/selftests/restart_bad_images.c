// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) must refuse every malformed image and never leave a
 * half-restored task running.
 *
 * Part one feeds synthetic images (header, arch record, tree record,
 * trailer, no task state) to restart(2) in the test process itself: all
 * of them are refused before anything is replaced, so the caller must get
 * EINVAL (or EOPNOTSUPP for XSAVE features this CPU lacks, or for a
 * well-formed tree of more than one task) and stay exactly as it was.
 * The malformed trees are variations of a well-formed tree of two tasks,
 * which restart refuses with EOPNOTSUPP: EINVAL shows that the defect was
 * seen. Most of these cases run three ways (fixture variants): from a
 * memfd, from a pipe fed in one write, and from a pipe fed one byte at a
 * time. The images of failed checkpoints are refused the same way.
 *
 * Part two takes the real image of a stopped target (heap, a regular
 * file at fd 3, /dev/null at 0-2), checks that it restarts, then cuts it
 * at every record boundary (and inside records) and corrupts the record
 * headers and selected fields, the tree record among them (a tree of one
 * task, which the undamaged image shows to restart), the pending
 * signal records of a second target that has signals pending (the
 * undamaged image of which restarts with them), and the interval timer
 * record of a third target that has all three interval timers armed
 * (whose undamaged image restarts). Each copy goes to a
 * restarter child that calls restart(0, fd, 0): it must either get an
 * error (EINVAL for damage before the memory part, that is before the MM
 * record; EPERM, ENOENT or ESTALE for the semantic cases; EOPNOTSUPP for
 * a well-formed tree of more tasks), unchanged, or, for damage in the
 * memory part or the trailer, after the point of no return, be killed
 * with SIGKILL. It must never exit on its own as a restarted task nor
 * keep running, and no process may be left behind. A restarter that gets
 * an error must be as it was, its own interval timers included (see
 * restarter_spawn()).
 */
#include "ckpt_test.h"

/* The records of the minimal well-formed image, to be mutated. */
struct parts {
	struct ckpt_hdr_header h;
	struct ckpt_hdr_header_arch_x86_64 a;
	struct ckpt_hdr_tree th;	/* a tree of one task: */
	struct ckpt_tree_task tt;	/* the caller */
	struct ckpt_hdr_trailer t;
};

static void parts_init(struct parts *p)
{
	ckpt_fill_header(&p->h, getpid(), CHECKPOINT_SUBTREE, CKPT_TEST_ID);
	ckpt_fill_arch(&p->a);
	ckpt_fill_tree(&p->th, 1, 0);
	ckpt_fill_tree_task(&p->tt);
	ckpt_fill_trailer(&p->t, CKPT_TEST_ID, 3);
}

enum rec_which { REC_HEADER, REC_ARCH, REC_TREE, REC_TRAILER };
static const char *const rec_name[] = { "header", "arch", "tree", "trailer" };

/* One record, padded (always sizeof bytes, whatever its h.len) */
static void parts_emit_one(const struct parts *p, enum rec_which w,
			   struct ckpt_buf *b)
{
	switch (w) {
	case REC_HEADER:
		cb_record(b, &p->h, sizeof(p->h));
		break;
	case REC_ARCH:
		cb_record(b, &p->a, sizeof(p->a));
		break;
	case REC_TREE:
		cb_raw(b, &p->th, sizeof(p->th));
		cb_record(b, &p->tt, sizeof(p->tt));
		break;
	case REC_TRAILER:
		cb_record(b, &p->t, sizeof(p->t));
		break;
	}
}

/* header, arch, tree, trailer */
static void parts_emit(const struct parts *p, struct ckpt_buf *b)
{
	for (int w = REC_HEADER; w <= REC_TRAILER; w++)
		parts_emit_one(p, w, b);
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

static struct ckpt_hdr *parts_rec(struct parts *p, enum rec_which w)
{
	switch (w) {
	case REC_HEADER:
		return &p->h.h;
	case REC_ARCH:
		return &p->a.h;
	case REC_TREE:
		return &p->th.h;
	default:
		return &p->t.h;
	}
}

static const size_t rec_size[] = {
	sizeof(struct ckpt_hdr_header),
	sizeof(struct ckpt_hdr_header_arch_x86_64),
	sizeof(struct ckpt_hdr_tree) + sizeof(struct ckpt_tree_task),
	sizeof(struct ckpt_hdr_trailer),
};

/* ------------------------------------------------------------------ */
/* Tree records                                                        */
/* ------------------------------------------------------------------ */

/* A TREE record being built: its header and n entries (malloc()ed) */
struct tree_rec {
	struct ckpt_hdr_tree h;
	struct ckpt_tree_task *task;
	size_t n;
};

static void tree_init(struct tree_rec *r, const struct ckpt_hdr_tree *h,
		      const struct ckpt_tree_task *tasks, size_t n)
{
	r->h = *h;
	r->n = n;
	r->task = calloc(n ? n : 1, sizeof(*r->task));
	if (!r->task)
		abort();
	memcpy(r->task, tasks, n * sizeof(*tasks));
}

static void tree_copy(struct tree_rec *r, const struct tree_rec *from)
{
	tree_init(r, &from->h, from->task, from->n);
}

static void tree_free(struct tree_rec *r)
{
	free(r->task);
	r->task = NULL;
	r->n = 0;
}

/*
 * Add processes to the tree up to n tasks, children of the root in its
 * group and session, so that it stays well-formed; nr_tasks and len
 * follow.
 */
static void tree_grow(struct tree_rec *r, size_t n)
{
	struct ckpt_tree_task root = r->task[0];

	r->task = realloc(r->task, n * sizeof(*r->task));
	if (!r->task)
		abort();
	for (size_t i = r->n; i < n; i++) {
		struct ckpt_tree_task *k = &r->task[i];

		*k = root;
		k->pid = root.pid + (int32_t)i;
		k->tgid = k->pid;
		k->ppid = root.pid;
		k->ptid = root.pid;
		k->flags &= ~(uint32_t)(CKPT_TREE_STOPPED | CKPT_TREE_STOP_WAITED);
		k->exit_code = 0;
	}
	r->n = n;
	ckpt_fill_tree(&r->h, (uint32_t)n, r->h.flags);
}

/* Task i of r becomes a thread of the root, sharing all with it */
static void tree_make_thread(struct tree_rec *r, size_t i)
{
	struct ckpt_tree_task *k = &r->task[i];

	k->tgid = r->task[0].pid;
	k->ppid = 0;
	k->ptid = 0;
	k->flags = r->task[0].flags;
	k->exit_code = 0;
	k->exit_signal = 0;
	k->share_mm = 1;
	k->share_files = 1;
	k->share_fs = 1;
	k->share_sighand = 1;
}

static void tree_emit(const struct tree_rec *r, struct ckpt_buf *b)
{
	cb_tree(b, &r->h, r->task, r->n);
}

/* Trees this big are left out of the byte-by-byte pipe variant */
#define TREE_BIG	64

/*
 * Make defect k (from 0) in the well-formed tree r, the rest left as it
 * was. Returns what it is, or NULL when k is past the last one.
 */
static const char *tree_defect(struct tree_rec *r, unsigned int k)
{
	struct ckpt_tree_task *first = &r->task[0], *last = &r->task[r->n - 1];
	uint32_t li = (uint32_t)r->n - 1;	/* index of the last */

	switch (k) {
	case 0:
		r->h.nr_tasks = 0;
		r->h.h.len = sizeof(r->h);
		return "nr_tasks 0, no entries";
	case 1:
		r->h.nr_tasks = 0;
		return "nr_tasks 0, entries after it";
	case 2:
		r->h.nr_tasks++;
		return "nr_tasks one more than the entries";
	case 3:
		r->h.nr_tasks--;
		return "nr_tasks one less than the entries";
	case 4:
		r->h.h.len += sizeof(struct ckpt_tree_task);
		return "len of one entry more than nr_tasks";
	case 5:
		r->h.h.len -= 8;
		return "len 8 bytes short";
	case 6:
		r->h.h.len -= 1;
		return "len 1 byte short";
	case 7:
		r->h.h.len += 8;
		return "len 8 bytes long";
	case 8:
		tree_grow(r, CKPT_TREE_MAX_TASKS + 1);
		return "nr_tasks CKPT_TREE_MAX_TASKS + 1, len to match";
	case 9:
		r->h.flags |= 0x2;
		return "unknown tree flag 0x2";
	case 10:
		r->h.flags |= 0x80000000U;
		return "unknown tree flag 0x80000000";
	case 11:
		first->flags |= 0x20;
		return "task 0: unknown flag 0x20";
	case 12:
		last->flags |= 0x80000000U;
		return "last task: unknown flag 0x80000000";
	case 13:
		first->__pad = 1;
		return "task 0: __pad 1";
	case 14:
		last->__pad = 0x100;
		return "last task: __pad 0x100";
	case 15:
		first->pid = 0;
		return "task 0: pid 0";
	case 16:
		last->pid = -1;
		return "last task: pid -1";
	case 17:
		first->tgid = 0;
		return "task 0: tgid 0";
	case 18:
		last->tgid = -1;
		return "last task: tgid -1";
	case 19:
		first->ppid = 1;
		return "task 0 (the root) with a parent: ppid 1";
	case 20:
		first->ppid = -1;
		return "task 0 (the root) with ppid -1";
	case 21:
		first->share_mm = 1;
		return "task 0: share_mm 1, itself";
	case 22:
		first->share_mm = 2;
		return "task 0: share_mm 2, a later task";
	case 23:
		first->share_files = 1;
		return "task 0: share_files 1, itself";
	case 24:
		first->share_fs = 1;
		return "task 0: share_fs 1, itself";
	case 25:
		first->share_sighand = 1;
		return "task 0: share_sighand 1, itself";
	case 26:
		last->share_mm = li + 1;
		return "last task: share_mm names itself";
	case 27:
		last->share_files = li + 2;
		return "last task: share_files past the tree";
	case 28:
		last->share_fs = li + 1;
		return "last task: share_fs names itself";
	case 29:
		last->share_sighand = 0xffffffffU;
		return "last task: share_sighand 0xffffffff";
	case 30:
		first->flags |= CKPT_TREE_STOPPED;
		first->exit_code = 0;
		return "task 0: stopped, exit_code 0 (no stop status)";
	case 31:
		first->flags |= CKPT_TREE_STOPPED;
		first->exit_code = SIGINT << 8 | 0x7f;
		return "task 0: stopped by SIGINT, which does not stop";
	case 32:
		first->flags = (first->flags & ~(uint32_t)CKPT_TREE_STOPPED) |
			       CKPT_TREE_STOP_WAITED;
		first->exit_code = 0;
		return "task 0: STOP_WAITED without STOPPED";
	}
	return NULL;
}

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
		l.tree, l.tree + sizeof(struct ckpt_hdr),
		l.tree + sizeof(struct ckpt_hdr_tree),
		l.tree + sizeof(struct ckpt_hdr_tree) + sizeof(struct ckpt_tree_task) / 2,
		l.trailer, l.trailer + sizeof(struct ckpt_hdr), l.end - 1,
	};
	for (size_t i = 0; i < ARRAY_SIZE(cut); i++)
		FEED_EINVAL(b.data, cut[i], "minimal image cut at %zu of %zu",
			    cut[i], l.end);
	cb_free(&b);
}

/* /dev/null reads as an empty image: EINVAL, like any empty stream */
TEST(from_dev_null)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, sys_restart(0, fd, 0));
	close(fd);
}

/* The minimal image cut at every byte */
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

/* Well framed, a tree of one task, but not its state: EINVAL. */
TEST_F(feed, no_task_records)
{
	struct ckpt_buf b = { 0 };

	ckpt_build_minimal(&b, NULL);
	FEED_EINVAL(b.data, b.len, "header+arch+tree+trailer, no task records");
	cb_free(&b);
}

/*
 * Records after the trailer of an image without task state. (A complete
 * image may be followed by anything, e.g. a second image in the same file:
 * restart reads one image and stops.)
 */
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
	/* the error after the tree, where the task state would start */
	b.len = 0;
	parts_emit_one(&p, REC_HEADER, &b);
	parts_emit_one(&p, REC_ARCH, &b);
	parts_emit_one(&p, REC_TREE, &b);
	cb_record(&b, e, elen);
	FEED_EINVAL(b.data, b.len, "header+arch+tree+error");
	p.t.nr_records = 4;
	cb_record(&b, &p.t, sizeof(p.t));
	FEED_EINVAL(b.data, b.len, "header+arch+tree+error+trailer");
	cb_free(&b);
	free(e);
}

TEST_F(feed, wrong_record_order)
{
	struct ckpt_buf b = { 0 };
	struct parts p;

	parts_init(&p);
#define ORDER(desc, ...) do {							\
	const enum rec_which __r[] = { __VA_ARGS__ };				\
	b.len = 0;								\
	for (size_t __i = 0; __i < ARRAY_SIZE(__r); __i++)			\
		parts_emit_one(&p, __r[__i], &b);				\
	FEED_EINVAL(b.data, b.len, "records: %s", desc);			\
} while (0)
	ORDER("arch, header, tree, trailer", REC_ARCH, REC_HEADER, REC_TREE, REC_TRAILER);
	ORDER("trailer", REC_TRAILER);
	ORDER("tree", REC_TREE);
	ORDER("arch, tree, trailer", REC_ARCH, REC_TREE, REC_TRAILER);
	ORDER("header, tree, trailer", REC_HEADER, REC_TREE, REC_TRAILER);
	ORDER("header, tree, arch, trailer", REC_HEADER, REC_TREE, REC_ARCH, REC_TRAILER);
	ORDER("tree, header, arch, trailer", REC_TREE, REC_HEADER, REC_ARCH, REC_TRAILER);
	ORDER("header, arch, trailer (no tree)", REC_HEADER, REC_ARCH, REC_TRAILER);
	ORDER("header, header, arch, tree, trailer", REC_HEADER, REC_HEADER, REC_ARCH,
	      REC_TREE, REC_TRAILER);
	ORDER("header, arch, arch, tree, trailer", REC_HEADER, REC_ARCH, REC_ARCH,
	      REC_TREE, REC_TRAILER);
	ORDER("header, arch, tree, tree, trailer", REC_HEADER, REC_ARCH, REC_TREE,
	      REC_TREE, REC_TRAILER);
	ORDER("header, arch, tree, arch, trailer", REC_HEADER, REC_ARCH, REC_TREE,
	      REC_ARCH, REC_TRAILER);
	ORDER("header", REC_HEADER);
	ORDER("header, arch", REC_HEADER, REC_ARCH);
	ORDER("header, arch, tree", REC_HEADER, REC_ARCH, REC_TREE);
#undef ORDER
	cb_free(&b);
}

/*
 * A record of a type no image has (or, for CKPT_HDR_TASK, a TASK record
 * far too short, and for CKPT_HDR_SIGPENDING and CKPT_HDR_ITIMERS, a
 * record out of place and too short) where the task state should start,
 * after the tree.
 */
TEST_F(feed, unknown_record_type)
{
	static const uint32_t types[] = {
		0, 6, 99, CKPT_HDR_TASK, 105, 199, 202, 299, 303, 399, 402,
		CKPT_HDR_SIGPENDING, 503, 599, CKPT_HDR_ITIMERS, 601, 699,
		CKPT_HDR_TYPE_MAX, 1000, 0x7fffffff, 0xffffffff,
	};
	struct {
		struct ckpt_hdr h;
		uint64_t payload;
	} rec;
	struct ckpt_buf b = { 0 };
	struct parts p;

	parts_init(&p);
	p.t.nr_records = 4;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		rec.h.type = types[i];
		rec.h.len = sizeof(rec);
		rec.payload = 0;
		b.len = 0;
		parts_emit_one(&p, REC_HEADER, &b);
		parts_emit_one(&p, REC_ARCH, &b);
		parts_emit_one(&p, REC_TREE, &b);
		cb_record(&b, &rec, sizeof(rec));
		cb_record(&b, &p.t, sizeof(p.t));
		FEED_EINVAL(b.data, b.len, "record of type %u", types[i]);
	}
	cb_free(&b);
}

/*
 * Broken trailers after header, arch and tree. (The trailer of a real
 * image is corrupted in the `real` tests below.)
 */
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
	for (uint32_t nr = 0; nr <= 5; nr++) {
		parts_init(&p);
		p.t.nr_records = nr == 3 ? 0xffffffffU : nr;
		FEED_PARTS_EINVAL(&p, "trailer nr_records %u", p.t.nr_records);
	}
}

/* ------------------------------------------------------------------ */
/* The tree record                                                     */
/* ------------------------------------------------------------------ */

/* Header, arch, the tree r, trailer: restart(0) must fail with err */
#define FEED_TREE_ERR(err, p, r, fmt, ...) do {					\
	struct ckpt_buf __b = { 0 };						\
	parts_emit_one(p, REC_HEADER, &__b);					\
	parts_emit_one(p, REC_ARCH, &__b);					\
	tree_emit(r, &__b);							\
	parts_emit_one(p, REC_TRAILER, &__b);					\
	FEED_ERR(err, __b.data, __b.len, fmt, ##__VA_ARGS__);			\
	cb_free(&__b);								\
} while (0)

/* The tree of the caller and one child of it, well-formed */
static void two_task_tree(const struct parts *p, struct tree_rec *r)
{
	tree_init(r, &p->th, &p->tt, 1);
	tree_grow(r, 2);
}

/*
 * Well-formed trees of more than one task: restart(0) does not rebuild
 * them (EOPNOTSUPP: that is mktree's), before it looks for the state of
 * the tasks. The second task may be a thread of the root, sharing with
 * it, or a zombie; a child process that shares with its parent is no
 * image checkpoint writes (EINVAL).
 */
TEST_F(feed, tree_of_two_tasks)
{
	struct tree_rec r;
	struct parts p;

	parts_init(&p);
	two_task_tree(&p, &r);
	FEED_TREE_ERR(EOPNOTSUPP, &p, &r, "a tree of two tasks");
	r.task[1].share_mm = 1;
	r.task[1].share_files = 1;
	r.task[1].share_fs = 1;
	r.task[1].share_sighand = 1;
	FEED_TREE_ERR(EINVAL, &p, &r, "a child process sharing everything with its parent");
	tree_make_thread(&r, 1);
	FEED_TREE_ERR(EOPNOTSUPP, &p, &r, "a process of two threads");
	tree_free(&r);

	two_task_tree(&p, &r);
	r.task[1].flags |= CKPT_TREE_ZOMBIE;
	r.task[1].exit_code = 0x100;
	FEED_TREE_ERR(EOPNOTSUPP, &p, &r, "a tree of a task and a zombie child");
	tree_free(&r);

	/* a container: no CHECKPOINT_SUBTREE, the pids of its namespace */
	two_task_tree(&p, &r);
	p.h.flags = 0;
	r.h.flags = CKPT_TREE_CONTAINER;
	for (int i = 0; i < 2; i++) {
		r.task[i].pid = r.task[i].tgid = i + 1;
		r.task[i].pgid = r.task[i].sid = 1;
		r.task[i].flags &= ~(uint32_t)(CKPT_TREE_PGID_OUTSIDE |
					       CKPT_TREE_SID_OUTSIDE);
	}
	r.task[1].ppid = r.task[1].ptid = 1;
	FEED_TREE_ERR(EOPNOTSUPP, &p, &r, "a container of two tasks");
	tree_free(&r);
}

/*
 * Each defect of tree_defect() in the tree of two tasks (EOPNOTSUPP as it
 * is): EINVAL, the caller unchanged.
 */
TEST_F(feed, bad_tree)
{
	struct tree_rec base, r;
	const char *what;
	struct parts p;

	parts_init(&p);
	two_task_tree(&p, &base);
	for (unsigned int k = 0;; k++) {
		tree_copy(&r, &base);
		what = tree_defect(&r, k);
		if (!what) {
			tree_free(&r);
			break;
		}
		if (r.n <= TREE_BIG || !variant->chunk)
			FEED_TREE_ERR(EINVAL, &p, &r, "tree of two tasks: %s", what);
		tree_free(&r);
	}
	tree_free(&base);
}

/* ------------------------------------------------------------------ */
/* Images of failed checkpoints, restarted in the test process         */
/* ------------------------------------------------------------------ */

/*
 * The control-pipe child holds pipes whose other ends the test holds,
 * outside the image: its checkpoint is refused
 */
TEST_F(feed, failed_checkpoint_image_child)
{
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, child_spawn(&self->c, CHILD_BLOCK));
	ASSERT_EQ(0, child_stop(&self->c));
	ckpt_capture_failed_image(_metadata, self->c.pid, CHECKPOINT_SUBTREE, EOPNOTSUPP,
				  NULL, &img, &len);
	child_kill(&self->c);	/* a caller of restart(2) has no children */
	FEED_EINVAL(img, len, "failed checkpoint of a stopped child");
	free(img);
}

/*
 * Without CHECKPOINT_SUBTREE, the checkpoint of a stopped child (not the
 * init of a pid namespace) fails after the headers: that image is refused
 * too.
 */
TEST_F(feed, failed_checkpoint_image_not_ns_init)
{
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, child_spawn(&self->c, CHILD_BLOCK));
	ASSERT_EQ(0, child_stop(&self->c));
	ckpt_capture_failed_image(_metadata, self->c.pid, 0, EINVAL,
				  "not the init of a pid namespace", &img, &len);
	child_kill(&self->c);	/* a caller of restart(2) has no children */
	FEED_EINVAL(img, len, "failed checkpoint of a child without CHECKPOINT_SUBTREE");
	free(img);
}

/* The caller holding a socket (and a memfd, the image) checkpoints itself */
TEST_F(feed, failed_checkpoint_image_self)
{
	unsigned char *img;
	size_t len;
	int p[2];

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p));
	ckpt_capture_failed_image(_metadata, 0, CHECKPOINT_SUBTREE, EOPNOTSUPP, NULL,
				  &img, &len);
	close(p[0]);
	close(p[1]);
	FEED_EINVAL(img, len, "failed checkpoint of the caller");
	free(img);
}

/* The image of a failed checkpoint of a stopped child */
FIXTURE(failed) {
	struct ckpt_child c;
	struct ckpt_probe probe;
	unsigned char *img;
	size_t len;
};

FIXTURE_SETUP(failed)
{
	child_init(&self->c);
	self->img = NULL;
	probe_arm(&self->probe);
	ASSERT_EQ(0, child_spawn(&self->c, CHILD_BLOCK));
	ASSERT_EQ(0, child_stop(&self->c));
	ckpt_capture_failed_image(_metadata, self->c.pid, CHECKPOINT_SUBTREE, EOPNOTSUPP,
				  NULL, &self->img, &self->len);
	child_kill(&self->c);	/* a caller of restart(2) has no children */
}

FIXTURE_TEARDOWN(failed)
{
	child_kill(&self->c);
	free(self->img);
	probe_disarm(&self->probe);
}

/* Cut at every byte: never past the point of no return, so EINVAL */
TEST_F_TIMEOUT(failed, truncated_every_byte, 120)
{
	char what[96];

	for (size_t n = 0; n <= self->len; n++) {
		snprintf(what, sizeof(what), "failed-checkpoint image cut at %zu of %zu",
			 n, self->len);
		expect_restart_einval(_metadata, &self->probe, self->img, n, what);
	}
}

/* The same image with a trailer appended: still a failed checkpoint. */
TEST_F(failed, with_trailer_appended)
{
	struct ckpt_hdr_header h;
	struct ckpt_hdr_trailer t;
	struct ckpt_image ix;
	struct ckpt_buf b = { 0 };

	ASSERT_EQ(0, ckpt_image_from(&ix, self->img, self->len));
	memcpy(&h, self->img, sizeof(h));
	ckpt_fill_trailer(&t, h.ckpt_id, (uint32_t)ix.nr);
	cb_raw(&b, self->img, self->len);
	cb_record(&b, &t, sizeof(t));
	expect_restart_einval(_metadata, &self->probe, b.data, b.len,
			      "failed-checkpoint image plus a trailer");
	cb_free(&b);
	ckpt_image_free(&ix);
}

/* ------------------------------------------------------------------ */
/* The real image of a stopped target, damaged, in restarter children  */
/* ------------------------------------------------------------------ */

/* Restarters seen still running (restarted by mistake): stop after this many */
#define MAX_STUCK	3

FIXTURE(real) {
	struct ckpt_target t;	/* the target; killed once checkpointed */
	struct ckpt_image img;	/* its image, indexed */
	uint64_t counter;	/* its tgt_counter at checkpoint time */
	size_t mm_off;		/* offset of the MM record */
	int stuck;
	int cases;
};

FIXTURE_SETUP(real)
{
	struct ckpt_expect e;
	ssize_t mm;

	target_init(&self->t);
	ckpt_image_init(&self->img);
	self->stuck = 0;
	self->cases = 0;
	ASSERT_EQ(0, target_spawn(&self->t, 1, NULL, NULL));
	ASSERT_EQ(0, target_stop(&self->t));
	self->counter = target_counter(&self->t);
	ckpt_expect_init(&e, self->t.pid, CHECKPOINT_SUBTREE);
	e.ppid = getpid();
	e.uid = getuid();
	e.stopped = 1;
	ckpt_capture_image(_metadata, &e, &self->img);
	ckpt_check_target_image(_metadata, &self->img, &self->t, self->counter);
	target_kill(&self->t);	/* the file stays: the image refers to it */
	mm = ckpt_image_find(&self->img, CKPT_HDR_MM, 0);
	ASSERT_LT(0, mm);
	self->mm_off = self->img.rec[mm].off;
}

FIXTURE_TEARDOWN(real)
{
	target_cleanup(&self->t);
	ckpt_image_free(&self->img);
}

/*
 * Restart buf[0..len) in a restarter with flags: it must fail with errno
 * err, or, if may_kill, also be killed by SIGKILL. Nothing else.
 */
static void restart_case(struct __test_metadata *_metadata,
			 FIXTURE_DATA(real) *self, const void *buf, size_t len,
			 unsigned long flags, int err, int may_kill,
			 const char *what)
{
	struct rst_outcome o;
	char out[128];
	pid_t pid;

	if (self->stuck >= MAX_STUCK)
		return;
	self->cases++;
	pid = restarter_spawn(buf, len, flags, 0);
	ASSERT_LT(0, pid) TH_LOG("restarter for %s", what);
	restarter_wait(pid, &o, CKPT_WAIT_MS);
	if (!o.ended && ++self->stuck == MAX_STUCK)
		TH_LOG("%d restarters kept running: skipping the remaining cases",
		       MAX_STUCK);
	EXPECT_TRUE(o.ended && (o.exited == err ||
				(may_kill && o.signal == SIGKILL)))
		TH_LOG("%s (%zu bytes): %s; expected %s%s", what, len,
		       rst_outcome_str(&o, out, sizeof(out)), strerror(err),
		       may_kill ? " or SIGKILL" : "");
}

/*
 * The image with the n bytes at off XORed with (xor) or replaced by
 * bytes[], restarted: errno err, or SIGKILL if the change is in the
 * memory part or later (or if late: a record checked only once the
 * memory has been replaced).
 */
static void mut_case(struct __test_metadata *_metadata,
		     FIXTURE_DATA(real) *self, size_t off, const void *bytes,
		     size_t n, int xor, int err, int late, const char *what)
{
	unsigned char *b = ckpt_image_copy(&self->img);
	const unsigned char *v = bytes;

	ASSERT_LE(off + n, self->img.len);
	for (size_t i = 0; i < n; i++)
		b[off + i] = xor ? b[off + i] ^ v[i] : v[i];
	restart_case(_metadata, self, b, self->img.len, 0, err,
		     late || off >= self->mm_off, what);
	free(b);
}

/* The image with one byte at off XORed with x */
static void flip_case(struct __test_metadata *_metadata,
		      FIXTURE_DATA(real) *self, size_t off, uint8_t x,
		      int err, const char *what)
{
	char desc[160];

	snprintf(desc, sizeof(desc), "%s (byte %zu ^ %#x)", what, off, x);
	mut_case(_metadata, self, off, &x, 1, 1, err, 0, desc);
}

/* The image with the 32-bit field at off set to v */
static void set32_case(struct __test_metadata *_metadata,
		       FIXTURE_DATA(real) *self, size_t off, uint32_t v,
		       int err, const char *what)
{
	char desc[160];

	snprintf(desc, sizeof(desc), "%s (u32 at %zu = %#x)", what, off, v);
	mut_case(_metadata, self, off, &v, sizeof(v), 0, err, 0, desc);
}

/* The image with the 64-bit field at off set to v; late: see mut_case() */
static void set64_case_late(struct __test_metadata *_metadata,
			    FIXTURE_DATA(real) *self, size_t off, uint64_t v,
			    int err, int late, const char *what)
{
	char desc[160];

	snprintf(desc, sizeof(desc), "%s (u64 at %zu = %#llx)", what, off,
		 (unsigned long long)v);
	mut_case(_metadata, self, off, &v, sizeof(v), 0, err, late, desc);
}

static void set64_case(struct __test_metadata *_metadata,
		       FIXTURE_DATA(real) *self, size_t off, uint64_t v,
		       int err, const char *what)
{
	set64_case_late(_metadata, self, off, v, err, 0, what);
}

/* Record i of the image, for messages: "PAGES #37 at 12345" */
static const char *rec_desc(const FIXTURE_DATA(real) *self, size_t i,
			    char *buf, size_t size)
{
	snprintf(buf, size, "%s #%zu at %zu", ckpt_type_name(self->img.rec[i].type),
		 i, self->img.rec[i].off);
	return buf;
}

/*
 * The undamaged image restarts: the restarter becomes a copy of the
 * target (its counter moves on from the saved value, its heap is intact)
 * and SIGTERM ends it with TGT_EXIT_OK. Without this, the refusals below
 * would prove nothing.
 */
TEST_F(real, control_restarts)
{
	struct rst_outcome o;
	char out[128];
	uint64_t c;
	pid_t pid;
	int status, runs;

	pid = restarter_spawn(self->img.data, self->img.len, 0, 0);
	ASSERT_LT(0, pid);
	runs = target_restarted_runs(pid, self->counter);
	if (waitpid(pid, &status, WNOHANG) == pid) {
		o.ended = 1;
		o.exited = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		ASSERT_TRUE(0) TH_LOG("restart of the undamaged image: %s",
				      rst_outcome_str(&o, out, sizeof(out)));
	}
	EXPECT_TRUE(runs) TH_LOG("the restarted task does not run");
	c = target_counter_of(pid);
	EXPECT_GE(c, self->counter) TH_LOG("counter %llu, saved %llu",
					   (unsigned long long)c,
					   (unsigned long long)self->counter);
	EXPECT_TRUE(target_heap_ok_of(pid));
	kill(pid, SIGTERM);
	restarter_wait(pid, &o, CKPT_WAIT_MS);
	EXPECT_EQ(TGT_EXIT_OK, o.exited) TH_LOG("the restarted task: %s",
					       rst_outcome_str(&o, out, sizeof(out)));
	assert_no_leftovers(_metadata);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Cut at every record boundary, just after every record header, at the
 * end of every record whose padding is not empty, in the middle of
 * every record but the PAGES ones (of these, the first, the last and one
 * in between, also after their first page), and one byte short.
 */
TEST_F_TIMEOUT(real, truncated, 300)
{
	const struct ckpt_image *img = &self->img;
	size_t *cut, nr = 0, pages = 0, nr_pages_recs = 0;
	char what[96];

	/* the tree is one of the records, cut like the others */
	ASSERT_LT(2U, img->nr);
	ASSERT_EQ((uint32_t)CKPT_HDR_TREE, img->rec[2].type);
	for (size_t i = 0; i < img->nr; i++)
		nr_pages_recs += img->rec[i].type == CKPT_HDR_PAGES;
	cut = calloc(img->nr * 4 + 8, sizeof(*cut));
	ASSERT_NE(NULL, cut);
	for (size_t i = 0; i < img->nr; i++) {
		const struct ckpt_rec *r = &img->rec[i];
		int is_pages = r->type == CKPT_HDR_PAGES;
		int probe = !is_pages || pages == 0 || pages == nr_pages_recs / 2 ||
			    pages == nr_pages_recs - 1;

		cut[nr++] = r->off;
		cut[nr++] = r->off + sizeof(struct ckpt_hdr);
		if (r->type == CKPT_HDR_TREE)	/* its header whole, no entry */
			cut[nr++] = r->off + sizeof(struct ckpt_hdr_tree);
		if (r->len % 8)
			cut[nr++] = r->off + r->len;
		if (probe)
			cut[nr++] = r->off + (is_pages ? sizeof(struct ckpt_hdr_pages) +
					      CKPT_TEST_PAGE : r->len / 2);
		pages += is_pages;
	}
	cut[nr++] = img->len - 1;
	qsort(cut, nr, sizeof(*cut), cmp_size);

	for (size_t k = 0; k < nr; k++) {
		if ((k && cut[k] == cut[k - 1]) || cut[k] >= img->len)
			continue;
		snprintf(what, sizeof(what), "image cut at %zu of %zu (MM at %zu)",
			 cut[k], img->len, self->mm_off);
		restart_case(_metadata, self, img->data, cut[k], 0, EINVAL,
			     cut[k] > self->mm_off, what);
	}
	free(cut);
	TH_LOG("%d truncated images", self->cases);
	assert_no_leftovers(_metadata);
}

/*
 * Every record header damaged: its type, its length by 128 bytes, and
 * (but for most PAGES records) its length by 1 MiB.
 */
TEST_F_TIMEOUT(real, bad_record_headers, 300)
{
	const struct ckpt_image *img = &self->img;
	size_t pages = 0, nr_pages_recs = 0;
	char d[64];

	for (size_t i = 0; i < img->nr; i++)
		nr_pages_recs += img->rec[i].type == CKPT_HDR_PAGES;
	for (size_t i = 0; i < img->nr; i++) {
		const struct ckpt_rec *r = &img->rec[i];
		size_t len_off = r->off + offsetof(struct ckpt_hdr, len);
		int is_pages = r->type == CKPT_HDR_PAGES;

		rec_desc(self, i, d, sizeof(d));
		flip_case(_metadata, self, r->off, 0x80, EINVAL, d);
		flip_case(_metadata, self, len_off, 0x80, EINVAL, d);
		if (!is_pages || pages == 0 || pages == nr_pages_recs - 1)
			flip_case(_metadata, self, len_off + 2, 0x10, EINVAL, d);
		pages += is_pages;
	}
	TH_LOG("%d damaged record headers", self->cases);
	assert_no_leftovers(_metadata);
}

/*
 * Lengths beyond any record (CKPT_RECORD_MAX + 8, 4 GiB - 8) in the first
 * record of each type.
 */
TEST_F_TIMEOUT(real, oversized_lengths, 300)
{
	const struct ckpt_image *img = &self->img;
	char d[64];

	for (size_t i = 0; i < img->nr; i++) {
		const struct ckpt_rec *r = &img->rec[i];
		size_t len_off = r->off + offsetof(struct ckpt_hdr, len);

		if (ckpt_image_find(img, r->type, 0) != (ssize_t)i)
			continue;
		rec_desc(self, i, d, sizeof(d));
		set32_case(_metadata, self, len_off, CKPT_TEST_RECORD_MAX + 8, EINVAL, d);
		set32_case(_metadata, self, len_off, 0xfffffff8U, EINVAL, d);
	}
	assert_no_leftovers(_metadata);
}

/* The index of a record the test needs, asserted present */
static size_t need_rec(struct __test_metadata *_metadata,
		       const FIXTURE_DATA(real) *self, uint32_t type,
		       unsigned int nth)
{
	ssize_t i = ckpt_image_find(&self->img, type, nth);

	ASSERT_LE(0, i) TH_LOG("no %s record #%u in the image",
			       ckpt_type_name(type), nth);
	return (size_t)i;
}

#define OFF(i, stype, field)	REC_FIELD(&self->img, i, stype, field)
#define U32(i, stype, field)	get_u32(self->img.data, OFF(i, stype, field))
#define U64(i, stype, field)	get_u64(self->img.data, OFF(i, stype, field))

/* Header, arch record, trailer */
TEST_F_TIMEOUT(real, bad_stream_fields, 300)
{
	size_t hd = 0, ar = 1, tr = need_rec(_metadata, self, CKPT_HDR_TRAILER, 0);

	ASSERT_EQ((uint32_t)CKPT_HDR_HEADER, self->img.rec[hd].type);
	ASSERT_EQ((uint32_t)CKPT_HDR_HEADER_ARCH, self->img.rec[ar].type);

	flip_case(_metadata, self, OFF(hd, ckpt_hdr_header, magic), 0xff, EINVAL, "header magic");
	flip_case(_metadata, self, OFF(hd, ckpt_hdr_header, magic) + 7, 0x01, EINVAL,
		  "header magic, last byte");
	flip_case(_metadata, self, OFF(hd, ckpt_hdr_header, format), 0x03, EINVAL, "header format");
	flip_case(_metadata, self, OFF(hd, ckpt_hdr_header, arch), 0x03, EINVAL, "header arch");
	flip_case(_metadata, self, OFF(hd, ckpt_hdr_header, page_size) + 1, 0x20, EINVAL,
		  "header page_size");
	flip_case(_metadata, self, OFF(hd, ckpt_hdr_header, flags), 0x04, EINVAL, "header flags");

	flip_case(_metadata, self, OFF(ar, ckpt_hdr_header_arch_x86_64, xfeatures), 0x02, EINVAL,
		  "arch xfeatures without SSE");
	flip_case(_metadata, self, OFF(ar, ckpt_hdr_header_arch_x86_64, xstate_size), 0x40,
		  EINVAL, "arch xstate_size");
	flip_case(_metadata, self, OFF(ar, ckpt_hdr_header_arch_x86_64, xstate_size), 0x01,
		  EINVAL, "arch xstate_size odd");

	flip_case(_metadata, self, OFF(tr, ckpt_hdr_trailer, magic), 0x01, EINVAL, "trailer magic");
	flip_case(_metadata, self, OFF(tr, ckpt_hdr_trailer, ckpt_id), 0x01, EINVAL,
		  "trailer ckpt_id");
	flip_case(_metadata, self, OFF(tr, ckpt_hdr_trailer, nr_records), 0x01, EINVAL,
		  "trailer nr_records");
	set32_case(_metadata, self, OFF(tr, ckpt_hdr_trailer, nr_records),
		   U32(tr, ckpt_hdr_trailer, nr_records) + 1, EINVAL, "trailer nr_records + 1");
	flip_case(_metadata, self, OFF(tr, ckpt_hdr_trailer, __pad), 0x01, EINVAL, "trailer __pad");
	assert_no_leftovers(_metadata);
}

/*
 * The image with records [at, at + drop) replaced by rec[0..n) (whole
 * records, padded) and its trailer counting the records before it, into b.
 */
static void splice_build(struct __test_metadata *_metadata,
			 const FIXTURE_DATA(real) *self, size_t at, size_t drop,
			 const void *rec, size_t n, struct ckpt_buf *b)
{
	const struct ckpt_image *img = &self->img;
	struct ckpt_image ix;
	size_t from;
	ssize_t tr;

	ASSERT_LE(at + drop, img->nr);
	ASSERT_LT(at, img->nr);
	from = at + drop < img->nr ? img->rec[at + drop].off : img->len;
	b->len = 0;
	cb_raw(b, img->data, img->rec[at].off);
	cb_raw(b, rec, n);
	cb_raw(b, img->data + from, img->len - from);
	ASSERT_EQ(0, ckpt_image_from(&ix, b->data, b->len));
	tr = ckpt_image_find(&ix, CKPT_HDR_TRAILER, 0);
	ASSERT_LT(0, tr) TH_LOG("no trailer in the spliced image");
	put_u32(b->data, REC_FIELD(&ix, tr, ckpt_hdr_trailer, nr_records), (uint32_t)tr);
	ckpt_image_free(&ix);
}

/* The same, restarted: errno err (the change is before the memory part) */
static void splice_case(struct __test_metadata *_metadata,
			FIXTURE_DATA(real) *self, size_t at, size_t drop,
			const void *rec, size_t n, int err, const char *what)
{
	struct ckpt_buf b = { 0 };

	splice_build(_metadata, self, at, drop, rec, n, &b);
	restart_case(_metadata, self, b.data, b.len, 0, err, 0, what);
	cb_free(&b);
}

/* The tree record of the image: the third record, one task, as a tree_rec */
static size_t real_tree(struct __test_metadata *_metadata,
			const FIXTURE_DATA(real) *self, struct tree_rec *r)
{
	const struct ckpt_image *img = &self->img;
	size_t i = need_rec(_metadata, self, CKPT_HDR_TREE, 0);
	struct ckpt_hdr_tree h;
	struct ckpt_tree_task k;

	ASSERT_EQ(2U, i) TH_LOG("the tree is not right after the arch record");
	ASSERT_EQ(0, ckpt_image_tree(img, &h, &k, 0));
	ASSERT_EQ(1U, h.nr_tasks);
	ASSERT_EQ(sizeof(h) + sizeof(k), (size_t)img->rec[i].len);
	tree_init(r, &h, &k, 1);
	return i;
}

/*
 * Each defect of tree_defect() in the tree of the image (a tree of one
 * task, which restarts): EINVAL, the restarter unchanged.
 */
TEST_F_TIMEOUT(real, bad_tree, 300)
{
	struct ckpt_buf b = { 0 }, same = { 0 };
	struct tree_rec base, r;
	const char *what;
	char d[128];
	size_t tr;

	tr = real_tree(_metadata, self, &base);

	/* the splicing itself changes nothing */
	tree_emit(&base, &b);
	splice_build(_metadata, self, tr, 1, b.data, b.len, &same);
	ASSERT_EQ(self->img.len, same.len);
	ASSERT_EQ(0, memcmp(self->img.data, same.data, same.len))
		TH_LOG("the tree record written back is not the one read");
	cb_free(&same);

	for (unsigned int k = 0;; k++) {
		tree_copy(&r, &base);
		what = tree_defect(&r, k);
		if (!what) {
			tree_free(&r);
			break;
		}
		b.len = 0;
		tree_emit(&r, &b);
		snprintf(d, sizeof(d), "TREE of one task: %s", what);
		splice_case(_metadata, self, tr, 1, b.data, b.len, EINVAL, d);
		tree_free(&r);
	}
	cb_free(&b);
	tree_free(&base);
	TH_LOG("%d damaged trees", self->cases);
	assert_no_leftovers(_metadata);
}

/*
 * The tree missing (TASK right after HEADER_ARCH), twice, or after the
 * TASK record: EINVAL. Well-formed trees of more tasks (a child, a child
 * that shares everything with the root, CKPT_TREE_MAX_TASKS tasks):
 * EOPNOTSUPP, since restart cannot rebuild them yet.
 */
TEST_F_TIMEOUT(real, tree_structure, 300)
{
	const struct ckpt_image *img = &self->img;
	struct ckpt_buf b = { 0 };
	struct tree_rec base, r;
	size_t tr, tk;

	tr = real_tree(_metadata, self, &base);
	tk = need_rec(_metadata, self, CKPT_HDR_TASK, 0);
	ASSERT_EQ(tr + 1, tk) TH_LOG("the TASK record does not follow the tree");

	splice_case(_metadata, self, tr, 1, NULL, 0, EINVAL,
		    "no TREE: TASK right after HEADER_ARCH");
	tree_emit(&base, &b);
	splice_case(_metadata, self, tr, 0, b.data, b.len, EINVAL, "two TREE records");
	b.len = 0;
	cb_raw(&b, img->data + img->rec[tk].off, CKPT_ALIGN8((size_t)img->rec[tk].len));
	tree_emit(&base, &b);
	splice_case(_metadata, self, tr, 2, b.data, b.len, EINVAL, "TASK before TREE");

	tree_copy(&r, &base);
	tree_grow(&r, 2);
	b.len = 0;
	tree_emit(&r, &b);
	splice_case(_metadata, self, tr, 1, b.data, b.len, EOPNOTSUPP,
		    "a tree of two tasks");
	r.task[1].share_mm = 1;
	r.task[1].share_files = 1;
	r.task[1].share_fs = 1;
	r.task[1].share_sighand = 1;
	b.len = 0;
	tree_emit(&r, &b);
	splice_case(_metadata, self, tr, 1, b.data, b.len, EINVAL,
		    "a child process sharing everything with its parent");
	tree_make_thread(&r, 1);
	b.len = 0;
	tree_emit(&r, &b);
	splice_case(_metadata, self, tr, 1, b.data, b.len, EOPNOTSUPP,
		    "a process of two threads");
	tree_free(&r);

	tree_copy(&r, &base);
	tree_grow(&r, CKPT_TREE_MAX_TASKS);
	b.len = 0;
	tree_emit(&r, &b);
	splice_case(_metadata, self, tr, 1, b.data, b.len, EOPNOTSUPP,
		    "a tree of CKPT_TREE_MAX_TASKS tasks");
	tree_free(&r);

	cb_free(&b);
	tree_free(&base);
	assert_no_leftovers(_metadata);
}

/* Task, credentials, limits, fs, signals, syscall restart, registers */
TEST_F_TIMEOUT(real, bad_task_fields, 300)
{
	size_t tk = need_rec(_metadata, self, CKPT_HDR_TASK, 0);
	size_t cr = need_rec(_metadata, self, CKPT_HDR_CREDS, 0);
	size_t rl = need_rec(_metadata, self, CKPT_HDR_RLIMITS, 0);
	size_t fs = need_rec(_metadata, self, CKPT_HDR_FS, 0);
	size_t sh = need_rec(_metadata, self, CKPT_HDR_SIGHAND, 0);
	size_t sr = need_rec(_metadata, self, CKPT_HDR_SYSCALL_RESTART, 0);
	size_t cpu = need_rec(_metadata, self, CKPT_HDR_CPU_X86_64, 0);
	size_t nofile = OFF(rl, ckpt_hdr_rlimits, rlim) +
			RLIMIT_NOFILE * sizeof(struct ckpt_rlimit);
	uint64_t nofile_max = get_u64(self->img.data, nofile + 8);

	set32_case(_metadata, self, OFF(tk, ckpt_hdr_task, exit_signal), 200, EINVAL,
		   "TASK exit_signal 200");
	set32_case(_metadata, self, OFF(tk, ckpt_hdr_task, pdeath_signal), 200, EINVAL,
		   "TASK pdeath_signal 200");

	flip_case(_metadata, self, OFF(cr, ckpt_hdr_creds, ngroups), 0x01, EINVAL,
		  "CREDS ngroups +-1");
	set32_case(_metadata, self, OFF(cr, ckpt_hdr_creds, ngroups), 0x7fffffff, EINVAL,
		   "CREDS ngroups huge");
	flip_case(_metadata, self, OFF(cr, ckpt_hdr_creds, uid), 0x01, EPERM,
		  "CREDS uid not the caller's");
	flip_case(_metadata, self, OFF(cr, ckpt_hdr_creds, gid), 0x01, EPERM,
		  "CREDS gid not the caller's");

	flip_case(_metadata, self, OFF(rl, ckpt_hdr_rlimits, nr), 0x01, EINVAL, "RLIMITS nr 17");
	set32_case(_metadata, self, OFF(rl, ckpt_hdr_rlimits, nr), 0xffff, EINVAL,
		   "RLIMITS nr huge");
	if (nofile_max < (uint64_t)RLIM_INFINITY - 1)
		set64_case(_metadata, self, nofile, nofile_max + 1, EINVAL,
			   "RLIMIT_NOFILE soft above hard");

	flip_case(_metadata, self, OFF(fs, ckpt_hdr_fs, root_len), 0x01, EINVAL, "FS root_len");
	set32_case(_metadata, self, OFF(fs, ckpt_hdr_fs, cwd_len), 0, EINVAL, "FS cwd_len 0");
	set32_case(_metadata, self, OFF(fs, ckpt_hdr_fs, cwd_len), 0x10000, EINVAL,
		   "FS cwd_len past the record");

	flip_case(_metadata, self, OFF(sh, ckpt_hdr_sighand, nr), 0x01, EINVAL, "SIGHAND nr 65");
	set32_case(_metadata, self, OFF(sh, ckpt_hdr_sighand, nr), 0, EINVAL, "SIGHAND nr 0");
	set64_case(_metadata, self, OFF(sh, ckpt_hdr_sighand, action) +
		   (SIGKILL - 1) * sizeof(struct ckpt_sigaction), 1, EINVAL,
		   "SIGHAND: SIGKILL ignored");

	set32_case(_metadata, self, OFF(sr, ckpt_hdr_syscall_restart, kind), 0x7f, EINVAL,
		   "SYSCALL_RESTART kind 127");

	set32_case(_metadata, self, OFF(cpu, ckpt_hdr_cpu_x86_64, cs), 0, EINVAL,
		   "CPU cs 0 (and ss 0)");
	set64_case(_metadata, self, OFF(cpu, ckpt_hdr_cpu_x86_64, fs_base), 1ULL << 63, EINVAL,
		   "CPU fs_base not canonical");
	set64_case(_metadata, self, OFF(cpu, ckpt_hdr_cpu_x86_64, gs_base), 0xdead000000000000ULL,
		   EINVAL, "CPU gs_base not canonical");
	assert_no_leftovers(_metadata);
}

/*
 * The XSAVE area: its length must match the arch record (EINVAL); header
 * bits and an MXCSR the CPU would fault on must be refused, before the
 * memory part (EINVAL) or, since the area may be checked only when it is
 * loaded, after it (SIGKILL); never loaded into the CPU.
 */
TEST_F_TIMEOUT(real, bad_xstate, 300)
{
	size_t xs = need_rec(_metadata, self, CKPT_HDR_XSTATE, 0);
	size_t area = self->img.rec[xs].off + sizeof(struct ckpt_hdr);
	uint64_t ff = 0xffffffffULL, one = 1;

	flip_case(_metadata, self, self->img.rec[xs].off + offsetof(struct ckpt_hdr, len), 0x40,
		  EINVAL, "XSTATE len");
	set64_case_late(_metadata, self, area + 512,
			get_u64(self->img.data, area + 512) | (1ULL << 62), EINVAL, 1,
			"XSTATE_BV with a feature not in xfeatures");
	set64_case_late(_metadata, self, area + 520, 1ULL << 63, EINVAL, 1,
			"XCOMP_BV: compacted format");
	mut_case(_metadata, self, area + 512 + 16, &one, 1, 1, EINVAL, 1,
		 "XSAVE header reserved byte");
	mut_case(_metadata, self, area + 24, &ff, 4, 0, EINVAL, 1, "MXCSR reserved bits");
	assert_no_leftovers(_metadata);
}

/* Files and the fd table */
TEST_F_TIMEOUT(real, bad_file_fields, 300)
{
	size_t ft = need_rec(_metadata, self, CKPT_HDR_FD_TABLE, 0);
	size_t f0 = need_rec(_metadata, self, CKPT_HDR_FILE, 0);
	size_t f1 = need_rec(_metadata, self, CKPT_HDR_FILE, 1);
	size_t ent = self->img.rec[ft].off + sizeof(struct ckpt_hdr_fd_table);
	struct ckpt_fd_entry fd3;
	ssize_t reg;
	size_t path;
	uint32_t path_len;

	ASSERT_EQ(0, ckpt_image_fd(&self->img, TGT_FILE_FD, &fd3));
	reg = ckpt_image_file(&self->img, fd3.objref);
	ASSERT_LE(0, reg);
	ASSERT_LT((size_t)reg, ft) TH_LOG("the FILE of fd 3 comes after the fd table");
	path = self->img.rec[reg].off + sizeof(struct ckpt_hdr_file);
	path_len = U32(reg, ckpt_hdr_file, path_len);

	flip_case(_metadata, self, OFF(reg, ckpt_hdr_file, path_len), 0x01, EINVAL,
		  "FILE path_len +-1");
	set32_case(_metadata, self, OFF(reg, ckpt_hdr_file, path_len), 0, EINVAL,
		   "FILE path_len 0");
	set32_case(_metadata, self, OFF(reg, ckpt_hdr_file, path_len), 0xffffU, EINVAL,
		   "FILE path_len past the record");
	flip_case(_metadata, self, path + path_len - 1, 'x', EINVAL,
		  "FILE path without its NUL");
	set32_case(_metadata, self, OFF(reg, ckpt_hdr_file, kind), 0, EINVAL, "FILE kind 0");
	set32_case(_metadata, self, OFF(reg, ckpt_hdr_file, kind), 99, EINVAL, "FILE kind 99");
	set32_case(_metadata, self, OFF(reg, ckpt_hdr_file, objref), 0, EINVAL, "FILE objref 0");
	set32_case(_metadata, self, OFF(reg, ckpt_hdr_file, objref), (uint32_t)-1, EINVAL,
		   "FILE objref -1");
	set32_case(_metadata, self, OFF(f1, ckpt_hdr_file, objref), U32(f0, ckpt_hdr_file, objref),
		   EINVAL, "two FILE records with one objref");

	/* the file itself: gone, or not the one checkpointed */
	flip_case(_metadata, self, path + path_len - 2, 0x01, ENOENT, "FILE path of no file");
	flip_case(_metadata, self, OFF(reg, ckpt_hdr_file, size), 0x01, ESTALE, "FILE size");
	flip_case(_metadata, self, OFF(reg, ckpt_hdr_file, ino), 0x01, ESTALE, "FILE inode");
	flip_case(_metadata, self, OFF(reg, ckpt_hdr_file, mtime_sec), 0x01, ESTALE,
		  "FILE mtime");

	flip_case(_metadata, self, OFF(ft, ckpt_hdr_fd_table, nr_fds), 0x01, EINVAL,
		  "FD_TABLE nr_fds +-1");
	set32_case(_metadata, self, OFF(ft, ckpt_hdr_fd_table, nr_fds), 0xffffffffU, EINVAL,
		   "FD_TABLE nr_fds huge");
	set32_case(_metadata, self, OFF(ft, ckpt_hdr_fd_table, nr_fds), CKPT_FDS_MAX + 1,
		   EINVAL, "FD_TABLE nr_fds above CKPT_FDS_MAX");
	set32_case(_metadata, self, ent + offsetof(struct ckpt_fd_entry, objref), 9999, EINVAL,
		   "fd entry with an unknown objref");
	set32_case(_metadata, self, ent + offsetof(struct ckpt_fd_entry, fd), (uint32_t)-1,
		   EINVAL, "fd entry with fd -1");
	set32_case(_metadata, self, ent + sizeof(struct ckpt_fd_entry) +
		   offsetof(struct ckpt_fd_entry, fd),
		   get_u32(self->img.data, ent + offsetof(struct ckpt_fd_entry, fd)), EINVAL,
		   "two fd entries for one fd");
	set32_case(_metadata, self, ent + offsetof(struct ckpt_fd_entry, flags), 0x80, EINVAL,
		   "fd entry with an unknown flag");
	assert_no_leftovers(_metadata);
}

/* MM, VMAs and pages: after the point of no return, SIGKILL is fine too */
TEST_F_TIMEOUT(real, bad_memory_fields, 300)
{
	const struct ckpt_image *img = &self->img;
	size_t mm = need_rec(_metadata, self, CKPT_HDR_MM, 0);
	size_t nv = 0, np = 0, which[3];
	ssize_t filevma = -1;
	char d[96];

	flip_case(_metadata, self, OFF(mm, ckpt_hdr_mm, nr_vmas), 0x01, EINVAL, "MM nr_vmas +-1");
	set32_case(_metadata, self, OFF(mm, ckpt_hdr_mm, nr_vmas), 0, EINVAL, "MM nr_vmas 0");
	set32_case(_metadata, self, OFF(mm, ckpt_hdr_mm, auxv_len), CKPT_AUXV_MAX + 2, EINVAL,
		   "MM auxv_len above CKPT_AUXV_MAX");
	set32_case(_metadata, self, OFF(mm, ckpt_hdr_mm, exe_objref), 9999, EINVAL,
		   "MM exe_objref unknown");
	set64_case(_metadata, self, OFF(mm, ckpt_hdr_mm, brk), U64(mm, ckpt_hdr_mm, start_brk) -
		   CKPT_TEST_PAGE, EINVAL, "MM brk below start_brk");

	for (size_t i = 0; i < img->nr; i++) {
		nv += img->rec[i].type == CKPT_HDR_VMA;
		np += img->rec[i].type == CKPT_HDR_PAGES;
		if (filevma < 0 && img->rec[i].type == CKPT_HDR_VMA &&
		    U32(i, ckpt_hdr_vma, kind) == CKPT_VMA_FILE)
			filevma = (ssize_t)i;
	}
	ASSERT_LT(0U, nv);
	ASSERT_LT(0U, np);

	/* the first, a middle and the last VMA */
	which[0] = need_rec(_metadata, self, CKPT_HDR_VMA, 0);
	which[1] = need_rec(_metadata, self, CKPT_HDR_VMA, nv / 2);
	which[2] = need_rec(_metadata, self, CKPT_HDR_VMA, nv - 1);
	for (int k = 0; k < 3; k++) {
		size_t v = which[k];

		if (k && which[k] == which[k - 1])
			continue;
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": start unaligned", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(v, ckpt_hdr_vma, start), 0x01, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": end unaligned", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(v, ckpt_hdr_vma, end), 0x01, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": start above TASK_SIZE", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(v, ckpt_hdr_vma, start) + 5, 0x80, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": end above TASK_SIZE", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(v, ckpt_hdr_vma, end) + 5, 0x80, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": end = start", sizeof(d) - strlen(d) - 1);
		set64_case(_metadata, self, OFF(v, ckpt_hdr_vma, end), U64(v, ckpt_hdr_vma, start),
			   EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": kind 0", sizeof(d) - strlen(d) - 1);
		set32_case(_metadata, self, OFF(v, ckpt_hdr_vma, kind), 0, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": kind 9", sizeof(d) - strlen(d) - 1);
		set32_case(_metadata, self, OFF(v, ckpt_hdr_vma, kind), 9, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": unknown flag", sizeof(d) - strlen(d) - 1);
		set32_case(_metadata, self, OFF(v, ckpt_hdr_vma, flags),
			   U32(v, ckpt_hdr_vma, flags) | 0x100000, EINVAL, d);
		rec_desc(self, v, d, sizeof(d));
		strncat(d, ": nr_pages + 1", sizeof(d) - strlen(d) - 1);
		set64_case(_metadata, self, OFF(v, ckpt_hdr_vma, nr_pages),
			   U64(v, ckpt_hdr_vma, nr_pages) + 1, EINVAL, d);
	}
	if (filevma >= 0) {
		set32_case(_metadata, self, OFF(filevma, ckpt_hdr_vma, file_objref), 9999, EINVAL,
			   "file VMA with an unknown objref");
	}

	/* the first, a middle and the last PAGES record */
	which[0] = need_rec(_metadata, self, CKPT_HDR_PAGES, 0);
	which[1] = need_rec(_metadata, self, CKPT_HDR_PAGES, np / 2);
	which[2] = need_rec(_metadata, self, CKPT_HDR_PAGES, np - 1);
	for (int k = 0; k < 3; k++) {
		size_t p = which[k];

		if (k && which[k] == which[k - 1])
			continue;
		rec_desc(self, p, d, sizeof(d));
		strncat(d, ": nr_pages +-1", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(p, ckpt_hdr_pages, nr_pages), 0x01, EINVAL, d);
		rec_desc(self, p, d, sizeof(d));
		strncat(d, ": nr_pages 0", sizeof(d) - strlen(d) - 1);
		set32_case(_metadata, self, OFF(p, ckpt_hdr_pages, nr_pages), 0, EINVAL, d);
		rec_desc(self, p, d, sizeof(d));
		strncat(d, ": nr_pages above CKPT_PAGES_MAX", sizeof(d) - strlen(d) - 1);
		set32_case(_metadata, self, OFF(p, ckpt_hdr_pages, nr_pages), CKPT_PAGES_MAX + 1,
			   EINVAL, d);
		rec_desc(self, p, d, sizeof(d));
		strncat(d, ": addr unaligned", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(p, ckpt_hdr_pages, addr), 0x08, EINVAL, d);
		rec_desc(self, p, d, sizeof(d));
		strncat(d, ": addr outside its VMA", sizeof(d) - strlen(d) - 1);
		set64_case(_metadata, self, OFF(p, ckpt_hdr_pages, addr), 0, EINVAL, d);
		rec_desc(self, p, d, sizeof(d));
		strncat(d, ": addr above TASK_SIZE", sizeof(d) - strlen(d) - 1);
		flip_case(_metadata, self, OFF(p, ckpt_hdr_pages, addr) + 5, 0x80, EINVAL, d);
	}
	TH_LOG("%d damaged memory records", self->cases);
	assert_no_leftovers(_metadata);
}

/* ------------------------------------------------------------------ */
/* Pending signals                                                     */
/* ------------------------------------------------------------------ */

#define SP_RT0		(SIGRTMIN)
#define SP_RT1		(SIGRTMIN + 1)
#define SP_VALUE	0x7370000000000005ULL

/*
 * Blocks SIGUSR1, SIGUSR2, SIGRTMIN and SIGRTMIN+1, then queues to its
 * process (the shared queue) SIGUSR2 with kill() and SIGRTMIN twice with
 * sigqueue() (values 1 and 2), and to itself (its own queue) SIGUSR1 with
 * tgkill() and SIGRTMIN+1 with rt_tgsigqueueinfo() (value SP_VALUE).
 */
static int hook_sigpending(void *arg)
{
	pid_t pid = getpid(), tid = gettid();
	union sigval v;
	siginfo_t si;
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SP_RT0);
	sigaddset(&set, SP_RT1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || kill(pid, SIGUSR2))
		return -1;
	for (int k = 1; k <= 2; k++) {
		memset(&v, 0, sizeof(v));
		v.sival_int = k;
		if (sigqueue(pid, SP_RT0, v))
			return -1;
	}
	if (syscall(SYS_tgkill, pid, tid, SIGUSR1))
		return -1;
	memset(&si, 0, sizeof(si));
	si.si_signo = SP_RT1;
	si.si_code = SI_QUEUE;
	si.si_pid = pid;
	si.si_uid = getuid();
	si.si_value.sival_ptr = (void *)(uintptr_t)SP_VALUE;
	return (int)syscall(SYS_rt_tgsigqueueinfo, pid, tid, SP_RT1, &si);
}

/*
 * Replace the fixture's target and image by those of a target set up by
 * hook (say, one with signals pending: hook_sigpending()), stopped,
 * checkpointed and killed.
 */
static void real_use_target(struct __test_metadata *_metadata,
			    FIXTURE_DATA(real) *self, ckpt_target_hook hook)
{
	struct ckpt_expect e;
	ssize_t mm;

	target_cleanup(&self->t);
	ckpt_image_free(&self->img);
	ASSERT_EQ(0, target_spawn(&self->t, 1, hook, NULL))
		TH_LOG("the target could not set itself up");
	ASSERT_EQ(0, target_stop(&self->t));
	self->counter = target_counter(&self->t);
	ckpt_expect_init(&e, self->t.pid, CHECKPOINT_SUBTREE);
	e.ppid = getpid();
	e.uid = getuid();
	e.stopped = 1;
	ckpt_capture_image(_metadata, &e, &self->img);
	ckpt_check_target_image(_metadata, &self->img, &self->t, self->counter);
	target_kill(&self->t);	/* the file stays: the image refers to it */
	mm = ckpt_image_find(&self->img, CKPT_HDR_MM, 0);
	ASSERT_LT(0, mm);
	self->mm_off = self->img.rec[mm].off;
}

/* A SIGPENDING record being built: its header (len as it is) and infos */
struct sp_rec {
	struct ckpt_hdr_sigpending h;
	struct ckpt_siginfo *info;
	size_t n;
};

/* Record i of the image (a SIGPENDING record, well-formed) */
static void sp_read(const struct ckpt_image *img, size_t i, struct sp_rec *r)
{
	memcpy(&r->h, img->data + img->rec[i].off, sizeof(r->h));
	r->n = r->h.nr_info;
	r->info = calloc(r->n ? r->n : 1, sizeof(*r->info));
	if (!r->info)
		abort();
	memcpy(r->info, img->data + img->rec[i].off + sizeof(r->h),
	       r->n * sizeof(*r->info));
}

static void sp_copy(struct sp_rec *r, const struct sp_rec *from)
{
	r->h = from->h;
	r->n = from->n;
	r->info = calloc(r->n ? r->n : 1, sizeof(*r->info));
	if (!r->info)
		abort();
	memcpy(r->info, from->info, r->n * sizeof(*r->info));
}

static void sp_free(struct sp_rec *r)
{
	free(r->info);
	r->info = NULL;
	r->n = 0;
}

/* nr_info and len to match the infos */
static void sp_fit(struct sp_rec *r)
{
	r->h.nr_info = (uint32_t)r->n;
	r->h.h.len = (uint32_t)(sizeof(r->h) + r->n * sizeof(*r->info));
}

/* Insert info (a copy) at position at; nr_info and len follow */
static void sp_insert(struct sp_rec *r, size_t at, const struct ckpt_siginfo *info)
{
	struct ckpt_siginfo copy = *info;

	r->info = realloc(r->info, (r->n + 1) * sizeof(*r->info));
	if (!r->info)
		abort();
	memmove(&r->info[at + 1], &r->info[at], (r->n - at) * sizeof(*r->info));
	r->info[at] = copy;
	r->n++;
	sp_fit(r);
}

/* Remove info at; nr_info and len follow */
static void sp_remove(struct sp_rec *r, size_t at)
{
	memmove(&r->info[at], &r->info[at + 1], (r->n - at - 1) * sizeof(*r->info));
	r->n--;
	sp_fit(r);
}

/*
 * Append the record: h.len bytes of its header then its infos (cut
 * short, or completed with zero bytes), padded.
 */
static void sp_emit(const struct sp_rec *r, struct ckpt_buf *b)
{
	size_t want = r->h.h.len, have = sizeof(r->h) + r->n * sizeof(*r->info);
	unsigned char *rec = calloc(1, want > have ? want : have);

	if (!rec)
		abort();
	memcpy(rec, &r->h, sizeof(r->h));
	memcpy(rec + sizeof(r->h), r->info, r->n * sizeof(*r->info));
	cb_record(b, rec, want);
	free(rec);
}

static int32_t sp_signo(const struct sp_rec *r, size_t k)
{
	return (int32_t)get_u32(r->info[k].raw, 0);
}

/*
 * The image with its two SIGPENDING records (from record tp on) replaced
 * by recs[0..n), restarted: EINVAL.
 */
static void sp_case(struct __test_metadata *_metadata, FIXTURE_DATA(real) *self,
		    size_t tp, const struct sp_rec *const *recs, size_t n,
		    const char *what)
{
	struct ckpt_buf b = { 0 };
	char d[160];

	for (size_t i = 0; i < n; i++)
		sp_emit(recs[i], &b);
	snprintf(d, sizeof(d), "SIGPENDING: %s", what);
	splice_case(_metadata, self, tp, 2, b.data, b.len, EINVAL, d);
	cb_free(&b);
}

/* The same with the two records first and second */
static void sp_pair_case(struct __test_metadata *_metadata, FIXTURE_DATA(real) *self,
			 size_t tp, const struct sp_rec *first,
			 const struct sp_rec *second, const char *what)
{
	const struct sp_rec *recs[] = { first, second };

	sp_case(_metadata, self, tp, recs, 2, what);
}

/*
 * Restart buf[0..len): the restarter becomes a copy of the target, which
 * runs (its counter moves, its heap is intact) with exactly `task` and
 * `shared` pending on its own and its process's queue (SigPnd and ShdPnd
 * of /proc/PID/status); SIGTERM ends it with TGT_EXIT_OK.
 */
static void restart_ok_case(struct __test_metadata *_metadata,
			    FIXTURE_DATA(real) *self, const void *buf, size_t len,
			    uint64_t task, uint64_t shared, const char *what)
{
	struct rst_outcome o;
	char out[128];
	int status, runs;
	pid_t pid;

	self->cases++;
	pid = restarter_spawn(buf, len, 0, 0);
	ASSERT_LT(0, pid) TH_LOG("restarter for %s", what);
	runs = target_restarted_runs(pid, self->counter);
	if (waitpid(pid, &status, WNOHANG) == pid) {
		o.ended = 1;
		o.exited = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		ASSERT_TRUE(0) TH_LOG("restart of %s: %s", what,
				      rst_outcome_str(&o, out, sizeof(out)));
	}
	EXPECT_TRUE(runs) TH_LOG("%s: the restarted task does not run", what);
	EXPECT_TRUE(target_heap_ok_of(pid)) TH_LOG("%s: heap", what);
	EXPECT_EQ(task, proc_status_mask(pid, "SigPnd:"))
		TH_LOG("%s: pending on the task's queue", what);
	EXPECT_EQ(shared, proc_status_mask(pid, "ShdPnd:"))
		TH_LOG("%s: pending on the process's queue", what);
	kill(pid, SIGTERM);
	restarter_wait(pid, &o, CKPT_WAIT_MS);
	EXPECT_EQ(TGT_EXIT_OK, o.exited) TH_LOG("%s: the restarted task: %s", what,
						rst_outcome_str(&o, out, sizeof(out)));
}

/*
 * The image of a target with signals pending on both queues restarts
 * with them (also with a signal whose siginfo is left out: pending
 * without information); each defect of a SIGPENDING record restart(2)
 * must see is refused with EINVAL, the restarter unchanged: the records
 * out of order, of a wrong queue, missing or one too many; len not that of
 * nr_info infos, or shorter than the header; nr_info above
 * CKPT_SIGPENDING_MAX; SIGKILL pending; an info of a signal outside 1..64
 * or not in the record's set; a standard signal queued twice; an info
 * with bytes past the kernel's siginfo not zero; a timer's signal whose
 * si_sys_private is neither 0 (a copy) nor 1 (the timer's own), or the
 * own signal of a timer the process does not have.
 */
TEST_F_TIMEOUT(real, bad_sigpending, 300)
{
	uint64_t task_set = ckpt_sigbit(SIGUSR1) | ckpt_sigbit(SP_RT1);
	uint64_t shared_set = ckpt_sigbit(SIGUSR2) | ckpt_sigbit(SP_RT0);
	struct ckpt_buf b = { 0 }, same = { 0 };
	struct sp_rec task, shared, r, r2;
	size_t st, tp, sp, off;
	char d[128];

	real_use_target(_metadata, self, hook_sigpending);
	st = need_rec(_metadata, self, CKPT_HDR_SIGNAL_TASK, 0);
	tp = need_rec(_metadata, self, CKPT_HDR_SIGPENDING, 0);
	sp = need_rec(_metadata, self, CKPT_HDR_SIGPENDING, 1);
	ASSERT_EQ(st + 1, tp);
	ASSERT_EQ(tp + 1, sp);
	ASSERT_EQ((uint32_t)CKPT_HDR_ITIMERS, self->img.rec[sp + 1].type);
	sp_read(&self->img, tp, &task);
	sp_read(&self->img, sp, &shared);

	/* the target's signals, as the image has them */
	ASSERT_EQ((uint32_t)CKPT_SIGPENDING_TASK, task.h.queue);
	ASSERT_EQ(task_set, task.h.signal);
	ASSERT_EQ(2U, task.n);
	ASSERT_EQ(SIGUSR1, sp_signo(&task, 0));
	ASSERT_EQ(SP_RT1, sp_signo(&task, 1));
	ASSERT_EQ((uint32_t)CKPT_SIGPENDING_SHARED, shared.h.queue);
	ASSERT_EQ(shared_set, shared.h.signal);
	ASSERT_EQ(3U, shared.n);
	ASSERT_EQ(SIGUSR2, sp_signo(&shared, 0));
	ASSERT_EQ(SP_RT0, sp_signo(&shared, 1));
	ASSERT_EQ(SP_RT0, sp_signo(&shared, 2));

	/* the undamaged image restarts, its signals pending */
	restart_ok_case(_metadata, self, self->img.data, self->img.len, task_set,
			shared_set, "the undamaged image");

	/* the splicing itself changes nothing */
	sp_emit(&task, &b);
	sp_emit(&shared, &b);
	splice_build(_metadata, self, tp, 2, b.data, b.len, &same);
	ASSERT_EQ(self->img.len, same.len);
	ASSERT_EQ(0, memcmp(self->img.data, same.data, same.len))
		TH_LOG("the SIGPENDING records written back are not the ones read");

	/* still well-formed: SIGUSR2 pending without its siginfo */
	sp_copy(&r, &shared);
	sp_remove(&r, 0);
	b.len = 0;
	sp_emit(&task, &b);
	sp_emit(&r, &b);
	splice_build(_metadata, self, tp, 2, b.data, b.len, &same);
	restart_ok_case(_metadata, self, same.data, same.len, task_set, shared_set,
			"SIGUSR2 pending without its siginfo");
	sp_free(&r);
	cb_free(&same);
	cb_free(&b);

	/* order and queues */
	sp_pair_case(_metadata, self, tp, &shared, &task, "the process's queue first");
	sp_pair_case(_metadata, self, tp, &task, &task, "the task's queue twice");
	sp_pair_case(_metadata, self, tp, &shared, &shared, "the process's queue twice");
	sp_case(_metadata, self, tp, (const struct sp_rec *[]){ &shared }, 1,
		"the task's queue missing");
	sp_case(_metadata, self, tp, (const struct sp_rec *[]){ &task }, 1,
		"the process's queue missing");
	sp_case(_metadata, self, tp, NULL, 0, "no SIGPENDING record");
	sp_copy(&r, &shared);
	r.n = 0;
	r.h.signal = 0;
	sp_fit(&r);
	sp_case(_metadata, self, tp, (const struct sp_rec *[]){ &task, &shared, &r }, 3,
		"a third record, of the process's queue, empty");
	sp_free(&r);
	set32_case(_metadata, self, OFF(tp, ckpt_hdr_sigpending, queue), 2, EINVAL,
		   "SIGPENDING of the task: queue 2");
	set32_case(_metadata, self, OFF(tp, ckpt_hdr_sigpending, queue), 0xffffffffU, EINVAL,
		   "SIGPENDING of the task: queue 0xffffffff");
	set32_case(_metadata, self, OFF(sp, ckpt_hdr_sigpending, queue), 2, EINVAL,
		   "SIGPENDING of the process: queue 2");

	/* len and nr_info */
	set32_case(_metadata, self, OFF(tp, ckpt_hdr_sigpending, nr_info), 3, EINVAL,
		   "SIGPENDING of the task: nr_info one more than its infos");
	set32_case(_metadata, self, OFF(tp, ckpt_hdr_sigpending, nr_info), 1, EINVAL,
		   "SIGPENDING of the task: nr_info one less than its infos");
	set32_case(_metadata, self, OFF(sp, ckpt_hdr_sigpending, nr_info), 0, EINVAL,
		   "SIGPENDING of the process: nr_info 0, three infos");
	set32_case(_metadata, self, OFF(sp, ckpt_hdr_sigpending, nr_info), 0xffffffffU, EINVAL,
		   "SIGPENDING of the process: nr_info 0xffffffff");
	sp_copy(&r, &task);
	r.h.h.len += 8;
	sp_pair_case(_metadata, self, tp, &r, &shared, "len 8 bytes past its infos");
	r.h.h.len -= 16;
	sp_pair_case(_metadata, self, tp, &r, &shared, "its last info 8 bytes short");
	r.h.h.len = sizeof(r.h) + CKPT_SIGINFO_SIZE;
	sp_pair_case(_metadata, self, tp, &r, &shared, "len of one info, nr_info 2");
	sp_free(&r);
	sp_copy(&r, &shared);
	r.n = 0;
	r.h.signal = 0;
	sp_fit(&r);
	r.h.h.len = offsetof(struct ckpt_hdr_sigpending, signal);
	sp_pair_case(_metadata, self, tp, &task, &r, "a record of 16 bytes, no signal field");
	r.h.h.len = sizeof(struct ckpt_hdr);
	sp_pair_case(_metadata, self, tp, &task, &r, "a record of its ckpt_hdr alone");
	sp_free(&r);

	/* more infos than CKPT_SIGPENDING_MAX, all real-time, len to match */
	sp_copy(&r, &task);
	while (r.n <= CKPT_SIGPENDING_MAX)
		sp_insert(&r, r.n, &task.info[1]);
	sp_pair_case(_metadata, self, tp, &r, &shared,
		     "nr_info CKPT_SIGPENDING_MAX + 1, len to match");
	sp_free(&r);

	/* SIGKILL pending */
	set64_case(_metadata, self, OFF(tp, ckpt_hdr_sigpending, signal),
		   task_set | ckpt_sigbit(SIGKILL), EINVAL, "SIGPENDING of the task: SIGKILL");
	set64_case(_metadata, self, OFF(sp, ckpt_hdr_sigpending, signal),
		   shared_set | ckpt_sigbit(SIGKILL), EINVAL,
		   "SIGPENDING of the process: SIGKILL");
	sp_copy(&r, &shared);
	sp_insert(&r, r.n, &shared.info[0]);
	put_u32(r.info[r.n - 1].raw, 0, SIGKILL);
	r.h.signal |= ckpt_sigbit(SIGKILL);
	sp_pair_case(_metadata, self, tp, &task, &r, "SIGKILL with its siginfo");
	sp_free(&r);

	/* infos of no signal, or of a signal not in the set */
#define INFO_OFF(ri, k)	(self->img.rec[ri].off + sizeof(struct ckpt_hdr_sigpending) + \
				 (size_t)(k) * CKPT_SIGINFO_SIZE)
	set32_case(_metadata, self, INFO_OFF(tp, 0), 0, EINVAL, "info of the task: si_signo 0");
	set32_case(_metadata, self, INFO_OFF(tp, 0), 65, EINVAL, "info of the task: si_signo 65");
	set32_case(_metadata, self, INFO_OFF(tp, 1), 0xffffffffU, EINVAL,
		   "info of the task: si_signo -1");
	set32_case(_metadata, self, INFO_OFF(sp, 2), 0x80000000U, EINVAL,
		   "last info of the process: si_signo INT_MIN");
	set64_case(_metadata, self, OFF(tp, ckpt_hdr_sigpending, signal),
		   ckpt_sigbit(SP_RT1), EINVAL,
		   "SIGPENDING of the task: SIGUSR1 queued, not in the set");
	set32_case(_metadata, self, INFO_OFF(sp, 1), SIGUSR1, EINVAL,
		   "info of the process: SIGUSR1, in the task's set only");
	set32_case(_metadata, self, INFO_OFF(tp, 1), 64, EINVAL,
		   "info of the task: signal 64, not in the set");
	set32_case(_metadata, self, INFO_OFF(sp, 0), SIGHUP, EINVAL,
		   "info of the process: SIGHUP, not in the set");

	/* a standard signal queued twice */
	sp_copy(&r, &task);
	sp_insert(&r, 1, &task.info[0]);
	sp_pair_case(_metadata, self, tp, &r, &shared, "SIGUSR1 queued twice in a row");
	sp_free(&r);
	sp_copy(&r2, &shared);
	sp_insert(&r2, r2.n, &shared.info[0]);
	sp_pair_case(_metadata, self, tp, &task, &r2, "SIGUSR2 queued twice, apart");
	sp_free(&r2);

	/* a timer's signal: si_sys_private 2, or the own signal of no timer */
	sp_copy(&r, &shared);
	put_u32(r.info[2].raw, 8, (uint32_t)SI_TIMER);
	put_u32(r.info[2].raw, 32, 2);
	sp_pair_case(_metadata, self, tp, &task, &r, "a timer's signal, si_sys_private 2");
	put_u32(r.info[2].raw, 32, 1);
	sp_pair_case(_metadata, self, tp, &task, &r,
		     "the own signal of a POSIX timer the process has not");
	sp_free(&r);

	/* bytes past the kernel's siginfo */
	for (int k = 0; k < 3; k++) {
		static const size_t at[] = { CKPT_KSIGINFO_SIZE, 64, CKPT_SIGINFO_SIZE - 1 };
		size_t rec = k == 1 ? sp : tp;

		off = INFO_OFF(rec, k == 1 ? 2 : 0) + at[k];
		snprintf(d, sizeof(d), "info of the %s: byte %zu not zero",
			 rec == tp ? "task" : "process", at[k]);
		flip_case(_metadata, self, off, k == 2 ? 0x80 : 0x01, EINVAL, d);
	}
#undef INFO_OFF

	sp_free(&task);
	sp_free(&shared);
	TH_LOG("%d images with pending signals", self->cases);
	assert_no_leftovers(_metadata);
}

/* ------------------------------------------------------------------ */
/* Interval timers                                                     */
/* ------------------------------------------------------------------ */

#define IT_REAL_INTERVAL_NS	1500000000ULL
#define IT_VIRT_INTERVAL_NS	250000000ULL
#define IT_PROF_INTERVAL_NS	2000000000ULL

/*
 * All three interval timers armed, for far longer than any test runs,
 * with intervals unlike those of the restarter's own timers
 * (rst_arm_decoy_timers()).
 */
static int hook_itimers(void *arg)
{
	const struct itimerval real = { { 1, 500000 }, { 3600, 0 } };
	const struct itimerval virt = { { 0, 250000 }, { 3000, 0 } };
	const struct itimerval prof = { { 2, 0 }, { 4000, 0 } };

	(void)arg;
	return setitimer(ITIMER_REAL, &real, NULL) || setitimer(ITIMER_VIRTUAL, &virt, NULL) ||
	       setitimer(ITIMER_PROF, &prof, NULL);
}

/*
 * Append an ITIMERS record: it with ckpt_hdr.len set to len, that many
 * bytes of it (cut short, or completed with zero bytes), padded.
 */
static void it_emit(const struct ckpt_hdr_itimers *it, size_t len, struct ckpt_buf *b)
{
	unsigned char rec[sizeof(*it) + 64];
	struct ckpt_hdr_itimers copy = *it;

	if (len > sizeof(rec))
		abort();
	copy.h.len = (uint32_t)len;
	memset(rec, 0, sizeof(rec));
	memcpy(rec, &copy, len < sizeof(copy) ? len : sizeof(copy));
	if (len < sizeof(struct ckpt_hdr))
		abort();
	cb_record(b, rec, len);
}

/* The image with its ITIMERS record (record ti) replaced by it, len bytes of it */
static void it_case(struct __test_metadata *_metadata, FIXTURE_DATA(real) *self,
		    size_t ti, const struct ckpt_hdr_itimers *it, size_t len,
		    const char *what)
{
	struct ckpt_buf b = { 0 };
	char d[160];

	it_emit(it, len, &b);
	snprintf(d, sizeof(d), "ITIMERS: %s", what);
	splice_case(_metadata, self, ti, 1, b.data, b.len, EINVAL, d);
	cb_free(&b);
}

/*
 * The image of a target with all three interval timers armed restarts
 * (also with a time left of INT64_MAX ns, the largest allowed); each
 * defect of its ITIMERS record is refused with EINVAL, the restarter
 * unchanged, its own timers included: a length other than that of the
 * record (the timers cut short, one timer fewer or more, with nr to
 * match or not), nr other than 3, __pad not zero, a value or an interval
 * above INT64_MAX; the record missing, twice, after SYSCALL_RESTART or
 * before the SIGPENDING records.
 */
TEST_F_TIMEOUT(real, bad_itimers, 300)
{
	static const size_t bad_len[] = {
		sizeof(struct ckpt_hdr),
		offsetof(struct ckpt_hdr_itimers, timers),
		sizeof(struct ckpt_hdr_itimers) - sizeof(struct ckpt_itimer),
		sizeof(struct ckpt_hdr_itimers) - 8,
		sizeof(struct ckpt_hdr_itimers) - 1,
		sizeof(struct ckpt_hdr_itimers) + 1,
		sizeof(struct ckpt_hdr_itimers) + 8,
		sizeof(struct ckpt_hdr_itimers) + sizeof(struct ckpt_itimer),
	};
	static const uint32_t bad_nr[] = { 0, 1, 2, 4, 0x80000003U, 0xffffffffU };
	static const uint64_t intervals[CKPT_ITIMER_NR] = {
		IT_REAL_INTERVAL_NS, IT_VIRT_INTERVAL_NS, IT_PROF_INTERVAL_NS,
	};
	static const char *const name[CKPT_ITIMER_NR] = {
		"ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF",
	};
	struct ckpt_buf b = { 0 }, same = { 0 };
	struct ckpt_hdr_itimers it, r;
	size_t tp, sp, ti, sr, at;
	char d[96];

	real_use_target(_metadata, self, hook_itimers);
	tp = need_rec(_metadata, self, CKPT_HDR_SIGPENDING, 0);
	sp = need_rec(_metadata, self, CKPT_HDR_SIGPENDING, 1);
	ti = need_rec(_metadata, self, CKPT_HDR_ITIMERS, 0);
	sr = need_rec(_metadata, self, CKPT_HDR_SYSCALL_RESTART, 0);
	ASSERT_EQ(tp + 1, sp);
	ASSERT_EQ(sp + 1, ti) TH_LOG("ITIMERS is not right after the SIGPENDING records");
	ASSERT_EQ(ti + 1, sr) TH_LOG("SYSCALL_RESTART is not right after ITIMERS");
	ASSERT_EQ((ssize_t)ti, ckpt_image_itimers(&self->img, 0, &it))
		TH_LOG("ITIMERS record of %u bytes", self->img.rec[ti].len);

	/* the target's timers, as the image has them */
	ASSERT_EQ((uint32_t)CKPT_ITIMER_NR, it.nr);
	ASSERT_EQ(0U, it.__pad);
	for (int k = 0; k < CKPT_ITIMER_NR; k++) {
		ASSERT_LT(0ULL, it.timers[k].value) TH_LOG("%s disarmed in the image", name[k]);
		ASSERT_EQ(intervals[k], it.timers[k].interval) TH_LOG("%s interval", name[k]);
	}

	/* the undamaged image restarts */
	restart_ok_case(_metadata, self, self->img.data, self->img.len, 0, 0,
			"the undamaged image with its timers armed");

	/* the splicing itself changes nothing */
	it_emit(&it, sizeof(it), &b);
	splice_build(_metadata, self, ti, 1, b.data, b.len, &same);
	ASSERT_EQ(self->img.len, same.len);
	ASSERT_EQ(0, memcmp(self->img.data, same.data, same.len))
		TH_LOG("the ITIMERS record written back is not the one read");

	/* still well-formed: the largest time left there is */
	r = it;
	r.timers[ITIMER_REAL].value = (uint64_t)INT64_MAX;
	b.len = 0;
	it_emit(&r, sizeof(r), &b);
	splice_build(_metadata, self, ti, 1, b.data, b.len, &same);
	restart_ok_case(_metadata, self, same.data, same.len, 0, 0,
			"ITIMER_REAL with INT64_MAX ns left");
	cb_free(&same);

	/* len */
	for (size_t i = 0; i < ARRAY_SIZE(bad_len); i++) {
		snprintf(d, sizeof(d), "len %zu, nr 3", bad_len[i]);
		it_case(_metadata, self, ti, &it, bad_len[i], d);
	}
	r = it;
	r.nr = 2;
	it_case(_metadata, self, ti, &r, sizeof(r) - sizeof(struct ckpt_itimer),
		"two timers, nr 2, len to match");
	r.nr = 4;
	it_case(_metadata, self, ti, &r, sizeof(r) + sizeof(struct ckpt_itimer),
		"four timers (the fourth zero), nr 4, len to match");

	/* nr and __pad */
	for (size_t i = 0; i < ARRAY_SIZE(bad_nr); i++) {
		snprintf(d, sizeof(d), "ITIMERS nr %u", bad_nr[i]);
		set32_case(_metadata, self, OFF(ti, ckpt_hdr_itimers, nr), bad_nr[i], EINVAL, d);
	}
	set32_case(_metadata, self, OFF(ti, ckpt_hdr_itimers, __pad), 1, EINVAL,
		   "ITIMERS __pad 1");
	set32_case(_metadata, self, OFF(ti, ckpt_hdr_itimers, __pad), 0x80000000U, EINVAL,
		   "ITIMERS __pad 0x80000000");

	/* a value or an interval above INT64_MAX, the other timers valid */
	for (int k = 0; k < CKPT_ITIMER_NR; k++) {
		static const uint64_t bad[] = { 1ULL << 63, (1ULL << 63) + 1, ~0ULL };

		at = OFF(ti, ckpt_hdr_itimers, timers) + (size_t)k * sizeof(struct ckpt_itimer);
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			snprintf(d, sizeof(d), "ITIMERS %s value %#llx", name[k],
				 (unsigned long long)bad[i]);
			set64_case(_metadata, self, at + offsetof(struct ckpt_itimer, value),
				   bad[i], EINVAL, d);
			snprintf(d, sizeof(d), "ITIMERS %s interval %#llx", name[k],
				 (unsigned long long)bad[i]);
			set64_case(_metadata, self, at + offsetof(struct ckpt_itimer, interval),
				   bad[i], EINVAL, d);
		}
	}

	/* where the record is */
	splice_case(_metadata, self, ti, 1, NULL, 0, EINVAL, "no ITIMERS record");
	b.len = 0;
	it_emit(&it, sizeof(it), &b);
	splice_case(_metadata, self, ti, 0, b.data, b.len, EINVAL, "ITIMERS twice");
	b.len = 0;
	cb_raw(&b, self->img.data + self->img.rec[sr].off,
	       CKPT_ALIGN8((size_t)self->img.rec[sr].len));
	it_emit(&it, sizeof(it), &b);
	splice_case(_metadata, self, ti, 2, b.data, b.len, EINVAL,
		    "ITIMERS after SYSCALL_RESTART");
	b.len = 0;
	it_emit(&it, sizeof(it), &b);
	cb_raw(&b, self->img.data + self->img.rec[tp].off,
	       self->img.rec[ti].off - self->img.rec[tp].off);
	splice_case(_metadata, self, tp, 3, b.data, b.len, EINVAL,
		    "ITIMERS before the SIGPENDING records");

	cb_free(&b);
	TH_LOG("%d images with interval timers", self->cases);
	assert_no_leftovers(_metadata);
}

/* A target holding a socket: its checkpoint fails; the image is refused */
TEST_F(real, failed_checkpoint_image)
{
	struct ckpt_target t2;
	struct ckpt_image ix;
	struct ckpt_hdr_trailer tr;
	struct ckpt_buf b = { 0 };
	unsigned char *img;
	size_t len;

	ASSERT_EQ(0, target_spawn(&t2, 0, target_hook_socketpair, NULL));
	if (target_stop(&t2)) {
		target_cleanup(&t2);
		ASSERT_TRUE(0) TH_LOG("cannot stop the second target");
	}
	ckpt_capture_failed_image(_metadata, t2.pid, CHECKPOINT_SUBTREE, EOPNOTSUPP, "socket",
				  &img, &len);
	target_cleanup(&t2);
	restart_case(_metadata, self, img, len, 0, EINVAL, 0,
		     "image of a failed checkpoint");

	ASSERT_EQ(0, ckpt_image_from(&ix, img, len));
	ckpt_fill_trailer(&tr, get_u64(img, offsetof(struct ckpt_hdr_header, ckpt_id)),
			  (uint32_t)ix.nr);
	cb_raw(&b, img, len);
	cb_record(&b, &tr, sizeof(tr));
	restart_case(_metadata, self, b.data, b.len, 0, EINVAL, 0,
		     "image of a failed checkpoint with a trailer");
	cb_free(&b);
	ckpt_image_free(&ix);
	free(img);
	assert_no_leftovers(_metadata);
}

/* A restart of the image by a caller in @company fails with EBUSY */
static void restarter_busy(struct __test_metadata *_metadata,
			   FIXTURE_DATA(real) *self, enum rst_company company,
			   const char *what)
{
	struct rst_outcome o;
	char out[128];
	pid_t pid;

	pid = restarter_spawn(self->img.data, self->img.len, 0, company);
	ASSERT_LT(0, pid);
	restarter_wait(pid, &o, CKPT_WAIT_MS);
	EXPECT_TRUE(o.ended && o.exited == EBUSY)
		TH_LOG("restart from a caller %s: %s; expected %s", what,
		       rst_outcome_str(&o, out, sizeof(out)), strerror(EBUSY));
	assert_no_leftovers(_metadata);
}

/* A caller with a second thread cannot be replaced by an image: EBUSY */
TEST_F(real, restarter_with_second_thread)
{
	restarter_busy(_metadata, self, RST_SECOND_THREAD, "with a second thread");
}

/* Nor a caller whose memory a child of clone(CLONE_VM) uses: EBUSY */
TEST_F(real, restarter_sharing_memory)
{
	restarter_busy(_metadata, self, RST_MEMORY_SHARER, "sharing its memory");
}

/*
 * Reads the restarter's RST_READ_AREA through /proc/PID/mem until
 * killed: each read(2) holds its address space for as long as it copies
 * the area, and the next begins at once.
 */
static void __attribute__((noreturn)) area_reader(pid_t pid)
{
	char path[64], *buf = malloc(RST_AREA_SIZE);
	int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	for (;;) {
		if (fd < 0)
			fd = open(path, O_RDONLY);
		if (fd < 0 || !buf ||
		    pread(fd, buf, RST_AREA_SIZE, (off_t)RST_AREA_ADDR) <= 0)
			ckpt_msleep(1);
	}
}

/*
 * Who reads a task's memory through /proc (mem, cmdline, stat) or
 * process_vm_readv() holds its address space for a moment; that is no
 * sharing, and a restart meanwhile works. The restarter maps an area and
 * waits; a reader copies the area over and over through /proc/PID/mem
 * from before restart(2) until the restored task runs. Three times.
 */
TEST_F(real, restart_while_read)
{
	struct rst_outcome o;
	pid_t parent = getpid(), pid, reader;
	char out[128];
	int runs;

	for (int i = 0; i < 3; i++) {
		pid = restarter_spawn(self->img.data, self->img.len, 0, RST_READ_AREA);
		ASSERT_LT(0, pid);
		reader = fork();
		ASSERT_LE(0, reader);
		if (reader == 0) {
			if (child_tie_to_parent(parent))
				_exit(1);
			area_reader(pid);
		}
		runs = target_restarted_runs(pid, self->counter);
		kill(reader, SIGKILL);
		waitpid(reader, NULL, 0);
		if (!runs) {
			restarter_wait(pid, &o, 0);
			ASSERT_TRUE(0) TH_LOG("restart %d, memory read meanwhile: %s", i,
					      rst_outcome_str(&o, out, sizeof(out)));
		}
		kill(pid, SIGTERM);
		restarter_wait(pid, &o, CKPT_WAIT_MS);
		EXPECT_EQ(TGT_EXIT_OK, o.exited)
			TH_LOG("restart %d, memory read meanwhile: %s", i,
			       rst_outcome_str(&o, out, sizeof(out)));
	}
	assert_no_leftovers(_metadata);
}

TEST_HARNESS_MAIN
