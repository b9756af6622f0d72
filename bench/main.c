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
 *
 * Files: main.c (options, reporting, split_huge_pages, main), region.c
 * (regions of one kind), status.c (status, floor, migrate), ksm.c (KSM,
 * dense and sparse); bench.h is what they share.
 */
#include "bench.h"

int reps = 5;
int max_shift = 18;
const char *ops = "status,floor,migrate,ksm,split";
int home_node, other_node;
size_t ps;
int failures;

uint64_t now_ns(void)
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
void report(const char *op, const char *kind, unsigned long n,
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
