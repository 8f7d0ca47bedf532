/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk: waiting for completions, the part every getevents call runs
 * (inline; vblk_wait.c has the waits themselves). Private to the driver's
 * files, as vblk.h.
 */
#ifndef BLK_VBLK_WAIT_H
#define BLK_VBLK_WAIT_H

#include "vblk.h"
#include "vblk_req.h"

/*
 * The end of every getevents call: the ring disarmed when polling or after
 * a wait, the refill for batched kicks, an outage closed. The events.
 */
static inline __attribute__((always_inline))
int vblk_events_done(struct vblk_thread *vt, bool armed)
{
	/* Polling, or done waiting: the device need not signal until asked again. */
	if (vt->poll || armed)
		virtq_disarm(&vt->vq);
	if (vt->batch_kicks)
		vt->refill = vt->nr_events;
	if (vblk_reconnect_on(vt))
		vblk_reconnect_completed(vt);
	return (int)vt->nr_events;
}

/*
 * vblk_getevents() once the used ring held too few: spins, polls or sleeps
 * as blk_wait_mode says, notices stalls and hang-ups. The events or -errno.
 */
int vblk_wait_for_events(struct thread_data *td, struct vblk_thread *vt, unsigned int min,
			 unsigned int max, const struct timespec *t);

/*
 * fio's getevents: at least min, at most max I/Os, or the timeout t.
 * Completions the used ring holds already, the common case with a deep
 * queue, are taken here, inline in fio's hook and without the wait's
 * state: vblk_wait_for_events() has the rest.
 */
static inline __attribute__((always_inline))
int vblk_getevents(struct thread_data *td, struct vblk_thread *vt, unsigned int min,
		   unsigned int max, const struct timespec *t)
{
	int ret;

	vt->nr_events = 0;
	vt->refill = 0;
	if (vt->kick_pending) {
		ret = vblk_kick(vt);
		if (ret)
			return ret;
	}
	if (vt->wait_in_queue && min)
		return vblk_wait_for_events(td, vt, min, max, t);
	ret = vblk_reap(td, vt, max);
	if (ret && !vt->broken)
		return ret;
	if (!vt->broken && (vt->nr_events >= min || vt->nr_events == max))
		return vblk_events_done(vt, false);
	return vblk_wait_for_events(td, vt, min, max, t);
}

#endif
