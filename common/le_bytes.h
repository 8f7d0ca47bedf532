/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Little-endian fields of the data structures a device writes (Identify,
 * log pages, reports), read byte by byte: no alignment is assumed of the
 * buffer, and the host's byte order does not matter.
 */
#ifndef BLK_LE_BYTES_H
#define BLK_LE_BYTES_H

#include <stdint.h>

static inline uint16_t blk_le16_at(const void *p)
{
	const uint8_t *b = p;

	return (uint16_t)(b[0] | b[1] << 8);
}

static inline uint32_t blk_le32_at(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)blk_le16_at(b) | (uint32_t)blk_le16_at(b + 2) << 16;
}

static inline uint64_t blk_le64_at(const void *p)
{
	const uint8_t *b = p;

	return (uint64_t)blk_le32_at(b) | (uint64_t)blk_le32_at(b + 4) << 32;
}

#endif
