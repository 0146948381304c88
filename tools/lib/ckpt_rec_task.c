// SPDX-License-Identifier: GPL-2.0
/*
 * Records of a task's identity and own state: TASK, CREDS, RLIMITS, FS,
 * SYSCALL_RESTART.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

/* Decoders */

void ckpt_decode_task(const void *rec, struct ckpt_hdr_task *t)
{
	memcpy(t, rec, sizeof(*t));
	ckpt_decode_hdr(&t->h);
	t->pid = (int32_t)le32toh((uint32_t)t->pid);
	t->tgid = (int32_t)le32toh((uint32_t)t->tgid);
	t->ppid = (int32_t)le32toh((uint32_t)t->ppid);
	t->exit_signal = le32toh(t->exit_signal);
	t->personality = le32toh(t->personality);
	t->pdeath_signal = le32toh(t->pdeath_signal);
	t->flags = le32toh(t->flags);
	t->__pad = le32toh(t->__pad);
	t->clear_child_tid = le64toh(t->clear_child_tid);
	t->robust_list = le64toh(t->robust_list);
	t->robust_list_len = le64toh(t->robust_list_len);
	t->rseq = le64toh(t->rseq);
	t->rseq_len = le32toh(t->rseq_len);
	t->rseq_sig = le32toh(t->rseq_sig);
}

void ckpt_decode_creds(const void *rec, struct ckpt_hdr_creds *c)
{
	memcpy(c, rec, sizeof(*c));
	ckpt_decode_hdr(&c->h);
	c->uid = le32toh(c->uid);
	c->euid = le32toh(c->euid);
	c->suid = le32toh(c->suid);
	c->fsuid = le32toh(c->fsuid);
	c->gid = le32toh(c->gid);
	c->egid = le32toh(c->egid);
	c->sgid = le32toh(c->sgid);
	c->fsgid = le32toh(c->fsgid);
	c->cap_inheritable = le64toh(c->cap_inheritable);
	c->cap_permitted = le64toh(c->cap_permitted);
	c->cap_effective = le64toh(c->cap_effective);
	c->cap_bset = le64toh(c->cap_bset);
	c->cap_ambient = le64toh(c->cap_ambient);
	c->securebits = le32toh(c->securebits);
	c->ngroups = le32toh(c->ngroups);
}

uint32_t ckpt_decode_creds_group(const void *rec, uint32_t i)
{
	return ckpt_le32((const char *)rec + sizeof(struct ckpt_hdr_creds) +
			 (size_t)i * sizeof(__u32));
}

void ckpt_decode_rlimits(const void *rec, struct ckpt_hdr_rlimits *r)
{
	size_t i;

	memcpy(r, rec, sizeof(*r));
	ckpt_decode_hdr(&r->h);
	r->nr = le32toh(r->nr);
	r->__pad = le32toh(r->__pad);
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		r->rlim[i].cur = le64toh(r->rlim[i].cur);
		r->rlim[i].max = le64toh(r->rlim[i].max);
	}
}

void ckpt_decode_fs(const void *rec, struct ckpt_hdr_fs *f)
{
	memcpy(f, rec, sizeof(*f));
	ckpt_decode_hdr(&f->h);
	f->umask = le32toh(f->umask);
	f->root_len = le32toh(f->root_len);
	f->cwd_len = le32toh(f->cwd_len);
	f->__pad = le32toh(f->__pad);
}

void ckpt_decode_syscall_restart(const void *rec, struct ckpt_hdr_syscall_restart *r)
{
	memcpy(r, rec, sizeof(*r));
	ckpt_decode_hdr(&r->h);
	r->kind = le32toh(r->kind);
	r->flags = le32toh(r->flags);
	r->clockid = (int32_t)le32toh((uint32_t)r->clockid);
	r->__pad = le32toh(r->__pad);
	r->deadline = le64toh(r->deadline);
	r->uaddr = le64toh(r->uaddr);
	r->val = le32toh(r->val);
	r->bitset = le32toh(r->bitset);
}

/* CKPT_HDR_TASK */

#define TASK_FLAGS		(CKPT_TASK_NO_NEW_PRIVS | CKPT_TASK_SUBREAPER)
#define PER_QUERY		0xffffffffU	/* personality(2) asks, sets nothing */
#define ROBUST_LIST_HEAD_LEN	24U		/* struct robust_list_head */
#define RSEQ_MIN_LEN		32U		/* struct rseq, also its alignment */

