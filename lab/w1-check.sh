#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# w1-check.sh [ARCH...]: `make w1-check`. Compile every C file the series
# touches that the lab's kernel for ARCH builds, with W=1, in the base and
# in the patched tree (the debug kernels' output dirs: build them first),
# and list the warnings the series adds. Line numbers are left out of the
# comparison (the series moves code); the full text is in the logs.
# Exit status 1 when the patched tree has a warning the base has not.
# shellcheck source=lab/lib.sh
. "$(dirname "$0")/lib.sh"

FLAVOUR=${FLAVOUR:-debug}
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 arm64)

# touched_objects OUT: objects of C files the series touches, built in OUT
touched_objects() {
	local f
	series_touched_files '*.c' | while read -r f; do
		[ -f "$1/${f%.c}.o" ] && echo "${f%.c}.o"
	done
}

# w1_warnings KERNEL OBJECTS...: "file: warning: text" lines, sorted
w1_warnings() {
	local kernel=$1 src out log
	shift
	src=$(ktree_for "$kernel")
	out=$(kout_for "$kernel" "$FLAVOUR")
	log=$LOGS/$LAB_ARCH-$kernel-w1.log
	# Objects the base does not have (new files) are skipped there.
	local objs=() o
	for o in "$@"; do
		[ -f "$src/${o%.o}.c" ] && objs+=("$o")
	done
	# rebuild them every time (ccache replays the warnings): an object
	# that is up to date would print nothing
	for o in "${objs[@]}"; do rm -f "$out/$o"; done
	kernel_make "$src" "$out" W=1 "${objs[@]}" >"$log" 2>&1 ||
		{ tail -n 20 "$log" >&2; die "W=1 build of ${objs[*]} failed in $kernel (log: ${log#"$LAB_TOP"/})"; }
	sed -n -E "s#^(${src}/|\.\./)?([^ :]+):[0-9]+:[0-9]+: warning: #\2: warning: #p" "$log" | sort
}

total_new=0
for a in "${ARCHES[@]}"; do
	load_arch "$a"
	pout=$(kout_for patched "$FLAVOUR")
	[ -f "$pout/.lab-complete" ] && [ -f "$(kout_for base "$FLAVOUR")/.lab-complete" ] ||
		die "build the $a base and patched kernels first (make build ARCH=$a KERNEL=base|patched)"
	mapfile -t objs < <(touched_objects "$pout")
	[ ${#objs[@]} -gt 0 ] || die "no object of the series' files in ${pout#"$LAB_TOP"/}"
	lab_step "W=1 on $a: ${objs[*]}"
	w1_warnings base "${objs[@]}" >"$LOGS/$a-base-w1.warnings"
	w1_warnings patched "${objs[@]}" >"$LOGS/$a-patched-w1.warnings"
	new=$(comm -13 "$LOGS/$a-base-w1.warnings" "$LOGS/$a-patched-w1.warnings")
	n=$(printf '%s' "$new" | grep -c . || true)
	lab_say "$a: base $(wc -l <"$LOGS/$a-base-w1.warnings") W=1 warnings, patched $(wc -l <"$LOGS/$a-patched-w1.warnings"), new: $n"
	[ "$n" -eq 0 ] || printf '%s\n' "$new" | sed 's/^/    new: /' >&2
	total_new=$((total_new + n))
done
[ "$total_new" -eq 0 ] || die "the series adds $total_new W=1 warnings"
lab_say "w1-check: no new W=1 warnings in the files the series touches"
