// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: the differential corpus. The same binary runs on the base and
 * on the patched kernel; the lab diffs the "fwdiff: " lines of the two
 * runs, so they are deterministic: kinds, positions, statuses, errno
 * names and counts, never addresses, pids, pfns or times.
 *
 * For every kind of mapping (anonymous 4K, THP mapped by a PMD and by
 * PTEs, hugetlb of every size with a pool, the shared and the huge zero
 * page, a KSM page, memfd and tmpfs private and shared, a COW page in a
 * forked child, PROT_NONE, an unmapped hole, [vdso] and [vvar]) it runs
 * the follow_page()/folio_walk users from user space:
 *   move_pages.status   move_pages() status query (do_pages_stat_array)
 *   move_pages.move     move_pages() of one page to the other node and back
 *   move_pages.batch    mixed batches, bad entries and bad nodes
 *   move_pages.args     argument errors
 *   ksm                 MADV_MERGEABLE/MADV_UNMERGEABLE with ksmd run to
 *                       completion (get_mergeable_page(), break_ksm())
 *   split_huge_pages    debugfs split_huge_pages "<pid>,<start>,<end>"
 *   migrate_pages       the whole process to the other node and back
 *
 * It is a test too: "ok N name" / "not ok N name" lines check what must
 * hold on any correct kernel (statuses are nodes or errnos, data survives,
 * populated memory has a node, ...); the exit status is non-zero only when
 * one of those fails. A setup that is not possible here is reported as
 * "setup=unavailable reason=...", never skipped silently.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include "fw_util.h"

#define SMALL_PAGES	8		/* pages of the small kinds */
#define SPARSE_LIMIT	(64UL << 20)	/* larger: check the ends of pages */
#define SPARSE_WORDS	8
#define KSM_TIMEOUT_MS	60000
#define TMPFS_MAGIC_	0x01021994

/* kind flags */
#define K_POPULATED	(1 << 0)	/* present normal memory: status is a node */
#define K_THP		(1 << 1)	/* a THP split_huge_pages must split */
#define K_CHILD		(1 << 2)	/* exercised in a forked child */
#define K_MOVE_ALL	(1 << 3)	/* also move with MPOL_MF_MOVE_ALL */
#define K_HOLE		(1 << 4)	/* nothing mapped: EFAULT everywhere */
#define K_GUP		(1 << 5)	/* get_mempolicy() may check the node */
#define K_BATCH		(1 << 6)	/* part of the mixed batches */
#define K_MERGES	(1 << 7)	/* KSM must merge and unmerge it */

/* setup arguments */
#define THP_PMD		0
#define THP_PTE		1
#define THP_PROTNONE	2
#define F_SHARED	1
#define F_TMPFS		2
#define ANON_PROTNONE	1

enum pattern { PAT_NONE, PAT_ZERO, PAT_DATA, PAT_COPY };
enum { W_FIRST, W_MIDDLE, W_LAST, W_PAST, NR_WHERE };
static const char *const where_name[NR_WHERE] = {
	"first", "middle", "last", "past"
};

struct kind;

struct region {
	const struct kind *kind;
	char *addr;
	size_t len;
	int prot;		/* protection it keeps; -1: not ours */
	int guarded;		/* ours, with unmapped guard pages around */
	struct fw_span span;	/* what to munmap at the end */
	int fd;
	enum pattern pat;
	unsigned int seed;
	unsigned char *copy;	/* PAT_COPY: contents at setup */
	char note[32];		/* extra setup facts, e.g. "fs=tmpfs" */
	char why[64];		/* why it is unavailable; "" when set up */
};

struct kind {
	char name[48];
	int (*setup)(struct region *r);
	unsigned long arg;
	unsigned int flags;
};

struct pstat {
	long pages, present, anon, thp, huge, ksm, zero;
	int flags_ok;
};

static size_t page_sz, pmd_sz;
static int nodes[FW_MAX_NODES], nr_nodes, home, other = -1;
static int have_thp, have_ksm, have_split, have_pageflags;
static char split_why[48];
static struct fw_ksm_saved ksm_saved;
static char thp_saved[32], zero_saved[16];

static struct kind kinds[32];
static int nr_kinds;

/* ---- KTAP-ish sanity checks ---- */

static int check_nr, checks_failed, check_failed;
static char check_name[96];

static void check_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(check_name, sizeof(check_name), fmt, ap);
	va_end(ap);
	check_failed = 0;
}

static void expect(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return;
	check_failed++;
	printf("# FAIL %s: ", check_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void check_end(void)
{
	check_nr++;
	if (check_failed)
		checks_failed++;
	printf("%sok %d %s\n", check_failed ? "not " : "", check_nr,
	       check_name);
}

/* ---- formatting ---- */

static const char *st(int s)
{
	static char bufs[8][24];
	static int i;

	i = (i + 1) % 8;
	return fw_status_str(s, bufs[i], sizeof(bufs[i]));
}

/* a syscall result: the value, or "-1 errno=NAME" for -errno */
static const char *rv(long ret)
{
	static char bufs[4][40];
	static int i;

	i = (i + 1) % 4;
	if (ret >= 0)
		snprintf(bufs[i], sizeof(bufs[i]), "%ld", ret);
	else
		snprintf(bufs[i], sizeof(bufs[i]), "-1 errno=%s",
			 fw_errno_name((int)-ret));
	return bufs[i];
}

static int valid_status(int s)
{
	int i;

	if (s < 0)
		return s >= -4095;
	for (i = 0; i < nr_nodes; i++)
		if (nodes[i] == s)
			return 1;
	return 0;
}

static int is_memory_node(int node)
{
	return node >= 0 && valid_status(node);
}

/* ---- data patterns ---- */

/* pages 2k and 2k+1 are identical, so that KSM has something to merge */
static uint64_t pattern_word(unsigned int seed, size_t page, size_t word)
{
	uint64_t v = ((uint64_t)seed << 48) ^ ((uint64_t)(page / 2) << 20) ^ word;

	return v * 0x9e3779b97f4a7c15ULL | 1;
}

static uint64_t expected_word(const struct region *r, size_t page, size_t word)
{
	return r->pat == PAT_DATA ? pattern_word(r->seed, page, word) : 0;
}

static int sparse(const struct region *r)
{
	return r->len > SPARSE_LIMIT;
}

static void fill_words(const struct region *r, size_t pg, size_t from, size_t to)
{
	uint64_t *p = (uint64_t *)(r->addr + pg * page_sz);

	for (; from < to; from++)
		p[from] = pattern_word(r->seed, pg, from);
}

static int words_intact(const struct region *r, size_t pg, size_t from, size_t to)
{
	const volatile uint64_t *p = (uint64_t *)(r->addr + pg * page_sz);

	for (; from < to; from++)
		if (p[from] != expected_word(r, pg, from))
			return 0;
	return 1;
}

static void region_fill(struct region *r)
{
	size_t wpp = page_sz / 8, pg;

	r->pat = PAT_DATA;
	for (pg = 0; pg < r->len / page_sz; pg++) {
		if (sparse(r)) {
			fill_words(r, pg, 0, SPARSE_WORDS);
			fill_words(r, pg, wpp - SPARSE_WORDS, wpp);
		} else {
			fill_words(r, pg, 0, wpp);
		}
	}
}

static int pattern_intact(const struct region *r)
{
	size_t wpp = page_sz / 8, pg;

	for (pg = 0; pg < r->len / page_sz; pg++) {
		if (sparse(r) ? !words_intact(r, pg, 0, SPARSE_WORDS) ||
				!words_intact(r, pg, wpp - SPARSE_WORDS, wpp) :
				!words_intact(r, pg, 0, wpp))
			return 0;
	}
	return 1;
}

/* "intact", "corrupt" or "n/a"; PROT_NONE regions are opened for reading */
static const char *region_data(struct region *r)
{
	int intact;

	if (r->pat == PAT_NONE || r->why[0])
		return "n/a";
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_READ);
	if (r->pat == PAT_COPY)
		intact = !memcmp(r->addr, r->copy, r->len);
	else
		intact = pattern_intact(r);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_NONE);
	return intact ? "intact" : "corrupt";
}

