/* mon_emul.c - dual-side TCP emulation of a monitored connection (spec §9).
 *
 * Every packet is seen once by the monitor but updates two emulated endpoints: the
 * sender's stack "sends" it (send side), then the receiver's stack "receives" it
 * (receive side). State transitions follow RFC 9293 §3.3.2 (the state diagram), with
 * the changes a passive observer needs:
 *   - nothing is ever sent; the emulation only records what the endpoints did;
 *   - a packet the monitor sees is assumed to reach the receiver (loss after the
 *     monitor shows up as a retransmission, which is recognised as one);
 *   - the monitor may miss packets (capture loss, a tap dropping frames), so a
 *     transition proven by a later packet is taken then: an ACK of the peer's SYN
 *     leaves SYN_SENT, an ACK covering the peer's FIN counts as that FIN received,
 *     and a FIN beyond a hole is accepted (the hole is the reassembly's business);
 *   - a RST is accepted when its sequence number lies within the receiver's window
 *     on either side of its receive point (RFC 9293 §3.10.7.4 first check, widened
 *     because the monitor's receive point may lag the endpoint's after capture loss).
 * Events: CONN_START when an endpoint enters the handshake (client: its SYN at the
 * send side; server: receiving it), TCP_STATE_CHANGE for any transition at the hook
 * of the side that moved, REXMIT for a retransmitted SYN, SYN/ACK or FIN (retransmitted
 * payload is found by the reassembly). */
#include "base/assert.h"
#include "mon/mon.h"

static bool mon_st_synced(uint8_t st)
{
	return st >= TCP_ESTABLISHED && st != MON_ST_CLOSED_RSVD;
}

bool mon_side_finished(const struct mon_ctx *m, const struct mon_flow *f, int side)
{
	const struct mon_side *s = &f->side[side];
	if (!(s->flags & MON_SF_MONITORED))
		return true;
	return s->state == TCP_CLOSED || s->state == MON_ST_CLOSED_RSVD ||
	       (s->state == TCP_TIME_WAIT && (m->tw_ms == 0 || (f->flags & MON_FF_TW_OVER)));
}

/* The receive point of side r as a sequence number. */
static seq32_t mon_rcv_nxt(const struct mon_side *r)
{
	return seq_add(r->rcv_base, (uint32_t)r->rcv_ready);
}

bool mon_emul_rst_ok(const struct mon_flow *f, int r, const struct mon_seg *g)
{
	const struct mon_side *R = &f->side[r];
	if (R->state == TCP_SYN_SENT) {
		/* RFC 9293 §3.10.7.3: acceptable only if it acknowledges the SYN. */
		return (g->flags & WIRE_TCP_ACK) && seq_eq(g->ack, R->snd_max);
	}
	if (!(R->flags & MON_SF_RCV_BASE))
		return true; /* nothing known about the receive point */
	seq32_t nxt = mon_rcv_nxt(R);
	uint32_t wnd = 65535;
	if (R->flags & MON_SF_WND) {
		uint32_t w = seq_gt(R->rcv_wnd_end, nxt) ? seq_dist(nxt, R->rcv_wnd_end) : 0;
		wnd = w > wnd ? w : wnd;
	}
	return seq_in_window(g->seq, seq_sub(nxt, wnd), 2 * wnd);
}

static void mon_syn_options(struct mon_side *S, const struct mon_seg *g)
{
	uint8_t usable = wire_tcp_opts_usable(g->opts);
	if (usable & WIRE_TCPOPT_WS) {
		S->wscale = g->opts->wscale;
		S->flags |= MON_SF_WSCALE_OK;
	}
}

/* The endpoint learns that the peer's FIN arrived (receiving it, or acknowledging it
 * when the monitor missed the FIN itself). */
static void mon_emul_fin_rcvd(struct mon_side *R)
{
	R->flags |= MON_SF_FIN_RCVD;
	switch (R->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		R->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		R->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		R->state = TCP_TIME_WAIT;
		break;
	default:
		break;
	}
}

