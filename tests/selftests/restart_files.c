// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint and restart of a task's files (see ckpt_restart.h for the
 * pattern):
 *
 *  files        private and shared file mappings, file offsets, a shared
 *               open file description, O_APPEND and O_NONBLOCK, FD_CLOEXEC,
 *               sparse fd numbers (one above the RLIMIT_NOFILE lowered
 *               after it was opened), a directory fd and its position,
 *               /dev/null and /dev/zero, cwd and umask; the whole fd table
 *  stale.*      a file changed between checkpoint and restart (replaced,
 *               grown, touched, removed, replaced while only mapped):
 *               refused with ESTALE (ENOENT if gone); accepted with
 *               RESTART_FORCE_FILES, the restored task then sees the new file;
 *               but a FIFO in its place is refused, forced or not, before
 *               it is opened (which would wait for a writer)
 *  tty.*        terminal fds are re-attached to the restarter's terminal,
 *               also when the restarter's own fd of that number is not one
 *  fd_above_restarter_limit
 *               a descriptor above the restarter's soft RLIMIT_NOFILE, in
 *               a process that had raised its own: there again, and the
 *               limit as the process had it
 */
#include "ckpt_restart.h"

#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

RS_FIXTURE(restart);

#define PG		4096
#define PRIV_SIZE	(3 * PG)
#define SHARED_SIZE	(2 * PG)
#define HALF_SIZE	8192
#define HALF_READ	3000
#define DIR_ENTRIES	40
#define DENTS_BUF	256
#define NFDS		1024

#define FD_HALF		10	/* half.dat, read up to HALF_READ */
#define FD_APPEND	11	/* append.log, O_APPEND */
#define FD_SHARED	12	/* shared.dat, mapped MAP_SHARED */
#define FD_HALF_DUP	13	/* dup of FD_HALF: one open file, one offset */
#define FD_DEVZERO		20	/* /dev/zero, FD_CLOEXEC */
#define FD_DEVNULL		21	/* /dev/null, O_NONBLOCK */
#define FD_DIR		30	/* dirfd/, FD_CLOEXEC, positioned mid-way */
#define FD_DIR_DUP	31	/* dup of FD_DIR without FD_CLOEXEC */
#define FD_HIGH		700	/* dup of FD_DEVZERO without FD_CLOEXEC */
#define NOFILE_SOFT	512	/* RLIMIT_NOFILE lowered below FD_HIGH after */

/* Byte at offset off of a test file named by seed */
static unsigned char fbyte(int seed, size_t off)
{
	return (unsigned char)(seed * 31 + off * 7 + (off >> 8));
}

static void fill_bytes(unsigned char *p, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = fbyte(seed, i);
}

#define SEED_PRIV	'A'
#define SEED_COW	'B'
#define SEED_SHARED	'C'
#define SEED_SHARED2	'D'
#define SEED_HALF	'H'

static int make_file(const char *path, size_t len, int seed)
{
	unsigned char *buf = malloc(len ? len : 1);
	int fd, r;

	if (!buf)
		return -1;
	fill_bytes(buf, len, seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	r = fd < 0 || (len && write_all(fd, buf, len)) ? -1 : 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* Index of the first differing byte, len if none */
static size_t first_diff(const unsigned char *a, const unsigned char *b, size_t len)
{
	size_t i = 0;

	while (i < len && a[i] == b[i])
		i++;
	return i;
}

/* The names getdents64 returns from fd's position, comma-separated. */
static int dents_names(int fd, char *out, size_t size)
{
	char buf[DENTS_BUF];
	long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	size_t used = 0;

	out[0] = 0;
	if (n < 0)
		return -1;
	for (long off = 0; off < n;) {
		unsigned short reclen;
		const char *name = buf + off + 19;	/* d_ino, d_off, d_reclen, d_type */

		memcpy(&reclen, buf + off + 16, sizeof(reclen));
		used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", name);
		if (used >= size)
			return -1;
		off += reclen;
	}
	return 0;
}

/* Check the bytes of buf against the file pattern seed; one check. */
static int check_pattern(const unsigned char *p, size_t len, size_t base, int seed,
			 const char *what)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != fbyte(seed, base + i))
			return rs_check(0, "%s: byte %zu is 0x%02x, expected 0x%02x", what,
					base + i, p[i], fbyte(seed, base + i));
	return rs_check(1, "%s", what);
}

