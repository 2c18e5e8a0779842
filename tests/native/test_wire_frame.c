/* test_wire_frame.c - wire_parse_frame(): every layer's repr and offsets, the flags, and
 * the truncation sweep (every prefix of valid frames, in exact-size heap buffers so the
 * ASan build catches any read past the end). */
#include "mos_test.h"
#include "test_wire_util.h"

#include <stdlib.h>

#include "wire/frame.h"

/* Parses a copy of the first `len` bytes of `f` in a heap block of exactly `len` bytes. */
static enum drop_reason tf_parse_exact(const uint8_t *f, uint16_t len, uint32_t flags,
				       struct wire_pkt *pkt)
{
	uint8_t *copy = malloc(len);
	enum drop_reason why;

	CHECK(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, f, len);
	why = wire_parse_frame(copy, len, flags, pkt);
	free(copy);
	return why;
}

/* A TCP segment with `payload` bytes of data and ACK|PSH, 10.0.0.1:49152 -> :80, in a
 * frame with `tags` VLAN tags; Ethernet padding up to `pad_to` bytes. */
static size_t tf_build_data(uint8_t *f, int tags, uint16_t payload, size_t pad_to)
{
	size_t l4 = tw_eth_ipv4(f, tags, 6, (uint16_t)(20 + payload));
	uint8_t *t = f + l4;
	size_t len = l4 + 20 + payload;

	memset(t, 0, 20);
	tw_put16(t, 49152);
	tw_put16(t + 2, 80);
	t[7] = 1;
	t[11] = 2;
	t[12] = 5 << 4;
	t[13] = 0x18;
	tw_put16(t + 14, 512);
	for (uint16_t i = 0; i < payload; i++)
		t[20 + i] = (uint8_t)('a' + i % 26);
	tw_put16(t + 16, tw_ref_l4_csum(t - 20, t, (uint16_t)(20 + payload)));
	for (; len < pad_to; len++)
		f[len] = 0;
	return len;
}

TEST(frame_tcp_syn)
{
	uint8_t f[128];
	struct wire_pkt p;
	size_t len = tw_build_syn(f, 0);

	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_NONE);
	CHECK_EQ(p.frame_len, len);
	CHECK_EQ(p.l3, WIRE_L3_IPV4);
	CHECK_EQ(p.l4, WIRE_L4_TCP);
	CHECK_EQ(p.l3_off, 14);
	CHECK_EQ(p.l4_off, 34);
	CHECK_EQ(p.payload_off, 74);
	CHECK_EQ(p.payload_len, 0);
	CHECK_EQ_U64(p.ipv4.src, WIRE_IPV4(10, 0, 0, 1));
	CHECK_EQ(p.tcp.dport, 80);
	CHECK_EQ(p.tcp.opts.mss, 1460);
}

TEST(frame_vlan_tcp_with_payload_and_padding)
{
	uint8_t f[128];
	struct wire_pkt p;
	size_t len = tf_build_data(f, 1, 3, 64); /* 18 + 20 + 20 + 3 = 61, padded to 64 */

	CHECK_EQ(len, 64);
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_NONE);
	CHECK_EQ(p.eth.vlan_count, 1);
	CHECK_EQ(p.l3_off, 18);
	CHECK_EQ(p.l4_off, 38);
	CHECK_EQ(p.payload_off, 58);
	CHECK_EQ(p.payload_len, 3); /* from the IPv4 total length, not the padded frame */
	CHECK(memcmp(f + p.payload_off, "abc", 3) == 0);
	CHECK_EQ(p.tcp.flags, WIRE_TCP_ACK | WIRE_TCP_PSH);

	len = tf_build_data(f, 2, 5, 0);
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_NONE);
	CHECK_EQ(p.l4_off, 42);
	CHECK_EQ(p.payload_len, 5);
}

TEST(frame_arp_and_unsupported_types)
{
	uint8_t f[128];
	struct wire_pkt p;
	size_t len = tw_build_arp(f);

	memset(f + len, 0, 60 - len);
	CHECK_EQ(wire_parse_frame(f, 60, 0, &p), DROP_NONE);
	CHECK_EQ(p.l3, WIRE_L3_ARP);
	CHECK_EQ(p.l4, WIRE_L4_NONE);
	CHECK_EQ(p.l3_off, 14);
	CHECK_EQ(p.arp.op, WIRE_ARP_OP_REQUEST);
	f[12] = 0x86, f[13] = 0xdd;
	CHECK_EQ(wire_parse_frame(f, 60, 0, &p), DROP_eth_unsupported_type);
	CHECK_EQ(p.l3, WIRE_L3_NONE);
	CHECK_EQ(p.eth.ethertype, WIRE_ETHERTYPE_IPV6); /* eth stays valid for forwarding */
	f[12] = 0x00, f[13] = 0x2e;                     /* an 802.3 length field */
	CHECK_EQ(wire_parse_frame(f, 60, 0, &p), DROP_eth_unsupported_type);
}

