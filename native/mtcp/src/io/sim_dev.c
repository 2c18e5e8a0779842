/* sim_dev.c - io = sim: the io_ops of ports joined to the links of a struct sim_net,
 * with per-queue buffer pools, software RSS and NIC-like counters. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/toeplitz.h"
#include "engine/config.h"
#include "io/io_open.h"
#include "io/sim_internal.h"
#include "mtcp_util.h"

#define SIM_DEV_MTU 1500u

MOS_STATIC_ASSERT(sizeof(struct sim_buf_hdr) <= SIM_BUF_HDR_BYTES, "buffer header room");
MOS_STATIC_ASSERT(SIM_BUF_DATA_BYTES <= UINT16_MAX, "io_buf.cap is 16 bits");

static struct sim_dev *sim_dev_of(struct io_dev *io)
{
	return MOS_CONTAINER_OF(io, struct sim_dev, io);
}

/* --- buffers --------------------------------------------------------------------- */

static int sim_dev_alloc(struct io_dev *io, uint16_t queue, struct io_buf *buf)
{
	struct sim_dev *dev = sim_dev_of(io);
	struct sim_bufq *bq = &dev->q[queue];
	struct sim_buf_hdr *hdr;
	uint8_t *obj;

	MOS_ASSERT(queue < io->queue_count && buf != NULL);
	sim_spin_lock(&bq->lock, dev->net->realtime);
	obj = pool_get(&bq->pool);
	sim_spin_unlock(&bq->lock, dev->net->realtime);
	if (obj == NULL)
		return -ENOBUFS;
	hdr = (struct sim_buf_hdr *)(void *)obj;
	hdr->magic = SIM_BUF_MAGIC;
	hdr->queue = queue;
	hdr->dev = dev;
	memset(buf, 0, sizeof *buf);
	buf->data = obj + SIM_BUF_HDR_BYTES + SIM_BUF_HEADROOM;
	buf->cap = SIM_BUF_DATA_BYTES;
	buf->handle = obj;
	return 0;
}

/* The header of one of this dev's buffers; anything else is a programming error. */
static struct sim_buf_hdr *sim_dev_buf_hdr(struct sim_dev *dev, const struct io_buf *buf)
{
	struct sim_buf_hdr *hdr = buf->handle;
	const uint8_t *obj = buf->handle;

	MOS_ASSERT_MSG(hdr != NULL && hdr->magic == SIM_BUF_MAGIC && hdr->dev == dev,
		       "io_buf %p is not a buffer of this sim io_dev", buf->handle);
	MOS_ASSERT(hdr->queue < dev->io.queue_count);
	MOS_ASSERT_MSG(buf->data >= obj + SIM_BUF_HDR_BYTES &&
			       buf->data + buf->len <= obj + SIM_BUF_OBJ_BYTES,
		       "io_buf data/len (%u bytes) outside its buffer", buf->len);
	return hdr;
}

static void sim_dev_free(struct io_dev *io, uint16_t queue, struct io_buf *buf)
{
	struct sim_dev *dev = sim_dev_of(io);
	struct sim_buf_hdr *hdr = sim_dev_buf_hdr(dev, buf);
	struct sim_bufq *bq = &dev->q[hdr->queue];

	(void)queue; /* the buffer goes back to the pool it came from */
	sim_spin_lock(&bq->lock, dev->net->realtime);
	pool_put(&bq->pool, buf->handle);
	sim_spin_unlock(&bq->lock, dev->net->realtime);
	buf->handle = NULL;
	buf->data = NULL;
}

/* --- receive / transmit ------------------------------------------------------------- */

/* Copies a delivered slot into a fresh buffer of `queue`; false (rx_missed) when it
 * does not fit or the pool is empty, as a NIC without a descriptor would. */
static bool sim_dev_rx_copy(struct sim_dev *dev, struct sim_port *p, uint16_t queue,
			    struct sim_dir *d, uint32_t slot, struct io_buf *b, uint64_t now_ns)
{
	const struct sim_slot_meta *m = &d->meta[slot];
	struct sim_port_q *qs = &p->qs[queue];

