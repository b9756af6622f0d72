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
#include "fw.h"
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/rseq.h>
#include <sys/wait.h>
#include <ucontext.h>

#if __has_include("mm/folio_walk_test.h")
#include "mm/folio_walk_test.h"
#define HAVE_FWT	1
#else
#define HAVE_FWT	0
#endif

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB	0x40000
#endif

#define FWT_DEBUGFS	"/sys/kernel/debug/folio_walk_test"
#define HUGE_DIR	"/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define HUGE_SZ		(2UL << 20)
#define HUGE_NR		4		/* hugetlb pages per mapping */

#define LOOP_CAP	5000000UL	/* iterations of any loop, per thread */
#define FORK_CAP	4000UL		/* forks of fork_cow */
#define MAX_REPORT	5		/* mismatches printed per race */
#define PAT_WORDS	8		/* 64 bytes at the start, middle, end */
#define RW		(PROT_READ | PROT_WRITE)
#define CHILD_GEN	(1UL << (sizeof(long) > 4 ? 40 : 30))	/* generation bit of child writes */

enum { SKIP_NONE, SKIP_FAIL, SKIP_OK };

static size_t page_sz, pmd_sz;
static int have_thp;		/* the kernel has THP (THP_SYSFS exists) */
static int have_move_pages;	/* 0: ENOSYS (no CONFIG_NUMA) */
static unsigned long pmd_pages;
static unsigned int page_shift, pmd_order;
static int mem_nodes[FW_MAX_NODES], nr_mem_nodes, home, other;
static cpu_set_t home_cpus;
static int have_home_cpus;
static char thp_saved[32];

/*
 * -f: the race threads run with /proc/thread-self/make-it-fail set, so
 * that failslab and fail_page_alloc (task-filter: guest/stress-run sets
 * them up) fail some of the kernel's allocations for them; the set-up
 * and the checks after a race run without. A call that must succeed and
 * fails with ENOMEM or EAGAIN then is made again (SYS_RETRIES at most),
 * as a program would; such failures are counted (enomem=).
 */
static int fault_inject;
#define SYS_RETRIES	10000

/* one race: its deadline and atomic counters, shared by its threads */
struct race {
	const char *name;
	unsigned int seed;
	uint64_t deadline;		/* CLOCK_MONOTONIC ns */
	uint64_t slot;			/* its time, ns (deadline - start) */
	int stop;			/* end the race now */
	unsigned long iterations;
	unsigned long syscalls;
	unsigned long mismatches;
	unsigned long enomem;		/* -f: calls failed for lack of memory, retried */
	int skip;			/* SKIP_* */
	char skip_reason[200];		/* the first skip_race() reason */
};

/* ---- shared helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int running(struct race *r)
{
	return !__atomic_load_n(&r->stop, __ATOMIC_RELAXED) &&
	       now_ns() < r->deadline;
}

static void stop_race(struct race *r)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
}

static void add_iter(struct race *r)
{
	__atomic_add_fetch(&r->iterations, 1, __ATOMIC_RELAXED);
}

static void add_sys(struct race *r, unsigned long n)
{
	__atomic_add_fetch(&r->syscalls, n, __ATOMIC_RELAXED);
}

static void __attribute__((format(printf, 2, 3)))
mismatch(struct race *r, const char *fmt, ...)
{
	unsigned long n = __atomic_add_fetch(&r->mismatches, 1,
					     __ATOMIC_RELAXED);
	char buf[256];
	va_list ap;

	if (n > MAX_REPORT)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# mismatch: %s: %s\n", r->name, buf);
}

static int __attribute__((format(printf, 3, 4)))
skip_race(struct race *r, int how, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# SKIP %s\n", buf);
	if (r->skip == SKIP_NONE) {
		r->skip = how;
		snprintf(r->skip_reason, sizeof(r->skip_reason), "%s", buf);
	}
	return -1;
}

/* xorshift32: each thread has its own state */
static unsigned int rnd(unsigned int *s)
{
	unsigned int x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static unsigned long rnd_below(unsigned int *s, unsigned long n)
{
	return n ? rnd(s) % n : 0;
}

static unsigned int thread_seed(struct race *r, unsigned int role)
{
	unsigned int s = r->seed ^ (role * 0x9e3779b9u);

	return s ? s : 1;
}

/* ---- data patterns ---- */

static uint64_t pat(unsigned long idx, unsigned long gen)
{
	uint64_t v = ((uint64_t)idx + 1) * 0x9e3779b97f4a7c15ULL;

	return (v ^ ((uint64_t)gen + 0x1234567) * 0xc2b2ae3d27d4eb4fULL) | 1;
}

static void page_fill(char *p, uint64_t v)
{
	volatile uint64_t *w = (volatile uint64_t *)p;
	size_t words = page_sz / 8, k;

	for (k = 0; k < PAT_WORDS; k++) {
		w[k] = v + k;
		w[words / 2 + k] = v + PAT_WORDS + k;
		w[words - PAT_WORDS + k] = v + 2 * PAT_WORDS + k;
	}
}

/* -1 when p holds v's pattern, else the first wrong word */
static long page_check(const char *p, uint64_t v, uint64_t *want,
		       uint64_t *got)
{
	const volatile uint64_t *w = (const volatile uint64_t *)p;
	size_t words = page_sz / 8;
	size_t at[3] = { 0, words / 2, words - PAT_WORDS };
	size_t j, k;

	for (j = 0; j < 3; j++) {
		for (k = 0; k < PAT_WORDS; k++) {
			*want = v + j * PAT_WORDS + k;
			*got = w[at[j] + k];
			if (*got != *want)
				return (long)(at[j] + k);
		}
	}
	return -1;
}

static int verify_page(struct race *r, const char *p, unsigned long idx,
		       uint64_t v, const char *what)
{
	uint64_t want, got;
	long w = page_check(p, v, &want, &got);

	if (w < 0)
		return 0;
	mismatch(r, "%s: page %lu word %ld is 0x%016llx, want 0x%016llx",
		 what, idx, w, (unsigned long long)got,
		 (unsigned long long)want);
	return 1;
}

/* ---- mappings ---- */

/*
 * A mapping of its own VMA, with an unmapped guard page on each side: an
 * instance of the table's anon4k or thp_advised kind (fw_kinds.h).
 */
struct region {
	char *addr;
	size_t len;
	unsigned long npages;
	int thp;			/* MADV_HUGEPAGE, else NOHUGEPAGE */
	struct fw_region kr;		/* the kind's instance */
};

/* one or two regions seen as one array of pages */
struct area {
	struct region reg[2];
	int nreg;
	unsigned long npages;
};

static void touch(struct region *m, unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		((volatile char *)m->addr)[i * page_sz] = (char)(i | 1);
}

static void touch_read(struct region *m, unsigned long first,
		       unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		(void)((volatile char *)m->addr)[i * page_sz];
}

/* npages written pages: THPs (thp_advised) or 4K pages (anon4k) */
static int region_setup(struct race *r, struct region *m,
			unsigned long npages, int thp)
{
	const char *kind;

	thp = thp && have_thp;	/* no THP in this kernel: 4K pages */
	kind = thp ? "thp_advised" : "anon4k";
	m->npages = npages;
	m->thp = thp;
	if (fw_region_setup_name(&m->kr, kind, npages * page_sz))
		return skip_race(r, SKIP_FAIL, "%s of %lu pages: %s", kind,
				 npages, m->kr.why);
	m->addr = m->kr.addr;
	m->len = m->kr.len;
	if (thp && fw_smaps_kb(m->addr, "AnonHugePages") <= 0)
		return skip_race(r, SKIP_FAIL,
				 "no THP: AnonHugePages 0 after MADV_HUGEPAGE");
	return 0;
}

static void region_unmap(struct region *m)
{
	if (m->kr.kind)
		fw_region_release(&m->kr);
	m->kr.kind = NULL;
}

static int area_add(struct race *r, struct area *a, unsigned long npages,
		    int thp)
{
	a->npages += npages;
	return region_setup(r, &a->reg[a->nreg++], npages, thp);
}

static void area_unmap(struct area *a)
{
	int i;

	for (i = 0; i < a->nreg; i++)
		region_unmap(&a->reg[i]);
}

static char *area_page(const struct area *a, unsigned long i)
{
	if (i < a->reg[0].npages)
		return a->reg[0].addr + i * page_sz;
	return a->reg[1].addr + (i - a->reg[0].npages) * page_sz;
}

static void area_fill(const struct area *a, const unsigned long *gen,
		      unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		page_fill(area_page(a, i), pat(i, gen[i]));
}

static unsigned long area_verify(struct race *r, const struct area *a,
				 const unsigned long *gen, const char *what)
{
	unsigned long i, bad = 0;

	for (i = 0; i < a->npages; i++)
		bad += verify_page(r, area_page(a, i), i, pat(i, gen[i]), what);
	return bad;
}

/* ---- syscalls with checks ---- */

/* -f: an allocation of the kernel's failed on purpose; retry the call */
static int injected_failure(struct race *r, int ret, int tries)
{
	if (!ret || !fault_inject || (errno != ENOMEM && errno != EAGAIN) ||
	    tries >= SYS_RETRIES)
		return 0;
	__atomic_add_fetch(&r->enomem, 1, __ATOMIC_RELAXED);
	return 1;
}

static int sys_check(struct race *r, int ret, const char *what)
{
	add_sys(r, 1);
	if (ret)
		mismatch(r, "%s: %s", what, fw_errno_name(errno));
	return ret;
}

/* a call that must succeed (under -f: made again while it fails for memory) */
#define sys_ok(r, call, what) ({					\
	int __ret, __tries = 0;						\
	while (injected_failure((r), __ret = (call), __tries++))	\
		;							\
	sys_check((r), __ret, (what));					\
})

