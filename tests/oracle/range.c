// SPDX-License-Identifier: GPL-2.0
/*
 * fw_oracle: migration entries in flight and the range walks.
 * Included by oracle/main.c (see there).
 */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The child of catch_migration_entries(): move the parent's pages at p
 * (one address per step) between two nodes until it is killed. Its own
 * copy of the mapping goes first: pages shared with it after fork() are
 * mapped twice, and MPOL_MF_MOVE moves only pages mapped once.
 */
static void migrate_forever(pid_t pid, char *p, size_t len, size_t step,
			    const int *nodes)
{
	unsigned long n = len / step, i, round;
	void **pages = calloc(n, sizeof(*pages));
	int *to = calloc(n, sizeof(*to));
	int *status = calloc(n, sizeof(*status));

	if (!pages || !to || !status || munmap(p, len))
		_exit(2);
	for (round = 0;; round++) {
		for (i = 0; i < n; i++) {
			pages[i] = p + i * step;
			to[i] = nodes[round & 1];
		}
		if (fw_move_pages(pid, n, pages, to, status, MPOL_MF_MOVE) < 0)
			_exit(3);
		for (i = 0; i < n; i++)
			if (status[i] == -EACCES || status[i] == -EFAULT ||
			    status[i] == -ENOENT)
				_exit(4);	/* nothing would ever migrate */
	}
}

/*
 * Walk every page of p..p+len with FWT_MIGRATION while a child migrates
 * them between two nodes, until want migration entries were met or limit
 * seconds passed; returns how many were met, or -1 after a failed check.
 * Every answer is checked. A migration entry returns its folio, but no
 * page is mapped there: folio_walk.page is NULL (FWT_NO_PAGE, pfn 0), the
 * entry is not present and maps nothing writable, and without
 * FWT_MIGRATION nothing is found behind it. A present entry returns the
 * page it maps.
 */
static int catch_migration_entries(struct __test_metadata *_metadata,
				   char *p, size_t len, size_t step,
				   const int *nodes, int want, double limit,
				   int *at_pmd)
{
	struct folio_walk_test t, t0;
	double end = now_s() + limit;
	int caught = 0, status;
	unsigned long off, addr;
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		migrate_forever(parent, p, len, step, nodes);
	while (caught < want && now_s() < end) {
		for (off = 0; off < len && caught < want; off += PAGE) {
			addr = (unsigned long)p + off;
			if (fw_walk(addr, FWT_MIGRATION, &t) || !t.found) {
				caught = -1;
				TH_LOG("%#lx: nothing found with FWT_MIGRATION", addr);
				break;
			}
			if (t.kind & FWT_PRESENT) {
				if ((t.kind & FWT_NO_PAGE) || !t.pfn) {
					caught = -1;
					TH_LOG("%#lx: present entry %#llx without a page",
					       addr, (unsigned long long)t.entry);
					break;
				}
				continue;
			}
			/* a migration entry: the folio, but no page mapped */
			if (!(t.kind & FWT_NO_PAGE) || t.pfn ||
			    (t.kind & (FWT_ZERO | FWT_WRITE)) || !t.head_pfn ||
			    !(t.kind & FWT_ENTRY_OK) || t.level > FWT_LEVEL_PMD ||
			    t.ptl_held != 1) {
				caught = -1;
				TH_LOG("%#lx: migration entry %#llx: level %u pfn %#llx head %#llx kind %#x",
				       addr, (unsigned long long)t.entry, t.level,
				       (unsigned long long)t.pfn,
				       (unsigned long long)t.head_pfn, t.kind);
				break;
			}
			caught++;
			*at_pmd += t.level == FWT_LEVEL_PMD;
			if (fw_walk(addr, 0, &t0) ||
			    (t0.found && !(t0.kind & FWT_PRESENT))) {
				caught = -1;
				TH_LOG("%#lx: a non-present entry found without FWT_MIGRATION",
				       addr);
				break;
			}
		}
		if (caught < 0)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFSIGNALED(status))
		TH_LOG("the migrating child stopped by itself (exit %d: move_pages() failed?)",
		       WEXITSTATUS(status));
	return caught;
}

/*
 * Migration entries in flight, at the PTE level (4K pages) and the PMD
 * level (a THP migrated whole): each is met at least once, and each meets
 * the rule of folio_walk.page NULL.
 */
TEST_F_TIMEOUT(fw, migration_entry_in_flight, 150)
{
	int nodes[8], caught, at_pmd = 0;
	struct fw_region r;

	if (fw_memory_nodes(nodes, 8) < 2)
		SKIP(return, FW_ABSENT(SECOND_NODE) "one memory node in this kernel: move_pages() cannot migrate");
	SETUP_KIND(&r, "anon4k", 64 * PAGE);
	caught = catch_migration_entries(_metadata, r.addr, r.len, PAGE, nodes, 5, 45,
					 &at_pmd);
	TH_LOG("4K pages: %d PTE migration entries met", caught);
	EXPECT_GE(caught, 1) TH_LOG("no PTE migration entry met within 45 s, or a check failed (above)");
	EXPECT_EQ(at_pmd, 0);
	fw_region_release(&r);

	if (!fw_env.thp_sysfs)
		return;	/* no THP in this kernel: PMD migration entries cannot exist */
	SETUP_KIND(&r, "thp_pmd", 0);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP));
	at_pmd = 0;
	caught = catch_migration_entries(_metadata, r.addr, r.len, r.len,
					 nodes, 5, 45, &at_pmd);
	TH_LOG("THP: %d migration entries met, %d of them PMDs", caught, at_pmd);
	EXPECT_GE(at_pmd, 1) TH_LOG("no PMD migration entry met within 45 s, or a check failed (above)");
	fw_region_release(&r);
}

