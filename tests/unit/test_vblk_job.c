// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-blk job checks and request sizing the engine runs at start-up
 * (engines/vblk_job.c, engines/job_check.c), against config values a
 * device may report, at their edges: how many segments and bytes one
 * request carries, how many ring entries the largest I/O takes, the ring
 * size for an iodepth, and every refusal.
 */
#include <errno.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "job_check.h"
#include "options.h"
#include "unit.h"
#include "vblk.h"

struct fixture {
	struct thread_data td;
	struct blk_options eo;
	struct virtio_dev dev;
	struct vblk_thread vt;
};

static struct fixture fx;

/* A read/write job of bs min..max at iodepth on a device of these limits. */
static void setup(uint32_t blk, uint32_t size_max, uint32_t seg_max, unsigned int max_queue,
		  bool indirect, unsigned long long min_bs, unsigned long long max_bs,
		  unsigned int iodepth)
{
	int d;

	memset(&fx, 0, sizeof(fx));
	fx.td.eo = &fx.eo;
	fx.td.o.td_ddir = TD_DDIR_RW;
	fx.td.o.iodepth = iodepth;
	for (d = 0; d < DDIR_RWDIR_CNT; d++) {
		fx.td.o.bs[d] = fx.td.o.min_bs[d] = min_bs;
		fx.td.o.max_bs[d] = max_bs;
		fx.td.o.ba[d] = min_bs;
	}
	fx.eo.stall_timeout = 30;
	fx.dev.info.features = 1ull << VIRTIO_F_VERSION_1;
	if (indirect)
		fx.dev.info.features |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	fx.dev.info.blk_size = blk;
	fx.dev.info.capacity = 1ull << 30;
	fx.dev.info.size_max = size_max;
	fx.dev.info.seg_max = seg_max;
	fx.dev.info.max_queue_size = max_queue;
	fx.dev.info.max_discard_sectors = UINT32_MAX;
	fx.dev.info.max_write_zeroes_sectors = UINT32_MAX;
	fx.vt.dev = &fx.dev;
	vblk_choose_ops(&fx.td, &fx.vt);
}

static int size(unsigned int *qsize, unsigned int *nseg)
{
	return vblk_size_queue(&fx.td, &fx.vt, qsize, nseg);
}

static void test_sizing(void)
{
	unsigned int q = 0, n = 0;

	/* No limits: one segment carries any I/O, a ring entry per I/O. */
	setup(512, 0, 0, 1024, true, 4096, 1 << 20, 32);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(q, 32);
	CHECK_EQ(n, 1);
	CHECK_EQ(fx.vt.geom.max_xfer, 1u << 31);	/* one descriptor holds up to 2 GiB */

	/* 4 segments of 4 KiB: 16 KiB a request, 64 requests a 1 MiB I/O. */
	setup(512, 4096, 4, 1024, true, 4096, 1 << 20, 8);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(fx.vt.geom.max_xfer, 16384);
	CHECK_EQ(n, 4);
	CHECK_EQ(q, 512);

	/* The same without indirect tables: each request takes 4 + 2 entries. */
	setup(512, 4096, 4, 1024, false, 4096, 16384, 4);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(q, 32);

	/* More than the ring holds: capped, not wrapped. */
	setup(512, 4096, 4, 1024, true, 4096, 1 << 20, 65535);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(q, 1024);

	/* seg_max 65535 of 512 bytes: a request stays within the ring (1022 + 2). */
	setup(512, 512, 65535, 1024, true, 4096, 1 << 20, 4);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(n, 1022);
	CHECK_EQ(fx.vt.geom.max_xfer, 1022 * 512);
	CHECK(fx.vt.geom.max_xfer % 512 == 0);

	/* 4096-byte blocks: a request is whole blocks even if segments are not. */
	setup(4096, 1000, 9, 1024, true, 4096, 65536, 1);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(fx.vt.geom.max_xfer, 8192);

	/* One segment of 1 byte cannot carry a block: refused. */
	setup(4096, 1, 0, 1024, true, 4096, 4096, 1);
	CHECK_EQ(size(&q, &n), -EINVAL);

	/* blk_oversize=refuse with an I/O over one request. */
	setup(512, 4096, 4, 1024, true, 4096, 65536, 1);
	fx.eo.oversize = BLK_OVERSIZE_REFUSE;
	CHECK_EQ(size(&q, &n), -EINVAL);
	setup(512, 4096, 4, 1024, true, 4096, 16384, 1);
	fx.eo.oversize = BLK_OVERSIZE_REFUSE;
	CHECK_EQ(size(&q, &n), 0);

	/* blk_queue_size: a power of two, within the device, big enough. */
	setup(512, 0, 0, 1024, true, 4096, 4096, 16);
	fx.eo.queue_size = 48;
	CHECK_EQ(size(&q, &n), -EINVAL);
	fx.eo.queue_size = 2048;
	CHECK_EQ(size(&q, &n), -EINVAL);
	fx.eo.queue_size = 8;
	CHECK_EQ(size(&q, &n), -EINVAL);
	fx.eo.queue_size = 64;
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(q, 64);

	/* A huge iodepth times many entries per I/O does not wrap past the check. */
	setup(512, 512, 4, 1024, false, 1 << 20, 1 << 20, 65535);
	fx.eo.queue_size = 1024;
	CHECK_EQ(size(&q, &n), -EINVAL);

	/* One I/O needing more entries than the ring: refused. */
	setup(512, 512, 1, 4, false, 4096, 4096, 1);
	CHECK_EQ(size(&q, &n), -EINVAL);

	/* The smallest ring a device may offer still serves one-segment I/O. */
	setup(512, 0, 1, 4, false, 4096, 4096, 1);
	CHECK_EQ(size(&q, &n), 0);
	CHECK_EQ(q, 4);
}

