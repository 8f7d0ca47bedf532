/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtqueue driven from user space: split (virtio 1.0) or packed
 * (VIRTIO_F_RING_PACKED, virtio 1.1) behind one API.
 *
 * Pure ring logic: no system calls, no knowledge of the transport or of
 * virtio-blk. The caller places the ring in memory the device can reach,
 * adds buffers, publishes them, asks whether the device wants a kick (and
 * kicks through its transport), and consumes used entries.
 *
 * Ring fields are little-endian (VIRTIO_F_VERSION_1 is required).
 * Not thread safe: one virtqueue belongs to one fio thread.
 */
#ifndef BLK_VIRTQUEUE_H
#define BLK_VIRTQUEUE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>

#include <linux/virtio_ring.h>

/* One buffer of a request: a device address, its length, its direction. */
struct virtq_seg {
	uint64_t addr;
	uint32_t len;
	bool device_writes;		/* VRING_DESC_F_WRITE */
};

/* virtq_init() and virtq_layout() flags; true (a bool) still means EVENT_IDX. */
#define VIRTQ_F_EVENT_IDX	(1u << 0)	/* VIRTIO_RING_F_EVENT_IDX negotiated */
#define VIRTQ_F_PACKED		(1u << 1)	/* VIRTIO_F_RING_PACKED negotiated */
#define VIRTQ_F_IN_ORDER	(1u << 2)	/* VIRTIO_F_IN_ORDER negotiated (packed only) */
/*
 * A packed ring that starts in lap 0 (both wrap counters 0) rather than in
 * lap 1 as after a device reset; for transports that tell the device the
 * ring's start (vhost's ring base).
 */
#define VIRTQ_F_PACKED_LAP0	(1u << 3)

struct virtq {
	/* Split ring (NULL for a packed one). */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	volatile __virtio16 *avail_event;	/* after used->ring[num] */
	uint16_t num;			/* entries, a power of two */
	bool event_idx;			/* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool broken;			/* the device broke the ring protocol */
	bool packed;			/* VIRTQ_F_PACKED: the fields below the split ones */
	bool in_order;			/* VIRTQ_F_IN_ORDER */

	uint16_t free_head;		/* first free descriptor */
	uint16_t num_free;
	uint16_t avail_idx;		/* driver's next avail index (not yet published) */
	uint16_t published_idx;		/* avail index at the last publish */
	uint16_t kicked_idx;		/* avail index at the last kick decision */
	uint16_t last_used;		/* next used entry to consume */
	uint16_t used_seen;		/* last used->idx read from the device */

	uint16_t *next;			/* per descriptor: the free list and chain links */
	uint16_t *avail_pos;		/* per head: the avail index it was added at */
	uint16_t *chain_len;		/* per head: descriptors in its chain, 0 = not in flight */
	void **cookie;			/* per head: the caller's cookie */

	/*
	 * Packed ring. "head" above is a buffer id here: next, avail_pos,
	 * chain_len and cookie are indexed by id, next being the free id list.
	 */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *driver_event;	/* ours: when to signal us */
	struct vring_packed_desc_event *device_event;	/* the device's: when to kick it */
	uint16_t next_avail;		/* position the next descriptor goes to */
	bool avail_wrap;		/* driver ring wrap counter at next_avail */
	bool pending;			/* a head is written but its flags held back */
	uint16_t pending_head;		/* position of the first unpublished head */
	uint16_t pending_flags;		/* the flags that make it available */
	uint16_t added_descs;		/* descriptors added since the last publish */
	uint32_t unkicked_descs;	/* published since the last kick decision */
	uint16_t pub_pos;		/* next_avail at the last publish */
	bool pub_wrap;			/* avail_wrap at the last publish */
	uint16_t last_used_pos;		/* position of the next used descriptor */
	bool used_wrap;			/* wrap counter the device writes there */
	uint16_t next_id;		/* in order: ids go out in sequence */
	uint16_t oldest_id;		/* in order: the id the device returns next */
	bool in_batch;			/* in order: completing up to batch_end */
	uint16_t batch_end;
	uint32_t batch_len;
};

/*
 * Byte offsets of the three ring parts inside one ring area. A split ring:
 * descriptor table, avail ring, used ring. A packed ring: descriptor ring,
 * driver event suppression area, device event suppression area (the three
 * addresses a transport gives the device, in that order).
 */
struct virtq_layout {
	size_t avail_off;		/* packed: driver event suppression */
	size_t used_off;		/* packed: device event suppression */
	size_t size;			/* total bytes */
};

/* Layout of a ring of num entries; flags: VIRTQ_F_PACKED or not. */
void virtq_layout(uint16_t num, unsigned int flags, struct virtq_layout *l);

