/* arp_table.c - neighbour table shared by the cores (see arp_table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "net/arp_table.h"
#include "net/route.h"

static uint64_t arp_mac_pack(const struct wire_mac *m)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v |= (uint64_t)m->b[i] << (8 * i);
	return v;
}

static void arp_mac_unpack(uint64_t v, struct wire_mac *m)
{
	for (int i = 0; i < 6; i++)
		m->b[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t arp_hash(uint32_t ip)
{
	/* Fibonacci hashing spreads consecutive addresses of a subnet. */
	return (uint32_t)((ip * UINT64_C(0x9E3779B97F4A7C15)) >> 32);
}

static int arp_static_cmp(const void *pa, const void *pb)
{
	const struct arp_static *a = pa, *b = pb;
	return (int)b->prefix_len - (int)a->prefix_len;
}

int arp_table_init(struct arp_table *t, uint32_t capacity, const struct arp_static *statics,
		   uint32_t n)
{
	uint32_t cap = 64;
	memset(t, 0, sizeof *t);
	while (cap < capacity && cap < (1u << 24))
		cap <<= 1;
	t->slots = calloc(cap, sizeof *t->slots);
	t->statics = n ? malloc(n * sizeof *t->statics) : NULL;
	if (t->slots == NULL || (n && t->statics == NULL)) {
		arp_table_fini(t);
		return -ENOMEM;
	}
	t->mask = cap - 1;
	atomic_flag_clear(&t->lock);
	for (uint32_t i = 0; i < n; i++) {
		t->statics[i] = statics[i];
		t->statics[i].prefix &= route_mask(statics[i].prefix_len);
	}
	t->static_count = n;
	if (n > 1)
		qsort(t->statics, n, sizeof *t->statics, arp_static_cmp);
	return 0;
}

void arp_table_fini(struct arp_table *t)
{
	free(t->slots);
	free(t->statics);
	memset(t, 0, sizeof *t);
}

static const struct arp_static *arp_static_find(const struct arp_table *t, uint32_t ip)
{
	for (uint32_t i = 0; i < t->static_count; i++) {
		const struct arp_static *s = &t->statics[i];
		if ((ip & route_mask(s->prefix_len)) == s->prefix)
			return s;
	}
	return NULL;
}

/* Consistent copy of slot `s`; false if the slot holds another address. */
static bool arp_slot_read(struct arp_slot *s, uint32_t ip, uint64_t *mac, uint64_t *seen)
{
	for (;;) {
		uint32_t s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (s1 & 1u)
			continue;
		uint32_t sip = atomic_load_explicit(&s->ip, memory_order_relaxed);
		*mac = atomic_load_explicit(&s->mac, memory_order_relaxed);
		*seen = atomic_load_explicit(&s->seen_ms, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) == s1)
			return sip == ip;
	}
}

enum arp_result arp_table_lookup(struct arp_table *t, uint32_t ip, uint64_t now_ms,
				 struct wire_mac *mac)
{
	uint64_t until;
	return arp_table_lookup_until(t, ip, now_ms, mac, &until);
}

enum arp_result arp_table_lookup_until(struct arp_table *t, uint32_t ip, uint64_t now_ms,
				       struct wire_mac *mac, uint64_t *until_ms)
{
	const struct arp_static *st = arp_static_find(t, ip);
	*until_ms = UINT64_MAX;
	if (st != NULL) {
		*mac = st->mac;
		return ARP_FOUND;
	}
	uint32_t h = arp_hash(ip);
	for (uint32_t i = 0; i < ARP_TABLE_PROBE; i++) {
		struct arp_slot *s = &t->slots[(h + i) & t->mask];
		uint64_t packed, seen;
		if (!arp_slot_read(s, ip, &packed, &seen))
			continue;
		if (now_ms - seen > ARP_TABLE_TTL_MS && now_ms > seen)
			return ARP_MISS;
		arp_mac_unpack(packed, mac);
		*until_ms = seen + ARP_TABLE_TTL_MS;
		return ARP_FOUND;
	}
	return ARP_MISS;
}

static void arp_slot_write(struct arp_slot *s, uint32_t ip, uint64_t mac, uint64_t now_ms)
{
	uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->ip, ip, memory_order_relaxed);
	atomic_store_explicit(&s->mac, mac, memory_order_relaxed);
	atomic_store_explicit(&s->seen_ms, now_ms, memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

/* After a write (under the lock): cached answers of every core become stale. */
static void arp_table_bump(struct arp_table *t)
{
	atomic_fetch_add_explicit(&t->gen, 1, memory_order_release);
}

/* The slot holding `ip`, else an empty one, else the stalest (*evict set). */
static struct arp_slot *arp_slot_choose(struct arp_table *t, uint32_t ip, bool *found,
					bool *evict)
{
	uint32_t h = arp_hash(ip);
	struct arp_slot *empty = NULL, *stalest = NULL;
	*found = *evict = false;
	for (uint32_t i = 0; i < ARP_TABLE_PROBE; i++) {
		struct arp_slot *s = &t->slots[(h + i) & t->mask];
		uint32_t sip = atomic_load_explicit(&s->ip, memory_order_relaxed);
		if (sip == ip) {
			*found = true;
			return s;
		}
		if (sip == 0 && empty == NULL)
			empty = s;
		if (sip != 0 &&
		    (stalest == NULL ||
		     atomic_load_explicit(&s->seen_ms, memory_order_relaxed) <
			     atomic_load_explicit(&stalest->seen_ms, memory_order_relaxed)))
			stalest = s;
	}
	if (empty != NULL)
		return empty;
	*evict = true;
	return stalest;
}

void arp_table_learn(struct arp_table *t, uint32_t ip, const struct wire_mac *mac,
		     uint64_t now_ms, bool only_update)
{
	bool found, evict;
	if (ip == 0 || arp_static_find(t, ip) != NULL)
		return;
	while (atomic_flag_test_and_set_explicit(&t->lock, memory_order_acquire))
		;
	struct arp_slot *s = arp_slot_choose(t, ip, &found, &evict);
	if (found || !only_update) {
		if (evict)
			atomic_fetch_add_explicit(&t->replaced, 1, memory_order_relaxed);
		arp_slot_write(s, ip, arp_mac_pack(mac), now_ms);
		arp_table_bump(t);
	}
	atomic_flag_clear_explicit(&t->lock, memory_order_release);
}

uint32_t arp_table_size(struct arp_table *t)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i <= t->mask; i++)
		n += atomic_load_explicit(&t->slots[i].ip, memory_order_relaxed) != 0;
	return n;
}
