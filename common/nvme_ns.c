// SPDX-License-Identifier: GPL-2.0-only
/*
 * NVMe namespace information from Identify data and sysfs.
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
/*
 * libnvme.h brings NVME_IOCTL_ID; it must not follow linux/nvme_ioctl.h
 * (libnvme 1.3 then loses NVME_DEFAULT_IOCTL_TIMEOUT).
 */
#include <libnvme.h>

#include "msg.h"
#include "nvme_ns.h"
#include "nvme_status.h"

_Static_assert(sizeof(struct nvme_id_ctrl) == BLK_NVME_IDENTIFY_SIZE, "id_ctrl size");
_Static_assert(sizeof(struct nvme_id_ns) == BLK_NVME_IDENTIFY_SIZE, "id_ns size");
_Static_assert(sizeof(struct nvme_nvm_id_ns) == BLK_NVME_IDENTIFY_SIZE, "nvm id_ns size");

/* LBA data sizes we accept: 512 bytes (the spec's minimum) to 16 MiB. */
#define BLK_LBADS_MIN	9
#define BLK_LBADS_MAX	24

/* FLBAS bits 5-6 are bits 4-5 of the format index */
#define BLK_FLBAS_HIGH_SHIFT	5
#define BLK_LBAF_HIGH_SHIFT	4

static unsigned int blk_ilog2(uint32_t v)
{
	return 31 - (unsigned int)__builtin_clz(v);
}

uint64_t blk_nvme_mdts_bytes(uint8_t mdts, uint32_t min_page)
{
	unsigned int shift;

	if (!mdts)
		return 0;
	if (!min_page || (min_page & (min_page - 1)))
		min_page = BLK_NVME_MIN_PAGE;
	shift = blk_ilog2(min_page) + mdts;
	if (shift >= 64)
		return UINT64_MAX;
	return (uint64_t)1 << shift;
}

/* Greatest common divisor (Euclid); a and b non-zero. */
static uint64_t blk_gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

uint64_t blk_nvme_segment_bytes(uint32_t segments, bool bufs_page_aligned)
{
	if (!segments)
		return 0;
	if (!bufs_page_aligned && segments > 1)
		segments--;
	return (uint64_t)segments * BLK_NVME_MIN_PAGE;
}

int blk_nvme_ns_geom(const struct blk_nvme_ns *ns, bool pi_strip, bool bufs_page_aligned,
		     struct blk_geom *g, char *msg, size_t msg_len)
{
	uint32_t block = ns->extended_lba && !pi_strip ? ns->lba_size + ns->ms : ns->lba_size;
	/*
	 * The kernel maps the user buffer page by page and merges only
	 * physically contiguous pages, so a command of more pages than the
	 * queue has segments fails with EINVAL whenever its pages happen to
	 * lie apart (Linux 6.1: 127 segments, MDTS 512 KiB = 128 pages).
	 */
	uint64_t limits[4] = {
		ns->mdts_bytes,
		ns->kernel_max_bytes,
		(uint64_t)BLK_NVME_MAX_NLB * block,
		blk_nvme_segment_bytes(ns->kernel_max_segments, bufs_page_aligned),
	};
	uint64_t unit;
	uint32_t max_xfer;
	int ret;

	/*
	 * Split commands in whole pages where the block allows it, so each
	 * command after the first of an io_u starts on a page boundary:
	 * with extended-LBA blocks (e.g. 4160 bytes) commands starting
	 * mid-page were refused (EINVAL) by Linux 6.12 at random. The unit
	 * is the least common multiple of the block and the page;
	 * blk_geom_max_xfer() falls back to the block when it does not fit.
	 */
	unit = (uint64_t)block / blk_gcd(block, BLK_NVME_MIN_PAGE) * BLK_NVME_MIN_PAGE;
	max_xfer = blk_geom_max_xfer(limits, 4, block, unit > UINT32_MAX ? 0 : (uint32_t)unit);
	if (!max_xfer) {
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 ": the maximum transfer (MDTS %" PRIu64 " bytes, kernel %" PRIu32 " bytes in %" PRIu32 " segments) is smaller than one %" PRIu32 "-byte block",
			ns->nsid, ns->mdts_bytes, ns->kernel_max_bytes, ns->kernel_max_segments, block);
		return -EOPNOTSUPP;
	}
	ret = blk_geom_init(g, block, ns->nsze, max_xfer);
	if (ret == -EOVERFLOW)
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 ": %" PRIu64 " blocks of %" PRIu32 " bytes are more than 2^64 bytes; the reported size (NSZE) cannot be right",
			ns->nsid, ns->nsze, block);
	else if (ret)
		blk_msg(msg, msg_len, "namespace %" PRIu32 ": no usable geometry (%" PRIu64 " blocks of %" PRIu32 " bytes, %" PRIu32 " bytes per command)",
			ns->nsid, ns->nsze, block, max_xfer);
	return ret;
}

