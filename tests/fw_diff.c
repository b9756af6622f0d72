// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: the differential corpus. The same binary runs on the base and
 * on the patched kernel; the lab diffs the "fwdiff: " lines of the two
 * runs, so they are deterministic: kinds, positions, statuses, errno
 * names and counts, never addresses, pids, pfns or times.
 *
 * For every kind of mapping (anonymous 4K, THP mapped by a PMD and by
 * PTEs, hugetlb of every size with a pool, the shared and the huge zero
 * page, a KSM page, memfd and tmpfs private and shared, a COW page in a
 * forked child, PROT_NONE, NUMA-hinting entries the scanner made, an
 * unmapped hole, [vdso] and [vvar]) it runs
 * the follow_page()/folio_walk users from user space:
 *   move_pages.status   move_pages() status query (do_pages_stat_array)
 *   move_pages.move     move_pages() of one page to the other node and back
 *   move_pages.batch    mixed batches, bad entries and bad nodes
 *   move_pages.args     argument errors
 *   ksm                 MADV_MERGEABLE/MADV_UNMERGEABLE with ksmd run to
 *                       completion (get_mergeable_page(), break_ksm())
 *   split_huge_pages    debugfs split_huge_pages "<pid>,<start>,<end>"
 *   migrate_pages       the whole process to the other node and back
 *
 * It is a test too: "ok N name" / "not ok N name" lines check what must
 * hold on any correct kernel (statuses are nodes or errnos, data survives,
 * populated memory has a node, ...); the exit status is non-zero only when
 * one of those fails. A setup that is not possible here is reported as
 * "setup=unavailable reason=...", never skipped silently.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sys/wait.h>
#include "fw.h"

enum { W_FIRST, W_MIDDLE, W_LAST, W_PAST, NR_WHERE };
static const char *const where_name[NR_WHERE] = {
	"first", "middle", "last", "past"
};

static size_t page_sz, pmd_sz;
static int nodes[FW_MAX_NODES], nr_nodes, home, other = -1;
static int have_split, have_pageflags;
static int have_move_pages = 1;	/* 0: ENOSYS (no CONFIG_NUMA) */
static char split_why[48];
static struct fw_ksm_saved ksm_saved;
static char thp_saved[32], zero_saved[16];

/* the kinds of the table fw_diff uses (FW_USE_DIFF), in its order */
static const struct fw_kind *kinds[FW_MAX_KINDS];
static int nr_kinds;

/* ---- KTAP-ish sanity checks ---- */

static int check_nr, checks_failed, checks_skipped, check_failed;
static char check_name[96];

static void check_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(check_name, sizeof(check_name), fmt, ap);
	va_end(ap);
	check_failed = 0;
}

