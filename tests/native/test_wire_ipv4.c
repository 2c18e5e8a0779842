/* test_wire_ipv4.c - IPv4 header validation edge cases and emit; ICMP echo and errors. */
#include "mos_test.h"
#include "test_wire_util.h"

#include "wire/checksum.h"
#include "wire/frame.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

/* A valid header at `p` with the given option bytes (a multiple of 4) and payload
 * length; the payload bytes are zeroed. Returns the total length. */
static uint16_t mk_ip(uint8_t *p, const uint8_t *opts, size_t opt_len, uint16_t payload)
{
	size_t hl = 20 + opt_len;
	uint16_t total = (uint16_t)(hl + payload);

	CHECK(opt_len % 4 == 0 && hl <= 60);
	memset(p, 0, total);
	p[0] = (uint8_t)(0x40 | hl / 4);
	p[1] = 0xb8; /* DSCP EF, not ECT */
	tw_put16(p + 2, total);
	tw_put16(p + 4, 0xbeef);
	p[6] = 0x40; /* DF */
	p[8] = 17;
	p[9] = 6;
	p[12] = 192, p[13] = 0, p[14] = 2, p[15] = 1;
	p[16] = 198, p[17] = 51, p[18] = 100, p[19] = 7;
	if (opt_len > 0)
		memcpy(p + 20, opts, opt_len);
	tw_put16(p + 10, tw_ref_csum(p, hl));
	return total;
}

/* Recomputes the header checksum after a test changed a field. */
static void fix_csum(uint8_t *p)
{
	size_t hl = (size_t)(p[0] & 0x0f) * 4;
	p[10] = p[11] = 0;
	tw_put16(p + 10, tw_ref_csum(p, hl < 20 ? 20 : hl));
}

TEST(ipv4_valid_header_fields)
{
	uint8_t p[128];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 30);

	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_NONE);
	CHECK_EQ_U64(ip.src, WIRE_IPV4(192, 0, 2, 1));
	CHECK_EQ_U64(ip.dst, WIRE_IPV4(198, 51, 100, 7));
	CHECK_EQ(ip.header_len, 20);
	CHECK_EQ(ip.total_len, 50);
	CHECK_EQ(ip.payload_len, 30);
	CHECK_EQ(ip.proto, WIRE_IP_PROTO_TCP);
	CHECK_EQ(ip.ttl, 17);
	CHECK_EQ(ip.tos, 0xb8);
	CHECK_EQ(ip.id, 0xbeef);
	CHECK(ip.df);
	CHECK(!ip.mf);
	CHECK_EQ(ip.frag_off, 0);
	CHECK_EQ(wire_ipv4_options_len(&ip), 0);
}

TEST(ipv4_bad_version)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 0);

	p[0] = 0x65;
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_version);
	p[0] = 0x05;
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_version);
}

TEST(ipv4_ihl_below_five)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 8);

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		p[0] = (uint8_t)(0x40 | ihl);
		fix_csum(p);
		CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_ihl);
	}
}

TEST(ipv4_ihl_beyond_frame)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 8);

	p[0] = 0x4f; /* 60-byte header in a 28-byte frame */
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_truncated);
	p[0] = 0x46; /* a 24-byte header inside the frame, but a total length of 22 */
	tw_put16(p + 2, 22);
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_totlen);
}

TEST(ipv4_totlen_below_header)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 8);

	tw_put16(p + 2, 19);
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_totlen);
	tw_put16(p + 2, 0);
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_totlen);
}

TEST(ipv4_totlen_beyond_frame)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 8);

	CHECK_EQ(wire_ipv4_parse(p, (uint16_t)(total - 1), 0, &ip), DROP_ipv4_truncated);
	tw_put16(p + 2, 0xffff);
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_truncated);
}

TEST(ipv4_frame_padding_accepted)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 6); /* 26 bytes, padded to 46 by Ethernet */

	memset(p + total, 0xaa, 20);
	CHECK_EQ(wire_ipv4_parse(p, 46, 0, &ip), DROP_NONE);
	CHECK_EQ(ip.total_len, 26);
	CHECK_EQ(ip.payload_len, 6);
}

