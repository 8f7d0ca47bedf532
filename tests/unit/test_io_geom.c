// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device geometry and the split of one I/O into commands (common/io_geom.*)
 * at their edges: the last block of a device, an I/O of exactly the
 * largest transfer and one block more, block sizes that are not powers of
 * two, limits that leave no room, and 64-bit overflow.
 */
#include <errno.h>
#include <stdint.h>

#include "io_geom.h"
#include "unit.h"

static void test_max_xfer(void)
{
	uint64_t nvme[3] = { 512 * 1024, 0, 65536ull * 4096 };
	uint64_t zero[3] = { 0, 0, 0 };
	uint64_t small[2] = { 128 * 1024, 4096 };
	uint64_t huge[1] = { UINT64_MAX };

	printf("-- blk_geom_max_xfer\n");
	/* the smallest non-zero limit wins; 0 means no limit */
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 4096, 4096), 512 * 1024);
	nvme[1] = 256 * 1024;
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 4096, 4096), 256 * 1024);
	CHECK_EQ(blk_geom_max_xfer(small, 2, 512, 4096), 4096);
	/* all limits zero (or none): 32 bits bound it, rounded to the unit */
	CHECK_EQ(blk_geom_max_xfer(zero, 3, 4096, 4096), UINT32_MAX - 4095);
	CHECK_EQ(blk_geom_max_xfer(NULL, 0, 512, 4096), UINT32_MAX - 4095);
	CHECK_EQ(blk_geom_max_xfer(huge, 1, 512, 512), UINT32_MAX - 511);
	/* odd blocks: whole pages when they fit (lcm(4160, 4096) = 266240) */
	nvme[0] = 1024 * 1024;
	nvme[1] = 0;
	nvme[2] = 65536ull * 4160;
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 4160, 266240), 3 * 266240);
	/* unit larger than the limit: whole blocks instead */
	nvme[0] = 128 * 1024;
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 4160, 266240), 31 * 4160);
	/* 520-byte blocks: lcm(520, 4096) = 266240 as well */
	nvme[0] = 512 * 1024;
	nvme[2] = 65536ull * 520;
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 520, 266240), 266240);
	nvme[0] = 128 * 1024;
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 520, 266240), 252 * 520);
	/* a unit that is not a multiple of the block is not used */
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 520, 4096), 252 * 520);
	CHECK_EQ(blk_geom_max_xfer(nvme, 3, 520, 0), 252 * 520);
	/* not even one block fits */
	small[1] = 4096;
	CHECK_EQ(blk_geom_max_xfer(small, 2, 4160, 266240), 0);
	CHECK_EQ(blk_geom_max_xfer(small, 2, 0, 4096), 0);
	/* exactly one block */
	small[1] = 4160;
	CHECK_EQ(blk_geom_max_xfer(small, 2, 4160, 266240), 4160);
}

static void test_init(void)
{
	struct blk_geom g;

	printf("-- blk_geom_init\n");
	CHECK_EQ(blk_geom_init(&g, 4096, 1000, 128 * 1024), 0);
	CHECK_EQ(g.block, 4096);
	CHECK_EQ(g.block_shift, 12);
	CHECK_EQ(g.max_xfer, 128 * 1024);
	CHECK_EQ(g.capacity, 4096000);
	CHECK_EQ(blk_geom_init(&g, 520, 7, 520 * 4), 0);
	CHECK_EQ(g.block_shift, 0);
	CHECK_EQ(g.capacity, 3640);
	CHECK_EQ(blk_geom_init(&g, 4160, 1, 4160), 0);
	CHECK_EQ(g.block_shift, 0);

	CHECK_EQ(blk_geom_init(&g, 0, 1000, 4096), -EINVAL);
	CHECK_EQ(blk_geom_init(&g, 4096, 1000, 0), -EINVAL);
	CHECK_EQ(blk_geom_init(&g, 4096, 1000, 6144), -EINVAL);
	CHECK_EQ(blk_geom_init(&g, 4096, 0, 4096), -ERANGE);

	/* nblocks * block near 2^64: the last that fits, and one more */
	CHECK_EQ(blk_geom_init(&g, 4096, UINT64_MAX >> 12, 4096), 0);
	CHECK_EQ(g.capacity, UINT64_MAX - 4095);
	CHECK_EQ(blk_geom_init(&g, 4096, (UINT64_MAX >> 12) + 1, 4096), -EOVERFLOW);
	CHECK_EQ(blk_geom_init(&g, 520, UINT64_MAX / 520, 520), 0);
	CHECK_EQ(g.capacity, UINT64_MAX / 520 * 520);
	CHECK_EQ(blk_geom_init(&g, 520, UINT64_MAX / 520 + 1, 520), -EOVERFLOW);
	CHECK_EQ(blk_geom_init(&g, 512, UINT64_MAX, 512), -EOVERFLOW);
	CHECK_EQ(blk_geom_init(&g, 1, UINT64_MAX, 1), 0);
	CHECK_EQ(g.capacity, UINT64_MAX);
}

