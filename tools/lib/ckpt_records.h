/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Record types of a checkpoint image: decoding, checking and printing.
 *
 * Each known record type has one row in a table giving its name, its
 * length limits, where it may come in the state of a task, a function
 * that checks its contents, one that checks it against the records
 * before it (see ckpt_state.h) and one that prints it. Decoders turn the
 * little-endian stream layout into host order.
 *
 * The table is in ckpt_records.c, with the functions of the stream
 * records (header, error, trailer); those of the tree of tasks are in
 * ckpt_rec_tree.c, and those of the state records in one file per kind
 * of state: ckpt_rec_task.c, ckpt_rec_signal.c, ckpt_rec_timers.c,
 * ckpt_rec_x86.c, ckpt_rec_mm.c, ckpt_rec_files.c and ckpt_rec_pipe.c.
 * The checks follow those restart(2) makes, so that an image ckptinfo
 * accepts is one the kernel reads.
 */
#ifndef CKPT_RECORDS_H
#define CKPT_RECORDS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/checkpoint.h>

struct ckpt_state;

/* Most record types one may directly follow in the state of a task */
#define CKPT_REC_AFTER_MAX	4

struct ckpt_rec_type {
	uint32_t type;
	const char *name;
	uint32_t min_len;	/* records shorter than this are malformed */
	uint32_t max_len;	/* 0: no limit but the reader's */
	/*
	 * Part of the state of a task: a TASK record begins it, any other
	 * may only directly follow one of the types in after[] (0: unused).
	 */
	bool in_task;
	uint32_t after[CKPT_REC_AFTER_MAX];
	/*
	 * Checks the contents of a record of at least min_len bytes.
	 * Returns 0, or -1 after describing the problem in why.
	 */
	int (*check)(const void *rec, uint32_t len, char *why, size_t size);
	/*
	 * Checks a record that passed check() against the records before it
	 * (counts, objrefs, sizes given by the header) and records what
	 * later ones depend on. NULL if there is nothing to track. Returns
	 * 0, or -1 after describing the problem in why.
	 */
	int (*track)(struct ckpt_state *st, const void *rec, uint32_t len, char *why,
		     size_t size);
	/*
	 * Prints the decoded fields, one per line, to out. The record may be
	 * malformed: only its minimum length is guaranteed. st (NULL if
	 * unknown) is the state before the record, to name objects by path.
	 */
	void (*print)(FILE *out, const void *rec, uint32_t len, const struct ckpt_state *st);
};

/*
 * Set (ckptinfo -v) for the print functions to print more: each queued
 * signal of a SIGPENDING record.
 */
extern bool ckpt_rec_verbose;

/* The row for type, or NULL for a type this tool does not know. */
const struct ckpt_rec_type *ckpt_rec_type_find(uint32_t type);

/* The name of a known type ("TASK"), or NULL. */
const char *ckpt_rec_type_name(uint32_t type);

/* Calls fn on every row, in table order. */
void ckpt_rec_type_each(void (*fn)(const struct ckpt_rec_type *rt, void *arg), void *arg);

/* The decoded contents of a CKPT_HDR_ERROR record. */
struct ckpt_error_info {
	int errnum;
	char msg[CKPT_ERROR_MSG_MAX];	/* always NUL-terminated */
};

/*
 * Decoders: rec points at a whole record (struct ckpt_hdr included) of
 * the right type, at least as long as its table row requires. The
 * fixed part of a record is decoded into its struct; the entries that
 * follow it are decoded one at a time.
 */
void ckpt_decode_header(const void *rec, struct ckpt_hdr_header *h);
void ckpt_decode_arch(const void *rec, struct ckpt_hdr_header_arch_x86_64 *a);
void ckpt_decode_error(const void *rec, uint32_t len, struct ckpt_error_info *e);
void ckpt_decode_trailer(const void *rec, struct ckpt_hdr_trailer *t);

void ckpt_decode_tree(const void *rec, struct ckpt_hdr_tree *t);
void ckpt_decode_tree_task(const void *rec, uint32_t i, struct ckpt_tree_task *e);

void ckpt_decode_task(const void *rec, struct ckpt_hdr_task *t);
void ckpt_decode_creds(const void *rec, struct ckpt_hdr_creds *c);
uint32_t ckpt_decode_creds_group(const void *rec, uint32_t i);
void ckpt_decode_rlimits(const void *rec, struct ckpt_hdr_rlimits *r);
void ckpt_decode_fs(const void *rec, struct ckpt_hdr_fs *f);
void ckpt_decode_syscall_restart(const void *rec, struct ckpt_hdr_syscall_restart *r);

void ckpt_decode_sighand(const void *rec, struct ckpt_hdr_sighand *s);
void ckpt_decode_signal_task(const void *rec, struct ckpt_hdr_signal_task *s);
void ckpt_decode_sigpending(const void *rec, struct ckpt_hdr_sigpending *s);

/* What ckptinfo reads of a queued siginfo (the x86_64 siginfo_t) */
struct ckpt_siginfo_fields {
	int32_t signo;		/* offset 0 */
	int32_t errnum;		/* si_errno, 4 */
	int32_t code;		/* si_code, 8 */
	int32_t pid;		/* si_pid, 16 (SI_USER, SI_TKILL, SI_QUEUE) */
	uint32_t uid;		/* si_uid, 20 (same) */
	uint64_t value;		/* si_value, 24 (SI_QUEUE, SI_TIMER) */
	int32_t timer;		/* si_timerid, 16 (SI_TIMER) */
	int32_t overrun;	/* si_overrun, 20 (SI_TIMER) */
	int32_t own;		/* si_sys_private, 32 (SI_TIMER): the timer queued it */
};

void ckpt_decode_siginfo(const void *rec, uint32_t i, struct ckpt_siginfo_fields *f);

void ckpt_decode_itimers(const void *rec, struct ckpt_hdr_itimers *t);
void ckpt_decode_posix_timers(const void *rec, struct ckpt_hdr_posix_timers *h);
void ckpt_decode_posix_timer(const void *rec, uint32_t i, struct ckpt_posix_timer *e);

void ckpt_decode_cpu_x86_64(const void *rec, struct ckpt_hdr_cpu_x86_64 *c);

/* The XSAVE header of a CKPT_HDR_XSTATE record's area, at offset 512 */
#define CKPT_XSAVE_HDR_OFFSET	512
#define CKPT_XSAVE_MIN_SIZE	(CKPT_XSAVE_HDR_OFFSET + 64)

struct ckpt_xsave_hdr {
	uint64_t xstate_bv;		/* features whose state is in the area */
	uint64_t xcomp_bv;		/* 0: standard format */
	uint64_t reserved[6];
};

void ckpt_decode_xsave_hdr(const void *rec, struct ckpt_xsave_hdr *x);

void ckpt_decode_mm(const void *rec, struct ckpt_hdr_mm *m);
void ckpt_decode_vma(const void *rec, struct ckpt_hdr_vma *v);
void ckpt_decode_pages(const void *rec, struct ckpt_hdr_pages *p);

void ckpt_decode_file(const void *rec, struct ckpt_hdr_file *f);
void ckpt_decode_fd_table(const void *rec, struct ckpt_hdr_fd_table *t);
void ckpt_decode_fd_entry(const void *rec, uint32_t i, struct ckpt_fd_entry *e);
void ckpt_decode_pipe(const void *rec, struct ckpt_hdr_pipe *p);

#endif /* CKPT_RECORDS_H */
