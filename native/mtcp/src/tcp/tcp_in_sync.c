/* tcp_in_sync.c - RFC 9293 §3.10.7.4 "Other states": a segment for a connection in
 * SYN-RECEIVED or a synchronized state goes through the steps below in order, one
 * function each. A step returns TCP_CONTINUE, or stops with a drop reason (DROP_NONE:
 * the segment was used). Steps record effects (output wanted, wake-ups, state); the
 * poll step applies them. */
#include <errno.h>

#include "base/assert.h"
#include "tcp/tcp_int.h"

/* RCV.WND for the acceptability test: what we advertised, or more if we can take it. */
static uint32_t tcp_acc_window(const struct tcp_tcb *t)
{
	uint32_t adv = seq_gt(t->rcv_adv, t->rcv_nxt) ? seq_dist(t->rcv_nxt, t->rcv_adv) : 0;
	uint32_t now = tcp_rcv_window(t);
	return adv > now ? adv : now;
}

/* SYN-RECEIVED special cases before the steps: a retransmitted SYN (our SYN,ACK was
 * lost) gets the SYN,ACK again; in a simultaneous open the peer's SYN,ACK acknowledging
 * our SYN completes the handshake (RFC 9293 figure 8), its SYN already counted. */
static int tcp_syn_rcvd_pre(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	if (!tcp_has(g, WIRE_TCP_SYN) || tcp_has(g, WIRE_TCP_RST) || !seq_eq(g->seq, t->irs))
		return TCP_CONTINUE;
	if (!tcp_has(g, WIRE_TCP_ACK)) {
		tcp_out_want(s, t, TOF_SYN);
		return DROP_NONE;
	}
	if ((t->f & TF_ACTIVE) && seq_eq(g->ack, seq_add(t->iss, 1))) {
		g->seq = seq_add(g->seq, 1);
		g->flags &= (uint16_t)~WIRE_TCP_SYN;
		tcp_out_want(s, t, TOF_ACK);
	}
	return TCP_CONTINUE;
}

/* RFC 7323 §5.3 R1 (PAWS): a timestamp older than TS.Recent makes a non-RST segment
 * unacceptable, unless TS.Recent is older than 24 days (§5.5). */
static int tcp_step_paws(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!(t->f & TF_TS_OK) || !(g->opts & WIRE_TCPOPT_TS) || tcp_has(g, WIRE_TCP_RST))
		return TCP_CONTINUE;
	if (!ts_before(g->o->ts_val, t->ts_recent))
		return TCP_CONTINUE;
	if (s->ctx->now_ms - t->ts_recent_ms > TCP_PAWS_IDLE_MS) {
		t->ts_recent = g->o->ts_val;
		t->ts_recent_ms = s->ctx->now_ms;
		return TCP_CONTINUE;
	}
	tcp_out_want(s, t, TOF_ACK);
	return DROP_tcp_paws;
}

/* Keeps only the part of the segment inside [RCV.NXT, RCV.NXT + wnd). A SYN is left
 * alone (the SYN step drops the segment). */
static void tcp_trim(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g, uint32_t wnd)
{
	if (tcp_has(g, WIRE_TCP_SYN))
		return;
	if (seq_lt(g->seq, t->rcv_nxt)) {
		uint32_t d = seq_dist(g->seq, t->rcv_nxt);
		if (d > g->len) { /* the FIN too is old */
			g->flags &= (uint16_t)~WIRE_TCP_FIN;
			d = g->len;
		}
		g->data += d;
		g->len -= d;
		g->seq = seq_add(g->seq, d);
		tcp_out_want(s, t, TOF_ACK); /* duplicate data: ACK at once (RFC 5681 §4.2) */
	}
	seq32_t edge = seq_add(t->rcv_nxt, wnd);
	if (seq_gt(seq_add(g->seq, g->len), edge)) {
		g->len = seq_gt(edge, g->seq) ? seq_dist(g->seq, edge) : 0;
		g->flags &= (uint16_t)~WIRE_TCP_FIN;
		tcp_out_want(s, t, TOF_ACK);
	}
}

/* RFC 7323 §4.3 (2): TS.Recent follows the segment that our last ACK expected. */
static void tcp_ts_update(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!(t->f & TF_TS_OK) || !(g->opts & WIRE_TCPOPT_TS) || tcp_has(g, WIRE_TCP_RST))
		return;
	if (ts_after_eq(g->o->ts_val, t->ts_recent) && seq_leq(g->seq, t->last_ack_sent)) {
		t->ts_recent = g->o->ts_val;
		t->ts_recent_ms = s->ctx->now_ms;
	}
}

/* First: the sequence number (the four acceptability cases). An unacceptable segment
 * gets an ACK (unless RST) and is dropped; with a zero window a segment at RCV.NXT
 * keeps its ACK (RFC 9293: valid ACKs are still accepted) and loses its text. */
