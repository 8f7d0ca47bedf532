// SPDX-License-Identifier: GPL-2.0-only
/*
 * write_mode mixes: see write_mix.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "write_mix.h"

static const char *const mode_names[BLK_WRITE_MIX_MODES] = {
	"write", "uncor", "zeroes", "verify", "zone_append",
};

/* The drive picks a Zone Append's LBA: fio cannot share a zone's writes with other commands. */
#define ZONE_APPEND_MODE	4

const char *blk_write_mix_name(unsigned int mode)
{
	return mode < BLK_WRITE_MIX_MODES ? mode_names[mode] : NULL;
}

static int mode_of(const char *s, size_t len)
{
	unsigned int i;

	for (i = 0; i < BLK_WRITE_MIX_MODES; i++)
		if (strlen(mode_names[i]) == len && !strncmp(mode_names[i], s, len))
			return (int)i;
	return -1;
}

int blk_write_mix_parse(const char *str, struct blk_write_mix *mix, char *err, size_t errlen)
{
	const char *p = str, *end, *slash;
	unsigned int total = 0, seen = 0;
	int mode;

	memset(mix, 0, sizeof(*mix));
	if (!str || !*str) {
		snprintf(err, errlen, "empty: expected write, uncor, zeroes, verify, zone_append or a mix like write/60:zeroes/40");
		return -EINVAL;
	}
	for (;;) {
		unsigned long pct;
		char *num_end;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		slash = memchr(p, '/', (size_t)(end - p));
		mode = mode_of(p, (size_t)((slash ? slash : end) - p));
		if (mode < 0) {
			snprintf(err, errlen, "'%.*s' is not a write command: expected write, uncor, zeroes, verify or zone_append",
				 (int)((slash ? slash : end) - p), p);
			return -EINVAL;
		}
		if (seen & (1u << mode)) {
			snprintf(err, errlen, "%s is named twice", mode_names[mode]);
			return -EINVAL;
		}
		seen |= 1u << mode;
		if (mode == ZONE_APPEND_MODE && (slash || mix->nr || *end)) {
			snprintf(err, errlen, "zone_append cannot be part of a mix: give write_mode=zone_append alone (the drive picks each write's place in the zone)");
			return -EINVAL;
		}
		if (!slash) {
			/* A lone mode is all of the writes; in a mix each needs its share. */
			if (mix->nr || *end) {
				snprintf(err, errlen, "%s has no percentage: in a mix each command is MODE/PERCENT (e.g. write/60:zeroes/40)",
					 mode_names[mode]);
				return -EINVAL;
			}
			pct = 100;
		} else {
			errno = 0;
			pct = strtoul(slash + 1, &num_end, 10);
			if (errno || num_end != end || num_end == slash + 1 || pct > 100) {
				snprintf(err, errlen, "%s/%.*s: the percentage must be a whole number from 0 to 100",
					 mode_names[mode], (int)(end - slash - 1), slash + 1);
				return -EINVAL;
			}
		}
		total += (unsigned int)pct;
		if (total > 100) {
			snprintf(err, errlen, "the percentages add up to more than 100");
			return -EINVAL;
		}
		if (pct) {
			mix->mode[mix->nr] = (uint8_t)mode;
			mix->upto[mix->nr] = (uint8_t)total;
			mix->nr++;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	if (total != 100) {
		snprintf(err, errlen, "the percentages add up to %u, not 100", total);
		return -EINVAL;
	}
	return 0;
}
