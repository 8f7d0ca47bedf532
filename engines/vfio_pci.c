// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-pci modern transport over VFIO: the status handshake, feature
 * negotiation and queue set-up through the common config structure, kicks
 * as stores to the mapped notify register (no system call per kick), and
 * one MSI-X vector per queue signalled to an eventfd by VFIO.
 *
 * DRIVER_OK is set once every queue expected to start together has been
 * enabled (the count the backend passes in), or at the first kick after
 * waiting for them: the spec has the driver enable its queues before it.
 *
 * A monitor thread watches for the kernel asking to release the function
 * (hot-unplug, unbind: the VFIO request IRQ), for the config-change vector
 * and, every half second, for a device that set DEVICE_NEEDS_RESET or reads
 * as all ones (gone). It then hangs up the watch socket virtio_blk.c polls,
 * so I/O fails instead of hanging, and the kernel gets its device back when
 * fio closes it.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>

#include "fio.h"

#include "vfio_pci.h"
#include "virtio_start.h"

#define MONITOR_TICK_MS		500
#define RESET_WAIT_MS		2000
#define NO_VECTOR		0xffff
#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4

#define CC(field)		offsetof(struct virtio_pci_common_cfg, field)

struct vpci_queue {
	int call_fd;
	volatile uint16_t *notify;	/* in the mapped BAR; NULL: pwrite at notify_at */
	uint64_t notify_at;
	bool enabled;
};

struct virtio_transport {
	struct vpci_vfio v;
	struct vpci_caps caps;
	char path[PATH_MAX];
	uint64_t features;		/* offered */
	unsigned int nq;		/* queues we drive: device's, bounded by MSI-X vectors */
	unsigned int max_queue_size;
	struct vpci_queue *queues;
	int config_fd, req_fd;

	/* Start-up rendezvous (its lock guards the queue table); the I/O path reads live. */
	struct virtio_start start;

	int watch[2];
	int stop_fd;
	pthread_t monitor;
	bool monitor_running;
};

static uint32_t cc_read(struct virtio_transport *t, unsigned int off, unsigned int size)
{
	return vpci_vfio_read(&t->v, t->caps.common.bar, t->caps.common.off + off, size);
}

static void cc_write(struct virtio_transport *t, unsigned int off, unsigned int size, uint32_t val)
{
	vpci_vfio_write(&t->v, t->caps.common.bar, t->caps.common.off + off, size, val);
}

static void cc_write64(struct virtio_transport *t, unsigned int off, uint64_t val)
{
	cc_write(t, off, 4, (uint32_t)val);
	cc_write(t, off + 4, 4, (uint32_t)(val >> 32));
}

