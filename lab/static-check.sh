#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# static-check.sh: `make static-check`. What the kernel's own bots run on
# a patch, over every C file the series touches, base vs patched:
#   kernel-doc  scripts/kernel-doc -none -v (6.1's kernel-doc has no -Wall;
#               -v adds its optional checks, such as missing return
#               descriptions)
#   coccinelle  every scripts/coccinelle/**/*.cocci in report mode, with the
#               options its "// Options:" line asks for, as
#               `make coccicheck MODE=report` runs them
# Findings are compared without line numbers, also those in the message
# ("preceding lock on line N"), since the series moves code: a
# file passes when patched has no finding that base lacks. A file the
# series adds is compared with nothing. Prints the findings of both, a
# table, and last "N passed, N failed" (also to results/static-check.md).
# Output in build/results/static/.
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RESULTS=$BUILD/results/static

# touched_files: the C files and headers the series changes or adds
touched_files() {
	series_touched_files --diff-filter=AM '*.c' '*.h'
}

# kerneldoc_findings TREE FILE: kernel-doc's warnings, without line numbers
kerneldoc_findings() {
	[ -f "$1/$2" ] || return 0
	(cd "$1" && scripts/kernel-doc -none -v "$2" 2>&1) |
		sed -n -E 's/^([^:]+):[0-9]+: warning: /\1: warning: /p' | sort
}

# cocci_options COCCI: the spatch options of a semantic patch
cocci_options() {
	sed -n 's@^// *Options: *@@p' "$1" | head -n 1
}

# cocci_findings TREE LIST OUT: every .cocci (report mode) over the files
# of LIST in TREE, findings without line and column numbers, into OUT
cocci_findings() {
	local tree=$1 list=$2 out=$3 c opts rel n=0 total files
	total=$(find "$KTREE/scripts/coccinelle" -name '*.cocci' | wc -l)
	: >"$out"
	while read -r c; do
		n=$((n + 1))
		rel=${c#"$KTREE"/}
		grep -q 'virtual report' "$c" || continue
		opts=$(cocci_options "$c")
		mapfile -t files < <(cd "$tree" && while read -r f; do [ ! -f "$f" ] || echo "$f"; done <"$list")
		# shellcheck disable=SC2086
		(cd "$tree" && timeout 900 spatch -D report --very-quiet --no-show-diff \
			$opts --sp-file "$c" "${files[@]}" 2>/dev/null) |
			sed -E "s@^(\./)?([^: ]+):[0-9]+:[0-9]+-[0-9]+: @\2: @; s@(on )?line [0-9]+@line N@g; s@^@$rel: @" >>"$out" || true
		[ $((n % 10)) -ne 0 ] || lab_say "  coccinelle ($(basename "$tree")): $n of $total semantic patches"
	done < <(find "$KTREE/scripts/coccinelle" -name '*.cocci' | sort)
	sort -o "$out" "$out"
}

# coccinelle only for this target: not part of `make setup`
install_coccinelle() {
	command -v spatch >/dev/null && return 0
	[ "$(id -u)" -eq 0 ] || die "no spatch: install Debian's coccinelle (as root: apt-get install coccinelle)"
	run_logged "$LOGS/apt-coccinelle.log" "apt-get install coccinelle" \
		env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends coccinelle
}

"$LAB_TOP/lab/setup.sh"
install_coccinelle
"$LAB_TOP/lab/tree.sh" apply
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
touched_files >"$RESULTS/files.txt"
[ -s "$RESULTS/files.txt" ] || die "the series touches no C file?"

lab_step "kernel-doc -none -v, base vs patched ($(wc -l <"$RESULTS/files.txt") files)"
while read -r f; do
	kerneldoc_findings "$KTREE_BASE" "$f"
done <"$RESULTS/files.txt" >"$RESULTS/kerneldoc-base.txt"
while read -r f; do
	kerneldoc_findings "$KTREE" "$f"
done <"$RESULTS/files.txt" >"$RESULTS/kerneldoc-patched.txt"

lab_step "coccinelle, report mode, base vs patched (the two trees side by side)"
cocci_findings "$KTREE_BASE" "$RESULTS/files.txt" "$RESULTS/cocci-base.txt" &
base_job=$!
cocci_findings "$KTREE" "$RESULTS/files.txt" "$RESULTS/cocci-patched.txt" ||
	die "coccinelle failed on the patched tree"
wait "$base_job" || die "coccinelle failed on the base tree"

passed=0
failed=0
{
	printf '\n%-28s %8s %8s %5s %8s %8s %5s\n' file kdoc-base kdoc-pat new cocci-base cocci-pat new
	while read -r f; do
		kb=$(grep -c "^$f: " "$RESULTS/kerneldoc-base.txt" || true)
		kp=$(grep -c "^$f: " "$RESULTS/kerneldoc-patched.txt" || true)
		kn=$(comm -13 <(grep "^$f: " "$RESULTS/kerneldoc-base.txt") \
			<(grep "^$f: " "$RESULTS/kerneldoc-patched.txt") | grep -c . || true)
		cb=$(grep -c ": $f: " "$RESULTS/cocci-base.txt" || true)
		cp=$(grep -c ": $f: " "$RESULTS/cocci-patched.txt" || true)
		cn=$(comm -13 <(grep ": $f: " "$RESULTS/cocci-base.txt") \
			<(grep ": $f: " "$RESULTS/cocci-patched.txt") | grep -c . || true)
		printf '%-28s %8s %8s %5s %8s %8s %5s\n' "$f" "$kb" "$kp" "$kn" "$cb" "$cp" "$cn"
		if [ "$kn" -eq 0 ] && [ "$cn" -eq 0 ]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	done <"$RESULTS/files.txt"
	echo
	echo "new kernel-doc warnings:"
	comm -13 "$RESULTS/kerneldoc-base.txt" "$RESULTS/kerneldoc-patched.txt" | sed 's/^/  /'
	echo "new coccinelle reports:"
	comm -13 "$RESULTS/cocci-base.txt" "$RESULTS/cocci-patched.txt" | sed 's/^/  /'
	echo "(all findings: ${RESULTS#"$LAB_TOP"/}/{kerneldoc,cocci}-{base,patched}.txt)"
	printf '%d passed, %d failed\n' "$passed" "$failed"
} | tee "$RESULTS/summary.txt"
write_results_file static-check "$RESULTS/summary.txt"
# (the counts were made in the pipeline's subshell: read them back)
grep -qE '^[0-9]+ passed, 0 failed$' "$RESULTS/summary.txt"
