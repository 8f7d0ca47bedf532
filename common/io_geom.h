/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device geometry as every engine uses it: the block size fio's offsets and
 * lengths are in, the most bytes one device command (an NVMe command, a
 * virtio-blk request) may carry, the capacity, and the arithmetic that
 * splits one fio I/O into commands.
 *
 * The single source of these numbers: engines fill a blk_geom once from
 * what the device reports (each value checked here) and never recompute
 * them. No fio types; unit tested at the edges (last block, largest
 * transfer, odd block sizes, 64-bit overflow).
 */
#ifndef BLK_IO_GEOM_H
#define BLK_IO_GEOM_H

#include <stdbool.h>
#include <stdint.h>

struct blk_geom {
	uint32_t block;		/* bytes per block in fio's buffers, > 0 */
	uint8_t block_shift;	/* log2(block) when a power of two, else 0 */
	uint32_t max_xfer;	/* bytes per command: a multiple of unit, >= block */
	uint64_t capacity;	/* bytes: blocks * block */
};

/*
 * The largest transfer allowed by every non-zero limit in limits[0..n-1]
 * (and by 32 bits), rounded down to a multiple of unit, which must be a
 * multiple of block. When unit does not fit, block is used instead.
 * Returns 0 when not even one block fits.
 */
uint32_t blk_geom_max_xfer(const uint64_t *limits, unsigned int n, uint32_t block,
			   uint32_t unit);

/*
 * Fills g for nblocks blocks of block bytes, max_xfer bytes per command.
 * Returns 0, -EINVAL for a zero block, a zero max_xfer or one that is not
 * a multiple of block, -EOVERFLOW when nblocks * block exceeds 64 bits,
 * -ERANGE when the device has no blocks.
 */
int blk_geom_init(struct blk_geom *g, uint32_t block, uint64_t nblocks, uint32_t max_xfer);

/* Bytes to blocks; a shift where the block size allows it. */
static inline uint64_t blk_geom_blocks(const struct blk_geom *g, uint64_t bytes)
{
	return g->block_shift ? bytes >> g->block_shift : bytes / g->block;
}

static inline bool blk_geom_aligned(const struct blk_geom *g, uint64_t bytes)
{
	return g->block_shift ? !(bytes & (g->block - 1)) : !(bytes % g->block);
}

/*
 * Whether [offset, offset + len) is a whole number of blocks (len > 0)
 * inside the device; never overflows.
 */
static inline bool blk_geom_io_ok(const struct blk_geom *g, uint64_t offset, uint64_t len)
{
	return len && blk_geom_aligned(g, offset) && blk_geom_aligned(g, len) &&
	       offset <= g->capacity && len <= g->capacity - offset;
}

/* Commands an I/O of len bytes is split into, at most max bytes each (max > 0). */
static inline uint64_t blk_split_count(uint64_t len, uint64_t max)
{
	if (len <= max)
		return len ? 1 : 0;
	return len / max + !!(len % max);
}

/* Length of command i (0-based) of that split (max > 0); 0 past the last. */
static inline uint64_t blk_split_len(uint64_t len, uint64_t max, uint64_t i)
{
	uint64_t done;

	/* i * max would wrap for i far past the last command. */
	if (i > len / max)
		return 0;
	done = i * max;
	if (done >= len)
		return 0;
	return len - done < max ? len - done : max;
}

/*
 * The most commands an I/O of up to max_io bytes takes: what queue sizes
 * are computed from. Saturates at UINT32_MAX.
 */
static inline uint32_t blk_geom_max_parts(const struct blk_geom *g, uint64_t max_io)
{
	uint64_t n = blk_split_count(max_io, g->max_xfer);

	return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

#endif
