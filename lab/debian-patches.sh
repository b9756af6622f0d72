#!/usr/bin/env bash
# debian-patches.sh: `make debian-patches`. The series in the form Debian's
# kernel packaging carries patches, and a check of that form against
# Debian's own source package.
#   debian-patches.sh write   build/debian-patches/: foliowalk/ (copy it into
#                             debian/patches/) and series.append (the lines to
#                             append to debian/patches/series)
#   debian-patches.sh check   fetch Debian's source package of the pinned
#                             version, apply Debian's patch stack and then
#                             ours with quilt, compare with build/linux
#   debian-patches.sh         both (what the target runs)
# Environment:
#   KTREE     the kernel tree whose branch foliowalk is `make apply`'s tree
#             (default build/linux, brought in line with patches/ by
#             tree.sh apply; when given, it is only read, and its branch
#             has to hold patches/ already)
#   KBRANCH   its branch to compare with (default foliowalk)
#   DEB_DL    where the source package is downloaded and kept (build/dl)
#
# patches/series is read in either layout: flat (0001-x.patch ...: one
# series) or split (design/0001-x.patch, beyond/..., test/...: a line with a
# `/` names its sub-series by its first component). Each patch is written as
# foliowalk/<its path in patches/>, in series order, with a DEP-3 header
# (https://dep-team.pages.debian.net/deps/dep3/) in the form the kernel
# team's own patches use: git's From/Date/Subject (DEP-3 takes From for
# Author and Subject for Description; with Subject the long description is
# the free-form text after the fields, here the commit message, kept whole
# with the diff: `git am` of a written patch gives the same tree), then
#   Origin:           `backport` for a patch whose message has an
#                     `Upstream: vX.Y "title"` trailer: it is the 6.1 form of
#                     that upstream change. DEP-3's backport is "an upstream
#                     patch that had to be modified"; ours are
#                     reimplementations, not cherry-picks, so a note in the
#                     kernel team's "[bwh: Backported to ...]" style at the
#                     end of the message says so, with the
#                     `Upstream-differs:` line. No commit id: the trailer
#                     names the change by release and title.
#                     `other` for the rest (neither upstream nor a
#                     distribution vendor's).
#   Applied-Upstream: `vX.Y, "title"` (DEP-3: "the upstream version expected
#                     to contain this patch", then a reference) for those.
#   Forwarded:        `not-needed` for a backport (upstream has it already)
#                     and for the test interface (a debugfs ABI for this
#                     project's tests, never meant for upstream: sub-series
#                     `test`, or in the flat layout a patch that touches
#                     mm/folio_walk_test.c); `no` for what goes beyond
#                     upstream (not sent yet: say so rather than let the
#                     implicit value stand).
#   Last-Update:      the date of the patch's Date: line (the commit date:
#                     `make apply` commits with the author date), so the same
#                     patches/ always give the same files.
# Comments in series.append name each sub-series (from its cover letter).
#
# The check: `apt-get source --download-only linux=$BASE_VERSION` through a
# scratch apt configuration under build/debian-src/apt (a deb-src line for
# the archive and suite `apt-cache madison` shows the pinned version in;
# own lists and cache: the machine's apt configuration and state are left
# as they are), kept in $DEB_DL/linux-source-package-VERSION; dpkg-source -x
# (checks the .dsc's checksums, applies Debian's patch stack); the trees are
# hashed into a scratch git repo (build/debian-src/git, borrowing KTREE's
# objects read-only through alternates) and compared with KTREE's tag base
# and branch foliowalk. Prints ok / not ok lines, then "N passed, N failed";
# exit status 1 if any failed.
KTREE_ENV=${KTREE:-} KBRANCH_ENV=${KBRANCH:-}
. "$(dirname "$0")/lib.sh"
[ -z "$KTREE_ENV" ] || KTREE=$(cd "$KTREE_ENV" && pwd)
[ -z "$KBRANCH_ENV" ] || KBRANCH=$KBRANCH_ENV
PATCHES=$LAB_TOP/patches
OUT=$BUILD/debian-patches
SRC=$BUILD/debian-src
DEB_DL=${DEB_DL:-$BUILD/dl}
APTDIR=$SRC/apt
SCRATCH_GIT=$SRC/git
# Paths where Debian's source tree (debian/patches applied) may differ from
# linux-source's tarball: none. Found out on 6.1.187-1: the tarball is the
# tree without debian/ (and .pc/), every file, mode and symlink the same.
KNOWN_DIFFERENCES=""
SUBDIR=foliowalk		# debian/patches/foliowalk/
TEST_FILE=mm/folio_walk_test.c	# flat layout: a patch touching it is the test interface

