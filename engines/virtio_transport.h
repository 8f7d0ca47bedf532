/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam between virtio-blk and the ways of reaching a virtio device
 * from user space (vhost-user socket, vhost-vdpa char device).
 *
 * virtio_blk.c drives every transport through these ops; a transport knows
 * nothing of virtio-blk requests or of fio. One transport instance is one
 * connection to one device, shared by the fio threads of a process, each
 * thread owning one virtqueue. Every op except notify() runs under the
 * device's lock (set-up and tear-down only); notify() runs on the I/O path
 * of the thread that owns the queue and must not block.
 *
 * Every op returns 0 or -errno; on failure it has logged nothing, and
 * virtio_blk.c reports the error with the device path.
 */
#ifndef BLK_VIRTIO_TRANSPORT_H
#define BLK_VIRTIO_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct virtio_transport;		/* one connection, private to the transport */

/* What connect() learns about the device. */
struct virtio_transport_info {
	/*
	 * In: the queues this process sets up on the device at the same time
	 * (0: unknown). A device that serves only the queues ready before it
	 * starts (VDUSE) waits for that many.
	 */
	unsigned int queues_together;
	unsigned int max_queues;	/* 0: unknown, ask the config space */
	unsigned int max_queue_size;	/* largest ring the device accepts */
	int watch_fd;			/* hangs up when the device goes away; -1 if none */
	/*
	 * In, for connect() and reconnect(): resubmit from the driver's own
	 * records, so do not ask the back-end to keep an in-flight region (a
	 * job that cannot reconnect has no use for one either).
	 */
	bool own_records;
	/*
	 * Packed rings start with wrap counters 0, which the transport tells
	 * the device in the ring base it sets; false: they start with 1, the
	 * device's state after a reset.
	 */
	bool packed_lap0;
	char detail[256];		/* on connect() failure: what to do about it */
};

/* Memory the device must reach: mapped in our address space at base. */
struct virtio_mem_region {
	void *base;
	size_t len;
	int fd;				/* shared memory (memfd) backing it, offset 0 */
};

/*
 * A virtqueue, given as addresses in our space and as device addresses.
 * A packed ring (VIRTIO_F_RING_PACKED) gives its descriptor ring, driver
 * and device event suppression areas as desc, avail and used; both its
 * wrap counters start at 1, or at 0 with packed_lap0, which the ring base
 * the transport sets must say.
 */
struct virtio_vq_config {
	unsigned int index;
	unsigned int num;		/* entries */
	unsigned int base;		/* avail index the device starts at (after a reconnect) */
	bool packed;
	void *desc, *avail, *used;
	uint64_t desc_addr, avail_addr, used_addr;
};

struct virtio_transport_ops {
	const char *name;

	/*
	 * Opens the device at path, takes ownership and learns its limits.
	 * On failure info->detail may say how to make it work.
	 */
	int (*connect)(const char *path, struct virtio_transport **tp,
		       struct virtio_transport_info *info);

	/* Acks the features in wanted the device offers; *acked is what was set. */
	int (*negotiate)(struct virtio_transport *t, uint64_t wanted, uint64_t *acked);

	/* Reads len bytes of the device-specific config space at offset. */
	int (*get_config)(struct virtio_transport *t, void *buf, unsigned int offset,
			  unsigned int len);

	/*
	 * Lets the device access a region; *dev_addr is the address of base
	 * as the device sees it (what descriptors carry).
	 */
	int (*map_mem)(struct virtio_transport *t, const struct virtio_mem_region *r,
		       uint64_t *dev_addr);
	/* Undoes map_mem; the queues using the region are stopped already. */
	int (*unmap_mem)(struct virtio_transport *t, const struct virtio_mem_region *r,
			 uint64_t dev_addr);

	/*
	 * Describes a ring to the device (starting at vq->base, 0 but after a
	 * reconnect) and creates its notification eventfds; *call_fd is the one the device signals
	 * completions on (owned by the transport).
	 */
	int (*setup_vq)(struct virtio_transport *t, const struct virtio_vq_config *vq,
			int *call_fd);

	/* Lets the device process queue index. */
	int (*start)(struct virtio_transport *t, unsigned int index);

	/* Stops queue index: the device no longer touches its ring. */
	int (*stop_vq)(struct virtio_transport *t, unsigned int index);

	/*
	 * The ring memory of queue index is about to be freed, whether or not
	 * stop_vq() ran (a stalled queue is not stopped: its requests are
	 * still the device's). Drops every pointer the transport keeps into
	 * that ring; never talks to the device. NULL when there are none.
	 */
	void (*forget_vq)(struct virtio_transport *t, unsigned int index);

	/* Tells the device queue index has new entries. Hot path. */
	int (*notify)(struct virtio_transport *t, unsigned int index);

	/* Closes the connection and frees t. */
	int (*disconnect)(struct virtio_transport *t);

	/*
	 * After the device hung up: connects to the same path again, waiting
	 * (backing off) until deadline_ns (CLOCK_MONOTONIC) for it to accept,
	 * repeats the handshake, which must offer what was negotiated before,
	 * acks the same features and registers every region mapped so far.
	 * The queues are then set up again with setup_vq(), which keeps each
	 * queue's eventfds; watch_fd stays the same descriptor. On failure
	 * info->detail says why. NULL when the transport cannot reconnect.
	 */
	int (*reconnect)(struct virtio_transport *t, int64_t deadline_ns,
			 struct virtio_transport_info *info);

	/*
	 * After reconnect(), before setup_vq() of queue index: when the
	 * back-end got its in-flight region back and resubmits what it had
	 * taken itself, how many requests of the queue those are (the ring
	 * must then stay as it is); -ENOENT when the driver resubmits.
	 */
	int (*inflight)(struct virtio_transport *t, unsigned int index);
};

#endif
