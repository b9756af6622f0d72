// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: move_pages() of mixed batches.
 * Part of fw_diff, see main.c; what the parts share is in diff.h.
 */
#include "diff.h"

/* ---- mixed batches ---- */

struct entry {
	char label[72];
	struct fw_region *r;	/* NULL: not a page of ours */
	void *addr;
};

#define MAX_ENTRIES 64

static int add_entry(struct entry *e, int n, struct fw_region *r, int w,
		     const char *extra)
{
	if (n >= MAX_ENTRIES)
		return n;
	snprintf(e[n].label, sizeof(e[n].label), "%s.%s%s", r->kind->name,
		 where_name[w], extra);
	e[n].r = r;
	e[n].addr = where_addr(r, w);
	return n + 1;
}

static int batch_entries(struct fw_region *regs, struct entry *e)
{
	int i, n = 0, dup = -1;

	for (i = 0; i < nr_kinds; i++) {
		struct fw_region *r = &regs[i];

		if (!(kinds[i]->uses & FW_USE_BATCH) || r->why[0])
			continue;
		n = add_entry(e, n, r, W_FIRST, "");
		if (r->kind->flags & FW_K_THP || r->kind->flags & FW_K_HUGETLB)
			n = add_entry(e, n, r, W_MIDDLE, "");
		if (dup < 0 && r->kind->flags & FW_K_POPULATED)
			dup = i;
	}
	if (dup >= 0)
		n = add_entry(e, n, &regs[dup], W_FIRST, ".dup");
	snprintf(e[n].label, sizeof(e[n].label), "invalid");
	e[n].r = NULL;
	e[n].addr = (void *)(~0UL & ~(page_sz - 1));	/* kernel half */
	return n + 1;
}

static void print_batch(const char *name, const struct entry *e, int n,
			const int *to, const int *status, long ret)
{
	void *pages[MAX_ENTRIES + 1];
	int now[MAX_ENTRIES + 1], i;

	for (i = 0; i < n; i++) {
		pages[i] = e[i].addr;
		now[i] = FW_UNSET;
	}
	if (fw_move_pages(0, n, pages, NULL, now, 0))
		now[0] = -errno;
	printf("fwdiff: move_pages.batch name=%s n=%d ret=%s\n", name, n, rv(ret));
	for (i = 0; i < n; i++)
		printf("fwdiff: move_pages.batch name=%s i=%d page=%s to=%d status=%s now=%s\n",
		       name, i, e[i].label, to[i], st(status[i]), st(now[i]));
}

static void check_batch(const char *name, int n, const int *to,
			const int *status, long ret)
{
	int i;

	expect((ret >= 0 && ret <= n) || (ret < 0 && ret >= -4095),
	       "%s: bad return %ld", name, ret);
	for (i = 0; i < n; i++) {
		expect(status[i] == FW_UNSET || status[i] == to[i] ||
		       (status[i] < 0 && valid_status(status[i])),
		       "%s: entry %d status %s", name, i, st(status[i]));
		expect(ret != 0 || status[i] != FW_UNSET,
		       "%s: returned 0 but entry %d is unset", name, i);
	}
}

/* bad: index of the entry that gets bad_node, or -1 */
static long run_batch(const char *name, const struct entry *e, int n,
		      int node, int alternate, int bad, int bad_node)
{
	void *pages[MAX_ENTRIES + 1];
	int to[MAX_ENTRIES + 1], status[MAX_ENTRIES + 1], i;
	long ret;

	for (i = 0; i < n; i++) {
		pages[i] = e[i].addr;
		to[i] = alternate && i % 2 ? home : node;
		status[i] = FW_UNSET;
	}
	if (bad >= 0)
		to[bad] = bad_node;
	ret = fw_move_pages(0, n, pages, to, status, MPOL_MF_MOVE);
	ret = ret < 0 ? -errno : ret;
	print_batch(name, e, n, to, status, ret);
	check_batch(name, n, to, status, ret);
	/* entries before the bad one may already have failed to migrate */
	if (bad >= 0 && !is_memory_node(bad_node))
		expect(ret == -ENODEV || (bad > 0 && ret > 0),
		       "%s: %s, not ENODEV", name, rv(ret));
	return ret;
}

static void batch_data(struct fw_region *regs)
{
	const char *data;
	int i;

	for (i = 0; i < nr_kinds; i++) {
		if (!(kinds[i]->uses & FW_USE_BATCH) || regs[i].why[0])
			continue;
		data = fw_region_data(&regs[i]);
		printf("fwdiff: move_pages.batch kind=%s data=%s\n", kinds[i]->name,
		       data);
		expect_data(&regs[i], data, "after the batches");
	}
}

static void batch_setup(struct fw_region *regs)
{
	int i, hole = -1;

	for (i = 0; i < nr_kinds; i++) {
		if (!(kinds[i]->uses & FW_USE_BATCH))
			continue;
		if (kinds[i]->flags & FW_K_HOLE) {	/* last: nothing may fill it */
			hole = i;
			continue;
		}
		fw_region_setup(&regs[i], kinds[i], 0);
		print_setup("move_pages.batch", &regs[i]);
	}
	if (hole >= 0) {
		fw_region_setup(&regs[hole], kinds[hole], 0);
		print_setup("move_pages.batch", &regs[hole]);
	}
}

void op_batch(void)
{
	struct fw_region regs[FW_MAX_KINDS];
	struct entry e[MAX_ENTRIES + 1];
	int n, i, away = other >= 0 ? other : home;

	memset(regs, 0, sizeof(regs));
	batch_setup(regs);
	n = batch_entries(regs, e);
	check_begin("move_pages.batch");
	if (other >= 0) {
		run_batch("to_other", e, n, other, 0, -1, 0);
		run_batch("to_home", e, n, home, 0, -1, 0);
		run_batch("alternating", e, n, other, 1, -1, 0);
	} else {
		printf("fwdiff: move_pages.batch name=to_other setup=unavailable reason=single_node\n");
		printf("fwdiff: move_pages.batch name=alternating setup=unavailable reason=single_node\n");
	}
	run_batch("back_home", e, n, home, 0, -1, 0);
	run_batch("bad_node_7", e, n, away, 0, n / 2, 7);
	run_batch("bad_node_1024", e, n, away, 0, n / 2, 1024);
	run_batch("bad_node_minus1", e, n, away, 0, 0, -1);
	run_batch("final_home", e, n, home, 0, -1, 0);
	batch_data(regs);
	check_end();
	for (i = 0; i < nr_kinds; i++)
		if (kinds[i]->uses & FW_USE_BATCH)
			fw_region_release(&regs[i]);
}
