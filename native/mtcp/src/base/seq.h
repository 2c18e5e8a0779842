/* seq.h - TCP sequence-number arithmetic and wrapping 32-bit tick comparisons.
 *
 * Sequence numbers live in a 2^32 circle (RFC 9293 §3.4): "a < b" means b lies less than
 * 2^31 ahead of a, i.e. the signed 32-bit difference a - b is negative (RFC 1982 serial
 * number arithmetic with SERIAL_BITS = 32). Exactly opposite points (distance 2^31) are
 * undefined by RFC 1982; here both seq_lt(a, b) and seq_lt(b, a) are true for them. Valid
 * TCP never compares such points: windows are below 2^30 even with scaling (RFC 7323 §2.3).
 * Packets can carry any value, so callers never assert on these comparisons.
 *
 * Decision: sequence numbers are a typed wrapper, seq32_t (a struct holding a uint32_t).
 *   - It pays off: `snd_una < ack` or `rcv_nxt + len` does not compile on a struct, so every
 *     comparison goes through the wrap-safe helpers below; mixing a sequence number with a
 *     length or a timestamp is a type error. Raw `<` on sequence numbers is the classic
 *     stack bug at the 2^32 wrap.
 *   - It costs nothing at run time: a one-member struct is passed and returned in a
 *     register by value (SysV and AArch64 ABIs), and all helpers are static inline.
 *   - Conversion happens at the wire boundary only: seq32(raw) when a parsed header enters
 *     TCP, seq_raw(s) when emitting or printing.
 * Timestamps (RFC 7323 TSval/TSecr, PAWS) keep raw uint32_t with the ts_* helpers: they are
 * opaque peer clocks compared in two places (PAWS, RTT measurement), so a wrapper would buy
 * little there.
 *
 * Complexity: every helper is O(1), branch-free or one comparison.
 * Thread-safety: pure functions.
 */
#ifndef MOS_BASE_SEQ_H
#define MOS_BASE_SEQ_H

#include <stdbool.h>
#include <stdint.h>

typedef struct seq32 {
	uint32_t v;
} seq32_t;

/* Wraps a host-order raw value (e.g. a parsed TCP header field). */
static inline seq32_t seq32(uint32_t raw)
{
	seq32_t s = {raw};
	return s;
}

/* The host-order raw value, for emitting a header or printing. */
static inline uint32_t seq_raw(seq32_t s)
{
	return s.v;
}

/* Two's complement view of a uint32_t without implementation-defined conversion. */
static inline int32_t seq_to_signed_(uint32_t d)
{
	return d <= (uint32_t)INT32_MAX ? (int32_t)d : -(int32_t)(~d) - 1;
}

/* a - b as a signed distance in [-2^31, 2^31): positive when a is after b. */
static inline int32_t seq_diff(seq32_t a, seq32_t b)
{
	return seq_to_signed_(a.v - b.v);
}

static inline bool seq_eq(seq32_t a, seq32_t b)
{
	return a.v == b.v;
}

static inline bool seq_lt(seq32_t a, seq32_t b)
{
	return seq_diff(a, b) < 0;
}

static inline bool seq_leq(seq32_t a, seq32_t b)
{
	return seq_diff(a, b) <= 0;
}

static inline bool seq_gt(seq32_t a, seq32_t b)
{
	return seq_diff(a, b) > 0;
}

static inline bool seq_geq(seq32_t a, seq32_t b)
{
	return seq_diff(a, b) >= 0;
}

/* a + n modulo 2^32 (n bytes or sequence-space units after a). */
static inline seq32_t seq_add(seq32_t a, uint32_t n)
{
	return seq32(a.v + n);
}

/* a - n modulo 2^32. */
static inline seq32_t seq_sub(seq32_t a, uint32_t n)
{
	return seq32(a.v - n);
}

/* Units from `from` forward to `to` modulo 2^32, e.g. bytes in flight =
 * seq_dist(snd_una, snd_nxt). Meaningful when seq_leq(from, to). */
static inline uint32_t seq_dist(seq32_t from, seq32_t to)
{
	return to.v - from.v;
}

/* lo <= s < lo + len on the circle (RFC 9293 §3.10.7.4 segment acceptability). An empty
 * window (len 0) contains nothing; len may be up to 2^32 - 1. */
static inline bool seq_in_window(seq32_t s, seq32_t lo, uint32_t len)
{
	return s.v - lo.v < len;
}

/* lo <= s <= hi walking forward from lo (e.g. SND.UNA <= SEG.ACK <= SND.NXT). */
static inline bool seq_between(seq32_t s, seq32_t lo, seq32_t hi)
{
	return s.v - lo.v <= hi.v - lo.v;
}

static inline seq32_t seq_max(seq32_t a, seq32_t b)
{
	return seq_lt(a, b) ? b : a;
}

static inline seq32_t seq_min(seq32_t a, seq32_t b)
{
	return seq_lt(a, b) ? a : b;
}

/* --- Wrapping 32-bit ticks (TCP timestamps, RFC 7323 §5.3 PAWS) -------------------- */

/* a - b as a signed tick distance; positive when a is later. */
static inline int32_t ts_diff(uint32_t a, uint32_t b)
{
	return seq_to_signed_(a - b);
}

/* a is earlier than b (PAWS: SEG.TSval "less than" TS.Recent). */
static inline bool ts_before(uint32_t a, uint32_t b)
{
	return ts_diff(a, b) < 0;
}

static inline bool ts_before_eq(uint32_t a, uint32_t b)
{
	return ts_diff(a, b) <= 0;
}

static inline bool ts_after(uint32_t a, uint32_t b)
{
	return ts_diff(a, b) > 0;
}

static inline bool ts_after_eq(uint32_t a, uint32_t b)
{
	return ts_diff(a, b) >= 0;
}

#endif /* MOS_BASE_SEQ_H */
