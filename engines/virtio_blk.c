// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk requests on a virtqueue, as fio's engine hooks.
 *
 * Each fio thread owns one virtqueue of a device it shares with the other
 * threads of its process (virtio_dev.c). A request is a header, the data
 * segments and a status byte; headers, status bytes, discard ranges and
 * indirect tables live in a shared memory region of the thread, the data
 * stays in fio's own buffers (shared memory too): nothing is copied.
 *
 * One fio I/O may need several virtio requests (larger than seg_max x
 * size_max, or than a discard may cover); it completes when the last one
 * does, with the first error any of them saw. A write with writefua is
 * followed by a flush once its data is written, since virtio-blk has no
 * FUA and does not order requests.
 */
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "backend.h"
#include "options.h"
#include "virtio_blk.h"
#include "virtio_dev.h"
#include "virtqueue.h"

#define SECTOR_SHIFT		9
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))

/* Segment length when the device sets no size_max: what a descriptor holds. */
#define SEG_LEN_LIMIT		(1u << 31)

/* Polling reads the clock every this many empty spins, the transport's state more rarely. */
#define POLL_CLOCK_SPINS	64
#define POLL_CHECK_SPINS	4096

/*
 * How long polling spins before it sleeps on the call eventfd. A spinning
 * thread that shares its CPU with the back-end or with other busy tasks
 * keeps them off it and is itself scheduled late; one that sleeps gets the
 * CPU back as soon as the device signals. Long enough for a fast back-end
 * to answer many times over.
 */
#define POLL_BUDGET_NS		100000

/*
 * blk_wait_mode=auto without hipri spins on the used ring before it sleeps,
 * for a budget that follows how long waits last (as QEMU's event loop
 * does): doubled from SPIN_START_NS while waits end within SPIN_MAX_NS,
 * halved down to nothing while they take longer. While the thread spins
 * the ring stays disarmed, so a device that answers within the budget
 * writes no call eventfd and fio enters no syscall to wait.
 */
#define SPIN_START_NS		2000
#define SPIN_MAX_NS		64000
#define SPIN_CLOCK_SPINS	8

/*
 * fio waits without a time limit for the I/Os it needs back (at the end of
 * a job too). A device that completes nothing for this long while requests
 * are in flight is taken as dead, so fio ends with an error instead of
 * hanging; sooner once fio is stopping the job (runtime over, signal).
 */
#define STALL_NS		(30 * 1000000000LL)
#define STALL_STOPPING_NS	(5 * 1000000000LL)

/* The part of a request the device reads or writes besides the data. */
struct vblk_slot_shm {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes range;
	uint8_t status;
} __attribute__((aligned(64)));

struct vblk_io;

/* One virtio request in flight. */
struct vblk_slot {
	struct vblk_io *io;		/* NULL when free */
	uint16_t index;
};

/* Per io_u; engine_data points here. */
struct vblk_io {
	struct blk_io_err err;		/* first: the dispatcher's errdetails() reads it */
	struct io_u *io_u;
	uint16_t pending;		/* requests not completed yet */
	uint8_t status;			/* first non-OK virtio status */
	bool flush_after;		/* writefua: flush once the data is written */
	bool lost;			/* the transport went away */
};

enum vblk_op {
	VBLK_OP_DATA,
	VBLK_OP_RANGE,			/* discard or write zeroes */
	VBLK_OP_FLUSH,
};

struct vblk_thread {
	struct blk_thread bt;		/* first: the dispatcher's part */
	struct virtio_dev *dev;
	const struct virtio_transport_ops *ops;
	unsigned int qidx;
	bool has_queue;

	struct virtq vq;
	struct blk_iomem ring_mem;	/* ring, slot headers, indirect tables */
	uint64_t ring_addr;		/* device address of ring_mem.base */
	struct virtio_mem_region io_region;	/* fio's buffers, fd dup'ed */
	uint64_t io_addr;		/* device address of io_region.base */
	bool ring_mapped, io_mapped, vq_started;
	int call_fd, watch_fd;

	struct vblk_slot_shm *shm;	/* [nr_slots] */
	struct vring_desc *indirect;	/* [nr_slots][ind_len], or NULL */
	unsigned int ind_len;
	unsigned int max_descs;		/* descriptors of the largest request */
	struct vblk_slot *slots;	/* [nr_slots] */
	uint16_t *free_slots;		/* stack of free slot indexes */
	unsigned int nr_slots, nr_free;

	/* Request geometry, from the config space and the job. */
	uint32_t seg_len;		/* largest data segment */
	uint32_t req_bytes;		/* largest data request */
	uint64_t range_bytes;		/* largest discard / write zeroes */
	uint32_t range_type;		/* VIRTIO_BLK_T_DISCARD or _WRITE_ZEROES for trims */
	uint32_t range_flags;
	uint32_t write_type;		/* VIRTIO_BLK_T_OUT or _WRITE_ZEROES */
	uint32_t write_flags;
	bool use_indirect, has_flush, fua, poll;
	bool adaptive;			/* spin before sleeping, see SPIN_MAX_NS */
	int64_t spin_ns;		/* the current spin budget */

	struct io_u **queued;		/* since the last commit, for issue times */
	unsigned int nr_queued;
	bool republish;			/* getevents added flushes */

	/*
	 * After getevents returns n I/Os, fio queues about n new ones, each
	 * with its own commit. Kicking once for the whole burst instead of
	 * once per commit saves the back-end a wake-up per request; the kick
	 * comes when the burst is in or, at the latest, when fio next waits.
	 */
	bool batch_kicks;		/* the job has no pacing that could delay that wait */
	bool kick_pending;		/* published, not yet kicked */
	unsigned int refill;		/* I/Os fio is expected to queue before it reaps */
	struct io_u **events;
	unsigned int nr_events;
	bool broken;
	bool stalled;			/* broken because nothing completed in time */
};

static inline struct vblk_thread *vblk_of(struct thread_data *td)
{
	return td->io_ops_data;
}

static const char *job_file(struct thread_data *td)
{
	return td->files_index ? td->files[0]->file_name : "(no file)";
}

