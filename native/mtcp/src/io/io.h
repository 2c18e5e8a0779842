/* io.h - the packet I/O backend interface the engine calls (dpdk, pcap, sim).
 *
 * A backend instance (`struct io_dev`) owns the ports of one stack instance; each
 * context (core) `q` owns RX/TX queue `q` of every port and a buffer pool. Packets
 * stay in the backend's buffers (DPDK mbufs) and are described by `struct io_buf`
 * descriptors that the engine keeps in its burst arrays: zero copy in, zero copy out
 * when forwarding. Nothing outside io/ includes a backend's headers.
 *
 * Threading: every call that takes a queue index runs on the thread that drives
 * that context; calls for different queues run in parallel. io_dev_open/start/stop/
 * close and port queries run on the control thread while no context runs.
 */
#ifndef MOS_IO_H
#define MOS_IO_H

#include <stdbool.h>
#include <stdint.h>

#define IO_MAX_PORTS 16   /* = ETH_NUM */
#define IO_MAX_QUEUES 16  /* = MAX_CPUS */
#define IO_BURST_MAX 64   /* largest burst any call moves */
#define IO_RSS_KEY_MAX 52 /* bytes */

/* Offload flags of a received buffer (set by the backend) and requests on a buffer
 * to transmit (set by the engine). */
enum io_buf_flags {
	IO_RX_IP_CSUM_GOOD = 1u << 0, /* device verified the IPv4 header checksum */
	IO_RX_IP_CSUM_BAD = 1u << 1,
	IO_RX_L4_CSUM_GOOD = 1u << 2, /* device verified the TCP/UDP checksum */
	IO_RX_L4_CSUM_BAD = 1u << 3,
	IO_RX_RSS_HASH = 1u << 4,      /* rss_hash is the device's Toeplitz hash */
	IO_RX_VLAN_STRIPPED = 1u << 5, /* the device removed a tag; vlan_tci holds it */
	IO_RX_TRUNCATED = 1u << 6,     /* shorter than on the wire (capture snaplen, buffer) */
	IO_TX_IP_CSUM = 1u << 8,       /* device fills the IPv4 header checksum */
	IO_TX_TCP_CSUM = 1u << 9, /* device fills the TCP checksum (pseudo-header sum set) */
};

/* One packet buffer. `handle` is the backend's own object (struct rte_mbuf *, a
 * pcap or sim slot); the engine never looks inside it. */
struct io_buf {
	uint8_t *data;     /* first byte of the Ethernet frame */
	uint16_t len;      /* frame bytes */
	uint16_t cap;      /* writable bytes from `data` (for frames the engine builds) */
	uint16_t port;     /* receive port, or the port to transmit on */
	uint16_t flags;    /* enum io_buf_flags */
	uint32_t rss_hash; /* valid with IO_RX_RSS_HASH */
	uint16_t vlan_tci; /* valid with IO_RX_VLAN_STRIPPED */
	uint16_t l2_len;   /* for TX offloads: Ethernet (+VLAN) header bytes */
	uint16_t l3_len;   /* for TX offloads: IPv4 header bytes */
	uint64_t ts_ns;    /* capture time (pcap replay), else 0 */
	void *handle;
};

/* Device capabilities (IO_CAP_*). */
enum io_caps {
	IO_CAP_RX_IP_CSUM = 1u << 0,
	IO_CAP_RX_L4_CSUM = 1u << 1,
	IO_CAP_TX_IP_CSUM = 1u << 2,
	IO_CAP_TX_TCP_CSUM = 1u << 3,
	IO_CAP_RSS = 1u << 4,      /* the device spreads flows over queues itself */
	IO_CAP_RSS_HASH = 1u << 5, /* and reports the hash in each buffer */
	IO_CAP_TX = 1u << 6,       /* the port can transmit (false for pcap files) */
	IO_CAP_VLAN_STRIP = 1u << 7,
};

