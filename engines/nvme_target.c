// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-namespace set-up of nvme-passthru-uring: what the device is and
 * whether the job's options can be served, decided once at start-up so no
 * I/O fails for a reason known in advance.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fio.h"
#include "verify.h"

#include "nvme_cmd.h"
#include "nvme_ns.h"
#include "job_check.h"
#include "nvme_uring.h"
#include "options.h"

/*
 * Polled completions need the driver's poll queues; the block device of
 * the same namespace says whether it has them. 1 yes, 0 no, -1 unknown.
 */
static int has_poll_queues(const char *path)
{
	const char *name = strrchr(path, '/');
	unsigned int ctrl, nsn;
	char attr[128], c = 0;
	FILE *fp;

	name = name ? name + 1 : path;
	if (sscanf(name, "ng%un%u", &ctrl, &nsn) != 2)
		return -1;
	snprintf(attr, sizeof(attr), "/sys/block/nvme%un%u/queue/io_poll", ctrl, nsn);
	fp = fopen(attr, "r");
	if (!fp)
		return -1;
	if (fread(&c, 1, 1, fp) != 1)
		c = 0;
	fclose(fp);
	if (c != '0' && c != '1')
		return -1;
	return c == '1';
}

static int check_format(struct thread_data *td, const char *path, struct nvme_target *t)
{
	struct blk_options *o = td->eo;
	const struct blk_nvme_ns *ns = &t->ns;
	uint32_t tuple = blk_nvme_pi_tuple_size(ns);
	/* PRACT with metadata of just the tuple: the controller inserts and strips it. */
	bool pi_strip = ns->pi_type && o->pi_act && ns->ms == tuple;
	unsigned long long need;
	char msg[256];
	int ret;

	ret = blk_nvme_ns_geom(ns, pi_strip, blk_job_bufs_aligned(td, BLK_NVME_MIN_PAGE),
			       &t->geom, msg, sizeof(msg));
	if (ret) {
		log_err("blkengine: %s: %s\n", path, msg);
		return ret;
	}
	ret = blk_nvme_lba_div_init(&t->lba, t->geom.block);
	if (ret)
		return ret;
	t->md_per_block = !ns->extended_lba && ns->ms && !pi_strip ? ns->ms : 0;
	t->pi_host = ns->pi_type && !o->pi_act;
	t->prinfo = 0;
	if (ns->pi_type && ns->ms < tuple) {
		log_err("blkengine: %s: protection information type %u with %u bytes of metadata (its tuple needs %u) is not a format this engine can serve\n",
			path, ns->pi_type, ns->ms, tuple);
		return -EOPNOTSUPP;
	}
	if (ns->pi_type) {
		t->prinfo = o->pi_chk & (BLK_NVME_PRINFO_PRCHK_GUARD | BLK_NVME_PRINFO_PRCHK_APP |
					 BLK_NVME_PRINFO_PRCHK_REF);
		/* Type 3 has no reference tag to check. */
		if (ns->pi_type == 3)
			t->prinfo &= ~BLK_NVME_PRINFO_PRCHK_REF;
		if (o->pi_act)
			t->prinfo |= BLK_NVME_PRINFO_PRACT;
		t->pi = (struct blk_pi_layout){
			.lba_size = ns->lba_size,
			.ms = ns->ms,
			.extended = ns->extended_lba,
			.pi_first = ns->pi_first,
			.pi_type = ns->pi_type,
			.guard64 = ns->pif == BLK_NVME_PIF_64B_GUARD,
		};
	}
	if (t->md_per_block) {
		need = blk_job_max_data_bs(td) / t->geom.block * t->md_per_block;
		if (o->md_per_io_size < need) {
			log_err("blkengine: %s: the namespace keeps %u bytes of separate metadata per %u-byte block; set md_per_io_size=%llu or more (max bs / %u * %u)\n",
				path, ns->ms, ns->lba_size, need, ns->lba_size, ns->ms);
			return -EINVAL;
		}
	}
	if (t->pi_host && ns->extended_lba && td->o.verify != VERIFY_NONE) {
		log_err("blkengine: %s: with pi_act=0 on this extended-LBA format the engine writes protection information into fio's data buffer, which verify= would then report as corrupt; use pi_act=1 or drop verify\n",
			path);
		return -EINVAL;
	}
	return 0;
}

