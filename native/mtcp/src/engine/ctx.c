/* ctx.c - the per-core context: receive, dispatch, timers and transmit batching. */
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/config.h"
#include "engine/ctx.h"

#define ENG_RX_BURST 32
#define ENG_TIMER_FIRE_LIMIT 4096 /* timers fired per poll; the rest wait a poll */
#define ENG_PREFETCH_AHEAD 2      /* received frames whose bytes are asked for in advance */

void eng_drop(struct eng_ctx *ctx, uint16_t port, enum drop_reason reason, struct io_buf *buf)
{
	MOS_ASSERT(reason > DROP_NONE && reason < DROP_COUNT);
	MOS_ASSERT(port < IO_MAX_PORTS);
	ctr_add(&ctx->drops[port][reason], 1);
	eng_count(ctx, port, eng_pctr_drops, 1);
	if (buf != NULL)
		io_free(ctx->io, ctx->core, buf);
}

static void eng_txq_flush(struct eng_ctx *ctx, uint16_t port)
{
	struct eng_txq *q = &ctx->txq[port];
	if (q->n == 0)
		return;
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < q->n; i++)
		bytes += q->bufs[i].len;
	uint16_t n = q->n;
	uint16_t sent = io_tx_burst(ctx->io, port, ctx->core, q->bufs, n);
	q->n = 0;
	eng_count(ctx, port, eng_pctr_tx_packets, sent);
	eng_count(ctx, port, eng_pctr_tx_bytes, sent == n ? bytes : 0);
	if (sent < n)
		eng_count(ctx, port, eng_pctr_tx_errors, (uint64_t)(n - sent));
}

void eng_tx(struct eng_ctx *ctx, struct io_buf *buf)
{
	uint16_t port = buf->port;
	MOS_ASSERT(port < ctx->inst->port_count);
	struct eng_txq *q = &ctx->txq[port];
	if (q->n == IO_BURST_MAX)
		eng_txq_flush(ctx, port);
	q->bufs[q->n++] = *buf;
}

void eng_ctx_flush(struct eng_ctx *ctx)
{
	for (uint16_t p = 0; p < ctx->inst->port_count; p++)
		eng_txq_flush(ctx, p);
}

bool eng_alloc(struct eng_ctx *ctx, uint16_t port, struct io_buf *buf)
{
	if (io_alloc(ctx->io, ctx->core, buf) != 0) {
		eng_drop(ctx, port, DROP_tx_no_buffer, NULL);
		return false;
	}
	buf->port = port;
	buf->flags = 0;
	return true;
}

static void eng_arp_timer_fired(struct tw_wheel *w, struct tw_timer *t, uint64_t now_ms)
{
	struct eng_ctx *ctx = MOS_CONTAINER_OF(t, struct eng_ctx, arp_timer);
	(void)w;
	(void)now_ms;
	net_arp_timer(ctx);
	if (ctx->arp_hops_used > 0)
		tw_arm(&ctx->wheel, &ctx->arp_timer, ctx->now_ms + 100);
}

static void eng_stats_timer_fired(struct tw_wheel *w, struct tw_timer *t, uint64_t now_ms)
{
	struct eng_ctx *ctx = MOS_CONTAINER_OF(t, struct eng_ctx, stats_timer);
	(void)w;
	eng_print_stats(ctx->inst, ctx->now_ns - ctx->stats_last_ns);
	ctx->stats_last_ns = ctx->now_ns;
	tw_arm(&ctx->wheel, &ctx->stats_timer, now_ms + ENG_STATS_PERIOD_MS);
}

static const struct eng_personality *eng_personality(const struct eng_instance *inst, int i)
{
	return i == 0 ? inst->end_host : inst->monitor;
}

/* Runs hook `fn` of every personality that has it. */
#define ENG_EACH(ctx, fn)                                                                      \
	for (int eng_i_ = 0; eng_i_ < 2; eng_i_++) {                                           \
		const struct eng_personality *eng_p_ = eng_personality((ctx)->inst, eng_i_);   \
		if (eng_p_ != NULL && eng_p_->fn != NULL)                                      \
			eng_p_->fn(ctx);                                                       \
	}

