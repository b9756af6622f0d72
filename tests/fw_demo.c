// SPDX-License-Identifier: GPL-2.0
/*
 * fw_demo: folio_walk's users at work, for `make run`.
 *
 * Sets up one of each kind of memory and prints, as a table, what the
 * move_pages() status query reports for it (do_pages_stat_array(), which
 * the series converts to folio_walk); then moves the anonymous 4K page,
 * the THP and the hugetlb page to the other node and back
 * (add_page_for_migration(), converted too) and prints the status after
 * each step. Its one KTAP result, "move_pages", passes (and it exits 0)
 * when every result is what move_pages(2) documents:
 * a node for a present page, -ENOENT for a page that is not present,
 * -EFAULT for the zero page and for an address that is not mapped.
 *
 * Lines the lab shows start with the first word of a row, "mapping",
 * "move_pages", "PASS" or "FAIL" (lab/demo.sh).
 */
#define _GNU_SOURCE
#include "fw.h"

#define NO_STATUS	FW_UNSET	/* a step that does not apply */
#define ANY_NODE	1000		/* row.expect: any node is right */

struct row {
	const char *name;
	char what[40];
	char *addr;
	int expect;		/* what move_pages(2) documents */
	int movable;		/* moved to the other node and back */
	int status[3];		/* before, after ->other, after ->home */
	char note[64];		/* why it could not be set up */
};

static size_t page_sz, pmd_sz;
static int home, other = -1, checks, failures, not_set_up;
static struct row rows[8];
static struct fw_region regions[8];	/* rows[i]'s mapping, kept until exit */
static int nr_rows;

static struct row *add_row(const char *name, const char *what, int expect,
			   int movable)
{
	struct row *r = &rows[nr_rows++];

	r->name = name;
	snprintf(r->what, sizeof(r->what), "%s", what);
	r->expect = expect;
	r->movable = movable;
	r->status[0] = r->status[1] = r->status[2] = NO_STATUS;
	return r;
}

/* an instance of the table's kind for row r (fw_kinds.h); NULL: r->note says why not */
static char *setup_kind(struct row *r, const char *kind, size_t len)
{
	struct fw_region *reg = &regions[r - rows];

	if (fw_region_setup_name(reg, kind, len)) {
		snprintf(r->note, sizeof(r->note), "%s: %s", kind, reg->why);
		return NULL;
	}
	r->addr = reg->addr;
	return r->addr;
}

/* "THP (PMD)", "THP (PTE-mapped)" or "small pages (no THP)" */
static void describe_thp(char *addr, char *buf, size_t len)
{
	int64_t flags = fw_page_flags(addr);
	long kb = fw_smaps_kb(addr, "AnonHugePages");
	int thp = flags > 0 ? !!(flags & (1LL << KPF_THP)) : kb > 0;

	if (thp && kb >= (long)(pmd_sz >> 10))
		snprintf(buf, len, "THP (PMD)");
	else if (thp)
		snprintf(buf, len, "THP (PTE-mapped)");
	else
		snprintf(buf, len, "small pages (no THP)");
}

static void setup_anon_4k(void)
{
	setup_kind(add_row("anon 4K", "small page (PTE)", 0, 1), "anon4k", page_sz);
}

static void setup_anon_thp(void)
{
	struct row *r = add_row("anon THP", "", 0, 1);
	long kb;

	if (!setup_kind(r, "thp_advised", pmd_sz))
		return;
	describe_thp(r->addr, r->what, sizeof(r->what));
	kb = fw_smaps_kb(r->addr, "AnonHugePages");
	printf("anon THP: MADV_HUGEPAGE on a %zu kB aligned region: AnonHugePages %ld kB, kpageflags %s\n",
	       pmd_sz >> 10, kb, fw_page_flags(r->addr) > 0 &&
	       fw_page_flags(r->addr) & (1LL << KPF_THP) ? "THP" : "not THP");
}

static void setup_hugetlb_2m(void)
{
	/* A kernel without hugetlb (s390x under QEMU TCG: no EDAT-1): say so. */
	if (!fw_env.hugetlb) {
		printf("hugetlb: not in this kernel (no /sys/kernel/mm/hugepages): no hugetlb row\n");
		return;
	}
	setup_kind(add_row("hugetlb 2M", "hugetlb page (PMD)", 0, 1), "hugetlb_2M", 0);
}

/* two identical pages, merged by ksmd (the table's ksm kind) */
static void setup_ksm(void)
{
	struct row *r = add_row("KSM page", "KSM page (2 merged)", ANY_NODE, 0);
	long scans0 = fw_read_long(KSM_SYSFS "full_scans");
	int64_t flags;

	if (!setup_kind(r, "ksm", 2 * page_sz))
		return;
	flags = fw_page_flags(r->addr);
	printf("KSM: two identical pages, MADV_MERGEABLE, ksmd ran %ld full scans: kpageflags %s, pages_sharing %ld\n",
	       fw_read_long(KSM_SYSFS "full_scans") - scans0,
	       flags > 0 && flags & (1LL << KPF_KSM) ? "KSM" : "not KSM",
	       fw_read_long(KSM_SYSFS "pages_sharing"));
}

static void setup_zero_page(void)
{
	setup_kind(add_row("zero page", "shared zero page", -EFAULT, 0), "zero", page_sz);
}

