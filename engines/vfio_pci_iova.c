// SPDX-License-Identifier: GPL-2.0-only
/*
 * IOVA allocation within the IOMMU's usable ranges. An IOVA outside them
 * (the x86 MSI window at 0xfee00000, a reserved region of the platform)
 * makes VFIO_IOMMU_MAP_DMA fail, or worse, aliases an interrupt address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfio_pci_iova.h"

static int cmp_range(const void *a, const void *b)
{
	const struct vpci_iova_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int vpci_iova_init(struct vpci_iova *s, const struct vpci_iova_range *ranges,
		   unsigned int nranges, uint64_t page, unsigned int limit)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	if (!page || page & (page - 1))
		return -EINVAL;
	s->page = page;
	s->limit = limit;
	s->ranges = calloc(nranges ? nranges : 1, sizeof(*s->ranges));
	if (!s->ranges)
		return -ENOMEM;
	if (!nranges) {
		s->ranges[0] = (struct vpci_iova_range){ .start = 0, .last = UINT64_MAX };
		s->nranges = 1;
		return 0;
	}
	for (i = 0; i < nranges; i++) {
		if (ranges[i].last < ranges[i].start) {
			free(s->ranges);
			s->ranges = NULL;
			return -EINVAL;
		}
		s->ranges[i] = ranges[i];
	}
	qsort(s->ranges, nranges, sizeof(*s->ranges), cmp_range);
	s->nranges = nranges;
	return 0;
}

void vpci_iova_exit(struct vpci_iova *s)
{
	free(s->ranges);
	free(s->maps);
	memset(s, 0, sizeof(*s));
}

/* start rounded up to a page; false when that wraps. */
static int align_up(uint64_t v, uint64_t page, uint64_t *out)
{
	uint64_t r = (v + page - 1) & ~(page - 1);

	if (r < v)
		return 0;
	*out = r;
	return 1;
}

/* The first page after map m; false when m reaches the top of the space. */
static int past(const struct vpci_iova_map *m, uint64_t page, uint64_t *start)
{
	uint64_t end = m->iova + m->len;

	if (end <= m->iova)
		return 0;
	return align_up(end, page, start);
}

/* First fit of len in [start, last] between the sorted maps; the map index to insert at. */
static int fit_in_range(const struct vpci_iova *s, const struct vpci_iova_range *r, uint64_t len,
			uint64_t *iova, unsigned int *pos)
{
	uint64_t start = r->start < s->page ? s->page : r->start;
	unsigned int i;

	if (!align_up(start, s->page, &start))
		return 0;
	for (i = 0; i <= s->nmaps; i++) {
		const struct vpci_iova_map *m = i < s->nmaps ? &s->maps[i] : NULL;
		uint64_t hole_last = r->last;

		if (m) {
			if (m->iova + m->len - 1 < start)
				continue;	/* wholly before the candidate */
			if (m->iova <= start) {
				/* The candidate lies in this map: go past it. */
				if (!past(m, s->page, &start))
					return 0;
				continue;
			}
			if (m->iova - 1 < hole_last)
				hole_last = m->iova - 1;
		}
		if (start > r->last)
			return 0;
		if (len - 1 <= hole_last - start) {
			*iova = start;
			*pos = i;
			return 1;
		}
		if (!m || !past(m, s->page, &start))
			return 0;
	}
	return 0;
}

int vpci_iova_alloc(struct vpci_iova *s, uint64_t len, uint64_t *iova)
{
	unsigned int i, pos;
	uint64_t at;

	if (!len || !align_up(len, s->page, &len))
		return -EINVAL;
	if (s->limit && s->nmaps >= s->limit)
		return -EDQUOT;
	if (s->nmaps == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 8;
		struct vpci_iova_map *m = realloc(s->maps, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		s->maps = m;
		s->cap = cap;
	}
	for (i = 0; i < s->nranges; i++) {
		if (!fit_in_range(s, &s->ranges[i], len, &at, &pos))
			continue;
		memmove(&s->maps[pos + 1], &s->maps[pos], (s->nmaps - pos) * sizeof(s->maps[0]));
		s->maps[pos] = (struct vpci_iova_map){ .iova = at, .len = len };
		s->nmaps++;
		*iova = at;
		return 0;
	}
	return -ENOSPC;
}

int vpci_iova_free(struct vpci_iova *s, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < s->nmaps; i++) {
		if (s->maps[i].iova != iova)
			continue;
		memmove(&s->maps[i], &s->maps[i + 1], (s->nmaps - i - 1) * sizeof(s->maps[0]));
		s->nmaps--;
		return 0;
	}
	return -ENOENT;
}