int blk_nvme_ns_parse(const void *id_ctrl, const void *id_ns, uint32_t nsid,
		      uint32_t min_page, uint32_t kernel_max_bytes,
		      struct blk_nvme_ns *ns, char *msg, size_t msg_len)
{
	struct nvme_id_ctrl ctrl;
	struct nvme_id_ns id;
	unsigned int lbaf, nformats;
	uint8_t lbads;

	/* copies: the images may be unaligned byte buffers */
	memcpy(&ctrl, id_ctrl, sizeof(ctrl));
	memcpy(&id, id_ns, sizeof(id));
	memset(ns, 0, sizeof(*ns));
	ns->nsid = nsid;

	ns->nsze = le64toh(id.nsze);
	if (!ns->nsze) {
		blk_msg(msg, msg_len, "namespace %" PRIu32 " is not active (size 0)", nsid);
		return -ENXIO;
	}

	lbaf = (id.flbas & NVME_NS_FLBAS_LOWER_MASK) |
	       ((id.flbas & NVME_NS_FLBAS_HIGHER_MASK) >> BLK_FLBAS_HIGH_SHIFT)
			<< BLK_LBAF_HIGH_SHIFT;
	/* NLBAF is 0-based; NULBAF formats follow the NLBAF ones */
	nformats = id.nlbaf + 1u + id.nulbaf;
	if (lbaf >= nformats || lbaf >= sizeof(id.lbaf) / sizeof(id.lbaf[0])) {
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 " is formatted with LBA format %u but reports only %u formats",
			nsid, lbaf, nformats);
		return -EINVAL;
	}
	ns->lbaf = lbaf;

	lbads = id.lbaf[lbaf].ds;
	if (lbads < BLK_LBADS_MIN || lbads > BLK_LBADS_MAX) {
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 " LBA format %u has a data size of 2^%u bytes; supported are 2^%u to 2^%u",
			nsid, lbaf, lbads, BLK_LBADS_MIN, BLK_LBADS_MAX);
		return -EOPNOTSUPP;
	}
	ns->lba_shift = lbads;
	ns->lba_size = 1u << lbads;
	ns->ms = le16toh(id.lbaf[lbaf].ms);
	ns->extended_lba = ns->ms && (id.flbas & NVME_NS_FLBAS_META_EXT);

	ns->pi_type = id.dps & NVME_NS_DPS_PI_MASK;
	if (ns->pi_type > 3) {
		/* 4 to 7 are reserved: guessing a layout would corrupt data. */
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 " reports protection information type %u, which the NVMe specification reserves; supported are types 0 to 3",
			nsid, ns->pi_type);
		return -EOPNOTSUPP;
	}
	ns->pi_first = !!(id.dps & NVME_NS_DPS_PI_FIRST);
	ns->dlfeat = id.dlfeat;
	ns->dealloc_zeroes = (id.dlfeat & NVME_NS_DLFEAT_RB) == NVME_NS_DLFEAT_RB_ALL_0S;

	ns->pif = BLK_NVME_PIF_16B_GUARD;
	ns->elbas = !!(le32toh(ctrl.ctratt) & NVME_CTRL_CTRATT_ELBAS);
	ns->fdp = !!(le32toh(ctrl.ctratt) & NVME_CTRL_CTRATT_FDPS);
	ns->directives = !!(le16toh(ctrl.oacs) & NVME_CTRL_OACS_DIRECTIVES);
	ns->vwc = !!(ctrl.vwc & NVME_CTRL_VWC_PRESENT);
	ns->oncs = le16toh(ctrl.oncs);
	ns->has_compare = !!(ns->oncs & NVME_CTRL_ONCS_COMPARE);
	ns->has_write_uncor = !!(ns->oncs & NVME_CTRL_ONCS_WRITE_UNCORRECTABLE);
	ns->has_dsm = !!(ns->oncs & NVME_CTRL_ONCS_DSM);
	ns->has_write_zeroes = !!(ns->oncs & NVME_CTRL_ONCS_WRITE_ZEROES);
	ns->has_verify = !!(ns->oncs & NVME_CTRL_ONCS_VERIFY);

	ns->mdts_bytes = blk_nvme_mdts_bytes(ctrl.mdts, min_page);
	ns->kernel_max_bytes = kernel_max_bytes;
	return 0;
}

