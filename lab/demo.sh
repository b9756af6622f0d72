#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# demo.sh [ARCH]: `make run`: build the patched kernel, boot it and show
# folio_walk's users at work (tests/fw_demo.c), then power off.
. "$(dirname "$0")/lib.sh"

ARCH_=${1:-x86_64}
FLAVOUR=${FLAVOUR:-debug}
payload=$BUILD/payload/$ARCH_-demo

"$LAB_TOP/lab/build-kernel.sh" "$ARCH_" patched "$FLAVOUR"
"$LAB_TOP/lab/build-tests.sh" "$ARCH_" patched "$FLAVOUR"
rm -rf "$payload"
mkdir -p "$payload"
cp "$BUILD/guest/$ARCH_-patched-$FLAVOUR/bin/fw_demo" "$payload/"
printf '#!/bin/sh\nexec /payload/fw_demo\n' >"$payload/run"
chmod +x "$payload/run"
lab_step "boot the patched $ARCH_ kernel and run the demo"
LAB_QUIET=1 LAB_SHOW='^(mapping|anon|hugetlb|KSM|zero|untouched|unmapped|move_pages|PASS|FAIL)' \
	"$LAB_TOP/lab/boot.sh" "$ARCH_" patched "$FLAVOUR" "$payload"
