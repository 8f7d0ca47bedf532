/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * DRIVER_OK for queues that start together, on transports whose device
 * starts as a whole (vhost-vdpa, vfio-pci): the queues of the jobs sharing
 * a device are set up first, then the device is told DRIVER_OK once. Each
 * queue's start counts towards the number expected; the last sets
 * DRIVER_OK, and a queue kicked before that waits a while for the others,
 * then sets it itself.
 */
#ifndef BLK_VIRTIO_START_H
#define BLK_VIRTIO_START_H

#include <pthread.h>
#include <stdbool.h>

struct virtio_start {
	/* Also the transport's lock for its queue table: the counts change with it. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int expect;	/* queues that start together, 0: unknown */
	unsigned int started;
	int live;		/* DRIVER_OK set; read without the lock */
	int failed;		/* DRIVER_OK was refused */
	/* Sets DRIVER_OK on the device: 0 or -errno, after logging why. */
	int (*driver_ok)(void *transport);
	void *transport;
};

void virtio_start_init(struct virtio_start *s, unsigned int expect,
		       int (*driver_ok)(void *transport), void *transport);
void virtio_start_destroy(struct virtio_start *s);

/*
 * Under s->lock: a queue started (the last one expected sets DRIVER_OK,
 * whose error is returned), or one that had started stopped.
 */
int virtio_start_queue_up_locked(struct virtio_start *s);
void virtio_start_queue_down_locked(struct virtio_start *s);

/*
 * The first kick of a queue before DRIVER_OK: waits up to
 * VIRTIO_START_WAIT_MS for the queues still setting up, then sets it.
 */
int virtio_start_go_live(struct virtio_start *s);

static inline bool virtio_start_live(const struct virtio_start *s)
{
	return __atomic_load_n(&s->live, __ATOMIC_ACQUIRE);
}

#endif
