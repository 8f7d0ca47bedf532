/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Drive health and write amplification around a run of nvme-passthru-uring
 * (blk_health=1, the default): the SMART / Health, Error Information and,
 * on FDP endurance groups, FDP Statistics and Events logs are read when the
 * first job on a namespace starts and when the last one ends, and what
 * changed is printed (and written as JSON with blk_health_json=FILE).
 *
 * All admin commands are sent from init and cleanup, never from the I/O
 * path. The engine calls the two hooks below and keeps the handle in its
 * per-thread data.
 */
#ifndef BLK_NVME_HEALTH_H
#define BLK_NVME_HEALTH_H

#include "fio.h"

struct nvme_target;
struct blk_health_job;

/*
 * Reads the logs of each of the job's namespaces no other running job has
 * read already. Returns 0 with *hj set (NULL when blk_health=0), or
 * -errno for a blk_health_json file that cannot be written (logged). A
 * controller that refuses a log is noted, never an error.
 */
int blk_health_job_start(struct thread_data *td, const struct nvme_target *targets,
			 unsigned int nr, struct blk_health_job **hj);

/*
 * Lets go of the job's namespaces; the last job on one reads its logs
 * again and reports. targets are those given to start, still open.
 */
void blk_health_job_end(struct thread_data *td, const struct nvme_target *targets,
			struct blk_health_job *hj);

#endif