static void mon_emul_send_syn(struct mon_flow *f, int s, const struct mon_seg *g, uint32_t *ev)
{
	struct mon_side *S = &f->side[s];
	S->syn = 1;
	if (!(g->flags & WIRE_TCP_ACK)) {
		if (S->state == TCP_CLOSED || S->state == TCP_LISTEN) {
			S->state = TCP_SYN_SENT;
			*ev |= MON_BIT(MON_EV_CONN_START);
		}
	} else if (S->state == TCP_CLOSED || S->state == TCP_LISTEN) {
		S->state = TCP_SYN_RCVD; /* its SYN was not seen */
	}
	if (S->state > TCP_SYN_RCVD && (S->flags & MON_SF_ISN))
		return; /* a SYN of a synchronized connection: nothing to learn */
	if (!(S->flags & MON_SF_ISN) || !seq_eq(S->isn, g->seq)) {
		S->isn = g->seq;
		S->snd_max = seq_add(g->seq, 1);
		S->flags |= MON_SF_ISN;
	}
	mon_syn_options(S, g);
	if (f->side[0].syn && f->side[1].syn && !(f->flags & MON_FF_MIDSTREAM))
		f->flags |= MON_FF_SCALE_KNOWN;
}

static void mon_emul_send_fin(struct mon_side *S, const struct mon_side *R,
			      const struct mon_seg *g)
{
	S->fin = 1;
	if (S->flags & MON_SF_FIN_SENT)
		return;
	S->fin_seq = seq_add(g->seq, g->len + ((g->flags & WIRE_TCP_SYN) ? 1u : 0u));
	S->flags |= MON_SF_FIN_SENT;
	if (S->state == TCP_ESTABLISHED || S->state == TCP_SYN_RCVD) {
		S->state = TCP_FIN_WAIT_1;
	} else if (S->state == TCP_CLOSE_WAIT) {
		/* Spec §9: LAST_ACK when this FIN acknowledges the peer's; otherwise the
		 * endpoint sent it before the peer's FIN arrived (simultaneous close). */
		bool acks_peer = (g->flags & WIRE_TCP_ACK) && (R->flags & MON_SF_FIN_SENT) &&
				 seq_geq(g->ack, seq_add(R->fin_seq, 1));
		S->state = acks_peer ? TCP_LAST_ACK : TCP_CLOSING;
	}
}

/* Statistics of what S sent: bytes below its highest sequence sent are resent. */
static void mon_emul_send_stats(struct mon_side *S, const struct mon_seg *g)
{
	S->pkts++;
	S->bytes += g->len;
	if (g->len == 0 || !(S->flags & MON_SF_ISN))
		return;
	seq32_t start = seq_add(g->seq, (g->flags & WIRE_TCP_SYN) ? 1u : 0u);
	if (seq_lt(start, S->snd_max)) {
		uint32_t below = seq_dist(start, S->snd_max);
		S->rexmit_bytes += below < g->len ? below : g->len;
	}
}

uint32_t mon_emul_send(struct mon_ctx *m, struct mon_flow *f, int s, const struct mon_seg *g)
{
	struct mon_side *S = &f->side[s];
	struct mon_side *R = &f->side[!s];
	uint8_t old = S->state;
	uint32_t ev = 0;
	(void)m;
	mon_emul_send_stats(S, g);
	if (g->flags & WIRE_TCP_RST) {
		S->rst = 1;
		if (S->state != MON_ST_CLOSED_RSVD)
			S->state = TCP_CLOSED;
		return S->state != old ? MON_BIT(MON_EV_STATE_CHANGE) : 0;
	}
	if (g->flags & WIRE_TCP_SYN)
		mon_emul_send_syn(f, s, g, &ev);
	if (!(S->flags & MON_SF_ISN)) { /* picked up mid-stream */
		S->isn = g->seq;
		S->snd_max = g->seq;
		S->flags |= MON_SF_ISN;
	}
	seq32_t end = seq_add(g->seq, g->len + ((g->flags & WIRE_TCP_SYN) ? 1u : 0u) +
					      ((g->flags & WIRE_TCP_FIN) ? 1u : 0u));
	if (seq_gt(end, S->snd_max))
		S->snd_max = end;
	if (g->flags & WIRE_TCP_FIN)
		mon_emul_send_fin(S, R, g);
	if (g->flags & WIRE_TCP_ACK) {
		/* An ACK of the peer's SYN proves the SYN/ACK arrived. */
		if (S->state == TCP_SYN_SENT && (R->flags & MON_SF_ISN) &&
		    !(g->flags & WIRE_TCP_SYN) && seq_geq(g->ack, seq_add(R->isn, 1)))
			S->state = TCP_ESTABLISHED;
		/* An ACK covering the peer's FIN proves the FIN arrived. */
		if ((R->flags & MON_SF_FIN_SENT) && !(S->flags & MON_SF_FIN_RCVD) &&
		    seq_geq(g->ack, seq_add(R->fin_seq, 1)))
			mon_emul_fin_rcvd(S);
		mon_emul_window(f, s, g);
	}
	return S->state != old ? ev | MON_BIT(MON_EV_STATE_CHANGE) : ev;
}

