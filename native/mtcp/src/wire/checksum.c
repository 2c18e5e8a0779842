/* checksum.c - Internet checksum: bulk sum, multi-piece accumulation, RFC 1624 updates.
 *
 * The bulk sum adds the buffer as native-endian 64-bit words into a 64-bit accumulator
 * and counts carries separately; since 2^16 == 1 (mod 2^16 - 1), a carry out of any
 * 16-bit boundary is worth one unit at bit 0, so the 64-bit total folds down to the
 * same 16-bit one's-complement sum as adding 16-bit words one by one (RFC 1071 §2:
 * associativity and byte-order independence). Loads go through memcpy, so any start
 * address is fine and the compiler emits plain unaligned loads where the CPU has them.
 */
#include "wire/checksum.h"

#include <string.h>

#include "base/assert.h"
#include "wire/wire.h"

/* Folds a 64-bit one's-complement partial sum to 16 bits (not complemented). */
static uint16_t wire_csum_fold64(uint64_t sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

/* Adds `word` to `*sum` with end-around carry. */
static inline void wire_csum_add64(uint64_t *sum, uint64_t word)
{
	*sum += word;
	*sum += (uint64_t)(*sum < word);
}

static inline uint64_t wire_csum_load64(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return w;
}

/* Native-order partial sum of `len` bytes at `p`, as if `p` were at an even position
 * of the stream. */
static uint64_t wire_csum_bulk(const uint8_t *p, size_t len)
{
	uint64_t s0 = 0, s1 = 0;
	uint32_t w32;
	uint16_t w16;

	/* Two independent carry chains let the CPU overlap the additions. */
	while (len >= 32) {
		wire_csum_add64(&s0, wire_csum_load64(p));
		wire_csum_add64(&s1, wire_csum_load64(p + 8));
		wire_csum_add64(&s0, wire_csum_load64(p + 16));
		wire_csum_add64(&s1, wire_csum_load64(p + 24));
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		wire_csum_add64(&s0, wire_csum_load64(p));
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		memcpy(&w32, p, sizeof w32);
		wire_csum_add64(&s1, w32);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, sizeof w16);
		wire_csum_add64(&s0, w16);
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* RFC 1071 §4.1: an odd last byte is padded with a zero byte. */
		const uint8_t pad[2] = {p[0], 0};
		memcpy(&w16, pad, sizeof w16);
		wire_csum_add64(&s1, w16);
	}
	wire_csum_add64(&s0, s1);
	return s0;
}

static inline uint16_t wire_csum_swap16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

/* Converts a 16-bit sum in memory word order to host (big-endian value) order. */
static inline uint16_t wire_csum_native_to_host(uint16_t v)
{
	const uint16_t probe = 1;
	uint8_t first;
	memcpy(&first, &probe, 1);
	return first == 1 ? wire_csum_swap16(v) : v;
}

void wire_csum_add(struct wire_csum *acc, const void *data, size_t len)
{
	uint16_t piece = wire_csum_fold64(wire_csum_bulk(data, len));

	/* A piece that starts at an odd position has every byte in the other half of its
	 * 16-bit word: its sum is the byte-swapped sum (RFC 1071 §2(B)). */
	if (acc->odd)
		piece = wire_csum_swap16(piece);
	acc->sum += piece;
	acc->odd ^= (len & 1u) != 0;
}

void wire_csum_add_pseudo_ipv4(struct wire_csum *acc, const struct wire_csum_pseudo *ph)
{
	uint8_t bytes[12];

	MOS_ASSERT(!acc->odd);
	wire_put_be32(bytes, ph->src);
	wire_put_be32(bytes + 4, ph->dst);
	bytes[8] = 0;
	bytes[9] = ph->proto;
	wire_put_be16(bytes + 10, ph->l4_len);
	wire_csum_add(acc, bytes, sizeof bytes);
}

uint16_t wire_csum_fold(const struct wire_csum *acc)
{
	return wire_csum_native_to_host(wire_csum_fold64(acc->sum));
}

uint16_t wire_csum_buf(const void *data, size_t len)
{
	struct wire_csum acc = WIRE_CSUM_INIT;

	wire_csum_add(&acc, data, len);
	return wire_csum_finish(&acc);
}

uint16_t wire_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	uint64_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_val;
	sum += new_val;
	return (uint16_t)~wire_csum_fold64(sum);
}

uint16_t wire_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	uint64_t sum = (uint16_t)~csum;

	sum += (uint16_t) ~(uint16_t)(old_val >> 16);
	sum += (uint16_t) ~(uint16_t)old_val;
	sum += new_val >> 16;
	sum += new_val & 0xffffu;
	return (uint16_t)~wire_csum_fold64(sum);
}
