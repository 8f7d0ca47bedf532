// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VFIO side of virtio-blk-vfio-pci: finding the function in sysfs and
 * saying what to do when it is not ready, the container/group API with the
 * type1 IOMMU, the function's regions, DMA mappings at IOVAs inside the
 * ranges the IOMMU reports, and interrupt wiring to eventfds.
 *
 * Only the container/group API is implemented: the iommufd char devices
 * (/dev/iommu, /dev/vfio/devices/vfioN) are refused with a message.
 * VFIO's unsafe no-IOMMU mode is refused too: nothing would confine the
 * device's DMA, and this driver hands it IOVAs, not physical addresses.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_pci.h"

#define SYS_PCI		"/sys/bus/pci/devices"
#define VIRTIO_VENDOR	0x1af4
#define VIRTIO_BLK_MODERN	0x1042
#define VIRTIO_BLK_TRANSITIONAL	0x1001

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

static bool is_bdf(const char *s)
{
	unsigned int d, b, s2, f;
	int n = 0;

	if (strlen(s) != 12)
		return false;
	return sscanf(s, "%4x:%2x:%2x.%1x%n", &d, &b, &s2, &f, &n) == 4 && n == 12;
}

/* The basename of a link's target, e.g. the driver of a function. */
static int link_name(const char *link, char *name, size_t len)
{
	char target[PATH_MAX];
	const char *slash;
	ssize_t n;

	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	slash = slash ? slash + 1 : target;
	if (strlen(slash) >= len)
		return -ENAMETOOLONG;
	memcpy(name, slash, strlen(slash) + 1);
	return 0;
}

