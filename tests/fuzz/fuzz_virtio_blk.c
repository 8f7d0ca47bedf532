// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-blk request path (virtio_blk.c over virtio_dev.c and the
 * split virtqueue) against a hostile device, through fio's engine hooks
 * and an in-memory transport. The input is a script: fio queues, commits
 * and reaps I/Os; between those calls the device pops requests, completes
 * them in any order with any status, completes ids it never got or got
 * already, forgets to write the status, runs the used index ahead, or
 * hangs up.
 *
 * Checked: no memory error, leak or undefined behaviour (ASan, UBSan,
 * LeakSanitizer); every descriptor the driver publishes points into
 * memory it registered, with the directions a virtio-blk request has;
 * an I/O comes back only while in flight, once; and a read or write is
 * reported successful only when the device completed requests covering
 * every byte of it with status OK.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "backend.h"
#include "iomem.h"
#include "options.h"
#include "virtio_blk.h"
#include "virtio_dev.h"
#include "virtio_transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DEPTH	16
#define MAX_POPPED	256
#define MAX_REGIONS	4
#define CAPACITY	(1u << 20)

struct script {
	const uint8_t *p;
	size_t left;
};

static unsigned int take(struct script *s, unsigned int bytes)
{
	unsigned int v = 0;

	while (bytes--) {
		v <<= 8;
		if (s->left) {
			v |= *s->p++;
			s->left--;
		}
	}
	return v;
}

/* The device: what the driver told it, and what it has done so far. */
struct virtio_transport {
	uint64_t features;
	struct virtio_blk_config cfg;
	struct virtio_mem_region regions[MAX_REGIONS];
	unsigned int nregions;
	struct virtio_vq_config vq;
	bool vq_set, started;
	int call_fd;
	int watch[2];			/* [0] the driver watches, [1] ours */
	uint16_t avail_seen, used_idx;
	uint16_t popped[MAX_POPPED];
	unsigned int npopped;
	int last_done;			/* last head completed, -1 none */
};

/* fio's side: the job, its io_us and what the device did for each. */
struct harness {
	struct thread_data td;
	struct blk_options eo;
	struct fio_file file, *files[1];
	struct io_u io_us[MAX_DEPTH];
	bool in_flight[MAX_DEPTH];
	uint64_t covered[MAX_DEPTH];	/* data bytes completed OK by the device */
	unsigned int depth;
	uint32_t blk;
	unsigned int max_bs;
	struct blk_iomem mem;
};

static struct virtio_transport *the_dev;
static bool trace;

/* BLK_FUZZ_TRACE=1 prints the script as it runs, to read a crash input. */
#define TRACE(...)	do { if (trace) fprintf(stderr, __VA_ARGS__); } while (0)
static uint8_t cfg_features;
static uint32_t cfg_blk_shift, cfg_size_max, cfg_seg_max;
static uint64_t cfg_capacity;
static unsigned int cfg_queue_size;

/*
 * Config values at the limits a device may report, chosen by bits 2-4 of
 * the block-size byte: the driver must size from them without a crash or
 * an oversized allocation, or refuse the device.
 */
static void limits_case(unsigned int which)
{
	switch (which) {
	case 1:
		cfg_seg_max = 0;
		break;
	case 2:
		cfg_seg_max = 65535;
		break;
	case 3:
		cfg_size_max = 1;
		break;
	case 4:
		cfg_size_max = 511;
		break;
	case 5:
		cfg_capacity = UINT64_MAX >> 9;		/* the last byte offset that fits */
		break;
	case 6:
		cfg_capacity = UINT64_MAX;		/* sectors that do not fit in bytes */
		break;
	case 7:
		cfg_queue_size = 4;
		cfg_seg_max = 65535;
		break;
	default:
		break;
	}
}

