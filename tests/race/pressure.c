// SPDX-License-Identifier: GPL-2.0
/* fw_race: the memory-pressure machinery of status_vs_pageout, status_vs_numa_hinting and migrate_vs_memcg_reclaim */
#define _GNU_SOURCE
#include "race.h"

uint64_t press_word(uint64_t v, size_t k)
{
	return v + k * 0x100000001b3ULL;
}

uint64_t press_val(const struct press_ctx *c, unsigned long pair)
{
	return pat(PRESS_SALT + pair, c->gen[pair]);
}

void press_fill(struct press_ctx *c, unsigned long pair)
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
int press_verify(struct press_ctx *c, unsigned long pair,
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

unsigned long press_verify_all(struct press_ctx *c, const char *what)
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
int press_setup(struct race *r, struct press_ctx *c,
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
		return skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(MEMORY) "out of memory");
	for (p = 0; p < c->nr_pairs; p++)
		press_fill(c, p);
	return 0;
}

void press_release(struct press_ctx *c)
{
	free(c->gen);
	c->gen = NULL;
	mp_buf_free(&c->mbuf);
	mp_buf_free(&c->sbuf);
	area_unmap(&c->a);
}

/* a random range of one region of the area, at most max pages */
char *press_range(struct press_ctx *c, unsigned int *rs,
			 unsigned long max, size_t *len)
{
	struct fw_region *m = &c->a.reg[rnd_below(rs, c->a.nreg)];
	unsigned long first = rnd_below(rs, region_pages(m));
	unsigned long n = 1 + rnd_below(rs, region_pages(m) - first);

	if (n > max)
		n = max;
	*len = n * page_sz;
	return m->addr + first * page_sz;
}

/* A status query may only say: a node, -ENOENT (not present), -EFAULT */
void press_count(struct press_ctx *c, const int *st, unsigned long n)
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

/*
 * move_pages() of random chunks, at random offsets: status queries of up
 * to PRESS_CHUNK pages, migrations of up to PRESS_MOVE_CHUNK (a migration
 * isolates its pages from the LRU and the reclaim they race with, and
 * under QEMU TCG every unmap is a round of TLB-flush IPIs).
 */
void press_mp_loop(struct press_ctx *c, struct mp_buf *b,
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

/* does accessor part of nparts own pair p? */
int press_owns(unsigned long p, unsigned int part, unsigned int nparts)
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
void press_access(struct press_ctx *c, unsigned int part,
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
cpu_set_t far_cpus;
int have_far_cpus;

void run_far(void)
{
	if (have_far_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof(far_cpus),
				       &far_cpus);
}

void *press_migrator(void *arg)
{
	struct press_ctx *c = arg;

	press_mp_loop(c, &c->mbuf, thread_seed(c->r, 1), PRESS_MOVE);
	return NULL;
}

void *press_reader(void *arg)
{
	struct press_ctx *c = arg;

	press_mp_loop(c, &c->sbuf, thread_seed(c->r, 2), 0);
	return NULL;
}

void *press_reader_far(void *arg)
{
	run_far();
	return press_reader(arg);
}

void *press_accessor(void *arg)
{
	struct press_ctx *c = arg;

	press_access(c, 0, 1, thread_seed(c->r, 3));
	return NULL;
}

/* every other block of pairs, from the home node */
void *press_accessor_home(void *arg)
{
	struct press_ctx *c = arg;

	press_access(c, 0, 2, thread_seed(c->r, 3));
	return NULL;
}

/* the other blocks, from the CPUs of the other node */
void *press_accessor_far(void *arg)
{
	struct press_ctx *c = arg;

	run_far();
	press_access(c, 1, 2, thread_seed(c->r, 4));
	return NULL;
}

static const char *const vm_names[NR_VM] = {
	"pswpin", "pswpout", "thp_swpout", "numa_pte_updates", "numa_hint_faults",
	"numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success",
};

/* the NR_VM counters, in one pass over /proc/vmstat; a missing one is 0 */
void vmstat_read(long *v)
{
	int i;

	fw_proc_values("/proc/vmstat", ' ', vm_names, NR_VM, v);
	for (i = 0; i < NR_VM; i++)
		v[i] = v[i] < 0 ? 0 : v[i];
}

/* after - before, into after */
void vmstat_delta(long *after, const long *before)
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
int press_swap_ok(struct race *r)
{
	if (access("/proc/sys/vm/swappiness", F_OK))
		return skip_race(r, SKIP_FAIL,
				 FW_ABSENT(SWAP) "no swap in this kernel (no /proc/sys/vm/swappiness)");
	if (fw_meminfo_kb("SwapTotal") > 0)
		return 0;
	if (access("/sys/class/zram-control", F_OK) &&
	    access("/sys/block/zram0", F_OK))
		return skip_race(r, SKIP_FAIL,
				 FW_ABSENT(SWAP_DEVICE) "no swap device and no zram in this kernel");
	mismatch(r, "no swap set up (SwapTotal 0), but the kernel has swap and zram: see guest/check-run");
	return -1;
}
