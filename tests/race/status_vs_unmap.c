// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race status_vs_unmap (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

/* ---- 1. status_vs_unmap ---- */

#define SMALL_PAGES	64

struct unmap_ctx {
	struct race *r;
	struct fw_region small, thp;
	struct mp_buf buf;
};

/* A: status of every page of a region and of its guard pages */
static void *unmap_reader(void *arg)
{
	struct unmap_ctx *c = arg;
	struct race *r = c->r;
	unsigned int rs = thread_seed(r, 1);
	struct fw_region *m;
	unsigned long i, k, n;
	int *st = c->buf.status;

	for (i = 0; i < LOOP_CAP && running(r); i++) {
		m = (i & 1) ? &c->thp : &c->small;
		n = region_pages(m);
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

void race_status_vs_unmap(struct race *r)
{
	static const role_fn roles[] = { unmap_reader, unmap_mapper };
	struct unmap_ctx c = { .r = r };

	if (!region_setup(r, &c.small, SMALL_PAGES, 0) &&
	    !region_setup(r, &c.thp, 2 * pmd_pages, 1) &&
	    !mp_buf_init(r, &c.buf, region_pages(&c.thp) + 2))
		run_threads(r, &c, roles, 2);
	mp_buf_free(&c.buf);
	region_unmap(&c.small);
	region_unmap(&c.thp);
}
