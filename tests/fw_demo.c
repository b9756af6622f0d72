// SPDX-License-Identifier: GPL-2.0
/*
 * fw_demo: folio_walk's users at work, for `make run`.
 *
 * Sets up one of each kind of memory and prints, as a table, what the
 * move_pages() status query reports for it (do_pages_stat_array(), which
 * the series converts to folio_walk); then moves the anonymous 4K page,
 * the THP and the hugetlb page to the other node and back
 * (add_page_for_migration(), converted too) and prints the status after
 * each step. Exits 0 when every result is what move_pages(2) documents:
 * a node for a present page, -ENOENT for a page that is not present,
 * -EFAULT for the zero page and for an address that is not mapped.
 *
 * Lines the lab shows start with the first word of a row, "mapping",
 * "move_pages", "PASS" or "FAIL" (lab/demo.sh).
 */
#define _GNU_SOURCE
#include "fw_util.h"

#define KSM_TIMEOUT_MS	30000
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

static char *map_fresh(size_t len, size_t align, int flags)
{
	struct fw_span span;	/* kept until exit */
	void *p = fw_map(len, align, page_sz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, &span);

	return p == MAP_FAILED ? NULL : p;
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
	struct row *r = add_row("anon 4K", "small page (PTE)", 0, 1);

	r->addr = map_fresh(page_sz, page_sz, 0);
	if (!r->addr) {
		snprintf(r->note, sizeof(r->note), "mmap failed");
		return;
	}
	madvise(r->addr, page_sz, MADV_NOHUGEPAGE);
	memset(r->addr, 0x4b, page_sz);
}

static void setup_anon_thp(void)
{
	struct row *r = add_row("anon THP", "", 0, 1);
	long kb;

	r->addr = map_fresh(pmd_sz, pmd_sz, 0);
	if (!r->addr) {
		snprintf(r->note, sizeof(r->note), "mmap failed");
		return;
	}
	madvise(r->addr, pmd_sz, MADV_HUGEPAGE);
	memset(r->addr, 0x54, pmd_sz);
	describe_thp(r->addr, r->what, sizeof(r->what));
	kb = fw_smaps_kb(r->addr, "AnonHugePages");
	printf("anon THP: MADV_HUGEPAGE on a %zu kB aligned region: AnonHugePages %ld kB, kpageflags %s\n",
	       pmd_sz >> 10, kb, fw_page_flags(r->addr) > 0 &&
	       fw_page_flags(r->addr) & (1LL << KPF_THP) ? "THP" : "not THP");
}

static void setup_hugetlb_2m(void)
{
	struct row *r;

	/* A kernel without hugetlb (s390x under QEMU TCG: no EDAT-1): say so. */
	if (access("/sys/kernel/mm/hugepages", F_OK)) {
		printf("hugetlb: not in this kernel (no /sys/kernel/mm/hugepages): no hugetlb row\n");
		return;
	}
	r = add_row("hugetlb 2M", "hugetlb page (PMD)", 0, 1);
	r->addr = map_fresh(2UL << 20, 2UL << 20,
			    MAP_HUGETLB | (21 << MAP_HUGE_SHIFT));
	if (!r->addr) {
		snprintf(r->note, sizeof(r->note), "no 2M hugetlb page (%s)",
			 fw_errno_name(errno));
		return;
	}
	memset(r->addr, 0x48, 2UL << 20);
}

/* run ksmd until pages_sharing grows or enough full scans went by */
static int ksm_wait_merge(long sharing0, long *scans)
{
	long scans0 = fw_read_long(KSM_SYSFS "full_scans"), waited;

	for (waited = 0; waited < KSM_TIMEOUT_MS; waited += 10) {
		*scans = fw_read_long(KSM_SYSFS "full_scans") - scans0;
		if (fw_read_long(KSM_SYSFS "pages_sharing") > sharing0 ||
		    *scans >= 4)
			return 0;
		fw_sleep_ms(10);
	}
	return -1;
}

static void setup_ksm(void)
{
	struct row *r = add_row("KSM page", "KSM page (2 merged)", ANY_NODE, 0);
	long sharing0 = fw_read_long(KSM_SYSFS "pages_sharing"), scans = 0;
	int64_t flags;

	r->addr = map_fresh(2 * page_sz, page_sz, 0);
	if (!r->addr || !fw_ksm_available()) {
		snprintf(r->note, sizeof(r->note), "%s",
			 r->addr ? "no KSM in this kernel" : "mmap failed");
		return;
	}
	madvise(r->addr, 2 * page_sz, MADV_NOHUGEPAGE);
	memset(r->addr, 0x42, 2 * page_sz);
	madvise(r->addr, 2 * page_sz, MADV_MERGEABLE);
	fw_ksm_start();
	if (ksm_wait_merge(sharing0, &scans))
		snprintf(r->note, sizeof(r->note), "ksmd did not scan in %d s",
			 KSM_TIMEOUT_MS / 1000);
	fw_ksm_stop();
	flags = fw_page_flags(r->addr);
	if (!r->note[0] && flags >= 0 && !(flags & (1LL << KPF_KSM)))
		snprintf(r->note, sizeof(r->note), "not merged after %ld scans",
			 scans);
	printf("KSM: two identical pages, MADV_MERGEABLE, ksmd ran %ld full scans: kpageflags %s, pages_sharing %ld\n",
	       scans, flags > 0 && flags & (1LL << KPF_KSM) ? "KSM" : "not KSM",
	       fw_read_long(KSM_SYSFS "pages_sharing"));
}

static void setup_zero_page(void)
{
	struct row *r = add_row("zero page", "shared zero page", -EFAULT, 0);

	r->addr = map_fresh(page_sz, page_sz, 0);
	if (!r->addr) {
		snprintf(r->note, sizeof(r->note), "mmap failed");
		return;
	}
	madvise(r->addr, page_sz, MADV_NOHUGEPAGE);
	(void)*(volatile char *)r->addr;
}

static void setup_untouched_and_unmapped(void)
{
	struct row *untouched = add_row("untouched", "mapped, never touched",
					-ENOENT, 0);
	struct row *unmapped = add_row("unmapped", "no VMA", -EFAULT, 0);
	char *p = map_fresh(2 * page_sz, page_sz, 0);

	if (!p) {
		snprintf(untouched->note, sizeof(untouched->note), "mmap failed");
		snprintf(unmapped->note, sizeof(unmapped->note), "mmap failed");
		return;
	}
	munmap(p + page_sz, page_sz);
	untouched->addr = p;
	unmapped->addr = p + page_sz;
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
	page_sz = fw_page_size();
	pmd_sz = fw_pmd_size();
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
	return failures || not_set_up ? 1 : 0;
}
