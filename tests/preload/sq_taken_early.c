// SPDX-License-Identifier: GPL-2.0
/*
 * LD_PRELOAD for the NVMe suite: every io_uring_submit() on an SQPOLL ring
 * returns as if the SQ thread had taken all published entries before
 * liburing read the ring's head back. That schedule is legal and happens
 * on its own only rarely (the thread must run inside a window of a few
 * instructions); here it happens on every call, so an engine that reads the
 * return value as "submitted now" is caught every time.
 *
 * The real io_uring_submit() runs first (it publishes the tail and wakes
 * the thread when it sleeps); this then waits until the thread has taken
 * every entry and returns what liburing computes in that case: the entries
 * left, none. At exit it reports on stderr how many calls it changed, so
 * the test knows the schedule was applied.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>

#include <liburing.h>

/* One process, one preload: fio's job threads share the counters. */
static unsigned long calls_seen, calls_changed;

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int io_uring_submit(struct io_uring *ring)
{
	static int (*real_submit)(struct io_uring *);
	double give_up;
	int ret;

	if (!real_submit) {
		/*
		 * fio loads the module, and liburing with it, into a local
		 * scope that RTLD_NEXT does not search: ask that copy.
		 */
		void *liburing = dlopen("liburing.so.2", RTLD_NOW | RTLD_NOLOAD);

		if (liburing)
			real_submit = (int (*)(struct io_uring *))dlsym(liburing, "io_uring_submit");
	}
	if (!real_submit)
		return -ENOSYS;
	__atomic_fetch_add(&calls_seen, 1, __ATOMIC_RELAXED);
	ret = real_submit(ring);
	if (ret <= 0 || !(ring->flags & IORING_SETUP_SQPOLL))
		return ret;
	/* A thread that never takes them is the engine's hang to show, not this one's. */
	give_up = now_seconds() + 5;
	while (io_uring_sq_ready(ring) && now_seconds() < give_up)
		sched_yield();
	if (io_uring_sq_ready(ring))
		return ret;
	__atomic_fetch_add(&calls_changed, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Only from the process that submitted: timeout(1) and the like load it too. */
__attribute__((destructor)) static void report(void)
{
	if (!__atomic_load_n(&calls_seen, __ATOMIC_RELAXED))
		return;
	fprintf(stderr, "sq-taken-early: %lu io_uring_submit() calls returned 0 after the SQ thread took every entry\n",
		__atomic_load_n(&calls_changed, __ATOMIC_RELAXED));
}