TEST(ipv4_valid_options)
{
	/* NOP, record route (7, len 7, pointer 4, one slot), EOL, padding. */
	static const uint8_t opts[12] = {1, 7, 7, 4, 0, 0, 0, 0, 0, 0, 0, 0};
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, opts, sizeof opts, 4);

	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_NONE);
	CHECK_EQ(ip.header_len, 32);
	CHECK_EQ(ip.payload_len, 4);
	CHECK_EQ(wire_ipv4_options_len(&ip), 12);
	CHECK(wire_ipv4_options(p)[1] == 7);
	/* An option that exactly fills the space is fine too. */
	static const uint8_t full[8] = {0x94, 4, 0, 0, 0x83, 4, 0, 0}; /* router alert, LSRR */
	total = mk_ip(p, full, sizeof full, 0);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_NONE);
}

TEST(ipv4_malformed_option_lengths)
{
	static const uint8_t bad[][4] = {
		{7, 0, 0, 0},    /* length 0 */
		{7, 1, 0, 0},    /* length 1 */
		{7, 5, 4, 0},    /* runs past the options */
		{1, 1, 1, 0x44}, /* last byte is a type without its length */
	};
	uint8_t p[64];
	struct wire_ipv4_repr ip;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint16_t total = mk_ip(p, bad[i], 4, 0);
		CHECK_MSG(wire_ipv4_parse(p, total, 0, &ip) == DROP_ipv4_bad_option, "case %zu",
			  i);
	}
}

TEST(ipv4_bad_checksum_and_skip_flag)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 0);

	p[11] ^= 0x01;
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_checksum);
	CHECK_EQ(ip.ttl, 17); /* repr complete for forwarding decisions */
	CHECK_EQ(wire_ipv4_parse(p, total, WIRE_RX_IP_CSUM_OK, &ip), DROP_NONE);
	/* A flipped bit elsewhere is caught as well. */
	p[11] ^= 0x01;
	p[8] ^= 0x80;
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_checksum);
}

TEST(ipv4_fragments_detected)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 8);

	p[6] = 0x20; /* MF, offset 0: first fragment */
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_fragment);
	CHECK(ip.mf);
	p[6] = 0x00, p[7] = 0xb9; /* last fragment, offset 185 * 8 */
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_fragment);
	CHECK(!ip.mf);
	CHECK_EQ(ip.frag_off, 185);
	p[6] = 0x40, p[7] = 0; /* DF alone is not a fragment */
	fix_csum(p);
	CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_NONE);
}

TEST(ipv4_ttl_exposed_not_judged)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 0);

	for (unsigned ttl = 0; ttl < 3; ttl++) {
		p[8] = (uint8_t)ttl;
		fix_csum(p);
		CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_NONE);
		CHECK_EQ(ip.ttl, ttl);
	}
}

TEST(ipv4_bad_sources)
{
	static const uint32_t bad[] = {WIRE_IPV4(127, 0, 0, 1), WIRE_IPV4(224, 0, 0, 251),
				       WIRE_IPV4(239, 1, 2, 3), WIRE_IPV4(240, 0, 0, 1),
				       WIRE_IPV4(255, 255, 255, 255)};
	static const uint32_t good[] = {WIRE_IPV4(0, 0, 0, 0), WIRE_IPV4(10, 1, 2, 3),
					WIRE_IPV4(223, 255, 255, 254), WIRE_IPV4(126, 9, 9, 9)};
	uint8_t p[64];
	struct wire_ipv4_repr ip;
	uint16_t total = mk_ip(p, NULL, 0, 0);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		wire_put_be32(p + 12, bad[i]);
		fix_csum(p);
		CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_ipv4_bad_src);
		CHECK_EQ_U64(ip.src, bad[i]);
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		wire_put_be32(p + 12, good[i]);
		fix_csum(p);
		CHECK_EQ(wire_ipv4_parse(p, total, 0, &ip), DROP_NONE);
	}
}

TEST(ipv4_truncated_below_twenty)
{
	uint8_t p[64];
	struct wire_ipv4_repr ip;

	mk_ip(p, NULL, 0, 0);
	for (uint16_t len = 0; len < 20; len++)
		CHECK_EQ(wire_ipv4_parse(p, len, 0, &ip), DROP_ipv4_truncated);
}

