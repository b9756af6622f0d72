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
# Debian's config of this arch (linux-config-6.1), for MMCONFIG=debian
# (lab/debian-config.sh derives the mm fragment from it).
DEBIAN_CONFIG_VERSION=6.1.192-3
DEBIAN_CONFIG_DEB_SHA256=d4a4f7c95f97c2d1011296ca44be802ccde8e4b6154318028415e3054e0ea326
DEBIAN_CONFIG_FILE=config.arm64_none_arm64.xz
DEBIAN_CONFIG_SHA256=00a6868bb4a1e8fcf29afb4e97b39aa35714cf61c133323a46d6ec302c0b6d7c
