/* rbuf.h - reassembly buffer of one direction of a TCP byte stream, shared by the end host
 * (out-of-order receive data) and the monitor (each direction's full reassembly store).
 *
 * Addressing
 *   Bytes are named by 64-bit logical offsets: 0 is the first payload byte after the SYN.
 *   Callers map sequence numbers to offsets; this file never sees a sequence number.
 *   No byte at or above RBUF_OFFSET_LIMIT (2^62) is ever stored: writes there count as
 *   `beyond` and reads return 0, whatever the offset (packet-derived values are safe).
 *   Heads stay at or below RBUF_HEAD_MAX = RBUF_OFFSET_LIMIT - RBUF_CAPACITY_MAX, so the
 *   window never crosses the limit; a start offset or release target above it is a
 *   programming error (asserted) - no real stream gets near 4 EiB.
 *
 * Model
 *   A buffer stores bytes only inside its window [head, head + capacity). `head` is the
 *   oldest offset still available: everything before it is gone for good. Stored bytes
 *   form a sorted list of disjoint, non-adjacent fragments [start, end) (holes between
 *   them are out-of-order gaps), at most RBUF_MAX_FRAGS of them. `contig_end` is the end
 *   of the fragment that starts at head (= head when head is a hole): the in-order data.
 *   `tail` is the end of the last fragment (= head when nothing is stored).
 *   Capacity is in bytes, rounded up to a multiple of RBUF_SEG_BYTES, at most
 *   RBUF_CAPACITY_MAX; capacity 0 disables the buffer (nothing is stored, every write
 *   reports its bytes as not stored; head still moves with rbuf_release).
 *
 * Writes (rbuf_write)
 *   The part of [off, off + len) inside the window is processed; bytes before head are
 *   counted `old`, bytes at or past head + capacity `beyond` (neither is touched). Inside
 *   the window, bytes in holes are stored (`stored`); bytes already stored are compared
 *   (`overlap`, `overlap_differs` when any differs) and, with MOS_OVERLAP_POLICY_LAST,
 *   overwritten; MOS_OVERLAP_POLICY_FIRST keeps the stored copy.
 *   A write is all or nothing inside the window: when it would create fragment
 *   RBUF_MAX_FRAGS + 1 (RBUF_TOO_MANY_FRAGS) or the segment pool cannot supply what it
 *   needs (RBUF_NOMEM), nothing changes, its in-window bytes are counted `dropped`, no
 *   overlap is compared, and the pool counts the event. Always
 *   stored + overlap + old + beyond + dropped == len.
 *
 * Memory
 *   A per-core struct rbuf_pool holds fixed RBUF_SEG_BYTES (1 KiB) segments, created once
 *   (base/pool.h: O(1) get/put, no malloc after start-up). Buffers take segments lazily as
 *   bytes arrive and return them as soon as no stored byte uses them (release, resize,
 *   fini). Segment slots: the window maps circularly onto nslots = capacity / 1024 slots,
 *   byte x living in slot ((x / 1024) - (head / 1024) + head_slot) mod nslots at position
 *   x % 1024. When head is not 1 KiB-aligned the window touches nslots + 1 logical
 *   segments; the first and the last share one physical segment (their byte positions are
 *   disjoint), so a buffer never holds more than nslots data segments: exactly
 *   capacity bytes of storage when full.
 *   The slot map (uint32_t per slot: segment index + 1, 0 = none) is inline for
 *   capacities up to RBUF_INLINE_SLOTS KiB (the 8 KiB default), else one map block from
 *   the pool's map pool (each block addresses rbuf_pool_config.map_capacity_bytes).
 *   The fragment list is inline while there is at most one fragment; a second fragment
 *   (out-of-order data) borrows one segment from the segment pool as the fragment table,
 *   returned when the list is back to one fragment.
 *   Per-connection cost: sizeof(struct rbuf) = 96 bytes; + 4 * map slots bytes from the
 *   map pool when capacity > 8 KiB; + the data segments (<= capacity / 1024, only for
 *   bytes actually held); + one segment while out-of-order holes exist.
 *   Pool sizing: segments = buffers * (capacity / 1024) covers every buffer full and in
 *   order; add one segment per buffer that may hold holes at the same time.
 *
 * Cost
 *   Fast path of rbuf_write: in order, appending at the tail of the single fragment (or at
 *   head of an empty buffer), inside the window, with at least as many free segments in
 *   the pool as the bytes touch (so taking one cannot fail). It is a few compares, the
 *   fragment and info update, then per 1 KiB segment touched one map lookup (plus a
 *   pool_get the first time) and one libc memcpy; a 1448-byte payload touches 2 or 3.
 *   Measured with callgrind (gcc -O2, x86-64): about 145 instructions per 1448-byte
 *   append besides memcpy itself (about 75 fixed, about 22 per segment). Everything else
 *   (holes, overlaps, clipping, a nearly empty pool) takes the general path: binary
 *   search over <= 32 fragments, compare/copy per segment.
 *   rbuf_release: about 130 instructions for a one-packet step (two slot checks plus a
 *   pool_put per segment freed); O(segments crossed) in general.
 *   rbuf_resize: O(slots). rbuf_read / rbuf_spans: binary search plus per-segment copy.
 *
 * A struct rbuf holds no pointer to itself: it may be moved with memcpy. Both a buffer
 * and its pool belong to one context (one core); there is no locking.
 */
