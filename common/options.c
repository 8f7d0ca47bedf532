// SPDX-License-Identifier: GPL-2.0-only
/*
 * The option table fio parses for blkengine jobs.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "fio.h"
#include "optgroup.h"

#include "options.h"
#include "placement.h"

static const char *const kind_names[BLK_KIND_NR] = {
	[BLK_KIND_AUTO]		= "auto",
	[BLK_KIND_NVME_URING]	= "nvme-passthru-uring",
	[BLK_KIND_VHOST_USER]	= "virtio-blk-vhost-user",
	[BLK_KIND_VHOST_VDPA]	= "virtio-blk-vhost-vdpa",
	[BLK_KIND_VFIO_PCI]	= "virtio-blk-vfio-pci",
};

const char *blk_kind_name(enum blk_kind kind)
{
	if (kind >= BLK_KIND_NR)
		return "unknown";
	return kind_names[kind];
}

unsigned int blk_num_range(struct thread_data *td)
{
#ifdef BLK_FIO_HAS_NUM_RANGE
	return td->o.num_range;
#else
	return ((struct blk_options *)td->eo)->num_range;
#endif
}

static int sqpoll_cpu_cb(void *data, unsigned long long *val)
{
	struct blk_options *o = data;

	o->sqpoll_cpu = *val;
	o->sqpoll_set = 1;
	return 0;
}

/*
 * write_mode: one command for every write, as before, or a mix by
 * percentage ("write/60:zeroes/30:uncor/10"); write_mode keeps the single
 * mode's value, BLK_WRITE_MODE_MIX for a mix.
 */
static int write_mode_cb(void *data, const char *str)
{
	struct blk_options *o = data;
	char err[192];

	if (blk_write_mix_parse(str, &o->write_mix, err, sizeof(err))) {
		log_err("blkengine: write_mode=%s: %s\n", str, err);
		return 1;
	}
	o->write_mode = o->write_mix.nr == 1 ? o->write_mix.mode[0] : BLK_WRITE_MODE_MIX;
	return 0;
}

static int parse_pi_chk(const char *str, unsigned int *chk)
{
	*chk = 0;
	if (!str)
		return 0;
	if (strcasestr(str, "GUARD"))
		*chk |= BLK_PI_CHK_GUARD;
	if (strcasestr(str, "REFTAG"))
		*chk |= BLK_PI_CHK_REFTAG;
	if (strcasestr(str, "APPTAG"))
		*chk |= BLK_PI_CHK_APPTAG;
	if (!*chk && strlen(str))
		return -EINVAL;
	return 0;
}

int blk_options_check(struct thread_data *td, struct blk_options *o)
{
#ifdef BLK_FIO_HAS_VERIFY_IN_DEV
	/* io_uring_cmd's spelling of blk_verify_compare=1 (fio 3.39 and later). */
	if (o->verify_mode == BLK_VERIFY_MODE_COMPARE)
		o->verify_compare = 1;
#endif
	if (parse_pi_chk(o->pi_chk_str, &o->pi_chk)) {
		log_err("blkengine: pi_chk=%s: expected a list of GUARD, REFTAG, APPTAG (e.g. pi_chk=GUARD,REFTAG)\n",
			o->pi_chk_str);
		return -EINVAL;
	}
	if (o->apptag > 0xffff || o->apptag_mask > 0xffff) {
		log_err("blkengine: apptag and apptag_mask are 16-bit values (0 to 0xffff)\n");
		return -EINVAL;
	}
#ifndef BLK_FIO_HAS_FDP
	if (o->dp_ids_str) {
		char err[192];

		if (blk_dp_ids_parse(o->dp_ids_str, o->dp_ids, &o->dp_nr_ids, err, sizeof(err))) {
			log_err("blkengine: plids=%s: %s\n", o->dp_ids_str, err);
			return -EINVAL;
		}
	}
	if (o->dp_select == BLK_DP_SCHEME && (!o->dp_scheme_file || !*o->dp_scheme_file)) {
		log_err("blkengine: plid_select=scheme needs dp_scheme=FILE (lines START,END,PID)\n");
		return -EINVAL;
	}
#endif
	if (blk_num_range(td) < 1 || blk_num_range(td) > 256) {
		log_err("blkengine: num_range=%u: a Dataset Management command carries 1 to 256 ranges\n",
			blk_num_range(td));
		return -EINVAL;
	}
	return 0;
}

