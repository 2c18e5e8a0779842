/* tcp_output.c - every segment the end host sends is built here, in one place:
 * control segments first (SYN, SYN-ACK, RST, window probes), then pure ACKs, then data
 * (RFC 9293 §3.8.6 sending policy: sender SWS avoidance and Nagle, RFC 5681 / RFC 6675
 * congestion and recovery windows). */
#include <stddef.h>
#include <string.h>

#include "base/assert.h"
#include "tcp/tcp_int.h"
#include "wire/checksum.h"

#define TCP_L2 WIRE_ETH_HLEN
#define TCP_L4 (WIRE_ETH_HLEN + WIRE_IPV4_HLEN)

/* Where a segment goes and what it carries. */
struct tcp_xmit {
	uint16_t port;
	uint32_t next_hop;
	uint32_t src, dst;
	struct wire_tcp_repr r;
	const struct spsc_bytes *from; /* payload source (NULL: none) */
	struct spsc_bytes *ring;
	uint32_t ring_off;
	uint32_t len;
};

/* Builds Ethernet (type only; net_l2_output fills the MACs), IPv4 and TCP headers and
 * the payload in a fresh buffer and sends it. False when no buffer is available. */
static bool tcp_xmit(struct tcp_stack *s, struct tcp_xmit *x)
{
	struct io_buf buf;
	if (!eng_alloc(s->ctx, x->port, &buf))
		return false;
	uint8_t *p = buf.data;
	MOS_ASSERT(buf.cap >= TCP_L4 + WIRE_TCP_HLEN_MAX + x->len);
	wire_put_be16(p + 12, WIRE_ETHERTYPE_IPV4);
	size_t hl = wire_tcp_emit(&x->r, p + TCP_L4, (size_t)buf.cap - TCP_L4);
	MOS_ASSERT(hl >= WIRE_TCP_HLEN);
	if (x->len > 0)
		MOS_ASSERT(spsc_bytes_peek(x->ring, x->ring_off, p + TCP_L4 + hl, x->len) ==
			   x->len);
	uint32_t caps = s->ctx->inst->ports[x->port].caps;
	struct wire_ipv4_repr ip = {.src = x->src,
				    .dst = x->dst,
				    .total_len = (uint16_t)(WIRE_IPV4_HLEN + hl + x->len),
				    .id = s->ip_id++,
				    .df = true,
				    .ttl = WIRE_IPV4_DEFAULT_TTL,
				    .proto = WIRE_IP_PROTO_TCP};
	uint32_t ipf = (caps & IO_CAP_TX_IP_CSUM) ? WIRE_TX_IP_CSUM_OFFLOAD : 0;
	wire_ipv4_emit(&ip, ipf, p + TCP_L2, WIRE_IPV4_HLEN);
	uint32_t l4f = (caps & IO_CAP_TX_TCP_CSUM) ? WIRE_TX_L4_CSUM_OFFLOAD : 0;
	wire_tcp_fill_checksum(p + TCP_L4, (uint16_t)(hl + x->len), &ip, l4f);
	buf.len = (uint16_t)(TCP_L4 + hl + x->len);
	buf.flags = (uint16_t)((ipf ? IO_TX_IP_CSUM : 0) | (l4f ? IO_TX_TCP_CSUM : 0));
	buf.l2_len = TCP_L2;
	buf.l3_len = WIRE_IPV4_HLEN;
	MOS_CTR_INC(&s->ctr, tcp_ctr_segs_out);
	net_l2_output(s->ctx, &buf, x->port, x->next_hop);
	return true;
}

