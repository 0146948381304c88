/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoint/restart: kernel-internal API shared by the core in
 * checkpoint/ and the architecture code in arch/x86/checkpoint/.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <uapi/linux/checkpoint.h>

struct file;
struct page;
struct pid_namespace;
struct task_struct;
struct ckpt_objhash;
struct ckpt_rst_task;
struct ckpt_rst_fs;
struct ckpt_rst_signal;
struct ckpt_rst_syscall;
struct ckpt_rst_cpu;
struct ckpt_rst_files;
struct ckpt_rst_timers;
struct ckpt_hdr_tree;
struct ckpt_tree_task;

#ifdef CONFIG_X86_64
#define CKPT_ARCH_ID		CKPT_ARCH_X86_64
#endif

/* Upper bound for the length of any record; readers check it first */
#define CKPT_RECORD_MAX		(64U << 20)

/* Largest record that the generic readers allocate a buffer for */
#define CKPT_RECORD_ALLOC_MAX	(2U << 20)

enum ckpt_op {
	CKPT_OP_CHECKPOINT,
	CKPT_OP_RESTART,
};

/**
 * struct ckpt_ctx - one checkpoint or restart operation
 * @op: what the operation does
 * @ckpt_id: id of the checkpoint (written at checkpoint, read at restart)
 * @flags: the flags given to the system call
 * @file: the image stream; read or written sequentially, never seeked
 * @ppos: where the stream is (the file's own position), NULL for streams
 *	such as pipes that have none
 * @root: the task checkpoint(2) was asked for, or the restarting task
 * @root_pid: pid of @root in the caller's pid namespace
 * @task_pid: pid, in the caller's pid namespace, of the task whose state
 *	is being saved or restored, for messages
 * @cur: index in the tree of the task whose state is being saved or
 *	restored
 * @tasks: checkpoint: the tasks of the image, in tree order, @root first,
 *	each with a reference
 * @nr_tasks: checkpoint: how many
 * @tasks_sorted: checkpoint: @tasks sorted by address, once the tree is
 *	written (ckpt_tree_has())
 * @pid_ns: checkpoint: the pid namespace the image's pids are taken in
 * @tree: the tree record, once written (checkpoint) or read and checked
 *	(restart)
 * @tree_by_pid: restart: indexes of @tree's tasks, sorted by pid
 * @objhash: shared objects met so far, by address and by objref
 * @nr_records: records read or written so far
 * @peek: restart: the header of the next record, read ahead
 * @peeked: restart: @peek holds a header not consumed yet
 * @stream_broken: a write to @file failed; nothing more can be appended
 * @no_return: restart: the caller's state is being replaced; a failure
 *	from here on kills it
 * @retval: restart: what the system call returns into the restored task
 * @xstate_size: restart: size of the XSAVE area, from the arch header
 * @rst_task: restart: task state read, applied once the image is read
 * @rst_fs: restart: fs context likewise
 * @rst_signal: restart: signal state likewise
 * @rst_syscall: restart: interrupted system call likewise
 * @rst_cpu: restart: CPU state likewise
 * @rst_files: restart: files and fd table likewise
 * @rst_timers: restart: the interval and POSIX timers likewise
 * @resume: restart: what the restored tasks do as they resume, struct
 *	ckpt_resume
 * @nr_resume: restart: how many entries @resume has
 * @err_errno: errno of the first error reported with ckpt_err()
 * @err_msg: message of that error, NUL-terminated, empty if none
 */
