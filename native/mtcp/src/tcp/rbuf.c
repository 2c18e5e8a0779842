/* rbuf.c - reassembly buffer (contract in rbuf.h): segment pool, the append fast path and
 * the general write path, release, reads, fragment listing.
 *
 * Invariants (checked by rbuf_validate):
 *   - fragments are sorted, non-empty, disjoint and non-adjacent, inside [head, head + cap);
 *   - ftab != NULL exactly when nfrags >= 2 (so a single fragment is always frag0);
 *   - a slot has a segment exactly when some stored byte maps to it: a segment is taken
 *     before the first byte lands in it and returned when its last byte goes.
 * The general write path is all or nothing: it first reserves everything (fragment table,
 * missing segments), undoes the reservation on failure, and only then copies.
 */
#include <string.h>

#include "base/assert.h"
#include "tcp/rbuf.h"

#define RBUF_SEG_MASK ((uint64_t)RBUF_SEG_BYTES - 1)

MOS_STATIC_ASSERT(RBUF_MAX_FRAGS * sizeof(struct rbuf_frag) <= RBUF_SEG_BYTES,
		  "the fragment table must fit in one segment");
MOS_STATIC_ASSERT(RBUF_MAX_FRAGS <= UINT16_MAX, "nfrags is a uint16_t");
MOS_STATIC_ASSERT(((uint64_t)RBUF_CAPACITY_MAX >> RBUF_SEG_SHIFT) <= UINT32_MAX / 2,
		  "slot arithmetic stays in uint32_t");

/* --- Pool ------------------------------------------------------------------------- */

static bool rbuf_pool_plan(const struct rbuf_pool_config *cfg, struct pool_config *segs,
			   struct pool_config *maps, uint32_t *map_slots)
{
	if (cfg->segments == 0 || cfg->map_capacity_bytes > RBUF_CAPACITY_MAX)
		return false;
	if (cfg->maps != 0 && cfg->map_capacity_bytes == 0)
		return false;
	*segs = (struct pool_config){"rbuf segments", RBUF_SEG_BYTES, 64, cfg->segments,
				     cfg->poison};
	*map_slots = 0;
	if (cfg->maps != 0)
		*map_slots = (cfg->map_capacity_bytes + RBUF_SEG_BYTES - 1) >> RBUF_SEG_SHIFT;
	*maps = (struct pool_config){"rbuf maps", (size_t)*map_slots * sizeof(uint32_t), 64,
				     cfg->maps, cfg->poison};
	return true;
}

size_t rbuf_pool_memory_bytes(const struct rbuf_pool_config *cfg)
{
	struct pool_config segs, maps;
	uint32_t map_slots;
	size_t total;

	if (!rbuf_pool_plan(cfg, &segs, &maps, &map_slots))
		return 0;
	total = pool_memory_bytes(&segs);
	if (map_slots != 0)
		total += pool_memory_bytes(&maps);
	return total;
}

enum rbuf_status rbuf_pool_init(struct rbuf_pool *p, const struct rbuf_pool_config *cfg,
				struct arena *arena)
{
	struct pool_config segs, maps;
	uint32_t map_slots;
	enum pool_status st;

	MOS_ASSERT(p != NULL && cfg != NULL);
	memset(p, 0, sizeof *p);
	if (!rbuf_pool_plan(cfg, &segs, &maps, &map_slots))
		return RBUF_INVALID;
	st = pool_init(&p->segs, &segs, arena);
	if (st != POOL_OK)
		return st == POOL_ENOMEM ? RBUF_NOMEM : RBUF_INVALID;
	/* Segment handles are index + 1 and addresses are computed by shifting. */
	MOS_ASSERT(p->segs.stride_bytes == RBUF_SEG_BYTES);
	if (map_slots != 0) {
		st = pool_init(&p->maps, &maps, arena);
		if (st != POOL_OK) {
			pool_fini(&p->segs);
			return st == POOL_ENOMEM ? RBUF_NOMEM : RBUF_INVALID;
		}
	}
	p->map_slots = map_slots;
	return RBUF_OK;
}

void rbuf_pool_fini(struct rbuf_pool *p)
{
	MOS_ASSERT_MSG(pool_in_use(&p->segs) == 0, "%u rbuf segments still in use",
		       pool_in_use(&p->segs));
	pool_fini(&p->segs);
	if (p->map_slots != 0)
		pool_fini(&p->maps);
	memset(p, 0, sizeof *p);
}

