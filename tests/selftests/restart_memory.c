// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint and restart of a task's memory (see ckpt_restart.h for the
 * pattern): a 256 MiB private anonymous area, half of it written, with
 * read-only, read-exec and inaccessible parts and a hole; the brk heap; a
 * MAP_GROWSDOWN area; a shared anonymous area. After the restart every
 * byte, every protection and the whole /proc/self/maps are as they were,
 * and shared memory is still shared while private memory is still private.
 */
#include "ckpt_restart.h"

RS_FIXTURE(restart);

#define MEM_SIZE	(256UL << 20)
#define MEM_CHUNK	(64UL << 10)
#define MEM_NCHUNKS	(MEM_SIZE / MEM_CHUNK)	/* 4096 */
#define MEM_WORDS	(MEM_CHUNK / 8)

/* Chunk ranges [first, last) with their own protection, and a hole */
#define RO_FIRST	100
#define RO_LAST		200
#define NONE_FIRST	1000
#define NONE_LAST	1004
#define RX_FIRST	2000
#define RX_LAST		2050
#define HOLE_FIRST	3000
#define HOLE_LAST	3010

#define HEAP_BLOCKS	8
#define HEAP_BLOCK	(100 * 1024)	/* below the mmap threshold: from brk */
#define GROWS_SIZE	(16 * 4096UL)
#define SHARED_SIZE	(1UL << 20)

/* What every written word holds: a function of its address */
static inline uint64_t pattern(uintptr_t addr, uint64_t seed)
{
	return (addr * 0x9e3779b97f4a7c15ULL) ^ seed;
}

#define SEED_REGION	0x5bd1e9955bd1e995ULL
#define SEED_HEAP	0x0123012301230123ULL
#define SEED_GROWS	0x6767676767676767ULL
#define SEED_SHARED	0x5a5a5a5a00000000ULL

static int chunk_touched(unsigned long c)
{
	return !(c & 1);
}

static int chunk_in_hole(unsigned long c)
{
	return c >= HOLE_FIRST && c < HOLE_LAST;
}

static void fill(uint64_t *p, size_t bytes, uint64_t seed)
{
	for (size_t i = 0; i < bytes / 8; i++)
		p[i] = pattern((uintptr_t)&p[i], seed);
}

/* Check bytes of a filled area; one check, naming the first bad word. */
static int check_filled(const uint64_t *p, size_t bytes, uint64_t seed, const char *what)
{
	for (size_t i = 0; i < bytes / 8; i++) {
		uint64_t want = pattern((uintptr_t)&p[i], seed);

		if (p[i] != want)
			return rs_check(0, "%s: word at %p (offset 0x%zx) is 0x%016llx, expected 0x%016llx",
					what, (void *)&p[i], i * 8, (unsigned long long)p[i],
					(unsigned long long)want);
	}
	return rs_check(1, "%s", what);
}

/* The VmFlags line of the area at addr in /proc/self/smaps, or "". */
static void smaps_vmflags(unsigned long addr, char *out, size_t size)
{
	char *p, *line, *end;
	char head[32];

	out[0] = 0;
	if (rs_read_file("/proc/self/smaps", rs_maps_buf, sizeof(rs_maps_buf)) <= 0)
		return;
	snprintf(head, sizeof(head), "%lx-", addr);
	for (p = rs_maps_buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, head, strlen(head)))
			continue;
		line = strstr(p, "\nVmFlags:");
		if (!line)
			return;
		line += 9;
		end = strchr(line, '\n');
		snprintf(out, size, "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
		return;
	}
}

static struct rs_maps maps_before, maps_after;