struct ckpt_ctx {
	enum ckpt_op op;
	u64 ckpt_id;
	unsigned long flags;
	struct file *file;
	loff_t *ppos;
	struct task_struct *root;
	pid_t root_pid;
	pid_t task_pid;
	u32 cur;
	struct task_struct **tasks;
	unsigned int nr_tasks;
	struct task_struct **tasks_sorted;
	struct pid_namespace *pid_ns;
	struct ckpt_hdr_tree *tree;
	u32 *tree_by_pid;
	struct ckpt_objhash *objhash;
	u32 nr_records;
	struct ckpt_hdr peek;
	bool peeked;
	bool stream_broken;
	bool no_return;
	long retval;
	u32 xstate_size;
	struct ckpt_rst_task *rst_task;
	struct ckpt_rst_fs *rst_fs;
	struct ckpt_rst_signal *rst_signal;
	struct ckpt_rst_syscall *rst_syscall;
	struct ckpt_rst_cpu *rst_cpu;
	struct ckpt_rst_files *rst_files;
	struct ckpt_rst_timers *rst_timers;
	struct list_head resume;
	unsigned int nr_resume;
	int err_errno;
	char err_msg[CKPT_ERROR_MSG_MAX];
};

/* sys.c */
struct ckpt_ctx *ckpt_ctx_alloc(enum ckpt_op op, struct file *file,
				unsigned long flags);
void ckpt_ctx_free(struct ckpt_ctx *ctx);
int ckpt_may_checkpoint(struct task_struct *task);
__printf(3, 4)
void ckpt_err(struct ckpt_ctx *ctx, int err, const char *fmt, ...);

/* image.c: record output */
int ckpt_kwrite(struct ckpt_ctx *ctx, const void *buf, size_t len);
int ckpt_write_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   u32 len);
int ckpt_write_buffer(struct ckpt_ctx *ctx, u32 type, const void *data,
		      u32 len);
int ckpt_write_error(struct ckpt_ctx *ctx);
int ckpt_write_obj_data(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
			u32 len, const void *data, u32 data_len);
int ckpt_write_pages(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 len,
		     struct page **pages, unsigned int nr);

/* image.c: record input */
int ckpt_kread(struct ckpt_ctx *ctx, void *buf, size_t len);
int ckpt_read_hdr(struct ckpt_ctx *ctx, struct ckpt_hdr *h);
int ckpt_read_obj(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		  u32 len);
void *ckpt_read_obj_alloc(struct ckpt_ctx *ctx, u32 type, u32 min_len,
			  u32 max_len);
int ckpt_peek_type(struct ckpt_ctx *ctx, u32 *type);
int ckpt_read_obj_head(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		       u32 head_len, u32 max_len);
int ckpt_read_user(struct ckpt_ctx *ctx, void __user *ubuf, size_t len);

/**
 * struct ckpt_obj_ops - how the object hash handles one kind of object
 * @name: name of the kind, for messages
 * @ref: take a reference to an object when it enters the hash
 * @unref: drop that reference when the operation ends
 */
struct ckpt_obj_ops {
	const char *name;
	void (*ref)(void *ptr);
	void (*unref)(void *ptr);
};

/* objhash.c */
int ckpt_objhash_alloc(struct ckpt_ctx *ctx);
void ckpt_objhash_free(struct ckpt_ctx *ctx);
int ckpt_obj_lookup(struct ckpt_ctx *ctx, void *ptr,
		    const struct ckpt_obj_ops *ops);
int ckpt_obj_lookup_add(struct ckpt_ctx *ctx, void *ptr,
			const struct ckpt_obj_ops *ops, bool *first);
int ckpt_obj_insert(struct ckpt_ctx *ctx, void *ptr, int objref,
		    const struct ckpt_obj_ops *ops);
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, int objref,
		     const struct ckpt_obj_ops *ops);
void *ckpt_obj_find(struct ckpt_ctx *ctx, int objref,
		    const struct ckpt_obj_ops *ops);

/**
 * enum ckpt_share - state a task may share with a task before it
 * @CKPT_SHARE_NONE: nothing: state of the task's own
 * @CKPT_SHARE_MM: the address space (tree entry's @share_mm)
 * @CKPT_SHARE_FILES: the descriptor table (@share_files)
 * @CKPT_SHARE_FS: root, working directory and umask (@share_fs)
 * @CKPT_SHARE_SIGHAND: the signal handlers (@share_sighand)
 * @CKPT_SHARE_SIGNAL: the state of the process as a whole (limits, shared
 *	pending signals, timers), which threads share with their leader
 *
 * The records of shared state are written once, with the first task that
 * holds it; the tasks that share it have none.
 */
