// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ioengine fio loads from libblkengine.so. It owns what every kind
 * shares (option checks, kind selection, shared I/O memory, error texts)
 * and forwards the rest to the backend of the job's kind.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"
#include "optgroup.h"

#include "backend.h"
#include "nvme_status.h"
#include "options.h"
#include "placement.h"
#include "select.h"

/* A backend left out of the build is reported, not called. */
extern const struct blk_backend blk_nvme_uring_backend __attribute__((weak));
extern const struct blk_backend blk_vhost_user_backend __attribute__((weak));
extern const struct blk_backend blk_vhost_vdpa_backend __attribute__((weak));
extern const struct blk_backend blk_vfio_pci_backend __attribute__((weak));

static const struct blk_backend *backend_of_kind(enum blk_kind kind)
{
	switch (kind) {
	case BLK_KIND_NVME_URING:
		return &blk_nvme_uring_backend;
	case BLK_KIND_VHOST_USER:
		return &blk_vhost_user_backend;
	case BLK_KIND_VHOST_VDPA:
		return &blk_vhost_vdpa_backend;
	case BLK_KIND_VFIO_PCI:
		return &blk_vfio_pci_backend;
	default:
		return NULL;
	}
}

/*
 * Data placement (FDP, Streams) is an NVMe directive: a virtio-blk job
 * asking for it would write unplaced data, so it is refused by name.
 */
static int refuse_placement(struct thread_data *td, enum blk_kind kind)
{
	bool placing;

#if defined(BLK_FIO_HAS_DATAPLACEMENT)
	placing = td->o.fdp || td->o.dp_type != FIO_DP_NONE;
#elif defined(BLK_FIO_HAS_FDP)
	placing = td->o.fdp;
#else
	struct blk_options *o = td->eo;

	placing = o->dp_fdp || o->dp_type != BLK_DP_NONE;
#endif
	if (!placing || kind == BLK_KIND_NVME_URING)
		return 0;
	log_err("blkengine: fdp=1 / dataplacement=: the %s engine has no data placement (virtio-blk carries no placement directives); drop the data placement options, or use an NVMe namespace (filename=/dev/ngXnY)\n",
		blk_kind_name(kind));
	return 1;
}

static const struct blk_backend *choose_backend(struct thread_data *td)
{
	const struct blk_backend *be;
	enum blk_kind kind;

	if (blk_options_check(td, td->eo))
		return NULL;
	kind = blk_select_kind(td);
	if (kind == BLK_KIND_AUTO || refuse_placement(td, kind))
		return NULL;
#ifdef BLK_FIO_HAS_NUM_RANGE
	/* FIO_MULTI_RANGE_TRIM covers the module; only NVMe takes several ranges. */
	if (kind != BLK_KIND_NVME_URING && td_trim(td) && td->o.num_range > 1) {
		log_err("blkengine: num_range=%u: only the nvme engine sends several ranges per trim; set num_range=1 for the %s engine\n",
			td->o.num_range, blk_kind_name(kind));
		return NULL;
	}
#endif
	/* Only NVMe has a Compare command; a virtio-blk verify must read. */
	if (kind != BLK_KIND_NVME_URING && ((struct blk_options *)td->eo)->verify_compare) {
		log_err("blkengine: verify_mode=compare / blk_verify_compare=1: the %s engine has no Compare command (NVMe only, filename=/dev/ngXnY); drop it so that fio reads the data back and checks it\n",
			blk_kind_name(kind));
		return NULL;
	}
	be = backend_of_kind(kind);
	if (!be)
		log_err("blkengine: the %s engine is not part of this build of libblkengine.so\n",
			blk_kind_name(kind));
	return be;
}

static inline const struct blk_backend *job_backend(struct thread_data *td)
{
	return blk_thread_of(td)->backend;
}

