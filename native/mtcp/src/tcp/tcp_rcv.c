/* tcp_rcv.c - the receive side of a connection: the window we offer (RFC 9293
 * §3.8.6.2.2 receiver SWS avoidance, RFC 7323 §2 scaling, never shrinking), in-order
 * data into the socket's ring, out-of-order data into the reassembly buffer
 * (tcp/rbuf.h) until the hole before it fills, SACK blocks (RFC 2018 §4), the
 * acknowledgement policy (RFC 1122 §4.2.3.2, RFC 5681 §4.2) and the FIN. */
#include "base/assert.h"
#include "tcp/tcp_int.h"

static uint32_t tcp_rcv_limit(const struct tcp_tcb *t)
{
	uint32_t cap = spsc_bytes_capacity(t->rcv);
	uint32_t lim =
		atomic_load_explicit(&((struct tcp_tcb *)t)->rcv_limit, memory_order_relaxed);
	return lim < cap ? lim : cap;
}

uint32_t tcp_rcv_window(const struct tcp_tcb *t)
{
	if (t->rcv == NULL)
		return 0;
	uint32_t lim = tcp_rcv_limit(t);
	uint32_t used = spsc_bytes_used(t->rcv);
	return used >= lim ? 0 : lim - used;
}

uint16_t tcp_rcv_wnd_field(struct tcp_tcb *t)
{
	uint32_t win = tcp_rcv_window(t);
	uint32_t cur = seq_gt(t->rcv_adv, t->rcv_nxt) ? seq_dist(t->rcv_nxt, t->rcv_adv) : 0;
	uint32_t lim = t->rcv != NULL ? tcp_rcv_limit(t) : 0;
	uint32_t sws = lim / 2 < t->smss ? lim / 2 : t->smss;
	if (win > cur && win - cur < sws)
		win = cur; /* hold a small increase back (receiver SWS avoidance) */
	if (win < cur)
		win = cur; /* never move the right edge back */
	uint32_t field = win >> t->rcv_wscale;
	if ((field << t->rcv_wscale) < cur)
		field++; /* scaling granularity: keep the old edge */
	if (field > 0xffffu)
		field = 0xffffu;
	seq32_t edge = seq_add(t->rcv_nxt, field << t->rcv_wscale);
	if (seq_gt(edge, t->rcv_adv))
		t->rcv_adv = edge;
	return (uint16_t)field;
}

/* Remembers that out-of-order data arrived at `off` (the first SACK block names the
 * most recent arrival, RFC 2018 §4). */
static void tcp_rsack_note(struct tcp_tcb *t, uint64_t off)
{
	uint8_t n = t->rsack_n < TCP_RSACK_MAX ? t->rsack_n : TCP_RSACK_MAX - 1;
	for (uint8_t i = n; i > 0; i--)
		t->rsack[i] = t->rsack[i - 1];
	t->rsack[0] = off;
	t->rsack_n = (uint8_t)(n + 1);
}

static int tcp_frag_of(const struct rbuf *b, uint64_t off)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);
	for (uint32_t i = 0; i < rbuf_frag_count(b); i++)
		if (f[i].start <= off && off < f[i].end)
			return (int)i;
	return -1;
}

static void tcp_block_of(const struct tcp_tcb *t, const struct rbuf_frag *f,
			 struct wire_tcp_sack_block *out)
{
	out->left = seq_raw(seq_add(t->rcv_nxt, (uint32_t)(f->start - t->rcv_off)));
	out->right = seq_raw(seq_add(t->rcv_nxt, (uint32_t)(f->end - t->rcv_off)));
}

uint8_t tcp_rcv_sack_blocks(struct tcp_tcb *t, struct wire_tcp_sack_block *out, uint8_t max)
{
	if (t->ooo.capacity == 0 || rbuf_frag_count(&t->ooo) == 0) {
		t->rsack_n = 0;
		return 0;
	}
	const struct rbuf_frag *f = rbuf_frag_array(&t->ooo);
	uint32_t nf = rbuf_frag_count(&t->ooo);
	uint64_t used = 0; /* fragments already reported (RBUF_MAX_FRAGS <= 64) */
	uint8_t k = 0, keep = 0;
	for (uint8_t i = 0; i < t->rsack_n; i++) {
		int j = tcp_frag_of(&t->ooo, t->rsack[i]);
		if (j < 0 || (used & (UINT64_C(1) << j)))
			continue;
		used |= UINT64_C(1) << j;
		t->rsack[keep++] = t->rsack[i];
		if (k < max)
			tcp_block_of(t, &f[j], &out[k++]);
	}
	t->rsack_n = keep;
	/* As many distinct blocks as fit: the others in sequence order. */
	for (uint32_t j = 0; j < nf && k < max; j++)
		if (!(used & (UINT64_C(1) << j)))
			tcp_block_of(t, &f[j], &out[k++]);
	return k;
}