# --- write ------------------------------------------------------------------

# series_paths: patches/series' entries, relative to patches/
series_paths() {
	[ -f "$PATCHES/series" ] || die "no patches/series"
	grep -v '^[[:space:]]*\(#\|$\)' "$PATCHES/series" | sed 's/[[:space:]]*$//'
}

# subseries_of PATH: the sub-series of a series entry ("" in the flat layout)
subseries_of() {
	case "$1" in
	*/*) echo "${1%%/*}" ;;
	*) echo "" ;;
	esac
}

# cover_subject DIR: the subject of DIR's cover letter, without [PATCH n/m]
cover_subject() {
	local f=$1/0000-cover-letter.patch
	[ -f "$f" ] || return 0
	awk '/^Subject:/ { s = $0; sub(/^Subject: */, "", s); while ((getline l) > 0 && l ~ /^[ \t]/) s = s l; print s; exit }' "$f" |
		sed 's/^\[[^]]*\] *//; s/[[:space:]]\+/ /g'
}

# dep3 KIND < git format-patch output > DEP-3 patch. KIND: design, beyond
# or test (for Forwarded:; a design patch without an Upstream: trailer is
# written as beyond, since nothing names its upstream equivalent).
dep3() {
	awk -v kind="$1" '
	function flush_headers(   upv, upt, d, m) {
		upv = ""; upt = ""
		for (i = 1; i <= nb; i++) {
			if (body[i] ~ /^Upstream: /) {
				l = body[i]; sub(/^Upstream: */, "", l)
				# a trailer folded at 75 columns goes on, indented
				while (i < nb && body[i + 1] ~ /^[ \t]+[^ \t]/) { c = body[++i]; sub(/^[ \t]+/, "", c); l = l " " c }
				upv = l; sub(/[ ,].*/, "", upv)
				upt = l; sub(/^[^ ,]*[ ,]+ */, "", upt)
				if (upt !~ /^"/) upt = "\"" upt "\""
			}
			if (body[i] ~ /^Upstream-differs: /) {
				d = body[i]; sub(/^Upstream-differs: */, "", d)
				while (i < nb && body[i + 1] ~ /^[ \t]+[^ \t]/) { c = body[++i]; sub(/^[ \t]+/, "", c); d = d " " c }
				differs = d
			}
		}
		print "From: " from
		print "Date: " date
		print "Subject: " subject
		if (upv != "") {
			print "Origin: backport"
			print "Applied-Upstream: " upv ", " upt
			print "Forwarded: not-needed"
		} else {
			print "Origin: other"
			print "Forwarded: " (kind == "test" ? "not-needed" : "no")
		}
		print "Last-Update: " lastupdate
		print ""
		for (i = 1; i <= nb; i++) print body[i]
		if (upv != "") {
			m = "[foliowalk: Backported to 6.1: a reimplementation, not a cherry-pick, of upstream " upv " " upt "."
			if (differs != "") m = m " Differs: " differs
			m = m "]"
			# fold at 72 columns, continuation lines indented by one space
			n = split(m, w, " "); line = ""
			# right after the trailers, as the kernel team puts its "[bwh: ...]" lines
			for (j = 1; j <= n; j++) {
				if (line != "" && length(line) + 1 + length(w[j]) > 72) { print line; line = " " w[j] }
				else line = (line == "" ? w[j] : line " " w[j])
			}
			if (line != "") print line
		}
	}
	BEGIN { state = "hdr"; nb = 0 }
	state == "hdr" && /^From [0-9a-f]+ / { next }
	state == "hdr" && /^From: / { from = substr($0, 7); last = "from"; next }
	state == "hdr" && /^Date: / { date = substr($0, 7); last = "date"; next }
	state == "hdr" && /^Subject: / { subject = substr($0, 10); last = "subject"; next }
	state == "hdr" && /^[ \t]/ { if (last == "subject") { s = $0; sub(/^[ \t]+/, " ", s); subject = subject s }; next }
	state == "hdr" && /^$/ {
		sub(/^\[PATCH[^]]*\] */, "", subject)
		cmd = "date -u -d \"" date "\" +%Y-%m-%d"; cmd | getline lastupdate; close(cmd)
		state = "body"; next
	}
	state == "hdr" { last = ""; next }
	state == "body" && /^---$/ {
		while (nb > 0 && body[nb] == "") nb--
		flush_headers(); print; state = "diff"; next
	}
	state == "body" { body[++nb] = $0; next }
	{ print }
	END { if (state != "diff") exit 3 }
	'
}

