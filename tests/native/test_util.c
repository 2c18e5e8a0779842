/* test_util.c - the mtcp_util.h functions and the software Toeplitz hash:
 * StrToArgs splitting rules, XXH32/XXH64 against published vectors, Toeplitz against
 * the Microsoft RSS verification suite, and the symmetry of the mOS key. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/toeplitz.h"
#include "mos_test.h"
#include "mtcp_util.h"

/* --- StrToArgs ------------------------------------------------------------------------ */

TEST(strtoargs_splits_on_blanks)
{
	char s[] = "  ./app\t-c  1 \n -x  ";
	char *argv[8];
	int argc = -1;
	CHECK_EQ(StrToArgs(s, &argc, argv, 8), 0);
	CHECK_EQ(argc, 4);
	CHECK_STREQ(argv[0], "./app");
	CHECK_STREQ(argv[1], "-c");
	CHECK_STREQ(argv[2], "1");
	CHECK_STREQ(argv[3], "-x");
	CHECK(argv[4] == NULL);
	/* in place: the words live in the string */
	CHECK(argv[0] >= s && argv[3] < s + sizeof s);
}

TEST(strtoargs_quotes_group_and_are_removed)
{
	char s[] = "run 'a b' \"c 'd' e\" x\"y z\"w '' \"\"";
	char *argv[8];
	int argc = 0;
	CHECK_EQ(StrToArgs(s, &argc, argv, 8), 0);
	CHECK_EQ(argc, 6);
	CHECK_STREQ(argv[0], "run");
	CHECK_STREQ(argv[1], "a b");
	CHECK_STREQ(argv[2], "c 'd' e");
	CHECK_STREQ(argv[3], "xy zw");
	CHECK_STREQ(argv[4], "");
	CHECK_STREQ(argv[5], "");
	CHECK(argv[6] == NULL);
}

TEST(strtoargs_empty_string_has_no_words)
{
	char s[] = " \t ";
	char *argv[2] = {(char *)1, (char *)1};
	int argc = -1;
	CHECK_EQ(StrToArgs(s, &argc, argv, 2), 0);
	CHECK_EQ(argc, 0);
	CHECK(argv[0] == NULL);
}

TEST(strtoargs_bounds_words)
{
	char s[] = "a b c";
	char *argv[3];
	int argc = -1;
	CHECK_EQ(StrToArgs(s, &argc, argv, 3), 0); /* exactly max: no room for NULL */
	CHECK_EQ(argc, 3);
	CHECK_STREQ(argv[2], "c");
	char t[] = "a b c d";
	CHECK_ERRNO(StrToArgs(t, &argc, argv, 3), E2BIG);
	CHECK_EQ(argc, 0);
}

TEST(strtoargs_rejects_bad_input)
{
	char s[] = "a 'b c";
	char u[] = "a b\"";
	char *argv[4];
	int argc = 0;
	CHECK_ERRNO(StrToArgs(s, &argc, argv, 4), EINVAL);
	CHECK_ERRNO(StrToArgs(u, &argc, argv, 4), EINVAL);
	CHECK_ERRNO(StrToArgs(NULL, &argc, argv, 4), EINVAL);
	CHECK_ERRNO(StrToArgs(s, NULL, argv, 4), EINVAL);
	CHECK_ERRNO(StrToArgs(s, &argc, NULL, 4), EINVAL);
	CHECK_ERRNO(StrToArgs(s, &argc, argv, 0), EINVAL);
}

/* --- xxHash ---------------------------------------------------------------------- */

/* Published vectors (xxHash's own tests and independent implementations agree). The
 * lengths cover the short path, one and several stripes, and every tail size. */
TEST(xxh32_known_vectors)
{
	CHECK_EQ_U64(XXH32("", 0, 0), 0x02CC5D05u);
	CHECK_EQ_U64(XXH32(NULL, 0, 0), 0x02CC5D05u);
	CHECK_EQ_U64(XXH32("a", 1, 0), 0x550D7456u);
	CHECK_EQ_U64(XXH32("abc", 3, 0), 0x32D153FFu);
	CHECK_EQ_U64(XXH32("ABC", 3, 0), 0x80712ED5u);
	CHECK_EQ_U64(XXH32("test", 4, 0), 1042293711u);
	CHECK_EQ_U64(XXH32("test", 4, 123), 2758658570u);
	CHECK_EQ_U64(XXH32("0123456789ABCDEF", 16, 0), 0xF9F50986u);
	CHECK_EQ_U64(XXH32("hello there", 11, 0), 0x371C3E72u);
	CHECK_EQ_U64(XXH32("Nobody inspects the spammish repetition", 39, 0), 0xE2293B2Fu);
	CHECK_EQ_U64(XXH32("Nobody inspects the spammish repetition", 39, 123), 0xFA7F6052u);
	CHECK_EQ_U64(XXH32("The quick brown fox jumps over the lazy dog", 43, 0), 0xE85EA4DEu);
	CHECK_EQ_U64(XXH32("The quick brown fox jumps over the lazy dog", 43, 69), 0x4F8FA903u);
	CHECK_EQ_U64(XXH32("", 0, 42), 0xD5BE6EB8u);
}

