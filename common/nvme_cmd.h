/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builders of NVM command set I/O commands into struct nvme_uring_cmd.
 *
 * Each builder clears the whole command and fills opcode, nsid, buffers and
 * command dwords 10-15; nothing else (the kernel owns the command id and
 * PRP/SGL). Fields of nvme_uring_cmd are in CPU byte order; only the DSM
 * range list, which the device reads from memory, is little endian.
 * Builders return 0, or -EINVAL for a value the command cannot encode, so a
 * bad request never reaches the device as a different one.
 */
#ifndef BLK_NVME_CMD_H
#define BLK_NVME_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/*
 * A file that also wants <libnvme.h> must include it before this header:
 * libnvme 1.3's ioctl.h breaks when linux/nvme_ioctl.h came first.
 */
#include <linux/nvme_ioctl.h>
#include <nvme/types.h>

#include "nvme_ns.h"

/* blk_nvme_rw.flags */
#define BLK_NVME_RW_FUA		(1u << 0)	/* force unit access */
#define BLK_NVME_RW_LR		(1u << 1)	/* limited retry */
#define BLK_NVME_RW_DEAC	(1u << 2)	/* write zeroes: deallocate */

/*
 * blk_nvme_rw.prinfo, the 4-bit PRINFO field. The PRCHK bits have the
 * values of the pi_chk option bits (BLK_PI_CHK_GUARD/APPTAG/REFTAG).
 */
#define BLK_NVME_PRINFO_PRCHK_REF	(1u << 0)
#define BLK_NVME_PRINFO_PRCHK_APP	(1u << 1)
#define BLK_NVME_PRINFO_PRCHK_GUARD	(1u << 2)
#define BLK_NVME_PRINFO_PRACT		(1u << 3)

/* A range of logical blocks and what to do with its data and metadata. */
struct blk_nvme_rw {
	uint32_t nsid;
	uint32_t nlb;			/* logical blocks, 1 .. BLK_NVME_MAX_NLB */
	uint64_t slba;			/* first logical block */
	void *buf;			/* data (read, write, compare), else NULL */
	uint32_t len;			/* bytes at buf */
	uint32_t md_len;		/* bytes at md */
	void *md;			/* separate metadata, or NULL */
	uint32_t flags;			/* BLK_NVME_RW_* */
	uint8_t prinfo;			/* BLK_NVME_PRINFO_* */
	uint8_t dtype;			/* write only: directive type, 0 = none */
	uint16_t dspec;			/* write only: directive specific */
	uint64_t reftag;		/* initial reference tag: 32 bits, 48 with a 64-bit guard */
	uint16_t apptag;		/* expected/stored application tag */
	uint16_t apptag_mask;		/* apptag bits to check */
};

/* FUA, LR, PRINFO, PI tags. */
int blk_nvme_cmd_read(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw);
/* FUA, LR, PRINFO, PI tags, DTYPE/DSPEC (e.g. FDP placement). */
int blk_nvme_cmd_write(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw);
/* The data is sent: FUA, LR, PRINFO, PI tags. */
int blk_nvme_cmd_compare(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw);
/* No data; FUA, LR, DEAC, PRINFO, PI tags. */
int blk_nvme_cmd_write_zeroes(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw);
/* No data; FUA, LR, PRINFO, PI tags. */
int blk_nvme_cmd_verify(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw);
/* No data and no flags. */
int blk_nvme_cmd_write_uncor(struct nvme_uring_cmd *cmd, uint32_t nsid,
			     uint64_t slba, uint32_t nlb);
void blk_nvme_cmd_flush(struct nvme_uring_cmd *cmd, uint32_t nsid);

/* DSM attribute: deallocate (NVME_DSMGMT_AD). */
#define BLK_NVME_DSM_AD		NVME_DSMGMT_AD

/*
 * Fills one DSM range (little endian) of nlb blocks (1-based, unlike
 * NLB of reads and writes) from slba with context attributes cattr.
 * Returns 0, or -EINVAL for nlb 0.
 */
int blk_nvme_dsm_range(struct nvme_dsm_range *range, uint64_t slba,
		       uint32_t nlb, uint32_t cattr);

/*
 * Dataset Management over nr (1 .. NVME_DSM_MAX_RANGES) ranges; attr is a
 * mask of NVME_DSMGMT_IDR/IDW/AD. The range array is the data buffer and
 * must stay valid until the command completes.
 */
int blk_nvme_cmd_dsm(struct nvme_uring_cmd *cmd, uint32_t nsid,
		     struct nvme_dsm_range *ranges, unsigned int nr,
		     uint32_t attr);

/*
 * Bytes to logical blocks on any block size, extended-LBA formats (512+8,
 * 4096+64, ...) included, without a division on the I/O path: the block is
 * 2^shift times an odd factor, and an exact division by an odd number is a
 * multiplication by its inverse modulo 2^64. The same product also tells a
 * whole number of blocks from one with a remainder: only multiples of the
 * odd factor land at or below max (Granlund and Montgomery, 1994).
 */
struct blk_nvme_lba_div {
	uint64_t inv;		/* odd factor's inverse modulo 2^64 */
	uint64_t max;		/* UINT64_MAX / odd factor */
	uint64_t low_mask;	/* (1 << shift) - 1 */
	uint8_t shift;		/* trailing zero bits of the block size */
};

/* Prepares the conversion for block bytes per block: 0, or -EINVAL for 0. */
int blk_nvme_lba_div_init(struct blk_nvme_lba_div *d, uint32_t block);

/*
 * *blocks = bytes / block when bytes is a whole number of blocks (true);
 * false, and *blocks meaningless, when there is a remainder.
 */
static inline bool blk_nvme_lba_exact(const struct blk_nvme_lba_div *d, uint64_t bytes,
				      uint64_t *blocks)
{
	uint64_t q = (bytes >> d->shift) * d->inv;

	*blocks = q;
	return !(bytes & d->low_mask) && q <= d->max;
}

/*
 * The blocks of len bytes at byte off: true, with *slba and *nlb set, when
 * both are whole blocks, nlb is 1 to nlb_max and the range ends at or below
 * nr_blocks (nlb_max <= nr_blocks <= UINT64_MAX / block). One test per
 * bound: a count with a remainder converts to a number above d->max, so
 * above both limits, and a length of 0 wraps nlb - 1.
 */
static inline bool blk_nvme_lba_range(const struct blk_nvme_lba_div *d, uint64_t off,
				      uint64_t len, uint64_t nlb_max, uint64_t nr_blocks,
				      uint64_t *slba, uint64_t *nlb)
{
	*slba = (off >> d->shift) * d->inv;
	*nlb = (len >> d->shift) * d->inv;
	/* nlb <= nlb_max <= nr_blocks once the second test passes: no wrap. */
	return !((off | len) & d->low_mask) && *nlb - 1 < nlb_max &&
	       *slba <= nr_blocks - *nlb;
}

#endif
