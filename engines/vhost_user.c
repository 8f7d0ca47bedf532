// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-user front-end over a unix socket: messages, fd passing, memory
 * registration and the notification eventfds of each virtqueue.
 *
 * Messages are sent only during set-up and tear-down, under the device
 * lock of virtio_blk.c; the I/O path touches only the eventfds.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/vhost_types.h>
#include <linux/virtio_config.h>

#include "fio.h"

#include "backend.h"
#include "iomem.h"
#include "vhost_user.h"

/*
 * A back-end that accepted the connection but never answers is most often
 * busy with another client (qemu-storage-daemon serves one at a time and
 * leaves the next in the listen backlog).
 */
#define VHOST_USER_REPLY_TIMEOUT_MS	5000

/* The largest ring we set up: QEMU's back-ends take no more. */
#define VHOST_USER_MAX_RING		1024

/* Largest payload we ever send or accept. */
union vhost_user_payload {
	uint64_t u64;
	struct vhost_vring_state state;
	struct vhost_vring_addr addr;
	struct vhost_user_mem_table table;
	struct vhost_user_mem_single single;
	struct vhost_user_config config;
	struct vhost_user_inflight inflight;
};

struct vhost_user_queue {
	int kick_fd;
	int call_fd;
	uint64_t ring_addr;		/* the descriptor area the back-end has, 0: none */
};

/*
 * Where a stopped queue's ring points before its memory is withdrawn:
 * zeroed memory registered for the life of the connection, laid out for the
 * largest ring (descriptors, then the driver area, then the device area,
 * each page-aligned). libvhost-user (QEMU's vhost-user-blk export) maps
 * every ring it knows again on each new memory region and drops the
 * connection when one points into memory no longer registered, and
 * GET_VRING_BASE does not make it forget a ring.
 */
#define PARK_DRIVER_OFF		(16u * VHOST_USER_MAX_RING)
#define PARK_DEVICE_OFF		(PARK_DRIVER_OFF + 4096u)
#define PARK_BYTES		(PARK_DEVICE_OFF + 8u * VHOST_USER_MAX_RING + 4096u)

struct vhost_user_region {
	struct vhost_user_mem_region r;
	int fd;
};

struct virtio_transport {
	int sock;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint64_t features;		/* offered by the back-end */
	uint64_t wanted;		/* asked for by negotiate() */
	uint64_t acked;			/* what SET_FEATURES said */
	bool negotiated;
	uint64_t protocol_features;	/* acked */
	unsigned int max_queues;
	unsigned int max_mem_slots;
	struct vhost_user_queue *queues;

	/* Registered memory; resent whole by SET_MEM_TABLE without mem slots. */
	struct vhost_user_region *regions;
	unsigned int nregions;

	/*
	 * The back-end's in-flight region (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD):
	 * kept across a reconnect and handed to the new back-end, which then
	 * resubmits what the old one had taken. inflight_live: handed back on
	 * the current connection.
	 */
	int inflight_fd;
	struct vhost_user_inflight inflight;
	void *inflight_map;
	bool inflight_live, no_inflight;
	int *keep_fd;			/* the next reply's fd goes here, not closed */

	struct blk_iomem park;		/* see PARK_BYTES; registered once used */
};

static const char *request_name(uint32_t req)
{
	switch (req) {
	case VHOST_USER_GET_FEATURES:		return "VHOST_USER_GET_FEATURES";
	case VHOST_USER_SET_FEATURES:		return "VHOST_USER_SET_FEATURES";
	case VHOST_USER_SET_OWNER:		return "VHOST_USER_SET_OWNER";
	case VHOST_USER_SET_MEM_TABLE:		return "VHOST_USER_SET_MEM_TABLE";
	case VHOST_USER_SET_VRING_NUM:		return "VHOST_USER_SET_VRING_NUM";
	case VHOST_USER_SET_VRING_ADDR:		return "VHOST_USER_SET_VRING_ADDR";
	case VHOST_USER_SET_VRING_BASE:		return "VHOST_USER_SET_VRING_BASE";
	case VHOST_USER_GET_VRING_BASE:		return "VHOST_USER_GET_VRING_BASE";
	case VHOST_USER_SET_VRING_KICK:		return "VHOST_USER_SET_VRING_KICK";
	case VHOST_USER_SET_VRING_CALL:		return "VHOST_USER_SET_VRING_CALL";
	case VHOST_USER_GET_PROTOCOL_FEATURES:	return "VHOST_USER_GET_PROTOCOL_FEATURES";
	case VHOST_USER_SET_PROTOCOL_FEATURES:	return "VHOST_USER_SET_PROTOCOL_FEATURES";
	case VHOST_USER_GET_QUEUE_NUM:		return "VHOST_USER_GET_QUEUE_NUM";
	case VHOST_USER_SET_VRING_ENABLE:	return "VHOST_USER_SET_VRING_ENABLE";
	case VHOST_USER_GET_CONFIG:		return "VHOST_USER_GET_CONFIG";
	case VHOST_USER_GET_INFLIGHT_FD:	return "VHOST_USER_GET_INFLIGHT_FD";
	case VHOST_USER_SET_INFLIGHT_FD:	return "VHOST_USER_SET_INFLIGHT_FD";
	case VHOST_USER_GET_MAX_MEM_SLOTS:	return "VHOST_USER_GET_MAX_MEM_SLOTS";
	case VHOST_USER_ADD_MEM_REG:		return "VHOST_USER_ADD_MEM_REG";
	case VHOST_USER_REM_MEM_REG:		return "VHOST_USER_REM_MEM_REG";
	default:				return "unknown vhost-user request";
	}
}

