// SPDX-License-Identifier: GPL-2.0-only
/*
 * nvme-passthru-uring: data placement (FDP and Streams), checked against
 * the namespace at start-up; see nvme_placement.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fio.h"
#ifdef BLK_FIO_HAS_DATAPLACEMENT
#include "dataplacement.h"
#elif defined(BLK_FIO_HAS_FDP)
#include "fdp.h"
#endif

#include "nvme_placement.h"
#include "nvme_status.h"
#include "options.h"

#define ADMIN_TIMEOUT_MS	10000
/* Most reclaim unit handle descriptors read: 32 KiB, within any MDTS. */
#define RUHS_MAX_READ		1023u
#define SCHEME_MAX_BYTES	65536

/* What the job asks for, from fio's options or, on fio 3.33, the engine's. */
struct dp_request {
	unsigned int type;		/* enum blk_dp_type */
	unsigned int select;		/* enum blk_dp_select */
	const uint16_t *ids;		/* plids=: FDP indices, or stream IDs */
	unsigned int nr_ids;
	const char *scheme_file;	/* dp_scheme=, with select BLK_DP_SCHEME */
	bool from_fio;
};

static int job_request(struct thread_data *td, struct dp_request *r)
{
	memset(r, 0, sizeof(*r));
#if defined(BLK_FIO_HAS_DATAPLACEMENT)
	/* fio 3.38 and later (fdp=1 is dataplacement=fdp there) */
	r->type = td->o.dp_type;
	r->select = td->o.dp_id_select;
	r->ids = td->o.dp_ids;
	r->nr_ids = td->o.dp_nr_ids;
	r->scheme_file = td->o.dp_scheme_file;
	r->from_fio = true;
#elif defined(BLK_FIO_HAS_FDP)
	/* fio 3.34 to 3.37: FDP only; fio checks its indices through the hook. */
	r->type = td->o.fdp ? BLK_DP_FDP : BLK_DP_NONE;
	r->select = BLK_DP_ROUNDROBIN;
	r->from_fio = true;
#else
	struct blk_options *o = td->eo;

	r->type = o->dp_type;
	if (o->dp_fdp) {
		if (o->dp_type == BLK_DP_STREAMS) {
			log_err("blkengine: fdp=1 and dataplacement=streams contradict each other; use one\n");
			return -EINVAL;
		}
		r->type = BLK_DP_FDP;
	}
	r->select = o->dp_select;
	r->ids = o->dp_ids;
	r->nr_ids = o->dp_nr_ids;
	r->scheme_file = o->dp_scheme_file;
#endif
	return 0;
}

/* How the messages name the FDP options, which fio spells two ways. */
#define FDP_OPT "fdp=1 (dataplacement=fdp)"

/* 0, a positive NVMe status, or -errno. */
static int passthru(int fd, unsigned long req, uint8_t opcode, uint32_t nsid, uint32_t cdw10,
		    uint32_t cdw11, void *buf, uint32_t len)
{
	struct nvme_passthru_cmd c = {
		.opcode = opcode,
		.nsid = nsid,
		.addr = (uint64_t)(uintptr_t)buf,
		.data_len = len,
		.cdw10 = cdw10,
		.cdw11 = cdw11,
		.timeout_ms = ADMIN_TIMEOUT_MS,
	};
	int ret;

	memset(buf, 0, len);
	ret = ioctl(fd, req, &c);
	return ret < 0 ? -errno : ret;
}

static const char *why(int ret, char *buf, size_t len)
{
	if (ret > 0)
		return blk_nvme_status_describe((uint32_t)ret, buf, len);
	snprintf(buf, len, "%s", strerror(-ret));
	return buf;
}

/*
 * The namespace's reclaim unit handles: FDP in CTRATT, then the Reclaim
 * Unit Handle Status. Fills st[0 .. *nr) and returns 0, or logs why
 * not and returns -errno.
 */
static int read_ruhs(const char *path, int fd, const struct blk_nvme_ns *ns,
		     struct blk_nvme_ruh_status *st, unsigned int *nr)
{
	unsigned char hdr[BLK_NVME_RUHS_HDR];
	unsigned int total, want;
	char desc[160];
	void *buf = NULL;
	uint32_t len;
	int ret;