/*
 * Zone Append writes one command into the zone holding the I/O's offset:
 * a zoned namespace, and no I/O longer than ZASL (an append split in two
 * could land in two places) or crossing a zone.
 */
static int check_zone_append(struct thread_data *td, const char *path, struct nvme_target *t)
{
	unsigned long long bs = blk_job_max_data_bs(td);
	uint64_t zone_bytes = t->zns.zsze * t->geom.block;

	if (!t->zns.zoned) {
		log_err("blkengine: %s: write_mode=zone_append needs a zoned namespace (ZNS command set), and namespace %u is not one; use write_mode=write\n",
			path, t->ns.nsid);
		return -EOPNOTSUPP;
	}
	if (t->zns.zasl_bytes && t->zns.zasl_bytes < t->geom.max_xfer)
		t->geom.max_xfer = (uint32_t)t->zns.zasl_bytes;
	if (bs > t->geom.max_xfer) {
		log_err("blkengine: %s: write_mode=zone_append: bs=%llu is more than one Zone Append carries (%u bytes: ZASL %llu, MDTS and kernel limit); lower bs\n",
			path, bs, t->geom.max_xfer, (unsigned long long)t->zns.zasl_bytes);
		return -EINVAL;
	}
	if (zone_bytes % bs) {
		log_err("blkengine: %s: write_mode=zone_append: bs=%llu does not divide the zone size (%llu bytes), so an append could cross a zone; use a bs that does\n",
			path, bs, (unsigned long long)zone_bytes);
		return -EINVAL;
	}
	return 0;
}

static int check_commands(struct thread_data *td, const char *path, struct nvme_target *t)
{
	struct blk_options *o = td->eo;
	const struct blk_nvme_ns *ns = &t->ns;
	static const char *const mode_name[] = {
		[BLK_WRITE_MODE_WRITE] = "write",
		[BLK_WRITE_MODE_UNCOR] = "uncor",
		[BLK_WRITE_MODE_ZEROES] = "zeroes",
		[BLK_WRITE_MODE_VERIFY] = "verify",
		[BLK_WRITE_MODE_ZONE_APPEND] = "zone_append",
	};
	bool ok = true;
	unsigned int i, mode;

	if (o->verify_compare) {
		/* Compare sends what the block must hold: only a pattern fio can give again. */
		if (td->o.verify != VERIFY_PATTERN_NO_HDR || !td->o.verify_pattern_bytes ||
		    td->o.verify_fmt_sz) {
			log_err("blkengine: %s: verify_mode=compare / blk_verify_compare=1 needs verify=pattern with a fixed verify_pattern (e.g. verify_pattern=0xdeadbeef, no %%o): the controller compares the blocks against data the engine sends\n",
				path);
			return -EINVAL;
		}
		if (!ns->has_compare) {
			log_err("blkengine: %s: verify_mode=compare / blk_verify_compare=1: the controller has no Compare command (ONCS bit 0 clear, ONCS 0x%x); verify by reading instead (verify_mode=read, blk_verify_compare=0)\n",
				path, ns->oncs);
			return -EOPNOTSUPP;
		}
	}
	if (td_trim(td) && !ns->has_dsm) {
		log_err("blkengine: %s: the controller has no Dataset Management command, so trims cannot be sent; remove trim from rw=\n",
			path);
		return -EOPNOTSUPP;
	}
	if (!td_write(td) || o->write_mode == BLK_WRITE_MODE_WRITE)
		return 0;
	if (o->write_mode == BLK_WRITE_MODE_ZONE_APPEND)
		return check_zone_append(td, path, t);
	/* Each command of a mix (write_mix holds the single mode too). */
	for (i = 0; i < o->write_mix.nr; i++) {
		mode = o->write_mix.mode[i];
		switch (mode) {
		case BLK_WRITE_MODE_UNCOR:
			ok = ns->has_write_uncor;
			break;
		case BLK_WRITE_MODE_ZEROES:
			ok = ns->has_write_zeroes;
			break;
		case BLK_WRITE_MODE_VERIFY:
			ok = ns->has_verify;
			break;
		default:
			ok = true;
		}
		if (!ok) {
			log_err("blkengine: %s: write_mode=%s: the controller does not support that command (ONCS 0x%x)\n",
				path, mode_name[mode], ns->oncs);
			return -EOPNOTSUPP;
		}
	}
	if (td->o.verify != VERIFY_NONE) {
		log_err("blkengine: %s: write_mode=%s sends no data, so verify= cannot check what it wrote; drop verify= (check the result with a separate read job, e.g. verify=pattern verify_pattern=0 after write_mode=zeroes)\n",
			path, o->write_mode == BLK_WRITE_MODE_MIX ? "(a mix)" : mode_name[o->write_mode]);
		return -EINVAL;
	}
	return 0;
}

