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
#include "fw.h"
#include "mm/folio_walk_test.h"

#define PAGE		4096UL
#define KPF_ANON	12
#define KPF_COMPOUND_HEAD 15
#define KPF_HUGE	17
#define KPF_KSM		21
#define KPF_THP		22
#define KPF_ZERO_PAGE	24

static int fw_fd = -1, pagemap_fd = -1, kpageflags_fd = -1;

/* The PMD size of THPs, from sysfs (2M on x86_64/arm64 4K, 1M on s390x). */
static unsigned long pmd_size = 2UL << 20;
static int pmd_order = 9;

/* The size a PUD entry maps: 2G on s390x (region-third), else 1G. */
#define PUD_BYTES	FW_PUD_BYTES

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

/* The FWT_LEVEL_* of the table's FW_LEVEL_*. */
static int fwt_level(enum fw_mapped_by level)
{
	return level == FW_MAPPED_BY_PUD ? FWT_LEVEL_PUD :
	       level == FW_MAPPED_BY_PMD ? FWT_LEVEL_PMD : FWT_LEVEL_PTE;
}

/*
 * An instance of the table's kind name (fw_kinds.h), len bytes (0: the
 * kind's own); a kind that is unavailable here fails the test.
 */
#define SETUP_KIND(r, name, len)						\
	ASSERT_EQ(fw_region_setup_name(r, name, len), 0)			\
		TH_LOG("%s: unavailable: %s", name, (r)->why)

/* the first, a middle and the last byte, as the kind says they are mapped */
static void expect_kind(struct __test_metadata *_metadata,
			const struct fw_region *r, unsigned int flags)
{
	expect_range(_metadata, r->addr, r->len, flags, fwt_level(r->kind->level),
		     fw_kind_order(r->kind));
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
	fw_kinds_init();
	pmd_size = fw_env.pmd_sz;
	pmd_order = fw_log2(pmd_size / PAGE);
}

FIXTURE_TEARDOWN(fw)
{
}

TEST_F(fw, anon_4k)
{
	struct fw_region r;

	SETUP_KIND(&r, "anon4k", 4 * PAGE);
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr, 0, 1);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

TEST_F(fw, thp_pmd)
{
	struct fw_region r;

	NEED_THP();
	SETUP_KIND(&r, "thp_pmd", 0);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP))
		TH_LOG("no THP: THP must be available (madvise mode) in the lab");
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr + r.len / 2, 0, 1);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

TEST_F(fw, thp_pte_mapped)
{
	struct fw_region r;

	NEED_THP();
	/* A partial mprotect split the PMD, the folio stays large. */
	SETUP_KIND(&r, "thp_pte", 0);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP));
	expect_kind(_metadata, &r, 0);
	fw_region_release(&r);
}

TEST_F(fw, thp_pte_mapped_dontneed)
{
	struct fw_region r;
	char *p;

	NEED_THP();
	SETUP_KIND(&r, "thp_pmd", 0);
	p = r.addr;
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_THP));
	ASSERT_EQ(madvise(p + 7 * PAGE, PAGE, MADV_DONTNEED), 0);
	expect_not_found(_metadata, (unsigned long)p + 7 * PAGE, 0);
	expect_mapped(_metadata, (unsigned long)p, 0, FWT_LEVEL_PTE, -1);
	expect_mapped(_metadata, (unsigned long)p + pmd_size - 1, 0,
		      FWT_LEVEL_PTE, -1);
	fw_region_release(&r);
}

