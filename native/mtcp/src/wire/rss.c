/* rss.c - the symmetric-key RSS hash of a frame (see rss.h). */
#include "base/assert.h"
#include "base/toeplitz.h"
#include "wire/rss.h"
#include "wire/wire.h"

#define WIRE_RSS_ETHERTYPE_IPV4 0x0800u
#define WIRE_RSS_ETHERTYPE_VLAN 0x8100u
#define WIRE_RSS_ETHERTYPE_QINQ 0x88a8u
#define WIRE_RSS_MAX_TAGS 2u
#define WIRE_RSS_PROTO_TCP 6u

void wire_rss_table_init(struct wire_rss_table *t)
{
	const uint8_t *key = toeplitz_sym_key();

	for (unsigned i = 0; i < WIRE_RSS_INPUT_BYTES; i++) {
		uint32_t bit_hash[8]; /* [b]: hash of the input whose only set bit is bit b
				       * of byte i, counted from the most significant */
		uint32_t *table = t->part[i];

		for (unsigned b = 0; b < 8; b++) {
			uint8_t in[WIRE_RSS_INPUT_BYTES] = {0};

			in[i] = (uint8_t)(0x80u >> b);
			bit_hash[b] = toeplitz_hash(key, TOEPLITZ_SYM_KEY_LEN, in, sizeof in);
		}
		table[0] = 0;
		/* table[v] = table[v without its lowest set bit] ^ that bit's hash; the
		 * lowest set bit (ctz, from the least significant) is bit 7 - ctz of the
		 * byte counted from the most significant. */
		for (unsigned v = 1; v < 256; v++) {
			unsigned low = (unsigned)__builtin_ctz(v);

			table[v] = table[v & (v - 1)] ^ bit_hash[7 - low];
		}
	}
}

/* Frame offset of the IPv4 header (after up to two VLAN tags), or 0 if not IPv4. */
static uint32_t wire_rss_l3_off(const uint8_t *frame, uint32_t len)
{
	uint32_t off = 12;
	unsigned tags = 0;

	while (off + 2 <= len) {
		uint16_t type = wire_get_be16(frame + off);

		if (type == WIRE_RSS_ETHERTYPE_IPV4)
			return off + 2;
		if ((type != WIRE_RSS_ETHERTYPE_VLAN && type != WIRE_RSS_ETHERTYPE_QINQ) ||
		    tags == WIRE_RSS_MAX_TAGS)
			return 0;
		tags++;
		off += 4;
	}
	return 0;
}

bool wire_rss_frame_hash(const struct wire_rss_table *t, const uint8_t *frame, uint32_t len,
			 uint32_t *hash)
{
	uint32_t l3 = wire_rss_l3_off(frame, len), ihl, h = 0;
	unsigned in_len = 8; /* addresses; + ports for unfragmented TCP */
	const uint8_t *ip;

	MOS_ASSERT(hash != NULL);
	if (l3 == 0 || l3 + 20 > len)
		return false;
	ip = frame + l3;
	ihl = (ip[0] & 0x0fu) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || l3 + ihl > len)
		return false;
	/* A NIC hashes fragments (MF set or offset != 0) by addresses only. */
	if (ip[9] == WIRE_RSS_PROTO_TCP && (wire_get_be16(ip + 6) & 0x3fffu) == 0 &&
	    l3 + ihl + 4 <= len)
		in_len = 12;
	for (unsigned i = 0; i < in_len; i++) {
		uint8_t v = i < 8 ? ip[12 + i] : ip[ihl + i - 8];

		h ^= t->part[i][v];
	}
	*hash = h;
	return true;
}

#undef WIRE_RSS_ETHERTYPE_IPV4
#undef WIRE_RSS_ETHERTYPE_VLAN
#undef WIRE_RSS_ETHERTYPE_QINQ
#undef WIRE_RSS_MAX_TAGS
#undef WIRE_RSS_PROTO_TCP