/*
 * The range walk (folio_walk_start_range() + folio_walk_next()) over
 * [p, p + len), against a single walk at every page of it: it must find
 * each folio a single walk finds, once per entry, at the first address of
 * the range the entry maps, with the same answer (level, pfns, order,
 * kind, entry), and nothing else. A PMD or PUD leaf or a hugetlb page is
 * found once: the single walks at the addresses it covers must see the
 * same folio.
 */
static void expect_range_walk(struct __test_metadata *_metadata, char *p,
			      size_t len, unsigned int flags)
{
	static struct folio_walk_test res[FWT_RANGE_MAX];
	unsigned long a, end = (unsigned long)p + len, covered_to = 0;
	struct folio_walk_test_range r = {
		.size = sizeof(r), .flags = flags, .start = (unsigned long)p,
		.end = end, .results = (uintptr_t)res, .max = FWT_RANGE_MAX,
	};
	struct folio_walk_test t;
	unsigned int i = 0, bad = 0;

	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r))
		TH_LOG("FOLIO_WALK_TEST_RANGE: %s", strerror(errno));
	ASSERT_EQ(end, r.start) TH_LOG("more than %d folios in the range", FWT_RANGE_MAX);
	for (a = (unsigned long)p; a < end && bad < 5; a += PAGE) {
		const struct folio_walk_test *f = &res[i];

		ASSERT_EQ(0, fw_walk(a, flags, &t));
		if (a < covered_to) {
			if (!t.found || t.head_pfn != res[i - 1].head_pfn) {
				bad++;
				TH_LOG("%#lx: single walk: found %u head %#llx, in the entry found at %#llx (head %#llx)",
				       a, t.found, (unsigned long long)t.head_pfn,
				       (unsigned long long)res[i - 1].addr,
				       (unsigned long long)res[i - 1].head_pfn);
			}
			continue;
		}
		if (!t.found) {
			if (i < r.nr && f->addr == a) {
				bad++;
				TH_LOG("%#lx: the range walk found a folio, a single walk none", a);
				i++;
			}
			continue;
		}
		if (i >= r.nr || f->addr != a) {
			bad++;
			TH_LOG("%#lx: a single walk found a folio, the range walk went on to %#llx",
			       a, i < r.nr ? (unsigned long long)f->addr : 0ULL);
			continue;
		}
		if (f->level != t.level || f->pfn != t.pfn ||
		    f->head_pfn != t.head_pfn || f->order != t.order ||
		    f->kind != t.kind || f->entry != t.entry ||
		    f->entry_pfn != t.entry_pfn || !f->ptl_held) {
			bad++;
			TH_LOG("%#lx: range walk level %u pfn %#llx head %#llx order %u kind %#x entry %#llx ptl %u; single walk level %u pfn %#llx head %#llx order %u kind %#x entry %#llx",
			       a, f->level, (unsigned long long)f->pfn,
			       (unsigned long long)f->head_pfn, f->order, f->kind,
			       (unsigned long long)f->entry, f->ptl_held, t.level,
			       (unsigned long long)t.pfn,
			       (unsigned long long)t.head_pfn, t.order, t.kind,
			       (unsigned long long)t.entry);
		}
		if (t.kind & FWT_HUGETLB)
			covered_to = (a | ((PAGE << t.order) - 1)) + 1;
		else
			covered_to = (a | (level_pages(t.level) * PAGE - 1)) + 1;
		i++;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(r.nr, i) TH_LOG("the range walk found %u folios, the single walks %u", r.nr, i);
}

/*
 * Two anonymous VMAs (a range walk stays in one): a THP; and three PMDs of
 * 4K pages, every third page written, every fifth page read (the zero
 * page), one PMD untouched. With and without FW_ZEROPAGE and FW_MIGRATION,
 * from the middle of the THP, from the middle of a PTE table, and through
 * PROT_NONE.
 */
