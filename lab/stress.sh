#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# stress.sh ARCH...: `make stress`. On KASAN + lockdep kernels (FLAVOUR
# kasan, the default; CI uses FLAVOUR=debug), base and patched: the race
# programs (tests/race/), Debian's trinity biased to mm syscalls, and
# the hostile-input tests, for a bounded time; the races with injected
# allocation failures (failslab, fail_page_alloc: guest/stress-run), on
# the flavours that have them (debug, kasan); then totals: races run,
# syscalls made, inputs tried, faults injected (page-allocation failures
# must have happened; slab failures are counted), pages moved by each
# pressure path, splats (must be 0 on patched), data mismatches (must be 0).
#   DURATION  seconds of stress in all (default 600), split evenly over
#             the arches and kernels; in each boot 60% races (at least
#             35 s), 40% trinity (at least 60 s: one round)
#   SEED      trinity's and fw_race's seed (default: from the date), printed
# A splat that the base kernel shows too is listed, not counted against
# the series; every other splat, mismatch or failed test fails the run.
# shellcheck source=lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLAVOUR=${FLAVOUR:-kasan}
DURATION=${DURATION:-600}
SEED=${SEED:-$(date +%Y%m%d)}
RESULTS=$BUILD/results/stress
KERNELS="base patched"
# slub_debug=A,CACHES: the caches failslab may fail (guest/stress-run sets
# the cache filter; 6.1 marks a cache only when it is created: its
# sysfs failslab is read-only): the xarray nodes of the swap cache and
# of THP splits. (KSM's rmap items and stable nodes would be no use:
# ksmd allocates them, and the task filter spares it.) page_poison=1: the
# kasan flavour's PAGE_POISONING checks freed pages.
FAILSLAB_CACHES=radix_tree_node
CMDLINE_EXTRA="slub_debug=A,$FAILSLAB_CACHES"
[ "$FLAVOUR" != kasan ] || CMDLINE_EXTRA="$CMDLINE_EXTRA page_poison=1"
# RACE_MEMCG_MAX: the memory.max of the races' cgroup (guest/stress-run),
# below their working set; default the arch's STRESS_MEMCG_MAX (8M; fw_race's
# memory.peak without a limit was 13,124 kB on x86_64 debug, seed
# 20261203, 35 s of races; s390x: configs/arch/s390x.sh).
RACE_MEMCG_MAX=${RACE_MEMCG_MAX:-}
TRINITY_SYSCALLS="move_pages migrate_pages mbind madvise mprotect munmap mremap mmap userfaultfd get_mempolicy set_mempolicy"

# trinity_root ARCH: a directory with trinity, libc and the loader of ARCH
# (Debian's package, unpacked; trinity needs nothing else)
trinity_root() {
	local a=$1 root=$BUILD/trinity-$DEB_ARCH libdir
	if [ ! -f "$root/.complete" ]; then
		rm -rf "$root"
		mkdir -p "$root/dl" "$root/lib"
		(cd "$root/dl" && apt-get download "trinity:$DEB_ARCH") >"$LOGS/trinity-$DEB_ARCH.log" 2>&1 ||
			die "apt-get download trinity:$DEB_ARCH failed (log: build/logs/trinity-$DEB_ARCH.log)"
		dpkg-deb -x "$root"/dl/trinity_*.deb "$root/x" || die "cannot unpack trinity:$DEB_ARCH"
		cp "$root/x/usr/bin/trinity" "$root/trinity" || die "no trinity in trinity:$DEB_ARCH"
		rm -rf "$root/x" "$root/dl"
		touch "$root/.complete"
	fi
	if [ "$DEB_ARCH" = "$(dpkg --print-architecture)" ]; then
		libdir=/lib/$(gcc -dumpmachine)
		cp -L "$libdir/libc.so.6" "$root/lib/" || die "no $libdir/libc.so.6"
		cp -L "$(readelf -l "$root/trinity" | sed -n 's/.*interpreter: \(.*\)]/\1/p')" "$root/lib/ld.so" ||
			die "no loader for trinity"
	else
		libdir=/usr/${CROSS_COMPILE%-}/lib
		[ -f "$libdir/libc.so.6" ] || die "no $libdir/libc.so.6 for $a: run 'make setup'"
		cp -L "$libdir/libc.so.6" "$root/lib/" || die "no $libdir/libc.so.6"
		cp -L "$libdir/$(basename "$(readelf -l "$root/trinity" | sed -n 's/.*interpreter: \(.*\)]/\1/p')")" "$root/lib/ld.so" ||
			die "no loader for trinity in $libdir"
	fi
	echo "$root"
}

