/* siphash.c - SipHash-2-4 written from the algorithm description in the SipHash paper
 * (§2: initialisation constants, SipRound, compression and finalisation), and the RFC 6528
 * ISN built on it. */
#include <string.h>

#include "base/assert.h"
#include "base/siphash.h"

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static uint64_t sip_rotl(uint64_t x, unsigned bits)
{
	return (x << bits) | (x >> (64 - bits));
}

/* One load (the flow tables hash every packet's 4-tuple through here). */
static inline uint64_t sip_load_le64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof x);
	return __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? __builtin_bswap64(x) : x;
}

static inline __attribute__((always_inline)) void sip_round(struct sip_state *s)
{
	s->v0 += s->v1;
	s->v1 = sip_rotl(s->v1, 13) ^ s->v0;
	s->v0 = sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = sip_rotl(s->v3, 16) ^ s->v2;
	s->v0 += s->v3;
	s->v3 = sip_rotl(s->v3, 21) ^ s->v0;
	s->v2 += s->v1;
	s->v1 = sip_rotl(s->v1, 17) ^ s->v2;
	s->v2 = sip_rotl(s->v2, 32);
}

/* c = 2 compression rounds per message word. */
static inline __attribute__((always_inline)) void sip_absorb(struct sip_state *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

struct siphash_key siphash_key_from_bytes(const uint8_t bytes[16])
{
	struct siphash_key k = {sip_load_le64(bytes), sip_load_le64(bytes + 8)};
	return k;
}

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len)
{
	/* "somepseudorandomlygeneratedbytes" as four little-endian words. */
	struct sip_state s = {
		key->k0 ^ UINT64_C(0x736f6d6570736575),
		key->k1 ^ UINT64_C(0x646f72616e646f6d),
		key->k0 ^ UINT64_C(0x6c7967656e657261),
		key->k1 ^ UINT64_C(0x7465646279746573),
	};
	const uint8_t *p = data;
	size_t full = len / 8 * 8;
	uint64_t last = (uint64_t)(len & 0xff) << 56;

	MOS_ASSERT(p != NULL || len == 0);
	for (size_t off = 0; off < full; off += 8)
		sip_absorb(&s, sip_load_le64(p + off));
	for (size_t i = 0; i < len - full; i++)
		last |= (uint64_t)p[full + i] << (8 * i);
	sip_absorb(&s, last);
	/* d = 4 finalisation rounds. */
	s.v2 ^= 0xff;
	for (unsigned i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

static void sip_store_le(uint8_t *out, uint64_t x, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		out[i] = (uint8_t)(x >> (8 * i));
}

uint32_t isn_rfc6528_ex(const struct isn_key *key, uint32_t lip, uint16_t lport, uint32_t rip,
			uint16_t rport, uint64_t now_us, uint32_t *extra)
{
	uint8_t tuple[12];
	uint32_t m = (uint32_t)(now_us / 4); /* RFC 6528 §3: 4-microsecond timer, mod 2^32 */
	uint64_t f;

	sip_store_le(tuple, lip, 4);
	sip_store_le(tuple + 4, lport, 2);
	sip_store_le(tuple + 6, rip, 4);
	sip_store_le(tuple + 10, rport, 2);
	f = siphash24(&key->secret, tuple, sizeof tuple);
	*extra = (uint32_t)(f >> 32);
	return m + (uint32_t)f;
}

uint32_t isn_rfc6528(const struct isn_key *key, uint32_t lip, uint16_t lport, uint32_t rip,
		     uint16_t rport, uint64_t now_us)
{
	uint32_t unused;
	return isn_rfc6528_ex(key, lip, lport, rip, rport, now_us, &unused);
}
