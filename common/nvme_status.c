// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe completion status decoding: names from the NVMe Base and NVM Command
 * Set specifications, keyed by libnvme's status code constants.
 */
#include <errno.h>
#include <stdio.h>
#include <nvme/types.h>

#include "nvme_status.h"

struct blk_sc_name {
	uint8_t sc;
	const char *name;
};

static const struct blk_sc_name blk_sc_generic[] = {
	{ NVME_SC_SUCCESS,		"Successful Completion" },
	{ NVME_SC_INVALID_OPCODE,	"Invalid Command Opcode" },
	{ NVME_SC_INVALID_FIELD,	"Invalid Field in Command" },
	{ NVME_SC_CMDID_CONFLICT,	"Command ID Conflict" },
	{ NVME_SC_DATA_XFER_ERROR,	"Data Transfer Error" },
	{ NVME_SC_POWER_LOSS,		"Commands Aborted due to Power Loss Notification" },
	{ NVME_SC_INTERNAL,		"Internal Error" },
	{ NVME_SC_ABORT_REQ,		"Command Abort Requested" },
	{ NVME_SC_ABORT_QUEUE,		"Command Aborted due to SQ Deletion" },
	{ NVME_SC_FUSED_FAIL,		"Command Aborted due to Failed Fused Command" },
	{ NVME_SC_FUSED_MISSING,	"Command Aborted due to Missing Fused Command" },
	{ NVME_SC_INVALID_NS,		"Invalid Namespace or Format" },
	{ NVME_SC_CMD_SEQ_ERROR,	"Command Sequence Error" },
	{ NVME_SC_SGL_INVALID_LAST,	"Invalid SGL Segment Descriptor" },
	{ NVME_SC_SGL_INVALID_COUNT,	"Invalid Number of SGL Descriptors" },
	{ NVME_SC_SGL_INVALID_DATA,	"Data SGL Length Invalid" },
	{ NVME_SC_SGL_INVALID_METADATA,	"Metadata SGL Length Invalid" },
	{ NVME_SC_SGL_INVALID_TYPE,	"SGL Descriptor Type Invalid" },
	{ NVME_SC_CMB_INVALID_USE,	"Invalid Use of Controller Memory Buffer" },
	{ NVME_SC_PRP_INVALID_OFFSET,	"PRP Offset Invalid" },
	{ NVME_SC_AWU_EXCEEDED,		"Atomic Write Unit Exceeded" },
	{ NVME_SC_OP_DENIED,		"Operation Denied" },
	{ NVME_SC_SGL_INVALID_OFFSET,	"SGL Offset Invalid" },
	{ NVME_SC_HOSTID_FORMAT,	"Host Identifier Inconsistent Format" },
	{ NVME_SC_KAT_EXPIRED,		"Keep Alive Timer Expired" },
	{ NVME_SC_KAT_INVALID,		"Keep Alive Timeout Invalid" },
	{ NVME_SC_CMD_ABORTED_PREMEPT,	"Command Aborted due to Preempt and Abort" },
	{ NVME_SC_SANITIZE_FAILED,	"Sanitize Failed" },
	{ NVME_SC_SANITIZE_IN_PROGRESS,	"Sanitize In Progress" },
	{ NVME_SC_SGL_INVALID_GRANULARITY, "SGL Data Block Granularity Invalid" },
	{ NVME_SC_CMD_IN_CMBQ_NOT_SUPP,	"Command Not Supported for Queue in CMB" },
	{ NVME_SC_NS_WRITE_PROTECTED,	"Namespace is Write Protected" },
	{ NVME_SC_CMD_INTERRUPTED,	"Command Interrupted" },
	{ NVME_SC_TRAN_TPORT_ERROR,	"Transient Transport Error" },
	{ NVME_SC_PROHIBITED_BY_CMD_AND_FEAT, "Command Prohibited by Command and Feature Lockdown" },
	{ NVME_SC_ADMIN_CMD_MEDIA_NOT_READY, "Admin Command Media Not Ready" },
	{ NVME_SC_LBA_RANGE,		"LBA Out of Range" },
	{ NVME_SC_CAP_EXCEEDED,		"Capacity Exceeded" },
	{ NVME_SC_NS_NOT_READY,		"Namespace Not Ready" },
	{ NVME_SC_RESERVATION_CONFLICT,	"Reservation Conflict" },
	{ NVME_SC_FORMAT_IN_PROGRESS,	"Format In Progress" },
};

