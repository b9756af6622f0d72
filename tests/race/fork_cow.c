// SPDX-License-Identifier: GPL-2.0
/* fw_race: the race fork_cow (main.c has the list) */
#define _GNU_SOURCE
#include "race.h"

/* ---- 5. fork_cow ---- */

#define FORK_SMALL	128

struct fork_ctx {
	struct race *r;
	struct area a;			/* 128 small pages + 1 PMD of THP */
	unsigned long *gen;		/* written by the forker only */
	struct mp_buf buf, child_buf;
};

/*
 * The child: write its half (COW), move its view to the other node, check
 * it. Only async-signal-safe work. Exit 1: data, 2: move_pages().
 */
static int fork_child(struct fork_ctx *c, unsigned long g,
		      unsigned long half)
{
	struct mp_buf *b = &c->child_buf;
	unsigned long i, n = c->a.npages;
	uint64_t want, got, v;
	int bad = 0;
	long ret;

	for (i = !half; i < n; i += 2)
		page_fill(area_page(&c->a, i), pat(i, g | CHILD_GEN));
	for (i = 0; i < n && have_move_pages; i++) {
		b->pages[i] = area_page(&c->a, i);
		b->nodes[i] = other;
		b->status[i] = FW_UNSET;
	}
	/* no move_pages(): the child's view is only checked */
	ret = have_move_pages ?
	      fw_move_pages(0, n, b->pages, b->nodes, b->status, MPOL_MF_MOVE) : 0;
	if (ret < 0 && !mp_errno_ok(errno))
		bad |= 2;
	for (i = 0; i < n && have_move_pages; i++)
		if (b->status[i] != FW_UNSET ? !status_ok(b->status[i]) :
		    ret == 0)
			bad |= 2;
	for (i = 0; i < n; i++) {
		v = (i & 1) != half ? pat(i, g | CHILD_GEN) : pat(i, c->gen[i]);
		if (page_check(area_page(&c->a, i), v, &want, &got) >= 0)
			bad |= 1;
	}
	return bad;
}

/* A: fork, write the parent's half meanwhile, wait, check the parent */
static void *fork_forker(void *arg)
{
	struct fork_ctx *c = arg;
	struct race *r = c->r;
	unsigned long i, k, g, half, n = c->a.npages;
	struct fw_region *thp = &c->a.reg[1];
	int st;
	pid_t pid;

	for (i = 0; i < FORK_CAP && running(r); i++) {
		g = i + 1;
		half = i & 1;
		if (i % 16 == 15) {	/* a fresh THP now and then */
			madv(r, thp->addr, thp->len, MADV_DONTNEED,
			     "MADV_DONTNEED");
			for (k = FORK_SMALL; k < n; k++)
				c->gen[k] = g;
			area_fill(&c->a, c->gen, FORK_SMALL, region_pages(thp));
		}
		pid = fork();
		add_sys(r, 1);
		if (pid == 0)
			_exit(fork_child(c, g, half));
		if (pid < 0) {
			if (errno != EAGAIN && errno != ENOMEM) {
				mismatch(r, "fork: %s", fw_errno_name(errno));
				break;
			}
			fw_sleep_ms(1);
			continue;
		}
		for (k = half; k < n; k += 2) {
			c->gen[k] = g;
			area_fill(&c->a, c->gen, k, 1);
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		add_sys(r, 1);
		if (!WIFEXITED(st))
			mismatch(r, "child killed by signal %d", WTERMSIG(st));
		else if (WEXITSTATUS(st))
			mismatch(r, "child found %s", WEXITSTATUS(st) & 1 ?
				 "its view corrupt" : "a bad move_pages() result");
		area_verify(r, &c->a, c->gen, "parent after fork");
		add_iter(r);
	}
	return NULL;
}

/* B: migrations of the whole region, also MOVE_ALL of COW-shared pages */
static void *fork_migrator(void *arg)
{
	struct fork_ctx *c = arg;

	migrate_loop(c->r, &c->a, &c->buf, thread_seed(c->r, 2),
		     MIG_STATUS | MIG_MOVE_ALL);
	return NULL;
}

void race_fork_cow(struct race *r)
{
	static const role_fn roles[] = { fork_forker, fork_migrator };
	struct fork_ctx c = { .r = r };

	if (area_add(r, &c.a, FORK_SMALL, 0) ||
	    area_add(r, &c.a, pmd_pages, 1) ||
	    mp_buf_init(r, &c.buf, c.a.npages) ||
	    mp_buf_init(r, &c.child_buf, c.a.npages))
		goto out;
	if (area_start(r, &c.a, &c.gen))
		goto out;
	fflush(stdout);
	run_threads(r, &c, roles, 2);
	area_verify(r, &c.a, c.gen, "at the end");
out:
	mp_buf_free(&c.child_buf);
	area_release(&c.a, c.gen, &c.buf);
}
