/* api_context.c - per-core contexts: mtcp_create_context (a stack thread pinned to the
 * core), run-to-completion contexts driven by the caller (mos_create_context +
 * mos_poll), mtcp_destroy_context, mtcp_app_join, mtcp_get_connection_cnt, mos_stop. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "api/api_es.h"
#include "api/api_internal.h"
#include "api/api_mon.h"
#include "api/api_process.h"
#include "engine/config.h"
#include "engine/ctx.h"

#define API_IDLE_SPINS 1024    /* empty polls before the stack thread naps */
#define API_IDLE_NAP_NS 100000 /* 100 us: keeps an idle core cool, costs little latency */

/* Compares pointers only: a destroyed context's memory is never read. */
struct api_ctx *api_ctx_get(mctx_t mctx)
{
	for (int i = 0; mctx != NULL && i < MAX_CPUS; i++) {
		struct api_ctx *c = api_proc.ctx[i];
		if (c != NULL && &c->pub == mctx)
			return c;
	}
	errno = EACCES;
	return NULL;
}

static void api_ctx_set_state(struct api_ctx *c, int state)
{
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->state, state);
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static bool api_ctx_should_stop(struct api_ctx *c)
{
	return atomic_load_explicit(&c->stop, memory_order_relaxed) ||
	       atomic_load_explicit(&api_proc.inst->stop, memory_order_relaxed);
}

/* Sleeps a little; the end host's napping wakes early when an application thread
 * posts work (api_es_nap). */
static void api_nap(struct api_ctx *c)
{
	if (c->eng->end_host != NULL) {
		api_es_nap(c, API_IDLE_NAP_NS);
		return;
	}
	struct timespec ts = {0, API_IDLE_NAP_NS};
	nanosleep(&ts, NULL);
}

bool api_ctx_stopping(const struct api_ctx *c)
{
	return api_ctx_should_stop((struct api_ctx *)c);
}

uint32_t api_ctx_step(struct api_ctx *c, unsigned *idle)
{
	uint32_t n = eng_ctx_poll(c->eng, eng_clock_ns(api_proc.inst, (uint16_t)c->pub.cpu));
	*idle = n ? 0 : *idle + 1;
	if (*idle >= API_IDLE_SPINS)
		api_nap(c);
	return n;
}

/* Runs the context's loop until it is stopped or `deadline_ns` (UINT64_MAX: none). */
static uint64_t api_ctx_loop(struct api_ctx *c, uint64_t deadline_ns)
{
	struct eng_instance *inst = api_proc.inst;
	uint16_t core = (uint16_t)c->pub.cpu;
	uint64_t frames = 0;
	unsigned idle = 0;
	while (!api_ctx_should_stop(c)) {
		uint64_t now = eng_clock_ns(inst, core);
		uint32_t n = eng_ctx_poll(c->eng, now);
		frames += n;
		if (now >= deadline_ns)
			break;
		/* A capture file that has been replayed to its end: nothing will arrive
		 * any more, so the loop ends (mos_poll and mtcp_app_join return). */
		if (n == 0 && inst->io->ops->exhausted != NULL &&
		    inst->io->ops->exhausted(inst->io))
			break;
		idle = n ? 0 : idle + 1;
		if (idle >= API_IDLE_SPINS)
			api_nap(c);
	}
	return frames;
}

static void api_pin(int cpu)
{
	/* The context index is also the CPU, as in mOS; on a machine with fewer CPUs
	 * the thread runs unpinned rather than failing. */
	if (cpu < sysconf(_SC_NPROCESSORS_ONLN))
		(void)mtcp_core_affinitize(cpu);
}

static int api_ctx_attach(struct api_ctx *c)
{
	struct eng_instance *inst = api_proc.inst;
	uint16_t core = (uint16_t)c->pub.cpu;
	if (inst->io->ops->thread_init != NULL &&
	    inst->io->ops->thread_init(inst->io, core) != 0)
		return -1;
	c->eng = eng_ctx_create(inst, core, eng_clock_ns(inst, core));
	if (c->eng == NULL)
		return -1;
	api_mon_bind(c);
	api_es_bind(c);
	return 0;
}

