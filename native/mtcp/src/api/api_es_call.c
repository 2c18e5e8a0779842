/* api_es_call.c - how application threads reach the context thread.
 *
 * Run to completion: the caller is the context thread; a request executes at once, and
 * a blocking one drives the context's loop (api_ctx_step) until its condition holds.
 *
 * Stack thread: a request is posted into one of ES_REQ_SLOTS slots of the context's
 * mailbox (a lock-free bitmap: application threads claim a free slot with a CAS and
 * set its bit in `posted`); the stack thread takes the posted bits once per loop
 * iteration, executes each request, and either completes it or keeps it parked and
 * executes it again every iteration until its condition holds, its deadline passes,
 * SIGINT interrupts it, or the loop ends. The application spins briefly, then sleeps on
 * the request's state word (futex) until the stack thread completes it. A stack thread
 * that naps (idle) is woken through a futex when work is posted. No mutex anywhere. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "api/api_es.h"
#include "api/api_internal.h"
#include "api/api_process.h"
#include "api/es_int.h"
#include "base/assert.h"
#include "engine/ctx.h"

#define API_ES_SPINS 4000           /* polls of a request's state before sleeping */
#define API_ES_SLEEP_NS 20000000ull /* re-check the context's state every 20 ms */

static struct es_personality api_es_pers; /* the one running instance's (api/ state) */