/* madvise() that may fail only for lack of memory or a signal */
static int madv(struct race *r, void *addr, size_t len, int advice,
		const char *what)
{
	int ret = madvise(addr, len, advice), e = errno;

	add_sys(r, 1);
	if (ret && e != EAGAIN && e != ENOMEM && e != EINTR)
		mismatch(r, "%s: %s", what, fw_errno_name(e));
	return ret ? -e : 0;
}

static void collapse(struct race *r, char *addr, size_t len)
{
	int ret = madvise(addr, len, MADV_COLLAPSE), e = errno;

	add_sys(r, 1);
	if (ret && e != EINVAL && e != EAGAIN && e != ENOMEM && e != EBUSY)
		mismatch(r, "MADV_COLLAPSE: %s", fw_errno_name(e));
}

static void split_range(struct race *r, const char *start, const char *end)
{
	char buf[96];
	int ret;

	snprintf(buf, sizeof(buf), "%d,0x%lx,0x%lx", (int)getpid(),
		 (unsigned long)start, (unsigned long)end);
	ret = fw_write_str(SPLIT_DEBUGFS, buf);
	add_sys(r, 1);
	if (ret && fault_inject && (ret == -ENOMEM || ret == -EAGAIN))
		__atomic_add_fetch(&r->enomem, 1, __ATOMIC_RELAXED);
	else if (ret && ret != -EINTR)
		mismatch(r, "split_huge_pages \"%s\": %s", buf,
			 fw_errno_name(-ret));
}

/* ---- move_pages() ---- */

struct mp_buf {
	void **pages;
	int *nodes;
	int *status;
};

static int mp_buf_init(struct race *r, struct mp_buf *b, unsigned long cap)
{
	b->pages = calloc(cap, sizeof(*b->pages));
	b->nodes = calloc(cap, sizeof(*b->nodes));
	b->status = calloc(cap, sizeof(*b->status));
	if (b->pages && b->nodes && b->status)
		return 0;
	return skip_race(r, SKIP_FAIL, "out of memory");
}

static void mp_buf_free(struct mp_buf *b)
{
	free(b->pages);
	free(b->nodes);
	free(b->status);
}

static int is_mem_node(int n)
{
	int i;

	for (i = 0; i < nr_mem_nodes; i++)
		if (mem_nodes[i] == n)
			return 1;
	return 0;
}

/* what move_pages() may write into a status entry */
static int status_ok(int s)
{
	if (s >= 0)
		return is_mem_node(s);
	switch (-s) {
	case ENOENT: case EFAULT: case EACCES: case EBUSY:
	case ENOMEM: case EAGAIN: case EPERM:
		return 1;
	}
	return 0;
}

/* what move_pages() itself may fail with here */
static int mp_errno_ok(int e)
{
	return e == ENOENT || e == EFAULT || e == ENOMEM || e == EBUSY ||
	       e == EAGAIN || e == EINTR;
}

/*
 * move_pages() of b->pages[0..n): a status query when target < 0, else a
 * migration of all of them to target. Checks the result, errno and every
 * status entry; returns the result (-errno on failure).
 */
static long mp_call(struct race *r, struct mp_buf *b, unsigned long n,
		    int target, int flags, const char *what)
{
	unsigned long i;
	char sbuf[24];
	long ret;
	int e, s;

	for (i = 0; i < n; i++) {
		b->status[i] = FW_UNSET;
		b->nodes[i] = target;
	}
	ret = fw_move_pages(0, n, b->pages, target < 0 ? NULL : b->nodes,
			    b->status, target < 0 ? 0 : flags);
	e = errno;
	add_sys(r, 1);
	if (ret < 0 && !mp_errno_ok(e))
		mismatch(r, "%s: move_pages(%lu) failed with %s", what, n,
			 fw_errno_name(e));
	if (ret > (long)n || (target < 0 && ret > 0))
		mismatch(r, "%s: move_pages(%lu) returned %ld", what, n, ret);
	for (i = 0; i < n; i++) {
		s = b->status[i];
		if (s == FW_UNSET) {
			if (ret == 0)
				mismatch(r, "%s: status[%lu] not written, move_pages() returned 0",
					 what, i);
		} else if (!status_ok(s)) {
			mismatch(r, "%s: status[%lu] is %s", what, i,
				 fw_status_str(s, sbuf, sizeof(sbuf)));
		} else if (target >= 0 && s >= 0 && s != target) {
			mismatch(r, "%s: status[%lu] is node %d, moved to %d",
				 what, i, s, target);
		}
	}
	return ret < 0 ? -e : ret;
}

#define MIG_STATUS	(1 << 0)	/* every third round: status query */
#define MIG_CHUNKS	(1 << 1)	/* also random chunks, not all pages */
#define MIG_MOVE_ALL	(1 << 2)	/* every 4th move: MPOL_MF_MOVE_ALL */

/* move the pages of a to the other node and back, until the deadline */
static void migrate_loop(struct race *r, struct area *a, struct mp_buf *b,
			 unsigned int rs, int mode)
{
	unsigned long i, k, first, n;
	int target, flags;

	/* no move_pages(): the race runs without this partner */
	if (!have_move_pages)
		return;
	for (i = 0; i < LOOP_CAP && running(r); i++) {
		first = 0;
		n = a->npages;
		if ((mode & MIG_CHUNKS) && (i & 2)) {
			first = rnd_below(&rs, n);
			n = 1 + rnd_below(&rs, n - first);
		}
		for (k = 0; k < n; k++)
			b->pages[k] = area_page(a, first + k) +
				((i & 4) ? rnd_below(&rs, page_sz) : 0);
		if ((mode & MIG_STATUS) && i % 3 == 2) {
			mp_call(r, b, n, -1, 0, "status");
		} else {
			target = (i & 1) ? home : other;
			flags = MPOL_MF_MOVE;
			if ((mode & MIG_MOVE_ALL) && i % 4 == 3) {
				flags = MPOL_MF_MOVE_ALL;
				target = (i & 4) ? home : other;
			}
			mp_call(r, b, n, target, flags, "move");
		}
		add_iter(r);
	}
}

/* ---- threads ---- */

typedef void *(*role_fn)(void *);

struct role_start {
	role_fn fn;
	void *ctx;
};

static void set_make_it_fail(int on)
{
	int e = fw_write_str("/proc/thread-self/make-it-fail", on ? "1" : "0");

	if (e)
		fprintf(stderr, "fw_race: make-it-fail %d: %s\n", on, fw_errno_name(-e));
}

/* -f: the role with make-it-fail set for its thread (and its children) */
static void *role_injected(void *arg)
{
	struct role_start *s = arg;
	void *ret;

	set_make_it_fail(1);
	ret = s->fn(s->ctx);
	set_make_it_fail(0);
	return ret;
}

