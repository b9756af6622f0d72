/* SPDX-License-Identifier: GPL-2.0 */
/* race.h: what the files of fw_race share (main.c says what fw_race is) */
#ifndef FW_RACE_H
#define FW_RACE_H

#include "fw.h"
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/rseq.h>
#include <sys/wait.h>
#include <ucontext.h>

#if __has_include("mm/folio_walk_test.h")
#include "mm/folio_walk_test.h"
#define HAVE_FWT	1
#else
#define HAVE_FWT	0
#endif

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#ifndef MAP_HUGETLB
#define MAP_HUGETLB	0x40000
#endif

#define FWT_DEBUGFS	"/sys/kernel/debug/folio_walk_test"
#define HUGE_DIR	"/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define HUGE_SZ		(2UL << 20)
#define HUGE_NR		4		/* hugetlb pages per mapping */

#define LOOP_CAP	5000000UL	/* iterations of any loop, per thread */
#define FORK_CAP	4000UL		/* forks of fork_cow */
#define MAX_REPORT	5		/* mismatches printed per race */
#define PAT_WORDS	8		/* 64 bytes at the start, middle, end */
#define RW		(PROT_READ | PROT_WRITE)
#define CHILD_GEN	(1UL << (sizeof(long) > 4 ? 40 : 30))	/* generation bit of child writes */

enum { SKIP_NONE, SKIP_FAIL, SKIP_OK };

/* one race: its deadline and atomic counters, shared by its threads */
struct race {
	const char *name;
	unsigned int seed;
	uint64_t deadline;		/* CLOCK_MONOTONIC ns */
	uint64_t slot;			/* its time, ns (deadline - start) */
	int stop;			/* end the race now */
	unsigned long iterations;
	unsigned long syscalls;
	unsigned long mismatches;
	unsigned long enomem;		/* -f: calls failed for lack of memory, retried */
	int skip;			/* SKIP_* */
	char skip_reason[200];		/* the first skip_race() reason */
};

/* ---- shared helpers ---- */

/* ---- data patterns ---- */

/* ---- mappings ---- */

/*
 * A region: a mapping of its own VMA, with an unmapped guard page on each
 * side, an instance of the table's anon4k or thp_advised kind (lib/kinds.c)
 * that region_setup() maps with exactly the pages asked for: a struct
 * fw_region; region_pages() and region_thp() below.
 */

/* one or two regions seen as one array of pages */
struct area {
	struct fw_region reg[2];
	int nreg;
	unsigned long npages;
};

/* ---- syscalls with checks ---- */

/* a call that must succeed (under -f: made again while it fails for memory) */
#define sys_ok(r, call, what) ({					\
	int __ret, __tries = 0;						\
	while (injected_failure((r), __ret = (call), __tries++))	\
		;							\
	sys_check((r), __ret, (what));					\
})

/* ---- move_pages() ---- */

struct mp_buf {
	void **pages;
	int *nodes;
	int *status;
};

#define MIG_STATUS	(1 << 0)	/* every third round: status query */
#define MIG_CHUNKS	(1 << 1)	/* also random chunks, not all pages */
#define MIG_MOVE_ALL	(1 << 2)	/* every 4th move: MPOL_MF_MOVE_ALL */

/* ---- threads ---- */

typedef void *(*role_fn)(void *);

struct role_start {
	role_fn fn;
	void *ctx;
};

/* ---- memory pressure: shared by races 8-10 ---- */

/*
 * status_vs_pageout, status_vs_numa_hinting and migrate_vs_memcg_reclaim
 * check every byte of every page: the two pages of a pair (2k, 2k+1) hold
 * the same full-page pattern of the pair's generation (so that KSM can
 * merge them, and zram cannot store a page as one repeated word).
 */
#define PRESS_SALT	2000000UL
#define PRESS_CHUNK	512UL		/* pages of a random chunk, at most */
#define PRESS_MOVE_CHUNK 64UL		/* pages of one migration, at most */
#define PRESS_OUT_CHUNK	64UL		/* pages of one MADV_PAGEOUT, at most */
#define PRESS_WINDOW	256UL		/* pairs an accessor verifies per round */
#define PRESS_REWRITE	32UL		/* pairs rewritten per accessor round */

struct press_ctx {
	struct race *r;
	struct area a;
	unsigned long nr_pairs;
	unsigned long *gen;		/* per pair, written by its accessor only */
	struct mp_buf mbuf, sbuf;	/* the migrator's, the status reader's */
	int willneed;			/* accessors MADV_WILLNEED what they read */
	int ksm;			/* the pager merges and unmerges */
	/* status query entries seen: a node, -ENOENT, -EFAULT */
	unsigned long st_node, st_enoent, st_efault;
	unsigned long pageouts;		/* MADV_PAGEOUT calls that succeeded */
	unsigned long swapped_seen;	/* pages pagemap said were swapped after one */
	long sharing_max;		/* KSM pages_sharing seen by the pager */
};

#define PRESS_MOVE	(1 << 0)	/* migrations; else status queries only */

#define PRESS_BLOCK	16		/* pairs: the unit of accessor ownership */

/* /proc/vmstat counters of the pressure races */
enum { VM_PSWPIN, VM_PSWPOUT, VM_THP_SWPOUT, VM_PTE_UPDATES, VM_HINT_FAULTS,
	VM_HINT_LOCAL, VM_NUMA_MIGRATED, VM_PGMIGRATE, NR_VM };

extern size_t page_sz, pmd_sz;

