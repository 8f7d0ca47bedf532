// SPDX-License-Identifier: GPL-2.0-only
/*
 * The split virtqueue against a device simulated in-process: descriptor
 * layout, indirect tables, free-list reuse across index wrap-around,
 * notification suppression both ways, and refusal of a misbehaving device.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>

#include "unit.h"
#include "virtqueue.h"

struct ring {
	struct virtq vq;
	void *mem;
	uint16_t dev_avail;		/* device's next avail entry to take */
};

static void ring_init(struct ring *r, uint16_t num, bool event_idx)
{
	struct virtq_layout l;

	virtq_layout(num, 0, &l);
	r->mem = aligned_alloc(4096, (l.size + 4095) & ~(size_t)4095);
	memset(r->mem, 0, l.size);
	r->dev_avail = 0;
	if (virtq_init(&r->vq, num, r->mem, event_idx))
		abort();
}

static void ring_exit(struct ring *r)
{
	virtq_exit(&r->vq);
	free(r->mem);
}

/* Device side: takes the next published head, or -1. */
static int dev_pop(struct ring *r)
{
	struct virtq *vq = &r->vq;

	if (le16toh(vq->avail->idx) == r->dev_avail)
		return -1;
	return le16toh(vq->avail->ring[r->dev_avail++ & (vq->num - 1)]);
}

/* Device side: returns head with len bytes written. */
static void dev_push(struct ring *r, uint32_t head, uint32_t len)
{
	struct virtq *vq = &r->vq;
	uint16_t idx = le16toh(vq->used->idx);

	vq->used->ring[idx & (vq->num - 1)].id = htole32(head);
	vq->used->ring[idx & (vq->num - 1)].len = htole32(len);
	vq->used->idx = htole16(idx + 1);
}

static void dev_set_avail_event(struct ring *r, uint16_t v)
{
	*r->vq.avail_event = htole16(v);
}

static uint16_t used_event(struct ring *r)
{
	return le16toh(r->vq.avail->ring[r->vq.num]);
}

static void test_layout(void)
{
	struct virtq_layout l;
	struct virtq vq;
	char buf[64] __attribute__((aligned(16)));

	virtq_layout(256, 0, &l);
	CHECK_EQ(l.avail_off, 256 * 16);
	CHECK(l.used_off >= l.avail_off + 4 + 2 * 256 + 2);
	CHECK_EQ(l.used_off % 64, 0);
	CHECK(l.size >= l.used_off + 4 + 8 * 256 + 2);
	CHECK_EQ(virtq_init(&vq, 3, buf, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, 0, buf, false), -EINVAL);
	CHECK_EQ(virtq_init(&vq, 2, buf + 8, false), -EINVAL);
}

static void test_chain(void)
{
	struct virtq_seg segs[3] = {
		{ .addr = 0x1000, .len = 16, .device_writes = false },
		{ .addr = 0x2000, .len = 4096, .device_writes = true },
		{ .addr = 0x3000, .len = 1, .device_writes = true },
	};
	struct ring r;
	void *cookie = NULL;
	uint32_t len = 0;
	int head, d1, d2;

	ring_init(&r, 8, false);
	head = virtq_add_chain(&r.vq, segs, 3, &r);
	CHECK(head >= 0);
	CHECK_EQ(virtq_num_free(&r.vq), 5);
	CHECK_EQ(dev_pop(&r), -1);			/* not published yet */
	virtq_publish(&r.vq);
	CHECK_EQ(dev_pop(&r), head);

	CHECK_EQ(le64toh(r.vq.desc[head].addr), 0x1000);
	CHECK_EQ(le16toh(r.vq.desc[head].flags), VRING_DESC_F_NEXT);
	d1 = le16toh(r.vq.desc[head].next);
	CHECK_EQ(le64toh(r.vq.desc[d1].addr), 0x2000);
	CHECK_EQ(le32toh(r.vq.desc[d1].len), 4096);
	CHECK_EQ(le16toh(r.vq.desc[d1].flags), VRING_DESC_F_NEXT | VRING_DESC_F_WRITE);
	d2 = le16toh(r.vq.desc[d1].next);
	CHECK_EQ(le16toh(r.vq.desc[d2].flags), VRING_DESC_F_WRITE);

	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
	dev_push(&r, (uint32_t)head, 4097);
	CHECK(virtq_has_used(&r.vq));
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &r);
	CHECK_EQ(len, 4097);
	CHECK_EQ(virtq_num_free(&r.vq), 8);
	CHECK_EQ(virtq_add_chain(&r.vq, segs, 0, NULL), -EINVAL);
	ring_exit(&r);
}

