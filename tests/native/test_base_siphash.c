/* test_base_siphash.c - SipHash-2-4 against published vectors, and the RFC 6528 ISN.
 *
 * Vectors: the SipHash paper (Aumasson & Bernstein, 2012, Appendix A: key 00..0f,
 * message 00..0e gives a129ca6149be45e5) and the first entries of the reference
 * implementation's 64-bit table (vectors_sip64 in github.com/veorq/SipHash vectors.h,
 * key 00..0f, message 00..len-1), written here as little-endian uint64_t values. */
#include "mos_test.h"

#include "base/siphash.h"

static const uint8_t th_key_bytes[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

TEST(siphash_paper_vector)
{
	struct siphash_key k = siphash_key_from_bytes(th_key_bytes);
	uint8_t msg[15];

	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	CHECK_EQ_U64(k.k0, 0x0706050403020100ULL);
	CHECK_EQ_U64(k.k1, 0x0f0e0d0c0b0a0908ULL);
	CHECK_EQ_U64(siphash24(&k, msg, sizeof msg), 0xa129ca6149be45e5ULL);
}

TEST(siphash_reference_table_first_entries)
{
	static const uint64_t expect[] = {
		0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL, 0x0d6c8009d9a94f5aULL,
		0x85676696d7fb7e2dULL, 0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
		0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL, 0x93f5f5799a932462ULL,
		0x9e0082df0ba9e4b0ULL, 0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
		0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL, 0xf723ca908e7af2eeULL,
		0xa129ca6149be45e5ULL, 0x3f2acc7f57c29bdbULL,
	};
	struct siphash_key k = siphash_key_from_bytes(th_key_bytes);
	uint8_t msg[sizeof expect / sizeof expect[0]];

	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	CHECK_EQ_U64(siphash24(&k, NULL, 0), expect[0]);
	for (size_t len = 0; len < sizeof msg; len++) {
		mt_note("length %zu", len);
		CHECK_EQ_U64(siphash24(&k, msg, len), expect[len]);
	}
}

TEST(siphash_depends_on_every_key_and_message_bit)
{
	struct siphash_key k = siphash_key_from_bytes(th_key_bytes);
	uint8_t msg[12] = {192, 168, 0, 1, 0x1f, 0x90, 10, 0, 0, 2, 0xc3, 0x50};
	uint64_t base = siphash24(&k, msg, sizeof msg);

	for (int bit = 0; bit < 128; bit++) {
		struct siphash_key k2 = k;
		if (bit < 64)
			k2.k0 ^= 1ULL << bit;
		else
			k2.k1 ^= 1ULL << (bit - 64);
		CHECK(siphash24(&k2, msg, sizeof msg) != base);
	}
	for (int bit = 0; bit < 96; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(siphash24(&k, msg, sizeof msg) != base);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK_EQ_U64(siphash24(&k, msg, sizeof msg), base);
}

TEST(isn_rfc6528_is_deterministic_and_tuple_dependent)
{
	struct isn_key key = {{0x0123456789abcdefULL, 0xfedcba9876543210ULL}};
	struct isn_key other = {{0x0123456789abcdefULL, 0xfedcba9876543211ULL}};
	uint32_t lip = 0x0a000001, rip = 0x0a000002;
	uint64_t now_us = 1234567;
	uint32_t isn = isn_rfc6528(&key, lip, 80, rip, 40000, now_us);

	CHECK_EQ(isn_rfc6528(&key, lip, 80, rip, 40000, now_us), isn);
	CHECK(isn_rfc6528(&key, lip + 1, 80, rip, 40000, now_us) != isn);
	CHECK(isn_rfc6528(&key, lip, 81, rip, 40000, now_us) != isn);
	CHECK(isn_rfc6528(&key, lip, 80, rip + 1, 40000, now_us) != isn);
	CHECK(isn_rfc6528(&key, lip, 80, rip, 40001, now_us) != isn);
	/* Swapping the ends is a different connection. */
	CHECK(isn_rfc6528(&key, rip, 40000, lip, 80, now_us) != isn);
	/* The secret matters. */
	CHECK(isn_rfc6528(&other, lip, 80, rip, 40000, now_us) != isn);
}

TEST(isn_rfc6528_advances_one_per_4_microseconds)
{
	struct isn_key key = {{42, 43}};
	uint64_t t0 = 4000000; /* a multiple of 4 us */
	uint32_t isn0 = isn_rfc6528(&key, 1, 2, 3, 4, t0);

	CHECK_EQ(isn_rfc6528(&key, 1, 2, 3, 4, t0 + 3), isn0);
	CHECK_EQ(isn_rfc6528(&key, 1, 2, 3, 4, t0 + 4), isn0 + 1);
	CHECK_EQ(isn_rfc6528(&key, 1, 2, 3, 4, t0 + 4000), isn0 + 1000);
	/* One second is 250000 ticks; M wraps modulo 2^32 (about 4.77 hours). */
	CHECK_EQ(isn_rfc6528(&key, 1, 2, 3, 4, t0 + 1000000), isn0 + 250000);
	CHECK_EQ(isn_rfc6528(&key, 1, 2, 3, 4, t0 + (4ULL << 32)), isn0);
	/* Time zero: ISN is F itself. */
	CHECK_EQ(isn_rfc6528(&key, 1, 2, 3, 4, 0) + 1000000, isn0);
}
