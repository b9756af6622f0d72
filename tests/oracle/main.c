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

#define PAGE		((unsigned long)fw_page_size())

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
	return fw_pfn_at(pagemap_fd, (void *)addr);
}

static uint64_t kpageflags(uint64_t pfn)
{
	return fw_kpf_of(kpageflags_fd, pfn);
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
		SKIP(return, FW_ABSENT(TRANSPARENT_HUGEPAGE)		\
		     "no THP in this kernel (no " THP_DIR ")");		\
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

/*
 * The tests, in the order the harness runs them. They are #included, not
 * linked: kselftest_harness.h keeps its fixture and test lists in static
 * variables, one per translation unit, so fw_oracle is one unit.
 */
#include "kinds.c"
#include "range.c"
#include "unavailable.c"
#include "boundary.c"

TEST_HARNESS_MAIN
