// SPDX-License-Identifier: GPL-2.0
/* lib/setup_dax.c: setups of the uffd-wp, DAX and secretmem kinds */
#define _GNU_SOURCE
#include "fw.h"

/*
 * The region's pages write-protected through a userfaultfd (register
 * UFFDIO_REGISTER_MODE_WP, UFFDIO_WRITEPROTECT), then zapped with
 * MADV_DONTNEED: each PTE becomes a uffd-wp PTE marker that keeps the
 * protection of a page that is no longer mapped
 * (UFFD_FEATURE_WP_HUGETLBFS_SHMEM, CONFIG_PTE_MARKER_UFFD_WP). The data
 * stays in the page cache; a read fault maps it again, write-protected.
 * Nothing may write to the region: nobody serves its faults. After
 * fw_uffd_wp_open().
 */
int fw_uffd_wp_zap(struct fw_region *r)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)r->addr, .len = r->len },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)r->addr, .len = r->len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	long n = (long)(r->len / fw_env.page_sz);

	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		return fw_unavailable(r, "uffdio_register_%s", fw_errno_name(errno));
	if (ioctl(r->uffd, UFFDIO_WRITEPROTECT, &wp))
		return fw_unavailable(r, "uffdio_writeprotect_%s", fw_errno_name(errno));
	if (fw_region_count(r, PM_PRESENT | PM_UFFD_WP, 0) != n)
		return fw_unavailable(r, "not_write_protected");
	if (madvise(r->addr, r->len, MADV_DONTNEED))
		return fw_unavailable(r, "madv_dontneed_%s", fw_errno_name(errno));
	if (fw_region_count(r, PM_UFFD_WP, PM_PRESENT) != n)
		return fw_unavailable(r, "no_markers_after_zap");
	return 0;
}

/* uffd_wp_marker_shmem: memfd_shared, write-protected and zapped */
int fw_setup_uffd_wp_shmem(struct fw_region *r)
{
	if (fw_uffd_wp_open(r) || fw_setup_file(r))
		return -1;
	return fw_uffd_wp_zap(r);
}

/*
 * uffd_wp_marker_hugetlb: one shared hugetlb page of the PMD size
 * (MAP_SHARED hugetlb is a hugetlbfs file: the zap keeps its data),
 * written, write-protected and zapped: a marker in the huge PTE.
 */
int fw_setup_uffd_wp_hugetlb(struct fw_region *r)
{
	size_t sz = fw_env.pmd_sz;
	char path[128];

	if (fw_uffd_wp_open(r))
		return -1;
	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
		 sz >> 10);
	if (fw_read_long(path) <= 0)
		return fw_unavailable(r, "no_free_hugetlb_page");
	if (fw_region_map(r, sz, PROT_READ | PROT_WRITE,
			  (fw_hugetlb_flags(sz) & ~MAP_PRIVATE) | MAP_SHARED, -1))
		return -1;
	fw_region_fill(r);
	return fw_uffd_wp_zap(r);
}

/* the /dev/daxN.M whose alignment is align (guest/init makes them); 0 or -1 */
int fw_find_devdax(size_t align, char *dev, size_t len)
{
	DIR *dir = opendir("/sys/bus/dax/devices");
	struct dirent *de;
	char path[300];
	int ret = -1;

	if (!dir)
		return -1;
	while (ret && (de = readdir(dir))) {
		if (strncmp(de->d_name, "dax", 3))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/dax/devices/%.32s/align", de->d_name);
		if (fw_read_long(path) == (long)align) {
			snprintf(dev, len, "/dev/%.32s", de->d_name);
			ret = 0;
		}
	}
	closedir(dir);
	return ret;
}

/*
 * devdax_pte, devdax_pmd: a device-dax device of pmem (guest/init makes
 * one with 4K alignment, mapped by PTEs, and one with 2M, mapped by
 * PMDs; a device of 2M alignment faults only whole PMDs, or SIGBUS),
 * MAP_SHARED, written with the pattern. Its pages are ZONE_DEVICE
 * pages, mapped by devmap entries (special on x86_64): vm_normal_page()
 * has no page for them. Unavailable "no_device_dax" where the kernel or
 * the machine has none.
 */
int fw_setup_devdax(struct fw_region *r)
{
	size_t align = r->kind->level == FW_MAPPED_BY_PMD ? fw_env.pmd_sz : fw_env.page_sz;
	char dev[96];

	if (fw_find_devdax(align, dev, sizeof(dev)))
		return fw_unavailable(r, "no_device_dax");
	r->fd = open(dev, O_RDWR);
	if (r->fd < 0)
		return fw_unavailable(r, "open_%s", fw_errno_name(errno));
	snprintf(r->note, sizeof(r->note), "dev=%.20s", dev + 5);
	if (fw_region_map(r, align, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd))
		return -1;
	fw_region_fill(r);
	return 0;
}