static int blk_setup(struct thread_data *td)
{
	const struct blk_backend *be;

	be = choose_backend(td);
	if (!be)
		return 1;
	/*
	 * fio would otherwise emulate zones the device knows nothing of, or
	 * write a zoned device without managing its write pointers. The
	 * NVMe backend refuses a namespace that is not zoned itself.
	 */
	if (td->o.zone_mode == ZONE_MODE_ZBD && !be->get_zoned_model) {
		log_err("blkengine: zonemode=zbd: the %s engine has no zoned devices; use zonemode=none or zonemode=strided\n",
			blk_kind_name(be->kind));
		return 1;
	}
	if (fio_option_is_set(&td->o, mem_type)) {
		if (be->shared_iomem)
			log_err("blkengine: mem=/iomem= cannot be used: the engine places I/O buffers in shared memory (memfd) that the device maps itself; remove the mem= option\n");
		else
			log_err("blkengine: mem=/iomem= cannot be used: the engine allocates fio's I/O buffers itself; remove the mem= option\n");
		return 1;
	}
	/* fio's submit workers would each need their own queue and requests. */
	if (td->o.io_submit_mode == IO_MODE_OFFLOAD) {
		log_err("blkengine: io_submit_mode=offload cannot be used: the engine queues and batches I/O from the job's own thread; remove the option (rate= and rate_iops= work without it)\n");
		return 1;
	}
	return be->setup(td) ? 1 : 0;
}

extern struct ioengine_ops ioengine;

/*
 * A thread's own copy of the ops, whose per-I/O hooks are the backend's:
 * fio then calls the backend directly on every prep, queue, commit,
 * getevents and event, instead of through the forwarding hooks below.
 */
struct blk_thread_ops {
	struct ioengine_ops ops;	/* first: td->io_ops points here */
	struct ioengine_ops *orig;
};

static void blk_direct_hooks(struct thread_data *td, const struct blk_backend *be)
{
	struct blk_thread_ops *d;

	/*
	 * Threads only: a job process's thread_data lives in memory fio shares
	 * with its parent, which reads td->io_ops (fio_terminate_threads() on
	 * a signal); a pointer into the child's heap would crash the parent.
	 */
	if (td->io_ops != &ioengine || !td->o.use_thread)
		return;
	d = malloc(sizeof(*d));
	if (!d)
		return;		/* the forwarding hooks do the same job */
	d->ops = ioengine;
	d->orig = td->io_ops;
	d->ops.prep = be->prep;
	d->ops.queue = be->queue;
	d->ops.commit = be->commit;
	d->ops.getevents = be->getevents;
	d->ops.event = be->event;
	td->io_ops = &d->ops;
}

/* Before the backend frees its data: fio goes on reading td->io_ops after cleanup. */
static void blk_restore_hooks(struct thread_data *td)
{
	struct blk_thread_ops *d;

	if (!td->io_ops || td->io_ops == &ioengine)
		return;
	d = (struct blk_thread_ops *)td->io_ops;
	td->io_ops = d->orig;
	free(d);
}

static int blk_init(struct thread_data *td)
{
	const struct blk_backend *be = choose_backend(td);
	int ret;

	if (!be)
		return 1;
	ret = be->init(td);
	if (ret)
		return 1;
	blk_thread_of(td)->backend = be;
	blk_thread_of(td)->mem = (struct blk_iomem)BLK_IOMEM_INIT;
	blk_direct_hooks(td, be);
	return 0;
}

static int blk_post_init(struct thread_data *td)
{
	const struct blk_backend *be = job_backend(td);

	return be->post_init ? (be->post_init(td) ? 1 : 0) : 0;
}

static void blk_cleanup(struct thread_data *td)
{
	blk_restore_hooks(td);
	if (!td->io_ops_data)
		return;
	job_backend(td)->cleanup(td);
}

static int blk_open_file(struct thread_data *td, struct fio_file *f)
{
	return job_backend(td)->open_file(td, f);
}

static int blk_close_file(struct thread_data *td, struct fio_file *f)
{
	return job_backend(td)->close_file(td, f);
}

/* fio's page cache invalidation has no meaning for these devices. */
static int blk_invalidate(struct thread_data *td, struct fio_file *f)
{
	return 0;
}

static int blk_iomem_alloc_hook(struct thread_data *td, size_t size)
{
	struct blk_thread *bt = blk_thread_of(td);
	int ret;

	if (bt->backend->shared_iomem)
		ret = blk_iomem_alloc(&bt->mem, size, "blkengine-io");
	else
		ret = blk_iomem_alloc_private(&bt->mem, size);
	if (ret) {
		log_err("blkengine: cannot allocate %zu bytes of I/O memory: %s\n",
			size, strerror(-ret));
		return 1;
	}
	td->orig_buffer = bt->mem.base;
	return 0;
}

