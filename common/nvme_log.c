// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe log page layouts (see nvme_log.h). Offsets are those of NVMe Base
 * 2.0 and NVMe Base 2.0 TP4146 (Flexible Data Placement); every field is
 * read byte by byte in little-endian order, so any buffer alignment works.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "le_bytes.h"
#include "nvme_log.h"
#include "nvme_status.h"

static struct blk_nvme_u128 le128_at(const uint8_t *p)
{
	struct blk_nvme_u128 r = { .v = blk_le64_at(p) };

	if (blk_le64_at(p + 8)) {
		r.v = UINT64_MAX;
		r.wide = true;
	}
	return r;
}

int blk_nvme_get_log_cmd(uint8_t lid, uint8_t lsp, uint16_t lsi, uint32_t len,
			 uint64_t off, struct blk_nvme_get_log *c)
{
	uint32_t numd;

	if (!len || len % 4 || off % 4 || lsp > 0xf)
		return -EINVAL;
	numd = len / 4 - 1;	/* 0-based dword count */
	c->cdw10 = lid | (uint32_t)lsp << 8 | 1u << 15 /* RAE */ | (numd & 0xffff) << 16;
	c->cdw11 = numd >> 16 | (uint32_t)lsi << 16;
	c->cdw12 = (uint32_t)off;
	c->cdw13 = (uint32_t)(off >> 32);
	return 0;
}

/* Copies an Identify string field, dropping the space padding. */
static void id_string(char *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	while (n && (dst[n - 1] == ' ' || dst[n - 1] == '\0'))
		n--;
	dst[n] = '\0';
}

int blk_nvme_log_caps_parse(const void *id_ctrl, size_t len, struct blk_nvme_log_caps *caps)
{
	const uint8_t *p = id_ctrl;

	/* ELPE (byte 262) is the last field read. */
	if (len < 263)
		return -EINVAL;
	memset(caps, 0, sizeof(*caps));
	id_string(caps->sn, p + 4, 20);
	id_string(caps->mn, p + 24, 40);
	caps->fdp = blk_le32_at(p + 96) & (1u << 19);
	caps->lpa = p[261];
	caps->err_entries = p[262] + 1u;
	return 0;
}

int blk_nvme_ns_endgid(const void *id_ns, size_t len, uint16_t *endgid)
{
	if (len < 104)
		return -EINVAL;
	*endgid = blk_le16_at((const uint8_t *)id_ns + 102);
	return 0;
}

int blk_nvme_smart_parse(const void *buf, size_t len, struct blk_nvme_smart *s)
{
	const uint8_t *p = buf;

	if (len < BLK_NVME_SMART_SIZE)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->critical_warning = p[0];
	s->temperature = blk_le16_at(p + 1);
	s->avail_spare = p[3];
	s->spare_thresh = p[4];
	s->percent_used = p[5];
	s->data_units_read = le128_at(p + 32);
	s->data_units_written = le128_at(p + 48);
	s->host_reads = le128_at(p + 64);
	s->host_writes = le128_at(p + 80);
	s->power_cycles = le128_at(p + 112);
	s->unsafe_shutdowns = le128_at(p + 144);
	s->media_errors = le128_at(p + 160);
	s->err_log_entries = le128_at(p + 176);
	return 0;
}

static bool count_seen(const struct blk_nvme_err_entry *e, unsigned int n, uint64_t count)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].error_count == count)
			return true;
	return false;
}

int blk_nvme_err_parse(const void *buf, size_t len, unsigned int err_entries,
		       struct blk_nvme_err_entry *out, unsigned int max)
{
	const uint8_t *p = buf;
	size_t nr = len / BLK_NVME_ERR_ENTRY_SIZE, i;
	unsigned int n = 0;

	if (!nr || !err_entries)
		return -EINVAL;
	/* Bytes past the entries the controller keeps are not entries. */
	if (nr > err_entries)
		nr = err_entries;
	for (i = 0; i < nr && n < max; i++, p += BLK_NVME_ERR_ENTRY_SIZE) {
		struct blk_nvme_err_entry e = {
			.error_count = blk_le64_at(p),
			.sqid = blk_le16_at(p + 8),
			.cmdid = blk_le16_at(p + 10),
			.status = blk_le16_at(p + 12),
			.param_loc = blk_le16_at(p + 14),
			.lba = blk_le64_at(p + 16),
			.nsid = blk_le32_at(p + 24),
			.trtype = p[29],
			.cs_info = blk_le64_at(p + 32),
		};

		/*
		 * 0 marks an empty entry; all ones is no count a controller
		 * reaches and would stand above every later error forever.
		 */
		if (!e.error_count || e.error_count == UINT64_MAX)
			continue;
		if (count_seen(out, n, e.error_count))
			continue;
		out[n++] = e;
	}
	return (int)n;
}

