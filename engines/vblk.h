/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-blk driver's per-thread state and the seams between its parts:
 *   vblk_job.c   the job against the device: checks, request geometry, ring size
 *   vblk_req.c   requests on the virtqueue: building, completing, failing
 *                (vblk_req.h: the common request's path, inline)
 *   vblk_wait.c  waiting for completions: kicks, polling, spinning, stalls
 *                (vblk_wait.h: getevents when the used ring has them, inline)
 *   virtio_blk.c fio's hooks, ring memory and the queue's life cycle
 * Private to those files; transports see virtio_transport.h only.
 */
#ifndef BLK_VBLK_H
#define BLK_VBLK_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "fio.h"

#include "backend.h"
#include "io_geom.h"
#include "io_track.h"
#include "req_pool.h"
#include "virtio_dev.h"
#include "virtqueue.h"

#define VBLK_SECTOR_SHIFT	9

/* The part of a request the device reads or writes besides the data. */
struct vblk_slot_shm {
	struct virtio_blk_outhdr hdr;
	struct virtio_blk_discard_write_zeroes range;
	uint8_t status;
} __attribute__((aligned(64)));

/* Per io_u; engine_data points here. */
struct vblk_io {
	struct blk_io_track track;	/* first: the dispatcher's errdetails() reads it */
	struct io_u *io_u;
	struct vblk_io *next_flush;	/* on vt->flush_wait */
	bool flush_after;		/* writefua: flush once the data is written */
	bool lost;			/* the queue failed with this I/O in flight */
};

/* A request tag's context: the I/O it belongs to, and what to send again. */
struct vblk_slot {
	struct vblk_io *io;
	/* The request as added, to add it again after a reconnect. */
	void *buf;
	uint64_t offset, len;
	uint32_t type;
	uint32_t flags;			/* discard / write zeroes only */
	uint8_t op;			/* enum vblk_op */
	/*
	 * The slot's indirect table holds the header and status entries of a
	 * one-segment request (add_one_segment()); only the data entry changes.
	 */
	bool one_seg_table;
} __attribute__((aligned(BLK_REQ_CTX_ALIGN)));

/* The request pool's contexts are an array of these: no stride to load. */
_Static_assert(sizeof(struct vblk_slot) == BLK_REQ_CTX_ALIGN,
	       "struct vblk_slot must fill exactly one request pool context");

enum vblk_op {
	VBLK_OP_DATA,
	VBLK_OP_RANGE,			/* discard or write zeroes */
	VBLK_OP_FLUSH,
};

/* Why a queue stopped taking I/O; decides the errno of what it fails. */
enum vblk_broken {
	VBLK_OK = 0,
	VBLK_HUNG_UP,			/* the transport closed */
	VBLK_STALLED,			/* this queue completed nothing in time */
	VBLK_PROTOCOL,			/* the device broke the ring protocol */
};

struct vblk_thread {
	struct blk_thread bt;		/* first: the dispatcher's part */
	struct virtio_dev *dev;
	const struct virtio_transport_ops *ops;
	unsigned int qidx;
	bool has_queue;

	struct virtq vq;
	struct blk_iomem ring_mem;	/* ring, slot headers, indirect tables */
	uint64_t ring_addr;		/* device address of ring_mem.base */
	struct virtio_mem_region io_region;	/* fio's buffers, fd dup'ed */
	uint64_t io_addr;		/* device address of io_region.base */
	bool ring_mapped, io_mapped, vq_started, vq_attached;
	int call_fd, watch_fd;

	/* Requests: tag = slot index = index into shm and indirect. */
	struct blk_req_pool slots;	/* contexts: struct vblk_slot */
	struct vblk_slot_shm *shm;	/* [nr_slots] */
	struct vring_desc *indirect;	/* [nr_slots][ind_len], or NULL */
	unsigned int ind_len;
	unsigned int max_descs;		/* descriptors of the largest request */
	struct virtq_seg *segs;		/* [max_descs]: a request being built */

	/* Request geometry, from the config space and the job. */
	struct blk_geom geom;		/* block size, capacity, largest data request */
	uint32_t seg_len;		/* largest data segment */
	uint64_t range_bytes;		/* largest discard / write zeroes */
	uint32_t range_type;		/* VIRTIO_BLK_T_DISCARD or _WRITE_ZEROES for trims */
	uint32_t range_flags;
	uint32_t write_type;		/* VIRTIO_BLK_T_OUT or _WRITE_ZEROES */
	uint32_t write_flags;
	bool use_indirect, has_flush, fua, poll;
	bool adaptive;			/* spin before sleeping (vblk_wait.c) */
	/*
	 * The common I/O, a read or plain write of up to one_seg_len bytes
	 * (0: none), takes one request of one data segment (an indirect table,
	 * or a chain of three); checked once at init rather than per I/O.
	 */
	uint32_t one_seg_len;
	uint32_t block_mask;		/* block size - 1, a power of two here */
	bool plain_writes;		/* writes are VIRTIO_BLK_T_OUT without flags */
	bool fill_issue_time;		/* fio_fill_issue_time(), a job constant */
	bool wait_in_queue;		/* iodepth=1: queue() submits, waits and completes */
	int held_error;			/* of the failed I/O submit_and_wait() queued */
	int64_t spin_ns;		/* the current spin budget */
	int64_t poll_ns;		/* polling's budget, 0: the starting one */
	int64_t stall_ns;		/* blk_stall_timeout */

	struct io_u **queued;		/* since the last commit, for issue times */
	unsigned int nr_queued;
	bool republish;			/* completion added flushes */
	bool mem_held;			/* the device may still have the ring and buffers */
	struct vblk_io *flush_wait;	/* writefua writes whose flush awaits room */

	/*
	 * After getevents returns n I/Os, fio queues about n new ones, each
	 * with its own commit. Kicking once for the whole burst instead of
	 * once per commit saves the back-end a wake-up per request; the kick
	 * comes when the burst is in or, at the latest, when fio next waits.
	 */
	bool batch_kicks;		/* the job has no pacing that could delay that wait */
	bool kick_pending;		/* published, not yet kicked */
	unsigned int refill;		/* I/Os fio is expected to queue before it reaps */
	struct io_u **events;
	unsigned int nr_events;
	enum vblk_broken broken;

	/* blk_reconnect (vblk_reconnect.c); rc is NULL when it is off. */
	struct vblk_reconnect *rc;
	bool need_reconnect;		/* the device hung up or moved on */
};

/* The context of a request tag (a pool made with sizeof(struct vblk_slot)). */
static inline struct vblk_slot *vblk_slot_of(const struct vblk_thread *vt, uint32_t tag)
{
	return (struct vblk_slot *)(void *)vt->slots.ctx + tag;
}

static inline struct vblk_thread *vblk_of(struct thread_data *td)
{
	return td->io_ops_data;
}

static inline const char *vblk_job_file(struct thread_data *td)
{
	return td->files_index ? td->files[0]->file_name : "(no file)";
}

/* ---- vblk_job.c: the job against the device ---- */

/* Refuses jobs that cannot share one connection, before connecting. */
int vblk_check_process_model(struct thread_data *td);

/* Refuses a job the device cannot serve, naming path and the option. */
int vblk_check_job(struct thread_data *td, const char *path, const struct virtio_blk_info *info);

/* Request types and wait policy from the job's options and the features. */
void vblk_choose_ops(struct thread_data *td, struct vblk_thread *vt);

/*
 * Request geometry and the ring size: how many requests and descriptors
 * the largest I/O takes, and a ring that holds iodepth of them.
 */
int vblk_size_queue(struct thread_data *td, struct vblk_thread *vt, unsigned int *qsize,
		    unsigned int *nseg);

/* The threads of this process that set up a queue on td's device with it. */
unsigned int vblk_queues_starting_with(struct thread_data *td);

/* ---- vblk_req.c: requests on the virtqueue ---- */

/* vblk_add_io() and vblk_reap() are inline in vblk_req.h. */

/* The errno I/O fails with on a broken queue: ETIMEDOUT, EPROTO or ECONNRESET. */
int vblk_broken_errno(const struct vblk_thread *vt);

/*
 * After the ring was set up afresh: adds every request still in flight
 * again, as it was first added. Returns how many, or -errno.
 */
int vblk_requeue_in_flight(struct vblk_thread *vt);

/* After the queue broke: completes up to max I/Os in flight with an error. */
void vblk_fail_in_flight(struct vblk_thread *vt, unsigned int max);

static inline bool vblk_has_in_flight(const struct vblk_thread *vt)
{
	return blk_req_in_flight(&vt->slots) || vt->flush_wait;
}

/* ---- vblk_wait.c: waiting ---- */

/*
 * Kicks the device for the entries published since the last kick, unless
 * it said it is awake. Inline: every commit runs it.
 */
static inline int vblk_kick(struct vblk_thread *vt)
{
	vt->kick_pending = false;
	if (!virtq_kick_needed(&vt->vq))
		return 0;
	return vt->ops->notify(vt->dev->t, vt->qidx);
}

/* Makes the entries added so far visible, then kicks as vblk_kick(). */
static inline int vblk_publish(struct vblk_thread *vt)
{
	virtq_publish(&vt->vq);
	return vblk_kick(vt);
}

/* Stops the queue taking I/O; logs why once. */
void vblk_mark_broken(struct thread_data *td, struct vblk_thread *vt, enum vblk_broken why,
		      const char *detail);

/* The virtqueue.h flags of the job's ring (negotiated features, transport). */
unsigned int vblk_virtq_flags(const struct vblk_thread *vt);

/* The ring's addresses as the transport's setup_vq() takes them (base 0). */
struct virtio_vq_config vblk_vq_config(const struct vblk_thread *vt);

/* ---- vblk_reconnect.c: blk_reconnect ---- */

/* Reads blk_reconnect; refuses it for a transport that cannot reconnect. */
int vblk_reconnect_init(struct thread_data *td, struct vblk_thread *vt);

/* The queue has started: outage times count from here. */
void vblk_reconnect_started(struct vblk_thread *vt);

static inline bool vblk_reconnect_on(const struct vblk_thread *vt)
{
	return vt->rc != NULL;
}

/* A hang-up, or another queue's reconnect: the queue must follow. */
bool vblk_reconnect_notice(struct vblk_thread *vt, bool hung_up);

/*
 * With the used ring drained: reconnects (once per device) and sets the
 * queue up again with its requests. 0 when done, -EAGAIN when the caller
 * must drain the ring and call again, else the queue is broken.
 */
int vblk_reconnect(struct thread_data *td, struct vblk_thread *vt);

/* At the end of a getevents call: closes an outage once I/O completes. */
void vblk_reconnect_completed(struct vblk_thread *vt);

/* At the end of the job: the outage lines, the JSON record; frees rc. */
void vblk_reconnect_exit(struct thread_data *td, struct vblk_thread *vt);

/* vblk_getevents() is inline in vblk_wait.h. */

#endif