static void blk_iomem_free_hook(struct thread_data *td)
{
	struct blk_thread *bt = blk_thread_of(td);

	if (!bt)
		return;
	td->orig_buffer = NULL;
	/*
	 * A device that maps the buffers itself may still have them
	 * registered (fio frees them before the engine's cleanup stops the
	 * queue): unmapped now, their addresses could come back for another
	 * job's memory on the same connection, whose registration would then
	 * overlap (vhost-user back-ends drop the connection for that). The
	 * backend's cleanup frees them once the device has let go.
	 */
	if (bt->backend->shared_iomem)
		return;
	blk_iomem_free(&bt->mem);
}

static int blk_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	const struct blk_backend *be = job_backend(td);

	return be->io_u_init ? be->io_u_init(td, io_u) : 0;
}

static void blk_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	const struct blk_backend *be;

	if (!td->io_ops_data)
		return;
	be = job_backend(td);
	if (be->io_u_free)
		be->io_u_free(td, io_u);
}

static int blk_prep(struct thread_data *td, struct io_u *io_u)
{
	const struct blk_backend *be = job_backend(td);

	return be->prep ? be->prep(td, io_u) : 0;
}

static enum fio_q_status blk_queue(struct thread_data *td, struct io_u *io_u)
{
	return job_backend(td)->queue(td, io_u);
}

static int blk_commit(struct thread_data *td)
{
	return job_backend(td)->commit(td);
}

static int blk_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			 const struct timespec *t)
{
	return job_backend(td)->getevents(td, min, max, t);
}

static struct io_u *blk_event(struct thread_data *td, int event)
{
	return job_backend(td)->event(td, event);
}

/*
 * Zone hooks: fio calls them in setup_files(), possibly before init()
 * and in the parent process, so the backend is chosen again when the
 * thread has none yet.
 */
static const struct blk_backend *zone_backend(struct thread_data *td)
{
	const struct blk_backend *be;

	if (td->io_ops_data)
		be = job_backend(td);
	else
		be = choose_backend(td);
	if (be && be->get_zoned_model)
		return be;
	errno = EINVAL;
	return NULL;
}

static int blk_get_zoned_model(struct thread_data *td, struct fio_file *f,
			       enum zbd_zoned_model *model)
{
	const struct blk_backend *be = zone_backend(td);

	return be ? be->get_zoned_model(td, f, model) : -EINVAL;
}

static int blk_report_zones(struct thread_data *td, struct fio_file *f, uint64_t offset,
			    struct zbd_zone *zones, unsigned int nr_zones)
{
	const struct blk_backend *be = zone_backend(td);

	return be ? be->report_zones(td, f, offset, zones, nr_zones) : -EINVAL;
}

static int blk_reset_wp(struct thread_data *td, struct fio_file *f, uint64_t offset,
			uint64_t length)
{
	const struct blk_backend *be = zone_backend(td);

	return be ? be->reset_wp(td, f, offset, length) : -EINVAL;
}

static int blk_get_max_open_zones(struct thread_data *td, struct fio_file *f,
				  unsigned int *max)
{
	const struct blk_backend *be = zone_backend(td);

	return be ? be->get_max_open_zones(td, f, max) : -EINVAL;
}

#ifdef BLK_FIO_HAS_MAX_ACTIVE_ZONES
static int blk_get_max_active_zones(struct thread_data *td, struct fio_file *f,
				    unsigned int *max)
{
	const struct blk_backend *be = zone_backend(td);

	return be ? be->get_max_active_zones(td, f, max) : -EINVAL;
}
#endif

#ifdef BLK_FIO_HAS_FINISH_ZONE
static int blk_finish_zone(struct thread_data *td, struct fio_file *f, uint64_t offset,
			   uint64_t length)
{
	const struct blk_backend *be = zone_backend(td);

	return be ? be->finish_zone(td, f, offset, length) : -EINVAL;
}
#endif

static const char *virtio_blk_status_name(uint32_t status)
{
	switch (status) {
	case 0:
		return "OK";
	case 1:
		return "IOERR";
	case 2:
		return "UNSUPP";
	default:
		return "unknown virtio-blk status";
	}
}

char *blk_io_err_describe(const struct blk_io_err *err, char *buf, size_t len)
{
	switch (err->kind) {
	case BLK_ERR_NVME:
		blk_nvme_status_describe(err->code, buf, len);
		break;
	case BLK_ERR_VIRTIO:
		snprintf(buf, len, "virtio-blk status %u (VIRTIO_BLK_S_%s)", err->code,
			 virtio_blk_status_name(err->code));
		break;
	case BLK_ERR_ERRNO:
		snprintf(buf, len, "%s", strerror((int)err->code));
		break;
	default:
		buf[0] = '\0';
	}
	return buf;
}

