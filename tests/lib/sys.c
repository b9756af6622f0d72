// SPDX-License-Identifier: GPL-2.0
/* lib/sys.c: system calls without libnuma, errno names, sysfs/proc knobs, time, guarded mappings, NUMA nodes */
#define _GNU_SOURCE
#include "fw.h"

size_t fw_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* errno names, so that output does not depend on the C library's texts */
const char *fw_errno_name(int e)
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
const char *fw_status_str(int s, char *buf, size_t len)
{
	if (s == FW_UNSET)
		snprintf(buf, len, "unset");
	else if (s >= 0)
		snprintf(buf, len, "%d", s);
	else
		snprintf(buf, len, "%s", fw_errno_name(-s));
	return buf;
}

long fw_move_pages(int pid, unsigned long n, void **pages,
				 const int *nodes, int *status, int flags)
{
	return syscall(SYS_move_pages, pid, n, pages, nodes, status, flags);
}

/* move_pages() status query of one address: node or -errno */
int fw_status_of(void *addr)
{
	int status = FW_UNSET;

	if (fw_move_pages(0, 1, &addr, NULL, &status, 0))
		return -errno;
	return status;
}

/* move one page: returns the syscall's value (-errno on failure) */
long fw_move_one(void *addr, int node, int flags, int *status)
{
	long ret;

	*status = FW_UNSET;
	ret = fw_move_pages(0, 1, &addr, &node, status, flags);
	return ret < 0 ? -errno : ret;
}

/* the node get_mempolicy() reports for the page at addr (faults it in) */
int fw_gmp_node(void *addr)
{
	int node = -1;

	if (syscall(SYS_get_mempolicy, &node, NULL, 0UL, addr,
		    MPOL_F_NODE | MPOL_F_ADDR))
		return -errno;
	return node;
}

long fw_migrate_pages(int from, int to)
{
	unsigned long old_mask = 1UL << from, new_mask = 1UL << to;
	long ret;

	ret = syscall(SYS_migrate_pages, 0, 8 * sizeof(long) + 1, &old_mask,
		      &new_mask);
	return ret < 0 ? -errno : ret;
}

int fw_have_move_pages(void)
{
	return !(syscall(SYS_move_pages, 0, 0UL, NULL, NULL, NULL, 0) < 0 &&
		 errno == ENOSYS);
}

int fw_have_migrate_pages(void)
{
	return !(syscall(SYS_migrate_pages, -1, 0UL, NULL, NULL) < 0 &&
		 errno == ENOSYS);
}

/* sysfs / procfs / debugfs knobs */
int fw_read_str(const char *path, char *buf, size_t len)
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

long fw_read_long(const char *path)
{
	char buf[64];

	if (fw_read_str(path, buf, sizeof(buf)) || !buf[0])
		return -1;
	return strtol(buf, NULL, 0);
}

/* 0 or -errno */
int fw_write_str(const char *path, const char *val)
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

/* split the THPs of pid in [start, end); 0 or -errno (fw_write_str) */
int fw_split_range(int pid, const void *start, const void *end, char *cmd)
{
	char buf[FW_SPLIT_CMD];

	if (!cmd)
		cmd = buf;
	snprintf(cmd, FW_SPLIT_CMD, "%d,0x%lx,0x%lx", pid, (unsigned long)start,
		 (unsigned long)end);
	return fw_write_str(SPLIT_DEBUGFS, cmd);
}

int fw_write_long(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return fw_write_str(path, buf);
}

/* the selected word of a sysfs "a [b] c" choice, into buf */
int fw_read_choice(const char *path, char *buf, size_t len)
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

size_t fw_pmd_size(void)
{
	long v = fw_read_long(THP_SYSFS "hpage_pmd_size");

	return v > 0 ? (size_t)v : 2UL << 20;
}

void fw_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

long fw_now_ms(void)
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
void fw_spin_ms(long ms)
{
	long end = fw_now_ms() + ms;
	unsigned int i;

	do {
		for (i = 0; i < 100000; i++)
			__asm__ volatile("");
	} while (fw_now_ms() < end);
}

/*
 * The numbers after "key<sep>" on the first line of path that starts so,
 * for n keys in one pass (/proc/meminfo: "MemFree:   N kB", sep ':';
 * /proc/vmstat and a node's vmstat: "key N", sep ' '; a node's meminfo:
 * "Node 0 MemFree:   N kB", the "Node N " skipped), -1 for a key that has
 * none; returns how many keys were found (n <= 64)
 */
int fw_proc_values(const char *path, char sep, const char *const *keys,
		   int n, long *vals)
{
	unsigned long long seen = 0;
	int i, found = 0;
	char line[256];
	FILE *f;
	char *p;

	for (i = 0; i < n; i++)
		vals[i] = -1;
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (found < n && fgets(line, sizeof(line), f)) {
		p = line;
		if (!strncmp(p, "Node ", 5) && strchr(p + 5, ' '))
			p = strchr(p + 5, ' ') + 1;
		for (i = 0; i < n; i++) {
			size_t klen = strlen(keys[i]);

			if (!(seen & (1ULL << i)) && !strncmp(p, keys[i], klen) &&
			    p[klen] == sep) {
				vals[i] = strtol(p + klen + 1, NULL, 10);
				seen |= 1ULL << i;
				found++;
			}
		}
	}
	fclose(f);
	return found;
}

/* fw_proc_values() of one key: its value, or -1 when path has none */
long fw_proc_value(const char *path, const char *key, char sep)
{
	long val;

	fw_proc_values(path, sep, &key, 1, &val);
	return val;
}

uintptr_t fw_align_up(uintptr_t v, size_t align)
{
	return (v + align - 1) & ~((uintptr_t)align - 1);
}

/*
 * Map len bytes at an align-aligned address with a hole of exactly guard
 * bytes before and after it, so that the mapping is its own VMA and the
 * addresses just before and just past it are unmapped. At least guard
 * bytes of the reservation stay mapped PROT_NONE on either side of the
 * holes, so no later mapping (a thread stack, say) can grow into them.
 * The reservation starts at hint where the kernel takes it as one (NULL:
 * anywhere). Returns MAP_FAILED with errno set on failure.
 */
void *fw_map_hint(void *hint, size_t len, size_t align, size_t guard,
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
void *fw_map(size_t len, size_t align, size_t guard, int prot,
			   int flags, int fd, struct fw_span *span)
{
	return fw_map_hint(NULL, len, align, guard, prot, flags, fd, span);
}

/* pagemap entries of npages pages from addr; 0 or -errno */
int fw_pagemap(const void *addr, size_t npages, uint64_t *out)
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

/* the nodes with memory (node 0 alone when the kernel has no NUMA) */
int fw_memory_nodes(int *nodes, int max)
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
int fw_pin_to_node(int node)
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