static int read_hex(const char *bdf, const char *attr, unsigned int *val)
{
	char p[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(p, sizeof(p), SYS_PCI "/%s/%s", bdf, attr);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%x", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

/* The PCI address path names, or -1 when it names none. */
static int bdf_of_path(const char *path, char *bdf)
{
	char real[PATH_MAX];
	const char *base;

	if (is_bdf(path)) {
		snprintf(bdf, 16, "%s", path);
		return 0;
	}
	if (path[0] != '/' || strncmp(path, "/sys/", 5) || !realpath(path, real))
		return -1;
	base = strrchr(real, '/');
	base = base ? base + 1 : real;
	if (!is_bdf(base) || strncmp(real, "/sys/devices/", 13))
		return -1;
	memcpy(bdf, base, 13);	/* is_bdf(): 12 characters */
	return 0;
}

static void explain_no_iommu(const char *bdf, char *why, size_t len)
{
	snprintf(why, len,
		 "%s has no IOMMU protecting it (no IOMMU group, or VFIO's unsafe no-IOMMU mode): enable VT-d/AMD-Vi and boot with intel_iommu=on or amd_iommu=on. The no-IOMMU mode is refused on purpose: nothing would confine the device's DMA, which could then overwrite any memory of the machine",
		 bdf);
}

int vfio_pci_check_path(const char *path, char *bdf, char *why, size_t len)
{
	unsigned int vendor, device;
	char p[PATH_MAX], drv[64], group[32];
	struct stat st;

	if (bdf_of_path(path, bdf))
		return -1;
	snprintf(p, sizeof(p), SYS_PCI "/%s", bdf);
	if (stat(p, &st)) {
		snprintf(why, len, "there is no PCI function %s ('lspci -D' lists them)", bdf);
		return 0;
	}
	if (read_hex(bdf, "vendor", &vendor) || read_hex(bdf, "device", &device)) {
		snprintf(why, len, "cannot read the id of PCI function %s from %s", bdf, p);
		return 0;
	}
	if (vendor != VIRTIO_VENDOR ||
	    (device != VIRTIO_BLK_MODERN && device != VIRTIO_BLK_TRANSITIONAL)) {
		snprintf(why, len,
			 "PCI function %s is %04x:%04x, not a virtio-blk function (1af4:1042, or a transitional 1af4:1001)",
			 bdf, vendor, device);
		return 0;
	}
	snprintf(p, sizeof(p), SYS_PCI "/%s/driver", bdf);
	if (link_name(p, drv, sizeof(drv))) {
		snprintf(why, len,
			 "virtio-blk function %s is bound to no driver; hand it to vfio-pci: modprobe vfio-pci; echo vfio-pci > " SYS_PCI "/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe",
			 bdf, bdf, bdf);
		return 0;
	}
	if (strcmp(drv, "vfio-pci")) {
		snprintf(why, len,
			 "virtio-blk function %s is bound to the %s driver%s, not to vfio-pci; hand it over: modprobe vfio-pci; echo %s > " SYS_PCI "/%s/driver/unbind; echo vfio-pci > " SYS_PCI "/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe (anything using it as a block device must stop first)",
			 bdf, drv, strcmp(drv, "virtio-pci") ? "" : " (the kernel's own virtio-blk driver)",
			 bdf, bdf, bdf, bdf);
		return 0;
	}
	snprintf(p, sizeof(p), SYS_PCI "/%s/iommu_group", bdf);
	if (link_name(p, group, sizeof(group))) {
		explain_no_iommu(bdf, why, len);
		return 0;
	}
	snprintf(p, sizeof(p), "/dev/vfio/noiommu-%s", group);
	if (!access(p, F_OK)) {
		explain_no_iommu(bdf, why, len);
		return 0;
	}
	snprintf(p, sizeof(p), "/dev/vfio/%s", group);
	if (access(p, F_OK)) {
		snprintf(why, len,
			 "%s is bound to vfio-pci but %s does not exist%s",
			 bdf, p, access("/dev/vfio/devices", F_OK) ? "" :
			 "; this kernel offers only the iommufd interface (/dev/vfio/devices/vfioN), which blkengine does not implement yet: build the kernel with CONFIG_VFIO_GROUP and CONFIG_VFIO_CONTAINER");
		return 0;
	}
	return 1;
}

/* Names the other devices of the group bound to a driver that is not vfio's. */
static void explain_not_viable(const struct vpci_vfio *v, char *why, size_t len)
{
	char p[PATH_MAX], drv[64], list[512] = "";
	struct dirent *de;
	size_t used = 0;
	DIR *dir;

	snprintf(p, sizeof(p), "/sys/kernel/iommu_groups/%d/devices", v->group_id);
	dir = opendir(p);
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, v->bdf))
			continue;
		snprintf(p, sizeof(p), SYS_PCI "/%s/driver", de->d_name);
		if (link_name(p, drv, sizeof(drv)) || !strcmp(drv, "vfio-pci") ||
		    !strcmp(drv, "pcieport"))
			continue;
		if (used + strlen(de->d_name) + strlen(drv) + 16 >= sizeof(list))
			break;
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s (driver %s)",
					 used ? ", " : "", de->d_name, drv);
	}
	if (dir)
		closedir(dir);
	snprintf(why, len,
		 "IOMMU group %d of %s is not viable: every device in it must be bound to vfio-pci or to no driver, and %s %s not; rebind each as %s was (echo ADDR > " SYS_PCI "/ADDR/driver/unbind; echo vfio-pci > " SYS_PCI "/ADDR/driver_override; echo ADDR > /sys/bus/pci/drivers_probe)",
		 v->group_id, v->bdf, used ? list : "another device", used && strchr(list, ',') ? "are" : "is",
		 v->bdf);
}

static void explain_open(int err, const char *node, char *why, size_t len)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		snprintf(why, len,
			 "no access to %s: run as root, or give the user the node (chown USER %s) and a memlock limit (ulimit -l) as large as the job's buffers and rings",
			 node, node);
		break;
	case -EBUSY:
		snprintf(why, len,
			 "%s is in use by another process (another fio, or a VM the function is assigned to); 'fuser -v %s' shows it",
			 node, node);
		break;
	default:
		snprintf(why, len, "cannot open %s: %s", node, strerror(-err));
		break;
	}
}