static const struct ckpt_flag_name task_flags[] = {
	{ CKPT_TASK_NO_NEW_PRIVS, "NO_NEW_PRIVS" },
	{ CKPT_TASK_SUBREAPER, "SUBREAPER" },
};

int ckpt_check_task(const void *rec, uint32_t len, char *why, size_t size)
{
	const struct ckpt_hdr_task *raw = rec;
	struct ckpt_hdr_task t;

	(void)len;
	ckpt_decode_task(rec, &t);
	if (t.pid <= 0 || t.tgid <= 0)
		return ckpt_bad(why, size, "pid %" PRId32 " / tgid %" PRId32
				" is not a pid", t.pid, t.tgid);
	if (t.ppid < 0)
		return ckpt_bad(why, size, "ppid %" PRId32 " is negative", t.ppid);
	/* A thread's is -1: it sends none */
	if ((t.exit_signal > CKPT_NSIG && t.exit_signal != UINT32_MAX) ||
	    t.pdeath_signal > CKPT_NSIG)
		return ckpt_bad(why, size, "exit_signal %" PRIu32 " / pdeath_signal %"
				PRIu32 " is not a signal", t.exit_signal, t.pdeath_signal);
	if (t.personality == PER_QUERY)
		return ckpt_bad(why, size, "personality 0x%" PRIx32 " is not one", t.personality);
	if (t.robust_list && t.robust_list_len != ROBUST_LIST_HEAD_LEN)
		return ckpt_bad(why, size, "robust_list_len %" PRIu64 ", expected %u",
				(uint64_t)t.robust_list_len, ROBUST_LIST_HEAD_LEN);
	if (t.rseq && (t.rseq_len < RSEQ_MIN_LEN || t.rseq % RSEQ_MIN_LEN || t.rseq_len % 8))
		return ckpt_bad(why, size, "rseq area 0x%" PRIx64 " of %" PRIu32
				" bytes is misaligned or too small", (uint64_t)t.rseq, t.rseq_len);
	if (t.flags & ~TASK_FLAGS)
		return ckpt_bad(why, size, "unknown flags 0x%" PRIx32, t.flags & ~TASK_FLAGS);
	if (t.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (!memchr(raw->comm, '\0', CKPT_COMM_LEN))
		return ckpt_bad(why, size, "comm is not NUL-terminated");
	return 0;
}

/*
 * The TASK records follow the tree, one per task, in its order. The pids
 * of a container's tree are those of its own pid namespace, not those of
 * the checkpointer's that the TASK records have: only the count is
 * checked then.
 */
/* The task's entry in the tree, the next one but zombies, into st->cur */
static int check_tree_position(struct ckpt_state *st, const struct ckpt_hdr_task *t,
			       char *why, size_t size)
{
	const struct ckpt_tree_info *e;
	uint32_t i = st->tree_next;

	if (!st->have_tree)
		return ckpt_bad(why, size, "a task before the TREE record");
	while (i < st->tree_nr_tasks && st->tree[i].zombie)
		i++;
	if (i >= st->tree_nr_tasks)
		return ckpt_bad(why, size, "one task more than the %" PRIu32 " of the tree"
				" with state", st->tree_nr_tasks);
	e = &st->tree[i];
	if (!(st->tree_flags & CKPT_TREE_CONTAINER) &&
	    (t->pid != e->pid || t->tgid != e->tgid))
		return ckpt_bad(why, size, "pid %" PRId32 " (tgid %" PRId32 ") where the tree"
				" lists pid %" PRId32 " (tgid %" PRId32 ") as task %" PRIu32,
				t->pid, t->tgid, e->pid, e->tgid, i);
	if (e->thread != (t->exit_signal == UINT32_MAX))
		return ckpt_bad(why, size, "exit_signal %" PRIu32 " of a %s", t->exit_signal,
				e->thread ? "thread (it sends none: -1)" : "process");
	st->cur = *e;
	st->tree_next = i + 1;
	return 0;
}

/* Begins the state of a task */
int ckpt_track_task(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size)
{
	const struct ckpt_hdr_task *raw = rec;
	struct ckpt_hdr_task t;

	(void)len;
	ckpt_decode_task(rec, &t);
	if (!st->nr_tasks && t.pid != st->root_pid)
		return ckpt_bad(why, size, "the first task is pid %" PRId32
				", the header's root_pid is %" PRId32, t.pid, st->root_pid);
	if (check_tree_position(st, &t, why, size) < 0)
		return -1;

	st->in_task = true;
	ckpt_state_task_begin(st);
	st->nr_sigpending = 0;
	st->have_fd_table = false;
	st->have_mm = false;
	st->nr_vmas = 0;
	st->vmas_seen = 0;
	st->vmas_end = 0;
	st->vdso_start = 0;
	st->vvar_end = 0;
	st->vma_start = 0;
	st->vma_end = 0;
	st->vma_nr_pages = 0;
	st->vma_pages_seen = 0;
	st->vma_next = 0;
	memset(&st->task, 0, sizeof(st->task));
	st->task.pid = t.pid;
	memcpy(st->task.comm, raw->comm, CKPT_COMM_LEN);
	st->nr_tasks++;
	return 0;
}

static const struct ckpt_flag_name personality_flags[] = {
	{ 0x0040000, "ADDR_NO_RANDOMIZE" },
	{ 0x0100000, "MMAP_PAGE_ZERO" },
	{ 0x0200000, "ADDR_COMPAT_LAYOUT" },
	{ 0x0400000, "READ_IMPLIES_EXEC" },
	{ 0x0800000, "ADDR_LIMIT_32BIT" },
	{ 0x1000000, "SHORT_INODE" },
	{ 0x2000000, "WHOLE_SECONDS" },
	{ 0x4000000, "STICKY_TIMEOUTS" },
	{ 0x8000000, "ADDR_LIMIT_3GB" },
};

static void print_signal(FILE *out, const char *name, uint32_t sig)
{
	char buf[32];

	if (sig == UINT32_MAX)
		fprintf(out, FIELD "none (-1: a thread)\n", name);
	else if (sig)
		fprintf(out, FIELD "%s (%" PRIu32 ")\n", name,
			ckpt_sig_name(sig, buf, sizeof(buf)), sig);
	else
		fprintf(out, FIELD "none\n", name);
}

void ckpt_print_task(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	const struct ckpt_hdr_task *raw = rec;
	struct ckpt_hdr_task t;

	(void)len;
	(void)st;
	ckpt_decode_task(rec, &t);
	fprintf(out, FIELD "%" PRId32 " (tgid %" PRId32 ", ppid %" PRId32 ")\n", "pid",
		t.pid, t.tgid, t.ppid);
	ckpt_print_field_str(out, "comm", raw->comm, CKPT_COMM_LEN);
	fprintf(out, FIELD "0x%" PRIx32, "personality", t.personality);
	ckpt_print_flags(out, t.personality, personality_flags,
		    CKPT_ARRAY_SIZE(personality_flags));
	putc('\n', out);
	print_signal(out, "exit_signal", t.exit_signal);
	print_signal(out, "pdeath_signal", t.pdeath_signal);
	fprintf(out, FIELD "0x%" PRIx32, "flags", t.flags);
	ckpt_print_flags(out, t.flags, task_flags, CKPT_ARRAY_SIZE(task_flags));
	putc('\n', out);
	fprintf(out, FIELD "0x%" PRIx64 "\n", "clear_child_tid", (uint64_t)t.clear_child_tid);
	if (t.robust_list)
		fprintf(out, FIELD "0x%" PRIx64 " (len %" PRIu64 ")\n", "robust_list",
			(uint64_t)t.robust_list, (uint64_t)t.robust_list_len);
	else
		fprintf(out, FIELD "none\n", "robust_list");
	if (t.rseq)
		fprintf(out, FIELD "0x%" PRIx64 " (len %" PRIu32 ", sig 0x%08" PRIx32 ")\n",
			"rseq", (uint64_t)t.rseq, t.rseq_len, t.rseq_sig);
	else
		fprintf(out, FIELD "none\n", "rseq");
}

/* CKPT_HDR_CREDS */

int ckpt_check_creds(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_creds c;

	ckpt_decode_creds(rec, &c);
	if (c.ngroups > CKPT_NGROUPS_MAX)
		return ckpt_bad(why, size, "ngroups %" PRIu32 " exceeds %u", c.ngroups,
				CKPT_NGROUPS_MAX);
	if (len != sizeof(c) + (uint64_t)c.ngroups * sizeof(__u32))
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit ngroups %"
				PRIu32, len, c.ngroups);
	return 0;
}