static int ft_connect(const char *path, struct virtio_transport **tp,
		      struct virtio_transport_info *info)
{
	struct virtio_transport *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->call_fd = -1;
	t->last_done = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->watch)) {
		free(t);
		return -errno;
	}
	t->features = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_BLK_F_BLK_SIZE;
	if (cfg_features & 1)
		t->features |= 1ull << VIRTIO_RING_F_INDIRECT_DESC;
	if (cfg_features & 2)
		t->features |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	if (cfg_features & 4)
		t->features |= 1ull << VIRTIO_BLK_F_FLUSH;
	if (cfg_features & 8)
		t->features |= 1ull << VIRTIO_BLK_F_DISCARD;
	if (cfg_features & 16)
		t->features |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	if (cfg_features & 32)
		t->features |= 1ull << VIRTIO_BLK_F_SIZE_MAX;
	if (cfg_features & 64)
		t->features |= 1ull << VIRTIO_BLK_F_SEG_MAX;
	t->cfg.capacity = htole64(cfg_capacity);
	t->cfg.blk_size = htole32(1u << cfg_blk_shift);
	t->cfg.size_max = htole32(cfg_size_max);
	t->cfg.seg_max = htole32(cfg_seg_max);
	t->cfg.max_discard_sectors = htole32(64);
	t->cfg.max_write_zeroes_sectors = htole32(32);
	info->max_queues = 1;
	info->max_queue_size = cfg_queue_size;
	info->watch_fd = t->watch[0];
	*tp = t;
	the_dev = t;
	return 0;
}

static int ft_negotiate(struct virtio_transport *t, uint64_t wanted, uint64_t *acked)
{
	*acked = t->features & wanted;
	return 0;
}

static int ft_get_config(struct virtio_transport *t, void *buf, unsigned int offset,
			 unsigned int len)
{
	if (offset + len > sizeof(t->cfg))
		abort();
	memcpy(buf, (char *)&t->cfg + offset, len);
	return 0;
}

static int ft_map_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
		      uint64_t *dev_addr)
{
	if (t->nregions == MAX_REGIONS)
		return -ENOSPC;
	t->regions[t->nregions++] = *r;
	*dev_addr = (uintptr_t)r->base;
	return 0;
}

static int ft_unmap_mem(struct virtio_transport *t, const struct virtio_mem_region *r,
			uint64_t dev_addr)
{
	unsigned int i;

	for (i = 0; i < t->nregions; i++)
		if ((uintptr_t)t->regions[i].base == dev_addr)
			break;
	if (i == t->nregions)
		abort();	/* never mapped */
	t->regions[i] = t->regions[--t->nregions];
	return 0;
}

static int ft_setup_vq(struct virtio_transport *t, const struct virtio_vq_config *vq,
		       int *call_fd)
{
	t->vq = *vq;
	t->vq_set = true;
	t->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->call_fd < 0)
		return -errno;
	*call_fd = t->call_fd;
	return 0;
}

static int ft_start(struct virtio_transport *t, unsigned int index)
{
	t->started = true;
	return 0;
}

static int ft_stop_vq(struct virtio_transport *t, unsigned int index)
{
	t->started = false;
	return 0;
}

static int ft_notify(struct virtio_transport *t, unsigned int index)
{
	if (!t->started)
		abort();	/* a kick before the queue was started */
	return 0;
}

static int ft_disconnect(struct virtio_transport *t)
{
	if (t->call_fd >= 0)
		close(t->call_fd);
	close(t->watch[0]);
	if (t->watch[1] >= 0)
		close(t->watch[1]);
	if (the_dev == t)
		the_dev = NULL;
	free(t);
	return 0;
}

static const struct virtio_transport_ops fuzz_transport = {
	.name		= "fuzz",
	.connect	= ft_connect,
	.negotiate	= ft_negotiate,
	.get_config	= ft_get_config,
	.map_mem	= ft_map_mem,
	.unmap_mem	= ft_unmap_mem,
	.setup_vq	= ft_setup_vq,
	.start		= ft_start,
	.stop_vq	= ft_stop_vq,
	.notify		= ft_notify,
	.disconnect	= ft_disconnect,
};