/* Indirect: one ring entry per request, so a ring of N carries N requests. */
static void test_indirect_full_ring(void)
{
	struct virtq_seg segs[3] = {
		{ .addr = 0x1000, .len = 16 },
		{ .addr = 0x2000, .len = 512, .device_writes = true },
		{ .addr = 0x3000, .len = 1, .device_writes = true },
	};
	struct vring_desc tables[16][3];
	int heads[16], i, h;
	struct ring r;
	void *cookie;
	uint32_t len;

	ring_init(&r, 16, false);
	for (i = 0; i < 16; i++) {
		heads[i] = virtq_add_indirect(&r.vq, tables[i], 0x10000 + i * 48, segs, 3,
					      &heads[i]);
		CHECK(heads[i] >= 0);
	}
	CHECK_EQ(virtq_num_free(&r.vq), 0);
	CHECK_EQ(virtq_add_indirect(&r.vq, tables[0], 0, segs, 3, NULL), -ENOSPC);
	CHECK_EQ(virtq_add_chain(&r.vq, segs, 1, NULL), -ENOSPC);
	virtq_publish(&r.vq);

	h = dev_pop(&r);
	CHECK_EQ(le16toh(r.vq.desc[h].flags), VRING_DESC_F_INDIRECT);
	CHECK_EQ(le32toh(r.vq.desc[h].len), 3 * sizeof(struct vring_desc));
	CHECK_EQ(le64toh(r.vq.desc[h].addr), 0x10000 + h * 48);
	CHECK_EQ(le16toh(tables[h][0].flags), VRING_DESC_F_NEXT);
	CHECK_EQ(le16toh(tables[h][0].next), 1);
	CHECK_EQ(le16toh(tables[h][1].flags), VRING_DESC_F_NEXT | VRING_DESC_F_WRITE);
	CHECK_EQ(le16toh(tables[h][2].flags), VRING_DESC_F_WRITE);

	/* Completions out of order come back with the right cookies. */
	dev_push(&r, (uint32_t)heads[5], 1);
	dev_push(&r, (uint32_t)heads[2], 1);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &heads[5]);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &heads[2]);
	CHECK_EQ(virtq_num_free(&r.vq), 2);
	ring_exit(&r);
}

/* 70000 requests through 8 entries: 16-bit indexes wrap, the free list holds. */
static void test_wrap(void)
{
	struct virtq_seg segs[2] = { { .addr = 1, .len = 1 }, { .addr = 2, .len = 1, .device_writes = true } };
	unsigned int i, done = 0;
	struct ring r;
	void *cookie;
	uint32_t len;
	int h;

	ring_init(&r, 8, true);
	for (i = 0; i < 70000; i++) {
		uintptr_t tag = i + 1;

		while (virtq_add_chain(&r.vq, segs, (i % 2) + 1, (void *)tag) == -ENOSPC) {
			virtq_publish(&r.vq);
			while ((h = dev_pop(&r)) >= 0)
				dev_push(&r, (uint32_t)h, 0);
			while (virtq_get_used(&r.vq, &cookie, &len) == 1)
				done++;
		}
	}
	virtq_publish(&r.vq);
	while ((h = dev_pop(&r)) >= 0)
		dev_push(&r, (uint32_t)h, 0);
	while (virtq_get_used(&r.vq, &cookie, &len) == 1)
		done++;
	CHECK_EQ(done, 70000);
	CHECK_EQ(virtq_num_free(&r.vq), 8);
	CHECK(!r.vq.broken);
	ring_exit(&r);
}

