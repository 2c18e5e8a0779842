/* api_mon_data.c - reading streams and packets from callbacks: mtcp_peek, mtcp_ppeek,
 * mtcp_getlastpkt, mtcp_setlastpkt (in-place edits with capacity checks) and
 * mtcp_sendpkt (spec §7.6, §7.8-§7.10 with the NEW behaviour). */
#include <string.h>

#include "api/api_dispatch.h"
#include "api/api_mon.h"
#include "engine/ctx.h"
#include "net/route.h"
#include "wire/checksum.h"
#include "wire/frame.h"
#include "wire/wire.h"

#define API_ACTIONS (MOS_DROP | MOS_OVERWRITE | MOS_CHOMP | MOS_INSERT)
#define API_REGIONS (MOS_ETH_HDR | MOS_IP_HDR | MOS_TCP_HDR | MOS_TCP_PAYLOAD)
#define API_MSS_MAX 1460u /* payload of one mtcp_sendpkt segment (TCP_DEFAULT_MSS) */

/* ---- streams ------------------------------------------------------------------------------
 */

/* The buffered side `side` of the per-flow socket's flow, or NULL with errno. */
static struct mon_fsock *api_mon_stream(mctx_t mctx, int sock, int side, int wrong_kind,
					struct mon_side **out)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return NULL;
	if (!mon_in_callback(m))
		return api_fail_null(EPERM);
	struct mon_fsock *s = api_mon_fsock(c, sock, wrong_kind);
	if (s == NULL)
		return NULL;
	if (side != MOS_SIDE_CLI && side != MOS_SIDE_SVR)
		return api_fail_null(EINVAL);
	*out = &s->flow->side[side];
	if (!((*out)->flags & MON_SF_BUFFERED))
		return api_fail_null(EINVAL);
	return s;
}

/* First stored offset after `off`, at most `limit`. */
static uint64_t api_mon_next_stored(const struct rbuf *b, uint64_t off, uint64_t limit)
{
	const struct rbuf_frag *fr = rbuf_frag_array(b);
	for (uint32_t i = 0; i < rbuf_frag_count(b); i++) {
		if (fr[i].start > off)
			return fr[i].start < limit ? fr[i].start : limit;
	}
	return limit;
}

ssize_t mtcp_peek(mctx_t mctx, int sock, int side, char *buf, size_t len)
{
	struct mon_side *R;
	struct mon_fsock *s = api_mon_stream(mctx, sock, side, ENOTSOCK, &R);
	if (s == NULL)
		return -1;
	if (R->buf == NULL)
		return 0;
	if (buf == NULL && len > 0)
		return api_fail(EFAULT);
	uint64_t *po = &s->peek_off[side];
	uint64_t head = rbuf_head(R->buf);
	if (*po < head) { /* overwritten (outrun) or skipped before it was read */
		uint64_t lost = head - *po;
		*po = head;
		errno = ENODATA;
		return -(ssize_t)lost;
	}
	if (*po >= R->rcv_ready || len == 0)
		return 0;
	size_t n = rbuf_read(R->buf, *po, buf,
			     len < R->rcv_ready - *po ? len : R->rcv_ready - *po);
	if (n == 0) { /* a hole the receiver acknowledged: lost to the monitor */
		uint64_t next = api_mon_next_stored(R->buf, *po, R->rcv_ready);
		uint64_t lost = next - *po;
		*po = next;
		errno = ENODATA;
		return -(ssize_t)lost;
	}
	*po += n;
	return (ssize_t)n;
}

ssize_t mtcp_ppeek(mctx_t mctx, int sock, int side, char *buf, size_t count, uint64_t off)
{
	struct mon_side *R;
	struct mon_fsock *s = api_mon_stream(mctx, sock, side, ESOCKTNOSUPPORT, &R);
	if (s == NULL)
		return -1;
	if (count == 0)
		return 0;
	if (buf == NULL)
		return api_fail(EFAULT);
	size_t n = R->buf != NULL ? rbuf_read(R->buf, off, buf, count) : 0;
	if (n == 0)
		return api_fail(ENODATA);
	return (ssize_t)n;
}

/* ---- the current packet -------------------------------------------------------------------
 */

/* The monitor and its current packet for the packet functions; NULL with errno. */
static struct mon_pkt *api_mon_cur(mctx_t mctx, int sock, struct api_ctx **cp,
				   struct mon_ctx **mp)
{
	struct mon_ctx *m = api_mon_of(mctx, cp);
	if (m == NULL)
		return NULL;
	*mp = m;
	if (!mon_in_callback(m))
		return api_fail_null(EPERM);
	if (!api_kind_is_monitor(socktab_get(&(*cp)->eng->socks, sock, NULL)))
		return api_fail_null(EBADF);
	if (m->cur == NULL)
		return api_fail_null(ENODATA);
	return m->cur;
}

