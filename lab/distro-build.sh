#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# distro-build.sh [NAME...]: `make distro-build`. Compile what the series
# touches with Debian's complete, unmodified kernel config of each line of
# configs/distro.list (or the NAMEs given), base and patched, with W=1 and
# sparse (C=1), and compare the warnings. Printed last: a table
#   name, Debian config, config drift, objects, base/patched warnings, new
# and "N passed, N failed" (a row passes when base and patched build, the
# config kept every option Debian set, and the series adds no warning but
# those configs/distro-known.txt explains).
#
# What is compiled: every C file the series changes (mm/ and arch/ARCH)
# that the config builds (obj-y or obj-m of its directory's Makefile under
# that config); the series' test interface stays off (Debian's config does
# not know CONFIG_FOLIO_WALK_TEST: it takes its default, n).
# Config drift: options of Debian's config whose value differs after
# `make olddefconfig` in our tree, toolchain facts (compiler/assembler/
# linker versions and capabilities) left out, and "not set" the same as
# absent; any drift fails the row.
# Output dirs build/out/distro-NAME-KERNEL (ccache; only `prepare` and the
# touched objects are built), logs build/logs/distro-NAME-KERNEL.log,
# results build/results/distro/ (without NAMEs the table also goes to
# results/distro-build.md). Exit status 1 if any row fails.
# shellcheck source=lab/lib.sh
. "$(dirname "$0")/lib.sh"
export LC_ALL=C	# one collation for sort, join and comm

LIST=$LAB_TOP/configs/distro.list
KNOWN=$LAB_TOP/configs/distro-known.txt
RESULTS=$BUILD/results/distro
DEBDIR=$BUILD/debian
# Packages besides the cross compilers: sparse for C=1, pahole so that
# DEBUG_INFO_BTF (which depends on pahole's version) stays as Debian has it.
TOOL_PACKAGES=(sparse dwarves)
# Symbols that describe the toolchain, not a choice of Debian's.
TOOLCHAIN_SYMBOLS='CC_VERSION_TEXT|GCC_VERSION|CLANG_VERSION|AS_VERSION|LD_VERSION|LLD_VERSION|PAHOLE_VERSION|RUSTC_VERSION|BINDGEN_VERSION|CC_IS_[A-Z]+|AS_IS_[A-Z]+|LD_IS_[A-Z]+|CC_HAS_.*|CC_CAN_.*|AS_HAS_.*|LD_HAS_.*|TOOLCHAIN_HAS_.*|TOOLS_SUPPORT_.*|GCC_ASM_GOTO_OUTPUT_WORKAROUND|GCC_SUPPORTS_.*|CC_HAVE_.*|LD_ORPHAN_WARN.*|PAHOLE_HAS_.*|ARCH_SUPPORTS_.*|BUILDTIME_TABLE_SORT'

