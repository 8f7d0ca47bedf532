/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start-up checks of a fio job that every engine kind makes the same way:
 * every size and offset fio may produce must be a whole number of the
 * device's blocks.
 */
#ifndef BLK_JOB_CHECK_H
#define BLK_JOB_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "fio.h"

/* Whether the job issues I/O of direction ddir (reads include verify reads). */
bool blk_job_uses(struct thread_data *td, int ddir);

/*
 * Refuses bs, bsrange, bssplit, blockalign, offset, offset_increment and
 * bs_unaligned when they can give I/O that is not a multiple of unit
 * bytes. Logs one line naming path, the option, what (e.g. "device",
 * "namespace") and the multiple to use. Returns 0 or -EINVAL.
 */
int blk_job_check_alignment(struct thread_data *td, const char *path, uint32_t unit,
			    const char *what);

/* The largest read or write fio may issue (0 for a trim-only job). */
unsigned long long blk_job_max_data_bs(struct thread_data *td);

/*
 * Whether every io_u data buffer starts on a multiple of page bytes: fio
 * (FIO_RAWIO engines) starts them mem_align bytes past a page boundary,
 * td_max_bs() bytes apart.
 */
bool blk_job_bufs_aligned(struct thread_data *td, unsigned int page);

/*
 * Whether fio goes on queueing, or waits, right after each commit: no
 * pacing (rate limits, think time, flow, replayed timing) puts it to
 * sleep in between. Only then may an engine hold a commit's requests back
 * until the burst is in or fio waits.
 */
bool blk_job_unpaced(struct thread_data *td);

#endif