static struct {
	int fdflags[NFDS];	/* F_GETFD, or -1 if not open */
	int flflags[NFDS];	/* F_GETFL */
	char cwd[PATH_MAX];
	char names2[1024];	/* getdents after the saved directory position */
	off_t dirpos;
	struct rs_map priv_map, shared_map;
} fs0;

static struct rs_maps files_maps;

static void snapshot_fds(int *fdflags, int *flflags)
{
	for (int fd = 0; fd < NFDS; fd++) {
		fdflags[fd] = fcntl(fd, F_GETFD);
		flflags[fd] = fdflags[fd] < 0 ? -1 : fcntl(fd, F_GETFL);
	}
}

static void files_target(const struct rs_test *t, const void *arg)
{
	static int fdflags[NFDS], flflags[NFDS];
	unsigned char *priv, *shared, buf[HALF_READ], zero[64], want[64];
	char path[256], names[1024], cwd[PATH_MAX];
	const struct rs_map *m;
	struct rlimit rl;
	struct stat st;
	pid_t pid0;
	off_t pos;
	int fd, bad, mode;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	umask(027);
	if (chdir(rs_path(t, "cwd", path, sizeof(path))) || !getcwd(fs0.cwd, sizeof(fs0.cwd)))
		rs_setup_fail("chdir %s", path);

	/* a private file mapping, one page changed (copied on write), no fd */
	fd = open(rs_path(t, "priv.dat", path, sizeof(path)), O_RDONLY);
	if (fd < 0)
		rs_setup_fail("open %s", path);
	priv = mmap(NULL, PRIV_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (priv == MAP_FAILED)
		rs_setup_fail("mmap priv.dat");
	close(fd);
	fill_bytes(priv + PG, PG, SEED_COW);

	/* a shared file mapping, written through */
	fd = open(rs_path(t, "shared.dat", path, sizeof(path)), O_RDWR);
	if (fd < 0 || dup2(fd, FD_SHARED) != FD_SHARED)
		rs_setup_fail("open %s", path);
	close(fd);
	shared = mmap(NULL, SHARED_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, FD_SHARED, 0);
	if (shared == MAP_FAILED)
		rs_setup_fail("mmap shared.dat");
	fill_bytes(shared, SHARED_SIZE, SEED_SHARED);

	/* a file read halfway, and a second fd on the same open file */
	fd = open(rs_path(t, "half.dat", path, sizeof(path)), O_RDONLY);
	if (fd < 0 || dup2(fd, FD_HALF) != FD_HALF || dup2(fd, FD_HALF_DUP) != FD_HALF_DUP)
		rs_setup_fail("open %s", path);
	close(fd);
	if (read(FD_HALF, buf, HALF_READ) != HALF_READ)
		rs_setup_fail("read half.dat");

	fd = open(rs_path(t, "append.log", path, sizeof(path)), O_WRONLY | O_APPEND);
	if (fd < 0 || dup2(fd, FD_APPEND) != FD_APPEND)
		rs_setup_fail("open %s", path);
	close(fd);
	if (write(FD_APPEND, "first\n", 6) != 6)
		rs_setup_fail("write append.log");

	fd = open("/dev/zero", O_RDONLY);
	if (fd < 0 || dup3(fd, FD_DEVZERO, O_CLOEXEC) != FD_DEVZERO || dup2(fd, FD_HIGH) != FD_HIGH)
		rs_setup_fail("open /dev/zero");
	close(fd);
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, FD_DEVNULL) != FD_DEVNULL || fcntl(FD_DEVNULL, F_SETFL, O_NONBLOCK))
		rs_setup_fail("open /dev/null");
	close(fd);

	/* a directory fd, positioned after its first batch of entries */
	fd = open(rs_path(t, "dirfd", path, sizeof(path)), O_RDONLY | O_DIRECTORY);
	if (fd < 0 || dup3(fd, FD_DIR, O_CLOEXEC) != FD_DIR || dup2(fd, FD_DIR_DUP) != FD_DIR_DUP)
		rs_setup_fail("open %s", path);
	close(fd);
	if (dents_names(FD_DIR, names, sizeof(names)))
		rs_setup_fail("getdents64");
	fs0.dirpos = lseek(FD_DIR, 0, SEEK_CUR);
	if (dents_names(FD_DIR, fs0.names2, sizeof(fs0.names2)) || !fs0.names2[0])
		rs_setup_fail("getdents64 (second batch)");
	if (lseek(FD_DIR, fs0.dirpos, SEEK_SET) != fs0.dirpos)
		rs_setup_fail("lseek on the directory");

	if (rs_maps_read("/proc/self/maps", &files_maps))
		rs_setup_fail("reading /proc/self/maps");
	m = rs_maps_find(&files_maps, (unsigned long)priv);
	if (!m)
		rs_setup_fail("priv.dat mapping not in maps");
	fs0.priv_map = *m;
	m = rs_maps_find(&files_maps, (unsigned long)shared);
	if (!m)
		rs_setup_fail("shared.dat mapping not in maps");
	fs0.shared_map = *m;
	snapshot_fds(fs0.fdflags, fs0.flflags);
	/* A limit lowered below a descriptor the task keeps */
	if (getrlimit(RLIMIT_NOFILE, &rl))
		rs_setup_fail("getrlimit");
	rl.rlim_cur = NOFILE_SOFT;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		rs_setup_fail("setrlimit");

	rs_stop_here();

	rs_restored_begin(pid0);

	/* the fd table, before we open anything */
	snapshot_fds(fdflags, flflags);
	bad = 0;
	for (fd = 0; fd < NFDS; fd++) {
		if (fdflags[fd] == fs0.fdflags[fd] && flflags[fd] == fs0.flflags[fd])
			continue;
		if (++bad <= 4)
			rs_check(0, "fd %d: FD flags %d (was %d), file flags 0%o (was 0%o); -1: not open",
				 fd, fdflags[fd], fs0.fdflags[fd], flflags[fd], fs0.flflags[fd]);
	}
	rs_check(bad == 0, "%d fds differ (first 4 above)", bad);
	rs_check(!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur == NOFILE_SOFT,
		 "RLIMIT_NOFILE %llu, expected %d", (unsigned long long)rl.rlim_cur,
		 NOFILE_SOFT);

	/* offsets, and one offset shared by two fds */
	pos = lseek(FD_HALF, 0, SEEK_CUR);
	rs_check(pos == HALF_READ, "half.dat offset is %lld, expected %d", (long long)pos, HALF_READ);
	if (read(FD_HALF, buf, 100) == 100)
		check_pattern(buf, 100, HALF_READ, SEED_HALF, "half.dat read after the restart");
	else
		rs_check(0, "read of half.dat after the restart: %s", strerror(errno));
	pos = lseek(FD_HALF_DUP, 0, SEEK_CUR);
	rs_check(pos == HALF_READ + 100,
		 "offset of fd %d is %lld after reading 100 bytes on fd %d at %d: not one open file",
		 FD_HALF_DUP, (long long)pos, FD_HALF, HALF_READ);

	/* O_APPEND: writes go to the end, wherever the offset is */
	rs_check(lseek(FD_APPEND, 0, SEEK_SET) == 0, "lseek append.log");
	rs_check(write(FD_APPEND, "second\n", 7) == 7, "write append.log: %s", strerror(errno));
	pos = lseek(FD_APPEND, 0, SEEK_CUR);
	rs_check(pos == 13, "append.log offset after an O_APPEND write is %lld, expected 13",
		 (long long)pos);

	/* the private mapping: page 1 is ours, pages 0 and 2 and the file are the file's */
	check_pattern(priv, PG, 0, SEED_PRIV, "MAP_PRIVATE page 0 (from the file)");
	for (size_t i = 0; i < PG; i++) {
		if (priv[PG + i] != fbyte(SEED_COW, i)) {
			rs_check(0, "MAP_PRIVATE page 1 (copied on write): byte %zu is 0x%02x, expected 0x%02x",
				 i, priv[PG + i], fbyte(SEED_COW, i));
			break;
		}
	}
	check_pattern(priv + 2 * PG, PG, 2 * PG, SEED_PRIV, "MAP_PRIVATE page 2 (from the file)");
	priv[2 * PG] ^= 0xff;			/* must not reach the file */
	fd = open(rs_path(t, "priv.dat", path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		unsigned char file[PRIV_SIZE];

		if (pread(fd, file, PRIV_SIZE, 0) == PRIV_SIZE)
			check_pattern(file, PRIV_SIZE, 0, SEED_PRIV,
				      "priv.dat (the file behind the MAP_PRIVATE mapping)");
		else
			rs_check(0, "pread priv.dat: %s", strerror(errno));
		close(fd);
	} else {
		rs_check(0, "open priv.dat: %s", strerror(errno));
	}

	/* the shared mapping: the data is the file's, and still goes to it */
	check_pattern(shared, SHARED_SIZE, 0, SEED_SHARED, "MAP_SHARED mapping of shared.dat");
	fill_bytes(want, sizeof(want), SEED_SHARED2);
	memcpy(shared, want, sizeof(want));
	if (pread(FD_SHARED, buf, sizeof(want), 0) == (ssize_t)sizeof(want))
		rs_check_bytes(buf, want, sizeof(want),
			       "shared.dat read right after a write through the MAP_SHARED mapping");
	else
		rs_check(0, "pread shared.dat: %s", strerror(errno));

	if (!rs_maps_read("/proc/self/maps", &files_maps)) {
		char a[256], b[256];

		m = rs_maps_find(&files_maps, (unsigned long)priv);
		rs_map_str(&fs0.priv_map, a, sizeof(a));
		if (m)
			rs_map_str(m, b, sizeof(b));
		rs_check(m && rs_map_same(&fs0.priv_map, m), "priv.dat mapping was \"%s\", now \"%s\"",
			 a, m ? b : "(none)");
		m = rs_maps_find(&files_maps, (unsigned long)shared);
		rs_map_str(&fs0.shared_map, a, sizeof(a));
		if (m)
			rs_map_str(m, b, sizeof(b));
		rs_check(m && rs_map_same(&fs0.shared_map, m),
			 "shared.dat mapping was \"%s\", now \"%s\"", a, m ? b : "(none)");
	} else {
		rs_check(0, "cannot read /proc/self/maps");
	}

	/* devices */
	rs_check(!fstat(FD_DEVZERO, &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5),
		 "fd %d is not /dev/zero (mode 0%o rdev %u:%u)", FD_DEVZERO, st.st_mode,
		 major(st.st_rdev), minor(st.st_rdev));
	memset(zero, 0xee, sizeof(zero));
	rs_check(read(FD_HIGH, zero, sizeof(zero)) == (ssize_t)sizeof(zero) &&
		 all_zero(zero, sizeof(zero)), "read of /dev/zero on fd %d", FD_HIGH);
	rs_check(!fstat(FD_DEVNULL, &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
		 "fd %d is not /dev/null (mode 0%o rdev %u:%u)", FD_DEVNULL, st.st_mode,
		 major(st.st_rdev), minor(st.st_rdev));
	rs_check(write(FD_DEVNULL, "12345", 5) == 5, "write to /dev/null: %s", strerror(errno));

	/* the directory position */
	pos = lseek(FD_DIR, 0, SEEK_CUR);
	rs_check(pos == fs0.dirpos, "directory offset is %lld, was %lld", (long long)pos,
		 (long long)fs0.dirpos);
	if (!dents_names(FD_DIR, names, sizeof(names)))
		rs_check(!strcmp(names, fs0.names2),
			 "getdents64 after the restart returns \"%s\", expected \"%s\"",
			 names, fs0.names2);
	else
		rs_check(0, "getdents64 after the restart: %s", strerror(errno));

	/* cwd and umask */
	rs_check(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, fs0.cwd),
		 "cwd is \"%s\", was \"%s\"", cwd, fs0.cwd);
	rs_check(access("marker", R_OK) == 0, "marker (relative to cwd): %s", strerror(errno));
	mode = umask(0);
	rs_check(mode == 027, "umask is 0%o, expected 027", mode);
	rs_done();
}

