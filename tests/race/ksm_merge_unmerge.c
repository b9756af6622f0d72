// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race ksm_merge_unmerge (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

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

void race_ksm_merge_unmerge(struct race *r)
{
	static const role_fn roles[] = { ksm_merger, ksm_migrator, ksm_writer };
	struct ksm_ctx c = { .r = r };
	struct fw_ksm_saved saved = { 0 };
	unsigned long g;
	int err;

	if (!fw_ksm_available()) {
		skip_race(r, SKIP_FAIL, FW_ABSENT(KSM) "no KSM (%srun not writable)",
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
		skip_race(r, SKIP_FAIL, FW_UNAVAILABLE(KSMD) "ksmd does not start: %s",
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
