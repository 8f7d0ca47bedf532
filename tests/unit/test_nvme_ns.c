// SPDX-License-Identifier: GPL-2.0-only
/*
 * Namespace information from Identify images of several formats, MDTS
 * arithmetic and the sysfs lookup of the kernel's transfer limit.
 *
 * The images are written byte by byte at the offsets of the NVMe Base and
 * NVM Command Set specifications (not through libnvme's structs, so that a
 * wrong struct offset would show). The same images are committed under
 * tests/unit/data; "test_nvme_ns --write-images DIR" regenerates them and
 * the test checks the committed ones still match.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "nvme_ns.h"
#include "unit.h"

#define ID_SIZE		BLK_NVME_IDENTIFY_SIZE

/* Identify Controller byte offsets */
#define CTRL_MDTS	77
#define CTRL_ONCS	520	/* 2 bytes */
#define CTRL_VWC	525

/* Identify Namespace byte offsets */
#define NS_NSZE		0	/* 8 bytes */
#define NS_NCAP		8
#define NS_NUSE		16
#define NS_NLBAF	25
#define NS_FLBAS	26
#define NS_DPS		29
#define NS_DLFEAT	33
#define NS_NULBAF	82
#define NS_LBAF0	128	/* 4 bytes each: MS 15:0, LBADS 23:16, RP 25:24 */

struct image {
	const char *name;
	uint8_t ctrl[ID_SIZE];
	uint8_t ns[ID_SIZE];
};

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void make_ctrl(struct image *img, uint8_t mdts, uint16_t oncs, uint8_t vwc)
{
	memset(img->ctrl, 0, ID_SIZE);
	img->ctrl[CTRL_MDTS] = mdts;
	put_le(&img->ctrl[CTRL_ONCS], oncs, 2);
	img->ctrl[CTRL_VWC] = vwc;
}

static void make_ns(struct image *img, uint64_t nsze, uint8_t nlbaf, uint8_t flbas,
		    uint8_t dps, uint8_t dlfeat)
{
	memset(img->ns, 0, ID_SIZE);
	put_le(&img->ns[NS_NSZE], nsze, 8);
	put_le(&img->ns[NS_NCAP], nsze, 8);
	put_le(&img->ns[NS_NUSE], nsze / 2, 8);
	img->ns[NS_NLBAF] = nlbaf;
	img->ns[NS_FLBAS] = flbas;
	img->ns[NS_DPS] = dps;
	img->ns[NS_DLFEAT] = dlfeat;
}

static void set_lbaf(struct image *img, unsigned int i, uint16_t ms, uint8_t lbads)
{
	uint8_t *p = &img->ns[NS_LBAF0 + 4 * i];

	put_le(p, ms, 2);
	p[2] = lbads;
	p[3] = (uint8_t)(i & 3);	/* relative performance: ignored */
}

/* The formats a typical controller offers: 512, 4096, with and without metadata. */
static void common_formats(struct image *img)
{
	set_lbaf(img, 0, 0, 9);
	set_lbaf(img, 1, 0, 12);
	set_lbaf(img, 2, 8, 9);
	set_lbaf(img, 3, 64, 12);
}

enum { IMG_512, IMG_4096, IMG_512_8_PI1, IMG_4096_64_EXT, IMG_LBAF18, IMG_NR };

static struct image images[IMG_NR];

