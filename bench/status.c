// SPDX-License-Identifier: GPL-2.0
/*
 * fw_bench: move_pages() status queries, the pagemap floor, migration.
 * Part of fw_bench, see main.c; what the parts share is in bench.h.
 */
#include "bench.h"

/* ---- status and floor --------------------------------------------------- */

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

void bench_status(struct region *r, void **pages, int *status,
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

void bench_floor(struct region *r, uint64_t *pm)
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
void bench_status_empty(size_t len, void **pages, int *status)
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

void bench_migrate(struct region *r, void **pages, int *nodes,
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
