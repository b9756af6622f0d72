// SPDX-License-Identifier: GPL-2.0
/* lib/region.c: facts of a region (pagemap + kpageflags, smaps) and its mapping */
#define _GNU_SOURCE
#include "fw.h"

void fw_tally(struct fw_pstat *ps, uint64_t f)
{
	ps->anon += !!(f & (1ULL << KPF_ANON));
	ps->thp += !!(f & (1ULL << KPF_THP));
	ps->huge += !!(f & (1ULL << KPF_HUGE));
	ps->ksm += !!(f & (1ULL << KPF_KSM));
	ps->zero += !!(f & (1ULL << KPF_ZERO_PAGE));
}

void fw_tally_run(struct fw_pstat *ps, int kfd, uint64_t pfn, size_t n,
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

void fw_region_pstat(const struct fw_region *r, struct fw_pstat *ps)
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
long fw_region_thp(const struct fw_region *r)
{
	struct fw_pstat ps;

	fw_region_pstat(r, &ps);
	return ps.flags_ok ? ps.thp : -1;
}

long fw_region_anonhuge_kb(const struct fw_region *r)
{
	return fw_smaps_kb(r->addr, "AnonHugePages");
}

/* all of it THP (kpageflags; smaps AnonHugePages without kpageflags) */
int fw_region_is_thp(const struct fw_region *r)
{
	long thp = fw_region_thp(r);

	if (thp >= 0)
		return thp == (long)(r->len / fw_env.page_sz);
	return fw_region_anonhuge_kb(r) >= (long)(fw_env.pmd_sz >> 10);
}

/* r->len bytes at an align-aligned address, with unmapped guard pages */
int fw_region_map(struct fw_region *r, size_t align, int prot, int flags, int fd)
{
	void *p = fw_map(r->len, align, fw_env.page_sz, prot, flags, fd, &r->span);

	if (p == MAP_FAILED)
		return fw_unavailable(r, "mmap_%s", fw_errno_name(errno));
	r->addr = p;
	r->prot = prot;
	r->guarded = 1;
	return 0;
}
