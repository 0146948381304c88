// SPDX-License-Identifier: GPL-2.0
/*
 * Records of timers: ITIMERS, the interval timers of the process.
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
