/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NVMe log pages read around a run for drive health and write
 * amplification: SMART / Health Information (02h), Error Information (01h),
 * FDP Statistics (22h) and FDP Events (23h), plus the Identify Controller
 * fields that say which of them exist and how large they are.
 *
 * Everything here is pure: raw little-endian pages in, structs and text
 * out, with every length and count the device reports checked against the
 * bytes actually read. No fio types, no system calls.
 */
#ifndef BLK_NVME_LOG_H
#define BLK_NVME_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Log page identifiers (NVMe Base 2.0, Figure 202). */
#define BLK_NVME_LID_ERROR	0x01
#define BLK_NVME_LID_SMART	0x02
#define BLK_NVME_LID_FDP_STATS	0x22
#define BLK_NVME_LID_FDP_EVENTS	0x23

#define BLK_NVME_SMART_SIZE		512u
#define BLK_NVME_ERR_ENTRY_SIZE		64u
#define BLK_NVME_FDP_STATS_SIZE		64u
#define BLK_NVME_FDP_EVENT_SIZE		64u
/* The events log: a 64-byte header, then 64-byte events. */
#define BLK_NVME_FDP_EVENTS_HDR		64u
/* ELPE is 8 bits, 0-based: a controller keeps at most 256 error entries. */
#define BLK_NVME_ERR_MAX_ENTRIES	256u
/* Events read per events log; the page has room for more, no device seen has. */
#define BLK_NVME_FDP_MAX_EVENTS		63u

/* One SMART data unit: 1000 units of 512 bytes (NVMe Base 2.0, 5.16.1.3). */
#define BLK_NVME_DATA_UNIT_BYTES	512000ull

/* The Get Log Page command dwords, NUMD split as the command wants it. */
struct blk_nvme_get_log {
	uint32_t cdw10;		/* LID, LSP, RAE, NUMDL */
	uint32_t cdw11;		/* NUMDU, LSI */
	uint32_t cdw12;		/* offset, low dword */
	uint32_t cdw13;		/* offset, high dword */
};

/*
 * Fills c for len bytes of log lid at byte offset off, with log specific
 * field lsp (4 bits used here), log specific identifier lsi and RAE set
 * (the host's asynchronous event handling is left as it was). Returns 0, or
 * -EINVAL when len is 0, not a multiple of 4 or over 2^32 dwords, off is
 * not dword aligned or lsp does not fit.
 */
int blk_nvme_get_log_cmd(uint8_t lid, uint8_t lsp, uint16_t lsi, uint32_t len,
			 uint64_t off, struct blk_nvme_get_log *c);

/* What Identify Controller says about the logs. */
struct blk_nvme_log_caps {
	unsigned int err_entries;	/* ELPE + 1 */
	uint8_t lpa;			/* Log Page Attributes */
	bool fdp;			/* CTRATT bit 19: FDP supported */
	char sn[21];			/* serial number, trimmed */
	char mn[41];			/* model number, trimmed */
};

/* From a raw Identify Controller image of len bytes (4096 expected). -EINVAL if short. */
int blk_nvme_log_caps_parse(const void *id_ctrl, size_t len, struct blk_nvme_log_caps *caps);

/* Endurance group of a namespace: ENDGID of Identify Namespace, 0 none. */
int blk_nvme_ns_endgid(const void *id_ns, size_t len, uint16_t *endgid);

/*
 * A 128-bit counter of a log page. Values above 2^64 - 1 are kept as
 * UINT64_MAX with wide set: no run moves a counter that far, so a delta
 * across a wide value is reported as unknown instead of wrong.
 */
struct blk_nvme_u128 {
	uint64_t v;
	bool wide;
};

struct blk_nvme_smart {
	uint8_t critical_warning;
	uint16_t temperature;		/* composite, kelvin; 0 not reported */
	uint8_t avail_spare;		/* percent */
	uint8_t spare_thresh;
	uint8_t percent_used;
	struct blk_nvme_u128 data_units_read;
	struct blk_nvme_u128 data_units_written;
	struct blk_nvme_u128 host_reads;
	struct blk_nvme_u128 host_writes;
	struct blk_nvme_u128 media_errors;
	struct blk_nvme_u128 err_log_entries;
	struct blk_nvme_u128 power_cycles;
	struct blk_nvme_u128 unsafe_shutdowns;
};

/* -EINVAL when len is short of BLK_NVME_SMART_SIZE. */
int blk_nvme_smart_parse(const void *buf, size_t len, struct blk_nvme_smart *s);

struct blk_nvme_err_entry {
	uint64_t error_count;		/* unique per error, grows; 0 = empty entry */
	uint16_t sqid;
	uint16_t cmdid;
	uint16_t status;		/* status field without the phase tag: SC | SCT << 8 | ... */
	uint16_t param_loc;
	uint64_t lba;
	uint32_t nsid;
	uint8_t trtype;
	uint64_t cs_info;
};

/*
 * Parses the entries of an Error Information log of len bytes from a
 * controller that keeps err_entries of them (ELPE + 1): at most
 * min(len / 64, err_entries, max) entries, empty ones (error count 0)
 * skipped. Entries with a count of 2^64 - 1 or a duplicate count (a
 * controller that wraps or repeats) are dropped. Returns the number of
 * entries stored in out, or -EINVAL when len holds no whole entry or
 * err_entries is 0.
 */
