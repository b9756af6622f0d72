// SPDX-License-Identifier: GPL-2.0
/*
 * fw_oracle: the kinds that may be absent (SKIP with the reason): swap, memcg,
 * hwpoison, uffd-wp markers, secretmem, NUMA hints, device and fs DAX.
 * Included by oracle/main.c (see there).
 */

/*
 * Set up kind name, or SKIP with the reason code absent (FW_ABSENT()) when
 * the kernel has no such thing (why_absent is the setup's reason that
 * means so); any other reason fails the test.
 */
#define SETUP_KIND_OR_SKIP(r, name, why_absent, absent, what)			\
	do {									\
		if (fw_region_setup_name(r, name, 0)) {				\
			if (!strcmp((r)->why, why_absent))			\
				SKIP(return, "%sno %s in this kernel (%s)",	\
				     absent, what, (r)->why);			\
			ASSERT_TRUE(0) TH_LOG("%s: unavailable: %s", name, (r)->why); \
		}								\
	} while (0)

/*
 * Swapped-out anonymous pages: swap entries map no folio, at any address
 * of the range, with or without FWT_MIGRATION; reading the data back swaps
 * it in, and then each page is mapped again, by a PTE, data intact.
 */
TEST_F(fw, swapped_out)
{
	struct fw_region r;
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "swapped_out", "no_swap_in_kernel", FW_ABSENT(SWAP), "swap");
	for (pg = 0; pg < r.len / PAGE; pg++) {
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE, 0);
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE + PAGE - 1,
				 FWT_MIGRATION | FWT_ZEROPAGE);
		EXPECT_EQ(pagemap_pfn((unsigned long)r.addr + pg * PAGE), 0);
	}
	EXPECT_TRUE(fw_pattern_intact(&r)) TH_LOG("data lost through swap");
	expect_range(_metadata, r.addr, r.len, 0, FWT_LEVEL_PTE, 0);
	fw_region_release(&r);
}

/* Pages mapped from the swap cache after swap-in: ordinary anon folios. */
TEST_F(fw, swapcache)
{
	struct fw_region r;
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "swapcache", "no_swap_in_kernel", FW_ABSENT(SWAP), "swap");
	for (pg = 0; pg < r.len / PAGE; pg++)
		EXPECT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr + pg * PAGE),
				    KPF_SWAPCACHE)) TH_LOG("page %zu left the swap cache", pg);
	expect_kind(_metadata, &r, 0);
	/* a read fault maps a swap-cache page write-protected (the swap slot
	 * is kept); the walker reports the entry as it is */
	expect_write(_metadata, (unsigned long)r.addr, 0, 0);
	EXPECT_TRUE(fw_pattern_intact(&r));
	fw_region_release(&r);
}

/*
 * Pages charged to a memory cgroup at its memory.max (memcg_over_max):
 * where pagemap sees a present page the walker finds that folio, an order-0
 * anonymous one mapped by a PTE; where pagemap sees a swap entry it finds
 * none. Reading the data back (swap-in, charged to the same cgroup, which
 * reclaims again) finds it intact, and the cgroup stayed within its limit.
 */
TEST_F(fw, memcg_over_max)
{
	struct fw_region r;
	long present = 0, swapped = 0, cur, max;
	char path[160];
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "memcg_over_max", "no_memcg", FW_ABSENT(MEMCG),
			   "memory cgroup controller");
	for (pg = 0; pg < r.len / PAGE; pg++) {
		unsigned long a = (unsigned long)r.addr + pg * PAGE;

		if (pagemap_pfn(a)) {
			expect_mapped(_metadata, a, 0, FWT_LEVEL_PTE, 0);
			present++;
		} else {
			expect_not_found(_metadata, a, 0);
			expect_not_found(_metadata, a + PAGE - 1, FWT_MIGRATION | FWT_ZEROPAGE);
			swapped++;
		}
	}
	EXPECT_GT(present, 0);
	EXPECT_GT(swapped, 0);
	TH_LOG("memcg_over_max: %ld present, %ld swapped (setup: %s)", present, swapped, r.note);
	EXPECT_TRUE(fw_pattern_intact(&r)) TH_LOG("data lost through memcg reclaim");
	snprintf(path, sizeof(path), "%s/memory.current", r.memcg.dir);
	cur = fw_read_long(path);
	snprintf(path, sizeof(path), "%s/memory.max", r.memcg.dir);
	max = fw_read_long(path);
	EXPECT_GT(cur, 0);
	EXPECT_LE(cur, max) TH_LOG("memory.current %ld over memory.max %ld", cur, max);
	EXPECT_GT(fw_memcg_key(&r.memcg, "memory.events", "max"), 0);
	fw_region_release(&r);
}

