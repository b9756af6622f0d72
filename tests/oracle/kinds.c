// SPDX-License-Identifier: GPL-2.0
/*
 * fw_oracle: the mapped kinds one at a time: anonymous, THP, hugetlb, zero pages, KSM,
 * shmem, tmpfs, COW after fork, PROT_NONE.
 * Included by oracle/main.c (see there).
 */

TEST_F(fw, anon_4k)
{
	struct fw_region r;

	SETUP_KIND(&r, "anon4k", 4 * PAGE);
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr, 0, 1);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

TEST_F(fw, thp_pmd)
{
	struct fw_region r;

	NEED_THP();
	SETUP_KIND(&r, "thp_pmd", 0);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP))
		TH_LOG("no THP: THP must be available (madvise mode) in the lab");
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr + r.len / 2, 0, 1);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

TEST_F(fw, thp_pte_mapped)
{
	struct fw_region r;

	NEED_THP();
	/* A partial mprotect split the PMD, the folio stays large. */
	SETUP_KIND(&r, "thp_pte", 0);
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP));
	expect_kind(_metadata, &r, 0);
	fw_region_release(&r);
}

TEST_F(fw, thp_pte_mapped_dontneed)
{
	struct fw_region r;
	char *p;

	NEED_THP();
	SETUP_KIND(&r, "thp_pmd", 0);
	p = r.addr;
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_THP));
	ASSERT_EQ(madvise(p + 7 * PAGE, PAGE, MADV_DONTNEED), 0);
	expect_not_found(_metadata, (unsigned long)p + 7 * PAGE, 0);
	expect_mapped(_metadata, (unsigned long)p, 0, FWT_LEVEL_PTE, -1);
	expect_mapped(_metadata, (unsigned long)p + pmd_size - 1, 0,
		      FWT_LEVEL_PTE, -1);
	fw_region_release(&r);
}

/* Every hugetlb size the kernel offers, each at start, middle and end. */
TEST_F(fw, hugetlb_every_size)
{
	struct fw_region r;
	int i, n = 0;

	if (!fw_env.hugetlb)
		SKIP(return, FW_ABSENT(HUGETLBFS) "no hugetlb in this kernel (no /sys/kernel/mm/hugepages)");
	for (i = 0; i < fw_nr_kinds; i++) {
		const struct fw_kind *k = &fw_kinds[i];

		if (!(k->flags & FW_K_HUGETLB))
			continue;
		n++;
		ASSERT_EQ(fw_region_setup(&r, k, 0), 0)
			TH_LOG("%s: %s (lab: pools on the kernel command line)", k->name, r.why);
		TH_LOG("hugetlb %lukB", k->arg / 1024);
		expect_kind(_metadata, &r, 0);
		expect_write(_metadata, (unsigned long)r.addr + r.len - 1, 0, 1);
		expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
		fw_region_release(&r);
	}
	/* one kind per size in sysfs (i386 without PAE has only 4M) */
	EXPECT_GE(n, 1);
}

/* zero and huge_zero: at the first, a middle and the last byte */
static void expect_zero_kind(struct __test_metadata *_metadata,
			     const struct fw_region *r)
{
	unsigned long p = (unsigned long)r->addr;
	int level = fwt_level(r->kind->level), order = fw_kind_order(r->kind);

	ASSERT_TRUE(has_kpf(pagemap_pfn(p), KPF_ZERO_PAGE))
		TH_LOG("no zero page: for the huge one, transparent_hugepage/use_zero_page must be 1");
	expect_not_found(_metadata, p, 0);
	expect_zero(_metadata, p, level, order);
	expect_zero(_metadata, p + r->len / 2 + 123, level, order);
	expect_zero(_metadata, p + r->len - 1, level, order);
	expect_write(_metadata, p, FWT_ZEROPAGE, 0);
}

TEST_F(fw, zero_page)
{
	struct fw_region r;

	SETUP_KIND(&r, "zero", 4 * PAGE);
	expect_zero_kind(_metadata, &r);
	fw_region_release(&r);
}

