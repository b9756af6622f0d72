#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# check.sh ARCH...: build base and patched, run every suite on both in QEMU,
# compare them, print a per-suite table and, last, "N passed, N failed".
#   FLAVOUR (default debug)  KERNELS (default "base patched")
#   SUITES  the fast loop: run only what it names, words of the form
#           SUITE (selftests, foliowalk), SUITE.NAME (a line of
#           guest/selftests.list or tests/tests.list: foliowalk.oracle)
#           or SUITE.NAME/SUB for a program that takes its subtests'
#           names as arguments (fw_race: foliowalk.race/status_vs_unmap;
#           the 6.1 kselftest harness of fw_oracle and fw_split ignores
#           its arguments, so their subtests cannot be picked). E.g.
#             make check ARCH=x86_64 KERNELS=patched SUITES=foliowalk.oracle
#           (not the arch files' SUITES, which load_arch sets: see SELECT)
# A full run (both kernels, every suite, FLAVOUR=debug, MMCONFIG=debian)
# writes its summary to results/check-ARCH.md (several ARCHes:
# results/check-all.md).
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLAVOUR=${FLAVOUR:-debug}
KERNELS=${KERNELS:-base patched}
SELECT=${SUITES:-}	# the user's SUITES; the arch files' SUITES replaces it
RESULTS=$BUILD/results/check$MMCONFIG_SUFFIX	# (MMCONFIG=debian: check-debian)
EXPECTED_DIFF=$LAB_TOP/tests/expected-differences.txt
KNOWN_BASE_FAILURES=$LAB_TOP/tests/known-base-failures.txt
PASSED=0
FAILED=0
TABLE=()
declare -A NOT_RUN=()	# suite -> tests of its list that NOT_HERE kept out

record() {	# record SUITE ARCH KERNEL PASSED FAILED [KNOWN [N/A]]
	TABLE+=("$(printf '%-22s %-8s %-8s %6s %6s %6s %6s' "$1" "$2" "$3" "$4" "$5" "${6:-0}" "${7:-0}")")
	PASSED=$((PASSED + $4))
	FAILED=$((FAILED + $5))
}

