// SPDX-License-Identifier: GPL-2.0-only
/*
 * Identify Controller + Identify Namespace parsing from device-provided
 * images: any content must be refused with a reason or give a namespace
 * whose geometry the engine can use without dividing by zero or
 * overflowing (a power-of-two block, a transfer limit that is a non-zero
 * multiple of the block size, a capacity that fits in 64 bits), or one
 * blk_nvme_ns_geom() refuses with a reason.
 *
 * Input: 12 bytes of parameters (nsid, min_page shift in the low 4 bits
 * and the kernel's segment limit above them, kernel byte limit), then the
 * two images back to back; missing bytes are zero.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_ns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ctrl[BLK_NVME_IDENTIFY_SIZE], id_ns[BLK_NVME_IDENTIFY_SIZE];
	uint32_t params[3] = { 0 }, min_page;
	struct blk_nvme_ns ns;
	struct blk_geom g;
	bool strip, aligned;
	int variant;
	char msg[160];
	size_t n;
	int ret;

	memcpy(params, data, size < sizeof(params) ? size : sizeof(params));
	data += size < sizeof(params) ? size : sizeof(params);
	size -= size < sizeof(params) ? size : sizeof(params);
	memset(ctrl, 0, sizeof(ctrl));
	memset(id_ns, 0, sizeof(id_ns));
	n = size < sizeof(ctrl) ? size : sizeof(ctrl);
	memcpy(ctrl, data, n);
	data += n;
	size -= n;
	memcpy(id_ns, data, size < sizeof(id_ns) ? size : sizeof(id_ns));

	/* Pages of 4 KiB to 128 MiB, as CAP.MPSMIN allows. */
	min_page = 4096u << (params[1] % 16);
	msg[0] = '\0';
	memset(&ns, 0, sizeof(ns));
	ret = blk_nvme_ns_parse(ctrl, id_ns, params[0], min_page, params[2], &ns,
				msg, sizeof(msg));
	if (!memchr(msg, '\0', sizeof(msg)))
		abort();
	if (ret) {
		if (ret != -ENXIO && ret != -EINVAL && ret != -EOPNOTSUPP)
			abort();
		if (!msg[0])
			abort();	/* a refusal must say why */
		return 0;
	}
	if (!ns.lba_size || ns.lba_size != 1u << ns.lba_shift || ns.lba_size < 512)
		abort();
	ns.kernel_max_segments = params[1] >> 4;
	/* each of PI strip and page-aligned buffers, on and off */
	for (variant = 0; variant < 4; variant++) {
		strip = variant & 1;
		aligned = variant & 2;
		msg[0] = '\0';
		ret = blk_nvme_ns_geom(&ns, strip, aligned, &g, msg, sizeof(msg));
		if (ret) {
			if ((ret != -EOPNOTSUPP && ret != -EOVERFLOW) || !msg[0])
				abort();
			continue;
		}
		if (g.block != (ns.extended_lba && !strip ? ns.lba_size + ns.ms : ns.lba_size))
			abort();
		if (!g.max_xfer || g.max_xfer % g.block || g.max_xfer / g.block > BLK_NVME_MAX_NLB)
			abort();
		if (ns.kernel_max_bytes && g.max_xfer > ns.kernel_max_bytes)
			abort();
		if (ns.mdts_bytes && g.max_xfer > ns.mdts_bytes)
			abort();
		if (ns.kernel_max_segments &&
		    g.max_xfer > blk_nvme_segment_bytes(ns.kernel_max_segments, aligned))
			abort();
		if (g.capacity / g.block != ns.nsze)
			abort();
	}
	/* DPS values 4-7 are reserved; they pass through as read (see nvme_target.c). */
	if (ns.pi_type > 7 || ns.lbaf > 63)
		abort();
	(void)blk_nvme_mdts_bytes(ctrl[77], min_page);
	return 0;
}
