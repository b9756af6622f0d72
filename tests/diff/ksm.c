// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: KSM, MADV_MERGEABLE/MADV_UNMERGEABLE with ksmd run to completion.
 * Part of fw_diff, see main.c; what the parts share is in diff.h.
 */
#include "diff.h"

/* ---- KSM ---- */

/*
 * Boundary kinds: how many of the written pages are on a frame of their
 * own: present, at a pfn that none of the others has, and not a KSM page
 * (kpageflags); -1 when pagemap cannot be read
 */
static long own_frames(const struct fw_region *r)
{
	size_t n = r->data_len / page_sz, i, j;
	uint64_t pm[FW_BOUNDARY_PAGES], pfn, flags;
	long count = 0;
	int kfd, own;

	if (n > FW_BOUNDARY_PAGES || fw_pagemap(r->addr + r->data_off, n, pm))
		return -1;
	kfd = open("/proc/kpageflags", O_RDONLY);
	for (i = 0; i < n; i++) {
		pfn = pm[i] & PM_PFN_MASK;
		own = (pm[i] & PM_PRESENT) && pfn;
		for (j = 0; own && j < n; j++)
			own = j == i || !(pm[j] & PM_PRESENT) || (pm[j] & PM_PFN_MASK) != pfn;
		if (own && kfd >= 0 && !fw_kpageflags(kfd, pfn, 1, &flags))
			own = !(flags & (1ULL << KPF_KSM));
		count += own;
	}
	if (kfd >= 0)
		close(kfd);
	return count;
}

/* scans: "done", "timeout" (ksmd did not settle) or "none" (not run) */
static void ksm_report(struct fw_region *r, const char *step, int ret,
		       const char *scans, const struct fw_ksm_counts *base)
{
	int unmerge = !strncmp(step, "unmerge", 7);
	struct fw_ksm_counts now;
	struct fw_pstat ps;
	const char *data;
	long own = -1;

	fw_ksm_read(&now);
	fw_region_pstat(r, &ps);
	if (r->kind->flags & FW_K_BOUNDARY)
		own = own_frames(r);
	data = fw_region_data(r);
	printf("fwdiff: ksm kind=%s step=%s ret=%s scans=%s pages_shared=%+ld pages_sharing=%+ld ksm_pages=%s",
	       r->kind->name, step, rv(ret), scans,
	       now.shared - base->shared, now.sharing - base->sharing,
	       ps.flags_ok ? num(ps.ksm) : "unknown");
	if (r->kind->flags & FW_K_BOUNDARY)
		printf(" own_frames=%s", num(own));
	printf(" data=%s\n", data);
	expect(strcmp(scans, "timeout"), "%s: ksmd did not finish", step);
	expect_data(r, data, step);
	/* every written page on its own frame again, whatever the walk skipped */
	if ((r->kind->flags & FW_K_BOUNDARY) && unmerge && have_pageflags)
		expect(own == FW_BOUNDARY_PAGES,
		       "%s: %ld of the %d written pages are on a frame of their own (the rest stayed merged)",
		       step, own, FW_BOUNDARY_PAGES);
	if (!(r->kind->flags & FW_K_MERGES))
		return;
	if (!ps.flags_ok)
		return;
	if (!unmerge)
		expect(ps.ksm > 0, "%s: no KSM page", step);
	else
		expect(ps.ksm == 0, "%s: %ld KSM pages left", step, ps.ksm);
}

static int madvise_ret(struct fw_region *r, int advice)
{
	return madvise(r->addr, r->len, advice) ? -errno : 0;
}

static const char *settled(int settle)
{
	return settle ? "timeout" : "done";
}

/*
 * Boundary kinds, after their MADV_UNMERGEABLE: merged again, then
 * unmerged by "echo 2 > /sys/kernel/mm/ksm/run" (which unmerges every
 * mergeable VMA of every process registered with KSM, each from its start
 * to its end, as MADV_UNMERGEABLE does its range). run is put back as it
 * was (0: fw_ksm_settle() stopped ksmd), never left at 2.
 */
static void ksm_unmerge_all(struct fw_region *r, const struct fw_ksm_counts *base)
{
	long run;
	int ret;

	ret = madvise_ret(r, MADV_MERGEABLE);
	ksm_report(r, "remerge", ret, settled(fw_ksm_settle()), base);
	run = fw_read_long(KSM_SYSFS "run");
	ret = fw_write_str(KSM_SYSFS "run", "2");
	ksm_report(r, "unmerge_all", ret, "none", base);
	fw_write_long(KSM_SYSFS "run", run == 1 ? 1 : 0);
}

/*
 * Merge with the region accessible, then put its protection back (PROT_NONE
 * kinds: break_ksm() on PROT_NONE entries) and unmerge.
 */
static void op_ksm(struct fw_region *r)
{
	struct fw_ksm_counts base;
	int ret, settle;

	/* let ksmd drop what released regions left behind: a clean baseline */
	fw_ksm_settle();
	fw_ksm_read(&base);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_READ | PROT_WRITE);
	ret = madvise_ret(r, MADV_MERGEABLE);
	settle = fw_ksm_settle();
	ksm_report(r, "merge", ret, settled(settle), &base);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_NONE);
	ret = madvise_ret(r, MADV_UNMERGEABLE);
	settle = fw_ksm_settle();
	ksm_report(r, "unmerge", ret, settled(settle), &base);
	if (r->kind->flags & FW_K_BOUNDARY)
		ksm_unmerge_all(r, &base);
}

/* ksmd scans only while some mm is registered: keep one page mergeable */
void op_ksm_all(void)
{
	char *anchor;

	if (!fw_env.ksm) {
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
