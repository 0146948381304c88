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
 * A stream is: one CKPT_HDR_HEADER, one CKPT_HDR_HEADER_ARCH, the state
 * records, one CKPT_HDR_TRAILER. A checkpoint that fails writes a
 * CKPT_HDR_ERROR record naming the cause and stops; such an image has
 * no trailer and cannot be restarted.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_H
#define _UAPI_LINUX_CHECKPOINT_H

#include <linux/types.h>

/* checkpoint(2) flags */
#define CHECKPOINT_SUBTREE	0x1UL	/* the task and all its descendants */
#define CHECKPOINT_FLAGS_ALL	(CHECKPOINT_SUBTREE)

/* restart(2) flags: none defined yet */
#define RESTART_FLAGS_ALL	0x0UL

/* "lnxckpt\0" and "ckptend\0" as they appear in the stream */
#define CKPT_MAGIC_HEAD		0x0074706b63786e6cULL
#define CKPT_MAGIC_TAIL		0x00646e6574706b63ULL

/* Bumped on any incompatible change to the records below */
#define CKPT_FORMAT_VERSION	1

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

#endif /* _UAPI_LINUX_CHECKPOINT_H */