/* the pages of a region (region_setup() maps exactly npages) */
static inline unsigned long region_pages(const struct fw_region *m)
{
	return m->len / page_sz;
}

/* thp_advised (MADV_HUGEPAGE), else anon4k (MADV_NOHUGEPAGE) */
static inline int region_thp(const struct fw_region *m)
{
	return m->kind && (m->kind->flags & FW_K_THP_ADVISED);
}

extern int have_thp;
extern int have_move_pages;
extern unsigned long pmd_pages;
extern unsigned int page_shift, pmd_order;
extern int mem_nodes[FW_MAX_NODES], nr_mem_nodes, home, other;
extern cpu_set_t home_cpus;
extern int have_home_cpus;
extern char thp_saved[32];
extern int fault_inject;
extern cpu_set_t far_cpus;
extern int have_far_cpus;

/* core.c */
uint64_t now_ns(void);
int running(struct race *r);
void stop_race(struct race *r);
void add_iter(struct race *r);
void add_sys(struct race *r, unsigned long n);
void __attribute__((format(printf, 2, 3)))
mismatch(struct race *r, const char *fmt, ...);
int __attribute__((format(printf, 3, 4)))
skip_race(struct race *r, int how, const char *fmt, ...);
unsigned int rnd(unsigned int *s);
unsigned long rnd_below(unsigned int *s, unsigned long n);
unsigned int thread_seed(struct race *r, unsigned int role);
uint64_t pat(unsigned long idx, unsigned long gen);
void page_fill(char *p, uint64_t v);
long page_check(const char *p, uint64_t v, uint64_t *want,
		       uint64_t *got);
int verify_page(struct race *r, const char *p, unsigned long idx,
		       uint64_t v, const char *what);
void touch(struct fw_region *m, unsigned long first, unsigned long n);
void touch_read(struct fw_region *m, unsigned long first,
		       unsigned long n);
int region_setup(struct race *r, struct fw_region *m,
			unsigned long npages, int thp);
void region_unmap(struct fw_region *m);
int area_add(struct race *r, struct area *a, unsigned long npages,
		    int thp);
void area_unmap(struct area *a);
char *area_page(const struct area *a, unsigned long i);
int area_start(struct race *r, const struct area *a, unsigned long **gen);
void area_release(struct area *a, unsigned long *gen, struct mp_buf *b);
void area_fill(const struct area *a, const unsigned long *gen,
		      unsigned long first, unsigned long n);
unsigned long area_verify(struct race *r, const struct area *a,
				 const unsigned long *gen, const char *what);
int injected_failure(struct race *r, int ret, int tries);
int sys_check(struct race *r, int ret, const char *what);
int madv(struct race *r, void *addr, size_t len, int advice,
		const char *what);
void collapse(struct race *r, char *addr, size_t len);
void split_range(struct race *r, const char *start, const char *end);
int mp_buf_init(struct race *r, struct mp_buf *b, unsigned long cap);
void mp_buf_free(struct mp_buf *b);
int is_mem_node(int n);
int status_ok(int s);
int mp_errno_ok(int e);
long mp_call(struct race *r, struct mp_buf *b, unsigned long n,
		    int target, int flags, const char *what);
void migrate_loop(struct race *r, struct area *a, struct mp_buf *b,
			 unsigned int rs, int mode);
void set_make_it_fail(int on);
void *role_injected(void *arg);
int run_threads(struct race *r, void *ctx, const role_fn *roles,
		       int n);
int remap(struct race *r, struct fw_region *m, int flags);
int mutate(struct race *r, struct fw_region *m, unsigned int *rs,
		  int heavy);

/* pressure.c */
uint64_t press_word(uint64_t v, size_t k);
uint64_t press_val(const struct press_ctx *c, unsigned long pair);
void press_fill(struct press_ctx *c, unsigned long pair);
int press_verify(struct press_ctx *c, unsigned long pair,
			const char *what);
unsigned long press_verify_all(struct press_ctx *c, const char *what);
int press_setup(struct race *r, struct press_ctx *c,
		       unsigned long npages, unsigned long thp_pages);
void press_release(struct press_ctx *c);
char *press_range(struct press_ctx *c, unsigned int *rs,
			 unsigned long max, size_t *len);
void press_count(struct press_ctx *c, const int *st, unsigned long n);
void press_mp_loop(struct press_ctx *c, struct mp_buf *b,
			  unsigned int rs, int mode);
int press_owns(unsigned long p, unsigned int part, unsigned int nparts);
void press_access(struct press_ctx *c, unsigned int part,
			 unsigned int nparts, unsigned int rs);
void run_far(void);
void *press_migrator(void *arg);
void *press_reader(void *arg);
void *press_reader_far(void *arg);
void *press_accessor(void *arg);
void *press_accessor_home(void *arg);
void *press_accessor_far(void *arg);
void vmstat_read(long *v);
void vmstat_delta(long *after, const long *before);
int press_swap_ok(struct race *r);

/* the races, one file each; main.c has their table */
void race_status_vs_unmap(struct race *r);
void race_migrate_vs_access(struct race *r);
void race_split_vs_collapse(struct race *r);
void race_ksm_merge_unmerge(struct race *r);
void race_fork_cow(struct race *r);
void race_hugetlb_fault_unmap(struct race *r);
void race_walker_ioctl(struct race *r);
void race_status_vs_pageout(struct race *r);
void race_status_vs_numa_hinting(struct race *r);
void race_migrate_vs_memcg_reclaim(struct race *r);

#endif /* FW_RACE_H */