void api_es_register(struct eng_instance *inst, const struct mos_config *cfg)
{
	(void)cfg;
	uint8_t secret[32];
	if (getrandom(secret, sizeof secret, GRND_NONBLOCK) != (ssize_t)sizeof secret) {
		/* No entropy yet (early boot): derive from the clock, still varies per run. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		for (size_t i = 0; i < sizeof secret; i++)
			secret[i] = (uint8_t)((t >> (8 * (i % 8))) ^ (i * 151u));
	}
	es_personality_init(&api_es_pers, secret);
	inst->end_host = &api_es_pers.base;
}

struct es_ctx *api_es_of(struct api_ctx *c)
{
	struct es_ctx *es = es_of(c->eng);
	if (es == NULL)
		errno = ENOSYS;
	return es;
}

void api_es_bind(struct api_ctx *c)
{
	struct es_ctx *es = es_of(c->eng);
	if (es != NULL)
		es->interrupted = &c->interrupted;
}

/* ---- Context thread -------------------------------------------------------------- */

static void api_es_complete(struct es_req *r)
{
	uint32_t old = atomic_exchange_explicit(&r->state, ES_REQ_DONE, memory_order_acq_rel);
	if (old == ES_REQ_SLEEPING)
		es_futex_wake(&r->state, 1);
}

/* Runs request `i`; true when it is finished (completed). */
static bool api_es_run_slot(struct es_ctx *es, struct es_req *r, bool intr)
{
	if (es_exec(es, r) == ES_DONE)
		return true;
	if (intr) {
		r->ret = -EINTR;
		return true;
	}
	if (es->eng->now_ns >= r->deadline_ns) {
		r->ret = es_timeout_result(r);
		return true;
	}
	return false;
}

void api_es_serve(struct es_ctx *es)
{
	struct es_mbox *mb = &es->mbox;
	uint64_t fresh = 0;
	if (atomic_load_explicit(&mb->posted, memory_order_relaxed) != 0)
		fresh = atomic_exchange_explicit(&mb->posted, 0, memory_order_acquire);
	uint64_t work = fresh | mb->parked;
	if (work == 0)
		return;
	bool intr = es->interrupted != NULL &&
		    atomic_load_explicit(es->interrupted, memory_order_relaxed);
	bool used = false;
	while (work != 0) {
		int i = __builtin_ctzll(work);
		uint64_t bit = UINT64_C(1) << i;
		work &= ~bit;
		struct es_req *r = atomic_load_explicit(&mb->slot[i], memory_order_relaxed);
		if (api_es_run_slot(es, r, intr)) {
			used |= intr && r->ret == -EINTR;
			mb->parked &= ~bit;
			api_es_complete(r);
		} else {
			mb->parked |= bit;
		}
	}
	/* A SIGINT interrupts the calls blocked when it came; if none was, the next one. */
	if (used)
		atomic_store_explicit(es->interrupted, false, memory_order_relaxed);
}

void api_es_detach(struct api_ctx *c)
{
	struct es_ctx *es = es_of(c->eng);
	if (es == NULL)
		return;
	struct es_mbox *mb = &es->mbox;
	atomic_store_explicit(&mb->closed, 1, memory_order_seq_cst);
	uint64_t work =
		atomic_exchange_explicit(&mb->posted, 0, memory_order_acquire) | mb->parked;
	mb->parked = 0;
	while (work != 0) {
		int i = __builtin_ctzll(work);
		work &= work - 1;
		struct es_req *r = atomic_load_explicit(&mb->slot[i], memory_order_relaxed);
		r->ret = -EINTR;
		api_es_complete(r);
	}
}

void api_es_nap(struct api_ctx *c, uint64_t ns)
{
	struct es_ctx *es = es_of(c->eng);
	struct es_mbox *mb = &es->mbox;
	uint32_t seq = atomic_load_explicit(&mb->wake_word, memory_order_acquire);
	atomic_store_explicit(&mb->napping, 1, memory_order_seq_cst);
	atomic_thread_fence(memory_order_seq_cst);
	bool work = atomic_load_explicit(&mb->posted, memory_order_relaxed) != 0 ||
		    !mpsc_empty(&es->bells);
	if (!work && !api_ctx_stopping(c))
		es_futex_wait(&mb->wake_word, seq, ns);
	atomic_store_explicit(&mb->napping, 0, memory_order_relaxed);
}

/* ---- Application thread ----------------------------------------------------------- */

static int api_es_slot_claim(struct api_ctx *c, struct es_mbox *mb)
{
	for (;;) {
		uint64_t m = atomic_load_explicit(&mb->free_mask, memory_order_acquire);
		if (m == 0) {
			if (atomic_load(&c->state) != API_CTX_RUNNING)
				return -1;
			sched_yield(); /* 64 requests in flight: wait for one to finish */
			continue;
		}
		int i = __builtin_ctzll(m);
		if (atomic_compare_exchange_weak_explicit(
			    &mb->free_mask, &m, m & ~(UINT64_C(1) << i), memory_order_acq_rel,
			    memory_order_relaxed))
			return i;
	}
}

static long api_es_wait(struct api_ctx *c, struct es_req *r)
{
	for (int i = 0; i < API_ES_SPINS; i++) {
		if (atomic_load_explicit(&r->state, memory_order_acquire) == ES_REQ_DONE)
			return r->ret;
		__builtin_ia32_pause();
	}
	for (;;) {
		uint32_t expect = ES_REQ_POSTED;
		atomic_compare_exchange_strong_explicit(&r->state, &expect, ES_REQ_SLEEPING,
							memory_order_acq_rel,
							memory_order_acquire);
		if (expect == ES_REQ_DONE)
			return r->ret;
		es_futex_wait(&r->state, ES_REQ_SLEEPING, API_ES_SLEEP_NS);
		if (atomic_load_explicit(&r->state, memory_order_acquire) == ES_REQ_DONE)
			return r->ret;
		/* The stack thread finished (its requests were all failed before): what is
		 * still posted will never run, and nothing refers to r any more. */
		if (atomic_load(&c->state) != API_CTX_RUNNING)
			return -EINTR;
	}
}

static long api_es_post(struct api_ctx *c, struct es_ctx *es, struct es_req *r)
{
	struct es_mbox *mb = &es->mbox;
	if (atomic_load_explicit(&mb->closed, memory_order_acquire))
		return -EINTR;
	int i = api_es_slot_claim(c, mb);
	if (i < 0)
		return -EINTR;
	uint64_t bit = UINT64_C(1) << i;
	atomic_store_explicit(&r->state, ES_REQ_POSTED, memory_order_relaxed);
	atomic_store_explicit(&mb->slot[i], r, memory_order_relaxed);
	atomic_fetch_or_explicit(&mb->posted, bit, memory_order_seq_cst);
	es_kick(es);
	long ret = api_es_wait(c, r);
	atomic_fetch_or_explicit(&mb->free_mask, bit, memory_order_release);
	return ret;
}

/* Run to completion: execute, and for a blocking request drive the loop meanwhile.
 * epoll_wait always runs one iteration first (input and output of the batch). */
static long api_es_run(struct api_ctx *c, struct es_ctx *es, struct es_req *r)
{
	unsigned idle = 0;
	if (r->op == ES_OP_EPOLL_WAIT && !api_ctx_stopping(c))
		api_ctx_step(c, &idle);
	for (;;) {
		if (es_exec(es, r) == ES_DONE)
			return r->ret;
		if (api_ctx_stopping(c))
			return -EINTR;
		if (atomic_exchange_explicit(&c->interrupted, false, memory_order_relaxed))
			return -EINTR;
		if (es->eng->now_ns >= r->deadline_ns)
			return es_timeout_result(r);
		api_ctx_step(c, &idle);
	}
}

/* A thread that does not drive the context waits by looking now and then. */
static long api_es_watch(struct api_ctx *c, struct es_ctx *es, struct es_req *r)
{
	for (;;) {
		if (es_exec(es, r) == ES_DONE)
			return r->ret;
		if (api_ctx_stopping(c) ||
		    atomic_exchange_explicit(&c->interrupted, false, memory_order_relaxed))
			return -EINTR;
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
}

long api_es_call(struct api_ctx *c, struct es_req *r)
{
	struct es_ctx *es = es_of(c->eng);
	if (es == NULL)
		return -ENOSYS;
	if (c->threaded && pthread_equal(c->thread, pthread_self())) {
		/* From the stack thread itself (a callback): run it here, never wait. */
		return es_exec(es, r) == ES_DONE ? r->ret : -EAGAIN;
	}
	if (c->threaded)
		return api_es_post(c, es, r);
	if (pthread_equal(c->owner, pthread_self()))
		return api_es_run(c, es, r);
	/* Another thread of a run-to-completion context may only wait for a socket or a
	 * pipe (conditions made of atomics) while the owner drives the loop. */
	if (r->op != ES_OP_WAIT)
		return -EINVAL;
	return api_es_watch(c, es, r);
}

#undef API_ES_SPINS
#undef API_ES_SLEEP_NS