TEST(frame_other_protocol_passes_through)
{
	uint8_t f[128];
	struct wire_pkt p;
	size_t l4 = tw_eth_ipv4(f, 0, 17, 12); /* UDP, not parsed */

	memset(f + l4, 0x55, 12);
	CHECK_EQ(wire_parse_frame(f, (uint16_t)(l4 + 12), 0, &p), DROP_NONE);
	CHECK_EQ(p.l4, WIRE_L4_OTHER);
	CHECK_EQ(p.l4_off, 34);
	CHECK_EQ(p.payload_off, 34);
	CHECK_EQ(p.payload_len, 12);
}

TEST(frame_layer_reasons_and_valid_reprs)
{
	uint8_t f[128];
	struct wire_pkt p;
	size_t len = tf_build_data(f, 0, 4, 0);

	f[34 + 16] ^= 0xff; /* TCP checksum */
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_tcp_bad_checksum);
	CHECK_EQ(p.l4, WIRE_L4_TCP);
	CHECK_EQ(p.ipv4.proto, 6); /* ipv4 valid for forward-unprocessed */
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, WIRE_RX_L4_CSUM_OK, &p), DROP_NONE);
	f[34 + 16] ^= 0xff;
	f[24] ^= 0x01; /* IPv4 checksum */
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_ipv4_bad_checksum);
	CHECK_EQ(p.l3, WIRE_L3_IPV4);
	CHECK_EQ(p.l4, WIRE_L4_NONE);
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, WIRE_RX_IP_CSUM_OK, &p), DROP_NONE);
	f[24] ^= 0x01;
	f[20] = 0x20; /* MF */
	f[24] = f[25] = 0;
	tw_put16(f + 24, tw_ref_csum(f + 14, 20));
	CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_ipv4_fragment);
	CHECK_EQ(p.l4, WIRE_L4_NONE);
	CHECK(p.ipv4.mf);
}

/* Reasons a prefix of a valid frame may give. */
static bool tf_is_length_reason(enum drop_reason why)
{
	return why == DROP_eth_truncated || why == DROP_vlan_truncated ||
	       why == DROP_arp_truncated || why == DROP_ipv4_truncated;
}

/* Parses every prefix of `f`: below `required` bytes a length reason, from there on
 * DROP_NONE. */
static void tf_sweep(const char *name, const uint8_t *f, size_t len, size_t required)
{
	struct wire_pkt p;

	CHECK(required <= len);
	for (size_t n = 0; n <= len; n++) {
		enum drop_reason why = tf_parse_exact(f, (uint16_t)n, 0, &p);
		if (n < required)
			CHECK_MSG(tf_is_length_reason(why), "%s prefix %zu: %s", name, n,
				  drop_reason_name(why));
		else
			CHECK_MSG(why == DROP_NONE, "%s prefix %zu: %s", name, n,
				  drop_reason_name(why));
	}
}

TEST(frame_truncation_sweep)
{
	uint8_t f[256];
	size_t len;

	len = tw_build_arp(f);
	memset(f + len, 0, 60 - len);
	tf_sweep("arp", f, 60, 42);
	len = tw_build_echo(f, 0);
	memset(f + len, 0, 60 - len);
	tf_sweep("icmp echo (padded)", f, 60, 42);
	len = tw_build_echo(f, 100);
	tf_sweep("icmp echo", f, len, len);
	len = tw_build_syn(f, 0);
	tf_sweep("tcp syn", f, len, len);
	len = tw_build_syn(f, 1);
	tf_sweep("vlan tcp syn", f, len, len);
	len = tw_build_syn(f, 2);
	tf_sweep("qinq tcp syn", f, len, len);
	len = tf_build_data(f, 1, 1, 64);
	tf_sweep("vlan tcp data (padded)", f, 64, 18 + 20 + 20 + 1);
}

