// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme-passthru-uring: fio's zone hooks (zonemode=zbd) on a zoned
 * namespace, through Zone Management Receive (Report Zones) and Zone
 * Management Send (reset, finish) on the generic char device.
 *
 * fio calls these from setup_files(), possibly in the parent process
 * before any engine state exists, and from the job's thread while it
 * runs. A thread that has the namespace open uses its descriptor; else
 * the namespace is opened for the call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"

#include "backend.h"
#include "nvme_status.h"
#include "nvme_uring.h"
#include "nvme_zns.h"
#include "nvme_zones.h"

/* Zone descriptors per Report Zones command, within MDTS. */
#define REPORT_MAX_ZONES	1023u

struct zone_ctx {
	struct nvme_target *t;
	struct nvme_target tmp;
};

static int zone_ctx_get(struct thread_data *td, struct fio_file *f, struct zone_ctx *c)
{
	struct nvme_target *t = td->io_ops_data ? FILE_ENG_DATA(f) : NULL;
	int ret;

	if (t && t->fd >= 0) {
		c->t = t;
		c->tmp.fd = -1;
		return 0;
	}
	ret = nvme_target_open(td, f->file_name, &c->tmp);
	if (ret)
		return ret;
	c->t = &c->tmp;
	return 0;
}

static void zone_ctx_put(struct zone_ctx *c)
{
	if (c->t == &c->tmp)
		nvme_target_close(&c->tmp);
}

static int zone_err(const char *path, const char *what, int ret)
{
	char desc[160];

	if (ret > 0) {
		log_err("blkengine: %s: %s failed: %s\n", path, what,
			blk_nvme_status_describe((uint32_t)ret, desc, sizeof(desc)));
		ret = -blk_nvme_status_errno((uint32_t)ret);
	} else {
		log_err("blkengine: %s: %s failed: %s\n", path, what, strerror(-ret));
	}
	/* fio reports errno alongside the hook's return. */
	errno = -ret;
	return ret;
}

int nvme_zones_get_model(struct thread_data *td, struct fio_file *f,
			 enum zbd_zoned_model *model)
{
	struct zone_ctx c;
	int ret;

	ret = zone_ctx_get(td, f, &c);
	if (ret) {
		errno = -ret;
		return ret;
	}
	ret = 0;
	if (c.t->zns.zoned) {
		*model = ZBD_HOST_MANAGED;
	} else {
		/*
		 * fio would emulate zones and then ask this engine to reset
		 * their write pointers, which a namespace of the NVM command
		 * set has none of.
		 */
		log_err("blkengine: %s: zonemode=zbd needs a zoned namespace (ZNS command set), and namespace %u is not one; use zonemode=none or zonemode=strided on it\n",
			f->file_name, c.t->ns.nsid);
		errno = EINVAL;
		ret = -EINVAL;
	}
	zone_ctx_put(&c);
	return ret;
}

int nvme_zones_report(struct thread_data *td, struct fio_file *f, uint64_t offset,
		      struct zbd_zone *zones, unsigned int nr_zones)
{
	struct blk_nvme_zone *nz = NULL;
	struct nvme_uring_cmd cmd;
	unsigned int per_cmd, done = 0;
	struct zone_ctx c;
	const struct blk_geom *g;
	uint64_t zone_bytes;
	size_t len;
	void *buf = NULL;
	int ret;

	ret = zone_ctx_get(td, f, &c);
	if (ret) {
		errno = -ret;
		return ret;
	}
	g = &c.t->geom;
	zone_bytes = c.t->zns.zsze * g->block;
	per_cmd = (g->max_xfer - BLK_NVME_ZONE_REPORT_HDR) / BLK_NVME_ZONE_DESC;
	if (per_cmd > REPORT_MAX_ZONES)
		per_cmd = REPORT_MAX_ZONES;
	len = BLK_NVME_ZONE_REPORT_HDR + (size_t)per_cmd * BLK_NVME_ZONE_DESC;
	if (posix_memalign(&buf, 4096, len) || !(nz = calloc(per_cmd, sizeof(*nz)))) {
		ret = -ENOMEM;
		errno = ENOMEM;
		goto out;
	}
	while (done < nr_zones && offset < g->capacity) {
		unsigned int want = nr_zones - done < per_cmd ? nr_zones - done : per_cmd;
		int n, i;

		memset(buf, 0, len);
		blk_nvme_cmd_zone_report(&cmd, c.t->ns.nsid, blk_geom_blocks(g, offset), buf,
					 (uint32_t)(BLK_NVME_ZONE_REPORT_HDR +
						    want * BLK_NVME_ZONE_DESC));
		ret = blk_nvme_zns_submit(c.t->fd, &cmd, NULL);
		if (ret) {
			ret = zone_err(f->file_name, "Zone Management Receive (Report Zones)", ret);
			goto out;
		}
		n = blk_nvme_zone_report_parse(buf, len, nz, want);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			struct zbd_zone *z = &zones[done + i];

			z->start = nz[i].zslba * g->block;
			z->len = zone_bytes;
			z->capacity = nz[i].zcap * g->block;
			z->type = nz[i].type == BLK_NVME_ZT_SWR ? ZBD_ZONE_TYPE_SWR :
				  ZBD_ZONE_TYPE_CNV;
			z->cond = (enum zbd_zone_cond)nz[i].state;
			/* A full zone's write pointer is not valid; the kernel's choice. */
			z->wp = nz[i].state == BLK_NVME_ZS_FULL ? z->start + z->len :
				nz[i].wp * g->block;
		}
		done += (unsigned int)n;
		offset = zones[done - 1].start + zone_bytes;
	}
	ret = (int)done;
