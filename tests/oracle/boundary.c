// SPDX-License-Identifier: GPL-2.0
/*
 * fw_oracle: above 128T, the boundary kinds, holes, vvar, tagged addresses and
 * hostile input to the test interface.
 * Included by oracle/main.c (see there).
 */

/*
 * A mapping above 128 TiB, where only 5-level page tables reach on x86_64
 * (the p4d level is real there, not folded) and s390 upgrades its region
 * tables on demand: the walk is the same as anywhere else.
 */
TEST_F(fw, above_128t)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "anon4k_above_128t", "no_5level_tables", FW_ABSENT(VA_ABOVE_128T),
			   "address space above 128 TiB");
	ASSERT_GE((unsigned long)r.addr, FW_ABOVE_128T);
	TH_LOG("mapped at %p", r.addr);
	expect_kind(_metadata, &r, 0);
	expect_write(_metadata, (unsigned long)r.addr + r.len - 1, 0, 1);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	expect_no_vma(_metadata, (unsigned long)r.addr - 1);
	fw_region_release(&r);
}

/*
 * The range walk over [start, end) of a boundary kind's VMA finds exactly
 * the pages pagemap says are present there: each once, at its address,
 * with pagemap's pfn, an order-0 anonymous folio mapped by a PTE, the PTL
 * held; nothing where pagemap has nothing.
 */
static void expect_range_exact(struct __test_metadata *_metadata, unsigned long start,
			       unsigned long end, unsigned int flags, unsigned long b,
			       const char *what)
{
	static struct folio_walk_test res[2 * FW_BOUNDARY_PAGES];
	struct folio_walk_test_range r = {
		.size = sizeof(r), .flags = flags, .start = start, .end = end,
		.results = (uintptr_t)res, .max = 2 * FW_BOUNDARY_PAGES,
	};
	unsigned long n = (end - start) / PAGE, *want, a;
	unsigned int i = 0, bad = 0;
	unsigned long k = 0, nwant = 0;
	uint64_t pfn;

	want = calloc(n, sizeof(*want));
	ASSERT_NE(NULL, want);
	for (a = start; a < end; a += PAGE)
		if (pagemap_pfn(a))
			want[nwant++] = a;
	memset(res, 0, sizeof(res));
	ASSERT_EQ(0, ioctl(fw_fd, FOLIO_WALK_TEST_RANGE, &r))
		TH_LOG("%s: FOLIO_WALK_TEST_RANGE: %s", what, strerror(errno));
	EXPECT_EQ(end, r.start) TH_LOG("%s: more than %u folios in the range", what, r.max);
	while (i < r.nr || k < nwant) {
		const struct folio_walk_test *f = &res[i];

		if (k < nwant && (i >= r.nr || want[k] < f->addr)) {
			if (bad++ < 5)
				TH_LOG("%s: B%+ld pages: present, not found by the range walk",
				       what, (long)(want[k] - b) / (long)PAGE);
			k++;
			continue;
		}
		if (k >= nwant || f->addr < want[k]) {
			if (bad++ < 5)
				TH_LOG("%s: the range walk found a folio at %#llx (pfn %#llx), where pagemap has none",
				       what, (unsigned long long)f->addr,
				       (unsigned long long)f->pfn);
			i++;
			continue;
		}
		pfn = pagemap_pfn(want[k]);
		if (f->pfn != pfn || f->head_pfn != pfn || f->order || !f->ptl_held ||
		    f->level != FWT_LEVEL_PTE || !(f->kind & FWT_ANON) ||
		    !(f->kind & FWT_PRESENT)) {
			if (bad++ < 5)
				TH_LOG("%s: B%+ld pages: pfn %#llx head %#llx order %u level %u kind %#x ptl %u; pagemap pfn %#llx",
				       what, (long)(want[k] - b) / (long)PAGE,
				       (unsigned long long)f->pfn,
				       (unsigned long long)f->head_pfn, f->order, f->level,
				       f->kind, f->ptl_held, (unsigned long long)pfn);
		}
		i++;
		k++;
	}
	EXPECT_EQ(0, bad) TH_LOG("%s: the range walk found %u folios, pagemap %lu pages",
				 what, r.nr, nwant);
	EXPECT_EQ(nwant, r.nr);
	free(want);
}

