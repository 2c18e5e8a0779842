/* mon_flow.c - life of a monitored flow: creation (client SYN, or any packet when a
 * passive socket picks up connections mid-stream), activity order (LRU) for eviction,
 * idle timeout and TIME_WAIT on one wheel timer per flow, queued CONN_NEW_DATA, and
 * destruction with CONN_END per monitored side.
 *
 * Timers: the flow timer is armed once for the idle deadline and not moved on every
 * packet (that would cost a wheel re-link per packet); when it fires early it re-arms
 * itself at last activity + timeout. Entering TIME_WAIT arms it for tcp_tw_interval when
 * that comes first. Every flow thus expires at its own deadline (no head-of-line wait). */
#include <errno.h>
#include <string.h>

#include "base/assert.h"
#include "mon/mon.h"

/* ---- activity order ------------------------------------------------------------------ */

static void mon_lru_unlink(struct mon_ctx *m, struct mon_flow *f)
{
	if (f->lru_prev != NULL)
		f->lru_prev->lru_next = f->lru_next;
	else
		m->lru_head = f->lru_next;
	if (f->lru_next != NULL)
		f->lru_next->lru_prev = f->lru_prev;
	else
		m->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = NULL;
}

static void mon_lru_append(struct mon_ctx *m, struct mon_flow *f)
{
	f->lru_next = NULL;
	f->lru_prev = m->lru_tail;
	if (m->lru_tail != NULL)
		m->lru_tail->lru_next = f;
	else
		m->lru_head = f;
	m->lru_tail = f;
}

void mon_flow_lru_move(struct mon_ctx *m, struct mon_flow *f)
{
	mon_lru_unlink(m, f);
	mon_lru_append(m, f);
}

void mon_flow_unhash(struct mon_ctx *m, struct mon_flow *f)
{
	if (m->last_flow == f)
		m->last_flow = NULL;
	flow_table_remove(&m->table, &f->tkey);
}

/* ---- timers ------------------------------------------------------------------------ */

static void mon_flow_timer_arm(struct mon_ctx *m, struct mon_flow *f)
{
	uint64_t now = m->eng->now_ms;
	uint64_t deadline = UINT64_MAX;
	if (m->timeout_ms > 0) {
		uint32_t idle = (uint32_t)now - f->last_ms;
		uint32_t left =
			idle >= (uint32_t)m->timeout_ms ? 0 : (uint32_t)m->timeout_ms - idle;
		deadline = now + left;
	}
	if ((f->flags & MON_FF_TW) && !(f->flags & MON_FF_TW_OVER) &&
	    f->tw_deadline_ms < deadline)
		deadline = f->tw_deadline_ms;
	if (deadline != UINT64_MAX)
		tw_arm(&m->eng->wheel, &f->timer, deadline);
	else
		tw_cancel(&m->eng->wheel, &f->timer);
}

static void mon_flow_timer_fired(struct tw_wheel *w, struct tw_timer *t, uint64_t now_ms)
{
	struct mon_flow *f = MOS_CONTAINER_OF(t, struct mon_flow, timer);
	/* The wheel is the context's: no back pointer per flow needed. */
	struct mon_ctx *m = mon_of(MOS_CONTAINER_OF(w, struct eng_ctx, wheel));
	if ((f->flags & MON_FF_TW) && !(f->flags & MON_FF_TW_OVER) &&
	    now_ms >= f->tw_deadline_ms) {
		f->flags |= MON_FF_TW_OVER;
		if (mon_side_finished(m, f, 0) && mon_side_finished(m, f, 1)) {
			mon_flow_end(m, f, MOS_FLOW_END_FIN);
			return;
		}
	}
	if (m->timeout_ms > 0 && (uint32_t)now_ms - f->last_ms >= (uint32_t)m->timeout_ms) {
		mon_flow_end(m, f, MOS_FLOW_END_TIMEOUT);
		return;
	}
	mon_flow_timer_arm(m, f);
}

/* ---- NEW_DATA queue ------------------------------------------------------------------ */

void mon_flow_pending_link(struct mon_ctx *m, struct mon_flow *f)
{
	f->flags |= MON_FF_PENDING;
	f->pend_next = NULL;
	f->pend_prev = m->pend_tail;
	if (m->pend_tail != NULL)
		m->pend_tail->pend_next = f;
	else
		m->pend_head = f;
	m->pend_tail = f;
}

