// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing of the virtio-pci capabilities in a function's config space
 * (virtio 1.x, 4.1.4). A device under test, or a broken one, may present
 * a looping list, capabilities running off config space, BAR indexes past
 * the sixth, or windows past the end of their BAR: each is refused with the
 * value that is wrong, so that no later access lands outside a mapping.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_pci.h>

#include "vfio_pci_caps.h"

#define PCI_STATUS_OFF		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAP_PTR_OFF		0x34
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_MSIX		0x11
#define PCI_STD_HEADER_END	0x40

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *area_name(uint8_t type)
{
	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		return "common config";
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		return "notify";
	case VIRTIO_PCI_CAP_ISR_CFG:
		return "ISR";
	default:
		return "device config";
	}
}

/* Checks one vendor capability's window and records it when it is the first of its type. */
static int take_area(const uint8_t *c, uint8_t cap_len, const uint64_t bar_len[VPCI_NR_BARS],
		     struct vpci_caps *caps, unsigned int pos, char *why, size_t why_len)
{
	uint8_t type = c[VIRTIO_PCI_CAP_CFG_TYPE], bar = c[VIRTIO_PCI_CAP_BAR];
	struct vpci_area *a;
	uint32_t off, len;

	switch (type) {
	case VIRTIO_PCI_CAP_COMMON_CFG:
		a = &caps->common;
		break;
	case VIRTIO_PCI_CAP_NOTIFY_CFG:
		a = &caps->notify;
		break;
	case VIRTIO_PCI_CAP_ISR_CFG:
		a = &caps->isr;
		break;
	case VIRTIO_PCI_CAP_DEVICE_CFG:
		a = &caps->device;
		break;
	default:
		return 0;	/* PCI config access, shared memory: not used */
	}
	/* The spec: the driver uses the first of each type it can use. */
	if (a->present)
		return 0;
	if (cap_len < sizeof(struct virtio_pci_cap)) {
		snprintf(why, why_len, "the %s capability at 0x%x is %u bytes long, less than %zu",
			 area_name(type), pos, cap_len, sizeof(struct virtio_pci_cap));
		return -EPROTO;
	}
	/* BAR values past 5 are reserved: skip, as a driver that cannot use it must. */
	if (bar >= VPCI_NR_BARS)
		return 0;
	off = get32(c + VIRTIO_PCI_CAP_OFFSET);
	len = get32(c + VIRTIO_PCI_CAP_LENGTH);
	if (!bar_len[bar]) {
		snprintf(why, why_len, "the %s capability at 0x%x names BAR %u, which the function does not have",
			 area_name(type), pos, bar);
		return -EPROTO;
	}
	if (!len || (uint64_t)off + len > bar_len[bar]) {
		snprintf(why, why_len,
			 "the %s capability at 0x%x places %u bytes at offset 0x%x of BAR %u, which is 0x%llx bytes long",
			 area_name(type), pos, len, off, bar, (unsigned long long)bar_len[bar]);
		return -EPROTO;
	}
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		uint32_t mult;

		if (cap_len < sizeof(struct virtio_pci_notify_cap)) {
			snprintf(why, why_len, "the notify capability at 0x%x is %u bytes long, less than %zu",
				 pos, cap_len, sizeof(struct virtio_pci_notify_cap));
			return -EPROTO;
		}
		mult = get32(c + VIRTIO_PCI_NOTIFY_CAP_MULT);
		/* 0 (one register for all queues) or an even power of two. */
		if (mult && (mult & 1 || mult & (mult - 1))) {
			snprintf(why, why_len, "the notify_off_multiplier is %u, neither 0 nor an even power of two",
				 mult);
			return -EPROTO;
		}
		if (len < 2) {
			snprintf(why, why_len, "the notify area is %u byte long; a queue's register takes 2", len);
			return -EPROTO;
		}
		caps->notify_mult = mult;
	}
	if (type == VIRTIO_PCI_CAP_COMMON_CFG && len < sizeof(struct virtio_pci_common_cfg)) {
		snprintf(why, why_len, "the common config is %u bytes long, less than the %zu of virtio 1.0",
			 len, sizeof(struct virtio_pci_common_cfg));
		return -EPROTO;
	}
	a->present = true;
	a->bar = bar;
	a->off = off;
	a->len = len;
	return 0;
}

int vpci_parse_caps(const uint8_t *cfg, size_t len, const uint64_t bar_len[VPCI_NR_BARS],
		    struct vpci_caps *caps, char *why, size_t why_len)
{
	unsigned int pos, hops = 0;
	int ret;

	memset(caps, 0, sizeof(*caps));
	why[0] = '\0';
	if (len > VPCI_CFG_SPACE)
		len = VPCI_CFG_SPACE;
	if (len < PCI_STD_HEADER_END) {
		snprintf(why, why_len, "only %zu bytes of config space could be read", len);
		return -EPROTO;
	}
	if (!(get16(cfg + PCI_STATUS_OFF) & PCI_STATUS_CAP_LIST)) {
		snprintf(why, why_len, "the function has no capability list (a legacy-only virtio device)");
		return -ENODEV;
	}
	pos = cfg[PCI_CAP_PTR_OFF] & 0xfc;
	while (pos) {
		const uint8_t *c = cfg + pos;
		uint8_t cap_len;

		/* 48 capabilities of 4 bytes fill the 192 bytes: more is a loop. */
		if (++hops > (VPCI_CFG_SPACE - PCI_STD_HEADER_END) / 4) {
			snprintf(why, why_len, "the capability list loops (seen at 0x%x)", pos);
			return -EPROTO;
		}
		if (pos < PCI_STD_HEADER_END || pos + 4 > len) {
			snprintf(why, why_len, "a capability pointer points at 0x%x, outside 0x40..0x%zx",
				 pos, len - 4);
			return -EPROTO;
		}
		if (c[0] == PCI_CAP_ID_VNDR) {
			cap_len = c[VIRTIO_PCI_CAP_LEN];
			if (pos + cap_len > len) {
				snprintf(why, why_len, "the vendor capability at 0x%x (%u bytes) runs past config space",
					 pos, cap_len);
				return -EPROTO;
			}
			ret = take_area(c, cap_len, bar_len, caps, pos, why, why_len);
			if (ret)
				return ret;
		} else if (c[0] == PCI_CAP_ID_MSIX && !caps->msix_vectors) {
			caps->msix_vectors = (uint16_t)((get16(c + 2) & 0x7ff) + 1);
		}
		pos = c[1] & 0xfc;
	}
	if (!caps->common.present || !caps->notify.present) {
		snprintf(why, why_len,
			 "the function has no virtio 1.0 %s capability (a legacy-only device; QEMU: add disable-legacy=on or disable-modern=off)",
			 caps->common.present ? "notify" : "common config");
		return -ENODEV;
	}
	if (!caps->device.present) {
		snprintf(why, why_len, "the function has no device config capability; a block device needs one");
		return -EPROTO;
	}
	return 0;
}

int vpci_notify_offset(const struct vpci_caps *caps, uint16_t queue_notify_off, uint32_t *off)
{
	uint64_t o = (uint64_t)queue_notify_off * caps->notify_mult;

	if (o + 2 > caps->notify.len)
		return -EPROTO;
	*off = (uint32_t)o;
	return 0;
}