/*
 * Command specific codes depend on the opcode; the admin ones below 0x80
 * and the NVM / Zoned Namespace I/O ones from 0x80 do not collide, except
 * with Fabrics commands, which an I/O engine never sends.
 */
static const struct blk_sc_name blk_sc_cmd_specific[] = {
	{ NVME_SC_CQ_INVALID,		"Completion Queue Invalid" },
	{ NVME_SC_QID_INVALID,		"Invalid Queue Identifier" },
	{ NVME_SC_QUEUE_SIZE,		"Invalid Queue Size" },
	{ NVME_SC_ABORT_LIMIT,		"Abort Command Limit Exceeded" },
	{ NVME_SC_ABORT_MISSING,	"Abort Command Is Missing" },
	{ NVME_SC_ASYNC_LIMIT,		"Asynchronous Event Request Limit Exceeded" },
	{ NVME_SC_FIRMWARE_SLOT,	"Invalid Firmware Slot" },
	{ NVME_SC_FIRMWARE_IMAGE,	"Invalid Firmware Image" },
	{ NVME_SC_INVALID_VECTOR,	"Invalid Interrupt Vector" },
	{ NVME_SC_INVALID_LOG_PAGE,	"Invalid Log Page" },
	{ NVME_SC_INVALID_FORMAT,	"Invalid Format" },
	{ NVME_SC_FW_NEEDS_CONV_RESET,	"Firmware Activation Requires Conventional Reset" },
	{ NVME_SC_INVALID_QUEUE,	"Invalid Queue Deletion" },
	{ NVME_SC_FEATURE_NOT_SAVEABLE,	"Feature Identifier Not Saveable" },
	{ NVME_SC_FEATURE_NOT_CHANGEABLE, "Feature Not Changeable" },
	{ NVME_SC_FEATURE_NOT_PER_NS,	"Feature Not Namespace Specific" },
	{ NVME_SC_FW_NEEDS_SUBSYS_RESET, "Firmware Activation Requires NVM Subsystem Reset" },
	{ NVME_SC_FW_NEEDS_RESET,	"Firmware Activation Requires Controller Level Reset" },
	{ NVME_SC_FW_NEEDS_MAX_TIME,	"Firmware Activation Requires Maximum Time Violation" },
	{ NVME_SC_FW_ACTIVATE_PROHIBITED, "Firmware Activation Prohibited" },
	{ NVME_SC_OVERLAPPING_RANGE,	"Overlapping Range" },
	{ NVME_SC_NS_INSUFFICIENT_CAP,	"Namespace Insufficient Capacity" },
	{ NVME_SC_NS_ID_UNAVAILABLE,	"Namespace Identifier Unavailable" },
	{ NVME_SC_NS_ALREADY_ATTACHED,	"Namespace Already Attached" },
	{ NVME_SC_NS_IS_PRIVATE,	"Namespace Is Private" },
	{ NVME_SC_NS_NOT_ATTACHED,	"Namespace Not Attached" },
	{ NVME_SC_THIN_PROV_NOT_SUPP,	"Thin Provisioning Not Supported" },
	{ NVME_SC_CTRL_LIST_INVALID,	"Controller List Invalid" },
	{ NVME_SC_SELF_TEST_IN_PROGRESS, "Device Self-test In Progress" },
	{ NVME_SC_BP_WRITE_PROHIBITED,	"Boot Partition Write Prohibited" },
	{ NVME_SC_INVALID_CTRL_ID,	"Invalid Controller Identifier" },
	{ NVME_SC_INVALID_SEC_CTRL_STATE, "Invalid Secondary Controller State" },
	{ NVME_SC_INVALID_CTRL_RESOURCES, "Invalid Number of Controller Resources" },
	{ NVME_SC_INVALID_RESOURCE_ID,	"Invalid Resource Identifier" },
	{ NVME_SC_PMR_SAN_PROHIBITED,	"Sanitize Prohibited While Persistent Memory Region is Enabled" },
	{ NVME_SC_ANA_GROUP_ID_INVALID,	"ANA Group Identifier Invalid" },
	{ NVME_SC_ANA_ATTACH_FAILED,	"ANA Attach Failed" },
	{ NVME_SC_BAD_ATTRIBUTES,	"Conflicting Attributes" },
	{ NVME_SC_INVALID_PI,		"Invalid Protection Information" },
	{ NVME_SC_READ_ONLY,		"Attempted Write to Read Only Range" },
	{ NVME_SC_CMD_SIZE_LIMIT_EXCEEDED, "Command Size Limit Exceeded" },
	{ NVME_SC_ZNS_INVALID_OP_REQUEST, "Invalid Zone Operation Request" },
	{ NVME_SC_ZNS_ZRWA_RESOURCES_UNAVAILABLE, "ZRWA Resources Unavailable" },
	{ NVME_SC_ZNS_BOUNDARY_ERROR,	"Zone Boundary Error" },
	{ NVME_SC_ZNS_FULL,		"Zone Is Full" },
	{ NVME_SC_ZNS_READ_ONLY,	"Zone Is Read Only" },
	{ NVME_SC_ZNS_OFFLINE,		"Zone Is Offline" },
	{ NVME_SC_ZNS_INVALID_WRITE,	"Zone Invalid Write" },
	{ NVME_SC_ZNS_TOO_MANY_ACTIVE,	"Too Many Active Zones" },
	{ NVME_SC_ZNS_TOO_MANY_OPENS,	"Too Many Open Zones" },
	{ NVME_SC_ZNS_INVAL_TRANSITION,	"Invalid Zone State Transition" },
};