uint64_t blk_nvme_err_max_count(const struct blk_nvme_err_entry *e, unsigned int n)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].error_count > m)
			m = e[i].error_count;
	return m;
}

unsigned int blk_nvme_err_select_new(struct blk_nvme_err_entry *e, unsigned int n,
				     uint64_t since)
{
	unsigned int i, j, k = 0;

	for (i = 0; i < n; i++)
		if (e[i].error_count > since)
			e[k++] = e[i];
	/* Newest first whatever order the controller kept them in (insertion sort: n <= 256). */
	for (i = 1; i < k; i++) {
		struct blk_nvme_err_entry t = e[i];

		for (j = i; j > 0 && e[j - 1].error_count < t.error_count; j--)
			e[j] = e[j - 1];
		e[j] = t;
	}
	return k;
}

int blk_nvme_fdp_stats_parse(const void *buf, size_t len, struct blk_nvme_fdp_stats *s)
{
	const uint8_t *p = buf;

	if (len < BLK_NVME_FDP_STATS_SIZE)
		return -EINVAL;
	s->hbmw = le128_at(p);
	s->mbmw = le128_at(p + 16);
	s->mbe = le128_at(p + 32);
	return 0;
}

int blk_nvme_fdp_events_parse(const void *buf, size_t len, struct blk_nvme_fdp_event *out,
			      unsigned int max)
{
	const uint8_t *p = buf;
	uint32_t nr, i;

	if (len < BLK_NVME_FDP_EVENTS_HDR)
		return -EINVAL;
	nr = blk_le32_at(p);
	if (nr > (len - BLK_NVME_FDP_EVENTS_HDR) / BLK_NVME_FDP_EVENT_SIZE)
		return -EINVAL;
	if (nr > max)
		nr = max;
	p += BLK_NVME_FDP_EVENTS_HDR;
	for (i = 0; i < nr; i++, p += BLK_NVME_FDP_EVENT_SIZE) {
		out[i] = (struct blk_nvme_fdp_event){
			.type = p[0],
			.flags = p[1],
			.pid = blk_le16_at(p + 2),
			.timestamp = blk_le64_at(p + 4),
			.nsid = blk_le32_at(p + 12),
			.rgid = blk_le16_at(p + 32),
			.ruhid = p[34],
		};
	}
	return (int)nr;
}

const char *blk_nvme_fdp_event_name(uint8_t type)
{
	switch (type) {
	case 0x00: return "reclaim unit not fully written";
	case 0x01: return "reclaim unit active time limit exceeded";
	case 0x02: return "controller level reset modified reclaim unit handles";
	case 0x03: return "invalid placement identifier";
	case 0x80: return "media reallocated";
	case 0x81: return "implicitly modified reclaim unit handle";
	default: return "unknown event";
	}
}

/* ---- what changed over a run ---- */

static struct blk_nvme_delta delta(struct blk_nvme_u128 a, struct blk_nvme_u128 b)
{
	struct blk_nvme_delta d = { 0 };

	/* A counter that went backwards was reset (a format, a new controller): no figure. */
	if (a.wide || b.wide || b.v < a.v)
		return d;
	d.valid = true;
	d.v = b.v - a.v;
	return d;
}

void blk_nvme_health_compare(const struct blk_nvme_health_snap *start,
			     const struct blk_nvme_health_snap *end,
			     struct blk_nvme_health_report *r)
{
	memset(r, 0, sizeof(*r));
	if (start->have_smart && end->have_smart) {
		const struct blk_nvme_smart *a = &start->smart, *b = &end->smart;

		r->have_smart = true;
		r->data_units_read = delta(a->data_units_read, b->data_units_read);
		r->data_units_written = delta(a->data_units_written, b->data_units_written);
		r->host_reads = delta(a->host_reads, b->host_reads);
		r->host_writes = delta(a->host_writes, b->host_writes);
		r->media_errors = delta(a->media_errors, b->media_errors);
		r->err_log_entries = delta(a->err_log_entries, b->err_log_entries);
		r->crit_warn_start = a->critical_warning;
		r->crit_warn_end = b->critical_warning;
		r->temp_start = a->temperature;
		r->temp_end = b->temperature;
		r->percent_used = b->percent_used;
		r->avail_spare = b->avail_spare;
	}
	if (start->have_fdp_stats && end->have_fdp_stats) {
		r->have_fdp = true;
		r->host_bytes = delta(start->fdp.hbmw, end->fdp.hbmw);
		r->media_bytes = delta(start->fdp.mbmw, end->fdp.mbmw);
		r->media_erased = delta(start->fdp.mbe, end->fdp.mbe);
		if (r->host_bytes.valid && r->media_bytes.valid && r->host_bytes.v) {
			r->waf_valid = true;
			r->waf = (double)r->media_bytes.v / (double)r->host_bytes.v;
		}
	}
	r->have_fdp_events = start->have_fdp_events && end->have_fdp_events;
}

