/* tcp_timer.c - the three timers of a connection: retransmission (RFC 6298) or persist
 * (RFC 9293 §3.8.6.1), delayed ACK (RFC 1122 §4.2.3.2), and a "slow" timer for
 * TIME_WAIT, orphaned FIN_WAIT_2, the idle timeout and keepalive (RFC 1122 §4.2.3.6).
 * Callbacks only record the event and queue the TCB; tcp_timer_work() acts on it from
 * tcp_stack_poll(). */
#include <errno.h>

#include "base/assert.h"
#include "tcp/tcp_int.h"

static void tcp_fired(struct tcp_tcb *t, uint32_t ev)
{
	t->tev |= ev;
	tcp_work_add(t->stk, t);
}

static void tcp_rtx_fired(struct tw_wheel *w, struct tw_timer *tm, uint64_t now_ms)
{
	(void)w;
	(void)now_ms;
	tcp_fired(MOS_CONTAINER_OF(tm, struct tcp_tcb, rtx_timer), TEV_RTX);
}

static void tcp_delack_fired(struct tw_wheel *w, struct tw_timer *tm, uint64_t now_ms)
{
	(void)w;
	(void)now_ms;
	tcp_fired(MOS_CONTAINER_OF(tm, struct tcp_tcb, delack_timer), TEV_DELACK);
}

static void tcp_slow_fired(struct tw_wheel *w, struct tw_timer *tm, uint64_t now_ms)
{
	(void)w;
	(void)now_ms;
	tcp_fired(MOS_CONTAINER_OF(tm, struct tcp_tcb, slow_timer), TEV_SLOW);
}

void tcp_timers_init(struct tcp_tcb *t)
{
	tw_timer_init(&t->rtx_timer, tcp_rtx_fired);
	tw_timer_init(&t->delack_timer, tcp_delack_fired);
	tw_timer_init(&t->slow_timer, tcp_slow_fired);
}

void tcp_timers_stop(struct tcp_stack *s, struct tcp_tcb *t)
{
	struct tw_wheel *w = &s->ctx->wheel;
	tw_cancel(w, &t->rtx_timer);
	tw_cancel(w, &t->delack_timer);
	tw_cancel(w, &t->slow_timer);
	t->f &= ~(uint32_t)TF_PERSIST;
	t->tev = 0;
}

void tcp_rtx_arm(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->f &= ~(uint32_t)TF_PERSIST;
	tw_arm(&s->ctx->wheel, &t->rtx_timer, s->ctx->now_ms + t->rto_ms);
}

void tcp_rtx_stop(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->f &= ~(uint32_t)TF_PERSIST;
	tw_cancel(&s->ctx->wheel, &t->rtx_timer);
}

/* Persist interval: the RTO backed off by the probes sent so far, 200 ms .. 60 s. */
void tcp_persist_arm(struct tcp_stack *s, struct tcp_tcb *t)
{
	uint64_t ms = t->rto_ms;
	for (uint8_t i = 0; i < t->retries && ms < TCP_RTO_MAX_MS; i++)
		ms *= 2;
	if (ms < TCP_RTO_MIN_MS)
		ms = TCP_RTO_MIN_MS;
	if (ms > TCP_RTO_MAX_MS)
		ms = TCP_RTO_MAX_MS;
	t->f |= TF_PERSIST;
	tw_arm(&s->ctx->wheel, &t->rtx_timer, s->ctx->now_ms + ms);
}

void tcp_delack_arm(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (!tw_timer_armed(&t->delack_timer))
		tw_arm(&s->ctx->wheel, &t->delack_timer, s->ctx->now_ms + TCP_DELACK_MS);
}

static uint64_t tcp_min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static bool tcp_ka_state(uint8_t state)
{
	return state == TCP_ESTABLISHED || state == TCP_CLOSE_WAIT || state == TCP_FIN_WAIT_1 ||
	       state == TCP_FIN_WAIT_2;
}

/* Earliest time the slow timer has something to check. */
static uint64_t tcp_slow_deadline(const struct tcp_stack *s, const struct tcp_tcb *t)
{
	uint64_t d = UINT64_MAX;
	if (t->state == TCP_TIME_WAIT || (t->f & TF_ORPHAN_WAIT))
		d = t->end_ms;
	if (t->state == TCP_TIME_WAIT || t->state == TCP_CLOSED || t->state == TCP_LISTEN)
		return d;
	if (s->cfg.idle_ms > 0)
		d = tcp_min64(d, t->last_rx_ms + (uint64_t)s->cfg.idle_ms);
	if ((t->f & TF_KEEPALIVE) && tcp_ka_state(t->state))
		d = tcp_min64(d, (t->f & TF_KA_PROBING) ? t->ka_next_ms
							: t->last_rx_ms + t->ka_idle_ms);
	return d;
}

