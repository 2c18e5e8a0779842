/* ipv4.h - IPv4 header parse and emit (RFC 791, RFC 1122 §3.2.1).
 *
 * The parser checks, in order: at least 20 bytes (ipv4_truncated), version 4
 * (ipv4_bad_version), ihl >= 5 (ipv4_bad_ihl), ihl * 4 within the bytes given
 * (ipv4_truncated), total length >= header length (ipv4_bad_totlen), total length
 * within the bytes given (ipv4_truncated; bytes past the total length are Ethernet
 * padding and are ignored), a walkable option list (ipv4_bad_option), the header
 * checksum unless WIRE_RX_IP_CSUM_OK (ipv4_bad_checksum), the source address
 * (ipv4_bad_src) and finally fragments (ipv4_fragment: MF set or offset != 0; the
 * stack does not reassemble). For the last three reasons the repr is complete, so the
 * engine can still forward or count by address. TTL is exposed, never judged: a host
 * must not discard a datagram for a low TTL (RFC 1122 §3.2.1.7); the forwarding path
 * owns ipv4_ttl_expired.
 */
#ifndef MOS_WIRE_IPV4_H
#define MOS_WIRE_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define WIRE_IPV4_HLEN 20     /* header without options */
#define WIRE_IPV4_HLEN_MAX 60 /* ihl 15 */
#define WIRE_IPV4_DEFAULT_TTL 64

struct wire_ipv4_repr {
	uint32_t src;       /* host order */
	uint32_t dst;       /* host order */
	uint16_t total_len; /* header + payload bytes (the tot_len field) */
	uint16_t id;
	uint16_t frag_off;  /* fragment offset in 8-byte units */
	uint8_t header_len; /* bytes, 20..60; options are bytes 20..header_len */
	uint8_t proto;      /* enum wire_ip_proto or any other number */
	uint8_t ttl;
	uint8_t tos;          /* DSCP (6 bits) | ECN (2 bits) */
	bool df;              /* don't fragment */
	bool mf;              /* more fragments */
	uint16_t payload_len; /* total_len - header_len; the payload starts at header_len */
};

/* Fills every field of `out` from the header at `p` whose lengths were checked
 * (header_len, total_len); no check of its own. The parsers' common step. */
void wire_ipv4_fill(const uint8_t *p, uint8_t header_len, struct wire_ipv4_repr *out);

/* Options bytes of a parsed header at `hdr` (header_len - 20 of them, possibly 0). */
static inline const uint8_t *wire_ipv4_options(const uint8_t *hdr)
{
	return hdr + WIRE_IPV4_HLEN;
}

static inline size_t wire_ipv4_options_len(const struct wire_ipv4_repr *ip)
{
	return (size_t)ip->header_len - WIRE_IPV4_HLEN;
}

/* Parses the IPv4 header at `p`; `len` is every byte the frame has from `p` on.
 * `flags`: WIRE_RX_IP_CSUM_OK skips the checksum. See the file comment for the
 * checks and their reasons. */
enum drop_reason wire_ipv4_parse(const uint8_t *p, uint16_t len, uint32_t flags,
				 struct wire_ipv4_repr *out);

/* Writes a 20-byte header (no options) for `ip` into `buf`: version 4, ihl 5, tos,
 * total_len, id, df/mf/frag_off, ttl, proto, src, dst and the header checksum (0 with
 * WIRE_TX_IP_CSUM_OFFLOAD in `flags`). ip->header_len and payload_len are not read.
 * Returns 20, or 0 if `cap` < 20. */
size_t wire_ipv4_emit(const struct wire_ipv4_repr *ip, uint32_t flags, uint8_t *buf,
		      size_t cap);

/* Address classes that may never be a datagram's source (RFC 1122 §3.2.1.3):
 * loopback 127/8, multicast 224/4, and 240/4 (reserved, including 255.255.255.255). */
static inline bool wire_ipv4_is_bad_src(uint32_t addr)
{
	return (addr >> 24) == 127 || (addr >> 28) >= 0xe;
}

static inline bool wire_ipv4_is_multicast(uint32_t addr)
{
	return (addr >> 28) == 0xe;
}

#endif /* MOS_WIRE_IPV4_H */
