// SPDX-License-Identifier: GPL-2.0-only
/*
 * The few fio functions the virtio-blk request path calls, for harnesses
 * that run it outside fio. Log lines go nowhere unless BLK_FUZZ_LOG is
 * set; what matters is that formatting them is safe.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fio.h"

/* No other jobs: the harness's thread is alone. */
unsigned int thread_number;
struct thread_segment segments[REAL_MAX_SEG];

static ssize_t log_to(FILE *f, const char *fmt, va_list ap)
{
	char buf[1024];
	int n;

	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (getenv("BLK_FUZZ_LOG"))
		fputs(buf, f);
	return n;
}

ssize_t log_err(const char *format, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, format);
	n = log_to(stderr, format, ap);
	va_end(ap);
	return n;
}

ssize_t log_info(const char *format, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, format);
	n = log_to(stdout, format, ap);
	va_end(ap);
	return n;
}

void fio_gettime(struct timespec *ts, void *unused)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

void io_u_queued(struct thread_data *td, struct io_u *io_u)
{
}

void io_u_mark_submit(struct thread_data *td, unsigned int nr)
{
}

void io_u_mark_complete(struct thread_data *td, unsigned int nr)
{
}
