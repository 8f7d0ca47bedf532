// SPDX-License-Identifier: GPL-2.0-only
/*
 * virtio-blk: waiting for completions on the thread's virtqueue.
 *
 * Three ways to wait (blk_wait_mode): spin on the used ring (polling),
 * sleep on the call eventfd, or spin for an adaptive budget first. Every
 * way notices a transport that hangs up and a queue that completes
 * nothing for blk_stall_timeout, and fails the I/O in flight instead of
 * letting fio wait for ever. A stalled queue fails alone: the other
 * queues of the device go on.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fio.h"

#include "vblk.h"
#include "vblk_req.h"
#include "vblk_wait.h"

/*
 * Polling reads the clock every this many empty spins, and asks whether
 * the transport hung up (a system call) once this long into a wait and
 * each time as long again after.
 */
#define POLL_CLOCK_SPINS	64
#define POLL_CHECK_NS		10000000

/*
 * How long polling spins before it sleeps on the call eventfd. A spinning
 * thread that shares its CPU with the back-end or with other busy tasks
 * keeps them off it and is itself scheduled late; one that sleeps gets the
 * CPU back as soon as the device signals. The budget starts long enough
 * for a fast back-end to answer many times over and follows a slower one:
 * a wait that outlasted it but ended within POLL_MAX_NS doubles it, so a
 * back-end that answers within a millisecond or two is polled through, as
 * hipri asks; a wait longer than that halves it back.
 */
#define POLL_START_NS		100000
#define POLL_MAX_NS		2000000

/*
 * blk_wait_mode=auto without hipri spins on the used ring before it sleeps,
 * for a budget that follows how long waits last (as QEMU's event loop
 * does): doubled from SPIN_START_NS while waits end within SPIN_MAX_NS,
 * halved down to nothing while they take longer. While the thread spins
 * the ring stays disarmed, so a device that answers within the budget
 * writes no call eventfd and fio enters no syscall to wait.
 */
#define SPIN_START_NS		2000
#define SPIN_MAX_NS		64000
#define SPIN_CLOCK_SPINS	8

/* Once fio is stopping the job (runtime over, signal), a stall ends sooner. */
#define STALL_STOPPING_NS	(5 * 1000000000LL)

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void vblk_mark_broken(struct thread_data *td, struct vblk_thread *vt, enum vblk_broken why,
		      const char *detail)
{
	if (vt->broken)
		return;
	/* blk_reconnect: the queue waits for the back-end instead. */
	if (why == VBLK_HUNG_UP && vblk_reconnect_notice(vt, true))
		return;
	vt->broken = why;
	/* A hang-up or a broken protocol ends the device; a stall, this queue. */
	if (why == VBLK_HUNG_UP)
		virtio_dev_set_gone(vt->dev, VIRTIO_DEV_HUNG_UP);
	else if (why == VBLK_PROTOCOL)
		virtio_dev_set_gone(vt->dev, VIRTIO_DEV_PROTOCOL);
	log_err("blkengine: %s: %s; failing the I/Os in flight on virtqueue %u\n",
		vblk_job_file(td), detail, vt->qidx);
}

/* Another queue found the device gone: say what it found. */
static void follow_device(struct thread_data *td, struct vblk_thread *vt)
{
	if (vblk_reconnect_on(vt))
		vblk_reconnect_notice(vt, false);
	switch (virtio_dev_gone(vt->dev)) {
	case VIRTIO_DEV_HUNG_UP:
		vblk_mark_broken(td, vt, VBLK_HUNG_UP, "the device closed the connection");
		break;
	case VIRTIO_DEV_PROTOCOL:
		vblk_mark_broken(td, vt, VBLK_PROTOCOL,
				 "another virtqueue of the device broke the ring protocol, so the device is not trusted");
		break;
	default:
		break;
	}
}

/* Whether the transport hung up (the back-end closed or died). */
static bool transport_hung_up(const struct pollfd *p)
{
	return p->revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL);
}

static void check_transport(struct thread_data *td, struct vblk_thread *vt)
{
	struct pollfd p = { .fd = vt->watch_fd, .events = POLLRDHUP };

	follow_device(td, vt);
	if (vt->broken || vt->watch_fd < 0)
		return;
	if (poll(&p, 1, 0) > 0 && transport_hung_up(&p))
		vblk_mark_broken(td, vt, VBLK_HUNG_UP, "the device closed the connection");
}