#define FD_RAISED	3000	/* above the restarter's soft RLIMIT_NOFILE */

/* A process that raised its soft RLIMIT_NOFILE and has a descriptor above the default */
static void raised_target(const struct rs_test *t, const void *arg)
{
	struct rlimit rl;
	pid_t pid0;

	(void)arg;
	rs_target_enter(t, 0);
	pid0 = getpid();
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max <= FD_RAISED)
		rs_setup_fail("RLIMIT_NOFILE hard limit %llu", (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) || dup2(0, FD_RAISED) != FD_RAISED)
		rs_setup_fail("fd %d", FD_RAISED);

	rs_stop_here();

	rs_restored_begin(pid0);
	rs_check(fcntl(FD_RAISED, F_GETFD) >= 0, "fd %d is gone", FD_RAISED);
	rs_check(!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur == rl.rlim_max,
		 "RLIMIT_NOFILE soft %llu, hard %llu: not raised as it was",
		 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	rs_done();
}

/* The restarter's soft RLIMIT_NOFILE, below the target's descriptor */
static int restarter_soft_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	rl.rlim_cur = FD_RAISED / 2;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* The restarter's soft limit is below the descriptor: raised for it */
TEST_F_TIMEOUT(restart, fd_above_restarter_limit, 60)
{
	const struct rs_restart_opts o = { .before = restarter_soft_nofile };

	rs_run_opts(_metadata, &self->t, raised_target, NULL, &o, RS_WAIT_MS);
}

