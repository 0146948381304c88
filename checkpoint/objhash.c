// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the object hash.
 *
 * An object shared between tasks (an address space, a file table, an
 * open file, a pipe...) is saved once. At checkpoint, the first encounter
 * of an object gives it an objref, a small positive integer, and the
 * object's state is written; later encounters write only the objref. At
 * restart, the object rebuilt from the image is inserted under the objref
 * it had, and later records that name the objref fetch it.
 *
 * One hash serves one operation and only grows: every object in it holds a
 * reference, dropped when the operation ends. An object is identified by
 * its address together with its kind (its ops), so that two kinds of
 * object that happen to share an address stay apart.
 */
#include <linux/bits.h>
#include <linux/checkpoint.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/hash.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/slab.h>

#define CKPT_OBJHASH_BITS	9
#define CKPT_OBJHASH_SIZE	BIT(CKPT_OBJHASH_BITS)

struct ckpt_obj {
	struct hlist_node by_ptr;
	struct hlist_node by_ref;
	void *ptr;
	const struct ckpt_obj_ops *ops;
	int objref;
};

struct ckpt_objhash {
	struct hlist_head by_ptr[CKPT_OBJHASH_SIZE];
	struct hlist_head by_ref[CKPT_OBJHASH_SIZE];
	int last_objref;
};

/**
 * ckpt_objhash_alloc() - give an operation its empty object hash
 * @ctx: checkpoint or restart context
 *
 * Return: 0 or -ENOMEM.
 */
int ckpt_objhash_alloc(struct ckpt_ctx *ctx)
{
	ctx->objhash = kzalloc(sizeof(*ctx->objhash), GFP_KERNEL);
	return ctx->objhash ? 0 : -ENOMEM;
}

/**
 * ckpt_objhash_free() - drop every object of the hash and the hash itself
 * @ctx: checkpoint or restart context
 */
void ckpt_objhash_free(struct ckpt_ctx *ctx)
{
	struct ckpt_objhash *oh = ctx->objhash;
	struct hlist_node *next;
	struct ckpt_obj *obj;
	unsigned int i;

	if (!oh)
		return;
	for (i = 0; i < CKPT_OBJHASH_SIZE; i++) {
		hlist_for_each_entry_safe(obj, next, &oh->by_ref[i], by_ref) {
			if (obj->ops->unref)
				obj->ops->unref(obj->ptr);
			kfree(obj);
		}
	}
	kfree(oh);
	ctx->objhash = NULL;
}

static struct ckpt_obj *ckpt_obj_find_ptr(struct ckpt_objhash *oh, void *ptr,
					  const struct ckpt_obj_ops *ops)
{
	struct ckpt_obj *obj;

	hlist_for_each_entry(obj, &oh->by_ptr[hash_ptr(ptr, CKPT_OBJHASH_BITS)],
			     by_ptr) {
		if (obj->ptr == ptr && obj->ops == ops)
			return obj;
	}
	return NULL;
}

static struct ckpt_obj *ckpt_obj_find_ref(struct ckpt_objhash *oh, int objref)
{
	struct ckpt_obj *obj;

	hlist_for_each_entry(obj, &oh->by_ref[hash_32(objref, CKPT_OBJHASH_BITS)],
			     by_ref) {
		if (obj->objref == objref)
			return obj;
	}
	return NULL;
}

static int ckpt_obj_new(struct ckpt_objhash *oh, void *ptr, int objref,
			const struct ckpt_obj_ops *ops)
{
	struct ckpt_obj *obj;

	obj = kmalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	obj->ptr = ptr;
	obj->ops = ops;
	obj->objref = objref;
	if (ops->ref)
		ops->ref(ptr);
	hlist_add_head(&obj->by_ptr,
		       &oh->by_ptr[hash_ptr(ptr, CKPT_OBJHASH_BITS)]);
	hlist_add_head(&obj->by_ref,
		       &oh->by_ref[hash_32(objref, CKPT_OBJHASH_BITS)]);
	return 0;
}

