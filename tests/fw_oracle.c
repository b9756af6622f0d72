// SPDX-License-Identifier: GPL-2.0
/*
 * fw_oracle: check folio_walk_start() against an independent oracle.
 *
 * For every kind of mapping, ask the kernel's folio_walk test interface
 * (/sys/kernel/debug/folio_walk_test, CONFIG_FOLIO_WALK_TEST) what it finds
 * at the first byte, a middle byte and the last byte of the mapping and one
 * byte past it, and compare with /proc/self/pagemap and /proc/kpageflags.
 * Runs on patched kernels only (the interface is part of the series).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "fw_util.h"
#include "mm/folio_walk_test.h"

#define PAGE		4096UL
#define KPF_ANON	12
#define KPF_COMPOUND_HEAD 15
#define KPF_HUGE	17
#define KPF_KSM		21
#define KPF_THP		22
#define KPF_ZERO_PAGE	24
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE	14
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT	26
#endif

static int fw_fd = -1, pagemap_fd = -1, kpageflags_fd = -1;

/* The PMD size of THPs, from sysfs (2M on x86_64/arm64 4K, 1M on s390x). */
static unsigned long pmd_size = 2UL << 20;
static int pmd_order = 9;

/* The size a PUD entry maps: 2G on s390x (region-third), else 1G. */
#ifdef __s390x__
#define PUD_BYTES	(2UL << 30)
#else
#define PUD_BYTES	(1UL << 30)
#endif

/* How many pages one entry of a level maps. */
static uint64_t level_pages(unsigned int level)
{
	if (level == FWT_LEVEL_PUD)
		return PUD_BYTES / PAGE;
	if (level == FWT_LEVEL_PMD)
		return pmd_size / PAGE;
	return 1;
}

/* One round through the test interface; returns 0 or -errno. */
static int fw_walk(unsigned long addr, unsigned int flags,
		   struct folio_walk_test *t)
{
	memset(t, 0, sizeof(*t));
	t->size = sizeof(*t);
	t->flags = flags;
	t->addr = addr;
	return ioctl(fw_fd, FOLIO_WALK_TEST, t) ? -errno : 0;
}

/* The oracle: the pfn /proc/self/pagemap reports, or 0 if not present. */
static uint64_t pagemap_pfn(unsigned long addr)
{
	uint64_t e;

	if (pread(pagemap_fd, &e, sizeof(e), (addr / PAGE) * 8) != sizeof(e))
		return 0;
	if (!(e & (1ULL << 63)))
		return 0;
	return e & ((1ULL << 55) - 1);
}

static uint64_t kpageflags(uint64_t pfn)
{
	uint64_t f = 0;

	if (pread(kpageflags_fd, &f, sizeof(f), pfn * 8) != sizeof(f))
		return 0;
	return f;
}

static int has_kpf(uint64_t pfn, int bit)
{
	return !!(kpageflags(pfn) & (1ULL << bit));
}