/* The usable IOVA ranges and the mapping limit, from the IOMMU's info capabilities. */
static int read_iommu_info(struct vpci_vfio *v, char *why, size_t len)
{
	struct vfio_iommu_type1_info *info;
	struct vpci_iova_range *ranges = NULL;
	unsigned int nranges = 0, avail = 0;
	size_t sz = sizeof(*info);
	uint32_t off;
	int ret;

	info = calloc(1, sz);
	if (!info)
		return -ENOMEM;
	info->argsz = (uint32_t)sz;
	ret = xioctl(v->container, VFIO_IOMMU_GET_INFO, info);
	if (!ret && info->argsz > sz) {
		struct vfio_iommu_type1_info *bigger;

		sz = info->argsz;
		bigger = realloc(info, sz);
		if (!bigger) {
			free(info);
			return -ENOMEM;
		}
		info = bigger;
		memset(info, 0, sz);
		info->argsz = (uint32_t)sz;
		ret = xioctl(v->container, VFIO_IOMMU_GET_INFO, info);
	}
	if (ret) {
		snprintf(why, len, "VFIO_IOMMU_GET_INFO failed: %s", strerror(-ret));
		goto out;
	}
	off = (info->flags & VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0;
	/* Each header is checked to lie inside what the kernel wrote. */
	while (off && off + sizeof(struct vfio_info_cap_header) <= sz) {
		struct vfio_info_cap_header *h = (void *)((char *)info + off);

		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE &&
		    off + sizeof(struct vfio_iommu_type1_info_cap_iova_range) <= sz) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
			unsigned int i;

			if (off + sizeof(*r) + (uint64_t)r->nr_iovas * sizeof(r->iova_ranges[0]) > sz) {
				snprintf(why, len, "the IOMMU reports %u IOVA ranges that do not fit its answer",
					 r->nr_iovas);
				ret = -EPROTO;
				goto out;
			}
			free(ranges);
			ranges = calloc(r->nr_iovas ? r->nr_iovas : 1, sizeof(*ranges));
			if (!ranges) {
				ret = -ENOMEM;
				goto out;
			}
			for (i = 0; i < r->nr_iovas; i++) {
				ranges[i].start = r->iova_ranges[i].start;
				ranges[i].last = r->iova_ranges[i].end;
			}
			nranges = r->nr_iovas;
			if (!nranges) {
				snprintf(why, len, "the IOMMU reports no usable IOVA range");
				ret = -EPROTO;
				goto out;
			}
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL &&
			   off + sizeof(struct vfio_iommu_type1_info_dma_avail) <= sz) {
			avail = ((struct vfio_iommu_type1_info_dma_avail *)h)->avail;
			if (!avail) {
				snprintf(why, len,
					 "the IOMMU driver allows no more DMA mappings (vfio_iommu_type1's dma_entry_limit is used up)");
				ret = -ENOSPC;
				goto out;
			}
		}
		if (h->next && h->next <= off)
			break;	/* a loop */
		off = h->next;
	}
	ret = vpci_iova_init(&v->iova, ranges, nranges, (uint64_t)sysconf(_SC_PAGESIZE), avail);
	if (ret)
		snprintf(why, len, "the IOMMU reports an IOVA range that ends before it starts");
out:
	free(ranges);
	free(info);
	return ret;
}

static int open_container(struct vpci_vfio *v, char *why, size_t len)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	unsigned long type;
	int ret;

	ret = xioctl(v->group, VFIO_GROUP_GET_STATUS, &status);
	if (ret) {
		snprintf(why, len, "VFIO_GROUP_GET_STATUS on group %d failed: %s", v->group_id,
			 strerror(-ret));
		return ret;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		explain_not_viable(v, why, len);
		return -EBUSY;
	}
	v->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (v->container < 0) {
		ret = -errno;
		explain_open(ret, "/dev/vfio/vfio", why, len);
		return ret;
	}
	if (ioctl(v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		snprintf(why, len, "/dev/vfio/vfio speaks another VFIO API version than %d",
			 VFIO_API_VERSION);
		return -ENOTSUP;
	}
	if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		type = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0) {
		type = VFIO_TYPE1_IOMMU;
	} else {
		snprintf(why, len, "the kernel offers no type1 IOMMU for VFIO: modprobe vfio_iommu_type1");
		return -ENOTSUP;
	}
	ret = xioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container);
	if (ret) {
		snprintf(why, len, "VFIO_GROUP_SET_CONTAINER failed: %s", strerror(-ret));
		return ret;
	}
	ret = ioctl(v->container, VFIO_SET_IOMMU, type) < 0 ? -errno : 0;
	if (ret) {
		snprintf(why, len, "VFIO_SET_IOMMU (type1) failed: %s", strerror(-ret));
		return ret;
	}
	return read_iommu_info(v, why, len);
}