static uint8_t get_status(struct virtio_transport *t)
{
	return (uint8_t)cc_read(t, CC(device_status), 1);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Writes 0 and waits for the device to read back 0 (virtio 1.x 4.1.4.3.2). */
static int reset_device(struct virtio_transport *t)
{
	unsigned int waited;

	cc_write(t, CC(device_status), 1, 0);
	for (waited = 0; waited < RESET_WAIT_MS; waited++) {
		uint8_t s = get_status(t);

		if (!s)
			return 0;
		if (s == 0xff)
			return -ENODEV;
		sleep_ms(1);
	}
	return -ETIMEDOUT;
}

/* Adds status bits and checks the device kept them. */
static int add_status(struct virtio_transport *t, uint8_t bits, const char *what)
{
	uint8_t got;

	cc_write(t, CC(device_status), 1, get_status(t) | bits);
	got = get_status(t);
	if (got == 0xff) {
		log_err("blkengine: %s: the device no longer answers (reads as all ones) after %s\n",
			t->path, what);
		return -ENODEV;
	}
	if ((got & bits) != bits || (got & (VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_NEEDS_RESET))) {
		log_err("blkengine: %s: the device refused %s (status 0x%x%s)\n", t->path, what, got,
			got & VIRTIO_CONFIG_S_NEEDS_RESET ? ": DEVICE_NEEDS_RESET" : "");
		return -EIO;
	}
	return 0;
}

/* virtio_start's: the device runs once every queue expected has started. */
static int driver_ok(void *transport)
{
	return add_status(transport, VIRTIO_CONFIG_S_DRIVER_OK, "DRIVER_OK");
}

static uint64_t read_features(struct virtio_transport *t)
{
	uint64_t lo, hi;

	cc_write(t, CC(device_feature_select), 4, 0);
	lo = cc_read(t, CC(device_feature), 4);
	cc_write(t, CC(device_feature_select), 4, 1);
	hi = cc_read(t, CC(device_feature), 4);
	return lo | hi << 32;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void free_transport(struct virtio_transport *t)
{
	unsigned int i;

	if (t->queues)
		for (i = 0; i < t->nq; i++)
			close_fd(&t->queues[i].call_fd);
	vpci_vfio_close(&t->v);
	close_fd(&t->config_fd);
	close_fd(&t->req_fd);
	close_fd(&t->watch[0]);
	close_fd(&t->watch[1]);
	close_fd(&t->stop_fd);
	virtio_start_destroy(&t->start);
	free(t->queues);
	free(t);
}

/* Config space, capabilities, BARs; bus mastering on. */
static int probe_function(struct virtio_transport *t, struct virtio_transport_info *info)
{
	uint8_t cfg[VPCI_CFG_SPACE];
	uint16_t cmd;
	int ret;

	ret = vpci_vfio_cfg_read(&t->v, cfg, sizeof(cfg), 0);
	if (ret) {
		snprintf(info->detail, sizeof(info->detail), "cannot read the config space of %s: %s",
			 t->v.bdf, strerror(-ret));
		return ret;
	}
	ret = vpci_parse_caps(cfg, sizeof(cfg), t->v.bar_len, &t->caps, info->detail,
			      sizeof(info->detail));
	if (ret)
		return ret;
	cmd = (uint16_t)(cfg[PCI_COMMAND] | cfg[PCI_COMMAND + 1] << 8);
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	ret = vpci_vfio_cfg_write(&t->v, &cmd, sizeof(cmd), PCI_COMMAND);
	if (ret) {
		snprintf(info->detail, sizeof(info->detail), "cannot enable bus mastering on %s: %s",
			 t->v.bdf, strerror(-ret));
		return ret;
	}
	vpci_vfio_map_bars(&t->v);
	return 0;
}

/* Queue count and sizes, bounded by the MSI-X vectors (one per queue, one for config). */
static int probe_queues(struct virtio_transport *t, struct virtio_transport_info *info)
{
	unsigned int nq, vectors, i, size, min_size = 0;

	nq = cc_read(t, CC(num_queues), 2);
	if (!nq || nq == 0xffff) {
		snprintf(info->detail, sizeof(info->detail), "the device reports %u virtqueues", nq);
		return -EPROTO;
	}
	vectors = t->v.msix_count;
	if (t->caps.msix_vectors && t->caps.msix_vectors < vectors)
		vectors = t->caps.msix_vectors;
	if (vectors < 2) {
		snprintf(info->detail, sizeof(info->detail),
			 "%s offers %u MSI-X vectors; the engine needs one per queue and one for config changes (QEMU: vectors=N on the -device)",
			 t->v.bdf, vectors);
		return -ENOTSUP;
	}
	if (nq > vectors - 1)
		nq = vectors - 1;
	for (i = 0; i < nq; i++) {
		cc_write(t, CC(queue_select), 2, i);
		size = cc_read(t, CC(queue_size), 2);
		if (!size || size == 0xffff) {
			snprintf(info->detail, sizeof(info->detail),
				 "the device reports a size of %u for virtqueue %u", size, i);
			return -EPROTO;
		}
		if (!min_size || size < min_size)
			min_size = size;
	}
	/* A split ring's size is a power of two: the largest one every queue takes. */
	t->max_queue_size = 1;
	while (t->max_queue_size * 2 <= min_size)
		t->max_queue_size *= 2;
	t->nq = nq;
	return 0;
}

/* Eventfds for each queue's vector, the config vector and the request IRQ. */
static int wire_interrupts(struct virtio_transport *t, struct virtio_transport_info *info)
{
	int *fds;
	unsigned int i;
	int ret;

	t->queues = calloc(t->nq, sizeof(*t->queues));
	fds = calloc(t->nq + 1, sizeof(*fds));
	if (!t->queues || !fds) {
		free(fds);
		return -ENOMEM;
	}
	for (i = 0; i < t->nq; i++)
		t->queues[i].call_fd = -1;
	for (i = 0; i < t->nq; i++) {
		t->queues[i].call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->queues[i].call_fd < 0)
			goto errno_out;
		fds[i] = t->queues[i].call_fd;
	}
	t->config_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->config_fd < 0)
		goto errno_out;
	fds[t->nq] = t->config_fd;
	ret = vpci_vfio_set_msix(&t->v, fds, t->nq + 1);
	free(fds);
	if (ret) {
		snprintf(info->detail, sizeof(info->detail),
			 "VFIO_DEVICE_SET_IRQS: wiring %u MSI-X vectors to eventfds failed: %s", t->nq + 1,
			 strerror(-ret));
		return ret;
	}
	cc_write(t, CC(msix_config), 2, t->nq);
	if (cc_read(t, CC(msix_config), 2) != t->nq) {
		snprintf(info->detail, sizeof(info->detail),
			 "the device did not take MSI-X vector %u for config changes", t->nq);
		return -EPROTO;
	}
	if (t->v.req_irq) {
		t->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->req_fd < 0 || vpci_vfio_set_req(&t->v, t->req_fd))
			close_fd(&t->req_fd);	/* no warning of removal: the status checks remain */
	}
	return 0;