/* run the roles on the CPUs of the home node; join them all */
static int run_threads(struct race *r, void *ctx, const role_fn *roles,
		       int n)
{
	struct role_start start[4];
	pthread_attr_t attr;
	pthread_t t[4];
	int i, err, started = 0;

	pthread_attr_init(&attr);
	if (have_home_cpus)
		pthread_attr_setaffinity_np(&attr, sizeof(home_cpus),
					    &home_cpus);
	for (i = 0; i < n && i < 4; i++) {
		role_fn fn = fault_inject ? role_injected : roles[i];
		void *arg = fault_inject ? (void *)&start[i] : ctx;

		start[i].fn = roles[i];
		start[i].ctx = ctx;
		err = pthread_create(&t[i], &attr, fn, arg);
		if (err == EINVAL && have_home_cpus)
			err = pthread_create(&t[i], NULL, fn, arg);
		if (err) {
			stop_race(r);
			skip_race(r, SKIP_FAIL, "pthread_create: %s",
				  fw_errno_name(err));
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_attr_destroy(&attr);
	return started == n ? 0 : -1;
}

/* map m again at its address: flags MAP_FIXED[|MAP_FIXED_NOREPLACE] */
static int remap(struct race *r, struct region *m, int flags)
{
	int tries = 0;
	void *p;

	do
		p = mmap(m->addr, m->len, RW, MAP_PRIVATE | MAP_ANONYMOUS | flags,
			 -1, 0);
	while (injected_failure(r, p == MAP_FAILED, tries++));
	add_sys(r, 1);
	if (p != m->addr) {
		mismatch(r, "mmap(MAP_FIXED) of the range: %s",
			 p == MAP_FAILED ? fw_errno_name(errno) : "moved");
		if (p != MAP_FAILED)
			munmap(p, m->len);
		stop_race(r);
		return -1;
	}
	madvise(m->addr, m->len, m->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	add_sys(r, 1);
	return 0;
}

/*
 * One random change of the mapping of m (data is not kept); with heavy,
 * also split_huge_pages and MADV_COLLAPSE. m is mapped read-write again
 * when it returns 0; -1 when it could not be mapped again.
 */
static int mutate(struct race *r, struct region *m, unsigned int *rs,
		  int heavy)
{
	unsigned long first = rnd_below(rs, m->npages);
	unsigned long n = 1 + rnd_below(rs, m->npages - first);
	char *sub = m->addr + first * page_sz;
	size_t sublen = n * page_sz;

	switch (rnd_below(rs, heavy ? 8 : 6)) {
	case 0:		/* unmap, map again, fault everything */
		sys_ok(r, munmap(m->addr, m->len), "munmap");
		if (remap(r, m, MAP_FIXED | MAP_FIXED_NOREPLACE))
			return -1;
		touch(m, 0, m->npages);
		break;
	case 1:		/* replace the mapping in place */
		if (remap(r, m, MAP_FIXED))
			return -1;
		touch(m, first, n);
		break;
	case 2:
		sys_ok(r, mprotect(sub, sublen, PROT_NONE), "mprotect(NONE)");
		sched_yield();
		sys_ok(r, mprotect(sub, sublen, RW), "mprotect(RW)");
		break;
	case 3:
		madv(r, sub, sublen, MADV_DONTNEED, "MADV_DONTNEED");
		break;
	case 4:		/* write faults, or read faults (zero pages) */
		if (rnd(rs) & 1)
			touch(m, first, n);
		else
			touch_read(m, first, n);
		break;
	case 5:		/* PTE-map THPs */
		sys_ok(r, mprotect(sub, sublen, PROT_READ), "mprotect(READ)");
		sys_ok(r, mprotect(sub, sublen, RW), "mprotect(RW)");
		touch(m, first, 1);
		break;
	case 6:
		split_range(r, sub, sub + sublen);
		break;
	case 7:
		collapse(r, m->addr, m->len);
		break;
	}
	return 0;
}

/* ---- 1. status_vs_unmap ---- */

#define SMALL_PAGES	64

struct unmap_ctx {
	struct race *r;
	struct region small, thp;
	struct mp_buf buf;
};

/* A: status of every page of a region and of its guard pages */
static void *unmap_reader(void *arg)
{
	struct unmap_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 1);
	struct region *m;
	unsigned long i, k, n;
	int *st = c->buf.status;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		m = (i & 1) ? &c->thp : &c->small;
		n = m->npages;
		c->buf.pages[0] = m->addr - page_sz;
		for (k = 0; k < n; k++)
			c->buf.pages[k + 1] = m->addr + k * page_sz +
				((i & 2) ? rnd_below(&rs, page_sz) : 0);
		c->buf.pages[n + 1] = m->addr + m->len;
		if (mp_call(r, &c->buf, n + 2, -1, 0, "status") == 0 &&
		    (st[0] != -EFAULT || st[n + 1] != -EFAULT))
			mismatch(r, "guard pages: status %d and %d, want -EFAULT",
				 st[0], st[n + 1]);
		add_iter(r);
	}
	return NULL;
}

/* B: unmap/map again, mprotect, DONTNEED, touch */
static void *unmap_mapper(void *arg)
{
	struct unmap_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 2);
	unsigned long i;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		if (mutate(r, (rnd(&rs) & 1) ? &c->thp : &c->small, &rs, 0))
			break;
		add_iter(r);
	}
	return NULL;
}

static void race_status_vs_unmap(struct race *r)
{
	static const role_fn roles[] = { unmap_reader, unmap_mapper };
	struct unmap_ctx c = { .r = r };

	if (!region_setup(r, &c.small, SMALL_PAGES, 0) &&
	    !region_setup(r, &c.thp, 2 * pmd_pages, 1) &&
	    !mp_buf_init(r, &c.buf, c.thp.npages + 2))
		run_threads(r, &c, roles, 2);
	mp_buf_free(&c.buf);
	region_unmap(&c.small);
	region_unmap(&c.thp);
}

/* ---- 2. migrate_vs_access ---- */

#define ACCESS_SMALL	256
#define RO_PAGES	64

struct access_ctx {
	struct race *r;
	struct area a;			/* 256 small pages + 2 PMDs of THP */
	unsigned long *gen;		/* written by the accessor only */
	unsigned long ro[2];		/* read-only parts: first pages */
	struct mp_buf buf;
};

static int access_ro(const struct access_ctx *c, unsigned long i)
{
	return (i >= c->ro[0] && i < c->ro[0] + RO_PAGES) ||
	       (i >= c->ro[1] && i < c->ro[1] + RO_PAGES);
}

/* A: everything to the other node and back */
static void *access_migrator(void *arg)
{
	struct access_ctx *c = arg;

	migrate_loop(c->r, &c->a, &c->buf, thread_seed(c->r, 1), 0);
	return NULL;
}

/* B: verify everything, rewrite a chunk outside the read-only parts */
static void *access_accessor(void *arg)
{
	struct access_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 2);
	unsigned long i, k, first, n;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		area_verify(r, &c->a, c->gen, "accessor");
		first = rnd_below(&rs, c->a.npages);
		n = 1 + rnd_below(&rs, c->a.npages - first);
		if (n > 128)
			n = 128;
		for (k = first; k < first + n; k++) {
			if (access_ro(c, k))
				continue;
			c->gen[k]++;
			area_fill(&c->a, c->gen, k, 1);
		}
		add_iter(r);
	}
	return NULL;
}

/* C: the read-only parts PROT_READ and back (the PMD of one is split) */
static void *access_protector(void *arg)
{
	struct access_ctx *c = arg;
	struct race *r = c->r;
	size_t len = RO_PAGES * page_sz;
	unsigned long i;
	int j;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		for (j = 0; j < 2; j++)
			sys_ok(r, mprotect(area_page(&c->a, c->ro[j]), len,
					   PROT_READ), "mprotect(READ)");
		sched_yield();
		for (j = 0; j < 2; j++)
			sys_ok(r, mprotect(area_page(&c->a, c->ro[j]), len, RW),
			       "mprotect(RW)");
		add_iter(r);
	}
	return NULL;
}

static void race_migrate_vs_access(struct race *r)
{
	static const role_fn roles[] = {
		access_migrator, access_accessor, access_protector
	};
	struct access_ctx c = { .r = r };

	if (area_add(r, &c.a, ACCESS_SMALL, 0) ||
	    area_add(r, &c.a, 2 * pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages))
		goto out;
	c.gen = calloc(c.a.npages, sizeof(*c.gen));
	if (!c.gen) {
		skip_race(r, SKIP_FAIL, "out of memory");
		goto out;
	}
	c.ro[0] = ACCESS_SMALL - RO_PAGES;
	c.ro[1] = ACCESS_SMALL + pmd_pages + pmd_pages / 2;
	area_fill(&c.a, c.gen, 0, c.a.npages);
	run_threads(r, &c, roles, 3);
	area_verify(r, &c.a, c.gen, "at the end");
out:
	free(c.gen);
	mp_buf_free(&c.buf);
	area_unmap(&c.a);
}

/* ---- 3. split_vs_collapse ---- */