#ifndef MOS_TCP_RBUF_H
#define MOS_TCP_RBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/pool.h"
#include "mos_api.h"

#define RBUF_SEG_SHIFT 10
#define RBUF_SEG_BYTES (UINT32_C(1) << RBUF_SEG_SHIFT) /* 1024 */
#define RBUF_MAX_FRAGS 32                              /* fragments per buffer */
#define RBUF_INLINE_SLOTS 8                            /* map slots kept inline (8 KiB) */
#define RBUF_CAPACITY_MAX (UINT32_C(1) << 30)          /* 1 GiB, as rmem_size's maximum */
#define RBUF_OFFSET_LIMIT (UINT64_C(1) << 62)
#define RBUF_HEAD_MAX (RBUF_OFFSET_LIMIT - RBUF_CAPACITY_MAX)

enum rbuf_status {
	RBUF_OK = 0,         /* every byte was inside the window and processed */
	RBUF_PARTIAL,        /* some bytes were before head or beyond the window (not stored) */
	RBUF_NOMEM,          /* the pool had no segment / map block: nothing changed */
	RBUF_TOO_MANY_FRAGS, /* the write would exceed RBUF_MAX_FRAGS: nothing changed */
	RBUF_TOO_BIG,        /* capacity above RBUF_CAPACITY_MAX or the pool's map blocks */
	RBUF_INVALID,        /* bad pool configuration */
};

struct rbuf_pool_config {
	uint32_t segments;           /* 1 KiB segments (data and fragment tables), >= 1 */
	uint32_t maps;               /* map blocks for buffers above 8 KiB; may be 0 */
	uint32_t map_capacity_bytes; /* largest capacity one map block addresses (rounded up) */
	bool poison;                 /* base/pool.h poisoning of free segments (tests) */
};

struct rbuf_pool {
	struct pool segs;      /* RBUF_SEG_BYTES objects, stride exactly RBUF_SEG_BYTES */
	struct pool maps;      /* map blocks of map_slots uint32_t; zeroed when maps == 0 */
	uint32_t map_slots;    /* 0 when there is no map pool */
	uint64_t nomem_events; /* writes and resizes refused for lack of memory */
	uint64_t frag_limit_events; /* writes refused by RBUF_MAX_FRAGS */
};

/* One stored range [start, end), start < end. */
struct rbuf_frag {
	uint64_t start;
	uint64_t end;
};

struct rbuf {
	struct rbuf_pool *pool;
	uint32_t *map_block;    /* pooled slot map, NULL while map_inline is used */
	struct rbuf_frag *ftab; /* fragment table (a segment) iff nfrags >= 2, else NULL */
	uint64_t head;
	uint32_t capacity; /* bytes, nslots * RBUF_SEG_BYTES */
	uint32_t nslots;
	uint32_t head_slot; /* slot of the segment holding head (0 when disabled) */
	uint16_t nfrags;
	uint8_t policy; /* MOS_OVERLAP_POLICY_FIRST / _LAST */
	uint8_t pad_;
	struct rbuf_frag frag0; /* the only fragment while nfrags <= 1 */
	uint32_t map_inline[RBUF_INLINE_SLOTS];
};

