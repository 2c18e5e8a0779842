/* mon_ude.c - the user-defined event tree (spec §7.4): nodes are appended under a lock
 * and never change or go away afterwards, so the contexts' threads read the tree
 * without locking (acquire loads of the counters and child links). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "mon/mon.h"

#define MON_UDE_BASE ((event_t)1 << NUM_BEV) /* first user-defined id: 4096 */

static bool mon_is_builtin(event_t ev)
{
	return ev != 0 && ev < MON_UDE_BASE && (ev & (ev - 1)) == 0;
}

static uint32_t mon_bit_index(event_t ev)
{
	return (uint32_t)__builtin_ctzll(ev);
}

const struct mon_ude *mon_ude_get(const struct mon_ude_reg *r, event_t id)
{
	if (r == NULL || id < MON_UDE_BASE)
		return NULL;
	event_t idx = id - MON_UDE_BASE;
	if (idx >= atomic_load_explicit(&r->count, memory_order_acquire))
		return NULL;
	return &r->nodes[idx];
}

uint32_t mon_ude_first_child(const struct mon_ude_reg *r, event_t parent)
{
	if (r == NULL)
		return 0;
	if (mon_is_builtin(parent))
		return atomic_load_explicit(&r->bev_first[mon_bit_index(parent)],
					    memory_order_acquire);
	const struct mon_ude *n = mon_ude_get(r, parent);
	return n != NULL ? atomic_load_explicit(&n->first_child, memory_order_acquire) : 0;
}

int mon_event_root(const struct mon_ude_reg *r, event_t ev)
{
	if (mon_is_builtin(ev))
		return (int)mon_bit_index(ev);
	const struct mon_ude *n = mon_ude_get(r, ev);
	return n != NULL ? n->root : -1;
}

static bool mon_arg_equal(const filter_arg_t *a, const filter_arg_t *b)
{
	size_t la = a != NULL ? a->len : 0, lb = b != NULL ? b->len : 0;
	if (la != lb)
		return false;
	return la == 0 || memcmp(a->arg, b->arg, la) == 0;
}

/* An existing DEFINED child of `first` (index + 1) with the same filter and argument. */
static const struct mon_ude *mon_ude_find_same(struct mon_ude_reg *r, uint32_t first,
					       filter_t filter, const filter_arg_t *arg)
{
	for (uint32_t i = first; i != 0; i = atomic_load(&r->nodes[i - 1].next_sibling)) {
		const struct mon_ude *n = &r->nodes[i - 1];
		if (n->kind == MON_UDE_DEFINED && n->filter == filter &&
		    mon_arg_equal(&n->arg, arg))
			return n;
	}
	return NULL;
}

/* Links node `idx1` as the last child of parent (built-in or UDE). */
static void mon_ude_link(struct mon_ude_reg *r, event_t parent, uint32_t idx1)
{
	_Atomic uint32_t *first;
	uint32_t *last;
	if (mon_is_builtin(parent)) {
		first = &r->bev_first[mon_bit_index(parent)];
		last = &r->bev_last[mon_bit_index(parent)];
	} else {
		struct mon_ude *p = &r->nodes[parent - MON_UDE_BASE];
		first = &p->first_child;
		last = &p->last_child;
	}
	if (*last == 0)
		atomic_store_explicit(first, idx1, memory_order_release);
	else
		atomic_store_explicit(&r->nodes[*last - 1].next_sibling, idx1,
				      memory_order_release);
	*last = idx1;
}

static event_t mon_ude_fail(struct mon_ude_reg *r, int err)
{
	pthread_mutex_unlock(&r->lock);
	errno = err;
	return MOS_NULL_EVENT;
}

event_t mon_ude_add(struct mon_ude_reg *r, event_t parent, int kind, filter_t filter,
		    const filter_arg_t *arg)
{
	MOS_ASSERT(kind == MON_UDE_DEFINED || kind == MON_UDE_ALLOCATED);
	pthread_mutex_lock(&r->lock);
	int root = mon_event_root(r, parent);
	if (root < 0)
		return mon_ude_fail(r, EINVAL);
	uint32_t first = mon_ude_first_child(r, parent);
	if (kind == MON_UDE_DEFINED) {
		const struct mon_ude *same = mon_ude_find_same(r, first, filter, arg);
		if (same != NULL) {
			pthread_mutex_unlock(&r->lock);
			return same->id;
		}
	}
	uint32_t idx = atomic_load(&r->count);
	if (idx >= MON_UDE_MAX)
		return mon_ude_fail(r, ENOMEM);
	struct mon_ude *n = &r->nodes[idx];
	memset(n, 0, sizeof *n);
	if (arg != NULL && arg->len > 0) {
		n->arg.arg = malloc(arg->len);
		if (n->arg.arg == NULL)
			return mon_ude_fail(r, ENOMEM);
		memcpy(n->arg.arg, arg->arg, arg->len);
		n->arg.len = arg->len;
	}
	n->id = MON_UDE_BASE + idx;
	n->parent = parent;
	n->filter = filter;
	n->kind = (uint8_t)kind;
	n->root = (uint8_t)root;
	atomic_store_explicit(&r->count, idx + 1, memory_order_release);
	mon_ude_link(r, parent, idx + 1);
	pthread_mutex_unlock(&r->lock);
	return n->id;
}

#undef MON_UDE_BASE
