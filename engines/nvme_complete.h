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
 * Takes the completions at the head of the CQ that need no more than their
 * io_u handed back, until the event list holds max io_us or the CQ is
 * empty; *taken is the CQEs taken. false when it stopped at one that needs
 * more (or every one does), which nvme_reap_rest() then takes.
 *
 * A read or write that went out as one command and succeeded needs nothing
 * recorded and no check run when the job has no per-command work at
 * completion (plain_cqes): fio cleared the io_u's error and resid when it
 * queued it.
 */
static inline __attribute__((always_inline))
bool nvme_reap_plain(struct nvme_thread *nt, unsigned int max, unsigned int *taken)
{
	struct io_uring_cq *cq = &nt->ring.cq;
	unsigned int start = *cq->khead, head = start;
	unsigned int tail = io_uring_smp_load_acquire(cq->ktail);
	/* In locals: the stores to a request could otherwise be to these. */
	unsigned int n = nt->nr_events, nr_tags = nt->pool.nr;
	struct io_u **events = nt->events;
	struct nvme_req *req;

	if (!nt->plain_cqes)
		goto stop;
	for (; head != tail && n < max; head++) {
		/* 32-byte CQEs: two of liburing's 16-byte entries each. */
		const struct io_uring_cqe *cqe = &cq->cqes[(head & cq->ring_mask) << 1];
		uint32_t tag = (uint32_t)cqe->user_data;

		if (cqe->res || tag >= nr_tags)
			goto stop;
		req = blk_req_ctx(&nt->pool, tag);
		if (req->io.pending != 1 || req->io.error)
			goto stop;
		req->io.pending = 0;
		events[n++] = req->io_u;
	}
	nt->nr_events = n;
	/* The same head again when none was taken: the kernel only reads it. */
	io_uring_smp_store_release(cq->khead, head);
	*taken = head - start;
	return true;

stop:
	nt->nr_events = n;
	io_uring_smp_store_release(cq->khead, head);
	*taken = head - start;
	return false;
}

/*
 * Takes completions into the event list until it holds max io_us; returns
 * the CQEs taken. The plain ones at the head without a call, the rest
 * through nvme_complete_cmd().
 */
static inline __attribute__((always_inline))
unsigned int nvme_reap_cq(struct thread_data *td, struct nvme_thread *nt, unsigned int max)
{
	unsigned int taken;

	if (nvme_reap_plain(nt, max, &taken))
		return taken;
	return taken + nvme_reap_rest(td, nt, max);
}

#endif
