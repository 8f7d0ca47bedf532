/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk requests on the thread's virtqueue: the path every common I/O
 * takes, inline so that fio's queue hook runs it without a call (the rest
 * of vblk_req.c is behind vblk_add_other_io()). Private to the driver's
 * files, as vblk.h.
 */
#ifndef BLK_VBLK_REQ_H
#define BLK_VBLK_REQ_H

#include <endian.h>
#include <errno.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "vblk.h"

/* Device address of a byte of fio's buffers. */
static inline uint64_t io_addr_of(const struct vblk_thread *vt, const void *p)
{
	return vt->io_addr + (uint64_t)((const char *)p - (const char *)vt->io_region.base);
}

static inline uint64_t ring_addr_of(const struct vblk_thread *vt, const void *p)
{
	return vt->ring_addr + (uint64_t)((const char *)p - (const char *)vt->ring_mem.base);
}

/* Takes a free request tag for io; the caller saw blk_req_nr_free() > 0. */
static inline uint32_t slot_take(struct vblk_thread *vt, struct vblk_io *io)
{
	uint32_t tag = blk_req_take(&vt->slots);

	vblk_slot_of(vt, tag)->io = io;
	return tag;
}

static inline void slot_put(struct vblk_thread *vt, uint32_t tag)
{
	vblk_slot_of(vt, tag)->io = NULL;
	blk_req_put(&vt->slots, tag);
}

static inline void *tag_cookie(uint32_t tag)
{
	return (void *)(uintptr_t)tag;
}

/*
 * add_one_segment() on a device without indirect descriptors: the header,
 * data and status of tag's request as a chain of three on the ring (the
 * header's type, sector and the status byte are written already). The
 * head, -ENOSPC or -EINVAL, nothing added on failure.
 */
int vblk_add_one_chain(struct vblk_thread *vt, uint32_t tag, void *buf, uint32_t len,
		       bool device_writes);

/*
 * The common request, a read or write of one segment. Through an indirect
 * table it is written straight into the slot's table: no segment list is
 * built and copied. The header and status entries of a slot's table point
 * at the slot's own header and status byte, so once written they stay as
 * they are until queue_tag() reshapes the table; the device only reads the
 * table, and what it might scribble there would only mislead itself. The
 * data entry, the header fields and the status byte are written per I/O.
 * A device without indirect descriptors gets the three as a chain on the
 * ring. 0, -EBUSY or -ENOSPC (nothing added).
 */
static inline __attribute__((always_inline))
int add_one_segment(struct vblk_thread *vt, struct vblk_io *io, uint32_t type, uint64_t offset,
		    void *buf, uint32_t len)
{
	struct vblk_slot *s;
	struct vblk_slot_shm *shm;
	bool dir = type == VIRTIO_BLK_T_IN;
	uint32_t tag;
	int ret;

	if (!blk_req_nr_free(&vt->slots))
		return -EBUSY;
	tag = slot_take(vt, io);
	s = vblk_slot_of(vt, tag);
	s->op = VBLK_OP_DATA;
	s->type = type;
	s->offset = offset;
	s->buf = buf;
	s->len = len;
	shm = &vt->shm[tag];
	shm->hdr.type = htole32(type);
	shm->hdr.sector = htole64(offset >> VBLK_SECTOR_SHIFT);
	shm->status = 0xff;
	if (__builtin_expect(!vt->use_indirect, 0)) {
		ret = vblk_add_one_chain(vt, tag, buf, len, dir);
	} else {
		struct vring_desc *table = &vt->indirect[(size_t)tag * vt->ind_len];

		if (!s->one_seg_table) {
			shm->hdr.ioprio = 0;
			virtq_table_set(&vt->vq, table, 0, 3, ring_addr_of(vt, &shm->hdr),
					sizeof(shm->hdr), false);
			virtq_table_set(&vt->vq, table, 2, 3, ring_addr_of(vt, &shm->status), 1,
					true);
			s->one_seg_table = true;
		}
		virtq_table_set(&vt->vq, table, 1, 3, io_addr_of(vt, buf), len, dir);
		ret = virtq_add_table(&vt->vq, ring_addr_of(vt, table), 3, tag_cookie(tag));
	}
	if (ret < 0) {
		slot_put(vt, tag);
		return ret;
	}
	blk_io_part_sent(&io->track);
	return 0;
}

