/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-user front-end: the protocol's numbers and the transport ops.
 *
 * The vhost-user protocol (QEMU's docs/interop/vhost-user.rst) has no
 * kernel uapi header, so its constants live here, once, under the spec's
 * names. Payload layouts shared with the vhost ioctls (vring state and
 * addresses) come from linux/vhost_types.h.
 */
#ifndef BLK_VHOST_USER_H
#define BLK_VHOST_USER_H

#include <stdint.h>

#include "virtio_transport.h"

/* Front-end message types. */
enum vhost_user_request {
	VHOST_USER_NONE			= 0,
	VHOST_USER_GET_FEATURES		= 1,
	VHOST_USER_SET_FEATURES		= 2,
	VHOST_USER_SET_OWNER		= 3,
	VHOST_USER_RESET_OWNER		= 4,
	VHOST_USER_SET_MEM_TABLE	= 5,
	VHOST_USER_SET_LOG_BASE		= 6,
	VHOST_USER_SET_LOG_FD		= 7,
	VHOST_USER_SET_VRING_NUM	= 8,
	VHOST_USER_SET_VRING_ADDR	= 9,
	VHOST_USER_SET_VRING_BASE	= 10,
	VHOST_USER_GET_VRING_BASE	= 11,
	VHOST_USER_SET_VRING_KICK	= 12,
	VHOST_USER_SET_VRING_CALL	= 13,
	VHOST_USER_SET_VRING_ERR	= 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM	= 17,
	VHOST_USER_SET_VRING_ENABLE	= 18,
	VHOST_USER_GET_CONFIG		= 24,
	VHOST_USER_SET_CONFIG		= 25,
	VHOST_USER_GET_INFLIGHT_FD	= 31,
	VHOST_USER_SET_INFLIGHT_FD	= 32,
	VHOST_USER_GET_MAX_MEM_SLOTS	= 36,
	VHOST_USER_ADD_MEM_REG		= 37,
	VHOST_USER_REM_MEM_REG		= 38,
};

/* Header flags. */
#define VHOST_USER_VERSION_MASK		0x3u
#define VHOST_USER_VERSION		0x1u
#define VHOST_USER_REPLY_MASK		(1u << 2)
#define VHOST_USER_NEED_REPLY_MASK	(1u << 3)

/* Virtio feature bit of vhost-user itself (GET_FEATURES / SET_FEATURES). */
#define VHOST_USER_F_PROTOCOL_FEATURES	30

/* Protocol feature bits (GET_PROTOCOL_FEATURES). */
#define VHOST_USER_PROTOCOL_F_MQ		0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK		3
#define VHOST_USER_PROTOCOL_F_CONFIG		9
#define VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD	12
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15

/* SET_VRING_KICK / SET_VRING_CALL payload: queue index, or no fd. */
#define VHOST_USER_VRING_IDX_MASK	0xffu
#define VHOST_USER_VRING_NOFD_MASK	(1u << 8)

/* Regions a SET_MEM_TABLE message carries. */
#define VHOST_MEMORY_BASELINE_NREGIONS	8

/* Largest config space GET_CONFIG transfers. */
#define VHOST_USER_MAX_CONFIG_SIZE	256

/* GET_CONFIG flags: a front-end read. */
#define VHOST_SET_CONFIG_TYPE_FRONTEND	0

struct vhost_user_header {
	uint32_t request;
	uint32_t flags;
	uint32_t size;			/* payload bytes that follow */
} __attribute__((packed));

/* A memory region as the back-end sees it. */
struct vhost_user_mem_region {
	uint64_t guest_phys_addr;	/* what descriptors carry */
	uint64_t memory_size;
	uint64_t userspace_addr;	/* what vring addresses carry */
	uint64_t mmap_offset;		/* offset of the region in the fd */
} __attribute__((packed));

struct vhost_user_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_mem_region regions[VHOST_MEMORY_BASELINE_NREGIONS];
} __attribute__((packed));

/* ADD_MEM_REG / REM_MEM_REG payload. */
struct vhost_user_mem_single {
	uint64_t padding;
	struct vhost_user_mem_region region;
} __attribute__((packed));

struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VHOST_USER_MAX_CONFIG_SIZE];
} __attribute__((packed));

#define VHOST_USER_CONFIG_HDR_SIZE	12u

/* GET_INFLIGHT_FD / SET_INFLIGHT_FD payload (the fd travels with it). */
/*
 * 24 bytes on the wire: QEMU and DPDK declare it without packing, so the
 * trailing padding is part of the message (DPDK refuses 20 bytes).
 */
struct vhost_user_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint32_t padding;
} __attribute__((packed));

/*
 * The in-flight region of one split virtqueue, as the back-end keeps it
 * (vhost-user spec, "Inflight I/O tracking"): one entry per descriptor
 * head, inflight set while the back-end has taken it and not completed it.
 */
struct vhost_user_inflight_desc {
	uint8_t inflight;
	uint8_t padding[5];
	uint16_t next;
	uint64_t counter;
} __attribute__((packed));

struct vhost_user_inflight_queue {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t last_batch_head;
	uint16_t used_idx;
	struct vhost_user_inflight_desc desc[];
} __attribute__((packed));

/* The vhost-user transport of virtio_blk.c. */
extern const struct virtio_transport_ops vhost_user_transport;

#endif