/* A driver-published address must lie in registered memory. */
static void *dev_ptr(struct virtio_transport *t, uint64_t addr, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < t->nregions; i++) {
		uintptr_t base = (uintptr_t)t->regions[i].base;

		if (addr >= base && addr + len <= base + t->regions[i].len && addr + len >= addr)
			return (void *)(uintptr_t)addr;
	}
	abort();
}

struct dev_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
};

/* Reads the chain at head as the device would; checks its shape. */
static unsigned int walk_chain(struct virtio_transport *t, uint16_t head, struct dev_desc *out,
			       unsigned int max)
{
	struct vring_desc *ring = t->vq.desc, *table = ring;
	unsigned int n = 0, limit = t->vq.num, i = head;
	uint16_t flags;

	if (le16toh(ring[head].flags) & VRING_DESC_F_INDIRECT) {
		uint32_t len = le32toh(ring[head].len);

		if (!len || len % sizeof(struct vring_desc))
			abort();
		table = dev_ptr(t, le64toh(ring[head].addr), len);
		limit = len / sizeof(struct vring_desc);
		i = 0;
	}
	for (;;) {
		if (i >= limit || n == max)
			abort();	/* a link out of the table, or a loop */
		flags = le16toh(table[i].flags);
		if (table != ring && (flags & VRING_DESC_F_INDIRECT))
			abort();
		out[n].addr = le64toh(table[i].addr);
		out[n].len = le32toh(table[i].len);
		out[n].flags = flags;
		dev_ptr(t, out[n].addr, out[n].len);
		n++;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = le16toh(table[i].next);
	}
	/* header (out), data or range, status (in, 1 byte) */
	if (n < 2 || out[0].len != sizeof(struct virtio_blk_outhdr) ||
	    (out[0].flags & VRING_DESC_F_WRITE) || out[n - 1].len != 1 ||
	    !(out[n - 1].flags & VRING_DESC_F_WRITE))
		abort();
	return n;
}

/* Credits the data bytes of a request completed OK to the io_u they belong to. */
static void credit(struct harness *h, const struct dev_desc *d, unsigned int n, uint32_t type)
{
	unsigned int i, k;

	for (i = 1; i + 1 < n; i++) {
		bool in = d[i].flags & VRING_DESC_F_WRITE;

		if ((type == VIRTIO_BLK_T_IN) != in)
			abort();	/* data direction does not match the request */
		if (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT)
			continue;
		for (k = 0; k < h->depth; k++) {
			uintptr_t buf = (uintptr_t)h->io_us[k].xfer_buf;

			if (d[i].addr >= buf && d[i].addr < buf + h->max_bs) {
				if (d[i].addr + d[i].len > buf + h->io_us[k].xfer_buflen)
					abort();	/* beyond the io_u's transfer */
				h->covered[k] += d[i].len;
				break;
			}
		}
		if (k == h->depth)
			abort();	/* data outside every io_u buffer */
	}
}

static void push_used(struct virtio_transport *t, uint32_t id, uint32_t len, bool signal)
{
	struct vring_used *used = t->vq.used;
	uint64_t one = 1;

	used->ring[t->used_idx & (t->vq.num - 1)].id = htole32(id);
	used->ring[t->used_idx & (t->vq.num - 1)].len = htole32(len);
	t->used_idx++;
	__atomic_store_n(&used->idx, htole16(t->used_idx), __ATOMIC_RELEASE);
	if (signal && t->call_fd >= 0 && write(t->call_fd, &one, sizeof(one)) < 0)
		abort();
}

