// SPDX-License-Identifier: GPL-2.0-only
/*
 * Log page parsing (common/nvme_log.c) on constructed pages laid out as
 * NVMe Base 2.0 and TP4146 (FDP) describe them, malformed pages included.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_log.h"
#include "unit.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static void test_get_log_cmd(void)
{
	struct blk_nvme_get_log c;

	/* SMART: 512 bytes = 128 dwords, NUMD 127 in NUMDL (bits 31:16), RAE bit 15 */
	CHECK_EQ(blk_nvme_get_log_cmd(BLK_NVME_LID_SMART, 0, 0, 512, 0, &c), 0);
	CHECK_EQ(c.cdw10, 0x02u | 1u << 15 | 127u << 16);
	CHECK_EQ(c.cdw11, 0);
	/* FDP events, controller events (LSP 1), endurance group 1 in LSI */
	CHECK_EQ(blk_nvme_get_log_cmd(BLK_NVME_LID_FDP_EVENTS, 1, 1, 4096, 0, &c), 0);
	CHECK_EQ(c.cdw10, 0x23u | 1u << 8 | 1u << 15 | 1023u << 16);
	CHECK_EQ(c.cdw11, 1u << 16);
	/* NUMD above 16 bits goes to NUMDU; the offset splits over cdw12/13 */
	CHECK_EQ(blk_nvme_get_log_cmd(0x01, 0, 0, 0x40000 * 4, 0x100000004ull, &c), 0);
	CHECK_EQ(c.cdw10 >> 16, 0xffffu);
	CHECK_EQ(c.cdw11 & 0xffff, 0x3u);
	CHECK_EQ(c.cdw12, 4);
	CHECK_EQ(c.cdw13, 1);
	/* refused: no bytes, not dwords, unaligned offset, LSP over 4 bits */
	CHECK_EQ(blk_nvme_get_log_cmd(0x02, 0, 0, 0, 0, &c), -EINVAL);
	CHECK_EQ(blk_nvme_get_log_cmd(0x02, 0, 0, 510, 0, &c), -EINVAL);
	CHECK_EQ(blk_nvme_get_log_cmd(0x02, 0, 0, 512, 2, &c), -EINVAL);
	CHECK_EQ(blk_nvme_get_log_cmd(0x02, 0x10, 0, 512, 0, &c), -EINVAL);
}

static void test_caps(void)
{
	uint8_t id[4096] = { 0 };
	struct blk_nvme_log_caps caps;
	uint16_t endgid = 7;

	memcpy(id + 4, "blkvm0              ", 20);
	memcpy(id + 24, "QEMU NVMe Ctrl                          ", 40);
	put32(id + 96, 1u << 19);	/* CTRATT.FDPS */
	id[261] = 0x0f;
	id[262] = 63;			/* ELPE: 64 entries */
	CHECK_EQ(blk_nvme_log_caps_parse(id, sizeof(id), &caps), 0);
	CHECK_EQ(caps.err_entries, 64);
	CHECK(caps.fdp);
	CHECK_EQ(caps.lpa, 0x0f);
	CHECK_STR(caps.sn, "blkvm0");
	CHECK_STR(caps.mn, "QEMU NVMe Ctrl");
	/* ELPE 255 is the most: 256 entries */
	id[262] = 255;
	put32(id + 96, 0);
	CHECK_EQ(blk_nvme_log_caps_parse(id, sizeof(id), &caps), 0);
	CHECK_EQ(caps.err_entries, BLK_NVME_ERR_MAX_ENTRIES);
	CHECK(!caps.fdp);
	/* an image cut short of ELPE */
	CHECK_EQ(blk_nvme_log_caps_parse(id, 262, &caps), -EINVAL);
	/* non-printable bytes in strings do not reach the output raw */
	id[4] = 0x07;
	CHECK_EQ(blk_nvme_log_caps_parse(id, sizeof(id), &caps), 0);
	CHECK_EQ(caps.sn[0], '?');

	put16(id + 102, 1);
	CHECK_EQ(blk_nvme_ns_endgid(id, sizeof(id), &endgid), 0);
	CHECK_EQ(endgid, 1);
	CHECK_EQ(blk_nvme_ns_endgid(id, 103, &endgid), -EINVAL);
}

static void smart_page(uint8_t *p, uint64_t du_read, uint64_t du_written, uint64_t reads,
		       uint64_t writes, uint64_t media, uint64_t errs)
{
	memset(p, 0, BLK_NVME_SMART_SIZE);
	p[0] = 0;
	put16(p + 1, 323);
	p[3] = 100;
	p[4] = 10;
	p[5] = 3;
	put64(p + 32, du_read);
	put64(p + 48, du_written);
	put64(p + 64, reads);
	put64(p + 80, writes);
	put64(p + 160, media);
	put64(p + 176, errs);
}