static void *api_stack_thread(void *arg)
{
	struct api_ctx *c = arg;
	api_pin(c->pub.cpu);
	if (api_ctx_attach(c) != 0) {
		api_ctx_set_state(c, API_CTX_FAILED);
		return NULL;
	}
	api_ctx_set_state(c, API_CTX_RUNNING);
	api_ctx_loop(c, UINT64_MAX);
	api_es_detach(c); /* blocked application calls return EINTR */
	eng_ctx_flush(c->eng);
	api_ctx_set_state(c, API_CTX_STOPPED);
	return NULL;
}

static struct api_ctx *api_ctx_new(int cpu, bool threaded)
{
	struct api_ctx *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	c->pub.cpu = cpu;
	c->threaded = threaded;
	c->owner = pthread_self();
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	return c;
}

static void api_ctx_free(struct api_ctx *c)
{
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c);
}

static int api_ctx_start(struct api_ctx *c)
{
	if (!c->threaded) {
		if (api_ctx_attach(c) != 0)
			return -1;
		atomic_store(&c->state, API_CTX_RUNNING);
		return 0;
	}
	if (pthread_create(&c->thread, NULL, api_stack_thread, c) != 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	while (atomic_load(&c->state) == API_CTX_STARTING)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
	if (atomic_load(&c->state) == API_CTX_FAILED) {
		pthread_join(c->thread, NULL);
		return -1;
	}
	return 0;
}

mctx_t mos_create_context(int cpu, unsigned flags)
{
	pthread_mutex_lock(&api_proc.lock);
	struct api_ctx *c = NULL;
	int err = 0;
	if (api_proc.cfg == NULL)
		err = EPERM;
	else if (cpu < 0 || cpu >= api_proc.cfg->num_cores || cpu >= api_proc.inst->ctx_count)
		err = EINVAL;
	else if (api_proc.ctx[cpu] != NULL)
		err = EEXIST;
	else if ((c = api_ctx_new(cpu, !(flags & MOS_CONTEXT_RUN_TO_COMPLETION))) == NULL)
		err = ENOMEM;
	else if (api_ctx_start(c) != 0) {
		err = EIO;
		if (c->eng != NULL)
			eng_ctx_destroy(c->eng);
		api_ctx_free(c);
	} else {
		api_proc.ctx[cpu] = c;
		api_proc.live_contexts++;
	}
	pthread_mutex_unlock(&api_proc.lock);
	if (err != 0)
		return api_fail_null(err);
	return &c->pub;
}

mctx_t mtcp_create_context(int cpu)
{
	return mos_create_context(cpu, 0);
}

int mtcp_destroy_context(mctx_t mctx)
{
	pthread_mutex_lock(&api_proc.lock);
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL) {
		pthread_mutex_unlock(&api_proc.lock);
		return -1;
	}
	api_proc.ctx[c->pub.cpu] = NULL; /* no new call can find it from here on */
	api_proc.live_contexts--;
	pthread_mutex_unlock(&api_proc.lock);
	atomic_store(&c->stop, true);
	if (c->threaded)
		pthread_join(c->thread, NULL);
	eng_ctx_destroy(c->eng);
	api_ctx_set_state(c, API_CTX_STOPPED);
	api_ctx_free(c);
	return 0;
}

int mos_poll(mctx_t mctx, int timeout_ms)
{
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return -1;
	if (c->threaded || !pthread_equal(c->owner, pthread_self()))
		return api_fail(EINVAL);
	if (api_ctx_should_stop(c))
		return api_fail(EINTR);
	uint16_t core = (uint16_t)c->pub.cpu;
	uint64_t now = eng_clock_ns(api_proc.inst, core);
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : now + (uint64_t)timeout_ms * 1000000u;
	uint64_t frames = api_ctx_loop(c, deadline);
	return frames > INT32_MAX ? INT32_MAX : (int)frames;
}

void mtcp_app_join(mctx_t mctx)
{
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return;
	if (!c->threaded) {
		if (pthread_equal(c->owner, pthread_self()))
			api_ctx_loop(c, UINT64_MAX);
		return;
	}
	pthread_mutex_lock(&c->lock);
	while (atomic_load(&c->state) == API_CTX_RUNNING)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

uint32_t mtcp_get_connection_cnt(mctx_t mctx)
{
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return (uint32_t)-1;
	return atomic_load_explicit(&c->eng->flows, memory_order_relaxed);
}

void api_stop_all(void)
{
	if (api_proc.inst != NULL)
		atomic_store(&api_proc.inst->stop, true);
}

int mos_stop(void)
{
	if (api_proc.inst == NULL) {
		errno = EALREADY;
		return -1;
	}
	api_stop_all();
	return 0;
}
