/* tcp_stack.c - the per-context end-host TCP: pools, flow and bind tables, TCB life
 * cycle, the work lists, and the poll step that applies recorded effects. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "net/route.h"
#include "tcp/tcp_int.h"

static uint32_t tcp_pow2_at_least(uint32_t v)
{
	uint32_t p = 64;
	while (p < v && p < TCP_BUF_MAX)
		p <<= 1;
	return p;
}

/* A buffer object: the ring header, then the ring's bytes. */
#define TCP_RING_HDR ((sizeof(struct spsc_bytes) + 63u) & ~(size_t)63u)

static int tcp_pool(struct pool *p, const char *name, size_t size, uint32_t n)
{
	struct pool_config pc = {
		.name = name, .obj_size = size, .obj_align = 64, .capacity = n};
	return pool_init(p, &pc, NULL) == POOL_OK ? 0 : -ENOMEM;
}

static int tcp_ooo_pool_init(struct tcp_stack *s, uint32_t nbuf)
{
	uint64_t segs = (uint64_t)nbuf * (s->rcv_cap / RBUF_SEG_BYTES / 2u + 2u);
	struct rbuf_pool_config rc = {
		.segments = (uint32_t)(segs > (1u << 22) ? (1u << 22) : segs),
		.maps = s->rcv_cap > RBUF_INLINE_SLOTS * RBUF_SEG_BYTES ? nbuf : 0,
		.map_capacity_bytes = s->rcv_cap,
	};
	return rbuf_pool_init(&s->ooo_pool, &rc, NULL) == RBUF_OK ? 0 : -ENOMEM;
}

static int tcp_pools_init(struct tcp_stack *s)
{
	const struct tcp_stack_config *c = &s->cfg;
	uint32_t nbuf = c->max_buffers < c->max_conns ? c->max_buffers : c->max_conns;
	int rc = tcp_pool(&s->tcbs, "tcb", sizeof(struct tcp_tcb), c->max_conns);
	if (rc == 0)
		rc = tcp_pool(&s->sndbufs, "sndbuf", TCP_RING_HDR + s->snd_cap, nbuf);
	if (rc == 0)
		rc = tcp_pool(&s->rcvbufs, "rcvbuf", TCP_RING_HDR + s->rcv_cap, nbuf);
	if (rc == 0)
		rc = tcp_pool(&s->listeners, "listener", sizeof(struct tcp_listener),
			      TCP_MAX_LISTENERS);
	if (rc == 0)
		rc = tcp_ooo_pool_init(s, nbuf);
	return rc;
}

int tcp_stack_init(struct tcp_stack *s, struct eng_ctx *ctx, const struct tcp_stack_config *cfg)
{
	MOS_ASSERT(cfg->max_conns > 0 && cfg->max_buffers > 0);
	memset(s, 0, sizeof *s);
	s->ctx = ctx;
	s->cfg = *cfg;
	s->snd_cap = tcp_pow2_at_least(cfg->wmem_bytes);
	s->rcv_cap = tcp_pow2_at_least(cfg->rmem_bytes);
	s->chal_tokens = TCP_CHALLENGE_ACKS_PER_S;
	s->port_binds = calloc(65536, sizeof *s->port_binds);
	int rc = s->port_binds != NULL ? tcp_pools_init(s) : -ENOMEM;
	if (rc == 0)
		rc = flow_table_init(&s->flows, cfg->max_conns, &cfg->hash_key);
	if (rc == 0)
		rc = flow_table_init(&s->binds, cfg->max_conns + TCP_MAX_LISTENERS,
				     &cfg->hash_key);
	if (rc == 0)
		rc = flow_table_init(&s->lsns, TCP_MAX_LISTENERS, &cfg->hash_key);
	if (rc != 0) {
		tcp_stack_fini(s);
		return rc;
	}
	return 0;
}

static void tcp_free_tcb(struct tcp_stack *s, struct tcp_tcb *t);

void tcp_stack_fini(struct tcp_stack *s)
{
	/* Every live object goes back to its pool; nothing is sent. */
	for (uint32_t i = 0; s->tcbs.objs != NULL && i < pool_capacity(&s->tcbs); i++) {
		if (!pool_is_live(&s->tcbs, i))
			continue;
		struct tcp_tcb *t = pool_at(&s->tcbs, i);
		tcp_timers_stop(s, t);
		if (t->f & TF_IN_FLOW)
			tcp_flow_del(s, t);
		tcp_free_tcb(s, t);
	}
	for (uint32_t i = 0; s->listeners.objs != NULL && i < pool_capacity(&s->listeners);
	     i++) {
		if (pool_is_live(&s->listeners, i))
			free(((struct tcp_listener *)pool_at(&s->listeners, i))->acceptq_mem);
	}
	flow_table_fini(&s->flows);
	flow_table_fini(&s->binds);
	flow_table_fini(&s->lsns);
	if (s->ooo_pool.segs.objs != NULL)
		rbuf_pool_fini(&s->ooo_pool);
	pool_fini(&s->listeners);
	pool_fini(&s->rcvbufs);
	pool_fini(&s->sndbufs);
	pool_fini(&s->tcbs);
	free(s->port_binds);
	s->port_binds = NULL;
}