/* Checks shared by setup (parent) and init: the job against the device. */
static int check_one_bs(const char *path, const char *opt, unsigned long long bs,
			uint32_t blk_size)
{
	if (bs % blk_size) {
		log_err("blkengine: %s: %s=%llu is not a multiple of the device's logical block size (%u bytes); use a multiple of %u\n",
			path, opt, bs, blk_size, blk_size);
		return -EINVAL;
	}
	return 0;
}

static int check_alignment(struct thread_data *td, const char *path, uint32_t blk)
{
	struct thread_options *o = &td->o;
	unsigned int d, i;

	if (o->bs_unaligned) {
		log_err("blkengine: %s: bs_unaligned cannot be used: every I/O must be a multiple of the device's logical block size (%u bytes)\n",
			path, blk);
		return -EINVAL;
	}
	for (d = 0; d < DDIR_RWDIR_CNT; d++) {
		/* bssplit sets the range too: name the option the user wrote. */
		for (i = 0; i < o->bssplit_nr[d]; i++)
			if (check_one_bs(path, "bssplit", o->bssplit[d][i].bs, blk))
				return -EINVAL;
		if (check_one_bs(path, "bs", o->bs[d], blk) ||
		    check_one_bs(path, "bsrange", o->min_bs[d], blk) ||
		    check_one_bs(path, "bsrange", o->max_bs[d], blk) ||
		    check_one_bs(path, "blockalign", o->ba[d], blk))
			return -EINVAL;
	}
	if (check_one_bs(path, "offset", o->start_offset, blk) ||
	    check_one_bs(path, "offset_increment", o->offset_increment, blk))
		return -EINVAL;
	return 0;
}

static int check_job(struct thread_data *td, const char *path,
		     const struct virtio_blk_info *info)
{
	struct blk_options *o = td->eo;
	bool writes = (td_write(td) && !td->o.verify_only) || td_trim(td);

	if (writes && virtio_blk_has(info, VIRTIO_BLK_F_RO)) {
		log_err("blkengine: %s: the device is read-only (VIRTIO_BLK_F_RO, e.g. exported with writable=off) and this job writes or trims; use a read-only workload (rw=read/randread) or export the device with writable=on\n",
			path);
		return -EROFS;
	}
	if (o->write_mode == BLK_WRITE_MODE_UNCOR || o->write_mode == BLK_WRITE_MODE_VERIFY) {
		log_err("blkengine: %s: write_mode=%s is an NVMe command; virtio-blk takes write_mode=write or write_mode=zeroes\n",
			path, o->write_mode == BLK_WRITE_MODE_UNCOR ? "uncor" : "verify");
		return -EINVAL;
	}
	if (td_write(td) && o->write_mode == BLK_WRITE_MODE_ZEROES &&
	    !virtio_blk_has(info, VIRTIO_BLK_F_WRITE_ZEROES)) {
		log_err("blkengine: %s: write_mode=zeroes needs VIRTIO_BLK_F_WRITE_ZEROES, which the device does not offer\n",
			path);
		return -EOPNOTSUPP;
	}
	if (td_trim(td)) {
		if (o->trim_write_zeroes && !virtio_blk_has(info, VIRTIO_BLK_F_WRITE_ZEROES)) {
			log_err("blkengine: %s: blk_trim_write_zeroes=1 needs VIRTIO_BLK_F_WRITE_ZEROES, which the device does not offer\n",
				path);
			return -EOPNOTSUPP;
		}
		if (!o->trim_write_zeroes && !virtio_blk_has(info, VIRTIO_BLK_F_DISCARD)) {
			log_err("blkengine: %s: the device does not offer VIRTIO_BLK_F_DISCARD, so trims cannot be sent%s\n",
				path, virtio_blk_has(info, VIRTIO_BLK_F_WRITE_ZEROES) ?
				"; blk_trim_write_zeroes=1 sends them as write zeroes" : "");
			return -EOPNOTSUPP;
		}
	}
	if (o->md_per_io_size || o->pi_chk) {
		log_err("blkengine: %s: md_per_io_size and pi_chk are NVMe options; virtio-blk has no metadata or protection information\n",
			path);
		return -EINVAL;
	}
	return check_alignment(td, path, info->blk_size);
}

/* Jobs that cannot share one connection are refused before connecting. */
static int check_process_model(struct thread_data *td)
{
	if (td->o.nr_files != 1) {
		log_err("blkengine: a virtio-blk job drives one device; this job names %u files: use one job per device\n",
			td->o.nr_files);
		return -EINVAL;
	}
	if (!td->o.use_thread && td->o.numjobs > 1) {
		log_err("blkengine: %s: numjobs=%u with processes (thread=0) would open one connection per process, but the device serves one client at a time; add thread=1 so the jobs share one connection, one virtqueue each\n",
			job_file(td), td->o.numjobs);
		return -EINVAL;
	}
	return 0;
}

int virtio_blk_setup(struct thread_data *td, const struct virtio_transport_ops *ops)
{
	struct virtio_blk_info info;
	struct fio_file *f;
	int ret;

	ret = check_process_model(td);
	if (ret)
		return ret;
	f = td->files[0];
	ret = virtio_dev_probe(f->file_name, ops, &info);
	if (ret)
		return ret;
	ret = check_job(td, f->file_name, &info);
	if (ret)
		return ret;
	f->real_file_size = info.capacity;
	fio_file_set_size_known(f);
	f->filetype = FIO_TYPE_CHAR;
	return 0;
}

