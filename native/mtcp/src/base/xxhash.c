/* xxhash.c - XXH32 and XXH64, written from the public description of the xxHash
 * algorithm (stripes of 4 accumulators, tail mixing, final avalanche). Input is read
 * little-endian byte by byte, so the result does not depend on the host's byte
 * order or on alignment. */
#include <stddef.h>
#include <stdint.h>

#include "mtcp_util.h"

#define BASE_XXH32_P1 0x9E3779B1u
#define BASE_XXH32_P2 0x85EBCA77u
#define BASE_XXH32_P3 0xC2B2AE3Du
#define BASE_XXH32_P4 0x27D4EB2Fu
#define BASE_XXH32_P5 0x165667B1u

#define BASE_XXH64_P1 0x9E3779B185EBCA87ull
#define BASE_XXH64_P2 0xC2B2AE3D27D4EB4Full
#define BASE_XXH64_P3 0x165667B19E3779F9ull
#define BASE_XXH64_P4 0x85EBCA77C2B2AE63ull
#define BASE_XXH64_P5 0x27D4EB2F165667C5ull

static const uint8_t base_xxh_empty[1];

static uint32_t base_rotl32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32u - r));
}

static uint64_t base_rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64u - r));
}

static uint32_t base_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t base_le64(const uint8_t *p)
{
	return (uint64_t)base_le32(p) | (uint64_t)base_le32(p + 4) << 32;
}

/* --- 32 bit ----------------------------------------------------------------------- */

static uint32_t base_xxh32_round(uint32_t acc, uint32_t lane)
{
	acc += lane * BASE_XXH32_P2;
	return base_rotl32(acc, 13) * BASE_XXH32_P1;
}

/* The 16-byte stripes; returns the merged accumulators and advances *p. */
static uint32_t base_xxh32_stripes(const uint8_t **p, const uint8_t *end, uint32_t seed)
{
	uint32_t v[4] = {seed + BASE_XXH32_P1 + BASE_XXH32_P2, seed + BASE_XXH32_P2, seed,
			 seed - BASE_XXH32_P1};
	const uint8_t *q = *p;

	while ((size_t)(end - q) >= 16) {
		for (int i = 0; i < 4; i++)
			v[i] = base_xxh32_round(v[i], base_le32(q + 4 * i));
		q += 16;
	}
	*p = q;
	return base_rotl32(v[0], 1) + base_rotl32(v[1], 7) + base_rotl32(v[2], 12) +
	       base_rotl32(v[3], 18);
}

unsigned int XXH32(const void *input, size_t length, unsigned seed)
{
	const uint8_t *p, *end;
	uint32_t h;

	if (input == NULL) { /* hashes as the empty input */
		input = base_xxh_empty;
		length = 0;
	}
	p = input;
	end = p + length;
	if (length >= 16)
		h = base_xxh32_stripes(&p, end, seed);
	else
		h = seed + BASE_XXH32_P5;
	h += (uint32_t)length;
	for (; (size_t)(end - p) >= 4; p += 4) {
		h += base_le32(p) * BASE_XXH32_P3;
		h = base_rotl32(h, 17) * BASE_XXH32_P4;
	}
	for (; p < end; p++) {
		h += (uint32_t)*p * BASE_XXH32_P5;
		h = base_rotl32(h, 11) * BASE_XXH32_P1;
	}
	h ^= h >> 15;
	h *= BASE_XXH32_P2;
	h ^= h >> 13;
	h *= BASE_XXH32_P3;
	h ^= h >> 16;
	return h;
}

/* --- 64 bit ----------------------------------------------------------------------- */

static uint64_t base_xxh64_round(uint64_t acc, uint64_t lane)
{
	acc += lane * BASE_XXH64_P2;
	return base_rotl64(acc, 31) * BASE_XXH64_P1;
}

static uint64_t base_xxh64_merge(uint64_t h, uint64_t v)
{
	h ^= base_xxh64_round(0, v);
	return h * BASE_XXH64_P1 + BASE_XXH64_P4;
}

static uint64_t base_xxh64_stripes(const uint8_t **p, const uint8_t *end, uint64_t seed)
{
	uint64_t v[4] = {seed + BASE_XXH64_P1 + BASE_XXH64_P2, seed + BASE_XXH64_P2, seed,
			 seed - BASE_XXH64_P1};
	const uint8_t *q = *p;
	uint64_t h;

	while ((size_t)(end - q) >= 32) {
		for (int i = 0; i < 4; i++)
			v[i] = base_xxh64_round(v[i], base_le64(q + 8 * i));
		q += 32;
	}
	*p = q;
	h = base_rotl64(v[0], 1) + base_rotl64(v[1], 7) + base_rotl64(v[2], 12) +
	    base_rotl64(v[3], 18);
	for (int i = 0; i < 4; i++)
		h = base_xxh64_merge(h, v[i]);
	return h;
}

unsigned long long XXH64(const void *input, size_t length, unsigned long long seed)
{
	const uint8_t *p, *end;
	uint64_t h;

	if (input == NULL) { /* hashes as the empty input */
		input = base_xxh_empty;
		length = 0;
	}
	p = input;
	end = p + length;
	if (length >= 32)
		h = base_xxh64_stripes(&p, end, seed);
	else
		h = seed + BASE_XXH64_P5;
	h += (uint64_t)length;
	for (; (size_t)(end - p) >= 8; p += 8) {
		h ^= base_xxh64_round(0, base_le64(p));
		h = base_rotl64(h, 27) * BASE_XXH64_P1 + BASE_XXH64_P4;
	}
	if ((size_t)(end - p) >= 4) {
		h ^= (uint64_t)base_le32(p) * BASE_XXH64_P1;
		h = base_rotl64(h, 23) * BASE_XXH64_P2 + BASE_XXH64_P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= (uint64_t)*p * BASE_XXH64_P5;
		h = base_rotl64(h, 11) * BASE_XXH64_P1;
	}
	h ^= h >> 33;
	h *= BASE_XXH64_P2;
	h ^= h >> 29;
	h *= BASE_XXH64_P3;
	h ^= h >> 32;
	return h;
}

#undef BASE_XXH32_P1
#undef BASE_XXH32_P2
#undef BASE_XXH32_P3
#undef BASE_XXH32_P4
#undef BASE_XXH32_P5
#undef BASE_XXH64_P1
#undef BASE_XXH64_P2
#undef BASE_XXH64_P3
#undef BASE_XXH64_P4
#undef BASE_XXH64_P5