/* ---- TCBs ------------------------------------------------------------------------ */

struct tcp_tcb *tcp_tcb_new(struct tcp_stack *s)
{
	struct tcp_tcb *t = pool_get(&s->tcbs);
	if (t == NULL)
		return NULL;
	/* Everything up to the SACK arrays, which are read only below sb_n and rsack_n
	 * (zeroed here): two cache lines less to write per connection. */
	MOS_STATIC_ASSERT(offsetof(struct tcp_tcb, rsack) + sizeof t->rsack == sizeof *t &&
				  offsetof(struct tcp_tcb, sb) + sizeof t->sb ==
					  offsetof(struct tcp_tcb, rsack),
			  "the SACK arrays are the last members of struct tcp_tcb");
	memset(t, 0, offsetof(struct tcp_tcb, sb));
	t->state = TCP_CLOSED;
	t->sock_id = -1;
	t->mss_opt = 1460;
	t->smss = TCP_PEER_MSS_DEFAULT;
	t->rto_ms = TCP_RTO_INIT_MS;
	t->ka_idle_ms = TCP_KEEPIDLE_DEFAULT_MS;
	t->ka_intvl_ms = TCP_KEEPINTVL_DEFAULT_MS;
	t->ka_cnt = TCP_KEEPCNT_DEFAULT;
	atomic_init(&t->snd_limit, s->cfg.wmem_bytes);
	atomic_init(&t->rcv_limit, s->cfg.rmem_bytes);
	tcp_timers_init(t);
	return t;
}

static struct spsc_bytes *tcp_ring_get(struct pool *p, uint32_t cap)
{
	unsigned char *obj = pool_get(p);
	if (obj == NULL)
		return NULL;
	struct spsc_bytes *b = (struct spsc_bytes *)(void *)obj;
	MOS_ASSERT(spsc_bytes_init(b, obj + TCP_RING_HDR, cap));
	return b;
}

int tcp_tcb_buffers(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->snd == NULL)
		t->snd = tcp_ring_get(&s->sndbufs, s->snd_cap);
	if (t->rcv == NULL)
		t->rcv = tcp_ring_get(&s->rcvbufs, s->rcv_cap);
	return t->snd != NULL && t->rcv != NULL ? 0 : -ENOMEM;
}

static void tcp_unbind(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->bound_port == 0)
		return;
	struct flow_key k = {t->bound_ip, 0, t->bound_port, 0};
	flow_table_remove(&s->binds, &k);
	MOS_ASSERT(s->port_binds[t->bound_port] > 0);
	s->port_binds[t->bound_port]--;
	t->bound_port = 0;
}

static void tcp_free_tcb(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->ooo.capacity != 0)
		rbuf_fini(&t->ooo);
	if (t->snd != NULL)
		pool_put(&s->sndbufs, t->snd);
	if (t->rcv != NULL)
		pool_put(&s->rcvbufs, t->rcv);
	tcp_unbind(s, t);
	pool_put(&s->tcbs, t);
}

int tcp_flow_add(struct tcp_stack *s, struct tcp_tcb *t)
{
	int rc = flow_table_insert(&s->flows, &t->key, t);
	if (rc != 0)
		return rc;
	t->f |= TF_IN_FLOW;
	atomic_fetch_add_explicit(&s->ctx->flows, 1, memory_order_relaxed);
	return 0;
}

void tcp_flow_del(struct tcp_stack *s, struct tcp_tcb *t)
{
	MOS_ASSERT(t->f & TF_IN_FLOW);
	MOS_ASSERT(flow_table_remove(&s->flows, &t->key) == t);
	t->f &= ~(uint32_t)TF_IN_FLOW;
	atomic_fetch_sub_explicit(&s->ctx->flows, 1, memory_order_relaxed);
}

void tcp_set_state(struct tcp_stack *s, struct tcp_tcb *t, uint8_t state)
{
	(void)s;
	t->state = state;
	bool can_send = state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT;
	uint32_t set = can_send ? TCP_SF_CAN_SEND : 0;
	if (state == TCP_ESTABLISHED)
		set |= TCP_SF_CONNECTED;
	tcp_sflags_set(t, set, can_send ? 0 : TCP_SF_CAN_SEND);
}

