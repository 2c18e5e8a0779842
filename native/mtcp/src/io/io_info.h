/* io_info.h - build facts about the I/O dependencies (DPDK, libpcap). */
#ifndef MOS_IO_INFO_H
#define MOS_IO_INFO_H

/* "DPDK 22.11.11", or NULL when built without DPDK. */
const char *io_dpdk_version(void);

/* libpcap's version string, or NULL when built without libpcap. */
const char *io_pcap_version(void);

/* MOS_IO_BACKEND_* bits of the backends this build can open. */
unsigned io_backends_available(void);

#endif /* MOS_IO_INFO_H */
