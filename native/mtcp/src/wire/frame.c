/* frame.c - the per-packet parse chain: Ethernet, then ARP or IPv4, then ICMP or TCP. */
#include "wire/frame.h"

#include "base/assert.h"

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

enum drop_reason wire_parse_frame(const uint8_t *frame, uint16_t len, uint32_t flags,
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