static void device_step(struct harness *h, struct virtio_transport *t, struct script *s)
{
	struct vring_avail *avail = t->vq.avail;
	struct dev_desc d[64];
	unsigned int op = take(s, 1), n, k;
	uint16_t head;
	uint8_t status;

	if (!t->vq_set)
		return;
	TRACE("device op %u\n", op % 8);
	switch (op % 8) {
	case 0:		/* pop every request published so far */
	case 1:
		while (t->avail_seen != le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE)) &&
		       t->npopped < MAX_POPPED) {
			head = le16toh(avail->ring[t->avail_seen & (t->vq.num - 1)]);
			if (head >= t->vq.num)
				abort();
			t->popped[t->npopped++] = head;
			t->avail_seen++;
		}
		break;
	case 2:		/* complete one popped request, OK or with the status given */
	case 3:
	case 4:
		if (!t->npopped)
			break;
		k = take(s, 1) % t->npopped;
		head = t->popped[k];
		t->popped[k] = t->popped[--t->npopped];
		n = walk_chain(t, head, d, 64);
		{
			struct virtio_blk_outhdr *hdr = (void *)(uintptr_t)d[0].addr;
			uint32_t type = le32toh(hdr->type);
			unsigned int i;

			status = op % 8 == 4 ? (uint8_t)take(s, 1) : VIRTIO_BLK_S_OK;
			if (type == VIRTIO_BLK_T_IN)
				for (i = 1; i + 1 < n; i++)
					memset((void *)(uintptr_t)d[i].addr, 0xa5, d[i].len);
			/* 0x80 of the status choice: forget to write the status */
			if (!(op & 0x80))
				*(uint8_t *)(uintptr_t)d[n - 1].addr = status;
			if (!(op & 0x80) && status == VIRTIO_BLK_S_OK)
				credit(h, d, n, type);
		}
		push_used(t, head, take(s, 4), op & 0x40);
		t->last_done = head;
		break;
	case 5:		/* an id it never got */
		push_used(t, take(s, 2), take(s, 4), op & 0x40);
		break;
	case 6:		/* the last id again */
		if (t->last_done >= 0)
			push_used(t, (uint32_t)t->last_done, 1, op & 0x40);
		break;
	case 7:
		if (op & 0x80) {	/* the used index runs ahead */
			t->used_idx += (uint16_t)take(s, 2);
			__atomic_store_n(&((struct vring_used *)t->vq.used)->idx, htole16(t->used_idx),
					 __ATOMIC_RELEASE);
		} else if (t->watch[1] >= 0) {	/* hangs up */
			close(t->watch[1]);
			t->watch[1] = -1;
		}
		break;
	}
}

static void reap(struct harness *h, unsigned int min, const struct timespec *ts)
{
	struct thread_data *td = &h->td;
	int n, i;

	n = virtio_blk_getevents(td, min, h->depth, ts);
	TRACE("getevents min %u -> %d\n", min, n);
	if (n < 0)
		return;
	if ((unsigned int)n > h->depth)
		abort();
	for (i = 0; i < n; i++) {
		struct io_u *io_u = virtio_blk_event(td, i);
		unsigned int k = (unsigned int)(io_u - h->io_us);

		if (k >= h->depth || !h->in_flight[k])
			abort();	/* not ours, or completed twice */
		h->in_flight[k] = false;
		if (!io_u->error && (io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE) &&
		    h->covered[k] != io_u->xfer_buflen)
			abort();	/* success for data the device did not move */
	}
}