void tcp_slow_arm(struct tcp_stack *s, struct tcp_tcb *t)
{
	uint64_t d = tcp_slow_deadline(s, t);
	if (d == UINT64_MAX)
		tw_cancel(&s->ctx->wheel, &t->slow_timer);
	else if (!tw_timer_armed(&t->slow_timer) || tw_timer_deadline(&t->slow_timer) != d)
		tw_arm(&s->ctx->wheel, &t->slow_timer, d);
}

/* The slow timer of a connection that became an orphaned FIN_WAIT_2 during the segment
 * just processed, armed as if it had been armed at that moment (same deadline; nothing
 * else arms a timer for that deadline in between):
 *   - still FIN_WAIT_2: armed now;
 *   - TIME_WAIT with an interval: tcp_enter_time_wait() armed it for the interval,
 *     which is what re-arming the FIN_WAIT_2 timer gave;
 *   - TIME_WAIT without one (TF_TW_NOW): the connection ends after this poll's output,
 *     which cancelled the timer; only if the last ACK cannot go out (no buffer) does
 *     the timer matter, and tcp_output_all() arms it then (TF_TW_NET): for end_ms,
 *     as FIN_WAIT_2 left it, ending the connection as the FIN_WAIT_2 timer would;
 *   - CLOSED: none. */
void tcp_orphan_arm(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->f &= ~(uint32_t)TF_ORPHAN_ARM;
	if (t->state == TCP_FIN_WAIT_2)
		tcp_slow_arm(s, t);
	else if (t->state == TCP_TIME_WAIT && (t->f & TF_TW_NOW))
		t->f |= TF_TW_NET;
}

void tcp_enter_time_wait(struct tcp_stack *s, struct tcp_tcb *t)
{
	tcp_set_state(s, t, TCP_TIME_WAIT);
	tcp_rtx_stop(s, t);
	tw_cancel(&s->ctx->wheel, &t->delack_timer);
	t->f &= ~(uint32_t)TF_ORPHAN_WAIT;
	if (s->cfg.tw_ms == 0) {
		/* tcp_tw_interval 0 (the mOS default): the connection ends right after
		 * this poll's output (which acknowledges the peer's FIN). */
		t->f |= TF_TW_NOW;
		tcp_out_want(s, t, 0);
		return;
	}
	t->end_ms = s->ctx->now_ms + s->cfg.tw_ms;
	tcp_slow_arm(s, t);
}

/* RFC 6298 §5.4-5.6: retransmit the earliest unacknowledged segment, back off. */
static void tcp_rto_fire(struct tcp_stack *s, struct tcp_tcb *t)
{
	bool syn = t->state == TCP_SYN_SENT || t->state == TCP_SYN_RCVD;
	if (!syn && seq_eq(t->snd_una, t->snd_max))
		return; /* everything was acknowledged meanwhile */
	if (t->retries >= (syn ? TCP_MAX_SYN_RETRIES : TCP_MAX_RETRIES)) {
		MOS_CTR_INC(&s->ctr, tcp_ctr_timeouts);
		tcp_conn_end(s, t, ETIMEDOUT);
		return;
	}
	t->retries++;
	MOS_CTR_INC(&s->ctr, tcp_ctr_rtx_timeouts);
	t->rto_ms = t->rto_ms * 2 > TCP_RTO_MAX_MS ? TCP_RTO_MAX_MS : t->rto_ms * 2;
	t->f &= ~(uint32_t)TF_RTT_TIMING; /* Karn */
	if (syn) {
		t->f |= TF_SYN_RTX;
		tcp_out_want(s, t, TOF_SYN);
	} else {
		bool keep_nxt = tcp_cc_on_rto(t);
		if (t->snd_wnd == 0) {
			/* The peer closed its window with data of ours in flight: no
			 * retransmission fits, and if the update that reopens it was lost,
			 * only a probe will get it sent again (RFC 9293 §3.8.6.1). The
			 * retransmission becomes a one-byte probe at SND.UNA and the
			 * connection goes on in persist mode, which lives as long as the
			 * peer answers; before, the timer fired into a closed window
			 * sending nothing until the connection timed out. */
			t->snd_nxt = t->snd_una;
			tcp_out_want(s, t, TOF_PROBE);
			tcp_persist_arm(s, t);
			return;
		}
		if (!keep_nxt)
			t->snd_nxt = t->snd_una; /* go back: resend from the first hole */
		tcp_out_want(s, t, TOF_DATA);
	}
	tcp_rtx_arm(s, t);
}