	if (m->len > SIM_BUF_DATA_BYTES || sim_dev_alloc(&dev->io, queue, b) != 0) {
		qs->rx_missed++;
		sim_dir_trace_slot(d, SIM_EV_RX_DROP, now_ns, slot);
		return false;
	}
	memcpy(b->data, sim_dir_slot_data(d, slot), m->len);
	b->len = m->len;
	b->port = p->index;
	b->flags = m->has_hash ? IO_RX_RSS_HASH : 0;
	b->rss_hash = m->rss_hash;
	if (dev->net->offload_csum)
		b->flags = (uint16_t)(b->flags | sim_csum_rx(b->data, b->len));
	qs->rx_packets++;
	qs->rx_bytes += m->len;
	return true;
}

static uint16_t sim_dev_rx_burst(struct io_dev *io, uint16_t port, uint16_t queue,
				 struct io_buf *bufs, uint16_t max)
{
	struct sim_dev *dev = sim_dev_of(io);
	bool rt = dev->net->realtime;
	struct sim_port *p;
	struct sim_dir *d;
	uint64_t now_ns;
	uint16_t n = 0;

	MOS_ASSERT(port < io->port_count && queue < io->queue_count);
	MOS_ASSERT(max <= IO_BURST_MAX);
	p = &dev->ports[port];
	d = &p->link->dir[1 - p->side];
	now_ns = sim_net_clock(dev->net);
	sim_spin_lock(&d->lock, rt);
	sim_dir_pull(d, now_ns);
	while (n < max) {
		uint32_t slot = sim_dir_take(d, queue);

		if (slot == SIM_SLOT_NONE)
			break;
		if (sim_dev_rx_copy(dev, p, queue, d, slot, &bufs[n], now_ns))
			n++;
		sim_dir_release(d, slot);
	}
	sim_spin_unlock(&d->lock, rt);
	return n;
}

static uint16_t sim_dev_tx_burst(struct io_dev *io, uint16_t port, uint16_t queue,
				 struct io_buf *bufs, uint16_t n)
{
	struct sim_dev *dev = sim_dev_of(io);
	bool rt = dev->net->realtime;
	struct sim_port_q *qs;
	struct sim_dir *d;
	uint64_t now_ns;
	uint16_t sent = 0;

	MOS_ASSERT(port < io->port_count && queue < io->queue_count);
	d = &dev->ports[port].link->dir[dev->ports[port].side];
	qs = &dev->ports[port].qs[queue];
	now_ns = sim_net_clock(dev->net);
	sim_spin_lock(&d->lock, rt);
	for (uint16_t i = 0; i < n; i++) {
		struct io_buf *b = &bufs[i];

		(void)sim_dev_buf_hdr(dev, b);
		if (b->len == 0 || b->len > d->slot_bytes) {
			qs->tx_errors++;
			continue;
		}
		if (dev->net->offload_csum && (b->flags & (IO_TX_IP_CSUM | IO_TX_TCP_CSUM)))
			sim_csum_tx(b->data, b->len, b->flags, b->l2_len, b->l3_len);
		sim_dir_send(d, b->data, b->len, now_ns);
		qs->tx_packets++;
		qs->tx_bytes += b->len;
		sent++;
	}
	sim_spin_unlock(&d->lock, rt);
	/* The "NIC" copied the frames: the engine's buffers are released now. */
	for (uint16_t i = 0; i < n; i++)
		sim_dev_free(io, queue, &bufs[i]);
	return sent;
}

/* --- port queries -------------------------------------------------------------------- */

static int sim_dev_port_info(struct io_dev *io, uint16_t port, struct io_port_info *out)
{
	struct sim_dev *dev = sim_dev_of(io);
	const struct sim_port *p;
	uint64_t bps;

	if (port >= io->port_count || out == NULL)
		return -EINVAL;
	p = &dev->ports[port];
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", p->name);
	snprintf(out->device, sizeof out->device, "%s", p->link->name);
	snprintf(out->driver, sizeof out->driver, "sim");
	memcpy(out->mac, p->mac, sizeof out->mac);
	out->link_up = true; /* the cable is there; a missing peer is a peer switched off */
	bps = p->link->dir[p->side].faults.bandwidth_bps;
	out->speed_mbps = (uint32_t)(bps / 1000000u > UINT32_MAX ? UINT32_MAX : bps / 1000000u);
	out->mtu = SIM_DEV_MTU;
	out->rx_queues = io->queue_count;
	out->tx_queues = io->queue_count;
	out->caps = IO_CAP_TX;
	if (!dev->net->no_rss)
		out->caps |= IO_CAP_RSS | IO_CAP_RSS_HASH;
	if (dev->net->offload_csum)
		out->caps |= IO_CAP_RX_IP_CSUM | IO_CAP_RX_L4_CSUM | IO_CAP_TX_IP_CSUM |
			     IO_CAP_TX_TCP_CSUM;
	out->reta_size = TOEPLITZ_RETA_SIZE;
	out->rss_key_len = TOEPLITZ_SYM_KEY_LEN;
	memcpy(out->rss_key, toeplitz_sym_key(), TOEPLITZ_SYM_KEY_LEN);
	return 0;
}

