// SPDX-License-Identifier: GPL-2.0
/*
 * fw_memcheck: did a run leak memory? make stress (guest/stress-run) takes
 * a snapshot before the races and compares after them, when the races'
 * processes are gone and the injected faults are off:
 *
 *   fw_memcheck snapshot FILE	write the snapshot to FILE
 *   fw_memcheck compare FILE	take one more, compare with FILE, print
 *				"fwstress: leaks ..."; exit 1 on a leak
 *   fw_memcheck selftest	make check: the check sees a leak made on
 *				purpose (anonymous pages a pipe still holds
 *				after their munmap(): what a lost folio_put()
 *				leaves) and sees it go when the pipe closes
 *
 * Each snapshot is taken after sync, drop_caches=3 and compact_memory.
 * What it holds, and what counts as a leak:
 * - orphan_anon: pages flagged anonymous (/proc/kpageflags) that nothing
 *   maps (/proc/kpagecount 0), not in the swap cache, not free, not
 *   poisoned. Once its last mapper is gone an anonymous page is freed or
 *   stays in the swap cache; a reference dropped nowhere (a migration or
 *   KSM error path that forgets its folio_put()) keeps it as an orphan.
 *   A page counts when it is still one, with the same flags, a second
 *   later (one being migrated or freed is an orphan for a moment). A
 *   leak: any more after than before.
 * - hugetlb pages in use per size, all nodes (the pool per node printed):
 *   a reference kept on a hugetlb folio keeps it out of the pool. A leak:
 *   any more in use after.
 * - nr_isolated_anon, nr_isolated_file (/proc/vmstat): pages taken off
 *   the LRU for migration, compaction or reclaim and not put back. A
 *   leak: not back to its level (0 with nothing running).
 * - unexplained: MemTotal less what /proc/meminfo and the per-cpu free
 *   lists account for (free, page and swap cache, anonymous, slab, kernel
 *   stacks, page tables, per-cpu, vmalloc, hugetlb, zswap, zram's pages):
 *   the pages nobody accounts for, globally and per node (the per-node
 *   figure has no per-cpu or vmalloc line: those are global, and it is
 *   printed, not judged). The kernel
 *   allocates some of those for itself as it runs (stack depot records of
 *   the debug options, per-cpu caches), so a leak is a growth of more than
 *   UNEXPLAINED_SLACK_KB globally: the size of a steady leak of one page
 *   in a few hundred injected failures; a smaller one only the first
 *   three catch. (Some memory is on two lines: mapped swap-cache pages,
 *   vmap'ed kernel stacks; that hides a little, it adds nothing.)
 * Counters are read after /proc/sys/vm/stat_refresh. A compare that sees
 * a leak settles and looks again, up to RETAKES times: what is judged is
 * the last look.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fw.h"

#define UNEXPLAINED_SLACK_KB	4096L
#define RETAKES			3
#define MAX_NODES		8
#define MAX_KEYS		96

struct snap {
	int n;
	char key[MAX_KEYS][64];
	long val[MAX_KEYS];
};

static void put(struct snap *s, const char *key, long val)
{
	if (s->n == MAX_KEYS) {
		fprintf(stderr, "fw_memcheck: more than %d keys\n", MAX_KEYS);
		exit(2);
	}
	snprintf(s->key[s->n], sizeof(s->key[0]), "%s", key);
	s->val[s->n++] = val;
}

static int find(const struct snap *s, const char *key, long *val);

static void add(struct snap *s, const char *key, long val)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->key[i], key))
			s->val[i] += val;
}

static int find(const struct snap *s, const char *key, long *val)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->key[i], key)) {
			*val = s->val[i];
			return 0;
		}
	return -1;
}

/*
 * A counter of a meminfo ("Field:  N kB", global or per node, sep ':') or
 * vmstat file ("key N", sep ' '); fw_memcheck counts a missing one as 0
 */
static long counter(const char *path, const char *key, char sep)
{
	long v = fw_proc_value(path, key, sep);

	return v < 0 ? 0 : v;
}

static long meminfo_field(const char *path, const char *field)
{
	return counter(path, field, ':');
}

