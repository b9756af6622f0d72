#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# boot.sh ARCH KERNEL FLAVOUR PAYLOAD_DIR [shell]: pack PAYLOAD_DIR into an
# initramfs as /payload, boot the kernel in QEMU, run /payload/run and
# stream the console. Exit status: the payload's, or 1 when the guest did
# not finish (hang, panic) or the kernel printed a splat.
#   LAB_TIMEOUT  seconds before the guest is killed (default 1800)
#   LAB_LOG      console log file (default build/logs/ARCH-KERNEL-FLAVOUR-boot.log)
#   LAB_QUIET=1  show only TAP result lines and lab lines, not the whole console
#   LAB_SHOW     with LAB_QUIET, a regex of more lines to show
#   LAB_SMP (default 4; 1 = node 1 memory only), LAB_MEM_PER_NODE,
#   LAB_QEMU_EXTRA, LAB_CMDLINE_EXTRA: overrides
#   LAB_TEST_CMDLINE  what the tests need on the command line (default:
#                memfd_secret(), which 6.1 has off by default, and the
#                arch's pmem regions PMEM; make bench boots without)
. "$(dirname "$0")/lib.sh"

[ $# -ge 4 ] || die "usage: boot.sh ARCH base|patched FLAVOUR PAYLOAD_DIR [shell]"
load_arch "$1"
KERNEL=$2
FLAVOUR=$3
PAYLOAD=$4
MODE=${5:-run}
KOUT=$(kout_for "$KERNEL" "$FLAVOUR")
IMAGE=$KOUT/$KIMAGE
LOG=${LAB_LOG:-$LOGS/$LAB_ARCH-$KERNEL-$FLAVOUR-boot.log}
TIMEOUT=${LAB_TIMEOUT:-1800}
SMP=${LAB_SMP:-4}
TEST_CMDLINE=${LAB_TEST_CMDLINE-secretmem.enable=1 ${PMEM:-}}
MEM_PER_NODE=${LAB_MEM_PER_NODE:-$MEM_PER_NODE}	# configs/arch/ARCH.sh, default 5G

[ -f "$KOUT/.lab-complete" ] || die "no complete $KERNEL kernel for $LAB_ARCH ($FLAVOUR): build it first (make build ARCH=$LAB_ARCH KERNEL=$KERNEL)"
[ "$MODE" = shell ] || [ -x "$PAYLOAD/run" ] || die "payload ${PAYLOAD} has no executable 'run'"
command -v "$QEMU" >/dev/null || die "$QEMU not found: run 'make setup'"

busybox_for_arch() {
	if [ "$DEB_ARCH" = "$(dpkg --print-architecture)" ]; then
		echo /bin/busybox
	else
		echo "$BUILD/sysroot-$DEB_ARCH/bin/busybox"
	fi
}

# make_fsdax_image OUT.gz: the arch's DAX filesystem (FSDAX) as an image
# of its pmem region's size (the last PMEM region), made on the host and
# gzipped (a few KiB); guest/init writes it to the region and mounts it
# -o dax. 4K blocks (DAX maps blocks of the page size), no journal, few
# inodes, and a RAID stripe of 2M, with which ext4's allocator puts a 2M
# request at a 2M-aligned block (without it, right after the metadata:
# a PMD fault there falls back to PTEs).
make_fsdax_image() {
	local out=$1 img size
	[ "$FSDAX" = ext4 ] || die "FSDAX=$FSDAX: the lab makes only ext4 (configs/arch/$LAB_ARCH.sh)"
	size=${PMEM##*memmap=}
	size=${size%%!*}
	img=${out%.gz}
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not found: run 'make setup' (e2fsprogs)"
	truncate -s "$size" "$img"
	mkfs.ext4 -q -F -b 4096 -N 16 -m 0 -O ^has_journal,^resize_inode \
		-E root_owner=0:0,stride=512,stripe_width=512 -L fsdax "$img" ||
		die "mkfs.ext4 of the FSDAX image failed"
	gzip -1 "$img"
}

# make_initramfs OUT.cpio: busybox, /init and the payload, as a newc cpio;
# with the arch's pmem regions on the command line, its FSDAX image.
make_initramfs() {
	local cpio=$1 root
	root=$(mktemp -d "$BUILD/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,payload}
	cp "$(busybox_for_arch)" "$root/bin/busybox" || die "no busybox for $DEB_ARCH: run 'make setup'"
	cp "$LAB_TOP/guest/init" "$root/init"
	if [ -n "${FSDAX:-}" ] && [ -n "${PMEM:-}" ] && [[ " $TEST_CMDLINE " == *" ${PMEM##* } "* ]]; then
		make_fsdax_image "$root/fsdax-$FSDAX.img.gz"
	fi
	[ "$MODE" = shell ] && [ ! -d "$PAYLOAD" ] || cp -a "$PAYLOAD/." "$root/payload/"
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null ||
		die "mknod /dev/console failed: the lab must run as root"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$cpio"
	rm -rf "$root"
}

# numa_topology: with NUMA_NODES=2, two nodes of MEM_PER_NODE. With
# SMP > 1, one socket per node (no LLC shared across nodes); with SMP=1
# (benchmarks under -icount, which hang at boot with more vCPUs), node 1
# is memory only. With NUMA_NODES=1 (a machine without -numa), one node.
numa_topology() {
	local half=$((SMP / 2))
	printf '%s\n' -m "$((${MEM_PER_NODE%G} * NUMA_NODES))G"
	if [ "$NUMA_NODES" -eq 1 ]; then
		printf '%s\n' -smp "$SMP"
		return 0
	fi
	printf '%s\n' -object "memory-backend-ram,id=m0,size=$MEM_PER_NODE" \
		-object "memory-backend-ram,id=m1,size=$MEM_PER_NODE"
	if [ "$SMP" -eq 1 ]; then
		printf '%s\n' -smp 1 \
			-numa "node,nodeid=0,cpus=0,memdev=m0" -numa "node,nodeid=1,memdev=m1"
	else
		printf '%s\n' -smp "$SMP,sockets=2,cores=$half,threads=1" \
			-numa "node,nodeid=0,cpus=0-$((half - 1)),memdev=m0" \
			-numa "node,nodeid=1,cpus=$half-$((SMP - 1)),memdev=m1"
	fi
}

qemu_args() {
	# shellcheck disable=SC2206
	local machine=($QEMU_MACHINE)
	printf '%s\n' "${machine[@]}" -accel "${LAB_ACCEL:-tcg}"
	numa_topology
	printf '%s\n' \
		-kernel "$IMAGE" -initrd "$INITRD" -nographic -no-reboot \
		-append "console=$CONSOLE $HUGEPAGES ${BOOT_CMDLINE:+$BOOT_CMDLINE }$TEST_CMDLINE panic=-1 lab.mode=$MODE ${LAB_CMDLINE_EXTRA:-}"
	# shellcheck disable=SC2086
	[ -z "${LAB_QEMU_EXTRA:-}" ] || printf '%s\n' $LAB_QEMU_EXTRA
}

mkdir -p "$(dirname "$LOG")"
INITRD=$BUILD/initramfs-$LAB_ARCH-$KERNEL-$FLAVOUR-$$.cpio
make_initramfs "$INITRD"
trap 'rm -f "$INITRD"' EXIT
mapfile -t ARGS < <(qemu_args)
lab_say "boot $LAB_ARCH${GEOMETRY:+ ($GEOMETRY)} $KERNEL ($FLAVOUR), timeout ${TIMEOUT}s, console: ${LOG#"$LAB_TOP"/}"

if [ "$MODE" = shell ]; then
	"$QEMU" "${ARGS[@]}"
	exit 0
fi

rc=0
if [ "${LAB_QUIET:-0}" = 1 ]; then
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" "${ARGS[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$LOG" |
		grep --line-buffered -E "^(not ok|ok) [0-9]+ |^LAB${LAB_SHOW:+|$LAB_SHOW}" || true
else
	timeout --foreground -k 10 "$TIMEOUT" "$QEMU" "${ARGS[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$LOG"
fi
"$LAB_TOP/lab/console.sh" "$LOG" || rc=$?
exit "$rc"
