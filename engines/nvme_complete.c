// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme-passthru-uring: completions and the job's summaries of them (see
 * nvme_complete.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "nvme_complete.h"
#include "nvme_pi.h"
#include "nvme_status.h"

static void count_status(struct nvme_thread *nt, uint32_t status)
{
	unsigned int i;

	for (i = 0; i < STATUS_SLOTS; i++) {
		if (nt->status[i].count && nt->status[i].status == status) {
			nt->status[i].count++;
			return;
		}
		if (!nt->status[i].count) {
			nt->status[i].status = status;
			nt->status[i].count = 1;
			return;
		}
	}
	nt->status_other++;
}

/*
 * fio files every command of a mix under "write": one line says how many
 * of each were sent and how long they took, queue to completion.
 */
static void print_mix_summary(struct thread_data *td, struct nvme_thread *nt)
{
	char line[512];
	size_t off = 0;
	unsigned int m;

	for (m = 0; m < BLK_WRITE_MIX_MODES && off < sizeof(line); m++) {
		const typeof(nt->mix_stat[0]) *st = &nt->mix_stat[m];

		if (!st->count)
			continue;
		off += (size_t)snprintf(line + off, sizeof(line) - off,
					"%s%s %llu (errors %llu, avg %.1f us, max %.1f us)",
					off ? ", " : "", blk_write_mix_name(m),
					(unsigned long long)st->count, (unsigned long long)st->errors,
					st->lat_ns / 1000.0 / st->count, st->lat_max_ns / 1000.0);
	}
	if (off)
		log_info("blkengine: %s: write commands: %s\n", td->o.name, line);
}

static void print_status_summary(struct thread_data *td, struct nvme_thread *nt)
{
	char desc[192];
	unsigned int i;

	for (i = 0; i < STATUS_SLOTS && nt->status[i].count; i++) {
		blk_nvme_status_describe(nt->status[i].status, desc, sizeof(desc));
		log_info("blkengine: %s: %llu command(s) failed with %s\n", td->o.name,
			 (unsigned long long)nt->status[i].count, desc);
	}
	if (nt->status_other)
		log_info("blkengine: %s: %llu command(s) failed with other NVMe statuses\n",
			 td->o.name, (unsigned long long)nt->status_other);
}


/*
 * NVMe statuses of end-to-end protection checks (SCT 2h Media and Data
 * Integrity Errors): what a failed check of the engine's own is reported
 * as, the name a controller would have given it.
 */
#define PI_STATUS_GUARD		0x282
#define PI_STATUS_APPTAG	0x283
#define PI_STATUS_REFTAG	0x284

/*
 * fio's "io_u error" line leads with libc's text for the errno (EILSEQ:
 * "Invalid or incomplete multibyte or wide character"), which says nothing
 * of protection information: a PI error is named here first, by its NVMe
 * status, before fio prints its line.
 */
static void log_pi_error(const struct nvme_req *req, uint32_t status, const char *who)
{
	char desc[192];

	blk_nvme_status_describe(status, desc, sizeof(desc));
	log_err("blkengine: %s: %s offset=%llu, buflen=%llu: %s%s\n",
		req->io_u->file ? req->io_u->file->file_name : "?",
		io_ddir_name(req->io_u->ddir), req->io_u->offset, req->io_u->xfer_buflen,
		desc, who);
}

static void complete_cmd_error(struct nvme_thread *nt, struct nvme_req *req, int res)
{
	if (res > 0) {
		if (blk_nvme_status_errno((uint32_t)res) == EILSEQ && !req->io.error)
			log_pi_error(req, (uint32_t)res,
				     req->compare ? " (verify by Compare: the blocks differ from verify_pattern)" : "");
		count_status(nt, (uint32_t)res);
		blk_io_fail(&req->io, BLK_ERR_NVME, (uint32_t)res,
			    blk_nvme_status_errno((uint32_t)res));
	} else {
		blk_io_fail(&req->io, BLK_ERR_ERRNO, (uint32_t)-res, -res);
	}
}

static void check_read_pi(struct thread_data *td, struct nvme_req *req)
{
	struct blk_options *o = td->eo;
	const struct nvme_target *t = req->t;
	const struct blk_geom *g = &t->geom;
	struct io_u *io_u = req->io_u;
	unsigned int checks = o->pi_chk;
	uint32_t bad;

	if (t->ns.pi_type == 3)
		checks &= ~BLK_PI_CHECK_REFTAG;
	if (!checks)
		return;
	if (blk_pi_check(&t->pi, io_u->xfer_buf, req->md,
			 (uint32_t)blk_geom_blocks(g, io_u->xfer_buflen),
			 blk_geom_blocks(g, io_u->offset), (uint16_t)o->apptag,
			 (uint16_t)o->apptag_mask, checks, &bad)) {
		/* Which check: the first that fails at that block, in blk_pi_check's order. */
		static const struct { unsigned int check; uint32_t status; } order[] = {
			{ BLK_PI_CHECK_GUARD, PI_STATUS_GUARD },
			{ BLK_PI_CHECK_APPTAG, PI_STATUS_APPTAG },
			{ BLK_PI_CHECK_REFTAG, PI_STATUS_REFTAG },
		};
		uint32_t status = PI_STATUS_GUARD, one;
		unsigned int i;

		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			if (!(checks & order[i].check))
				continue;
			if (blk_pi_check(&t->pi, io_u->xfer_buf, req->md,
					 (uint32_t)blk_geom_blocks(g, io_u->xfer_buflen),
					 blk_geom_blocks(g, io_u->offset),
					 (uint16_t)o->apptag, (uint16_t)o->apptag_mask,
					 order[i].check, &one) && one == bad) {
				status = order[i].status;
				break;
			}
		}
		log_pi_error(req, status, " (the engine's check of the protection information read)");
		log_err("blkengine: %s: protection information of block %llu does not match\n",
			io_u->file->file_name,
			(unsigned long long)(blk_geom_blocks(g, io_u->offset) + bad));
		blk_io_fail(&req->io, BLK_ERR_NVME, status, EILSEQ);
	}
}

