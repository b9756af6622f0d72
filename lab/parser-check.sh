#!/usr/bin/env bash
# parser-check.sh [--print CASE]: `make parser-check`. The lab's verdict
# rules tested on canned console logs, without QEMU, in seconds.
#
# Each directory of lab/testdata/parser/ (its README says what is in one)
# is a run of `make check` on x86_64: its consoles go through check.sh's
# own functions (trim_lists, tally with console.sh's splat detection,
# compare_fwdiff, print_summary: check.sh is sourced, no rule is written
# twice), and the summary they print must be the case's "expected" file.
# One line per case, "ok - CASE" or "not ok - CASE" (with the diff), then
# for each rule of BROKEN_RULES below: a copy of lab/ with that rule broken
# on purpose must fail at least one case ("ok - broken rule NAME: caught
# (first by CASE)"). Last line "N passed, N failed"; exit 1 if any failed.
#
# To see it catch a broken rule by hand:
#   PARSER_CHECK_BREAK=splat lab/parser-check.sh
# judges the cases with a copy of lab/ whose console.sh detects no splat
# (NAME: any of BROKEN_RULES): the splat cases then print "not ok" and it
# exits 1. Or break a rule in lab/ itself, e.g. in console.sh
#   splats=$(grep -naE "$SPLAT" "$LOG" || true)  ->  splats=
# and run make parser-check.
#   --print CASE  print what the rules make of CASE (to write a new
#                 case's expected file: read it before saving it)
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LAB=$LAB_TOP/lab	# the lab judged (judge_case's sourcing sets LAB_TOP anew)
DATA=$LAB/testdata/parser
TMP=$(mktemp -d "${TMPDIR:-/tmp}/parser-check.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# BROKEN_RULES: each rule that a case must defend; rule_break NAME says
# how it is broken on purpose: replace TEXT (literally) in lab/FILE.
BROKEN_RULES="splat end-marker known-only-if-base-failed not-here-skip not-here-code not-here-absent-only fwdiff-allow-list not-ok-counted"
# shellcheck disable=SC2016 # the texts are code, not to be expanded
rule_break() {
	case "$1" in
	splat) FILE=console.sh TEXT='splats=$(grep -naE "$SPLAT" "$LOG" || true)' REPLACEMENT='splats=' ;;
	end-marker) FILE=console.sh TEXT='if [ -z "$exit_line" ]; then' REPLACEMENT='if false; then' ;;
	known-only-if-base-failed) FILE=check.sh
		TEXT='if known_base_failure "$test" && grep -qxF "$test" "$RESULTS/$arch-base.failed" 2>/dev/null; then'
		REPLACEMENT='if known_base_failure "$test"; then' ;;
	not-here-skip) FILE=check.sh
		TEXT='if code=$(skip_code "$line") && reason=$(not_here_skip "$test" "$code"); then'
		REPLACEMENT='if [[ "$line" == *"# SKIP"* ]] && reason=any; then' ;;
	not-here-code) FILE=lib.sh TEXT='$1 == t && $2 == c && c ~ /^absent:[A-Za-z0-9_]+$/ {'
		REPLACEMENT='$1 == t {' ;;
	not-here-absent-only) FILE=lib.sh TEXT='$2 == c && c ~ /^absent:[A-Za-z0-9_]+$/ {'
		REPLACEMENT='$2 == c {' ;;
	fwdiff-allow-list) FILE=check.sh TEXT='if ! expected_difference "$key"; then' REPLACEMENT='if false; then' ;;
	not-ok-counted) FILE=check.sh TEXT='f=$((f + 1))' REPLACEMENT=':' ;;
	*) die "no broken rule '$1' (have: $BROKEN_RULES)" ;;
	esac
}

# judge_case CASE LABDIR: what LABDIR's check.sh and console.sh make of
# CASE: the summary, then the lists as trimmed (paths under the results
# directory shown as RESULTS); if the rules stop (die), that and what
# they said on stderr.
judge_case() {
	local case=$DATA/$1 labdir=$2 work rc=0
	work=$(mktemp -d "$TMP/case.XXXXXX")
	judge_case_in "$case" "$labdir" "$work" 2>"$work/stderr" || rc=$?
	[ "$rc" -eq 0 ] || { echo "(the rules stopped: exit $rc)"; sed 's/^/stderr: /' "$work/stderr"; }
}

