/* frame.c - the per-packet parse chain: Ethernet, then ARP or IPv4, then ICMP or TCP. */
#include "wire/frame.h"

#include "base/assert.h"
#include "wire/checksum.h"
#include "wire/wire.h"

static enum drop_reason wire_frame_l4(const uint8_t *frame, uint32_t flags,
				      struct wire_pkt *out)
{
	const uint8_t *l4 = frame + out->l4_off;
	enum drop_reason why;

	switch (out->ipv4.proto) {
	case WIRE_IP_PROTO_TCP:
		out->l4 = WIRE_L4_TCP;
		out->payload_off = out->l4_off;
		out->payload_len = 0;
		why = wire_tcp_parse(l4, &out->ipv4, flags, &out->tcp);
		if (why == DROP_NONE) {
			out->payload_off = (uint16_t)(out->l4_off + out->tcp.header_len);
			out->payload_len = out->tcp.payload_len;
		}
		return why;
	case WIRE_IP_PROTO_ICMP:
		out->l4 = WIRE_L4_ICMP;
		out->payload_off = (uint16_t)(out->l4_off + WIRE_ICMP_HLEN);
		out->payload_len = 0;
		why = wire_icmp_parse(l4, out->ipv4.payload_len, &out->icmp);
		if (why == DROP_NONE)
			out->payload_len = out->icmp.data_len;
		return why;
	default:
		out->l4 = WIRE_L4_OTHER;
		out->payload_off = out->l4_off;
		out->payload_len = out->ipv4.payload_len;
		return DROP_NONE;
	}
}

static enum drop_reason wire_frame_ipv4(const uint8_t *frame, uint32_t flags,
					struct wire_pkt *out)
{
	enum drop_reason why;

	out->l3 = WIRE_L3_IPV4;
	why = wire_ipv4_parse(frame + out->l3_off, (uint16_t)(out->frame_len - out->l3_off),
			      flags, &out->ipv4);
	if (why != DROP_NONE)
		return why;
	out->l4_off = (uint16_t)(out->l3_off + out->ipv4.header_len);
	MOS_ASSERT(out->l4_off + (size_t)out->ipv4.payload_len <= out->frame_len);
	return wire_frame_l4(frame, flags, out);
}

/* The IPv4 header checksum of a 20-byte header verifies: the same test as
 * wire_csum_ipv4_hdr20(ip) == 0. That one sums five 32-bit words in 64 bits and folds;
 * this sums two 64-bit words and one 32-bit word with end-around carry (RFC 1071 §2:
 * the one's complement sum does not depend on the word size) and folds. Both folds are
 * in 1..0xffff for a header that is not all zeros (this one's starts 0x45), congruent
 * modulo 0xffff, so they are equal; the checksum verifies when the fold is 0xffff
 * (wire_csum_ipv4_hdr20() returns the complement of its byte-swapped fold). */
static inline bool wire_frame_hdr20_ok(const uint8_t *ip)
{
	uint64_t a, b;
	uint32_t c;
	memcpy(&a, ip, sizeof a);
	memcpy(&b, ip + 8, sizeof b);
	memcpy(&c, ip + 16, sizeof c);
	uint64_t sum = a + b;
	sum += sum < a; /* end-around carry */
	sum = (sum & 0xffffffffu) + (sum >> 32) + c;
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return sum == 0xffffu;
}

/* The fast path: an untagged frame carrying IPv4 without options and TCP, which is
 * nearly every frame a TCP endpoint or a monitor sees. The same checks as the general
 * chain with fewer calls and branches; it takes a frame only when every check passes
 * and leaves anything else (tags, options, fragments, other protocols, any failure) to
 * the general chain, so both give the same result and the same repr for every frame
 * (tests/native/test_wire_frame.c and the wire fuzz target compare them).
 *
 * The fields are filled here as wire_ipv4_fill(), wire_tcp_fill() and
 * wire_tcp_opts_parse() fill them (for a 20-byte header with DF/MF/offset already known
 * to be DF-or-nothing, 0, 0), and wire_tcp_judge() is applied to the raw fields; option
 * lists other than none or NOP,NOP,timestamps go to wire_tcp_opts_parse(). */