void tcp_lsn_unlink(struct tcp_tcb *t)
{
	struct tcp_listener *l = t->lsn;
	if (l == NULL)
		return;
	if (t->lsn_prev != NULL)
		t->lsn_prev->lsn_next = t->lsn_next;
	else
		l->syn_head = t->lsn_next;
	if (t->lsn_next != NULL)
		t->lsn_next->lsn_prev = t->lsn_prev;
	t->lsn_next = t->lsn_prev = NULL;
	MOS_ASSERT(l->embryonic > 0);
	l->embryonic--;
	t->lsn = NULL;
}

void tcp_conn_end(struct tcp_stack *s, struct tcp_tcb *t, int err)
{
	if (t->f & TF_IN_FLOW)
		tcp_flow_del(s, t);
	tcp_timers_stop(s, t);
	tcp_lsn_unlink(t);
	t->state = TCP_CLOSED;
	uint32_t set = TCP_SF_CLOSED;
	if (err != 0) {
		atomic_store_explicit(&t->so_error, err, memory_order_relaxed);
		set |= TCP_SF_ERROR;
	}
	tcp_sflags_set(t, set, TCP_SF_CAN_SEND);
	tcp_wake(s, t,
		 TCP_POLL_IN | TCP_POLL_OUT | TCP_POLL_ERR | TCP_POLL_HUP | TCP_POLL_RDHUP);
	tcp_maybe_free(s, t);
}

void tcp_maybe_free(struct tcp_stack *s, struct tcp_tcb *t)
{
	if ((t->f & (TF_APP_REF | TF_IN_FLOW | TF_DEAD)) || t->state != TCP_CLOSED)
		return;
	t->f |= TF_DEAD;
	t->dead_next = s->dead_head;
	s->dead_head = t;
}

/* Frees the dead TCBs that no list and no doorbell holds any more. */
static void tcp_free_dead(struct tcp_stack *s)
{
	struct tcp_tcb *t = s->dead_head, *keep = NULL;
	s->dead_head = NULL;
	while (t != NULL) {
		struct tcp_tcb *next = t->dead_next;
		if ((t->f & (TF_ON_OUT | TF_ON_WORK)) ||
		    atomic_load_explicit(&t->bell_pending, memory_order_acquire) != 0) {
			t->dead_next = keep;
			keep = t;
		} else {
			tcp_free_tcb(s, t);
		}
		t = next;
	}
	s->dead_head = keep;
}

/* ---- Work lists ------------------------------------------------------------------ */

void tcp_work_add(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->f & TF_ON_WORK)
		return;
	t->f |= TF_ON_WORK;
	t->work_next = s->work_head;
	s->work_head = t;
}

void tcp_wake(struct tcp_stack *s, struct tcp_tcb *t, uint32_t bits)
{
	if (t->ep_items != NULL && s->wake != NULL)
		s->wake(s->wake_user, &t->ep_items, bits);
}

void tcp_wake_listener(struct tcp_stack *s, struct tcp_listener *l)
{
	if (l->ep_items != NULL && s->wake != NULL)
		s->wake(s->wake_user, &l->ep_items, TCP_POLL_IN);
}

static void tcp_run_work(struct tcp_stack *s)
{
	while (s->work_head != NULL) {
		struct tcp_tcb *t = s->work_head;
		s->work_head = t->work_next;
		t->f &= ~(uint32_t)TF_ON_WORK;
		if (!(t->f & TF_DEAD))
			tcp_timer_work(s, t);
		else
			t->tev = 0;
	}
}

void tcp_stack_poll(struct tcp_stack *s)
{
	tcp_run_work(s);
	tcp_output_all(s);
	if (s->dead_head != NULL)
		tcp_free_dead(s);
}

/* ---- Helpers ------------------------------------------------------------------- */

uint32_t tcp_isn(const struct tcp_stack *s, const struct flow_key *k, uint32_t *ts_offset)
{
	return isn_rfc6528_ex(&s->cfg.isn, k->saddr, k->sport, k->daddr, k->dport,
			      s->ctx->now_ns / 1000u, ts_offset);
}

void tcp_route(struct tcp_stack *s, struct tcp_tcb *t)
{
	const struct route_entry *r = route_lookup(&s->ctx->inst->routes, t->key.daddr);
	MOS_ASSERT(r != NULL); /* callers checked the route */
	t->out_port = r->port;
	t->next_hop = route_next_hop(r, t->key.daddr);
}

bool tcp_challenge_allowed(struct tcp_stack *s)
{
	uint64_t sec = s->ctx->now_ms / 1000u;
	if (sec != s->chal_sec) {
		s->chal_sec = sec;
		s->chal_tokens = TCP_CHALLENGE_ACKS_PER_S;
	}
	if (s->chal_tokens == 0)
		return false;
	s->chal_tokens--;
	return true;
}

#undef TCP_RING_HDR
