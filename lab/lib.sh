# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Common helpers for the lab scripts: paths, per-arch settings, logging.
set -euo pipefail

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$LAB_TOP/build}
KTREE=$BUILD/linux		# the git tree we edit: branch foliowalk = base + patches/
KTREE_BASE=$BUILD/linux-base	# worktree of the same repo, detached at tag base
LOGS=$BUILD/logs
KBRANCH=foliowalk

# shellcheck source=lab/base.env
. "$LAB_TOP/lab/base.env"

lab_say() { printf 'lab: %s\n' "$*" >&2; }
lab_step() { printf '\n==> %s\n' "$*" >&2; }

die() {
	printf 'lab: error: %s\n' "$*" >&2
	exit 1
}

warn_loudly() {
	printf '\n' >&2
	printf 'lab: ************************************************************\n' >&2
	printf 'lab: WARNING: %s\n' "$@" >&2
	printf 'lab: ************************************************************\n\n' >&2
}

# run_logged LOG DESCRIPTION CMD...: run CMD with its output in LOG, print a
# progress line every 30 s, and on failure name the step and the log.
run_logged() {
	local log=$1 desc=$2 pid rc=0 t0 now
	shift 2
	mkdir -p "$(dirname "$log")"
	t0=$(date +%s)
	lab_say "$desc (log: ${log#"$LAB_TOP"/})"
	"$@" >"$log" 2>&1 &
	pid=$!
	while ! wait_with_timeout "$pid" 30; do
		now=$(date +%s)
		lab_say "  ... $desc: $((now - t0)) s, last: $(tail -n 1 "$log" | cut -c1-100)"
	done
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 25 "$log" | sed 's/^/    | /' >&2
		die "$desc failed (exit $rc); full log: ${log#"$LAB_TOP"/}"
	fi
	lab_say "  done in $(($(date +%s) - t0)) s: $desc"
}

# verify_sha256 FILE WANT [WHERE]: die unless FILE has sha256 WANT (pinned in WHERE)
verify_sha256() {
	local file=$1 want=$2 where=${3:-} got
	got=$(sha256sum "$file" | cut -d' ' -f1)
	[ "$got" = "$want" ] || die "sha256 mismatch for ${file#"$LAB_TOP"/}: got $got, pinned $want${where:+ ($where)}"
}

# debian_config_row NAME: "KARCH CROSS PACKAGE DEB_ARCH VERSION FILE" of the
# line NAME of configs/distro.list (Debian's configs, pinned there and in
# configs/distro.sha256)
debian_config_row() {
	local row
	row=$(awk -v n="$1" '$1 == n { $1 = ""; print substr($0, 2) }' "$LAB_TOP/configs/distro.list")
	[ -n "$row" ] || die "configs/distro.list has no line '$1'"
	echo "$row"
}

# fetch_debian_config NAME OUT: Debian's config of configs/distro.list's
# line NAME, uncompressed to OUT: linux-config-6.1 of that architecture
# and version with apt-get download (kept in build/debian), the sha256 of
# the .deb and of the config in it checked against configs/distro.sha256
fetch_debian_config() {
	local name=$1 out=$2 debarch version file deb dir=$BUILD/debian tmp sums=$LAB_TOP/configs/distro.sha256
	[ -f "$out" ] && return 0
	read -r _ _ _ debarch version file _ <<<"$(debian_config_row "$name")"
	deb=linux-config-6.1_${version}_$debarch.deb
	mkdir -p "$dir" "$LOGS"
	if [ ! -f "$dir/$deb" ]; then
		lab_say "download linux-config-6.1:$debarch $version"
		(cd "$dir" && apt-get download "linux-config-6.1:$debarch=$version") \
			>"$LOGS/debian-config-$name.log" 2>&1 ||
			die "apt-get download linux-config-6.1:$debarch=$version failed (is $debarch a dpkg architecture here? 'make setup' adds the booted ones, 'make distro-build' the others; log: build/logs/debian-config-$name.log)"
	fi
	verify_sha256 "$dir/$deb" "$(awk -v f="$deb" '$2 == f { print $1 }' "$sums")" configs/distro.sha256
	tmp=$dir/unpack-$name
	rm -rf "$tmp"
	dpkg-deb -x "$dir/$deb" "$tmp"
	[ -f "$tmp/usr/src/linux-config-6.1/$file" ] || die "$deb has no $file"
	verify_sha256 "$tmp/usr/src/linux-config-6.1/$file" "$(awk -v f="$file" '$2 == f { print $1 }' "$sums")" configs/distro.sha256
	xz -dc "$tmp/usr/src/linux-config-6.1/$file" >"$out.new"
	mv "$out.new" "$out"
	rm -rf "$tmp"
}

