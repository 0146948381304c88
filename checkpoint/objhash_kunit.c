// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the checkpoint/restart object hash: objref assignment,
 * lookups by address and by objref, kinds kept apart, and references
 * taken on entry and dropped when the hash goes.
 */
#include <kunit/test.h>
#include <linux/checkpoint.h>

struct probe {
	int refs;
};

static void probe_ref(void *ptr)
{
	((struct probe *)ptr)->refs++;
}

static void probe_unref(void *ptr)
{
	((struct probe *)ptr)->refs--;
}

static const struct ckpt_obj_ops probe_ops = {
	.name = "probe",
	.ref = probe_ref,
	.unref = probe_unref,
};

static const struct ckpt_obj_ops other_ops = {
	.name = "other",
	.ref = probe_ref,
	.unref = probe_unref,
};

KUNIT_DEFINE_ACTION_WRAPPER(objhash_free_action, ckpt_objhash_free,
			    struct ckpt_ctx *);

/*
 * Probes are allocated before the hash, so that a test stopped by a
 * failed assertion frees the hash (unreferencing them) before them.
 */
static struct probe *probes(struct kunit *test, int n)
{
	struct probe *p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static struct ckpt_ctx *objhash_ctx(struct kunit *test)
{
	struct ckpt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, ckpt_objhash_alloc(ctx), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, objhash_free_action,
							ctx), 0);
	return ctx;
}

static void objhash_add_lookup(struct kunit *test)
{
	struct probe *p = probes(test, 3), *a = &p[0], *b = &p[1], *c = &p[2];
	struct ckpt_ctx *ctx = objhash_ctx(test);
	bool first;

	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup_add(ctx, a, &probe_ops, &first), 1);
	KUNIT_EXPECT_TRUE(test, first);
	KUNIT_EXPECT_EQ(test, a->refs, 1);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup_add(ctx, a, &probe_ops, &first), 1);
	KUNIT_EXPECT_FALSE(test, first);
	KUNIT_EXPECT_EQ(test, a->refs, 1);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup_add(ctx, b, &probe_ops, &first), 2);
	KUNIT_EXPECT_TRUE(test, first);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup(ctx, a, &probe_ops), 1);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup(ctx, b, &probe_ops), 2);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup(ctx, c, &probe_ops), 0);
	KUNIT_EXPECT_EQ(test, c->refs, 0);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_fetch(ctx, 2, &probe_ops), (void *)b);

	ckpt_objhash_free(ctx);
	KUNIT_EXPECT_EQ(test, a->refs, 0);
	KUNIT_EXPECT_EQ(test, b->refs, 0);
	KUNIT_EXPECT_NULL(test, ctx->objhash);
}

static void objhash_kinds_apart(struct kunit *test)
{
	struct probe *a = probes(test, 1);
	struct ckpt_ctx *ctx = objhash_ctx(test);
	bool first;

	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup_add(ctx, a, &probe_ops, &first), 1);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup(ctx, a, &other_ops), 0);
	KUNIT_EXPECT_EQ(test, ckpt_obj_lookup_add(ctx, a, &other_ops, &first), 2);
	KUNIT_EXPECT_TRUE(test, first);
	KUNIT_EXPECT_EQ(test, a->refs, 2);
	KUNIT_EXPECT_TRUE(test, IS_ERR(ckpt_obj_fetch(ctx, 1, &other_ops)));
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_fetch(ctx, 2, &other_ops), (void *)a);

	ckpt_objhash_free(ctx);
	KUNIT_EXPECT_EQ(test, a->refs, 0);
}

static void objhash_insert_fetch(struct kunit *test)
{
	struct probe *p = probes(test, 2), *a = &p[0], *b = &p[1];
	struct ckpt_ctx *ctx = objhash_ctx(test);

	KUNIT_EXPECT_EQ(test, ckpt_obj_insert(ctx, a, 5, &probe_ops), 0);
	KUNIT_EXPECT_EQ(test, a->refs, 1);
	KUNIT_EXPECT_PTR_EQ(test, ckpt_obj_fetch(ctx, 5, &probe_ops), (void *)a);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ckpt_obj_fetch(ctx, 6, &probe_ops)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ckpt_obj_fetch(ctx, 5, &other_ops)), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckpt_obj_insert(ctx, b, 5, &probe_ops), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckpt_obj_insert(ctx, b, 0, &probe_ops), -EINVAL);
	KUNIT_EXPECT_EQ(test, ckpt_obj_insert(ctx, b, -3, &probe_ops), -EINVAL);
	KUNIT_EXPECT_EQ(test, b->refs, 0);
	KUNIT_EXPECT_EQ(test, ctx->err_errno, EINVAL);

	ckpt_objhash_free(ctx);
	KUNIT_EXPECT_EQ(test, a->refs, 0);
}

#define OBJHASH_MANY	2000

static void objhash_many(struct kunit *test)
{
	struct probe *objs = probes(test, OBJHASH_MANY);
	struct ckpt_ctx *ctx = objhash_ctx(test);
	bool first;
	int i;

	for (i = 0; i < OBJHASH_MANY; i++)
		KUNIT_ASSERT_EQ(test, ckpt_obj_lookup_add(ctx, &objs[i], &probe_ops,
							  &first), i + 1);
	for (i = OBJHASH_MANY - 1; i >= 0; i--) {
		KUNIT_ASSERT_EQ(test, ckpt_obj_lookup(ctx, &objs[i], &probe_ops), i + 1);
		KUNIT_ASSERT_PTR_EQ(test, ckpt_obj_fetch(ctx, i + 1, &probe_ops),
				    (void *)&objs[i]);
		KUNIT_ASSERT_EQ(test, objs[i].refs, 1);
	}
	ckpt_objhash_free(ctx);
	for (i = 0; i < OBJHASH_MANY; i++)
		KUNIT_ASSERT_EQ(test, objs[i].refs, 0);
}

static struct kunit_case objhash_cases[] = {
	KUNIT_CASE(objhash_add_lookup),
	KUNIT_CASE(objhash_kinds_apart),
	KUNIT_CASE(objhash_insert_fetch),
	KUNIT_CASE(objhash_many),
	{}
};

static struct kunit_suite objhash_suite = {
	.name = "checkpoint_objhash",
	.test_cases = objhash_cases,
};

kunit_test_suite(objhash_suite);
