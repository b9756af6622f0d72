// SPDX-License-Identifier: GPL-2.0
/* lib/setup_numa.c: setup of the NUMA-hinting kinds */
#define _GNU_SOURCE
#include "fw.h"

/*
 * 1 when reading the byte at p took a NUMA hinting fault, i.e. its entry
 * was PROT_NONE in a VMA that is not: numa_hint_faults of /proc/vmstat
 * grew. The count is read until two reads agree first, so that the
 * reader's own faults (its stack, its buffer) are not counted.
 */
int fw_hint_faulted(const volatile char *p)
{
	long h0 = -1, h1 = -2;
	int i;

	for (i = 0; i < 5 && h0 != h1; i++) {
		h0 = fw_vmstat("numa_hint_faults");
		h1 = fw_vmstat("numa_hint_faults");
	}
	(void)*p;
	return h0 >= 0 && fw_vmstat("numa_hint_faults") > h1;
}

/* back to the CPUs fw_numa_hint_begin() found */
void fw_numa_hint_unpin(struct fw_region *r)
{
	if (r->numa_pinned)
		sched_setaffinity(0, sizeof(r->numa_cpus), &r->numa_cpus);
	r->numa_pinned = 0;
}

/*
 * numa_hint_anon4k and numa_hint_thp: written memory whose entries the NUMA
 * scanner itself turned into NUMA-hinting ones (pte_protnone() and
 * pmd_protnone() in a read-write VMA), the scanner then stopped so that
 * they stay as they are while the programs look at them.
 *
 * fw_numa_hint_begin(), before the region is written: the scanner off
 * (kernel.numa_balancing 0; fw_region_release() puts the value back) and
 * the process on the CPU it is on, so that the new pages all wait in that
 * CPU's LRU batch, whose extra reference keeps change_pte_range() away
 * from them (it skips copy-on-write pages with page_count() != 1), until
 * fw_numa_hint() drains it (an munmap() drains the local batch).
 *
 * fw_numa_hint(), after: a probe page just outside each guard hole (in
 * the PROT_NONE reservation of fw_map(), made read-write) is written, the
 * batch drained, and kernel.numa_balancing set to 1 while the process
 * burns CPU time in user space (the scanner runs from its ticks:
 * task_numa_work() changes the whole address space, a window at a time,
 * in address order) until numa_pte_updates in /proc/vmstat grows, then to
 * 0. The pass covered the region when both probes take a hinting fault
 * when read; the region itself is not touched. A second thread lives
 * through the pass: the scanner leaves the pages of a single-threaded
 * process alone when they are on the node it runs on. Unavailable
 * "no_numa_balancing" where the kernel has no NUMA balancing;
 * "numa_scanner_did_not_pass" after FW_NUMA_HINT_TIMEOUT_MS.
 */
int fw_numa_hint_begin(struct fw_region *r)
{
	long nb = fw_read_long(FW_NUMA_BALANCING);
	cpu_set_t one;
	int err, cpu;

	if (nb < 0)
		return fw_unavailable(r, "no_numa_balancing");
	if (fw_vmstat("numa_pte_updates") < 0 || fw_vmstat("numa_hint_faults") < 0)
		return fw_unavailable(r, "no_numa_vmstat");
	err = fw_write_long(FW_NUMA_BALANCING, 0);
	if (err)
		return fw_unavailable(r, "numa_balancing_sysctl_%s", fw_errno_name(-err));
	r->numa_saved = nb;
	r->numa_changed = 1;
	cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof(r->numa_cpus), &r->numa_cpus))
		return fw_unavailable(r, "affinity_%s", fw_errno_name(errno));
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		return fw_unavailable(r, "affinity_%s", fw_errno_name(errno));
	r->numa_pinned = 1;
	return 0;
}

/* drain this CPU's LRU batches: munmap() of a page it just faulted in */
void fw_lru_drain_local(void)
{
	char *p = mmap(NULL, fw_env.page_sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	munmap(p, fw_env.page_sz);
}

int fw_numa_hint(struct fw_region *r)
{
	size_t pg = fw_env.page_sz;
	char *lo = r->addr - 2 * pg, *hi = r->addr + r->len + pg;
	long updates, deadline;
	int fds[2], err = 0, ok = 0;
	pthread_t sibling;

	if (mprotect(lo, pg, PROT_READ | PROT_WRITE) ||
	    mprotect(hi, pg, PROT_READ | PROT_WRITE))
		return fw_unavailable(r, "probe_mprotect_%s", fw_errno_name(errno));
	lo[0] = hi[0] = 1;
	fw_lru_drain_local();
	fw_numa_hint_unpin(r);
	if (pipe(fds))
		return fw_unavailable(r, "pipe_%s", fw_errno_name(errno));
	err = pthread_create(&sibling, NULL, fw_numa_hint_sibling, &fds[0]);
	if (err) {
		close(fds[0]);
		close(fds[1]);
		return fw_unavailable(r, "pthread_create_%s", fw_errno_name(err));
	}
	deadline = fw_now_ms() + FW_NUMA_HINT_TIMEOUT_MS;
	err = 0;
	while (!ok && !err && fw_now_ms() < deadline) {
		updates = fw_vmstat("numa_pte_updates");
		err = fw_write_long(FW_NUMA_BALANCING, 1);
		if (err)
			break;
		while (fw_vmstat("numa_pte_updates") == updates && fw_now_ms() < deadline)
			fw_spin_ms(20);
		err = fw_write_long(FW_NUMA_BALANCING, 0);
		/* both read, so that both are hinting entries again next time */
		ok = fw_hint_faulted(lo) & fw_hint_faulted(hi);
	}
	close(fds[1]);
	pthread_join(sibling, NULL);
	close(fds[0]);
	if (err)
		return fw_unavailable(r, "numa_balancing_sysctl_%s", fw_errno_name(-err));
	if (!ok)
		return fw_unavailable(r, "numa_scanner_did_not_pass");
	return 0;
}

/* anon4k, cow_child, protnone, numa_hint_anon4k: written 4K pages, no THP */
int fw_setup_anon(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	if (r->kind->arg == FW_ANON_NUMA_HINT && fw_numa_hint_begin(r))
		return -1;
	fw_region_fill(r);
	if (r->kind->arg == FW_ANON_PROTNONE) {
		mprotect(r->addr, r->len, PROT_NONE);
		r->prot = PROT_NONE;
	}
	if (r->kind->arg == FW_ANON_NUMA_HINT)
		return fw_numa_hint(r);
	return 0;
}
