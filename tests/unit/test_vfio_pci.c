// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pure parts of virtio-blk-vfio-pci: walking the virtio-pci
 * capabilities of a config space (with the values a broken device could
 * present), and choosing IOVAs inside the IOMMU's ranges under its mapping
 * limit.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <linux/virtio_pci.h>

#include "unit.h"
#include "vfio_pci_caps.h"
#include "vfio_pci_iova.h"

static uint8_t cfg[256 + 16];	/* room for a capability written past the end */
static uint64_t bars[VPCI_NR_BARS];
static char why[512];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A vendor capability at pos pointing to next. */
static void vcap(unsigned int pos, unsigned int next, uint8_t type, uint8_t bar, uint32_t off,
		 uint32_t len, uint8_t cap_len)
{
	cfg[pos] = 0x09;
	cfg[pos + 1] = (uint8_t)next;
	cfg[pos + 2] = cap_len;
	cfg[pos + 3] = type;
	cfg[pos + 4] = bar;
	put32(cfg + pos + 8, off);
	put32(cfg + pos + 12, len);
}

/* Like QEMU's virtio-blk-pci: MSI-X at 0x98, then the vendor caps in BAR 4. */
static void qemu_like(void)
{
	memset(cfg, 0, sizeof(cfg));
	memset(bars, 0, sizeof(bars));
	bars[1] = 0x1000;
	bars[4] = 0x4000;
	cfg[0x06] = 0x10;		/* capability list */
	cfg[0x34] = 0x98;
	cfg[0x98] = 0x11;		/* MSI-X, table size 3 */
	cfg[0x99] = 0x84;
	cfg[0x9a] = 0x02;
	vcap(0x84, 0x70, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0x0, 0x1000, 16);
	vcap(0x70, 0x60, VIRTIO_PCI_CAP_ISR_CFG, 4, 0x1000, 0x1000, 16);
	vcap(0x60, 0x48, VIRTIO_PCI_CAP_DEVICE_CFG, 4, 0x2000, 0x1000, 16);
	vcap(0x48, 0xa4, VIRTIO_PCI_CAP_NOTIFY_CFG, 4, 0x3000, 0x1000, 20);
	put32(cfg + 0x48 + 16, 4);
	vcap(0xa4, 0x00, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0, 20);
}

static int parse(struct vpci_caps *c)
{
	return vpci_parse_caps(cfg, 256, bars, c, why, sizeof(why));
}

