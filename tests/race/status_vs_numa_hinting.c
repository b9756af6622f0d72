// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race status_vs_numa_hinting (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

/* ---- 9. status_vs_numa_hinting ---- */

#define NUMA_SMALL	1024
#define NUMA_EXTRA_ROUNDS	3	/* more rounds while the scanner has not passed */

/*
 * The scanner's tunables, where the kernel has them: /proc/sys/kernel/
 * numa_balancing_* before 5.13, /sys/kernel/debug/sched/numa_balancing/
 * with CONFIG_SCHED_DEBUG (Debian's 6.1 configs have neither: then the
 * defaults, a scan a second once a thread has run for a second).
 */
static const struct numa_tunable {
	const char *name;
	long val;
} numa_tunables[] = {
	{ "scan_delay_ms", 0 },
	{ "scan_period_min_ms", 10 },
	{ "scan_period_max_ms", 100 },
	{ "scan_size_mb", 16 },
};
#define NR_NUMA_TUNABLES	((int)(sizeof(numa_tunables) / sizeof(numa_tunables[0])))

struct numa_saved {
	long balancing;			/* -1: not changed */
	char path[NR_NUMA_TUNABLES][96];
	long val[NR_NUMA_TUNABLES];	/* -1: not changed */
};

static int numa_tune(struct numa_saved *s)
{
	static const char *const dirs[] = {
		"/proc/sys/kernel/numa_balancing_",
		"/sys/kernel/debug/sched/numa_balancing/",
	};
	int i, j, tuned = 0;

	for (i = 0; i < NR_NUMA_TUNABLES; i++) {
		s->val[i] = -1;
		for (j = 0; j < 2; j++) {
			snprintf(s->path[i], sizeof(s->path[i]), "%s%s", dirs[j],
				 numa_tunables[i].name);
			s->val[i] = fw_read_long(s->path[i]);
			if (s->val[i] >= 0)
				break;
		}
		if (s->val[i] < 0)
			continue;
		if (fw_write_long(s->path[i], numa_tunables[i].val))
			s->val[i] = -1;
		else
			tuned++;
	}
	return tuned;
}

static void numa_restore(struct numa_saved *s)
{
	int i;

	if (s->balancing >= 0)
		fw_write_long(FW_NUMA_BALANCING, s->balancing);
	for (i = NR_NUMA_TUNABLES - 1; i >= 0; i--)
		if (s->val[i] >= 0)
			fw_write_long(s->path[i], s->val[i]);
}

void race_status_vs_numa_hinting(struct race *r)
{
	static const role_fn roles[] = {
		press_migrator, press_reader_far, press_accessor_home,
		press_accessor_far
	};
	struct press_ctx c = { .r = r };
	struct numa_saved saved = { .balancing = -1 };
	long before[NR_VM], d[NR_VM];
	int tuned, err, extra;

	saved.balancing = fw_read_long(FW_NUMA_BALANCING);
	if (saved.balancing < 0) {
		skip_race(r, SKIP_FAIL,
			  FW_ABSENT(NUMA_BALANCING) "no NUMA balancing in this kernel (no %s)",
			  FW_NUMA_BALANCING);
		return;
	}
	tuned = numa_tune(&saved);
	err = fw_write_long(FW_NUMA_BALANCING, 1);
	if (err) {
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(NUMA_BALANCING_SYSCTL) "%s: writing 1: %s",
			  FW_NUMA_BALANCING,
			  fw_errno_name(-err));
		goto out;
	}
	printf("# status_vs_numa_hinting: numa_balancing %ld -> 1, %d of %d scanner tunables set%s; far CPUs: %s\n",
	       saved.balancing, tuned, NR_NUMA_TUNABLES,
	       tuned ? "" : " (none in this kernel: the scanner's defaults)",
	       have_far_cpus ? "the other node's" : "none, the home node's");
	if (press_setup(r, &c, NUMA_SMALL, 2 * pmd_pages))
		goto out;
	vmstat_read(before);
	run_threads(r, &c, roles, 4);
	vmstat_read(d);
	vmstat_delta(d, before);
	/*
	 * The scanner paces itself: by the task's CPU time, and by a scan
	 * period that grows (up to 60 s by default) over the earlier races of
	 * this process. Where it has not passed yet, the race goes on for up
	 * to NUMA_EXTRA_ROUNDS more of its time (not after a failure).
	 */
	for (extra = 0; extra < NUMA_EXTRA_ROUNDS && !r->mismatches &&
	     !__atomic_load_n(&r->stop, __ATOMIC_RELAXED) &&
	     (d[VM_PTE_UPDATES] <= 0 || d[VM_HINT_FAULTS] <= 0); extra++) {
		printf("# status_vs_numa_hinting: no hinting faults yet (numa_pte_updates %ld): %.1f s more\n",
		       d[VM_PTE_UPDATES], (double)r->slot / 1e9);
		r->deadline = now_ns() + r->slot;
		run_threads(r, &c, roles, 4);
		vmstat_read(d);
		vmstat_delta(d, before);
	}
	press_verify_all(&c, "at the end");
	printf("# status_vs_numa_hinting: numa_pte_updates=%ld numa_hint_faults=%ld numa_hint_faults_local=%ld numa_pages_migrated=%ld pgmigrate_success=%ld\n",
	       d[VM_PTE_UPDATES], d[VM_HINT_FAULTS], d[VM_HINT_LOCAL],
	       d[VM_NUMA_MIGRATED], d[VM_PGMIGRATE]);
	printf("# status_vs_numa_hinting: status entries node=%lu ENOENT=%lu EFAULT=%lu\n",
	       c.st_node, c.st_enoent, c.st_efault);
	if (d[VM_PTE_UPDATES] <= 0 || d[VM_HINT_FAULTS] <= 0)
		mismatch(r, "the NUMA scanner did not work: numa_pte_updates %ld, numa_hint_faults %ld",
			 d[VM_PTE_UPDATES], d[VM_HINT_FAULTS]);
out:
	numa_restore(&saved);
	press_release(&c);
}
