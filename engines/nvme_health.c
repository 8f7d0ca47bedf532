// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drive health and write amplification around a run (see nvme_health.h).
 *
 * Once per namespace, not per thread: jobs that run at the same time on one
 * namespace share one reading at the start and one at the end. The one
 * piece of state beyond the per-thread handle is a registry of the
 * namespaces being watched, keyed by the generic char device's device
 * number and guarded by one mutex. It lives in an anonymous shared mapping
 * made when fio loads the module (in fio's main process, before any job
 * starts), so jobs run as threads and jobs run as forked processes
 * (thread=0) find the same entries; the mutex is process-shared and robust
 * so a job process that dies holding it does not stall the others.
 * fio starts every job of a group before any does I/O, so the first job's
 * reading is taken before the group's first write and the last job's after
 * its last completion. Jobs in later groups (stonewall) on a namespace no
 * running job holds get a reading of their own.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/nvme_ioctl.h>

#include "fio.h"

#include "nvme_health.h"
#include "nvme_log.h"
#include "nvme_status.h"
#include "nvme_uring.h"
#include "options.h"

#define NVME_ADMIN_GET_LOG_PAGE	0x02
#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_ADMIN_GET_FEATURES	0x0a
#define NVME_FEAT_FDP		0x1d
#define NVME_NSID_ALL		0xffffffffu
#define ADMIN_TIMEOUT_MS	10000u

/* Namespaces watched at once in one fio run; more are reported as such and skipped. */
#define REG_SLOTS		32
#define REG_PATH_MAX		512
#define REG_JSON_FILES		8

/* Bits of reg_ns.noted: what was already said about a namespace. */
enum {
	NOTE_SMART	= 1u << 0,
	NOTE_ERR	= 1u << 1,
	NOTE_FDP_STATS	= 1u << 2,
	NOTE_FDP_EVENTS	= 1u << 3,
	NOTE_FDP_FEAT	= 1u << 4,
};

struct reg_ns {
	bool used;
	dev_t rdev;			/* the generic char device's number: the key */
	unsigned int refs;		/* running jobs holding it */
	uint32_t nsid;
	uint16_t endgid;
	bool fdp;			/* FDP enabled on its endurance group */
	unsigned int err_entries;	/* ELPE + 1 */
	unsigned int noted;		/* NOTE_* */
	char path[REG_PATH_MAX];	/* the first holder's file name */
	char desc[192];			/* "/dev/ng0n1 (nsid 1, MODEL, serial SN)" */
	char json[REG_PATH_MAX];	/* the first holder's blk_health_json, "" none */
	struct blk_nvme_health_snap start;
};

struct registry {
	pthread_mutex_t lock;
	struct reg_ns ns[REG_SLOTS];
	/* JSON files truncated in this run: later namespaces append to them */
	char json_seen[REG_JSON_FILES][REG_PATH_MAX];
};

/* Set once while fio loads the module, before any job runs; never changed. */
static struct registry *registry;

__attribute__((constructor))
static void registry_map(void)
{
	pthread_mutexattr_t attr;
	struct registry *r;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&r->lock, &attr)) {
		munmap(r, sizeof(*r));
		r = NULL;
	}
	pthread_mutexattr_destroy(&attr);
	registry = r;
}

static void reg_lock(void)
{
	/* A job process died holding it: the entries are whole (no field is half-written across a wait). */
	if (pthread_mutex_lock(&registry->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&registry->lock);
}

static void reg_unlock(void)
{
	pthread_mutex_unlock(&registry->lock);
}

struct blk_health_job {
	unsigned int nr;
	int slot[];			/* registry slot per target, -1 none */
};

/*
 * The report and notes go where fio's own text goes, except when fio writes
 * JSON or terse output: there they go to stderr, so that stdout (or
 * --output's file) stays what scripts parse; blk_health_json serves them.
 */
__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (output_format & FIO_OUTPUT_NORMAL)
		log_info("%s", line);
	else
		fputs(line, stderr);
}