judge_case_in() {
	local case=$1 labdir=$2 work=$3
	(
		# shellcheck source=lab/check.sh
		. "$labdir/check.sh"
		RESULTS=$work/results
		EXPECTED_DIFF=$labdir/testdata/parser/expected-differences.txt
		KNOWN_BASE_FAILURES=$labdir/testdata/parser/known-base-failures.txt
		KERNELS="base patched"
		NOT_HERE=""
		SUITES="selftests foliowalk"
		SELECT=""
		# shellcheck source=/dev/null
		[ ! -f "$case/case.env" ] || . "$case/case.env"
		mkdir -p "$RESULTS"
		: >"$RESULTS/failures.txt"
		for kernel in $KERNELS; do
			NOT_RUN=()
			if [ -d "$case/lists" ]; then
				cp -r "$case/lists" "$work/$kernel-payload"
				trim_lists x86_64 "$kernel" "$work/$kernel-payload"
			fi
			cp "$case/$kernel.console" "$RESULTS/x86_64-$kernel.console"
			tally x86_64 "$kernel" "$RESULTS/x86_64-$kernel.console"
		done
		case " $KERNELS " in *" base "*) case " $KERNELS " in *" patched "*) compare_fwdiff x86_64 ;; esac ;; esac
		print_summary
		for kernel in $KERNELS; do
			[ -d "$work/$kernel-payload" ] || continue
			printf '\nlists run on %s:\n' "$kernel"
			(cd "$work/$kernel-payload" && grep -H . -- *.list) | sed 's/^/  /'
		done
	) | sed "s#$work/results#RESULTS#g"
}

# check_case CASE LABDIR: does CASE come out as expected? The diff if not.
check_case() {
	local got=$TMP/$1.got
	judge_case "$1" "$2" >"$got"
	diff -u "$DATA/$1/expected" "$got" >"$TMP/$1.diff"
}

# broken_copy NAME: a copy of lab/ with rule NAME broken; prints its lab/.
broken_copy() {
	local FILE TEXT REPLACEMENT dir content
	rule_break "$1"
	dir=$(mktemp -d "$TMP/broken-$1.XXXXXX")
	cp -a "$LAB" "$dir/lab"
	content=$(<"$dir/lab/$FILE")
	[[ "$content" == *"$TEXT"* ]] || die "broken rule $1: lab/$FILE no longer has: $TEXT (update rule_break)"
	printf '%s\n' "${content//"$TEXT"/"$REPLACEMENT"}" >"$dir/lab/$FILE"
	echo "$dir/lab"
}

cases() { (cd "$DATA" && for d in */; do [ -f "$d/expected" ] && echo "${d%/}"; done); }

if [ "${1:-}" = --print ]; then
	[ -d "$DATA/${2:-}" ] || die "usage: parser-check.sh --print CASE (one of: $(cases | tr '\n' ' '))"
	judge_case "$2" "$LAB"
	exit 0
fi

LABDIR=$LAB
[ -z "${PARSER_CHECK_BREAK:-}" ] || LABDIR=$(broken_copy "$PARSER_CHECK_BREAK")
passed=0
failed=0
for c in $(cases); do
	if check_case "$c" "$LABDIR"; then
		echo "ok - $c"
		passed=$((passed + 1))
	else
		echo "not ok - $c ($(cat "$DATA/$c/why"))"
		sed 's/^/#   /' "$TMP/$c.diff"
		failed=$((failed + 1))
	fi
done

# The cases must notice each rule broken on purpose (not when judging a
# broken copy already).
if [ -z "${PARSER_CHECK_BREAK:-}" ]; then
	for name in $BROKEN_RULES; do
		dir=$(broken_copy "$name")
		caught=
		for c in $(cases); do
			check_case "$c" "$dir" || { caught=$c; break; }
		done
		if [ -n "$caught" ]; then
			echo "ok - broken rule $name: caught (first by $caught)"
			passed=$((passed + 1))
		else
			echo "not ok - broken rule $name: no case notices it"
			failed=$((failed + 1))
		fi
	done
fi
printf '\n%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
