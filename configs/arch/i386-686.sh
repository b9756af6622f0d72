# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# i386 as Debian's 686 flavour builds it: 2-level page tables (PMD, PUD
# and P4D folded at compile time: pmd_addr_end() is the end of the range,
# one PGD entry and its PTE table map 4 MiB), HIGHMEM4G and HIGHPTE (PTE
# tables in highmem, mapped with kmap_local while a walk reads them),
# THP of 4 MiB. Sourced by lab/lib.sh.
KARCH=i386
CROSS_COMPILE=
USER_CC=i686-linux-gnu-gcc
USER_TRIPLET=i386-linux-gnu
CROSS_PACKAGES="gcc-i686-linux-gnu libc6-dev-i386-cross"
DEB_ARCH=i386
KIMAGE=arch/x86/boot/bzImage
KTARGET=bzImage
QEMU=qemu-system-i386
QEMU_PACKAGE=qemu-system-x86
# (vendor: as "AMD" family 6, the TCG CPU makes 32-bit SMP kernels warn
# that this combination of AMD processors is not suitable for SMP)
QEMU_MACHINE="-M pc -cpu max,vendor=GenuineIntel"
CONSOLE=ttyS0
GEOMETRY="2 levels, HIGHPTE"
# No NUMA on 32-bit x86 without BIGSMP and PAE. 3G, below QEMU pc's 4G
# hole: 896M of lowmem and the rest highmem, where HIGHPTE puts the PTE
# tables of the tests.
NUMA_NODES=1
MEM_PER_NODE=3G
# map_hugetlb maps 256M of the default size
HUGEPAGES="hugepagesz=4M hugepages=80 default_hugepagesz=4M"
# The machine: ACPI, without which the kernel finds one CPU (QEMU's MP
# table). COMPAT_32BIT_TIME: the 32-bit time syscalls, which Debian's
# glibc calls (nanosleep() is ENOSYS without them, and busybox's sleep
# and timeout return at once); allnoconfig leaves them out, Debian has
# them.
ARCH_KCONFIG="
CONFIG_NUMA=n
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_PCI=y
CONFIG_ACPI=y
CONFIG_COMPAT_32BIT_TIME=y
"
# Debian's config of this arch: the line of configs/distro.list (version,
# file; sha256 in configs/distro.sha256) MMCONFIG=debian derives the mm
# fragment from (lab/debian-config.sh), and the arch options that decide
# the geometry, taken with Debian's values.
DEBIAN_CONFIG=i386-686
DEBIAN_ARCH_OPTIONS="HIGHMEM4G HIGHPTE"
# What these machines cannot run (also for i386-686-pae, which sources
# this file): Debian's 32-bit x86 configs have no NUMA (it needs
# X86_BIGSMP), so no move_pages() or migrate_pages() at all; 6.1 has
# soft-dirty and uffd-wp markers on x86_64 only; device-dax needs
# ZONE_DEVICE, which needs SPARSEMEM_VMEMMAP, which 32-bit x86 has not.
NOT_HERE="
selftests.migration                 needs two NUMA nodes (Debian's 32-bit x86 configs have no NUMA)
selftests.ksm_numa_merge_1          needs two NUMA nodes (Debian's 32-bit x86 configs have no NUMA)
selftests.ksm_numa_merge_0          needs two NUMA nodes (Debian's 32-bit x86 configs have no NUMA)
foliowalk.diff/move_pages           absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.demo/move_pages           absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.race/status_vs_unmap      absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.race/migrate_vs_access    absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.race/hugetlb_fault_unmap  absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.race/status_vs_pageout    absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.race/status_vs_numa_hinting    absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.race/migrate_vs_memcg_reclaim  absent:NUMA  needs move_pages() (Debian's 32-bit x86 configs have no NUMA)
foliowalk.oracle/fw.migration_entry_in_flight  absent:SECOND_NODE  needs two NUMA nodes (Debian's 32-bit x86 configs have no NUMA)
foliowalk.oracle/fw.numa_hint_anon4k  absent:NUMA_BALANCING  needs NUMA balancing (Debian's 32-bit x86 configs have no NUMA)
foliowalk.oracle/fw.numa_hint_thp     absent:NUMA_BALANCING  needs NUMA balancing (Debian's 32-bit x86 configs have no NUMA)
foliowalk.oracle/fw.swapped_out_soft_dirty  absent:MEM_SOFT_DIRTY  needs soft-dirty tracking (6.1 has HAVE_ARCH_SOFT_DIRTY on x86_64 only)
foliowalk.oracle/fw.uffd_wp_marker_shmem    absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 has HAVE_ARCH_USERFAULTFD_WP on x86_64 only)
foliowalk.oracle/fw.uffd_wp_marker_hugetlb  absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 has HAVE_ARCH_USERFAULTFD_WP on x86_64 only)
foliowalk.oracle/fw.devdax_pte      absent:DEV_DAX  needs device-dax (ZONE_DEVICE needs SPARSEMEM_VMEMMAP: not on 32-bit x86)
foliowalk.oracle/fw.devdax_pmd      absent:DEV_DAX  needs device-dax (ZONE_DEVICE needs SPARSEMEM_VMEMMAP: not on 32-bit x86)
foliowalk.oracle/fw.fsdax_ext4_pte  absent:FS_DAX  needs a DAX filesystem (ZONE_DEVICE needs SPARSEMEM_VMEMMAP: not on 32-bit x86)
foliowalk.oracle/fw.fsdax_ext4_pmd  absent:FS_DAX  needs a DAX filesystem (ZONE_DEVICE needs SPARSEMEM_VMEMMAP: not on 32-bit x86)
"
. "$LAB_TOP/configs/arch/32bit.inc"
NOT_HERE+=$NOT_HERE_32BIT
