// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: split_huge_pages, and migrate_pages() of the whole process.
 * Part of fw_diff, see main.c; what the parts share is in diff.h.
 */
#include "diff.h"

/* ---- split_huge_pages ---- */

static int split_write_str(const char *s)
{
	return fw_write_str(SPLIT_DEBUGFS, s);
}

/* an empty range of our own: the interface works if that is accepted */
int split_probe(void)
{
	char buf[64];
	int ret;

	if (access(SPLIT_DEBUGFS, F_OK)) {
		snprintf(split_why, sizeof(split_why), "no_debugfs_split_huge_pages");
		return 0;
	}
	snprintf(buf, sizeof(buf), "%d,0x0,0x0", getpid());
	ret = split_write_str(buf);
	if (ret)
		snprintf(split_why, sizeof(split_why), "split_huge_pages_write_%s",
			 fw_errno_name(-ret));
	return !ret;
}

void op_split(struct fw_region *r)
{
	long thp0 = fw_region_thp(r), kb0 = fw_region_anonhuge_kb(r), thp1, kb1;
	const char *data;
	int ret;

	ret = fw_split_range(getpid(), r->addr, r->addr + r->len, NULL);
	thp1 = fw_region_thp(r);
	kb1 = fw_region_anonhuge_kb(r);
	data = fw_region_data(r);
	printf("fwdiff: split_huge_pages kind=%s ret=%s before.thp=%s before.anonhuge_kb=%s after.thp=%s after.anonhuge_kb=%s data=%s\n",
	       r->kind->name, rv(ret), num(thp0), num(kb0), num(thp1), num(kb1),
	       data);
	if (!(r->kind->flags & FW_K_HOLE))
		expect(ret == 0, "write: %s", rv(ret));
	expect_data(r, data, "after splitting");
	if (r->kind->flags & FW_K_THP)
		expect(thp1 <= 0 && kb1 <= 0, "THP not split: thp=%ld kb=%ld",
		       thp1, kb1);
}

/* a fresh PMD-mapped THP for the range cases; NULL if none */
static struct fw_region *fresh_thp(struct fw_region *r, const char *name)
{
	fw_region_setup(r, fw_kind_find("thp_pmd"), 0);
	if (!r->why[0])
		return r;
	printf("fwdiff: split_huge_pages.range case=%s setup=unavailable reason=%s\n",
	       name, r->why);
	return NULL;
}

/* split [start_off, end_off) of a fresh THP; keep: must stay a THP */
static void split_case(const char *name, long start_off, long end_off, int keep)
{
	struct fw_region rr, *r = fresh_thp(&rr, name);
	long before, after;
	const char *data;
	int ret;

	if (!r)
		return;
	before = fw_region_thp(r);
	ret = fw_split_range(getpid(), r->addr + start_off, r->addr + end_off,
			     NULL);
	after = fw_region_thp(r);
	data = fw_region_data(r);
	printf("fwdiff: split_huge_pages.range case=%s ret=%s before.thp=%s after.thp=%s data=%s\n",
	       name, rv(ret), num(before), num(after), data);
	expect(ret == 0, "%s: write %s", name, rv(ret));
	expect_data(r, data, name);
	if (before > 0 && after >= 0)
		expect(keep ? after == before : after == 0, "%s: thp %ld -> %ld",
		       name, before, after);
	fw_region_release(r);
}

/* two THPs with an unmapped PMD between them, split in one range */
static void split_across_hole(void)
{
	struct fw_region a, b;
	long a0, b0, a1, b1;
	int ret;

	if (!fresh_thp(&a, "across_hole"))
		return;
	if (!fresh_thp(&b, "across_hole")) {
		fw_region_release(&a);
		return;
	}
	if (a.addr > b.addr) {	/* a: the lower one */
		struct fw_region t = a;

		a = b;
		b = t;
	}
	a0 = fw_region_thp(&a);
	b0 = fw_region_thp(&b);
	ret = fw_split_range(getpid(), a.addr, b.addr + b.len, NULL);
	a1 = fw_region_thp(&a);
	b1 = fw_region_thp(&b);
	printf("fwdiff: split_huge_pages.range case=across_hole ret=%s low.before.thp=%s low.after.thp=%s high.before.thp=%s high.after.thp=%s data=%s\n",
	       rv(ret), num(a0), num(a1), num(b0), num(b1),
	       !strcmp(fw_region_data(&a), "intact") &&
	       !strcmp(fw_region_data(&b), "intact") ? "intact" : "corrupt");
	expect(ret == 0, "across_hole: write %s", rv(ret));
	expect(a1 == 0 || a1 < 0, "across_hole: the THP before the hole was not split");
	fw_region_release(&a);
	fw_region_release(&b);
}