assemble_stress_payload() {	# ARCH KERNEL DIR
	local a=$1 k=$2 dir=$3 troot secs race_s trinity_s
	troot=$(trinity_root "$a")
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/lib"
	cp "$BUILD/guest/$a-$k-$FLAVOUR/bin/fw_race" "$BUILD/guest/$a-$k-$FLAVOUR/bin/fw_memcheck" "$dir/bin/"
	[ "$k" != patched ] || cp "$BUILD/guest/$a-$k-$FLAVOUR/bin/fw_oracle" "$dir/bin/"
	cp "$troot/trinity" "$dir/bin/"
	cp "$troot"/lib/* "$dir/lib/"
	cp "$LAB_TOP/guest/run-list" "$dir/run-list"
	cp "$LAB_TOP/guest/stress-run" "$dir/run"
	secs=$((DURATION / (${#ARCHES[@]} * 2)))
	# trinity: one round (1000 syscalls) must fit, with its start-up
	trinity_s=$((secs * 4 / 10))
	[ "$trinity_s" -ge 60 ] || trinity_s=60
	race_s=$((secs - trinity_s))
	[ "$race_s" -ge 35 ] || race_s=35
	{
		echo "SEED=$SEED"
		echo "RACE_SECONDS=$race_s"
		echo "TRINITY_SECONDS=$trinity_s"
		echo "TRINITY_SYSCALLS=\"$TRINITY_SYSCALLS\""
		echo "RACE_MEMCG_MAX=${RACE_MEMCG_MAX:-$STRESS_MEMCG_MAX}"
		echo "export LAB_TEST_TIMEOUT=$((race_s + trinity_s + 900))"
	} >"$dir/stress.env"
}

# totals KERNEL CONSOLE...: the fwstress/fwrace figures of the consoles
totals() {
	local k=$1
	shift
	sed 's/^# //' "$@" | awk -v k="$k" '
	/^fwrace: total / { for (i = 3; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2] } }
	/^fwstress: trinity / { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "syscalls") tr += kv[2] } }
	/^fwstress: pressure / { pr = pr " " substr($0, index($0, "pressure ") + 9) }
	/^fwstress: leaks / { lk = 1; for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] ~ /^(LEAK:)?(leaks|unexplained_growth_kB|orphan_anon)$/) { sub(/^LEAK:/, "", kv[1]); l[kv[1]] += kv[2] } } }
	/^fwstress: faults / { fi = 1; for (i = 3; i <= NF; i++) { split($i, kv, "="); f[kv[1]] += kv[2] } }
	/^(not )?ok [0-9]+ stress\.oracle/ { inputs++ }
	END { printf "%s: races=%d race_syscalls=%d trinity_syscalls=%d oracle_and_hostile_input_tests=%d mismatches=%d",
		k, t["races"], t["syscalls"], tr, inputs, t["mismatches"]
		if (fi)
			printf " injected_failslab=%d injected_page_alloc=%d race_calls_retried=%d",
				f["failslab"], f["fail_page_alloc"], t["enomem"]
		if (lk)
			printf " leaks=%d orphan_anon=%+d unexplained_growth_kB=%+d",
				l["leaks"], l["orphan_anon"], l["unexplained_growth_kB"]
		if (pr != "")
			printf " pressure:%s", pr
		printf "\n" }'
}

# list_failed_tests ARCH KERNEL CONSOLE: the "not ok" lines of CONSOLE,
# but for a SKIP with the reason code the arch's NOT_HERE names for the
# test (as foliowalk.PROGRAM/TEST, like make check): that one goes to
# not-here.txt.
list_failed_tests() {
	local a=$1 k=$2 line test reason code
	while read -r line; do
		test=$(echo "$line" | awk '{print $4}')
		if code=$(skip_code "$line") &&
			reason=$(not_here_skip "foliowalk.${test#stress.}" "$code"); then
			echo "$a $k: $test: skipped, $code ($reason)" >>"$RESULTS/not-here.txt"
			continue
		fi
		echo "$line"
	done < <(grep -aE '^not ok ' "$3" || true)
}

# normalize_splats: splat lines without what differs between the two
# trees (the source dir, line numbers), so a splat base shows too matches
normalize_splats() {
	sed -E 's#(\.\./)+linux[^/ ]*/##g; s#(\.[ch]):[0-9]+#\1#g'
}

