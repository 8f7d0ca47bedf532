/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * End-to-end protection information (16-bit and 64-bit guard, types 1-3)
 * that the host computes itself when PRACT is 0.
 */
#ifndef BLK_NVME_PI_H
#define BLK_NVME_PI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where each block's data and metadata sit in the host buffers. */
struct blk_pi_layout {
	uint32_t lba_size;	/* data bytes per logical block */
	uint32_t ms;		/* metadata bytes per logical block, >= the tuple */
	bool extended;		/* metadata follows each block in the data buffer */
	bool pi_first;		/* PI in the first metadata bytes, else the last */
	unsigned int pi_type;	/* 1, 2 or 3 */
	bool guard64;		/* 16-byte tuple: 64-bit guard, 48-bit reference tag */
};

/* Bytes of one PI tuple: 8, or 16 with the 64-bit guard. */
uint32_t blk_pi_tuple_size(const struct blk_pi_layout *l);

/* CRC-16 T10-DIF (polynomial 0x8bb7, no reflection, initial value crc). */
uint16_t blk_crc16_t10dif(uint16_t crc, const void *buf, size_t len);

/*
 * CRC-64 NVMe (polynomial 0xad93d23594c93659, reflected, inverted in and
 * out): 0 to start; a previous result to go on over more bytes.
 */
uint64_t blk_crc64_nvme(uint64_t crc, const void *buf, size_t len);

/*
 * Writes the PI of nlb blocks: guard over data (and the metadata before a
 * trailing PI), application tag apptag, reference tag reftag + i for types
 * 1 and 2 (in the tag's width: 32 bits, 48 with the 64-bit guard). md is
 * the separate metadata buffer, NULL for extended layouts.
 */
void blk_pi_generate(const struct blk_pi_layout *l, void *data, void *md,
		     uint32_t nlb, uint64_t reftag, uint16_t apptag);

/* blk_pi_check() checks; the values of the pi_chk option bits. */
#define BLK_PI_CHECK_REFTAG	(1u << 0)
#define BLK_PI_CHECK_APPTAG	(1u << 1)
#define BLK_PI_CHECK_GUARD	(1u << 2)

/*
 * Checks the PI of nlb blocks as blk_pi_generate() wrote it. Blocks whose
 * application tag is 0xffff (and, for type 3, a reference tag of all
 * ones) are not checked, as the spec says. Returns 0, or -EILSEQ with the index
 * of the first bad block in *bad.
 */
int blk_pi_check(const struct blk_pi_layout *l, const void *data, const void *md,
		 uint32_t nlb, uint64_t reftag, uint16_t apptag, uint16_t apptag_mask,
		 unsigned int checks, uint32_t *bad);

#endif
