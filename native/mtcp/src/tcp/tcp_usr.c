/* tcp_usr.c - the user calls of RFC 9293 §3.10 (OPEN, CLOSE, ABORT, and bind/listen)
 * as the socket layer issues them on the context thread, plus the doorbell, socket
 * options and readiness. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "mtcp_util.h"
#include "net/route.h"
#include "tcp/tcp_int.h"

struct tcp_tcb *tcp_usr_create(struct tcp_stack *s)
{
	struct tcp_tcb *t = tcp_tcb_new(s);
	if (t == NULL)
		return NULL;
	t->stk = s;
	t->f |= TF_APP_REF;
	return t;
}

/* ---- Addresses and ports --------------------------------------------------------- */

static bool tcp_bind_conflict(const struct tcp_stack *s, uint32_t ip, uint16_t port)
{
	if (s->port_binds[port] == 0)
		return false;
	if (ip == 0)
		return true; /* the wildcard overlaps every address */
	struct flow_key k = {ip, 0, port, 0}, any = {0, 0, port, 0};
	return flow_table_lookup(&s->binds, &k) != NULL ||
	       flow_table_lookup(&s->binds, &any) != NULL;
}

static int tcp_bind_add(struct tcp_stack *s, void *owner, uint32_t ip, uint16_t port)
{
	struct flow_key k = {ip, 0, port, 0};
	if (flow_table_insert(&s->binds, &k, owner) != 0)
		return -ENOMEM;
	s->port_binds[port]++;
	return 0;
}

/* Whether replies to (local, remote) reach this context under symmetric RSS. */
static bool tcp_rss_ok(const struct tcp_stack *s, uint32_t lip, uint16_t lport, uint32_t rip,
		       uint16_t rport)
{
	uint16_t n = s->ctx->inst->ctx_count;
	if (n <= 1)
		return true;
	int q = GetRSSCPUCore(htonl(rip), htonl(lip), htons(rport), htons(lport), n);
	return q == s->ctx->core;
}

/* An ephemeral port for (lip, rip:rport) in the spirit of RFC 6056 algorithm 3: a keyed
 * hash of the destination plus a counter, walking the range until the tuple is free,
 * unbound and (with several cores) hashed back to this core. 0 when none. */
static uint16_t tcp_pick_port(struct tcp_stack *s, uint32_t lip, uint32_t rip, uint16_t rport,
			      bool for_connect)
{
	const uint32_t range = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	uint32_t in[3] = {lip, rip, rport};
	uint32_t start = (uint32_t)siphash24(&s->cfg.hash_key, in, sizeof in) + s->port_counter;
	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = (uint16_t)(TCP_EPHEMERAL_LO + (start + i) % range);
		if (s->port_binds[p] != 0)
			continue;
		if (for_connect) {
			struct flow_key k = {lip, rip, p, rport};
			if (!tcp_rss_ok(s, lip, p, rip, rport) ||
			    flow_table_lookup(&s->flows, &k))
				continue;
		}
		s->port_counter += i + 1;
		return p;
	}
	return 0;
}

int tcp_usr_bind(struct tcp_stack *s, struct tcp_tcb *t, uint32_t ip, uint16_t port)
{
	if (t->bound_port != 0 || t->state != TCP_CLOSED ||
	    (atomic_load_explicit(&t->sflags, memory_order_relaxed) & TCP_SF_OPENED))
		return -EINVAL;
	if (ip != 0 && eng_port_by_ip(s->ctx->inst, ip) < 0)
		return -EADDRNOTAVAIL;
	if (port == 0 && (port = tcp_pick_port(s, ip, 0, 0, false)) == 0)
		return -EADDRINUSE;
	if (tcp_bind_conflict(s, ip, port))
		return -EADDRINUSE;
	int rc = tcp_bind_add(s, t, ip, port);
	if (rc != 0)
		return rc;
	t->bound_ip = ip;
	t->bound_port = port;
	return 0;
}

/* ---- Listen ------------------------------------------------------------------- */

