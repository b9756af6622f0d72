#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# cross.sh [NAME...]: `make cross`. Build base and patched for every line
# of configs/cross.list (or the NAMEs given) with Debian's cross compilers,
# compare their warnings, and print a table:
#   name, config (what the mm options came to), base, patched, new warnings,
# and last "N passed, N failed" (a row passes when both build and the
# series adds no warning).
# Output dirs build/out/cross-NAME-KERNEL (incremental, ccache); logs in
# build/logs/cross-NAME-KERNEL.log. Exit status 1 if any build fails or
# the series adds a warning. Without NAMEs the table goes to
# results/cross.md.
# shellcheck source=lab/lib.sh
. "$(dirname "$0")/lib.sh"

LIST=$LAB_TOP/configs/cross.list
FRAGMENT=$LAB_TOP/configs/cross.config
RESULTS=$BUILD/results/cross
# What the table reports of each final .config (where the arch offers it).
REPORT_SYMBOLS=(MMU TRANSPARENT_HUGEPAGE HUGETLB_PAGE KSM MIGRATION NUMA PGTABLE_HAS_HUGE_LEAVES FOLIO_WALK_TEST)

cross_entries() {
	local want=" $* " name
	grep -v '^[[:space:]]*\(#\|$\)' "$LIST" | while read -r name rest; do
		[ $# -eq 0 ] || [[ "$want" == *" $name "* ]] && echo "$name $rest"
	done
}

install_cross_compilers() {
	local pkgs=() p
	for p in $(cross_entries "$@" | awk '$4 != "-" {print $4}' | sort -u); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || pkgs+=("$p")
	done
	[ ${#pkgs[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing cross compilers: ${pkgs[*]} (run as root)"
	run_logged "$LOGS/cross-apt.log" "apt-get install ${pkgs[*]}" \
		env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${pkgs[@]}"
}

# touched_targets ARCH: the kbuild targets of what the series touches for
# an objs build: mm/ and each touched C file under arch/ARCH, as .o.
touched_targets() {
	echo mm/
	series_touched_files "arch/$1/*.c" | sed 's/\.c$/.o/'
}

srcarch_of() {
	case "$1" in
	x86_64 | i386) echo x86 ;;
	*) echo "$1" ;;
	esac
}

# configure_cross SRC OUT BASECONFIG EXTRA...
configure_cross() {
	local src=$1 out=$2 baseconfig=$3 frag
	shift 3
	mkdir -p "$out"
	frag=$out/lab-fragment.config
	{
		cat "$FRAGMENT"
		printf '%s\n' "$@"
		echo "# $baseconfig"
	} >"$frag.new"
	if [ -f "$out/.config" ] && cmp -s "$frag.new" "$frag"; then
		rm -f "$frag.new"
		return 0
	fi
	mv "$frag.new" "$frag"
	if [ "$baseconfig" = allnoconfig ]; then
		kernel_make "$src" "$out" KCONFIG_ALLCONFIG="$frag" allnoconfig
	else
		kernel_make "$src" "$out" "$baseconfig" &&
			grep '^CONFIG_' "$frag" >>"$out/.config" &&
			kernel_make "$src" "$out" olddefconfig
	fi
}

config_summary() {	# OUT: "THP HUGETLB ..." of what is set, "-" for each missing
	local s out=$1 words=()
	for s in "${REPORT_SYMBOLS[@]}"; do
		if grep -q "^CONFIG_$s=y" "$out/.config"; then
			words+=("$s")
		fi
	done
	echo "${words[*]}" | sed 's/TRANSPARENT_HUGEPAGE/THP/; s/HUGETLB_PAGE/HUGETLB/; s/PGTABLE_HAS_HUGE_LEAVES/HUGE_LEAVES/'
}

# build_steps SRC OUT BASECONFIG TARGET EXTRA...: configure and build
build_steps() {
	local src=$1 out=$2 baseconfig=$3 target=$4 targets
	shift 4
	configure_cross "$src" "$out" "$baseconfig" "$@" || return 1
	if [ "$target" = vmlinux ]; then
		targets=(vmlinux)
	else
		mapfile -t targets < <(touched_targets "$(srcarch_of "$KARCH")")
	fi
	echo "lab: targets: ${targets[*]}"
	# the series' files are compiled every time, so that their warnings
	# are in this log even when nothing else changed (ccache replays them)
	series_touched_files '*.c' | sed 's/\.c$/.o/' |
		while read -r o; do rm -f "$out/$o"; done
	kernel_make "$src" "$out" "${targets[@]}"
}

# build_one NAME KARCH CROSS BASECONFIG TARGET KERNEL EXTRA...
build_one() {
	local name=$1 karch=$2 cross=$3 baseconfig=$4 target=$5 kernel=$6 src out log t0 rc=0
	shift 6
	src=$(ktree_for "$kernel")
	out=$BUILD/out/cross-$name-$kernel
	log=$LOGS/cross-$name-$kernel.log
	t0=$(date +%s)
	KARCH=$karch
	CROSS_COMPILE=$cross
	[ "$cross" != - ] || CROSS_COMPILE=
	lab_say "cross $name $kernel: configure and build $target (log: ${log#"$LAB_TOP"/})"
	build_steps "$src" "$out" "$baseconfig" "$target" "$@" >"$log" 2>&1 || rc=$?
	echo "$(($(date +%s) - t0))" >"$RESULTS/$name-$kernel.secs"
	if [ -f "$out/.config" ]; then
		config_summary "$out" >"$RESULTS/$name-$kernel.config"
	else
		echo "(not configured)" >"$RESULTS/$name-$kernel.config"
	fi
	sed -n -E "s#^(${src}/|\.\./)?([^ :]+):[0-9]+:[0-9]+: warning: #\2: warning: #p" "$log" |
		sort >"$RESULTS/$name-$kernel.warnings"
	return "$rc"
}

[ -f "$LIST" ] || die "no $LIST"
mkdir -p "$RESULTS" "$LOGS"
rm -f "$RESULTS/new-warnings.txt"
"$LAB_TOP/lab/tree.sh" apply
install_cross_compilers "$@"
mapfile -t ENTRIES < <(cross_entries "$@")
ONLY_NAMES=$*	# (the loop below sets its own "$@")
[ ${#ENTRIES[@]} -gt 0 ] || die "no such entries in configs/cross.list: $*"

ROWS=()
bad=0
OK_ROWS=0
for entry in "${ENTRIES[@]}"; do
	read -r name karch cross pkg baseconfig target extra <<<"$entry"
	# shellcheck disable=SC2086
	set -- $extra
	lab_step "cross $name ($karch, $baseconfig, $target)"
	res=()
	for kernel in base patched; do
		if build_one "$name" "$karch" "$cross" "$baseconfig" "$target" "$kernel" "$@"; then
			res+=("ok($(cat "$RESULTS/$name-$kernel.secs")s)")
		else
			res+=("FAIL")
			tail -n 15 "$LOGS/cross-$name-$kernel.log" | sed 's/^/    | /' >&2
			bad=1
		fi
	done
	new=$(comm -13 "$RESULTS/$name-base.warnings" "$RESULTS/$name-patched.warnings")
	nnew=$(printf '%s' "$new" | grep -c . || true)
	[ "$nnew" -eq 0 ] || bad=1
	ROWS+=("$(printf '%-12s %-8s %-6s %-58s %-10s %-10s %s' "$name" "$karch" "$target" \
		"$(cat "$RESULTS/$name-patched.config")" "${res[0]}" "${res[1]}" "$nnew")")
	[ "$nnew" -eq 0 ] || printf '%s\n' "$new" | sed "s/^/    $name new: /" >>"$RESULTS/new-warnings.txt"
	lab_say "$name: base ${res[0]}, patched ${res[1]}, new warnings: $nnew"
	[[ "${res[*]}" == *FAIL* ]] || [ "$nnew" -ne 0 ] || OK_ROWS=$((OK_ROWS + 1))
done

{
	printf '\n%-12s %-8s %-6s %-58s %-10s %-10s %s\n' name arch target "config (patched)" base patched new-warnings
	printf '%s\n' "${ROWS[@]}"
	[ ! -s "$RESULTS/new-warnings.txt" ] || cat "$RESULTS/new-warnings.txt"
	# a row passes when base and patched build and the series adds no warning
	printf '\n%d passed, %d failed\n' "$OK_ROWS" $((${#ENTRIES[@]} - OK_ROWS))
} | tee "$RESULTS/summary.txt"
if [ -z "$ONLY_NAMES" ]; then
	write_results_file cross "$RESULTS/summary.txt"
else
	lab_say "no results file: NAMES=\"$ONLY_NAMES\" is not every line of configs/cross.list"
fi
[ "$bad" -eq 0 ]
