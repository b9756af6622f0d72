#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# consistency-check.sh: `make consistency-check`. What README.md says
# against the repository, mechanically:
#   patches    README's patch tables are what patches/series gives
#              (lab/readme-tables.sh --check)
#   targets    README's targets block is the Makefile's "## " lines (same)
#   results    every results file README names exists, and each figure of
#              the headline table (between <!-- results:begin --> and
#              <!-- results:end -->: "| what | figure; figure | `file` |")
#              is in the file its row names, word for word
#   series     every patch patches/series names exists; every
#              patches/**/*.patch but the cover letters is named in it; in
#              the split layout, each DIR/series lists DIR's lines of it
# One "ok - ..." / "not ok - ..." line each, then "N passed, N failed".
. "$(dirname "$0")/lib.sh"

README=${README:-$LAB_TOP/README.md}
PATCHES=${PATCHES:-$LAB_TOP/patches}
export PATCHES
cd "$LAB_TOP"
PASSED=0
FAILED=0

# verdict NAME STATUS [DETAIL...]: one TAP-like line, details indented below
verdict() {
	local name=$1 rc=$2
	shift 2
	if [ "$rc" -eq 0 ]; then
		echo "ok - $name"
		PASSED=$((PASSED + 1))
	else
		echo "not ok - $name"
		[ $# -eq 0 ] || printf '    %s\n' "$@"
		FAILED=$((FAILED + 1))
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# (a), (b): the generated blocks
for block in patches targets; do
	rc=0
	ONLY=$block lab/readme-tables.sh --check "$README" >"$tmp/out" 2>&1 || rc=1
	mapfile -t detail < <(head -n 40 "$tmp/out")
	case $block in
	patches) verdict "README's patch tables match patches/series" $rc "${detail[@]}" ;;
	targets) verdict "README's targets match the Makefile's ## lines" $rc "${detail[@]}" ;;
	esac
done

# (c): results files and the headline table's figures
# (a name with a placeholder in capitals, results/check-ARCH.md in the targets, is a pattern)
mapfile -t named < <(grep -oE '(bench/)?results/[A-Za-z0-9_.-]+\.md' "$README" | grep -vE '[A-Z]{3,}\.md$' | sort -u)
missing=()
for f in "${named[@]}"; do
	[ -f "$f" ] || missing+=("$f: named in README, not in the repository")
done
[ ${#named[@]} -gt 0 ] || missing+=("README names no results file")
verdict "every results file README names exists (${#named[@]})" ${#missing[@]} "${missing[@]}"

sed -n '/^<!-- results:begin -->$/,/^<!-- results:end -->$/p' "$README" |
	grep -E '^\|' | tail -n +3 >"$tmp/rows" || true
bad=()
nfig=0
while IFS= read -r row; do
	file=$(printf '%s\n' "$row" | awk -F'|' '{ print $(NF - 1) }' | tr -d '` ')
	figs=$(printf '%s\n' "$row" | awk -F'|' '{ print $3 }' | tr -d '`' | sed 's/^ *//; s/ *$//')
	if [ ! -f "$file" ]; then
		bad+=("row '$(printf '%s' "$row" | cut -c1-60)': no file '$file'")
		continue
	fi
	while IFS= read -r fig; do
		fig=$(printf '%s' "$fig" | sed 's/^ *//; s/ *$//')
		[ -n "$fig" ] || continue
		nfig=$((nfig + 1))
		grep -qF -- "$fig" "$file" || bad+=("'$fig' is not in $file")
	done < <(printf '%s\n' "$figs" | tr ';' '\n')
done <"$tmp/rows"
[ "$nfig" -gt 0 ] || bad+=("no figure between <!-- results:begin --> and <!-- results:end -->")
verdict "each headline figure is in its results file ($nfig figures)" ${#bad[@]} "${bad[@]}"

# (d): patches/series against the patch files
mapfile -t listed < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES/series")
bad=()
for p in "${listed[@]}"; do
	[ -f "$PATCHES/$p" ] || bad+=("$p: in patches/series, no such file")
done
while IFS= read -r f; do
	p=${f#"$PATCHES"/}
	printf '%s\n' "${listed[@]}" | grep -qxF "$p" || bad+=("$p: not in patches/series")
done < <(find "$PATCHES" -name '*.patch' ! -name '0000-cover-letter.patch' | sort)
for s in "$PATCHES"/*/series; do
	[ -f "$s" ] || continue
	d=$(basename "$(dirname "$s")")
	diff -q <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$s") \
		<(printf '%s\n' "${listed[@]}" | sed -n "s|^$d/||p") >/dev/null ||
		bad+=("patches/$d/series is not patches/series' $d/ lines")
done
verdict "patches/series names every patch, and only existing ones (${#listed[@]})" ${#bad[@]} "${bad[@]}"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