enum ckpt_share {
	CKPT_SHARE_NONE,
	CKPT_SHARE_MM,
	CKPT_SHARE_FILES,
	CKPT_SHARE_FS,
	CKPT_SHARE_SIGHAND,
	CKPT_SHARE_SIGNAL,
};

/* The kinds of state, CKPT_SHARE_MM to CKPT_SHARE_SIGHAND, tasks share */
#define CKPT_NR_SHARED		4

/**
 * struct ckpt_held - what a task holds that other tasks may share
 * @ptr: the address of each, indexed by enum ckpt_share - 1
 * @users: how many users each has: tasks, and for an address space also
 *	who holds it for a moment (mm_users; see ckpt_mm_tasks())
 */
struct ckpt_held {
	const void *ptr[CKPT_NR_SHARED];
	long users[CKPT_NR_SHARED];
};

/**
 * struct ckpt_task_kind - one kind of per-task state
 * @name: name of the kind, for messages
 * @checkpoint: write the records of this kind for a task; NULL for a row
 *	that only checks or commits what another kind read
 * @restore: read them at restart, check them and prepare what they hold;
 *	only the memory kind may change the restarting task (the last that
 *	reads records); may be NULL for such a row
 * @commit: apply what @restore prepared, once the whole image was read;
 *	called in table order, may be NULL
 * @cleanup: release what @restore prepared, whether or not @commit ran;
 *	may be NULL
 * @prepare: check, before any task is saved, what the tasks share with
 *	the rest of the system; may be NULL
 * @shared: a task that shares this state with one before it has no
 *	records of this kind: the orchestrators skip it (but @cleanup)
 *
 * ckpt_task_kinds[] lists the kinds in image order.
 */
struct ckpt_task_kind {
	const char *name;
	int (*checkpoint)(struct ckpt_ctx *ctx, struct task_struct *task);
	int (*restore)(struct ckpt_ctx *ctx);
	int (*commit)(struct ckpt_ctx *ctx);
	void (*cleanup)(struct ckpt_ctx *ctx);
	int (*prepare)(struct ckpt_ctx *ctx);
	enum ckpt_share shared;
};

extern const struct ckpt_task_kind ckpt_task_kinds[];
extern const unsigned int ckpt_nr_task_kinds;