static void test_caps(void)
{
	struct vpci_caps c;
	uint32_t off;

	qemu_like();
	CHECK_EQ(parse(&c), 0);
	CHECK(c.common.present && c.common.bar == 4 && c.common.off == 0 && c.common.len == 0x1000);
	CHECK(c.notify.present && c.notify.off == 0x3000 && c.notify_mult == 4);
	CHECK(c.device.present && c.device.off == 0x2000);
	CHECK(c.isr.present && c.isr.off == 0x1000);
	CHECK_EQ(c.msix_vectors, 3);
	CHECK_EQ(vpci_notify_offset(&c, 2, &off), 0);
	CHECK_EQ(off, 8);
	/* The last 2-byte register fits, the next one does not. */
	CHECK_EQ(vpci_notify_offset(&c, 1023, &off), 0);
	CHECK_EQ(vpci_notify_offset(&c, 1024, &off), -EPROTO);

	/* A second common config later in the list is ignored: the first counts. */
	qemu_like();
	cfg[0xa4 + 1] = 0xc0;
	vcap(0xc0, 0, VIRTIO_PCI_CAP_COMMON_CFG, 1, 0, 0x800, 16);
	CHECK_EQ(parse(&c), 0);
	CHECK_EQ(c.common.bar, 4);

	/* A capability list that loops. */
	qemu_like();
	cfg[0xa4 + 1] = 0x84;
	CHECK_EQ(parse(&c), -EPROTO);
	CHECK(strstr(why, "loops") != NULL);

	/* A pointer into the standard header. */
	qemu_like();
	cfg[0xa4 + 1] = 0x20;
	CHECK_EQ(parse(&c), -EPROTO);
	CHECK(strstr(why, "0x20") != NULL);

	/* A window past the end of its BAR. */
	qemu_like();
	put32(cfg + 0x60 + 12, 0x2001);	/* 0x2000 + 0x2001 > 0x4000 */
	CHECK_EQ(parse(&c), -EPROTO);
	CHECK(strstr(why, "device config") != NULL);

	/* An offset that wraps 32 bits with the length. */
	qemu_like();
	put32(cfg + 0x60 + 8, 0xfffff000);
	put32(cfg + 0x60 + 12, 0x2000);
	CHECK_EQ(parse(&c), -EPROTO);

	/* A BAR the function does not have. */
	qemu_like();
	cfg[0x84 + 4] = 2;
	CHECK_EQ(parse(&c), -EPROTO);
	CHECK(strstr(why, "BAR 2") != NULL);

	/* A reserved BAR index is skipped: then there is no common config. */
	qemu_like();
	cfg[0x84 + 4] = 7;
	CHECK_EQ(parse(&c), -ENODEV);

	/* An odd notify multiplier, and one that is not a power of two. */
	qemu_like();
	put32(cfg + 0x48 + 16, 3);
	CHECK_EQ(parse(&c), -EPROTO);
	put32(cfg + 0x48 + 16, 12);
	CHECK_EQ(parse(&c), -EPROTO);
	put32(cfg + 0x48 + 16, 0);
	CHECK_EQ(parse(&c), 0);
	CHECK_EQ(vpci_notify_offset(&c, 500, &off), 0);
	CHECK_EQ(off, 0);

	/* A notify capability too short to hold its multiplier. */
	qemu_like();
	cfg[0x48 + 2] = 16;
	CHECK_EQ(parse(&c), -EPROTO);

	/* A common config shorter than virtio 1.0's. */
	qemu_like();
	put32(cfg + 0x84 + 12, 0x20);
	CHECK_EQ(parse(&c), -EPROTO);

	/* A vendor capability running past config space. */
	qemu_like();
	cfg[0x34] = 0xf8;
	vcap(0xf8, 0, VIRTIO_PCI_CAP_COMMON_CFG, 4, 0, 0x1000, 16);
	CHECK_EQ(parse(&c), -EPROTO);

	/* No capability list: a legacy device. */
	qemu_like();
	cfg[0x06] = 0;
	CHECK_EQ(parse(&c), -ENODEV);

	/* No device config. */
	qemu_like();
	cfg[0x60 + 3] = VIRTIO_PCI_CAP_SHARED_MEMORY_CFG;
	CHECK_EQ(parse(&c), -EPROTO);
}