/* Groups printed in full; more are counted */
#define GROUPS_SHOWN	32

void ckpt_print_creds(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_hdr_creds c;
	uint32_t i, n;

	(void)st;
	ckpt_decode_creds(rec, &c);
	fprintf(out, FIELD "%" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32
		" (real effective saved fs)\n", "uids", c.uid, c.euid, c.suid, c.fsuid);
	fprintf(out, FIELD "%" PRIu32 " %" PRIu32 " %" PRIu32 " %" PRIu32
		" (real effective saved fs)\n", "gids", c.gid, c.egid, c.sgid, c.fsgid);

	/* A malformed record may hold fewer than ngroups */
	n = (len - sizeof(c)) / sizeof(__u32);
	if (n > c.ngroups)
		n = c.ngroups;
	fprintf(out, FIELD "%" PRIu32, "groups", c.ngroups);
	for (i = 0; i < n && i < GROUPS_SHOWN; i++)
		fprintf(out, "%s%" PRIu32, i ? " " : ": ", ckpt_decode_creds_group(rec, i));
	if (c.ngroups > i)
		fprintf(out, "%s...", i ? " " : ": ");
	putc('\n', out);

	fprintf(out, FIELD "0x%016" PRIx64 "\n", "cap_inheritable",
		(uint64_t)c.cap_inheritable);
	fprintf(out, FIELD "0x%016" PRIx64 "\n", "cap_permitted", (uint64_t)c.cap_permitted);
	fprintf(out, FIELD "0x%016" PRIx64 "\n", "cap_effective", (uint64_t)c.cap_effective);
	fprintf(out, FIELD "0x%016" PRIx64 "\n", "cap_bset", (uint64_t)c.cap_bset);
	fprintf(out, FIELD "0x%016" PRIx64 "\n", "cap_ambient", (uint64_t)c.cap_ambient);
	fprintf(out, FIELD "0x%" PRIx32 "\n", "securebits", c.securebits);
}