/* fio prints and frees the string. */
#ifdef BLK_FIO_ERRDETAILS_TAKES_TD
static char *blk_errdetails(struct thread_data *td, struct io_u *io_u)
#else
static char *blk_errdetails(struct io_u *io_u)
#endif
{
	const struct blk_io_err *err = io_u->engine_data;
	char *msg;

	if (!err || err->kind == BLK_ERR_NONE)
		return NULL;
	msg = malloc(256);
	if (!msg)
		return NULL;
	return blk_io_err_describe(err, msg, 256);
}

#ifdef BLK_FIO_HAS_FDP
/*
 * fio asks for the reclaim unit handles from setup_files(), after the
 * setup hook refused every kind but NVMe, possibly before init.
 */
struct fio_ruhs_info;
extern int nvme_placement_fetch_ruhs(struct thread_data *td, struct fio_file *f,
				     struct fio_ruhs_info *info) __attribute__((weak));

static int blk_fdp_fetch_ruhs(struct thread_data *td, struct fio_file *f,
			      struct fio_ruhs_info *info)
{
	if (!nvme_placement_fetch_ruhs) {
		log_err("blkengine: %s: the nvme engine is not part of this build of libblkengine.so\n",
			f->file_name);
		errno = EOPNOTSUPP;
		return -EOPNOTSUPP;
	}
	return nvme_placement_fetch_ruhs(td, f, info);
}
#endif

/*
 * fio dlsym()s "ioengine" and uses the symbol itself as the ops struct.
 * It is the only symbol the module exports.
 */
struct ioengine_ops ioengine __attribute__((visibility("default")));
struct ioengine_ops ioengine = {
	.name			= "blkengine",
	.version		= FIO_IOOPS_VERSION,
	.flags			= FIO_NOEXTEND | FIO_NODISKUTIL | FIO_RAWIO |
#ifdef BLK_FIO_HAS_NUM_RANGE
				  FIO_MULTI_RANGE_TRIM |
#endif
				  FIO_ASYNCIO_SETS_ISSUE_TIME,
	.setup			= blk_setup,
	.init			= blk_init,
	.post_init		= blk_post_init,
	.cleanup		= blk_cleanup,
	.open_file		= blk_open_file,
	.close_file		= blk_close_file,
	.invalidate		= blk_invalidate,
	.iomem_alloc		= blk_iomem_alloc_hook,
	.iomem_free		= blk_iomem_free_hook,
	.io_u_init		= blk_io_u_init,
	.io_u_free		= blk_io_u_free,
	.prep			= blk_prep,
	.queue			= blk_queue,
	.commit			= blk_commit,
	.getevents		= blk_getevents,
	.event			= blk_event,
	.errdetails		= blk_errdetails,
	.get_zoned_model	= blk_get_zoned_model,
	.report_zones		= blk_report_zones,
	.reset_wp		= blk_reset_wp,
	.get_max_open_zones	= blk_get_max_open_zones,
#ifdef BLK_FIO_HAS_MAX_ACTIVE_ZONES
	.get_max_active_zones	= blk_get_max_active_zones,
#endif
#ifdef BLK_FIO_HAS_FINISH_ZONE
	.finish_zone		= blk_finish_zone,
#endif
#ifdef BLK_FIO_HAS_FDP
	.fdp_fetch_ruhs		= blk_fdp_fetch_ruhs,
#endif
	.options		= blk_fio_options,
	.option_struct_size	= sizeof(struct blk_options),
};

/* fio exports it; weak so that a host other than fio reads NULL. */
extern const char fio_version_string[] __attribute__((weak));

/*
 * Built against another fio version's headers, the module would read fio's
 * structures at the wrong offsets and crash or corrupt the run. This runs
 * at dlopen(), before fio looks at the ops: a version no fio accepts makes
 * fio refuse the module, after this message says why and what to do.
 */
static void __attribute__((constructor)) refuse_other_fio(void)
{
	if (!fio_version_string || !strcmp(fio_version_string, BLK_FIO_VERSION))
		return;
	log_err("blkengine: libblkengine.so was built for %s but this fio is %s, whose structures differ: rebuild the module against the source of %s (./configure --with-fio=DIR) or run it with a %s binary\n",
		BLK_FIO_VERSION, fio_version_string, fio_version_string, BLK_FIO_VERSION);
	ioengine.version = -1;
}