static void make_images(void)
{
	struct image *img;

	/* 512-byte blocks, no metadata; DLFEAT: reads zeroes, WZ may deallocate */
	img = &images[IMG_512];
	img->name = "512";
	make_ctrl(img, 5, 0x000c, 0x01);		/* DSM | Write Zeroes, VWC */
	make_ns(img, 0x200000, 3, 0x00, 0x00, 0x09);
	common_formats(img);

	/* 4096-byte blocks; MDTS 0; deallocated blocks read as FFh */
	img = &images[IMG_4096];
	img->name = "4096";
	make_ctrl(img, 0, 0x01bf, 0x00);		/* all of ONCS 0-8 but 6 */
	make_ns(img, 0x40000, 3, 0x01, 0x00, 0x02);
	common_formats(img);

	/* 512 + 8 bytes of separate metadata, PI type 1 at the end */
	img = &images[IMG_512_8_PI1];
	img->name = "512+8-pi1";
	make_ctrl(img, 7, 0x0080, 0x07);		/* Verify; VWC + flush bits */
	make_ns(img, 0x100000, 3, 0x02, 0x01, 0x00);
	common_formats(img);

	/* 4096 + 64 bytes extended LBA, PI type 2 in the first 8 bytes */
	img = &images[IMG_4096_64_EXT];
	img->name = "4096+64-ext";
	make_ctrl(img, 5, 0x0002, 0x00);		/* Write Uncorrectable */
	make_ns(img, 0x8000, 3, 0x13, 0x0a, 0x01);
	common_formats(img);

	/* 20 formats, formatted with index 18 (FLBAS bits 6:5 = 01b, 3:0 = 2) */
	img = &images[IMG_LBAF18];
	img->name = "lbaf18";
	make_ctrl(img, 9, 0x0001, 0x01);		/* Compare */
	make_ns(img, 0x12345, 19, 0x22, 0x00, 0x00);
	common_formats(img);
	set_lbaf(img, 2, 0, 0);				/* the low index must not be used */
	set_lbaf(img, 18, 16, 13);
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

static int write_images(const char *dir)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < IMG_NR; i++) {
		snprintf(path, sizeof(path), "%s/id-ctrl-%s.bin", dir, images[i].name);
		if (write_file(path, images[i].ctrl, ID_SIZE))
			return 1;
		snprintf(path, sizeof(path), "%s/id-ns-%s.bin", dir, images[i].name);
		if (write_file(path, images[i].ns, ID_SIZE))
			return 1;
	}
	return 0;
}