# kind_of PATH: design, beyond or test
kind_of() {
	local path=$1 sub
	sub=$(subseries_of "$path")
	if [ -n "$sub" ]; then
		case "$sub" in
		test) echo test ;;
		design) echo design ;;
		*) echo beyond ;;
		esac
	elif grep -q "^diff --git a/$TEST_FILE " "$PATCHES/$path"; then
		echo test
	else
		echo beyond
	fi
}

# write_to DIR: the debian/patches form of patches/ in DIR
write_to() {
	local dir=$1 path sub prev=- n=0 title count kind
	rm -rf "$dir"
	mkdir -p "$dir/$SUBDIR"
	{
		if [ -f "$PATCHES/0000-cover-letter.patch" ]; then
			echo "# foliowalk: $(cover_subject "$PATCHES")"
		else
			echo "# foliowalk: follow_page() replaced by folio_walk, in three series (the design, what goes beyond it, a test interface)"
		fi
		echo "# $(series_paths | wc -l) patches on $BASE_PACKAGE $BASE_VERSION; written by 'make debian-patches'"
		while read -r path; do
			sub=$(subseries_of "$path")
			if [ "$sub" != "$prev" ]; then
				if [ -n "$sub" ]; then
					title=$(cover_subject "$PATCHES/$sub")
					count=$(series_paths | grep -c "^$sub/")
					echo
					echo "# foliowalk $sub ($count patches)${title:+: $title}"
				fi
				prev=$sub
			fi
			[ -f "$PATCHES/$path" ] || die "patches/series names $path, which does not exist"
			kind=$(kind_of "$path")
			mkdir -p "$(dirname "$dir/$SUBDIR/$path")"
			dep3 "$kind" <"$PATCHES/$path" >"$dir/$SUBDIR/$path" ||
				die "patches/$path: no '---' line after the message (not git format-patch output?)"
			echo "$SUBDIR/$path"
			n=$((n + 1))
		done < <(series_paths)
	} >"$dir/series.append"
	echo "$n"
}

cmd_write() {
	local n
	lab_step "write the series for debian/patches: ${OUT#"$LAB_TOP"/}"
	n=$(write_to "$OUT")
	lab_say "wrote $n patches to ${OUT#"$LAB_TOP"/}/$SUBDIR/ and the lines for debian/patches/series to ${OUT#"$LAB_TOP"/}/series.append"
}

# --- fetch ------------------------------------------------------------------

# apt_scratch ARGS...: apt-get with the scratch configuration only
apt_scratch() {
	apt-get -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" \
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root "$@"
}

# download_into DIR VERSION: apt-get source --download-only of VERSION
download_into() {
	cd "$1" && apt_scratch source --download-only "linux=$2"
}

# write_scratch_sources: a deb-src line for each archive and suite the
# pinned version of linux-source is in (as the machine's apt sees it)
write_scratch_sources() {
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg opt="" lines
	lines=$(apt-cache madison "$BASE_PACKAGE" |
		awk -F' *[|] *' -v v="$BASE_VERSION" '$2 == v { split($3, a, " "); split(a[2], s, "/"); print a[1], s[1], s[2] }' |
		sort -u)
	[ -n "$lines" ] || die "apt-cache madison $BASE_PACKAGE shows no $BASE_VERSION: run 'make setup' (apt-get update), or the pin is gone from the archive"
	[ -f "$keyring" ] && opt="[signed-by=$keyring] "
	mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial"
	echo "$lines" | while read -r uri suite comp; do
		echo "deb-src $opt$uri $suite $comp"
	done >"$APTDIR/sources.list"
}

