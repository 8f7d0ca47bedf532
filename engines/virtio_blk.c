// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk as fio's engine hooks: the thread's ring memory and the life
 * cycle of its virtqueue (set up, started, stopped, handed back).
 *
 * Each fio thread owns one virtqueue of a device it shares with the other
 * threads of its process (virtio_dev.c). The job checks and sizing live in
 * vblk_job.c, the requests in vblk_req.c, the waiting in vblk_wait.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "fio.h"

#include "backend.h"
#include "vblk.h"
#include "vblk_req.h"
#include "vblk_wait.h"
#include "virtio_blk.h"

int virtio_blk_setup(struct thread_data *td, const struct virtio_transport_ops *ops)
{
	struct virtio_blk_info info;
	struct fio_file *f;
	int ret;

	ret = vblk_check_process_model(td);
	if (ret)
		return ret;
	f = td->files[0];
	ret = virtio_dev_probe(f->file_name, ops, ((struct blk_options *)td->eo)->ring, &info);
	if (ret)
		return ret;
	ret = vblk_check_job(td, f->file_name, &info);
	if (ret)
		return ret;
	f->real_file_size = info.capacity;
	fio_file_set_size_known(f);
	f->filetype = FIO_TYPE_CHAR;
	return 0;
}

unsigned int vblk_virtq_flags(const struct vblk_thread *vt)
{
	return virtio_dev_virtq_flags(&vt->dev->info) |
	       (vt->dev->tinfo.packed_lap0 ? VIRTQ_F_PACKED_LAP0 : 0);
}

struct virtio_vq_config vblk_vq_config(const struct vblk_thread *vt)
{
	struct virtq_layout l;

	virtq_layout(vt->vq.num, vt->vq.packed ? VIRTQ_F_PACKED : 0, &l);
	return (struct virtio_vq_config){
		.index = vt->qidx,
		.num = vt->vq.num,
		.packed = vt->vq.packed,
		.desc = vt->ring_mem.base,
		.avail = (char *)vt->ring_mem.base + l.avail_off,
		.used = (char *)vt->ring_mem.base + l.used_off,
		.desc_addr = vt->ring_addr,
		.avail_addr = vt->ring_addr + l.avail_off,
		.used_addr = vt->ring_addr + l.used_off,
	};
}

/* The ring region: ring, then slot headers, then indirect tables. */
static int alloc_ring(struct thread_data *td, struct vblk_thread *vt, unsigned int qsize,
		      unsigned int nseg)
{
	unsigned int vq_flags = vblk_virtq_flags(vt);
	struct virtq_layout l;
	size_t shm_off, ind_off, len;
	unsigned int i;
	int ret;

	virtq_layout((uint16_t)qsize, vq_flags, &l);
	vt->max_descs = nseg + 2 < 3 ? 3 : nseg + 2;
	vt->ind_len = vt->use_indirect ? vt->max_descs : 0;
	shm_off = l.size;
	ind_off = shm_off + (size_t)qsize * sizeof(struct vblk_slot_shm);
	len = ind_off + (size_t)qsize * vt->ind_len * sizeof(struct vring_desc);

	ret = blk_iomem_alloc(&vt->ring_mem, len, "blkengine-vring");
	if (ret) {
		log_err("blkengine: %s: cannot allocate %zu bytes of shared memory for the virtqueue: %s\n",
			vblk_job_file(td), len, strerror(-ret));
		return ret;
	}
	ret = virtq_init(&vt->vq, (uint16_t)qsize, vt->ring_mem.base, vq_flags);
	if (ret)
		return ret;
	vt->shm = (struct vblk_slot_shm *)((char *)vt->ring_mem.base + shm_off);
	vt->indirect = vt->ind_len ? (struct vring_desc *)((char *)vt->ring_mem.base + ind_off) : NULL;

	ret = blk_req_pool_init(&vt->slots, qsize, sizeof(struct vblk_slot));
	if (ret)
		return ret;
	vt->segs = calloc(vt->max_descs, sizeof(*vt->segs));
	vt->events = calloc(td->o.iodepth, sizeof(*vt->events));
	vt->queued = calloc(td->o.iodepth, sizeof(*vt->queued));
	if (!vt->segs || !vt->events || !vt->queued)
		return -ENOMEM;
	for (i = 0; i < qsize; i++)
		vblk_slot_of(vt, i)->io = NULL;
	/* vblk_add_io()'s shortcut, for block sizes a mask can check. */
	if (vt->geom.block_shift) {
		vt->one_seg_len = vt->seg_len < vt->geom.max_xfer ? vt->seg_len : vt->geom.max_xfer;
		vt->block_mask = vt->geom.block - 1;
	}
	vt->plain_writes = vt->write_type == VIRTIO_BLK_T_OUT && !vt->write_flags;
	vt->fill_issue_time = fio_fill_issue_time(td);
	return 0;
}

