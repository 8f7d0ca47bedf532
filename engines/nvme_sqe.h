/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: the NVMe commands of an io_u, written into its SQE
 * slots. A read or write of one command is rewritten in place from a
 * template (nvme_queue_fast_rw); every other I/O is built whole.
 */
#ifndef BLK_NVME_SQE_H
#define BLK_NVME_SQE_H

#include <stdint.h>

#include "nvme_thread.h"

/*
 * force_async, cmdprio and the write-mix seed: what the job adds to its
 * SQEs. Returns 0 or -EINVAL after logging the option at fault.
 */
int nvme_sqe_extras_init(struct thread_data *td, struct nvme_thread *nt);

/* Points one SQE at the device; the NVMe command is filled after. */
struct nvme_uring_cmd *nvme_sqe_start(struct nvme_thread *nt, struct io_uring_sqe *sqe,
				      const struct nvme_target *t, uint64_t user_data);
/* A data command's buffer: registered when it can be, vectored when asked. */
void nvme_sqe_data(struct nvme_thread *nt, struct io_uring_sqe *sqe, struct nvme_uring_cmd *cmd,
		   struct iovec *iov, const struct nvme_req *req);
/* The protection information fields of a read or write on target t. */
void nvme_fill_pi(const struct nvme_target *t, const struct blk_options *o,
		  struct blk_nvme_rw *rw);

/* Sets t->fast_rw and t's read and write templates. */
void nvme_prepare_fast_rw(struct thread_data *td, struct nvme_target *t);

/*
 * The commands of a read or write (max_xfer bytes each), and of a trim or
 * flush: 0, or -errno once the commands already written (req->io.pending
 * of them) are made no-ops the kernel completes.
 */
int nvme_queue_rw(struct thread_data *td, struct nvme_thread *nt, struct nvme_req *req,
		  uint32_t tag);
int nvme_queue_one(struct thread_data *td, struct nvme_thread *nt, struct nvme_req *req,
		   uint32_t tag);
/* nvme_sqe_extras_init()'s choices, written into the io_u's first n SQEs. */
void nvme_apply_sqe_extras(struct thread_data *td, struct nvme_thread *nt,
			   struct nvme_req *req, struct io_u *io_u, unsigned int n);

/*
 * The command of a read or write of nlb blocks at slba, len bytes, from t's
 * template into sqe, a slot nvme_prep_fast_slot() made t's.
 */
static inline __attribute__((always_inline))
void nvme_fill_rw_cmd(const struct nvme_thread *nt, struct nvme_req *req, const struct io_u *io_u,
		      const struct nvme_target *t, struct io_uring_sqe *sqe, uint64_t slba,
		      uint64_t nlb, uint64_t len)
{
	struct nvme_uring_cmd *cmd = (struct nvme_uring_cmd *)sqe->cmd;

	cmd->opcode = t->rw_opcode[io_u->ddir];
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	/* The template is for one block: NLB - 1 is 0 there. */
	cmd->cdw12 = t->rw_cdw12[io_u->ddir] | (uint32_t)(nlb - 1);
	if (nt->vectored) {
		req->iov[0].iov_base = io_u->xfer_buf;
		req->iov[0].iov_len = len;
	} else {
		cmd->addr = (uintptr_t)io_u->xfer_buf;
		cmd->data_len = (uint32_t)len;
	}
}

/*
 * With registered buffers a prepared slot names the first registered piece
 * of the io_u's buffer: right for an I/O that starts at the buffer and fits
 * that piece, the usual one.
 */
static inline bool nvme_fixed_as_prepared(const struct nvme_thread *nt, const struct io_u *io_u,
					  uint64_t len)
{
	return io_u->xfer_buf == io_u->buf && len <= nt->fixed_piece;
}

/*
 * Writes a read or write that fits one command into req's first SQE slot,
 * which nvme_prep_fast_slot() made t's: false, with nothing taken, when it
 * is not whole blocks inside the namespace, needs more than one command or
 * another registered piece than the prepared one (nvme_queue_fast_rw()
 * then takes it, or the general path fails or splits it).
 */
static inline __attribute__((always_inline))
bool nvme_fill_fast_rw(struct nvme_thread *nt, struct nvme_req *req,
		       struct io_u *io_u, const struct nvme_target *t)
{
	uint64_t len = io_u->xfer_buflen, slba, nlb;

	if ((nt->fixed && !nvme_fixed_as_prepared(nt, io_u, len)) ||
	    !blk_nvme_lba_range(&t->lba, io_u->offset, len, t->fast_nlb_max, t->nr_blocks,
				&slba, &nlb))
		return false;
	queue_slot(nt, req->slot0);
	nvme_fill_rw_cmd(nt, req, io_u, t, req->sqe0, slba, nlb, len);
	nt->sqes_pending++;
	return true;
}

/*
 * nvme_fill_fast_rw() for any buffer, into a slot made t's first if it is
 * not: false, with nothing taken, when the I/O is not whole blocks inside
 * the namespace or needs more than one command.
 */
bool nvme_queue_fast_rw(struct nvme_thread *nt, struct nvme_req *req, struct io_u *io_u,
			const struct nvme_target *t);

#endif
