/* tcp_ack.c - what an acceptable ACK does to the sender: SND.UNA and the send buffer,
 * RTT samples and the RTO (RFC 6298, Karn's rule, RFC 7323 §4 timestamps), the send
 * window (RFC 9293 §3.10.7.4), congestion control (RFC 5681, byte counting), NewReno
 * (RFC 6582) and SACK-based loss recovery (RFC 6675) over a scoreboard of SACKed
 * ranges (RFC 2018). */
#include <string.h>

#include "base/assert.h"
#include "tcp/tcp_int.h"

static uint32_t tcp_smss(const struct tcp_tcb *t)
{
	return tcp_seg_payload_max(t);
}

/* ---- RTT and RTO (RFC 6298 §2) ---------------------------------------------------- */

void tcp_rtt_sample(struct tcp_tcb *t, uint32_t rtt_us)
{
	if (!(t->f & TF_RTO_SAMPLED)) {
		t->srtt_us = rtt_us;
		t->rttvar_us = rtt_us / 2;
	} else {
		uint32_t d = t->srtt_us > rtt_us ? t->srtt_us - rtt_us : rtt_us - t->srtt_us;
		t->rttvar_us = (3u * t->rttvar_us + d) / 4u;
		t->srtt_us = (7u * t->srtt_us + rtt_us) / 8u;
	}
	uint64_t var = 4u * (uint64_t)t->rttvar_us;
	uint64_t rto_us = t->srtt_us + (var > 1000u ? var : 1000u); /* G = 1 ms */
	uint64_t ms = (rto_us + 999u) / 1000u;
	if (ms < TCP_RTO_MIN_MS)
		ms = TCP_RTO_MIN_MS;
	if (ms > TCP_RTO_MAX_MS)
		ms = TCP_RTO_MAX_MS;
	t->rto_ms = (uint32_t)ms;
	t->f |= TF_RTO_SAMPLED;
}

void tcp_rtt_on_ack(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if ((t->f & TF_TS_OK) && (g->opts & WIRE_TCPOPT_TS) && g->o->ts_ecr != 0) {
		/* An echo older than our last retransmission comes from before a loss
		 * episode (the receiver answers duplicates with its older TS.Recent, RFC
		 * 7323 §4.2): it would count the recovery time as round-trip time. */
		int32_t d = ts_before(g->o->ts_ecr, t->ts_rtx)
				    ? -1
				    : ts_diff(tcp_ts_now(s, t), g->o->ts_ecr);
		if (d >= 0 && d <= TCP_RTO_MAX_MS)
			tcp_rtt_sample(t, (uint32_t)d * 1000u);
	} else if ((t->f & TF_RTT_TIMING) && seq_gt(g->ack, t->rtt_seq)) {
		uint64_t d = s->ctx->now_ms - t->rtt_start_ms;
		if (d <= TCP_RTO_MAX_MS)
			tcp_rtt_sample(t, (uint32_t)d * 1000u);
	}
	if (seq_gt(g->ack, t->rtt_seq))
		t->f &= ~(uint32_t)TF_RTT_TIMING;
}

/* ---- Congestion window ------------------------------------------------------------ */

void tcp_cc_init(struct tcp_tcb *t)
{
	uint32_t mss = tcp_smss(t);
	uint32_t iw = 2 * mss > 14600 ? 2 * mss : 14600;
	if (iw > TCP_IW_SEGS * mss)
		iw = TCP_IW_SEGS * mss; /* RFC 6928 */
	/* RFC 5681 §3.1: after a lost SYN or SYN,ACK the initial window is one segment. */
	t->cwnd = (t->f & TF_SYN_RTX) ? mss : iw;
	t->ssthresh = TCP_BUF_MAX;
	t->ca_acc = 0;
	t->dupacks = 0;
}

static void tcp_cc_grow(struct tcp_tcb *t, uint32_t acked)
{
	if (t->cwnd < t->ssthresh) {
		t->cwnd += acked; /* slow start, counting acknowledged bytes */
	} else {
		t->ca_acc += acked; /* congestion avoidance: one SMSS per window */
		if (t->ca_acc >= t->cwnd) {
			t->ca_acc -= t->cwnd;
			t->cwnd += tcp_smss(t);
		}
	}
	if (t->cwnd > TCP_BUF_MAX)
		t->cwnd = TCP_BUF_MAX;
}