static void expect(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return;
	check_failed++;
	printf("# FAIL %s: ", check_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void check_end(void)
{
	check_nr++;
	if (check_failed)
		checks_failed++;
	printf("%sok %d %s\n", check_failed ? "not " : "", check_nr,
	       check_name);
}

/* a check that cannot run in this kernel: "ok N name # SKIP why" */
static void check_skip(const char *name, const char *why)
{
	check_nr++;
	checks_skipped++;
	printf("ok %d %s # SKIP %s\n", check_nr, name, why);
}

/* ---- formatting ---- */

static const char *st(int s)
{
	static char bufs[8][24];
	static int i;

	i = (i + 1) % 8;
	return fw_status_str(s, bufs[i], sizeof(bufs[i]));
}

/* a syscall result: the value, or "-1 errno=NAME" for -errno */
static const char *rv(long ret)
{
	static char bufs[4][40];
	static int i;

	i = (i + 1) % 4;
	if (ret >= 0)
		snprintf(bufs[i], sizeof(bufs[i]), "%ld", ret);
	else
		snprintf(bufs[i], sizeof(bufs[i]), "-1 errno=%s",
			 fw_errno_name((int)-ret));
	return bufs[i];
}

static int valid_status(int s)
{
	int i;

	if (s < 0)
		return s >= -4095;
	for (i = 0; i < nr_nodes; i++)
		if (nodes[i] == s)
			return 1;
	return 0;
}

static int is_memory_node(int node)
{
	return node >= 0 && valid_status(node);
}

static void expect_data(struct fw_region *r, const char *state, const char *when)
{
	expect(strcmp(state, "corrupt"), "%s: data of %s corrupt", when,
	       r->kind->name);
}

static const char *num(long v)
{
	static char bufs[8][24];
	static int i;

	i = (i + 1) % 8;
	if (v < 0)
		return "unknown";
	snprintf(bufs[i], sizeof(bufs[i]), "%ld", v);
	return bufs[i];
}

/* one line that tells what the kind really is before an operation */
static void print_setup(const char *op, const struct fw_region *r)
{
	struct fw_pstat ps;

	if (r->why[0]) {
		printf("fwdiff: %s kind=%s setup=unavailable reason=%s\n", op,
		       r->kind->name, r->why);
		return;
	}
	fw_region_pstat(r, &ps);
	printf("fwdiff: %s kind=%s setup=ok pages=%ld present=%s", op,
	       r->kind->name, ps.pages, num(ps.present));
	if (ps.flags_ok)
		printf(" anon=%ld thp=%ld hugetlb=%ld ksm=%ld zero=%ld",
		       ps.anon, ps.thp, ps.huge, ps.ksm, ps.zero);
	else
		printf(" pageflags=unavailable");
	printf(" anonhuge_kb=%s%s%s\n", num(fw_region_anonhuge_kb(r)),
	       r->note[0] ? " " : "", r->note);
}

/* ---- running an operation on one kind ---- */

static char *where_addr(const struct fw_region *r, int w)
{
	switch (w) {
	case W_FIRST:
		return r->addr;
	case W_MIDDLE:
		return r->addr + r->len / 2;
	case W_LAST:
		return r->addr + r->len - 1;
	default:
		return r->addr + r->len;
	}
}

typedef void (*op_fn)(struct fw_region *r);

/* the body runs in a forked child, which shares the pages copy-on-write */
static void run_in_child(struct fw_region *r, const char *op, op_fn fn)
{
	int wstatus;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		expect(0, "fork: %s", fw_errno_name(errno));
		return;
	}
	if (!pid) {
		print_setup(op, r);
		fn(r);
		fflush(stdout);
		_exit(check_failed ? 1 : 0);
	}
	if (waitpid(pid, &wstatus, 0) != pid || !WIFEXITED(wstatus)) {
		printf("fwdiff: %s kind=%s child=killed\n", op, r->kind->name);
		expect(0, "the child died (signal %d)",
		       WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
	} else if (WEXITSTATUS(wstatus)) {
		check_failed++;
	}
}

/* set the kind up, run fn on it (in a child for FW_K_CHILD), tear it down */
static void run_op(const char *op, const struct fw_kind *k, op_fn fn)
{
	struct fw_region r;

	fw_region_setup(&r, k, 0);
	if (r.why[0]) {
		print_setup(op, &r);
		return;
	}
	check_begin("%s %s", op, k->name);
	if (k->flags & FW_K_CHILD) {
		run_in_child(&r, op, fn);
	} else {
		print_setup(op, &r);
		fn(&r);
	}
	check_end();
	fw_region_release(&r);
}

static void run_op_all(const char *op, op_fn fn)
{
	int i;

	for (i = 0; i < nr_kinds; i++)
		run_op(op, kinds[i], fn);
}

/* an operation that cannot run at all here: one line per kind */
static void op_unavailable(const char *op, const char *why)
{
	int i;

	for (i = 0; i < nr_kinds; i++)
		printf("fwdiff: %s kind=%s setup=unavailable reason=%s\n", op,
		       kinds[i]->name, why);
}

/* ---- move_pages() status ---- */

/*
 * Boundary kinds: the move_pages() status of n addresses of r (in address
 * order, in one call) against pagemap: a node where a page is present, an
 * errno where none is (-ENOENT; base: -EFAULT, as its FOLL_DUMP gave for
 * unpopulated anonymous memory). The line counts only that, so it is the
 * same on any correct kernel; a status walk that skips the written pages
 * or reads past a page table shows in mismatches.
 */
static void status_vs_pagemap(struct fw_region *r, const char *query, void **pages, size_t n)
{
	size_t np = r->len / page_sz, i, pg;
	int *status = malloc(n * sizeof(*status));
	uint64_t *pm = calloc(np, sizeof(*pm));
	long present = 0, node = 0, absent = 0, err = 0, bad = 0, ret;
	int s;

	if (!status || !pm || fw_pagemap(r->addr, np, pm)) {
		printf("fwdiff: move_pages.status kind=%s query=%s setup=unavailable reason=pagemap\n",
		       r->kind->name, query);
		expect(0, "%s: no pagemap", query);
		goto out;
	}
	for (i = 0; i < n; i++)
		status[i] = FW_UNSET;
	ret = fw_move_pages(0, n, pages, NULL, status, 0);
	ret = ret < 0 ? -errno : ret;
	for (i = 0; i < n; i++) {
		pg = (size_t)((char *)pages[i] - r->addr) / page_sz;
		s = status[i];
		if (pm[pg] & PM_PRESENT) {
			present++;
			if (s >= 0 && valid_status(s)) {
				node++;
				continue;
			}
		} else {
			absent++;
			if (s == -ENOENT || s == -EFAULT) {
				err++;
				continue;
			}
		}
		if (++bad <= 4)
			expect(0, "%s: page B%+ld %s, status %s", query,
			       (long)pg - (long)(r->len / 2 / page_sz),
			       pm[pg] & PM_PRESENT ? "present" : "not present", st(s));
	}
	printf("fwdiff: move_pages.status kind=%s query=%s n=%zu ret=%s present=%ld with_node=%ld absent=%ld with_errno=%ld mismatches=%ld\n",
	       r->kind->name, query, n, rv(ret), present, node, absent, err, bad);
	expect(ret == 0, "%s: %s", query, rv(ret));
	expect(!bad, "%s: %ld statuses do not match pagemap", query, bad);
out:
	free(status);
	free(pm);
}

/*
 * every_page: each page of the VMA; across_boundary: its first page, the
 * page before the written ones, those, the page after them and its last
 * page (so the written pages are reached from the empty block's side)
 */
static void status_boundary(struct fw_region *r)
{
	size_t n = r->len / page_sz, from, to, i, k = 0;
	void **pages = calloc(n, sizeof(*pages));

	if (!pages) {
		expect(0, "malloc");
		return;
	}
	for (i = 0; i < n; i++)
		pages[i] = r->addr + i * page_sz;
	status_vs_pagemap(r, "every_page", pages, n);
	fw_data_pages(r, &from, &to);
	pages[k++] = r->addr;
	for (i = from - 1; i <= to; i++)
		pages[k++] = r->addr + i * page_sz;
	pages[k++] = r->addr + r->len - page_sz;
	status_vs_pagemap(r, "across_boundary", pages, k);
	free(pages);
}

static void op_status(struct fw_region *r)
{
	unsigned int fl = r->kind->flags;
	void *pages[NR_WHERE];
	int status[NR_WHERE], w;
	long ret;

	for (w = 0; w < NR_WHERE; w++) {
		pages[w] = where_addr(r, w);
		status[w] = FW_UNSET;
	}
	ret = fw_move_pages(0, NR_WHERE, pages, NULL, status, 0);
	ret = ret < 0 ? -errno : ret;
	printf("fwdiff: move_pages.status kind=%s ret=%s\n", r->kind->name, rv(ret));
	expect(ret == 0, "status query failed: %s", rv(ret));
	for (w = 0; w < NR_WHERE; w++) {
		printf("fwdiff: move_pages.status kind=%s where=%s status=%s\n",
		       r->kind->name, where_name[w], st(status[w]));
		expect(valid_status(status[w]), "%s: status %d is neither a node nor an errno",
		       where_name[w], status[w]);
		if (w != W_PAST && (fl & FW_K_POPULATED))
			expect(status[w] >= 0, "%s: populated page reports %s",
			       where_name[w], st(status[w]));
		if (fl & FW_K_HOLE || (w == W_PAST && r->guarded))
			expect(status[w] == -EFAULT, "%s: unmapped address reports %s",
			       where_name[w], st(status[w]));
	}
	if (fl & FW_K_BOUNDARY)
		status_boundary(r);
}

/* ---- move_pages() of one page ---- */

static const char *flags_name(int flags)
{
	return flags & MPOL_MF_MOVE_ALL ? "move_all" : "move";
}

static void move_and_report(struct fw_region *r, int w, int node, int flags)
{
	char *addr = where_addr(r, w);
	int status, now[3], i;
	long ret;

	ret = fw_move_one(addr, node, flags, &status);
	for (i = 0; i < 3; i++)
		now[i] = fw_status_of(where_addr(r, i));
	printf("fwdiff: move_pages.move kind=%s where=%s flags=%s to=%d ret=%s status=%s now.first=%s now.middle=%s now.last=%s",
	       r->kind->name, where_name[w], flags_name(flags), node, rv(ret),
	       st(status), st(now[0]), st(now[1]), st(now[2]));
	if (r->kind->flags & FW_K_THP)
		printf(" thp=%s", num(fw_region_thp(r)));
	printf("\n");
	expect(ret == 0 || ret == 1 || (ret < 0 && ret >= -4095),
	       "%s to %d: bad return %ld", where_name[w], node, ret);
	expect(ret != 0 || status != FW_UNSET, "%s to %d: returned 0, status unset",
	       where_name[w], node);
	expect(status == FW_UNSET || status == node || (status < 0 && valid_status(status)),
	       "%s to %d: status %s", where_name[w], node, st(status));
	if (ret == 0 && status == node && (r->kind->flags & FW_K_POPULATED))
		expect(fw_gmp_node(addr) == node,
		       "%s to %d: status says moved, get_mempolicy says node %d",
		       where_name[w], node, fw_gmp_node(addr));
}

static void move_rounds(struct fw_region *r, int flags)
{
	int w;

	for (w = W_FIRST; w <= W_LAST; w++) {
		if (other >= 0)
			move_and_report(r, w, other, flags);
		move_and_report(r, w, home, flags);
	}
}

static void op_move(struct fw_region *r)
{
	const char *data;

	if (other < 0)
		printf("fwdiff: move_pages.move kind=%s to=other setup=unavailable reason=single_node\n",
		       r->kind->name);
	move_rounds(r, MPOL_MF_MOVE);
	if (r->kind->uses & FW_USE_MOVE_ALL)
		move_rounds(r, MPOL_MF_MOVE | MPOL_MF_MOVE_ALL);
	data = fw_region_data(r);
	printf("fwdiff: move_pages.move kind=%s data=%s\n", r->kind->name, data);
	expect_data(r, data, "after moving");
}

/* ---- move_pages() argument errors ---- */

static pid_t gone_pid(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!pid)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

static long args_case(const char *name, int pid, unsigned long n, void **pages,
		      const int *node, int *status, int flags)
{
	long ret = fw_move_pages(pid, n, pages, node, status, flags);

	ret = ret < 0 ? -errno : ret;
	printf("fwdiff: move_pages.args case=%s ret=%s", name, rv(ret));
	if (status && n)
		printf(" status=%s", st(*status));
	printf("\n");
	return ret;
}

static void args_bad_nodes(void **pages, int *status)
{
	static const struct { const char *name; int node; } bad[] = {
		{ "node_minus1", -1 }, { "node_7", 7 }, { "node_1024", 1024 },
		{ "node_int_max", INT_MAX },
	};
	size_t i;
	long ret;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		*status = FW_UNSET;
		ret = args_case(bad[i].name, 0, 1, pages, &bad[i].node, status,
				MPOL_MF_MOVE);
		if (!is_memory_node(bad[i].node))
			expect(ret == -ENODEV, "%s: %s, not ENODEV", bad[i].name,
			       rv(ret));
	}
}

static void op_args(void)
{
	struct fw_region r;
	const struct fw_kind *k = fw_kind_find("anon4k");
	int status = FW_UNSET;
	void *pages[1];
	long ret;

	fw_region_setup(&r, k, 0);
	check_begin("move_pages.args");
	if (r.why[0]) {
		printf("fwdiff: move_pages.args setup=unavailable reason=%s\n", r.why);
		expect(0, "no anonymous page: %s", r.why);
		check_end();
		return;
	}
	pages[0] = r.addr;
	ret = args_case("flags_invalid", 0, 1, pages, &home, &status, 1 << 5);
	expect(ret == -EINVAL, "invalid flags: %s", rv(ret));
	ret = args_case("pid_gone", gone_pid(), 1, pages, NULL, &status, 0);
	expect(ret == -ESRCH, "no such pid: %s", rv(ret));
	ret = args_case("nr_zero", 0, 0, pages, NULL, &status, 0);
	expect(ret == 0, "nr_pages 0: %s", rv(ret));
	ret = args_case("pages_null", 0, 1, NULL, NULL, &status, 0);
	expect(ret == -EFAULT, "pages NULL: %s", rv(ret));
	ret = args_case("status_null", 0, 1, pages, NULL, NULL, 0);
	expect(ret == -EFAULT, "status NULL: %s", rv(ret));
	args_bad_nodes(pages, &status);
	status = FW_UNSET;
	ret = args_case("node_home", 0, 1, pages, &home, &status, MPOL_MF_MOVE);
	expect(ret == 0 && status == home, "to its own node: %s", rv(ret));
	status = FW_UNSET;
	ret = args_case("move_all_home", 0, 1, pages, &home, &status,
			MPOL_MF_MOVE | MPOL_MF_MOVE_ALL);
	expect(ret == 0 || ret == -EPERM, "MOVE_ALL: %s", rv(ret));
	check_end();
	fw_region_release(&r);
}

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

static void op_batch(void)
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

/* ---- KSM ---- */

/*
 * Boundary kinds: how many of the written pages are on a frame of their
 * own: present, at a pfn that none of the others has, and not a KSM page
 * (kpageflags); -1 when pagemap cannot be read
 */
static long own_frames(const struct fw_region *r)
{
	size_t n = r->data_len / page_sz, i, j;
	uint64_t pm[FW_BOUNDARY_PAGES], pfn, flags;
	long count = 0;
	int kfd, own;

	if (n > FW_BOUNDARY_PAGES || fw_pagemap(r->addr + r->data_off, n, pm))
		return -1;
	kfd = open("/proc/kpageflags", O_RDONLY);
	for (i = 0; i < n; i++) {
		pfn = pm[i] & PM_PFN_MASK;
		own = (pm[i] & PM_PRESENT) && pfn;
		for (j = 0; own && j < n; j++)
			own = j == i || !(pm[j] & PM_PRESENT) || (pm[j] & PM_PFN_MASK) != pfn;
		if (own && kfd >= 0 && !fw_kpageflags(kfd, pfn, 1, &flags))
			own = !(flags & (1ULL << KPF_KSM));
		count += own;
	}
	if (kfd >= 0)
		close(kfd);
	return count;
}

/* scans: "done", "timeout" (ksmd did not settle) or "none" (not run) */
static void ksm_report(struct fw_region *r, const char *step, int ret,
		       const char *scans, const struct fw_ksm_counts *base)
{
	int unmerge = !strncmp(step, "unmerge", 7);
	struct fw_ksm_counts now;
	struct fw_pstat ps;
	const char *data;
	long own = -1;

	fw_ksm_read(&now);
	fw_region_pstat(r, &ps);
	if (r->kind->flags & FW_K_BOUNDARY)
		own = own_frames(r);
	data = fw_region_data(r);
	printf("fwdiff: ksm kind=%s step=%s ret=%s scans=%s pages_shared=%+ld pages_sharing=%+ld ksm_pages=%s",
	       r->kind->name, step, rv(ret), scans,
	       now.shared - base->shared, now.sharing - base->sharing,
	       ps.flags_ok ? num(ps.ksm) : "unknown");
	if (r->kind->flags & FW_K_BOUNDARY)
		printf(" own_frames=%s", num(own));
	printf(" data=%s\n", data);
	expect(strcmp(scans, "timeout"), "%s: ksmd did not finish", step);
	expect_data(r, data, step);
	/* every written page on its own frame again, whatever the walk skipped */
	if ((r->kind->flags & FW_K_BOUNDARY) && unmerge && have_pageflags)
		expect(own == FW_BOUNDARY_PAGES,
		       "%s: %ld of the %d written pages are on a frame of their own (the rest stayed merged)",
		       step, own, FW_BOUNDARY_PAGES);
	if (!(r->kind->flags & FW_K_MERGES))
		return;
	if (!ps.flags_ok)
		return;
	if (!unmerge)
		expect(ps.ksm > 0, "%s: no KSM page", step);
	else
		expect(ps.ksm == 0, "%s: %ld KSM pages left", step, ps.ksm);
}

static int madvise_ret(struct fw_region *r, int advice)
{
	return madvise(r->addr, r->len, advice) ? -errno : 0;
}

static const char *settled(int settle)
{
	return settle ? "timeout" : "done";
}

/*
 * Boundary kinds, after their MADV_UNMERGEABLE: merged again, then
 * unmerged by "echo 2 > /sys/kernel/mm/ksm/run" (which unmerges every
 * mergeable VMA of every process registered with KSM, each from its start
 * to its end, as MADV_UNMERGEABLE does its range). run is put back as it
 * was (0: fw_ksm_settle() stopped ksmd), never left at 2.
 */
static void ksm_unmerge_all(struct fw_region *r, const struct fw_ksm_counts *base)
{
	long run;
	int ret;

	ret = madvise_ret(r, MADV_MERGEABLE);
	ksm_report(r, "remerge", ret, settled(fw_ksm_settle()), base);
	run = fw_read_long(KSM_SYSFS "run");
	ret = fw_write_str(KSM_SYSFS "run", "2");
	ksm_report(r, "unmerge_all", ret, "none", base);
	fw_write_long(KSM_SYSFS "run", run == 1 ? 1 : 0);
}

/*
 * Merge with the region accessible, then put its protection back (PROT_NONE
 * kinds: break_ksm() on PROT_NONE entries) and unmerge.
 */
static void op_ksm(struct fw_region *r)
{
	struct fw_ksm_counts base;
	int ret, settle;

	/* let ksmd drop what released regions left behind: a clean baseline */
	fw_ksm_settle();
	fw_ksm_read(&base);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_READ | PROT_WRITE);
	ret = madvise_ret(r, MADV_MERGEABLE);
	settle = fw_ksm_settle();
	ksm_report(r, "merge", ret, settled(settle), &base);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_NONE);
	ret = madvise_ret(r, MADV_UNMERGEABLE);
	settle = fw_ksm_settle();
	ksm_report(r, "unmerge", ret, settled(settle), &base);
	if (r->kind->flags & FW_K_BOUNDARY)
		ksm_unmerge_all(r, &base);
}

