/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-pci modern transport's capabilities, read from a copy of a
 * function's PCI config space: where in which BAR the common config, the
 * notify area, the ISR and the device config live, and the MSI-X table
 * size. Pure logic: every value comes from the device and is checked here
 * before the transport touches a BAR with it.
 */
#ifndef BLK_VFIO_PCI_CAPS_H
#define BLK_VFIO_PCI_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VPCI_NR_BARS		6
#define VPCI_CFG_SPACE		256	/* the capability list lives in the first 256 bytes */

/* One structure of the transport: len bytes at off in BAR bar. */
struct vpci_area {
	bool present;
	uint8_t bar;
	uint32_t off;
	uint32_t len;
};

struct vpci_caps {
	struct vpci_area common, notify, isr, device;
	uint32_t notify_mult;		/* notify_off_multiplier */
	uint16_t msix_vectors;		/* MSI-X table size, 0: no MSI-X */
};

/*
 * Walks the capability list of cfg (len bytes of config space, at least
 * the first 64) and fills caps. bar_len[i] is the size of BAR i as the
 * platform reports it (0: absent). Returns 0, or -EPROTO with why[] saying
 * which value is wrong; a function with no common config or notify area
 * (a legacy-only device) is -ENODEV.
 */
int vpci_parse_caps(const uint8_t *cfg, size_t len, const uint64_t bar_len[VPCI_NR_BARS],
		    struct vpci_caps *caps, char *why, size_t why_len);

/*
 * The offset in the notify area of queue q's notify register, given the
 * queue_notify_off the device reports: -EPROTO when the 2-byte register
 * would lie outside the area.
 */
int vpci_notify_offset(const struct vpci_caps *caps, uint16_t queue_notify_off, uint32_t *off);

#endif
