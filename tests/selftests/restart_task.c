// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint and restart of a single task: a target sets up some state,
 * stops itself (or checkpoints itself), is checkpointed and killed; a
 * restarter becomes it through restart(2), and the restored program checks
 * that its state is what it was (see ckpt_restart.h for the pattern).
 *
 *  basic            pid, parent, stack, globals, heap, credentials
 *  registers        rbx rbp r12-r15 rdx r8-r10 rdi rsi rsp across the stop,
 *                   the return value of the stopping kill(), FS/GS bases, TLS,
 *                   segment selectors
 *  fpu_sse          xmm0-15 mid-computation, MXCSR, x87 control word and stack
 *  fpu_avx          the same with ymm0-15, both halves (skipped without AVX)
 *  signals          every disposition (the kernel's view), blocked mask,
 *                   sigaltstack; handlers, SA_RESETHAND, SIG_IGN work after
 *  misc             comm, personality, rlimits, PR_SET_PDEATHSIG,
 *                   no_new_privs, set_tid_address (cleared at exit),
 *                   robust list, rseq
 *  self.*           checkpoint(0 or own pid, CHECKPOINT_SUBTREE): id > 0, then
 *                   0 in the restored program; the same image restarted twice
 *  example          Documentation/checkpoint/self-checkpoint.c, built in
 *  unprivileged     a task of uid 65534 restarted by uid 65534
 *  creds_mismatch   a root task restarted by uid 65534: EPERM
 *  rlimit_above_hard  an image whose limits exceed the caller's: EPERM
 *
 * "restart_task self-checkpoint ARGS" runs the documentation example.
 */
#include "ckpt_restart.h"

#include <asm/prctl.h>
#include <linux/futex.h>
#include <sys/personality.h>
#include <sys/rseq.h>

RS_FIXTURE(restart);

/* ------------------------------------------------------------------ */
/* basic, and the credential tests                                     */
/* ------------------------------------------------------------------ */

struct basic_arg {
	int as_nobody;		/* the target drops to uid/gid 65534 first */
};

static uint64_t basic_global = 0x0123456789abcdefULL;

static void basic_target(const struct rs_test *t, const void *arg)
{
	const struct basic_arg *a = arg;
	volatile uint64_t local = 0xfeedfacecafebeefULL;
	uid_t ru, eu, su, ru2, eu2, su2;
	gid_t rg, eg, sg, rg2, eg2, sg2;
	pid_t pid0, ppid0;
	unsigned char *heap;
	int bad = 0;

	if (a && a->as_nobody) {
		if (setgroups(0, NULL) ||
		    setresgid(CKPT_NOBODY, CKPT_NOBODY, CKPT_NOBODY) ||
		    setresuid(CKPT_NOBODY, CKPT_NOBODY, CKPT_NOBODY))
			_exit(RS_EXIT_SETUP);
	}
	rs_target_enter(t, 0);	/* (re-)arms the death signal */
	pid0 = getpid();
	ppid0 = getppid();
	heap = malloc(3000);
	if (!heap)
		rs_setup_fail("malloc");
	for (int i = 0; i < 3000; i++)
		heap[i] = (unsigned char)(i * 13 + 5);
	basic_global ^= (uint64_t)pid0;
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg))
		rs_setup_fail("getresuid");

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(getppid() == ppid0, "parent is %d, was %d", getppid(), ppid0);
	rs_check(local == 0xfeedfacecafebeefULL, "stack variable is 0x%llx",
		 (unsigned long long)local);
	rs_check(basic_global == (0x0123456789abcdefULL ^ (uint64_t)pid0),
		 "global is 0x%llx, expected 0x%llx", (unsigned long long)basic_global,
		 (unsigned long long)(0x0123456789abcdefULL ^ (uint64_t)pid0));
	while (bad < 3000 && heap[bad] == (unsigned char)(bad * 13 + 5))
		bad++;
	rs_check(bad == 3000, "heap byte %d is 0x%02x, expected 0x%02x", bad,
		 bad < 3000 ? heap[bad] : 0, (unsigned char)(bad * 13 + 5));
	getresuid(&ru2, &eu2, &su2);
	getresgid(&rg2, &eg2, &sg2);
	rs_check(ru == ru2 && eu == eu2 && su == su2,
		 "uids %u/%u/%u, were %u/%u/%u", ru2, eu2, su2, ru, eu, su);
	rs_check(rg == rg2 && eg == eg2 && sg == sg2,
		 "gids %u/%u/%u, were %u/%u/%u", rg2, eg2, sg2, rg, eg, sg);
	free(heap);
	rs_done();
}

/* The smallest restart: a task stopped in kill() comes back as it was. */
TEST_F_TIMEOUT(restart, basic, 60)
{
	rs_run(_metadata, &self->t, basic_target, NULL);
}

/* Let uid 65534 reach the report file. */
static void open_up_for_nobody(struct __test_metadata *_metadata, struct rs_test *t)
{
	ASSERT_EQ(0, chmod(t->dir, 0777));
	ASSERT_EQ(0, chmod(t->report, 0666));
}

/* A task of uid 65534, restarted by a restarter of uid 65534. */
TEST_F_TIMEOUT(restart, unprivileged, 60)
{
	static const struct basic_arg nobody = { .as_nobody = 1 };
	struct rs_restart_opts o = { .as_nobody = 1 };

	open_up_for_nobody(_metadata, &self->t);
	rs_spawn(_metadata, &self->t, basic_target, &nobody);
	rs_wait_stopped(_metadata, &self->t);
	rs_checkpoint_kill(_metadata, &self->t);
	rs_restart(_metadata, &self->t, &o);
	rs_wait_restarter(_metadata, &self->t, RS_WAIT_MS);
	rs_expect_restored(_metadata, &self->t);
}

/* The image of a root task, restarted by uid 65534: EPERM. */
TEST_F_TIMEOUT(restart, creds_mismatch, 60)
{
	struct rs_restart_opts o = { .as_nobody = 1 };

	open_up_for_nobody(_metadata, &self->t);
	rs_spawn(_metadata, &self->t, basic_target, NULL);
	rs_wait_stopped(_metadata, &self->t);
	rs_checkpoint_kill(_metadata, &self->t);
	rs_restart(_metadata, &self->t, &o);
	rs_wait_restarter(_metadata, &self->t, RS_WAIT_MS);
	rs_expect_restart_error(_metadata, &self->t, EPERM);
}

