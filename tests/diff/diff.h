// SPDX-License-Identifier: GPL-2.0
/*
 * fw_diff: what its files share (main.c defines it): the environment,
 * the checks ("ok N name"), the formatting of fwdiff lines and the
 * operations main() runs. See main.c for what fw_diff does.
 */
#ifndef FW_DIFF_H
#define FW_DIFF_H
#define _GNU_SOURCE
#include <limits.h>
#include <sys/wait.h>
#include "fw.h"

enum { W_FIRST, W_MIDDLE, W_LAST, W_PAST, NR_WHERE };

typedef void (*op_fn)(struct fw_region *r);

extern const char *const where_name[NR_WHERE];
extern size_t page_sz, pmd_sz;
extern int nodes[FW_MAX_NODES], nr_nodes, home, other;
extern int have_split, have_pageflags;
extern int have_move_pages;
extern char split_why[48];
extern struct fw_ksm_saved ksm_saved;
extern char thp_saved[32], zero_saved[16];
extern const struct fw_kind *kinds[FW_MAX_KINDS];
extern int nr_kinds;
extern int check_failed;
extern char check_name[96];

void check_begin(const char *fmt, ...);

void expect(int cond, const char *fmt, ...);

void check_end(void);

void check_skip(const char *name, const char *why);

const char *st(int s);

const char *rv(long ret);

int valid_status(int s);

int is_memory_node(int node);

void expect_data(struct fw_region *r, const char *state, const char *when);

const char *num(long v);

void print_setup(const char *op, const struct fw_region *r);

char *where_addr(const struct fw_region *r, int w);

void run_op_all(const char *op, op_fn fn);

void op_unavailable(const char *op, const char *why);

void op_status(struct fw_region *r);

void op_move(struct fw_region *r);

pid_t gone_pid(void);

void op_args(void);

void op_batch(void);

void op_ksm_all(void);

int split_probe(void);

void op_split(struct fw_region *r);

void op_split_all(void);

void op_migrate_pages(void);
#endif
