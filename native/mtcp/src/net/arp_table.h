/* arp_table.h - the IPv4 -> MAC neighbour table shared by the cores of one instance.
 *
 * Static entries (from arp_table in the configuration; a prefix covers a range) never
 * expire and always win. Dynamic entries are learned from ARP traffic and are valid
 * for ARP_TABLE_TTL_MS after their last confirmation. Readers (every core, per packet)
 * take no lock: each slot is a seqlock over relaxed atomics, so a reader never sees a
 * torn entry. Writers (the cores receiving ARP, rare) serialise on a spinlock. The
 * table has a fixed capacity; when a probe window is full the stalest dynamic entry in
 * it is replaced.
 */
#ifndef MOS_NET_ARP_TABLE_H
#define MOS_NET_ARP_TABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wire/eth.h"

#define ARP_TABLE_TTL_MS (300u * 1000u) /* a learned entry is trusted this long */
#define ARP_TABLE_PROBE 16              /* slots searched for one address */

struct arp_static {
	uint32_t prefix; /* host order */
	uint8_t prefix_len;
	struct wire_mac mac;
};

struct arp_slot {
	_Atomic uint32_t seq;     /* odd while a writer changes the slot */
	_Atomic uint32_t ip;      /* host order; 0 = empty */
	_Atomic uint64_t mac;     /* 48-bit MAC in the low bytes */
	_Atomic uint64_t seen_ms; /* last confirmation */
};

struct arp_table {
	struct arp_slot *slots;
	uint32_t mask; /* capacity - 1 (power of two) */
	atomic_flag lock;
	struct arp_static *statics; /* sorted by prefix_len desc */
	uint32_t static_count;
	_Atomic uint64_t replaced; /* dynamic entries evicted for lack of room */
	_Atomic uint64_t gen;      /* bumped by every write: the cores' caches compare it */
};

enum arp_result {
	ARP_MISS = 0,  /* unknown or expired: resolve */
	ARP_FOUND = 1, /* known and fresh */
};

/* Creates a table for about `capacity` dynamic entries (rounded up to a power of two,
 * at least 64) with `n` static entries (copied). Returns 0 or -ENOMEM. */
int arp_table_init(struct arp_table *t, uint32_t capacity, const struct arp_static *statics,
		   uint32_t n);
void arp_table_fini(struct arp_table *t);

/* Looks `ip` (host order) up at time now_ms; on ARP_FOUND writes the MAC. */
enum arp_result arp_table_lookup(struct arp_table *t, uint32_t ip, uint64_t now_ms,
				 struct wire_mac *mac);

/* The same, and *until_ms: the last time the answer stays valid unless the table
 * changes (UINT64_MAX for a static entry). A caller may keep the answer while
 * arp_table_gen() is what it was before the lookup and now_ms <= *until_ms. */
enum arp_result arp_table_lookup_until(struct arp_table *t, uint32_t ip, uint64_t now_ms,
				       struct wire_mac *mac, uint64_t *until_ms);

/* The table's generation: it changes whenever an entry is written. */
static inline uint64_t arp_table_gen(struct arp_table *t)
{
	return atomic_load_explicit(&t->gen, memory_order_acquire);
}

/* Records that `ip` is at `mac` (learned at now_ms). With `only_update`, an address
 * not already in the table is not added (RFC 826: only the target of an exchange adds
 * its peer). Static addresses are never changed. */
void arp_table_learn(struct arp_table *t, uint32_t ip, const struct wire_mac *mac,
		     uint64_t now_ms, bool only_update);

/* Number of dynamic entries currently stored (fresh or not). */
uint32_t arp_table_size(struct arp_table *t);

#endif /* MOS_NET_ARP_TABLE_H */
