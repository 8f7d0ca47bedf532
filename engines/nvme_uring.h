/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nvme-passthru-uring: one NVMe namespace (generic char device) as the
 * engine uses it, and the start-up checks that make a job fit the device.
 */
#ifndef BLK_NVME_URING_H
#define BLK_NVME_URING_H

#include <stdbool.h>
#include <stdint.h>

#include "fio.h"

#include "io_geom.h"
#include "nvme_cmd.h"
#include "nvme_ns.h"
#include "nvme_pi.h"
#include "nvme_placement.h"
#include "nvme_zns.h"

struct nvme_target {
	int fd;			/* open generic char device, -1 when closed */
	int reg_index;		/* index among the ring's registered files, -1 none */
	struct blk_nvme_ns ns;
	struct blk_nvme_zns zns;	/* zone geometry; zns.zoned false on other command sets */
	/*
	 * What fio addresses: block is lba_size, plus ms for extended LBA
	 * formats unless the controller strips the whole metadata (PRACT with
	 * 8-byte metadata); fio offsets are in this unit. max_xfer is the data
	 * bytes one command may carry, capacity the namespace's bytes.
	 */
	struct blk_geom geom;
	struct blk_nvme_lba_div lba;	/* geom.block, for bytes to blocks without a division */
	uint32_t md_per_block;	/* separate metadata bytes per block sent, 0 none */
	bool pi_host;		/* the engine computes PI (pi_act=0 on a PI format) */
	uint8_t prinfo;		/* PRINFO of reads and writes */
	struct blk_pi_layout pi;
	/*
	 * Reads and writes of one command with data alone (no protection
	 * information, no separate metadata) start from these, indexed by
	 * DDIR_READ and DDIR_WRITE, when fast_rw is set.
	 */
	bool fast_rw;
	/*
	 * nvme_queue() takes them itself (fast_rw on a job that adds nothing
	 * to an SQE). It checks in blocks: the namespace's, and the most one
	 * command carries (max_xfer, at most the namespace).
	 */
	bool lean_rw;
	uint64_t nr_blocks;
	uint64_t fast_nlb_max;
	struct nvme_uring_cmd rw_template[2];
	/* What a write's command has other than the read's, by DDIR_READ and DDIR_WRITE. */
	uint8_t rw_opcode[2];
	uint32_t rw_cdw12[2];
	/* Data placement of writes (dtype 0: none); fast_rw is off when placing. */
	struct nvme_placement place;
};

/*
 * Opens path, identifies the namespace and checks the job's options
 * against it; logs a message naming the file and option on failure.
 * Returns 0 (t->fd open) or -errno (nothing open).
 */
int nvme_target_open(struct thread_data *td, const char *path, struct nvme_target *t);
void nvme_target_close(struct nvme_target *t);

#endif
