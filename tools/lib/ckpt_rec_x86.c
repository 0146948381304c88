// SPDX-License-Identifier: GPL-2.0
/*
 * Records of x86_64 CPU state: CPU_X86_64, XSTATE.
 */
#include <inttypes.h>
#include <string.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

/* Decoders */

void ckpt_decode_cpu_x86_64(const void *rec, struct ckpt_hdr_cpu_x86_64 *c)
{
	size_t i;

	memcpy(c, rec, sizeof(*c));
	ckpt_decode_hdr(&c->h);
	c->r15 = le64toh(c->r15);
	c->r14 = le64toh(c->r14);
	c->r13 = le64toh(c->r13);
	c->r12 = le64toh(c->r12);
	c->bp = le64toh(c->bp);
	c->bx = le64toh(c->bx);
	c->r11 = le64toh(c->r11);
	c->r10 = le64toh(c->r10);
	c->r9 = le64toh(c->r9);
	c->r8 = le64toh(c->r8);
	c->ax = le64toh(c->ax);
	c->cx = le64toh(c->cx);
	c->dx = le64toh(c->dx);
	c->si = le64toh(c->si);
	c->di = le64toh(c->di);
	c->ip = le64toh(c->ip);
	c->flags = le64toh(c->flags);
	c->sp = le64toh(c->sp);
	c->fs_base = le64toh(c->fs_base);
	c->gs_base = le64toh(c->gs_base);
	c->cs = le16toh(c->cs);
	c->ss = le16toh(c->ss);
	c->ds = le16toh(c->ds);
	c->es = le16toh(c->es);
	c->fs = le16toh(c->fs);
	c->gs = le16toh(c->gs);
	c->__pad = le32toh(c->__pad);
	for (i = 0; i < CKPT_ARRAY_SIZE(c->debugreg); i++)
		c->debugreg[i] = le64toh(c->debugreg[i]);
}

void ckpt_decode_xsave_hdr(const void *rec, struct ckpt_xsave_hdr *x)
{
	const char *p = (const char *)rec + sizeof(struct ckpt_hdr) + CKPT_XSAVE_HDR_OFFSET;
	size_t i;

	x->xstate_bv = ckpt_le64(p);
	x->xcomp_bv = ckpt_le64(p + 8);
	for (i = 0; i < CKPT_ARRAY_SIZE(x->reserved); i++)
		x->reserved[i] = ckpt_le64(p + 16 + 8 * i);
}

/* CKPT_HDR_CPU_X86_64 */

#define USER_CS		0x33	/* __USER_CS */
#define USER_DS		0x2b	/* __USER_DS */
/* TASK_SIZE_MAX with 5-level page tables; 4-level ones end at 1 << 47 */
#define USER_ADDR_END	((1ULL << 56) - 4096)

int ckpt_check_cpu_x86_64(const void *rec, uint32_t len, char *why, size_t size)
{
	struct ckpt_hdr_cpu_x86_64 c;

	(void)len;
	ckpt_decode_cpu_x86_64(rec, &c);
	if (c.__pad)
		return ckpt_bad(why, size, "non-zero reserved field");
	if (c.cs != USER_CS || c.ss != USER_DS)
		return ckpt_bad(why, size, "cs 0x%x / ss 0x%x are not those of a 64-bit task",
				c.cs, c.ss);
	if (c.ds || c.es || c.fs || c.gs)
		return ckpt_bad(why, size, "a data segment selector is not zero");
	if (c.ip >= USER_ADDR_END || c.fs_base >= USER_ADDR_END ||
	    c.gs_base >= USER_ADDR_END)
		return ckpt_bad(why, size, "ip, fs_base or gs_base is not a user address");
	if (c.debugreg[4] || c.debugreg[5])
		return ckpt_bad(why, size, "DR4 or DR5 is not zero");
	return 0;
}

/* Values of ax that mean a system call is to be restarted */
static const char *restart_errno(int64_t ax)
{
	switch (ax) {
	case -512:
		return "ERESTARTSYS";
	case -513:
		return "ERESTARTNOINTR";
	case -514:
		return "ERESTARTNOHAND";
	case -516:
		return "ERESTART_RESTARTBLOCK";
	}
	return ckpt_errno_name((int)-ax);
}

