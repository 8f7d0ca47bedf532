// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "iomem.h"

static size_t page_round(size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (len + page - 1) & ~(page - 1);
}

int blk_iomem_alloc(struct blk_iomem *mem, size_t len, const char *name)
{
	void *base;
	int fd, ret;

	len = page_round(len);
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)len)) {
		ret = -errno;
		goto close_fd;
	}
	/* MAP_SHARED: the backend maps the same pages through the fd. */
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED) {
		ret = -errno;
		goto close_fd;
	}
	mem->fd = fd;
	mem->base = base;
	mem->len = len;
	return 0;

close_fd:
	close(fd);
	return ret;
}

int blk_iomem_alloc_private(struct blk_iomem *mem, size_t len)
{
	void *base;

	len = page_round(len);
	base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		    -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	mem->fd = -1;
	mem->base = base;
	mem->len = len;
	return 0;
}

void blk_iomem_free(struct blk_iomem *mem)
{
	if (mem->base)
		munmap(mem->base, mem->len);
	if (mem->fd >= 0)
		close(mem->fd);
	mem->base = NULL;
	mem->fd = -1;
	mem->len = 0;
}

void blk_iomem_forget(struct blk_iomem *mem)
{
	if (mem->fd >= 0)
		close(mem->fd);
	mem->base = NULL;
	mem->fd = -1;
	mem->len = 0;
}
