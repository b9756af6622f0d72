# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# 32-bit arm as Debian's armmp flavour builds it (ARMv7, QEMU virt):
# 2-level page tables (arch/arm/include/asm/pgtable-2level.h: the PMD is
# folded into the PGD and pmd_addr_end() is the end of the range; one PGD
# entry and its PTE table map 2 MiB), HIGHMEM and HIGHPTE, no THP and no
# hugetlb. Sourced by lab/lib.sh.
KARCH=arm
CROSS_COMPILE=arm-linux-gnueabihf-
USER_CC=arm-linux-gnueabihf-gcc
CROSS_PACKAGES="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"
DEB_ARCH=armhf
KIMAGE=arch/arm/boot/zImage
KTARGET=zImage
QEMU=qemu-system-arm
QEMU_PACKAGE=qemu-system-arm
QEMU_MACHINE="-M virt,highmem=off -cpu cortex-a15"
CONSOLE=ttyAMA0
GEOMETRY="2 levels, HIGHPTE"
# No NUMA on 32-bit arm. 3G: about 760M of lowmem (VMSPLIT_3G) and the
# rest highmem, where HIGHPTE puts the PTE tables of the tests.
NUMA_NODES=1
MEM_PER_NODE=3G
HUGEPAGES=""
# The machine: QEMU virt (GIC, PSCI, architected timer, PL011), the
# VFP/NEON that Debian's hard-float user space needs, and the 32-bit time
# syscalls its glibc calls (configs/arch/i386-686.sh), and Debian's vDSO
# ([vvar], a special mapping the oracle walks) and kuser helpers. 2-level arm has no
# THP and no hugetlb (HAVE_ARCH_TRANSPARENT_HUGEPAGE and
# ARCH_SUPPORTS_HUGETLBFS come with LPAE), so mm.config's THP and hugetlb go;
# ZONE_DMA is selected by boards Debian's config has and QEMU virt does not.
ARCH_KCONFIG="
CONFIG_TRANSPARENT_HUGEPAGE=n
CONFIG_TRANSPARENT_HUGEPAGE_MADVISE=n
CONFIG_HUGETLBFS=n
CONFIG_HUGETLB_PAGE=n
CONFIG_ZONE_DMA=n
CONFIG_COMPAT_32BIT_TIME=y
CONFIG_NUMA=n
CONFIG_MMU=y
CONFIG_ARCH_MULTI_V7=y
CONFIG_ARCH_VIRT=y
CONFIG_AEABI=y
CONFIG_HAVE_ARM_ARCH_TIMER=y
CONFIG_VFP=y
CONFIG_VFPv3=y
CONFIG_NEON=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y
CONFIG_VDSO=y
CONFIG_KUSER_HELPERS=y
"
DEBIAN_CONFIG=armhf-armmp
DEBIAN_ARCH_OPTIONS="HIGHMEM HIGHPTE ARM_LPAE"
NOT_HERE="
selftests.migration                 needs two NUMA nodes (32-bit arm has no NUMA)
selftests.ksm_numa_merge_1          needs two NUMA nodes (32-bit arm has no NUMA)
selftests.ksm_numa_merge_0          needs two NUMA nodes (32-bit arm has no NUMA)
selftests.split_huge_page_test      needs THP (Debian's armmp config has none: 2-level arm has no THP)
selftests.map_hugetlb               needs hugetlb (Debian's armmp config has none)
foliowalk.diff/move_pages           absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.demo/move_pages           absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.race/status_vs_unmap      absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.race/migrate_vs_access    absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.race/hugetlb_fault_unmap  absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.race/status_vs_pageout    absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.race/status_vs_numa_hinting    absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.race/migrate_vs_memcg_reclaim  absent:NUMA  needs move_pages() (32-bit arm has no NUMA)
foliowalk.oracle/fw.migration_entry_in_flight  absent:SECOND_NODE  needs two NUMA nodes (32-bit arm has no NUMA)
foliowalk.oracle/fw.numa_hint_anon4k  absent:NUMA_BALANCING  needs NUMA balancing (32-bit arm has no NUMA)
foliowalk.oracle/fw.numa_hint_thp     absent:TRANSPARENT_HUGEPAGE  needs THP, then NUMA balancing (2-level arm has no THP, 32-bit arm no NUMA)
foliowalk.oracle/fw.thp_pmd           absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.oracle/fw.thp_pte_mapped    absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.oracle/fw.thp_pte_mapped_dontneed  absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.oracle/fw.huge_zero_page    absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.oracle/fw.hwpoison_thp      absent:MEMORY_FAILURE  needs THP and memory failure handling (neither on 2-level arm)
foliowalk.oracle/fw.hugetlb_every_size  absent:HUGETLBFS  needs hugetlb (2-level arm has none)
foliowalk.oracle/fw.range_walk_hugetlb  absent:HUGETLBFS  needs hugetlb (2-level arm has none)
foliowalk.split/global.split_all_pmd_mapped    absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.split/global.split_only_the_range    absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.split/global.split_pte_mapped        absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.split/global.zero_pages_are_skipped  absent:TRANSPARENT_HUGEPAGE  needs split_huge_pages (THP; 2-level arm has none)
foliowalk.race/split_vs_collapse      absent:TRANSPARENT_HUGEPAGE  needs THP (2-level arm has none)
foliowalk.oracle/fw.hwpoison_anon4k   absent:MEMORY_FAILURE  needs memory failure handling (6.1 arm has no ARCH_SUPPORTS_MEMORY_FAILURE)
foliowalk.oracle/fw.swapped_out_soft_dirty  absent:MEM_SOFT_DIRTY  needs soft-dirty tracking (6.1 has HAVE_ARCH_SOFT_DIRTY on x86_64 only)
foliowalk.oracle/fw.uffd_wp_marker_shmem    absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 has HAVE_ARCH_USERFAULTFD_WP on x86_64 only)
foliowalk.oracle/fw.uffd_wp_marker_hugetlb  absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 has HAVE_ARCH_USERFAULTFD_WP on x86_64 only)
foliowalk.oracle/fw.secretmem         absent:SECRETMEM  needs memfd_secret() (6.1 has ARCH_HAS_SET_DIRECT_MAP on arm64, x86 and riscv only)
foliowalk.oracle/fw.devdax_pte        absent:DEV_DAX  needs device-dax (ZONE_DEVICE needs memory hotplug and SPARSEMEM_VMEMMAP: not on 32-bit arm)
foliowalk.oracle/fw.devdax_pmd        absent:DEV_DAX  needs device-dax (ZONE_DEVICE needs memory hotplug and SPARSEMEM_VMEMMAP: not on 32-bit arm)
foliowalk.oracle/fw.fsdax_ext4_pte    absent:FS_DAX  needs a DAX filesystem (ZONE_DEVICE needs memory hotplug and SPARSEMEM_VMEMMAP: not on 32-bit arm)
foliowalk.oracle/fw.fsdax_ext4_pmd    absent:FS_DAX  needs a DAX filesystem (ZONE_DEVICE needs memory hotplug and SPARSEMEM_VMEMMAP: not on 32-bit arm)
"
. "$LAB_TOP/configs/arch/32bit.inc"
NOT_HERE+=$NOT_HERE_32BIT
