// SPDX-License-Identifier: GPL-2.0
/*
 * The tree of tasks: the TREE record, which lists the tasks of the image
 * before the state of any of them.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

/* Decoders */

void ckpt_decode_tree(const void *rec, struct ckpt_hdr_tree *t)
{
	memcpy(t, rec, sizeof(*t));
	ckpt_decode_hdr(&t->h);
	t->nr_tasks = le32toh(t->nr_tasks);
	t->flags = le32toh(t->flags);
}

void ckpt_decode_tree_task(const void *rec, uint32_t i, struct ckpt_tree_task *e)
{
	memcpy(e, (const char *)rec + sizeof(struct ckpt_hdr_tree) +
	       (size_t)i * sizeof(*e), sizeof(*e));
	e->pid = (int32_t)le32toh((uint32_t)e->pid);
	e->tgid = (int32_t)le32toh((uint32_t)e->tgid);
	e->ppid = (int32_t)le32toh((uint32_t)e->ppid);
	e->ptid = (int32_t)le32toh((uint32_t)e->ptid);
	e->pgid = (int32_t)le32toh((uint32_t)e->pgid);
	e->sid = (int32_t)le32toh((uint32_t)e->sid);
	e->flags = le32toh(e->flags);
	e->exit_code = (int32_t)le32toh((uint32_t)e->exit_code);
	e->exit_signal = le32toh(e->exit_signal);
	e->share_mm = le32toh(e->share_mm);
	e->share_files = le32toh(e->share_files);
	e->share_fs = le32toh(e->share_fs);
	e->share_sighand = le32toh(e->share_sighand);
	e->__pad = le32toh(e->__pad);
}

/* Helpers */

#define TREE_FLAGS	CKPT_TREE_CONTAINER
#define TREE_TASK_FLAGS	(CKPT_TREE_ZOMBIE | CKPT_TREE_STOPPED | \
			 CKPT_TREE_PGID_OUTSIDE | CKPT_TREE_SID_OUTSIDE | \
			 CKPT_TREE_STOP_WAITED)

static const struct ckpt_flag_name tree_flags[] = {
	{ CKPT_TREE_CONTAINER, "CONTAINER" },
};

static const struct ckpt_flag_name tree_task_flags[] = {
	{ CKPT_TREE_ZOMBIE, "zombie" },
	{ CKPT_TREE_STOPPED, "stopped" },
	{ CKPT_TREE_PGID_OUTSIDE, "pgid-outside" },
	{ CKPT_TREE_SID_OUTSIDE, "sid-outside" },
	{ CKPT_TREE_STOP_WAITED, "stop-waited" },
};

/* What a task shares with an earlier one: 1 + the index of that task, or 0 */
#define SHARE(field)	{ #field, offsetof(struct ckpt_tree_task, field) }

static const struct {
	const char *name;
	size_t offset;
} tree_shares[] = {
	SHARE(share_mm),
	SHARE(share_files),
	SHARE(share_fs),
	SHARE(share_sighand),
};

static uint32_t share_of(const struct ckpt_tree_task *e, size_t i)
{
	uint32_t v;

	memcpy(&v, (const char *)e + tree_shares[i].offset, sizeof(v));
	return v;
}

/* The pid of task i of the record */
static int32_t tree_pid(const void *rec, uint32_t i)
{
	return (int32_t)ckpt_le32((const char *)rec + sizeof(struct ckpt_hdr_tree) +
				  (size_t)i * sizeof(struct ckpt_tree_task) +
				  offsetof(struct ckpt_tree_task, pid));
}

/*
 * Whether a task before task i has pid tgid. The tree lists the threads
 * of a group right after its leader, so the last leader (its index, or
 * nr if none yet) is looked at first.
 */
static bool has_leader(const void *rec, uint32_t i, int32_t tgid, uint32_t last, uint32_t nr)
{
	uint32_t j;

	if (last < nr && tree_pid(rec, last) == tgid)
		return true;
	for (j = i; j-- > 0;)
		if (tree_pid(rec, j) == tgid)
			return true;
	return false;
}