#define ENGINE_OPT	.category = FIO_OPT_C_ENGINE, .group = FIO_OPT_G_IOURING

struct fio_option blk_fio_options[] = {
	{
		.name	= "blk_engine",
		.lname	= "blkengine engine kind",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, kind),
		.def	= "auto",
		.help	= "Engine kind; auto picks it from each file (/dev/ngXnY, a unix socket, /dev/vhost-vdpa-N, a PCI function bound to vfio-pci)",
		.posval	= {
			{ .ival = "auto", .oval = BLK_KIND_AUTO,
			  .help = "Choose from the file: NVMe generic char device, vhost-user socket, vhost-vdpa device, virtio-blk PCI function bound to vfio-pci" },
			{ .ival = "nvme-passthru-uring", .oval = BLK_KIND_NVME_URING,
			  .help = "NVMe commands through io_uring passthrough on /dev/ngXnY" },
			{ .ival = "virtio-blk-vhost-user", .oval = BLK_KIND_VHOST_USER,
			  .help = "User-space virtio-blk over a vhost-user unix socket" },
			{ .ival = "virtio-blk-vhost-vdpa", .oval = BLK_KIND_VHOST_VDPA,
			  .help = "User-space virtio-blk over /dev/vhost-vdpa-N" },
			{ .ival = "virtio-blk-vfio-pci", .oval = BLK_KIND_VFIO_PCI,
			  .help = "User-space virtio-blk driver for a PCI function bound to vfio-pci (filename=DDDD\\:BB\\:DD.F)" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "cmd_type",
		.lname	= "Uring cmd type",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, cmd_type),
		.def	= "nvme",
		.help	= "Passthrough command set (nvme only; accepted for io_uring_cmd job files)",
		.posval	= {
			{ .ival = "nvme", .oval = 0, .help = "NVMe commands" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "hipri",
		.lname	= "High Priority",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct blk_options, hipri),
		.help	= "Poll for completions (NVMe: IOPOLL, needs nvme.poll_queues; virtio-blk: spin on the used ring)",
		ENGINE_OPT,
	},
	{
		.name	= "fixedbufs",
		.lname	= "Fixed (pre-mapped) IO buffers",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct blk_options, fixedbufs),
		.help	= "Register the I/O buffers with io_uring (IORING_URING_CMD_FIXED)",
		ENGINE_OPT,
	},
	{
		.name	= "registerfiles",
		.lname	= "Register file set",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct blk_options, registerfiles),
		.help	= "Register the device files with io_uring (0 to pass plain fds)",
		.def	= "1",
		.no_warn_def = 1,	/* on unless registerfiles=0 */
		ENGINE_OPT,
	},
	{
		.name	= "sqthread_poll",
		.lname	= "Kernel SQ thread polling",
		.type	= FIO_OPT_STR_SET,
		.off1	= offsetof(struct blk_options, sqpoll_thread),
		.help	= "Offload submission to a kernel thread (IORING_SETUP_SQPOLL)",
		ENGINE_OPT,
	},
	{
		.name	= "sqthread_poll_cpu",
		.lname	= "SQ Thread Poll CPU",
		.type	= FIO_OPT_INT,
		.cb	= sqpoll_cpu_cb,
		.help	= "CPU the SQ polling thread runs on",
		ENGINE_OPT,
	},
	{
		.name	= "nonvectored",
		.lname	= "Non-vectored",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, nonvectored),
		.def	= "-1",
		.help	= "Use non-vectored commands (NVME_URING_CMD_IO); 0 uses NVME_URING_CMD_IO_VEC",
		ENGINE_OPT,
	},
	{
		.name	= "readfua",
		.lname	= "Read fua flag support",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, readfua),
		.def	= "0",
		.help	= "Set FUA (force unit access) on every read",
		ENGINE_OPT,
	},
	{
		.name	= "writefua",
		.lname	= "Write fua flag support",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, writefua),
		.def	= "0",
		.help	= "Set FUA (force unit access) on every write (virtio-blk: a flush after each write)",
		ENGINE_OPT,
	},
	{
		.name	= "write_mode",
		.lname	= "Write command type",
		.type	= FIO_OPT_STR_STORE,
		.cb	= write_mode_cb,
		.def	= "write",
		.help	= "Command issued for writes, or a mix by percentage (write/60:zeroes/30:uncor/10)",
		.posval	= {
			{ .ival = "write", .oval = BLK_WRITE_MODE_WRITE, .help = "Write" },
			{ .ival = "uncor", .oval = BLK_WRITE_MODE_UNCOR, .help = "Write Uncorrectable (NVMe)" },
			{ .ival = "zeroes", .oval = BLK_WRITE_MODE_ZEROES, .help = "Write Zeroes" },
			{ .ival = "verify", .oval = BLK_WRITE_MODE_VERIFY, .help = "Verify (NVMe)" },
			{ .ival = "zone_append", .oval = BLK_WRITE_MODE_ZONE_APPEND, .help = "Zone Append (NVMe ZNS): the drive picks the LBA in the zone" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "deac",
		.lname	= "Deallocate bit for write zeroes command",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, deac),
		.def	= "0",
		.help	= "Set DEAC (deallocate) on write zeroes (virtio-blk: the unmap flag)",
		ENGINE_OPT,
	},
#ifdef BLK_FIO_HAS_VERIFY_IN_DEV
	/*
	 * io_uring_cmd's option: compare is blk_verify_compare=1 (set in
	 * blkengine.c), so its job files run unchanged.
	 */
	{
		.name	= "verify_mode",
		.lname	= "Command of the verify phase",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, verify_mode),
		.def	= "read",
		.help	= "Command issued in the verify phase",
		.posval	= {
			{ .ival = "read", .oval = BLK_VERIFY_MODE_READ,
			  .help = "Read the data back and verify it in fio" },
			{ .ival = "compare", .oval = BLK_VERIFY_MODE_COMPARE,
			  .help = "NVMe Compare: the controller checks the blocks against verify_pattern (as blk_verify_compare=1)" },
		},
		ENGINE_OPT,
	},
