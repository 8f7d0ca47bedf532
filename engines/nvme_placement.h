/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: data placement of writes, Flexible Data Placement
 * (DTYPE 2, a placement identifier in DSPEC) and Streams (DTYPE 1, a
 * stream identifier).
 *
 * With fio 3.34 or later fio's own options (fdp=1, dataplacement=,
 * plids=, plid_select=, dp_scheme=) choose each write's identifier and
 * hand it over in io_u->dtype/dspec; fio asks the engine for the
 * namespace's reclaim unit handles through the fdp_fetch_ruhs hook. fio
 * 3.33 has none of these options: the engine registers them itself and
 * picks each identifier the way newer fio does.
 *
 * Either way the namespace is checked at start-up (FDP in CTRATT, the
 * Reclaim Unit Handle Status, the Streams directive enabled) and every
 * identifier the job can use is checked against what the device reports,
 * since a controller may place a write with an unknown identifier in the
 * default reclaim unit without a word.
 */
#ifndef BLK_NVME_PLACEMENT_H
#define BLK_NVME_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "fio.h"

#include "nvme_cmd.h"
#include "nvme_ns.h"
#include "placement.h"

struct nvme_placement {
	uint8_t dtype;			/* directive type of writes, 0 none */
	bool from_fio;			/* fio filled io_u->dtype/dspec */
	struct blk_dp_picker picker;	/* else the engine picks */
	struct blk_dp_scheme_entry scheme[BLK_DP_MAX_SCHEME];
};

/*
 * Checks the job's data placement against namespace ns (open as fd at
 * path) and prepares pl. Returns 0 (pl->dtype 0 when the job places
 * nothing) or -errno after a message naming the file and the option.
 */
int nvme_placement_setup(struct thread_data *td, const char *path, int fd,
			 const struct blk_nvme_ns *ns, struct nvme_placement *pl);

/* Sets the directive of a write command's fields. */
static inline void nvme_placement_tag(struct nvme_placement *pl, const struct io_u *io_u,
				      struct blk_nvme_rw *rw)
{
#ifdef BLK_FIO_HAS_FDP
	if (pl->from_fio) {
		rw->dtype = (uint8_t)io_u->dtype;
		rw->dspec = (uint16_t)io_u->dspec;
		return;
	}
#endif
	rw->dtype = pl->dtype;
	rw->dspec = blk_dp_pick(&pl->picker, io_u->offset);
}

#ifdef BLK_FIO_HAS_FDP
struct fio_ruhs_info;
/* fio's fdp_fetch_ruhs hook: the namespace's placement identifiers. */
int nvme_placement_fetch_ruhs(struct thread_data *td, struct fio_file *f,
			      struct fio_ruhs_info *info);
#endif

#endif