void mon_flow_pending_deliver(struct mon_ctx *m, struct mon_flow *f)
{
	if (!(f->flags & MON_FF_PENDING))
		return;
	if (f->pend_prev != NULL)
		f->pend_prev->pend_next = f->pend_next;
	else
		m->pend_head = f->pend_next;
	if (f->pend_next != NULL)
		f->pend_next->pend_prev = f->pend_prev;
	else
		m->pend_tail = f->pend_prev;
	f->flags &= (uint8_t)~MON_FF_PENDING;
	uint8_t sides = f->pending_sides;
	f->pending_sides = 0;
	struct mon_pkt *cur = m->cur; /* NEW_DATA has no current packet */
	m->cur = NULL;
	for (int r = 0; r < 2; r++) {
		if ((sides & (1u << r)) && (f->side[r].flags & MON_SF_BUFFERED))
			mon_raise_flow(m, f, MON_HK_NULL, r, MON_BIT(MON_EV_NEW_DATA), NULL);
	}
	m->cur = cur;
}

void mon_batch_end(struct eng_ctx *ctx)
{
	struct mon_ctx *m = mon_of(ctx);
	if (m == NULL || !atomic_load_explicit(&m->ready, memory_order_acquire))
		return;
	struct mon_flow *f;
	while ((f = m->pend_head) != NULL) {
		mon_flow_pending_deliver(m, f);
		mon_flow_settle(m, f);
	}
}

/* ---- destruction -------------------------------------------------------------------- */

void mon_flow_tombstone(struct mon_ctx *m, struct mon_flow *f)
{
	if (f->flags & MON_FF_TOMBSTONE)
		return;
	mon_flow_pending_deliver(m, f);
	f->flags |= MON_FF_TOMBSTONE;
	mon_fsock_release_all(m, f);
	mon_reasm_free(m, f, MOS_SIDE_CLI);
	mon_reasm_free(m, f, MOS_SIDE_SVR);
}

/* STATE_CHANGE (to CLOSED) and CONN_END of one side, at both hooks. */
static void mon_flow_end_side(struct mon_ctx *m, struct mon_flow *f, int side)
{
	struct mon_side *s = &f->side[side];
	if (!(s->flags & MON_SF_MONITORED))
		return;
	uint32_t ev = MON_BIT(MON_EV_CONN_END);
	if (mon_state_public(s->state) != TCP_CLOSED)
		ev |= MON_BIT(MON_EV_STATE_CHANGE);
	s->state = MON_ST_CLOSED_RSVD;
	mon_raise_flow(m, f, MON_HK_SND, side, ev, NULL);
	mon_raise_flow(m, f, MON_HK_RCV, side, ev, NULL);
}

void mon_flow_end(struct mon_ctx *m, struct mon_flow *f, int reason)
{
	if (f->flags & MON_FF_DEAD)
		return;
	f->flags |= MON_FF_DEAD;
	if (f->end_reason == MOS_FLOW_END_NONE)
		f->end_reason = (uint8_t)reason;
	mon_flow_pending_deliver(m, f);
	mon_reasm_finish(f, MOS_SIDE_CLI);
	mon_reasm_finish(f, MOS_SIDE_SVR);
	struct mon_pkt *cur = m->cur; /* CONN_END has no current packet */
	m->cur = NULL;
	mon_flow_end_side(m, f, MOS_SIDE_CLI);
	mon_flow_end_side(m, f, MOS_SIDE_SVR);
	m->cur = cur;
	if (cur != NULL && cur->flow == f)
		cur->flow = NULL;
	tw_cancel(&m->eng->wheel, &f->timer);
	mon_flow_unhash(m, f);
	mon_lru_unlink(m, f);
	mon_fsock_release_all(m, f);
	mon_reasm_free(m, f, MOS_SIDE_CLI);
	mon_reasm_free(m, f, MOS_SIDE_SVR);
	atomic_fetch_sub_explicit(&m->eng->flows, 1, memory_order_relaxed);
	mon_count(m, mon_ctr_flows_ended, 1);
	pool_put(&m->flows, f);
}

/* States from which a side can be finished (see mon_side_finished). */
static bool mon_state_ending(uint8_t st)
{
	return st == TCP_CLOSED || st == TCP_TIME_WAIT || st == MON_ST_CLOSED_RSVD;
}