static unsigned int round_up_pow2(unsigned int v)
{
	unsigned int p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static unsigned long long max_data_bs(struct thread_data *td)
{
	unsigned long long bs = td->o.max_bs[DDIR_READ];

	if (td->o.max_bs[DDIR_WRITE] > bs)
		bs = td->o.max_bs[DDIR_WRITE];
	return bs;
}

/*
 * Request geometry and the ring size: how many virtio requests and ring
 * descriptors the largest I/O takes, and a ring that holds iodepth of them.
 */
static int size_queue(struct thread_data *td, struct vblk_thread *vt, unsigned int *qsize,
		      unsigned int *nseg)
{
	const struct virtio_blk_info *info = &vt->dev->info;
	struct blk_options *o = td->eo;
	const char *path = job_file(td);
	unsigned long long bs = max_data_bs(td), trim_bs = td->o.max_bs[DDIR_TRIM];
	unsigned int reqs, descs, per_io, need, maxq, segs;
	uint64_t req_bytes;

	vt->seg_len = info->size_max ? info->size_max : SEG_LEN_LIMIT;
	segs = DIV_ROUND_UP(bs, vt->seg_len);
	if (!segs)
		segs = 1;
	if (info->seg_max && segs > info->seg_max)
		segs = info->seg_max;
	/* Without indirect tables a request's descriptors must fit the ring. */
	if (!vt->use_indirect && segs + 2 > info->max_queue_size)
		segs = info->max_queue_size - 2;
	req_bytes = (uint64_t)segs * vt->seg_len;
	if (req_bytes > UINT32_MAX)
		req_bytes = UINT32_MAX;
	req_bytes &= ~(uint64_t)(info->blk_size - 1);
	if (!req_bytes) {
		log_err("blkengine: %s: the device takes at most %u segments of %u bytes a request, less than one %u-byte block\n",
			path, info->seg_max, vt->seg_len, info->blk_size);
		return -EINVAL;
	}
	vt->req_bytes = (uint32_t)req_bytes;
	*nseg = segs;

	reqs = bs ? DIV_ROUND_UP(bs, req_bytes) : 1;
	descs = vt->use_indirect ? 1 : segs + 2;
	per_io = reqs * descs;
	if (td_trim(td) || vt->write_type == VIRTIO_BLK_T_WRITE_ZEROES) {
		unsigned long long rbs = trim_bs > bs ? trim_bs : bs;
		unsigned int rreqs = rbs ? (unsigned int)DIV_ROUND_UP(rbs, vt->range_bytes) : 1;
		unsigned int rdescs = vt->use_indirect ? 1 : 3;

		if (rreqs > reqs)
			reqs = rreqs;
		if (rreqs * rdescs > per_io)
			per_io = rreqs * rdescs;
	}
	if (reqs > 1 && o->oversize == BLK_OVERSIZE_REFUSE) {
		log_err("blkengine: %s: an I/O of %llu bytes is larger than one virtio-blk request may be (%llu bytes: seg_max %u x size_max %u); lower bs or set blk_oversize=split\n",
			path, bs > trim_bs ? bs : trim_bs, (unsigned long long)req_bytes,
			info->seg_max, info->size_max);
		return -EINVAL;
	}

	maxq = info->max_queue_size > 32768 ? 32768 : info->max_queue_size;
	need = td->o.iodepth * per_io;
	if (o->queue_size) {
		if ((o->queue_size & (o->queue_size - 1)) || o->queue_size > maxq) {
			log_err("blkengine: %s: blk_queue_size=%u: the ring size must be a power of two up to %u\n",
				path, o->queue_size, maxq);
			return -EINVAL;
		}
		if (o->queue_size < need) {
			log_err("blkengine: %s: blk_queue_size=%u is too small for iodepth=%u: each I/O takes up to %u ring entr%s, so %u are needed; raise blk_queue_size or lower iodepth\n",
				path, o->queue_size, td->o.iodepth, per_io, per_io == 1 ? "y" : "ies", need);
			return -EINVAL;
		}
		*qsize = o->queue_size;
	} else {
		*qsize = round_up_pow2(need < 2 ? 2 : need);
		if (*qsize > maxq) {
			*qsize = maxq;
			if (per_io > maxq) {
				log_err("blkengine: %s: one I/O takes %u ring entries, more than the %u the device allows; lower bs\n",
					path, per_io, maxq);
				return -EINVAL;
			}
			log_info("blkengine: %s: iodepth=%u needs %u ring entries but the device takes at most %u; at most %u I/Os will be in flight\n",
				 path, td->o.iodepth, need, maxq, maxq / per_io);
		}
	}
	return 0;
}

/*
 * Kicks may wait for the end of a burst only when fio goes on queueing or
 * waits right after a commit: pacing (rate limits, think time, replayed
 * timing) could leave published requests unkicked for a long time.
 */
static bool batch_kicks_ok(struct thread_data *td)
{
	struct thread_options *o = &td->o;
	unsigned int d;

	if (o->iodepth < 2 || o->thinktime || o->read_iolog_file)
		return false;
	for (d = 0; d < DDIR_RWDIR_CNT; d++)
		if (o->rate[d] || o->rate_iops[d] || o->ratemin[d] || o->rate_iops_min[d])
			return false;
	return true;
}

static void set_ops(struct thread_data *td, struct vblk_thread *vt)
{
	const struct virtio_blk_info *info = &vt->dev->info;
	struct blk_options *o = td->eo;

	vt->use_indirect = virtio_blk_has(info, VIRTIO_RING_F_INDIRECT_DESC);
	vt->has_flush = virtio_blk_has(info, VIRTIO_BLK_F_FLUSH);
	/*
	 * FUA by flush whenever the device has a flush: a device that offers
	 * flush may cache writes whatever its config wce byte says (QEMU's
	 * export reports 0 and still caches).
	 */
	vt->fua = o->writefua && vt->has_flush;
	vt->poll = o->wait_mode == BLK_WAIT_POLL || (o->wait_mode == BLK_WAIT_AUTO && o->hipri);
	vt->adaptive = o->wait_mode == BLK_WAIT_AUTO && !o->hipri;
	vt->batch_kicks = batch_kicks_ok(td);

	vt->write_type = VIRTIO_BLK_T_OUT;
	vt->write_flags = 0;
	if (o->write_mode == BLK_WRITE_MODE_ZEROES) {
		vt->write_type = VIRTIO_BLK_T_WRITE_ZEROES;
		vt->write_flags = o->deac ? VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP : 0;
	}
	if (o->trim_write_zeroes) {
		vt->range_type = VIRTIO_BLK_T_WRITE_ZEROES;
		vt->range_flags = VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP;
	} else {
		vt->range_type = VIRTIO_BLK_T_DISCARD;
		vt->range_flags = 0;
	}
	/* One limit for both kinds of range request keeps the sizing simple. */
	vt->range_bytes = (uint64_t)info->max_discard_sectors;
	if (virtio_blk_has(info, VIRTIO_BLK_F_WRITE_ZEROES) &&
	    info->max_write_zeroes_sectors < vt->range_bytes)
		vt->range_bytes = info->max_write_zeroes_sectors;
	if (!virtio_blk_has(info, VIRTIO_BLK_F_DISCARD))
		vt->range_bytes = info->max_write_zeroes_sectors;
	vt->range_bytes <<= SECTOR_SHIFT;
	vt->range_bytes &= ~(uint64_t)(info->blk_size - 1);
	if (!vt->range_bytes)
		vt->range_bytes = info->blk_size;
}

/* The ring region: ring, then slot headers, then indirect tables. */
static int alloc_ring(struct thread_data *td, struct vblk_thread *vt, unsigned int qsize,
		      unsigned int nseg)
{
	struct virtq_layout l;
	size_t shm_off, ind_off, len;
	unsigned int i;
	int ret;

	virtq_layout((uint16_t)qsize, &l);
	vt->nr_slots = qsize;
	vt->max_descs = nseg + 2 < 3 ? 3 : nseg + 2;
	vt->ind_len = vt->use_indirect ? vt->max_descs : 0;
	shm_off = l.size;
	ind_off = shm_off + (size_t)qsize * sizeof(struct vblk_slot_shm);
	len = ind_off + (size_t)qsize * vt->ind_len * sizeof(struct vring_desc);

	ret = blk_iomem_alloc(&vt->ring_mem, len, "blkengine-vring");
	if (ret) {
		log_err("blkengine: %s: cannot allocate %zu bytes of shared memory for the virtqueue: %s\n",
			job_file(td), len, strerror(-ret));
		return ret;
	}
	ret = virtq_init(&vt->vq, (uint16_t)qsize, vt->ring_mem.base,
			 virtio_blk_has(&vt->dev->info, VIRTIO_RING_F_EVENT_IDX));
	if (ret)
		return ret;
	vt->shm = (struct vblk_slot_shm *)((char *)vt->ring_mem.base + shm_off);
	vt->indirect = vt->ind_len ? (struct vring_desc *)((char *)vt->ring_mem.base + ind_off) : NULL;

	vt->slots = calloc(qsize, sizeof(*vt->slots));
	vt->free_slots = calloc(qsize, sizeof(*vt->free_slots));
	vt->events = calloc(td->o.iodepth, sizeof(*vt->events));
	vt->queued = calloc(td->o.iodepth, sizeof(*vt->queued));
	if (!vt->slots || !vt->free_slots || !vt->events || !vt->queued)
		return -ENOMEM;
	for (i = 0; i < qsize; i++) {
		vt->slots[i].index = (uint16_t)i;
		vt->free_slots[i] = (uint16_t)(qsize - 1 - i);
	}
	vt->nr_free = qsize;
	return 0;
}

static void free_thread(struct vblk_thread *vt)
{
	virtq_exit(&vt->vq);
	blk_iomem_free(&vt->ring_mem);
	free(vt->slots);
	free(vt->free_slots);
	free(vt->events);
	free(vt->queued);
	free(vt);
}

/*
 * The threads of this process that will set up a queue on the same device
 * at the same time as td: same file, same group, same start delay. Other
 * processes cannot share the device (it takes one user at a time).
 */
static unsigned int queues_starting_with(struct thread_data *td)
{
	const char *path = td->files[0]->file_name;
	unsigned int i, n = 0;

	if (!td->o.use_thread)
		return 1;
	for (i = 0; i < thread_number; i++) {
		struct thread_data *o = tnumber_to_td(i);

		if (!o->o.use_thread || o->groupid != td->groupid ||
		    o->o.start_delay != td->o.start_delay || !o->files_index ||
		    strcmp(o->files[0]->file_name, path))
			continue;
		n++;
	}
	return n ? n : 1;
}

int virtio_blk_init(struct thread_data *td, const struct virtio_transport_ops *ops)
{
	struct vblk_thread *vt;
	unsigned int qsize, nseg;
	int ret;

	ret = check_process_model(td);
	if (ret)
		return ret;
	vt = calloc(1, sizeof(*vt));
	if (!vt)
		return -ENOMEM;
	vt->ring_mem = (struct blk_iomem)BLK_IOMEM_INIT;
	vt->io_region.fd = -1;
	vt->call_fd = -1;
	vt->ops = ops;

	ret = virtio_dev_get(job_file(td), ops, td->files_index ? queues_starting_with(td) : 0,
			     &vt->dev, &vt->qidx);
	if (ret) {
		free(vt);
		return ret;
	}
	vt->has_queue = true;
	vt->watch_fd = vt->dev->tinfo.watch_fd;

	ret = check_job(td, job_file(td), &vt->dev->info);
	if (ret)
		goto put_dev;
	set_ops(td, vt);
	ret = size_queue(td, vt, &qsize, &nseg);
	if (ret)
		goto put_dev;
	ret = alloc_ring(td, vt, qsize, nseg);
	if (ret)
		goto put_dev;
	td->io_ops_data = vt;
	return 0;

put_dev:
	virtio_dev_put(vt->dev, vt->qidx);
	free_thread(vt);
	return ret;
}

/* Registers both regions and starts the queue; under the device lock. */
static int start_queue(struct thread_data *td, struct vblk_thread *vt)
{
	struct virtio_transport *t = vt->dev->t;
	struct virtio_mem_region ring = {
		.base = vt->ring_mem.base, .len = vt->ring_mem.len, .fd = vt->ring_mem.fd,
	};
	struct virtio_vq_config cfg;
	struct virtq_layout l;
	int ret;

	ret = vt->ops->map_mem(t, &ring, &vt->ring_addr);
	if (ret)
		return ret;
	vt->ring_mapped = true;
	if (vt->io_region.base) {
		ret = vt->ops->map_mem(t, &vt->io_region, &vt->io_addr);
		if (ret)
			return ret;
		vt->io_mapped = true;
	}

	virtq_layout(vt->vq.num, &l);
	cfg = (struct virtio_vq_config){
		.index = vt->qidx,
		.num = vt->vq.num,
		.desc = vt->vq.desc,
		.avail = vt->vq.avail,
		.used = vt->vq.used,
		.desc_addr = vt->ring_addr,
		.avail_addr = vt->ring_addr + l.avail_off,
		.used_addr = vt->ring_addr + l.used_off,
	};
	if (vt->poll)
		virtq_disarm(&vt->vq);
	ret = vt->ops->setup_vq(t, &cfg, &vt->call_fd);
	if (ret)
		return ret;
	vt->vq_started = true;
	return vt->ops->start(t, vt->qidx);
}

int virtio_blk_post_init(struct thread_data *td)
{
	struct vblk_thread *vt = vblk_of(td);
	struct blk_iomem *mem = &vt->bt.mem;
	int ret;

	/* A trim-only job moves no data, and fio gives it no buffers. */
	if (mem->fd >= 0 && mem->base) {
		/* Our own fd: fio frees its buffers before cleanup runs. */
		vt->io_region.fd = dup(mem->fd);
		if (vt->io_region.fd < 0)
			return -errno;
		vt->io_region.base = mem->base;
		vt->io_region.len = mem->len;
	} else if (td_read(td) || td_write(td)) {
		log_err("blkengine: %s: fio's I/O buffers are not in shared memory; remove mem=/iomem= from the job\n",
			job_file(td));
		td_verror(td, EINVAL, "virtio-blk I/O memory");
		return -EINVAL;
	}

	virtio_dev_lock(vt->dev);
	ret = start_queue(td, vt);
	virtio_dev_unlock(vt->dev);
	if (ret) {
		log_err("blkengine: %s: cannot set up virtqueue %u: %s\n", job_file(td), vt->qidx,
			strerror(-ret));
		td_verror(td, -ret, "virtio-blk queue set-up");
	}
	return ret;
}

static bool has_in_flight(const struct vblk_thread *vt)
{
	return vt->nr_free != vt->nr_slots;
}

/*
 * Stops the queue and withdraws fio's buffers from the device: once fio
 * unmaps them, their addresses may come back for another thread's memory.
 */
static void stop_queue(struct vblk_thread *vt)
{
	struct virtio_transport *t = vt->dev->t;
	bool gone = virtio_dev_gone(vt->dev);

	virtio_dev_lock(vt->dev);
	/*
	 * The last user disconnects, which drops everything at once. With
	 * requests still in flight (fio gave up on them) the back-end may yet
	 * touch the memory: leave it registered until the disconnect.
	 */
	if (!gone && vt->dev->refs > 1 && !has_in_flight(vt)) {
		if (vt->vq_started)
			vt->ops->stop_vq(t, vt->qidx);
		if (vt->io_mapped)
			vt->ops->unmap_mem(t, &vt->io_region, vt->io_addr);
		if (vt->ring_mapped) {
			struct virtio_mem_region ring = {
				.base = vt->ring_mem.base, .len = vt->ring_mem.len,
				.fd = vt->ring_mem.fd,
			};

			vt->ops->unmap_mem(t, &ring, vt->ring_addr);
		}
	}
	vt->vq_started = vt->io_mapped = vt->ring_mapped = false;
	virtio_dev_unlock(vt->dev);
}

void virtio_blk_cleanup(struct thread_data *td)
{
	struct vblk_thread *vt = vblk_of(td);

	if (!vt)
		return;
	if (vt->vq_started || vt->io_mapped || vt->ring_mapped)
		stop_queue(vt);
	if (vt->has_queue)
		virtio_dev_put(vt->dev, vt->qidx);
	if (vt->io_region.fd >= 0)
		close(vt->io_region.fd);
	free_thread(vt);
	td->io_ops_data = NULL;
}

int virtio_blk_open_file(struct thread_data *td, struct fio_file *f)
{
	return 0;
}

int virtio_blk_close_file(struct thread_data *td, struct fio_file *f)
{
	return 0;
}

int virtio_blk_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct vblk_io *io = calloc(1, sizeof(*io));

	if (!io)
		return 1;
	io->io_u = io_u;
	io_u->engine_data = io;
	return 0;
}