static int tcp_listener_init(struct tcp_listener *l, const struct tcp_tcb *t, uint32_t backlog)
{
	uint32_t cap = 1;
	while (cap < backlog)
		cap <<= 1;
	size_t bytes = spsc_ring_storage_bytes(cap, sizeof(void *));
	memset(l, 0, sizeof *l);
	l->acceptq_mem = malloc(bytes);
	if (l->acceptq_mem == NULL)
		return -ENOMEM;
	MOS_ASSERT(spsc_ring_init(&l->acceptq, l->acceptq_mem, cap, sizeof(void *)));
	l->ip = t->bound_ip;
	l->port = t->bound_port;
	l->backlog = backlog;
	l->f_inherit = t->f & (TF_NODELAY | TF_KEEPALIVE);
	l->snd_limit = atomic_load_explicit(&t->snd_limit, memory_order_relaxed);
	l->rcv_limit = atomic_load_explicit(&t->rcv_limit, memory_order_relaxed);
	l->ka_idle_ms = t->ka_idle_ms;
	l->ka_intvl_ms = t->ka_intvl_ms;
	l->ka_cnt = t->ka_cnt;
	l->mss_opt = t->mss_opt;
	atomic_init(&l->nonblock, atomic_load_explicit(&t->nonblock, memory_order_relaxed));
	l->sock_id = t->sock_id;
	return 0;
}

int tcp_usr_listen(struct tcp_stack *s, struct tcp_tcb *t, uint32_t backlog,
		   struct tcp_listener **out)
{
	if (t->state != TCP_CLOSED ||
	    (atomic_load_explicit(&t->sflags, memory_order_relaxed) & TCP_SF_OPENED))
		return -EINVAL;
	if (t->bound_port == 0) {
		int rc = tcp_usr_bind(s, t, 0, 0); /* listen() binds an ephemeral port */
		if (rc != 0)
			return rc;
	}
	struct flow_key k = {t->bound_ip, 0, t->bound_port, 0};
	if (flow_table_lookup(&s->lsns, &k) != NULL)
		return -EADDRINUSE;
	struct tcp_listener *l = pool_get(&s->listeners);
	if (l == NULL)
		return -ENOMEM;
	if (tcp_listener_init(l, t, backlog) != 0 || flow_table_insert(&s->lsns, &k, l) != 0) {
		free(l->acceptq_mem);
		pool_put(&s->listeners, l);
		return -ENOMEM;
	}
	/* The binding moves from the stream to the listener; the stream is freed. */
	flow_table_remove(&s->binds, &k);
	MOS_ASSERT(flow_table_insert(&s->binds, &k, l) == 0);
	t->bound_port = 0;
	t->f &= ~(uint32_t)TF_APP_REF;
	tcp_maybe_free(s, t);
	*out = l;
	return 0;
}

void tcp_usr_listener_close(struct tcp_stack *s, struct tcp_listener *l)
{
	/* Connections nobody accepted are reset (the application is gone). The accept
	 * queue is read here by the context thread: the caller's request hands the
	 * consumer side over (the application waits for it). */
	struct tcp_tcb *t;
	while ((t = spsc_dequeue_ptr(&l->acceptq)) != NULL) {
		t->f &= ~(uint32_t)TF_APP_REF;
		if (t->state != TCP_CLOSED)
			tcp_out_want(s, t, TOF_RST);
		tcp_conn_end(s, t, 0);
	}
	while ((t = l->syn_head) != NULL) {
		tcp_out_want(s, t, TOF_RST);
		tcp_conn_end(s, t, 0); /* unlinks it */
	}
	struct flow_key k = {l->ip, 0, l->port, 0};
	MOS_ASSERT(flow_table_remove(&s->lsns, &k) == l);
	MOS_ASSERT(flow_table_remove(&s->binds, &k) == l);
	MOS_ASSERT(s->port_binds[l->port] > 0);
	s->port_binds[l->port]--;
	free(l->acceptq_mem);
	pool_put(&s->listeners, l);
}

/* ---- Connect ------------------------------------------------------------------- */

