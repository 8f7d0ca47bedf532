// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packed virtqueue against a device simulated in-process, written from
 * the virtio 1.1 text (section 2.8), not from the driver: descriptor flags
 * and wrap counters over many laps, chains across the ring end, indirect
 * tables, event suppression both ways, in-order batches, and refusal of
 * every kind of bad device write.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>

#include "unit.h"
#include "virtqueue.h"

#define F_AVAIL	(1u << VRING_PACKED_DESC_F_AVAIL)
#define F_USED	(1u << VRING_PACKED_DESC_F_USED)

struct ring {
	struct virtq vq;
	struct vring_packed_desc *d;
	struct vring_packed_desc_event *drv, *dev;
	void *mem;
	uint16_t num;
	uint16_t avail_pos, used_pos;	/* the device's positions */
	bool avail_wrap, used_wrap;	/* and wrap counters */
};

static void ring_init(struct ring *r, uint16_t num, unsigned int flags)
{
	struct virtq_layout l;

	virtq_layout(num, VIRTQ_F_PACKED, &l);
	r->mem = aligned_alloc(4096, (l.size + 4095) & ~(size_t)4095);
	memset(r->mem, 0, l.size);
	if (virtq_init(&r->vq, num, r->mem, flags | VIRTQ_F_PACKED))
		abort();
	r->d = r->mem;
	r->drv = (void *)((char *)r->mem + l.avail_off);
	r->dev = (void *)((char *)r->mem + l.used_off);
	r->num = num;
	r->avail_pos = r->used_pos = 0;
	r->avail_wrap = r->used_wrap = !(flags & VIRTQ_F_PACKED_LAP0);
}

static void ring_exit(struct ring *r)
{
	virtq_exit(&r->vq);
	free(r->mem);
}

static void step(struct ring *r, uint16_t *pos, bool *wrap)
{
	if (++*pos == r->num) {
		*pos = 0;
		*wrap = !*wrap;
	}
}

static bool dev_can_pop(struct ring *r)
{
	uint16_t f = le16toh(r->d[r->avail_pos].flags);

	return !!(f & F_AVAIL) == r->avail_wrap && !!(f & F_USED) != r->avail_wrap;
}

/* Device side: takes the next available buffer; its id, or -1. *n: descriptors. */
static int dev_pop(struct ring *r, unsigned int *n)
{
	uint16_t f, id;

	if (!dev_can_pop(r))
		return -1;
	*n = 0;
	do {
		f = le16toh(r->d[r->avail_pos].flags);
		id = le16toh(r->d[r->avail_pos].id);	/* the last one's counts */
		step(r, &r->avail_pos, &r->avail_wrap);
		++*n;
	} while (f & VRING_DESC_F_NEXT);
	return id;
}

/* Device side: writes a used descriptor for id and skips n descriptors. */
static void dev_push(struct ring *r, uint16_t id, unsigned int n, uint32_t len)
{
	struct vring_packed_desc *d = &r->d[r->used_pos];

	d->id = htole16(id);
	d->len = htole32(len);
	d->flags = htole16(r->used_wrap ? F_AVAIL | F_USED : 0);
	while (n--)
		step(r, &r->used_pos, &r->used_wrap);
}

static const struct virtq_seg segs3[3] = {
	{ .addr = 0x1000, .len = 16, .device_writes = false },
	{ .addr = 0x2000, .len = 4096, .device_writes = true },
	{ .addr = 0x3000, .len = 1, .device_writes = true },
};

static void test_layout(void)
{
	struct virtq_layout l;

	virtq_layout(256, VIRTQ_F_PACKED, &l);
	CHECK_EQ(l.avail_off, 256 * 16);
	CHECK(l.used_off >= l.avail_off + 4);
	CHECK_EQ(l.used_off % 64, 0);
	CHECK(l.size >= l.used_off + 4);
	/* Smaller than the split ring of the same size. */
	{
		struct virtq_layout s;

		virtq_layout(256, 0, &s);
		CHECK(l.size < s.size);
	}
}

