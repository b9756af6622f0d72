#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# rebase-check.sh: `make rebase-check`. Apply patches/ to every
# linux-source-6.1 upload the apt archive offers and build each result for
# x86_64 (the debug flavour `make check` boots, test interface on), oldest
# first; then a table: version, applies, builds, and for a version the
# series does not apply to, the patch and the file that conflict.
#   VERSIONS    only these uploads (default: every one apt-cache knows)
#   APPLY_ONLY  1: only whether the series applies (no builds)
# The uploads live as tagged commits (debian/VERSION) of one git repo,
# build/rebase, whose work tree is built out of tree in one incremental
# output dir: going from one upload to the next rebuilds only what changed.
# Exit status 1 when the pinned or the newest upload fails (the series has
# to be refreshed: the README says how), or when an upload fails without
# its reason in configs/rebase-known.txt.
. "$(dirname "$0")/lib.sh"

RB=$BUILD/rebase
DL=$BUILD/dl
RESULTS=$BUILD/results
TABLE=$RESULTS/rebase-check.txt
KNOWN=$LAB_TOP/configs/rebase-known.txt
OUT_ARCH=x86_64

rbgit() { git -C "$RB" "$@"; }

archive_versions() {
	apt-cache madison "$BASE_PACKAGE" | awk '{print $3}' | sort -uV
}

# download_upload VERSION: the .deb of one upload in build/dl (kept)
download_upload() {
	local v=$1 deb=$DL/${BASE_PACKAGE}_$1_all.deb
	mkdir -p "$DL"
	[ -f "$deb" ] && return 0
	(cd "$DL" && apt-get download "$BASE_PACKAGE=$v") >"$LOGS/rebase-$v-download.log" 2>&1 ||
		die "apt-get download $BASE_PACKAGE=$v failed (log: build/logs/rebase-$v-download.log)"
}

# import_upload VERSION: tag debian/VERSION = the pristine tree of the
# upload, committed through a scratch index so the work tree (and the
# timestamps the incremental build depends on) is not touched.
import_upload() {
	local v=$1 tmp=$RB.import idx=$RB/.git/import-index tree commit
	rbgit rev-parse -q --verify "refs/tags/debian/$v" >/dev/null && return 0
	download_upload "$v"
	rm -rf "$tmp"
	mkdir -p "$tmp/deb" "$tmp/src"
	dpkg-deb -x "$DL/${BASE_PACKAGE}_${v}_all.deb" "$tmp/deb"
	run_logged "$LOGS/rebase-$v-import.log" "import $BASE_PACKAGE $v" sh -c "
		tar -xJf '$tmp/deb/usr/src/$BASE_PACKAGE.tar.xz' -C '$tmp/src' --strip-components=1 &&
		rm -f '$idx' &&
		GIT_INDEX_FILE='$idx' git -C '$RB' --work-tree='$tmp/src' add -f -A"
	tree=$(GIT_INDEX_FILE=$idx rbgit write-tree)
	commit=$(GIT_AUTHOR_NAME=Debian GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org \
		GIT_AUTHOR_DATE=2000-01-01T00:00:00Z GIT_COMMITTER_DATE=2000-01-01T00:00:00Z \
		GIT_COMMITTER_NAME="foliowalk lab" GIT_COMMITTER_EMAIL=lab@foliowalk.invalid \
		rbgit commit-tree "$tree" -m "$BASE_PACKAGE $v (pristine)")
	rbgit tag "debian/$v" "$commit"
	rm -rf "$tmp" "$idx"
}

ensure_repo() {
	[ -d "$RB/.git" ] && return 0
	mkdir -p "$RB"
	rbgit init -q
	rbgit config core.autocrlf false
	rbgit config gc.auto 0
	rbgit config user.name "foliowalk lab"
	rbgit config user.email lab@foliowalk.invalid
}

