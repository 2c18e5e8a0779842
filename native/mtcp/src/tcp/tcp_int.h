/* tcp_int.h - internals shared by the files of tcp/ (the socket layer uses tcp.h). */
#ifndef MOS_TCP_TCP_INT_H
#define MOS_TCP_TCP_INT_H

#include "engine/ctx.h"
#include "mos_api.h"
#include "tcp/tcp.h"
#include "wire/tcp.h"

/* A received segment in host order, after validation (wire layer). */
struct tcp_seg {
	seq32_t seq;
	seq32_t ack;
	uint16_t flags; /* WIRE_TCP_* */
	uint16_t wnd;   /* raw window field */
	uint32_t len;   /* payload bytes (trimmed by the acceptability step) */
	const uint8_t *data;
	uint8_t opts; /* usable WIRE_TCPOPT_* bits */
	const struct wire_tcp_opts *o;
	uint32_t src, dst; /* peer and local address */
	uint16_t sport, dport;
	uint16_t in_port;
};

static inline bool tcp_has(const struct tcp_seg *g, uint16_t flag)
{
	return (g->flags & flag) != 0;
}

/* SEG.LEN of RFC 9293: payload plus one for SYN and one for FIN. */
static inline uint32_t tcp_seg_seqlen(const struct tcp_seg *g)
{
	return g->len + (tcp_has(g, WIRE_TCP_SYN) ? 1u : 0u) +
	       (tcp_has(g, WIRE_TCP_FIN) ? 1u : 0u);
}

/* Result of an input step: go on with the next step, or stop. Stopping returns a drop
 * reason (the engine counts it) or DROP_NONE (the segment was used). */
#define TCP_CONTINUE (-1)

