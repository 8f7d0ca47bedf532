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
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <linux/nvme_ioctl.h>

#include "fio.h"
#include "engines/cmdprio.h"	/* fio's: cmdprio_* as its io_uring engines have them */

#include "backend.h"
#include "io_geom.h"
#include "io_track.h"
#include "job_check.h"
#include "nvme_cmd.h"
#include "nvme_health.h"
#include "nvme_pi.h"
#include "nvme_status.h"
#include "nvme_uring.h"
#include "nvme_zones.h"
#include "options.h"
#include "req_pool.h"

/* build_rw's mode for a verify read sent as Compare (no write mode has it). */
#define BLK_WRITE_MODE_COMPARE_READ	0x100

/* Distinct NVMe statuses counted for the summary at the end of a job. */
#define STATUS_SLOTS		16

/* user_data of the start-up probe command: no io_u owns it. */
#define PROBE_USER_DATA		UINT64_MAX

struct nvme_req {
	struct blk_io_track io;		/* first: errdetails() reads io.err */
	struct io_u *io_u;
	uint32_t tag;			/* io_u->index, which engine_data overlays in fio 3.33 */
	struct nvme_target *t;
	/*
	 * The target whose read/write layout the first SQE slot holds (see
	 * prep_fast_slot), NULL once any other command used the slot.
	 */
	const struct nvme_target *prep_t;
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
	/* No completion needs more than its io_u handed back (see reap()). */
	bool plain_cqes;
	/* No I/O needs more than its template (see nvme_queue()). */
	bool lean_rw;
	int held_error;			/* of the failed io_u submit_and_wait() queued */
	int enter_fd;			/* what io_uring_enter() names the ring by */
	unsigned int enter_flags;	/* IORING_ENTER_REGISTERED_RING when registered */
	unsigned int inflight;		/* commands submitted whose CQE is not reaped */
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

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

/*
 * force_async, and the I/O priority fio's cmdprio code picks for some
 * reads and writes (cmdprio_percentage, cmdprio_bssplit), which goes in
 * the SQE's ioprio as in fio's io_uring engines.
 */
static int sqe_extras_init(struct thread_data *td, struct nvme_thread *nt)
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
	ret = sqe_extras_init(td, nt);
	if (ret)
		goto free_nt;
	nt->lean_rw = !nt->sqe_extras && !o->verify_compare && !o->sqpoll_thread;
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
static int ring_setup(struct thread_data *td, struct nvme_thread *nt)
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
	/* SQPOLL submits from a kernel thread: its I/O takes the queued path. */
	nt->wait_in_queue = td->o.iodepth == 1 && !nt->sqpoll;
	nt->hold_for_wait = td->o.iodepth >= 2 && !nt->sqpoll && blk_job_unpaced(td);
	return 0;
}

static int register_files(struct nvme_thread *nt)
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
static int register_buffers(struct thread_data *td, struct nvme_thread *nt)
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

/* ---- commands ---- */

/*
 * Puts SQE slot at the SQ ring's tail and returns it. The caller checked
 * the ring has room; a slot is reused only after its completion, when the
 * kernel is done with it.
 */
static inline struct io_uring_sqe *take_slot(struct nvme_thread *nt, unsigned int slot)
{
	struct io_uring_sq *sq = &nt->ring.sq;

	sq->array[sq->sqe_tail & sq->ring_mask] = slot;
	sq->sqe_tail++;
	/* 128-byte SQEs: two of liburing's 64-byte entries each. */
	return &sq->sqes[(size_t)slot << 1];
}

static inline unsigned int slot_of(const struct nvme_thread *nt, uint32_t tag,
				   unsigned int chunk)
{
	return tag * nt->max_chunks + chunk;
}