errno_out:
	ret = -errno;
	free(fds);
	return ret;
}

static int vpci_connect(const char *path, struct virtio_transport **tp,
			struct virtio_transport_info *info)
{
	struct virtio_transport *t;
	char bdf[16];
	int ret;

	info->detail[0] = '\0';
	ret = vfio_pci_check_path(path, bdf, info->detail, sizeof(info->detail));
	if (ret < 0) {
		snprintf(info->detail, sizeof(info->detail),
			 "not a PCI function: name one by its address (filename=0000\\:00\\:04.0, the colons escaped for fio) or its directory in /sys/bus/pci/devices");
		return -ENODEV;
	}
	if (!ret)
		return -ENODEV;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->v.container = t->v.group = t->v.device = -1;
	t->config_fd = t->req_fd = t->stop_fd = t->watch[0] = t->watch[1] = -1;
	virtio_start_init(&t->start, info->queues_together, driver_ok, t);
	snprintf(t->path, sizeof(t->path), "%s", path);

	ret = vpci_vfio_open(&t->v, bdf, info->detail, sizeof(info->detail));
	if (ret)
		goto free_t;
	ret = probe_function(t, info);
	if (ret)
		goto free_t;

	/* Whatever a previous user left: reset, then the driver is here. */
	ret = reset_device(t);
	if (ret) {
		snprintf(info->detail, sizeof(info->detail), "resetting %s failed: %s", bdf,
			 ret == -ENODEV ? "it reads as all ones (gone or broken)" :
					  "its status did not return to 0");
		goto free_t;
	}
	cc_write(t, CC(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	cc_write(t, CC(device_status), 1, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);

	t->features = read_features(t);
	if (!(t->features & (1ull << VIRTIO_F_VERSION_1))) {
		snprintf(info->detail, sizeof(info->detail),
			 "%s does not offer VIRTIO_F_VERSION_1 (features 0x%llx); the engine drives virtio 1.x devices only",
			 bdf, (unsigned long long)t->features);
		ret = -ENOTSUP;
		goto reset;
	}
	if (!(t->features & (1ull << VIRTIO_F_ACCESS_PLATFORM))) {
		snprintf(info->detail, sizeof(info->detail),
			 "%s does not offer VIRTIO_F_ACCESS_PLATFORM: it would bypass the IOMMU and take the engine's IOVAs for physical addresses (QEMU: add iommu_platform=on to its -device)",
			 bdf);
		ret = -ENOTSUP;
		goto reset;
	}
	ret = probe_queues(t, info);
	if (!ret)
		ret = wire_interrupts(t, info);
	if (ret)
		goto reset;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->watch) ||
	    (t->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		ret = -errno;
		goto reset;
	}
	info->max_queues = t->nq;
	info->max_queue_size = t->max_queue_size;
	info->watch_fd = t->watch[0];
	*tp = t;
	return 0;

reset:
	reset_device(t);
	vpci_vfio_set_msix(&t->v, NULL, 0);
free_t:
	free_transport(t);
	return ret;
}

static int vpci_negotiate(struct virtio_transport *t, uint64_t wanted, uint64_t *acked)
{
	/* The device reaches our memory only through the IOMMU mappings we make. */
	uint64_t set = t->features & (wanted | 1ull << VIRTIO_F_ACCESS_PLATFORM |
				      1ull << VIRTIO_F_VERSION_1);
	int ret;

	cc_write(t, CC(guest_feature_select), 4, 0);
	cc_write(t, CC(guest_feature), 4, (uint32_t)set);
	cc_write(t, CC(guest_feature_select), 4, 1);
	cc_write(t, CC(guest_feature), 4, (uint32_t)(set >> 32));
	ret = add_status(t, VIRTIO_CONFIG_S_FEATURES_OK, "FEATURES_OK");
	if (ret)
		return ret;
	*acked = set;
	return 0;
}

static int vpci_get_config(struct virtio_transport *t, void *buf, unsigned int offset,
			   unsigned int len)
{
	const struct vpci_area *d = &t->caps.device;
	unsigned int i, tries;
	uint8_t gen;

	if ((uint64_t)offset + len > d->len) {
		log_err("blkengine: %s: the device config is %u bytes long; %u bytes at %u were asked for\n",
			t->path, d->len, len, offset);
		return -EPROTO;
	}
	/* A config change between the reads shows as a new generation: read again. */
	for (tries = 0; tries < 16; tries++) {
		gen = (uint8_t)cc_read(t, CC(config_generation), 1);
		for (i = 0; i < len; i++)
			((uint8_t *)buf)[i] = (uint8_t)vpci_vfio_read(&t->v, d->bar, d->off + offset + i, 1);
		if ((uint8_t)cc_read(t, CC(config_generation), 1) == gen)
			return 0;
	}
	log_err("blkengine: %s: the device config keeps changing while it is read\n", t->path);
	return -EAGAIN;
}

static int vpci_map_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
			uint64_t *dev_addr)
{
	int ret = vpci_vfio_dma_map(&t->v, r->base, r->len, dev_addr);

	switch (ret) {
	case 0:
		break;
	case -EDQUOT:
		log_err("blkengine: %s: the IOMMU driver allows %u DMA mappings and they are taken (vfio_iommu_type1's dma_entry_limit); run fewer jobs on the device or raise the module parameter\n",
			t->path, t->v.iova.limit);
		break;
	case -ENOSPC:
		log_err("blkengine: %s: no room for %zu bytes in the IOVA ranges the IOMMU reports, or the IOMMU driver's mapping limit (dma_entry_limit) is reached\n",
			t->path, r->len);
		break;
	case -ENOMEM:
		log_err("blkengine: %s: pinning %zu bytes for the device failed: raise the memlock limit (ulimit -l) or run as root\n",
			t->path, r->len);
		break;
	default:
		log_err("blkengine: %s: VFIO_IOMMU_MAP_DMA of %zu bytes failed: %s\n", t->path, r->len,
			strerror(-ret));
		break;
	}
	return ret;
}