/**
 * ckpt_obj_lookup() - find the objref of an object already met
 * @ctx: checkpoint context
 * @ptr: the object
 * @ops: its kind
 *
 * Return: the objref, or 0 if the object is not in the hash.
 */
int ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr,
		    const struct ckpt_obj_ops *ops)
{
	struct ckpt_obj *obj = ckpt_obj_find_ptr(ctx->objhash, ptr, ops);

	return obj ? obj->objref : 0;
}

/**
 * ckpt_obj_lookup_add() - find an object, or add it with a new objref
 * @ctx: checkpoint context
 * @ptr: the object
 * @ops: its kind
 * @first: set to true when the object was added by this call, meaning
 *	that its state must be written now
 *
 * An object added takes a reference through @ops->ref.
 *
 * Return: the objref (positive) or a negative errno.
 */
int ckpt_obj_lookup_add(struct ckpt_ctx *ctx, void *ptr,
			const struct ckpt_obj_ops *ops, bool *first)
{
	struct ckpt_objhash *oh = ctx->objhash;
	int objref, ret;

	*first = false;
	objref = ckpt_obj_lookup(ctx, ptr, ops);
	if (objref)
		return objref;
	if (oh->last_objref == INT_MAX)
		return -ENOSPC;
	objref = oh->last_objref + 1;
	ret = ckpt_obj_new(oh, ptr, objref, ops);
	if (ret)
		return ret;
	oh->last_objref = objref;
	*first = true;
	return objref;
}

/**
 * ckpt_obj_insert() - enter an object rebuilt at restart under its objref
 * @ctx: restart context
 * @ptr: the object
 * @objref: the objref the image gives it
 * @ops: its kind
 *
 * The object takes a reference through @ops->ref.
 *
 * Return: 0, -EINVAL if @objref is not positive or already taken (a
 * malformed image), or -ENOMEM.
 */
int ckpt_obj_insert(struct ckpt_ctx *ctx, void *ptr, int objref,
		    const struct ckpt_obj_ops *ops)
{
	if (objref <= 0 || ckpt_obj_find_ref(ctx->objhash, objref)) {
		ckpt_err(ctx, -EINVAL, "bad or duplicate objref %d for %s",
			 objref, ops->name);
		return -EINVAL;
	}
	return ckpt_obj_new(ctx->objhash, ptr, objref, ops);
}

/**
 * ckpt_obj_fetch() - the object restored under an objref
 * @ctx: restart context
 * @objref: objref read from the image
 * @ops: the kind of object the image expects there
 *
 * The reference stays with the hash; take one of your own to keep the
 * object past the end of the operation.
 *
 * Return: the object, or ERR_PTR(-EINVAL) if no object of kind @ops has
 * that objref (a malformed image).
 */
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, int objref,
		     const struct ckpt_obj_ops *ops)
{
	struct ckpt_obj *obj = ckpt_obj_find_ref(ctx->objhash, objref);

	if (!obj || obj->ops != ops) {
		ckpt_err(ctx, -EINVAL, "objref %d is no %s", objref,
			 ops->name);
		return ERR_PTR(-EINVAL);
	}
	return obj->ptr;
}

/**
 * ckpt_obj_find() - the object restored under an objref, if there is one
 * @ctx: restart context
 * @objref: objref read from the image
 * @ops: the kind of object
 *
 * Like ckpt_obj_fetch(), for an object the image may or may not have met
 * before: its absence is no error.
 *
 * Return: the object, or NULL if no object of kind @ops has that objref.
 */
void *ckpt_obj_find(struct ckpt_ctx *ctx, int objref,
		    const struct ckpt_obj_ops *ops)
{
	struct ckpt_obj *obj = ckpt_obj_find_ref(ctx->objhash, objref);

	return obj && obj->ops == ops ? obj->ptr : NULL;
}
