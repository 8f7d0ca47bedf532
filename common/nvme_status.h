/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NVMe completion status decoding.
 *
 * A status here is what the kernel returns as a positive cqe->res for an
 * NVMe passthrough command: the CQE status field without its phase bit,
 * SC in bits 0-7, SCT in 8-10, CRD in 11-12, More in 13, DNR in 14.
 */
#ifndef BLK_NVME_STATUS_H
#define BLK_NVME_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define BLK_NVME_SC(status)	((status) & 0xffu)
#define BLK_NVME_SCT(status)	(((status) >> 8) & 0x7u)
#define BLK_NVME_CRD(status)	(((status) >> 11) & 0x3u)
#define BLK_NVME_MORE(status)	(((status) >> 13) & 0x1u)
#define BLK_NVME_DNR(status)	(((status) >> 14) & 0x1u)

/* "LBA Out of Range", ...; NULL for a code the spec does not name. */
const char *blk_nvme_status_name(uint32_t status);

/* "Generic Command Status", "Media and Data Integrity Errors", ... */
const char *blk_nvme_sct_name(uint32_t status);

/* The positive errno that best matches the status (EIO by default). */
int blk_nvme_status_errno(uint32_t status);

/*
 * One line fio can print, e.g. "NVMe status 0x281: Unrecovered Read Error
 * (SCT 0x2 Media and Data Integrity Errors, SC 0x81)". Returns buf.
 */
char *blk_nvme_status_describe(uint32_t status, char *buf, size_t len);

#endif
