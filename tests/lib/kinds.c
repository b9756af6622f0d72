// SPDX-License-Identifier: GPL-2.0
/* lib/kinds.c: the table of kinds (fw_kind_defs[]), its lookup, and a region set up and released */
#define _GNU_SOURCE
#include "fw.h"

struct fw_kinds_env fw_env;
struct fw_kind fw_kinds[FW_MAX_KINDS];
int fw_nr_kinds;

int fw_unavailable(struct fw_region *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return -1;
}

#define FW_DIFF_ALL	(FW_USE_DIFF | FW_USE_BATCH)

/* a boundary kind (fw_setup_boundary()); not FW_K_POPULATED: most of its VMA is not */
#define FW_BOUNDARY_KIND(kname, karg)					\
	{ .name = kname, .setup = fw_setup_boundary, .arg = karg,		\
	  .flags = FW_K_MERGES | FW_K_BOUNDARY,					\
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,			\
	  .uses = FW_USE_DIFF | FW_USE_ORACLE }

/*
 * The kinds, in the order the programs walk them (fw_diff prints them in
 * this order). The hugetlb entry is the template of hugetlb_<size>.
 */
static const struct fw_kind fw_kind_defs[] = {
	{ .name = "anon4k", .setup = fw_setup_anon, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_MERGES,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_RACE | FW_USE_DEMO },
	{ .name = "thp_pmd", .setup = fw_setup_thp, .arg = FW_THP_PMD,
	  .flags = FW_K_POPULATED | FW_K_THP,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_PMD,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "thp_pte", .setup = fw_setup_thp, .arg = FW_THP_PTE,
	  .flags = FW_K_POPULATED | FW_K_THP,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PMD,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "hugetlb_", .setup = fw_setup_hugetlb,
	  .flags = FW_K_POPULATED | FW_K_HUGETLB,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_SIZE,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_RACE | FW_USE_DEMO },
	{ .name = "zero", .setup = fw_setup_zero, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_ZERO,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_DEMO },
	{ .name = "huge_zero", .setup = fw_setup_huge_zero,
	  .flags = FW_K_ZERO,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_PMD,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "ksm", .setup = fw_setup_ksm, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_KSM | FW_K_MERGES,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_DIFF_ALL | FW_USE_MOVE_ALL | FW_USE_ORACLE | FW_USE_DEMO },
	{ .name = "memfd_private", .setup = fw_setup_file, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_FILE,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_ANY,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "memfd_shared", .setup = fw_setup_file, .arg = FW_F_SHARED, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_FILE | FW_K_SHARED,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_ANY,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "tmpfs_private", .setup = fw_setup_file, .arg = FW_F_TMPFS, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_FILE,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_ANY,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "tmpfs_shared", .setup = fw_setup_file, .arg = FW_F_TMPFS | FW_F_SHARED, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_FILE | FW_K_SHARED,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_ANY,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "cow_child", .setup = fw_setup_anon, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_CHILD,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_DIFF | FW_USE_MOVE_ALL | FW_USE_ORACLE },
	{ .name = "protnone", .setup = fw_setup_anon, .arg = FW_ANON_PROTNONE, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_PROT_NONE,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE },
	{ .name = "protnone_thp", .setup = fw_setup_thp, .arg = FW_THP_PROTNONE,
	  .flags = FW_K_PROT_NONE,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_PMD,
	  .uses = FW_DIFF_ALL },
	/*
	 * NUMA-hinting entries the scanner made (read-write VMA, PROT_NONE
	 * entries), the scanner stopped after its pass (fw_numa_hint())
	 */
	{ .name = "numa_hint_anon4k", .setup = fw_setup_anon, .arg = FW_ANON_NUMA_HINT, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_NUMA_HINT,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_DIFF_HINT | FW_USE_ORACLE },
	{ .name = "numa_hint_thp", .setup = fw_setup_thp, .arg = FW_THP_NUMA_HINT,
	  .flags = FW_K_NUMA_HINT,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_PMD,
	  .uses = FW_USE_DIFF_HINT | FW_USE_ORACLE },
	{ .name = "untouched", .setup = fw_setup_untouched, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_UNTOUCHED,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE | FW_USE_DEMO },
	{ .name = "hole", .setup = fw_setup_hole, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_HOLE,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_DIFF_ALL | FW_USE_ORACLE | FW_USE_DEMO },
	{ .name = "vdso", .setup = fw_setup_special, .arg = FW_SPECIAL_VDSO,
	  .flags = FW_K_SPECIAL,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_ANY,
	  .uses = FW_DIFF_ALL | FW_USE_MOVE_ALL },
	/* [vvar]: special PFN entries, no folio behind them (but on 32-bit arm) */
	{ .name = "vvar", .setup = fw_setup_special, .arg = FW_SPECIAL_VVAR,
	  .flags = FW_K_SPECIAL,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_DIFF_ALL | FW_USE_MOVE_ALL | FW_USE_ORACLE },
	/* swap entries: no folio is mapped; reading the data swaps it in */
	{ .name = "swapped_out", .setup = fw_setup_swapped, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_SWAPPED,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "swapped_out_soft_dirty", .setup = fw_setup_swapped, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_SWAPPED | FW_K_SOFT_DIRTY,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "swapcache", .setup = fw_setup_swapped, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_SWAPCACHE,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "anon4k_above_128t", .setup = fw_setup_anon_high, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_POPULATED | FW_K_HIGH,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	/*
	 * A VMA of 4K pages across a multiple B of a level's size (2M, 4M,
	 * 1G, 512G, 256T): an empty block, then the written pages just past
	 * B; the written pages just before B, then an empty block
	 * (fw_setup_boundary())
	 */
	FW_BOUNDARY_KIND("empty_then_anon4k_2m", 21),
	FW_BOUNDARY_KIND("empty_then_anon4k_4m", 22),
	FW_BOUNDARY_KIND("empty_then_anon4k_1g", 30),
	FW_BOUNDARY_KIND("empty_then_anon4k_512g", 39),
	FW_BOUNDARY_KIND("empty_then_anon4k_256t", 48),
	FW_BOUNDARY_KIND("anon4k_then_empty_2m", FW_BOUNDARY_END | 21),
	FW_BOUNDARY_KIND("anon4k_then_empty_4m", FW_BOUNDARY_END | 22),
	FW_BOUNDARY_KIND("anon4k_then_empty_1g", FW_BOUNDARY_END | 30),
	FW_BOUNDARY_KIND("anon4k_then_empty_512g", FW_BOUNDARY_END | 39),
	FW_BOUNDARY_KIND("anon4k_then_empty_256t", FW_BOUNDARY_END | 48),
	/* hwpoison entries: no folio; the poisoned pages are never read */
	{ .name = "hwpoison_anon4k", .setup = fw_setup_hwpoison_anon, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_HWPOISON,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	/* the first page poisoned, the rest order-0 pages mapped by PTEs */
	{ .name = "hwpoison_thp", .setup = fw_setup_hwpoison_thp, .arg = FW_THP_PMD,
	  .flags = FW_K_HWPOISON,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	/* uffd-wp PTE markers: no folio mapped; a read maps the page again */
	{ .name = "uffd_wp_marker_shmem", .setup = fw_setup_uffd_wp_shmem, .arg = FW_F_SHARED, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_FILE | FW_K_SHARED | FW_K_UFFD_WP,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "uffd_wp_marker_hugetlb", .setup = fw_setup_uffd_wp_hugetlb,
	  .flags = FW_K_SHARED | FW_K_UFFD_WP,
	  .level = FW_MAPPED_NONE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "secretmem", .setup = fw_setup_secretmem, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_SHARED | FW_K_SECRET,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	/* charged to a memcg at its memory.max: part present, part swapped */
	{ .name = "memcg_over_max", .setup = fw_setup_memcg, .pages = 512,
	  .flags = FW_K_MEMCG,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_PAGE,
	  .uses = FW_USE_ORACLE },
	/* device-dax: devmap PTEs and PMDs of ZONE_DEVICE pages */
	{ .name = "devdax_pte", .setup = fw_setup_devdax, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_SHARED | FW_K_DAX,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "devdax_pmd", .setup = fw_setup_devdax,
	  .flags = FW_K_SHARED | FW_K_DAX,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	/* a DAX filesystem: devmap PTEs and PMDs of a file on ext4 -o dax */
	{ .name = "fsdax_ext4_pte", .setup = fw_setup_fsdax, .pages = FW_SMALL_PAGES,
	  .flags = FW_K_SHARED | FW_K_DAX,
	  .level = FW_MAPPED_BY_PTE, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	{ .name = "fsdax_ext4_pmd", .setup = fw_setup_fsdax,
	  .flags = FW_K_SHARED | FW_K_DAX,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_NONE,
	  .uses = FW_USE_DIFF | FW_USE_ORACLE },
	/* level and order: when the kernel gave THPs (fw_race checks AnonHugePages) */
	{ .name = "thp_advised", .setup = fw_setup_thp_advised,
	  .flags = FW_K_POPULATED | FW_K_THP_ADVISED,
	  .level = FW_MAPPED_BY_PMD, .order = FW_ORDER_PMD,
	  .uses = FW_USE_RACE | FW_USE_DEMO },
};

#define FW_NR_KIND_DEFS	((int)(sizeof(fw_kind_defs) / sizeof(fw_kind_defs[0])))

int fw_cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* "2M", "1G", "64K" */
void fw_size_name(unsigned long bytes, char *buf, size_t len)
{
	if (!(bytes % (1UL << 30)))
		snprintf(buf, len, "%luG", bytes >> 30);
	else if (!(bytes % (1UL << 20)))
		snprintf(buf, len, "%luM", bytes >> 20);
	else
		snprintf(buf, len, "%luK", bytes >> 10);
}

/* every hugetlb size the kernel has, smallest first */
int fw_hugetlb_sizes(unsigned long *sizes, int max)
{
	DIR *dir = opendir("/sys/kernel/mm/hugepages");
	struct dirent *de;
	unsigned long kb;
	int n = 0;

	if (!dir)
		return 0;
	while (n < max && (de = readdir(dir)))
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) == 1)
			sizes[n++] = kb << 10;
	closedir(dir);
	qsort(sizes, n, sizeof(*sizes), fw_cmp_ulong);
	return n;
}

/* the level of the entry that maps a hugetlb page of size sz */
enum fw_mapped_by fw_hugetlb_level(unsigned long sz)
{
	return sz >= FW_PUD_BYTES ? FW_MAPPED_BY_PUD :
	       sz >= fw_env.pmd_sz ? FW_MAPPED_BY_PMD : FW_MAPPED_BY_PTE;
}

/*
 * Read what the kinds need to know about the machine and build
 * fw_kinds[]: fw_kind_defs[] with the hugetlb template made one kind per
 * size.
 */
void fw_kinds_init(void)
{
	unsigned long sizes[FW_MAX_HUGETLB_SIZES];
	char thp[32], sz[24];
	int i, j, n;

	fw_env.page_sz = fw_page_size();
	fw_env.pmd_sz = fw_pmd_size();
	fw_env.thp_sysfs = !access(THP_SYSFS "enabled", F_OK);
	fw_env.thp = !fw_read_choice(THP_SYSFS "enabled", thp, sizeof(thp)) &&
		     strcmp(thp, "never");
	fw_env.ksm = fw_ksm_available();
	fw_env.hugetlb = !access("/sys/kernel/mm/hugepages", F_OK);
	n = fw_hugetlb_sizes(sizes, FW_MAX_HUGETLB_SIZES);
	fw_nr_kinds = 0;
	for (i = 0; i < FW_NR_KIND_DEFS; i++) {
		const struct fw_kind *d = &fw_kind_defs[i];

		if (!(d->flags & FW_K_HUGETLB)) {
			if (fw_nr_kinds < FW_MAX_KINDS)
				fw_kinds[fw_nr_kinds++] = *d;
			continue;
		}
		for (j = 0; j < n && fw_nr_kinds < FW_MAX_KINDS; j++) {
			struct fw_kind *k = &fw_kinds[fw_nr_kinds++];

			*k = *d;
			fw_size_name(sizes[j], sz, sizeof(sz));
			snprintf(k->name, sizeof(k->name), "%.20s%s", d->name, sz);
			k->arg = sizes[j];
			k->level = fw_hugetlb_level(sizes[j]);
		}
	}
}

/* the kind called name, or NULL (a hugetlb size the kernel has not) */
const struct fw_kind *fw_kind_find(const char *name)
{
	int i;

	for (i = 0; i < fw_nr_kinds; i++)
		if (!strcmp(fw_kinds[i].name, name))
			return &fw_kinds[i];
	return NULL;
}

/* the folio order of the kind's pages; -1: any (or nothing mapped) */
int fw_kind_order(const struct fw_kind *k)
{
	switch (k->order) {
	case FW_ORDER_PAGE:
		return 0;
	case FW_ORDER_PMD:
		return fw_log2(fw_env.pmd_sz / fw_env.page_sz);
	case FW_ORDER_SIZE:
		return fw_log2(k->arg / fw_env.page_sz);
	default:
		return -1;
	}
}

/* the length of an instance when none is asked for */
size_t fw_kind_len(const struct fw_kind *k)
{
	if (k->pages)
		return k->pages * fw_env.page_sz;
	if (k->flags & FW_K_HUGETLB)
		return k->arg;
	return fw_env.pmd_sz;	/* THP kinds; special mappings take their VMA's */
}

unsigned int fw_name_hash(const char *s)
{
	unsigned int h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h & 0xffff;
}

/* teardown, for every kind: what the setup mapped, opened and copied */
void fw_region_release(struct fw_region *r)
{
	if (r->span.len)
		munmap(r->span.start, r->span.len);
	if (r->fd >= 0)
		close(r->fd);
	if (r->uffd >= 0)
		close(r->uffd);
	if (r->memcg.dir[0] || r->memcg.mounted)
		fw_memcg_remove(&r->memcg);
	if (r->numa_changed)
		fw_write_long(FW_NUMA_BALANCING, r->numa_saved);
	r->numa_changed = 0;
	fw_numa_hint_unpin(r);
	free(r->copy);
	r->copy = NULL;
	r->span.len = 0;
	r->fd = -1;
	r->uffd = -1;
}

/*
 * Set up an instance of k of len bytes (0: the kind's default; THP kinds
 * a multiple of the PMD size, hugetlb of the huge page size). 0, or -1
 * with r->why saying why it is unavailable (nothing is left mapped).
 */
int fw_region_setup(struct fw_region *r, const struct fw_kind *k, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->fd = -1;
	r->uffd = -1;
	r->prot = -1;
	r->seed = fw_name_hash(k->name);
	r->len = len ? len : fw_kind_len(k);
	if (!k->setup(r))
		return 0;
	fw_region_release(r);
	return -1;
}

/* fw_region_setup() of the kind called name */
int fw_region_setup_name(struct fw_region *r, const char *name, size_t len)
{
	static struct fw_kind none;
	const struct fw_kind *k = fw_kind_find(name);

	if (k)
		return fw_region_setup(r, k, len);
	memset(r, 0, sizeof(*r));
	snprintf(none.name, sizeof(none.name), "%.40s", name);
	r->kind = &none;
	r->fd = -1;
	r->uffd = -1;
	r->prot = -1;
	return fw_unavailable(r, "no_kind_%s", name);
}
