/* dpdk_info.c - facts about the linked DPDK (compiled only when DPDK is present). */
#include <rte_version.h>

#include "io/io_info.h"

const char *io_dpdk_version(void)
{
	return rte_version();
}
