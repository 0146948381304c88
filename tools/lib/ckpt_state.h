/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the records read so far establish, to check each new one against
 * it as restart(2) will:
 *
 * - the TREE record lists the tasks; an image taken without
 *   CHECKPOINT_SUBTREE is the one of a pid namespace (CKPT_TREE_CONTAINER);
 * - the state of a task comes in the order of the uapi header: TASK,
 *   CREDS, RLIMITS, FS, SIGHAND, SIGNAL_TASK, two SIGPENDING (the task's
 *   queue, then the process's), ITIMERS, POSIX_TIMERS if the process has
 *   any, SYSCALL_RESTART, CPU_X86_64,
 *   XSTATE, FILE records, FD_TABLE, FILE records (a PIPE record may come
 *   right before any of them), MM, then nr_vmas times a VMA and PAGES
 *   records holding exactly its nr_pages pages, inside it and in
 *   increasing address order; without what the tree says the task shares
 *   with an earlier one: a thread has no RLIMITS, second SIGPENDING,
 *   ITIMERS or POSIX_TIMERS, and no MM, and FS, SIGHAND and the files come only with the
 *   first task that holds them; a task is complete before the next
 *   TASK or the trailer, the first task is the header's root_pid, and
 *   there is one TASK record per task of the tree but its zombies, in its
 *   order (with the same pid and tgid, unless the tree's pids are those
 *   of a container's own pid namespace);
 * - objrefs (of the fd table, the executable, file mappings) name a FILE
 *   record met earlier, the peer_objref of an end of a pipe names a PIPE
 *   record met earlier, and no two FILE or PIPE records share one;
 * - the XSTATE area has the size of the arch header and only its
 *   features; areas and pages are aligned to the header's page size,
 *   areas come in increasing address order without overlapping, and the
 *   vDSO text directly follows its data (vvar).
 *
 * Each record type checks and updates its own part (the track function of
 * its row in the record table); this file holds the order of the records
 * of a task and the tables they share.
 */
#ifndef CKPT_STATE_H
#define CKPT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt_reader.h"

/* A FILE or PIPE record, as later records refer to it */
struct ckpt_file_info {
	int32_t objref;		/* 0: free slot */
	uint32_t type;		/* CKPT_HDR_FILE or CKPT_HDR_PIPE */
	uint32_t kind;		/* FILE: enum ckpt_file_kind */
	uint32_t pipe_size;	/* PIPE: its capacity */
	uint32_t pipe_len;	/* PIPE: the bytes in it */
	char *path;		/* FILE: its path; PIPE: NULL */
};

/*
 * A task of the TREE record, as the TASK records are checked against it,
 * and which records its state holds: a zombie has none, and state it
 * shares with an earlier task is that task's (a thread has no limits,
 * process-wide pending signals or timers of its own)
 */
struct ckpt_tree_info {
	int32_t pid;
	int32_t tgid;
	bool zombie;
	bool thread;
	bool own_mm, own_files, own_fs, own_sighand;
};

/* Most records a task's state begins with: TASK's followers to XSTATE */
#define CKPT_TASK_PREFIX_MAX	12
/* In ckpt_state.prefix: a record that may be left out */
#define CKPT_PREFIX_OPTIONAL	0x80000000u

/* Counts of one task's state */
struct ckpt_task_info {
	int32_t pid;
	char comm[CKPT_COMM_LEN];	/* NUL-terminated */
	uint32_t nr_files;		/* FILE records in its state */
	uint32_t nr_pipes;		/* PIPE records in its state */
	uint64_t pipe_bytes;		/* the bytes in those pipes */
	uint32_t nr_fds;
	uint32_t nr_vmas;
	uint64_t nr_pages;
	uint64_t sigpending;		/* signals pending on it or its process */
	uint32_t nr_itimers_armed;	/* interval timers of its process armed */
	uint32_t nr_posix_timers;	/* POSIX timers of its process */
};

struct ckpt_state {
	/* From the header records */
	uint32_t page_size;
	uint64_t flags;			/* checkpoint(2) flags */
	int32_t root_pid;
	uint64_t xfeatures;
	uint32_t xstate_size;

	/* From the TREE record */
	bool have_tree;
	uint32_t tree_flags;		/* CKPT_TREE_CONTAINER */
	uint32_t tree_nr_tasks;
	struct ckpt_tree_info *tree;	/* its tasks, in its order */

	/* The task being read */
	bool in_task;
	struct ckpt_tree_info cur;	/* its entry in the tree */
	uint32_t tree_next;		/* the entry after it */
	uint32_t prefix[CKPT_TASK_PREFIX_MAX]; /* its records up to XSTATE */
	uint32_t prefix_len;
	uint32_t prefix_pos;		/* how many of them came */
	uint32_t last;			/* type of its last record */
	uint32_t nr_sigpending;		/* its SIGPENDING records so far */
	bool have_fd_table;
	bool have_mm;
	uint32_t nr_vmas;		/* VMA records due after MM */
	uint32_t vmas_seen;
	uint64_t vmas_end;		/* end of the last area */
	uint64_t vdso_start, vvar_end;	/* 0: none yet */
	struct ckpt_task_info task;

	/* The area being read (vmas_seen > 0) */
	uint64_t vma_start, vma_end;
	uint64_t vma_nr_pages;		/* pages it has */
	uint64_t vma_pages_seen;	/* pages read so far */
	uint64_t vma_next;		/* the next pages start there or above */

	/* FILE and PIPE records by objref: an open-addressing hash table */
	struct ckpt_file_info *files;
	size_t files_cap;		/* 0 or a power of two */

	/* Totals */
	uint64_t nr_tasks;		/* TASK records */
	uint64_t nr_files;
	uint64_t nr_pipes;
	uint64_t pipe_bytes;		/* in flight in the pipes */
	uint64_t nr_vmas_total;
	uint64_t nr_pages_total;
};

void ckpt_state_init(struct ckpt_state *st);
/* Frees the tables (the tree's tasks included); the counts stay. */
void ckpt_state_release(struct ckpt_state *st);

/* The task in st->cur begins: which records its state holds */
void ckpt_state_task_begin(struct ckpt_state *st);

/*
 * Checks a record whose contents passed its row's check against the
 * records before it, and takes it in. Records of unknown type are
 * ignored. Returns 0, or -1 after describing the problem in why.
 */
int ckpt_state_add(struct ckpt_state *st, const struct ckpt_record *rec, char *why,
		   size_t size);

/*
 * Whether the task being read still misses records: if so, describes
 * what is due in why ("expected CREDS", "2 of the 5 VMA records"...).
 */
bool ckpt_state_task_pending(const struct ckpt_state *st, char *why, size_t size);

/* The FILE record with this objref, or NULL. */
const struct ckpt_file_info *ckpt_state_file(const struct ckpt_state *st, int32_t objref);
/* The PIPE record with this objref, or NULL. */
const struct ckpt_file_info *ckpt_state_pipe(const struct ckpt_state *st, int32_t objref);

/*
 * Helpers of the track functions. Each returns 0, or -1 after describing
 * the problem in why.
 */
int ckpt_state_add_file(struct ckpt_state *st, int32_t objref, uint32_t kind,
			const char *path, char *why, size_t size);
int ckpt_state_add_pipe(struct ckpt_state *st, int32_t objref, uint32_t pipe_size,
			uint32_t pipe_len, char *why, size_t size);
/* objref must name an earlier FILE record; what names the referrer. */
int ckpt_state_check_objref(const struct ckpt_state *st, int32_t objref,
			    const char *what, char *why, size_t size);
/* Likewise, an earlier PIPE record. */
int ckpt_state_check_pipe(const struct ckpt_state *st, int32_t objref,
			  const char *what, char *why, size_t size);
/* Begins an area of the MM; the previous one must be complete. */
int ckpt_state_begin_vma(struct ckpt_state *st, uint64_t start, uint64_t end,
			 uint64_t nr_pages, char *why, size_t size);
/* Adds saved pages to the current area. */
int ckpt_state_add_pages(struct ckpt_state *st, uint64_t addr, uint32_t nr_pages,
			 char *why, size_t size);

#endif /* CKPT_STATE_H */
