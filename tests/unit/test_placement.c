// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data placement: plids= and dp_scheme= parsing, the identifier each write
 * gets, and the device's Reclaim Unit Handle Status and directive support
 * read with every count checked against the bytes sent.
 */
#include <errno.h>
#include <string.h>

#include "unit.h"

#include "placement.h"

static char err[256];

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	unsigned int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_ids(void)
{
	uint16_t ids[BLK_DP_MAX_IDS];
	unsigned int nr = 0;
	char many[1024];

	CHECK_EQ(blk_dp_ids_parse("0,2,4-6", ids, &nr, err, sizeof(err)), 0);
	CHECK_EQ(nr, 5);
	CHECK_EQ(ids[0], 0);
	CHECK_EQ(ids[1], 2);
	CHECK_EQ(ids[2], 4);
	CHECK_EQ(ids[4], 6);
	/* sorted, as fio sorts them */
	CHECK_EQ(blk_dp_ids_parse("7,1,3", ids, &nr, err, sizeof(err)), 0);
	CHECK_EQ(nr, 3);
	CHECK_EQ(ids[0], 1);
	CHECK_EQ(ids[2], 7);
	CHECK_EQ(blk_dp_ids_parse("65535", ids, &nr, err, sizeof(err)), 0);
	CHECK_EQ(ids[0], 65535);
	/* refused, with a sentence */
	CHECK_EQ(blk_dp_ids_parse("", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_ids_parse("a", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "0,2,4-6") != NULL);
	CHECK_EQ(blk_dp_ids_parse("1,,2", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_ids_parse("5-3", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_ids_parse("65536", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_ids_parse("-1", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_ids_parse("1 2", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_ids_parse("0-127", ids, &nr, err, sizeof(err)), 0);
	CHECK_EQ(nr, 128);
	CHECK_EQ(blk_dp_ids_parse("0-128", ids, &nr, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "128") != NULL);
	CHECK_EQ(blk_dp_ids_parse("0-60000", ids, &nr, err, sizeof(err)), -EINVAL);
	strcpy(many, "0-100,200-227");
	CHECK_EQ(blk_dp_ids_parse(many, ids, &nr, err, sizeof(err)), -EINVAL);
}

static void test_scheme(void)
{
	struct blk_dp_scheme_entry e[BLK_DP_MAX_SCHEME];
	unsigned int nr = 0, i;
	bool more;
	char text[4096];
	size_t off = 0;

	CHECK_EQ(blk_dp_scheme_parse("0,4096,1\n4096,8192,3\n", e, &nr, &more, err, sizeof(err)), 0);
	CHECK_EQ(nr, 2);
	CHECK(!more);
	CHECK_EQ(e[1].start, 4096);
	CHECK_EQ(e[1].end, 8192);
	CHECK_EQ(e[1].pid, 3);
	/* blank lines, spaces and no final newline */
	CHECK_EQ(blk_dp_scheme_parse("\n 0 , 10 , 2\r\n\n10,20,0", e, &nr, &more, err, sizeof(err)), 0);
	CHECK_EQ(nr, 2);
	CHECK_EQ(e[0].pid, 2);
	CHECK_EQ(e[1].pid, 0);
	/* refused, naming the line */
	CHECK_EQ(blk_dp_scheme_parse("0,10,1\n10,20\n", e, &nr, &more, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "line 2") != NULL);
	CHECK_EQ(blk_dp_scheme_parse("0,10,1,4\n", e, &nr, &more, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_scheme_parse("10,10,1\n", e, &nr, &more, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "line 1") != NULL);
	CHECK_EQ(blk_dp_scheme_parse("0,10,70000\n", e, &nr, &more, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_scheme_parse("", e, &nr, &more, err, sizeof(err)), -EINVAL);
	CHECK_EQ(blk_dp_scheme_parse("\n\n", e, &nr, &more, err, sizeof(err)), -EINVAL);
	/* more than 32 ranges: the first 32, and a word that there were more */
	for (i = 0; i < 40; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%u,%u,%u\n", i * 10, i * 10 + 10, i);
	CHECK_EQ(blk_dp_scheme_parse(text, e, &nr, &more, err, sizeof(err)), 0);
	CHECK_EQ(nr, BLK_DP_MAX_SCHEME);
	CHECK(more);
	CHECK_EQ(e[31].pid, 31);
}

static void test_pick(void)
{
	struct blk_dp_picker p = { .select = BLK_DP_ROUNDROBIN, .ids = { 4, 9, 6 }, .nr = 3,
				   .rand = 1 };
	struct blk_dp_scheme_entry s[2] = { { 0, 100, 5 }, { 200, 300, 7 } };
	unsigned int seen[10] = { 0 }, i;

	CHECK_EQ(blk_dp_pick(&p, 0), 4);
	CHECK_EQ(blk_dp_pick(&p, 0), 9);
	CHECK_EQ(blk_dp_pick(&p, 0), 6);
	CHECK_EQ(blk_dp_pick(&p, 0), 4);
	/* random: only the listed IDs, each of them */
	p.select = BLK_DP_RANDOM;
	for (i = 0; i < 300; i++)
		seen[blk_dp_pick(&p, 0)]++;
	CHECK_EQ(seen[4] + seen[9] + seen[6], 300);
	CHECK(seen[4] > 50 && seen[9] > 50 && seen[6] > 50);
	/* scheme: by offset, 0 outside every range */
	p.select = BLK_DP_SCHEME;
	p.scheme = s;
	p.nr_scheme = 2;
	CHECK_EQ(blk_dp_pick(&p, 0), 5);
	CHECK_EQ(blk_dp_pick(&p, 99), 5);
	CHECK_EQ(blk_dp_pick(&p, 100), 0);
	CHECK_EQ(blk_dp_pick(&p, 250), 7);
	CHECK_EQ(blk_dp_pick(&p, 300), 0);
}

static void test_ruhs(void)
{
	uint8_t buf[BLK_NVME_RUHS_HDR + 4 * BLK_NVME_RUHS_DESC] = { 0 };
	struct blk_nvme_ruh_status st[8];
	unsigned int nr, total, i;

	put_le16(buf + 14, 4);
	for (i = 0; i < 4; i++) {
		uint8_t *d = buf + BLK_NVME_RUHS_HDR + i * BLK_NVME_RUHS_DESC;

		put_le16(d, (uint16_t)(0x100 + i));
		put_le16(d + 2, (uint16_t)(7 - i));
		put_le64(d + 8, 2048 - i);
	}
	CHECK_EQ(blk_nvme_ruhs_parse(buf, sizeof(buf), st, 8, &nr, &total), 0);
	CHECK_EQ(nr, 4);
	CHECK_EQ(total, 4);
	CHECK_EQ(st[3].pid, 0x103);
	CHECK_EQ(st[3].ruhid, 4);
	CHECK_EQ(st[3].ruamw, 2045);
	/* fewer slots than descriptors */
	CHECK_EQ(blk_nvme_ruhs_parse(buf, sizeof(buf), st, 2, &nr, &total), 0);
	CHECK_EQ(nr, 2);
	CHECK_EQ(total, 4);
	/* a count larger than the transfer: only what was sent is read */
	put_le16(buf + 14, 60000);
	CHECK_EQ(blk_nvme_ruhs_parse(buf, sizeof(buf), st, 8, &nr, &total), 0);
	CHECK_EQ(nr, 4);
	CHECK_EQ(total, 60000);
	CHECK_EQ(blk_nvme_ruhs_parse(buf, BLK_NVME_RUHS_HDR + 40, st, 8, &nr, &total), 0);
	CHECK_EQ(nr, 1);
	CHECK_EQ(blk_nvme_ruhs_parse(buf, 15, st, 8, &nr, &total), -EINVAL);
	/* the command asks for whole dwords, 0's based */
	CHECK_EQ(blk_nvme_ruhs_cdw10(), 1);
	CHECK_EQ(blk_nvme_ruhs_cdw11(4096), 1023);
}

static void test_dir(void)
{
	uint8_t buf[4096] = { 0 };
	struct blk_nvme_dir_support d;

	buf[0] = 0x05;	/* identify, data placement */
	buf[32] = 0x01;
	CHECK_EQ(blk_nvme_dir_identify_parse(buf, sizeof(buf), &d), 0);
	CHECK(!(d.supported & (1u << BLK_NVME_DTYPE_STREAMS)));
	CHECK(d.supported & (1u << BLK_NVME_DTYPE_FDP));
	CHECK(!(d.enabled & (1u << BLK_NVME_DTYPE_STREAMS)));
	buf[0] = 0x03;
	buf[32] = 0x03;
	CHECK_EQ(blk_nvme_dir_identify_parse(buf, sizeof(buf), &d), 0);
	CHECK(d.enabled & (1u << BLK_NVME_DTYPE_STREAMS));
	CHECK_EQ(blk_nvme_dir_identify_parse(buf, 63, &d), -EINVAL);
	CHECK_EQ(blk_nvme_dir_identify_cdw10(4096), 1023);
	CHECK_EQ(blk_nvme_dir_identify_cdw11(), 1);
}

int main(void)
{
	test_ids();
	test_scheme();
	test_pick();
	test_ruhs();
	test_dir();
	return unit_end();
}