/*
 * Sleeps until the device signals, the transport hangs up or the deadline
 * passes (now is the caller's recent clock reading); without a deadline,
 * for at most a second, measured by the kernel alone. Returns 0, 1 on
 * timeout, or -errno.
 */
static inline __attribute__((always_inline))
int wait_event(struct thread_data *td, struct vblk_thread *vt, int64_t now,
		      int64_t deadline, uint16_t wanted)
{
	struct pollfd p[2] = {
		{ .fd = vt->call_fd, .events = POLLIN },
		{ .fd = vt->watch_fd, .events = POLLRDHUP },
	};
	struct timespec ts = { .tv_sec = 1 };
	uint64_t cnt;
	int ret;

	/* Entries that arrived before the device could see the re-arm. */
	if (virtq_arm(&vt->vq, wanted))
		return 0;
	if (deadline) {
		int64_t left = deadline - now;

		if (left <= 0)
			return 1;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
	}
	/*
	 * Raw system calls: glibc's poll() and read() are cancellation points
	 * and pay for it on every call; fio never cancels its threads.
	 */
	ret = (int)syscall(SYS_ppoll, p, vt->watch_fd >= 0 ? 2 : 1, &ts, NULL, 0);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	if (!ret)
		return 1;
	if (vt->watch_fd >= 0 && transport_hung_up(&p[1]))
		vblk_mark_broken(td, vt, VBLK_HUNG_UP, "the device closed the connection");
	if (p[0].revents & POLLIN) {
		/* Drains the counter; the used ring says what completed. */
		if (syscall(SYS_read, vt->call_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

/*
 * Spins until the device returns something or the clock passes until;
 * *now is the last clock reading, which the wait that follows a failed
 * spin goes on with rather than reading the clock again.
 */
static bool spin_for_used(struct vblk_thread *vt, int64_t until, int64_t *now)
{
	unsigned int spins = 0;

	for (;;) {
		if (virtq_has_used(&vt->vq))
			return true;
		cpu_relax();
		if (!(++spins % SPIN_CLOCK_SPINS)) {
			*now = now_ns();
			if (*now >= until)
				return false;
		}
	}
}

static inline int64_t poll_budget(const struct vblk_thread *vt)
{
	return vt->poll_ns ? vt->poll_ns : POLL_START_NS;
}

/* After a polling wait that outlasted its budget: how long it took in all. */
static void adapt_poll(struct vblk_thread *vt, int64_t waited_ns)
{
	int64_t budget = poll_budget(vt);

	if (waited_ns <= POLL_MAX_NS)
		budget = budget * 2 < POLL_MAX_NS ? budget * 2 : POLL_MAX_NS;
	else
		budget = budget / 2 > POLL_START_NS ? budget / 2 : POLL_START_NS;
	vt->poll_ns = budget;
}

/* After a wait that slept: how long it took in all sets the next budget. */
static void adapt_spin(struct vblk_thread *vt, int64_t waited_ns)
{
	if (waited_ns <= vt->spin_ns)
		return;
	if (waited_ns > SPIN_MAX_NS) {
		vt->spin_ns /= 2;
		if (vt->spin_ns < SPIN_START_NS)
			vt->spin_ns = 0;
		return;
	}
	vt->spin_ns = vt->spin_ns ? vt->spin_ns * 2 : SPIN_START_NS;
	if (vt->spin_ns > SPIN_MAX_NS)
		vt->spin_ns = SPIN_MAX_NS;
}

/* Whether this queue has gone too long without completing anything. */
static bool stalled(struct thread_data *td, struct vblk_thread *vt, int64_t now,
		    int64_t stall_start)
{
	int64_t limit = vt->stall_ns;
	char why[128];

	if (td->terminate && STALL_STOPPING_NS < limit)
		limit = STALL_STOPPING_NS;
	if (now - stall_start < limit)
		return false;
	snprintf(why, sizeof(why),
		 td->terminate && limit == STALL_STOPPING_NS ?
		 "the virtqueue completed nothing for %lld s while the job was stopping" :
		 "the virtqueue completed nothing for %lld s with requests in flight (blk_stall_timeout)",
		 (long long)(limit / 1000000000LL));
	vblk_mark_broken(td, vt, VBLK_STALLED, why);
	return true;
}

/* What every getevents() does last, with the events it collected. */
/*
 * The rest of vblk_getevents(): whatever the used ring did not hold
 * already. Its first round does not look at the used ring again: the
 * caller just did, or, at QD1, kicked the I/O just before.
 */
int vblk_wait_for_events(struct thread_data *td, struct vblk_thread *vt, unsigned int min,
			 unsigned int max, const struct timespec *t)
{
	int64_t deadline = 0;
	unsigned int spins = 0;
	int64_t poll_start = 0, poll_check = 0, stall_start = 0, now;
	unsigned int stall_seen = 0;
	bool armed = false, spin_over = false, spun = false, timed_out = false;
	bool reap = false;
	int64_t wait_start = 0, clock = 0;
	int ret;

	if (t)
		deadline = now_ns() + (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;

	for (;;) {
		/*
		 * What the device completed before the queue failed still
		 * counts. At QD1 the I/O was kicked just before, so the first
		 * look mostly finds nothing: it is left to the wait below, which
		 * looks at the used ring itself before it spins or sleeps.
		 */
		if (reap) {
			ret = vblk_reap(td, vt, max);
			if (ret && !vt->broken)
				return ret;
		}
		reap = true;
		if (vt->broken)
			vblk_fail_in_flight(vt, max);
		if (vt->nr_events >= min || vt->nr_events == max)
			break;
		if (vt->broken && !vblk_has_in_flight(vt))
			break;
		if (vt->broken)
			continue;
		/* Once the ring holds nothing more the old back-end completed. */
		if (vt->need_reconnect && !virtq_has_used(&vt->vq)) {
			vblk_reconnect(td, vt);
			stall_start = 0;
			continue;
		}

		if (vt->poll && !spin_over) {
			if (virtq_has_used(&vt->vq))
				continue;
			if (++spins % POLL_CLOCK_SPINS) {
				cpu_relax();
				continue;
			}
			now = now_ns();
			if (!poll_start) {
				poll_start = now;
				poll_check = now + POLL_CHECK_NS;
			} else if (now >= poll_check) {
				check_transport(td, vt);
				poll_check = now + POLL_CHECK_NS;
			}
			if (deadline && now >= deadline)
				break;
			/* The budget changes only after the wait (adapt_poll()). */
			if (now - poll_start < poll_budget(vt))
				continue;
			/* Budget spent: sleep until the device signals. */
			spin_over = true;
			clock = now;
		}
		if (vt->adaptive && !spun) {
			int64_t until;

			spun = true;
			wait_start = now_ns();
			clock = wait_start;
			until = wait_start + vt->spin_ns;
			if (deadline && deadline < until)
				until = deadline;
			if (vt->spin_ns && spin_for_used(vt, until, &clock)) {
				clock = 0;
				continue;
			}
		}

		if (deadline) {
			/* The spin's last clock reading, if fresh, serves the wait. */
			now = clock ? clock : now_ns();
			clock = 0;
			armed = true;
			ret = wait_event(td, vt, now, deadline, (uint16_t)(min - vt->nr_events));
			if (ret < 0)
				return ret;
			if (ret == 1)
				break;
		} else {
			/*
			 * The stall clock runs only while sleeps complete
			 * nothing: a sleep that brings completions, the common
			 * case, reads no clock at all. It starts at the first
			 * such sleep (a second back if that one timed out) and
			 * counts wall time, so a device that signals without
			 * completing anything is caught too.
			 */
			if (!armed || vt->nr_events != stall_seen) {
				stall_seen = vt->nr_events;
				stall_start = 0;
			} else {
				now = clock ? clock : now_ns();
				if (!stall_start)
					stall_start = now - (timed_out ? 1000000000LL : 0);
				else if (stalled(td, vt, now, stall_start))
					continue;
			}
			clock = 0;
			armed = true;
			/* Wakes up every second to notice fio stopping the job. */
			ret = wait_event(td, vt, 0, 0, (uint16_t)(min - vt->nr_events));
			if (ret < 0)
				return ret;
			timed_out = ret == 1;
		}
		/* Another queue may have found the device gone, or reconnecting. */
		if (!vt->broken && (vblk_reconnect_on(vt) || virtio_dev_gone(vt->dev)))
			follow_device(td, vt);
	}
	/* Armed: the wait went on to sleep (or tried to). */
	if (vt->adaptive && armed)
		adapt_spin(vt, now_ns() - wait_start);
	/* Polling slept, and the completions came: how long they took sets the budget. */
	if (spin_over && !vt->broken && vt->nr_events >= min)
		adapt_poll(vt, now_ns() - poll_start);
	return vblk_events_done(vt, armed);
}
