# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Everything the lab knows about s390x. Sourced by lab/lib.sh.
KARCH=s390
CROSS_COMPILE=s390x-linux-gnu-
USER_CC=s390x-linux-gnu-gcc
CROSS_PACKAGES="gcc-s390x-linux-gnu libc6-dev-s390x-cross"
DEB_ARCH=s390x
KIMAGE=arch/s390/boot/bzImage
KTARGET=bzImage
QEMU=qemu-system-s390x
QEMU_PACKAGE=qemu-system-misc
QEMU_MACHINE="-M s390-ccw-virtio -cpu max"
CONSOLE=ttysclp0
# s390-ccw-virtio has no -numa, and 6.1's s390 NUMA puts all memory on
# node 0: one node.
NUMA_NODES=1
# QEMU 7.2's TCG CPU has no EDAT-1 (facility 8), without which the kernel
# has neither THP nor hugetlb: the pool below is for real hardware.
HUGEPAGES="hugepagesz=1M hugepages=320 default_hugepagesz=1M"
# make stress: the races that run here (no THP, no hugetlb) peaked at
# 6,120-6,244 kB in the memcg, under the 8M of the other arches
STRESS_MEMCG_MAX=4M
# What this machine cannot run, one line each: "suite.name reason" is not
# run; "suite.name/subtest absent:X reason" must SKIP with that reason
# code (lab/lib.sh, not_here_skip; lab/check.sh lists both).
NOT_HERE="
selftests.migration                 needs two NUMA nodes
selftests.ksm_numa_merge_1          needs two NUMA nodes
selftests.ksm_numa_merge_0          needs two NUMA nodes
selftests.split_huge_page_test      needs THP (no EDAT-1 under QEMU TCG)
selftests.map_hugetlb               needs hugetlb (no EDAT-1 under QEMU TCG)
foliowalk.split/global.split_all_pmd_mapped  absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.split/global.split_only_the_range  absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.split/global.split_pte_mapped      absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.race/split_vs_collapse    absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.race/hugetlb_fault_unmap  absent:HUGETLBFS  needs hugetlb (no EDAT-1 under QEMU TCG)
foliowalk.race/status_vs_numa_hinting  absent:NUMA_BALANCING  needs NUMA balancing (Debian's s390x config has no CONFIG_NUMA_BALANCING)
foliowalk.race/migrate_vs_memcg_reclaim  absent:SECOND_NODE  needs two NUMA nodes (move_pages() has nowhere to migrate)
foliowalk.oracle/fw.thp_pmd                  absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.numa_hint_anon4k         absent:NUMA_BALANCING  needs NUMA balancing (Debian's s390x config has no CONFIG_NUMA_BALANCING)
foliowalk.oracle/fw.numa_hint_thp            absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.hwpoison_anon4k          absent:MEMORY_FAILURE  needs memory failure handling (Debian's s390x config has no CONFIG_MEMORY_FAILURE)
foliowalk.oracle/fw.hwpoison_thp             absent:MEMORY_FAILURE  needs memory failure handling (Debian's s390x config has no CONFIG_MEMORY_FAILURE)
foliowalk.oracle/fw.uffd_wp_marker_shmem     absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 s390 has no HAVE_ARCH_USERFAULTFD_WP)
foliowalk.oracle/fw.uffd_wp_marker_hugetlb   absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 s390 has no HAVE_ARCH_USERFAULTFD_WP)
foliowalk.oracle/fw.devdax_pte               absent:DEV_DAX  needs pmem (Debian's s390x config has no LIBNVDIMM)
foliowalk.oracle/fw.devdax_pmd               absent:DEV_DAX  needs pmem (Debian's s390x config has no LIBNVDIMM)
foliowalk.oracle/fw.fsdax_ext4_pte           absent:FS_DAX  needs a DAX device (Debian's s390x config has no LIBNVDIMM; its FS_DAX is for z/VM DCSS, which QEMU has not)
foliowalk.oracle/fw.fsdax_ext4_pmd           absent:FS_DAX  needs a DAX device (Debian's s390x config has no LIBNVDIMM; its FS_DAX is for z/VM DCSS, which QEMU has not)
foliowalk.oracle/fw.secretmem                absent:SECRETMEM  needs memfd_secret() (6.1 s390 has no SECRETMEM: no ARCH_HAS_SET_DIRECT_MAP)
foliowalk.oracle/fw.thp_pte_mapped           absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.thp_pte_mapped_dontneed  absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.huge_zero_page           absent:TRANSPARENT_HUGEPAGE  needs THP (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.hugetlb_every_size       absent:HUGETLBFS  needs hugetlb (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.range_walk_hugetlb       absent:HUGETLBFS  needs hugetlb (no EDAT-1 under QEMU TCG)
foliowalk.oracle/fw.migration_entry_in_flight  absent:SECOND_NODE  needs two NUMA nodes (move_pages() has nowhere to migrate)
"
# KVM selects PGSTE, so arch/s390/kernel/uv.c and the secure-storage
# fault handler in arch/s390/mm/fault.c, both converted by the series, are
# built into the kernel under test (their Ultravisor calls cannot run
# under QEMU: no Secure Execution).
ARCH_KCONFIG="
CONFIG_SCHED_TOPOLOGY=y
CONFIG_SCLP_TTY=y
CONFIG_SCLP_CONSOLE=y
CONFIG_SCLP_VT220_TTY=y
CONFIG_SCLP_VT220_CONSOLE=y
CONFIG_VIRTUALIZATION=y
CONFIG_KVM=y
CONFIG_PGSTE=y
CONFIG_PROTECTED_VIRTUALIZATION_GUEST=y
# lib/Kconfig.debug: no soft lockup detector on s390 (hung tasks and RCU
# stalls are still detected)
CONFIG_SOFTLOCKUP_DETECTOR=n
# the kasan flavour's page table check: 6.1 s390 has no
# ARCH_SUPPORTS_PAGE_TABLE_CHECK (x86_64, arm64 and riscv have it)
CONFIG_PAGE_TABLE_CHECK=n
CONFIG_PAGE_TABLE_CHECK_ENFORCED=n
"
# Debian's config of this arch: the line of configs/distro.list (version,
# file; sha256 in configs/distro.sha256) MMCONFIG=debian derives the mm
# fragment from (lab/debian-config.sh).
# (the archive's s390x linux-config-6.1 is 6.1.176-1 only: no s390x
# build of the newer uploads reached bookworm-security)
DEBIAN_CONFIG=s390x
