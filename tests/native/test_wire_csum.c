/* test_wire_csum.c - the Internet checksum: RFC vectors, every length and alignment
 * against a slow reference, multi-piece accumulation, RFC 1624 incremental updates. */
#include "mos_test.h"
#include "test_wire_util.h"

#include "wire/checksum.h"
#include "wire/wire.h"

TEST(csum_rfc1071_example)
{
	/* RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2. */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	struct wire_csum acc = WIRE_CSUM_INIT;

	wire_csum_add(&acc, b, sizeof b);
	CHECK_EQ(wire_csum_fold(&acc), 0xddf2);
	CHECK_EQ(wire_csum_finish(&acc), 0x220d);
	CHECK_EQ(wire_csum_buf(b, sizeof b), 0x220d);
	CHECK_EQ(tw_ref_csum(b, sizeof b), 0x220d);
}

TEST(csum_ipv4_header_vector)
{
	/* A widely published IPv4 header whose checksum field holds b861. */
	uint8_t h[20];
	CHECK_EQ(tw_hex("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", h, sizeof h), 20);
	CHECK_EQ(wire_csum_buf(h, sizeof h), 0);
	h[10] = h[11] = 0;
	CHECK_EQ(wire_csum_buf(h, sizeof h), 0xb861);
}

TEST(csum_empty_and_zero)
{
	static const uint8_t z[7] = {0};
	CHECK_EQ(wire_csum_buf(NULL, 0), 0xffff);
	CHECK_EQ(wire_csum_buf(z, sizeof z), 0xffff);
	CHECK_EQ(wire_csum_buf(z, 1), 0xffff);
}

TEST(csum_odd_lengths_match_reference)
{
	static const size_t lens[] = {1, 3, 5, 7, 9, 1499};
	struct tw_rng rng = {tw_seed(1071)};
	uint8_t buf[1600];

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		tw_fill(&rng, buf, sizeof buf);
		CHECK_EQ(wire_csum_buf(buf, lens[i]), tw_ref_csum(buf, lens[i]));
	}
	/* A single byte is the high half of a word: 0xab -> sum 0xab00. */
	buf[0] = 0xab;
	CHECK_EQ(wire_csum_buf(buf, 1), (uint16_t)~0xab00);
}

TEST(csum_every_length_and_alignment_matches_reference)
{
	struct tw_rng rng = {tw_seed(42)};
	uint8_t buf[600];

	tw_fill(&rng, buf, sizeof buf);
	for (size_t start = 0; start < 16; start++) {
		for (size_t len = 0; len <= 520; len++) {
			uint16_t got = wire_csum_buf(buf + start, len);
			uint16_t want = tw_ref_csum(buf + start, len);
			CHECK_MSG(got == want, "start %zu len %zu: %04x != %04x", start, len,
				  got, want);
		}
	}
}

TEST(csum_carry_heavy_buffers)
{
	/* All-ones data makes every 64-bit addition carry. */
	uint8_t buf[1500];
	memset(buf, 0xff, sizeof buf);
	for (size_t len = 0; len < sizeof buf; len += 37)
		CHECK_EQ(wire_csum_buf(buf + 1, len), tw_ref_csum(buf + 1, len));
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)(i % 2 ? 0xff : 0xfe);
	CHECK_EQ(wire_csum_buf(buf, sizeof buf), tw_ref_csum(buf, sizeof buf));
	CHECK_EQ(wire_csum_buf(buf + 3, 1001), tw_ref_csum(buf + 3, 1001));
}

TEST(csum_pieces_with_odd_middles_equal_one_shot)
{
	struct tw_rng rng = {tw_seed(7)};
	uint8_t buf[2048];

	for (int round = 0; round < 2000; round++) {
		size_t len = tw_below(&rng, sizeof buf);
		struct wire_csum acc = WIRE_CSUM_INIT;
		size_t off = 0;

		tw_fill(&rng, buf, len);
		while (off < len) {
			/* Piece lengths 0..9 are mostly odd-or-even mixes at odd positions. */
			size_t piece = tw_below(&rng, 10);
			if (piece > len - off)
				piece = len - off;
			wire_csum_add(&acc, buf + off, piece);
			off += piece;
		}
		CHECK_MSG(wire_csum_finish(&acc) == wire_csum_buf(buf, len), "round %d len %zu",
			  round, len);
	}
}

TEST(csum_pseudo_header_matches_explicit_bytes)
{
	uint8_t ph[12];
	uint8_t seg[33];
	struct wire_csum acc = WIRE_CSUM_INIT;
	struct tw_rng rng = {tw_seed(3)};

	tw_fill(&rng, seg, sizeof seg);
	CHECK_EQ(tw_hex("c0000201 c6336402 00 06 0021", ph, sizeof ph), 12);
	const struct wire_csum_pseudo pseudo = {WIRE_IPV4(192, 0, 2, 1),
						WIRE_IPV4(198, 51, 100, 2), 6, 33};
	wire_csum_add_pseudo_ipv4(&acc, &pseudo);
	wire_csum_add(&acc, seg, sizeof seg);

	struct wire_csum want = WIRE_CSUM_INIT;
	wire_csum_add(&want, ph, sizeof ph);
	wire_csum_add(&want, seg, sizeof seg);
	CHECK_EQ(wire_csum_finish(&acc), wire_csum_finish(&want));
	/* And the reference, which builds the pseudo-header from an IPv4 header. */
	uint8_t ip[20] = {0x45};
	memcpy(ip + 12, ph, 8);
	ip[9] = 6;
	CHECK_EQ(wire_csum_finish(&acc), tw_ref_l4_csum(ip, seg, sizeof seg));
}

