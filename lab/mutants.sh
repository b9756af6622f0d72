#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# mutants.sh [ARCH]: `make mutants`. Prove that the oracle can fail: for
# each line of tests/mutants.list, break the walker in the patched tree
# (uncommitted, restored on exit), rebuild incrementally, boot and run
# fw_oracle. A control boot of the unmodified kernel must pass first. A
# mutant is caught when a subtest fails, the kernel splats or the guest
# does not finish. The pristine patched kernel is rebuilt at the end.
# A line may name the arches it is for (a fifth field): on the others it
# is listed as n/a, with those arches, and not counted.
# Exit status 1 if a mutant survives. With the full list, the table goes
# to results/mutants.md (ARCH other than x86_64: results/mutants-ARCH.md).
# shellcheck source=lab/lib.sh
. "$(dirname "$0")/lib.sh"

ARCH_=${1:-x86_64}
FLAVOUR=debug
LIST=${MUTANTS_LIST:-$LAB_TOP/tests/mutants.list}	# MUTANTS_LIST: another list (a subset)
RESULTS=$BUILD/results/mutants
TIMEOUT=${MUTANT_TIMEOUT:-240}

trim() { sed 's/^[[:space:]]*//; s/[[:space:]]*$//' <<<"$1"; }

# splat_summary VERDICT: the first splat console.sh reported, and whether
# the guest finished
splat_summary() {
	{
		grep -aA1 'kernel splat' "$1" | tail -n 1 | sed -E 's/^ +[0-9]+:\[ *[0-9.]+\] //' | cut -c1-90
		if grep -aq 'did not finish' "$1"; then echo "guest did not finish"; fi
	} | tr '\n' ' ' || true
}

# restore_tree [FILE]: undo the mutation (of FILE, or of every file a
# mutant touches); loud if the tree is not clean afterwards
restore_tree() {
	local f
	for f in ${1:-$(mutated_files)}; do
		git -C "$KTREE" checkout -q -- "$f" 2>/dev/null || true
	done
	git -C "$KTREE" diff --quiet ||
		warn_loudly "build/linux is not clean after a mutant: check 'git -C build/linux diff'"
}

mutated_files() {
	sed -n 's/^[^#|]*|[[:space:]]*\([^|[:space:]]*\)[[:space:]]*|.*/\1/p' "$LIST" | sort -u
}

# boot_oracle NAME: boot the patched kernel with fw_oracle, console and
# verdict in RESULTS/NAME.*; returns boot.sh's exit code
boot_oracle() {
	local rc=0
	LAB_TIMEOUT=$TIMEOUT LAB_QUIET=1 LAB_LOG="$RESULTS/$1.console" \
		"$LAB_TOP/lab/boot.sh" "$ARCH_" patched "$FLAVOUR" "$payload" 2>"$RESULTS/$1.verdict" || rc=$?
	return "$rc"
}

[ -z "$(git -C "$KTREE" status --porcelain --untracked-files=no)" ] ||
	die "build/linux has uncommitted changes: commit or stash them before make mutants"
trap restore_tree EXIT
mkdir -p "$RESULTS"
load_arch "$ARCH_"

"$LAB_TOP/lab/build-kernel.sh" "$ARCH_" patched "$FLAVOUR"
"$LAB_TOP/lab/build-tests.sh" "$ARCH_" patched "$FLAVOUR"
payload=$BUILD/payload/$ARCH_-mutant
rm -rf "$payload"
mkdir -p "$payload"
cp "$BUILD/guest/$ARCH_-patched-$FLAVOUR/bin/fw_oracle" "$payload/"
printf '#!/bin/sh\nexec /payload/fw_oracle\n' >"$payload/run"
chmod +x "$payload/run"

# The control: the unmodified kernel must pass, or no mutant proves anything.
lab_step "control: the unmodified patched kernel"
boot_oracle control ||
	die "fw_oracle fails on the unmodified patched kernel: see ${RESULTS#"$LAB_TOP"/}/control.console"

ROWS=()
survivors=0
errors=0
notfor=0
while IFS='|' read -r name file expr what arches <&3; do
	name=$(trim "$name")
	case "$name" in '' | \#*) continue ;; esac
	file=$(trim "$file")
	expr=$(trim "$expr")
	what=$(trim "$what")
	arches=$(trim "$arches")
	if [ -n "$arches" ] && ! grep -qw -- "$ARCH_" <<<"$arches"; then
		ROWS+=("$(printf '%-14s %-9s %s' "$name" "n/a" "only for: $arches (make mutants ARCH=...)")")
		lab_say "mutant $name: n/a on $ARCH_ (only for: $arches)"
		notfor=$((notfor + 1))
		continue
	fi
	lab_step "mutant $name: $what"
	sed -E "$expr" "$KTREE/$file" >"$RESULTS/$name.c"
	cmp -s "$RESULTS/$name.c" "$KTREE/$file" &&
		die "mutant $name no longer applies to $file (update tests/mutants.list)"
	cp "$RESULTS/$name.c" "$KTREE/$file"
	git -C "$KTREE" diff >"$RESULTS/$name.diff"
	"$LAB_TOP/lab/build-kernel.sh" "$ARCH_" patched "$FLAVOUR"
	rc=0
	boot_oracle "$name" || rc=$?
	restore_tree "$file"
	failed=$(grep -acE '^not ok [0-9]+ ' "$RESULTS/$name.console" || true)
	names=$(grep -aE '^not ok [0-9]+ ' "$RESULTS/$name.console" | sed -E 's/^not ok [0-9]+ //; s/ .*//' | tr '\n' ' ' || true)
	splat=$(splat_summary "$RESULTS/$name.verdict")
	# caught: a failing subtest, a splat or a guest that did not finish
	if [ "$failed" -gt 0 ] || [ -n "$splat" ]; then
		verdict="caught"
	elif [ "$rc" -eq 0 ]; then
		verdict="SURVIVED"
		survivors=$((survivors + 1))
	else
		verdict="ERROR"
		errors=$((errors + 1))
	fi
	ROWS+=("$(printf '%-14s %-9s %s' "$name" "$verdict" "failed subtests: $failed ${names:+($names)}${splat:+; kernel: $splat}")")
	lab_say "mutant $name: $verdict (exit $rc, $failed failed subtests)"
done 3<"$LIST"

restore_tree
trap - EXIT
lab_step "rebuild the pristine patched kernel"
"$LAB_TOP/lab/build-kernel.sh" "$ARCH_" patched "$FLAVOUR"
{
	printf '\n%-14s %-9s %s\n' mutant verdict "how"
	printf '%s\n' "${ROWS[@]}"
	printf '\n%d mutants, %d survived, %d errors (failed without a failing test or splat), %d not for %s\n' \
		"$((${#ROWS[@]} - notfor))" "$survivors" "$errors" "$notfor" "$ARCH_"
} | tee "$RESULTS/summary.txt"
if [ -n "${MUTANTS_LIST:-}" ]; then
	lab_say "no results file: MUTANTS_LIST=$MUTANTS_LIST is not the full list"
elif [ "$ARCH_" = x86_64 ]; then
	write_results_file mutants "$RESULTS/summary.txt"
else
	write_results_file "mutants-$ARCH_" "$RESULTS/summary.txt" "make mutants ARCH=$ARCH_"
fi
[ "$survivors" -eq 0 ] && [ "$errors" -eq 0 ]