/*
 * While the device runs the mapping stays until disconnect: without
 * VIRTIO_F_RING_RESET a single queue cannot be stopped, and the pinned
 * pages cannot be reused while mapped, so the device never reaches memory
 * that went to someone else.
 */
static int vpci_unmap_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
			  uint64_t dev_addr)
{
	if (virtio_start_live(&t->start))
		return 0;
	return vpci_vfio_dma_unmap(&t->v, dev_addr, r->len);
}

static int vpci_setup_vq(struct virtio_transport *t, const struct virtio_vq_config *vq,
			 int *call_fd)
{
	struct vpci_queue *q;
	uint16_t notify_off;
	uint32_t off;

	/*
	 * virtio-pci has no ring base: every ring starts empty after the
	 * reset (a packed one in lap 1, as packed_lap0 is left false), and
	 * this transport cannot reconnect, so no queue resumes mid-ring.
	 * For a packed ring desc, avail and used are the descriptor ring and
	 * the driver and device event areas: the registers queue_desc,
	 * queue_driver and queue_device take them in that order.
	 */
	if (vq->index >= t->nq || vq->num > t->max_queue_size || !vq->num || vq->base)
		return -EINVAL;
	q = &t->queues[vq->index];
	cc_write(t, CC(queue_select), 2, vq->index);
	cc_write(t, CC(queue_size), 2, vq->num);
	cc_write(t, CC(queue_msix_vector), 2, vq->index);
	if (cc_read(t, CC(queue_msix_vector), 2) != vq->index) {
		log_err("blkengine: %s: the device did not take MSI-X vector %u for virtqueue %u\n",
			t->path, vq->index, vq->index);
		return -EIO;
	}
	cc_write64(t, CC(queue_desc_lo), vq->desc_addr);
	cc_write64(t, CC(queue_avail_lo), vq->avail_addr);
	cc_write64(t, CC(queue_used_lo), vq->used_addr);
	notify_off = (uint16_t)cc_read(t, CC(queue_notify_off), 2);
	if (vpci_notify_offset(&t->caps, notify_off, &off)) {
		log_err("blkengine: %s: virtqueue %u's notify register (queue_notify_off %u x %u) lies outside the %u-byte notify area\n",
			t->path, vq->index, notify_off, t->caps.notify_mult, t->caps.notify.len);
		return -EPROTO;
	}
	q->notify_at = (uint64_t)t->caps.notify.off + off;
	q->notify = t->v.bar_map[t->caps.notify.bar] ?
		(volatile uint16_t *)(t->v.bar_map[t->caps.notify.bar] + q->notify_at) : NULL;
	*call_fd = q->call_fd;
	return 0;
}

