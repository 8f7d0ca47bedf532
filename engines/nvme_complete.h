/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: completions, from the CQ to fio's event list. A
 * command's result is checked against what the engine sent before it is
 * used (a tag no command of which is out is refused), NVMe statuses are
 * counted for the job's summary, and the job's per-command work at
 * completion (Zone Append's LBA, the host's PI check, the write mix's
 * latency) is done here.
 */
#ifndef BLK_NVME_COMPLETE_H
#define BLK_NVME_COMPLETE_H

#include "nvme_thread.h"

/* Returns the io_u when this was its last command, else NULL. */
struct io_u *nvme_complete_cmd(struct thread_data *td, struct nvme_thread *nt,
			       const struct io_uring_cqe *cqe);

/* nvme_reap_cq() for the paths off the common one: one copy of the loop. */
unsigned int nvme_reap(struct thread_data *td, struct nvme_thread *nt, unsigned int max);

/* The job's lines on the write mix and on failed commands, at its end. */
void nvme_print_summaries(struct thread_data *td, struct nvme_thread *nt);

/*
 * Takes completions into the event list until it holds max io_us; the CQ
 * head moves once. Returns the CQEs taken.
 *
 * A read or write that went out as one command and succeeded needs nothing
 * recorded and no check run when the job has no per-command work at
 * completion (plain_cqes): fio cleared the io_u's error and resid when it
 * queued it. Everything else, and anything unexpected, goes through
 * nvme_complete_cmd().
 */
static inline __attribute__((always_inline))
unsigned int nvme_reap_cq(struct thread_data *td, struct nvme_thread *nt, unsigned int max)
{
	struct io_uring_cq *cq = &nt->ring.cq;
	unsigned int head = *cq->khead;
	unsigned int tail = io_uring_smp_load_acquire(cq->ktail);
	unsigned int seen = 0;
	struct io_u *io_u;

	for (; head + seen != tail && nt->nr_events < max; seen++) {
		/* 32-byte CQEs: two of liburing's 16-byte entries each. */
		const struct io_uring_cqe *cqe = &cq->cqes[((head + seen) & cq->ring_mask) << 1];
		uint32_t tag = (uint32_t)cqe->user_data;

		if (nt->plain_cqes && !cqe->res && tag < nt->pool.nr) {
			struct nvme_req *req = blk_req_ctx(&nt->pool, tag);

			if (req->io.pending == 1 && !req->io.error) {
				req->io.pending = 0;
				nt->events[nt->nr_events++] = req->io_u;
				continue;
			}
		}
		io_u = nvme_complete_cmd(td, nt, cqe);
		if (io_u)
			nt->events[nt->nr_events++] = io_u;
	}
	if (seen) {
		io_uring_smp_store_release(cq->khead, head + seen);
		nt->inflight -= seen < nt->inflight ? seen : nt->inflight;
	}
	return seen;
}

#endif