/*
 * Image rlimits above the caller's hard limits, and a caller without
 * CAP_SYS_RESOURCE: EPERM. (Same uid, so only the limits differ.)
 */
TEST_F_TIMEOUT(restart, rlimit_above_hard, 60)
{
	static const struct basic_arg nobody = { .as_nobody = 1 };
	struct rs_restart_opts o = { .as_nobody = 1, .nofile_max = 64 };
	struct rlimit rl;

	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_LT(64ULL, (unsigned long long)rl.rlim_max) TH_LOG("RLIMIT_NOFILE hard limit is already %llu",
					  (unsigned long long)rl.rlim_max);
	open_up_for_nobody(_metadata, &self->t);
	rs_spawn(_metadata, &self->t, basic_target, &nobody);
	rs_wait_stopped(_metadata, &self->t);
	rs_checkpoint_kill(_metadata, &self->t);
	rs_restart(_metadata, &self->t, &o);
	rs_wait_restarter(_metadata, &self->t, RS_WAIT_MS);
	rs_expect_restart_error(_metadata, &self->t, EPERM);
}

/* ------------------------------------------------------------------ */
/* registers                                                           */
/* ------------------------------------------------------------------ */

#define RV_RBX	0x1b1b1b1b00000001
#define RV_RBP	0x2b2b2b2b00000002
#define RV_R12	0x3c3c3c3c0000000c
#define RV_R13	0x4d4d4d4d0000000d
#define RV_R14	0x5e5e5e5e0000000e
#define RV_R15	0x6f6f6f6f0000000f
#define RV_RDX	0x7d7d7d7d00000003
#define RV_R8	0x8888888800000008
#define RV_R9	0x9999999900000009
#define RV_R10	0xa0a0a0a00000000a

#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * void rs_regs_probe(uint64_t io[16]): io[0] is our pid. Loads known
 * values into the registers the kernel must keep, stops with
 * kill(pid, SIGSTOP) issued right here, and stores what the registers
 * hold when the syscall returns (in the restored program):
 * io[1] rsp before, io[2] rsp after, io[3] rax (kill's return), io[4..15]
 * rbx rbp r12 r13 r14 r15 rdx r8 r9 r10 rdi rsi.
 */
void rs_regs_probe(uint64_t *io);
__asm__(
	".pushsection .text\n"
	".globl rs_regs_probe\n"
	".type rs_regs_probe, @function\n"
	"rs_regs_probe:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	push %rdi\n"
	"	movabs $" STR(RV_RBX) ", %rbx\n"
	"	movabs $" STR(RV_RBP) ", %rbp\n"
	"	movabs $" STR(RV_R12) ", %r12\n"
	"	movabs $" STR(RV_R13) ", %r13\n"
	"	movabs $" STR(RV_R14) ", %r14\n"
	"	movabs $" STR(RV_R15) ", %r15\n"
	"	movabs $" STR(RV_RDX) ", %rdx\n"
	"	movabs $" STR(RV_R8) ", %r8\n"
	"	movabs $" STR(RV_R9) ", %r9\n"
	"	movabs $" STR(RV_R10) ", %r10\n"
	"	mov %rsp, 8(%rdi)\n"
	"	mov 0(%rdi), %rdi\n"		/* pid */
	"	mov $19, %esi\n"		/* SIGSTOP */
	"	mov $62, %eax\n"		/* __NR_kill */
	"	syscall\n"
	"	push %rax\n"
	"	mov 8(%rsp), %rax\n"		/* io */
	"	mov %rbx, 32(%rax)\n"
	"	mov %rbp, 40(%rax)\n"
	"	mov %r12, 48(%rax)\n"
	"	mov %r13, 56(%rax)\n"
	"	mov %r14, 64(%rax)\n"
	"	mov %r15, 72(%rax)\n"
	"	mov %rdx, 80(%rax)\n"
	"	mov %r8, 88(%rax)\n"
	"	mov %r9, 96(%rax)\n"
	"	mov %r10, 104(%rax)\n"
	"	mov %rdi, 112(%rax)\n"
	"	mov %rsi, 120(%rax)\n"
	"	pop %rcx\n"
	"	mov %rcx, 24(%rax)\n"
	"	mov %rsp, 16(%rax)\n"
	"	pop %rdi\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size rs_regs_probe, .-rs_regs_probe\n"
	".popsection\n");

static __thread uint64_t tls_word = 0x7715;
static uint64_t gs_word = 0x6773677367736773ULL;

struct selectors {
	uint16_t cs, ss, ds, es, fs, gs;
};

static void read_selectors(struct selectors *s)
{
	__asm__ volatile("mov %%cs, %0" : "=r"(s->cs));
	__asm__ volatile("mov %%ss, %0" : "=r"(s->ss));
	__asm__ volatile("mov %%ds, %0" : "=r"(s->ds));
	__asm__ volatile("mov %%es, %0" : "=r"(s->es));
	__asm__ volatile("mov %%fs, %0" : "=r"(s->fs));
	__asm__ volatile("mov %%gs, %0" : "=r"(s->gs));
}

static uint64_t read_gs0(void)
{
	uint64_t v;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

static void regs_target(const struct rs_test *t, const void *arg)
{
	static const struct { const char *name; int idx; uint64_t want; } regs[] = {
		{ "rbx", 4, RV_RBX }, { "rbp", 5, RV_RBP }, { "r12", 6, RV_R12 },
		{ "r13", 7, RV_R13 }, { "r14", 8, RV_R14 }, { "r15", 9, RV_R15 },
		{ "rdx", 10, RV_RDX }, { "r8", 11, RV_R8 }, { "r9", 12, RV_R9 },
		{ "r10", 13, RV_R10 },
	};
	unsigned long fs0 = 0, gs0 = 0, fs1 = 0, gs1 = 0;
	struct selectors sel0, sel1;
	uint64_t io[16] = { 0 };
	uintptr_t tls_addr0;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	tls_word = 0x746c737465737421ULL;
	tls_addr0 = (uintptr_t)&tls_word;
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs0))
		rs_setup_fail("ARCH_GET_FS");
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)&gs_word))
		rs_setup_fail("ARCH_SET_GS");
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &gs0) || gs0 != (unsigned long)&gs_word)
		rs_setup_fail("ARCH_GET_GS gives 0x%lx", gs0);
	if (read_gs0() != gs_word)
		rs_setup_fail("%%gs:0 does not read gs_word");
	read_selectors(&sel0);
	io[0] = (uint64_t)pid0;

	rs_regs_probe(io);	/* stops inside */

	rs_restored_begin(pid0);
	rs_check(io[3] == 0, "kill(self, SIGSTOP) returned %lld in rax",
		 (long long)io[3]);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		rs_check(io[regs[i].idx] == regs[i].want, "%s is 0x%016llx, expected 0x%016llx",
			 regs[i].name, (unsigned long long)io[regs[i].idx],
			 (unsigned long long)regs[i].want);
	rs_check(io[14] == (uint64_t)pid0, "rdi (kill's 1st argument) is 0x%llx, expected %d",
		 (unsigned long long)io[14], pid0);
	rs_check(io[15] == SIGSTOP, "rsi (kill's 2nd argument) is 0x%llx, expected %d",
		 (unsigned long long)io[15], SIGSTOP);
	rs_check(io[2] == io[1], "rsp is 0x%llx after the stop, 0x%llx before",
		 (unsigned long long)io[2], (unsigned long long)io[1]);

	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs1);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs1);
	rs_check(fs1 == fs0, "FS base is 0x%lx, was 0x%lx", fs1, fs0);
	rs_check(gs1 == gs0, "GS base is 0x%lx, was 0x%lx", gs1, gs0);
	rs_check((uintptr_t)&tls_word == tls_addr0, "TLS variable at %p, was at 0x%lx",
		 (void *)&tls_word, (unsigned long)tls_addr0);
	rs_check(tls_word == 0x746c737465737421ULL, "TLS variable holds 0x%llx",
		 (unsigned long long)tls_word);
	if (gs1 == gs0)
		rs_check(read_gs0() == gs_word, "%%gs:0 reads 0x%llx, expected 0x%llx",
			 (unsigned long long)read_gs0(), (unsigned long long)gs_word);
	read_selectors(&sel1);
	rs_check(!memcmp(&sel0, &sel1, sizeof(sel0)),
		 "selectors cs/ss/ds/es/fs/gs are %x/%x/%x/%x/%x/%x, were %x/%x/%x/%x/%x/%x",
		 sel1.cs, sel1.ss, sel1.ds, sel1.es, sel1.fs, sel1.gs,
		 sel0.cs, sel0.ss, sel0.ds, sel0.es, sel0.fs, sel0.gs);
	rs_done();
}

