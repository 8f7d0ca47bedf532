// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe status decoding: a table of codes from the NVMe Base and NVM
 * Command Set specifications (numbers written out here, not taken from
 * the headers the decoder uses), flags, errno mapping, unknown codes.
 */
#include <errno.h>
#include <stdint.h>

#include "nvme_status.h"
#include "unit.h"

struct known {
	uint32_t status;
	const char *name;
	int err;
};

static const struct known known[] = {
	{ 0x000, "Successful Completion", 0 },
	{ 0x001, "Invalid Command Opcode", EINVAL },
	{ 0x002, "Invalid Field in Command", EINVAL },
	{ 0x003, "Command ID Conflict", EIO },
	{ 0x004, "Data Transfer Error", EIO },
	{ 0x005, "Commands Aborted due to Power Loss Notification", EIO },
	{ 0x006, "Internal Error", EIO },
	{ 0x007, "Command Abort Requested", ECANCELED },
	{ 0x008, "Command Aborted due to SQ Deletion", ECANCELED },
	{ 0x009, "Command Aborted due to Failed Fused Command", EIO },
	{ 0x00a, "Command Aborted due to Missing Fused Command", EIO },
	{ 0x00b, "Invalid Namespace or Format", EINVAL },
	{ 0x00c, "Command Sequence Error", EIO },
	{ 0x00d, "Invalid SGL Segment Descriptor", EIO },
	{ 0x00e, "Invalid Number of SGL Descriptors", EIO },
	{ 0x00f, "Data SGL Length Invalid", EIO },
	{ 0x010, "Metadata SGL Length Invalid", EIO },
	{ 0x011, "SGL Descriptor Type Invalid", EIO },
	{ 0x012, "Invalid Use of Controller Memory Buffer", EIO },
	{ 0x013, "PRP Offset Invalid", EIO },
	{ 0x020, "Namespace is Write Protected", EROFS },
	{ 0x021, "Command Interrupted", EINTR },
	{ 0x022, "Transient Transport Error", EIO },
	{ 0x080, "LBA Out of Range", ERANGE },
	{ 0x081, "Capacity Exceeded", ENOSPC },
	{ 0x082, "Namespace Not Ready", EAGAIN },
	{ 0x083, "Reservation Conflict", EBADE },
	{ 0x084, "Format In Progress", EAGAIN },
	{ 0x10a, "Invalid Format", EINVAL },
	{ 0x180, "Conflicting Attributes", EINVAL },
	{ 0x181, "Invalid Protection Information", EINVAL },
	{ 0x182, "Attempted Write to Read Only Range", EROFS },
	/* Zoned Namespace Command Set, Command Specific status values */
	{ 0x1b8, "Zone Boundary Error", EINVAL },
	{ 0x1b9, "Zone Is Full", ENOSPC },
	{ 0x1ba, "Zone Is Read Only", EROFS },
	{ 0x1bb, "Zone Is Offline", EIO },
	{ 0x1bc, "Zone Invalid Write", EINVAL },
	{ 0x1bd, "Too Many Active Zones", EOVERFLOW },
	{ 0x1be, "Too Many Open Zones", ETOOMANYREFS },
	{ 0x1bf, "Invalid Zone State Transition", EIO },
	{ 0x41b9, "Zone Is Full", ENOSPC },
	{ 0x280, "Write Fault", EIO },
	{ 0x281, "Unrecovered Read Error", EIO },
	{ 0x282, "End-to-end Guard Check Error", EILSEQ },
	{ 0x283, "End-to-end Application Tag Check Error", EILSEQ },
	{ 0x284, "End-to-end Reference Tag Check Error", EILSEQ },
	{ 0x285, "Compare Failure", EILSEQ },
	{ 0x286, "Access Denied", EACCES },
	{ 0x287, "Deallocated or Unwritten Logical Block", ENODATA },
	{ 0x300, "Internal Path Error", ENOLINK },
	{ 0x303, "Asymmetric Access Transition", ENOLINK },
	{ 0x370, "Host Pathing Error", ENOLINK },
	/* flags do not change the code */
	{ 0x4002, "Invalid Field in Command", EINVAL },
	{ 0x6281, "Unrecovered Read Error", EIO },
	{ 0x1880, "LBA Out of Range", ERANGE },
};

