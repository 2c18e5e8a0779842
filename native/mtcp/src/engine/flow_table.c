/* flow_table.c - 4-tuple hash table of one core (see flow_table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/flow_table.h"

/* Multiplies and folds the 128-bit product: every output bit depends on every bit of
 * both factors. */
static inline uint64_t flow_mum(uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__)
	unsigned __int128 m = (unsigned __int128)a * b;
	return (uint64_t)m ^ (uint64_t)(m >> 64);
#else
	uint64_t lo = a * b;
	uint64_t hi = (a >> 32) * (b >> 32) + ((a >> 32) * (uint32_t)b >> 32) +
		      ((uint32_t)a * (b >> 32) >> 32);
	return lo ^ hi;
#endif
}

/* The keyed hash of a tuple (see flow_table.h). */
static inline uint32_t flow_hash(const struct flow_table *t, const struct flow_key *k)
{
	uint64_t a = (uint64_t)k->saddr << 32 | k->daddr;
	uint64_t b = (uint64_t)k->sport << 16 | k->dport;
	uint64_t h = flow_mum(a ^ t->mix[0], b ^ t->mix[1]);
	h = flow_mum(h ^ t->mix[2], a ^ t->mix[3]);
	uint32_t v = (uint32_t)(h ^ h >> 32);
	return v != 0 ? v : 1; /* 0 marks an empty slot */
}

int flow_table_init(struct flow_table *t, uint32_t max_flows, const struct siphash_key *key)
{
	memset(t, 0, sizeof *t);
	if (max_flows == 0 || max_flows > (1u << 28))
		return -EINVAL;
	uint32_t cap = 16;
	while (cap < 2 * max_flows)
		cap <<= 1;
	t->slots = calloc(cap, sizeof *t->slots);
	if (t->slots == NULL)
		return -ENOMEM;
	t->mask = cap - 1;
	t->max_count = max_flows;
	/* 256 secret bits from the caller's key, one SipHash per word. */
	for (uint8_t i = 0; i < 4; i++) {
		const uint8_t label[8] = {'f', 'l', 'o', 'w', 'm', 'i', 'x', i};
		t->mix[i] = siphash24(key, label, sizeof label);
	}
	return 0;
}

void flow_table_fini(struct flow_table *t)
{
	free(t->slots);
	memset(t, 0, sizeof *t);
}

/* Index of the slot holding `k`, or of the empty slot ending its probe run. */
static uint32_t flow_find(const struct flow_table *t, const struct flow_key *k, uint32_t h)
{
	uint32_t i = h & t->mask;
	for (;;) {
		const struct flow_slot *s = &t->slots[i];
		if (s->hash == 0 || (s->hash == h && flow_key_equal(&s->key, k)))
			return i;
		i = (i + 1) & t->mask;
	}
}

void *flow_table_lookup(const struct flow_table *t, const struct flow_key *k)
{
	uint32_t h = flow_hash(t, k);
	const struct flow_slot *s = &t->slots[flow_find(t, k, h)];
	return s->hash != 0 ? s->obj : NULL;
}

int flow_table_insert(struct flow_table *t, const struct flow_key *k, void *obj)
{
	MOS_ASSERT(obj != NULL);
	uint32_t h = flow_hash(t, k);
	struct flow_slot *s = &t->slots[flow_find(t, k, h)];
	if (s->hash != 0)
		return -EEXIST;
	if (t->count >= t->max_count)
		return -ENOSPC;
	s->key = *k;
	s->hash = h;
	s->obj = obj;
	t->count++;
	return 0;
}

/* Backward-shift deletion: pull later members of the run into the hole whenever their
 * home slot does not lie (cyclically) between the hole and their current slot. */
static void flow_shift_back(struct flow_table *t, uint32_t hole)
{
	uint32_t i = (hole + 1) & t->mask;
	while (t->slots[i].hash != 0) {
		uint32_t home = t->slots[i].hash & t->mask;
		bool movable = ((i - home) & t->mask) >= ((i - hole) & t->mask);
		if (movable) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
		i = (i + 1) & t->mask;
	}
	memset(&t->slots[hole], 0, sizeof t->slots[hole]);
}

void *flow_table_remove(struct flow_table *t, const struct flow_key *k)
{
	uint32_t h = flow_hash(t, k);
	uint32_t i = flow_find(t, k, h);
	if (t->slots[i].hash == 0)
		return NULL;
	void *obj = t->slots[i].obj;
	MOS_ASSERT(t->count > 0);
	t->count--;
	flow_shift_back(t, i);
	return obj;
}
