// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race split_vs_collapse (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

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

void race_split_vs_collapse(struct race *r)
{
	static const role_fn roles[] = {
		split_splitter, split_collapser, split_migrator
	};
	struct split_ctx c = { .r = r };

	if (!have_thp) {
		skip_race(r, SKIP_FAIL, FW_ABSENT(TRANSPARENT_HUGEPAGE) "no THP in this kernel (no %s)",
			  THP_SYSFS);
		return;
	}
	if (access(SPLIT_DEBUGFS, W_OK)) {
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(SPLIT_DEBUGFS) "no %s: %s", SPLIT_DEBUGFS,
			  fw_errno_name(errno));
		return;
	}
	if (area_add(r, &c.a, 4 * pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages))
		goto out;
	if (area_start(r, &c.a, &c.gen))
		goto out;
	run_threads(r, &c, roles, 3);
	area_verify(r, &c.a, c.gen, "at the end");
out:
	area_release(&c.a, c.gen, &c.buf);
}