/* ---- admin commands ---- */

/* 0, a positive NVMe status, or -errno. */
static int admin(int fd, uint8_t opcode, uint32_t nsid, const uint32_t cdw[4], void *buf,
		 uint32_t len, uint32_t *result)
{
	struct nvme_admin_cmd c = {
		.opcode = opcode,
		.nsid = nsid,
		.addr = (uint64_t)(uintptr_t)buf,
		.data_len = len,
		.cdw10 = cdw[0],
		.cdw11 = cdw[1],
		.cdw12 = cdw[2],
		.cdw13 = cdw[3],
		.timeout_ms = ADMIN_TIMEOUT_MS,
	};
	int ret;

	if (buf)
		memset(buf, 0, len);	/* a short transfer reads as zeroes, not stale bytes */
	ret = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &c);
	if (ret < 0)
		return -errno;
	if (result)
		*result = c.result;
	return ret;
}

static int get_log(int fd, uint8_t lid, uint8_t lsp, uint16_t lsi, uint32_t nsid, void *buf,
		   uint32_t len)
{
	struct blk_nvme_get_log g;
	uint32_t cdw[4];
	int ret;

	ret = blk_nvme_get_log_cmd(lid, lsp, lsi, len, 0, &g);
	if (ret)
		return ret;
	cdw[0] = g.cdw10;
	cdw[1] = g.cdw11;
	cdw[2] = g.cdw12;
	cdw[3] = g.cdw13;
	return admin(fd, NVME_ADMIN_GET_LOG_PAGE, nsid, cdw, buf, len, NULL);
}

static int identify(int fd, uint32_t cns, uint32_t nsid, void *buf)
{
	const uint32_t cdw[4] = { cns, 0, 0, 0 };

	return admin(fd, NVME_ADMIN_IDENTIFY, nsid, cdw, buf, 4096, NULL);
}

static const char *why(int ret, char *buf, size_t len)
{
	if (ret < 0) {
		snprintf(buf, len, "%s%s", strerror(-ret),
			 ret == -EACCES || ret == -EPERM ? " (admin commands need CAP_SYS_ADMIN)" : "");
		return buf;
	}
	return blk_nvme_status_describe((uint32_t)ret, buf, len);
}

/* Says once per namespace that a page could not be used. */
static void note(struct reg_ns *ns, unsigned int bit, const char *what, int ret)
{
	char b[192];

	if (ns->noted & bit)
		return;
	ns->noted |= bit;
	say("blkengine: %s: %s: %s; left out of the health report\n", ns->desc, what,
		 why(ret, b, sizeof(b)));
}

/* The events of both FDP event logs: host events (LSP 0) and controller events (LSP 1). */
struct events {
	struct blk_nvme_fdp_event ev[2 * BLK_NVME_FDP_MAX_EVENTS];
	unsigned int nr;
};

struct reading {
	struct blk_nvme_health_snap snap;
	struct blk_nvme_err_entry err[BLK_NVME_ERR_MAX_ENTRIES];
	unsigned int nr_err;
	struct events events;
};

#define EVENTS_LOG_LEN	(BLK_NVME_FDP_EVENTS_HDR + BLK_NVME_FDP_MAX_EVENTS * BLK_NVME_FDP_EVENT_SIZE)