/* Moves what the reassembly buffer holds right after rcv_nxt into the ring. */
static void tcp_rcv_pull(struct tcp_tcb *t)
{
	rbuf_release(&t->ooo, t->rcv_off);
	for (;;) {
		uint64_t avail = rbuf_avail_at(&t->ooo, t->rcv_off);
		if (avail == 0)
			break;
		struct rbuf_span sp[8];
		uint32_t n = rbuf_spans(&t->ooo, t->rcv_off, avail, sp, 8);
		uint32_t moved = 0;
		bool short_write = false;
		for (uint32_t i = 0; i < n && !short_write; i++) {
			uint32_t w = spsc_bytes_write(t->rcv, sp[i].data, sp[i].len);
			moved += w;
			short_write = w < sp[i].len;
		}
		t->rcv_nxt = seq_add(t->rcv_nxt, moved);
		t->rcv_off += moved;
		rbuf_release(&t->ooo, t->rcv_off);
		if (moved == 0 || short_write)
			break;
	}
	if (rbuf_frag_count(&t->ooo) == 0)
		rbuf_fini(&t->ooo);
}

void tcp_rcv_release(struct tcp_tcb *t)
{
	if (t->ooo.capacity != 0)
		rbuf_fini(&t->ooo);
	t->rsack_n = 0;
}

static void tcp_rcv_in_order(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	bool holes = t->ooo.capacity != 0 && rbuf_frag_count(&t->ooo) > 0;
	uint32_t n = spsc_bytes_write(t->rcv, g->data, g->len);
	t->rcv_nxt = seq_add(t->rcv_nxt, n);
	t->rcv_off += n;
	t->unacked_bytes += n;
	if (holes)
		tcp_rcv_pull(t);
	if (holes || n < g->len || t->unacked_bytes >= 2 * tcp_seg_payload_max(t))
		tcp_out_want(s, t, TOF_ACK); /* a hole filled, or every second full segment */
	else
		tcp_delack_arm(s, t);
	tcp_wake(s, t, TCP_POLL_IN);
	tcp_rcv_fin_check(s, t);
}

static void tcp_rcv_ooo(struct tcp_stack *s, struct tcp_tcb *t, const struct tcp_seg *g)
{
	tcp_out_want(s, t, TOF_ACK); /* out-of-order data: ACK at once (RFC 5681 §4.2) */
	if (t->ooo.capacity == 0 &&
	    rbuf_init(&t->ooo, &s->ooo_pool, spsc_bytes_capacity(t->rcv),
		      MOS_OVERLAP_POLICY_FIRST, t->rcv_off) != RBUF_OK)
		return; /* no memory: the sender will send it again */
	uint64_t off = t->rcv_off + seq_dist(t->rcv_nxt, g->seq);
	struct rbuf_write_info wi;
	rbuf_write(&t->ooo, off, g->data, g->len, &wi);
	if (wi.stored > 0 || wi.overlap > 0)
		tcp_rsack_note(t, off);
	if (wi.stored > 0)
		MOS_CTR_INC(&s->ctr, tcp_ctr_ooo_segs);
	if (rbuf_frag_count(&t->ooo) == 0)
		rbuf_fini(&t->ooo);
}

void tcp_rcv_text(struct tcp_stack *s, struct tcp_tcb *t, struct tcp_seg *g)
{
	MOS_ASSERT(t->rcv != NULL);
	if (g->len == 0)
		return;
	if (seq_eq(g->seq, t->rcv_nxt))
		tcp_rcv_in_order(s, t, g);
	else
		tcp_rcv_ooo(s, t, g);
}

/* The FIN takes effect when rcv_nxt reaches it (RFC 9293 eighth step). */
void tcp_rcv_fin_check(struct tcp_stack *s, struct tcp_tcb *t)
{
	if (!(t->f & TF_FIN_RCVD) || !seq_eq(t->rcv_nxt, t->rcv_fin))
		return;
	if (atomic_load_explicit(&t->sflags, memory_order_relaxed) & TCP_SF_RD_EOF)
		return;
	t->rcv_nxt = seq_add(t->rcv_nxt, 1);
	tcp_rcv_release(t);
	tcp_sflags_set(t, TCP_SF_RD_EOF, 0);
	tcp_out_want(s, t, TOF_ACK);
	tcp_wake(s, t, TCP_POLL_IN | TCP_POLL_RDHUP);
	switch (t->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		tcp_set_state(s, t, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		if ((t->f & TF_FIN_SENT) && seq_eq(t->snd_una, t->snd_max))
			tcp_enter_time_wait(s, t);
		else
			tcp_set_state(s, t, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		tcp_enter_time_wait(s, t);
		break;
	default:
		break;
	}
}