static void queue_one(struct harness *h, struct script *s)
{
	struct thread_data *td = &h->td;
	unsigned int k = take(s, 1) % h->depth, blocks, nblk = CAPACITY / h->blk;
	struct io_u *io_u = &h->io_us[k];
	enum fio_q_status q;

	if (h->in_flight[k])
		return;
	io_u->ddir = (enum fio_ddir[]){ DDIR_READ, DDIR_WRITE, DDIR_TRIM, DDIR_SYNC }[take(s, 1) % 4];
	blocks = 1 + take(s, 1) % (h->max_bs / h->blk);
	io_u->xfer_buflen = io_u->buflen = (unsigned long long)blocks * h->blk;
	io_u->offset = (unsigned long long)(take(s, 2) % (nblk - blocks + 1)) * h->blk;
	io_u->xfer_buf = io_u->buf;
	io_u->error = 0;
	h->covered[k] = 0;
	q = virtio_blk_queue(td, io_u);
	TRACE("queue io_u %u ddir %d off %llu len %llu -> %d (error %d)\n", k, io_u->ddir,
	      io_u->offset, io_u->xfer_buflen, q, io_u->error);
	if (q == FIO_Q_QUEUED)
		h->in_flight[k] = true;
	else if (q == FIO_Q_COMPLETED && !io_u->error && io_u->ddir != DDIR_SYNC)
		abort();	/* data reported done without going to the device */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	struct script s = { data, size };
	struct thread_data *td = &h.td;
	struct timespec ms = { 0, 1000000 };
	unsigned int i, opt, limits;
	int ret;

	memset(&h, 0, sizeof(h));
	trace = getenv("BLK_FUZZ_TRACE");
	cfg_features = (uint8_t)take(&s, 1);
	opt = take(&s, 1);
	cfg_blk_shift = 9 + opt % 4;
	limits = (opt >> 2) % 8;
	h.blk = 1u << cfg_blk_shift;
	/*
	 * At iodepth=1 queue() waits for the device itself, and this device
	 * moves only between the harness's steps: depths of 2 and more.
	 */
	h.depth = 2 + take(&s, 1) % (MAX_DEPTH - 1);
	opt = take(&s, 1);
	h.max_bs = h.blk * (1 + opt % 8);
	cfg_size_max = h.blk * (1 + (opt >> 3) % 4);
	cfg_seg_max = 1 + (opt >> 5) % 4;
	cfg_capacity = CAPACITY >> 9;
	cfg_queue_size = 256;
	limits_case(limits);
	opt = take(&s, 1);
	h.eo.writefua = opt & 1;
	h.eo.trim_write_zeroes = !!(opt & 2) && (cfg_features & 16);
	if (!(cfg_features & 8) && !(cfg_features & 16))
		cfg_features |= 8;	/* the job trims: some way must exist */
	if (!(cfg_features & 8))
		h.eo.trim_write_zeroes = 1;
	h.eo.wait_mode = opt & 4 ? BLK_WAIT_POLL : BLK_WAIT_EVENTFD;

	h.file.file_name = "fuzz-device";
	h.files[0] = &h.file;
	td->files = h.files;
	td->files_index = 1;
	td->o.nr_files = 1;
	td->o.numjobs = 1;
	td->o.iodepth = h.depth;
	td->o.td_ddir = TD_DDIR_RW | TD_DDIR_TRIM;
	for (i = 0; i < DDIR_RWDIR_CNT; i++) {
		td->o.bs[i] = td->o.min_bs[i] = h.blk;
		td->o.max_bs[i] = h.max_bs;
		td->o.ba[i] = h.blk;
	}
	td->eo = &h.eo;

	if (virtio_blk_setup(td, &fuzz_transport))
		return 0;
	if (virtio_blk_init(td, &fuzz_transport))
		return 0;
	h.mem = (struct blk_iomem)BLK_IOMEM_INIT;
	if (blk_iomem_alloc(&h.mem, (size_t)h.max_bs * h.depth, "fuzz-io"))
		abort();
	((struct blk_thread *)td->io_ops_data)->mem = h.mem;
	for (i = 0; i < h.depth; i++) {
		h.io_us[i].index = i;
		h.io_us[i].file = &h.file;
		h.io_us[i].buf = (char *)h.mem.base + (size_t)i * h.max_bs;
		if (virtio_blk_io_u_init(td, &h.io_us[i]))
			abort();
	}
	ret = virtio_blk_post_init(td);
	while (!ret && s.left) {
		unsigned int op = take(&s, 1);

		switch (op % 6) {
		case 0:
		case 1:
			queue_one(&h, &s);
			break;
		case 2:
			TRACE("commit -> %d\n", virtio_blk_commit(td));
			break;
		case 3:
			reap(&h, 0, NULL);
			break;
		case 4:
			if (the_dev)
				device_step(&h, the_dev, &s);
			break;
		case 5:
			/* Waits a little: the device may signal, hang up or do nothing. */
			reap(&h, 1, &ms);
			break;
		}
	}
	reap(&h, 0, NULL);
	for (i = 0; i < h.depth; i++)
		virtio_blk_io_u_free(td, &h.io_us[i]);
	blk_iomem_free(&h.mem);
	virtio_blk_cleanup(td);
	if (the_dev)
		abort();	/* the connection outlived its last user */
	return 0;
}
