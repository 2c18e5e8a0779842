/* dpdk.c - the DPDK backend: io_dpdk_open() and the io_ops on mbufs. Packets stay in
 * their mbufs (zero copy): an io_buf describes one and carries it as its handle.
 *
 * Frames spanning several mbufs are dropped on receive and counted (in rx_missed):
 * the pools' buffers hold 2 KiB of data, more than a frame of the default MTU, and
 * scattered receive is not enabled, so only a device that ignores that produces them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "engine/config.h"
#include "io/dpdk_impl.h"

static const struct io_ops dpdk_ops;

static inline void dpdk_count_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------------------------- */
/* Receive, transmit, buffers                                                         */
/* ---------------------------------------------------------------------------------- */

/* The receive flags the device set on `m`. */
static inline uint16_t dpdk_rx_flags(const struct rte_mbuf *m)
{
	uint64_t ol = m->ol_flags;
	uint16_t f = 0;

	if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		f |= IO_RX_IP_CSUM_GOOD;
	else if ((ol & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		f |= IO_RX_IP_CSUM_BAD;
	if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		f |= IO_RX_L4_CSUM_GOOD;
	else if ((ol & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		f |= IO_RX_L4_CSUM_BAD;
	if (ol & RTE_MBUF_F_RX_RSS_HASH)
		f |= IO_RX_RSS_HASH;
	if (ol & RTE_MBUF_F_RX_VLAN_STRIPPED)
		f |= IO_RX_VLAN_STRIPPED;
	return f;
}

static inline void dpdk_buf_from_mbuf(struct io_buf *b, struct rte_mbuf *m, uint16_t port)
{
	b->data = rte_pktmbuf_mtod(m, uint8_t *);
	b->len = m->data_len;
	b->cap = (uint16_t)(rte_pktmbuf_tailroom(m) + m->data_len);
	b->port = port;
	b->flags = dpdk_rx_flags(m);
	b->rss_hash = (b->flags & IO_RX_RSS_HASH) ? m->hash.rss : 0;
	b->vlan_tci = (b->flags & IO_RX_VLAN_STRIPPED) ? m->vlan_tci : 0;
	b->l2_len = 0;
	b->l3_len = 0;
	b->ts_ns = 0;
	b->handle = m;
}

/* Fills bufs from mbufs; drops (and counts) frames that span several mbufs. */
static uint16_t dpdk_rx_fill(struct dpdk_dev *dev, uint16_t port, uint16_t queue,
			     struct rte_mbuf **m, uint16_t n, struct io_buf *bufs)
{
	uint16_t out = 0, multiseg = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (MOS_UNLIKELY(m[i]->nb_segs != 1)) {
			rte_pktmbuf_free(m[i]);
			multiseg++;
			continue;
		}
		dpdk_buf_from_mbuf(&bufs[out++], m[i], port);
	}
	if (MOS_UNLIKELY(multiseg != 0))
		dpdk_count_add(&dev->count[queue].c[port].rx_multiseg, multiseg);
	return out;
}

/* Without RSS, queue 0 drains every RX queue of the port, starting with a different
 * one each time so that none is starved. */
static uint16_t dpdk_rx_all(const struct dpdk_port *p, uint16_t *next, struct rte_mbuf **m,
			    uint16_t max)
{
	uint16_t n = 0, q = *next;

	for (uint16_t k = 0; k < p->rx_queues && n < max; k++) {
		n = (uint16_t)(n + rte_eth_rx_burst(p->port_id, q, m + n, (uint16_t)(max - n)));
		q = (uint16_t)(q + 1 == p->rx_queues ? 0 : q + 1);
	}
	*next = (uint16_t)(*next + 1 >= p->rx_queues ? 0 : *next + 1);
	return n;
}

static uint16_t dpdk_rx_burst(struct io_dev *io, uint16_t port, uint16_t queue,
			      struct io_buf *bufs, uint16_t max)
{
	struct dpdk_dev *dev = dpdk_dev_of(io);
	const struct dpdk_port *p = &dev->port[port];
	struct rte_mbuf *m[IO_BURST_MAX];
	uint16_t n;

	MOS_ASSERT(port < io->port_count && queue < io->queue_count && max <= IO_BURST_MAX);
	if (p->caps & IO_CAP_RSS)
		n = rte_eth_rx_burst(p->port_id, queue, m, max);
	else if (queue == 0)
		n = p->rx_queues == 1 ? rte_eth_rx_burst(p->port_id, 0, m, max)
				      : dpdk_rx_all(p, &dev->count[0].c[port].rx_next, m, max);
	else
		return 0; /* without RSS everything arrives on queue 0 */
	return dpdk_rx_fill(dev, port, queue, m, n, bufs);
}

/* Writes the descriptor back into its mbuf: start and length of the frame (the engine
 * may have moved `data` inside the buffer) and the checksum offloads asked for. */
static inline struct rte_mbuf *dpdk_buf_to_mbuf(const struct io_buf *b, uint32_t caps)
{
	struct rte_mbuf *m = b->handle;
	uint8_t *base = m->buf_addr;
	uint64_t ol = m->ol_flags & (RTE_MBUF_F_EXTERNAL | RTE_MBUF_F_INDIRECT);

	MOS_ASSERT_MSG(b->data >= base && (size_t)(b->data - base) + b->len <= m->buf_len,
		       "buffer data %p len %u outside mbuf %p", (void *)b->data, b->len,
		       (void *)m);
	MOS_ASSERT(m->nb_segs == 1);
	m->data_off = (uint16_t)(b->data - base);
	m->data_len = b->len;
	m->pkt_len = b->len;
	if (b->flags & (IO_TX_IP_CSUM | IO_TX_TCP_CSUM)) {
		/* The engine asks only for offloads the port has (port_info caps). */
		MOS_ASSERT(!(b->flags & IO_TX_IP_CSUM) || (caps & IO_CAP_TX_IP_CSUM));
		MOS_ASSERT(!(b->flags & IO_TX_TCP_CSUM) || (caps & IO_CAP_TX_TCP_CSUM));
		ol |= RTE_MBUF_F_TX_IPV4;
		if (b->flags & IO_TX_IP_CSUM)
			ol |= RTE_MBUF_F_TX_IP_CKSUM;
		if (b->flags & IO_TX_TCP_CSUM)
			ol |= RTE_MBUF_F_TX_TCP_CKSUM;
		/* The mbuf's fields are 7 and 9 bits wide. */
		MOS_ASSERT(b->l2_len >= 14 && b->l2_len < 128 && b->l3_len >= 20 &&
			   b->l3_len < 512);
		m->l2_len = b->l2_len & 0x7fu;
		m->l3_len = b->l3_len & 0x1ffu;
	}
	m->ol_flags = ol;
	return m;
}

static uint16_t dpdk_tx_burst(struct io_dev *io, uint16_t port, uint16_t queue,
			      struct io_buf *bufs, uint16_t n)
{
	struct dpdk_dev *dev = dpdk_dev_of(io);
	const struct dpdk_port *p = &dev->port[port];
	struct rte_mbuf *m[IO_BURST_MAX];
	uint16_t sent;

	MOS_ASSERT(port < io->port_count && queue < io->queue_count && n <= IO_BURST_MAX);
	for (uint16_t i = 0; i < n; i++)
		m[i] = dpdk_buf_to_mbuf(&bufs[i], p->caps);
	sent = rte_eth_tx_burst(p->port_id, queue, m, n);
	/* A full ring may drain while we retry; a bounded number of times. */
	for (int t = 0; sent < n && t < DPDK_TX_RETRIES; t++)
		sent = (uint16_t)(sent + rte_eth_tx_burst(p->port_id, queue, m + sent,
							  (uint16_t)(n - sent)));
	if (MOS_UNLIKELY(sent < n)) {
		rte_pktmbuf_free_bulk(m + sent, (unsigned)(n - sent));
		dpdk_count_add(&dev->count[queue].c[port].tx_dropped, (uint64_t)(n - sent));
	}
	return sent;
}

static int dpdk_alloc(struct io_dev *io, uint16_t queue, struct io_buf *buf)
{
	struct dpdk_dev *dev = dpdk_dev_of(io);
	struct rte_mbuf *m;

	MOS_ASSERT(queue < io->queue_count);
	m = rte_pktmbuf_alloc(dev->pool[queue]);
	if (MOS_UNLIKELY(m == NULL))
		return -ENOBUFS;
	dpdk_buf_from_mbuf(buf, m, 0);
	buf->flags = 0;
	MOS_ASSERT(buf->len == 0 && buf->cap > 0);
	return 0;
}

static void dpdk_free(struct io_dev *io, uint16_t queue, struct io_buf *buf)
{
	MOS_ASSERT(queue < io->queue_count && buf->handle != NULL);
	rte_pktmbuf_free(buf->handle);
	buf->handle = NULL;
}

/* The engine calls it on each thread that drives a context: an EAL lcore id gives the
 * thread its mempool cache. Running out of ids (RTE_MAX_LCORE) only costs that cache. */
static int dpdk_thread_init(struct io_dev *io, uint16_t queue)
{
	MOS_ASSERT(queue < io->queue_count);
	int rc = io_dpdk_register_thread();
	return rc == -ENOMEM ? 0 : rc;
}

/* ---------------------------------------------------------------------------------- */
/* Port queries                                                                       */
/* ---------------------------------------------------------------------------------- */

static int dpdk_port_info_op(struct io_dev *io, uint16_t port, struct io_port_info *out)
{
	struct dpdk_dev *dev = dpdk_dev_of(io);

	if (port >= io->port_count)
		return -EINVAL;
	return dpdk_port_info(&dev->port[port], dev->port[port].name, out);
}

/* The device's counters, plus what the backend dropped: rx_missed = frames the device
 * had no buffer for (imissed, rx_nombuf) and multi-buffer frames dropped here;
 * tx_errors = the device's errors and frames it would not take after the retries. */
static int dpdk_port_stats(struct io_dev *io, uint16_t port, struct io_port_stats *out)
{
	struct dpdk_dev *dev = dpdk_dev_of(io);
	struct rte_eth_stats st;
	uint64_t multiseg = 0, dropped = 0;

	if (port >= io->port_count)
		return -EINVAL;
	int rc = rte_eth_stats_get(dev->port[port].port_id, &st);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < io->queue_count; q++) {
		multiseg +=
			__atomic_load_n(&dev->count[q].c[port].rx_multiseg, __ATOMIC_RELAXED);
		dropped += __atomic_load_n(&dev->count[q].c[port].tx_dropped, __ATOMIC_RELAXED);
	}
	out->rx_packets = st.ipackets;
	out->rx_bytes = st.ibytes;
	out->rx_missed = st.imissed + st.rx_nombuf + multiseg;
	out->tx_packets = st.opackets;
	out->tx_bytes = st.obytes;
	out->tx_errors = st.oerrors + dropped;
	return 0;
}

int io_dpdk_pool_counts(struct io_dev *io, uint16_t queue, uint32_t *avail_out,
			uint32_t *size_out)
{
	if (io == NULL || io->ops != &dpdk_ops || queue >= io->queue_count)
		return -EINVAL;
	struct rte_mempool *mp = dpdk_dev_of(io)->pool[queue];
	*avail_out = rte_mempool_avail_count(mp);
	*size_out = mp->size;
	return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Open and close                                                                     */
/* ---------------------------------------------------------------------------------- */

uint32_t dpdk_pool_min(uint16_t ports, uint32_t rx_desc, uint32_t tx_desc, uint16_t queues)
{
	return ports * (rx_desc + tx_desc) + 2u * IO_BURST_MAX +
	       queues * (DPDK_POOL_CACHE * 3u / 2u);
}

/* The NUMA socket of the first port polled by the core of queue q (the q-th core
 * of the configuration's cpu_mask), for that queue's pool. */
static int dpdk_pool_socket(const struct dpdk_dev *dev, const struct mos_config *cfg,
			    uint16_t q)
{
	unsigned core = 0, seen = 0;

	for (; core < 64; core++) {
		if ((cfg->cpu_mask >> core & 1u) && seen++ == q)
			break;
	}
	for (uint16_t i = 0; core < 64 && i < dev->io.port_count; i++) {
		if (cfg->netdev[i].cpu_mask >> core & 1u)
			return dev->port[i].socket;
	}
	return dev->port[0].socket;
}

static int dpdk_pools_create(struct dpdk_dev *dev, const struct io_open_args *args)
{
	uint32_t rxd = 0, txd = 0, n = args->bufs_per_queue;
	char name[RTE_MEMPOOL_NAMESIZE];

	for (uint16_t i = 0; i < dev->io.port_count; i++) {
		rxd = dev->port[i].nb_rxd > rxd ? dev->port[i].nb_rxd : rxd;
		txd = dev->port[i].nb_txd > txd ? dev->port[i].nb_txd : txd;
	}
	uint32_t min = dpdk_pool_min(dev->io.port_count, rxd, txd, dev->io.queue_count);
	if (n != 0 && n < min)
		return dpdk_fail(args->err, args->err_len, -EINVAL,
				 "%u buffers per queue are too few: the rings of %u ports with "
				 "%u RX and %u TX descriptors need at least %u",
				 n, dev->io.port_count, rxd, txd, min);
	if (n == 0) /* 2^k - 1: the best size for the mempool ring */
		for (n = IO_DPDK_DEFAULT_BUFS; n < min; n = n * 2 + 1)
			;
	for (uint16_t q = 0; q < dev->io.queue_count; q++) {
		snprintf(name, sizeof name, "mos%d_%u_q%u", (int)getpid(), dev->gen, q);
		int socket = dpdk_pool_socket(dev, args->cfg, q);
		dev->pool[q] = rte_pktmbuf_pool_create(name, n, DPDK_POOL_CACHE, 0,
						       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		if (dev->pool[q] == NULL)
			return dpdk_fail(args->err, args->err_len, -ENOMEM,
					 "cannot create the pool of %u buffers of queue %u on "
					 "socket %d: %s (see the EAL memory: -m or hugepages)",
					 n, q, socket, rte_strerror(rte_errno));
	}
	return 0;
}

static void dpdk_destroy(struct dpdk_dev *dev)
{
	/* Ports first: closing their queues gives the pools' buffers back. */
	for (uint16_t i = 0; i < IO_MAX_PORTS; i++)
		dpdk_port_shut(&dev->port[i]);
	for (uint16_t q = 0; q < IO_MAX_QUEUES; q++)
		rte_mempool_free(dev->pool[q]);
	dpdk_dev_closed();
	free(dev);
}

static void dpdk_close(struct io_dev *io)
{
	MOS_ASSERT(io->ops == &dpdk_ops);
	dpdk_destroy(dpdk_dev_of(io));
}

static int dpdk_open_check(const struct io_open_args *args)
{
	const struct mos_config *cfg = args->cfg;

	if (cfg == NULL)
		return dpdk_fail(args->err, args->err_len, -EINVAL, "no configuration");
	if (cfg->netdev_count < 1 || cfg->netdev_count > IO_MAX_PORTS)
		return dpdk_fail(args->err, args->err_len, -EINVAL,
				 "%d netdev lines: 1 to %d are possible", cfg->netdev_count,
				 IO_MAX_PORTS);
	if (args->queues < 1 || args->queues > IO_MAX_QUEUES)
		return dpdk_fail(args->err, args->err_len, -EINVAL,
				 "%u queues per port: 1 to %d are possible", args->queues,
				 IO_MAX_QUEUES);
	return 0;
}

/* Finds and plans every port, creates the pools, starts the ports. */
static int dpdk_open_ports(struct dpdk_dev *dev, const struct io_open_args *args)
{
	const struct mos_config *cfg = args->cfg;
	int rc = 0;

	for (uint16_t i = 0; rc == 0 && i < dev->io.port_count; i++)
		rc = dpdk_port_find(&dev->port[i], &cfg->netdev[i], args->err, args->err_len);
	for (uint16_t i = 0; rc == 0 && i < dev->io.port_count; i++)
		rc = dpdk_port_plan(&dev->port[i], args->queues, args->err, args->err_len);
	if (rc == 0)
		rc = dpdk_pools_create(dev, args);
	for (uint16_t i = 0; rc == 0 && i < dev->io.port_count; i++)
		rc = dpdk_port_start(&dev->port[i], &cfg->netdev[i], dev->pool, args->err,
				     args->err_len);
	return rc;
}

int io_dpdk_open(const struct io_open_args *args, struct io_dev **out)
{
	struct dpdk_dev *dev;
	void *mem = NULL;
	int rc;

	*out = NULL;
	rc = dpdk_open_check(args);
	if (rc == 0)
		rc = io_dpdk_eal_start(args);
	if (rc != 0)
		return rc;
	if (posix_memalign(&mem, RTE_CACHE_LINE_SIZE, sizeof *dev) != 0)
		return dpdk_fail(args->err, args->err_len, -ENOMEM, "out of memory");
	dev = memset(mem, 0, sizeof *dev);
	dev->io.ops = &dpdk_ops;
	dev->io.port_count = (uint16_t)args->cfg->netdev_count;
	dev->io.queue_count = args->queues;
	dev->gen = dpdk_dev_opened();
	rc = dpdk_open_ports(dev, args);
	if (rc != 0) {
		dpdk_destroy(dev);
		return rc;
	}
	*out = &dev->io;
	return 0;
}

static const struct io_ops dpdk_ops = {
	.name = "dpdk",
	.rx_burst = dpdk_rx_burst,
	.tx_burst = dpdk_tx_burst,
	.alloc = dpdk_alloc,
	.free = dpdk_free,
	.port_info = dpdk_port_info_op,
	.port_stats = dpdk_port_stats,
	.now_ns = NULL,
	.thread_init = dpdk_thread_init,
	.exhausted = NULL,
	.close = dpdk_close,
};