/* A segment handle (pool index + 1), or 0 when the pool is empty. */
static uint32_t rbuf_seg_get(struct rbuf_pool *p)
{
	uint32_t index = pool_get_index(&p->segs); /* its object is objs + index * 1 KiB */

	return index != UINT32_MAX ? index + 1 : 0;
}

static inline uint8_t *rbuf_seg_mem(const struct rbuf_pool *p, uint32_t handle)
{
	return p->segs.objs + ((size_t)(handle - 1) << RBUF_SEG_SHIFT);
}

static void rbuf_seg_put(struct rbuf_pool *p, uint32_t handle)
{
	pool_put_index(&p->segs, handle - 1);
}

/* --- Slots and fragments ---------------------------------------------------------- */

static inline uint32_t *rbuf_map(struct rbuf *b)
{
	return b->map_block != NULL ? b->map_block : b->map_inline;
}

static inline const uint32_t *rbuf_map_c(const struct rbuf *b)
{
	return b->map_block != NULL ? b->map_block : b->map_inline;
}

static inline struct rbuf_frag *rbuf_frags_mut(struct rbuf *b)
{
	return b->ftab != NULL ? b->ftab : &b->frag0;
}

/* Slot of the segment holding off; off lies in [head rounded down to 1 KiB, head + cap). */
static inline uint32_t rbuf_slot_of(const struct rbuf *b, uint64_t off)
{
	uint32_t s = b->head_slot +
		     (uint32_t)((off >> RBUF_SEG_SHIFT) - (b->head >> RBUF_SEG_SHIFT));

	return s >= b->nslots ? s - b->nslots : s;
}

