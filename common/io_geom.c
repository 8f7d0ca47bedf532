// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device geometry: the checks that turn what a device reports into the
 * numbers the engines split I/O with. The hot helpers are inline in
 * io_geom.h.
 */
#include <errno.h>

#include "io_geom.h"

uint32_t blk_geom_max_xfer(const uint64_t *limits, unsigned int n, uint32_t block,
			   uint32_t unit)
{
	uint64_t max = UINT32_MAX;
	unsigned int i;

	if (!block)
		return 0;
	for (i = 0; i < n; i++)
		if (limits[i] && limits[i] < max)
			max = limits[i];
	if (!unit || unit % block || unit > max)
		unit = block;
	max -= max % unit;
	return (uint32_t)max;
}

int blk_geom_init(struct blk_geom *g, uint32_t block, uint64_t nblocks, uint32_t max_xfer)
{
	if (!block || !max_xfer || max_xfer % block)
		return -EINVAL;
	if (!nblocks)
		return -ERANGE;
	if (nblocks > UINT64_MAX / block)
		return -EOVERFLOW;
	g->block = block;
	g->block_shift = !(block & (block - 1)) ? (uint8_t)__builtin_ctz(block) : 0;
	g->max_xfer = max_xfer;
	g->capacity = nblocks * block;
	return 0;
}
