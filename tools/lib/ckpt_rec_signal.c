// SPDX-License-Identifier: GPL-2.0
/*
 * Records of signal state: SIGHAND, SIGNAL_TASK, SIGPENDING.
 */
#include <inttypes.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

#define SIGKILL_NR	9
#define SIGSTOP_NR	19
#define SIG_DFL_U64	0
#define SIG_IGN_U64	1

/* Decoders */

static void decode_sigaction(struct ckpt_sigaction *sa)
{
	sa->handler = le64toh(sa->handler);
	sa->flags = le64toh(sa->flags);
	sa->restorer = le64toh(sa->restorer);
	sa->mask = le64toh(sa->mask);
}

void ckpt_decode_sighand(const void *rec, struct ckpt_hdr_sighand *s)
{
	size_t i;

	memcpy(s, rec, sizeof(*s));
	ckpt_decode_hdr(&s->h);
	s->nr = le32toh(s->nr);
	s->__pad = le32toh(s->__pad);
	for (i = 0; i < CKPT_NSIG; i++)
		decode_sigaction(&s->action[i]);
}

void ckpt_decode_signal_task(const void *rec, struct ckpt_hdr_signal_task *s)
{
	memcpy(s, rec, sizeof(*s));
	ckpt_decode_hdr(&s->h);
	s->blocked = le64toh(s->blocked);
	s->ss_sp = le64toh(s->ss_sp);
	s->ss_size = le64toh(s->ss_size);
	s->ss_flags = le32toh(s->ss_flags);
	s->__pad = le32toh(s->__pad);
}

void ckpt_decode_sigpending(const void *rec, struct ckpt_hdr_sigpending *s)
{
	memcpy(s, rec, sizeof(*s));
	ckpt_decode_hdr(&s->h);
	s->queue = le32toh(s->queue);
	s->nr_info = le32toh(s->nr_info);
	s->signal = le64toh(s->signal);
}

/* The raw siginfo i of a SIGPENDING record */
static const uint8_t *siginfo_raw(const void *rec, uint32_t i)
{
	return (const uint8_t *)rec + sizeof(struct ckpt_hdr_sigpending) +
	       (size_t)i * sizeof(struct ckpt_siginfo);
}

void ckpt_decode_siginfo(const void *rec, uint32_t i, struct ckpt_siginfo_fields *f)
{
	const uint8_t *raw = siginfo_raw(rec, i);

	f->signo = (int32_t)ckpt_le32(raw);
	f->errnum = (int32_t)ckpt_le32(raw + 4);
	f->code = (int32_t)ckpt_le32(raw + 8);
	f->pid = (int32_t)ckpt_le32(raw + 16);
	f->uid = ckpt_le32(raw + 20);
	f->value = ckpt_le64(raw + 24);
	f->timer = (int32_t)ckpt_le32(raw + 16);
	f->overrun = (int32_t)ckpt_le32(raw + 20);
	f->own = (int32_t)ckpt_le32(raw + 32);
}

/* CKPT_HDR_SIGHAND */

/* SA_* flags of x86_64 */
#define SA_NOCLDSTOP_U64	0x00000001ULL
#define SA_NOCLDWAIT_U64	0x00000002ULL
#define SA_SIGINFO_U64		0x00000004ULL
#define SA_UNSUPPORTED_U64	0x00000400ULL
#define SA_EXPOSE_TAGBITS_U64	0x00000800ULL
#define SA_RESTORER_U64		0x04000000ULL
#define SA_ONSTACK_U64		0x08000000ULL
#define SA_RESTART_U64		0x10000000ULL
#define SA_NODEFER_U64		0x40000000ULL
#define SA_RESETHAND_U64	0x80000000ULL

/* The flags a disposition may carry */
#define SA_FLAGS_ALL	(SA_NOCLDSTOP_U64 | SA_NOCLDWAIT_U64 | SA_SIGINFO_U64 | \
			 SA_UNSUPPORTED_U64 | SA_EXPOSE_TAGBITS_U64 | SA_RESTORER_U64 | \
			 SA_ONSTACK_U64 | SA_RESTART_U64 | SA_NODEFER_U64 | \
			 SA_RESETHAND_U64)