# source_versions: the versions of source package linux the scratch
# configuration offers, newest first
source_versions() {
	apt_scratch -q=2 source --print-uris --download-only linux >/dev/null 2>&1 || true
	apt-cache -o Dir::Etc::sourcelist="$APTDIR/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$APTDIR/lists" -o Dir::Cache="$APTDIR/cache" -o Dir::State::status=/dev/null \
		showsrc linux 2>/dev/null | sed -n 's/^Version: //p' | sort -urV
}

# fetch_version VERSION: the source package in DEB_DL/linux-source-package-VERSION
# (kept); 1 if the archive does not serve it
fetch_version() {
	local v=$1 dir=$DEB_DL/linux-source-package-$1 t0
	[ -f "$dir/.complete" ] && return 0
	t0=$(date +%s)
	rm -rf "$dir.part"
	mkdir -p "$dir.part"
	lab_say "apt-get source --download-only linux=$v (log: build/logs/debian-src-download-$v.log)"
	if ! (download_into "$dir.part" "$v") >"$LOGS/debian-src-download-$v.log" 2>&1 &
		! wait_download $! "$dir.part"; then
		lab_say "  linux $v: not served ($(grep -m1 -o '[0-9]\{3\} *Not Found\|^E: .*' "$LOGS/debian-src-download-$v.log" | head -n1))"
		rm -rf "$dir.part"
		return 1
	fi
	rm -rf "$dir"
	mv "$dir.part" "$dir"
	touch "$dir/.complete"
	lab_say "  downloaded linux $v in $(($(date +%s) - t0)) s: $(du -sh "$dir" | cut -f1) ($(cd "$dir" && ls | tr '\n' ' '))"
}

# wait_download PID DIR: wait for PID, a progress line every 30 s
wait_download() {
	local pid=$1 dir=$2 t0
	t0=$(date +%s)
	while ! wait_with_timeout "$pid" 30; do
		lab_say "  ... download: $(($(date +%s) - t0)) s, $(du -sh "$dir" | cut -f1)"
	done
	wait "$pid"
}

# fetch_source_package: sets SRC_VERSION and PKGDIR. The pinned version;
# if the archive does not serve its source (it can list it in Sources and
# still not have the files: the mirror here has the binary packages of
# bookworm-security but not all of its sources), the newest older upload
# it serves, loudly (DEB_SRC_VERSION=V: that one).
fetch_source_package() {
	local v tried=0 versions
	SRC_VERSION=${DEB_SRC_VERSION:-$BASE_VERSION}
	PKGDIR=$DEB_DL/linux-source-package-$SRC_VERSION
	if [ -f "$PKGDIR/.complete" ]; then
		lab_say "source package: linux $SRC_VERSION in ${PKGDIR#"$LAB_TOP"/} (cached)"
		return 0
	fi
	lab_step "download Debian's source package linux $SRC_VERSION"
	write_scratch_sources
	sed 's/^/lab:   /' "$APTDIR/sources.list" >&2
	run_logged "$LOGS/debian-src-apt-update.log" "apt-get update (scratch configuration, deb-src only)" \
		apt_scratch update
	fetch_version "$SRC_VERSION" && return 0
	[ -z "${DEB_SRC_VERSION:-}" ] || die "the archive does not serve linux $SRC_VERSION's source"
	mapfile -t versions < <(source_versions)
	for v in "${versions[@]}"; do
		dpkg --compare-versions "$v" lt "$BASE_VERSION" || continue
		# a cached older one first
		[ -f "$DEB_DL/linux-source-package-$v/.complete" ] && { SRC_VERSION=$v; break; }
	done
	if [ "$SRC_VERSION" = "$BASE_VERSION" ]; then
		for v in "${versions[@]}"; do
			dpkg --compare-versions "$v" lt "$BASE_VERSION" || continue
			[ "$tried" -lt 6 ] || break
			tried=$((tried + 1))
			if fetch_version "$v"; then
				SRC_VERSION=$v
				break
			fi
		done
	fi
	[ "$SRC_VERSION" != "$BASE_VERSION" ] ||
		die "the archive serves the source of neither linux $BASE_VERSION nor the $tried uploads before it"
	PKGDIR=$DEB_DL/linux-source-package-$SRC_VERSION
	warn_loudly "the archive does not serve the source of linux $BASE_VERSION (the pin)" \
		"checking against linux $SRC_VERSION's source package instead, and" \
		"quilt against the pinned linux-source tree (see the report)"
}