/*
 * Sets up a ring of num entries (a power of two, 1 to 32768) in ring,
 * which must be zeroed, 16-byte aligned memory of virtq_layout().size bytes.
 * flags: VIRTQ_F_*. Returns 0, -EINVAL or -ENOMEM.
 */
int virtq_init(struct virtq *vq, uint16_t num, void *ring, unsigned int flags);
void virtq_exit(struct virtq *vq);

/* Descriptors free in the ring. */
static inline unsigned int virtq_num_free(const struct virtq *vq)
{
	return vq->num_free;
}

/*
 * Adds a chain of n descriptors, device-readable ones first. The entry is
 * visible to the device after virtq_publish(). Returns the head index or
 * -ENOSPC when fewer than n descriptors are free, -EINVAL when n is 0.
 */
int virtq_add_chain(struct virtq *vq, const struct virtq_seg *segs, unsigned int n,
		    void *cookie);

/*
 * Adds one request as an indirect table of n descriptors: table (at device
 * address table_addr) is filled from segs and takes a single ring
 * descriptor. Returns the head index, -ENOSPC or -EINVAL.
 */
int virtq_add_indirect(struct virtq *vq, struct vring_desc *table, uint64_t table_addr,
		       const struct virtq_seg *segs, unsigned int n, void *cookie);

/* Puts head on the split avail ring; the device sees it at the next publish. */
static inline void virtq_push_avail(struct virtq *vq, uint16_t head, uint16_t chain_len,
				    void *cookie)
{
	vq->chain_len[head] = chain_len;
	vq->cookie[head] = cookie;
	vq->avail_pos[head] = vq->avail_idx;
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = htole16(head);
	vq->avail_idx++;
}

int virtq_packed_add_table(struct virtq *vq, uint64_t table_addr, unsigned int n, void *cookie);

/*
 * Adds one request whose indirect table of n descriptors, at device
 * address table_addr, the caller has filled already. Returns the head
 * index, -ENOSPC or -EINVAL. Inline, as virtq_get_used(): the split ring's
 * path runs once per request, and a call costs it a good part again.
 */
static inline int virtq_add_table(struct virtq *vq, uint64_t table_addr, unsigned int n,
				  void *cookie)
{
	uint16_t head = vq->free_head;
	struct vring_desc *d;

	if (vq->packed)
		return virtq_packed_add_table(vq, table_addr, n, cookie);
	if (!n)
		return -EINVAL;
	if (!vq->num_free)
		return -ENOSPC;

	d = &vq->desc[head];
	vq->free_head = vq->next[head];
	vq->num_free--;
	d->addr = htole64(table_addr);
	d->len = htole32(n * sizeof(struct vring_desc));
	d->flags = htole16(VRING_DESC_F_INDIRECT);
	virtq_push_avail(vq, head, 1, cookie);
	return head;
}

/*
 * Writes entry i of an indirect table of n entries in the ring's layout
 * (split: chained with next; packed: the entries follow one another and
 * only the WRITE flag counts). For callers that fill tables themselves
 * before virtq_add_table().
 */
