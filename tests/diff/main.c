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
 *
 * Files: main.c (the environment, the checks, running an operation on
 * every kind, main), status.c, batch.c, ksm.c and split.c (the operations,
 * split.c with migrate_pages too); diff.h is what they share.
 */
#include "diff.h"

const char *const where_name[NR_WHERE] = {
	"first", "middle", "last", "past"
};

size_t page_sz, pmd_sz;
int nodes[FW_MAX_NODES], nr_nodes, home, other = -1;
int have_split, have_pageflags;
int have_move_pages = 1;	/* 0: ENOSYS (no CONFIG_NUMA) */
char split_why[48];
struct fw_ksm_saved ksm_saved;
char thp_saved[32], zero_saved[16];

/* the kinds of the table fw_diff uses (FW_USE_DIFF), in its order */
const struct fw_kind *kinds[FW_MAX_KINDS];
int nr_kinds;

/* ---- the checks: one KTAP result each (lib/ktap.c) ---- */

int check_failed;
char check_name[96];

void check_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(check_name, sizeof(check_name), fmt, ap);
	va_end(ap);
	check_failed = 0;
}

void expect(int cond, const char *fmt, ...)
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

void check_end(void)
{
	fw_ktap_result(!check_failed, check_name);
}

/* a check that cannot run in this kernel: why starts with its reason code */
void check_skip(const char *name, const char *why)
{
	fw_ktap_skip(name, "%s", why);
}

/* ---- formatting ---- */

const char *st(int s)
{
	static char bufs[8][24];
	static int i;

	i = (i + 1) % 8;
	return fw_status_str(s, bufs[i], sizeof(bufs[i]));
}

/* a syscall result: the value, or "-1 errno=NAME" for -errno */
const char *rv(long ret)
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

int valid_status(int s)
{
	int i;

	if (s < 0)
		return s >= -4095;
	for (i = 0; i < nr_nodes; i++)
		if (nodes[i] == s)
			return 1;
	return 0;
}

int is_memory_node(int node)
{
	return node >= 0 && valid_status(node);
}

void expect_data(struct fw_region *r, const char *state, const char *when)
{
	expect(strcmp(state, "corrupt"), "%s: data of %s corrupt", when,
	       r->kind->name);
}

const char *num(long v)
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
void print_setup(const char *op, const struct fw_region *r)
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

char *where_addr(const struct fw_region *r, int w)
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

void run_op_all(const char *op, op_fn fn)
{
	int i;

	for (i = 0; i < nr_kinds; i++)
		run_op(op, kinds[i], fn);
}

/* an operation that cannot run at all here: one line per kind */
void op_unavailable(const char *op, const char *why)
{
	int i;

	for (i = 0; i < nr_kinds; i++)
		printf("fwdiff: %s kind=%s setup=unavailable reason=%s\n", op,
		       kinds[i]->name, why);
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

static long numa_balancing_saved = -1;	/* > 0: we turned it off */

static void restore_env(void)
{
	if (numa_balancing_saved > 0)
		fw_write_long(FW_NUMA_BALANCING, numa_balancing_saved);
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
	nb = fw_read_long(FW_NUMA_BALANCING);
	if (nb > 0 && !fw_write_long(FW_NUMA_BALANCING, 0))
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

	if (fw_read_long(FW_NUMA_BALANCING) < 0) {
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
	err = fw_write_long(FW_NUMA_BALANCING, 1);
	if (err) {
		printf("fwdiff: numa_balancing_1 setup=unavailable reason=sysctl_%s\n",
		       fw_errno_name(-err));
		return;
	}
	printf("fwdiff: env numa_balancing=1 kinds=%d\n", n);
	run_hinting_ops(list, n, 0);
	fw_write_long(FW_NUMA_BALANCING, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	fw_ktap_header();
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
		check_skip("move_pages", FW_SKIP_NO_MOVE_PAGES);
	}
	op_ksm_all();
	op_split_all();
	op_migrate_pages();
	op_numa_hint_all();
	op_protnone_numa_balancing_on();

	restore_env();
	printf("fwdiff: end\n");
	fw_ktap_plan(fw_ktap_count());
	return fw_ktap_finish();
}
