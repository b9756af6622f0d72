// SPDX-License-Identifier: GPL-2.0
/*
 * fw_bench: KSM merging, dense and sparse.
 * Part of fw_bench, see main.c; what the parts share is in bench.h.
 */
#include "bench.h"

/* ---- KSM ---------------------------------------------------------------- */

static long ksm_sharing(void)
{
	return fw_read_long(KSM_SYSFS "pages_sharing") +
	       fw_read_long(KSM_SYSFS "pages_shared");
}

/* no page of the n at p is a KSM page any more (first, middle, last) */
static int ksm_unmerged(char *p, size_t n)
{
	size_t idx[3] = { 0, n / 2, n - 1 };
	int64_t flags;
	int i;

	for (i = 0; i < 3; i++) {
		flags = fw_page_flags(p + idx[i] * ps);
		if (flags < 0 || (flags & (1LL << KPF_KSM)))
			return 0;
	}
	return 1;
}

/*
 * After MADV_UNMERGEABLE the stable tree still counts the rmap items until
 * ksmd scans again: let it, untimed, so the next row starts from base.
 */
static int ksm_forget(long base)
{
	uint64_t t0 = now_ns();
	int ok;

	fw_write_long(KSM_SYSFS "run", 1);
	while (ksm_sharing() > base && now_ns() - t0 < KSM_TIMEOUT_NS)
		fw_sleep_ms(1);
	ok = ksm_sharing() <= base;
	fw_write_long(KSM_SYSFS "run", 0);
	return ok;
}

void bench_ksm(int max_ksm_shift)
{
	double merge[MAX_REPS], unmerge[MAX_REPS];
	struct fw_ksm_saved saved;
	size_t n, i;
	char extra[64];
	int k, bad;

	if (!fw_ksm_available()) {
		fprintf(stderr, "fw_bench: no KSM (%srun not writable)\n", KSM_SYSFS);
		failures++;
		return;
	}
	fw_ksm_save(&saved);
	fw_write_long(KSM_SYSFS "run", 0);
	fw_write_long(KSM_SYSFS "pages_to_scan", BENCH_PAGES_TO_SCAN);
	fw_write_long(KSM_SYSFS "sleep_millisecs", 0);
	for (n = 1024; n <= (1UL << max_ksm_shift); n *= 4) {
		long scans = 0;

		bad = 0;
		for (k = 0; k < reps; k++) {
			struct fw_span span;
			uint64_t t0, t1;
			long full0, base;
			char *p;

			p = fw_map(n * ps, ps, ps, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, &span);
			if (p == MAP_FAILED) {
				bad = 1;
				break;
			}
			madvise(p, n * ps, MADV_NOHUGEPAGE);
			for (i = 0; i < n * ps; i += ps)
				memset(p + i, 0x5a, ps);
			base = ksm_sharing();
			full0 = fw_read_long(KSM_SYSFS "full_scans");
			fw_write_long(KSM_SYSFS "run", 1);
			t0 = now_ns();
			madvise(p, n * ps, MADV_MERGEABLE);
			while (ksm_sharing() - base < (long)n &&
			       now_ns() - t0 < KSM_TIMEOUT_NS)
				fw_sleep_ms(1);
			t1 = now_ns();
			fw_write_long(KSM_SYSFS "run", 0);
			scans += fw_read_long(KSM_SYSFS "full_scans") - full0;
			merge[k] = (double)(t1 - t0) / n;
			if (ksm_sharing() - base < (long)n)
				bad = 1;

			t0 = now_ns();
			madvise(p, n * ps, MADV_UNMERGEABLE);
			t1 = now_ns();
			unmerge[k] = (double)(t1 - t0) / n;
			if (!ksm_unmerged(p, n) || !ksm_forget(base))
				bad = 1;
			for (i = 0; i < n * ps; i += ps)
				if (p[i] != 0x5a || p[i + ps - 1] != 0x5a)
					bad = 1;
			munmap(span.start, span.len);
		}
		if (k < reps)
			continue;
		snprintf(extra, sizeof(extra), "full_scans=%.1f",
			 (double)scans / reps);
		report("ksm_merge", "anon4k", n, "page", merge, reps, bad, extra);
		report("ksm_unmerge", "anon4k", n, "page", unmerge, reps, bad, NULL);
	}
	fw_ksm_restore(&saved);
}