/* Every hugetlb size the kernel offers, each at start, middle and end. */
TEST_F(fw, hugetlb_every_size)
{
	struct fw_region r;
	int i, n = 0;

	if (!fw_env.hugetlb)
		SKIP(return, "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
	for (i = 0; i < fw_nr_kinds; i++) {
		const struct fw_kind *k = &fw_kinds[i];

		if (!(k->flags & FW_K_HUGETLB))
			continue;
		n++;
		ASSERT_EQ(fw_region_setup(&r, k, 0), 0)
			TH_LOG("%s: %s (lab: pools on the kernel command line)", k->name, r.why);
		TH_LOG("hugetlb %lukB", k->arg / 1024);
		expect_kind(_metadata, &r, 0);
		expect_write(_metadata, (unsigned long)r.addr + r.len - 1, 0, 1);
		expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
		fw_region_release(&r);
	}
	/* one kind per size in sysfs (i386 without PAE has only 4M) */
	EXPECT_GE(n, 1);
}

/* zero and huge_zero: at the first, a middle and the last byte */
static void expect_zero_kind(struct __test_metadata *_metadata,
			     const struct fw_region *r)
{
	unsigned long p = (unsigned long)r->addr;
	int level = fwt_level(r->kind->level), order = fw_kind_order(r->kind);

	ASSERT_TRUE(has_kpf(pagemap_pfn(p), KPF_ZERO_PAGE))
		TH_LOG("no zero page: for the huge one, transparent_hugepage/use_zero_page must be 1");
	expect_not_found(_metadata, p, 0);
	expect_zero(_metadata, p, level, order);
	expect_zero(_metadata, p + r->len / 2 + 123, level, order);
	expect_zero(_metadata, p + r->len - 1, level, order);
	expect_write(_metadata, p, FWT_ZEROPAGE, 0);
}

TEST_F(fw, zero_page)
{
	struct fw_region r;

	SETUP_KIND(&r, "zero", 4 * PAGE);
	expect_zero_kind(_metadata, &r);
	fw_region_release(&r);
}

TEST_F(fw, huge_zero_page)
{
	struct fw_region r;

	NEED_THP();
	SETUP_KIND(&r, "huge_zero", 0);
	expect_zero_kind(_metadata, &r);
	fw_region_release(&r);
}

TEST_F(fw, ksm_page)
{
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "ksm", 4 * PAGE);
	p = r.addr;
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM))
		TH_LOG("ksmd did not merge the first page");
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)p, 0, 0);	/* write-protected */
	ASSERT_EQ(madvise(p, r.len, MADV_UNMERGEABLE), 0);
	EXPECT_FALSE(has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM));
	fw_write_str(KSM_SYSFS "run", "2");
	fw_region_release(&r);
}

TEST_F(fw, shmem_shared_and_private)
{
	struct folio_walk_test t;
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "memfd_shared", 4 * PAGE);
	p = r.addr;
	touch_write(p, r.len, PAGE);
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_FALSE(t.kind & FWT_ANON);
	fw_region_release(&r);

	/* private: page cache page until written, then an anon COW copy */
	SETUP_KIND(&r, "memfd_private", 4 * PAGE);
	p = r.addr;
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)p, 0, 0);	/* until COW */
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_FALSE(t.kind & FWT_ANON);
	touch_write(p, r.len, PAGE);
	expect_range(_metadata, p, r.len, 0, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_TRUE(t.kind & FWT_ANON);
	fw_region_release(&r);
}

TEST_F(fw, tmpfs_file)
{
	struct fw_region r;

	SETUP_KIND(&r, "tmpfs_shared", 4 * PAGE);
	expect_kind(_metadata, &r, 0);
	fw_region_release(&r);
	SETUP_KIND(&r, "tmpfs_private", 4 * PAGE);
	expect_kind(_metadata, &r, 0);
	fw_region_release(&r);
}

TEST_F(fw, cow_after_fork)
{
	uint64_t parent_pfn;
	struct fw_region r;
	int status;
	pid_t pid;
	char *p;

	SETUP_KIND(&r, "cow_child", PAGE);
	p = r.addr;
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
	expect_mapped(_metadata, (unsigned long)p, 0, fwt_level(r.kind->level),
		      fw_kind_order(r.kind));
	EXPECT_EQ(pagemap_pfn((unsigned long)p), parent_pfn);
	/* fork write-protected the parent's PTE too, until it writes */
	expect_write(_metadata, (unsigned long)p, 0, 0);
	p[0] = 3;
	expect_write(_metadata, (unsigned long)p, 0, 1);
	fw_region_release(&r);
}

