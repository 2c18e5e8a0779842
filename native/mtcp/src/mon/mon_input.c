/* mon_input.c - the monitor's entry for every received frame (before L2 acceptance):
 * raw sockets, flow lookup, the two emulated stacks with their hooks, orphans, and the
 * packet's fate (spec §8 order, §11, §12).
 *
 * Frames the monitor leaves to the engine: anything while no monitor socket exists,
 * non-IPv4 frames (ARP is answered, other types bridged or dropped by the engine; IPv6
 * is counted), IPv4 addressed to one of the ports (the host's own traffic), and frames
 * whose headers failed validation (counted drops). Everything else is the monitor's:
 * forwarded after processing when `forward` is on (to the nic_forward_table peer,
 * else by route), consumed silently in passive mode, dropped when a callback asked. */
#include <string.h>

#include "base/assert.h"
#include "mon/mon.h"
#include "wire/frame.h"
#include "wire/wire.h"

#define MON_ETHERTYPE_IPV6 0x86ddu

/* Reasons after which the IPv4 header is complete and the packet can be passed on:
 * the L4 layer failed (the monitor still forwards it) or it is a fragment. */
static bool mon_ipv4_complete(enum drop_reason r)
{
	return r == DROP_NONE || r == DROP_ipv4_fragment || r == DROP_tcp_bad_checksum ||
	       r == DROP_icmp_bad_checksum || r == DROP_icmp_bad_embedded ||
	       r == DROP_icmp_truncated;
}

/* A loopback (or otherwise impossible) IPv4 source: captures taken on `lo` are full
 * of them. Parsed from a copy whose source is a placeholder, without checksums (they
 * cover the real source; loopback traffic rarely has them filled anyway). */
static enum drop_reason mon_reparse_src(struct mon_ctx *m, struct io_buf *buf,
					struct wire_pkt *pkt)
{
	uint16_t l3 = pkt->l3_off;
	if (buf->len > MON_BPF_SCRATCH || (uint32_t)l3 + 16 > buf->len)
		return DROP_ipv4_bad_src;
	memcpy(m->bpf_scratch, buf->data, buf->len);
	m->bpf_scratch[l3 + 12] = 1; /* 1.x.x.x: an ordinary unicast source */
	enum drop_reason r = wire_parse_frame(m->bpf_scratch, buf->len,
					      WIRE_RX_IP_CSUM_OK | WIRE_RX_L4_CSUM_OK, pkt);
	pkt->ipv4.src = wire_get_be32(buf->data + l3 + 12);
	return r;
}

/* Frames the engine's validation refuses for reasons that do not concern the
 * connection a monitor follows: a group (multicast) source MAC address, which crafted
 * test captures use and which neither mOS 0.3 nor the reference tools check; and, with
 * MOS_NO_CHECKSUM, wrong checksums (captures of hosts with checksum offload). The
 * frame is parsed again without those checks; the frame itself is not changed. */
static enum drop_reason mon_reparse(struct mon_ctx *m, struct io_buf *buf, struct wire_pkt *pkt,
				    enum drop_reason reason)
{
	bool nocsum = atomic_load_explicit(&m->n_nocsum, memory_order_relaxed) > 0;
	if (reason == DROP_ipv4_bad_src)
		return mon_reparse_src(m, buf, pkt);
	if (reason != DROP_eth_bad_src) {
		mon_count(m, mon_ctr_bad_checksum, 1);
		if (!nocsum)
			return reason;
	}
	uint32_t flags = 0;
	if (nocsum || (buf->flags & IO_RX_IP_CSUM_GOOD))
		flags |= WIRE_RX_IP_CSUM_OK;
	if (nocsum || (buf->flags & IO_RX_L4_CSUM_GOOD))
		flags |= WIRE_RX_L4_CSUM_OK;
	const uint8_t *frame = buf->data;
	if (reason == DROP_eth_bad_src) {
		if (buf->len > MON_BPF_SCRATCH)
			return reason;
		memcpy(m->bpf_scratch, buf->data, buf->len);
		m->bpf_scratch[6] &= (uint8_t)~1u; /* the group bit of the source address */
		frame = m->bpf_scratch;
	}
	enum drop_reason r = wire_parse_frame(frame, buf->len, flags, pkt);
	if (r == DROP_tcp_bad_checksum || r == DROP_ipv4_bad_checksum)
		mon_count(m, mon_ctr_bad_checksum, 1);
	if (frame != buf->data)
		memcpy(pkt->eth.src.b, buf->data + 6, 6);
	return r;
}

