/* drop.c - names and descriptions of the drop reasons (see drop.h). */
#include "base/drop.h"

#include <stddef.h>

#define DROP_NAME_ENTRY(name, desc) #name,
#define DROP_DESC_ENTRY(name, desc) desc,

static const char *const drop_names[DROP_COUNT] = {"none", DROP_REASONS(DROP_NAME_ENTRY)};

static const char *const drop_descs[DROP_COUNT] = {"not dropped",
						   DROP_REASONS(DROP_DESC_ENTRY)};

#undef DROP_NAME_ENTRY
#undef DROP_DESC_ENTRY

const char *drop_reason_name(enum drop_reason reason)
{
	if ((unsigned)reason >= (unsigned)DROP_COUNT)
		return "invalid";
	return drop_names[reason];
}

const char *drop_reason_desc(enum drop_reason reason)
{
	if ((unsigned)reason >= (unsigned)DROP_COUNT)
		return "invalid";
	return drop_descs[reason];
}
