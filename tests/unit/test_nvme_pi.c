// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the host's protection information: both guards against
 * known values (the CRC catalogues' check strings, a block whose CRCs were
 * computed apart from this code), the tuple's byte layout for each guard,
 * every layout round-tripped, each tampered field found at its block, the
 * spec's escape values, and the 48-bit reference tag's wrap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_pi.h"
#include "unit.h"

#define LBA	512u
#define NLB	4u

/* The test block: byte i is (7 i + 3) mod 256. */
static void fill_block(unsigned char *b)
{
	unsigned int i;

	for (i = 0; i < LBA; i++)
		b[i] = (unsigned char)(i * 7 + 3);
}

static void test_crcs(void)
{
	unsigned char blk[LBA], meta[8];
	unsigned int i;

	printf("-- CRCs against known values\n");
	/* CRC-16/T10-DIF and CRC-64/NVME catalogue check values */
	CHECK_EQ(blk_crc16_t10dif(0, "123456789", 9), 0xd0db);
	CHECK_EQ(blk_crc64_nvme(0, "123456789", 9), 0xae8b14860a799888ull);
	/* in pieces: a previous result goes on */
	CHECK_EQ(blk_crc64_nvme(blk_crc64_nvme(0, "1234", 4), "56789", 5), 0xae8b14860a799888ull);
	fill_block(blk);
	for (i = 0; i < sizeof(meta); i++)
		meta[i] = (unsigned char)(0xa0 + i);
	CHECK_EQ(blk_crc16_t10dif(0, blk, LBA), 0xf958);
	CHECK_EQ(blk_crc64_nvme(0, blk, LBA), 0xe06c985452860603ull);
	CHECK_EQ(blk_crc64_nvme(blk_crc64_nvme(0, blk, LBA), meta, 8), 0x3d87cb766291d1f4ull);
}

static uint64_t be(const unsigned char *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | *p++;
	return v;
}

static void test_tuple_bytes(void)
{
	struct blk_pi_layout l16 = { .lba_size = LBA, .ms = 8, .pi_first = true, .pi_type = 1 };
	struct blk_pi_layout l64 = { .lba_size = LBA, .ms = 16, .pi_first = true, .pi_type = 1,
				     .guard64 = true };
	unsigned char blk[LBA], md[16];

	printf("-- tuple layouts\n");
	fill_block(blk);
	CHECK_EQ(blk_pi_tuple_size(&l16), 8);
	CHECK_EQ(blk_pi_tuple_size(&l64), 16);

	memset(md, 0x55, sizeof(md));
	blk_pi_generate(&l16, blk, md, 1, 0x12345678, 0xbeef);
	CHECK_EQ(be(md, 2), 0xf958);
	CHECK_EQ(be(md + 2, 2), 0xbeef);
	CHECK_EQ(be(md + 4, 4), 0x12345678);
	CHECK_EQ(md[8], 0x55);		/* nothing past the 8-byte tuple */

	/* 64-bit guard: guard 0-7, application tag 8-9, reference tag 10-15 */
	blk_pi_generate(&l64, blk, md, 1, 0xa1b2c3d4e5f6ull, 0xbeef);
	CHECK_EQ(be(md, 8), 0xe06c985452860603ull);
	CHECK_EQ(be(md + 8, 2), 0xbeef);
	CHECK_EQ(be(md + 10, 6), 0xa1b2c3d4e5f6ull);
	/* the tag keeps 48 bits */
	blk_pi_generate(&l64, blk, md, 1, 0xffa1b2c3d4e5f6ull, 0);
	CHECK_EQ(be(md + 10, 6), 0xa1b2c3d4e5f6ull);
}

/* Every layout: separate or extended, PI first or last, both guards. */
static void test_round_trips(void)
{
	static const struct { uint32_t ms; bool extended, first, g64; } cases[] = {
		{ 8, false, true, false }, { 16, false, false, false }, { 64, true, false, false },
		{ 16, false, true, true }, { 16, true, true, true }, { 64, false, false, true },
		{ 64, true, false, true }, { 32, true, true, true },
	};
	unsigned int c, type, i;

	printf("-- round trips and tampering, every layout\n");
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (type = 1; type <= 3; type++) {
			struct blk_pi_layout l = {
				.lba_size = LBA, .ms = cases[c].ms, .extended = cases[c].extended,
				.pi_first = cases[c].first, .pi_type = type, .guard64 = cases[c].g64,
			};
			uint32_t blk = LBA + (l.extended ? l.ms : 0), tuple = blk_pi_tuple_size(&l);
			unsigned char *data = calloc(NLB, blk), *md = calloc(NLB, l.ms), *pi;
			uint64_t ref = l.guard64 ? 0xfffffffffffeull : 0xfffffffeull;
			unsigned int all = BLK_PI_CHECK_GUARD | BLK_PI_CHECK_APPTAG | BLK_PI_CHECK_REFTAG;
			uint32_t bad = 99;

			for (i = 0; i < NLB * blk; i++)
				data[i] = (unsigned char)(i * 13 + c);
			for (i = 0; i < NLB * l.ms; i++)
				md[i] = (unsigned char)(i * 3 + type);
			printf("     ms %u %s %s %s-bit guard type %u\n", l.ms,
			       l.extended ? "extended" : "separate", l.pi_first ? "first" : "last",
			       l.guard64 ? "64" : "16", type);
			/* reference tags across the 32/48-bit wrap for types 1 and 2 */
			blk_pi_generate(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234);
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xffff, all, &bad), 0);

			/* the tuple of block 2 */
			pi = l.extended ? data + 2 * blk + LBA : md + 2 * l.ms;
			if (!l.pi_first)
				pi += l.ms - tuple;
			/* a data byte: the guard */
			data[2 * blk + 7] ^= 1;
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xffff, BLK_PI_CHECK_GUARD, &bad), -EILSEQ);
			CHECK_EQ(bad, 2);
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xffff, BLK_PI_CHECK_APPTAG | BLK_PI_CHECK_REFTAG, &bad), 0);
			data[2 * blk + 7] ^= 1;
			/* the application tag, checked through its mask */
			pi[tuple == 16 ? 9 : 3] ^= 0x01;
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xffff, BLK_PI_CHECK_APPTAG, &bad), -EILSEQ);
			CHECK_EQ(bad, 2);
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xff00, BLK_PI_CHECK_APPTAG, &bad), 0);
			pi[tuple == 16 ? 9 : 3] ^= 0x01;
			/* the reference tag (type 3 has none to check) */
			pi[tuple - 1] ^= 0x80;
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xffff, BLK_PI_CHECK_REFTAG, &bad), type == 3 ? 0 : -EILSEQ);
			if (type != 3)
				CHECK_EQ(bad, 2);
			pi[tuple - 1] ^= 0x80;
			/* escape: application tag 0xffff (type 3: and a reference tag of all ones) */
			pi[tuple == 16 ? 8 : 2] = 0xff;
			pi[tuple == 16 ? 9 : 3] = 0xff;
			if (type == 3)
				memset(pi + (tuple == 16 ? 10 : 4), 0xff, tuple == 16 ? 6 : 4);
			data[2 * blk] ^= 0xff;
			CHECK_EQ(blk_pi_check(&l, data, l.extended ? NULL : md, NLB, ref, 0x1234,
					      0xffff, all, &bad), 0);
			free(data);
			free(md);
		}
	}
}

int main(void)
{
	test_crcs();
	test_tuple_bytes();
	test_round_trips();
	return unit_end();
}