struct split_ctx {
	struct race *r;
	struct area a;			/* 4 PMDs, MADV_HUGEPAGE */
	unsigned long *gen;		/* written by the collapser only */
	struct mp_buf buf;
};

/* A: split_huge_pages over all, one PMD, a random range, a boundary */
static void *split_splitter(void *arg)
{
	struct split_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 1);
	char *base = c->a.reg[0].addr, *start, *end;
	unsigned long i, first, n, pmd;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		pmd = rnd_below(&rs, 4);
		first = rnd_below(&rs, c->a.npages);
		n = 1 + rnd_below(&rs, c->a.npages - first);
		switch (i % 4) {
		case 0:
			start = base;
			end = base + c->a.reg[0].len;
			break;
		case 1:
			start = base + pmd * pmd_sz;
			end = start + pmd_sz;
			break;
		case 2:
			start = base + first * page_sz;
			end = start + n * page_sz;
			break;
		default:	/* across a PMD boundary */
			start = base + (pmd | 1) * pmd_sz - (first % 8 + 1) *
				page_sz;
			end = start + (n % 16 + 2) * page_sz;
			break;
		}
		split_range(r, start, end);
		add_iter(r);
	}
	return NULL;
}

/* B: collapse, drop and refault, rewrite; verify all each round */
static void *split_collapser(void *arg)
{
	struct split_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 2);
	unsigned long i, k, first, n;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		first = rnd_below(&rs, c->a.npages);
		n = 1 + rnd_below(&rs, c->a.npages - first);
		switch (rnd_below(&rs, 4)) {
		case 0:
			k = rnd_below(&rs, 5);	/* one PMD, or all four */
			collapse(r, area_page(&c->a, k < 4 ? k * pmd_pages : 0),
				 k < 4 ? pmd_sz : c->a.reg[0].len);
			n = 0;
			break;
		case 1:		/* a whole PMD: refaults as a THP */
			first = rnd_below(&rs, 4) * pmd_pages;
			n = pmd_pages;
			/* fall through */
		case 2:
			madv(r, area_page(&c->a, first), n * page_sz,
			     MADV_DONTNEED, "MADV_DONTNEED");
			break;
		default:
			break;
		}
		for (k = first; k < first + n; k++)
			c->gen[k]++;
		area_fill(&c->a, c->gen, first, n);
		area_verify(r, &c->a, c->gen, "collapser");
		add_iter(r);
	}
	return NULL;
}

/* C: status queries and migrations, all or chunks */
static void *split_migrator(void *arg)
{
	struct split_ctx *c = arg;

	migrate_loop(c->r, &c->a, &c->buf, thread_seed(c->r, 3),
		     MIG_STATUS | MIG_CHUNKS);
	return NULL;
}

static void race_split_vs_collapse(struct race *r)
{
	static const role_fn roles[] = {
		split_splitter, split_collapser, split_migrator
	};
	struct split_ctx c = { .r = r };

	if (!have_thp) {
		skip_race(r, SKIP_FAIL, "no THP in this kernel (no %s)",
			  THP_SYSFS);
		return;
	}
	if (access(SPLIT_DEBUGFS, W_OK)) {
		skip_race(r, SKIP_FAIL, "no %s: %s", SPLIT_DEBUGFS,
			  fw_errno_name(errno));
		return;
	}
	if (area_add(r, &c.a, 4 * pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages))
		goto out;
	c.gen = calloc(c.a.npages, sizeof(*c.gen));
	if (!c.gen) {
		skip_race(r, SKIP_FAIL, "out of memory");
		goto out;
	}
	area_fill(&c.a, c.gen, 0, c.a.npages);
	run_threads(r, &c, roles, 3);
	area_verify(r, &c.a, c.gen, "at the end");
out:
	free(c.gen);
	mp_buf_free(&c.buf);
	area_unmap(&c.a);
}

/* ---- 4. ksm_merge_unmerge ---- */

#define KSM_PAGES	128
#define KSM_GROUP	8		/* pages of identical content */
#define KSM_GROUPS	(KSM_PAGES / KSM_GROUP)
#define KSM_PN_GROUPS	2		/* last ones: PROT_NONE at unmerge */
#define KSM_RW_GROUPS	(KSM_GROUPS - KSM_PN_GROUPS)

struct ksm_ctx {
	struct race *r;
	struct area a;
	unsigned long gen[KSM_GROUPS];	/* written by the writer only */
	long sharing_max;		/* pages_sharing seen by the merger */
	struct mp_buf buf;
};

static uint64_t ksm_pat(const struct ksm_ctx *c, unsigned long group)
{
	return pat(1000000 + group, c->gen[group]);
}

static void ksm_fill(struct ksm_ctx *c, unsigned long group)
{
	unsigned long i;

	for (i = group * KSM_GROUP; i < (group + 1) * KSM_GROUP; i++)
		page_fill(area_page(&c->a, i), ksm_pat(c, group));
}

static unsigned long ksm_verify(struct race *r, struct ksm_ctx *c,
				unsigned long g0, unsigned long ng,
				const char *what)
{
	unsigned long i, bad = 0;

	for (i = g0 * KSM_GROUP; i < (g0 + ng) * KSM_GROUP; i++)
		bad += verify_page(r, area_page(&c->a, i), i,
				   ksm_pat(c, i / KSM_GROUP), what);
	return bad;
}

/* wait for ksmd's full scans, at most timeout_ms; pages_sharing */
static long ksm_wait(struct race *r, long scans, long timeout_ms)
{
	long start = fw_read_long(KSM_SYSFS "full_scans"), waited;

	for (waited = 0; waited < timeout_ms && running(r); waited += 2) {
		if (fw_read_long(KSM_SYSFS "full_scans") >= start + scans)
			break;
		fw_sleep_ms(2);
	}
	return fw_read_long(KSM_SYSFS "pages_sharing");
}

/* A: MERGEABLE, let ksmd work, UNMERGEABLE (every other time PROT_NONE) */
static void *ksm_merger(void *arg)
{
	struct ksm_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 1);
	char *pn = area_page(&c->a, KSM_RW_GROUPS * KSM_GROUP);
	size_t len = c->a.reg[0].len, pn_len = KSM_PN_GROUPS * KSM_GROUP *
		     page_sz;
	unsigned long i;
	long sharing;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		madv(r, c->a.reg[0].addr, len, MADV_MERGEABLE,
		     "MADV_MERGEABLE");
		sharing = ksm_wait(r, (long)rnd_below(&rs, 4), 500);
		if (sharing > c->sharing_max)
			c->sharing_max = sharing;
		if (i & 1) {
			sys_ok(r, mprotect(pn, pn_len, PROT_NONE),
			       "mprotect(NONE)");
			madv(r, c->a.reg[0].addr, len, MADV_UNMERGEABLE,
			     "MADV_UNMERGEABLE (part PROT_NONE)");
			sys_ok(r, mprotect(pn, pn_len, RW), "mprotect(RW)");
		} else {
			madv(r, c->a.reg[0].addr, len, MADV_UNMERGEABLE,
			     "MADV_UNMERGEABLE");
		}
		ksm_verify(r, c, KSM_RW_GROUPS, KSM_PN_GROUPS,
			   "merger, PROT_NONE part");
		add_iter(r);
	}
	return NULL;
}

/* B: status queries and migrations (MOVE and MOVE_ALL) */
static void *ksm_migrator(void *arg)
{
	struct ksm_ctx *c = arg;

	migrate_loop(c->r, &c->a, &c->buf, thread_seed(c->r, 2),
		     MIG_STATUS | MIG_CHUNKS | MIG_MOVE_ALL);
	return NULL;
}

/* C: now and then a new generation of one group; verify the rest */
static void *ksm_writer(void *arg)
{
	struct ksm_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 3);
	unsigned long i, g;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		g = rnd_below(&rs, KSM_RW_GROUPS);
		c->gen[g]++;
		ksm_fill(c, g);
		ksm_verify(r, c, 0, KSM_RW_GROUPS, "writer");
		fw_sleep_ms(5 + (long)rnd_below(&rs, 16));
		add_iter(r);
	}
	return NULL;
}

