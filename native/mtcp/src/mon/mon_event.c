/* mon_event.c - callback tables and event dispatch (spec §7.3, §7.4, §8).
 *
 * A socket's callbacks live in an immutable table; registering builds a new one (copy
 * on write), so a passive socket's flows keep the snapshot they took at creation and a
 * per-flow registration affects one flow. Dispatch of a set of built-in events at one
 * hook on one socket: the events in increasing bit order; for each, its own callback,
 * then its user-defined descendants depth first in definition order, a filter deciding
 * whether a node (and its subtree) occurred. Only nodes with a callback at or below
 * them on this socket and hook are visited, so unwanted filters never run. Events a
 * filter raises (mtcp_raise_event) are visited right after the raising node, even when
 * its filter returned false, each at most once per walk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "mon/mon.h"

/* ---- tables ------------------------------------------------------------------------ */

void mon_cbtab_ref(struct mon_cbtab *t)
{
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

static void mon_cbtab_free(struct mon_cbtab *t)
{
	for (int h = 0; h < MON_HOOKS; h++) {
		free(t->cb[h]);
		free(t->rel[h]);
	}
	free(t);
}

void mon_cbtab_unref(struct mon_cbtab *t)
{
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		mon_cbtab_free(t);
}

static int mon_ev_cmp(const void *a, const void *b)
{
	event_t x = *(const event_t *)a, y = *(const event_t *)b;
	return x < y ? -1 : x > y;
}

static int mon_cb_cmp(const void *a, const void *b)
{
	return mon_ev_cmp(&((const struct mon_ude_cb *)a)->ev,
			  &((const struct mon_ude_cb *)b)->ev);
}

/* Sets (ev, cb) in the UDE list of one hook (cb NULL removes). */
static int mon_cbtab_set_ude(struct mon_cbtab *t, int h, event_t ev, callback_t cb, bool *found)
{
	uint16_t n = t->n_cb[h];
	for (uint16_t i = 0; i < n; i++) {
		if (t->cb[h][i].ev != ev)
			continue;
		*found = true;
		if (cb != NULL) {
			t->cb[h][i].cb = cb;
		} else {
			t->cb[h][i] = t->cb[h][n - 1];
			t->n_cb[h]--;
		}
		return 0;
	}
	if (cb == NULL)
		return 0;
	struct mon_ude_cb *a = realloc(t->cb[h], (n + 1u) * sizeof *a);
	if (a == NULL)
		return -ENOMEM;
	a[n] = (struct mon_ude_cb){ev, cb};
	t->cb[h] = a;
	t->n_cb[h] = (uint16_t)(n + 1);
	return 0;
}

/* mask[h] and rel[h] from the callbacks of hook h. */
static int mon_cbtab_index(struct mon_cbtab *t, const struct mon_ude_reg *r, int h)
{
	uint16_t mask = 0;
	for (int b = 0; b < NUM_BEV; b++) {
		if (t->bev[h][b] != NULL)
			mask |= (uint16_t)(1u << b);
	}
	free(t->rel[h]);
	t->rel[h] = NULL;
	t->n_rel[h] = 0;
	size_t cap = 0, n = 0;
	for (uint16_t i = 0; i < t->n_cb[h]; i++) {
		for (const struct mon_ude *u = mon_ude_get(r, t->cb[h][i].ev); u != NULL;
		     u = mon_ude_get(r, u->parent)) {
			if (n == cap) {
				cap = cap ? 2 * cap : 8;
				event_t *a = realloc(t->rel[h], cap * sizeof *a);
				if (a == NULL)
					return -ENOMEM;
				t->rel[h] = a;
			}
			t->rel[h][n++] = u->id;
			mask |= (uint16_t)(1u << u->root);
		}
	}
	if (n > 0)
		qsort(t->rel[h], n, sizeof(event_t), mon_ev_cmp);
	size_t k = 0; /* dedupe */
	for (size_t i = 0; i < n; i++) {
		if (k == 0 || t->rel[h][k - 1] != t->rel[h][i])
			t->rel[h][k++] = t->rel[h][i];
	}
	t->n_rel[h] = (uint16_t)k;
	if (t->n_cb[h] > 0)
		qsort(t->cb[h], t->n_cb[h], sizeof *t->cb[h], mon_cb_cmp);
	t->mask[h] = mask;
	return 0;
}

static struct mon_cbtab *mon_cbtab_copy(const struct mon_cbtab *old)
{
	struct mon_cbtab *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	atomic_init(&t->refs, 1);
	if (old == NULL)
		return t;
	memcpy(t->bev, old->bev, sizeof t->bev);
	memcpy(t->mask, old->mask, sizeof t->mask);
	for (int h = 0; h < MON_HOOKS; h++) {
		if (old->n_cb[h] == 0)
			continue;
		t->cb[h] = malloc(old->n_cb[h] * sizeof *t->cb[h]);
		if (t->cb[h] == NULL) {
			mon_cbtab_free(t);
			return NULL;
		}
		memcpy(t->cb[h], old->cb[h], old->n_cb[h] * sizeof *t->cb[h]);
		t->n_cb[h] = old->n_cb[h];
	}
	return t;
}

struct mon_cbtab *mon_cbtab_with(const struct mon_cbtab *old, const struct mon_ude_reg *r,
				 int hook, event_t ev, callback_t cb, bool *found)
{
	MOS_ASSERT(hook >= 0 && hook < MON_HOOKS);
	*found = false;
	struct mon_cbtab *t = mon_cbtab_copy(old);
	if (t == NULL)
		return NULL;
	int rc = 0;
	if (ev < ((event_t)1 << NUM_BEV)) {
		int b = __builtin_ctzll(ev);
		*found = t->bev[hook][b] != NULL;
		t->bev[hook][b] = cb;
	} else {
		rc = mon_cbtab_set_ude(t, hook, ev, cb, found);
	}
	for (int h = 0; rc == 0 && h < MON_HOOKS; h++)
		rc = mon_cbtab_index(t, r, h);
	if (rc != 0) {
		mon_cbtab_free(t);
		return NULL;
	}
	return t;
}

/* ---- dispatch ------------------------------------------------------------------------ */

void mon_cb_enter(struct mon_ctx *m)
{
	uint32_t d = atomic_load_explicit(&m->cb_depth, memory_order_relaxed);
	if (d == 0)
		atomic_store_explicit(&m->cb_thread, (uintptr_t)pthread_self(),
				      memory_order_relaxed);
	atomic_store_explicit(&m->cb_depth, d + 1, memory_order_relaxed);
}

void mon_cb_leave(struct mon_ctx *m)
{
	uint32_t d = atomic_load_explicit(&m->cb_depth, memory_order_relaxed);
	MOS_ASSERT(d > 0);
	atomic_store_explicit(&m->cb_depth, d - 1, memory_order_relaxed);
}

struct mon_walk {
	struct mon_ctx *m;
	const struct mon_cbtab *t;
	int sock, side, hook;
	uint32_t nseen;
	event_t seen[MON_RAISE_MAX];
};

static void mon_call(struct mon_walk *w, callback_t cb, event_t ev, filter_arg_t *arg)
{
	mon_cb_enter(w->m);
	cb(w->m->mctx, w->sock, w->side, ev, arg);
	mon_cb_leave(w->m);
}

static bool mon_has_rel(const struct mon_cbtab *t, int h, event_t id)
{
	const event_t *a = t->rel[h];
	size_t lo = 0, hi = t->n_rel[h];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a[mid] == id)
			return true;
		if (a[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static callback_t mon_find_cb(const struct mon_cbtab *t, int h, event_t id)
{
	const struct mon_ude_cb *a = t->cb[h];
	size_t lo = 0, hi = t->n_cb[h];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (a[mid].ev == id)
			return a[mid].cb;
		if (a[mid].ev < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void mon_walk_children(struct mon_walk *w, event_t parent);

/* A node that occurred: its callback, then its subtree. */
static void mon_walk_occurred(struct mon_walk *w, const struct mon_ude *n)
{
	callback_t cb = mon_find_cb(w->t, w->hook, n->id);
	if (cb != NULL)
		mon_call(w, cb, n->id, n->arg.len ? (filter_arg_t *)&n->arg : NULL);
	mon_walk_children(w, n->id);
}

static bool mon_walk_mark(struct mon_walk *w, event_t id)
{
	for (uint32_t i = 0; i < w->nseen; i++) {
		if (w->seen[i] == id)
			return false;
	}
	if (w->nseen < MON_RAISE_MAX)
		w->seen[w->nseen++] = id;
	return true;
}

/* Runs the filter of a defined node; visits it when true, then what it raised. */
static void mon_walk_filter(struct mon_walk *w, const struct mon_ude *n)
{
	struct mon_ctx *m = w->m;
	event_t raised[MON_RAISE_MAX];
	const struct mon_ude *saved_node = m->filter_node;
	event_t *saved_buf = m->raise_buf;
	uint32_t saved_n = m->raise_n;
	m->filter_node = n;
	m->raise_buf = raised;
	m->raise_n = 0;
	mon_cb_enter(m);
	bool ok = n->filter(m->mctx, w->sock, w->side, n->id, (filter_arg_t *)&n->arg);
	mon_cb_leave(m);
	uint32_t nr = m->raise_n;
	m->filter_node = saved_node;
	m->raise_buf = saved_buf;
	m->raise_n = saved_n;
	if (ok)
		mon_walk_occurred(w, n);
	for (uint32_t i = 0; i < nr; i++) {
		const struct mon_ude *c = mon_ude_get(m->udes, raised[i]);
		if (c != NULL && mon_has_rel(w->t, w->hook, c->id) && mon_walk_mark(w, c->id))
			mon_walk_occurred(w, c);
	}
}

static void mon_walk_children(struct mon_walk *w, event_t parent)
{
	const struct mon_ude_reg *r = w->m->udes;
	for (uint32_t i = mon_ude_first_child(r, parent); i != 0;
	     i = atomic_load_explicit(&mon_ude_at(r, i)->next_sibling, memory_order_acquire)) {
		const struct mon_ude *n = mon_ude_at(r, i);
		if (n->kind == MON_UDE_DEFINED && mon_has_rel(w->t, w->hook, n->id))
			mon_walk_filter(w, n);
	}
}

/* Dispatches `events` (already masked by t->mask[hook]) on one socket. */
static void mon_dispatch(struct mon_ctx *m, const struct mon_cbtab *t, int sock, int side,
			 int hook, uint32_t events)
{
	struct mon_walk w = {.m = m, .t = t, .sock = sock, .side = side, .hook = hook};
	while (events != 0) {
		int b = __builtin_ctz(events);
		events &= events - 1;
		callback_t cb = t->bev[hook][b];
		if (cb != NULL)
			mon_call(&w, cb, (event_t)1 << b, NULL);
		if (t->n_rel[hook] != 0 && m->udes != NULL) {
			w.nseen = 0;
			mon_walk_children(&w, (event_t)1 << b);
		}
	}
}

/* Spec §8 ordering: sockets in attachment order for events travelling from the client
 * (SND on the client side, RCV and NULL on the server side), in reverse otherwise, so
 * that the monitor nearer the packet's origin runs first. */
static bool mon_order_forward(int hook, int side)
{
	return hook == MON_HK_SND ? side == MOS_SIDE_CLI : side == MOS_SIDE_SVR;
}

static void mon_raise_one(struct mon_ctx *m, struct mon_fsock *s, int hook, int side,
			  uint32_t events)
{
	struct mon_cbtab *t = s->cbt;
	if (t == NULL || !s->monitor[side])
		return;
	uint32_t ev = events & t->mask[hook];
	if (ev == 0)
		return;
	mon_cbtab_ref(t); /* a callback may replace the socket's table */
	mon_dispatch(m, t, s->id, side, hook, ev);
	mon_cbtab_unref(t);
}

void mon_raise_flow(struct mon_ctx *m, struct mon_flow *f, int hook, int side, uint32_t events,
		    const struct mon_fsock *only)
{
	MOS_ASSERT(side == MOS_SIDE_CLI || side == MOS_SIDE_SVR);
	if (events == 0)
		return;
	if (mon_order_forward(hook, side)) {
		for (struct mon_fsock *s = f->socks; s != NULL; s = s->next) {
			if (only == NULL || s == only)
				mon_raise_one(m, s, hook, side, events);
		}
	} else {
		for (struct mon_fsock *s = f->socks_tail; s != NULL; s = s->prev) {
			if (only == NULL || s == only)
				mon_raise_one(m, s, hook, side, events);
		}
	}
}

void mon_raise_lsock(struct mon_ctx *m, struct mon_lsock *ls, int hook, uint32_t events)
{
	struct mon_cbtab *t = atomic_load_explicit(&ls->cbt, memory_order_acquire);
	if (t == NULL)
		return;
	uint32_t ev = events & t->mask[hook];
	if (ev == 0)
		return;
	mon_cbtab_ref(t);
	mon_dispatch(m, t, ls->id, MOS_SIDE_BOTH, hook, ev);
	mon_cbtab_unref(t);
}
