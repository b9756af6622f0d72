// SPDX-License-Identifier: GPL-2.0
/* lib/setup_swap.c: setups of the swap, memcg and hwpoison kinds */
#define _GNU_SOURCE
#include "fw.h"

/* how many pages of r pagemap says are swapped out; -errno on failure */
long fw_region_swapped(const struct fw_region *r)
{
	return fw_region_count(r, PM_SWAP, 0);
}

/* /proc/self/clear_refs "4": clear the soft-dirty bits of the whole process */
int fw_clear_soft_dirty(void)
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
int fw_setup_swapped(struct fw_region *r)
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
int fw_setup_memcg(struct fw_region *r)
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

/*
 * The pages [from, from + n) of r are hwpoison entries: not present, a
 * swap-type entry whose offset is a pfn that kpageflags calls HWPOISON.
 * 0, or -1 with r->why set.
 */
int fw_expect_hwpoison(struct fw_region *r, size_t from, size_t n)
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
int fw_hwpoison(struct fw_region *r, size_t from, size_t n)
{
	if (madvise(r->addr + from * fw_env.page_sz, n * fw_env.page_sz, MADV_HWPOISON))
		return fw_unavailable(r, "madv_hwpoison_%s", fw_errno_name(errno));
	r->pat = FW_PAT_NONE;	/* a read of a poisoned page is SIGBUS */
	return fw_expect_hwpoison(r, from, n);
}

/* the kernel handles memory failures (CONFIG_MEMORY_FAILURE) */
int fw_has_memory_failure(void)
{
	return !access("/proc/sys/vm/memory_failure_early_kill", F_OK);
}

/*
 * hwpoison_anon4k: anon4k with every page poisoned (MADV_HWPOISON, which
 * runs memory_failure() as an uncorrected memory error would): each PTE
 * becomes a hwpoison entry. The pages are lost to the guest for good
 * (8 per instance; the guests are short-lived).
 */
int fw_setup_hwpoison_anon(struct fw_region *r)
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
int fw_setup_hwpoison_thp(struct fw_region *r)
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
int fw_uffd_wp_open(struct fw_region *r)
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
