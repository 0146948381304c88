/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart: system call flags and the image format.
 *
 * An image is a stream of records. Every record starts with a struct
 * ckpt_hdr giving its type and its length in bytes (header included).
 * Records are padded with zero bytes to a multiple of 8 bytes; the
 * padding is not counted in ckpt_hdr.len. Fields are fixed-width, with
 * explicit padding, in the byte order of the writer's architecture (named
 * in the header; little-endian for x86_64, the only one so far), so that
 * the same image decodes the same way in the kernel and in user space.
 *
 * A stream is: one CKPT_HDR_HEADER, one CKPT_HDR_HEADER_ARCH, one
 * CKPT_HDR_TREE listing the tasks, the state records of each task in the
 * order of the tree, one CKPT_HDR_TRAILER. A checkpoint that fails writes
 * a CKPT_HDR_ERROR record naming the cause and stops; such an image has
 * no trailer and cannot be restarted.
 *
 * The state of one task is, in this order: CKPT_HDR_TASK, CKPT_HDR_CREDS,
 * CKPT_HDR_RLIMITS, CKPT_HDR_FS, CKPT_HDR_SIGHAND, CKPT_HDR_SIGNAL_TASK,
 * two CKPT_HDR_SIGPENDING (the task's queue, then the process's),
 * CKPT_HDR_ITIMERS, CKPT_HDR_POSIX_TIMERS if the process has any,
 * CKPT_HDR_SYSCALL_RESTART, the architecture's CPU records (x86_64:
 * CKPT_HDR_CPU_X86_64 then CKPT_HDR_XSTATE), the CKPT_HDR_FILE records of
 * every open file, CKPT_HDR_FD_TABLE, the CKPT_HDR_FILE records of files
 * that are only mapped, CKPT_HDR_MM and, for each of its nr_vmas areas, a
 * CKPT_HDR_VMA followed by CKPT_HDR_PAGES records holding its nr_pages
 * saved pages. State a task shares with an earlier task of the tree (its
 * entry's share_* fields) is that task's: it has no CKPT_HDR_FS,
 * CKPT_HDR_SIGHAND, files and fd table, or memory records of its own. A
 * thread other than its process's leader has no CKPT_HDR_RLIMITS, no
 * second CKPT_HDR_SIGPENDING, no CKPT_HDR_ITIMERS and no
 * CKPT_HDR_POSIX_TIMERS: those are the process's, saved with the leader.
 *
 * Shared objects (files so far) are written once, the first time they are
 * met, in a record that carries a positive objref; later records refer to
 * them by that objref. An object is always written before any reference
 * to it, so the stream is read front to back without seeking.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

/*
 * checkpoint(2) flags. Without CHECKPOINT_SUBTREE, pid must be the init of
 * a pid namespace other than the initial one and the caller's own (unless
 * the caller is that init), and the whole namespace is taken.
 */
/*
 * CHECKPOINT_EXTERNAL, with CHECKPOINT_SUBTREE only, accepts what the tasks
 * share with tasks outside the image (the end of a pipe): it is not shared
 * after a restart. Without it such sharing is refused.
 */
#define CHECKPOINT_SUBTREE	0x1UL	/* the task and all its descendants */
#define CHECKPOINT_EXTERNAL	0x2UL	/* accept sharing with tasks outside */
#define CHECKPOINT_FLAGS_ALL	(CHECKPOINT_SUBTREE | CHECKPOINT_EXTERNAL)

/*
 * restart(2) flags. An image of one task is restarted by that task alone:
 * restart(0, fd, flags). An image of several is restarted by a tree of
 * tasks built for it (see Documentation/checkpoint/usage.rst): each calls
 * restart(0, fd, RESTART_JOIN) on the same open image, and a coordinator
 * outside the tree calls restart(root, fd, RESTART_COORDINATE), which
 * reads the tree, has the tasks restore themselves in image order and
 * returns once all of them are restored, or killed after a failure.
 */
#define RESTART_FORCE_FILES	0x1UL	/* accept files changed since checkpoint */
#define RESTART_COORDINATE	0x2UL	/* coordinate the restart of the tree of pid */
#define RESTART_JOIN		0x4UL	/* restore the caller as its task of the image */
#define RESTART_FLAGS_ALL	(RESTART_FORCE_FILES | RESTART_COORDINATE | \
				 RESTART_JOIN)

/* "lnxckpt\0" and "ckptend\0" as they appear in the stream */
#define CKPT_MAGIC_HEAD		0x0074706b63786e6cULL
#define CKPT_MAGIC_TAIL		0x00646e6574706b63ULL

/* Bumped on any incompatible change to the records below */
#define CKPT_FORMAT_VERSION	3