/* ---- tcp_stack.c ----------------------------------------------------------------- */
/* Our timestamp clock (ms) for t, RFC 7323 §5.4 offset included. */
static inline uint32_t tcp_ts_now(const struct tcp_stack *s, const struct tcp_tcb *t)
{
	return (uint32_t)s->ctx->now_ms + t->ts_offset;
}
struct tcp_tcb *tcp_tcb_new(struct tcp_stack *s);
int tcp_tcb_buffers(struct tcp_stack *s, struct tcp_tcb *t);
int tcp_flow_add(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_flow_del(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_set_state(struct tcp_stack *s, struct tcp_tcb *t, uint8_t state);
/* Publishes app-visible state bits (release). */
static inline void tcp_sflags_set(struct tcp_tcb *t, uint32_t set, uint32_t clear)
{
	uint32_t v = atomic_load_explicit(&t->sflags, memory_order_relaxed);
	atomic_store_explicit(&t->sflags, (v | set) & ~clear, memory_order_release);
}
/* The connection is over (CLOSED): out of the flow table, timers off; err (errno) is
 * reported to the application when non-zero. Freed once the application let go. */
void tcp_conn_end(struct tcp_stack *s, struct tcp_tcb *t, int err);
/* Frees t at the next safe point if nothing holds it any more. */
void tcp_maybe_free(struct tcp_stack *s, struct tcp_tcb *t);
/* Takes t off its listener's embryonic list (SYN_RCVD). */
void tcp_lsn_unlink(struct tcp_tcb *t);
/* Records output wanted for t and puts it on the output list (once per poll). */
static inline void tcp_out_want(struct tcp_stack *s, struct tcp_tcb *t, uint32_t oflags)
{
	t->out |= oflags;
	if (t->f & TF_ON_OUT)
		return;
	t->f |= TF_ON_OUT;
	t->out_next = NULL;
	if (s->out_tail != NULL)
		s->out_tail->out_next = t;
	else
		s->out_head = t;
	s->out_tail = t;
}
void tcp_work_add(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_wake(struct tcp_stack *s, struct tcp_tcb *t, uint32_t bits);
void tcp_wake_listener(struct tcp_stack *s, struct tcp_listener *l);
/* RFC 6528 ISN of a new connection; *ts_offset its timestamp offset (same hash). */
uint32_t tcp_isn(const struct tcp_stack *s, const struct flow_key *k, uint32_t *ts_offset);
void tcp_route(struct tcp_stack *s, struct tcp_tcb *t);
bool tcp_challenge_allowed(struct tcp_stack *s);
/* Bytes of data in the send ring (from snd_una on). */
static inline uint32_t tcp_snd_queued(const struct tcp_tcb *t)
{
	return t->snd != NULL ? spsc_bytes_used(t->snd) : 0;
}

/* ---- tcp_input.c / tcp_in_sync.c -------------------------------------------------- */
int tcp_in_synchronized(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g);
void tcp_established(struct tcp_stack *s, struct tcp_tcb *t);
/* ISS (RFC 6528), window scale and timestamp offset of a new connection. */
void tcp_init_seqs(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_opts_from_syn(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g);

/* ---- tcp_rcv.c ------------------------------------------------------------------- */
/* Window we can offer now (bytes), and the value to put in the header. */
uint32_t tcp_rcv_window(const struct tcp_tcb *t);
uint16_t tcp_rcv_wnd_field(struct tcp_tcb *t);
/* Seventh step: the segment's text. */
void tcp_rcv_text(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g);
/* Eighth step helper: FIN at rcv_nxt reached. */
void tcp_rcv_fin_check(struct tcp_stack *s, struct tcp_tcb *t);
/* SACK blocks to report (newest first); returns the count. */
uint8_t tcp_rcv_sack_blocks(struct tcp_tcb *t, struct wire_tcp_sack_block *out, uint8_t max);
void tcp_rcv_release(struct tcp_tcb *t);

/* ---- tcp_ack.c ------------------------------------------------------------------- */
/* Fifth step for ESTABLISHED and later: SND.UNA, RTT, congestion control, recovery. */
void tcp_ack_process(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g);
void tcp_rtt_sample(struct tcp_tcb *t, uint32_t rtt_us);
/* An RTT sample from an ACK of new data: the timestamp echo, or the timed segment. */
void tcp_rtt_on_ack(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g);
void tcp_cc_init(struct tcp_tcb *t);
/* RTO: loss window, ssthresh; true when SACK information is kept and recovery resends
 * only the holes (the caller then keeps snd_nxt), false for go-back-N. */
bool tcp_cc_on_rto(struct tcp_tcb *t);
uint32_t tcp_sack_pipe(const struct tcp_tcb *t);
/* RFC 6675 NextSeg rule 1 (lost_only) or rule 3: a range to retransmit; false if none. */
bool tcp_sack_next_rtx(const struct tcp_tcb *t, seq32_t *seq, uint32_t *len, bool lost_only);
void tcp_sack_clear(struct tcp_tcb *t);
/* Bytes in flight as the congestion window sees them. */
uint32_t tcp_flight(const struct tcp_tcb *t);

/* ---- tcp_output.c ---------------------------------------------------------------- */
void tcp_output_all(struct tcp_stack *s);
/* RST for a segment that found no connection (RFC 9293 §3.10.7.1 / reset generation). */
void tcp_send_rst_for(struct tcp_stack *s, const struct tcp_seg *g);
/* Sequence number where our FIN goes (end of queued data). */
static inline seq32_t tcp_snd_end(const struct tcp_tcb *t)
{
	return seq_add(t->snd_una, tcp_snd_queued(t));
}
/* Payload bytes per full-sized segment we send (MSS minus the timestamp option). */
static inline uint32_t tcp_seg_payload_max(const struct tcp_tcb *t)
{
	return t->smss - ((t->f & TF_TS_OK) ? 12u : 0u);
}

/* ---- tcp_timer.c ----------------------------------------------------------------- */
void tcp_timers_init(struct tcp_tcb *t);
void tcp_timers_stop(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_rtx_arm(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_rtx_stop(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_persist_arm(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_delack_arm(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_slow_arm(struct tcp_stack *s, struct tcp_tcb *t);
/* After the segment that made an orphan FIN_WAIT_2 (TF_ORPHAN_ARM): its slow timer. */
void tcp_orphan_arm(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_enter_time_wait(struct tcp_stack *s, struct tcp_tcb *t);
void tcp_timer_work(struct tcp_stack *s, struct tcp_tcb *t);

#endif /* MOS_TCP_TCP_INT_H */
