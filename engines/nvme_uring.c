// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme-passthru-uring: NVMe I/O commands on generic char devices
 * (/dev/ngXnY) through io_uring passthrough (IORING_OP_URING_CMD).
 *
 * One ring per fio thread with 128-byte SQEs (the NVMe command rides in
 * the SQE) and 32-byte CQEs. queue() writes the commands of one io_u into
 * SQEs; one enter submits them and, where fio is about to wait anyway,
 * waits in the same call: at iodepth=1 queue() completes the io_u itself,
 * and a deeper job's burst is submitted by the getevents() that follows it
 * (commit() submits only when fio's pacing could delay that). An io_u
 * larger than the device's maximum transfer becomes several commands that
 * complete as one io_u; user_data carries the io_u's tag and the command's
 * index within it.
 *
 * Each io_u owns fixed SQE slots (tag * max_chunks + command index), placed
 * in the SQ ring through its index array as fio's own io_uring engine does.
 * A read or write of one command, the common case, then rewrites only the
 * fields that change from one I/O to the next in an SQE prepared once.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "job_check.h"
#include "nvme_complete.h"
#include "nvme_health.h"
#include "nvme_ring.h"
#include "nvme_sqe.h"
#include "nvme_zones.h"
#include "uring_enter.h"

/* A percentile 0 to 99 for the next write of a mix (xorshift64*). */
static inline unsigned int mix_percentile(struct nvme_thread *nt)
{
	uint64_t x = nt->mix_rand;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	nt->mix_rand = x;
	return (unsigned int)(((x * 0x2545f4914f6cdd1dull) >> 32) % 100);
}

/* ---- set-up ---- */

static int nvme_setup(struct thread_data *td)
{
	struct nvme_target t;
	struct fio_file *f;
	unsigned int i;
	int ret;

	for_each_file(td, f, i) {
		ret = nvme_target_open(td, f->file_name, &t);
		if (ret)
			return ret;
		f->filetype = FIO_TYPE_CHAR;
		f->real_file_size = t.geom.capacity;
		fio_file_set_size_known(f);
		nvme_target_close(&t);
	}
	return 0;
}

static void free_thread(struct nvme_thread *nt)
{
	unsigned int i;

	if (nt->ring_ready)
		io_uring_queue_exit(&nt->ring);
	if (nt->cmdprio_ready)
		fio_cmdprio_cleanup(&nt->cmdprio);
	for (i = 0; i < nt->nr_targets; i++)
		nvme_target_close(&nt->targets[i]);
	free(nt->targets);
	blk_req_pool_exit(&nt->pool);
	free(nt->md_buf);
	free(nt->dsm);
	free(nt->events);
	free(nt->queued);
	free(nt);
}

static int alloc_md(struct thread_data *td, struct nvme_thread *nt)
{
	struct blk_options *o = td->eo;
	size_t len;
	unsigned int i;
	bool need = false;

	for (i = 0; i < nt->nr_targets; i++)
		need |= nt->targets[i].md_per_block != 0;
	if (!need)
		return 0;
	/* Keep each io_u's metadata 8-byte aligned for the controller. */
	nt->md_per_io = (o->md_per_io_size + 7) & ~7ull;
	len = nt->md_per_io * td->o.iodepth;
	if (posix_memalign((void **)&nt->md_buf, 4096, len))
		return -ENOMEM;
	memset(nt->md_buf, 0, len);
	return 0;
}

static int nvme_init(struct thread_data *td)
{
	struct blk_options *o = td->eo;
	struct nvme_thread *nt;
	unsigned long long bs = 0;
	struct fio_file *f;
	unsigned int i, chunks;
	int ret = -ENOMEM;

	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	nt->targets = calloc(td->o.nr_files, sizeof(*nt->targets));
	nt->events = calloc(td->o.iodepth, sizeof(*nt->events));
	nt->queued = calloc(td->o.iodepth, sizeof(*nt->queued));
	if (!nt->targets || !nt->events || !nt->queued)
		goto free_nt;

	if (td_read(td) || td->o.do_verify)
		bs = td->o.max_bs[DDIR_READ];
	if (td_write(td) && td->o.max_bs[DDIR_WRITE] > bs)
		bs = td->o.max_bs[DDIR_WRITE];
	nt->max_chunks = 1;
	for_each_file(td, f, i) {
		ret = nvme_target_open(td, f->file_name, &nt->targets[i]);
		if (ret)
			goto free_nt;
		nt->nr_targets = i + 1;
		chunks = bs ? blk_geom_max_parts(&nt->targets[i].geom, bs) : 1;
		if (chunks > nt->max_chunks)
			nt->max_chunks = chunks;
	}
	if ((unsigned long long)nt->max_chunks * td->o.iodepth > 32768) {
		log_err("blkengine: iodepth=%u with bs=%llu needs %u commands per I/O, more than one io_uring holds; lower iodepth or bs\n",
			td->o.iodepth, bs, nt->max_chunks);
		ret = -EINVAL;
		goto free_nt;
	}
	ret = blk_req_pool_init(&nt->pool, td->o.iodepth,
				sizeof(struct nvme_req) + nt->max_chunks * sizeof(struct iovec));
	if (ret)
		goto free_nt;
	ret = alloc_md(td, nt);
	if (ret)
		goto free_nt;
	nt->nr_ranges = 1;
#ifdef BLK_FIO_HAS_NUM_RANGE
	/* This fio gathers num_range trims into one io_u. */
	nt->nr_ranges = blk_num_range(td);
#endif
	ret = -ENOMEM;
	nt->dsm = calloc((size_t)td->o.iodepth * nt->nr_ranges, sizeof(*nt->dsm));
	if (!nt->dsm)
		goto free_nt;
	nt->vectored = o->nonvectored == 0;
	nt->fill_issue_time = fio_fill_issue_time(td);
	nt->plain_cqes = o->write_mode != BLK_WRITE_MODE_MIX &&
			 o->write_mode != BLK_WRITE_MODE_ZONE_APPEND;
	for (i = 0; i < nt->nr_targets; i++)
		if (nt->targets[i].pi_host && o->pi_chk)
			nt->plain_cqes = false;
	ret = nvme_sqe_extras_init(td, nt);
	if (ret)
		goto free_nt;
#ifndef BLK_FIO_HAS_NUM_RANGE
	if (td_trim(td) && blk_num_range(td) > 1)
		log_info("blkengine: num_range=%u: this fio hands the engine one range per trim, so each Dataset Management command carries one range\n",
			 blk_num_range(td));
#endif
	td->io_ops_data = nt;
	return 0;

free_nt:
	free_thread(nt);
	return ret;
}

static __attribute__((noinline)) enum fio_q_status
submit_and_wait(struct thread_data *td, struct nvme_thread *nt, struct io_u *io_u);

/* Every I/O nvme_queue() does not take itself. */
static __attribute__((noinline)) enum fio_q_status queue_any(struct thread_data *td,
							    struct io_u *io_u)
{
	struct blk_options *o = td->eo;
	struct nvme_thread *nt = nvme_thread_of(td);
	struct nvme_req *req = io_u->engine_data;
	const struct nvme_target *t = FILE_ENG_DATA(io_u->file);
	uint32_t tag = req->tag;
	uint64_t need = 1;
	int ret;

	fio_ro_check(td, io_u);

	/* Its commands are still out: fio never does this, and it must not reach the slots. */
	if (req->io.pending)
		return FIO_Q_BUSY;
	/*
	 * blk_verify_compare: a verify read carries the pattern the blocks
	 * must hold, and the controller compares. The buffer then holds what
	 * fio expects, so its own check passes after a Compare that did.
	 */
	req->compare = o->verify_compare && io_u->ddir == DDIR_READ &&
		       td->runstate == TD_VERIFYING;
	if (req->compare)
		(void)cpy_pattern(td->o.verify_pattern, td->o.verify_pattern_bytes,
				  io_u->xfer_buf, io_u->xfer_buflen);
	if ((io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE) && t->fast_rw &&
	    !req->compare) {
		if (!io_uring_sq_space_left(&nt->ring))
			return FIO_Q_BUSY;
		if (nvme_queue_fast_rw(nt, req, io_u, t)) {
			req->t = (struct nvme_target *)t;
			blk_io_begin(&req->io);
			blk_io_part_sent(&req->io);
			if (nt->sqe_extras)
				nvme_apply_sqe_extras(td, nt, req, io_u, 1);
			nt->queued[nt->nr_queued++] = io_u;
			if (nt->wait_in_queue)
				return submit_and_wait(td, nt, io_u);
			return FIO_Q_QUEUED;
		}
		/* Not whole blocks inside the namespace, or above max_xfer: see below. */
	}

	if (ddir_rw(io_u->ddir) && io_u->ddir != DDIR_TRIM)
		need = blk_split_count(io_u->xfer_buflen, t->geom.max_xfer);
	if (need > nt->max_chunks) {
		/* More than init() sized the slots for (bs above max_bs). */
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	if (io_uring_sq_space_left(&nt->ring) < need)
		return FIO_Q_BUSY;

	req->t = (struct nvme_target *)t;
	blk_io_begin(&req->io);
	req->wmode = o->write_mode;
	if (o->write_mode == BLK_WRITE_MODE_MIX && io_u->ddir == DDIR_WRITE) {
		req->wmode = blk_write_mix_pick(&o->write_mix, mix_percentile(nt));
		req->queued_ns = now_ns();
	}

	switch (io_u->ddir) {
	case DDIR_READ:
	case DDIR_WRITE:
		ret = nvme_queue_rw(td, nt, req, tag);
		break;
	case DDIR_TRIM:
	case DDIR_SYNC:
	case DDIR_DATASYNC:
	case DDIR_SYNC_FILE_RANGE:
		ret = nvme_queue_one(td, nt, req, tag);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret) {
		blk_io_fail(&req->io, BLK_ERR_ERRNO, (uint32_t)-ret, -ret);
		/* Commands already written to SQEs go out and complete as part of this io_u. */
		if (req->io.pending) {
			nt->queued[nt->nr_queued++] = io_u;
			return FIO_Q_QUEUED;
		}
		io_u->error = -ret;
		return FIO_Q_COMPLETED;
	}
	/* None of the io_u's commands is out yet: pending counts its SQEs. */
	if (nt->sqe_extras)
		nvme_apply_sqe_extras(td, nt, req, io_u, req->io.pending);
	nt->queued[nt->nr_queued++] = io_u;
	if (nt->wait_in_queue)
		return submit_and_wait(td, nt, io_u);
	return FIO_Q_QUEUED;
}

/*
 * The common I/O, a read or write of one command from the target's
 * template into a slot that already holds the rest of it, on a job that
 * adds nothing to its SQE. Everything else goes to queue_any(), the first
 * I/O of each io_u too (it prepares the slot). Nothing here calls out but
 * in tail position, so the path needs no frame.
 */
static enum fio_q_status nvme_queue(struct thread_data *td, struct io_u *io_u)
{
	struct nvme_thread *nt = nvme_thread_of(td);
	struct nvme_req *req = io_u->engine_data;
	const struct nvme_target *t = FILE_ENG_DATA(io_u->file);

	fio_ro_check(td, io_u);
	/*
	 * No room check: without SQPOLL each enter takes every SQE queued
	 * before it, and the ring holds the slots of all iodepth io_us.
	 * DDIR_READ and DDIR_WRITE are 0 and 1.
	 */
	if (!t->lean_rw || (unsigned int)io_u->ddir > DDIR_WRITE || req->prep_t != t ||
	    req->io.pending || !nvme_fill_fast_rw(nt, req, io_u, t))
		return queue_any(td, io_u);
	/* req->compare stays false: queue_any() clears it on a lean_rw job. */
	req->t = (struct nvme_target *)t;
	blk_io_begin(&req->io);
	blk_io_part_sent(&req->io);
	nt->queued[nt->nr_queued++] = io_u;
	if (nt->wait_in_queue)
		return submit_and_wait(td, nt, io_u);
	return FIO_Q_QUEUED;
}

static inline __attribute__((always_inline))
void mark_issued(struct thread_data *td, struct nvme_thread *nt)
{
	struct timespec now;
	unsigned int i;

	if (!nt->nr_queued)
		return;
	io_u_mark_submit(td, nt->nr_queued);
	if (nt->fill_issue_time) {
		fio_gettime(&now, NULL);
		for (i = 0; i < nt->nr_queued; i++) {
			nt->queued[i]->issue_time = now;
			io_u_queued(td, nt->queued[i]);
		}
		if (td->o.read_iolog_file)
			td->last_issue = now;
	}
	nt->nr_queued = 0;
}

/*
 * Commands the kernel has and has not completed: every command an io_u has
 * out counts in its pending, the ones still in the SQ included.
 */
static unsigned int commands_in_kernel(const struct nvme_thread *nt)
{
	unsigned int tag, out = 0;

	for (tag = 0; tag < nt->pool.nr; tag++)
		out += ((const struct nvme_req *)blk_req_ctx(&nt->pool, tag))->io.pending;
	return out > nt->sqes_pending ? out - nt->sqes_pending : 0;
}

/*
 * The kernel is short of resources (EAGAIN) or its completion queue is
 * full (EBUSY): make room by taking the completions that are there into
 * the event list, or, when there are none, by waiting for one. fio's own
 * io_uring engine does the same.
 */
static int commit_make_room(struct thread_data *td, struct nvme_thread *nt)
{
	struct io_uring_cqe *cqe;
	int ret;

	if (nvme_reap(td, nt, td->o.iodepth))
		return 0;
	if (!commands_in_kernel(nt)) {
		/* Nothing can complete: only time frees what the kernel lacks. */
		sched_yield();
		return 0;
	}
	ret = io_uring_wait_cqe(&nt->ring, &cqe);
	if (ret && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME)
		return ret;
	nvme_reap(td, nt, td->o.iodepth);
	return 0;
}

/*
 * One enter that hands the kernel every queued SQE and, with wait_nr > 0,
 * waits for that many completions. Asking for events on the submitting
 * enter posts the completions already waiting, so getevents() often finds
 * them without entering again (DEFER_TASKRUN posts none otherwise). The
 * slots up to the tail are the kernel's; the enter orders the store.
 */
static inline __attribute__((always_inline))
int enter_queued(struct nvme_thread *nt, unsigned int wait_nr)
{
	struct io_uring_sq *sq = &nt->ring.sq;

	sq->sqe_head = sq->sqe_tail;
	*sq->ktail = sq->sqe_tail;
	return blk_uring_enter(nt->enter_fd, nt->sqes_pending, wait_nr,
			       IORING_ENTER_GETEVENTS | nt->enter_flags);
}

/*
 * Accounts for one submission's result: 0 when the caller may go on (SQEs
 * taken, an interrupted enter, or room made for the rest), else the error
 * that ends the job.
 */
static __attribute__((noinline)) int take_submit_result(struct thread_data *td,
							struct nvme_thread *nt, int ret)
{
	if (ret > 0) {
		nt->sqes_pending -= (unsigned int)ret < nt->sqes_pending ?
				    (unsigned int)ret : nt->sqes_pending;
		return 0;
	}
	if (ret == 0 || ret == -EINTR)
		return 0;
	if (ret == -EAGAIN || ret == -EBUSY) {
		ret = commit_make_room(td, nt);
		if (!ret)
			return 0;
	}
	td_verror(td, -ret, "io_uring_submit");
	return ret;
}

/* submit_pending() for an SQPOLL ring, or for the SQEs a first enter left. */
static __attribute__((noinline)) int submit_rest(struct thread_data *td, struct nvme_thread *nt,
						 unsigned int wait_nr)
{
	int ret;

	while (nt->sqes_pending) {
		if (nt->sqpoll) {
			/*
			 * Once the tail is published every SQE up to it is the
			 * SQ thread's. io_uring_submit() returns the entries
			 * the thread has not taken yet, which is none when it
			 * took them before liburing read its head back:
			 * counting that would retry for ever.
			 */
			ret = io_uring_submit(&nt->ring);
			if (ret >= 0)
				ret = (int)nt->sqes_pending;
		} else {
			ret = enter_queued(nt, wait_nr);
		}
		ret = take_submit_result(td, nt, ret);
		if (ret)
			return ret;
	}
	return 0;
}

/* submit_pending() after an enter that took less than every queued SQE (ret). */
static __attribute__((noinline)) int submit_short(struct thread_data *td, struct nvme_thread *nt,
						  int ret, unsigned int wait_nr)
{
	ret = take_submit_result(td, nt, ret);
	return ret ? ret : submit_rest(td, nt, wait_nr);
}

/*
 * Hands the queued SQEs to the kernel. wait_nr > 0 also waits in the same
 * enter until that many completions are posted (the QD1 path); an SQPOLL
 * thread submits without any enter and is never asked to wait here. The
 * common case, one enter that takes them all, is inline.
 */
static inline __attribute__((always_inline))
int submit_pending(struct thread_data *td, struct nvme_thread *nt, unsigned int wait_nr)
{
	int ret;

	if (nt->sqpoll || !nt->sqes_pending)
		return submit_rest(td, nt, wait_nr);
	ret = enter_queued(nt, wait_nr);
	if (ret != (int)nt->sqes_pending)
		return submit_short(td, nt, ret, wait_nr);
	nt->sqes_pending = 0;
	return 0;
}

static __attribute__((noinline)) int submit_now(struct thread_data *td, struct nvme_thread *nt)
{
	mark_issued(td, nt);
	return submit_pending(td, nt, 0);
}

/*
 * The issue time is stamped as the commands go to the kernel, before the
 * enter that submits them: on the paths where that enter also waits
 * (iodepth=1, or a burst held for getevents()) no later moment is the
 * submission's.
 */
static int nvme_commit(struct thread_data *td)
{
	struct nvme_thread *nt = nvme_thread_of(td);

	/*
	 * Held for getevents(), which submits the burst and waits in one
	 * enter: fio calls it once the burst is in (or as the job ends).
	 * fio also commits again right before it waits, with nothing left.
	 */
	if (nt->hold_for_wait || (!nt->sqes_pending && !nt->nr_queued))
		return 0;
	return submit_now(td, nt);
}

static int wait_cqes(struct nvme_thread *nt, unsigned int nr, const struct timespec *t);

/*
 * At iodepth=1 fio waits for each I/O before it queues the next, so the
 * I/O is submitted and waited for in one enter and handed back completed:
 * one system call per I/O instead of two, and no commit, getevents and
 * event round through fio. The issue time is stamped before the enter
 * (FIO_ASYNCIO_SETS_ISSUE_TIME), so fio's completion latency covers the
 * device's time as on the queued path. An I/O that failed, or whose
 * submission or wait went wrong, is handed back as queued instead: fio's
 * commit and getevents then report it the way they report any other.
 * The caller has put io_u on the queued list.
 */
static __attribute__((noinline)) enum fio_q_status
submit_and_wait(struct thread_data *td, struct nvme_thread *nt, struct io_u *io_u)
{
	int ret;

	mark_issued(td, nt);
	if (submit_pending(td, nt, 1))
		return FIO_Q_QUEUED;
	while (!nt->nr_events) {
		/* An io_u split above the transfer limit completes with its last command. */
		if (nvme_reap(td, nt, 1))
			continue;
		ret = wait_cqes(nt, 1, NULL);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			return FIO_Q_QUEUED;
	}
	if (nt->events[0] != io_u)
		return FIO_Q_QUEUED;
	if (io_u->error) {
		/*
		 * fio counts an error it finds on an io_u queue() returns
		 * queued, and again when getevents() hands the io_u out:
		 * the error waits until then.
		 */
		nt->held_error = io_u->error;
		io_u->error = 0;
		io_u->resid = 0;
		return FIO_Q_QUEUED;
	}
	nt->nr_events = 0;
	io_u_mark_complete(td, 1);
	return FIO_Q_COMPLETED;
}

/*
 * Waits in the kernel until nr more completions are posted, or until t.
 * Without a time limit that is one enter: the caller reaps after it.
 */
static int wait_cqes(struct nvme_thread *nt, unsigned int nr, const struct timespec *t)
{
	struct __kernel_timespec ts;
	struct io_uring_cqe *cqe;

	if (t) {
		ts.tv_sec = t->tv_sec;
		ts.tv_nsec = t->tv_nsec;
		return io_uring_wait_cqes(&nt->ring, &cqe, nr, &ts, NULL);
	}
	return blk_uring_enter(nt->enter_fd, 0, nr, IORING_ENTER_GETEVENTS | nt->enter_flags);
}

/* nvme_getevents() for every state but a queue kept full. */
static __attribute__((noinline)) int getevents_any(struct thread_data *td, unsigned int min,
						   unsigned int max, const struct timespec *t)
{
	struct nvme_thread *nt = nvme_thread_of(td);
	unsigned int n;
	int ret;

	if (nt->held_error) {
		/* submit_and_wait() left it first in the event list. */
		nt->events[0]->error = nt->held_error;
		nt->events[0]->resid = nt->events[0]->xfer_buflen;
		nt->held_error = 0;
	}
	if (nt->sqes_pending) {
		/*
		 * The burst commit() held: submitted, and waited for, in one
		 * enter. The kernel counts the completions already in the ring
		 * towards the wait.
		 */
		unsigned int need = !t && nt->nr_events < min ? min - nt->nr_events : 0;

		mark_issued(td, nt);
		ret = submit_pending(td, nt, need);
		if (ret)
			return ret;
	}
	/* io_us commit() took while making room come first. */
	nvme_reap(td, nt, max);
	if (!nt->nr_events && !min && nt->enter_to_reap) {
		/* IOPOLL and DEFER_TASKRUN post completions only from an enter. */
		ret = blk_uring_enter(nt->enter_fd, 0, 0, IORING_ENTER_GETEVENTS | nt->enter_flags);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			goto enter_failed;
		nvme_reap(td, nt, max);
	}
	while (nt->nr_events < min) {
		/* Every io_u still missing needs at least one more CQE. */
		ret = wait_cqes(nt, min - nt->nr_events, t);
		if (ret == -ETIME)
			break;
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			goto enter_failed;
		nvme_reap(td, nt, max);
	}
	/* Hand out the newest; any left over stay at the front for the next call. */
	n = nt->nr_events < max ? nt->nr_events : max;
	nt->nr_events -= n;
	nt->ev_base = nt->nr_events;
	return (int)n;

enter_failed:
	td_verror(td, -ret, "io_uring_enter");
	return ret;
}

/*
 * nvme_getevents() after the enter that was to take the held burst took
 * less than all of it (ret): the rest of the submission, then of the wait.
 */
static __attribute__((noinline)) int getevents_short_submit(struct thread_data *td, int ret,
							     unsigned int min, unsigned int max)
{
	ret = submit_short(td, nvme_thread_of(td), ret, min);
	return ret ? ret : getevents_any(td, min, max, NULL);
}

/*
 * The wait of a queue kept full: commit() held the burst, the event list
 * is empty (an error submit_and_wait() held has its io_u there) and there
 * is no time limit. The burst goes out in the enter that waits for min
 * completions, and those are handed out. Everything else (a completion
 * that needs checks, fewer than min) goes on in getevents_any(): nothing
 * is called after the enter but in tail position.
 */
static int nvme_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			  const struct timespec *t)
{
	struct nvme_thread *nt = nvme_thread_of(td);
	unsigned int n;
	int ret;

	if (!nt->sqes_pending || nt->nr_events || t || nt->sqpoll)
		return getevents_any(td, min, max, t);
	mark_issued(td, nt);
	ret = enter_queued(nt, min);
	if (ret != (int)nt->sqes_pending)
		return getevents_short_submit(td, ret, min, max);
	nt->sqes_pending = 0;
	if (!nvme_reap_plain(nt, max, &n))
		return getevents_any(td, min, max, t);
	n = nt->nr_events;
	/* IOPOLL and DEFER_TASKRUN may owe completions to one more enter. */
	if (n < min || (!n && nt->enter_to_reap))
		return getevents_any(td, min, max, t);
	nt->nr_events = 0;
	nt->ev_base = 0;
	return (int)n;
}

static struct io_u *nvme_event(struct thread_data *td, int event)
{
	struct nvme_thread *nt = nvme_thread_of(td);

	return nt->events[nt->ev_base + (unsigned int)event];
}

static int nvme_post_init(struct thread_data *td)
{
	struct blk_options *o = td->eo;
	struct nvme_thread *nt = nvme_thread_of(td);
	unsigned int i;
	bool lean;
	int ret;

	ret = blk_health_job_start(td, nt->targets, nt->nr_targets, &nt->health);
	if (ret)
		return ret;
	ret = nvme_ring_setup(td, nt);
	if (ret)
		return ret;
	/* SQPOLL submits from a kernel thread: its I/O takes the queued path. */
	nt->wait_in_queue = td->o.iodepth == 1 && !nt->sqpoll;
	nt->hold_for_wait = td->o.iodepth >= 2 && !nt->sqpoll && blk_job_unpaced(td);
	/* No I/O of the job needs more than its template: see nvme_queue(). */
	lean = !nt->sqe_extras && !o->verify_compare && !o->sqpoll_thread;
	for (i = 0; i < nt->nr_targets; i++) {
		nvme_prepare_fast_rw(td, &nt->targets[i]);
		nt->targets[i].lean_rw = nt->targets[i].fast_rw && lean;
	}
	if (o->registerfiles) {
		ret = nvme_register_files(nt);
		if (ret)
			return ret;
	}
	if (o->fixedbufs) {
		ret = nvme_register_buffers(td, nt);
		if (ret)
			return ret;
	}
#ifdef FIO_HAVE_IOPRIO_CLASS
	if (nt->cmdprio.mode != CMDPRIO_MODE_NONE) {
		ret = nvme_probe_cmdprio(td, nt);
		if (ret)
			return ret;
	}
#endif
	if (nt->fixed || o->hipri)
		return nvme_probe_command(td, nt);
	return 0;
}

static void nvme_cleanup(struct thread_data *td)
{
	struct nvme_thread *nt = nvme_thread_of(td);

	if (!nt)
		return;
	nvme_print_summaries(td, nt);
	blk_health_job_end(td, nt->targets, nt->health);
	free_thread(nt);
	td->io_ops_data = NULL;
}

static int nvme_open_file(struct thread_data *td, struct fio_file *f)
{
	struct nvme_thread *nt = nvme_thread_of(td);

	if (f->fileno >= (int)nt->nr_targets)
		return EINVAL;
	FILE_SET_ENG_DATA(f, &nt->targets[f->fileno]);
	f->fd = nt->targets[f->fileno].fd;
	return 0;
}

/* The device stays open for the thread's life; registered files need it. */
static int nvme_close_file(struct thread_data *td, struct fio_file *f)
{
	f->fd = -1;
	return 0;
}

static int nvme_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct nvme_thread *nt = nvme_thread_of(td);
	struct nvme_req *req;

	if (io_u->index >= nt->pool.nr)
		return EINVAL;
	req = blk_req_ctx(&nt->pool, io_u->index);
	req->io_u = io_u;
	req->tag = io_u->index;
	req->slot0 = slot_of(nt, req->tag, 0);
	req->ranges = nt->dsm + (size_t)req->tag * nt->nr_ranges;
	if (nt->md_buf)
		req->md = nt->md_buf + nt->md_per_io * req->tag;
	/* From here on io_u->index is gone: fio 3.33 keeps it in the same union. */
	io_u->engine_data = req;
	return 0;
}

static void nvme_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	io_u->engine_data = NULL;
}

const struct blk_backend blk_nvme_uring_backend = {
	.kind		= BLK_KIND_NVME_URING,
	.setup		= nvme_setup,
	.init		= nvme_init,
	.post_init	= nvme_post_init,
	.cleanup	= nvme_cleanup,
	.open_file	= nvme_open_file,
	.close_file	= nvme_close_file,
	.io_u_init	= nvme_io_u_init,
	.io_u_free	= nvme_io_u_free,
	.queue		= nvme_queue,
	.commit		= nvme_commit,
	.getevents	= nvme_getevents,
	.event		= nvme_event,
	.get_zoned_model = nvme_zones_get_model,
	.report_zones	= nvme_zones_report,
	.reset_wp	= nvme_zones_reset_wp,
	.finish_zone	= nvme_zones_finish,
	.get_max_open_zones = nvme_zones_max_open,
	.get_max_active_zones = nvme_zones_max_active,
};