static int region_info(struct vpci_vfio *v, unsigned int index, struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	return xioctl(v->device, VFIO_DEVICE_GET_REGION_INFO, ri);
}

static unsigned int irq_count(struct vpci_vfio *v, unsigned int index)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = index };

	if (xioctl(v->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || !(ii.flags & VFIO_IRQ_INFO_EVENTFD))
		return 0;
	return ii.count;
}

static int open_device(struct vpci_vfio *v, char *why, size_t len)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri;
	unsigned int i;
	int ret;

	v->device = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, v->bdf);
	if (v->device < 0) {
		ret = -errno;
		snprintf(why, len, "VFIO_GROUP_GET_DEVICE_FD %s failed: %s%s", v->bdf, strerror(-ret),
			 ret == -EBUSY ? " (the function is open elsewhere)" : "");
		v->device = -1;
		return ret;
	}
	ret = xioctl(v->device, VFIO_DEVICE_GET_INFO, &di);
	if (ret) {
		snprintf(why, len, "VFIO_DEVICE_GET_INFO failed: %s", strerror(-ret));
		return ret;
	}
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) || di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX) {
		snprintf(why, len, "VFIO does not present %s as a PCI device (flags 0x%x, %u regions)",
			 v->bdf, di.flags, di.num_regions);
		return -ENODEV;
	}
	for (i = 0; i < VPCI_NR_BARS; i++) {
		if (region_info(v, VFIO_PCI_BAR0_REGION_INDEX + i, &ri))
			continue;
		if (!(ri.flags & VFIO_REGION_INFO_FLAG_READ) || !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE))
			continue;
		v->bar_len[i] = ri.size;
		v->bar_off[i] = ri.offset;
	}
	ret = region_info(v, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret || ri.size < VPCI_CFG_SPACE) {
		snprintf(why, len, "the config space region of %s is missing or short", v->bdf);
		return ret ? ret : -EPROTO;
	}
	v->cfg_off = ri.offset;
	if (di.num_irqs > VFIO_PCI_MSIX_IRQ_INDEX)
		v->msix_count = irq_count(v, VFIO_PCI_MSIX_IRQ_INDEX);
	if (di.num_irqs > VFIO_PCI_REQ_IRQ_INDEX)
		v->req_irq = irq_count(v, VFIO_PCI_REQ_IRQ_INDEX) > 0;
	return 0;
}

int vpci_vfio_open(struct vpci_vfio *v, const char *bdf, char *why, size_t len)
{
	char p[PATH_MAX], group[32];
	int ret;

	memset(v, 0, sizeof(*v));
	v->container = v->group = v->device = -1;
	snprintf(v->bdf, sizeof(v->bdf), "%s", bdf);

	snprintf(p, sizeof(p), SYS_PCI "/%s/iommu_group", bdf);
	if (link_name(p, group, sizeof(group))) {
		explain_no_iommu(bdf, why, len);
		return -ENODEV;
	}
	v->group_id = atoi(group);
	snprintf(p, sizeof(p), "/dev/vfio/%d", v->group_id);
	v->group = open(p, O_RDWR | O_CLOEXEC);
	if (v->group < 0) {
		ret = -errno;
		explain_open(ret, p, why, len);
		return ret;
	}
	ret = open_container(v, why, len);
	if (!ret)
		ret = open_device(v, why, len);
	if (ret)
		vpci_vfio_close(v);
	return ret;
}

void vpci_vfio_close(struct vpci_vfio *v)
{
	unsigned int i;

	for (i = 0; i < VPCI_NR_BARS; i++) {
		if (v->bar_map[i])
			munmap(v->bar_map[i], v->bar_len[i]);
		v->bar_map[i] = NULL;
	}
	if (v->device >= 0)
		close(v->device);
	if (v->group >= 0)
		close(v->group);
	if (v->container >= 0)
		close(v->container);
	v->device = v->group = v->container = -1;
	vpci_iova_exit(&v->iova);
}

