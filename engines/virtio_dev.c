// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-process registry of virtio-blk devices.
 *
 * This is the one piece of process-wide state in the module, and it has
 * to be: the back-end takes one client at a time, so the fio threads of a
 * process that drive the same device must share one connection. The list
 * and each device's reference count and queue map are guarded by one
 * mutex, taken at set-up and tear-down only.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "options.h"
#include "virtio_dev.h"
#include "virtqueue.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct virtio_dev *registry;

/* Everything virtio_blk.c knows how to use. */
static const uint64_t wanted_features =
	1ull << VIRTIO_F_VERSION_1 |
	1ull << VIRTIO_RING_F_EVENT_IDX |
	1ull << VIRTIO_RING_F_INDIRECT_DESC |
	1ull << VIRTIO_BLK_F_SEG_MAX |
	1ull << VIRTIO_BLK_F_SIZE_MAX |
	1ull << VIRTIO_BLK_F_BLK_SIZE |
	1ull << VIRTIO_BLK_F_TOPOLOGY |
	1ull << VIRTIO_BLK_F_FLUSH |
	1ull << VIRTIO_BLK_F_DISCARD |
	1ull << VIRTIO_BLK_F_WRITE_ZEROES |
	1ull << VIRTIO_BLK_F_RO |
	1ull << VIRTIO_BLK_F_MQ |
	1ull << VIRTIO_BLK_F_CONFIG_WCE;

/*
 * Whether blk_ring=auto takes a packed ring when the device offers one:
 * the faster layout in scripts/bench-ring's measurements (README, packed
 * virtqueues).
 */
#define BLK_RING_AUTO_PACKED	0

/* Packed rings come with in-order completion, which only they understand here. */
static uint64_t ring_features(unsigned int ring)
{
	const uint64_t packed = 1ull << VIRTIO_F_RING_PACKED | 1ull << VIRTIO_F_IN_ORDER;

	if (ring == BLK_RING_PACKED || (ring == BLK_RING_AUTO && BLK_RING_AUTO_PACKED))
		return packed;
	return 0;
}

static const char *ring_name(unsigned int ring)
{
	return ring == BLK_RING_PACKED ? "packed" : ring == BLK_RING_SPLIT ? "split" : "auto";
}

/* Refuses a layout the device lacks, or an in-order split ring. */
static int check_ring(const char *path, unsigned int ring, const struct virtio_blk_info *info)
{
	bool packed = virtio_blk_has(info, VIRTIO_F_RING_PACKED);

	if (ring == BLK_RING_PACKED && !packed) {
		log_err("blkengine: %s: blk_ring=packed: the device does not offer packed virtqueues (VIRTIO_F_RING_PACKED); use blk_ring=split or blk_ring=auto\n",
			path);
		return -EINVAL;
	}
	if (!packed && virtio_blk_has(info, VIRTIO_F_IN_ORDER)) {
		log_err("blkengine: %s: blk_ring=%s: the device offers in-order completion (VIRTIO_F_IN_ORDER) without packed virtqueues, which the split ring here does not support; use blk_ring=split\n",
			path, ring_name(ring));
		return -EINVAL;
	}
	return 0;
}

/* A second job of the process must want the layout the connection has. */
static int check_shared_ring(const struct virtio_dev *dev, unsigned int ring)
{
	bool packed = virtio_blk_has(&dev->info, VIRTIO_F_RING_PACKED);

	if ((ring == BLK_RING_PACKED && !packed) || (ring == BLK_RING_SPLIT && packed)) {
		log_err("blkengine: %s: blk_ring=%s: another job of this process already drives the device with %s virtqueues, and all its queues share one layout; give the jobs on it the same blk_ring\n",
			dev->path, ring_name(ring), packed ? "packed" : "split");
		return -EINVAL;
	}
	return 0;
}