int mtcp_getlastpkt(mctx_t mctx, int sock, int side, struct pkt_info *p)
{
	struct api_ctx *c;
	struct mon_ctx *m;
	(void)side; /* the packet being processed, whatever the side (mOS 0.3) */
	struct mon_pkt *cur = api_mon_cur(mctx, sock, &c, &m);
	if (cur == NULL)
		return -1;
	if (p == NULL)
		return api_fail(EFAULT);
	const struct wire_pkt *w = cur->w;
	uint16_t len = cur->buf->len;
	MOS_BUILD_BUG_ON(MON_PKT_COPY_MAX <= UINT16_MAX);
	/* Two bytes in, the IPv4 header (after 14, 18 or 22 bytes of Ethernet) is 4-byte
	 * aligned: callers read it through struct iphdr / tcphdr pointers. */
	uint8_t *copy = m->pkt_copy + MON_PKT_COPY_ALIGN;
	memcpy(copy, cur->buf->data, len);
	memset(p, 0, sizeof *p);
	p->cur_ts = (uint32_t)c->eng->now_ms;
	p->in_ifidx = (int8_t)cur->buf->port;
	p->eth_len = len;
	p->ip_len = w->ipv4.total_len;
	p->offset = cur->offset;
	p->ethh = (struct ethhdr *)(void *)copy;
	p->iph = (struct iphdr *)(void *)(copy + w->l3_off);
	if (w->l4 == WIRE_L4_TCP) {
		p->payloadlen = w->tcp.payload_len;
		p->seq = w->tcp.seq;
		p->ack_seq = w->tcp.ack;
		p->window = w->tcp.window;
		p->tcph = (struct tcphdr *)(void *)(copy + w->l4_off);
		p->payload = copy + w->payload_off;
	}
	return 0;
}

/* The region an edit addresses: frame offset and length (for OVERWRITE, or for
 * CHOMP/INSERT when `whole`). 0, or an errno. */
static int api_mon_region(const struct wire_pkt *w, int option, bool whole, uint32_t *base,
			  uint32_t *len)
{
	bool tcp = w->l4 == WIRE_L4_TCP;
	if (option & MOS_ETH_HDR) {
		*base = 0;
		*len = w->l3_off;
	} else if (option & MOS_IP_HDR) {
		*base = w->l3_off;
		*len = whole ? w->ipv4.total_len : w->ipv4.header_len;
	} else if ((option & MOS_TCP_HDR) && tcp) {
		*base = w->l4_off;
		*len = whole ? (uint32_t)w->tcp.header_len + w->tcp.payload_len
			     : w->tcp.header_len;
	} else if ((option & MOS_TCP_PAYLOAD) && tcp) {
		*base = w->payload_off;
		*len = w->tcp.payload_len;
	} else {
		return EINVAL; /* no region, or a TCP region of a packet without TCP */
	}
	return 0;
}

/* Applies one OVERWRITE/CHOMP/INSERT at frame offset `at`. 0 or an errno. */
static int api_mon_edit(struct io_buf *b, int action, uint32_t at, const byte *data, uint16_t n)
{
	if (action == MOS_OVERWRITE) {
		memcpy(b->data + at, data, n);
	} else if (action == MOS_CHOMP) {
		memmove(b->data + at, b->data + at + n, (size_t)b->len - at - n);
		b->len = (uint16_t)(b->len - n);
	} else {
		if ((uint32_t)b->len + n > b->cap)
			return ENOSPC;
		memmove(b->data + at + n, b->data + at, (size_t)b->len - at);
		memcpy(b->data + at, data, n); /* at `at` itself (mOS 0.3 was one byte off) */
		b->len = (uint16_t)(b->len + n);
	}
	return 0;
}

/* Headers again after an edit (the IPv4 total length decides the packet's extent).
 * An OVERWRITE may leave the frame inconsistent for a moment (the total length changed
 * before a CHOMP/INSERT): the old parse stays valid since nothing moved. A CHOMP or
 * INSERT must leave a frame that parses; otherwise it is dropped (EINVAL). */
static int api_mon_reparse(struct mon_pkt *cur, int option)
{
	struct wire_pkt *w = cur->w;
	uint8_t *ip = cur->buf->data + w->l3_off;
	if (option & MOS_UPDATE_IP_CHKSUM) {
		wire_put_be16(ip + 10, 0);
		wire_put_be16(ip + 10, wire_csum_buf(ip, (size_t)(ip[0] & 0x0fu) * 4u));
	}
	struct wire_pkt np;
	enum drop_reason r = wire_parse_frame(cur->buf->data, cur->buf->len,
					      WIRE_RX_IP_CSUM_OK | WIRE_RX_L4_CSUM_OK, &np);
	if (r != DROP_NONE && r != DROP_ipv4_fragment) {
		if (option & MOS_OVERWRITE)
			return 0;
		cur->drop = true; /* a frame that no longer parses is not sent on */
		return EINVAL;
	}
	*w = np;
	if ((option & MOS_UPDATE_TCP_CHKSUM) && w->l4 == WIRE_L4_TCP) {
		uint8_t *seg = cur->buf->data + w->l4_off;
		wire_put_be16(seg + 16, 0);
		wire_tcp_fill_checksum(seg, (uint16_t)(w->tcp.header_len + w->tcp.payload_len),
				       &w->ipv4, 0);
	}
	return 0;
}