static int file_equals(const char *path, const uint8_t *want)
{
	static uint8_t buf[ID_SIZE + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n == ID_SIZE && !memcmp(buf, want, ID_SIZE);
}

static void test_committed_images(void)
{
	const char *srcdir = getenv("srcdir");
	char path[PATH_MAX];
	int i;

	if (!srcdir)
		srcdir = ".";
	for (i = 0; i < IMG_NR; i++) {
		snprintf(path, sizeof(path), "%s/tests/unit/data/id-ctrl-%s.bin", srcdir, images[i].name);
		printf("     %s\n", path);
		CHECK(file_equals(path, images[i].ctrl));
		snprintf(path, sizeof(path), "%s/tests/unit/data/id-ns-%s.bin", srcdir, images[i].name);
		printf("     %s\n", path);
		CHECK(file_equals(path, images[i].ns));
	}
}

static int parse(int i, uint32_t kernel_max, struct blk_nvme_ns *ns, char *msg)
{
	/* an odd address: the parser must not assume alignment */
	static uint8_t buf[2 * ID_SIZE + 1];

	memcpy(buf + 1, images[i].ctrl, ID_SIZE);
	memcpy(buf + 1 + ID_SIZE, images[i].ns, ID_SIZE);
	msg[0] = '\0';
	return blk_nvme_ns_parse(buf + 1, buf + 1 + ID_SIZE, 1, BLK_NVME_MIN_PAGE,
				 kernel_max, ns, msg, 256);
}

/* The geometry the engine takes from ns; 0 or the error, msg as returned. */
static int geom_bufs(const struct blk_nvme_ns *ns, bool pi_strip, bool bufs_page_aligned,
		     struct blk_geom *g, char *msg)
{
	msg[0] = '\0';
	memset(g, 0, sizeof(*g));
	return blk_nvme_ns_geom(ns, pi_strip, bufs_page_aligned, g, msg, 256);
}

/* The same for fio's usual page-aligned buffers. */
static int geom(const struct blk_nvme_ns *ns, bool pi_strip, struct blk_geom *g, char *msg)
{
	return geom_bufs(ns, pi_strip, true, g, msg);
}

static void test_formats(void)
{
	struct blk_nvme_ns ns;
	struct blk_geom g;
	char msg[256];

	printf("-- 512\n");
	CHECK_EQ(parse(IMG_512, 0, &ns, msg), 0);
	CHECK_EQ(ns.nsid, 1);
	CHECK_EQ(ns.nsze, 0x200000);
	CHECK_EQ(ns.lbaf, 0);
	CHECK_EQ(ns.lba_size, 512);
	CHECK_EQ(ns.lba_shift, 9);
	CHECK_EQ(ns.ms, 0);
	CHECK(!ns.extended_lba);
	CHECK_EQ(ns.pi_type, 0);
	CHECK_EQ(ns.dlfeat, 0x09);
	CHECK(ns.dealloc_zeroes);
	CHECK(ns.vwc);
	CHECK_EQ(ns.oncs, 0x000c);
	CHECK(ns.has_dsm && ns.has_write_zeroes);
	CHECK(!ns.has_compare && !ns.has_write_uncor && !ns.has_verify);
	CHECK_EQ(ns.mdts_bytes, 128 * 1024);
	CHECK(!ns.fdp && !ns.directives);
	/* FDP (CTRATT bit 19, byte 96) and directives (OACS bit 5, byte 256) */
	images[IMG_512].ctrl[96 + 2] |= 0x08;
	images[IMG_512].ctrl[256] |= 0x20;
	CHECK_EQ(parse(IMG_512, 0, &ns, msg), 0);
	CHECK(ns.fdp && ns.directives);
	images[IMG_512].ctrl[96 + 2] &= (uint8_t)~0x08;
	images[IMG_512].ctrl[256] &= (uint8_t)~0x20;
	CHECK_EQ(parse(IMG_512, 0, &ns, msg), 0);
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.block, 512);
	CHECK_EQ(g.block_shift, 9);
	CHECK_EQ(g.max_xfer, 128 * 1024);
	CHECK_EQ(g.capacity, 0x200000ull * 512);

	printf("-- 4096\n");
	CHECK_EQ(parse(IMG_4096, 0, &ns, msg), 0);
	CHECK_EQ(ns.lbaf, 1);
	CHECK_EQ(ns.lba_size, 4096);
	CHECK_EQ(ns.lba_shift, 12);
	CHECK(!ns.dealloc_zeroes);
	CHECK(!ns.vwc);
	CHECK(ns.has_dsm && ns.has_write_zeroes && ns.has_compare &&
	      ns.has_write_uncor && ns.has_verify);
	/* MDTS 0: only NLB bounds a command */
	CHECK_EQ(ns.mdts_bytes, 0);
	/* 65536 blocks of 4096 bytes is 2^28, within 32 bits */
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.block, 4096);
	CHECK_EQ(g.max_xfer, 65536u * 4096);
	CHECK_EQ(parse(IMG_4096, 1024 * 1024, &ns, msg), 0);
	CHECK_EQ(ns.kernel_max_bytes, 1024 * 1024);
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.max_xfer, 1024 * 1024);
	/*
	 * Linux 6.1's NVMe queue takes 127 segments: 127 pages per command
	 * from page-aligned buffers, 126 when a buffer may start mid-page
	 * (its pages need not be physically contiguous).
	 */
	ns.kernel_max_segments = 127;
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.max_xfer, 127u * 4096);
	CHECK_EQ(geom_bufs(&ns, false, false, &g, msg), 0);
	CHECK_EQ(g.max_xfer, 126u * 4096);
	/* more segments than the byte limit needs: the byte limit holds */
	ns.kernel_max_segments = 4096;
	CHECK_EQ(geom_bufs(&ns, false, false, &g, msg), 0);
	CHECK_EQ(g.max_xfer, 1024 * 1024);
	/* one segment: a page, whatever the buffers */
	ns.kernel_max_segments = 1;
	CHECK_EQ(geom_bufs(&ns, false, false, &g, msg), 0);
	CHECK_EQ(g.max_xfer, 4096);
	CHECK_EQ(blk_nvme_segment_bytes(0, false), 0);
	CHECK_EQ(blk_nvme_segment_bytes(128, true), 128u * 4096);
	CHECK_EQ(blk_nvme_segment_bytes(128, false), 127u * 4096);

	printf("-- 512+8, PI type 1\n");
	CHECK_EQ(parse(IMG_512_8_PI1, 0, &ns, msg), 0);
	CHECK_EQ(ns.lbaf, 2);
	CHECK_EQ(ns.lba_size, 512);
	CHECK_EQ(ns.ms, 8);
	CHECK(!ns.extended_lba);
	CHECK_EQ(ns.pi_type, 1);
	CHECK(!ns.pi_first);
	CHECK(ns.vwc);
	CHECK(ns.has_verify && !ns.has_dsm);
	/* separate metadata: fio's blocks are data only, PRACT or not */
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.block, 512);
	CHECK_EQ(g.max_xfer, 512 * 1024);
	/* the kernel limit is smaller: it wins */
	CHECK_EQ(parse(IMG_512_8_PI1, 256 * 1024, &ns, msg), 0);
	CHECK_EQ(geom(&ns, true, &g, msg), 0);
	CHECK_EQ(g.block, 512);
	CHECK_EQ(g.max_xfer, 256 * 1024);
	CHECK_EQ(ns.mdts_bytes, 512 * 1024);

	printf("-- 4096+64 extended, PI type 2 first\n");
	CHECK_EQ(parse(IMG_4096_64_EXT, 0, &ns, msg), 0);
	CHECK_EQ(ns.lbaf, 3);
	CHECK_EQ(ns.lba_size, 4096);
	CHECK_EQ(ns.ms, 64);
	CHECK(ns.extended_lba);
	CHECK_EQ(ns.pi_type, 2);
	CHECK(ns.pi_first);
	CHECK(ns.dealloc_zeroes);			/* DLFEAT read behaviour 001b */
	CHECK(ns.has_write_uncor);
	/*
	 * 128 KiB holds 31 blocks of 4160 bytes; 64 of them (266240 bytes)
	 * would be the first whole number of pages, more than the limit, so
	 * the split falls back to whole blocks.
	 */
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.block, 4160);
	CHECK_EQ(g.block_shift, 0);
	CHECK_EQ(g.max_xfer, 31u * 4160);
	/* 8 bytes of PI that PRACT strips and inserts: fio sees data only */
	ns.ms = 8;
	CHECK_EQ(geom(&ns, true, &g, msg), 0);
	CHECK_EQ(g.block, 4096);
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.block, 4104);
	/* a kernel limit of 1 MiB: whole pages win, 4 * 64 blocks would not fit */
	CHECK_EQ(parse(IMG_4096_64_EXT, 1024 * 1024, &ns, msg), 0);
	ns.mdts_bytes = 0;
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.max_xfer, 3u * 266240);
	CHECK_EQ(g.max_xfer % 4096, 0);
	CHECK_EQ(g.max_xfer % 4160, 0);
	/* a limit below one block cannot work */
	CHECK_EQ(parse(IMG_4096_64_EXT, 4096, &ns, msg), 0);
	CHECK_EQ(geom(&ns, false, &g, msg), -EOPNOTSUPP);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "smaller than one 4160-byte block") != NULL);
	/* NSZE whose bytes pass 2^64: refused, not wrapped */
	CHECK_EQ(parse(IMG_4096_64_EXT, 0, &ns, msg), 0);
	ns.nsze = UINT64_MAX / 4160 + 1;
	CHECK_EQ(geom(&ns, false, &g, msg), -EOVERFLOW);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "more than 2^64 bytes") != NULL);
	ns.nsze = UINT64_MAX / 4160;
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.capacity, UINT64_MAX / 4160 * 4160);

	printf("-- LBA format 18\n");
	CHECK_EQ(parse(IMG_LBAF18, 0, &ns, msg), 0);
	CHECK_EQ(ns.lbaf, 18);
	CHECK_EQ(ns.lba_size, 8192);
	CHECK_EQ(ns.lba_shift, 13);
	CHECK_EQ(ns.ms, 16);
	CHECK(!ns.extended_lba);
	CHECK_EQ(ns.nsze, 0x12345);
	CHECK(ns.has_compare && !ns.has_dsm);
	CHECK_EQ(geom(&ns, false, &g, msg), 0);
	CHECK_EQ(g.block, 8192);
	CHECK_EQ(g.block_shift, 13);
	CHECK_EQ(g.max_xfer, 2u * 1024 * 1024);
}