TEST_F(fw, prot_none)
{
	struct fw_region r;

	SETUP_KIND(&r, "protnone", 2 * PAGE);
	/* the folio is still mapped, by a PROT_NONE entry */
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr, 0, 0);
	fw_region_release(&r);
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
	int nodes[8], caught, at_pmd = 0;
	struct fw_region r;

	if (fw_memory_nodes(nodes, 8) < 2)
		SKIP(return, "one memory node in this kernel: move_pages() cannot migrate");
	SETUP_KIND(&r, "anon4k", 64 * PAGE);
	caught = catch_migration_entries(_metadata, r.addr, r.len, PAGE, nodes, 5, 45,
					 &at_pmd);
	TH_LOG("4K pages: %d PTE migration entries met", caught);
	EXPECT_GE(caught, 1) TH_LOG("no PTE migration entry met within 45 s, or a check failed (above)");
	EXPECT_EQ(at_pmd, 0);
	fw_region_release(&r);

	if (!fw_env.thp_sysfs)
		return;	/* no THP in this kernel: PMD migration entries cannot exist */
	SETUP_KIND(&r, "thp_pmd", 0);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP));
	at_pmd = 0;
	caught = catch_migration_entries(_metadata, r.addr, r.len, r.len,
					 nodes, 5, 45, &at_pmd);
	TH_LOG("THP: %d migration entries met, %d of them PMDs", caught, at_pmd);
	EXPECT_GE(at_pmd, 1) TH_LOG("no PMD migration entry met within 45 s, or a check failed (above)");
	fw_region_release(&r);
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
	struct fw_span span;
	char *p = fw_map(len, pmd_size, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, &span);
	char *q = p + pmd_size;

	ASSERT_NE(p, MAP_FAILED);
	madvise(q, 3 * pmd_size, MADV_NOHUGEPAGE);
	if (fw_env.thp_sysfs) {
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
	munmap(span.start, span.len);
}

/*
 * Two pages of every hugetlb size, the second one touched: the walk skips
 * the first without a folio and finds the second, at its level.
 */
TEST_F_TIMEOUT(fw, range_walk_hugetlb, 120)
{
	struct fw_span span;
	int n = 0;

	if (!fw_env.hugetlb)
		SKIP(return, "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
	for (int i = 0; i < fw_nr_kinds; i++) {
		unsigned long sz = fw_kinds[i].arg;
		size_t len;
		char *p;

		if (!(fw_kinds[i].flags & FW_K_HUGETLB))
			continue;
		n++;
		/* the pools have one page per node of the PUD size */
		len = sz >= PUD_BYTES ? sz : 2 * sz;
		/* not the kind's setup: the first huge page stays untouched */
		p = fw_map(len, sz, PAGE, PROT_READ | PROT_WRITE, fw_hugetlb_flags(sz), -1,
			   &span);
		ASSERT_NE(p, MAP_FAILED) TH_LOG("hugetlb %lukB: no pool reserved (lab: kernel command line)", sz / 1024);
		touch_write(p + len - sz, sz, sz);
		TH_LOG("hugetlb %lukB", sz / 1024);
		expect_range_walk(_metadata, p, len, 0);
		munmap(span.start, span.len);
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
	char *p;

	if (!FW_64BIT)
		SKIP(return, "no room for a 64 GiB VMA in this kernel (32-bit address space)");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
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

/*
 * Set up kind name, or SKIP when the kernel has no such thing (why is the
 * fw_kinds.h reason that means so); any other reason fails the test.
 */
#define SETUP_KIND_OR_SKIP(r, name, why_absent, what)				\
	do {									\
		if (fw_region_setup_name(r, name, 0)) {				\
			if (!strcmp((r)->why, why_absent))			\
				SKIP(return, "no %s in this kernel (%s)", what, (r)->why); \
			ASSERT_TRUE(0) TH_LOG("%s: unavailable: %s", name, (r)->why); \
		}								\
	} while (0)

/*
 * Swapped-out anonymous pages: swap entries map no folio, at any address
 * of the range, with or without FWT_MIGRATION; reading the data back swaps
 * it in, and then each page is mapped again, by a PTE, data intact.
 */
TEST_F(fw, swapped_out)
{
	struct fw_region r;
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "swapped_out", "no_swap_in_kernel", "swap");
	for (pg = 0; pg < r.len / PAGE; pg++) {
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE, 0);
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE + PAGE - 1,
				 FWT_MIGRATION | FWT_ZEROPAGE);
		EXPECT_EQ(pagemap_pfn((unsigned long)r.addr + pg * PAGE), 0);
	}
	EXPECT_TRUE(fw_pattern_intact(&r)) TH_LOG("data lost through swap");
	expect_range(_metadata, r.addr, r.len, 0, FWT_LEVEL_PTE, 0);
	fw_region_release(&r);
}