/* ---- raw sockets and orphans ------------------------------------------------------------ */

static void mon_raw_input(struct mon_ctx *m, struct mon_pkt *cur)
{
	uint32_t hi = atomic_load_explicit(&m->lsock_hi, memory_order_acquire);
	for (uint32_t i = 0; i < hi; i++) {
		struct mon_lsock *ls = atomic_load_explicit(&m->lsock[i], memory_order_acquire);
		if (ls == NULL || ls->kind != MOS_SOCK_MONITOR_RAW || atomic_load(&ls->closed))
			continue;
		const struct mon_bpf *flt =
			atomic_load_explicit(&ls->syn_filter, memory_order_acquire);
		if (flt == NULL || mon_bpf_match(m, flt, cur->buf->data, cur->buf->len, cur->w))
			mon_raise_lsock(m, ls, MON_HK_NULL, MON_BIT(MON_EV_PKT_IN));
	}
}

static void mon_orphan(struct mon_ctx *m, struct mon_pkt *cur)
{
	mon_count(m, mon_ctr_orphans, 1);
	uint32_t hi = atomic_load_explicit(&m->lsock_hi, memory_order_acquire);
	for (uint32_t i = 0; i < hi; i++) {
		struct mon_lsock *ls = atomic_load_explicit(&m->lsock[i], memory_order_acquire);
		if (ls == NULL || atomic_load(&ls->closed))
			continue;
		/* Stream sockets filter orphans with their orphan filter, raw sockets with
		 * their packet filter. */
		_Atomic(struct mon_bpf *) *which =
			ls->kind == MOS_SOCK_MONITOR_RAW ? &ls->syn_filter : &ls->orphan_filter;
		const struct mon_bpf *flt = atomic_load_explicit(which, memory_order_acquire);
		if (flt == NULL || mon_bpf_match(m, flt, cur->buf->data, cur->buf->len, cur->w))
			mon_raise_lsock(m, ls, MON_HK_NULL, MON_BIT(MON_EV_ORPHAN));
	}
}

/* ---- one packet of a flow -----------------------------------------------------------------
 */

static void mon_seg_from(struct mon_seg *g, const struct mon_pkt *cur)
{
	const struct wire_pkt *w = cur->w;
	g->seq = seq32(w->tcp.seq);
	g->ack = seq32(w->tcp.ack);
	g->flags = w->tcp.flags;
	g->len = w->tcp.payload_len;
	g->wnd = w->tcp.window;
	g->payload = cur->buf->data + w->payload_off;
	g->opts = &w->tcp.opts;
}

/* Offset 0 of what side r receives: after the peer's SYN, else the first sequence
 * number seen from the peer (mid-stream). */
static void mon_rcv_base(struct mon_side *R, const struct mon_seg *g)
{
	/* A SYN restarts the numbering only during the handshake: a SYN inside an
	 * established connection (RFC 9293 §3.10.7.4 challenges it) changes nothing. */
	if ((g->flags & WIRE_TCP_SYN) && R->state <= TCP_SYN_RCVD) {
		if (!(R->flags & MON_SF_RCV_BASE) || !seq_eq(R->rcv_base, seq_add(g->seq, 1))) {
			R->rcv_base = seq_add(g->seq, 1);
			R->rcv_ready = R->rcv_lost_upto = R->rcv_max = 0;
		}
		R->flags |= MON_SF_RCV_BASE;
	} else if (!(R->flags & MON_SF_RCV_BASE)) {
		R->rcv_base = g->seq;
		R->flags |= MON_SF_RCV_BASE;
	}
}

