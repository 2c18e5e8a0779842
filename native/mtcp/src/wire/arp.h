/* arp.h - ARP for IPv4 over Ethernet (RFC 826) and the frames the stack sends.
 *
 * Only htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6 and plen 4 are accepted; any
 * other ARP is a drop with its own reason. Frames built here are untagged Ethernet
 * frames padded with zeros to the 60-byte minimum; for a tagged port, emit the
 * Ethernet header with wire_eth_emit() and the body with wire_arp_emit().
 */
#ifndef MOS_WIRE_ARP_H
#define MOS_WIRE_ARP_H

#include <stddef.h>
#include <stdint.h>

#include "wire/eth.h"

#define WIRE_ARP_LEN 28 /* the Ethernet/IPv4 ARP message */

enum wire_arp_op {
	WIRE_ARP_OP_REQUEST = 1,
	WIRE_ARP_OP_REPLY = 2,
};

struct wire_arp_repr {
	uint16_t op;         /* enum wire_arp_op */
	struct wire_mac sha; /* sender hardware address */
	struct wire_mac tha; /* target hardware address */
	uint32_t spa;        /* sender protocol address, host order */
	uint32_t tpa;        /* target protocol address, host order */
};

/* The local end of an exchange: our MAC and IPv4 address (host order). */
struct wire_arp_self {
	struct wire_mac mac;
	uint32_t ip;
};

/* Parses the ARP message at `p` (`len` bytes, the frame from l3_off on; Ethernet
 * padding after the 28 bytes is ignored). Drops, checked in this order:
 * arp_truncated (< 8 bytes), arp_bad_htype, arp_bad_ptype, arp_bad_len (hlen/plen),
 * arp_truncated (< 28 bytes), arp_bad_op, arp_bad_sha (group or zero sender MAC). */
enum drop_reason wire_arp_parse(const uint8_t *p, uint16_t len, struct wire_arp_repr *out);

/* Writes the 28-byte message for `arp`; returns 28, or 0 if `cap` is smaller. */
size_t wire_arp_emit(const struct wire_arp_repr *arp, uint8_t *buf, size_t cap);

/* Writes a whole frame: Ethernet header (dst `eth_dst`, src arp->sha, type ARP), the
 * message, zero padding to 60 bytes. Returns 60, or 0 if `cap` < 60. */
size_t wire_arp_emit_frame(const struct wire_arp_repr *arp, const struct wire_mac *eth_dst,
			   uint8_t *buf, size_t cap);

/* Broadcast request "who has `target_ip`? tell self" (tha zero). Returns 60 or 0. */
size_t wire_arp_build_request(const struct wire_arp_self *self, uint32_t target_ip,
			      uint8_t *buf, size_t cap);

/* Unicast reply to `req` (a parsed request for self->ip) sent to its sender. Returns 60
 * or 0. */
size_t wire_arp_build_reply(const struct wire_arp_self *self, const struct wire_arp_repr *req,
			    uint8_t *buf, size_t cap);

/* Gratuitous ARP / ARP announcement (RFC 5227 §2.3): a broadcast request with
 * spa = tpa = self->ip and tha zero. Returns 60 or 0. */
size_t wire_arp_build_gratuitous(const struct wire_arp_self *self, uint8_t *buf, size_t cap);

#endif /* MOS_WIRE_ARP_H */