/* no folio at any page of r, whatever the flags: the entries map none */
static void expect_no_folio_anywhere(struct __test_metadata *_metadata,
				     const struct fw_region *r, size_t from)
{
	size_t pg;

	for (pg = from; pg < r->len / PAGE; pg++) {
		expect_not_found(_metadata, (unsigned long)r->addr + pg * PAGE, 0);
		expect_not_found(_metadata, (unsigned long)r->addr + pg * PAGE + PAGE - 1,
				 FWT_MIGRATION | FWT_ZEROPAGE);
	}
}

/*
 * Swap entries that keep the soft-dirty bit (CONFIG_MEM_SOFT_DIRTY): no
 * folio, as for any swap entry, and the walks leave the bit alone; swap-in
 * brings the data back into soft-dirty PTEs.
 */
TEST_F(fw, swapped_out_soft_dirty)
{
	struct fw_region r;
	long n;

	if (fw_read_long("/proc/sys/vm/swappiness") < 0)
		SKIP(return, FW_ABSENT(SWAP) "no swap in this kernel (no /proc/sys/vm/swappiness)");
	SETUP_KIND_OR_SKIP(&r, "swapped_out_soft_dirty", "no_soft_dirty", FW_ABSENT(MEM_SOFT_DIRTY),
			   "soft-dirty tracking");
	n = (long)(r.len / PAGE);
	expect_no_folio_anywhere(_metadata, &r, 0);
	EXPECT_EQ(fw_region_count(&r, PM_SWAP | PM_SOFT_DIRTY, PM_PRESENT), n);
	EXPECT_TRUE(fw_pattern_intact(&r)) TH_LOG("data lost through swap");
	EXPECT_EQ(fw_region_count(&r, PM_PRESENT | PM_SOFT_DIRTY, 0), n)
		TH_LOG("swap-in lost the soft-dirty bit");
	expect_range(_metadata, r.addr, r.len, 0, FWT_LEVEL_PTE, 0);
	fw_region_release(&r);
}

/*
 * hwpoison entries (memory_failure() through MADV_HWPOISON): no folio at
 * any address, with any flags; the pages stay poisoned (each entry's pfn
 * is HWPOISON in kpageflags) and every read is SIGBUS.
 */
TEST_F(fw, hwpoison_anon4k)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "hwpoison_anon4k", "no_memory_failure", FW_ABSENT(MEMORY_FAILURE),
			   "memory failure handling");
	expect_no_folio_anywhere(_metadata, &r, 0);
	EXPECT_EQ(fw_expect_hwpoison(&r, 0, r.len / PAGE), 0) TH_LOG("%s", r.why);
	EXPECT_EQ(fw_probe_read(&r), 0) TH_LOG("a poisoned page could be read");
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

/*
 * A THP with its first page poisoned: memory_failure() split it; the
 * hwpoison entry maps no folio, the other pages are order-0 folios mapped
 * by PTEs, readable, next to it in the same page table.
 */
