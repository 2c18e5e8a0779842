/* toeplitz.c - software Toeplitz hash (RSS) and the symmetric key of mOS. */
#include "base/assert.h"
#include "base/toeplitz.h"

/* Key bit `bit` (0 = most significant bit of key[0]); 0 past the key. */
static uint32_t toeplitz_key_bit(const uint8_t *key, size_t keylen, size_t bit)
{
	size_t idx = bit / 8;
	if (idx >= keylen)
		return 0;
	return (uint32_t)(key[idx] >> (7u - bit % 8u)) & 1u;
}

uint32_t toeplitz_hash(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len)
{
	uint32_t window = 0, hash = 0;
	size_t next = 32; /* key bit that enters the window on the next shift */

	MOS_ASSERT(key != NULL || keylen == 0);
	MOS_ASSERT(data != NULL || len == 0);

	for (size_t b = 0; b < 32; b++)
		window = (window << 1) | toeplitz_key_bit(key, keylen, b);
	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			if ((data[i] >> (7u - bit)) & 1u)
				hash ^= window;
			window = (window << 1) | toeplitz_key_bit(key, keylen, next++);
		}
	}
	return hash;
}

const uint8_t *toeplitz_sym_key(void)
{
	static const uint8_t key[TOEPLITZ_SYM_KEY_LEN] = {
		0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05,
		0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05,
		0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05,
		0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05, 0x05,
	};
	return key;
}
