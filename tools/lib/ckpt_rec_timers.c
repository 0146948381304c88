// SPDX-License-Identifier: GPL-2.0
/*
 * Records of timers: ITIMERS, the interval timers of the process, and
 * POSIX_TIMERS, its POSIX timers.
 */
#include <inttypes.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"

/* The kernel's KTIME_MAX: the longest time a timer may hold, in ns */
#define KTIME_MAX_NS	((uint64_t)INT64_MAX)
#define NSEC_PER_SEC	UINT64_C(1000000000)

/* Decoders */

void ckpt_decode_itimers(const void *rec, struct ckpt_hdr_itimers *t)
{
	size_t i;

	memcpy(t, rec, sizeof(*t));
	ckpt_decode_hdr(&t->h);
	t->nr = le32toh(t->nr);
	t->__pad = le32toh(t->__pad);
	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		t->timers[i].value = le64toh(t->timers[i].value);
		t->timers[i].interval = le64toh(t->timers[i].interval);
	}
}

void ckpt_decode_posix_timers(const void *rec, struct ckpt_hdr_posix_timers *h)
{
	memcpy(h, rec, sizeof(*h));
	ckpt_decode_hdr(&h->h);
	h->nr = le32toh(h->nr);
	h->__pad = le32toh(h->__pad);
}

void ckpt_decode_posix_timer(const void *rec, uint32_t i, struct ckpt_posix_timer *e)
{
	memcpy(e, (const char *)rec + sizeof(struct ckpt_hdr_posix_timers) + i * sizeof(*e),
	       sizeof(*e));
	e->id = (int32_t)le32toh((uint32_t)e->id);
	e->clock = (int32_t)le32toh((uint32_t)e->clock);
	e->notify = (int32_t)le32toh((uint32_t)e->notify);
	e->signo = (int32_t)le32toh((uint32_t)e->signo);
	e->tid = (int32_t)le32toh((uint32_t)e->tid);
	e->overrun = (int32_t)le32toh((uint32_t)e->overrun);
	e->value = le64toh(e->value);
	e->expires = le64toh(e->expires);
	e->interval = le64toh(e->interval);
}

/* CKPT_HDR_ITIMERS */

/* Indexed by ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
static const char *const itimer_names[CKPT_ITIMER_NR] = { "real", "virtual", "prof" };

int ckpt_check_itimers(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_itimers t;
	size_t i;

	(void)len;
	ckpt_decode_itimers(rec, &t);
	if (t.nr != CKPT_ITIMER_NR)
		return ckpt_bad(why, size, "nr %" PRIu32 ", expected %u", t.nr, CKPT_ITIMER_NR);
	if (t.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		if (t.timers[i].value > KTIME_MAX_NS)
			return ckpt_bad(why, size, "%s timer: value %" PRIu64
					" ns is more than %" PRIu64, itimer_names[i],
					(uint64_t)t.timers[i].value, KTIME_MAX_NS);
		if (t.timers[i].interval > KTIME_MAX_NS)
			return ckpt_bad(why, size, "%s timer: interval %" PRIu64
					" ns is more than %" PRIu64, itimer_names[i],
					(uint64_t)t.timers[i].interval, KTIME_MAX_NS);
	}
	return 0;
}

/* Counts the armed timers for the task's summary */
int ckpt_track_itimers(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		       size_t size)
{
	struct ckpt_hdr_itimers t;
	size_t i;

	(void)len;
	(void)why;
	(void)size;
	ckpt_decode_itimers(rec, &t);
	st->task.nr_itimers_armed = 0;
	for (i = 0; i < CKPT_ITIMER_NR; i++)
		if (t.timers[i].value)
			st->task.nr_itimers_armed++;
	return 0;
}

/* Nanoseconds as seconds: "4.250s", down to "0.000000001s" if need be */
static void print_secs(FILE *out, uint64_t ns)
{
	char frac[16];
	int n;

	n = snprintf(frac, sizeof(frac), "%09" PRIu64, ns % NSEC_PER_SEC);
	while (n > 3 && frac[n - 1] == '0')
		frac[--n] = '\0';
	fprintf(out, "%" PRIu64 ".%ss", ns / NSEC_PER_SEC, frac);
}

void ckpt_print_itimers(FILE *out, const void *rec, uint32_t len,
			const struct ckpt_state *st)
{
	struct ckpt_hdr_itimers t;
	const struct ckpt_itimer *it;
	unsigned int n = 0;
	size_t i;

	(void)len;
	(void)st;
	ckpt_decode_itimers(rec, &t);
	/* Only the timers that are armed or have an interval */
	for (i = 0; i < CKPT_ITIMER_NR; i++) {
		it = &t.timers[i];
		if (!it->value && !it->interval)
			continue;
		fprintf(out, "%s %s ", n++ ? "," : "    itimers:", itimer_names[i]);
		if (it->value)
			print_secs(out, it->value);
		else
			fputs("disarmed", out);
		if (it->interval) {
			fputs(" (every ", out);
			print_secs(out, it->interval);
			putc(')', out);
		}
	}
	if (n)
		putc('\n', out);
}

