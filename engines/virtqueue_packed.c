// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packed virtqueue, driver side (virtio 1.1, section 2.8).
 *
 * One ring of descriptors that both sides write: we make a descriptor
 * available by setting its AVAIL flag to our wrap counter and USED to the
 * opposite; the device returns a buffer by writing one descriptor (the
 * buffer id and a length) at its own used position with both flags equal
 * to its wrap counter. Each side's position goes round the ring in order;
 * the wrap counters flip at the end of the ring and tell this lap's
 * descriptors from the last one's. The device skips a returned chain's
 * length of descriptors, so the used position is the sum of the chain
 * lengths returned so far, never more than what we made available.
 *
 * Everything the device writes is distrusted as in the split ring: a
 * buffer id that is out of range, not in flight or not yet published
 * breaks the ring for good (-EIO), before anything is freed.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtqueue.h"
#include "virtqueue_packed.h"

#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((size_t)(a) - 1))

/* The device's event area on a cache line of its own, as the split used ring. */
#define VIRTQ_EVENT_ALIGN	64

#define F_AVAIL		(1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED		(1u << VRING_PACKED_DESC_F_USED)
#define WRAP_BIT	(1u << VRING_PACKED_EVENT_F_WRAP_CTR)

/* AVAIL and USED as they make a descriptor available in the lap of wrap. */
static inline uint16_t avail_flags(bool wrap)
{
	return wrap ? F_AVAIL : F_USED;
}

void virtq_packed_layout(uint16_t num, struct virtq_layout *l)
{
	l->avail_off = sizeof(struct vring_packed_desc) * num;
	l->used_off = ALIGN_UP(l->avail_off + sizeof(struct vring_packed_desc_event),
			       VIRTQ_EVENT_ALIGN);
	l->size = ALIGN_UP(l->used_off + sizeof(struct vring_packed_desc_event), VIRTQ_EVENT_ALIGN);
}

void virtq_packed_init(struct virtq *vq, void *ring, const struct virtq_layout *l,
		       bool lap0)
{
	uint16_t i;

	vq->pdesc = ring;
	vq->driver_event = (struct vring_packed_desc_event *)((char *)ring + l->avail_off);
	vq->device_event = (struct vring_packed_desc_event *)((char *)ring + l->used_off);
	/* Both wrap counters start at 1 (section 2.8.1); zeroed flags are neither. */
	vq->avail_wrap = !lap0;
	vq->pub_wrap = !lap0;
	vq->used_wrap = !lap0;
	/*
	 * In lap 0, zeroed flags would read as used: mark every descriptor
	 * as made available in lap 1, which in lap 0 is neither available
	 * nor used, to us and to the device.
	 */
	if (lap0)
		for (i = 0; i < vq->num; i++)
			vq->pdesc[i].flags = htole16(avail_flags(true));
}

/* Whether flags say used in the lap of wrap: both bits equal to it. */
static inline bool is_used(uint16_t flags, bool wrap)
{
	return !!(flags & F_AVAIL) == wrap && !!(flags & F_USED) == wrap;
}

/* A free buffer id; the caller checked there are free descriptors. */
static inline int alloc_id(struct virtq *vq)
{
	uint16_t id;

	if (vq->in_order) {
		/* The device returns ids in the order they went out. */
		id = vq->next_id;
		if (vq->chain_len[id])
			return -ENOSPC;
		vq->next_id = (uint16_t)((id + 1) & (vq->num - 1));
		return id;
	}
	/* Never empty: each buffer in flight holds at least one descriptor. */
	id = vq->free_head;
	vq->free_head = vq->next[id];
	return id;
}