static void test_smart(void)
{
	uint8_t p[BLK_NVME_SMART_SIZE];
	struct blk_nvme_smart s;

	smart_page(p, 11, 22, 33, 44, 5, 6);
	p[0] = 0x04;
	put64(p + 112, 9);	/* power cycles */
	put64(p + 144, 2);	/* unsafe shutdowns */
	CHECK_EQ(blk_nvme_smart_parse(p, sizeof(p), &s), 0);
	CHECK_EQ(s.critical_warning, 0x04);
	CHECK_EQ(s.temperature, 323);
	CHECK_EQ(s.avail_spare, 100);
	CHECK_EQ(s.spare_thresh, 10);
	CHECK_EQ(s.percent_used, 3);
	CHECK_EQ(s.data_units_read.v, 11);
	CHECK_EQ(s.data_units_written.v, 22);
	CHECK_EQ(s.host_reads.v, 33);
	CHECK_EQ(s.host_writes.v, 44);
	CHECK_EQ(s.media_errors.v, 5);
	CHECK_EQ(s.err_log_entries.v, 6);
	CHECK_EQ(s.power_cycles.v, 9);
	CHECK_EQ(s.unsafe_shutdowns.v, 2);
	CHECK(!s.data_units_written.wide);
	/* a 128-bit counter beyond 64 bits saturates and says so */
	put64(p + 56, 1);
	CHECK_EQ(blk_nvme_smart_parse(p, sizeof(p), &s), 0);
	CHECK(s.data_units_written.wide);
	CHECK_EQ(s.data_units_written.v, UINT64_MAX);
	/* a short page */
	CHECK_EQ(blk_nvme_smart_parse(p, 511, &s), -EINVAL);
}

static void err_entry(uint8_t *p, uint64_t count, uint16_t cmdid, uint16_t status, uint64_t lba,
		      uint32_t nsid)
{
	memset(p, 0, BLK_NVME_ERR_ENTRY_SIZE);
	put64(p, count);
	put16(p + 8, 1);
	put16(p + 10, cmdid);
	put16(p + 12, (uint16_t)(status << 1 | 1));	/* phase tag in bit 0 */
	put64(p + 16, lba);
	put32(p + 24, nsid);
}

static void test_error_log(void)
{
	uint8_t p[8 * BLK_NVME_ERR_ENTRY_SIZE] = { 0 };
	struct blk_nvme_err_entry e[8];
	int n;

	/* newest first as controllers keep them, then an empty slot */
	err_entry(p, 7, 0x21, 0x281, 128, 6);
	err_entry(p + 64, 5, 0x11, 0x280, 0, 5);
	err_entry(p + 128, 6, 0x12, 0x281, 64, 6);
	n = blk_nvme_err_parse(p, sizeof(p), 8, e, 8);
	CHECK_EQ(n, 3);
	CHECK_EQ(e[0].error_count, 7);
	CHECK_EQ(e[0].cmdid, 0x21);
	CHECK_EQ(blk_nvme_err_status(&e[0]), 0x281);
	CHECK_EQ(e[0].lba, 128);
	CHECK_EQ(e[0].nsid, 6);
	CHECK_EQ(e[0].sqid, 1);
	CHECK_EQ(blk_nvme_err_max_count(e, (unsigned int)n), 7);
	/* entries above 5 are new, sorted newest first */
	CHECK_EQ(blk_nvme_err_select_new(e, (unsigned int)n, 5), 2);
	CHECK_EQ(e[0].error_count, 7);
	CHECK_EQ(e[1].error_count, 6);
	CHECK_EQ(e[1].lba, 64);

	/* the controller keeps 2 entries (ELPE 1): bytes past them are ignored */
	n = blk_nvme_err_parse(p, sizeof(p), 2, e, 8);
	CHECK_EQ(n, 2);
	/* the caller's room bounds it too */
	n = blk_nvme_err_parse(p, sizeof(p), 8, e, 1);
	CHECK_EQ(n, 1);
	/* duplicate and all-ones counts are dropped */
	err_entry(p + 192, 7, 0x99, 0x2, 0, 1);
	err_entry(p + 256, UINT64_MAX, 0x98, 0x2, 0, 1);
	n = blk_nvme_err_parse(p, sizeof(p), 8, e, 8);
	CHECK_EQ(n, 3);
	CHECK_EQ(blk_nvme_err_max_count(e, (unsigned int)n), 7);
	/* less than one entry, or a controller claiming no entries */
	CHECK_EQ(blk_nvme_err_parse(p, 63, 8, e, 8), -EINVAL);
	CHECK_EQ(blk_nvme_err_parse(p, sizeof(p), 0, e, 8), -EINVAL);
	/* an empty log */
	memset(p, 0, sizeof(p));
	CHECK_EQ(blk_nvme_err_parse(p, sizeof(p), 8, e, 8), 0);
	CHECK_EQ(blk_nvme_err_max_count(e, 0), 0);
}