static void test_alignment(void)
{
	setup(4096, 0, 0, 1024, true, 4096, 65536, 1);
	CHECK_EQ(blk_job_check_alignment(&fx.td, "dev", 4096, "device"), 0);
	fx.td.o.min_bs[DDIR_WRITE] = 512;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "dev", 4096, "device"), -EINVAL);
	/* A direction the job does not use is not checked. */
	fx.td.o.td_ddir = TD_DDIR_READ;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "dev", 4096, "device"), 0);

	setup(4096, 0, 0, 1024, true, 4096, 65536, 1);
	fx.td.o.start_offset = 4096 * 3 + 512;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "dev", 4096, "device"), -EINVAL);

	setup(4096, 0, 0, 1024, true, 4096, 65536, 1);
	fx.td.o.offset_increment = 6144;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "dev", 4096, "device"), -EINVAL);

	setup(4096, 0, 0, 1024, true, 4096, 65536, 1);
	fx.td.o.bs_unaligned = 1;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "dev", 4096, "device"), -EINVAL);

	/* bsrange= leaves bs at fio's default; only the range is issued. */
	setup(4160, 0, 0, 1024, true, 4160, 4160 * 4, 1);
	fx.td.o.bs[DDIR_READ] = fx.td.o.bs[DDIR_WRITE] = 4096;
	fx.td.o.ba[DDIR_READ] = fx.td.o.ba[DDIR_WRITE] = 4160;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "ns", 4160, "namespace"), 0);

	/* Odd block sizes: 520 divides 520 * k only. */
	setup(4096, 0, 0, 1024, true, 520 * 8, 520 * 16, 1);
	CHECK_EQ(blk_job_check_alignment(&fx.td, "ns", 520, "namespace"), 0);
	fx.td.o.ba[DDIR_READ] = 4096;
	CHECK_EQ(blk_job_check_alignment(&fx.td, "ns", 520, "namespace"), -EINVAL);

	/* The largest data I/O: reads and writes the job issues, not trims. */
	setup(4096, 0, 0, 1024, true, 4096, 65536, 1);
	fx.td.o.max_bs[DDIR_TRIM] = 1 << 30;
	CHECK_EQ(blk_job_max_data_bs(&fx.td), 65536);
	fx.td.o.td_ddir = TD_DDIR_TRIM;
	CHECK_EQ(blk_job_max_data_bs(&fx.td), 0);
}

int main(void)
{
	test_sizing();
	test_alignment();
	return unit_end();
}