/* mmap len bytes aligned to align, with nothing mapped right after. */
static char *map_aligned(size_t len, size_t align, int prot, int flags, int fd)
{
	size_t total = len + align + PAGE;
	char *raw, *p;

	raw = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((unsigned long)raw + align - 1) & ~(align - 1));
	munmap(raw, total);
	p = mmap(p, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void touch_write(char *p, size_t len, size_t step)
{
	for (size_t i = 0; i < len; i += step)
		p[i] = (char)(i / step + 1);
}

static void touch_read(char *p, size_t len, size_t step)
{
	volatile char sink = 0;

	for (size_t i = 0; i < len; i += step)
		sink += p[i];
	(void)sink;
}

/*
 * The entry the walker returned is the one of its level that maps addr
 * (for hugetlb cont-PTE/cont-PMD sizes: not the first of the huge page),
 * present, and read with its level's accessor it holds the pfn of the
 * part of the folio it maps: pfn is what pagemap reports at addr.
 */
static void expect_entry(struct __test_metadata *_metadata,
			 const struct folio_walk_test *t, unsigned long addr,
			 uint64_t pfn)
{
	EXPECT_TRUE(t->kind & FWT_PRESENT) TH_LOG("entry %#llx at %#lx not present",
						  (unsigned long long)t->entry, addr);
	EXPECT_TRUE(t->kind & FWT_ENTRY_OK)
		TH_LOG("%#lx: the entry is not the one of level %u that maps it",
		       addr, t->level);
	EXPECT_EQ(t->entry_pfn, pfn & ~(level_pages(t->level) - 1))
		TH_LOG("%#lx: level %u entry %#llx", addr, t->level,
		       (unsigned long long)t->entry);
}

/*
 * The core assertion: at addr, the walker finds exactly what pagemap sees
 * (a present page and its pfn), returns with the PTL held, at the level
 * expected, and describes the folio as kpageflags does.
 */
static void expect_mapped(struct __test_metadata *_metadata,
			  unsigned long addr, unsigned int flags, int level,
			  int order)
{
	struct folio_walk_test t;
	uint64_t pfn = pagemap_pfn(addr);

	ASSERT_NE(pfn, 0) TH_LOG("pagemap: nothing present at %#lx", addr);
	ASSERT_EQ(fw_walk(addr, flags, &t), 0);
	EXPECT_EQ(t.found, 1) TH_LOG("no folio at %#lx", addr);
	EXPECT_EQ(t.pfn, pfn);
	EXPECT_EQ(t.ptl_held, 1);
	if (level >= 0)
		EXPECT_EQ(t.level, (unsigned int)level);
	if (order >= 0) {
		EXPECT_EQ(t.order, (unsigned int)order);
		EXPECT_EQ(t.head_pfn, t.pfn & ~((1ULL << order) - 1));
	}
	EXPECT_EQ(!!(t.kind & FWT_LARGE), t.order > 0);
	EXPECT_EQ(!!(t.kind & FWT_ANON), has_kpf(pfn, KPF_ANON));
	EXPECT_EQ(!!(t.kind & FWT_KSM), has_kpf(pfn, KPF_KSM));
	EXPECT_EQ(!!(t.kind & FWT_HUGETLB), has_kpf(pfn, KPF_HUGE));
	EXPECT_NE(t.entry, 0);
	expect_entry(_metadata, &t, addr, pfn);
	EXPECT_FALSE(t.kind & FWT_NO_PAGE) TH_LOG("folio_walk.page NULL for a mapped page at %#lx", addr);
}

/*
 * Whether the entry the walker read maps the page writable: what the s390
 * conversions test with pte_write(fw.pte) before the Ultravisor calls.
 */
static void expect_write(struct __test_metadata *_metadata,
			 unsigned long addr, unsigned int flags, int writable)
{
	struct folio_walk_test t;

	ASSERT_EQ(fw_walk(addr, flags, &t), 0);
	ASSERT_EQ(t.found, 1) TH_LOG("no folio at %#lx", addr);
	EXPECT_EQ(!!(t.kind & FWT_WRITE), writable)
		TH_LOG("%#lx: entry %#llx", addr, (unsigned long long)t.entry);
}

/*
 * The shared zero page and the huge zero page (FWT_ZEROPAGE): the folio is
 * returned, but no page is really mapped, so folio_walk.page is NULL.
 */
static void expect_zero(struct __test_metadata *_metadata, unsigned long addr,
			int level, int order)
{
	struct folio_walk_test t;
	uint64_t pfn = pagemap_pfn(addr);

	ASSERT_NE(pfn, 0) TH_LOG("pagemap: nothing present at %#lx", addr);
	ASSERT_TRUE(has_kpf(pfn, KPF_ZERO_PAGE));
	ASSERT_EQ(fw_walk(addr, FWT_ZEROPAGE, &t), 0);
	EXPECT_EQ(t.found, 1) TH_LOG("no zero folio at %#lx", addr);
	EXPECT_EQ(t.ptl_held, 1);
	EXPECT_TRUE(t.kind & FWT_ZERO);
	EXPECT_TRUE(t.kind & FWT_NO_PAGE) TH_LOG("folio_walk.page set for the zero page at %#lx", addr);
	EXPECT_EQ(t.pfn, 0);
	EXPECT_EQ(t.level, (unsigned int)level);
	EXPECT_EQ(t.order, (unsigned int)order);
	EXPECT_EQ(t.head_pfn, pfn & ~((1ULL << order) - 1));
	expect_entry(_metadata, &t, addr, pfn);
}

static void expect_not_found(struct __test_metadata *_metadata,
			     unsigned long addr, unsigned int flags)
{
	struct folio_walk_test t;

	ASSERT_EQ(fw_walk(addr, flags, &t), 0);
	EXPECT_EQ(t.found, 0) TH_LOG("unexpected folio at %#lx", addr);
}

static void expect_no_vma(struct __test_metadata *_metadata,
			  unsigned long addr)
{
	struct folio_walk_test t;

	EXPECT_EQ(fw_walk(addr, 0, &t), -EFAULT);
}

/* first byte, a middle byte, the last byte: all mapped the same way */
static void expect_range(struct __test_metadata *_metadata, char *p,
			 size_t len, unsigned int flags, int level, int order)
{
	expect_mapped(_metadata, (unsigned long)p, flags, level, order);
	expect_mapped(_metadata, (unsigned long)p + len / 2 + 123, flags,
		      level, order);
	expect_mapped(_metadata, (unsigned long)p + len - 1, flags, level,
		      order);
}

static int log2ul(unsigned long v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int write_sysfs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static long read_sysfs(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return atol(buf);
}

#define THP_DIR		"/sys/kernel/mm/transparent_hugepage"

/* SKIP a test that needs THP where the kernel has none (s390x under QEMU TCG). */
#define NEED_THP() do {								\
	if (access(THP_DIR, F_OK))						\
		SKIP(return, "no THP in this kernel (no " THP_DIR ")");	\
} while (0)

FIXTURE(fw) {
	int unused;
};

FIXTURE_SETUP(fw)
{
	if (fw_fd < 0)
		fw_fd = open("/sys/kernel/debug/folio_walk_test", O_RDWR);
	ASSERT_GE(fw_fd, 0) TH_LOG("no /sys/kernel/debug/folio_walk_test: CONFIG_FOLIO_WALK_TEST and debugfs are needed");
	if (pagemap_fd < 0)
		pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	ASSERT_GE(pagemap_fd, 0);
	if (kpageflags_fd < 0)
		kpageflags_fd = open("/proc/kpageflags", O_RDONLY);
	ASSERT_GE(kpageflags_fd, 0);
	if (read_sysfs(THP_DIR "/hpage_pmd_size") > 0) {
		pmd_size = read_sysfs(THP_DIR "/hpage_pmd_size");
		pmd_order = log2ul(pmd_size / PAGE);
	}
}

FIXTURE_TEARDOWN(fw)
{
}

TEST_F(fw, anon_4k)
{
	size_t len = 4 * PAGE;
	char *p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);

	ASSERT_NE(p, NULL);
	madvise(p, len, MADV_NOHUGEPAGE);
	touch_write(p, len, PAGE);
	expect_range(_metadata, p, len, 0, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	expect_no_vma(_metadata, (unsigned long)p + len);
	munmap(p, len);
}

static char *map_thp(struct __test_metadata *_metadata)
{
	char *p = map_aligned(pmd_size, pmd_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);

	(void)_metadata;
	if (!p)
		return NULL;
	madvise(p, pmd_size, MADV_HUGEPAGE);
	touch_write(p, pmd_size, PAGE);
	return p;
}

TEST_F(fw, thp_pmd)
{
	char *p;

	NEED_THP();
	p = map_thp(_metadata);

	ASSERT_NE(p, NULL);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_THP))
		TH_LOG("no THP: THP must be available (madvise mode) in the lab");
	expect_range(_metadata, p, pmd_size, 0, FWT_LEVEL_PMD, pmd_order);
	expect_write(_metadata, (unsigned long)p + pmd_size / 2, 0, 1);
	expect_no_vma(_metadata, (unsigned long)p + pmd_size);
	munmap(p, pmd_size);
}

