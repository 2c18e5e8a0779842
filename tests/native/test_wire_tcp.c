/* test_wire_tcp.c - TCP header and options: every option, malformed and wrong lengths,
 * misplaced options, flag rules, checksums, emit layouts and emit/parse round trips. */
#include "mos_test.h"
#include "test_wire_util.h"

#include "wire/checksum.h"
#include "wire/tcp.h"

/* The IPv4 side of a test segment: 10.0.0.1 -> 10.0.0.2, with an IPv4 header image for
 * the reference checksum. */
static struct wire_ipv4_repr tt_ip(uint16_t seg_len)
{
	struct wire_ipv4_repr ip = {
		.src = WIRE_IPV4(10, 0, 0, 1),
		.dst = WIRE_IPV4(10, 0, 0, 2),
		.proto = WIRE_IP_PROTO_TCP,
		.header_len = 20,
		.payload_len = seg_len,
	};
	return ip;
}

static uint16_t tt_ref_csum(const struct wire_ipv4_repr *ip, const uint8_t *seg, uint16_t len)
{
	uint8_t hdr[20] = {0x45};
	wire_put_be32(hdr + 12, ip->src);
	wire_put_be32(hdr + 16, ip->dst);
	hdr[9] = WIRE_IP_PROTO_TCP;
	return tw_ref_l4_csum(hdr, seg, len);
}

/* Builds at `seg` a segment 49152 -> 80 with `flags`, the given option bytes (padded
 * with zeros to a multiple of 4) and `payload` bytes; fills the checksum with the
 * reference. Returns the segment length. */
static uint16_t tt_seg(uint8_t *seg, uint8_t flags, const uint8_t *opts, size_t opt_len,
		       uint16_t payload)
{
	size_t hl = 20 + ((opt_len + 3) & ~(size_t)3);
	uint16_t len = (uint16_t)(hl + payload);
	struct wire_ipv4_repr ip = tt_ip(len);

	CHECK(hl <= 60);
	memset(seg, 0, len);
	tw_put16(seg, 49152);
	tw_put16(seg + 2, 80);
	wire_put_be32(seg + 4, 0x01020304);
	wire_put_be32(seg + 8, 0xa0b0c0d0);
	seg[12] = (uint8_t)(hl / 4 << 4);
	seg[13] = flags;
	tw_put16(seg + 14, 1000);
	tw_put16(seg + 18, 0);
	if (opt_len > 0)
		memcpy(seg + 20, opts, opt_len);
	for (uint16_t i = 0; i < payload; i++)
		seg[hl + i] = (uint8_t)(0x30 + i);
	tw_put16(seg + 16, tt_ref_csum(&ip, seg, len));
	return len;
}

/* Parses a segment built by tt_seg(). */
static enum drop_reason tt_parse(const uint8_t *seg, uint16_t len, struct wire_tcp_repr *out)
{
	struct wire_ipv4_repr ip = tt_ip(len);
	return wire_tcp_parse(seg, &ip, 0, out);
}

TEST(tcp_syn_with_all_syn_options)
{
	uint8_t f[128];
	size_t len = tw_build_syn(f, 0);
	struct wire_ipv4_repr ip = tt_ip((uint16_t)(len - 34));
	struct wire_tcp_repr t;

	CHECK_EQ(wire_tcp_parse(f + 34, &ip, 0, &t), DROP_NONE);
	CHECK_EQ(t.sport, 49152);
	CHECK_EQ(t.dport, 80);
	CHECK_EQ_U64(t.seq, 0x11223344);
	CHECK_EQ_U64(t.ack, 0);
	CHECK_EQ(t.flags, WIRE_TCP_SYN);
	CHECK_EQ(t.window, 64240);
	CHECK_EQ(t.header_len, 40);
	CHECK_EQ(t.payload_len, 0);
	CHECK_EQ(t.checksum, wire_get_be16(f + 34 + 16));
	CHECK_EQ(t.opts.present,
		 WIRE_TCPOPT_MSS | WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS | WIRE_TCPOPT_WS);
	CHECK_EQ(t.opts.misplaced, 0);
	CHECK_EQ(t.opts.ignored, 0);
	CHECK_EQ(t.opts.mss, 1460);
	CHECK_EQ(t.opts.wscale, 7);
	CHECK(!t.opts.wscale_clamped);
	CHECK_EQ_U64(t.opts.ts_val, 1);
	CHECK_EQ_U64(t.opts.ts_ecr, 0);
	CHECK_EQ(t.opts.unknown_count, 0);
}

