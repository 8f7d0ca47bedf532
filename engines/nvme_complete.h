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

/* nvme_reap_cq() for the paths off the common one. */
unsigned int nvme_reap(struct thread_data *td, struct nvme_thread *nt, unsigned int max);

/*
 * Takes the completions from the CQ head on through nvme_complete_cmd(),
 * until the event list holds max io_us or the CQ is empty: where
 * nvme_reap_cq() leaves what it does not take itself. Returns the CQEs
 * taken.
 */
unsigned int nvme_reap_rest(struct thread_data *td, struct nvme_thread *nt, unsigned int max);

/* The job's lines on the write mix and on failed commands, at its end. */
void nvme_print_summaries(struct thread_data *td, struct nvme_thread *nt);

/*
 * Takes completions into the event list until it holds max io_us; returns
 * the CQEs taken.
 *
 * A read or write that went out as one command and succeeded needs nothing
 * recorded and no check run when the job has no per-command work at
 * completion (plain_cqes): fio cleared the io_u's error and resid when it
 * queued it. Such completions at the head of the CQ are taken here without
 * a call; from the first other one on nvme_reap_rest() takes over, which
 * runs every check.
 */
static inline __attribute__((always_inline))
unsigned int nvme_reap_cq(struct thread_data *td, struct nvme_thread *nt, unsigned int max)
{
	struct io_uring_cq *cq = &nt->ring.cq;
	unsigned int start = *cq->khead, head = start;
	unsigned int tail = io_uring_smp_load_acquire(cq->ktail);
	/* In locals: the stores to a request could otherwise be to these. */
	unsigned int n = nt->nr_events;
	struct io_u **events = nt->events;

	for (; head != tail && n < max; head++) {
		/* 32-byte CQEs: two of liburing's 16-byte entries each. */
		const struct io_uring_cqe *cqe = &cq->cqes[(head & cq->ring_mask) << 1];
		uint32_t tag = (uint32_t)cqe->user_data;
		struct nvme_req *req;

		if (!nt->plain_cqes || cqe->res || tag >= nt->pool.nr)
			break;
		req = blk_req_ctx(&nt->pool, tag);
		if (req->io.pending != 1 || req->io.error)
			break;
		req->io.pending = 0;
		events[n++] = req->io_u;
	}
	nt->nr_events = n;
	if (head != start)
		io_uring_smp_store_release(cq->khead, head);
	if (__builtin_expect(head != tail && n < max, 0))
		return head - start + nvme_reap_rest(td, nt, max);
	return head - start;
}

#endif