# drop_not_here ARCH KERNEL DIR: remove from DIR's lists the tests that
# NOT_HERE names as a whole (suite.name), and say so in the results.
drop_not_here() {
	local arch=$1 kernel=$2 dir=$3 test reason suite name
	while read -r test reason; do
		case "$test" in */* | "") continue ;; esac
		suite=${test%%.*}
		name=${test#*.}
		[ -f "$dir/$suite.list" ] || continue
		awk -v n="$name" '$1 != n' "$dir/$suite.list" >"$dir/$suite.list.new"
		if ! cmp -s "$dir/$suite.list" "$dir/$suite.list.new"; then
			echo "$arch $kernel: $test: not run ($reason)" >>"$RESULTS/not-here.txt"
			NOT_RUN["$suite"]=$((${NOT_RUN["$suite"]:-0} + 1))
		fi
		mv "$dir/$suite.list.new" "$dir/$suite.list"
	done < <(printf '%s\n' "$NOT_HERE")
}

# assemble_payload ARCH KERNEL DIR: the guest programs plus the runners.
assemble_payload() {
	local dir=$3
	rm -rf "$dir"
	mkdir -p "$dir"
	cp -a "$BUILD/guest/$1-$2-$FLAVOUR/bin" "$dir/bin"
	cp "$LAB_TOP/guest/check-run" "$dir/run"
	cp "$LAB_TOP/guest/run-list" "$dir/run-list"
	cp "$LAB_TOP/guest/retry" "$dir/bin/retry"
	cp "$LAB_TOP/guest/selftests.list" "$dir/selftests.list"
	# tests.list: "name kernels command...", kernels = all | patched
	[ ! -f "$LAB_TOP/tests/tests.list" ] ||
		awk -v k="$2" '/^[[:space:]]*(#|$)/ {next}
			$2 == "all" || $2 == k {name = $1; $1 = ""; $2 = ""; sub(/^ +/, ""); print name, $0}' \
			"$LAB_TOP/tests/tests.list" >"$dir/foliowalk.list"
	trim_lists "$1" "$2" "$dir"
}

# trim_lists ARCH KERNEL DIR: what of DIR's lists this arch does not run,
# and what SELECT leaves out.
trim_lists() {
	drop_not_here "$1" "$2" "$3"
	drop_suites_not_run "$1" "$2" "$3"
	select_tests "$1" "$2" "$3"
}

# select_tests ARCH KERNEL DIR: the fast loop: keep of DIR's lists only
# the lines SELECT names (not counted anywhere: the run is partial); a
# SUITE.NAME/SUB word appends SUB to that line's command, for fw_race only.
select_tests() {
	local list word left
	[ -n "$SELECT" ] || return 0
	for list in "$3"/*.list; do
		[ -f "$list" ] || continue
		awk -v suite="$(basename "$list" .list)" -v sel="$SELECT" '
			BEGIN { n = split(sel, w, " ") }
			/^[[:space:]]*(#|$)/ { next }
			{
				keep = 0
				args = ""
				for (i = 1; i <= n; i++) {
					t = w[i]
					sub_ = ""
					if (index(t, "/")) {
						sub_ = substr(t, index(t, "/") + 1)
						t = substr(t, 1, index(t, "/") - 1)
					}
					if (t != suite && t != suite "." $1)
						continue
					keep = 1
					if (sub_ == "")
						continue
					if ($2 != "fw_race") {
						printf "%s.%s runs %s, which cannot run one subtest (%s): use SUITES=%s.%s\n", suite, $1, $2, sub_, suite, $1 >"/dev/stderr"
						exit 3
					}
					args = args " " sub_
				}
				if (keep)
					print $0 args
			}' "$list" >"$list.new" || die "SUITES=$SELECT: see above"
		mv "$list.new" "$list"
	done
	left=$(for list in "$3"/*.list; do
		[ ! -f "$list" ] || awk -v s="$(basename "$list" .list)" '{ print s; print s "." $1 }' "$list"
	done)
	for word in $SELECT; do
		grep -qxF "${word%%/*}" <<<"$left" || lab_say "SUITES: $word: nothing of it to run on $1 $2"
	done
}

# drop_suites_not_run ARCH KERNEL DIR: a geometry that boots another
# arch's kernels runs only the suites its SUITES names (the others ran on
# those kernels already); say so in the results.
drop_suites_not_run() {
	local suite
	for suite in selftests foliowalk; do
		case " $SUITES " in *" $suite "*) continue ;; esac
		rm -f "$3/$suite.list"
		echo "$1 $2: suite $suite: not run on this geometry (SUITES in configs/arch/$1.sh: it ran on ${KERNEL_ARCH:-$1}'s kernels)" >>"$RESULTS/not-here.txt"
	done
}

# known_base_failure TEST: listed in tests/known-base-failures.txt?
known_base_failure() {
	sed 's/[[:space:]]*#.*//' "$KNOWN_BASE_FAILURES" 2>/dev/null | grep -qxF "$1"
}

