/* api_mon_event.c - callbacks and events: mtcp_register_callback (+ unregister), the
 * process-wide user-defined events (define, alloc, raise), per-socket user context,
 * mtcp_settimer and mtcp_cb_get_ts. */
#include <string.h>

#include "api/api_dispatch.h"
#include "api/api_mon.h"
#include "engine/ctx.h"

struct mon_ude_reg api_mon_udes = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ---- registration ----------------------------------------------------------------------- */

static int api_mon_hook_index(int hook_point)
{
	switch (hook_point) {
	case MOS_NULL:
		return MON_HK_NULL;
	case MOS_HK_SND:
		return MON_HK_SND;
	case MOS_HK_RCV:
		return MON_HK_RCV;
	default:
		return -1;
	}
}

/* Spec §7.3: the hooks a built-in event (or a UDE's root event) may be registered at. */
static bool api_mon_hook_ok(int hook, int root_bit)
{
	uint32_t bit = MON_BIT(root_bit);
	if (hook == MON_HK_NULL)
		return !(bit & (MON_BIT(MON_EV_CONN_START) | MON_BIT(MON_EV_REXMIT) |
				MON_BIT(MON_EV_STATE_CHANGE) | MON_BIT(MON_EV_CONN_END)));
	return !(bit &
		 (MON_BIT(MON_EV_NEW_DATA) | MON_BIT(MON_EV_ORPHAN) | MON_BIT(MON_EV_ERROR)));
}

/* Per-flow socket: a private copy of its table (copy on write). */
static int api_mon_set_flow_cb(struct mon_fsock *s, int hook, event_t ev, callback_t cb)
{
	bool found = false;
	struct mon_cbtab *t = mon_cbtab_with(s->cbt, &api_mon_udes, hook, ev, cb, &found);
	if (t == NULL)
		return api_fail(ENOMEM);
	if (cb == NULL && !found) {
		mon_cbtab_unref(t);
		return api_fail(EINVAL);
	}
	if (s->cbt != NULL)
		mon_cbtab_unref(s->cbt);
	s->cbt = t;
	mon_flow_masks_update(s->flow);
	return 0;
}

int mtcp_register_callback(mctx_t mctx, int sock, event_t event, int hook_point, callback_t cb)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return -1;
	int root = mon_event_root(&api_mon_udes, event);
	int hook = api_mon_hook_index(hook_point);
	if (root < 0 || hook < 0 || !api_mon_hook_ok(hook, root))
		return api_fail(EINVAL);
	void *obj;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail(EBADF);
	if (!api_kind_is_monitor(kind))
		return api_fail(ENOTSOCK);
	if (kind == MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		if (!mon_in_callback(m))
			return api_fail(EPERM);
		return api_mon_set_flow_cb(obj, hook, event, cb);
	}
	int rc = mon_lsock_set_cb(m, obj, hook, event, cb);
	return rc == 0 ? 0 : api_fail(-rc);
}

int mtcp_unregister_callback(mctx_t mctx, int sock, event_t event, int hook_point)
{
	return mtcp_register_callback(mctx, sock, event, hook_point, NULL);
}

/* ---- user-defined events ------------------------------------------------------------------
 */

event_t mtcp_define_event(event_t event, filter_t filter, struct filter_arg *arg)
{
	if (filter == NULL || (arg != NULL && arg->len > 0 && arg->arg == NULL)) {
		errno = EINVAL;
		return MOS_NULL_EVENT;
	}
	return mon_ude_add(&api_mon_udes, event, MON_UDE_DEFINED, filter, arg);
}

event_t mtcp_alloc_event(event_t event)
{
	return mon_ude_add(&api_mon_udes, event, MON_UDE_ALLOCATED, NULL, NULL);
}

/* `anc` is `n` or one of its ancestors (a built-in event included). */
static bool api_mon_is_ancestor(event_t anc, const struct mon_ude *n)
{
	while (n != NULL) {
		if (n->id == anc || n->parent == anc)
			return true;
		n = mon_ude_get(&api_mon_udes, n->parent);
	}
	return false;
}

int mtcp_raise_event(mctx_t mctx, event_t event)
{
	struct mon_ctx *m = api_mon_of(mctx, NULL);
	if (m == NULL)
		return -1;
	const struct mon_ude *cur = m->filter_node;
	if (!mon_in_callback(m) || cur == NULL || m->raise_buf == NULL)
		return api_fail(EPERM);
	const struct mon_ude *n = mon_ude_get(&api_mon_udes, event);
	if (n == NULL || n->kind != MON_UDE_ALLOCATED || !api_mon_is_ancestor(n->parent, cur))
		return api_fail(EINVAL);
	for (uint32_t i = 0; i < m->raise_n; i++) {
		if (m->raise_buf[i] == event)
			return 0;
	}
	if (m->raise_n >= MON_RAISE_MAX)
		return api_fail(ENOSPC);
	m->raise_buf[m->raise_n++] = event;
	return 0;
}

/* ---- user context ------------------------------------------------------------------------ */

void mtcp_set_uctx(mctx_t mctx, int sock, void *uctx)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return;
	void *obj;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED) {
		errno = EBADF;
	} else if (kind == MOS_SOCK_MONITOR_STREAM || kind == MOS_SOCK_MONITOR_RAW) {
		atomic_store(&((struct mon_lsock *)obj)->uctx, uctx);
	} else if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		errno = ENOTSOCK;
	} else if (!mon_in_callback(m)) {
		errno = EPERM; /* ignored off the context's thread, as in mOS 0.3 */
	} else {
		((struct mon_fsock *)obj)->uctx = uctx;
	}
}

void *mtcp_get_uctx(mctx_t mctx, int sock)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return NULL;
	void *obj;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail_null(EBADF);
	if (kind == MOS_SOCK_MONITOR_STREAM || kind == MOS_SOCK_MONITOR_RAW)
		return atomic_load(&((struct mon_lsock *)obj)->uctx);
	if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE)
		return api_fail_null(ENOTSOCK);
	if (!mon_in_callback(m))
		return api_fail_null(EPERM);
	return ((struct mon_fsock *)obj)->uctx;
}

/* ---- timers ------------------------------------------------------------------------------ */

int mtcp_settimer(mctx_t mctx, int id, struct timeval *timeout, callback_t cb)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return -1;
	if (timeout == NULL || cb == NULL || timeout->tv_sec < 0 || timeout->tv_usec < 0)
		return api_fail(EINVAL);
	/* Whole milliseconds (the loop's resolution), rounded up: never early. */
	uint64_t ms =
		(uint64_t)timeout->tv_sec * 1000u + ((uint64_t)timeout->tv_usec + 999u) / 1000u;
	if (!atomic_load_explicit(&m->ready, memory_order_acquire)) {
		pthread_mutex_lock(&m->ctl_lock);
		int rc = mon_ctx_prepare(m);
		pthread_mutex_unlock(&m->ctl_lock);
		if (rc != 0)
			return api_fail(ENOMEM);
	}
	int rc = api_mon_on_thread(c, m) ? mon_utimer_arm(m, id, ms, cb)
					 : mon_utimer_request(m, id, ms, cb);
	return rc == 0 ? 0 : api_fail(-rc);
}

uint32_t mtcp_cb_get_ts(mctx_t mctx)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return 0;
	if (!api_mon_on_thread(c, m)) {
		errno = EPERM;
		return 0;
	}
	return (uint32_t)(c->eng->now_ms * 1000u);
}