static void test_known(void)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		printf("     status 0x%x\n", known[i].status);
		CHECK_STR(blk_nvme_status_name(known[i].status), known[i].name);
		CHECK_EQ(blk_nvme_status_errno(known[i].status), known[i].err);
	}
}

static void test_fields(void)
{
	CHECK_EQ(BLK_NVME_SC(0x4281), 0x81);
	CHECK_EQ(BLK_NVME_SCT(0x4281), 2);
	CHECK_EQ(BLK_NVME_DNR(0x4281), 1);
	CHECK_EQ(BLK_NVME_MORE(0x2000), 1);
	CHECK_EQ(BLK_NVME_CRD(0x1800), 3);
	CHECK_EQ(BLK_NVME_DNR(0x3fff), 0);

	CHECK_STR(blk_nvme_sct_name(0x002), "Generic Command Status");
	CHECK_STR(blk_nvme_sct_name(0x180), "Command Specific Status");
	CHECK_STR(blk_nvme_sct_name(0x281), "Media and Data Integrity Errors");
	CHECK_STR(blk_nvme_sct_name(0x300), "Path Related Status");
	CHECK_STR(blk_nvme_sct_name(0x500), "Reserved Status Code Type");
	CHECK_STR(blk_nvme_sct_name(0x7c0), "Vendor Specific");
}

static void test_unknown(void)
{
	/* codes the spec leaves reserved, and vendor specific ones */
	CHECK(blk_nvme_status_name(0x0ff) == NULL);
	CHECK(blk_nvme_status_name(0x2ff) == NULL);
	CHECK(blk_nvme_status_name(0x7c0) == NULL);
	CHECK(blk_nvme_status_name(0x401) == NULL);
	CHECK_EQ(blk_nvme_status_errno(0x0ff), EIO);
	CHECK_EQ(blk_nvme_status_errno(0x7c0), EIO);
	CHECK_EQ(blk_nvme_status_errno(0x2ff), EIO);
	/* bits above DNR are not part of the status; still no crash */
	CHECK_STR(blk_nvme_status_name(0xffff0281), "Unrecovered Read Error");
}

static void test_describe(void)
{
	char buf[256], small[16];

	CHECK_STR(blk_nvme_status_describe(0x281, buf, sizeof(buf)),
		  "NVMe status 0x281: Unrecovered Read Error (SCT 0x2 Media and Data Integrity Errors, SC 0x81)");
	CHECK_STR(blk_nvme_status_describe(0x280, buf, sizeof(buf)),
		  "NVMe status 0x280: Write Fault (SCT 0x2 Media and Data Integrity Errors, SC 0x80)");
	CHECK_STR(blk_nvme_status_describe(0x4002, buf, sizeof(buf)),
		  "NVMe status 0x4002: Invalid Field in Command (SCT 0x0 Generic Command Status, SC 0x2, DNR)");
	CHECK_STR(blk_nvme_status_describe(0x7880, buf, sizeof(buf)),
		  "NVMe status 0x7880: LBA Out of Range (SCT 0x0 Generic Command Status, SC 0x80, DNR, More, CRD 3)");
	CHECK_STR(blk_nvme_status_describe(0x41bc, buf, sizeof(buf)),
		  "NVMe status 0x41bc: Zone Invalid Write (SCT 0x1 Command Specific Status, SC 0xbc, DNR)");
	CHECK_STR(blk_nvme_status_describe(0x0ff, buf, sizeof(buf)),
		  "NVMe status 0xff: Unknown status code 0xff (SCT 0x0 Generic Command Status, SC 0xff)");
	CHECK_STR(blk_nvme_status_describe(0x7c1, buf, sizeof(buf)),
		  "NVMe status 0x7c1: Unknown status code 0xc1 (SCT 0x7 Vendor Specific, SC 0xc1)");

	/* truncation keeps a terminated string */
	memset(small, 'x', sizeof(small));
	blk_nvme_status_describe(0x281, small, sizeof(small));
	CHECK_STR(small, "NVMe status 0x2");
	CHECK(blk_nvme_status_describe(0x281, small, 0) == small);
}

int main(void)
{
	test_known();
	test_fields();
	test_unknown();
	test_describe();
	return unit_end();
}