static void test_blocks(void)
{
	struct blk_geom p2, odd;

	printf("-- bytes to blocks, alignment\n");
	CHECK_EQ(blk_geom_init(&p2, 512, 1 << 20, 512 * 1024), 0);
	CHECK_EQ(blk_geom_init(&odd, 4160, 1 << 16, 31 * 4160), 0);
	CHECK_EQ(blk_geom_blocks(&p2, 8192), 16);
	CHECK_EQ(blk_geom_blocks(&odd, 4160 * 5), 5);
	CHECK_EQ(blk_geom_blocks(&odd, 4160 * 5 + 4159), 5);
	CHECK(blk_geom_aligned(&p2, 0));
	CHECK(blk_geom_aligned(&p2, 1536));
	CHECK(!blk_geom_aligned(&p2, 1537));
	CHECK(blk_geom_aligned(&odd, 8320));
	/* a multiple of 4096 but not of 4160 */
	CHECK(!blk_geom_aligned(&odd, 4096));
	CHECK(!blk_geom_aligned(&odd, 4096 * 3));
	/* the least common multiple of 4160 and a page */
	CHECK(blk_geom_aligned(&odd, 266240));
}

static void test_io_ok(void)
{
	struct blk_geom g, odd, full;
	uint64_t cap;

	printf("-- blk_geom_io_ok\n");
	CHECK_EQ(blk_geom_init(&g, 4096, 1000, 128 * 1024), 0);
	cap = g.capacity;
	CHECK(blk_geom_io_ok(&g, 0, 4096));
	/* the last block of the device, and one past it */
	CHECK(blk_geom_io_ok(&g, cap - 4096, 4096));
	CHECK(!blk_geom_io_ok(&g, cap, 4096));
	CHECK(!blk_geom_io_ok(&g, cap - 4096, 8192));
	CHECK(blk_geom_io_ok(&g, 0, cap));
	CHECK(!blk_geom_io_ok(&g, 4096, cap));
	/* no length, misaligned offset or length */
	CHECK(!blk_geom_io_ok(&g, 0, 0));
	CHECK(!blk_geom_io_ok(&g, 512, 4096));
	CHECK(!blk_geom_io_ok(&g, 4096, 1000));
	/* offset + len wraps around 2^64: refused, not taken as small */
	CHECK(!blk_geom_io_ok(&g, UINT64_MAX - 4095, 8192));
	CHECK(!blk_geom_io_ok(&g, 4096, UINT64_MAX - 4095));

	CHECK_EQ(blk_geom_init(&odd, 520, 100, 520 * 8), 0);
	CHECK(blk_geom_io_ok(&odd, 99 * 520, 520));
	CHECK(!blk_geom_io_ok(&odd, 99 * 520, 1040));
	CHECK(!blk_geom_io_ok(&odd, 512, 520));

	/* a device reaching the top of 64 bits */
	CHECK_EQ(blk_geom_init(&full, 4096, UINT64_MAX >> 12, 4096), 0);
	CHECK(blk_geom_io_ok(&full, full.capacity - 4096, 4096));
	CHECK(!blk_geom_io_ok(&full, full.capacity - 4096, 8192));
	CHECK(!blk_geom_io_ok(&full, full.capacity, 4096));
}