static void read_fdp(int fd, struct reg_ns *ns, unsigned char *buf, struct reading *rd)
{
	unsigned int lsp;
	int ret;

	ret = get_log(fd, BLK_NVME_LID_FDP_STATS, 0, ns->endgid, 0, buf, BLK_NVME_FDP_STATS_SIZE);
	if (!ret)
		ret = blk_nvme_fdp_stats_parse(buf, BLK_NVME_FDP_STATS_SIZE, &rd->snap.fdp);
	if (ret)
		note(ns, NOTE_FDP_STATS, "FDP Statistics log (22h)", ret);
	else
		rd->snap.have_fdp_stats = true;

	rd->events.nr = 0;
	for (lsp = 0; lsp < 2; lsp++) {
		ret = get_log(fd, BLK_NVME_LID_FDP_EVENTS, lsp, ns->endgid, 0, buf, EVENTS_LOG_LEN);
		if (!ret) {
			ret = blk_nvme_fdp_events_parse(buf, EVENTS_LOG_LEN,
							rd->events.ev + rd->events.nr,
							BLK_NVME_FDP_MAX_EVENTS);
			if (ret >= 0) {
				rd->events.nr += (unsigned int)ret;
				continue;
			}
		}
		note(ns, NOTE_FDP_EVENTS, lsp ? "FDP Events log (23h, controller events)" :
		     "FDP Events log (23h, host events)", ret);
		return;
	}
	rd->snap.have_fdp_events = true;
	rd->snap.fdp_nr_events = rd->events.nr;
	rd->snap.fdp_last_ts = blk_nvme_fdp_events_last_ts(rd->events.ev, rd->events.nr);
}

/* Reads every log ns has; what the controller refuses stays unread. */
static void read_logs(int fd, struct reg_ns *ns, struct reading *rd)
{
	size_t len = (size_t)ns->err_entries * BLK_NVME_ERR_ENTRY_SIZE;
	unsigned char *buf;
	int ret;

	memset(&rd->snap, 0, sizeof(rd->snap));
	rd->nr_err = 0;
	if (len < EVENTS_LOG_LEN)
		len = EVENTS_LOG_LEN;
	if (posix_memalign((void **)&buf, 4096, len)) {
		note(ns, NOTE_SMART, "no memory to read the logs", -ENOMEM);
		return;
	}
	/* Controller-wide figures, as nvme-cli's smart-log shows them by default. */
	ret = get_log(fd, BLK_NVME_LID_SMART, 0, 0, NVME_NSID_ALL, buf, BLK_NVME_SMART_SIZE);
	if (!ret)
		ret = blk_nvme_smart_parse(buf, BLK_NVME_SMART_SIZE, &rd->snap.smart);
	if (ret)
		note(ns, NOTE_SMART, "SMART / Health Information log (02h)", ret);
	else
		rd->snap.have_smart = true;

	len = (size_t)ns->err_entries * BLK_NVME_ERR_ENTRY_SIZE;
	ret = get_log(fd, BLK_NVME_LID_ERROR, 0, 0, NVME_NSID_ALL, buf, (uint32_t)len);
	if (!ret) {
		ret = blk_nvme_err_parse(buf, len, ns->err_entries, rd->err,
					 BLK_NVME_ERR_MAX_ENTRIES);
		if (ret >= 0) {
			rd->nr_err = (unsigned int)ret;
			ret = 0;
		}
	}
	if (ret) {
		note(ns, NOTE_ERR, "Error Information log (01h)", ret);
	} else {
		rd->snap.have_err = true;
		rd->snap.err_max_count = blk_nvme_err_max_count(rd->err, rd->nr_err);
	}
	if (ns->fdp)
		read_fdp(fd, ns, buf, rd);
	free(buf);
}

/* What the controller and namespace are: sizes of the logs, FDP or not. */
static void identify_ns(int fd, const char *path, struct reg_ns *ns)
{
	const uint32_t feat[4] = { NVME_FEAT_FDP, 0, 0, 0 };
	struct blk_nvme_log_caps caps = { .err_entries = 1 };
	uint32_t cdw[4], result = 0;
	unsigned char *buf;
	int ret;

	snprintf(ns->desc, sizeof(ns->desc), "%s (nsid %u)", path, ns->nsid);
	ns->err_entries = 1;
	if (posix_memalign((void **)&buf, 4096, 4096))
		return;
	ret = identify(fd, 0x01, 0, buf);
	if (!ret && !blk_nvme_log_caps_parse(buf, 4096, &caps)) {
		ns->err_entries = caps.err_entries;
		snprintf(ns->desc, sizeof(ns->desc), "%s (nsid %u, %s, serial %s)", path,
			 ns->nsid, caps.mn, caps.sn);
	}
	if (!ret)
		ret = identify(fd, 0x00, ns->nsid, buf);
	if (!ret && caps.fdp && !blk_nvme_ns_endgid(buf, 4096, &ns->endgid) && ns->endgid) {
		/* FDP supported is not FDP enabled: the endurance group's feature says. */
		memcpy(cdw, feat, sizeof(cdw));
		cdw[1] = ns->endgid;
		ret = admin(fd, NVME_ADMIN_GET_FEATURES, 0, cdw, NULL, 0, &result);
		if (ret)
			note(ns, NOTE_FDP_FEAT, "Get Features FDP (1Dh)", ret);
		ns->fdp = !ret && (result & 1);
	}
	free(buf);
}