/* General registers, FS/GS bases and TLS across the stop and the restart. */
TEST_F_TIMEOUT(restart, registers, 60)
{
	rs_run(_metadata, &self->t, regs_target, NULL);
}

/* ------------------------------------------------------------------ */
/* FPU: SSE and AVX                                                    */
/* ------------------------------------------------------------------ */

#define FPU_NITER	24	/* loop iterations */
#define FPU_STOP	9	/* the iteration that stops */
#define FPU_MXCSR	0x7f80	/* all exceptions masked, round toward zero */
#define FPU_FCW		0x0f7f	/* all exceptions masked, 64-bit, toward zero */

/* The layout the assembly below uses (offsets checked) */
struct fpu_io {
	uint8_t in[16][32];		/*    0: initial register values */
	uint8_t keys[FPU_NITER][32];	/*  512: xor-ed in, one per iteration */
	uint8_t snap[16][32];		/* 1280: registers right after the stop */
	uint8_t fin[16][32];		/* 1792: registers after the loop */
	uint32_t mxcsr_in;		/* 2304 */
	uint32_t mxcsr_out;		/* 2308: right after the stop */
	uint16_t fcw_in;		/* 2312 */
	uint16_t fcw_out;		/* 2314: right after the stop */
	uint32_t mxcsr_save;		/* 2316: the caller's */
	uint16_t fcw_save;		/* 2320: the caller's */
	uint8_t pad[14];
	uint8_t st_in[2][16];		/* 2336: pushed on the x87 stack, in order */
	uint8_t st_out[2][16];		/* 2368: popped after the loop: st0, st1 */
	int64_t pid;			/* 2400 */
	int64_t ret;			/* 2408: kill's return value */
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct fpu_io, keys) == 512, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, snap) == 1280, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, fin) == 1792, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, mxcsr_in) == 2304, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, fcw_save) == 2320, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, st_in) == 2336, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, st_out) == 2368, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, pid) == 2400, "fpu_io layout");
_Static_assert(offsetof(struct fpu_io, ret) == 2408, "fpu_io layout");

#define FPU_REGS "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15"

/*
 * void rs_avx_probe(struct fpu_io *io) / rs_sse_probe(): load the 16
 * vector registers, MXCSR, the x87 control word and two x87 registers;
 * xor one key per iteration into every vector register; at iteration
 * FPU_STOP stop with kill(pid, SIGSTOP) issued right here, and store the
 * registers as the syscall returns; finish the loop and store them again.
 * The caller's MXCSR and control word are given back.
 */