# wait_with_timeout PID SECONDS: 0 once PID has exited, 1 if still running.
wait_with_timeout() {
	local pid=$1 n=$2
	while [ "$n" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
		n=$((n - 1))
	done
	! kill -0 "$pid" 2>/dev/null
}

# load_arch ARCH: read configs/arch/ARCH.sh, the only per-arch knowledge.
load_arch() {
	local f=$LAB_TOP/configs/arch/$1.sh
	[ -f "$f" ] || die "unknown ARCH '$1' (have: $(lab_arches | tr '\n' ' '))"
	NUMA_NODES=2		# 1: the machine has one node (no -numa)
	MEM_PER_NODE=5G		# 5G: room for a 1G hugetlb page per node
	NOT_HERE=""		# what the machine cannot run: "TEST CODE reason" lines (see not_here_skip)
	STRESS_MEMCG_MAX=8M	# make stress: memory.max of the races' cgroup
	KERNEL_ARCH=""		# boots the kernels of that ARCH (a geometry of it)
	BOOT_CMDLINE=""		# on the kernel command line of every boot
	USER_TRIPLET=""		# the guest's multiarch triplet (default: CROSS_COMPILE's)
	GEOMETRY=""		# the page-table geometry, for tables and logs
	SUITES="selftests foliowalk"	# what make check runs on it (guest/check-run)
	# shellcheck source=/dev/null
	. "$f"
	[ "$MMCONFIG" != lab ] || NOT_HERE+=$LAB_CONFIG_NOT_HERE
	LAB_ARCH=$1
}

# NOT_HERE, what a geometry's machine or kernel cannot run, one line each:
#   SUITE.NAME  reason                 a test kept out of the lists (not run)
#   SUITE.NAME/SUB  absent:X  reason   a subtest that runs and SKIPs with the
#                                      reason code absent:X (tests/lib/fw.h)
# A SKIP is n/a only when its code is the one its line names; any other
# SKIP fails (a different code, unavailable:..., or none at all).

# not_here_reason TEST: the reason the loaded arch gives in NOT_HERE for
# not running TEST (suite.name or suite.program/subtest, code included);
# fails when it gives none.
not_here_reason() {
	printf '%s\n' "$NOT_HERE" | awk -v t="$1" '$1 == t {$1 = ""; sub(/^ +/, ""); print; found = 1} END {exit !found}'
}

# not_here_skip TEST CODE: the reason NOT_HERE gives for TEST skipping with
# reason code CODE; fails unless a line names TEST with CODE, an absent:X.
not_here_skip() {
	printf '%s\n' "$NOT_HERE" | awk -v t="$1" -v c="$2" '
		$1 == t && $2 == c && c ~ /^absent:[A-Za-z0-9_]+$/ {
			$1 = ""; $2 = ""; sub(/^ +/, ""); print; found = 1
		}
		END { exit !found }'
}

# skip_code LINE: the reason code of a KTAP SKIP line ("... # SKIP CODE
# text": its first word, class:WHAT); fails when it has none.
skip_code() {
	[[ "$1" =~ \ \#\ SKIP\ ([a-z]+:[A-Za-z0-9_.-]+)(\ |$) ]] || return 1
	echo "${BASH_REMATCH[1]}"
}

# What the lab's own config (MMCONFIG=lab) does not have, on any arch.
LAB_CONFIG_NOT_HERE="
foliowalk.oracle/fw.swapped_out  absent:SWAP  needs swap (MMCONFIG=lab has no CONFIG_SWAP)
foliowalk.oracle/fw.swapcache    absent:SWAP  needs swap (MMCONFIG=lab has no CONFIG_SWAP)
foliowalk.oracle/fw.swapped_out_soft_dirty  absent:SWAP  needs swap (MMCONFIG=lab has no CONFIG_SWAP)
foliowalk.oracle/fw.hwpoison_anon4k  absent:MEMORY_FAILURE  needs memory failure handling (MMCONFIG=lab has no CONFIG_MEMORY_FAILURE)
foliowalk.oracle/fw.hwpoison_thp     absent:MEMORY_FAILURE  needs memory failure handling (MMCONFIG=lab has no CONFIG_MEMORY_FAILURE)
foliowalk.oracle/fw.devdax_pte       absent:DEV_DAX  needs device-dax (MMCONFIG=lab has no LIBNVDIMM/DEV_DAX)
foliowalk.oracle/fw.devdax_pmd       absent:DEV_DAX  needs device-dax (MMCONFIG=lab has no LIBNVDIMM/DEV_DAX)
foliowalk.oracle/fw.fsdax_ext4_pte   absent:FS_DAX  needs a DAX filesystem (MMCONFIG=lab has no LIBNVDIMM/FS_DAX/EXT4_FS)
foliowalk.oracle/fw.fsdax_ext4_pmd   absent:FS_DAX  needs a DAX filesystem (MMCONFIG=lab has no LIBNVDIMM/FS_DAX/EXT4_FS)
foliowalk.oracle/fw.memcg_over_max   absent:MEMCG  needs memcg and swap (MMCONFIG=lab has neither)
foliowalk.oracle/fw.above_128t   absent:VA_ABOVE_128T  needs 5-level page tables (MMCONFIG=lab has no X86_5LEVEL)
foliowalk.race/status_vs_pageout         absent:SWAP  needs swap (MMCONFIG=lab has no CONFIG_SWAP)
foliowalk.race/status_vs_numa_hinting    absent:NUMA_BALANCING  needs NUMA balancing (MMCONFIG=lab has no CONFIG_NUMA_BALANCING)
foliowalk.oracle/fw.numa_hint_anon4k  absent:NUMA_BALANCING  needs NUMA balancing (MMCONFIG=lab has no CONFIG_NUMA_BALANCING)
foliowalk.oracle/fw.numa_hint_thp     absent:NUMA_BALANCING  needs NUMA balancing (MMCONFIG=lab has no CONFIG_NUMA_BALANCING)
foliowalk.race/migrate_vs_memcg_reclaim  absent:MEMCG  needs memcg and swap (MMCONFIG=lab has neither)
"

# lab_arches: every ARCH the lab knows (configs/arch/*.sh).
lab_arches() { (cd "$LAB_TOP/configs/arch" && ls -- *.sh | sed 's/\.sh$//'); }

# ktree_for KERNEL: the source tree of base or patched.
ktree_for() {
	case "$1" in
	base) echo "$KTREE_BASE" ;;
	patched) echo "$KTREE" ;;
	*) die "KERNEL must be base or patched, not '$1'" ;;
	esac
}