/* ---- the JSON file ---- */

/* Truncates path the first time this run names it; later namespaces append. */
static int json_open(struct thread_data *td, const char *path, bool first_use)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (first_use ? O_TRUNC : O_APPEND), 0644);

	if (fd < 0) {
		int err = errno;

		log_err("blkengine: %s: blk_health_json=%s: cannot write the file (%s); give a writable path or drop the option\n",
			td->o.name, path, strerror(err));
		return -err;
	}
	return fd;
}

static int json_check(struct thread_data *td, const char *path)
{
	unsigned int i;
	int fd;

	if (strlen(path) >= REG_PATH_MAX) {
		log_err("blkengine: %s: blk_health_json: the path is longer than %u bytes\n",
			td->o.name, REG_PATH_MAX - 1);
		return -ENAMETOOLONG;
	}
	for (i = 0; i < REG_JSON_FILES && registry->json_seen[i][0]; i++)
		if (!strcmp(registry->json_seen[i], path))
			break;
	fd = json_open(td, path, i == REG_JSON_FILES || !registry->json_seen[i][0]);
	if (fd < 0)
		return fd;
	close(fd);
	if (i < REG_JSON_FILES && !registry->json_seen[i][0])
		strcpy(registry->json_seen[i], path);
	return 0;
}

static void json_write(struct thread_data *td, const char *path, const char *text, size_t len)
{
	int fd = json_open(td, path, false);
	ssize_t n;

	if (fd < 0)
		return;
	/* One object a line, written with one append so namespaces do not interleave. */
	n = write(fd, text, len);
	if (n != (ssize_t)len)
		log_err("blkengine: blk_health_json=%s: short write (%s)\n", path,
			n < 0 ? strerror(errno) : "disk full?");
	close(fd);
}

/* ---- start and end ---- */

static int find_slot(dev_t rdev)
{
	int i;

	for (i = 0; i < REG_SLOTS; i++)
		if (registry->ns[i].used && registry->ns[i].rdev == rdev)
			return i;
	return -1;
}

static int new_slot(void)
{
	int i;

	for (i = 0; i < REG_SLOTS; i++)
		if (!registry->ns[i].used)
			return i;
	return -1;
}

/* Takes (or shares) the namespace of t; returns its slot or -1. Under the lock. */
static int hold(const struct nvme_target *t, const char *path, const char *json)
{
	struct reading *rd;
	struct reg_ns *ns;
	struct stat st;
	int s;

	if (fstat(t->fd, &st))
		return -1;
	s = find_slot(st.st_rdev);
	if (s >= 0) {
		ns = &registry->ns[s];
		ns->refs++;
		if (!ns->json[0] && json)
			snprintf(ns->json, sizeof(ns->json), "%s", json);
		return s;
	}
	s = new_slot();
	if (s < 0) {
		say("blkengine: %s: more than %d namespaces watched at once; no health report for this one\n",
		    path, REG_SLOTS);
		return -1;
	}
	rd = malloc(sizeof(*rd));
	if (!rd)
		return -1;
	ns = &registry->ns[s];
	memset(ns, 0, sizeof(*ns));
	ns->rdev = st.st_rdev;
	ns->nsid = t->ns.nsid;
	snprintf(ns->path, sizeof(ns->path), "%s", path);
	if (json)
		snprintf(ns->json, sizeof(ns->json), "%s", json);
	identify_ns(t->fd, path, ns);
	read_logs(t->fd, ns, rd);
	ns->start = rd->snap;
	ns->used = true;
	ns->refs = 1;
	free(rd);
	return s;
}

