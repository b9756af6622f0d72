#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# debian-config.sh: Debian's own configuration, the base of MMCONFIG=debian.
#   debian-config.sh fetch ARCH       download linux-config-6.1 of ARCH (the
#                                     line of configs/distro.list that
#                                     configs/arch/ARCH.sh names, pinned
#                                     there and in configs/distro.sha256)
#   debian-config.sh fragment ARCH SRC
#                                     print the mm fragment derived from it:
#                                     every option mm/Kconfig of SRC defines
#                                     and every one in configs/debian/options
#                                     and the arch's DEBIAN_ARCH_OPTIONS,
#                                     with Debian's value (m becomes y: lab
#                                     kernels have no modules), but those in
#                                     configs/debian/left-out (with reasons)
#   debian-config.sh path ARCH        print the path of the fetched config
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBDIR=$BUILD/debian
OPTIONS=$LAB_TOP/configs/debian/options
LEFT_OUT=$LAB_TOP/configs/debian/left-out

config_path() { echo "$DEBDIR/$DEBIAN_CONFIG.config"; }

cmd_fetch() {
	[ -n "${DEBIAN_CONFIG:-}" ] || die "configs/arch/$LAB_ARCH.sh names no Debian config (DEBIAN_CONFIG)"
	fetch_debian_config "$DEBIAN_CONFIG" "$(config_path)"
}

# symbols_of SRC: every symbol mm/Kconfig defines, configs/debian/options
# and the arch's DEBIAN_ARCH_OPTIONS (configs/arch/ARCH.sh)
symbols_of() {
	local src=$1
	[ -f "$src/mm/Kconfig" ] || die "no $src/mm/Kconfig"
	{
		# (choice members are indented)
		sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config \([A-Za-z0-9_]*\).*/\2/p' "$src/mm/Kconfig"
		grep -v '^[[:space:]]*\(#\|$\)' "$OPTIONS"
		# shellcheck disable=SC2086 # a list of symbols
		printf '%s\n' ${DEBIAN_ARCH_OPTIONS:-}
	} | awk 'NF && !seen[$1]++ { print $1 }'
}

left_out() { grep -v '^[[:space:]]*\(#\|$\)' "$LEFT_OUT" | awk '{ print $1 }'; }

cmd_fragment() {
	local src=$1 cfg sym line
	cmd_fetch
	cfg=$(config_path)
	local version file
	read -r _ _ _ _ version file _ <<<"$(debian_config_row "$DEBIAN_CONFIG")"
	echo "# Derived from Debian's $file ($version) by lab/debian-config.sh"
	for sym in $(symbols_of "$src"); do
		left_out | grep -qx "$sym" && continue
		line=$(grep -E "^(CONFIG_$sym=|# CONFIG_$sym is not set)" "$cfg" || true)
		case "$line" in
		"") ;;	# not in Debian's config: its dependencies are off there
		"# CONFIG_$sym is not set") echo "CONFIG_$sym=n" ;;
		"CONFIG_$sym=m") echo "CONFIG_$sym=y" ;;
		*) echo "$line" ;;
		esac
	done
}

[ $# -ge 2 ] || die "usage: debian-config.sh fetch|path ARCH | fragment ARCH SRC"
load_arch "$2"
case "$1" in
fetch) cmd_fetch ;;
path) cmd_fetch && config_path ;;
fragment) [ $# -eq 3 ] || die "usage: debian-config.sh fragment ARCH SRC"; cmd_fragment "$3" ;;
*) die "usage: debian-config.sh fetch|path ARCH | fragment ARCH SRC" ;;
esac