# --- check ------------------------------------------------------------------

PASS=0
FAIL=0
ok() { echo "ok - $*"; PASS=$((PASS + 1)); }
not_ok() { echo "not ok - $*"; FAIL=$((FAIL + 1)); }
# check DESCRIPTION CMD...: ok or not ok after CMD's status
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

sgit() { git -C "$SCRATCH_GIT" "$@"; }
kgit() { git -C "$KTREE" "$@"; }

ensure_scratch_git() {
	[ -d "$SCRATCH_GIT/.git" ] && return 0
	mkdir -p "$SCRATCH_GIT"
	sgit init -q
	sgit config core.autocrlf false
	sgit config gc.auto 0
}

# hash_tree DIR NAME: the git tree id of DIR without debian/ and .pc/,
# through the scratch index NAME (kept: the next hash of the same dir only
# reads what changed)
hash_tree() {
	local dir=$1 idx=$SCRATCH_GIT/.git/index-$2
	GIT_INDEX_FILE=$idx git --git-dir="$SCRATCH_GIT/.git" --work-tree="$dir" \
		add -f -A -- . ':(exclude)debian' ':(exclude).pc' &&
		GIT_INDEX_FILE=$idx git --git-dir="$SCRATCH_GIT/.git" write-tree
}

# listing GIT TREE: "mode type blob<TAB>path" of every file of TREE
listing() { git -C "$1" ls-tree -r --full-tree "$2"; }

# changes GIT A B: what B changes from A, a line per path with modes and blobs
changes() { git -C "$1" diff-tree -r --no-renames --no-commit-id "$2" "$3"; }

# touched GIT A B: the paths B changes from A
touched() { git -C "$1" diff-tree -r --no-renames --no-commit-id --name-only "$2" "$3"; }

# ktree_in_line: ok line when KTREE's branch holds the patches of patches/
# (the same patch-ids; in another order is said, the trees are compared
# below anyway)
ktree_in_line() {
	local want have c p
	want=$(series_paths | while read -r p; do git patch-id --stable <"$PATCHES/$p" | cut -d' ' -f1; done)
	have=$(for c in $(kgit rev-list --reverse "base..$KBRANCH"); do kgit show "$c" | git patch-id --stable | cut -d' ' -f1; done)
	if [ "$want" = "$have" ]; then
		ok "KTREE (${KTREE}) branch $KBRANCH holds patches/ (patch-ids, in order)"
	elif [ "$(sort <<<"$want")" = "$(sort <<<"$have")" ]; then
		ok "KTREE (${KTREE}) branch $KBRANCH holds patches/ (patch-ids), in another order"
	else
		not_ok "KTREE (${KTREE}) branch $KBRANCH does not hold patches/ (patch-ids differ: run 'make apply')"
	fi
}

# deb_for VERSION: linux-source-6.1's .deb of VERSION (kept in DEB_DL, the
# name rebase-check uses)
deb_for() {
	local v=$1 deb=$DEB_DL/${BASE_PACKAGE}_$1_all.deb
	if [ ! -f "$deb" ]; then
		(cd "$DEB_DL" && apt-get download "$BASE_PACKAGE=$v") >"$LOGS/debian-src-deb-$v.log" 2>&1 ||
			die "apt-get download $BASE_PACKAGE=$v failed (log: build/logs/debian-src-deb-$v.log)"
	fi
	echo "$deb"
}

