// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: move_pages() status, move of one page, argument errors.
 * Part of fw_diff, see main.c; what the parts share is in diff.h.
 */
#include "diff.h"

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

void op_status(struct fw_region *r)
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

void op_move(struct fw_region *r)
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

pid_t gone_pid(void)
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

void op_args(void)
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
