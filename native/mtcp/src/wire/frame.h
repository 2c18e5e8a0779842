/* frame.h - one call that parses a whole received frame: the engine's per-packet entry.
 *
 * wire_parse_frame() runs Ethernet -> (ARP | IPv4 -> (ICMP | TCP | other)) and fills a
 * struct wire_pkt with each layer's repr and the frame offsets. It costs a few dozen
 * loads and compares plus the checksums it is not told to skip; it clears nothing it
 * does not set, so read only what the result says is valid:
 *
 *   - eth is valid unless the reason is eth_truncated, vlan_truncated or
 *     vlan_too_many_tags (after eth_bad_src and eth_unsupported_type it is complete:
 *     the engine forwards non-IP frames verbatim in monitor mode);
 *   - l3 names the L3 kind as soon as the ethertype is known (NONE otherwise); arp /
 *     ipv4 are valid when the reason is DROP_NONE or belongs to a later layer, and for
 *     ipv4_bad_checksum, ipv4_bad_src and ipv4_fragment (complete, L4 not parsed);
 *   - l4 names the L4 kind once the IPv4 header is valid and not a fragment; icmp / tcp
 *     are valid only with DROP_NONE (plus the complete-repr reasons listed in tcp.h).
 *     Protocols other than ICMP and TCP are l4 = WIRE_L4_OTHER with DROP_NONE: the
 *     engine decides (forward or drop), the wire layer has nothing to check;
 *   - l4_off / payload_off / payload_len are frame offsets valid with l4 != NONE:
 *     TCP data, ICMP data after its 8-byte header, or the whole payload for OTHER.
 */
#ifndef MOS_WIRE_FRAME_H
#define MOS_WIRE_FRAME_H

#include <stdint.h>

#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

enum wire_l3_kind {
	WIRE_L3_NONE = 0,
	WIRE_L3_ARP = 1,
	WIRE_L3_IPV4 = 2,
};

enum wire_l4_kind {
	WIRE_L4_NONE = 0,
	WIRE_L4_ICMP = 1,
	WIRE_L4_TCP = 2,
	WIRE_L4_OTHER = 3, /* any other IP protocol (UDP included) */
};

struct wire_pkt {
	uint16_t frame_len;   /* bytes given to wire_parse_frame() */
	uint8_t l3;           /* enum wire_l3_kind */
	uint8_t l4;           /* enum wire_l4_kind */
	uint16_t l3_off;      /* frame offset of the ARP / IPv4 header (= eth.l3_off) */
	uint16_t l4_off;      /* frame offset of the ICMP / TCP / other header */
	uint16_t payload_off; /* frame offset of the L4 payload */
	uint16_t payload_len; /* its bytes (from the IPv4 total length, not the frame) */
	struct wire_eth_repr eth;
	union {
		struct wire_arp_repr arp;
		struct wire_ipv4_repr ipv4;
	};
	union {
		struct wire_icmp_repr icmp;
		struct wire_tcp_repr tcp;
	};
};

/* Parses `len` bytes at `frame`. `flags`: WIRE_RX_IP_CSUM_OK, WIRE_RX_L4_CSUM_OK
 * (set them only when the device reported the checksum GOOD). Returns DROP_NONE or
 * the reason of the first check that failed. */
enum drop_reason wire_parse_frame(const uint8_t *frame, uint16_t len, uint32_t flags,
				  struct wire_pkt *out);

/* The same through the general layer chain only. wire_parse_frame() first tries a fast
 * path for untagged IPv4 (no options) + TCP that takes a frame only when it passes
 * every check; for every frame both give the same reason and the same repr (tests and
 * the fuzz target compare them). */
enum drop_reason wire_parse_frame_general(const uint8_t *frame, uint16_t len, uint32_t flags,
					  struct wire_pkt *out);

#endif /* MOS_WIRE_FRAME_H */
