// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk: the job against the device. Start-up refusals that say what
 * to do, the request types the options ask for, and the request geometry
 * and ring size the largest I/O needs. Every limit the device reports is
 * bounded here before anything is sized from it.
 */
#include <errno.h>
#include <string.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "job_check.h"
#include "options.h"
#include "vblk.h"

/* Segment length when the device sets no size_max: what a descriptor holds. */
#define SEG_LEN_LIMIT		(1u << 31)

/* The largest ring the driver sets up (the split ring's limit). */
#define QUEUE_SIZE_LIMIT	32768u

int vblk_check_job(struct thread_data *td, const char *path, const struct virtio_blk_info *info)
{
	struct blk_options *o = td->eo;
	bool writes = (td_write(td) && !td->o.verify_only) || td_trim(td);

	if (writes && virtio_blk_has(info, VIRTIO_BLK_F_RO)) {
		log_err("blkengine: %s: the device is read-only (VIRTIO_BLK_F_RO, e.g. exported with writable=off) and this job writes or trims; use a read-only workload (rw=read/randread) or export the device with writable=on\n",
			path);
		return -EROFS;
	}
	if (o->write_mode == BLK_WRITE_MODE_MIX) {
		log_err("blkengine: %s: write_mode with several commands is for NVMe; virtio-blk takes write_mode=write or write_mode=zeroes\n",
			path);
		return -EINVAL;
	}
	if (o->write_mode == BLK_WRITE_MODE_UNCOR || o->write_mode == BLK_WRITE_MODE_VERIFY ||
	    o->write_mode == BLK_WRITE_MODE_ZONE_APPEND) {
		log_err("blkengine: %s: write_mode=%s is an NVMe command; virtio-blk takes write_mode=write or write_mode=zeroes\n",
			path, o->write_mode == BLK_WRITE_MODE_UNCOR ? "uncor" :
			o->write_mode == BLK_WRITE_MODE_VERIFY ? "verify" : "zone_append");
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
	return blk_job_check_alignment(td, path, info->blk_size, "device");
}

int vblk_check_process_model(struct thread_data *td)
{
	if (td->o.nr_files != 1) {
		log_err("blkengine: a virtio-blk job drives one device; this job names %u files: use one job per device\n",
			td->o.nr_files);
		return -EINVAL;
	}
	if (!td->o.use_thread && td->o.numjobs > 1) {
		log_err("blkengine: %s: numjobs=%u with processes (thread=0) would open one connection per process, but the device serves one client at a time; add thread=1 so the jobs share one connection, one virtqueue each\n",
			vblk_job_file(td), td->o.numjobs);
		return -EINVAL;
	}
	return 0;
}

static unsigned int round_up_pow2(uint64_t v)
{
	unsigned int p = 1;

	while (p < v && p < QUEUE_SIZE_LIMIT)
		p <<= 1;
	return p;
}

/*
 * Segments one request may carry: what the device allows (seg_max), and
 * never a chain longer than the ring (virtio 1.x 2.7.5.3.1: not even
 * through an indirect table), which also bounds the driver's own tables
 * whatever seg_max says.
 */
static unsigned int max_segments(const struct virtio_blk_info *info)
{
	unsigned int segs = info->max_queue_size - 2;

	if (info->seg_max && info->seg_max < segs)
		segs = info->seg_max;
	return segs;
}

/* Ring entries the largest I/O takes, and the requests it is split into. */
static int size_requests(struct thread_data *td, struct vblk_thread *vt, unsigned int *nseg,
			 uint64_t *per_io)
{
	const struct virtio_blk_info *info = &vt->dev->info;
	struct blk_options *o = td->eo;
	const char *path = vblk_job_file(td);
	unsigned long long bs = blk_job_max_data_bs(td), trim_bs = td->o.max_bs[DDIR_TRIM];
	uint64_t segs, req_bytes, reqs, descs;
	uint32_t max_xfer;
	int ret;

	vt->seg_len = info->size_max ? info->size_max : SEG_LEN_LIMIT;
	segs = blk_split_count(bs, vt->seg_len);
	if (!segs)
		segs = 1;
	if (segs > max_segments(info))
		segs = max_segments(info);
	req_bytes = segs * vt->seg_len;
	max_xfer = blk_geom_max_xfer(&req_bytes, 1, info->blk_size, info->blk_size);
	if (!max_xfer) {
		log_err("blkengine: %s: the device takes at most %llu segments of %u bytes a request (seg_max, size_max), less than one %u-byte block; it cannot serve I/O\n",
			path, (unsigned long long)segs, vt->seg_len, info->blk_size);
		return -EINVAL;
	}
	ret = blk_geom_init(&vt->geom, info->blk_size, info->capacity / info->blk_size, max_xfer);
	if (ret) {
		log_err("blkengine: %s: the device's capacity (%llu bytes) is not usable with %u-byte blocks\n",
			path, (unsigned long long)info->capacity, info->blk_size);
		return ret;
	}
	/* The segments the largest request really needs. */
	*nseg = (unsigned int)blk_split_count(max_xfer, vt->seg_len);

	reqs = bs ? blk_split_count(bs, max_xfer) : 1;
	descs = vt->use_indirect ? 1 : *nseg + 2;
	*per_io = reqs * descs;
	if (td_trim(td) || vt->write_type == VIRTIO_BLK_T_WRITE_ZEROES) {
		unsigned long long rbs = trim_bs > bs ? trim_bs : bs;
		uint64_t rreqs = rbs ? blk_split_count(rbs, vt->range_bytes) : 1;
		uint64_t rdescs = vt->use_indirect ? 1 : 3;

		if (rreqs > reqs)
			reqs = rreqs;
		if (rreqs * rdescs > *per_io)
			*per_io = rreqs * rdescs;
	}
	if (reqs > 1 && o->oversize == BLK_OVERSIZE_REFUSE) {
		log_err("blkengine: %s: an I/O of %llu bytes is larger than one virtio-blk request may be (%u bytes: seg_max %u x size_max %u); lower bs or set blk_oversize=split\n",
			path, bs > trim_bs ? bs : trim_bs, max_xfer, info->seg_max, info->size_max);
		return -EINVAL;
	}
	return 0;
}

int vblk_size_queue(struct thread_data *td, struct vblk_thread *vt, unsigned int *qsize,
		    unsigned int *nseg)
{
	const struct virtio_blk_info *info = &vt->dev->info;
	struct blk_options *o = td->eo;
	const char *path = vblk_job_file(td);
	unsigned int maxq;
	uint64_t per_io, need;
	int ret;

	ret = size_requests(td, vt, nseg, &per_io);
	if (ret)
		return ret;
	maxq = info->max_queue_size > QUEUE_SIZE_LIMIT ? QUEUE_SIZE_LIMIT : info->max_queue_size;
	/* 64 bits: iodepth times a large split cannot wrap into a small ring. */
	need = (uint64_t)td->o.iodepth * per_io;
	if (o->queue_size) {
		if ((o->queue_size & (o->queue_size - 1)) || o->queue_size > maxq) {
			log_err("blkengine: %s: blk_queue_size=%u: the ring size must be a power of two up to %u\n",
				path, o->queue_size, maxq);
			return -EINVAL;
		}
		if (o->queue_size < need) {
			log_err("blkengine: %s: blk_queue_size=%u is too small for iodepth=%u: each I/O takes up to %llu ring entr%s, so %llu are needed; raise blk_queue_size or lower iodepth\n",
				path, o->queue_size, td->o.iodepth, (unsigned long long)per_io,
				per_io == 1 ? "y" : "ies", (unsigned long long)need);
			return -EINVAL;
		}
		*qsize = o->queue_size;
		return 0;
	}
	if (per_io > maxq) {
		log_err("blkengine: %s: one I/O takes %llu ring entries, more than the %u the device allows; lower bs\n",
			path, (unsigned long long)per_io, maxq);
		return -EINVAL;
	}
	*qsize = round_up_pow2(need < 2 ? 2 : need);
	if (*qsize > maxq)
		*qsize = maxq;
	if (need > *qsize)
		log_info("blkengine: %s: iodepth=%u needs %llu ring entries but the device takes at most %u; at most %llu I/Os will be in flight\n",
			 path, td->o.iodepth, (unsigned long long)need, maxq,
			 (unsigned long long)(maxq / per_io));
	return 0;
}

void vblk_choose_ops(struct thread_data *td, struct vblk_thread *vt)
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
	vt->batch_kicks = td->o.iodepth >= 2 && blk_job_unpaced(td);
	vt->wait_in_queue = td->o.iodepth == 1;
	vt->stall_ns = (int64_t)o->stall_timeout * 1000000000LL;

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
	vt->range_bytes <<= VBLK_SECTOR_SHIFT;
	vt->range_bytes &= ~(uint64_t)(info->blk_size - 1);
	if (!vt->range_bytes)
		vt->range_bytes = info->blk_size;
}

unsigned int vblk_queues_starting_with(struct thread_data *td)
{
	const char *path = td->files[0]->file_name;
	unsigned int i, n = 0;

	/* Other processes cannot share the device: it takes one user at a time. */
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