/* An output buffer that counts what it would have needed, as snprintf does. */
struct out {
	char *buf;
	size_t len, used;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->used < o->len ? o->len - o->used : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

static void put_delta(struct out *o, const struct blk_nvme_delta *d)
{
	if (d->valid)
		put(o, "+%" PRIu64, d->v);
	else
		put(o, "unknown (counter reset or out of range)");
}

static void put_temp(struct out *o, uint16_t k)
{
	if (k)
		put(o, "%u K (%d C)", k, (int)k - 273);
	else
		put(o, "not reported");
}

size_t blk_nvme_health_format(const struct blk_nvme_health_report *r, const char *dev,
			      const char *prefix, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };
	char desc[192];
	unsigned int i;

	if (len)
		buf[0] = '\0';
	put(&o, "%shealth of %s over the run:\n", prefix, dev);
	if (r->have_smart) {
		put(&o, "%s  data units read ", prefix);
		put_delta(&o, &r->data_units_read);
		put(&o, ", written ");
		put_delta(&o, &r->data_units_written);
		put(&o, " (1 unit = 1000 x 512 bytes, rounded up by the controller)\n");
		put(&o, "%s  host read commands ", prefix);
		put_delta(&o, &r->host_reads);
		put(&o, ", host write commands ");
		put_delta(&o, &r->host_writes);
		put(&o, "\n%s  media and data integrity errors ", prefix);
		put_delta(&o, &r->media_errors);
		put(&o, ", error log entries ");
		put_delta(&o, &r->err_log_entries);
		put(&o, "\n%s  critical warning 0x%02x (0x%02x at the start), temperature ",
		    prefix, r->crit_warn_end, r->crit_warn_start);
		put_temp(&o, r->temp_end);
		put(&o, " (");
		put_temp(&o, r->temp_start);
		put(&o, " at the start), %u%% used, %u%% spare\n", r->percent_used, r->avail_spare);
	} else {
		put(&o, "%s  SMART / Health log: not read\n", prefix);
	}
	for (i = 0; i < r->nr_new_errors; i++) {
		const struct blk_nvme_err_entry *e = &r->new_errors[i];

		put(&o, "%s  new error log entry %" PRIu64 ": %s, command id 0x%x on queue %u, LBA %" PRIu64 ", nsid %u\n",
		    prefix, e->error_count,
		    blk_nvme_status_describe(blk_nvme_err_status(e), desc, sizeof(desc)),
		    e->cmdid, e->sqid, e->lba, e->nsid);
	}
	if (r->have_fdp) {
		put(&o, "%s  FDP: host bytes written ", prefix);
		put_delta(&o, &r->host_bytes);
		put(&o, ", media bytes written ");
		put_delta(&o, &r->media_bytes);
		if (r->waf_valid)
			put(&o, ", write amplification %.3f\n", r->waf);
		else
			put(&o, ", write amplification unknown (no host bytes written)\n");
	}
	if (r->have_fdp_events) {
		put(&o, "%s  FDP: %u reclaim unit event(s)\n", prefix, r->nr_new_events);
		for (i = 0; i < r->nr_new_events; i++) {
			const struct blk_nvme_fdp_event *e = &r->new_events[i];

			put(&o, "%s    %s (type 0x%02x), placement id 0x%x, reclaim group %u, handle %u\n",
			    prefix, blk_nvme_fdp_event_name(e->type), e->type, e->pid,
			    e->rgid, e->ruhid);
		}
	}
	return o.used;
}

static void json_delta(struct out *o, const char *name, const struct blk_nvme_delta *d)
{
	if (d->valid)
		put(o, ",\"%s\":%" PRIu64, name, d->v);
	else
		put(o, ",\"%s\":null", name);
}

