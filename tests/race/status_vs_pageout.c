// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race status_vs_pageout (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

/* ---- 8. status_vs_pageout ---- */

#define PAGEOUT_SMALL	512

/*
 * D: MADV_PAGEOUT of random ranges, of a whole region now and then (the
 * THP one: a THP swapped out whole, where the kernel can); KSM merge and
 * unmerge of the 4K region. swapped_seen: the pages of the range that
 * pagemap says are swapped right after (the accessor and the migrator
 * fault and move them back meanwhile, so it is only a measure).
 */
static void *press_pager(void *arg)
{
	struct press_ctx *c = arg;
	struct race *r = c->r;
	struct fw_region *k0 = &c->a.reg[0];
	unsigned int rs = thread_seed(r, 5);
	uint64_t pm[PRESS_CHUNK];
	unsigned long i, j, np, swapped;
	uint64_t ksm_next = 0;
	int merged = 0;
	long sharing;
	size_t len;
	char *sub;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		if (i % 16 == 0) {
			struct fw_region *m = &c->a.reg[(i / 16) % c->a.nreg];

			madv(r, m->addr, m->len, MADV_PAGEOUT,
			     "MADV_PAGEOUT (region)");
			sub = m->addr;
			len = region_pages(m) > PRESS_CHUNK ?
			      PRESS_CHUNK * page_sz : m->len;
		} else {
			sub = press_range(c, &rs, PRESS_OUT_CHUNK, &len);
			if (madv(r, sub, len, MADV_PAGEOUT, "MADV_PAGEOUT"))
				continue;
		}
		__atomic_add_fetch(&c->pageouts, 1, __ATOMIC_RELAXED);
		np = len / page_sz;
		add_sys(r, 1);
		if (!fw_pagemap(sub, np, pm)) {
			for (j = 0, swapped = 0; j < np; j++)
				swapped += !!(pm[j] & PM_SWAP);
			__atomic_add_fetch(&c->swapped_seen, swapped,
					   __ATOMIC_RELAXED);
		}
		if (c->ksm && now_ns() >= ksm_next) {	/* every 0.3 s */
			ksm_next = now_ns() + 300000000ULL;
			merged = !merged;
			if (merged) {
				madv(r, k0->addr, k0->len, MADV_MERGEABLE,
				     "MADV_MERGEABLE");
			} else {
				sharing = fw_read_long(KSM_SYSFS "pages_sharing");
				if (sharing > c->sharing_max)
					c->sharing_max = sharing;
				madv(r, k0->addr, k0->len, MADV_UNMERGEABLE,
				     "MADV_UNMERGEABLE");
			}
		}
		sched_yield();
		add_iter(r);
	}
	return NULL;
}

void race_status_vs_pageout(struct race *r)
{
	static const role_fn roles[] = {
		press_migrator, press_reader, press_accessor, press_pager
	};
	struct press_ctx c = { .r = r, .willneed = 1 };
	struct fw_ksm_saved saved = { 0 };
	long before[NR_VM], d[NR_VM];

	if (press_swap_ok(r))
		return;
	if (press_setup(r, &c, PAGEOUT_SMALL, pmd_pages))
		goto out;
	/*
	 * ksmd at a moderate pace (a full scan of the area in a few tens of
	 * ms): flat out, it takes the CPUs the race's threads need.
	 */
	if (fw_ksm_available()) {
		fw_ksm_save(&saved);
		fw_write_long(KSM_SYSFS "pages_to_scan", 256);
		fw_write_long(KSM_SYSFS "sleep_millisecs", 10);
		c.ksm = !fw_write_long(KSM_SYSFS "run", 1);
	}
	vmstat_read(before);
	run_threads(r, &c, roles, 4);
	if (c.ksm)
		madv(r, c.a.reg[0].addr, c.a.reg[0].len, MADV_UNMERGEABLE,
		     "final MADV_UNMERGEABLE");
	press_verify_all(&c, "at the end");
	vmstat_read(d);
	vmstat_delta(d, before);
	printf("# status_vs_pageout: pswpout=%ld pswpin=%ld thp_swpout=%ld pageouts=%lu swapped_seen=%lu\n",
	       d[VM_PSWPOUT], d[VM_PSWPIN], d[VM_THP_SWPOUT], c.pageouts,
	       c.swapped_seen);
	printf("# status_vs_pageout: status entries node=%lu ENOENT=%lu EFAULT=%lu ksm=%s pages_sharing_max=%ld\n",
	       c.st_node, c.st_enoent, c.st_efault, c.ksm ? "on" : "off",
	       c.sharing_max);
	if (d[VM_PSWPOUT] <= 0 || d[VM_PSWPIN] <= 0)
		mismatch(r, "no page went through swap: pswpout %ld, pswpin %ld",
			 d[VM_PSWPOUT], d[VM_PSWPIN]);
out:
	fw_ksm_restore(&saved);
	press_release(&c);
}
