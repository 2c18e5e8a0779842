/* spsc_ring.c - SPSC record and byte rings (memory-ordering contract in spsc_ring.h).
 *
 * Per side: the own index is loaded relaxed (only this thread writes it) and stored with
 * release after the data copy; the other side's index is loaded with acquire, and only when
 * the cached copy is insufficient.
 */
#include <string.h>

#include "base/assert.h"
#include "base/spsc_ring.h"

MOS_STATIC_ASSERT(ATOMIC_INT_LOCK_FREE == 2, "ring indices must be lock-free atomics");

static bool spsc_is_pow2(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Copies len bytes into a ring of ring_bytes at byte offset off, wrapping once. */
static void spsc_copy_in(unsigned char *ring, size_t ring_bytes, size_t off, const void *src,
			 size_t len)
{
	size_t first = ring_bytes - off < len ? ring_bytes - off : len;

	MOS_ASSERT(off < ring_bytes && len <= ring_bytes);
	memcpy(ring + off, src, first);
	memcpy(ring, (const unsigned char *)src + first, len - first);
}

static void spsc_copy_out(const unsigned char *ring, size_t ring_bytes, size_t off, void *dst,
			  size_t len)
{
	size_t first = ring_bytes - off < len ? ring_bytes - off : len;

	MOS_ASSERT(off < ring_bytes && len <= ring_bytes);
	memcpy(dst, ring + off, first);
	memcpy((unsigned char *)dst + first, ring, len - first);
}

/* --- Record ring ------------------------------------------------------------------- */

size_t spsc_ring_storage_bytes(uint32_t capacity, uint32_t elem_size)
{
	if (!spsc_is_pow2(capacity) || capacity > SPSC_CAPACITY_MAX || elem_size == 0)
		return 0;
	if ((size_t)elem_size > SIZE_MAX / capacity)
		return 0;
	return (size_t)capacity * elem_size;
}

bool spsc_ring_init(struct spsc_ring *r, void *storage, uint32_t capacity, uint32_t elem_size)
{
	MOS_ASSERT(r != NULL);
	if (spsc_ring_storage_bytes(capacity, elem_size) == 0 || storage == NULL)
		return false;
	memset(r, 0, sizeof *r);
	r->slots = storage;
	r->mask = capacity - 1;
	r->elem_size = elem_size;
	atomic_init(&r->wr, 0);
	atomic_init(&r->rd, 0);
	r->rd_cache = 0;
	r->wr_cache = 0;
	return true;
}

uint32_t spsc_free_count(struct spsc_ring *r)
{
	uint32_t wr = atomic_load_explicit(&r->wr, memory_order_relaxed);

	r->rd_cache = atomic_load_explicit(&r->rd, memory_order_acquire);
	MOS_ASSERT(wr - r->rd_cache <= r->mask + 1);
	return r->mask + 1 - (wr - r->rd_cache);
}

uint32_t spsc_ready_count(struct spsc_ring *r)
{
	uint32_t rd = atomic_load_explicit(&r->rd, memory_order_relaxed);

	r->wr_cache = atomic_load_explicit(&r->wr, memory_order_acquire);
	MOS_ASSERT(r->wr_cache - rd <= r->mask + 1);
	return r->wr_cache - rd;
}

uint32_t spsc_enqueue_burst(struct spsc_ring *r, const void *elems, uint32_t n)
{
	uint32_t wr = atomic_load_explicit(&r->wr, memory_order_relaxed);
	uint32_t space = r->mask + 1 - (wr - r->rd_cache);
	size_t ring_bytes = ((size_t)r->mask + 1) * r->elem_size;

	if (space < n)
		space = spsc_free_count(r);
	if (n > space)
		n = space;
	if (n == 0)
		return 0;
	spsc_copy_in(r->slots, ring_bytes, (size_t)(wr & r->mask) * r->elem_size, elems,
		     (size_t)n * r->elem_size);
	atomic_store_explicit(&r->wr, wr + n, memory_order_release);
	return n;
}

uint32_t spsc_dequeue_burst(struct spsc_ring *r, void *elems, uint32_t n)
{
	uint32_t rd = atomic_load_explicit(&r->rd, memory_order_relaxed);
	uint32_t ready = r->wr_cache - rd;
	size_t ring_bytes = ((size_t)r->mask + 1) * r->elem_size;

	if (ready < n)
		ready = spsc_ready_count(r);
	if (n > ready)
		n = ready;
	if (n == 0)
		return 0;
	spsc_copy_out(r->slots, ring_bytes, (size_t)(rd & r->mask) * r->elem_size, elems,
		      (size_t)n * r->elem_size);
	atomic_store_explicit(&r->rd, rd + n, memory_order_release);
	return n;
}

/* --- Byte ring --------------------------------------------------------------------- */

bool spsc_bytes_init(struct spsc_bytes *b, void *buf, uint32_t capacity_bytes)
{
	MOS_ASSERT(b != NULL);
	if (!spsc_is_pow2(capacity_bytes) || capacity_bytes > SPSC_CAPACITY_MAX || buf == NULL)
		return false;
	/* Field by field: the padding is never read, and a connection sets up two rings. */
	b->buf = buf;
	b->mask = capacity_bytes - 1;
	b->pad_ro_ = 0;
	atomic_init(&b->wr, 0);
	b->rd_cache = 0;
	atomic_init(&b->rd, 0);
	b->wr_cache = 0;
	return true;
}

uint32_t spsc_bytes_writable(struct spsc_bytes *b)
{
	uint32_t wr = atomic_load_explicit(&b->wr, memory_order_relaxed);

	b->rd_cache = atomic_load_explicit(&b->rd, memory_order_acquire);
	MOS_ASSERT(wr - b->rd_cache <= b->mask + 1);
	return b->mask + 1 - (wr - b->rd_cache);
}

uint32_t spsc_bytes_readable(struct spsc_bytes *b)
{
	uint32_t rd = atomic_load_explicit(&b->rd, memory_order_relaxed);

	b->wr_cache = atomic_load_explicit(&b->wr, memory_order_acquire);
	MOS_ASSERT(b->wr_cache - rd <= b->mask + 1);
	return b->wr_cache - rd;
}

uint32_t spsc_bytes_write(struct spsc_bytes *b, const void *src, uint32_t len)
{
	uint32_t wr = atomic_load_explicit(&b->wr, memory_order_relaxed);
	uint32_t space = b->mask + 1 - (wr - b->rd_cache);

	if (space < len)
		space = spsc_bytes_writable(b);
	if (len > space)
		len = space;
	if (len == 0)
		return 0;
	spsc_copy_in(b->buf, (size_t)b->mask + 1, wr & b->mask, src, len);
	atomic_store_explicit(&b->wr, wr + len, memory_order_release);
	return len;
}

/* The `len` bytes at stream position pos as up to two spans. */
static void spsc_bytes_spans_at(const struct spsc_bytes *b, uint32_t pos, uint32_t len,
				struct spsc_span spans[2])
{
	uint32_t off = pos & b->mask;
	uint32_t first = b->mask + 1 - off < len ? b->mask + 1 - off : len;

	spans[0].ptr = b->buf + off;
	spans[0].len = first;
	spans[1].ptr = b->buf;
	spans[1].len = len - first;
}

uint32_t spsc_bytes_write_spans(struct spsc_bytes *b, struct spsc_span spans[2])
{
	uint32_t wr = atomic_load_explicit(&b->wr, memory_order_relaxed);
	uint32_t space = spsc_bytes_writable(b);

	spsc_bytes_spans_at(b, wr, space, spans);
	MOS_ASSERT(spans[0].len + spans[1].len == space);
	return space;
}

void spsc_bytes_commit(struct spsc_bytes *b, uint32_t len)
{
	uint32_t wr = atomic_load_explicit(&b->wr, memory_order_relaxed);

	MOS_ASSERT_MSG(len <= b->mask + 1 - (wr - b->rd_cache),
		       "commit of %u bytes exceeds the free space", len);
	atomic_store_explicit(&b->wr, wr + len, memory_order_release);
}

uint32_t spsc_bytes_read(struct spsc_bytes *b, void *dst, uint32_t len)
{
	uint32_t rd = atomic_load_explicit(&b->rd, memory_order_relaxed);
	uint32_t ready = b->wr_cache - rd;

	if (ready < len)
		ready = spsc_bytes_readable(b);
	if (len > ready)
		len = ready;
	if (len == 0)
		return 0;
	spsc_copy_out(b->buf, (size_t)b->mask + 1, rd & b->mask, dst, len);
	atomic_store_explicit(&b->rd, rd + len, memory_order_release);
	return len;
}

uint32_t spsc_bytes_peek(struct spsc_bytes *b, uint32_t offset, void *dst, uint32_t len)
{
	uint32_t rd = atomic_load_explicit(&b->rd, memory_order_relaxed);
	uint32_t ready = b->wr_cache - rd;

	if (ready < offset || ready - offset < len)
		ready = spsc_bytes_readable(b);
	if (offset >= ready)
		return 0;
	if (len > ready - offset)
		len = ready - offset;
	if (len == 0)
		return 0;
	spsc_copy_out(b->buf, (size_t)b->mask + 1, (rd + offset) & b->mask, dst, len);
	return len;
}

uint32_t spsc_bytes_read_spans(struct spsc_bytes *b, uint32_t offset, struct spsc_span spans[2])
{
	uint32_t rd = atomic_load_explicit(&b->rd, memory_order_relaxed);
	uint32_t ready = spsc_bytes_readable(b);
	uint32_t len = offset < ready ? ready - offset : 0;

	spsc_bytes_spans_at(b, rd + offset, len, spans);
	return len;
}

void spsc_bytes_consume(struct spsc_bytes *b, uint32_t len)
{
	uint32_t rd = atomic_load_explicit(&b->rd, memory_order_relaxed);

	MOS_ASSERT_MSG(len <= b->wr_cache - rd, "consume of %u bytes exceeds the readable data",
		       len);
	atomic_store_explicit(&b->rd, rd + len, memory_order_release);
}
