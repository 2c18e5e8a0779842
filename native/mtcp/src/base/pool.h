/* pool.h - fixed-size object pools and a bump arena for start-up allocations.
 *
 * Arena (arena_*)
 *   One block of memory obtained once (malloc in arena_init, or memory the caller owns such
 *   as hugepages in arena_init_buffer) and handed out in aligned, zeroed pieces by bumping
 *   an offset. Nothing is freed individually; arena_fini releases the block. Exhaustion
 *   returns NULL (the configuration asked for more than was reserved: a clean error).
 *   arena_alloc is O(size) (zeroing), everything else O(1).
 *
 * Pool (pool_*)
 *   `capacity` objects of one size, allocated at pool_init in a single piece (from an arena,
 *   or one posix_memalign when no arena is given) and never grown. pool_get / pool_put are
 *   O(1): a LIFO stack of free indices (recently freed, cache-warm objects are reused
 *   first; a fresh pool hands out index 0, 1, 2... in order). Exhaustion returns NULL and
 *   counts a failure in pool_get_failures(); the caller counts its own drop reason.
 *   Objects come back uninitialised (the caller initialises them).
 *   Every object has an index in [0, capacity) (pool_index_of / pool_at) for compact
 *   handles such as socket ids.
 *   Misuse is a programming error and stops the process by assertion: putting a pointer
 *   that is not an object of this pool, putting a free object (double free), or, with
 *   `poison` on, finding a free object modified when it is handed out again
 *   (write after free). In ASan builds free objects are also poisoned for ASan, so any
 *   access to a free object is reported where it happens.
 *   Metadata: 4 bytes + 1 bit per object beside the objects (never inside them).
 *
 * Memory handed to a pool from an arena_init_buffer block must not be reused for anything
 * else before pool_fini (ASan builds mark free objects inaccessible until then).
 *
 * Thread-safety: none. A pool and an arena belong to one context (one core); objects may be
 * handed to another thread but must come back to be put by the owner.
 */
#ifndef MOS_BASE_POOL_H
#define MOS_BASE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/assert.h"

struct arena {
	unsigned char *base;
	size_t size_bytes;
	size_t used_bytes;
	void *owned; /* the malloc'd block to free in arena_fini, NULL for caller memory */
};

/* Reserves size_bytes with one allocation (aligned to 64 bytes). False if it fails. */
bool arena_init(struct arena *a, size_t size_bytes);
/* Uses caller memory [buf, buf + size_bytes); the caller keeps ownership of it. */
void arena_init_buffer(struct arena *a, void *buf, size_t size_bytes);
/* size_bytes of zeroed memory aligned to `align` (a power of two), or NULL when the arena
 * does not have that much left. size_bytes 0 returns a valid unique-enough pointer. */
void *arena_alloc(struct arena *a, size_t size_bytes, size_t align);
size_t arena_remaining(const struct arena *a);
/* Frees the block if arena_init allocated it; pointers handed out become invalid. */
void arena_fini(struct arena *a);

#define POOL_CAPACITY_MAX (UINT32_C(1) << 31)
#define POOL_POISON_FREE 0x6b   /* byte pattern of a free object (poison on) */
#define POOL_POISON_UNINIT 0xa5 /* pattern of an object just handed out (poison on) */

struct pool_config {
	const char *name;  /* shown in assertion messages; may be NULL */
	size_t obj_size;   /* > 0 */
	size_t obj_align;  /* power of two <= 4096; 0 means alignof(max_align_t) */
	uint32_t capacity; /* 1 .. POOL_CAPACITY_MAX */
	bool poison;       /* fill free objects with a pattern and verify it on pool_get */
};

enum pool_status {
	POOL_OK = 0,
	POOL_EINVAL, /* configuration out of range (size 0, capacity 0 or too big, bad align) */
	POOL_ENOMEM, /* the arena or malloc could not provide the memory */
};

struct pool {
	unsigned char *objs;
	uint64_t *live;     /* bit i set: object i is handed out */
	uint32_t *free_idx; /* stack of free indices, top at free_count - 1 */
	void *owned;        /* block to free in pool_fini (NULL when from an arena) */
	const char *name;
	size_t obj_size;
	size_t stride_bytes;  /* obj_size rounded up to the alignment */
	uint8_t stride_shift; /* log2(stride_bytes) when a power of two (>= 3), else 0 */
	uint32_t capacity;
	uint32_t free_count;
	uint64_t get_failures;
	bool poison;
};

/* Bytes pool_init takes from an arena for cfg, alignment slack included (sum these to size
 * an arena); 0 if cfg is invalid. */
size_t pool_memory_bytes(const struct pool_config *cfg);
/* Sets up p with all cfg->capacity objects free. arena NULL: one posix_memalign. */
enum pool_status pool_init(struct pool *p, const struct pool_config *cfg, struct arena *arena);
/* Releases memory pool_init allocated (not arena memory). Objects become invalid. */
void pool_fini(struct pool *p);