# tally ARCH KERNEL LOG: one table row per suite from the TAP lines, plus
# the kernel's own verdict (finished, no splat) as one more test. A failure
# listed in tests/known-base-failures.txt is not counted when the base
# kernel failed the same test in this run; it is shown as "known". A
# subtest that SKIPs with the reason code its line in the arch's NOT_HERE
# names (absent:X: the kernel or machine lacks X) is "n/a", as are the
# tests NOT_HERE kept out of the lists; any other SKIP fails (another
# code, unavailable:... for out of memory or a pool too small, or none).
tally() {
	local arch=$1 kernel=$2 log=$3 suite p f k n test line reason code
	for suite in $(grep -aoE '^(not )?ok [0-9]+ [a-z_0-9-]+\.' "$log" | awk '{print $NF}' | sort -u | tr -d .); do
		p=$(grep -acE "^ok [0-9]+ $suite\." "$log" || true)
		f=0
		k=0
		n=${NOT_RUN["$suite"]:-0}
		while read -r line; do
			test=$(echo "$line" | awk '{print $4}')
			if code=$(skip_code "$line") && reason=$(not_here_skip "$test" "$code"); then
				n=$((n + 1))
				echo "$arch $kernel: $test: skipped, $code ($reason)" >>"$RESULTS/not-here.txt"
				continue
			fi
			[ "$kernel" != base ] || echo "$test" >>"$RESULTS/$arch-base.failed"
			if known_base_failure "$test" && grep -qxF "$test" "$RESULTS/$arch-base.failed" 2>/dev/null; then
				k=$((k + 1))
				echo "$arch $kernel: known base failure: $line" >>"$RESULTS/known.txt"
			else
				f=$((f + 1))
				echo "$arch $kernel: $line$(skip_verdict "$test" "$line")" >>"$RESULTS/failures.txt"
			fi
		done < <(grep -aE "^not ok [0-9]+ $suite\." "$log" || true)
		record "$suite" "$arch" "$kernel" "$p" "$f" "$k" "$n"
		NOT_RUN["$suite"]=0
	done
	if LAB_IGNORE_PAYLOAD_EXIT=1 "$LAB_TOP/lab/console.sh" "$log" 2>"$RESULTS/$arch-$kernel.verdict"; then
		record "kernel(no splat)" "$arch" "$kernel" 1 0
	else
		record "kernel(no splat)" "$arch" "$kernel" 0 1
		sed "s/^/$arch $kernel: /" "$RESULTS/$arch-$kernel.verdict" >>"$RESULTS/failures.txt"
	fi
}

# skip_verdict TEST LINE: why a SKIP failed, for the failures list
skip_verdict() {
	local code
	[[ "$2" == *" # SKIP"* ]] || return 0
	if ! code=$(skip_code "$2"); then
		echo "  [a SKIP without a reason code]"
	elif [[ "$code" != absent:* ]]; then
		echo "  [$code: could not be set up]"
	elif not_here_reason "$1" >/dev/null; then
		echo "  [NOT_HERE names $1 with another code: $(not_here_reason "$1" | awk '{print $1}' | paste -sd, -)]"
	else
		echo "  [$code: NOT_HERE does not name $1]"
	fi
}

# expected_difference LINE: does a prefix in tests/expected-differences.txt
# (a shell glob: '*' matches anything) match this fwdiff line?
expected_difference() {
	local prefix
	while read -r prefix; do
		# shellcheck disable=SC2254
		case "$1" in $prefix*) return 0 ;; esac
	done < <(sed 's/[[:space:]]*#.*//; s/[[:space:]]*$//' "$EXPECTED_DIFF" 2>/dev/null | grep -v '^$')
	return 1
}

# compare_fwdiff ARCH: the differential corpus must print the same lines on
# base and patched, but for the differences listed (with a reason) in
# tests/expected-differences.txt.
compare_fwdiff() {
	local arch=$1 b=$RESULTS/$1-base.fwdiff p=$RESULTS/$1-patched.fwdiff d=$RESULTS/$1-fwdiff.diff
	for k in base patched; do
		sed -n 's/^# fwdiff: //p' "$RESULTS/$arch-$k.console" >"$RESULTS/$arch-$k.fwdiff"
	done
	if [ ! -s "$b" ] && [ ! -s "$p" ]; then
		return 0
	fi
	diff -U0 "$b" "$p" | grep -E '^[-+][^-+]' | sed -E 's/^([-+])/\1 /' >"$d" || true
	local unexplained=0 line key
	while read -r line; do
		key=${line:2}
		if ! expected_difference "$key"; then
			echo "$arch differential: unexplained: $line" >>"$RESULTS/failures.txt"
			unexplained=$((unexplained + 1))
		fi
	done <"$d"
	if [ -s "$b" ] && [ -s "$p" ] && [ "$unexplained" -eq 0 ]; then
		record "differential" "$arch" "base/pat" 1 0
	else
		[ -s "$b" ] && [ -s "$p" ] || echo "$arch differential: no fwdiff output from one kernel" >>"$RESULTS/failures.txt"
		record "differential" "$arch" "base/pat" 0 1
	fi
	lab_say "differential $arch: $(grep -c . "$b") lines, $(grep -c . "$d" || true) differing, $unexplained unexplained (diff: ${d#"$LAB_TOP"/})"
}