TEST(frame_random_corruption_never_crashes)
{
	struct tw_rng rng = {tw_seed(2024)};
	uint8_t base[5][256], f[256];
	size_t lens[5];
	int accepted = 0;

	lens[0] = tw_build_arp(base[0]);
	lens[1] = tw_build_echo(base[1], 30);
	lens[2] = tw_build_syn(base[2], 0);
	lens[3] = tw_build_syn(base[3], 2);
	lens[4] = tf_build_data(base[4], 1, 20, 0);
	for (int round = 0; round < 50000; round++) {
		size_t which = tw_below(&rng, 5), len = lens[which];
		struct wire_pkt p;

		memcpy(f, base[which], len);
		for (uint32_t k = 1 + tw_below(&rng, 4); k > 0; k--)
			f[tw_below(&rng, (uint32_t)len)] = (uint8_t)tw_next(&rng);
		len -= tw_below(&rng, 3) == 0 ? tw_below(&rng, (uint32_t)len) : 0;
		/* Skipping the checksums lets corrupted headers reach the deeper checks. */
		uint32_t flags =
			tw_below(&rng, 2) ? WIRE_RX_IP_CSUM_OK | WIRE_RX_L4_CSUM_OK : 0;
		enum drop_reason why = tf_parse_exact(f, (uint16_t)len, flags, &p);
		CHECK(why >= DROP_NONE && why < DROP_COUNT);
		if (why == DROP_NONE) {
			accepted++;
			CHECK(p.l3_off <= len);
			if (p.l4 != WIRE_L4_NONE)
				CHECK(p.payload_off + (size_t)p.payload_len <= len);
		}
	}
	CHECK(accepted > 0);
}

/* A TCP data segment 10.0.0.1:49152 -> :80 with NOP, NOP, timestamps (the layout of the
 * parser's fast path) and `payload` bytes, untagged, checksums valid. */
static size_t tf_build_ts_data(uint8_t *f, uint16_t payload)
{
	static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 1, 2, 0, 0, 3, 4};
	size_t l4 = tw_eth_ipv4(f, 0, 6, (uint16_t)(32 + payload));
	uint8_t *t = f + l4;

	memset(t, 0, 20);
	tw_put16(t, 49152);
	tw_put16(t + 2, 80);
	t[7] = 9;
	t[11] = 3;
	t[12] = 8 << 4;
	t[13] = 0x10;
	tw_put16(t + 14, 1024);
	memcpy(t + 20, opts, sizeof opts);
	for (uint16_t i = 0; i < payload; i++)
		t[32 + i] = (uint8_t)(i * 7);
	tw_put16(t + 16, tw_ref_l4_csum(t - 20, t, (uint16_t)(32 + payload)));
	return l4 + 32 + payload;
}

/* Both parsers on the same bytes (reprs pre-filled with the same pattern, so a field
 * one sets and the other does not shows): same reason, same repr. */
static void tf_same_as_general(const uint8_t *f, uint16_t len, uint32_t flags)
{
	struct wire_pkt a, b;
	memset(&a, 0x5a, sizeof a);
	memset(&b, 0x5a, sizeof b);
	enum drop_reason ra = wire_parse_frame(f, len, flags, &a);
	enum drop_reason rb = wire_parse_frame_general(f, len, flags, &b);
	CHECK_EQ(ra, rb);
	if (ra == DROP_NONE)
		CHECK(memcmp(&a, &b, sizeof a) == 0);
}

TEST(frame_fast_path_equals_general_chain_on_mutated_frames)
{
	struct tw_rng rng = {tw_seed(77)};
	uint8_t base[6][1600], f[1600];
	size_t lens[6];

	lens[0] = tw_build_syn(base[0], 0);
	lens[1] = tf_build_ts_data(base[1], 0);
	lens[2] = tf_build_ts_data(base[2], 64);
	lens[3] = tf_build_ts_data(base[3], 1448);
	lens[4] = tf_build_data(base[4], 0, 100, 0);
	lens[5] = tf_build_data(base[5], 0, 1, 64); /* Ethernet padding after the segment */
	for (int which = 0; which < 6; which++) {   /* unmutated: the fast path takes them */
		tf_same_as_general(base[which], (uint16_t)lens[which], 0);
		tf_same_as_general(base[which], (uint16_t)lens[which], WIRE_RX_L4_CSUM_OK);
	}
	for (int round = 0; round < 100000; round++) {
		size_t which = tw_below(&rng, 6), len = lens[which];
		memcpy(f, base[which], len);
		/* Mostly headers: mutate the first 60 bytes, sometimes anywhere. */
		for (uint32_t k = tw_below(&rng, 3); k > 0; k--) {
			uint32_t span = tw_below(&rng, 4) ? (uint32_t)(len < 60 ? len : 60)
							  : (uint32_t)len;
			f[tw_below(&rng, span)] = (uint8_t)tw_next(&rng);
		}
		if (tw_below(&rng, 4) == 0)
			len -= tw_below(&rng, (uint32_t)len);
		uint32_t flags = (tw_below(&rng, 2) ? WIRE_RX_IP_CSUM_OK : 0u) |
				 (tw_below(&rng, 2) ? WIRE_RX_L4_CSUM_OK : 0u);
		tf_same_as_general(f, (uint16_t)len, flags);
	}
}