static inline bool has_protocol(const struct virtio_transport *t, unsigned int bit)
{
	return t->protocol_features & (1ull << bit);
}

/* Writes the whole message; fds travel with its first byte. */
static int send_msg(struct virtio_transport *t, uint32_t req, uint32_t flags,
		    const void *payload, uint32_t size, const int *fds, unsigned int nfds)
{
	struct vhost_user_header hdr = {
		.request = req,
		.flags = VHOST_USER_VERSION | flags,
		.size = size,
	};
	char control[CMSG_SPACE(sizeof(int) * VHOST_MEMORY_BASELINE_NREGIONS)];
	struct iovec iov[2] = {
		{ .iov_base = &hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	size_t left = sizeof(hdr) + size;
	ssize_t n;

	if (nfds) {
		struct cmsghdr *cmsg;

		memset(control, 0, sizeof(control));
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	}

	while (left) {
		/* MSG_NOSIGNAL: a dead back-end is an error, not a SIGPIPE. */
		n = sendmsg(t->sock, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left -= (size_t)n;
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		while (n > 0 && msg.msg_iovlen) {
			size_t step = (size_t)n < msg.msg_iov->iov_len ? (size_t)n : msg.msg_iov->iov_len;

			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + step;
			msg.msg_iov->iov_len -= step;
			n -= (ssize_t)step;
			if (!msg.msg_iov->iov_len) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return 0;
}

/* Closes any fds the peer passed but the one a reply is expected to carry. */
static void drop_fds(struct msghdr *msg, int **keep)
{
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		int *fds = (int *)CMSG_DATA(cmsg);
		size_t i, n;

		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			if (*keep && **keep < 0) {
				**keep = fds[i];
				*keep = NULL;
				continue;
			}
			close(fds[i]);
		}
	}
}

/* Reads exactly len bytes, waiting at most the reply timeout for each part. */
static int read_full(struct virtio_transport *t, void *buf, size_t len)
{
	char control[CMSG_SPACE(sizeof(int) * VHOST_MEMORY_BASELINE_NREGIONS)];
	struct pollfd pfd = { .fd = t->sock, .events = POLLIN };
	size_t got = 0;
	ssize_t n;
	int ret;

	while (got < len) {
		struct iovec iov = { .iov_base = (char *)buf + got, .iov_len = len - got };
		struct msghdr msg = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control, .msg_controllen = sizeof(control),
		};

		ret = poll(&pfd, 1, VHOST_USER_REPLY_TIMEOUT_MS);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!ret)
			return -ETIMEDOUT;
		n = recvmsg(t->sock, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		drop_fds(&msg, &t->keep_fd);
		if (!n)
			return -ECONNRESET;
		got += (size_t)n;
	}
	return 0;
}

static void report(struct virtio_transport *t, uint32_t req, int err)
{
	switch (err) {
	case -ETIMEDOUT:
		log_err("blkengine: %s: no reply to %s within %d s; is another client connected? qemu-storage-daemon serves one client at a time\n",
			t->path, request_name(req), VHOST_USER_REPLY_TIMEOUT_MS / 1000);
		break;
	case -ECONNRESET:
	case -EPIPE:
		log_err("blkengine: %s: the vhost-user back-end closed the connection during %s\n",
			t->path, request_name(req));
		break;
	default:
		log_err("blkengine: %s: %s failed: %s\n", t->path, request_name(req),
			strerror(-err));
	}
}

/*
 * Reads the reply to req: its header must say reply, version 1, the same
 * request, and exactly size payload bytes (or, with flexible, at most).
 */
static int recv_reply(struct virtio_transport *t, uint32_t req, void *payload,
		      uint32_t size)
{
	struct vhost_user_header hdr;
	int ret;

	ret = read_full(t, &hdr, sizeof(hdr));
	if (ret)
		goto fail;
	if ((hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
	    !(hdr.flags & VHOST_USER_REPLY_MASK) || hdr.request != req) {
		log_err("blkengine: %s: malformed reply to %s: request %u, flags 0x%x (expected request %u with the reply flag, version 1)\n",
			t->path, request_name(req), hdr.request, hdr.flags, req);
		return -EPROTO;
	}
	if (hdr.size != size) {
		log_err("blkengine: %s: malformed reply to %s: %u payload bytes, expected %u\n",
			t->path, request_name(req), hdr.size, size);
		return -EPROTO;
	}
	ret = read_full(t, payload, size);
	if (ret)
		goto fail;
	return 0;
fail:
	report(t, req, ret);
	return ret;
}

/*
 * Sends a message that has no reply of its own. With REPLY_ACK the
 * back-end confirms it; without, a failure shows up later.
 */
static int request(struct virtio_transport *t, uint32_t req, const void *payload,
		   uint32_t size, const int *fds, unsigned int nfds)
{
	bool ack = has_protocol(t, VHOST_USER_PROTOCOL_F_REPLY_ACK);
	uint64_t status;
	int ret;

	ret = send_msg(t, req, ack ? VHOST_USER_NEED_REPLY_MASK : 0, payload, size, fds, nfds);
	if (ret) {
		report(t, req, ret);
		return ret;
	}
	if (!ack)
		return 0;
	ret = recv_reply(t, req, &status, sizeof(status));
	if (ret)
		return ret;
	if (status) {
		log_err("blkengine: %s: the back-end refused %s (status %llu)\n", t->path,
			request_name(req), (unsigned long long)status);
		return -EIO;
	}
	return 0;
}

/* A request whose reply is one u64 (GET_FEATURES and the like). */
static int get_u64(struct virtio_transport *t, uint32_t req, uint64_t *val)
{
	int ret;

	ret = send_msg(t, req, 0, NULL, 0, NULL, 0);
	if (ret) {
		report(t, req, ret);
		return ret;
	}
	return recv_reply(t, req, val, sizeof(*val));
}

/* SET_FEATURES-like messages carry one u64 and are acked like the rest. */
static int set_u64(struct virtio_transport *t, uint32_t req, uint64_t val)
{
	return request(t, req, &val, sizeof(val), NULL, 0);
}

static int open_socket(const char *path, struct virtio_transport *t,
		       struct virtio_transport_info *info)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(info->detail, sizeof(info->detail),
			 "the socket path is longer than %zu bytes; use a shorter path",
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	snprintf(t->path, sizeof(t->path), "%s", path);

	t->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (t->sock < 0)
		return -errno;
	if (!connect(t->sock, (struct sockaddr *)&sa, sizeof(sa)))
		return 0;

	ret = -errno;
	switch (ret) {
	case -ENOENT:
		snprintf(info->detail, sizeof(info->detail),
			 "no such socket; start a vhost-user-blk back-end first, e.g. qemu-storage-daemon --blockdev driver=file,node-name=d0,filename=IMAGE --export type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=%s,writable=on",
			 path);
		break;
	case -ECONNREFUSED:
		snprintf(info->detail, sizeof(info->detail),
			 "nothing listens on it (a stale socket or not a socket); start qemu-storage-daemon with --export type=vhost-user-blk,...,addr.type=unix,addr.path=%s",
			 path);
		break;
	case -EACCES:
		snprintf(info->detail, sizeof(info->detail),
			 "permission denied; run as a user that may write the socket");
		break;
	default:
		break;
	}
	close(t->sock);
	t->sock = -1;
	return ret;
}

/* What the back-end must offer for us to drive it. */
static int check_backend(struct virtio_transport *t, struct virtio_transport_info *info)
{
	if (!(t->features & (1ull << VIRTIO_F_VERSION_1))) {
		snprintf(info->detail, sizeof(info->detail),
			 "the back-end does not offer VIRTIO_F_VERSION_1 (legacy virtio is not supported)");
		return -ENOTSUP;
	}
	if (!(t->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)) ||
	    !has_protocol(t, VHOST_USER_PROTOCOL_F_CONFIG)) {
		snprintf(info->detail, sizeof(info->detail),
			 "the back-end does not offer VHOST_USER_PROTOCOL_F_CONFIG, so the capacity cannot be read");
		return -ENOTSUP;
	}
	return 0;
}

static const uint64_t wanted_protocol = 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |
				       1ull << VHOST_USER_PROTOCOL_F_CONFIG |
				       1ull << VHOST_USER_PROTOCOL_F_MQ |
				       1ull << VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS |
				       1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD;

/*
 * The handshake on a fresh connection: features, protocol features,
 * ownership, queue count and memory slots, into t.
 */
static int hello(struct virtio_transport *t, struct virtio_transport_info *info)
{
	uint64_t offered, val, wanted = wanted_protocol;
	int ret;

	if (t->no_inflight)
		wanted &= ~(1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
	t->protocol_features = 0;
	ret = get_u64(t, VHOST_USER_GET_FEATURES, &t->features);
	if (ret)
		return ret;
	if (t->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)) {
		ret = get_u64(t, VHOST_USER_GET_PROTOCOL_FEATURES, &offered);
		if (ret)
			return ret;
		/* Acked before REPLY_ACK applies, so this one is not confirmed. */
		ret = set_u64(t, VHOST_USER_SET_PROTOCOL_FEATURES, offered & wanted);
		if (ret)
			return ret;
		t->protocol_features = offered & wanted;
	}
	ret = check_backend(t, info);
	if (ret)
		return ret;

	ret = request(t, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0);
	if (ret)
		return ret;

	t->max_queues = 1;
	if (has_protocol(t, VHOST_USER_PROTOCOL_F_MQ)) {
		ret = get_u64(t, VHOST_USER_GET_QUEUE_NUM, &val);
		if (ret)
			return ret;
		if (!val || val > 0xffff) {
			log_err("blkengine: %s: VHOST_USER_GET_QUEUE_NUM says %llu queues\n",
				t->path, (unsigned long long)val);
			return -EPROTO;
		}
		t->max_queues = (unsigned int)val;
	}

	t->max_mem_slots = VHOST_MEMORY_BASELINE_NREGIONS;
	if (has_protocol(t, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		ret = get_u64(t, VHOST_USER_GET_MAX_MEM_SLOTS, &val);
		if (ret)
			return ret;
		if (!val) {
			log_err("blkengine: %s: the back-end has no memory slots\n", t->path);
			return -EPROTO;
		}
		t->max_mem_slots = val > 4096 ? 4096 : (unsigned int)val;
	}
	return 0;
}

static int vu_connect(const char *path, struct virtio_transport **tp,
		      struct virtio_transport_info *info)
{
	struct virtio_transport *t;
	unsigned int i;
	int ret;

	info->detail[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->inflight_fd = -1;
	t->park.fd = -1;
	ret = open_socket(path, t, info);
	if (ret)
		goto free_t;
	t->no_inflight = info->own_records;
	ret = hello(t, info);
	if (ret)
		goto close_sock;

	t->queues = calloc(t->max_queues, sizeof(*t->queues));
	t->regions = calloc(t->max_mem_slots, sizeof(*t->regions));
	if (!t->queues || !t->regions) {
		ret = -ENOMEM;
		goto free_arrays;
	}
	for (i = 0; i < t->max_queues; i++) {
		t->queues[i].kick_fd = -1;
		t->queues[i].call_fd = -1;
	}

	info->max_queues = t->max_queues;
	/* vhost-user has no message for it; QEMU's back-ends cap rings at 1024. */
	info->max_queue_size = VHOST_USER_MAX_RING;
	/*
	 * Packed rings start in lap 0, as SET_VRING_BASE tells the back-end:
	 * back-ends built on DPDK's vhost library that keep their own ring
	 * positions (its vhost_blk example) read the wrap bit of a lap-1
	 * start as part of the index; lap 0 needs no bit at all.
	 */
	info->packed_lap0 = true;
	info->watch_fd = t->sock;
	*tp = t;
	return 0;

free_arrays:
	free(t->queues);
	free(t->regions);
close_sock:
	close(t->sock);
free_t:
	free(t);
	return ret;
}

/* Hands the back-end its in-flight region (again). */
static int set_inflight(struct virtio_transport *t)
{
	return request(t, VHOST_USER_SET_INFLIGHT_FD, &t->inflight, sizeof(t->inflight),
		       &t->inflight_fd, 1);
}

/*
 * With VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD the back-end records in shared
 * memory which descriptors it has taken and not completed. The region is
 * asked for once, sized for every queue at the largest ring, and kept: it
 * outlives the back-end, so a restarted one learns what was in flight.
 */
static int get_inflight(struct virtio_transport *t)
{
	struct vhost_user_inflight in = {
		.num_queues = (uint16_t)t->max_queues,
		.queue_size = VHOST_USER_MAX_RING,
	};
	int fd = -1, ret;

	if (!has_protocol(t, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD) || t->inflight_fd >= 0)
		return 0;
	ret = send_msg(t, VHOST_USER_GET_INFLIGHT_FD, 0, &in, sizeof(in), NULL, 0);
	if (ret) {
		report(t, VHOST_USER_GET_INFLIGHT_FD, ret);
		return ret;
	}
	t->keep_fd = &fd;
	ret = recv_reply(t, VHOST_USER_GET_INFLIGHT_FD, &in, sizeof(in));
	t->keep_fd = NULL;
	if (ret)
		goto close_fd;
	if (fd < 0 || !in.mmap_size || in.mmap_size > (64ull << 20)) {
		log_err("blkengine: %s: VHOST_USER_GET_INFLIGHT_FD gave %s and %llu bytes\n",
			t->path, fd < 0 ? "no fd" : "an fd", (unsigned long long)in.mmap_size);
		ret = -EPROTO;
		goto close_fd;
	}
	in.num_queues = (uint16_t)t->max_queues;
	in.queue_size = VHOST_USER_MAX_RING;
	t->inflight = in;
	t->inflight_fd = fd;
	ret = set_inflight(t);
	if (!ret)
		t->inflight_live = true;
	return ret;

close_fd:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int vu_negotiate(struct virtio_transport *t, uint64_t wanted, uint64_t *acked)
{
	uint64_t set = t->features & wanted;
	int ret;

	/* Keeps the protocol features (and rings disabled until SET_VRING_ENABLE). */
	set |= t->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES);
	ret = set_u64(t, VHOST_USER_SET_FEATURES, set);
	if (ret)
		return ret;
	t->wanted = wanted;
	t->acked = set;
	t->negotiated = true;
	*acked = set & ~(1ull << VHOST_USER_F_PROTOCOL_FEATURES);
	/* The region's layout differs for packed rings, which reconnect afresh. */
	if (set & 1ull << VIRTIO_F_RING_PACKED)
		return 0;
	return get_inflight(t);
}

static int vu_get_config(struct virtio_transport *t, void *buf, unsigned int offset,
			 unsigned int len)
{
	struct vhost_user_config cfg = { .offset = offset, .size = len,
					 .flags = VHOST_SET_CONFIG_TYPE_FRONTEND };
	uint32_t size = VHOST_USER_CONFIG_HDR_SIZE + len;
	int ret;

	if (len > VHOST_USER_MAX_CONFIG_SIZE)
		return -EINVAL;
	ret = send_msg(t, VHOST_USER_GET_CONFIG, 0, &cfg, size, NULL, 0);
	if (ret) {
		report(t, VHOST_USER_GET_CONFIG, ret);
		return ret;
	}
	/* A back-end that cannot serve the read answers with an empty payload. */
	ret = recv_reply(t, VHOST_USER_GET_CONFIG, &cfg, size);
	if (ret)
		return ret;
	if (cfg.offset != offset || cfg.size != len) {
		log_err("blkengine: %s: VHOST_USER_GET_CONFIG reply covers %u bytes at %u, asked %u at %u\n",
			t->path, cfg.size, cfg.offset, len, offset);
		return -EPROTO;
	}
	memcpy(buf, cfg.region, len);
	return 0;
}

/* SET_MEM_TABLE replaces the whole table: send every region we hold. */
static int send_mem_table(struct virtio_transport *t)
{
	struct vhost_user_mem_table table = { .nregions = t->nregions };
	int fds[VHOST_MEMORY_BASELINE_NREGIONS];
	unsigned int i;

	for (i = 0; i < t->nregions; i++) {
		table.regions[i] = t->regions[i].r;
		fds[i] = t->regions[i].fd;
	}
	return request(t, VHOST_USER_SET_MEM_TABLE, &table,
		       offsetof(struct vhost_user_mem_table, regions) +
		       t->nregions * sizeof(struct vhost_user_mem_region),
		       fds, t->nregions);
}

static int vu_map_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
		      uint64_t *dev_addr)
{
	struct vhost_user_region *reg;
	int ret;

	if (t->nregions == t->max_mem_slots) {
		log_err("blkengine: %s: the back-end takes %u memory regions and this process already uses them all (two per job); run fewer jobs per process\n",
			t->path, t->max_mem_slots);
		return -ENOSPC;
	}

	/* Identity mapping: descriptors and vring addresses carry our pointers. */
	reg = &t->regions[t->nregions];
	reg->r.guest_phys_addr = (uintptr_t)r->base;
	reg->r.userspace_addr = (uintptr_t)r->base;
	reg->r.memory_size = r->len;
	reg->r.mmap_offset = 0;
	reg->fd = r->fd;

	if (has_protocol(t, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		struct vhost_user_mem_single one = { .region = reg->r };

		ret = request(t, VHOST_USER_ADD_MEM_REG, &one, sizeof(one), &r->fd, 1);
		if (ret)
			return ret;
		t->nregions++;
	} else {
		t->nregions++;
		ret = send_mem_table(t);
		if (ret) {
			t->nregions--;
			return ret;
		}
	}
	*dev_addr = (uintptr_t)r->base;
	return 0;
}

/* Points stopped queue index at the parking region (see PARK_BYTES). */
static int park_ring(struct virtio_transport *t, unsigned int index)
{
	struct vhost_vring_addr addr = { .index = index };
	uint64_t park;
	int ret;

	if (!t->park.base) {
		struct virtio_mem_region r;

		ret = blk_iomem_alloc(&t->park, PARK_BYTES, "blkengine-vring-park");
		if (ret)
			return ret;
		r = (struct virtio_mem_region){
			.base = t->park.base, .len = t->park.len, .fd = t->park.fd,
		};
		ret = vu_map_mem(t, &r, &park);
		if (ret) {
			blk_iomem_free(&t->park);
			return ret;
		}
	}
	park = (uintptr_t)t->park.base;
	addr.desc_user_addr = park;
	addr.avail_user_addr = park + PARK_DRIVER_OFF;
	addr.used_user_addr = park + PARK_DEVICE_OFF;
	ret = request(t, VHOST_USER_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0);
	if (!ret)
		t->queues[index].ring_addr = 0;
	return ret;
}

static int vu_unmap_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
			uint64_t dev_addr)
{
	struct vhost_user_mem_single one;
	unsigned int i;
	int ret;

	/*
	 * No ring the back-end knows may point into memory it loses: stopped
	 * queues whose ring lies in the region move to the parking region.
	 */
	for (i = 0; i < t->max_queues; i++) {
		uint64_t ring = t->queues[i].ring_addr;

		if (ring && ring >= dev_addr && ring - dev_addr < r->len) {
			ret = park_ring(t, i);
			if (ret)
				return ret;
		}
	}

	for (i = 0; i < t->nregions; i++)
		if (t->regions[i].r.guest_phys_addr == dev_addr &&
		    t->regions[i].r.memory_size == r->len)
			break;
	if (i == t->nregions)
		return -ENOENT;
	one.padding = 0;
	one.region = t->regions[i].r;
	memmove(&t->regions[i], &t->regions[i + 1], (t->nregions - i - 1) * sizeof(t->regions[0]));
	t->nregions--;

	if (!has_protocol(t, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS)) {
		/*
		 * Two jobs sharing the connection can both stop their queues
		 * before either lets go of it, so the last region may go while
		 * the connection stays. Not every back-end takes an empty
		 * table; the stale region is harmless (no queue points into
		 * it) and is replaced by the next table sent, or dropped with
		 * the connection.
		 */
		if (!t->nregions)
			return 0;
		return send_mem_table(t);
	}
	/* Back-ends of QEMU 7.x insist on the region's fd here too. */
	return request(t, VHOST_USER_REM_MEM_REG, &one, sizeof(one), &r->fd, 1);
}

static void close_queue_fds(struct vhost_user_queue *q)
{
	if (q->kick_fd >= 0)
		close(q->kick_fd);
	if (q->call_fd >= 0)
		close(q->call_fd);
	q->kick_fd = -1;
	q->call_fd = -1;
}

static int vu_setup_vq(struct virtio_transport *t, const struct virtio_vq_config *vq,
		       int *call_fd)
{
	struct vhost_vring_state state = { .index = vq->index };
	struct vhost_vring_addr addr = {
		.index = vq->index,
		.desc_user_addr = (uintptr_t)vq->desc,
		.used_user_addr = (uintptr_t)vq->used,
		.avail_user_addr = (uintptr_t)vq->avail,
	};
	struct vhost_user_queue *q;
	uint64_t idx = vq->index;
	int ret;

	if (vq->index >= t->max_queues)
		return -EINVAL;
	q = &t->queues[vq->index];
	/*
	 * After a reconnect the queue keeps its eventfds: the thread that owns
	 * it may be sleeping on the call fd while another thread reconnects.
	 */
	if (q->kick_fd < 0)
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->call_fd < 0)
		q->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->kick_fd < 0 || q->call_fd < 0) {
		ret = -errno;
		goto close_fds;
	}

	state.num = vq->num;
	ret = request(t, VHOST_USER_SET_VRING_NUM, &state, sizeof(state), NULL, 0);
	if (ret)
		goto close_fds;
	/*
	 * Split: the avail index the device starts at. Packed: bits 0-14 the
	 * next avail position, bit 15 its wrap counter; always 0 (lap 0,
	 * position 0) as a packed ring is set up afresh on reconnect too.
	 */
	state.num = vq->base;
	ret = request(t, VHOST_USER_SET_VRING_BASE, &state, sizeof(state), NULL, 0);
	if (ret)
		goto close_fds;
	ret = request(t, VHOST_USER_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0);
	if (ret)
		goto close_fds;
	q->ring_addr = addr.desc_user_addr;
	ret = request(t, VHOST_USER_SET_VRING_CALL, &idx, sizeof(idx), &q->call_fd, 1);
	if (ret)
		goto close_fds;
	/* The kick fd comes last: receiving it starts the ring in the back-end. */
	ret = request(t, VHOST_USER_SET_VRING_KICK, &idx, sizeof(idx), &q->kick_fd, 1);
	if (ret)
		goto close_fds;
	*call_fd = q->call_fd;
	return 0;

close_fds:
	close_queue_fds(q);
	return ret;
}

static int vu_start(struct virtio_transport *t, unsigned int index)
{
	struct vhost_vring_state state = { .index = index, .num = 1 };

	if (!(t->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
		return 0;	/* rings are enabled from the start */
	return request(t, VHOST_USER_SET_VRING_ENABLE, &state, sizeof(state), NULL, 0);
}

static int vu_stop_vq(struct virtio_transport *t, unsigned int index)
{
	struct vhost_vring_state state = { .index = index };
	int ret;

	if (index >= t->max_queues)
		return -EINVAL;
	/* GET_VRING_BASE stops the ring; its reply says where it stopped. */
	ret = send_msg(t, VHOST_USER_GET_VRING_BASE, 0, &state, sizeof(state), NULL, 0);
	if (ret)
		report(t, VHOST_USER_GET_VRING_BASE, ret);
	else
		ret = recv_reply(t, VHOST_USER_GET_VRING_BASE, &state, sizeof(state));
	close_queue_fds(&t->queues[index]);
	return ret;
}

static int vu_notify(struct virtio_transport *t, unsigned int index)
{
	uint64_t one = 1;

	/*
	 * The counter cannot overflow: the back-end drains it on every kick.
	 * The raw system call skips glibc's cancellation bookkeeping around
	 * write(), a third of the kick's user-space cost: fio never cancels
	 * its threads.
	 */
	if (syscall(SYS_write, t->queues[index].kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

static int vu_disconnect(struct virtio_transport *t)
{
	unsigned int i;

	/* Closing the socket makes the back-end drop every ring and region. */
	close(t->sock);
	blk_iomem_free(&t->park);
	if (t->inflight_map)
		munmap(t->inflight_map, t->inflight.mmap_size);
	if (t->inflight_fd >= 0)
		close(t->inflight_fd);
	for (i = 0; i < t->max_queues; i++)
		close_queue_fds(&t->queues[i]);
	free(t->queues);
	free(t->regions);
	free(t);
	return 0;
}

/* ---- reconnect ---- */

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Names of the feature bits a virtio-blk front-end negotiates. */
static const char *feature_name(unsigned int bit)
{
	static const char *const names[64] = {
		[1] = "VIRTIO_BLK_F_SIZE_MAX",	[2] = "VIRTIO_BLK_F_SEG_MAX",
		[5] = "VIRTIO_BLK_F_RO",	[6] = "VIRTIO_BLK_F_BLK_SIZE",
		[9] = "VIRTIO_BLK_F_FLUSH",	[10] = "VIRTIO_BLK_F_TOPOLOGY",
		[11] = "VIRTIO_BLK_F_CONFIG_WCE", [12] = "VIRTIO_BLK_F_MQ",
		[13] = "VIRTIO_BLK_F_DISCARD",	[14] = "VIRTIO_BLK_F_WRITE_ZEROES",
		[28] = "VIRTIO_RING_F_INDIRECT_DESC", [29] = "VIRTIO_RING_F_EVENT_IDX",
		[30] = "VHOST_USER_F_PROTOCOL_FEATURES", [32] = "VIRTIO_F_VERSION_1",
	};

	return bit < 64 && names[bit] ? names[bit] : "unnamed";
}

static const char *protocol_name(unsigned int bit)
{
	switch (bit) {
	case VHOST_USER_PROTOCOL_F_MQ:			return "VHOST_USER_PROTOCOL_F_MQ";
	case VHOST_USER_PROTOCOL_F_REPLY_ACK:		return "VHOST_USER_PROTOCOL_F_REPLY_ACK";
	case VHOST_USER_PROTOCOL_F_CONFIG:		return "VHOST_USER_PROTOCOL_F_CONFIG";
	case VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS:	return "VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS";
	default:					return "unnamed";
	}
}

/* "lost X (bit n), new Y (bit m)" for the bits of mask that changed. */
static void describe_change(char *buf, size_t len, uint64_t before, uint64_t now,
			    const char *(*name)(unsigned int))
{
	size_t off = 0;
	unsigned int bit;

	buf[0] = '\0';
	for (bit = 0; bit < 64 && off < len; bit++) {
		uint64_t m = 1ull << bit;

		if ((before ^ now) & m)
			off += (size_t)snprintf(buf + off, len - off, "%s%s %s (bit %u)",
						off ? ", " : "", (before & m) ? "no longer offers" : "now offers",
						name(bit), bit);
	}
}

/* What is at path now, when it no longer takes a vhost-user connection. */
static void describe_path(const char *path, int err, struct virtio_transport_info *info)
{
	struct stat st;

	if (stat(path, &st))
		snprintf(info->detail, sizeof(info->detail), "%s does not exist (%s)", path,
			 strerror(errno));
	else if (!S_ISSOCK(st.st_mode))
		snprintf(info->detail, sizeof(info->detail),
			 "%s is no longer a socket (now a %s); whatever replaced the back-end is not one",
			 path, S_ISREG(st.st_mode) ? "regular file" : S_ISDIR(st.st_mode) ? "directory" :
			 "non-socket file");
	else
		snprintf(info->detail, sizeof(info->detail), "connecting to %s: %s", path,
			 strerror(-err));
}

/* Registers every region again: the new back-end knows none of them. */
static int remap_all(struct virtio_transport *t)
{
	unsigned int i;
	int ret;

	if (!t->nregions)
		return 0;
	if (t->nregions > t->max_mem_slots)
		return -ENOSPC;
	if (!has_protocol(t, VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS))
		return send_mem_table(t);
	for (i = 0; i < t->nregions; i++) {
		struct vhost_user_mem_single one = { .region = t->regions[i].r };

		ret = request(t, VHOST_USER_ADD_MEM_REG, &one, sizeof(one), &t->regions[i].fd, 1);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One attempt on a connected socket: the handshake again, checked against
 * what was negotiated, then the features and the memory. 0, a connection
 * error (worth another attempt) or another -errno (final).
 */
static int rehello(struct virtio_transport *t, struct virtio_transport_info *info)
{
	uint64_t old_features = t->features, old_protocol = t->protocol_features;
	unsigned int old_queues = t->max_queues, old_slots = t->max_mem_slots;
	uint64_t mask = t->wanted | 1ull << VHOST_USER_F_PROTOCOL_FEATURES;
	uint64_t pmask = ~0ull;
	char what[160];
	int ret;

	/* The driver's own records decide: the back-end must not resubmit too. */
	t->no_inflight = info->own_records;
	if (t->no_inflight)
		pmask &= ~(1ull << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
	t->inflight_live = false;
	ret = hello(t, info);
	if (ret) {
		/* Keep what the run negotiated: a later attempt compares to it. */
		t->features = old_features;
		t->protocol_features = old_protocol;
		t->max_queues = old_queues;
		t->max_mem_slots = old_slots;
		return ret;
	}
	if (t->negotiated && (t->features & mask) != (old_features & mask)) {
		describe_change(what, sizeof(what), old_features & mask, t->features & mask,
				feature_name);
		snprintf(info->detail, sizeof(info->detail),
			 "the back-end came back with other features: it %s", what);
		return -ENOTSUP;
	}
	if ((t->protocol_features & pmask) != (old_protocol & pmask)) {
		describe_change(what, sizeof(what), old_protocol & pmask,
				t->protocol_features & pmask, protocol_name);
		snprintf(info->detail, sizeof(info->detail),
			 "the back-end came back with other vhost-user protocol features: it %s", what);
		return -ENOTSUP;
	}
	/* The arrays were sized for the first connection. */
	if (t->max_queues < old_queues) {
		snprintf(info->detail, sizeof(info->detail),
			 "the back-end came back with %u queues, had %u", t->max_queues, old_queues);
		return -ENOTSUP;
	}
	t->max_queues = old_queues;
	if (t->max_mem_slots < t->nregions) {
		snprintf(info->detail, sizeof(info->detail),
			 "the back-end came back with %u memory slots, %u regions are in use",
			 t->max_mem_slots, t->nregions);
		return -ENOTSUP;
	}
	if (t->max_mem_slots > old_slots)
		t->max_mem_slots = old_slots;
	if (t->negotiated) {
		ret = set_u64(t, VHOST_USER_SET_FEATURES, t->acked);
		if (ret)
			return ret;
	}
	if (has_protocol(t, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)) {
		/* The old region if there is one, so the back-end resubmits. */
		ret = t->inflight_fd >= 0 ? set_inflight(t) : get_inflight(t);
		if (ret)
			return ret;
		t->inflight_live = true;
	}
	return remap_all(t);
}

static int vu_inflight(struct virtio_transport *t, unsigned int index)
{
	const struct vhost_user_inflight_queue *q;
	size_t stride;
	unsigned int i, n = 0;

	if (!t->inflight_live || index >= t->inflight.num_queues)
		return -ENOENT;
	if (!t->inflight_map) {
		void *p = mmap(NULL, t->inflight.mmap_size, PROT_READ, MAP_SHARED, t->inflight_fd,
			       (off_t)t->inflight.mmap_offset);

		if (p == MAP_FAILED)
			return -errno;
		t->inflight_map = p;
	}
	/* The back-end lays the queues out at equal strides. */
	stride = t->inflight.mmap_size / t->inflight.num_queues;
	if (stride < sizeof(*q))
		return 0;
	q = (const void *)((const char *)t->inflight_map + stride * index);
	for (i = 0; i < q->desc_num && sizeof(*q) + (i + 1) * sizeof(q->desc[0]) <= stride; i++)
		n += q->desc[i].inflight == 1;
	return (int)n;
}

static bool worth_retrying(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED || err == -ECONNRESET || err == -EPIPE ||
	       err == -ETIMEDOUT || err == -ECONNABORTED || err == -EAGAIN;
}

static int vu_reconnect(struct virtio_transport *t, int64_t deadline_ns,
			struct virtio_transport_info *info)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t backoff_ns = 5000000, now;
	int old = t->sock, ret = -ETIMEDOUT, s;

	info->detail[0] = '\0';
	memcpy(sa.sun_path, t->path, strlen(t->path) + 1);
	for (;;) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
			ret = -errno;
			describe_path(t->path, ret, info);
		} else {
			t->sock = s;
			info->detail[0] = '\0';
			ret = rehello(t, info);
			t->sock = old;
			if (!ret) {
				/*
				 * The new connection takes the old one's descriptor, so
				 * every thread watching it for a hang-up watches the
				 * new connection from now on.
				 */
				if (dup3(s, old, O_CLOEXEC) < 0)
					ret = -errno;
				close(s);
				return ret;
			}
			if (!info->detail[0])
				snprintf(info->detail, sizeof(info->detail),
					 "the handshake with the back-end failed: %s", strerror(-ret));
		}
		close(s);
		if (!worth_retrying(ret))
			return ret;
		now = mono_ns();
		if (now >= deadline_ns)
			return ret;
		/* Back off: no busy loop while the back-end restarts. */
		if (now + backoff_ns > deadline_ns)
			backoff_ns = deadline_ns - now;
		nanosleep(&(struct timespec){ .tv_sec = backoff_ns / 1000000000,
					      .tv_nsec = backoff_ns % 1000000000 }, NULL);
		if (backoff_ns < 200000000)
			backoff_ns *= 2;
	}
}

const struct virtio_transport_ops vhost_user_transport = {
	.name		= "vhost-user",
	.connect	= vu_connect,
	.negotiate	= vu_negotiate,
	.get_config	= vu_get_config,
	.map_mem	= vu_map_mem,
	.unmap_mem	= vu_unmap_mem,
	.setup_vq	= vu_setup_vq,
	.start		= vu_start,
	.stop_vq	= vu_stop_vq,
	.notify		= vu_notify,
	.disconnect	= vu_disconnect,
	.reconnect	= vu_reconnect,
	.inflight	= vu_inflight,
};