check_arch() {
	local arch=$1 kernel payload
	load_arch "$arch"
	for kernel in $KERNELS; do
		"$LAB_TOP/lab/build-kernel.sh" "$arch" "$kernel" "$FLAVOUR"
		"$LAB_TOP/lab/build-tests.sh" "$arch" "$kernel" "$FLAVOUR"
	done
	for kernel in $KERNELS; do
		lab_step "run the suites on $arch $kernel ($FLAVOUR)"
		payload=$BUILD/payload/$arch-$kernel-check
		NOT_RUN=()
		assemble_payload "$arch" "$kernel" "$payload"
		LAB_QUIET=1 LAB_LOG="$RESULTS/$arch-$kernel.console" \
			"$LAB_TOP/lab/boot.sh" "$arch" "$kernel" "$FLAVOUR" "$payload" || true
		tally "$arch" "$kernel" "$RESULTS/$arch-$kernel.console"
	done
	case " $KERNELS " in *" base "*) case " $KERNELS " in *" patched "*) compare_fwdiff "$arch" ;; esac ;; esac
}

# print_summary: the table of the rows recorded, what was n/a, the known
# base failures, the failures, and last "N passed, N failed".
print_summary() {
	printf '\n%-22s %-8s %-8s %6s %6s %6s %6s\n' suite arch kernel passed failed known n/a
	printf '%s\n' "${TABLE[@]}"
	if [ -s "$RESULTS/not-here.txt" ]; then
		printf '\nn/a: what the machine cannot run (NOT_HERE in configs/arch/ARCH.sh):\n'
		sed 's/^/  /' "$RESULTS/not-here.txt"
	fi
	if [ -s "$RESULTS/known.txt" ]; then
		printf '\nknown base failures (fail on the unmodified base too; see %s):\n' \
			"${KNOWN_BASE_FAILURES#"$LAB_TOP"/}"
		sed 's/^/  /' "$RESULTS/known.txt"
	fi
	if [ -s "$RESULTS/failures.txt" ]; then
		printf '\nfailures (console logs in %s):\n' "${RESULTS#"$LAB_TOP"/}"
		sed 's/^/  /' "$RESULTS/failures.txt"
	fi
	printf '\n%d passed, %d failed\n' "$PASSED" "$FAILED"
}

# write_check_results ARCH...: results/check-ARCH.md (several ARCHes:
# results/check-all.md), for a full run only.
write_check_results() {
	local partial=
	[ "$KERNELS" = "base patched" ] || partial="KERNELS=$KERNELS"
	[ -z "$SELECT" ] || partial="SUITES=$SELECT"
	[ "$FLAVOUR" = debug ] || partial="FLAVOUR=$FLAVOUR"
	[ "$MMCONFIG" = debian ] || partial="MMCONFIG=$MMCONFIG"
	if [ -n "$partial" ]; then
		lab_say "no results file: not a full run ($partial)"
	elif [ $# -eq 1 ]; then
		write_results_file "check-$1" "$RESULTS/summary.txt" "make check ARCH=$1"
	else
		write_results_file check-all "$RESULTS/summary.txt" "make check-all CHECK_ARCHES=\"$*\""
	fi
}

# Sourced (to reuse a function on saved results, as lab/parser-check.sh
# does): stop here.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0

[ $# -ge 1 ] || die "usage: check.sh ARCH..."
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
: >"$RESULTS/failures.txt"
"$LAB_TOP/lab/setup.sh"
"$LAB_TOP/lab/tree.sh" apply
for a in "$@"; do
	check_arch "$a"
done

print_summary | tee "$RESULTS/summary.txt"
write_check_results "$@"
[ "$FAILED" -eq 0 ]