TEST_F(fw, hwpoison_thp)
{
	struct fw_region r;
	unsigned long next;

	SETUP_KIND_OR_SKIP(&r, "hwpoison_thp", "no_memory_failure", FW_ABSENT(MEMORY_FAILURE),
			   "memory failure handling");
	next = (unsigned long)r.addr + PAGE;
	expect_not_found(_metadata, (unsigned long)r.addr, 0);
	expect_not_found(_metadata, next - 1, FWT_MIGRATION | FWT_ZEROPAGE);
	expect_range(_metadata, (char *)next, r.len - PAGE, 0, FWT_LEVEL_PTE, 0);
	EXPECT_FALSE(has_kpf(pagemap_pfn(next), KPF_THP));
	EXPECT_EQ(fw_expect_hwpoison(&r, 0, 1), 0) TH_LOG("%s", r.why);
	EXPECT_EQ(fw_probe_read(&r), (int)(r.len / PAGE) - 1);
	fw_region_release(&r);
}

/*
 * uffd-wp PTE markers (a write-protected range zapped): no folio where a
 * marker is, and the walks keep the markers; a read fault maps the page
 * cache's page again, still write-protected (PM_UFFD_WP, not writable).
 */
static void expect_uffd_wp_markers(struct __test_metadata *_metadata,
				   struct fw_region *r, int level, int order)
{
	long n = (long)(r->len / PAGE);

	expect_no_folio_anywhere(_metadata, r, 0);
	EXPECT_EQ(fw_region_count(r, PM_UFFD_WP, PM_PRESENT), n) TH_LOG("markers lost");
	EXPECT_TRUE(fw_pattern_intact(r)) TH_LOG("data lost in the zap");
	expect_range(_metadata, r->addr, r->len, 0, level, order);
	EXPECT_EQ(fw_region_count(r, PM_PRESENT | PM_UFFD_WP, 0), n)
		TH_LOG("the read fault dropped the write protection");
	expect_write(_metadata, (unsigned long)r->addr, 0, 0);
}

TEST_F(fw, uffd_wp_marker_shmem)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "uffd_wp_marker_shmem", "no_uffd_wp_markers", FW_ABSENT(PTE_MARKER_UFFD_WP),
			   "uffd-wp PTE markers");
	expect_uffd_wp_markers(_metadata, &r, FWT_LEVEL_PTE, -1);
	fw_region_release(&r);
}

TEST_F(fw, uffd_wp_marker_hugetlb)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "uffd_wp_marker_hugetlb", "no_uffd_wp_markers", FW_ABSENT(PTE_MARKER_UFFD_WP),
			   "uffd-wp PTE markers");
	expect_uffd_wp_markers(_metadata, &r, FWT_LEVEL_PMD, pmd_order);
	fw_region_release(&r);
}

/*
 * memfd_secret() pages: present, order-0 pages of the secretmem file that
 * the kernel took out of its direct map. folio_walk_start() never walks a
 * secretmem VMA (as GUP does not, and base's follow_page() refused it): no
 * folio at any page, with any flags; the pages stay mapped, data intact.
 */
TEST_F(fw, secretmem)
{
	struct fw_region r;
	size_t pg;

	SETUP_KIND_OR_SKIP(&r, "secretmem", "no_secretmem", FW_ABSENT(SECRETMEM), "memfd_secret()");
	expect_no_folio_anywhere(_metadata, &r, 0);
	for (pg = 0; pg < r.len / PAGE; pg++)
		EXPECT_NE(pagemap_pfn((unsigned long)r.addr + pg * PAGE), 0)
			TH_LOG("page %zu not present", pg);
	EXPECT_TRUE(fw_pattern_intact(&r));
	expect_no_vma(_metadata, (unsigned long)r.addr + r.len);
	fw_region_release(&r);
}

/*
 * Device-dax (pmem; ZONE_DEVICE pages mapped by devmap entries), and a
 * file on a DAX filesystem, whose pages are the same: no folio,
 * at the PTE and at the PMD level, as mainline's vm_normal_page() and
 * vm_normal_page_pmd() have no page for devmap entries; the entries stay
 * mapped: pagemap sees them present, at pfns kpageflags has no page for
 * (KPF_NOPAGE), and the data is there.
 */