TEST_F(fw, thp_pte_mapped)
{
	char *p;

	NEED_THP();
	p = map_thp(_metadata);

	ASSERT_NE(p, NULL);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_THP));
	/* A partial mprotect splits the PMD, the folio stays large. */
	ASSERT_EQ(mprotect(p + PAGE, PAGE, PROT_READ), 0);
	expect_range(_metadata, p, pmd_size, 0, FWT_LEVEL_PTE, pmd_order);
	munmap(p, pmd_size);
}

TEST_F(fw, thp_pte_mapped_dontneed)
{
	char *p;

	NEED_THP();
	p = map_thp(_metadata);

	ASSERT_NE(p, NULL);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_THP));
	ASSERT_EQ(madvise(p + 7 * PAGE, PAGE, MADV_DONTNEED), 0);
	expect_not_found(_metadata, (unsigned long)p + 7 * PAGE, 0);
	expect_mapped(_metadata, (unsigned long)p, 0, FWT_LEVEL_PTE, -1);
	expect_mapped(_metadata, (unsigned long)p + pmd_size - 1, 0,
		      FWT_LEVEL_PTE, -1);
	munmap(p, pmd_size);
}

#define MAX_HUGETLB_SIZES	8

/* The hugetlb page sizes the kernel offers, in bytes; -1 without hugetlb. */
static int hugetlb_sizes(unsigned long *sz)
{
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	unsigned long kb;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < MAX_HUGETLB_SIZES)
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) == 1)
			sz[n++] = kb * 1024;
	closedir(d);
	return n;
}

/* len bytes of hugetlb pages of size sz, aligned to sz; NULL on failure */
static char *map_hugetlb(size_t len, unsigned long sz)
{
	return map_aligned(len, sz, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			   (log2ul(sz) << MAP_HUGE_SHIFT), -1);
}

/* Every hugetlb size the kernel offers, each at start, middle and end. */
TEST_F(fw, hugetlb_every_size)
{
	unsigned long sizes[MAX_HUGETLB_SIZES];
	int n = hugetlb_sizes(sizes);

	if (n < 0)
		SKIP(return, "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
	for (int i = 0; i < n; i++) {
		unsigned long sz = sizes[i];
		int order = log2ul(sz / PAGE);
		int level = sz >= (1UL << 30) ? FWT_LEVEL_PUD :
			    sz >= pmd_size ? FWT_LEVEL_PMD : FWT_LEVEL_PTE;
		char *p = map_hugetlb(sz, sz);

		ASSERT_NE(p, NULL) TH_LOG("hugetlb %lukB: no pool reserved (lab: kernel command line)", sz / 1024);
		touch_write(p, sz, PAGE);
		TH_LOG("hugetlb %lukB", sz / 1024);
		expect_range(_metadata, p, sz, 0, level, order);
		expect_write(_metadata, (unsigned long)p + sz - 1, 0, 1);
		expect_no_vma(_metadata, (unsigned long)p + sz);
		munmap(p, sz);
	}
	EXPECT_GE(n, 2);
}

TEST_F(fw, zero_page)
{
	size_t len = 4 * PAGE;
	char *p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);

	ASSERT_NE(p, NULL);
	madvise(p, len, MADV_NOHUGEPAGE);
	touch_read(p, len, PAGE);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_ZERO_PAGE));
	expect_not_found(_metadata, (unsigned long)p, 0);
	expect_zero(_metadata, (unsigned long)p, FWT_LEVEL_PTE, 0);
	expect_zero(_metadata, (unsigned long)p + len / 2 + 123, FWT_LEVEL_PTE, 0);
	expect_zero(_metadata, (unsigned long)p + len - 1, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, FWT_ZEROPAGE, 0);
	munmap(p, len);
}

