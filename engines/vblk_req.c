// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk requests on the thread's virtqueue.
 *
 * A request is a header, the data segments and a status byte; headers,
 * status bytes, discard ranges and indirect tables live in the thread's
 * ring region, the data stays in fio's own buffers (shared memory too):
 * nothing is copied. Requests are tags of the common request pool; the tag
 * indexes the request's header and indirect table.
 *
 * One fio I/O may need several requests (larger than seg_max x size_max,
 * or than a discard may cover); it completes when the last one does, with
 * the first error any of them saw (common/io_track.h). A write with
 * writefua is followed by a flush once its data is written, since
 * virtio-blk has no FUA and does not order requests; the write completes
 * only after its flush.
 */
#include <endian.h>
#include <errno.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "vblk.h"
#include "vblk_req.h"

int vblk_add_one_chain(struct vblk_thread *vt, uint32_t tag, void *buf, uint32_t len,
		       bool device_writes)
{
	struct vblk_slot_shm *shm = &vt->shm[tag];
	const struct virtq_seg segs[3] = {
		{ ring_addr_of(vt, &shm->hdr), sizeof(shm->hdr), false },
		{ io_addr_of(vt, buf), len, device_writes },
		{ ring_addr_of(vt, &shm->status), 1, true },
	};

	shm->hdr.ioprio = 0;
	return virtq_add_chain(&vt->vq, segs, 3, tag_cookie(tag));
}

/*
 * Puts the request of tag, as its slot records it, on the ring: header,
 * then either data or the range descriptor, then the status byte.
 * 0 or -errno, nothing added.
 */
static int queue_tag(struct vblk_thread *vt, uint32_t tag)
{
	struct vblk_slot *s = vblk_slot_of(vt, tag);
	struct vblk_slot_shm *shm = &vt->shm[tag];
	struct virtq_seg *segs = vt->segs;
	enum vblk_op op = (enum vblk_op)s->op;
	uint64_t len = s->len;
	unsigned int n = 0;
	int ret;

	shm->hdr.type = htole32(s->type);
	shm->hdr.ioprio = 0;
	shm->hdr.sector = htole64(op == VBLK_OP_FLUSH ? 0 : s->offset >> VBLK_SECTOR_SHIFT);
	/* A device that never writes the status is caught, not trusted. */
	shm->status = 0xff;
	segs[n++] = (struct virtq_seg){ ring_addr_of(vt, &shm->hdr), sizeof(shm->hdr), false };

	if (op == VBLK_OP_DATA) {
		bool in = s->type == VIRTIO_BLK_T_IN;
		uint64_t addr = io_addr_of(vt, s->buf);

		while (len) {
			uint32_t l = len > vt->seg_len ? vt->seg_len : (uint32_t)len;

			segs[n++] = (struct virtq_seg){ addr, l, in };
			addr += l;
			len -= l;
		}
	} else if (op == VBLK_OP_RANGE) {
		shm->range.sector = htole64(s->offset >> VBLK_SECTOR_SHIFT);
		shm->range.num_sectors = htole32((uint32_t)(len >> VBLK_SECTOR_SHIFT));
		shm->range.flags = htole32(s->flags);
		segs[n++] = (struct virtq_seg){ ring_addr_of(vt, &shm->range), sizeof(shm->range), false };
	}
	segs[n++] = (struct virtq_seg){ ring_addr_of(vt, &shm->status), 1, true };

	/* The table takes another shape (or goes unused): add_one_segment() rewrites it. */
	s->one_seg_table = false;
	if (vt->use_indirect) {
		struct vring_desc *table = &vt->indirect[(size_t)tag * vt->ind_len];

		ret = virtq_add_indirect(&vt->vq, table, ring_addr_of(vt, table), segs, n,
					 tag_cookie(tag));
	} else {
		ret = virtq_add_chain(&vt->vq, segs, n, tag_cookie(tag));
	}
	return ret < 0 ? ret : 0;
}

