// SPDX-License-Identifier: GPL-2.0
/*
 * fw_race: races on every path the series moves from follow_page() to
 * folio_walk, while the mapping changes underneath:
 *   status_vs_unmap      move_pages() status query (do_pages_stat_array)
 *                        against munmap/mmap(MAP_FIXED)/mprotect/DONTNEED
 *   migrate_vs_access    move_pages() migration (add_page_for_migration)
 *                        against readers/writers and mprotect
 *   split_vs_collapse    debugfs split_huge_pages pid mode against
 *                        MADV_COLLAPSE, DONTNEED+refault and move_pages()
 *   ksm_merge_unmerge    ksmd (get_mergeable_page()) and MADV_UNMERGEABLE
 *                        (break_ksm(), also on PROT_NONE) against
 *                        move_pages() and writes
 *   fork_cow             fork() and COW in parent and child against
 *                        move_pages() migration
 *   hugetlb_fault_unmap  2M hugetlb mmap/fault/munmap against move_pages()
 *                        on head and tail addresses
 *   walker_ioctl         the series' /sys/kernel/debug/folio_walk_test
 *                        ioctl against munmap/mprotect/split/collapse
 *   status_vs_pageout    move_pages() status and migration, KSM merge and
 *                        unmerge, against MADV_PAGEOUT to swap and
 *                        swap-ins (faults, MADV_WILLNEED: swap cache)
 *   status_vs_numa_hinting  move_pages() status and migration against
 *                        the NUMA scanner's PROT_NONE entries, and hinting
 *                        faults from both nodes
 *   migrate_vs_memcg_reclaim  move_pages() status and migration in a
 *                        memory cgroup whose memory.max is half the
 *                        working set: reclaim and swap all the time
 *
 * Every move_pages() status must be a memory node or an errno it may
 * report, syscalls fail only with the errnos they may fail with, and data
 * that must survive (migration, merge, unmerge, split, collapse, COW) is
 * checked: the first, middle and last 64 bytes of every page hold a value
 * derived from the page index and a generation only one thread writes
 * (the three memory-pressure races check every byte of every page). The
 * memory-pressure races must also show the pressure they race with in
 * /proc/vmstat or memory.events (pages swapped out and in, NUMA PTE
 * updates and hinting faults, the cgroup hitting memory.max); a run that
 * exercised nothing fails.
 *
 *   fw_race [-d SECONDS_TOTAL] [-s SEED] [-f] [RACE...]
 *
 * The total time (-d, else $DURATION, else 60 s) is split evenly among the
 * races. -f: the race threads run with make-it-fail set (fault injection,
 * see fault_inject below). Output is TAP, with a "fwrace: race=..."
 * summary line per race and a "fwrace: total ..." line at the end; the exit status is 0 only
 * when every race passed. A setup a race needs that is not available is a
 * failure ("# SKIP reason", "not ok"), except walker_ioctl on a kernel
 * without the series' test interface. THP "enabled", the KSM knobs, the
 * 2M hugetlb pool, kernel.numa_balancing (and the scanner's tunables,
 * where the kernel has them) are put back as they were; the memory
 * cgroup and its cgroup2 mount are removed.
 *
 * The process is pinned to the first CPU of the first memory node, so
 * that new memory comes from there; the race threads run on all CPUs of
 * that node, so that they really run in parallel when it has several.
 * Migrations go to the second memory node and back. Every loop ends at
 * the race's deadline (CLOCK_MONOTONIC) or after LOOP_CAP rounds
 * (FORK_CAP forks), and a watchdog alarm ends a run that hangs.
 */
#define _GNU_SOURCE
#include "race.h"


/*
 * move_pages: 1 when move_pages() is what the race hammers: SKIP without
 * it (no CONFIG_NUMA). The others run without their migrations and
 * status queries there (migrate_loop(), fork_child()).
 */