TEST(xxh64_known_vectors)
{
	CHECK_EQ_U64(XXH64("", 0, 0), 0xEF46DB3751D8E999ull);
	CHECK_EQ_U64(XXH64(NULL, 0, 0), 0xEF46DB3751D8E999ull);
	CHECK_EQ_U64(XXH64("", 0, 42), 0x98B1582B0977E704ull);
	CHECK_EQ_U64(XXH64("a", 1, 0), 0xD24EC4F1A98C6E5Bull);
	CHECK_EQ_U64(XXH64("abc", 3, 0), 0x44BC2CF5AD770999ull);
	CHECK_EQ_U64(XXH64("ABC", 3, 0), 0xE66AE7354FCFEE98ull);
	CHECK_EQ_U64(XXH64("xxhash", 6, 0), 0x32DD38952C4BC720ull);
	CHECK_EQ_U64(XXH64("test", 4, 0), 5754696928334414137ull);
	CHECK_EQ_U64(XXH64("test", 4, 123), 3134990500624303823ull);
	CHECK_EQ_U64(XXH64("hello there", 11, 0), 0x08F296AF889A203Cull);
	CHECK_EQ_U64(XXH64("Nobody inspects the spammish repetition", 39, 0),
		     0xFBCEA83C8A378BF1ull);
	CHECK_EQ_U64(XXH64("Nobody inspects the spammish repetition", 39, 123),
		     0xA8BA45551F24B7AEull);
	CHECK_EQ_U64(XXH64("The quick brown fox jumps over the lazy dog", 43, 0),
		     0x0B242D361FDA71BCull);
}

TEST(xxh_does_not_depend_on_alignment)
{
	char buf[128];
	const char *text = "Nobody inspects the spammish repetition";
	for (size_t off = 0; off < 8; off++) {
		memcpy(buf + off, text, strlen(text));
		CHECK_EQ_U64(XXH32(buf + off, strlen(text), 123), 0xFA7F6052u);
		CHECK_EQ_U64(XXH64(buf + off, strlen(text), 123), 0xA8BA45551F24B7AEull);
	}
}

/* --- Toeplitz ------------------------------------------------------------------------ */

/* The key and vectors of Microsoft's "Verifying the RSS Hash Calculation" (also in the
 * Intel 82599 datasheet): input = source address, destination address, source port,
 * destination port, in network order. */
