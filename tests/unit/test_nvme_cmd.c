// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe command builders, checked against the command layout of the NVMe
 * Base and NVM Command Set specifications: expected values are written
 * as raw dwords here, not derived from the headers the builders use.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "nvme_cmd.h"
#include "unit.h"

/* the 72-byte uring command as 18 dwords */
static void dwords(const struct nvme_uring_cmd *cmd, uint32_t dw[18])
{
	memcpy(dw, cmd, 18 * sizeof(uint32_t));
}

static void test_layout(void)
{
	/* linux/nvme_ioctl.h: the submission entry minus what the kernel owns */
	CHECK_EQ(sizeof(struct nvme_uring_cmd), 72);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, opcode), 0);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, nsid), 4);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, metadata), 16);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, addr), 24);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, metadata_len), 32);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, data_len), 36);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, cdw10), 40);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, cdw12), 48);
	CHECK_EQ(offsetof(struct nvme_uring_cmd, cdw15), 60);
	/* DSM range: Context Attributes, Length, Starting LBA */
	CHECK_EQ(sizeof(struct nvme_dsm_range), 16);
}

static void test_read(void)
{
	static char data[4096], md[64];
	struct blk_nvme_rw rw = {
		.nsid = 3, .slba = 0x123456789aull, .nlb = 8,
		.buf = data, .len = sizeof(data), .md = md, .md_len = sizeof(md),
	};
	struct nvme_uring_cmd cmd;
	uint32_t dw[18];

	memset(&cmd, 0xa5, sizeof(cmd));	/* builders must clear everything */
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0] & 0xff, 0x02);			/* opcode Read */
	CHECK_EQ(dw[0] >> 8, 0);			/* flags, rsvd: no fused, PRP */
	CHECK_EQ(dw[1], 3);
	CHECK_EQ(dw[2], 0);
	CHECK_EQ(dw[3], 0);
	CHECK_EQ(cmd.metadata, (uintptr_t)md);
	CHECK_EQ(cmd.addr, (uintptr_t)data);
	CHECK_EQ(dw[8], 64);				/* metadata_len */
	CHECK_EQ(dw[9], 4096);				/* data_len */
	CHECK_EQ(dw[10], 0x3456789a);			/* SLBA low */
	CHECK_EQ(dw[11], 0x12);				/* SLBA high */
	CHECK_EQ(dw[12], 7);				/* NLB 0-based */
	CHECK_EQ(dw[13], 0);
	CHECK_EQ(dw[14], 0);
	CHECK_EQ(dw[15], 0);
	CHECK_EQ(dw[16], 0);				/* timeout: kernel default */
	CHECK_EQ(dw[17], 0);

	/* Compare: the read's layout with opcode 05h; its data goes to the controller */
	memset(&cmd, 0xa5, sizeof(cmd));
	CHECK_EQ(blk_nvme_cmd_compare(&cmd, &rw), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0] & 0xff, 0x05);			/* opcode Compare: bit 0 set, host to controller */
	CHECK_EQ(cmd.addr, (uintptr_t)data);
	CHECK_EQ(dw[9], 4096);
	CHECK_EQ(dw[10], 0x3456789a);
	CHECK_EQ(dw[11], 0x12);
	CHECK_EQ(cmd.cdw12, 0x00000007);

	rw.flags = BLK_NVME_RW_FUA;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x40000007);		/* FUA bit 30 */
	rw.flags = BLK_NVME_RW_LR;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x80000007);		/* LR bit 31 */

	/* PRINFO: PRACT 29, PRCHK guard 28, apptag 27, reftag 26 */
	rw.flags = 0;
	rw.prinfo = BLK_NVME_PRINFO_PRACT;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x20000007);
	rw.prinfo = BLK_NVME_PRINFO_PRCHK_GUARD;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x10000007);
	rw.prinfo = BLK_NVME_PRINFO_PRCHK_APP;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x08000007);
	rw.prinfo = BLK_NVME_PRINFO_PRCHK_REF;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x04000007);

	/* the pi_chk option bits are the PRCHK bits */
	CHECK_EQ(BLK_NVME_PRINFO_PRCHK_GUARD, 1u << 2);
	CHECK_EQ(BLK_NVME_PRINFO_PRCHK_APP, 1u << 1);
	CHECK_EQ(BLK_NVME_PRINFO_PRCHK_REF, 1u << 0);

	/* PI tags: ILBRT in dword 14, LBAT 15:0 and LBATM 31:16 in dword 15 */
	rw.prinfo = BLK_NVME_PRINFO_PRCHK_GUARD | BLK_NVME_PRINFO_PRCHK_APP |
		    BLK_NVME_PRINFO_PRCHK_REF;
	rw.reftag = 0xdeadbeef;
	rw.apptag = 0x1234;
	rw.apptag_mask = 0xff00;
	rw.flags = BLK_NVME_RW_FUA | BLK_NVME_RW_LR;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0xdc000007);
	CHECK_EQ(cmd.cdw14, 0xdeadbeef);
	CHECK_EQ(cmd.cdw15, 0xff001234);

	/* NLB bounds: 1 .. 65536 blocks */
	rw = (struct blk_nvme_rw){ .nsid = 1, .nlb = 65536, .buf = data, .len = 4096 };
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0xffff);
	rw.nlb = 1;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0);
	CHECK_EQ(cmd.metadata, 0);			/* no md buffer given */
	CHECK_EQ(cmd.metadata_len, 0);
	rw.nlb = 0;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), -EINVAL);
	rw.nlb = 65537;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), -EINVAL);

	/* what a read cannot encode */
	rw.nlb = 1;
	rw.flags = BLK_NVME_RW_DEAC;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), -EINVAL);
	rw.flags = 1u << 7;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), -EINVAL);
	rw.flags = 0;
	rw.prinfo = 0x10;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), -EINVAL);
	rw.prinfo = 0;
	rw.dtype = 2;
	CHECK_EQ(blk_nvme_cmd_read(&cmd, &rw), -EINVAL);
}