TEST(tcp_fields_flags_and_payload)
{
	uint8_t s[128];
	struct wire_tcp_repr t;
	uint16_t len = tt_seg(s, WIRE_TCP_ACK | WIRE_TCP_PSH | WIRE_TCP_ECE | WIRE_TCP_CWR,
			      NULL, 0, 11);

	s[12] |= 0x01; /* AE */
	tw_put16(s + 18, 0x0102);
	s[16] = s[17] = 0;
	struct wire_ipv4_repr ip = tt_ip(len);
	tw_put16(s + 16, tt_ref_csum(&ip, s, len));
	CHECK_EQ(tt_parse(s, len, &t), DROP_NONE);
	CHECK_EQ(t.flags,
		 WIRE_TCP_ACK | WIRE_TCP_PSH | WIRE_TCP_ECE | WIRE_TCP_CWR | WIRE_TCP_AE);
	CHECK_EQ_U64(t.seq, 0x01020304);
	CHECK_EQ_U64(t.ack, 0xa0b0c0d0);
	CHECK_EQ(t.window, 1000);
	CHECK_EQ(t.urgent, 0x0102);
	CHECK_EQ(t.header_len, 20);
	CHECK_EQ(t.payload_len, 11);
	CHECK_EQ(t.opts.present, 0);
}

TEST(tcp_each_option_alone)
{
	struct {
		uint8_t flags;
		uint8_t opt[12];
		uint8_t len;
		uint8_t bit;
	} cases[] = {
		{WIRE_TCP_SYN, {2, 4, 0x23, 0x28}, 4, WIRE_TCPOPT_MSS},
		{WIRE_TCP_SYN, {3, 3, 9}, 3, WIRE_TCPOPT_WS},
		{WIRE_TCP_SYN, {4, 2}, 2, WIRE_TCPOPT_SACK_PERM},
		{WIRE_TCP_ACK, {8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 5}, 10, WIRE_TCPOPT_TS},
		{WIRE_TCP_ACK, {5, 10, 0, 0, 0, 1, 0, 0, 0, 9}, 10, WIRE_TCPOPT_SACK},
	};
	uint8_t s[128];
	struct wire_tcp_repr t;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint16_t len = tt_seg(s, cases[i].flags, cases[i].opt, cases[i].len, 0);
		CHECK_EQ(tt_parse(s, len, &t), DROP_NONE);
		CHECK_MSG(t.opts.present == cases[i].bit, "case %zu: present %x", i,
			  t.opts.present);
		CHECK_EQ(t.opts.misplaced, 0);
		CHECK_EQ(t.opts.ignored, 0);
	}
	tt_parse(s, tt_seg(s, WIRE_TCP_SYN, cases[0].opt, 4, 0), &t);
	CHECK_EQ(t.opts.mss, 9000);
	tt_parse(s, tt_seg(s, WIRE_TCP_SYN, cases[1].opt, 3, 0), &t);
	CHECK_EQ(t.opts.wscale, 9);
	tt_parse(s, tt_seg(s, WIRE_TCP_ACK, cases[3].opt, 10, 0), &t);
	CHECK_EQ_U64(t.opts.ts_val, 0xdeadbeef);
	CHECK_EQ_U64(t.opts.ts_ecr, 5);
	tt_parse(s, tt_seg(s, WIRE_TCP_ACK, cases[4].opt, 10, 0), &t);
	CHECK_EQ(t.opts.sack_count, 1);
	CHECK_EQ_U64(t.opts.sack[0].left, 1);
	CHECK_EQ_U64(t.opts.sack[0].right, 9);
}