static void race_ksm_merge_unmerge(struct race *r)
{
	static const role_fn roles[] = { ksm_merger, ksm_migrator, ksm_writer };
	struct ksm_ctx c = { .r = r };
	struct fw_ksm_saved saved = { 0 };
	unsigned long g;
	int err;

	if (!fw_ksm_available()) {
		skip_race(r, SKIP_FAIL, "no KSM (%srun not writable)",
			  KSM_SYSFS);
		return;
	}
	if (area_add(r, &c.a, KSM_PAGES, 0) ||
	    mp_buf_init(r, &c.buf, KSM_PAGES))
		goto out;
	for (g = 0; g < KSM_GROUPS; g++)
		ksm_fill(&c, g);
	fw_ksm_save(&saved);
	err = fw_ksm_start();
	if (err) {
		skip_race(r, SKIP_FAIL, "ksmd does not start: %s",
			  fw_errno_name(-err));
		goto out;
	}
	run_threads(r, &c, roles, 3);
	ksm_verify(r, &c, 0, KSM_GROUPS, "at the end");
	madv(r, c.a.reg[0].addr, c.a.reg[0].len, MADV_UNMERGEABLE,
	     "final MADV_UNMERGEABLE");
	ksm_verify(r, &c, 0, KSM_GROUPS, "after the final unmerge");
	printf("# note: ksm pages_sharing max %ld%s\n", c.sharing_max,
	       c.sharing_max > 0 ? "" : " (ksmd merged nothing)");
out:
	fw_ksm_restore(&saved);
	mp_buf_free(&c.buf);
	area_unmap(&c.a);
}

/* ---- 5. fork_cow ---- */

#define FORK_SMALL	128

struct fork_ctx {
	struct race *r;
	struct area a;			/* 128 small pages + 1 PMD of THP */
	unsigned long *gen;		/* written by the forker only */
	struct mp_buf buf, child_buf;
};

/*
 * The child: write its half (COW), move its view to the other node, check
 * it. Only async-signal-safe work. Exit 1: data, 2: move_pages().
 */
static int fork_child(struct fork_ctx *c, unsigned long g,
		      unsigned long half)
{
	struct mp_buf *b = &c->child_buf;
	unsigned long i, n = c->a.npages;
	uint64_t want, got, v;
	int bad = 0;
	long ret;

	for (i = !half; i < n; i += 2)
		page_fill(area_page(&c->a, i), pat(i, g | CHILD_GEN));
	for (i = 0; i < n && have_move_pages; i++) {
		b->pages[i] = area_page(&c->a, i);
		b->nodes[i] = other;
		b->status[i] = FW_UNSET;
	}
	/* no move_pages(): the child's view is only checked */
	ret = have_move_pages ?
	      fw_move_pages(0, n, b->pages, b->nodes, b->status, MPOL_MF_MOVE) : 0;
	if (ret < 0 && !mp_errno_ok(errno))
		bad |= 2;
	for (i = 0; i < n && have_move_pages; i++)
		if (b->status[i] != FW_UNSET ? !status_ok(b->status[i]) :
		    ret == 0)
			bad |= 2;
	for (i = 0; i < n; i++) {
		v = (i & 1) != half ? pat(i, g | CHILD_GEN) : pat(i, c->gen[i]);
		if (page_check(area_page(&c->a, i), v, &want, &got) >= 0)
			bad |= 1;
	}
	return bad;
}

/* A: fork, write the parent's half meanwhile, wait, check the parent */
static void *fork_forker(void *arg)
{
	struct fork_ctx *c = arg;
	struct race *r = c->r;
	unsigned long i, k, g, half, n = c->a.npages;
	struct region *thp = &c->a.reg[1];
	int st;
	pid_t pid;

	for (i = 0; i < FORK_CAP && running(r); i++) {
		g = i + 1;
		half = i & 1;
		if (i % 16 == 15) {	/* a fresh THP now and then */
			madv(r, thp->addr, thp->len, MADV_DONTNEED,
			     "MADV_DONTNEED");
			for (k = FORK_SMALL; k < n; k++)
				c->gen[k] = g;
			area_fill(&c->a, c->gen, FORK_SMALL, thp->npages);
		}
		pid = fork();
		add_sys(r, 1);
		if (pid == 0)
			_exit(fork_child(c, g, half));
		if (pid < 0) {
			if (errno != EAGAIN && errno != ENOMEM) {
				mismatch(r, "fork: %s", fw_errno_name(errno));
				break;
			}
			fw_sleep_ms(1);
			continue;
		}
		for (k = half; k < n; k += 2) {
			c->gen[k] = g;
			area_fill(&c->a, c->gen, k, 1);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		add_sys(r, 1);
		if (!WIFEXITED(st))
			mismatch(r, "child killed by signal %d", WTERMSIG(st));
		else if (WEXITSTATUS(st))
			mismatch(r, "child found %s", WEXITSTATUS(st) & 1 ?
				 "its view corrupt" : "a bad move_pages() result");
		area_verify(r, &c->a, c->gen, "parent after fork");
		add_iter(r);
	}
	return NULL;
}

/* B: migrations of the whole region, also MOVE_ALL of COW-shared pages */
static void *fork_migrator(void *arg)
{
	struct fork_ctx *c = arg;

	migrate_loop(c->r, &c->a, &c->buf, thread_seed(c->r, 2),
		     MIG_STATUS | MIG_MOVE_ALL);
	return NULL;
}

static void race_fork_cow(struct race *r)
{
	static const role_fn roles[] = { fork_forker, fork_migrator };
	struct fork_ctx c = { .r = r };

	if (area_add(r, &c.a, FORK_SMALL, 0) ||
	    area_add(r, &c.a, pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages) ||
	    mp_buf_init(r, &c.child_buf, c.a.npages))
		goto out;
	c.gen = calloc(c.a.npages, sizeof(*c.gen));
	if (!c.gen) {
		skip_race(r, SKIP_FAIL, "out of memory");
		goto out;
	}
	area_fill(&c.a, c.gen, 0, c.a.npages);
	fflush(stdout);
	run_threads(r, &c, roles, 2);
	area_verify(r, &c.a, c.gen, "at the end");
out:
	free(c.gen);
	mp_buf_free(&c.buf);
	mp_buf_free(&c.child_buf);
	area_unmap(&c.a);
}

/* ---- 6. hugetlb_fault_unmap ---- */

struct huge_ctx {
	struct race *r;
	char *cur;			/* the mapping while it exists */
	char *last;			/* the latest mapping, maybe gone */
	unsigned long maps;
	struct mp_buf buf;
};

/*
 * A: map 4 x 2M, publish, fault with patterns, verify, unmap. The mapping
 * churn is the race: the mapper maps the hugetlb_2M kind's pages itself
 * (fw_hugetlb_flags()), without guard pages, as fast as it can.
 */
static void *huge_mapper(void *arg)
{
	struct huge_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 1);
	size_t len = HUGE_NR * HUGE_SZ;
	unsigned long i, k, rounds, n = len / page_sz;
	char *p;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		p = mmap(NULL, len, RW, fw_hugetlb_flags(HUGE_SZ), -1, 0);
		add_sys(r, 1);
		if (p == MAP_FAILED) {
			if (errno != ENOMEM) {
				mismatch(r, "mmap(MAP_HUGETLB): %s",
					 fw_errno_name(errno));
				break;
			}
			fw_sleep_ms(1);	/* pool busy with migrations */
			add_iter(r);
			continue;
		}
		__atomic_store_n(&c->last, p, __ATOMIC_RELEASE);
		__atomic_store_n(&c->cur, p, __ATOMIC_RELEASE);
		for (k = 0; k < n; k++)
			page_fill(p + k * page_sz, pat(k, i));
		for (rounds = 1 + rnd_below(&rs, 4); rounds; rounds--) {
			sched_yield();
			for (k = 0; k < n; k++)
				verify_page(r, p + k * page_sz, k, pat(k, i),
					    "hugetlb before munmap");
		}
		__atomic_store_n(&c->cur, NULL, __ATOMIC_RELEASE);
		sys_ok(r, munmap(p, len), "munmap(hugetlb)");
		__atomic_add_fetch(&c->maps, 1, __ATOMIC_RELAXED);
		add_iter(r);
	}
	return NULL;
}

/* B: move_pages() on heads and tails of whatever is mapped there now */
static void *huge_migrator(void *arg)
{
	struct huge_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 2);
	unsigned long i, k, n;
	char *base;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		base = __atomic_load_n(&c->cur, __ATOMIC_ACQUIRE);
		if (!base)
			base = __atomic_load_n(&c->last, __ATOMIC_ACQUIRE);
		if (!base) {
			sched_yield();
			continue;
		}
		n = 0;
		for (k = 0; k < HUGE_NR; k++) {
			c->buf.pages[n++] = base + k * HUGE_SZ;
			c->buf.pages[n++] = base + k * HUGE_SZ +
					    rnd_below(&rs, HUGE_SZ);
		}
		c->buf.pages[n++] = base + HUGE_NR * HUGE_SZ - 1;
		if (i % 3 == 0)
			mp_call(r, &c->buf, n, -1, 0, "hugetlb status");
		else if (i % 4 == 3)
			mp_call(r, &c->buf, n, (i & 4) ? home : other,
				MPOL_MF_MOVE_ALL, "hugetlb move_all");
		else
			mp_call(r, &c->buf, n, (i & 1) ? home : other,
				MPOL_MF_MOVE, "hugetlb move");
		add_iter(r);
	}
	return NULL;
}

