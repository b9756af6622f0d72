// SPDX-License-Identifier: GPL-2.0
/* lib/setup_boundary.c: setup of the kinds across a page-table level boundary */
#define _GNU_SOURCE
#include "fw.h"

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
#define FW_MAX_VMAS		4096

struct fw_vma {
	unsigned long start, end;
};

/* the VMAs of the process, in address order (/proc/self/maps); how many, or -1 */
static int fw_read_vmas(struct fw_vma *v, int max)
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
int fw_page_mappable(unsigned long a)
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
static unsigned long fw_boundary_find(const struct fw_vma *v, int n, unsigned int shift,
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
char *fw_boundary(const struct fw_region *r)
{
	return r->addr + r->len / 2;
}

/* how many pages of r pagemap reports present, -1 if unreadable; *data: of the data pages */
long fw_region_present(const struct fw_region *r, long *data)
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

int fw_setup_boundary(struct fw_region *r)
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
 * none of clear; -errno on failure. Read in chunks: a 4M THP (i386
 * without PAE) is 1024 pages.
 */
long fw_region_count(const struct fw_region *r, uint64_t mask, uint64_t clear)
{
	size_t n = r->len / fw_env.page_sz, done, i, k;
	uint64_t pm[512];
	long count = 0;
	int err;

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