/* Records are padded to this alignment in the stream */
#define CKPT_RECORD_ALIGN	8

/* Architectures (struct ckpt_hdr_header.arch) */
enum ckpt_arch {
	CKPT_ARCH_X86_64 = 1,
};

/*
 * Record types. Numbers are part of the format and never reused.
 * 1-99: stream structure; further ranges are reserved per kind of state.
 */
enum ckpt_hdr_type {
	CKPT_HDR_HEADER = 1,		/* struct ckpt_hdr_header */
	CKPT_HDR_HEADER_ARCH = 2,	/* struct ckpt_hdr_header_arch_x86_64 */
	CKPT_HDR_ERROR = 3,		/* struct ckpt_hdr_error + message */
	CKPT_HDR_TRAILER = 4,		/* struct ckpt_hdr_trailer */
	CKPT_HDR_TREE = 5,		/* struct ckpt_hdr_tree + tasks */

	/* 100-199: a task, its identity and its own state */
	CKPT_HDR_TASK = 100,		/* struct ckpt_hdr_task */
	CKPT_HDR_CREDS = 101,		/* struct ckpt_hdr_creds + groups */
	CKPT_HDR_RLIMITS = 102,		/* struct ckpt_hdr_rlimits */
	CKPT_HDR_FS = 103,		/* struct ckpt_hdr_fs + two paths */
	CKPT_HDR_SYSCALL_RESTART = 104,	/* struct ckpt_hdr_syscall_restart */

	/* 200-299: CPU state of the writer's architecture */
	CKPT_HDR_CPU_X86_64 = 200,	/* struct ckpt_hdr_cpu_x86_64 */
	CKPT_HDR_XSTATE = 201,		/* struct ckpt_hdr + XSAVE area */

	/* 300-399: memory */
	CKPT_HDR_MM = 300,		/* struct ckpt_hdr_mm */
	CKPT_HDR_VMA = 301,		/* struct ckpt_hdr_vma */
	CKPT_HDR_PAGES = 302,		/* struct ckpt_hdr_pages + page data */

	/* 400-499: files */
	CKPT_HDR_FILE = 400,		/* struct ckpt_hdr_file + path */
	CKPT_HDR_FD_TABLE = 401,	/* struct ckpt_hdr_fd_table + entries */
	CKPT_HDR_PIPE = 402,		/* struct ckpt_hdr_pipe + data */

	/* 500-599: signals */
	CKPT_HDR_SIGHAND = 500,		/* struct ckpt_hdr_sighand */
	CKPT_HDR_SIGNAL_TASK = 501,	/* struct ckpt_hdr_signal_task */
	CKPT_HDR_SIGPENDING = 502,	/* struct ckpt_hdr_sigpending + infos */

	/* 600-699: timers */
	CKPT_HDR_ITIMERS = 600,		/* struct ckpt_hdr_itimers */
	CKPT_HDR_POSIX_TIMERS = 601,	/* struct ckpt_hdr_posix_timers + timers */

	CKPT_HDR_TYPE_MAX
};

/**
 * struct ckpt_hdr - the start of every record
 * @type: one of enum ckpt_hdr_type
 * @len: length of the record in bytes, this header included, padding not
 */
struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

#define CKPT_UTS_LEN	65	/* __NEW_UTS_LEN + 1 */

/**
 * struct ckpt_hdr_header - first record of an image
 * @h: record header (CKPT_HDR_HEADER)
 * @magic: CKPT_MAGIC_HEAD
 * @format: CKPT_FORMAT_VERSION of the writer
 * @arch: enum ckpt_arch of the writer
 * @page_size: page size of the writer in bytes
 * @flags: the checkpoint(2) flags used
 * @ckpt_id: the checkpoint id that checkpoint(2) returned
 * @time_sec: wall-clock time of the checkpoint, seconds since the epoch
 * @time_nsec: nanoseconds part of @time_sec
 * @kernel_version: KERNEL_VERSION() of the writer's release (0 if unknown)
 * @root_pid: pid of the checkpointed task in the caller's pid namespace
 * @__pad: zero
 * @sysname: utsname of the writer, NUL-terminated
 * @nodename: hostname of the checkpointed task, NUL-terminated
 * @release: kernel release of the writer, NUL-terminated
 * @version: kernel version string of the writer, NUL-terminated
 * @machine: machine name of the writer, NUL-terminated
 * @__pad2: zero
 */
struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__u64 magic;
	__u16 format;
	__u16 arch;
	__u32 page_size;
	__u64 flags;
	__u64 ckpt_id;
	__s64 time_sec;
	__u32 time_nsec;
	__u32 kernel_version;
	__s32 root_pid;
	__u32 __pad;
	char sysname[CKPT_UTS_LEN];
	char nodename[CKPT_UTS_LEN];
	char release[CKPT_UTS_LEN];
	char version[CKPT_UTS_LEN];
	char machine[CKPT_UTS_LEN];
	__u8 __pad2[3];
};