/* Prints text line by line, each already carrying its prefix. */
static void print_lines(char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		say("%s\n", line);
}

static void report(struct thread_data *td, const struct nvme_target *t, struct reg_ns *ns)
{
	struct blk_nvme_health_report r;
	struct reading *rd;
	size_t need;
	char *text;

	rd = malloc(sizeof(*rd));
	if (!rd)
		return;
	read_logs(t->fd, ns, rd);
	blk_nvme_health_compare(&ns->start, &rd->snap, &r);
	if (ns->start.have_err && rd->snap.have_err) {
		r.nr_new_errors = blk_nvme_err_select_new(rd->err, rd->nr_err,
							  ns->start.err_max_count);
		r.new_errors = rd->err;
	}
	if (r.have_fdp_events) {
		r.nr_new_events = blk_nvme_fdp_events_select_new(rd->events.ev, rd->events.nr,
								 ns->start.fdp_nr_events,
								 ns->start.fdp_last_ts);
		r.new_events = rd->events.ev;
	}
	need = blk_nvme_health_format(&r, ns->desc, "blkengine: ", NULL, 0) + 1;
	text = malloc(need);
	if (text) {
		blk_nvme_health_format(&r, ns->desc, "blkengine: ", text, need);
		print_lines(text);
		free(text);
	}
	if (ns->json[0]) {
		need = blk_nvme_health_json(&r, ns->path, ns->nsid, NULL, 0) + 1;
		text = malloc(need);
		if (text) {
			blk_nvme_health_json(&r, ns->path, ns->nsid, text, need);
			json_write(td, ns->json, text, need - 1);
			free(text);
		}
	}
	free(rd);
}

int blk_health_job_start(struct thread_data *td, const struct nvme_target *targets,
			 unsigned int nr, struct blk_health_job **hjp)
{
	struct blk_options *o = td->eo;
	struct blk_health_job *hj;
	unsigned int i;
	int ret;

	*hjp = NULL;
	if (!o->health)
		return 0;
	if (!registry) {
		say("blkengine: %s: no shared memory for the health registry; no health report\n",
		    td->o.name);
		return 0;
	}
	hj = calloc(1, sizeof(*hj) + nr * sizeof(hj->slot[0]));
	if (!hj)
		return -ENOMEM;
	hj->nr = nr;
	reg_lock();
	if (o->health_json && o->health_json[0]) {
		ret = json_check(td, o->health_json);
		if (ret) {
			reg_unlock();
			free(hj);
			/* fio fails a job on post_init's return only when td->error says so */
			td_verror(td, -ret, "blk_health_json");
			return ret;
		}
	}
	for (i = 0; i < nr; i++)
		hj->slot[i] = hold(&targets[i], td->files[i]->file_name, o->health_json && o->health_json[0] ?
				   o->health_json : NULL);
	reg_unlock();
	*hjp = hj;
	return 0;
}

void blk_health_job_end(struct thread_data *td, const struct nvme_target *targets,
			struct blk_health_job *hj)
{
	struct reg_ns *ns;
	unsigned int i;

	if (!hj)
		return;
	reg_lock();
	for (i = 0; i < hj->nr; i++) {
		if (hj->slot[i] < 0)
			continue;
		ns = &registry->ns[hj->slot[i]];
		if (--ns->refs)
			continue;
		/* The last job on the namespace: every write of the run has completed. */
		report(td, &targets[i], ns);
		ns->used = false;
	}
	reg_unlock();
	free(hj);
}