bool tcp_cc_on_rto(struct tcp_tcb *t)
{
	uint32_t mss = tcp_smss(t);
	if (t->retries <= 1) { /* RFC 5681 (4), once per loss episode */
		uint32_t flight = seq_dist(t->snd_una, t->snd_max);
		t->ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
	}
	t->cwnd = mss;           /* loss window */
	t->recover = t->snd_max; /* RFC 6582 §3.2 step 1 after a timeout */
	t->dupacks = 0;
	t->ca_acc = 0;
	t->high_rxt = t->snd_una;
	t->f &= ~(uint32_t)(TF_IN_RECOVERY | TF_RTX_HEAD | TF_RTO_RECOVERY);
	/* RFC 6675 §5.1: SACK information is used in the recovery after an RTO (our
	 * scoreboard presumes every hole lost, as after a timeout). A second timeout in a
	 * row may mean the receiver reneged: forget it and go back N (RFC 2018 §8). */
	if ((t->f & TF_SACK_OK) && t->sb_n > 0 && t->retries <= 1) {
		t->f |= TF_IN_RECOVERY | TF_RTO_RECOVERY;
		return true;
	}
	tcp_sack_clear(t);
	return false;
}

static bool tcp_sack_recovery(const struct tcp_tcb *t)
{
	return (t->f & (TF_IN_RECOVERY | TF_SACK_OK)) == (TF_IN_RECOVERY | TF_SACK_OK);
}

uint32_t tcp_flight(const struct tcp_tcb *t)
{
	return tcp_sack_recovery(t) ? tcp_sack_pipe(t) : seq_dist(t->snd_una, t->snd_nxt);
}

/* ---- Scoreboard (RFC 6675 §3) ------------------------------------------------------ */

void tcp_sack_clear(struct tcp_tcb *t)
{
	t->sb_n = 0;
}

/* Adds [l, r) (inside [snd_una, snd_max]) merging what it touches; when full, the
 * highest range is forgotten (a conservative loss of information). */
static void tcp_sb_insert(struct tcp_tcb *t, seq32_t l, seq32_t r)
{
	uint8_t i = 0, j;
	while (i < t->sb_n && seq_lt(t->sb[i].right, l))
		i++;
	for (j = i; j < t->sb_n && seq_leq(t->sb[j].left, r); j++) {
		l = seq_min(l, t->sb[j].left);
		r = seq_max(r, t->sb[j].right);
	}
	if (j == i) {
		if (t->sb_n == TCP_SB_MAX) {
			if (i == TCP_SB_MAX)
				return;
			t->sb_n--;
		}
		memmove(&t->sb[i + 1], &t->sb[i], (size_t)(t->sb_n - i) * sizeof t->sb[0]);
		t->sb_n++;
	} else {
		memmove(&t->sb[i + 1], &t->sb[j], (size_t)(t->sb_n - j) * sizeof t->sb[0]);
		t->sb_n = (uint8_t)(t->sb_n - (j - i - 1));
	}
	t->sb[i] = (struct tcp_range){l, r};
}

static void tcp_sack_update(struct tcp_tcb *t, const struct tcp_seg *g)
{
	for (uint8_t k = 0; k < g->o->sack_count; k++) {
		seq32_t l = seq32(g->o->sack[k].left), r = seq32(g->o->sack[k].right);
		if (!seq_lt(l, r) || seq_leq(r, t->snd_una) || seq_gt(r, t->snd_max))
			continue; /* empty, below SND.UNA (D-SACK) or beyond what was sent */
		tcp_sb_insert(t, seq_max(l, t->snd_una), r);
	}
}

static void tcp_sb_prune(struct tcp_tcb *t)
{
	uint8_t k = 0;
	while (k < t->sb_n && seq_leq(t->sb[k].right, t->snd_una))
		k++;
	if (k > 0) {
		memmove(&t->sb[0], &t->sb[k], (size_t)(t->sb_n - k) * sizeof t->sb[0]);
		t->sb_n = (uint8_t)(t->sb_n - k);
	}
	if (t->sb_n > 0 && seq_lt(t->sb[0].left, t->snd_una))
		t->sb[0].left = t->snd_una;
}

/* IsLost for the hole just below range i (i == sb_n: the hole above the highest SACKed
 * octet): DupThresh SACKed ranges above it, or more than (DupThresh - 1) * SMSS SACKed
 * bytes above it; after an RTO every hole. */
static bool tcp_sb_lost_from(const struct tcp_tcb *t, uint8_t i)
{
	if (t->f & TF_RTO_RECOVERY)
		return true;
	uint32_t bytes = 0;
	for (uint8_t k = i; k < t->sb_n; k++)
		bytes += seq_dist(t->sb[k].left, t->sb[k].right);
	return t->sb_n - i >= TCP_DUPTHRESH || bytes > (TCP_DUPTHRESH - 1) * tcp_smss(t);
}

