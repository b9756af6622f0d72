#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-kernel.sh ARCH KERNEL FLAVOUR: configure and build one kernel
# out of tree in build/out/ARCH-KERNEL-FLAVOUR (incremental, ccache when
# present), plus its UAPI headers for the guest programs.
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: build-kernel.sh ARCH base|patched FLAVOUR"
# (bisect and rebase: a tree of lab/bisect-check.sh or lab/rebase-check.sh
# in LAB_SRC_OVERRIDE, with part or all of the series)
load_arch "$1"
KERNEL=$2
FLAVOUR=$3
if [ "$KERNEL" = bisect ] || [ "$KERNEL" = rebase ]; then
	SRC=${LAB_SRC_OVERRIDE:?$KERNEL builds need LAB_SRC_OVERRIDE}
else
	SRC=$(ktree_for "$KERNEL")
fi
OUT=$(kout_for "$KERNEL" "$FLAVOUR")
[ -f "$LAB_TOP/configs/$FLAVOUR.config" ] || die "unknown FLAVOUR '$FLAVOUR' (no configs/$FLAVOUR.config)"
[ -f "$SRC/Makefile" ] || die "no kernel source at ${SRC#"$LAB_TOP"/}: run 'make apply'"

kmake() { kernel_make "$SRC" "$OUT" "$@"; }

# The fragment this kernel is configured from: common mm, (MMCONFIG=debian)
# the mm options derived from Debian's config and what they need, flavour, arch,
# and (patched only) the options that exist only with the series. The
# prod flavour is what a distribution would ship: without the series'
# test interface, so base and patched differ only by the series.
write_fragment() {
	cat "$LAB_TOP/configs/mm.config"
	if [ "$MMCONFIG" = debian ]; then
		"$LAB_TOP/lab/debian-config.sh" fragment "$LAB_ARCH" "$SRC"
		cat "$LAB_TOP/configs/debian/needs.config"
	fi
	flavour_fragment "$FLAVOUR"
	printf '%s\n' "$ARCH_KCONFIG"
	if [ "$FLAVOUR" = prod ]; then
		return 0
	elif [ "$KERNEL" = patched ] || [ "$KERNEL" = rebase ]; then
		cat "$LAB_TOP/configs/patched.config"
	elif [ "$KERNEL" = bisect ]; then
		patched_options_in_this_tree
	fi
}

# flavour_fragment FLAVOUR: configs/FLAVOUR.config, after the flavour it
# names in a "# base: FLAVOUR" line, if any.
flavour_fragment() {
	local f=$LAB_TOP/configs/$1.config base
	[ -f "$f" ] || die "unknown FLAVOUR '$1' (no configs/$1.config)"
	base=$(sed -n 's/^# base: *//p' "$f")
	[ -z "$base" ] || flavour_fragment "$base"
	cat "$f"
}

# Bisect steps before the patch that adds a symbol of patched.config
# cannot have it: keep only the symbols this tree defines, and say so.
patched_options_in_this_tree() {
	local line sym
	grep '^CONFIG_' "$LAB_TOP/configs/patched.config" | while read -r line; do
		sym=${line%%=*}
		if grep -rqs --include='Kconfig*' "^config ${sym#CONFIG_}\$" "$SRC/mm" "$SRC/lib" "$SRC/init"; then
			echo "$line"
		else
			lab_say "  ($sym is not in this tree yet)"
		fi
	done
}

# Every CONFIG_X=v the fragment asks for must be in the final .config;
# as for Kconfig, the last line of a symbol wins (an arch file can turn
# off what the common fragments turn on, with its reason).
verify_config() {
	local frag=$1 line sym val bad=""
	while read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		val=${line#*=}
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$OUT/.config" && bad="$bad $sym(want n)"
		else
			grep -qx "$sym=$val" "$OUT/.config" || bad="$bad $sym"
		fi
	done < <(tac "$frag" | awk -F= '/^CONFIG_/ && !seen[$1]++' | tac)
	[ -z "$bad" ] || die "Kconfig dropped or changed:$bad (check dependencies in configs/; .config: ${OUT#"$LAB_TOP"/}/.config)"
}

configure() {
	local frag=$OUT/lab-fragment.config
	mkdir -p "$OUT"
	write_fragment >"$frag.new"
	if [ -f "$OUT/.config" ] && cmp -s "$frag.new" "$frag"; then
		rm -f "$frag.new"
		return 0
	fi
	mv "$frag.new" "$frag"
	run_logged "$LOGS/$LAB_ARCH-$KERNEL-$FLAVOUR-config.log" "configure $LAB_ARCH $KERNEL ($FLAVOUR)" \
		kmake KCONFIG_ALLCONFIG="$frag" allnoconfig
	verify_config "$frag"
}

rm -f "$OUT/.lab-complete"
configure
run_logged "$LOGS/$LAB_ARCH-$KERNEL-$FLAVOUR-build.log" "build $LAB_ARCH $KERNEL kernel ($FLAVOUR)" \
	kmake "$KTARGET" headers
[ -f "$OUT/$KIMAGE" ] || die "build finished but ${OUT#"$LAB_TOP"/}/$KIMAGE is missing"
git -C "$SRC" rev-parse HEAD >"$OUT/.lab-complete"
