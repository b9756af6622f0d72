#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# console.sh LOG: judge a guest console log. Prints every kernel splat (with
# its line number) and the payload's exit code; exits 0 only when the guest
# finished, the payload exited 0 and the kernel printed no splat.
# LAB_IGNORE_PAYLOAD_EXIT=1: judge only the kernel (finished, no splat).
. "$(dirname "$0")/lib.sh"

# A splat is a kernel line (printk timestamp) that starts a report.
SPLAT='\[ *[0-9]+\.[0-9]+\] (.*(BUG:|WARNING:|kernel BUG at|Oops|Internal error:|Kernel panic|general protection fault|Unable to handle kernel|UBSAN:|KASAN:|INFO: task .* blocked for more than|rcu: INFO:|detected stall|soft lockup|hard LOCKUP|Bad page|refcount_t:|list_(add|del) corruption|possible (recursive|circular) locking|inconsistent lock state|lock held when returning|suspicious RCU usage))'

# console.sh --splat-regex: print the regex, for other scripts.
if [ "${1:-}" = --splat-regex ]; then
	printf '%s\n' "$SPLAT"
	exit 0
fi
LOG=$1
[ -f "$LOG" ] || die "no console log $LOG"

splats=$(grep -naE "$SPLAT" "$LOG" || true)
exit_line=$(grep -a '^LAB-EXIT: ' "$LOG" | tail -n 1 || true)
rc=0
if [ -n "$splats" ]; then
	lab_say "kernel splat(s) in ${LOG#"$LAB_TOP"/}:"
	printf '%s\n' "$splats" | head -n 20 | sed 's/^/    /' >&2
	rc=1
fi
if [ -z "$exit_line" ]; then
	lab_say "the guest did not finish (hang, panic or timeout): see ${LOG#"$LAB_TOP"/}"
	tail -n 15 "$LOG" | sed 's/^/    | /' >&2
	rc=1
elif [ "${exit_line#LAB-EXIT: }" != 0 ] && [ -z "${LAB_IGNORE_PAYLOAD_EXIT:-}" ]; then
	lab_say "payload exited ${exit_line#LAB-EXIT: }"
	rc=1
fi
exit "$rc"
