/* api_ports.c - ports and statistics of the running instance (mos_ext.h). */
#include <string.h>

#include "api/api_internal.h"
#include "api/api_process.h"
#include "engine/ctx.h"

#define API_SAME(a, b) ((unsigned)(a) == (unsigned)(b))
MOS_STATIC_ASSERT(API_SAME(IO_CAP_RX_IP_CSUM, MOS_PORT_RX_IP_CSUM) &&
			  API_SAME(IO_CAP_RX_L4_CSUM, MOS_PORT_RX_L4_CSUM) &&
			  API_SAME(IO_CAP_TX_IP_CSUM, MOS_PORT_TX_IP_CSUM) &&
			  API_SAME(IO_CAP_TX_TCP_CSUM, MOS_PORT_TX_TCP_CSUM) &&
			  API_SAME(IO_CAP_RSS, MOS_PORT_RSS) &&
			  API_SAME(IO_CAP_RSS_HASH, MOS_PORT_RSS_HASH) &&
			  API_SAME(IO_CAP_TX, MOS_PORT_TX) &&
			  API_SAME(IO_CAP_VLAN_STRIP, MOS_PORT_VLAN_STRIP),
		  "mos_port_caps mirror io_caps");
#undef API_SAME

static int api_port_check(int port)
{
	if (api_proc.inst == NULL)
		return api_fail(EALREADY);
	if (port < 0 || port >= api_proc.inst->port_count)
		return api_fail(EINVAL);
	return 0;
}

int mos_port_count(void)
{
	if (api_proc.inst == NULL)
		return api_fail(EALREADY);
	return api_proc.inst->port_count;
}

int mos_port_info(int port, struct mos_port_info *out)
{
	struct io_port_info info;
	if (api_port_check(port) != 0)
		return -1;
	if (out == NULL)
		return api_fail(EINVAL);
	const struct eng_port *p = &api_proc.inst->ports[port];
	memset(&info, 0, sizeof info);
	struct io_dev *io = api_proc.io;
	if (io->ops->port_info(io, (uint16_t)port, &info) != 0)
		return api_fail(EIO);
	memset(out, 0, sizeof *out);
	memcpy(out->name, p->name, sizeof out->name);
	memcpy(out->device, info.device, sizeof out->device);
	memcpy(out->driver, info.driver, sizeof out->driver);
	memcpy(out->mac, p->mac.b, 6);
	out->link_up = info.link_up;
	out->ip = p->has_ip ? htonl(p->ip) : 0;
	out->prefix_len = (uint8_t)(p->has_ip ? __builtin_popcount(p->netmask) : 0);
	out->speed_mbps = info.speed_mbps;
	out->mtu = info.mtu;
	out->rx_queues = info.rx_queues;
	out->tx_queues = info.tx_queues;
	out->reta_size = info.reta_size;
	out->caps = info.caps;
	out->rss_key_len = info.rss_key_len;
	memcpy(out->rss_key, info.rss_key, sizeof out->rss_key);
	return 0;
}

static void api_add_ctx(struct mos_port_counters *out, const struct eng_ctx *ctx, uint16_t port)
{
	const struct eng_pctr *c = eng_ctx_port_counters(ctx, port);
	out->rx_packets += ctr_load(&c->v[eng_pctr_rx_packets]);
	out->rx_bytes += ctr_load(&c->v[eng_pctr_rx_bytes]);
	out->tx_packets += ctr_load(&c->v[eng_pctr_tx_packets]);
	out->tx_bytes += ctr_load(&c->v[eng_pctr_tx_bytes]);
	out->tx_errors += ctr_load(&c->v[eng_pctr_tx_errors]);
	out->drops += ctr_load(&c->v[eng_pctr_drops]);
	out->forwarded += ctr_load(&c->v[eng_pctr_forwarded]);
}

/* Applies `fn` to the context `core`, or to all when core < 0; -1 EINVAL if absent. */
static int api_for_ctx(int core, void (*fn)(void *arg, const struct eng_ctx *ctx), void *arg)
{
	struct eng_instance *inst = api_proc.inst;
	if (core >= inst->ctx_count)
		return api_fail(EINVAL);
	for (int c = core < 0 ? 0 : core; c < (core < 0 ? inst->ctx_count : core + 1); c++) {
		if (inst->ctx[c] != NULL)
			fn(arg, inst->ctx[c]);
	}
	return 0;
}

struct api_counters_arg {
	struct mos_port_counters *out;
	uint16_t port;
};

static void api_counters_one(void *arg, const struct eng_ctx *ctx)
{
	struct api_counters_arg *a = arg;
	api_add_ctx(a->out, ctx, a->port);
}

int mos_port_counters(int port, int core, struct mos_port_counters *out)
{
	if (api_port_check(port) != 0)
		return -1;
	if (out == NULL)
		return api_fail(EINVAL);
	memset(out, 0, sizeof *out);
	struct api_counters_arg a = {out, (uint16_t)port};
	if (api_for_ctx(core, api_counters_one, &a) != 0)
		return -1;
	struct io_port_stats st;
	memset(&st, 0, sizeof st);
	if (api_proc.io->ops->port_stats != NULL &&
	    api_proc.io->ops->port_stats(api_proc.io, (uint16_t)port, &st) == 0)
		out->rx_missed = st.rx_missed;
	return 0;
}

int mos_drop_reason_count(void)
{
	return DROP_COUNT;
}

const char *mos_drop_reason_name(int reason)
{
	if (reason < 0 || reason >= DROP_COUNT)
		return NULL;
	return drop_reason_name((enum drop_reason)reason);
}

struct api_drops_arg {
	uint64_t *counts;
	int n;
	uint16_t port;
};

static void api_drops_one(void *arg, const struct eng_ctx *ctx)
{
	struct api_drops_arg *a = arg;
	for (int r = 1; r < a->n && r < DROP_COUNT; r++)
		a->counts[r] += eng_ctx_port_drops(ctx, a->port, (enum drop_reason)r);
}

int mos_port_drops(int port, int core, uint64_t *counts, int n)
{
	if (api_port_check(port) != 0)
		return -1;
	if (counts == NULL || n < 0)
		return api_fail(EINVAL);
	memset(counts, 0, (size_t)n * sizeof *counts);
	struct api_drops_arg a = {counts, n, (uint16_t)port};
	if (api_for_ctx(core, api_drops_one, &a) != 0)
		return -1;
	return DROP_COUNT;
}