unsigned int virtio_dev_virtq_flags(const struct virtio_blk_info *info)
{
	unsigned int flags = 0;

	if (virtio_blk_has(info, VIRTIO_RING_F_EVENT_IDX))
		flags |= VIRTQ_F_EVENT_IDX;
	if (virtio_blk_has(info, VIRTIO_F_RING_PACKED)) {
		flags |= VIRTQ_F_PACKED;
		if (virtio_blk_has(info, VIRTIO_F_IN_ORDER))
			flags |= VIRTQ_F_IN_ORDER;
	}
	return flags;
}

/*
 * The config fields we read end before the secure-erase ones; asking for
 * no more keeps back-ends built with older headers willing to answer.
 */
#define CONFIG_LEN	offsetof(struct virtio_blk_config, max_secure_erase_sectors)

static int decode_config(const char *path, const struct virtio_blk_config *cfg,
			 const struct virtio_transport_info *ti, struct virtio_blk_info *info)
{
	uint64_t sectors = le64toh(cfg->capacity);

	/* A capacity that does not fit in bytes would wrap into a small one. */
	if (sectors > UINT64_MAX >> 9) {
		log_err("blkengine: %s: the device reports %" PRIu64 " sectors, more than 64-bit byte offsets can address\n",
			path, sectors);
		return -EPROTO;
	}
	info->capacity = sectors << 9;
	info->blk_size = 512;
	if (virtio_blk_has(info, VIRTIO_BLK_F_BLK_SIZE))
		info->blk_size = le32toh(cfg->blk_size);
	if (info->blk_size < 512 || info->blk_size > 65536 ||
	    (info->blk_size & (info->blk_size - 1))) {
		log_err("blkengine: %s: the device reports a block size of %u bytes; expected a power of two from 512 to 65536\n",
			path, info->blk_size);
		return -EPROTO;
	}
	if (!info->capacity) {
		log_err("blkengine: %s: the device reports a capacity of 0 bytes\n", path);
		return -EPROTO;
	}
	info->size_max = virtio_blk_has(info, VIRTIO_BLK_F_SIZE_MAX) ? le32toh(cfg->size_max) : 0;
	/* QEMU's exports offer size_max and say 0: no limit, as before the feature. */
	if (info->size_max && info->size_max < 512) {
		log_err("blkengine: %s: the device reports size_max=%u, a largest segment below one 512-byte sector; no request could carry a block\n",
			path, info->size_max);
		return -EPROTO;
	}
	info->seg_max = virtio_blk_has(info, VIRTIO_BLK_F_SEG_MAX) ? le32toh(cfg->seg_max) : 0;
	/* As Linux's virtio_blk: a device that offers seg_max and says 0 gets one segment. */
	if (virtio_blk_has(info, VIRTIO_BLK_F_SEG_MAX) && !info->seg_max)
		info->seg_max = 1;
	info->num_queues = 1;
	if (virtio_blk_has(info, VIRTIO_BLK_F_MQ) && le16toh(cfg->num_queues))
		info->num_queues = le16toh(cfg->num_queues);
	if (ti->max_queues && info->num_queues > ti->max_queues)
		info->num_queues = ti->max_queues;
	/* Zero limits would be a device bug; fall back to what one request can say. */
	info->max_discard_sectors = le32toh(cfg->max_discard_sectors);
	if (!info->max_discard_sectors)
		info->max_discard_sectors = UINT32_MAX;
	info->max_write_zeroes_sectors = le32toh(cfg->max_write_zeroes_sectors);
	if (!info->max_write_zeroes_sectors)
		info->max_write_zeroes_sectors = UINT32_MAX;
	info->write_zeroes_may_unmap = cfg->write_zeroes_may_unmap;
	info->max_queue_size = ti->max_queue_size;
	/* A header, a data segment and a status byte must fit a ring. */
	if (info->max_queue_size < 4) {
		log_err("blkengine: %s: the transport allows rings of %u entries; at least 4 are needed\n",
			path, info->max_queue_size);
		return -EPROTO;
	}
	return 0;
}