#endif
#ifndef BLK_FIO_HAS_NUM_RANGE
	/* newer fio has num_range as a job option of its own */
	{
		.name	= "num_range",
		.lname	= "Number of ranges per trim",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, num_range),
		.def	= "1",
		.minval	= 1,
		.maxval	= 256,
		.help	= "Ranges in one Dataset Management (trim) command, 1 to 256",
		ENGINE_OPT,
	},
#endif
#ifndef BLK_FIO_HAS_FDP
	/*
	 * fio's data placement options (3.38's names and meaning), which fio
	 * 3.33 lacks: a job file written for newer fio runs unchanged.
	 */
	{
		.name	= "fdp",
		.lname	= "Flexible data placement",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, dp_fdp),
		.def	= "0",
		.help	= "Tag writes with FDP placement identifiers (as dataplacement=fdp)",
		ENGINE_OPT,
	},
	{
		.name	= "dataplacement",
		.alias	= "data_placement",
		.lname	= "Data Placement interface",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, dp_type),
		.def	= "none",
		.help	= "Data placement interface of writes",
		.posval	= {
			{ .ival = "none", .oval = BLK_DP_NONE, .help = "No data placement" },
			{ .ival = "fdp", .oval = BLK_DP_FDP, .help = "Flexible Data Placement: plids= index the namespace's placement handles" },
			{ .ival = "streams", .oval = BLK_DP_STREAMS, .help = "Streams directive: plids= are stream IDs" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "plid_select",
		.alias	= "fdp_pli_select",
		.lname	= "Data Placement ID selection strategy",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, dp_select),
		.def	= "roundrobin",
		.help	= "How each write's placement ID is chosen",
		.posval	= {
			{ .ival = "random", .oval = BLK_DP_RANDOM, .help = "Uniformly at random" },
			{ .ival = "roundrobin", .oval = BLK_DP_ROUNDROBIN, .help = "In turn" },
			{ .ival = "scheme", .oval = BLK_DP_SCHEME, .help = "By the write's offset, from dp_scheme=FILE" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "plids",
		.alias	= "fdp_pli",
		.lname	= "Stream IDs/Data Placement ID indices",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct blk_options, dp_ids_str),
		.help	= "Placement handle indices (FDP; default all) or stream IDs (streams), e.g. 0,2,4-6",
		ENGINE_OPT,
	},
	{
		.name	= "dp_scheme",
		.lname	= "Data Placement Scheme",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct blk_options, dp_scheme_file),
		.help	= "File of START,END,PID lines: writes at offsets in [START, END) get placement ID PID (plid_select=scheme)",
		ENGINE_OPT,
	},