static void test_fdp(void)
{
	uint8_t st[64] = { 0 };
	uint8_t ev[BLK_NVME_FDP_EVENTS_HDR + 4 * BLK_NVME_FDP_EVENT_SIZE] = { 0 };
	struct blk_nvme_fdp_event e[4];
	struct blk_nvme_fdp_stats s;
	int i;

	put64(st, 4096 * 10);
	put64(st + 16, 4096 * 25);
	put64(st + 32, 1 << 20);
	CHECK_EQ(blk_nvme_fdp_stats_parse(st, sizeof(st), &s), 0);
	CHECK_EQ(s.hbmw.v, 40960);
	CHECK_EQ(s.mbmw.v, 102400);
	CHECK_EQ(s.mbe.v, 1 << 20);
	CHECK_EQ(blk_nvme_fdp_stats_parse(st, 63, &s), -EINVAL);

	put32(ev, 2);
	for (i = 0; i < 2; i++) {
		uint8_t *p = ev + 64 + 64 * i;

		p[0] = i ? 0x80 : 0x00;
		p[1] = 0x7;
		put16(p + 2, (uint16_t)(0x10 + i));
		put64(p + 4, 1000 + (uint64_t)i);
		put32(p + 12, 1);
		put16(p + 32, 0);
		p[34] = (uint8_t)(3 + i);
	}
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, sizeof(ev), e, 4), 2);
	CHECK_EQ(e[0].type, 0);
	CHECK_EQ(e[0].pid, 0x10);
	CHECK_EQ(e[0].timestamp, 1000);
	CHECK_EQ(e[0].nsid, 1);
	CHECK_EQ(e[1].ruhid, 4);
	CHECK_STR(blk_nvme_fdp_event_name(e[1].type), "media reallocated");
	CHECK_STR(blk_nvme_fdp_event_name(0x42), "unknown event");
	CHECK_EQ(blk_nvme_fdp_events_last_ts(e, 2), 1001);
	/* the count claims more events than the page holds: malformed */
	put32(ev, 5);
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, sizeof(ev), e, 4), -EINVAL);
	put32(ev, UINT32_MAX);
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, sizeof(ev), e, 4), -EINVAL);
	/* a page without its header */
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, 63, e, 4), -EINVAL);
	/* more than the caller has room for: bounded */
	put32(ev, 4);
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, sizeof(ev), e, 3), 3);

	/* new events by timestamp */
	put32(ev, 2);
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, sizeof(ev), e, 4), 2);
	CHECK_EQ(blk_nvme_fdp_events_select_new(e, 2, 1, 1000), 1);
	CHECK_EQ(e[0].timestamp, 1001);
	/* without timestamps: by count */
	CHECK_EQ(blk_nvme_fdp_events_parse(ev, sizeof(ev), e, 4), 2);
	e[0].timestamp = e[1].timestamp = 0;
	CHECK_EQ(blk_nvme_fdp_events_select_new(e, 2, 1, 0), 1);
	CHECK_EQ(e[0].type, 0x80);
	CHECK_EQ(blk_nvme_fdp_events_select_new(e, 2, 3, 0), 0);
}