static inline void advance(uint16_t *pos, bool *wrap, uint16_t by, uint16_t num)
{
	uint32_t p = (uint32_t)*pos + by;

	if (p >= num) {
		p -= num;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

/*
 * The head's flags make the whole chain available, so they are written
 * last. The first head since the last publish keeps them back until
 * virtq_publish(); the device reads the ring in order and stops there, so
 * later heads may take their flags at once.
 */
static inline void set_head_flags(struct virtq *vq, uint16_t head, uint16_t flags)
{
	if (!vq->pending) {
		vq->pending = true;
		vq->pending_head = head;
		vq->pending_flags = flags;
		return;
	}
	vq->pdesc[head].flags = htole16(flags);
}

static inline void track(struct virtq *vq, uint16_t id, uint16_t descs, void *cookie)
{
	vq->chain_len[id] = descs;
	vq->cookie[id] = cookie;
	vq->avail_pos[id] = vq->avail_idx++;
	vq->num_free -= descs;
	vq->added_descs += descs;
}

int virtq_packed_add_chain(struct virtq *vq, const struct virtq_seg *segs, unsigned int n,
			   void *cookie)
{
	uint16_t head = vq->next_avail, pos = head, head_flags = 0;
	bool wrap = vq->avail_wrap;
	unsigned int i;
	int id;

	if (!n)
		return -EINVAL;
	if (n > vq->num_free)
		return -ENOSPC;
	id = alloc_id(vq);
	if (id < 0)
		return id;

	for (i = 0; i < n; i++) {
		struct vring_packed_desc *d = &vq->pdesc[pos];
		uint16_t flags = avail_flags(wrap) | (i + 1 < n ? VRING_DESC_F_NEXT : 0) |
				 (segs[i].device_writes ? VRING_DESC_F_WRITE : 0);

		d->addr = htole64(segs[i].addr);
		d->len = htole32(segs[i].len);
		/* Every descriptor carries the id: devices read it from the last one. */
		d->id = htole16((uint16_t)id);
		if (i)
			d->flags = htole16(flags);
		else
			head_flags = flags;
		advance(&pos, &wrap, 1, vq->num);
	}
	vq->next_avail = pos;
	vq->avail_wrap = wrap;
	set_head_flags(vq, head, head_flags);
	track(vq, (uint16_t)id, (uint16_t)n, cookie);
	return id;
}

int virtq_packed_add_table(struct virtq *vq, uint64_t table_addr, unsigned int n, void *cookie)
{
	uint16_t head = vq->next_avail;
	struct vring_packed_desc *d = &vq->pdesc[head];
	int id;

	if (!n)
		return -EINVAL;
	if (!vq->num_free)
		return -ENOSPC;
	id = alloc_id(vq);
	if (id < 0)
		return id;

	d->addr = htole64(table_addr);
	d->len = htole32(n * sizeof(struct vring_packed_desc));
	d->id = htole16((uint16_t)id);
	set_head_flags(vq, head, avail_flags(vq->avail_wrap) | VRING_DESC_F_INDIRECT);
	advance(&vq->next_avail, &vq->avail_wrap, 1, vq->num);
	track(vq, (uint16_t)id, 1, cookie);
	return id;
}

void virtq_packed_publish(struct virtq *vq)
{
	if (vq->pending) {
		/*
		 * Release: every descriptor, table and request header written
		 * before (the later heads' flags included) is visible to the
		 * device before the flags that let it read them.
		 */
		__atomic_store_n(&vq->pdesc[vq->pending_head].flags, htole16(vq->pending_flags),
				 __ATOMIC_RELEASE);
		vq->pending = false;
	}
	vq->unkicked_descs += vq->added_descs;
	vq->added_descs = 0;
	vq->pub_pos = vq->next_avail;
	vq->pub_wrap = vq->avail_wrap;
	vq->published_idx = vq->avail_idx;
}

bool virtq_packed_kick_needed(struct virtq *vq)
{
	uint32_t added = vq->unkicked_descs;
	uint16_t flags, off_wrap, event, new = vq->pub_pos;

	if (!added)
		return false;
	vq->unkicked_descs = 0;

	/* Full barrier: as for the split ring, our flags before its event area. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	flags = le16toh(*(volatile __le16 *)&vq->device_event->flags);
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	/* ENABLE, or a value we cannot read as anything else: kick. */
	if (!vq->event_idx || flags != VRING_PACKED_EVENT_FLAG_DESC || added >= vq->num)
		return true;
	off_wrap = le16toh(*(volatile __le16 *)&vq->device_event->off_wrap);
	event = off_wrap & ~WRAP_BIT;
	/*
	 * Positions of the last lap count as if below 0, so one 16-bit window
	 * [new - added, new) covers what was published, across the ring end.
	 */
	if (!!(off_wrap & WRAP_BIT) != vq->pub_wrap)
		event -= vq->num;
	return vring_need_event(event, new, (uint16_t)(new - added));
}

/* The flags of the descriptor at the used position, as the device wrote them. */
static inline uint16_t load_used_flags(struct virtq *vq)
{
	/*
	 * Acquire: the id, the length and the buffers they describe are read
	 * after the flags that announce them, never from before the device
	 * wrote them.
	 */
	return le16toh(__atomic_load_n(&vq->pdesc[vq->last_used_pos].flags, __ATOMIC_ACQUIRE));
}

bool virtq_packed_has_used(struct virtq *vq)
{
	return vq->in_batch || is_used(load_used_flags(vq), vq->used_wrap);
}

static int broken(struct virtq *vq)
{
	vq->broken = true;
	vq->in_batch = false;
	return -EIO;
}

/* An id the device may return: in range, in flight, published. */
static inline bool id_ok(const struct virtq *vq, uint16_t id)
{
	return id < vq->num && vq->chain_len[id] && virtq_published(vq, id);
}

/* Frees buffer id, whose chain the device skipped on its used position. */
static inline void release(struct virtq *vq, uint16_t id, void **cookie)
{
	uint16_t n = vq->chain_len[id];

	*cookie = vq->cookie[id];
	vq->chain_len[id] = 0;
	vq->num_free += n;
	advance(&vq->last_used_pos, &vq->used_wrap, n, vq->num);
	if (!vq->in_order) {
		vq->next[id] = vq->free_head;
		vq->free_head = id;
	}
}

/*
 * In order, the device may return a batch with one used descriptor: the
 * id of its last buffer, written at the first buffer's position. Every
 * buffer from the oldest in flight up to that id completes, one per call;
 * only the last has a length from the device.
 */
static int get_used_in_order(struct virtq *vq, void **cookie, uint32_t *len)
{
	uint16_t id;

	if (!vq->in_batch) {
		struct vring_packed_desc *d = &vq->pdesc[vq->last_used_pos];

		if (!is_used(load_used_flags(vq), vq->used_wrap))
			return 0;
		id = le16toh(d->id);
		if (!id_ok(vq, id))
			return broken(vq);
		vq->batch_end = id;
		vq->batch_len = le32toh(d->len);
		vq->in_batch = true;
	}
	id = vq->oldest_id;
	/* The batch's end is in flight, so is everything before it; say it is. */
	if (!vq->chain_len[id])
		return broken(vq);
	*len = id == vq->batch_end ? vq->batch_len : 0;
	if (id == vq->batch_end)
		vq->in_batch = false;
	release(vq, id, cookie);
	vq->oldest_id = (uint16_t)((id + 1) & (vq->num - 1));
	return 1;
}

int virtq_packed_get_used(struct virtq *vq, void **cookie, uint32_t *len)
{
	struct vring_packed_desc *d;
	uint16_t id;

	if (vq->broken)
		return -EIO;
	if (vq->in_order)
		return get_used_in_order(vq, cookie, len);
	if (!is_used(load_used_flags(vq), vq->used_wrap))
		return 0;
	d = &vq->pdesc[vq->last_used_pos];
	id = le16toh(d->id);
	if (!id_ok(vq, id))
		return broken(vq);
	*len = le32toh(d->len);
	release(vq, id, cookie);
	return 1;
}

bool virtq_packed_arm(struct virtq *vq, uint16_t after)
{
	struct vring_packed_desc_event *e = vq->driver_event;

	if (vq->event_idx) {
		uint16_t pos = vq->last_used_pos;
		bool wrap = vq->used_wrap;

		/*
		 * Each buffer returned before the after-th takes at least one
		 * descriptor, so its used descriptor is at this position or
		 * beyond: the signal may come early, never late.
		 */
		if (after > vq->num)
			after = vq->num;
		advance(&pos, &wrap, after - 1, vq->num);
		*(volatile __le16 *)&e->off_wrap = htole16(pos | (wrap ? WRAP_BIT : 0));
		/* The offset before the flags that make the device read it. */
		__atomic_store_n(&e->flags, htole16(VRING_PACKED_EVENT_FLAG_DESC), __ATOMIC_RELEASE);
	} else {
		*(volatile __le16 *)&e->flags = htole16(VRING_PACKED_EVENT_FLAG_ENABLE);
	}
	/* Full barrier: the re-armed event before the last look (see virtqueue.c). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_packed_has_used(vq);
}

void virtq_packed_disarm(struct virtq *vq)
{
	*(volatile __le16 *)&vq->driver_event->flags = htole16(VRING_PACKED_EVENT_FLAG_DISABLE);
}