out:
	free(nz);
	free(buf);
	zone_ctx_put(&c);
	return ret;
}

/* Zone Management Send of zsa on each zone of [offset, offset + length). */
static int zone_send_range(struct thread_data *td, struct fio_file *f, uint64_t offset,
			   uint64_t length, uint8_t zsa, const char *what)
{
	struct nvme_uring_cmd cmd;
	struct zone_ctx c;
	const struct blk_geom *g;
	uint64_t zone_bytes, end;
	int ret;

	ret = zone_ctx_get(td, f, &c);
	if (ret) {
		errno = -ret;
		return ret;
	}
	g = &c.t->geom;
	zone_bytes = c.t->zns.zsze * g->block;
	if (!zone_bytes) {
		ret = -EINVAL;
		errno = EINVAL;
		goto out;
	}
	end = offset + length < g->capacity ? offset + length : g->capacity;
	if (zsa == BLK_NVME_ZSA_RESET && !offset && end == g->capacity) {
		/* The whole namespace: one command. */
		blk_nvme_cmd_zone_send(&cmd, c.t->ns.nsid, 0, zsa, true);
		ret = blk_nvme_zns_submit(c.t->fd, &cmd, NULL);
		if (ret)
			ret = zone_err(f->file_name, what, ret);
		goto out;
	}
	for (offset -= offset % zone_bytes; offset < end; offset += zone_bytes) {
		blk_nvme_cmd_zone_send(&cmd, c.t->ns.nsid, blk_geom_blocks(g, offset), zsa, false);
		ret = blk_nvme_zns_submit(c.t->fd, &cmd, NULL);
		if (ret) {
			ret = zone_err(f->file_name, what, ret);
			break;
		}
	}
out:
	zone_ctx_put(&c);
	return ret;
}

int nvme_zones_reset_wp(struct thread_data *td, struct fio_file *f, uint64_t offset,
			uint64_t length)
{
	return zone_send_range(td, f, offset, length, BLK_NVME_ZSA_RESET,
			       "Zone Management Send (Reset Zone)");
}

int nvme_zones_finish(struct thread_data *td, struct fio_file *f, uint64_t offset,
		      uint64_t length)
{
	return zone_send_range(td, f, offset, length, BLK_NVME_ZSA_FINISH,
			       "Zone Management Send (Finish Zone)");
}

#ifndef BLK_FIO_HAS_MAX_ACTIVE_ZONES
static unsigned int min_limit(unsigned int a, unsigned int b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}
#endif

int nvme_zones_max_open(struct thread_data *td, struct fio_file *f, unsigned int *max)
{
	struct zone_ctx c;
	int ret;

	ret = zone_ctx_get(td, f, &c);
	if (ret) {
		errno = -ret;
		return ret;
	}
#ifdef BLK_FIO_HAS_MAX_ACTIVE_ZONES
	*max = c.t->zns.max_open;
#else
	/*
	 * This fio knows no active zone limit. A zone fio writes stays open
	 * (so active) until it is full, so fio keeping to the smaller of
	 * the two limits never has the device refuse an open or an
	 * activation.
	 */
	*max = min_limit(c.t->zns.max_open, c.t->zns.max_active);
#endif
	zone_ctx_put(&c);
	return 0;
}

int nvme_zones_max_active(struct thread_data *td, struct fio_file *f, unsigned int *max)
{
	struct zone_ctx c;
	int ret;

	ret = zone_ctx_get(td, f, &c);
	if (ret) {
		errno = -ret;
		return ret;
	}
	*max = c.t->zns.max_active;
	zone_ctx_put(&c);
	return 0;
}