static void test_split(void)
{
	struct blk_geom g;
	uint64_t max = 512 * 1024, i, sum;

	printf("-- blk_split_count, blk_split_len\n");
	CHECK_EQ(blk_split_count(0, max), 0);
	CHECK_EQ(blk_split_count(4096, max), 1);
	/* exactly max_xfer: one command */
	CHECK_EQ(blk_split_count(max, max), 1);
	CHECK_EQ(blk_split_len(max, max, 0), max);
	CHECK_EQ(blk_split_len(max, max, 1), 0);
	/* max_xfer and one block more: two, the second one block */
	CHECK_EQ(blk_split_count(max + 4096, max), 2);
	CHECK_EQ(blk_split_len(max + 4096, max, 0), max);
	CHECK_EQ(blk_split_len(max + 4096, max, 1), 4096);
	CHECK_EQ(blk_split_len(max + 4096, max, 2), 0);
	/* 1 MiB at 512 KiB: two halves */
	CHECK_EQ(blk_split_count(1024 * 1024, max), 2);
	CHECK_EQ(blk_split_len(1024 * 1024, max, 1), max);

	/* odd blocks: every command a whole number of blocks */
	CHECK_EQ(blk_geom_init(&g, 4160, 1 << 20, 31 * 4160), 0);
	CHECK_EQ(blk_split_count(4160 * 256, g.max_xfer), 9);
	for (i = 0, sum = 0; i < 9; i++) {
		uint64_t n = blk_split_len(4160 * 256, g.max_xfer, i);

		unit_quiet = 1;
		CHECK(n && blk_geom_aligned(&g, n) && n <= g.max_xfer);
		unit_quiet = 0;
		sum += n;
	}
	CHECK_EQ(sum, 4160 * 256);
	CHECK_EQ(blk_split_len(4160 * 256, g.max_xfer, 8), 8 * 4160);
	CHECK_EQ(blk_geom_max_parts(&g, 4160 * 256), 9);
	CHECK_EQ(blk_geom_max_parts(&g, 0), 0);

	/* at the top of 64 bits: no overflow in the count or a part's length */
	CHECK_EQ(blk_split_count(UINT64_MAX, 1), UINT64_MAX);
	CHECK_EQ(blk_split_count(UINT64_MAX, UINT64_MAX), 1);
	CHECK_EQ(blk_split_count(UINT64_MAX, 4096), (UINT64_MAX >> 12) + 1);
	CHECK_EQ(blk_split_count(UINT64_MAX - 4095, 4096), UINT64_MAX >> 12);
	CHECK_EQ(blk_split_len(UINT64_MAX, 4096, UINT64_MAX >> 12), 4095);
	CHECK_EQ(blk_split_len(UINT64_MAX, 4096, (UINT64_MAX >> 12) - 1), 4096);
	/* an index whose i * max wraps to a small number: still past the end */
	CHECK_EQ(blk_split_len(8192, 4096, (1ull << 52) + 1), 0);
	CHECK_EQ(blk_split_len(UINT64_MAX, 4096, UINT64_MAX), 0);
	/* the part count saturates at 32 bits */
	CHECK_EQ(blk_geom_init(&g, 512, UINT64_MAX >> 9, 512), 0);
	CHECK_EQ(blk_geom_max_parts(&g, UINT64_MAX), UINT32_MAX);
	CHECK_EQ(blk_geom_max_parts(&g, 512ull * UINT32_MAX), UINT32_MAX);
	CHECK_EQ(blk_geom_max_parts(&g, 512ull * (UINT32_MAX - 1)), UINT32_MAX - 1);
}

int main(void)
{
	test_max_xfer();
	test_init();
	test_blocks();
	test_io_ok();
	test_split();
	return unit_end();
}
