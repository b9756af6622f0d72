#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel tree: build/linux is a git repo whose tag `base` is the pristine
# Debian source and whose branch `foliowalk` is base + patches/.
#   tree.sh fetch    download and verify the pinned base, create the repo
#   tree.sh apply    bring the branch in line with patches/ (never loses work)
#   tree.sh export   write the branch back to patches/ and check the round trip
. "$(dirname "$0")/lib.sh"

PATCHES=$LAB_TOP/patches
COVER=$LAB_TOP/doc/cover-letter.txt
SYNC_FILE=$KTREE/.git/foliowalk-synced	# patch-ids of the last apply/export
# Fixed identities and dates: the same base and patches give the same commits.
export GIT_COMMITTER_NAME="foliowalk lab" GIT_COMMITTER_EMAIL="lab@foliowalk.invalid"
BASE_DATE="2000-01-01T00:00:00Z"

kgit() { git -C "$KTREE" "$@"; }

# --- fetch ------------------------------------------------------------------

# download_base_deb: the pinned linux-source .deb, or the newest 6.1 with a
# loud warning if the archive no longer has the pinned version.
download_base_deb() {
	local dl=$BUILD/dl version=$BASE_VERSION newest
	mkdir -p "$dl"
	if [ ! -f "$dl/${BASE_PACKAGE}_${version}_all.deb" ]; then
		if ! (cd "$dl" && apt-get download "$BASE_PACKAGE=$version") >"$LOGS/fetch.log" 2>&1; then
			newest=$(apt-cache madison "$BASE_PACKAGE" | awk '{print $3}' | sort -V | tail -n 1)
			[ -n "$newest" ] || die "$BASE_PACKAGE is not in the apt archive at all (log: build/logs/fetch.log)"
			warn_loudly "pinned $BASE_PACKAGE $version is gone from the archive" \
				"falling back to the newest: $newest (checksums NOT verified)" \
				"update lab/base.env to pin it once the series is checked on it"
			version=$newest
			(cd "$dl" && apt-get download "$BASE_PACKAGE=$version") >>"$LOGS/fetch.log" 2>&1 ||
				die "apt-get download $BASE_PACKAGE=$version failed (log: build/logs/fetch.log)"
		fi
	fi
	echo "$version" >"$dl/version"
}

create_kernel_repo() {
	local version deb tmp
	version=$(cat "$BUILD/dl/version")
	deb=$BUILD/dl/${BASE_PACKAGE}_${version}_all.deb
	if [ "$version" = "$BASE_VERSION" ]; then
		verify_sha256 "$deb" "$BASE_DEB_SHA256"
	fi
	tmp=$BUILD/dl/unpack
	rm -rf "$tmp" "$KTREE" "$KTREE_BASE"
	mkdir -p "$tmp" "$KTREE"
	dpkg-deb -x "$deb" "$tmp"
	if [ "$version" = "$BASE_VERSION" ]; then
		verify_sha256 "$tmp/usr/src/$BASE_PACKAGE.tar.xz" "$BASE_TARBALL_SHA256"
	fi
	run_logged "$LOGS/unpack.log" "unpack $BASE_PACKAGE $version" \
		tar -xJf "$tmp/usr/src/$BASE_PACKAGE.tar.xz" -C "$KTREE" --strip-components=1
	rm -rf "$tmp"
	kgit init -q -b "$KBRANCH"
	kgit config core.autocrlf false
	kgit config gc.auto 0
	# The tarball's .gitignore ignores every top-level path (Debian
	# packaging): force-add, or the commit is empty.
	run_logged "$LOGS/git-base.log" "commit the pristine base" \
		env GIT_AUTHOR_NAME="Debian" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org" \
		GIT_AUTHOR_DATE="$BASE_DATE" GIT_COMMITTER_DATE="$BASE_DATE" \
		sh -c "git -C '$KTREE' add -f -A && git -C '$KTREE' commit -q -m '$BASE_PACKAGE $version (pristine)'"
	kgit tag base
	kgit worktree add -q --detach "$KTREE_BASE" base
	echo "$version" >"$KTREE/.git/foliowalk-base-version"
	: >"$SYNC_FILE"
}

cmd_fetch() {
	if [ -f "$KTREE/.git/foliowalk-base-version" ] && [ -d "$KTREE_BASE" ]; then
		lab_say "kernel tree: $(cat "$KTREE/.git/foliowalk-base-version") at ${KTREE#"$LAB_TOP"/}"
		return 0
	fi
	lab_step "fetch base: $BASE_PACKAGE $BASE_VERSION"
	download_base_deb
	create_kernel_repo
}

# --- apply ------------------------------------------------------------------