static int tcp_connect_tuple(struct tcp_stack *s, struct tcp_tcb *t, uint32_t src_ip,
			     const struct route_entry *r, uint32_t ip, uint16_t port)
{
	const struct eng_port *p = &s->ctx->inst->ports[r->port];
	uint32_t lip = t->bound_ip != 0 ? t->bound_ip : src_ip != 0 ? src_ip : p->ip;
	if (lip == 0 || (t->bound_ip == 0 && src_ip == 0 && !p->has_ip))
		return -EINVAL;
	uint16_t lport = t->bound_port;
	if (lport != 0) {
		struct flow_key k = {lip, ip, lport, port};
		if (flow_table_lookup(&s->flows, &k) != NULL)
			return -EADDRINUSE;
		if (!tcp_rss_ok(s, lip, lport, ip, port))
			return -EINVAL;
	} else if ((lport = tcp_pick_port(s, lip, ip, port, true)) == 0) {
		return -EAGAIN;
	}
	t->key = (struct flow_key){lip, ip, lport, port};
	return 0;
}

int tcp_usr_connect(struct tcp_stack *s, struct tcp_tcb *t, uint32_t src_ip, uint32_t ip,
		    uint16_t port)
{
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_relaxed);
	if (sf & TCP_SF_OPENED)
		return t->state == TCP_SYN_SENT || t->state == TCP_SYN_RCVD ? -EALREADY
									    : -EISCONN;
	if (ip == 0 || port == 0)
		return -EINVAL;
	const struct route_entry *r = route_lookup(&s->ctx->inst->routes, ip);
	if (r == NULL)
		return -EINVAL;
	int rc = tcp_connect_tuple(s, t, src_ip, r, ip, port);
	if (rc != 0)
		return rc;
	if (tcp_tcb_buffers(s, t) != 0 || tcp_flow_add(s, t) != 0)
		return -ENOMEM; /* buffers stay with the TCB until it is freed */
	tcp_route(s, t);
	tcp_init_seqs(s, t);
	t->f |= TF_ACTIVE;
	tcp_set_state(s, t, TCP_SYN_SENT);
	tcp_sflags_set(t, TCP_SF_OPENED, 0);
	MOS_CTR_INC(&s->ctr, tcp_ctr_active_opens);
	tcp_out_want(s, t, TOF_SYN);
	return 0;
}

/* ---- Close and abort ------------------------------------------------------------ */

static bool tcp_unread(const struct tcp_tcb *t)
{
	return (t->rcv != NULL && spsc_bytes_used(t->rcv) > 0) ||
	       (t->ooo.capacity != 0 && rbuf_frag_count(&t->ooo) > 0);
}

void tcp_usr_close(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->f &= ~(uint32_t)TF_APP_REF;
	switch (t->state) {
	case TCP_SYN_SENT:
		tcp_conn_end(s, t, 0); /* RFC 9293: delete the TCB */
		return;
	case TCP_SYN_RCVD: /* a simultaneous open not yet complete: abort it */
		tcp_out_want(s, t, TOF_RST);
		tcp_conn_end(s, t, 0);
		return;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (tcp_unread(t)) { /* RFC 2525 §2.17: data would be lost unseen */
			tcp_out_want(s, t, TOF_RST);
			tcp_conn_end(s, t, 0);
			return;
		}
		t->f |= TF_FIN_PENDING;
		tcp_sflags_set(t, TCP_SF_WR_SHUT, 0);
		tcp_set_state(s, t, t->state == TCP_CLOSE_WAIT ? TCP_LAST_ACK : TCP_FIN_WAIT_1);
		tcp_out_want(s, t, TOF_DATA);
		return;
	case TCP_FIN_WAIT_2:
		t->f |= TF_ORPHAN_WAIT;
		t->end_ms = s->ctx->now_ms + TCP_FIN_WAIT_2_MS;
		tcp_slow_arm(s, t);
		return;
	default:
		tcp_maybe_free(s, t);
		return;
	}
}

void tcp_usr_abort(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->f &= ~(uint32_t)TF_APP_REF;
	switch (t->state) {
	case TCP_CLOSED:
		tcp_maybe_free(s, t);
		return;
	case TCP_SYN_SENT:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
	case TCP_TIME_WAIT:
		tcp_conn_end(s, t, 0); /* nothing the peer needs to hear */
		return;
	default:
		tcp_out_want(s, t, TOF_RST);
		tcp_conn_end(s, t, 0);
		return;
	}
}

/* ---- Doorbell, options, readiness ----------------------------------------------- */

