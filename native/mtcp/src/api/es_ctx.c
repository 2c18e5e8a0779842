/* es_ctx.c - the end-host personality: per-context state (the TCP stack, epoll and pipe
 * pools, the request channel), the engine hooks, and the doorbells application
 * threads ring after touching a socket's rings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/es.h"
#include "api/es_int.h"
#include "base/assert.h"
#include "engine/config.h"
#include "engine/ctx.h"

void es_personality_init(struct es_personality *p, const uint8_t secret[32])
{
	memset(p, 0, sizeof *p);
	p->base.name = "end-host";
	p->base.ctx_init = es_ctx_init;
	p->base.ctx_fini = es_ctx_fini;
	p->base.tcp_input = es_tcp_input;
	p->base.poll = es_poll;
	p->isn.secret = siphash_key_from_bytes(secret);
	p->hash_key = siphash_key_from_bytes(secret + 16);
}

/* Sizes and times from the configuration as it is when the context starts (so that
 * mtcp_setconf() before the first context applies). */
static void es_tcp_config(const struct es_personality *p, const struct mos_config *cfg,
			  struct tcp_stack_config *c)
{
	memset(c, 0, sizeof *c);
	c->max_conns = (uint32_t)cfg->max_concurrency;
	c->max_buffers = (uint32_t)cfg->max_num_buffers;
	c->rmem_bytes = (uint32_t)cfg->rmem_size;
	c->wmem_bytes = (uint32_t)cfg->wmem_size;
	c->tw_ms = cfg->tcp_tw_interval_ms > 0 ? (uint32_t)cfg->tcp_tw_interval_ms : 0;
	c->idle_ms = cfg->tcp_timeout_ms;
	c->isn = p->isn;
	c->hash_key = p->hash_key;
}

static int es_pool(struct pool *p, const char *name, size_t size, uint32_t n)
{
	struct pool_config pc = {
		.name = name, .obj_size = size, .obj_align = 64, .capacity = n};
	return pool_init(p, &pc, NULL) == POOL_OK ? 0 : -ENOMEM;
}

static void es_free(struct es_ctx *es)
{
	tcp_stack_fini(&es->tcp);
	pool_fini(&es->epolls);
	pool_fini(&es->items);
	pool_fini(&es->pipes);
	free(es);
}

int es_ctx_init(struct eng_ctx *ctx)
{
	const struct es_personality *p =
		MOS_CONTAINER_OF(ctx->inst->end_host, struct es_personality, base);
	struct es_ctx *es = calloc(1, sizeof *es);
	if (es == NULL)
		return -ENOMEM;
	es->eng = ctx;
	struct tcp_stack_config tc;
	es_tcp_config(p, ctx->inst->cfg, &tc);
	int rc = tcp_stack_init(&es->tcp, ctx, &tc);
	if (rc == 0)
		rc = es_pool(&es->epolls, "epoll", sizeof(struct es_epoll), ES_MAX_EPOLLS);
	if (rc == 0)
		rc = es_pool(&es->items, "epitem", sizeof(struct ep_item), ctx->socks.capacity);
	if (rc == 0)
		rc = es_pool(&es->pipes, "pipe", sizeof(struct es_pipe) + ES_PIPE_RING,
			     ES_MAX_PIPES);
	if (rc != 0) {
		es_free(es);
		return rc;
	}
	es->tcp.wake = es_ep_wake;
	es->tcp.wake_user = es;
	mpsc_init(&es->bells);
	atomic_init(&es->mbox.free_mask, ~UINT64_C(0));
	ctx->end_host = es;
	return 0;
}

void es_ctx_fini(struct eng_ctx *ctx)
{
	struct es_ctx *es = ctx->end_host;
	if (es == NULL)
		return;
	ctx->end_host = NULL;
	es_free(es);
}

enum drop_reason es_tcp_input(struct eng_ctx *ctx, struct io_buf *buf,
			      const struct wire_pkt *pkt)
{
	return tcp_input(&es_of(ctx)->tcp, buf, pkt);
}

/* Whether p lies in the memory of pool `pl` (its objects are one block). */
static bool es_in_pool(const struct pool *pl, const void *p)
{
	const unsigned char *a = p;
	return a >= pl->objs && a < pl->objs + (size_t)pl->capacity * pl->stride_bytes;
}

/* The doorbells: what application threads did to their sockets' rings. */
static void es_bells(struct es_ctx *es)
{
	struct mpsc_node *n = mpsc_take_all(&es->bells);
	while (n != NULL) {
		struct mpsc_node *next = n->next; /* before the node can be pushed again */
		if (es_in_pool(&es->tcp.tcbs, n)) {
			struct tcp_tcb *t = MOS_CONTAINER_OF(n, struct tcp_tcb, bell);
			atomic_store_explicit(&t->bell_pending, 0, memory_order_release);
			tcp_usr_poke(&es->tcp, t);
		} else {
			MOS_ASSERT(es_in_pool(&es->pipes, n));
			struct es_pipe *p = MOS_CONTAINER_OF(n, struct es_pipe, bell);
			atomic_store_explicit(&p->bell_pending, 0, memory_order_release);
			es_pipe_bell(es, p);
		}
		n = next;
	}
}

void es_poll(struct eng_ctx *ctx)
{
	struct es_ctx *es = es_of(ctx);
	if (!mpsc_empty(&es->bells))
		es_bells(es);
	api_es_serve(es);
	tcp_stack_poll(&es->tcp);
}

void es_ring(struct es_ctx *es, struct mpsc_node *bell, _Atomic uint32_t *pending)
{
	if (atomic_load_explicit(pending, memory_order_relaxed) != 0 ||
	    atomic_exchange_explicit(pending, 1, memory_order_acq_rel) != 0)
		return;
	mpsc_push(&es->bells, bell);
	es_kick(es);
}

void es_kick(struct es_ctx *es)
{
	/* Pairs with the fence in the nap: either the sleeper sees the work or we see
	 * that it sleeps. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&es->mbox.napping, memory_order_relaxed) != 0) {
		atomic_fetch_add_explicit(&es->mbox.wake_word, 1, memory_order_release);
		es_futex_wake(&es->mbox.wake_word, 1);
	}
}
