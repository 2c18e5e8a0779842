/* wire.h - conventions and byte-order helpers shared by the stateless wire layer.
 *
 * The wire layer turns untrusted bytes into plain "repr" structs and back:
 *   - a parser checks every length before it reads the field behind it, reads each
 *     field once, never writes into the packet, and returns an enum drop_reason
 *     (DROP_NONE on success);
 *   - an emitter writes a repr into a caller buffer after one capacity check and
 *     returns the bytes written, or 0 when they do not fit (nothing is written then);
 *   - nothing here reads a clock, draws a random number, allocates or keeps state.
 *
 * BYTE ORDER: every integer in every repr is in HOST order - MAC addresses are byte
 * arrays, and IPv4 addresses, ports, sequence numbers, lengths and checksums are host
 * integers (192.0.2.1 is 0xc0000201). Convert with htonl() at the boundary to
 * struct sockaddr_in / in_addr, never inside the stack.
 *
 * OFFSETS: fields named *_off are byte offsets from the start of the header the
 * repr describes unless their comment says "frame offset".
 */
#ifndef MOS_WIRE_WIRE_H
#define MOS_WIRE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/drop.h"

/* Flags of the parse and emit calls (one namespace so one word can carry them). */
enum wire_flags {
	/* RX: the device already verified the IPv4 header checksum; do not recompute. */
	WIRE_RX_IP_CSUM_OK = 1u << 0,
	/* RX: the device already verified the TCP checksum; do not recompute. (ICMP
	 * checksums are always verified in software: devices do not check them.) */
	WIRE_RX_L4_CSUM_OK = 1u << 1,
	/* TX: leave the IPv4 header checksum 0 for the device to fill. */
	WIRE_TX_IP_CSUM_OFFLOAD = 1u << 8,
	/* TX: store the folded pseudo-header sum (not complemented) in the TCP checksum
	 * field, which is what a device with TCP checksum offload expects. */
	WIRE_TX_L4_CSUM_OFFLOAD = 1u << 9,
};

/* IP protocol numbers the stack knows. */
enum wire_ip_proto {
	WIRE_IP_PROTO_ICMP = 1,
	WIRE_IP_PROTO_TCP = 6,
	WIRE_IP_PROTO_UDP = 17,
};

static inline uint16_t wire_get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | (unsigned)p[1]);
}

static inline uint32_t wire_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	       (uint32_t)p[3];
}

static inline void wire_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wire_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Host-order IPv4 address from its four dotted-quad parts: WIRE_IPV4(192, 0, 2, 1). */
#define WIRE_IPV4(a, b, c, d)                                                                  \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Buffer size for wire_ipv4_addr_format(): "255.255.255.255" + NUL. */
#define WIRE_IPV4_ADDR_STR_LEN 16

/* Writes `addr` (host order) as dotted quad into `buf` (WIRE_IPV4_ADDR_STR_LEN bytes);
 * returns buf. */
char *wire_ipv4_addr_format(uint32_t addr, char *buf);

#endif /* MOS_WIRE_WIRE_H */