/* ksmd scans only while some mm is registered: keep one page mergeable */
static void op_ksm_all(void)
{
	char *anchor;

	if (!fw_env.ksm) {
		op_unavailable("ksm", "no_ksm");
		return;
	}
	anchor = mmap(NULL, page_sz, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anchor == MAP_FAILED) {
		op_unavailable("ksm", "mmap");
		return;
	}
	memset(anchor, 0xa5, page_sz);
	snprintf(anchor, page_sz, "fw_diff ksm anchor");
	madvise(anchor, page_sz, MADV_MERGEABLE);
	run_op_all("ksm", op_ksm);
	munmap(anchor, page_sz);
}

/* ---- split_huge_pages ---- */

static int split_write_str(const char *s)
{
	return fw_write_str(SPLIT_DEBUGFS, s);
}

static int split_range(int pid, const char *start, const char *end)
{
	char buf[96];

	snprintf(buf, sizeof(buf), "%d,0x%lx,0x%lx", pid, (unsigned long)start,
		 (unsigned long)end);
	return split_write_str(buf);
}

/* an empty range of our own: the interface works if that is accepted */
static int split_probe(void)
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

static void op_split(struct fw_region *r)
{
	long thp0 = fw_region_thp(r), kb0 = fw_region_anonhuge_kb(r), thp1, kb1;
	const char *data;
	int ret;

	ret = split_range(getpid(), r->addr, r->addr + r->len);
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
	ret = split_range(getpid(), r->addr + start_off, r->addr + end_off);
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
	ret = split_range(getpid(), a.addr, b.addr + b.len);
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

static void op_split_all(void)
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

static void op_migrate_pages(void)
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
		check_skip("migrate_pages", FW_NO_MIGRATE_PAGES);
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

/* ---- environment ---- */

static void set_knob(const char *path, char *saved, size_t len,
		     const char *want, int choice)
{
	int ret = choice ? fw_read_choice(path, saved, len) :
			   fw_read_str(path, saved, len);

	if (ret) {
		saved[0] = 0;
		return;
	}
	if (!strcmp(saved, want) || (choice && strcmp(saved, "never")))
		saved[0] = 0;	/* nothing to change or to restore */
	else if (fw_write_str(path, want))
		saved[0] = 0;
}

#define NUMA_BALANCING	FW_NUMA_BALANCING
static long numa_balancing_saved = -1;	/* > 0: we turned it off */

static void restore_env(void)
{
	if (numa_balancing_saved > 0)
		fw_write_long(NUMA_BALANCING, numa_balancing_saved);
	if (thp_saved[0])
		fw_write_str(THP_SYSFS "enabled", thp_saved);
	if (zero_saved[0])
		fw_write_str(THP_SYSFS "use_zero_page", zero_saved);
	if (fw_env.ksm)
		fw_ksm_restore(&ksm_saved);
}

static void print_hugetlb_pools(void)
{
	char path[128], sz[24];
	int i;

	for (i = 0; i < nr_kinds; i++) {
		if (!(kinds[i]->flags & FW_K_HUGETLB))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages",
			 kinds[i]->arg >> 10);
		fw_size_name(kinds[i]->arg, sz, sizeof(sz));
		printf("fwdiff: env hugetlb size=%s pool=%s\n", sz,
		       fw_read_long(path) > 0 ? "yes" : "no");
	}
}