static void race_hugetlb_fault_unmap(struct race *r)
{
	static const role_fn roles[] = { huge_mapper, huge_migrator };
	struct huge_ctx c = { .r = r };
	long free_pages, saved_nr = -1;

	if (!fw_env.hugetlb) {
		skip_race(r, SKIP_FAIL,
			  "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
		return;
	}
	free_pages = fw_read_long(HUGE_DIR "free_hugepages");
	if (!fw_kind_find("hugetlb_2M") || free_pages < 0) {
		skip_race(r, SKIP_FAIL, "no 2M hugetlb (%s)", HUGE_DIR);
		return;
	}
	if (free_pages < 8) {
		saved_nr = fw_read_long(HUGE_DIR "nr_hugepages");
		if (saved_nr >= 0)
			fw_write_long(HUGE_DIR "nr_hugepages", saved_nr + 8);
		free_pages = fw_read_long(HUGE_DIR "free_hugepages");
	}
	if (free_pages < HUGE_NR) {
		skip_race(r, SKIP_FAIL, "only %ld free 2M hugetlb pages",
			  free_pages);
		goto out;
	}
	if (mp_buf_init(r, &c.buf, 2 * HUGE_NR + 1))
		goto out;
	run_threads(r, &c, roles, 2);
	if (!c.maps && !r->skip)
		mismatch(r, "no hugetlb mapping could be made");
	printf("# note: %lu hugetlb mappings\n", c.maps);
out:
	mp_buf_free(&c.buf);
	if (saved_nr >= 0)
		fw_write_long(HUGE_DIR "nr_hugepages", saved_nr);
}

/* ---- 7. walker_ioctl ---- */

#if HAVE_FWT
struct walker_ctx {
	struct race *r;
	int fd;
	struct area a;			/* 2 PMDs, MADV_HUGEPAGE, mutated */
	unsigned long migration;	/* migration entries met */
	struct mp_buf buf;
};

/* the order sane for the level of the entry that maps the folio */
static int walker_order_ok(const struct folio_walk_test *t)
{
	unsigned int pud_order = pmd_order + page_shift - 3;

	switch (t->level) {
	case FWT_LEVEL_PTE:
		return t->order <= pmd_order;
	case FWT_LEVEL_PMD:
		return t->order == pmd_order || ((t->kind & FWT_HUGETLB) &&
		       t->order > pmd_order && t->order < pud_order);
	case FWT_LEVEL_PUD:
		return t->order >= pud_order && t->order < 32;
	}
	return 0;
}

/* is the answer of one ioctl at addr self-consistent? */
static void walker_check(struct walker_ctx *c, const struct folio_walk_test *t,
			 unsigned long addr, int ret, int e, int guard)
{
	struct race *r = c->r;
	unsigned long long off = t->pfn - t->head_pfn;
	const char *bad = NULL;

	if (ret) {
		if (e != EFAULT)
			mismatch(r, "ioctl at 0x%lx: %s", addr, fw_errno_name(e));
		return;
	}
	if (guard) {
		mismatch(r, "ioctl at unmapped 0x%lx returned 0", addr);
		return;
	}
	if (!t->found) {
		if (t->level || t->pfn || t->head_pfn || t->order ||
		    t->kind || t->entry || t->entry_pfn || t->ptl_held)
			mismatch(r, "found=0 with outputs set at 0x%lx", addr);
		return;
	}
	if (t->found != 1 || t->ptl_held != 1 || !t->entry) {
		mismatch(r, "found=%u ptl_held=%u entry=0x%llx at 0x%lx",
			 t->found, t->ptl_held, (unsigned long long)t->entry,
			 addr);
		return;
	}
	if (!walker_order_ok(t)) {
		mismatch(r, "level %u with order %u at 0x%lx", t->level,
			 t->order, addr);
		return;
	}
	if (!(t->kind & FWT_ENTRY_OK))
		bad = "the entry is not the one of its level";
	else if (!!(t->kind & FWT_LARGE) != (t->order > 0))
		bad = "kind LARGE does not match the order";
	else if (t->kind & FWT_NO_PAGE) {
		/*
		 * No page is mapped: the zero pages (present, FWT_ZEROPAGE)
		 * and migration entries (not present, FWT_MIGRATION). A folio
		 * found by its migration entry is not held by the page table
		 * lock and may be split meanwhile: only what the entry says is
		 * checked.
		 */
		if (t->pfn)
			bad = "a pfn without a page";
		else if (t->kind & FWT_ZERO)
			bad = (t->kind & FWT_PRESENT) && (t->flags & FWT_ZEROPAGE) ?
			      NULL : "a zero page not asked for or not present";
		else if ((t->kind & FWT_PRESENT) || !(t->flags & FWT_MIGRATION))
			bad = "no page behind a present entry";
		else
			__atomic_add_fetch(&c->migration, 1, __ATOMIC_RELAXED);
	} else if (!(t->kind & FWT_PRESENT))
		bad = "a page behind an entry that is not present";
	else if (t->pfn < t->head_pfn || off >= 1ULL << t->order)
		bad = "pfn outside the folio";
	else if (t->order && (t->level == FWT_LEVEL_PMD ||
			      (t->kind & (FWT_ANON | FWT_KSM)) == FWT_ANON) &&
		 off != ((addr >> page_shift) & ((1ULL << t->order) - 1)))
		bad = "pfn is not the page at the address";
	if (!bad)
		return;
	mismatch(r, "%s: addr 0x%lx level %u pfn 0x%llx head 0x%llx order %u kind 0x%x flags 0x%x",
		 bad, addr, t->level, (unsigned long long)t->pfn,
		 (unsigned long long)t->head_pfn, t->order, t->kind, t->flags);
}

/* A: walk random addresses of the region and its guard pages */
static void *walker_walker(void *arg)
{
	struct walker_ctx *c = arg;
	struct race *r = c->r;
	struct region *m = &c->a.reg[0];
	unsigned int rs = thread_seed(r, 1);
	struct folio_walk_test t;
	unsigned long i, addr;
	int ret, guard;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		addr = (unsigned long)m->addr;
		guard = rnd_below(&rs, 16) == 0;
		if (!guard)
			addr += rnd_below(&rs, m->len);
		else if (rnd(&rs) & 1)
			addr += m->len;		/* the guard page after */
		else
			addr -= page_sz;	/* the guard page before */
		memset(&t, 0, sizeof(t));
		t.size = sizeof(t);
		t.flags = rnd(&rs) & FWT_FLAGS;
		t.addr = addr;
		ret = ioctl(c->fd, FOLIO_WALK_TEST, &t);
		add_sys(r, 1);
		walker_check(c, &t, addr, ret, ret ? errno : 0, guard);
		add_iter(r);
	}
	return NULL;
}

/* B: munmap/mmap, mprotect, DONTNEED, faults, split, collapse */
static void *walker_mutator(void *arg)
{
	struct walker_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 2);
	unsigned long i;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		if (mutate(r, &c->a.reg[0], &rs, 1))
			break;
		add_iter(r);
	}
	return NULL;
}

/* C: migrations, so that the walker meets migration entries */
static void *walker_migrator(void *arg)
{
	struct walker_ctx *c = arg;

	migrate_loop(c->r, &c->a, &c->buf, thread_seed(c->r, 3),
		     MIG_STATUS | MIG_CHUNKS);
	return NULL;
}

static void race_walker_ioctl(struct race *r)
{
	static const role_fn roles[] = {
		walker_walker, walker_mutator, walker_migrator
	};
	struct walker_ctx c = { .r = r, .fd = -1 };

	c.fd = open(FWT_DEBUGFS, O_RDWR);
	if (c.fd < 0) {
		if (errno == ENOENT)
			skip_race(r, SKIP_OK, "no folio_walk_test (base kernel)");
		else
			skip_race(r, SKIP_FAIL, "%s: %s", FWT_DEBUGFS,
				  fw_errno_name(errno));
		return;
	}
	if (access(SPLIT_DEBUGFS, W_OK)) {
		skip_race(r, SKIP_FAIL, "no %s: %s", SPLIT_DEBUGFS,
			  fw_errno_name(errno));
		goto out;
	}
	if (area_add(r, &c.a, 2 * pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages))
		goto out;
	run_threads(r, &c, roles, 3);
	printf("# walker_ioctl: %lu migration entries met (no page, not present)\n",
	       c.migration);
out:
	mp_buf_free(&c.buf);
	area_unmap(&c.a);
	close(c.fd);
}
#else
static void race_walker_ioctl(struct race *r)
{
	if (access(FWT_DEBUGFS, F_OK) == 0)
		skip_race(r, SKIP_FAIL,
			  "built without mm/folio_walk_test.h, but the kernel has %s",
			  FWT_DEBUGFS);
	else
		skip_race(r, SKIP_OK, "no folio_walk_test (base kernel)");
}
#endif