/* Files, mappings, fd table, cwd, umask. */
TEST_F_TIMEOUT(restart, files, 60)
{
	struct rs_test *t = &self->t;
	unsigned char *data, want[PRIV_SIZE];
	char path[256];
	size_t len, i;
	int fd;

	ASSERT_EQ(0, make_file(rs_path(t, "priv.dat", path, sizeof(path)), PRIV_SIZE, SEED_PRIV));
	ASSERT_EQ(0, make_file(rs_path(t, "shared.dat", path, sizeof(path)), SHARED_SIZE, 'x'));
	ASSERT_EQ(0, make_file(rs_path(t, "half.dat", path, sizeof(path)), HALF_SIZE, SEED_HALF));
	ASSERT_EQ(0, make_file(rs_path(t, "append.log", path, sizeof(path)), 0, 0));
	ASSERT_EQ(0, mkdir(rs_path(t, "dirfd", path, sizeof(path)), 0755));
	for (int i = 0; i < DIR_ENTRIES; i++) {
		char name[300];

		snprintf(name, sizeof(name), "%s/f%02d", path, i);
		ASSERT_EQ(0, make_file(name, 0, 0));
	}
	ASSERT_EQ(0, mkdir(rs_path(t, "cwd", path, sizeof(path)), 0755));
	ASSERT_EQ(0, make_file(rs_path(t, "cwd/marker", path, sizeof(path)), 7, 'm'));

	rs_run(_metadata, t, files_target, NULL);

	/* what the restored program wrote went to the files */
	fd = open(rs_path(t, "append.log", path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fd_slurp(fd, &data, &len));
	close(fd);
	EXPECT_EQ(13U, len);
	EXPECT_EQ(0, memcmp(data, "first\nsecond\n", len < 13 ? len : 13))
		TH_LOG("append.log is \"%.*s\"", (int)len, data);
	free(data);

	fd = open(rs_path(t, "shared.dat", path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fd_slurp(fd, &data, &len));
	close(fd);
	fill_bytes(want, SHARED_SIZE, SEED_SHARED);
	fill_bytes(want, 64, SEED_SHARED2);
	ASSERT_EQ((size_t)SHARED_SIZE, len);
	i = first_diff(data, want, len);
	EXPECT_EQ(len, i) TH_LOG("shared.dat byte %zu is 0x%02x, expected 0x%02x", i, data[i],
				 want[i]);
	free(data);

	fd = open(rs_path(t, "priv.dat", path, sizeof(path)), O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fd_slurp(fd, &data, &len));
	close(fd);
	ASSERT_EQ((size_t)PRIV_SIZE, len);
	fill_bytes(want, PRIV_SIZE, SEED_PRIV);
	i = first_diff(data, want, len);
	EXPECT_EQ(len, i) TH_LOG("priv.dat byte %zu changed (0x%02x): a MAP_PRIVATE write reached the file",
				 i, data[i]);
	free(data);
}

/* ------------------------------------------------------------------ */
/* files changed between checkpoint and restart                        */
/* ------------------------------------------------------------------ */

enum change { CH_REPLACE, CH_GROW, CH_TOUCH, CH_REMOVE, CH_FIFO };

FIXTURE(stale) {
	struct rs_test t;
};

FIXTURE_VARIANT(stale) {
	enum change change;
	int mapped;		/* the file is only mapped, not open */
	int err;		/* what restart(2) without RESTART_FORCE_FILES gives */
};

FIXTURE_VARIANT_ADD(stale, replaced) {
	.change = CH_REPLACE, .mapped = 0, .err = ESTALE,
};

FIXTURE_VARIANT_ADD(stale, grown) {
	.change = CH_GROW, .mapped = 0, .err = ESTALE,
};

FIXTURE_VARIANT_ADD(stale, touched) {
	.change = CH_TOUCH, .mapped = 0, .err = ESTALE,
};

FIXTURE_VARIANT_ADD(stale, removed) {
	.change = CH_REMOVE, .mapped = 0, .err = ENOENT,
};

FIXTURE_VARIANT_ADD(stale, fifo_instead) {
	.change = CH_FIFO, .mapped = 0, .err = ESTALE,
};

FIXTURE_VARIANT_ADD(stale, mapped_replaced) {
	.change = CH_REPLACE, .mapped = 1, .err = ESTALE,
};

FIXTURE_SETUP(stale)
{
	rs_init(_metadata, &self->t);
}

FIXTURE_TEARDOWN(stale)
{
	rs_cleanup(&self->t);
}

#define DATA_SIZE	4096
#define DATA_FD		9
#define DATA_POS	4
#define OLD_HEAD	"old-contents!!!!"
#define NEW_HEAD	"new-contents!!!!"
#define HEAD_LEN	16

static int make_data(const char *path, const char *head)
{
	unsigned char buf[DATA_SIZE];
	int fd, r;

	fill_bytes(buf, sizeof(buf), 'd');
	memcpy(buf, head, HEAD_LEN);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	r = write_all(fd, buf, sizeof(buf));
	close(fd);
	return r;
}

static void stale_target(const struct rs_test *t, const void *arg)
{
	const FIXTURE_VARIANT(stale) *v = arg;
	const char *want = v->change == CH_REPLACE ? NEW_HEAD : OLD_HEAD;
	unsigned char head[HEAD_LEN], *map = NULL;
	char path[256];
	struct stat st0, st;
	pid_t pid0;
	int fd;

	rs_target_enter(t, 0);
	pid0 = getpid();
	fd = open(rs_path(t, "data", path, sizeof(path)), O_RDONLY);
	if (fd < 0 || fstat(fd, &st0))
		rs_setup_fail("open %s", path);
	if (v->mapped) {
		map = mmap(NULL, DATA_SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED)
			rs_setup_fail("mmap");
		close(fd);
	} else {
		if (dup2(fd, DATA_FD) != DATA_FD || read(DATA_FD, head, DATA_POS) != DATA_POS)
			rs_setup_fail("dup2/read");
		close(fd);
	}

	rs_stop_here();

	rs_restored_begin(pid0);	/* with RESTART_FORCE_FILES */
	if (v->mapped) {
		rs_check(!memcmp(map, want, HEAD_LEN), "the mapping starts with \"%.16s\", expected \"%s\"",
			 (const char *)map, want);
		rs_done();
	}
	rs_check(lseek(DATA_FD, 0, SEEK_CUR) == DATA_POS, "offset is %lld, was %d",
		 (long long)lseek(DATA_FD, 0, SEEK_CUR), DATA_POS);
	rs_check(pread(DATA_FD, head, HEAD_LEN, 0) == HEAD_LEN && !memcmp(head, want, HEAD_LEN),
		 "the file starts with \"%.16s\", expected \"%s\"", (const char *)head, want);
	rs_check(!fstat(DATA_FD, &st), "fstat: %s", strerror(errno));
	if (v->change == CH_REPLACE)
		rs_check(st.st_ino != st0.st_ino, "still the old inode %lu: the file was replaced",
			 (unsigned long)st0.st_ino);
	else
		rs_check(st.st_ino == st0.st_ino, "inode %lu, was %lu", (unsigned long)st.st_ino,
			 (unsigned long)st0.st_ino);
	if (v->change == CH_GROW)
		rs_check(st.st_size == DATA_SIZE + 10, "size %lld, expected %d after growing",
			 (long long)st.st_size, DATA_SIZE + 10);
	rs_done();
}

/*
 * A file changed after the checkpoint: restart refuses it; with
 * RESTART_FORCE_FILES it accepts it and the task sees the file as it is.
 */
TEST_F_TIMEOUT(stale, refused_then_forced, 60)
{
	struct rs_restart_opts force = { .flags = RESTART_FORCE_FILES };
	struct rs_test *t = &self->t;
	struct timespec times[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	char path[256];
	int fd;

	rs_path(t, "data", path, sizeof(path));
	ASSERT_EQ(0, make_data(path, OLD_HEAD));
	rs_spawn(_metadata, t, stale_target, variant);
	rs_wait_stopped(_metadata, t);
	rs_checkpoint_kill(_metadata, t);

	switch (variant->change) {
	case CH_REPLACE:
		ASSERT_EQ(0, unlink(path));
		ASSERT_EQ(0, make_data(path, NEW_HEAD));	/* same size, new inode */
		break;
	case CH_GROW:
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(10, write(fd, "0123456789", 10));
		close(fd);
		break;
	case CH_TOUCH:
		ASSERT_EQ(0, utimensat(AT_FDCWD, path, times, 0));
		break;
	case CH_REMOVE:
		ASSERT_EQ(0, unlink(path));
		break;
	case CH_FIFO:
		ASSERT_EQ(0, unlink(path));
		ASSERT_EQ(0, mkfifo(path, 0644));
		break;
	}

	rs_restart(_metadata, t, NULL);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restart_error(_metadata, t, variant->err);
	if (variant->change == CH_REMOVE)
		return;
	/* A FIFO is not opened, which would wait for a writer, forced or not */
	if (variant->change == CH_FIFO) {
		rs_restart(_metadata, t, &force);
		rs_wait_restarter(_metadata, t, RS_WAIT_MS);
		rs_expect_restart_error(_metadata, t, ESTALE);
		return;
	}

	rs_restart(_metadata, t, &force);
	rs_wait_restarter(_metadata, t, RS_WAIT_MS);
	rs_expect_restored(_metadata, t);
}

/* ------------------------------------------------------------------ */
/* terminals                                                           */
/* ------------------------------------------------------------------ */

FIXTURE(tty) {
	struct rs_test t;
};

FIXTURE_VARIANT(tty) {
	int stdout_null;	/* the restarter's fd 1 is /dev/null */
};

FIXTURE_VARIANT_ADD(tty, same_fds) {
	.stdout_null = 0,
};

FIXTURE_VARIANT_ADD(tty, restarter_stdout_not_a_tty) {
	.stdout_null = 1,
};

FIXTURE_SETUP(tty)
{
	rs_init(_metadata, &self->t);
}

FIXTURE_TEARDOWN(tty)
{
	rs_cleanup(&self->t);
}

static void tty_target(const struct rs_test *t, const void *arg)
{
	const FIXTURE_VARIANT(tty) *v = arg;
	int istty[3], mode[3];
	struct termios tio;
	struct stat st0[3], st;
	dev_t want;
	pid_t pid0;

	rs_target_enter(t, RS_KEEP_STDIO);
	pid0 = getpid();
	for (int fd = 0; fd < 3; fd++) {
		istty[fd] = isatty(fd);
		mode[fd] = fcntl(fd, F_GETFL) & O_ACCMODE;
		if (fstat(fd, &st0[fd]))
			rs_setup_fail("fstat %d", fd);
	}

	rs_stop_here();

	rs_restored_begin(pid0);
	for (int fd = 0; fd < 3; fd++) {
		rs_check(isatty(fd) == istty[fd], "fd %d: isatty %d, was %d", fd, isatty(fd),
			 istty[fd]);
		rs_check((fcntl(fd, F_GETFL) & O_ACCMODE) == mode[fd], "fd %d: access mode %d, was %d",
			 fd, fcntl(fd, F_GETFL) & O_ACCMODE, mode[fd]);
		if (!istty[fd])
			continue;
		/* the restarter's own terminal on this fd, else its first one */
		want = st0[fd].st_rdev;
		if (fd == 1 && v->stdout_null)
			want = istty[0] ? st0[0].st_rdev : st0[2].st_rdev;
		rs_check(!fstat(fd, &st) && st.st_rdev == want,
			 "fd %d: terminal %u:%u, expected %u:%u", fd, major(st.st_rdev),
			 minor(st.st_rdev), major(want), minor(want));
		rs_check(tcgetattr(fd, &tio) == 0, "fd %d: tcgetattr: %s", fd, strerror(errno));
	}
	rs_done();
}

/*
 * The target keeps the terminal fds among 0-2 it inherited; restored,
 * they are the restarter's terminal.
 */
TEST_F_TIMEOUT(tty, reattached, 60)
{
	struct rs_restart_opts o = { .stdout_null = variant->stdout_null };
	struct rs_test *t = &self->t;
	struct stat st[3];
	int n = 0;

	for (int fd = 0; fd < 3; fd++) {
		if (!isatty(fd))
			continue;
		n++;
		ASSERT_EQ(0, fstat(fd, &st[fd]));
	}
	if (!n)
		SKIP(return, "none of fds 0-2 is a terminal");
	if (variant->stdout_null && (!isatty(1) || (!isatty(0) && !isatty(2))))
		SKIP(return, "needs terminals on fd 1 and on fd 0 or 2");
	rs_run_opts(_metadata, t, tty_target, variant, &o, RS_WAIT_MS);
}

TEST_HARNESS_MAIN