/* RFC 6675 SetPipe: octets not SACKed and not lost, plus octets retransmitted. */
uint32_t tcp_sack_pipe(const struct tcp_tcb *t)
{
	uint32_t pipe = 0;
	seq32_t pos = t->snd_una;
	for (uint8_t i = 0; i <= t->sb_n; i++) {
		seq32_t end = i < t->sb_n ? t->sb[i].left : t->snd_max;
		if (seq_lt(pos, end)) {
			if (!tcp_sb_lost_from(t, i))
				pipe += seq_dist(pos, end);
			if (seq_gt(t->high_rxt, pos))
				pipe += seq_dist(pos, seq_min(end, t->high_rxt));
		}
		if (i < t->sb_n)
			pos = t->sb[i].right;
	}
	return pipe;
}

/* NextSeg rule 1 (lost_only) or rule 3: the first unSACKed octet above HighRxt in a hole
 * below the highest SACKed octet (after an RTO, also above it). */
bool tcp_sack_next_rtx(const struct tcp_tcb *t, seq32_t *seq, uint32_t *len, bool lost_only)
{
	seq32_t pos = t->snd_una;
	uint8_t holes = (t->f & TF_RTO_RECOVERY) ? (uint8_t)(t->sb_n + 1) : t->sb_n;
	for (uint8_t i = 0; i < holes; i++) {
		seq32_t end = i < t->sb_n ? t->sb[i].left : t->snd_max;
		seq32_t start = seq_max(pos, t->high_rxt);
		if (seq_lt(start, end) && (!lost_only || tcp_sb_lost_from(t, i))) {
			uint32_t n = seq_dist(start, end);
			*seq = start;
			*len = n < tcp_smss(t) ? n : tcp_smss(t);
			return true;
		}
		if (i < t->sb_n)
			pos = t->sb[i].right;
	}
	return false;
}

/* ---- Recovery (RFC 6582, RFC 6675) ------------------------------------------------ */

static void tcp_enter_recovery(struct tcp_stack *s, struct tcp_tcb *t)
{
	uint32_t mss = tcp_smss(t), flight = seq_dist(t->snd_una, t->snd_max);
	t->ssthresh = flight / 2 > 2 * mss ? flight / 2 : 2 * mss;
	t->recover = t->snd_max;
	t->f |= TF_IN_RECOVERY | TF_RTX_HEAD;
	if (t->f & TF_SACK_OK) {
		t->cwnd = t->ssthresh;
		t->high_rxt = t->snd_una;
	} else {
		t->cwnd = t->ssthresh + TCP_DUPTHRESH * mss;
	}
	MOS_CTR_INC(&s->ctr, tcp_ctr_fast_retransmits);
	tcp_out_want(s, t, TOF_DATA);
}

static void tcp_ack_dup(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (t->f & TF_IN_RECOVERY) {
		if (!(t->f & TF_SACK_OK))
			t->cwnd += tcp_smss(t); /* NewReno: each further dup ACK inflates */
		tcp_out_want(s, t, TOF_DATA);
		return;
	}
	if (t->dupacks < UINT8_MAX)
		t->dupacks++;
	bool lost = (t->f & TF_SACK_OK) && t->sb_n > 0 && tcp_sb_lost_from(t, 0);
	if (t->dupacks < TCP_DUPTHRESH && !lost) {
		tcp_out_want(s, t, TOF_DATA); /* limited transmit (RFC 3042) */
		return;
	}
	/* RFC 6582 §3.2 step 2: not again for losses of a window already recovered. */
	if (!seq_geq(t->snd_una, t->recover))
		return;
	tcp_enter_recovery(s, t);
}

static void tcp_recovery_ack(struct tcp_tcb *t, seq32_t ack, uint32_t acked)
{
	uint32_t mss = tcp_smss(t);
	if (seq_geq(ack, t->recover)) { /* full ACK: recovery is over */
		bool after_rto = (t->f & TF_RTO_RECOVERY) != 0;
		t->f &= ~(uint32_t)(TF_IN_RECOVERY | TF_RTX_HEAD | TF_RTO_RECOVERY);
		if (after_rto) {
			/* slow start goes on from the loss window */
		} else if (t->f & TF_SACK_OK) {
			t->cwnd = t->ssthresh;
		} else {
			uint32_t flight = seq_dist(t->snd_una, t->snd_max);
			uint32_t c = (flight > mss ? flight : mss) + mss;
			t->cwnd = c < t->ssthresh ? c : t->ssthresh;
		}
		t->dupacks = 0;
		t->ca_acc = 0;
		return;
	}
	if (!(t->f & TF_SACK_OK)) { /* NewReno partial ACK (RFC 6582 §3.2 step 4) */
		t->f |= TF_RTX_HEAD;
		t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
		if (acked >= mss)
			t->cwnd += mss;
		if (t->cwnd < mss)
			t->cwnd = mss;
	}
}