# reference_trees: REF_GIT, REF_BASE, REF_PATCHED: linux-source-6.1's tree
# of SRC_VERSION and `make apply`'s tree on it. The pinned version: KTREE's
# tag base and branch foliowalk (only read). Another one: its tarball
# imported into the scratch repo, and patches/ applied to it there with
# git apply, as tree.sh's round trip does.
reference_trees() {
	local deb tmp p idx
	if [ "$SRC_VERSION" = "$BASE_VERSION" ]; then
		REF_GIT=$KTREE
		REF_BASE=$(kgit rev-parse "base^{tree}")
		REF_PATCHED=$(kgit rev-parse "$KBRANCH^{tree}")
		return 0
	fi
	REF_GIT=$SCRATCH_GIT
	if ! REF_BASE=$(sgit rev-parse -q --verify "refs/tags/linux-source/$SRC_VERSION^{tree}"); then
		deb=$(deb_for "$SRC_VERSION")
		tmp=$SRC/linux-source-$SRC_VERSION
		rm -rf "$tmp"
		mkdir -p "$tmp/deb" "$tmp/src"
		dpkg-deb -x "$deb" "$tmp/deb"
		run_logged "$LOGS/debian-src-import-$SRC_VERSION.log" "unpack $BASE_PACKAGE $SRC_VERSION's tarball" \
			tar -xJf "$tmp/deb/usr/src/$BASE_PACKAGE.tar.xz" -C "$tmp/src" --strip-components=1
		REF_BASE=$(hash_tree "$tmp/src" "linux-source-$SRC_VERSION")
		sgit tag -f "linux-source/$SRC_VERSION" "$REF_BASE" >/dev/null
		rm -rf "$tmp" "$SCRATCH_GIT/.git/index-linux-source-$SRC_VERSION"
	fi
	idx=$SCRATCH_GIT/.git/index-apply
	rm -f "$idx"
	GIT_INDEX_FILE=$idx sgit read-tree "$REF_BASE"
	while read -r p; do
		GIT_INDEX_FILE=$idx sgit apply --cached "$PATCHES/$p" 2>>"$LOGS/debian-src-apply.log" || {
			REF_PATCHED=""
			return 0
		}
	done < <(series_paths)
	REF_PATCHED=$(GIT_INDEX_FILE=$idx sgit write-tree)
	rm -f "$idx"
}

# quilt_push DIR LOG: quilt push -a in DIR (patches in DIR/debian/patches),
# no fuzz
quilt_push() {
	(cd "$1" && QUILT_PATCHES=debian/patches QUILT_PC=.pc quilt push -a --fuzz=0) >"$2" 2>&1
}

# add_ours DIR: our patches into DIR/debian/patches, our lines appended to
# its series
add_ours() {
	mkdir -p "$1/debian/patches"
	cp -r "$OUT/$SUBDIR" "$1/debian/patches/"
	cat "$OUT/series.append" >>"$1/debian/patches/series"
}

# dep3_ok FILE: the fields DEP-3 wants, in the form written
dep3_ok() {
	local f=$1 hdr
	hdr=$(sed '/^$/q' "$f")
	grep -q '^From: .*<.*@.*>$' <<<"$hdr" && grep -q '^Subject: .' <<<"$hdr" &&
		grep -q '^Origin: \(backport\|other\)$' <<<"$hdr" &&
		grep -q '^Forwarded: \(no\|not-needed\)$' <<<"$hdr" &&
		grep -q '^Last-Update: [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}$' <<<"$hdr" &&
		{ ! grep -q '^Origin: backport' <<<"$hdr" || grep -q '^Applied-Upstream: v[0-9.]*, ".*"$' <<<"$hdr"; } &&
		grep -q '^---$' "$f" && grep -q '^diff --git ' "$f"
}

