/* test_base_seq.c - sequence-number and timestamp arithmetic at the 2^32 wrap, plus a
 * seeded property check of the helpers against 64-bit unwrapped arithmetic. */
#include <stdlib.h>

#include "mos_test.h"

#include "base/prng.h"
#include "base/seq.h"

TEST(seq_compare_across_the_wrap)
{
	seq32_t before = seq32(0xFFFFFFF0u), after = seq32(0x10u);

	CHECK(seq_lt(before, after));
	CHECK(seq_leq(before, after));
	CHECK(!seq_gt(before, after));
	CHECK(!seq_geq(before, after));
	CHECK(seq_gt(after, before));
	CHECK(seq_geq(after, before));
	CHECK_EQ(seq_diff(after, before), 32);
	CHECK_EQ(seq_diff(before, after), -32);
	CHECK(seq_leq(before, before) && seq_geq(before, before) && !seq_lt(before, before));
	CHECK(seq_eq(seq_max(before, after), after));
	CHECK(seq_eq(seq_min(before, after), before));
	/* Largest forward distance still ordered. */
	CHECK(seq_lt(seq32(0), seq32(0x7FFFFFFFu)));
	CHECK_EQ(seq_diff(seq32(0x7FFFFFFFu), seq32(0)), INT32_MAX);
	/* Exactly opposite points: documented as "both are less" (RFC 1982 leaves it open). */
	CHECK_EQ(seq_diff(seq32(0x80000000u), seq32(0)), INT32_MIN);
	CHECK(seq_lt(seq32(0x80000000u), seq32(0)) && seq_lt(seq32(0), seq32(0x80000000u)));
}

TEST(seq_add_sub_dist_wrap)
{
	seq32_t s = seq32(0xFFFFFFFEu);

	CHECK_EQ(seq_raw(seq_add(s, 5)), 3);
	CHECK_EQ(seq_raw(seq_sub(seq32(3), 5)), 0xFFFFFFFEu);
	CHECK_EQ(seq_dist(s, seq32(3)), 5);
	CHECK_EQ(seq_dist(s, s), 0);
	CHECK_EQ(seq_raw(seq_add(s, 0)), 0xFFFFFFFEu);
}

TEST(seq_in_window_and_between_at_the_wrap)
{
	seq32_t lo = seq32(0xFFFFFFF0u);

	CHECK(seq_in_window(lo, lo, 0x20));
	CHECK(seq_in_window(seq32(0x0F), lo, 0x20));
	CHECK(!seq_in_window(seq32(0x10), lo, 0x20));
	CHECK(!seq_in_window(seq32(0xFFFFFFEFu), lo, 0x20));
	CHECK(!seq_in_window(lo, lo, 0)); /* an empty window holds nothing */
	/* The largest window holds everything but the point just before lo. */
	CHECK(seq_in_window(seq32(0xFFFFFFEEu), lo, 0xFFFFFFFFu));
	CHECK(!seq_in_window(seq32(0xFFFFFFEFu), lo, 0xFFFFFFFFu));
	CHECK(seq_between(seq32(0x10), lo, seq32(0x10)));
	CHECK(seq_between(lo, lo, seq32(0x10)));
	CHECK(!seq_between(seq32(0x11), lo, seq32(0x10)));
	CHECK(!seq_between(seq32(0xFFFFFFEFu), lo, seq32(0x10)));
	CHECK(seq_between(lo, lo, lo));
}

TEST(ts_compare_across_the_wrap)
{
	CHECK(ts_before(0xFFFFFF00u, 0x100u));
	CHECK(ts_after(0x100u, 0xFFFFFF00u));
	CHECK(ts_before_eq(7, 7) && ts_after_eq(7, 7) && !ts_before(7, 7) && !ts_after(7, 7));
	CHECK_EQ(ts_diff(0x100u, 0xFFFFFF00u), 0x200);
	/* PAWS (RFC 7323 §5.3): an old TSval from just before the wrap is "before". */
	CHECK(ts_before(0xFFFFFFFFu, 0));
}

TEST(seq_helpers_agree_with_unwrapped_arithmetic)
{
	const char *env = getenv("MOS_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 31;
	struct prng p;

	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	prng_init(&p, seed);
	for (int i = 0; i < 1000000; i++) {
		/* Unwrapped 64-bit positions < 2^31 apart; compare their truncations. */
		uint64_t a = prng_next(&p) >> 1;
		int64_t d = (int64_t)prng_below(&p, (1ULL << 32) - 1) - (int64_t)0x7FFFFFFF;
		uint64_t b = (uint64_t)((int64_t)a + d);
		seq32_t sa = seq32((uint32_t)a), sb = seq32((uint32_t)b);
		uint32_t len = (uint32_t)prng_below(&p, 1ULL << 31);

		CHECK_EQ(seq_diff(sb, sa), d);
		CHECK_EQ(seq_lt(sa, sb), a < b);
		CHECK_EQ(seq_leq(sa, sb), a <= b);
		CHECK_EQ(seq_gt(sa, sb), a > b);
		CHECK_EQ(seq_geq(sa, sb), a >= b);
		CHECK_EQ(seq_in_window(sb, sa, len), b >= a && b < a + len);
		CHECK_EQ(ts_before((uint32_t)a, (uint32_t)b), a < b);
	}
}
