// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packed virtqueue against a hostile device. The input is a script:
 * the driver adds and publishes chains and indirect tables and consumes
 * used descriptors, and between its polls the device writes what it likes
 * into the ring it shares with us: used descriptors with unknown, repeated
 * or unpublished buffer ids, any length and any flags, at its own used
 * position or anywhere else, skipping any number of descriptors, and any
 * event suppression values. The ring may start in lap 1 or lap 0, with
 * EVENT_IDX and in-order batches or without.
 *
 * Whatever the device does, the driver must not touch memory outside the
 * ring, must hand back only cookies it has published and each at most
 * once, must account every descriptor, and once it reports the ring
 * broken it must stay broken.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "virtqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct script {
	const uint8_t *p;
	size_t left;
};

static unsigned int take(struct script *s, unsigned int bytes)
{
	unsigned int v = 0;

	while (bytes--) {
		v <<= 8;
		if (s->left) {
			v |= *s->p++;
			s->left--;
		}
	}
	return v;
}

#define MAX_NUM		64
#define MAX_SEGS	6
#define F_AVAIL		(1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED		(1u << VRING_PACKED_DESC_F_USED)

struct model {
	unsigned int serial[MAX_NUM];	/* id -> cookie serial, 0 = free */
	unsigned int descs[MAX_NUM];	/* ring descriptors the id holds */
	bool published[MAX_NUM];	/* the device may have seen it */
	unsigned int in_flight_descs;
	unsigned int next_serial;
	uint16_t dev_used;		/* the device's used position */
	bool dev_wrap;			/* and its wrap counter */
};

static void check_accounting(const struct virtq *vq, const struct model *m)
{
	if (vq->num_free != vq->num - m->in_flight_descs)
		abort();
}

static void consume(struct virtq *vq, struct model *m, bool *broken)
{
	void *cookie;
	uint32_t len;
	unsigned int h, serial;
	int ret, rounds;

	for (rounds = 0; rounds <= MAX_NUM; rounds++) {
		ret = virtq_get_used(vq, &cookie, &len);
		if (ret == 0)
			return;
		if (ret < 0) {
			if (ret != -EIO)
				abort();
			*broken = true;
			return;
		}
		if (*broken || ret != 1)
			abort();	/* nothing may come back from a broken ring */
		serial = (unsigned int)(uintptr_t)cookie;
		for (h = 0; h < vq->num; h++)
			if (m->serial[h] && m->serial[h] == serial)
				break;
		if (h == vq->num)
			abort();	/* a cookie that is not in flight */
		if (!m->published[h])
			abort();	/* the device cannot have had it yet */
		m->serial[h] = 0;
		m->in_flight_descs -= m->descs[h];
		m->descs[h] = 0;
		m->published[h] = false;
	}
	/* More buffers than the ring holds without running dry: impossible. */
	abort();
}

/* An id in flight near h, or h itself when none is. */
static unsigned int in_flight_near(const struct model *m, unsigned int h, uint16_t num)
{
	unsigned int i;

	for (i = 0; i < num; i++)
		if (m->serial[(h + i) % num])
			return (h + i) % num;
	return h % num;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = { data, size };
	struct virtq_seg segs[MAX_SEGS];
	struct vring_desc table[MAX_SEGS];
	struct vring_packed_desc *pd;
	struct vring_packed_desc_event *dev_event;
	struct virtq_layout l;
	struct model m;
	struct virtq vq;
	bool broken = false;
	unsigned int flags, cfg;
	uint16_t num;
	void *ring;
	int ret;

	num = (uint16_t)(1u << (take(&s, 1) % 7));	/* 1 .. 64 */
	cfg = take(&s, 1);
	flags = VIRTQ_F_PACKED | (cfg & 1 ? VIRTQ_F_EVENT_IDX : 0) |
		(cfg & 2 ? VIRTQ_F_IN_ORDER : 0) | (cfg & 4 ? VIRTQ_F_PACKED_LAP0 : 0);
	virtq_layout(num, VIRTQ_F_PACKED, &l);
	ring = aligned_alloc(64, (l.size + 63) & ~(size_t)63);
	if (!ring)
		return 0;
	memset(ring, 0, l.size);
	if (virtq_init(&vq, num, ring, flags))
		abort();
	pd = ring;
	dev_event = (struct vring_packed_desc_event *)((char *)ring + l.used_off);
	memset(&m, 0, sizeof(m));
	m.dev_wrap = !(flags & VIRTQ_F_PACKED_LAP0);

	while (s.left) {
		unsigned int op = take(&s, 1), n, i, h, skip;

		switch (op % 8) {
		case 0:		/* driver: a direct chain */
		case 1:		/* driver: an indirect table */
			n = 1 + take(&s, 1) % MAX_SEGS;
			for (i = 0; i < n; i++)
				segs[i] = (struct virtq_seg){ 0x1000 * (i + 1), 512, i == n - 1 };
			if (op % 8 == 0)
				ret = virtq_add_chain(&vq, segs, n, (void *)(uintptr_t)(m.next_serial + 1));
			else
				ret = virtq_add_indirect(&vq, table, 0x100000, segs, n,
							 (void *)(uintptr_t)(m.next_serial + 1));
			if (ret == -ENOSPC)
				break;
			if (ret < 0 || ret >= num || m.serial[ret])
				abort();
			m.serial[ret] = ++m.next_serial;
			m.descs[ret] = op % 8 == 0 ? n : 1;
			m.in_flight_descs += m.descs[ret];
			break;
		case 2:		/* driver: publish and ask about a kick */
			virtq_publish(&vq);
			for (i = 0; i < num; i++)
				m.published[i] = m.serial[i] != 0;
			(void)virtq_kick_needed(&vq);
			break;
		case 3:		/* device: a used descriptor at its used position */
			h = take(&s, 1);
			/* Most often a buffer really in flight, skipping its chain. */
			h = h & 0x80 ? in_flight_near(&m, h, num) : take(&s, 2);
			skip = h < num && m.descs[h] && !(take(&s, 1) & 0x80) ? m.descs[h] :
			       take(&s, 1) % (num + 1);
			pd[m.dev_used].id = htole16((uint16_t)h);
			pd[m.dev_used].len = htole32(take(&s, 4));
			__atomic_store_n(&pd[m.dev_used].flags,
					 htole16(m.dev_wrap ? F_AVAIL | F_USED : 0), __ATOMIC_RELEASE);
			m.dev_used += skip;
			if (m.dev_used >= num) {
				m.dev_used -= num;
				m.dev_wrap = !m.dev_wrap;
			}
			break;
		case 4:		/* device: any id and flags at any position */
			i = take(&s, 1) % num;
			pd[i].id = htole16((uint16_t)take(&s, 2));
			pd[i].len = htole32(take(&s, 4));
			pd[i].flags = htole16((uint16_t)take(&s, 2));
			break;
		case 5:		/* driver: poll */
			consume(&vq, &m, &broken);
			check_accounting(&vq, &m);
			break;
		case 6:		/* driver: arm or disarm notifications */
			if (take(&s, 1) & 1)
				(void)virtq_arm(&vq, (uint16_t)take(&s, 2));
			else
				virtq_disarm(&vq);
			(void)virtq_has_used(&vq);
			break;
		case 7:		/* device: its event suppression area */
			dev_event->off_wrap = htole16((uint16_t)take(&s, 2));
			dev_event->flags = htole16((uint16_t)take(&s, 2));
			(void)virtq_kick_needed(&vq);
			break;
		}
	}
	consume(&vq, &m, &broken);
	check_accounting(&vq, &m);
	virtq_exit(&vq);
	free(ring);
	return 0;
}
