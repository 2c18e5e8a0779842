/* mon_sock.c - monitor sockets: passive and raw listeners (created and closed by app
 * threads, freed by the context's thread) and per-flow sockets (context thread only). */
#include <errno.h>
#include <stdlib.h>

#include "base/assert.h"
#include "mon/mon.h"

int mon_lsock_create(struct mon_ctx *m, int kind)
{
	MOS_ASSERT(kind == MOS_SOCK_MONITOR_STREAM || kind == MOS_SOCK_MONITOR_RAW);
	struct mon_lsock *ls = calloc(1, sizeof *ls);
	if (ls == NULL)
		return -ENOMEM;
	ls->kind = kind;
	/* no_ring_buffers = 1 makes buffer management off the default (its documented
	 * meaning; mOS 0.3 only shrank the send buffers). */
	int32_t buf = m->no_ring_buffers ? 0 : -1;
	for (int s = 0; s < 2; s++) {
		atomic_init(&ls->buf_bytes[s], buf);
		atomic_init(&ls->monitor[s], 1);
		atomic_init(&ls->overlap[s], MOS_OVERLAP_POLICY_FIRST);
	}
	pthread_mutex_lock(&m->ctl_lock);
	int rc = mon_ctx_prepare(m);
	uint32_t slot = 0;
	while (rc == 0 && slot < MON_MAX_LSOCK && atomic_load(&m->lsock[slot]) != NULL)
		slot++;
	if (rc == 0 && slot == MON_MAX_LSOCK)
		rc = -ENFILE;
	if (rc == 0) {
		rc = socktab_alloc(&m->eng->socks, kind, ls);
		if (rc >= 0) {
			ls->id = rc;
			if (slot >= atomic_load(&m->lsock_hi))
				atomic_store_explicit(&m->lsock_hi, slot + 1,
						      memory_order_release);
			atomic_store_explicit(&m->lsock[slot], ls, memory_order_release);
			atomic_fetch_add(
				kind == MOS_SOCK_MONITOR_RAW ? &m->n_raw : &m->n_stream, 1);
		}
	}
	pthread_mutex_unlock(&m->ctl_lock);
	if (rc < 0)
		free(ls);
	return rc;
}

/* Unpublishes the socket at once (its slot is free for a new socket) and leaves the
 * memory to mon_lsock_reap: the context's thread may still be using it. */
void mon_lsock_close(struct mon_ctx *m, struct mon_lsock *ls)
{
	pthread_mutex_lock(&m->ctl_lock);
	if (!atomic_exchange(&ls->closed, true)) {
		atomic_fetch_sub(ls->kind == MOS_SOCK_MONITOR_RAW ? &m->n_raw : &m->n_stream,
				 1);
		if (atomic_load(&ls->no_checksum))
			atomic_fetch_sub(&m->n_nocsum, 1);
		uint32_t hi = atomic_load(&m->lsock_hi);
		for (uint32_t i = 0; i < hi; i++) {
			if (atomic_load(&m->lsock[i]) == ls)
				atomic_store_explicit(&m->lsock[i], NULL, memory_order_release);
		}
		ls->dead_next = atomic_load(&m->dead);
		atomic_store(&m->dead, ls);
	}
	pthread_mutex_unlock(&m->ctl_lock);
}

static void mon_lsock_free(struct mon_ctx *m, struct mon_lsock *ls)
{
	socktab_free(&m->eng->socks, ls->id);
	struct mon_cbtab *t = atomic_load(&ls->cbt);
	if (t != NULL)
		mon_cbtab_unref(t);
	mon_bpf_free(atomic_load(&ls->syn_filter));
	mon_bpf_free(atomic_load(&ls->orphan_filter));
	mon_bpf_chain_free(ls->retired);
	free(ls);
}

void mon_lsock_reap(struct mon_ctx *m, bool all)
{
	struct mon_cbtab *t = atomic_load_explicit(&m->tab_retired, memory_order_relaxed);
	if (t != NULL)
		t = atomic_exchange(&m->tab_retired, NULL);
	while (t != NULL) {
		struct mon_cbtab *next = t->retired_next;
		mon_cbtab_unref(t);
		t = next;
	}
	if (atomic_load_explicit(&m->dead, memory_order_relaxed) != NULL || all) {
		pthread_mutex_lock(&m->ctl_lock);
		struct mon_lsock *d = atomic_exchange(&m->dead, NULL);
		for (uint32_t i = 0; all && i < MON_MAX_LSOCK; i++) {
			struct mon_lsock *ls = atomic_exchange(&m->lsock[i], NULL);
			if (ls != NULL) {
				ls->dead_next = d;
				d = ls;
			}
		}
		pthread_mutex_unlock(&m->ctl_lock);
		while (d != NULL) {
			struct mon_lsock *next = d->dead_next;
			mon_lsock_free(m, d);
			d = next;
		}
	}
}

