/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fio's I/O buffers in shared memory: a memfd mapping that a vhost-user
 * backend can map by fd, vhost-vdpa can map through its IOTLB and io_uring
 * can register as fixed buffers. One region per thread.
 */
#ifndef BLK_IOMEM_H
#define BLK_IOMEM_H

#include <stddef.h>

struct blk_iomem {
	int fd;			/* memfd backing the region, -1 when none */
	void *base;
	size_t len;		/* page-rounded mapping length */
};

#define BLK_IOMEM_INIT	{ .fd = -1, .base = NULL, .len = 0 }

/* Maps len bytes (rounded up to pages); returns 0 or -errno. */
int blk_iomem_alloc(struct blk_iomem *mem, size_t len, const char *name);
/*
 * The same in private anonymous memory (no fd), for devices that take
 * buffers by address: the kernel pins these pages more cheaply than
 * shared memfd pages on every I/O.
 */
int blk_iomem_alloc_private(struct blk_iomem *mem, size_t len);
void blk_iomem_free(struct blk_iomem *mem);
/*
 * Lets go of mem without unmapping it (its fd is closed): for memory a
 * device may still use, whose addresses must not come back for anything
 * else while the process lives.
 */
void blk_iomem_forget(struct blk_iomem *mem);

#endif
