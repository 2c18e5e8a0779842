/* tcp_input.c - a segment arrives (RFC 9293 §3.10.7): lookup, then the CLOSED
 * (§3.10.7.1), LISTEN (§3.10.7.2) and SYN-SENT (§3.10.7.3) cases; the other states go
 * through the eight steps of tcp_in_sync.c. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "base/assert.h"
#include "net/route.h"
#include "tcp/tcp_int.h"

static void tcp_seg_parse(struct tcp_seg *g, const struct io_buf *buf,
			  const struct wire_pkt *pkt)
{
	const struct wire_tcp_repr *r = &pkt->tcp;
	g->seq = seq32(r->seq);
	g->ack = seq32(r->ack);
	g->flags = r->flags;
	g->wnd = r->window;
	g->len = pkt->payload_len;
	g->data = buf->data + pkt->payload_off;
	g->o = &r->opts;
	g->opts = wire_tcp_opts_usable(&r->opts);
	g->src = pkt->ipv4.src;
	g->dst = pkt->ipv4.dst;
	g->sport = r->sport;
	g->dport = r->dport;
	g->in_port = buf->port;
}

/* Window scale we offer: the smallest shift that lets the header describe the whole
 * receive buffer. */
static uint8_t tcp_pick_wscale(const struct tcp_stack *s)
{
	uint8_t ws = 0;
	while (ws < WIRE_TCP_WSCALE_MAX && (s->rcv_cap >> ws) > 0xffffu)
		ws++;
	return ws;
}