/**
 * struct ckpt_hdr_header_arch_x86_64 - CPU facts an x86_64 image depends on
 * @h: record header (CKPT_HDR_HEADER_ARCH)
 * @xfeatures: XSAVE features enabled for user space by the writer (XCR0)
 * @xstate_size: size in bytes of the user XSAVE area of the writer
 * @__pad: zero
 *
 * Restart refuses an image whose @xfeatures are not all enabled on the
 * restarting CPU.
 */
struct ckpt_hdr_header_arch_x86_64 {
	struct ckpt_hdr h;
	__u64 xfeatures;
	__u32 xstate_size;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_error - why a checkpoint failed
 * @h: record header (CKPT_HDR_ERROR)
 * @errnum: the positive errno checkpoint(2) returned
 * @__pad: zero
 * @msg: NUL-terminated message naming the cause, filling the rest of the
 *	record (at most CKPT_ERROR_MSG_MAX bytes with the NUL)
 */
struct ckpt_hdr_error {
	struct ckpt_hdr h;
	__s32 errnum;
	__u32 __pad;
	char msg[];
};

#define CKPT_ERROR_MSG_MAX	256

/**
 * struct ckpt_hdr_trailer - last record of a complete image
 * @h: record header (CKPT_HDR_TRAILER)
 * @magic: CKPT_MAGIC_TAIL
 * @ckpt_id: same as in the header
 * @nr_records: number of records before this one, header included
 * @__pad: zero
 */
struct ckpt_hdr_trailer {
	struct ckpt_hdr h;
	__u64 magic;
	__u64 ckpt_id;
	__u32 nr_records;
	__u32 __pad;
};

/* struct ckpt_hdr_tree.flags */
#define CKPT_TREE_CONTAINER	0x1	/* the root is the init of its pid ns */

/* struct ckpt_tree_task.flags */
#define CKPT_TREE_ZOMBIE	0x1	/* exited, not reaped: @exit_code */
#define CKPT_TREE_STOPPED	0x2	/* stopped by job control */
#define CKPT_TREE_PGID_OUTSIDE	0x4	/* @pgid names no process of the image */
#define CKPT_TREE_SID_OUTSIDE	0x8	/* @sid names no process of the image */
#define CKPT_TREE_STOP_WAITED	0x10	/* stopped, the stop taken by wait(2) */

/**
 * struct ckpt_tree_task - one task of the image, as the tree record lists it
 * @pid: thread id, in the pid namespace the image's pids are taken in
 *	(the root's own for a container, the checkpointer's for a subtree)
 * @tgid: thread group id (pid of the process)
 * @ppid: pid of the parent process, 0 for the root
 * @ptid: thread id of the parent thread (the one that created this task)
 * @pgid: process group id
 * @sid: session id
 * @flags: CKPT_TREE_* flags
 * @exit_code: for a zombie, the status wait(2) returns; for the leader of
 *	a stopped process, the one wait(2) with WUNTRACED returns for its
 *	stop (0x7f | signal << 8); else 0
 * @exit_signal: signal the parent gets when the task exits
 * @share_mm: 1 + index of the first task in the tree with the same address
 *	space, or 0 if this is that task (likewise for the three below)
 * @share_files: same for the descriptor table
 * @share_fs: same for root, working directory and umask
 * @share_sighand: same for the signal handlers
 * @__pad: zero
 */
struct ckpt_tree_task {
	__s32 pid;
	__s32 tgid;
	__s32 ppid;
	__s32 ptid;
	__s32 pgid;
	__s32 sid;
	__u32 flags;
	__s32 exit_code;
	__u32 exit_signal;
	__u32 share_mm;
	__u32 share_files;
	__u32 share_fs;
	__u32 share_sighand;
	__u32 __pad;
};

/* Most tasks an image holds */
#define CKPT_TREE_MAX_TASKS	32768

/**
 * struct ckpt_hdr_tree - the tasks of the image, before any task's state
 * @h: record header (CKPT_HDR_TREE)
 * @nr_tasks: number of tasks that follow
 * @flags: CKPT_TREE_CONTAINER
 * @tasks: the tasks: every process before its children, every thread
 *	right after the thread that leads its group; the state records of
 *	the tasks follow the tree in the same order
 */
struct ckpt_hdr_tree {
	struct ckpt_hdr h;
	__u32 nr_tasks;
	__u32 flags;
	struct ckpt_tree_task tasks[];
};

#define CKPT_COMM_LEN	16	/* TASK_COMM_LEN */

/* struct ckpt_hdr_task.flags */
#define CKPT_TASK_NO_NEW_PRIVS	0x1	/* PR_SET_NO_NEW_PRIVS */
#define CKPT_TASK_SUBREAPER	0x2	/* PR_SET_CHILD_SUBREAPER (a leader's) */

/**
 * struct ckpt_hdr_task - identity and small per-task state
 * @h: record header (CKPT_HDR_TASK)
 * @pid: pid in the checkpointer's pid namespace
 * @tgid: thread group id, likewise
 * @ppid: pid of the parent, likewise (0 if outside that namespace)
 * @exit_signal: signal sent to the parent on exit
 * @personality: personality(2) value
 * @pdeath_signal: PR_SET_PDEATHSIG signal, 0 if none
 * @flags: CKPT_TASK_* flags
 * @__pad: zero
 * @clear_child_tid: set_tid_address(2) value
 * @robust_list: set_robust_list(2) head
 * @robust_list_len: its length
 * @rseq: registered rseq(2) area, 0 if none
 * @rseq_len: its length
 * @rseq_sig: its signature
 * @comm: command name, NUL-terminated
 */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__s32 pid;
	__s32 tgid;
	__s32 ppid;
	__u32 exit_signal;
	__u32 personality;
	__u32 pdeath_signal;
	__u32 flags;
	__u32 __pad;
	__u64 clear_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 rseq;
	__u32 rseq_len;
	__u32 rseq_sig;
	char comm[CKPT_COMM_LEN];
};

