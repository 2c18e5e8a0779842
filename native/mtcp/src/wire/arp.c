/* arp.c - Ethernet/IPv4 ARP parse and emit (RFC 826), request/reply/announcement frames. */
#include "wire/arp.h"

#include <string.h>

#define WIRE_ARP_FIXED_LEN 8 /* htype, ptype, hlen, plen, op */
#define WIRE_ARP_HTYPE_ETHERNET 1

enum drop_reason wire_arp_parse(const uint8_t *p, uint16_t len, struct wire_arp_repr *out)
{
	uint16_t op;

	if (len < WIRE_ARP_FIXED_LEN)
		return DROP_arp_truncated;
	if (wire_get_be16(p) != WIRE_ARP_HTYPE_ETHERNET)
		return DROP_arp_bad_htype;
	if (wire_get_be16(p + 2) != WIRE_ETHERTYPE_IPV4)
		return DROP_arp_bad_ptype;
	if (p[4] != WIRE_ETH_ADDR_LEN || p[5] != 4)
		return DROP_arp_bad_len;
	if (len < WIRE_ARP_LEN)
		return DROP_arp_truncated;
	op = wire_get_be16(p + 6);
	if (op != WIRE_ARP_OP_REQUEST && op != WIRE_ARP_OP_REPLY)
		return DROP_arp_bad_op;
	out->op = op;
	memcpy(out->sha.b, p + 8, WIRE_ETH_ADDR_LEN);
	out->spa = wire_get_be32(p + 14);
	memcpy(out->tha.b, p + 18, WIRE_ETH_ADDR_LEN);
	out->tpa = wire_get_be32(p + 24);
	/* A sender that claims a group or null link address would poison caches
	 * (RFC 1812 §3.3.2 forbids believing such a mapping). */
	if (wire_mac_is_multicast(&out->sha) || wire_mac_is_zero(&out->sha))
		return DROP_arp_bad_sha;
	return DROP_NONE;
}

size_t wire_arp_emit(const struct wire_arp_repr *arp, uint8_t *buf, size_t cap)
{
	if (cap < WIRE_ARP_LEN)
		return 0;
	wire_put_be16(buf, WIRE_ARP_HTYPE_ETHERNET);
	wire_put_be16(buf + 2, WIRE_ETHERTYPE_IPV4);
	buf[4] = WIRE_ETH_ADDR_LEN;
	buf[5] = 4;
	wire_put_be16(buf + 6, arp->op);
	memcpy(buf + 8, arp->sha.b, WIRE_ETH_ADDR_LEN);
	wire_put_be32(buf + 14, arp->spa);
	memcpy(buf + 18, arp->tha.b, WIRE_ETH_ADDR_LEN);
	wire_put_be32(buf + 24, arp->tpa);
	return WIRE_ARP_LEN;
}

size_t wire_arp_emit_frame(const struct wire_arp_repr *arp, const struct wire_mac *eth_dst,
			   uint8_t *buf, size_t cap)
{
	struct wire_eth_repr eth;
	size_t off;

	if (cap < WIRE_ETH_MIN_FRAME)
		return 0;
	eth.dst = *eth_dst;
	eth.src = arp->sha;
	eth.ethertype = WIRE_ETHERTYPE_ARP;
	eth.vlan_count = 0;
	off = wire_eth_emit(&eth, buf, cap);
	off += wire_arp_emit(arp, buf + off, cap - off);
	memset(buf + off, 0, WIRE_ETH_MIN_FRAME - off);
	return WIRE_ETH_MIN_FRAME;
}

size_t wire_arp_build_request(const struct wire_arp_self *self, uint32_t target_ip,
			      uint8_t *buf, size_t cap)
{
	struct wire_arp_repr arp = {
		.op = WIRE_ARP_OP_REQUEST,
		.sha = self->mac,
		.spa = self->ip,
		.tha = {{0}},
		.tpa = target_ip,
	};

	return wire_arp_emit_frame(&arp, &wire_mac_broadcast, buf, cap);
}

size_t wire_arp_build_reply(const struct wire_arp_self *self, const struct wire_arp_repr *req,
			    uint8_t *buf, size_t cap)
{
	struct wire_arp_repr arp = {
		.op = WIRE_ARP_OP_REPLY,
		.sha = self->mac,
		.spa = self->ip,
		.tha = req->sha,
		.tpa = req->spa,
	};

	return wire_arp_emit_frame(&arp, &req->sha, buf, cap);
}

size_t wire_arp_build_gratuitous(const struct wire_arp_self *self, uint8_t *buf, size_t cap)
{
	return wire_arp_build_request(self, self->ip, buf, cap);
}

#undef WIRE_ARP_FIXED_LEN
#undef WIRE_ARP_HTYPE_ETHERNET