/* Pages mapped from the swap cache after swap-in: ordinary anon folios. */
TEST_F(fw, swapcache)
{
	struct fw_region r;
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "swapcache", "no_swap_in_kernel", "swap");
	for (pg = 0; pg < r.len / PAGE; pg++)
		EXPECT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr + pg * PAGE),
				    KPF_SWAPCACHE)) TH_LOG("page %zu left the swap cache", pg);
	expect_kind(_metadata, &r, 0);
	/* a read fault maps a swap-cache page write-protected (the swap slot
	 * is kept); the walker reports the entry as it is */
	expect_write(_metadata, (unsigned long)r.addr, 0, 0);
	EXPECT_TRUE(fw_pattern_intact(&r));
	fw_region_release(&r);
}

/*
 * Pages charged to a memory cgroup at its memory.max (memcg_over_max):
 * where pagemap sees a present page the walker finds that folio, an order-0
 * anonymous one mapped by a PTE; where pagemap sees a swap entry it finds
 * none. Reading the data back (swap-in, charged to the same cgroup, which
 * reclaims again) finds it intact, and the cgroup stayed within its limit.
 */
TEST_F(fw, memcg_over_max)
{
	struct fw_region r;
	long present = 0, swapped = 0, cur, max;
	char path[160];
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "memcg_over_max", "no_memcg", "memory cgroup controller");
	for (pg = 0; pg < r.len / PAGE; pg++) {
		unsigned long a = (unsigned long)r.addr + pg * PAGE;

		if (pagemap_pfn(a)) {
			expect_mapped(_metadata, a, 0, FWT_LEVEL_PTE, 0);
			present++;
		} else {
			expect_not_found(_metadata, a, 0);
			expect_not_found(_metadata, a + PAGE - 1, FWT_MIGRATION | FWT_ZEROPAGE);
			swapped++;
		}
	}
	EXPECT_GT(present, 0);
	EXPECT_GT(swapped, 0);
	TH_LOG("memcg_over_max: %ld present, %ld swapped (setup: %s)", present, swapped, r.note);
	EXPECT_TRUE(fw_pattern_intact(&r)) TH_LOG("data lost through memcg reclaim");
	snprintf(path, sizeof(path), "%s/memory.current", r.memcg.dir);
	cur = fw_read_long(path);
	snprintf(path, sizeof(path), "%s/memory.max", r.memcg.dir);
	max = fw_read_long(path);
	EXPECT_GT(cur, 0);
	EXPECT_LE(cur, max) TH_LOG("memory.current %ld over memory.max %ld", cur, max);
	EXPECT_GT(fw_memcg_key(&r.memcg, "memory.events", "max"), 0);
	fw_region_release(&r);
}

/* no folio at any page of r, whatever the flags: the entries map none */
static void expect_no_folio_anywhere(struct __test_metadata *_metadata,
				     const struct fw_region *r, size_t from)
{
	size_t pg;

	for (pg = from; pg < r->len / PAGE; pg++) {
		expect_not_found(_metadata, (unsigned long)r->addr + pg * PAGE, 0);
		expect_not_found(_metadata, (unsigned long)r->addr + pg * PAGE + PAGE - 1,
				 FWT_MIGRATION | FWT_ZEROPAGE);
	}
}

/*
 * Swap entries that keep the soft-dirty bit (CONFIG_MEM_SOFT_DIRTY): no
 * folio, as for any swap entry, and the walks leave the bit alone; swap-in
 * brings the data back into soft-dirty PTEs.
 */
TEST_F(fw, swapped_out_soft_dirty)
{
	struct fw_region r;
	long n;

	if (fw_read_long("/proc/sys/vm/swappiness") < 0)
		SKIP(return, "no swap in this kernel (no /proc/sys/vm/swappiness)");
	SETUP_KIND_OR_SKIP(&r, "swapped_out_soft_dirty", "no_soft_dirty", "soft-dirty tracking");
	n = (long)(r.len / PAGE);
	expect_no_folio_anywhere(_metadata, &r, 0);
	EXPECT_EQ(fw_region_count(&r, PM_SWAP | PM_SOFT_DIRTY, PM_PRESENT), n);
	EXPECT_TRUE(fw_pattern_intact(&r)) TH_LOG("data lost through swap");
	EXPECT_EQ(fw_region_count(&r, PM_PRESENT | PM_SOFT_DIRTY, 0), n)
		TH_LOG("swap-in lost the soft-dirty bit");
	expect_range(_metadata, r.addr, r.len, 0, FWT_LEVEL_PTE, 0);
	fw_region_release(&r);
}

