// SPDX-License-Identifier: GPL-2.0
/*
 * fw_bench: what the paths the folio_walk series converted cost, per page,
 * in guest time. Run by lab/bench.sh on the base and on the patched kernel
 * in the same run, under QEMU -icount (guest time then counts guest
 * instructions and repeats run to run).
 *
 *   fw_bench [-r REPS] [-m MAXSHIFT] [-o OPS]
 *
 * OPS is a comma list of: status, floor, migrate, ksm, split (default all).
 * Every row is measured REPS times (default 5) and printed as
 *
 *   fwbench: op=OP kind=KIND n=N unit=UNIT reps=R med=X min=X max=X [k=v...]
 *
 * X in guest nanoseconds per UNIT:
 *   status   move_pages(pid, N, pages, NULL, status, 0): one address per 4K
 *            page of a region of KIND (anon4k, thp, hugetlb_SIZE; and, to
 *            show where the time goes, untouched: mapped but never
 *            faulted in, hole: no VMA); unit page
 *   floor    pread() of /proc/self/pagemap for the same N pages: a batched
 *            walk without folio references, the floor for a per-page lookup
 *   migrate  move_pages() of N 4K pages' worth of KIND (one address per
 *            folio) to the other node and back; unit page (4K)
 *   ksm      merge: MADV_MERGEABLE of N identical pages until ksmd merged
 *            them all (pages_to_scan 1000, sleep_millisecs 0); unmerge:
 *            MADV_UNMERGEABLE of the N merged pages (break_ksm()); unit page;
 *            and sparse64g: a 64 GiB VMA with N = 1024 pages in 64 runs
 *            merged, MADV_UNMERGEABLE of all of it (ksm_unmerge) or
 *            "echo 2 > run" (ksm_unmerge_all); unit call
 *   split    write of "pid,start,end" to split_huge_pages over N THPs;
 *            unit thp
 * A row whose sanity check fails (a status that is not the expected node,
 * pages that did not merge, THPs that did not split, data that changed)
 * is printed with bad=1 and the program exits 1: a broken kernel must not
 * look fast.
 */
#define _GNU_SOURCE
#include "fw.h"

#include <getopt.h>

#include <sys/stat.h>

#define KB			((size_t)1024)
#define MB			(1024 * KB)
#define MAX_REPS		31
#define BENCH_PAGES_TO_SCAN	1000
#define KSM_TIMEOUT_NS		(120ULL * 1000000000ULL)

