/* SPDX-License-Identifier: GPL-2.0-only */
/* nvme-passthru-uring: fio's zone hooks on a zoned namespace (fio's contracts). */
#ifndef BLK_NVME_ZONES_H
#define BLK_NVME_ZONES_H

#include <stdint.h>

#include "fio.h"

int nvme_zones_get_model(struct thread_data *td, struct fio_file *f,
			 enum zbd_zoned_model *model);
int nvme_zones_report(struct thread_data *td, struct fio_file *f, uint64_t offset,
		      struct zbd_zone *zones, unsigned int nr_zones);
int nvme_zones_reset_wp(struct thread_data *td, struct fio_file *f, uint64_t offset,
			uint64_t length);
int nvme_zones_finish(struct thread_data *td, struct fio_file *f, uint64_t offset,
		      uint64_t length);
int nvme_zones_max_open(struct thread_data *td, struct fio_file *f, unsigned int *max);
int nvme_zones_max_active(struct thread_data *td, struct fio_file *f, unsigned int *max);

#endif