/* Most supplementary groups a CKPT_HDR_CREDS record carries (NGROUPS_MAX) */
#define CKPT_NGROUPS_MAX	65536

/**
 * struct ckpt_hdr_creds - credentials, checked (never granted) at restart
 * @h: record header (CKPT_HDR_CREDS)
 * @uid: real user id, in the checkpointer's user namespace
 * @euid: effective user id
 * @suid: saved user id
 * @fsuid: filesystem user id
 * @gid: real group id
 * @egid: effective group id
 * @sgid: saved group id
 * @fsgid: filesystem group id
 * @cap_inheritable: inheritable capabilities
 * @cap_permitted: permitted capabilities
 * @cap_effective: effective capabilities
 * @cap_bset: capability bounding set
 * @cap_ambient: ambient capabilities
 * @securebits: SECURE_* bits
 * @ngroups: number of supplementary groups following the record
 * @groups: the supplementary group ids
 */
struct ckpt_hdr_creds {
	struct ckpt_hdr h;
	__u32 uid;
	__u32 euid;
	__u32 suid;
	__u32 fsuid;
	__u32 gid;
	__u32 egid;
	__u32 sgid;
	__u32 fsgid;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u32 securebits;
	__u32 ngroups;
	__u32 groups[];
};

#define CKPT_RLIM_NLIMITS	16	/* RLIM_NLIMITS */

/**
 * struct ckpt_rlimit - one resource limit
 * @cur: soft limit (RLIM64_INFINITY for none)
 * @max: hard limit
 */
struct ckpt_rlimit {
	__u64 cur;
	__u64 max;
};

/**
 * struct ckpt_hdr_rlimits - resource limits of the process
 * @h: record header (CKPT_HDR_RLIMITS)
 * @nr: number of limits, CKPT_RLIM_NLIMITS
 * @__pad: zero
 * @rlim: the limits, indexed by RLIMIT_*
 */
struct ckpt_hdr_rlimits {
	struct ckpt_hdr h;
	__u32 nr;
	__u32 __pad;
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];
};

/**
 * struct ckpt_hdr_fs - filesystem context
 * @h: record header (CKPT_HDR_FS)
 * @umask: file creation mask
 * @root_len: length of the root path, its NUL included
 * @cwd_len: length of the working directory path, its NUL included
 * @__pad: zero
 * @paths: the root path then the working directory path, both
 *	NUL-terminated, both as the checkpointing task sees them
 */
struct ckpt_hdr_fs {
	struct ckpt_hdr h;
	__u32 umask;
	__u32 root_len;
	__u32 cwd_len;
	__u32 __pad;
	char paths[];
};

/* How a system call interrupted by the checkpoint goes on after restart */
enum ckpt_syscall_restart_kind {
	CKPT_RESTART_NONE = 0,		/* not in a restartable system call */
	CKPT_RESTART_NANOSLEEP = 1,	/* nanosleep(2), clock_nanosleep(2) */
	CKPT_RESTART_FUTEX_WAIT = 2,	/* FUTEX_WAIT with a timeout */
	CKPT_RESTART_POLL = 3,		/* poll(2) with a timeout */
};

