/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: the thread's io_uring (big SQEs and CQEs, the
 * flags the job and kernel allow), its registered files and buffers, and
 * the start-up probes that make a kernel refusing the job's options say so
 * once instead of failing every I/O.
 */
#ifndef BLK_NVME_RING_H
#define BLK_NVME_RING_H

#include "nvme_thread.h"

/*
 * Each returns 0, or -errno after logging what failed and what to change
 * (the option, iodepth or bs, the kernel or a limit).
 */
int nvme_ring_setup(struct thread_data *td, struct nvme_thread *nt);
int nvme_register_files(struct nvme_thread *nt);
int nvme_register_buffers(struct thread_data *td, struct nvme_thread *nt);
/* One read with the job's fixedbufs/vectored/hipri choices, before any I/O. */
int nvme_probe_command(struct thread_data *td, struct nvme_thread *nt);
/* One Flush with the I/O priority cmdprio gives, before any I/O. */
int nvme_probe_cmdprio(struct thread_data *td, struct nvme_thread *nt);

#endif
