/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One fio I/O spread over several device commands: how many are still in
 * flight and the first error any of them saw. Every engine completes an
 * I/O through these, so "last part done" and "first error wins" mean the
 * same everywhere, and a completion the device sends once too often is
 * caught instead of completing the I/O twice.
 */
#ifndef BLK_IO_TRACK_H
#define BLK_IO_TRACK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/* What errdetails() decodes. */
enum blk_err_kind {
	BLK_ERR_NONE = 0,
	BLK_ERR_NVME,		/* code: NVMe status field (SCT << 8 | SC, DNR, More) */
	BLK_ERR_VIRTIO,		/* code: virtio-blk status byte */
	BLK_ERR_ERRNO,		/* code: positive errno from the kernel or transport */
};

struct blk_io_err {
	uint16_t kind;		/* enum blk_err_kind */
	uint16_t pad;
	uint32_t code;
};

/*
 * First member of every engine's per-io_u context (io_u->engine_data), so
 * the dispatcher's errdetails() reads err without knowing the engine.
 */
struct blk_io_track {
	struct blk_io_err err;	/* the first error, decoded */
	int error;		/* its errno for fio, 0 while none */
	uint32_t pending;	/* parts in flight */
};

/* Starts an I/O: no parts, no error. */
static inline void blk_io_begin(struct blk_io_track *io)
{
	io->err = (struct blk_io_err){ .kind = BLK_ERR_NONE };
	io->error = 0;
	io->pending = 0;
}

/* One more part went to the device. */
static inline void blk_io_part_sent(struct blk_io_track *io)
{
	io->pending++;
}

/* Records an error; the first one stays (errno > 0). */
static inline void blk_io_fail(struct blk_io_track *io, enum blk_err_kind kind, uint32_t code,
			       int error)
{
	if (io->error)
		return;
	io->err = (struct blk_io_err){ .kind = (uint16_t)kind, .code = code };
	io->error = error;
}

/*
 * One part came back: 1 when it was the last, 0 while others are in
 * flight, -EALREADY when none was (a completion too many, which changes
 * nothing).
 */
static inline int blk_io_part_done(struct blk_io_track *io)
{
	if (!io->pending)
		return -EALREADY;
	return --io->pending == 0;
}

#endif