TEST_F(fw, huge_zero_page)
{
	char *p;

	NEED_THP();
	p = map_aligned(pmd_size, pmd_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(p, NULL);
	madvise(p, pmd_size, MADV_HUGEPAGE);
	touch_read(p, pmd_size, PAGE);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_ZERO_PAGE))
		TH_LOG("no huge zero page: transparent_hugepage/use_zero_page must be 1");
	expect_not_found(_metadata, (unsigned long)p, 0);
	expect_zero(_metadata, (unsigned long)p, FWT_LEVEL_PMD, pmd_order);
	expect_zero(_metadata, (unsigned long)p + pmd_size / 2 + 123,
		    FWT_LEVEL_PMD, pmd_order);
	expect_zero(_metadata, (unsigned long)p + pmd_size - 1, FWT_LEVEL_PMD,
		    pmd_order);
	expect_write(_metadata, (unsigned long)p, FWT_ZEROPAGE, 0);
	munmap(p, pmd_size);
}

TEST_F(fw, ksm_page)
{
	size_t len = 4 * PAGE;
	char *p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	long scans;
	int i;

	ASSERT_NE(p, NULL);
	memset(p, 0x5a, len);
	ASSERT_EQ(madvise(p, len, MADV_MERGEABLE), 0);
	ASSERT_EQ(write_sysfs("/sys/kernel/mm/ksm/pages_to_scan", "1000"), 0);
	ASSERT_EQ(write_sysfs("/sys/kernel/mm/ksm/sleep_millisecs", "0"), 0);
	ASSERT_EQ(write_sysfs("/sys/kernel/mm/ksm/run", "1"), 0);
	scans = read_sysfs("/sys/kernel/mm/ksm/full_scans");
	for (i = 0; i < 3000; i++) {
		if (has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM) &&
		    read_sysfs("/sys/kernel/mm/ksm/full_scans") >= scans + 2)
			break;
		usleep(10000);
	}
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM))
		TH_LOG("ksmd did not merge within 30 s");
	expect_range(_metadata, p, len, 0, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, 0, 0);	/* write-protected */
	ASSERT_EQ(madvise(p, len, MADV_UNMERGEABLE), 0);
	EXPECT_FALSE(has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM));
	write_sysfs("/sys/kernel/mm/ksm/run", "2");
	munmap(p, len);
}

static void check_shared_file(struct __test_metadata *_metadata, int fd,
			      int flags)
{
	size_t len = 4 * PAGE;
	char *p;

	ASSERT_EQ(ftruncate(fd, len), 0);
	p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE, flags, fd);
	ASSERT_NE(p, NULL);
	touch_read(p, len, PAGE);
	expect_range(_metadata, p, len, 0, FWT_LEVEL_PTE, -1);
	munmap(p, len);
}

TEST_F(fw, shmem_shared_and_private)
{
	int fd = memfd_create("fw_oracle", 0);
	struct folio_walk_test t;
	char *p;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, 4 * PAGE), 0);
	ASSERT_EQ(pwrite(fd, "x", 1, 0), 1);
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(p, MAP_FAILED);
	touch_write(p, 4 * PAGE, PAGE);
	expect_range(_metadata, p, 4 * PAGE, 0, FWT_LEVEL_PTE, -1);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_FALSE(t.kind & FWT_ANON);
	munmap(p, 4 * PAGE);

	/* private: page cache page until written, then an anon COW copy */
	p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(p, MAP_FAILED);
	touch_read(p, 4 * PAGE, PAGE);
	expect_range(_metadata, p, 4 * PAGE, 0, FWT_LEVEL_PTE, -1);
	expect_write(_metadata, (unsigned long)p, 0, 0);	/* until COW */
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_FALSE(t.kind & FWT_ANON);
	touch_write(p, 4 * PAGE, PAGE);
	expect_range(_metadata, p, 4 * PAGE, 0, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_TRUE(t.kind & FWT_ANON);
	munmap(p, 4 * PAGE);
	close(fd);
}

TEST_F(fw, tmpfs_file)
{
	int fd = open("/tmp/fw_oracle.file", O_RDWR | O_CREAT | O_TRUNC, 0600);

	ASSERT_GE(fd, 0);
	unlink("/tmp/fw_oracle.file");
	check_shared_file(_metadata, fd, MAP_SHARED);
	check_shared_file(_metadata, fd, MAP_PRIVATE);
	close(fd);
}