static void free_thread(struct vblk_thread *vt)
{
	virtq_exit(&vt->vq);
	blk_iomem_free(&vt->ring_mem);
	blk_req_pool_exit(&vt->slots);
	free(vt->segs);
	free(vt->events);
	free(vt->queued);
	free(vt->rc);		/* set up but never reported: init failed */
	free(vt);
}

int virtio_blk_init(struct thread_data *td, const struct virtio_transport_ops *ops)
{
	const struct blk_options *o = td->eo;
	struct vblk_thread *vt;
	unsigned int qsize, nseg;
	int ret;

	ret = vblk_check_process_model(td);
	if (ret)
		return ret;
	vt = calloc(1, sizeof(*vt));
	if (!vt)
		return -ENOMEM;
	vt->ring_mem = (struct blk_iomem)BLK_IOMEM_INIT;
	vt->io_region.fd = -1;
	vt->call_fd = -1;
	vt->ops = ops;

	ret = virtio_dev_get(vblk_job_file(td), ops,
			     td->files_index ? vblk_queues_starting_with(td) : 0, o->ring,
			     o->reconnect && o->reconnect_inflight && o->ring != BLK_RING_PACKED,
			     &vt->dev, &vt->qidx);
	if (ret) {
		free(vt);
		return ret;
	}
	vt->has_queue = true;
	vt->watch_fd = vt->dev->tinfo.watch_fd;

	ret = vblk_check_job(td, vblk_job_file(td), &vt->dev->info);
	if (ret)
		goto put_dev;
	vblk_choose_ops(td, vt);
	ret = vblk_reconnect_init(td, vt);
	if (ret)
		goto put_dev;
	ret = vblk_size_queue(td, vt, &qsize, &nseg);
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

static struct virtio_mem_region ring_region(const struct vblk_thread *vt)
{
	return (struct virtio_mem_region){
		.base = vt->ring_mem.base, .len = vt->ring_mem.len, .fd = vt->ring_mem.fd,
	};
}

/* Registers both regions and starts the queue; under the device lock. */
static int start_queue(struct vblk_thread *vt)
{
	struct virtio_transport *t = vt->dev->t;
	struct virtio_mem_region ring = ring_region(vt);
	struct virtio_vq_config cfg;
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

	cfg = vblk_vq_config(vt);
	if (vt->poll)
		virtq_disarm(&vt->vq);
	ret = vt->ops->setup_vq(t, &cfg, &vt->call_fd);
	if (ret)
		return ret;
	/* From here on the transport may hold pointers into the ring. */
	vt->vq_attached = true;
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
		/* The region's own fd: the transport may keep it beyond the job. */
		vt->io_region.fd = dup(mem->fd);
		if (vt->io_region.fd < 0)
			return -errno;
		vt->io_region.base = mem->base;
		vt->io_region.len = mem->len;
	} else if (td_read(td) || td_write(td)) {
		log_err("blkengine: %s: fio's I/O buffers are not in shared memory; remove mem=/iomem= from the job\n",
			vblk_job_file(td));
		td_verror(td, EINVAL, "virtio-blk I/O memory");
		return -EINVAL;
	}

	virtio_dev_lock(vt->dev);
	ret = start_queue(vt);
	virtio_dev_unlock(vt->dev);
	if (ret) {
		log_err("blkengine: %s: cannot set up virtqueue %u: %s\n", vblk_job_file(td), vt->qidx,
			strerror(-ret));
		td_verror(td, -ret, "virtio-blk queue set-up");
	}
	vblk_reconnect_started(vt);
	return ret;
}

/*
 * Stops the queue and withdraws the ring and fio's buffers from the
 * device: once unmapped, their addresses may come back for another
 * thread's memory. Sets vt->mem_held when they may still be registered,
 * so they must stay mapped too.
 */
static void stop_queue(struct vblk_thread *vt)
{
	struct virtio_transport *t = vt->dev->t;
	bool gone = virtio_dev_gone(vt->dev) != VIRTIO_DEV_LIVE;
	bool withdrawn = true;

	virtio_dev_lock(vt->dev);
	/*
	 * Even the last user withdraws everything itself: another job may take
	 * the connection before this one lets go of it, and its memory may
	 * then land on addresses this job unmaps. With requests still in
	 * flight (fio gave up on them, or the queue stalled) the back-end may
	 * yet touch the memory: it stays registered, and mapped, until the
	 * disconnect.
	 */
	if (!gone && !vt->broken && !vblk_has_in_flight(vt)) {
		if (vt->vq_started)
			vt->ops->stop_vq(t, vt->qidx);
		if (vt->io_mapped && vt->ops->unmap_mem(t, &vt->io_region, vt->io_addr))
			withdrawn = false;
		if (vt->ring_mapped) {
			struct virtio_mem_region ring = ring_region(vt);

			if (vt->ops->unmap_mem(t, &ring, vt->ring_addr))
				withdrawn = false;
		}
	} else {
		withdrawn = !vt->io_mapped && !vt->ring_mapped;
	}
	/*
	 * Whatever happened above, the ring memory may go away after this,
	 * while the other queues keep the connection: the transport must hold
	 * no pointer into it.
	 */
	if (vt->vq_attached && vt->ops->forget_vq)
		vt->ops->forget_vq(t, vt->qidx);
	if (!withdrawn)
		vt->mem_held = true;
	vt->vq_attached = vt->vq_started = vt->io_mapped = vt->ring_mapped = false;
	virtio_dev_unlock(vt->dev);
}