static void test_bad_images(void)
{
	struct image saved;
	struct blk_nvme_ns ns;
	char msg[256];

	saved = images[IMG_LBAF18];
	/* index 18 with only 16 formats reported */
	images[IMG_LBAF18].ns[NS_NLBAF] = 15;
	CHECK_EQ(parse(IMG_LBAF18, 0, &ns, msg), -EINVAL);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "LBA format 18 but reports only 16 formats") != NULL);
	/* NULBAF formats count too */
	images[IMG_LBAF18].ns[NS_NULBAF] = 3;
	CHECK_EQ(parse(IMG_LBAF18, 0, &ns, msg), 0);
	CHECK_EQ(ns.lbaf, 18);

	/* an unused format entry (LBADS 0) */
	images[IMG_LBAF18] = saved;
	images[IMG_LBAF18].ns[NS_FLBAS] = 0x02;
	CHECK_EQ(parse(IMG_LBAF18, 0, &ns, msg), -EOPNOTSUPP);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "LBA format 2 has a data size of 2^0 bytes") != NULL);

	/* inactive namespace */
	images[IMG_LBAF18] = saved;
	put_le(&images[IMG_LBAF18].ns[NS_NSZE], 0, 8);
	CHECK_EQ(parse(IMG_LBAF18, 0, &ns, msg), -ENXIO);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "not active") != NULL);
	images[IMG_LBAF18] = saved;

	/* reserved protection information types 4 to 7 */
	saved = images[IMG_512_8_PI1];
	images[IMG_512_8_PI1].ns[NS_DPS] = 0x04;
	CHECK_EQ(parse(IMG_512_8_PI1, 0, &ns, msg), -EOPNOTSUPP);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "protection information type 4") != NULL);
	images[IMG_512_8_PI1].ns[NS_DPS] = 0x0f;
	CHECK_EQ(parse(IMG_512_8_PI1, 0, &ns, msg), -EOPNOTSUPP);
	images[IMG_512_8_PI1].ns[NS_DPS] = 0x0b;	/* type 3, PI first */
	CHECK_EQ(parse(IMG_512_8_PI1, 0, &ns, msg), 0);
	CHECK_EQ(ns.pi_type, 3);
	images[IMG_512_8_PI1] = saved;
}