static void memory_target(const struct rs_test *t, const void *arg)
{
	uint64_t *heap[HEAP_BLOCKS], *grows, *shared;
	unsigned char *region;
	unsigned long brk0, brk1, c;
	char flags[256];
	pid_t pid0, child;
	int status, bad;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();

	region = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (region == MAP_FAILED)
		rs_setup_fail("mmap of %lu MiB", MEM_SIZE >> 20);
	for (c = 0; c < MEM_NCHUNKS; c++)
		if (chunk_touched(c))
			fill((uint64_t *)(region + c * MEM_CHUNK), MEM_CHUNK, SEED_REGION);
	if (mprotect(region + RO_FIRST * MEM_CHUNK, (RO_LAST - RO_FIRST) * MEM_CHUNK, PROT_READ) ||
	    mprotect(region + NONE_FIRST * MEM_CHUNK, (NONE_LAST - NONE_FIRST) * MEM_CHUNK,
		     PROT_NONE) ||
	    mprotect(region + RX_FIRST * MEM_CHUNK, (RX_LAST - RX_FIRST) * MEM_CHUNK,
		     PROT_READ | PROT_EXEC))
		rs_setup_fail("mprotect");
	if (munmap(region + HOLE_FIRST * MEM_CHUNK, (HOLE_LAST - HOLE_FIRST) * MEM_CHUNK))
		rs_setup_fail("munmap");

	for (int i = 0; i < HEAP_BLOCKS; i++) {
		heap[i] = malloc(HEAP_BLOCK);
		if (!heap[i])
			rs_setup_fail("malloc");
		fill(heap[i], HEAP_BLOCK, SEED_HEAP + (uint64_t)i);
	}
	brk0 = (unsigned long)syscall(SYS_brk, 0);
	if ((unsigned long)heap[HEAP_BLOCKS - 1] > brk0)
		rs_setup_fail("malloc did not use the brk heap (block at %p, brk 0x%lx)",
			      (void *)heap[HEAP_BLOCKS - 1], brk0);

	grows = mmap(NULL, GROWS_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	if (grows == MAP_FAILED)
		rs_setup_fail("mmap MAP_GROWSDOWN");
	fill(grows, GROWS_SIZE, SEED_GROWS);
	smaps_vmflags((unsigned long)grows, flags, sizeof(flags));
	if (!strstr(flags, " gd"))
		rs_setup_fail("no gd in VmFlags \"%s\" of the MAP_GROWSDOWN area", flags);

	shared = mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		rs_setup_fail("mmap MAP_SHARED");
	fill(shared, SHARED_SIZE, SEED_SHARED);

	if (rs_maps_read("/proc/self/maps", &maps_before))
		rs_setup_fail("reading /proc/self/maps");

	rs_stop_here();

	rs_restored_begin(pid0);
	if (rs_maps_read("/proc/self/maps", &maps_after))
		rs_check(0, "cannot read /proc/self/maps");
	else
		rs_check_maps(&maps_before, &maps_after);

	/* every byte of the big area; open the inaccessible part to read it */
	rs_check(!mprotect(region + NONE_FIRST * MEM_CHUNK, (NONE_LAST - NONE_FIRST) * MEM_CHUNK,
			   PROT_READ),
		 "mprotect(PROT_READ) of the PROT_NONE part: %s", strerror(errno));
	bad = 0;
	for (c = 0; c < MEM_NCHUNKS && bad < 4; c++) {
		const uint64_t *w = (const uint64_t *)(region + c * MEM_CHUNK);

		if (chunk_in_hole(c))
			continue;
		for (size_t i = 0; i < MEM_WORDS; i++) {
			uint64_t want = chunk_touched(c) ? pattern((uintptr_t)&w[i], SEED_REGION) : 0;

			if (w[i] != want) {
				rs_check(0, "256 MiB area, chunk %lu (%s): word at %p (offset 0x%lx) is 0x%016llx, expected 0x%016llx",
					 c, chunk_touched(c) ? "written" : "never touched",
					 (void *)&w[i], (unsigned long)((const unsigned char *)&w[i] - region),
					 (unsigned long long)w[i], (unsigned long long)want);
				bad++;
				break;
			}
		}
	}
	rs_check(bad == 0, "%d chunks of the 256 MiB area differ (first 4 above)", bad);

	brk1 = (unsigned long)syscall(SYS_brk, 0);
	rs_check(brk1 == brk0, "brk is 0x%lx, was 0x%lx", brk1, brk0);
	for (int i = 0; i < HEAP_BLOCKS; i++) {
		char what[64];

		snprintf(what, sizeof(what), "heap block %d", i);
		check_filled(heap[i], HEAP_BLOCK, SEED_HEAP + (uint64_t)i, what);
	}

	check_filled(grows, GROWS_SIZE, SEED_GROWS, "MAP_GROWSDOWN area");
	smaps_vmflags((unsigned long)grows, flags, sizeof(flags));
	rs_check(strstr(flags, " gd") != NULL,
		 "the MAP_GROWSDOWN area lost gd: VmFlags \"%s\"", flags);

	check_filled(shared, SHARED_SIZE, SEED_SHARED, "MAP_SHARED anonymous area");

	/* shared memory is still shared with a child, private still private */
	child = fork();
	if (child == 0) {
		shared[7] = 0x5eed5eed5eed5eedULL;
		((uint64_t *)region)[7] = 0x0bad0bad0bad0badULL;
		_exit(0);
	}
	rs_check(child > 0 && waitpid(child, &status, 0) == child &&
		 WIFEXITED(status) && WEXITSTATUS(status) == 0,
		 "fork/wait of a child after the restart failed");
	rs_check(shared[7] == 0x5eed5eed5eed5eedULL,
		 "a child's write to the MAP_SHARED area is not seen (0x%llx): not shared any more",
		 (unsigned long long)shared[7]);
	rs_check(((uint64_t *)region)[7] == pattern((uintptr_t)&((uint64_t *)region)[7], SEED_REGION),
		 "a child's write to the private area is seen: not private any more");
	rs_done();
}

/* 256 MiB with holes and protections, the heap, growsdown and shared areas */
TEST_F_TIMEOUT(restart, memory, 120)
{
	struct rs_test *t = &self->t;

	rs_spawn(_metadata, t, memory_target, NULL);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);
	rs_restart(_metadata, t, NULL);
	rs_wait_restarter(_metadata, t, 90 * 1000);
	rs_expect_restored(_metadata, t);
}

TEST_HARNESS_MAIN