/* ---- memory pressure: shared by races 8-10 ---- */

/*
 * status_vs_pageout, status_vs_numa_hinting and migrate_vs_memcg_reclaim
 * check every byte of every page: the two pages of a pair (2k, 2k+1) hold
 * the same full-page pattern of the pair's generation (so that KSM can
 * merge them, and zram cannot store a page as one repeated word).
 */
#define PRESS_SALT	2000000UL
#define PRESS_CHUNK	512UL		/* pages of a random chunk, at most */
#define PRESS_MOVE_CHUNK 64UL		/* pages of one migration, at most */
#define PRESS_OUT_CHUNK	64UL		/* pages of one MADV_PAGEOUT, at most */
#define PRESS_WINDOW	256UL		/* pairs an accessor verifies per round */
#define PRESS_REWRITE	32UL		/* pairs rewritten per accessor round */

struct press_ctx {
	struct race *r;
	struct area a;
	unsigned long nr_pairs;
	unsigned long *gen;		/* per pair, written by its accessor only */
	struct mp_buf mbuf, sbuf;	/* the migrator's, the status reader's */
	int willneed;			/* accessors MADV_WILLNEED what they read */
	int ksm;			/* the pager merges and unmerges */
	/* status query entries seen: a node, -ENOENT, -EFAULT */
	unsigned long st_node, st_enoent, st_efault;
	unsigned long pageouts;		/* MADV_PAGEOUT calls that succeeded */
	unsigned long swapped_seen;	/* pages pagemap said were swapped after one */
	long sharing_max;		/* KSM pages_sharing seen by the pager */
};

static uint64_t press_word(uint64_t v, size_t k)
{
	return v + k * 0x100000001b3ULL;
}

static uint64_t press_val(const struct press_ctx *c, unsigned long pair)
{
	return pat(PRESS_SALT + pair, c->gen[pair]);
}

static void press_fill(struct press_ctx *c, unsigned long pair)
{
	volatile uint64_t *w;
	uint64_t v = press_val(c, pair);
	size_t words = page_sz / 8, k;
	int j;

	for (j = 0; j < 2; j++) {
		w = (volatile uint64_t *)area_page(&c->a, 2 * pair + j);
		for (k = 0; k < words; k++)
			w[k] = press_word(v, k);
	}
}

/* every byte of both pages of the pair; the number of bad pages */
static int press_verify(struct press_ctx *c, unsigned long pair,
			const char *what)
{
	const volatile uint64_t *w;
	uint64_t v = press_val(c, pair), x, y;
	size_t words = page_sz / 8, k, b;
	int j, bad = 0;

	for (j = 0; j < 2; j++) {
		w = (const volatile uint64_t *)area_page(&c->a, 2 * pair + j);
		for (k = 0; k < words; k++) {
			x = w[k];
			y = press_word(v, k);
			if (x == y)
				continue;
			for (b = 0; b < 7; b++)	/* the first wrong byte */
				if (((const unsigned char *)&x)[b] !=
				    ((const unsigned char *)&y)[b])
					break;
			mismatch(c->r, "%s: page %lu byte %zu is 0x%02x, want 0x%02x (word 0x%016llx, want 0x%016llx)",
				 what, 2 * pair + j, k * 8 + b,
				 ((const unsigned char *)&x)[b],
				 ((const unsigned char *)&y)[b],
				 (unsigned long long)x, (unsigned long long)y);
			bad++;
			break;
		}
	}
	return bad;
}

static unsigned long press_verify_all(struct press_ctx *c, const char *what)
{
	unsigned long p, bad = 0;

	for (p = 0; p < c->nr_pairs; p++)
		bad += press_verify(c, p, what);
	return bad;
}

/*
 * The area: npages 4K pages and, with thp_pages, a THP region (4K pages
 * where the kernel has no THP), filled with generation 0. Both even.
 */
static int press_setup(struct race *r, struct press_ctx *c,
		       unsigned long npages, unsigned long thp_pages)
{
	unsigned long p;

	c->r = r;
	if (area_add(r, &c->a, npages, 0) ||
	    (thp_pages && area_add(r, &c->a, thp_pages, 1)) ||
	    mp_buf_init(r, &c->mbuf, c->a.npages) ||
	    mp_buf_init(r, &c->sbuf, c->a.npages))
		return -1;
	c->nr_pairs = c->a.npages / 2;
	c->gen = calloc(c->nr_pairs, sizeof(*c->gen));
	if (!c->gen)
		return skip_race(r, SKIP_FAIL, "out of memory");
	for (p = 0; p < c->nr_pairs; p++)
		press_fill(c, p);
	return 0;
}

static void press_release(struct press_ctx *c)
{
	free(c->gen);
	c->gen = NULL;
	mp_buf_free(&c->mbuf);
	mp_buf_free(&c->sbuf);
	area_unmap(&c->a);
}

/* a random range of one region of the area, at most max pages */
static char *press_range(struct press_ctx *c, unsigned int *rs,
			 unsigned long max, size_t *len)
{
	struct region *m = &c->a.reg[rnd_below(rs, c->a.nreg)];
	unsigned long first = rnd_below(rs, m->npages);
	unsigned long n = 1 + rnd_below(rs, m->npages - first);

	if (n > max)
		n = max;
	*len = n * page_sz;
	return m->addr + first * page_sz;
}

/* A status query may only say: a node, -ENOENT (not present), -EFAULT */
static void press_count(struct press_ctx *c, const int *st, unsigned long n)
{
	unsigned long i, nodes = 0, enoent = 0, efault = 0;
	char sbuf[24];

	for (i = 0; i < n; i++) {
		if (st[i] >= 0 && is_mem_node(st[i]))
			nodes++;
		else if (st[i] == -ENOENT)
			enoent++;
		else if (st[i] == -EFAULT)
			efault++;
		else
			mismatch(c->r, "status query: status[%lu] is %s, want a node, ENOENT or EFAULT",
				 i, fw_status_str(st[i], sbuf, sizeof(sbuf)));
	}
	__atomic_add_fetch(&c->st_node, nodes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->st_enoent, enoent, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->st_efault, efault, __ATOMIC_RELAXED);
}

#define PRESS_MOVE	(1 << 0)	/* migrations; else status queries only */

/*
 * move_pages() of random chunks, at random offsets: status queries of up
 * to PRESS_CHUNK pages, migrations of up to PRESS_MOVE_CHUNK (a migration
 * isolates its pages from the LRU and the reclaim they race with, and
 * under QEMU TCG every unmap is a round of TLB-flush IPIs).
 */
static void press_mp_loop(struct press_ctx *c, struct mp_buf *b,
			  unsigned int rs, int mode)
{
	struct race *r = c->r;
	unsigned long i, k, first, n;
	int query;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		query = !(mode & PRESS_MOVE) || i % 3 == 2;
		first = rnd_below(&rs, c->a.npages);
		n = 1 + rnd_below(&rs, c->a.npages - first);
		if (n > (query ? PRESS_CHUNK : PRESS_MOVE_CHUNK))
			n = query ? PRESS_CHUNK : PRESS_MOVE_CHUNK;
		for (k = 0; k < n; k++)
			b->pages[k] = area_page(&c->a, first + k) +
				((i & 4) ? rnd_below(&rs, page_sz) : 0);
		if (query) {
			if (mp_call(r, b, n, -1, 0, "status") == 0)
				press_count(c, b->status, n);
		} else {
			mp_call(r, b, n, (i & 1) ? home : other, MPOL_MF_MOVE,
				"move");
		}
		add_iter(r);
	}
}

#define PRESS_BLOCK	16		/* pairs: the unit of accessor ownership */

/* does accessor part of nparts own pair p? */
static int press_owns(unsigned long p, unsigned int part, unsigned int nparts)
{
	return (p / PRESS_BLOCK) % nparts == part;
}

