/* mon_ctx.c - the monitor personality: per-context state, lazily created pools, the
 * loop hooks (batch end, poll) and the flush of every flow. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/config.h"
#include "mon/mon.h"

#define MON_MAX_BUFFERS 131072u  /* reassembly descriptors per context at most */
#define MON_MAX_SEGMENTS 262144u /* 1 KiB segments per context at most (256 MiB) */
#define MON_MIN_SEGMENTS 256u
#define MON_MAP_CAPACITY 262144u /* largest buffer a map block addresses (256 KiB) */

/* State per connection without its reassembly buffers (issue 5 item 9: <= 512 bytes):
 * the flow record and the per-flow socket of its passive socket. */
MOS_STATIC_ASSERT(sizeof(struct mon_flow) + sizeof(struct mon_fsock) <= 512,
		  "per-connection monitor state must stay within 512 bytes");

static int mon_ctx_init(struct eng_ctx *ctx)
{
	struct mon_ctx *m = calloc(1, sizeof *m);
	if (m == NULL)
		return -ENOMEM;
	const struct mos_config *cfg = ctx->inst->cfg;
	m->eng = ctx;
	m->max_flows = cfg->max_concurrency > 0 ? (uint32_t)cfg->max_concurrency : 1u;
	m->rmem = cfg->rmem_size > 0 ? (uint32_t)cfg->rmem_size : RBUF_SEG_BYTES;
	m->tw_ms = cfg->tcp_tw_interval_ms > 0 ? (uint32_t)cfg->tcp_tw_interval_ms : 0;
	m->timeout_ms = cfg->tcp_timeout_ms;
	m->no_ring_buffers = cfg->no_ring_buffers;
	for (uint16_t i = 0; i < ctx->inst->port_count; i++)
		m->host_ips |= ctx->inst->ports[i].has_ip;
	/* A fixed key until mon_ctx_bind() gives a random one: engine-level tests stay
	 * deterministic. */
	m->table_key = (struct siphash_key){0x6d6f6e69746f7231ull + ctx->core, 0x666c6f77ull};
	pthread_mutex_init(&m->ctl_lock, NULL);
	pthread_mutex_init(&m->tmr_lock, NULL);
	ctx->monitor = m;
	return 0;
}

/* Capacities of the pools of one context. */
struct mon_plan {
	uint32_t flows, fsocks, bufs;
	struct rbuf_pool_config segs;
};

static struct mon_plan mon_pools_plan(const struct mon_ctx *m)
{
	struct mon_plan p;
	p.flows = m->max_flows;
	p.fsocks = m->eng->socks.capacity;
	uint64_t bufs = 2ull * m->max_flows;
	p.bufs = (uint32_t)(bufs < MON_MAX_BUFFERS ? bufs : MON_MAX_BUFFERS);
	uint64_t segs = (uint64_t)p.bufs * ((m->rmem + RBUF_SEG_BYTES - 1) / RBUF_SEG_BYTES);
	segs += p.bufs / 8;
	if (segs > MON_MAX_SEGMENTS)
		segs = MON_MAX_SEGMENTS;
	if (segs < MON_MIN_SEGMENTS)
		segs = MON_MIN_SEGMENTS;
	uint32_t map_cap = m->rmem > MON_MAP_CAPACITY ? m->rmem : MON_MAP_CAPACITY;
	p.segs = (struct rbuf_pool_config){
		.segments = (uint32_t)segs,
		.maps = m->rmem > RBUF_INLINE_SLOTS * RBUF_SEG_BYTES ? p.bufs
								     : p.bufs / 16 + 16,
		.map_capacity_bytes = map_cap,
		.poison = false,
	};
	return p;
}

static int mon_pools_init(struct mon_ctx *m)
{
	struct mon_plan p = mon_pools_plan(m);
	struct pool_config fc = {"monitor flows", sizeof(struct mon_flow), 0, p.flows, false};
	struct pool_config sc = {"monitor sockets", sizeof(struct mon_fsock), 0, p.fsocks,
				 false};
	struct pool_config bc = {"monitor buffers", sizeof(struct rbuf), 0, p.bufs, false};
	struct pool_config tc = {"monitor timers", sizeof(struct mon_utimer), 0, MON_UTIMER_MAX,
				 false};
	if (pool_init(&m->flows, &fc, NULL) != POOL_OK)
		return -ENOMEM;
	if (pool_init(&m->fsocks, &sc, NULL) != POOL_OK)
		goto no_fsocks;
	if (pool_init(&m->rbufs, &bc, NULL) != POOL_OK)
		goto no_rbufs;
	if (pool_init(&m->utimers, &tc, NULL) != POOL_OK)
		goto no_timers;
	if (rbuf_pool_init(&m->segs, &p.segs, NULL) != RBUF_OK)
		goto no_segs;
	if (flow_table_init(&m->table, p.flows, &m->table_key) != 0)
		goto no_table;
	m->pkt_copy = malloc(MON_PKT_COPY_ALIGN + MON_PKT_COPY_MAX);
	m->bpf_scratch = malloc(MON_BPF_SCRATCH);
	if (m->pkt_copy == NULL || m->bpf_scratch == NULL)
		goto no_scratch;
	return 0;
no_scratch:
	free(m->pkt_copy);
	free(m->bpf_scratch);
	flow_table_fini(&m->table);
no_table:
	rbuf_pool_fini(&m->segs);
no_segs:
	pool_fini(&m->utimers);
no_timers:
	pool_fini(&m->rbufs);
no_rbufs:
	pool_fini(&m->fsocks);
no_fsocks:
	pool_fini(&m->flows);
	return -ENOMEM;
}