int blk_nvme_ns_parse_nvm(const void *id_nvm_ns, struct blk_nvme_ns *ns,
			  char *msg, size_t msg_len)
{
	struct nvme_nvm_id_ns nvm;
	uint32_t elbaf;
	unsigned int sts;

	memcpy(&nvm, id_nvm_ns, sizeof(nvm));
	/* blk_nvme_ns_parse() checked lbaf against the 64 formats */
	elbaf = le32toh(nvm.elbaf[ns->lbaf]);
	sts = elbaf & NVME_NVM_ELBAF_STS_MASK;
	ns->pif = (elbaf & NVME_NVM_ELBAF_PIF_MASK) >> 7;
	if (!ns->pi_type)
		return 0;
	if (ns->pif == BLK_NVME_PIF_32B_GUARD || ns->pif > BLK_NVME_PIF_64B_GUARD) {
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 " LBA format %u has protection information with a %s guard; the engine serves the 16-bit and 64-bit guard formats (format the namespace to one of them)",
			ns->nsid, ns->lbaf, ns->pif == BLK_NVME_PIF_32B_GUARD ? "32-bit (CRC-32C)" : "reserved (PIF 3)");
		return -EOPNOTSUPP;
	}
	if (sts) {
		/* The tags would need values only the lab's application knows. */
		blk_msg(msg, msg_len,
			"namespace %" PRIu32 " LBA format %u keeps a %u-bit storage tag in its protection information; the engine does not set storage tags, so it refuses such formats (format the namespace to one with STS 0)",
			ns->nsid, ns->lbaf, sts);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Reads a small decimal sysfs attribute. */
static int blk_read_u64(const char *path, uint64_t *val)
{
	char buf[32], *end;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EINVAL;
	return 0;
}

int blk_nvme_kernel_limits(const char *sysfs_root, dev_t dev, uint32_t nsid,
			   uint32_t *max_bytes, uint32_t *max_segments)
{
	char parent[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	uint64_t id, kb, segs;
	int ret = -ENOENT;
	DIR *dir;

	/*
	 * The generic device's parent is its controller (or, with native
	 * multipath, its subsystem); the block device of the same namespace
	 * is a sibling there with the same "nsid" attribute.
	 */
	if (snprintf(parent, sizeof(parent), "%s/dev/char/%u:%u/device", sysfs_root,
		     major(dev), minor(dev)) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	dir = opendir(parent);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/nsid", parent, de->d_name) >= (int)sizeof(path) ||
		    blk_read_u64(path, &id) || id != nsid)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/queue/max_hw_sectors_kb", parent, de->d_name) >= (int)sizeof(path) ||
		    blk_read_u64(path, &kb) || !kb)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/queue/max_segments", parent, de->d_name) >= (int)sizeof(path) ||
		    blk_read_u64(path, &segs))
			segs = 0;
		kb = kb > UINT32_MAX / 1024 ? UINT32_MAX / 1024 : kb;
		segs = segs > UINT32_MAX ? UINT32_MAX : segs;
		/* hidden per-path disks may sit next to the head: take the smallest */
		if (ret || kb * 1024 < *max_bytes)
			*max_bytes = (uint32_t)(kb * 1024);
		if (ret || (segs && (!*max_segments || segs < *max_segments)))
			*max_segments = (uint32_t)segs;
		ret = 0;
	}
	closedir(dir);
	return ret;
}

