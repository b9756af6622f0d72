# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Everything the lab knows about x86_64. Sourced by lab/lib.sh.
KARCH=x86_64
CROSS_COMPILE=
USER_CC=gcc
CROSS_PACKAGES=""
DEB_ARCH=amd64
KIMAGE=arch/x86/boot/bzImage
KTARGET=bzImage
QEMU=qemu-system-x86_64
QEMU_PACKAGE=qemu-system-x86
QEMU_MACHINE="-M pc -cpu max"
CONSOLE=ttyS0
NUMA_NODES=2
# 2M pool for the selftests and tests, one 1G page per node so a 1G
# page can migrate to the other node.
HUGEPAGES="hugepagesz=2M hugepages=192 hugepagesz=1G hugepages=0:1,1:1 default_hugepagesz=2M"
# Three legacy pmem regions in node 0's low memory (X86_PMEM_LEGACY:
# memmap=SIZE!START): guest/init makes the first two device-dax with 4K
# and 2M alignment (the tests' devdax_pte and devdax_pmd kinds) and puts
# the FSDAX filesystem on the third, mounted -o dax (fsdax_ext4_pte,
# fsdax_ext4_pmd). Not for make bench (its -icount tables were measured
# without them: lab/boot.sh LAB_TEST_CMDLINE).
PMEM="memmap=32M!1G memmap=32M!1056M memmap=64M!1088M"
# The DAX filesystem: lab/boot.sh makes its image with mkfs.ext4 on the
# host (the guest has no mkfs.ext4), guest/init writes it to the pmem
# region left after the devdax ones and mounts it -o dax.
FSDAX=ext4
# Options of Debian's config taken on this arch only, on top of
# configs/debian/options (lab/debian-config.sh): the filesystem FSDAX
# needs (Debian has it as a module).
DEBIAN_ARCH_OPTIONS="EXT4_FS"
# NUMA topology reaches the kernel through ACPI SRAT.
ARCH_KCONFIG="
CONFIG_64BIT=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_ACPI=y
CONFIG_ACPI_NUMA=y
CONFIG_X86_64_ACPI_NUMA=y
CONFIG_PCI=y
CONFIG_UNWINDER_ORC=y
"
# Debian's config of this arch: the line of configs/distro.list (version,
# file; sha256 in configs/distro.sha256) MMCONFIG=debian derives the mm
# fragment from (lab/debian-config.sh).
DEBIAN_CONFIG=amd64
