#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# readme-tables.sh [--check] [README]: the generated blocks of README.md.
#   <!-- patches:begin --> ... <!-- patches:end -->  one table per series,
#       from patches/series and the Subject: and diffstat of each patch
#   <!-- targets:begin --> ... <!-- targets:end -->  the Makefile's "## "
#       lines, as `make help` prints them
# Both layouts of patches/ are read: flat (series lists NNNN-*.patch) and
# split (series lists DIR/NNNN-*.patch; each DIR has its own cover letter
# and series). Default: rewrite README. --check: print the diff and exit 1
# when README is not what this script would write. ONLY=patches|targets:
# that block alone.
. "$(dirname "$0")/lib.sh"

CHECK=0
if [ "${1:-}" = --check ]; then
	CHECK=1
	shift
fi
README=${1:-$LAB_TOP/README.md}
PATCHES=${PATCHES:-$LAB_TOP/patches}
[ -f "$README" ] || die "no $README"
[ -f "$PATCHES/series" ] || die "no patches/series"

# header_field FILE FIELD: a mail header, continuation lines joined
header_field() {
	awk -v f="$2:" '
		/^$/ { exit }
		found && /^[ \t]/ { sub(/^[ \t]+/, " "); v = v $0; next }
		found { exit }
		index($0, f) == 1 { found = 1; v = substr($0, length(f) + 2) }
		END { print v }' "$1"
}

# subject FILE: the Subject: without its "[PATCH nn/NN] "
subject() {
	header_field "$1" Subject | sed -E 's/^\[PATCH[^]]*\] *//'
}

# diffstat FILE: "F files, +I -D" from format-patch's summary line
diffstat() {
	sed -n -E '/^ [0-9]+ files? changed/{
		s/^ ([0-9]+) files? changed(, ([0-9]+) insertions?\(\+\))?(, ([0-9]+) deletions?\(-\))?.*/\1 +\3 -\5/p; q }' "$1" |
		awk '{ sub(/^\+$/, "+0", $2); sub(/^-$/, "-0", $3); printf "%s, %s %s", $1, $2, $3 }'
}

# table DIR PATCH...: the markdown table of one series
table() {
	local dir=$1 p n=0 f
	shift
	echo '| # | patch | files, lines |'
	echo '|---|-------|--------------|'
	for p in "$@"; do
		f=$PATCHES/$p
		n=$((n + 1))
		[ -f "$f" ] || { echo "| $n | (missing: $p) | |"; continue; }
		printf '| %d | %s | %s |\n' "$n" "$(subject "$f" | sed 's/|/\\|/g')" "$(diffstat "$f")"
	done
}

# cover DIR: the cover letter's subject, or nothing
cover() {
	[ -f "$PATCHES/$1/0000-cover-letter.patch" ] && subject "$PATCHES/$1/0000-cover-letter.patch"
	return 0
}

patches_block() {
	local -a lines dirs=() list
	local l d
	mapfile -t lines < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/series")
	if ! printf '%s\n' "${lines[@]}" | grep -q /; then
		echo "One series, \`patches/series\` ($(cover .)):"
		echo
		table . "${lines[@]}"
		return
	fi
	for l in "${lines[@]}"; do
		d=${l%%/*}
		printf '%s\n' "${dirs[@]}" | grep -qxF "$d" || dirs+=("$d")
	done
	for d in "${dirs[@]}"; do
		mapfile -t list < <(printf '%s\n' "${lines[@]}" | grep "^$d/")
		echo "\`patches/$d/\` ($(cover "$d")):"
		echo
		table "$d" "${list[@]}"
		[ "$d" = "${dirs[-1]}" ] || echo
	done
}

targets_block() {
	echo '```'
	sed -n 's/^## //p' "$LAB_TOP/Makefile"
	echo '```'
}

# replace NAME FILE-WITH-BODY: README with the block NAME's body replaced
replace() {
	grep -q "^<!-- $1:begin -->\$" "$README" && grep -q "^<!-- $1:end -->\$" "$README" ||
		die "README has no <!-- $1:begin --> / <!-- $1:end --> lines"
	awk -v name="$1" -v body="$2" '
		$0 == "<!-- " name ":begin -->" { print; while ((getline l < body) > 0) print l; skip = 1; next }
		$0 == "<!-- " name ":end -->" { skip = 0 }
		!skip { print }'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$README" "$tmp/new"
for block in patches targets; do
	[ -z "${ONLY:-}" ] || [ "$ONLY" = "$block" ] || continue
	"${block}_block" >"$tmp/$block"
	README=$tmp/new replace "$block" "$tmp/$block" <"$tmp/new" >"$tmp/next"
	mv "$tmp/next" "$tmp/new"
done

if [ "$CHECK" = 1 ]; then
	if ! diff -u --label README.md --label "README.md (generated)" "$README" "$tmp/new"; then
		lab_say "README.md's generated tables are stale: run lab/readme-tables.sh"
		exit 1
	fi
	exit 0
fi
cmp -s "$README" "$tmp/new" || cat "$tmp/new" >"$README"
