/* toeplitz.h - the Toeplitz hash of receive-side scaling (RSS), computed in
 * software so that the stack can predict the queue a NIC picks for a flow. */
#ifndef MOS_BASE_TOEPLITZ_H
#define MOS_BASE_TOEPLITZ_H

#include <stddef.h>
#include <stdint.h>

/* Length of the symmetric key mOS programs into NICs (every byte 0x05). */
#define TOEPLITZ_SYM_KEY_LEN 52
/* Entries of the redirection table GetRSSCPUCore() models. */
#define TOEPLITZ_RETA_SIZE 128

/* The Toeplitz hash of `len` bytes of `data` under `key`: for every input bit, most
 * significant bit of data[0] first, that is set, XOR in the 32-bit window of the key
 * starting at the bit's position. Key bits past `keylen` count as 0, so a key of at
 * least len + 4 bytes is needed for every bit to matter (40 bytes cover IPv4 + TCP
 * ports: 12 bytes of input). */
uint32_t toeplitz_hash(const uint8_t *key, size_t keylen, const uint8_t *data, size_t len);

/* The symmetric key (TOEPLITZ_SYM_KEY_LEN bytes of 0x05). With it the hash of
 * (a, b, pa, pb) equals that of (b, a, pb, pa): the key repeats every 16 bits, and
 * swapping addresses or ports moves input bits by a multiple of 16. */
const uint8_t *toeplitz_sym_key(void);

#endif /* MOS_BASE_TOEPLITZ_H */
