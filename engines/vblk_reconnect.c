// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk: blk_reconnect, a back-end that restarts without losing the run.
 *
 * When the back-end closes the socket, the queue keeps fio's I/Os in
 * flight. Once its used ring is drained of what the old back-end completed,
 * the first thread of the device to get the device lock connects again
 * (virtio_dev_reconnect_locked(), the transport's reconnect op) and bumps
 * the device's generation; every thread, seeing the generation move, sets
 * its own queue up again with its unfinished requests. The jobs sharing a
 * connection thus reconnect together, once.
 *
 * Each outage is recorded per queue: when it began (since the queue
 * started), how long no I/O completed (from the hang-up, or the moment
 * this queue learnt of another's reconnect, to its first completion
 * afterwards), and how many requests were sent again.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fio.h"

#include "options.h"
#include "vblk.h"

struct vblk_outage {
	int64_t at_ns;			/* since the queue started */
	int64_t dark_ns;		/* no completion for this long */
	unsigned int resubmitted;
};

struct vblk_reconnect {
	int64_t wait_ns;		/* blk_reconnect */
	bool own_records;		/* blk_reconnect_inflight=0 */
	int64_t started_ns;
	unsigned int gen;		/* of the connection this queue is set up on */

	/* The outage under way: from detection to the first completion. */
	bool open, restored;
	int64_t start_ns, deadline_ns;
	unsigned int resubmitted;

	struct vblk_outage *outages;
	unsigned int nr, alloc;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int vblk_reconnect_init(struct thread_data *td, struct vblk_thread *vt)
{
	struct blk_options *o = td->eo;

	if (!o->reconnect) {
		if (o->reconnect_json && o->reconnect_json[0])
			log_err("blkengine: %s: blk_reconnect_json= is ignored without blk_reconnect=SECONDS\n",
				vblk_job_file(td));
		return 0;
	}
	if (!vt->ops->reconnect) {
		log_err("blkengine: %s: blk_reconnect=%u: the %s transport cannot reconnect; it is for virtio-blk-vhost-user sockets\n",
			vblk_job_file(td), o->reconnect, vt->ops->name);
		return -EINVAL;
	}
	vt->rc = calloc(1, sizeof(*vt->rc));
	if (!vt->rc)
		return -ENOMEM;
	vt->rc->wait_ns = (int64_t)o->reconnect * 1000000000LL;
	/*
	 * A packed ring is always set up afresh: its positions carry wrap
	 * counters that an in-flight region of a split ring cannot restore.
	 */
	vt->rc->own_records = !o->reconnect_inflight ||
			      virtio_blk_has(&vt->dev->info, VIRTIO_F_RING_PACKED);
	vt->rc->gen = virtio_dev_gen(vt->dev);
	return 0;
}

void vblk_reconnect_started(struct vblk_thread *vt)
{
	if (vt->rc)
		vt->rc->started_ns = now_ns();
}

bool vblk_reconnect_notice(struct vblk_thread *vt, bool hung_up)
{
	struct vblk_reconnect *rc = vt->rc;

	if (!rc || virtio_dev_gone(vt->dev) != VIRTIO_DEV_LIVE)
		return false;
	if (!hung_up && virtio_dev_gen(vt->dev) == rc->gen)
		return false;
	vt->need_reconnect = true;
	if (!rc->open) {
		rc->open = true;
		rc->restored = false;
		rc->resubmitted = 0;
		rc->start_ns = now_ns();
		rc->deadline_ns = rc->start_ns + rc->wait_ns;
	}
	return true;
}

/*
 * Sets the queue up on the new connection, under the device lock.
 *
 * The ring starts again from index 0, with every unfinished request added
 * afresh, rather than at the old indices (unless the back-end keeps an
 * in-flight region, below). That is safe because nothing of
 * the old ring is live any more: the old back-end is gone (a killed process
 * drops its mappings before the kernel closes its socket; a back-end that
 * closes the socket drops the rings first), and the used entries it wrote
 * were all consumed before this runs, so every tag still in flight is a
 * request whose completion was never seen. A fresh ring needs no agreement
 * on where the old back-end had stopped reading (which it cannot tell us
 * any more) and cannot replay a request it had already completed. The new
 * back-end is told vring base 0 by setup_vq() and reads used->idx, 0 too,
 * from the zeroed ring. Descriptors stay valid: they point into the same
 * memfd regions, which the transport registered again.
 */
static int restore_queue(struct vblk_thread *vt)
{
	struct virtio_transport *t = vt->dev->t;
	struct virtio_vq_config cfg;
	struct virtq_layout l;
	uint16_t num = vt->vq.num;
	unsigned int flags = vblk_virtq_flags(vt);
	int n, ret;

	n = vt->ops->inflight ? vt->ops->inflight(t, vt->qidx) : -ENOENT;
	if (n >= 0 && !vt->vq.packed) {
		/*
		 * The back-end got its in-flight region back and resubmits
		 * what the old one had taken; what it had not taken is still
		 * in the avail ring. So the ring stays exactly as it is, and
		 * the device goes on from the used index already consumed.
		 */
		cfg = vblk_vq_config(vt);
		cfg.base = le16toh(vt->vq.used->idx);
		goto setup;
	}
	if (n >= 0)
		return -EPROTO;	/* not asked for with a packed ring (vblk_reconnect_init) */
	if (n != -ENOENT)
		return n;

	virtq_exit(&vt->vq);
	virtq_layout(num, flags, &l);
	memset(vt->ring_mem.base, 0, l.size);
	ret = virtq_init(&vt->vq, num, vt->ring_mem.base, flags);
	if (ret)
		return ret;
	n = vblk_requeue_in_flight(vt);
	if (n < 0)
		return n;
	virtq_publish(&vt->vq);
	if (vt->poll)
		virtq_disarm(&vt->vq);
	cfg = vblk_vq_config(vt);
setup:
	ret = vt->ops->setup_vq(t, &cfg, &vt->call_fd);
	if (ret)
		return ret;
	ret = vt->ops->start(t, vt->qidx);
	if (ret)
		return ret;
	vt->rc->resubmitted = (unsigned int)n;
	/* Unconditionally: the new back-end has not asked for anything yet. */
	vt->kick_pending = false;
	return vt->ops->notify(t, vt->qidx);
}

static bool connection_error(int err)
{
	return err == -ECONNRESET || err == -EPIPE || err == -ETIMEDOUT || err == -ENOTCONN;
}

int vblk_reconnect(struct thread_data *td, struct vblk_thread *vt)
{
	struct vblk_reconnect *rc = vt->rc;
	unsigned int gen;
	char why[160];
	int ret;

	if (!rc->open)
		vblk_reconnect_notice(vt, true);
	virtio_dev_lock(vt->dev);
	ret = virtio_dev_reconnect_locked(vt->dev, rc->gen, rc->deadline_ns, rc->own_records);
	gen = virtio_dev_gen(vt->dev);
	if (!ret)
		ret = restore_queue(vt);
	virtio_dev_unlock(vt->dev);
	if (!ret) {
		rc->gen = gen;
		rc->restored = true;
		vt->need_reconnect = false;
		return 0;
	}
	/*
	 * The back-end died again while this queue was being set up on it:
	 * the next round connects again, once the caller has drained what the
	 * short-lived back-end may have completed.
	 */
	if (virtio_dev_gone(vt->dev) == VIRTIO_DEV_LIVE && connection_error(ret) &&
	    now_ns() < rc->deadline_ns) {
		rc->gen = gen;
		return -EAGAIN;
	}
	/* From here on a hang-up fails the queue, as without blk_reconnect. */
	vt->rc = NULL;
	snprintf(why, sizeof(why), "the device closed the connection and did not come back within blk_reconnect=%lld s (%s)",
		 (long long)(rc->wait_ns / 1000000000LL), strerror(-ret));
	vblk_mark_broken(td, vt, VBLK_HUNG_UP, why);
	vt->rc = rc;
	vt->need_reconnect = false;
	rc->open = false;
	return ret;
}

/* Closes the outage under way: nothing completed from its start until now. */
static void record_outage(struct vblk_reconnect *rc)
{
	struct vblk_outage *o;

	if (rc->nr == rc->alloc) {
		unsigned int alloc = rc->alloc ? rc->alloc * 2 : 8;
		struct vblk_outage *p = realloc(rc->outages, alloc * sizeof(*p));

		if (!p)
			return;		/* tried again at the next completion */
		rc->outages = p;
		rc->alloc = alloc;
	}
	o = &rc->outages[rc->nr++];
	o->at_ns = rc->start_ns - rc->started_ns;
	o->dark_ns = now_ns() - rc->start_ns;
	o->resubmitted = rc->resubmitted;
	rc->open = false;
}

void vblk_reconnect_completed(struct vblk_thread *vt)
{
	struct vblk_reconnect *rc = vt->rc;

	if (rc && rc->open && rc->restored && vt->nr_events)
		record_outage(rc);
}

/* s as a JSON string's contents: quotes, backslashes and controls escaped. */
static size_t json_str(char *buf, size_t len, const char *s)
{
	size_t off = 0;

	for (; *s && off + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			off += (size_t)snprintf(buf + off, len - off, "\\%c", c);
		else if (c < 0x20)
			off += (size_t)snprintf(buf + off, len - off, "\\u%04x", c);
		else
			buf[off++] = (char)c;
	}
	buf[off] = '\0';
	return off;
}

static void write_json(struct thread_data *td, struct vblk_thread *vt, const char *file,
		       int64_t dark_ns, unsigned int resubmitted)
{
	struct vblk_reconnect *rc = vt->rc;
	size_t len = 4096 + (size_t)rc->nr * 96, off = 0;
	char *buf = malloc(len), job[1024], path[1024];
	unsigned int i;
	ssize_t n;
	int fd;

	if (!buf)
		return;
	json_str(job, sizeof(job), td->o.name ? td->o.name : "");
	json_str(path, sizeof(path), vt->dev->path);
	off += (size_t)snprintf(buf + off, len - off,
				"{\"job\": \"%s\", \"file\": \"%s\", \"queue\": %u, \"reconnects\": %u, \"outages\": [",
				job, path, vt->qidx, virtio_dev_gen(vt->dev));
	for (i = 0; i < rc->nr; i++)
		off += (size_t)snprintf(buf + off, len - off,
					"%s{\"at_s\": %.3f, \"no_completion_s\": %.3f, \"resubmitted\": %u}",
					i ? ", " : "", rc->outages[i].at_ns / 1e9,
					rc->outages[i].dark_ns / 1e9, rc->outages[i].resubmitted);
	off += (size_t)snprintf(buf + off, len - off,
				"], \"total\": {\"outages\": %u, \"no_completion_s\": %.3f, \"resubmitted\": %u}}\n",
				rc->nr, dark_ns / 1e9, resubmitted);
	/* One write of one line: the jobs of a process may share the file. */
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_err("blkengine: blk_reconnect_json=%s: cannot open it: %s; check the folder exists and is writable\n",
			file, strerror(errno));
	} else {
		n = write(fd, buf, off);
		if (n != (ssize_t)off)
			log_err("blkengine: blk_reconnect_json=%s: cannot write it: %s\n", file,
				n < 0 ? strerror(errno) : "short write");
		close(fd);
	}
	free(buf);
}

void vblk_reconnect_exit(struct thread_data *td, struct vblk_thread *vt)
{
	struct vblk_reconnect *rc = vt->rc;
	struct blk_options *o = td->eo;
	unsigned int i, resubmitted = 0;
	int64_t dark_ns = 0;

	if (!rc)
		return;
	/* Set up again, but the job ended before anything completed. */
	if (rc->open && rc->restored)
		record_outage(rc);
	for (i = 0; i < rc->nr; i++) {
		const struct vblk_outage *out = &rc->outages[i];

		log_info("blkengine: %s: virtqueue %u: outage %u at %.3f s: no I/O completed for %.3f s, %u request%s resubmitted\n",
			 vt->dev->path, vt->qidx, i + 1, out->at_ns / 1e9, out->dark_ns / 1e9,
			 out->resubmitted, out->resubmitted == 1 ? "" : "s");
		dark_ns += out->dark_ns;
		resubmitted += out->resubmitted;
	}
	log_info("blkengine: %s: virtqueue %u: %u outage%s, %.3f s without completions, %u request%s resubmitted; the connection was made again %u time%s\n",
		 vt->dev->path, vt->qidx, rc->nr, rc->nr == 1 ? "" : "s", dark_ns / 1e9,
		 resubmitted, resubmitted == 1 ? "" : "s", virtio_dev_gen(vt->dev),
		 virtio_dev_gen(vt->dev) == 1 ? "" : "s");
	if (o->reconnect_json && o->reconnect_json[0])
		write_json(td, vt, o->reconnect_json, dark_ns, resubmitted);
	free(rc->outages);
	free(rc);
	vt->rc = NULL;
}
