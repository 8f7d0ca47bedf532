/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal unit test harness: each check prints one line, the program
 * ends with "N passed, N failed" and exits 0 only when nothing failed.
 */
#ifndef BLK_UNIT_H
#define BLK_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned int unit_passed, unit_failed;

/*
 * Quiet checks (inside long loops) print and count only failures; a
 * summary check after the loop stands for them.
 */
static int unit_quiet;

static inline int unit_report(int ok, const char *file, int line,
			      const char *what, const char *detail)
{
	if (ok) {
		if (!unit_quiet) {
			unit_passed++;
			printf("ok   %s\n", what);
		}
	} else {
		unit_failed++;
		printf("FAIL %s:%d: %s%s%s\n", file, line, what,
		       detail ? ": " : "", detail ? detail : "");
	}
	return ok;
}

#define CHECK(cond) \
	unit_report(!!(cond), __FILE__, __LINE__, #cond, NULL)

#define CHECK_EQ(a, b) ({						\
	unsigned long long _a = (unsigned long long)(a);		\
	unsigned long long _b = (unsigned long long)(b);		\
	char _d[96];							\
	snprintf(_d, sizeof(_d), "0x%llx != 0x%llx", _a, _b);		\
	unit_report(_a == _b, __FILE__, __LINE__, #a " == " #b, _d);	\
})

#define CHECK_STR(a, b) ({						\
	const char *_a = (a), *_b = (b);				\
	char _d[512];							\
	snprintf(_d, sizeof(_d), "\"%s\" != \"%s\"",			\
		 _a ? _a : "(null)", _b ? _b : "(null)");		\
	unit_report(_a && _b && !strcmp(_a, _b), __FILE__, __LINE__,	\
		    #a " == " #b, _d);				\
})

static inline int unit_end(void)
{
	printf("%u passed, %u failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
