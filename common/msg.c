// SPDX-License-Identifier: GPL-2.0-only
/* The sentence a parser hands back; see msg.h. */
#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

void blk_msg(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}
