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

/* The bytes after the last whole 8-byte word (fewer than 8) as a sum of native words:
 * where a 16-bit word sits inside the 64-bit sum does not matter, 2^16 being 1 modulo
 * 2^16 - 1. RFC 1071 §4.1 pads an odd last byte with a zero byte. */
static inline uint64_t wire_csum_tail(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	uint32_t w32;
	uint16_t w16;

	if (len & 4) {
		memcpy(&w32, p, sizeof w32);
		sum += w32;
		p += 4;
	}
	if (len & 2) {
		memcpy(&w16, p, sizeof w16);
		sum += w16;
		p += 2;
	}
	if (len & 1) {
		const uint8_t pad[2] = {p[0], 0};
		memcpy(&w16, pad, sizeof w16);
		sum += w16;
	}
	return sum;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
/* Native-order partial sum of `len` bytes at `p`, as if `p` were at an even position
 * of the stream. x86-64: one add-with-carry per 64-bit word straight from memory, the
 * carry of each word going into the next and the last one wrapped around, as RFC 1071
 * §4.1 sketches; the compiler cannot be asked for such a chain in C (its best, 128-bit
 * accumulators, took three times the instructions). Not used under AddressSanitizer,
 * which cannot see the loads of an asm statement: the C versions below run there. */
static uint64_t wire_csum_bulk(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	while (len >= 64) {
		__asm__("addq 0(%[p]), %[s]\n\t"
			"adcq 8(%[p]), %[s]\n\t"
			"adcq 16(%[p]), %[s]\n\t"
			"adcq 24(%[p]), %[s]\n\t"
			"adcq 32(%[p]), %[s]\n\t"
			"adcq 40(%[p]), %[s]\n\t"
			"adcq 48(%[p]), %[s]\n\t"
			"adcq 56(%[p]), %[s]\n\t"
			"adcq $0, %[s]"
			: [s] "+r"(sum)
			: [p] "r"(p), "m"(*(const uint8_t(*)[64])p)
			: "cc");
		p += 64;
		len -= 64;
	}
	while (len >= 8) {
		__asm__("addq %[w], %[s]\n\t"
			"adcq $0, %[s]"
			: [s] "+r"(sum)
			: [w] "m"(*(const uint64_t *)(const void *)p)
			: "cc");
		p += 8;
		len -= 8;
	}
	if (len != 0)
		wire_csum_add64(&sum, wire_csum_tail(p, len));
	return sum;
}
#elif defined(__SIZEOF_INT128__)
/* Native-order partial sum of `len` bytes at `p`, as if `p` were at an even position
 * of the stream. 64-bit words are added into 128-bit accumulators, so the carries
 * collect in the upper half (an add and an add-with-carry per word) and fold back once
 * at the end: about half the time of detecting each carry. */
static uint64_t wire_csum_bulk(const uint8_t *p, size_t len)
{
	unsigned __int128 s0 = 0, s1 = 0;

	/* Two independent accumulators let the CPU overlap the additions. */
	while (len >= 32) {
		s0 += wire_csum_load64(p);
		s1 += wire_csum_load64(p + 8);
		s0 += wire_csum_load64(p + 16);
		s1 += wire_csum_load64(p + 24);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		s0 += wire_csum_load64(p);
		p += 8;
		len -= 8;
	}
	if (len != 0)
		s1 += wire_csum_tail(p, len);
	s0 += s1;
	uint64_t lo = (uint64_t)s0, hi = (uint64_t)(s0 >> 64);
	wire_csum_add64(&lo, hi);
	return lo;
}
#else
static uint64_t wire_csum_bulk(const uint8_t *p, size_t len)
{
	uint64_t s0 = 0, s1 = 0;

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
	if (len != 0)
		wire_csum_add64(&s1, wire_csum_tail(p, len));
	wire_csum_add64(&s0, s1);
	return s0;
}
#endif

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
	MOS_ASSERT(!acc->odd);
	/* The six 16-bit words of source, destination, zero + protocol and L4 length, added
	 * as values (host order) and folded, then turned into memory word order: at an
	 * even position that is what adding the 12 bytes would give (RFC 1071 §2(B)). */
	uint32_t sum = (ph->src >> 16) + (ph->src & 0xffffu) + (ph->dst >> 16) +
		       (ph->dst & 0xffffu) + ph->proto + ph->l4_len;
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	acc->sum += wire_csum_native_to_host((uint16_t)sum);
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