TEST_F(fw, cow_after_fork)
{
	char *p = map_aligned(PAGE, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	uint64_t parent_pfn;
	int status;
	pid_t pid;

	ASSERT_NE(p, NULL);
	p[0] = 1;
	parent_pfn = pagemap_pfn((unsigned long)p);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct folio_walk_test t;

		/* /proc/self at open time was the parent */
		close(pagemap_fd);
		pagemap_fd = open("/proc/self/pagemap", O_RDONLY);

		/* shared with the parent, write-protected, until written */
		if (fw_walk((unsigned long)p, 0, &t) || !t.found ||
		    t.pfn != parent_pfn || t.pfn != pagemap_pfn((unsigned long)p))
			_exit(1);
		if (t.kind & FWT_WRITE)
			_exit(3);
		p[0] = 2;
		if (fw_walk((unsigned long)p, 0, &t) || !t.found ||
		    t.pfn == parent_pfn || t.pfn != pagemap_pfn((unsigned long)p) ||
		    !(t.kind & FWT_ANON))
			_exit(2);
		if (!(t.kind & FWT_WRITE))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(WEXITSTATUS(status), 0);
	expect_mapped(_metadata, (unsigned long)p, 0, FWT_LEVEL_PTE, 0);
	EXPECT_EQ(pagemap_pfn((unsigned long)p), parent_pfn);
	/* fork write-protected the parent's PTE too, until it writes */
	expect_write(_metadata, (unsigned long)p, 0, 0);
	p[0] = 3;
	expect_write(_metadata, (unsigned long)p, 0, 1);
	munmap(p, PAGE);
}

TEST_F(fw, prot_none)
{
	size_t len = 2 * PAGE;
	char *p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);

	ASSERT_NE(p, NULL);
	madvise(p, len, MADV_NOHUGEPAGE);
	touch_write(p, len, PAGE);
	ASSERT_EQ(mprotect(p, len, PROT_NONE), 0);
	/* the folio is still mapped, by a PROT_NONE entry */
	expect_range(_metadata, p, len, 0, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, 0, 0);
	munmap(p, len);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The child of catch_migration_entries(): move the parent's pages at p
 * (one address per step) between two nodes until it is killed. Its own
 * copy of the mapping goes first: pages shared with it after fork() are
 * mapped twice, and MPOL_MF_MOVE moves only pages mapped once.
 */
static void migrate_forever(pid_t pid, char *p, size_t len, size_t step,
			    const int *nodes)
{
	unsigned long n = len / step, i, round;
	void **pages = calloc(n, sizeof(*pages));
	int *to = calloc(n, sizeof(*to));
	int *status = calloc(n, sizeof(*status));

	if (!pages || !to || !status || munmap(p, len))
		_exit(2);
	for (round = 0;; round++) {
		for (i = 0; i < n; i++) {
			pages[i] = p + i * step;
			to[i] = nodes[round & 1];
		}
		if (fw_move_pages(pid, n, pages, to, status, MPOL_MF_MOVE) < 0)
			_exit(3);
		for (i = 0; i < n; i++)
			if (status[i] == -EACCES || status[i] == -EFAULT ||
			    status[i] == -ENOENT)
				_exit(4);	/* nothing would ever migrate */
	}
}

/*
 * Walk every page of p..p+len with FWT_MIGRATION while a child migrates
 * them between two nodes, until want migration entries were met or limit
 * seconds passed; returns how many were met, or -1 after a failed check.
 * Every answer is checked. A migration entry returns its folio, but no
 * page is mapped there: folio_walk.page is NULL (FWT_NO_PAGE, pfn 0), the
 * entry is not present and maps nothing writable, and without
 * FWT_MIGRATION nothing is found behind it. A present entry returns the
 * page it maps.
 */
static int catch_migration_entries(struct __test_metadata *_metadata,
				   char *p, size_t len, size_t step,
				   const int *nodes, int want, double limit,
				   int *at_pmd)
{
	struct folio_walk_test t, t0;
	double end = now_s() + limit;
	int caught = 0, status;
	unsigned long off, addr;
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		migrate_forever(parent, p, len, step, nodes);
	while (caught < want && now_s() < end) {
		for (off = 0; off < len && caught < want; off += PAGE) {
			addr = (unsigned long)p + off;
			if (fw_walk(addr, FWT_MIGRATION, &t) || !t.found) {
				caught = -1;
				TH_LOG("%#lx: nothing found with FWT_MIGRATION", addr);
				break;
			}
			if (t.kind & FWT_PRESENT) {
				if ((t.kind & FWT_NO_PAGE) || !t.pfn) {
					caught = -1;
					TH_LOG("%#lx: present entry %#llx without a page",
					       addr, (unsigned long long)t.entry);
					break;
				}
				continue;
			}
			/* a migration entry: the folio, but no page mapped */
			if (!(t.kind & FWT_NO_PAGE) || t.pfn ||
			    (t.kind & (FWT_ZERO | FWT_WRITE)) || !t.head_pfn ||
			    !(t.kind & FWT_ENTRY_OK) || t.level > FWT_LEVEL_PMD ||
			    t.ptl_held != 1) {
				caught = -1;
				TH_LOG("%#lx: migration entry %#llx: level %u pfn %#llx head %#llx kind %#x",
				       addr, (unsigned long long)t.entry, t.level,
				       (unsigned long long)t.pfn,
				       (unsigned long long)t.head_pfn, t.kind);
				break;
			}
			caught++;
			*at_pmd += t.level == FWT_LEVEL_PMD;
			if (fw_walk(addr, 0, &t0) ||
			    (t0.found && !(t0.kind & FWT_PRESENT))) {
				caught = -1;
				TH_LOG("%#lx: a non-present entry found without FWT_MIGRATION",
				       addr);
				break;
			}
		}
		if (caught < 0)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFSIGNALED(status))
		TH_LOG("the migrating child stopped by itself (exit %d: move_pages() failed?)",
		       WEXITSTATUS(status));
	return caught;
}

/*
 * Migration entries in flight, at the PTE level (4K pages) and the PMD
 * level (a THP migrated whole): each is met at least once, and each meets
 * the rule of folio_walk.page NULL.
 */
TEST_F_TIMEOUT(fw, migration_entry_in_flight, 150)
{
	size_t len = 64 * PAGE;
	int nodes[8], caught, at_pmd = 0;
	char *p;

	if (fw_memory_nodes(nodes, 8) < 2)
		SKIP(return, "one memory node in this kernel: move_pages() cannot migrate");
	p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(p, NULL);
	madvise(p, len, MADV_NOHUGEPAGE);
	touch_write(p, len, PAGE);
	caught = catch_migration_entries(_metadata, p, len, PAGE, nodes, 5, 45,
					 &at_pmd);
	TH_LOG("4K pages: %d PTE migration entries met", caught);
	EXPECT_GE(caught, 1) TH_LOG("no PTE migration entry met within 45 s, or a check failed (above)");
	EXPECT_EQ(at_pmd, 0);
	munmap(p, len);

	if (access(THP_DIR, F_OK))
		return;	/* no THP in this kernel: PMD migration entries cannot exist */
	p = map_thp(_metadata);
	ASSERT_NE(p, NULL);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_THP));
	at_pmd = 0;
	caught = catch_migration_entries(_metadata, p, pmd_size, pmd_size,
					 nodes, 5, 45, &at_pmd);
	TH_LOG("THP: %d migration entries met, %d of them PMDs", caught, at_pmd);
	EXPECT_GE(at_pmd, 1) TH_LOG("no PMD migration entry met within 45 s, or a check failed (above)");
	munmap(p, pmd_size);
}