/* ckpt_hdr_syscall_restart.flags */
#define CKPT_RESTART_ABSTIME	0x1	/* @deadline is absolute, on @clockid */
#define CKPT_RESTART_FUTEX_SHARED	0x2	/* not FUTEX_PRIVATE_FLAG */
#define CKPT_RESTART_FUTEX_CLOCKRT	0x4	/* FUTEX_CLOCK_REALTIME */
#define CKPT_RESTART_NO_TIMEOUT	0x8	/* poll(2) without a timeout */

/**
 * struct ckpt_hdr_syscall_restart - the state restart_syscall(2) resumes
 * @h: record header (CKPT_HDR_SYSCALL_RESTART)
 * @kind: enum ckpt_syscall_restart_kind
 * @flags: CKPT_RESTART_* flags
 * @clockid: clock of the deadline
 * @__pad: zero
 * @deadline: nanoseconds left at checkpoint time, or the absolute expiry
 *	time on @clockid if CKPT_RESTART_ABSTIME
 * @uaddr: futex word, poll array, or nanosleep's remaining-time pointer
 * @val: futex value expected, or number of pollfds
 * @bitset: futex bitset
 *
 * A task stopped inside an interrupted system call resumes as if it had
 * just been woken: its saved registers re-enter the call, and for
 * kind != CKPT_RESTART_NONE, restart_syscall(2) continues it with the time
 * that was left.
 */
struct ckpt_hdr_syscall_restart {
	struct ckpt_hdr h;
	__u32 kind;
	__u32 flags;
	__s32 clockid;
	__u32 __pad;
	__u64 deadline;
	__u64 uaddr;
	__u32 val;
	__u32 bitset;
};

/**
 * struct ckpt_hdr_cpu_x86_64 - x86_64 registers
 * @h: record header (CKPT_HDR_CPU_X86_64)
 * @r15: general register
 * @r14: general register
 * @r13: general register
 * @r12: general register
 * @bp: general register
 * @bx: general register
 * @r11: general register
 * @r10: general register
 * @r9: general register
 * @r8: general register
 * @ax: general register, the value user space sees when it resumes
 * @cx: general register
 * @dx: general register
 * @si: general register
 * @di: general register
 * @ip: instruction pointer where user space resumes
 * @flags: RFLAGS
 * @sp: stack pointer
 * @fs_base: FS segment base (TLS)
 * @gs_base: GS segment base
 * @cs: code segment selector
 * @ss: stack segment selector
 * @ds: data segment selector
 * @es: extra segment selector
 * @fs: FS selector
 * @gs: GS selector
 * @__pad: zero
 * @debugreg: debug registers DR0-DR7 (DR4 and DR5 are zero)
 */
struct ckpt_hdr_cpu_x86_64 {
	struct ckpt_hdr h;
	__u64 r15;
	__u64 r14;
	__u64 r13;
	__u64 r12;
	__u64 bp;
	__u64 bx;
	__u64 r11;
	__u64 r10;
	__u64 r9;
	__u64 r8;
	__u64 ax;
	__u64 cx;
	__u64 dx;
	__u64 si;
	__u64 di;
	__u64 ip;
	__u64 flags;
	__u64 sp;
	__u64 fs_base;
	__u64 gs_base;
	__u16 cs;
	__u16 ss;
	__u16 ds;
	__u16 es;
	__u16 fs;
	__u16 gs;
	__u32 __pad;
	__u64 debugreg[8];
};

/*
 * CKPT_HDR_XSTATE is a struct ckpt_hdr followed by the task's FPU state in
 * the standard (non-compacted) XSAVE format that ptrace's NT_X86_XSTATE
 * uses, of the size given by the architecture header.
 */

/* Most saved auxiliary vector words (pairs of type and value) */
#define CKPT_AUXV_MAX	64

/**
 * struct ckpt_hdr_mm - an address space
 * @h: record header (CKPT_HDR_MM)
 * @start_code: start of the program text
 * @end_code: end of the program text
 * @start_data: start of the program data
 * @end_data: end of the program data
 * @start_brk: start of the heap
 * @brk: current end of the heap
 * @start_stack: start of the main stack
 * @arg_start: start of the argument strings
 * @arg_end: end of the argument strings
 * @env_start: start of the environment strings
 * @env_end: end of the environment strings
 * @mmap_base: where mmap(2) starts looking for free space
 * @exe_objref: objref of the executable's CKPT_HDR_FILE, 0 if none
 * @nr_vmas: number of CKPT_HDR_VMA records that follow
 * @auxv_len: number of words used in @auxv
 * @__pad: zero
 * @auxv: the auxiliary vector the program was started with
 */
struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u64 start_code;
	__u64 end_code;
	__u64 start_data;
	__u64 end_data;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u64 arg_start;
	__u64 arg_end;
	__u64 env_start;
	__u64 env_end;
	__u64 mmap_base;
	__s32 exe_objref;
	__u32 nr_vmas;
	__u32 auxv_len;
	__u32 __pad;
	__u64 auxv[CKPT_AUXV_MAX];
};

/* What backs a memory area (struct ckpt_hdr_vma.kind) */
enum ckpt_vma_kind {
	CKPT_VMA_ANON = 1,		/* private anonymous */
	CKPT_VMA_FILE = 2,		/* a file, private or shared */
	CKPT_VMA_SHMEM = 3,		/* shared anonymous */
	CKPT_VMA_VDSO = 4,		/* the vDSO text */
	CKPT_VMA_VVAR = 5,		/* the vDSO data, just below its text */
};

/* struct ckpt_hdr_vma.flags */
#define CKPT_VMA_READ		0x0001
#define CKPT_VMA_WRITE		0x0002
#define CKPT_VMA_EXEC		0x0004
#define CKPT_VMA_SHARED		0x0008
#define CKPT_VMA_MAYWRITE	0x0010	/* mprotect(PROT_WRITE) allowed */
#define CKPT_VMA_GROWSDOWN	0x0020	/* MAP_GROWSDOWN stack */
#define CKPT_VMA_NORESERVE	0x0040	/* MAP_NORESERVE */
#define CKPT_VMA_DONTFORK	0x0080	/* MADV_DONTFORK */
#define CKPT_VMA_DONTDUMP	0x0100	/* MADV_DONTDUMP */
#define CKPT_VMA_WIPEONFORK	0x0200	/* MADV_WIPEONFORK */
#define CKPT_VMA_SEQ_READ	0x0400	/* MADV_SEQUENTIAL */
#define CKPT_VMA_RAND_READ	0x0800	/* MADV_RANDOM */
#define CKPT_VMA_HUGEPAGE	0x1000	/* MADV_HUGEPAGE */
#define CKPT_VMA_NOHUGEPAGE	0x2000	/* MADV_NOHUGEPAGE */

/**
 * struct ckpt_hdr_vma - one memory area
 * @h: record header (CKPT_HDR_VMA)
 * @start: first address
 * @end: address just past the last byte
 * @pgoff: offset in the file in bytes (CKPT_VMA_FILE), else 0
 * @flags: CKPT_VMA_* flags
 * @kind: enum ckpt_vma_kind
 * @file_objref: objref of the file's CKPT_HDR_FILE (CKPT_VMA_FILE), else 0
 * @__pad: zero
 * @nr_pages: number of saved pages in the CKPT_HDR_PAGES records that
 *	follow; pages not saved read as zero (anonymous) or come from the
 *	file
 */
struct ckpt_hdr_vma {
	struct ckpt_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 flags;
	__u32 kind;
	__s32 file_objref;
	__u32 __pad;
	__u64 nr_pages;
};

/* Most pages one CKPT_HDR_PAGES record holds */
#define CKPT_PAGES_MAX	256

/**
 * struct ckpt_hdr_pages - contents of consecutive pages of one area
 * @h: record header (CKPT_HDR_PAGES)
 * @addr: address of the first page
 * @nr_pages: number of pages, 1 to CKPT_PAGES_MAX
 * @__pad: zero
 *
 * The page contents follow, @nr_pages times the page size of the header.
 */
struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u64 addr;
	__u32 nr_pages;
	__u32 __pad;
};

/* What an open file is (struct ckpt_hdr_file.kind) */
enum ckpt_file_kind {
	CKPT_FILE_REG = 1,		/* regular file, reopened by path */
	CKPT_FILE_DIR = 2,		/* directory, reopened by path */
	CKPT_FILE_CHR = 3,		/* /dev/null, zero, full, random, urandom */
	CKPT_FILE_TTY = 4,		/* a terminal: the restarter's own */
	CKPT_FILE_PIPE = 5,		/* an end of a pipe(2) */
	CKPT_FILE_FIFO = 6,		/* a named FIFO, reopened by path */
};

/* struct ckpt_hdr_file.flags */
#define CKPT_FILE_IMAGE		0x1	/* the file the image was written to */

/* Longest path a CKPT_HDR_FILE or CKPT_HDR_FS record carries (PATH_MAX) */
#define CKPT_PATH_MAX	4096