#define FPU_PROBE(name, reg, mov, xor, zeroupper)				\
	".pushsection .text\n"							\
	".globl " name "\n"							\
	".type " name ", @function\n"						\
	name ":\n"								\
	"	push %rbx\n"							\
	"	push %r12\n"							\
	"	push %r13\n"							\
	"	mov %rdi, %rbx\n"						\
	"	stmxcsr 2316(%rbx)\n"						\
	"	fnstcw 2320(%rbx)\n"						\
	"	ldmxcsr 2304(%rbx)\n"						\
	"	fldcw 2312(%rbx)\n"						\
	"	fldt 2336(%rbx)\n"						\
	"	fldt 2352(%rbx)\n"						\
	"	.irp i," FPU_REGS "\n"						\
	"	" mov " \\i*32(%rbx), %" reg "\\i\n"				\
	"	.endr\n"							\
	"	xor %r12d, %r12d\n"						\
	"	lea 512(%rbx), %r13\n"						\
	"1:	cmp $" STR(FPU_STOP) ", %r12\n"					\
	"	jne 2f\n"							\
	"	mov 2400(%rbx), %rdi\n"						\
	"	mov $19, %esi\n"						\
	"	mov $62, %eax\n"						\
	"	syscall\n"							\
	"	mov %rax, 2408(%rbx)\n"						\
	"	.irp i," FPU_REGS "\n"						\
	"	" mov " %" reg "\\i, 1280+\\i*32(%rbx)\n"			\
	"	.endr\n"							\
	"	stmxcsr 2308(%rbx)\n"						\
	"	fnstcw 2314(%rbx)\n"						\
	"2:	.irp i," FPU_REGS "\n"						\
	"	" xor "\n"							\
	"	.endr\n"							\
	"	add $32, %r13\n"						\
	"	inc %r12\n"							\
	"	cmp $" STR(FPU_NITER) ", %r12\n"				\
	"	jne 1b\n"							\
	"	.irp i," FPU_REGS "\n"						\
	"	" mov " %" reg "\\i, 1792+\\i*32(%rbx)\n"			\
	"	.endr\n"							\
	"	fstpt 2368(%rbx)\n"						\
	"	fstpt 2384(%rbx)\n"						\
	"	ldmxcsr 2316(%rbx)\n"						\
	"	fldcw 2320(%rbx)\n"						\
	zeroupper								\
	"	pop %r13\n"							\
	"	pop %r12\n"							\
	"	pop %rbx\n"							\
	"	ret\n"								\
	".size " name ", .-" name "\n"						\
	".popsection\n"

void rs_avx_probe(struct fpu_io *io);
void rs_sse_probe(struct fpu_io *io);
__asm__(FPU_PROBE("rs_avx_probe", "ymm", "vmovdqu",
		  "vxorps (%r13), %ymm\\i, %ymm\\i", "	vzeroupper\n"));
__asm__(FPU_PROBE("rs_sse_probe", "xmm", "movdqu",
		  "xorps (%r13), %xmm\\i", ""));

static struct fpu_io fpu_io;

static void fpu_target(const struct rs_test *t, const void *arg)
{
	const int avx = *(const int *)arg;
	const size_t width = avx ? 32 : 16;
	const char *rname = avx ? "ymm" : "xmm";
	long double st0 = 3.14159265358979323846264338327950288L;
	long double st1 = -2.71828182845904523536028747135266250e-1000L;
	uint8_t want_snap[16][32], want_fin[16][32];
	struct fpu_io *io = &fpu_io;
	pid_t pid0;
	int i, k;
	size_t j;

	rs_target_enter(t, 0);
	pid0 = getpid();
	memset(io, 0, sizeof(*io));
	for (i = 0; i < 16; i++)
		for (j = 0; j < 32; j++)
			io->in[i][j] = (uint8_t)((0x11 * i + 7 * j + 1) ^ (j >= 16 ? 0xa5 : 0x3c));
	for (k = 0; k < FPU_NITER; k++)
		for (j = 0; j < 32; j++)
			io->keys[k][j] = (uint8_t)((k + 1) * 37 + j * 11 + (j >= 16 ? 0x80 : 0));
	io->mxcsr_in = FPU_MXCSR;
	io->fcw_in = FPU_FCW;
	memcpy(io->st_in[0], &st0, 10);
	memcpy(io->st_in[1], &st1, 10);
	io->pid = pid0;
	for (i = 0; i < 16; i++) {
		for (j = 0; j < 32; j++) {
			uint8_t s = io->in[i][j], f;

			for (k = 0; k < FPU_STOP; k++)
				s ^= io->keys[k][j];
			f = s;
			for (; k < FPU_NITER; k++)
				f ^= io->keys[k][j];
			want_snap[i][j] = s;
			want_fin[i][j] = f;
		}
	}

	if (avx)
		rs_avx_probe(io);	/* stops inside */
	else
		rs_sse_probe(io);

	rs_restored_begin(pid0);
	rs_check(io->ret == 0, "kill(self, SIGSTOP) returned %lld", (long long)io->ret);
	for (i = 0; i < 16; i++) {
		for (j = 0; j < width; j++) {
			if (io->snap[i][j] != want_snap[i][j]) {
				rs_check(0, "%s%d byte %zu%s right after the restart is 0x%02x, expected 0x%02x",
					 rname, i, j,
					 !avx ? "" : j >= 16 ? " (upper half)" : " (lower half)",
					 io->snap[i][j], want_snap[i][j]);
				break;
			}
		}
	}
	for (i = 0; i < 16; i++) {
		for (j = 0; j < width; j++) {
			if (io->fin[i][j] != want_fin[i][j]) {
				rs_check(0, "%s%d byte %zu after the loop is 0x%02x, expected 0x%02x",
					 rname, i, j, io->fin[i][j], want_fin[i][j]);
				break;
			}
		}
	}
	rs_check(io->mxcsr_out == FPU_MXCSR, "MXCSR is 0x%x, expected 0x%x",
		 io->mxcsr_out, FPU_MXCSR);
	rs_check(io->fcw_out == FPU_FCW, "x87 control word is 0x%x, expected 0x%x",
		 io->fcw_out, FPU_FCW);
	rs_check_bytes(io->st_out[0], io->st_in[1], 10, "x87 st0 (80-bit)");
	rs_check_bytes(io->st_out[1], io->st_in[0], 10, "x87 st1 (80-bit)");
	rs_done();
}

/* xmm0-15 mid-loop, MXCSR, x87 control word and registers. */
TEST_F_TIMEOUT(restart, fpu_sse, 60)
{
	static const int avx;

	rs_run(_metadata, &self->t, fpu_target, &avx);
}

/* The same with ymm0-15: the upper halves must survive too. */
TEST_F_TIMEOUT(restart, fpu_avx, 60)
{
	static const int avx = 1;
	uint64_t xcr0 = 0;

	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx") || cpu_xcr0(&xcr0) || (xcr0 & 0x6) != 0x6)
		SKIP(return, "no AVX (or not enabled by the OS: XCR0 0x%llx)",
		     (unsigned long long)xcr0);
	rs_run(_metadata, &self->t, fpu_target, &avx);
}