/* What one rbuf_write did with its bytes (the five counts add up to len). */
struct rbuf_write_info {
	uint32_t stored;      /* bytes newly stored (filled holes) */
	uint32_t overlap;     /* in-window bytes that were already stored */
	uint32_t old;         /* bytes before head */
	uint32_t beyond;      /* bytes at or past head + capacity */
	uint32_t dropped;     /* in-window bytes refused (RBUF_NOMEM / RBUF_TOO_MANY_FRAGS) */
	bool overlap_differs; /* some overlapping byte differed from the stored one */
	enum rbuf_status status; /* the value rbuf_write returned */
};

/* A contiguous piece of stored bytes in segment memory (valid until the next write,
 * release, resize or fini of the buffer). */
struct rbuf_span {
	const uint8_t *data;
	uint32_t len;
};

/* --- Pool ------------------------------------------------------------------------- */

/* Bytes rbuf_pool_init takes from an arena for cfg; 0 if cfg is invalid. */
size_t rbuf_pool_memory_bytes(const struct rbuf_pool_config *cfg);
/* RBUF_OK, RBUF_INVALID (segments 0, map capacity above RBUF_CAPACITY_MAX or 0 with
 * maps) or RBUF_NOMEM. arena NULL: the pools allocate their own blocks. */
enum rbuf_status rbuf_pool_init(struct rbuf_pool *p, const struct rbuf_pool_config *cfg,
				struct arena *arena);
/* Every buffer must be finished first. */
void rbuf_pool_fini(struct rbuf_pool *p);

static inline uint32_t rbuf_pool_segments_in_use(const struct rbuf_pool *p)
{
	return pool_in_use(&p->segs);
}

static inline uint32_t rbuf_pool_segments_free(const struct rbuf_pool *p)
{
	return pool_available(&p->segs);
}

static inline uint32_t rbuf_pool_maps_in_use(const struct rbuf_pool *p)
{
	return p->map_slots ? pool_in_use(&p->maps) : 0;
}

/* --- Buffer ----------------------------------------------------------------------- */

/* Sets b up with head = start_off and the given capacity (rounded up to 1 KiB; 0 =
 * disabled) and overlap policy. On RBUF_TOO_BIG / RBUF_NOMEM (map block) b is a valid
 * disabled buffer. Nothing else is allocated until bytes arrive. */
enum rbuf_status rbuf_init(struct rbuf *b, struct rbuf_pool *pool, uint32_t capacity,
			   uint8_t policy, uint64_t start_off);
/* Returns every segment and map block to the pool; b becomes a disabled empty buffer
 * (head kept). Safe to call twice. */
void rbuf_fini(struct rbuf *b);

/* Stores the in-window part of [off, off + len) (see "Writes" above); returns
 * info->status. data may be NULL when len is 0. */
enum rbuf_status rbuf_write(struct rbuf *b, uint64_t off, const void *data, uint32_t len,
			    struct rbuf_write_info *info);
/* rbuf_write's most frequent case, inline for small segments: an append at the tail of
 * the single fragment that stays in the segment already holding the tail byte (so no
 * segment is taken and the slot is known to hold one). Returns true when the bytes were
 * stored - exactly what rbuf_write would have done, reporting stored == len - and false,
 * having changed nothing, when rbuf_write is needed. */
static inline bool rbuf_append_in_seg(struct rbuf *b, uint64_t off, const void *data,
				      uint32_t len)
{
	if (len >= RBUF_SEG_BYTES) /* tested first: full-size segments never fit */
		return false;
	uint32_t within = (uint32_t)off & (RBUF_SEG_BYTES - 1);
	/* within != 0: the tail byte off - 1 lies in off's segment, which therefore has a
	 * physical segment in its slot. */
	if (within + len > RBUF_SEG_BYTES || within == 0 || len == 0 || b->nfrags != 1 ||
	    b->frag0.end != off || off + len > b->head + b->capacity)
		return false;
	uint32_t slot = b->head_slot +
			(uint32_t)((off >> RBUF_SEG_SHIFT) - (b->head >> RBUF_SEG_SHIFT));
	slot = slot >= b->nslots ? slot - b->nslots : slot;
	const uint32_t *map = b->map_block != NULL ? b->map_block : b->map_inline;
	uint8_t *seg = b->pool->segs.objs + ((size_t)(map[slot] - 1) << RBUF_SEG_SHIFT);
	memcpy(seg + within, data, len);
	b->frag0.end = off + len;
	return true;
}
/* Moves head forward to new_head (<= RBUF_HEAD_MAX; no-op if not ahead), dropping the
 * stored bytes before it and freeing segments no longer used. Returns how many stored
 * bytes were dropped. */
