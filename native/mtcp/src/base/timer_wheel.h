/* timer_wheel.h - hierarchical timer wheel with millisecond resolution and exact firing.
 *
 * Model
 *   Time is a uint64_t count of milliseconds supplied by the caller (the wheel never reads
 *   a clock). Timers are intrusive: a struct tw_timer lives inside its owner (TCB, socket,
 *   ARP entry...), the wheel links it into fixed lists and allocates nothing. The owner is
 *   recovered with MOS_CONTAINER_OF in the callback.
 *
 * Firing rule (exact, deterministic)
 *   tw_advance(w, now_ms, limit) processes time points t in increasing order up to now_ms
 *   and, at each t, calls the callback of every timer whose effective deadline is t:
 *     effective deadline = max(deadline_ms, wheel time when tw_arm was called)
 *   so a deadline in the past fires at the next processing point, never early and never
 *   skipped. Timers with the same effective deadline fire in arming order (the order of
 *   their latest tw_arm calls). While callbacks of time t run, tw_now() == t and the
 *   `now_ms` argument is t (the timer's own effective deadline, not the advance target):
 *   a callback re-arming at t + rto fires within the same tw_advance if that is <= now_ms,
 *   which makes a late advance behave exactly like a punctual one.
 *   Callbacks may arm, re-arm and cancel any timer of the wheel, including themselves and
 *   timers due at the same t; a timer armed for t (or earlier) from a callback at t fires
 *   in the same pass after the ones already due. Callbacks must not call tw_advance.
 *   "Handlers decide, one place applies effects": a callback is expected to record what
 *   must happen (flag the TCB, queue it for output) and let the engine apply it after
 *   tw_advance returns.
 *
 * Geometry (why 6 levels x 64 slots)
 *   Level L has 64 slots of 64^L ms: 1 ms, 64 ms, 4.1 s, 4.4 min, 4.7 h, 12.4 days; the six
 *   levels cover deadlines up to 2^36 ms (795 days) ahead, more than the 2^32 ms (49.7 days)
 *   the stack needs. 64 slots make each level's occupancy bitmap one uint64_t, so finding
 *   the next non-empty slot is one shift and count-trailing-zeros; 384 list heads are 6 KiB.
 *   A timer goes to the level of the highest 6-bit digit in which its deadline differs from
 *   the wheel time, in the slot named by the deadline's digit there (always above the wheel
 *   time's digit). When time reaches the start of that slot the timer is re-placed at a
 *   lower level ("cascade"); at level 0 a slot holds a single deadline. Deadlines beyond the
 *   six levels wait in an overflow list, re-placed when its earliest timer comes within
 *   the levels' reach (so even a jump of centuries costs O(timers), not O(jump / 2^36)).
 *   Time and deadlines are 64-bit and never wrap.
 *   Deadlines above TW_DEADLINE_MAX_MS are clamped to it (about 146 million years: "never").
 *
 * Complexity
 *   tw_arm, tw_cancel: O(1). tw_next_deadline: O(levels) = O(1).
 *   tw_advance: O(levels + fired + cascaded): each timer is cascaded at most 6 times
 *   (plus one re-placement per overflow visit), and empty slots are skipped via the
 *   bitmaps, so a jump of hours or years over an idle wheel costs a handful of steps,
 *   not one per millisecond.
 *   Memory: fixed at tw_init (struct tw_wheel, about 6.3 KiB), nothing allocated later.
 *
 * Thread-safety: none. A wheel belongs to one context and is driven by one thread.
 */
#ifndef MOS_BASE_TIMER_WHEEL_H
#define MOS_BASE_TIMER_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define TW_LEVEL_BITS 6
#define TW_SLOTS 64 /* 1 << TW_LEVEL_BITS */
#define TW_LEVELS 6
#define TW_DEADLINE_MAX_MS (UINT64_C(1) << 62)
#define TW_WHERE_NONE 0 /* tw_timer.where of a timer that is not armed */

struct tw_wheel;
struct tw_timer;

/* Called once per expiry on the thread running tw_advance; `now_ms` is the timer's
 * effective deadline. The timer is already disarmed when the callback runs. */
typedef void (*tw_fire_fn)(struct tw_wheel *w, struct tw_timer *t, uint64_t now_ms);

/* Doubly linked list node; a list head is the same node acting as sentinel. */
struct tw_link {
	struct tw_link *next;
	struct tw_link *prev;
};

