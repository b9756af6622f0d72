// SPDX-License-Identifier: GPL-2.0
/* lib/ksm.c: KSM: its knobs saved and put back, ksmd run to completion */
#define _GNU_SOURCE
#include "fw.h"

int fw_ksm_available(void)
{
	return access(KSM_SYSFS "run", W_OK) == 0;
}

void fw_ksm_save(struct fw_ksm_saved *s)
{
	s->run = fw_read_long(KSM_SYSFS "run");
	s->pages_to_scan = fw_read_long(KSM_SYSFS "pages_to_scan");
	s->sleep_millisecs = fw_read_long(KSM_SYSFS "sleep_millisecs");
	s->valid = s->run >= 0 && s->pages_to_scan > 0 &&
		   s->sleep_millisecs >= 0;
}

void fw_ksm_restore(const struct fw_ksm_saved *s)
{
	if (!s->valid)
		return;
	/* never write 2 back: that would unmerge every process's pages */
	fw_write_long(KSM_SYSFS "run", s->run == 1 ? 1 : 0);
	fw_write_long(KSM_SYSFS "pages_to_scan", s->pages_to_scan);
	fw_write_long(KSM_SYSFS "sleep_millisecs", s->sleep_millisecs);
}

/* let ksmd run flat out */
int fw_ksm_start(void)
{
	fw_write_long(KSM_SYSFS "pages_to_scan", 10000);
	fw_write_long(KSM_SYSFS "sleep_millisecs", 0);
	return fw_write_long(KSM_SYSFS "run", 1);
}

void fw_ksm_stop(void)
{
	fw_write_long(KSM_SYSFS "run", 0);
}

/*
 * Wait until ksmd completed nscans more full scans, at most timeout_ms;
 * ksmd must be running. 0 when it did, -ETIMEDOUT otherwise.
 */
int fw_ksm_wait_scans(long nscans, long timeout_ms)
{
	long start = fw_read_long(KSM_SYSFS "full_scans"), waited;

	if (start < 0)
		return -ENOENT;
	for (waited = 0; waited < timeout_ms; waited += 10) {
		if (fw_read_long(KSM_SYSFS "full_scans") >= start + nscans)
			return 0;
		fw_sleep_ms(10);
	}
	return -ETIMEDOUT;
}

void fw_ksm_read(struct fw_ksm_counts *c)
{
	c->shared = fw_read_long(KSM_SYSFS "pages_shared");
	c->sharing = fw_read_long(KSM_SYSFS "pages_sharing");
}

/* run ksmd until its counters are stable, then stop it; 0 or -ETIMEDOUT */
int fw_ksm_settle(void)
{
	struct fw_ksm_counts prev, cur;
	int i, ret;

	fw_ksm_start();
	ret = fw_ksm_wait_scans(3, FW_KSM_TIMEOUT_MS);
	fw_ksm_read(&prev);
	for (i = 0; !ret && i < 8; i++) {
		ret = fw_ksm_wait_scans(2, FW_KSM_TIMEOUT_MS);
		fw_ksm_read(&cur);
		if (cur.shared == prev.shared && cur.sharing == prev.sharing)
			break;
		prev = cur;
	}
	fw_ksm_stop();
	return ret;
}
