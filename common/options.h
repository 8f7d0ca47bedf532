/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Job options of every blkengine engine kind.
 *
 * Options that fio's io_uring_cmd engine also has keep its names and
 * semantics, so a job file moves over by changing the ioengine line.
 * Options of our own start with "blk_".
 */
#ifndef BLK_OPTIONS_H
#define BLK_OPTIONS_H

#include <stdint.h>

#include "write_mix.h"

struct fio_option;
struct thread_data;

enum blk_kind {
	BLK_KIND_AUTO = 0,		/* chosen from each file */
	BLK_KIND_NVME_URING,		/* nvme-passthru-uring */
	BLK_KIND_VHOST_USER,		/* virtio-blk-vhost-user */
	BLK_KIND_VHOST_VDPA,		/* virtio-blk-vhost-vdpa */
	BLK_KIND_VFIO_PCI,		/* virtio-blk-vfio-pci */
	BLK_KIND_NR,
};

enum blk_write_mode {
	BLK_WRITE_MODE_WRITE = 0,
	BLK_WRITE_MODE_UNCOR,
	BLK_WRITE_MODE_ZEROES,
	BLK_WRITE_MODE_VERIFY,
	BLK_WRITE_MODE_ZONE_APPEND,
	BLK_WRITE_MODE_MIX,		/* several, by percentage: blk_options.write_mix */
};

/* pi_chk is a list of these, as in fio's io_uring_cmd engine */
#define BLK_PI_CHK_GUARD	(1u << 2)
#define BLK_PI_CHK_APPTAG	(1u << 1)
#define BLK_PI_CHK_REFTAG	(1u << 0)

/* io_uring_cmd's verify_mode, where fio verifies in the device (IO_U_F_VER_IN_DEV) */
enum blk_verify_mode {
	BLK_VERIFY_MODE_READ = 1,
	BLK_VERIFY_MODE_COMPARE,
};

enum blk_oversize {
	BLK_OVERSIZE_SPLIT = 0,		/* split into several commands */
	BLK_OVERSIZE_REFUSE,		/* refuse the job at start-up */
};

enum blk_wait_mode {
	BLK_WAIT_AUTO = 0,		/* poll with hipri, else adaptive spin, then eventfd */
	BLK_WAIT_EVENTFD,
	BLK_WAIT_POLL,
};

/* blk_ring: the virtqueue layout of the virtio-blk engines */
enum blk_ring {
	BLK_RING_AUTO = 0,		/* BLK_RING_AUTO_PACKED decides (virtio_dev.c) */
	BLK_RING_SPLIT,
	BLK_RING_PACKED,		/* refused on a device without VIRTIO_F_RING_PACKED */
};

struct blk_options {
	void *pad;			/* an offset of 0 breaks fio's parser */
	unsigned int kind;		/* enum blk_kind */

	/* io_uring_cmd compatible */
	unsigned int cmd_type;
	unsigned int fixedbufs;
	unsigned int registerfiles;
	unsigned int sqpoll_thread;
	unsigned int sqpoll_set;
	unsigned int sqpoll_cpu;
	unsigned int hipri;
	unsigned int nonvectored;
	unsigned int readfua;
	unsigned int writefua;
	unsigned long long md_per_io_size;
	unsigned int pi_act;
	char *pi_chk_str;
	unsigned int pi_chk;		/* BLK_PI_CHK_* parsed from pi_chk_str */
	unsigned int apptag;
	unsigned int apptag_mask;
	unsigned int write_mode;	/* enum blk_write_mode */
	unsigned int deac;
	unsigned int num_range;
	unsigned int verify_mode;	/* enum blk_verify_mode */

	/* blkengine's own */
	unsigned int oversize;		/* enum blk_oversize */
	unsigned int wait_mode;		/* enum blk_wait_mode */
	unsigned int queue_size;	/* virtqueue entries, 0 = device maximum */
	unsigned int trim_write_zeroes;	/* virtio-blk: trim as write zeroes */
	unsigned int stall_timeout;	/* virtio-blk: seconds a queue may complete nothing */
	unsigned int reconnect;		/* vhost-user: seconds to wait for the back-end to return */
	char *reconnect_json;		/* vhost-user: where the outage records go */
	unsigned int reconnect_inflight; /* vhost-user: let the back-end resubmit (its in-flight region) */
	unsigned int ring;		/* enum blk_ring */
	unsigned int health;		/* NVMe: health logs around the run */
	char *health_json;		/* NVMe: the health report as JSON, NULL none */

	/* fio's io_uring engines', so their job files load (nvme-passthru-uring) */
	unsigned int force_async;	/* IOSQE_ASYNC on every Nth command, 0 never */
	unsigned int nowait;		/* accepted; passthrough has no RWF_NOWAIT */
	unsigned int cmdprio_percentage[2];	/* [DDIR_READ], [DDIR_WRITE] */
	unsigned int cmdprio_class[2];
	unsigned int cmdprio_level[2];
	unsigned int cmdprio_hint[2];
	char *cmdprio_bssplit;

	/*
	 * fio 3.33 has no data placement options: the engine registers fio's
	 * (fdp, dataplacement, plid_select, plids, dp_scheme) with their meaning.
	 */
	unsigned int dp_fdp;
	unsigned int dp_type;		/* enum blk_dp_type */
	unsigned int dp_select;		/* enum blk_dp_select */
	char *dp_ids_str;
	char *dp_scheme_file;
	uint16_t dp_ids[128];		/* plids= as parsed (BLK_DP_MAX_IDS) */
	unsigned int dp_nr_ids;

	/* write_mode as parsed: one mode (nr 1) or a weighted mix */
	struct blk_write_mix write_mix;
	unsigned int verify_compare;	/* NVMe: verify=pattern by Compare, not Read */
};

/* Largest I/O priority hint (the kernel's IOPRIO_HINT bits: 10) */
#define BLK_IOPRIO_MAX_HINT	1023

extern struct fio_option blk_fio_options[];

/*
 * Documentation data for the options above, which struct fio_option has no
 * field for: the engine kinds that use each option, and what its one-line
 * help leaves out. Read only by tools/blk-optdoc, which writes blkengine(7)
 * and the README's option table from blk_fio_options[] and this table, so
 * the documents follow the table fio parses. Keyed by option name and ended
 * by a NULL name; an option missing here is documented as taken by every
 * kind (fio accepts it in any job of the module) and blk-optdoc warns.
 */
#define BLK_KINDS_NVME		(1u << BLK_KIND_NVME_URING)
#define BLK_KINDS_VIRTIO	((1u << BLK_KIND_VHOST_USER) | (1u << BLK_KIND_VHOST_VDPA) | \
				 (1u << BLK_KIND_VFIO_PCI))
#define BLK_KINDS_ALL		(BLK_KINDS_NVME | BLK_KINDS_VIRTIO)

struct blk_option_doc {
	const char *name;		/* as in blk_fio_options[] */
	unsigned int kinds;		/* BLK_KINDS_*: the kinds that use it */
	const char *note;		/* more than the help line says, or NULL */
};

extern const struct blk_option_doc blk_option_docs[];

const char *blk_kind_name(enum blk_kind kind);

/* Ranges per trim: fio's own num_range where it has one, else ours. */
unsigned int blk_num_range(struct thread_data *td);

/*
 * Checks option combinations that do not depend on the device; logs a
 * message naming the option and returns -EINVAL when one is wrong.
 */
int blk_options_check(struct thread_data *td, struct blk_options *o);

#endif