static void test_write(void)
{
	static char data[8192];
	struct blk_nvme_rw rw = {
		.nsid = 1, .slba = 100, .nlb = 16, .buf = data, .len = sizeof(data),
		.flags = BLK_NVME_RW_FUA,
	};
	struct nvme_uring_cmd cmd;
	uint32_t dw[18];

	CHECK_EQ(blk_nvme_cmd_write(&cmd, &rw), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0], 0x01);				/* opcode Write */
	CHECK_EQ(dw[1], 1);
	CHECK_EQ(cmd.addr, (uintptr_t)data);
	CHECK_EQ(dw[9], 8192);
	CHECK_EQ(dw[10], 100);
	CHECK_EQ(dw[11], 0);
	CHECK_EQ(dw[12], 0x4000000f);
	CHECK_EQ(dw[13], 0);

	/* placement: DTYPE 23:20 of dword 12, DSPEC 31:16 of dword 13 */
	rw.flags = 0;
	rw.dtype = 2;
	rw.dspec = 0xabcd;
	CHECK_EQ(blk_nvme_cmd_write(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x0020000f);
	CHECK_EQ(cmd.cdw13, 0xabcd0000);
	rw.dtype = 0xf;
	CHECK_EQ(blk_nvme_cmd_write(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x00f0000f);
	rw.dtype = 0x10;
	CHECK_EQ(blk_nvme_cmd_write(&cmd, &rw), -EINVAL);

	rw.dtype = 0;
	rw.dspec = 0;
	rw.flags = BLK_NVME_RW_DEAC;
	CHECK_EQ(blk_nvme_cmd_write(&cmd, &rw), -EINVAL);
}

static void test_no_data_commands(void)
{
	static char data[512];
	struct blk_nvme_rw rw = {
		.nsid = 2, .slba = 0x100000000ull, .nlb = 256,
		.buf = data, .len = sizeof(data),	/* must be ignored */
		.flags = BLK_NVME_RW_DEAC,
	};
	struct nvme_uring_cmd cmd;
	uint32_t dw[18];

	CHECK_EQ(blk_nvme_cmd_write_zeroes(&cmd, &rw), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0], 0x08);				/* opcode Write Zeroes */
	CHECK_EQ(dw[1], 2);
	CHECK_EQ(cmd.addr, 0);
	CHECK_EQ(cmd.data_len, 0);
	CHECK_EQ(dw[10], 0);
	CHECK_EQ(dw[11], 1);
	CHECK_EQ(dw[12], 0x020000ff);			/* DEAC bit 25 */

	rw.flags = BLK_NVME_RW_FUA;
	rw.prinfo = BLK_NVME_PRINFO_PRACT;
	CHECK_EQ(blk_nvme_cmd_write_zeroes(&cmd, &rw), 0);
	CHECK_EQ(cmd.cdw12, 0x600000ff);

	rw.flags = 0;
	rw.prinfo = 0;
	CHECK_EQ(blk_nvme_cmd_verify(&cmd, &rw), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0], 0x0c);				/* opcode Verify */
	CHECK_EQ(cmd.addr, 0);
	CHECK_EQ(cmd.data_len, 0);
	CHECK_EQ(dw[12], 0xff);
	rw.flags = BLK_NVME_RW_DEAC;
	CHECK_EQ(blk_nvme_cmd_verify(&cmd, &rw), -EINVAL);

	memset(&cmd, 0xff, sizeof(cmd));
	CHECK_EQ(blk_nvme_cmd_write_uncor(&cmd, 7, 0x1122334455667788ull, 4), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0], 0x04);				/* opcode Write Uncorrectable */
	CHECK_EQ(dw[1], 7);
	CHECK_EQ(dw[10], 0x55667788);
	CHECK_EQ(dw[11], 0x11223344);
	CHECK_EQ(dw[12], 3);
	CHECK_EQ(dw[9] | dw[13] | dw[14] | dw[15], 0);
	CHECK_EQ(blk_nvme_cmd_write_uncor(&cmd, 7, 0, 0), -EINVAL);
	CHECK_EQ(blk_nvme_cmd_write_uncor(&cmd, 7, 0, 65537), -EINVAL);

	memset(&cmd, 0xff, sizeof(cmd));
	blk_nvme_cmd_flush(&cmd, 9);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0], 0x00);				/* opcode Flush */
	CHECK_EQ(dw[1], 9);
	CHECK_EQ(dw[10] | dw[11] | dw[12] | dw[9] | cmd.addr, 0);
}