int ckpt_check_sighand(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_sighand s;
	unsigned int sig;
	char buf[32];

	(void)len;
	ckpt_decode_sighand(rec, &s);
	if (s.nr != CKPT_NSIG)
		return ckpt_bad(why, size, "nr %" PRIu32 ", expected %u", s.nr, CKPT_NSIG);
	if (s.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (s.action[SIGKILL_NR - 1].handler != SIG_DFL_U64 ||
	    s.action[SIGSTOP_NR - 1].handler != SIG_DFL_U64)
		return ckpt_bad(why, size,
				"SIGKILL or SIGSTOP has a disposition other than the default");
	for (sig = 1; sig <= CKPT_NSIG; sig++)
		if (s.action[sig - 1].flags & ~SA_FLAGS_ALL)
			return ckpt_bad(why, size, "%s: unknown flags 0x%" PRIx64,
					ckpt_sig_name(sig, buf, sizeof(buf)),
					(uint64_t)(s.action[sig - 1].flags & ~SA_FLAGS_ALL));
	return 0;
}

static const struct ckpt_flag_name sa_flags[] = {
	{ SA_NOCLDSTOP_U64, "NOCLDSTOP" },
	{ SA_NOCLDWAIT_U64, "NOCLDWAIT" },
	{ SA_SIGINFO_U64, "SIGINFO" },
	{ SA_UNSUPPORTED_U64, "UNSUPPORTED" },
	{ SA_EXPOSE_TAGBITS_U64, "EXPOSE_TAGBITS" },
	{ SA_RESTORER_U64, "RESTORER" },
	{ SA_ONSTACK_U64, "ONSTACK" },
	{ SA_RESTART_U64, "RESTART" },
	{ SA_NODEFER_U64, "NODEFER" },
	{ SA_RESETHAND_U64, "RESETHAND" },
};

void ckpt_print_sighand(FILE *out, const void *rec, uint32_t len,
			const struct ckpt_state *st)
{
	struct ckpt_hdr_sighand s;
	const struct ckpt_sigaction *sa;
	unsigned int sig, dfl = 0;
	char buf[32];

	(void)len;
	(void)st;
	ckpt_decode_sighand(rec, &s);
	/* Only the dispositions that are not the default */
	for (sig = 1; sig <= CKPT_NSIG; sig++) {
		sa = &s.action[sig - 1];
		if (sa->handler == SIG_DFL_U64) {
			dfl++;
			continue;
		}
		fprintf(out, FIELD, ckpt_sig_name(sig, buf, sizeof(buf)));
		if (sa->handler == SIG_IGN_U64) {
			fputs("ignored\n", out);
			continue;
		}
		fprintf(out, "handler 0x%" PRIx64 " flags 0x%" PRIx64, (uint64_t)sa->handler,
			(uint64_t)sa->flags);
		ckpt_print_flags(out, sa->flags, sa_flags, CKPT_ARRAY_SIZE(sa_flags));
		if (sa->flags & SA_RESTORER_U64)
			fprintf(out, " restorer 0x%" PRIx64, (uint64_t)sa->restorer);
		if (sa->mask) {
			fputs(" mask ", out);
			ckpt_print_sigset(out, sa->mask);
		}
		putc('\n', out);
	}
	fprintf(out, FIELD "%u signals\n", "default", dfl);
}

/* CKPT_HDR_SIGNAL_TASK */

#define SS_AUTODISARM_U32	(1U << 31)
#define SS_ONSTACK_U32		1U	/* kept by sigaltstack(2), never reported */
#define SS_DISABLE_U32		2U	/* no alternate stack */

int ckpt_check_signal_task(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_signal_task s;
	uint32_t mode;

	(void)len;
	ckpt_decode_signal_task(rec, &s);
	mode = s.ss_flags & ~SS_AUTODISARM_U32;
	if (mode && mode != SS_ONSTACK_U32 && mode != SS_DISABLE_U32)
		return ckpt_bad(why, size, "sigaltstack flags 0x%" PRIx32
				": not SS_ONSTACK or SS_DISABLE, with SS_AUTODISARM or not",
				s.ss_flags);
	if (s.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

static const struct ckpt_flag_name ss_flags[] = {
	{ SS_AUTODISARM_U32, "AUTODISARM" },
	{ SS_ONSTACK_U32, "ONSTACK" },
	{ SS_DISABLE_U32, "DISABLE" },
};

void ckpt_print_signal_task(FILE *out, const void *rec, uint32_t len,
			    const struct ckpt_state *st)
{
	struct ckpt_hdr_signal_task s;

	(void)len;
	(void)st;
	ckpt_decode_signal_task(rec, &s);
	fprintf(out, FIELD, "blocked");
	ckpt_print_sigset(out, s.blocked);
	putc('\n', out);
	if (!s.ss_sp && !s.ss_size && !s.ss_flags) {
		fprintf(out, FIELD "none\n", "sigaltstack");
		return;
	}
	fprintf(out, FIELD "0x%" PRIx64 " size %" PRIu64 " flags 0x%" PRIx32, "sigaltstack",
		(uint64_t)s.ss_sp, (uint64_t)s.ss_size, s.ss_flags);
	ckpt_print_flags(out, s.ss_flags, ss_flags, CKPT_ARRAY_SIZE(ss_flags));
	putc('\n', out);
}

/* CKPT_HDR_SIGPENDING */

#define SIGRTMIN_NR	32	/* the kernel's: signals below are queued once at most */
#define SIGINFO_KEPT	48	/* bytes of a siginfo the kernel keeps (64-bit) */
#define SIGMASK(sig)	(1ULL << ((sig) - 1))

/* si_code values of signals sent by a process or the kernel */
#define SI_USER_NR	0
#define SI_KERNEL_NR	0x80
#define SI_QUEUE_NR	(-1)
#define SI_TIMER_NR	(-2)
#define SI_TKILL_NR	(-6)

static const char *queue_name(uint32_t queue)
{
	switch (queue) {
	case CKPT_SIGPENDING_TASK:
		return "task";
	case CKPT_SIGPENDING_SHARED:
		return "shared";
	}
	return NULL;
}

int ckpt_check_sigpending(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_sigpending s;
	struct ckpt_siginfo_fields f;
	uint64_t seen = 0;
	const char *name;
	char buf[32];
	uint32_t i;
	bool own;

	ckpt_decode_sigpending(rec, &s);
	if (!queue_name(s.queue))
		return ckpt_bad(why, size, "unknown queue %" PRIu32, s.queue);
	if (s.nr_info > CKPT_SIGPENDING_MAX)
		return ckpt_bad(why, size, "nr_info %" PRIu32 " is more than %u", s.nr_info,
				CKPT_SIGPENDING_MAX);
	if (len != sizeof(s) + (uint64_t)s.nr_info * sizeof(struct ckpt_siginfo))
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit nr_info %" PRIu32,
				len, s.nr_info);
	if (s.signal & SIGMASK(SIGKILL_NR))
		return ckpt_bad(why, size, "SIGKILL is pending: the task was being killed");
	for (i = 0; i < s.nr_info; i++) {
		ckpt_decode_siginfo(rec, i, &f);
		if (f.signo < 1 || f.signo > CKPT_NSIG)
			return ckpt_bad(why, size, "info %" PRIu32 ": si_signo %" PRId32
					" is not a signal", i, f.signo);
		name = ckpt_sig_name((unsigned int)f.signo, buf, sizeof(buf));
		if (!(s.signal & SIGMASK(f.signo)))
			return ckpt_bad(why, size, "info %" PRIu32 ": %s is not in the pending"
					" set 0x%" PRIx64, i, name, (uint64_t)s.signal);
		own = f.code == SI_TIMER_NR && f.own;
		if (f.code == SI_TIMER_NR && f.own != 0 && f.own != 1)
			return ckpt_bad(why, size, "info %" PRIu32 ": si_sys_private %" PRId32
					" of a timer's signal is neither 0 nor 1", i, f.own);
		/* A timer's own signal is queued besides the others */
		if (f.signo < SIGRTMIN_NR && !own && (seen & SIGMASK(f.signo)))
			return ckpt_bad(why, size, "info %" PRIu32 ": %s is queued twice, and"
					" is not a real-time signal", i, name);
		if (!ckpt_all_zero(siginfo_raw(rec, i) + SIGINFO_KEPT,
				   CKPT_SIGINFO_SIZE - SIGINFO_KEPT))
			return ckpt_bad(why, size, "info %" PRIu32 ": non-zero bytes after the"
					" first %u", i, SIGINFO_KEPT);
		if (!own)
			seen |= SIGMASK(f.signo);
	}
	return 0;
}

/* Two per task: its own queue, then its process's */
int ckpt_track_sigpending(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
			  size_t size)
{
	static const uint32_t due[] = { CKPT_SIGPENDING_TASK, CKPT_SIGPENDING_SHARED };
	struct ckpt_hdr_sigpending s;

	(void)len;
	ckpt_decode_sigpending(rec, &s);
	if (st->nr_sigpending >= CKPT_ARRAY_SIZE(due))
		return ckpt_bad(why, size, "a third SIGPENDING record for the task");
	if (s.queue != due[st->nr_sigpending])
		return ckpt_bad(why, size, "the %s queue where the %s queue is due",
				queue_name(s.queue), queue_name(due[st->nr_sigpending]));
	st->nr_sigpending++;
	st->task.sigpending |= s.signal;
	return 0;
}

static const char *si_code_name(int32_t code)
{
	switch (code) {
	case SI_USER_NR:
		return "SI_USER";
	case SI_KERNEL_NR:
		return "SI_KERNEL";
	case SI_QUEUE_NR:
		return "SI_QUEUE";
	case SI_TIMER_NR:
		return "SI_TIMER";
	case SI_TKILL_NR:
		return "SI_TKILL";
	}
	return NULL;
}

/* With ckptinfo -v: one line per queued signal */
static void print_siginfo(FILE *out, const void *rec, uint32_t i)
{
	struct ckpt_siginfo_fields f;
	const char *code;
	char buf[32];

	ckpt_decode_siginfo(rec, i, &f);
	if (f.signo >= 1 && f.signo <= CKPT_NSIG)
		fprintf(out, "      %s", ckpt_sig_name((unsigned int)f.signo, buf, sizeof(buf)));
	else
		fprintf(out, "      si_signo %" PRId32, f.signo);
	fprintf(out, " errno %" PRId32, f.errnum);
	code = si_code_name(f.code);
	if (code)
		fprintf(out, " code %s (%" PRId32 ")", code, f.code);
	else
		fprintf(out, " code %" PRId32, f.code);
	switch (f.code) {
	case SI_QUEUE_NR:
	case SI_TKILL_NR:
	case SI_USER_NR:
		fprintf(out, " pid %" PRId32 " uid %" PRIu32, f.pid, f.uid);
		break;
	}
	if (f.code == SI_QUEUE_NR)
		fprintf(out, " value 0x%" PRIx64, f.value);
	if (f.code == SI_TIMER_NR)
		fprintf(out, " timer %" PRId32 " overrun %" PRId32 " value 0x%" PRIx64 "%s",
			f.timer, f.overrun, f.value, f.own ? " (the timer's own)" : "");
	putc('\n', out);
}

void ckpt_print_sigpending(FILE *out, const void *rec, uint32_t len,
			   const struct ckpt_state *st)
{
	struct ckpt_hdr_sigpending s;
	const char *queue;
	unsigned int sig;
	uint32_t i, n;
	char buf[32];

	(void)st;
	ckpt_decode_sigpending(rec, &s);
	if (!s.signal && !s.nr_info)
		return;
	queue = queue_name(s.queue);
	if (queue)
		fprintf(out, "    sigpending %s:", queue);
	else
		fprintf(out, "    sigpending queue %" PRIu32 ":", s.queue);
	if (!s.signal)
		fputs(" none", out);
	for (sig = 1; sig <= CKPT_NSIG; sig++)
		if (s.signal & SIGMASK(sig))
			fprintf(out, " %s", ckpt_sig_name(sig, buf, sizeof(buf)));
	fprintf(out, " (%" PRIu32 " queued)\n", s.nr_info);
	if (!ckpt_rec_verbose)
		return;
	/* A malformed record may hold fewer */
	n = (len - sizeof(s)) / sizeof(struct ckpt_siginfo);
	if (n > s.nr_info)
		n = s.nr_info;
	for (i = 0; i < n; i++)
		print_siginfo(out, rec, i);
}