static int sim_dev_port_stats(struct io_dev *io, uint16_t port, struct io_port_stats *out)
{
	struct sim_dev *dev = sim_dev_of(io);

	if (port >= io->port_count || out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof *out);
	for (uint16_t q = 0; q < io->queue_count; q++) {
		const struct sim_port_q *qs = &dev->ports[port].qs[q];

		out->rx_packets += qs->rx_packets;
		out->rx_bytes += qs->rx_bytes;
		out->rx_missed += qs->rx_missed;
		out->tx_packets += qs->tx_packets;
		out->tx_bytes += qs->tx_bytes;
		out->tx_errors += qs->tx_errors;
	}
	return 0;
}

static uint64_t sim_dev_now_ns(struct io_dev *io, uint16_t queue)
{
	(void)queue;
	return sim_net_clock(sim_dev_of(io)->net);
}

/* --- links ----------------------------------------------------------------------------- */

/* Leaves the link: copies still travelling to p are dropped (no_peer). */
static void sim_dev_leave(struct sim_dev *dev, struct sim_port *p)
{
	struct sim_net *net = dev->net;
	struct sim_link *l = p->link;
	struct sim_dir *in;

	if (l == NULL)
		return;
	sim_net_lock(net);
	in = &l->dir[1 - p->side];
	sim_spin_lock(&in->lock, net->realtime);
	sim_dir_flush(in, sim_net_clock(net));
	in->dst = NULL;
	sim_spin_unlock(&in->lock, net->realtime);
	MOS_ASSERT(l->end[p->side] == p);
	l->end[p->side] = NULL;
	MOS_ASSERT(net->ports_attached > 0);
	net->ports_attached--;
	sim_net_unlock(net);
	p->link = NULL;
}

static void sim_dev_close(struct io_dev *io)
{
	struct sim_dev *dev = sim_dev_of(io);

	for (uint16_t i = 0; i < IO_MAX_PORTS; i++)
		sim_dev_leave(dev, &dev->ports[i]);
	for (uint16_t q = 0; q < IO_MAX_QUEUES; q++) {
		if (dev->q[q].ready)
			pool_fini(&dev->q[q].pool);
	}
	free(dev);
}

static const struct io_ops sim_dev_ops = {
	.name = "sim",
	.rx_burst = sim_dev_rx_burst,
	.tx_burst = sim_dev_tx_burst,
	.alloc = sim_dev_alloc,
	.free = sim_dev_free,
	.port_info = sim_dev_port_info,
	.port_stats = sim_dev_port_stats,
	.now_ns = sim_dev_now_ns,
	.exhausted = NULL,
	.close = sim_dev_close,
};

/* --- open -------------------------------------------------------------------------------- */