static void mon_flow_packet(struct mon_ctx *m, struct mon_flow *f, int s, struct mon_pkt *cur,
			    bool first)
{
	int r = !s;
	struct mon_seg g;
	mon_seg_from(&g, cur);
	mon_flow_touch(m, f, cur->buf->ts_ns ? cur->buf->ts_ns : m->eng->now_ns);
	if (first)
		f->first_ns = f->last_ns;
	if ((g.flags & WIRE_TCP_RST) && !mon_emul_rst_ok(f, r, &g))
		g.flags &= (uint16_t)~WIRE_TCP_RST; /* not acceptable: an ordinary segment */
	uint32_t pick = first && (f->flags & MON_FF_MIDSTREAM)
				? MON_BIT(MON_EV_CONN_START) | MON_BIT(MON_EV_STATE_CHANGE)
				: 0;
	struct mon_side *S = &f->side[s], *R = &f->side[r];
	mon_rcv_base(R, &g);
	if (S->flags & MON_SF_MONITORED) {
		uint32_t ev = MON_BIT(MON_EV_PKT_IN) | pick | mon_emul_send(m, f, s, &g);
		if ((g.flags & WIRE_TCP_ACK) && !(g.flags & WIRE_TCP_RST))
			mon_reasm_ack(m, f, s, g.ack);
		mon_raise(m, f, MON_HK_SND, s, ev);
	}
	/* The receiver gets the packet as the sender's callbacks left it (spec §7.9). */
	if (cur->modified && cur->w->l4 == WIRE_L4_TCP)
		mon_seg_from(&g, cur);
	if (R->flags & MON_SF_MONITORED) {
		uint32_t ev = MON_BIT(MON_EV_PKT_IN) | pick | mon_emul_recv(m, f, r, &g);
		uint64_t off = 0;
		if (g.len > 0 && mon_reasm_check(m, f, r, &g, &off))
			ev |= MON_BIT(MON_EV_REXMIT);
		cur->offset = off;
		mon_raise(m, f, MON_HK_RCV, r, ev);
		/* A callback may have stopped this side. The payload of a RST is stored too:
		 * it was on the wire (RFC 9293 §3.5.3 lets a RST carry diagnostic text), and
		 * the reference tools show it. */
		if (g.len > 0 && (R->flags & MON_SF_MONITORED))
			mon_reasm_store(m, f, r, &g);
	}
	mon_flow_settle(m, f);
}

/* ---- header prediction --------------------------------------------------------------- */

/* Whether an in-order append ending at `end`, past the window of side r's buffer, can
 * make room as mon_reasm_outrun would without raising ERROR: it fits in the capacity and
 * every socket reading the side has peeked (or lost) every byte the release drops. *to
 * gets the head mon_reasm_outrun would release to: the room needed, plus a quarter of
 * the capacity where every reader has peeked, never past the readable end. */
static bool mon_fast_room(const struct mon_flow *f, int r, uint64_t end, uint64_t *to)
{
	const struct mon_side *R = &f->side[r];
	uint64_t cap = rbuf_capacity(R->buf), head = rbuf_head(R->buf);
	if (end - R->rcv_ready > cap)
		return false;
	uint64_t need = end - cap; /* <= rcv_ready: mon_reasm_fit's value */
	uint64_t low = R->rcv_ready;
	for (const struct mon_fsock *s = f->socks; s != NULL; s = s->next) {
		if (!s->monitor[r])
			continue;
		uint64_t peek = s->peek_off[r];
		if ((peek > head ? peek : head) < need)
			return false; /* stored bytes it has not read may go: ERROR first */
		low = peek < low ? peek : low;
	}
	uint64_t extra = need + cap / 4;
	extra = extra < low ? extra : low;
	*to = need > extra ? need : extra;
	return true;
}

/* Header prediction: the common case of an established flow, an in-order segment or a
 * pure ACK that changes no state, raises no per-packet event and needs no hole or window
 * handling, applied with the effects the full path (mon_flow_packet) would have. Returns
 * false, having changed nothing, for any other packet. */