/*
 * A boundary kind (fw_kinds.h, fw_setup_boundary()): a VMA of 4K pages
 * across B, a multiple of a level's size S, with its 64 written pages on
 * one side of B and an empty S-aligned block on the other. The range walk
 * over the whole VMA (from its first page, in the empty block or in the
 * table of the written pages), with and without the flags, and over parts
 * of it that start or end at B, finds exactly the written pages with
 * pagemap's pfns, and each as a single walk at its address does. A walk
 * that takes the end of an empty entry of a folded level for the end of
 * the range misses them; one that takes it for the end of a page table
 * reads past the table.
 */
static void check_boundary_kind(struct __test_metadata *_metadata, const char *name)
{
	unsigned long lo, hi, b, first, last;
	struct fw_region r;
	char what[80];

	snprintf(what, sizeof(what), "room for a free %s-aligned block",
		 strrchr(name, '_') + 1);
	SETUP_KIND_OR_SKIP(&r, name, "address_space_too_small", FW_ABSENT(VA_SPACE), what);
	lo = (unsigned long)r.addr;
	hi = lo + r.len;
	b = (unsigned long)fw_boundary(&r);
	first = lo + r.data_off;
	last = first + r.data_len;
	TH_LOG("%s: VMA %#lx-%#lx, B %#lx, written %#lx-%#lx", name, lo, hi, b, first, last);
	EXPECT_TRUE(first == b || last == b) TH_LOG("the written pages are not next to B");
	expect_range_exact(_metadata, lo, hi, 0, b, "the VMA");
	expect_range_exact(_metadata, lo, hi, FWT_ZEROPAGE | FWT_MIGRATION, b,
			   "the VMA, FWT_ZEROPAGE | FWT_MIGRATION");
	expect_range_exact(_metadata, lo, b + PAGE, 0, b, "its first page to B + 1 page");
	expect_range_exact(_metadata, b - PAGE, hi, 0, b, "B - 1 page to its end");
	expect_range_exact(_metadata, lo, last, 0, b, "its first page to the last written one");
	expect_range_exact(_metadata, first, hi, 0, b, "the first written page to its end");
	expect_range_walk(_metadata, r.addr, r.len, 0);
	EXPECT_TRUE(fw_pattern_intact(&r));
	expect_no_vma(_metadata, lo - 1);
	expect_no_vma(_metadata, hi);
	fw_region_release(&r);
}

/* one test per boundary kind, named for it */
#define BOUNDARY_TEST(kind)							\
	TEST_F(fw, range_walk_##kind)						\
	{									\
		check_boundary_kind(_metadata, #kind);				\
	}

BOUNDARY_TEST(empty_then_anon4k_2m)
BOUNDARY_TEST(empty_then_anon4k_4m)
BOUNDARY_TEST(empty_then_anon4k_1g)
BOUNDARY_TEST(empty_then_anon4k_512g)
BOUNDARY_TEST(empty_then_anon4k_256t)
BOUNDARY_TEST(anon4k_then_empty_2m)
BOUNDARY_TEST(anon4k_then_empty_4m)
BOUNDARY_TEST(anon4k_then_empty_1g)
BOUNDARY_TEST(anon4k_then_empty_512g)
BOUNDARY_TEST(anon4k_then_empty_256t)

TEST_F(fw, hole_and_no_vma)
{
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "untouched", 4 * PAGE);
	p = r.addr;
	expect_not_found(_metadata, (unsigned long)p, 0);
	expect_not_found(_metadata, (unsigned long)p + r.len - 1,
			 FWT_ZEROPAGE | FWT_MIGRATION);
	EXPECT_EQ(pagemap_pfn((unsigned long)p), 0);
	expect_no_vma(_metadata, (unsigned long)p + r.len);
	fw_region_release(&r);
	SETUP_KIND(&r, "hole", 4 * PAGE);
	expect_no_vma(_metadata, (unsigned long)r.addr);
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len - 1);
	fw_region_release(&r);
}

/*
 * A special mapping: [vvar]. Where it is a PFN mapping (VmFlags "pf":
 * x86, arm64, s390) there is no normal page behind it and nothing is
 * found. 32-bit arm maps the vDSO data page as a page of a plain special
 * mapping, and without pte_special() (2 levels) vm_normal_page() takes it
 * for a normal page, as base's follow_page() did: there the walker must
 * find exactly the page pagemap shows.
 */
