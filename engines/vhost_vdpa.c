// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhost-vdpa transport: ioctls on /dev/vhost-vdpa-N, the virtio status
 * handshake, and IOTLB messages that map our memory at device addresses
 * (IOVAs) of our choosing inside the range the device accepts.
 *
 * A vDPA device starts its rings when DRIVER_OK is set, and a VDUSE daemon
 * only serves the rings that were enabled by then. The fio threads of a
 * process set up their queues concurrently, so DRIVER_OK waits until every
 * queue expected to start together has started (the count the backend
 * passes in before connecting), or until the first kick times out waiting.
 *
 * A vhost-vdpa fd does not report a dead VDUSE daemon. A monitor thread
 * watches for rings with requests that make no progress, then asks the
 * device something only a live daemon answers; when that fails it hangs up
 * the watch socket virtio_blk.c polls, so I/O fails instead of hanging.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/vhost.h>
#include <linux/vhost_types.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "backend.h"
#include "vhost_vdpa.h"
#include "virtio_start.h"

/* How long the first kick waits for the other queues of the process. */

/* A ring whose requests made no progress this long gets its device probed. */
#define VDPA_STALL_MS		3000
#define VDPA_MONITOR_TICK_MS	500

struct vdpa_queue {
	int kick_fd;
	int call_fd;
	bool started;
	const uint16_t *avail_idx;	/* in the ring, for the monitor */
	const uint16_t *used_idx;
	uint16_t last_used;
	int64_t progress_ns;		/* when used_idx last moved or the ring was idle */
};

struct vdpa_map {
	uint64_t iova;
	uint64_t len;
	bool retired;			/* unmapped by the caller while the device ran */
};

struct virtio_transport {
	int fd;
	char path[PATH_MAX];
	uint64_t features;		/* offered by the device */
	uint64_t backend_features;	/* acked */
	uint8_t status;
	unsigned int nvqs;
	unsigned int max_queue_size;
	struct vhost_vdpa_iova_range range;
	struct vdpa_queue *queues;

	struct vdpa_map *maps;		/* sorted by iova */
	unsigned int nmaps, maps_cap;

	/*
	 * Start-up rendezvous; its lock guards the queue table for the
	 * monitor too. The I/O path only reads whether the device is live.
	 */
	struct virtio_start start;