static const struct race_def {
	const char *name;
	void (*run)(struct race *r);
	int move_pages;
} race_defs[] = {
	{ "status_vs_unmap", race_status_vs_unmap, 1 },
	{ "migrate_vs_access", race_migrate_vs_access, 1 },
	{ "split_vs_collapse", race_split_vs_collapse, 0 },
	{ "ksm_merge_unmerge", race_ksm_merge_unmerge, 0 },
	{ "fork_cow", race_fork_cow, 0 },
	{ "hugetlb_fault_unmap", race_hugetlb_fault_unmap, 1 },
	{ "walker_ioctl", race_walker_ioctl, 0 },
	{ "status_vs_pageout", race_status_vs_pageout, 1 },
	{ "status_vs_numa_hinting", race_status_vs_numa_hinting, 1 },
	{ "migrate_vs_memcg_reclaim", race_migrate_vs_memcg_reclaim, 1 },
};
#define NR_RACES	((int)(sizeof(race_defs) / sizeof(race_defs[0])))

/*
 * Under -f, glibc must not register rseq areas. The kernel writes a
 * thread's rseq area on the way back to user space; when the memcg's
 * reclaim swapped that page out and the swap-in's allocation is one -f
 * makes fail, the write fails and rseq_handle_notify_resume() kills the
 * thread with SIGSEGV (si_code SI_KERNEL, at the instruction after a
 * syscall: seen on arm64 base, in split_vs_collapse; nothing on that
 * path is the series').
 * That is 6.1's rseq, not a path under test. So fw_race -f runs itself
 * again with the tunable glibc.pthread.rseq=0 (glibc 2.35 and later).
 */
static void rseq_off_for_faults(char **argv)
{
	const char *t = getenv("GLIBC_TUNABLES");
	char buf[512];

	if (!__rseq_size)
		return;
	if (t && strstr(t, "glibc.pthread.rseq=0")) {
		fprintf(stderr, "fw_race: -f: glibc registered rseq despite glibc.pthread.rseq=0\n");
		exit(2);
	}
	snprintf(buf, sizeof(buf), "%s%sglibc.pthread.rseq=0", t ? t : "",
		 t ? ":" : "");
	if (setenv("GLIBC_TUNABLES", buf, 1) == 0)
		execv("/proc/self/exe", argv);
	fprintf(stderr, "fw_race: -f: cannot run again without rseq: %s\n",
		strerror(errno));
	exit(2);
}

/* the race running now, for fatal_signal() */
static const char *volatile running_race = "(none)";

static void sig_puts(const char *s)
{
	ssize_t n = write(2, s, strlen(s));

	(void)n;
}

static void sig_puthex(unsigned long v)
{
	char buf[19];
	int i = sizeof(buf);

	do
		buf[--i] = "0123456789abcdef"[v & 15];
	while ((v >>= 4) && i > 2);
	buf[--i] = 'x';
	buf[--i] = '0';
	if (write(2, buf + i, sizeof(buf) - i) < 0)
		return;
}

/* the program counter of the faulting instruction, or 0 */
static unsigned long sig_pc(const void *uc_arg)
{
	const ucontext_t *uc = uc_arg;

#if defined(__x86_64__)
	return uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return uc->uc_mcontext.pc;
#elif defined(__s390x__)
	return uc->uc_mcontext.psw.addr;
#else
	(void)uc;
	return 0;
#endif
}

/*
 * A fault in the program: say where (race, address, si_code, PC: the
 * binary is static, so addr2line -e fw_race PC names the line) and what
 * was mapped (/proc/self/maps), with async-signal-safe calls only; then
 * die of the signal.
 */
static void fatal_signal(int sig, siginfo_t *si, void *uc)
{
	char buf[4096];
	ssize_t n;
	int fd;

	sig_puts(sig == SIGALRM ? "# fw_race: watchdog expired" :
		 sig == SIGBUS ? "# fw_race: SIGBUS" : "# fw_race: SIGSEGV");
	sig_puts(" in race ");
	sig_puts(running_race);
	if (sig != SIGALRM) {
		sig_puts(" at ");
		sig_puthex((unsigned long)si->si_addr);
		sig_puts(" si_code ");
		sig_puthex((unsigned long)si->si_code);
		sig_puts(" pc ");
		sig_puthex(sig_pc(uc));
		sig_puts("\n# fw_race: /proc/self/maps:\n");
		fd = open("/proc/self/maps", O_RDONLY);
		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			if (write(2, buf, n) < 0)
				break;
	}
	sig_puts("\n");
	raise(sig);		/* SA_RESETHAND: the default action now */
}

