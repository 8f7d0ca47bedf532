/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: what one fio thread holds (its ring, the contexts
 * of its io_us, the event list) and the SQE slot arithmetic every part of
 * the engine shares. nvme_uring.c has the hooks, nvme_sqe.c builds the
 * commands, nvme_complete.c takes completions, nvme_ring.c sets the ring
 * up.
 */
#ifndef BLK_NVME_THREAD_H
#define BLK_NVME_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/uio.h>

#include <liburing.h>

#include "fio.h"
#include "engines/cmdprio.h"	/* fio's: cmdprio_* as its io_uring engines have them */

#include "backend.h"
#include "io_track.h"
#include "nvme_uring.h"
#include "options.h"
#include "req_pool.h"

/* Distinct NVMe statuses counted for the summary at the end of a job. */
#define STATUS_SLOTS		16

struct nvme_req {
	struct blk_io_track io;		/* first: errdetails() reads io.err */
	struct io_u *io_u;
	uint32_t tag;			/* io_u->index, which engine_data overlays in fio 3.33 */
	struct nvme_target *t;
	/*
	 * The target whose read/write layout the first SQE slot holds (see
	 * nvme_prep_fast_slot), NULL once any other command used the slot.
	 */
	const struct nvme_target *prep_t;
	unsigned int slot0;		/* the first of its SQE slots: tag * max_chunks */
	struct io_uring_sqe *sqe0;	/* slot0's SQE, once prep_t is set */
	unsigned char *md;		/* separate metadata, md_per_io_size bytes */
	struct nvme_dsm_range *ranges;	/* num_range entries: a trim's DSM payload */
	unsigned int wmode;		/* a write's command (enum blk_write_mode) in a mix */
	bool compare;			/* a verify read sent as NVMe Compare */
	uint64_t queued_ns;		/* when queued, for the mix's latency per command */
	struct iovec iov[];		/* one per command when vectored */
};

_Static_assert(offsetof(struct nvme_req, io.err) == 0,
	       "the dispatcher's errdetails() reads a blk_io_err at the start of engine_data");

struct status_count {
	uint32_t status;
	uint64_t count;
};

struct nvme_thread {
	struct blk_thread bt;		/* first: the dispatcher's part */
	struct io_uring ring;
	bool ring_ready;
	bool vectored;
	bool fixed;			/* buffers registered */
	uint32_t fixed_piece;		/* bytes per registered piece */
	unsigned int fixed_per_io;	/* pieces per io_u buffer */
	bool enter_to_reap;		/* completions need an enter (IOPOLL, DEFER_TASKRUN) */
	bool sqpoll;			/* a kernel thread submits */
	bool wait_in_queue;		/* QD1: queue() submits, waits and completes */
	bool fill_issue_time;		/* fio_fill_issue_time(), a job constant */
	/*
	 * commit() leaves the enter to getevents(): after queueing, fio either
	 * queues more or waits, and nothing paces it in between (see
	 * blk_job_unpaced()); an SQPOLL ring needs no enter to submit.
	 */
	bool hold_for_wait;
	/* No completion needs more than its io_u handed back (see nvme_reap_cq()). */
	bool plain_cqes;
	int held_error;			/* of the failed io_u submit_and_wait() queued */
	int enter_fd;			/* what io_uring_enter() names the ring by */
	unsigned int enter_flags;	/* IORING_ENTER_REGISTERED_RING when registered */
	struct nvme_target *targets;	/* one per fio file, by fileno */
	unsigned int nr_targets;
	unsigned int max_chunks;	/* most commands one io_u needs */
	/*
	 * Contexts by tag = io_u->index. Whether a tag is in flight is its
	 * io.pending, so the pool's free list is not used.
	 */
	struct blk_req_pool pool;
	unsigned char *md_buf;
	unsigned long long md_per_io;
	struct nvme_dsm_range *dsm;	/* iodepth * nr_ranges */
	unsigned int nr_ranges;
	/*
	 * Completed io_us not yet handed to fio: events[0 .. nr_events). What
	 * the last getevents() handed out sits at events[ev_base ..], which
	 * fio reads before it queues or commits again.
	 */
	struct io_u **events;
	unsigned int nr_events;
	unsigned int ev_base;
	struct io_u **queued;		/* io_us whose commands await commit() */
	unsigned int nr_queued;
	unsigned int sqes_pending;
	struct status_count status[STATUS_SLOTS];
	uint64_t status_other;
	bool vec_fixed_refused;
	struct blk_health_job *health;	/* nvme_health.c: logs around the run */
	/*
	 * What queue() adds to the SQEs of an io_u, when sqe_extras is set:
	 * IOSQE_ASYNC on every async_every-th command (force_async), and the
	 * I/O priority of reads and writes (prio/prioclass, cmdprio_*), which
	 * fio's cmdprio code picks per io_u. cmdprio_opts is the copy of the
	 * job's options that code keeps a pointer to.
	 */
	/*
	 * write_mode mixes: the command of each write is drawn from mix_rand,
	 * and counted per command with its latency for the summary line.
	 */
	uint64_t mix_rand;
	struct {
		uint64_t count, errors, lat_ns, lat_max_ns;
	} mix_stat[BLK_WRITE_MIX_MODES];
	bool sqe_extras;
	unsigned int async_every;
	unsigned int async_count;
	bool cmdprio_ready;
	struct cmdprio cmdprio;
	struct cmdprio_options cmdprio_opts;
};

static inline struct nvme_thread *nvme_thread_of(struct thread_data *td)
{
	return td->io_ops_data;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* 128-byte SQEs: two of liburing's 64-byte entries each. */
static inline struct io_uring_sqe *slot_sqe(struct nvme_thread *nt, unsigned int slot)
{
	return &nt->ring.sq.sqes[(size_t)slot << 1];
}

/*
 * Puts SQE slot at the SQ ring's tail. The caller checked the ring has
 * room; a slot is reused only after its completion, when the kernel is
 * done with it.
 */
static inline void queue_slot(struct nvme_thread *nt, unsigned int slot)
{
	struct io_uring_sq *sq = &nt->ring.sq;

	sq->array[sq->sqe_tail & sq->ring_mask] = slot;
	sq->sqe_tail++;
}

/* queue_slot() that returns the slot's SQE. */
static inline struct io_uring_sqe *take_slot(struct nvme_thread *nt, unsigned int slot)
{
	queue_slot(nt, slot);
	return slot_sqe(nt, slot);
}

static inline unsigned int slot_of(const struct nvme_thread *nt, uint32_t tag,
				   unsigned int chunk)
{
	return tag * nt->max_chunks + chunk;
}

/*
 * The registered piece of an io_u buffer that holds len bytes at offset off;
 * false when they cross into the next piece (the command goes unregistered).
 * One piece per buffer, the usual case, needs no division.
 */
static inline bool fixed_piece_of(const struct nvme_thread *nt, uint64_t off, uint32_t len,
				  uint64_t *piece)
{
	uint64_t last = off + len - 1;

	if (nt->fixed_per_io == 1) {
		*piece = 0;
		return last < nt->fixed_piece;
	}
	*piece = off / nt->fixed_piece;
	return *piece == last / nt->fixed_piece && *piece < nt->fixed_per_io;
}

#endif