TEST(tcp_sack_one_to_four_blocks)
{
	uint8_t opt[40], s[128];
	struct wire_tcp_repr t;

	for (uint8_t n = 1; n <= 4; n++) {
		opt[0] = 1, opt[1] = 1, opt[2] = 5, opt[3] = (uint8_t)(2 + 8 * n);
		for (uint8_t b = 0; b < n; b++) {
			wire_put_be32(opt + 4 + 8 * b, 1000u * (b + 1));
			wire_put_be32(opt + 8 + 8 * b, 1000u * (b + 1) + 500);
		}
		uint16_t len = tt_seg(s, WIRE_TCP_ACK, opt, 4 + 8u * n, 3);
		CHECK_EQ(tt_parse(s, len, &t), DROP_NONE);
		CHECK_EQ(t.opts.present, WIRE_TCPOPT_SACK);
		CHECK_EQ(t.opts.sack_count, n);
		for (uint8_t b = 0; b < n; b++) {
			CHECK_EQ_U64(t.opts.sack[b].left, 1000u * (b + 1));
			CHECK_EQ_U64(t.opts.sack[b].right, 1000u * (b + 1) + 500);
		}
		CHECK_EQ(t.payload_len, 3);
	}
}

TEST(tcp_malformed_option_lengths_drop)
{
	static const struct {
		uint8_t opt[8];
		uint8_t len;
	} bad[] = {
		{{2, 0, 0, 0}, 4},        /* length 0 */
		{{2, 1, 0, 0}, 4},        /* length 1 */
		{{8, 10, 0, 0, 0, 0}, 8}, /* 10 bytes declared, 8 left */
		{{1, 1, 1, 3}, 4},        /* kind in the last byte, no room for a length */
		{{99, 0, 0, 0}, 4},       /* unknown kind with length 0 */
		{{1, 99, 5, 0}, 4},       /* unknown kind past the header */
	};
	uint8_t s[128];
	struct wire_tcp_repr t;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint16_t len = tt_seg(s, WIRE_TCP_SYN, bad[i].opt, bad[i].len, 0);
		CHECK_MSG(tt_parse(s, len, &t) == DROP_tcp_bad_option, "case %zu", i);
	}
}

TEST(tcp_wrong_fixed_lengths_are_ignored)
{
	static const struct {
		uint8_t opt[12];
		uint8_t len;
		uint8_t bit;
	} cases[] = {
		{{2, 5, 5, 0xb4, 0}, 5, WIRE_TCPOPT_MSS},
		{{2, 2}, 2, WIRE_TCPOPT_MSS},
		{{3, 4, 7, 0}, 4, WIRE_TCPOPT_WS},
		{{4, 3, 0}, 3, WIRE_TCPOPT_SACK_PERM},
		{{8, 8, 0, 0, 0, 1, 0, 0}, 8, WIRE_TCPOPT_TS},
		{{5, 9, 0, 0, 0, 1, 0, 0, 0}, 9, WIRE_TCPOPT_SACK},
		{{5, 2}, 2, WIRE_TCPOPT_SACK},
	};
	uint8_t s[128];
	struct wire_tcp_repr t;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint16_t len = tt_seg(s, WIRE_TCP_SYN, cases[i].opt, cases[i].len, 0);
		CHECK_MSG(tt_parse(s, len, &t) == DROP_NONE, "case %zu", i);
		CHECK_EQ(t.opts.present, 0);
		CHECK_EQ(t.opts.ignored, cases[i].bit);
	}
}

TEST(tcp_repeated_option_first_wins)
{
	static const uint8_t opt[8] = {2, 4, 0x05, 0xb4, 2, 4, 0x02, 0x18};
	uint8_t s[128];
	struct wire_tcp_repr t;

	CHECK_EQ(tt_parse(s, tt_seg(s, WIRE_TCP_SYN, opt, sizeof opt, 0), &t), DROP_NONE);
	CHECK_EQ(t.opts.mss, 1460);
	CHECK_EQ(t.opts.present, WIRE_TCPOPT_MSS);
	CHECK_EQ(t.opts.ignored, WIRE_TCPOPT_MSS);
}

TEST(tcp_window_scale_clamped_to_fourteen)
{
	static const uint8_t shifts[] = {0, 13, 14, 15, 200, 255};
	uint8_t s[128];
	struct wire_tcp_repr t;

	for (size_t i = 0; i < sizeof shifts; i++) {
		uint8_t opt[4] = {1, 3, 3, shifts[i]};
		CHECK_EQ(tt_parse(s, tt_seg(s, WIRE_TCP_SYN, opt, 4, 0), &t), DROP_NONE);
		CHECK_EQ(t.opts.wscale, shifts[i] > 14 ? 14 : shifts[i]);
		CHECK_EQ(t.opts.wscale_clamped, shifts[i] > 14);
	}
}

