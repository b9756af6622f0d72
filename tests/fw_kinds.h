/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_kinds.h: the kinds of mapping the foliowalk guest programs run on,
 * in one table (fw_kind_defs[]) that fw_diff, fw_race, fw_oracle and
 * fw_demo walk. A kind is defined here once: its name, how an instance is
 * set up (fw_region_setup()) and torn down (fw_region_release()), and
 * what it is expected to be (FW_K_* flags, the level and the folio order
 * of the entries that map it); FW_USE_* says which programs (and which
 * fw_diff operations) use it. What a program does with a kind (the
 * operations it runs, the partners it races it against, what it asserts)
 * stays in the program.
 *
 * A kind that cannot be set up here (no THP, an empty hugetlb pool, no
 * KSM, ...) is "unavailable": fw_region_setup() returns -1 with the reason
 * in region.why, naming what is missing. Nothing is skipped silently.
 *
 * Populated kinds hold a data pattern derived from the kind's name
 * (fw_region_data() checks it): pages 2k and 2k+1 are identical, so that
 * KSM has something to merge. Include after "#define _GNU_SOURCE"; call
 * fw_kinds_init() once, after the program changed the THP/KSM knobs it
 * changes (the kinds' availability reads them).
 */
#ifndef FW_KINDS_H
#define FW_KINDS_H

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include "fw_util.h"

#define FW_SMALL_PAGES		8		/* default pages of the 4K kinds */
#define FW_SPARSE_LIMIT		(64UL << 20)	/* larger: check the ends of pages */
#define FW_SPARSE_WORDS		8
#define FW_KSM_TIMEOUT_MS	60000
#define FW_TMPFS_MAGIC		0x01021994
#define FW_MAX_KINDS		64
#define FW_MAX_HUGETLB_SIZES	8
#define FW_CG2_MNT		"/tmp/fw-cg2"	/* cgroup2, mounted while a memcg exists */
#define FW_NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"
#define FW_NUMA_HINT_TIMEOUT_MS	90000	/* for the scanner to pass over a numa_hint kind */

/* What a kind is (struct fw_kind.flags). */
#define FW_K_POPULATED	(1 << 0)	/* present normal memory: it has a node */
#define FW_K_THP	(1 << 1)	/* a THP that split_huge_pages must split */
#define FW_K_CHILD	(1 << 2)	/* used in a forked child: COW-shared */
#define FW_K_HOLE	(1 << 3)	/* no VMA at all: EFAULT everywhere */
#define FW_K_MERGES	(1 << 4)	/* private anonymous data KSM must merge and unmerge */
#define FW_K_HUGETLB	(1 << 5)	/* hugetlb, of size arg */
#define FW_K_ZERO	(1 << 6)	/* the shared zero page or the huge zero page */
#define FW_K_KSM	(1 << 7)	/* merged by ksmd at setup */
#define FW_K_FILE	(1 << 8)	/* a mapping of a shmem/tmpfs file */
#define FW_K_SHARED	(1 << 9)	/* MAP_SHARED */
#define FW_K_PROT_NONE	(1 << 10)	/* written, then mprotect(PROT_NONE) */
#define FW_K_UNTOUCHED	(1 << 11)	/* a VMA with nothing mapped in it */
#define FW_K_SPECIAL	(1 << 12)	/* a special mapping: [vdso], [vvar] */
#define FW_K_THP_ADVISED (1 << 13)	/* MADV_HUGEPAGE kept: THPs when the kernel gives them */
#define FW_K_SWAPPED	(1 << 14)	/* written, then swapped out: swap entries, no folio mapped */
#define FW_K_SWAPCACHE	(1 << 15)	/* swapped out and read back: mapped from the swap cache */
#define FW_K_HIGH	(1 << 16)	/* above 128 TiB (x86_64 5-level page tables) */
#define FW_K_HWPOISON	(1 << 17)	/* hwpoison entries (MADV_HWPOISON): reading is SIGBUS */
#define FW_K_UFFD_WP	(1 << 18)	/* uffd-wp write-protected, zapped: PTE markers */
#define FW_K_SOFT_DIRTY	(1 << 19)	/* swap entries that keep the soft-dirty bit */
#define FW_K_DAX	(1 << 20)	/* DAX (device, filesystem): ZONE_DEVICE pages, devmap entries */
#define FW_K_SECRET	(1 << 21)	/* memfd_secret(): out of the kernel's direct map */
#define FW_K_MEMCG	(1 << 22)	/* charged to a memcg over its memory.max: part swapped */
#define FW_K_NUMA_HINT	(1 << 23)	/* written, then the NUMA scanner made its entries PROT_NONE */
#define FW_K_BOUNDARY	(1 << 24)	/* a VMA across a level boundary, one side empty */

/* Who uses a kind (struct fw_kind.uses). */
#define FW_USE_DIFF	(1 << 0)	/* fw_diff: every per-kind operation */
#define FW_USE_BATCH	(1 << 1)	/* fw_diff: part of the mixed move_pages() batches */
#define FW_USE_MOVE_ALL	(1 << 2)	/* fw_diff: moved with MPOL_MF_MOVE_ALL too */
#define FW_USE_ORACLE	(1 << 3)	/* fw_oracle */
#define FW_USE_RACE	(1 << 4)	/* fw_race */
#define FW_USE_DEMO	(1 << 5)	/* fw_demo */
#define FW_USE_DIFF_HINT (1 << 6)	/* fw_diff: status, move, split_huge_pages (NUMA-hinting kinds) */

/* The level of the entries that map a kind (struct fw_kind.level). */
enum fw_level { FW_LEVEL_NONE, FW_LEVEL_PTE, FW_LEVEL_PMD, FW_LEVEL_PUD };

/* The folio order of a kind (struct fw_kind.order); fw_kind_order(). */
enum fw_order {
	FW_ORDER_ANY,		/* whatever the page cache gives */
	FW_ORDER_PAGE,		/* order 0 */
	FW_ORDER_PMD,		/* a PMD-sized folio */
	FW_ORDER_SIZE,		/* the hugetlb page size, arg */
	FW_ORDER_NONE,		/* nothing is mapped */
};

/* The size a PUD entry maps: 2G on s390x (region-third), else 1G. */
#ifdef __s390x__
#define FW_PUD_BYTES	(2UL << 30)
#else
#define FW_PUD_BYTES	(1UL << 30)
#endif

/* arguments of the setups */
#define FW_THP_PMD	0
#define FW_THP_PTE	1
#define FW_THP_PROTNONE	2
#define FW_THP_NUMA_HINT 3
#define FW_F_SHARED	1
#define FW_F_TMPFS	2
#define FW_ANON_PROTNONE 1
#define FW_ANON_NUMA_HINT 2
#define FW_SPECIAL_VDSO	0
#define FW_SPECIAL_VVAR	1

enum fw_pattern { FW_PAT_NONE, FW_PAT_ZERO, FW_PAT_DATA, FW_PAT_COPY };

struct fw_kind;

/**
 * struct fw_memcg - a child memory cgroup of cgroup2 at FW_CG2_MNT
 * @dir:	its directory; "" when there is none
 * @mounted:	FW_CG2_MNT was mounted for it
 * @enabled:	"+memory" was written to the root's cgroup.subtree_control
 * @joined:	the process is in it
 * @origin:	the cgroup the process was in, relative to the cgroup2 root
 *		("/" or, in make stress, the cgroup the races run in), which
 *		fw_memcg_move() goes back to
 */
struct fw_memcg {
	char dir[96];
	int mounted, enabled, joined;
	char origin[96];
};

/**
 * struct fw_region - one instance of a kind, set up by fw_region_setup()
 * @kind:	its kind
 * @addr:	where it starts
 * @len:	its length in bytes
 * @prot:	the protection it keeps; -1: not ours (hole, special)
 * @guarded:	ours, with an unmapped guard page before and after it
 * @span:	what fw_region_release() unmaps
 * @fd:		the file behind it, or -1
 * @pat:	what its data is (FW_PAT_*)
 * @seed:	the seed of its data pattern (from the kind's name)
 * @copy:	FW_PAT_COPY: its contents at setup
 * @note:	more setup facts, printed by fw_diff ("fs=tmpfs")
 * @uffd:	the userfaultfd that write-protects it (uffd_wp kinds), or -1
 * @memcg:	the memory cgroup it is charged to (memcg kinds), kept until
 *		fw_region_release()
 * @numa_saved:	numa_hint kinds: kernel.numa_balancing before the setup
 *		(which leaves it 0), put back by fw_region_release(); valid
 *		when @numa_changed
 * @numa_changed: the setup changed kernel.numa_balancing
 * @numa_cpus:	numa_hint kinds: the CPUs the process may run on, while the
 *		setup keeps it on one (put back by its end or by
 *		fw_region_release()); valid when @numa_pinned
 * @numa_pinned: the setup pinned the process to one CPU
 * @data_off:	where in it the data pattern starts, in bytes (boundary
 *		kinds: at their written pages)
 * @data_len:	how many bytes of it hold the pattern; 0: all from
 *		@data_off (every other kind)
 * @why:	why it is unavailable; "" when it was set up
 */
struct fw_region {
	const struct fw_kind *kind;
	char *addr;
	size_t len;
	int prot;
	int guarded;
	struct fw_span span;
	int fd;
	enum fw_pattern pat;
	unsigned int seed;
	unsigned char *copy;
	char note[32];
	int uffd;
	struct fw_memcg memcg;
	long numa_saved;
	int numa_changed;
	cpu_set_t numa_cpus;
	int numa_pinned;
	size_t data_off, data_len;
	char why[64];
};

/**
 * struct fw_kind - a kind of mapping: one entry of the table
 * @name:	what it is, as the programs print it ("anon4k", "thp_pmd",
 *		"hugetlb_2M", ...); tests/expected-differences.txt matches
 *		fw_diff's lines by it
 * @setup:	sets an instance up in a zeroed region whose len is the
 *		length asked for (0: the kind's own, @pages or the THP or
 *		huge page size); 0, or -1 with region.why set
 * @arg:	the setup's argument (FW_THP_*, FW_F_*, the hugetlb size)
 * @pages:	the default length in pages; 0: one PMD (THP kinds), one
 *		huge page (hugetlb), the VMA (special mappings)
 * @flags:	what it is: FW_K_*
 * @level:	the level of the entries that map it (FW_LEVEL_*; hugetlb:
 *		from the size, see fw_kinds_init())
 * @order:	the order of its folios (FW_ORDER_*, fw_kind_order())
 * @uses:	who uses it: FW_USE_*
 *
 * Teardown is the same for every kind, fw_region_release(): it unmaps
 * what the setup mapped (with its guard pages), closes the file and frees
 * the copy. The hugetlb entry of fw_kind_defs[] is a template that
 * fw_kinds_init() turns into one kind per size in /sys/kernel/mm/hugepages.
 */
struct fw_kind {
	char name[48];
	int (*setup)(struct fw_region *r);
	unsigned long arg;
	unsigned int pages;
	unsigned int flags;
	enum fw_level level;
	enum fw_order order;
	unsigned int uses;
};

/* what fw_kinds_init() found out about the machine */
struct fw_kinds_env {
	size_t page_sz, pmd_sz;
	int thp_sysfs;		/* the kernel has THP (transparent_hugepage/ exists) */
	int thp;		/* ... and THP "enabled" is not "never" */
	int ksm;		/* ksm/run is writable */
	int hugetlb;		/* /sys/kernel/mm/hugepages exists */
};

static struct fw_kinds_env fw_env;
static struct fw_kind fw_kinds[FW_MAX_KINDS];
static int fw_nr_kinds;

/* pagemap + kpageflags facts of a region, in 4K pages */
struct fw_pstat {
	long pages, present, anon, thp, huge, ksm, zero;
	int flags_ok;
};

static inline int fw_unavailable(struct fw_region *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline int fw_unavailable(struct fw_region *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- data patterns ---- */

/* pages 2k and 2k+1 are identical, so that KSM has something to merge */
static inline uint64_t fw_pattern_word(unsigned int seed, size_t page, size_t word)
{
	uint64_t v = ((uint64_t)seed << 48) ^ ((uint64_t)(page / 2) << 20) ^ word;

	return v * 0x9e3779b97f4a7c15ULL | 1;
}

static inline uint64_t fw_expected_word(const struct fw_region *r, size_t page, size_t word)
{
	return r->pat == FW_PAT_DATA ? fw_pattern_word(r->seed, page, word) : 0;
}

/* regions over FW_SPARSE_LIMIT: only the first and last words of a page */
static inline int fw_sparse(const struct fw_region *r)
{
	return r->len > FW_SPARSE_LIMIT;
}

static inline void fw_fill_words(const struct fw_region *r, size_t pg, size_t from, size_t to)
{
	uint64_t *p = (uint64_t *)(r->addr + pg * fw_env.page_sz);

	for (; from < to; from++)
		p[from] = fw_pattern_word(r->seed, pg, from);
}

static inline int fw_words_intact(const struct fw_region *r, size_t pg, size_t from,
				  size_t to)
{
	const volatile uint64_t *p = (uint64_t *)(r->addr + pg * fw_env.page_sz);

	for (; from < to; from++)
		if (p[from] != fw_expected_word(r, pg, from))
			return 0;
	return 1;
}

/* the pages of r that hold its data pattern: [*from, *to) */
static inline void fw_data_pages(const struct fw_region *r, size_t *from, size_t *to)
{
	*from = r->data_off / fw_env.page_sz;
	*to = r->data_len ? *from + r->data_len / fw_env.page_sz : r->len / fw_env.page_sz;
}

static inline void fw_region_fill(struct fw_region *r)
{
	size_t wpp = fw_env.page_sz / 8, pg, to;

	r->pat = FW_PAT_DATA;
	for (fw_data_pages(r, &pg, &to); pg < to; pg++) {
		if (fw_sparse(r)) {
			fw_fill_words(r, pg, 0, FW_SPARSE_WORDS);
			fw_fill_words(r, pg, wpp - FW_SPARSE_WORDS, wpp);
		} else {
			fw_fill_words(r, pg, 0, wpp);
		}
	}
}

static inline int fw_pattern_intact(const struct fw_region *r)
{
	size_t wpp = fw_env.page_sz / 8, pg, to;

	for (fw_data_pages(r, &pg, &to); pg < to; pg++) {
		if (fw_sparse(r) ? !fw_words_intact(r, pg, 0, FW_SPARSE_WORDS) ||
				   !fw_words_intact(r, pg, wpp - FW_SPARSE_WORDS, wpp) :
				   !fw_words_intact(r, pg, 0, wpp))
			return 0;
	}
	return 1;
}

/* "intact", "corrupt" or "n/a"; PROT_NONE regions are opened for reading */
static inline const char *fw_region_data(struct fw_region *r)
{
	int intact;

	if (r->pat == FW_PAT_NONE || r->why[0])
		return "n/a";
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_READ);
	if (r->pat == FW_PAT_COPY)
		intact = !memcmp(r->addr, r->copy, r->len);
	else
		intact = fw_pattern_intact(r);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_NONE);
	return intact ? "intact" : "corrupt";
}

static inline void fw_touch_read(const struct fw_region *r, size_t stride)
{
	size_t off;

	for (off = 0; off < r->len; off += stride)
		(void)*(volatile char *)(r->addr + off);
}

/* ---- page facts: pagemap + kpageflags, smaps ---- */

static inline void fw_tally(struct fw_pstat *ps, uint64_t f)
{
	ps->anon += !!(f & (1ULL << KPF_ANON));
	ps->thp += !!(f & (1ULL << KPF_THP));
	ps->huge += !!(f & (1ULL << KPF_HUGE));
	ps->ksm += !!(f & (1ULL << KPF_KSM));
	ps->zero += !!(f & (1ULL << KPF_ZERO_PAGE));
}

static inline void fw_tally_run(struct fw_pstat *ps, int kfd, uint64_t pfn, size_t n,
				uint64_t *flags)
{
	size_t i;

	if (kfd < 0 || !pfn || fw_kpageflags(kfd, pfn, n, flags)) {
		ps->flags_ok = 0;
		return;
	}
	for (i = 0; i < n; i++)
		fw_tally(ps, flags[i]);
}

static inline void fw_region_pstat(const struct fw_region *r, struct fw_pstat *ps)
{
	size_t n = r->len / fw_env.page_sz, i, j;
	uint64_t *pm = calloc(n, 8), *flags = calloc(n, 8);
	int kfd = open("/proc/kpageflags", O_RDONLY);

	memset(ps, 0, sizeof(*ps));
	ps->pages = (long)n;
	ps->flags_ok = kfd >= 0;
	if (!pm || !flags || fw_pagemap(r->addr, n, pm)) {
		ps->flags_ok = 0;
		ps->present = -1;
		goto out;
	}
	for (i = 0; i < n; i = j) {
		j = i + 1;
		if (!(pm[i] & PM_PRESENT))
			continue;
		while (j < n && (pm[j] & PM_PRESENT) &&
		       (pm[j] & PM_PFN_MASK) == (pm[j - 1] & PM_PFN_MASK) + 1)
			j++;
		ps->present += (long)(j - i);
		fw_tally_run(ps, kfd, pm[i] & PM_PFN_MASK, j - i, flags);
	}
out:
	if (kfd >= 0)
		close(kfd);
	free(pm);
	free(flags);
}

/* 4K pages of the region that kpageflags calls THP; -1 when unknown */
static inline long fw_region_thp(const struct fw_region *r)
{
	struct fw_pstat ps;

	fw_region_pstat(r, &ps);
	return ps.flags_ok ? ps.thp : -1;
}

static inline long fw_region_anonhuge_kb(const struct fw_region *r)
{
	return fw_smaps_kb(r->addr, "AnonHugePages");
}

/* all of it THP (kpageflags; smaps AnonHugePages without kpageflags) */
static inline int fw_region_is_thp(const struct fw_region *r)
{
	long thp = fw_region_thp(r);

	if (thp >= 0)
		return thp == (long)(r->len / fw_env.page_sz);
	return fw_region_anonhuge_kb(r) >= (long)(fw_env.pmd_sz >> 10);
}

/* ---- KSM: ksmd run to completion ---- */

/* the counters ksmd stops changing when it has done its work */
struct fw_ksm_counts {
	long shared, sharing;
};

static inline void fw_ksm_read(struct fw_ksm_counts *c)
{
	c->shared = fw_read_long(KSM_SYSFS "pages_shared");
	c->sharing = fw_read_long(KSM_SYSFS "pages_sharing");
}

/* run ksmd until its counters are stable, then stop it; 0 or -ETIMEDOUT */
static inline int fw_ksm_settle(void)
{
	struct fw_ksm_counts prev, cur;
	int i, ret;

	fw_ksm_start();
	ret = fw_ksm_wait_scans(3, FW_KSM_TIMEOUT_MS);
	fw_ksm_read(&prev);
	for (i = 0; !ret && i < 8; i++) {
		ret = fw_ksm_wait_scans(2, FW_KSM_TIMEOUT_MS);
		fw_ksm_read(&cur);
		if (cur.shared == prev.shared && cur.sharing == prev.sharing)
			break;
		prev = cur;
	}
	fw_ksm_stop();
	return ret;
}

/* ---- the setups ---- */

/* r->len bytes at an align-aligned address, with unmapped guard pages */
static inline int fw_region_map(struct fw_region *r, size_t align, int prot, int flags, int fd)
{
	void *p = fw_map(r->len, align, fw_env.page_sz, prot, flags, fd, &r->span);

	if (p == MAP_FAILED)
		return fw_unavailable(r, "mmap_%s", fw_errno_name(errno));
	r->addr = p;
	r->prot = prot;
	r->guarded = 1;
	return 0;
}

static inline int fw_log2(unsigned long v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* the mmap() flags of private anonymous hugetlb pages of size sz */
static inline int fw_hugetlb_flags(unsigned long sz)
{
	return MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (fw_log2(sz) << MAP_HUGE_SHIFT);
}

/* ---- memory cgroups ---- */

/* the kernel has the memory controller, enabled (/proc/cgroups) */
static inline int fw_memcg_controller(void)
{
	FILE *f = fopen("/proc/cgroups", "r");
	char line[256], name[64];
	int hier, num, enabled, found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %d %d %d", name, &hier, &num, &enabled) == 4 &&
		    !strcmp(name, "memory"))
			found = enabled;
	fclose(f);
	return found;
}

/* write val to the cgroup's file; 0 or -errno */
static inline int fw_memcg_write(const struct fw_memcg *g, const char *file, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", g->dir, file);
	return fw_write_str(path, val);
}

/* a "key N" line of a cgroup file (memory.events, memory.stat), or -1 */
static inline long fw_memcg_key(const struct fw_memcg *g, const char *file, const char *key)
{
	char path[160], k[64];
	long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g->dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

/* the process's cgroup2 path ("0::PATH" in /proc/self/cgroup); 0 or -1 */
static inline int fw_memcg_origin(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			if (strlen(line + 3) < len) {
				memcpy(buf, line + 3, strlen(line + 3) + 1);
				ret = 0;
			}
		}
	fclose(f);
	return ret;
}

/*
 * A child cgroup FW_CG2_MNT/TAG.PID of the root with the memory controller: cgroup2
 * mounted, +memory in the root's subtree_control. 0, or -1 with what
 * failed in err; fw_memcg_remove() undoes what was done either way.
 */
static inline int fw_memcg_create(struct fw_memcg *g, const char *tag, char *err, size_t len)
{
	char buf[256];
	int e;

	memset(g, 0, sizeof(*g));
	if (mkdir(FW_CG2_MNT, 0755) && errno != EEXIST)
		return snprintf(err, len, "mkdir %s: %s", FW_CG2_MNT, fw_errno_name(errno)), -1;
	if (mount("cgroup2", FW_CG2_MNT, "cgroup2", 0, NULL))
		return snprintf(err, len, "mount cgroup2 on %s: %s", FW_CG2_MNT,
				fw_errno_name(errno)), -1;
	g->mounted = 1;
	/* /proc/self/cgroup has its "0::" line once cgroup2 was mounted */
	if (fw_memcg_origin(g->origin, sizeof(g->origin)))
		return snprintf(err, len, "no cgroup2 line in /proc/self/cgroup"), -1;
	if (fw_read_str(FW_CG2_MNT "/cgroup.subtree_control", buf, sizeof(buf)))
		return snprintf(err, len, "no cgroup.subtree_control"), -1;
	if (!strstr(buf, "memory")) {
		e = fw_write_str(FW_CG2_MNT "/cgroup.subtree_control", "+memory");
		if (e)
			return snprintf(err, len, "+memory in cgroup.subtree_control: %s",
					fw_errno_name(-e)), -1;
		g->enabled = 1;
	}
	snprintf(buf, sizeof(buf), FW_CG2_MNT "/%s.%d", tag, (int)getpid());
	if (mkdir(buf, 0755))
		return snprintf(err, len, "mkdir %s: %s", buf, fw_errno_name(errno)), -1;
	snprintf(g->dir, sizeof(g->dir), "%s", buf);
	return 0;
}

/*
 * Move the process into the cgroup (join) or back to the one it came from;
 * 0 or -errno
 */
static inline int fw_memcg_move(struct fw_memcg *g, int join)
{
	char pid[24], back[160];
	int e;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(back, sizeof(back), FW_CG2_MNT "%s/cgroup.procs",
		 strcmp(g->origin, "/") ? g->origin : "");
	e = join ? fw_memcg_write(g, "cgroup.procs", pid) : fw_write_str(back, pid);
	if (!e)
		g->joined = join;
	return e;
}

/*
 * Back to the cgroup it came from, the child removed (once what is charged to it
 * is gone it has no users: rmdir is retried while it is busy), +memory
 * and the mount undone. 0, or -1 when the process could not leave.
 */
static inline int fw_memcg_remove(struct fw_memcg *g)
{
	int i, ret = 0;

	if (g->joined && fw_memcg_move(g, 0))
		ret = -1;
	if (g->dir[0]) {
		for (i = 0; i < 50 && rmdir(g->dir) && errno == EBUSY; i++)
			fw_sleep_ms(10);
		if (!access(g->dir, F_OK))
			printf("# note: %s not removed: %s\n", g->dir, fw_errno_name(errno));
	}
	if (g->enabled)
		fw_write_str(FW_CG2_MNT "/cgroup.subtree_control", "-memory");
	if (g->mounted && umount2(FW_CG2_MNT, 0))
		printf("# note: umount %s: %s\n", FW_CG2_MNT, fw_errno_name(errno));
	rmdir(FW_CG2_MNT);
	memset(g, 0, sizeof(*g));
	return ret;
}

/* a second thread of the process, until the pipe fd *arg is closed */
static inline void *fw_numa_hint_sibling(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/*
 * 1 when reading the byte at p took a NUMA hinting fault, i.e. its entry
 * was PROT_NONE in a VMA that is not: numa_hint_faults of /proc/vmstat
 * grew. The count is read until two reads agree first, so that the
 * reader's own faults (its stack, its buffer) are not counted.
 */
static inline int fw_hint_faulted(const volatile char *p)
{
	long h0 = -1, h1 = -2;
	int i;

	for (i = 0; i < 5 && h0 != h1; i++) {
		h0 = fw_vmstat("numa_hint_faults");
		h1 = fw_vmstat("numa_hint_faults");
	}
	(void)*p;
	return h0 >= 0 && fw_vmstat("numa_hint_faults") > h1;
}

/* back to the CPUs fw_numa_hint_begin() found */
static inline void fw_numa_hint_unpin(struct fw_region *r)
{
	if (r->numa_pinned)
		sched_setaffinity(0, sizeof(r->numa_cpus), &r->numa_cpus);
	r->numa_pinned = 0;
}

/*
 * numa_hint_anon4k and numa_hint_thp: written memory whose entries the NUMA
 * scanner itself turned into NUMA-hinting ones (pte_protnone() and
 * pmd_protnone() in a read-write VMA), the scanner then stopped so that
 * they stay as they are while the programs look at them.
 *
 * fw_numa_hint_begin(), before the region is written: the scanner off
 * (kernel.numa_balancing 0; fw_region_release() puts the value back) and
 * the process on the CPU it is on, so that the new pages all wait in that
 * CPU's LRU batch, whose extra reference keeps change_pte_range() away
 * from them (it skips copy-on-write pages with page_count() != 1), until
 * fw_numa_hint() drains it (an munmap() drains the local batch).
 *
 * fw_numa_hint(), after: a probe page just outside each guard hole (in
 * the PROT_NONE reservation of fw_map(), made read-write) is written, the
 * batch drained, and kernel.numa_balancing set to 1 while the process
 * burns CPU time in user space (the scanner runs from its ticks:
 * task_numa_work() changes the whole address space, a window at a time,
 * in address order) until numa_pte_updates in /proc/vmstat grows, then to
 * 0. The pass covered the region when both probes take a hinting fault
 * when read; the region itself is not touched. A second thread lives
 * through the pass: the scanner leaves the pages of a single-threaded
 * process alone when they are on the node it runs on. Unavailable
 * "no_numa_balancing" where the kernel has no NUMA balancing;
 * "numa_scanner_did_not_pass" after FW_NUMA_HINT_TIMEOUT_MS.
 */
static inline int fw_numa_hint_begin(struct fw_region *r)
{
	long nb = fw_read_long(FW_NUMA_BALANCING);
	cpu_set_t one;
	int err, cpu;

	if (nb < 0)
		return fw_unavailable(r, "no_numa_balancing");
	if (fw_vmstat("numa_pte_updates") < 0 || fw_vmstat("numa_hint_faults") < 0)
		return fw_unavailable(r, "no_numa_vmstat");
	err = fw_write_long(FW_NUMA_BALANCING, 0);
	if (err)
		return fw_unavailable(r, "numa_balancing_sysctl_%s", fw_errno_name(-err));
	r->numa_saved = nb;
	r->numa_changed = 1;
	cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof(r->numa_cpus), &r->numa_cpus))
		return fw_unavailable(r, "affinity_%s", fw_errno_name(errno));
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return fw_unavailable(r, "affinity_%s", fw_errno_name(errno));
	r->numa_pinned = 1;
	return 0;
}