# MMCONFIG: debian (the default: the lab's own mm fragment, configs/mm.config,
# plus every mm option with the value of Debian's config of the arch:
# lab/debian-config.sh) or lab (configs/mm.config alone, tinyconfig-based);
# each has its kernels in dirs of their own.
MMCONFIG=${MMCONFIG:-debian}
case "$MMCONFIG" in
lab) MMCONFIG_SUFFIX= ;;
debian) MMCONFIG_SUFFIX=-debian ;;
*) die "MMCONFIG must be lab or debian, not '$MMCONFIG'" ;;
esac

# series_touched_files [--diff-filter=X] PATHSPEC...: the files the series
# changes (branch KBRANCH of KTREE against tag base), within the git
# pathspecs given ('mm/*.c'); --diff-filter as git diff takes it (AM: the
# files it adds or modifies, not those it deletes).
series_touched_files() {
	local filter=()
	case "${1:-}" in --diff-filter=*) filter=("$1") && shift ;; esac
	git -C "$KTREE" diff --name-only "${filter[@]}" base.."$KBRANCH" -- "$@"
}

# kout_for KERNEL FLAVOUR: the kernel's build directory (a geometry that
# boots another ARCH's kernels, KERNEL_ARCH, shares its directory)
kout_for() { echo "$BUILD/out/${KERNEL_ARCH:-$LAB_ARCH}-$1-$2$MMCONFIG_SUFFIX"; }

# kernel_make SRC OUT ARGS...: make in kernel tree SRC, output in OUT, for
# the loaded arch, through ccache when present.
kernel_make() {
	local src=$1 out=$2 cc=${CROSS_COMPILE}gcc
	shift 2
	command -v ccache >/dev/null && cc="ccache $cc"
	# Paths relative to the checkout: a fresh clone elsewhere still hits.
	CCACHE_BASEDIR=$LAB_TOP CCACHE_NOHASHDIR=1 \
		make -C "$src" O="$out" ARCH="$KARCH" CROSS_COMPILE="$CROSS_COMPILE" CC="$cc" \
		KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=foliowalk \
		KBUILD_BUILD_TIMESTAMP="2000-01-01" -j"$(($(nproc) + 1))" "$@"
}

# lab_host: "N cores, no KVM (QEMU TCG)", or "N cores, KVM" when the
# guests ran on KVM: lab/boot.sh boots with TCG unless LAB_ACCEL says kvm
# (a /dev/kvm that opens is not enough: this host has one and its CPU
# has no VMX/SVM).
lab_host() {
	case "${LAB_ACCEL:-tcg}" in
	*kvm*) echo "$(nproc) cores, KVM" ;;
	*) echo "$(nproc) cores, no KVM (QEMU TCG)" ;;
	esac
}

# write_results_file NAME TABLE-FILE [COMMAND]: results/NAME.md, the one
# home of a target's measured table: "# COMMAND" (default "make NAME"),
# the date, the commit (with "-dirty" when tracked files outside results/
# differ from it) and the host, a blank line, then TABLE-FILE as the
# target printed it. For a target's full run only (its callers decide).
write_results_file() {
	local name=$1 table=$2 cmd=${3:-make $1} out=$LAB_TOP/results/$1.md commit
	[ -f "$table" ] || die "write_results_file: no table $table"
	commit=$(git -C "$LAB_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
	git -C "$LAB_TOP" diff --quiet HEAD -- . ':(exclude)results' 2>/dev/null || commit+=-dirty
	mkdir -p "$LAB_TOP/results"
	{
		printf '# %s\n' "$cmd"
		printf 'date: %s  commit: %s  host: %s\n\n' "$(date +%F)" "$commit" "$(lab_host)"
		sed '1{/^$/d}' "$table"
	} >"$out.new"
	mv "$out.new" "$out"
	lab_say "results: ${out#"$LAB_TOP"/}"
}
