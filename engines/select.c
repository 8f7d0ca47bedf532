// SPDX-License-Identifier: GPL-2.0-only
/*
 * Engine kind selection: the blk_engine option, else what the files are.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fio.h"

#include "options.h"
#include "select.h"
#include "vfio_pci.h"
#include "vhost_vdpa.h"

static const char *const what_we_take =
	"blkengine drives NVMe generic char devices (/dev/ngXnY), vhost-user-blk "
	"unix sockets, vhost-vdpa devices (/dev/vhost-vdpa-N) and virtio-blk PCI "
	"functions bound to vfio-pci (0000\\:00\\:04.0 or its /sys/bus/pci/devices directory)";

/* The sysfs class directory of a char device, e.g. "nvme-generic". */
static int char_dev_class(dev_t rdev, char *class, size_t len)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	char *slash, *prev;

	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u", major(rdev), minor(rdev));
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	prev = strrchr(target, '/');
	prev = prev ? prev + 1 : target;
	if (strlen(prev) >= len)
		return -ENAMETOOLONG;
	strcpy(class, prev);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static enum blk_kind kind_of_char_dev(const char *path, dev_t rdev)
{
	char class[64];
	const char *name = base_name(path);

	if (!char_dev_class(rdev, class, sizeof(class))) {
		if (!strcmp(class, "nvme-generic"))
			return BLK_KIND_NVME_URING;
		if (!strcmp(class, "vhost-vdpa"))
			return BLK_KIND_VHOST_VDPA;
	}
	/* No sysfs (a container, a chroot): go by the kernel's names. */
	if (!strncmp(name, "ng", 2))
		return BLK_KIND_NVME_URING;
	if (!strncmp(name, "vhost-vdpa-", 11))
		return BLK_KIND_VHOST_VDPA;
	return BLK_KIND_AUTO;
}

static void explain_block_dev(const char *path, char *why, size_t len)
{
	const char *name = base_name(path);
	unsigned int ctrl, ns;
	char tail;

	if (sscanf(name, "nvme%un%u%c", &ctrl, &ns, &tail) == 2) {
		snprintf(why, len,
			 "%s is an NVMe block device; the passthrough engine needs its generic char device: use filename=/dev/ng%un%u",
			 path, ctrl, ns);
		return;
	}
	snprintf(why, len,
		 "%s is a block device; %s. For block devices use fio's io_uring engine",
		 path, what_we_take);
}

static void explain_missing(const char *path, char *why, size_t len)
{
	const char *name = base_name(path);
	unsigned int ctrl, ns;
	char tail;

	if (sscanf(name, "nvme%un%u%c", &ctrl, &ns, &tail) == 2)
		snprintf(why, len,
			 "%s does not exist, and the passthrough engine takes the generic char device anyway: use filename=/dev/ng%un%u (ls /dev/ng* lists them)",
			 path, ctrl, ns);
	else if (!strncmp(name, "ng", 2))
		snprintf(why, len,
			 "%s does not exist; list the NVMe generic char devices with 'ls /dev/ng*' (the kernel creates them from 5.19 on)",
			 path);
	else if (!strncmp(name, "vhost-vdpa-", 11))
		vhost_vdpa_explain_missing(path, why, len);
	else
		snprintf(why, len,
			 "%s does not exist; %s. For vhost-user start a backend first, e.g. "
			 "qemu-storage-daemon --blockdev driver=file,node-name=d0,filename=IMAGE "
			 "--export type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=%s,writable=on",
			 path, what_we_take, path);
}

enum blk_kind blk_kind_of_file(const char *path, char *why, size_t len)
{
	struct stat st;
	enum blk_kind kind;
	char bdf[16];

	/* A PCI address, or its sysfs directory: only a vfio-pci virtio-blk function is ours. */
	switch (vfio_pci_check_path(path, bdf, why, len)) {
	case 1:
		return BLK_KIND_VFIO_PCI;
	case 0:
		return BLK_KIND_AUTO;
	default:
		break;
	}
	if (stat(path, &st)) {
		if (errno == ENOENT)
			explain_missing(path, why, len);
		else
			snprintf(why, len, "cannot stat %s: %s", path, strerror(errno));
		return BLK_KIND_AUTO;
	}

	if (S_ISSOCK(st.st_mode))
		return BLK_KIND_VHOST_USER;
	if (S_ISCHR(st.st_mode)) {
		kind = kind_of_char_dev(path, st.st_rdev);
		if (kind == BLK_KIND_AUTO)
			snprintf(why, len, "%s is a char device of no kind blkengine knows; %s",
				 path, what_we_take);
		return kind;
	}
	if (S_ISBLK(st.st_mode)) {
		explain_block_dev(path, why, len);
		return BLK_KIND_AUTO;
	}
	if (S_ISREG(st.st_mode)) {
		snprintf(why, len,
			 "%s is a regular file; %s. To drive an image file, export it with "
			 "qemu-storage-daemon (--export type=vhost-user-blk) and pass the socket",
			 path, what_we_take);
		return BLK_KIND_AUTO;
	}
	snprintf(why, len, "%s is neither a char device nor a unix socket; %s", path, what_we_take);
	return BLK_KIND_AUTO;
}

enum blk_kind blk_select_kind(struct thread_data *td)
{
	struct blk_options *o = td->eo;
	enum blk_kind job_kind = o->kind, kind;
	const char *first = NULL;
	struct fio_file *f;
	unsigned int i;
	char why[768];

	if (!td->o.nr_files) {
		log_err("blkengine: no filename given; %s\n", what_we_take);
		return BLK_KIND_AUTO;
	}

	for_each_file(td, f, i) {
		kind = blk_kind_of_file(f->file_name, why, sizeof(why));
		if (o->kind != BLK_KIND_AUTO) {
			/* A renamed or unusual node still gets its chance to open. */
			if (kind != BLK_KIND_AUTO && kind != o->kind) {
				log_err("blkengine: %s is a %s target but blk_engine=%s; drop blk_engine= or name a matching file\n",
					f->file_name, blk_kind_name(kind), blk_kind_name(o->kind));
				return BLK_KIND_AUTO;
			}
			if (kind == BLK_KIND_AUTO && access(f->file_name, F_OK)) {
				log_err("blkengine: %s\n", why);
				return BLK_KIND_AUTO;
			}
			continue;
		}
		if (kind == BLK_KIND_AUTO) {
			log_err("blkengine: %s\n", why);
			return BLK_KIND_AUTO;
		}
		if (job_kind == BLK_KIND_AUTO) {
			job_kind = kind;
			first = f->file_name;
		} else if (kind != job_kind) {
			log_err("blkengine: %s is a %s target but %s is a %s target; one job drives one kind, split them into two jobs\n",
				f->file_name, blk_kind_name(kind), first, blk_kind_name(job_kind));
			return BLK_KIND_AUTO;
		}
	}
	return job_kind;
}