int mon_ctx_prepare(struct mon_ctx *m)
{
	if (atomic_load_explicit(&m->ready, memory_order_acquire))
		return 0;
	int rc = mon_pools_init(m);
	if (rc == 0)
		atomic_store_explicit(&m->ready, true, memory_order_release);
	return rc;
}

void mon_ctx_bind(struct eng_ctx *ctx, mctx_t mctx, const struct mon_ude_reg *udes,
		  const struct siphash_key *table_key)
{
	struct mon_ctx *m = mon_of(ctx);
	if (m == NULL)
		return;
	MOS_ASSERT(!atomic_load(&m->ready)); /* the table key must precede the table */
	m->mctx = mctx;
	m->udes = udes;
	if (table_key != NULL)
		m->table_key = *table_key;
}

void mon_flush(struct mon_ctx *m)
{
	if (!atomic_load_explicit(&m->ready, memory_order_acquire))
		return;
	while (m->lru_head != NULL)
		mon_flow_end(m, m->lru_head, MOS_FLOW_END_SHUTDOWN);
}

/* Frees a flow without callbacks (context teardown). */
static void mon_flow_drop_silently(struct mon_ctx *m, struct mon_flow *f)
{
	mon_fsock_release_all(m, f);
	mon_reasm_free(m, f, MOS_SIDE_CLI);
	mon_reasm_free(m, f, MOS_SIDE_SVR);
	tw_cancel(&m->eng->wheel, &f->timer);
	mon_flow_unhash(m, f);
	m->lru_head = f->lru_next;
	if (m->lru_head != NULL)
		m->lru_head->lru_prev = NULL;
	else
		m->lru_tail = NULL;
	atomic_fetch_sub_explicit(&m->eng->flows, 1, memory_order_relaxed);
	pool_put(&m->flows, f);
}

static void mon_ctx_fini(struct eng_ctx *ctx)
{
	struct mon_ctx *m = mon_of(ctx);
	if (m == NULL)
		return;
	if (atomic_load(&m->ready)) {
		while (m->lru_head != NULL)
			mon_flow_drop_silently(m, m->lru_head);
		mon_utimer_fini(m);
	}
	mon_lsock_reap(m, true);
	if (atomic_load(&m->ready)) {
		free(m->pkt_copy);
		free(m->bpf_scratch);
		flow_table_fini(&m->table);
		rbuf_pool_fini(&m->segs);
		pool_fini(&m->utimers);
		pool_fini(&m->rbufs);
		pool_fini(&m->fsocks);
		pool_fini(&m->flows);
	}
	pthread_mutex_destroy(&m->ctl_lock);
	pthread_mutex_destroy(&m->tmr_lock);
	free(m);
	ctx->monitor = NULL;
}

/* Once per loop iteration: closed listeners, timer requests, a requested flush. */
static void mon_poll(struct eng_ctx *ctx)
{
	struct mon_ctx *m = mon_of(ctx);
	if (m == NULL || !atomic_load_explicit(&m->ready, memory_order_acquire))
		return;
	mon_lsock_reap(m, false);
	if (atomic_load_explicit(&m->tmr_nreq, memory_order_relaxed) != 0)
		mon_utimer_drain(m);
	if (atomic_load_explicit(&m->flush_req, memory_order_relaxed)) {
		atomic_store(&m->flush_req, false);
		mon_flush(m);
	}
}

const struct eng_personality mon_personality = {
	.name = "monitor",
	.ctx_init = mon_ctx_init,
	.ctx_fini = mon_ctx_fini,
	.frame_input = mon_frame_input,
	.tcp_input = NULL,
	.batch_end = mon_batch_end,
	.poll = mon_poll,
};

#undef MON_MAX_BUFFERS
#undef MON_MAX_SEGMENTS
#undef MON_MIN_SEGMENTS
#undef MON_MAP_CAPACITY