static void mon_emul_recv_syn(struct mon_flow *f, struct mon_side *R, const struct mon_side *S,
			      const struct mon_seg *g, uint32_t *ev)
{
	bool same = (R->flags & MON_SF_RCV_BASE) && seq_eq(R->rcv_base, seq_add(g->seq, 1));
	if (!(g->flags & WIRE_TCP_ACK)) {
		if (R->state == TCP_CLOSED || R->state == TCP_LISTEN) {
			R->state = TCP_SYN_RCVD;
			*ev |= MON_BIT(MON_EV_CONN_START);
		} else if (R->state == TCP_SYN_SENT) {
			R->state = TCP_SYN_RCVD; /* simultaneous open (RFC 9293 §3.5) */
		} else if (R->state == TCP_SYN_RCVD && same) {
			*ev |= MON_BIT(MON_EV_REXMIT);
		}
	} else {
		bool acks_syn = (R->flags & MON_SF_ISN) && seq_eq(g->ack, seq_add(R->isn, 1));
		if ((R->state == TCP_SYN_SENT || R->state == TCP_SYN_RCVD) &&
		    (acks_syn || !(R->flags & MON_SF_ISN)))
			R->state = TCP_ESTABLISHED;
		else if (mon_st_synced(R->state) && same)
			*ev |= MON_BIT(MON_EV_REXMIT);
	}
	(void)S;
	(void)f;
}

static void mon_emul_recv_ack(struct mon_side *R, const struct mon_seg *g)
{
	if (R->state == TCP_SYN_RCVD && (R->flags & MON_SF_ISN) &&
	    seq_geq(g->ack, seq_add(R->isn, 1)))
		R->state = TCP_ESTABLISHED;
	if (!(R->flags & MON_SF_FIN_SENT) || !seq_geq(g->ack, seq_add(R->fin_seq, 1)))
		return;
	if (R->state == TCP_FIN_WAIT_1)
		R->state = TCP_FIN_WAIT_2;
	else if (R->state == TCP_CLOSING)
		R->state = TCP_TIME_WAIT;
	else if (R->state == TCP_LAST_ACK)
		R->state = TCP_CLOSED;
}

uint32_t mon_emul_recv(struct mon_ctx *m, struct mon_flow *f, int r, const struct mon_seg *g)
{
	struct mon_side *R = &f->side[r];
	const struct mon_side *S = &f->side[!r];
	uint8_t old = R->state;
	uint32_t ev = 0;
	(void)m;
	if (g->flags & WIRE_TCP_RST) {
		if (R->state != MON_ST_CLOSED_RSVD)
			R->state = TCP_CLOSED;
		return R->state != old ? MON_BIT(MON_EV_STATE_CHANGE) : 0;
	}
	if (g->flags & WIRE_TCP_SYN)
		mon_emul_recv_syn(f, R, S, g, &ev);
	else if (g->flags & WIRE_TCP_ACK)
		mon_emul_recv_ack(R, g);
	if (g->flags & WIRE_TCP_FIN) {
		seq32_t fin = seq_add(g->seq, g->len);
		if (!(R->flags & MON_SF_FIN_RCVD))
			mon_emul_fin_rcvd(R);
		else if ((S->flags & MON_SF_FIN_SENT) && seq_eq(fin, S->fin_seq))
			ev |= MON_BIT(MON_EV_REXMIT);
	}
	return R->state != old ? ev | MON_BIT(MON_EV_STATE_CHANGE) : ev;
}
