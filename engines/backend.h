/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The seam between the exported fio engine and the engine kinds.
 *
 * fio loads one ioengine_ops per shared object, so blkengine.c exports one
 * and forwards every hook to the backend of the kind chosen for the job.
 * Each backend keeps its per-thread data in td->io_ops_data; that struct
 * starts with struct blk_thread so the dispatcher finds the backend.
 */
#ifndef BLK_BACKEND_H
#define BLK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "fio.h"

#include "io_track.h"
#include "iomem.h"
#include "options.h"

struct blk_backend {
	enum blk_kind kind;
	bool shared_iomem;	/* the device maps fio's I/O buffers by fd */

	/*
	 * Runs in fio's setup_files(), before init and possibly in the parent
	 * process: probes each file, sets f->real_file_size and the file type,
	 * and refuses jobs the device cannot serve. Must not keep state.
	 */
	int (*setup)(struct thread_data *td);

	/* The rest are fio's hooks with fio's contracts. */
	int (*init)(struct thread_data *td);
	int (*post_init)(struct thread_data *td);
	void (*cleanup)(struct thread_data *td);
	int (*open_file)(struct thread_data *td, struct fio_file *f);
	int (*close_file)(struct thread_data *td, struct fio_file *f);
	int (*io_u_init)(struct thread_data *td, struct io_u *io_u);
	void (*io_u_free)(struct thread_data *td, struct io_u *io_u);
	int (*prep)(struct thread_data *td, struct io_u *io_u);
	enum fio_q_status (*queue)(struct thread_data *td, struct io_u *io_u);
	int (*commit)(struct thread_data *td);
	int (*getevents)(struct thread_data *td, unsigned int min, unsigned int max,
			 const struct timespec *t);
	struct io_u *(*event)(struct thread_data *td, int event);

	/*
	 * fio's zone hooks (zonemode=zbd), NULL where the kind has no zones.
	 * Called from setup_files() too, when td->io_ops_data may not exist.
	 */
	int (*get_zoned_model)(struct thread_data *td, struct fio_file *f,
			       enum zbd_zoned_model *model);
	int (*report_zones)(struct thread_data *td, struct fio_file *f, uint64_t offset,
			    struct zbd_zone *zones, unsigned int nr_zones);
	int (*reset_wp)(struct thread_data *td, struct fio_file *f, uint64_t offset,
			uint64_t length);
	int (*finish_zone)(struct thread_data *td, struct fio_file *f, uint64_t offset,
			   uint64_t length);
	int (*get_max_open_zones)(struct thread_data *td, struct fio_file *f, unsigned int *max);
	int (*get_max_active_zones)(struct thread_data *td, struct fio_file *f,
				    unsigned int *max);
};

/*
 * First member of each backend's td->io_ops_data. blkengine.c allocates
 * fio's I/O buffers into mem (after init, before post_init); backends
 * register that region with their device in post_init.
 */
struct blk_thread {
	const struct blk_backend *backend;
	struct blk_iomem mem;
};

static inline struct blk_thread *blk_thread_of(struct thread_data *td)
{
	return td->io_ops_data;
}

extern const struct blk_backend blk_nvme_uring_backend;
extern const struct blk_backend blk_vhost_user_backend;
extern const struct blk_backend blk_vhost_vdpa_backend;
extern const struct blk_backend blk_vfio_pci_backend;

/* Writes the description of a failed I/O; returns buf. */
char *blk_io_err_describe(const struct blk_io_err *err, char *buf, size_t len);

#endif
