/* icmp.c - ICMP parse (echo, errors with their embedded datagram) and echo replies. */
#include "wire/icmp.h"

#include <string.h>

#include "base/assert.h"
#include "wire/checksum.h"
#include "wire/frame.h"

#define WIRE_ICMP_INNER_L4_BYTES 8 /* of the offending datagram's payload, RFC 792 */

static enum drop_reason wire_icmp_inner_parse(const uint8_t *d, uint16_t len,
					      struct wire_icmp_inner *in)
{
	uint8_t header_len;
	const uint8_t *l4;

	if (len < WIRE_IPV4_HLEN || d[0] >> 4 != 4)
		return DROP_icmp_bad_embedded;
	header_len = (uint8_t)((d[0] & 0x0fu) * 4u);
	if (header_len < WIRE_IPV4_HLEN || header_len + WIRE_ICMP_INNER_L4_BYTES > len)
		return DROP_icmp_bad_embedded;
	l4 = d + header_len;
	in->header_len = header_len;
	in->total_len = wire_get_be16(d + 2);
	in->proto = d[9];
	in->src = wire_get_be32(d + 12);
	in->dst = wire_get_be32(d + 16);
	in->sport = wire_get_be16(l4);
	in->dport = wire_get_be16(l4 + 2);
	in->tcp_seq = wire_get_be32(l4 + 4);
	return DROP_NONE;
}

enum drop_reason wire_icmp_parse(const uint8_t *p, uint16_t len, struct wire_icmp_repr *out)
{
	if (len < WIRE_ICMP_HLEN)
		return DROP_icmp_truncated;
	if (wire_csum_buf(p, len) != 0)
		return DROP_icmp_bad_checksum;
	out->type = p[0];
	out->code = p[1];
	out->checksum = wire_get_be16(p + 2);
	out->data_len = (uint16_t)(len - WIRE_ICMP_HLEN);
	out->id = 0;
	out->seq = 0;
	out->mtu = 0;
	if (out->type == WIRE_ICMP_ECHO_REQUEST || out->type == WIRE_ICMP_ECHO_REPLY) {
		out->id = wire_get_be16(p + 4);
		out->seq = wire_get_be16(p + 6);
		return DROP_NONE;
	}
	if (!wire_icmp_is_error(out->type))
		return DROP_NONE;
	if (out->type == WIRE_ICMP_DEST_UNREACH && out->code == WIRE_ICMP_UNREACH_NEEDFRAG)
		out->mtu = wire_get_be16(p + 6); /* RFC 1191 §4: low half of the unused word */
	return wire_icmp_inner_parse(p + WIRE_ICMP_HLEN, out->data_len, &out->inner);
}

/* The IPv4 header of the reply to `req`. */
static void wire_icmp_reply_ip(const struct wire_ipv4_repr *req, uint16_t icmp_len,
			       struct wire_ipv4_repr *ip)
{
	ip->src = req->dst;
	ip->dst = req->src;
	ip->total_len = (uint16_t)(WIRE_IPV4_HLEN + icmp_len);
	ip->id = req->id;
	ip->frag_off = 0;
	ip->header_len = WIRE_IPV4_HLEN;
	ip->proto = WIRE_IP_PROTO_ICMP;
	ip->ttl = WIRE_IPV4_DEFAULT_TTL;
	ip->tos = req->tos;
	ip->df = false;
	ip->mf = false;
	ip->payload_len = icmp_len;
}

size_t wire_icmp_build_echo_reply(const uint8_t *frame, const struct wire_pkt *req,
				  uint8_t *buf, size_t cap)
{
	struct wire_eth_repr eth = req->eth;
	struct wire_ipv4_repr ip;
	size_t l2 = wire_eth_header_len(&eth);
	size_t icmp_len = WIRE_ICMP_HLEN + (size_t)req->icmp.data_len;
	size_t frame_len = l2 + WIRE_IPV4_HLEN + icmp_len;
	size_t out_len = frame_len < WIRE_ETH_MIN_FRAME ? WIRE_ETH_MIN_FRAME : frame_len;
	uint8_t *icmp = buf + l2 + WIRE_IPV4_HLEN;

	if (req->l4 != WIRE_L4_ICMP || req->icmp.type != WIRE_ICMP_ECHO_REQUEST)
		return 0;
	if (WIRE_IPV4_HLEN + icmp_len > UINT16_MAX || out_len > cap)
		return 0;
	MOS_ASSERT(req->payload_off + (size_t)req->icmp.data_len <= req->frame_len);
	/* Data first: in place it only moves toward the front (the request's IPv4 header
	 * is at least as long), and everything else comes from the reprs. */
	memmove(icmp + WIRE_ICMP_HLEN, frame + req->payload_off, req->icmp.data_len);
	eth.dst = req->eth.src;
	eth.src = req->eth.dst;
	wire_eth_emit(&eth, buf, cap);
	wire_icmp_reply_ip(&req->ipv4, (uint16_t)icmp_len, &ip);
	wire_ipv4_emit(&ip, 0, buf + l2, cap - l2);
	icmp[0] = WIRE_ICMP_ECHO_REPLY;
	icmp[1] = 0;
	wire_put_be16(icmp + 2, 0);
	wire_put_be16(icmp + 4, req->icmp.id);
	wire_put_be16(icmp + 6, req->icmp.seq);
	wire_put_be16(icmp + 2, wire_csum_buf(icmp, icmp_len));
	memset(buf + frame_len, 0, out_len - frame_len);
	return out_len;
}

#undef WIRE_ICMP_INNER_L4_BYTES
