# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Everything the lab knows about arm64 (4K granule). Sourced by lab/lib.sh.
KARCH=arm64
CROSS_COMPILE=aarch64-linux-gnu-
USER_CC=aarch64-linux-gnu-gcc
CROSS_PACKAGES="gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
DEB_ARCH=arm64
KIMAGE=arch/arm64/boot/Image
KTARGET=Image
QEMU=qemu-system-aarch64
QEMU_PACKAGE=qemu-system-arm
QEMU_MACHINE="-M virt -cpu cortex-a57"
CONSOLE=ttyAMA0
NUMA_NODES=2
# 64K and 32M are contiguous-bit (CONT_PTE / CONT_PMD) hugetlb sizes.
HUGEPAGES="hugepagesz=64K hugepages=64 hugepagesz=2M hugepages=192 hugepagesz=32M hugepages=8 hugepagesz=1G hugepages=0:1,1:1 default_hugepagesz=2M"
# NUMA topology reaches the kernel through the device tree QEMU generates.
ARCH_KCONFIG="
CONFIG_ARM64_4K_PAGES=y
CONFIG_ARM64_VA_BITS_48=y
CONFIG_SERIAL_AMBA_PL011=y
CONFIG_SERIAL_AMBA_PL011_CONSOLE=y
"
# Debian's config of this arch: the line of configs/distro.list (version,
# file; sha256 in configs/distro.sha256) MMCONFIG=debian derives the mm
# fragment from (lab/debian-config.sh).
DEBIAN_CONFIG=arm64
# What this machine cannot run (see lab/check.sh): Debian's arm64 config has
# 48-bit virtual addresses (4 levels), so nothing is mapped above 128 TiB.
NOT_HERE="
foliowalk.oracle/fw.above_128t   absent:VA_ABOVE_128T  needs an address space above 128 TiB (Debian's arm64 config: 48-bit VA)
foliowalk.oracle/fw.range_walk_empty_then_anon4k_256t  absent:VA_SPACE  needs a 256 TiB block (Debian's arm64 config: 48-bit VA, 256 TiB of user space)
foliowalk.oracle/fw.range_walk_anon4k_then_empty_256t  absent:VA_SPACE  needs a 256 TiB block (Debian's arm64 config: 48-bit VA, 256 TiB of user space)
foliowalk.oracle/fw.swapped_out_soft_dirty  absent:MEM_SOFT_DIRTY  needs soft-dirty tracking (6.1 arm64 has no HAVE_ARCH_SOFT_DIRTY)
foliowalk.oracle/fw.uffd_wp_marker_shmem    absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 arm64 has no HAVE_ARCH_USERFAULTFD_WP)
foliowalk.oracle/fw.uffd_wp_marker_hugetlb  absent:PTE_MARKER_UFFD_WP  needs uffd-wp PTE markers (6.1 arm64 has no HAVE_ARCH_USERFAULTFD_WP)
foliowalk.oracle/fw.devdax_pte  absent:DEV_DAX  needs pmem (QEMU virt boots arm64 by device tree here; its nvdimm needs ACPI, memmap= is x86 only)
foliowalk.oracle/fw.devdax_pmd  absent:DEV_DAX  needs pmem (QEMU virt boots arm64 by device tree here; its nvdimm needs ACPI, memmap= is x86 only)
foliowalk.oracle/fw.fsdax_ext4_pte  absent:FS_DAX  needs pmem (QEMU virt boots arm64 by device tree here; its nvdimm needs ACPI, memmap= is x86 only)
foliowalk.oracle/fw.fsdax_ext4_pmd  absent:FS_DAX  needs pmem (QEMU virt boots arm64 by device tree here; its nvdimm needs ACPI, memmap= is x86 only)
"