	if (!ns->fdp) {
		log_err("blkengine: %s: %s: the controller does not support Flexible Data Placement (Identify Controller CTRATT bit 19 is clear); drop the data placement options\n",
			path, FDP_OPT);
		return -EOPNOTSUPP;
	}
	/*
	 * The header for the count, then exactly the descriptors: a controller
	 * may reject a buffer longer than what it transfers (an SGL without
	 * excess length, as QEMU's).
	 */
	ret = passthru(fd, NVME_IOCTL_IO_CMD, BLK_NVME_OP_IO_MGMT_RECV, ns->nsid,
		       blk_nvme_ruhs_cdw10(), blk_nvme_ruhs_cdw11(sizeof(hdr)), hdr, sizeof(hdr));
	if (!ret) {
		blk_nvme_ruhs_parse(hdr, sizeof(hdr), st, 0, nr, &total);
		want = total < RUHS_MAX_READ ? total : RUHS_MAX_READ;
		len = BLK_NVME_RUHS_HDR + want * BLK_NVME_RUHS_DESC;
		buf = malloc(len);
		if (!buf)
			return -ENOMEM;
		ret = passthru(fd, NVME_IOCTL_IO_CMD, BLK_NVME_OP_IO_MGMT_RECV, ns->nsid,
			       blk_nvme_ruhs_cdw10(), blk_nvme_ruhs_cdw11(len), buf, len);
	}
	if (ret) {
		log_err("blkengine: %s: %s: the controller did not report the reclaim unit handles of namespace %u (I/O Management Receive: %s): FDP is off in its endurance group; enable it (nvme set-feature on the controller with --feature-id=0x1d --cdw12=ENDGID --value=1, while the group has no namespace) or drop the data placement options\n",
			path, FDP_OPT, ns->nsid, why(ret, desc, sizeof(desc)));
		free(buf);
		return ret > 0 ? -EOPNOTSUPP : ret;
	}
	ret = blk_nvme_ruhs_parse(buf, len, st, RUHS_MAX_READ, nr, &total);
	free(buf);
	if (ret || !*nr) {
		log_err("blkengine: %s: %s: namespace %u has no reclaim unit handle (the Reclaim Unit Handle Status lists %u); give the namespace placement handles or drop the data placement options\n",
			path, FDP_OPT, ns->nsid, ret ? 0 : total);
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool known_pid(const struct blk_nvme_ruh_status *st, unsigned int nr, uint16_t pid)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (st[i].pid == pid)
			return true;
	return false;
}

static void list_pids(const struct blk_nvme_ruh_status *st, unsigned int nr, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < nr && off + 8 < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%u", i ? "," : "", st[i].pid);
	if (i < nr && off + 4 < len)
		snprintf(buf + off, len - off, ",...");
}

/* The Streams directive is supported and enabled on the namespace. */
static int check_streams(const char *path, int fd, const struct blk_nvme_ns *ns,
			 const struct dp_request *r)
{
	struct blk_nvme_dir_support d;
	unsigned char buf[BLK_NVME_IDENTIFY_SIZE];
	char desc[160];
	unsigned int i;
	int ret;

	if (!r->nr_ids) {
		log_err("blkengine: %s: dataplacement=streams needs the stream IDs to use: set plids= (e.g. plids=1,2)\n",
			path);
		return -EINVAL;
	}
	for (i = 0; i < r->nr_ids; i++) {
		if (!r->ids[i]) {
			log_err("blkengine: %s: dataplacement=streams: plids= names stream 0, which means no stream; use stream IDs from 1\n",
				path);
			return -EINVAL;
		}
	}
	if (!ns->directives) {
		log_err("blkengine: %s: dataplacement=streams: the controller has no directives (Identify Controller OACS bit 5 is clear), so it has no Streams; drop the data placement options\n",
			path);
		return -EOPNOTSUPP;
	}
	ret = passthru(fd, NVME_IOCTL_ADMIN_CMD, BLK_NVME_ADMIN_DIR_RECV, ns->nsid,
		       blk_nvme_dir_identify_cdw10(sizeof(buf)), blk_nvme_dir_identify_cdw11(),
		       buf, sizeof(buf));
	if (ret) {
		log_err("blkengine: %s: dataplacement=streams: Directive Receive (Identify) failed: %s; drop the data placement options\n",
			path, why(ret, desc, sizeof(desc)));
		return ret > 0 ? -EOPNOTSUPP : ret;
	}
	blk_nvme_dir_identify_parse(buf, sizeof(buf), &d);
	if (!(d.supported & (1u << BLK_NVME_DTYPE_STREAMS))) {
		log_err("blkengine: %s: dataplacement=streams: the controller does not support the Streams directive (supported directive types 0x%x); drop the data placement options\n",
			path, d.supported);
		return -EOPNOTSUPP;
	}
	if (!(d.enabled & (1u << BLK_NVME_DTYPE_STREAMS))) {
		log_err("blkengine: %s: dataplacement=streams: Streams are not enabled on namespace %u; enable them (nvme dir-send on the namespace with --dir-type=0 --dir-oper=1 --target-dir=1 --endir=1) or drop the data placement options\n",
			path, ns->nsid);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Reads and parses the dp_scheme file into pl->scheme. */
static int load_scheme(const char *path, const char *file, struct nvme_placement *pl)
{
	char err[256], *text;
	bool more;
	ssize_t n;
	int fd, ret;

	if (!file || !*file) {
		log_err("blkengine: %s: plid_select=scheme needs dp_scheme=FILE (lines START,END,PID)\n", path);
		return -EINVAL;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		log_err("blkengine: dp_scheme=%s: cannot read it: %s\n", file, strerror(-ret));
		return ret;
	}
	text = calloc(1, SCHEME_MAX_BYTES + 1);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, text, SCHEME_MAX_BYTES);
	close(fd);
	if (n < 0) {
		ret = -errno;
		log_err("blkengine: dp_scheme=%s: cannot read it: %s\n", file, strerror(-ret));
		free(text);
		return ret;
	}
	ret = blk_dp_scheme_parse(text, pl->scheme, &pl->picker.nr_scheme, &more, err, sizeof(err));
	free(text);
	if (ret) {
		log_err("blkengine: dp_scheme=%s: %s\n", file, err);
		return ret;
	}
	if (more)
		log_info("blkengine: dp_scheme=%s: only the first %u ranges are used, as fio does\n",
			 file, BLK_DP_MAX_SCHEME);
	pl->picker.scheme = pl->scheme;
	return 0;
}

/* FDP: every identifier the job can name is one of the namespace's. */
static int setup_fdp(const char *path, int fd, const struct blk_nvme_ns *ns,
		     const struct dp_request *r, struct nvme_placement *pl)
{
	struct blk_nvme_ruh_status *st;
	unsigned int nr, i;
	char pids[256];
	int ret;

	st = calloc(RUHS_MAX_READ, sizeof(*st));
	if (!st)
		return -ENOMEM;
	ret = read_ruhs(path, fd, ns, st, &nr);
	if (ret)
		goto out;
	list_pids(st, nr, pids, sizeof(pids));
	/* plids= are indices into the namespace's handles, as fio has them. */
	for (i = 0; i < r->nr_ids; i++) {
		if (r->ids[i] >= nr) {
			log_err("blkengine: %s: plids=%u: namespace %u has %u placement handles (indices 0 to %u, placement IDs %s); use indices below %u\n",
				path, r->ids[i], ns->nsid, nr, nr - 1, pids, nr);
			ret = -EINVAL;
			goto out;
		}
	}
	if (r->select == BLK_DP_SCHEME) {
		ret = load_scheme(path, r->scheme_file, pl);
		if (ret)
			goto out;
		/* A scheme names placement IDs themselves; 0 is the default placement. */
		for (i = 0; i < pl->picker.nr_scheme; i++) {
			if (pl->scheme[i].pid && !known_pid(st, nr, pl->scheme[i].pid)) {
				log_err("blkengine: dp_scheme=%s: range %u names placement ID %u, which namespace %u of %s does not have (its placement IDs: %s)\n",
					r->scheme_file, i + 1, pl->scheme[i].pid, ns->nsid, path, pids);
				ret = -EINVAL;
				goto out;
			}
		}
	}
	if (!pl->from_fio) {
		if (r->nr_ids) {
			for (i = 0; i < r->nr_ids; i++)
				pl->picker.ids[i] = st[r->ids[i]].pid;
			pl->picker.nr = r->nr_ids;
		} else {
			pl->picker.nr = nr < BLK_DP_MAX_IDS ? nr : BLK_DP_MAX_IDS;
			for (i = 0; i < pl->picker.nr; i++)
				pl->picker.ids[i] = st[i].pid;
		}
	}
out:
	free(st);
	return ret;
}

int nvme_placement_setup(struct thread_data *td, const char *path, int fd,
			 const struct blk_nvme_ns *ns, struct nvme_placement *pl)
{
	struct dp_request r;
	unsigned int i;
	int ret;

	memset(pl, 0, sizeof(*pl));
	ret = job_request(td, &r);
	if (ret || r.type == BLK_DP_NONE)
		return ret;
	pl->from_fio = r.from_fio;
	pl->picker.select = (uint8_t)(r.select ? r.select : BLK_DP_ROUNDROBIN);
	/* Seeded from the job, so a job places the same way each run. */
	pl->picker.rand = (td->o.rand_seed ^ ((uint64_t)td->thread_number << 32)) | 1;
	if (r.type == BLK_DP_STREAMS) {
		ret = check_streams(path, fd, ns, &r);
		if (ret)
			return ret;
		pl->dtype = BLK_NVME_DTYPE_STREAMS;
		if (r.select == BLK_DP_SCHEME) {
			ret = load_scheme(path, r.scheme_file, pl);
			if (ret)
				return ret;
		}
		for (i = 0; i < r.nr_ids; i++)
			pl->picker.ids[i] = r.ids[i];
		pl->picker.nr = r.nr_ids;
		return 0;
	}
	ret = setup_fdp(path, fd, ns, &r, pl);
	if (ret)
		return ret;
	pl->dtype = BLK_NVME_DTYPE_FDP;
	return 0;
}

#ifdef BLK_FIO_HAS_FDP
int nvme_placement_fetch_ruhs(struct thread_data *td, struct fio_file *f,
			      struct fio_ruhs_info *info)
{
	struct blk_nvme_ruh_status *st = NULL;
	struct blk_nvme_ns ns;
	unsigned int nr = 0, i, room;
	char msg[512];
	int fd, ret;

	(void)td;
	fd = open(f->file_name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		log_err("blkengine: cannot open %s: %s\n", f->file_name, strerror(-ret));
		goto out;
	}
	ret = blk_nvme_ns_probe(fd, f->file_name, &ns, msg, sizeof(msg));
	if (ret) {
		log_err("blkengine: %s\n", msg);
		goto close_fd;
	}
	ret = -ENOMEM;
	st = calloc(RUHS_MAX_READ, sizeof(*st));
	if (!st)
		goto close_fd;
	ret = read_ruhs(f->file_name, fd, &ns, st, &nr);
	if (ret)
		goto close_fd;
#ifdef BLK_FIO_HAS_DATAPLACEMENT
	/* fio 3.38+: asks for the count first, then for that many. */
	room = info->nr_ruhs;
#else
	/* fio 3.34-3.37: a buffer of 128 identifiers, count unknown to it. */
	room = BLK_DP_MAX_IDS;
#endif
	for (i = 0; i < nr && i < room; i++)
		info->plis[i] = st[i].pid;
#ifdef BLK_FIO_HAS_DATAPLACEMENT
	info->nr_ruhs = nr;
#else
	info->nr_ruhs = nr < room ? nr : room;
#endif
close_fd:
	close(fd);
out:
	free(st);
	/* fio reports errno beside the hook's failure. */
	errno = ret < 0 ? -ret : 0;
	return ret;
}
#endif