static void test_chain(void)
{
	struct ring r;
	void *cookie = NULL;
	uint32_t len = 0;
	unsigned int n;
	int id;

	ring_init(&r, 8, 0);
	id = virtq_add_chain(&r.vq, segs3, 3, &r);
	CHECK(id >= 0 && id < 8);
	CHECK_EQ(virtq_num_free(&r.vq), 5);
	CHECK(!dev_can_pop(&r));			/* not published yet */
	virtq_publish(&r.vq);
	/* First lap: AVAIL set, USED clear, in every descriptor of the chain. */
	CHECK_EQ(le16toh(r.d[0].flags), F_AVAIL | VRING_DESC_F_NEXT);
	CHECK_EQ(le16toh(r.d[1].flags), F_AVAIL | VRING_DESC_F_NEXT | VRING_DESC_F_WRITE);
	CHECK_EQ(le16toh(r.d[2].flags), F_AVAIL | VRING_DESC_F_WRITE);
	CHECK_EQ(le64toh(r.d[1].addr), 0x2000);
	CHECK_EQ(le32toh(r.d[1].len), 4096);
	CHECK_EQ(dev_pop(&r, &n), id);
	CHECK_EQ(n, 3);

	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
	CHECK(!virtq_has_used(&r.vq));
	dev_push(&r, (uint16_t)id, 3, 4097);
	CHECK(virtq_has_used(&r.vq));
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &r);
	CHECK_EQ(len, 4097);
	CHECK_EQ(virtq_num_free(&r.vq), 8);
	CHECK_EQ(virtq_add_chain(&r.vq, segs3, 0, NULL), -EINVAL);
	CHECK_EQ(virtq_add_chain(&r.vq, segs3, 9, NULL), -ENOSPC);
	ring_exit(&r);
}

/* Several adds, one publish: nothing is visible before it, all after it. */
static void test_batch_publish(void)
{
	struct ring r;
	unsigned int n;
	int a, b;

	ring_init(&r, 8, 0);
	a = virtq_add_chain(&r.vq, segs3, 2, NULL);
	b = virtq_add_chain(&r.vq, segs3, 2, NULL);
	CHECK(!dev_can_pop(&r));
	virtq_publish(&r.vq);
	CHECK_EQ(dev_pop(&r, &n), a);
	CHECK_EQ(dev_pop(&r, &n), b);
	CHECK_EQ(dev_pop(&r, &n), -1);
	ring_exit(&r);
}

/* A chain that starts at the ring's end continues at 0 in the next lap. */
static void test_chain_across_end(void)
{
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n;
	int a, b, c;

	ring_init(&r, 8, 0);
	a = virtq_add_chain(&r.vq, segs3, 3, NULL);
	b = virtq_add_chain(&r.vq, segs3, 3, NULL);
	virtq_publish(&r.vq);
	CHECK_EQ(dev_pop(&r, &n), a);
	CHECK_EQ(dev_pop(&r, &n), b);
	dev_push(&r, (uint16_t)a, 3, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);

	c = virtq_add_chain(&r.vq, segs3, 3, &r);	/* positions 6, 7, 0 */
	CHECK(c >= 0);
	virtq_publish(&r.vq);
	CHECK_EQ(le16toh(r.d[6].flags) & (F_AVAIL | F_USED), F_AVAIL);
	CHECK_EQ(le16toh(r.d[7].flags) & (F_AVAIL | F_USED), F_AVAIL);
	/* Second lap: the driver's wrap counter is 0, so AVAIL clear, USED set. */
	CHECK_EQ(le16toh(r.d[0].flags) & (F_AVAIL | F_USED), F_USED);
	CHECK_EQ(dev_pop(&r, &n), c);
	CHECK_EQ(n, 3);
	CHECK(!r.avail_wrap);

	/* Completed out of order: c first, its used descriptor at 3. */
	dev_push(&r, (uint16_t)c, 3, 7);
	dev_push(&r, (uint16_t)b, 3, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &r);
	CHECK_EQ(len, 7);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK_EQ(virtq_num_free(&r.vq), 8);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
	CHECK(!r.vq.broken);
	ring_exit(&r);
}

