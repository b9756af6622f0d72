// SPDX-License-Identifier: GPL-2.0
/*
 * fw_demo: folio_walk's users at work, for `make run`.
 *
 * Maps one of each kind of memory and prints what move_pages() reports
 * for it (the status query is do_pages_stat_array(), converted to
 * folio_walk), then moves the movable ones to the other node and back
 * (add_page_for_migration(), converted too). Exits non-zero when a result
 * is not what move_pages(2) documents.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE		4096UL
#define HPAGE		(2UL << 20)
#define MPOL_MF_MOVE	(1 << 1)
#define ANY_NODE	1000	/* row.expect: any node is right */
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB	(21 << 26)
#endif

struct row {
	const char *name;
	const char *what;
	char *addr;
	int expect;		/* status move_pages(2) documents: 0 = node 0 */
	int movable;
	int status[3];		/* before, after move to 1, after move back */
};

static int failures;

static long move_pages(void *addr, const int *node, int *status)
{
	void *pages[1] = { addr };

	return syscall(SYS_move_pages, 0, 1UL, pages, node, status,
		       MPOL_MF_MOVE);
}

static int status_of(void *addr)
{
	int status = -1;

	if (move_pages(addr, NULL, &status))
		return -errno;
	return status;
}

static const char *fmt_status(int s, char *buf, size_t len)
{
	if (s >= 0)
		snprintf(buf, len, "node %d", s);
	else if (s == -EFAULT)
		snprintf(buf, len, "-EFAULT");
	else if (s == -ENOENT)
		snprintf(buf, len, "-ENOENT");
	else if (s == -EACCES)
		snprintf(buf, len, "-EACCES");
	else if (s == -EBUSY)
		snprintf(buf, len, "-EBUSY");
	else
		snprintf(buf, len, "%d", s);
	return buf;
}

/* len bytes at an align-aligned address (a hugetlb VMA is never split) */
static char *map_aligned(size_t len, size_t align, int extra_flags)
{
	char *raw, *p;

	raw = mmap(NULL, len + align, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + align - 1) & ~(align - 1));
	munmap(raw, len + align);
	p = mmap(p, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED_NOREPLACE | extra_flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return atol(buf);
}

static char *ksm_merged_page(void)
{
	char *p = map_aligned(2 * PAGE, PAGE, 0);
	int i;

	if (!p)
		return NULL;
	memset(p, 0x42, 2 * PAGE);
	madvise(p, 2 * PAGE, MADV_MERGEABLE);
	write_file("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	write_file("/sys/kernel/mm/ksm/sleep_millisecs", "0");
	write_file("/sys/kernel/mm/ksm/run", "1");
	for (i = 0; i < 3000 && read_long("/sys/kernel/mm/ksm/pages_sharing") < 1; i++)
		usleep(10000);
	return read_long("/sys/kernel/mm/ksm/pages_sharing") >= 1 ? p : NULL;
}

int main(void)
{
	struct row rows[8];
	int n = 0, to1 = 1, to0 = 0, i, k;
	char b[3][32];
	char *p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* anonymous 4K page, on node 0 */
	p = map_aligned(PAGE, PAGE, 0);
	madvise(p, PAGE, MADV_NOHUGEPAGE);
	move_pages(p, &to0, &k);
	p[0] = 1;
	move_pages(p, &to0, &k);
	rows[n++] = (struct row){ "anon 4K", "small folio (PTE)", p, 0, 1 };
	/* THP */
	p = map_aligned(HPAGE, HPAGE, 0);
	madvise(p, HPAGE, MADV_HUGEPAGE);
	memset(p, 1, HPAGE);
	move_pages(p, &to0, &k);
	rows[n++] = (struct row){ "anon THP", "large folio (PMD)", p + PAGE, 0, 1 };
	/* hugetlb 2M */
	p = map_aligned(HPAGE, HPAGE, MAP_HUGETLB | MAP_HUGE_2MB);
	if (!p) {
		printf("hugetlb 2M: no page in the pool\n");
		failures++;
	} else {
		memset(p, 1, HPAGE);
		move_pages(p, &to0, &k);
		rows[n++] = (struct row){ "hugetlb 2M", "hugetlb folio", p, 0, 1 };
	}
	/* KSM */
	p = ksm_merged_page();
	if (p)	/* the KSM page may live on either node */
		rows[n++] = (struct row){ "KSM", "KSM page (merged)", p, ANY_NODE, 0 };
	else
		printf("KSM: ksmd did not merge within 30 s\n"), failures++;
	/* shared zero page */
	p = map_aligned(PAGE, PAGE, 0);
	madvise(p, PAGE, MADV_NOHUGEPAGE);
	k = *(volatile char *)p;
	rows[n++] = (struct row){ "zero page", "shared zero page", p, -EFAULT, 0 };
	/* untouched and unmapped */
	p = map_aligned(2 * PAGE, PAGE, 0);
	rows[n++] = (struct row){ "untouched", "nothing mapped", p, -ENOENT, 0 };
	munmap(p + PAGE, PAGE);
	rows[n++] = (struct row){ "unmapped", "no VMA", p + PAGE, -EFAULT, 0 };

	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		r->status[0] = status_of(r->addr);
		r->status[1] = r->status[2] = r->status[0];
		if (r->movable) {
			move_pages(r->addr, &to1, &k);
			r->status[1] = status_of(r->addr);
			move_pages(r->addr, &to0, &k);
			r->status[2] = status_of(r->addr);
		}
		if ((r->expect == ANY_NODE ? r->status[0] < 0 :
		     r->status[0] != r->expect) || (r->movable &&
		    (r->status[1] != 1 || r->status[2] != 0)))
			failures++;
	}

	printf("\nmove_pages() on the patched kernel: status query and migration\n\n");
	printf("%-12s %-20s %-10s %-14s %-14s\n", "mapping", "what it is",
	       "status", "after ->node1", "after ->node0");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		printf("%-12s %-20s %-10s %-14s %-14s\n", r->name, r->what,
		       fmt_status(r->status[0], b[0], sizeof(b[0])),
		       r->movable ? fmt_status(r->status[1], b[1], sizeof(b[1])) : "-",
		       r->movable ? fmt_status(r->status[2], b[2], sizeof(b[2])) : "-");
	}
	write_file("/sys/kernel/mm/ksm/run", "2");
	printf("\n%s: %d unexpected result(s)\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}