/*
 * A Zone Append completed: the drive wrote at LBA alba (the CQE's result).
 * It must lie in the zone the append named, with the whole I/O; fio then
 * learns where the data is, so verify reads it from there.
 */
static void appended_at(struct thread_data *td, struct nvme_req *req, uint64_t alba)
{
	const struct nvme_target *t = req->t;
	const struct blk_geom *g = &t->geom;
	struct io_u *io_u = req->io_u;
	uint64_t slba = blk_geom_blocks(g, io_u->offset);
	uint64_t zslba = slba - slba % t->zns.zsze;
	uint64_t nlb = blk_geom_blocks(g, io_u->xfer_buflen);
	unsigned long long at;

	if (alba < zslba || alba + nlb > zslba + t->zns.zsze) {
		log_err("blkengine: %s: Zone Append to the zone at LBA %llu completed at LBA %llu, outside that zone\n",
			io_u->file->file_name, (unsigned long long)zslba,
			(unsigned long long)alba);
		blk_io_fail(&req->io, BLK_ERR_ERRNO, EIO, EIO);
		return;
	}
	at = alba * g->block;
	if (at == io_u->offset)
		return;
	io_u->offset = at;
	if (io_u->ipo)
		io_u->ipo->offset = at;
}

struct io_u *nvme_complete_cmd(struct thread_data *td, struct nvme_thread *nt,
			       const struct io_uring_cqe *cqe)
{
	struct blk_options *o = td->eo;
	uint32_t tag = (uint32_t)cqe->user_data;
	struct nvme_req *req;
	struct io_u *io_u;
	int last;

	if (tag >= nt->pool.nr) {
		log_err("blkengine: completion for an unknown request (user_data 0x%llx) ignored\n",
			(unsigned long long)cqe->user_data);
		return NULL;
	}
	req = blk_req_ctx(&nt->pool, tag);
	/* A tag with no command out (free, or completed already) fails here. */
	last = blk_io_part_done(&req->io);
	if (last < 0) {
		/* Completing the io_u again would hand fio a stale io_u. */
		log_err("blkengine: completion for request %u with no command in flight (user_data 0x%llx, res %d) ignored\n",
			req->tag, (unsigned long long)cqe->user_data, cqe->res);
		return NULL;
	}
	if (cqe->res)
		complete_cmd_error(nt, req, cqe->res);
	else if (o->write_mode == BLK_WRITE_MODE_ZONE_APPEND && req->io_u->ddir == DDIR_WRITE)
		appended_at(td, req, cqe->big_cqe[0]);
	if (cqe->res == -EINVAL && nt->vectored && nt->fixed && !nt->vec_fixed_refused) {
		nt->vec_fixed_refused = true;
		log_err("blkengine: the kernel refused a vectored command (NVME_URING_CMD_IO_VEC) on fixed buffers; set nonvectored=1 or drop fixedbufs\n");
	}
	if (!last)
		return NULL;
	io_u = req->io_u;
	if (o->write_mode == BLK_WRITE_MODE_MIX && io_u->ddir == DDIR_WRITE &&
	    req->wmode < BLK_WRITE_MIX_MODES) {
		uint64_t lat = now_ns() - req->queued_ns;

		nt->mix_stat[req->wmode].count++;
		nt->mix_stat[req->wmode].errors += req->io.error != 0;
		nt->mix_stat[req->wmode].lat_ns += lat;
		if (lat > nt->mix_stat[req->wmode].lat_max_ns)
			nt->mix_stat[req->wmode].lat_max_ns = lat;
	}
	if (req->t->pi_host && o->pi_chk && !req->io.error && io_u->ddir == DDIR_READ)
		check_read_pi(td, req);
	io_u->error = req->io.error;
	io_u->resid = req->io.error ? io_u->xfer_buflen : 0;
	return io_u;
}

unsigned int nvme_reap_rest(struct thread_data *td, struct nvme_thread *nt, unsigned int max)
{
	struct io_uring_cq *cq = &nt->ring.cq;
	unsigned int start = *cq->khead, head = start;
	unsigned int tail = io_uring_smp_load_acquire(cq->ktail);
	struct io_u *io_u;

	for (; head != tail && nt->nr_events < max; head++) {
		/* 32-byte CQEs, as in nvme_reap_cq(). */
		io_u = nvme_complete_cmd(td, nt, &cq->cqes[(head & cq->ring_mask) << 1]);
		if (io_u)
			nt->events[nt->nr_events++] = io_u;
	}
	if (head != start)
		io_uring_smp_store_release(cq->khead, head);
	return head - start;
}

unsigned int nvme_reap(struct thread_data *td, struct nvme_thread *nt, unsigned int max)
{
	return nvme_reap_cq(td, nt, max);
}

void nvme_print_summaries(struct thread_data *td, struct nvme_thread *nt)
{
	print_mix_summary(td, nt);
	print_status_summary(td, nt);
}
