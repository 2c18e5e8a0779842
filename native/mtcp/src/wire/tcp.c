/* tcp.c - TCP header validation, parse and emit; checksum over the IPv4 pseudo-header. */
#include "wire/tcp.h"

#include <string.h>

#include "base/assert.h"
#include "wire/checksum.h"

void wire_tcp_fill(const uint8_t *seg, uint16_t seg_len, uint8_t header_len,
		   struct wire_tcp_repr *out)
{
	out->sport = wire_get_be16(seg);
	out->dport = wire_get_be16(seg + 2);
	out->seq = wire_get_be32(seg + 4);
	out->ack = wire_get_be32(seg + 8);
	out->flags = (uint16_t)((seg[12] & 0x01u) << 8 | seg[13]);
	out->window = wire_get_be16(seg + 14);
	out->checksum = wire_get_be16(seg + 16);
	out->urgent = wire_get_be16(seg + 18);
	out->header_len = header_len;
	out->payload_len = (uint16_t)(seg_len - header_len);
}

bool wire_tcp_checksum_ok(const uint8_t *seg, uint16_t seg_len, const struct wire_ipv4_repr *ip)
{
	struct wire_csum acc = WIRE_CSUM_INIT;
	const struct wire_csum_pseudo ph = {ip->src, ip->dst, WIRE_IP_PROTO_TCP, seg_len};

	wire_csum_add_pseudo_ipv4(&acc, &ph);
	wire_csum_add(&acc, seg, seg_len);
	return wire_csum_finish(&acc) == 0;
}

enum drop_reason wire_tcp_judge(const struct wire_tcp_repr *tcp,
				const struct wire_ipv4_repr *ip)
{
	if (tcp->sport == 0 || tcp->dport == 0)
		return DROP_tcp_bad_port;
	if (!wire_tcp_flags_valid(tcp->flags))
		return DROP_tcp_bad_flags;
	if (wire_ipv4_is_multicast(ip->dst) || ip->dst == WIRE_IPV4(255, 255, 255, 255))
		return DROP_tcp_bad_dst;
	return DROP_NONE;
}

enum drop_reason wire_tcp_parse(const uint8_t *seg, const struct wire_ipv4_repr *ip,
				uint32_t flags, struct wire_tcp_repr *out)
{
	uint16_t seg_len = ip->payload_len;
	uint8_t header_len;
	enum drop_reason why;

	if (seg_len < WIRE_TCP_HLEN)
		return DROP_tcp_truncated;
	header_len = (uint8_t)((seg[12] >> 4) * 4u);
	if (header_len < WIRE_TCP_HLEN || header_len > seg_len)
		return DROP_tcp_bad_doff;
	wire_tcp_fill(seg, seg_len, header_len, out);
	if ((flags & WIRE_RX_L4_CSUM_OK) == 0 && !wire_tcp_checksum_ok(seg, seg_len, ip))
		return DROP_tcp_bad_checksum;
	why = wire_tcp_opts_parse(seg + WIRE_TCP_HLEN, header_len - (size_t)WIRE_TCP_HLEN,
				  (out->flags & WIRE_TCP_SYN) != 0, &out->opts);
	if (why != DROP_NONE)
		return why;
	return wire_tcp_judge(out, ip);
}

#define WIRE_TCP_SYN_OPTS                                                                      \
	(WIRE_TCPOPT_MSS | WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS | WIRE_TCPOPT_WS)

size_t wire_tcp_emit(const struct wire_tcp_repr *tcp, uint8_t *buf, size_t cap)
{
	size_t opt_len, header_len;

	if (tcp->opts.present == WIRE_TCPOPT_TS) {
		/* Nearly every segment: NOP, NOP, timestamps, the layout
		 * wire_tcp_opts_emit() gives, written here in place. */
		opt_len = 12;
		header_len = WIRE_TCP_HLEN + opt_len;
		if (header_len > cap)
			return 0;
		buf[WIRE_TCP_HLEN] = WIRE_TCP_OPT_NOP;
		buf[WIRE_TCP_HLEN + 1] = WIRE_TCP_OPT_NOP;
		buf[WIRE_TCP_HLEN + 2] = WIRE_TCP_OPT_TS;
		buf[WIRE_TCP_HLEN + 3] = 10;
		wire_put_be32(buf + WIRE_TCP_HLEN + 4, tcp->opts.ts_val);
		wire_put_be32(buf + WIRE_TCP_HLEN + 8, tcp->opts.ts_ecr);
	} else if (tcp->opts.present == WIRE_TCP_SYN_OPTS) {
		/* A SYN or SYN-ACK offering everything, in the aligned layout
		 * wire_tcp_opts_emit() gives: MSS, SACK-permitted, timestamps, NOP,
		 * window scale. */
		uint8_t *o = buf + WIRE_TCP_HLEN;
		MOS_ASSERT(tcp->opts.wscale <= WIRE_TCP_WSCALE_MAX);
		opt_len = 20;
		header_len = WIRE_TCP_HLEN + opt_len;
		if (header_len > cap)
			return 0;
		o[0] = WIRE_TCP_OPT_MSS;
		o[1] = 4;
		wire_put_be16(o + 2, tcp->opts.mss);
		o[4] = WIRE_TCP_OPT_SACK_PERM;
		o[5] = 2;
		o[6] = WIRE_TCP_OPT_TS;
		o[7] = 10;
		wire_put_be32(o + 8, tcp->opts.ts_val);
		wire_put_be32(o + 12, tcp->opts.ts_ecr);
		o[16] = WIRE_TCP_OPT_NOP;
		o[17] = WIRE_TCP_OPT_WS;
		o[18] = 3;
		o[19] = tcp->opts.wscale;
	} else {
		opt_len = wire_tcp_opts_len(&tcp->opts);
		header_len = WIRE_TCP_HLEN + opt_len;
		if (opt_len > WIRE_TCP_OPT_SPACE || header_len > cap)
			return 0;
		size_t written = wire_tcp_opts_emit(&tcp->opts, buf + WIRE_TCP_HLEN,
						    cap - WIRE_TCP_HLEN);
		MOS_ASSERT(written == opt_len);
	}
	wire_put_be16(buf, tcp->sport);
	wire_put_be16(buf + 2, tcp->dport);
	wire_put_be32(buf + 4, tcp->seq);
	wire_put_be32(buf + 8, tcp->ack);
	buf[12] = (uint8_t)((header_len / 4) << 4 | (tcp->flags >> 8 & 0x01u));
	buf[13] = (uint8_t)tcp->flags;
	wire_put_be16(buf + 14, tcp->window);
	wire_put_be16(buf + 16, 0);
	wire_put_be16(buf + 18, tcp->urgent);
	return header_len;
}

void wire_tcp_fill_checksum(uint8_t *seg, uint16_t seg_len, const struct wire_ipv4_repr *ip,
			    uint32_t flags)
{
	struct wire_csum acc = WIRE_CSUM_INIT;
	const struct wire_csum_pseudo ph = {ip->src, ip->dst, WIRE_IP_PROTO_TCP, seg_len};

	MOS_ASSERT(seg_len >= WIRE_TCP_HLEN);
	wire_put_be16(seg + 16, 0);
	wire_csum_add_pseudo_ipv4(&acc, &ph);
	if ((flags & WIRE_TX_L4_CSUM_OFFLOAD) != 0) {
		wire_put_be16(seg + 16, wire_csum_fold(&acc));
		return;
	}
	wire_csum_add(&acc, seg, seg_len);
	wire_put_be16(seg + 16, wire_csum_finish(&acc));
}

#undef WIRE_TCP_SYN_OPTS
