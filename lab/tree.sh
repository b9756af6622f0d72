#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel tree: build/linux is a git repo whose tag `base` is the pristine
# Debian source and whose branch `foliowalk` is base + patches/.
#   tree.sh fetch    download and verify the pinned base, create the repo
#   tree.sh apply    bring the branch in line with patches/ (never loses work)
#   tree.sh export   write the branch back to patches/ and check the round trip
#
# patches/ holds three series, applied in this order, each a directory with
# its own cover letter (doc/cover-NAME.txt, first line the subject) and
# `series`: design (the upstream design), beyond (what goes beyond it) and
# test (the debugfs test interface: last, so that it can be dropped).
# patches/series lists them all, quilt-style (paths relative to patches/).
. "$(dirname "$0")/lib.sh"

PATCHES=$LAB_TOP/patches
SERIES_NAMES=(design beyond test)
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

# set_branch_description BRANCH NAME: doc/cover-NAME.txt (first line the
# subject) becomes the description format-patch's cover letter is made of.
set_branch_description() {
	local cover=$LAB_TOP/doc/cover-$2.txt
	[ -f "$cover" ] || die "no cover letter for series $2: $cover"
	kgit config "branch.$1.description" "$(cat "$cover")"
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

# series_of_subjects: "SUBJECT<TAB>NAME" for every patch now in patches/NAME/.
series_of_subjects() {
	local name p
	for name in "${SERIES_NAMES[@]}"; do
		for p in "$PATCHES/$name"/[0-9]*.patch; do
			[ -f "$p" ] || continue
			case $p in */0000-*) continue ;; esac
			printf '%s\t%s\n' "$(git mailinfo /dev/null /dev/null <"$p" | sed -n 's/^Subject: //p')" "$name"
		done
	done
}

# assign_commits_to_series: one series name per commit of the branch, in
# order. A commit keeps the series its subject has in patches/; a new one
# joins the series of the commit before it (the first: design).
# EXPORT_SERIES="design=10 beyond=6 test=2" assigns by counts instead.
assign_commits_to_series() {
	local c subject name=${SERIES_NAMES[0]} known kv
	if [ -n "${EXPORT_SERIES:-}" ]; then
		for kv in $EXPORT_SERIES; do
			for _ in $(seq "${kv#*=}"); do echo "${kv%%=*}"; done
		done
		return 0
	fi
	known=$(series_of_subjects)
	for c in $(kgit rev-list --reverse base.."$KBRANCH"); do
		subject=$(kgit log -1 --format=%s "$c")
		name=$(printf '%s\n' "$known" | awk -F'\t' -v s="$subject" '$1 == s { print $2; exit }' | grep . || echo "$name")
		echo "$name"
	done
}

# export_one_series NAME FROM TO: format-patch FROM..TO into patches/NAME.
export_one_series() {
	local name=$1 from=$2 to=$3 tmp=fw-export-$1
	kgit branch -f "$tmp" "$to"
	set_branch_description "$tmp" "$name"
	mkdir -p "$PATCHES/$name"
	kgit format-patch -q --zero-commit --no-signature --cover-letter \
		--cover-from-description=subject --base=base -o "$PATCHES/$name" "$from..$tmp"
	kgit branch -D -q "$tmp"
	# the cover letter's date: its last patch's, so that an export repeats
	sed -i "0,/^Date: /s/^Date: .*/Date: $(kgit log -1 --format=%aD "$to")/" "$PATCHES/$name/0000-cover-letter.patch"
	(cd "$PATCHES/$name" && ls [0-9]*.patch | grep -v '^0000-' >series)
	sed "s|^|$name/|" "$PATCHES/$name/series" >>"$PATCHES/series"
}

cmd_export() {
	local n name names commits i from to
	[ -d "$KTREE/.git" ] || die "no kernel tree: run 'make apply' first"
	[ -z "$(kgit status --porcelain --untracked-files=no)" ] ||
		die "build/linux has uncommitted changes: commit them before exporting"
	[ "$(kgit symbolic-ref --short HEAD)" = "$KBRANCH" ] || die "build/linux is not on branch $KBRANCH"
	mapfile -t commits < <(kgit rev-list --reverse base.."$KBRANCH")
	n=${#commits[@]}
	[ "$n" -gt 0 ] || die "branch $KBRANCH has no commits on top of base"
	mapfile -t names < <(assign_commits_to_series)
	[ "${#names[@]}" -eq "$n" ] || die "EXPORT_SERIES gives ${#names[@]} patches, the branch has $n"
	# each series must be one run of commits, in SERIES_NAMES' order
	[ "$(printf '%s\n' "${names[@]}" | uniq | tr '\n' ' ')" = \
		"$(printf '%s\n' "${SERIES_NAMES[@]}" | grep -Fx -f <(printf '%s\n' "${names[@]}") | tr '\n' ' ')" ] ||
		die "the branch mixes the series (in order: $(printf '%s\n' "${names[@]}" | uniq | tr '\n' ' ')); they must follow ${SERIES_NAMES[*]} (reorder, or EXPORT_SERIES=...)"
	rm -f "$PATCHES"/*.patch "$PATCHES/series"
	for name in "${SERIES_NAMES[@]}"; do rm -rf "${PATCHES:?}/$name"; done
	mkdir -p "$PATCHES"
	: >"$PATCHES/series"
	from=base
	i=0
	for name in "${SERIES_NAMES[@]}"; do
		while [ "$i" -lt "$n" ] && [ "${names[$i]}" = "$name" ]; do i=$((i + 1)); done
		[ "$i" -gt 0 ] || continue
		to=${commits[$((i - 1))]}
		[ "$from" != "$to" ] || continue
		export_one_series "$name" "$from" "$to"
		from=$to
	done
	check_round_trip
	patch_ids_of_branch >"$SYNC_FILE"
	"$LAB_TOP/lab/readme-tables.sh" >/dev/null	# README's patch tables follow
	lab_say "exported $n patches to patches/ ($(for name in "${SERIES_NAMES[@]}"; do [ -f "$PATCHES/$name/series" ] && printf '%s %s, ' "$name" "$(wc -l <"$PATCHES/$name/series")"; done | sed 's/, $//'); round trip checked: same tree)"
}

case "${1:-}" in
fetch) cmd_fetch ;;
apply) cmd_apply ;;
export) cmd_export ;;
*) die "usage: tree.sh fetch|apply|export" ;;
esac