#endif
	{
		.name	= "md_per_io_size",
		.lname	= "Separate Metadata Buffer Size per I/O",
		.type	= FIO_OPT_STR_VAL,
		.off1	= offsetof(struct blk_options, md_per_io_size),
		.def	= "0",
		.help	= "Size of the separate metadata buffer of each I/O (formats with separate metadata)",
		ENGINE_OPT,
	},
	{
		.name	= "pi_act",
		.lname	= "Protection Information Action",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, pi_act),
		.def	= "1",
		.help	= "PRACT bit: the controller inserts/strips protection information",
		ENGINE_OPT,
	},
	{
		.name	= "pi_chk",
		.lname	= "Protection Information Check",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct blk_options, pi_chk_str),
		.help	= "Protection information checks (pi_chk=GUARD,REFTAG,APPTAG)",
		ENGINE_OPT,
	},
	{
		.name	= "apptag",
		.lname	= "Application Tag used in Protection Information",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, apptag),
		.def	= "0x1234",
		.help	= "Application tag of the protection information (default 0x1234)",
		ENGINE_OPT,
	},
	{
		.name	= "apptag_mask",
		.lname	= "Application Tag Mask",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, apptag_mask),
		.def	= "0xffff",
		.help	= "Application tag mask (default 0xffff)",
		ENGINE_OPT,
	},
	{
		.name	= "blk_oversize",
		.lname	= "I/O larger than the device's maximum transfer",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, oversize),
		.def	= "split",
		.help	= "What to do with an I/O larger than the device's maximum transfer",
		.posval	= {
			{ .ival = "split", .oval = BLK_OVERSIZE_SPLIT,
			  .help = "Send several commands and complete them as one I/O" },
			{ .ival = "refuse", .oval = BLK_OVERSIZE_REFUSE,
			  .help = "Refuse the job at start-up" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "blk_wait_mode",
		.lname	= "virtio-blk completion wait",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, wait_mode),
		.def	= "auto",
		.help	= "How virtio-blk waits for completions",
		.posval	= {
			{ .ival = "auto", .oval = BLK_WAIT_AUTO, .help = "poll with hipri, else spin briefly (adaptive), then block on the call eventfd" },
			{ .ival = "eventfd", .oval = BLK_WAIT_EVENTFD, .help = "block on the call eventfd" },
			{ .ival = "poll", .oval = BLK_WAIT_POLL, .help = "spin on the used ring" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "blk_queue_size",
		.lname	= "virtqueue size",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, queue_size),
		.def	= "0",
		.help	= "Virtqueue entries (power of two); 0 picks from iodepth and the device maximum",
		ENGINE_OPT,
	},
	{
		.name	= "blk_trim_write_zeroes",
		.lname	= "Trim as write zeroes",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, trim_write_zeroes),
		.def	= "0",
		.help	= "virtio-blk: send trims as WRITE_ZEROES with the unmap flag instead of DISCARD",
		ENGINE_OPT,
	},
	{
		.name	= "blk_stall_timeout",
		.lname	= "virtio-blk stall timeout",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, stall_timeout),
		.def	= "30",
		.minval	= 1,
		.maxval	= 3600,
		.help	= "virtio-blk: seconds a virtqueue may complete nothing with requests in flight before its I/Os fail (ETIMEDOUT)",
		ENGINE_OPT,
	},
	{
		.name	= "blk_reconnect",
		.lname	= "vhost-user reconnect",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, reconnect),
		.def	= "0",
		.minval	= 0,
		.maxval	= 3600,
		.help	= "virtio-blk-vhost-user: when the back-end closes the socket, wait up to this many seconds for it to return and resubmit the I/Os in flight (0: fail them)",
		ENGINE_OPT,
	},
	{
		.name	= "blk_reconnect_inflight",
		.lname	= "vhost-user reconnect in-flight region",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, reconnect_inflight),
		.def	= "1",
		.help	= "virtio-blk-vhost-user with blk_reconnect: when the back-end offers VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD, hand its in-flight region back so it resubmits what it had taken (0: the engine resubmits from its own records)",
		ENGINE_OPT,
	},
	{
		.name	= "blk_reconnect_json",
		.lname	= "vhost-user reconnect report",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct blk_options, reconnect_json),
		.help	= "virtio-blk-vhost-user: append each job's outages (blk_reconnect) to this file, one JSON object per line",
		ENGINE_OPT,
	},
	{
		.name	= "blk_ring",
		.lname	= "virtqueue layout",
		.type	= FIO_OPT_STR,
		.off1	= offsetof(struct blk_options, ring),
		.def	= "auto",
		.help	= "virtio-blk: the virtqueue layout",
		.posval	= {
			{ .ival = "auto", .oval = BLK_RING_AUTO, .help = "the faster layout the device offers (see the README's packed-ring section)" },
			{ .ival = "split", .oval = BLK_RING_SPLIT, .help = "split virtqueues (virtio 1.0)" },
			{ .ival = "packed", .oval = BLK_RING_PACKED, .help = "packed virtqueues (VIRTIO_F_RING_PACKED, virtio 1.1); refused if the device does not offer them" },
		},
		ENGINE_OPT,
	},
	{
		.name	= "blk_health",
		.lname	= "Drive health around the run",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, health),
		.def	= "1",
		.help	= "NVMe: read the SMART, error and FDP logs at the start and end and print what changed",
		ENGINE_OPT,
	},
	{
		.name	= "blk_health_json",
		.lname	= "Drive health report file",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct blk_options, health_json),
		.help	= "NVMe: also write the health report to this file as JSON, one object per namespace a line",
		ENGINE_OPT,
	},