/* First index whose fragment ends at or after x (n if none). */
static uint32_t rbuf_lower_end(const struct rbuf_frag *f, uint32_t n, uint64_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (f[mid].end >= x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* First index whose fragment starts after x (n if none). */
static uint32_t rbuf_upper_start(const struct rbuf_frag *f, uint32_t n, uint64_t x)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (f[mid].start > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Some stored byte lies in [lo, hi). */
static inline bool rbuf_any_data(const struct rbuf *b, uint64_t lo, uint64_t hi)
{
	/* Through rbuf_frag_array: during release ftab outlives nfrags >= 2 briefly. */
	const struct rbuf_frag *f = rbuf_frag_array(b);
	uint32_t i;

	if (b->nfrags <= 1) /* the common case: no search */
		return b->nfrags == 1 && f[0].start < hi && f[0].end > lo && lo < hi;
	i = rbuf_lower_end(f, b->nfrags, lo + 1);
	return lo < hi && i < b->nfrags && f[i].start < hi;
}

/* Some stored byte maps to slot s: the slot's logical segment in the window, plus, for
 * the head's slot when head is unaligned, the window's last partial segment. */
static inline bool rbuf_slot_has_data(const struct rbuf *b, uint32_t s)
{
	uint32_t d = s >= b->head_slot ? s - b->head_slot : s + b->nslots - b->head_slot;
	uint64_t seg = (b->head >> RBUF_SEG_SHIFT) + d;
	uint64_t lo = seg << RBUF_SEG_SHIFT;

	if (rbuf_any_data(b, lo < b->head ? b->head : lo, (seg + 1) << RBUF_SEG_SHIFT))
		return true;
	return d == 0 && (b->head & RBUF_SEG_MASK) != 0 &&
	       rbuf_any_data(b, (seg + b->nslots) << RBUF_SEG_SHIFT, rbuf_window_end(b));
}

/* Returns slot s's segment if no stored byte uses it. */
static inline void rbuf_free_if_empty(struct rbuf *b, uint32_t *map, uint32_t s)
{
	if (map[s] != 0 && !rbuf_slot_has_data(b, s)) {
		rbuf_seg_put(b->pool, map[s]);
		map[s] = 0;
	}
}

/* Returns the segments of `count` slots from `first` that no stored byte uses. */
static void rbuf_free_empty_slots(struct rbuf *b, uint32_t first, uint32_t count)
{
	uint32_t *map = rbuf_map(b);

	MOS_ASSERT(first < b->nslots && count <= b->nslots);
	for (uint32_t k = 0; k < count; k++)
		rbuf_free_if_empty(b, map,
				   first + k >= b->nslots ? first + k - b->nslots : first + k);
}

/* Slots covering [a, z) (in the window, a < z): the first and how many (<= nslots). */
static uint32_t rbuf_slot_span(const struct rbuf *b, uint64_t a, uint64_t z, uint32_t *first)
{
	uint64_t segs = ((z - 1) >> RBUF_SEG_SHIFT) - (a >> RBUF_SEG_SHIFT) + 1;

	*first = rbuf_slot_of(b, a);
	return segs < b->nslots ? (uint32_t)segs : b->nslots;
}

/* Moves the fragments into a table segment (before a second fragment appears). */
static bool rbuf_table_get(struct rbuf *b)
{
	struct rbuf_frag *t;

	if (b->ftab != NULL)
		return true;
	t = pool_get(&b->pool->segs);
	if (t == NULL)
		return false;
	t[0] = b->frag0;
	b->ftab = t;
	return true;
}

/* Back to the inline fragment once at most one fragment is left. */
static void rbuf_table_trim(struct rbuf *b)
{
	if (b->ftab == NULL || b->nfrags > 1)
		return;
	b->frag0 = b->nfrags ? b->ftab[0] : (struct rbuf_frag){0, 0};
	pool_put(&b->pool->segs, b->ftab);
	b->ftab = NULL;
}

/* --- Byte movement (every segment touched is allocated) ---------------------------- */

/* memcpy of one segment chunk. The empty asm hides the chunk's known bound (<= 1 KiB)
 * from the optimiser, which would otherwise expand the copy inline as `rep movsq`; libc's
 * vector memcpy is faster at these sizes, and instruction counts (callgrind counts every
 * rep iteration) stay meaningful. Costs no instruction. */
static inline void rbuf_chunk_copy(void *dst, const void *src, uint32_t n)
{
	size_t len = n;

	__asm__("" : "+r"(len));
	memcpy(dst, src, len);
}

/* Copies src into the stored range [off, off + len) (every slot allocated). */
static void rbuf_copy_in(struct rbuf *b, uint64_t off, const uint8_t *src, uint64_t len)
{
	const uint32_t *map = rbuf_map(b);
	const uint32_t nslots = b->nslots; /* locals: memcpy would force reloads */
	uint8_t *segs = b->pool->segs.objs;
	uint32_t slot = rbuf_slot_of(b, off);
	uint32_t within = (uint32_t)(off & RBUF_SEG_MASK);

	for (;;) {
		uint32_t n = RBUF_SEG_BYTES - within;
		if (n > len)
			n = (uint32_t)len;
		MOS_ASSERT(map[slot] != 0);
		rbuf_chunk_copy(segs + ((size_t)(map[slot] - 1) << RBUF_SEG_SHIFT) + within,
				src, n);
		len -= n;
		if (len == 0)
			return;
		src += n;
		within = 0;
		if (++slot == nslots)
			slot = 0;
	}
}

static void rbuf_copy_out(const struct rbuf *b, uint64_t off, uint8_t *dst, uint64_t len)
{
	const uint32_t *map = rbuf_map_c(b);
	uint32_t slot = rbuf_slot_of(b, off);
	uint32_t within = (uint32_t)(off & RBUF_SEG_MASK);

	while (len != 0) {
		uint32_t n = RBUF_SEG_BYTES - within;
		if (n > len)
			n = (uint32_t)len;
		MOS_ASSERT(map[slot] != 0);
		rbuf_chunk_copy(dst, rbuf_seg_mem(b->pool, map[slot]) + within, n);
		dst += n;
		len -= n;
		within = 0;
		if (++slot == b->nslots)
			slot = 0;
	}
}

/* The stored bytes [off, off + len) equal src. */
static bool rbuf_equal(const struct rbuf *b, uint64_t off, const uint8_t *src, uint64_t len)
{
	const uint32_t *map = rbuf_map_c(b);
	uint32_t slot = rbuf_slot_of(b, off);
	uint32_t within = (uint32_t)(off & RBUF_SEG_MASK);

	while (len != 0) {
		uint32_t n = RBUF_SEG_BYTES - within;
		if (n > len)
			n = (uint32_t)len;
		MOS_ASSERT(map[slot] != 0);
		if (memcmp(rbuf_seg_mem(b->pool, map[slot]) + within, src, n) != 0)
			return false;
		src += n;
		len -= n;
		within = 0;
		if (++slot == b->nslots)
			slot = 0;
	}
	return true;
}

/* --- Init / fini ------------------------------------------------------------------ */

enum rbuf_status rbuf_init(struct rbuf *b, struct rbuf_pool *pool, uint32_t capacity,
			   uint8_t policy, uint64_t start_off)
{
	MOS_ASSERT(b != NULL && pool != NULL);
	MOS_ASSERT(policy < MOS_OVERLAP_CNT);
	MOS_ASSERT(start_off <= RBUF_HEAD_MAX);
	memset(b, 0, sizeof *b);
	b->pool = pool;
	b->policy = policy;
	b->head = start_off;
	return rbuf_resize(b, capacity, NULL);
}

void rbuf_fini(struct rbuf *b)
{
	uint32_t *map = rbuf_map(b);

	for (uint32_t s = 0; s < b->nslots; s++)
		if (map[s] != 0)
			rbuf_seg_put(b->pool, map[s]);
	if (b->ftab != NULL)
		pool_put(&b->pool->segs, b->ftab);
	if (b->map_block != NULL)
		pool_put(&b->pool->maps, b->map_block);
	b->map_block = NULL;
	b->ftab = NULL;
	b->capacity = 0;
	b->nslots = 0;
	b->head_slot = 0;
	b->nfrags = 0;
	b->frag0 = (struct rbuf_frag){0, 0};
	memset(b->map_inline, 0, sizeof b->map_inline);
}

void rbuf_set_policy(struct rbuf *b, uint8_t policy)
{
	MOS_ASSERT(policy < MOS_OVERLAP_CNT);
	b->policy = policy;
}

/* --- Write ------------------------------------------------------------------------ */

static enum rbuf_status rbuf_done(struct rbuf_write_info *info, enum rbuf_status st)
{
	if (st == RBUF_OK && (info->old != 0 || info->beyond != 0))
		st = RBUF_PARTIAL;
	info->status = st;
	return st;
}

/* Refuses the in-window bytes [a, z): nothing changed. */
static enum rbuf_status rbuf_refuse(struct rbuf *b, struct rbuf_write_info *info,
				    enum rbuf_status st, uint64_t a, uint64_t z)
{
	if (st == RBUF_NOMEM)
		b->pool->nomem_events++;
	else
		b->pool->frag_limit_events++;
	info->dropped = (uint32_t)(z - a);
	return rbuf_done(info, st);
}

/* Takes the fragment table when the result has >= 2 fragments, and a segment for each
 * slot of [a, z) that has none. All or nothing. */
static bool rbuf_reserve(struct rbuf *b, uint64_t a, uint64_t z, uint32_t frags_after)
{
	uint32_t *map = rbuf_map(b);
	uint32_t first, count = rbuf_slot_span(b, a, z, &first);

	if (frags_after >= 2 && !rbuf_table_get(b))
		return false;
	for (uint32_t k = 0; k < count; k++) {
		uint32_t s = first + k >= b->nslots ? first + k - b->nslots : first + k;
		if (map[s] != 0)
			continue;
		map[s] = rbuf_seg_get(b->pool);
		if (map[s] == 0) {
			/* The slots taken here hold no stored byte: this frees exactly them. */
			rbuf_free_empty_slots(b, first, count);
			rbuf_table_trim(b);
			return false;
		}
	}
	return true;
}

/* Copies the holes of [a, z) and compares (LAST: overwrites) the stored parts; g[0..k)
 * are the fragments touching [a, z). */
static void rbuf_fill(struct rbuf *b, const struct rbuf_frag *g, uint32_t k, uint64_t a,
		      uint64_t z, const uint8_t *src, struct rbuf_write_info *info)
{
	uint64_t pos = a;

	for (uint32_t t = 0; t < k; t++) {
		uint64_t gap_end = g[t].start < z ? g[t].start : z;
		uint64_t ov_end = g[t].end < z ? g[t].end : z;
		if (pos < gap_end) {
			rbuf_copy_in(b, pos, src + (pos - a), gap_end - pos);
			info->stored += (uint32_t)(gap_end - pos);
			pos = gap_end;
		}
		if (pos < ov_end) {
			info->overlap += (uint32_t)(ov_end - pos);
			if (!rbuf_equal(b, pos, src + (pos - a), ov_end - pos)) {
				info->overlap_differs = true;
				if (b->policy == MOS_OVERLAP_POLICY_LAST)
					rbuf_copy_in(b, pos, src + (pos - a), ov_end - pos);
			}
			pos = ov_end;
		}
	}
	if (pos < z) {
		rbuf_copy_in(b, pos, src + (pos - a), z - pos);
		info->stored += (uint32_t)(z - pos);
	}
}

/* Replaces fragments [i, i + k) with their union with [a, z). */
static void rbuf_merge(struct rbuf *b, uint32_t i, uint32_t k, uint64_t a, uint64_t z)
{
	struct rbuf_frag *f = rbuf_frags_mut(b);
	struct rbuf_frag m = {a, z};
	uint32_t n = b->nfrags;

	if (k != 0) {
		if (f[i].start < a)
			m.start = f[i].start;
		if (f[i + k - 1].end > z)
			m.end = f[i + k - 1].end;
	}
	MOS_ASSERT(n - k + 1 <= RBUF_MAX_FRAGS && (n - k + 1 <= 1 || b->ftab != NULL));
	if (k != 1)
		memmove(&f[i + 1], &f[i + k], (size_t)(n - i - k) * sizeof *f);
	f[i] = m;
	b->nfrags = (uint16_t)(n - k + 1);
}

/* The general path for the in-window part [a, z) (non-empty) of a write. */
static enum rbuf_status rbuf_write_window(struct rbuf *b, uint64_t a, uint64_t z,
					  const uint8_t *src, struct rbuf_write_info *info)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);
	uint32_t n = b->nfrags;
	uint32_t i = rbuf_lower_end(f, n, a);   /* first fragment touching from the left */
	uint32_t j = rbuf_upper_start(f, n, z); /* first fragment entirely after */
	uint32_t k = j - i;                     /* fragments touching or overlapping */

	MOS_ASSERT(j >= i);
	if (k == 0 && n == RBUF_MAX_FRAGS)
		return rbuf_refuse(b, info, RBUF_TOO_MANY_FRAGS, a, z);
	if (!rbuf_reserve(b, a, z, n - k + 1))
		return rbuf_refuse(b, info, RBUF_NOMEM, a, z);
	rbuf_fill(b, rbuf_frag_array(b) + i, k, a, z, src, info);
	rbuf_merge(b, i, k, a, z);
	rbuf_table_trim(b);
	return rbuf_done(info, RBUF_OK);
}

/* Out of line so that the fast path in rbuf_write keeps a small frame. */
static enum rbuf_status rbuf_write_slow(struct rbuf *b, uint64_t off, const uint8_t *src,
					uint32_t len, struct rbuf_write_info *info)
	__attribute__((noinline));

static enum rbuf_status rbuf_write_slow(struct rbuf *b, uint64_t off, const uint8_t *src,
					uint32_t len, struct rbuf_write_info *info)
{
	uint64_t end = off + len, head = b->head, wend = rbuf_window_end(b);
	uint64_t a = off > head ? off : head;
	uint64_t z = end < wend ? end : wend;

	*info = (struct rbuf_write_info){0};
	if (off >= RBUF_OFFSET_LIMIT) { /* past any window; off + len might wrap */
		info->beyond = len;
		return rbuf_done(info, RBUF_OK);
	}
	if (off < head)
		info->old = (uint32_t)((end < head ? end : head) - off);
	if (end > wend)
		info->beyond = (uint32_t)(end - (off > wend ? off : wend));
	if (a >= z)
		return rbuf_done(info, RBUF_OK);
	return rbuf_write_window(b, a, z, src + (a - off), info);
}

/* Copies an in-order append of [off, off + len) (len > 0, inside the window, nothing
 * stored at or after off), taking segments for slots that have none. The caller made sure
 * the pool holds enough free segments, so taking one cannot fail. */
static void rbuf_append_copy(struct rbuf *b, uint64_t off, const uint8_t *src, uint32_t len)
{
	uint32_t *map = rbuf_map(b);
	uint8_t *segs = b->pool->segs.objs; /* locals: memcpy would force reloads */
	uint32_t slot = rbuf_slot_of(b, off), within = (uint32_t)(off & RBUF_SEG_MASK);

	for (;;) {
		uint32_t n = RBUF_SEG_BYTES - within, handle = map[slot];
		if (handle == 0) {
			handle = rbuf_seg_get(b->pool);
			MOS_ASSERT(handle != 0);
			map[slot] = handle;
		}
		if (n > len)
			n = len;
		rbuf_chunk_copy(segs + ((size_t)(handle - 1) << RBUF_SEG_SHIFT) + within, src,
				n);
		len -= n;
		if (len == 0)
			return;
		src += n;
		within = 0;
		if (++slot == b->nslots)
			slot = 0;
	}
}

enum rbuf_status rbuf_write(struct rbuf *b, uint64_t off, const void *data, uint32_t len,
			    struct rbuf_write_info *info)
{
	/* Fast path: in order at the tail of the single fragment (or at head when empty),
	 * inside the window, and the pool holds a segment for every slot the bytes touch. */
	if (MOS_LIKELY(b->nfrags <= 1)) {
		uint64_t tail = b->nfrags ? b->frag0.end : b->head;
		uint64_t segs = ((off & RBUF_SEG_MASK) + len + RBUF_SEG_MASK) >> RBUF_SEG_SHIFT;
		if (off == tail && len != 0 && len <= rbuf_window_end(b) - off &&
		    segs <= rbuf_pool_segments_free(b->pool)) {
			if (b->nfrags == 0) {
				b->frag0.start = off;
				b->nfrags = 1;
			}
			b->frag0.end = off + len;
			*info = (struct rbuf_write_info){.stored = len, .status = RBUF_OK};
			/* Copy last: nothing of this frame stays live across memcpy. */
			rbuf_append_copy(b, off, data, len);
			return RBUF_OK;
		}
	}
	return rbuf_write_slow(b, off, data, len, info);
}

/* --- Release ---------------------------------------------------------------------- */

/* Drops stored bytes before h from the fragment list; returns how many. */
static uint64_t rbuf_drop_before(struct rbuf *b, uint64_t h)
{
	struct rbuf_frag *f = rbuf_frags_mut(b);
	uint32_t n = b->nfrags, i;
	uint64_t dropped = 0;

	if (n == 1 && f[0].end > h) { /* the common case: trim the only fragment */
		dropped = f[0].start < h ? h - f[0].start : 0;
		f[0].start += dropped;
		return dropped;
	}
	i = rbuf_lower_end(f, n, h + 1); /* first ending after h */
	for (uint32_t t = 0; t < i; t++)
		dropped += f[t].end - f[t].start;
	if (i < n && f[i].start < h) {
		dropped += h - f[i].start;
		f[i].start = h;
	}
	if (i != 0)
		memmove(f, f + i, (size_t)(n - i) * sizeof *f);
	b->nfrags = (uint16_t)(n - i);
	return dropped;
}

/* After head moved forward by `segs` (< nslots) segments from slot `first`: frees what
 * the released bytes used. Only the old head's slot (it may also hold the window's last
 * partial segment) and the new head's slot can still hold data; the slots in between held
 * only released bytes, and their partners in the new window lie past the old window end,
 * where nothing was written yet. */
static void rbuf_free_released(struct rbuf *b, uint32_t first, uint32_t segs)
{
	uint32_t *map = rbuf_map(b);

	rbuf_free_if_empty(b, map, first);
	for (uint32_t k = 1; k < segs; k++) {
		uint32_t s = first + k >= b->nslots ? first + k - b->nslots : first + k;
		if (map[s] != 0) {
			rbuf_seg_put(b->pool, map[s]);
			map[s] = 0;
		}
	}
	if (segs != 0)
		rbuf_free_if_empty(b, map, b->head_slot);
}

uint64_t rbuf_release(struct rbuf *b, uint64_t new_head)
{
	uint64_t dropped, segs;
	uint32_t first = b->head_slot;

	MOS_ASSERT_MSG(new_head <= RBUF_HEAD_MAX, "release to %llu",
		       (unsigned long long)new_head);
	if (new_head <= b->head)
		return 0;
	dropped = rbuf_drop_before(b, new_head);
	segs = (new_head >> RBUF_SEG_SHIFT) - (b->head >> RBUF_SEG_SHIFT);
	b->head = new_head;
	if (b->nslots == 0)
		return dropped;
	if (segs < b->nslots) {
		b->head_slot += (uint32_t)segs;
		if (b->head_slot >= b->nslots)
			b->head_slot -= b->nslots;
		rbuf_free_released(b, first, (uint32_t)segs);
	} else { /* moved by a window or more: check every slot */
		b->head_slot = (uint32_t)((b->head_slot + segs % b->nslots) % b->nslots);
		rbuf_free_empty_slots(b, first, b->nslots);
	}
	rbuf_table_trim(b);
	return dropped;
}

/* --- Reads ------------------------------------------------------------------------ */

uint64_t rbuf_avail_at(const struct rbuf *b, uint64_t off)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);
	uint32_t i;

	if (off >= RBUF_OFFSET_LIMIT)
		return 0;
	i = rbuf_lower_end(f, b->nfrags, off + 1); /* first ending after off */
	return i < b->nfrags && f[i].start <= off ? f[i].end - off : 0;
}