static void test_dsm(void)
{
	struct nvme_dsm_range ranges[3];
	const unsigned char *raw = (const unsigned char *)ranges;
	struct nvme_uring_cmd cmd;
	uint32_t dw[18];

	CHECK_EQ(blk_nvme_dsm_range(&ranges[0], 0x0102030405060708ull, 8, 0), 0);
	CHECK_EQ(blk_nvme_dsm_range(&ranges[1], 4096, 0x10000, 0), 0);
	CHECK_EQ(blk_nvme_dsm_range(&ranges[2], 1, 1, 0xa0b0c0d0), 0);
	CHECK_EQ(blk_nvme_dsm_range(&ranges[2], 1, 0, 0), -EINVAL);

	/* little endian on the wire: cattr 3:0, length 7:4, SLBA 15:8 */
	CHECK_EQ(raw[0] | raw[1] | raw[2] | raw[3], 0);
	CHECK_EQ(raw[4], 8);
	CHECK_EQ(raw[5] | raw[6] | raw[7], 0);
	CHECK_EQ(raw[8], 0x08);
	CHECK_EQ(raw[15], 0x01);
	CHECK_EQ(raw[16 + 4], 0x00);
	CHECK_EQ(raw[16 + 6], 0x01);			/* 0x10000 blocks, not 0-based */
	CHECK_EQ(raw[16 + 9], 0x10);			/* SLBA 4096 */
	CHECK_EQ(raw[32 + 0], 0xd0);
	CHECK_EQ(raw[32 + 3], 0xa0);

	memset(&cmd, 0xff, sizeof(cmd));
	CHECK_EQ(blk_nvme_cmd_dsm(&cmd, 5, ranges, 3, BLK_NVME_DSM_AD), 0);
	dwords(&cmd, dw);
	CHECK_EQ(dw[0], 0x09);				/* opcode Dataset Management */
	CHECK_EQ(dw[1], 5);
	CHECK_EQ(cmd.addr, (uintptr_t)ranges);
	CHECK_EQ(dw[9], 48);				/* 3 ranges of 16 bytes */
	CHECK_EQ(dw[10], 2);				/* NR 0-based */
	CHECK_EQ(dw[11], 0x4);				/* AD bit 2 */
	CHECK_EQ(dw[12] | dw[13] | dw[14] | dw[15], 0);

	CHECK_EQ(blk_nvme_cmd_dsm(&cmd, 5, ranges, 0, BLK_NVME_DSM_AD), -EINVAL);
	CHECK_EQ(blk_nvme_cmd_dsm(&cmd, 5, ranges, 257, BLK_NVME_DSM_AD), -EINVAL);
	CHECK_EQ(blk_nvme_cmd_dsm(&cmd, 5, ranges, 1, 0x8), -EINVAL);
	CHECK_EQ(blk_nvme_cmd_dsm(&cmd, 5, NULL, 1, BLK_NVME_DSM_AD), -EINVAL);
}

