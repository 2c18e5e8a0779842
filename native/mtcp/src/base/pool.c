/* pool.c - bump arena and fixed-size object pools (contract in pool.h).
 *
 * Layout of a pool's single block: objects (capacity * stride), then the live bitmap
 * (uint64_t words), then the free-index stack (uint32_t). Metadata sits outside the
 * objects so poisoning and ASan shadowing cover whole objects.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/pool.h"

#if defined(__SANITIZE_ADDRESS__)
#define POOL_WITH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_WITH_ASAN 1
#endif
#endif

#ifdef POOL_WITH_ASAN
#include <sanitizer/asan_interface.h>
#define POOL_ASAN_HIDE(ptr, len) __asan_poison_memory_region((ptr), (len))
#define POOL_ASAN_SHOW(ptr, len) __asan_unpoison_memory_region((ptr), (len))
#else
#define POOL_ASAN_HIDE(ptr, len) ((void)(ptr), (void)(len))
#define POOL_ASAN_SHOW(ptr, len) ((void)(ptr), (void)(len))
#endif

#define POOL_BLOCK_ALIGN 64 /* cache line: pools never share a line with other data */

static bool pool_is_pow2(size_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* x rounded up to a multiple of the power of two `align`; false on overflow. */
static bool pool_round_up(size_t x, size_t align, size_t *out)
{
	if (x > SIZE_MAX - (align - 1))
		return false;
	*out = (x + align - 1) & ~(align - 1);
	return true;
}

/* --- Arena ------------------------------------------------------------------------- */

bool arena_init(struct arena *a, size_t size_bytes)
{
	void *block = NULL;
	size_t rounded;

	MOS_ASSERT(a != NULL);
	*a = (struct arena){NULL, 0, 0, NULL};
	if (!pool_round_up(size_bytes == 0 ? 1 : size_bytes, POOL_BLOCK_ALIGN, &rounded))
		return false;
	if (posix_memalign(&block, POOL_BLOCK_ALIGN, rounded) != 0)
		return false;
	a->base = block;
	a->size_bytes = size_bytes;
	a->owned = block;
	return true;
}

void arena_init_buffer(struct arena *a, void *buf, size_t size_bytes)
{
	MOS_ASSERT(a != NULL);
	MOS_ASSERT(buf != NULL || size_bytes == 0);
	*a = (struct arena){buf, size_bytes, 0, NULL};
}

void *arena_alloc(struct arena *a, size_t size_bytes, size_t align)
{
	uintptr_t start = (uintptr_t)a->base + a->used_bytes;
	size_t pad;
	unsigned char *out;

	MOS_ASSERT_MSG(pool_is_pow2(align), "alignment %zu is not a power of two", align);
	MOS_ASSERT(a->used_bytes <= a->size_bytes);
	pad = (size_t)(-start & (uintptr_t)(align - 1));
	if (pad > a->size_bytes - a->used_bytes ||
	    size_bytes > a->size_bytes - a->used_bytes - pad)
		return NULL;
	out = a->base + a->used_bytes + pad;
	a->used_bytes += pad + size_bytes;
	memset(out, 0, size_bytes);
	MOS_ASSERT(((uintptr_t)out & (align - 1)) == 0);
	return out;
}

size_t arena_remaining(const struct arena *a)
{
	return a->size_bytes - a->used_bytes;
}

void arena_fini(struct arena *a)
{
	free(a->owned);
	*a = (struct arena){NULL, 0, 0, NULL};
}

/* --- Pool -------------------------------------------------------------------------- */

struct pool_layout {
	size_t align;
	size_t stride;
	size_t live_off;
	size_t free_off;
	size_t total; /* bytes from the aligned start */
};

static bool pool_plan(const struct pool_config *cfg, struct pool_layout *l)
{
	size_t cap, words, objs_bytes;

	l->align = cfg->obj_align ? cfg->obj_align : alignof(max_align_t);
	if (cfg->obj_size == 0 || cfg->capacity == 0 || cfg->capacity > POOL_CAPACITY_MAX ||
	    !pool_is_pow2(l->align) || l->align > 4096)
		return false;
	if (l->align < alignof(uint64_t))
		l->align = alignof(uint64_t);
	if (!pool_round_up(cfg->obj_size, l->align, &l->stride))
		return false;
	cap = cfg->capacity;
	if (l->stride > SIZE_MAX / cap)
		return false;
	objs_bytes = l->stride * cap;
	words = (cap + 63) / 64;
	l->live_off = objs_bytes; /* a multiple of align >= 8 */
	if (objs_bytes > SIZE_MAX - words * 8 - cap * 4 - l->align)
		return false;
	l->free_off = l->live_off + words * 8;
	l->total = l->free_off + cap * 4;
	return true;
}

size_t pool_memory_bytes(const struct pool_config *cfg)
{
	struct pool_layout l;

	if (!pool_plan(cfg, &l))
		return 0;
	return l.total + l.align - 1;
}

static unsigned char *pool_obj(const struct pool *p, uint32_t index)
{
	return p->objs + (size_t)index * p->stride_bytes;
}

enum pool_status pool_init(struct pool *p, const struct pool_config *cfg, struct arena *arena)
{
	struct pool_layout l;
	unsigned char *block = NULL;
	void *owned = NULL;

	MOS_ASSERT(p != NULL && cfg != NULL);
	memset(p, 0, sizeof *p);
	if (!pool_plan(cfg, &l))
		return POOL_EINVAL;
	if (arena != NULL) {
		block = arena_alloc(arena, l.total, l.align);
	} else {
		size_t align = l.align < POOL_BLOCK_ALIGN ? POOL_BLOCK_ALIGN : l.align;
		if (posix_memalign(&owned, align, l.total) == 0)
			block = owned;
	}
	if (block == NULL)
		return POOL_ENOMEM;
	p->objs = block;
	p->live = (uint64_t *)(void *)(block + l.live_off);
	p->free_idx = (uint32_t *)(void *)(block + l.free_off);
	p->owned = owned;
	p->name = cfg->name ? cfg->name : "(unnamed pool)";
	p->obj_size = cfg->obj_size;
	p->stride_bytes = l.stride;
	p->stride_shift = pool_is_pow2(l.stride) ? (uint8_t)__builtin_ctzll(l.stride) : 0;
	p->capacity = cfg->capacity;
	p->free_count = cfg->capacity;
	p->poison = cfg->poison;
	memset(p->live, 0, l.free_off - l.live_off);
	/* Stack top is the last element: push in reverse so gets hand out 0, 1, 2, ... */
	for (uint32_t i = 0; i < p->capacity; i++)
		p->free_idx[i] = p->capacity - 1 - i;
	if (p->poison)
		memset(p->objs, POOL_POISON_FREE, l.live_off);
	POOL_ASAN_HIDE(p->objs, l.live_off);
	return POOL_OK;
}

void pool_fini(struct pool *p)
{
	if (p->objs != NULL)
		POOL_ASAN_SHOW(p->objs, (size_t)p->capacity * p->stride_bytes);
	free(p->owned);
	memset(p, 0, sizeof *p);
}

static bool pool_live_bit(const struct pool *p, uint32_t index)
{
	return (p->live[index / 64] >> (index % 64)) & 1;
}

static void pool_set_live(struct pool *p, uint32_t index, bool live)
{
	uint64_t bit = UINT64_C(1) << (index % 64);

	if (live)
		p->live[index / 64] |= bit;
	else
		p->live[index / 64] &= ~bit;
}

/* Aborts if a free object's poison pattern was overwritten while it was free. */
static void pool_check_poison(const struct pool *p, const unsigned char *obj)
{
	for (size_t i = 0; i < p->obj_size; i++)
		MOS_ASSERT_MSG(obj[i] == POOL_POISON_FREE,
			       "pool %s: object %u written after free (byte %zu is 0x%02x)",
			       p->name, pool_index_of(p, obj), i, obj[i]);
}

void *pool_get_full(struct pool *p)
{
	uint32_t index;
	unsigned char *obj;

	if (MOS_UNLIKELY(p->free_count == 0)) {
		p->get_failures++;
		return NULL;
	}
	index = p->free_idx[--p->free_count];
	MOS_ASSERT_MSG(index < p->capacity && !pool_live_bit(p, index),
		       "pool %s: free list corrupt at index %u", p->name, index);
	pool_set_live(p, index, true);
	obj = pool_obj(p, index);
	POOL_ASAN_SHOW(obj, p->stride_bytes);
	if (p->poison) {
		pool_check_poison(p, obj);
		memset(obj, POOL_POISON_UNINIT, p->obj_size);
	}
	return obj;
}

void pool_put_full(struct pool *p, void *obj)
{
	/* One division (pool_owns() and pool_index_of() would make three). */
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p->objs;
	uintptr_t index = off / p->stride_bytes;

	MOS_ASSERT_MSG((uintptr_t)obj >= (uintptr_t)p->objs && index < p->capacity &&
			       index * p->stride_bytes == off,
		       "pool %s: %p is not one of its objects", p->name, obj);
	MOS_ASSERT_MSG(pool_live_bit(p, (uint32_t)index), "pool %s: double free of object %u",
		       p->name, (uint32_t)index);
	MOS_ASSERT(p->free_count < p->capacity);
	pool_set_live(p, (uint32_t)index, false);
	if (p->poison)
		memset(obj, POOL_POISON_FREE, p->obj_size);
	POOL_ASAN_HIDE(obj, p->stride_bytes);
	p->free_idx[p->free_count++] = (uint32_t)index;
}

bool pool_owns(const struct pool *p, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p->objs;

	return (uintptr_t)obj >= (uintptr_t)p->objs &&
	       off < (uintptr_t)p->capacity * p->stride_bytes && off % p->stride_bytes == 0;
}

uint32_t pool_index_of(const struct pool *p, const void *obj)
{
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p->objs;
	uintptr_t index = off / p->stride_bytes;

	MOS_ASSERT((uintptr_t)obj >= (uintptr_t)p->objs && index < p->capacity &&
		   index * p->stride_bytes == off);
	return (uint32_t)index;
}

void *pool_at(const struct pool *p, uint32_t index)
{
	MOS_ASSERT_MSG(index < p->capacity, "pool %s: index %u >= capacity %u", p->name, index,
		       p->capacity);
	return pool_obj(p, index);
}

bool pool_is_live(const struct pool *p, uint32_t index)
{
	MOS_ASSERT(index < p->capacity);
	return pool_live_bit(p, index);
}

#undef POOL_WITH_ASAN
#undef POOL_ASAN_HIDE
#undef POOL_ASAN_SHOW
#undef POOL_BLOCK_ALIGN
