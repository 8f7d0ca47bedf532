// SPDX-License-Identifier: GPL-2.0-only
/*
 * One I/O over several device commands (common/io_track.h): the last part
 * completes it, the first error is the one reported, and a completion
 * with no part in flight changes nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "io_track.h"
#include "unit.h"

static void test_parts(void)
{
	struct blk_io_track io;
	unsigned int i;

	printf("-- parts\n");
	blk_io_begin(&io);
	CHECK_EQ(io.pending, 0);
	CHECK_EQ(io.error, 0);
	CHECK_EQ(io.err.kind, BLK_ERR_NONE);
	for (i = 0; i < 3; i++)
		blk_io_part_sent(&io);
	CHECK_EQ(io.pending, 3);
	CHECK_EQ(blk_io_part_done(&io), 0);
	CHECK_EQ(blk_io_part_done(&io), 0);
	CHECK_EQ(blk_io_part_done(&io), 1);
	CHECK_EQ(io.pending, 0);
	/* one completion too many: reported, and nothing wraps */
	CHECK_EQ(blk_io_part_done(&io), -EALREADY);
	CHECK_EQ(io.pending, 0);
	CHECK_EQ(blk_io_part_done(&io), -EALREADY);

	/* a single part */
	blk_io_begin(&io);
	blk_io_part_sent(&io);
	CHECK_EQ(blk_io_part_done(&io), 1);
	CHECK_EQ(blk_io_part_done(&io), -EALREADY);
	/* nothing sent at all */
	blk_io_begin(&io);
	CHECK_EQ(blk_io_part_done(&io), -EALREADY);
}

static void test_errors(void)
{
	struct blk_io_track io;

	printf("-- first error wins\n");
	blk_io_begin(&io);
	blk_io_part_sent(&io);
	blk_io_part_sent(&io);
	blk_io_fail(&io, BLK_ERR_NVME, 0x281, EIO);
	blk_io_fail(&io, BLK_ERR_ERRNO, EINVAL, EINVAL);
	blk_io_fail(&io, BLK_ERR_VIRTIO, 1, EIO);
	CHECK_EQ(io.error, EIO);
	CHECK_EQ(io.err.kind, BLK_ERR_NVME);
	CHECK_EQ(io.err.code, 0x281);
	CHECK_EQ(blk_io_part_done(&io), 0);
	CHECK_EQ(blk_io_part_done(&io), 1);
	CHECK_EQ(io.error, EIO);
	CHECK_EQ(io.err.code, 0x281);

	/* the next I/O on the same context starts clean */
	blk_io_begin(&io);
	CHECK_EQ(io.error, 0);
	CHECK_EQ(io.err.kind, BLK_ERR_NONE);
	CHECK_EQ(io.err.code, 0);
	blk_io_fail(&io, BLK_ERR_ERRNO, EILSEQ, EILSEQ);
	CHECK_EQ(io.err.kind, BLK_ERR_ERRNO);
	CHECK_EQ(io.err.code, EILSEQ);

	/* errdetails() reads a blk_io_err at the start of the context */
	CHECK_EQ(offsetof(struct blk_io_track, err), 0);
}

int main(void)
{
	test_parts();
	test_errors();
	return unit_end();
}
