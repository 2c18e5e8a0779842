/* counters.h - fixed-size blocks of uint64_t counters with names from an X-macro list.
 *
 * Generic: this header knows no counter; a module lists its own. Example:
 *
 *   #define ENG_COUNTERS(X, tag)                                   \
 *           X(tag, rx_packets, "frames received")                  \
 *           X(tag, drop_short, "frames shorter than their headers")
 *   MOS_CTR_DECLARE(eng_ctr, ENG_COUNTERS);
 *       -> enum eng_ctr_id { eng_ctr_rx_packets, eng_ctr_drop_short, eng_ctr_COUNT };
 *          struct eng_ctr { _Atomic uint64_t v[eng_ctr_COUNT]; ...padding };
 *   static const char *const eng_ctr_names[] = MOS_CTR_NAMES(ENG_COUNTERS, eng_ctr);
 *   static const char *const eng_ctr_descs[] = MOS_CTR_DESCS(ENG_COUNTERS, eng_ctr);
 *   MOS_CTR_INC(&core->ctr, eng_ctr_rx_packets);
 *
 * Concurrency (by design, no locks and no read-modify-write instructions)
 *   - One writer per block: the thread that owns the core's context. ctr_add is a relaxed
 *     load and a relaxed store, not an atomic add; two writers on one block lose counts.
 *   - Any thread may read with ctr_load / ctr_snapshot at any time and sees a value the
 *     counter really had (never torn: 64-bit atomics are lock-free, asserted below), but
 *     possibly stale, and different counters of one snapshot are not mutually consistent.
 *   On x86-64 and AArch64 the relaxed accesses compile to plain loads and stores.
 *   A block ends with 64 bytes of padding so that per-core blocks placed in an array never
 *   share a cache line.
 *
 * Complexity: O(1) per counter update or read, O(n) per snapshot.
 */
#ifndef MOS_BASE_COUNTERS_H
#define MOS_BASE_COUNTERS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/assert.h"

MOS_STATIC_ASSERT(ATOMIC_LLONG_LOCK_FREE == 2, "counters need lock-free 64-bit atomics");

#define MOS_CTR_ID_(tag, name, desc) tag##_##name,
#define MOS_CTR_NAME_(tag, name, desc) #name,
#define MOS_CTR_DESC_(tag, name, desc) desc,

/* enum tag_id { tag_<name>..., tag_COUNT } and struct tag holding one counter per name. */
/* clang-format off */
#define MOS_CTR_DECLARE(tag, LIST)                                                             \
	enum tag##_id { LIST(MOS_CTR_ID_, tag) tag##_COUNT };                                  \
	struct tag {                                                                           \
		_Atomic uint64_t v[tag##_COUNT];                                               \
		char pad_[64];                                                                 \
	}
/* clang-format on */

/* Initialisers of tables indexed by the enum: names (the identifiers) and descriptions. */
#define MOS_CTR_NAMES(LIST, tag)                                                               \
	{                                                                                      \
		LIST(MOS_CTR_NAME_, tag)                                                       \
	}
#define MOS_CTR_DESCS(LIST, tag)                                                               \
	{                                                                                      \
		LIST(MOS_CTR_DESC_, tag)                                                       \
	}

/* Writer side (the block's owner thread only). */
static inline void ctr_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void ctr_inc(_Atomic uint64_t *c)
{
	ctr_add(c, 1);
}

/* Writer side: sets a counter (reset at init, or gauges such as "flows in use"). */
static inline void ctr_set(_Atomic uint64_t *c, uint64_t value)
{
	atomic_store_explicit(c, value, memory_order_relaxed);
}

/* Any thread. */
static inline uint64_t ctr_load(const _Atomic uint64_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

/* Any thread: copies n counters into out. */
static inline void ctr_snapshot(const _Atomic uint64_t *v, uint64_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = ctr_load(&v[i]);
}

/* Any thread: adds n counters into acc (summing per-core blocks). */
static inline void ctr_accumulate(uint64_t *acc, const _Atomic uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		acc[i] += ctr_load(&v[i]);
}

#define MOS_CTR_ADD(blk, id, n)                                                                \
	do {                                                                                   \
		MOS_ASSERT((size_t)(id) < MOS_ARRAY_LEN((blk)->v));                            \
		ctr_add(&(blk)->v[(id)], (n));                                                 \
	} while (0)
#define MOS_CTR_INC(blk, id) MOS_CTR_ADD(blk, id, 1)

#endif /* MOS_BASE_COUNTERS_H */