TEST(tcp_syn_only_options_marked_misplaced_without_syn)
{
	static const uint8_t opt[24] = {2, 4, 5, 0xb4, 1, 3, 3, 2, 4, 2, 8, 10,
					0, 0, 0, 7,    0, 0, 0, 9, 1, 1, 1, 1};
	uint8_t s[128];
	struct wire_tcp_repr t;

	CHECK_EQ(tt_parse(s, tt_seg(s, WIRE_TCP_ACK, opt, sizeof opt, 0), &t), DROP_NONE);
	CHECK_EQ(t.opts.present,
		 WIRE_TCPOPT_MSS | WIRE_TCPOPT_WS | WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS);
	CHECK_EQ(t.opts.misplaced, WIRE_TCPOPT_MSS | WIRE_TCPOPT_WS | WIRE_TCPOPT_SACK_PERM);
	CHECK_EQ(wire_tcp_opts_usable(&t.opts), WIRE_TCPOPT_TS);
	CHECK_EQ(t.opts.mss, 1460); /* still parsed, for the monitor */
	CHECK_EQ(tt_parse(s, tt_seg(s, WIRE_TCP_SYN | WIRE_TCP_ACK, opt, sizeof opt, 0), &t),
		 DROP_NONE);
	CHECK_EQ(t.opts.misplaced, 0);
}

TEST(tcp_unknown_options_skipped_and_eol_ends_list)
{
	/* MPTCP-like kind 30 (len 6), experimental 254 (len 4), then MSS. */
	static const uint8_t opt[16] = {30, 6,    1,    2, 3, 4,    254,
					4,  0xf9, 0x89, 2, 4, 0x05, 0xb4};
	/* EOL, then bytes that would be a malformed option if read. */
	static const uint8_t eol[8] = {2, 4, 0x02, 0x00, 0, 2, 0, 5};
	uint8_t s[128];
	struct wire_tcp_repr t;

	CHECK_EQ(tt_parse(s, tt_seg(s, WIRE_TCP_SYN, opt, 14, 0), &t), DROP_NONE);
	CHECK_EQ(t.opts.unknown_count, 2);
	CHECK_EQ(t.opts.present, WIRE_TCPOPT_MSS);
	CHECK_EQ(t.opts.mss, 1460);
	CHECK_EQ(tt_parse(s, tt_seg(s, WIRE_TCP_SYN, eol, sizeof eol, 0), &t), DROP_NONE);
	CHECK_EQ(t.opts.present, WIRE_TCPOPT_MSS);
	CHECK_EQ(t.opts.mss, 512);
}

TEST(tcp_data_offset_checks)
{
	uint8_t s[128];
	struct wire_tcp_repr t;
	uint16_t len = tt_seg(s, WIRE_TCP_ACK, NULL, 0, 8); /* 28 bytes */
	struct wire_ipv4_repr ip = tt_ip(len);

	for (uint8_t doff = 0; doff < 5; doff++) {
		s[12] = (uint8_t)(doff << 4);
		CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_tcp_bad_doff);
	}
	s[12] = 8 << 4; /* 32 > 28 */
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_tcp_bad_doff);
	s[12] = 7 << 4; /* 28 == 28: all header, the 8 option bytes EOL */
	memset(s + 20, 0, 8);
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_NONE);
	CHECK_EQ(t.payload_len, 0);
	for (uint16_t short_len = 0; short_len < 20; short_len++) {
		ip.payload_len = short_len;
		CHECK_EQ(wire_tcp_parse(s, &ip, 0, &t), DROP_tcp_truncated);
	}
}

TEST(tcp_checksum_good_bad_and_skipped)
{
	uint8_t s[128];
	struct wire_tcp_repr t;
	uint16_t len = tt_seg(s, WIRE_TCP_ACK, NULL, 0, 9); /* odd length */
	struct wire_ipv4_repr ip = tt_ip(len);

	CHECK_EQ(wire_tcp_parse(s, &ip, 0, &t), DROP_NONE);
	s[len - 1] ^= 0x01; /* last, odd payload byte */
	CHECK_EQ(wire_tcp_parse(s, &ip, 0, &t), DROP_tcp_bad_checksum);
	CHECK_EQ(t.sport, 49152); /* fixed fields are filled */
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_NONE);
	s[len - 1] ^= 0x01;
	ip.src ^= 0x100; /* a different pseudo-header */
	CHECK_EQ(wire_tcp_parse(s, &ip, 0, &t), DROP_tcp_bad_checksum);
}

