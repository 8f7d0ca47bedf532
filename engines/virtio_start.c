// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRIVER_OK once for the queues that start together (see virtio_start.h).
 */
#include <errno.h>
#include <time.h>

#include "virtio_start.h"

/*
 * How long the first kick waits for the other queues expected: fio starts
 * the jobs of a group together, so they are seconds apart at most.
 */
#define VIRTIO_START_WAIT_MS	5000

void virtio_start_init(struct virtio_start *s, unsigned int expect,
		       int (*driver_ok)(void *transport), void *transport)
{
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->expect = expect;
	s->driver_ok = driver_ok;
	s->transport = transport;
}

void virtio_start_destroy(struct virtio_start *s)
{
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
}

/* Sets DRIVER_OK unless set or refused already; under s->lock. */
static int go_live_locked(struct virtio_start *s)
{
	int ret;

	if (s->live)
		return 0;
	if (s->failed)
		return -EIO;
	ret = s->driver_ok(s->transport);
	if (ret) {
		s->failed = 1;
		pthread_cond_broadcast(&s->cond);
		return ret;
	}
	__atomic_store_n(&s->live, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&s->cond);
	return 0;
}

int virtio_start_queue_up_locked(struct virtio_start *s)
{
	int ret = 0;

	s->started++;
	if (s->expect && s->started >= s->expect)
		ret = go_live_locked(s);
	pthread_cond_broadcast(&s->cond);
	return ret;
}

void virtio_start_queue_down_locked(struct virtio_start *s)
{
	if (s->started)
		s->started--;
}

int virtio_start_go_live(struct virtio_start *s)
{
	struct timespec deadline;
	int ret;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += VIRTIO_START_WAIT_MS / 1000;
	pthread_mutex_lock(&s->lock);
	while (!s->live && !s->failed && s->expect && s->started < s->expect) {
		if (pthread_cond_timedwait(&s->cond, &s->lock, &deadline) == ETIMEDOUT)
			break;
	}
	ret = go_live_locked(s);
	pthread_mutex_unlock(&s->lock);
	return ret;
}