#ifdef FIO_HAVE_IOPRIO_CLASS
	/*
	 * fio's io_uring engines' cmdprio options: the engine hands them to
	 * fio's own cmdprio code (nvme_uring.c), so percentages, bssplit and
	 * the per-priority latency lines work as there.
	 */
	{
		.name	= "cmdprio_percentage",
		.lname	= "high priority percentage",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, cmdprio_percentage[DDIR_READ]),
		.off2	= offsetof(struct blk_options, cmdprio_percentage[DDIR_WRITE]),
		.minval	= 0,
		.maxval	= 100,
		.help	= "Send high priority I/O this percentage of the time",
		ENGINE_OPT,
	},
	{
		.name	= "cmdprio_class",
		.lname	= "Asynchronous I/O priority class",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, cmdprio_class[DDIR_READ]),
		.off2	= offsetof(struct blk_options, cmdprio_class[DDIR_WRITE]),
		.help	= "Set asynchronous IO priority class",
		.minval	= IOPRIO_MIN_PRIO_CLASS + 1,
		.maxval	= IOPRIO_MAX_PRIO_CLASS,
		.interval = 1,
		ENGINE_OPT,
	},
	{
		.name	= "cmdprio_hint",
		.lname	= "Asynchronous I/O priority hint",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, cmdprio_hint[DDIR_READ]),
		.off2	= offsetof(struct blk_options, cmdprio_hint[DDIR_WRITE]),
		.help	= "Set asynchronous IO priority hint",
		.minval	= 0,
		.maxval	= BLK_IOPRIO_MAX_HINT,
		.interval = 1,
		ENGINE_OPT,
	},
	{
		.name	= "cmdprio",
		.lname	= "Asynchronous I/O priority level",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, cmdprio_level[DDIR_READ]),
		.off2	= offsetof(struct blk_options, cmdprio_level[DDIR_WRITE]),
		.help	= "Set asynchronous IO priority level",
		.minval	= IOPRIO_MIN_PRIO,
		.maxval	= IOPRIO_MAX_PRIO,
		.interval = 1,
		ENGINE_OPT,
	},
	{
		.name	= "cmdprio_bssplit",
		.lname	= "Priority percentage block size split",
		.type	= FIO_OPT_STR_STORE,
		.off1	= offsetof(struct blk_options, cmdprio_bssplit),
		.help	= "Set priority percentages for different block sizes",
		ENGINE_OPT,
	},