size_t rbuf_read(const struct rbuf *b, uint64_t off, void *dst, size_t len)
{
	uint64_t n = rbuf_avail_at(b, off);

	if (n > len)
		n = len;
	if (n != 0)
		rbuf_copy_out(b, off, dst, n);
	return (size_t)n;
}

uint32_t rbuf_spans(const struct rbuf *b, uint64_t off, size_t len, struct rbuf_span *out,
		    uint32_t max)
{
	const uint32_t *map = rbuf_map_c(b);
	uint64_t left = rbuf_avail_at(b, off);
	uint32_t count = 0, slot, within = (uint32_t)(off & RBUF_SEG_MASK);

	if (left > len)
		left = len;
	if (left == 0)
		return 0;
	slot = rbuf_slot_of(b, off);
	while (left != 0 && count < max) {
		uint32_t n = RBUF_SEG_BYTES - within;
		if (n > left)
			n = (uint32_t)left;
		out[count].data = rbuf_seg_mem(b->pool, map[slot]) + within;
		out[count].len = n;
		count++;
		left -= n;
		within = 0;
		if (++slot == b->nslots)
			slot = 0;
	}
	return count;
}

uint32_t rbuf_fragments(const struct rbuf *b, struct tcp_ring_fragment *out, uint32_t max)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);
	uint32_t n = b->nfrags < max ? b->nfrags : max;

	for (uint32_t i = 0; i < n; i++) {
		out[i].offset = f[i].start;
		out[i].len = (uint32_t)(f[i].end - f[i].start);
	}
	return n;
}