/* ------------------------------------------------------------------ */
/* signals                                                             */
/* ------------------------------------------------------------------ */

#ifndef SS_AUTODISARM
#define SS_AUTODISARM	(1U << 31)	/* linux/signal.h */
#endif
#define SIG_RT_HANDLED	(SIGRTMIN + 3)
#define SIG_RT_BLOCKED	(SIGRTMIN + 5)
#define ALTSTACK_SIZE	(64 * 1024)

static volatile sig_atomic_t usr1_hits, usr2_hits, rt_hits;
static volatile int usr1_signo, usr1_code, usr1_pid;
static volatile uint64_t usr1_blocked;
static volatile uintptr_t usr2_stack;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_hits++;
	usr1_signo = si->si_signo;
	usr1_code = si->si_code;
	usr1_pid = si->si_pid;
	usr1_blocked = rs_blocked();
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	volatile int local = 0;

	(void)sig;
	(void)si;
	(void)uc;
	usr2_hits++;
	usr2_stack = (uintptr_t)&local;
}

static void on_rt(int sig)
{
	(void)sig;
	rt_hits++;
}

static struct rs_ksigaction sig_before[64], sig_after[64];

static uint64_t pending_set(void)
{
	uint64_t set = 0;

	syscall(SYS_rt_sigpending, &set, 8);
	return set;
}

static void signals_target(const struct rs_test *t, const void *arg)
{
	struct rs_ksigaction rt_now;
	struct sigaction sa;
	stack_t ss, ss0, ss1;
	uint64_t blocked0, want;
	sigset_t set;
	void *alt;
	pid_t pid0;
	int sig;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();

	alt = mmap(NULL, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt == MAP_FAILED)
		rs_setup_fail("mmap");
	ss.ss_sp = alt;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = SS_AUTODISARM;
	if (sigaltstack(&ss, NULL))
		rs_setup_fail("sigaltstack");

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGUSR1, &sa, NULL))
		rs_setup_fail("sigaction SIGUSR1");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL))
		rs_setup_fail("sigaction SIGUSR2");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_rt;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	if (sigaction(SIG_RT_HANDLED, &sa, NULL))
		rs_setup_fail("sigaction SIGRTMIN+3");
	if (signal(SIGHUP, SIG_IGN) == SIG_ERR || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		rs_setup_fail("SIG_IGN");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGWINCH);
	sigaddset(&set, SIG_RT_BLOCKED);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		rs_setup_fail("sigprocmask");

	for (sig = 1; sig <= 64; sig++)
		if (rs_get_sigaction(sig, &sig_before[sig - 1]))
			rs_setup_fail("rt_sigaction(%d) query", sig);
	blocked0 = rs_blocked();
	if (sigaltstack(NULL, &ss0))
		rs_setup_fail("sigaltstack query");
	if (pending_set())
		rs_setup_fail("signals pending before the stop: 0x%llx",
			      (unsigned long long)pending_set());

	rs_stop_here();

	rs_restored_begin(pid0);
	/* the state, as the kernel sees it */
	for (sig = 1; sig <= 64; sig++) {
		const struct rs_ksigaction *a = &sig_before[sig - 1], *b = &sig_after[sig - 1];

		rs_get_sigaction(sig, &sig_after[sig - 1]);
		rs_check(!memcmp(a, b, sizeof(*a)),
			 "signal %d: handler/flags/restorer/mask are 0x%llx/0x%llx/0x%llx/0x%llx, were 0x%llx/0x%llx/0x%llx/0x%llx",
			 sig, (unsigned long long)b->handler, (unsigned long long)b->flags,
			 (unsigned long long)b->restorer, (unsigned long long)b->mask,
			 (unsigned long long)a->handler, (unsigned long long)a->flags,
			 (unsigned long long)a->restorer, (unsigned long long)a->mask);
	}
	rs_check(rs_blocked() == blocked0, "blocked mask is 0x%llx, was 0x%llx",
		 (unsigned long long)rs_blocked(), (unsigned long long)blocked0);
	rs_check(pending_set() == 0, "signals pending after the restart: 0x%llx",
		 (unsigned long long)pending_set());
	sigaltstack(NULL, &ss1);
	rs_check(ss1.ss_sp == ss0.ss_sp && ss1.ss_size == ss0.ss_size &&
		 ss1.ss_flags == ss0.ss_flags,
		 "sigaltstack is %p/%zu/0x%x, was %p/%zu/0x%x", ss1.ss_sp, ss1.ss_size,
		 ss1.ss_flags, ss0.ss_sp, ss0.ss_size, ss0.ss_flags);

	/* ... and at work */
	kill(getpid(), SIGUSR1);
	rs_check(usr1_hits == 1, "SIGUSR1 handler ran %d times", (int)usr1_hits);
	rs_check(usr1_signo == SIGUSR1 && usr1_code == SI_USER && usr1_pid == getpid(),
		 "SIGUSR1 siginfo: signo %d code %d pid %d", usr1_signo, usr1_code, usr1_pid);
	want = blocked0 | rs_sigbit(SIGUSR1) | rs_sigbit(SIGUSR2) | rs_sigbit(SIGTERM);
	rs_check(usr1_blocked == want, "blocked in the SIGUSR1 handler: 0x%llx, expected 0x%llx (sa_mask)",
		 (unsigned long long)usr1_blocked, (unsigned long long)want);
	rs_check(rs_blocked() == blocked0, "blocked after the SIGUSR1 handler: 0x%llx",
		 (unsigned long long)rs_blocked());

	kill(getpid(), SIGUSR2);
	rs_check(usr2_hits == 1, "SIGUSR2 handler ran %d times", (int)usr2_hits);
	rs_check(usr2_stack >= (uintptr_t)alt && usr2_stack < (uintptr_t)alt + ALTSTACK_SIZE,
		 "SA_ONSTACK handler ran with its stack at 0x%lx, not on the alternate stack %p",
		 (unsigned long)usr2_stack, alt);

	kill(getpid(), SIG_RT_HANDLED);
	rs_check(rt_hits == 1, "SIGRTMIN+3 handler ran %d times", (int)rt_hits);
	rs_get_sigaction(SIG_RT_HANDLED, &rt_now);
	rs_check(rt_now.handler == (uint64_t)(uintptr_t)SIG_DFL,
		 "SA_RESETHAND did not reset SIGRTMIN+3 (handler 0x%llx)",
		 (unsigned long long)rt_now.handler);

	kill(getpid(), SIGHUP);		/* ignored: we live on */
	rs_check(!(pending_set() & rs_sigbit(SIGHUP)), "ignored SIGHUP is pending");
	kill(getpid(), SIGTERM);	/* blocked: stays pending */
	rs_check(pending_set() & rs_sigbit(SIGTERM), "blocked SIGTERM is not pending (0x%llx)",
		 (unsigned long long)pending_set());
	signal(SIGTERM, SIG_IGN);	/* discards it */
	rs_done();
}