int mon_lsock_set_cb(struct mon_ctx *m, struct mon_lsock *ls, int hook, event_t ev,
		     callback_t cb)
{
	bool found = false;
	pthread_mutex_lock(&m->ctl_lock);
	struct mon_cbtab *old = atomic_load(&ls->cbt);
	struct mon_cbtab *t = mon_cbtab_with(old, m->udes, hook, ev, cb, &found);
	int rc = 0;
	if (t == NULL)
		rc = -ENOMEM;
	else if (cb == NULL && !found)
		rc = -EINVAL;
	if (rc == 0) {
		atomic_store_explicit(&ls->cbt, t, memory_order_release);
		/* The context's thread may be reading `old` right now: it is released
		 * by mon_lsock_reap, between packets. */
		if (old != NULL) {
			struct mon_cbtab *head = atomic_load(&m->tab_retired);
			do
				old->retired_next = head;
			while (!atomic_compare_exchange_weak(&m->tab_retired, &head, old));
		}
	} else if (t != NULL) {
		mon_cbtab_unref(t);
	}
	pthread_mutex_unlock(&m->ctl_lock);
	return rc;
}

/* ---- per-flow sockets ---------------------------------------------------------------- */

int mon_fsock_attach(struct mon_ctx *m, struct mon_flow *f, struct mon_lsock *ls)
{
	struct mon_fsock *s = pool_get(&m->fsocks);
	if (s == NULL)
		return -ENOMEM;
	int id = socktab_alloc(&m->eng->socks, MOS_SOCK_MONITOR_STREAM_ACTIVE, s);
	if (id < 0) {
		pool_put(&m->fsocks, s);
		return id;
	}
	s->id = id;
	s->flow = f;
	s->uctx = NULL;
	s->peek_off[0] = s->peek_off[1] = 0;
	for (int side = 0; side < 2; side++)
		s->monitor[side] =
			atomic_load_explicit(&ls->monitor[side], memory_order_relaxed);
	s->cbt = atomic_load_explicit(&ls->cbt, memory_order_acquire);
	if (s->cbt != NULL)
		mon_cbtab_ref(s->cbt);
	s->next = NULL;
	s->prev = f->socks_tail;
	if (f->socks_tail != NULL)
		f->socks_tail->next = s;
	else
		f->socks = s;
	f->socks_tail = s;
	f->nsocks++;
	return 0;
}

void mon_fsock_release_all(struct mon_ctx *m, struct mon_flow *f)
{
	struct mon_fsock *s = f->socks;
	while (s != NULL) {
		struct mon_fsock *next = s->next;
		socktab_free(&m->eng->socks, s->id);
		if (s->cbt != NULL)
			mon_cbtab_unref(s->cbt);
		pool_put(&m->fsocks, s);
		s = next;
	}
	f->socks = f->socks_tail = NULL;
	f->nsocks = 0;
}

void mon_flow_sides_update(struct mon_flow *f)
{
	for (int side = 0; side < 2; side++) {
		bool any = false;
		for (const struct mon_fsock *s = f->socks; s != NULL && !any; s = s->next)
			any = s->monitor[side] != 0;
		if (any)
			f->side[side].flags |= MON_SF_MONITORED;
		else
			f->side[side].flags &= (uint8_t)~MON_SF_MONITORED;
	}
}

void mon_flow_masks_update(struct mon_flow *f)
{
	for (int h = 0; h < MON_HOOKS; h++)
		f->hk_mask[h] = 0;
	for (const struct mon_fsock *s = f->socks; s != NULL; s = s->next) {
		for (int h = 0; s->cbt != NULL && h < MON_HOOKS; h++)
			f->hk_mask[h] |= s->cbt->mask[h];
	}
}

void mon_fsock_stop(struct mon_ctx *m, struct mon_fsock *s, int side)
{
	struct mon_flow *f = s->flow;
	for (int x = 0; x < 2; x++) {
		if (side == x || side == MOS_SIDE_BOTH)
			s->monitor[x] = 0;
	}
	mon_flow_sides_update(f);
	/* An endpoint nobody watches is not emulated: its buffer goes now. */
	for (int x = 0; x < 2; x++) {
		if (!(f->side[x].flags & MON_SF_MONITORED))
			mon_reasm_free(m, f, x);
	}
	/* Both sides off: the flow becomes a tombstone when the packet or notification
	 * being processed is done (mon_flow_settle): sockets are never freed under a
	 * running dispatch. */
}