static const struct blk_sc_name blk_sc_media[] = {
	{ NVME_SC_WRITE_FAULT,		"Write Fault" },
	{ NVME_SC_READ_ERROR,		"Unrecovered Read Error" },
	{ NVME_SC_GUARD_CHECK,		"End-to-end Guard Check Error" },
	{ NVME_SC_APPTAG_CHECK,		"End-to-end Application Tag Check Error" },
	{ NVME_SC_REFTAG_CHECK,		"End-to-end Reference Tag Check Error" },
	{ NVME_SC_COMPARE_FAILED,	"Compare Failure" },
	{ NVME_SC_ACCESS_DENIED,	"Access Denied" },
	{ NVME_SC_UNWRITTEN_BLOCK,	"Deallocated or Unwritten Logical Block" },
	{ NVME_SC_STORAGE_TAG_CHECK,	"End-to-end Storage Tag Check Error" },
};

static const struct blk_sc_name blk_sc_path[] = {
	{ NVME_SC_ANA_INTERNAL_PATH_ERROR, "Internal Path Error" },
	{ NVME_SC_ANA_PERSISTENT_LOSS,	"Asymmetric Access Persistent Loss" },
	{ NVME_SC_ANA_INACCESSIBLE,	"Asymmetric Access Inaccessible" },
	{ NVME_SC_ANA_TRANSITION,	"Asymmetric Access Transition" },
	{ NVME_SC_CTRL_PATH_ERROR,	"Controller Pathing Error" },
	{ NVME_SC_HOST_PATH_ERROR,	"Host Pathing Error" },
	{ NVME_SC_CMD_ABORTED_BY_HOST,	"Command Aborted By Host" },
};

struct blk_sct_table {
	const char *name;
	const struct blk_sc_name *codes;
	size_t nr;
};

#define BLK_SCT(n, t)	{ .name = (n), .codes = (t), .nr = sizeof(t) / sizeof((t)[0]) }

static const struct blk_sct_table blk_sct[8] = {
	[NVME_SCT_GENERIC]	= BLK_SCT("Generic Command Status", blk_sc_generic),
	[NVME_SCT_CMD_SPECIFIC]	= BLK_SCT("Command Specific Status", blk_sc_cmd_specific),
	[NVME_SCT_MEDIA]	= BLK_SCT("Media and Data Integrity Errors", blk_sc_media),
	[NVME_SCT_PATH]		= BLK_SCT("Path Related Status", blk_sc_path),
	[4]			= { .name = "Reserved Status Code Type" },
	[5]			= { .name = "Reserved Status Code Type" },
	[6]			= { .name = "Reserved Status Code Type" },
	[NVME_SCT_VS]		= { .name = "Vendor Specific" },
};

const char *blk_nvme_sct_name(uint32_t status)
{
	return blk_sct[BLK_NVME_SCT(status)].name;
}