void virtio_blk_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	struct vblk_thread *vt = vblk_of(td);

	/* The first free means I/O is over and fio is about to drop its buffers. */
	if (vt && (vt->vq_started || vt->io_mapped || vt->ring_mapped))
		stop_queue(vt);
	free(io_u->engine_data);
	io_u->engine_data = NULL;
}

/* Device address of a byte of fio's buffers. */
static inline uint64_t io_addr_of(const struct vblk_thread *vt, const void *p)
{
	return vt->io_addr + (uint64_t)((const char *)p - (const char *)vt->io_region.base);
}

static inline uint64_t ring_addr_of(const struct vblk_thread *vt, const void *p)
{
	return vt->ring_addr + (uint64_t)((const char *)p - (const char *)vt->ring_mem.base);
}

static inline struct vblk_slot *slot_get(struct vblk_thread *vt)
{
	return &vt->slots[vt->free_slots[--vt->nr_free]];
}

static inline void slot_put(struct vblk_thread *vt, struct vblk_slot *s)
{
	s->io = NULL;
	vt->free_slots[vt->nr_free++] = s->index;
}

static inline void set_desc(struct vring_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
			    uint16_t next)
{
	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

/*
 * The common request, a read or write of one segment through an indirect
 * table, written straight into the slot's table: no segment list is built
 * and copied. Every field is rewritten, whatever the device left there.
 */
static int add_one_segment(struct vblk_thread *vt, struct vblk_io *io, uint32_t type,
			   uint64_t offset, void *buf, uint32_t len)
{
	struct vblk_slot *s = slot_get(vt);
	struct vblk_slot_shm *shm = &vt->shm[s->index];
	struct vring_desc *table = &vt->indirect[(size_t)s->index * vt->ind_len];
	uint16_t dir = type == VIRTIO_BLK_T_IN ? VRING_DESC_F_WRITE : 0;
	int ret;

	shm->hdr.type = htole32(type);
	shm->hdr.ioprio = 0;
	shm->hdr.sector = htole64(offset >> SECTOR_SHIFT);
	shm->status = 0xff;
	set_desc(&table[0], ring_addr_of(vt, &shm->hdr), sizeof(shm->hdr), VRING_DESC_F_NEXT, 1);
	set_desc(&table[1], io_addr_of(vt, buf), len, VRING_DESC_F_NEXT | dir, 2);
	set_desc(&table[2], ring_addr_of(vt, &shm->status), 1, VRING_DESC_F_WRITE, 0);
	ret = virtq_add_table(&vt->vq, ring_addr_of(vt, table), 3, s);
	if (ret < 0) {
		slot_put(vt, s);
		return ret;
	}
	s->io = io;
	io->pending++;
	return 0;
}

/*
 * Adds one request: header, then either data (len bytes at buf) or the
 * range descriptor, then the status byte.
 */
static int add_request(struct vblk_thread *vt, struct vblk_io *io, enum vblk_op op,
		       uint32_t type, uint64_t offset, void *buf, uint64_t len, uint32_t flags)
{
	struct virtq_seg segs[vt->max_descs];
	struct vblk_slot *s;
	struct vblk_slot_shm *shm;
	unsigned int n = 0;
	int ret;

	if (op == VBLK_OP_DATA && vt->use_indirect && len && len <= vt->seg_len)
		return add_one_segment(vt, io, type, offset, buf, (uint32_t)len);
	s = slot_get(vt);
	shm = &vt->shm[s->index];

	shm->hdr.type = htole32(type);
	shm->hdr.ioprio = 0;
	shm->hdr.sector = htole64(op == VBLK_OP_FLUSH ? 0 : offset >> SECTOR_SHIFT);
	/* A device that never writes the status is caught, not trusted. */
	shm->status = 0xff;
	segs[n++] = (struct virtq_seg){ ring_addr_of(vt, &shm->hdr), sizeof(shm->hdr), false };

	if (op == VBLK_OP_DATA) {
		bool in = type == VIRTIO_BLK_T_IN;
		uint64_t addr = io_addr_of(vt, buf);

		while (len) {
			uint32_t l = len > vt->seg_len ? vt->seg_len : (uint32_t)len;

			segs[n++] = (struct virtq_seg){ addr, l, in };
			addr += l;
			len -= l;
		}
	} else if (op == VBLK_OP_RANGE) {
		shm->range.sector = htole64(offset >> SECTOR_SHIFT);
		shm->range.num_sectors = htole32((uint32_t)(len >> SECTOR_SHIFT));
		shm->range.flags = htole32(flags);
		segs[n++] = (struct virtq_seg){ ring_addr_of(vt, &shm->range), sizeof(shm->range), false };
	}
	segs[n++] = (struct virtq_seg){ ring_addr_of(vt, &shm->status), 1, true };

	if (vt->use_indirect) {
		struct vring_desc *table = &vt->indirect[(size_t)s->index * vt->ind_len];

		ret = virtq_add_indirect(&vt->vq, table, ring_addr_of(vt, table), segs, n, s);
	} else {
		ret = virtq_add_chain(&vt->vq, segs, n, s);
	}
	if (ret < 0) {
		slot_put(vt, s);
		return ret;
	}
	s->io = io;
	io->pending++;
	return 0;
}

/* Ring entries the next `reqs` requests of `segs` data segments each take. */
static inline unsigned int descs_for(const struct vblk_thread *vt, unsigned int reqs,
				     unsigned int segs)
{
	return vt->use_indirect ? reqs : reqs * (segs + 2);
}

static inline bool fits(const struct vblk_thread *vt, unsigned int reqs, unsigned int descs)
{
	return vt->nr_free >= reqs && virtq_num_free(&vt->vq) >= descs;
}

static void set_io_error(struct vblk_io *io, int kind, uint32_t code, int err)
{
	io->err.kind = (uint16_t)kind;
	io->err.code = code;
	io->io_u->error = err;
}

/* Adds every request of one I/O, or none (FIO_Q_BUSY). */
static enum fio_q_status add_io(struct vblk_thread *vt, struct vblk_io *io)
{
	struct io_u *io_u = io->io_u;
	uint64_t off = io_u->offset, len = io_u->xfer_buflen, chunk, step;
	char *buf = io_u->xfer_buf;
	uint32_t type, flags = 0;
	enum vblk_op op;
	unsigned int reqs, descs;

	switch (io_u->ddir) {
	case DDIR_READ:
		op = VBLK_OP_DATA;
		type = VIRTIO_BLK_T_IN;
		break;
	case DDIR_WRITE:
		type = vt->write_type;
		flags = vt->write_flags;
		op = type == VIRTIO_BLK_T_OUT ? VBLK_OP_DATA : VBLK_OP_RANGE;
		io->flush_after = vt->fua;
		break;
	case DDIR_TRIM:
		op = VBLK_OP_RANGE;
		type = vt->range_type;
		flags = vt->range_flags;
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
		/* Without VIRTIO_BLK_F_FLUSH the device has no volatile cache. */
		if (!vt->has_flush)
			return FIO_Q_COMPLETED;
		op = VBLK_OP_FLUSH;
		type = VIRTIO_BLK_T_FLUSH;
		/* fio's final sync (end_fsync, verify) keeps a stale xfer_buflen. */
		len = 0;
		break;
	default:
		set_io_error(io, BLK_ERR_ERRNO, EOPNOTSUPP, EOPNOTSUPP);
		return FIO_Q_COMPLETED;
	}
	/* Nothing to transfer would still take a request slot per loop below. */
	if (op != VBLK_OP_FLUSH && !len) {
		set_io_error(io, BLK_ERR_ERRNO, EINVAL, EINVAL);
		return FIO_Q_COMPLETED;
	}

	if (op == VBLK_OP_DATA && len <= vt->seg_len && len <= vt->req_bytes) {
		/* The common case, without the divisions below. */
		step = vt->req_bytes;
		reqs = 1;
		descs = descs_for(vt, 1, 1);
	} else if (op == VBLK_OP_DATA) {
		step = vt->req_bytes;
		reqs = (unsigned int)DIV_ROUND_UP(len, step);
		chunk = len < step ? len : step;
		descs = reqs == 1 ? descs_for(vt, 1, (unsigned int)DIV_ROUND_UP(chunk, vt->seg_len)) :
				    descs_for(vt, reqs, (unsigned int)DIV_ROUND_UP(step, vt->seg_len));
	} else if (op == VBLK_OP_RANGE) {
		step = vt->range_bytes;
		reqs = (unsigned int)DIV_ROUND_UP(len, step);
		descs = descs_for(vt, reqs, 1);
	} else {
		step = 0;
		reqs = 1;
		descs = descs_for(vt, 1, 0);
	}
	if (!fits(vt, reqs, descs))
		return FIO_Q_BUSY;

	do {
		chunk = op == VBLK_OP_FLUSH ? 0 : (len < step ? len : step);
		/* Cannot fail: room was checked for all of them. */
		add_request(vt, io, op, type, off, buf, chunk, flags);
		off += chunk;
		buf += chunk;
		len -= chunk;
	} while (len);
	return FIO_Q_QUEUED;
}

enum fio_q_status virtio_blk_queue(struct thread_data *td, struct io_u *io_u)
{
	struct vblk_thread *vt = vblk_of(td);
	struct vblk_io *io = io_u->engine_data;
	enum fio_q_status ret;

	fio_ro_check(td, io_u);
	io->err.kind = BLK_ERR_NONE;
	io->pending = 0;
	io->status = VIRTIO_BLK_S_OK;
	io->flush_after = false;
	io->lost = false;
	io_u->error = 0;

	if (vt->broken) {
		set_io_error(io, BLK_ERR_ERRNO, ECONNRESET, ECONNRESET);
		return FIO_Q_COMPLETED;
	}
	ret = add_io(vt, io);
	if (ret == FIO_Q_QUEUED)
		vt->queued[vt->nr_queued++] = io_u;
	return ret;
}

/* Kicks for everything published, unless the device said it is awake. */
static int kick(struct vblk_thread *vt)
{
	vt->kick_pending = false;
	if (!virtq_kick_needed(&vt->vq))
		return 0;
	return vt->ops->notify(vt->dev->t, vt->qidx);
}

/* Publishes what was added and kicks. */
static int publish(struct vblk_thread *vt)
{
	virtq_publish(&vt->vq);
	return kick(vt);
}

int virtio_blk_commit(struct thread_data *td)
{
	struct vblk_thread *vt = vblk_of(td);
	unsigned int i;

	if (!vt->nr_queued)
		return 0;
	if (fio_fill_issue_time(td)) {
		struct timespec now;

		fio_gettime(&now, NULL);
		for (i = 0; i < vt->nr_queued; i++) {
			vt->queued[i]->issue_time = now;
			io_u_queued(td, vt->queued[i]);
		}
	}
	io_u_mark_submit(td, vt->nr_queued);
	/*
	 * Visible to the device at once (a busy device picks the entries up
	 * without a kick); the kick itself waits while more of the burst is
	 * expected.
	 */
	virtq_publish(&vt->vq);
	if (vt->refill > vt->nr_queued) {
		vt->refill -= vt->nr_queued;
		vt->nr_queued = 0;
		vt->kick_pending = true;
		return 0;
	}
	vt->refill = 0;
	vt->nr_queued = 0;
	return kick(vt);
}

static void finish_io(struct vblk_thread *vt, struct vblk_io *io)
{
	switch (io->status) {
	case VIRTIO_BLK_S_OK:
		if (io->lost)
			set_io_error(io, BLK_ERR_ERRNO, vt->stalled ? ETIMEDOUT : ECONNRESET,
				     vt->stalled ? ETIMEDOUT : ECONNRESET);
		break;
	case VIRTIO_BLK_S_UNSUPP:
		set_io_error(io, BLK_ERR_VIRTIO, io->status, EOPNOTSUPP);
		break;
	default:
		set_io_error(io, BLK_ERR_VIRTIO, io->status, EIO);
		break;
	}
	vt->events[vt->nr_events++] = io->io_u;
}

/* The last request of an I/O is back: complete it, or flush first. */
static void io_done(struct vblk_thread *vt, struct vblk_io *io)
{
	if (io->flush_after && io->status == VIRTIO_BLK_S_OK && !io->lost) {
		io->flush_after = false;
		/* The write's own slot and descriptors were just freed. */
		if (fits(vt, 1, descs_for(vt, 1, 0)) &&
		    !add_request(vt, io, VBLK_OP_FLUSH, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0)) {
			vt->republish = true;
			return;
		}
	}
	finish_io(vt, io);
}

static void mark_broken(struct thread_data *td, struct vblk_thread *vt, const char *why)
{
	if (vt->broken)
		return;
	vt->broken = true;
	virtio_dev_set_gone(vt->dev);
	log_err("blkengine: %s: %s; failing the I/Os in flight on virtqueue %u\n",
		job_file(td), why, vt->qidx);
}

/* After the device is gone: every I/O still in flight completes with an error. */
static void fail_in_flight(struct vblk_thread *vt, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < vt->nr_slots && vt->nr_events < max; i++) {
		struct vblk_slot *s = &vt->slots[i];
		struct vblk_io *io = s->io;

		if (!io)
			continue;
		slot_put(vt, s);
		io->lost = true;
		io->flush_after = false;
		if (!--io->pending)
			finish_io(vt, io);
	}
}

