/* dpdk_port.c - one DPDK port's life: finding (or plugging) the device a netdev
 * names, fitting queues, RSS and offloads to what the device offers, starting it in
 * promiscuous mode, describing it, and shutting it down. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "base/toeplitz.h"
#include "engine/config.h"
#include "io/dpdk_impl.h"

/* Packet types hashed with RSS: what the engine's software Toeplitz models (IPv4
 * addresses, and ports for TCP). With the symmetric key both directions of a flow
 * land on one queue. */
#define DPDK_PORT_RSS_HF                                                                       \
	(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_FRAG_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP)
/* Key length when the device does not say (dev_info.hash_key_size 0). */
#define DPDK_PORT_DEFAULT_KEY_LEN 40
#define DPDK_PORT_KEY_MAX 255

/* "dpdk<N>": mOS 0.3 named the ports after their DPDK port numbers. */
static bool dpdk_port_number(const char *name, uint16_t *id)
{
	char *end;

	if (strncmp(name, "dpdk", 4) != 0 || name[4] < '0' || name[4] > '9')
		return false;
	unsigned long n = strtoul(name + 4, &end, 10);
	if (*end != '\0' || n >= RTE_MAX_ETHPORTS || !rte_eth_dev_is_valid_port((uint16_t)n))
		return false;
	*id = (uint16_t)n;
	return true;
}

/* The port of a device that is not there yet: plug it (virtual device, PCI address)
 * or map "dpdk<N>". */
static int dpdk_port_plug(const struct cfg_netdev *nd, const char *name, enum dpdk_kind kind,
			  uint16_t *id, char *err, size_t len)
{
	const char *dev = dpdk_netdev_device(nd);

	if (kind == DPDK_KIND_NAME) {
		if (dpdk_port_number(name, id))
			return 0;
		return dpdk_fail(err, len, -ENODEV,
				 "netdev %s: no DPDK port named '%s' (device= names a virtual "
				 "device net_..., a PCI address or an existing DPDK port)",
				 nd->name, name);
	}
	int rc = rte_dev_probe(dev);
	if (rc < 0)
		return dpdk_fail(err, len, -ENODEV,
				 "netdev %s: DPDK cannot start device '%s': %s", nd->name, dev,
				 rc == -ENOTSUP ? "no such driver" : rte_strerror(-rc));
	if (rte_eth_dev_get_port_by_name(name, id) != 0)
		return dpdk_fail(err, len, -ENODEV,
				 "netdev %s: device '%s' started but has no port named '%s'",
				 nd->name, dev, name);
	return 0;
}

int dpdk_port_find(struct dpdk_port *p, const struct cfg_netdev *nd, char *err, size_t err_len)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	enum dpdk_kind kind = dpdk_device_kind(dpdk_netdev_device(nd), name, sizeof name);
	uint16_t id;
	int rc = 0;

	MOS_ASSERT(!p->claimed);
	snprintf(p->name, sizeof p->name, "%s", nd->name);
	if (rte_eth_dev_get_port_by_name(name, &id) != 0)
		rc = dpdk_port_plug(nd, name, kind, &id, err, err_len);
	if (rc != 0)
		return rc;
	if (dpdk_port_claim(id) != 0)
		return dpdk_fail(err, err_len, -EBUSY,
				 "netdev %s: DPDK port %u (%s) is used by another open device",
				 nd->name, id, name);
	p->port_id = id;
	p->claimed = true;
	return 0;
}

