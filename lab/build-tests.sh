#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build-tests.sh ARCH KERNEL FLAVOUR: build the guest programs for one kernel,
# static, into build/guest/ARCH-KERNEL-FLAVOUR/bin: the base tree's vm
# selftests (from that kernel's own tree and UAPI headers) and tests/.
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: build-tests.sh ARCH base|patched FLAVOUR"
load_arch "$1"
KERNEL=$2
FLAVOUR=$3
SRC=$(ktree_for "$KERNEL")
KOUT=$(kout_for "$KERNEL" "$FLAVOUR")
BIN=$BUILD/guest/$LAB_ARCH-$KERNEL-$FLAVOUR/bin
VM=$SRC/tools/testing/selftests/vm
[ -d "$KOUT/usr/include" ] || die "no UAPI headers in ${KOUT#"$LAB_TOP"/}/usr/include: build the kernel first"

# Selftests: "binary sources... [-llib...]" relative to selftests/vm.
SELFTESTS=(
	"ksm_tests ksm_tests.c -lnuma"
	"migration migration.c -lnuma"
	"split_huge_page_test split_huge_page_test.c vm_util.c"
	"gup_test gup_test.c"
	"madv_populate madv_populate.c vm_util.c"
	"map_hugetlb map_hugetlb.c"
)

user_cflags() {
	printf '%s\n' -O2 -static -isystem "$KOUT/usr/include"
	if [ "$DEB_ARCH" != "$(dpkg --print-architecture)" ]; then
		printf '%s\n' -I"$BUILD/sysroot-$DEB_ARCH/usr/include" \
			-L"$BUILD/sysroot-$DEB_ARCH/usr/lib/${USER_TRIPLET:-${CROSS_COMPILE%-}}"
	fi
}

build_selftests() {
	local entry words name srcs libs w
	mapfile -t cflags < <(user_cflags)
	for entry in "${SELFTESTS[@]}"; do
		read -ra words <<<"$entry"
		name=${words[0]}
		srcs=()
		libs=()
		for w in "${words[@]:1}"; do
			case "$w" in -l*) libs+=("$w") ;; *) srcs+=("$VM/$w") ;; esac
		done
		"$USER_CC" -Wall "${cflags[@]}" -I"$SRC/tools/testing/selftests" -I"$SRC" \
			"${srcs[@]}" -o "$BIN/$name" "${libs[@]}" -lrt -lpthread ||
			die "selftest $name failed to build for $LAB_ARCH"
	done
}

build_project_tests() {
	mapfile -t cflags < <(user_cflags)
	make -C "$LAB_TOP/tests" O="$BIN" CC="$USER_CC" KSFT="$SRC/tools/testing/selftests" \
		EXTRA_CFLAGS="${cflags[*]}"
}

rm -rf "$BIN" "$BIN-obj"	# $BIN-obj: tests/Makefile's libfw.a, not for the guest
mkdir -p "$BIN"
build_all() {
	build_selftests
	[ ! -f "$LAB_TOP/tests/Makefile" ] || build_project_tests
}

run_logged "$LOGS/$LAB_ARCH-$KERNEL-$FLAVOUR-tests.log" "build guest programs ($LAB_ARCH, $KERNEL)" build_all
