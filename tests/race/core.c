// SPDX-License-Identifier: GPL-2.0
/* fw_race: the races' core: counters and deadlines, mismatches, data patterns, regions, checked syscalls, move_pages(), threads (and fault injection), remap and mutate */
#define _GNU_SOURCE
#include "race.h"

size_t page_sz, pmd_sz;
int have_thp;		/* the kernel has THP (THP_SYSFS exists) */
int have_move_pages;	/* 0: ENOSYS (no CONFIG_NUMA) */
unsigned long pmd_pages;
unsigned int page_shift, pmd_order;
int mem_nodes[FW_MAX_NODES], nr_mem_nodes, home, other;
cpu_set_t home_cpus;
int have_home_cpus;
char thp_saved[32];

/*
 * -f: the race threads run with /proc/thread-self/make-it-fail set, so
 * that failslab and fail_page_alloc (task-filter: guest/stress-run sets
 * them up) fail some of the kernel's allocations for them; the set-up
 * and the checks after a race run without. A call that must succeed and
 * fails with ENOMEM or EAGAIN then is made again (SYS_RETRIES at most),
 * as a program would; such failures are counted (enomem=).
 */
int fault_inject;
#define SYS_RETRIES	10000

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int running(struct race *r)
{
	return !__atomic_load_n(&r->stop, __ATOMIC_RELAXED) &&
	       now_ns() < r->deadline;
}

void stop_race(struct race *r)
{
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
}

void add_iter(struct race *r)
{
	__atomic_add_fetch(&r->iterations, 1, __ATOMIC_RELAXED);
}

void add_sys(struct race *r, unsigned long n)
{
	__atomic_add_fetch(&r->syscalls, n, __ATOMIC_RELAXED);
}

void __attribute__((format(printf, 2, 3)))
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

int __attribute__((format(printf, 3, 4)))
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
unsigned int rnd(unsigned int *s)
{
	unsigned int x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

unsigned long rnd_below(unsigned int *s, unsigned long n)
{
	return n ? rnd(s) % n : 0;
}

unsigned int thread_seed(struct race *r, unsigned int role)
{
	unsigned int s = r->seed ^ (role * 0x9e3779b9u);

	return s ? s : 1;
}

uint64_t pat(unsigned long idx, unsigned long gen)
{
	uint64_t v = ((uint64_t)idx + 1) * 0x9e3779b97f4a7c15ULL;

	return (v ^ ((uint64_t)gen + 0x1234567) * 0xc2b2ae3d27d4eb4fULL) | 1;
}

void page_fill(char *p, uint64_t v)
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
long page_check(const char *p, uint64_t v, uint64_t *want,
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

int verify_page(struct race *r, const char *p, unsigned long idx,
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

void touch(struct fw_region *m, unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		((volatile char *)m->addr)[i * page_sz] = (char)(i | 1);
}

void touch_read(struct fw_region *m, unsigned long first,
		       unsigned long n)
{
	fw_read_every(m->addr + first * page_sz, n * page_sz, page_sz);
}

/* npages written pages: THPs (thp_advised) or 4K pages (anon4k) */
int region_setup(struct race *r, struct fw_region *m,
			unsigned long npages, int thp)
{
	const char *kind;

	thp = thp && have_thp;	/* no THP in this kernel: 4K pages */
	kind = thp ? "thp_advised" : "anon4k";
	if (fw_region_setup_name(m, kind, npages * page_sz))
		return skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(REGION) "%s of %lu pages: %s", kind,
				 npages, m->why);
	if (thp && fw_smaps_kb(m->addr, "AnonHugePages") <= 0)
		return skip_race(r, SKIP_FAIL,
				 FW_UNAVAILABLE(THP) "no THP: AnonHugePages 0 after MADV_HUGEPAGE");
	return 0;
}

void region_unmap(struct fw_region *m)
{
	if (m->kind)
		fw_region_release(m);
	m->kind = NULL;
}

int area_add(struct race *r, struct area *a, unsigned long npages,
		    int thp)
{
	a->npages += npages;
	return region_setup(r, &a->reg[a->nreg++], npages, thp);
}

void area_unmap(struct area *a)
{
	int i;

	for (i = 0; i < a->nreg; i++)
		region_unmap(&a->reg[i]);
}

char *area_page(const struct area *a, unsigned long i)
{
	if (i < region_pages(&a->reg[0]))
		return a->reg[0].addr + i * page_sz;
	return a->reg[1].addr + (i - region_pages(&a->reg[0])) * page_sz;
}

/*
 * The generations of a's pages, all 0, and a filled with them; 0, or -1
 * (the race failed) without memory
 */
int area_start(struct race *r, const struct area *a, unsigned long **gen)
{
	*gen = calloc(a->npages, sizeof(**gen));
	if (!*gen) {
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(MEMORY) "out of memory");
		return -1;
	}
	area_fill(a, *gen, 0, a->npages);
	return 0;
}

/* what area_start(), area_add() and mp_buf_init() took */
void area_release(struct area *a, unsigned long *gen, struct mp_buf *b)
{
	free(gen);
	mp_buf_free(b);
	area_unmap(a);
}

void area_fill(const struct area *a, const unsigned long *gen,
		      unsigned long first, unsigned long n)
{
	unsigned long i;

	for (i = first; i < first + n; i++)
		page_fill(area_page(a, i), pat(i, gen[i]));
}

unsigned long area_verify(struct race *r, const struct area *a,
				 const unsigned long *gen, const char *what)
{
	unsigned long i, bad = 0;

	for (i = 0; i < a->npages; i++)
		bad += verify_page(r, area_page(a, i), i, pat(i, gen[i]), what);
	return bad;
}

/* -f: an allocation of the kernel's failed on purpose; retry the call */
int injected_failure(struct race *r, int ret, int tries)
{
	if (!ret || !fault_inject || (errno != ENOMEM && errno != EAGAIN) ||
	    tries >= SYS_RETRIES)
		return 0;
	__atomic_add_fetch(&r->enomem, 1, __ATOMIC_RELAXED);
	return 1;
}

int sys_check(struct race *r, int ret, const char *what)
{
	add_sys(r, 1);
	if (ret)
		mismatch(r, "%s: %s", what, fw_errno_name(errno));
	return ret;
}

/* madvise() that may fail only for lack of memory or a signal */
int madv(struct race *r, void *addr, size_t len, int advice,
		const char *what)
{
	int ret = madvise(addr, len, advice), e = errno;

	add_sys(r, 1);
	if (ret && e != EAGAIN && e != ENOMEM && e != EINTR)
		mismatch(r, "%s: %s", what, fw_errno_name(e));
	return ret ? -e : 0;
}

void collapse(struct race *r, char *addr, size_t len)
{
	int ret = madvise(addr, len, MADV_COLLAPSE), e = errno;

	add_sys(r, 1);
	if (ret && e != EINVAL && e != EAGAIN && e != ENOMEM && e != EBUSY)
		mismatch(r, "MADV_COLLAPSE: %s", fw_errno_name(e));
}

void split_range(struct race *r, const char *start, const char *end)
{
	char buf[FW_SPLIT_CMD];
	int ret = fw_split_range((int)getpid(), start, end, buf);

	add_sys(r, 1);
	if (ret && fault_inject && (ret == -ENOMEM || ret == -EAGAIN))
		__atomic_add_fetch(&r->enomem, 1, __ATOMIC_RELAXED);
	else if (ret && ret != -EINTR)
		mismatch(r, "split_huge_pages \"%s\": %s", buf,
			 fw_errno_name(-ret));
}

int mp_buf_init(struct race *r, struct mp_buf *b, unsigned long cap)
{
	b->pages = calloc(cap, sizeof(*b->pages));
	b->nodes = calloc(cap, sizeof(*b->nodes));
	b->status = calloc(cap, sizeof(*b->status));
	if (b->pages && b->nodes && b->status)
		return 0;
	return skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(MEMORY) "out of memory");
}