/*
 * The range walk (folio_walk_start_range() + folio_walk_next()) over
 * [p, p + len), against a single walk at every page of it: it must find
 * each folio a single walk finds, once per entry, at the first address of
 * the range the entry maps, with the same answer (level, pfns, order,
 * kind, entry), and nothing else. A PMD or PUD leaf or a hugetlb page is
 * found once: the single walks at the addresses it covers must see the
 * same folio.
 */
static void expect_range_walk(struct __test_metadata *_metadata, char *p,
			      size_t len, unsigned int flags)
{
	static struct folio_walk_test res[FWT_RANGE_MAX];
	unsigned long a, end = (unsigned long)p + len, covered_to = 0;
	struct folio_walk_test_range r = {
		.size = sizeof(r), .flags = flags, .start = (unsigned long)p,
		.end = end, .results = (uintptr_t)res, .max = FWT_RANGE_MAX,
	};
	struct folio_walk_test t;
	unsigned int i = 0, bad = 0;

	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r))
		TH_LOG("FOLIO_WALK_TEST_RANGE: %s", strerror(errno));
	ASSERT_EQ(end, r.start) TH_LOG("more than %d folios in the range", FWT_RANGE_MAX);
	for (a = (unsigned long)p; a < end && bad < 5; a += PAGE) {
		const struct folio_walk_test *f = &res[i];

		ASSERT_EQ(0, fw_walk(a, flags, &t));
		if (a < covered_to) {
			if (!t.found || t.head_pfn != res[i - 1].head_pfn) {
				bad++;
				TH_LOG("%#lx: single walk: found %u head %#llx, in the entry found at %#llx (head %#llx)",
				       a, t.found, (unsigned long long)t.head_pfn,
				       (unsigned long long)res[i - 1].addr,
				       (unsigned long long)res[i - 1].head_pfn);
			}
			continue;
		}
		if (!t.found) {
			if (i < r.nr && f->addr == a) {
				bad++;
				TH_LOG("%#lx: the range walk found a folio, a single walk none", a);
				i++;
			}
			continue;
		}
		if (i >= r.nr || f->addr != a) {
			bad++;
			TH_LOG("%#lx: a single walk found a folio, the range walk went on to %#llx",
			       a, i < r.nr ? (unsigned long long)f->addr : 0ULL);
			continue;
		}
		if (f->level != t.level || f->pfn != t.pfn ||
		    f->head_pfn != t.head_pfn || f->order != t.order ||
		    f->kind != t.kind || f->entry != t.entry ||
		    f->entry_pfn != t.entry_pfn || !f->ptl_held) {
			bad++;
			TH_LOG("%#lx: range walk level %u pfn %#llx head %#llx order %u kind %#x entry %#llx ptl %u; single walk level %u pfn %#llx head %#llx order %u kind %#x entry %#llx",
			       a, f->level, (unsigned long long)f->pfn,
			       (unsigned long long)f->head_pfn, f->order, f->kind,
			       (unsigned long long)f->entry, f->ptl_held, t.level,
			       (unsigned long long)t.pfn,
			       (unsigned long long)t.head_pfn, t.order, t.kind,
			       (unsigned long long)t.entry);
		}
		if (t.kind & FWT_HUGETLB)
			covered_to = (a | ((PAGE << t.order) - 1)) + 1;
		else
			covered_to = (a | (level_pages(t.level) * PAGE - 1)) + 1;
		i++;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(r.nr, i) TH_LOG("the range walk found %u folios, the single walks %u", r.nr, i);
}

