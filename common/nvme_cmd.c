// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVM command set I/O commands into struct nvme_uring_cmd.
 *
 * Command dword 12 of Read, Write, Compare, Write Zeroes and Verify:
 *   15:00 NLB (0-based)  23:20 DTYPE  25 DEAC  29:26 PRINFO  30 FUA  31 LR
 * libnvme's NVME_IO_* constants describe the upper half (the old "control"
 * field), hence the shift by 16.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nvme_cmd.h"

#define BLK_CDW12_CTL_SHIFT	16
#define BLK_CDW12_PRINFO_SHIFT	26	/* NVME_IO_PRINFO_PRCHK_REF << 16 */
#define BLK_CDW12_DTYPE_SHIFT	20	/* NVME_IO_DTYPE_STREAMS << 16 is DTYPE 1 */
#define BLK_CDW13_DSPEC_SHIFT	16
#define BLK_CDW15_MASK_SHIFT	16
#define BLK_DSM_NR_MAX		NVME_DSM_MAX_RANGES

_Static_assert(((uint32_t)NVME_IO_PRINFO_PRCHK_REF << BLK_CDW12_CTL_SHIFT) ==
	       1u << BLK_CDW12_PRINFO_SHIFT, "PRINFO position");
_Static_assert(((uint32_t)NVME_IO_DTYPE_STREAMS << BLK_CDW12_CTL_SHIFT) ==
	       1u << BLK_CDW12_DTYPE_SHIFT, "DTYPE position");
_Static_assert(((uint32_t)NVME_IO_PRINFO_PRACT >> 10) == BLK_NVME_PRINFO_PRACT &&
	       ((uint32_t)NVME_IO_PRINFO_PRCHK_GUARD >> 10) == BLK_NVME_PRINFO_PRCHK_GUARD &&
	       ((uint32_t)NVME_IO_PRINFO_PRCHK_APP >> 10) == BLK_NVME_PRINFO_PRCHK_APP,
	       "PRINFO bits");

enum blk_rw_kind {
	BLK_RW_DATA_IN,		/* read, compare: FUA, LR, PI */
	BLK_RW_DATA_OUT,	/* write: also placement */
	BLK_RW_ZEROES,		/* no data: also DEAC */
	BLK_RW_VERIFY,		/* no data */
};

static int blk_nvme_cmd_rw(struct nvme_uring_cmd *cmd, uint8_t opcode,
			   const struct blk_nvme_rw *rw, enum blk_rw_kind kind)
{
	uint32_t allowed = BLK_NVME_RW_FUA | BLK_NVME_RW_LR;
	uint32_t cdw12;

	if (kind == BLK_RW_ZEROES)
		allowed |= BLK_NVME_RW_DEAC;
	if (!rw->nlb || rw->nlb > BLK_NVME_MAX_NLB || (rw->flags & ~allowed) ||
	    rw->prinfo > 0xf)
		return -EINVAL;
	/* only writes carry a directive; DTYPE is a 4-bit field */
	if ((rw->dtype || rw->dspec) && (kind != BLK_RW_DATA_OUT || rw->dtype > 0xf))
		return -EINVAL;

	cdw12 = (rw->nlb - 1) | (uint32_t)rw->prinfo << BLK_CDW12_PRINFO_SHIFT;
	if (rw->flags & BLK_NVME_RW_FUA)
		cdw12 |= (uint32_t)NVME_IO_FUA << BLK_CDW12_CTL_SHIFT;
	if (rw->flags & BLK_NVME_RW_LR)
		cdw12 |= (uint32_t)NVME_IO_LR << BLK_CDW12_CTL_SHIFT;
	if (rw->flags & BLK_NVME_RW_DEAC)
		cdw12 |= (uint32_t)NVME_IO_DEAC << BLK_CDW12_CTL_SHIFT;
	cdw12 |= (uint32_t)rw->dtype << BLK_CDW12_DTYPE_SHIFT;

	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = opcode;
	cmd->nsid = rw->nsid;
	if (kind == BLK_RW_DATA_IN || kind == BLK_RW_DATA_OUT) {
		cmd->addr = (uintptr_t)rw->buf;
		cmd->data_len = rw->len;
		if (rw->md) {
			cmd->metadata = (uintptr_t)rw->md;
			cmd->metadata_len = rw->md_len;
		}
	}
	cmd->cdw10 = (uint32_t)rw->slba;
	cmd->cdw11 = (uint32_t)(rw->slba >> 32);
	cmd->cdw12 = cdw12;
	cmd->cdw13 = (uint32_t)rw->dspec << BLK_CDW13_DSPEC_SHIFT;
	/* A 48-bit reference tag (64-bit guard formats) has its top in CDW3. */
	cmd->cdw3 = (uint32_t)(rw->reftag >> 32);
	cmd->cdw14 = (uint32_t)rw->reftag;
	cmd->cdw15 = rw->apptag | (uint32_t)rw->apptag_mask << BLK_CDW15_MASK_SHIFT;
	return 0;
}