/* --- Resize ----------------------------------------------------------------------- */

static void rbuf_reverse(uint32_t *m, uint32_t lo, uint32_t hi)
{
	while (lo + 1 < hi) {
		uint32_t t = m[lo];
		m[lo++] = m[--hi];
		m[hi] = t;
	}
}

/* Rotates the map so the head's slot becomes slot 0 (slot i = head segment + i). */
static void rbuf_rotate_to_head(struct rbuf *b)
{
	uint32_t *m = rbuf_map(b);

	if (b->head_slot != 0) {
		rbuf_reverse(m, 0, b->head_slot);
		rbuf_reverse(m, b->head_slot, b->nslots);
		rbuf_reverse(m, 0, b->nslots);
		b->head_slot = 0;
	}
}

enum rbuf_far { RBUF_FAR_NONE, RBUF_FAR_MOVE, RBUF_FAR_SPLIT };

/* Whether the head's physical segment also holds the window's last partial segment and,
 * if so, whether the head part holds data too (then growing must split it in two). */
static enum rbuf_far rbuf_far_state(const struct rbuf *b)
{
	uint64_t seg = b->head >> RBUF_SEG_SHIFT;

	if (b->nslots == 0 || (b->head & RBUF_SEG_MASK) == 0 ||
	    rbuf_map_c(b)[b->head_slot] == 0 ||
	    !rbuf_any_data(b, (seg + b->nslots) << RBUF_SEG_SHIFT, rbuf_window_end(b)))
		return RBUF_FAR_NONE;
	return rbuf_any_data(b, b->head, (seg + 1) << RBUF_SEG_SHIFT) ? RBUF_FAR_SPLIT
								      : RBUF_FAR_MOVE;
}

