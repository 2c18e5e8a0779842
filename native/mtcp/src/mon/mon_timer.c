/* mon_timer.c - mtcp_settimer: one-shot user timers on the context's timer wheel.
 *
 * The context's thread arms them directly (from callbacks, including the timer's own
 * callback to re-arm it). Other threads append a request under `tmr_lock`, held only
 * for the copy; the context's thread moves requests onto the wheel at its next loop
 * iteration, counting the delay from then. Equal deadlines fire in arming order. */
#include <errno.h>

#include "base/assert.h"
#include "mon/mon.h"

static void mon_utimer_fired(struct tw_wheel *w, struct tw_timer *t, uint64_t now_ms)
{
	struct mon_utimer *u = MOS_CONTAINER_OF(t, struct mon_utimer, t);
	struct mon_ctx *m = u->m;
	callback_t cb = u->cb;
	int id = u->id;
	(void)w;
	(void)now_ms;
	/* Free first: the callback may arm a new timer and find the pool full otherwise. */
	pool_put(&m->utimers, u);
	mon_cb_enter(m);
	cb(m->mctx, id, 0, 0, NULL);
	mon_cb_leave(m);
}

int mon_utimer_arm(struct mon_ctx *m, int id, uint64_t delay_ms, callback_t cb)
{
	MOS_ASSERT(cb != NULL);
	struct mon_utimer *u = pool_get(&m->utimers);
	if (u == NULL)
		return -ENOMEM;
	u->m = m;
	u->id = id;
	u->cb = cb;
	tw_timer_init(&u->t, mon_utimer_fired);
	struct tw_wheel *w = &m->eng->wheel;
	uint64_t now = tw_now(w) > m->eng->now_ms ? tw_now(w) : m->eng->now_ms;
	tw_arm(w, &u->t, now + delay_ms);
	return 0;
}

int mon_utimer_request(struct mon_ctx *m, int id, uint64_t delay_ms, callback_t cb)
{
	int rc = 0;
	pthread_mutex_lock(&m->tmr_lock);
	uint32_t n = atomic_load_explicit(&m->tmr_nreq, memory_order_relaxed);
	if (n >= MON_UTIMER_QUEUE) {
		rc = -ENOMEM;
	} else {
		m->tmr_req[n] = (struct mon_utimer_req){id, cb, delay_ms};
		atomic_store_explicit(&m->tmr_nreq, n + 1, memory_order_release);
	}
	pthread_mutex_unlock(&m->tmr_lock);
	return rc;
}

void mon_utimer_drain(struct mon_ctx *m)
{
	/* Arming is O(1) per request: holding the lock meanwhile costs the (rare)
	 * registering threads little. */
	pthread_mutex_lock(&m->tmr_lock);
	uint32_t n = atomic_load_explicit(&m->tmr_nreq, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++) {
		const struct mon_utimer_req *r = &m->tmr_req[i];
		/* Pool exhausted: the request is dropped (the pool holds MON_UTIMER_MAX
		 * timers; mtcp_settimer from the context's thread reports ENOMEM). */
		(void)mon_utimer_arm(m, r->id, r->delay_ms, r->cb);
	}
	atomic_store_explicit(&m->tmr_nreq, 0, memory_order_relaxed);
	pthread_mutex_unlock(&m->tmr_lock);
}

void mon_utimer_fini(struct mon_ctx *m)
{
	for (uint32_t i = 0; i < pool_capacity(&m->utimers); i++) {
		if (!pool_is_live(&m->utimers, i))
			continue;
		struct mon_utimer *u = pool_at(&m->utimers, i);
		tw_cancel(&m->eng->wheel, &u->t);
		pool_put(&m->utimers, u);
	}
}