static void test_compare_and_format(void)
{
	uint8_t a[BLK_NVME_SMART_SIZE], b[BLK_NVME_SMART_SIZE];
	struct blk_nvme_health_snap s0 = { 0 }, s1 = { 0 };
	struct blk_nvme_health_report r;
	struct blk_nvme_err_entry err = {
		.error_count = 9, .sqid = 1, .cmdid = 0x2a, .status = 0x281 << 1,
		.lba = 256, .nsid = 6,
	};
	char text[2048], json[2048];
	size_t need;

	smart_page(a, 100, 200, 1000, 2000, 0, 4);
	smart_page(b, 100, 2248, 1000, 3024, 1, 5);
	CHECK_EQ(blk_nvme_smart_parse(a, sizeof(a), &s0.smart), 0);
	CHECK_EQ(blk_nvme_smart_parse(b, sizeof(b), &s1.smart), 0);
	s0.have_smart = s1.have_smart = true;
	s0.have_fdp_stats = s1.have_fdp_stats = true;
	s0.fdp.hbmw.v = 1000;
	s0.fdp.mbmw.v = 1000;
	s1.fdp.hbmw.v = 1000 + 8 * 1048576;
	s1.fdp.mbmw.v = 1000 + 12 * 1048576;
	blk_nvme_health_compare(&s0, &s1, &r);
	CHECK(r.have_smart);
	CHECK(r.data_units_written.valid);
	CHECK_EQ(r.data_units_written.v, 2048);
	CHECK_EQ(r.data_units_read.v, 0);
	CHECK_EQ(r.host_writes.v, 1024);
	CHECK_EQ(r.media_errors.v, 1);
	CHECK_EQ(r.err_log_entries.v, 1);
	CHECK(r.have_fdp);
	CHECK(r.waf_valid);
	CHECK(r.waf > 1.499 && r.waf < 1.501);
	CHECK(!r.have_fdp_events);

	r.new_errors = &err;
	r.nr_new_errors = 1;
	need = blk_nvme_health_format(&r, "/dev/ng0n1 (nsid 1)", "blkengine: ", text, sizeof(text));
	CHECK(need < sizeof(text));
	CHECK(strstr(text, "blkengine: health of /dev/ng0n1 (nsid 1) over the run:\n") == text);
	CHECK(strstr(text, "data units read +0, written +2048") != NULL);
	CHECK(strstr(text, "host write commands +1024") != NULL);
	CHECK(strstr(text, "new error log entry 9: NVMe status 0x281") != NULL);
	CHECK(strstr(text, "command id 0x2a on queue 1, LBA 256, nsid 6") != NULL);
	CHECK(strstr(text, "write amplification 1.500") != NULL);
	CHECK(strstr(text, "temperature 323 K (50 C)") != NULL);
	/* a short buffer: truncated, NUL-terminated, the length needed returned */
	CHECK_EQ(blk_nvme_health_format(&r, "/dev/ng0n1 (nsid 1)", "blkengine: ", text, 16), need);
	CHECK_EQ(strlen(text), 15);
	CHECK_EQ(blk_nvme_health_format(&r, "/dev/ng0n1 (nsid 1)", "blkengine: ", NULL, 0), need);

	need = blk_nvme_health_json(&r, "/dev/ng\"0n1", 1, json, sizeof(json));
	CHECK(need < sizeof(json));
	CHECK(strstr(json, "{\"device\":\"/dev/ng\\\"0n1\",\"nsid\":1,") == json);
	CHECK(strstr(json, "\"data_units_written\":2048") != NULL);
	CHECK(strstr(json, "\"host_write_commands\":1024") != NULL);
	CHECK(strstr(json, "\"new_errors\":[{\"error_count\":9,\"status\":641,\"sct\":2,\"sc\":129,\"dnr\":0,\"cmdid\":42,\"sqid\":1,\"lba\":256,\"nsid\":6}]") != NULL);
	CHECK(strstr(json, "\"waf\":1.500000") != NULL);
	CHECK(json[need - 1] == '\n');

	/* a counter that went backwards (a reset) or sits beyond 64 bits: unknown, not wrapped */
	s1.smart.host_writes.v = 10;
	s1.fdp.mbmw.wide = true;
	blk_nvme_health_compare(&s0, &s1, &r);
	CHECK(!r.host_writes.valid);
	CHECK(!r.media_bytes.valid);
	CHECK(!r.waf_valid);
	blk_nvme_health_format(&r, "d", "", text, sizeof(text));
	CHECK(strstr(text, "host write commands unknown") != NULL);
	CHECK(strstr(text, "write amplification unknown") != NULL);
	blk_nvme_health_json(&r, "d", 1, json, sizeof(json));
	CHECK(strstr(json, "\"host_write_commands\":null") != NULL);
	CHECK(strstr(json, "\"waf\":null") != NULL);

	/* no host bytes written: no WAF figure */
	s1 = s0;
	blk_nvme_health_compare(&s0, &s1, &r);
	CHECK(r.have_fdp && !r.waf_valid);
	/* a page read at one end only is not compared */
	s1.have_smart = false;
	s1.have_fdp_stats = false;
	blk_nvme_health_compare(&s0, &s1, &r);
	CHECK(!r.have_smart && !r.have_fdp);
	blk_nvme_health_json(&r, "d", 1, json, sizeof(json));
	CHECK(strstr(json, "\"smart\":null") != NULL);
	CHECK(strstr(json, "\"fdp\":null") != NULL);
}

int main(void)
{
	test_get_log_cmd();
	test_caps();
	test_smart();
	test_error_log();
	test_fdp();
	test_compare_and_format();
	return unit_end();
}