static inline void virtq_table_set(const struct virtq *vq, struct vring_desc *table,
				   unsigned int i, unsigned int n, uint64_t addr, uint32_t len,
				   bool device_writes)
{
	struct vring_desc *d = &table[i];

	d->addr = htole64(addr);
	d->len = htole32(len);
	if (vq->packed) {
		struct vring_packed_desc *p = (struct vring_packed_desc *)d;

		p->id = 0;
		p->flags = htole16(device_writes ? VRING_DESC_F_WRITE : 0);
		return;
	}
	d->flags = htole16((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
			   (device_writes ? VRING_DESC_F_WRITE : 0));
	d->next = htole16(i + 1 < n ? i + 1 : 0);
}

void virtq_packed_publish(struct virtq *vq);
bool virtq_packed_kick_needed(struct virtq *vq);

/*
 * Makes every entry added so far visible to the device. Inline, as the
 * kick check below: both run at every commit.
 */
static inline void virtq_publish(struct virtq *vq)
{
	if (vq->packed) {
		virtq_packed_publish(vq);
		return;
	}
	/*
	 * Release: the descriptors, indirect tables, request headers and
	 * avail ring entries written before must be visible to the device
	 * before it can see the new avail->idx that covers them.
	 */
	__atomic_store_n(&vq->avail->idx, htole16(vq->avail_idx), __ATOMIC_RELEASE);
	vq->published_idx = vq->avail_idx;
}

/*
 * After virtq_publish(): whether the device asked to be notified of the
 * entries published since the previous call (EVENT_IDX avail_event, else
 * the used ring's NO_NOTIFY flag).
 */
static inline bool virtq_kick_needed(struct virtq *vq)
{
	uint16_t old = vq->kicked_idx, new = vq->avail_idx;
	bool kick;

	if (vq->packed)
		return virtq_packed_kick_needed(vq);
	if (old == new)
		return false;
	vq->kicked_idx = new;

	/*
	 * Full barrier: our avail->idx store must be globally visible before
	 * we read the device's avail_event (or NO_NOTIFY flag). Otherwise the
	 * device may check avail->idx, find nothing new, publish its
	 * avail_event and go to sleep, while we read its stale avail_event,
	 * skip the kick, and both sides wait forever (store->load ordering,
	 * which only a full fence gives on x86).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (vq->event_idx) {
		uint16_t event = le16toh(*vq->avail_event);

		kick = vring_need_event(event, new, old);
	} else {
		uint16_t flags = le16toh(*(volatile __virtio16 *)&vq->used->flags);

		kick = !(flags & VRING_USED_F_NO_NOTIFY);
	}
	return kick;
}

/*
 * Whether the entry added at head (split) or with buffer id head (packed)
 * was added before the last publish, so the device may have it.
 */
static inline bool virtq_published(const struct virtq *vq, uint16_t head)
{
	uint16_t unpublished = vq->avail_idx - vq->published_idx;

	return (uint16_t)(vq->avail_pos[head] - vq->published_idx) >= unpublished;
}

/* used->idx as the device last wrote it. */
static inline uint16_t virtq_load_used_idx(struct virtq *vq)
{
	/*
	 * Acquire: the used ring entries and the buffers they describe
	 * (status bytes, read data) must be read after the index that
	 * announces them, never from before the device wrote them.
	 */
	return le16toh(__atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE));
}

/* virtq_get_used() off the split ring's way: a packed or broken ring. */
int virtq_get_used_other(struct virtq *vq, void **cookie, uint32_t *len);

/*
 * virtq_get_used_other() through locals of its own: the caller's cookie
 * and length, whose addresses would otherwise escape into the call, stay
 * in registers on the common path.
 */
static inline int virtq_get_used_slow(struct virtq *vq, void **cookie, uint32_t *len)
{
	void *c = NULL;
	uint32_t l = 0;
	int ret = virtq_get_used_other(vq, &c, &l);

	*cookie = c;
	*len = l;
	return ret;
}

/*
 * Consumes one used entry. Returns 1 with *cookie and *len set, 0 when the
 * device has returned nothing more, -EIO when the device returned an index
 * that is not in flight or not yet published, or moved used->idx
 * impossibly (the ring is then broken for good).
 */
static inline __attribute__((always_inline))
int virtq_get_used(struct virtq *vq, void **cookie, uint32_t *len)
{
	const struct vring_used_elem *e;
	uint16_t n, last;
	uint32_t id;

	if (vq->packed || vq->broken)
		return virtq_get_used_slow(vq, cookie, len);
	if (vq->used_seen == vq->last_used) {
		vq->used_seen = virtq_load_used_idx(vq);
		if (vq->used_seen == vq->last_used)
			return 0;
		/* The device cannot return more than was ever in flight. */
		if ((uint16_t)(vq->used_seen - vq->last_used) > vq->num)
			return virtq_get_used_slow(vq, cookie, len);
	}

	e = &vq->used->ring[vq->last_used & (vq->num - 1)];
	id = le32toh(e->id);
	if (id >= vq->num || !vq->chain_len[id] || !virtq_published(vq, (uint16_t)id))
		return virtq_get_used_slow(vq, cookie, len);
	*len = le32toh(e->len);
	*cookie = vq->cookie[id];

	/* Its descriptors back on the free list; a direct chain is linked with next. */
	n = vq->chain_len[id];
	last = (uint16_t)id;
	while (--n)
		last = vq->next[last];
	vq->next[last] = vq->free_head;
	vq->free_head = (uint16_t)id;
	vq->num_free += vq->chain_len[id];
	vq->chain_len[id] = 0;
	vq->last_used++;
	return 1;
}

/* Whether the device has returned entries not consumed yet. */
bool virtq_has_used(struct virtq *vq);

/*
 * Asks the device to signal once `after` (at least 1) more entries are
 * used, then re-checks the used ring. Returns true when entries are
 * already waiting: the caller must consume them rather than sleep, or the
 * signal it waits for may have been sent before it was asked for.
 */
bool virtq_arm(struct virtq *vq, uint16_t after);

/* Asks the device not to signal completions (the caller polls). */
void virtq_disarm(struct virtq *vq);

#endif