static int eng_personalities_init(struct eng_ctx *ctx)
{
	for (int i = 0; i < 2; i++) {
		const struct eng_personality *p = eng_personality(ctx->inst, i);
		if (p == NULL || p->ctx_init == NULL)
			continue;
		int rc = p->ctx_init(ctx);
		if (rc != 0) {
			for (int j = i - 1; j >= 0; j--) {
				const struct eng_personality *q = eng_personality(ctx->inst, j);
				if (q != NULL && q->ctx_fini != NULL)
					q->ctx_fini(ctx);
			}
			return rc;
		}
	}
	return 0;
}

struct eng_ctx *eng_ctx_create(struct eng_instance *inst, uint16_t core, uint64_t now_ns)
{
	MOS_ASSERT(core < inst->ctx_count && inst->ctx[core] == NULL);
	struct eng_ctx *ctx = calloc(1, sizeof *ctx);
	if (ctx == NULL)
		return NULL;
	ctx->inst = inst;
	ctx->io = inst->io;
	ctx->core = core;
	ctx->now_ns = now_ns;
	ctx->now_ms = now_ns / 1000000u;
	for (uint16_t p = 0; p < inst->port_count; p++) {
		if (inst->ports[p].cpu_mask & (UINT64_C(1) << core))
			ctx->rx_ports[ctx->rx_port_count++] = p;
	}
	tw_init(&ctx->wheel, ctx->now_ms);
	tw_timer_init(&ctx->arp_timer, eng_arp_timer_fired);
	tw_timer_init(&ctx->stats_timer, eng_stats_timer_fired);
	ctx->stats_last_ns = now_ns;
	/* Ids for max_concurrency connections and as many per-flow monitor sockets. */
	uint32_t ids = (uint32_t)inst->cfg->max_concurrency * 2u;
	if (socktab_init(&ctx->socks, ids) != 0) {
		free(ctx);
		return NULL;
	}
	if (eng_personalities_init(ctx) != 0) {
		socktab_fini(&ctx->socks);
		free(ctx);
		return NULL;
	}
	if (core == 0 && inst->print_stats)
		tw_arm(&ctx->wheel, &ctx->stats_timer, ctx->now_ms + ENG_STATS_PERIOD_MS);
	inst->ctx[core] = ctx;
	/* The first core polling a port announces its address (gratuitous ARP). */
	for (uint16_t i = 0; i < ctx->rx_port_count; i++) {
		const struct eng_port *p = &inst->ports[ctx->rx_ports[i]];
		uint64_t lower = (UINT64_C(1) << core) - 1;
		if (p->has_ip && (p->caps & IO_CAP_TX) && (p->cpu_mask & lower) == 0)
			net_arp_announce(ctx, p->index);
	}
	eng_ctx_flush(ctx);
	return ctx;
}

void eng_ctx_destroy(struct eng_ctx *ctx)
{
	if (ctx == NULL)
		return;
	ENG_EACH(ctx, ctx_fini);
	ctx->inst->ctx[ctx->core] = NULL;
	/* Frames handed to this core and not yet processed go back to their pools. */
	struct io_buf buf;
	struct spsc_ring *ring = ctx->inst->handoff[ctx->core];
	while (ring != NULL && spsc_dequeue_burst(ring, &buf, 1) == 1)
		io_free(ctx->io, ctx->core, &buf);
	eng_ctx_flush(ctx);
	net_arp_flush_all(ctx);
	socktab_fini(&ctx->socks);
	free(ctx);
}

static void eng_set_time(struct eng_ctx *ctx, uint64_t now_ns)
{
	/* Time never goes back, whatever the clock source does. */
	if (now_ns > ctx->now_ns) {
		ctx->now_ns = now_ns;
		ctx->now_ms = now_ns / 1000000u;
	}
}

/* Core 0 on a port without device RSS: hash like the NIC would and hand the frame to
 * its core (processing it here when that core has no context). */