static void test_mdts(void)
{
	CHECK_EQ(blk_nvme_mdts_bytes(0, 4096), 0);
	CHECK_EQ(blk_nvme_mdts_bytes(1, 4096), 8192);
	CHECK_EQ(blk_nvme_mdts_bytes(5, 4096), 128 * 1024);
	CHECK_EQ(blk_nvme_mdts_bytes(5, 8192), 256 * 1024);
	CHECK_EQ(blk_nvme_mdts_bytes(5, 0), 128 * 1024);	/* unknown page: 4 KiB */
	CHECK_EQ(blk_nvme_mdts_bytes(5, 5000), 128 * 1024);
	CHECK_EQ(blk_nvme_mdts_bytes(51, 4096), 1ull << 63);
	CHECK_EQ(blk_nvme_mdts_bytes(52, 4096), UINT64_MAX);
	CHECK_EQ(blk_nvme_mdts_bytes(255, 4096), UINT64_MAX);
}

/*
 * A sysfs copy: <root>/dev/char/M:m -> the generic device's directory, whose
 * "device" link leads to its parent (controller or subsystem).
 */
static char sysfs[256];

static void mk(const char *rel, const char *content)
{
	char path[PATH_MAX], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", sysfs, rel);
	for (slash = strchr(path + strlen(sysfs) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	if (!content) {
		mkdir(path, 0755);
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, content, strlen(content)) < 0)
			perror(path);
		close(fd);
	}
}