/* Options of a segment of t: SYN options, timestamps, SACK blocks. */
static void tcp_fill_opts(struct tcp_stack *s, struct tcp_tcb *t, uint16_t flags,
			  struct wire_tcp_opts *o)
{
	/* The SACK blocks are written below when present; nothing reads them otherwise. */
	memset(o, 0, offsetof(struct wire_tcp_opts, sack));
	bool syn = (flags & WIRE_TCP_SYN) != 0;
	bool offer = t->state == TCP_SYN_SENT; /* our SYN offers all; a SYN-ACK answers */
	if (syn) {
		o->present |= WIRE_TCPOPT_MSS;
		o->mss = t->mss_opt;
		if ((offer && !(s->opts_off & WIRE_TCPOPT_WS)) || (t->f & TF_WS_OK)) {
			o->present |= WIRE_TCPOPT_WS;
			o->wscale = t->rcv_wscale;
		}
		if ((offer && !(s->opts_off & WIRE_TCPOPT_SACK_PERM)) || (t->f & TF_SACK_OK))
			o->present |= WIRE_TCPOPT_SACK_PERM;
	}
	if ((syn && offer && !(s->opts_off & WIRE_TCPOPT_TS)) || (t->f & TF_TS_OK)) {
		o->present |= WIRE_TCPOPT_TS;
		o->ts_val = tcp_ts_now(s, t);
		o->ts_ecr = (flags & WIRE_TCP_ACK) ? t->ts_recent : 0;
	}
	if (!syn && (t->f & TF_SACK_OK) && t->rsack_n > 0 && (flags & WIRE_TCP_ACK)) {
		uint8_t max = (t->f & TF_TS_OK) ? 3 : 4;
		o->sack_count = tcp_rcv_sack_blocks(t, o->sack, max);
		if (o->sack_count > 0)
			o->present |= WIRE_TCPOPT_SACK;
	}
}

/* Sends one segment of connection t. */
static bool tcp_emit(struct tcp_stack *s, struct tcp_tcb *t, seq32_t seq, uint16_t flags,
		     uint32_t len)
{
	/* Field by field rather than a zeroing initialiser: the options (with their SACK
	 * blocks) are most of the struct, and tcp_fill_opts() sets what is read of them. */
	struct tcp_xmit x;
	x.port = t->out_port;
	x.next_hop = t->next_hop;
	x.src = t->key.saddr;
	x.dst = t->key.daddr;
	x.from = NULL;
	x.ring = t->snd;
	x.ring_off = len ? seq_dist(t->snd_una, seq) : 0;
	x.len = len;
	x.r.sport = t->key.sport;
	x.r.dport = t->key.dport;
	x.r.seq = seq_raw(seq);
	x.r.ack = (flags & WIRE_TCP_ACK) ? seq_raw(t->rcv_nxt) : 0;
	x.r.flags = flags;
	x.r.window = 0;
	x.r.checksum = 0;
	x.r.urgent = 0;
	x.r.header_len = 0;
	x.r.payload_len = 0;
	tcp_fill_opts(s, t, flags, &x.r.opts);
	if (flags & WIRE_TCP_SYN) {
		uint32_t w = tcp_rcv_window(t);
		x.r.window =
			(uint16_t)(w > 0xffffu ? 0xffffu : w); /* never scaled (RFC 7323) */
		if (seq_lt(t->rcv_adv, seq_add(t->rcv_nxt, x.r.window)))
			t->rcv_adv = seq_add(t->rcv_nxt, x.r.window);
	} else if (!(flags & WIRE_TCP_RST) || (flags & WIRE_TCP_ACK)) {
		x.r.window = tcp_rcv_wnd_field(t);
	}
	if (!tcp_xmit(s, &x))
		return false;
	if (flags & WIRE_TCP_ACK) {
		t->last_ack_sent = t->rcv_nxt;
		t->unacked_bytes = 0;
		t->out &= ~(uint32_t)TOF_ACK;
		tw_cancel(&s->ctx->wheel, &t->delack_timer);
	}
	return true;
}

void tcp_send_rst_for(struct tcp_stack *s, const struct tcp_seg *g)
{
	const struct route_entry *r = route_lookup(&s->ctx->inst->routes, g->src);
	if (r == NULL || tcp_has(g, WIRE_TCP_RST))
		return;
	struct tcp_xmit x = {.port = r->port,
			     .next_hop = route_next_hop(r, g->src),
			     .src = g->dst,
			     .dst = g->src};
	x.r.sport = g->dport;
	x.r.dport = g->sport;
	if (tcp_has(g, WIRE_TCP_ACK)) {
		x.r.seq = seq_raw(g->ack); /* <SEQ=SEG.ACK><CTL=RST> */
		x.r.flags = WIRE_TCP_RST;
	} else { /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
		x.r.ack = seq_raw(seq_add(g->seq, tcp_seg_seqlen(g)));
		x.r.flags = WIRE_TCP_RST | WIRE_TCP_ACK;
	}
	if (tcp_xmit(s, &x))
		MOS_CTR_INC(&s->ctr, tcp_ctr_resets_sent);
}

/* ---- Control ------------------------------------------------------------------- */