/* Adds one request (queue_tag()) under a new tag. 0 or -errno, nothing added. */
static int add_request(struct vblk_thread *vt, struct vblk_io *io, enum vblk_op op,
		       uint32_t type, uint64_t offset, void *buf, uint64_t len, uint32_t flags)
{
	struct vblk_slot *s;
	uint32_t tag;
	int ret;

	if (op == VBLK_OP_DATA && len && len <= vt->seg_len)
		return add_one_segment(vt, io, type, offset, buf, (uint32_t)len);
	/* The segment list is sized for the largest request (vblk_size_queue). */
	if (op == VBLK_OP_DATA && blk_split_count(len, vt->seg_len) + 2 > vt->max_descs)
		return -E2BIG;
	if (!blk_req_nr_free(&vt->slots))
		return -EBUSY;
	tag = slot_take(vt, io);
	s = vblk_slot_of(vt, tag);
	s->op = (uint8_t)op;
	s->type = type;
	s->offset = offset;
	s->buf = buf;
	s->len = len;
	s->flags = flags;
	ret = queue_tag(vt, tag);
	if (ret < 0) {
		slot_put(vt, tag);
		return ret;
	}
	blk_io_part_sent(&io->track);
	return 0;
}

int vblk_requeue_in_flight(struct vblk_thread *vt)
{
	uint32_t tag;
	int n = 0, ret;

	for (tag = 0; tag < vt->slots.nr; tag++) {
		if (blk_req_check(&vt->slots, tag))
			continue;
		ret = queue_tag(vt, tag);
		if (ret)
			return ret;
		n++;
	}
	return n;
}

/* Ring entries the next `reqs` requests of `segs` data segments each take. */
static inline uint64_t descs_for(const struct vblk_thread *vt, uint64_t reqs, uint64_t segs)
{
	return vt->use_indirect ? reqs : reqs * (segs + 2);
}

static inline bool fits(const struct vblk_thread *vt, uint64_t reqs, uint64_t descs)
{
	return vt->slots.nr - blk_req_in_flight(&vt->slots) >= reqs &&
	       virtq_num_free(&vt->vq) >= descs;
}

enum fio_q_status vblk_refuse_io(struct vblk_io *io, int err)
{
	blk_io_fail(&io->track, BLK_ERR_ERRNO, (uint32_t)err, err);
	io->io_u->error = err;
	return FIO_Q_COMPLETED;
}

enum fio_q_status vblk_add_other_io(struct vblk_thread *vt, struct vblk_io *io)
{
	struct io_u *io_u = io->io_u;
	uint64_t off = io_u->offset, len = io_u->xfer_buflen, chunk, step;
	char *buf = io_u->xfer_buf;
	uint32_t type, flags = 0;
	enum vblk_op op;
	uint64_t reqs, descs;
	int ret;

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
		return vblk_refuse_io(io, EOPNOTSUPP);
	}
	/* Whole blocks inside the device: anything else would be cut short. */
	if (op != VBLK_OP_FLUSH && !blk_geom_io_ok(&vt->geom, off, len))
		return vblk_refuse_io(io, EINVAL);

	if (op == VBLK_OP_DATA && len <= vt->seg_len && len <= vt->geom.max_xfer) {
		/* The common case, without the divisions below. */
		step = vt->geom.max_xfer;
		reqs = 1;
		descs = descs_for(vt, 1, 1);
	} else if (op == VBLK_OP_DATA) {
		step = vt->geom.max_xfer;
		reqs = blk_split_count(len, step);
		chunk = len < step ? len : step;
		descs = reqs == 1 ? descs_for(vt, 1, blk_split_count(chunk, vt->seg_len)) :
				    descs_for(vt, reqs, blk_split_count(step, vt->seg_len));
	} else if (op == VBLK_OP_RANGE) {
		step = vt->range_bytes;
		reqs = blk_split_count(len, step);
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
		ret = add_request(vt, io, op, type, off, buf, chunk, flags);
		if (ret) {
			/*
			 * Room was checked for all of them, so this is a bug;
			 * the I/O fails rather than completing short. What
			 * went out already completes as part of it.
			 */
			io->flush_after = false;
			if (!io->track.pending)
				return vblk_refuse_io(io, -ret);
			blk_io_fail(&io->track, BLK_ERR_ERRNO, (uint32_t)-ret, -ret);
			break;
		}
		off += chunk;
		buf += chunk;
		len -= chunk;
	} while (len);
	return FIO_Q_QUEUED;
}