TEST(ipv4_emit_byte_exact_and_round_trip)
{
	struct wire_ipv4_repr ip =
				      {
					      .src = WIRE_IPV4(192, 168, 0, 1),
					      .dst = WIRE_IPV4(192, 168, 0, 199),
					      .total_len = 0x73,
					      .id = 0,
					      .ttl = 64,
					      .proto = 17,
					      .df = true,
				      },
			      back;
	uint8_t buf[20], want[20];

	CHECK_EQ(wire_ipv4_emit(&ip, 0, buf, 19), 0);
	CHECK_EQ(wire_ipv4_emit(&ip, 0, buf, sizeof buf), 20);
	tw_hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", want, sizeof want);
	CHECK(memcmp(buf, want, 20) == 0);
	memset(buf, 0xee, sizeof buf);
	CHECK_EQ(wire_ipv4_emit(&ip, WIRE_TX_IP_CSUM_OFFLOAD, buf, sizeof buf), 20);
	CHECK_EQ(wire_get_be16(buf + 10), 0);
	want[10] = want[11] = 0;
	CHECK(memcmp(buf, want, 20) == 0);

	uint8_t pkt[0x73] = {0};
	ip.mf = true;
	ip.frag_off = 3;
	ip.tos = 0x03;
	wire_ipv4_emit(&ip, 0, pkt, sizeof pkt);
	CHECK_EQ(wire_ipv4_parse(pkt, sizeof pkt, 0, &back), DROP_ipv4_fragment);
	CHECK_EQ_U64(back.src, ip.src);
	CHECK_EQ_U64(back.dst, ip.dst);
	CHECK_EQ(back.tos, 3);
	CHECK(back.df && back.mf);
	CHECK_EQ(back.frag_off, 3);
	CHECK_EQ(back.payload_len, 0x73 - 20);
}

TEST(ipv4_addr_format)
{
	char s[WIRE_IPV4_ADDR_STR_LEN];
	CHECK_STREQ(wire_ipv4_addr_format(WIRE_IPV4(192, 0, 2, 1), s), "192.0.2.1");
	CHECK_STREQ(wire_ipv4_addr_format(0xffffffffu, s), "255.255.255.255");
	CHECK_STREQ(wire_ipv4_addr_format(0, s), "0.0.0.0");
}

/* ---- ICMP -------------------------------------------------------------------------- */

TEST(icmp_echo_request_parsed)
{
	uint8_t f[128];
	struct wire_pkt pkt;
	size_t len = tw_build_echo(f, 13);

	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &pkt), DROP_NONE);
	CHECK_EQ(pkt.l4, WIRE_L4_ICMP);
	CHECK_EQ(pkt.icmp.type, WIRE_ICMP_ECHO_REQUEST);
	CHECK_EQ(pkt.icmp.code, 0);
	CHECK_EQ(pkt.icmp.id, 0x4242);
	CHECK_EQ(pkt.icmp.seq, 7);
	CHECK_EQ(pkt.icmp.data_len, 13);
	CHECK_EQ(pkt.payload_off, 14 + 20 + 8);
	CHECK_EQ(pkt.payload_len, 13);
	CHECK_EQ(f[pkt.payload_off + 12], 12);
}

/* The expected reply to tw_build_echo(f, n), built by hand. */
static size_t expected_echo_reply(uint8_t *want, uint16_t data_len)
{
	size_t len = 14 + 20 + 8 + (size_t)data_len;
	uint8_t *ip = want + 14, *m = want + 34;

	memset(want, 0, len < 60 ? 60 : len);
	tw_hex("020000000002 020000000001 0800", want, 14);
	ip[0] = 0x45;
	tw_put16(ip + 2, (uint16_t)(28 + data_len));
	tw_put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = 1;
	ip[12] = 10, ip[15] = 2; /* from 10.0.0.2 */
	ip[16] = 10, ip[19] = 1; /* to 10.0.0.1 */
	tw_put16(ip + 10, tw_ref_csum(ip, 20));
	tw_put16(m + 4, 0x4242);
	tw_put16(m + 6, 7);
	for (uint16_t i = 0; i < data_len; i++)
		m[8 + i] = (uint8_t)i;
	tw_put16(m + 2, tw_ref_csum(m, 8u + data_len));
	return len < 60 ? 60 : len;
}