static int check_job(struct thread_data *td, const char *path, struct nvme_target *t)
{
	struct blk_options *o = td->eo;
	unsigned long long bs;
	int ret;

	ret = check_format(td, path, t);
	if (ret)
		return ret;
	ret = blk_job_check_alignment(td, path, t->geom.block, "namespace");
	if (ret)
		return ret;
	ret = check_commands(td, path, t);
	if (ret)
		return ret;
	bs = blk_job_max_data_bs(td);
	if (bs > t->geom.max_xfer && o->oversize == BLK_OVERSIZE_REFUSE) {
		log_err("blkengine: %s: bs=%llu is more than the device's maximum transfer of %u bytes (MDTS %llu, kernel limit %u bytes in %u segments) and blk_oversize=refuse; lower bs or set blk_oversize=split\n",
			path, bs, t->geom.max_xfer, (unsigned long long)t->ns.mdts_bytes,
			t->ns.kernel_max_bytes, t->ns.kernel_max_segments);
		return -EINVAL;
	}
	if (td->o.start_offset >= t->geom.capacity) {
		log_err("blkengine: %s: offset=%llu is at or past the end of the namespace (%llu bytes)\n",
			path, td->o.start_offset, (unsigned long long)t->geom.capacity);
		return -EINVAL;
	}
	if (o->hipri && has_poll_queues(path) == 0) {
		log_err("blkengine: %s: hipri needs polled I/O queues, and the nvme driver has none for this device; load it with poll queues (modprobe nvme poll_queues=1, or nvme.poll_queues=1 on the kernel command line) or drop hipri\n",
			path);
		return -EOPNOTSUPP;
	}
	return 0;
}

int nvme_target_open(struct thread_data *td, const char *path, struct nvme_target *t)
{
	int flags = (td_write(td) || td_trim(td)) ? O_RDWR : O_RDONLY;
	char msg[512];
	int ret;

	memset(t, 0, sizeof(*t));
	t->reg_index = -1;
	t->fd = open(path, flags | O_CLOEXEC);
	if (t->fd < 0) {
		ret = -errno;
		log_err("blkengine: cannot open %s: %s\n", path, strerror(-ret));
		goto out;
	}
	ret = blk_nvme_ns_probe(t->fd, path, &t->ns, msg, sizeof(msg));
	if (ret) {
		log_err("blkengine: %s\n", msg);
		goto close_fd;
	}
	ret = blk_nvme_zns_probe(t->fd, path, t->ns.nsid, t->ns.lbaf, &t->zns, msg, sizeof(msg));
	if (ret) {
		log_err("blkengine: %s\n", msg);
		goto close_fd;
	}
	ret = check_job(td, path, t);
	if (ret)
		goto close_fd;
	ret = nvme_placement_setup(td, path, t->fd, &t->ns, &t->place);
	if (ret)
		goto close_fd;
	return 0;

close_fd:
	close(t->fd);
	t->fd = -1;
out:
	return ret;
}

void nvme_target_close(struct nvme_target *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}
