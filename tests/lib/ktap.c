// SPDX-License-Identifier: GPL-2.0
/*
 * KTAP results for the guest programs that are not kselftest harness
 * tests (fw_diff, fw_race, fw_demo, fw_memcheck): kselftest.h's header,
 * plan, counters and totals, and one result line per test:
 *
 *	ok N name
 *	not ok N name
 *	ok N name # SKIP CODE text
 *
 * CODE is the reason code of fw.h (FW_ABSENT(), FW_UNAVAILABLE()), which
 * the lab matches against the arch's NOT_HERE (lab/check.sh).
 */
#include <stdarg.h>
#include "fw.h"
#include "kselftest.h"

/* "TAP version 13", as kselftest.h prints it */
void fw_ktap_header(void)
{
	ksft_print_header();
}

/* "1..N": before the first result, or after the last one (fw_diff) */
void fw_ktap_plan(unsigned int n)
{
	ksft_set_plan(n);
}

/* "ok N name" or "not ok N name" */
void fw_ktap_result(int pass, const char *name)
{
	if (pass)
		ksft_test_result_pass("%s\n", name);
	else
		ksft_test_result_fail("%s\n", name);
}

/*
 * "ok N name # SKIP CODE text": a test that could not run. fmt starts with
 * its reason code (FW_ABSENT(X) or FW_UNAVAILABLE(X)); whether the skip
 * is fine is the lab's call (NOT_HERE), not the program's.
 */
void fw_ktap_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	ksft_inc_xskip_cnt();	/* counted first, as ksft_test_result_*() do */
	printf("ok %u %s # SKIP ", ksft_test_num(), name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* the number of results so far */
unsigned int fw_ktap_count(void)
{
	return ksft_test_num();
}

/*
 * The end: kselftest's "# Totals" line, and a note where the plan and the
 * results disagree; the exit status is 1 when a test failed, else 0 (a
 * skip is not a failure of the program: the lab decides).
 */
int fw_ktap_finish(void)
{
	ksft_print_cnts();
	return ksft_get_fail_cnt() ? 1 : 0;
}