TEST(icmp_echo_reply_byte_exact)
{
	static const uint16_t sizes[] = {0, 5, 18, 56, 1472};
	uint8_t f[1600], buf[1600], want[1600];

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct wire_pkt req, rep;
		size_t len = tw_build_echo(f, sizes[i]);
		size_t want_len = expected_echo_reply(want, sizes[i]);

		CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &req), DROP_NONE);
		memset(buf, 0xee, sizeof buf);
		CHECK_EQ(wire_icmp_build_echo_reply(f, &req, buf, sizeof buf), want_len);
		CHECK_MSG(memcmp(buf, want, want_len) == 0, "data %u", sizes[i]);
		/* The reply parses, with valid checksums. */
		CHECK_EQ(wire_parse_frame(buf, (uint16_t)want_len, 0, &rep), DROP_NONE);
		CHECK_EQ(rep.icmp.type, WIRE_ICMP_ECHO_REPLY);
		/* Built in place: the same bytes. */
		CHECK_EQ(wire_icmp_build_echo_reply(f, &req, f, sizeof f), want_len);
		CHECK(memcmp(f, want, want_len) == 0);
	}
}

TEST(icmp_echo_reply_drops_request_options_and_keeps_vlan)
{
	uint8_t f[256], buf[256];
	struct wire_pkt req, rep;
	static const uint8_t opts[8] = {1, 1, 1, 1, 1, 1, 1, 0};
	/* VLAN-tagged request with a 28-byte IPv4 header. */
	size_t l4 = tw_eth_ipv4(f, 1, 1, 8 + 4);
	uint8_t *ip = f + 18;

	memcpy(ip + 20, opts, sizeof opts);
	ip[0] = 0x47;
	tw_put16(ip + 2, 28 + 12);
	ip[10] = ip[11] = 0;
	tw_put16(ip + 10, tw_ref_csum(ip, 28));
	uint8_t *m = ip + 28;
	memset(m, 0, 12);
	m[0] = 8;
	tw_put16(m + 4, 1);
	tw_put16(m + 6, 2);
	memcpy(m + 8, "ping", 4);
	tw_put16(m + 2, tw_ref_csum(m, 12));
	CHECK_EQ(l4, 18 + 20);

	size_t len = 18 + 28 + 12;
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &req), DROP_NONE);
	CHECK_EQ(wire_icmp_build_echo_reply(f, &req, buf, sizeof buf), 60);
	CHECK_EQ(wire_parse_frame(buf, 60, 0, &rep), DROP_NONE);
	CHECK_EQ(rep.eth.vlan_count, 1);
	CHECK_EQ(wire_vlan_id(rep.eth.vlan_tci[0]), 100);
	CHECK_EQ(rep.ipv4.header_len, 20);
	CHECK_EQ(rep.icmp.id, 1);
	CHECK_EQ(rep.icmp.seq, 2);
	CHECK(memcmp(buf + rep.payload_off, "ping", 4) == 0);
	CHECK_EQ(rep.payload_len, 4);
	/* In place, the data moves 8 bytes toward the front. */
	CHECK_EQ(wire_icmp_build_echo_reply(f, &req, f, sizeof f), 60);
	CHECK(memcmp(f, buf, 60) == 0);
}

TEST(icmp_echo_reply_refusals)
{
	uint8_t f[128], buf[128];
	struct wire_pkt req;
	size_t len = tw_build_echo(f, 40);

	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &req), DROP_NONE);
	CHECK_EQ(wire_icmp_build_echo_reply(f, &req, buf, len - 1), 0);
	req.icmp.type = WIRE_ICMP_ECHO_REPLY;
	CHECK_EQ(wire_icmp_build_echo_reply(f, &req, buf, sizeof buf), 0);
	req.icmp.type = WIRE_ICMP_ECHO_REQUEST;
	req.l4 = WIRE_L4_TCP;
	CHECK_EQ(wire_icmp_build_echo_reply(f, &req, buf, sizeof buf), 0);
}

TEST(icmp_bad_checksum_and_truncated)
{
	uint8_t f[128];
	struct wire_icmp_repr r;

	tw_build_echo(f, 10);
	uint8_t *m = f + 34;
	CHECK_EQ(wire_icmp_parse(m, 18, &r), DROP_NONE);
	m[9] ^= 0x40;
	CHECK_EQ(wire_icmp_parse(m, 18, &r), DROP_icmp_bad_checksum);
	m[9] ^= 0x40;
	for (uint16_t len = 0; len < 8; len++)
		CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_icmp_truncated);
}

