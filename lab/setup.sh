#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the lab needs from Debian's archive; a no-op when all is there.
# Per arch (configs/arch/*.sh): its QEMU and cross compiler, and for a guest
# arch that is not the host's, its userspace pieces (busybox-static,
# libnuma) as .debs unpacked under build/sysroot-DEB_ARCH, without
# installing foreign packages.
. "$(dirname "$0")/lib.sh"

HOST_PACKAGES=(
	build-essential bc bison flex libelf-dev libssl-dev cpio ccache
	xz-utils rsync kmod git e2fsprogs
	busybox-static libnuma-dev
	gnuplot-nox python3
	dpkg-dev quilt
)
# Per-arch userspace that must come as foreign .debs: unpacked, not installed.
FOREIGN_PACKAGES=(busybox-static libnuma-dev libnuma1)

missing_host_packages() {
	local p
	for p in "${HOST_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

apt_update_once() {
	[ -n "${APT_UPDATED:-}" ] && return 0
	run_logged "$LOGS/apt-update.log" "apt-get update" apt-get -o DPkg::Lock::Timeout=600 update
	APT_UPDATED=1
}

install_host_packages() {
	local missing
	missing=$(missing_host_packages | tr '\n' ' ')
	if [ -z "$missing" ]; then
		lab_say "host packages: all present"
		return 0
	fi
	[ "$(id -u)" -eq 0 ] || die "missing packages: $missing (run 'make setup' as root, or install them)"
	apt_update_once
	# shellcheck disable=SC2086
	run_logged "$LOGS/apt-install.log" "apt-get install $missing" \
		env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $missing
}

# unpack_foreign_userspace DEB_ARCH: busybox and libnuma for a guest arch
# that is not the host's, unpacked into build/sysroot-DEB_ARCH.
unpack_foreign_userspace() {
	local arch=$1 root=$BUILD/sysroot-$1 dl=$BUILD/dl/$1 p
	[ -f "$root/.complete" ] && return 0
	if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
		[ "$(id -u)" -eq 0 ] || die "dpkg has no $arch architecture (run 'make setup' as root)"
		dpkg --add-architecture "$arch"
		APT_UPDATED=
	fi
	apt_update_once
	rm -rf "$root" "$dl"
	mkdir -p "$root" "$dl"
	for p in "${FOREIGN_PACKAGES[@]}"; do
		(cd "$dl" && apt-get download "$p:$arch") >>"$LOGS/foreign-$arch.log" 2>&1 ||
			die "apt-get download $p:$arch failed; log: ${LOGS#"$LAB_TOP"/}/foreign-$arch.log"
	done
	for p in "$dl"/*.deb; do
		dpkg-deb -x "$p" "$root"
	done
	touch "$root/.complete"
	lab_say "unpacked ${FOREIGN_PACKAGES[*]} for $arch into ${root#"$LAB_TOP"/}"
}

# add_arch_packages: every arch's QEMU and cross compiler to HOST_PACKAGES.
add_arch_packages() {
	local a
	for a in $(lab_arches); do
		load_arch "$a"
		# shellcheck disable=SC2206
		HOST_PACKAGES+=("$QEMU_PACKAGE" $CROSS_PACKAGES)
	done
}

mkdir -p "$LOGS"
add_arch_packages
install_host_packages
for a in $(lab_arches); do
	load_arch "$a"
	[ "$DEB_ARCH" = "$(dpkg --print-architecture)" ] || unpack_foreign_userspace "$DEB_ARCH"
done