/* CKPT_HDR_RLIMITS */

static const char *const rlimit_names[CKPT_RLIM_NLIMITS] = {
	"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
	"MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO",
	"RTTIME",
};

#define RLIM_INFINITY_U64	(~0ULL)

int ckpt_check_rlimits(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_rlimits r;
	size_t i;

	(void)len;
	ckpt_decode_rlimits(rec, &r);
	if (r.nr != CKPT_RLIM_NLIMITS)
		return ckpt_bad(why, size, "nr %" PRIu32 ", expected %u", r.nr,
				CKPT_RLIM_NLIMITS);
	if (r.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++)
		if (r.rlim[i].cur > r.rlim[i].max)
			return ckpt_bad(why, size,
					"RLIMIT_%s: soft limit %llu above hard limit %llu",
					rlimit_names[i], (unsigned long long)r.rlim[i].cur,
					(unsigned long long)r.rlim[i].max);
	return 0;
}

static void print_rlim(FILE *out, uint64_t v)
{
	if (v == RLIM_INFINITY_U64)
		fputs("unlimited", out);
	else
		fprintf(out, "%" PRIu64, v);
}

void ckpt_print_rlimits(FILE *out, const void *rec, uint32_t len,
			const struct ckpt_state *st)
{
	struct ckpt_hdr_rlimits r;
	size_t i;

	(void)len;
	(void)st;
	ckpt_decode_rlimits(rec, &r);
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		fprintf(out, FIELD, rlimit_names[i]);
		print_rlim(out, r.rlim[i].cur);
		fputs(" / ", out);
		print_rlim(out, r.rlim[i].max);
		putc('\n', out);
	}
}

/* CKPT_HDR_FS */

