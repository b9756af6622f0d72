#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bisect-check.sh [ARCH...]: build every step of the series, one patch at a
# time, for x86_64 and arm64 (default), in a worktree of its own
# (build/linux-bisect) with incremental output dirs. Stops at the first
# patch that does not build and names it. The series go in order (design,
# beyond, test: patches/series), so the design builds alone and each series
# builds on the ones before it. SERIES=design stops after the design.
. "$(dirname "$0")/lib.sh"

ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 arm64)
WT=$BUILD/linux-bisect

if [ ! -d "$WT" ]; then
	git -C "$KTREE" worktree add -q --detach "$WT" base
fi
mapfile -t COMMITS < <(git -C "$KTREE" rev-list --reverse base.."$KBRANCH")
[ ${#COMMITS[@]} -gt 0 ] || die "no patches to check"
# the series of each commit: the directory patches/series names it in
mapfile -t SERIES_OF < <(grep -v '^[[:space:]]*\(#\|$\)' "$LAB_TOP/patches/series" | sed 's|/.*||')
[ ${#SERIES_OF[@]} -eq ${#COMMITS[@]} ] ||
	die "patches/series has ${#SERIES_OF[@]} patches, branch $KBRANCH ${#COMMITS[@]}: run 'make apply' or 'make export' first"

n=0
for c in "${COMMITS[@]}"; do
	n=$((n + 1))
	if [ -n "${SERIES:-}" ] && [ "${SERIES_OF[$((n - 1))]}" != "$SERIES" ]; then
		[ "$n" -gt 1 ] && [ "${SERIES_OF[$((n - 2))]}" = "$SERIES" ] && break
		continue
	fi
	subject=$(git -C "$KTREE" log -1 --format=%s "$c")
	lab_step "bisect-check $n/${#COMMITS[@]} (${SERIES_OF[$((n - 1))]}): $subject"
	git -C "$WT" checkout -q --detach "$c"
	for a in "${ARCHES[@]}"; do
		LAB_SRC_OVERRIDE=$WT "$LAB_TOP/lab/build-kernel.sh" "$a" bisect debug ||
			die "patch $n ($subject) does not build for $a"
	done
done
lab_say "bisect-check: every patch${SERIES:+ of $SERIES} builds for ${ARCHES[*]}"