/* drain this CPU's LRU batches: munmap() of a page it just faulted in */
static inline void fw_lru_drain_local(void)
{
	char *p = mmap(NULL, fw_env.page_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	munmap(p, fw_env.page_sz);
}

static inline int fw_numa_hint(struct fw_region *r)
{
	size_t pg = fw_env.page_sz;
	char *lo = r->addr - 2 * pg, *hi = r->addr + r->len + pg;
	long updates, deadline;
	int fds[2], err = 0, ok = 0;
	pthread_t sibling;

	if (mprotect(lo, pg, PROT_READ | PROT_WRITE) ||
	    mprotect(hi, pg, PROT_READ | PROT_WRITE))
		return fw_unavailable(r, "probe_mprotect_%s", fw_errno_name(errno));
	lo[0] = hi[0] = 1;
	fw_lru_drain_local();
	fw_numa_hint_unpin(r);
	if (pipe(fds))
		return fw_unavailable(r, "pipe_%s", fw_errno_name(errno));
	err = pthread_create(&sibling, NULL, fw_numa_hint_sibling, &fds[0]);
	if (err) {
		close(fds[0]);
		close(fds[1]);
		return fw_unavailable(r, "pthread_create_%s", fw_errno_name(err));
	}
	deadline = fw_now_ms() + FW_NUMA_HINT_TIMEOUT_MS;
	err = 0;
	while (!ok && !err && fw_now_ms() < deadline) {
		updates = fw_vmstat("numa_pte_updates");
		err = fw_write_long(FW_NUMA_BALANCING, 1);
		if (err)
			break;
		while (fw_vmstat("numa_pte_updates") == updates && fw_now_ms() < deadline)
			fw_spin_ms(20);
		err = fw_write_long(FW_NUMA_BALANCING, 0);
		/* both read, so that both are hinting entries again next time */
		ok = fw_hint_faulted(lo) & fw_hint_faulted(hi);
	}
	close(fds[1]);
	pthread_join(sibling, NULL);
	close(fds[0]);
	if (err)
		return fw_unavailable(r, "numa_balancing_sysctl_%s", fw_errno_name(-err));
	if (!ok)
		return fw_unavailable(r, "numa_scanner_did_not_pass");
	return 0;
}

/* anon4k, cow_child, protnone, numa_hint_anon4k: written 4K pages, no THP */
static inline int fw_setup_anon(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	if (r->kind->arg == FW_ANON_NUMA_HINT && fw_numa_hint_begin(r))
		return -1;
	fw_region_fill(r);
	if (r->kind->arg == FW_ANON_PROTNONE) {
		mprotect(r->addr, r->len, PROT_NONE);
		r->prot = PROT_NONE;
	}
	if (r->kind->arg == FW_ANON_NUMA_HINT)
		return fw_numa_hint(r);
	return 0;
}

/*
 * thp_pmd, thp_pte, protnone_thp, numa_hint_thp: a written THP, then kept
 * from khugepaged
 */
static inline int fw_setup_thp(struct fw_region *r)
{
	if (!fw_env.thp)
		return fw_unavailable(r, "no_thp");
	if (fw_region_map(r, fw_env.pmd_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return fw_unavailable(r, "madv_hugepage_%s", fw_errno_name(errno));
	if (r->kind->arg == FW_THP_NUMA_HINT && fw_numa_hint_begin(r))
		return -1;
	fw_region_fill(r);
	if (!fw_region_is_thp(r))
		return fw_unavailable(r, "thp_not_allocated");
	if (r->kind->arg == FW_THP_PTE) {	/* split the PMD, keep the THP */
		mprotect(r->addr + fw_env.page_sz, fw_env.page_sz, PROT_READ);
		mprotect(r->addr + fw_env.page_sz, fw_env.page_sz, PROT_READ | PROT_WRITE);
	}
	/* keep khugepaged away from it */
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	if (r->kind->arg == FW_THP_PROTNONE) {
		mprotect(r->addr, r->len, PROT_NONE);
		r->prot = PROT_NONE;
	}
	if (r->kind->arg == FW_THP_NUMA_HINT)
		return fw_numa_hint(r);
	return 0;
}

/*
 * thp_advised: written memory in a VMA that stays MADV_HUGEPAGE, so that
 * it refaults and collapses into THPs; what it got is not checked (a
 * kernel without THP gives 4K pages: the VMA is then page-aligned).
 */
static inline int fw_setup_thp_advised(struct fw_region *r)
{
	size_t align = fw_env.thp_sysfs ? fw_env.pmd_sz : fw_env.page_sz;

	if (fw_region_map(r, align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	if (madvise(r->addr, r->len, fw_env.thp_sysfs ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) &&
	    fw_env.thp_sysfs)
		return fw_unavailable(r, "madv_hugepage_%s", fw_errno_name(errno));
	fw_region_fill(r);
	return 0;
}

static inline int fw_setup_hugetlb(struct fw_region *r)
{
	size_t sz = r->kind->arg;
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 sz >> 10);
	if (fw_read_long(path) <= 0)
		return fw_unavailable(r, "empty_pool");
	if (fw_region_map(r, sz, PROT_READ | PROT_WRITE, fw_hugetlb_flags(sz), -1))
		return -1;
	fw_region_fill(r);
	return 0;
}

/* the shared zero page: read faults only */
static inline int fw_setup_zero(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	fw_touch_read(r, fw_env.page_sz);
	r->pat = FW_PAT_ZERO;
	return 0;
}

/* the huge zero page: read faults in a MADV_HUGEPAGE VMA (use_zero_page=1) */
static inline int fw_setup_huge_zero(struct fw_region *r)
{
	int64_t f;

	if (!fw_env.thp)
		return fw_unavailable(r, "no_thp");
	if (fw_region_map(r, fw_env.pmd_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return fw_unavailable(r, "madv_hugepage_%s", fw_errno_name(errno));
	fw_touch_read(r, fw_env.page_sz);
	r->pat = FW_PAT_ZERO;
	f = fw_page_flags(r->addr);
	if (f >= 0 && !(f & (1LL << KPF_ZERO_PAGE) && f & (1LL << KPF_THP)))
		return fw_unavailable(r, "no_huge_zero_page");
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	return 0;
}

/* ksm: anon4k made MADV_MERGEABLE, ksmd run until it has merged it */
static inline int fw_setup_ksm(struct fw_region *r)
{
	struct fw_pstat ps;

	if (!fw_env.ksm)
		return fw_unavailable(r, "no_ksm");
	if (fw_setup_anon(r))
		return -1;
	if (madvise(r->addr, r->len, MADV_MERGEABLE))
		return fw_unavailable(r, "madv_mergeable_%s", fw_errno_name(errno));
	if (fw_ksm_settle())
		return fw_unavailable(r, "ksmd_timeout");
	fw_region_pstat(r, &ps);
	if (ps.flags_ok && !ps.ksm)
		return fw_unavailable(r, "not_merged");
	return 0;
}

static inline int fw_open_tmp_file(struct fw_region *r)
{
	char path[] = "/tmp/fw_diff.XXXXXX";
	struct statfs sfs;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (!fstatfs(fd, &sfs))
		snprintf(r->note, sizeof(r->note), "fs=%s",
			 sfs.f_type == FW_TMPFS_MAGIC ? "tmpfs" : "other");
	return fd;
}

static inline int fw_fill_file(struct fw_region *r, int fd, size_t len)
{
	size_t ps = fw_env.page_sz, pg, w;
	uint64_t *buf = malloc(ps);
	int ret = 0;

	if (!buf || ftruncate(fd, (off_t)len))
		ret = -1;
	for (pg = 0; !ret && pg < len / ps; pg++) {
		for (w = 0; w < ps / 8; w++)
			buf[w] = fw_pattern_word(r->seed, pg, w);
		if (pwrite(fd, buf, ps, (off_t)(pg * ps)) != (ssize_t)ps)
			ret = -1;
	}
	free(buf);
	return ret;
}

/* memfd_* and tmpfs_*: a file written with the pattern, mapped, read */
static inline int fw_setup_file(struct fw_region *r)
{
	unsigned long arg = r->kind->arg;
	int fd;

	fd = arg & FW_F_TMPFS ? fw_open_tmp_file(r) : memfd_create("fw_diff", 0);
	if (fd < 0)
		return fw_unavailable(r, "%s_%s", arg & FW_F_TMPFS ? "open" : "memfd",
				      fw_errno_name(errno));
	r->fd = fd;
	if (fw_fill_file(r, fd, r->len))
		return fw_unavailable(r, "write_%s", fw_errno_name(errno));
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  arg & FW_F_SHARED ? MAP_SHARED : MAP_PRIVATE, fd))
		return -1;
	r->pat = FW_PAT_DATA;
	fw_touch_read(r, fw_env.page_sz);
	return 0;
}

/* hole: mapped and unmapped again, between guard pages: no VMA */
static inline int fw_setup_hole(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	munmap(r->addr, r->len);
	r->prot = -1;
	r->pat = FW_PAT_NONE;
	return 0;
}

/* untouched: mapped and never touched: no page table entry at all */
static inline int fw_setup_untouched(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	r->pat = FW_PAT_NONE;
	return 0;
}

static sigjmp_buf fw_probe_env;

static inline void fw_probe_fault(int sig)
{
	siglongjmp(fw_probe_env, sig);
}

/* read one byte of every page that can be read; returns how many could */
static inline int fw_probe_read(const struct fw_region *r)
{
	struct sigaction sa = { .sa_handler = fw_probe_fault }, old_bus, old_segv;
	volatile int readable = 0;
	volatile size_t off;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	for (off = 0; off < r->len; off += fw_env.page_sz) {
		if (sigsetjmp(fw_probe_env, 1))
			continue;
		(void)*(volatile char *)(r->addr + off);
		readable++;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return readable;
}

/* [vdso] / [vvar]: special mappings every process has (the length is theirs) */
static inline int fw_setup_special(struct fw_region *r)
{
	int vvar = r->kind->arg == FW_SPECIAL_VVAR;
	struct timespec ts;

	if (fw_find_vma(vvar ? "[vvar]" : "[vdso]", &r->addr, &r->len))
		return fw_unavailable(r, "no_%s", vvar ? "vvar" : "vdso");
	r->prot = -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* the vDSO reads [vvar] */
	snprintf(r->note, sizeof(r->note), "readable_pages=%d", fw_probe_read(r));
	if (!vvar) {
		r->copy = malloc(r->len);
		if (!r->copy)
			return fw_unavailable(r, "malloc");
		memcpy(r->copy, r->addr, r->len);
		r->pat = FW_PAT_COPY;
	}
	return 0;
}

/* ---- the table ---- */

/* a 64-bit unsigned long: addresses above 4 GiB exist */
#define FW_64BIT		(ULONG_MAX > 0xffffffffUL)

#if FW_64BIT
/* 128 TiB: the top of a 4-level (47-bit) user address space */
#define FW_ABOVE_128T		(1UL << 47)
/* where anon4k_above_128t asks for its reservation: 4 PiB, as a 5-level
 * x86_64 hands out to a hint there (a 4-level kernel ignores the hint) */
#define FW_HIGH_HINT		(1UL << 52)
#else
/* 32-bit: nothing is above 128 TiB (the setup says so before using these) */
#define FW_ABOVE_128T		ULONG_MAX
#define FW_HIGH_HINT		0UL
#endif

/* anon4k_above_128t: anon4k at an address only 5-level page tables have */
static inline int fw_setup_anon_high(struct fw_region *r)
{
	void *p;

	if (!FW_64BIT)
		return fw_unavailable(r, "no_5level_tables");
	p = fw_map_hint((void *)FW_HIGH_HINT, r->len, fw_env.page_sz, fw_env.page_sz,
			PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, &r->span);
	if (p == MAP_FAILED)
		return fw_unavailable(r, "mmap_%s", fw_errno_name(errno));
	r->addr = p;
	r->prot = PROT_READ | PROT_WRITE;
	r->guarded = 1;
	if ((uintptr_t)p < FW_ABOVE_128T)
		return fw_unavailable(r, "no_5level_tables");
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	fw_region_fill(r);
	return 0;
}

/*
 * The boundary kinds, empty_then_anon4k_<S> and anon4k_then_empty_<S>: a
 * private anonymous VMA [B - FW_BOUNDARY_REACH, B + FW_BOUNDARY_REACH)
 * across B, a multiple of S, the size that one entry of a page-table level
 * maps (arg: log2(S), with FW_BOUNDARY_END for the second kind): 2M and
 * 4M (a PMD; folded into the PGD on 2-level 32-bit arm and i386), 1G (a
 * PUD; folded on 3-level configs), 512G (a PGD entry of 4-level arm64,
 * whose P4D is folded), 256T (a PGD entry of 5-level x86_64).
 * empty_then_anon4k: the VMA starts in an S-aligned block [B - S, B) in
 * which nothing is mapped (no VMA but its own, untouched part) and has its
 * FW_BOUNDARY_PAGES written pages just past B; anon4k_then_empty: they are
 * just before B, and the VMA goes on into an empty block [B, B + S), where
 * it ends. 4K pages (MADV_NOHUGEPAGE) written with the pattern (pairs
 * identical: KSM merges them), the rest of the VMA never touched
 * (@data_off and @data_len say where the data is). A walk over the VMA
 * must step from the empty block's entry to the next entry
 * (empty_then_anon4k), and stop at the end of the page table the pages are
 * in (anon4k_then_empty); with the *_addr_end() of a folded level, which
 * return the end of the range, it misses the pages or reads past the
 * table. The VMA is small (8M) so that base's page-by-page KSM unmerge of
 * it is quick under QEMU TCG.
 *
 * B is found in /proc/self/maps: the first multiple of S at which
 * [B - S, B + S) (and the VMA, and a guard page on either side) meets no
 * VMA, above FW_BOUNDARY_FLOOR, where the address space reaches B + S (a
 * probe mapping of its last page). Where there is none, the first at which
 * the empty side alone is free: [B - S, B) for empty_then_anon4k,
 * [B, B + S) for anon4k_then_empty (a 3G 32-bit address space has its mmap
 * area and stack in the last GiB: i386 gets B = 2G and 1G for S = 1G).
 * Unavailable "address_space_too_small" where the address space cannot
 * hold such a block at all (32-bit: 512G and 256T; 4-level x86_64, 48-bit
 * arm64: 256T), "no_free_block" where VMAs are in the way everywhere.
 */
#define FW_BOUNDARY_PAGES	64		/* written pages of a boundary kind */
#define FW_BOUNDARY_REACH	(4UL << 20)	/* its VMA: so far on either side of B */
#define FW_BOUNDARY_END		0x100		/* arg: the pages before B, the empty block after */
#define FW_BOUNDARY_SHIFT(arg)	((unsigned int)(arg) & 0xff)
#define FW_BOUNDARY_FLOOR	(1UL << 20)	/* nothing of theirs below */
#define FW_MAX_VMAS		4096

struct fw_vma {
	unsigned long start, end;
};

/* the VMAs of the process, in address order (/proc/self/maps); how many, or -1 */
static inline int fw_read_vmas(struct fw_vma *v, int max)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (n >= 0 && fgets(line, sizeof(line), f)) {
		if (n == max)
			n = -1;
		else if (sscanf(line, "%lx-%lx", &v[n].start, &v[n].end) == 2)
			n++;
	}
	fclose(f);
	return n;
}

/* the page at a is in the address space: a probe mapping of it (unmapped again) can be made */
static inline int fw_page_mappable(unsigned long a)
{
	void *p = mmap((void *)a, fw_env.page_sz, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return errno == EEXIST;
	munmap(p, fw_env.page_sz);
	return p == (void *)a;
}

/*
 * The first B, a multiple of 1 << shift, at which [B - below, B + above)
 * and a guard page on either side meet none of the n VMAs of v, above
 * FW_BOUNDARY_FLOOR, where the address space reaches B + above; 0 when
 * there is none (n 0: whether the address space can hold one at all).
 */
static inline unsigned long fw_boundary_find(const struct fw_vma *v, int n, unsigned int shift,
					     unsigned long below, unsigned long above)
{
	unsigned long s = 1UL << shift, pg = fw_env.page_sz, b, lo, hi;
	int i;

	b = fw_align_up(FW_BOUNDARY_FLOOR + below + pg, s);
	for (;;) {
		if (!b || b > ULONG_MAX - above - pg)
			return 0;
		lo = b - below - pg;
		hi = b + above + pg;
		for (i = 0; i < n && (v[i].end <= lo || v[i].start >= hi); i++)
			;
		if (i == n)
			return fw_page_mappable(b + above - pg) ? b : 0;
		/* the next one whose lo is at or above the VMA's end */
		if (v[i].end > ULONG_MAX - below - pg - s)
			return 0;
		b = fw_align_up(v[i].end + below + pg, s);
	}
}

/* B of a boundary kind: the middle of its VMA */
static inline char *fw_boundary(const struct fw_region *r)
{
	return r->addr + r->len / 2;
}

/* how many pages of r pagemap reports present, -1 if unreadable; *data: of the data pages */
static inline long fw_region_present(const struct fw_region *r, long *data)
{
	size_t n = r->len / fw_env.page_sz, i, from, to;
	uint64_t *pm = calloc(n, sizeof(*pm));
	long present = 0;

	*data = 0;
	if (!pm || fw_pagemap(r->addr, n, pm)) {
		free(pm);
		return -1;
	}
	fw_data_pages(r, &from, &to);
	for (i = 0; i < n; i++) {
		present += !!(pm[i] & PM_PRESENT);
		*data += i >= from && i < to && (pm[i] & PM_PRESENT);
	}
	free(pm);
	return present;
}

static inline int fw_setup_boundary(struct fw_region *r)
{
	unsigned int shift = FW_BOUNDARY_SHIFT(r->kind->arg);
	int end_side = !!(r->kind->arg & FW_BOUNDARY_END);
	unsigned long reach = FW_BOUNDARY_REACH, pg = fw_env.page_sz, s, wide, b;
	long present, data;
	struct fw_vma *v;
	char *p;
	int n;

	/* 32-bit: a block of 512G or 256T is more than the address space */
	if (shift >= sizeof(long) * 8 - 1)
		return fw_unavailable(r, "address_space_too_small");
	s = 1UL << shift;
	wide = s > reach ? s : reach;
	v = calloc(FW_MAX_VMAS, sizeof(*v));
	if (!v)
		return fw_unavailable(r, "malloc");
	n = fw_read_vmas(v, FW_MAX_VMAS);
	if (n < 0) {
		free(v);
		return fw_unavailable(r, "maps_unreadable");
	}
	b = fw_boundary_find(v, n, shift, wide, wide);
	if (!b)
		b = end_side ? fw_boundary_find(v, n, shift, reach, wide) :
			       fw_boundary_find(v, n, shift, wide, reach);
	free(v);
	if (!b) {
		b = end_side ? fw_boundary_find(NULL, 0, shift, reach, wide) :
			       fw_boundary_find(NULL, 0, shift, wide, reach);
		return fw_unavailable(r, b ? "no_free_block" : "address_space_too_small");
	}
	p = mmap((void *)(b - reach), 2 * reach, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return fw_unavailable(r, "mmap_%s", fw_errno_name(errno));
	r->span.start = p;
	r->span.len = 2 * reach;
	if (p != (char *)(b - reach))	/* a kernel without MAP_FIXED_NOREPLACE */
		return fw_unavailable(r, "mmap_elsewhere");
	r->addr = p;
	r->len = 2 * reach;
	r->prot = PROT_READ | PROT_WRITE;
	r->guarded = 1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	r->data_len = FW_BOUNDARY_PAGES * pg;
	r->data_off = end_side ? reach - r->data_len : reach;
	fw_region_fill(r);
	present = fw_region_present(r, &data);
	if (present != FW_BOUNDARY_PAGES || data != FW_BOUNDARY_PAGES)
		return fw_unavailable(r, "present_%ld_data_%ld_of_%d", present, data,
				      FW_BOUNDARY_PAGES);
	return 0;
}

/*
 * How many 4K pages of r pagemap reports with every bit of mask set and
 * none of clear; -errno on failure. (Small regions: 512 pages at most.)
 */
static inline long fw_region_count(const struct fw_region *r, uint64_t mask, uint64_t clear)
{
	size_t n = r->len / fw_env.page_sz, done, i, k;
	uint64_t pm[512];
	long count = 0;
	int err;

	/* in chunks: a 4M THP (i386 without PAE) is 1024 pages */
	for (done = 0; done < n; done += k) {
		k = n - done < 512 ? n - done : 512;
		err = fw_pagemap(r->addr + done * fw_env.page_sz, k, pm);
		if (err)
			return err;
		for (i = 0; i < k; i++)
			count += (pm[i] & mask) == mask && !(pm[i] & clear);
	}
	return count;
}

/* how many pages of r pagemap says are swapped out; -errno on failure */
static inline long fw_region_swapped(const struct fw_region *r)
{
	return fw_region_count(r, PM_SWAP, 0);
}

/* /proc/self/clear_refs "4": clear the soft-dirty bits of the whole process */
static inline int fw_clear_soft_dirty(void)
{
	return fw_write_str("/proc/self/clear_refs", "4");
}

/*
 * swapped_out, swapped_out_soft_dirty, swapcache: anon4k pushed out to
 * swap with MADV_PAGEOUT (the lab's guests swap to zram: guest/init), so
 * that every PTE is a swap entry. Freshly written pages are soft-dirty
 * where the kernel tracks it (CONFIG_MEM_SOFT_DIRTY), and their swap
 * entries keep the bit: swapped_out_soft_dirty requires it on every page
 * (unavailable "no_soft_dirty" where the kernel has none), swapped_out
 * then clears it (/proc/self/clear_refs 4, which clears it in the swap
 * entries as well; every other mapping of the process loses its bits too,
 * so the programs set this kind up alone) and requires it off. swapcache then reads the pages into the swap cache with
 * MADV_WILLNEED (a fault alone would not: zram is synchronous, and a fault
 * on it bypasses the swap cache) and faults each one in by reading it,
 * which maps the swap-cache page and keeps it there (a read fault with
 * swap far from full keeps the swap slot).
 */
static inline int fw_setup_swapped(struct fw_region *r)
{
	size_t pg, n = r->len / fw_env.page_sz;
	long swapped;

	if (fw_read_long("/proc/sys/vm/swappiness") < 0)
		return fw_unavailable(r, "no_swap_in_kernel");
	if (fw_meminfo_kb("SwapTotal") <= 0)
		return fw_unavailable(r, "no_swap_device");
	if (fw_setup_anon(r))
		return -1;
	if ((r->kind->flags & FW_K_SOFT_DIRTY) &&
	    fw_region_count(r, PM_PRESENT | PM_SOFT_DIRTY, 0) != (long)n)
		return fw_unavailable(r, "no_soft_dirty");
	if (madvise(r->addr, r->len, MADV_PAGEOUT))
		return fw_unavailable(r, "madv_pageout_%s", fw_errno_name(errno));
	swapped = fw_region_swapped(r);
	if (swapped < 0)
		return fw_unavailable(r, "pagemap_%s", fw_errno_name((int)-swapped));
	if ((size_t)swapped != n)
		return fw_unavailable(r, "pageout_left_%zu_of_%zu", n - (size_t)swapped, n);
	if (r->kind->flags & FW_K_SOFT_DIRTY) {
		if (fw_region_count(r, PM_SWAP | PM_SOFT_DIRTY, 0) != (long)n)
			return fw_unavailable(r, "swap_entry_lost_soft_dirty");
		return 0;
	}
	if (!(r->kind->flags & FW_K_SWAPCACHE)) {
		if (fw_clear_soft_dirty())
			return fw_unavailable(r, "clear_refs_%s", fw_errno_name(errno));
		if (fw_region_count(r, PM_SWAP, PM_SOFT_DIRTY) != (long)n)
			return fw_unavailable(r, "soft_dirty_not_cleared");
		return 0;
	}
	if (madvise(r->addr, r->len, MADV_WILLNEED))
		return fw_unavailable(r, "madv_willneed_%s", fw_errno_name(errno));
	for (pg = 0; pg < n; pg++) {
		int64_t f;

		(void)*(volatile char *)(r->addr + pg * fw_env.page_sz);
		f = fw_page_flags(r->addr + pg * fw_env.page_sz);
		if (f <= 0)
			return fw_unavailable(r, "swapin_page_%zu_not_present", pg);
		if (access("/proc/kpageflags", R_OK) == 0 && !(f & (1LL << KPF_SWAPCACHE)))
			return fw_unavailable(r, "swapin_page_%zu_not_in_swapcache", pg);
	}
	return 0;
}

/*
 * memcg_over_max: anonymous 4K pages written by the process from inside a
 * memory cgroup whose memory.max is a quarter of them, with swap: reclaim
 * in the cgroup swapped out the rest while they were written. Some pages
 * are present (charged to the cgroup), the others swap entries; pagemap
 * tells which. The process is back in its own cgroup; the child keeps its
 * limit until fw_region_release().
 */
static inline int fw_setup_memcg(struct fw_region *r)
{
	long n = (long)(r->len / fw_env.page_sz), present, swapped;
	char err[64], val[24];
	int ret, e;

	if (!fw_memcg_controller())
		return fw_unavailable(r, "no_memcg");
	if (fw_read_long("/proc/sys/vm/swappiness") < 0)
		return fw_unavailable(r, "no_swap_in_kernel");
	if (fw_meminfo_kb("SwapTotal") <= 0)
		return fw_unavailable(r, "no_swap_device");
	if (fw_memcg_create(&r->memcg, "fw_kind", err, sizeof(err)))
		return fw_unavailable(r, "memcg: %s", err);
	snprintf(val, sizeof(val), "%zu", r->len / 4);
	e = fw_memcg_write(&r->memcg, "memory.max", val);
	if (e)
		return fw_unavailable(r, "memory.max_%s", fw_errno_name(-e));
	e = fw_memcg_move(&r->memcg, 1);
	if (e)
		return fw_unavailable(r, "memcg_join_%s", fw_errno_name(-e));
	ret = fw_setup_anon(r);
	e = fw_memcg_move(&r->memcg, 0);
	if (ret)
		return -1;
	if (e)
		return fw_unavailable(r, "memcg_leave_%s", fw_errno_name(-e));
	present = fw_region_count(r, PM_PRESENT, 0);
	swapped = fw_region_count(r, PM_SWAP, 0);
	if (present < 0 || swapped < 0)
		return fw_unavailable(r, "pagemap_unreadable");
	if (present + swapped != n)
		return fw_unavailable(r, "memcg_%ld_of_%ld_pages_neither", n - present - swapped, n);
	if (!swapped)
		return fw_unavailable(r, "memcg_reclaimed_nothing");
	if (!present)
		return fw_unavailable(r, "memcg_kept_nothing");
	snprintf(r->note, sizeof(r->note), "present=%ld swapped=%ld", present, swapped);
	return 0;
}

#ifndef MADV_HWPOISON
#define MADV_HWPOISON	100
#endif

/*
 * The pages [from, from + n) of r are hwpoison entries: not present, a
 * swap-type entry whose offset is a pfn that kpageflags calls HWPOISON.
 * 0, or -1 with r->why set.
 */
static inline int fw_expect_hwpoison(struct fw_region *r, size_t from, size_t n)
{
	int kfd = open("/proc/kpageflags", O_RDONLY);
	uint64_t pm, flags;
	size_t pg;
	int ret = 0, err;

	for (pg = from; !ret && pg < from + n; pg++) {
		err = fw_pagemap(r->addr + pg * fw_env.page_sz, 1, &pm);
		if (err)
			ret = fw_unavailable(r, "pagemap_%s", fw_errno_name(-err));
		else if ((pm & (PM_PRESENT | PM_SWAP)) != PM_SWAP)
			ret = fw_unavailable(r, "page_%zu_not_poisoned", pg);
		else if (kfd >= 0 &&
			 (fw_kpageflags(kfd, (pm & PM_PFN_MASK) >> PM_SWP_TYPE_BITS, 1, &flags) ||
			  !(flags & (1ULL << KPF_HWPOISON))))
			ret = fw_unavailable(r, "page_%zu_pfn_not_hwpoison", pg);
	}
	if (kfd >= 0)
		close(kfd);
	return ret;
}

/* MADV_HWPOISON on n pages of r from page from: memory_failure() on them */
static inline int fw_hwpoison(struct fw_region *r, size_t from, size_t n)
{
	if (madvise(r->addr + from * fw_env.page_sz, n * fw_env.page_sz, MADV_HWPOISON))
		return fw_unavailable(r, "madv_hwpoison_%s", fw_errno_name(errno));
	r->pat = FW_PAT_NONE;	/* a read of a poisoned page is SIGBUS */
	return fw_expect_hwpoison(r, from, n);
}

/* the kernel handles memory failures (CONFIG_MEMORY_FAILURE) */
static inline int fw_has_memory_failure(void)
{
	return !access("/proc/sys/vm/memory_failure_early_kill", F_OK);
}

/*
 * hwpoison_anon4k: anon4k with every page poisoned (MADV_HWPOISON, which
 * runs memory_failure() as an uncorrected memory error would): each PTE
 * becomes a hwpoison entry. The pages are lost to the guest for good
 * (8 per instance; the guests are short-lived).
 */
static inline int fw_setup_hwpoison_anon(struct fw_region *r)
{
	if (!fw_has_memory_failure())
		return fw_unavailable(r, "no_memory_failure");
	if (fw_setup_anon(r))
		return -1;
	return fw_hwpoison(r, 0, r->len / fw_env.page_sz);
}

/*
 * hwpoison_thp: a PMD-mapped THP whose first page is poisoned:
 * memory_failure() splits it, the first PTE becomes a hwpoison entry and
 * the other pages stay mapped, as order-0 pages, by PTEs.
 */
static inline int fw_setup_hwpoison_thp(struct fw_region *r)
{
	long thp;

	if (!fw_has_memory_failure())
		return fw_unavailable(r, "no_memory_failure");
	if (fw_setup_thp(r))
		return -1;
	if (fw_hwpoison(r, 0, 1))
		return -1;
	if (fw_region_count(r, PM_PRESENT, 0) != (long)(r->len / fw_env.page_sz) - 1)
		return fw_unavailable(r, "rest_of_thp_not_mapped");
	thp = fw_region_thp(r);
	if (thp > 0)
		return fw_unavailable(r, "thp_not_split");
	return 0;
}

/* r->uffd: a userfaultfd with uffd-wp on shmem and hugetlb; 0 or -1 */
static inline int fw_uffd_wp_open(struct fw_region *r)
{
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM };

	r->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (r->uffd < 0 && errno == ENOSYS)
		return fw_unavailable(r, "no_userfaultfd");
	if (r->uffd < 0)
		return fw_unavailable(r, "userfaultfd_%s", fw_errno_name(errno));
	if (ioctl(r->uffd, UFFDIO_API, &api)) {
		/* a kernel without uffd-wp markers refuses the feature */
		if (errno == EINVAL)
			return fw_unavailable(r, "no_uffd_wp_markers");
		return fw_unavailable(r, "uffdio_api_%s", fw_errno_name(errno));
	}
	return 0;
}

/*
 * The region's pages write-protected through a userfaultfd (register
 * UFFDIO_REGISTER_MODE_WP, UFFDIO_WRITEPROTECT), then zapped with
 * MADV_DONTNEED: each PTE becomes a uffd-wp PTE marker that keeps the
 * protection of a page that is no longer mapped
 * (UFFD_FEATURE_WP_HUGETLBFS_SHMEM, CONFIG_PTE_MARKER_UFFD_WP). The data
 * stays in the page cache; a read fault maps it again, write-protected.
 * Nothing may write to the region: nobody serves its faults. After
 * fw_uffd_wp_open().
 */
static inline int fw_uffd_wp_zap(struct fw_region *r)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)r->addr, .len = r->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)r->addr, .len = r->len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	long n = (long)(r->len / fw_env.page_sz);

	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		return fw_unavailable(r, "uffdio_register_%s", fw_errno_name(errno));
	if (ioctl(r->uffd, UFFDIO_WRITEPROTECT, &wp))
		return fw_unavailable(r, "uffdio_writeprotect_%s", fw_errno_name(errno));
	if (fw_region_count(r, PM_PRESENT | PM_UFFD_WP, 0) != n)
		return fw_unavailable(r, "not_write_protected");
	if (madvise(r->addr, r->len, MADV_DONTNEED))
		return fw_unavailable(r, "madv_dontneed_%s", fw_errno_name(errno));
	if (fw_region_count(r, PM_UFFD_WP, PM_PRESENT) != n)
		return fw_unavailable(r, "no_markers_after_zap");
	return 0;
}

/* uffd_wp_marker_shmem: memfd_shared, write-protected and zapped */
static inline int fw_setup_uffd_wp_shmem(struct fw_region *r)
{
	if (fw_uffd_wp_open(r) || fw_setup_file(r))
		return -1;
	return fw_uffd_wp_zap(r);
}

/*
 * uffd_wp_marker_hugetlb: one shared hugetlb page of the PMD size
 * (MAP_SHARED hugetlb is a hugetlbfs file: the zap keeps its data),
 * written, write-protected and zapped: a marker in the huge PTE.
 */
static inline int fw_setup_uffd_wp_hugetlb(struct fw_region *r)
{
	size_t sz = fw_env.pmd_sz;
	char path[128];

	if (fw_uffd_wp_open(r))
		return -1;
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 sz >> 10);
	if (fw_read_long(path) <= 0)
		return fw_unavailable(r, "no_free_hugetlb_page");
	if (fw_region_map(r, sz, PROT_READ | PROT_WRITE,
			  (fw_hugetlb_flags(sz) & ~MAP_PRIVATE) | MAP_SHARED, -1))
		return -1;
	fw_region_fill(r);
	return fw_uffd_wp_zap(r);
}

/* the /dev/daxN.M whose alignment is align (guest/init makes them); 0 or -1 */
static inline int fw_find_devdax(size_t align, char *dev, size_t len)
{
	DIR *dir = opendir("/sys/bus/dax/devices");
	struct dirent *de;
	char path[300];
	int ret = -1;

	if (!dir)
		return -1;
	while (ret && (de = readdir(dir))) {
		if (strncmp(de->d_name, "dax", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%.32s/align", de->d_name);
		if (fw_read_long(path) == (long)align) {
			snprintf(dev, len, "/dev/%.32s", de->d_name);
			ret = 0;
		}
	}
	closedir(dir);
	return ret;
}

/*
 * devdax_pte, devdax_pmd: a device-dax device of pmem (guest/init makes
 * one with 4K alignment, mapped by PTEs, and one with 2M, mapped by
 * PMDs; a device of 2M alignment faults only whole PMDs, or SIGBUS),
 * MAP_SHARED, written with the pattern. Its pages are ZONE_DEVICE
 * pages, mapped by devmap entries (special on x86_64): vm_normal_page()
 * has no page for them. Unavailable "no_device_dax" where the kernel or
 * the machine has none.
 */
static inline int fw_setup_devdax(struct fw_region *r)
{
	size_t align = r->kind->level == FW_LEVEL_PMD ? fw_env.pmd_sz : fw_env.page_sz;
	char dev[96];

	if (fw_find_devdax(align, dev, sizeof(dev)))
		return fw_unavailable(r, "no_device_dax");
	r->fd = open(dev, O_RDWR);
	if (r->fd < 0)
		return fw_unavailable(r, "open_%s", fw_errno_name(errno));
	snprintf(r->note, sizeof(r->note), "dev=%.20s", dev + 5);
	if (fw_region_map(r, align, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd))
		return -1;
	fw_region_fill(r);
	return 0;
}

/*
 * fsdax_ext4_pte, fsdax_ext4_pmd: a file on ext4 mounted -o dax on pmem
 * (guest/init mounts it at FW_FSDAX_MNT on x86_64), MAP_SHARED, written:
 * the file's blocks are the pmem's ZONE_DEVICE pages, mapped by devmap
 * entries that the DAX fault path of the filesystem inserted (where
 * device-dax's are inserted by the device's driver). The file is unlinked
 * once open and fallocate()d in one request, which ext4's allocator puts
 * at a 2M-aligned block (the image has a 2M RAID stripe: lab/boot.sh);
 * for the PMD kind FS_IOC_FIEMAP checks that the file is one extent at a
 * PMD-aligned block, without which the PMD fault falls back to PTEs. What
 * maps it is checked in smaps: vm_normal_page() has no page for a devmap
 * PTE (Rss 0), while smaps' PMD walk counts a devmap PMD by its page,
 * which for pmem's order-0 ZONE_DEVICE pages is one page (Rss 4 kB; 6.1's
 * smaps_account() counts compound_nr() pages).
 * Unavailable "no_fsdax" where the guest has no DAX filesystem.
 */
#define FW_FSDAX_MNT	"/mnt/fsdax-ext4"

/* the physical offset of the file's only extent; 0 or -1 (why in r) */
static inline int fw_fsdax_extent(struct fw_region *r, unsigned long long *phys)
{
	struct {
		struct fiemap map;
		struct fiemap_extent ext[2];
	} fm;

	memset(&fm, 0, sizeof(fm));
	fm.map.fm_length = r->len;
	fm.map.fm_flags = FIEMAP_FLAG_SYNC;
	fm.map.fm_extent_count = 2;
	if (ioctl(r->fd, FS_IOC_FIEMAP, &fm.map))
		return fw_unavailable(r, "fiemap_%s", fw_errno_name(errno));
	if (fm.map.fm_mapped_extents != 1 || fm.ext[0].fe_logical ||
	    fm.ext[0].fe_length < r->len)
		return fw_unavailable(r, "fsdax_%u_extents", fm.map.fm_mapped_extents);
	*phys = fm.ext[0].fe_physical;
	return 0;
}

static inline int fw_setup_fsdax(struct fw_region *r)
{
	int pmd = r->kind->level == FW_LEVEL_PMD;
	unsigned long long phys = 0;
	char path[128];
	long rss;

	if (access(FW_FSDAX_MNT "/.fsdax", F_OK))
		return fw_unavailable(r, "no_fsdax");
	snprintf(path, sizeof(path), FW_FSDAX_MNT "/%s.%d", r->kind->name, (int)getpid());
	r->fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (r->fd < 0)
		return fw_unavailable(r, "open_%s", fw_errno_name(errno));
	unlink(path);
	if (fallocate(r->fd, 0, 0, r->len))
		return fw_unavailable(r, "fallocate_%s", fw_errno_name(errno));
	if (pmd && fw_fsdax_extent(r, &phys))
		return -1;
	if (pmd && phys % fw_env.pmd_sz)
		return fw_unavailable(r, "fsdax_extent_at_%lluk", phys >> 10);
	snprintf(r->note, sizeof(r->note), "fs=ext4,dax");
	if (fw_region_map(r, pmd ? fw_env.pmd_sz : fw_env.page_sz,
			  PROT_READ | PROT_WRITE, MAP_SHARED, r->fd))
		return -1;
	fw_region_fill(r);
	rss = fw_smaps_kb(r->addr, "Rss");
	if (pmd ? rss != (long)(fw_env.page_sz >> 10) : rss != 0)
		return fw_unavailable(r, "fsdax_%s_rss_%ldk", pmd ? "pmd" : "pte", rss);
	return 0;
}

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

/*
 * secretmem: memfd_secret(2) pages, MAP_SHARED, written: order-0 folios
 * of the secretmem file that the kernel removed from its direct map
 * (unmovable; GUP and folio_walk_start() do not walk the VMA, as base's
 * follow_page() did not: not FW_K_POPULATED for the programs). 6.1 has memfd_secret() only with
 * secretmem.enable=1 on the command line (lab/boot.sh gives it): ENOSYS
 * is "no_secretmem".
 */
static inline int fw_setup_secretmem(struct fw_region *r)
{
	r->fd = (int)syscall(__NR_memfd_secret, O_CLOEXEC);
	if (r->fd < 0 && errno == ENOSYS)
		return fw_unavailable(r, "no_secretmem");
	if (r->fd < 0)
		return fw_unavailable(r, "memfd_secret_%s", fw_errno_name(errno));
	if (ftruncate(r->fd, (off_t)r->len))
		return fw_unavailable(r, "ftruncate_%s", fw_errno_name(errno));
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd))
		return -1;
	fw_region_fill(r);
	return 0;
}

#define FW_DIFF_ALL	(FW_USE_DIFF | FW_USE_BATCH)

/* a boundary kind (fw_setup_boundary()); not FW_K_POPULATED: most of its VMA is not */
#define FW_BOUNDARY_KIND(name, arg)						\
	{ name, fw_setup_boundary, arg, 0,					\
	  FW_K_MERGES | FW_K_BOUNDARY, FW_LEVEL_PTE, FW_ORDER_PAGE,		\
	  FW_USE_DIFF | FW_USE_ORACLE }

/*
 * The kinds, in the order the programs walk them (fw_diff prints them in
 * this order). The hugetlb entry is the template of hugetlb_<size>.
 */
static const struct fw_kind fw_kind_defs[] = {
	{ "anon4k", fw_setup_anon, 0, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_MERGES, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_RACE | FW_USE_DEMO },
	{ "thp_pmd", fw_setup_thp, FW_THP_PMD, 0,
	  FW_K_POPULATED | FW_K_THP, FW_LEVEL_PMD, FW_ORDER_PMD,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "thp_pte", fw_setup_thp, FW_THP_PTE, 0,
	  FW_K_POPULATED | FW_K_THP, FW_LEVEL_PTE, FW_ORDER_PMD,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "hugetlb_", fw_setup_hugetlb, 0, 0,
	  FW_K_POPULATED | FW_K_HUGETLB, FW_LEVEL_NONE, FW_ORDER_SIZE,
	  FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_RACE | FW_USE_DEMO },
	{ "zero", fw_setup_zero, 0, FW_SMALL_PAGES,
	  FW_K_ZERO, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_DEMO },
	{ "huge_zero", fw_setup_huge_zero, 0, 0,
	  FW_K_ZERO, FW_LEVEL_PMD, FW_ORDER_PMD,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "ksm", fw_setup_ksm, 0, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_KSM | FW_K_MERGES, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_DIFF_ALL | FW_USE_MOVE_ALL | FW_USE_ORACLE | FW_USE_DEMO },
	{ "memfd_private", fw_setup_file, 0, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_FILE, FW_LEVEL_PTE, FW_ORDER_ANY,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "memfd_shared", fw_setup_file, FW_F_SHARED, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_FILE | FW_K_SHARED, FW_LEVEL_PTE, FW_ORDER_ANY,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "tmpfs_private", fw_setup_file, FW_F_TMPFS, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_FILE, FW_LEVEL_PTE, FW_ORDER_ANY,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "tmpfs_shared", fw_setup_file, FW_F_TMPFS | FW_F_SHARED, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_FILE | FW_K_SHARED, FW_LEVEL_PTE, FW_ORDER_ANY,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "cow_child", fw_setup_anon, 0, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_CHILD, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_DIFF | FW_USE_MOVE_ALL | FW_USE_ORACLE },
	{ "protnone", fw_setup_anon, FW_ANON_PROTNONE, FW_SMALL_PAGES,
	  FW_K_PROT_NONE, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_DIFF_ALL | FW_USE_ORACLE },
	{ "protnone_thp", fw_setup_thp, FW_THP_PROTNONE, 0,
	  FW_K_PROT_NONE, FW_LEVEL_PMD, FW_ORDER_PMD,
	  FW_DIFF_ALL },
	/*
	 * NUMA-hinting entries the scanner made (read-write VMA, PROT_NONE
	 * entries), the scanner stopped after its pass (fw_numa_hint())
	 */
	{ "numa_hint_anon4k", fw_setup_anon, FW_ANON_NUMA_HINT, FW_SMALL_PAGES,
	  FW_K_NUMA_HINT, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_DIFF_HINT | FW_USE_ORACLE },
	{ "numa_hint_thp", fw_setup_thp, FW_THP_NUMA_HINT, 0,
	  FW_K_NUMA_HINT, FW_LEVEL_PMD, FW_ORDER_PMD,
	  FW_USE_DIFF_HINT | FW_USE_ORACLE },
	{ "untouched", fw_setup_untouched, 0, FW_SMALL_PAGES,
	  FW_K_UNTOUCHED, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE | FW_USE_DEMO },
	{ "hole", fw_setup_hole, 0, FW_SMALL_PAGES,
	  FW_K_HOLE, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_DEMO },
	{ "vdso", fw_setup_special, FW_SPECIAL_VDSO, 0,
	  FW_K_SPECIAL, FW_LEVEL_PTE, FW_ORDER_ANY,
	  FW_DIFF_ALL | FW_USE_MOVE_ALL },
	/* [vvar]: special PFN entries, no folio behind them */
	{ "vvar", fw_setup_special, FW_SPECIAL_VVAR, 0,
	  FW_K_SPECIAL, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_DIFF_ALL | FW_USE_MOVE_ALL | FW_USE_ORACLE },
	/* swap entries: no folio is mapped; reading the data swaps it in */
	{ "swapped_out", fw_setup_swapped, 0, FW_SMALL_PAGES,
	  FW_K_SWAPPED, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "swapped_out_soft_dirty", fw_setup_swapped, 0, FW_SMALL_PAGES,
	  FW_K_SWAPPED | FW_K_SOFT_DIRTY, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "swapcache", fw_setup_swapped, 0, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_SWAPCACHE, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "anon4k_above_128t", fw_setup_anon_high, 0, FW_SMALL_PAGES,
	  FW_K_POPULATED | FW_K_HIGH, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	/*
	 * A VMA of 4K pages across a multiple B of a level's size (2M, 4M,
	 * 1G, 512G, 256T): an empty block, then the written pages just past
	 * B; the written pages just before B, then an empty block
	 * (fw_setup_boundary())
	 */
	FW_BOUNDARY_KIND("empty_then_anon4k_2m", 21),
	FW_BOUNDARY_KIND("empty_then_anon4k_4m", 22),
	FW_BOUNDARY_KIND("empty_then_anon4k_1g", 30),
	FW_BOUNDARY_KIND("empty_then_anon4k_512g", 39),
	FW_BOUNDARY_KIND("empty_then_anon4k_256t", 48),
	FW_BOUNDARY_KIND("anon4k_then_empty_2m", FW_BOUNDARY_END | 21),
	FW_BOUNDARY_KIND("anon4k_then_empty_4m", FW_BOUNDARY_END | 22),
	FW_BOUNDARY_KIND("anon4k_then_empty_1g", FW_BOUNDARY_END | 30),
	FW_BOUNDARY_KIND("anon4k_then_empty_512g", FW_BOUNDARY_END | 39),
	FW_BOUNDARY_KIND("anon4k_then_empty_256t", FW_BOUNDARY_END | 48),
	/* hwpoison entries: no folio; the poisoned pages are never read */
	{ "hwpoison_anon4k", fw_setup_hwpoison_anon, 0, FW_SMALL_PAGES,
	  FW_K_HWPOISON, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	/* the first page poisoned, the rest order-0 pages mapped by PTEs */
	{ "hwpoison_thp", fw_setup_hwpoison_thp, FW_THP_PMD, 0,
	  FW_K_HWPOISON, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	/* uffd-wp PTE markers: no folio mapped; a read maps the page again */
	{ "uffd_wp_marker_shmem", fw_setup_uffd_wp_shmem, FW_F_SHARED, FW_SMALL_PAGES,
	  FW_K_FILE | FW_K_SHARED | FW_K_UFFD_WP, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "uffd_wp_marker_hugetlb", fw_setup_uffd_wp_hugetlb, 0, 0,
	  FW_K_SHARED | FW_K_UFFD_WP, FW_LEVEL_NONE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "secretmem", fw_setup_secretmem, 0, FW_SMALL_PAGES,
	  FW_K_SHARED | FW_K_SECRET, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	/* charged to a memcg at its memory.max: part present, part swapped */
	{ "memcg_over_max", fw_setup_memcg, 0, 512,
	  FW_K_MEMCG, FW_LEVEL_PTE, FW_ORDER_PAGE,
	  FW_USE_ORACLE },
	/* device-dax: devmap PTEs and PMDs of ZONE_DEVICE pages */
	{ "devdax_pte", fw_setup_devdax, 0, FW_SMALL_PAGES,
	  FW_K_SHARED | FW_K_DAX, FW_LEVEL_PTE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "devdax_pmd", fw_setup_devdax, 0, 0,
	  FW_K_SHARED | FW_K_DAX, FW_LEVEL_PMD, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	/* a DAX filesystem: devmap PTEs and PMDs of a file on ext4 -o dax */
	{ "fsdax_ext4_pte", fw_setup_fsdax, 0, FW_SMALL_PAGES,
	  FW_K_SHARED | FW_K_DAX, FW_LEVEL_PTE, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	{ "fsdax_ext4_pmd", fw_setup_fsdax, 0, 0,
	  FW_K_SHARED | FW_K_DAX, FW_LEVEL_PMD, FW_ORDER_NONE,
	  FW_USE_DIFF | FW_USE_ORACLE },
	/* level and order: when the kernel gave THPs (fw_race checks AnonHugePages) */
	{ "thp_advised", fw_setup_thp_advised, 0, 0,
	  FW_K_POPULATED | FW_K_THP_ADVISED, FW_LEVEL_PMD, FW_ORDER_PMD,
	  FW_USE_RACE | FW_USE_DEMO },
};

#define FW_NR_KIND_DEFS	((int)(sizeof(fw_kind_defs) / sizeof(fw_kind_defs[0])))

static inline int fw_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* "2M", "1G", "64K" */
static inline void fw_size_name(unsigned long bytes, char *buf, size_t len)
{
	if (!(bytes % (1UL << 30)))
		snprintf(buf, len, "%luG", bytes >> 30);
	else if (!(bytes % (1UL << 20)))
		snprintf(buf, len, "%luM", bytes >> 20);
	else
		snprintf(buf, len, "%luK", bytes >> 10);
}

/* every hugetlb size the kernel has, smallest first */
static inline int fw_hugetlb_sizes(unsigned long *sizes, int max)
{
	DIR *dir = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	unsigned long kb;
	int n = 0;

	if (!dir)
		return 0;
	while (n < max && (de = readdir(dir)))
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) == 1)
			sizes[n++] = kb << 10;
	closedir(dir);
	qsort(sizes, n, sizeof(*sizes), fw_cmp_ulong);
	return n;
}

/* the level of the entry that maps a hugetlb page of size sz */
static inline enum fw_level fw_hugetlb_level(unsigned long sz)
{
	return sz >= FW_PUD_BYTES ? FW_LEVEL_PUD :
	       sz >= fw_env.pmd_sz ? FW_LEVEL_PMD : FW_LEVEL_PTE;
}

/*
 * Read what the kinds need to know about the machine and build
 * fw_kinds[]: fw_kind_defs[] with the hugetlb template made one kind per
 * size.
 */
static inline void fw_kinds_init(void)
{
	unsigned long sizes[FW_MAX_HUGETLB_SIZES];
	char thp[32], sz[24];
	int i, j, n;

	fw_env.page_sz = fw_page_size();
	fw_env.pmd_sz = fw_pmd_size();
	fw_env.thp_sysfs = !access(THP_SYSFS "enabled", F_OK);
	fw_env.thp = !fw_read_choice(THP_SYSFS "enabled", thp, sizeof(thp)) &&
		     strcmp(thp, "never");
	fw_env.ksm = fw_ksm_available();
	fw_env.hugetlb = !access("/sys/kernel/mm/hugepages", F_OK);
	n = fw_hugetlb_sizes(sizes, FW_MAX_HUGETLB_SIZES);
	fw_nr_kinds = 0;
	for (i = 0; i < FW_NR_KIND_DEFS; i++) {
		const struct fw_kind *d = &fw_kind_defs[i];

		if (!(d->flags & FW_K_HUGETLB)) {
			if (fw_nr_kinds < FW_MAX_KINDS)
				fw_kinds[fw_nr_kinds++] = *d;
			continue;
		}
		for (j = 0; j < n && fw_nr_kinds < FW_MAX_KINDS; j++) {
			struct fw_kind *k = &fw_kinds[fw_nr_kinds++];

			*k = *d;
			fw_size_name(sizes[j], sz, sizeof(sz));
			snprintf(k->name, sizeof(k->name), "%.20s%s", d->name, sz);
			k->arg = sizes[j];
			k->level = fw_hugetlb_level(sizes[j]);
		}
	}
}

/* the kind called name, or NULL (a hugetlb size the kernel has not) */
static inline const struct fw_kind *fw_kind_find(const char *name)
{
	int i;

	for (i = 0; i < fw_nr_kinds; i++)
		if (!strcmp(fw_kinds[i].name, name))
			return &fw_kinds[i];
	return NULL;
}

/* the folio order of the kind's pages; -1: any (or nothing mapped) */
static inline int fw_kind_order(const struct fw_kind *k)
{
	switch (k->order) {
	case FW_ORDER_PAGE:
		return 0;
	case FW_ORDER_PMD:
		return fw_log2(fw_env.pmd_sz / fw_env.page_sz);
	case FW_ORDER_SIZE:
		return fw_log2(k->arg / fw_env.page_sz);
	default:
		return -1;
	}
}

/* the length of an instance when none is asked for */
static inline size_t fw_kind_len(const struct fw_kind *k)
{
	if (k->pages)
		return k->pages * fw_env.page_sz;
	if (k->flags & FW_K_HUGETLB)
		return k->arg;
	return fw_env.pmd_sz;	/* THP kinds; special mappings take their VMA's */
}

static inline unsigned int fw_name_hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h & 0xffff;
}

/* teardown, for every kind: what the setup mapped, opened and copied */
static inline void fw_region_release(struct fw_region *r)
{
	if (r->span.len)
		munmap(r->span.start, r->span.len);
	if (r->fd >= 0)
		close(r->fd);
	if (r->uffd >= 0)
		close(r->uffd);
	if (r->memcg.dir[0] || r->memcg.mounted)
		fw_memcg_remove(&r->memcg);
	if (r->numa_changed)
		fw_write_long(FW_NUMA_BALANCING, r->numa_saved);
	r->numa_changed = 0;
	fw_numa_hint_unpin(r);
	free(r->copy);
	r->copy = NULL;
	r->span.len = 0;
	r->fd = -1;
	r->uffd = -1;
}

/*
 * Set up an instance of k of len bytes (0: the kind's default; THP kinds
 * a multiple of the PMD size, hugetlb of the huge page size). 0, or -1
 * with r->why saying why it is unavailable (nothing is left mapped).
 */
static inline int fw_region_setup(struct fw_region *r, const struct fw_kind *k, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->fd = -1;
	r->uffd = -1;
	r->prot = -1;
	r->seed = fw_name_hash(k->name);
	r->len = len ? len : fw_kind_len(k);
	if (!k->setup(r))
		return 0;
	fw_region_release(r);
	return -1;
}

/* fw_region_setup() of the kind called name */
static inline int fw_region_setup_name(struct fw_region *r, const char *name, size_t len)
{
	static struct fw_kind none;
	const struct fw_kind *k = fw_kind_find(name);

	if (k)
		return fw_region_setup(r, k, len);
	memset(r, 0, sizeof(*r));
	snprintf(none.name, sizeof(none.name), "%.40s", name);
	r->kind = &none;
	r->fd = -1;
	r->uffd = -1;
	r->prot = -1;
	return fw_unavailable(r, "no_kind_%s", name);
}

#endif /* FW_KINDS_H */