static void check_devmap_kind(struct __test_metadata *_metadata, const char *name,
			      const char *why_absent, const char *absent, const char *what)
{
	struct fw_region r;
	size_t pg;
	uint64_t pfn;

	SETUP_KIND_OR_SKIP(&r, name, why_absent, absent, what);
	TH_LOG("%s: %s", r.kind->name, r.note);
	for (pg = 0; pg < r.len / PAGE; pg++) {
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE, 0);
		expect_not_found(_metadata, (unsigned long)r.addr + pg * PAGE + PAGE - 1,
				 FWT_MIGRATION | FWT_ZEROPAGE);
		pfn = pagemap_pfn((unsigned long)r.addr + pg * PAGE);
		EXPECT_NE(pfn, 0) TH_LOG("page %zu not present", pg);
		EXPECT_TRUE(has_kpf(pfn, KPF_NOPAGE)) TH_LOG("pfn %#llx has a page", (unsigned long long)pfn);
	}
	EXPECT_TRUE(fw_pattern_intact(&r));
	fw_region_release(&r);
}

/*
 * Entries the NUMA scanner made (fw_numa_hint()): a read-write VMA whose
 * entries are PROT_NONE, pte_protnone()/pmd_protnone(). The walker finds
 * each folio where it is mapped, at the kind's level and order; then each
 * entry in turn (each 4K page, the THP's PMD) takes a hinting fault when
 * read (so each was a hinting entry when the walk found it), the data is
 * intact, and the walk finds the same folios by ordinary entries.
 */
static void expect_numa_hint(struct __test_metadata *_metadata, struct fw_region *r)
{
	size_t off, step = r->kind->level == FW_MAPPED_BY_PMD ? r->len : PAGE;

	expect_kind(_metadata, r, 0);
	for (off = 0; off < r->len; off += step)
		EXPECT_TRUE(fw_hint_faulted(r->addr + off))
			TH_LOG("the entry at +%#zx took no hinting fault", off);
	EXPECT_TRUE(fw_pattern_intact(r));
	expect_kind(_metadata, r, 0);
}

TEST_F_TIMEOUT(fw, numa_hint_anon4k, 120)
{
	struct fw_region r;

	SETUP_KIND_OR_SKIP(&r, "numa_hint_anon4k", "no_numa_balancing", FW_ABSENT(NUMA_BALANCING),
			   "NUMA balancing");
	expect_numa_hint(_metadata, &r);
	fw_region_release(&r);
}

TEST_F_TIMEOUT(fw, numa_hint_thp, 120)
{
	struct fw_region r;

	NEED_THP();
	SETUP_KIND_OR_SKIP(&r, "numa_hint_thp", "no_numa_balancing", FW_ABSENT(NUMA_BALANCING),
			   "NUMA balancing");
	ASSERT_TRUE(has_kpf(pagemap_pfn((unsigned long)r.addr), KPF_THP));
	expect_numa_hint(_metadata, &r);
	fw_region_release(&r);
}

TEST_F(fw, devdax_pte)
{
	check_devmap_kind(_metadata, "devdax_pte", "no_device_dax", FW_ABSENT(DEV_DAX),
			  "device-dax");
}

TEST_F(fw, devdax_pmd)
{
	check_devmap_kind(_metadata, "devdax_pmd", "no_device_dax", FW_ABSENT(DEV_DAX),
			  "device-dax");
}

/*
 * A file on a DAX filesystem (ext4 -o dax on pmem): the same devmap
 * entries of ZONE_DEVICE pages, inserted by the filesystem's DAX fault
 * path at the PTE and (one aligned extent, checked by the setup) at the
 * PMD level; the same answer as for device-dax.
 */
TEST_F(fw, fsdax_ext4_pte)
{
	check_devmap_kind(_metadata, "fsdax_ext4_pte", "no_fsdax", FW_ABSENT(FS_DAX),
			  "DAX filesystem");
}

TEST_F(fw, fsdax_ext4_pmd)
{
	check_devmap_kind(_metadata, "fsdax_ext4_pmd", "no_fsdax", FW_ABSENT(FS_DAX),
			  "DAX filesystem");
}
