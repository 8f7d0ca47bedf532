// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zoned namespaces: the CSI in a descriptor list, zone geometry from
 * ZNS Identify images, Report Zones data, and the zone commands' dwords,
 * with the layouts written out from the ZNS specification.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "nvme_zns.h"
#include "unit.h"

static uint8_t id_ns[4096], id_ctrl[4096], report[64 + 3 * 64];

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_csi(void)
{
	uint8_t d[4096] = { 0 };
	uint8_t csi = 0xff;

	/* EUI64 (type 1, 8 bytes), then NGUID (type 2, 16), then CSI (type 4, 1) */
	d[0] = 1; d[1] = 8;
	d[12] = 2; d[13] = 16;
	d[32] = 4; d[33] = 1; d[36] = 2;
	CHECK_EQ(blk_nvme_ns_csi(d, sizeof(d), &csi), 0);
	CHECK_EQ(csi, 2);
	/* no CSI descriptor: NVM command set */
	d[32] = 0;
	CHECK_EQ(blk_nvme_ns_csi(d, sizeof(d), &csi), -ENOENT);
	/* a length running past the list is not read */
	d[32] = 4; d[33] = 200;
	CHECK_EQ(blk_nvme_ns_csi(d, 64, &csi), -ENOENT);
}

static void test_parse(void)
{
	struct blk_nvme_zns z;
	char msg[128];

	memset(id_ns, 0, sizeof(id_ns));
	memset(id_ctrl, 0, sizeof(id_ctrl));
	put_le(id_ns + 4, 2, 4);		/* MAR: 3 active */
	put_le(id_ns + 8, 5, 4);		/* MOR: 6 open */
	put_le(id_ns + 2816 + 16 * 1, 2048, 8);	/* LBAF 1: 2048 blocks a zone */
	id_ctrl[0] = 3;				/* ZASL: 4096 << 3 */
	CHECK_EQ(blk_nvme_zns_parse(id_ns, 1, id_ctrl, 4096, &z, msg, sizeof(msg)), 0);
	CHECK(z.zoned);
	CHECK_EQ(z.zsze, 2048);
	CHECK_EQ(z.max_active, 3);
	CHECK_EQ(z.max_open, 6);
	CHECK_EQ(z.zasl_bytes, 32768);

	/* all ones: no limit; ZASL 0: as MDTS */
	put_le(id_ns + 4, UINT32_MAX, 4);
	put_le(id_ns + 8, UINT32_MAX, 4);
	id_ctrl[0] = 0;
	CHECK_EQ(blk_nvme_zns_parse(id_ns, 1, id_ctrl, 4096, &z, msg, sizeof(msg)), 0);
	CHECK_EQ(z.max_active, 0);
	CHECK_EQ(z.max_open, 0);
	CHECK_EQ(z.zasl_bytes, 0);

	/* the zone size of another LBA format is 0 */
	CHECK_EQ(blk_nvme_zns_parse(id_ns, 0, id_ctrl, 4096, &z, msg, sizeof(msg)), -EINVAL);
	CHECK(!z.zoned);
	CHECK_EQ(blk_nvme_zns_parse(id_ns, 64, id_ctrl, 4096, &z, msg, sizeof(msg)), -EINVAL);
}

static void test_report(void)
{
	struct blk_nvme_zone zones[4];
	uint8_t *d;

	memset(report, 0, sizeof(report));
	put_le(report, 2, 8);			/* two descriptors */
	d = report + 64;
	d[0] = 2; d[1] = 0xe << 4;		/* SWR, full */
	put_le(d + 8, 1000, 8);			/* ZCAP */
	put_le(d + 16, 0, 8);			/* ZSLBA */
	put_le(d + 24, 1024, 8);		/* WP */
	d += 64;
	d[0] = 2; d[1] = 0x2 << 4;		/* SWR, implicitly open */
	put_le(d + 8, 1000, 8);
	put_le(d + 16, 1024, 8);
	put_le(d + 24, 1024 + 17, 8);
	CHECK_EQ(blk_nvme_zone_report_parse(report, sizeof(report), zones, 4), 2);
	CHECK_EQ(zones[0].type, BLK_NVME_ZT_SWR);
	CHECK_EQ(zones[0].state, BLK_NVME_ZS_FULL);
	CHECK_EQ(zones[0].zcap, 1000);
	CHECK_EQ(zones[0].wp, 1024);
	CHECK_EQ(zones[1].state, BLK_NVME_ZS_IMP_OPEN);
	CHECK_EQ(zones[1].zslba, 1024);
	CHECK_EQ(zones[1].wp, 1041);
	/* no more than asked for, nor than the buffer holds */
	CHECK_EQ(blk_nvme_zone_report_parse(report, sizeof(report), zones, 1), 1);
	put_le(report, 100, 8);
	CHECK_EQ(blk_nvme_zone_report_parse(report, sizeof(report), zones, 4), 3);
	CHECK_EQ(blk_nvme_zone_report_parse(report, 63, zones, 4), -EINVAL);
}

static void test_cmds(void)
{
	struct nvme_uring_cmd c;
	static uint8_t buf[4096];

	CHECK_EQ(blk_nvme_cmd_zone_report(&c, 1, 0x123456789ull, buf, sizeof(buf)), 0);
	CHECK_EQ(c.opcode, 0x7a);
	CHECK_EQ(c.nsid, 1);
	CHECK_EQ(c.cdw10, 0x23456789);
	CHECK_EQ(c.cdw11, 0x1);
	CHECK_EQ(c.cdw12, 1023);		/* NUMD 0-based */
	CHECK_EQ(c.cdw13, 0x10000);		/* partial report, all zones */
	CHECK_EQ(c.data_len, 4096);
	CHECK_EQ(c.addr, (uintptr_t)buf);
	CHECK_EQ(blk_nvme_cmd_zone_report(&c, 1, 0, buf, 62), -EINVAL);
	CHECK_EQ(blk_nvme_cmd_zone_report(&c, 1, 0, buf, 66), -EINVAL);

	CHECK_EQ(blk_nvme_cmd_zone_send(&c, 2, 4096, BLK_NVME_ZSA_RESET, false), 0);
	CHECK_EQ(c.opcode, 0x79);
	CHECK_EQ(c.nsid, 2);
	CHECK_EQ(c.cdw10, 4096);
	CHECK_EQ(c.cdw13, 0x4);
	CHECK_EQ(c.data_len, 0);
	CHECK_EQ(blk_nvme_cmd_zone_send(&c, 2, 4096, BLK_NVME_ZSA_FINISH, false), 0);
	CHECK_EQ(c.cdw13, 0x2);
	CHECK_EQ(blk_nvme_cmd_zone_send(&c, 2, 4096, BLK_NVME_ZSA_RESET, true), 0);
	CHECK_EQ(c.cdw10, 0);			/* Select All ignores the SLBA */
	CHECK_EQ(c.cdw13, 0x104);
	CHECK_EQ(blk_nvme_cmd_zone_send(&c, 2, 0, 0, false), -EINVAL);
	CHECK_EQ(blk_nvme_cmd_zone_send(&c, 2, 0, 9, false), -EINVAL);
}

int main(void)
{
	test_csi();
	test_parse();
	test_report();
	test_cmds();
	return unit_end();
}