/**
 * struct ckpt_hdr_file - an open file
 * @h: record header (CKPT_HDR_FILE)
 * @objref: objref other records use to name this file (positive)
 * @kind: enum ckpt_file_kind
 * @f_flags: open(2) flags of the file (O_APPEND, O_NONBLOCK...)
 * @mode: st_mode of the inode
 * @flags: CKPT_FILE_* flags
 * @peer_objref: CKPT_FILE_PIPE, CKPT_FILE_FIFO: objref of the CKPT_HDR_PIPE
 *	record of the pipe this is an end of (which comes first); else 0
 * @pos: file offset
 * @dev: st_dev of the inode (new_encode_dev())
 * @rdev: st_rdev of the inode, for devices
 * @ino: inode number
 * @size: file size at checkpoint
 * @mtime_sec: modification time at checkpoint, seconds
 * @mtime_nsec: nanoseconds part of @mtime_sec
 * @path_len: length of the path, its NUL included
 * @path: the path, as the checkpointing task sees it, NUL-terminated; for
 *	a pipe, its name ("pipe:[ino]"), for messages only
 *
 * Restart reopens @path and refuses it (ESTALE) if it is not the same
 * inode with the same size and mtime, unless RESTART_FORCE_FILES is given;
 * a file of another type at @path is refused before it is opened, even
 * then.
 * Directories and the image file itself (CKPT_FILE_IMAGE, which the
 * checkpoint was writing) are checked for the same inode only. An end of
 * a pipe is the read or write end (by @f_flags) of the pipe made again
 * for its CKPT_HDR_PIPE record.
 */
struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__s32 objref;
	__u32 kind;
	__u32 f_flags;
	__u32 mode;
	__u32 flags;
	__s32 peer_objref;
	__u64 pos;
	__u32 dev;
	__u32 rdev;
	__u64 ino;
	__u64 size;
	__s64 mtime_sec;
	__u32 mtime_nsec;
	__u32 path_len;
	char path[];
};

/* Largest pipe the image holds: the default /proc/sys/fs/pipe-max-size */
#define CKPT_PIPE_MAX	(1U << 20)

/**
 * struct ckpt_hdr_pipe - a pipe, with the data in it
 * @h: record header (CKPT_HDR_PIPE)
 * @objref: the objref the records of its ends name as @peer_objref
 * @size: its capacity in bytes (F_GETPIPE_SZ)
 * @data_len: number of bytes in it, which follow, at most @size
 * @__pad: zero
 * @data: the bytes, in the order a read would return them
 *
 * Written before the record of the first end met. Restart makes a new
 * pipe of @size bytes (EPERM if the restarting task may not make one
 * that large) and writes @data into it.
 */
struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__s32 objref;
	__u32 size;
	__u32 data_len;
	__u32 __pad;
	__u8 data[];
};

/* struct ckpt_fd_entry.flags */
#define CKPT_FD_CLOEXEC		0x1

/**
 * struct ckpt_fd_entry - one open file descriptor
 * @fd: the descriptor number
 * @objref: objref of its CKPT_HDR_FILE
 * @flags: CKPT_FD_* flags
 * @__pad: zero
 */
struct ckpt_fd_entry {
	__s32 fd;
	__s32 objref;
	__u32 flags;
	__u32 __pad;
};

/* Most descriptors one CKPT_HDR_FD_TABLE record holds */
#define CKPT_FDS_MAX		65536

/**
 * struct ckpt_hdr_fd_table - the file descriptor table
 * @h: record header (CKPT_HDR_FD_TABLE)
 * @nr_fds: number of entries, in increasing fd order
 * @__pad: zero
 * @fds: the entries
 */
struct ckpt_hdr_fd_table {
	struct ckpt_hdr h;
	__u32 nr_fds;
	__u32 __pad;
	struct ckpt_fd_entry fds[];
};

#define CKPT_NSIG	64	/* _NSIG */

/**
 * struct ckpt_sigaction - the disposition of one signal
 * @handler: SIG_DFL (0), SIG_IGN (1) or the handler's address
 * @flags: SA_* flags
 * @restorer: SA_RESTORER trampoline
 * @mask: signals blocked while the handler runs, bit n-1 for signal n
 */
struct ckpt_sigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	__u64 mask;
};

/**
 * struct ckpt_hdr_sighand - signal dispositions
 * @h: record header (CKPT_HDR_SIGHAND)
 * @nr: number of entries, CKPT_NSIG
 * @__pad: zero
 * @action: disposition of signal n at index n-1
 */
struct ckpt_hdr_sighand {
	struct ckpt_hdr h;
	__u32 nr;
	__u32 __pad;
	struct ckpt_sigaction action[CKPT_NSIG];
};

/**
 * struct ckpt_hdr_signal_task - per-task signal state
 * @h: record header (CKPT_HDR_SIGNAL_TASK)
 * @blocked: blocked signals, bit n-1 for signal n
 * @ss_sp: sigaltstack(2) base
 * @ss_size: its size
 * @ss_flags: its flags (SS_DISABLE when there is none, SS_AUTODISARM,
 *	SS_ONSTACK if sigaltstack(2) was given it)
 * @__pad: zero
 */
