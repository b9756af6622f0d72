/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fw.h: the library of the foliowalk guest programs (tests/lib/, built
 * once into libfw.a and linked by fw_demo, fw_diff, fw_memcheck,
 * fw_oracle, fw_race, fw_split and bench/fw_bench): its constants, types
 * and prototypes. The .c files are by subject: system calls and knobs
 * (sys.c), /proc readers (proc.c), KSM (ksm.c), data patterns
 * (pattern.c), a region's page facts (region.c), memory cgroups
 * (memcg.c), the table of kinds and its lookup (kinds.c) and the setups
 * of the kinds by family (setup_*.c).
 *
 * The kinds: one table (fw_kind_defs[] in kinds.c) that fw_diff, fw_race,
 * fw_oracle and fw_demo walk. A kind is defined there once: its name, how
 * an instance is set up (fw_region_setup()) and torn down
 * (fw_region_release()), and what it is expected to be (FW_K_* flags, the
 * level and the folio order of the entries that map it); FW_USE_* says
 * which programs (and which fw_diff operations) use it. What a program
 * does with a kind (the operations it runs, the partners it races it
 * against, what it asserts) stays in the program.
 *
 * A kind that cannot be set up here (no THP, an empty hugetlb pool, no
 * KSM, ...) is "unavailable": fw_region_setup() returns -1 with the reason
 * in region.why, naming what is missing. Nothing is skipped silently.
 *
 * Populated kinds hold a data pattern derived from the kind's name
 * (fw_region_data() checks it): pages 2k and 2k+1 are identical, so that
 * KSM has something to merge. Include after "#define _GNU_SOURCE"; call
 * fw_kinds_init() once, after the program changed the THP/KSM knobs it
 * changes (the kinds' availability reads them).
 */
#ifndef FW_H
#define FW_H

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

#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>

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
#define KPF_COMPOUND_HEAD	15
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

/*
 * move_pages() and migrate_pages() exist only with CONFIG_NUMA (not in
 * i386's or 32-bit arm's Debian configs): ENOSYS there. The probes have
 * no effect: move_pages() of no page, migrate_pages() of pid -1 (ESRCH
 * once the empty node masks are read). 1: present, 0: absent.
 */
#define FW_NO_MOVE_PAGES "no move_pages() in this kernel (CONFIG_NUMA is off)"
#define FW_NO_MIGRATE_PAGES "no migrate_pages() in this kernel (CONFIG_NUMA is off)"

/*
 * The reason code a SKIP starts with (KTAP: "ok N name # SKIP CODE text";
 * the kselftest harness prints "ok N # SKIP CODE text"), one word the lab
 * matches against the arch's NOT_HERE (configs/arch/ARCH.sh, lab/check.sh):
 *  FW_ABSENT(X)	this kernel or machine has no X: a Kconfig symbol
 *			where there is one (HUGETLBFS, NUMA_BALANCING), else
 *			what is missing (VA_SPACE, SECOND_NODE). n/a where
 *			NOT_HERE names the test with this code, a failure
 *			anywhere else.
 *  FW_UNAVAILABLE(X)	X could not be set up (out of memory, a pool too
 *			small, a syscall that failed): always a failure.
 */
#define FW_ABSENT(X)		"absent:" #X " "
#define FW_UNAVAILABLE(X)	"unavailable:" #X " "
#define FW_SKIP_NO_MOVE_PAGES	FW_ABSENT(NUMA) FW_NO_MOVE_PAGES
#define FW_SKIP_NO_MIGRATE_PAGES FW_ABSENT(NUMA) FW_NO_MIGRATE_PAGES

/* what fw_map() reserved: munmap(start, len) releases all of it */
struct fw_span {
	char *start;
	size_t len;
};

/* KSM: the knobs the programs change, to put them back at the end */
struct fw_ksm_saved {
	int valid;
	long run, pages_to_scan, sleep_millisecs;
};

#define FW_SMALL_PAGES		8		/* default pages of the 4K kinds */
#define FW_SPARSE_LIMIT		(64UL << 20)	/* larger: check the ends of pages */
#define FW_SPARSE_WORDS		8
#define FW_KSM_TIMEOUT_MS	60000
#define FW_TMPFS_MAGIC		0x01021994
#define FW_MAX_KINDS		64
#define FW_MAX_HUGETLB_SIZES	8
#define FW_CG2_MNT		"/tmp/fw-cg2"	/* cgroup2, mounted while a memcg exists */
#define FW_NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"
#define FW_NUMA_HINT_TIMEOUT_MS	90000	/* for the scanner to pass over a numa_hint kind */

/* What a kind is (struct fw_kind.flags). */
#define FW_K_POPULATED	(1 << 0)	/* present normal memory: it has a node */
#define FW_K_THP	(1 << 1)	/* a THP that split_huge_pages must split */
#define FW_K_CHILD	(1 << 2)	/* used in a forked child: COW-shared */
#define FW_K_HOLE	(1 << 3)	/* no VMA at all: EFAULT everywhere */
#define FW_K_MERGES	(1 << 4)	/* private anonymous data KSM must merge and unmerge */
#define FW_K_HUGETLB	(1 << 5)	/* hugetlb, of size arg */
#define FW_K_ZERO	(1 << 6)	/* the shared zero page or the huge zero page */
#define FW_K_KSM	(1 << 7)	/* merged by ksmd at setup */
#define FW_K_FILE	(1 << 8)	/* a mapping of a shmem/tmpfs file */
#define FW_K_SHARED	(1 << 9)	/* MAP_SHARED */
#define FW_K_PROT_NONE	(1 << 10)	/* written, then mprotect(PROT_NONE) */
#define FW_K_UNTOUCHED	(1 << 11)	/* a VMA with nothing mapped in it */
#define FW_K_SPECIAL	(1 << 12)	/* a special mapping: [vdso], [vvar] */
#define FW_K_THP_ADVISED (1 << 13)	/* MADV_HUGEPAGE kept: THPs when the kernel gives them */
#define FW_K_SWAPPED	(1 << 14)	/* written, then swapped out: swap entries, no folio mapped */
#define FW_K_SWAPCACHE	(1 << 15)	/* swapped out and read back: mapped from the swap cache */
#define FW_K_HIGH	(1 << 16)	/* above 128 TiB (x86_64 5-level page tables) */
#define FW_K_HWPOISON	(1 << 17)	/* hwpoison entries (MADV_HWPOISON): reading is SIGBUS */
#define FW_K_UFFD_WP	(1 << 18)	/* uffd-wp write-protected, zapped: PTE markers */
#define FW_K_SOFT_DIRTY	(1 << 19)	/* swap entries that keep the soft-dirty bit */
#define FW_K_DAX	(1 << 20)	/* DAX (device, filesystem): ZONE_DEVICE pages, devmap entries */
#define FW_K_SECRET	(1 << 21)	/* memfd_secret(): out of the kernel's direct map */
#define FW_K_MEMCG	(1 << 22)	/* charged to a memcg over its memory.max: part swapped */
#define FW_K_NUMA_HINT	(1 << 23)	/* written, then the NUMA scanner made its entries PROT_NONE */
#define FW_K_BOUNDARY	(1 << 24)	/* a VMA across a level boundary, one side empty */

/* Who uses a kind (struct fw_kind.uses). */
#define FW_USE_DIFF	(1 << 0)	/* fw_diff: every per-kind operation */
#define FW_USE_BATCH	(1 << 1)	/* fw_diff: part of the mixed move_pages() batches */
#define FW_USE_MOVE_ALL	(1 << 2)	/* fw_diff: moved with MPOL_MF_MOVE_ALL too */
#define FW_USE_ORACLE	(1 << 3)	/* fw_oracle */
#define FW_USE_RACE	(1 << 4)	/* fw_race */
#define FW_USE_DEMO	(1 << 5)	/* fw_demo */
#define FW_USE_DIFF_HINT (1 << 6)	/* fw_diff: status, move, split_huge_pages (NUMA-hinting kinds) */

/*
 * The level of the entries that map a kind (struct fw_kind.level); not the
 * kernel's FW_LEVEL_* (enum folio_walk_level) nor the test interface's
 * FWT_LEVEL_* (mm/folio_walk_test.h), which have no "nothing mapped".
 */
enum fw_mapped_by { FW_MAPPED_NONE, FW_MAPPED_BY_PTE, FW_MAPPED_BY_PMD, FW_MAPPED_BY_PUD };

/* The folio order of a kind (struct fw_kind.order); fw_kind_order(). */
enum fw_order {
	FW_ORDER_ANY,		/* whatever the page cache gives */
	FW_ORDER_PAGE,		/* order 0 */
	FW_ORDER_PMD,		/* a PMD-sized folio */
	FW_ORDER_SIZE,		/* the hugetlb page size, arg */
	FW_ORDER_NONE,		/* nothing is mapped */
};

/* The size a PUD entry maps: 2G on s390x (region-third), else 1G. */
#ifdef __s390x__
#define FW_PUD_BYTES	(2UL << 30)
#else
#define FW_PUD_BYTES	(1UL << 30)
#endif

/* arguments of the setups */
#define FW_THP_PMD	0
#define FW_THP_PTE	1
#define FW_THP_PROTNONE	2
#define FW_THP_NUMA_HINT 3
#define FW_F_SHARED	1
#define FW_F_TMPFS	2
#define FW_ANON_PROTNONE 1
#define FW_ANON_NUMA_HINT 2
#define FW_SPECIAL_VDSO	0
#define FW_SPECIAL_VVAR	1

enum fw_pattern { FW_PAT_NONE, FW_PAT_ZERO, FW_PAT_DATA, FW_PAT_COPY };

struct fw_kind;

/**
 * struct fw_memcg - a child memory cgroup of cgroup2 at FW_CG2_MNT
 * @dir:	its directory; "" when there is none
 * @mounted:	FW_CG2_MNT was mounted for it
 * @enabled:	"+memory" was written to the root's cgroup.subtree_control
 * @joined:	the process is in it
 * @origin:	the cgroup the process was in, relative to the cgroup2 root
 *		("/" or, in make stress, the cgroup the races run in), which
 *		fw_memcg_move() goes back to
 */
struct fw_memcg {
	char dir[96];
	int mounted, enabled, joined;
	char origin[96];
};

/**
 * struct fw_region - one instance of a kind, set up by fw_region_setup()
 * @kind:	its kind
 * @addr:	where it starts
 * @len:	its length in bytes
 * @prot:	the protection it keeps; -1: not ours (hole, special)
 * @guarded:	ours, with an unmapped guard page before and after it
 * @span:	what fw_region_release() unmaps
 * @fd:		the file behind it, or -1
 * @pat:	what its data is (FW_PAT_*)
 * @seed:	the seed of its data pattern (from the kind's name)
 * @copy:	FW_PAT_COPY: its contents at setup
 * @note:	more setup facts, printed by fw_diff ("fs=tmpfs")
 * @uffd:	the userfaultfd that write-protects it (uffd_wp kinds), or -1
 * @memcg:	the memory cgroup it is charged to (memcg kinds), kept until
 *		fw_region_release()
 * @numa_saved:	numa_hint kinds: kernel.numa_balancing before the setup
 *		(which leaves it 0), put back by fw_region_release(); valid
 *		when @numa_changed
 * @numa_changed: the setup changed kernel.numa_balancing
 * @numa_cpus:	numa_hint kinds: the CPUs the process may run on, while the
 *		setup keeps it on one (put back by its end or by
 *		fw_region_release()); valid when @numa_pinned
 * @numa_pinned: the setup pinned the process to one CPU
 * @data_off:	where in it the data pattern starts, in bytes (boundary
 *		kinds: at their written pages)
 * @data_len:	how many bytes of it hold the pattern; 0: all from
 *		@data_off (every other kind)
 * @why:	why it is unavailable; "" when it was set up
 */
struct fw_region {
	const struct fw_kind *kind;
	char *addr;
	size_t len;
	int prot;
	int guarded;
	struct fw_span span;
	int fd;
	enum fw_pattern pat;
	unsigned int seed;
	unsigned char *copy;
	char note[32];
	int uffd;
	struct fw_memcg memcg;
	long numa_saved;
	int numa_changed;
	cpu_set_t numa_cpus;
	int numa_pinned;
	size_t data_off, data_len;
	char why[64];
};

/**
 * struct fw_kind - a kind of mapping: one entry of the table
 * @name:	what it is, as the programs print it ("anon4k", "thp_pmd",
 *		"hugetlb_2M", ...); tests/expected-differences.txt matches
 *		fw_diff's lines by it
 * @setup:	sets an instance up in a zeroed region whose len is the
 *		length asked for (0: the kind's own, @pages or the THP or
 *		huge page size); 0, or -1 with region.why set
 * @arg:	the setup's argument (FW_THP_*, FW_F_*, the hugetlb size)
 * @pages:	the default length in pages; 0: one PMD (THP kinds), one
 *		huge page (hugetlb), the VMA (special mappings)
 * @flags:	what it is: FW_K_*
 * @level:	the level of the entries that map it (FW_LEVEL_*; hugetlb:
 *		from the size, see fw_kinds_init())
 * @order:	the order of its folios (FW_ORDER_*, fw_kind_order())
 * @uses:	who uses it: FW_USE_*
 *
 * Teardown is the same for every kind, fw_region_release(): it unmaps
 * what the setup mapped (with its guard pages), closes the file and frees
 * the copy. The hugetlb entry of fw_kind_defs[] is a template that
 * fw_kinds_init() turns into one kind per size in /sys/kernel/mm/hugepages.
 */
struct fw_kind {
	char name[48];
	int (*setup)(struct fw_region *r);
	unsigned long arg;
	unsigned int pages;
	unsigned int flags;
	enum fw_mapped_by level;
	enum fw_order order;
	unsigned int uses;
};

/* what fw_kinds_init() found out about the machine */
struct fw_kinds_env {
	size_t page_sz, pmd_sz;
	int thp_sysfs;		/* the kernel has THP (transparent_hugepage/ exists) */
	int thp;		/* ... and THP "enabled" is not "never" */
	int ksm;		/* ksm/run is writable */
	int hugetlb;		/* /sys/kernel/mm/hugepages exists */
};

extern struct fw_kinds_env fw_env;
extern struct fw_kind fw_kinds[FW_MAX_KINDS];
extern int fw_nr_kinds;

/* pagemap + kpageflags facts of a region, in 4K pages */
struct fw_pstat {
	long pages, present, anon, thp, huge, ksm, zero;
	int flags_ok;
};

int fw_unavailable(struct fw_region *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* the counters ksmd stops changing when it has done its work */
struct fw_ksm_counts {
	long shared, sharing;
};

/* a 64-bit unsigned long: addresses above 4 GiB exist */
#define FW_64BIT		(ULONG_MAX > 0xffffffffUL)

#if FW_64BIT
/* 128 TiB: the top of a 4-level (47-bit) user address space */
#define FW_ABOVE_128T		(1UL << 47)
/* where anon4k_above_128t asks for its reservation: 4 PiB, as a 5-level
 * x86_64 hands out to a hint there (a 4-level kernel ignores the hint) */
#define FW_HIGH_HINT		(1UL << 52)
#else
/* 32-bit: nothing is above 128 TiB (the setup says so before using these) */
#define FW_ABOVE_128T		ULONG_MAX
#define FW_HIGH_HINT		0UL
#endif

#ifndef MADV_HWPOISON
#define MADV_HWPOISON	100
#endif

/* the boundary kinds (lib/setup_boundary.c says what they are) */
#define FW_BOUNDARY_PAGES	64		/* written pages of a boundary kind */
#define FW_BOUNDARY_REACH	(4UL << 20)	/* its VMA: so far on either side of B */
#define FW_BOUNDARY_END		0x100		/* arg: the pages before B, the empty block after */
#define FW_BOUNDARY_SHIFT(arg)	((unsigned int)(arg) & 0xff)
#define FW_BOUNDARY_FLOOR	(1UL << 20)	/* nothing of theirs below */

/* sys.c: system calls without libnuma, errno names, sysfs/proc knobs, time, guarded mappings, NUMA nodes */
size_t fw_page_size(void);
const char *fw_errno_name(int e);
const char *fw_status_str(int s, char *buf, size_t len);
long fw_move_pages(int pid, unsigned long n, void **pages,
				 const int *nodes, int *status, int flags);
int fw_status_of(void *addr);
long fw_move_one(void *addr, int node, int flags, int *status);
int fw_gmp_node(void *addr);
long fw_migrate_pages(int from, int to);
int fw_have_move_pages(void);
int fw_have_migrate_pages(void);
int fw_read_str(const char *path, char *buf, size_t len);
long fw_read_long(const char *path);
int fw_write_str(const char *path, const char *val);
int fw_write_long(const char *path, long val);
int fw_read_choice(const char *path, char *buf, size_t len);
size_t fw_pmd_size(void);
void fw_sleep_ms(long ms);
long fw_now_ms(void);
void fw_spin_ms(long ms);
long fw_proc_value(const char *path, const char *key, char sep);
int fw_proc_values(const char *path, char sep, const char *const *keys,
		   int n, long *vals);
uintptr_t fw_align_up(uintptr_t v, size_t align);
void *fw_map_hint(void *hint, size_t len, size_t align, size_t guard,
				int prot, int flags, int fd, struct fw_span *span);
void *fw_map(size_t len, size_t align, size_t guard, int prot,
			   int flags, int fd, struct fw_span *span);
int fw_pagemap(const void *addr, size_t npages, uint64_t *out);
int fw_memory_nodes(int *nodes, int max);
int fw_pin_to_node(int node);

/* sys.c: "PID,0xSTART,0xEND" into SPLIT_DEBUGFS; cmd: NULL or FW_SPLIT_CMD bytes */
#define FW_SPLIT_CMD		96
int fw_split_range(int pid, const void *start, const void *end, char *cmd);

/* proc.c: /proc readers: pagemap, kpageflags, vmstat and other key-value files, meminfo, smaps, maps */
long fw_vmstat(const char *key);
int fw_kpageflags(int fd, uint64_t pfn, size_t n, uint64_t *out);
uint64_t fw_pfn_at(int pagemap_fd, const void *addr);
uint64_t fw_kpf_of(int kpageflags_fd, uint64_t pfn);
int64_t fw_page_flags(const void *addr);
long fw_meminfo_kb(const char *field);
long fw_smaps_kb(const void *addr, const char *field);
int fw_vma_has_flag(const void *addr, const char *flag);
int fw_find_vma(const char *name, char **start, size_t *len);
int fw_parse_list(const char *s, int *out, int max);

/* ksm.c: KSM: its knobs saved and put back, ksmd run to completion */
int fw_ksm_available(void);
void fw_ksm_save(struct fw_ksm_saved *s);
void fw_ksm_restore(const struct fw_ksm_saved *s);
int fw_ksm_start(void);
void fw_ksm_stop(void);
int fw_ksm_wait_scans(long nscans, long timeout_ms);
void fw_ksm_read(struct fw_ksm_counts *c);
int fw_ksm_settle(void);

/* kinds.c: the table of kinds (fw_kind_defs[]), its lookup, and a region set up and released */
int fw_unavailable(struct fw_region *r, const char *fmt, ...);
int fw_cmp_ulong(const void *a, const void *b);
void fw_size_name(unsigned long bytes, char *buf, size_t len);
int fw_hugetlb_sizes(unsigned long *sizes, int max);
enum fw_mapped_by fw_hugetlb_level(unsigned long sz);
void fw_kinds_init(void);
const struct fw_kind *fw_kind_find(const char *name);
int fw_kind_order(const struct fw_kind *k);
size_t fw_kind_len(const struct fw_kind *k);
unsigned int fw_name_hash(const char *s);
void fw_region_release(struct fw_region *r);
int fw_region_setup(struct fw_region *r, const struct fw_kind *k, size_t len);
int fw_region_setup_name(struct fw_region *r, const char *name, size_t len);

/* pattern.c: data patterns: pages 2k and 2k+1 identical */
uint64_t fw_pattern_word(unsigned int seed, size_t page, size_t word);
uint64_t fw_expected_word(const struct fw_region *r, size_t page, size_t word);
int fw_sparse(const struct fw_region *r);
void fw_fill_words(const struct fw_region *r, size_t pg, size_t from, size_t to);
int fw_words_intact(const struct fw_region *r, size_t pg, size_t from,
				  size_t to);
void fw_data_pages(const struct fw_region *r, size_t *from, size_t *to);
void fw_region_fill(struct fw_region *r);
int fw_pattern_intact(const struct fw_region *r);
const char *fw_region_data(struct fw_region *r);
void fw_read_every(const void *p, size_t len, size_t step);
void fw_touch_read(const struct fw_region *r, size_t stride);

/* region.c: facts of a region (pagemap + kpageflags, smaps) and its mapping */
void fw_tally(struct fw_pstat *ps, uint64_t f);
void fw_tally_run(struct fw_pstat *ps, int kfd, uint64_t pfn, size_t n,
				uint64_t *flags);
void fw_region_pstat(const struct fw_region *r, struct fw_pstat *ps);
long fw_region_thp(const struct fw_region *r);
long fw_region_anonhuge_kb(const struct fw_region *r);
int fw_region_is_thp(const struct fw_region *r);
int fw_region_map(struct fw_region *r, size_t align, int prot, int flags, int fd);

/* setup_hugetlb.c: setup of the hugetlb kinds */
int fw_log2(unsigned long v);
int fw_hugetlb_flags(unsigned long sz);
int fw_setup_hugetlb(struct fw_region *r);
int fw_setup_zero(struct fw_region *r);

/* memcg.c: memory cgroups (cgroup2 at FW_CG2_MNT) */
int fw_memcg_controller(void);
int fw_memcg_write(const struct fw_memcg *g, const char *file, const char *val);
long fw_memcg_key(const struct fw_memcg *g, const char *file, const char *key);
int fw_memcg_origin(char *buf, size_t len);
int fw_memcg_create(struct fw_memcg *g, const char *tag, char *err, size_t len);
int fw_memcg_move(struct fw_memcg *g, int join);
int fw_memcg_remove(struct fw_memcg *g);
void *fw_numa_hint_sibling(void *arg);

/* setup_numa.c: setup of the NUMA-hinting kinds */
int fw_hint_faulted(const volatile char *p);
void fw_numa_hint_unpin(struct fw_region *r);
int fw_numa_hint_begin(struct fw_region *r);
void fw_lru_drain_local(void);
int fw_numa_hint(struct fw_region *r);
int fw_setup_anon(struct fw_region *r);

/* setup_anon.c: setups of the anonymous and THP kinds, the zero pages, KSM */
int fw_setup_thp(struct fw_region *r);
int fw_setup_thp_advised(struct fw_region *r);
int fw_setup_huge_zero(struct fw_region *r);
int fw_setup_ksm(struct fw_region *r);
int fw_setup_anon_high(struct fw_region *r);

/* setup_file.c: setups of file, special, untouched and hole kinds */
int fw_open_tmp_file(struct fw_region *r);
int fw_fill_file(struct fw_region *r, int fd, size_t len);
int fw_setup_file(struct fw_region *r);
int fw_setup_hole(struct fw_region *r);
int fw_setup_untouched(struct fw_region *r);
void fw_probe_fault(int sig);
int fw_probe_read(const struct fw_region *r);
int fw_setup_special(struct fw_region *r);

/* setup_boundary.c: setup of the kinds across a page-table level boundary */
int fw_page_mappable(unsigned long a);
char *fw_boundary(const struct fw_region *r);
long fw_region_present(const struct fw_region *r, long *data);
int fw_setup_boundary(struct fw_region *r);
long fw_region_count(const struct fw_region *r, uint64_t mask, uint64_t clear);

/* setup_swap.c: setups of the swap, memcg and hwpoison kinds */
long fw_region_swapped(const struct fw_region *r);
int fw_clear_soft_dirty(void);
int fw_setup_swapped(struct fw_region *r);
int fw_setup_memcg(struct fw_region *r);
int fw_expect_hwpoison(struct fw_region *r, size_t from, size_t n);
int fw_hwpoison(struct fw_region *r, size_t from, size_t n);
int fw_has_memory_failure(void);
int fw_setup_hwpoison_anon(struct fw_region *r);
int fw_setup_hwpoison_thp(struct fw_region *r);
int fw_uffd_wp_open(struct fw_region *r);

/* setup_dax.c: setups of the uffd-wp, DAX and secretmem kinds */
int fw_uffd_wp_zap(struct fw_region *r);
int fw_setup_uffd_wp_shmem(struct fw_region *r);
int fw_setup_uffd_wp_hugetlb(struct fw_region *r);
int fw_find_devdax(size_t align, char *dev, size_t len);
int fw_setup_devdax(struct fw_region *r);
int fw_fsdax_extent(struct fw_region *r, unsigned long long *phys);
int fw_setup_fsdax(struct fw_region *r);
int fw_setup_secretmem(struct fw_region *r);

/* ktap.c: KTAP results of the programs without the kselftest harness */
void fw_ktap_header(void);
void fw_ktap_plan(unsigned int n);
void fw_ktap_result(int pass, const char *name);
void fw_ktap_skip(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
unsigned int fw_ktap_count(void);
int fw_ktap_finish(void);

#endif /* FW_H */