/* task.c */
int ckpt_checkpoint_task(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_restore_task(struct ckpt_ctx *ctx);
int ckpt_commit_task(struct ckpt_ctx *ctx);
int ckpt_commit_rlimits(struct ckpt_ctx *ctx);
void ckpt_cleanup_task(struct ckpt_ctx *ctx);

/* fs.c */
int ckpt_checkpoint_fs(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_restore_fs(struct ckpt_ctx *ctx);
int ckpt_commit_fs(struct ckpt_ctx *ctx);
void ckpt_cleanup_fs(struct ckpt_ctx *ctx);

/* signal.c */
int ckpt_checkpoint_signals(struct ckpt_ctx *ctx, struct task_struct *task);
void ckpt_restore_stop(int signr, bool waited);
int ckpt_restore_signals(struct ckpt_ctx *ctx);
int ckpt_commit_signals(struct ckpt_ctx *ctx);
int ckpt_restore_sigpending(struct ckpt_ctx *ctx);
int ckpt_commit_sigpending(struct ckpt_ctx *ctx);
void ckpt_cleanup_signals(struct ckpt_ctx *ctx);

/* timers.c */
int ckpt_checkpoint_timers(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_restore_timers(struct ckpt_ctx *ctx);
int ckpt_commit_timers(struct ckpt_ctx *ctx);
void ckpt_cleanup_timers(struct ckpt_ctx *ctx);
bool ckpt_timer_signal_ok(struct ckpt_ctx *ctx, int id, int signo, bool thread);
int ckpt_cmp_timer_id(const void *a, const void *b);

/* syscall.c */
int ckpt_checkpoint_syscall(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_restore_syscall(struct ckpt_ctx *ctx);
int ckpt_commit_syscall(struct ckpt_ctx *ctx);
void ckpt_cleanup_syscall(struct ckpt_ctx *ctx);

/* files.c */
int ckpt_checkpoint_files(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_restore_files(struct ckpt_ctx *ctx);
int ckpt_commit_files(struct ckpt_ctx *ctx);
void ckpt_cleanup_files(struct ckpt_ctx *ctx);
int ckpt_prepare_files(struct ckpt_ctx *ctx);
int ckpt_check_external(struct ckpt_ctx *ctx);
int ckpt_checkpoint_file(struct ckpt_ctx *ctx, struct file *file,
			 const char *what, int *objref);
int ckpt_restore_file_records(struct ckpt_ctx *ctx, u32 max);
struct file *ckpt_file_fetch(struct ckpt_ctx *ctx, int objref);
void ckpt_obj_file_get(void *ptr);
void ckpt_obj_file_put(void *ptr);

/* memory.c */
int ckpt_checkpoint_mm(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_restore_mm(struct ckpt_ctx *ctx);

/* arch/<arch>/checkpoint/: CPU state */
int ckpt_arch_checkpoint_cpu(struct ckpt_ctx *ctx, struct task_struct *task);
int ckpt_arch_restore_cpu(struct ckpt_ctx *ctx);
int ckpt_arch_commit_cpu(struct ckpt_ctx *ctx);
void ckpt_arch_cleanup_cpu(struct ckpt_ctx *ctx);
bool ckpt_arch_in_syscall_restart(struct task_struct *task, bool *restart_block);
bool ckpt_arch_task_supported(struct task_struct *task);

/* tree.c */
int ckpt_tree_collect(struct ckpt_ctx *ctx);
void ckpt_tree_free(struct ckpt_ctx *ctx);
int ckpt_tree_write(struct ckpt_ctx *ctx);
int ckpt_tree_read(struct ckpt_ctx *ctx);
bool ckpt_tree_is_zombie(struct task_struct *task);
bool ckpt_tree_has(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_cmp_ptr(const void *a, const void *b);
int ckpt_tree_index(struct ckpt_ctx *ctx, pid_t pid);
bool ckpt_task_shares(const struct ckpt_ctx *ctx, enum ckpt_share what);
u32 ckpt_tree_share(const struct ckpt_tree_task *e, enum ckpt_share what);
void ckpt_task_held(struct task_struct *t, struct ckpt_held *held);
long ckpt_mm_tasks(void);

/**
 * struct ckpt_resume - what a restored task does as it resumes
 * @node: in &ckpt_ctx.resume
 * @index: the task's entry in the tree
 * @run: done by that task once every task of the restart is restored,
 *	before any returns to user space
 * @free: frees the struct, whether @run was done or not
 *
 * State that runs by itself once set (a timer) is set then, not at the
 * task's turn: the tasks restored after it would else give it time.
 */
struct ckpt_resume {
	struct list_head node;
	u32 index;
	void (*run)(struct ckpt_resume *rs);
	void (*free)(struct ckpt_resume *rs);
};

/* checkpoint.c, restart.c: the two orchestrators */
long ckpt_do_checkpoint(struct ckpt_ctx *ctx);
long ckpt_do_restart(struct ckpt_ctx *ctx);
int ckpt_restart_prologue(struct ckpt_ctx *ctx);
int ckpt_restart_task(struct ckpt_ctx *ctx, u32 index, bool last);
void ckpt_resume_add(struct ckpt_ctx *ctx, struct ckpt_resume *rs);
unsigned int ckpt_resume_run(struct ckpt_ctx *ctx, u32 index);
void ckpt_resume_free(struct ckpt_ctx *ctx);

/* coordinator.c: the restart of a tree of tasks */
long ckpt_coordinate(struct file *file, pid_t pid, unsigned long flags);
long ckpt_join(struct file *file, unsigned long flags, int *exit_code);

/* arch/<arch>/checkpoint/: the architecture header record */
int ckpt_arch_write_header(struct ckpt_ctx *ctx);
int ckpt_arch_read_header(struct ckpt_ctx *ctx);

#endif /* _LINUX_CHECKPOINT_H */