static bool mon_fast_path(struct mon_ctx *m, struct mon_flow *f, int s, struct mon_pkt *cur)
{
	const struct wire_pkt *w = cur->w;
	struct mon_side *S = &f->side[s], *R = &f->side[!s];
	const uint8_t need = MON_SF_MONITORED | MON_SF_RCV_BASE;
	uint16_t fl = w->tcp.flags & (WIRE_TCP_SYN | WIRE_TCP_FIN | WIRE_TCP_RST |
				      WIRE_TCP_ACK | WIRE_TCP_URG);
	if (fl != WIRE_TCP_ACK || S->state != TCP_ESTABLISHED || R->state != TCP_ESTABLISHED ||
	    (S->flags & R->flags & need) != need || (f->flags & MON_FF_SETTLE) ||
	    ((f->hk_mask[MON_HK_SND] | f->hk_mask[MON_HK_RCV]) &
	     (MON_BIT(MON_EV_PKT_IN) | MON_BIT(MON_EV_REXMIT))))
		return false;
	seq32_t seq = seq32(w->tcp.seq), ack = seq32(w->tcp.ack);
	int64_t ack_off = mon_reasm_offset(S, ack);
	if (!seq_eq(seq, S->snd_max) || ack_off > (int64_t)S->rcv_ready)
		return false;
	uint32_t len = w->tcp.payload_len;
	uint64_t off = R->rcv_ready;
	uint64_t release = 0; /* the head an outrun moves to; 0: no outrun */
	if (len != 0) {
		if (!seq_eq(seq, seq_add(R->rcv_base, (uint32_t)off)) ||
		    ((R->flags & MON_SF_WND) && seq_gt(seq_add(seq, len), R->rcv_wnd_end)))
			return false;
		const struct rbuf *b = R->buf;
		if ((R->flags & MON_SF_BUFFERED) &&
		    (b == NULL || rbuf_tail(b) != off ||
		     (off + len > rbuf_window_end(b) &&
		      !mon_fast_room(f, !s, off + len, &release))))
			return false;
	}
	/* The packet qualifies: from here on, what the full path does to it. */
	cur->flow = f;
	cur->sender = s;
	mon_flow_touch(m, f, cur->buf->ts_ns ? cur->buf->ts_ns : m->eng->now_ns);
	S->pkts++;
	S->bytes += len;
	S->snd_max = seq_add(seq, len);
	mon_emul_window_edge(f, s, ack, w->tcp.window);
	if (ack_off > (int64_t)S->rcv_lost_upto)
		S->rcv_lost_upto = (uint64_t)ack_off;
	cur->offset = off;
	if (len == 0)
		return true;
	R->rcv_max = off + len;
	if (!(R->flags & MON_SF_BUFFERED)) {
		R->rcv_ready = off + len;
		return true;
	}
	if (release != 0)
		rbuf_release(R->buf, release);
	const uint8_t *payload = cur->buf->data + w->payload_off;
	struct rbuf_write_info info;
	if (rbuf_append_in_seg(R->buf, off, payload, len))
		info.stored = len;
	else
		rbuf_write(R->buf, off, payload, len, &info);
	if (info.stored == len) {
		R->rcv_ready = off + len;
	} else {
		mon_count(m, mon_ctr_buffer_nomem, (uint64_t)len - info.stored);
		if (info.stored == 0)
			return true;
		R->rcv_ready = rbuf_contig_end(R->buf);
	}
	mon_flow_pending_add(m, f, !s);
	return true;
}

static int mon_sender_side(const struct mon_flow *f, const struct wire_pkt *w)
{
	return w->ipv4.src == f->key.saddr && w->tcp.sport == f->key.sport ? MOS_SIDE_CLI
									   : MOS_SIDE_SVR;
}

/* Whether the packet belongs to f (its 4-tuple in either direction): what a table lookup
 * under mon_table_key(w) finds when f is in the table, checked against the flow's
 * client -> server tuple so that the sender's side comes with it. */
static bool mon_flow_is(const struct mon_flow *f, const struct wire_pkt *w)
{
	const struct flow_key *k = &f->key;
	uint32_t s = w->ipv4.src, d = w->ipv4.dst;
	uint16_t sp = w->tcp.sport, dp = w->tcp.dport;
	return (s == k->saddr && sp == k->sport && d == k->daddr && dp == k->dport) ||
	       (s == k->daddr && sp == k->dport && d == k->saddr && dp == k->sport);
}

static void mon_tcp_input(struct mon_ctx *m, struct mon_pkt *cur)
{
	const struct wire_pkt *w = cur->w;
	struct mon_flow *f = m->last_flow;
	if (f == NULL || !mon_flow_is(f, w)) {
		struct flow_key key = mon_table_key(w);
		f = flow_table_lookup(&m->table, &key);
		m->last_flow = f;
	}
	int from = MOS_SIDE_CLI;
	mon_count(m, mon_ctr_tcp_packets, 1);
	if (f != NULL) {
		from = mon_sender_side(f, w);
		bool syn = (w->tcp.flags & (WIRE_TCP_SYN | WIRE_TCP_ACK)) == WIRE_TCP_SYN;
		if (syn && mon_flow_reused(f, from, seq32(w->tcp.seq))) {
			mon_flow_end(m, f, MOS_FLOW_END_REUSED);
			f = NULL;
		} else if (f->flags & MON_FF_TOMBSTONE) {
			mon_flow_touch(m, f, cur->buf->ts_ns);
			return;
		}
	}
	if (f != NULL && mon_fast_path(m, f, from, cur))
		return;
	bool first = false;
	if (f == NULL) {
		f = mon_flow_create(m, w, cur->buf->data, &from);
		if (f == NULL) {
			mon_orphan(m, cur);
			return;
		}
		first = true;
	}
	cur->flow = f;
	cur->sender = from;
	mon_flow_packet(m, f, from, cur, first);
}