/*
 * Two anonymous VMAs (a range walk stays in one): a THP; and three PMDs of
 * 4K pages, every third page written, every fifth page read (the zero
 * page), one PMD untouched. With and without FW_ZEROPAGE and FW_MIGRATION,
 * from the middle of the THP, from the middle of a PTE table, and through
 * PROT_NONE.
 */
TEST_F(fw, range_walk_anon_mixed)
{
	size_t len = 4 * pmd_size;
	char *p = map_aligned(len, pmd_size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	char *q = p + pmd_size;

	ASSERT_NE(p, NULL);
	madvise(q, 3 * pmd_size, MADV_NOHUGEPAGE);
	if (!access(THP_DIR, F_OK)) {
		madvise(p, pmd_size, MADV_HUGEPAGE);
		touch_write(p, pmd_size, PAGE);
	} else {
		touch_write(p, pmd_size, 2 * PAGE);
	}
	touch_write(q, pmd_size, 3 * PAGE);
	touch_read(q + pmd_size, pmd_size, 5 * PAGE);
	expect_range_walk(_metadata, p, pmd_size, 0);
	expect_range_walk(_metadata, p + pmd_size / 2 + PAGE,
			  pmd_size / 2 - PAGE, FWT_MIGRATION);
	expect_range_walk(_metadata, q, 3 * pmd_size, 0);
	expect_range_walk(_metadata, q, 3 * pmd_size,
			  FWT_ZEROPAGE | FWT_MIGRATION);
	expect_range_walk(_metadata, q + 7 * PAGE, pmd_size + 5 * PAGE,
			  FWT_ZEROPAGE);
	ASSERT_EQ(0, mprotect(p, len, PROT_NONE));
	expect_range_walk(_metadata, p, pmd_size, FWT_ZEROPAGE);
	expect_range_walk(_metadata, q, 3 * pmd_size, FWT_ZEROPAGE);
	munmap(p, len);
}

/*
 * Two pages of every hugetlb size, the second one touched: the walk skips
 * the first without a folio and finds the second, at its level.
 */
TEST_F_TIMEOUT(fw, range_walk_hugetlb, 120)
{
	unsigned long sizes[MAX_HUGETLB_SIZES];
	int n = hugetlb_sizes(sizes);

	if (n < 0)
		SKIP(return, "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
	for (int i = 0; i < n; i++) {
		unsigned long sz = sizes[i];
		/* the pools have one page per node of the PUD size */
		size_t len = sz >= PUD_BYTES ? sz : 2 * sz;
		char *p = map_hugetlb(len, sz);

		ASSERT_NE(p, NULL) TH_LOG("hugetlb %lukB: no pool reserved (lab: kernel command line)", sz / 1024);
		touch_write(p + len - sz, sz, sz);
		TH_LOG("hugetlb %lukB", sz / 1024);
		expect_range_walk(_metadata, p, len, 0);
		munmap(p, len);
	}
	EXPECT_GE(n, 1);
}

/*
 * A 64 GiB anonymous VMA with four pages written far apart: the walk finds
 * exactly those four, with the pfns pagemap reports, without a single walk
 * at each of its 16M addresses (which is what it is for).
 */
TEST_F(fw, range_walk_sparse_64g)
{
	static struct folio_walk_test res[16];
	const size_t len = 64UL << 30;
	const unsigned long offs[] = {
		0, (17UL << 30) + 3 * PAGE, (40UL << 30) + pmd_size - PAGE,
		len - PAGE,
	};
	struct folio_walk_test_range r = {
		.size = sizeof(r), .results = (uintptr_t)res, .max = 16,
	};
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	ASSERT_NE(p, MAP_FAILED) TH_LOG("mmap 64 GiB: %s", strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	for (unsigned int k = 0; k < 4; k++)
		p[offs[k]] = (char)(k + 1);
	r.start = (unsigned long)p;
	r.end = (unsigned long)p + len;
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r))
		TH_LOG("FOLIO_WALK_TEST_RANGE: %s", strerror(errno));
	EXPECT_EQ(r.end, r.start);
	ASSERT_EQ(4, r.nr);
	for (unsigned int k = 0; k < 4; k++) {
		unsigned long a = (unsigned long)p + offs[k];

		EXPECT_EQ(a, res[k].addr);
		EXPECT_EQ(pagemap_pfn(a), res[k].pfn);
		EXPECT_EQ(FWT_LEVEL_PTE, res[k].level);
		EXPECT_TRUE(res[k].kind & FWT_ANON);
	}
	/* bad ranges: empty, past the VMA, too many results */
	r.start = (unsigned long)p;
	r.end = r.start;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.end = (unsigned long)p + len + PAGE;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.end = (unsigned long)p + len;
	r.max = FWT_RANGE_MAX + 1;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	/* a bad results pointer */
	r.max = 16;
	r.results = 16;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EFAULT, errno);
	r.results = (uintptr_t)res;
	/* results filled up: go on from where it says */
	r.max = 3;
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	ASSERT_EQ(3, r.nr);
	EXPECT_EQ((unsigned long)p + offs[2] + PAGE, r.start);
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	ASSERT_EQ(1, r.nr);
	EXPECT_EQ((unsigned long)p + offs[3], res[0].addr);
	munmap(p, len);
}