static enum rbuf_status rbuf_grow(struct rbuf *b, uint32_t slots)
{
	uint32_t old = b->nslots, split = 0, *block = NULL, *map;
	enum rbuf_far far = rbuf_far_state(b);
	bool need_block = slots > RBUF_INLINE_SLOTS && b->map_block == NULL;

	if (far == RBUF_FAR_SPLIT && (split = rbuf_seg_get(b->pool)) == 0)
		goto nomem;
	if (need_block && (block = pool_get(&b->pool->maps)) == NULL) {
		if (split != 0)
			rbuf_seg_put(b->pool, split);
		goto nomem;
	}
	rbuf_rotate_to_head(b);
	if (need_block) {
		memcpy(block, b->map_inline, (size_t)old * sizeof *block);
		memset(b->map_inline, 0, sizeof b->map_inline);
		b->map_block = block;
	}
	map = rbuf_map(b);
	memset(map + old, 0, (size_t)(slots - old) * sizeof *map);
	if (far == RBUF_FAR_SPLIT) {
		/* The window's last partial segment gets its own slot: copy its bytes out. */
		memcpy(rbuf_seg_mem(b->pool, split), rbuf_seg_mem(b->pool, map[0]),
		       (size_t)(b->head & RBUF_SEG_MASK));
		map[old] = split;
	} else if (far == RBUF_FAR_MOVE) {
		map[old] = map[0];
		map[0] = 0;
	}
	b->nslots = slots;
	b->capacity = slots << RBUF_SEG_SHIFT;
	return RBUF_OK;
nomem:
	b->pool->nomem_events++;
	return RBUF_NOMEM;
}

