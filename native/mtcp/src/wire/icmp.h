/* icmp.h - ICMP for IPv4 (RFC 792): echo request/reply, and the IPv4 header + 8 bytes
 * that error messages carry (for port-unreachable and PMTU handling, RFC 1191).
 *
 * The parser needs the 8-byte header (icmp_truncated), verifies the checksum over the
 * whole message - always in software, devices do not offload it - (icmp_bad_checksum),
 * and for error types reads the embedded datagram: it must hold an IPv4 header
 * (version 4, ihl >= 5) and the first 8 bytes of its payload (icmp_bad_embedded,
 * RFC 792 / RFC 1122 §3.2.2 promise at least that much). Other types are accepted with
 * only type and code filled.
 */
#ifndef MOS_WIRE_ICMP_H
#define MOS_WIRE_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define WIRE_ICMP_HLEN 8 /* type, code, checksum, 4 type-specific bytes */

enum wire_icmp_type {
	WIRE_ICMP_ECHO_REPLY = 0,
	WIRE_ICMP_DEST_UNREACH = 3,
	WIRE_ICMP_SOURCE_QUENCH = 4,
	WIRE_ICMP_REDIRECT = 5,
	WIRE_ICMP_ECHO_REQUEST = 8,
	WIRE_ICMP_TIME_EXCEEDED = 11,
	WIRE_ICMP_PARAM_PROBLEM = 12,
};

/* Codes of WIRE_ICMP_DEST_UNREACH used by the stack. */
enum wire_icmp_unreach_code {
	WIRE_ICMP_UNREACH_PROTO = 2,
	WIRE_ICMP_UNREACH_PORT = 3,
	WIRE_ICMP_UNREACH_NEEDFRAG = 4, /* carries the next-hop MTU (RFC 1191 §4) */
};

/* What an error message tells about the datagram that caused it. The port and
 * sequence fields are the first 8 bytes of that datagram's L4 header read as TCP:
 * meaningful for TCP (all three) and UDP (the ports). */
struct wire_icmp_inner {
	uint32_t src;       /* host order */
	uint32_t dst;       /* host order */
	uint16_t total_len; /* as claimed by the embedded header */
	uint8_t header_len;
	uint8_t proto;
	uint16_t sport;
	uint16_t dport;
	uint32_t tcp_seq;
};

struct wire_icmp_repr {
	uint8_t type;
	uint8_t code;
	uint16_t checksum; /* as received */
	uint16_t id;       /* echo request/reply */
	uint16_t seq;      /* echo request/reply */
	uint16_t mtu;      /* DEST_UNREACH/NEEDFRAG: next-hop MTU, 0 when not given */
	uint16_t data_len; /* bytes after the 8-byte header (echo data, error datagram) */
	struct wire_icmp_inner inner; /* error types only (wire_icmp_is_error()) */
};

/* Types that carry the offending datagram. */
static inline bool wire_icmp_is_error(uint8_t type)
{
	return type == WIRE_ICMP_DEST_UNREACH || type == WIRE_ICMP_SOURCE_QUENCH ||
	       type == WIRE_ICMP_REDIRECT || type == WIRE_ICMP_TIME_EXCEEDED ||
	       type == WIRE_ICMP_PARAM_PROBLEM;
}

/* Parses the `len`-byte ICMP message at `p` (len = the IPv4 payload length). */
enum drop_reason wire_icmp_parse(const uint8_t *p, uint16_t len, struct wire_icmp_repr *out);

struct wire_pkt;

/* Builds into `buf` the frame answering the echo request `req` (parsed by
 * wire_parse_frame() from `frame` with DROP_NONE, l4 ICMP, type ECHO_REQUEST):
 * Ethernet addresses swapped and the request's VLAN tags kept; a fresh 20-byte IPv4
 * header (no options - record-route/timestamp are not reflected, a SHOULD of RFC 1122
 * §3.2.2.6 we skip) with addresses swapped, the request's tos and id, TTL 64; an echo
 * reply with the same id, seq and data; both checksums computed. Padded with zeros to
 * 60 bytes. `buf` may be `frame` itself (built in place). Returns the frame length, or
 * 0 if `req` is not such a request or the reply does not fit `cap`. */
size_t wire_icmp_build_echo_reply(const uint8_t *frame, const struct wire_pkt *req,
				  uint8_t *buf, size_t cap);

#endif /* MOS_WIRE_ICMP_H */