TEST(tcp_flag_rules)
{
	static const struct {
		uint8_t flags;
		bool ok;
	} cases[] = {
		{WIRE_TCP_SYN, true},
		{WIRE_TCP_SYN | WIRE_TCP_ACK, true},
		{WIRE_TCP_SYN | WIRE_TCP_ECE | WIRE_TCP_CWR, true},
		{WIRE_TCP_ACK, true},
		{WIRE_TCP_RST, true},
		{WIRE_TCP_RST | WIRE_TCP_ACK, true},
		{WIRE_TCP_FIN | WIRE_TCP_ACK, true},
		{WIRE_TCP_FIN | WIRE_TCP_PSH | WIRE_TCP_URG | WIRE_TCP_ACK, true},
		{0, false},                                          /* NULL scan */
		{WIRE_TCP_FIN, false},                               /* FIN scan */
		{WIRE_TCP_FIN | WIRE_TCP_PSH | WIRE_TCP_URG, false}, /* Xmas scan */
		{WIRE_TCP_SYN | WIRE_TCP_FIN, false},
		{WIRE_TCP_SYN | WIRE_TCP_FIN | WIRE_TCP_ACK, false},
		{WIRE_TCP_SYN | WIRE_TCP_RST, false},
		{WIRE_TCP_SYN | WIRE_TCP_RST | WIRE_TCP_ACK, false},
		{0xff, false},
	};
	uint8_t s[128];
	struct wire_tcp_repr t;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum drop_reason why = tt_parse(s, tt_seg(s, cases[i].flags, NULL, 0, 0), &t);
		CHECK_MSG(why == (cases[i].ok ? DROP_NONE : DROP_tcp_bad_flags),
			  "flags %02x: %s", cases[i].flags, drop_reason_name(why));
	}
}

TEST(tcp_port_zero_and_bad_destinations)
{
	uint8_t s[128];
	struct wire_tcp_repr t;
	uint16_t len = tt_seg(s, WIRE_TCP_SYN, NULL, 0, 0);
	struct wire_ipv4_repr ip = tt_ip(len);

	s[0] = s[1] = 0;
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_tcp_bad_port);
	tw_put16(s, 1);
	s[2] = s[3] = 0;
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_tcp_bad_port);
	tw_put16(s + 2, 80);
	ip.dst = WIRE_IPV4(224, 0, 0, 5);
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_tcp_bad_dst);
	ip.dst = WIRE_IPV4(255, 255, 255, 255);
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_tcp_bad_dst);
	ip.dst = WIRE_IPV4(10, 0, 0, 255); /* a subnet broadcast needs config: not ours */
	CHECK_EQ(wire_tcp_parse(s, &ip, WIRE_RX_L4_CSUM_OK, &t), DROP_NONE);
}

TEST(tcp_emit_syn_byte_exact)
{
	uint8_t f[128], buf[128];
	size_t len = tw_build_syn(f, 0);
	struct wire_ipv4_repr ip = tt_ip(40);
	struct wire_tcp_repr t;

	CHECK_EQ(wire_tcp_parse(f + 34, &ip, 0, &t), DROP_NONE);
	CHECK_EQ(len, 74);
	memset(buf, 0xee, sizeof buf);
	CHECK_EQ(wire_tcp_emit(&t, buf, 39), 0);
	CHECK_EQ(buf[0], 0xee); /* nothing written */
	CHECK_EQ(wire_tcp_emit(&t, buf, sizeof buf), 40);
	wire_tcp_fill_checksum(buf, 40, &ip, 0);
	CHECK(memcmp(buf, f + 34, 40) == 0);
	/* Offload: the folded pseudo-header sum, which the device completes. */
	wire_tcp_fill_checksum(buf, 40, &ip, WIRE_TX_L4_CSUM_OFFLOAD);
	struct wire_csum ph = WIRE_CSUM_INIT;
	const struct wire_csum_pseudo pseudo = {ip.src, ip.dst, 6, 40};
	wire_csum_add_pseudo_ipv4(&ph, &pseudo);
	CHECK_EQ(wire_get_be16(buf + 16), wire_csum_fold(&ph));
	/* Completing it as a device does (sum over the segment) gives the checksum. */
	CHECK_EQ(wire_csum_buf(buf, 40), wire_get_be16(f + 34 + 16));
}