series_files() {
	[ -f "$PATCHES/series" ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$PATCHES/series" | sed "s|^|$PATCHES/|"
}

patch_ids_of_series() {
	local p
	series_files | while read -r p; do
		[ -f "$p" ] || die "patches/series names ${p#"$PATCHES"/}, which does not exist"
		git patch-id --stable <"$p" | cut -d' ' -f1
	done
}

patch_ids_of_branch() {
	local c
	for c in $(kgit rev-list --reverse base.."$KBRANCH"); do
		kgit show "$c" | git patch-id --stable | cut -d' ' -f1
	done
}

# cover_subject_and_body: doc/cover-letter.txt, first line the subject.
set_branch_description() {
	[ -f "$COVER" ] && kgit config "branch.$KBRANCH.description" "$(cat "$COVER")"
	return 0
}

am_series() {
	local files
	mapfile -t files < <(series_files)
	kgit checkout -q -B "$KBRANCH" base
	[ "${#files[@]}" -eq 0 ] && return 0
	if ! kgit am -q --committer-date-is-author-date "${files[@]}" >"$LOGS/git-am.log" 2>&1; then
		kgit am --abort >/dev/null 2>&1 || true
		die "patches/ does not apply to base: $(grep -m1 -E '^(Patch failed|error:)' "$LOGS/git-am.log" || tail -n1 "$LOGS/git-am.log") (full log: build/logs/git-am.log)"
	fi
}

# notice_newer_upload: say so when the archive has a newer upload than the
# pin (`make rebase-check` tells whether the series takes it).
notice_newer_upload() {
	local newest
	newest=$(apt-cache madison "$BASE_PACKAGE" 2>/dev/null | awk '{print $3}' | sort -V | tail -n 1)
	[ -n "$newest" ] && [ "$newest" != "$BASE_VERSION" ] &&
		dpkg --compare-versions "$newest" gt "$BASE_VERSION" &&
		warn_loudly "the archive has $BASE_PACKAGE $newest, newer than the pin ($BASE_VERSION)" \
			"run 'make rebase-check', then move the pin (README.md, 'Following Debian's uploads')"
	return 0
}

cmd_apply() {
	local want have synced
	cmd_fetch
	notice_newer_upload
	set_branch_description
	[ -z "$(kgit status --porcelain --untracked-files=no)" ] ||
		die "build/linux has uncommitted changes: commit them (then 'make export') or stash them"
	want=$(patch_ids_of_series)
	have=$(patch_ids_of_branch)
	synced=$(cat "$SYNC_FILE")
	if [ "$want" = "$have" ]; then
		lab_say "kernel tree: branch $KBRANCH matches patches/ ($(echo -n "$want" | grep -c .) patches)"
	elif [ "$have" = "$synced" ]; then
		lab_step "apply patches/ to base ($(echo -n "$want" | grep -c .) patches)"
		am_series
	elif [ "$want" = "$synced" ]; then
		warn_loudly "build/linux has commits that are not in patches/ yet" \
			"building them as they are; run 'make export' to keep them"
		return 0
	else
		die "both build/linux (branch $KBRANCH) and patches/ changed since the last sync: export or reset one of them (git -C build/linux log base..$KBRANCH)"
	fi
	patch_ids_of_branch >"$SYNC_FILE"
}

# --- export -----------------------------------------------------------------

# check_round_trip: apply patches/ to base in a scratch index (the work tree
# and its timestamps are left alone) and compare with the branch's tree.
check_round_trip() {
	local idx=$KTREE/.git/foliowalk-roundtrip-index p tree
	rm -f "$idx"
	GIT_INDEX_FILE=$idx kgit read-tree base
	while read -r p; do
		GIT_INDEX_FILE=$idx kgit apply --cached "$p" ||
			die "round trip: ${p#"$LAB_TOP"/} does not apply on top of the ones before it"
	done < <(series_files)
	tree=$(GIT_INDEX_FILE=$idx kgit write-tree)
	rm -f "$idx"
	[ "$tree" = "$(kgit rev-parse "$KBRANCH^{tree}")" ] ||
		die "round trip failed: patches/ applied to base does not reproduce branch $KBRANCH"
}

cmd_export() {
	local n
	[ -d "$KTREE/.git" ] || die "no kernel tree: run 'make apply' first"
	[ -z "$(kgit status --porcelain --untracked-files=no)" ] ||
		die "build/linux has uncommitted changes: commit them before exporting"
	[ "$(kgit symbolic-ref --short HEAD)" = "$KBRANCH" ] || die "build/linux is not on branch $KBRANCH"
	set_branch_description
	n=$(kgit rev-list --count base.."$KBRANCH")
	rm -f "$PATCHES"/*.patch "$PATCHES/series"
	mkdir -p "$PATCHES"
	if [ "$n" -gt 0 ]; then
		kgit format-patch -q --zero-commit --no-signature --cover-letter \
			--cover-from-description=subject --base=base -o "$PATCHES" base.."$KBRANCH"
		(cd "$PATCHES" && ls [0-9]*.patch | grep -v '^0000-' >series)
	else
		: >"$PATCHES/series"
	fi
	check_round_trip
	patch_ids_of_branch >"$SYNC_FILE"
	lab_say "exported $n patches to patches/ (round trip checked: same tree)"
}

case "${1:-}" in
fetch) cmd_fetch ;;
apply) cmd_apply ;;
export) cmd_export ;;
*) die "usage: tree.sh fetch|apply|export" ;;
esac