void tcp_opts_from_syn(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	uint8_t opts = (uint8_t)(g->opts & ~s->opts_off);
	t->peer_mss = (g->opts & WIRE_TCPOPT_MSS) ? g->o->mss : TCP_PEER_MSS_DEFAULT;
	uint16_t mss = t->peer_mss < t->mss_opt ? t->peer_mss : t->mss_opt;
	t->smss = mss < TCP_MSS_MIN ? TCP_MSS_MIN : mss;
	if (opts & WIRE_TCPOPT_WS) {
		t->f |= TF_WS_OK;
		t->snd_wscale = g->o->wscale;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
	if (opts & WIRE_TCPOPT_SACK_PERM)
		t->f |= TF_SACK_OK;
	if (opts & WIRE_TCPOPT_TS) {
		t->f |= TF_TS_OK;
		t->ts_recent = g->o->ts_val;
		t->ts_recent_ms = s->ctx->now_ms;
	}
}

/* Sequence spaces of a new connection (ours from the RFC 6528 ISN). */
void tcp_init_seqs(struct tcp_stack *s, struct tcp_tcb *t)
{
	/* One SipHash gives both the ISN and the timestamp offset (RFC 7323 §5.4). */
	t->iss = seq32(tcp_isn(s, &t->key, &t->ts_offset));
	t->snd_una = t->snd_nxt = t->snd_max = t->iss;
	t->recover = t->high_rxt = t->iss;
	t->rcv_wscale = tcp_pick_wscale(s);
	t->ts_rtx = tcp_ts_now(s, t);
	t->last_rx_ms = s->ctx->now_ms;
}

void tcp_established(struct tcp_stack *s, struct tcp_tcb *t)
{
	tcp_set_state(s, t, TCP_ESTABLISHED);
	MOS_CTR_INC(&s->ctr, tcp_ctr_established);
	if ((t->f & TF_SYN_RTX) && !(t->f & TF_RTO_SAMPLED))
		t->rto_ms = TCP_RTO_SYN_FALLBACK_MS; /* RFC 6298 §5.7 */
	t->retries = 0;
	tcp_cc_init(t);
	tcp_slow_arm(s, t);
	tcp_wake(s, t, TCP_POLL_OUT);
}

/* ---- SYN-SENT (§3.10.7.3) -------------------------------------------------------- */

static void tcp_syn_sent_established(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	t->snd_una = g->ack;
	if (seq_lt(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	if (!(t->f & TF_SYN_RTX))
		tcp_rtt_on_ack(s, t, g); /* Karn: no sample after a SYN retransmission */
	t->f &= ~(uint32_t)TF_RTT_TIMING;
	tcp_rtx_stop(s, t);
	t->snd_wnd = g->wnd; /* never scaled in a SYN (RFC 7323 §2.2) */
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = g->ack;
	tcp_established(s, t);
	tcp_out_want(s, t, TOF_ACK);
	/* Text or FIN riding on the SYN,ACK: continue at the sixth step. */
	g->seq = seq_add(g->seq, 1);
	g->flags &= (uint16_t)~WIRE_TCP_SYN;
	if (g->len > 0 || tcp_has(g, WIRE_TCP_FIN)) {
		uint32_t wnd = tcp_rcv_window(t);
		if (g->len > wnd) {
			g->len = wnd;
			g->flags &= (uint16_t)~WIRE_TCP_FIN;
		}
		tcp_rcv_text(s, t, g);
		if (tcp_has(g, WIRE_TCP_FIN)) {
			t->f |= TF_FIN_RCVD;
			t->rcv_fin = seq_add(g->seq, g->len);
			tcp_rcv_fin_check(s, t);
		}
	}
}

static int tcp_in_syn_sent(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	bool ack_ok = false;
	if (tcp_has(g, WIRE_TCP_ACK)) { /* first: check the ACK */
		if (seq_leq(g->ack, t->iss) || seq_gt(g->ack, t->snd_max)) {
			tcp_send_rst_for(s, g);
			return DROP_tcp_bad_ack;
		}
		ack_ok = true;
	}
	if (tcp_has(g, WIRE_TCP_RST)) { /* second: RST acceptable if it acks our SYN */
		if (!ack_ok)
			return DROP_tcp_rst_invalid;
		MOS_CTR_INC(&s->ctr, tcp_ctr_resets_received);
		tcp_conn_end(s, t, ECONNREFUSED);
		return DROP_NONE;
	}
	if (!tcp_has(g, WIRE_TCP_SYN)) /* neither SYN nor RST */
		return DROP_tcp_state_rejects;
	t->irs = g->seq;
	t->rcv_nxt = t->rcv_adv = t->last_ack_sent = seq_add(g->seq, 1);
	tcp_opts_from_syn(s, t, g);
	t->last_rx_ms = s->ctx->now_ms;
	if (ack_ok) {
		tcp_syn_sent_established(s, t, g);
		return DROP_NONE;
	}
	/* Simultaneous open: SYN-RECEIVED, answer <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; text
	 * waits for ESTABLISHED (it is not acknowledged, so the peer sends it again). */
	t->snd_wnd = g->wnd;
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = t->iss;
	tcp_set_state(s, t, TCP_SYN_RCVD);
	tcp_out_want(s, t, TOF_SYN);
	return DROP_NONE;
}

/* ---- LISTEN (§3.10.7.2) ---------------------------------------------------------- */

static struct tcp_listener *tcp_find_listener(struct tcp_stack *s, uint32_t ip, uint16_t port)
{
	struct flow_key k = {ip, 0, port, 0};
	struct tcp_listener *l = flow_table_lookup(&s->lsns, &k);
	if (l == NULL) {
		k.saddr = 0;
		l = flow_table_lookup(&s->lsns, &k);
	}
	return l;
}

static void tcp_lsn_link(struct tcp_listener *l, struct tcp_tcb *t)
{
	t->lsn = l;
	t->lsn_prev = NULL;
	t->lsn_next = l->syn_head;
	if (l->syn_head != NULL)
		l->syn_head->lsn_prev = t;
	l->syn_head = t;
	l->embryonic++;
}

static void tcp_inherit(struct tcp_tcb *t, const struct tcp_listener *l)
{
	t->f |= l->f_inherit;
	atomic_store_explicit(&t->snd_limit, l->snd_limit, memory_order_relaxed);
	atomic_store_explicit(&t->rcv_limit, l->rcv_limit, memory_order_relaxed);
	t->ka_idle_ms = l->ka_idle_ms;
	t->ka_intvl_ms = l->ka_intvl_ms;
	t->ka_cnt = l->ka_cnt;
	t->mss_opt = l->mss_opt;
}

/* A SYN for a listener: a new connection in SYN-RECEIVED answering SYN,ACK. */
static int tcp_passive_open(struct tcp_stack *s, struct tcp_listener *l, struct tcp_seg *g)
{
	if (l->embryonic + spsc_used(&l->acceptq) >= l->backlog)
		return DROP_tcp_listen_overflow; /* the client retries its SYN */
	const struct route_entry *r = route_lookup(&s->ctx->inst->routes, g->src);
	if (r == NULL)
		return DROP_ipv4_no_route;
	struct tcp_tcb *t = tcp_tcb_new(s);
	if (t == NULL)
		return DROP_tcp_no_memory;
	t->stk = s;
	t->key = (struct flow_key){g->dst, g->src, g->dport, g->sport};
	if (tcp_tcb_buffers(s, t) != 0 || tcp_flow_add(s, t) != 0) {
		t->state = TCP_CLOSED;
		tcp_maybe_free(s, t);
		return DROP_tcp_no_memory;
	}
	t->out_port = r->port; /* tcp_route() with the route found above */
	t->next_hop = route_next_hop(r, g->src);
	tcp_inherit(t, l);
	tcp_init_seqs(s, t);
	t->irs = g->seq;
	t->rcv_nxt = t->rcv_adv = t->last_ack_sent = seq_add(g->seq, 1);
	tcp_opts_from_syn(s, t, g);
	t->snd_wnd = g->wnd;
	t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = t->iss;
	tcp_set_state(s, t, TCP_SYN_RCVD);
	tcp_sflags_set(t, TCP_SF_OPENED, 0);
	tcp_lsn_link(l, t);
	tcp_out_want(s, t, TOF_SYN);
	return DROP_NONE;
}

static int tcp_in_listen(struct tcp_stack *s, struct tcp_listener *l, struct tcp_seg *g)
{
	if (tcp_has(g, WIRE_TCP_RST)) /* first: an incoming RST is ignored */
		return DROP_tcp_state_rejects;
	if (tcp_has(g, WIRE_TCP_ACK)) { /* second: <SEQ=SEG.ACK><CTL=RST> */
		tcp_send_rst_for(s, g);
		return DROP_tcp_state_rejects;
	}
	if (!tcp_has(g, WIRE_TCP_SYN)) /* fifth: anything else is dropped */
		return DROP_tcp_state_rejects;
	return tcp_passive_open(s, l, g);
}

/* ---- TIME-WAIT reuse (RFC 1122 §4.2.2.13, RFC 6191) ------------------------------ */

/* A new SYN for a tuple in TIME-WAIT ends the old incarnation when it is clearly newer:
 * a later timestamp, or (without timestamps) a sequence number beyond RCV.NXT. */
static bool tcp_tw_reopen(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!tcp_has(g, WIRE_TCP_SYN) || tcp_has(g, WIRE_TCP_ACK))
		return false;
	bool ts = (t->f & TF_TS_OK) && (g->opts & WIRE_TCPOPT_TS);
	bool newer = ts ? ts_after(g->o->ts_val, t->ts_recent) : seq_gt(g->seq, t->rcv_nxt);
	if (!newer || tcp_find_listener(s, g->dst, g->dport) == NULL)
		return false;
	tcp_conn_end(s, t, 0);
	return true;
}

/* ---- Entry ----------------------------------------------------------------------- */

static int tcp_in_no_conn(struct tcp_stack *s, struct tcp_seg *g)
{
	struct tcp_listener *l = tcp_find_listener(s, g->dst, g->dport);
	if (l != NULL) {
		MOS_CTR_INC(&s->ctr, tcp_ctr_segs_in);
		return tcp_in_listen(s, l, g);
	}
	/* CLOSED (§3.10.7.1): anything but a RST gets a RST. */
	tcp_send_rst_for(s, g);
	return DROP_tcp_no_socket;
}

/* Asks for the cache lines a segment of t will touch, all at once, so that with
 * thousands of connections (none of them in cache) the misses overlap instead of
 * coming one after the other as the steps reach them: the TCB, the heads of its two
 * rings and its epoll registrations. Always inlined: GCC takes a function that only
 * prefetches for one without effects and drops the call. */
static inline __attribute__((always_inline)) void tcp_prefetch(const struct tcp_tcb *t)
{
	const char *p = (const char *)t;
	const size_t hot = offsetof(struct tcp_tcb, ooo) + offsetof(struct rbuf, capacity) +
			   sizeof t->ooo.capacity; /* the rest only with SACK or reordering */
#pragma GCC unroll 16
	for (size_t off = 0; off < hot; off += 64)
		__builtin_prefetch(p + off);
	const struct spsc_bytes *rings[2] = {t->snd, t->rcv};
	for (int i = 0; i < 2; i++) {
		if (rings[i] == NULL)
			continue;
		__builtin_prefetch(&rings[i]->buf);
		__builtin_prefetch(&rings[i]->wr);
		__builtin_prefetch(&rings[i]->rd);
	}
	if (t->ep_items != NULL)
		__builtin_prefetch(t->ep_items);
}

enum drop_reason tcp_input(struct tcp_stack *s, struct io_buf *buf, const struct wire_pkt *pkt)
{
	struct tcp_seg g;
	tcp_seg_parse(&g, buf, pkt);
	struct flow_key k = {g.dst, g.src, g.dport, g.sport};
	struct tcp_tcb *t = flow_table_lookup(&s->flows, &k);
	if (t != NULL)
		tcp_prefetch(t);
	if (t != NULL && t->state == TCP_TIME_WAIT && tcp_tw_reopen(s, t, &g))
		t = NULL;
	int v;
	if (t == NULL) {
		v = tcp_in_no_conn(s, &g);
	} else {
		MOS_CTR_INC(&s->ctr, tcp_ctr_segs_in);
		if (t->state == TCP_SYN_SENT)
			v = tcp_in_syn_sent(s, t, &g);
		else
			v = tcp_in_synchronized(s, t, &g);
	}
	MOS_ASSERT(v >= DROP_NONE && v < DROP_COUNT);
	if (v == DROP_NONE)
		io_free(s->ctx->io, s->ctx->core, buf);
	return (enum drop_reason)v;
}