static void hang_up(struct virtio_transport *t, const char *why)
{
	log_err("blkengine: %s: %s; failing its I/O\n", t->path, why);
	/* virtio_blk.c polls the other end for a hang-up. */
	shutdown(t->watch[1], SHUT_RDWR);
}

static bool drained(int fd)
{
	uint64_t cnt;

	return fd >= 0 && read(fd, &cnt, sizeof(cnt)) == sizeof(cnt);
}

static void *monitor_main(void *arg)
{
	struct virtio_transport *t = arg;
	struct pollfd p[3] = {
		{ .fd = t->stop_fd, .events = POLLIN },
		{ .fd = t->req_fd, .events = POLLIN },
		{ .fd = t->config_fd, .events = POLLIN },
	};
	uint8_t s;

	for (;;) {
		if (poll(p, 3, MONITOR_TICK_MS) < 0 || p[0].revents)
			break;
		if (drained(t->req_fd)) {
			hang_up(t, "the kernel asks for the device back (it is being removed or unbound)");
			break;
		}
		drained(t->config_fd);
		s = get_status(t);
		if (s == 0xff) {
			hang_up(t, "the device no longer answers (its registers read as all ones: removed?)");
			break;
		}
		if (s & VIRTIO_CONFIG_S_NEEDS_RESET) {
			hang_up(t, "the device set DEVICE_NEEDS_RESET (an error it cannot continue from; fio resets it on exit)");
			break;
		}
	}
	return NULL;
}

