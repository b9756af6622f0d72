// SPDX-License-Identifier: GPL-2.0
/* lib/setup_hugetlb.c: setup of the hugetlb kinds */
#define _GNU_SOURCE
#include "fw.h"

int fw_log2(unsigned long v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* the mmap() flags of private anonymous hugetlb pages of size sz */
int fw_hugetlb_flags(unsigned long sz)
{
	return MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (fw_log2(sz) << MAP_HUGE_SHIFT);
}

int fw_setup_hugetlb(struct fw_region *r)
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
int fw_setup_zero(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	fw_touch_read(r, fw_env.page_sz);
	r->pat = FW_PAT_ZERO;
	return 0;
}