TEST_F(fw, huge_zero_page)
{
	struct fw_region r;

	NEED_THP();
	SETUP_KIND(&r, "huge_zero", 0);
	expect_zero_kind(_metadata, &r);
	fw_region_release(&r);
}

TEST_F(fw, ksm_page)
{
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "ksm", 4 * PAGE);
	p = r.addr;
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM))
		TH_LOG("ksmd did not merge the first page");
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)p, 0, 0);	/* write-protected */
	ASSERT_EQ(madvise(p, r.len, MADV_UNMERGEABLE), 0);
	EXPECT_FALSE(has_kpf(pagemap_pfn((unsigned long)p), KPF_KSM));
	fw_write_str(KSM_SYSFS "run", "2");
	fw_region_release(&r);
}

TEST_F(fw, shmem_shared_and_private)
{
	struct folio_walk_test t;
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "memfd_shared", 4 * PAGE);
	p = r.addr;
	touch_write(p, r.len, PAGE);
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_FALSE(t.kind & FWT_ANON);
	fw_region_release(&r);

	/* private: page cache page until written, then an anon COW copy */
	SETUP_KIND(&r, "memfd_private", 4 * PAGE);
	p = r.addr;
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)p, 0, 0);	/* until COW */
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_FALSE(t.kind & FWT_ANON);
	touch_write(p, r.len, PAGE);
	expect_range(_metadata, p, r.len, 0, FWT_LEVEL_PTE, 0);
	expect_write(_metadata, (unsigned long)p, 0, 1);
	ASSERT_EQ(fw_walk((unsigned long)p, 0, &t), 0);
	EXPECT_TRUE(t.kind & FWT_ANON);
	fw_region_release(&r);
}

TEST_F(fw, tmpfs_file)
{
	struct fw_region r;

	SETUP_KIND(&r, "tmpfs_shared", 4 * PAGE);
	expect_kind(_metadata, &r, 0);
	fw_region_release(&r);
	SETUP_KIND(&r, "tmpfs_private", 4 * PAGE);
	expect_kind(_metadata, &r, 0);
	fw_region_release(&r);
}

TEST_F(fw, cow_after_fork)
{
	uint64_t parent_pfn;
	struct fw_region r;
	int status;
	pid_t pid;
	char *p;

	SETUP_KIND(&r, "cow_child", PAGE);
	p = r.addr;
	parent_pfn = pagemap_pfn((unsigned long)p);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct folio_walk_test t;

		/* /proc/self at open time was the parent */
		close(pagemap_fd);
		pagemap_fd = open("/proc/self/pagemap", O_RDONLY);

		/* shared with the parent, write-protected, until written */
		if (fw_walk((unsigned long)p, 0, &t) || !t.found ||
		    t.pfn != parent_pfn || t.pfn != pagemap_pfn((unsigned long)p))
			_exit(1);
		if (t.kind & FWT_WRITE)
			_exit(3);
		p[0] = 2;
		if (fw_walk((unsigned long)p, 0, &t) || !t.found ||
		    t.pfn == parent_pfn || t.pfn != pagemap_pfn((unsigned long)p) ||
		    !(t.kind & FWT_ANON))
			_exit(2);
		if (!(t.kind & FWT_WRITE))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_EQ(WEXITSTATUS(status), 0);
	expect_mapped(_metadata, (unsigned long)p, 0, fwt_level(r.kind->level),
		      fw_kind_order(r.kind));
	EXPECT_EQ(pagemap_pfn((unsigned long)p), parent_pfn);
	/* fork write-protected the parent's PTE too, until it writes */
	expect_write(_metadata, (unsigned long)p, 0, 0);
	p[0] = 3;
	expect_write(_metadata, (unsigned long)p, 0, 1);
	fw_region_release(&r);
}

TEST_F(fw, prot_none)
{
	struct fw_region r;

	SETUP_KIND(&r, "protnone", 2 * PAGE);
	/* the folio is still mapped, by a PROT_NONE entry */
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr, 0, 0);
	fw_region_release(&r);
}