static int reps = 5;
static int max_shift = 18;
static const char *ops = "status,floor,migrate,ksm,split";
static int home_node, other_node;
static size_t ps;
static int failures;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int want_op(const char *op)
{
	size_t len = strlen(op);
	const char *p = ops;

	while ((p = strstr(p, op))) {
		if ((p == ops || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* one row: median, min and max of v[0..n) */
static void report(const char *op, const char *kind, unsigned long n,
		   const char *unit, double *v, int n_v, int bad,
		   const char *extra)
{
	qsort(v, n_v, sizeof(*v), cmp_double);
	printf("fwbench: op=%s kind=%s n=%lu unit=%s reps=%d med=%.1f min=%.1f max=%.1f%s%s%s\n",
	       op, kind, n, unit, n_v, v[n_v / 2], v[0], v[n_v - 1],
	       bad ? " bad=1" : "", extra && *extra ? " " : "",
	       extra ? extra : "");
	fflush(stdout);
	if (bad)
		failures++;
}

/* ---- regions of one kind ------------------------------------------------ */

struct region {
	char kind[32];
	size_t folio;		/* 4K, the PMD size or the hugetlb size */
	char *addr;
	size_t len;
	struct fw_span span;
	long saved_pool[2];	/* hugetlb: per-node pool sizes to restore */
};

static const char *size_name(size_t sz, char *buf, size_t len)
{
	if (sz >= 1024 * MB)
		snprintf(buf, len, "%zuG", sz / (1024 * MB));
	else if (sz >= MB)
		snprintf(buf, len, "%zuM", sz / MB);
	else
		snprintf(buf, len, "%zuK", sz / KB);
	return buf;
}

static void node_pool_path(char *path, size_t len, int node, size_t sz)
{
	snprintf(path, len,
		 "/sys/devices/system/node/node%d/hugepages/hugepages-%zukB/nr_hugepages",
		 node, sz / KB);
}

/*
 * Reserve up to count hugetlb pages of sz on both nodes (large sizes may
 * not all be had once memory is fragmented); returns how many each node
 * has, or -1 when fewer than 2.
 */
static long hugetlb_pool(struct region *r, size_t sz, long count)
{
	int nodes[2] = { home_node, other_node }, i;
	long got = count, have;
	char path[160];

	for (i = 0; i < 2; i++) {
		node_pool_path(path, sizeof(path), nodes[i], sz);
		r->saved_pool[i] = fw_read_long(path);
		if (r->saved_pool[i] >= 0)
			fw_write_long(path, count);
		have = fw_read_long(path);
		if (have < got)
			got = have;
	}
	if (got < 2) {
		fprintf(stderr, "fw_bench: cannot reserve 2 hugetlb pages of %zu kB on nodes %d and %d\n",
			sz / KB, nodes[0], nodes[1]);
		return -1;
	}
	if (got < count)
		printf("fwbench: note kind=hugetlb size_kb=%zu pages=%ld of %ld wanted\n",
		       sz / KB, got, count);
	return got;
}

static void region_free(struct region *r)
{
	int nodes[2] = { home_node, other_node }, i;
	char path[160];

	munmap(r->span.start, r->span.len);
	if (strncmp(r->kind, "hugetlb_", 8))
		return;
	for (i = 0; i < 2; i++) {
		node_pool_path(path, sizeof(path), nodes[i], r->folio);
		if (r->saved_pool[i] >= 0)
			fw_write_long(path, r->saved_pool[i]);
	}
}

static int log2_of(size_t v)
{
	int s = 0;

	while ((1UL << s) < v)
		s++;
	return s;
}

/*
 * Set up len bytes of kind ("anon4k", "thp", or "hugetlb" with hsize),
 * every page written with its own index so no two are alike.
 * Returns 0, or -1 with the reason on stderr.
 */
static int region_setup(struct region *r, const char *kind, size_t hsize,
			size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t align = ps, i;
	char name[16];
	long got;

	memset(r, 0, sizeof(*r));
	r->saved_pool[0] = r->saved_pool[1] = -1;
	r->folio = ps;
	if (!strcmp(kind, "thp")) {
		r->folio = align = fw_pmd_size();
	} else if (!strcmp(kind, "hugetlb")) {
		r->folio = align = hsize;
		flags |= MAP_HUGETLB | (log2_of(hsize) << MAP_HUGE_SHIFT);
		got = hugetlb_pool(r, hsize, (long)(len / hsize));
		if (got < 0)
			return -1;
		len = (size_t)got * hsize;
	}
	if (!strcmp(kind, "hugetlb"))
		snprintf(r->kind, sizeof(r->kind), "hugetlb_%s",
			 size_name(hsize, name, sizeof(name)));
	else
		snprintf(r->kind, sizeof(r->kind), "%s", kind);
	r->len = len;
	r->addr = fw_map(len, align, ps, PROT_READ | PROT_WRITE, flags, -1,
			 &r->span);
	if (r->addr == MAP_FAILED) {
		fprintf(stderr, "fw_bench: mmap of %zu MB of %s: %s\n",
			len / MB, r->kind, strerror(errno));
		return -1;
	}
	if (!strcmp(kind, "thp"))
		madvise(r->addr, len, MADV_HUGEPAGE);
	else if (!strcmp(kind, "anon4k"))
		madvise(r->addr, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len; i += ps)
		*(unsigned long *)(r->addr + i) = i / ps + 1;
	return 0;
}

static int region_intact(const struct region *r, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += ps)
		if (*(unsigned long *)(r->addr + i) != i / ps + 1)
			return 0;
	return 1;
}

/* THP share of the region, from smaps AnonHugePages */
static long region_thp_kb(const struct region *r)
{
	return fw_smaps_kb(r->addr, "AnonHugePages");
}

/* ---- status and floor --------------------------------------------------- */

/* what a status query must report for every page of a region */
enum expect { EXPECT_HOME, EXPECT_NOT_PRESENT, EXPECT_UNMAPPED };

static int status_ok(int st, enum expect e)
{
	switch (e) {
	case EXPECT_HOME:
		return st == home_node;
	case EXPECT_NOT_PRESENT:	/* base -EFAULT (FOLL_DUMP), patched -ENOENT */
		return st == -ENOENT || st == -EFAULT;
	case EXPECT_UNMAPPED:
		return st == -EFAULT;
	}
	return 0;
}

static void bench_status(struct region *r, void **pages, int *status,
			 enum expect e)
{
	size_t npages = r->len / ps, n, i;
	double v[MAX_REPS];
	int k, bad;

	for (i = 0; i < npages; i++)
		pages[i] = r->addr + i * ps;
	for (n = 1024; n <= npages; n *= 2) {
		bad = 0;
		for (k = 0; k < reps; k++) {
			uint64_t t0, t1;
			long ret;

			status[0] = status[n - 1] = FW_UNSET;
			t0 = now_ns();
			ret = fw_move_pages(0, n, pages, NULL, status, 0);
			t1 = now_ns();
			v[k] = (double)(t1 - t0) / n;
			if (ret || !status_ok(status[0], e) ||
			    !status_ok(status[n / 2], e) ||
			    !status_ok(status[n - 1], e))
				bad = 1;
		}
		report("status", r->kind, n, "page", v, reps, bad, NULL);
	}
}

static void bench_floor(struct region *r, uint64_t *pm)
{
	size_t npages = r->len / ps, n;
	off_t off = (off_t)((uintptr_t)r->addr / ps * 8);
	double v[MAX_REPS];
	int k, bad, fd;

	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "fw_bench: /proc/self/pagemap: %s\n", strerror(errno));
		failures++;
		return;
	}
	for (n = 1024; n <= npages; n *= 2) {
		bad = 0;
		for (k = 0; k < reps; k++) {
			uint64_t t0, t1;
			ssize_t got;

			t0 = now_ns();
			got = pread(fd, pm, n * 8, off);
			t1 = now_ns();
			v[k] = (double)(t1 - t0) / n;
			if (got != (ssize_t)(n * 8) || !(pm[0] & PM_PRESENT) ||
			    !(pm[n - 1] & PM_PRESENT))
				bad = 1;
		}
		report("floor", r->kind, n, "page", v, reps, bad, NULL);
	}
	close(fd);
}

/*
 * Where a status query spends its time: the same query over memory that is
 * mapped but never touched (the walk stops above the PTE level; base
 * -EFAULT, patched -ENOENT) and over a hole (no VMA: no walk at all).
 */
static void bench_status_empty(size_t len, void **pages, int *status)
{
	struct region r;

	memset(&r, 0, sizeof(r));
	r.saved_pool[0] = r.saved_pool[1] = -1;
	r.folio = ps;
	r.len = len;
	snprintf(r.kind, sizeof(r.kind), "untouched");
	r.addr = fw_map(len, ps, ps, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, &r.span);
	if (r.addr == MAP_FAILED) {
		fprintf(stderr, "fw_bench: mmap: %s\n", strerror(errno));
		failures++;
		return;
	}
	madvise(r.addr, len, MADV_NOHUGEPAGE);
	bench_status(&r, pages, status, EXPECT_NOT_PRESENT);
	munmap(r.addr, len);
	snprintf(r.kind, sizeof(r.kind), "hole");
	bench_status(&r, pages, status, EXPECT_UNMAPPED);
	munmap(r.span.start, r.span.len);
}

/* ---- migration ---------------------------------------------------------- */

static long move_all(void **pages, size_t count, int *nodes, int *status,
		     int node, int *bad)
{
	size_t i;
	long ret;

	for (i = 0; i < count; i++) {
		nodes[i] = node;
		status[i] = FW_UNSET;
	}
	ret = fw_move_pages(0, count, pages, nodes, status, MPOL_MF_MOVE);
	for (i = 0; i < count; i++)
		if (status[i] != node)
			*bad = 1;
	if (ret)
		*bad = 1;
	return ret;
}

static void bench_migrate(struct region *r, void **pages, int *nodes,
			  int *status, int max_mig_shift)
{
	size_t npages = r->len / ps, n, count, i;
	double v[MAX_REPS];
	char extra[64];
	int k, bad;

	for (n = 1024; n <= npages && n <= (1UL << max_mig_shift); n *= 4) {
		count = n * ps / r->folio;
		if (!count)
			continue;
		for (i = 0; i < count; i++)
			pages[i] = r->addr + i * r->folio;
		bad = 0;
		for (k = 0; k < reps; k++) {
			uint64_t t0, t1;

			t0 = now_ns();
			move_all(pages, count, nodes, status, other_node, &bad);
			move_all(pages, count, nodes, status, home_node, &bad);
			t1 = now_ns();
			v[k] = (double)(t1 - t0) / (2.0 * n);
		}
		if (!region_intact(r, n * ps))
			bad = 1;
		snprintf(extra, sizeof(extra), "folios=%zu", count);
		report("migrate", r->kind, n, "page", v, reps, bad, extra);
	}
}

/* ---- KSM ---------------------------------------------------------------- */

static long ksm_sharing(void)
{
	return fw_read_long(KSM_SYSFS "pages_sharing") +
	       fw_read_long(KSM_SYSFS "pages_shared");
}

/* no page of the n at p is a KSM page any more (first, middle, last) */
static int ksm_unmerged(char *p, size_t n)
{
	size_t idx[3] = { 0, n / 2, n - 1 };
	int64_t flags;
	int i;

	for (i = 0; i < 3; i++) {
		flags = fw_page_flags(p + idx[i] * ps);
		if (flags < 0 || (flags & (1LL << KPF_KSM)))
			return 0;
	}
	return 1;
}

/*
 * After MADV_UNMERGEABLE the stable tree still counts the rmap items until
 * ksmd scans again: let it, untimed, so the next row starts from base.
 */
static int ksm_forget(long base)
{
	uint64_t t0 = now_ns();
	int ok;

	fw_write_long(KSM_SYSFS "run", 1);
	while (ksm_sharing() > base && now_ns() - t0 < KSM_TIMEOUT_NS)
		fw_sleep_ms(1);
	ok = ksm_sharing() <= base;
	fw_write_long(KSM_SYSFS "run", 0);
	return ok;
}

static void bench_ksm(int max_ksm_shift)
{
	double merge[MAX_REPS], unmerge[MAX_REPS];
	struct fw_ksm_saved saved;
	size_t n, i;
	char extra[64];
	int k, bad;

	if (!fw_ksm_available()) {
		fprintf(stderr, "fw_bench: no KSM (%srun not writable)\n", KSM_SYSFS);
		failures++;
		return;
	}
	fw_ksm_save(&saved);
	fw_write_long(KSM_SYSFS "run", 0);
	fw_write_long(KSM_SYSFS "pages_to_scan", BENCH_PAGES_TO_SCAN);
	fw_write_long(KSM_SYSFS "sleep_millisecs", 0);
	for (n = 1024; n <= (1UL << max_ksm_shift); n *= 4) {
		long scans = 0;

		bad = 0;
		for (k = 0; k < reps; k++) {
			struct fw_span span;
			uint64_t t0, t1;
			long full0, base;
			char *p;

			p = fw_map(n * ps, ps, ps, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, &span);
			if (p == MAP_FAILED) {
				bad = 1;
				break;
			}
			madvise(p, n * ps, MADV_NOHUGEPAGE);
			for (i = 0; i < n * ps; i += ps)
				memset(p + i, 0x5a, ps);
			base = ksm_sharing();
			full0 = fw_read_long(KSM_SYSFS "full_scans");
			fw_write_long(KSM_SYSFS "run", 1);
			t0 = now_ns();
			madvise(p, n * ps, MADV_MERGEABLE);
			while (ksm_sharing() - base < (long)n &&
			       now_ns() - t0 < KSM_TIMEOUT_NS)
				fw_sleep_ms(1);
			t1 = now_ns();
			fw_write_long(KSM_SYSFS "run", 0);
			scans += fw_read_long(KSM_SYSFS "full_scans") - full0;
			merge[k] = (double)(t1 - t0) / n;
			if (ksm_sharing() - base < (long)n)
				bad = 1;

			t0 = now_ns();
			madvise(p, n * ps, MADV_UNMERGEABLE);
			t1 = now_ns();
			unmerge[k] = (double)(t1 - t0) / n;
			if (!ksm_unmerged(p, n) || !ksm_forget(base))
				bad = 1;
			for (i = 0; i < n * ps; i += ps)
				if (p[i] != 0x5a || p[i + ps - 1] != 0x5a)
					bad = 1;
			munmap(span.start, span.len);
		}
		if (k < reps)
			continue;
		snprintf(extra, sizeof(extra), "full_scans=%.1f",
			 (double)scans / reps);
		report("ksm_merge", "anon4k", n, "page", merge, reps, bad, extra);
		report("ksm_unmerge", "anon4k", n, "page", unmerge, reps, bad, NULL);
	}
	fw_ksm_restore(&saved);
}

/*
 * Sparse unmerge: a 64 GiB mergeable VMA of which SPARSE_SPOTS runs of
 * SPARSE_RUN pages, spread evenly over it, are written and merged; the
 * time of MADV_UNMERGEABLE of the whole VMA, and of "echo 2 > run"
 * (unmerge every mergeable VMA), per call. What they cost on base is the
 * size of the VMA, not what is in it.
 */
#define SPARSE_VMA	(64UL << 30)
#define SPARSE_SPOTS	64
#define SPARSE_RUN	16

static char *sparse_page(char *p, size_t spot, size_t j)
{
	return p + spot * (SPARSE_VMA / SPARSE_SPOTS) + j * ps;
}

/* every page written is intact and no longer a KSM page */
static int sparse_unmerged(char *p)
{
	for (size_t s = 0; s < SPARSE_SPOTS; s++)
		for (size_t j = 0; j < SPARSE_RUN; j++) {
			char *q = sparse_page(p, s, j);
			int64_t flags = fw_page_flags(q);

			if (flags < 0 || (flags & (1LL << KPF_KSM)) ||
			    q[0] != 0x5a || q[ps - 1] != 0x5a)
				return 0;
		}
	return 1;
}

static void bench_ksm_sparse(void)
{
	double t[2][MAX_REPS];
	const long n = SPARSE_SPOTS * SPARSE_RUN;
	struct fw_ksm_saved saved;
	int k, how, bad = 0;

	if (!fw_ksm_available())
		return;	/* bench_ksm() said so */
	fw_ksm_save(&saved);
	fw_write_long(KSM_SYSFS "run", 0);
	fw_write_long(KSM_SYSFS "pages_to_scan", BENCH_PAGES_TO_SCAN);
	fw_write_long(KSM_SYSFS "sleep_millisecs", 0);
	for (k = 0; k < reps; k++) {
		for (how = 0; how < 2; how++) {
			uint64_t t0, t1;
			long base;
			char *p;

			p = mmap(NULL, SPARSE_VMA, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
			if (p == MAP_FAILED) {
				fprintf(stderr, "fw_bench: mmap 64 GiB: %s\n",
					strerror(errno));
				bad = 1;
				goto out;
			}
			madvise(p, SPARSE_VMA, MADV_NOHUGEPAGE);
			for (size_t s = 0; s < SPARSE_SPOTS; s++)
				for (size_t j = 0; j < SPARSE_RUN; j++)
					memset(sparse_page(p, s, j), 0x5a, ps);
			base = ksm_sharing();
			fw_write_long(KSM_SYSFS "run", 1);
			t0 = now_ns();
			madvise(p, SPARSE_VMA, MADV_MERGEABLE);
			while (ksm_sharing() - base < n &&
			       now_ns() - t0 < KSM_TIMEOUT_NS)
				fw_sleep_ms(1);
			fw_write_long(KSM_SYSFS "run", 0);
			if (ksm_sharing() - base < n)
				bad = 1;
			t0 = now_ns();
			if (how == 0)
				madvise(p, SPARSE_VMA, MADV_UNMERGEABLE);
			else
				fw_write_long(KSM_SYSFS "run", 2);
			t1 = now_ns();
			t[how][k] = (double)(t1 - t0);
			if (!sparse_unmerged(p))
				bad = 1;
			if (how == 0 && !ksm_forget(base))
				bad = 1;
			fw_write_long(KSM_SYSFS "run", 0);
			munmap(p, SPARSE_VMA);
		}
	}
	report("ksm_unmerge", "sparse64g", n, "call", t[0], reps, bad, NULL);
	report("ksm_unmerge_all", "sparse64g", n, "call", t[1], reps, bad, NULL);
out:
	if (bad && k < reps)
		failures++;
	fw_ksm_restore(&saved);
}

/* ---- split_huge_pages --------------------------------------------------- */

static void bench_split(int max_thp_shift)
{
	size_t pmd = fw_pmd_size(), n;
	double v[MAX_REPS];
	int k, bad;

	if (access(SPLIT_DEBUGFS, W_OK)) {
		fprintf(stderr, "fw_bench: %s: %s\n", SPLIT_DEBUGFS, strerror(errno));
		failures++;
		return;
	}
	for (n = 16; n <= (1UL << max_thp_shift); n *= 4) {
		bad = 0;
		for (k = 0; k < reps; k++) {
			struct region r;
			char buf[96];
			uint64_t t0, t1;

			if (region_setup(&r, "thp", 0, n * pmd)) {
				bad = 1;
				break;
			}
			if (region_thp_kb(&r) != (long)(n * pmd / KB))
				bad = 1;
			snprintf(buf, sizeof(buf), "%d,%p,%p", getpid(),
				 (void *)r.addr, (void *)(r.addr + r.len));
			t0 = now_ns();
			if (fw_write_str(SPLIT_DEBUGFS, buf))
				bad = 1;
			t1 = now_ns();
			v[k] = (double)(t1 - t0) / n;
			if (region_thp_kb(&r) != 0 || !region_intact(&r, r.len))
				bad = 1;
			region_free(&r);
		}
		if (k < reps)
			continue;
		report("split", "thp", n, "thp", v, reps, bad, NULL);
	}
}

/* ---- main --------------------------------------------------------------- */

/* hugetlb sizes the kernel offers, smallest first, without PUD sizes */
static int hugetlb_sizes(size_t *out, int max)
{
	static const size_t candidates[] = { 64 * KB, 2 * MB, 32 * MB };
	char path[128];
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && n < max; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB",
			 candidates[i] / KB);
		if (!access(path, F_OK))
			out[n++] = candidates[i];
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: fw_bench [-r REPS (1..%d)] [-m MAXSHIFT (10..20)] [-o status,floor,migrate,ksm,split]\n",
		MAX_REPS);
	exit(2);
}