/*
 * hwpoison entries (memory_failure() through MADV_HWPOISON): no folio at
 * any address, with any flags; the pages stay poisoned (each entry's pfn
 * is HWPOISON in kpageflags) and every read is SIGBUS.
 */
TEST_F(fw, hwpoison_anon4k)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "hwpoison_anon4k", "no_memory_failure",
			   "memory failure handling");
	expect_no_folio_anywhere(_metadata, &r, 0);
	EXPECT_EQ(fw_expect_hwpoison(&r, 0, r.len / PAGE), 0) TH_LOG("%s", r.why);
	EXPECT_EQ(fw_probe_read(&r), 0) TH_LOG("a poisoned page could be read");
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

/*
 * A THP with its first page poisoned: memory_failure() split it; the
 * hwpoison entry maps no folio, the other pages are order-0 folios mapped
 * by PTEs, readable, next to it in the same page table.
 */
TEST_F(fw, hwpoison_thp)
{
	struct fw_region r;
	unsigned long next;

	SETUP_KIND_OR_SKIP(&r, "hwpoison_thp", "no_memory_failure", "memory failure handling");
	next = (unsigned long)r.addr + PAGE;
	expect_not_found(_metadata, (unsigned long)r.addr, 0);
	expect_not_found(_metadata, next - 1, FWT_MIGRATION | FWT_ZEROPAGE);
	expect_range(_metadata, (char *)next, r.len - PAGE, 0, FWT_LEVEL_PTE, 0);
	EXPECT_FALSE(has_kpf(pagemap_pfn(next), KPF_THP));
	EXPECT_EQ(fw_expect_hwpoison(&r, 0, 1), 0) TH_LOG("%s", r.why);
	EXPECT_EQ(fw_probe_read(&r), (int)(r.len / PAGE) - 1);
	fw_region_release(&r);
}

/*
 * uffd-wp PTE markers (a write-protected range zapped): no folio where a
 * marker is, and the walks keep the markers; a read fault maps the page
 * cache's page again, still write-protected (PM_UFFD_WP, not writable).
 */
static void expect_uffd_wp_markers(struct __test_metadata *_metadata,
				   struct fw_region *r, int level, int order)
{
	long n = (long)(r->len / PAGE);

	expect_no_folio_anywhere(_metadata, r, 0);
	EXPECT_EQ(fw_region_count(r, PM_UFFD_WP, PM_PRESENT), n) TH_LOG("markers lost");
	EXPECT_TRUE(fw_pattern_intact(r)) TH_LOG("data lost in the zap");
	expect_range(_metadata, r->addr, r->len, 0, level, order);
	EXPECT_EQ(fw_region_count(r, PM_PRESENT | PM_UFFD_WP, 0), n)
		TH_LOG("the read fault dropped the write protection");
	expect_write(_metadata, (unsigned long)r->addr, 0, 0);
}

TEST_F(fw, uffd_wp_marker_shmem)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "uffd_wp_marker_shmem", "no_uffd_wp_markers",
			   "uffd-wp PTE markers");
	expect_uffd_wp_markers(_metadata, &r, FWT_LEVEL_PTE, -1);
	fw_region_release(&r);
}

TEST_F(fw, uffd_wp_marker_hugetlb)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "uffd_wp_marker_hugetlb", "no_uffd_wp_markers",
			   "uffd-wp PTE markers");
	expect_uffd_wp_markers(_metadata, &r, FWT_LEVEL_PMD, pmd_order);
	fw_region_release(&r);
}

/*
 * memfd_secret() pages: present, order-0 pages of the secretmem file that
 * the kernel took out of its direct map. folio_walk_start() never walks a
 * secretmem VMA (as GUP does not, and base's follow_page() refused it): no
 * folio at any page, with any flags; the pages stay mapped, data intact.
 */
TEST_F(fw, secretmem)
{
	struct fw_region r;
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "secretmem", "no_secretmem", "memfd_secret()");
	expect_no_folio_anywhere(_metadata, &r, 0);
	for (pg = 0; pg < r.len / PAGE; pg++)
		EXPECT_NE(pagemap_pfn((unsigned long)r.addr + pg * PAGE), 0)
			TH_LOG("page %zu not present", pg);
	EXPECT_TRUE(fw_pattern_intact(&r));
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