TEST(csum_known_tcp_syn_with_options)
{
	/* A hand-built SYN: 10.0.0.1:49152 -> 10.0.0.2:80, MSS, SACK-perm, TS, WS. */
	uint8_t f[128];
	size_t len = tw_build_syn(f, 0);
	const uint8_t *ip = f + 14, *tcp = f + 34;
	struct wire_csum acc = WIRE_CSUM_INIT;
	uint16_t field = (uint16_t)(tcp[16] << 8 | tcp[17]);

	CHECK_EQ(len, 14 + 20 + 40);
	/* Verifying over pseudo-header + segment (checksum included) gives 0 ... */
	const struct wire_csum_pseudo pseudo = {wire_get_be32(ip + 12), wire_get_be32(ip + 16),
						6, 40};
	wire_csum_add_pseudo_ipv4(&acc, &pseudo);
	wire_csum_add(&acc, tcp, 40);
	CHECK_EQ(wire_csum_finish(&acc), 0);
	CHECK_EQ(wire_csum_fold(&acc), 0xffff);
	/* ... and computing with the field zeroed gives the reference's value. */
	uint8_t copy[40];
	memcpy(copy, tcp, sizeof copy);
	copy[16] = copy[17] = 0;
	struct wire_csum acc2 = WIRE_CSUM_INIT;
	wire_csum_add_pseudo_ipv4(&acc2, &pseudo);
	wire_csum_add(&acc2, copy, sizeof copy);
	CHECK_EQ(wire_csum_finish(&acc2), field);
	CHECK_EQ(wire_csum_buf(ip, 20), 0);
}

TEST(csum_update16_equals_recomputation)
{
	struct tw_rng rng = {tw_seed(1624)};
	uint8_t h[60];

	for (int round = 0; round < 20000; round++) {
		size_t len = 20 + 2 * tw_below(&rng, 21);
		size_t at = 2 * tw_below(&rng, (uint32_t)(len / 2));
		uint16_t old_val, new_val, csum;

		if (at == 10) /* the checksum field itself */
			at = 12;
		tw_fill(&rng, h, len);
		h[10] = h[11] = 0;
		wire_put_be16(h + 10, wire_csum_buf(h, len));
		csum = wire_get_be16(h + 10);
		old_val = wire_get_be16(h + at);
		new_val = (uint16_t)tw_next(&rng);
		wire_put_be16(h + at, new_val);
		h[10] = h[11] = 0;
		CHECK_MSG(wire_csum_update16(csum, old_val, new_val) == wire_csum_buf(h, len),
			  "round %d at %zu", round, at);
	}
}

TEST(csum_update32_equals_recomputation_for_nat_rewrites)
{
	struct tw_rng rng = {tw_seed(1624)};
	uint8_t f[128];

	for (int round = 0; round < 5000; round++) {
		size_t len = tw_build_syn(f, 0);
		uint8_t *ip = f + 14, *tcp = f + 34;
		uint32_t old_src = wire_get_be32(ip + 12);
		uint32_t new_src = (uint32_t)tw_next(&rng);
		uint16_t old_port = wire_get_be16(tcp);
		uint16_t new_port = (uint16_t)tw_next(&rng);
		uint16_t ip_csum = wire_get_be16(ip + 10), tcp_csum = wire_get_be16(tcp + 16);

		CHECK_EQ(len, 74);
		tw_fill(&rng, tcp + 4, 8); /* vary seq/ack so the sums differ per round */
		tcp[16] = tcp[17] = 0;
		tcp_csum = tw_ref_l4_csum(ip, tcp, 40);
		/* Source NAT: the address is in the IPv4 header and the TCP pseudo-header. */
		wire_put_be32(ip + 12, new_src);
		wire_put_be16(tcp, new_port);
		ip_csum = wire_csum_update32(ip_csum, old_src, new_src);
		tcp_csum = wire_csum_update32(tcp_csum, old_src, new_src);
		tcp_csum = wire_csum_update16(tcp_csum, old_port, new_port);
		ip[10] = ip[11] = 0;
		CHECK_EQ(ip_csum, tw_ref_csum(ip, 20));
		CHECK_EQ(tcp_csum, tw_ref_l4_csum(ip, tcp, 40));
	}
}

TEST(csum_update_no_change_is_identity)
{
	CHECK_EQ(wire_csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
	CHECK_EQ(wire_csum_update32(0x1234, 0xdeadbeef, 0xdeadbeef), 0x1234);
	/* RFC 1624 §4 example: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285; eqn. 3 gives
	 * 0x0000, the value a full recomputation gives. */
	CHECK_EQ(wire_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

TEST(csum_ipv4_hdr20_equals_general_sum)
{
	struct tw_rng rng = {tw_seed(20)};
	uint8_t h[20];
	for (int round = 0; round < 100000; round++) {
		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)tw_next(&rng);
		if (round % 3 == 0) /* valid headers too: store the right checksum */
			h[10] = h[11] = 0, wire_put_be16(h + 10, wire_csum_buf(h, 20));
		CHECK_EQ(wire_csum_ipv4_hdr20(h), wire_csum_buf(h, 20));
	}
}
