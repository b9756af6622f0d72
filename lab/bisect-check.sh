#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bisect-check.sh [ARCH...]: build every step of the series, one patch at a
# time, for x86_64 and arm64 (default), in a worktree of its own
# (build/linux-bisect) with incremental output dirs. Stops at the first
# patch that does not build and names it.
. "$(dirname "$0")/lib.sh"

ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(x86_64 arm64)
WT=$BUILD/linux-bisect

if [ ! -d "$WT" ]; then
	git -C "$KTREE" worktree add -q --detach "$WT" base
fi
mapfile -t COMMITS < <(git -C "$KTREE" rev-list --reverse base.."$KBRANCH")
[ ${#COMMITS[@]} -gt 0 ] || die "no patches to check"

n=0
for c in "${COMMITS[@]}"; do
	n=$((n + 1))
	subject=$(git -C "$KTREE" log -1 --format=%s "$c")
	lab_step "bisect-check $n/${#COMMITS[@]}: $subject"
	git -C "$WT" checkout -q --detach "$c"
	for a in "${ARCHES[@]}"; do
		LAB_SRC_OVERRIDE=$WT "$LAB_TOP/lab/build-kernel.sh" "$a" bisect debug ||
			die "patch $n ($subject) does not build for $a"
	done
done
lab_say "bisect-check: all ${#COMMITS[@]} patches build for ${ARCHES[*]}"