static long vmstat_field(const char *path, const char *key)
{
	return counter(path, key, ' ');
}

/* pages on the per-cpu free lists of node nid, or of all nodes (-1) */
static long pcp_pages(int nid)
{
	char line[256];
	long v, sum = 0;
	int node = -1, in = 0;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %d,", &node) == 1)
			in = nid < 0 || node == nid;
		else if (in && sscanf(line, " count: %ld", &v) == 1)
			sum += v;
	}
	fclose(f);
	return sum;
}

static long page_kb(void)
{
	return sysconf(_SC_PAGESIZE) / 1024;
}

/* the memory nodes with a meminfo: their numbers, how many */
static int nodes(int *out)
{
	char path[96];
	int n = 0, i;

	for (i = 0; i < 64 && n < MAX_NODES; i++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", i);
		if (!access(path, R_OK))
			out[n++] = i;
	}
	return n;
}

static long read_count(const char *path)
{
	long v = fw_read_long(path);

	if (v < 0) {
		fprintf(stderr, "fw_memcheck: cannot read %s\n", path);
		exit(2);
	}
	return v;
}

/* kB in the hugetlb pool of node nid, every size */
static long node_hugetlb_kb(int nid)
{
	char dir[96], path[400];
	struct dirent *e;
	long kb = 0, size;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/devices/system/node/node%d/hugepages", nid);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (sscanf(e->d_name, "hugepages-%ldkB", &size) == 1) {
			snprintf(path, sizeof(path), "%s/%s/nr_hugepages", dir, e->d_name);
			kb += size * read_count(path);
		}
	closedir(d);
	return kb;
}

static void unexplained(struct snap *s)
{
	static const char *const used[] = {
		"Buffers", "Cached", "SwapCached", "AnonPages", "Slab",
		"KernelStack", "PageTables", "SecPageTables", "Percpu",
		"VmallocUsed", "Hugetlb", "Zswap",
	};
	static const char *const node_used[] = {
		"FilePages", "AnonPages", "Slab", "KernelStack", "PageTables",
		"SecPageTables",
	};
	int nid[MAX_NODES], nn = nodes(nid), i, j;
	long kb = page_kb(), u;
	char path[96], key[64];

	u = meminfo_field("/proc/meminfo", "MemTotal") -
	    meminfo_field("/proc/meminfo", "MemFree") - pcp_pages(-1) * kb -
	    vmstat_field("/proc/vmstat", "nr_zspages") * kb;
	for (i = 0; i < (int)(sizeof(used) / sizeof(used[0])); i++)
		u -= meminfo_field("/proc/meminfo", used[i]);
	put(s, "unexplained_kB", u);
	for (j = 0; j < nn; j++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", nid[j]);
		u = meminfo_field(path, "MemTotal") - meminfo_field(path, "MemFree") -
		    pcp_pages(nid[j]) * kb - node_hugetlb_kb(nid[j]);
		for (i = 0; i < (int)(sizeof(node_used) / sizeof(node_used[0])); i++)
			u -= meminfo_field(path, node_used[i]);
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/vmstat", nid[j]);
		u -= vmstat_field(path, "nr_zspages") * kb;
		snprintf(key, sizeof(key), "node%d_unexplained_kB", nid[j]);
		put(s, key, u);
	}
}

/*
 * The hugetlb pool per node and size (node0_hugetlb_2048kB_total, _free:
 * printed) and the pages of each size in use on all nodes
 * (hugetlb_2048kB_in_use: judged; a page may move from one node's pool to
 * another's)
 */
