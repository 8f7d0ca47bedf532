// SPDX-License-Identifier: GPL-2.0-only
/*
 * Data placement: plids= and dp_scheme= parsing, the Reclaim Unit Handle
 * Status and the directive support a device reports. Every count the
 * device gives is checked against the bytes it sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "le_bytes.h"
#include "msg.h"
#include "placement.h"

/* A decimal number of at most 16 bits at *s; moves *s past it. */
static int take_u16(const char **s, unsigned int *v)
{
	char *end;
	unsigned long n;

	if (**s < '0' || **s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(*s, &end, 10);
	if (errno || n > 0xffff)
		return -EINVAL;
	*s = end;
	*v = (unsigned int)n;
	return 0;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

int blk_dp_ids_parse(const char *str, uint16_t *ids, unsigned int *nr, char *err, size_t errlen)
{
	const char *s = str;
	unsigned int n = 0, lo, hi, v;

	if (!str || !*str) {
		blk_msg(err, errlen, "an empty list; give placement IDs such as 0,2,4-6");
		return -EINVAL;
	}
	while (*s) {
		if (take_u16(&s, &lo)) {
			blk_msg(err, errlen, "'%s' is not a list of numbers (0 to 65535) and ranges such as 0,2,4-6", str);
			return -EINVAL;
		}
		hi = lo;
		if (*s == '-') {
			s++;
			if (take_u16(&s, &hi) || hi < lo) {
				blk_msg(err, errlen, "'%s': a range is LOW-HIGH with LOW <= HIGH", str);
				return -EINVAL;
			}
		}
		if (*s && *s != ',') {
			blk_msg(err, errlen, "'%s' is not a list of numbers (0 to 65535) and ranges such as 0,2,4-6", str);
			return -EINVAL;
		}
		if (*s == ',')
			s++;
		if (hi - lo + 1 > BLK_DP_MAX_IDS - n) {
			blk_msg(err, errlen, "'%s' names more than %u placement IDs", str, BLK_DP_MAX_IDS);
			return -EINVAL;
		}
		for (v = lo; v <= hi; v++)
			ids[n++] = (uint16_t)v;
	}
	qsort(ids, n, sizeof(*ids), cmp_u16);
	*nr = n;
	return 0;
}

int blk_dp_scheme_parse(const char *text, struct blk_dp_scheme_entry *e, unsigned int *nr,
			bool *more, char *err, size_t errlen)
{
	const char *line = text;
	unsigned int n = 0, lineno = 0;

	*more = false;
	while (line && *line) {
		const char *eol = strchr(line, '\n');
		unsigned long long start, end;
		unsigned int pid;
		char buf[128], extra;
		size_t len = eol ? (size_t)(eol - line) : strlen(line);

		lineno++;
		if (len >= sizeof(buf)) {
			blk_msg(err, errlen, "line %u is too long for START,END,PID", lineno);
			return -EINVAL;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = eol ? eol + 1 : NULL;
		if (strspn(buf, " \t\r") == len)
			continue;
		if (sscanf(buf, " %llu , %llu , %u %c", &start, &end, &pid, &extra) != 3 ||
		    pid > 0xffff) {
			blk_msg(err, errlen, "line %u ('%s') is not START,END,PID (byte offsets and a placement ID up to 65535)",
				lineno, buf);
			return -EINVAL;
		}
		if (end <= start) {
			blk_msg(err, errlen, "line %u: END %llu is not past START %llu", lineno, end, start);
			return -EINVAL;
		}
		if (n == BLK_DP_MAX_SCHEME) {
			*more = true;
			break;
		}
		e[n++] = (struct blk_dp_scheme_entry){ .start = start, .end = end, .pid = (uint16_t)pid };
	}
	if (!n) {
		blk_msg(err, errlen, "no START,END,PID line");
		return -EINVAL;
	}
	*nr = n;
	return 0;
}

int blk_nvme_ruhs_parse(const void *buf, size_t len, struct blk_nvme_ruh_status *out,
			unsigned int max, unsigned int *nr, unsigned int *total)
{
	const uint8_t *p = buf;
	unsigned int n, i;

	if (len < BLK_NVME_RUHS_HDR)
		return -EINVAL;
	*total = blk_le16_at(p + 14);
	n = *total;
	if (n > max)
		n = max;
	/* Only what the transfer holds: a device may claim more than it sent. */
	if (n > (len - BLK_NVME_RUHS_HDR) / BLK_NVME_RUHS_DESC)
		n = (unsigned int)((len - BLK_NVME_RUHS_HDR) / BLK_NVME_RUHS_DESC);
	for (i = 0; i < n; i++) {
		const uint8_t *d = p + BLK_NVME_RUHS_HDR + (size_t)i * BLK_NVME_RUHS_DESC;

		out[i].pid = blk_le16_at(d);
		out[i].ruhid = blk_le16_at(d + 2);
		out[i].ruamw = blk_le64_at(d + 8);
	}
	*nr = n;
	return 0;
}

int blk_nvme_dir_identify_parse(const void *buf, size_t len, struct blk_nvme_dir_support *d)
{
	const uint8_t *p = buf;

	if (len < 64)
		return -EINVAL;
	/* 256-bit maps; the directive types defined so far fit the first dword. */
	d->supported = blk_le32_at(p);
	d->enabled = blk_le32_at(p + 32);
	return 0;
}
