// SPDX-License-Identifier: GPL-2.0
/*
 * Records of signal state: SIGHAND, SIGNAL_TASK.
 */
#include <inttypes.h>
#include <string.h>

#include "ckpt_rec_impl.h"
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
#define SS_DISABLE_U32		2U	/* no alternate stack */

int ckpt_check_signal_task(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_signal_task s;

	(void)len;
	ckpt_decode_signal_task(rec, &s);
	if (s.ss_flags & ~(SS_AUTODISARM_U32 | SS_DISABLE_U32))
		return ckpt_bad(why, size, "sigaltstack flags 0x%" PRIx32
				" other than SS_DISABLE, SS_AUTODISARM",
				s.ss_flags);
	if (s.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	return 0;
}

static const struct ckpt_flag_name ss_flags[] = {
	{ SS_AUTODISARM_U32, "AUTODISARM" },
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
