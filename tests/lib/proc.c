// SPDX-License-Identifier: GPL-2.0
/* lib/proc.c: /proc readers: pagemap, kpageflags, vmstat and other key-value files, meminfo, smaps, maps */
#define _GNU_SOURCE
#include "fw.h"

/* the value of key in /proc/vmstat, or -1 when it has none */
long fw_vmstat(const char *key)
{
	return fw_proc_value("/proc/vmstat", key, ' ');
}

/* kpageflags of n consecutive pfns; 0 or -errno */
int fw_kpageflags(int fd, uint64_t pfn, size_t n, uint64_t *out)
{
	ssize_t got = pread(fd, out, n * 8, (off_t)(pfn * 8));

	return got == (ssize_t)(n * 8) ? 0 : -EIO;
}

/*
 * The pfn /proc/self/pagemap reports at addr (in base pages), 0 when the
 * page is not present or pagemap cannot be read; pagemap_fd: an open
 * /proc/self/pagemap, or -1 to open it for this call
 */
uint64_t fw_pfn_at(int pagemap_fd, const void *addr)
{
	uint64_t pm;

	if (pagemap_fd < 0) {
		if (fw_pagemap(addr, 1, &pm))
			return 0;
	} else if (pread(pagemap_fd, &pm, 8,
			 (off_t)((uintptr_t)addr / fw_page_size() * 8)) != 8) {
		return 0;
	}
	return pm & PM_PRESENT ? pm & PM_PFN_MASK : 0;
}

/* the /proc/kpageflags word of pfn (kpageflags_fd open on it), 0 when unreadable */
uint64_t fw_kpf_of(int kpageflags_fd, uint64_t pfn)
{
	uint64_t f;

	return fw_kpageflags(kpageflags_fd, pfn, 1, &f) ? 0 : f;
}

/* kpageflags of the page mapped at addr: 0 when not present, -1 on error */
int64_t fw_page_flags(const void *addr)
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
long fw_meminfo_kb(const char *field)
{
	return fw_proc_value("/proc/meminfo", field, ':');
}

/* a "Field:   N kB" value of the smaps entry of the VMA at addr, or -1 */
long fw_smaps_kb(const void *addr, const char *field)
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

/*
 * Whether the VMA at addr has flag (two letters of smaps' VmFlags: "pf"
 * for VM_PFNMAP, "mm" for VM_MIXEDMAP): 1 or 0; -1 when no VMA or no
 * VmFlags line was found.
 */
int fw_vma_has_flag(const void *addr, const char *flag)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long a = (unsigned long)addr, start, end;
	char line[512], *tok, *save;
	int in_vma = 0, ret = -1;

	if (!f)
		return -1;
	while (ret < 0 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			if (in_vma)
				break;
			in_vma = a >= start && a < end;
		} else if (in_vma && !strncmp(line, "VmFlags:", 8)) {
			ret = 0;
			for (tok = strtok_r(line + 8, " \n", &save); tok;
			     tok = strtok_r(NULL, " \n", &save))
				ret |= !strcmp(tok, flag);
		}
	}
	fclose(f);
	return ret;
}

/* the VMA of /proc/self/maps whose name is name ("[vdso]"); 0 if found */
int fw_find_vma(const char *name, char **start, size_t *len)
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
int fw_parse_list(const char *s, int *out, int max)
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