static int vpci_start(struct virtio_transport *t, unsigned int index)
{
	int ret = 0;

	if (index >= t->nq)
		return -EINVAL;
	pthread_mutex_lock(&t->start.lock);
	cc_write(t, CC(queue_select), 2, index);
	cc_write(t, CC(queue_enable), 2, 1);
	if (cc_read(t, CC(queue_enable), 2) != 1) {
		log_err("blkengine: %s: the device did not enable virtqueue %u\n", t->path, index);
		ret = -EIO;
		goto unlock;
	}
	if (!t->queues[index].enabled) {
		t->queues[index].enabled = true;
		ret = virtio_start_queue_up_locked(&t->start);
	}
	/* Only a device that runs needs watching; a probe never gets here. */
	if (!t->monitor_running && !pthread_create(&t->monitor, NULL, monitor_main, t))
		t->monitor_running = true;
unlock:
	pthread_mutex_unlock(&t->start.lock);
	return ret;
}

/* A queue cannot be stopped alone without VIRTIO_F_RING_RESET: it idles until the reset. */
static int vpci_stop_vq(struct virtio_transport *t, unsigned int index)
{
	if (index >= t->nq)
		return -EINVAL;
	pthread_mutex_lock(&t->start.lock);
	if (t->queues[index].enabled)
		virtio_start_queue_down_locked(&t->start);
	t->queues[index].enabled = false;
	pthread_mutex_unlock(&t->start.lock);
	return 0;
}

static int vpci_notify(struct virtio_transport *t, unsigned int index)
{
	struct vpci_queue *q = &t->queues[index];
	int ret;

	if (__builtin_expect(!virtio_start_live(&t->start), 0)) {
		ret = virtio_start_go_live(&t->start);
		if (ret)
			return ret;
	}
	/* The ring's stores are visible before the device hears of them. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__builtin_expect(q->notify != NULL, 1))
		*q->notify = (uint16_t)index;
	else
		vpci_vfio_write(&t->v, t->caps.notify.bar, q->notify_at, 2, index);
	return 0;
}

static int vpci_disconnect(struct virtio_transport *t)
{
	struct vpci_iova_map *m;
	int ret;

	if (t->monitor_running) {
		uint64_t one = 1;

		if (write(t->stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(t->monitor, NULL);
		t->monitor_running = false;
	}
	/* The device stops touching our memory before the mappings go. */
	ret = reset_device(t);
	vpci_vfio_set_msix(&t->v, NULL, 0);
	if (t->req_fd >= 0)
		vpci_vfio_set_req(&t->v, -1);
	while (t->v.iova.nmaps) {
		m = &t->v.iova.maps[t->v.iova.nmaps - 1];
		vpci_vfio_dma_unmap(&t->v, m->iova, m->len);
	}
	free_transport(t);
	return ret == -ENODEV ? 0 : ret;
}

const struct virtio_transport_ops vfio_pci_transport = {
	.name		= "vfio-pci",
	.connect	= vpci_connect,
	.negotiate	= vpci_negotiate,
	.get_config	= vpci_get_config,
	.map_mem	= vpci_map_mem,
	.unmap_mem	= vpci_unmap_mem,
	.setup_vq	= vpci_setup_vq,
	.start		= vpci_start,
	.stop_vq	= vpci_stop_vq,
	.notify		= vpci_notify,
	.disconnect	= vpci_disconnect,
};