/* ---- fate ----------------------------------------------------------------------------- */

static void mon_fate(struct mon_ctx *m, struct io_buf *buf, struct wire_pkt *w, bool drop,
		     bool modified)
{
	struct eng_ctx *ctx = m->eng;
	uint16_t port = buf->port;
	if (drop) {
		mon_count(m, mon_ctr_app_drops, 1);
		eng_drop(ctx, port, DROP_mon_app_drop, buf);
		return;
	}
	if (!ctx->inst->forward) { /* passive: never transmit */
		io_free(ctx->io, ctx->core, buf);
		return;
	}
	int peer = ctx->inst->ports[port].fwd_peer;
	if (peer >= 0) { /* inline bridge: out unchanged on the paired port */
		buf->port = (uint16_t)peer;
		buf->flags = 0;
		eng_count(ctx, port, eng_pctr_forwarded, 1);
		eng_tx(ctx, buf);
		return;
	}
	/* Router mode. A callback may have rewritten the headers: read them again. */
	if (modified) {
		enum drop_reason r = wire_parse_frame(
			buf->data, buf->len, WIRE_RX_IP_CSUM_OK | WIRE_RX_L4_CSUM_OK, w);
		if (w->l3 != WIRE_L3_IPV4 || !mon_ipv4_complete(r)) {
			eng_drop(ctx, port, r != DROP_NONE ? r : DROP_eth_unsupported_type,
				 buf);
			return;
		}
	}
	net_ipv4_input(ctx, buf, w);
}

bool mon_frame_input(struct eng_ctx *ctx, struct io_buf *buf, struct wire_pkt *pkt,
		     enum drop_reason reason)
{
	struct mon_ctx *m = mon_of(ctx);
	if (m == NULL || !atomic_load_explicit(&m->ready, memory_order_acquire))
		return false;
	uint32_t n_stream = atomic_load_explicit(&m->n_stream, memory_order_relaxed);
	uint32_t n_raw = atomic_load_explicit(&m->n_raw, memory_order_relaxed);
	if (n_stream + n_raw == 0)
		return false;
	mon_count(m, mon_ctr_frames, 1);
	if (reason != DROP_NONE &&
	    (reason == DROP_tcp_bad_checksum || reason == DROP_ipv4_bad_checksum ||
	     reason == DROP_eth_bad_src || reason == DROP_ipv4_bad_src))
		reason = mon_reparse(m, buf, pkt, reason);
	if (pkt->l3 != WIRE_L3_IPV4) {
		if (reason == DROP_eth_unsupported_type &&
		    pkt->eth.ethertype == MON_ETHERTYPE_IPV6)
			mon_count(m, mon_ctr_ipv6, 1);
		return false;
	}
	if (!mon_ipv4_complete(reason) ||
	    (m->host_ips && eng_port_by_ip(ctx->inst, pkt->ipv4.dst) >= 0))
		return false;
	struct mon_pkt cur = {.buf = buf, .w = pkt, .sender = MOS_SIDE_BOTH};
	m->cur = &cur;
	if (n_raw > 0)
		mon_raw_input(m, &cur);
	if (pkt->l4 == WIRE_L4_TCP && reason == DROP_NONE) {
		if (n_stream > 0)
			mon_tcp_input(m, &cur);
		else
			mon_orphan(m, &cur); /* raw sockets see TCP of no flow as orphans */
	} else if (pkt->l4 != WIRE_L4_TCP) {
		mon_count(m, mon_ctr_non_tcp, 1);
	}
	m->cur = NULL;
	mon_fate(m, buf, pkt, cur.drop, cur.modified);
	return true;
}

#undef MON_ETHERTYPE_IPV6