/* CKPT_HDR_POSIX_TIMERS */

/* The clocks and notifications a saved POSIX timer may have */
#define CLOCK_REALTIME_ID	0
#define CLOCK_MONOTONIC_ID	1
#define CLOCK_BOOTTIME_ID	7
#define SIGEV_SIGNAL_N		0
#define SIGEV_NONE_N		1
#define SIGEV_THREAD_N		2
#define SIGEV_THREAD_ID_N	4

static const char *clock_name(int32_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME_ID:
		return "realtime";
	case CLOCK_MONOTONIC_ID:
		return "monotonic";
	case CLOCK_BOOTTIME_ID:
		return "boottime";
	}
	return NULL;
}

static int check_posix_timer(const struct ckpt_posix_timer *e, int64_t prev, char *why,
			     size_t size)
{
	if (e->id <= prev)
		return ckpt_bad(why, size, "timer %" PRId32 " after timer %" PRId64
				": not in increasing order of id", e->id, prev);
	if (!clock_name(e->clock))
		return ckpt_bad(why, size, "timer %" PRId32 ": clock %" PRId32
				" is not realtime, monotonic or boottime", e->id, e->clock);
	if (e->signo < 0 || e->signo > CKPT_NSIG || e->overrun < 0)
		return ckpt_bad(why, size, "timer %" PRId32 ": signal %" PRId32
				" or overrun %" PRId32, e->id, e->signo, e->overrun);
	if (e->expires > KTIME_MAX_NS || e->interval > KTIME_MAX_NS)
		return ckpt_bad(why, size, "timer %" PRId32 ": time beyond %" PRIu64 " ns",
				e->id, KTIME_MAX_NS);
	switch (e->notify) {
	case SIGEV_NONE_N:
		if (!e->tid)
			return 0;
		break;
	case SIGEV_SIGNAL_N:
	case SIGEV_THREAD_N:
		if (e->signo && !e->tid)
			return 0;
		break;
	case SIGEV_SIGNAL_N | SIGEV_THREAD_ID_N:
		if (e->signo && e->tid > 0)
			return 0;
		break;
	}
	return ckpt_bad(why, size, "timer %" PRId32 ": notify %" PRId32 " with signal %"
			PRId32 " and thread %" PRId32, e->id, e->notify, e->signo, e->tid);
}

int ckpt_check_posix_timers(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_posix_timers h;
	struct ckpt_posix_timer e;
	int64_t prev = -1;
	uint32_t i;

	ckpt_decode_posix_timers(rec, &h);
	if (!h.nr || h.nr > CKPT_POSIX_TIMERS_MAX)
		return ckpt_bad(why, size, "nr %" PRIu32 " is not from 1 to %u", h.nr,
				CKPT_POSIX_TIMERS_MAX);
	if (len != sizeof(h) + (uint64_t)h.nr * sizeof(e))
		return ckpt_bad(why, size, "length %" PRIu32 " does not fit nr %" PRIu32,
				len, h.nr);
	if (h.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	for (i = 0; i < h.nr; i++) {
		ckpt_decode_posix_timer(rec, i, &e);
		if (check_posix_timer(&e, prev, why, size) < 0)
			return -1;
		prev = e.id;
	}
	return 0;
}

/* Counts the timers for the task's summary */
int ckpt_track_posix_timers(struct ckpt_state *st, const void *rec, uint32_t len,
			    char *why, size_t size)
{
	struct ckpt_hdr_posix_timers h;

	(void)len;
	(void)why;
	(void)size;
	ckpt_decode_posix_timers(rec, &h);
	st->task.nr_posix_timers = h.nr;
	return 0;
}

void ckpt_print_posix_timers(FILE *out, const void *rec, uint32_t len,
			     const struct ckpt_state *st)
{
	struct ckpt_hdr_posix_timers h;
	struct ckpt_posix_timer e;
	char buf[32];
	uint32_t i;

	(void)len;
	(void)st;
	ckpt_decode_posix_timers(rec, &h);
	for (i = 0; i < h.nr; i++) {
		ckpt_decode_posix_timer(rec, i, &e);
		fprintf(out, "    posix timer %" PRId32 ": %s, ", e.id, clock_name(e.clock));
		if (e.notify == SIGEV_NONE_N)
			fputs("no signal", out);
		else
			fprintf(out, "%s value %#" PRIx64, ckpt_sig_name((uint32_t)e.signo, buf,
									 sizeof(buf)), (uint64_t)e.value);
		if (e.notify & SIGEV_THREAD_ID_N)
			fprintf(out, " to thread %" PRId32, e.tid);
		fputs(", ", out);
		if (e.expires)
			print_secs(out, e.expires);
		else
			fputs("disarmed", out);
		if (e.interval) {
			fputs(" (every ", out);
			print_secs(out, e.interval);
			putc(')', out);
		}
		if (e.overrun)
			fprintf(out, ", overrun %" PRId32, e.overrun);
		putc('\n', out);
	}
}
