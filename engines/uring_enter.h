/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * io_uring_enter(2) for the I/O path. On x86-64 it is the system call
 * itself, inline: a round of submit and wait then makes no library call,
 * and only rcx and r11 of the caller's registers are lost to it. Elsewhere
 * liburing's. Returns what the kernel returns: a count, or -errno.
 */
#ifndef BLK_URING_ENTER_H
#define BLK_URING_ENTER_H

#include <sys/syscall.h>

#include <liburing.h>

static inline int blk_uring_enter(int fd, unsigned int to_submit, unsigned int min_complete,
				  unsigned int flags)
{
#if defined(__x86_64__) && defined(__NR_io_uring_enter)
	/* No signal mask: the fifth and sixth arguments are 0. */
	register unsigned long arg4 __asm__("r10") = flags;
	register unsigned long arg5 __asm__("r8") = 0;
	register unsigned long arg6 __asm__("r9") = 0;
	long ret = __NR_io_uring_enter;

	__asm__ volatile("syscall"
			 : "+a"(ret)
			 : "D"((long)fd), "S"((unsigned long)to_submit),
			   "d"((unsigned long)min_complete), "r"(arg4), "r"(arg5), "r"(arg6)
			 : "rcx", "r11", "memory");
	return (int)ret;
#else
	return io_uring_enter(fd, to_submit, min_complete, flags, NULL);
#endif
}

#endif