/*
 * Many laps of chains of 1 to 3 descriptors through 8 entries, completed
 * in reverse order of each batch (in order: the batch as one used
 * descriptor): positions and wrap counters stay in step with the
 * device's, every cookie comes back once.
 */
static void test_laps(unsigned int flags)
{
	struct ring r;
	unsigned int i, done = 0, bad = 0, npend = 0, n;
	uint16_t pend_id[8];
	unsigned int pend_n[8];
	uintptr_t expect_sum = 0, got_sum = 0;
	void *cookie;
	uint32_t len;
	int id;

	ring_init(&r, 8, flags);
	unit_quiet = 1;
	for (i = 0; i < 30000; i++) {
		uintptr_t tag = i + 1;

		while (virtq_add_chain(&r.vq, segs3, (i % 3) + 1, (void *)tag) == -ENOSPC) {
			virtq_publish(&r.vq);
			while ((id = dev_pop(&r, &n)) >= 0) {
				pend_id[npend] = (uint16_t)id;
				pend_n[npend++] = n;
			}
			if (flags & VIRTQ_F_IN_ORDER && npend) {
				/* The whole batch as one used descriptor: the last id. */
				unsigned int total = 0, k;

				for (k = 0; k < npend; k++)
					total += pend_n[k];
				dev_push(&r, pend_id[npend - 1], total, 0);
				npend = 0;
			}
			while (npend) {
				npend--;
				dev_push(&r, pend_id[npend], pend_n[npend], 0);
			}
			while (virtq_get_used(&r.vq, &cookie, &len) == 1) {
				got_sum += (uintptr_t)cookie;
				done++;
			}
			if (r.vq.broken)
				bad++;
		}
		expect_sum += tag;
	}
	virtq_publish(&r.vq);
	while ((id = dev_pop(&r, &n)) >= 0)
		dev_push(&r, (uint16_t)id, n, 0);
	while (virtq_get_used(&r.vq, &cookie, &len) == 1) {
		got_sum += (uintptr_t)cookie;
		done++;
	}
	unit_quiet = 0;
	CHECK_EQ(bad, 0);
	CHECK_EQ(done, 30000);
	CHECK_EQ(got_sum, expect_sum);
	CHECK_EQ(virtq_num_free(&r.vq), 8);
	CHECK(!r.vq.broken);
	ring_exit(&r);
}

static void test_laps_out_of_order(void)
{
	test_laps(0);
}

/*
 * A ring started in lap 0 (the ring base says so): the zeroed descriptors
 * must not read as used to us nor as available to the device, and the
 * first lap's flags are those of wrap counter 0.
 */
static void test_lap0(void)
{
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n;
	int id;

	ring_init(&r, 8, VIRTQ_F_PACKED_LAP0);
	CHECK(!virtq_has_used(&r.vq));
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
	CHECK(!dev_can_pop(&r));
	id = virtq_add_chain(&r.vq, segs3, 2, &r);
	CHECK(!dev_can_pop(&r));
	virtq_publish(&r.vq);
	CHECK_EQ(le16toh(r.d[0].flags), F_USED | VRING_DESC_F_NEXT);
	CHECK_EQ(le16toh(r.d[1].flags), F_USED | VRING_DESC_F_WRITE);
	CHECK_EQ(dev_pop(&r, &n), id);
	dev_push(&r, (uint16_t)id, n, 3);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &r);
	ring_exit(&r);

	test_laps(VIRTQ_F_PACKED_LAP0);
	test_laps(VIRTQ_F_PACKED_LAP0 | VIRTQ_F_IN_ORDER);
}