/*
 * Device-dax (pmem; ZONE_DEVICE pages mapped by devmap entries), and a
 * file on a DAX filesystem, whose pages are the same: no folio,
 * at the PTE and at the PMD level, as mainline's vm_normal_page() and
 * vm_normal_page_pmd() have no page for devmap entries; the entries stay
 * mapped: pagemap sees them present, at pfns kpageflags has no page for
 * (KPF_NOPAGE), and the data is there.
 */
static void check_devmap_kind(struct __test_metadata *_metadata, const char *name,
			      const char *why_absent, const char *what)
{
	struct fw_region r;
	size_t pg;
	uint64_t pfn;

	SETUP_KIND_OR_SKIP(&r, name, why_absent, what);
	TH_LOG("%s: %s", r.kind->name, r.note);
	for (pg = 0; pg < r.len / PAGE; pg++) {
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE, 0);
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE + PAGE - 1,
				 FWT_MIGRATION | FWT_ZEROPAGE);
		pfn = pagemap_pfn((unsigned long)r.addr + pg * PAGE);
		EXPECT_NE(pfn, 0) TH_LOG("page %zu not present", pg);
		EXPECT_TRUE(has_kpf(pfn, KPF_NOPAGE)) TH_LOG("pfn %#llx has a page", (unsigned long long)pfn);
	}
	EXPECT_TRUE(fw_pattern_intact(&r));
	fw_region_release(&r);
}

/*
 * Entries the NUMA scanner made (fw_numa_hint()): a read-write VMA whose
 * entries are PROT_NONE, pte_protnone()/pmd_protnone(). The walker finds
 * each folio where it is mapped, at the kind's level and order; then each
 * entry in turn (each 4K page, the THP's PMD) takes a hinting fault when
 * read (so each was a hinting entry when the walk found it), the data is
 * intact, and the walk finds the same folios by ordinary entries.
 */
static void expect_numa_hint(struct __test_metadata *_metadata, struct fw_region *r)
{
	size_t off, step = r->kind->level == FW_MAPPED_BY_PMD ? r->len : PAGE;

	expect_kind(_metadata, r, 0);
	for (off = 0; off < r->len; off += step)
		EXPECT_TRUE(fw_hint_faulted(r->addr + off))
			TH_LOG("the entry at +%#zx took no hinting fault", off);
	EXPECT_TRUE(fw_pattern_intact(r));
	expect_kind(_metadata, r, 0);
}

TEST_F_TIMEOUT(fw, numa_hint_anon4k, 120)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "numa_hint_anon4k", "no_numa_balancing", "NUMA balancing");
	expect_numa_hint(_metadata, &r);
	fw_region_release(&r);
}

TEST_F_TIMEOUT(fw, numa_hint_thp, 120)
{
	struct fw_region r;

	NEED_THP();
	SETUP_KIND_OR_SKIP(&r, "numa_hint_thp", "no_numa_balancing", "NUMA balancing");
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP));
	expect_numa_hint(_metadata, &r);
	fw_region_release(&r);
}

TEST_F(fw, devdax_pte)
{
	check_devmap_kind(_metadata, "devdax_pte", "no_device_dax", "device-dax");
}

TEST_F(fw, devdax_pmd)
{
	check_devmap_kind(_metadata, "devdax_pmd", "no_device_dax", "device-dax");
}

/*
 * A file on a DAX filesystem (ext4 -o dax on pmem): the same devmap
 * entries of ZONE_DEVICE pages, inserted by the filesystem's DAX fault
 * path at the PTE and (one aligned extent, checked by the setup) at the
 * PMD level; the same answer as for device-dax.
 */
TEST_F(fw, fsdax_ext4_pte)
{
	check_devmap_kind(_metadata, "fsdax_ext4_pte", "no_fsdax", "DAX filesystem");
}

TEST_F(fw, fsdax_ext4_pmd)
{
	check_devmap_kind(_metadata, "fsdax_ext4_pmd", "no_fsdax", "DAX filesystem");
}

/*
 * A mapping above 128 TiB, where only 5-level page tables reach on x86_64
 * (the p4d level is real there, not folded) and s390 upgrades its region
 * tables on demand: the walk is the same as anywhere else.
 */
TEST_F(fw, above_128t)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "anon4k_above_128t", "no_5level_tables",
			   "address space above 128 TiB");
	ASSERT_GE((unsigned long)r.addr, FW_ABOVE_128T);
	TH_LOG("mapped at %p", r.addr);
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr + r.len - 1, 0, 1);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	expect_no_vma(_metadata, (unsigned long)r.addr - 1);
	fw_region_release(&r);
}

