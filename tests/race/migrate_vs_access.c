// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race migrate_vs_access (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

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

void race_migrate_vs_access(struct race *r)
{
	static const role_fn roles[] = {
		access_migrator, access_accessor, access_protector
	};
	struct access_ctx c = { .r = r };

	if (area_add(r, &c.a, ACCESS_SMALL, 0) ||
	    area_add(r, &c.a, 2 * pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages))
		goto out;
	if (area_start(r, &c.a, &c.gen))
		goto out;
	c.ro[0] = ACCESS_SMALL - RO_PAGES;
	c.ro[1] = ACCESS_SMALL + pmd_pages + pmd_pages / 2;
	run_threads(r, &c, roles, 3);
	area_verify(r, &c.a, c.gen, "at the end");
out:
	area_release(&c.a, c.gen, &c.buf);
}