static void expect_data(struct region *r, const char *state, const char *when)
{
	expect(strcmp(state, "corrupt"), "%s: data of %s corrupt", when,
	       r->kind->name);
}

static void touch_read(const struct region *r, size_t stride)
{
	size_t off;

	for (off = 0; off < r->len; off += stride)
		(void)*(volatile char *)(r->addr + off);
}

/* ---- page facts: pagemap + kpageflags, smaps ---- */

static void tally(struct pstat *ps, uint64_t f)
{
	ps->anon += !!(f & (1ULL << KPF_ANON));
	ps->thp += !!(f & (1ULL << KPF_THP));
	ps->huge += !!(f & (1ULL << KPF_HUGE));
	ps->ksm += !!(f & (1ULL << KPF_KSM));
	ps->zero += !!(f & (1ULL << KPF_ZERO_PAGE));
}

static void tally_run(struct pstat *ps, int kfd, uint64_t pfn, size_t n,
		      uint64_t *flags)
{
	size_t i;

	if (kfd < 0 || !pfn || fw_kpageflags(kfd, pfn, n, flags)) {
		ps->flags_ok = 0;
		return;
	}
	for (i = 0; i < n; i++)
		tally(ps, flags[i]);
}

static void region_pstat(const struct region *r, struct pstat *ps)
{
	size_t n = r->len / page_sz, i, j;
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
		tally_run(ps, kfd, pm[i] & PM_PFN_MASK, j - i, flags);
	}
out:
	if (kfd >= 0)
		close(kfd);
	free(pm);
	free(flags);
}

static long region_thp(const struct region *r)
{
	struct pstat ps;

	region_pstat(r, &ps);
	return ps.flags_ok ? ps.thp : -1;
}

static long region_anonhuge_kb(const struct region *r)
{
	return fw_smaps_kb(r->addr, "AnonHugePages");
}

static const char *num(long v)
{
	static char bufs[8][24];
	static int i;

	i = (i + 1) % 8;
	if (v < 0)
		return "unknown";
	snprintf(bufs[i], sizeof(bufs[i]), "%ld", v);
	return bufs[i];
}

/* one line that tells what the kind really is before an operation */
static void print_setup(const char *op, const struct region *r)
{
	struct pstat ps;

	if (r->why[0]) {
		printf("fwdiff: %s kind=%s setup=unavailable reason=%s\n", op,
		       r->kind->name, r->why);
		return;
	}
	region_pstat(r, &ps);
	printf("fwdiff: %s kind=%s setup=ok pages=%ld present=%s", op,
	       r->kind->name, ps.pages, num(ps.present));
	if (ps.flags_ok)
		printf(" anon=%ld thp=%ld hugetlb=%ld ksm=%ld zero=%ld",
		       ps.anon, ps.thp, ps.huge, ps.ksm, ps.zero);
	else
		printf(" pageflags=unavailable");
	printf(" anonhuge_kb=%s%s%s\n", num(region_anonhuge_kb(r)),
	       r->note[0] ? " " : "", r->note);
}

/* ---- kinds: setup ---- */