static void setup_untouched_and_unmapped(void)
{
	setup_kind(add_row("untouched", "mapped, never touched", -ENOENT, 0), "untouched",
		   page_sz);
	setup_kind(add_row("unmapped", "no VMA", -EFAULT, 0), "hole", page_sz);
}

/* the status of one address, with move_pages()'s own failure as -errno */
static int move_to(struct row *r, int node)
{
	int status;
	long ret = fw_move_one(r->addr, node, MPOL_MF_MOVE, &status);

	checks++;
	if (ret || status != node) {
		failures++;
		printf("move_pages: %s to node %d returned %ld, status %d\n",
		       r->name, node, ret, status);
	}
	return fw_status_of(r->addr);
}

static int status_ok(const struct row *r, int s)
{
	if (r->expect == ANY_NODE)
		return s >= 0;
	return s == r->expect;
}

static void run_row(struct row *r)
{
	if (r->note[0]) {	/* could not be set up: the demo is incomplete */
		not_set_up++;
		return;
	}
	r->status[0] = fw_status_of(r->addr);
	checks++;
	if (!status_ok(r, r->status[0]))
		failures++;
	if (!r->movable || other < 0)
		return;
	r->status[1] = move_to(r, other);
	r->status[2] = move_to(r, home);
	checks += 2;
	failures += (r->status[1] != other) + (r->status[2] != home);
}

static const char *cell(int s)
{
	static char bufs[6][24];
	static int i;

	i = (i + 1) % 6;
	if (s == NO_STATUS)
		return "-";
	if (s >= 0)
		snprintf(bufs[i], sizeof(bufs[i]), "node %d", s);
	else
		snprintf(bufs[i], sizeof(bufs[i]), "-%s", fw_errno_name(-s));
	return bufs[i];
}

static const char *expected_text(const struct row *r)
{
	static char buf[48];

	if (r->expect == ANY_NODE)
		return "a node";
	if (r->expect >= 0)
		snprintf(buf, sizeof(buf), "node %d", r->expect);
	else
		snprintf(buf, sizeof(buf), "-%s", fw_errno_name(-r->expect));
	return buf;
}

static void print_table(void)
{
	char h1[24], h2[24];
	int i;

	snprintf(h1, sizeof(h1), "after ->node%d", other >= 0 ? other : 1);
	snprintf(h2, sizeof(h2), "after ->node%d", home);
	printf("\nmove_pages(): status query, then node %d -> %d -> %d for the movable pages\n\n",
	       home, other >= 0 ? other : 1, home);
	printf("%-11s %-24s %-10s %-14s %s\n", "mapping", "what it is",
	       "status", h1, h2);
	for (i = 0; i < nr_rows; i++) {
		struct row *r = &rows[i];

		if (r->note[0]) {
			printf("%-11s %-24s not set up: %s\n", r->name, r->what,
			       r->note);
			continue;
		}
		printf("%-11s %-24s %-10s %-14s %s", r->name, r->what,
		       cell(r->status[0]), cell(r->status[1]), cell(r->status[2]));
		if (!status_ok(r, r->status[0]))
			printf("   <- move_pages(2): %s", expected_text(r));
		printf("\n");
	}
	if (other < 0)
		printf("move_pages: one node with memory only, nothing to migrate to\n");
}

int main(void)
{
	int nodes[FW_MAX_NODES], nr_nodes, i;
	struct fw_ksm_saved ksm;
	char what[40];

	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * KTAP: one result, "move_pages", after the table. Without
	 * move_pages() there is nothing to show: a SKIP with its reason code
	 * (guest/run-list reports "demo/move_pages # SKIP absent:NUMA ...")
	 * and kselftest's skip code.
	 */
	fw_ktap_header();
	fw_ktap_plan(1);
	if (!fw_have_move_pages()) {
		printf("move_pages: %s: nothing to show\n", FW_NO_MOVE_PAGES);
		fw_ktap_skip("move_pages", "%s", FW_SKIP_NO_MOVE_PAGES);
		fw_ktap_finish();
		return 4;	/* KSFT_SKIP */
	}
	fw_kinds_init();
	page_sz = fw_env.page_sz;
	pmd_sz = fw_env.pmd_sz;
	nr_nodes = fw_memory_nodes(nodes, FW_MAX_NODES);
	home = nodes[0];
	other = nr_nodes > 1 ? nodes[1] : -1;
	fw_pin_to_node(home);
	fw_ksm_save(&ksm);

	setup_anon_4k();
	setup_anon_thp();
	setup_hugetlb_2m();
	setup_ksm();
	setup_zero_page();
	setup_untouched_and_unmapped();
	for (i = 0; i < nr_rows; i++) {
		if (rows[i].expect == 0)	/* present pages: the local node */
			rows[i].expect = home;
		run_row(&rows[i]);
	}
	fw_ksm_restore(&ksm);

	print_table();
	if (rows[1].addr && other >= 0) {
		describe_thp(rows[1].addr, what, sizeof(what));
		printf("anon THP: after the round trip: %s\n", what);
	}
	if (failures || not_set_up)
		printf("\nFAIL: %d of %d results are not what move_pages(2) documents, %d mapping(s) not set up\n",
		       failures, checks, not_set_up);
	else
		printf("\nPASS: all %d results are what move_pages(2) documents\n",
		       checks);
	fw_ktap_result(!failures && !not_set_up, "move_pages");
	return fw_ktap_finish();
}