static void test_iova(void)
{
	/* As x86 reports them: everything but the MSI window. */
	struct vpci_iova_range r[] = {
		{ .start = 0xfef00000, .last = 0xffffffffffffull },
		{ .start = 0, .last = 0xfedfffff },
	};
	struct vpci_iova s;
	uint64_t a, b, c, d;
	unsigned int i;
	int ok = 1;

	CHECK_EQ(vpci_iova_init(&s, r, 2, 4096, 0), 0);
	CHECK_EQ(s.ranges[0].start, 0);	/* sorted */
	CHECK_EQ(vpci_iova_alloc(&s, 100, &a), 0);
	CHECK_EQ(a, 4096);		/* never page 0 */
	CHECK_EQ(vpci_iova_alloc(&s, 8192, &b), 0);
	CHECK_EQ(b, 8192);
	CHECK_EQ(vpci_iova_free(&s, a), 0);
	CHECK_EQ(vpci_iova_free(&s, a), -ENOENT);
	/* The hole left by a fits a page again, not two. */
	CHECK_EQ(vpci_iova_alloc(&s, 4096, &c), 0);
	CHECK_EQ(c, 4096);
	CHECK_EQ(vpci_iova_alloc(&s, 8192, &d), 0);
	CHECK_EQ(d, 16384);
	vpci_iova_exit(&s);

	/* A region that does not fit below the MSI window goes above it. */
	CHECK_EQ(vpci_iova_init(&s, r, 2, 4096, 0), 0);
	CHECK_EQ(vpci_iova_alloc(&s, 0xfed00000, &a), 0);
	CHECK_EQ(a, 4096);
	CHECK_EQ(vpci_iova_alloc(&s, 0x200000, &b), 0);
	CHECK_EQ(b, 0xfef00000);
	/* Nothing straddles the window. */
	CHECK(!(b <= 0xfee00000 && b + 0x200000 > 0xfee00000));
	vpci_iova_exit(&s);

	/* No room at all. */
	{
		struct vpci_iova_range small = { .start = 0x10000, .last = 0x1ffff };

		CHECK_EQ(vpci_iova_init(&s, &small, 1, 4096, 0), 0);
		CHECK_EQ(vpci_iova_alloc(&s, 0x10000, &a), 0);
		CHECK_EQ(a, 0x10000);
		CHECK_EQ(vpci_iova_alloc(&s, 1, &b), -ENOSPC);
		CHECK_EQ(vpci_iova_free(&s, a), 0);
		CHECK_EQ(vpci_iova_alloc(&s, 0x11000, &b), -ENOSPC);
		vpci_iova_exit(&s);
	}

	/* An unaligned range start is rounded up into the range. */
	{
		struct vpci_iova_range odd = { .start = 0x10001, .last = 0x30000 };

		CHECK_EQ(vpci_iova_init(&s, &odd, 1, 4096, 0), 0);
		CHECK_EQ(vpci_iova_alloc(&s, 4096, &a), 0);
		CHECK_EQ(a, 0x11000);
		vpci_iova_exit(&s);
	}

	/* A range ending at the top of the space: no wrap. */
	{
		struct vpci_iova_range top = { .start = UINT64_MAX - 0x2fff, .last = UINT64_MAX };

		CHECK_EQ(vpci_iova_init(&s, &top, 1, 4096, 0), 0);
		CHECK_EQ(vpci_iova_alloc(&s, 0x3000, &a), 0);
		CHECK_EQ(a, UINT64_MAX - 0x2fff);
		CHECK_EQ(vpci_iova_alloc(&s, 4096, &b), -ENOSPC);
		vpci_iova_exit(&s);
	}

	/* The mapping limit (dma_entry_limit's available count). */
	CHECK_EQ(vpci_iova_init(&s, NULL, 0, 4096, 3), 0);
	CHECK_EQ(vpci_iova_alloc(&s, 1, &a), 0);
	CHECK_EQ(vpci_iova_alloc(&s, 1, &b), 0);
	CHECK_EQ(vpci_iova_alloc(&s, 1, &c), 0);
	CHECK_EQ(vpci_iova_alloc(&s, 1, &d), -EDQUOT);
	CHECK_EQ(vpci_iova_free(&s, b), 0);
	CHECK_EQ(vpci_iova_alloc(&s, 1, &d), 0);
	CHECK_EQ(d, b);
	vpci_iova_exit(&s);

	/* Many allocations and frees: never overlapping, all inside the ranges. */
	CHECK_EQ(vpci_iova_init(&s, r, 2, 4096, 0), 0);
	unit_quiet = 1;
	for (i = 0; i < 200; i++) {
		uint64_t len = (uint64_t)((i * 7919) % 64 + 1) * 4096;

		ok &= CHECK_EQ(vpci_iova_alloc(&s, len, &a), 0);
		if (i % 3 == 0)
			ok &= CHECK_EQ(vpci_iova_free(&s, s.maps[(i * 31) % s.nmaps].iova), 0);
	}
	for (i = 0; i < s.nmaps; i++) {
		const struct vpci_iova_map *m = &s.maps[i];

		ok &= CHECK(m->iova >= 4096 && !(m->iova & 4095));
		ok &= CHECK(m->iova + m->len - 1 <= 0xfedfffff || m->iova >= 0xfef00000);
		if (i)
			ok &= CHECK(s.maps[i - 1].iova + s.maps[i - 1].len <= m->iova);
	}
	unit_quiet = 0;
	CHECK(ok);
	vpci_iova_exit(&s);

	/* A range that ends before it starts. */
	{
		struct vpci_iova_range bad = { .start = 2, .last = 1 };

		CHECK_EQ(vpci_iova_init(&s, &bad, 1, 4096, 0), -EINVAL);
	}
}

int main(void)
{
	test_caps();
	test_iova();
	return unit_end();
}
