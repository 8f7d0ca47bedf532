// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe status decoding: every 32-bit value a completion can carry (a
 * positive status from the kernel, garbage in the upper bits included)
 * must give a name or NULL, an errno, and a NUL-terminated description
 * that fits any buffer size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvme_status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[256];
	uint32_t status = 0;
	size_t len, i;
	const char *name;
	char *ret;
	int err;

	if (size < 4)
		return 0;
	memcpy(&status, data, 4);
	/* The buffer size to describe into: 0 to sizeof(buf). */
	len = size > 4 ? data[4] % (sizeof(buf) + 1) : sizeof(buf);

	name = blk_nvme_status_name(status);
	if (name && !*name)
		abort();
	name = blk_nvme_sct_name(status);
	if (!name || !*name)
		abort();
	/* Success (SCT 0, SC 0, whatever DNR/More say) and only success maps to 0. */
	err = blk_nvme_status_errno(status);
	if (err < 0 || err > 4095 || !err != !(BLK_NVME_SC(status) | BLK_NVME_SCT(status)))
		abort();

	memset(buf, 0x5a, sizeof(buf));
	ret = blk_nvme_status_describe(status, buf, len);
	if (len) {
		if (ret != buf || !memchr(buf, '\0', len))
			abort();
	}
	/* Not a byte past len may be touched. */
	for (i = len; i < sizeof(buf); i++)
		if (buf[i] != 0x5a)
			abort();
	return 0;
}
