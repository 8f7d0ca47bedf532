// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme-passthru-uring: the thread's ring, its registrations and the
 * start-up probes (see nvme_ring.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvme_cmd.h"
#include "nvme_ring.h"
#include "nvme_sqe.h"

/* user_data of the start-up probe command: no io_u owns it. */
#define PROBE_USER_DATA		UINT64_MAX

/*
 * io_uring_setup() and the mappings, as io_uring_queue_init_params() does,
 * but with exactly the flags given: newer liburing adds
 * IORING_SETUP_NO_SQARRAY there when the kernel has it, and the engine
 * places its SQE slots through that array.
 */
static int ring_create(unsigned int entries, struct io_uring *ring, struct io_uring_params *p)
{
	int fd, ret;

	fd = io_uring_setup(entries, p);
	if (fd < 0)
		return fd;
	ret = io_uring_queue_mmap(fd, p, ring);
	if (ret) {
		close(fd);
		return ret;
	}
	ring->features = p->features;
	return 0;
}

/* Kernels before 5.19 lack big SQEs; the optional flags came later still. */
int nvme_ring_setup(struct thread_data *td, struct nvme_thread *nt)
{
	struct blk_options *o = td->eo;
	struct io_uring_params p;
	unsigned int entries = td->o.iodepth * nt->max_chunks;
	unsigned int optional, setup_flags = 0;
	int ret;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	if (o->hipri)
		p.flags |= IORING_SETUP_IOPOLL;
	if (o->sqpoll_thread) {
		p.flags |= IORING_SETUP_SQPOLL;
		if (o->sqpoll_set) {
			p.flags |= IORING_SETUP_SQ_AFF;
			p.sq_thread_cpu = o->sqpoll_cpu;
		}
		optional = IORING_SETUP_COOP_TASKRUN;
	} else {
		optional = IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER |
			   IORING_SETUP_DEFER_TASKRUN;
	}
	for (;;) {
		struct io_uring_params try = p;

		try.flags |= optional;
		setup_flags = try.flags;
		ret = ring_create(entries, &nt->ring, &try);
		if (ret != -EINVAL || !optional)
			break;
		/* Drop the newest flags first: DEFER_TASKRUN (6.1), then COOP_TASKRUN (5.19). */
		if (optional & IORING_SETUP_DEFER_TASKRUN)
			optional &= ~(IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER);
		else
			optional = 0;
	}
	if (ret) {
		if (ret == -EINVAL)
			log_err("blkengine: the kernel refused an io_uring with 128-byte SQEs and 32-byte CQEs%s%s; NVMe passthrough needs Linux 5.19 or later\n",
				o->hipri ? " and IOPOLL" : "", o->sqpoll_thread ? " and SQPOLL" : "");
		else
			log_err("blkengine: io_uring_queue_init: %s\n", strerror(-ret));
		return ret;
	}
	nt->ring_ready = true;
	/* Slots are numbered up to iodepth * max_chunks; the kernel rounds entries up. */
	if (nt->ring.sq.ring_entries < entries) {
		log_err("blkengine: io_uring gave %u submission entries for %u asked\n",
			nt->ring.sq.ring_entries, entries);
		return -EINVAL;
	}
	/*
	 * liburing's enters then name the ring by its registered index and
	 * skip the fd table; kernels before 5.18 refuse, and plain enters do
	 * the same job.
	 */
	nt->enter_fd = nt->ring.ring_fd;
	if (io_uring_register_ring_fd(&nt->ring) == 1) {
		nt->enter_fd = nt->ring.enter_ring_fd;
		nt->enter_flags = IORING_ENTER_REGISTERED_RING;
	}
	/* What the ring was set up with, as asked: not read back from liburing's struct. */
	nt->enter_to_reap = o->hipri || (setup_flags & IORING_SETUP_DEFER_TASKRUN);
	nt->sqpoll = setup_flags & IORING_SETUP_SQPOLL;
	return 0;
}

int nvme_register_files(struct nvme_thread *nt)
{
	int fds[nt->nr_targets];
	unsigned int i;
	int ret;

	for (i = 0; i < nt->nr_targets; i++)
		fds[i] = nt->targets[i].fd;
	ret = io_uring_register_files(&nt->ring, fds, nt->nr_targets);
	if (ret) {
		log_err("blkengine: io_uring refused to register the devices as fixed files: %s; registerfiles=0 passes plain fds instead\n",
			strerror(-ret));
		return ret;
	}
	for (i = 0; i < nt->nr_targets; i++)
		nt->targets[i].reg_index = (int)i;
	return 0;
}

/*
 * Each io_u's buffer is registered in pieces of the largest command, and
 * a command uses the piece it starts in. Linux 6.1 refuses (EINVAL) a
 * fixed-buffer command when the registered buffer holds more pages after
 * the command's start than the queue has segments, so neither one region
 * for all buffers nor one buffer per io_u would do.
 */
int nvme_register_buffers(struct thread_data *td, struct nvme_thread *nt)
{
	unsigned long long max_bs = td_max_bs(td);
	uint32_t piece = UINT32_MAX;
	unsigned int i, j, per_io, nr;
	struct iovec *iov;
	int ret;

	for (i = 0; i < nt->nr_targets; i++)
		if (nt->targets[i].geom.max_xfer < piece)
			piece = nt->targets[i].geom.max_xfer;
	if (piece > max_bs)
		piece = (uint32_t)max_bs;
	per_io = (unsigned int)((max_bs + piece - 1) / piece);
	nr = per_io * nt->pool.nr;
	if (nr > 16384) {
		log_err("blkengine: fixedbufs: iodepth=%u with bs=%llu needs %u registered buffers, more than io_uring's 16384; lower iodepth or bs, or drop fixedbufs\n",
			nt->pool.nr, max_bs, nr);
		return -EINVAL;
	}
	iov = calloc(nr, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	for (i = 0; i < nt->pool.nr; i++) {
		struct nvme_req *req = blk_req_ctx(&nt->pool, i);
		char *buf = req->io_u->buf;

		for (j = 0; j < per_io; j++) {
			unsigned long long off = (unsigned long long)j * piece;

			iov[i * per_io + j].iov_base = buf + off;
			iov[i * per_io + j].iov_len = max_bs - off < piece ? max_bs - off : piece;
		}
	}
	ret = io_uring_register_buffers(&nt->ring, iov, nr);
	free(iov);
	if (ret) {
		log_err("blkengine: fixedbufs: io_uring refused to register the I/O buffers: %s%s\n",
			strerror(-ret),
			ret == -ENOMEM ? " (raise the locked-memory limit, ulimit -l)" : "");
		return ret;
	}
	nt->fixed = true;
	nt->fixed_piece = piece;
	nt->fixed_per_io = per_io;
	return 0;
}

/*
 * Submits the one probe SQE queued on the empty ring and reaps it: 0 with
 * its result in *res, or the ring's own error.
 */
static int run_probe(struct nvme_thread *nt, int *res)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait(&nt->ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_wait_cqe(&nt->ring, &cqe);
	if (ret)
		return ret;
	*res = cqe->res;
	io_uring_cqe_seen(&nt->ring, cqe);
	return 0;
}

/*
 * One real command with the options the job asked for, so a kernel that
 * refuses them says so once at start-up instead of failing every I/O.
 */
int nvme_probe_command(struct thread_data *td, struct nvme_thread *nt)
{
	struct blk_options *o = td->eo;
	const struct nvme_target *t = &nt->targets[0];
	struct io_uring_sqe *sqe;
	struct blk_nvme_rw rw = {
		.nsid = t->ns.nsid,
		.slba = 0,
		.nlb = 1,
		.buf = NULL,
		.len = t->geom.block,
	};
	struct nvme_req *req = blk_req_ctx(&nt->pool, 0);
	struct nvme_uring_cmd *cmd;
	struct iovec iov;
	int ret, res;

	if (!req->io_u || td_max_bs(td) < t->geom.block)
		return 0;
	/* Before any I/O: the ring is empty and tag 0's slot free. */
	sqe = take_slot(nt, slot_of(nt, 0, 0));
	req->prep_t = NULL;
	rw.buf = req->io_u->buf;
	if (t->md_per_block) {
		rw.md = nt->md_buf;
		rw.md_len = t->md_per_block;
	}
	cmd = nvme_sqe_start(nt, sqe, t, PROBE_USER_DATA);
	nvme_fill_pi(t, o, &rw);
	/* Checks of PI the job never wrote would fail: only the transport is probed. */
	rw.prinfo &= BLK_NVME_PRINFO_PRACT;
	ret = blk_nvme_cmd_read(cmd, &rw);
	if (ret)
		return ret;
	nvme_sqe_data(nt, sqe, cmd, &iov, req);
	ret = run_probe(nt, &res);
	if (ret)
		return ret;
	if (res == -EINVAL || res == -EOPNOTSUPP) {
		if (nt->fixed && !nt->vectored)
			log_err("blkengine: %s: the kernel refused a passthrough command on fixed buffers (%s); drop fixedbufs\n",
				td->files[0]->file_name, strerror(-res));
		else if (nt->vectored && nt->fixed)
			log_err("blkengine: %s: the kernel refused a vectored command (NVME_URING_CMD_IO_VEC) on fixed buffers (%s); this needs a newer kernel: set nonvectored=1 or drop fixedbufs\n",
				td->files[0]->file_name, strerror(-res));
		else if (o->hipri)
			log_err("blkengine: %s: the kernel refused a polled (hipri) passthrough command (%s); load nvme with poll_queues=N or drop hipri\n",
				td->files[0]->file_name, strerror(-res));
		else
			log_err("blkengine: %s: the kernel refused a passthrough read (%s)\n",
				td->files[0]->file_name, strerror(-res));
		return res;
	}
	return 0;
}

/*
 * Whether the kernel takes an I/O priority on a passthrough SQE: Linux
 * 6.12 fails such a command with EINVAL as it takes the SQE (the opcode
 * has no ioprio), before the command is even prepared. One
 * Flush carrying the priority cmdprio gives reads (else writes) tells,
 * before any I/O; a kernel that refuses it refuses the job, as every I/O
 * cmdprio picks would fail.
 */
int nvme_probe_cmdprio(struct thread_data *td, struct nvme_thread *nt)
{
	const struct nvme_target *t = &nt->targets[0];
	struct io_uring_sqe *sqe;
	struct nvme_uring_cmd *cmd;
	int32_t prio = 0;
	unsigned int d;
	int ret, res;

	for (d = 0; d < CMDPRIO_RWDIR_CNT && !prio; d++) {
		if (nt->cmdprio.mode == CMDPRIO_MODE_PERC)
			prio = nt->cmdprio.perc_entry[d].perc ? nt->cmdprio.perc_entry[d].prio : 0;
		else if (nt->cmdprio.bsprio_desc[d].nr_bsprios &&
			 nt->cmdprio.bsprio_desc[d].bsprios[0].nr_prios)
			prio = nt->cmdprio.bsprio_desc[d].bsprios[0].prios[0].prio;
	}
	if (!prio)
		return 0;
	/* Before any I/O: the ring is empty and tag 0's slot free. */
	sqe = take_slot(nt, slot_of(nt, 0, 0));
	((struct nvme_req *)blk_req_ctx(&nt->pool, 0))->prep_t = NULL;
	cmd = nvme_sqe_start(nt, sqe, t, PROBE_USER_DATA);
	blk_nvme_cmd_flush(cmd, t->ns.nsid);
	sqe->ioprio = (uint16_t)prio;
	ret = run_probe(nt, &res);
	if (ret)
		return ret;
	if (res == -EINVAL) {
		log_err("blkengine: %s: cmdprio_percentage/cmdprio_bssplit: this kernel refuses an I/O priority on NVMe passthrough commands (ioprio 0x%x on a Flush: %s), so no command could carry one; drop the cmdprio options, or use ioengine=io_uring on the block device (/dev/nvmeXnY) for prioritised I/O\n",
			td->files[0]->file_name, (unsigned int)prio, strerror(-res));
		/* fio ends a job whose post_init fails, but only an error set here fails the run. */
		td_verror(td, EINVAL, "cmdprio");
		return -EINVAL;
	}
	return 0;
}