/* Device paths are the only strings: escape what JSON forbids raw. */
static void json_string(struct out *o, const char *s)
{
	put(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c < 0x20)
			put(o, "\\u%04x", c);
		else
			put(o, "%c", c);
	}
	put(o, "\"");
}

size_t blk_nvme_health_json(const struct blk_nvme_health_report *r, const char *dev,
			    uint32_t nsid, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };
	unsigned int i;

	if (len)
		buf[0] = '\0';
	put(&o, "{\"device\":");
	json_string(&o, dev);
	put(&o, ",\"nsid\":%u", nsid);
	if (r->have_smart) {
		put(&o, ",\"smart\":{\"critical_warning_start\":%u,\"critical_warning_end\":%u",
		    r->crit_warn_start, r->crit_warn_end);
		put(&o, ",\"temperature_start_k\":%u,\"temperature_end_k\":%u", r->temp_start,
		    r->temp_end);
		put(&o, ",\"percent_used\":%u,\"avail_spare\":%u", r->percent_used, r->avail_spare);
		json_delta(&o, "data_units_read", &r->data_units_read);
		json_delta(&o, "data_units_written", &r->data_units_written);
		json_delta(&o, "host_read_commands", &r->host_reads);
		json_delta(&o, "host_write_commands", &r->host_writes);
		json_delta(&o, "media_errors", &r->media_errors);
		json_delta(&o, "error_log_entries", &r->err_log_entries);
		put(&o, "}");
	} else {
		put(&o, ",\"smart\":null");
	}
	put(&o, ",\"new_errors\":[");
	for (i = 0; i < r->nr_new_errors; i++) {
		const struct blk_nvme_err_entry *e = &r->new_errors[i];
		uint32_t st = blk_nvme_err_status(e);

		put(&o, "%s{\"error_count\":%" PRIu64 ",\"status\":%u,\"sct\":%u,\"sc\":%u,\"dnr\":%u,\"cmdid\":%u,\"sqid\":%u,\"lba\":%" PRIu64 ",\"nsid\":%u}",
		    i ? "," : "", e->error_count, st, BLK_NVME_SCT(st), BLK_NVME_SC(st),
		    BLK_NVME_DNR(st), e->cmdid, e->sqid, e->lba, e->nsid);
	}
	put(&o, "]");
	if (r->have_fdp) {
		put(&o, ",\"fdp\":{\"waf\":");
		if (r->waf_valid)
			put(&o, "%.6f", r->waf);
		else
			put(&o, "null");
		json_delta(&o, "host_bytes_written", &r->host_bytes);
		json_delta(&o, "media_bytes_written", &r->media_bytes);
		json_delta(&o, "media_bytes_erased", &r->media_erased);
		if (r->have_fdp_events) {
			put(&o, ",\"events\":[");
			for (i = 0; i < r->nr_new_events; i++) {
				const struct blk_nvme_fdp_event *e = &r->new_events[i];

				put(&o, "%s{\"type\":%u,\"pid\":%u,\"rgid\":%u,\"ruhid\":%u,\"nsid\":%u}",
				    i ? "," : "", e->type, e->pid, e->rgid, e->ruhid, e->nsid);
			}
			put(&o, "]");
		}
		put(&o, "}");
	} else {
		put(&o, ",\"fdp\":null");
	}
	put(&o, "}\n");
	return o.used;
}

unsigned int blk_nvme_fdp_events_select_new(struct blk_nvme_fdp_event *e, unsigned int n,
					    unsigned int start_nr, uint64_t start_ts)
{
	unsigned int i, k = 0;
	bool stamped = start_ts != 0;

	for (i = 0; i < n; i++)
		stamped |= e[i].timestamp != 0;
	if (!stamped) {
		/*
		 * No timestamps to go by: the log only grows until it is full,
		 * so the events past the start's count are the new ones.
		 */
		if (n <= start_nr)
			return 0;
		memmove(e, e + start_nr, (n - start_nr) * sizeof(*e));
		return n - start_nr;
	}
	for (i = 0; i < n; i++)
		if (e[i].timestamp > start_ts)
			e[k++] = e[i];
	return k;
}

uint64_t blk_nvme_fdp_events_last_ts(const struct blk_nvme_fdp_event *e, unsigned int n)
{
	uint64_t m = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].timestamp > m)
			m = e[i].timestamp;
	return m;
}
