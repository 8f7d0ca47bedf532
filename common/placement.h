/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Data placement of NVMe writes (Flexible Data Placement and Streams): the
 * placement identifier each write carries, as fio's dataplacement code
 * chooses it, and the device data that says which identifiers exist.
 * Pure logic, no fio types: the engine uses it where fio itself has no
 * placement options (fio 3.33), and its parsers on every fio.
 *
 * The values of the enums are fio's (FIO_DP_*), so a job means the same
 * on every fio.
 */
#ifndef BLK_PLACEMENT_H
#define BLK_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLK_DP_MAX_IDS		128	/* fio's FIO_MAX_DP_IDS */
#define BLK_DP_MAX_SCHEME	32	/* fio's DP_MAX_SCHEME_ENTRIES */

/* Directive types (DTYPE of a write, CDW12 bits 23:20). */
#define BLK_NVME_DTYPE_STREAMS	1
#define BLK_NVME_DTYPE_FDP	2

enum blk_dp_type {
	BLK_DP_NONE = 0,
	BLK_DP_FDP = 1,
	BLK_DP_STREAMS = 2,
};

enum blk_dp_select {
	BLK_DP_RANDOM = 1,
	BLK_DP_ROUNDROBIN = 2,
	BLK_DP_SCHEME = 3,
};

/* One line of a dp_scheme file: writes at [start, end) get placement ID pid. */
struct blk_dp_scheme_entry {
	uint64_t start;
	uint64_t end;
	uint16_t pid;
};

/*
 * Parses a plids= list as fio does: indices or IDs and ranges separated by
 * commas ("0,2,4-6"), sorted ascending. Returns 0, or -EINVAL with a
 * sentence in err.
 */
int blk_dp_ids_parse(const char *str, uint16_t *ids, unsigned int *nr, char *err, size_t errlen);

/*
 * Parses the text of a dp_scheme file: lines "START,END,PID" (byte
 * offsets, END past the range). As fio, at most BLK_DP_MAX_SCHEME entries
 * are used (*more tells whether lines were left); unlike fio, a line that
 * does not parse or a range with END <= START is an error naming the line.
 */
int blk_dp_scheme_parse(const char *text, struct blk_dp_scheme_entry *e, unsigned int *nr,
			bool *more, char *err, size_t errlen);

/* What picks the placement ID of each write of one file. */
struct blk_dp_picker {
	uint8_t select;			/* enum blk_dp_select */
	uint16_t ids[BLK_DP_MAX_IDS];	/* the IDs to use (device PIDs or stream IDs) */
	unsigned int nr;
	unsigned int next;		/* round robin position */
	uint64_t rand;			/* xorshift64 state, never 0 */
	const struct blk_dp_scheme_entry *scheme;
	unsigned int nr_scheme;
};

/* The placement ID of a write at byte offset off. */
static inline uint16_t blk_dp_pick(struct blk_dp_picker *p, uint64_t off)
{
	unsigned int i;

	switch (p->select) {
	case BLK_DP_SCHEME:
		for (i = 0; i < p->nr_scheme; i++)
			if (off >= p->scheme[i].start && off < p->scheme[i].end)
				return p->scheme[i].pid;
		/* outside every range: the default placement, as in fio */
		return 0;
	case BLK_DP_RANDOM:
		p->rand ^= p->rand << 13;
		p->rand ^= p->rand >> 7;
		p->rand ^= p->rand << 17;
		return p->ids[p->rand % p->nr];
	default:
		if (p->next >= p->nr)
			p->next = 0;
		return p->ids[p->next++];
	}
}

/* Reclaim Unit Handle Status (I/O Management Receive, MO 1): header and descriptors. */
#define BLK_NVME_RUHS_HDR	16u
#define BLK_NVME_RUHS_DESC	32u

struct blk_nvme_ruh_status {
	uint16_t pid;			/* placement identifier a write names */
	uint16_t ruhid;			/* the endurance group's reclaim unit handle */
	uint64_t ruamw;			/* blocks the current reclaim unit still takes */
};

/*
 * Parses a Reclaim Unit Handle Status of len bytes: *total is the count
 * the device reports (NRUHSD), out[] gets up to min(total, max, what len
 * holds) descriptors and *nr says how many. -EINVAL when len is short of
 * the header.
 */
int blk_nvme_ruhs_parse(const void *buf, size_t len, struct blk_nvme_ruh_status *out,
			unsigned int max, unsigned int *nr, unsigned int *total);

/* I/O Management Receive command dwords for len bytes of the status. */
#define BLK_NVME_OP_IO_MGMT_RECV	0x12
#define BLK_NVME_IO_MGMT_RUHS		1
static inline uint32_t blk_nvme_ruhs_cdw10(void)
{
	return BLK_NVME_IO_MGMT_RUHS;
}
static inline uint32_t blk_nvme_ruhs_cdw11(uint32_t len)
{
	return len / 4 - 1;	/* NUMD, 0's based */
}

/* Directive Receive (admin 1Ah), Identify, Return Parameters: bit n = directive type n. */
#define BLK_NVME_ADMIN_DIR_RECV		0x1a
struct blk_nvme_dir_support {
	uint32_t supported;
	uint32_t enabled;
};

/* From the 4096-byte Return Parameters; -EINVAL when len is short of 64. */
int blk_nvme_dir_identify_parse(const void *buf, size_t len, struct blk_nvme_dir_support *d);

/* CDW10/CDW11 of Directive Receive, Identify, Return Parameters for len bytes. */
static inline uint32_t blk_nvme_dir_identify_cdw10(uint32_t len)
{
	return len / 4 - 1;	/* NUMD */
}
static inline uint32_t blk_nvme_dir_identify_cdw11(void)
{
	return 0x01;		/* DOPER 1 (return parameters), DTYPE 0 (identify) */
}

#endif