/* The complete pool_get / pool_put (poison, ASan, exhaustion). Call pool_get / pool_put;
 * these are their out-of-line bodies. */
void *pool_get_full(struct pool *p);
void pool_put_full(struct pool *p, void *obj);

#if defined(__SANITIZE_ADDRESS__)
#define POOL_INLINE_FAST 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_INLINE_FAST 0
#endif
#endif
#ifndef POOL_INLINE_FAST
#define POOL_INLINE_FAST 1
#endif

/* pool_get()'s inline step: pops a free index and marks it live, with pool_get_full()'s
 * assertion. Only for a pool with a free object and no poisoning, outside ASan builds. */
static inline uint32_t pool_take_index(struct pool *p)
{
	uint32_t index = p->free_idx[--p->free_count];
	MOS_ASSERT_MSG(index < p->capacity && !((p->live[index / 64] >> (index % 64)) & 1),
		       "pool %s: free list corrupt at index %u", p->name, index);
	p->live[index / 64] |= UINT64_C(1) << (index % 64);
	return index;
}

/* A free object, or NULL when all capacity objects are in use. O(1). Inline for the
 * common case (objects free, no poisoning, no ASan): the same steps and assertion as
 * pool_get_full(). */
static inline void *pool_get(struct pool *p)
{
	if (POOL_INLINE_FAST && MOS_LIKELY(p->free_count != 0 && !p->poison))
		return p->objs + (size_t)pool_take_index(p) * p->stride_bytes;
	return pool_get_full(p);
}

uint32_t pool_index_of(const struct pool *p, const void *obj);

/* pool_get() returning the object's index instead (pool_at() gives the object), or
 * UINT32_MAX when all capacity objects are in use. */
static inline uint32_t pool_get_index(struct pool *p)
{
	if (POOL_INLINE_FAST && MOS_LIKELY(p->free_count != 0 && !p->poison))
		return pool_take_index(p);
	void *obj = pool_get_full(p);
	return obj != NULL ? pool_index_of(p, obj) : UINT32_MAX;
}

/* Returns obj (from pool_get of this pool, not yet put) to the pool. O(1). Inline for
 * a pool without poisoning outside ASan builds, with pool_put_full()'s assertions. */
static inline void pool_put(struct pool *p, void *obj)
{
	if (!POOL_INLINE_FAST || p->poison || p->stride_shift == 0) {
		pool_put_full(p, obj);
		return;
	}
	uintptr_t off = (uintptr_t)obj - (uintptr_t)p->objs;
	uintptr_t index = off >> p->stride_shift;
	MOS_ASSERT_MSG((uintptr_t)obj >= (uintptr_t)p->objs && index < p->capacity &&
			       (off & (p->stride_bytes - 1)) == 0,
		       "pool %s: %p is not one of its objects", p->name, obj);
	MOS_ASSERT_MSG((p->live[index / 64] >> (index % 64)) & 1,
		       "pool %s: double free of object %u", p->name, (uint32_t)index);
	MOS_ASSERT(p->free_count < p->capacity);
	p->live[index / 64] &= ~(UINT64_C(1) << (index % 64));
	p->free_idx[p->free_count++] = (uint32_t)index;
}

void *pool_at(const struct pool *p, uint32_t index);

/* pool_put() of the object at `index`, with pool_put_full()'s checks on an index
 * (< capacity, handed out, not put twice). */
static inline void pool_put_index(struct pool *p, uint32_t index)
{
	if (!POOL_INLINE_FAST || p->poison) {
		pool_put_full(p, pool_at(p, index));
		return;
	}
	MOS_ASSERT_MSG(index < p->capacity, "pool %s: index %u >= capacity %u", p->name, index,
		       p->capacity);
	MOS_ASSERT_MSG((p->live[index / 64] >> (index % 64)) & 1,
		       "pool %s: double free of object %u", p->name, index);
	MOS_ASSERT(p->free_count < p->capacity);
	p->live[index / 64] &= ~(UINT64_C(1) << (index % 64));
	p->free_idx[p->free_count++] = index;
}

/* obj points at the start of one of the pool's objects (free or not). */
bool pool_owns(const struct pool *p, const void *obj);
/* Index of an owned object, and the object at an index < capacity. */
uint32_t pool_index_of(const struct pool *p, const void *obj);
void *pool_at(const struct pool *p, uint32_t index);
/* The object at index is handed out. */
bool pool_is_live(const struct pool *p, uint32_t index);

static inline uint32_t pool_capacity(const struct pool *p)
{
	return p->capacity;
}

static inline uint32_t pool_available(const struct pool *p)
{
	return p->free_count;
}

static inline uint32_t pool_in_use(const struct pool *p)
{
	return p->capacity - p->free_count;
}

/* pool_get calls that returned NULL since pool_init. */
static inline uint64_t pool_get_failures(const struct pool *p)
{
	return p->get_failures;
}

#endif /* MOS_BASE_POOL_H */