/* Dispositions, mask and alternate stack; the handlers work after restart. */
TEST_F_TIMEOUT(restart, signals, 60)
{
	rs_run(_metadata, &self->t, signals_target, NULL);
}

/* ------------------------------------------------------------------ */
/* misc task state                                                     */
/* ------------------------------------------------------------------ */

#define MISC_COMM	"ckpt-misc.tgt"
#define MISC_PERS	(PER_LINUX | ADDR_NO_RANDOMIZE | UNAME26)
#define MISC_NOFILE	123
#define MISC_TIDWORD	0x5a5a5a5aU

static const char *const rlimit_names[CKPT_RLIM_NLIMITS] = {
	"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
	"MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME",
};

static uint32_t misc_tid_word = MISC_TIDWORD;
static struct robust_list_head misc_robust = {
	.list = { .next = &misc_robust.list },
	.futex_offset = 0,
	.list_op_pending = NULL,
};
static char watcher_stack[64 * 1024] __attribute__((aligned(16)));

/*
 * Runs in a CLONE_VM child of the restored program: the kernel writes 0
 * to the set_tid_address() word when the program exits while another task
 * shares its memory. Reports what it saw (raw calls only: it shares the
 * program's TLS).
 */
static int tid_watcher(void *arg)
{
	static const char yes[] = "clear_child_tid: cleared at exit\n";
	static const char no[] = "clear_child_tid: NOT cleared at exit\n";
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)arg;
	for (int i = 0; i < 500 && __atomic_load_n(&misc_tid_word, __ATOMIC_SEQ_CST); i++)
		syscall(SYS_futex, &misc_tid_word, FUTEX_WAIT, MISC_TIDWORD, &ts, NULL, 0);
	if (__atomic_load_n(&misc_tid_word, __ATOMIC_SEQ_CST))
		write_all(rs_report_fd, no, sizeof(no) - 1);
	else
		write_all(rs_report_fd, yes, sizeof(yes) - 1);
	return 0;
}

/* The rseq registration glibc made: probing it again gives EBUSY. */
static unsigned int rseq_registered_len(void)
{
	static const unsigned int lens[] = { 32, 20 };
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	if (__rseq_size && syscall(SYS_rseq, area, __rseq_size, 0, RSEQ_SIG) < 0 &&
	    errno == EBUSY)
		return __rseq_size;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (syscall(SYS_rseq, area, lens[i], 0, RSEQ_SIG) < 0 && errno == EBUSY)
			return lens[i];
	return 0;
}

static void misc_target(const struct rs_test *t, const void *arg)
{
	struct rlimit before[CKPT_RLIM_NLIMITS], now, rl;
	struct robust_list_head *head = NULL;
	char comm[32] = "", pcomm[32];
	unsigned int rseq_len;
	struct utsname u;
	size_t head_len = 0;
	int pers, pdeath = 0;
	void *rseq_area;
	pid_t pid0;
	long r;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (prctl(PR_SET_NAME, MISC_COMM))
		rs_setup_fail("PR_SET_NAME");
	if (personality(MISC_PERS) < 0 || personality(0xffffffff) != MISC_PERS)
		rs_setup_fail("personality");
	if (getrlimit(RLIMIT_NOFILE, &rl))
		rs_setup_fail("getrlimit");
	rl.rlim_cur = MISC_NOFILE;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		rs_setup_fail("setrlimit NOFILE");
	if (getrlimit(RLIMIT_CORE, &rl))
		rs_setup_fail("getrlimit");
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_CORE, &rl))
		rs_setup_fail("setrlimit CORE");
	rl.rlim_cur = rl.rlim_max = 4096;	/* a lower hard limit */
	if (setrlimit(RLIMIT_MSGQUEUE, &rl))
		rs_setup_fail("setrlimit MSGQUEUE");
	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++)
		if (getrlimit(i, &before[i]))
			rs_setup_fail("getrlimit %d", i);
	if (prctl(PR_SET_PDEATHSIG, SIGUSR2))
		rs_setup_fail("PR_SET_PDEATHSIG");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		rs_setup_fail("PR_SET_NO_NEW_PRIVS");
	syscall(SYS_set_tid_address, &misc_tid_word);
	if (syscall(SYS_set_robust_list, &misc_robust, sizeof(misc_robust)))
		rs_setup_fail("set_robust_list");
	rseq_area = (char *)__builtin_thread_pointer() + __rseq_offset;
	rseq_len = rseq_registered_len();

	rs_stop_here();

	rs_restored_begin(pid0);
	prctl(PR_GET_NAME, comm);
	rs_check(!strcmp(comm, MISC_COMM), "comm is \"%s\", expected \"%s\"", comm, MISC_COMM);
	rs_proc_comm(getpid(), pcomm, sizeof(pcomm));
	rs_check(!strcmp(pcomm, MISC_COMM), "/proc/self/comm is \"%s\"", pcomm);

	pers = personality(0xffffffff);
	rs_check(pers == MISC_PERS, "personality is 0x%x, expected 0x%x", pers, MISC_PERS);
	uname(&u);
	rs_check(!strncmp(u.release, "2.6.", 4), "uname release \"%s\" under UNAME26",
		 u.release);

	for (int i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		getrlimit(i, &now);
		rs_check(now.rlim_cur == before[i].rlim_cur && now.rlim_max == before[i].rlim_max,
			 "RLIMIT_%s is %llu/%llu, was %llu/%llu", rlimit_names[i],
			 (unsigned long long)now.rlim_cur, (unsigned long long)now.rlim_max,
			 (unsigned long long)before[i].rlim_cur,
			 (unsigned long long)before[i].rlim_max);
	}
	r = dup2(0, MISC_NOFILE);
	rs_check(r < 0 && errno == EBADF, "dup2 to fd %d (= RLIMIT_NOFILE) gave %ld", MISC_NOFILE, r);
	if (r >= 0)
		close((int)r);

	prctl(PR_GET_PDEATHSIG, &pdeath);
	rs_check(pdeath == SIGUSR2, "PR_GET_PDEATHSIG is %d, expected %d", pdeath, SIGUSR2);
	r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	rs_check(r == 1, "PR_GET_NO_NEW_PRIVS is %ld, expected 1", r);

	r = syscall(SYS_get_robust_list, 0, &head, &head_len);
	rs_check(r == 0 && head == &misc_robust && head_len == sizeof(misc_robust),
		 "get_robust_list: %ld, head %p len %zu; expected %p len %zu", r, (void *)head,
		 head_len, (void *)&misc_robust, sizeof(misc_robust));

	if (rseq_len) {
		r = syscall(SYS_rseq, rseq_area, rseq_len, 0, RSEQ_SIG);
		rs_check(r < 0 && errno == EBUSY,
			 "rseq(%p, %u) gave %ld (%s): the registration was %s", rseq_area,
			 rseq_len, r, r < 0 ? strerror(errno) : "registered anew",
			 r == 0 ? "lost" : "changed");
	} else {
		rs_say("note: glibc registered no rseq area, not checked");
	}

	/* last: the watcher reports clear_child_tid after we exit */
	r = clone(tid_watcher, watcher_stack + sizeof(watcher_stack), CLONE_VM | SIGCHLD, NULL);
	rs_check(r > 0, "clone(CLONE_VM): %s", strerror(errno));
	rs_done();
}