static int tcp_step_seq(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	uint32_t wnd = tcp_acc_window(t), slen = tcp_seg_seqlen(g);
	bool ok;
	if (slen == 0)
		ok = wnd == 0 ? seq_eq(g->seq, t->rcv_nxt)
			      : seq_in_window(g->seq, t->rcv_nxt, wnd);
	else
		ok = wnd != 0 && (seq_in_window(g->seq, t->rcv_nxt, wnd) ||
				  seq_in_window(seq_add(g->seq, slen - 1), t->rcv_nxt, wnd));
	if (!ok && wnd == 0 && seq_eq(g->seq, t->rcv_nxt) && !tcp_has(g, WIRE_TCP_RST)) {
		g->len = 0;
		g->flags &= (uint16_t)~WIRE_TCP_FIN;
		tcp_out_want(s, t, TOF_ACK);
		ok = true;
	}
	if (!ok) {
		if (tcp_has(g, WIRE_TCP_RST))
			return DROP_tcp_rst_invalid;
		if (t->state == TCP_TIME_WAIT && tcp_has(g, WIRE_TCP_FIN))
			tcp_enter_time_wait(s, t); /* a retransmitted FIN restarts 2 MSL */
		if (t->state != TCP_CLOSED)
			tcp_out_want(s, t, TOF_ACK);
		return DROP_tcp_not_acceptable;
	}
	tcp_ts_update(s, t, g);
	t->last_rx_ms = s->ctx->now_ms;
	if (t->f & TF_KA_PROBING) {
		t->f &= ~(uint32_t)TF_KA_PROBING;
		t->ka_probes = 0;
	}
	tcp_trim(s, t, g, wnd);
	return TCP_CONTINUE;
}

/* Second: RST (RFC 5961 §3.2): only SEG.SEQ == RCV.NXT resets; anything else in the
 * window gets a challenge ACK. */
static int tcp_step_rst(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!tcp_has(g, WIRE_TCP_RST))
		return TCP_CONTINUE;
	if (!seq_eq(g->seq, t->rcv_nxt)) {
		if (tcp_challenge_allowed(s)) {
			MOS_CTR_INC(&s->ctr, tcp_ctr_challenge_acks);
			tcp_out_want(s, t, TOF_ACK);
		}
		return DROP_tcp_rst_invalid;
	}
	int err = 0;
	switch (t->state) {
	case TCP_SYN_RCVD:
		/* passive: back to LISTEN (the listener lives on); active: refused */
		err = (t->f & TF_ACTIVE) ? ECONNREFUSED : 0;
		break;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		err = ECONNRESET;
		break;
	default: /* CLOSING, LAST-ACK, TIME-WAIT: just close */
		break;
	}
	MOS_CTR_INC(&s->ctr, tcp_ctr_resets_received);
	tcp_conn_end(s, t, err);
	return DROP_NONE;
}

/* Fourth: SYN (RFC 5961 §4.2): a passive SYN-RECEIVED goes back to LISTEN; any other
 * state answers with a challenge ACK. */
static int tcp_step_syn(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!tcp_has(g, WIRE_TCP_SYN))
		return TCP_CONTINUE;
	if (t->state == TCP_SYN_RCVD && !(t->f & TF_ACTIVE)) {
		tcp_conn_end(s, t, 0);
		return DROP_tcp_syn_challenged;
	}
	if (tcp_challenge_allowed(s)) {
		MOS_CTR_INC(&s->ctr, tcp_ctr_challenge_acks);
		tcp_out_want(s, t, TOF_ACK);
	}
	return DROP_tcp_syn_challenged;
}

/* The handshake's last ACK: ESTABLISHED, and a passive connection joins its
 * listener's accept queue (full queue: stay, the peer's next segment retries). */