/*
 * Accessor part of nparts: verify every byte of the pairs it owns in a
 * random window of PRESS_WINDOW pairs (which swaps them in), then write a
 * new generation into PRESS_REWRITE of them at a random place in the
 * window; with c->willneed, first MADV_WILLNEED a random range now and
 * then (swap-cache pages).
 */
static void press_access(struct press_ctx *c, unsigned int part,
			 unsigned int nparts, unsigned int rs)
{
	struct race *r = c->r;
	unsigned long i, k, p, first, n, win;
	size_t len;
	char *sub;

	win = c->nr_pairs < PRESS_WINDOW ? c->nr_pairs : PRESS_WINDOW;
	for (i = 0; i < LOOP_CAP && running(r); i++) {
		if (c->willneed && i % 2 == 0) {
			sub = press_range(c, &rs, PRESS_CHUNK, &len);
			madv(r, sub, len, MADV_WILLNEED, "MADV_WILLNEED");
		}
		first = rnd_below(&rs, c->nr_pairs);
		for (k = 0; k < win && (k % 64 || running(r)); k++) {
			p = (first + k) % c->nr_pairs;
			if (press_owns(p, part, nparts))
				press_verify(c, p, "accessor");
		}
		first += rnd_below(&rs, win);
		for (k = 0, n = 0; k < win && n < PRESS_REWRITE; k++) {
			p = (first + k) % c->nr_pairs;
			if (!press_owns(p, part, nparts))
				continue;
			c->gen[p]++;
			press_fill(c, p);
			n++;
		}
		add_iter(r);
	}
}

/* the CPUs of the other memory node (far_cpus), else the home node's */
static cpu_set_t far_cpus;
static int have_far_cpus;

static void run_far(void)
{
	if (have_far_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof(far_cpus),
				       &far_cpus);
}

static void *press_migrator(void *arg)
{
	struct press_ctx *c = arg;

	press_mp_loop(c, &c->mbuf, thread_seed(c->r, 1), PRESS_MOVE);
	return NULL;
}

static void *press_reader(void *arg)
{
	struct press_ctx *c = arg;

	press_mp_loop(c, &c->sbuf, thread_seed(c->r, 2), 0);
	return NULL;
}

static void *press_reader_far(void *arg)
{
	run_far();
	return press_reader(arg);
}

static void *press_accessor(void *arg)
{
	struct press_ctx *c = arg;

	press_access(c, 0, 1, thread_seed(c->r, 3));
	return NULL;
}

/* every other block of pairs, from the home node */
static void *press_accessor_home(void *arg)
{
	struct press_ctx *c = arg;

	press_access(c, 0, 2, thread_seed(c->r, 3));
	return NULL;
}

/* the other blocks, from the CPUs of the other node */
static void *press_accessor_far(void *arg)
{
	struct press_ctx *c = arg;

	run_far();
	press_access(c, 1, 2, thread_seed(c->r, 4));
	return NULL;
}

/* /proc/vmstat counters of the pressure races */
enum { VM_PSWPIN, VM_PSWPOUT, VM_THP_SWPOUT, VM_PTE_UPDATES, VM_HINT_FAULTS,
	VM_HINT_LOCAL, VM_NUMA_MIGRATED, VM_PGMIGRATE, NR_VM };

static const char *const vm_names[NR_VM] = {
	"pswpin", "pswpout", "thp_swpout", "numa_pte_updates", "numa_hint_faults",
	"numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success",
};

static void vmstat_read(long *v)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char key[64];
	long val;
	int i;

	for (i = 0; i < NR_VM; i++)
		v[i] = 0;
	if (!f)
		return;
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		for (i = 0; i < NR_VM; i++)
			if (!strcmp(key, vm_names[i]))
				v[i] = val;
	fclose(f);
}

/* after - before, into after */
static void vmstat_delta(long *after, const long *before)
{
	int i;

	for (i = 0; i < NR_VM; i++)
		after[i] -= before[i];
}

/*
 * Swap the race can page out to. Only a kernel without swap (no
 * vm.swappiness) or without zram and no swap device is a SKIP "in this
 * kernel"; a kernel with both and no swap set up is a failure: the lab's
 * guests swap to zram0 (guest/check-run).
 */
static int press_swap_ok(struct race *r)
{
	if (access("/proc/sys/vm/swappiness", F_OK))
		return skip_race(r, SKIP_FAIL,
				 "no swap in this kernel (no /proc/sys/vm/swappiness)");
	if (fw_meminfo_kb("SwapTotal") > 0)
		return 0;
	if (access("/sys/class/zram-control", F_OK) &&
	    access("/sys/block/zram0", F_OK))
		return skip_race(r, SKIP_FAIL,
				 "no swap device and no zram in this kernel");
	mismatch(r, "no swap set up (SwapTotal 0), but the kernel has swap and zram: see guest/check-run");
	return -1;
}

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
	struct region *k0 = &c->a.reg[0];
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
			struct region *m = &c->a.reg[(i / 16) % c->a.nreg];

			madv(r, m->addr, m->len, MADV_PAGEOUT,
			     "MADV_PAGEOUT (region)");
			sub = m->addr;
			len = m->npages > PRESS_CHUNK ? PRESS_CHUNK * page_sz :
			      m->len;
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

static void race_status_vs_pageout(struct race *r)
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

/* ---- 9. status_vs_numa_hinting ---- */

#define NUMA_SMALL	1024
#define NUMA_EXTRA_ROUNDS	3	/* more rounds while the scanner has not passed */
#define NUMA_SYSCTL	"/proc/sys/kernel/numa_balancing"

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
		fw_write_long(NUMA_SYSCTL, s->balancing);
	for (i = NR_NUMA_TUNABLES - 1; i >= 0; i--)
		if (s->val[i] >= 0)
			fw_write_long(s->path[i], s->val[i]);
}

static void race_status_vs_numa_hinting(struct race *r)
{
	static const role_fn roles[] = {
		press_migrator, press_reader_far, press_accessor_home,
		press_accessor_far
	};
	struct press_ctx c = { .r = r };
	struct numa_saved saved = { .balancing = -1 };
	long before[NR_VM], d[NR_VM];
	int tuned, err, extra;

	saved.balancing = fw_read_long(NUMA_SYSCTL);
	if (saved.balancing < 0) {
		skip_race(r, SKIP_FAIL,
			  "no NUMA balancing in this kernel (no %s)", NUMA_SYSCTL);
		return;
	}
	tuned = numa_tune(&saved);
	err = fw_write_long(NUMA_SYSCTL, 1);
	if (err) {
		skip_race(r, SKIP_FAIL, "%s: writing 1: %s", NUMA_SYSCTL,
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

/* ---- 10. migrate_vs_memcg_reclaim ---- */

#define MEMCG_SMALL	2048		/* 8M of 4K pages, plus a PMD of THP */

/* the shared cgroup of fw_kinds.h, entered; a failure skips the race */
static int memcg_enter(struct race *r, struct fw_memcg *g)
{
	char err[128];
	int e;

	if (fw_memcg_create(g, "fw_race", err, sizeof(err)))
		return skip_race(r, SKIP_FAIL, "%s", err);
	e = fw_memcg_move(g, 1);
	if (e)
		return skip_race(r, SKIP_FAIL, "joining %s: %s", g->dir,
				 fw_errno_name(-e));
	return 0;
}

static void race_migrate_vs_memcg_reclaim(struct race *r)
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
			  "no memory cgroup controller in this kernel (/proc/cgroups)");
		return;
	}
	if (nr_mem_nodes < 2) {
		skip_race(r, SKIP_FAIL,
			  "one memory node in this kernel: move_pages() has nowhere to migrate");
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
		skip_race(r, SKIP_FAIL, "memory.max %ld: %s", max,
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

/* ---- main ---- */

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

	printf("TAP version 13\n1..%d\n", nsel);
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
			skip_race(&r, SKIP_FAIL, "%s", FW_NO_MOVE_PAGES);
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
		/* TAP: a race that could not run is "ok N name # SKIP reason" */
		if (r.skip == SKIP_FAIL && !r.mismatches)
			printf("ok %d %s # SKIP %s\n", i + 1, r.name, r.skip_reason);
		else
			printf("%s %d %s\n", pass ? "ok" : "not ok", i + 1, r.name);
	}
	alarm(0);
	if (thp_saved[0])
		fw_write_str(THP_SYSFS "enabled", thp_saved);
	printf("fwrace: total races=%d syscalls=%lu mismatches=%lu enomem=%lu\n", nsel,
	       tot_sys, tot_mis, tot_enomem);
	return failed ? 1 : 0;
}