# series_functions: the functions the series adds or changes (the
# enclosing function of each hunk of base..foliowalk, and every function
# a "+" line defines), one per line
series_functions() {
	git -C "$KTREE" diff -U0 base foliowalk -- '*.c' '*.h' |
		sed -nE 's/^@@[^@]*@@.*[ *]([A-Za-z_][A-Za-z_0-9]*)\(.*/\1/p
			s/^\+[A-Za-z][^(;=]*[ *]([A-Za-z_][A-Za-z_0-9]*)\(.*/\1/p' | sort -u
}

# kcsan_in_series REPORTS: the KCSAN reports ("BUG: KCSAN: data-race in
# A / B") that name a function of the series
kcsan_in_series() {
	local line f
	while read -r line; do
		for f in $(sed -nE 's/.*KCSAN: .* in //p' <<<"$line" | tr '/' ' '); do
			f=${f%%.*}
			f=${f%%+*}
			if grep -qxF "$f" "$RESULTS/series-functions.txt"; then
				echo "$line"
				break
			fi
		done
	done <"$1"
}

# ran_everything CONSOLE KERNEL: the guest finished (its exit status counts
# the SKIPs too, which list_failed_tests judges) after the races, trinity,
# (patched) the oracle and (a kernel with fault injection) the fault
# report and the leak report each reported ok, and fw_race and fw_oracle
# printed their totals
# (run-list does not report a crash of a program that already printed a
# failed or skipped subtest); a kcsan kernel had KCSAN on
ran_everything() {
	grep -qaE '^# fwrace: total races=' "$1" || return 1
	if [ "$FLAVOUR" = kcsan ] && ! grep -qaE 'kcsan: enabled early' "$1"; then
		echo "KCSAN was not enabled at boot (no 'kcsan: enabled early')" >&2
		return 1
	fi
	grep -qaE '^ok [0-9]+ stress\.leaks' "$1" || return 1
	[ "$2" != patched ] || grep -qaE '^# # Totals: pass:' "$1" || return 1
	if grep -qx 'CONFIG_FAIL_PAGE_ALLOC=y' "$(kout_for "$2" "$FLAVOUR")/.config" &&
		! grep -qaE '^ok [0-9]+ stress\.faults' "$1"; then
		return 1
	fi
	grep -qaE '^LAB-EXIT: [0-9]+$' "$1" &&
		grep -qaE '^ok [0-9]+ stress\.race' "$1" &&
		grep -qaE '^ok [0-9]+ stress\.trinity' "$1" &&
		{ [ "$2" != patched ] || grep -qaE '^ok [0-9]+ stress\.oracle' "$1"; }
}

# write_stress_results: results/stress.md for make stress (KASAN, x86_64,
# arm64 and s390x), results/kcsan.md for make kcsan (KCSAN, x86_64); the
# title names a DURATION other than the target's default. Other runs (CI's
# FLAVOUR=debug, some arches only) write none.
write_stress_results() {
	local cmd
	case "$FLAVOUR ${ARCHES[*]}" in
	"kasan x86_64 arm64 s390x")
		cmd="make stress"
		[ "$DURATION" = 600 ] || cmd+=" DURATION=$DURATION"
		write_results_file stress "$RESULTS/summary.txt" "$cmd"
		;;
	"kcsan x86_64")
		cmd="make kcsan"
		[ "$DURATION" = 300 ] || cmd+=" DURATION=$DURATION"
		write_results_file kcsan "$RESULTS/summary.txt" "$cmd"
		;;
	*) lab_say "no results file: FLAVOUR=$FLAVOUR on ${ARCHES[*]} is neither make stress nor make kcsan" ;;
	esac
}

