// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-blk engine kinds: one virtio-blk driver (virtio_blk.c) over
 * each transport. The transports know nothing of fio; this file is where
 * a transport becomes an engine kind.
 */
#include "fio.h"

#include "backend.h"
#include "vhost_user.h"
#include "vhost_vdpa.h"
#include "vfio_pci.h"
#include "virtio_blk.h"

#define DEFINE_VIRTIO_BLK_BACKEND(name, blk_kind, transport)			\
static int name##_setup(struct thread_data *td)					\
{										\
	return virtio_blk_setup(td, &(transport));				\
}										\
										\
static int name##_init(struct thread_data *td)					\
{										\
	return virtio_blk_init(td, &(transport));				\
}										\
										\
const struct blk_backend name = {						\
	.kind		= (blk_kind),						\
	.shared_iomem	= true,							\
	.setup		= name##_setup,						\
	.init		= name##_init,						\
	.post_init	= virtio_blk_post_init,					\
	.cleanup	= virtio_blk_cleanup,					\
	.open_file	= virtio_blk_open_file,					\
	.close_file	= virtio_blk_close_file,				\
	.io_u_init	= virtio_blk_io_u_init,					\
	.io_u_free	= virtio_blk_io_u_free,					\
	.queue		= virtio_blk_queue,					\
	.commit		= virtio_blk_commit,					\
	.getevents	= virtio_blk_getevents,					\
	.event		= virtio_blk_event,					\
}

DEFINE_VIRTIO_BLK_BACKEND(blk_vhost_user_backend, BLK_KIND_VHOST_USER, vhost_user_transport);
DEFINE_VIRTIO_BLK_BACKEND(blk_vhost_vdpa_backend, BLK_KIND_VHOST_VDPA, vhost_vdpa_transport);
DEFINE_VIRTIO_BLK_BACKEND(blk_vfio_pci_backend, BLK_KIND_VFIO_PCI, vfio_pci_transport);