/* Shrinks to `slots` (< nslots) after dropping the oldest bytes that do not fit. */
static uint64_t rbuf_shrink(struct rbuf *b, uint32_t slots)
{
	uint64_t cap = (uint64_t)slots << RBUF_SEG_SHIFT, tail = rbuf_tail(b), dropped = 0;
	uint32_t *map;

	if (tail > b->head + cap)
		dropped = rbuf_release(b, tail - cap);
	rbuf_rotate_to_head(b);
	map = rbuf_map(b);
	for (uint32_t s = slots + 1; s < b->nslots; s++)
		MOS_ASSERT_MSG(map[s] == 0, "slot %u past the shrunk window holds data", s);
	if (slots == 0) {
		MOS_ASSERT(b->nfrags == 0 && map[0] == 0);
	} else if (map[slots] != 0) {
		/* The new window's last partial segment shares the head's slot. */
		if (map[0] == 0) {
			map[0] = map[slots];
		} else {
			memcpy(rbuf_seg_mem(b->pool, map[0]), rbuf_seg_mem(b->pool, map[slots]),
			       (size_t)(b->head & RBUF_SEG_MASK));
			rbuf_seg_put(b->pool, map[slots]);
		}
		map[slots] = 0;
	}
	if (slots <= RBUF_INLINE_SLOTS && b->map_block != NULL) {
		memcpy(b->map_inline, b->map_block, (size_t)slots * sizeof *map);
		pool_put(&b->pool->maps, b->map_block);
		b->map_block = NULL;
	}
	b->nslots = slots;
	b->capacity = slots << RBUF_SEG_SHIFT;
	return dropped;
}