/* Connects and reads the config; on success the caller owns *tp. */
static int dev_open(const char *path, const struct virtio_transport_ops *ops,
		    unsigned int queues_together, unsigned int ring, bool inflight,
		    struct virtio_transport **tp, struct virtio_transport_info *ti,
		    struct virtio_blk_info *info)
{
	struct virtio_blk_config cfg;
	int ret;

	memset(ti, 0, sizeof(*ti));
	ti->queues_together = queues_together;
	ti->own_records = !inflight;
	ret = ops->connect(path, tp, ti);
	if (ret) {
		log_err("blkengine: cannot connect to %s (%s): %s\n", path, ops->name,
			ti->detail[0] ? ti->detail : strerror(-ret));
		return ret;
	}
	ret = ops->negotiate(*tp, wanted_features | ring_features(ring), &info->features);
	if (ret)
		goto disconnect;
	ret = check_ring(path, ring, info);
	if (ret) {
		ops->disconnect(*tp);
		*tp = NULL;
		return ret;
	}
	memset(&cfg, 0, sizeof(cfg));
	ret = ops->get_config(*tp, &cfg, 0, CONFIG_LEN);
	if (ret)
		goto disconnect;
	ret = decode_config(path, &cfg, ti, info);
	if (ret)
		goto disconnect;
	return 0;

disconnect:
	log_err("blkengine: %s: cannot set up the virtio-blk device: %s\n", path, strerror(-ret));
	ops->disconnect(*tp);
	*tp = NULL;
	return ret;
}

static struct virtio_dev *find_dev(const char *path, const struct virtio_transport_ops *ops)
{
	struct virtio_dev *dev;

	for (dev = registry; dev; dev = dev->next)
		if (dev->ops == ops && !strcmp(dev->path, path))
			return dev;
	return NULL;
}

