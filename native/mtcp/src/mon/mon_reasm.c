/* mon_reasm.c - per-side reassembly of a monitored flow on the shared rbuf (spec §10).
 *
 * Offsets: 0 is the first payload byte after the peer's SYN (or, mid-stream, the first
 * sequence number seen in that direction); a sequence number maps to the offset nearest
 * the receive point, so streams longer than 4 GiB keep growing offsets.
 * Readable end (rcv_ready): the end of the data an application can read in order. It
 * follows the stored fragments from head, and also steps over a hole once the receiver
 * has acknowledged bytes past it: the receiver has them, so the monitor lost them
 * (capture loss); mtcp_peek reports such a hole as lost bytes (-n, ENODATA) and goes on.
 * Without a buffer the readable end is the emulated receive point (in-order segments and
 * acknowledgments move it).
 * Outrun: a segment ending past head + capacity first releases the oldest bytes (never
 * past the readable end: a hole is kept, and out-of-order bytes that do not fit are not
 * stored); any socket that has not peeked stored bytes about to go gets MOS_ON_ERROR
 * before they go. */
#include <errno.h>

#include "base/assert.h"
#include "mon/mon.h"

/* Stored bytes of b inside [a, z). */
static uint64_t mon_stored_in(const struct rbuf *b, uint64_t a, uint64_t z)
{
	const struct rbuf_frag *fr = rbuf_frag_array(b);
	uint64_t sum = 0;
	for (uint32_t i = 0; i < rbuf_frag_count(b); i++) {
		uint64_t s = fr[i].start > a ? fr[i].start : a;
		uint64_t e = fr[i].end < z ? fr[i].end : z;
		if (e > s)
			sum += e - s;
	}
	return sum;
}

/* Moves the readable end of side r over stored data and acknowledged holes; returns
 * true when it advanced. Hole bytes count as missing for the sender. */
static bool mon_reasm_advance(struct mon_flow *f, int r)
{
	struct mon_side *R = &f->side[r];
	uint64_t pos = R->rcv_ready;
	uint64_t missing = 0;
	if (R->buf != NULL) {
		const struct rbuf *b = R->buf;
		const struct rbuf_frag *fr = rbuf_frag_array(b);
		if (rbuf_head(b) > pos)
			pos = rbuf_head(b);
		for (uint32_t i = 0; i < rbuf_frag_count(b); i++) {
			if (fr[i].end <= pos)
				continue;
			if (fr[i].start > pos) {
				if (fr[i].start > R->rcv_lost_upto)
					break;
				missing += fr[i].start - pos;
			}
			pos = fr[i].end;
		}
	} else if (R->rcv_lost_upto > pos) {
		missing = R->rcv_lost_upto - pos;
		pos = R->rcv_lost_upto;
	}
	f->side[!r].missing_bytes += missing;
	bool moved = pos > R->rcv_ready;
	R->rcv_ready = pos;
	return moved;
}

void mon_reasm_ack(struct mon_ctx *m, struct mon_flow *f, int r, seq32_t ack)
{
	struct mon_side *R = &f->side[r];
	if (!(R->flags & MON_SF_RCV_BASE))
		return;
	int64_t off = mon_reasm_offset(R, ack);
	const struct mon_side *S = &f->side[!r];
	if (S->flags & MON_SF_FIN_SENT) { /* the FIN takes a sequence number, not a byte */
		int64_t fin = mon_reasm_offset(R, S->fin_seq);
		off = off < fin ? off : fin;
	}
	/* Acknowledgments more than 1 GiB ahead are nonsense, not capture loss. */
	if (off <= (int64_t)R->rcv_lost_upto || off - (int64_t)R->rcv_ready > (1 << 30))
		return;
	R->rcv_lost_upto = (uint64_t)off;
	if (R->rcv_lost_upto <= R->rcv_ready)
		return; /* the usual case: it acknowledges what the monitor has seen */
	if (mon_reasm_advance(f, r) && (R->flags & MON_SF_BUFFERED))
		mon_flow_pending_add(m, f, r);
}