int blk_nvme_cmd_read(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw)
{
	return blk_nvme_cmd_rw(cmd, nvme_cmd_read, rw, BLK_RW_DATA_IN);
}

int blk_nvme_cmd_write(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw)
{
	return blk_nvme_cmd_rw(cmd, nvme_cmd_write, rw, BLK_RW_DATA_OUT);
}

/* Compare: the controller checks the blocks against the buffer it is sent. */
int blk_nvme_cmd_compare(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw)
{
	return blk_nvme_cmd_rw(cmd, nvme_cmd_compare, rw, BLK_RW_DATA_IN);
}

int blk_nvme_cmd_write_zeroes(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw)
{
	return blk_nvme_cmd_rw(cmd, nvme_cmd_write_zeroes, rw, BLK_RW_ZEROES);
}

int blk_nvme_cmd_verify(struct nvme_uring_cmd *cmd, const struct blk_nvme_rw *rw)
{
	return blk_nvme_cmd_rw(cmd, nvme_cmd_verify, rw, BLK_RW_VERIFY);
}

int blk_nvme_cmd_write_uncor(struct nvme_uring_cmd *cmd, uint32_t nsid,
			     uint64_t slba, uint32_t nlb)
{
	if (!nlb || nlb > BLK_NVME_MAX_NLB)
		return -EINVAL;
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = nvme_cmd_write_uncor;
	cmd->nsid = nsid;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	cmd->cdw12 = nlb - 1;
	return 0;
}

void blk_nvme_cmd_flush(struct nvme_uring_cmd *cmd, uint32_t nsid)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = nvme_cmd_flush;
	cmd->nsid = nsid;
}

int blk_nvme_dsm_range(struct nvme_dsm_range *range, uint64_t slba,
		       uint32_t nlb, uint32_t cattr)
{
	if (!nlb)
		return -EINVAL;
	range->cattr = htole32(cattr);
	range->nlb = htole32(nlb);
	range->slba = htole64(slba);
	return 0;
}

int blk_nvme_cmd_dsm(struct nvme_uring_cmd *cmd, uint32_t nsid,
		     struct nvme_dsm_range *ranges, unsigned int nr,
		     uint32_t attr)
{
	const uint32_t known = NVME_DSMGMT_IDR | NVME_DSMGMT_IDW | NVME_DSMGMT_AD;

	if (!ranges || !nr || nr > BLK_DSM_NR_MAX || (attr & ~known))
		return -EINVAL;
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = nvme_cmd_dsm;
	cmd->nsid = nsid;
	cmd->addr = (uintptr_t)ranges;
	cmd->data_len = nr * sizeof(*ranges);
	cmd->cdw10 = nr - 1;
	cmd->cdw11 = attr;
	return 0;
}

int blk_nvme_lba_div_init(struct blk_nvme_lba_div *d, uint32_t block)
{
	uint64_t odd, inv;
	unsigned int i;

	if (!block)
		return -EINVAL;
	d->shift = (uint8_t)__builtin_ctz(block);
	d->low_mask = ((uint64_t)1 << d->shift) - 1;
	odd = block >> d->shift;
	/*
	 * Newton's iteration: odd is its own inverse modulo 8, and each step
	 * doubles the correct low bits (3, 6, 12, 24, 48, 96).
	 */
	inv = odd;
	for (i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	d->inv = inv;
	d->max = UINT64_MAX / odd;
	return 0;
}