/*
 * Sparse unmerge: a 64 GiB mergeable VMA of which SPARSE_SPOTS runs of
 * SPARSE_RUN pages, spread evenly over it, are written and merged; the
 * time of MADV_UNMERGEABLE of the whole VMA, and of "echo 2 > run"
 * (unmerge every mergeable VMA), per call. What they cost on base is the
 * size of the VMA, not what is in it.
 */
#define SPARSE_VMA	(64UL << 30)
#define SPARSE_SPOTS	64
#define SPARSE_RUN	16

static char *sparse_page(char *p, size_t spot, size_t j)
{
	return p + spot * (SPARSE_VMA / SPARSE_SPOTS) + j * ps;
}

/* every page written is intact and no longer a KSM page */
static int sparse_unmerged(char *p)
{
	for (size_t s = 0; s < SPARSE_SPOTS; s++)
		for (size_t j = 0; j < SPARSE_RUN; j++) {
			char *q = sparse_page(p, s, j);
			int64_t flags = fw_page_flags(q);

			if (flags < 0 || (flags & (1LL << KPF_KSM)) ||
			    q[0] != 0x5a || q[ps - 1] != 0x5a)
				return 0;
		}
	return 1;
}

void bench_ksm_sparse(void)
{
	double t[2][MAX_REPS];
	const long n = SPARSE_SPOTS * SPARSE_RUN;
	struct fw_ksm_saved saved;
	int k, how, bad = 0;

	if (!fw_ksm_available())
		return;	/* bench_ksm() said so */
	fw_ksm_save(&saved);
	fw_write_long(KSM_SYSFS "run", 0);
	fw_write_long(KSM_SYSFS "pages_to_scan", BENCH_PAGES_TO_SCAN);
	fw_write_long(KSM_SYSFS "sleep_millisecs", 0);
	for (k = 0; k < reps; k++) {
		for (how = 0; how < 2; how++) {
			uint64_t t0, t1;
			long base;
			char *p;

			p = mmap(NULL, SPARSE_VMA, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
			if (p == MAP_FAILED) {
				fprintf(stderr, "fw_bench: mmap 64 GiB: %s\n",
					strerror(errno));
				bad = 1;
				goto out;
			}
			madvise(p, SPARSE_VMA, MADV_NOHUGEPAGE);
			for (size_t s = 0; s < SPARSE_SPOTS; s++)
				for (size_t j = 0; j < SPARSE_RUN; j++)
					memset(sparse_page(p, s, j), 0x5a, ps);
			base = ksm_sharing();
			fw_write_long(KSM_SYSFS "run", 1);
			t0 = now_ns();
			madvise(p, SPARSE_VMA, MADV_MERGEABLE);
			while (ksm_sharing() - base < n &&
			       now_ns() - t0 < KSM_TIMEOUT_NS)
				fw_sleep_ms(1);
			fw_write_long(KSM_SYSFS "run", 0);
			if (ksm_sharing() - base < n)
				bad = 1;
			t0 = now_ns();
			if (how == 0)
				madvise(p, SPARSE_VMA, MADV_UNMERGEABLE);
			else
				fw_write_long(KSM_SYSFS "run", 2);
			t1 = now_ns();
			t[how][k] = (double)(t1 - t0);
			if (!sparse_unmerged(p))
				bad = 1;
			if (how == 0 && !ksm_forget(base))
				bad = 1;
			fw_write_long(KSM_SYSFS "run", 0);
			munmap(p, SPARSE_VMA);
		}
	}
	report("ksm_unmerge", "sparse64g", n, "call", t[0], reps, bad, NULL);
	report("ksm_unmerge_all", "sparse64g", n, "call", t[1], reps, bad, NULL);
out:
	if (bad && k < reps)
		failures++;
	fw_ksm_restore(&saved);
}
