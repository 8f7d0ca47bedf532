/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-vdpa transport: a virtio device behind the kernel's vhost-vdpa
 * char device (/dev/vhost-vdpa-N), fronting a hardware vDPA device or a
 * VDUSE device served by a user-space daemon.
 */
#ifndef BLK_VHOST_VDPA_H
#define BLK_VHOST_VDPA_H

#include <stddef.h>

#include "virtio_transport.h"

/* The vhost-vdpa transport of virtio_blk.c. */
extern const struct virtio_transport_ops vhost_vdpa_transport;

/*
 * Explains a /dev/vhost-vdpa-N that does not exist: lists the vdpa devices
 * bound to another driver (virtio_vdpa) and how to rebind them, or how to
 * create one. Writes at most len bytes to why.
 */
void vhost_vdpa_explain_missing(const char *path, char *why, size_t len);

#endif