/* Returns -errno for a failed admin command: ret is -1/errno or an NVMe status. */
static int blk_identify_err(int ret, const char *path, const char *what,
			    char *msg, size_t msg_len)
{
	char desc[160];
	int err;

	if (ret < 0) {
		err = errno ? errno : EIO;
		blk_msg(msg, msg_len, "%s: Identify %s failed: %s%s", path, what,
			strerror(err), err == EACCES || err == EPERM ?
			" (admin commands need CAP_SYS_ADMIN)" : "");
		return -err;
	}
	blk_msg(msg, msg_len, "%s: Identify %s failed: %s", path, what,
		blk_nvme_status_describe((uint32_t)ret, desc, sizeof(desc)));
	return -blk_nvme_status_errno((uint32_t)ret);
}

int blk_nvme_ns_probe(int fd, const char *path, struct blk_nvme_ns *ns,
		      char *msg, size_t msg_len)
{
	uint32_t kernel_max = 0, kernel_segments = 0;
	struct stat st;
	void *id_ctrl, *id_ns, *id_nvm;
	int nsid, ret;

	if (fstat(fd, &st)) {
		ret = -errno;
		blk_msg(msg, msg_len, "%s: fstat failed: %s", path, strerror(-ret));
		return ret;
	}
	if (!S_ISCHR(st.st_mode)) {
		blk_msg(msg, msg_len, "%s is not a character device; give an NVMe generic device such as /dev/ng0n1",
			path);
		return -ENOTTY;
	}
	nsid = ioctl(fd, NVME_IOCTL_ID);
	if (nsid < 0) {
		ret = -errno;
		blk_msg(msg, msg_len, "%s: cannot get the namespace id (%s); is it an NVMe generic device (/dev/ngXnY)?",
			path, strerror(-ret));
		return ret;
	}
	if (nsid == 0) {
		blk_msg(msg, msg_len, "%s is an NVMe controller, not a namespace; use /dev/ngXnY", path);
		return -ENOTTY;
	}

	id_ctrl = calloc(3, BLK_NVME_IDENTIFY_SIZE);
	if (!id_ctrl) {
		blk_msg(msg, msg_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	id_ns = (char *)id_ctrl + BLK_NVME_IDENTIFY_SIZE;
	id_nvm = (char *)id_ns + BLK_NVME_IDENTIFY_SIZE;

	errno = 0;
	ret = nvme_identify_ctrl(fd, id_ctrl);
	if (ret) {
		ret = blk_identify_err(ret, path, "Controller", msg, msg_len);
		goto free_id;
	}
	errno = 0;
	ret = nvme_identify_ns(fd, (uint32_t)nsid, id_ns);
	if (ret) {
		ret = blk_identify_err(ret, path, "Namespace", msg, msg_len);
		goto free_id;
	}

	/* without the sysfs limit, MDTS alone still bounds the commands */
	if (blk_nvme_kernel_limits("/sys", st.st_rdev, (uint32_t)nsid, &kernel_max,
				   &kernel_segments)) {
		kernel_max = 0;
		kernel_segments = 0;
	}

	ret = blk_nvme_ns_parse(id_ctrl, id_ns, (uint32_t)nsid, BLK_NVME_MIN_PAGE,
				kernel_max, ns, msg, msg_len);
	if (!ret)
		ns->kernel_max_segments = kernel_segments;
	/* Only extended LBA formats say which guard the PI has. */
	if (!ret && ns->elbas) {
		errno = 0;
		ret = nvme_identify_ns_csi(fd, (uint32_t)nsid, NVME_UUID_NONE, NVME_CSI_NVM, id_nvm);
		if (ret)
			ret = blk_identify_err(ret, path, "Namespace (NVM command set)", msg, msg_len);
		else
			ret = blk_nvme_ns_parse_nvm(id_nvm, ns, msg, msg_len);
		if (ret == -EOPNOTSUPP) {
			char reason[256];

			snprintf(reason, sizeof(reason), "%s", msg);
			blk_msg(msg, msg_len, "%s: %s", path, reason);
		}
		goto free_id;
	}
	if (ret && msg && msg_len) {
		char reason[256];

		snprintf(reason, sizeof(reason), "%s", msg);
		blk_msg(msg, msg_len, "%s: %s", path, reason);
	}
free_id:
	free(id_ctrl);
	return ret;
}