int ckpt_check_fs(const void *rec, uint32_t len, char *why, size_t size)
{
	const char *paths = (const char *)rec + sizeof(struct ckpt_hdr_fs);
	struct ckpt_hdr_fs f;

	ckpt_decode_fs(rec, &f);
	if (f.umask & ~0777U)
		return ckpt_bad(why, size, "umask 0%" PRIo32 " has bits beyond 0777", f.umask);
	if (f.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (!f.root_len || !f.cwd_len || f.root_len > CKPT_PATH_MAX ||
	    f.cwd_len > CKPT_PATH_MAX)
		return ckpt_bad(why, size, "root_len %" PRIu32 " / cwd_len %" PRIu32
				" is not from 1 to %u", f.root_len, f.cwd_len, CKPT_PATH_MAX);
	if (len != sizeof(f) + f.root_len + f.cwd_len)
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit root_len %"
				PRIu32 " and cwd_len %" PRIu32, len, f.root_len, f.cwd_len);
	/* Both end with a NUL, which is all restart(2) asks of them */
	if (paths[f.root_len - 1] || paths[f.root_len + f.cwd_len - 1])
		return ckpt_bad(why, size, "root or cwd is not NUL-terminated");
	return 0;
}

void ckpt_print_fs(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	const char *paths = (const char *)rec + sizeof(struct ckpt_hdr_fs);
	size_t room = len - sizeof(struct ckpt_hdr_fs);
	struct ckpt_hdr_fs f;

	(void)st;
	ckpt_decode_fs(rec, &f);
	fprintf(out, FIELD "%04" PRIo32 "\n", "umask", f.umask);
	/* Only what the record holds, if it is malformed */
	if (f.root_len <= room) {
		ckpt_print_field_str(out, "root", paths, f.root_len);
		if (f.cwd_len <= room - f.root_len)
			ckpt_print_field_str(out, "cwd", paths + f.root_len, f.cwd_len);
	}
}

/* CKPT_HDR_SYSCALL_RESTART */

static const char *const restart_kinds[] = {
	[CKPT_RESTART_NONE] = "none",
	[CKPT_RESTART_NANOSLEEP] = "nanosleep",
	[CKPT_RESTART_FUTEX_WAIT] = "futex wait",
	[CKPT_RESTART_POLL] = "poll",
};

#define SYSCALL_RESTART_FLAGS	(CKPT_RESTART_ABSTIME | CKPT_RESTART_FUTEX_SHARED | \
				 CKPT_RESTART_FUTEX_CLOCKRT | CKPT_RESTART_NO_TIMEOUT)

static const struct ckpt_flag_name restart_flags[] = {
	{ CKPT_RESTART_ABSTIME, "ABSTIME" },
	{ CKPT_RESTART_FUTEX_SHARED, "FUTEX_SHARED" },
	{ CKPT_RESTART_FUTEX_CLOCKRT, "FUTEX_CLOCKRT" },
	{ CKPT_RESTART_NO_TIMEOUT, "NO_TIMEOUT" },
};

static const char *const clock_names[] = {
	"CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_PROCESS_CPUTIME_ID",
	"CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
	"CLOCK_MONOTONIC_COARSE", "CLOCK_BOOTTIME", "CLOCK_REALTIME_ALARM",
	"CLOCK_BOOTTIME_ALARM", NULL, "CLOCK_TAI",
};

/* Clocks a deadline may be on: absolute ones survive a reboot */
#define CLOCK_REALTIME_ID	0
#define CLOCK_MONOTONIC_ID	1
#define CLOCK_BOOTTIME_ID	7
#define CLOCK_TAI_ID		11

static bool deadline_clock(int32_t clockid, bool *absolute)
{
	switch (clockid) {
	case CLOCK_REALTIME_ID:
	case CLOCK_TAI_ID:
		*absolute = true;
		return true;
	case CLOCK_MONOTONIC_ID:
	case CLOCK_BOOTTIME_ID:
		*absolute = false;
		return true;
	}
	return false;
}

/* KTIME_MAX / 2 */
#define DEADLINE_MAX	(INT64_MAX / 2)

