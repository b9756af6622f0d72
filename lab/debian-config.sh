#!/usr/bin/env bash
# debian-config.sh: Debian's own configuration, the base of MMCONFIG=debian.
#   debian-config.sh fetch ARCH       download linux-config-6.1 of ARCH (the
#                                     version and checksums pinned in
#                                     configs/arch/ARCH.sh) into build/debian
#   debian-config.sh fragment ARCH SRC
#                                     print the mm fragment derived from it:
#                                     every option mm/Kconfig of SRC defines
#                                     and every one in configs/debian/options,
#                                     with Debian's value (m becomes y: lab
#                                     kernels have no modules), but those in
#                                     configs/debian/left-out (with reasons)
#   debian-config.sh path ARCH        print the path of the fetched config
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DEBDIR=$BUILD/debian
OPTIONS=$LAB_TOP/configs/debian/options
LEFT_OUT=$LAB_TOP/configs/debian/left-out

config_path() { echo "$DEBDIR/$LAB_ARCH.config"; }

cmd_fetch() {
	local deb=$DEBDIR/linux-config-6.1_${DEBIAN_CONFIG_VERSION}_$DEB_ARCH.deb tmp=$DEBDIR/unpack-$LAB_ARCH
	[ -n "${DEBIAN_CONFIG_VERSION:-}" ] || die "configs/arch/$LAB_ARCH.sh pins no Debian config (DEBIAN_CONFIG_*)"
	[ -f "$(config_path)" ] && return 0
	mkdir -p "$DEBDIR"
	if [ ! -f "$deb" ]; then
		lab_say "download linux-config-6.1:$DEB_ARCH $DEBIAN_CONFIG_VERSION"
		(cd "$DEBDIR" && apt-get download "linux-config-6.1:$DEB_ARCH=$DEBIAN_CONFIG_VERSION") \
			>"$LOGS/debian-config-$LAB_ARCH.log" 2>&1 ||
			die "apt-get download linux-config-6.1:$DEB_ARCH=$DEBIAN_CONFIG_VERSION failed (is $DEB_ARCH a dpkg architecture here? run 'make setup'; log: build/logs/debian-config-$LAB_ARCH.log)"
	fi
	verify_sha256 "$deb" "$DEBIAN_CONFIG_DEB_SHA256" "configs/arch/$LAB_ARCH.sh"
	rm -rf "$tmp"
	dpkg-deb -x "$deb" "$tmp"
	verify_sha256 "$tmp/usr/src/linux-config-6.1/$DEBIAN_CONFIG_FILE" "$DEBIAN_CONFIG_SHA256" "configs/arch/$LAB_ARCH.sh"
	xz -dc "$tmp/usr/src/linux-config-6.1/$DEBIAN_CONFIG_FILE" >"$(config_path).new"
	mv "$(config_path).new" "$(config_path)"
	rm -rf "$tmp"
}

# symbols_of SRC: every symbol mm/Kconfig defines, and configs/debian/options
symbols_of() {
	local src=$1
	[ -f "$src/mm/Kconfig" ] || die "no $src/mm/Kconfig"
	{
		# (choice members are indented)
		sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config \([A-Za-z0-9_]*\).*/\2/p' "$src/mm/Kconfig"
		grep -v '^[[:space:]]*\(#\|$\)' "$OPTIONS"
	} | awk '!seen[$1]++ { print $1 }'
}

left_out() { grep -v '^[[:space:]]*\(#\|$\)' "$LEFT_OUT" | awk '{ print $1 }'; }

cmd_fragment() {
	local src=$1 cfg sym line
	cmd_fetch
	cfg=$(config_path)
	echo "# Derived from Debian's $DEBIAN_CONFIG_FILE ($DEBIAN_CONFIG_VERSION) by lab/debian-config.sh"
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
