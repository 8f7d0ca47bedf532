// SPDX-License-Identifier: GPL-2.0-only
/*
 * The virtio-blk hooks vhost_user.c's backend table names, for harnesses
 * that drive only the transport; none of them may be reached.
 */
#include <stdlib.h>

#include "fio.h"

#include "virtio_blk.h"

int virtio_blk_setup(struct thread_data *td, const struct virtio_transport_ops *ops) { abort(); }
int virtio_blk_init(struct thread_data *td, const struct virtio_transport_ops *ops) { abort(); }
int virtio_blk_post_init(struct thread_data *td) { abort(); }
void virtio_blk_cleanup(struct thread_data *td) { abort(); }
int virtio_blk_open_file(struct thread_data *td, struct fio_file *f) { abort(); }
int virtio_blk_close_file(struct thread_data *td, struct fio_file *f) { abort(); }
int virtio_blk_io_u_init(struct thread_data *td, struct io_u *io_u) { abort(); }
void virtio_blk_io_u_free(struct thread_data *td, struct io_u *io_u) { abort(); }
enum fio_q_status virtio_blk_queue(struct thread_data *td, struct io_u *io_u) { abort(); }
int virtio_blk_commit(struct thread_data *td) { abort(); }
int virtio_blk_getevents(struct thread_data *td, unsigned int min, unsigned int max,
			 const struct timespec *t) { abort(); }
struct io_u *virtio_blk_event(struct thread_data *td, int event) { abort(); }
