/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-blk device as the fio threads of one process share it: one
 * transport connection (vhost-user back-ends and vhost-vdpa devices take
 * one client at a time), the negotiated features, the config space, and
 * which virtqueues are taken. Set-up and tear-down only; the I/O path
 * never takes the lock.
 */
#ifndef BLK_VIRTIO_DEV_H
#define BLK_VIRTIO_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_transport.h"

/* The config space, decoded, and the features that guard it. */
struct virtio_blk_info {
	uint64_t features;		/* negotiated */
	uint64_t capacity;		/* bytes */
	uint32_t blk_size;		/* logical block size, bytes */
	uint32_t size_max;		/* largest segment, 0: no limit */
	uint32_t seg_max;		/* segments per request, 0: no limit */
	uint32_t num_queues;
	uint32_t max_discard_sectors;	/* 512-byte sectors per discard */
	uint32_t max_write_zeroes_sectors;
	bool write_zeroes_may_unmap;
	unsigned int max_queue_size;	/* ring entries the transport accepts */
};

static inline bool virtio_blk_has(const struct virtio_blk_info *info, unsigned int bit)
{
	return info->features & (1ull << bit);
}

struct virtio_dev {
	struct virtio_dev *next;
	char *path;
	const struct virtio_transport_ops *ops;
	struct virtio_transport *t;
	struct virtio_transport_info tinfo;
	struct virtio_blk_info info;
	unsigned int refs;
	bool *queue_used;		/* [info.num_queues] */
	int gone;			/* enum virtio_dev_gone (set without the lock) */
	unsigned int gen;		/* connections made again (read without the lock) */
};

/*
 * ring (enum blk_ring, the job's blk_ring) decides whether packed
 * virtqueues are negotiated; blk_ring=packed on a device without them, or
 * a layout other than the one this process's connection already uses, is
 * refused with a message naming the option.
 *
 * Reads the device's config: through this process's live connection when
 * there is one, else by connecting and disconnecting at once. Logs why it
 * failed, naming path.
 */
int virtio_dev_probe(const char *path, const struct virtio_transport_ops *ops,
		     unsigned int ring, struct virtio_blk_info *info);

/*
 * Takes a reference on the process's connection to path, connecting on
 * first use (queues_together: see struct virtio_transport_info), and a
 * free virtqueue index. inflight: on first use, have the back-end keep an
 * in-flight region for a later reconnect (see own_records in struct
 * virtio_transport_info). Logs why it failed.
 */
int virtio_dev_get(const char *path, const struct virtio_transport_ops *ops,
		   unsigned int queues_together, unsigned int ring, bool inflight,
		   struct virtio_dev **devp, unsigned int *qidx);

/* The virtqueue.h flags (VIRTQ_F_*) for the negotiated features. */
unsigned int virtio_dev_virtq_flags(const struct virtio_blk_info *info);

/* Gives back the queue and the reference; the last one disconnects. */
void virtio_dev_put(struct virtio_dev *dev, unsigned int qidx);

/* Serialises transport set-up calls between the threads sharing dev. */
void virtio_dev_lock(struct virtio_dev *dev);
void virtio_dev_unlock(struct virtio_dev *dev);

/*
 * blk_reconnect: under the device lock, after the device hung up. When the
 * connection is still the one of generation seen, connects again (waiting
 * until deadline_ns), re-reads the config and checks the device is the
 * same size, then bumps dev->gen; when another thread did so already,
 * does nothing. own_records: see struct virtio_transport_info. The
 * threads then set up their own queues again. On
 * failure logs why and marks the device gone.
 */
int virtio_dev_reconnect_locked(struct virtio_dev *dev, unsigned int seen, int64_t deadline_ns,
				bool own_records);

static inline unsigned int virtio_dev_gen(struct virtio_dev *dev)
{
	return __atomic_load_n(&dev->gen, __ATOMIC_ACQUIRE);
}

/* Why the device is no longer usable by any of its queues. */
enum virtio_dev_gone {
	VIRTIO_DEV_LIVE = 0,
	VIRTIO_DEV_HUNG_UP,		/* the transport closed */
	VIRTIO_DEV_PROTOCOL,		/* a queue saw the device break the ring protocol */
};

static inline enum virtio_dev_gone virtio_dev_gone(struct virtio_dev *dev)
{
	return (enum virtio_dev_gone)__atomic_load_n(&dev->gone, __ATOMIC_RELAXED);
}

/* The first reason stays. */
static inline void virtio_dev_set_gone(struct virtio_dev *dev, enum virtio_dev_gone why)
{
	int live = VIRTIO_DEV_LIVE;

	__atomic_compare_exchange_n(&dev->gone, &live, (int)why, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

#endif
