/* stats.c - the per-second statistics lines of the stat_print ports (stderr), in the
 * layout mOS users know: one line per core and an [ ALL ] line per port. */
#include <stdio.h>

#include "engine/ctx.h"

enum { ST_RX_PKTS, ST_RX_BYTES, ST_TX_PKTS, ST_TX_BYTES };

struct stats_line {
	uint64_t flows;
	double rx_pps, rx_gbps, tx_pps, tx_gbps;
	uint64_t drops;
};

static void stats_print_line(const char *who, const char *port, const struct stats_line *l)
{
	fprintf(stderr,
		"[%s] %s flows: %6llu, RX: %9.0f(pps) (err: %6llu), %5.2f(Gbps), TX: "
		"%9.0f(pps), "
		"%5.2f(Gbps)\n",
		who, port, (unsigned long long)l->flows, l->rx_pps,
		(unsigned long long)l->drops, l->rx_gbps, l->tx_pps, l->tx_gbps);
}

/* Rates of one core on one port since the previous call; remembers the new values. */
static struct stats_line stats_core(struct eng_instance *inst, uint16_t core, uint16_t port,
				    double secs)
{
	const struct eng_ctx *ctx = inst->ctx[core];
	const struct eng_pctr *c = eng_ctx_port_counters(ctx, port);
	uint64_t now[4] = {
		ctr_load(&c->v[eng_pctr_rx_packets]), ctr_load(&c->v[eng_pctr_rx_bytes]),
		ctr_load(&c->v[eng_pctr_tx_packets]), ctr_load(&c->v[eng_pctr_tx_bytes])};
	uint64_t *prev = inst->stats_prev[core][port];
	struct stats_line l = {
		.flows = atomic_load_explicit(&ctx->flows, memory_order_relaxed),
		.rx_pps = (double)(now[ST_RX_PKTS] - prev[ST_RX_PKTS]) / secs,
		.rx_gbps = (double)(now[ST_RX_BYTES] - prev[ST_RX_BYTES]) * 8 / secs / 1e9,
		.tx_pps = (double)(now[ST_TX_PKTS] - prev[ST_TX_PKTS]) / secs,
		.tx_gbps = (double)(now[ST_TX_BYTES] - prev[ST_TX_BYTES]) * 8 / secs / 1e9,
		.drops = ctr_load(&c->v[eng_pctr_drops]),
	};
	for (int i = 0; i < 4; i++)
		prev[i] = now[i];
	return l;
}

static void stats_add(struct stats_line *sum, const struct stats_line *l)
{
	sum->flows += l->flows;
	sum->rx_pps += l->rx_pps;
	sum->rx_gbps += l->rx_gbps;
	sum->tx_pps += l->tx_pps;
	sum->tx_gbps += l->tx_gbps;
	sum->drops += l->drops;
}

void eng_print_stats(struct eng_instance *inst, uint64_t elapsed_ns)
{
	double secs = elapsed_ns > 0 ? (double)elapsed_ns / 1e9 : 1.0;
	char who[16];
	for (uint16_t port = 0; port < inst->port_count; port++) {
		if (!inst->ports[port].stat_print)
			continue;
		struct stats_line all = {0};
		for (uint16_t core = 0; core < inst->ctx_count; core++) {
			if (inst->ctx[core] == NULL)
				continue;
			struct stats_line l = stats_core(inst, core, port, secs);
			snprintf(who, sizeof who, "CPU%2u", core);
			stats_print_line(who, inst->ports[port].name, &l);
			stats_add(&all, &l);
		}
		stats_print_line(" ALL ", inst->ports[port].name, &all);
	}
	fflush(stderr);
}
