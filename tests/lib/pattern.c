// SPDX-License-Identifier: GPL-2.0
/* lib/pattern.c: data patterns: pages 2k and 2k+1 identical */
#define _GNU_SOURCE
#include "fw.h"

/* pages 2k and 2k+1 are identical, so that KSM has something to merge */
uint64_t fw_pattern_word(unsigned int seed, size_t page, size_t word)
{
	uint64_t v = ((uint64_t)seed << 48) ^ ((uint64_t)(page / 2) << 20) ^ word;

	return v * 0x9e3779b97f4a7c15ULL | 1;
}

uint64_t fw_expected_word(const struct fw_region *r, size_t page, size_t word)
{
	return r->pat == FW_PAT_DATA ? fw_pattern_word(r->seed, page, word) : 0;
}

/* regions over FW_SPARSE_LIMIT: only the first and last words of a page */
int fw_sparse(const struct fw_region *r)
{
	return r->len > FW_SPARSE_LIMIT;
}

void fw_fill_words(const struct fw_region *r, size_t pg, size_t from, size_t to)
{
	uint64_t *p = (uint64_t *)(r->addr + pg * fw_env.page_sz);

	for (; from < to; from++)
		p[from] = fw_pattern_word(r->seed, pg, from);
}

int fw_words_intact(const struct fw_region *r, size_t pg, size_t from,
				  size_t to)
{
	const volatile uint64_t *p = (uint64_t *)(r->addr + pg * fw_env.page_sz);

	for (; from < to; from++)
		if (p[from] != fw_expected_word(r, pg, from))
			return 0;
	return 1;
}

/* the pages of r that hold its data pattern: [*from, *to) */
void fw_data_pages(const struct fw_region *r, size_t *from, size_t *to)
{
	*from = r->data_off / fw_env.page_sz;
	*to = r->data_len ? *from + r->data_len / fw_env.page_sz : r->len / fw_env.page_sz;
}

void fw_region_fill(struct fw_region *r)
{
	size_t wpp = fw_env.page_sz / 8, pg, to;

	r->pat = FW_PAT_DATA;
	for (fw_data_pages(r, &pg, &to); pg < to; pg++) {
		if (fw_sparse(r)) {
			fw_fill_words(r, pg, 0, FW_SPARSE_WORDS);
			fw_fill_words(r, pg, wpp - FW_SPARSE_WORDS, wpp);
		} else {
			fw_fill_words(r, pg, 0, wpp);
		}
	}
}

int fw_pattern_intact(const struct fw_region *r)
{
	size_t wpp = fw_env.page_sz / 8, pg, to;

	for (fw_data_pages(r, &pg, &to); pg < to; pg++) {
		if (fw_sparse(r) ? !fw_words_intact(r, pg, 0, FW_SPARSE_WORDS) ||
				   !fw_words_intact(r, pg, wpp - FW_SPARSE_WORDS, wpp) :
				   !fw_words_intact(r, pg, 0, wpp))
			return 0;
	}
	return 1;
}

/* "intact", "corrupt" or "n/a"; PROT_NONE regions are opened for reading */
const char *fw_region_data(struct fw_region *r)
{
	int intact;

	if (r->pat == FW_PAT_NONE || r->why[0])
		return "n/a";
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_READ);
	if (r->pat == FW_PAT_COPY)
		intact = !memcmp(r->addr, r->copy, r->len);
	else
		intact = fw_pattern_intact(r);
	if (r->prot == PROT_NONE)
		mprotect(r->addr, r->len, PROT_NONE);
	return intact ? "intact" : "corrupt";
}

/* read one byte every step bytes of [p, p + len): read faults */
void fw_read_every(const void *p, size_t len, size_t step)
{
	size_t off;

	for (off = 0; off < len; off += step)
		(void)((const volatile char *)p)[off];
}

void fw_touch_read(const struct fw_region *r, size_t stride)
{
	fw_read_every(r->addr, r->len, stride);
}
