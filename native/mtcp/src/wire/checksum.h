/* checksum.h - the Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * All 16-bit values in and out are HOST order: the value a big-endian read of the
 * checksum field gives, so `wire_put_be16(field, wire_csum_buf(...))` stores a correct
 * checksum, and a field read with wire_get_be16() can be passed to the update helpers.
 *
 * Sums of several pieces (pseudo-header, header, payload) go through a struct
 * wire_csum accumulator, which tracks the parity of the bytes added so far: pieces of
 * odd length may appear anywhere, not only last. Buffers may start at any address.
 */
#ifndef MOS_WIRE_CHECKSUM_H
#define MOS_WIRE_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A running one's-complement sum. Initialise with WIRE_CSUM_INIT or
 * wire_csum_init(); the fields are private to checksum.c. */
struct wire_csum {
	uint64_t sum; /* one's-complement partial sum in memory (native) word order */
	bool odd;     /* an odd number of bytes has been added so far */
};

/* clang-format off */
#define WIRE_CSUM_INIT {0, false}
/* clang-format on */

static inline void wire_csum_init(struct wire_csum *acc)
{
	acc->sum = 0;
	acc->odd = false;
}

/* Adds `len` bytes at `data` (any alignment) as the continuation of the byte stream. */
void wire_csum_add(struct wire_csum *acc, const void *data, size_t len);

/* The IPv4 pseudo-header of TCP/UDP (RFC 9293 §3.1, RFC 768). */
struct wire_csum_pseudo {
	uint32_t src;    /* host order */
	uint32_t dst;    /* host order */
	uint8_t proto;   /* enum wire_ip_proto */
	uint16_t l4_len; /* bytes of the L4 header and payload */
};

/* Adds the 12-byte pseudo-header (source, destination, zero, protocol, L4 length).
 * Must be added at an even position of the stream (in practice: first). */
void wire_csum_add_pseudo_ipv4(struct wire_csum *acc, const struct wire_csum_pseudo *ph);

/* The folded 16-bit one's-complement sum of everything added (not complemented).
 * A stream that includes a correct checksum folds to 0xffff. */
uint16_t wire_csum_fold(const struct wire_csum *acc);

/* The value to store in a checksum field: the complement of wire_csum_fold(). A stream
 * that includes a correct checksum finishes to 0. */
static inline uint16_t wire_csum_finish(const struct wire_csum *acc)
{
	return (uint16_t)~wire_csum_fold(acc);
}

/* Checksum of one buffer: wire_csum_finish() of a fresh accumulator fed `data`.
 * Verifying a header that contains its checksum returns 0 when it is correct. */
uint16_t wire_csum_buf(const void *data, size_t len);

/* wire_csum_buf() of a 20-byte IPv4 header without options (0 when its checksum is
 * right; else the value to store after zeroing the field), in a dozen instructions:
 * five 32-bit words summed and folded. */
static inline uint16_t wire_csum_ipv4_hdr20(const uint8_t *hdr)
{
	uint32_t w[5];
	memcpy(w, hdr, sizeof w);
	uint64_t sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	uint16_t folded = (uint16_t)sum; /* memory word order */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (uint16_t)~folded;
#else
	return (uint16_t) ~(uint16_t)(folded << 8 | folded >> 8);
#endif
}

/* RFC 1624 eqn. 3 incremental update: the new checksum after a 16-bit word of the
 * checksummed data changed from `old_val` to `new_val` (HC' = ~(~HC + ~m + m')). The
 * word must sit at an even offset of the checksummed data (every port and address
 * does). */
uint16_t wire_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);

/* The same for a 32-bit field at an even offset (an IPv4 address, a sequence number). */
uint16_t wire_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

#endif /* MOS_WIRE_CHECKSUM_H */
