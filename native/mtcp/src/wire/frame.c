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

/* The fast path: an untagged frame carrying IPv4 without options and TCP, which is
 * nearly every frame a TCP endpoint or a monitor sees. The same checks as the general
 * chain with fewer calls and branches; it takes a frame only when every check passes
 * and leaves anything else (tags, options, fragments, other protocols, any failure) to
 * the general chain, so both give the same result and the same repr for every frame
 * (tests/native/test_wire_frame.c and the wire fuzz target compare them). */
static bool wire_frame_fast(const uint8_t *f, uint16_t len, uint32_t flags,
			    struct wire_pkt *out)
{
	const uint8_t *ip = f + WIRE_ETH_HLEN, *seg = ip + WIRE_IPV4_HLEN;
	if (len < WIRE_ETH_HLEN + WIRE_IPV4_HLEN + WIRE_TCP_HLEN ||
	    wire_get_be16(f + 12) != WIRE_ETHERTYPE_IPV4 || ip[0] != 0x45 ||
	    ip[9] != WIRE_IP_PROTO_TCP || (f[6] & 0x01u) != 0)
		return false;
	uint16_t total = wire_get_be16(ip + 2);
	uint8_t doff = (uint8_t)((seg[12] >> 4) * 4u);
	if (total > len - WIRE_ETH_HLEN || total < WIRE_IPV4_HLEN + WIRE_TCP_HLEN ||
	    (wire_get_be16(ip + 6) & 0x3fffu) != 0 || doff < WIRE_TCP_HLEN ||
	    doff > total - WIRE_IPV4_HLEN)
		return false;
	if ((flags & WIRE_RX_IP_CSUM_OK) == 0 && wire_csum_ipv4_hdr20(ip) != 0)
		return false;
	wire_ipv4_fill(ip, WIRE_IPV4_HLEN, &out->ipv4);
	if (wire_ipv4_is_bad_src(out->ipv4.src))
		return false;
	uint16_t seg_len = out->ipv4.payload_len;
	wire_tcp_fill(seg, seg_len, doff, &out->tcp);
	if (((flags & WIRE_RX_L4_CSUM_OK) == 0 &&
	     !wire_tcp_checksum_ok(seg, seg_len, &out->ipv4)) ||
	    wire_tcp_opts_parse(seg + WIRE_TCP_HLEN, doff - (size_t)WIRE_TCP_HLEN,
				(out->tcp.flags & WIRE_TCP_SYN) != 0,
				&out->tcp.opts) != DROP_NONE ||
	    wire_tcp_judge(&out->tcp, &out->ipv4) != DROP_NONE)
		return false;
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
	out->payload_off = (uint16_t)(out->l4_off + doff);
	out->payload_len = out->tcp.payload_len;
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