static void test_kick_no_event_idx(void)
{
	struct virtq_seg seg = { .addr = 1, .len = 1 };
	struct ring r;

	ring_init(&r, 4, false);
	CHECK(!virtq_kick_needed(&r.vq));		/* nothing new */
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	r.vq.used->flags = htole16(VRING_USED_F_NO_NOTIFY);
	CHECK(!virtq_kick_needed(&r.vq));

	/* Completion side: arm clears NO_INTERRUPT, disarm sets it. */
	virtq_disarm(&r.vq);
	CHECK_EQ(le16toh(r.vq.avail->flags), VRING_AVAIL_F_NO_INTERRUPT);
	CHECK(!virtq_arm(&r.vq, 1));
	CHECK_EQ(le16toh(r.vq.avail->flags), 0);
	ring_exit(&r);
}

static void test_event_idx(void)
{
	struct virtq_seg seg = { .addr = 1, .len = 1 };
	struct ring r;
	void *cookie;
	uint32_t len;
	int h0, h1;

	ring_init(&r, 8, true);
	/* The device waits for entry 0: a batch that publishes 0..1 kicks once. */
	dev_set_avail_event(&r, 0);
	h0 = virtq_add_chain(&r.vq, &seg, 1, NULL);
	h1 = virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	CHECK(!virtq_kick_needed(&r.vq));		/* same batch, no second kick */

	/* The device has not caught up (still wants 0): no kick for entry 2. */
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));

	/* It processed 0..2 and asks for 3: publishing 3 kicks. */
	dev_set_avail_event(&r, 3);
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));

	/* Completion side: used_event tells the device when to signal. */
	CHECK(!virtq_arm(&r.vq, 2));
	CHECK_EQ(used_event(&r), 1);			/* after 2 more: idx 0 and 1 */
	dev_push(&r, (uint32_t)h0, 0);
	/* Arming after a completion slipped in reports it instead of sleeping. */
	CHECK(virtq_arm(&r.vq, 1));
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	virtq_disarm(&r.vq);
	CHECK_EQ(used_event(&r), 0);			/* behind last_used = 1 */
	CHECK(!vring_need_event(used_event(&r), 2, 1));	/* next completion: no signal */
	dev_push(&r, (uint32_t)h1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	ring_exit(&r);
}

static void test_bad_device(void)
{
	struct virtq_seg seg = { .addr = 1, .len = 1 };
	struct ring r;
	void *cookie;
	uint32_t len;
	int h;

	/* An index that was never handed out. */
	ring_init(&r, 4, false);
	h = virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	dev_push(&r, (uint32_t)h + 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);	/* stays broken */
	ring_exit(&r);

	/* An index out of range. */
	ring_init(&r, 4, false);
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	dev_push(&r, 1000, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* The same head returned twice. */
	ring_init(&r, 4, false);
	h = virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	dev_push(&r, (uint32_t)h, 0);
	dev_push(&r, (uint32_t)h, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* A head added but not yet published: the device cannot have it. */
	ring_init(&r, 4, false);
	h = virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK_EQ(virtq_add_chain(&r.vq, &seg, 1, NULL), h + 1);
	dev_push(&r, (uint32_t)h + 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* used->idx jumping further than the ring holds. */
	ring_init(&r, 4, false);
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	r.vq.used->idx = htole16(100);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);
}

int main(void)
{
	test_layout();
	test_chain();
	test_indirect_full_ring();
	test_wrap();
	test_kick_no_event_idx();
	test_event_idx();
	test_bad_device();
	return unit_end();
}