void mon_flow_settle(struct mon_ctx *m, struct mon_flow *f)
{
	/* The common case, one test per side: both endpoints mid-connection and no
	 * socket changed the flow's monitoring. */
	if (!(f->flags & (MON_FF_DEAD | MON_FF_TOMBSTONE | MON_FF_SETTLE)) &&
	    !mon_state_ending(f->side[0].state) && !mon_state_ending(f->side[1].state))
		return;
	if (f->flags & (MON_FF_DEAD | MON_FF_TOMBSTONE))
		return;
	f->flags &= (uint8_t)~MON_FF_SETTLE;
	const struct mon_side *c = &f->side[0], *s = &f->side[1];
	if (!(c->flags & MON_SF_MONITORED) && !(s->flags & MON_SF_MONITORED)) {
		mon_flow_tombstone(m, f);
		return;
	}
	if (mon_side_finished(m, f, 0) && mon_side_finished(m, f, 1)) {
		mon_flow_end(m, f, (c->rst || s->rst) ? MOS_FLOW_END_RST : MOS_FLOW_END_FIN);
		return;
	}
	if (m->tw_ms > 0 && !(f->flags & MON_FF_TW) &&
	    (c->state == TCP_TIME_WAIT || s->state == TCP_TIME_WAIT)) {
		f->flags |= MON_FF_TW;
		f->tw_deadline_ms = m->eng->now_ms + m->tw_ms;
		mon_flow_timer_arm(m, f);
	}
}

bool mon_flow_reused(const struct mon_flow *f, int from, seq32_t isn)
{
	const struct mon_side *s = &f->side[from];
	if ((s->flags & MON_SF_ISN) && seq_eq(s->isn, isn) && s->syn)
		return false; /* a retransmitted SYN */
	if (f->flags & MON_FF_TOMBSTONE)
		return true;
	for (int i = 0; i < 2; i++) {
		uint8_t st = f->side[i].state;
		if (st == TCP_CLOSED || st == MON_ST_CLOSED_RSVD || st == TCP_TIME_WAIT)
			return true;
	}
	/* The client tries again with a new ISN while its previous SYN went unanswered.
	 * (A SYN from the server side is a simultaneous open or split handshake.) */
	return from == MOS_SIDE_CLI && s->state == TCP_SYN_SENT;
}

/* ---- creation ------------------------------------------------------------------------- */

/* Port classes for mid-stream roles: well-known, registered, ephemeral. */
static int mon_port_class(uint16_t port)
{
	return port < 1024 ? 0 : port < 32768 ? 1 : 2;
}

/* The side of the packet's sender in a new flow. */
static int mon_sender_role(const struct wire_pkt *w, int midstream)
{
	uint16_t fl = w->tcp.flags;
	if ((fl & WIRE_TCP_SYN) && !(fl & WIRE_TCP_ACK))
		return MOS_SIDE_CLI;
	if (fl & WIRE_TCP_SYN)
		return MOS_SIDE_SVR; /* a SYN/ACK comes from the server */
	if (midstream == MOS_MIDSTREAM_FIRST)
		return MOS_SIDE_CLI;
	int cs = mon_port_class(w->tcp.sport), cd = mon_port_class(w->tcp.dport);
	return cs < cd ? MOS_SIDE_SVR : MOS_SIDE_CLI;
}

struct mon_match {
	uint32_t n;
	int midstream;
	struct mon_lsock *ls[MON_MAX_LSOCK];
};

/* The passive sockets that take this first packet, in slot (attachment) order. */
static void mon_flow_match(struct mon_ctx *m, const struct wire_pkt *w, const uint8_t *frame,
			   bool syn, struct mon_match *out)
{
	uint32_t hi = atomic_load_explicit(&m->lsock_hi, memory_order_acquire);
	out->n = 0;
	out->midstream = 0;
	for (uint32_t i = 0; i < hi; i++) {
		struct mon_lsock *ls = atomic_load_explicit(&m->lsock[i], memory_order_acquire);
		if (ls == NULL || ls->kind != MOS_SOCK_MONITOR_STREAM ||
		    atomic_load(&ls->closed))
			continue;
		int mid = atomic_load_explicit(&ls->midstream, memory_order_relaxed);
		if (!syn && mid == MOS_MIDSTREAM_OFF)
			continue;
		const struct mon_bpf *flt =
			atomic_load_explicit(&ls->syn_filter, memory_order_acquire);
		if (flt != NULL && !mon_bpf_match(m, flt, frame, w->frame_len, w))
			continue;
		if (out->n == 0)
			out->midstream = mid;
		out->ls[out->n++] = ls;
	}
}

