/* eth.h - Ethernet II header with up to two 802.1Q / 802.1ad tags, and MAC helpers.
 *
 * VLAN: the parser walks up to WIRE_VLAN_MAX_TAGS tags (TPID 0x8100 or 0x88a8 at
 * either position), reports their TCIs and where L3 starts, and gives the inner
 * ethertype. The engine processes tagged frames exactly like untagged ones (the tags
 * are neither a filter nor part of a flow key); replies it builds itself carry the
 * tags of the frame they answer. A tag the device stripped (IO_RX_VLAN_STRIPPED) is
 * not in the frame and so not seen here.
 */
#ifndef MOS_WIRE_ETH_H
#define MOS_WIRE_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/wire.h"

#define WIRE_ETH_ADDR_LEN 6
#define WIRE_ETH_HLEN 14    /* dst, src, ethertype */
#define WIRE_VLAN_TAG_LEN 4 /* TPID, TCI */
#define WIRE_VLAN_MAX_TAGS 2
#define WIRE_ETH_MIN_FRAME 60 /* shortest frame on the wire, FCS excluded */
#define WIRE_MAC_STR_LEN 18   /* "02:00:00:00:00:01" + NUL */

enum wire_ethertype {
	WIRE_ETHERTYPE_IPV4 = 0x0800,
	WIRE_ETHERTYPE_ARP = 0x0806,
	WIRE_ETHERTYPE_VLAN = 0x8100, /* 802.1Q customer tag */
	WIRE_ETHERTYPE_IPV6 = 0x86dd,
	WIRE_ETHERTYPE_QINQ = 0x88a8, /* 802.1ad service tag */
};

struct wire_mac {
	uint8_t b[WIRE_ETH_ADDR_LEN];
};

struct wire_eth_repr {
	struct wire_mac dst;
	struct wire_mac src;
	uint16_t ethertype; /* of the payload, after any tags */
	uint16_t l3_off;    /* frame offset of the L3 header: 14 + 4 * vlan_count */
	uint8_t vlan_count; /* 0..WIRE_VLAN_MAX_TAGS */
	uint16_t vlan_tpid[WIRE_VLAN_MAX_TAGS]; /* [0] = outermost; valid below vlan_count */
	uint16_t vlan_tci[WIRE_VLAN_MAX_TAGS];  /* PCP(3) DEI(1) VID(12) */
};

/* The 12-bit VLAN id of a TCI. */
static inline uint16_t wire_vlan_id(uint16_t tci)
{
	return tci & 0x0fffu;
}

/* Parses the Ethernet header and its tags at the start of `frame` (`len` bytes).
 * Drops: eth_truncated, vlan_truncated, vlan_too_many_tags, eth_bad_src (group source
 * address, IEEE 802 forbids it; the repr is complete in that case). The ethertype is
 * not judged here. */
enum drop_reason wire_eth_parse(const uint8_t *frame, uint16_t len, struct wire_eth_repr *out);

/* Bytes wire_eth_emit() writes for `eth`. */
static inline size_t wire_eth_header_len(const struct wire_eth_repr *eth)
{
	return WIRE_ETH_HLEN + (size_t)eth->vlan_count * WIRE_VLAN_TAG_LEN;
}

/* Writes dst, src, the vlan_count tags (a zero TPID is written as 0x8100) and the
 * ethertype into `buf`. Returns the header length, or 0 if it exceeds `cap`.
 * vlan_count <= WIRE_VLAN_MAX_TAGS is asserted. */
size_t wire_eth_emit(const struct wire_eth_repr *eth, uint8_t *buf, size_t cap);

static inline bool wire_mac_is_broadcast(const struct wire_mac *m)
{
	return (m->b[0] & m->b[1] & m->b[2] & m->b[3] & m->b[4] & m->b[5]) == 0xff;
}

/* Group (I/G bit set) address: multicast, including broadcast. */
static inline bool wire_mac_is_multicast(const struct wire_mac *m)
{
	return (m->b[0] & 0x01u) != 0;
}

static inline bool wire_mac_is_zero(const struct wire_mac *m)
{
	return (m->b[0] | m->b[1] | m->b[2] | m->b[3] | m->b[4] | m->b[5]) == 0;
}

static inline bool wire_mac_equal(const struct wire_mac *a, const struct wire_mac *b)
{
	return a->b[0] == b->b[0] && a->b[1] == b->b[1] && a->b[2] == b->b[2] &&
	       a->b[3] == b->b[3] && a->b[4] == b->b[4] && a->b[5] == b->b[5];
}

extern const struct wire_mac wire_mac_broadcast; /* ff:ff:ff:ff:ff:ff */

/* Writes "02:00:00:00:00:01" (lower-case hex) into `buf` (WIRE_MAC_STR_LEN bytes);
 * returns buf. */
char *wire_mac_format(const struct wire_mac *m, char *buf);

/* Parses exactly six colon-separated two-digit hex bytes ("02:00:00:00:00:01", either
 * case) into `out`; false (and `out` untouched) on anything else. */
bool wire_mac_parse(const char *text, struct wire_mac *out);

#endif /* MOS_WIRE_ETH_H */
