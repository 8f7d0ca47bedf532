// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request pool: edge cases, then a long random sequence of operations
 * against a reference model of the free list (LIFO, any tag removable).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "req_pool.h"
#include "unit.h"

#define NR_TAGS		61	/* not a power of two */
#define CTX_SIZE	40	/* rounded up to one cache line */
#define NR_OPS		100000

struct ctx {
	uint64_t tag;
	uint64_t gen;
	char pad[CTX_SIZE - 16];
};

/* Reference model: the free tags in the order the pool hands them out (top of its stack first). */
struct model {
	uint32_t free[NR_TAGS];
	uint32_t nr_free;
	bool busy[NR_TAGS];
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: fixed seed, same sequence everywhere */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* The pool's get: the tag at the top of the stack. */
static void model_pop(struct model *m)
{
	m->busy[m->free[0]] = true;
	memmove(&m->free[0], &m->free[1], (m->nr_free - 1) * sizeof(m->free[0]));
	m->nr_free--;
}

/* The pool's get_tag: the tag on top fills the taken tag's place. */
static void model_take(struct model *m, uint32_t tag)
{
	uint32_t i;

	for (i = 0; i < m->nr_free; i++)
		if (m->free[i] == tag)
			break;
	m->free[i] = m->free[0];
	m->free[0] = tag;
	model_pop(m);
}

static void test_init_errors(void)
{
	struct blk_req_pool pool;

	CHECK_EQ(blk_req_pool_init(&pool, 0, 8), -EINVAL);
	CHECK_EQ(blk_req_pool_init(&pool, BLK_REQ_POOL_MAX + 1, 8), -EINVAL);
	CHECK_EQ(blk_req_pool_init(&pool, 4, SIZE_MAX / 2), -EINVAL);
	blk_req_pool_exit(&pool);	/* safe after a failed init */

	CHECK_EQ(blk_req_pool_init(&pool, 3, 0), 0);
	CHECK(pool.ctx == NULL);
	CHECK_EQ(blk_req_get(&pool), 0);
	blk_req_pool_exit(&pool);
	blk_req_pool_exit(&pool);	/* and twice */
}

static void test_basic(void)
{
	struct blk_req_pool pool;
	void *ctx = NULL;
	uint32_t i;
	bool aligned = true, zeroed = true;

	CHECK_EQ(blk_req_pool_init(&pool, NR_TAGS, CTX_SIZE), 0);
	CHECK_EQ(pool.ctx_stride, 64);
	for (i = 0; i < NR_TAGS; i++) {
		const unsigned char *c = blk_req_ctx(&pool, i);
		size_t j;

		aligned &= ((uintptr_t)c % BLK_REQ_CTX_ALIGN) == 0;
		for (j = 0; j < pool.ctx_stride; j++)
			zeroed &= c[j] == 0;
	}
	CHECK(aligned);
	CHECK(zeroed);
	CHECK_EQ(blk_req_in_flight(&pool), 0);

	/* a fresh pool hands out tags in ascending order */
	CHECK_EQ(blk_req_get(&pool), 0);
	CHECK_EQ(blk_req_get(&pool), 1);
	CHECK_EQ(blk_req_in_flight(&pool), 2);
	CHECK_EQ(blk_req_lookup(&pool, 1, &ctx), 0);
	CHECK(ctx == blk_req_ctx(&pool, 1));
	ctx = NULL;
	CHECK_EQ(blk_req_lookup(&pool, 2, &ctx), -EALREADY);
	CHECK(ctx == NULL);
	CHECK_EQ(blk_req_lookup(&pool, NR_TAGS, &ctx), -EINVAL);
	CHECK_EQ(blk_req_lookup(&pool, UINT64_MAX, &ctx), -EINVAL);
	CHECK(ctx == NULL);

	CHECK_EQ(blk_req_put(&pool, 0), 0);
	CHECK_EQ(blk_req_put(&pool, 0), -EALREADY);	/* double completion */
	CHECK_EQ(blk_req_put(&pool, NR_TAGS), -EINVAL);
	CHECK_EQ(blk_req_put(&pool, (1ull << 32) | 1), -EINVAL);	/* no wrap to tag 1 */
	CHECK_EQ(blk_req_in_flight(&pool), 1);
	CHECK_EQ(blk_req_get(&pool), 0);		/* LIFO */

	CHECK_EQ(blk_req_get_tag(&pool, 1), -EBUSY);
	CHECK_EQ(blk_req_get_tag(&pool, NR_TAGS), -EINVAL);
	CHECK_EQ(blk_req_get_tag(&pool, 5), 0);
	/* 2, on top, took 5's place: 5 is no longer free */
	CHECK_EQ(blk_req_get(&pool), 3);
	CHECK_EQ(blk_req_get(&pool), 4);
	CHECK_EQ(blk_req_get(&pool), 2);
	CHECK_EQ(blk_req_get(&pool), 6);

	/* exhaust the pool */
	while (blk_req_in_flight(&pool) < NR_TAGS)
		if (blk_req_get(&pool) < 0)
			break;
	CHECK_EQ(blk_req_in_flight(&pool), NR_TAGS);
	CHECK_EQ(blk_req_get(&pool), -EBUSY);
	CHECK_EQ(blk_req_put(&pool, NR_TAGS - 1), 0);
	CHECK_EQ(blk_req_get(&pool), NR_TAGS - 1);
	blk_req_pool_exit(&pool);
}

static void test_random(void)
{
	struct blk_req_pool pool;
	struct model m = { .nr_free = NR_TAGS };
	uint64_t gen = 0, bad = 0, ops[6] = { 0 }, outcome[3] = { 0 };
	uint32_t i;
	int n;

	for (i = 0; i < NR_TAGS; i++)
		m.free[i] = i;
	CHECK_EQ(blk_req_pool_init(&pool, NR_TAGS, sizeof(struct ctx)), 0);

	unit_quiet = 1;
	for (n = 0; n < NR_OPS && bad < 10; n++) {
		uint64_t r = rng();
		unsigned int op = r % 6;
		/* mostly valid tags, some just past the end, some far off */
		uint64_t tag = (r >> 8) % (NR_TAGS + 3);
		struct ctx *c;
		void *vc;
		uint32_t t;
		int ret, want;

		if ((r >> 40) % 64 == 0)
			tag = rng();
		ops[op]++;
		switch (op) {
		case 0:
		case 1:		/* get any */
			ret = blk_req_get(&pool);
			if (!m.nr_free) {
				bad += !CHECK_EQ(ret, -EBUSY);
				break;
			}
			want = (int)m.free[0];
			if (!CHECK_EQ(ret, want)) {
				bad++;
				break;
			}
			model_pop(&m);
			c = blk_req_ctx(&pool, (uint32_t)want);
			c->tag = (uint64_t)want;
			c->gen = ++gen;
			break;
		case 2:		/* get a given tag (32 bits, like io_u->index) */
			t = (uint32_t)tag;
			ret = blk_req_get_tag(&pool, t);
			want = t >= NR_TAGS ? -EINVAL : m.busy[t] ? -EBUSY : 0;
			if (!CHECK_EQ(ret, want)) {
				bad++;
				break;
			}
			if (!ret) {
				model_take(&m, t);
				c = blk_req_ctx(&pool, t);
				c->tag = t;
				c->gen = ++gen;
			}
			break;
		case 3:
		case 4:		/* put: completions, double ones, bogus ones */
			ret = blk_req_put(&pool, tag);
			want = tag >= NR_TAGS ? -EINVAL : m.busy[tag] ? 0 : -EALREADY;
			if (!CHECK_EQ(ret, want)) {
				bad++;
				break;
			}
			outcome[ret == 0 ? 0 : ret == -EALREADY ? 1 : 2]++;
			if (!ret) {
				m.busy[tag] = false;
				memmove(&m.free[1], &m.free[0], m.nr_free * sizeof(m.free[0]));
				m.free[0] = (uint32_t)tag;
				m.nr_free++;
			}
			break;
		case 5:		/* lookup: the context still belongs to its tag */
			vc = NULL;
			ret = blk_req_lookup(&pool, tag, &vc);
			want = tag >= NR_TAGS ? -EINVAL : m.busy[tag] ? 0 : -EALREADY;
			if (!CHECK_EQ(ret, want)) {
				bad++;
				break;
			}
			c = vc;
			if (!ret)
				bad += !CHECK(c && c->tag == tag && c->gen);
			else
				bad += !CHECK(vc == NULL);
			break;
		}
		bad += !CHECK_EQ(blk_req_in_flight(&pool), NR_TAGS - m.nr_free);
	}
	unit_quiet = 0;
	printf("ran %d random operations (%llu get, %llu get_tag, %llu put, %llu lookup)\n",
	       n, (unsigned long long)(ops[0] + ops[1]), (unsigned long long)ops[2],
	       (unsigned long long)(ops[3] + ops[4]), (unsigned long long)ops[5]);
	CHECK_EQ(n, NR_OPS);
	CHECK_EQ(bad, 0);
	printf("puts: %llu completed, %llu double, %llu unknown tag\n",
	       (unsigned long long)outcome[0], (unsigned long long)outcome[1],
	       (unsigned long long)outcome[2]);
	/* the sequence exercised every kind of put, not only the easy one */
	CHECK(outcome[0] > 1000 && outcome[1] > 1000 && outcome[2] > 1000);
	blk_req_pool_exit(&pool);
}

int main(void)
{
	test_init_errors();
	test_basic();
	test_random();
	return unit_end();
}