int vblk_broken_errno(const struct vblk_thread *vt)
{
	switch (vt->broken) {
	case VBLK_STALLED:
		return ETIMEDOUT;
	case VBLK_PROTOCOL:
		return EPROTO;
	default:
		return ECONNRESET;
	}
}

void vblk_finish_io(struct vblk_thread *vt, struct vblk_io *io)
{
	if (io->lost) {
		int err = vblk_broken_errno(vt);

		blk_io_fail(&io->track, BLK_ERR_ERRNO, (uint32_t)err, err);
	}
	vblk_hand_out(vt, io);
}

/* Sends the flush of a writefua write, or keeps it waiting for room. */
static void send_flush(struct vblk_thread *vt, struct vblk_io *io)
{
	int ret;

	if (!fits(vt, 1, descs_for(vt, 1, 0))) {
		io->next_flush = vt->flush_wait;
		vt->flush_wait = io;
		return;
	}
	ret = add_request(vt, io, VBLK_OP_FLUSH, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, 0);
	if (ret) {
		/* The write's data is not known to be durable: say so. */
		blk_io_fail(&io->track, BLK_ERR_ERRNO, (uint32_t)-ret, -ret);
		vblk_finish_io(vt, io);
		return;
	}
	vt->republish = true;
}

/* Flushes that waited for room, as far as there is room now. */
static void send_waiting_flushes(struct vblk_thread *vt)
{
	while (vt->flush_wait && fits(vt, 1, descs_for(vt, 1, 0))) {
		struct vblk_io *io = vt->flush_wait;

		vt->flush_wait = io->next_flush;
		io->next_flush = NULL;
		send_flush(vt, io);
	}
}

void vblk_io_done(struct vblk_thread *vt, struct vblk_io *io)
{
	if (io->flush_after && !io->track.error && !io->lost) {
		io->flush_after = false;
		send_flush(vt, io);
		return;
	}
	vblk_finish_io(vt, io);
}

void vblk_fail_in_flight(struct vblk_thread *vt, unsigned int max)
{
	uint32_t tag;

	while (vt->flush_wait && vt->nr_events < max) {
		struct vblk_io *io = vt->flush_wait;

		vt->flush_wait = io->next_flush;
		io->lost = true;
		vblk_finish_io(vt, io);
	}
	for (tag = 0; tag < vt->slots.nr && vt->nr_events < max; tag++) {
		struct vblk_slot *s;
		struct vblk_io *io;

		if (blk_req_check(&vt->slots, tag))
			continue;
		s = vblk_slot_of(vt, tag);
		io = s->io;
		slot_put(vt, tag);
		io->lost = true;
		io->flush_after = false;
		if (blk_io_part_done(&io->track) == 1)
			vblk_finish_io(vt, io);
	}
}

int vblk_reap_bad_entry(struct thread_data *td, struct vblk_thread *vt, int ret)
{
	vblk_mark_broken(td, vt, VBLK_PROTOCOL,
			 "the device returned a used ring entry that is not in flight (protocol violation)");
	return ret < 0 ? ret : -EPROTO;
}

int vblk_reap_flushes(struct vblk_thread *vt)
{
	send_waiting_flushes(vt);
	if (vt->republish) {
		vt->republish = false;
		return vblk_publish(vt);
	}
	return 0;
}
