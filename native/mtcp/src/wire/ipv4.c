/* ipv4.c - IPv4 header validation, parse and emit; dotted-quad formatting. */
#include "wire/ipv4.h"

#include <stdio.h>

#include "wire/checksum.h"

#define WIRE_IPV4_FLAG_DF 0x4000u
#define WIRE_IPV4_FLAG_MF 0x2000u
#define WIRE_IPV4_FRAG_MASK 0x1fffu

/* Walks the option list only to prove every length is sane (RFC 791 §3.1: options are
 * a single type byte, or type, length (counting both bytes) and data). */
static enum drop_reason wire_ipv4_walk_options(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t type = opt[i];

		if (type == 0) /* end of option list: the rest is padding */
			break;
		if (type == 1) { /* no operation */
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return DROP_ipv4_bad_option;
		i += opt[i + 1];
	}
	return DROP_NONE;
}

void wire_ipv4_fill(const uint8_t *p, uint8_t header_len, struct wire_ipv4_repr *out)
{
	uint16_t frag = wire_get_be16(p + 6);

	out->header_len = header_len;
	out->tos = p[1];
	out->total_len = wire_get_be16(p + 2);
	out->id = wire_get_be16(p + 4);
	out->df = (frag & WIRE_IPV4_FLAG_DF) != 0;
	out->mf = (frag & WIRE_IPV4_FLAG_MF) != 0;
	out->frag_off = frag & WIRE_IPV4_FRAG_MASK;
	out->ttl = p[8];
	out->proto = p[9];
	out->src = wire_get_be32(p + 12);
	out->dst = wire_get_be32(p + 16);
	out->payload_len = (uint16_t)(out->total_len - header_len);
}

enum drop_reason wire_ipv4_parse(const uint8_t *p, uint16_t len, uint32_t flags,
				 struct wire_ipv4_repr *out)
{
	uint8_t header_len;
	uint16_t total_len;
	enum drop_reason why;

	if (len < WIRE_IPV4_HLEN)
		return DROP_ipv4_truncated;
	if (p[0] >> 4 != 4)
		return DROP_ipv4_bad_version;
	header_len = (uint8_t)((p[0] & 0x0fu) * 4u);
	if (header_len < WIRE_IPV4_HLEN)
		return DROP_ipv4_bad_ihl;
	if (header_len > len)
		return DROP_ipv4_truncated;
	total_len = wire_get_be16(p + 2);
	if (total_len < header_len)
		return DROP_ipv4_bad_totlen;
	if (total_len > len)
		return DROP_ipv4_truncated;
	why = wire_ipv4_walk_options(p + WIRE_IPV4_HLEN, header_len - (size_t)WIRE_IPV4_HLEN);
	if (why != DROP_NONE)
		return why;
	wire_ipv4_fill(p, header_len, out);
	if ((flags & WIRE_RX_IP_CSUM_OK) == 0 &&
	    (header_len == WIRE_IPV4_HLEN ? wire_csum_ipv4_hdr20(p)
					  : wire_csum_buf(p, header_len)) != 0)
		return DROP_ipv4_bad_checksum;
	if (wire_ipv4_is_bad_src(out->src))
		return DROP_ipv4_bad_src;
	if (out->mf || out->frag_off != 0)
		return DROP_ipv4_fragment;
	return DROP_NONE;
}

size_t wire_ipv4_emit(const struct wire_ipv4_repr *ip, uint32_t flags, uint8_t *buf, size_t cap)
{
	uint16_t frag = ip->frag_off & WIRE_IPV4_FRAG_MASK;

	if (cap < WIRE_IPV4_HLEN)
		return 0;
	if (ip->df)
		frag |= WIRE_IPV4_FLAG_DF;
	if (ip->mf)
		frag |= WIRE_IPV4_FLAG_MF;
	buf[0] = 0x45; /* version 4, ihl 5 */
	buf[1] = ip->tos;
	wire_put_be16(buf + 2, ip->total_len);
	wire_put_be16(buf + 4, ip->id);
	wire_put_be16(buf + 6, frag);
	buf[8] = ip->ttl;
	buf[9] = ip->proto;
	wire_put_be16(buf + 10, 0);
	wire_put_be32(buf + 12, ip->src);
	wire_put_be32(buf + 16, ip->dst);
	if ((flags & WIRE_TX_IP_CSUM_OFFLOAD) == 0)
		wire_put_be16(buf + 10, wire_csum_ipv4_hdr20(buf));
	return WIRE_IPV4_HLEN;
}

char *wire_ipv4_addr_format(uint32_t addr, char *buf)
{
	snprintf(buf, WIRE_IPV4_ADDR_STR_LEN, "%u.%u.%u.%u", (unsigned)(addr >> 24),
		 (unsigned)(addr >> 16) & 0xffu, (unsigned)(addr >> 8) & 0xffu,
		 (unsigned)addr & 0xffu);
	return buf;
}

#undef WIRE_IPV4_FLAG_DF
#undef WIRE_IPV4_FLAG_MF
#undef WIRE_IPV4_FRAG_MASK