/* Consumes used entries until max I/Os are complete. */
static int reap(struct thread_data *td, struct vblk_thread *vt, unsigned int max)
{
	void *cookie;
	uint32_t len;
	int ret;

	while (vt->nr_events < max) {
		struct vblk_slot *s;
		struct vblk_io *io;
		uint8_t status;

		ret = virtq_get_used(&vt->vq, &cookie, &len);
		if (!ret)
			break;
		if (ret < 0) {
			mark_broken(td, vt, "the device returned a used ring entry that is not in flight (protocol violation)");
			return ret;
		}
		s = cookie;
		io = s->io;
		status = vt->shm[s->index].status;
		slot_put(vt, s);
		if (status != VIRTIO_BLK_S_OK && io->status == VIRTIO_BLK_S_OK)
			io->status = status;
		if (!--io->pending)
			io_done(vt, io);
	}
	if (vt->republish) {
		vt->republish = false;
		ret = publish(vt);
		if (ret)
			return ret;
	}
	return 0;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether the transport hung up (the back-end closed or died). */
static bool transport_hung_up(const struct pollfd *p)
{
	return p->revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL);
}

static void check_transport(struct thread_data *td, struct vblk_thread *vt)
{
	struct pollfd p = { .fd = vt->watch_fd, .events = POLLRDHUP };

	if (vt->watch_fd < 0)
		return;
	if (virtio_dev_gone(vt->dev) ||
	    (poll(&p, 1, 0) > 0 && transport_hung_up(&p)))
		mark_broken(td, vt, "the device closed the connection");
}