static void hugetlb(struct snap *s)
{
	int nid[MAX_NODES], nn = nodes(nid), j;
	char dir[96], path[400], key[64];
	struct dirent *e;
	long total, free_, used;
	DIR *d;

	for (j = 0; j < nn; j++) {
		snprintf(dir, sizeof(dir), "/sys/devices/system/node/node%d/hugepages", nid[j]);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			if (strncmp(e->d_name, "hugepages-", 10))
				continue;
			snprintf(path, sizeof(path), "%s/%s/nr_hugepages", dir, e->d_name);
			total = read_count(path);
			snprintf(key, sizeof(key), "node%d_hugetlb_%s_total", nid[j], e->d_name + 10);
			put(s, key, total);
			snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, e->d_name);
			free_ = read_count(path);
			snprintf(key, sizeof(key), "node%d_hugetlb_%s_free", nid[j], e->d_name + 10);
			put(s, key, free_);
			snprintf(key, sizeof(key), "hugetlb_%s_in_use", e->d_name + 10);
			if (find(s, key, &used))
				put(s, key, total - free_);
			else
				add(s, key, total - free_);
		}
		closedir(d);
	}
}

/* an anonymous page nothing maps, outside the swap cache and the free lists */
static int is_orphan(uint64_t fl, int fc, uint64_t pfn)
{
	uint64_t count;

	if (!(fl & (1ULL << KPF_ANON)) ||
	    (fl & ((1ULL << KPF_SWAPCACHE) | (1ULL << KPF_BUDDY) | (1ULL << KPF_SLAB) |
		   (1ULL << KPF_HWPOISON) | (1ULL << KPF_NOPAGE))))
		return 0;
	if (pread(fc, &count, 8, pfn * 8) != 8) {
		fprintf(stderr, "fw_memcheck: /proc/kpagecount at pfn %llu: %s\n",
			(unsigned long long)pfn, strerror(errno));
		exit(2);
	}
	return !count;
}

static uint64_t page_flags_at(int ff, uint64_t pfn)
{
	uint64_t fl;

	if (fw_kpageflags(ff, pfn, 1, &fl)) {
		fprintf(stderr, "fw_memcheck: /proc/kpageflags at pfn %llu: %s\n",
			(unsigned long long)pfn, strerror(errno));
		exit(2);
	}
	return fl;
}

/*
 * The orphans: every page's flags, the map count of the anonymous ones;
 * then, ORPHAN_RECHECK_MS later, the candidates once more: a page counts
 * when it is still an orphan with the same flags. (A page being migrated,
 * collapsed or freed while the scan passes is an orphan for a moment.)
 * Candidates beyond MAX_CANDIDATES count without the second look.
 */
#define MAX_CANDIDATES		65536
#define ORPHAN_RECHECK_MS	1000

static long orphan_anon(void)
{
	enum { CHUNK = 65536 };
	static uint64_t flags[CHUNK], cand[MAX_CANDIDATES], cand_fl[MAX_CANDIDATES];
	int ff = open("/proc/kpageflags", O_RDONLY), fc = open("/proc/kpagecount", O_RDONLY);
	long orphans = 0, n_cand = 0, extra = 0, i;
	uint64_t pfn = 0;
	ssize_t nf;
	int j, n;

	if (ff < 0 || fc < 0) {
		fprintf(stderr, "fw_memcheck: /proc/kpageflags, /proc/kpagecount: %s\n",
			strerror(errno));
		exit(2);
	}
	for (;; pfn += CHUNK) {
		nf = pread(ff, flags, sizeof(flags), pfn * 8);
		if (nf <= 0)
			break;
		n = nf / 8;
		for (j = 0; j < n; j++) {
			if (!is_orphan(flags[j], fc, pfn + j))
				continue;
			if (n_cand == MAX_CANDIDATES) {
				extra++;
				continue;
			}
			cand[n_cand] = pfn + j;
			cand_fl[n_cand++] = flags[j];
		}
	}
	if (nf < 0) {
		fprintf(stderr, "fw_memcheck: /proc/kpageflags: %s\n", strerror(errno));
		exit(2);
	}
	if (n_cand)
		fw_sleep_ms(ORPHAN_RECHECK_MS);
	for (i = 0; i < n_cand; i++) {
		uint64_t fl = page_flags_at(ff, cand[i]);

		if (fl == cand_fl[i] && is_orphan(fl, fc, cand[i]))
			orphans++;
	}
	close(ff);
	close(fc);
	return orphans + extra;
}

static void settle(void)
{
	sync();
	fw_write_str("/proc/sys/vm/drop_caches", "3");
	fw_write_str("/proc/sys/vm/compact_memory", "1");
	fw_sleep_ms(500);
	/* the per-cpu differences of the counters folded in: exact figures */
	fw_write_str("/proc/sys/vm/stat_refresh", "1");
}