/* Fails an I/O refused before any request went out: COMPLETED, with err. */
enum fio_q_status vblk_refuse_io(struct vblk_io *io, int err);

/* vblk_add_io() for every I/O the common path does not take. */
enum fio_q_status vblk_add_other_io(struct vblk_thread *vt, struct vblk_io *io);

/* Turns one fio I/O into requests: QUEUED, BUSY (none added) or COMPLETED. */
static inline enum fio_q_status vblk_add_io(struct vblk_thread *vt, struct vblk_io *io)
{
	struct io_u *io_u = io->io_u;
	uint64_t off = io_u->offset, len = io_u->xfer_buflen;
	uint32_t type;
	int ret;

	/*
	 * The common I/O: a read or plain write of one request, whole blocks
	 * inside the device. A full ring or pool leaves nothing added;
	 * anything else, refusals included, is vblk_add_other_io()'s.
	 */
	if (len - 1 >= vt->one_seg_len || ((off | len) & vt->block_mask) ||
	    off > vt->geom.capacity || len > vt->geom.capacity - off)
		return vblk_add_other_io(vt, io);
	if (io_u->ddir == DDIR_READ) {
		type = VIRTIO_BLK_T_IN;
	} else if (io_u->ddir == DDIR_WRITE && vt->plain_writes) {
		type = VIRTIO_BLK_T_OUT;
		io->flush_after = vt->fua;
	} else {
		return vblk_add_other_io(vt, io);
	}
	ret = add_one_segment(vt, io, type, off, io_u->xfer_buf, (uint32_t)len);
	if (ret == -EBUSY || ret == -ENOSPC)
		return FIO_Q_BUSY;
	if (ret)
		return vblk_refuse_io(io, -ret);
	return FIO_Q_QUEUED;
}

/* Adds a finished I/O's io_u, with the I/O's error, to the events fio collects. */
static inline void vblk_hand_out(struct vblk_thread *vt, struct vblk_io *io)
{
	io->io_u->error = io->track.error;
	vt->events[vt->nr_events++] = io->io_u;
}

/* Hands a finished I/O to fio as vblk_hand_out(), failed first if its queue broke under it. */
void vblk_finish_io(struct vblk_thread *vt, struct vblk_io *io);

/* The last request of an I/O is back: complete it, or flush first. */
void vblk_io_done(struct vblk_thread *vt, struct vblk_io *io);

/* vblk_reap() found a used entry not in flight: the queue is broken. */
int vblk_reap_bad_entry(struct thread_data *td, struct vblk_thread *vt, int ret);

/* vblk_reap()'s end when flushes wait for room or entries for publishing. */
int vblk_reap_flushes(struct vblk_thread *vt);

/*
 * Consumes used entries until max I/Os are complete; -errno when the ring
 * broke. A read or plain write completes inline; a write with a flush to
 * follow, or an I/O of a failed queue, goes through vblk_io_done().
 */
static inline __attribute__((always_inline))
int vblk_reap(struct thread_data *td, struct vblk_thread *vt, unsigned int max)
{
	void *cookie;
	uint32_t len;
	int ret;

	while (vt->nr_events < max) {
		struct vblk_slot *s;
		struct vblk_io *io;
		uint32_t tag;
		uint8_t status;

		ret = virtq_get_used(&vt->vq, &cookie, &len);
		if (!ret)
			break;
		tag = (uint32_t)(uintptr_t)cookie;
		/* The virtqueue vouches for the head; the pool for the tag. */
		if (ret < 0 || blk_req_check(&vt->slots, tag))
			return vblk_reap_bad_entry(td, vt, ret);
		s = vblk_slot_of(vt, tag);
		io = s->io;
		status = vt->shm[tag].status;
		s->io = NULL;
		/* Checked in flight just above: the tag goes straight back. */
		blk_req_put_checked(&vt->slots, tag);
		if (status != VIRTIO_BLK_S_OK)
			blk_io_fail(&io->track, BLK_ERR_VIRTIO, status,
				    status == VIRTIO_BLK_S_UNSUPP ? EOPNOTSUPP : EIO);
		if (blk_io_part_done(&io->track) != 1)
			continue;
		if (io->flush_after || io->lost) {
			vblk_io_done(vt, io);
			continue;
		}
		vblk_hand_out(vt, io);
	}
	if (vt->flush_wait || vt->republish)
		return vblk_reap_flushes(vt);
	return 0;
}

#endif