cmd_check() {
	local bad dtree t0 t n_deb n_ours d q tmp listd listb dpaths extra p pinned qp
	[ -d "$KTREE/.git" ] || die "no kernel tree at $KTREE: run 'make apply' (or give KTREE=)"
	command -v quilt >/dev/null || die "quilt is missing: run 'make setup'"
	ensure_scratch_git
	fetch_source_package
	lab_step "check against Debian's source package linux $SRC_VERSION"

	# what we wrote
	n_ours=$(grep -vc '^\(#\|$\)' "$OUT/series.append")
	tmp=$SRC/write-again
	write_to "$tmp" >/dev/null
	check "written twice from the same patches/, the same files (deterministic)" diff -r -q "$OUT" "$tmp"
	rm -rf "$tmp"
	bad=""
	while read -r p; do dep3_ok "$OUT/$p" || bad+=" ${p#"$SUBDIR"/}"; done < <(grep -v '^\(#\|$\)' "$OUT/series.append")
	if [ -z "$bad" ]; then
		ok "DEP-3 headers on all $n_ours patches ($(grep -l '^Origin: backport' -r "$OUT/$SUBDIR" | wc -l) backports with Applied-Upstream, $(grep -l '^Forwarded: not-needed' -r "$OUT/$SUBDIR" | xargs -r grep -L '^Origin: backport' | wc -l) test-interface, $(grep -l '^Forwarded: no$' -r "$OUT/$SUBDIR" | wc -l) not forwarded)"
	else
		not_ok "DEP-3 headers: incomplete in$bad"
	fi
	if series_paths | grep -q '^design/'; then
		bad=$(series_paths | grep '^design/' | while read -r p; do grep -q '^Applied-Upstream: ' "$OUT/$SUBDIR/$p" || echo "$p"; done)
		check "every design patch names its upstream change (Applied-Upstream)" test -z "$bad"
	fi

	ktree_in_line

	# Debian's tree
	dtree=$SRC/linux-$SRC_VERSION
	rm -rf "$dtree" "$SRC"/linux_*.orig.tar.xz*	# dpkg-source links the orig tarball beside the tree
	t0=$(date +%s)
	run_logged "$LOGS/debian-src-extract.log" "dpkg-source -x linux_$SRC_VERSION.dsc (unpack, Debian's patches)" \
		nice -n 19 ionice -c3 dpkg-source -x "$PKGDIR/linux_$SRC_VERSION.dsc" "$dtree"
	t=$(($(date +%s) - t0))
	n_deb=$(wc -l <"$dtree/.pc/applied-patches")
	ok "dpkg-source -x: checksums of the .dsc's files, Debian's $n_deb patches applied ($t s, $(du -sh "$dtree" | cut -f1))"
	t0=$(date +%s)
	d=$(hash_tree "$dtree" debian)
	lab_say "hashed Debian's tree in $(($(date +%s) - t0)) s: $d"
	reference_trees
	listd=$SRC/listing-debian-$SRC_VERSION.txt
	listb=$SRC/listing-linux-source-$SRC_VERSION.txt
	listing "$SCRATCH_GIT" "$d" >"$listd"
	listing "$REF_GIT" "$REF_BASE" >"$listb"
	diff "$listb" "$listd" >"$SRC/tree-diff-$SRC_VERSION.txt" || true
	dpaths=$(grep '^[<>]' "$SRC/tree-diff-$SRC_VERSION.txt" | cut -f2 | sort -u || true)
	if [ -z "$dpaths" ]; then
		ok "Debian's patched tree = $BASE_PACKAGE $SRC_VERSION's tarball, modulo debian/ ($(wc -l <"$listd") files)"
	else
		extra=$(grep -vxF -f <(printf '%s\n' $KNOWN_DIFFERENCES) <<<"$dpaths" || true)
		if [ -z "$extra" ]; then
			ok "Debian's patched tree = $BASE_PACKAGE $SRC_VERSION's tarball, modulo debian/ and what the binary package leaves out: $(echo $dpaths) ($(wc -l <"$listd") files)"
		else
			not_ok "Debian's patched tree differs from $BASE_PACKAGE $SRC_VERSION's tarball in $(wc -l <<<"$extra") paths (${SRC#"$LAB_TOP"/}/tree-diff-$SRC_VERSION.txt): $(head -n 5 <<<"$extra" | tr '\n' ' ')"
		fi
	fi
	if [ -n "$REF_PATCHED" ]; then
		bad=$(touched "$REF_GIT" "$REF_BASE" "$REF_PATCHED" | while read -r p; do
			[ "$(grep -P "\t\Q$p\E$" "$listd")" = "$(grep -P "\t\Q$p\E$" "$listb")" ] || echo "$p"
		done)
		check "the $(touched "$REF_GIT" "$REF_BASE" "$REF_PATCHED" | wc -l) files the series touches are the same in both${bad:+ (not: $bad)}" test -z "$bad"
	else
		not_ok "patches/ does not apply with git apply to $BASE_PACKAGE $SRC_VERSION (build/logs/debian-src-apply.log)"
	fi

	# ours on top, with quilt
	add_ours "$dtree"
	t0=$(date +%s)
	if quilt_push "$dtree" "$LOGS/debian-src-quilt.log"; then
		qp=$(grep -c '^Applying patch' "$LOGS/debian-src-quilt.log" || true)
		ok "quilt push -a --fuzz=0: our $qp patches on Debian's $n_deb ($(($(date +%s) - t0)) s, $(grep -c '(offset' "$LOGS/debian-src-quilt.log" || true) hunks at an offset)"
	else
		not_ok "quilt push -a --fuzz=0 on Debian's tree: $(grep -m1 -E 'FAILED|failed|does not apply' "$LOGS/debian-src-quilt.log") (build/logs/debian-src-quilt.log)"
	fi
	q=$(hash_tree "$dtree" debian)
	if [ -n "$REF_PATCHED" ]; then
		check "quilt's changes to Debian's tree = make apply's changes to $BASE_PACKAGE $SRC_VERSION (same paths, modes, blobs: $(changes "$REF_GIT" "$REF_BASE" "$REF_PATCHED" | wc -l) files)" \
			test "$(changes "$SCRATCH_GIT" "$d" "$q")" = "$(changes "$REF_GIT" "$REF_BASE" "$REF_PATCHED")"
		listing "$SCRATCH_GIT" "$q" >"$listd.quilt"
		listing "$REF_GIT" "$REF_PATCHED" >"$listb.apply"
		check "whole tree: quilt's = make apply's on $SRC_VERSION, but for the paths where Debian's and linux-source's differ already" \
			test "$(diff "$listb.apply" "$listd.quilt" | grep '^[<>]' | cut -f2 | sort -u || true)" = "$dpaths"
	fi
	t0=$(date +%s)
	if (cd "$dtree" && QUILT_PATCHES=debian/patches quilt pop -q "$(sed -n "${n_deb}p" .pc/applied-patches)") >"$LOGS/debian-src-quilt-pop.log" 2>&1; then
		check "quilt pop back to Debian's last patch restores Debian's tree ($(($(date +%s) - t0)) s)" test "$(hash_tree "$dtree" debian)" = "$d"
	else
		not_ok "quilt pop of ours (build/logs/debian-src-quilt-pop.log)"
	fi

	# the pinned tree, if its source package was not to be had
	if [ "$SRC_VERSION" != "$BASE_VERSION" ]; then
		pinned=$SRC/linux-source-$BASE_VERSION
		rm -rf "$pinned"
		mkdir -p "$pinned"
		run_logged "$LOGS/debian-src-pinned.log" "check out $BASE_PACKAGE $BASE_VERSION (KTREE's tag base)" \
			sh -c "git -C '$KTREE' archive base | tar -x -C '$pinned'"
		: >"$pinned/.series-placeholder"
		rm -f "$pinned/.series-placeholder"
		mkdir -p "$pinned/debian/patches"
		: >"$pinned/debian/patches/series"
		add_ours "$pinned"
		t0=$(date +%s)
		if quilt_push "$pinned" "$LOGS/debian-src-quilt-pinned.log"; then
			ok "quilt push -a --fuzz=0 on $BASE_PACKAGE $BASE_VERSION (the pin): our $(grep -c '^Applying patch' "$LOGS/debian-src-quilt-pinned.log") patches ($(($(date +%s) - t0)) s)"
		else
			not_ok "quilt push -a --fuzz=0 on $BASE_PACKAGE $BASE_VERSION: $(grep -m1 -E 'FAILED|failed|does not apply' "$LOGS/debian-src-quilt-pinned.log")"
		fi
		check "quilt's tree on $BASE_VERSION = make apply's tree (KTREE branch $KBRANCH), whole tree" \
			test "$(hash_tree "$pinned" pinned)" = "$(kgit rev-parse "$KBRANCH^{tree}")"
		rm -rf "$pinned" "$SCRATCH_GIT/.git/index-pinned"
	fi
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

main() {
	case "${1:-all}" in
	write) cmd_write ;;
	fetch) fetch_source_package; echo "$SRC_VERSION" ;;
	check) cmd_check ;;
	all)
		# the tree make apply builds: build/linux, in line with patches/ (a
		# KTREE given is only read)
		[ -n "$KTREE_ENV" ] || "$LAB_TOP/lab/tree.sh" apply
		cmd_write
		cmd_check
		;;
	*) die "usage: debian-patches.sh [write|fetch|check]" ;;
	esac
}

# on one line: bash has read all of it before it runs (the file can be edited meanwhile)
main "$@"; exit $?