/* What the engine and `mos ports` know about a port. */
struct io_port_info {
	char name[32];   /* the configuration's netdev name */
	char device[64]; /* the backend's device name (DPDK port name, pcap file/iface) */
	char driver[32]; /* driver name ("net_tap", "pcap-file", "sim") */
	uint8_t mac[6];
	bool link_up;
	uint32_t speed_mbps; /* 0 if unknown */
	uint16_t mtu;
	uint16_t rx_queues;
	uint16_t tx_queues;
	uint32_t caps;       /* enum io_caps actually enabled */
	uint16_t reta_size;  /* redirection-table entries, 0 without RSS */
	uint8_t rss_key_len; /* bytes of rss_key in use, 0 without RSS */
	uint8_t rss_key[IO_RSS_KEY_MAX];
};

/* Port counters kept by the backend/device (not the engine's per-reason drops). */
struct io_port_stats {
	uint64_t rx_packets, rx_bytes, rx_missed; /* missed: the device had no buffer */
	uint64_t tx_packets, tx_bytes, tx_errors;
};

struct io_dev;

/* Operations of one backend. Every function returns 0/-errno or a count; none may
 * exit or abort on a runtime condition. */
struct io_ops {
	const char *name; /* "dpdk", "pcap", "sim" */
	/* Receives up to `max` (<= IO_BURST_MAX) frames from `port` queue `queue`. */
	uint16_t (*rx_burst)(struct io_dev *dev, uint16_t port, uint16_t queue,
			     struct io_buf *bufs, uint16_t max);
	/* Takes ownership of `n` buffers and sends them on `port` queue `queue`; what the
	 * device does not accept is freed and counted in tx_errors. Returns frames sent. */
	uint16_t (*tx_burst)(struct io_dev *dev, uint16_t port, uint16_t queue,
			     struct io_buf *bufs, uint16_t n);
	/* A fresh buffer from `queue`'s pool (len 0, cap > 0), or -ENOBUFS. */
	int (*alloc)(struct io_dev *dev, uint16_t queue, struct io_buf *buf);
	/* Returns a buffer to its pool (any queue's buffer may be freed on its own queue). */
	void (*free)(struct io_dev *dev, uint16_t queue, struct io_buf *buf);
	int (*port_info)(struct io_dev *dev, uint16_t port, struct io_port_info *out);
	int (*port_stats)(struct io_dev *dev, uint16_t port, struct io_port_stats *out);
	/* Backends whose time is not the machine's (pcap replay follows the capture, sim
	 * a virtual clock) return it here in ns; NULL = use the monotonic clock. */
	uint64_t (*now_ns)(struct io_dev *dev, uint16_t queue);
	/* Optional (NULL = nothing to do): prepares the calling thread to drive `queue`
	 * (DPDK registers it with the EAL so it gets a mempool cache). Called once by each
	 * thread that runs a context, before its first rx_burst. */
	int (*thread_init)(struct io_dev *dev, uint16_t queue);
	/* True when a finite source (a capture file) has delivered everything. */
	bool (*exhausted)(struct io_dev *dev);
	void (*close)(struct io_dev *dev);
};

/* Common head of every backend instance. */
struct io_dev {
	const struct io_ops *ops;
	uint16_t port_count;
	uint16_t queue_count;
};

/* Inline dispatch helpers (the engine's only way to call a backend). */
static inline uint16_t io_rx_burst(struct io_dev *dev, uint16_t port, uint16_t queue,
				   struct io_buf *bufs, uint16_t max)
{
	return dev->ops->rx_burst(dev, port, queue, bufs, max);
}

static inline uint16_t io_tx_burst(struct io_dev *dev, uint16_t port, uint16_t queue,
				   struct io_buf *bufs, uint16_t n)
{
	return dev->ops->tx_burst(dev, port, queue, bufs, n);
}

static inline int io_alloc(struct io_dev *dev, uint16_t queue, struct io_buf *buf)
{
	return dev->ops->alloc(dev, queue, buf);
}

static inline void io_free(struct io_dev *dev, uint16_t queue, struct io_buf *buf)
{
	dev->ops->free(dev, queue, buf);
}

static inline void io_close(struct io_dev *dev)
{
	if (dev != NULL)
		dev->ops->close(dev);
}

#endif /* MOS_IO_H */