/* The division-free conversion against plain division, remainders included. */
static void test_lba_div(void)
{
	static const uint32_t blocks[] = {
		1, 512, 520, 528, 4096, 4104, 4160, 4224, 16384, 3, 0x80000000u, 0xffffffffu,
	};
	uint64_t state = 0x9e3779b97f4a7c15ull, x, q, wrong = 0, n = 0;
	struct blk_nvme_lba_div d;
	unsigned int i, j;
	bool exact;

	CHECK_EQ(blk_nvme_lba_div_init(&d, 0), -EINVAL);
	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		uint32_t b = blocks[i];

		CHECK_EQ(blk_nvme_lba_div_init(&d, b), 0);
		for (j = 0; j < 20000; j++) {
			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			switch (j % 4) {
			case 0:		/* a multiple: the quotient must come out */
				x = (state % (UINT64_MAX / b)) * b;
				break;
			case 1:		/* a multiple plus a small remainder */
				x = (state % (UINT64_MAX / b)) * b + 1 + j % (b > 1 ? b - 1 : 1);
				break;
			case 2:		/* small values, where fio's offsets live */
				x = state % (1ull << 32);
				break;
			default:
				x = state;
			}
			exact = blk_nvme_lba_exact(&d, x, &q);
			n++;
			if (exact != (x % b == 0) || (exact && q != x / b))
				wrong++;
		}
		/* the edges: 0, the last multiple, one past it, the top */
		x = UINT64_MAX / b * b;
		CHECK(blk_nvme_lba_exact(&d, 0, &q) && q == 0);
		CHECK(blk_nvme_lba_exact(&d, x, &q) && q == UINT64_MAX / b);
		CHECK(blk_nvme_lba_exact(&d, x - b, &q) && q == UINT64_MAX / b - 1);
		if (b > 1) {
			CHECK(!blk_nvme_lba_exact(&d, x - 1, &q));
			CHECK(!blk_nvme_lba_exact(&d, (uint64_t)b + 1, &q));
		}
	}
	CHECK_EQ(wrong, 0);
	CHECK(n > 0);
	/* 4096 + 64: the extended-LBA format the fast path divides most */
	blk_nvme_lba_div_init(&d, 4160);
	CHECK(blk_nvme_lba_exact(&d, 4160ull * 12345, &q) && q == 12345);
	CHECK(!blk_nvme_lba_exact(&d, 4096ull * 12345, &q));
	CHECK(!blk_nvme_lba_exact(&d, 4160ull * 12345 + 64, &q));
}

