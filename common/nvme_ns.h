/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What an NVMe I/O engine needs to know about one namespace, from Identify
 * Controller + Identify Namespace and the kernel's transfer limit.
 *
 * blk_nvme_ns_parse() is pure (raw 4096-byte Identify images in, struct
 * out) so every format can be tested without a device; blk_nvme_ns_probe()
 * gathers the inputs from an open /dev/ngXnY.
 */
#ifndef BLK_NVME_NS_H
#define BLK_NVME_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "io_geom.h"

/* Size of an Identify data structure. */
#define BLK_NVME_IDENTIFY_SIZE	4096u

/* Memory page size Linux assumes for MDTS (CAP.MPSMIN is not readable). */
#define BLK_NVME_MIN_PAGE	4096u

/* Most logical blocks one read/write can carry: NLB is 16 bits, 0-based. */
#define BLK_NVME_MAX_NLB	65536u

struct blk_nvme_ns {
	uint32_t nsid;
	uint64_t nsze;			/* namespace size in logical blocks */
	uint32_t lba_size;		/* data bytes per logical block */
	unsigned int lba_shift;		/* log2(lba_size) */
	uint32_t ms;			/* metadata bytes per logical block */
	bool extended_lba;		/* metadata interleaved with data (FLBAS bit 4) */
	unsigned int lbaf;		/* formatted LBA format index, 0..63 */
	unsigned int pi_type;		/* 0 none, 1..3 (DPS bits 0-2) */
	bool pi_first;			/* PI in the first bytes of metadata (DPS bit 3) */
	unsigned int pif;		/* PI format: BLK_NVME_PIF_* (ELBAF; 16-bit guard without it) */
	bool elbas;			/* controller has extended LBA formats (CTRATT bit 15) */
	bool fdp;			/* controller has Flexible Data Placement (CTRATT bit 19) */
	bool directives;		/* controller has Directive Send/Receive (OACS bit 5) */
	uint8_t dlfeat;			/* raw DLFEAT */
	bool dealloc_zeroes;		/* deallocated blocks read as zeroes */
	uint64_t mdts_bytes;		/* MDTS alone, 0 = no limit reported */
	uint32_t kernel_max_bytes;	/* max_hw_sectors_kb * 1024, 0 = unknown */
	uint32_t kernel_max_segments;	/* the queue's max_segments, 0 = unknown */
	bool vwc;			/* volatile write cache present */
	uint16_t oncs;			/* raw ONCS of Identify Controller */
	bool has_compare;
	bool has_write_uncor;
	bool has_dsm;
	bool has_write_zeroes;
	bool has_verify;
};

/* Protection information formats (ELBAF PIF): the guard's width. */
#define BLK_NVME_PIF_16B_GUARD	0u	/* 8-byte tuple, CRC-16 T10-DIF */
#define BLK_NVME_PIF_32B_GUARD	1u	/* 16-byte tuple, CRC-32C (not served) */
#define BLK_NVME_PIF_64B_GUARD	2u	/* 16-byte tuple, CRC-64 NVMe, 48-bit ref tag */

/* Bytes of the PI tuple of a namespace with protection information. */
static inline uint32_t blk_nvme_pi_tuple_size(const struct blk_nvme_ns *ns)
{
	return ns->pif == BLK_NVME_PIF_16B_GUARD ? 8u : 16u;
}

/*
 * Bytes MDTS allows for a controller whose minimum memory page size is
 * min_page: min_page << mdts, 0 for MDTS 0 (no limit), UINT64_MAX when
 * that does not fit in 64 bits.
 */
uint64_t blk_nvme_mdts_bytes(uint8_t mdts, uint32_t min_page);

/*
 * Fills ns from raw Identify Controller and Identify Namespace images
 * (BLK_NVME_IDENTIFY_SIZE bytes each, any alignment). min_page as for
 * blk_nvme_mdts_bytes(); kernel_max_bytes is the kernel's transfer limit
 * in bytes or 0 if unknown. Returns 0, or -ENXIO (inactive namespace),
 * -EINVAL (LBA format index beyond NLBAF/NULBAF) or -EOPNOTSUPP (LBA data
 * size unusable), with a one-line reason in msg.
 */
int blk_nvme_ns_parse(const void *id_ctrl, const void *id_ns, uint32_t nsid,
		      uint32_t min_page, uint32_t kernel_max_bytes,
		      struct blk_nvme_ns *ns, char *msg, size_t msg_len);

/*
 * Adds what the NVM command set's own Identify Namespace (CNS 05h, CSI 0)
 * says of the formatted LBA format to ns (after blk_nvme_ns_parse; only
 * for a controller with ns->elbas): the PI format and storage tag size.
 * Returns 0, or -EOPNOTSUPP with a reason in msg for a protected format
 * the engine cannot serve (a storage tag, a 32-bit guard, a reserved PIF).
 */
int blk_nvme_ns_parse_nvm(const void *id_nvm_ns, struct blk_nvme_ns *ns,
			  char *msg, size_t msg_len);

/*
 * The geometry fio sees on ns: blocks of lba_size bytes, plus ms for
 * extended LBA formats unless the controller strips and inserts the whole
 * metadata (pi_strip: PRACT with metadata of just the PI tuple), and commands of at
 * most MDTS, the kernel's limit, 65536 blocks (16-bit NLB) and the pages
 * the kernel's segment limit maps (one page fewer unless every data buffer
 * starts on a page: bufs_page_aligned). Returns 0, or -EOPNOTSUPP (not even
 * one block fits a command) or -EOVERFLOW (nsze blocks do not fit in 64
 * bits of bytes) with a one-line reason in msg.
 */
int blk_nvme_ns_geom(const struct blk_nvme_ns *ns, bool pi_strip, bool bufs_page_aligned,
		     struct blk_geom *g, char *msg, size_t msg_len);

/*
 * The kernel's bound on one passthrough command's buffer in bytes when each
 * of its max_segments segments is one page (user pages need not be
 * physically contiguous): segments pages, one fewer for a buffer that may
 * start inside a page, never less than one page. 0 when segments is unknown.
 */
uint64_t blk_nvme_segment_bytes(uint32_t segments, bool bufs_page_aligned);

/*
 * The kernel's limits for the namespace nsid behind the NVMe generic char
 * device dev: max_hw_sectors_kb in bytes and max_segments (0 when that
 * attribute is missing) of the block device of the same namespace, found
 * next to it under sysfs_root ("/sys"; tests pass a copy). Returns 0, or
 * -ENOENT when no such block device or max_hw_sectors_kb exists.
 */
int blk_nvme_kernel_limits(const char *sysfs_root, dev_t dev, uint32_t nsid,
			   uint32_t *max_bytes, uint32_t *max_segments);

/*
 * Probes an open NVMe generic char device (/dev/ngXnY): namespace id,
 * Identify Controller and Namespace (and the NVM command set's Identify
 * Namespace where the controller has extended LBA formats), kernel limit
 * (falls back to MDTS alone). Returns 0 or -errno with msg naming path and what failed.
 */
int blk_nvme_ns_probe(int fd, const char *path, struct blk_nvme_ns *ns,
		      char *msg, size_t msg_len);

#endif