	int watch[2];			/* [0] handed out; [1] closed when the device is gone */
	int stop_fd;			/* wakes the monitor to exit */
	pthread_t monitor;
	bool monitor_running;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline bool has_backend(const struct virtio_transport *t, unsigned int bit)
{
	return t->backend_features & (1ull << bit);
}

static int xioctl(struct virtio_transport *t, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(t->fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

static int set_status(struct virtio_transport *t, uint8_t status)
{
	int ret = xioctl(t, VHOST_VDPA_SET_STATUS, &status);

	if (!ret)
		t->status = status;
	return ret;
}

static int get_status(struct virtio_transport *t, uint8_t *status)
{
	return xioctl(t, VHOST_VDPA_GET_STATUS, status);
}

/* Adds status bits and checks the device kept them. */
static int add_status(struct virtio_transport *t, uint8_t bits, const char *what)
{
	uint8_t got;
	int ret;

	ret = set_status(t, t->status | bits);
	if (!ret)
		ret = get_status(t, &got);
	if (ret) {
		log_err("blkengine: %s: setting %s: %s\n", t->path, what, strerror(-ret));
		return ret;
	}
	if ((got & bits) != bits || (got & (VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_NEEDS_RESET))) {
		log_err("blkengine: %s: the device refused %s (status 0x%x)\n", t->path, what, got);
		return -EIO;
	}
	return 0;
}

/* virtio_start's: the device runs once every queue expected has started. */
static int driver_ok(void *transport)
{
	return add_status(transport, VIRTIO_CONFIG_S_DRIVER_OK, "DRIVER_OK");
}

/* Names the vdpa devices in sysfs that are bound to driver, e.g. "virtio_vdpa". */
static size_t bound_to(const char *driver, char *names, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	size_t used = 0;
	DIR *dir;
	ssize_t n;

	names[0] = '\0';
	dir = opendir("/sys/bus/vdpa/devices");
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		const char *drv;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/sys/bus/vdpa/devices/%s/driver", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		drv = strrchr(target, '/');
		drv = drv ? drv + 1 : target;
		if (strcmp(drv, driver))
			continue;
		if (used + strlen(de->d_name) + 2 >= len)
			break;
		used += (size_t)snprintf(names + used, len - used, "%s%s", used ? " " : "",
					 de->d_name);
	}
	closedir(dir);
	return used;
}

void vhost_vdpa_explain_missing(const char *path, char *why, size_t len)
{
	char names[128];
	int first;

	if (bound_to("virtio_vdpa", names, sizeof(names))) {
		bool several = strchr(names, ' ');

		first = (int)strcspn(names, " ");
		snprintf(why, len,
			 "%s does not exist: vdpa device%s %s %s bound to the virtio_vdpa driver (a kernel block device), not to vhost_vdpa; rebind: echo %.*s > /sys/bus/vdpa/drivers/virtio_vdpa/unbind; echo %.*s > /sys/bus/vdpa/drivers/vhost_vdpa/bind (after modprobe vhost_vdpa)",
			 path, several ? "s" : "", names, several ? "are" : "is",
			 first, names, first, names);
		return;
	}
	snprintf(why, len,
		 "%s does not exist; create a vdpa device ('vdpa dev add name NAME mgmtdev MGMT', e.g. mgmtdev vduse after starting a VDUSE daemon) and bind it to the vhost_vdpa driver ('modprobe vhost_vdpa'); 'ls /dev/vhost-vdpa-*' lists the devices",
		 path);
}

static int open_device(const char *path, struct virtio_transport *t,
		       struct virtio_transport_info *info)
{
	struct stat st;
	int ret;

	t->fd = open(path, O_RDWR | O_CLOEXEC);
	if (t->fd >= 0) {
		if (fstat(t->fd, &st) || !S_ISCHR(st.st_mode)) {
			snprintf(info->detail, sizeof(info->detail),
			 "not a char device; name a vhost-vdpa device (/dev/vhost-vdpa-N)");
			close(t->fd);
			t->fd = -1;
			return -ENODEV;
		}
		return 0;
	}
	ret = -errno;
	switch (ret) {
	case -EBUSY:
		snprintf(info->detail, sizeof(info->detail),
			 "already in use by another process (a vhost-vdpa device takes one user at a time); stop the other user ('fuser -v %s' shows it) or use another device",
			 path);
		break;
	case -EACCES:
	case -EPERM:
		snprintf(info->detail, sizeof(info->detail),
			 "permission denied; run as root, or give the user access to the device node (e.g. chmod 0660 %s and add the user to its group)",
			 path);
		break;
	case -ENOENT:
		vhost_vdpa_explain_missing(path, info->detail, sizeof(info->detail));
		break;
	case -ENXIO:
	case -ENODEV:
		snprintf(info->detail, sizeof(info->detail),
			 "no device behind it (its vdpa device was removed); 'vdpa dev show' lists the devices");
		break;
	default:
		break;
	}
	return ret;
}

/* Who we are, what the device is and what it can do; before any status bit. */
static int probe_device(struct virtio_transport *t, struct virtio_transport_info *info)
{
	uint64_t offered, ack;
	uint32_t id, nvqs;
	uint16_t vring_num;
	int ret;

	ret = xioctl(t, VHOST_VDPA_GET_DEVICE_ID, &id);
	if (ret) {
		if (ret == -ENOTTY || ret == -EINVAL)
			snprintf(info->detail, sizeof(info->detail),
				 "not a vhost-vdpa device (it does not answer VHOST_VDPA_GET_DEVICE_ID); name a /dev/vhost-vdpa-N node");
		return ret;
	}
	if (id != VIRTIO_ID_BLOCK) {
		snprintf(info->detail, sizeof(info->detail),
			 "a vDPA device of virtio type %u (%s), not a block device (type %u)",
			 id, id == VIRTIO_ID_NET ? "network" : "not block", VIRTIO_ID_BLOCK);
		return -ENODEV;
	}

	ret = xioctl(t, VHOST_SET_OWNER, NULL);
	if (ret)
		return ret;

	ret = xioctl(t, VHOST_GET_BACKEND_FEATURES, &offered);
	if (ret)
		return ret;
	if (!(offered & (1ull << VHOST_BACKEND_F_IOTLB_MSG_V2))) {
		snprintf(info->detail, sizeof(info->detail),
			 "the kernel's vhost-vdpa does not offer IOTLB_MSG_V2 (backend features 0x%llx)",
			 (unsigned long long)offered);
		return -ENOTSUP;
	}
	ack = offered & (1ull << VHOST_BACKEND_F_IOTLB_MSG_V2 |
			 1ull << VHOST_BACKEND_F_IOTLB_BATCH);
#ifdef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
	ack |= offered & (1ull << VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
#endif
	ret = xioctl(t, VHOST_SET_BACKEND_FEATURES, &ack);
	if (ret)
		return ret;
	t->backend_features = ack;

	ret = xioctl(t, VHOST_GET_FEATURES, &t->features);
	if (ret)
		return ret;
	if (!(t->features & (1ull << VIRTIO_F_VERSION_1)) ||
	    !(t->features & (1ull << VIRTIO_F_ACCESS_PLATFORM))) {
		snprintf(info->detail, sizeof(info->detail),
			 "the device does not offer VIRTIO_F_VERSION_1 and VIRTIO_F_ACCESS_PLATFORM (features 0x%llx), which vhost-vdpa needs",
			 (unsigned long long)t->features);
		return -ENOTSUP;
	}

	ret = xioctl(t, VHOST_VDPA_GET_VQS_COUNT, &nvqs);
	if (ret)
		return ret;
	if (!nvqs || nvqs > 0xffff) {
		snprintf(info->detail, sizeof(info->detail), "the device reports %u virtqueues", nvqs);
		return -EPROTO;
	}
	t->nvqs = nvqs;

	ret = xioctl(t, VHOST_VDPA_GET_IOVA_RANGE, &t->range);
	if (ret)
		return ret;
	if (t->range.last <= t->range.first) {
		snprintf(info->detail, sizeof(info->detail),
			 "the device reports an empty IOVA range [0x%llx, 0x%llx]",
			 (unsigned long long)t->range.first, (unsigned long long)t->range.last);
		return -EPROTO;
	}

	ret = xioctl(t, VHOST_VDPA_GET_VRING_NUM, &vring_num);
	if (ret)
		return ret;
	if (vring_num < 2) {
		snprintf(info->detail, sizeof(info->detail),
			 "the device takes rings of at most %u entries", vring_num);
		return -EPROTO;
	}
	/* A split ring's size is a power of two: the largest one the device takes. */
	t->max_queue_size = 1;
	while (t->max_queue_size * 2 <= vring_num)
		t->max_queue_size *= 2;
	return 0;
}

static void close_queue_fds(struct vdpa_queue *q)
{
	if (q->kick_fd >= 0)
		close(q->kick_fd);
	if (q->call_fd >= 0)
		close(q->call_fd);
	q->kick_fd = -1;
	q->call_fd = -1;
}

static void free_transport(struct virtio_transport *t)
{
	unsigned int i;

	if (t->queues)
		for (i = 0; i < t->nvqs; i++)
			close_queue_fds(&t->queues[i]);
	if (t->fd >= 0)
		close(t->fd);
	if (t->watch[0] >= 0)
		close(t->watch[0]);
	if (t->watch[1] >= 0)
		close(t->watch[1]);
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	virtio_start_destroy(&t->start);
	free(t->queues);
	free(t->maps);
	free(t);
}

static int vdpa_connect(const char *path, struct virtio_transport **tp,
			struct virtio_transport_info *info)
{
	struct virtio_transport *t;
	unsigned int i;
	int ret;

	info->detail[0] = '\0';
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->fd = t->stop_fd = t->watch[0] = t->watch[1] = -1;
	virtio_start_init(&t->start, info->queues_together, driver_ok, t);
	snprintf(t->path, sizeof(t->path), "%s", path);

	ret = open_device(path, t, info);
	if (ret)
		goto free_t;
	ret = probe_device(t, info);
	if (ret)
		goto free_t;

	t->queues = calloc(t->nvqs, sizeof(*t->queues));
	if (!t->queues) {
		ret = -ENOMEM;
		goto free_t;
	}
	for (i = 0; i < t->nvqs; i++) {
		t->queues[i].kick_fd = -1;
		t->queues[i].call_fd = -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->watch) ||
	    (t->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		ret = -errno;
		goto free_t;
	}

	/* Whatever a previous user left: reset, then the driver is here. */
	ret = set_status(t, 0);
	if (ret) {
		snprintf(info->detail, sizeof(info->detail),
			 "resetting the device failed: %s%s", strerror(-ret),
			 ret == -EIO ? " (a VDUSE device whose daemon stopped answering stays broken: restart the daemon and re-create the vdpa device)" : "");
		goto free_t;
	}
	ret = add_status(t, VIRTIO_CONFIG_S_ACKNOWLEDGE, "ACKNOWLEDGE");
	if (!ret)
		ret = add_status(t, VIRTIO_CONFIG_S_DRIVER, "DRIVER");
	if (ret)
		goto reset;

	info->max_queues = t->nvqs;
	info->max_queue_size = t->max_queue_size;
	info->watch_fd = t->watch[0];
	*tp = t;
	return 0;

reset:
	set_status(t, 0);
free_t:
	free_transport(t);
	return ret;
}

static int vdpa_negotiate(struct virtio_transport *t, uint64_t wanted, uint64_t *acked)
{
	/* The device reaches our memory only through the IOTLB we program. */
	uint64_t set = t->features & (wanted | 1ull << VIRTIO_F_ACCESS_PLATFORM |
				      1ull << VIRTIO_F_VERSION_1);
	int ret;

	ret = xioctl(t, VHOST_SET_FEATURES, &set);
	if (ret) {
		log_err("blkengine: %s: VHOST_SET_FEATURES 0x%llx failed: %s\n", t->path,
			(unsigned long long)set, strerror(-ret));
		return ret;
	}
	ret = add_status(t, VIRTIO_CONFIG_S_FEATURES_OK, "FEATURES_OK");
	if (ret)
		return ret;
	*acked = set;
	return 0;
}

static int vdpa_get_config(struct virtio_transport *t, void *buf, unsigned int offset,
			   unsigned int len)
{
	struct vhost_vdpa_config *c;
	int ret;

	c = calloc(1, sizeof(*c) + len);
	if (!c)
		return -ENOMEM;
	c->off = offset;
	c->len = len;
	ret = xioctl(t, VHOST_VDPA_GET_CONFIG, c);
	if (ret)
		log_err("blkengine: %s: VHOST_VDPA_GET_CONFIG failed: %s\n", t->path,
			strerror(-ret));
	else
		memcpy(buf, c->buf, len);
	free(c);
	return ret;
}

/* One IOTLB message; v2 carries the address space, always 0 here. */
static int iotlb_msg(struct virtio_transport *t, uint8_t type, uint64_t iova, uint64_t size,
		     uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.type = VHOST_IOTLB_MSG_V2;
	msg.iotlb.type = type;
	msg.iotlb.iova = iova;
	msg.iotlb.size = size;
	msg.iotlb.uaddr = uaddr;
	msg.iotlb.perm = perm;
	do {
		n = write(t->fd, &msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(msg) ? 0 : -EIO;
}

/* Sends one update or invalidation, in a batch when the kernel takes them. */
static int iotlb_send(struct virtio_transport *t, uint8_t type, uint64_t iova, uint64_t size,
		      uint64_t uaddr)
{
	bool batch = has_backend(t, VHOST_BACKEND_F_IOTLB_BATCH);
	int ret, end;

	if (batch) {
		ret = iotlb_msg(t, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0);
		if (ret)
			return ret;
	}
	ret = iotlb_msg(t, type, iova, size, uaddr,
			type == VHOST_IOTLB_UPDATE ? VHOST_ACCESS_RW : 0);
	if (batch) {
		/* The batch is applied here: its failure is the update's. */
		end = iotlb_msg(t, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0);
		if (!ret)
			ret = end;
	}
	return ret;
}

/*
 * First fit in [first, last], page aligned, skipping IOVA 0 so that a
 * zeroed descriptor never points at our memory.
 */
static int alloc_iova(struct virtio_transport *t, uint64_t len, uint64_t *iova,
		      unsigned int *pos)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = t->range.first < page ? page : t->range.first;
	unsigned int i;

	start = (start + page - 1) & ~(page - 1);
	for (i = 0; i <= t->nmaps; i++) {
		uint64_t end = i < t->nmaps ? t->maps[i].iova : t->range.last;
		bool fits = i < t->nmaps ? start + len <= end :
					   (start <= end && len - 1 <= end - start);

		if (start >= t->range.first && fits && start + len > start) {
			*iova = start;
			*pos = i;
			return 0;
		}
		if (i < t->nmaps) {
			start = t->maps[i].iova + t->maps[i].len;
			start = (start + page - 1) & ~(page - 1);
		}
	}
	return -ENOSPC;
}

static int vdpa_map_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
			uint64_t *dev_addr)
{
	unsigned int pos;
	uint64_t iova;
	int ret;

	if (!r->len)
		return -EINVAL;
	if (t->nmaps == t->maps_cap) {
		unsigned int cap = t->maps_cap ? t->maps_cap * 2 : 8;
		struct vdpa_map *m = realloc(t->maps, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		t->maps = m;
		t->maps_cap = cap;
	}
	ret = alloc_iova(t, r->len, &iova, &pos);
	if (ret) {
		log_err("blkengine: %s: no room for %zu bytes in the device's IOVA range [0x%llx, 0x%llx]\n",
			t->path, r->len, (unsigned long long)t->range.first,
			(unsigned long long)t->range.last);
		return ret;
	}
	ret = iotlb_send(t, VHOST_IOTLB_UPDATE, iova, r->len, (uintptr_t)r->base);
	if (ret) {
		log_err("blkengine: %s: mapping %zu bytes at IOVA 0x%llx failed: %s%s\n", t->path,
			r->len, (unsigned long long)iova, strerror(-ret),
			ret == -EINVAL ? " (VDUSE devices need shared, file-backed memory)" : "");
		return ret;
	}
	memmove(&t->maps[pos + 1], &t->maps[pos], (t->nmaps - pos) * sizeof(t->maps[0]));
	t->maps[pos] = (struct vdpa_map){ .iova = iova, .len = r->len, .retired = false };
	t->nmaps++;
	*dev_addr = iova;
	return 0;
}

/*
 * While the device runs, the mapping stays until disconnect: a VDUSE daemon
 * drops every cached mapping on any IOTLB change, pulling memory from under
 * the requests other queues have in flight. The kernel holds the memfd
 * behind the mapping, so the device never reaches memory that was reused;
 * the IOVA stays reserved.
 */
static int vdpa_unmap_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
			  uint64_t dev_addr)
{
	unsigned int i;

	for (i = 0; i < t->nmaps; i++)
		if (t->maps[i].iova == dev_addr && t->maps[i].len == r->len && !t->maps[i].retired)
			break;
	if (i == t->nmaps)
		return -ENOENT;
	if (virtio_start_live(&t->start)) {
		t->maps[i].retired = true;
		return 0;
	}
	memmove(&t->maps[i], &t->maps[i + 1], (t->nmaps - i - 1) * sizeof(t->maps[0]));
	t->nmaps--;
	return iotlb_send(t, VHOST_IOTLB_INVALIDATE, dev_addr, r->len, 0);
}

static int vring_ioctl(struct virtio_transport *t, unsigned long req, void *arg,
		       const char *name, unsigned int index)
{
	int ret = xioctl(t, req, arg);

	if (ret)
		log_err("blkengine: %s: %s on virtqueue %u failed: %s\n", t->path, name, index,
			strerror(-ret));
	return ret;
}

static int vdpa_setup_vq(struct virtio_transport *t, const struct virtio_vq_config *vq,
			 int *call_fd)
{
	struct vhost_vring_state state = { .index = vq->index };
	struct vhost_vring_addr addr = {
		.index = vq->index,
		.desc_user_addr = vq->desc_addr,
		.avail_user_addr = vq->avail_addr,
		.used_user_addr = vq->used_addr,
	};
	struct vhost_vring_file file = { .index = vq->index };
	struct vdpa_queue *q;
	int ret;

	if (vq->index >= t->nvqs || vq->num > t->max_queue_size)
		return -EINVAL;
	q = &t->queues[vq->index];
	q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	q->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->kick_fd < 0 || q->call_fd < 0) {
		ret = -errno;
		goto close_fds;
	}

	state.num = vq->num;
	ret = vring_ioctl(t, VHOST_SET_VRING_NUM, &state, "VHOST_SET_VRING_NUM", vq->index);
	if (ret)
		goto close_fds;
	/*
	 * Packed: the low half is the avail position, the high half the used
	 * one, each with its wrap counter in bit 15 (both 1 at start).
	 */
	state.num = vq->packed ? 1u << 15 | 1u << 31 : 0;
	ret = vring_ioctl(t, VHOST_SET_VRING_BASE, &state, "VHOST_SET_VRING_BASE", vq->index);
	if (ret)
		goto close_fds;
	ret = vring_ioctl(t, VHOST_SET_VRING_ADDR, &addr, "VHOST_SET_VRING_ADDR", vq->index);
	if (ret)
		goto close_fds;
	file.fd = q->kick_fd;
	ret = vring_ioctl(t, VHOST_SET_VRING_KICK, &file, "VHOST_SET_VRING_KICK", vq->index);
	if (ret)
		goto close_fds;
	file.fd = q->call_fd;
	ret = vring_ioctl(t, VHOST_SET_VRING_CALL, &file, "VHOST_SET_VRING_CALL", vq->index);
	if (ret)
		goto close_fds;

	pthread_mutex_lock(&t->start.lock);
	/* A packed ring has no indexes to watch: blk_stall_timeout covers it. */
	q->avail_idx = vq->packed ? NULL : &((const struct vring_avail *)vq->avail)->idx;
	q->used_idx = vq->packed ? NULL : &((const struct vring_used *)vq->used)->idx;
	q->last_used = 0;
	q->progress_ns = now_ns();
	pthread_mutex_unlock(&t->start.lock);
	*call_fd = q->call_fd;
	return 0;

close_fds:
	close_queue_fds(q);
	return ret;
}

static bool enable_after_driver_ok(const struct virtio_transport *t)
{
#ifdef VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
	return has_backend(t, VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
#else
	return false;
#endif
}

static int vdpa_start(struct virtio_transport *t, unsigned int index)
{
	struct vhost_vring_state state = { .index = index, .num = 1 };
	int ret = 0;

	if (index >= t->nvqs)
		return -EINVAL;
	pthread_mutex_lock(&t->start.lock);
	if (t->start.live && !enable_after_driver_ok(t)) {
		log_err("blkengine: %s: virtqueue %u was set up after the device started, and this device serves only the queues enabled before it starts; jobs sharing a vhost-vdpa device must start together (same group, no startdelay)\n",
			t->path, index);
		ret = -EBUSY;
		goto unlock;
	}
	ret = vring_ioctl(t, VHOST_VDPA_SET_VRING_ENABLE, &state, "VHOST_VDPA_SET_VRING_ENABLE",
			  index);
	if (ret)
		goto unlock;
	t->queues[index].started = true;
	ret = virtio_start_queue_up_locked(&t->start);
unlock:
	pthread_mutex_unlock(&t->start.lock);
	return ret;
}

static int vdpa_stop_vq(struct virtio_transport *t, unsigned int index)
{
	struct vhost_vring_state state = { .index = index, .num = 0 };
	struct vdpa_queue *q;
	int ret = 0;

	if (index >= t->nvqs)
		return -EINVAL;
	q = &t->queues[index];
	pthread_mutex_lock(&t->start.lock);
	/* Refused once the device runs, unless the parent allows it: harmless. */
	if (q->started && (!t->start.live || enable_after_driver_ok(t)))
		ret = xioctl(t, VHOST_VDPA_SET_VRING_ENABLE, &state);
	if (q->started)
		virtio_start_queue_down_locked(&t->start);
	q->started = false;
	q->avail_idx = q->used_idx = NULL;
	pthread_mutex_unlock(&t->start.lock);
	close_queue_fds(q);
	return ret;
}

/* The monitor stops reading the ring before its memory goes. */
static void vdpa_forget_vq(struct virtio_transport *t, unsigned int index)
{
	if (index >= t->nvqs)
		return;
	pthread_mutex_lock(&t->start.lock);
	t->queues[index].avail_idx = NULL;
	t->queues[index].used_idx = NULL;
	pthread_mutex_unlock(&t->start.lock);
}

static int vdpa_notify(struct virtio_transport *t, unsigned int index)
{
	uint64_t one = 1;
	int ret;

	if (__builtin_expect(!virtio_start_live(&t->start), 0)) {
		ret = virtio_start_go_live(&t->start);
		if (ret)
			return ret;
	}
	if (write(t->queues[index].kick_fd, &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

/*
 * A ring with requests the device has not returned, and has not returned
 * any for VDPA_STALL_MS: its index, or -1. Under t->start.lock.
 */
static int stalled_queue(struct virtio_transport *t, int64_t now)
{
	unsigned int i;
	int found = -1;

	for (i = 0; i < t->nvqs; i++) {
		struct vdpa_queue *q = &t->queues[i];
		uint16_t avail, used;

		if (!q->started || !q->used_idx)
			continue;
		avail = __atomic_load_n(q->avail_idx, __ATOMIC_RELAXED);
		used = __atomic_load_n(q->used_idx, __ATOMIC_RELAXED);
		if (used != q->last_used || avail == used) {
			q->last_used = used;
			q->progress_ns = now;
			continue;
		}
		if (now - q->progress_ns >= (int64_t)VDPA_STALL_MS * 1000000)
			found = (int)i;
	}
	return found;
}

static void restart_stall_clocks(struct virtio_transport *t, int64_t now)
{
	unsigned int i;

	for (i = 0; i < t->nvqs; i++)
		t->queues[i].progress_ns = now;
}

/*
 * Reading a ring's state makes a VDUSE device ask its daemon, which a dead
 * daemon never answers: the kernel gives up after its msg_timeout and marks
 * the device NEEDS_RESET. It changes nothing on a live device (setting
 * DRIVER_OK again would: a VDUSE daemon restarts its rings on it).
 */
static bool device_answers(struct virtio_transport *t, unsigned int index)
{
	struct vhost_vring_state state = { .index = index };
	uint8_t got;

	if (xioctl(t, VHOST_GET_VRING_BASE, &state) || get_status(t, &got))
		return false;
	return !(got & (VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED));
}

static void *monitor_main(void *arg)
{
	struct virtio_transport *t = arg;
	struct pollfd p = { .fd = t->stop_fd, .events = POLLIN };
	int stalled;

	for (;;) {
		if (poll(&p, 1, VDPA_MONITOR_TICK_MS) != 0)
			break;
		pthread_mutex_lock(&t->start.lock);
		stalled = t->start.live ? stalled_queue(t, now_ns()) : -1;
		pthread_mutex_unlock(&t->start.lock);
		if (stalled < 0)
			continue;
		if (!device_answers(t, (unsigned int)stalled)) {
			log_err("blkengine: %s: the vDPA device stopped answering (for VDUSE: its daemon is gone); failing its I/O\n",
				t->path);
			/* virtio_blk.c polls the other end for a hang-up. */
			shutdown(t->watch[1], SHUT_RDWR);
			break;
		}
		/* Alive but slow: look again after another stall period. */
		pthread_mutex_lock(&t->start.lock);
		restart_stall_clocks(t, now_ns());
		pthread_mutex_unlock(&t->start.lock);
	}
	return NULL;
}

static void start_monitor(struct virtio_transport *t)
{
	/* Without the monitor a dead daemon hangs I/O; the job still runs. */
	if (!pthread_create(&t->monitor, NULL, monitor_main, t))
		t->monitor_running = true;
}

static void stop_monitor(struct virtio_transport *t)
{
	uint64_t one = 1;

	if (!t->monitor_running)
		return;
	if (write(t->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(t->monitor, NULL);
	t->monitor_running = false;
}

static int vdpa_disconnect(struct virtio_transport *t)
{
	unsigned int i;
	int ret;

	stop_monitor(t);
	/* The device stops touching our memory before the mappings go. */
	ret = set_status(t, 0);
	for (i = 0; i < t->nmaps; i++)
		iotlb_send(t, VHOST_IOTLB_INVALIDATE, t->maps[i].iova, t->maps[i].len, 0);
	free_transport(t);
	return ret;
}

/*
 * start() after connect() starts the monitor lazily: it is only useful once
 * the device runs, and a probe (connect, read config, disconnect) never does.
 */
static int vdpa_start_monitored(struct virtio_transport *t, unsigned int index)
{
	int ret = vdpa_start(t, index);

	if (!ret && !t->monitor_running)
		start_monitor(t);
	return ret;
}

const struct virtio_transport_ops vhost_vdpa_transport = {
	.name		= "vhost-vdpa",
	.connect	= vdpa_connect,
	.negotiate	= vdpa_negotiate,
	.get_config	= vdpa_get_config,
	.map_mem	= vdpa_map_mem,
	.unmap_mem	= vdpa_unmap_mem,
	.setup_vq	= vdpa_setup_vq,
	.start		= vdpa_start_monitored,
	.stop_vq	= vdpa_stop_vq,
	.forget_vq	= vdpa_forget_vq,
	.notify		= vdpa_notify,
	.disconnect	= vdpa_disconnect,
};