bool mon_reasm_check(struct mon_ctx *m, struct mon_flow *f, int r, const struct mon_seg *g,
		     uint64_t *off_out)
{
	struct mon_side *R = &f->side[r];
	seq32_t start = seq_add(g->seq, (g->flags & WIRE_TCP_SYN) ? 1u : 0u);
	int64_t off = mon_reasm_offset(R, start);
	*off_out = off > 0 ? (uint64_t)off : 0;
	if (R->flags & MON_SF_WND) {
		seq32_t end = seq_add(start, g->len);
		if (seq_gt(end, R->rcv_wnd_end)) {
			/* Spec §8 ERROR (a): bytes beyond the advertised window. mOS 0.3 then
			 * dropped them; receivers often take them (zero-window probes, a
			 * window update the capture missed), so mOS-NG stores them too and
			 * the ERROR tells the application. */
			mon_count(m, mon_ctr_out_of_window, 1);
			mon_raise(m, f, MON_HK_NULL, r, MON_BIT(MON_EV_ERROR));
		}
	}
	if (!(R->flags & MON_SF_BUFFERED))
		return false;
	if (off < (int64_t)R->rcv_ready)
		return true; /* below the receive point: already delivered */
	if (R->buf == NULL || (uint64_t)off >= rbuf_tail(R->buf))
		return false; /* the usual case: new bytes at the end */
	return mon_stored_in(R->buf, (uint64_t)off, (uint64_t)off + g->len) > 0;
}

/* Where head may move so that [.., end) fits: never past the readable end (the
 * monitor's consumed mark), so a hole is never skipped for lack of room; what still
 * does not fit is not stored (the sender will send it again). */
static uint64_t mon_reasm_fit(const struct mon_side *R, uint64_t end)
{
	uint64_t want = end - rbuf_capacity(R->buf);
	return want < R->rcv_ready ? want : R->rcv_ready;
}

/* The lowest peek offset of the sockets reading side r (the readable end when none). */
static uint64_t mon_reasm_min_peek(const struct mon_flow *f, int r)
{
	uint64_t low = f->side[r].rcv_ready;
	for (const struct mon_fsock *s = f->socks; s != NULL; s = s->next) {
		if (s->monitor[r] && s->peek_off[r] < low)
			low = s->peek_off[r];
	}
	return low;
}

/* Releases the oldest bytes so that [.., end) fits, raising ERROR first on every
 * socket that has not read stored bytes about to go. False when the callbacks took the
 * buffer away. */
static bool mon_reasm_outrun(struct mon_ctx *m, struct mon_flow *f, int r, uint64_t end)
{
	struct mon_side *R = &f->side[r];
	uint64_t new_head = mon_reasm_fit(R, end);
	bool forward = r == MOS_SIDE_SVR;
	for (struct mon_fsock *s = forward ? f->socks : f->socks_tail; s != NULL;
	     s = forward ? s->next : s->prev) {
		if (R->buf == NULL)
			return false;
		uint64_t from =
			s->peek_off[r] > rbuf_head(R->buf) ? s->peek_off[r] : rbuf_head(R->buf);
		if (s->monitor[r] && from < new_head &&
		    mon_stored_in(R->buf, from, new_head) > 0)
			mon_raise_flow(m, f, MON_HK_NULL, r, MON_BIT(MON_EV_ERROR), s);
	}
	if (R->buf == NULL || !(R->flags & MON_SF_BUFFERED))
		return false;
	/* The callbacks may have resized the buffer. Releasing a quarter of the capacity
	 * more than needed, where every reader has peeked, makes the next writes of a
	 * full buffer plain appends (one release per capacity / 4 bytes, not per write). */
	uint64_t need = mon_reasm_fit(R, end);
	uint64_t extra = end - rbuf_capacity(R->buf) + rbuf_capacity(R->buf) / 4;
	uint64_t peeked = mon_reasm_min_peek(f, r);
	extra = extra < peeked ? extra : peeked;
	extra = extra < R->rcv_ready ? extra : R->rcv_ready;
	rbuf_release(R->buf, need > extra ? need : extra);
	return true;
}