#endif
	{
		.name	= "blk_verify_compare",
		.lname	= "Verify by NVMe Compare",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, verify_compare),
		.def	= "0",
		.help	= "NVMe: with verify=pattern, the verify phase sends Compare (05h) with the pattern instead of reading the data back",
		ENGINE_OPT,
	},
	{
		.name	= "nowait",
		.lname	= "RWF_NOWAIT",
		.type	= FIO_OPT_BOOL,
		.off1	= offsetof(struct blk_options, nowait),
		.help	= "Accepted for io_uring_cmd job files; passthrough commands have no RWF_NOWAIT",
		ENGINE_OPT,
	},
	{
		.name	= "force_async",
		.lname	= "Force async",
		.type	= FIO_OPT_INT,
		.off1	= offsetof(struct blk_options, force_async),
		.help	= "Set IOSQE_ASYNC every N requests",
		ENGINE_OPT,
	},
	{
		.name	= NULL,
	},
};

/* See options.h: which kinds use each option, for blkengine(7) and the README. */
const struct blk_option_doc blk_option_docs[] = {
	{ "blk_engine",		BLK_KINDS_ALL,		NULL },
	{ "cmd_type",		BLK_KINDS_NVME,		NULL },
	{ "hipri",		BLK_KINDS_ALL,		NULL },
	{ "fixedbufs",		BLK_KINDS_NVME,		NULL },
	{ "registerfiles",	BLK_KINDS_NVME,
	  "On unless registerfiles=0, unlike io_uring_cmd: each command then skips the file descriptor lookup." },
	{ "sqthread_poll",	BLK_KINDS_NVME,		NULL },
	{ "sqthread_poll_cpu",	BLK_KINDS_NVME,
	  "With sqthread_poll; unset, the kernel thread is not pinned." },
	{ "nonvectored",	BLK_KINDS_NVME,
	  "-1 (the default) and 1 send non-vectored commands." },
	{ "readfua",		BLK_KINDS_NVME,
	  "virtio-blk has no equivalent and ignores it." },
	{ "writefua",		BLK_KINDS_ALL,		NULL },
	{ "write_mode",		BLK_KINDS_ALL,
	  "virtio-blk takes write and zeroes, not a mix; verify= needs write_mode=write or zone_append. zone_append needs a zoned namespace and bs no larger than ZASL, and is not part of a mix. In a mix (nvme-passthru-uring) each write picks its command by the percentages, which add up to 100; fio counts them all as writes, and the job ends with a line of commands and latency per command." },
	{ "deac",		BLK_KINDS_ALL,		NULL },
#ifndef BLK_FIO_HAS_NUM_RANGE
	{ "num_range",		BLK_KINDS_NVME,
	  "fio 3.37 and later have num_range as a job option of their own; the virtio-blk engines refuse num_range>1." },
#endif
#ifndef BLK_FIO_HAS_FDP
	{ "fdp",		BLK_KINDS_NVME,
	  "fio 3.34 and later have the data placement options (fdp, dataplacement, plid_select, plids, dp_scheme) of their own; the engine registers them only where fio lacks them, with fio 3.38's meaning. The namespace must be in an endurance group with FDP enabled (checked at start-up)." },
	{ "dataplacement",	BLK_KINDS_NVME,
	  "fdp: each write carries directive type 2 and a placement ID of the namespace (checked against its Reclaim Unit Handle Status); streams: directive type 1 and a stream ID, refused unless the controller supports Streams and they are enabled on the namespace." },
	{ "plid_select",	BLK_KINDS_NVME,		NULL },
	{ "plids",		BLK_KINDS_NVME,
	  "With dataplacement=fdp, indices into the namespace's placement handles as nvme fdp status lists them (an index past the last is refused); with streams, the stream IDs (from 1)." },
	{ "dp_scheme",		BLK_KINDS_NVME,
	  "At most 32 ranges are used, as in fio; a line that does not parse, or a placement ID the namespace lacks, is refused naming the line." },
#endif
	{ "md_per_io_size",	BLK_KINDS_NVME,		NULL },
	{ "pi_act",		BLK_KINDS_NVME,		NULL },
	{ "pi_chk",		BLK_KINDS_NVME,		NULL },
	{ "apptag",		BLK_KINDS_NVME,		NULL },
	{ "apptag_mask",	BLK_KINDS_NVME,		NULL },
	{ "blk_oversize",	BLK_KINDS_ALL,		NULL },
	{ "blk_wait_mode",	BLK_KINDS_VIRTIO,
	  "auto spins adaptively for up to 64 us before it sleeps on the eventfd." },
	{ "blk_queue_size",	BLK_KINDS_VIRTIO,	NULL },
	{ "blk_trim_write_zeroes", BLK_KINDS_VIRTIO,	NULL },
	{ "blk_stall_timeout",	BLK_KINDS_VIRTIO,
	  "5 s once fio is stopping the job; the other queues of the device go on. Wakeups "
	  "that bring no completion (a device signalling without completing) do not reset it." },
	{ "blk_reconnect",	1u << BLK_KIND_VHOST_USER,
	  "Keeps the I/Os in flight, connects again (backing off), repeats the handshake (the same features, a disk at least as large), registers the memory and sets each queue up again with its requests resubmitted; the jobs sharing the connection reconnect once. At the job's end one line per outage: when, how long no I/O completed, how many requests were resubmitted. A back-end that does not return in time fails the I/Os as with 0." },
	{ "blk_reconnect_inflight", 1u << BLK_KIND_VHOST_USER,
	  "With the region (qemu-storage-daemon offers it) the ring stays as it was; with 0, or a back-end without it, the ring starts again from index 0 with every request whose completion was not seen. The first job of a process to reconnect decides for the connection. A packed ring (blk_ring) always starts again from its own records." },
	{ "blk_reconnect_json",	1u << BLK_KIND_VHOST_USER,
	  "One line per job: {\"job\", \"file\", \"queue\", \"reconnects\" (of the connection), \"outages\": [{\"at_s\", \"no_completion_s\", \"resubmitted\"}], \"total\": {...}}." },
	{ "blk_ring",		BLK_KINDS_VIRTIO,
	  "packed also negotiates VIRTIO_F_IN_ORDER when offered. All jobs of a process on one device use one layout." },
	{ "blk_health",		BLK_KINDS_NVME,
	  "Once per namespace: jobs running at the same time on one namespace share one reading at the start and one at the end. SMART figures are the controller's (nsid FFFFFFFFh), as nvme smart-log shows them; FDP figures are those of the namespace's endurance group. A log the controller refuses is noted once and left out." },
	{ "blk_health_json",	BLK_KINDS_NVME,
	  "Truncated when the run starts; with blk_health=0 nothing is written." },
#ifdef FIO_HAVE_IOPRIO_CLASS
	{ "cmdprio_percentage",	BLK_KINDS_NVME,
	  "Puts the priority in the SQE's ioprio, picked per I/O by fio's cmdprio code. Linux 6.12 refuses an ioprio on passthrough commands: a start-up probe then refuses the job (see the README). One value for both directions, or read,write." },
	{ "cmdprio_class",	BLK_KINDS_NVME,
	  "1 RT, 2 BE, 3 IDLE; unset means BE." },
	{ "cmdprio_hint",	BLK_KINDS_NVME,
	  "Put in the priority's hint bits (bits 3-12) with cmdprio_percentage; with fio 3.39 and later in cmdprio_bssplit entries too." },
	{ "cmdprio",		BLK_KINDS_NVME,		NULL },
	{ "cmdprio_bssplit",	BLK_KINDS_NVME,
	  "As in fio's io_uring engines (bs/percentage[/class/level], per direction); not with cmdprio_percentage." },
#endif
	{ "blk_verify_compare",	BLK_KINDS_NVME,
	  "The controller compares; a block that differs fails the I/O with NVMe status 0x285 Compare Failure, named on a line before fio's. Needs a fixed verify_pattern (no %o) and the Compare command (ONCS bit 0); refused otherwise. With fio 3.39 and later, io_uring_cmd's verify_mode=compare means the same." },
	{ "nowait",		BLK_KINDS_NVME,
	  "No effect: the kernel already issues every passthrough command without blocking and hands it to a worker when the device queue is full, and RWF_NOWAIT's bit would land in uring_cmd_flags, which the kernel refuses." },
	{ "force_async",	BLK_KINDS_NVME,
	  "Counts commands (an I/O split at the maximum transfer is several); 0 or unset never." },
	{ .name = NULL },
};
