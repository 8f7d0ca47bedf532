// SPDX-License-Identifier: GPL-2.0-only
/*
 * Split virtqueue, driver side (virtio 1.x, section 2.7), and the entry
 * points of both layouts: a packed ring (virtqueue_packed.c) is chosen at
 * init and each call tests one bool, no indirect call on the hot path.
 *
 * The device runs in another process (or the kernel) and shares the ring
 * memory with us, so every ordering point below is a real inter-processor
 * barrier, not just a compiler one.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtqueue.h"
#include "virtqueue_packed.h"

#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((size_t)(a) - 1))

/* The device's cache lines and ours stay apart: avail is ours, used is its. */
#define VIRTQ_USED_ALIGN	64

void virtq_layout(uint16_t num, unsigned int flags, struct virtq_layout *l)
{
	size_t avail_len = sizeof(struct vring_avail) + sizeof(__virtio16) * (num + 1);
	size_t used_len = sizeof(struct vring_used) +
			  sizeof(struct vring_used_elem) * num + sizeof(__virtio16);

	if (flags & VIRTQ_F_PACKED) {
		virtq_packed_layout(num, l);
		return;
	}
	l->avail_off = sizeof(struct vring_desc) * num;
	l->used_off = ALIGN_UP(l->avail_off + avail_len, VIRTQ_USED_ALIGN);
	l->size = ALIGN_UP(l->used_off + used_len, VIRTQ_USED_ALIGN);
}

int virtq_init(struct virtq *vq, uint16_t num, void *ring, unsigned int flags)
{
	struct virtq_layout l;
	uint16_t i;

	memset(vq, 0, sizeof(*vq));
	if (!num || (num & (num - 1)) || num > 32768 || ((uintptr_t)ring & 15))
		return -EINVAL;
	/* In-order batches are only understood on a packed ring. */
	if ((flags & VIRTQ_F_IN_ORDER) && !(flags & VIRTQ_F_PACKED))
		return -EINVAL;

	virtq_layout(num, flags, &l);
	vq->num = num;
	vq->event_idx = flags & VIRTQ_F_EVENT_IDX;
	vq->packed = flags & VIRTQ_F_PACKED;
	vq->in_order = flags & VIRTQ_F_IN_ORDER;
	if (!vq->packed) {
		vq->desc = ring;
		vq->avail = (struct vring_avail *)((char *)ring + l.avail_off);
		vq->used = (struct vring_used *)((char *)ring + l.used_off);
		vq->avail_event = (volatile __virtio16 *)((char *)vq->used +
							  sizeof(struct vring_used) +
							  sizeof(struct vring_used_elem) * num);
	}

	/*
	 * The links live in our memory too, not only in desc.next: the device
	 * can write the descriptor table, and a link it changed must not send
	 * the free list outside the ring.
	 */
	vq->next = calloc(num, sizeof(*vq->next));
	vq->avail_pos = calloc(num, sizeof(*vq->avail_pos));
	vq->chain_len = calloc(num, sizeof(*vq->chain_len));
	vq->cookie = calloc(num, sizeof(*vq->cookie));
	if (!vq->next || !vq->avail_pos || !vq->chain_len || !vq->cookie) {
		virtq_exit(vq);
		return -ENOMEM;
	}

	for (i = 0; i < num - 1; i++)
		vq->next[i] = i + 1;
	vq->free_head = 0;
	vq->num_free = num;
	if (vq->packed)
		virtq_packed_init(vq, ring, &l, flags & VIRTQ_F_PACKED_LAP0);
	return 0;
}

void virtq_exit(struct virtq *vq)
{
	free(vq->next);
	free(vq->avail_pos);
	free(vq->chain_len);
	free(vq->cookie);
	vq->next = NULL;
	vq->avail_pos = NULL;
	vq->chain_len = NULL;
	vq->cookie = NULL;
}

static inline void fill_desc(struct vring_desc *d, const struct virtq_seg *s, uint16_t flags)
{
	d->addr = htole64(s->addr);
	d->len = htole32(s->len);
	d->flags = htole16(flags | (s->device_writes ? VRING_DESC_F_WRITE : 0));
}

int virtq_add_chain(struct virtq *vq, const struct virtq_seg *segs, unsigned int n,
		    void *cookie)
{
	uint16_t head = vq->free_head, idx = head;
	unsigned int i;

	if (vq->packed)
		return virtq_packed_add_chain(vq, segs, n, cookie);
	if (!n)
		return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;

	for (i = 0; i < n; i++) {
		struct vring_desc *d = &vq->desc[idx];

		fill_desc(d, &segs[i], i + 1 < n ? VRING_DESC_F_NEXT : 0);
		d->next = htole16(vq->next[idx]);
		idx = vq->next[idx];
	}
	vq->free_head = idx;
	vq->num_free -= n;
	virtq_push_avail(vq, head, n, cookie);
	return head;
}

int virtq_add_indirect(struct virtq *vq, struct vring_desc *table, uint64_t table_addr,
		       const struct virtq_seg *segs, unsigned int n, void *cookie)
{
	unsigned int i;

	if (!n)
		return -EINVAL;
	if (!vq->num_free)
		return -ENOSPC;

	for (i = 0; i < n; i++)
		virtq_table_set(vq, table, i, n, segs[i].addr, segs[i].len, segs[i].device_writes);
	return virtq_add_table(vq, table_addr, n, cookie);
}

bool virtq_has_used(struct virtq *vq)
{
	if (vq->packed)
		return virtq_packed_has_used(vq);
	if (vq->used_seen != vq->last_used)
		return true;
	vq->used_seen = virtq_load_used_idx(vq);
	return vq->used_seen != vq->last_used;
}

int virtq_get_used_other(struct virtq *vq, void **cookie, uint32_t *len)
{
	if (vq->packed)
		return virtq_packed_get_used(vq, cookie, len);
	/* The split ring: broken now, or already before. */
	vq->broken = true;
	return -EIO;
}

bool virtq_arm(struct virtq *vq, uint16_t after)
{
	if (!after)
		after = 1;
	if (vq->packed)
		return virtq_packed_arm(vq, after);
	if (vq->event_idx) {
		/* Signal when used->idx passes last_used + after - 1. */
		*(volatile __virtio16 *)&vq->avail->ring[vq->num] =
			htole16((uint16_t)(vq->last_used + after - 1));
	} else {
		*(volatile __virtio16 *)&vq->avail->flags = 0;
	}

	/*
	 * Full barrier: the device must be able to see the re-armed event
	 * before we look at used->idx one more time. A completion that the
	 * device published before it saw the new used_event will not be
	 * signalled, so it has to be found by this re-check instead
	 * (store->load ordering again).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_has_used(vq);
}

void virtq_disarm(struct virtq *vq)
{
	if (vq->packed) {
		virtq_packed_disarm(vq);
		return;
	}
	if (vq->event_idx) {
		/*
		 * An event index just behind us is the farthest the device can
		 * be from reaching it: no signal for the next 65535 entries.
		 */
		*(volatile __virtio16 *)&vq->avail->ring[vq->num] =
			htole16((uint16_t)(vq->last_used - 1));
	} else {
		*(volatile __virtio16 *)&vq->avail->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	}
}
