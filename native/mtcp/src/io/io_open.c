/* io_open.c - picks the backend the configuration names, and answers for backends
 * this build was made without. */
#include <errno.h>
#include <stdio.h>

#include "engine/config.h"
#include "io/io_info.h"
#include "io/io_open.h"
#include "mos_ext.h"

int io_open(const struct io_open_args *args, struct io_dev **out)
{
	switch (args->cfg->io) {
	case CFG_IO_DPDK:
		return io_dpdk_open(args, out);
	case CFG_IO_PCAP:
		return io_pcap_open(args, out);
	case CFG_IO_SIM:
		return io_sim_open(args, out);
	default:
		snprintf(args->err, args->err_len, "unknown io backend %d", args->cfg->io);
		return -EINVAL;
	}
}

#ifndef MOS_HAVE_DPDK
int io_dpdk_open(const struct io_open_args *args, struct io_dev **out)
{
	*out = NULL;
	snprintf(args->err, args->err_len, "this build has no DPDK (io = dpdk unavailable)");
	return -ENOTSUP;
}
#endif

#ifndef MOS_HAVE_PCAP
int io_pcap_open(const struct io_open_args *args, struct io_dev **out)
{
	*out = NULL;
	snprintf(args->err, args->err_len, "this build has no libpcap (io = pcap unavailable)");
	return -ENOTSUP;
}
#endif

unsigned io_backends_available(void)
{
	unsigned b = MOS_IO_BACKEND_SIM;
	if (io_dpdk_version() != NULL)
		b |= MOS_IO_BACKEND_DPDK;
	if (io_pcap_version() != NULL)
		b |= MOS_IO_BACKEND_PCAP;
	return b;
}
