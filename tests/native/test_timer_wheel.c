/* test_timer_wheel.c - the hierarchical timer wheel against a trivially correct reference
 * (an array sorted by effective deadline and arming order) under random arm/cancel/re-arm/
 * advance sequences, plus the documented ordering rules and the cost bounds.
 *
 * Seeds: MOS_TEST_SEED=<n> replays one seed of the random cases; MOS_TEST_SEEDS=<count>
 * widens the sweep (soak), MOS_TEST_STEPS=<n> changes the steps per seed.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mos_test.h"

#include "base/assert.h"
#include "base/prng.h"
#include "base/timer_wheel.h"

/* --- Random model test -------------------------------------------------------------- */

#define TT_TIMERS 256

struct tt_timer {
	struct tw_timer tw;
	uint32_t id;
};

struct tt_ref {
	uint64_t eff; /* effective deadline */
	uint64_t seq; /* arming order */
	uint32_t id;
};

struct tt_world {
	struct tw_wheel wheel;
	struct tt_timer timers[TT_TIMERS];
	/* Reference: armed timers sorted by (eff, seq); its own notion of time. */
	struct tt_ref ref[TT_TIMERS];
	uint32_t ref_len;
	bool ref_armed[TT_TIMERS];
	uint64_t ref_eff[TT_TIMERS];
	uint64_t ref_seq[TT_TIMERS];
	uint64_t ref_now;
	uint64_t next_seq;
	uint64_t target; /* now_ms of the running tw_advance */
	struct prng rng;
	uint64_t fired;
	uint64_t callback_actions;
};

static struct tt_world tt_w; /* large: static rather than on the stack */

static bool tt_ref_less(uint64_t eff_a, uint64_t seq_a, uint64_t eff_b, uint64_t seq_b)
{
	return eff_a < eff_b || (eff_a == eff_b && seq_a < seq_b);
}