TEST(tcp_emit_layouts)
{
	struct wire_tcp_repr t = {.sport = 1, .dport = 2, .flags = WIRE_TCP_ACK};
	uint8_t buf[64], want[40];

	/* No options: 20 bytes, data offset 5. */
	CHECK_EQ(wire_tcp_emit(&t, buf, sizeof buf), 20);
	CHECK_EQ(buf[12], 0x50);
	/* SACK-permitted without timestamps and WS alone. */
	t.opts.present = WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_WS | WIRE_TCPOPT_MSS;
	t.opts.mss = 536;
	t.opts.wscale = 0;
	CHECK_EQ(wire_tcp_opts_len(&t.opts), 12);
	CHECK_EQ(wire_tcp_emit(&t, buf, sizeof buf), 32);
	tw_hex("02040218 01030300 01010402", want, sizeof want);
	CHECK(memcmp(buf + 20, want, 12) == 0);
	/* Timestamps alone, SACK blocks after. */
	t.opts.present = WIRE_TCPOPT_TS | WIRE_TCPOPT_SACK;
	t.opts.ts_val = 0x01020304;
	t.opts.ts_ecr = 0x05060708;
	t.opts.sack_count = 1;
	t.opts.sack[0].left = 0x10;
	t.opts.sack[0].right = 0x20;
	CHECK_EQ(wire_tcp_emit(&t, buf, sizeof buf), 44);
	tw_hex("0101080a 01020304 05060708 0101050a 00000010 00000020", want, sizeof want);
	CHECK(memcmp(buf + 20, want, 24) == 0);
	CHECK_EQ(buf[12], 0xb0);
}

TEST(tcp_emit_falls_back_to_packed_layout)
{
	/* TS + WS + 3 SACK blocks: 44 bytes aligned, 39 packed (+1 EOL). */
	struct wire_tcp_repr t = {.sport = 1, .dport = 2, .flags = WIRE_TCP_ACK}, back;
	uint8_t buf[80], want[40];

	t.opts.present = WIRE_TCPOPT_TS | WIRE_TCPOPT_WS | WIRE_TCPOPT_SACK;
	t.opts.wscale = 3;
	t.opts.ts_val = 7;
	t.opts.ts_ecr = 8;
	t.opts.sack_count = 3;
	for (int i = 0; i < 3; i++) {
		t.opts.sack[i].left = (uint32_t)(i * 16 + 1);
		t.opts.sack[i].right = (uint32_t)(i * 16 + 9);
	}
	CHECK_EQ(wire_tcp_opts_len(&t.opts), 40);
	CHECK_EQ(wire_tcp_emit(&t, buf, sizeof buf), 60);
	tw_hex("030303 080a0000000700000008 051a 00000001 00000009 00000011 00000019"
	       "00000021 00000029 00",
	       want, sizeof want);
	CHECK(memcmp(buf + 20, want, 40) == 0);
	struct wire_ipv4_repr ip = tt_ip(60);
	CHECK_EQ(wire_tcp_parse(buf, &ip, WIRE_RX_L4_CSUM_OK, &back), DROP_NONE);
	CHECK_EQ(back.opts.present, t.opts.present);
	CHECK_EQ(back.opts.sack_count, 3);
	CHECK_EQ_U64(back.opts.sack[2].right, 41);
	/* Four blocks with timestamps cannot be sent: 12 + 2 + 34 > 40. */
	t.opts.present = WIRE_TCPOPT_TS | WIRE_TCPOPT_SACK;
	t.opts.sack_count = 4;
	CHECK(wire_tcp_opts_len(&t.opts) > WIRE_TCP_OPT_SPACE);
	CHECK_EQ(wire_tcp_emit(&t, buf, sizeof buf), 0);
}