static void tcp_out_syn(struct tcp_stack *s, struct tcp_tcb *t)
{
	uint16_t fl = WIRE_TCP_SYN;
	if (t->state == TCP_SYN_RCVD)
		fl |= WIRE_TCP_ACK;
	else if (t->state != TCP_SYN_SENT)
		return;
	if (!tcp_emit(s, t, t->iss, fl, 0))
		return;
	t->out &= ~(uint32_t)TOF_SYN;
	if (seq_lt(t->snd_max, seq_add(t->iss, 1)))
		t->snd_max = seq_add(t->iss, 1);
	t->snd_nxt = seq_add(t->iss, 1);
	if (!(t->f & (TF_SYN_RTX | TF_RTT_TIMING))) {
		t->f |= TF_RTT_TIMING;
		t->rtt_seq = t->iss;
		t->rtt_start_ms = s->ctx->now_ms;
	}
	if (!tw_timer_armed(&t->rtx_timer))
		tcp_rtx_arm(s, t);
}

static void tcp_out_rst(struct tcp_stack *s, struct tcp_tcb *t)
{
	/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>: only connections that saw the peer's
	 * SYN are reset (a SYN_SENT one is dropped silently). */
	if (tcp_emit(s, t, t->snd_nxt, WIRE_TCP_RST | WIRE_TCP_ACK, 0)) {
		t->out = 0;
		MOS_CTR_INC(&s->ctr, tcp_ctr_resets_sent);
	}
}

/* Zero-window probe: one byte of new data beyond the window (RFC 9293 §3.8.6.1). */
static void tcp_out_probe(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->out &= ~(uint32_t)TOF_PROBE;
	uint32_t off = seq_dist(t->snd_una, t->snd_nxt);
	if (tcp_snd_queued(t) <= off)
		return;
	if (tcp_emit(s, t, t->snd_nxt, WIRE_TCP_ACK, 1) &&
	    seq_lt(t->snd_max, seq_add(t->snd_nxt, 1)))
		t->snd_max = seq_add(t->snd_nxt, 1);
}

static void tcp_out_control(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->out & TOF_RST) {
		tcp_out_rst(s, t);
		return;
	}
	if (t->state == TCP_CLOSED) {
		t->out = 0;
		return;
	}
	if (t->out & TOF_SYN)
		tcp_out_syn(s, t);
	if (t->out & TOF_PROBE)
		tcp_out_probe(s, t);
}

/* ---- Data --------------------------------------------------------------------- */

static bool tcp_data_state(uint8_t st)
{
	return st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT || st == TCP_FIN_WAIT_1 ||
	       st == TCP_CLOSING || st == TCP_LAST_ACK;
}

struct tcp_plan {
	seq32_t seq;
	uint32_t len;
	bool fin;
	bool sack_rtx; /* from the scoreboard: advances high_rxt, not snd_nxt */
};

static uint32_t tcp_min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Congestion room: cwnd minus pipe in SACK recovery, minus the flight otherwise. */
static uint32_t tcp_cc_room(const struct tcp_tcb *t)
{
	uint32_t used = tcp_flight(t), cwnd = t->cwnd;
	/* Limited transmit (RFC 3042): the first two duplicate ACKs each let one more
	 * segment of new data out, so that a small window still gets three of them. */
	if (!(t->f & TF_IN_RECOVERY) && t->dupacks > 0)
		cwnd += (t->dupacks < 2 ? t->dupacks : 2u) * tcp_seg_payload_max(t);
	return cwnd > used ? cwnd - used : 0;
}

/* The segment at snd_nxt: a retransmission after an RTO (below snd_max) or new data,
 * within the peer's window and the congestion window, with SWS avoidance and Nagle. */
static bool tcp_plan_next(const struct tcp_tcb *t, struct tcp_plan *p)
{
	uint32_t queued = tcp_snd_queued(t);
	uint32_t off = seq_dist(t->snd_una, t->snd_nxt);
	if (off > queued)
		return false; /* the FIN is already sent */
	uint32_t avail = queued - off, mss = tcp_seg_payload_max(t);
	seq32_t edge = seq_add(t->snd_una, t->snd_wnd);
	uint32_t room = seq_lt(t->snd_nxt, edge) ? seq_dist(t->snd_nxt, edge) : 0;
	uint32_t len = tcp_min32(tcp_min32(avail, mss), tcp_min32(room, tcp_cc_room(t)));
	bool fin = (t->f & TF_FIN_PENDING) && len == avail;
	bool rtx = seq_lt(t->snd_nxt, t->snd_max);
	if (len < mss && len > 0 && !rtx && !fin && !(t->f & TF_FORCE)) {
		/* SWS avoidance: a short segment goes only if it is all we have (and Nagle
		 * allows it) or it fills half the largest window the peer offered. */
		bool all = len == avail;
		bool nagle_ok = (t->f & TF_NODELAY) || seq_eq(t->snd_una, t->snd_max);
		if (!((all && nagle_ok) || len >= t->max_snd_wnd / 2))
			return false;
	}
	if (len == 0 && !fin)
		return false;
	if (fin && len == 0 && tcp_cc_room(t) == 0 && !seq_eq(t->snd_una, t->snd_nxt))
		return false; /* a bare FIN waits for room like data, unless nothing is out */
	*p = (struct tcp_plan){.seq = t->snd_nxt, .len = len, .fin = fin};
	return true;
}