int blk_nvme_err_parse(const void *buf, size_t len, unsigned int err_entries,
		       struct blk_nvme_err_entry *out, unsigned int max);

/* The highest error count among n entries, 0 for none. */
uint64_t blk_nvme_err_max_count(const struct blk_nvme_err_entry *e, unsigned int n);

/*
 * Moves the entries newer than since (error count above it) to the front
 * of e, newest first; returns how many.
 */
unsigned int blk_nvme_err_select_new(struct blk_nvme_err_entry *e, unsigned int n,
				     uint64_t since);

/* The status field as the completion carries it (DNR, M, SCT, SC), from an entry's status. */
static inline uint32_t blk_nvme_err_status(const struct blk_nvme_err_entry *e)
{
	/* Bit 0 of the log's field is the phase tag; the status proper follows. */
	return e->status >> 1;
}

struct blk_nvme_fdp_stats {
	struct blk_nvme_u128 hbmw;	/* host bytes with metadata written */
	struct blk_nvme_u128 mbmw;	/* media bytes with metadata written */
	struct blk_nvme_u128 mbe;	/* media bytes erased */
};

/* -EINVAL when len is short of BLK_NVME_FDP_STATS_SIZE. */
int blk_nvme_fdp_stats_parse(const void *buf, size_t len, struct blk_nvme_fdp_stats *s);

struct blk_nvme_fdp_event {
	uint8_t type;
	uint8_t flags;			/* bit 0 PID valid, 1 NSID valid, 2 location valid */
	uint16_t pid;
	uint64_t timestamp;
	uint32_t nsid;
	uint16_t rgid;
	uint8_t ruhid;
};

/*
 * Parses an FDP Events log of len bytes: the count of its header, checked
 * against the events the bytes hold, then the events (at most max).
 * Returns the number stored, or -EINVAL when len is short of the header
 * or the count claims more events than were read (a malformed page: the
 * events it does hold are not trusted either).
 */
int blk_nvme_fdp_events_parse(const void *buf, size_t len, struct blk_nvme_fdp_event *out,
			      unsigned int max);

/*
 * Moves the events of the end reading e (n of them) that came after the
 * start reading (start_nr events, newest timestamp start_ts) to the front
 * of e; returns how many. Without timestamps on either side the events
 * past the start's count are taken.
 */
unsigned int blk_nvme_fdp_events_select_new(struct blk_nvme_fdp_event *e, unsigned int n,
					    unsigned int start_nr, uint64_t start_ts);

/* The newest timestamp among n events, 0 for none. */
uint64_t blk_nvme_fdp_events_last_ts(const struct blk_nvme_fdp_event *e, unsigned int n);

/* A name for an FDP event type ("reclaim unit not fully written", ...). */
const char *blk_nvme_fdp_event_name(uint8_t type);

/* ---- what changed over a run ---- */

/*
 * One reading of a namespace's logs. have_* say which pages were read;
 * a page the controller refused stays unread.
 */
struct blk_nvme_health_snap {
	bool have_smart;
	bool have_err;
	bool have_fdp_stats;
	bool have_fdp_events;
	struct blk_nvme_smart smart;
	uint64_t err_max_count;		/* highest error count in the error log */
	unsigned int fdp_nr_events;	/* events in the events logs (host + controller) */
	uint64_t fdp_last_ts;		/* newest event's timestamp */
	struct blk_nvme_fdp_stats fdp;
};

/* A counter's change: valid only when both readings were exact and it did not go backwards. */
struct blk_nvme_delta {
	bool valid;
	uint64_t v;
};

struct blk_nvme_health_report {
	bool have_smart;
	struct blk_nvme_delta data_units_read;
	struct blk_nvme_delta data_units_written;
	struct blk_nvme_delta host_reads;
	struct blk_nvme_delta host_writes;
	struct blk_nvme_delta media_errors;
	struct blk_nvme_delta err_log_entries;
	uint8_t crit_warn_start, crit_warn_end;
	uint16_t temp_start, temp_end;	/* kelvin */
	uint8_t percent_used, avail_spare;

	bool have_fdp;
	struct blk_nvme_delta host_bytes;
	struct blk_nvme_delta media_bytes;
	struct blk_nvme_delta media_erased;
	/* media / host bytes written over the run, valid with host bytes > 0 */
	bool waf_valid;
	double waf;

	/* new error-log entries, newest first (copied by the caller) */
	unsigned int nr_new_errors;
	const struct blk_nvme_err_entry *new_errors;

	/* FDP events since the start (with timestamps newer than the start's) */
	bool have_fdp_events;
	unsigned int nr_new_events;
	const struct blk_nvme_fdp_event *new_events;
};

/* Fills r from the readings at the start and at the end of the run. */
void blk_nvme_health_compare(const struct blk_nvme_health_snap *start,
			     const struct blk_nvme_health_snap *end,
			     struct blk_nvme_health_report *r);

/*
 * The report as text (lines starting with prefix, each ending in '\n')
 * and as one JSON object; dev names the device. Both write at most len
 * bytes including the terminating NUL and return the length they needed,
 * as snprintf does.
 */
size_t blk_nvme_health_format(const struct blk_nvme_health_report *r, const char *dev,
			      const char *prefix, char *buf, size_t len);
size_t blk_nvme_health_json(const struct blk_nvme_health_report *r, const char *dev,
			    uint32_t nsid, char *buf, size_t len);

#endif