/*
 * comm, personality, rlimits, death signal, no_new_privs, clear_child_tid,
 * robust list and rseq registration.
 */
TEST_F_TIMEOUT(restart, misc, 60)
{
	const char *line;
	int status;

	/* the watcher outlives the restored program: reap it here */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	rs_run(_metadata, &self->t, misc_target, NULL);
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 10) {
		rs_read_report(&self->t);
		if (strstr(self->t.text, "clear_child_tid: "))
			break;
		ckpt_msleep(10);
	}
	/* reap the watcher (and nothing else is left) */
	for (int waited = 0; waited < CKPT_WAIT_MS; waited += 10) {
		pid_t r = waitpid(-1, &status, WNOHANG);

		if (r < 0)
			break;
		if (r == 0)
			ckpt_msleep(10);
	}
	line = strstr(self->t.text, "clear_child_tid: ");
	ASSERT_NE(NULL, line) {
		TH_LOG("the clear_child_tid watcher did not report");
		rs_log_report(_metadata, &self->t);
	}
	EXPECT_EQ(0, strncmp(line, "clear_child_tid: cleared", 24))
		TH_LOG("set_tid_address() lost in the restart: %.40s", line);
}

/* ------------------------------------------------------------------ */
/* self-checkpoint                                                     */
/* ------------------------------------------------------------------ */

FIXTURE(self) {
	struct rs_test t;
};

FIXTURE_VARIANT(self) {
	int own_pid;		/* checkpoint(getpid()) rather than checkpoint(0) */
};

FIXTURE_VARIANT_ADD(self, pid0) {
	.own_pid = 0,
};

FIXTURE_VARIANT_ADD(self, own_pid) {
	.own_pid = 1,
};

FIXTURE_SETUP(self)
{
	rs_init(_metadata, &self->t);
}

FIXTURE_TEARDOWN(self)
{
	rs_cleanup(&self->t);
}

#define SELF_EXIT_RESTORED	42	/* restored, all checks passed */
#define SELF_EXIT_CKPT_FAILED	3	/* checkpoint(2) failed in the original */

struct self_arg {
	int own_pid;
};

static uint64_t self_global = 0x5e1f5e1f5e1f5e1fULL;

static void self_target(const struct rs_test *t, const void *arg)
{
	const struct self_arg *a = arg;
	volatile uint64_t local = 0x10ca110ca110ca1ULL;
	char path[192];
	char *heap;
	pid_t pid0;
	long id;
	int fd;

	rs_target_enter(t, RS_NO_REPORT);
	pid0 = getpid();
	heap = strdup("a string on the heap");
	self_global ^= (uint64_t)pid0;
	fd = open(rs_path(t, "self.img", path, sizeof(path)),
		  O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !heap)
		_exit(RS_EXIT_SETUP);

	id = syscall(__NR_checkpoint, a->own_pid ? (long)pid0 : 0L, (long)fd,
		     CHECKPOINT_SUBTREE);

	if (id != 0) {		/* the original: id or errno to self.id */
		long said = id > 0 ? id : errno;

		if (put_longs(rs_path(t, "self.id", path, sizeof(path)), &said, 1))
			_exit(RS_EXIT_SETUP);
		_exit(id > 0 ? 0 : SELF_EXIT_CKPT_FAILED);
	}
	/* id == 0: the restored program; the report is a new file */
	snprintf(path, sizeof(path), "%s/restored.%d", t->dir, getpid());
	rs_report_fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
	if (rs_report_fd < 0)
		_exit(RS_EXIT_CHECK_MAX);
	rs_restored_begin(pid0);
	rs_check(local == 0x10ca110ca110ca1ULL, "stack variable is 0x%llx",
		 (unsigned long long)local);
	rs_check(self_global == (0x5e1f5e1f5e1f5e1fULL ^ (uint64_t)pid0),
		 "global is 0x%llx", (unsigned long long)self_global);
	rs_check(!strcmp(heap, "a string on the heap"), "heap string is \"%.40s\"", heap);
	rs_say("note: the image fd %d is %s after the restart", fd,
	       fcntl(fd, F_GETFD) < 0 ? "closed" : "open");
	rs_done_code(SELF_EXIT_RESTORED);
}