/*
 * fsdax_ext4_pte, fsdax_ext4_pmd: a file on ext4 mounted -o dax on pmem
 * (guest/init mounts it at FW_FSDAX_MNT on x86_64), MAP_SHARED, written:
 * the file's blocks are the pmem's ZONE_DEVICE pages, mapped by devmap
 * entries that the DAX fault path of the filesystem inserted (where
 * device-dax's are inserted by the device's driver). The file is unlinked
 * once open and fallocate()d in one request, which ext4's allocator puts
 * at a 2M-aligned block (the image has a 2M RAID stripe: lab/boot.sh);
 * for the PMD kind FS_IOC_FIEMAP checks that the file is one extent at a
 * PMD-aligned block, without which the PMD fault falls back to PTEs. What
 * maps it is checked in smaps: vm_normal_page() has no page for a devmap
 * PTE (Rss 0), while smaps' PMD walk counts a devmap PMD by its page,
 * which for pmem's order-0 ZONE_DEVICE pages is one page (Rss 4 kB; 6.1's
 * smaps_account() counts compound_nr() pages).
 * Unavailable "no_fsdax" where the guest has no DAX filesystem.
 */
#define FW_FSDAX_MNT	"/mnt/fsdax-ext4"

/* the physical offset of the file's only extent; 0 or -1 (why in r) */
int fw_fsdax_extent(struct fw_region *r, unsigned long long *phys)
{
	struct {
		struct fiemap map;
		struct fiemap_extent ext[2];
	} fm;

	memset(&fm, 0, sizeof(fm));
	fm.map.fm_length = r->len;
	fm.map.fm_flags = FIEMAP_FLAG_SYNC;
	fm.map.fm_extent_count = 2;
	if (ioctl(r->fd, FS_IOC_FIEMAP, &fm.map))
		return fw_unavailable(r, "fiemap_%s", fw_errno_name(errno));
	if (fm.map.fm_mapped_extents != 1 || fm.ext[0].fe_logical ||
	    fm.ext[0].fe_length < r->len)
		return fw_unavailable(r, "fsdax_%u_extents", fm.map.fm_mapped_extents);
	*phys = fm.ext[0].fe_physical;
	return 0;
}

int fw_setup_fsdax(struct fw_region *r)
{
	int pmd = r->kind->level == FW_MAPPED_BY_PMD;
	unsigned long long phys = 0;
	char path[128];
	long rss;

	if (access(FW_FSDAX_MNT "/.fsdax", F_OK))
		return fw_unavailable(r, "no_fsdax");
	snprintf(path, sizeof(path), FW_FSDAX_MNT "/%s.%d", r->kind->name, (int)getpid());
	r->fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (r->fd < 0)
		return fw_unavailable(r, "open_%s", fw_errno_name(errno));
	unlink(path);
	if (fallocate(r->fd, 0, 0, r->len))
		return fw_unavailable(r, "fallocate_%s", fw_errno_name(errno));
	if (pmd && fw_fsdax_extent(r, &phys))
		return -1;
	if (pmd && phys % fw_env.pmd_sz)
		return fw_unavailable(r, "fsdax_extent_at_%lluk", phys >> 10);
	snprintf(r->note, sizeof(r->note), "fs=ext4,dax");
	if (fw_region_map(r, pmd ? fw_env.pmd_sz : fw_env.page_sz,
			  PROT_READ | PROT_WRITE, MAP_SHARED, r->fd))
		return -1;
	fw_region_fill(r);
	rss = fw_smaps_kb(r->addr, "Rss");
	if (pmd ? rss != (long)(fw_env.page_sz >> 10) : rss != 0)
		return fw_unavailable(r, "fsdax_%s_rss_%ldk", pmd ? "pmd" : "pte", rss);
	return 0;
}

#ifndef __NR_memfd_secret
#define __NR_memfd_secret 447
#endif

/*
 * secretmem: memfd_secret(2) pages, MAP_SHARED, written: order-0 folios
 * of the secretmem file that the kernel removed from its direct map
 * (unmovable; GUP and folio_walk_start() do not walk the VMA, as base's
 * follow_page() did not: not FW_K_POPULATED for the programs). 6.1 has memfd_secret() only with
 * secretmem.enable=1 on the command line (lab/boot.sh gives it): ENOSYS
 * is "no_secretmem".
 */
int fw_setup_secretmem(struct fw_region *r)
{
	r->fd = (int)syscall(__NR_memfd_secret, O_CLOEXEC);
	if (r->fd < 0 && errno == ENOSYS)
		return fw_unavailable(r, "no_secretmem");
	if (r->fd < 0)
		return fw_unavailable(r, "memfd_secret_%s", fw_errno_name(errno));
	if (ftruncate(r->fd, (off_t)r->len))
		return fw_unavailable(r, "ftruncate_%s", fw_errno_name(errno));
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd))
		return -1;
	fw_region_fill(r);
	return 0;
}
