// SPDX-License-Identifier: GPL-2.0
/* lib/setup_anon.c: setups of the anonymous and THP kinds, the zero pages, KSM */
#define _GNU_SOURCE
#include "fw.h"

/* r mapped PMD-aligned, private anonymous, MADV_HUGEPAGE; 0 or -1 with r->why */
static int fw_map_thp_advised(struct fw_region *r)
{
	if (!fw_env.thp)
		return fw_unavailable(r, "no_thp");
	if (fw_region_map(r, fw_env.pmd_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	if (madvise(r->addr, r->len, MADV_HUGEPAGE))
		return fw_unavailable(r, "madv_hugepage_%s", fw_errno_name(errno));
	return 0;
}

/*
 * thp_pmd, thp_pte, protnone_thp, numa_hint_thp: a written THP, then kept
 * from khugepaged
 */
int fw_setup_thp(struct fw_region *r)
{
	if (fw_map_thp_advised(r))
		return -1;
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
int fw_setup_thp_advised(struct fw_region *r)
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

/* the huge zero page: read faults in a MADV_HUGEPAGE VMA (use_zero_page=1) */
int fw_setup_huge_zero(struct fw_region *r)
{
	int64_t f;

	if (fw_map_thp_advised(r))
		return -1;
	fw_touch_read(r, fw_env.page_sz);
	r->pat = FW_PAT_ZERO;
	f = fw_page_flags(r->addr);
	if (f >= 0 && !(f & (1LL << KPF_ZERO_PAGE) && f & (1LL << KPF_THP)))
		return fw_unavailable(r, "no_huge_zero_page");
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	return 0;
}

/* ksm: anon4k made MADV_MERGEABLE, ksmd run until it has merged it */
int fw_setup_ksm(struct fw_region *r)
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

/* anon4k_above_128t: anon4k at an address only 5-level page tables have */
int fw_setup_anon_high(struct fw_region *r)
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
