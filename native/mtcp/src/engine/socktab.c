/* socktab.c - one context's socket id space (see socktab.h). */
#include <errno.h>
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
	t->slots = calloc(capacity, sizeof *t->slots);
	if (t->slots == NULL)
		return -ENOMEM;
	t->capacity = capacity;
	atomic_flag_clear(&t->lock);
	return 0;
}

void socktab_fini(struct socktab *t)
{
	free(t->slots);
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

int socktab_alloc(struct socktab *t, int kind, void *obj)
{
	MOS_ASSERT(kind != MOS_SOCK_UNUSED);
	int id = -ENFILE;
	socktab_lock(t);
	for (uint32_t i = t->lowest_free; i < t->capacity; i++) {
		struct socktab_slot *s = &t->slots[i];
		if (atomic_load_explicit(&s->kind, memory_order_relaxed) != MOS_SOCK_UNUSED)
			continue;
		atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
		atomic_store_explicit(&s->kind, kind, memory_order_release);
		t->used++;
		t->lowest_free = i + 1;
		id = (int)i;
		break;
	}
	if (id < 0)
		t->lowest_free = t->capacity;
	socktab_unlock(t);
	return id;
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
	if ((uint32_t)id < t->lowest_free)
		t->lowest_free = (uint32_t)id;
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