/*
 * The range walk over [start, end) of a boundary kind's VMA finds exactly
 * the pages pagemap says are present there: each once, at its address,
 * with pagemap's pfn, an order-0 anonymous folio mapped by a PTE, the PTL
 * held; nothing where pagemap has nothing.
 */
static void expect_range_exact(struct __test_metadata *_metadata, unsigned long start,
			       unsigned long end, unsigned int flags, unsigned long b,
			       const char *what)
{
	static struct folio_walk_test res[2 * FW_BOUNDARY_PAGES];
	struct folio_walk_test_range r = {
		.size = sizeof(r), .flags = flags, .start = start, .end = end,
		.results = (uintptr_t)res, .max = 2 * FW_BOUNDARY_PAGES,
	};
	unsigned long n = (end - start) / PAGE, *want, a;
	unsigned int i = 0, bad = 0;
	unsigned long k = 0, nwant = 0;
	uint64_t pfn;

	want = calloc(n, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (a = start; a < end; a += PAGE)
		if (pagemap_pfn(a))
			want[nwant++] = a;
	memset(res, 0, sizeof(res));
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r))
		TH_LOG("%s: FOLIO_WALK_TEST_RANGE: %s", what, strerror(errno));
	EXPECT_EQ(end, r.start) TH_LOG("%s: more than %u folios in the range", what, r.max);
	while (i < r.nr || k < nwant) {
		const struct folio_walk_test *f = &res[i];

		if (k < nwant && (i >= r.nr || want[k] < f->addr)) {
			if (bad++ < 5)
				TH_LOG("%s: B%+ld pages: present, not found by the range walk",
				       what, (long)(want[k] - b) / (long)PAGE);
			k++;
			continue;
		}
		if (k >= nwant || f->addr < want[k]) {
			if (bad++ < 5)
				TH_LOG("%s: the range walk found a folio at %#llx (pfn %#llx), where pagemap has none",
				       what, (unsigned long long)f->addr,
				       (unsigned long long)f->pfn);
			i++;
			continue;
		}
		pfn = pagemap_pfn(want[k]);
		if (f->pfn != pfn || f->head_pfn != pfn || f->order || !f->ptl_held ||
		    f->level != FWT_LEVEL_PTE || !(f->kind & FWT_ANON) ||
		    !(f->kind & FWT_PRESENT)) {
			if (bad++ < 5)
				TH_LOG("%s: B%+ld pages: pfn %#llx head %#llx order %u level %u kind %#x ptl %u; pagemap pfn %#llx",
				       what, (long)(want[k] - b) / (long)PAGE,
				       (unsigned long long)f->pfn,
				       (unsigned long long)f->head_pfn, f->order, f->level,
				       f->kind, f->ptl_held, (unsigned long long)pfn);
		}
		i++;
		k++;
	}
	EXPECT_EQ(0, bad) TH_LOG("%s: the range walk found %u folios, pagemap %lu pages",
				 what, r.nr, nwant);
	EXPECT_EQ(nwant, r.nr);
	free(want);
}

/*
 * A boundary kind (fw_kinds.h, fw_setup_boundary()): a VMA of 4K pages
 * across B, a multiple of a level's size S, with its 64 written pages on
 * one side of B and an empty S-aligned block on the other. The range walk
 * over the whole VMA (from its first page, in the empty block or in the
 * table of the written pages), with and without the flags, and over parts
 * of it that start or end at B, finds exactly the written pages with
 * pagemap's pfns, and each as a single walk at its address does. A walk
 * that takes the end of an empty entry of a folded level for the end of
 * the range misses them; one that takes it for the end of a page table
 * reads past the table.
 */