uint64_t rbuf_release(struct rbuf *b, uint64_t new_head);
/* Copies stored bytes from off up to len or the end of the fragment containing off
 * (never across a hole) into dst; returns the count, 0 if off is not stored. */
size_t rbuf_read(const struct rbuf *b, uint64_t off, void *dst, size_t len);
/* Stored bytes contiguous in memory from off: the same range rbuf_read would copy, as at
 * most max spans (each within one segment, so <= 1 KiB). Returns the spans filled. */
uint32_t rbuf_spans(const struct rbuf *b, uint64_t off, size_t len, struct rbuf_span *out,
		    uint32_t max);
/* Stored bytes from off to the end of its fragment; 0 if off is not stored. */
uint64_t rbuf_avail_at(const struct rbuf *b, uint64_t off);
/* Writes min(count, max) fragments in offset order; returns how many were written. */
uint32_t rbuf_fragments(const struct rbuf *b, struct tcp_ring_fragment *out, uint32_t max);
/* New capacity (rounded up to 1 KiB; 0 disables and frees everything). Shrinking below
 * the stored span moves head forward to tail - capacity, discarding the oldest bytes;
 * *discarded (may be NULL) gets the stored bytes dropped. RBUF_TOO_BIG / RBUF_NOMEM
 * (growing needs a map block or one segment to split a shared slot): b unchanged. */
enum rbuf_status rbuf_resize(struct rbuf *b, uint32_t capacity, uint64_t *discarded);

/* Aborts (MOS_ASSERT) unless every invariant holds: sorted, disjoint, non-adjacent
 * fragments inside the window, the fragment table exactly when >= 2 fragments, a segment
 * in a slot exactly when a stored byte maps to it. O(slots * log fragments): for tests. */
void rbuf_validate(const struct rbuf *b);

/* --- Accessors -------------------------------------------------------------------- */

/* The fragment array (nfrags entries, sorted). */
static inline const struct rbuf_frag *rbuf_frag_array(const struct rbuf *b)
{
	return b->ftab != NULL ? b->ftab : &b->frag0;
}

static inline uint64_t rbuf_head(const struct rbuf *b)
{
	return b->head;
}

static inline uint64_t rbuf_tail(const struct rbuf *b)
{
	return b->nfrags ? rbuf_frag_array(b)[b->nfrags - 1].end : b->head;
}

/* End of the in-order data: the end of the fragment starting at head, or head. */
static inline uint64_t rbuf_contig_end(const struct rbuf *b)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);

	return b->nfrags && f[0].start == b->head ? f[0].end : b->head;
}

static inline uint32_t rbuf_capacity(const struct rbuf *b)
{
	return b->capacity;
}

static inline bool rbuf_enabled(const struct rbuf *b)
{
	return b->capacity != 0;
}

static inline uint32_t rbuf_frag_count(const struct rbuf *b)
{
	return b->nfrags;
}

static inline uint8_t rbuf_policy(const struct rbuf *b)
{
	return b->policy;
}

/* policy < MOS_OVERLAP_CNT (the API layer validates user values). */
void rbuf_set_policy(struct rbuf *b, uint8_t policy);

/* Sum of the fragments' lengths. */
static inline uint64_t rbuf_stored_bytes(const struct rbuf *b)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);
	uint64_t sum = 0;

	for (uint32_t i = 0; i < b->nfrags; i++)
		sum += f[i].end - f[i].start;
	return sum;
}

/* End of the window: nothing at or past it can be stored. */
static inline uint64_t rbuf_window_end(const struct rbuf *b)
{
	return b->head + b->capacity;
}

/* Room after tail before the window end. */
static inline uint64_t rbuf_room(const struct rbuf *b)
{
	return rbuf_window_end(b) - rbuf_tail(b);
}

/* Makes [.., end) fit in the window by releasing the oldest bytes (the monitor's outrun
 * step, after raising ERROR). Returns the stored bytes dropped. */
static inline uint64_t rbuf_release_to_fit(struct rbuf *b, uint64_t end)
{
	return end > rbuf_window_end(b) ? rbuf_release(b, end - b->capacity) : 0;
}

#endif /* MOS_TCP_RBUF_H */
