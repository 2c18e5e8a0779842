/* api_internal.h - helpers shared by the public API functions (api/ only). */
#ifndef MOS_API_INTERNAL_H
#define MOS_API_INTERNAL_H

#include <errno.h>

#include "mos_ext.h"

/* Sets errno and returns -1: the public error convention. */
static inline int api_fail(int err)
{
	errno = err;
	return -1;
}

/* Sets errno and returns NULL. */
static inline void *api_fail_null(int err)
{
	errno = err;
	return NULL;
}

#endif /* MOS_API_INTERNAL_H */
