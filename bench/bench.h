// SPDX-License-Identifier: GPL-2.0
/*
 * fw_bench: what its files share (main.c defines it). See main.c for what
 * fw_bench measures.
 */
#ifndef FW_BENCH_H
#define FW_BENCH_H
#define _GNU_SOURCE
#include "fw.h"

#include <getopt.h>

#include <sys/stat.h>

#define KB			((size_t)1024)
#define MB			(1024 * KB)
#define MAX_REPS		31
#define BENCH_PAGES_TO_SCAN	1000
#define KSM_TIMEOUT_NS		(120ULL * 1000000000ULL)

extern int reps;
extern int max_shift;
extern const char *ops;
extern int home_node, other_node;
extern size_t ps;
extern int failures;

struct region {
	char kind[32];
	size_t folio;		/* 4K, the PMD size or the hugetlb size */
	char *addr;
	size_t len;
	struct fw_span span;
	long saved_pool[2];	/* hugetlb: per-node pool sizes to restore */
};

/* what a status query must report for every page of a region */
enum expect { EXPECT_HOME, EXPECT_NOT_PRESENT, EXPECT_UNMAPPED };

uint64_t now_ns(void);
void report(const char *op, const char *kind, unsigned long n,
	    const char *unit, double *v, int n_v, int bad,
	    const char *extra);
void region_free(struct region *r);
int region_setup(struct region *r, const char *kind, size_t hsize,
		 size_t len);
int region_intact(const struct region *r, size_t len);
long region_thp_kb(const struct region *r);
void bench_status(struct region *r, void **pages, int *status,
		  enum expect e);
void bench_floor(struct region *r, uint64_t *pm);
void bench_status_empty(size_t len, void **pages, int *status);
void bench_migrate(struct region *r, void **pages, int *nodes,
		   int *status, int max_mig_shift);
void bench_ksm(int max_ksm_shift);
void bench_ksm_sparse(void);
#endif