static void test_indirect(void)
{
	struct vring_desc tables[8][3];
	struct vring_packed_desc *t;
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n, i;
	int ids[8], id;

	ring_init(&r, 8, 0);
	for (i = 0; i < 8; i++) {
		ids[i] = virtq_add_indirect(&r.vq, tables[i], 0x10000 + i * 48, segs3, 3, &ids[i]);
		CHECK(ids[i] >= 0);
	}
	CHECK_EQ(virtq_num_free(&r.vq), 0);
	CHECK_EQ(virtq_add_indirect(&r.vq, tables[0], 0, segs3, 3, NULL), -ENOSPC);
	CHECK_EQ(virtq_add_table(&r.vq, 0, 3, NULL), -ENOSPC);
	virtq_publish(&r.vq);

	id = dev_pop(&r, &n);
	CHECK_EQ(id, ids[0]);
	CHECK_EQ(n, 1);
	CHECK_EQ(le16toh(r.d[0].flags), F_AVAIL | VRING_DESC_F_INDIRECT);
	CHECK_EQ(le32toh(r.d[0].len), 3 * sizeof(struct vring_packed_desc));
	CHECK_EQ(le64toh(r.d[0].addr), 0x10000);
	/* Table entries in the packed layout: only WRITE, no chaining flags. */
	t = (struct vring_packed_desc *)tables[0];
	CHECK_EQ(le16toh(t[0].flags), 0);
	CHECK_EQ(le16toh(t[1].flags), VRING_DESC_F_WRITE);
	CHECK_EQ(le16toh(t[2].flags), VRING_DESC_F_WRITE);
	CHECK_EQ(le32toh(t[1].len), 4096);
	CHECK_EQ(le64toh(t[2].addr), 0x3000);

	/* The table helper writes the same layout. */
	virtq_table_set(&r.vq, tables[1], 1, 3, 0x42, 512, true);
	t = (struct vring_packed_desc *)tables[1];
	CHECK_EQ(le16toh(t[1].flags), VRING_DESC_F_WRITE);
	CHECK_EQ(le64toh(t[1].addr), 0x42);

	for (i = 1; i < 8; i++)
		dev_pop(&r, &n);
	dev_push(&r, (uint16_t)ids[5], 1, 1);
	dev_push(&r, (uint16_t)ids[0], 1, 1);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &ids[5]);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK(cookie == &ids[0]);
	CHECK_EQ(virtq_num_free(&r.vq), 2);
	ring_exit(&r);
}

/* Driver -> device: the device's event suppression area decides kicks. */
static void test_kick(void)
{
	struct virtq_seg seg = { .addr = 1, .len = 1 };
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n, i;

	/* Without EVENT_IDX: ENABLE kicks, DISABLE does not, DESC is ENABLE. */
	ring_init(&r, 8, 0);
	CHECK(!virtq_kick_needed(&r.vq));			/* nothing new */
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	CHECK(!virtq_kick_needed(&r.vq));			/* same batch */
	r.dev->flags = htole16(VRING_PACKED_EVENT_FLAG_DISABLE);
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));
	r.dev->flags = htole16(VRING_PACKED_EVENT_FLAG_DESC);
	virtq_add_chain(&r.vq, &seg, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	ring_exit(&r);

	/* With EVENT_IDX: a kick when the descriptor the device waits for is published. */
	ring_init(&r, 8, VIRTQ_F_EVENT_IDX);
	r.dev->flags = htole16(VRING_PACKED_EVENT_FLAG_DESC);
	r.dev->off_wrap = htole16(2 | 1u << 15);		/* position 2, lap 1 */
	virtq_add_chain(&r.vq, segs3, 2, NULL);			/* 0..1 */
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));
	virtq_add_chain(&r.vq, segs3, 2, NULL);			/* 2..3 */
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	virtq_add_chain(&r.vq, segs3, 1, NULL);			/* 4 */
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));			/* device still behind */

	/* Across the ring end: it waits for position 1 of lap 2 (wrap 0). */
	for (i = 0; i < 3; i++) {
		int id = dev_pop(&r, &n);

		dev_push(&r, (uint16_t)id, n, 0);
	}
	while (virtq_get_used(&r.vq, &cookie, &len) == 1)
		;
	r.dev->off_wrap = htole16(1);
	virtq_add_chain(&r.vq, segs3, 3, NULL);			/* 5, 6, 7 */
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));
	virtq_add_chain(&r.vq, segs3, 1, NULL);			/* 0 of lap 2 */
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));
	virtq_add_chain(&r.vq, segs3, 2, NULL);			/* 1..2 of lap 2 */
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	/* An event of the previous lap is long passed: no kick for it. */
	r.dev->off_wrap = htole16(6 | 1u << 15);
	virtq_add_chain(&r.vq, segs3, 1, NULL);			/* 3 of lap 2 */
	virtq_publish(&r.vq);
	CHECK(!virtq_kick_needed(&r.vq));
	ring_exit(&r);
}