/* Fills `o` with random options (values and a random subset), sack_count 1..4. */
static void tt_random_opts(struct tw_rng *rng, struct wire_tcp_opts *o)
{
	memset(o, 0, sizeof *o);
	o->present = (uint8_t)tw_below(rng, 32);
	o->mss = (uint16_t)tw_next(rng);
	o->wscale = (uint8_t)tw_below(rng, 15);
	o->ts_val = (uint32_t)tw_next(rng);
	o->ts_ecr = (uint32_t)tw_next(rng);
	o->sack_count = (uint8_t)(1 + tw_below(rng, 4));
	for (int i = 0; i < WIRE_TCP_SACK_MAX; i++) {
		o->sack[i].left = (uint32_t)tw_next(rng);
		o->sack[i].right = (uint32_t)tw_next(rng);
	}
}

TEST(tcp_emit_parse_round_trip_random_options)
{
	struct tw_rng rng = {tw_seed(9293)};
	uint8_t seg[128];
	int emitted = 0;

	for (int round = 0; round < 20000; round++) {
		struct wire_tcp_repr t = {0}, back;
		uint16_t payload = (uint16_t)tw_below(&rng, 40);

		tt_random_opts(&rng, &t.opts);
		t.sport = (uint16_t)(1 + tw_below(&rng, 65535));
		t.dport = (uint16_t)(1 + tw_below(&rng, 65535));
		t.seq = (uint32_t)tw_next(&rng);
		t.ack = (uint32_t)tw_next(&rng);
		t.flags = tw_below(&rng, 2) ? WIRE_TCP_SYN : WIRE_TCP_ACK;
		t.flags |=
			(uint16_t)(tw_next(&rng) & (WIRE_TCP_PSH | WIRE_TCP_URG | WIRE_TCP_ECE |
						    WIRE_TCP_CWR | WIRE_TCP_AE));
		t.window = (uint16_t)tw_next(&rng);
		t.urgent = (uint16_t)tw_next(&rng);

		size_t hl = wire_tcp_emit(&t, seg, sizeof seg - payload);
		size_t want_len = wire_tcp_opts_len(&t.opts);
		if (want_len > WIRE_TCP_OPT_SPACE) {
			CHECK_EQ(hl, 0);
			continue;
		}
		CHECK_EQ(hl, 20 + want_len);
		emitted++;
		tw_fill(&rng, seg + hl, payload);
		uint16_t len = (uint16_t)(hl + payload);
		struct wire_ipv4_repr ip = tt_ip(len);
		wire_tcp_fill_checksum(seg, len, &ip, 0);
		CHECK_EQ(tt_ref_csum(&ip, seg, len), 0); /* verifies to zero by the reference */
		CHECK_MSG(wire_tcp_parse(seg, &ip, 0, &back) == DROP_NONE, "round %d", round);
		CHECK_EQ(back.sport, t.sport);
		CHECK_EQ(back.dport, t.dport);
		CHECK_EQ_U64(back.seq, t.seq);
		CHECK_EQ_U64(back.ack, t.ack);
		CHECK_EQ(back.flags, t.flags);
		CHECK_EQ(back.window, t.window);
		CHECK_EQ(back.urgent, t.urgent);
		CHECK_EQ(back.header_len, hl);
		CHECK_EQ(back.payload_len, payload);
		CHECK_EQ(back.opts.present, t.opts.present);
		CHECK_EQ(back.opts.ignored, 0);
		CHECK_EQ(back.opts.unknown_count, 0);
		if (t.opts.present & WIRE_TCPOPT_MSS)
			CHECK_EQ(back.opts.mss, t.opts.mss);
		if (t.opts.present & WIRE_TCPOPT_WS)
			CHECK_EQ(back.opts.wscale, t.opts.wscale);
		if (t.opts.present & WIRE_TCPOPT_TS) {
			CHECK_EQ_U64(back.opts.ts_val, t.opts.ts_val);
			CHECK_EQ_U64(back.opts.ts_ecr, t.opts.ts_ecr);
		}
		if (t.opts.present & WIRE_TCPOPT_SACK) {
			CHECK_EQ(back.opts.sack_count, t.opts.sack_count);
			for (int i = 0; i < t.opts.sack_count; i++) {
				CHECK_EQ_U64(back.opts.sack[i].left, t.opts.sack[i].left);
				CHECK_EQ_U64(back.opts.sack[i].right, t.opts.sack[i].right);
			}
		}
	}
	CHECK(emitted > 15000);
}