/* A retransmission the scoreboard asks for (RFC 6675 NextSeg rules 1 and 3). */
static bool tcp_plan_sack(const struct tcp_tcb *t, struct tcp_plan *p, bool lost_only)
{
	seq32_t seq;
	uint32_t len;
	if (!tcp_sack_next_rtx(t, &seq, &len, lost_only))
		return false;
	uint32_t off = seq_dist(t->snd_una, seq), queued = tcp_snd_queued(t);
	if (off >= queued)
		return false;
	*p = (struct tcp_plan){
		.seq = seq, .len = tcp_min32(len, queued - off), .sack_rtx = true};
	return true;
}

static bool tcp_plan(struct tcp_tcb *t, struct tcp_plan *p)
{
	uint32_t mss = tcp_seg_payload_max(t);
	bool sack_rec = (t->f & (TF_IN_RECOVERY | TF_SACK_OK)) == (TF_IN_RECOVERY | TF_SACK_OK);
	if (t->f & TF_RTX_HEAD) { /* fast retransmit or NewReno partial ACK */
		t->f &= ~(uint32_t)TF_RTX_HEAD;
		uint32_t queued = tcp_snd_queued(t);
		uint32_t len = tcp_min32(queued, mss);
		bool fin = (t->f & TF_FIN_SENT) && len == queued;
		if (len > 0 || fin) {
			*p = (struct tcp_plan){.seq = t->snd_una,
					       .len = len,
					       .fin = fin,
					       .sack_rtx = sack_rec};
			return true;
		}
	}
	if (!sack_rec)
		return tcp_plan_next(t, p);
	uint32_t pipe = tcp_sack_pipe(t);
	if (t->cwnd <= pipe || t->cwnd - pipe < mss)
		return false;
	return tcp_plan_sack(t, p, true) || tcp_plan_next(t, p) || tcp_plan_sack(t, p, false);
}

/* Bookkeeping after a data segment left: sequence space, timing, counters. */
static void tcp_sent(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_plan *p)
{
	seq32_t end = seq_add(p->seq, p->len + (p->fin ? 1u : 0u));
	bool rtx = seq_lt(p->seq, t->snd_max);
	if (p->len > 0)
		MOS_CTR_INC(&s->ctr, tcp_ctr_data_segs_out);
	if (rtx && p->len > 0) {
		MOS_CTR_INC(&s->ctr, tcp_ctr_rtx_segs);
		t->ts_rtx = tcp_ts_now(s, t);
	}
	if (rtx && (t->f & TF_RTT_TIMING) && seq_geq(t->rtt_seq, p->seq) &&
	    seq_lt(t->rtt_seq, end))
		t->f &= ~(uint32_t)TF_RTT_TIMING; /* Karn: no sample from a retransmission */
	if (!rtx && !(t->f & (TF_RTT_TIMING | TF_TS_OK)) && p->len > 0) {
		t->f |= TF_RTT_TIMING;
		t->rtt_seq = p->seq;
		t->rtt_start_ms = s->ctx->now_ms;
	}
	if (p->fin)
		t->f |= TF_FIN_SENT;
	if (p->sack_rtx) {
		if (seq_lt(t->high_rxt, end))
			t->high_rxt = end;
	} else if (seq_gt(end, t->snd_nxt) && seq_eq(p->seq, t->snd_nxt)) {
		t->snd_nxt = end;
	}
	if (seq_lt(t->snd_max, end))
		t->snd_max = end;
	if (!tw_timer_armed(&t->rtx_timer) || (t->f & TF_PERSIST))
		tcp_rtx_arm(s, t);
}