/* Recomputes both checksums of an untagged IPv4 + TCP frame of `len` bytes after an
 * edit, so the edit itself is what the parsers judge. */
static void tf_fix_csums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14, *t = ip + 20;
	uint16_t seg_len = (uint16_t)(len - 34);
	ip[10] = ip[11] = 0;
	tw_put16(ip + 10, tw_ref_csum(ip, 20));
	t[16] = t[17] = 0;
	tw_put16(t + 16, tw_ref_l4_csum(ip, t, seg_len));
}

/* Each check the fast path makes on the raw fields (wire_tcp_judge()'s, the source
 * address, DF) and each option layout it takes itself or hands on, on frames with valid
 * checksums: the same verdict and repr as the general chain, with and without the
 * checksum flags. */
TEST(frame_fast_path_equals_general_chain_on_judged_fields)
{
	enum {
		E_NONE,
		E_SPORT0,
		E_DPORT0,
		E_BCAST,
		E_MCAST,
		E_LOOP_SRC,
		E_FIN_ONLY,
		E_SYN_RST,
		E_SYN_FIN,
		E_DF,
		E_TS_BADLEN,
		E_TS_NOT_FIRST,
		E_NOPS,
		E_BAD_OPTLEN,
		E_AE_FLAG,
		E_COUNT
	};
	for (int ts = 0; ts < 2; ts++) {
		for (int e = E_NONE; e < E_COUNT; e++) {
			uint8_t f[1600];
			size_t len = ts ? tf_build_ts_data(f, 64) : tf_build_data(f, 0, 100, 0);
			uint8_t *ip = f + 14, *t = ip + 20, *o = t + 20;
			switch (e) {
			case E_SPORT0:
				t[0] = t[1] = 0;
				break;
			case E_DPORT0:
				t[2] = t[3] = 0;
				break;
			case E_BCAST:
				memset(ip + 16, 0xff, 4);
				break;
			case E_MCAST:
				ip[16] = 239;
				break;
			case E_LOOP_SRC:
				ip[12] = 127;
				break;
			case E_FIN_ONLY:
				t[13] = 0x01;
				break;
			case E_SYN_RST:
				t[13] = 0x06;
				break;
			case E_SYN_FIN:
				t[13] = 0x03;
				break;
			case E_DF:
				ip[6] |= 0x40;
				break;
			case E_TS_BADLEN:
				if (ts)
					o[3] = 9;
				break;
			case E_TS_NOT_FIRST:
				if (ts) {
					o[0] = 8;
					o[1] = 10;
					o[10] = 1;
					o[11] = 1;
				}
				break;
			case E_NOPS:
				if (ts)
					memset(o, 1, 12);
				break;
			case E_BAD_OPTLEN:
				if (ts)
					o[3] = 1;
				break;
			case E_AE_FLAG:
				t[12] |= 0x01;
				break;
			default:
				break;
			}
			tf_fix_csums(f, len);
			tf_same_as_general(f, (uint16_t)len, 0);
			tf_same_as_general(f, (uint16_t)len, WIRE_RX_IP_CSUM_OK);
			tf_same_as_general(f, (uint16_t)len,
					   WIRE_RX_IP_CSUM_OK | WIRE_RX_L4_CSUM_OK);
			if (e == E_NONE || e == E_DF || e == E_AE_FLAG) {
				struct wire_pkt p;
				CHECK_EQ(wire_parse_frame(f, (uint16_t)len, 0, &p), DROP_NONE);
				CHECK_EQ(p.ipv4.df, e == E_DF || ip[6] & 0x40 ? true : false);
				CHECK_EQ(p.tcp.opts.present, ts ? WIRE_TCPOPT_TS : 0);
			}
		}
	}
}