void virtio_blk_cleanup(struct thread_data *td)
{
	struct vblk_thread *vt = vblk_of(td);

	if (!vt)
		return;
	if (vt->vq_attached || vt->vq_started || vt->io_mapped || vt->ring_mapped)
		stop_queue(vt);
	vblk_reconnect_exit(td, vt);
	if (vt->has_queue)
		virtio_dev_put(vt->dev, vt->qidx);
	if (vt->io_region.fd >= 0)
		close(vt->io_region.fd);
	if (vt->mem_held) {
		/*
		 * The device may keep both regions as long as the connection
		 * lasts, which other jobs may prolong: the memory stays mapped
		 * for the life of the process, so no other job's region can land
		 * on its addresses meanwhile.
		 */
		blk_iomem_forget(&vt->bt.mem);
		blk_iomem_forget(&vt->ring_mem);
	}
	blk_iomem_free(&vt->bt.mem);	/* fio's buffers: see blk_iomem_free_hook() */
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
	if (vt && (vt->vq_attached || vt->vq_started || vt->io_mapped || vt->ring_mapped))
		stop_queue(vt);
	free(io_u->engine_data);
	io_u->engine_data = NULL;
}

/*
 * At iodepth=1 fio waits for each I/O before it queues the next, so the
 * I/O is published, kicked and waited for here and handed back completed:
 * no commit, getevents and event round through fio. The issue time is the
 * commit's, as on the queued path. A failed I/O is handed back as queued
 * instead and comes out of the next getevents(): fio counts an error it
 * finds on an io_u queue() returns queued, and again at completion.
 */
static enum fio_q_status submit_and_wait(struct thread_data *td, struct vblk_thread *vt,
					 struct io_u *io_u)
{
	int ret;

	ret = virtio_blk_commit(td);
	if (ret) {
		td_verror(td, -ret, "io commit");
		return FIO_Q_QUEUED;
	}
	/* Fails only with nothing taken: fio's getevents() then waits again. */
	if (vblk_getevents(td, vt, 1, 1, NULL) != 1 || vt->events[0] != io_u)
		return FIO_Q_QUEUED;
	if (io_u->error) {
		vt->held_error = io_u->error;
		io_u->error = 0;
		return FIO_Q_QUEUED;
	}
	io_u_mark_complete(td, 1);
	return FIO_Q_COMPLETED;
}

enum fio_q_status virtio_blk_queue(struct thread_data *td, struct io_u *io_u)
{
	struct vblk_thread *vt = vblk_of(td);
	struct vblk_io *io = io_u->engine_data;
	enum fio_q_status ret;

	fio_ro_check(td, io_u);
	blk_io_begin(&io->track);
	/* next_flush is set as the I/O joins vt->flush_wait; fio zeroes io_u->error. */
	io->flush_after = false;
	io->lost = false;

	if (vt->broken) {
		int err = vblk_broken_errno(vt);

		blk_io_fail(&io->track, BLK_ERR_ERRNO, (uint32_t)err, err);
		io_u->error = err;
		return FIO_Q_COMPLETED;
	}
	ret = vblk_add_io(vt, io);
	if (ret != FIO_Q_QUEUED)
		return ret;
	vt->queued[vt->nr_queued++] = io_u;
	if (vt->wait_in_queue)
		return submit_and_wait(td, vt, io_u);
	return ret;
}

/* virtio_blk_commit() with requests queued since the last one. */
static __attribute__((noinline)) int commit_queued(struct thread_data *td, struct vblk_thread *vt)
{
	unsigned int i;

	if (vt->fill_issue_time) {
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
	return vblk_kick(vt);
}

/*
 * fio commits again right before each wait, with nothing queued: that call
 * returns before commit_queued()'s frame is set up.
 */
int virtio_blk_commit(struct thread_data *td)
{
	struct vblk_thread *vt = vblk_of(td);

	if (!vt->nr_queued)
		return 0;
	return commit_queued(td, vt);
}

int virtio_blk_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			 const struct timespec *t)
{
	struct vblk_thread *vt = vblk_of(td);

	if (vt->held_error) {
		/* The failed I/O submit_and_wait() took is still events[0]. */
		vt->events[0]->error = vt->held_error;
		vt->held_error = 0;
		return 1;
	}
	return vblk_getevents(td, vt, min, max, t);
}

struct io_u *virtio_blk_event(struct thread_data *td, int event)
{
	return vblk_of(td)->events[event];
}
