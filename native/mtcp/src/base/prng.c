/* prng.c - xoshiro256** with splitmix64 seeding, written from the published descriptions
 * (Vigna, "Further scramblings of Marsaglia's xorshift generators"; Blackman & Vigna,
 * "Scrambled linear pseudorandom number generators"), and Lemire's unbiased bounded
 * integers ("Fast random integer generation in an interval", 2019). */
#include "base/assert.h"
#include "base/prng.h"

#define PRNG_GOLDEN UINT64_C(0x9e3779b97f4a7c15) /* 2^64 / golden ratio, odd */

static uint64_t prng_rotl(uint64_t x, unsigned bits)
{
	return (x << bits) | (x >> (64 - bits));
}

uint64_t prng_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += PRNG_GOLDEN);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* xoshiro's state must not be all zero (it would stay zero forever). */
static void prng_fix_zero(struct prng *p)
{
	if ((p->s[0] | p->s[1] | p->s[2] | p->s[3]) == 0)
		p->s[0] = PRNG_GOLDEN;
}

void prng_init(struct prng *p, uint64_t seed)
{
	uint64_t sm = seed;

	for (unsigned i = 0; i < 4; i++)
		p->s[i] = prng_splitmix64(&sm);
	prng_fix_zero(p);
}

void prng_init_stream(struct prng *p, uint64_t seed, uint64_t stream_id)
{
	/* Two splitmix64 chains, one from the seed and one from the (salted) stream id: each
	 * state word depends on both, and distinct ids start distinct chains. */
	uint64_t a = seed, b = stream_id ^ UINT64_C(0x6a09e667f3bcc909);

	for (unsigned i = 0; i < 4; i++)
		p->s[i] = prng_splitmix64(&a) ^ prng_rotl(prng_splitmix64(&b), 23);
	prng_fix_zero(p);
}

void prng_set_state(struct prng *p, const uint64_t state[4])
{
	MOS_ASSERT((state[0] | state[1] | state[2] | state[3]) != 0);
	for (unsigned i = 0; i < 4; i++)
		p->s[i] = state[i];
}

uint64_t prng_next(struct prng *p)
{
	uint64_t *s = p->s;
	uint64_t out = prng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = prng_rotl(s[3], 45);
	return out;
}

uint64_t prng_below(struct prng *p, uint64_t bound)
{
	unsigned __int128 m;
	uint64_t low;

	MOS_ASSERT_MSG(bound > 0, "prng_below needs a positive bound");
	m = (unsigned __int128)prng_next(p) * bound;
	low = (uint64_t)m;
	if (low < bound) {
		/* Reject the 2^64 mod bound products that over-represent low results. */
		uint64_t threshold = (0 - bound) % bound;

		while (low < threshold) {
			m = (unsigned __int128)prng_next(p) * bound;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

uint64_t prng_range(struct prng *p, uint64_t lo, uint64_t hi)
{
	MOS_ASSERT(lo <= hi);
	if (hi - lo == UINT64_MAX)
		return prng_next(p);
	return lo + prng_below(p, hi - lo + 1);
}

double prng_double(struct prng *p)
{
	return (double)(prng_next(p) >> 11) * 0x1.0p-53;
}

bool prng_chance(struct prng *p, uint32_t num, uint32_t den)
{
	MOS_ASSERT(den > 0 && num <= den);
	return prng_below(p, den) < num;
}

#undef PRNG_GOLDEN
