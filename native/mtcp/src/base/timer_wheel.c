/* timer_wheel.c - hierarchical timer wheel (geometry and ordering rules in timer_wheel.h).
 *
 * Invariants, for every armed timer t with effective deadline d and wheel time now:
 *   - in slot[L][s]: d > now, d agrees with now on every digit above L, and the digit L of
 *     d is s > digit L of now. Hence only bits above now's digit are set in occupied[L],
 *     and all timers of level L are earlier than all timers of level L + 1.
 *   - in overflow: d differs from now above the top level (d >= next multiple of 2^36),
 *     and d >= overflow_floor_ms (a lower bound kept on insert; cancels may leave it low,
 *     which only makes the overflow list's re-placement happen early, never late).
 *   - in due: d == now.
 * A timer's list is a function of (d, now) only, so timers with equal deadlines always
 * share a list; lists are FIFO and cascades preserve order, which yields arming order for
 * equal deadlines.
 */
#include <stddef.h>

#include "base/assert.h"
#include "base/timer_wheel.h"

#define TW_MASK (TW_SLOTS - 1)
/* tw_timer.where: 0 = not armed (so a zeroed timer is a valid unarmed one), then one
 * index per slot, the overflow list and the due list. */
#define TW_WHERE_SLOT0 1
#define TW_WHERE_OVERFLOW (TW_WHERE_SLOT0 + TW_LEVELS * TW_SLOTS)
#define TW_WHERE_DUE (TW_WHERE_OVERFLOW + 1)
#define TW_TOP_BITS (TW_LEVELS * TW_LEVEL_BITS)

MOS_STATIC_ASSERT(TW_SLOTS == 1 << TW_LEVEL_BITS, "one occupancy bit per slot");
MOS_STATIC_ASSERT(TW_SLOTS == 64, "occupancy bitmap is one uint64_t");
MOS_STATIC_ASSERT(TW_TOP_BITS < 62, "overflow boundary arithmetic stays below 2^63");
MOS_STATIC_ASSERT(TW_WHERE_NONE == 0 && TW_WHERE_DUE <= UINT16_MAX,
		  "list indices fit tw_timer.where");

static void tw_list_init(struct tw_link *head)
{
	head->next = head;
	head->prev = head;
}

static bool tw_list_empty(const struct tw_link *head)
{
	return head->next == head;
}

static void tw_list_append(struct tw_link *head, struct tw_link *node)
{
	node->prev = head->prev;
	node->next = head;
	head->prev->next = node;
	head->prev = node;
}

static void tw_list_unlink(struct tw_link *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	node->next = NULL;
	node->prev = NULL;
}

/* Moves every node of src (in order) to the empty list dst. */
static void tw_list_take(struct tw_link *dst, struct tw_link *src)
{
	MOS_ASSERT(tw_list_empty(dst));
	if (tw_list_empty(src))
		return;
	dst->next = src->next;
	dst->prev = src->prev;
	dst->next->prev = dst;
	dst->prev->next = dst;
	tw_list_init(src);
}

static struct tw_timer *tw_timer_of(struct tw_link *node)
{
	return MOS_CONTAINER_OF(node, struct tw_timer, link);
}

static unsigned tw_digit(uint64_t time_ms, unsigned level)
{
	return (unsigned)(time_ms >> (level * TW_LEVEL_BITS)) & TW_MASK;
}

static struct tw_link *tw_list_at(struct tw_wheel *w, unsigned where)
{
	if (where >= TW_WHERE_SLOT0 && where < TW_WHERE_OVERFLOW)
		return &w->slot[(where - TW_WHERE_SLOT0) / TW_SLOTS]
			       [(where - TW_WHERE_SLOT0) % TW_SLOTS];
	if (where == TW_WHERE_OVERFLOW)
		return &w->overflow;
	MOS_ASSERT_MSG(where == TW_WHERE_DUE, "corrupt timer list index %u", where);
	return &w->due;
}

/* Links t (effective deadline already set, >= now) into the list its deadline selects. */
static inline __attribute__((always_inline)) void tw_place(struct tw_wheel *w,
							   struct tw_timer *t)
{
	uint64_t differ = t->deadline_ms ^ w->now_ms;
	unsigned level, slot;