struct ckpt_hdr_signal_task {
	struct ckpt_hdr h;
	__u64 blocked;
	__u64 ss_sp;
	__u64 ss_size;
	__u32 ss_flags;
	__u32 __pad;
};

/* Size of a saved siginfo: the user-space siginfo_t */
#define CKPT_SIGINFO_SIZE	128

/**
 * struct ckpt_siginfo - one queued signal
 * @raw: its siginfo_t as user space would see it (si_signo, si_errno,
 *	si_code, then the union), zero beyond what the kernel keeps; but
 *	for a POSIX timer's signal (SI_TIMER), si_sys_private, which the
 *	kernel keeps for itself, is 1 if the timer queued it (its own
 *	signal, which its expiries count as overruns of while it is
 *	pending), 0 for a copy sent with rt_sigqueueinfo(2)
 */
struct ckpt_siginfo {
	__u8 raw[CKPT_SIGINFO_SIZE];
};

/* struct ckpt_hdr_sigpending.queue */
enum ckpt_sigpending_queue {
	CKPT_SIGPENDING_TASK = 0,	/* the thread's own pending signals */
	CKPT_SIGPENDING_SHARED = 1,	/* the process's shared pending signals */
};

/* Most queued signals a CKPT_HDR_SIGPENDING record carries */
#define CKPT_SIGPENDING_MAX	8192

/**
 * struct ckpt_hdr_sigpending - signals pending on a task or its process
 * @h: record header (CKPT_HDR_SIGPENDING)
 * @queue: enum ckpt_sigpending_queue
 * @nr_info: number of queued signals that follow
 * @signal: the pending set, bit n-1 for signal n
 * @info: the queued signals, oldest first; a signal of @signal without
 *	one is pending without information (as sent by SI_USER from pid 0)
 */
struct ckpt_hdr_sigpending {
	struct ckpt_hdr h;
	__u32 queue;
	__u32 nr_info;
	__u64 signal;
	struct ckpt_siginfo info[];
};

/* Interval timers: ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
#define CKPT_ITIMER_NR		3

/**
 * struct ckpt_itimer - one interval timer of the process
 * @value: nanoseconds until it fires (of real, virtual or profiling
 *	time), 0 if it is disarmed
 * @interval: nanoseconds between firings after the first, 0 for one shot
 */
struct ckpt_itimer {
	__u64 value;
	__u64 interval;
};

/**
 * struct ckpt_hdr_itimers - the interval timers of the process
 * @h: record header (CKPT_HDR_ITIMERS)
 * @nr: number of timers, CKPT_ITIMER_NR
 * @__pad: zero
 * @timers: indexed by ITIMER_REAL (0, also alarm(2)), ITIMER_VIRTUAL (1)
 *	and ITIMER_PROF (2)
 */
struct ckpt_hdr_itimers {
	struct ckpt_hdr h;
	__u32 nr;
	__u32 __pad;
	struct ckpt_itimer timers[CKPT_ITIMER_NR];
};

/* Most POSIX timers a CKPT_HDR_POSIX_TIMERS record holds */
#define CKPT_POSIX_TIMERS_MAX	32768

/**
 * struct ckpt_posix_timer - one POSIX timer of the process
 * @id: its id, as timer_create(2) returned it
 * @clock: CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME
 * @notify: its sigev_notify: SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD or
 *	SIGEV_SIGNAL | SIGEV_THREAD_ID
 * @signo: the signal it sends
 * @tid: for SIGEV_THREAD_ID, the thread it signals (its pid in the pid
 *	namespace of the tree's pids), else 0
 * @overrun: what timer_getoverrun(2) returns
 * @value: the value it sends with its signal (sigev_value)
 * @expires: nanoseconds until it fires, 0 if it is disarmed
 * @interval: nanoseconds between firings after the first, 0 for one shot
 */
struct ckpt_posix_timer {
	__s32 id;
	__s32 clock;
	__s32 notify;
	__s32 signo;
	__s32 tid;
	__s32 overrun;
	__u64 value;
	__u64 expires;
	__u64 interval;
};

/**
 * struct ckpt_hdr_posix_timers - the POSIX timers of the process
 * @h: record header (CKPT_HDR_POSIX_TIMERS)
 * @nr: number of timers that follow, at least 1
 * @__pad: zero
 * @timers: the timers, in increasing order of id
 */
struct ckpt_hdr_posix_timers {
	struct ckpt_hdr h;
	__u32 nr;
	__u32 __pad;
	struct ckpt_posix_timer timers[];
};

#endif /* _UAPI_LINUX_CHECKPOINT_H */