static void eng_sw_rss_dispatch(struct eng_ctx *ctx, struct io_buf *buf)
{
	struct eng_instance *inst = ctx->inst;
	uint32_t hash;
	uint16_t q = 0;
	if (wire_rss_frame_hash(inst->rss, buf->data, buf->len, &hash)) {
		buf->flags |= IO_RX_RSS_HASH;
		buf->rss_hash = hash;
		q = wire_rss_queue(hash, inst->ctx_count);
	}
	if (q == 0 || inst->ctx[q] == NULL) {
		eng_input(ctx, buf);
		return;
	}
	if (spsc_enqueue_burst(inst->handoff[q], buf, 1) != 1)
		eng_drop(ctx, buf->port, DROP_rss_handoff_full, buf);
}

/* Frames core 0 handed to this core. */
static uint32_t eng_handoff_input(struct eng_ctx *ctx)
{
	struct io_buf bufs[ENG_RX_BURST];
	struct spsc_ring *ring = ctx->inst->handoff[ctx->core];
	if (ring == NULL)
		return 0;
	uint32_t n = spsc_dequeue_burst(ring, bufs, ENG_RX_BURST);
	for (uint32_t k = 0; k < n; k++)
		eng_input(ctx, &bufs[k]);
	return n;
}

uint32_t eng_ctx_poll_rx(struct eng_ctx *ctx, uint64_t now_ns)
{
	struct io_buf bufs[ENG_RX_BURST];
	uint32_t total = 0;
	eng_set_time(ctx, now_ns);
	for (uint16_t i = 0; i < ctx->rx_port_count; i++) {
		uint16_t port = ctx->rx_ports[i];
		uint16_t n = io_rx_burst(ctx->io, port, ctx->core, bufs, ENG_RX_BURST);
		bool sw_rss = ctx->inst->ports[port].sw_rss && ctx->core == 0;
		for (uint16_t k = 0; k < n && k < ENG_PREFETCH_AHEAD; k++)
			eng_prefetch_frame(&bufs[k]);
		for (uint16_t k = 0; k < n; k++) {
			if (k + ENG_PREFETCH_AHEAD < n)
				eng_prefetch_frame(&bufs[k + ENG_PREFETCH_AHEAD]);
			if (sw_rss)
				eng_sw_rss_dispatch(ctx, &bufs[k]);
			else
				eng_input(ctx, &bufs[k]);
		}
		total += n;
	}
	total += eng_handoff_input(ctx);
	if (total > 0)
		ENG_EACH(ctx, batch_end);
	tw_advance(&ctx->wheel, ctx->now_ms, ENG_TIMER_FIRE_LIMIT);
	return total;
}

void eng_ctx_poll_tx(struct eng_ctx *ctx)
{
	ENG_EACH(ctx, poll);
	eng_ctx_flush(ctx);
}

uint32_t eng_ctx_poll(struct eng_ctx *ctx, uint64_t now_ns)
{
	uint32_t total = eng_ctx_poll_rx(ctx, now_ns);
	eng_ctx_poll_tx(ctx);
	return total;
}

uint64_t eng_ctx_next_deadline_ns(const struct eng_ctx *ctx)
{
	uint64_t ms = tw_next_deadline(&ctx->wheel);
	if (ms == UINT64_MAX || ms > UINT64_MAX / 1000000u)
		return UINT64_MAX;
	return ms * 1000000u;
}

#undef ENG_EACH
#undef ENG_PREFETCH_AHEAD

const struct eng_pctr *eng_ctx_port_counters(const struct eng_ctx *ctx, uint16_t port)
{
	MOS_ASSERT(port < IO_MAX_PORTS);
	return &ctx->pctr[port];
}

uint64_t eng_ctx_port_drops(const struct eng_ctx *ctx, uint16_t port, enum drop_reason reason)
{
	MOS_ASSERT(port < IO_MAX_PORTS && reason < DROP_COUNT);
	return ctr_load(&ctx->drops[port][reason]);
}