static void take(struct snap *s)
{
	long t0 = fw_now_ms(), t1;

	memset(s, 0, sizeof(*s));
	settle();
	t1 = fw_now_ms();
	put(s, "orphan_anon", orphan_anon());
	fprintf(stderr, "# fw_memcheck: settling %ld ms, page flags %ld ms\n", t1 - t0,
		fw_now_ms() - t1);
	put(s, "nr_isolated_anon", vmstat_field("/proc/vmstat", "nr_isolated_anon"));
	put(s, "nr_isolated_file", vmstat_field("/proc/vmstat", "nr_isolated_file"));
	hugetlb(s);
	unexplained(s);
}

static int load(const char *file, struct snap *s)
{
	FILE *f = fopen(file, "r");
	char key[64];
	long v;

	memset(s, 0, sizeof(*s));
	if (!f)
		return -1;
	while (fscanf(f, "%63[^=]=%ld\n", key, &v) == 2)
		put(s, key, v);
	fclose(f);
	return 0;
}

/*
 * The leaks of after against before, how many; line: the summary
 * ("fwstress: leaks ..."), verbose: each leak as a "# leak:" line too
 */
static int compare(const struct snap *before, const struct snap *after,
		   char *line, size_t len, int verbose)
{
	int i, leaks = 0;
	long b, a, d;
	size_t l;

	snprintf(line, len, "fwstress: leaks");
	for (i = 0; i < before->n; i++)
		if (find(after, before->key[i], &a)) {
			if (verbose)
				printf("# leak: %s=%ld is gone from the second snapshot\n",
				       before->key[i], before->val[i]);
			leaks++;
		}
	for (i = 0; i < after->n; i++) {
		const char *k = after->key[i];
		int leak = 0;

		a = after->val[i];
		if (find(before, k, &b)) {
			if (verbose)
				printf("# leak: %s=%ld: not in the first snapshot\n", k, a);
			leaks++;
			continue;
		}
		d = a - b;
		if (!strcmp(k, "orphan_anon") || !strncmp(k, "nr_isolated_", 12) ||
		    !strncmp(k, "hugetlb_", 8))
			leak = d > 0;
		else if (!strcmp(k, "unexplained_kB"))
			leak = d > UNEXPLAINED_SLACK_KB;
		if (leak) {
			if (verbose)
				printf("# leak: %s %ld -> %ld\n", k, b, a);
			leaks++;
		}
		if (!strstr(k, "_hugetlb_")) {
			l = strlen(line);
			snprintf(line + l, len - l, " %s%s=%+ld", leak ? "LEAK:" : "",
				 !strcmp(k, "unexplained_kB") ? "unexplained_growth_kB" : k, d);
		}
	}
	l = strlen(line);
	snprintf(line + l, len - l, " leaks=%d (slack %ld kB)", leaks, UNEXPLAINED_SLACK_KB);
	return leaks;
}

#define SELFTEST_PAGES	64

/* how many of the n pages at pfns are orphans */
static int orphans_at(const uint64_t *pfns, int n)
{
	int ff = open("/proc/kpageflags", O_RDONLY), fc = open("/proc/kpagecount", O_RDONLY);
	int i, o = 0;

	if (ff < 0 || fc < 0) {
		fprintf(stderr, "fw_memcheck: /proc/kpageflags, /proc/kpagecount: %s\n",
			strerror(errno));
		exit(2);
	}
	for (i = 0; i < n; i++)
		o += is_orphan(page_flags_at(ff, pfns[i]), fc, pfns[i]);
	close(ff);
	close(fc);
	return o;
}

/*
 * SELFTEST_PAGES anonymous 4K pages, written, given to a pipe by vmsplice()
 * (the pipe takes a reference on each), then unmapped: orphans until the
 * pipe is closed. The check must see those very pages (their pfns from
 * pagemap) as orphans, the whole scan must count at least as many (one
 * scan only: it takes 7-24 s under TCG), and once the pipe is closed none
 * of them may be one.
 */
