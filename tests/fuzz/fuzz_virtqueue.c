// SPDX-License-Identifier: GPL-2.0-only
/*
 * The split virtqueue against a hostile device. The input is a script:
 * the driver adds and publishes chains and consumes used entries, and
 * between its polls the device writes whatever it likes into the memory
 * it shares with us: used entries with unknown or repeated ids and any
 * length, a used index that runs ahead or backwards, event indexes and
 * flags, even the descriptor table's next links.
 *
 * Whatever the device does, the driver must not touch memory outside the
 * ring, must hand back only cookies it has published and each at most
 * once, and once it reports the ring broken it must stay broken.
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

struct model {
	unsigned int serial[MAX_NUM];	/* head -> cookie serial, 0 = free */
	unsigned int descs[MAX_NUM];	/* ring descriptors the head holds */
	bool published[MAX_NUM];	/* the device may have seen it */
	unsigned int in_flight_descs;
	unsigned int next_serial;
	uint16_t dev_used;		/* the device's idea of used->idx */
};

static void check_free_list(const struct virtq *vq, const struct model *m)
{
	/* The free count must match what the model says is in flight. */
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
	/* More entries than the ring holds without running dry: impossible. */
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = { data, size };
	struct virtq_seg segs[MAX_SEGS];
	struct vring_desc table[MAX_SEGS];
	struct virtq_layout l;
	struct model m;
	struct virtq vq;
	bool broken = false;
	uint16_t num;
	void *ring;
	int ret;

	num = (uint16_t)(1u << (take(&s, 1) % 7));	/* 1 .. 64 */
	virtq_layout(num, 0, &l);
	ring = aligned_alloc(64, (l.size + 63) & ~(size_t)63);
	if (!ring)
		return 0;
	memset(ring, 0, l.size);
	if (virtq_init(&vq, num, ring, take(&s, 1) & 1))
		abort();
	memset(&m, 0, sizeof(m));

	while (s.left) {
		unsigned int op = take(&s, 1), n, i, h;

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
		case 3:		/* device: one used entry, id and len of its choice */
			h = take(&s, 1);
			if (h & 0x80) {
				/* Most often a head that is really in flight. */
				for (i = 0; i < num; i++)
					if (m.serial[(h + i) % num])
						break;
				h = (h + i) % num;
			} else {
				h = take(&s, 2);
			}
			vq.used->ring[m.dev_used & (num - 1)].id = htole32(h);
			vq.used->ring[m.dev_used & (num - 1)].len = htole32(take(&s, 4));
			m.dev_used++;
			__atomic_store_n(&vq.used->idx, htole16(m.dev_used), __ATOMIC_RELEASE);
			break;
		case 4:		/* device: moves used->idx anywhere */
			m.dev_used += (uint16_t)take(&s, 2);
			__atomic_store_n(&vq.used->idx, htole16(m.dev_used), __ATOMIC_RELEASE);
			break;
		case 5:		/* driver: poll */
			consume(&vq, &m, &broken);
			check_free_list(&vq, &m);
			break;
		case 6:		/* driver: arm or disarm notifications */
			if (take(&s, 1) & 1)
				(void)virtq_arm(&vq, (uint16_t)take(&s, 1));
			else
				virtq_disarm(&vq);
			(void)virtq_has_used(&vq);
			break;
		case 7:		/* device: scribbles on shared ring memory */
			i = take(&s, 1);
			switch (i % 3) {
			case 0:
				*vq.avail_event = htole16((uint16_t)take(&s, 2));
				break;
			case 1:
				vq.used->flags = htole16((uint16_t)take(&s, 2));
				break;
			case 2:
				vq.desc[take(&s, 1) % num].next = htole16((uint16_t)take(&s, 2));
				break;
			}
			break;
		}
	}
	consume(&vq, &m, &broken);
	check_free_list(&vq, &m);
	virtq_exit(&vq);
	free(ring);
	return 0;
}
