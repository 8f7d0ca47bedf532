/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The packed ring behind virtqueue.h's entry points; private to
 * virtqueue.c and virtqueue_packed.c.
 */
#ifndef BLK_VIRTQUEUE_PACKED_H
#define BLK_VIRTQUEUE_PACKED_H

#include "virtqueue.h"

void virtq_packed_layout(uint16_t num, struct virtq_layout *l);
void virtq_packed_init(struct virtq *vq, void *ring, const struct virtq_layout *l,
		       bool lap0);
int virtq_packed_add_chain(struct virtq *vq, const struct virtq_seg *segs, unsigned int n,
			   void *cookie);
bool virtq_packed_has_used(struct virtq *vq);
int virtq_packed_get_used(struct virtq *vq, void **cookie, uint32_t *len);
bool virtq_packed_arm(struct virtq *vq, uint16_t after);
void virtq_packed_disarm(struct virtq *vq);

#endif
