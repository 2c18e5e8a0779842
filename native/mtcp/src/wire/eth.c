/* eth.c - Ethernet II / 802.1Q / 802.1ad parse and emit, MAC address helpers. */
#include "wire/eth.h"

#include <stdio.h>
#include <string.h>

#include "base/assert.h"

const struct wire_mac wire_mac_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

static inline bool wire_eth_is_tpid(uint16_t type)
{
	return type == WIRE_ETHERTYPE_VLAN || type == WIRE_ETHERTYPE_QINQ;
}

enum drop_reason wire_eth_parse(const uint8_t *frame, uint16_t len, struct wire_eth_repr *out)
{
	size_t type_off = 12; /* offset of the (next) ethertype / TPID field */
	uint16_t type;
	uint8_t n = 0;

	if (len < WIRE_ETH_HLEN)
		return DROP_eth_truncated;
	memcpy(out->dst.b, frame, WIRE_ETH_ADDR_LEN);
	memcpy(out->src.b, frame + WIRE_ETH_ADDR_LEN, WIRE_ETH_ADDR_LEN);
	type = wire_get_be16(frame + type_off);
	while (wire_eth_is_tpid(type)) {
		if (n == WIRE_VLAN_MAX_TAGS)
			return DROP_vlan_too_many_tags;
		/* TPID at type_off, TCI at +2, the next type at +4..+5. */
		if (len < type_off + WIRE_VLAN_TAG_LEN + 2)
			return DROP_vlan_truncated;
		out->vlan_tpid[n] = type;
		out->vlan_tci[n] = wire_get_be16(frame + type_off + 2);
		type = wire_get_be16(frame + type_off + WIRE_VLAN_TAG_LEN);
		type_off += WIRE_VLAN_TAG_LEN;
		n++;
	}
	out->vlan_count = n;
	out->ethertype = type;
	out->l3_off = (uint16_t)(type_off + 2);
	/* IEEE 802: the I/G bit of a source address is always 0. */
	if (wire_mac_is_multicast(&out->src))
		return DROP_eth_bad_src;
	return DROP_NONE;
}

size_t wire_eth_emit(const struct wire_eth_repr *eth, uint8_t *buf, size_t cap)
{
	size_t need = wire_eth_header_len(eth);
	size_t off = 2 * WIRE_ETH_ADDR_LEN;

	MOS_ASSERT(eth->vlan_count <= WIRE_VLAN_MAX_TAGS);
	if (need > cap)
		return 0;
	memcpy(buf, eth->dst.b, WIRE_ETH_ADDR_LEN);
	memcpy(buf + WIRE_ETH_ADDR_LEN, eth->src.b, WIRE_ETH_ADDR_LEN);
	for (uint8_t i = 0; i < eth->vlan_count; i++) {
		uint16_t tpid =
			eth->vlan_tpid[i] != 0 ? eth->vlan_tpid[i] : WIRE_ETHERTYPE_VLAN;
		wire_put_be16(buf + off, tpid);
		wire_put_be16(buf + off + 2, eth->vlan_tci[i]);
		off += WIRE_VLAN_TAG_LEN;
	}
	wire_put_be16(buf + off, eth->ethertype);
	return need;
}

char *wire_mac_format(const struct wire_mac *m, char *buf)
{
	snprintf(buf, WIRE_MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1],
		 m->b[2], m->b[3], m->b[4], m->b[5]);
	return buf;
}

/* Value of one hex digit, or -1. */
static int wire_mac_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool wire_mac_parse(const char *text, struct wire_mac *out)
{
	struct wire_mac m;

	/* "xx:xx:xx:xx:xx:xx": byte i at 3i, its separator at 3i + 2, NUL at 17. */
	for (size_t i = 0; i < WIRE_ETH_ADDR_LEN; i++) {
		const char *p = text + 3 * i;
		int hi = wire_mac_hex(p[0]);
		int lo = hi < 0 ? -1 : wire_mac_hex(p[1]);
		char sep = i + 1 < WIRE_ETH_ADDR_LEN ? ':' : '\0';

		if (lo < 0 || p[2] != sep)
			return false;
		m.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = m;
	return true;
}