/* Zero window: probe with one byte beyond the window, back off; the connection lives
 * as long as the peer answers (RFC 1122 §4.2.2.17). */
static void tcp_persist_fire(struct tcp_stack *s, struct tcp_tcb *t)
{
	t->f &= ~(uint32_t)TF_PERSIST;
	uint32_t unsent = tcp_snd_queued(t) - seq_dist(t->snd_una, t->snd_nxt);
	if (unsent == 0 || !seq_eq(t->snd_una, t->snd_nxt)) {
		tcp_out_want(s, t, TOF_DATA);
		return;
	}
	if (t->snd_wnd != 0) {
		/* A window too small for SWS avoidance: send what fits (override). */
		t->f |= TF_FORCE;
		tcp_out_want(s, t, TOF_DATA);
		return;
	}
	/* RFC 9293 §3.8.6.1: the connection is not closed while the peer keeps answering
	 * the probes. Past TCP_MAX_RETRIES probes (the interval is then TCP_RTO_MAX_MS) it
	 * ends only when nothing came from the peer for two intervals. */
	if (t->retries >= TCP_MAX_RETRIES &&
	    s->ctx->now_ms - t->last_rx_ms > 2 * (uint64_t)TCP_RTO_MAX_MS) {
		MOS_CTR_INC(&s->ctr, tcp_ctr_timeouts);
		tcp_conn_end(s, t, ETIMEDOUT);
		return;
	}
	tcp_out_want(s, t, TOF_PROBE);
	if (t->retries < TCP_MAX_RETRIES)
		t->retries++;
	tcp_persist_arm(s, t);
}

static void tcp_reset_timeout(struct tcp_stack *s, struct tcp_tcb *t)
{
	MOS_CTR_INC(&s->ctr, tcp_ctr_timeouts);
	tcp_out_want(s, t, TOF_RST);
	tcp_conn_end(s, t, ETIMEDOUT);
}

static void tcp_keepalive_check(struct tcp_stack *s, struct tcp_tcb *t, uint64_t now)
{
	if (!(t->f & TF_KEEPALIVE) || !tcp_ka_state(t->state))
		return;
	if (!(t->f & TF_KA_PROBING)) {
		if (now < t->last_rx_ms + t->ka_idle_ms)
			return;
		t->f |= TF_KA_PROBING;
		t->ka_probes = 0;
		t->ka_next_ms = now;
	}
	if (now < t->ka_next_ms)
		return;
	if (t->ka_probes >= t->ka_cnt) {
		tcp_reset_timeout(s, t);
		return;
	}
	t->ka_probes++;
	t->ka_next_ms = now + t->ka_intvl_ms;
	tcp_out_want(s, t, TOF_KEEPALIVE);
}

static void tcp_slow_fire(struct tcp_stack *s, struct tcp_tcb *t)
{
	uint64_t now = s->ctx->now_ms;
	if ((t->state == TCP_TIME_WAIT || (t->f & TF_ORPHAN_WAIT)) && now >= t->end_ms) {
		tcp_conn_end(s, t, 0);
		return;
	}
	if (t->state != TCP_TIME_WAIT && s->cfg.idle_ms > 0 &&
	    now >= t->last_rx_ms + (uint64_t)s->cfg.idle_ms) {
		tcp_reset_timeout(s, t);
		return;
	}
	tcp_keepalive_check(s, t, now);
	if (t->state != TCP_CLOSED)
		tcp_slow_arm(s, t);
}

void tcp_timer_work(struct tcp_stack *s, struct tcp_tcb *t)
{
	uint32_t ev = t->tev;
	t->tev = 0;
	if (t->state == TCP_CLOSED)
		return;
	if ((ev & TEV_DELACK) && t->unacked_bytes > 0) {
		MOS_CTR_INC(&s->ctr, tcp_ctr_delayed_acks);
		tcp_out_want(s, t, TOF_ACK);
	}
	if (ev & TEV_RTX) {
		if (t->f & TF_PERSIST)
			tcp_persist_fire(s, t);
		else
			tcp_rto_fire(s, t);
	}
	if ((ev & TEV_SLOW) && t->state != TCP_CLOSED)
		tcp_slow_fire(s, t);
}
