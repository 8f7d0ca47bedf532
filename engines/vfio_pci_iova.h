/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Device addresses (IOVAs) for the memory a VFIO device reaches: chosen
 * inside the ranges the IOMMU reports as usable, page aligned, never 0,
 * and never more mappings than the IOMMU driver allows (dma_entry_limit).
 * Pure bookkeeping; the ioctls are the caller's.
 */
#ifndef BLK_VFIO_PCI_IOVA_H
#define BLK_VFIO_PCI_IOVA_H

#include <stdint.h>

struct vpci_iova_range {
	uint64_t start, last;		/* inclusive */
};

struct vpci_iova_map {
	uint64_t iova, len;
};

struct vpci_iova {
	struct vpci_iova_range *ranges;	/* sorted, not overlapping */
	unsigned int nranges;
	struct vpci_iova_map *maps;	/* sorted by iova */
	unsigned int nmaps, cap;
	unsigned int limit;		/* most mappings at once, 0: no limit */
	uint64_t page;
};

/*
 * Takes a copy of the ranges (sorted here); with none, the whole 64-bit
 * space but page 0. Returns 0 or -ENOMEM/-EINVAL.
 */
int vpci_iova_init(struct vpci_iova *s, const struct vpci_iova_range *ranges,
		   unsigned int nranges, uint64_t page, unsigned int limit);
void vpci_iova_exit(struct vpci_iova *s);

/*
 * Reserves len bytes (rounded up to pages) inside one range: first fit.
 * -ENOSPC when no range has room, -EDQUOT at the mapping limit.
 */
int vpci_iova_alloc(struct vpci_iova *s, uint64_t len, uint64_t *iova);

/* Gives back what vpci_iova_alloc returned; -ENOENT when it was not reserved. */
int vpci_iova_free(struct vpci_iova *s, uint64_t iova);

#endif
