// SPDX-License-Identifier: GPL-2.0-only
/*
 * Request contexts: allocation of the tag tables. The hot functions are
 * inline in req_pool.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "req_pool.h"

int blk_req_pool_init(struct blk_req_pool *pool, uint32_t nr, size_t ctx_size)
{
	size_t stride = 0;
	uint32_t i;

	memset(pool, 0, sizeof(*pool));
	if (!nr || nr > BLK_REQ_POOL_MAX)
		return -EINVAL;
	if (ctx_size) {
		if (ctx_size > SIZE_MAX / nr - BLK_REQ_CTX_ALIGN)
			return -EINVAL;
		stride = (ctx_size + BLK_REQ_CTX_ALIGN - 1) &
			 ~(size_t)(BLK_REQ_CTX_ALIGN - 1);
		pool->ctx = aligned_alloc(BLK_REQ_CTX_ALIGN, stride * nr);
		if (!pool->ctx)
			return -ENOMEM;
		memset(pool->ctx, 0, stride * nr);
	}
	pool->free = calloc(nr, sizeof(*pool->free));
	pool->pos = calloc(nr, sizeof(*pool->pos));
	if (!pool->free || !pool->pos)
		goto free_all;

	/* tag 0 on top: tags are handed out in ascending order at first */
	for (i = 0; i < nr; i++) {
		pool->free[i] = nr - 1 - i;
		pool->pos[nr - 1 - i] = i;
	}
	pool->nr_free = nr;
	pool->nr = nr;
	pool->ctx_stride = stride;
	return 0;

free_all:
	blk_req_pool_exit(pool);
	return -ENOMEM;
}

void blk_req_pool_exit(struct blk_req_pool *pool)
{
	free(pool->free);
	free(pool->pos);
	free(pool->ctx);
	memset(pool, 0, sizeof(*pool));
}