/* A destination-unreachable message quoting a TCP segment 10.0.0.1:49152 -> 10.0.0.2:80
 * (seq 0x11223344); `quote` bytes of the datagram are included. */
static uint16_t mk_unreach(uint8_t *m, uint8_t code, uint16_t mtu, size_t quote)
{
	uint8_t syn[128];

	tw_build_syn(syn, 0);
	memset(m, 0, 8);
	m[0] = 3;
	m[1] = code;
	tw_put16(m + 6, mtu);
	memcpy(m + 8, syn + 14, quote);
	tw_put16(m + 2, tw_ref_csum(m, 8 + quote));
	return (uint16_t)(8 + quote);
}

TEST(icmp_dest_unreachable_embedded_datagram)
{
	uint8_t m[128];
	struct wire_icmp_repr r;
	uint16_t len = mk_unreach(m, WIRE_ICMP_UNREACH_PORT, 0, 28);

	CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_NONE);
	CHECK_EQ(r.type, WIRE_ICMP_DEST_UNREACH);
	CHECK_EQ(r.code, WIRE_ICMP_UNREACH_PORT);
	CHECK_EQ(r.data_len, 28);
	CHECK_EQ_U64(r.inner.src, WIRE_IPV4(10, 0, 0, 1));
	CHECK_EQ_U64(r.inner.dst, WIRE_IPV4(10, 0, 0, 2));
	CHECK_EQ(r.inner.proto, WIRE_IP_PROTO_TCP);
	CHECK_EQ(r.inner.header_len, 20);
	CHECK_EQ(r.inner.total_len, 60);
	CHECK_EQ(r.inner.sport, 49152);
	CHECK_EQ(r.inner.dport, 80);
	CHECK_EQ_U64(r.inner.tcp_seq, 0x11223344);
	CHECK_EQ(r.mtu, 0);

	len = mk_unreach(m, WIRE_ICMP_UNREACH_NEEDFRAG, 1400, 60);
	CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_NONE);
	CHECK_EQ(r.mtu, 1400);
	CHECK_EQ(r.data_len, 60);
}

TEST(icmp_embedded_datagram_must_hold_header_and_eight_bytes)
{
	uint8_t m[128];
	struct wire_icmp_repr r;

	for (size_t quote = 0; quote < 28; quote++) {
		uint16_t len = mk_unreach(m, WIRE_ICMP_UNREACH_PORT, 0, quote);
		CHECK_MSG(wire_icmp_parse(m, len, &r) == DROP_icmp_bad_embedded, "quote %zu",
			  quote);
	}
	uint16_t len = mk_unreach(m, WIRE_ICMP_UNREACH_PORT, 0, 28);
	m[8] = 0x65; /* embedded version 6 */
	m[2] = m[3] = 0;
	tw_put16(m + 2, tw_ref_csum(m, len));
	CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_icmp_bad_embedded);
	m[8] = 0x44; /* embedded ihl 4 */
	m[2] = m[3] = 0;
	tw_put16(m + 2, tw_ref_csum(m, len));
	CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_icmp_bad_embedded);
	m[8] = 0x46; /* embedded ihl 6: needs 32 bytes */
	m[2] = m[3] = 0;
	tw_put16(m + 2, tw_ref_csum(m, len));
	CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_icmp_bad_embedded);
	/* Time exceeded has the same layout. */
	len = mk_unreach(m, 0, 0, 28);
	m[0] = WIRE_ICMP_TIME_EXCEEDED;
	m[2] = m[3] = 0;
	tw_put16(m + 2, tw_ref_csum(m, len));
	CHECK_EQ(wire_icmp_parse(m, len, &r), DROP_NONE);
	CHECK_EQ(r.inner.dport, 80);
}

TEST(icmp_other_types_accepted)
{
	uint8_t m[16] = {13, 0}; /* timestamp request */
	struct wire_icmp_repr r;

	tw_put16(m + 2, tw_ref_csum(m, sizeof m));
	CHECK_EQ(wire_icmp_parse(m, sizeof m, &r), DROP_NONE);
	CHECK_EQ(r.type, 13);
	CHECK_EQ(r.data_len, 8);
}
