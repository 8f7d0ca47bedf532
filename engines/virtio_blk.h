/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk driven from a fio thread, over any virtio transport.
 *
 * These are fio's hooks for the virtio kinds. A transport's backend
 * (vhost_user.c, and a vhost-vdpa one) passes its ops to setup and init and
 * uses the rest as they are. Jobs of one process that name the same device
 * share one transport connection; each job gets a virtqueue of its own.
 */
#ifndef BLK_VIRTIO_BLK_H
#define BLK_VIRTIO_BLK_H

#include "fio.h"

#include "virtio_transport.h"

int virtio_blk_setup(struct thread_data *td, const struct virtio_transport_ops *ops);
int virtio_blk_init(struct thread_data *td, const struct virtio_transport_ops *ops);
int virtio_blk_post_init(struct thread_data *td);
void virtio_blk_cleanup(struct thread_data *td);
int virtio_blk_open_file(struct thread_data *td, struct fio_file *f);
int virtio_blk_close_file(struct thread_data *td, struct fio_file *f);
int virtio_blk_io_u_init(struct thread_data *td, struct io_u *io_u);
void virtio_blk_io_u_free(struct thread_data *td, struct io_u *io_u);
enum fio_q_status virtio_blk_queue(struct thread_data *td, struct io_u *io_u);
int virtio_blk_commit(struct thread_data *td);
int virtio_blk_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			 const struct timespec *t);
struct io_u *virtio_blk_event(struct thread_data *td, int event);

#endif
