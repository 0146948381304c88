/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the record table: the functions of its rows, one group per
 * kind of state, and the helpers they share.
 */
#ifndef CKPT_REC_IMPL_H
#define CKPT_REC_IMPL_H

#include <endian.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ckpt_records.h"

struct ckpt_state;

#define FIELD	"    %-15s "	/* indentation and name column of a field */

/* Reading little-endian values at any alignment */
static inline uint32_t ckpt_le32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static inline uint64_t ckpt_le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

/* Decodes the struct ckpt_hdr of a record copied into a struct. */
static inline void ckpt_decode_hdr(struct ckpt_hdr *h)
{
	h->type = le32toh(h->type);
	h->len = le32toh(h->len);
}

/* Whether n bytes at p are all zero. */
bool ckpt_all_zero(const void *p, size_t n);

/* Describes a problem in why; returns -1. */
__attribute__((format(printf, 3, 4)))
int ckpt_bad(char *why, size_t size, const char *fmt, ...);

/*
 * Checks a string field of len bytes (its NUL included) at s: ends with
 * its only NUL, and is an absolute path if path is set.
 */
int ckpt_check_str(const char *s, uint32_t len, bool path, const char *what,
		   char *why, size_t size);

/* Prints FIELD name then "s" (at most max bytes, escaped), and a newline. */
void ckpt_print_field_str(FILE *out, const char *name, const char *s, size_t max);

/* Prints FIELD name then a UTC date. */
void ckpt_print_time(FILE *out, const char *name, int64_t sec, uint32_t nsec);

/* "SIGINT", "SIGRTMIN+3", or "signal 70" into buf. */
const char *ckpt_sig_name(unsigned int sig, char *buf, size_t size);

/* Prints a signal set (bit n-1 for signal n) as hex and names. */
void ckpt_print_sigset(FILE *out, uint64_t set);

/* Prints objref and, if st knows it, the path of its file. */
void ckpt_print_objref(FILE *out, const struct ckpt_state *st, int32_t objref);

/* A named bit (or group of bits) of a flags field */
struct ckpt_flag_name {
	uint64_t flag;
	const char *name;
};

/* Prints " (NAME NAME 0xrest)" for the named bits of flags, if any is set. */
void ckpt_print_flags(FILE *out, uint64_t flags, const struct ckpt_flag_name *names,
		      size_t n);

/* Prints the XSAVE feature names of mask, e.g. " (x87 sse avx)". */
void ckpt_print_xfeatures(FILE *out, uint64_t mask);

/* Row functions: ckpt_rec_tree.c */
int ckpt_check_tree(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_tree(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size);
void ckpt_print_tree(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);

/* ckpt_rec_task.c */
int ckpt_check_task(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_task(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size);
void ckpt_print_task(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_creds(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_creds(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_rlimits(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_rlimits(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_fs(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_fs(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_syscall_restart(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_syscall_restart(FILE *out, const void *rec, uint32_t len,
				const struct ckpt_state *st);

/* ckpt_rec_signal.c */
int ckpt_check_sighand(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_sighand(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_signal_task(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_signal_task(FILE *out, const void *rec, uint32_t len,
			    const struct ckpt_state *st);
int ckpt_check_sigpending(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_sigpending(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
			  size_t size);
void ckpt_print_sigpending(FILE *out, const void *rec, uint32_t len,
			   const struct ckpt_state *st);

/* ckpt_rec_timers.c */
int ckpt_check_itimers(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_itimers(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		       size_t size);
void ckpt_print_itimers(FILE *out, const void *rec, uint32_t len,
			const struct ckpt_state *st);
int ckpt_check_posix_timers(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_posix_timers(struct ckpt_state *st, const void *rec, uint32_t len,
			    char *why, size_t size);
void ckpt_print_posix_timers(FILE *out, const void *rec, uint32_t len,
			     const struct ckpt_state *st);

/* ckpt_rec_x86.c */
int ckpt_check_cpu_x86_64(const void *rec, uint32_t len, char *why, size_t size);
void ckpt_print_cpu_x86_64(FILE *out, const void *rec, uint32_t len,
			   const struct ckpt_state *st);
int ckpt_check_xstate(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_xstate(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		      size_t size);
void ckpt_print_xstate(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);

/* ckpt_rec_mm.c */
int ckpt_check_mm(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_mm(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		  size_t size);
void ckpt_print_mm(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_vma(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_vma(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		   size_t size);
void ckpt_print_vma(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_pages(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_pages(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		     size_t size);
void ckpt_print_pages(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);

/* ckpt_rec_files.c */
int ckpt_check_file(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_file(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size);
void ckpt_print_file(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
int ckpt_check_fd_table(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_fd_table(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
			size_t size);
void ckpt_print_fd_table(FILE *out, const void *rec, uint32_t len,
			 const struct ckpt_state *st);

/* ckpt_rec_pipe.c */
int ckpt_check_pipe(const void *rec, uint32_t len, char *why, size_t size);
int ckpt_track_pipe(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		    size_t size);
void ckpt_print_pipe(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);

#endif /* CKPT_REC_IMPL_H */