TEST_F(fw, hole_and_no_vma)
{
	size_t len = 4 * PAGE;
	char *p = map_aligned(len, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);

	ASSERT_NE(p, NULL);
	expect_not_found(_metadata, (unsigned long)p, 0);
	expect_not_found(_metadata, (unsigned long)p + len - 1,
			 FWT_ZEROPAGE | FWT_MIGRATION);
	EXPECT_EQ(pagemap_pfn((unsigned long)p), 0);
	expect_no_vma(_metadata, (unsigned long)p + len);
	munmap(p, len);
	expect_no_vma(_metadata, (unsigned long)p);
}

/* A special mapping: [vvar] is a PFN mapping without normal pages. */
TEST_F(fw, special_vvar)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long start = 0, end;
	char line[256];

	ASSERT_NE(maps, NULL);
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "[vvar]") &&
		    sscanf(line, "%lx-%lx", &start, &end) == 2)
			break;
	fclose(maps);
	ASSERT_NE(start, 0) TH_LOG("no [vvar] mapping");
	for (unsigned long a = start; a < end; a += PAGE)
		expect_not_found(_metadata, a, FWT_ZEROPAGE | FWT_MIGRATION);
}

/* A tagged pointer (arm64 TBI) walks to the same page as the untagged one. */
TEST_F(fw, tagged_address)
{
	char *p = map_aligned(PAGE, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	unsigned long tagged;
	struct folio_walk_test t;

	ASSERT_NE(p, NULL);
	p[0] = 1;
	tagged = (unsigned long)p | (0x5aUL << 56);
#if defined(__aarch64__)
	ASSERT_EQ(fw_walk(tagged, 0, &t), 0);
	EXPECT_EQ(t.found, 1);
	EXPECT_EQ(t.pfn, pagemap_pfn((unsigned long)p));
#elif defined(__s390x__)
	/* no tags: a user address that no VMA maps */
	EXPECT_EQ(fw_walk(tagged, 0, &t), -EFAULT);
#else
	/* no tags: a non-canonical address */
	EXPECT_EQ(fw_walk(tagged, 0, &t), -EINVAL);
#endif
	munmap(p, PAGE);
}

TEST_F(fw, hostile_input)
{
	struct folio_walk_test t;
	char *p = map_aligned(PAGE, PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1);
	char *buf;

	ASSERT_NE(p, NULL);
	p[0] = 1;
	/* wrong size, unknown flags, reserved bits */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t) - 8;
	t.addr = (unsigned long)p;
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(fw_walk((unsigned long)p, 1U << 7, &t), -EINVAL);
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.addr = (unsigned long)p;
	t.reserved = 1;
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	/* the top address, and kernel or non-canonical ones */
	EXPECT_EQ(fw_walk(~0UL, 0, &t), -EINVAL);
#ifdef __s390x__
	/* TASK_SIZE_MAX is -PAGE_SIZE: these are user addresses, no VMA */
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EFAULT);
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EFAULT);
#elif defined(__aarch64__)
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EINVAL);
	/* the top byte is a tag (TBI): 1 << 62 is address 0, no VMA */
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EFAULT);
	EXPECT_EQ(fw_walk(1UL << 52, 0, &t), -EINVAL);
#else
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EINVAL);
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EINVAL);
#endif
	/* no VMA at all */
	EXPECT_EQ(fw_walk(0, 0, &t), -EFAULT);
	/* bad pointers to the struct */
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, NULL), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, (void *)16), -1);
	EXPECT_EQ(errno, EFAULT);
	/* another ioctl */
	EXPECT_EQ(ioctl(fw_fd, _IO('f', 99), 0), -1);
	EXPECT_EQ(errno, ENOTTY);
	/* an unaligned struct works */
	buf = malloc(sizeof(t) + 1);
	ASSERT_NE(buf, NULL);
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.addr = (unsigned long)p;
	memcpy(buf + 1, &t, sizeof(t));
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, buf + 1), 0);
	memcpy(&t, buf + 1, sizeof(t));
	EXPECT_EQ(t.found, 1);
	EXPECT_EQ(t.pfn, pagemap_pfn((unsigned long)p));
	free(buf);
	munmap(p, PAGE);
}

TEST_HARNESS_MAIN