static void ln(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", sysfs, rel);
	if (symlink(target, path))
		perror(path);
}

static void test_sysfs(void)
{
	uint32_t max = 0, segs = 0;
	char cmd[PATH_MAX + 16];

	snprintf(sysfs, sizeof(sysfs), "%s/blk-sysfs-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!CHECK(mkdtemp(sysfs) != NULL))
		return;

	/* controller nvme0: two namespaces and the generic device itself */
	mk("devices/nvme0/nvme0n1/nsid", "1\n");
	mk("devices/nvme0/nvme0n1/queue/max_hw_sectors_kb", "512\n");
	mk("devices/nvme0/nvme0n1/queue/max_segments", "127\n");
	mk("devices/nvme0/nvme0n2/nsid", "2\n");
	mk("devices/nvme0/nvme0n2/queue/max_hw_sectors_kb", "128\n");
	mk("devices/nvme0/ng0n1/dev", "242:0\n");
	mk("devices/nvme0/ng0n2/dev", "242:1\n");
	mk("dev/char", NULL);
	ln("../../devices/nvme0/ng0n1", "dev/char/242:0");
	ln("../../devices/nvme0/ng0n2", "dev/char/242:1");
	ln("../../nvme0", "devices/nvme0/ng0n1/device");
	ln("../../nvme0", "devices/nvme0/ng0n2/device");
	/* multipath: head disk in the subsystem; the generic head device beside it */
	mk("devices/nvme-subsys0/nvme0n1/nsid", "1\n");
	mk("devices/nvme-subsys0/nvme0n1/queue/max_hw_sectors_kb", "1024\n");
	mk("devices/nvme-subsys0/nvme0n1/queue/max_segments", "lots\n");
	mk("devices/nvme-subsys0/ng0n1/dev", "242:5\n");
	ln("../../devices/nvme-subsys0/ng0n1", "dev/char/242:5");
	ln("../../nvme-subsys0", "devices/nvme-subsys0/ng0n1/device");
	/* a broken attribute */
	mk("devices/nvme1/nvme1n1/nsid", "1\n");
	mk("devices/nvme1/nvme1n1/queue/max_hw_sectors_kb", "lots\n");
	mk("devices/nvme1/ng1n1/dev", "242:9\n");
	ln("../../devices/nvme1/ng1n1", "dev/char/242:9");
	ln("../../nvme1", "devices/nvme1/ng1n1/device");

	CHECK_EQ(blk_nvme_kernel_limits(sysfs, makedev(242, 0), 1, &max, &segs), 0);
	CHECK_EQ(max, 512 * 1024);
	CHECK_EQ(segs, 127);
	/* no max_segments: the byte limit alone */
	CHECK_EQ(blk_nvme_kernel_limits(sysfs, makedev(242, 1), 2, &max, &segs), 0);
	CHECK_EQ(max, 128 * 1024);
	CHECK_EQ(segs, 0);
	/* an unreadable max_segments counts as unknown */
	CHECK_EQ(blk_nvme_kernel_limits(sysfs, makedev(242, 5), 1, &max, &segs), 0);
	CHECK_EQ(max, 1024 * 1024);
	CHECK_EQ(segs, 0);
	max = 7;
	segs = 9;
	CHECK_EQ(blk_nvme_kernel_limits(sysfs, makedev(242, 0), 3, &max, &segs), -ENOENT);
	CHECK_EQ(blk_nvme_kernel_limits(sysfs, makedev(242, 9), 1, &max, &segs), -ENOENT);
	CHECK_EQ(blk_nvme_kernel_limits(sysfs, makedev(242, 77), 1, &max, &segs), -ENOENT);
	CHECK_EQ(segs, 9);
	CHECK_EQ(max, 7);				/* untouched on failure */

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysfs);
	CHECK_EQ(system(cmd), 0);
}