void ckpt_print_cpu_x86_64(FILE *out, const void *rec, uint32_t len,
			   const struct ckpt_state *st)
{
	struct ckpt_hdr_cpu_x86_64 c;
	int64_t ax;
	const char *name;
	size_t i;

	(void)len;
	(void)st;
	ckpt_decode_cpu_x86_64(rec, &c);
	fprintf(out, "    ip 0x%" PRIx64 " sp 0x%" PRIx64 " flags 0x%" PRIx64 "\n",
		(uint64_t)c.ip, (uint64_t)c.sp, (uint64_t)c.flags);

	ax = (int64_t)c.ax;
	fprintf(out, "    ax 0x%" PRIx64, (uint64_t)c.ax);
	if (ax < 0 && ax >= -4095) {
		name = restart_errno(ax);
		fprintf(out, " (-%s)", name ?: "?");
	}
	fprintf(out, " bx 0x%" PRIx64 " cx 0x%" PRIx64 " dx 0x%" PRIx64 "\n",
		(uint64_t)c.bx, (uint64_t)c.cx, (uint64_t)c.dx);
	fprintf(out, "    si 0x%" PRIx64 " di 0x%" PRIx64 " bp 0x%" PRIx64 "\n",
		(uint64_t)c.si, (uint64_t)c.di, (uint64_t)c.bp);
	fprintf(out, "    r8 0x%" PRIx64 " r9 0x%" PRIx64 " r10 0x%" PRIx64 " r11 0x%" PRIx64 "\n",
		(uint64_t)c.r8, (uint64_t)c.r9, (uint64_t)c.r10, (uint64_t)c.r11);
	fprintf(out, "    r12 0x%" PRIx64 " r13 0x%" PRIx64 " r14 0x%" PRIx64
		" r15 0x%" PRIx64 "\n",
		(uint64_t)c.r12, (uint64_t)c.r13, (uint64_t)c.r14, (uint64_t)c.r15);
	fprintf(out, "    fs_base 0x%" PRIx64 " gs_base 0x%" PRIx64 "\n",
		(uint64_t)c.fs_base, (uint64_t)c.gs_base);
	fprintf(out, "    cs 0x%x ss 0x%x ds 0x%x es 0x%x fs 0x%x gs 0x%x\n",
		c.cs, c.ss, c.ds, c.es, c.fs, c.gs);
	/* Debug registers only when in use */
	for (i = 0; i < CKPT_ARRAY_SIZE(c.debugreg); i++)
		if (c.debugreg[i])
			break;
	if (i == CKPT_ARRAY_SIZE(c.debugreg))
		return;
	fputs("   ", out);
	for (i = 0; i < CKPT_ARRAY_SIZE(c.debugreg); i++)
		if (c.debugreg[i])
			fprintf(out, " dr%zu 0x%" PRIx64, i, (uint64_t)c.debugreg[i]);
	putc('\n', out);
}

/* CKPT_HDR_XSTATE */

/* The legacy area: MXCSR at offset 24 */
#define MXCSR_OFFSET	24
#define MXCSR_RESERVED	0xffff0000U
#define XFEATURES_SSE_YMM	0x6ULL

int ckpt_check_xstate(const void *rec, uint32_t len, char *why, size_t size)
{
	const char *area = (const char *)rec + sizeof(struct ckpt_hdr);
	struct ckpt_xsave_hdr x;
	uint32_t mxcsr;

	(void)len;
	ckpt_decode_xsave_hdr(rec, &x);
	mxcsr = ckpt_le32(area + MXCSR_OFFSET);
	if ((x.xstate_bv & XFEATURES_SSE_YMM) && (mxcsr & MXCSR_RESERVED))
		return ckpt_bad(why, size, "MXCSR 0x%08" PRIx32 " has reserved bits set", mxcsr);
	if (x.xcomp_bv)
		return ckpt_bad(why, size, "XCOMP_BV 0x%" PRIx64
				" is not zero: not the standard format", x.xcomp_bv);
	if (!ckpt_all_zero(x.reserved, sizeof(x.reserved)))
		return ckpt_bad(why, size, "non-zero reserved bytes in the XSAVE header");
	return 0;
}

int ckpt_track_xstate(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		      size_t size)
{
	struct ckpt_xsave_hdr x;

	if (len - sizeof(struct ckpt_hdr) != st->xstate_size)
		return ckpt_bad(why, size, "an XSAVE area of %zu bytes, the arch header says %"
				PRIu32, len - sizeof(struct ckpt_hdr), st->xstate_size);
	ckpt_decode_xsave_hdr(rec, &x);
	if (x.xstate_bv & ~st->xfeatures)
		return ckpt_bad(why, size, "XSTATE_BV 0x%" PRIx64
				" has features beyond the arch header's 0x%" PRIx64,
				x.xstate_bv, st->xfeatures);
	return 0;
}

void ckpt_print_xstate(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st)
{
	struct ckpt_xsave_hdr x;

	(void)st;
	ckpt_decode_xsave_hdr(rec, &x);
	fprintf(out, FIELD "%zu bytes\n", "size", len - sizeof(struct ckpt_hdr));
	fprintf(out, FIELD "0x%" PRIx64, "xstate_bv", x.xstate_bv);
	ckpt_print_xfeatures(out, x.xstate_bv);
	putc('\n', out);
}
