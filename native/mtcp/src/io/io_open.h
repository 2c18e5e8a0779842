/* io_open.h - creating a backend instance from the configuration.
 *
 * Port i of the instance is netdev line i of the configuration (same order, same
 * names). Each backend interprets the netdev `device=` string its own way (see
 * docs/config.md): DPDK device or vdev names, pcap files or interfaces, sim links.
 */
#ifndef MOS_IO_OPEN_H
#define MOS_IO_OPEN_H

#include <stddef.h>
#include <stdint.h>

#include "io/io.h"

struct mos_config;
struct sim_net;

struct io_open_args {
	const struct mos_config *cfg;
	uint16_t queues;         /* RX/TX queue pairs per port = contexts (cores) */
	uint32_t bufs_per_queue; /* buffers in each queue's pool (0 = backend default) */
	struct sim_net *sim;     /* sim backend only: the network the ports join */
	char *err;               /* receives a one-line reason on failure */
	size_t err_len;
};

/* Each returns 0 and *out, or a negative errno with a reason in args->err. None exits
 * or aborts the process on a runtime or configuration problem. */
int io_dpdk_open(const struct io_open_args *args, struct io_dev **out);
int io_pcap_open(const struct io_open_args *args, struct io_dev **out);
int io_sim_open(const struct io_open_args *args, struct io_dev **out);

/* Opens the backend the configuration's `io` key names. */
int io_open(const struct io_open_args *args, struct io_dev **out);

#endif /* MOS_IO_OPEN_H */