void mp_buf_free(struct mp_buf *b)
{
	free(b->pages);
	free(b->nodes);
	free(b->status);
}

int is_mem_node(int n)
{
	int i;

	for (i = 0; i < nr_mem_nodes; i++)
		if (mem_nodes[i] == n)
			return 1;
	return 0;
}

/* what move_pages() may write into a status entry */
int status_ok(int s)
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
int mp_errno_ok(int e)
{
	return e == ENOENT || e == EFAULT || e == ENOMEM || e == EBUSY ||
	       e == EAGAIN || e == EINTR;
}

/*
 * move_pages() of b->pages[0..n): a status query when target < 0, else a
 * migration of all of them to target. Checks the result, errno and every
 * status entry; returns the result (-errno on failure).
 */
long mp_call(struct race *r, struct mp_buf *b, unsigned long n,
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

/* move the pages of a to the other node and back, until the deadline */
void migrate_loop(struct race *r, struct area *a, struct mp_buf *b,
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

void set_make_it_fail(int on)
{
	int e = fw_write_str("/proc/thread-self/make-it-fail", on ? "1" : "0");

	if (e)
		fprintf(stderr, "fw_race: make-it-fail %d: %s\n", on, fw_errno_name(-e));
}

/* -f: the role with make-it-fail set for its thread (and its children) */
void *role_injected(void *arg)
{
	struct role_start *s = arg;
	void *ret;

	set_make_it_fail(1);
	ret = s->fn(s->ctx);
	set_make_it_fail(0);
	return ret;
}

/* run the roles on the CPUs of the home node; join them all */
int run_threads(struct race *r, void *ctx, const role_fn *roles,
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
			skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(THREAD) "pthread_create: %s",
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
int remap(struct race *r, struct fw_region *m, int flags)
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
	madvise(m->addr, m->len,
		region_thp(m) ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	add_sys(r, 1);
	return 0;
}

/*
 * One random change of the mapping of m (data is not kept); with heavy,
 * also split_huge_pages and MADV_COLLAPSE (in a kernel with THP). m is mapped read-write again
 * when it returns 0; -1 when it could not be mapped again.
 */
int mutate(struct race *r, struct fw_region *m, unsigned int *rs,
		  int heavy)
{
	unsigned long first = rnd_below(rs, region_pages(m));
	unsigned long n = 1 + rnd_below(rs, region_pages(m) - first);
	char *sub = m->addr + first * page_sz;
	size_t sublen = n * page_sz;

	/* split and collapse only where there are THPs to split */
	switch (rnd_below(rs, heavy && have_thp ? 8 : 6)) {
	case 0:		/* unmap, map again, fault everything */
		sys_ok(r, munmap(m->addr, m->len), "munmap");
		if (remap(r, m, MAP_FIXED | MAP_FIXED_NOREPLACE))
			return -1;
		touch(m, 0, region_pages(m));
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