const char *blk_nvme_status_name(uint32_t status)
{
	const struct blk_sct_table *t = &blk_sct[BLK_NVME_SCT(status)];
	uint32_t sc = BLK_NVME_SC(status);
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (t->codes[i].sc == sc)
			return t->codes[i].name;
	return NULL;
}

int blk_nvme_status_errno(uint32_t status)
{
	uint32_t sc = BLK_NVME_SC(status);

	switch (BLK_NVME_SCT(status)) {
	case NVME_SCT_GENERIC:
		switch (sc) {
		case NVME_SC_SUCCESS:
			return 0;
		case NVME_SC_INVALID_OPCODE:
		case NVME_SC_INVALID_FIELD:
		case NVME_SC_INVALID_NS:
			return EINVAL;
		case NVME_SC_NS_WRITE_PROTECTED:
			return EROFS;
		case NVME_SC_LBA_RANGE:
			return ERANGE;
		case NVME_SC_CAP_EXCEEDED:
			return ENOSPC;
		case NVME_SC_NS_NOT_READY:
		case NVME_SC_FORMAT_IN_PROGRESS:
		case NVME_SC_SANITIZE_IN_PROGRESS:
			return EAGAIN;
		case NVME_SC_RESERVATION_CONFLICT:
			return EBADE;
		case NVME_SC_ABORT_REQ:
		case NVME_SC_ABORT_QUEUE:
		case NVME_SC_CMD_ABORTED_PREMEPT:
			return ECANCELED;
		case NVME_SC_CMD_INTERRUPTED:
			return EINTR;
		case NVME_SC_OP_DENIED:
			return EPERM;
		}
		break;
	case NVME_SCT_CMD_SPECIFIC:
		switch (sc) {
		case NVME_SC_BAD_ATTRIBUTES:
		case NVME_SC_INVALID_PI:
		case NVME_SC_INVALID_FORMAT:
			return EINVAL;
		case NVME_SC_READ_ONLY:
		case NVME_SC_ZNS_READ_ONLY:
			return EROFS;
		case NVME_SC_CMD_SIZE_LIMIT_EXCEEDED:
			return E2BIG;
		/* Zone errors: what the kernel's nvme driver reports for them, where it has one. */
		case NVME_SC_ZNS_BOUNDARY_ERROR:
		case NVME_SC_ZNS_INVALID_WRITE:
			return EINVAL;
		case NVME_SC_ZNS_FULL:
			return ENOSPC;
		case NVME_SC_ZNS_TOO_MANY_ACTIVE:
			return EOVERFLOW;
		case NVME_SC_ZNS_TOO_MANY_OPENS:
			return ETOOMANYREFS;
		}
		break;
	case NVME_SCT_MEDIA:
		switch (sc) {
		case NVME_SC_GUARD_CHECK:
		case NVME_SC_APPTAG_CHECK:
		case NVME_SC_REFTAG_CHECK:
		case NVME_SC_STORAGE_TAG_CHECK:
			return EILSEQ;
		case NVME_SC_COMPARE_FAILED:
			return EILSEQ;
		case NVME_SC_ACCESS_DENIED:
			return EACCES;
		case NVME_SC_UNWRITTEN_BLOCK:
			return ENODATA;
		}
		break;
	case NVME_SCT_PATH:
		/* the path may come back or another path may serve it */
		return ENOLINK;
	}
	return EIO;
}

char *blk_nvme_status_describe(uint32_t status, char *buf, size_t len)
{
	const char *name = blk_nvme_status_name(status);
	char sc_unknown[48];
	int n;

	if (!len)
		return buf;
	if (!name) {
		snprintf(sc_unknown, sizeof(sc_unknown), "Unknown status code 0x%x",
			 BLK_NVME_SC(status));
		name = sc_unknown;
	}
	n = snprintf(buf, len, "NVMe status 0x%x: %s (SCT 0x%x %s, SC 0x%x%s%s",
		     status, name, BLK_NVME_SCT(status), blk_nvme_sct_name(status),
		     BLK_NVME_SC(status), BLK_NVME_DNR(status) ? ", DNR" : "",
		     BLK_NVME_MORE(status) ? ", More" : "");
	if (n >= 0 && (size_t)n < len && BLK_NVME_CRD(status))
		n += snprintf(buf + n, len - n, ", CRD %u", BLK_NVME_CRD(status));
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, ")");
	return buf;
}