static void sim_dev_err(const struct io_open_args *args, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sim_dev_err(const struct io_open_args *args, const char *fmt, ...)
{
	va_list ap;

	if (args->err == NULL || args->err_len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(args->err, args->err_len, fmt, ap);
	va_end(ap);
}

/* Joins port p to the link `name` as its side A or B. */
static int sim_dev_join(struct sim_dev *dev, struct sim_port *p, const char *name,
			const struct io_open_args *args)
{
	struct sim_net *net = dev->net;
	struct sim_link *l;
	int rc = 0;
	uint8_t side;

	sim_net_lock(net);
	l = sim_net_link_locked(net, name, true, &rc);
	if (l == NULL) {
		sim_net_unlock(net);
		sim_dev_err(args, "port %s: sim link '%s': %s", p->name, name,
			    rc == -ENOSPC   ? "too many links (max_links)"
			    : rc == -EINVAL ? "the name is empty or too long"
					    : "out of memory");
		return rc;
	}
	if (l->end[0] != NULL && (l->end[1] != NULL || l->is_tap)) {
		sim_net_unlock(net);
		sim_dev_err(args, "port %s: sim link '%s' %s", p->name, name,
			    l->is_tap ? "is a tap and takes one port"
				      : "already joins two ports");
		return -EBUSY;
	}
	side = l->end[0] == NULL ? 0 : 1;
	l->end[side] = p;
	p->link = l;
	p->side = side;
	sim_spin_lock(&l->dir[1 - side].lock, net->realtime);
	l->dir[1 - side].dst = p;
	sim_spin_unlock(&l->dir[1 - side].lock, net->realtime);
	net->ports_attached++;
	sim_net_unlock(net);
	return 0;
}

/* The configured MAC, or a locally administered one from the link name and side. */
static void sim_dev_mac(struct sim_port *p, const struct cfg_netdev *nd)
{
	uint64_t h;

	if (nd->has_mac) {
		memcpy(p->mac, nd->mac, sizeof p->mac);
		return;
	}
	h = (uint64_t)XXH64(p->link->name, strlen(p->link->name), 0);
	p->mac[0] = 0x02;
	for (int i = 1; i < 5; i++)
		p->mac[i] = (uint8_t)(h >> (8 * i));
	p->mac[5] = (uint8_t)(0x0a + p->side);
}

static int sim_dev_pools(struct sim_dev *dev, const struct io_open_args *args)
{
	uint32_t nbufs =
		args->bufs_per_queue ? args->bufs_per_queue : SIM_DEFAULT_BUFS_PER_QUEUE;
	struct pool_config pc = {
		.name = "sim rx/tx buffers",
		.obj_size = SIM_BUF_OBJ_BYTES,
		.obj_align = 64,
		.capacity = nbufs,
		.poison = false,
	};

	for (uint16_t q = 0; q < dev->io.queue_count; q++) {
		enum pool_status st = pool_init(&dev->q[q].pool, &pc, NULL);

		if (st != POOL_OK) {
			sim_dev_err(args, "sim: cannot make a pool of %u buffers for queue %u",
				    nbufs, q);
			return st == POOL_EINVAL ? -EINVAL : -ENOMEM;
		}
		sim_spin_init(&dev->q[q].lock);
		dev->q[q].ready = true;
	}
	return 0;
}

static int sim_dev_check_args(const struct io_open_args *args)
{
	if (args->sim == NULL) {
		sim_dev_err(args, "sim backend needs a sim network");
		return -EINVAL;
	}
	if (args->cfg == NULL || args->cfg->netdev_count < 1 ||
	    args->cfg->netdev_count > IO_MAX_PORTS) {
		sim_dev_err(args, "sim: the configuration needs 1..%d netdev lines",
			    IO_MAX_PORTS);
		return -EINVAL;
	}
	if (args->queues < 1 || args->queues > IO_MAX_QUEUES) {
		sim_dev_err(args, "sim: %u queues (1..%d)", args->queues, IO_MAX_QUEUES);
		return -EINVAL;
	}
	return 0;
}

int io_sim_open(const struct io_open_args *args, struct io_dev **out)
{
	struct sim_dev *dev;
	int rc;

	*out = NULL;
	rc = sim_dev_check_args(args);
	if (rc != 0)
		return rc;
	dev = calloc(1, sizeof *dev);
	if (dev == NULL) {
		sim_dev_err(args, "sim: out of memory");
		return -ENOMEM;
	}
	dev->io.ops = &sim_dev_ops;
	dev->io.port_count = (uint16_t)args->cfg->netdev_count;
	dev->io.queue_count = args->queues;
	dev->net = args->sim;
	rc = sim_dev_pools(dev, args);
	for (uint16_t i = 0; rc == 0 && i < dev->io.port_count; i++) {
		const struct cfg_netdev *nd = &args->cfg->netdev[i];
		struct sim_port *p = &dev->ports[i];

		p->dev = dev;
		p->index = i;
		snprintf(p->name, sizeof p->name, "%s", nd->name);
		rc = sim_dev_join(dev, p, nd->device[0] != '\0' ? nd->device : nd->name, args);
		if (rc == 0)
			sim_dev_mac(p, nd);
	}
	if (rc != 0) {
		sim_dev_close(&dev->io);
		return rc;
	}
	*out = &dev->io;
	return 0;
}

#undef SIM_DEV_MTU
