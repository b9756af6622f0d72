/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw_util.h: helpers shared by the foliowalk guest programs (fw_demo,
 * fw_diff): move_pages()/get_mempolicy()/migrate_pages() without libnuma,
 * errno names, aligned mappings with guard holes, /proc/self/pagemap +
 * /proc/kpageflags, /proc/self/smaps, sysfs knobs, NUMA nodes and KSM.
 *
 * Everything is static inline so that a program that uses only part of
 * it still builds with -Wall -Wextra -Werror. Include it after
 * "#define _GNU_SOURCE".
 */
#ifndef FW_UTIL_H
#define FW_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MPOL_MF_MOVE
#define MPOL_MF_MOVE		(1 << 1)
#define MPOL_MF_MOVE_ALL	(1 << 2)
#endif
#ifndef MPOL_F_NODE
#define MPOL_F_NODE		(1 << 0)
#define MPOL_F_ADDR		(1 << 1)
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT		26
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MADV_MERGEABLE
#define MADV_MERGEABLE		12
#define MADV_UNMERGEABLE	13
#endif
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE		14
#define MADV_NOHUGEPAGE		15
#endif

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h) */
#define KPF_SLAB		7
#define KPF_BUDDY		10
#define KPF_ANON		12
#define KPF_SWAPCACHE		13
#define KPF_HUGE		17
#define KPF_KSM			21
#define KPF_THP			22
#define KPF_ZERO_PAGE		24
#define KPF_HWPOISON		19
#define KPF_NOPAGE		20

#define PM_PRESENT		(1ULL << 63)
#define PM_SWAP			(1ULL << 62)
#define PM_UFFD_WP		(1ULL << 57)
#define PM_SOFT_DIRTY		(1ULL << 55)
#define PM_PFN_MASK		((1ULL << 55) - 1)
/* a swap entry's frame in pagemap: type in the low 5 bits, offset above
 * (MAX_SWAPFILES_SHIFT); the offset of a hwpoison entry is its pfn */
#define PM_SWP_TYPE_BITS	5

/* a status entry the kernel did not write */
#define FW_UNSET		(-999999)
#define FW_MAX_NODES		64

#define THP_SYSFS		"/sys/kernel/mm/transparent_hugepage/"
#define KSM_SYSFS		"/sys/kernel/mm/ksm/"
#define SPLIT_DEBUGFS		"/sys/kernel/debug/split_huge_pages"