/* Offloads asked of the device, limited to what it offers, and the caps they give. */
static void dpdk_port_offloads(struct dpdk_port *p, const struct rte_eth_dev_info *di)
{
	p->rx_offloads = di->rx_offload_capa &
			 (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
	p->tx_offloads = di->tx_offload_capa &
			 (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	p->caps = IO_CAP_TX;
	if (p->rx_offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM)
		p->caps |= IO_CAP_RX_IP_CSUM;
	if (p->rx_offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM)
		p->caps |= IO_CAP_RX_L4_CSUM;
	if (p->tx_offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM)
		p->caps |= IO_CAP_TX_IP_CSUM;
	if (p->tx_offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM)
		p->caps |= IO_CAP_TX_TCP_CSUM;
}

/* RSS when several queues are wanted and the device hashes IPv4/TCP through a
 * redirection table with enough queues. Otherwise the engine spreads flows in
 * software: every RX queue the device takes (some, like net_tap, need as many RX as
 * TX queues) is drained by rx_burst on queue 0. */
static void dpdk_port_rss_plan(struct dpdk_port *p, const struct rte_eth_dev_info *di,
			       uint16_t queues)
{
	bool rss = queues > 1 && di->reta_size > 0 && queues <= di->max_rx_queues &&
		   (di->flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0;

	p->rx_queues = queues <= di->max_rx_queues ? queues : di->max_rx_queues;
	p->reta_size = rss ? di->reta_size : 0;
	p->rss_hf = rss ? di->flow_type_rss_offloads & DPDK_PORT_RSS_HF : 0;
	p->key_dev_len = 0;
	p->rss_key_len = 0;
	if (!rss)
		return;
	p->caps |= IO_CAP_RSS;
	if (di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH) {
		p->rx_offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
		p->caps |= IO_CAP_RSS_HASH;
	}
	p->key_dev_len = di->hash_key_size != 0 ? di->hash_key_size : DPDK_PORT_DEFAULT_KEY_LEN;
	p->rss_key_len = p->key_dev_len < IO_RSS_KEY_MAX ? p->key_dev_len : IO_RSS_KEY_MAX;
	for (unsigned i = 0; i < p->rss_key_len; i++)
		p->rss_key[i] = toeplitz_sym_key()[i % TOEPLITZ_SYM_KEY_LEN];
}

int dpdk_port_plan(struct dpdk_port *p, uint16_t queues, char *err, size_t err_len)
{
	struct rte_eth_dev_info di;
	int rc = rte_eth_dev_info_get(p->port_id, &di);

	MOS_ASSERT(p->claimed && queues >= 1);
	if (rc != 0)
		return dpdk_fail(err, err_len, rc, "netdev %s: no device information: %s",
				 p->name, rte_strerror(-rc));
	snprintf(p->driver, sizeof p->driver, "%s", di.driver_name ? di.driver_name : "");
	if (queues > di.max_tx_queues)
		return dpdk_fail(
			err, err_len, -EINVAL,
			"netdev %s: device (driver %s) has %u TX queues (max_tx_queues), "
			"%u needed (one per core)",
			p->name, p->driver, di.max_tx_queues, queues);
	if (di.max_rx_queues < 1)
		return dpdk_fail(
			err, err_len, -EINVAL,
			"netdev %s: device (driver %s) cannot receive (max_rx_queues 0)",
			p->name, p->driver);
	dpdk_port_offloads(p, &di);
	dpdk_port_rss_plan(p, &di, queues);
	p->tx_queues = queues;
	p->nb_rxd = IO_DPDK_NB_DESC;
	p->nb_txd = IO_DPDK_NB_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &p->nb_rxd, &p->nb_txd);
	if (rc != 0)
		return dpdk_fail(err, err_len, rc, "netdev %s: descriptor limits: %s", p->name,
				 rte_strerror(-rc));
	p->socket = rte_eth_dev_socket_id(p->port_id);
	MOS_ASSERT(p->rx_queues >= 1 && p->rx_queues <= p->tx_queues);
	MOS_ASSERT(!(p->caps & IO_CAP_RSS) || p->rx_queues == p->tx_queues);
	return 0;
}

/* rte_eth_dev_configure() with the plan's queues, RSS and offloads. */
static int dpdk_port_configure(struct dpdk_port *p, char *err, size_t len)
{
	struct rte_eth_conf conf;
	uint8_t key[DPDK_PORT_KEY_MAX];

	memset(&conf, 0, sizeof conf);
	conf.rxmode.offloads = p->rx_offloads;
	conf.txmode.offloads = p->tx_offloads;
	if (p->caps & IO_CAP_RSS) {
		for (unsigned i = 0; i < p->key_dev_len; i++)
			key[i] = toeplitz_sym_key()[i % TOEPLITZ_SYM_KEY_LEN];
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = key;
		conf.rx_adv_conf.rss_conf.rss_key_len = p->key_dev_len;
		conf.rx_adv_conf.rss_conf.rss_hf = p->rss_hf;
	}
	int rc = rte_eth_dev_configure(p->port_id, p->rx_queues, p->tx_queues, &conf);
	if (rc != 0)
		return dpdk_fail(err, len, rc,
				 "netdev %s: configuring %u RX / %u TX queues: %s", p->name,
				 p->rx_queues, p->tx_queues, rte_strerror(-rc));
	return 0;
}

/* RX queue q takes its buffers from queue q's pool. */
static int dpdk_port_queues(struct dpdk_port *p, struct rte_mempool *const *pools, char *err,
			    size_t len)
{
	int rc;

	for (uint16_t q = 0; q < p->rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, p->nb_rxd, (unsigned)p->socket, NULL,
					    pools[q]);
		if (rc != 0)
			return dpdk_fail(err, len, rc, "netdev %s: RX queue %u: %s", p->name, q,
					 rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < p->tx_queues; q++) {
		rc = rte_eth_tx_queue_setup(p->port_id, q, p->nb_txd, (unsigned)p->socket,
					    NULL);
		if (rc != 0)
			return dpdk_fail(err, len, rc, "netdev %s: TX queue %u: %s", p->name, q,
					 rte_strerror(-rc));
	}
	return 0;
}

/* Monitors see all traffic: promiscuous and all-multicast on, flow control off.
 * Devices without such filters or pause frames answer -ENOTSUP: nothing to do. */
static int dpdk_port_modes(struct dpdk_port *p, char *err, size_t len)
{
	struct rte_eth_fc_conf fc;
	int rc = rte_eth_promiscuous_enable(p->port_id);

	if (rc != 0 && rc != -ENOTSUP)
		return dpdk_fail(err, len, rc, "netdev %s: promiscuous mode: %s", p->name,
				 rte_strerror(-rc));
	rc = rte_eth_allmulticast_enable(p->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		return dpdk_fail(err, len, rc, "netdev %s: all-multicast mode: %s", p->name,
				 rte_strerror(-rc));
	memset(&fc, 0, sizeof fc);
	if (rte_eth_dev_flow_ctrl_get(p->port_id, &fc) != 0 || fc.mode == RTE_ETH_FC_NONE)
		return 0;
	fc.mode = RTE_ETH_FC_NONE;
	rc = rte_eth_dev_flow_ctrl_set(p->port_id, &fc);
	if (rc != 0 && rc != -ENOTSUP)
		return dpdk_fail(err, len, rc, "netdev %s: turning flow control off: %s",
				 p->name, rte_strerror(-rc));
	return 0;
}

/* Entry i of the redirection table = queue (i % TOEPLITZ_RETA_SIZE) % queues, the
 * table GetRSSCPUCore() models (for tables of 128 entries or a multiple). Best
 * effort: a device that keeps its own table fills it round-robin, the same thing when
 * the queue count divides 128. */
static void dpdk_port_reta(struct dpdk_port *p)
{
	struct rte_eth_rss_reta_entry64
		reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t size = p->reta_size;

	if (size == 0 || size > RTE_ETH_RSS_RETA_SIZE_512 ||
	    size % RTE_ETH_RETA_GROUP_SIZE != 0)
		return;
	memset(reta, 0, sizeof reta);
	for (uint16_t i = 0; i < size; i++) {
		struct rte_eth_rss_reta_entry64 *g = &reta[i / RTE_ETH_RETA_GROUP_SIZE];
		g->mask |= UINT64_C(1) << (i % RTE_ETH_RETA_GROUP_SIZE);
		g->reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)((i % TOEPLITZ_RETA_SIZE) % p->rx_queues);
	}
	(void)rte_eth_dev_rss_reta_update(p->port_id, reta, size);
}

/* 1 if the device reports the symmetric key (and keeps it in p->rss_key), 0 if it
 * reports another one, -ENOTSUP if it cannot say. */
static int dpdk_port_rss_read(struct dpdk_port *p)
{
	uint8_t key[DPDK_PORT_KEY_MAX];
	struct rte_eth_rss_conf rc = {.rss_key = key, .rss_key_len = sizeof key};

	memset(key, 0, sizeof key);
	int ret = rte_eth_dev_rss_hash_conf_get(p->port_id, &rc);
	if (ret == -ENOTSUP)
		return ret;
	if (ret != 0 || rc.rss_hf == 0)
		return 0;
	for (unsigned i = 0; i < p->key_dev_len; i++) {
		if (key[i] != toeplitz_sym_key()[i % TOEPLITZ_SYM_KEY_LEN])
			return 0;
	}
	memcpy(p->rss_key, key, p->rss_key_len);
	return 1;
}

/* Whether the device hashes with the symmetric key. Some take the key only through
 * rte_eth_dev_rss_hash_update(), not from the configuration: asked again there. A
 * device that cannot report its key is trusted. */
static bool dpdk_port_rss_ok(struct dpdk_port *p)
{
	uint8_t key[DPDK_PORT_KEY_MAX];
	struct rte_eth_rss_conf rc = {
		.rss_key = key, .rss_key_len = p->key_dev_len, .rss_hf = p->rss_hf};
	int ret = dpdk_port_rss_read(p);

	if (ret != 0)
		return true;
	for (unsigned i = 0; i < p->key_dev_len; i++)
		key[i] = toeplitz_sym_key()[i % TOEPLITZ_SYM_KEY_LEN];
	if (rte_eth_dev_rss_hash_update(p->port_id, &rc) != 0)
		return false;
	return dpdk_port_rss_read(p) != 0;
}

static int dpdk_port_bringup(struct dpdk_port *p, const struct cfg_netdev *nd,
			     struct rte_mempool *const *pools, char *err, size_t len)
{
	int rc = dpdk_port_configure(p, err, len);

	if (rc == 0)
		rc = dpdk_port_queues(p, pools, err, len);
	if (rc == 0 && nd->has_mac) {
		struct rte_ether_addr mac;
		memcpy(mac.addr_bytes, nd->mac, sizeof mac.addr_bytes);
		rc = rte_eth_dev_default_mac_addr_set(p->port_id, &mac);
		if (rc != 0)
			return dpdk_fail(err, len, rc,
					 "netdev %s: device (driver %s) refuses MAC "
					 "%02x:%02x:%02x:%02x:%02x:%02x: %s",
					 p->name, p->driver, nd->mac[0], nd->mac[1], nd->mac[2],
					 nd->mac[3], nd->mac[4], nd->mac[5], rte_strerror(-rc));
	}
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0)
		return dpdk_fail(err, len, rc, "netdev %s: start: %s", p->name,
				 rte_strerror(-rc));
	p->started = true;
	if (p->caps & IO_CAP_RSS)
		dpdk_port_reta(p);
	return dpdk_port_modes(p, err, len);
}

int dpdk_port_start(struct dpdk_port *p, const struct cfg_netdev *nd,
		    struct rte_mempool *const *pools, char *err, size_t err_len)
{
	int rc = dpdk_port_bringup(p, nd, pools, err, err_len);

	if (rc != 0 || !(p->caps & IO_CAP_RSS) || dpdk_port_rss_ok(p))
		return rc;
	/* The device keeps a key of its own: flows would not be symmetric. No RSS then,
	 * and the engine spreads flows in software. */
	(void)rte_eth_dev_stop(p->port_id);
	p->started = false;
	p->caps &= ~(uint32_t)(IO_CAP_RSS | IO_CAP_RSS_HASH);
	p->rx_offloads &= ~(uint64_t)RTE_ETH_RX_OFFLOAD_RSS_HASH;
	p->reta_size = 0;
	p->rss_key_len = 0;
	return dpdk_port_bringup(p, nd, pools, err, err_len);
}

/* Whether `dev` still has an ethdev port. */
static bool dpdk_port_device_used(const struct rte_device *dev)
{
	uint16_t id;

	RTE_ETH_FOREACH_DEV_OF(id, dev)
	{
		return true;
	}
	return false;
}

void dpdk_port_shut(struct dpdk_port *p)
{
	struct rte_eth_dev_info di;

	if (!p->claimed)
		return;
	struct rte_device *dev = NULL;
	if (rte_eth_dev_info_get(p->port_id, &di) == 0)
		dev = di.device;
	if (p->started)
		(void)rte_eth_dev_stop(p->port_id);
	p->started = false;
	(void)rte_eth_dev_close(p->port_id);
	if (dev != NULL && !dpdk_port_device_used(dev))
		(void)rte_dev_remove(dev);
	dpdk_port_release(p->port_id);
	p->claimed = false;
}

int dpdk_port_info(const struct dpdk_port *p, const char *name, struct io_port_info *out)
{
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	uint16_t mtu = 0;

	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", name);
	if (rte_eth_dev_get_name_by_port(p->port_id, out->device) != 0)
		return -ENODEV;
	snprintf(out->driver, sizeof out->driver, "%s", p->driver);
	if (rte_eth_macaddr_get(p->port_id, &mac) == 0)
		memcpy(out->mac, mac.addr_bytes, sizeof out->mac);
	memset(&link, 0, sizeof link);
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0) {
		out->link_up = link.link_status == RTE_ETH_LINK_UP;
		out->speed_mbps =
			link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
	}
	if (rte_eth_dev_get_mtu(p->port_id, &mtu) == 0)
		out->mtu = mtu;
	out->rx_queues = p->rx_queues;
	out->tx_queues = p->tx_queues;
	out->caps = p->caps;
	out->reta_size = p->reta_size;
	out->rss_key_len = p->rss_key_len;
	memcpy(out->rss_key, p->rss_key, p->rss_key_len);
	return 0;
}