int virtio_dev_probe(const char *path, const struct virtio_transport_ops *ops,
		     unsigned int ring, struct virtio_blk_info *info)
{
	struct virtio_transport_info ti;
	struct virtio_transport *t;
	struct virtio_dev *dev;
	int ret;

	pthread_mutex_lock(&registry_lock);
	dev = find_dev(path, ops);
	if (dev) {
		*info = dev->info;
		ret = check_shared_ring(dev, ring);
		pthread_mutex_unlock(&registry_lock);
		return ret;
	}
	ret = dev_open(path, ops, 0, ring, false, &t, &ti, info);
	if (!ret)
		ops->disconnect(t);
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

static int take_queue(struct virtio_dev *dev, unsigned int *qidx)
{
	unsigned int i;

	for (i = 0; i < dev->info.num_queues; i++) {
		if (!dev->queue_used[i]) {
			dev->queue_used[i] = true;
			*qidx = i;
			return 0;
		}
	}
	log_err("blkengine: %s: the device has %u virtqueue%s (num-queues of the export) and each job of this process takes one; run at most %u job%s on it (numjobs) or export it with num-queues=%u or more\n",
		dev->path, dev->info.num_queues, dev->info.num_queues == 1 ? "" : "s",
		dev->info.num_queues, dev->info.num_queues == 1 ? "" : "s", dev->refs + 1);
	return -EBUSY;
}

static void free_dev(struct virtio_dev *dev)
{
	free(dev->queue_used);
	free(dev->path);
	free(dev);
}

int virtio_dev_get(const char *path, const struct virtio_transport_ops *ops,
		   unsigned int queues_together, unsigned int ring, bool inflight,
		   struct virtio_dev **devp, unsigned int *qidx)
{
	struct virtio_dev *dev;
	int ret;

	pthread_mutex_lock(&registry_lock);
	dev = find_dev(path, ops);
	if (!dev) {
		dev = calloc(1, sizeof(*dev));
		if (!dev) {
			ret = -ENOMEM;
			goto unlock;
		}
		dev->path = strdup(path);
		dev->ops = ops;
		if (!dev->path) {
			ret = -ENOMEM;
			goto free_dev;
		}
		ret = dev_open(path, ops, queues_together, ring, inflight, &dev->t, &dev->tinfo,
			       &dev->info);
		if (ret)
			goto free_dev;
		dev->queue_used = calloc(dev->info.num_queues, sizeof(*dev->queue_used));
		if (!dev->queue_used) {
			ret = -ENOMEM;
			goto disconnect;
		}
		dev->next = registry;
		registry = dev;
	} else {
		ret = check_shared_ring(dev, ring);
		if (ret)
			goto unlock;
	}
	ret = take_queue(dev, qidx);
	if (ret) {
		if (!dev->refs)
			goto unlink;
		goto unlock;
	}
	dev->refs++;
	*devp = dev;
	pthread_mutex_unlock(&registry_lock);
	return 0;

unlink:
	registry = dev->next;
disconnect:
	ops->disconnect(dev->t);
free_dev:
	free_dev(dev);
unlock:
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

void virtio_dev_put(struct virtio_dev *dev, unsigned int qidx)
{
	struct virtio_dev **p;

	pthread_mutex_lock(&registry_lock);
	dev->queue_used[qidx] = false;
	if (--dev->refs) {
		pthread_mutex_unlock(&registry_lock);
		return;
	}
	for (p = &registry; *p; p = &(*p)->next) {
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	}
	dev->ops->disconnect(dev->t);
	pthread_mutex_unlock(&registry_lock);
	free_dev(dev);
}

/* One lock for the registry and the transports: set-up is rare and short. */
void virtio_dev_lock(struct virtio_dev *dev)
{
	pthread_mutex_lock(&registry_lock);
}

void virtio_dev_unlock(struct virtio_dev *dev)
{
	pthread_mutex_unlock(&registry_lock);
}

int virtio_dev_reconnect_locked(struct virtio_dev *dev, unsigned int seen, int64_t deadline_ns,
				bool own_records)
{
	struct virtio_blk_info info = { .features = dev->info.features };
	struct virtio_blk_config cfg;
	int ret;

	if (virtio_dev_gen(dev) != seen)
		return 0;
	if (virtio_dev_gone(dev) != VIRTIO_DEV_LIVE)
		return -ECONNRESET;
	if (!dev->ops->reconnect)
		return -EOPNOTSUPP;
	dev->tinfo.own_records = own_records;
	ret = dev->ops->reconnect(dev->t, deadline_ns, &dev->tinfo);
	if (ret) {
		log_err("blkengine: %s: the back-end did not come back (blk_reconnect): %s\n",
			dev->path, dev->tinfo.detail[0] ? dev->tinfo.detail : strerror(-ret));
		goto gone;
	}
	memset(&cfg, 0, sizeof(cfg));
	ret = dev->ops->get_config(dev->t, &cfg, 0, CONFIG_LEN);
	if (!ret)
		ret = decode_config(dev->path, &cfg, &dev->tinfo, &info);
	if (ret) {
		log_err("blkengine: %s: the back-end came back but its config cannot be read: %s\n",
			dev->path, strerror(-ret));
		goto gone;
	}
	/* Offsets fio is about to use must still exist, in the same blocks. */
	if (info.capacity < dev->info.capacity || info.blk_size != dev->info.blk_size ||
	    info.num_queues < dev->info.num_queues) {
		log_err("blkengine: %s: the back-end came back as another disk: %" PRIu64 " bytes in %u-byte blocks with %u queues, was %" PRIu64 " bytes in %u-byte blocks with %u queues\n",
			dev->path, info.capacity, info.blk_size, info.num_queues,
			dev->info.capacity, dev->info.blk_size, dev->info.num_queues);
		ret = -ENOSPC;
		goto gone;
	}
	__atomic_store_n(&dev->gen, seen + 1, __ATOMIC_RELEASE);
	return 0;

gone:
	virtio_dev_set_gone(dev, VIRTIO_DEV_HUNG_UP);
	return ret;
}