/*
 * Sleeps until the device signals, the transport hangs up or the deadline
 * passes. Returns 0, 1 on timeout, or -errno.
 */
static int wait_event(struct thread_data *td, struct vblk_thread *vt, int64_t deadline,
		      uint16_t wanted)
{
	struct pollfd p[2] = {
		{ .fd = vt->call_fd, .events = POLLIN },
		{ .fd = vt->watch_fd, .events = POLLRDHUP },
	};
	int timeout = -1, ret;
	uint64_t cnt;

	/* Entries that arrived before the device could see the re-arm. */
	if (virtq_arm(&vt->vq, wanted))
		return 0;
	if (deadline) {
		int64_t left = deadline - now_ns();

		if (left <= 0)
			return 1;
		timeout = (int)((left + 999999) / 1000000);
	}
	ret = poll(p, vt->watch_fd >= 0 ? 2 : 1, timeout);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (!ret)
		return 1;
	if (vt->watch_fd >= 0 && transport_hung_up(&p[1]))
		mark_broken(td, vt, "the device closed the connection");
	if (p[0].revents & POLLIN) {
		/* Drains the counter; the used ring says what completed. */
		if (read(vt->call_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

/* Spins until the device returns something or the clock passes until. */
static bool spin_for_used(struct vblk_thread *vt, int64_t until)
{
	unsigned int spins = 0;

	for (;;) {
		if (virtq_has_used(&vt->vq))
			return true;
		cpu_relax();
		if (!(++spins % SPIN_CLOCK_SPINS) && now_ns() >= until)
			return false;
	}
}

/* After a wait that slept: how long it took in all sets the next budget. */
static void adapt_spin(struct vblk_thread *vt, int64_t waited_ns)
{
	if (waited_ns <= vt->spin_ns)
		return;
	if (waited_ns > SPIN_MAX_NS) {
		vt->spin_ns /= 2;
		if (vt->spin_ns < SPIN_START_NS)
			vt->spin_ns = 0;
		return;
	}
	vt->spin_ns = vt->spin_ns ? vt->spin_ns * 2 : SPIN_START_NS;
	if (vt->spin_ns > SPIN_MAX_NS)
		vt->spin_ns = SPIN_MAX_NS;
}

int virtio_blk_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			 const struct timespec *t)
{
	struct vblk_thread *vt = vblk_of(td);
	int64_t deadline = 0;
	unsigned int spins = 0;
	int64_t spin_end = 0, stall_start = 0, wait_end;
	unsigned int stall_seen = 0;
	bool armed = false, spin_over = false, spun = false;
	int64_t wait_start = 0;
	int ret;

	vt->nr_events = 0;
	vt->refill = 0;
	if (vt->kick_pending) {
		ret = kick(vt);
		if (ret)
			return ret;
	}
	if (t)
		deadline = now_ns() + (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;

	for (;;) {
		/* What the device completed before it went away still counts. */
		ret = reap(td, vt, max);
		if (ret && !vt->broken)
			return ret;
		if (vt->broken)
			fail_in_flight(vt, max);
		if (vt->nr_events >= min || vt->nr_events == max)
			break;
		if (vt->broken && !has_in_flight(vt))
			break;
		if (vt->broken)
			continue;

		if (vt->poll && !spin_over) {
			int64_t now;

			if (virtq_has_used(&vt->vq))
				continue;
			if (++spins % POLL_CLOCK_SPINS) {
				cpu_relax();
				continue;
			}
			if (!(spins % POLL_CHECK_SPINS))
				check_transport(td, vt);
			now = now_ns();
			if (!spin_end)
				spin_end = now + POLL_BUDGET_NS;
			if (deadline && now >= deadline)
				break;
			if (now < spin_end)
				continue;
			/* Budget spent: sleep until the device signals. */
			spin_over = true;
		}
		if (vt->adaptive && !spun) {
			int64_t until;

			spun = true;
			wait_start = now_ns();
			until = wait_start + vt->spin_ns;
			if (deadline && deadline < until)
				until = deadline;
			if (vt->spin_ns && spin_for_used(vt, until))
				continue;
		}

		armed = true;
		wait_end = deadline;
		if (!deadline) {
			int64_t now = now_ns();

			if (!stall_start || vt->nr_events != stall_seen) {
				stall_seen = vt->nr_events;
				stall_start = now;
			}
			if (now - stall_start >= (td->terminate ? STALL_STOPPING_NS : STALL_NS)) {
				vt->stalled = true;
				mark_broken(td, vt, td->terminate ?
					    "the device completed nothing for 5 s while the job was stopping" :
					    "the device completed nothing for 30 s with requests in flight");
				continue;
			}
			/* Wakes up every second to notice fio stopping the job. */
			wait_end = now + 1000000000LL;
		}
		ret = wait_event(td, vt, wait_end, (uint16_t)(min - vt->nr_events));
		if (ret < 0)
			return ret;
		if (ret == 1 && deadline)
			break;
		if (!vt->broken && virtio_dev_gone(vt->dev))
			mark_broken(td, vt, "the device closed the connection");
	}
	/* Polling, or done waiting: the device need not signal until asked again. */
	if (vt->poll || armed)
		virtq_disarm(&vt->vq);
	/* Armed: the wait went on to sleep (or tried to). */
	if (vt->adaptive && armed)
		adapt_spin(vt, now_ns() - wait_start);
	if (vt->batch_kicks)
		vt->refill = vt->nr_events;
	return (int)vt->nr_events;
}

struct io_u *virtio_blk_event(struct thread_data *td, int event)
{
	return vblk_of(td)->events[event];
}