/* Points one SQE at the device; the NVMe command is filled after. */
static struct nvme_uring_cmd *sqe_start(struct nvme_thread *nt, struct io_uring_sqe *sqe,
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
 * The registered piece of an io_u buffer that holds len bytes at offset off;
 * false when they cross into the next piece (the command goes unregistered).
 * One piece per buffer, the usual case, needs no division.
 */
static bool fixed_piece_of(const struct nvme_thread *nt, uint64_t off, uint32_t len,
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

/* Data commands: fixed buffer and vectored forms. */
static void sqe_data(struct nvme_thread *nt, struct io_uring_sqe *sqe,
		     struct nvme_uring_cmd *cmd, struct iovec *iov,
		     const struct nvme_req *req)
{
	uintptr_t addr = (uintptr_t)cmd->addr;

	if (nt->fixed && req) {
		uintptr_t buf = (uintptr_t)req->io_u->buf;
		uint64_t piece;

		if (addr >= buf && fixed_piece_of(nt, addr - buf, cmd->data_len, &piece)) {
			sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
			sqe->buf_index = (uint16_t)(req->tag * nt->fixed_per_io + piece);
		}
	}
	if (nt->vectored) {
		iov->iov_base = (void *)addr;
		iov->iov_len = cmd->data_len;
		cmd->addr = (uintptr_t)iov;
		cmd->data_len = 1;
		sqe->cmd_op = NVME_URING_CMD_IO_VEC;
	}
}

static void fill_pi(const struct nvme_target *t, const struct blk_options *o,
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

	fill_pi(t, o, rw);
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
static void prepare_fast_rw(struct thread_data *td, struct nvme_target *t)
{
	struct blk_options *o = td->eo;
	/* build_rw adds flags to what it is given: one each. */
	struct blk_nvme_rw read = { .nsid = t->ns.nsid, .nlb = 1, .len = t->geom.block };
	struct blk_nvme_rw write = read;

	t->fast_rw = !t->ns.pi_type && !t->md_per_block && !t->place.dtype &&
		     o->write_mode == BLK_WRITE_MODE_WRITE &&
		     !build_rw(td, t, &t->rw_template[DDIR_READ], DDIR_READ, &read, o->write_mode) &&
		     !build_rw(td, t, &t->rw_template[DDIR_WRITE], DDIR_WRITE, &write, o->write_mode);
}

/*
 * Makes the first SQE slot of req a read/write of target t: everything
 * that stays the same from one such I/O to the next. queue_fast_rw() then
 * writes the rest.
 */
static void prep_fast_slot(struct nvme_thread *nt, struct nvme_req *req,
			   const struct nvme_target *t, struct io_uring_sqe *sqe)
{
	struct nvme_uring_cmd *cmd = sqe_start(nt, sqe, t, req->tag);

	*cmd = t->rw_template[DDIR_READ];
	if (nt->vectored) {
		cmd->addr = (uintptr_t)&req->iov[0];
		cmd->data_len = 1;
		sqe->cmd_op = NVME_URING_CMD_IO_VEC;
	}
	req->prep_t = t;
}

/*
 * A read or write that fits one command, from the target's template:
 * -EINVAL, with nothing taken, when it is not whole blocks inside the
 * namespace (the general path then fails it the same way).
 */
static inline __attribute__((always_inline))
int queue_fast_rw(struct nvme_thread *nt, struct nvme_req *req,
		  struct io_u *io_u, const struct nvme_target *t)
{
	const struct nvme_uring_cmd *tmpl = &t->rw_template[io_u->ddir];
	uint64_t off = io_u->offset, len = io_u->xfer_buflen, slba, nlb;
	struct io_uring_sqe *sqe;
	struct nvme_uring_cmd *cmd;

	if (!blk_nvme_lba_exact(&t->lba, off, &slba) || !blk_nvme_lba_exact(&t->lba, len, &nlb) ||
	    !len || off > t->geom.capacity || len > t->geom.capacity - off)
		return -EINVAL;
	sqe = take_slot(nt, slot_of(nt, req->tag, 0));
	cmd = (struct nvme_uring_cmd *)sqe->cmd;
	if (req->prep_t != t)
		prep_fast_slot(nt, req, t, sqe);
	cmd->opcode = tmpl->opcode;
	cmd->cdw10 = (uint32_t)slba;
	cmd->cdw11 = (uint32_t)(slba >> 32);
	/* The template is for one block: NLB - 1 is 0 there. */
	cmd->cdw12 = tmpl->cdw12 | (uint32_t)(nlb - 1);
	if (nt->vectored) {
		req->iov[0].iov_base = io_u->xfer_buf;
		req->iov[0].iov_len = len;
	} else {
		cmd->addr = (uintptr_t)io_u->xfer_buf;
		cmd->data_len = (uint32_t)len;
	}
	if (nt->fixed) {
		uintptr_t addr = (uintptr_t)io_u->xfer_buf, buf = (uintptr_t)io_u->buf;
		uint64_t piece;

		if (addr >= buf && fixed_piece_of(nt, addr - buf, (uint32_t)len, &piece)) {
			sqe->uring_cmd_flags = IORING_URING_CMD_FIXED;
			sqe->buf_index = (uint16_t)(req->tag * nt->fixed_per_io + piece);
		} else {
			sqe->uring_cmd_flags = 0;
		}
	}
	nt->sqes_pending++;
	return 0;
}

/* Queues the commands of a read or write, max_xfer bytes each. */
static int queue_rw(struct thread_data *td, struct nvme_thread *nt, struct nvme_req *req,
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
		cmd = sqe_start(nt, sqe, t, (uint64_t)chunk << 32 | tag);
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
			sqe_data(nt, sqe, cmd, &req->iov[chunk], req);
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

static int queue_one(struct thread_data *td, struct nvme_thread *nt, struct nvme_req *req,
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
	cmd = sqe_start(nt, sqe, t, tag);
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
 * Writes what sqe_extras_init() chose into the n SQEs the io_u's commands
 * took. A slot prepared once keeps its flags from one I/O to the next, so
 * IOSQE_ASYNC is cleared where it does not belong.
 */
static void apply_sqe_extras(struct thread_data *td, struct nvme_thread *nt,
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
	    !req->compare && io_u->xfer_buflen <= t->geom.max_xfer) {
		if (!io_uring_sq_space_left(&nt->ring))
			return FIO_Q_BUSY;
		if (!queue_fast_rw(nt, req, io_u, t)) {
			req->t = (struct nvme_target *)t;
			blk_io_begin(&req->io);
			blk_io_part_sent(&req->io);
			if (nt->sqe_extras)
				apply_sqe_extras(td, nt, req, io_u, 1);
			if (nt->wait_in_queue)
				return submit_and_wait(td, nt, io_u);
			nt->queued[nt->nr_queued++] = io_u;
			return FIO_Q_QUEUED;
		}
		/* Not whole blocks inside the namespace: failed below with the same checks. */
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
		ret = queue_rw(td, nt, req, tag);
		break;
	case DDIR_TRIM:
	case DDIR_SYNC:
	case DDIR_DATASYNC:
	case DDIR_SYNC_FILE_RANGE:
		ret = queue_one(td, nt, req, tag);
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
		apply_sqe_extras(td, nt, req, io_u, req->io.pending);
	if (nt->wait_in_queue)
		return submit_and_wait(td, nt, io_u);
	nt->queued[nt->nr_queued++] = io_u;
	return FIO_Q_QUEUED;
}

/*
 * The common I/O, a read or write of one command from the target's
 * template on a job that adds nothing to its SQE, without queue_any()'s
 * frame: whatever this cannot take goes there.
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
	 */
	if (nt->lean_rw && (io_u->ddir == DDIR_READ || io_u->ddir == DDIR_WRITE) &&
	    t->fast_rw && !req->io.pending && io_u->xfer_buflen <= t->geom.max_xfer &&
	    !queue_fast_rw(nt, req, io_u, t)) {
		req->t = (struct nvme_target *)t;
		req->compare = false;
		blk_io_begin(&req->io);
		blk_io_part_sent(&req->io);
		if (nt->wait_in_queue)
			return submit_and_wait(td, nt, io_u);
		nt->queued[nt->nr_queued++] = io_u;
		return FIO_Q_QUEUED;
	}
	return queue_any(td, io_u);
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

static unsigned int reap(struct thread_data *td, struct nvme_thread *nt, unsigned int max);

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

	if (reap(td, nt, td->o.iodepth))
		return 0;
	if (!nt->inflight) {
		/* Nothing can complete: only time frees what the kernel lacks. */
		sched_yield();
		return 0;
	}
	ret = io_uring_wait_cqe(&nt->ring, &cqe);
	if (ret && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY && ret != -ETIME)
		return ret;
	reap(td, nt, td->o.iodepth);
	return 0;
}

/*
 * submit_pending() past its first enter: an SQPOLL ring, an enter that
 * took fewer SQEs than queued, or failed. ret is that first enter's
 * result, or none (have_ret false).
 */
static __attribute__((noinline)) int submit_rest(struct thread_data *td, struct nvme_thread *nt,
						 unsigned int wait_nr, int ret, bool have_ret)
{
	while (nt->sqes_pending) {
		if (have_ret) {
			have_ret = false;
		} else if (nt->sqpoll) {
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
			struct io_uring_sq *sq = &nt->ring.sq;

			/* The slots up to the tail are the kernel's; the enter orders the store. */
			sq->sqe_head = sq->sqe_tail;
			*sq->ktail = sq->sqe_tail;
			ret = io_uring_enter(nt->enter_fd, nt->sqes_pending, wait_nr,
					     IORING_ENTER_GETEVENTS | nt->enter_flags, NULL);
		}
		if (ret > 0) {
			unsigned int n = (unsigned int)ret < nt->sqes_pending ?
					 (unsigned int)ret : nt->sqes_pending;

			nt->sqes_pending -= n;
			nt->inflight += n;
			continue;
		}
		if (ret == 0 || ret == -EINTR)
			continue;
		if (ret == -EAGAIN || ret == -EBUSY) {
			ret = commit_make_room(td, nt);
			if (!ret)
				continue;
		}
		td_verror(td, -ret, "io_uring_submit");
		return ret;
	}
	return 0;
}

/*
 * Hands the queued SQEs to the kernel. wait_nr > 0 also waits in the same
 * enter until that many completions are posted (the QD1 path); an SQPOLL
 * thread submits without any enter and is never asked to wait here. The
 * common case, one enter that takes them all, is inline; submit_rest()
 * has the others.
 */
static inline __attribute__((always_inline))
int submit_pending(struct thread_data *td, struct nvme_thread *nt, unsigned int wait_nr)
{
	struct io_uring_sq *sq = &nt->ring.sq;
	int ret;

	if (nt->sqpoll || !nt->sqes_pending)
		return submit_rest(td, nt, wait_nr, 0, false);
	/*
	 * Asking for events on the submitting enter posts the completions
	 * already waiting, so getevents() often finds them without entering
	 * again (DEFER_TASKRUN posts none otherwise). The slots up to the
	 * tail are the kernel's; the enter orders the store.
	 */
	sq->sqe_head = sq->sqe_tail;
	*sq->ktail = sq->sqe_tail;
	ret = io_uring_enter(nt->enter_fd, nt->sqes_pending, wait_nr,
			     IORING_ENTER_GETEVENTS | nt->enter_flags, NULL);
	if (ret != (int)nt->sqes_pending)
		return submit_rest(td, nt, wait_nr, ret, true);
	nt->inflight += (unsigned int)ret;
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
 */
static __attribute__((noinline)) enum fio_q_status
submit_and_wait(struct thread_data *td, struct nvme_thread *nt, struct io_u *io_u)
{
	int ret;

	nt->queued[nt->nr_queued++] = io_u;
	mark_issued(td, nt);
	if (submit_pending(td, nt, 1))
		return FIO_Q_QUEUED;
	while (!nt->nr_events) {
		/* An io_u split above the transfer limit completes with its last command. */
		if (reap(td, nt, 1))
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

/* ---- completions ---- */

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

/* Returns the io_u when this was its last command, else NULL. */
static __attribute__((noinline)) struct io_u *complete_cmd(struct thread_data *td, struct nvme_thread *nt,
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

/*
 * Takes completions into the event list until it holds max io_us; the CQ
 * head moves once. Returns the CQEs taken.
 *
 * A read or write that went out as one command and succeeded needs nothing
 * recorded and no check run when the job has no per-command work at
 * completion (plain_cqes): fio cleared the io_u's error and resid when it
 * queued it. Everything else, and anything unexpected, goes through
 * complete_cmd().
 */
static inline __attribute__((always_inline))
unsigned int reap_cq(struct thread_data *td, struct nvme_thread *nt, unsigned int max)
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
		io_u = complete_cmd(td, nt, cqe);
		if (io_u)
			nt->events[nt->nr_events++] = io_u;
	}
	if (seen) {
		io_uring_smp_store_release(cq->khead, head + seen);
		nt->inflight -= seen < nt->inflight ? seen : nt->inflight;
	}
	return seen;
}

/* reap_cq() for the paths off the common one: one copy of the loop. */
static __attribute__((noinline)) unsigned int reap(struct thread_data *td,
						    struct nvme_thread *nt, unsigned int max)
{
	return reap_cq(td, nt, max);
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
	return io_uring_enter(nt->enter_fd, 0, nr, IORING_ENTER_GETEVENTS | nt->enter_flags,
			      NULL);
}

static int nvme_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			  const struct timespec *t)
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
	reap_cq(td, nt, max);
	if (!nt->nr_events && !min && nt->enter_to_reap) {
		/* IOPOLL and DEFER_TASKRUN post completions only from an enter. */
		ret = io_uring_enter(nt->enter_fd, 0, 0, IORING_ENTER_GETEVENTS | nt->enter_flags,
				     NULL);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			goto enter_failed;
		reap(td, nt, max);
	}
	while (nt->nr_events < min) {
		/* Every io_u still missing needs at least one more CQE. */
		ret = wait_cqes(nt, min - nt->nr_events, t);
		if (ret == -ETIME)
			break;
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			goto enter_failed;
		reap(td, nt, max);
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

static struct io_u *nvme_event(struct thread_data *td, int event)
{
	struct nvme_thread *nt = nvme_thread_of(td);

	return nt->events[nt->ev_base + (unsigned int)event];
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
static int probe_command(struct thread_data *td, struct nvme_thread *nt)
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
	cmd = sqe_start(nt, sqe, t, PROBE_USER_DATA);
	fill_pi(t, o, &rw);
	/* Checks of PI the job never wrote would fail: only the transport is probed. */
	rw.prinfo &= BLK_NVME_PRINFO_PRACT;
	ret = blk_nvme_cmd_read(cmd, &rw);
	if (ret)
		return ret;
	sqe_data(nt, sqe, cmd, &iov, req);
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
static int probe_cmdprio(struct thread_data *td, struct nvme_thread *nt)
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
	cmd = sqe_start(nt, sqe, t, PROBE_USER_DATA);
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

static int nvme_post_init(struct thread_data *td)
{
	struct blk_options *o = td->eo;
	struct nvme_thread *nt = nvme_thread_of(td);
	unsigned int i;
	int ret;

	ret = blk_health_job_start(td, nt->targets, nt->nr_targets, &nt->health);
	if (ret)
		return ret;
	ret = ring_setup(td, nt);
	if (ret)
		return ret;
	for (i = 0; i < nt->nr_targets; i++)
		prepare_fast_rw(td, &nt->targets[i]);
	if (o->registerfiles) {
		ret = register_files(nt);
		if (ret)
			return ret;
	}
	if (o->fixedbufs) {
		ret = register_buffers(td, nt);
		if (ret)
			return ret;
	}
#ifdef FIO_HAVE_IOPRIO_CLASS
	if (nt->cmdprio.mode != CMDPRIO_MODE_NONE) {
		ret = probe_cmdprio(td, nt);
		if (ret)
			return ret;
	}
#endif
	if (nt->fixed || o->hipri)
		return probe_command(td, nt);
	return 0;
}

static void nvme_cleanup(struct thread_data *td)
{
	struct nvme_thread *nt = nvme_thread_of(td);

	if (!nt)
		return;
	print_mix_summary(td, nt);
	print_status_summary(td, nt);
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
