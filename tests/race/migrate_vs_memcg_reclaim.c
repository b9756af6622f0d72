// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race migrate_vs_memcg_reclaim (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

/* ---- 10. migrate_vs_memcg_reclaim ---- */

#define MEMCG_SMALL	2048		/* 8M of 4K pages, plus a PMD of THP */

/* the shared cgroup of fw_kinds.h, entered; a failure skips the race */
static int memcg_enter(struct race *r, struct fw_memcg *g)
{
	char err[128];
	int e;

	if (fw_memcg_create(g, "fw_race", err, sizeof(err)))
		return skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(MEMCG) "%s", err);
	e = fw_memcg_move(g, 1);
	if (e)
		return skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(MEMCG) "joining %s: %s", g->dir,
				 fw_errno_name(-e));
	return 0;
}

void race_migrate_vs_memcg_reclaim(struct race *r)
{
	static const role_fn roles[] = {
		press_migrator, press_reader, press_accessor
	};
	struct press_ctx c = { .r = r };
	struct fw_memcg g = { .dir = "" };
	long before[NR_VM], d[NR_VM], cur, max, ev_max, ev_high, ev_oom, majf;
	char path[160], val[24];
	size_t ws;
	int err;

	if (!fw_memcg_controller()) {
		skip_race(r, SKIP_FAIL,
			  FW_ABSENT(MEMCG) "no memory cgroup controller in this kernel (/proc/cgroups)");
		return;
	}
	if (nr_mem_nodes < 2) {
		skip_race(r, SKIP_FAIL,
			  FW_ABSENT(SECOND_NODE) "one memory node in this kernel: move_pages() has nowhere to migrate");
		return;
	}
	if (press_swap_ok(r) || memcg_enter(r, &g))
		goto out;
	/* set up inside the cgroup, so that it is charged there */
	if (press_setup(r, &c, MEMCG_SMALL, pmd_pages))
		goto out;
	ws = c.a.npages * page_sz;
	snprintf(path, sizeof(path), "%s/memory.current", g.dir);
	cur = fw_read_long(path);
	/* half the working set must go: reclaim (and swap) all the time */
	max = cur - (long)(ws / 2);
	if (max < 4L << 20)
		max = 4L << 20;
	snprintf(val, sizeof(val), "%ld", max);
	err = fw_memcg_write(&g, "memory.max", val);
	if (err) {
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(MEMCG) "memory.max %ld: %s", max,
			  fw_errno_name(-err));
		goto out;
	}
	ev_max = fw_memcg_key(&g, "memory.events", "max");
	ev_high = fw_memcg_key(&g, "memory.events", "high");
	ev_oom = fw_memcg_key(&g, "memory.events", "oom");
	majf = fw_memcg_key(&g, "memory.stat", "pgmajfault");
	vmstat_read(before);
	run_threads(r, &c, roles, 3);
	vmstat_read(d);
	vmstat_delta(d, before);
	ev_max = fw_memcg_key(&g, "memory.events", "max") - ev_max;
	ev_high = fw_memcg_key(&g, "memory.events", "high") - ev_high;
	ev_oom = fw_memcg_key(&g, "memory.events", "oom") - ev_oom;
	majf = fw_memcg_key(&g, "memory.stat", "pgmajfault") - majf;
	/* the last check without the limit: swap-ins, but no more reclaim */
	fw_memcg_write(&g, "memory.max", "max");
	press_verify_all(&c, "at the end");
	printf("# migrate_vs_memcg_reclaim: working set %zu kB, memory.max %ld kB (was %ld kB in use)\n",
	       ws >> 10, max >> 10, cur >> 10);
	printf("# migrate_vs_memcg_reclaim: memory.events max=%ld high=%ld oom=%ld; memory.stat pgmajfault=%ld; pswpout=%ld pswpin=%ld thp_swpout=%ld pgmigrate_success=%ld\n",
	       ev_max, ev_high, ev_oom, majf, d[VM_PSWPOUT], d[VM_PSWPIN],
	       d[VM_THP_SWPOUT], d[VM_PGMIGRATE]);
	printf("# migrate_vs_memcg_reclaim: status entries node=%lu ENOENT=%lu EFAULT=%lu\n",
	       c.st_node, c.st_enoent, c.st_efault);
	if (ev_max + ev_high <= 0 || d[VM_PSWPOUT] <= 0)
		mismatch(r, "the cgroup did not reclaim: memory.events max %ld high %ld, pswpout %ld",
			 ev_max, ev_high, d[VM_PSWPOUT]);
out:
	press_release(&c);
	if (fw_memcg_remove(&g))
		mismatch(r, "could not leave the cgroup");
}
