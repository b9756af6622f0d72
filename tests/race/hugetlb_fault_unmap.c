// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race hugetlb_fault_unmap (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

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

void race_hugetlb_fault_unmap(struct race *r)
{
	static const role_fn roles[] = { huge_mapper, huge_migrator };
	struct huge_ctx c = { .r = r };
	long free_pages, saved_nr = -1;

	if (!fw_env.hugetlb) {
		skip_race(r, SKIP_FAIL,
			  FW_ABSENT(HUGETLBFS) "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
		return;
	}
	free_pages = fw_read_long(HUGE_DIR "free_hugepages");
	if (!fw_kind_find("hugetlb_2M") || free_pages < 0) {
		skip_race(r, SKIP_FAIL, FW_ABSENT(HUGETLB_2M) "no 2M hugetlb (%s)", HUGE_DIR);
		return;
	}
	if (free_pages < 8) {
		saved_nr = fw_read_long(HUGE_DIR "nr_hugepages");
		if (saved_nr >= 0)
			fw_write_long(HUGE_DIR "nr_hugepages", saved_nr + 8);
		free_pages = fw_read_long(HUGE_DIR "free_hugepages");
	}
	if (free_pages < HUGE_NR) {
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(HUGETLB_POOL) "only %ld free 2M hugetlb pages",
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
