/* prng.h - small seedable pseudo-random generator for tests and simulation.
 *
 * xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators"),
 * seeded by expanding a 64-bit seed with splitmix64, as its authors recommend. Period
 * 2^256 - 1; not cryptographic (ISNs and hash keys use SipHash with a secret key instead).
 *
 * Determinism: the same seed gives the same sequence on every platform and build. Nothing
 * in the stack owns a hidden generator: callers own a struct prng and pass it explicitly,
 * so a simulation is replayable from its printed seed.
 * Streams: prng_init_stream(seed, id) gives generators for (seed, 0), (seed, 1), ... that
 * are statistically independent (each state comes from splitmix64 over a distinct mix of
 * seed and id), e.g. one per simulated host or per fault injector.
 *
 * Complexity: every call O(1) (prng_below may retry, expected < 2 draws for any bound).
 * Thread-safety: none per generator; use one generator per thread.
 */
#ifndef MOS_BASE_PRNG_H
#define MOS_BASE_PRNG_H

#include <stdbool.h>
#include <stdint.h>

struct prng {
	uint64_t s[4];
};

/* State from a 64-bit seed (any value, 0 included). */
void prng_init(struct prng *p, uint64_t seed);
/* Independent stream `stream_id` of `seed`; stream 0 differs from prng_init(seed). */
void prng_init_stream(struct prng *p, uint64_t seed, uint64_t stream_id);
/* Sets the raw 256-bit state (not all zero); for reproducing published test vectors. */
void prng_set_state(struct prng *p, const uint64_t state[4]);

/* Next 64 uniformly distributed bits. */
uint64_t prng_next(struct prng *p);
/* Uniform in [0, bound), bound > 0, without modulo bias (Lemire's multiply-and-reject). */
uint64_t prng_below(struct prng *p, uint64_t bound);
/* Uniform in [lo, hi] inclusive, lo <= hi (the full uint64_t range allowed). */
uint64_t prng_range(struct prng *p, uint64_t lo, uint64_t hi);
/* Uniform double in [0, 1) with 53 random bits. */
double prng_double(struct prng *p);
/* True with probability num / den (0 <= num <= den, den > 0). */
bool prng_chance(struct prng *p, uint32_t num, uint32_t den);

/* One splitmix64 step: advances *state and returns a well-mixed 64-bit value. Also a good
 * stand-alone hash/seed deriver. */
uint64_t prng_splitmix64(uint64_t *state);

#endif /* MOS_BASE_PRNG_H */