static inline size_t fw_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* errno names, so that output does not depend on the C library's texts */
static inline const char *fw_errno_name(int e)
{
	static const struct { int e; const char *name; } names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
		{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
		{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { ECHILD, "ECHILD" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" },
		{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
		{ EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
		{ ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" }, { EROFS, "EROFS" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
		{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ EHWPOISON, "EHWPOISON" },
	};
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* a move_pages() status: node number, errno name or "unset" */
static inline const char *fw_status_str(int s, char *buf, size_t len)
{
	if (s == FW_UNSET)
		snprintf(buf, len, "unset");
	else if (s >= 0)
		snprintf(buf, len, "%d", s);
	else
		snprintf(buf, len, "%s", fw_errno_name(-s));
	return buf;
}

static inline long fw_move_pages(int pid, unsigned long n, void **pages,
				 const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, flags);
}

/* move_pages() status query of one address: node or -errno */
static inline int fw_status_of(void *addr)
{
	int status = FW_UNSET;

	if (fw_move_pages(0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

/* move one page: returns the syscall's value (-errno on failure) */
static inline long fw_move_one(void *addr, int node, int flags, int *status)
{
	long ret;

	*status = FW_UNSET;
	ret = fw_move_pages(0, 1, &addr, &node, status, flags);
	return ret < 0 ? -errno : ret;
}

/* the node get_mempolicy() reports for the page at addr (faults it in) */
static inline int fw_gmp_node(void *addr)
{
	int node = -1;

	if (syscall(SYS_get_mempolicy, &node, NULL, 0UL, addr,
		    MPOL_F_NODE | MPOL_F_ADDR))
		return -errno;
	return node;
}

static inline long fw_migrate_pages(int from, int to)
{
	unsigned long old_mask = 1UL << from, new_mask = 1UL << to;
	long ret;

	ret = syscall(SYS_migrate_pages, 0, 8 * sizeof(long) + 1, &old_mask,
		      &new_mask);
	return ret < 0 ? -errno : ret;
}

/*
 * move_pages() and migrate_pages() exist only with CONFIG_NUMA (not in
 * i386's or 32-bit arm's Debian configs): ENOSYS there. The probes have
 * no effect: move_pages() of no page, migrate_pages() of pid -1 (ESRCH
 * once the empty node masks are read). 1: present, 0: absent.
 */
#define FW_NO_MOVE_PAGES "no move_pages() in this kernel (CONFIG_NUMA is off)"
#define FW_NO_MIGRATE_PAGES "no migrate_pages() in this kernel (CONFIG_NUMA is off)"

static inline int fw_have_move_pages(void)
{
	return !(syscall(SYS_move_pages, 0, 0UL, NULL, NULL, NULL, 0) < 0 &&
		 errno == ENOSYS);
}

static inline int fw_have_migrate_pages(void)
{
	return !(syscall(SYS_migrate_pages, -1, 0UL, NULL, NULL) < 0 &&
		 errno == ENOSYS);
}

/* sysfs / procfs / debugfs knobs */
static inline int fw_read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	buf[0] = 0;
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static inline long fw_read_long(const char *path)
{
	char buf[64];

	if (fw_read_str(path, buf, sizeof(buf)) || !buf[0])
		return -1;
	return strtol(buf, NULL, 0);
}

/* 0 or -errno */
static inline int fw_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n, len = (ssize_t)strlen(val);

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : n == len ? 0 : -EIO;
}

static inline int fw_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return fw_write_str(path, buf);
}

/* the selected word of a sysfs "a [b] c" choice, into buf */
static inline int fw_read_choice(const char *path, char *buf, size_t len)
{
	char raw[256], *open_br, *close_br;

	if (fw_read_str(path, raw, sizeof(raw)))
		return -1;
	open_br = strchr(raw, '[');
	close_br = open_br ? strchr(open_br, ']') : NULL;
	if (!close_br)
		return -1;
	*close_br = 0;
	snprintf(buf, len, "%s", open_br + 1);
	return 0;
}

static inline size_t fw_pmd_size(void)
{
	long v = fw_read_long(THP_SYSFS "hpage_pmd_size");

	return v > 0 ? (size_t)v : 2UL << 20;
}

static inline void fw_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline long fw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Burn ms of user CPU time without touching memory (the loop lives in
 * registers; the clock is the vDSO's): what the NUMA scanner needs, as it
 * runs from the ticks of a task running in user space.
 */
static inline void fw_spin_ms(long ms)
{
	long end = fw_now_ms() + ms;
	unsigned int i;

	do {
		for (i = 0; i < 100000; i++)
			__asm__ volatile("");
	} while (fw_now_ms() < end);
}

/*
 * The number after "key<sep>" on the first line of path that starts so
 * (/proc/meminfo: "MemFree:   N kB", sep ':'; /proc/vmstat: "key N", sep
 * ' '), or -1 when there is none
 */
static inline long fw_proc_value(const char *path, const char *key, char sep)
{
	char line[128];
	size_t klen = strlen(key);
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == sep) {
			val = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

/* the value of key in /proc/vmstat, or -1 when it has none */
static inline long fw_vmstat(const char *key)
{
	return fw_proc_value("/proc/vmstat", key, ' ');
}

static inline uintptr_t fw_align_up(uintptr_t v, size_t align)
{
	return (v + align - 1) & ~((uintptr_t)align - 1);
}

/* what fw_map() reserved: munmap(start, len) releases all of it */
struct fw_span {
	char *start;
	size_t len;
};

/*
 * Map len bytes at an align-aligned address with a hole of exactly guard
 * bytes before and after it, so that the mapping is its own VMA and the
 * addresses just before and just past it are unmapped. At least guard
 * bytes of the reservation stay mapped PROT_NONE on either side of the
 * holes, so no later mapping (a thread stack, say) can grow into them.
 * The reservation starts at hint where the kernel takes it as one (NULL:
 * anywhere). Returns MAP_FAILED with errno set on failure.
 */
static inline void *fw_map_hint(void *hint, size_t len, size_t align, size_t guard,
				int prot, int flags, int fd, struct fw_span *span)
{
	size_t total = len + align + 4 * guard;
	char *raw, *p;
	void *q;
	int err;

	raw = mmap(hint, total, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	p = (char *)fw_align_up((uintptr_t)raw + 2 * guard, align);
	munmap(p - guard, len + 2 * guard);
	q = mmap(p, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
	if (q != MAP_FAILED && q != p) {	/* kernel without NOREPLACE */
		munmap(q, len);
		q = MAP_FAILED;
		errno = EEXIST;
	}
	if (q == MAP_FAILED) {
		err = errno;
		munmap(raw, total);
		errno = err;
		return MAP_FAILED;
	}
	span->start = raw;
	span->len = total;
	return q;
}

/* fw_map_hint() wherever the kernel puts it */
static inline void *fw_map(size_t len, size_t align, size_t guard, int prot,
			   int flags, int fd, struct fw_span *span)
{
	return fw_map_hint(NULL, len, align, guard, prot, flags, fd, span);
}

/* pagemap entries of npages pages from addr; 0 or -errno */
static inline int fw_pagemap(const void *addr, size_t npages, uint64_t *out)
{
	size_t ps = fw_page_size();
	off_t off = (off_t)((uintptr_t)addr / ps * 8);
	size_t want = npages * 8;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, out, want, off);
	close(fd);
	return n == (ssize_t)want ? 0 : -EIO;
}

/* kpageflags of n consecutive pfns; 0 or -errno */
static inline int fw_kpageflags(int fd, uint64_t pfn, size_t n, uint64_t *out)
{
	ssize_t got = pread(fd, out, n * 8, (off_t)(pfn * 8));

	return got == (ssize_t)(n * 8) ? 0 : -EIO;
}

/* kpageflags of the page mapped at addr: 0 when not present, -1 on error */
static inline int64_t fw_page_flags(const void *addr)
{
	uint64_t pm, flags;
	int fd;

	if (fw_pagemap(addr, 1, &pm))
		return -1;
	if (!(pm & PM_PRESENT) || !(pm & PM_PFN_MASK))
		return 0;
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return -1;
	if (fw_kpageflags(fd, pm & PM_PFN_MASK, 1, &flags))
		flags = (uint64_t)-1;
	close(fd);
	return (int64_t)flags;
}

/* a "Field:   N kB" value of /proc/meminfo, or -1 */
static inline long fw_meminfo_kb(const char *field)
{
	return fw_proc_value("/proc/meminfo", field, ':');
}

/* a "Field:   N kB" value of the smaps entry of the VMA at addr, or -1 */
static inline long fw_smaps_kb(const void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long a = (unsigned long)addr, start, end;
	size_t flen = strlen(field);
	char line[512];
	int in_vma = 0;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in_vma)
				break;
			in_vma = a >= start && a < end;
		} else if (in_vma && !strncmp(line, field, flen) &&
			   line[flen] == ':') {
			kb = strtol(line + flen + 1, NULL, 10);
		}
	}
	fclose(f);
	return kb;
}

/* the VMA of /proc/self/maps whose name is name ("[vdso]"); 0 if found */
static inline int fw_find_vma(const char *name, char **start, size_t *len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long s, e;
	char line[512];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%lx-%lx", &s, &e) != 2)
			continue;
		if (strlen(line) > strlen(name) &&
		    !strcmp(line + strlen(line) - strlen(name), name)) {
			*start = (char *)s;
			*len = e - s;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* parse a node list ("0-1,3") into nodes[]; returns the count */
static inline int fw_parse_list(const char *s, int *out, int max)
{
	int n = 0, a, b;
	char *end;

	while (*s && n < max) {
		a = (int)strtol(s, &end, 10);
		if (end == s)
			break;
		b = a;
		if (*end == '-')
			b = (int)strtol(end + 1, &end, 10);
		while (a <= b && n < max)
			out[n++] = a++;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* the nodes with memory (node 0 alone when the kernel has no NUMA) */
static inline int fw_memory_nodes(int *nodes, int max)
{
	char buf[256];
	int n = 0;

	if (!fw_read_str("/sys/devices/system/node/has_memory", buf, sizeof(buf)) ||
	    !fw_read_str("/sys/devices/system/node/online", buf, sizeof(buf)))
		n = fw_parse_list(buf, nodes, max);
	if (n <= 0) {
		nodes[0] = 0;
		n = 1;
	}
	return n;
}

/* run on the first CPU of node, so that new memory comes from node */
static inline int fw_pin_to_node(int node)
{
	char path[96], buf[256];
	int cpus[1];
	cpu_set_t set;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist",
		 node);
	if (fw_read_str(path, buf, sizeof(buf)) ||
	    fw_parse_list(buf, cpus, 1) != 1)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpus[0], &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpus[0];
}

/* KSM: the knobs the programs change, to put them back at the end */
struct fw_ksm_saved {
	int valid;
	long run, pages_to_scan, sleep_millisecs;
};

static inline int fw_ksm_available(void)
{
	return access(KSM_SYSFS "run", W_OK) == 0;
}

static inline void fw_ksm_save(struct fw_ksm_saved *s)
{
	s->run = fw_read_long(KSM_SYSFS "run");
	s->pages_to_scan = fw_read_long(KSM_SYSFS "pages_to_scan");
	s->sleep_millisecs = fw_read_long(KSM_SYSFS "sleep_millisecs");
	s->valid = s->run >= 0 && s->pages_to_scan > 0 &&
		   s->sleep_millisecs >= 0;
}

static inline void fw_ksm_restore(const struct fw_ksm_saved *s)
{
	if (!s->valid)
		return;
	/* never write 2 back: that would unmerge every process's pages */
	fw_write_long(KSM_SYSFS "run", s->run == 1 ? 1 : 0);
	fw_write_long(KSM_SYSFS "pages_to_scan", s->pages_to_scan);
	fw_write_long(KSM_SYSFS "sleep_millisecs", s->sleep_millisecs);
}

/* let ksmd run flat out */
static inline int fw_ksm_start(void)
{
	fw_write_long(KSM_SYSFS "pages_to_scan", 10000);
	fw_write_long(KSM_SYSFS "sleep_millisecs", 0);
	return fw_write_long(KSM_SYSFS "run", 1);
}

static inline void fw_ksm_stop(void)
{
	fw_write_long(KSM_SYSFS "run", 0);
}

/*
 * Wait until ksmd completed nscans more full scans, at most timeout_ms;
 * ksmd must be running. 0 when it did, -ETIMEDOUT otherwise.
 */
static inline int fw_ksm_wait_scans(long nscans, long timeout_ms)
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

#endif /* FW_UTIL_H */