/* The checks of one task that need no other */
static int check_tree_task(const struct ckpt_tree_task *e, uint32_t i, char *why,
			   size_t size)
{
	uint32_t share;
	size_t k;

	if (e->pid <= 0 || e->tgid <= 0)
		return ckpt_bad(why, size, "task %" PRIu32 ": pid %" PRId32 " / tgid %"
				PRId32 " is not a pid", i, e->pid, e->tgid);
	if (e->ppid < 0 || e->ptid < 0 || e->pgid < 0 || e->sid < 0)
		return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32 "): negative"
				" ppid, ptid, pgid or sid", i, e->pid);
	if (!i && (e->ppid || e->ptid))
		return ckpt_bad(why, size, "task 0 (pid %" PRId32 "): ppid %" PRId32
				" / ptid %" PRId32 ", expected 0 for the root", e->pid,
				e->ppid, e->ptid);
	if (e->exit_signal > CKPT_NSIG)
		return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32 "): exit_signal %"
				PRIu32 " is not a signal", i, e->pid, e->exit_signal);
	if (e->flags & ~TREE_TASK_FLAGS)
		return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32
				"): unknown flags 0x%" PRIx32, i, e->pid,
				e->flags & ~TREE_TASK_FLAGS);
	if (e->__pad)
		return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32
				"): non-zero reserved field", i, e->pid);
	if ((e->flags & (CKPT_TREE_STOPPED | CKPT_TREE_STOP_WAITED)) ==
	    CKPT_TREE_STOP_WAITED)
		return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32
				"): stop-waited but not stopped", i, e->pid);
	for (k = 0; k < CKPT_ARRAY_SIZE(tree_shares); k++) {
		share = share_of(e, k);
		if (share > i)
			return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32 "): %s %"
					PRIu32 " names no earlier task", i, e->pid,
					tree_shares[k].name, share);
	}
	return 0;
}

/* CKPT_HDR_TREE */

int ckpt_check_tree(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_tree t;
	struct ckpt_tree_task e;
	uint32_t i, last;

	ckpt_decode_tree(rec, &t);
	if (!t.nr_tasks || t.nr_tasks > CKPT_TREE_MAX_TASKS)
		return ckpt_bad(why, size, "nr_tasks %" PRIu32 " is not from 1 to %u",
				t.nr_tasks, CKPT_TREE_MAX_TASKS);
	if (len != sizeof(t) + (uint64_t)t.nr_tasks * sizeof(e))
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit nr_tasks %"
				PRIu32, len, t.nr_tasks);
	if (t.flags & ~TREE_FLAGS)
		return ckpt_bad(why, size, "unknown flags 0x%" PRIx32, t.flags & ~TREE_FLAGS);

	last = t.nr_tasks;
	for (i = 0; i < t.nr_tasks; i++) {
		ckpt_decode_tree_task(rec, i, &e);
		if (check_tree_task(&e, i, why, size) < 0)
			return -1;
		if (e.pid == e.tgid) {
			last = i;
			continue;
		}
		if (!has_leader(rec, i, e.tgid, last, t.nr_tasks))
			return ckpt_bad(why, size, "task %" PRIu32 " (pid %" PRId32
					"): a thread whose leader, pid %" PRId32
					", is not listed before it", i, e.pid, e.tgid);
	}
	return 0;
}