/* Index of the first entry not less than (eff, seq). */
static uint32_t tt_ref_lower_bound(const struct tt_world *w, uint64_t eff, uint64_t seq)
{
	uint32_t lo = 0, hi = w->ref_len;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (tt_ref_less(w->ref[mid].eff, w->ref[mid].seq, eff, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void tt_ref_remove(struct tt_world *w, uint32_t id)
{
	uint32_t at;
	if (!w->ref_armed[id])
		return;
	at = tt_ref_lower_bound(w, w->ref_eff[id], w->ref_seq[id]);
	CHECK(at < w->ref_len && w->ref[at].id == id);
	memmove(&w->ref[at], &w->ref[at + 1], (w->ref_len - at - 1) * sizeof w->ref[0]);
	w->ref_len--;
	w->ref_armed[id] = false;
}

static void tt_ref_arm(struct tt_world *w, uint32_t id, uint64_t deadline_ms)
{
	uint64_t eff = deadline_ms;
	uint32_t at;

	tt_ref_remove(w, id);
	if (eff > TW_DEADLINE_MAX_MS)
		eff = TW_DEADLINE_MAX_MS;
	if (eff < w->ref_now)
		eff = w->ref_now;
	w->ref_armed[id] = true;
	w->ref_eff[id] = eff;
	w->ref_seq[id] = w->next_seq++;
	at = tt_ref_lower_bound(w, eff, w->ref_seq[id]);
	memmove(&w->ref[at + 1], &w->ref[at], (w->ref_len - at) * sizeof w->ref[0]);
	w->ref[at] = (struct tt_ref){eff, w->ref_seq[id], id};
	w->ref_len++;
}

/* Both worlds, same operation. */
static void tt_arm(struct tt_world *w, uint32_t id, uint64_t deadline_ms)
{
	tw_arm(&w->wheel, &w->timers[id].tw, deadline_ms);
	tt_ref_arm(w, id, deadline_ms);
	CHECK(tw_timer_armed(&w->timers[id].tw));
	CHECK_EQ_U64(tw_timer_deadline(&w->timers[id].tw), w->ref_eff[id]);
}

static void tt_cancel(struct tt_world *w, uint32_t id)
{
	bool was = tw_cancel(&w->wheel, &w->timers[id].tw);
	CHECK_EQ(was, w->ref_armed[id]);
	tt_ref_remove(w, id);
}

/* A deadline relative to `now`: past, same-ms, near, far (days), beyond the levels,
 * on level boundaries, and "never". */
static uint64_t tt_random_deadline(struct prng *r, uint64_t now)
{
	uint32_t kind = (uint32_t)prng_below(r, 1000);

	if (kind < 150)
		return now - (now < 1000 ? now : prng_below(r, 1000));
	if (kind < 300)
		return now + prng_below(r, 4);
	if (kind < 550)
		return now + prng_below(r, 200);
	if (kind < 750)
		return now + prng_below(r, 100000);
	if (kind < 900)
		return now + prng_below(r, UINT64_C(1) << 32);
	if (kind < 950)
		return now + prng_range(r, UINT64_C(1) << 32, UINT64_C(1) << 38);
	if (kind < 995) {
		unsigned level = 1 + (unsigned)prng_below(r, TW_LEVELS);
		uint64_t unit = UINT64_C(1) << (level * TW_LEVEL_BITS);
		uint64_t boundary = (now / unit + 1 + prng_below(r, 3)) * unit;
		return boundary - 1 + prng_below(r, 3);
	}
	return UINT64_MAX;
}

static uint64_t tt_random_step(struct prng *r, uint64_t now)
{
	uint32_t kind = (uint32_t)prng_below(r, 1000);

	if (kind < 400)
		return prng_below(r, 4);
	if (kind < 650)
		return prng_below(r, 100);
	if (kind < 800)
		return prng_below(r, 10000);
	if (kind < 900)
		return prng_below(r, UINT64_C(1) << 24);
	if (kind < 970)
		return prng_below(r, UINT64_C(1) << 33);
	{
		unsigned level = 1 + (unsigned)prng_below(r, TW_LEVELS);
		uint64_t unit = UINT64_C(1) << (level * TW_LEVEL_BITS);
		uint64_t boundary = (now / unit + 1) * unit;
		return boundary - now - 1 + prng_below(r, 3);
	}
}

static void tt_fire(struct tw_wheel *wheel, struct tw_timer *t, uint64_t now_ms)
{
	struct tt_world *w = MOS_CONTAINER_OF(wheel, struct tt_world, wheel);
	struct tt_timer *tt = MOS_CONTAINER_OF(t, struct tt_timer, tw);
	struct tt_ref expect;
	uint32_t action;

	CHECK_MSG(w->ref_len > 0, "timer %u fired at %llu but the reference has nothing armed",
		  tt->id, (unsigned long long)now_ms);
	expect = w->ref[0];
	CHECK_MSG(expect.id == tt->id && expect.eff == now_ms,
		  "fired timer %u at %llu, expected timer %u at %llu", tt->id,
		  (unsigned long long)now_ms, expect.id, (unsigned long long)expect.eff);
	CHECK(now_ms <= w->target);
	CHECK(now_ms >= w->ref_now);
	CHECK(!tw_timer_armed(t));
	CHECK_EQ_U64(tw_now(wheel), now_ms);
	tt_ref_remove(w, tt->id);
	w->ref_now = now_ms;
	w->fired++;

	/* Callbacks re-arm themselves, cancel and arm others (including ones due now). */
	action = (uint32_t)prng_below(&w->rng, 100);
	if (action < 30) {
		tt_arm(w, tt->id,
		       now_ms + prng_below(&w->rng, prng_chance(&w->rng, 1, 4) ? 3 : 300));
		w->callback_actions++;
	} else if (action < 45) {
		tt_cancel(w, (uint32_t)prng_below(&w->rng, TT_TIMERS));
		w->callback_actions++;
	} else if (action < 60) {
		uint32_t other = (uint32_t)prng_below(&w->rng, TT_TIMERS);
		tt_arm(w, other, tt_random_deadline(&w->rng, now_ms));
		w->callback_actions++;
	}
}

static void tt_advance(struct tt_world *w, uint64_t now_ms)
{
	uint64_t fired_before = w->fired;
	uint32_t n;

	w->target = now_ms;
	n = tw_advance(&w->wheel, now_ms, UINT32_MAX);
	CHECK_EQ_U64(n, w->fired - fired_before);
	CHECK_EQ_U64(tw_now(&w->wheel), now_ms);
	/* Never lost: nothing with an effective deadline <= now may remain. */
	CHECK_MSG(w->ref_len == 0 || w->ref[0].eff > now_ms,
		  "timer %u due at %llu did not fire by %llu", w->ref[0].id,
		  (unsigned long long)w->ref[0].eff, (unsigned long long)now_ms);
	w->ref_now = now_ms;
}

static void tt_check_consistent(struct tt_world *w)
{
	uint64_t next = tw_next_deadline(&w->wheel);

	CHECK_EQ(tw_armed_count(&w->wheel), w->ref_len);
	if (w->ref_len == 0) {
		CHECK_EQ_U64(next, UINT64_MAX);
	} else {
		CHECK_MSG(next <= w->ref[0].eff && next >= tw_now(&w->wheel),
			  "next deadline %llu is not a bound of %llu at now %llu",
			  (unsigned long long)next, (unsigned long long)w->ref[0].eff,
			  (unsigned long long)tw_now(&w->wheel));
	}
}

static void tt_run_seed(uint64_t seed, uint32_t steps)
{
	struct tt_world *w = &tt_w;
	uint64_t start;

	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	memset(w, 0, sizeof *w);
	prng_init(&w->rng, seed);
	/* Half the seeds start just below a 2^36 boundary, where every digit changes. */
	start = prng_chance(&w->rng, 1, 2) ? (UINT64_C(1) << 36) - prng_below(&w->rng, 5000)
					   : prng_below(&w->rng, UINT64_C(1) << 40);
	tw_init(&w->wheel, start);
	w->ref_now = start;
	for (uint32_t i = 0; i < TT_TIMERS; i++) {
		w->timers[i].id = i;
		tw_timer_init(&w->timers[i].tw, tt_fire);
	}
	for (uint32_t step = 0; step < steps; step++) {
		uint32_t op = (uint32_t)prng_below(&w->rng, 100);
		uint32_t id = (uint32_t)prng_below(&w->rng, TT_TIMERS);
		uint64_t now = tw_now(&w->wheel);

		if (op < 45)
			tt_arm(w, id, tt_random_deadline(&w->rng, now));
		else if (op < 55)
			tt_cancel(w, id);
		else
			tt_advance(w, now + tt_random_step(&w->rng, now));
		tt_check_consistent(w);
	}
	/* Drain everything but the "never" timers, then cancel those. */
	tt_advance(w, tw_now(&w->wheel) + (UINT64_C(1) << 40));
	for (uint32_t i = 0; i < TT_TIMERS; i++)
		tt_cancel(w, i);
	CHECK_EQ(tw_armed_count(&w->wheel), 0);
	CHECK_EQ_U64(tw_next_deadline(&w->wheel), UINT64_MAX);
	CHECK(w->fired > steps / 10);
	CHECK(w->callback_actions > 0);
}

static uint64_t tt_env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);
	return v != NULL ? strtoull(v, NULL, 0) : dflt;
}

TEST(tw_matches_reference_under_random_operations)
{
	uint32_t steps = (uint32_t)tt_env_u64("MOS_TEST_STEPS", 100000);
	uint64_t seeds = tt_env_u64("MOS_TEST_SEEDS", 20);

	if (getenv("MOS_TEST_SEED") != NULL) {
		tt_run_seed(tt_env_u64("MOS_TEST_SEED", 0), steps);
		return;
	}
	for (uint64_t s = 1; s <= seeds; s++)
		tt_run_seed(s * UINT64_C(0x9e3779b97f4a7c15), steps);
}

/* --- Documented rules, one case each ----------------------------------------------- */

#define TL_MAX 64

struct tl_log {
	struct tw_wheel wheel;
	struct tt_timer t[8];
	uint32_t ids[TL_MAX];
	uint64_t at[TL_MAX];
	uint32_t n;
	int32_t cancel_on_fire[8]; /* timer to cancel when this one fires, or -1 */
	uint64_t period_ms[8];     /* re-arm period, 0 = one-shot */
};

static struct tl_log tl;

static void tl_fire(struct tw_wheel *wheel, struct tw_timer *t, uint64_t now_ms)
{
	struct tt_timer *tt = MOS_CONTAINER_OF(t, struct tt_timer, tw);

	CHECK(tl.n < TL_MAX);
	tl.ids[tl.n] = tt->id;
	tl.at[tl.n] = now_ms;
	tl.n++;
	if (tl.cancel_on_fire[tt->id] >= 0)
		tw_cancel(wheel, &tl.t[tl.cancel_on_fire[tt->id]].tw);
	if (tl.period_ms[tt->id] != 0)
		tw_arm(wheel, t, now_ms + tl.period_ms[tt->id]);
}

static void tl_setup(uint64_t now_ms)
{
	memset(&tl, 0, sizeof tl);
	tw_init(&tl.wheel, now_ms);
	for (uint32_t i = 0; i < 8; i++) {
		tl.t[i].id = i;
		tl.cancel_on_fire[i] = -1;
		tw_timer_init(&tl.t[i].tw, tl_fire);
	}
}

TEST(tw_equal_deadlines_fire_in_arming_order_across_cascades)
{
	tl_setup(0);
	tw_arm(&tl.wheel, &tl.t[0].tw, 100); /* level 1 at time 0 */
	tw_arm(&tl.wheel, &tl.t[4].tw, 100);
	tw_advance(&tl.wheel, 10, UINT32_MAX);
	tw_arm(&tl.wheel, &tl.t[1].tw, 100);   /* level 1 at time 10, after 0 and 4 */
	tw_advance(&tl.wheel, 70, UINT32_MAX); /* cascade at 64 */
	tw_arm(&tl.wheel, &tl.t[2].tw, 100);   /* level 0 at time 70 */
	tw_arm(&tl.wheel, &tl.t[0].tw, 100);   /* re-arm: moves to the end of the order */
	tw_arm(&tl.wheel, &tl.t[3].tw, 99);
	CHECK_EQ(tw_advance(&tl.wheel, 99, UINT32_MAX), 1);
	CHECK_EQ(tw_advance(&tl.wheel, 100, UINT32_MAX), 4);
	CHECK_EQ(tl.n, 5);
	CHECK_EQ(tl.ids[0], 3);
	CHECK_EQ(tl.at[0], 99);
	CHECK_EQ(tl.ids[1], 4);
	CHECK_EQ(tl.ids[2], 1);
	CHECK_EQ(tl.ids[3], 2);
	CHECK_EQ(tl.ids[4], 0);
	CHECK_EQ(tl.at[4], 100);
}

TEST(tw_past_deadline_fires_at_next_advance_with_current_time)
{
	tl_setup(5000);
	tw_arm(&tl.wheel, &tl.t[0].tw, 10);
	CHECK_EQ_U64(tw_timer_deadline(&tl.t[0].tw), 5000);
	CHECK_EQ_U64(tw_next_deadline(&tl.wheel), 5000);
	CHECK_EQ(tw_advance(&tl.wheel, 5000, UINT32_MAX), 1);
	CHECK_EQ(tl.at[0], 5000);
	CHECK_EQ(tw_advance(&tl.wheel, 6000, UINT32_MAX), 0);
}

TEST(tw_never_fires_early)
{
	tl_setup(0);
	tw_arm(&tl.wheel, &tl.t[0].tw, 4096); /* level 2 boundary */
	tw_arm(&tl.wheel, &tl.t[1].tw, 4095);
	CHECK_EQ(tw_advance(&tl.wheel, 4094, UINT32_MAX), 0);
	CHECK_EQ(tw_advance(&tl.wheel, 4095, UINT32_MAX), 1);
	CHECK_EQ(tl.ids[0], 1);
	CHECK_EQ(tw_advance(&tl.wheel, 4096, UINT32_MAX), 1);
	CHECK_EQ(tl.ids[1], 0);
	CHECK_EQ(tl.at[1], 4096);
}

TEST(tw_periodic_rearm_in_callback_fires_within_one_late_advance)
{
	tl_setup(0);
	tl.period_ms[0] = 10;
	tw_arm(&tl.wheel, &tl.t[0].tw, 10);
	CHECK_EQ(tw_advance(&tl.wheel, 505, UINT32_MAX), 50);
	for (uint32_t i = 0; i < 50; i++)
		CHECK_EQ(tl.at[i], 10 * (i + 1));
	CHECK(tw_timer_armed(&tl.t[0].tw));
	CHECK_EQ_U64(tw_timer_deadline(&tl.t[0].tw), 510);
}

TEST(tw_callback_cancels_timer_due_in_same_ms)
{
	tl_setup(0);
	tl.cancel_on_fire[0] = 1;
	tw_arm(&tl.wheel, &tl.t[0].tw, 5);
	tw_arm(&tl.wheel, &tl.t[1].tw, 5);
	tw_arm(&tl.wheel, &tl.t[2].tw, 5);
	CHECK_EQ(tw_advance(&tl.wheel, 5, UINT32_MAX), 2);
	CHECK_EQ(tl.ids[0], 0);
	CHECK_EQ(tl.ids[1], 2);
	CHECK(!tw_timer_armed(&tl.t[1].tw));
	CHECK_EQ(tw_armed_count(&tl.wheel), 0);
}

TEST(tw_fire_limit_stops_and_resumes_in_order)
{
	tl_setup(0);
	for (uint32_t i = 0; i < 6; i++)
		tw_arm(&tl.wheel, &tl.t[i].tw, 5);
	tw_arm(&tl.wheel, &tl.t[6].tw, 8);
	CHECK_EQ(tw_advance(&tl.wheel, 10, 4), 4);
	CHECK_EQ_U64(tw_now(&tl.wheel), 5);
	CHECK_EQ_U64(tw_next_deadline(&tl.wheel), 5);
	CHECK_EQ(tw_advance(&tl.wheel, 10, 2), 2);
	CHECK_EQ(tw_advance(&tl.wheel, 10, 0), 0);
	CHECK_EQ_U64(tw_now(&tl.wheel), 5);
	CHECK_EQ(tw_advance(&tl.wheel, 10, 5), 1);
	CHECK_EQ_U64(tw_now(&tl.wheel), 10);
	for (uint32_t i = 0; i < 7; i++)
		CHECK_EQ(tl.ids[i], i);
	CHECK_EQ(tl.at[6], 8);
}

TEST(tw_deadlines_beyond_levels_and_clamp)
{
	uint64_t far = (UINT64_C(1) << 40) + 12345;

	tl_setup(0);
	tw_arm(&tl.wheel, &tl.t[0].tw, far);
	tw_arm(&tl.wheel, &tl.t[1].tw, UINT64_MAX);
	CHECK_EQ_U64(tw_timer_deadline(&tl.t[1].tw), TW_DEADLINE_MAX_MS);
	CHECK_EQ(tw_advance(&tl.wheel, far - 1, UINT32_MAX), 0);
	CHECK_EQ(tw_advance(&tl.wheel, far, UINT32_MAX), 1);
	CHECK_EQ_U64(tl.at[0], far);
	/* A jump of ~146 million years with a timer waiting in the overflow list costs a few
	 * slot visits, not one per 2^36 ms. */
	tl.wheel.stats.slot_visits = 0;
	CHECK_EQ(tw_advance(&tl.wheel, TW_DEADLINE_MAX_MS - 1, UINT32_MAX), 0);
	CHECK_MSG(tl.wheel.stats.slot_visits <= TW_LEVELS + 1, "%llu slot visits",
		  (unsigned long long)tl.wheel.stats.slot_visits);
	CHECK_EQ(tw_advance(&tl.wheel, TW_DEADLINE_MAX_MS, UINT32_MAX), 1);
	CHECK_EQ(tl.ids[1], 1);
}

TEST(tw_next_deadline_is_a_lower_bound_reaching_the_deadline_in_few_wakeups)
{
	uint64_t deadline = 3ULL * 24 * 3600 * 1000 + 777; /* three days */
	uint32_t wakeups = 0;

	tl_setup(123456);
	tw_arm(&tl.wheel, &tl.t[0].tw, deadline);
	while (tl.n == 0) {
		uint64_t next = tw_next_deadline(&tl.wheel);
		CHECK(next <= deadline);
		CHECK(next > tw_now(&tl.wheel));
		tw_advance(&tl.wheel, next, UINT32_MAX);
		wakeups++;
		CHECK(wakeups <= TW_LEVELS + 1);
	}
	CHECK_EQ_U64(tl.at[0], deadline);
	CHECK_EQ_U64(tw_next_deadline(&tl.wheel), UINT64_MAX);
}

TEST(tw_idle_ten_hour_jump_touches_bounded_slots)
{
	const uint64_t ten_hours_ms = 10ULL * 3600 * 1000;
	struct prng r;

	tl_setup(987654321);
	/* Empty wheel: no slot at all. */
	CHECK_EQ(tw_advance(&tl.wheel, tw_now(&tl.wheel) + ten_hours_ms, UINT32_MAX), 0);
	CHECK_EQ_U64(tl.wheel.stats.slot_visits, 0);
	/* Timers beyond the jump, spread over days: the jump only cascades the few slots it
	 * crosses, not one per millisecond. */
	prng_init(&r, 42);
	for (uint32_t i = 0; i < 8; i++) {
		uint64_t ahead = ten_hours_ms + 1 + prng_below(&r, 5ULL * 24 * 3600 * 1000);
		tw_arm(&tl.wheel, &tl.t[i].tw, tw_now(&tl.wheel) + ahead);
	}
	CHECK_EQ(tw_advance(&tl.wheel, tw_now(&tl.wheel) + ten_hours_ms, UINT32_MAX), 0);
	CHECK_MSG(tl.wheel.stats.slot_visits <= 8 * TW_LEVELS, "10 h jump visited %llu slots",
		  (unsigned long long)tl.wheel.stats.slot_visits);
	CHECK(tl.wheel.stats.cascaded <= 8 * TW_LEVELS);
	CHECK_EQ(tw_armed_count(&tl.wheel), 8);
}

TEST(tw_advance_cost_is_bounded_by_fired_and_cascaded)
{
	struct prng r;
	uint64_t start = 1000;

	tl_setup(start);
	prng_init(&r, 7);
	for (uint32_t i = 0; i < 8; i++)
		tw_arm(&tl.wheel, &tl.t[i].tw, start + prng_below(&r, 1ULL << 35));
	CHECK_EQ(tw_advance(&tl.wheel, start + (1ULL << 35), UINT32_MAX), 8);
	CHECK(tl.wheel.stats.cascaded <= 8 * (TW_LEVELS - 1));
	CHECK(tl.wheel.stats.slot_visits <= 8 * TW_LEVELS);
	CHECK_EQ_U64(tl.wheel.stats.fired, 8);
}

TEST(tw_zeroed_timer_is_unarmed_and_cancel_is_a_no_op)
{
	static struct tw_timer zeroed;

	tl_setup(10);
	tw_arm(&tl.wheel, &tl.t[0].tw, 20);
	memset(&zeroed, 0, sizeof zeroed);
	CHECK(!tw_timer_armed(&zeroed));
	CHECK(!tw_cancel(&tl.wheel, &zeroed));
	CHECK(tw_cancel(&tl.wheel, &tl.t[0].tw));
	CHECK(!tw_cancel(&tl.wheel, &tl.t[0].tw));
	CHECK_EQ(tw_armed_count(&tl.wheel), 0);
	CHECK_EQ(tw_advance(&tl.wheel, 100, UINT32_MAX), 0);
}

/* --- Misuse stops the process ------------------------------------------------------- */

static void tm_reenter(struct tw_wheel *wheel, struct tw_timer *t, uint64_t now_ms)
{
	(void)t;
	tw_advance(wheel, now_ms + 1, UINT32_MAX);
}

static void tm_child_advance_from_callback(void)
{
	static struct tw_wheel wheel;
	static struct tw_timer timer;

	tw_init(&wheel, 0);
	tw_timer_init(&timer, tm_reenter);
	tw_arm(&wheel, &timer, 1);
	tw_advance(&wheel, 1, UINT32_MAX);
}

static void tm_child_time_backwards(void)
{
	static struct tw_wheel wheel;

	tw_init(&wheel, 100);
	tw_advance(&wheel, 99, UINT32_MAX);
}

TEST(tw_advance_from_callback_aborts)
{
	char err[4096];
	int status = mt_run_child(tm_child_advance_from_callback, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "tw_advance called from a timer callback");
}

TEST(tw_time_going_backwards_aborts)
{
	char err[4096];
	int status = mt_run_child(tm_child_time_backwards, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "time went backwards");
}