/* Embedded in its owner. Initialise once with tw_timer_init; fields are private. A zeroed
 * timer counts as not armed (tw_cancel is a no-op on it; arming it needs tw_timer_init). */
struct tw_timer {
	struct tw_link link;
	uint64_t deadline_ms; /* effective deadline while armed */
	tw_fire_fn fire;
	uint16_t where; /* list index, or TW_WHERE_NONE when not armed */
};

struct tw_stats {
	uint64_t fired;       /* callbacks run */
	uint64_t cascaded;    /* timer moves to a lower level (or out of the overflow list) */
	uint64_t slot_visits; /* slots (and overflow list) emptied by tw_advance */
};

struct tw_wheel {
	uint64_t now_ms;              /* every effective deadline < now_ms has fired */
	uint64_t occupied[TW_LEVELS]; /* bit s of level L: slot[L][s] non-empty */
	struct tw_link slot[TW_LEVELS][TW_SLOTS];
	struct tw_link overflow;    /* deadlines beyond the top level */
	uint64_t overflow_floor_ms; /* <= every deadline in overflow */
	struct tw_link due;         /* effective deadline == now_ms, arming order */
	uint32_t armed;             /* timers currently armed */
	bool advancing;             /* inside tw_advance (callbacks running) */
	struct tw_stats stats;
};

/* Starts an empty wheel at time now_ms (<= TW_DEADLINE_MAX_MS). */
void tw_init(struct tw_wheel *w, uint64_t now_ms);

/* Prepares a timer (not armed) that runs `fire` when it expires. Call once before use; a
 * timer may be armed and fired any number of times afterwards. Inline: a TCB prepares
 * three of them per connection. */
static inline void tw_timer_init(struct tw_timer *t, tw_fire_fn fire)
{
	t->link.next = NULL;
	t->link.prev = NULL;
	t->deadline_ms = 0;
	t->fire = fire;
	t->where = TW_WHERE_NONE;
}

/* Arms t for deadline_ms (absolute). If t is armed it is re-armed: moved to the new
 * deadline and to the end of the arming order. O(1). */
void tw_arm(struct tw_wheel *w, struct tw_timer *t, uint64_t deadline_ms);

/* Disarms an armed t (the out-of-line part of tw_cancel). */
void tw_cancel_armed(struct tw_wheel *w, struct tw_timer *t);

/* Disarms t. Returns true if it was armed. Safe on an unarmed timer and from callbacks.
 * Inline: most cancels find the timer unarmed and cost one compare. */
static inline bool tw_cancel(struct tw_wheel *w, struct tw_timer *t)
{
	if (t->where == TW_WHERE_NONE)
		return false;
	tw_cancel_armed(w, t);
	return true;
}

/* Fires, in the documented order, every timer whose effective deadline is <= now_ms (which
 * must be >= tw_now(w)), stopping early once `fire_limit` callbacks have run. Returns the
 * number of callbacks run. If it stopped early, tw_now(w) is the time being processed
 * (< now_ms, or == now_ms with timers still due) and the next call continues from there. */
uint32_t tw_advance(struct tw_wheel *w, uint64_t now_ms, uint32_t fire_limit);

/* A lower bound of the earliest effective deadline: never later than it, and exact when the
 * earliest timer is in level 0 or due. Returns tw_now(w) when timers are due and UINT64_MAX
 * when none is armed. Sleeping until this time and then calling tw_advance is always safe:
 * when the bound was a cascade point, the advance moves timers down and the next call
 * returns a tighter value (at most TW_LEVELS + 1 wake-ups before the real deadline).
 * A lower bound rather than an upper bound because oversleeping would fire late. */
uint64_t tw_next_deadline(const struct tw_wheel *w);

static inline uint64_t tw_now(const struct tw_wheel *w)
{
	return w->now_ms;
}

static inline uint32_t tw_armed_count(const struct tw_wheel *w)
{
	return w->armed;
}

static inline bool tw_timer_armed(const struct tw_timer *t)
{
	return t->where != TW_WHERE_NONE;
}

/* Effective deadline of an armed timer. */
static inline uint64_t tw_timer_deadline(const struct tw_timer *t)
{
	return t->deadline_ms;
}

#endif /* MOS_BASE_TIMER_WHEEL_H */