/*
 * A task checkpoints itself: checkpoint() gives it a positive id and it
 * exits; restarted, it sees checkpoint() return 0 and exits 42. The same
 * image restarts a second time.
 */
TEST_F_TIMEOUT(self, checkpoint_and_restart_twice, 60)
{
	struct self_arg a = { .own_pid = variant->own_pid };
	struct rs_test *t = &self->t;
	char path[192], msg[CKPT_ERROR_MSG_MAX + 1] = "";
	char s[256];
	int status = 0, img;
	long said = 0;

	rs_spawn(_metadata, t, self_target, &a);
	ASSERT_EQ(0, wait_bounded(t->target, &status, CKPT_WAIT_MS))
		TH_LOG("the self-checkpointing target did not exit");
	t->target = 0;
	get_longs(rs_path(t, "self.id", path, sizeof(path)), &said, 1);
	img = open(rs_path(t, "self.img", path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, img) TH_LOG("%s: %s", path, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == SELF_EXIT_CKPT_FAILED)
		rs_image_error(img, msg, sizeof(msg));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("target: %s (%d: checkpoint(%s) failed with %s; image: %s)",
		       rs_status_str(status, s, sizeof(s)), SELF_EXIT_CKPT_FAILED,
		       variant->own_pid ? "own pid" : "0", strerror((int)said), msg);
	t->ckpt_id = said;
	ASSERT_LT(0, t->ckpt_id) TH_LOG("checkpoint() returned %ld", t->ckpt_id);
	rs_check_image(_metadata, img, t->ckpt_id, t->target_pid);

	for (int round = 1; round <= 2; round++) {
		rs_restart_fd(_metadata, t, img, NULL);
		rs_wait_restarter(_metadata, t, RS_WAIT_MS);
		snprintf(path, sizeof(path), "%s/restored.%d", t->dir, t->restarter_pid);
		rs_read_report_file(t, path);
		if (WIFEXITED(t->status) &&
		    WEXITSTATUS(t->status) == RS_EXIT_RESTART_ERR + ESTALE)
			TH_LOG("round %d: ESTALE: the image file was open in the task it holds, and grew after its own file record was written",
			       round);
		rs_expect_exit(_metadata, t, SELF_EXIT_RESTORED, 1);
	}
	close(img);
}

/* ------------------------------------------------------------------ */
/* The documentation example                                           */
/* ------------------------------------------------------------------ */

/* Documentation/checkpoint/self-checkpoint.c, as a function */
#define main self_checkpoint_main
#include "self-checkpoint.c"
#undef main

/*
 * Run the example (counting to 7, checkpointing itself every 3) with its
 * output appended to a log; its last image (at 6) restarted without
 * RESTART_FORCE_FILES is refused (the log grew since), with it the program
 * resumes at 6 and finishes.
 */
TEST_F_TIMEOUT(restart, example, 60)
{
	struct rs_restart_opts force = { .flags = RESTART_FORCE_FILES };
	struct rs_test *t = &self->t;
	char log[160], img_path[160], want[1024], s[256];
	unsigned char *text;
	long id3 = 0, id6 = 0;
	const char *p;
	int status = 0, img;
	size_t len;
	pid_t pid;
	int fd;

	rs_path(t, "example.log", log, sizeof(log));
	rs_path(t, "example.img", img_path, sizeof(img_path));
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != t->parent || null < 0 ||
		    dup2(null, 0) != 0 || dup2(fd, 1) != 1 || dup2(fd, 2) != 2 ||
		    close_range(3, ~0U, 0))
			_exit(RS_EXIT_SETUP);
		execl("/proc/self/exe", "restart_task", "self-checkpoint", img_path, "3", "7",
		      (char *)NULL);
		_exit(127);
	}
	t->target = t->target_pid = pid;
	close(fd);
	ASSERT_EQ(0, wait_bounded(pid, &status, CKPT_WAIT_MS));
	t->target = 0;
	fd = open(log, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fd_slurp(fd, &text, &len));
	close(fd);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("example: %s; its output: %s", rs_status_str(status, s, sizeof(s)), text);
	p = strstr((char *)text, "iteration 3: checkpoint ");
	if (p)
		sscanf(p, "iteration 3: checkpoint %ld", &id3);
	p = strstr((char *)text, "iteration 6: checkpoint ");
	if (p)
		sscanf(p, "iteration 6: checkpoint %ld", &id6);
	snprintf(want, sizeof(want),
		 "1\n2\n3\niteration 3: checkpoint %ld saved to %s\n"
		 "4\n5\n6\niteration 6: checkpoint %ld saved to %s\n7\ndone\n",
		 id3, img_path, id6, img_path);
	ASSERT_STREQ(want, (char *)text);
	ASSERT_LT(0, id3);
	ASSERT_LT(0, id6);
	free(text);

	img = open(img_path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, img);
	rs_check_image(_metadata, img, id6, pid);

	/* the log grew since the checkpoint */
	rs_restart_fd(_metadata, t, img, NULL);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restart_error(_metadata, t, ESTALE);

	rs_restart_fd(_metadata, t, img, &force);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	close(img);
	fd = open(log, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fd_slurp(fd, &text, &len));
	close(fd);
	ASSERT_TRUE(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0)
		TH_LOG("restarter %d: %s; the log: %s", t->restarter_pid,
		       rs_exit_meaning(t->status, s, sizeof(s)), text);
	snprintf(want, sizeof(want),
		 "1\n2\n3\niteration 3: checkpoint %ld saved to %s\n"
		 "4\n5\n6\niteration 6: checkpoint %ld saved to %s\n7\ndone\n"
		 "iteration 6: running again after a restart, as pid %d (was %d)\n7\ndone\n",
		 id3, img_path, id6, img_path, t->restarter_pid, pid);
	EXPECT_STREQ(want, (char *)text);
	free(text);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "self-checkpoint"))
		return self_checkpoint_main(argc - 1, argv + 1);
	return test_harness_run(argc, argv);
}
