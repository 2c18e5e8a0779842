/* test_wire_eth.c - Ethernet/VLAN parse and emit, MAC helpers, ARP vectors, drop names. */
#include "mos_test.h"
#include "test_wire_util.h"

#include "base/drop.h"
#include "wire/arp.h"
#include "wire/eth.h"

TEST(drop_reason_names_are_stable_strings)
{
	CHECK_STREQ(drop_reason_name(DROP_NONE), "none");
	CHECK_STREQ(drop_reason_name(DROP_ipv4_bad_ihl), "ipv4_bad_ihl");
	CHECK_STREQ(drop_reason_name(DROP_eth_truncated), "eth_truncated");
	CHECK_STREQ(drop_reason_name(DROP_tcp_bad_option), "tcp_bad_option");
	CHECK_STREQ(drop_reason_name(DROP_COUNT), "invalid");
	CHECK_STREQ(drop_reason_name((enum drop_reason) - 1), "invalid");
	CHECK_STREQ(drop_reason_desc(DROP_ipv4_fragment),
		    "IPv4 fragment (fragments are not reassembled)");
	/* Every reason has a distinct, non-empty lower-case name. */
	for (int i = 1; i < DROP_COUNT; i++) {
		const char *n = drop_reason_name((enum drop_reason)i);
		CHECK(n[0] != '\0');
		for (const char *c = n; *c; c++)
			CHECK_MSG((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
					  *c == '_',
				  "bad character in %s", n);
		for (int j = 1; j < i; j++)
			CHECK(strcmp(n, drop_reason_name((enum drop_reason)j)) != 0);
		CHECK(drop_reason_desc((enum drop_reason)i)[0] != '\0');
	}
}

TEST(eth_untagged)
{
	uint8_t f[128];
	struct wire_eth_repr e;
	char s[WIRE_MAC_STR_LEN];
	size_t len = tw_build_syn(f, 0);

	CHECK_EQ(wire_eth_parse(f, (uint16_t)len, &e), DROP_NONE);
	CHECK_STREQ(wire_mac_format(&e.dst, s), "02:00:00:00:00:01");
	CHECK_STREQ(wire_mac_format(&e.src, s), "02:00:00:00:00:02");
	CHECK_EQ(e.ethertype, WIRE_ETHERTYPE_IPV4);
	CHECK_EQ(e.vlan_count, 0);
	CHECK_EQ(e.l3_off, 14);
}

TEST(eth_single_vlan)
{
	uint8_t f[128];
	struct wire_eth_repr e;
	size_t len = tw_build_syn(f, 1);

	f[14] = 0xa0; /* PCP 5 on TCI 100 */
	CHECK_EQ(wire_eth_parse(f, (uint16_t)len, &e), DROP_NONE);
	CHECK_EQ(e.vlan_count, 1);
	CHECK_EQ(e.vlan_tpid[0], 0x8100);
	CHECK_EQ(e.vlan_tci[0], 0xa064);
	CHECK_EQ(wire_vlan_id(e.vlan_tci[0]), 100);
	CHECK_EQ(e.ethertype, WIRE_ETHERTYPE_IPV4);
	CHECK_EQ(e.l3_off, 18);
}

TEST(eth_double_vlan_qinq)
{
	uint8_t f[128];
	struct wire_eth_repr e;
	size_t len = tw_build_syn(f, 2);

	CHECK_EQ(wire_eth_parse(f, (uint16_t)len, &e), DROP_NONE);
	CHECK_EQ(e.vlan_count, 2);
	CHECK_EQ(e.vlan_tpid[0], 0x88a8);
	CHECK_EQ(e.vlan_tpid[1], 0x8100);
	CHECK_EQ(wire_vlan_id(e.vlan_tci[0]), 100);
	CHECK_EQ(wire_vlan_id(e.vlan_tci[1]), 101);
	CHECK_EQ(e.ethertype, WIRE_ETHERTYPE_IPV4);
	CHECK_EQ(e.l3_off, 22);
}

TEST(eth_three_tags_dropped)
{
	uint8_t f[64] = {0};
	struct wire_eth_repr e;

	f[6] = 0x02;
	for (int i = 0; i < 3; i++)
		tw_put16(f + 12 + 4 * i, 0x8100);
	tw_put16(f + 24, 0x0800);
	CHECK_EQ(wire_eth_parse(f, sizeof f, &e), DROP_vlan_too_many_tags);
}

TEST(eth_truncated_at_every_length)
{
	uint8_t f[128];
	struct wire_eth_repr e;

	tw_build_syn(f, 1);
	for (uint16_t len = 0; len < 18; len++)
		CHECK_EQ(wire_eth_parse(f, len, &e),
			 len < 14 ? DROP_eth_truncated : DROP_vlan_truncated);
	CHECK_EQ(wire_eth_parse(f, 18, &e), DROP_NONE);
	tw_build_syn(f, 2);
	for (uint16_t len = 14; len < 22; len++)
		CHECK_EQ(wire_eth_parse(f, len, &e), DROP_vlan_truncated);
	CHECK_EQ(wire_eth_parse(f, 22, &e), DROP_NONE);
}

TEST(eth_group_source_dropped)
{
	uint8_t f[128];
	struct wire_eth_repr e;
	size_t len = tw_build_syn(f, 0);

	f[6] |= 0x01;
	CHECK_EQ(wire_eth_parse(f, (uint16_t)len, &e), DROP_eth_bad_src);
	CHECK_EQ(e.l3_off, 14); /* the repr is still complete */
}

TEST(eth_emit_round_trip)
{
	struct wire_eth_repr e = {
		.dst = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		.src = {{0x02, 0, 0, 0, 0, 0x09}},
		.ethertype = WIRE_ETHERTYPE_ARP,
		.vlan_count = 2,
		.vlan_tpid = {0x88a8, 0},
		.vlan_tci = {0x0005, 0x2fff},
	};
	struct wire_eth_repr back;
	uint8_t buf[32], want[22];

	CHECK_EQ(wire_eth_emit(&e, buf, 21), 0);
	CHECK_EQ(wire_eth_emit(&e, buf, sizeof buf), 22);
	CHECK_EQ(
		tw_hex("ffffffffffff 020000000009 88a8 0005 8100 2fff 0806", want, sizeof want),
		22);
	CHECK(memcmp(buf, want, 22) == 0);
	CHECK_EQ(wire_eth_parse(buf, 22, &back), DROP_NONE);
	CHECK_EQ(back.vlan_count, 2);
	CHECK_EQ(back.vlan_tci[1], 0x2fff);
	CHECK_EQ(back.ethertype, WIRE_ETHERTYPE_ARP);
	e.vlan_count = 0;
	CHECK_EQ(wire_eth_emit(&e, buf, 14), 14);
	CHECK_EQ(wire_get_be16(buf + 12), WIRE_ETHERTYPE_ARP);
}

TEST(mac_helpers)
{
	struct wire_mac m;
	char s[WIRE_MAC_STR_LEN];

	CHECK(wire_mac_parse("02:00:00:00:00:01", &m));
	CHECK(!wire_mac_is_multicast(&m) && !wire_mac_is_broadcast(&m) &&
	      !wire_mac_is_zero(&m));
	CHECK(wire_mac_parse("FF:ff:fF:ff:ff:ff", &m));
	CHECK(wire_mac_is_broadcast(&m) && wire_mac_is_multicast(&m));
	CHECK(wire_mac_equal(&m, &wire_mac_broadcast));
	CHECK(wire_mac_parse("01:00:5e:00:00:fb", &m));
	CHECK(wire_mac_is_multicast(&m) && !wire_mac_is_broadcast(&m));
	CHECK_STREQ(wire_mac_format(&m, s), "01:00:5e:00:00:fb");
	CHECK(wire_mac_parse("00:00:00:00:00:00", &m));
	CHECK(wire_mac_is_zero(&m));
	m.b[5] = 7;
	CHECK(!wire_mac_parse("02:00:00:00:00", &m));
	CHECK(!wire_mac_parse("02:00:00:00:00:01:", &m));
	CHECK(!wire_mac_parse("02:00:00:00:00:1", &m));
	CHECK(!wire_mac_parse("02-00-00-00-00-01", &m));
	CHECK(!wire_mac_parse("02:00:00:00:00:0g", &m));
	CHECK(!wire_mac_parse("", &m));
	CHECK_EQ(m.b[5], 7); /* untouched on failure */
}

static const struct wire_arp_self tw_self = {{{0x02, 0, 0, 0, 0, 0x02}},
					     WIRE_IPV4(10, 0, 0, 2)};

TEST(arp_parse_request)
{
	uint8_t f[64];
	struct wire_arp_repr a;
	size_t len = tw_build_arp(f);

	CHECK_EQ(len, 42);
	CHECK_EQ(wire_arp_parse(f + 14, (uint16_t)(len - 14), &a), DROP_NONE);
	CHECK_EQ(a.op, WIRE_ARP_OP_REQUEST);
	CHECK_EQ_U64(a.spa, WIRE_IPV4(10, 0, 0, 1));
	CHECK_EQ_U64(a.tpa, WIRE_IPV4(10, 0, 0, 2));
	CHECK_EQ(a.sha.b[5], 1);
	CHECK(wire_mac_is_zero(&a.tha));
}

TEST(arp_build_request_byte_exact)
{
	uint8_t buf[64], want[60] = {0};

	CHECK_EQ(wire_arp_build_request(&tw_self, WIRE_IPV4(10, 0, 0, 1), buf, 59), 0);
	CHECK_EQ(wire_arp_build_request(&tw_self, WIRE_IPV4(10, 0, 0, 1), buf, sizeof buf), 60);
	tw_hex("ffffffffffff 020000000002 0806 0001 0800 06 04 0001"
	       "020000000002 0a000002 000000000000 0a000001",
	       want, sizeof want);
	CHECK(memcmp(buf, want, 60) == 0);
}

TEST(arp_build_reply_byte_exact)
{
	uint8_t f[64], buf[64], want[60] = {0};
	struct wire_arp_repr req;

	tw_build_arp(f);
	CHECK_EQ(wire_arp_parse(f + 14, 28, &req), DROP_NONE);
	CHECK_EQ(wire_arp_build_reply(&tw_self, &req, buf, sizeof buf), 60);
	tw_hex("020000000001 020000000002 0806 0001 0800 06 04 0002"
	       "020000000002 0a000002 020000000001 0a000001",
	       want, sizeof want);
	CHECK(memcmp(buf, want, 60) == 0);
}

TEST(arp_build_gratuitous_byte_exact)
{
	uint8_t buf[60], want[60] = {0};
	struct wire_arp_repr a;

	memset(buf, 0xee, sizeof buf);
	CHECK_EQ(wire_arp_build_gratuitous(&tw_self, buf, sizeof buf), 60);
	tw_hex("ffffffffffff 020000000002 0806 0001 0800 06 04 0001"
	       "020000000002 0a000002 000000000000 0a000002",
	       want, sizeof want);
	CHECK(memcmp(buf, want, 60) == 0); /* padding zeroed */
	CHECK_EQ(wire_arp_parse(buf + 14, 46, &a), DROP_NONE);
	CHECK_EQ(a.spa, a.tpa);
}

TEST(arp_bad_fields)
{
	uint8_t f[64], g[64];
	struct wire_arp_repr a;

	tw_build_arp(f);
	memcpy(g, f, sizeof g);
	g[15] = 6; /* htype IEEE 802 */
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_htype);
	memcpy(g, f, sizeof g);
	g[16] = 0x86, g[17] = 0xdd;
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_ptype);
	memcpy(g, f, sizeof g);
	g[18] = 8; /* hlen */
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_len);
	memcpy(g, f, sizeof g);
	g[19] = 16; /* plen */
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_len);
	memcpy(g, f, sizeof g);
	g[21] = 3; /* RARP request */
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_op);
	memcpy(g, f, sizeof g);
	g[22] = 0x01; /* multicast sender */
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_sha);
	memcpy(g, f, sizeof g);
	memset(g + 22, 0, 6);
	CHECK_EQ(wire_arp_parse(g + 14, 28, &a), DROP_arp_bad_sha);
}

TEST(arp_truncated_at_every_length)
{
	uint8_t f[64];
	struct wire_arp_repr a;

	tw_build_arp(f);
	for (uint16_t len = 0; len < 28; len++)
		CHECK_EQ(wire_arp_parse(f + 14, len, &a), DROP_arp_truncated);
	/* Ethernet padding after the message is fine. */
	CHECK_EQ(wire_arp_parse(f + 14, 46, &a), DROP_NONE);
}
