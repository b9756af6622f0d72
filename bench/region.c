// SPDX-License-Identifier: GPL-2.0
/*
 * fw_bench: regions of one kind (anonymous, THP, hugetlb of every size).
 * Part of fw_bench, see main.c; what the parts share is in bench.h.
 */
#include "bench.h"

/* ---- regions of one kind ------------------------------------------------ */

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

void region_free(struct region *r)
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
int region_setup(struct region *r, const char *kind, size_t hsize,
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

int region_intact(const struct region *r, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += ps)
		if (*(unsigned long *)(r->addr + i) != i / ps + 1)
			return 0;
	return 1;
}

/* THP share of the region, from smaps AnonHugePages */
long region_thp_kb(const struct region *r)
{
	return fw_smaps_kb(r->addr, "AnonHugePages");
}
