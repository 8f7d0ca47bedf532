/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Request contexts: a fixed table of tags, each with a caller-sized context.
 *
 * A tag is either free or in flight. Free tags sit on a doubly linked list
 * (with the sentinel at index nr), so taking the next free tag, taking one
 * particular tag (e.g. fio's io_u->index) and returning a tag are all O(1).
 * Tags and contexts from the other side of a queue are not trusted: an
 * unknown tag gives -EINVAL and completing a tag twice gives -EALREADY,
 * never a crash or a corrupted list.
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

/* link[tag].prev of a tag in flight */
#define BLK_REQ_BUSY		UINT32_MAX

struct blk_req_link {
	uint32_t next;
	uint32_t prev;			/* BLK_REQ_BUSY while in flight */
};

struct blk_req_pool {
	uint32_t nr;			/* tags 0 .. nr - 1 */
	uint32_t in_flight;
	size_t ctx_stride;		/* bytes between contexts, 0 if none */
	struct blk_req_link *link;	/* nr + 1 entries, [nr] is the sentinel */
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

static inline void blk_req_unlink(struct blk_req_pool *pool, uint32_t tag)
{
	struct blk_req_link *l = &pool->link[tag];

	pool->link[l->prev].next = l->next;
	pool->link[l->next].prev = l->prev;
	l->prev = BLK_REQ_BUSY;
	pool->in_flight++;
}

/* Takes any free tag: returns it (>= 0), or -EBUSY when all are in flight. */
static inline int blk_req_get(struct blk_req_pool *pool)
{
	uint32_t tag = pool->link[pool->nr].next;

	if (tag == pool->nr)
		return -EBUSY;
	blk_req_unlink(pool, tag);
	return (int)tag;
}

/* Takes the given tag: 0, -EINVAL if out of range, -EBUSY if in flight. */
static inline int blk_req_get_tag(struct blk_req_pool *pool, uint32_t tag)
{
	if (tag >= pool->nr)
		return -EINVAL;
	if (pool->link[tag].prev == BLK_REQ_BUSY)
		return -EBUSY;
	blk_req_unlink(pool, tag);
	return 0;
}

/* 0 if tag is in flight, -EINVAL if out of range, -EALREADY if free. */
static inline int blk_req_check(const struct blk_req_pool *pool, uint64_t tag)
{
	if (tag >= pool->nr)
		return -EINVAL;
	if (pool->link[tag].prev != BLK_REQ_BUSY)
		return -EALREADY;
	return 0;
}

/* Returns a tag the caller knows is in flight (blk_req_check()) to the free list. */
static inline void blk_req_put_checked(struct blk_req_pool *pool, uint32_t tag)
{
	struct blk_req_link *head = &pool->link[pool->nr];

	/* LIFO: the tag just completed is the one most likely still cached */
	pool->link[tag].next = head->next;
	pool->link[tag].prev = pool->nr;
	pool->link[head->next].prev = tag;
	head->next = tag;
	pool->in_flight--;
}

/*
 * Returns a tag in flight to the free list: 0, -EINVAL if out of range,
 * -EALREADY if it is already free (a double completion). The tag is taken
 * as 64 bits so a corrupt completion cookie cannot wrap into range.
 */
static inline int blk_req_put(struct blk_req_pool *pool, uint64_t tag)
{
	struct blk_req_link *head = &pool->link[pool->nr];
	int ret = blk_req_check(pool, tag);

	if (ret)
		return ret;
	/* LIFO: the tag just completed is the one most likely still cached */
	pool->link[tag].next = head->next;
	pool->link[tag].prev = pool->nr;
	pool->link[head->next].prev = (uint32_t)tag;
	head->next = (uint32_t)tag;
	pool->in_flight--;
	return 0;
}

/*
 * The context of any valid tag, free or not, NULL for a pool without
 * contexts; the tag is not checked (hot path).
 */
static inline void *blk_req_ctx(const struct blk_req_pool *pool, uint32_t tag)
{
	if (!pool->ctx)
		return NULL;
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
	return pool->in_flight;
}

#endif