static void init_env(void)
{
	char thp[32] = "none", buf[16];
	long nb;
	int i;

	nr_nodes = fw_memory_nodes(nodes, FW_MAX_NODES);
	home = nodes[0];
	other = nr_nodes > 1 ? nodes[1] : -1;
	fw_pin_to_node(home);
	set_knob(THP_SYSFS "enabled", thp_saved, sizeof(thp_saved), "madvise", 1);
	set_knob(THP_SYSFS "use_zero_page", zero_saved, sizeof(zero_saved), "1", 0);
	fw_read_choice(THP_SYSFS "enabled", thp, sizeof(thp));
	fw_kinds_init();
	page_sz = fw_env.page_sz;
	pmd_sz = fw_env.pmd_sz;
	for (i = 0; i < fw_nr_kinds; i++)
		if (fw_kinds[i].uses & FW_USE_DIFF)
			kinds[nr_kinds++] = &fw_kinds[i];
	if (fw_env.ksm)
		fw_ksm_save(&ksm_saved);
	have_split = split_probe();
	have_pageflags = access("/proc/kpageflags", R_OK) == 0;
	/*
	 * The NUMA scanner (kernel.numa_balancing, on by default on Debian's
	 * configs) turns present entries of any kind into NUMA-hinting ones
	 * at times of its own, and base's follow_page() refuses those: with
	 * it on, base's lines would depend on when it passed. The corpus runs
	 * with it off; the PROT_NONE kinds have such entries where they are
	 * set up. It is put back at the end.
	 */
	nb = fw_read_long(NUMA_BALANCING);
	if (nb > 0 && !fw_write_long(NUMA_BALANCING, 0))
		numa_balancing_saved = nb;

	printf("fwdiff: env nodes=%d home=%d other=%s page_size=%zu pmd_size=%zu\n",
	       nr_nodes, home, other >= 0 ? num(other) : "none", page_sz, pmd_sz);
	if (fw_read_str(THP_SYSFS "use_zero_page", buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "none");
	printf("fwdiff: env thp=%s use_zero_page=%s ksm=%s split_huge_pages=%s kpageflags=%s numa_balancing=%s%s\n",
	       thp, buf, fw_env.ksm ? "yes" : "no", have_split ? "yes" : "no",
	       have_pageflags ? "yes" : "no", nb < 0 ? "absent" : num(nb),
	       numa_balancing_saved > 0 ? ",off_while_running" : "");
	print_hugetlb_pools();
	/* only when absent: the env lines of NUMA kernels stay as they were */
	have_move_pages = fw_have_move_pages();
	if (!have_move_pages)
		printf("fwdiff: env move_pages=absent\n");
}

/*
 * status, move and split_huge_pages (and KSM's merge and unmerge when ksm)
 * on the n kinds of list instead of kinds[]
 */
static void run_hinting_ops(const struct fw_kind **list, int n, int ksm)
{
	const struct fw_kind *saved[FW_MAX_KINDS];
	int i, nr_saved = nr_kinds;

	for (i = 0; i < nr_kinds; i++)
		saved[i] = kinds[i];
	for (i = 0; i < n; i++)
		kinds[i] = list[i];
	nr_kinds = n;
	if (have_move_pages) {
		run_op_all("move_pages.status", op_status);
		run_op_all("move_pages.move", op_move);
	}
	if (ksm)
		op_ksm_all();
	if (have_split)
		run_op_all("split_huge_pages", op_split);
	for (i = 0; i < nr_saved; i++)
		kinds[i] = saved[i];
	nr_kinds = nr_saved;
}

/*
 * The NUMA scanner's own hinting entries, the kinds of FW_USE_DIFF_HINT
 * (numa_hint_anon4k, numa_hint_thp): each setup turns kernel.numa_balancing
 * on until the scanner has made the region's entries PROT_NONE in its
 * read-write VMA, and off again (fw_numa_hint()), so that they stay what
 * they are while the operation runs: the same on base and patched. Status,
 * move, KSM (ksmd merges while the entries are hinting ones: its unstable
 * tree lookup, get_mergeable_page(), is one of the converted paths) and
 * split_huge_pages; not the batches (the scanner's pass would change the
 * other kinds set up with them).
 */
static void op_numa_hint_all(void)
{
	const struct fw_kind *list[FW_MAX_KINDS];
	int i, n = 0;

	for (i = 0; i < fw_nr_kinds; i++)
		if (fw_kinds[i].uses & FW_USE_DIFF_HINT)
			list[n++] = &fw_kinds[i];
	printf("fwdiff: env numa_hint kinds=%d\n", n);
	run_hinting_ops(list, n, 1);
}

/*
 * The control of the PROT_NONE lines: the PROT_NONE kinds once more, with
 * kernel.numa_balancing 1 (Debian's default) instead of 0, as kinds of
 * their own ("protnone_numa_balancing_1", ...): status, move and
 * split_huge_pages. A PROT_NONE entry is pte_protnone()/pmd_protnone()
 * whenever the kernel has NUMA balancing, whatever the sysctl says, and the
 * scanner leaves PROT_NONE VMAs alone: these lines must be what the kinds'
 * lines are with 0, on base and on patched. Only these kinds run while the
 * scanner is on: it would make hinting entries of any other kind at times
 * of its own. Not KSM: its merge step makes the region read-write while
 * ksmd runs, and the scanner could then turn its entries into hinting ones.
 */
static void op_protnone_numa_balancing_on(void)
{
	static struct fw_kind on[FW_MAX_KINDS];
	const struct fw_kind *list[FW_MAX_KINDS];
	int i, n = 0, err;

	if (fw_read_long(NUMA_BALANCING) < 0) {
		printf("fwdiff: numa_balancing_1 setup=unavailable reason=no_numa_balancing\n");
		return;
	}
	for (i = 0; i < nr_kinds; i++) {
		if (strncmp(kinds[i]->name, "protnone", 8) ||
		    strlen(kinds[i]->name) + sizeof("_numa_balancing_1") > sizeof(on[n].name))
			continue;
		on[n] = *kinds[i];
		strcat(on[n].name, "_numa_balancing_1");
		list[n] = &on[n];
		n++;
	}
	err = fw_write_long(NUMA_BALANCING, 1);
	if (err) {
		printf("fwdiff: numa_balancing_1 setup=unavailable reason=sysctl_%s\n",
		       fw_errno_name(-err));
		return;
	}
	printf("fwdiff: env numa_balancing=1 kinds=%d\n", n);
	run_hinting_ops(list, n, 0);
	fw_write_long(NUMA_BALANCING, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	init_env();

	/*
	 * Without move_pages() (no CONFIG_NUMA: i386, 32-bit arm), one
	 * SKIP for all its checks (args, status, move, batch); KSM,
	 * split_huge_pages and the rest run as everywhere.
	 */
	if (have_move_pages) {
		op_args();
		run_op_all("move_pages.status", op_status);
		run_op_all("move_pages.move", op_move);
		op_batch();
	} else {
		check_skip("move_pages", FW_NO_MOVE_PAGES);
	}
	op_ksm_all();
	op_split_all();
	op_migrate_pages();
	op_numa_hint_all();
	op_protnone_numa_balancing_on();

	restore_env();
	printf("fwdiff: end\n");
	printf("1..%d\n", check_nr);
	if (checks_skipped)
		printf("# Totals: pass:%d fail:%d skip:%d\n",
		       check_nr - checks_failed - checks_skipped, checks_failed,
		       checks_skipped);
	else
		printf("# Totals: pass:%d fail:%d\n", check_nr - checks_failed,
		       checks_failed);
	return checks_failed ? 1 : 0;
}