int main(int argc, char **argv)
{
	size_t npages, hs[4], len;
	int nodes_list[FW_MAX_NODES], nnodes, nh, i, c;
	long nb;
	void **pages;
	uint64_t *pm;
	int *status, *nodes;

	while ((c = getopt(argc, argv, "r:m:o:")) != -1) {
		switch (c) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'm':
			max_shift = atoi(optarg);
			break;
		case 'o':
			ops = optarg;
			break;
		default:
			usage();
		}
	}
	if (reps < 1 || reps > MAX_REPS || max_shift < 10 || max_shift > 20)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	ps = fw_page_size();
	nnodes = fw_memory_nodes(nodes_list, FW_MAX_NODES);
	if (nnodes < 2) {
		fprintf(stderr, "fw_bench: needs two memory nodes, the kernel has %d\n", nnodes);
		return 1;
	}
	home_node = nodes_list[0];
	other_node = nodes_list[1];
	if (fw_pin_to_node(home_node) < 0) {
		fprintf(stderr, "fw_bench: cannot run on a CPU of node %d\n", home_node);
		return 1;
	}
	npages = 1UL << max_shift;
	len = npages * ps;
	pages = calloc(npages, sizeof(*pages));
	status = calloc(npages, sizeof(*status));
	nodes = calloc(npages, sizeof(*nodes));
	pm = calloc(npages, sizeof(*pm));
	if (!pages || !status || !nodes || !pm) {
		fprintf(stderr, "fw_bench: out of memory for %zu pages\n", npages);
		return 1;
	}
	/*
	 * The NUMA scanner (on from boot on Debian's configs, with two nodes)
	 * would turn the regions' entries into hinting ones at times of its
	 * own, and base's status reports those as -ENOENT: it is off while
	 * the rows are measured, and put back at the end.
	 */
	nb = fw_read_long(FW_NUMA_BALANCING);
	if (nb > 0 && fw_write_long(FW_NUMA_BALANCING, 0)) {
		fprintf(stderr, "fw_bench: cannot turn %s off\n",
			FW_NUMA_BALANCING);
		return 1;
	}
	printf("fwbench: env reps=%d max_shift=%d page_size=%zu pmd_size=%zu home=%d other=%d numa_balancing=%ld%s\n",
	       reps, max_shift, ps, fw_pmd_size(), home_node, other_node, nb,
	       nb > 0 ? ",off_while_running" : "");

	nh = hugetlb_sizes(hs, 4);
	for (i = -2; i < nh; i++) {
		const char *kind = i == -2 ? "anon4k" : i == -1 ? "thp" : "hugetlb";
		struct region r;
		long thp_kb;
		char extra[64];

		if (!want_op("status") && !want_op("floor") && !want_op("migrate"))
			break;
		if (region_setup(&r, kind, i >= 0 ? hs[i] : 0, len)) {
			failures++;
			continue;
		}
		if (!strcmp(kind, "thp")) {
			thp_kb = region_thp_kb(&r);
			snprintf(extra, sizeof(extra), "anonhuge_kb=%ld want=%zu",
				 thp_kb, len / KB);
			printf("fwbench: region kind=thp %s\n", extra);
			if (thp_kb != (long)(len / KB))
				failures++;
		}
		if (want_op("status"))
			bench_status(&r, pages, status, EXPECT_HOME);
		if (want_op("floor"))
			bench_floor(&r, pm);
		if (want_op("migrate"))
			bench_migrate(&r, pages, nodes, status, max_shift - 2);
		region_free(&r);
	}
	if (want_op("status"))
		bench_status_empty(len, pages, status);
	if (want_op("ksm")) {
		bench_ksm(max_shift - 4);
		bench_ksm_sparse();
	}
	if (want_op("split"))
		bench_split(max_shift - 10);
	if (nb > 0)
		fw_write_long(FW_NUMA_BALANCING, nb);
	printf("fwbench: end failures=%d\n", failures);
	return failures ? 1 : 0;
}