static void init_env(void)
{
	char path[96], buf[512], cur[32];
	int cpus[256], n, i;

	page_sz = fw_page_size();
	pmd_sz = fw_pmd_size();
	/*
	 * Without THP (s390x under QEMU TCG: no EDAT-1), the races that do
	 * not need a THP run on 4K pages in the same layout.
	 */
	have_thp = !access(THP_SYSFS "enabled", F_OK);
	if (!have_thp)
		printf("# note: no THP in this kernel (no %s): THP regions are 4K pages\n",
		       THP_SYSFS);
	pmd_pages = pmd_sz / page_sz;
	for (page_shift = 0; (1UL << page_shift) < page_sz; page_shift++)
		;
	for (pmd_order = 0; (1UL << pmd_order) < pmd_pages; pmd_order++)
		;
	nr_mem_nodes = fw_memory_nodes(mem_nodes, FW_MAX_NODES);
	home = mem_nodes[0];
	other = nr_mem_nodes > 1 ? mem_nodes[1] : home;
	have_move_pages = fw_have_move_pages();
	if (fw_pin_to_node(home) < 0)
		printf("# note: could not pin to a CPU of node %d\n", home);
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 home);
	CPU_ZERO(&home_cpus);
	if (!fw_read_str(path, buf, sizeof(buf))) {
		n = fw_parse_list(buf, cpus, 256);
		for (i = 0; i < n; i++)
			if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
				CPU_SET(cpus[i], &home_cpus);
	}
	have_home_cpus = CPU_COUNT(&home_cpus) > 0;
	/* the CPUs of the other node: status_vs_numa_hinting's far threads */
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 other);
	CPU_ZERO(&far_cpus);
	if (other != home && !fw_read_str(path, buf, sizeof(buf))) {
		n = fw_parse_list(buf, cpus, 256);
		for (i = 0; i < n; i++)
			if (cpus[i] >= 0 && cpus[i] < CPU_SETSIZE)
				CPU_SET(cpus[i], &far_cpus);
	}
	have_far_cpus = CPU_COUNT(&far_cpus) > 0;
	if (!fw_read_choice(THP_SYSFS "enabled", cur, sizeof(cur)) &&
	    !strcmp(cur, "never") &&
	    !fw_write_str(THP_SYSFS "enabled", "madvise"))
		snprintf(thp_saved, sizeof(thp_saved), "%s", cur);
	fw_kinds_init();
}

