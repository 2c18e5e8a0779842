/* assert.c - the out-of-line failure path of MOS_ASSERT / MOS_ASSERT_MSG. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/assert.h"

void assert_fail(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
	fflush(stderr);
	abort();
}

void assert_fail_msg(const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: assertion failed: %s: ", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	abort();
}
