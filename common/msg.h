/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sentence a pure-logic parser hands back to its caller, who logs it
 * with the file and option it concerns.
 */
#ifndef BLK_MSG_H
#define BLK_MSG_H

#include <stddef.h>

/* printf into msg (len bytes); nothing when msg is NULL or len 0. */
void blk_msg(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