distro_entries() {
	local want=" $* " name
	grep -v '^[[:space:]]*\(#\|$\)' "$LIST" | while read -r name rest; do
		[ $# -eq 0 ] || [[ "$want" == *" $name "* ]] && echo "$name $rest"
	done
}

install_distro_tools() {
	local pkgs=() p
	for p in "${TOOL_PACKAGES[@]}" $(distro_entries "$@" | awk '$4 != "-" {print $4}' | tr , '\n' | sort -u); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || pkgs+=("$p")
	done
	[ ${#pkgs[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages: ${pkgs[*]} (run as root)"
	run_logged "$LOGS/distro-apt.log" "apt-get install ${pkgs[*]}" \
		env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${pkgs[@]}"
}

# need_dpkg_arches DEB_ARCH...: apt must know these architectures to
# download their linux-config-6.1 (added, then one apt-get update)
need_dpkg_arches() {
	local a added=0 native
	native=$(dpkg --print-architecture)
	for a in "$@"; do
		[ "$a" = "$native" ] && continue
		dpkg --print-foreign-architectures | grep -qx "$a" && continue
		[ "$(id -u)" -eq 0 ] || die "dpkg has no $a architecture (run as root)"
		dpkg --add-architecture "$a"
		added=1
	done
	[ "$added" -eq 0 ] ||
		run_logged "$LOGS/distro-apt-update.log" "apt-get update (new dpkg architectures)" \
			apt-get -o DPkg::Lock::Timeout=600 update
}

# settings CONFIG: "SYMBOL=value" for each option (n for "is not set")
settings() {
	sed -n -E 's/^CONFIG_([A-Za-z0-9_]+)=(.*)/\1=\2/p; s/^# CONFIG_([A-Za-z0-9_]+) is not set/\1=n/p' "$1" | sort -t= -k1,1
}

# config_drift DEBIAN FINAL: options Debian sets that FINAL has otherwise
config_drift() {
	join -t= -j1 -a1 -e '(absent)' -o 0,1.2,2.2 <(settings "$1") <(settings "$2") |
		awk -F= '$2 != $3 && !($2 == "n" && $3 == "(absent)") { print $1 ": debian " $2 ", here " $3 }' |
		grep -vE "^($TOOLCHAIN_SYMBOLS):" || true
}

# built_objects SRC OUT FILE.c...: the FILE.o that OUT's config builds,
# read from each directory's Makefile evaluated with that .config
built_objects() {
	local src=$1 out=$2 f dir base objs
	shift 2
	for f in "$@"; do
		dir=$(dirname "$f")
		base=$(basename "$f" .c)
		objs=$(printf '%s\n' "srctree := $src" "obj := $dir" "src := $dir" \
			"include $out/.config" "include $src/$dir/Makefile" \
			'lab-objs: ; @echo $(obj-y) $(obj-m)' | # (make's $(...), not the shell's)
			make -s --no-print-directory -f - lab-objs 2>/dev/null || true)
		[[ " $objs " == *" $base.o "* ]] && echo "${f%.c}.o"
	done
	return 0
}

# touched_sources KARCH: the C files the series changes that KARCH can build
touched_sources() {
	local srcarch
	case "$1" in x86_64 | i386) srcarch=x86 ;; *) srcarch=$1 ;; esac
	series_touched_files 'mm/*.c' "arch/$srcarch/*.c"
}

# explained LINE: the reason configs/distro-known.txt gives for this new
# warning (its first matching pattern), or nothing
explained() {
	local pat reason
	while IFS= read -r pat; do
		reason=${pat#*  # }
		pat=${pat%%  # *}
		pat=${pat%"${pat##*[![:space:]]}"}
		# shellcheck disable=SC2053 # the pattern is a glob
		[[ "$1" == $pat ]] && { echo "$reason"; return 0; }
	done < <(grep -v '^[[:space:]]*\(#\|$\)' "$KNOWN")
	return 0
}

# build_one NAME KERNEL: configure from Debian's config, build the touched
# objects with W=1 C=1; writes RESULTS/NAME-KERNEL.{drift,objects,warnings}
build_one() {
	local name=$1 kernel=$2 src out log objs=() srcs=() o
	src=$(ktree_for "$kernel")
	out=$BUILD/out/distro-$name-$kernel
	log=$LOGS/distro-$name-$kernel.log
	mkdir -p "$out"
	{
		# configured again when Debian's config or the make variables change
		if ! { cat "$DEBDIR/$name.config"; echo "# make ${MAKEVARS[*]}"; } | cmp -s - "$out/lab-distro.stamp"; then
			cp "$DEBDIR/$name.config" "$out/.config"
			kernel_make "$src" "$out" "${MAKEVARS[@]}" olddefconfig || return 1
			{ cat "$DEBDIR/$name.config"; echo "# make ${MAKEVARS[*]}"; } >"$out/lab-distro.stamp"
		fi
		config_drift "$DEBDIR/$name.config" "$out/.config" >"$RESULTS/$name-$kernel.drift"
		mapfile -t srcs < <(touched_sources "$KARCH" | while read -r f; do
			[ -f "$src/$f" ] && echo "$f"; done)
		mapfile -t objs < <(built_objects "$src" "$out" "${srcs[@]}")
		printf '%s\n' "${objs[@]}" >"$RESULTS/$name-$kernel.objects"
		[ ${#objs[@]} -gt 0 ] || { echo "lab: no touched object is built by this config"; return 1; }
		echo "lab: objects: ${objs[*]}"
		# compiled every time, so their warnings are in this log (ccache
		# replays warnings, sparse runs on each compiled file)
		for o in "${objs[@]}"; do rm -f "$out/$o"; done
		kernel_make "$src" "$out" "${MAKEVARS[@]}" W=1 C=1 "${objs[@]}"
	} >"$log" 2>&1 || return 1
	# "file: warning: text" from gcc and sparse, line numbers left out (the
	# series moves code)
	sed -n -E "s#^(${src}/|\.\./)?([^ :]+):[0-9]+:([0-9]+:)? (warning|error): #\2: \4: #p" "$log" |
		sort >"$RESULTS/$name-$kernel.warnings"
}

[ -f "$LIST" ] || die "no $LIST"
mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS/new-warnings.txt"
mapfile -t ENTRIES < <(distro_entries "$@")
[ ${#ENTRIES[@]} -gt 0 ] || die "no such entries in configs/distro.list: $*"
"$LAB_TOP/lab/tree.sh" apply
mapfile -t DEB_ARCHES < <(printf '%s\n' "${ENTRIES[@]}" | awk '{ print $5 }' | sort -u)
need_dpkg_arches "${DEB_ARCHES[@]}"
install_distro_tools "$@"

ROWS=()
OK_ROWS=0
for entry in "${ENTRIES[@]}"; do
	read -r name karch cross _ debarch version file makevars <<<"$entry"
	read -ra MAKEVARS <<<"${makevars:-}"
	KARCH=$karch
	CROSS_COMPILE=$cross
	[ "$cross" != - ] || CROSS_COMPILE=
	lab_step "distro-build $name: Debian's ${file%.xz} ($version), $karch"
	fetch_debian_config "$name" "$DEBDIR/$name.config"
	res=()
	for kernel in base patched; do
		t0=$(date +%s)
		lab_say "$name $kernel: olddefconfig, then W=1 C=1 on the touched objects (log: build/logs/distro-$name-$kernel.log)"
		if build_one "$name" "$kernel"; then
			res+=("ok($(($(date +%s) - t0))s)")
		else
			res+=(FAIL)
			touch "$RESULTS/$name-$kernel.warnings" "$RESULTS/$name-$kernel.drift" "$RESULTS/$name-$kernel.objects"
			tail -n 15 "$LOGS/distro-$name-$kernel.log" | sed 's/^/    | /' >&2
		fi
	done
	new=$(comm -13 "$RESULTS/$name-base.warnings" "$RESULTS/$name-patched.warnings")
	nnew=0
	nexpl=0
	while IFS= read -r w; do
		[ -n "$w" ] || continue
		why=$(explained "$w")
		if [ -n "$why" ]; then
			nexpl=$((nexpl + 1))
			echo "    $name explained: $w ($why)" >>"$RESULTS/new-warnings.txt"
		else
			nnew=$((nnew + 1))
			echo "    $name NEW: $w" >>"$RESULTS/new-warnings.txt"
		fi
	done <<<"$new"
	drift=$(cat "$RESULTS/$name-base.drift" "$RESULTS/$name-patched.drift" | sort -u)
	ndrift=$(printf '%s' "$drift" | grep -c . || true)
	[ "$ndrift" -eq 0 ] || printf '%s\n' "$drift" | sed "s/^/    $name drift: /" >>"$RESULTS/new-warnings.txt"
	ROWS+=("$(printf '%-17s %-10s %-6s %-8s %-10s %-10s %-5s %-5s %-4s %s' "$name" "$version" "$ndrift" \
		"$(grep -c . "$RESULTS/$name-patched.objects" || true)" "${res[0]}" "${res[1]}" \
		"$(grep -c . "$RESULTS/$name-base.warnings" || true)" \
		"$(grep -c . "$RESULTS/$name-patched.warnings" || true)" "$nnew" "$nexpl")")
	lab_say "$name: base ${res[0]}, patched ${res[1]}, config drift $ndrift, new warnings $nnew (and $nexpl explained)"
	[[ "${res[*]}" == *FAIL* ]] || [ "$nnew" -ne 0 ] || [ "$ndrift" -ne 0 ] || OK_ROWS=$((OK_ROWS + 1))
done

{
	printf '\n%-17s %-10s %-6s %-8s %-10s %-10s %-5s %-5s %-4s %s\n' name debian drift objects base patched wb wp new explained
	printf '%s\n' "${ROWS[@]}"
	echo "(drift: options Debian sets that olddefconfig changed; objects: touched files built;"
	echo " wb/wp: W=1 + sparse warnings in base/patched; new: warnings only patched has;"
	echo " explained: new ones configs/distro-known.txt gives a reason for)"
	[ ! -s "$RESULTS/new-warnings.txt" ] || cat "$RESULTS/new-warnings.txt"
	printf '\n%d passed, %d failed\n' "$OK_ROWS" $((${#ENTRIES[@]} - OK_ROWS))
} | tee "$RESULTS/summary.txt"
if [ $# -eq 0 ]; then
	write_results_file distro-build "$RESULTS/summary.txt"
else
	lab_say "no results file: NAMES=\"$*\" is not every line of configs/distro.list"
fi
[ "$OK_ROWS" -eq ${#ENTRIES[@]} ]
