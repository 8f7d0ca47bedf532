// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zoned namespaces: identify data, zone reports and zone commands (NVMe
 * Zoned Namespace Command Set specification).
 */
/* libnvme.h must come before linux/nvme_ioctl.h (see nvme_cmd.h). */
#include <libnvme.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "le_bytes.h"
#include "msg.h"
#include "nvme_ns.h"
#include "nvme_status.h"
#include "nvme_zns.h"

/* Namespace Identification Descriptor type of the Command Set Identifier. */
#define NIDT_CSI		0x04

/* Offsets in the ZNS Identify Namespace data structure. */
#define ZNS_ID_MAR		4
#define ZNS_ID_MOR		8
#define ZNS_ID_LBAFE		2816
#define ZNS_LBAFE_SIZE		16

int blk_nvme_ns_csi(const void *descs, size_t len, uint8_t *csi)
{
	const uint8_t *d = descs;
	size_t off = 0;

	/* Each descriptor: type, length, two reserved bytes, then length bytes. */
	while (off + 4 <= len) {
		uint8_t type = d[off], nidl = d[off + 1];

		if (!type || !nidl)
			break;
		if (off + 4 + nidl > len)
			break;
		if (type == NIDT_CSI) {
			*csi = d[off + 4];
			return 0;
		}
		off += 4 + nidl;
	}
	return -ENOENT;
}

/* MOR and MAR are 0-based; all ones means no limit. */
static uint32_t zns_limit(uint32_t raw)
{
	return raw == UINT32_MAX ? 0 : raw + 1;
}

int blk_nvme_zns_parse(const void *zns_id_ns, unsigned int lbaf, const void *zns_id_ctrl,
		       uint32_t min_page, struct blk_nvme_zns *z, char *msg, size_t msg_len)
{
	const uint8_t *id = zns_id_ns;
	uint8_t zasl = *(const uint8_t *)zns_id_ctrl;

	memset(z, 0, sizeof(*z));
	if (lbaf >= 64) {
		blk_msg(msg, msg_len, "LBA format %u has no zone format extension", lbaf);
		return -EINVAL;
	}
	z->zsze = blk_le64_at(id + ZNS_ID_LBAFE + (size_t)lbaf * ZNS_LBAFE_SIZE);
	if (!z->zsze) {
		blk_msg(msg, msg_len, "the zoned namespace reports a zone size of 0 for LBA format %u",
			lbaf);
		return -EINVAL;
	}
	z->zoned = true;
	z->max_active = zns_limit(blk_le32_at(id + ZNS_ID_MAR));
	z->max_open = zns_limit(blk_le32_at(id + ZNS_ID_MOR));
	/* ZASL is in units of the minimum memory page size, like MDTS. */
	z->zasl_bytes = blk_nvme_mdts_bytes(zasl, min_page);
	return 0;
}

int blk_nvme_zone_report_parse(const void *buf, size_t len, struct blk_nvme_zone *zones,
			       unsigned int max)
{
	const uint8_t *b = buf;
	uint64_t nr;
	unsigned int i;

	if (len < BLK_NVME_ZONE_REPORT_HDR)
		return -EINVAL;
	nr = blk_le64_at(b);
	if (nr > (len - BLK_NVME_ZONE_REPORT_HDR) / BLK_NVME_ZONE_DESC)
		nr = (len - BLK_NVME_ZONE_REPORT_HDR) / BLK_NVME_ZONE_DESC;
	if (nr > max)
		nr = max;
	for (i = 0; i < nr; i++) {
		const uint8_t *d = b + BLK_NVME_ZONE_REPORT_HDR + (size_t)i * BLK_NVME_ZONE_DESC;

		zones[i].type = d[0] & 0xf;
		zones[i].state = d[1] >> 4;
		zones[i].zcap = blk_le64_at(d + 8);
		zones[i].zslba = blk_le64_at(d + 16);
		zones[i].wp = blk_le64_at(d + 24);
	}
	return (int)nr;
}

