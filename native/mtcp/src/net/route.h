/* route.h - IPv4 longest-prefix-match routing table (immutable after build).
 *
 * Built once at start from the connected networks of the ports and the configured
 * routes, then only read (by every core, without locks). Lookup probes each prefix
 * length that has routes, longest first, with a binary search among the routes of
 * that length: at most 33 searches, in practice two or three.
 */
#ifndef MOS_NET_ROUTE_H
#define MOS_NET_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

struct route_entry {
	uint32_t prefix;    /* host order, host bits zero */
	uint8_t prefix_len; /* 0..32 */
	uint16_t port;      /* output port */
	uint32_t gw;        /* next hop, host order; 0 = on-link (next hop = destination) */
};

struct route_table {
	struct route_entry *entries; /* sorted by (prefix_len desc, prefix asc) */
	uint32_t count;
	uint32_t first[34]; /* entries of length L are [first[32 - L], first[33 - L]) */
	uint64_t lengths;   /* bit 32 - L: some entry has length L (lookups visit only those) */
};

/* Builds the table from `n` entries (copied). A later entry with the same prefix and
 * length replaces an earlier one (configured routes override connected ones).
 * Returns 0 or -ENOMEM. */
int route_build(struct route_table *t, const struct route_entry *entries, uint32_t n);

void route_free(struct route_table *t);

/* The most specific route for `dst` (host order), or NULL. */
const struct route_entry *route_lookup(const struct route_table *t, uint32_t dst);

/* The next-hop address for `dst` through `r`. */
static inline uint32_t route_next_hop(const struct route_entry *r, uint32_t dst)
{
	return r->gw != 0 ? r->gw : dst;
}

/* Mask of a prefix length (0..32), host order. */
static inline uint32_t route_mask(uint8_t prefix_len)
{
	return prefix_len == 0 ? 0u : ~0u << (32u - prefix_len);
}

#endif /* MOS_NET_ROUTE_H */
