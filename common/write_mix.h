/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * write_mode as a weighted mix of write commands: "write/60:zeroes/30:uncor/10".
 * Pure logic, no fio types: parsed once at option time, picked per I/O.
 */
#ifndef BLK_WRITE_MIX_H
#define BLK_WRITE_MIX_H

#include <stddef.h>
#include <stdint.h>

/* The modes, in the order (and with the values) of enum blk_write_mode. */
#define BLK_WRITE_MIX_MODES	5

struct blk_write_mix {
	unsigned int nr;			/* entries; 1 for a plain mode */
	uint8_t mode[BLK_WRITE_MIX_MODES];
	uint8_t upto[BLK_WRITE_MIX_MODES];	/* cumulative percentages, the last 100 */
};

/* "write", "uncor", "zeroes", "verify", "zone_append" by mode value; NULL out of range. */
const char *blk_write_mix_name(unsigned int mode);

/*
 * Parses "MODE" or "MODE/PCT[:MODE/PCT...]" (percentages summing to 100,
 * each mode once; zone_append only alone). Returns 0, or -EINVAL with a sentence in err saying
 * what is wrong.
 */
int blk_write_mix_parse(const char *str, struct blk_write_mix *mix, char *err, size_t errlen);

/* The mode of a write whose random percentile is r (0 to 99). */
static inline unsigned int blk_write_mix_pick(const struct blk_write_mix *mix, unsigned int r)
{
	unsigned int i;

	for (i = 0; i + 1 < mix->nr; i++)
		if (r < mix->upto[i])
			break;
	return mix->mode[i];
}

#endif
