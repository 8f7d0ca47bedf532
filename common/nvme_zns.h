/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zoned namespaces (NVMe ZNS command set): what a namespace's zones are,
 * from the ZNS Identify Namespace (CNS 05h, CSI 02h) and Identify
 * Controller (CNS 06h, CSI 02h) images, the Report Zones data, and the
 * builders of Zone Management Receive/Send and Zone Append.
 *
 * Parsers and builders are pure so they are tested without a device;
 * blk_nvme_zns_probe() and blk_nvme_zns_submit() talk to an open
 * /dev/ngXnY.
 */
#ifndef BLK_NVME_ZNS_H
#define BLK_NVME_ZNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/nvme_ioctl.h>

#include "nvme_ns.h"

/* Command Set Identifier of the zoned namespace command set. */
#define BLK_NVME_CSI_ZNS		0x02

/* I/O opcodes of the ZNS command set. */
#define BLK_NVME_ZNS_OP_MGMT_SEND	0x79
#define BLK_NVME_ZNS_OP_MGMT_RECV	0x7a
#define BLK_NVME_ZNS_OP_APPEND		0x7d

/* Zone Send Action of Zone Management Send. */
#define BLK_NVME_ZSA_CLOSE		0x1
#define BLK_NVME_ZSA_FINISH		0x2
#define BLK_NVME_ZSA_OPEN		0x3
#define BLK_NVME_ZSA_RESET		0x4
#define BLK_NVME_ZSA_OFFLINE		0x5

/* Zone states (Zone Descriptor ZS); the values fio's zbd_zone_cond uses too. */
#define BLK_NVME_ZS_EMPTY		0x1
#define BLK_NVME_ZS_IMP_OPEN		0x2
#define BLK_NVME_ZS_EXP_OPEN		0x3
#define BLK_NVME_ZS_CLOSED		0x4
#define BLK_NVME_ZS_READ_ONLY		0xd
#define BLK_NVME_ZS_FULL		0xe
#define BLK_NVME_ZS_OFFLINE		0xf

/* Zone type Sequential Write Required, the only one ZNS defines. */
#define BLK_NVME_ZT_SWR			0x2

/* Bytes of the Report Zones header and of each zone descriptor. */
#define BLK_NVME_ZONE_REPORT_HDR	64u
#define BLK_NVME_ZONE_DESC		64u

struct blk_nvme_zns {
	bool zoned;		/* the namespace's CSI is ZNS */
	uint64_t zsze;		/* logical blocks per zone */
	uint32_t max_open;	/* MOR + 1, 0 = no limit */
	uint32_t max_active;	/* MAR + 1, 0 = no limit */
	uint64_t zasl_bytes;	/* Zone Append size limit, 0 = as MDTS */
};

struct blk_nvme_zone {
	uint64_t zslba;		/* first logical block */
	uint64_t zcap;		/* writable logical blocks */
	uint64_t wp;		/* write pointer, a logical block */
	uint8_t type;		/* BLK_NVME_ZT_* */
	uint8_t state;		/* BLK_NVME_ZS_* */
};

/*
 * The CSI in a Namespace Identification Descriptor list (Identify CNS
 * 03h, len bytes). Returns 0 with *csi set, or -ENOENT when the list has
 * no CSI descriptor (controllers before NVMe 2.0: the NVM command set).
 */
int blk_nvme_ns_csi(const void *descs, size_t len, uint8_t *csi);

/*
 * Fills z (zoned = true) from the ZNS Identify Namespace image for the
 * namespace's formatted LBA format lbaf and the ZNS Identify Controller
 * image; min_page as for blk_nvme_mdts_bytes(). Returns 0, or -EINVAL
 * (zone size 0) with a reason in msg.
 */
int blk_nvme_zns_parse(const void *zns_id_ns, unsigned int lbaf, const void *zns_id_ctrl,
		       uint32_t min_page, struct blk_nvme_zns *z, char *msg, size_t msg_len);

/*
 * Zone descriptors of a Report Zones buffer of len bytes (partial report:
 * the header counts the descriptors that follow) into zones, at most max.
 * Returns the number filled, or -EINVAL for a buffer shorter than its
 * header.
 */
int blk_nvme_zone_report_parse(const void *buf, size_t len, struct blk_nvme_zone *zones,
			       unsigned int max);

/*
 * Zone Management Receive, Report Zones of all states from zone slba
 * into buf (len bytes, a multiple of 4, at least the header), partial
 * report. Returns 0 or -EINVAL.
 */
int blk_nvme_cmd_zone_report(struct nvme_uring_cmd *cmd, uint32_t nsid, uint64_t slba,
			     void *buf, uint32_t len);

/* Zone Management Send of action zsa on zone slba, or on all zones. */
int blk_nvme_cmd_zone_send(struct nvme_uring_cmd *cmd, uint32_t nsid, uint64_t slba,
			   uint8_t zsa, bool all);

/*
 * Issues cmd synchronously on fd (NVME_IOCTL_IO64_CMD). Returns 0, a
 * positive NVMe status, or -errno.
 */
int blk_nvme_zns_submit(int fd, const struct nvme_uring_cmd *cmd, uint64_t *result);

/*
 * Reads the namespace's zone geometry from an open /dev/ngXnY: z->zoned
 * false (and 0) for a namespace of another command set. lbaf is the
 * formatted LBA format. Returns 0 or -errno with msg naming path.
 */
int blk_nvme_zns_probe(int fd, const char *path, uint32_t nsid, unsigned int lbaf,
		       struct blk_nvme_zns *z, char *msg, size_t msg_len);

#endif
