/* route.c - IPv4 longest-prefix-match table (see route.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "net/route.h"

static int route_cmp(const void *pa, const void *pb)
{
	const struct route_entry *a = pa, *b = pb;
	if (a->prefix_len != b->prefix_len)
		return a->prefix_len > b->prefix_len ? -1 : 1;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix ? -1 : 1;
	return 0;
}

/* Keeps the last of equal (prefix, length) entries: `e` is sorted stably, so among
 * equal keys the one given later in the input comes later and wins. */
static uint32_t route_dedup(struct route_entry *e, uint32_t n)
{
	uint32_t out = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (out > 0 && route_cmp(&e[out - 1], &e[i]) == 0)
			e[out - 1] = e[i];
		else
			e[out++] = e[i];
	}
	return out;
}

static void route_index(struct route_table *t)
{
	uint32_t i = 0;
	for (int slot = 0; slot <= 32; slot++) {
		uint8_t len = (uint8_t)(32 - slot);
		t->first[slot] = i;
		while (i < t->count && t->entries[i].prefix_len == len)
			i++;
		if (i != t->first[slot])
			t->lengths |= UINT64_C(1) << slot;
	}
	t->first[33] = t->count;
}

int route_build(struct route_table *t, const struct route_entry *entries, uint32_t n)
{
	memset(t, 0, sizeof *t);
	if (n == 0) {
		route_index(t);
		return 0;
	}
	struct route_entry *e = malloc(n * sizeof *e);
	if (e == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		e[i] = entries[i];
		e[i].prefix &= route_mask(e[i].prefix_len);
	}
	/* Insertion sort keeps equal keys in input order (n is small: configuration). */
	for (uint32_t i = 1; i < n; i++) {
		struct route_entry v = e[i];
		uint32_t j = i;
		while (j > 0 && route_cmp(&e[j - 1], &v) > 0) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = v;
	}
	t->entries = e;
	t->count = route_dedup(e, n);
	route_index(t);
	return 0;
}

void route_free(struct route_table *t)
{
	free(t->entries);
	memset(t, 0, sizeof *t);
}

const struct route_entry *route_lookup(const struct route_table *t, uint32_t dst)
{
	for (uint64_t left = t->lengths; left != 0; left &= left - 1) {
		int slot = __builtin_ctzll(left); /* the longest prefix length left */
		uint32_t lo = t->first[slot], hi = t->first[slot + 1];
		uint32_t key = dst & route_mask((uint8_t)(32 - slot));
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			uint32_t p = t->entries[mid].prefix;
			if (p == key)
				return &t->entries[mid];
			if (p < key)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return NULL;
}