static void tcp_out_data(struct tcp_stack *s, struct tcp_tcb *t)
{
	struct tcp_plan p;
	int n = 0;
	while (n < TCP_OUT_BURST) {
		bool go = tcp_plan(t, &p);
		t->f &= ~(uint32_t)TF_FORCE; /* one override per persist expiry */
		if (!go)
			break;
		uint16_t fl = WIRE_TCP_ACK | (p.fin ? WIRE_TCP_FIN : 0);
		if (p.len > 0 && p.len == tcp_snd_queued(t) - seq_dist(t->snd_una, p.seq))
			fl |= WIRE_TCP_PSH;
		if (!tcp_emit(s, t, p.seq, fl, p.len))
			return;
		tcp_sent(s, t, &p);
		n++;
	}
	if (n == TCP_OUT_BURST) {
		tcp_out_want(s, t, TOF_DATA); /* more next poll: other connections go first */
		return;
	}
	/* Nothing in flight, data waiting, nothing could go (a zero window, or one too
	 * small for sender SWS avoidance): the persist timer probes or overrides it, so
	 * a lost window update cannot stall the connection (RFC 9293 §3.8.6.1, (d) of
	 * §3.8.6.2.1). */
	uint32_t unsent = tcp_snd_queued(t) -
			  tcp_min32(tcp_snd_queued(t), seq_dist(t->snd_una, t->snd_nxt));
	if (seq_eq(t->snd_una, t->snd_nxt) && unsent > 0 && !tw_timer_armed(&t->rtx_timer))
		tcp_persist_arm(s, t); /* (snd_max may hold a probe byte beyond snd_nxt) */
}

/* ---- The three passes ---------------------------------------------------------- */

/* True when a data segment is about to carry the ACK anyway. */
static bool tcp_data_will_go(struct tcp_tcb *t)
{
	struct tcp_plan p;
	if (!(t->out & TOF_DATA) || !tcp_data_state(t->state))
		return false;
	if (t->f & TF_RTX_HEAD)
		return true;
	return tcp_plan_next(t, &p);
}

static void tcp_out_ack(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->state == TCP_CLOSED || t->state == TCP_SYN_SENT || t->state == TCP_LISTEN) {
		t->out &= ~(uint32_t)(TOF_ACK | TOF_KEEPALIVE);
		return;
	}
	if (t->out & TOF_KEEPALIVE) {
		/* RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT - 1, no data, elicits an ACK. */
		t->out &= ~(uint32_t)TOF_KEEPALIVE;
		tcp_emit(s, t, seq_sub(t->snd_nxt, 1), WIRE_TCP_ACK, 0);
	}
	if ((t->out & TOF_ACK) && !tcp_data_will_go(t))
		tcp_emit(s, t, t->snd_nxt, WIRE_TCP_ACK, 0);
}

void tcp_output_all(struct tcp_stack *s)
{
	struct tcp_tcb *head = s->out_head;
	s->out_head = s->out_tail = NULL;
	for (struct tcp_tcb *t = head; t != NULL; t = t->out_next)
		if (t->out & (TOF_SYN | TOF_RST | TOF_PROBE))
			tcp_out_control(s, t);
	for (struct tcp_tcb *t = head; t != NULL; t = t->out_next)
		if (t->out & (TOF_ACK | TOF_KEEPALIVE))
			tcp_out_ack(s, t);
	struct tcp_tcb *t = head;
	while (t != NULL) {
		struct tcp_tcb *next = t->out_next;
		t->f &= ~(uint32_t)TF_ON_OUT;
		bool data = (t->out & TOF_DATA) && tcp_data_state(t->state) && t->snd != NULL;
		t->out &= ~(uint32_t)TOF_DATA;
		if (data)
			tcp_out_data(s, t); /* may queue t again for more data */
		/* What is left could not be sent (no buffer, or data did not carry the
		 * ACK after all): try again next poll. */
		uint32_t left = t->out & ~(uint32_t)TOF_DATA;
		if (t->state == TCP_CLOSED)
			left &= TOF_RST;
		t->out &= TOF_DATA;
		if (left != 0) {
			tcp_out_want(s, t, left);
			if (t->f & TF_TW_NET) { /* see tcp_orphan_arm() */
				t->f &= ~(uint32_t)TF_TW_NET;
				if (t->state == TCP_TIME_WAIT)
					tcp_slow_arm(s, t);
			}
		} else if ((t->f & TF_TW_NOW) && t->state == TCP_TIME_WAIT)
			tcp_conn_end(s, t, 0);
		if (t->state == TCP_CLOSED)
			tcp_maybe_free(s, t);
		t = next;
	}
}

#undef TCP_L2
#undef TCP_L4