static bool wire_frame_fast(const uint8_t *f, uint16_t len, uint32_t flags,
			    struct wire_pkt *out)
{
	const uint8_t *ip = f + WIRE_ETH_HLEN, *seg = ip + WIRE_IPV4_HLEN;
	if (len < WIRE_ETH_HLEN + WIRE_IPV4_HLEN + WIRE_TCP_HLEN ||
	    wire_get_be16(f + 12) != WIRE_ETHERTYPE_IPV4 || ip[0] != 0x45 ||
	    ip[9] != WIRE_IP_PROTO_TCP || (f[6] & 0x01u) != 0)
		return false;
	uint16_t total = wire_get_be16(ip + 2);
	uint16_t frag = wire_get_be16(ip + 6);
	uint8_t doff = (uint8_t)((seg[12] >> 4) * 4u);
	if (total > len - WIRE_ETH_HLEN || total < WIRE_IPV4_HLEN + WIRE_TCP_HLEN ||
	    (frag & 0x3fffu) != 0 || doff < WIRE_TCP_HLEN || doff > total - WIRE_IPV4_HLEN)
		return false;
	if ((flags & WIRE_RX_IP_CSUM_OK) == 0 && !wire_frame_hdr20_ok(ip))
		return false;
	uint32_t src = wire_get_be32(ip + 12), dst = wire_get_be32(ip + 16);
	if (wire_ipv4_is_bad_src(src))
		return false;
	uint16_t seg_len = (uint16_t)(total - WIRE_IPV4_HLEN);
	struct wire_ipv4_repr *v4 = &out->ipv4;
	v4->header_len = WIRE_IPV4_HLEN;
	v4->tos = ip[1];
	v4->total_len = total;
	v4->id = wire_get_be16(ip + 4);
	v4->df = (frag & 0x4000u) != 0;
	v4->mf = false;
	v4->frag_off = 0;
	v4->ttl = ip[8];
	v4->proto = WIRE_IP_PROTO_TCP;
	v4->src = src;
	v4->dst = dst;
	v4->payload_len = seg_len;
	if ((flags & WIRE_RX_L4_CSUM_OK) == 0 && !wire_tcp_checksum_ok(seg, seg_len, v4))
		return false;
	struct wire_tcp_repr *t = &out->tcp;
	uint16_t sport = wire_get_be16(seg), dport = wire_get_be16(seg + 2);
	uint16_t tflags = (uint16_t)((seg[12] & 0x01u) << 8 | seg[13]);
	/* wire_tcp_judge()'s checks, on the values it would read from the repr. */
	if (sport == 0 || dport == 0 || !wire_tcp_flags_valid(tflags) ||
	    wire_ipv4_is_multicast(dst) || dst == WIRE_IPV4(255, 255, 255, 255))
		return false;
	const uint8_t *opt = seg + WIRE_TCP_HLEN;
	struct wire_tcp_opts *o = &t->opts;
	if (doff == WIRE_TCP_HLEN) {
		o->present = 0;
	} else if (wire_tcp_opts_ts_only(opt, doff - (size_t)WIRE_TCP_HLEN, o)) {
		/* the common layout: o->present and the timestamps set */
	} else if (wire_tcp_opts_parse(opt, doff - (size_t)WIRE_TCP_HLEN,
				       (tflags & WIRE_TCP_SYN) != 0, o) != DROP_NONE) {
		return false;
	} else {
		goto opts_done;
	}
	o->misplaced = 0;
	o->ignored = 0;
	o->unknown_count = 0;
	o->wscale_clamped = false;
opts_done:
	t->sport = sport;
	t->dport = dport;
	t->seq = wire_get_be32(seg + 4);
	t->ack = wire_get_be32(seg + 8);
	t->flags = tflags;
	t->window = wire_get_be16(seg + 14);
	t->checksum = wire_get_be16(seg + 16);
	t->urgent = wire_get_be16(seg + 18);
	t->header_len = doff;
	t->payload_len = (uint16_t)(seg_len - doff);
	memcpy(out->eth.dst.b, f, WIRE_ETH_ADDR_LEN);
	memcpy(out->eth.src.b, f + WIRE_ETH_ADDR_LEN, WIRE_ETH_ADDR_LEN);
	out->eth.ethertype = WIRE_ETHERTYPE_IPV4;
	out->eth.l3_off = WIRE_ETH_HLEN;
	out->eth.vlan_count = 0;
	out->frame_len = len;
	out->l3 = WIRE_L3_IPV4;
	out->l4 = WIRE_L4_TCP;
	out->l3_off = WIRE_ETH_HLEN;
	out->l4_off = WIRE_ETH_HLEN + WIRE_IPV4_HLEN;
	out->payload_off = (uint16_t)(WIRE_ETH_HLEN + WIRE_IPV4_HLEN + doff);
	out->payload_len = t->payload_len;
	return true;
}

enum drop_reason wire_parse_frame(const uint8_t *frame, uint16_t len, uint32_t flags,
				  struct wire_pkt *out)
{
	if (wire_frame_fast(frame, len, flags, out))
		return DROP_NONE;
	return wire_parse_frame_general(frame, len, flags, out);
}

enum drop_reason wire_parse_frame_general(const uint8_t *frame, uint16_t len, uint32_t flags,
					  struct wire_pkt *out)
{
	enum drop_reason why;

	out->frame_len = len;
	out->l3 = WIRE_L3_NONE;
	out->l4 = WIRE_L4_NONE;
	why = wire_eth_parse(frame, len, &out->eth);
	if (why != DROP_NONE)
		return why;
	out->l3_off = out->eth.l3_off;
	MOS_ASSERT(out->l3_off <= len);
	if (out->eth.ethertype == WIRE_ETHERTYPE_IPV4)
		return wire_frame_ipv4(frame, flags, out);
	if (out->eth.ethertype == WIRE_ETHERTYPE_ARP) {
		out->l3 = WIRE_L3_ARP;
		return wire_arp_parse(frame + out->l3_off, (uint16_t)(len - out->l3_off),
				      &out->arp);
	}
	return DROP_eth_unsupported_type;
}