int ckpt_check_syscall_restart(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_syscall_restart r;
	bool absolute;
	int32_t clk;

	(void)len;
	ckpt_decode_syscall_restart(rec, &r);
	if (r.kind >= CKPT_ARRAY_SIZE(restart_kinds))
		return ckpt_bad(why, size, "unknown kind %" PRIu32, r.kind);
	if (r.flags & ~SYSCALL_RESTART_FLAGS)
		return ckpt_bad(why, size, "unknown flags 0x%" PRIx32, r.flags);
	if (r.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");

	switch (r.kind) {
	case CKPT_RESTART_NONE:
		if (r.flags || r.clockid || r.deadline || r.uaddr || r.val || r.bitset)
			return ckpt_bad(why, size, "kind none with non-zero fields");
		return 0;
	case CKPT_RESTART_FUTEX_WAIT:
		clk = r.flags & CKPT_RESTART_FUTEX_CLOCKRT ? CLOCK_REALTIME_ID :
			CLOCK_MONOTONIC_ID;
		if (!r.bitset)
			return ckpt_bad(why, size, "futex wait with an empty bitset");
		if (r.clockid != clk)
			return ckpt_bad(why, size, "futex wait on clock %" PRId32 ", expected %"
					PRId32, r.clockid, clk);
		break;
	case CKPT_RESTART_POLL:
		if (r.clockid != CLOCK_MONOTONIC_ID)
			return ckpt_bad(why, size, "poll on clock %" PRId32
					", expected CLOCK_MONOTONIC", r.clockid);
		if (r.val > INT32_MAX)
			return ckpt_bad(why, size, "poll of %" PRIu32 " fds", r.val);
		break;
	}
	if (!deadline_clock(r.clockid, &absolute))
		return ckpt_bad(why, size, "a deadline cannot be on clock %" PRId32, r.clockid);
	if (absolute != !!(r.flags & CKPT_RESTART_ABSTIME))
		return ckpt_bad(why, size, "clock %" PRId32 " needs %s deadline", r.clockid,
				absolute ? "an absolute" : "a relative");
	if (r.deadline > DEADLINE_MAX)
		return ckpt_bad(why, size, "deadline %" PRIu64 " is out of range",
				(uint64_t)r.deadline);
	return 0;
}

void ckpt_print_syscall_restart(FILE *out, const void *rec, uint32_t len,
				const struct ckpt_state *st)
{
	struct ckpt_hdr_syscall_restart r;
	const char *clock = NULL;

	(void)len;
	(void)st;
	ckpt_decode_syscall_restart(rec, &r);
	if (r.kind < CKPT_ARRAY_SIZE(restart_kinds))
		fprintf(out, FIELD "%s\n", "kind", restart_kinds[r.kind]);
	else
		fprintf(out, FIELD "unknown (%" PRIu32 ")\n", "kind", r.kind);
	if (r.kind == CKPT_RESTART_NONE)
		return;

	if (r.clockid >= 0 && (size_t)r.clockid < CKPT_ARRAY_SIZE(clock_names))
		clock = clock_names[r.clockid];
	if (r.flags & CKPT_RESTART_NO_TIMEOUT)
		fprintf(out, FIELD "none\n", "timeout");
	else if (r.flags & CKPT_RESTART_ABSTIME)
		fprintf(out, FIELD "%" PRIu64 ".%09" PRIu64 " s (absolute)\n", "deadline",
			(uint64_t)r.deadline / 1000000000, (uint64_t)r.deadline % 1000000000);
	else
		fprintf(out, FIELD "%" PRIu64 ".%03" PRIu64 " ms\n", "remaining",
			(uint64_t)r.deadline / 1000000, (uint64_t)r.deadline / 1000 % 1000);
	fprintf(out, FIELD "%s (%" PRId32 ")\n", "clockid", clock ?: "unknown", r.clockid);
	fprintf(out, FIELD "0x%" PRIx32, "flags", r.flags);
	ckpt_print_flags(out, r.flags, restart_flags, CKPT_ARRAY_SIZE(restart_flags));
	putc('\n', out);

	switch (r.kind) {
	case CKPT_RESTART_NANOSLEEP:
		fprintf(out, FIELD "0x%" PRIx64 "\n", "rmtp", (uint64_t)r.uaddr);
		break;
	case CKPT_RESTART_FUTEX_WAIT:
		fprintf(out, FIELD "0x%" PRIx64 "\n", "uaddr", (uint64_t)r.uaddr);
		fprintf(out, FIELD "%" PRIu32 "\n", "val", r.val);
		fprintf(out, FIELD "0x%08" PRIx32 "\n", "bitset", r.bitset);
		break;
	case CKPT_RESTART_POLL:
		fprintf(out, FIELD "0x%" PRIx64 "\n", "fds", (uint64_t)r.uaddr);
		fprintf(out, FIELD "%" PRIu32 "\n", "nfds", r.val);
		break;
	}
}