enum rbuf_status rbuf_resize(struct rbuf *b, uint32_t capacity, uint64_t *discarded)
{
	uint32_t slots;

	if (discarded != NULL)
		*discarded = 0;
	if (capacity > RBUF_CAPACITY_MAX)
		return RBUF_TOO_BIG;
	slots = (capacity + RBUF_SEG_BYTES - 1) >> RBUF_SEG_SHIFT;
	if (slots > RBUF_INLINE_SLOTS && slots > b->pool->map_slots)
		return RBUF_TOO_BIG;
	if (slots > b->nslots)
		return rbuf_grow(b, slots);
	if (slots < b->nslots) {
		uint64_t dropped = rbuf_shrink(b, slots);
		if (discarded != NULL)
			*discarded = dropped;
	}
	return RBUF_OK;
}

/* --- Self-check ------------------------------------------------------------------- */

void rbuf_validate(const struct rbuf *b)
{
	const struct rbuf_frag *f = rbuf_frag_array(b);
	const uint32_t *map = rbuf_map_c(b);

	MOS_ASSERT(b->capacity == b->nslots << RBUF_SEG_SHIFT);
	MOS_ASSERT(b->nslots == 0 ? b->head_slot == 0 : b->head_slot < b->nslots);
	MOS_ASSERT(b->nslots <= RBUF_INLINE_SLOTS || b->map_block != NULL);
	MOS_ASSERT(b->nfrags <= RBUF_MAX_FRAGS && (b->ftab != NULL) == (b->nfrags >= 2));
	for (uint32_t i = 0; i < b->nfrags; i++) {
		MOS_ASSERT_MSG(f[i].start < f[i].end, "fragment %u is empty", i);
		MOS_ASSERT_MSG(i == 0 || f[i - 1].end < f[i].start,
			       "fragments %u and %u overlap or touch", i - 1, i);
	}
	if (b->nfrags != 0)
		MOS_ASSERT(f[0].start >= b->head && f[b->nfrags - 1].end <= rbuf_window_end(b));
	for (uint32_t s = 0; s < b->nslots; s++)
		MOS_ASSERT_MSG((map[s] != 0) == rbuf_slot_has_data(b, s),
			       "slot %u: segment %u but data %d", s, map[s],
			       (int)rbuf_slot_has_data(b, s));
}

#undef RBUF_SEG_MASK
