/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request contexts: a fixed table of tags, each with a caller-sized context.
 *
 * A tag is either free or in flight. Free tags sit on a stack, and each
 * tag records where it sits there (or that it is in flight), so taking the
 * next free tag, taking one particular tag (e.g. fio's io_u->index),
 * returning a tag and checking one are all O(1), a few loads and stores
 * each: the pool is on every request's path. Tags and contexts from the
 * other side of a queue are not trusted: an unknown tag gives -EINVAL and
 * completing a tag twice gives -EALREADY, never a crash or a corrupted
 * stack.
 *
 * No locking: a pool belongs to one thread.
 */
#ifndef BLK_REQ_POOL_H
#define BLK_REQ_POOL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* Upper bound of tags per pool; keeps tags positive in an int. */
#define BLK_REQ_POOL_MAX	(1u << 20)

/* Contexts start on their own cache line so neighbours never share one. */
#define BLK_REQ_CTX_ALIGN	64u

/* pos[tag] of a tag in flight */
#define BLK_REQ_BUSY		UINT32_MAX

struct blk_req_pool {
	uint32_t nr;			/* tags 0 .. nr - 1 */
	uint32_t nr_free;		/* free[0 .. nr_free - 1] are free */
	uint32_t *free;			/* nr entries: the free tags, a stack */
	uint32_t *pos;			/* nr entries: index in free[], or BLK_REQ_BUSY */
	size_t ctx_stride;		/* bytes between contexts, 0 if none */
	unsigned char *ctx;		/* nr * ctx_stride bytes, zeroed at init */
};

/*
 * Makes a pool of nr tags (1 .. BLK_REQ_POOL_MAX), all free, each with a
 * zeroed context of ctx_size bytes (0: no contexts). Returns 0, -EINVAL or
 * -ENOMEM.
 */
int blk_req_pool_init(struct blk_req_pool *pool, uint32_t nr, size_t ctx_size);

/* Frees the tables; the pool may be initialised again. Safe on a zeroed pool. */
void blk_req_pool_exit(struct blk_req_pool *pool);

static inline uint32_t blk_req_nr_free(const struct blk_req_pool *pool)
{
	return pool->nr_free;
}

/* Takes a free tag from a pool that has one (blk_req_nr_free() > 0). */
static inline uint32_t blk_req_take(struct blk_req_pool *pool)
{
	/* LIFO: the tag returned last is the one most likely still cached */
	uint32_t tag = pool->free[--pool->nr_free];

	pool->pos[tag] = BLK_REQ_BUSY;
	return tag;
}

/* Takes any free tag: returns it (>= 0), or -EBUSY when all are in flight. */
static inline int blk_req_get(struct blk_req_pool *pool)
{
	if (!pool->nr_free)
		return -EBUSY;
	return (int)blk_req_take(pool);
}

/* Takes the given tag: 0, -EINVAL if out of range, -EBUSY if in flight. */
static inline int blk_req_get_tag(struct blk_req_pool *pool, uint32_t tag)
{
	uint32_t at, last;

	if (tag >= pool->nr)
		return -EINVAL;
	at = pool->pos[tag];
	if (at == BLK_REQ_BUSY)
		return -EBUSY;
	/* The top of the stack fills the hole. */
	last = pool->free[--pool->nr_free];
	pool->free[at] = last;
	pool->pos[last] = at;
	pool->pos[tag] = BLK_REQ_BUSY;
	return 0;
}

/* 0 if tag is in flight, -EINVAL if out of range, -EALREADY if free. */
static inline int blk_req_check(const struct blk_req_pool *pool, uint64_t tag)
{
	if (tag >= pool->nr)
		return -EINVAL;
	if (pool->pos[tag] != BLK_REQ_BUSY)
		return -EALREADY;
	return 0;
}

/* Returns a tag the caller knows is in flight (blk_req_check()) to the free stack. */
static inline void blk_req_put_checked(struct blk_req_pool *pool, uint32_t tag)
{
	pool->pos[tag] = pool->nr_free;
	pool->free[pool->nr_free++] = tag;
}

/*
 * Returns a tag in flight to the free stack: 0, -EINVAL if out of range,
 * -EALREADY if it is already free (a double completion). The tag is taken
 * as 64 bits so a corrupt completion cookie cannot wrap into range.
 */
static inline int blk_req_put(struct blk_req_pool *pool, uint64_t tag)
{
	int ret = blk_req_check(pool, tag);

	if (ret)
		return ret;
	blk_req_put_checked(pool, (uint32_t)tag);
	return 0;
}

/*
 * The context of any valid tag, free or not, of a pool made with
 * contexts; neither the tag nor the pool is checked (hot path).
 */
static inline void *blk_req_ctx(const struct blk_req_pool *pool, uint32_t tag)
{
	return pool->ctx + (size_t)tag * pool->ctx_stride;
}

/*
 * Stores the context of a tag in flight in *ctx: 0, or -EINVAL / -EALREADY
 * as blk_req_check(), leaving *ctx untouched.
 */
static inline int blk_req_lookup(const struct blk_req_pool *pool, uint64_t tag,
				 void **ctx)
{
	int ret = blk_req_check(pool, tag);

	if (!ret)
		*ctx = blk_req_ctx(pool, (uint32_t)tag);
	return ret;
}

static inline uint32_t blk_req_in_flight(const struct blk_req_pool *pool)
{
	return pool->nr - pool->nr_free;
}

#endif