	MOS_ASSERT(t->deadline_ms >= w->now_ms);
	if (differ == 0) {
		t->where = TW_WHERE_DUE;
		tw_list_append(&w->due, &t->link);
		return;
	}
	level = (unsigned)(63 - __builtin_clzll(differ)) / TW_LEVEL_BITS;
	if (level >= TW_LEVELS) {
		if (tw_list_empty(&w->overflow) || t->deadline_ms < w->overflow_floor_ms)
			w->overflow_floor_ms = t->deadline_ms;
		t->where = TW_WHERE_OVERFLOW;
		tw_list_append(&w->overflow, &t->link);
		return;
	}
	slot = tw_digit(t->deadline_ms, level);
	MOS_ASSERT(slot > tw_digit(w->now_ms, level));
	t->where = (uint16_t)(TW_WHERE_SLOT0 + level * TW_SLOTS + slot);
	tw_list_append(&w->slot[level][slot], &t->link);
	w->occupied[level] |= UINT64_C(1) << slot;
}

/* Removes an armed t from its list, keeping the occupancy bitmap exact. */
static void tw_detach(struct tw_wheel *w, struct tw_timer *t)
{
	unsigned where = t->where;
	/* The list becomes empty iff t is its only node: both neighbours are the head. */
	bool last = t->link.next == t->link.prev;

	MOS_ASSERT(w->armed > 0);
	MOS_ASSERT_MSG(where >= TW_WHERE_SLOT0 && where <= TW_WHERE_DUE,
		       "corrupt timer list index %u", where);
	MOS_ASSERT(!last || t->link.next == tw_list_at(w, where));
	tw_list_unlink(&t->link);
	if (last && where < TW_WHERE_OVERFLOW) {
		unsigned index = where - TW_WHERE_SLOT0;
		w->occupied[index / TW_SLOTS] &= ~(UINT64_C(1) << (index % TW_SLOTS));
	}
	t->where = TW_WHERE_NONE;
	w->armed--;
}

void tw_init(struct tw_wheel *w, uint64_t now_ms)
{
	MOS_ASSERT(w != NULL);
	MOS_ASSERT(now_ms <= TW_DEADLINE_MAX_MS);
	w->now_ms = now_ms;
	for (unsigned level = 0; level < TW_LEVELS; level++) {
		w->occupied[level] = 0;
		for (unsigned slot = 0; slot < TW_SLOTS; slot++)
			tw_list_init(&w->slot[level][slot]);
	}
	tw_list_init(&w->overflow);
	tw_list_init(&w->due);
	w->overflow_floor_ms = UINT64_MAX;
	w->armed = 0;
	w->advancing = false;
	w->stats = (struct tw_stats){0, 0, 0};
}

void tw_arm(struct tw_wheel *w, struct tw_timer *t, uint64_t deadline_ms)
{
	MOS_ASSERT_MSG(t->fire != NULL, "timer armed before tw_timer_init");
	if (tw_timer_armed(t))
		tw_detach(w, t);
	if (deadline_ms > TW_DEADLINE_MAX_MS)
		deadline_ms = TW_DEADLINE_MAX_MS;
	if (deadline_ms < w->now_ms)
		deadline_ms = w->now_ms;
	t->deadline_ms = deadline_ms;
	tw_place(w, t);
	MOS_ASSERT(w->armed < UINT32_MAX);
	w->armed++;
}

void tw_cancel_armed(struct tw_wheel *w, struct tw_timer *t)
{
	MOS_ASSERT(tw_timer_armed(t));
	tw_detach(w, t);
}

/* Runs callbacks of due timers, head first, at most `budget`. Callbacks may append to the
 * due list (deadline <= now) or cancel entries in it; popping the head each time keeps
 * iteration valid. */
static uint32_t tw_fire_due(struct tw_wheel *w, uint32_t budget)
{
	uint32_t fired = 0;

	while (fired < budget && !tw_list_empty(&w->due)) {
		struct tw_timer *t = tw_timer_of(w->due.next);

		MOS_ASSERT(t->where == TW_WHERE_DUE && t->deadline_ms == w->now_ms);
		tw_detach(w, t);
		w->stats.fired++;
		fired++;
		t->fire(w, t, w->now_ms);
	}
	return fired;
}

