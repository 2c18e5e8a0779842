/* io_info_none.c - answers for I/O dependencies this build was made without. */
#include <stddef.h>

#include "io/io_info.h"

#ifndef MOS_HAVE_DPDK
const char *io_dpdk_version(void)
{
	return NULL;
}
#endif

#ifndef MOS_HAVE_PCAP
const char *io_pcap_version(void)
{
	return NULL;
}
#endif