static void usage(const char *prog)
{
	int i;

	fprintf(stderr, "usage: %s [-d SECONDS_TOTAL] [-s SEED] [-f] [RACE...]\nraces:",
		prog);
	for (i = 0; i < NR_RACES; i++)
		fprintf(stderr, " %s", race_defs[i].name);
	fprintf(stderr, "\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct race_def *sel[64];
	unsigned long tot_sys = 0, tot_mis = 0, tot_enomem = 0;
	unsigned int seed = (unsigned int)time(NULL) ^
			    ((unsigned int)getpid() << 16);
	double total = -1, secs, elapsed;
	struct sigaction sa;
	int nsel = 0, failed = 0, opt, i, j;
	const char *env;
	uint64_t t0;

	while ((opt = getopt(argc, argv, "d:s:fh")) != -1) {
		switch (opt) {
		case 'd':
			total = strtod(optarg, NULL);
			if (total <= 0)
				usage(argv[0]);
			break;
		case 's':
			seed = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			fault_inject = 1;
			break;
		default:
			usage(argv[0]);
		}
	}
	env = getenv("DURATION");
	if (total <= 0 && env && strtod(env, NULL) > 0)
		total = strtod(env, NULL);
	if (total <= 0)
		total = 60;
	if (fault_inject && access("/proc/thread-self/make-it-fail", W_OK)) {
		fprintf(stderr, "fw_race: -f: no /proc/thread-self/make-it-fail in this kernel (CONFIG_FAULT_INJECTION)\n");
		return 2;
	}
	if (fault_inject)
		rseq_off_for_faults(argv);
	for (i = optind; i < argc; i++) {
		for (j = 0; j < NR_RACES; j++)
			if (!strcmp(argv[i], race_defs[j].name))
				break;
		if (j == NR_RACES || nsel == 64)
			usage(argv[0]);
		sel[nsel++] = &race_defs[j];
	}
	if (!nsel)
		for (j = 0; j < NR_RACES; j++)
			sel[nsel++] = &race_defs[j];

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fatal_signal;
	sa.sa_flags = SA_RESETHAND | SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	fw_ktap_header();
	fw_ktap_plan(nsel);
	init_env();
	secs = total / nsel;
	printf("# seed=%u duration=%.1f per_race=%.1f nodes=%d home=%d other=%d page_size=%zu pmd_size=%zu\n",
	       seed, total, secs, nr_mem_nodes, home, other, page_sz, pmd_sz);
	if (fault_inject)
		printf("# -f: injected faults in the race threads; glibc's rseq off (rseq_size=%u)\n",
		       __rseq_size);
	if (nr_mem_nodes < 2)
		printf("# note: one memory node only: migrations go to node %d\n",
		       home);
	if (!have_move_pages)
		printf("# note: %s: its races SKIP, the others run without migrations and status queries\n",
		       FW_NO_MOVE_PAGES);
	/* a hang in user space must not outlive the run by much */
	alarm((unsigned int)(2 * total) + 120 + 30 * (unsigned int)nsel);

	for (i = 0; i < nsel; i++) {
		struct race r = {
			.name = sel[i]->name,
			/* per race, not per position: "-s S race" reruns it */
			.seed = seed ^ ((unsigned int)(sel[i] - race_defs + 1) *
					0x85ebca6bu),
		};
		int pass;

		if (!r.seed)
			r.seed = 1;
		t0 = now_ns();
		r.slot = (uint64_t)(secs * 1e9);
		r.deadline = t0 + r.slot;
		running_race = sel[i]->name;
		if (sel[i]->move_pages && !have_move_pages)
			skip_race(&r, SKIP_FAIL, "%s", FW_SKIP_NO_MOVE_PAGES);
		else
			sel[i]->run(&r);
		elapsed = (double)(now_ns() - t0) / 1e9;
		printf("fwrace: race=%s seconds=%.1f iterations=%lu syscalls=%lu mismatches=%lu enomem=%lu\n",
		       r.name, elapsed, r.iterations, r.syscalls, r.mismatches, r.enomem);
		if (r.mismatches > MAX_REPORT)
			printf("# %lu more mismatches not shown\n",
			       r.mismatches - MAX_REPORT);
		pass = r.skip == SKIP_OK ||
		       (r.skip == SKIP_NONE && !r.mismatches);
		failed |= !pass;
		tot_sys += r.syscalls;
		tot_mis += r.mismatches;
		tot_enomem += r.enomem;
		/* KTAP: a race that could not run is "ok N name # SKIP CODE reason" */
		if (r.skip == SKIP_FAIL && !r.mismatches)
			fw_ktap_skip(r.name, "%s", r.skip_reason);
		else
			fw_ktap_result(pass, r.name);
	}
	alarm(0);
	if (thp_saved[0])
		fw_write_str(THP_SYSFS "enabled", thp_saved);
	printf("fwrace: total races=%d syscalls=%lu mismatches=%lu enomem=%lu\n", nsel,
	       tot_sys, tot_mis, tot_enomem);
	/* a race that could not run fails the program too (its skip is the lab's call) */
	return fw_ktap_finish() || failed ? 1 : 0;
}