# apply_series VERSION: 0 when patches/ applies with `git am` (no fuzz,
# no 3-way merge: what applies here applies for a maintainer); else prints
# "PATCH: FILE" of the first conflict.
apply_series() {
	local v=$1 log=$LOGS/rebase-$1-am.log files p file
	shopt -s extglob
	mapfile -t files < <(grep -v '^[[:space:]]*\(#\|$\)' "$LAB_TOP/patches/series" | sed "s|^|$LAB_TOP/patches/|")
	rbgit am --abort >/dev/null 2>&1 || true
	rbgit checkout -q -f --detach "debian/$v"
	if rbgit am -q "${files[@]}" >"$log" 2>&1; then
		return 0
	fi
	p=$(sed -n 's/^Patch failed at \([0-9]*\) .*/\1/p' "$log" | head -n 1)
	file=$(sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p; s/^error: \([^:]*\): does not exist in index/\1/p' "$log" | head -n 1)
	rbgit am --abort >/dev/null 2>&1 || true
	p=${p##*(0)}
	echo "patch ${p:-?} ($(sed -n 's/^Patch failed at [0-9]* //p' "$log" | head -n 1)): ${file:-see build/logs/rebase-$v-am.log}"
	return 1
}

# build_upload VERSION: the x86_64 debug kernel of the patched tree
build_upload() {
	local v=$1
	LAB_SRC_OVERRIDE=$RB "$LAB_TOP/lab/build-kernel.sh" "$OUT_ARCH" rebase debug \
		>"$LOGS/rebase-$v-build.log" 2>&1
}

main() {
	local versions v newest row applies builds why known failed_pinned=0 failed_newest=0 unexplained=0 rows=()
	[ -f "$LAB_TOP/patches/series" ] || die "no patches/series"
	if [ -n "${VERSIONS:-}" ]; then
		read -r -a versions <<<"$VERSIONS"
	else
		mapfile -t versions < <(archive_versions)
	fi
	[ ${#versions[@]} -gt 0 ] || die "apt-cache knows no $BASE_PACKAGE upload (run 'make setup': it runs apt-get update)"
	newest=$(archive_versions | tail -n 1)
	ensure_repo
	mkdir -p "$RESULTS"
	lab_say "rebase-check: ${#versions[@]} uploads of $BASE_PACKAGE: ${versions[*]} (pinned: $BASE_VERSION, newest: $newest)"
	for v in "${versions[@]}"; do
		lab_step "rebase-check $v"
		import_upload "$v"
		why=""
		if why=$(apply_series "$v"); then
			applies=yes
		else
			applies=NO
		fi
		if [ "$applies" = NO ]; then
			builds=-
		elif [ "${APPLY_ONLY:-0}" = 1 ]; then
			builds="(not built)"
		else
			lab_say "  series applies to $v; building x86_64 (log: build/logs/rebase-$v-build.log)"
			if build_upload "$v"; then
				builds=yes
			else
				builds=NO
				why="build failed: $(grep -m1 -E 'error:|Error [0-9]' "$LOGS/rebase-$v-build.log" | cut -c1-120)"
			fi
		fi
		known=$(awk -v v="$v" '$1 == v { $1 = ""; sub(/^ +/, ""); print }' "$KNOWN")
		if [ -n "$known" ] && [ "$applies" = NO ]; then
			why="$why; known: $known"
		elif [ -n "$known" ]; then
			warn_loudly "$v is in ${KNOWN#"$LAB_TOP"/} as not taking the series, but it does now" \
				"remove its line there"
		fi
		lab_say "  $v: applies $applies, builds $builds${why:+ ($why)}"
		[ "$v" != "$BASE_VERSION" ] || why="pinned${why:+; $why}"
		row=$(printf '| %-10s | %-7s | %-6s | %s |' "$v" "$applies" "$builds" "${why:--}")
		rows+=("$row")
		if [ "$applies" != yes ] || [ "$builds" = NO ]; then
			[ -n "$known" ] || unexplained=$((unexplained + 1))
			[ "$v" != "$BASE_VERSION" ] || failed_pinned=1
			[ "$v" != "$newest" ] || failed_newest=1
		fi
	done
	{
		echo "make rebase-check: patches/ ($(grep -vc '^[[:space:]]*\(#\|$\)' "$LAB_TOP/patches/series") patches) on every $BASE_PACKAGE upload, x86_64 debug build"
		echo
		echo "| upload     | applies | builds | notes |"
		echo "|------------|---------|--------|-------|"
		printf '%s\n' "${rows[@]}"
	} >"$TABLE"
	echo
	cat "$TABLE"
	[ -n "${VERSIONS:-}" ] || [ "${APPLY_ONLY:-0}" = 1 ] || write_results_file rebase-check "$TABLE"
	echo
	lab_say "table: ${TABLE#"$LAB_TOP"/}"
	if [ "$failed_newest" = 1 ]; then
		warn_loudly "the newest upload, $BASE_PACKAGE $newest, does not take the series" \
			"refresh it: README.md, 'Following Debian's uploads'"
	elif [ "$newest" != "$BASE_VERSION" ]; then
		warn_loudly "the series works on $BASE_PACKAGE $newest, newer than the pin ($BASE_VERSION)" \
			"move the pin: README.md, 'Following Debian's uploads'"
	fi
	lab_say "rebase-check: ${#versions[@]} uploads, $unexplained failing without a reason in ${KNOWN#"$LAB_TOP"/}"
	[ "$failed_pinned" = 0 ] && [ "$failed_newest" = 0 ] && [ "$unexplained" = 0 ]
}

main "$@"