int mtcp_setlastpkt(mctx_t mctx, int sock, int side, off_t offset, byte *data, uint16_t datalen,
		    int option)
{
	struct api_ctx *c;
	struct mon_ctx *m;
	(void)side;
	struct mon_pkt *cur = api_mon_cur(mctx, sock, &c, &m);
	if (cur == NULL)
		return -1;
	if (offset < 0)
		return api_fail(EINVAL);
	int action = option & API_ACTIONS;
	if (action == 0 || (action & (action - 1)) != 0)
		return api_fail(EAGAIN);
	if (action == MOS_DROP) {
		cur->drop = true;
		return 0;
	}
	if (data == NULL && action != MOS_CHOMP && datalen > 0)
		return api_fail(EINVAL);
	if ((option & MOS_ETH_HDR) && action != MOS_OVERWRITE)
		return api_fail(EACCES);
	uint32_t base, len;
	int err = api_mon_region(cur->w, option, action != MOS_OVERWRITE, &base, &len);
	uint64_t end = (uint64_t)offset + (action == MOS_INSERT ? 0u : datalen);
	if (err == 0 && end > len)
		err = EINVAL;
	if (err == 0 && base + end > cur->buf->len)
		err = EINVAL;
	if (err == 0)
		err = api_mon_edit(cur->buf, action, base + (uint32_t)offset, data, datalen);
	if (err != 0)
		return api_fail(err);
	cur->modified = true;
	err = api_mon_reparse(cur, option);
	return err == 0 ? 0 : api_fail(err);
}

/* ---- sending a segment ----------------------------------------------------------------------
 */

int mtcp_sendpkt(mctx_t mctx, int sock, const struct pkt_info *pkt)
{
	struct api_ctx *c;
	if (pkt == NULL)
		return api_fail(EACCES);
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return -1;
	if (!mon_in_callback(m))
		return api_fail(EPERM);
	if (pkt->iph == NULL || pkt->tcph == NULL)
		return api_fail(ENODATA);
	int kind = socktab_get(&c->eng->socks, sock, NULL);
	if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE && kind != MOS_SOCK_MONITOR_RAW)
		return api_fail(kind == MOS_SOCK_UNUSED ? EBADF : ENOTSOCK);
	const uint8_t *ip = (const uint8_t *)pkt->iph, *th = (const uint8_t *)pkt->tcph;
	uint32_t thl = (uint32_t)(th[12] >> 4) * 4u;
	if (thl < WIRE_TCP_HLEN || pkt->payloadlen > API_MSS_MAX ||
	    (pkt->payloadlen > 0 && pkt->payload == NULL))
		return api_fail(EINVAL);
	uint32_t dst = wire_get_be32(ip + 16);
	const struct route_entry *r = route_lookup(&c->eng->inst->routes, dst);
	if (r == NULL)
		return api_fail(EHOSTUNREACH);
	struct io_buf b;
	if (!eng_alloc(c->eng, r->port, &b))
		return api_fail(ENOBUFS);
	uint32_t need = WIRE_ETH_HLEN + WIRE_IPV4_HLEN + thl + pkt->payloadlen;
	if (need > b.cap) {
		io_free(c->eng->io, c->eng->core, &b);
		return api_fail(EINVAL);
	}
	struct wire_ipv4_repr rep = {
		.src = wire_get_be32(ip + 12),
		.dst = dst,
		.proto = WIRE_IP_PROTO_TCP,
		.ttl = ip[8] ? ip[8] : 64,
		.tos = ip[1],
		.id = wire_get_be16(ip + 4),
		.total_len = (uint16_t)(WIRE_IPV4_HLEN + thl + pkt->payloadlen)};
	wire_put_be16(b.data + 12, WIRE_ETHERTYPE_IPV4); /* the MACs come from ARP */
	uint8_t *p = b.data + WIRE_ETH_HLEN;
	wire_ipv4_emit(&rep, 0, p, WIRE_IPV4_HLEN);
	/* The template's TCP header as it is (flags and options included). */
	memcpy(p + WIRE_IPV4_HLEN, th, thl);
	if (pkt->payloadlen > 0)
		memcpy(p + WIRE_IPV4_HLEN + thl, pkt->payload, pkt->payloadlen);
	wire_put_be16(p + WIRE_IPV4_HLEN + 16, 0);
	wire_tcp_fill_checksum(p + WIRE_IPV4_HLEN, (uint16_t)(thl + pkt->payloadlen), &rep, 0);
	b.len = (uint16_t)need;
	net_ipv4_output(c->eng, &b, dst);
	return 0;
}

#undef API_ACTIONS
#undef API_REGIONS
#undef API_MSS_MAX
