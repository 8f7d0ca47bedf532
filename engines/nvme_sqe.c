// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme-passthru-uring: building the NVMe commands of an io_u in its SQE
 * slots (see nvme_sqe.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "nvme_cmd.h"
#include "nvme_pi.h"
#include "nvme_placement.h"
#include "nvme_sqe.h"

/* build_rw's mode for a verify read sent as Compare (no write mode has it). */
#define BLK_WRITE_MODE_COMPARE_READ	0x100

/*
 * force_async, and the I/O priority fio's cmdprio code picks for some
 * reads and writes (cmdprio_percentage, cmdprio_bssplit), which goes in
 * the SQE's ioprio as in fio's io_uring engines.
 */
int nvme_sqe_extras_init(struct thread_data *td, struct nvme_thread *nt)
{
	struct blk_options *o = td->eo;
	unsigned int d;

	nt->async_every = o->force_async;
	/* Never zero (xorshift's fixed point); the same seed, the same mix. */
	nt->mix_rand = (td->o.rand_seed ^ ((uint64_t)td->thread_number << 32)) | 1;
	if (o->nowait)
		log_info("blkengine: %s: nowait=1 has no effect on passthrough commands: the kernel issues them without blocking already (see the README)\n",
			 td->o.name);
#ifdef FIO_HAVE_IOPRIO_CLASS
	for (d = 0; d < CMDPRIO_RWDIR_CNT; d++) {
		nt->cmdprio_opts.percentage[d] = o->cmdprio_percentage[d];
		nt->cmdprio_opts.class[d] = o->cmdprio_class[d];
		nt->cmdprio_opts.level[d] = o->cmdprio_level[d];
#ifdef IOPRIO_MAX_PRIO_HINT
		nt->cmdprio_opts.hint[d] = o->cmdprio_hint[d];
#endif
	}
	nt->cmdprio_opts.bssplit_str = o->cmdprio_bssplit;
	if (fio_cmdprio_init(td, &nt->cmdprio, &nt->cmdprio_opts)) {
		log_err("blkengine: %s: cmdprio_percentage/cmdprio_bssplit: see the message above\n",
			td->o.name);
		return -EINVAL;
	}
	nt->cmdprio_ready = true;
#ifndef IOPRIO_MAX_PRIO_HINT
	/*
	 * This fio's cmdprio has no hints: the hint goes into the priority
	 * cmdprio_percentage gives, and into the one its latency lines show.
	 */
	if (nt->cmdprio.mode == CMDPRIO_MODE_PERC) {
		for (d = 0; d < CMDPRIO_RWDIR_CNT; d++) {
			struct cmdprio_prio *p = &nt->cmdprio.perc_entry[d];
			uint32_t hint = (uint32_t)o->cmdprio_hint[d] << 3;

			if (!p->perc || !hint)
				continue;
			p->prio |= (int32_t)hint;
			if (td->ts.clat_prio[d] && p->clat_prio_index < td->ts.nr_clat_prio[d])
				td->ts.clat_prio[d][p->clat_prio_index].ioprio |= hint;
		}
	} else if (nt->cmdprio.mode == CMDPRIO_MODE_BSSPLIT &&
		   (o->cmdprio_hint[0] || o->cmdprio_hint[1])) {
		log_err("blkengine: %s: cmdprio_hint with cmdprio_bssplit needs fio 3.39 or later (this fio's bssplit entries carry no hint); use cmdprio_percentage\n",
			td->o.name);
		return -EINVAL;
	}
#endif
	nt->sqe_extras = nt->async_every || nt->cmdprio.mode != CMDPRIO_MODE_NONE;
#else
	(void)d;
	nt->sqe_extras = nt->async_every;
#endif
	return 0;
}

struct nvme_uring_cmd *nvme_sqe_start(struct nvme_thread *nt, struct io_uring_sqe *sqe,
				      const struct nvme_target *t, uint64_t user_data)
{
	/*
	 * liburing hands out SQEs as the kernel left them. Only the header is
	 * cleared here: every command builder clears the command area.
	 */
	memset(sqe, 0, offsetof(struct io_uring_sqe, cmd));
	sqe->opcode = IORING_OP_URING_CMD;
	if (t->reg_index >= 0) {
		sqe->fd = t->reg_index;
		sqe->flags = IOSQE_FIXED_FILE;
	} else {
		sqe->fd = t->fd;
	}
	sqe->cmd_op = NVME_URING_CMD_IO;
	sqe->user_data = user_data;
	return (struct nvme_uring_cmd *)sqe->cmd;
}

/*
 * Points sqe at the registered piece of req's buffer that holds len bytes
 * at addr, when one does; leaves it unregistered otherwise.
 */
static void sqe_fixed_piece(const struct nvme_thread *nt, struct io_uring_sqe *sqe,
			    const struct nvme_req *req, uintptr_t addr, uint32_t len)
{
	uintptr_t buf = (uintptr_t)req->io_u->buf;
	uint64_t piece;

	if (addr >= buf && fixed_piece_of(nt, addr - buf, len, &piece)) {
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = (uint16_t)(req->tag * nt->fixed_per_io + piece);
	}
}

/* Fixed buffer and vectored forms of a data command. */
void nvme_sqe_data(struct nvme_thread *nt, struct io_uring_sqe *sqe, struct nvme_uring_cmd *cmd,
		   struct iovec *iov, const struct nvme_req *req)
{
	uintptr_t addr = (uintptr_t)cmd->addr;

	if (nt->fixed && req)
		sqe_fixed_piece(nt, sqe, req, addr, cmd->data_len);
	if (nt->vectored) {
		iov->iov_base = (void *)addr;
		iov->iov_len = cmd->data_len;
		cmd->addr = (uintptr_t)iov;
		cmd->data_len = 1;
		sqe->cmd_op = NVME_URING_CMD_IO_VEC;
	}
}

void nvme_fill_pi(const struct nvme_target *t, const struct blk_options *o,
		  struct blk_nvme_rw *rw)
{
	if (!t->ns.pi_type)
		return;
	rw->prinfo = t->prinfo;
	/* Types 1 and 2: the LBA's low bits, as wide as the format's tag. */
	rw->reftag = t->pi.guard64 ? rw->slba & ((1ull << 48) - 1) : (uint32_t)rw->slba;
	rw->apptag = (uint16_t)o->apptag;
	rw->apptag_mask = (uint16_t)o->apptag_mask;
}

static int build_rw(struct thread_data *td, const struct nvme_target *t,
		    struct nvme_uring_cmd *cmd, enum fio_ddir ddir,
		    struct blk_nvme_rw *rw, unsigned int wmode)
{
	struct blk_options *o = td->eo;

	nvme_fill_pi(t, o, rw);
	if (ddir == DDIR_READ) {
		if (o->readfua)
			rw->flags |= BLK_NVME_RW_FUA;
		if (wmode == BLK_WRITE_MODE_COMPARE_READ)
			return blk_nvme_cmd_compare(cmd, rw);
		return blk_nvme_cmd_read(cmd, rw);
	}
	if (o->writefua)
		rw->flags |= BLK_NVME_RW_FUA;
	switch (wmode) {
	case BLK_WRITE_MODE_ZEROES:
		if (o->deac)
			rw->flags |= BLK_NVME_RW_DEAC;
		return blk_nvme_cmd_write_zeroes(cmd, rw);
	case BLK_WRITE_MODE_UNCOR:
		return blk_nvme_cmd_write_uncor(cmd, rw->nsid, rw->slba, rw->nlb);
	case BLK_WRITE_MODE_VERIFY:
		return blk_nvme_cmd_verify(cmd, rw);
	case BLK_WRITE_MODE_ZONE_APPEND: {
		/* A write's fields, addressed to the zone: the drive picks the LBA. */
		uint64_t zslba = rw->slba - rw->slba % t->zns.zsze;
		int ret = blk_nvme_cmd_write(cmd, rw);

		if (ret)
			return ret;
		cmd->opcode = BLK_NVME_ZNS_OP_APPEND;
		cmd->cdw10 = (uint32_t)zslba;
		cmd->cdw11 = (uint32_t)(zslba >> 32);
		return 0;
	}
	default:
		return blk_nvme_cmd_write(cmd, rw);
	}
}

/*
 * The builder makes one read and one write command per target; each I/O
 * then changes only its address, length, LBA and block count.
 */
/*
 * A prepared slot holds the read template; a write rewrites its opcode and
 * CDW12 alone (nvme_fill_rw_cmd()), which is right only when the two
 * templates differ nowhere else.
 */
static bool differ_in_opcode_and_cdw12_only(const struct nvme_uring_cmd *read,
					    const struct nvme_uring_cmd *write)
{
	struct nvme_uring_cmd as_read = *write;

	as_read.opcode = read->opcode;
	as_read.cdw12 = read->cdw12;
	return !memcmp(&as_read, read, sizeof(as_read));
}

void nvme_prepare_fast_rw(struct thread_data *td, struct nvme_target *t)
{
	struct blk_options *o = td->eo;
	/* build_rw adds flags to what it is given: one each. */
	struct blk_nvme_rw read = { .nsid = t->ns.nsid, .nlb = 1, .len = t->geom.block };
	struct blk_nvme_rw write = read;
	int d;

	t->fast_rw = !t->ns.pi_type && !t->md_per_block && !t->place.dtype &&
		     o->write_mode == BLK_WRITE_MODE_WRITE &&
		     !build_rw(td, t, &t->rw_template[DDIR_READ], DDIR_READ, &read, o->write_mode) &&
		     !build_rw(td, t, &t->rw_template[DDIR_WRITE], DDIR_WRITE, &write, o->write_mode) &&
		     differ_in_opcode_and_cdw12_only(&t->rw_template[DDIR_READ],
						     &t->rw_template[DDIR_WRITE]);
	for (d = DDIR_READ; d <= DDIR_WRITE; d++) {
		t->rw_opcode[d] = t->rw_template[d].opcode;
		t->rw_cdw12[d] = t->rw_template[d].cdw12;
	}
	t->nr_blocks = t->geom.capacity / t->geom.block;
	t->fast_nlb_max = t->geom.max_xfer / t->geom.block;
	if (t->fast_nlb_max > t->nr_blocks)
		t->fast_nlb_max = t->nr_blocks;
}

/*
 * Makes the first SQE slot of req a read/write of target t: everything
 * that stays the same from one such I/O to the next. nvme_fill_fast_rw() then
 * writes the rest.
 */
static void nvme_prep_fast_slot(struct nvme_thread *nt, struct nvme_req *req,
				const struct nvme_target *t, struct io_uring_sqe *sqe)
{
	struct nvme_uring_cmd *cmd = nvme_sqe_start(nt, sqe, t, req->tag);

	*cmd = t->rw_template[DDIR_READ];
	if (nt->vectored) {
		cmd->addr = (uintptr_t)&req->iov[0];
		cmd->data_len = 1;
		sqe->cmd_op = NVME_URING_CMD_IO_VEC;
	}
	if (nt->fixed) {
		/* See nvme_fixed_as_prepared(). */
		sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
		sqe->buf_index = (uint16_t)(req->tag * nt->fixed_per_io);
	}
	req->sqe0 = sqe;
	req->prep_t = t;
}

bool nvme_queue_fast_rw(struct nvme_thread *nt, struct nvme_req *req, struct io_u *io_u,
			const struct nvme_target *t)
{
	uint64_t len = io_u->xfer_buflen, slba, nlb;
	struct io_uring_sqe *sqe = slot_sqe(nt, req->slot0);

	if (!blk_nvme_lba_range(&t->lba, io_u->offset, len, t->fast_nlb_max, t->nr_blocks,
				&slba, &nlb))
		return false;
	if (req->prep_t != t)
		nvme_prep_fast_slot(nt, req, t, sqe);
	queue_slot(nt, req->slot0);
	nvme_fill_rw_cmd(nt, req, io_u, t, sqe, slba, nlb, len);
	if (nt->fixed && !nvme_fixed_as_prepared(nt, io_u, len)) {
		/* Another piece or none: the slot is prepared again for the next I/O. */
		req->prep_t = NULL;
		sqe->uring_cmd_flags = 0;
		sqe_fixed_piece(nt, sqe, req, (uintptr_t)io_u->xfer_buf, (uint32_t)len);
	}
	nt->sqes_pending++;
	return true;
}

/* Queues the commands of a read or write, max_xfer bytes each. */
int nvme_queue_rw(struct thread_data *td, struct nvme_thread *nt, struct nvme_req *req,
		  uint32_t tag)
{
	struct blk_options *o = td->eo;
	struct io_u *io_u = req->io_u;
	const struct nvme_target *t = req->t;
	const struct blk_geom *g = &t->geom;
	/* Zone Append carries data as a write does; the other write commands none. */
	bool data = io_u->ddir == DDIR_READ || req->wmode == BLK_WRITE_MODE_WRITE ||
		    req->wmode == BLK_WRITE_MODE_ZONE_APPEND;
	uint64_t slba = blk_geom_blocks(g, io_u->offset);
	uint64_t done = 0, len = io_u->xfer_buflen;
	struct blk_nvme_rw place = { 0 };
	unsigned int chunk = 0;
	int ret;

	if (!blk_geom_io_ok(g, io_u->offset, len))
		return -EINVAL;
	/* The slots of this io_u now hold other commands. */
	req->prep_t = NULL;
	/* One placement per write: each command of a split one goes to the same place. */
	if (io_u->ddir == DDIR_WRITE && req->wmode == BLK_WRITE_MODE_WRITE && t->place.dtype)
		nvme_placement_tag(&req->t->place, io_u, &place);
	if (io_u->ddir == DDIR_WRITE && data && t->pi_host)
		blk_pi_generate(&t->pi, io_u->xfer_buf, req->md, (uint32_t)blk_geom_blocks(g, len),
				slba, (uint16_t)o->apptag);
	for (; done < len; chunk++) {
		uint32_t n = (uint32_t)blk_split_len(len, g->max_xfer, chunk);
		uint64_t first = blk_geom_blocks(g, done);
		struct blk_nvme_rw rw = {
			.nsid = t->ns.nsid,
			.slba = slba + first,
			.nlb = (uint32_t)blk_geom_blocks(g, n),
			.dtype = place.dtype,
			.dspec = place.dspec,
		};
		struct io_uring_sqe *sqe;
		struct nvme_uring_cmd *cmd;

		/* nvme_queue() checked the I/O fits the io_u's slots and the ring. */
		sqe = take_slot(nt, slot_of(nt, tag, chunk));
		if (data) {
			rw.buf = (char *)io_u->xfer_buf + done;
			rw.len = n;
		}

		if (t->md_per_block && req->md) {
			rw.md = req->md + first * t->md_per_block;
			rw.md_len = rw.nlb * t->md_per_block;
		}
		cmd = nvme_sqe_start(nt, sqe, t, (uint64_t)chunk << 32 | tag);
		ret = build_rw(td, t, cmd, io_u->ddir, &rw,
			       req->compare ? BLK_WRITE_MODE_COMPARE_READ : req->wmode);
		if (ret) {
			/* The SQE is taken: make it a no-op the kernel completes. */
			io_uring_prep_nop(sqe);
			sqe->user_data = (uint64_t)chunk << 32 | tag;
			nt->sqes_pending++;
			blk_io_part_sent(&req->io);
			return ret;
		}
		if (data)
			nvme_sqe_data(nt, sqe, cmd, &req->iov[chunk], req);
		nt->sqes_pending++;
		blk_io_part_sent(&req->io);
		done += n;
	}
	return 0;
}

/* One DSM range per trim, or the ranges fio gathered into the io_u. */
static int fill_trim_ranges(struct nvme_thread *nt, struct nvme_req *req, unsigned int *nr)
{
	const struct nvme_target *t = req->t;
	struct io_u *io_u = req->io_u;
	unsigned long long start = io_u->offset, len = io_u->xfer_buflen;
	unsigned int i = 0, n = 1;
	int ret;

#ifdef BLK_FIO_HAS_NUM_RANGE
	const struct trim_range *tr = io_u->xfer_buf;

	if (nt->nr_ranges > 1) {
		n = io_u->number_trim;
		if (!n || n > nt->nr_ranges)
			return -EINVAL;
	}
#endif
	for (i = 0; i < n; i++) {
#ifdef BLK_FIO_HAS_NUM_RANGE
		if (nt->nr_ranges > 1) {
			start = tr[i].start;
			len = tr[i].len;
		}
#endif
		if (!blk_geom_io_ok(&t->geom, start, len) ||
		    blk_geom_blocks(&t->geom, len) > UINT32_MAX)
			return -EINVAL;
		ret = blk_nvme_dsm_range(&req->ranges[i], blk_geom_blocks(&t->geom, start),
					 (uint32_t)blk_geom_blocks(&t->geom, len), 0);
		if (ret)
			return ret;
	}
	*nr = n;
	return 0;
}

int nvme_queue_one(struct thread_data *td, struct nvme_thread *nt, struct nvme_req *req,
		   uint32_t tag)
{
	struct io_u *io_u = req->io_u;
	const struct nvme_target *t = req->t;
	struct io_uring_sqe *sqe;
	struct nvme_uring_cmd *cmd;
	unsigned int nr;
	int ret;

	req->prep_t = NULL;
	sqe = take_slot(nt, slot_of(nt, tag, 0));
	cmd = nvme_sqe_start(nt, sqe, t, tag);
	if (io_u->ddir == DDIR_TRIM) {
		ret = fill_trim_ranges(nt, req, &nr);
		if (!ret)
			ret = blk_nvme_cmd_dsm(cmd, t->ns.nsid, req->ranges, nr, BLK_NVME_DSM_AD);
		if (ret) {
			/* The SQE stays unused: make it a no-op the kernel completes. */
			io_uring_prep_nop(sqe);
			sqe->user_data = tag;
			nt->sqes_pending++;
			blk_io_part_sent(&req->io);
			return ret;
		}
	} else {
		blk_nvme_cmd_flush(cmd, t->ns.nsid);
	}
	nt->sqes_pending++;
	blk_io_part_sent(&req->io);
	return 0;
}

/*
 * Writes what nvme_sqe_extras_init() chose into the n SQEs the io_u's commands
 * took. A slot prepared once keeps its flags from one I/O to the next, so
 * IOSQE_ASYNC is cleared where it does not belong.
 */
void nvme_apply_sqe_extras(struct thread_data *td, struct nvme_thread *nt,
			   struct nvme_req *req, struct io_u *io_u, unsigned int n)
{
	struct io_uring_sq *sq = &nt->ring.sq;
	uint16_t prio = 0;
	unsigned int i;

#ifdef FIO_HAVE_IOPRIO_CLASS
	/*
	 * Only what cmdprio picks: io_uring_cmd leaves td->ioprio
	 * (prio/prioclass) out of passthrough SQEs too.
	 */
	if ((io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE) &&
	    nt->cmdprio.mode != CMDPRIO_MODE_NONE && fio_cmdprio_set_ioprio(td, &nt->cmdprio, io_u))
		prio = (uint16_t)io_u->ioprio;
#endif
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = &sq->sqes[(size_t)slot_of(nt, req->tag, i) << 1];

		sqe->ioprio = prio;
		sqe->flags &= ~IOSQE_ASYNC;
		if (nt->async_every && ++nt->async_count >= nt->async_every) {
			nt->async_count = 0;
			sqe->flags |= IOSQE_ASYNC;
		}
	}
}