TEST_F(fw, special_vvar)
{
	unsigned long a, end;
	struct fw_region r;
	int pfnmap;

	SETUP_KIND(&r, "vvar", 0);
	pfnmap = fw_vma_has_flag(r.addr, "pf");
	ASSERT_GE(pfnmap, 0) TH_LOG("no VmFlags for [vvar] in smaps");
	end = (unsigned long)r.addr + r.len;
	for (a = (unsigned long)r.addr; a < end; a += PAGE) {
		if (pfnmap || !pagemap_pfn(a))
			expect_not_found(_metadata, a, FWT_ZEROPAGE | FWT_MIGRATION);
		else
			expect_mapped(_metadata, a, 0, FWT_LEVEL_PTE, 0);
	}
	fw_region_release(&r);
}

/* A tagged pointer (arm64 TBI) walks to the same page as the untagged one. */
TEST_F(fw, tagged_address)
{
	struct folio_walk_test t;
	unsigned long tagged;
	struct fw_region r;
	char *p;

	SETUP_KIND(&r, "anon4k", PAGE);
	p = r.addr;
#if FW_64BIT
	tagged = (unsigned long)p | (0x5aUL << 56);
#else
	tagged = (unsigned long)p;	/* 32-bit: no bits above it to tag it with */
#endif
#if defined(__aarch64__) || !FW_64BIT
	ASSERT_EQ(fw_walk(tagged, 0, &t), 0);
	EXPECT_EQ(t.found, 1);
	EXPECT_EQ(t.pfn, pagemap_pfn((unsigned long)p));
#elif defined(__s390x__)
	/* no tags: a user address that no VMA maps */
	EXPECT_EQ(fw_walk(tagged, 0, &t), -EFAULT);
#else
	/* no tags: a non-canonical address */
	EXPECT_EQ(fw_walk(tagged, 0, &t), -EINVAL);
#endif
	fw_region_release(&r);
}

TEST_F(fw, hostile_input)
{
	struct folio_walk_test t;
	struct fw_region r;
	char *p, *buf;

	SETUP_KIND(&r, "anon4k", PAGE);
	p = r.addr;
	/* wrong size, unknown flags, reserved bits */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t) - 8;
	t.addr = (unsigned long)p;
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(fw_walk((unsigned long)p, 1U << 7, &t), -EINVAL);
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.addr = (unsigned long)p;
	t.reserved = 1;
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, &t), -1);
	EXPECT_EQ(errno, EINVAL);
	/* the top address, and kernel or non-canonical ones */
	EXPECT_EQ(fw_walk(~0UL, 0, &t), -EINVAL);
#ifdef __s390x__
	/* TASK_SIZE_MAX is -PAGE_SIZE: these are user addresses, no VMA */
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EFAULT);
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EFAULT);
#elif defined(__aarch64__)
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EINVAL);
	/* the top byte is a tag (TBI): 1 << 62 is address 0, no VMA */
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EFAULT);
	EXPECT_EQ(fw_walk(1UL << 52, 0, &t), -EINVAL);
#elif FW_64BIT
	EXPECT_EQ(fw_walk(~0UL << 47, 0, &t), -EINVAL);
	EXPECT_EQ(fw_walk(1UL << 62, 0, &t), -EINVAL);
#else
	/* 32-bit: an address past 4 GiB, which no unsigned long holds */
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.addr = 1ULL << 40;
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, &t), -1);
	EXPECT_EQ(errno, EINVAL);
#endif
	/* no VMA at all */
	EXPECT_EQ(fw_walk(0, 0, &t), -EFAULT);
	/* bad pointers to the struct */
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, NULL), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, (void *)16), -1);
	EXPECT_EQ(errno, EFAULT);
	/* another ioctl */
	EXPECT_EQ(ioctl(fw_fd, _IO('f', 99), 0), -1);
	EXPECT_EQ(errno, ENOTTY);
	/* an unaligned struct works */
	buf = malloc(sizeof(t) + 1);
	ASSERT_NE(buf, NULL);
	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.addr = (unsigned long)p;
	memcpy(buf + 1, &t, sizeof(t));
	EXPECT_EQ(ioctl(fw_fd, FOLIO_WALK_TEST, buf + 1), 0);
	memcpy(&t, buf + 1, sizeof(t));
	EXPECT_EQ(t.found, 1);
	EXPECT_EQ(t.pfn, pagemap_pfn((unsigned long)p));
	free(buf);
	fw_region_release(&r);
}
