// SPDX-License-Identifier: GPL-2.0
/* lib/setup_file.c: setups of file, special, untouched and hole kinds */
#define _GNU_SOURCE
#include "fw.h"

int fw_open_tmp_file(struct fw_region *r)
{
	char path[] = "/tmp/fw_diff.XXXXXX";
	struct statfs sfs;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (!fstatfs(fd, &sfs))
		snprintf(r->note, sizeof(r->note), "fs=%s",
			 sfs.f_type == FW_TMPFS_MAGIC ? "tmpfs" : "other");
	return fd;
}

int fw_fill_file(struct fw_region *r, int fd, size_t len)
{
	size_t ps = fw_env.page_sz, pg, w;
	uint64_t *buf = malloc(ps);
	int ret = 0;

	if (!buf || ftruncate(fd, (off_t)len))
		ret = -1;
	for (pg = 0; !ret && pg < len / ps; pg++) {
		for (w = 0; w < ps / 8; w++)
			buf[w] = fw_pattern_word(r->seed, pg, w);
		if (pwrite(fd, buf, ps, (off_t)(pg * ps)) != (ssize_t)ps)
			ret = -1;
	}
	free(buf);
	return ret;
}

/* memfd_* and tmpfs_*: a file written with the pattern, mapped, read */
int fw_setup_file(struct fw_region *r)
{
	unsigned long arg = r->kind->arg;
	int fd;

	fd = arg & FW_F_TMPFS ? fw_open_tmp_file(r) : memfd_create("fw_diff", 0);
	if (fd < 0)
		return fw_unavailable(r, "%s_%s", arg & FW_F_TMPFS ? "open" : "memfd",
				      fw_errno_name(errno));
	r->fd = fd;
	if (fw_fill_file(r, fd, r->len))
		return fw_unavailable(r, "write_%s", fw_errno_name(errno));
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  arg & FW_F_SHARED ? MAP_SHARED : MAP_PRIVATE, fd))
		return -1;
	r->pat = FW_PAT_DATA;
	fw_touch_read(r, fw_env.page_sz);
	return 0;
}

/* hole: mapped and unmapped again, between guard pages: no VMA */
int fw_setup_hole(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	munmap(r->addr, r->len);
	r->prot = -1;
	r->pat = FW_PAT_NONE;
	return 0;
}

/* untouched: mapped and never touched: no page table entry at all */
int fw_setup_untouched(struct fw_region *r)
{
	if (fw_region_map(r, fw_env.page_sz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1))
		return -1;
	madvise(r->addr, r->len, MADV_NOHUGEPAGE);
	r->pat = FW_PAT_NONE;
	return 0;
}

static sigjmp_buf fw_probe_env;

void fw_probe_fault(int sig)
{
	siglongjmp(fw_probe_env, sig);
}

/* read one byte of every page that can be read; returns how many could */
int fw_probe_read(const struct fw_region *r)
{
	struct sigaction sa = { .sa_handler = fw_probe_fault }, old_bus, old_segv;
	volatile int readable = 0;
	volatile size_t off;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	for (off = 0; off < r->len; off += fw_env.page_sz) {
		if (sigsetjmp(fw_probe_env, 1))
			continue;
		(void)*(volatile char *)(r->addr + off);
		readable++;
	}
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return readable;
}

/* [vdso] / [vvar]: special mappings every process has (the length is theirs) */
int fw_setup_special(struct fw_region *r)
{
	int vvar = r->kind->arg == FW_SPECIAL_VVAR;
	struct timespec ts;

	if (fw_find_vma(vvar ? "[vvar]" : "[vdso]", &r->addr, &r->len))
		return fw_unavailable(r, "no_%s", vvar ? "vvar" : "vdso");
	r->prot = -1;
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* the vDSO reads [vvar] */
	snprintf(r->note, sizeof(r->note), "readable_pages=%d", fw_probe_read(r));
	if (!vvar) {
		r->copy = malloc(r->len);
		if (!r->copy)
			return fw_unavailable(r, "malloc");
		memcpy(r->copy, r->addr, r->len);
		r->pat = FW_PAT_COPY;
	}
	return 0;
}
