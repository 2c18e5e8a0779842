/* spsc_ring.h - lock-free single-producer/single-consumer rings: fixed-size records and a
 * byte stream. They connect an application thread and a stack thread (commands, accept
 * queues, epoll events, socket send/receive buffers) without a mutex.
 *
 * Concurrency contract
 *   Exactly one producer thread and one consumer thread per ring at any time; functions are
 *   marked [producer] or [consumer] and must only be called from that side. Changing which
 *   thread plays a side needs an external happens-before (e.g. a thread join or a mutex).
 *   Indices are free-running uint32_t counters (count = wr - rd, modulo 2^32), so all
 *   `capacity` slots are usable. The producer publishes data with a release store of `wr`
 *   after writing the slots; the consumer reads `wr` with acquire before reading them,
 *   and symmetrically for `rd`, so a slot is never reused before the consumer is done with
 *   it. Each side keeps a cached copy of the other side's index and reloads it only when
 *   the cache says "full"/"empty", so the shared lines move only when needed. Producer and
 *   consumer fields are separated by 64-byte padding (no false sharing); the structs need no
 *   special alignment.
 *   Counts seen from one side are exact for that side and conservative: the producer may
 *   see less free space and the consumer fewer items than there really are, never more.
 *
 * Complexity: O(1) per call plus the copy (at most two memcpy per burst). Memory: the
 * caller supplies the storage (capacity * elem_size bytes, or capacity bytes), sized at
 * start-up; capacity is a power of two, at most SPSC_CAPACITY_MAX.
 */
#ifndef MOS_BASE_SPSC_RING_H
#define MOS_BASE_SPSC_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPSC_CAPACITY_MAX (UINT32_C(1) << 31)
#define SPSC_PAD_BYTES 64

/* --- Record ring ------------------------------------------------------------------- */

struct spsc_ring {
	unsigned char *slots; /* read-only after init */
	uint32_t mask;
	uint32_t elem_size;
	char pad0_[SPSC_PAD_BYTES];
	_Atomic uint32_t wr; /* producer-owned: records written */
	uint32_t rd_cache;   /* producer's last view of rd */
	char pad1_[SPSC_PAD_BYTES];
	_Atomic uint32_t rd; /* consumer-owned: records consumed */
	uint32_t wr_cache;   /* consumer's last view of wr */
	char pad2_[SPSC_PAD_BYTES];
};

/* Bytes of storage for spsc_ring_init; 0 when capacity or elem_size is invalid. */
size_t spsc_ring_storage_bytes(uint32_t capacity, uint32_t elem_size);
/* Empty ring of `capacity` (power of two) records of elem_size (> 0) bytes in `storage`.
 * False if the sizes are invalid. Call before either thread uses the ring. */
bool spsc_ring_init(struct spsc_ring *r, void *storage, uint32_t capacity, uint32_t elem_size);

/* [producer] Copies up to n records from `elems`; returns how many (0 when full). */
uint32_t spsc_enqueue_burst(struct spsc_ring *r, const void *elems, uint32_t n);
/* [consumer] Moves up to n records into `elems`; returns how many (0 when empty). */
uint32_t spsc_dequeue_burst(struct spsc_ring *r, void *elems, uint32_t n);
/* [producer] Free record slots. */
uint32_t spsc_free_count(struct spsc_ring *r);
/* [consumer] Records ready to dequeue. */
uint32_t spsc_ready_count(struct spsc_ring *r);

static inline uint32_t spsc_capacity(const struct spsc_ring *r)
{
	return r->mask + 1;
}

/* [any thread] Records in the ring: exact when neither side moves during the call,
 * otherwise approximate (never above capacity). For readiness checks by a party that
 * owns neither end or only one (epoll on the stack thread looking at an app-owned end). */
static inline uint32_t spsc_used(const struct spsc_ring *r)
{
	struct spsc_ring *m = (struct spsc_ring *)r;
	uint32_t rd = atomic_load_explicit(&m->rd, memory_order_acquire);
	uint32_t used = atomic_load_explicit(&m->wr, memory_order_acquire) - rd;
	return used <= m->mask + 1 ? used : m->mask + 1;
}

