/* siphash.h - SipHash-2-4 (Aumasson & Bernstein, 2012) and RFC 6528 initial sequence numbers.
 *
 * siphash24: keyed 64-bit PRF over a byte string with a 128-bit key. Used where an attacker
 * chooses the input: flow-table bucket selection (no hash flooding without the key) and the
 * ISN function below. Output is identical on every platform (the message and key are read
 * as little-endian, as the specification defines).
 *
 * isn_rfc6528 implements RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), where M is a timer that ticks every 4 microseconds (M = now_us / 4, modulo
 * 2^32) and F is SipHash-2-4 keyed with the secret, truncated to 32 bits, over a fixed
 * 12-byte encoding of the tuple. Time is a parameter: the function is pure and
 * deterministic. The key is per engine, from the caller's entropy source (a seed in tests).
 *
 * Complexity: O(len) for siphash24 (2 rounds per 8 bytes + 4 finalisation rounds);
 * isn_rfc6528 hashes 12 bytes. Thread-safety: pure functions; keys are read-only.
 */
#ifndef MOS_BASE_SIPHASH_H
#define MOS_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t k0; /* key bytes 0..7, little-endian */
	uint64_t k1; /* key bytes 8..15, little-endian */
};

/* The key whose 16 bytes (in the specification's order) are `bytes`. */
struct siphash_key siphash_key_from_bytes(const uint8_t bytes[16]);

/* SipHash-2-4 of data[0, len) under key. data may be NULL when len is 0. */
uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len);

struct isn_key {
	struct siphash_key secret;
};

/* RFC 6528 ISN for a connection (addresses and ports in host order; "local" is this end).
 * Different tuples give unrelated values; for one tuple the value grows by 1 every 4 us. */
uint32_t isn_rfc6528(const struct isn_key *key, uint32_t lip, uint16_t lport, uint32_t rip,
		     uint16_t rport, uint64_t now_us);

/* The same ISN, and in *extra the other 32 bits of the same SipHash-2-4 output: a
 * second per-connection secret value (the timestamp offset, RFC 7323 §5.4) for the
 * price of one hash. */
uint32_t isn_rfc6528_ex(const struct isn_key *key, uint32_t lip, uint16_t lport, uint32_t rip,
			uint16_t rport, uint64_t now_us, uint32_t *extra);

#endif /* MOS_BASE_SIPHASH_H */