static void split_bad_input(void)
{
	char buf[64];
	int ret;

	snprintf(buf, sizeof(buf), "%d,0x1000,0x2000", gone_pid());
	ret = split_write_str(buf);
	printf("fwdiff: split_huge_pages.range case=pid_gone ret=%s\n", rv(ret));
	expect(ret == -ESRCH, "pid_gone: %s", rv(ret));
	ret = split_write_str("not,a,range");
	printf("fwdiff: split_huge_pages.range case=malformed ret=%s\n", rv(ret));
	expect(ret == -EINVAL, "malformed: %s", rv(ret));
}

static void op_split_ranges(void)
{
	check_begin("split_huge_pages.range");
	split_case("whole", 0, (long)pmd_sz, 0);
	split_case("one_page_in_middle", (long)pmd_sz / 2,
		   (long)(pmd_sz / 2 + page_sz), 0);
	split_case("empty", 0, 0, 1);
	split_case("reversed", (long)pmd_sz, 0, 1);
	split_case("within_one_page", 1, 2, 1);
	split_case("past_the_end", (long)pmd_sz, 2 * (long)pmd_sz, 1);
	split_across_hole();
	split_bad_input();
	check_end();
}

void op_split_all(void)
{
	if (!have_split) {
		op_unavailable("split_huge_pages", split_why);
		printf("fwdiff: split_huge_pages.range setup=unavailable reason=%s\n",
		       split_why);
		return;
	}
	run_op_all("split_huge_pages", op_split);
	op_split_ranges();
}

/* ---- migrate_pages() of the whole process ---- */

static void report_nodes(const char *what, struct fw_region *regs, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (regs[i].why[0])
			continue;
		printf(" %s=%s", regs[i].kind->name, st(fw_status_of(regs[i].addr)));
	}
	printf("%s", what);
}

static void migrate_and_check(struct fw_region *regs, int n, int from, int to)
{
	long ret = fw_migrate_pages(from, to);

	printf("fwdiff: migrate_pages from=%d to=%d ret=%s", from, to, rv(ret));
	report_nodes("\n", regs, n);
	expect(ret >= 0, "%d -> %d: %s", from, to, rv(ret));
	if (ret == 0 && !regs[0].why[0])
		expect(fw_gmp_node(regs[0].addr) == to,
		       "%d -> %d: anon4k on node %d", from, to,
		       fw_gmp_node(regs[0].addr));
}

void op_migrate_pages(void)
{
	struct fw_region regs[3];
	const struct fw_kind *pick[3] = { fw_kind_find("anon4k"), fw_kind_find("thp_pmd"), NULL };
	const char *data;
	int i, n = 2, intact = 1;

	if (other < 0) {
		printf("fwdiff: migrate_pages setup=unavailable reason=single_node\n");
		return;
	}
	/* (two nodes without CONFIG_NUMA cannot be: only for completeness) */
	if (!have_move_pages || !fw_have_migrate_pages()) {
		printf("fwdiff: migrate_pages setup=unavailable reason=no_migrate_pages\n");
		check_skip("migrate_pages", FW_SKIP_NO_MIGRATE_PAGES);
		return;
	}
	for (i = 0; i < nr_kinds && !pick[2]; i++)
		if (kinds[i]->flags & FW_K_HUGETLB)
			pick[n++] = kinds[i];
	check_begin("migrate_pages");
	for (i = 0; i < n; i++) {
		fw_region_setup(&regs[i], pick[i], 0);
		print_setup("migrate_pages", &regs[i]);
	}
	migrate_and_check(regs, n, home, other);
	migrate_and_check(regs, n, other, home);
	for (i = 0; i < n; i++) {
		data = fw_region_data(&regs[i]);
		intact &= strcmp(data, "corrupt") != 0;
		expect_data(&regs[i], data, "after migrate_pages");
		fw_region_release(&regs[i]);
	}
	printf("fwdiff: migrate_pages data=%s\n", intact ? "intact" : "corrupt");
	check_end();
}