static int tcp_ack_syn_rcvd(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!seq_lt(t->snd_una, g->ack) || !seq_leq(g->ack, t->snd_max)) {
		tcp_send_rst_for(s, g); /* <SEQ=SEG.ACK><CTL=RST> */
		return DROP_tcp_bad_ack;
	}
	struct tcp_listener *l = t->lsn;
	if (l != NULL &&
	    (spsc_used(&l->acceptq) >= l->backlog || spsc_free_count(&l->acceptq) == 0))
		return DROP_tcp_listen_overflow;
	t->snd_una = g->ack;
	if (seq_lt(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	if (!(t->f & TF_SYN_RTX))
		tcp_rtt_on_ack(s, t, g); /* Karn: no sample after a SYN retransmission */
	t->f &= ~(uint32_t)TF_RTT_TIMING;
	tcp_rtx_stop(s, t);
	t->snd_wnd = (uint32_t)g->wnd << t->snd_wscale;
	if (t->snd_wnd > t->max_snd_wnd)
		t->max_snd_wnd = t->snd_wnd;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = g->ack;
	tcp_established(s, t);
	if (l != NULL) {
		tcp_lsn_unlink(t);
		t->f |= TF_QUEUED | TF_APP_REF;
		MOS_ASSERT(spsc_enqueue_ptr(&l->acceptq, t));
		MOS_CTR_INC(&s->ctr, tcp_ctr_passive_opens);
		tcp_wake_listener(s, l);
	}
	return TCP_CONTINUE;
}

/* State changes an ACK of our FIN causes (FIN-WAIT-1, CLOSING, LAST-ACK). */
static int tcp_ack_state(struct tcp_stack *s, struct tcp_tcb *t)
{
	bool fin_acked = (t->f & TF_FIN_SENT) && seq_eq(t->snd_una, t->snd_max);
	if (!fin_acked)
		return TCP_CONTINUE;
	switch (t->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(s, t, TCP_FIN_WAIT_2);
		if (!(t->f & TF_APP_REF)) { /* nobody will read: do not wait forever */
			t->f |= TF_ORPHAN_WAIT | TF_ORPHAN_ARM;
			t->end_ms = s->ctx->now_ms + TCP_FIN_WAIT_2_MS;
			/* The slow timer is armed once the segment is through
			 * (tcp_orphan_arm): the FIN it often carries ends FIN_WAIT_2
			 * at once. */
		}
		break;
	case TCP_CLOSING:
		tcp_enter_time_wait(s, t);
		break;
	case TCP_LAST_ACK:
		tcp_conn_end(s, t, 0);
		break;
	default:
		break;
	}
	return t->state == TCP_CLOSED ? DROP_NONE : TCP_CONTINUE;
}

/* Fifth: the ACK field (RFC 9293, with RFC 5961 §5.2 acceptability). */
static int tcp_step_ack(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!tcp_has(g, WIRE_TCP_ACK))
		return DROP_tcp_no_ack_flag;
	if (t->state == TCP_SYN_RCVD)
		return tcp_ack_syn_rcvd(s, t, g);
	if (seq_gt(g->ack, t->snd_max)) { /* acknowledges what was never sent */
		tcp_out_want(s, t, TOF_ACK);
		return DROP_tcp_bad_ack;
	}
	if (seq_lt(g->ack, seq_sub(t->snd_una, t->max_snd_wnd))) { /* too old */
		if (tcp_challenge_allowed(s)) {
			MOS_CTR_INC(&s->ctr, tcp_ctr_challenge_acks);
			tcp_out_want(s, t, TOF_ACK);
		}
		return DROP_tcp_bad_ack;
	}
	tcp_ack_process(s, t, g);
	return tcp_ack_state(s, t);
}

/* Seventh: the text, in the states that still receive (FIN not yet received). */
static void tcp_step_text(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	if (g->len == 0)
		return;
	if (t->state != TCP_ESTABLISHED && t->state != TCP_FIN_WAIT_1 &&
	    t->state != TCP_FIN_WAIT_2) {
		g->len = 0; /* a FIN was received: ignore the text */
		return;
	}
	if ((t->f & TF_FIN_RCVD) && seq_gt(seq_add(g->seq, g->len), t->rcv_fin))
		g->len = seq_gt(t->rcv_fin, g->seq) ? seq_dist(g->seq, t->rcv_fin) : 0;
	tcp_rcv_text(s, t, g);
}

/* Eighth: FIN. It takes effect once every byte before it has arrived. */
static void tcp_step_fin(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!tcp_has(g, WIRE_TCP_FIN))
		return;
	if (!(t->f & TF_FIN_RCVD)) {
		t->f |= TF_FIN_RCVD;
		t->rcv_fin = seq_add(g->seq, g->len);
	}
	if (t->state == TCP_TIME_WAIT)
		tcp_enter_time_wait(s, t); /* restart the 2 MSL timeout */
	tcp_out_want(s, t, TOF_ACK);
	tcp_rcv_fin_check(s, t);
}

int tcp_in_synchronized(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	int v = TCP_CONTINUE;
	if (t->state == TCP_SYN_RCVD)
		v = tcp_syn_rcvd_pre(s, t, g);
	if (v == TCP_CONTINUE)
		v = tcp_step_paws(s, t, g);
	if (v == TCP_CONTINUE)
		v = tcp_step_seq(s, t, g);
	if (v == TCP_CONTINUE)
		v = tcp_step_rst(s, t, g);
	/* third (security and precedence): not applicable */
	if (v == TCP_CONTINUE)
		v = tcp_step_syn(s, t, g);
	if (v == TCP_CONTINUE)
		v = tcp_step_ack(s, t, g);
	if (v == TCP_CONTINUE) {
		/* sixth (URG): urgent data is delivered as ordinary data */
		tcp_step_text(s, t, g);
		tcp_step_fin(s, t, g);
		v = DROP_NONE;
	}
	if (t->f & TF_ORPHAN_ARM)
		tcp_orphan_arm(s, t);
	return v;
}