/* Device -> driver: our event suppression area tells the device when to signal. */
static void test_arm(void)
{
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n, i;
	int ids[8];

	ring_init(&r, 8, 0);
	virtq_disarm(&r.vq);
	CHECK_EQ(le16toh(r.drv->flags), VRING_PACKED_EVENT_FLAG_DISABLE);
	CHECK(!virtq_arm(&r.vq, 1));
	CHECK_EQ(le16toh(r.drv->flags), VRING_PACKED_EVENT_FLAG_ENABLE);
	ring_exit(&r);

	ring_init(&r, 8, VIRTQ_F_EVENT_IDX);
	for (i = 0; i < 6; i++)
		ids[i] = virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(!virtq_arm(&r.vq, 2));
	CHECK_EQ(le16toh(r.drv->flags), VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(le16toh(r.drv->off_wrap), 1 | 1u << 15);	/* after 2: position 1 */
	for (i = 0; i < 6; i++) {
		dev_pop(&r, &n);
		dev_push(&r, (uint16_t)ids[i], n, 0);
	}
	/* Arming after completions slipped in reports them instead of sleeping. */
	CHECK(virtq_arm(&r.vq, 1));
	for (i = 0; i < 6; i++)
		CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	/* At position 6 of lap 1, 4 more end at position 1 of lap 2 (wrap 0). */
	CHECK(!virtq_arm(&r.vq, 4));
	CHECK_EQ(le16toh(r.drv->off_wrap), 1);
	virtq_disarm(&r.vq);
	CHECK_EQ(le16toh(r.drv->flags), VRING_PACKED_EVENT_FLAG_DISABLE);
	ring_exit(&r);
}

/*
 * In order: the device may return a batch as one used descriptor carrying
 * the last buffer's id, then skip the whole batch's descriptors.
 */
static void test_in_order(void)
{
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n, n0, n1, n2, lap;
	int a, b, c, d;

	ring_init(&r, 8, VIRTQ_F_IN_ORDER);
	for (lap = 0; lap < 5; lap++) {
		a = virtq_add_chain(&r.vq, segs3, 2, &r);
		b = virtq_add_chain(&r.vq, segs3, 3, &r.vq);
		c = virtq_add_chain(&r.vq, segs3, 1, &r.d);
		virtq_publish(&r.vq);
		CHECK_EQ(dev_pop(&r, &n0), a);
		CHECK_EQ(dev_pop(&r, &n1), b);
		CHECK_EQ(dev_pop(&r, &n2), c);
		dev_push(&r, (uint16_t)c, n0 + n1 + n2, 99);
		CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
		CHECK(cookie == &r);
		CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
		CHECK(cookie == &r.vq);
		CHECK(virtq_has_used(&r.vq));			/* mid-batch */
		CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
		CHECK(cookie == &r.d);
		CHECK_EQ(len, 99);
		CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
		CHECK_EQ(virtq_num_free(&r.vq), 8);
	}
	/* Single completions go on at the position after the batch. */
	d = virtq_add_chain(&r.vq, segs3, 1, &r);
	virtq_publish(&r.vq);
	CHECK_EQ(dev_pop(&r, &n), d);
	dev_push(&r, (uint16_t)d, n, 5);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK_EQ(len, 5);
	CHECK(!r.vq.broken);
	ring_exit(&r);

	test_laps(VIRTQ_F_IN_ORDER);

	/* In order is refused on a split ring, which does not batch. */
	{
		struct virtq vq;
		char buf[4096] __attribute__((aligned(16)));

		CHECK_EQ(virtq_init(&vq, 8, buf, VIRTQ_F_IN_ORDER), -EINVAL);
	}
}

/* Each device write below breaks the ring: -EIO, and it stays broken. */
static void test_bad_device(void)
{
	struct ring r;
	void *cookie;
	uint32_t len;
	unsigned int n;
	int id;

	/* A buffer id out of range. */
	ring_init(&r, 4, 0);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	dev_pop(&r, &n);
	dev_push(&r, 1000, 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);	/* stays broken */
	CHECK_EQ(virtq_num_free(&r.vq), 3);			/* nothing freed */
	ring_exit(&r);

	/* An id in range that is not in flight. */
	ring_init(&r, 4, 0);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	dev_pop(&r, &n);
	dev_push(&r, (uint16_t)(id + 1), 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* The same id returned twice. */
	ring_init(&r, 4, 0);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	dev_pop(&r, &n);
	dev_push(&r, (uint16_t)id, 1, 0);
	dev_push(&r, (uint16_t)id, 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 1);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* An id added but not published: the device cannot have it. */
	ring_init(&r, 4, 0);
	virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	dev_push(&r, (uint16_t)id, 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* A used descriptor with nothing in flight. */
	ring_init(&r, 4, 0);
	dev_push(&r, 0, 1, 0);
	CHECK(virtq_has_used(&r.vq));
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* Flags of the wrong lap, or half used: not used, nothing consumed. */
	ring_init(&r, 4, 0);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	r.d[0].flags = htole16(F_USED);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
	r.d[0].flags = 0;
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), 0);
	CHECK(!r.vq.broken);
	ring_exit(&r);

	/* In order: a batch that ends at an id not in flight. */
	ring_init(&r, 4, VIRTQ_F_IN_ORDER);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	dev_pop(&r, &n);
	dev_push(&r, (uint16_t)(id + 2), 1, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* In order: a batch that ends at an unpublished id. */
	ring_init(&r, 4, VIRTQ_F_IN_ORDER);
	virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	id = virtq_add_chain(&r.vq, segs3, 1, NULL);
	dev_push(&r, (uint16_t)id, 2, 0);
	CHECK_EQ(virtq_get_used(&r.vq, &cookie, &len), -EIO);
	ring_exit(&r);

	/* Garbage in the device's event area only changes kick decisions. */
	ring_init(&r, 4, VIRTQ_F_EVENT_IDX);
	r.dev->flags = htole16(0xffff);
	r.dev->off_wrap = htole16(0xffff);
	virtq_add_chain(&r.vq, segs3, 1, NULL);
	virtq_publish(&r.vq);
	CHECK(virtq_kick_needed(&r.vq));
	ring_exit(&r);
}

int main(void)
{
	test_layout();
	test_chain();
	test_batch_publish();
	test_chain_across_end();
	test_laps_out_of_order();
	test_lap0();
	test_indirect();
	test_kick();
	test_arm();
	test_in_order();
	test_bad_device();
	return unit_end();
}