/* Initial emulation state and per-side settings of a new flow. */
static void mon_flow_init_sides(struct mon_ctx *m, struct mon_flow *f, const struct wire_pkt *w,
				int from, const struct mon_match *mt)
{
	bool syn = (w->tcp.flags & WIRE_TCP_SYN) != 0, ack = (w->tcp.flags & WIRE_TCP_ACK) != 0;
	for (int side = 0; side < 2; side++) {
		struct mon_side *sd = &f->side[side];
		int32_t best = 0;
		for (uint32_t i = 0; i < mt->n; i++) {
			int32_t b = atomic_load_explicit(&mt->ls[i]->buf_bytes[side],
							 memory_order_relaxed);
			b = b < 0 ? (int32_t)m->rmem : b;
			best = b > best ? b : best;
		}
		sd->buf_cap = (uint32_t)best;
		if (best > 0)
			sd->flags |= MON_SF_BUFFERED;
		sd->overlap =
			atomic_load_explicit(&mt->ls[0]->overlap[side], memory_order_relaxed);
		if (syn && !ack)
			sd->state = side == MOS_SIDE_CLI ? TCP_CLOSED : TCP_LISTEN;
		else if (syn)
			sd->state = side == MOS_SIDE_CLI ? TCP_SYN_SENT : TCP_LISTEN;
		else
			sd->state = TCP_ESTABLISHED;
	}
	if (syn && ack) { /* picked up at the SYN/ACK: the client's ISN is ack - 1 */
		struct mon_side *c = &f->side[!from];
		c->isn = seq32(w->tcp.ack - 1);
		c->snd_max = seq32(w->tcp.ack);
		c->flags |= MON_SF_ISN;
		c->syn = 1;
	}
}

/* A flow record: from the pool, or the least recently active flow's. */
static struct mon_flow *mon_flow_alloc(struct mon_ctx *m)
{
	struct mon_flow *f = pool_get(&m->flows);
	if (f == NULL && m->lru_head != NULL) {
		mon_count(m, mon_ctr_flows_evicted, 1);
		mon_flow_end(m, m->lru_head, MOS_FLOW_END_EVICTED);
		f = pool_get(&m->flows);
	}
	return f;
}

static int mon_flow_attach(struct mon_ctx *m, struct mon_flow *f, const struct mon_match *mt)
{
	for (uint32_t i = 0; i < mt->n; i++) {
		if (mon_fsock_attach(m, f, mt->ls[i]) != 0)
			mon_count(m, mon_ctr_table_full, 1);
	}
	mon_flow_sides_update(f);
	mon_flow_masks_update(f);
	f->flags |= MON_FF_SETTLE; /* the first settle checks everything */
	return f->nsocks > 0 ? 0 : -ENFILE;
}

struct mon_flow *mon_flow_create(struct mon_ctx *m, const struct wire_pkt *w,
				 const uint8_t *frame, int *from)
{
	uint16_t fl = w->tcp.flags;
	bool syn = (fl & WIRE_TCP_SYN) && !(fl & WIRE_TCP_ACK);
	if (fl & WIRE_TCP_RST)
		return NULL;
	struct mon_match mt;
	mon_flow_match(m, w, frame, syn, &mt);
	if (mt.n == 0)
		return NULL;
	struct mon_flow *f = mon_flow_alloc(m);
	if (f == NULL) {
		mon_count(m, mon_ctr_table_full, 1);
		return NULL;
	}
	memset(f, 0, sizeof *f);
	*from = mon_sender_role(w, mt.midstream);
	struct flow_key k = {w->ipv4.src, w->ipv4.dst, w->tcp.sport, w->tcp.dport};
	f->key = *from == MOS_SIDE_CLI ? k : flow_key_reverse(k);
	f->tkey = mon_table_key(w);
	if (!syn)
		f->flags |= MON_FF_MIDSTREAM;
	f->flow_id = ++m->next_flow_id;
	mon_flow_init_sides(m, f, w, *from, &mt);
	if (flow_table_insert(&m->table, &f->tkey, f) != 0 || mon_flow_attach(m, f, &mt) != 0) {
		mon_flow_unhash(m, f);
		mon_fsock_release_all(m, f);
		pool_put(&m->flows, f);
		mon_count(m, mon_ctr_table_full, 1);
		return NULL;
	}
	tw_timer_init(&f->timer, mon_flow_timer_fired);
	f->last_ms = (uint32_t)m->eng->now_ms;
	mon_lru_append(m, f);
	mon_flow_timer_arm(m, f);
	atomic_fetch_add_explicit(&m->eng->flows, 1, memory_order_relaxed);
	mon_count(m, mon_ctr_flows_created, 1);
	if (!syn)
		mon_count(m, mon_ctr_flows_midstream, 1);
	return f;
}
