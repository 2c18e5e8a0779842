/* dpdk_impl.h - private to io/dpdk*.c: the DPDK device object and the functions the
 * backend's files share. Includes DPDK headers: nothing outside io/dpdk*.c may include
 * this file. */
#ifndef MOS_IO_DPDK_IMPL_H
#define MOS_IO_DPDK_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "base/assert.h"
#include "io/dpdk.h"
#include "io/io.h"
#include "io/io_open.h"

struct cfg_netdev;

#define DPDK_POOL_CACHE 256 /* per-thread mempool cache (buffers) */
#define DPDK_TX_RETRIES 3   /* extra rte_eth_tx_burst calls for what a full ring refused */

/* How a netdev's device string names its DPDK port. */
enum dpdk_kind {
	DPDK_KIND_VDEV = 0, /* "net_...": a virtual device, plugged by the backend */
	DPDK_KIND_PCI = 1,  /* a PCI address (allow-listed on the EAL command line) */
	DPDK_KIND_NAME = 2, /* anything else: the name of a port that already exists, or
			     * "dpdk<N>" = DPDK port N (mOS 0.3's dpdkN interfaces) */
};

/* Counters one queue's thread keeps for one port (one writer; readers use relaxed
 * atomic loads). */
struct dpdk_qcount {
	uint64_t rx_multiseg; /* frames dropped because they spanned several buffers */
	uint64_t tx_dropped;  /* frames the device would not take after the retries */
	uint16_t rx_next;     /* queue 0 without RSS: the RX queue drained first */
};

/* One port of a device: netdev i of the configuration. */
struct dpdk_port {
	uint16_t port_id;   /* DPDK port */
	uint16_t rx_queues; /* configured; without IO_CAP_RSS all drained on queue 0 */
	uint16_t tx_queues;
	uint16_t nb_rxd, nb_txd; /* descriptors per queue after the device's limits */
	int socket;              /* the device's NUMA socket, or SOCKET_ID_ANY */
	uint32_t caps;           /* enum io_caps enabled */
	uint64_t rx_offloads, tx_offloads;
	uint64_t rss_hf;     /* hashed packet types, with IO_CAP_RSS */
	uint8_t key_dev_len; /* bytes of the key the device takes */
	uint16_t reta_size;
	uint8_t rss_key_len;
	uint8_t rss_key[IO_RSS_KEY_MAX];
	bool claimed;  /* marked busy in the process-wide port table */
	bool started;  /* rte_eth_dev_start() succeeded */
	char name[32]; /* netdev name */
	char driver[32];
};

/* The device: `io` first so that the engine's struct io_dev * converts back. */
struct dpdk_dev {
	struct io_dev io;
	unsigned gen; /* this process's open number (pool names) */
	struct rte_mempool *pool[IO_MAX_QUEUES];
	struct dpdk_port port[IO_MAX_PORTS];
	/* [queue][port], one cache-line-aligned row per queue: no false sharing. */
	struct {
		struct dpdk_qcount c[IO_MAX_PORTS];
	} __rte_cache_aligned count[IO_MAX_QUEUES];
};

static inline struct dpdk_dev *dpdk_dev_of(struct io_dev *io)
{
	return MOS_CONTAINER_OF(io, struct dpdk_dev, io);
}

/* dpdk_args.c: the kind of a device string and its DPDK port name (the part before
 * the first comma; a PCI address in the full "DDDD:BB:DD.F" form). */
enum dpdk_kind dpdk_device_kind(const char *device, char *name, size_t name_len);
/* The device string of a netdev ("" means the netdev's name). */
const char *dpdk_netdev_device(const struct cfg_netdev *nd);
/* Buffers each queue's pool needs at least: `ports` ports with rings of rx_desc and
 * tx_desc descriptors, bursts in flight, and a full mempool cache in each of the
 * `queues` stack threads (buffers freed by a thread other than their queue's). */
uint32_t dpdk_pool_min(uint16_t ports, uint32_t rx_desc, uint32_t tx_desc, uint16_t queues);

/* dpdk_eal.c: the process-wide EAL state. */
/* Claims DPDK port `port_id` for a device; -EBUSY if another open device has it. */
int dpdk_port_claim(uint16_t port_id);
void dpdk_port_release(uint16_t port_id);
/* A new open number; counts the device as open (the EAL is not cleaned up at exit
 * while one is). */
unsigned dpdk_dev_opened(void);
void dpdk_dev_closed(void);

/* dpdk_port.c: one port's life. Each returns 0 or -errno with the reason in err. */
int dpdk_port_find(struct dpdk_port *p, const struct cfg_netdev *nd, char *err, size_t err_len);
/* Device limits: queue counts (RSS or not), descriptors, offloads. */
int dpdk_port_plan(struct dpdk_port *p, uint16_t queues, char *err, size_t err_len);
/* Configures, sets up queues on the pools, applies the MAC and starts. */
int dpdk_port_start(struct dpdk_port *p, const struct cfg_netdev *nd,
		    struct rte_mempool *const *pools, char *err, size_t err_len);
/* Stops and closes the port (its queues give their buffers back), then unplugs its
 * device once no port of the device is left, so that a later open can plug it
 * again. Undoes whatever part of find/plan/start was done. */
void dpdk_port_shut(struct dpdk_port *p);
int dpdk_port_info(const struct dpdk_port *p, const char *name, struct io_port_info *out);

/* Formats "netdev <name>: ..." into err; returns `rc`. */
int dpdk_fail(char *err, size_t err_len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif /* MOS_IO_DPDK_IMPL_H */