static void check_boundary_kind(struct __test_metadata *_metadata, const char *name)
{
	unsigned long lo, hi, b, first, last;
	struct fw_region r;
	char what[80];

	snprintf(what, sizeof(what), "room for a free %s-aligned block",
		 strrchr(name, '_') + 1);
	SETUP_KIND_OR_SKIP(&r, name, "address_space_too_small", what);
	lo = (unsigned long)r.addr;
	hi = lo + r.len;
	b = (unsigned long)fw_boundary(&r);
	first = lo + r.data_off;
	last = first + r.data_len;
	TH_LOG("%s: VMA %#lx-%#lx, B %#lx, written %#lx-%#lx", name, lo, hi, b, first, last);
	EXPECT_TRUE(first == b || last == b) TH_LOG("the written pages are not next to B");
	expect_range_exact(_metadata, lo, hi, 0, b, "the VMA");
	expect_range_exact(_metadata, lo, hi, FWT_ZEROPAGE | FWT_MIGRATION, b,
			   "the VMA, FWT_ZEROPAGE | FWT_MIGRATION");
	expect_range_exact(_metadata, lo, b + PAGE, 0, b, "its first page to B + 1 page");
	expect_range_exact(_metadata, b - PAGE, hi, 0, b, "B - 1 page to its end");
	expect_range_exact(_metadata, lo, last, 0, b, "its first page to the last written one");
	expect_range_exact(_metadata, first, hi, 0, b, "the first written page to its end");
	expect_range_walk(_metadata, r.addr, r.len, 0);
	EXPECT_TRUE(fw_pattern_intact(&r));
	expect_no_vma(_metadata, lo - 1);
	expect_no_vma(_metadata, hi);
	fw_region_release(&r);
}

/* one test per boundary kind, named for it */
#define BOUNDARY_TEST(kind)							\
	TEST_F(fw, range_walk_##kind)						\
	{									\
		check_boundary_kind(_metadata, #kind);				\
	}

BOUNDARY_TEST(empty_then_anon4k_2m)
BOUNDARY_TEST(empty_then_anon4k_4m)
BOUNDARY_TEST(empty_then_anon4k_1g)
BOUNDARY_TEST(empty_then_anon4k_512g)
BOUNDARY_TEST(empty_then_anon4k_256t)
BOUNDARY_TEST(anon4k_then_empty_2m)
BOUNDARY_TEST(anon4k_then_empty_4m)
BOUNDARY_TEST(anon4k_then_empty_1g)
BOUNDARY_TEST(anon4k_then_empty_512g)
BOUNDARY_TEST(anon4k_then_empty_256t)

TEST_F(fw, hole_and_no_vma)
{
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "untouched", 4 * PAGE);
	p = r.addr;
	expect_not_found(_metadata, (unsigned long)p, 0);
	expect_not_found(_metadata, (unsigned long)p + r.len - 1,
			 FWT_ZEROPAGE | FWT_MIGRATION);
	EXPECT_EQ(pagemap_pfn((unsigned long)p), 0);
	expect_no_vma(_metadata, (unsigned long)p + r.len);
	fw_region_release(&r);
	SETUP_KIND(&r, "hole", 4 * PAGE);
	expect_no_vma(_metadata, (unsigned long)r.addr);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len - 1);
	fw_region_release(&r);
}

/* A special mapping: [vvar] is a PFN mapping without normal pages. */
TEST_F(fw, special_vvar)
{
	unsigned long a, end;
	struct fw_region r;

	SETUP_KIND(&r, "vvar", 0);
	end = (unsigned long)r.addr + r.len;
	for (a = (unsigned long)r.addr; a < end; a += PAGE)
		expect_not_found(_metadata, a, FWT_ZEROPAGE | FWT_MIGRATION);
	fw_region_release(&r);
}

/* A tagged pointer (arm64 TBI) walks to the same page as the untagged one. */
TEST_F(fw, tagged_address)
{
	struct folio_walk_test t;
	unsigned long tagged;
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "anon4k", PAGE);
	p = r.addr;
#if FW_64BIT
	tagged = (unsigned long)p | (0x5aUL << 56);
#else
	tagged = (unsigned long)p;	/* 32-bit: no bits above it to tag it with */
#endif
#if defined(__aarch64__) || !FW_64BIT
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
	fw_region_release(&r);
}

TEST_F(fw, hostile_input)
{
	struct folio_walk_test t;
	struct fw_region r;
	char *p, *buf;

	SETUP_KIND(&r, "anon4k", PAGE);
	p = r.addr;
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
#elif FW_64BIT
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EINVAL);
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EINVAL);
#else
	/* 32-bit: an address past 4 GiB, which no unsigned long holds */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.addr = 1ULL << 40;
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, &t), -1);
	EXPECT_EQ(errno, EINVAL);
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
	fw_region_release(&r);
}

TEST_HARNESS_MAIN
