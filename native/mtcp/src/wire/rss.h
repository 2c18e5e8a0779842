/* rss.h - the receive-side-scaling hash a NIC programmed with mOS's symmetric key
 * computes for a frame, and the queue its redirection table gives.
 *
 * Used where no NIC does it: the sim backend (to spread frames like a NIC) and the
 * engine's software RSS (devices without RSS). The Toeplitz hash is linear in its input
 * bits, so it is the XOR of per-byte parts looked up in a table built once. Input as a
 * NIC takes it: IPv4 source, destination, and for unfragmented TCP the two ports.
 */
#ifndef MOS_WIRE_RSS_H
#define MOS_WIRE_RSS_H

#include <stdbool.h>
#include <stdint.h>

#define WIRE_RSS_INPUT_BYTES 12 /* saddr, daddr, sport, dport */

struct wire_rss_table {
	uint32_t part[WIRE_RSS_INPUT_BYTES][256];
};

/* Fills the table for the symmetric key (toeplitz_sym_key()). */
void wire_rss_table_init(struct wire_rss_table *t);

/* The hash of `frame` (up to two VLAN tags), or false when it is not IPv4 (a NIC then
 * reports no hash and the frame goes to queue 0). */
bool wire_rss_frame_hash(const struct wire_rss_table *t, const uint8_t *frame, uint32_t len,
			 uint32_t *hash);

/* Queue of a hash with a 128-entry redirection table filled round-robin (the model
 * GetRSSCPUCore() and the DPDK backend use). */
static inline uint16_t wire_rss_queue(uint32_t hash, uint16_t queues)
{
	return (uint16_t)((hash % 128u) % queues);
}

#endif /* MOS_WIRE_RSS_H */
