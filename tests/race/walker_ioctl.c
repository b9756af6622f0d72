// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race walker_ioctl (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

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
	struct fw_region *m = &c->a.reg[0];
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

void race_walker_ioctl(struct race *r)
{
	static const role_fn roles[] = {
		walker_walker, walker_mutator, walker_migrator
	};
	struct walker_ctx c = { .r = r, .fd = -1 };

	c.fd = open(FWT_DEBUGFS, O_RDWR);
	if (c.fd < 0) {
		if (errno == ENOENT)
			skip_race(r, SKIP_OK,
				  FW_ABSENT(FOLIO_WALK_TEST) "no folio_walk_test (base kernel)");
		else
			skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(FOLIO_WALK_TEST) "%s: %s", FWT_DEBUGFS,
				  fw_errno_name(errno));
		return;
	}
	if (have_thp && access(SPLIT_DEBUGFS, W_OK)) {
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(SPLIT_DEBUGFS) "no %s: %s", SPLIT_DEBUGFS,
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
void race_walker_ioctl(struct race *r)
{
	if (access(FWT_DEBUGFS, F_OK) == 0)
		skip_race(r, SKIP_FAIL,
			  FW_UNAVAILABLE(FOLIO_WALK_TEST_H)
			  "built without mm/folio_walk_test.h, but the kernel has %s",
			  FWT_DEBUGFS);
	else
		skip_race(r, SKIP_OK,
				  FW_ABSENT(FOLIO_WALK_TEST) "no folio_walk_test (base kernel)");
}
#endif