/* SND.UNA advances: free acknowledged bytes, sample the RTT, grow or recover. */
static void tcp_ack_new(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	uint32_t acked = seq_dist(t->snd_una, g->ack);
	tcp_rtt_on_ack(s, t, g);
	uint32_t queued = t->snd != NULL ? spsc_bytes_readable(t->snd) : 0;
	uint32_t data = acked < queued ? acked : queued; /* the FIN takes no buffer byte */
	if (data > 0)
		spsc_bytes_consume(t->snd, data);
	t->snd_una = g->ack;
	if (seq_lt(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	if (seq_lt(t->high_rxt, t->snd_una))
		t->high_rxt = t->snd_una;
	tcp_sb_prune(t);
	t->retries = 0;
	if (t->f & TF_IN_RECOVERY) {
		if (t->f & TF_RTO_RECOVERY)
			tcp_cc_grow(t, acked); /* slow start from the loss window */
		tcp_recovery_ack(t, g->ack, acked);
	} else {
		tcp_cc_grow(t, acked);
		t->dupacks = 0;
	}
	if (seq_eq(t->snd_una, t->snd_max))
		tcp_rtx_stop(s, t); /* RFC 6298 §5.2 */
	else
		tcp_rtx_arm(s, t); /* §5.3 */
	tcp_out_want(s, t, TOF_DATA);
	if (data > 0) {
		/* Pairs with the fence in tcp_app_write: either it sees the space or we see
		 * its request. */
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&t->want_wspace, memory_order_relaxed) &&
		    atomic_exchange_explicit(&t->want_wspace, false, memory_order_relaxed))
			tcp_wake(s, t, TCP_POLL_OUT);
	}
}

static bool tcp_is_dupack(const struct tcp_tcb *t, const struct tcp_seg *g)
{
	return seq_eq(g->ack, t->snd_una) && seq_lt(t->snd_una, t->snd_max) &&
	       !(t->f & TF_PERSIST) && g->len == 0 &&
	       !tcp_has(g, WIRE_TCP_SYN | WIRE_TCP_FIN) &&
	       ((uint32_t)g->wnd << t->snd_wscale) == t->snd_wnd;
}

/* RFC 9293: the window is taken from the newest segment (SND.WL1, SND.WL2). */
static void tcp_update_window(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	if (!seq_between(g->ack, t->snd_una, t->snd_max))
		return;
	if (!(seq_lt(t->snd_wl1, g->seq) ||
	      (seq_eq(t->snd_wl1, g->seq) && seq_leq(t->snd_wl2, g->ack))))
		return;
	uint32_t old = t->snd_wnd;
	t->snd_wnd = (uint32_t)g->wnd << t->snd_wscale;
	t->snd_wl1 = g->seq;
	t->snd_wl2 = g->ack;
	if (t->snd_wnd > t->max_snd_wnd)
		t->max_snd_wnd = t->snd_wnd;
	if (t->snd_wnd > old) {
		if ((t->f & TF_PERSIST) && old == 0)
			tcp_rtx_stop(s, t);
		tcp_out_want(s, t, TOF_DATA);
	}
}

void tcp_ack_process(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	bool sacked = (t->f & TF_SACK_OK) && (g->opts & WIRE_TCPOPT_SACK);
	if (sacked)
		tcp_sack_update(t, g);
	if (seq_gt(g->ack, t->snd_una)) {
		tcp_ack_new(s, t, g);
		/* An ACK that advances SND.UNA may still show a loss above it (IsLost of
		 * the new first hole): recover now rather than wait for duplicates. */
		if (sacked && !(t->f & TF_IN_RECOVERY) && t->sb_n > 0 &&
		    tcp_sb_lost_from(t, 0) && seq_geq(t->snd_una, t->recover))
			tcp_enter_recovery(s, t);
	} else if (tcp_is_dupack(t, g)) {
		tcp_ack_dup(s, t);
	}
	tcp_update_window(s, t, g);
}
