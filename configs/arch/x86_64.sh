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
# Debian's config of this arch (linux-config-6.1), for MMCONFIG=debian
# (lab/debian-config.sh derives the mm fragment from it).
DEBIAN_CONFIG_VERSION=6.1.192-3
DEBIAN_CONFIG_DEB_SHA256=f9ae382340ce4350bd31b24d409fedb2744930cba61e019d2b27318bc2a281f9
DEBIAN_CONFIG_FILE=config.amd64_none_amd64.xz
DEBIAN_CONFIG_SHA256=954dca6cf12f90629b2de1cd415f3d505eb0591f452d177b463456ae72507780
