/* socktab.c - one context's socket id space (see socktab.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/socktab.h"
#include "mtcp_api.h"

int socktab_init(struct socktab *t, uint32_t capacity)
{
	memset(t, 0, sizeof *t);
	if (capacity == 0 || capacity > (1u << 26))
		return -EINVAL;
	uint32_t words = (capacity + 63) / 64;
	t->sum_words = (words + 63) / 64;
	t->slots = calloc(capacity, sizeof *t->slots);
	t->free_bits = calloc(words, sizeof *t->free_bits);
	t->free_sum = calloc(t->sum_words, sizeof *t->free_sum);
	if (t->slots == NULL || t->free_bits == NULL || t->free_sum == NULL) {
		socktab_fini(t);
		return -ENOMEM;
	}
	/* Every id free; the bits past capacity stay 0 so they are never handed out. */
	memset(t->free_bits, 0xff, (size_t)words * sizeof *t->free_bits);
	if (capacity % 64 != 0)
		t->free_bits[words - 1] = (UINT64_C(1) << (capacity % 64)) - 1;
	for (uint32_t w = 0; w < words; w++)
		t->free_sum[w / 64] |= UINT64_C(1) << (w % 64);
	t->capacity = capacity;
	atomic_flag_clear(&t->lock);
	return 0;
}

void socktab_fini(struct socktab *t)
{
	free(t->slots);
	free(t->free_bits);
	free(t->free_sum);
	memset(t, 0, sizeof *t);
}

static void socktab_lock(struct socktab *t)
{
	while (atomic_flag_test_and_set_explicit(&t->lock, memory_order_acquire))
		;
}

static void socktab_unlock(struct socktab *t)
{
	atomic_flag_clear_explicit(&t->lock, memory_order_release);
}

/* The lowest free id, or -1 (caller holds the lock). */
static int socktab_lowest_free(const struct socktab *t)
{
	for (uint32_t s = 0; s < t->sum_words; s++) {
		if (t->free_sum[s] == 0)
			continue;
		uint32_t w = s * 64 + (uint32_t)__builtin_ctzll(t->free_sum[s]);
		MOS_ASSERT(t->free_bits[w] != 0);
		return (int)(w * 64 + (uint32_t)__builtin_ctzll(t->free_bits[w]));
	}
	return -1;
}

static void socktab_mark(struct socktab *t, uint32_t id, bool free_now)
{
	uint32_t w = id / 64;
	if (free_now)
		t->free_bits[w] |= UINT64_C(1) << (id % 64);
	else
		t->free_bits[w] &= ~(UINT64_C(1) << (id % 64));
	if (t->free_bits[w] != 0)
		t->free_sum[w / 64] |= UINT64_C(1) << (w % 64);
	else
		t->free_sum[w / 64] &= ~(UINT64_C(1) << (w % 64));
}

int socktab_alloc(struct socktab *t, int kind, void *obj)
{
	MOS_ASSERT(kind != MOS_SOCK_UNUSED);
	socktab_lock(t);
	int id = socktab_lowest_free(t);
	if (id >= 0) {
		struct socktab_slot *s = &t->slots[id];
		MOS_ASSERT(atomic_load_explicit(&s->kind, memory_order_relaxed) ==
			   MOS_SOCK_UNUSED);
		atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
		atomic_store_explicit(&s->kind, kind, memory_order_release);
		socktab_mark(t, (uint32_t)id, false);
		t->used++;
	}
	socktab_unlock(t);
	return id >= 0 ? id : -ENFILE;
}

void socktab_set_kind(struct socktab *t, int id, int kind)
{
	MOS_ASSERT(id >= 0 && (uint32_t)id < t->capacity && kind != MOS_SOCK_UNUSED);
	atomic_store_explicit(&t->slots[id].kind, kind, memory_order_release);
}

void socktab_set(struct socktab *t, int id, int kind, void *obj)
{
	MOS_ASSERT(id >= 0 && (uint32_t)id < t->capacity && kind != MOS_SOCK_UNUSED);
	atomic_store_explicit(&t->slots[id].obj, obj, memory_order_relaxed);
	atomic_store_explicit(&t->slots[id].kind, kind, memory_order_release);
}

void socktab_free(struct socktab *t, int id)
{
	MOS_ASSERT(id >= 0 && (uint32_t)id < t->capacity);
	socktab_lock(t);
	struct socktab_slot *s = &t->slots[id];
	MOS_ASSERT(atomic_load_explicit(&s->kind, memory_order_relaxed) != MOS_SOCK_UNUSED);
	atomic_store_explicit(&s->kind, MOS_SOCK_UNUSED, memory_order_release);
	atomic_store_explicit(&s->obj, NULL, memory_order_relaxed);
	t->used--;
	socktab_mark(t, (uint32_t)id, true);
	socktab_unlock(t);
}

int socktab_get(const struct socktab *t, int id, void **obj)
{
	if (id < 0 || (uint32_t)id >= t->capacity)
		return MOS_SOCK_UNUSED;
	const struct socktab_slot *s = &t->slots[id];
	int kind = atomic_load_explicit(&s->kind, memory_order_acquire);
	if (obj != NULL)
		*obj = atomic_load_explicit(&s->obj, memory_order_relaxed);
	return kind;
}