/* Plain division's answer for blk_nvme_lba_range(). */
static bool lba_range_reference(uint32_t b, uint64_t off, uint64_t len, uint64_t nlb_max,
				uint64_t nr_blocks, uint64_t *slba, uint64_t *nlb)
{
	if (off % b || len % b)
		return false;
	*slba = off / b;
	*nlb = len / b;
	return *nlb >= 1 && *nlb <= nlb_max && *slba <= nr_blocks && *nlb <= nr_blocks - *slba;
}

/*
 * The fast path's one-pass check of an I/O's blocks against division: whole
 * blocks, 1 to nlb_max of them, inside the namespace, with the namespace as
 * large as 64 bits of bytes allow and remainders on either side.
 */
static void test_lba_range(void)
{
	static const uint32_t blocks[] = { 512, 520, 4096, 4160, 4224, 3, 0xffffffffu };
	uint64_t state = 0x2545f4914f6cdd1dull, wrong = 0, taken = 0, n = 0, s, l;
	struct blk_nvme_lba_div d;
	unsigned int i, j;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		uint32_t b = blocks[i];
		uint64_t top = UINT64_MAX / b;
		uint64_t sizes[] = { 1, 64, 1u << 20, top / 2, top };

		CHECK_EQ(blk_nvme_lba_div_init(&d, b), 0);
		for (j = 0; j < 40000; j++) {
			uint64_t nr_blocks = sizes[j % 5], nlb_max, off, len;
			uint64_t s1 = 0, n1 = 0, s2 = 0, n2 = 0;
			bool got, want;

			state ^= state << 13;
			state ^= state >> 7;
			state ^= state << 17;
			nlb_max = 1 + (state >> 40) % (nr_blocks < 256 ? nr_blocks : 256);
			/* mostly inside, some across the end, some past it */
			off = (state % (nr_blocks + 2)) * b;
			len = (1 + (state >> 20) % (nlb_max + 1)) * (uint64_t)b;
			switch ((state >> 8) % 6) {
			case 0:
				off += 1 + (state >> 30) % b;
				break;
			case 1:
				len += 1 + (state >> 30) % b;
				break;
			case 2:
				len = (state >> 33) % 3 ? 0 : state;
				break;
			case 3:
				off = state;
				break;
			}
			got = blk_nvme_lba_range(&d, off, len, nlb_max, nr_blocks, &s1, &n1);
			want = lba_range_reference(b, off, len, nlb_max, nr_blocks, &s2, &n2);
			n++;
			taken += got;
			if (got != want || (got && (s1 != s2 || n1 != n2)))
				wrong++;
		}
		/* the edges: the last block, one past it, and the first */
		CHECK(blk_nvme_lba_range(&d, (top - 1) * b, b, 1, top, &s, &l) && s == top - 1 &&
		      l == 1);
		CHECK(!blk_nvme_lba_range(&d, top * b, b, 1, top, &s, &l));
		CHECK(!blk_nvme_lba_range(&d, 0, 0, 1, top, &s, &l));
		CHECK(!blk_nvme_lba_range(&d, 0, 2ull * b, 1, top, &s, &l));
	}
	CHECK_EQ(wrong, 0);
	/* both answers came up often enough to mean something */
	CHECK(taken > n / 10 && taken < n - n / 10);
}

int main(void)
{
	test_layout();
	test_read();
	test_write();
	test_no_data_commands();
	test_dsm();
	test_lba_div();
	test_lba_range();
	return unit_end();
}