TEST_F(fw, range_walk_anon_mixed)
{
	size_t len = 4 * pmd_size;
	struct fw_span span;
	char *p = fw_map(len, pmd_size, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, &span);
	char *q = p + pmd_size;

	ASSERT_NE(p, MAP_FAILED);
	madvise(q, 3 * pmd_size, MADV_NOHUGEPAGE);
	if (fw_env.thp_sysfs) {
		madvise(p, pmd_size, MADV_HUGEPAGE);
		touch_write(p, pmd_size, PAGE);
	} else {
		touch_write(p, pmd_size, 2 * PAGE);
	}
	touch_write(q, pmd_size, 3 * PAGE);
	fw_read_every(q + pmd_size, pmd_size, 5 * PAGE);
	expect_range_walk(_metadata, p, pmd_size, 0);
	expect_range_walk(_metadata, p + pmd_size / 2 + PAGE,
			  pmd_size / 2 - PAGE, FWT_MIGRATION);
	expect_range_walk(_metadata, q, 3 * pmd_size, 0);
	expect_range_walk(_metadata, q, 3 * pmd_size,
			  FWT_ZEROPAGE | FWT_MIGRATION);
	expect_range_walk(_metadata, q + 7 * PAGE, pmd_size + 5 * PAGE,
			  FWT_ZEROPAGE);
	ASSERT_EQ(0, mprotect(p, len, PROT_NONE));
	expect_range_walk(_metadata, p, pmd_size, FWT_ZEROPAGE);
	expect_range_walk(_metadata, q, 3 * pmd_size, FWT_ZEROPAGE);
	munmap(span.start, span.len);
}

/*
 * Two pages of every hugetlb size, the second one touched: the walk skips
 * the first without a folio and finds the second, at its level.
 */
TEST_F_TIMEOUT(fw, range_walk_hugetlb, 120)
{
	struct fw_span span;
	int n = 0;

	if (!fw_env.hugetlb)
		SKIP(return, FW_ABSENT(HUGETLBFS) "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
	for (int i = 0; i < fw_nr_kinds; i++) {
		unsigned long sz = fw_kinds[i].arg;
		size_t len;
		char *p;

		if (!(fw_kinds[i].flags & FW_K_HUGETLB))
			continue;
		n++;
		/* the pools have one page per node of the PUD size */
		len = sz >= PUD_BYTES ? sz : 2 * sz;
		/* not the kind's setup: the first huge page stays untouched */
		p = fw_map(len, sz, PAGE, PROT_READ | PROT_WRITE, fw_hugetlb_flags(sz), -1,
			   &span);
		ASSERT_NE(p, MAP_FAILED) TH_LOG("hugetlb %lukB: no pool reserved (lab: kernel command line)", sz / 1024);
		touch_write(p + len - sz, sz, sz);
		TH_LOG("hugetlb %lukB", sz / 1024);
		expect_range_walk(_metadata, p, len, 0);
		munmap(span.start, span.len);
	}
	EXPECT_GE(n, 1);
}

/*
 * A 64 GiB anonymous VMA with four pages written far apart: the walk finds
 * exactly those four, with the pfns pagemap reports, without a single walk
 * at each of its 16M addresses (which is what it is for).
 */
TEST_F(fw, range_walk_sparse_64g)
{
	static struct folio_walk_test res[16];
	const size_t len = 64UL << 30;
	const unsigned long offs[] = {
		0, (17UL << 30) + 3 * PAGE, (40UL << 30) + pmd_size - PAGE,
		len - PAGE,
	};
	struct folio_walk_test_range r = {
		.size = sizeof(r), .results = (uintptr_t)res, .max = 16,
	};
	char *p;

	if (!FW_64BIT)
		SKIP(return, FW_ABSENT(VA_SPACE) "no room for a 64 GiB VMA in this kernel (32-bit address space)");
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(p, MAP_FAILED) TH_LOG("mmap 64 GiB: %s", strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	for (unsigned int k = 0; k < 4; k++)
		p[offs[k]] = (char)(k + 1);
	r.start = (unsigned long)p;
	r.end = (unsigned long)p + len;
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r))
		TH_LOG("FOLIO_WALK_TEST_RANGE: %s", strerror(errno));
	EXPECT_EQ(r.end, r.start);
	ASSERT_EQ(4, r.nr);
	for (unsigned int k = 0; k < 4; k++) {
		unsigned long a = (unsigned long)p + offs[k];

		EXPECT_EQ(a, res[k].addr);
		EXPECT_EQ(pagemap_pfn(a), res[k].pfn);
		EXPECT_EQ(FWT_LEVEL_PTE, res[k].level);
		EXPECT_TRUE(res[k].kind & FWT_ANON);
	}
	/* bad ranges: empty, past the VMA, too many results */
	r.start = (unsigned long)p;
	r.end = r.start;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.end = (unsigned long)p + len + PAGE;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	r.end = (unsigned long)p + len;
	r.max = FWT_RANGE_MAX + 1;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EINVAL, errno);
	/* a bad results pointer */
	r.max = 16;
	r.results = 16;
	EXPECT_EQ(-1, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	EXPECT_EQ(EFAULT, errno);
	r.results = (uintptr_t)res;
	/* results filled up: go on from where it says */
	r.max = 3;
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	ASSERT_EQ(3, r.nr);
	EXPECT_EQ((unsigned long)p + offs[2] + PAGE, r.start);
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r));
	ASSERT_EQ(1, r.nr);
	EXPECT_EQ((unsigned long)p + offs[3], res[0].addr);
	munmap(p, len);
}
