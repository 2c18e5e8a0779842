/* flow_table.h - per-core table of TCP flows keyed by their 4-tuple, shared by the
 * end-host stack and the monitor.
 *
 * Open addressing with linear probing and backward-shift deletion (no tombstones), so
 * a lookup touches a short run of slots whatever the insert/delete history. Capacity is
 * fixed at creation (a power of two, at least twice the flows it must hold). One thread
 * (the context's) uses a table.
 *
 * The hash is keyed, so that an attacker choosing addresses and ports cannot aim them at
 * one run of slots: two rounds of a 64 x 64 -> 128-bit multiply whose halves are folded
 * together, each round mixing in 128 secret bits (256 per table, derived with SipHash-2-4
 * from the caller's random key). It costs about 15 instructions where SipHash-2-4 of the
 * 12-byte tuple cost 200, which was a tenth of the end host's and the monitor's work per
 * packet. It is not a PRF as SipHash is: it holds up while nobody can read the hash
 * values (they never leave the table) - the standard of Linux's own connection hash
 * (jhash with a boot-time secret). The device's RSS hash is deliberately not reused: the
 * symmetric Toeplitz key is public and Toeplitz is linear, so colliding tuples are
 * trivial to build for it.
 */
#ifndef MOS_ENGINE_FLOW_TABLE_H
#define MOS_ENGINE_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/siphash.h"

/* A directed 4-tuple, host order. For the end host: (local, remote); for the monitor a
 * flow is stored once under its client -> server tuple and found from either side with
 * flow_key_reverse(). */
struct flow_key {
	uint32_t saddr;
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
};

static inline struct flow_key flow_key_reverse(struct flow_key k)
{
	return (struct flow_key){k.daddr, k.saddr, k.dport, k.sport};
}

static inline bool flow_key_equal(const struct flow_key *a, const struct flow_key *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
	       a->dport == b->dport;
}

struct flow_slot {
	struct flow_key key;
	uint32_t hash; /* the keyed hash (never 0); 0 marks an empty slot */
	void *obj;
};

struct flow_table {
	struct flow_slot *slots;
	uint32_t mask;
	uint32_t count;
	uint32_t max_count; /* inserts beyond this fail (the caller counts a drop) */
	uint64_t mix[4];    /* the hash's secret, derived from the caller's key */
};

/* Creates a table for up to `max_flows` flows, hashed with `key` (random per run).
 * Returns 0 or -ENOMEM / -EINVAL. */
int flow_table_init(struct flow_table *t, uint32_t max_flows, const struct siphash_key *key);
void flow_table_fini(struct flow_table *t);

/* The object stored under `k`, or NULL. */
void *flow_table_lookup(const struct flow_table *t, const struct flow_key *k);

/* Stores `obj` under `k`. Returns 0, -EEXIST (already there), or -ENOSPC (full). */
int flow_table_insert(struct flow_table *t, const struct flow_key *k, void *obj);

/* Removes `k`; returns the object it held, or NULL. */
void *flow_table_remove(struct flow_table *t, const struct flow_key *k);

static inline uint32_t flow_table_count(const struct flow_table *t)
{
	return t->count;
}

#endif /* MOS_ENGINE_FLOW_TABLE_H */