/* [producer] One pointer; the ring must have elem_size == sizeof(void *). */
static inline bool spsc_enqueue_ptr(struct spsc_ring *r, void *p)
{
	return spsc_enqueue_burst(r, &p, 1) == 1;
}

/* [consumer] One pointer, or NULL when empty (enqueue no NULL pointers). */
static inline void *spsc_dequeue_ptr(struct spsc_ring *r)
{
	void *p = NULL;
	return spsc_dequeue_burst(r, &p, 1) == 1 ? p : NULL;
}

/* --- Byte ring --------------------------------------------------------------------- */

/* A contiguous piece of the ring; readable/writable data can wrap, so it comes as at most
 * two spans in stream order (the second one is empty when nothing wraps). */
struct spsc_span {
	unsigned char *ptr;
	uint32_t len;
};

struct spsc_bytes {
	unsigned char *buf; /* read-only after init */
	uint32_t mask;
	uint32_t pad_ro_;
	char pad0_[SPSC_PAD_BYTES];
	_Atomic uint32_t wr; /* producer-owned: bytes appended */
	uint32_t rd_cache;
	char pad1_[SPSC_PAD_BYTES];
	_Atomic uint32_t rd; /* consumer-owned: bytes consumed */
	uint32_t wr_cache;
	char pad2_[SPSC_PAD_BYTES];
};

/* Empty byte ring over buf[0, capacity_bytes), capacity a power of two. False if not. */
bool spsc_bytes_init(struct spsc_bytes *b, void *buf, uint32_t capacity_bytes);

static inline uint32_t spsc_bytes_capacity(const struct spsc_bytes *b)
{
	return b->mask + 1;
}

/* [any thread] Bytes in the ring, with the guarantees of spsc_used(). */
static inline uint32_t spsc_bytes_used(const struct spsc_bytes *b)
{
	struct spsc_bytes *m = (struct spsc_bytes *)b;
	uint32_t rd = atomic_load_explicit(&m->rd, memory_order_acquire);
	uint32_t used = atomic_load_explicit(&m->wr, memory_order_acquire) - rd;
	return used <= m->mask + 1 ? used : m->mask + 1;
}

/* [producer] Bytes that can be appended now. */
uint32_t spsc_bytes_writable(struct spsc_bytes *b);
/* [producer] Appends up to len bytes of src; returns how many (short when nearly full). */
uint32_t spsc_bytes_write(struct spsc_bytes *b, const void *src, uint32_t len);
/* [producer] Zero-copy append: the free space as up to two spans; returns its total. Fill a
 * prefix of the spans (in order), then publish it with spsc_bytes_commit. */
uint32_t spsc_bytes_write_spans(struct spsc_bytes *b, struct spsc_span spans[2]);
/* [producer] Publishes len bytes written into the spans (len <= last reported space). */
void spsc_bytes_commit(struct spsc_bytes *b, uint32_t len);

/* [consumer] Bytes that can be read now. */
uint32_t spsc_bytes_readable(struct spsc_bytes *b);
/* [consumer] Moves up to len bytes into dst; returns how many. */
uint32_t spsc_bytes_read(struct spsc_bytes *b, void *dst, uint32_t len);
/* [consumer] Copies up to len bytes starting `offset` bytes after the read position into
 * dst without consuming (e.g. retransmitting unacknowledged data); returns how many. */
uint32_t spsc_bytes_peek(struct spsc_bytes *b, uint32_t offset, void *dst, uint32_t len);
/* [consumer] Zero-copy read: the readable bytes after `offset` as up to two spans; returns
 * their total (0 when offset >= readable). Nothing is consumed. */
uint32_t spsc_bytes_read_spans(struct spsc_bytes *b, uint32_t offset,
			       struct spsc_span spans[2]);
/* [consumer] Drops len bytes (len <= last reported readable) from the front. */
void spsc_bytes_consume(struct spsc_bytes *b, uint32_t len);

#endif /* MOS_BASE_SPSC_RING_H */