static void test_probe_errors(void)
{
	struct blk_nvme_ns ns;
	char msg[256];
	int fd;

	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0);
	CHECK_EQ(blk_nvme_ns_probe(fd, "/dev/null", &ns, msg, sizeof(msg)), -ENOTTY);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "/dev/null") != NULL);
	close(fd);

	fd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_EQ(blk_nvme_ns_probe(fd, "the build directory", &ns, msg, sizeof(msg)), -ENOTTY);
	printf("     message: %s\n", msg);
	CHECK(strstr(msg, "is not a character device") != NULL);
	close(fd);

	CHECK_EQ(blk_nvme_ns_probe(-1, "fd -1", &ns, msg, sizeof(msg)), -EBADF);
	printf("     message: %s\n", msg);
}

/* The NVM command set's Identify Namespace: ELBAF of format lbaf. */
static int parse_nvm(struct blk_nvme_ns *ns, unsigned int lbaf, uint32_t elbaf, char *msg)
{
	/* an odd address, as above; ELBAF n at byte 12 + 4 n, little endian */
	static uint8_t buf[ID_SIZE + 1];
	uint8_t *p = buf + 1 + 12 + 4 * lbaf;

	memset(buf, 0, sizeof(buf));
	p[0] = (uint8_t)elbaf;
	p[1] = (uint8_t)(elbaf >> 8);
	p[2] = (uint8_t)(elbaf >> 16);
	p[3] = (uint8_t)(elbaf >> 24);
	msg[0] = '\0';
	return blk_nvme_ns_parse_nvm(buf + 1, ns, msg, 256);
}

static void test_pi_formats(void)
{
	struct blk_nvme_ns ns = { .nsid = 3, .lbaf = 5, .pi_type = 1, .ms = 16 };
	char msg[256];

	printf("-- PI format from the NVM command set's Identify Namespace\n");
	CHECK_EQ(parse_nvm(&ns, 5, 2u << 7, msg), 0);
	CHECK_EQ(ns.pif, BLK_NVME_PIF_64B_GUARD);
	CHECK_EQ(blk_nvme_pi_tuple_size(&ns), 16);
	/* the formatted format's entry, not another's */
	CHECK_EQ(parse_nvm(&ns, 4, 2u << 7, msg), 0);
	CHECK_EQ(ns.pif, BLK_NVME_PIF_16B_GUARD);
	CHECK_EQ(blk_nvme_pi_tuple_size(&ns), 8);
	CHECK_EQ(parse_nvm(&ns, 5, 1u << 7, msg), -EOPNOTSUPP);
	CHECK(strstr(msg, "namespace 3 LBA format 5") && strstr(msg, "32-bit (CRC-32C)"));
	CHECK_EQ(parse_nvm(&ns, 5, 3u << 7, msg), -EOPNOTSUPP);
	CHECK(strstr(msg, "reserved (PIF 3)"));
	CHECK_EQ(parse_nvm(&ns, 5, 2u << 7 | 16, msg), -EOPNOTSUPP);
	CHECK(strstr(msg, "16-bit storage tag") && strstr(msg, "STS 0"));
	/* without protection information the format's guard does not matter */
	ns.pi_type = 0;
	CHECK_EQ(parse_nvm(&ns, 5, 1u << 7 | 16, msg), 0);
}

int main(int argc, char **argv)
{
	make_images();
	if (argc == 3 && !strcmp(argv[1], "--write-images"))
		return write_images(argv[2]);

	test_committed_images();
	test_formats();
	test_bad_images();
	test_mdts();
	test_sysfs();
	test_probe_errors();
	test_pi_formats();
	return unit_end();
}
