// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost-user front-end (vhost_user.c under virtio_dev.c) against a
 * back-end whose every reply byte comes from the input: a thread of this
 * process accepts the connection, sends the input as the reply stream and
 * hangs up. The front-end connects, negotiates, reads and decodes the
 * config space, registers memory, sets up and starts a queue, then
 * reconnects (blk_reconnect: every later connection gets the same input
 * as its reply stream), sets the queue up again, stops it and disconnects.
 *
 * Checked: no memory error, leak, fd leak or undefined behaviour, and no
 * wait for the 5 s reply timeout (the stream always ends in a hang-up).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "iomem.h"
#include "vhost_user.h"
#include "virtio_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char sock_path[108];
static int listen_fd = -1;

struct server {
	const uint8_t *data;
	size_t size;
	int done;			/* the front-end has disconnected */
};

#define MAX_CONNS	16

static void send_all(int fd, const struct server *s)
{
	size_t off = 0;
	ssize_t n;

	while (off < s->size) {
		n = send(fd, s->data + off, s->size - off, MSG_NOSIGNAL);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
}

/*
 * Accepts every connection (the first and the reconnect's attempts), sends
 * each the input and hangs up its sending side, and drains what the
 * front-end sends until it closes; fds it passes are closed with the
 * messages.
 */
static void *serve(void *arg)
{
	struct server *s = arg;
	struct pollfd p[MAX_CONNS + 1];
	unsigned int n = 0, i;
	char sink[4096];

	for (;;) {
		p[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
		for (i = 0; i < n; i++)
			p[i + 1] = (struct pollfd){ .fd = p[i + 1].fd, .events = POLLIN };
		if (poll(p, n + 1, 5) < 0)
			break;
		for (i = 0; i < n; i++) {
			if (!(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (recv(p[i + 1].fd, sink, sizeof(sink), MSG_DONTWAIT) == 0) {
				close(p[i + 1].fd);
				p[i + 1] = p[n];
				n--;
				i--;
			}
		}
		if ((p[0].revents & POLLIN) && n < MAX_CONNS) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				send_all(fd, s);
				p[++n].fd = fd;
			}
		}
		if (!n && __atomic_load_n(&s->done, __ATOMIC_ACQUIRE))
			break;
	}
	for (i = 0; i < n; i++)
		close(p[i + 1].fd);
	return NULL;
}

static void cleanup_socket(void)
{
	unlink(sock_path);
}

static int setup_socket(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sock_path, sizeof(sock_path), "/tmp/blkengine-fuzz-vu-%d.sock", (int)getpid());
	unlink(sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 4))
		abort();
	atexit(cleanup_socket);
	return 0;
}

/* The lowest free fd: a leaked fd shows as a higher one next time. */
static int lowest_free_fd(void)
{
	int fd = dup(0), ret = fd;

	if (fd >= 0)
		close(fd);
	return ret;
}

/* blk_reconnect's path: the device again, then the queue on it. */
static void reconnect(struct virtio_dev *dev, struct virtio_vq_config *vq, bool own_records)
{
	const struct virtio_transport_ops *ops = dev->ops;
	struct timespec now;
	int call_fd, n;

	clock_gettime(CLOCK_MONOTONIC, &now);
	virtio_dev_lock(dev);
	if (!virtio_dev_reconnect_locked(dev, virtio_dev_gen(dev),
					 (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + 10000000,
					 own_records)) {
		n = ops->inflight ? ops->inflight(dev->t, vq->index) : -ENOENT;
		vq->base = n >= 0 ? 7 : 0;
		if (!ops->setup_vq(dev->t, vq, &call_fd) && !ops->start(dev->t, vq->index))
			(void)ops->notify(dev->t, vq->index);
	}
	virtio_dev_unlock(dev);
}

static void drive(struct virtio_dev *dev, unsigned int qidx, bool own_records)
{
	const struct virtio_transport_ops *ops = dev->ops;
	struct blk_iomem mem = BLK_IOMEM_INIT;
	struct virtio_mem_region r;
	struct virtio_vq_config vq;
	uint64_t addr;
	int call_fd;

	if (blk_iomem_alloc(&mem, 8192, "fuzz-vu"))
		abort();
	r = (struct virtio_mem_region){ .base = mem.base, .len = mem.len, .fd = mem.fd };
	if (ops->map_mem(dev->t, &r, &addr))
		goto free_mem;
	vq = (struct virtio_vq_config){
		.index = qidx, .num = 16,
		.desc = mem.base, .avail = (char *)mem.base + 256, .used = (char *)mem.base + 512,
		.desc_addr = addr, .avail_addr = addr + 256, .used_addr = addr + 512,
	};
	if (!ops->setup_vq(dev->t, &vq, &call_fd)) {
		if (!ops->start(dev->t, qidx))
			(void)ops->notify(dev->t, qidx);
		reconnect(dev, &vq, own_records);
		(void)ops->stop_vq(dev->t, qidx);
	}
	(void)ops->unmap_mem(dev->t, &r, addr);
free_mem:
	blk_iomem_free(&mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server s = { data, size, 0 };
	struct virtio_dev *dev;
	unsigned int qidx;
	pthread_t thr;
	int fd_before;

	if (listen_fd < 0)
		setup_socket();
	fd_before = lowest_free_fd();
	if (pthread_create(&thr, NULL, serve, &s))
		abort();
	if (!virtio_dev_get(sock_path, &vhost_user_transport, 0, 0, !(size & 1), &dev, &qidx)) {
		drive(dev, qidx, size & 1);
		virtio_dev_put(dev, qidx);
	}
	__atomic_store_n(&s.done, 1, __ATOMIC_RELEASE);
	pthread_join(thr, NULL);
	if (lowest_free_fd() != fd_before)
		abort();	/* an fd leaked */
	return 0;
}