[ $# -ge 1 ] || die "usage: stress.sh ARCH..."
ARCHES=("$@")
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
"$LAB_TOP/lab/setup.sh"
"$LAB_TOP/lab/tree.sh" apply
series_functions >"$RESULTS/series-functions.txt"
lab_say "stress: DURATION=$DURATION s in all, SEED=$SEED (replay: make stress SEED=$SEED)"
failed=0
for a in "${ARCHES[@]}"; do
	load_arch "$a"
	for k in $KERNELS; do
		"$LAB_TOP/lab/build-kernel.sh" "$a" "$k" "$FLAVOUR"
		"$LAB_TOP/lab/build-tests.sh" "$a" "$k" "$FLAVOUR"
	done
	for k in $KERNELS; do
		payload=$BUILD/payload/$a-$k-stress
		assemble_stress_payload "$a" "$k" "$payload"
		lab_step "stress $a $k ($FLAVOUR, seed $SEED)"
		rc=0
		LAB_QUIET=1 LAB_SHOW='^# (fwrace|fwstress): ' LAB_LOG="$RESULTS/$a-$k.console" \
			LAB_CMDLINE_EXTRA="$CMDLINE_EXTRA" LAB_TIMEOUT=$((DURATION * 2 + 900)) \
			"$LAB_TOP/lab/boot.sh" "$a" "$k" "$FLAVOUR" "$payload" 2>"$RESULTS/$a-$k.verdict" || rc=$?
		grep -naE "$("$LAB_TOP/lab/console.sh" --splat-regex)" "$RESULTS/$a-$k.console" |
			sed -E 's/^[0-9]+:\[ *[0-9.]+\] //' | normalize_splats >"$RESULTS/$a-$k.splats" || true
		# KCSAN reports are judged apart: by where they are, not by base
		grep -a 'BUG: KCSAN: ' "$RESULTS/$a-$k.splats" >"$RESULTS/$a-$k.kcsan" || true
		grep -av 'BUG: KCSAN: ' "$RESULTS/$a-$k.splats" >"$RESULTS/$a-$k.splats.new" || true
		mv "$RESULTS/$a-$k.splats.new" "$RESULTS/$a-$k.splats"
		list_failed_tests "$a" "$k" "$RESULTS/$a-$k.console" >"$RESULTS/$a-$k.failed"
		totals "$a $k" "$RESULTS/$a-$k.console" | tee -a "$RESULTS/totals.txt" >&2
		if [ "$rc" -ne 0 ]; then
			cat "$RESULTS/$a-$k.verdict" >&2
		fi
	done
	# The verdict: patched must be clean; a base splat is only listed; a
	# KCSAN report fails only in the series' code, the rest is counted.
	new_splats=$(grep -vxFf "$RESULTS/$a-base.splats" "$RESULTS/$a-patched.splats" || true)
	if [ -s "$RESULTS/$a-base.kcsan" ] || [ -s "$RESULTS/$a-patched.kcsan" ]; then
		kcsan_in_series "$RESULTS/$a-patched.kcsan" >"$RESULTS/$a-patched.kcsan-series"
		echo "$a KCSAN reports: base $(grep -c . "$RESULTS/$a-base.kcsan") ($(sort -u "$RESULTS/$a-base.kcsan" | grep -c .) distinct), patched $(grep -c . "$RESULTS/$a-patched.kcsan") ($(sort -u "$RESULTS/$a-patched.kcsan" | grep -c .) distinct), in the series' code: $(grep -c . "$RESULTS/$a-patched.kcsan-series")" >>"$RESULTS/verdict.txt"
		sort "$RESULTS/$a-base.kcsan" "$RESULTS/$a-patched.kcsan" | uniq -c | sort -rn |
			sed "s/^/$a KCSAN (base+patched count): /" >>"$RESULTS/verdict.txt"
		new_splats=$(printf '%s\n' "$new_splats" | cat - "$RESULTS/$a-patched.kcsan-series" | grep . || true)
	fi
	mism=$(sed 's/^# //' "$RESULTS/$a-patched.console" | awk '/^fwrace: total/ { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "mismatches") m += kv[2] } } END { print m + 0 }')
	if [ -n "$new_splats" ] || [ "$mism" -ne 0 ] || [ -s "$RESULTS/$a-patched.failed" ] ||
		! ran_everything "$RESULTS/$a-patched.console" patched; then
		failed=$((failed + 1))
		echo "$a: FAIL (patched: $(grep -c . <<<"$new_splats") splats not on base, $mism mismatches, $(grep -c . "$RESULTS/$a-patched.failed") failed tests)" >>"$RESULTS/verdict.txt"
	else
		echo "$a: ok (patched: 0 splats not on base, 0 mismatches, no failed test)" >>"$RESULTS/verdict.txt"
	fi
	[ ! -s "$RESULTS/$a-base.splats" ] ||
		sed "s/^/$a base splat (not the series'): /" "$RESULTS/$a-base.splats" | sort -u >>"$RESULTS/verdict.txt"
	[ -z "$new_splats" ] || sed "s/^/$a patched splat: /" <<<"$new_splats" >>"$RESULTS/verdict.txt"
done
{
	echo
	echo "stress totals (DURATION=$DURATION, SEED=$SEED, FLAVOUR=$FLAVOUR):"
	sed 's/^/  /' "$RESULTS/totals.txt"
	sed 's/^/  /' "$RESULTS/verdict.txt"
	if [ -s "$RESULTS/not-here.txt" ]; then
		echo "n/a: what the machine cannot run (NOT_HERE in configs/arch/ARCH.sh):"
		sed 's/^/  /' "$RESULTS/not-here.txt"
	fi
	printf '%d passed, %d failed\n' $((${#ARCHES[@]} - failed)) "$failed"
} | tee "$RESULTS/summary.txt"
write_stress_results
[ "$failed" -eq 0 ]