/* Time of the next thing to do: start of the first occupied slot of the lowest non-empty
 * level (*level_out < TW_LEVELS), or for the overflow list (*level_out == TW_LEVELS) the
 * time its earliest timer enters the levels: that deadline with the low 36 bits cleared
 * (computed from a lower bound of it, so possibly earlier, never later). UINT64_MAX when no
 * timer waits outside the due list. */
static uint64_t tw_next_event(const struct tw_wheel *w, unsigned *level_out, unsigned *slot_out)
{
	for (unsigned level = 0; level < TW_LEVELS; level++) {
		uint64_t occ = w->occupied[level];
		unsigned shift = level * TW_LEVEL_BITS, slot;
		uint64_t above;

		if (occ == 0)
			continue;
		MOS_ASSERT((occ & ((UINT64_C(2) << tw_digit(w->now_ms, level)) - 1)) == 0);
		slot = (unsigned)__builtin_ctzll(occ);
		above = w->now_ms >> (shift + TW_LEVEL_BITS) << (shift + TW_LEVEL_BITS);
		*level_out = level;
		*slot_out = slot;
		return above | (uint64_t)slot << shift;
	}
	if (tw_list_empty(&w->overflow))
		return UINT64_MAX;
	*level_out = TW_LEVELS;
	*slot_out = 0;
	MOS_ASSERT((w->overflow_floor_ms >> TW_TOP_BITS) > (w->now_ms >> TW_TOP_BITS));
	return w->overflow_floor_ms >> TW_TOP_BITS << TW_TOP_BITS;
}

/* At the start time of a slot (now already moved there): level 0 slots become due, higher
 * slots and the overflow list are re-placed relative to the new time. */
static void tw_process_slot(struct tw_wheel *w, unsigned level, unsigned slot)
{
	struct tw_link batch;
	struct tw_link *src = level < TW_LEVELS ? &w->slot[level][slot] : &w->overflow;

	MOS_ASSERT(tw_list_empty(&w->due));
	tw_list_init(&batch);
	tw_list_take(&batch, src);
	if (level < TW_LEVELS)
		w->occupied[level] &= ~(UINT64_C(1) << slot);
	w->stats.slot_visits++;
	while (!tw_list_empty(&batch)) {
		struct tw_timer *t = tw_timer_of(batch.next);

		tw_list_unlink(&t->link);
		MOS_ASSERT(t->deadline_ms >= w->now_ms);
		MOS_ASSERT(level > 0 || t->deadline_ms == w->now_ms);
		if (level > 0)
			w->stats.cascaded++;
		tw_place(w, t);
	}
}

uint32_t tw_advance(struct tw_wheel *w, uint64_t now_ms, uint32_t fire_limit)
{
	uint32_t fired = 0;

	MOS_ASSERT_MSG(!w->advancing, "tw_advance called from a timer callback");
	MOS_ASSERT_MSG(now_ms >= w->now_ms, "time went backwards: %llu < %llu",
		       (unsigned long long)now_ms, (unsigned long long)w->now_ms);
	MOS_ASSERT(now_ms <= TW_DEADLINE_MAX_MS);
	w->advancing = true;
	for (;;) {
		unsigned level = 0, slot = 0;
		uint64_t next_ms;

		fired += tw_fire_due(w, fire_limit - fired);
		if (!tw_list_empty(&w->due))
			break; /* fire_limit reached with timers still due at now */
		next_ms = tw_next_event(w, &level, &slot);
		if (next_ms > now_ms) {
			w->now_ms = now_ms;
			break;
		}
		if (fired == fire_limit)
			break; /* more to fire before now_ms: resume from this time */
		MOS_ASSERT(next_ms > w->now_ms);
		w->now_ms = next_ms;
		tw_process_slot(w, level, slot);
	}
	w->advancing = false;
	MOS_ASSERT(fired <= fire_limit);
	return fired;
}

uint64_t tw_next_deadline(const struct tw_wheel *w)
{
	unsigned level, slot;

	if (!tw_list_empty(&w->due))
		return w->now_ms;
	return tw_next_event(w, &level, &slot);
}

#undef TW_MASK
#undef TW_WHERE_SLOT0
#undef TW_WHERE_OVERFLOW
#undef TW_WHERE_DUE
#undef TW_TOP_BITS