static int selftest(void)
{
	static struct snap b;
	size_t pg = sysconf(_SC_PAGESIZE), len = SELFTEST_PAGES * pg;
	uint64_t pm[SELFTEST_PAGES], pfns[SELFTEST_PAGES];
	int p[2], ok, held, after, i;
	long ob = 0;
	struct iovec iov;
	char *m;

	if (pipe(p) || fcntl(p[1], F_SETPIPE_SZ, (int)len) < (int)len) {
		printf("fw_memcheck selftest: pipe of %zu bytes: %s\n", len, strerror(errno));
		return 1;
	}
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return printf("fw_memcheck selftest: mmap: %s\n", strerror(errno)), 1;
	madvise(m, len, MADV_NOHUGEPAGE);
	memset(m, 0x5a, len);
	if (fw_pagemap(m, SELFTEST_PAGES, pm))
		return printf("fw_memcheck selftest: pagemap: %s\n", strerror(errno)), 1;
	for (i = 0; i < SELFTEST_PAGES; i++) {
		if (!(pm[i] & PM_PRESENT) || !(pm[i] & PM_PFN_MASK))
			return printf("fw_memcheck selftest: page %d: no pfn in pagemap\n", i), 1;
		pfns[i] = pm[i] & PM_PFN_MASK;
	}
	iov.iov_base = m;
	iov.iov_len = len;
	if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)len)
		return printf("fw_memcheck selftest: vmsplice: %s\n", strerror(errno)), 1;
	munmap(m, len);
	take(&b);
	held = orphans_at(pfns, SELFTEST_PAGES);
	close(p[0]);
	close(p[1]);
	settle();
	after = orphans_at(pfns, SELFTEST_PAGES);
	find(&b, "orphan_anon", &ob);
	ok = held == SELFTEST_PAGES && ob >= SELFTEST_PAGES && !after;
	printf("fw_memcheck selftest: %d unmapped pages in a pipe: %d of them orphans (the whole scan: orphan_anon %ld); after the pipe closed: %d: %s\n",
	       SELFTEST_PAGES, held, ob, after, ok ? "ok" : "FAIL");
	return !ok;
}

int main(int argc, char **argv)
{
	struct snap before, now;
	FILE *f;
	int i;

	/* the selftest is a test of make check: one KTAP result */
	if (argc == 2 && !strcmp(argv[1], "selftest")) {
		fw_ktap_header();
		fw_ktap_plan(1);
		fw_ktap_result(!selftest(), "orphans_seen");
		return fw_ktap_finish();
	}
	if (argc != 3 || (strcmp(argv[1], "snapshot") && strcmp(argv[1], "compare"))) {
		fprintf(stderr, "usage: fw_memcheck snapshot|compare FILE | selftest\n");
		return 2;
	}
	if (!strcmp(argv[1], "compare") && load(argv[2], &before)) {
		fprintf(stderr, "fw_memcheck: no snapshot %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	take(&now);
	if (!strcmp(argv[1], "compare")) {
		char line[2048];
		int leaks, tries;

		/* a leak must still be there after RETAKES more settled looks */
		for (tries = 0; (leaks = compare(&before, &now, line, sizeof(line), 0)) &&
		     tries < RETAKES; tries++) {
			printf("# %s\n# leaks seen: settling and looking again (%d of %d)\n",
			       line, tries + 1, RETAKES);
			take(&now);
		}
		for (i = 0; i < now.n; i++)
			printf("# %s %s=%ld\n", argv[1], now.key[i], now.val[i]);
		compare(&before, &now, line, sizeof(line), 1);
		puts(line);
		return leaks ? 1 : 0;
	}
	for (i = 0; i < now.n; i++)
		printf("# %s %s=%ld\n", argv[1], now.key[i], now.val[i]);
	f = fopen(argv[2], "w");
	if (!f) {
		fprintf(stderr, "fw_memcheck: %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	for (i = 0; i < now.n; i++)
		fprintf(f, "%s=%ld\n", now.key[i], now.val[i]);
	return fclose(f) ? 2 : 0;
}