/* Keeps the pids the TASK records are checked against */
int ckpt_track_tree(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size)
{
	struct ckpt_hdr_tree t;
	struct ckpt_tree_task e;
	uint32_t i;

	(void)len;
	if (st->have_tree)
		return ckpt_bad(why, size, "a second TREE record");
	ckpt_decode_tree(rec, &t);
	if (!(st->flags & CHECKPOINT_SUBTREE) && !(t.flags & CKPT_TREE_CONTAINER))
		return ckpt_bad(why, size, "the image of a pid namespace (no"
				" CHECKPOINT_SUBTREE in the header) without CONTAINER");

	st->tree = calloc(t.nr_tasks, sizeof(*st->tree));
	if (!st->tree)
		return ckpt_bad(why, size, "out of memory");
	for (i = 0; i < t.nr_tasks; i++) {
		struct ckpt_tree_info *k = &st->tree[i];

		ckpt_decode_tree_task(rec, i, &e);
		k->pid = e.pid;
		k->tgid = e.tgid;
		k->zombie = e.flags & CKPT_TREE_ZOMBIE;
		k->thread = e.pid != e.tgid;
		k->own_mm = !e.share_mm;
		k->own_files = !e.share_files;
		k->own_fs = !e.share_fs;
		k->own_sighand = !e.share_sighand;
	}
	st->have_tree = true;
	st->tree_flags = t.flags;
	st->tree_nr_tasks = t.nr_tasks;
	return 0;
}

/* " exit_code 0x100 (exit 1)": the status wait(2) returns */
static void print_exit_code(FILE *out, int32_t status)
{
	unsigned int sig = status & 0x7f;
	char buf[32];

	fprintf(out, " exit_code 0x%" PRIx32, (uint32_t)status);
	if (!sig)
		fprintf(out, " (exit %d)", (status >> 8) & 0xff);
	else
		fprintf(out, " (%s%s)", ckpt_sig_name(sig, buf, sizeof(buf)),
			status & 0x80 ? ", core dumped" : "");
}

/* One line per task */
static void print_tree_task(FILE *out, const struct ckpt_tree_task *e, uint32_t i)
{
	char name[32], buf[32];
	uint32_t share;
	size_t k;

	snprintf(name, sizeof(name), "task %" PRIu32, i);
	fprintf(out, FIELD "pid %" PRId32 " tgid %" PRId32 " ppid %" PRId32 " ptid %"
		PRId32 " pgid %" PRId32 " sid %" PRId32 " flags 0x%" PRIx32, name,
		e->pid, e->tgid, e->ppid, e->ptid, e->pgid, e->sid, e->flags);
	ckpt_print_flags(out, e->flags, tree_task_flags, CKPT_ARRAY_SIZE(tree_task_flags));
	if (e->flags & CKPT_TREE_ZOMBIE)
		print_exit_code(out, e->exit_code);
	else if (e->flags & CKPT_TREE_STOPPED && e->pid == e->tgid)
		fprintf(out, " stop_code 0x%" PRIx32 " (%s)", (uint32_t)e->exit_code,
			ckpt_sig_name((e->exit_code >> 8) & 0x7f, buf, sizeof(buf)));
	if (e->exit_signal)
		fprintf(out, " exit_signal %s",
			ckpt_sig_name(e->exit_signal, buf, sizeof(buf)));
	else
		fputs(" exit_signal none", out);
	for (k = 0; k < CKPT_ARRAY_SIZE(tree_shares); k++) {
		share = share_of(e, k);
		if (share)
			fprintf(out, " %s %" PRIu32, tree_shares[k].name, share);
	}
	putc('\n', out);
}

void ckpt_print_tree(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_tree t;
	struct ckpt_tree_task e;
	uint32_t i, n;

	(void)st;
	ckpt_decode_tree(rec, &t);
	fprintf(out, FIELD "%" PRIu32 "\n", "nr_tasks", t.nr_tasks);
	fprintf(out, FIELD "0x%" PRIx32, "flags", t.flags);
	ckpt_print_flags(out, t.flags, tree_flags, CKPT_ARRAY_SIZE(tree_flags));
	putc('\n', out);
	/* A malformed record may hold fewer tasks */
	n = (len - sizeof(t)) / sizeof(e);
	if (n > t.nr_tasks)
		n = t.nr_tasks;
	for (i = 0; i < n; i++) {
		ckpt_decode_tree_task(rec, i, &e);
		print_tree_task(out, &e, i);
	}
}