int blk_nvme_cmd_zone_report(struct nvme_uring_cmd *cmd, uint32_t nsid, uint64_t slba,
			     void *buf, uint32_t len)
{
	if (len < BLK_NVME_ZONE_REPORT_HDR || len % 4)
		return -EINVAL;
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = BLK_NVME_ZNS_OP_MGMT_RECV;
	cmd->nsid = nsid;
	cmd->addr = (uintptr_t)buf;
	cmd->data_len = len;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	cmd->cdw12 = len / 4 - 1;		/* NUMD, 0-based dwords */
	/* ZRA 0 (Report Zones), ZRASF 0 (all states), Partial Report. */
	cmd->cdw13 = 1u << 16;
	return 0;
}

int blk_nvme_cmd_zone_send(struct nvme_uring_cmd *cmd, uint32_t nsid, uint64_t slba,
			   uint8_t zsa, bool all)
{
	if (zsa < BLK_NVME_ZSA_CLOSE || zsa > BLK_NVME_ZSA_OFFLINE)
		return -EINVAL;
	memset(cmd, 0, sizeof(*cmd));
	cmd->opcode = BLK_NVME_ZNS_OP_MGMT_SEND;
	cmd->nsid = nsid;
	if (!all) {
		cmd->cdw10 = (uint32_t)slba;
		cmd->cdw11 = (uint32_t)(slba >> 32);
	}
	cmd->cdw13 = zsa | (all ? 1u << 8 : 0);
	return 0;
}

int blk_nvme_zns_submit(int fd, const struct nvme_uring_cmd *cmd, uint64_t *result)
{
	struct nvme_passthru_cmd64 pc = {
		.opcode = cmd->opcode,
		.flags = cmd->flags,
		.nsid = cmd->nsid,
		.cdw2 = cmd->cdw2,
		.cdw3 = cmd->cdw3,
		.metadata = cmd->metadata,
		.addr = cmd->addr,
		.metadata_len = cmd->metadata_len,
		.data_len = cmd->data_len,
		.cdw10 = cmd->cdw10,
		.cdw11 = cmd->cdw11,
		.cdw12 = cmd->cdw12,
		.cdw13 = cmd->cdw13,
		.cdw14 = cmd->cdw14,
		.cdw15 = cmd->cdw15,
		.timeout_ms = cmd->timeout_ms,
	};
	int ret = ioctl(fd, NVME_IOCTL_IO64_CMD, &pc);

	if (ret < 0)
		return -errno;
	if (result)
		*result = pc.result;
	return ret;
}

int blk_nvme_zns_probe(int fd, const char *path, uint32_t nsid, unsigned int lbaf,
		       struct blk_nvme_zns *z, char *msg, size_t msg_len)
{
	char desc[160], reason[200];
	uint8_t csi = 0;
	void *buf;
	int ret;

	memset(z, 0, sizeof(*z));
	buf = calloc(2, BLK_NVME_IDENTIFY_SIZE);
	if (!buf) {
		blk_msg(msg, msg_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* A controller without the descriptor list serves the NVM command set only. */
	if (nvme_identify_ns_descs(fd, nsid, buf) ||
	    blk_nvme_ns_csi(buf, BLK_NVME_IDENTIFY_SIZE, &csi) || csi != BLK_NVME_CSI_ZNS) {
		ret = 0;
		goto out;
	}
	memset(buf, 0, 2 * BLK_NVME_IDENTIFY_SIZE);
	ret = nvme_zns_identify_ns(fd, nsid, buf);
	if (!ret)
		ret = nvme_zns_identify_ctrl(fd, (void *)((char *)buf + BLK_NVME_IDENTIFY_SIZE));
	if (ret) {
		if (ret > 0)
			blk_nvme_status_describe((uint32_t)ret, desc, sizeof(desc));
		else
			snprintf(desc, sizeof(desc), "%s", strerror(errno));
		blk_msg(msg, msg_len, "%s: the namespace is zoned but its ZNS Identify failed: %s",
			path, desc);
		ret = ret > 0 ? -EIO : -errno;
		goto out;
	}
	ret = blk_nvme_zns_parse(buf, lbaf, (char *)buf + BLK_NVME_IDENTIFY_SIZE,
				 BLK_NVME_MIN_PAGE, z, reason, sizeof(reason));
	if (ret)
		blk_msg(msg, msg_len, "%s: %s", path, reason);
out:
	free(buf);
	return ret;
}
