/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk-vfio-pci: a virtio-blk PCI function bound to the kernel's
 * vfio-pci driver, driven from user space through the virtio-pci modern
 * transport. vfio_pci_vfio.c holds the VFIO side (sysfs checks, the
 * container and group, BARs, DMA mappings, MSI-X); vfio_pci.c the virtio
 * transport ops on top of it.
 */
#ifndef BLK_VFIO_PCI_H
#define BLK_VFIO_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfio_pci_caps.h"
#include "vfio_pci_iova.h"
#include "virtio_transport.h"

/* The virtio-pci transport of virtio_blk.c over VFIO. */
extern const struct virtio_transport_ops vfio_pci_transport;

/*
 * Whether path names a PCI function: "DDDD:BB:DD.F" or its sysfs
 * directory. Returns -1 when it does not; 1 when it is a virtio-blk
 * function bound to vfio-pci; 0 otherwise, with why[] saying what to do.
 * On 0 and 1, bdf[] (at least 16 bytes) holds the address.
 */
int vfio_pci_check_path(const char *path, char *bdf, char *why, size_t why_len);

/* One VFIO device: container, group, device fd and its BARs. */
struct vpci_vfio {
	int container, group, device;
	char bdf[16];
	int group_id;
	uint64_t bar_len[VPCI_NR_BARS];
	uint64_t bar_off[VPCI_NR_BARS];		/* offset of the region in the device fd */
	uint8_t *bar_map[VPCI_NR_BARS];		/* NULL: pread/pwrite on the device fd */
	uint64_t cfg_off;			/* the config space region */
	unsigned int msix_count;		/* MSI-X vectors VFIO offers */
	bool req_irq;				/* the device-request IRQ exists */
	struct vpci_iova iova;
};

/* Opens the group and device of bdf; why[] says what to do on failure. */
int vpci_vfio_open(struct vpci_vfio *v, const char *bdf, char *why, size_t why_len);
void vpci_vfio_close(struct vpci_vfio *v);

/* Reads len bytes of PCI config space at off. */
int vpci_vfio_cfg_read(struct vpci_vfio *v, void *buf, size_t len, uint64_t off);
int vpci_vfio_cfg_write(struct vpci_vfio *v, const void *buf, size_t len, uint64_t off);

/* Maps each BAR that allows it; the others are reached by pread/pwrite. */
void vpci_vfio_map_bars(struct vpci_vfio *v);

/* 1, 2, 4 byte accesses to BAR bar at off (checked by the caller against the BAR). */
uint32_t vpci_vfio_read(struct vpci_vfio *v, unsigned int bar, uint64_t off, unsigned int size);
void vpci_vfio_write(struct vpci_vfio *v, unsigned int bar, uint64_t off, unsigned int size,
		     uint32_t val);

/*
 * Signals MSI-X vectors 0..n-1 to fds[0..n-1] (n = 0: disables MSI-X), or
 * the device-request IRQ to fd.
 */
int vpci_vfio_set_msix(struct vpci_vfio *v, const int *fds, unsigned int n);
int vpci_vfio_set_req(struct vpci_vfio *v, int fd);

/* Maps len bytes at base for device reads and writes; *iova is where. */
int vpci_vfio_dma_map(struct vpci_vfio *v, void *base, uint64_t len, uint64_t *iova);
int vpci_vfio_dma_unmap(struct vpci_vfio *v, uint64_t iova, uint64_t len);

#endif