static int unavailable(struct region *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int region_map(struct region *r, size_t len, size_t align, int prot,
		      int flags, int fd)
{
	void *p = fw_map(len, align, page_sz, prot, flags, fd, &r->span);

	if (p == MAP_FAILED)
		return unavailable(r, "mmap_%s", fw_errno_name(errno));
	r->addr = p;
	r->len = len;
	r->prot = prot;
	r->guarded = 1;
	return 0;
}

static int setup_anon(struct region *r)
{
	if (region_map(r, SMALL_PAGES * page_sz, page_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	region_fill(r);
	if (r->kind->arg == ANON_PROTNONE) {
		mprotect(r->addr, r->len, PROT_NONE);
		r->prot = PROT_NONE;
	}
	return 0;
}

static int region_is_thp(const struct region *r)
{
	long thp = region_thp(r);

	if (thp >= 0)
		return thp == (long)(r->len / page_sz);
	return region_anonhuge_kb(r) >= (long)(pmd_sz >> 10);
}

static int setup_thp(struct region *r)
{
	if (!have_thp)
		return unavailable(r, "no_thp");
	if (region_map(r, pmd_sz, pmd_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return unavailable(r, "madv_hugepage_%s", fw_errno_name(errno));
	region_fill(r);
	if (!region_is_thp(r))
		return unavailable(r, "thp_not_allocated");
	if (r->kind->arg == THP_PTE) {	/* split the PMD, keep the THP */
		mprotect(r->addr + page_sz, page_sz, PROT_READ);
		mprotect(r->addr + page_sz, page_sz, PROT_READ | PROT_WRITE);
	}
	/* keep khugepaged away from it */
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	if (r->kind->arg == THP_PROTNONE) {
		mprotect(r->addr, r->len, PROT_NONE);
		r->prot = PROT_NONE;
	}
	return 0;
}

static int log2_of(unsigned long v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int setup_hugetlb(struct region *r)
{
	size_t sz = r->kind->arg;
	char path[128];

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 sz >> 10);
	if (fw_read_long(path) <= 0)
		return unavailable(r, "empty_pool");
	if (region_map(r, sz, sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		       (log2_of(sz) << MAP_HUGE_SHIFT), -1))
		return -1;
	region_fill(r);
	return 0;
}

static int setup_zero(struct region *r)
{
	if (region_map(r, SMALL_PAGES * page_sz, page_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	touch_read(r, page_sz);
	r->pat = PAT_ZERO;
	return 0;
}

static int setup_huge_zero(struct region *r)
{
	int64_t f;

	if (!have_thp)
		return unavailable(r, "no_thp");
	if (region_map(r, pmd_sz, pmd_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return unavailable(r, "madv_hugepage_%s", fw_errno_name(errno));
	touch_read(r, page_sz);
	r->pat = PAT_ZERO;
	f = fw_page_flags(r->addr);
	if (f >= 0 && !(f & (1LL << KPF_ZERO_PAGE) && f & (1LL << KPF_THP)))
		return unavailable(r, "no_huge_zero_page");
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	return 0;
}

/* counter deltas of ksmd having run to completion: it stops changing them */
struct ksm_counts {
	long shared, sharing;
};

static void ksm_read(struct ksm_counts *c)
{
	c->shared = fw_read_long(KSM_SYSFS "pages_shared");
	c->sharing = fw_read_long(KSM_SYSFS "pages_sharing");
}

/* run ksmd until its counters are stable; 0 or -ETIMEDOUT */
static int ksm_settle(void)
{
	struct ksm_counts prev, cur;
	int i, ret;

	fw_ksm_start();
	ret = fw_ksm_wait_scans(3, KSM_TIMEOUT_MS);
	ksm_read(&prev);
	for (i = 0; !ret && i < 8; i++) {
		ret = fw_ksm_wait_scans(2, KSM_TIMEOUT_MS);
		ksm_read(&cur);
		if (cur.shared == prev.shared && cur.sharing == prev.sharing)
			break;
		prev = cur;
	}
	fw_ksm_stop();
	return ret;
}

static int setup_ksm(struct region *r)
{
	struct pstat ps;

	if (!have_ksm)
		return unavailable(r, "no_ksm");
	if (setup_anon(r))
		return -1;
	if (madvise(r->addr, r->len, MADV_MERGEABLE))
		return unavailable(r, "madv_mergeable_%s", fw_errno_name(errno));
	if (ksm_settle())
		return unavailable(r, "ksmd_timeout");
	region_pstat(r, &ps);
	if (ps.flags_ok && !ps.ksm)
		return unavailable(r, "not_merged");
	return 0;
}

static int open_tmp_file(struct region *r)
{
	char path[] = "/tmp/fw_diff.XXXXXX";
	struct statfs sfs;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (!fstatfs(fd, &sfs))
		snprintf(r->note, sizeof(r->note), "fs=%s",
			 sfs.f_type == TMPFS_MAGIC_ ? "tmpfs" : "other");
	return fd;
}

static int fill_file(struct region *r, int fd, size_t len)
{
	uint64_t *buf = malloc(page_sz);
	size_t pg, w;
	int ret = 0;

	if (!buf || ftruncate(fd, (off_t)len))
		ret = -1;
	for (pg = 0; !ret && pg < len / page_sz; pg++) {
		for (w = 0; w < page_sz / 8; w++)
			buf[w] = pattern_word(r->seed, pg, w);
		if (pwrite(fd, buf, page_sz, (off_t)(pg * page_sz)) !=
		    (ssize_t)page_sz)
			ret = -1;
	}
	free(buf);
	return ret;
}

static int setup_file(struct region *r)
{
	unsigned long arg = r->kind->arg;
	size_t len = SMALL_PAGES * page_sz;
	int fd;

	fd = arg & F_TMPFS ? open_tmp_file(r) : memfd_create("fw_diff", 0);
	if (fd < 0)
		return unavailable(r, "%s_%s", arg & F_TMPFS ? "open" : "memfd",
				   fw_errno_name(errno));
	r->fd = fd;
	if (fill_file(r, fd, len))
		return unavailable(r, "write_%s", fw_errno_name(errno));
	if (region_map(r, len, page_sz, PROT_READ | PROT_WRITE,
		       arg & F_SHARED ? MAP_SHARED : MAP_PRIVATE, fd))
		return -1;
	r->pat = PAT_DATA;
	touch_read(r, page_sz);
	return 0;
}

static int setup_hole(struct region *r)
{
	if (region_map(r, SMALL_PAGES * page_sz, page_sz, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	munmap(r->addr, r->len);
	r->prot = -1;
	r->pat = PAT_NONE;
	return 0;
}

/* mapped and never touched: no page table entry at all */
static int setup_untouched(struct region *r)
{
	if (region_map(r, SMALL_PAGES * page_sz, page_sz,
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	r->pat = PAT_NONE;
	return 0;
}

static sigjmp_buf probe_env;

static void probe_fault(int sig)
{
	siglongjmp(probe_env, sig);
}

/* read one byte of every page that can be read; returns how many could */
static int probe_read(const struct region *r)
{
	struct sigaction sa = { .sa_handler = probe_fault }, old_bus, old_segv;
	volatile int readable = 0;
	volatile size_t off;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	for (off = 0; off < r->len; off += page_sz) {
		if (sigsetjmp(probe_env, 1))
			continue;
		(void)*(volatile char *)(r->addr + off);
		readable++;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return readable;
}

/* [vdso] / [vvar]: special mappings every process has */
static int setup_special(struct region *r)
{
	const char *name = r->kind->arg ? "[vvar]" : "[vdso]";
	struct timespec ts;

	if (fw_find_vma(name, &r->addr, &r->len))
		return unavailable(r, "no_%s", r->kind->arg ? "vvar" : "vdso");
	r->prot = -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* the vDSO reads [vvar] */
	snprintf(r->note, sizeof(r->note), "readable_pages=%d", probe_read(r));
	if (!r->kind->arg) {
		r->copy = malloc(r->len);
		if (!r->copy)
			return unavailable(r, "malloc");
		memcpy(r->copy, r->addr, r->len);
		r->pat = PAT_COPY;
	}
	return 0;
}

static void region_release(struct region *r)
{
	if (r->span.len)
		munmap(r->span.start, r->span.len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->copy);
	r->copy = NULL;
	r->span.len = 0;
	r->fd = -1;
}

static unsigned int name_hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h & 0xffff;
}

static void region_setup(struct region *r, const struct kind *k)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->fd = -1;
	r->prot = -1;
	r->seed = name_hash(k->name);
	if (k->setup(r))
		region_release(r);
}

static void add_kind(const char *name, int (*setup)(struct region *),
		     unsigned long arg, unsigned int flags)
{
	struct kind *k = &kinds[nr_kinds++];

	snprintf(k->name, sizeof(k->name), "%s", name);
	k->setup = setup;
	k->arg = arg;
	k->flags = flags;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void size_name(unsigned long bytes, char *buf, size_t len)
{
	if (!(bytes % (1UL << 30)))
		snprintf(buf, len, "%luG", bytes >> 30);
	else if (!(bytes % (1UL << 20)))
		snprintf(buf, len, "%luM", bytes >> 20);
	else
		snprintf(buf, len, "%luK", bytes >> 10);
}

/* every hugetlb size the kernel has, smallest first */
static int hugetlb_sizes(unsigned long *sizes, int max)
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
	qsort(sizes, n, sizeof(*sizes), cmp_ulong);
	return n;
}

static void add_hugetlb_kinds(void)
{
	unsigned long sizes[8];
	char name[48], sz[24];
	int i, n = hugetlb_sizes(sizes, 8);

	for (i = 0; i < n; i++) {
		size_name(sizes[i], sz, sizeof(sz));
		snprintf(name, sizeof(name), "hugetlb_%s", sz);
		add_kind(name, setup_hugetlb, sizes[i],
			 K_POPULATED | K_GUP | K_BATCH);
	}
}

static void init_kinds(void)
{
	add_kind("anon4k", setup_anon, 0,
		 K_POPULATED | K_GUP | K_BATCH | K_MERGES);
	add_kind("thp_pmd", setup_thp, THP_PMD,
		 K_POPULATED | K_GUP | K_BATCH | K_THP);
	add_kind("thp_pte", setup_thp, THP_PTE,
		 K_POPULATED | K_GUP | K_BATCH | K_THP);
	add_hugetlb_kinds();
	add_kind("zero", setup_zero, 0, K_BATCH);
	add_kind("huge_zero", setup_huge_zero, 0, K_BATCH);
	add_kind("ksm", setup_ksm, 0,
		 K_POPULATED | K_GUP | K_BATCH | K_MOVE_ALL | K_MERGES);
	add_kind("memfd_private", setup_file, 0, K_POPULATED | K_GUP | K_BATCH);
	add_kind("memfd_shared", setup_file, F_SHARED,
		 K_POPULATED | K_GUP | K_BATCH);
	add_kind("tmpfs_private", setup_file, F_TMPFS,
		 K_POPULATED | K_GUP | K_BATCH);
	add_kind("tmpfs_shared", setup_file, F_TMPFS | F_SHARED,
		 K_POPULATED | K_GUP | K_BATCH);
	add_kind("cow_child", setup_anon, 0,
		 K_POPULATED | K_GUP | K_CHILD | K_MOVE_ALL);
	add_kind("protnone", setup_anon, ANON_PROTNONE, K_BATCH);
	add_kind("protnone_thp", setup_thp, THP_PROTNONE, K_BATCH);
	add_kind("untouched", setup_untouched, 0, 0);
	add_kind("hole", setup_hole, 0, K_HOLE | K_BATCH);
	add_kind("vdso", setup_special, 0, K_BATCH | K_MOVE_ALL);
	add_kind("vvar", setup_special, 1, K_BATCH | K_MOVE_ALL);
}

/* ---- running an operation on one kind ---- */

static char *where_addr(const struct region *r, int w)
{
	switch (w) {
	case W_FIRST:
		return r->addr;
	case W_MIDDLE:
		return r->addr + r->len / 2;
	case W_LAST:
		return r->addr + r->len - 1;
	default:
		return r->addr + r->len;
	}
}

typedef void (*op_fn)(struct region *r);

/* the body runs in a forked child, which shares the pages copy-on-write */
static void run_in_child(struct region *r, const char *op, op_fn fn)
{
	int wstatus;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		expect(0, "fork: %s", fw_errno_name(errno));
		return;
	}
	if (!pid) {
		print_setup(op, r);
		fn(r);
		fflush(stdout);
		_exit(check_failed ? 1 : 0);
	}
	if (waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus)) {
		printf("fwdiff: %s kind=%s child=killed\n", op, r->kind->name);
		expect(0, "the child died (signal %d)",
		       WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	} else if (WEXITSTATUS(wstatus)) {
		check_failed++;
	}
}

/* set the kind up, run fn on it (in a child for K_CHILD), tear it down */
static void run_op(const char *op, const struct kind *k, op_fn fn)
{
	struct region r;

	region_setup(&r, k);
	if (r.why[0]) {
		print_setup(op, &r);
		return;
	}
	check_begin("%s %s", op, k->name);
	if (k->flags & K_CHILD) {
		run_in_child(&r, op, fn);
	} else {
		print_setup(op, &r);
		fn(&r);
	}
	check_end();
	region_release(&r);
}

static void run_op_all(const char *op, op_fn fn)
{
	int i;

	for (i = 0; i < nr_kinds; i++)
		run_op(op, &kinds[i], fn);
}

/* an operation that cannot run at all here: one line per kind */
static void op_unavailable(const char *op, const char *why)
{
	int i;

	for (i = 0; i < nr_kinds; i++)
		printf("fwdiff: %s kind=%s setup=unavailable reason=%s\n", op,
		       kinds[i].name, why);
}

/* ---- move_pages() status ---- */

static void op_status(struct region *r)
{
	unsigned int fl = r->kind->flags;
	void *pages[NR_WHERE];
	int status[NR_WHERE], w;
	long ret;

	for (w = 0; w < NR_WHERE; w++) {
		pages[w] = where_addr(r, w);
		status[w] = FW_UNSET;
	}
	ret = fw_move_pages(0, NR_WHERE, pages, NULL, status, 0);
	ret = ret < 0 ? -errno : ret;
	printf("fwdiff: move_pages.status kind=%s ret=%s\n", r->kind->name, rv(ret));
	expect(ret == 0, "status query failed: %s", rv(ret));
	for (w = 0; w < NR_WHERE; w++) {
		printf("fwdiff: move_pages.status kind=%s where=%s status=%s\n",
		       r->kind->name, where_name[w], st(status[w]));
		expect(valid_status(status[w]), "%s: status %d is neither a node nor an errno",
		       where_name[w], status[w]);
		if (w != W_PAST && (fl & K_POPULATED))
			expect(status[w] >= 0, "%s: populated page reports %s",
			       where_name[w], st(status[w]));
		if (fl & K_HOLE || (w == W_PAST && r->guarded))
			expect(status[w] == -EFAULT, "%s: unmapped address reports %s",
			       where_name[w], st(status[w]));
	}
}

/* ---- move_pages() of one page ---- */

static const char *flags_name(int flags)
{
	return flags & MPOL_MF_MOVE_ALL ? "move_all" : "move";
}

static void move_and_report(struct region *r, int w, int node, int flags)
{
	char *addr = where_addr(r, w);
	int status, now[3], i;
	long ret;

	ret = fw_move_one(addr, node, flags, &status);
	for (i = 0; i < 3; i++)
		now[i] = fw_status_of(where_addr(r, i));
	printf("fwdiff: move_pages.move kind=%s where=%s flags=%s to=%d ret=%s status=%s now.first=%s now.middle=%s now.last=%s",
	       r->kind->name, where_name[w], flags_name(flags), node, rv(ret),
	       st(status), st(now[0]), st(now[1]), st(now[2]));
	if (r->kind->flags & K_THP)
		printf(" thp=%s", num(region_thp(r)));
	printf("\n");
	expect(ret == 0 || ret == 1 || (ret < 0 && ret >= -4095),
	       "%s to %d: bad return %ld", where_name[w], node, ret);
	expect(ret != 0 || status != FW_UNSET, "%s to %d: returned 0, status unset",
	       where_name[w], node);
	expect(status == FW_UNSET || status == node || (status < 0 && valid_status(status)),
	       "%s to %d: status %s", where_name[w], node, st(status));
	if (ret == 0 && status == node && (r->kind->flags & K_GUP))
		expect(fw_gmp_node(addr) == node,
		       "%s to %d: status says moved, get_mempolicy says node %d",
		       where_name[w], node, fw_gmp_node(addr));
}

static void move_rounds(struct region *r, int flags)
{
	int w;

	for (w = W_FIRST; w <= W_LAST; w++) {
		if (other >= 0)
			move_and_report(r, w, other, flags);
		move_and_report(r, w, home, flags);
	}
}

static void op_move(struct region *r)
{
	const char *data;

	if (other < 0)
		printf("fwdiff: move_pages.move kind=%s to=other setup=unavailable reason=single_node\n",
		       r->kind->name);
	move_rounds(r, MPOL_MF_MOVE);
	if (r->kind->flags & K_MOVE_ALL)
		move_rounds(r, MPOL_MF_MOVE | MPOL_MF_MOVE_ALL);
	data = region_data(r);
	printf("fwdiff: move_pages.move kind=%s data=%s\n", r->kind->name, data);
	expect_data(r, data, "after moving");
}

/* ---- move_pages() argument errors ---- */

static pid_t gone_pid(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

static long args_case(const char *name, int pid, unsigned long n, void **pages,
		      const int *node, int *status, int flags)
{
	long ret = fw_move_pages(pid, n, pages, node, status, flags);

	ret = ret < 0 ? -errno : ret;
	printf("fwdiff: move_pages.args case=%s ret=%s", name, rv(ret));
	if (status && n)
		printf(" status=%s", st(*status));
	printf("\n");
	return ret;
}

static void args_bad_nodes(void **pages, int *status)
{
	static const struct { const char *name; int node; } bad[] = {
		{ "node_minus1", -1 }, { "node_7", 7 }, { "node_1024", 1024 },
		{ "node_int_max", INT_MAX },
	};
	size_t i;
	long ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*status = FW_UNSET;
		ret = args_case(bad[i].name, 0, 1, pages, &bad[i].node, status,
				MPOL_MF_MOVE);
		if (!is_memory_node(bad[i].node))
			expect(ret == -ENODEV, "%s: %s, not ENODEV", bad[i].name,
			       rv(ret));
	}
}

static void op_args(void)
{
	struct region r;
	struct kind *k = &kinds[0];	/* anon4k */
	int status = FW_UNSET;
	void *pages[1];
	long ret;

	region_setup(&r, k);
	check_begin("move_pages.args");
	if (r.why[0]) {
		printf("fwdiff: move_pages.args setup=unavailable reason=%s\n", r.why);
		expect(0, "no anonymous page: %s", r.why);
		check_end();
		return;
	}
	pages[0] = r.addr;
	ret = args_case("flags_invalid", 0, 1, pages, &home, &status, 1 << 5);
	expect(ret == -EINVAL, "invalid flags: %s", rv(ret));
	ret = args_case("pid_gone", gone_pid(), 1, pages, NULL, &status, 0);
	expect(ret == -ESRCH, "no such pid: %s", rv(ret));
	ret = args_case("nr_zero", 0, 0, pages, NULL, &status, 0);
	expect(ret == 0, "nr_pages 0: %s", rv(ret));
	ret = args_case("pages_null", 0, 1, NULL, NULL, &status, 0);
	expect(ret == -EFAULT, "pages NULL: %s", rv(ret));
	ret = args_case("status_null", 0, 1, pages, NULL, NULL, 0);
	expect(ret == -EFAULT, "status NULL: %s", rv(ret));
	args_bad_nodes(pages, &status);
	status = FW_UNSET;
	ret = args_case("node_home", 0, 1, pages, &home, &status, MPOL_MF_MOVE);
	expect(ret == 0 && status == home, "to its own node: %s", rv(ret));
	status = FW_UNSET;
	ret = args_case("move_all_home", 0, 1, pages, &home, &status,
			MPOL_MF_MOVE | MPOL_MF_MOVE_ALL);
	expect(ret == 0 || ret == -EPERM, "MOVE_ALL: %s", rv(ret));
	check_end();
	region_release(&r);
}

/* ---- mixed batches ---- */

struct entry {
	char label[72];
	struct region *r;	/* NULL: not a page of ours */
	void *addr;
};

#define MAX_ENTRIES 64

static int add_entry(struct entry *e, int n, struct region *r, int w,
		     const char *extra)
{
	if (n >= MAX_ENTRIES)
		return n;
	snprintf(e[n].label, sizeof(e[n].label), "%s.%s%s", r->kind->name,
		 where_name[w], extra);
	e[n].r = r;
	e[n].addr = where_addr(r, w);
	return n + 1;
}

static int batch_entries(struct region *regs, struct entry *e)
{
	int i, n = 0, dup = -1;

	for (i = 0; i < nr_kinds; i++) {
		struct region *r = &regs[i];

		if (!(kinds[i].flags & K_BATCH) || r->why[0])
			continue;
		n = add_entry(e, n, r, W_FIRST, "");
		if (r->kind->flags & K_THP || r->kind->setup == setup_hugetlb)
			n = add_entry(e, n, r, W_MIDDLE, "");
		if (dup < 0 && r->kind->flags & K_POPULATED)
			dup = i;
	}
	if (dup >= 0)
		n = add_entry(e, n, &regs[dup], W_FIRST, ".dup");
	snprintf(e[n].label, sizeof(e[n].label), "invalid");
	e[n].r = NULL;
	e[n].addr = (void *)(~0UL & ~(page_sz - 1));	/* kernel half */
	return n + 1;
}

static void print_batch(const char *name, const struct entry *e, int n,
			const int *to, const int *status, long ret)
{
	void *pages[MAX_ENTRIES + 1];
	int now[MAX_ENTRIES + 1], i;

	for (i = 0; i < n; i++) {
		pages[i] = e[i].addr;
		now[i] = FW_UNSET;
	}
	if (fw_move_pages(0, n, pages, NULL, now, 0))
		now[0] = -errno;
	printf("fwdiff: move_pages.batch name=%s n=%d ret=%s\n", name, n, rv(ret));
	for (i = 0; i < n; i++)
		printf("fwdiff: move_pages.batch name=%s i=%d page=%s to=%d status=%s now=%s\n",
		       name, i, e[i].label, to[i], st(status[i]), st(now[i]));
}

static void check_batch(const char *name, int n, const int *to,
			const int *status, long ret)
{
	int i;

	expect((ret >= 0 && ret <= n) || (ret < 0 && ret >= -4095),
	       "%s: bad return %ld", name, ret);
	for (i = 0; i < n; i++) {
		expect(status[i] == FW_UNSET || status[i] == to[i] ||
		       (status[i] < 0 && valid_status(status[i])),
		       "%s: entry %d status %s", name, i, st(status[i]));
		expect(ret != 0 || status[i] != FW_UNSET,
		       "%s: returned 0 but entry %d is unset", name, i);
	}
}

/* bad: index of the entry that gets bad_node, or -1 */
static long run_batch(const char *name, const struct entry *e, int n,
		      int node, int alternate, int bad, int bad_node)
{
	void *pages[MAX_ENTRIES + 1];
	int to[MAX_ENTRIES + 1], status[MAX_ENTRIES + 1], i;
	long ret;

	for (i = 0; i < n; i++) {
		pages[i] = e[i].addr;
		to[i] = alternate && i % 2 ? home : node;
		status[i] = FW_UNSET;
	}
	if (bad >= 0)
		to[bad] = bad_node;
	ret = fw_move_pages(0, n, pages, to, status, MPOL_MF_MOVE);
	ret = ret < 0 ? -errno : ret;
	print_batch(name, e, n, to, status, ret);
	check_batch(name, n, to, status, ret);
	/* entries before the bad one may already have failed to migrate */
	if (bad >= 0 && !is_memory_node(bad_node))
		expect(ret == -ENODEV || (bad > 0 && ret > 0),
		       "%s: %s, not ENODEV", name, rv(ret));
	return ret;
}

static void batch_data(struct region *regs)
{
	const char *data;
	int i;

	for (i = 0; i < nr_kinds; i++) {
		if (!(kinds[i].flags & K_BATCH) || regs[i].why[0])
			continue;
		data = region_data(&regs[i]);
		printf("fwdiff: move_pages.batch kind=%s data=%s\n", kinds[i].name,
		       data);
		expect_data(&regs[i], data, "after the batches");
	}
}

static void batch_setup(struct region *regs)
{
	int i, hole = -1;

	for (i = 0; i < nr_kinds; i++) {
		if (!(kinds[i].flags & K_BATCH))
			continue;
		if (kinds[i].flags & K_HOLE) {	/* last: nothing may fill it */
			hole = i;
			continue;
		}
		region_setup(&regs[i], &kinds[i]);
		print_setup("move_pages.batch", &regs[i]);
	}
	if (hole >= 0) {
		region_setup(&regs[hole], &kinds[hole]);
		print_setup("move_pages.batch", &regs[hole]);
	}
}

static void op_batch(void)
{
	struct region regs[32];
	struct entry e[MAX_ENTRIES + 1];
	int n, i, away = other >= 0 ? other : home;

	memset(regs, 0, sizeof(regs));
	batch_setup(regs);
	n = batch_entries(regs, e);
	check_begin("move_pages.batch");
	if (other >= 0) {
		run_batch("to_other", e, n, other, 0, -1, 0);
		run_batch("to_home", e, n, home, 0, -1, 0);
		run_batch("alternating", e, n, other, 1, -1, 0);
	} else {
		printf("fwdiff: move_pages.batch name=to_other setup=unavailable reason=single_node\n");
		printf("fwdiff: move_pages.batch name=alternating setup=unavailable reason=single_node\n");
	}
	run_batch("back_home", e, n, home, 0, -1, 0);
	run_batch("bad_node_7", e, n, away, 0, n / 2, 7);
	run_batch("bad_node_1024", e, n, away, 0, n / 2, 1024);
	run_batch("bad_node_minus1", e, n, away, 0, 0, -1);
	run_batch("final_home", e, n, home, 0, -1, 0);
	batch_data(regs);
	check_end();
	for (i = 0; i < nr_kinds; i++)
		if (kinds[i].flags & K_BATCH)
			region_release(&regs[i]);
}

/* ---- KSM ---- */

static void ksm_report(struct region *r, const char *step, int ret,
		       int settle, const struct ksm_counts *base)
{
	struct ksm_counts now;
	struct pstat ps;
	const char *data;

	ksm_read(&now);
	region_pstat(r, &ps);
	data = region_data(r);
	printf("fwdiff: ksm kind=%s step=%s ret=%s scans=%s pages_shared=%+ld pages_sharing=%+ld ksm_pages=%s data=%s\n",
	       r->kind->name, step, rv(ret), settle ? "timeout" : "done",
	       now.shared - base->shared, now.sharing - base->sharing,
	       ps.flags_ok ? num(ps.ksm) : "unknown", data);
	expect(!settle, "%s: ksmd did not finish", step);
	expect_data(r, data, step);
	if (!(r->kind->flags & K_MERGES))
		return;
	if (!ps.flags_ok)
		return;
	if (!strcmp(step, "merge"))
		expect(ps.ksm > 0, "merge: no KSM page");
	else
		expect(ps.ksm == 0, "unmerge: %ld KSM pages left", ps.ksm);
}

static int madvise_ret(struct region *r, int advice)
{
	return madvise(r->addr, r->len, advice) ? -errno : 0;
}

/*
 * Merge with the region accessible, then put its protection back (PROT_NONE
 * kinds: break_ksm() on PROT_NONE entries) and unmerge.
 */
static void op_ksm(struct region *r)
{
	struct ksm_counts base;
	int ret, settle;

	/* let ksmd drop what released regions left behind: a clean baseline */
	ksm_settle();
	ksm_read(&base);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_READ | PROT_WRITE);
	ret = madvise_ret(r, MADV_MERGEABLE);
	settle = ksm_settle();
	ksm_report(r, "merge", ret, settle, &base);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_NONE);
	ret = madvise_ret(r, MADV_UNMERGEABLE);
	settle = ksm_settle();
	ksm_report(r, "unmerge", ret, settle, &base);
}

/* ksmd scans only while some mm is registered: keep one page mergeable */
static void op_ksm_all(void)
{
	char *anchor;

	if (!have_ksm) {
		op_unavailable("ksm", "no_ksm");
		return;
	}
	anchor = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anchor == MAP_FAILED) {
		op_unavailable("ksm", "mmap");
		return;
	}
	memset(anchor, 0xa5, page_sz);
	snprintf(anchor, page_sz, "fw_diff ksm anchor");
	madvise(anchor, page_sz, MADV_MERGEABLE);
	run_op_all("ksm", op_ksm);
	munmap(anchor, page_sz);
}

/* ---- split_huge_pages ---- */

static int split_write_str(const char *s)
{
	return fw_write_str(SPLIT_DEBUGFS, s);
}

static int split_range(int pid, const char *start, const char *end)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%d,0x%lx,0x%lx", pid, (unsigned long)start,
		 (unsigned long)end);
	return split_write_str(buf);
}

/* an empty range of our own: the interface works if that is accepted */
static int split_probe(void)
{
	char buf[64];
	int ret;

	if (access(SPLIT_DEBUGFS, F_OK)) {
		snprintf(split_why, sizeof(split_why), "no_debugfs_split_huge_pages");
		return 0;
	}
	snprintf(buf, sizeof(buf), "%d,0x0,0x0", getpid());
	ret = split_write_str(buf);
	if (ret)
		snprintf(split_why, sizeof(split_why), "split_huge_pages_write_%s",
			 fw_errno_name(-ret));
	return !ret;
}

static void op_split(struct region *r)
{
	long thp0 = region_thp(r), kb0 = region_anonhuge_kb(r), thp1, kb1;
	const char *data;
	int ret;

	ret = split_range(getpid(), r->addr, r->addr + r->len);
	thp1 = region_thp(r);
	kb1 = region_anonhuge_kb(r);
	data = region_data(r);
	printf("fwdiff: split_huge_pages kind=%s ret=%s before.thp=%s before.anonhuge_kb=%s after.thp=%s after.anonhuge_kb=%s data=%s\n",
	       r->kind->name, rv(ret), num(thp0), num(kb0), num(thp1), num(kb1),
	       data);
	if (!(r->kind->flags & K_HOLE))
		expect(ret == 0, "write: %s", rv(ret));
	expect_data(r, data, "after splitting");
	if (r->kind->flags & K_THP)
		expect(thp1 <= 0 && kb1 <= 0, "THP not split: thp=%ld kb=%ld",
		       thp1, kb1);
}

/* a fresh PMD-mapped THP for the range cases; NULL if none */
static struct kind thp_kind = { "thp_pmd", setup_thp, THP_PMD, K_THP };

static struct region *fresh_thp(struct region *r, const char *name)
{
	region_setup(r, &thp_kind);
	if (!r->why[0])
		return r;
	printf("fwdiff: split_huge_pages.range case=%s setup=unavailable reason=%s\n",
	       name, r->why);
	return NULL;
}

/* split [start_off, end_off) of a fresh THP; keep: must stay a THP */
static void split_case(const char *name, long start_off, long end_off, int keep)
{
	struct region rr, *r = fresh_thp(&rr, name);
	long before, after;
	const char *data;
	int ret;

	if (!r)
		return;
	before = region_thp(r);
	ret = split_range(getpid(), r->addr + start_off, r->addr + end_off);
	after = region_thp(r);
	data = region_data(r);
	printf("fwdiff: split_huge_pages.range case=%s ret=%s before.thp=%s after.thp=%s data=%s\n",
	       name, rv(ret), num(before), num(after), data);
	expect(ret == 0, "%s: write %s", name, rv(ret));
	expect_data(r, data, name);
	if (before > 0 && after >= 0)
		expect(keep ? after == before : after == 0, "%s: thp %ld -> %ld",
		       name, before, after);
	region_release(r);
}

/* two THPs with an unmapped PMD between them, split in one range */
static void split_across_hole(void)
{
	struct region a, b;
	long a0, b0, a1, b1;
	int ret;

	if (!fresh_thp(&a, "across_hole"))
		return;
	if (!fresh_thp(&b, "across_hole")) {
		region_release(&a);
		return;
	}
	if (a.addr > b.addr) {	/* a: the lower one */
		struct region t = a;

		a = b;
		b = t;
	}
	a0 = region_thp(&a);
	b0 = region_thp(&b);
	ret = split_range(getpid(), a.addr, b.addr + b.len);
	a1 = region_thp(&a);
	b1 = region_thp(&b);
	printf("fwdiff: split_huge_pages.range case=across_hole ret=%s low.before.thp=%s low.after.thp=%s high.before.thp=%s high.after.thp=%s data=%s\n",
	       rv(ret), num(a0), num(a1), num(b0), num(b1),
	       !strcmp(region_data(&a), "intact") &&
	       !strcmp(region_data(&b), "intact") ? "intact" : "corrupt");
	expect(ret == 0, "across_hole: write %s", rv(ret));
	expect(a1 == 0 || a1 < 0, "across_hole: the THP before the hole was not split");
	region_release(&a);
	region_release(&b);
}

static void split_bad_input(void)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "%d,0x1000,0x2000", gone_pid());
	ret = split_write_str(buf);
	printf("fwdiff: split_huge_pages.range case=pid_gone ret=%s\n", rv(ret));
	expect(ret == -ESRCH, "pid_gone: %s", rv(ret));
	ret = split_write_str("not,a,range");
	printf("fwdiff: split_huge_pages.range case=malformed ret=%s\n", rv(ret));
	expect(ret == -EINVAL, "malformed: %s", rv(ret));
}

static void op_split_ranges(void)
{
	check_begin("split_huge_pages.range");
	split_case("whole", 0, (long)pmd_sz, 0);
	split_case("one_page_in_middle", (long)pmd_sz / 2,
		   (long)(pmd_sz / 2 + page_sz), 0);
	split_case("empty", 0, 0, 1);
	split_case("reversed", (long)pmd_sz, 0, 1);
	split_case("within_one_page", 1, 2, 1);
	split_case("past_the_end", (long)pmd_sz, 2 * (long)pmd_sz, 1);
	split_across_hole();
	split_bad_input();
	check_end();
}

static void op_split_all(void)
{
	if (!have_split) {
		op_unavailable("split_huge_pages", split_why);
		printf("fwdiff: split_huge_pages.range setup=unavailable reason=%s\n",
		       split_why);
		return;
	}
	run_op_all("split_huge_pages", op_split);
	op_split_ranges();
}

/* ---- migrate_pages() of the whole process ---- */

static void report_nodes(const char *what, struct region *regs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (regs[i].why[0])
			continue;
		printf(" %s=%s", regs[i].kind->name, st(fw_status_of(regs[i].addr)));
	}
	printf("%s", what);
}

static void migrate_and_check(struct region *regs, int n, int from, int to)
{
	long ret = fw_migrate_pages(from, to);

	printf("fwdiff: migrate_pages from=%d to=%d ret=%s", from, to, rv(ret));
	report_nodes("\n", regs, n);
	expect(ret >= 0, "%d -> %d: %s", from, to, rv(ret));
	if (ret == 0 && !regs[0].why[0])
		expect(fw_gmp_node(regs[0].addr) == to,
		       "%d -> %d: anon4k on node %d", from, to,
		       fw_gmp_node(regs[0].addr));
}

static void op_migrate_pages(void)
{
	struct region regs[3];
	const struct kind *pick[3] = { &kinds[0], &kinds[1], NULL };
	const char *data;
	int i, n = 2, intact = 1;

	if (other < 0) {
		printf("fwdiff: migrate_pages setup=unavailable reason=single_node\n");
		return;
	}
	for (i = 0; i < nr_kinds && !pick[2]; i++)
		if (kinds[i].setup == setup_hugetlb)
			pick[n++] = &kinds[i];
	check_begin("migrate_pages");
	for (i = 0; i < n; i++) {
		region_setup(&regs[i], pick[i]);
		print_setup("migrate_pages", &regs[i]);
	}
	migrate_and_check(regs, n, home, other);
	migrate_and_check(regs, n, other, home);
	for (i = 0; i < n; i++) {
		data = region_data(&regs[i]);
		intact &= strcmp(data, "corrupt") != 0;
		expect_data(&regs[i], data, "after migrate_pages");
		region_release(&regs[i]);
	}
	printf("fwdiff: migrate_pages data=%s\n", intact ? "intact" : "corrupt");
	check_end();
}

/* ---- environment ---- */

static void set_knob(const char *path, char *saved, size_t len,
		     const char *want, int choice)
{
	int ret = choice ? fw_read_choice(path, saved, len) :
			   fw_read_str(path, saved, len);

	if (ret) {
		saved[0] = 0;
		return;
	}
	if (!strcmp(saved, want) || (choice && strcmp(saved, "never")))
		saved[0] = 0;	/* nothing to change or to restore */
	else if (fw_write_str(path, want))
		saved[0] = 0;
}

static void restore_env(void)
{
	if (thp_saved[0])
		fw_write_str(THP_SYSFS "enabled", thp_saved);
	if (zero_saved[0])
		fw_write_str(THP_SYSFS "use_zero_page", zero_saved);
	if (have_ksm)
		fw_ksm_restore(&ksm_saved);
}

static void print_hugetlb_pools(void)
{
	char path[128], sz[24];
	int i;

	for (i = 0; i < nr_kinds; i++) {
		if (kinds[i].setup != setup_hugetlb)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages",
			 kinds[i].arg >> 10);
		size_name(kinds[i].arg, sz, sizeof(sz));
		printf("fwdiff: env hugetlb size=%s pool=%s\n", sz,
		       fw_read_long(path) > 0 ? "yes" : "no");
	}
}

static void init_env(void)
{
	char thp[32] = "none", buf[16];
	long nb;

	page_sz = fw_page_size();
	pmd_sz = fw_pmd_size();
	nr_nodes = fw_memory_nodes(nodes, FW_MAX_NODES);
	home = nodes[0];
	other = nr_nodes > 1 ? nodes[1] : -1;
	fw_pin_to_node(home);
	set_knob(THP_SYSFS "enabled", thp_saved, sizeof(thp_saved), "madvise", 1);
	set_knob(THP_SYSFS "use_zero_page", zero_saved, sizeof(zero_saved), "1", 0);
	fw_read_choice(THP_SYSFS "enabled", thp, sizeof(thp));
	have_thp = strcmp(thp, "never") && strcmp(thp, "none");
	have_ksm = fw_ksm_available();
	if (have_ksm)
		fw_ksm_save(&ksm_saved);
	have_split = split_probe();
	have_pageflags = access("/proc/kpageflags", R_OK) == 0;
	nb = fw_read_long("/proc/sys/kernel/numa_balancing");
	init_kinds();

	printf("fwdiff: env nodes=%d home=%d other=%s page_size=%zu pmd_size=%zu\n",
	       nr_nodes, home, other >= 0 ? num(other) : "none", page_sz, pmd_sz);
	if (fw_read_str(THP_SYSFS "use_zero_page", buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "none");
	printf("fwdiff: env thp=%s use_zero_page=%s ksm=%s split_huge_pages=%s kpageflags=%s numa_balancing=%s\n",
	       thp, buf, have_ksm ? "yes" : "no", have_split ? "yes" : "no",
	       have_pageflags ? "yes" : "no", nb < 0 ? "absent" : num(nb));
	print_hugetlb_pools();
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	init_env();

	op_args();
	run_op_all("move_pages.status", op_status);
	run_op_all("move_pages.move", op_move);
	op_batch();
	op_ksm_all();
	op_split_all();
	op_migrate_pages();

	restore_env();
	printf("fwdiff: end\n");
	printf("1..%d\n", check_nr);
	printf("# Totals: pass:%d fail:%d\n", check_nr - checks_failed,
	       checks_failed);
	return checks_failed ? 1 : 0;
}