int vpci_vfio_cfg_read(struct vpci_vfio *v, void *buf, size_t len, uint64_t off)
{
	ssize_t n = pread(v->device, buf, len, (off_t)(v->cfg_off + off));

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int vpci_vfio_cfg_write(struct vpci_vfio *v, const void *buf, size_t len, uint64_t off)
{
	ssize_t n = pwrite(v->device, buf, len, (off_t)(v->cfg_off + off));

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

void vpci_vfio_map_bars(struct vpci_vfio *v)
{
	struct vfio_region_info ri;
	unsigned int i;
	void *p;

	for (i = 0; i < VPCI_NR_BARS; i++) {
		if (!v->bar_len[i] || region_info(v, VFIO_PCI_BAR0_REGION_INDEX + i, &ri) ||
		    !(ri.flags & VFIO_REGION_INFO_FLAG_MMAP))
			continue;
		/* A BAR that holds the MSI-X table may refuse: pread/pwrite then. */
		p = mmap(NULL, v->bar_len[i], PROT_READ | PROT_WRITE, MAP_SHARED, v->device,
			 (off_t)v->bar_off[i]);
		if (p != MAP_FAILED)
			v->bar_map[i] = p;
	}
}

uint32_t vpci_vfio_read(struct vpci_vfio *v, unsigned int bar, uint64_t off, unsigned int size)
{
	uint8_t *m = v->bar_map[bar];
	uint32_t val = 0;

	if (m) {
		switch (size) {
		case 1:
			return *(volatile uint8_t *)(m + off);
		case 2:
			return *(volatile uint16_t *)(m + off);
		default:
			return *(volatile uint32_t *)(m + off);
		}
	}
	/* A gone device reads as all ones, as MMIO would. */
	if (pread(v->device, &val, size, (off_t)(v->bar_off[bar] + off)) != (ssize_t)size)
		return size == 4 ? UINT32_MAX : (1u << (size * 8)) - 1;
	return val;
}

void vpci_vfio_write(struct vpci_vfio *v, unsigned int bar, uint64_t off, unsigned int size,
		     uint32_t val)
{
	uint8_t *m = v->bar_map[bar];

	if (m) {
		switch (size) {
		case 1:
			*(volatile uint8_t *)(m + off) = (uint8_t)val;
			break;
		case 2:
			*(volatile uint16_t *)(m + off) = (uint16_t)val;
			break;
		default:
			*(volatile uint32_t *)(m + off) = val;
			break;
		}
		return;
	}
	if (pwrite(v->device, &val, size, (off_t)(v->bar_off[bar] + off)) != (ssize_t)size)
		return;	/* the device is gone: the status checks notice */
}

static int set_irqs(struct vpci_vfio *v, unsigned int index, const int *fds, unsigned int n)
{
	struct vfio_irq_set *set;
	size_t sz = sizeof(*set) + (size_t)n * sizeof(int);
	int ret;

	set = calloc(1, sz);
	if (!set)
		return -ENOMEM;
	set->argsz = (uint32_t)sz;
	set->index = index;
	set->start = 0;
	set->count = n;
	set->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		     (n ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	if (n)
		memcpy(set->data, fds, (size_t)n * sizeof(int));
	ret = xioctl(v->device, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	return ret;
}

int vpci_vfio_set_msix(struct vpci_vfio *v, const int *fds, unsigned int n)
{
	return set_irqs(v, VFIO_PCI_MSIX_IRQ_INDEX, fds, n);
}

int vpci_vfio_set_req(struct vpci_vfio *v, int fd)
{
	return set_irqs(v, VFIO_PCI_REQ_IRQ_INDEX, &fd, fd >= 0 ? 1 : 0);
}

int vpci_vfio_dma_map(struct vpci_vfio *v, void *base, uint64_t len, uint64_t *iova)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	uint64_t at;
	int ret;

	ret = vpci_iova_alloc(&v->iova, len, &at);
	if (ret)
		return ret;
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)base;
	map.iova = at;
	map.size = (len + v->iova.page - 1) & ~(v->iova.page - 1);
	ret = xioctl(v->container, VFIO_IOMMU_MAP_DMA, &map);
	if (ret) {
		vpci_iova_free(&v->iova, at);
		return ret;
	}
	*iova = at;
	return 0;
}

int vpci_vfio_dma_unmap(struct vpci_vfio *v, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	int ret;

	unmap.iova = iova;
	unmap.size = (len + v->iova.page - 1) & ~(v->iova.page - 1);
	ret = xioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap);
	vpci_iova_free(&v->iova, iova);
	return ret;
}
