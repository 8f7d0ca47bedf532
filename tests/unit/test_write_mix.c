// SPDX-License-Identifier: GPL-2.0-only
/* write_mode mixes: parsing, refusals, and which command each percentile picks. */
#include <errno.h>

#include "unit.h"

#include "write_mix.h"

static struct blk_write_mix mix;
static char err[256];

static int parse(const char *s)
{
	err[0] = '\0';
	return blk_write_mix_parse(s, &mix, err, sizeof(err));
}

int main(void)
{
	unsigned int r, counts[BLK_WRITE_MIX_MODES] = { 0 };

	/* the single modes keep their values (enum blk_write_mode) */
	CHECK_EQ(parse("write"), 0);
	CHECK_EQ(mix.nr, 1);
	CHECK_EQ(blk_write_mix_pick(&mix, 0), 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 99), 0);
	CHECK_EQ(parse("uncor"), 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 50), 1);
	CHECK_EQ(parse("zeroes"), 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 50), 2);
	CHECK_EQ(parse("verify"), 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 50), 3);
	CHECK_EQ(parse("write/100"), 0);
	CHECK_EQ(mix.nr, 1);
	CHECK_EQ(parse("zone_append"), 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 50), 4);

	/* a mix: each percentile lands in its share */
	CHECK_EQ(parse("write/60:zeroes/30:uncor/10"), 0);
	CHECK_EQ(mix.nr, 3);
	for (r = 0; r < 100; r++)
		counts[blk_write_mix_pick(&mix, r)]++;
	CHECK_EQ(counts[0], 60);
	CHECK_EQ(counts[2], 30);
	CHECK_EQ(counts[1], 10);
	CHECK_EQ(counts[3], 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 59), 0);
	CHECK_EQ(blk_write_mix_pick(&mix, 60), 2);
	CHECK_EQ(blk_write_mix_pick(&mix, 89), 2);
	CHECK_EQ(blk_write_mix_pick(&mix, 90), 1);

	/* a zero share is left out */
	CHECK_EQ(parse("write/0:zeroes/100"), 0);
	CHECK_EQ(mix.nr, 1);
	CHECK_EQ(blk_write_mix_pick(&mix, 0), 2);

	/* refusals say what is wrong */
	CHECK(parse("sideways") == -EINVAL && strstr(err, "'sideways' is not a write command"));
	CHECK(parse("write/60:zeroes/30") == -EINVAL && strstr(err, "add up to 90"));
	CHECK(parse("write/60:zeroes/50") == -EINVAL && strstr(err, "more than 100"));
	CHECK(parse("write/60:write/40") == -EINVAL && strstr(err, "named twice"));
	CHECK(parse("write:zeroes/40") == -EINVAL && strstr(err, "no percentage"));
	CHECK(parse("write/6x:zeroes/40") == -EINVAL && strstr(err, "whole number"));
	CHECK(parse("write/:zeroes/100") == -EINVAL && strstr(err, "whole number"));
	CHECK(parse("write/101") == -EINVAL);
	/* the drive places a Zone Append: it cannot share a zone with other writes */
	CHECK(parse("write/50:zone_append/50") == -EINVAL && strstr(err, "zone_append cannot be part of a mix"));
	CHECK(parse("zone_append/100") == -EINVAL && strstr(err, "alone"));
	CHECK(parse("") == -EINVAL);
	return unit_end();
}
