// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the functions of the record table.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <time.h>

#include "ckpt_rec_impl.h"
#include "ckpt_state.h"
#include "ckpt_util.h"

bool ckpt_all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

int ckpt_bad(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -1;
}

int ckpt_check_str(const char *s, uint32_t len, bool path, const char *what,
		   char *why, size_t size)
{
	if (!len || s[len - 1] != '\0')
		return ckpt_bad(why, size, "%s is not NUL-terminated", what);
	if (strlen(s) != len - 1)
		return ckpt_bad(why, size, "%s has a NUL byte before its end", what);
	if (path && s[0] != '/')
		return ckpt_bad(why, size, "%s is not an absolute path", what);
	return 0;
}

void ckpt_print_field_str(FILE *out, const char *name, const char *s, size_t max)
{
	fprintf(out, FIELD "\"", name);
	ckpt_print_str(out, s, max);
	fputs("\"\n", out);
}

void ckpt_print_time(FILE *out, const char *name, int64_t sec, uint32_t nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm)) {
		fprintf(out, FIELD "%" PRId64 ".%09" PRIu32 " (not a valid date)\n",
			name, sec, nsec);
		return;
	}
	fprintf(out, FIELD "%s.%09" PRIu32 " UTC (%" PRId64 ")\n", name, buf, nsec, sec);
}

/* Signal numbers of x86_64, the only architecture of the format so far */
static const char *const sig_names[] = {
	[1] = "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
	"SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
	"SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
	"SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
	"SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
	"SIGSYS",
};

#define KERNEL_SIGRTMIN	32

const char *ckpt_sig_name(unsigned int sig, char *buf, size_t size)
{
	if (sig < CKPT_ARRAY_SIZE(sig_names) && sig_names[sig])
		return sig_names[sig];
	if (sig >= KERNEL_SIGRTMIN && sig <= CKPT_NSIG)
		snprintf(buf, size, "SIGRTMIN+%u", sig - KERNEL_SIGRTMIN);
	else
		snprintf(buf, size, "signal %u", sig);
	return buf;
}

void ckpt_print_sigset(FILE *out, uint64_t set)
{
	unsigned int sig;
	char buf[32];
	const char *sep = " (";

	fprintf(out, "0x%" PRIx64, set);
	for (sig = 1; sig <= CKPT_NSIG; sig++) {
		if (!(set & (1ULL << (sig - 1))))
			continue;
		/* "SIGINT" -> "INT" */
		fprintf(out, "%s%s", sep, ckpt_sig_name(sig, buf, sizeof(buf)) + 3);
		sep = " ";
	}
	if (set)
		putc(')', out);
}

void ckpt_print_objref(FILE *out, const struct ckpt_state *st, int32_t objref)
{
	const struct ckpt_file_info *f = ckpt_state_file(st, objref);

	fprintf(out, "objref %" PRId32, objref);
	if (f) {
		fputs(" \"", out);
		ckpt_print_str(out, f->path, CKPT_PATH_MAX);
		putc('"', out);
	} else {
		fputs(" (unknown)", out);
	}
}

void ckpt_print_flags(FILE *out, uint64_t flags, const struct ckpt_flag_name *names,
		      size_t n)
{
	bool any = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!names[i].flag || (flags & names[i].flag) != names[i].flag)
			continue;
		fprintf(out, "%s%s", any ? " " : " (", names[i].name);
		flags &= ~names[i].flag;
		any = true;
	}
	if (!any)
		return;
	if (flags)
		fprintf(out, " 0x%" PRIx64, flags);
	putc(')', out);
}

/* XSAVE state components, by bit number */
static const char *const xfeature_names[] = {
	"x87", "sse", "avx", "bndregs", "bndcsr", "opmask", "zmm_hi256",
	"hi16_zmm", "pt", "pkru", "pasid", "cet_u", "cet_s", "hdc", "uintr",
	"lbr", "hwp", "xtilecfg", "xtiledata", "apx",
};

void ckpt_print_xfeatures(FILE *out, uint64_t mask)
{
	const char *sep = " (";
	unsigned int bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		if (bit < CKPT_ARRAY_SIZE(xfeature_names))
			fprintf(out, "%s%s", sep, xfeature_names[bit]);
		else
			fprintf(out, "%sbit%u", sep, bit);
		sep = " ";
	}
	if (mask)
		putc(')', out);
}