static const uint8_t ct_ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct {
	const char *src, *dst;
	uint16_t sport, dport;
	uint32_t hash_ip, hash_tcp;
} ct_ms_vectors[] = {
	{"66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178},
	{"199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea},
	{"24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a},
	{"38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f},
	{"153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2},
};

static void ct_tuple(uint8_t out[12], const char *src, const char *dst, uint16_t sp,
		     uint16_t dp)
{
	struct in_addr s, d;
	uint16_t sp_be = htons(sp), dp_be = htons(dp);
	CHECK_EQ(inet_pton(AF_INET, src, &s), 1);
	CHECK_EQ(inet_pton(AF_INET, dst, &d), 1);
	memcpy(out, &s, 4);
	memcpy(out + 4, &d, 4);
	memcpy(out + 8, &sp_be, 2);
	memcpy(out + 10, &dp_be, 2);
}

TEST(toeplitz_matches_the_microsoft_vectors)
{
	for (size_t i = 0; i < sizeof ct_ms_vectors / sizeof ct_ms_vectors[0]; i++) {
		uint8_t t[12];
		mt_note("vector %zu", i);
		ct_tuple(t, ct_ms_vectors[i].src, ct_ms_vectors[i].dst, ct_ms_vectors[i].sport,
			 ct_ms_vectors[i].dport);
		CHECK_EQ_U64(toeplitz_hash(ct_ms_key, sizeof ct_ms_key, t, 8),
			     ct_ms_vectors[i].hash_ip);
		CHECK_EQ_U64(toeplitz_hash(ct_ms_key, sizeof ct_ms_key, t, 12),
			     ct_ms_vectors[i].hash_tcp);
	}
}

TEST(toeplitz_edge_cases)
{
	uint8_t zero[12] = {0};
	CHECK_EQ_U64(toeplitz_hash(ct_ms_key, sizeof ct_ms_key, zero, 12), 0);
	CHECK_EQ_U64(toeplitz_hash(ct_ms_key, sizeof ct_ms_key, zero, 0), 0);
	/* the first input bit selects the first 32 key bits */
	uint8_t one = 0x80;
	CHECK_EQ_U64(toeplitz_hash(ct_ms_key, sizeof ct_ms_key, &one, 1), 0x6d5a56dau);
	/* key bits past the key count as zero */
	uint8_t last[2] = {0, 0x01};
	CHECK_EQ_U64(toeplitz_hash(ct_ms_key, 2, last, 2), 0);
}

/* xorshift64*: a small seeded generator; the seed is printed on failure. */
static uint64_t ct_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

TEST(symmetric_key_hash_is_direction_independent)
{
	uint64_t seed = 0x5eed0f0e1u;
	mt_note("seed=%llu", (unsigned long long)seed);
	for (int i = 0; i < 10000; i++) {
		uint64_t r = ct_rand(&seed), q = ct_rand(&seed);
		uint8_t fwd[12], rev[12];
		memcpy(fwd, &r, 8);
		memcpy(fwd + 8, &q, 4);
		memcpy(rev, fwd + 4, 4);
		memcpy(rev + 4, fwd, 4);
		memcpy(rev + 8, fwd + 10, 2);
		memcpy(rev + 10, fwd + 8, 2);
		CHECK_EQ_U64(toeplitz_hash(toeplitz_sym_key(), TOEPLITZ_SYM_KEY_LEN, fwd, 12),
			     toeplitz_hash(toeplitz_sym_key(), TOEPLITZ_SYM_KEY_LEN, rev, 12));
	}
	/* ...which the Microsoft key is not */
	uint8_t t[12], u[12];
	ct_tuple(t, "66.9.149.187", "161.142.100.80", 2794, 1766);
	ct_tuple(u, "161.142.100.80", "66.9.149.187", 1766, 2794);
	CHECK(toeplitz_hash(ct_ms_key, 40, t, 12) != toeplitz_hash(ct_ms_key, 40, u, 12));
}

/* --- GetRSSCPUCore ---------------------------------------------------------------------- */

TEST(rss_core_is_in_range_and_symmetric)
{
	uint64_t seed = 42;
	mt_note("seed=%llu", (unsigned long long)seed);
	for (int n = 1; n <= 16; n++) {
		int hits[16] = {0};
		for (int i = 0; i < 2000; i++) {
			in_addr_t a = (in_addr_t)ct_rand(&seed), b = (in_addr_t)ct_rand(&seed);
			in_port_t pa = (in_port_t)ct_rand(&seed),
				  pb = (in_port_t)ct_rand(&seed);
			int q = GetRSSCPUCore(a, b, pa, pb, n);
			CHECK(q >= 0 && q < n);
			CHECK_EQ(GetRSSCPUCore(b, a, pb, pa, n), q);
			hits[q]++;
		}
		/* With the 0x05 key only 64 of the 128 table entries are reachable (see
		 * below), so only power-of-two queue counts are sure to use every queue. */
		for (int q = 0; q < n && (n & (n - 1)) == 0; q++)
			CHECK_MSG(hits[q] > 0, "queue %d of %d never chosen", q, n);
	}
}

/* The 0x05 key repeats every 8 bits, so the hash is an XOR of the 8 rotations of
 * 0x05050505; in the low byte those are pairs of bits two apart, which keeps the
 * parity of bits 0,2,4,6 (and of 1,3,5,7) even. The NIC computes the same hash, so
 * this is what the hardware does too; the test pins the property down. */
TEST(symmetric_key_reaches_64_table_entries)
{
	uint64_t seed = 7;
	bool seen[128] = {false};
	int distinct = 0;
	mt_note("seed=%llu", (unsigned long long)seed);
	for (int i = 0; i < 20000; i++) {
		uint8_t t[12];
		uint64_t r = ct_rand(&seed), q = ct_rand(&seed);
		memcpy(t, &r, 8);
		memcpy(t + 8, &q, 4);
		uint32_t h =
			toeplitz_hash(toeplitz_sym_key(), TOEPLITZ_SYM_KEY_LEN, t, 12) & 127u;
		CHECK_EQ(__builtin_popcount(h & 0x55u) % 2, 0);
		distinct += !seen[h];
		seen[h] = true;
	}
	CHECK_EQ(distinct, 64);
}

TEST(rss_core_is_the_hash_through_a_128_entry_table)
{
	uint8_t t[12];
	in_addr_t s, d;
	in_port_t sp, dp;
	ct_tuple(t, "192.0.2.1", "198.51.100.2", 40000, 80);
	memcpy(&s, t, 4);
	memcpy(&d, t + 4, 4);
	memcpy(&sp, t + 8, 2);
	memcpy(&dp, t + 10, 2);
	uint32_t h = toeplitz_hash(toeplitz_sym_key(), TOEPLITZ_SYM_KEY_LEN, t, 12);
	for (int n = 1; n <= 16; n++)
		CHECK_EQ(GetRSSCPUCore(s, d, sp, dp, n), (int)((h & 127u) % (uint32_t)n));
	CHECK_EQ(GetRSSCPUCore(s, d, sp, dp, 1), 0);
	CHECK_ERRNO(GetRSSCPUCore(s, d, sp, dp, 0), EINVAL);
	CHECK_ERRNO(GetRSSCPUCore(s, d, sp, dp, -3), EINVAL);
}
