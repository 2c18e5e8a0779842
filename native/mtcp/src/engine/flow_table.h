/* flow_table.h - per-core table of TCP flows keyed by their 4-tuple, shared by the
 * end-host stack and the monitor.
 *
 * Open addressing with linear probing and backward-shift deletion (no tombstones), so
 * a lookup touches a short run of slots whatever the insert/delete history. Capacity is
 * fixed at creation (a power of two, at least twice the flows it must hold); the hash is
 * SipHash-2-4 with a per-table random key, so an attacker choosing ports cannot build
 * long probe runs. One thread (the context's) uses a table.
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
	uint32_t hash; /* low 32 bits of the SipHash; 0 marks an empty slot */
	void *obj;
};

struct flow_table {
	struct flow_slot *slots;
	uint32_t mask;
	uint32_t count;
	uint32_t max_count; /* inserts beyond this fail (the caller counts a drop) */
	struct siphash_key key;
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