static struct rbuf *mon_reasm_buffer(struct mon_ctx *m, struct mon_side *R)
{
	if (R->buf != NULL)
		return R->buf;
	struct rbuf *b = pool_get(&m->rbufs);
	if (b == NULL)
		return NULL;
	if (rbuf_init(b, &m->segs, R->buf_cap, R->overlap, R->rcv_ready) != RBUF_OK) {
		rbuf_fini(b);
		pool_put(&m->rbufs, b);
		return NULL;
	}
	R->buf = b;
	return b;
}

static void mon_reasm_write(struct mon_ctx *m, struct mon_flow *f, int r, uint64_t off,
			    const uint8_t *data, uint32_t len)
{
	struct mon_side *R = &f->side[r];
	struct rbuf *b = mon_reasm_buffer(m, R);
	if (b == NULL) {
		mon_count(m, mon_ctr_buffer_nomem, len);
		return;
	}
	if (off + len > rbuf_window_end(b) && !mon_reasm_outrun(m, f, r, off + len))
		return;
	struct rbuf_write_info info;
	rbuf_write(R->buf, off, data, len, &info);
	if (info.dropped + info.beyond)
		mon_count(m, mon_ctr_buffer_nomem, (uint64_t)info.dropped + info.beyond);
	if (info.overlap_differs)
		f->side[!r].conflict_bytes += info.overlap;
}

void mon_reasm_store(struct mon_ctx *m, struct mon_flow *f, int r, const struct mon_seg *g)
{
	struct mon_side *R = &f->side[r];
	seq32_t start = seq_add(g->seq, (g->flags & WIRE_TCP_SYN) ? 1u : 0u);
	int64_t soff = mon_reasm_offset(R, start);
	const uint8_t *data = g->payload;
	uint32_t len = g->len;
	if (soff < 0) { /* bytes before offset 0 (before the SYN or the pickup point) */
		if ((uint64_t)-soff >= len)
			return;
		data += (uint64_t)-soff;
		len -= (uint32_t)-soff;
	}
	if (len == 0)
		return;
	uint64_t off = soff > 0 ? (uint64_t)soff : 0;
	if (off + len > R->rcv_max)
		R->rcv_max = off + len;
	if (R->flags & MON_SF_BUFFERED) {
		mon_reasm_write(m, f, r, off, data, len);
	} else if (off <= R->rcv_ready && off + len > R->rcv_ready) {
		R->rcv_ready = off + len; /* emulated in-order receive point */
		return;
	}
	if (mon_reasm_advance(f, r) && (R->flags & MON_SF_BUFFERED))
		mon_flow_pending_add(m, f, r);
}

void mon_reasm_free(struct mon_ctx *m, struct mon_flow *f, int side)
{
	struct mon_side *R = &f->side[side];
	if (R->buf == NULL)
		return;
	rbuf_fini(R->buf);
	pool_put(&m->rbufs, R->buf);
	R->buf = NULL;
}

int mon_reasm_resize(struct mon_ctx *m, struct mon_flow *f, int side, uint32_t bytes)
{
	struct mon_side *R = &f->side[side];
	if (bytes == 0) {
		mon_reasm_free(m, f, side);
		R->flags &= (uint8_t)~MON_SF_BUFFERED;
		R->buf_cap = 0;
		return 0;
	}
	if (bytes > RBUF_CAPACITY_MAX)
		return -EINVAL;
	uint32_t cap = (bytes + RBUF_SEG_BYTES - 1) & ~(RBUF_SEG_BYTES - 1);
	if (R->buf != NULL) {
		enum rbuf_status st = rbuf_resize(R->buf, cap, NULL);
		if (st == RBUF_TOO_BIG)
			return -EINVAL;
		if (st != RBUF_OK)
			return -ENOMEM;
		if (rbuf_head(R->buf) > R->rcv_ready) {
			R->rcv_ready = rbuf_head(R->buf);
			mon_reasm_advance(f, side);
		}
	}
	R->buf_cap = cap;
	R->flags |= MON_SF_BUFFERED;
	return 0;
}

void mon_reasm_finish(struct mon_flow *f, int r)
{
	struct mon_side *R = &f->side[r];
	if (R->rcv_lost_upto > R->rcv_ready) /* acknowledged, never seen, at the end */
		f->side[!r].missing_bytes += R->rcv_lost_upto - R->rcv_ready;
	R->rcv_lost_upto = R->rcv_ready;
}
