/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: one NVMe namespace (generic char device) as the
 * engine uses it, and the start-up checks that make a job fit the device.
 */
#ifndef BLK_NVME_URING_H
#define BLK_NVME_URING_H

#include <stdbool.h>
#include <stdint.h>

#include "fio.h"

#include "nvme_ns.h"
#include "nvme_pi.h"

struct nvme_target {
	int fd;			/* open generic char device, -1 when closed */
	int reg_index;		/* index among the ring's registered files, -1 none */
	struct blk_nvme_ns ns;
	/*
	 * Bytes one logical block takes in fio's buffer: lba_size, plus ms for
	 * extended LBA formats unless the controller strips the whole
	 * metadata (PRACT with 8-byte metadata). fio offsets are in this unit.
	 */
	uint32_t io_block;
	uint8_t io_block_shift;	/* log2(io_block) when a power of two, else 0 */
	uint32_t max_xfer;	/* data bytes one command may carry, multiple of io_block */
	uint32_t md_per_block;	/* separate metadata bytes per block sent, 0 none */
	bool pi_host;		/* the engine computes PI (pi_act=0 on a PI format) */
	uint8_t prinfo;		/* PRINFO of reads and writes */
	struct blk_pi_layout pi;
	/*
	 * Reads and writes of one command with data alone (no protection
	 * information, no separate metadata) start from these, indexed by
	 * DDIR_READ and DDIR_WRITE, when fast_rw is set.
	 */
	bool fast_rw;
	struct nvme_uring_cmd rw_template[2];
};

/*
 * Opens path, identifies the namespace and checks the job's options
 * against it; logs a message naming the file and option on failure.
 * Returns 0 (t->fd open) or -errno (nothing open).
 */
int nvme_target_open(struct thread_data *td, const char *path, struct nvme_target *t);
void nvme_target_close(struct nvme_target *t);

/* Size in bytes as fio addresses the namespace (nsze * io_block). */
static inline uint64_t nvme_target_size(const struct nvme_target *t)
{
	return t->ns.nsze * t->io_block;
}

/* The most commands one I/O of len bytes is split into. */
static inline unsigned int nvme_target_chunks(const struct nvme_target *t,
					      unsigned long long len)
{
	if (len <= t->max_xfer)
		return 1;
	return (unsigned int)((len + t->max_xfer - 1) / t->max_xfer);
}

/*
 * Bytes to blocks. Every I/O converts several times, and a shift costs a
 * fraction of a 64-bit division; extended LBA formats (e.g. 4096 + 64)
 * keep the division.
 */
static inline uint64_t nvme_target_blocks(const struct nvme_target *t, uint64_t bytes)
{
	return t->io_block_shift ? bytes >> t->io_block_shift : bytes / t->io_block;
}

static inline bool nvme_target_aligned(const struct nvme_target *t, uint64_t bytes)
{
	return t->io_block_shift ? !(bytes & (t->io_block - 1)) : !(bytes % t->io_block);
}

#endif