void tcp_usr_poke(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->state == TCP_CLOSED || t->snd == NULL)
		return;
	uint32_t queued = tcp_snd_queued(t), off = seq_dist(t->snd_una, t->snd_nxt);
	if (queued > off)
		tcp_out_want(s, t, TOF_DATA);
	/* Window update (RFC 1122 §4.2.3.3): when the offer grows by min(buffer/2, MSS). */
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RCVD)
		return;
	uint32_t cur = seq_gt(t->rcv_adv, t->rcv_nxt) ? seq_dist(t->rcv_nxt, t->rcv_adv) : 0;
	uint32_t win = tcp_rcv_window(t);
	uint32_t lim = atomic_load_explicit(&t->rcv_limit, memory_order_relaxed);
	uint32_t step = lim / 2 < t->smss ? lim / 2 : t->smss;
	if (win > cur && win - cur >= step &&
	    !(atomic_load_explicit(&t->sflags, memory_order_relaxed) & TCP_SF_RD_EOF))
		tcp_out_want(s, t, TOF_ACK);
}

void tcp_usr_set_nodelay(struct tcp_stack *s, struct tcp_tcb *t, bool on)
{
	if (on) {
		t->f |= TF_NODELAY;
		tcp_out_want(s, t, TOF_DATA); /* what Nagle held goes now */
	} else {
		t->f &= ~(uint32_t)TF_NODELAY;
	}
}

void tcp_usr_set_keepalive(struct tcp_stack *s, struct tcp_tcb *t, bool on)
{
	if (on)
		t->f |= TF_KEEPALIVE;
	else
		t->f &= ~(uint32_t)(TF_KEEPALIVE | TF_KA_PROBING);
	if (t->state != TCP_CLOSED && t->state != TCP_LISTEN)
		tcp_slow_arm(s, t);
}

void tcp_usr_set_keepparams(struct tcp_tcb *t, uint32_t idle_ms, uint32_t intvl_ms, uint8_t cnt)
{
	t->ka_idle_ms = idle_ms;
	t->ka_intvl_ms = intvl_ms;
	t->ka_cnt = cnt;
	if (t->state != TCP_CLOSED && t->state != TCP_LISTEN)
		tcp_slow_arm(t->stk, t);
}

uint32_t tcp_usr_mss(const struct tcp_tcb *t)
{
	uint32_t sf =
		atomic_load_explicit(&((struct tcp_tcb *)t)->sflags, memory_order_relaxed);
	return (sf & TCP_SF_CONNECTED) ? tcp_seg_payload_max(t) : t->mss_opt;
}

static bool tcp_send_room(struct tcp_tcb *t)
{
	uint32_t used = spsc_bytes_used(t->snd);
	uint32_t lim = atomic_load_explicit(&t->snd_limit, memory_order_relaxed);
	uint32_t cap = spsc_bytes_capacity(t->snd);
	if (lim > cap)
		lim = cap;
	uint32_t room = lim > used ? lim - used : 0;
	return room > 0 &&
	       room >= used / 2; /* as Linux: free at least half of what is queued */
}

uint32_t tcp_poll_mask(struct tcp_tcb *t)
{
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (!(sf & TCP_SF_OPENED))
		return TCP_POLL_OUT | TCP_POLL_HUP; /* never connected (as Linux) */
	uint32_t m = 0;
	if (atomic_load_explicit(&t->so_error, memory_order_relaxed) != 0)
		m |= TCP_POLL_ERR;
	if (sf & TCP_SF_CLOSED)
		return m | TCP_POLL_IN | TCP_POLL_OUT | TCP_POLL_HUP | TCP_POLL_RDHUP;
	if ((t->rcv != NULL && spsc_bytes_used(t->rcv) > 0) || (sf & TCP_SF_RD_EOF))
		m |= TCP_POLL_IN;
	if (sf & TCP_SF_RD_EOF)
		m |= TCP_POLL_RDHUP;
	if (sf & TCP_SF_CAN_SEND) {
		if (tcp_send_room(t))
			m |= TCP_POLL_OUT;
		else
			atomic_store_explicit(&t->want_wspace, true, memory_order_relaxed);
	}
	return m;
}

uint32_t tcp_listener_poll_mask(struct tcp_listener *l)
{
	return spsc_used(&l->acceptq) > 0 ? TCP_POLL_IN : 0;
}
