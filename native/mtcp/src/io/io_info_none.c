/* io_info_none.c - answers for I/O dependencies this build was made without. */
#include <errno.h>
#include <stddef.h>

#include "io/io_info.h"
#include "io/pcap_io.h"

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

bool io_pcap_is_pcap(const struct io_dev *dev)
{
	(void)dev;
	return false;
}

int io_pcap_port_counters(struct io_dev *dev, uint16_t port, struct io_pcap_counters *out)
{
	(void)dev;
	(void)port;
	(void)out;
	return -EINVAL;
}

const char *io_pcap_last_error(struct io_dev *dev, uint16_t port)
{
	(void)dev;
	(void)port;
	return NULL;
}
#endif
