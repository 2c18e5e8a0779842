/* es_epoll.c - epoll instances with Linux semantics (see es.h): ready lists fed by
 * wake-ups from the sockets, collection that asks each ready socket its state, level-
 * triggered, edge-triggered and one-shot registrations, several instances per context
 * and several per socket. Context thread only. */
#include <errno.h>
#include <string.h>

#include "api/es_int.h"
#include "base/assert.h"
#include "engine/ctx.h"

#define EP_ALWAYS ((uint32_t)(MOS_EPOLLERR | MOS_EPOLLHUP))
#define EP_FLAGS ((uint32_t)MOS_EPOLLET | (uint32_t)MOS_EPOLLONESHOT)

/* epoll bits of a set of TCP_POLL_* bits (the five of tcp.h): one table load. */
#define EP_T(b)                                                                                \
	((((b)&TCP_POLL_IN) ? (uint32_t)(MOS_EPOLLIN | MOS_EPOLLRDNORM) : 0u) |                \
	 (((b)&TCP_POLL_OUT) ? (uint32_t)(MOS_EPOLLOUT | MOS_EPOLLWRNORM) : 0u) |              \
	 (((b)&TCP_POLL_ERR) ? (uint32_t)MOS_EPOLLERR : 0u) |                                  \
	 (((b)&TCP_POLL_HUP) ? (uint32_t)MOS_EPOLLHUP : 0u) |                                  \
	 (((b)&TCP_POLL_RDHUP) ? (uint32_t)MOS_EPOLLRDHUP : 0u))
#define EP_TCP_BITS                                                                            \
	((uint32_t)(TCP_POLL_IN | TCP_POLL_OUT | TCP_POLL_ERR | TCP_POLL_HUP | TCP_POLL_RDHUP))
MOS_STATIC_ASSERT(EP_TCP_BITS == 31u, "the TCP poll bits are the five lowest");

static const uint32_t ep_tcp_table[32] = {
	EP_T(0),  EP_T(1),  EP_T(2),  EP_T(3),  EP_T(4),  EP_T(5),  EP_T(6),  EP_T(7),
	EP_T(8),  EP_T(9),  EP_T(10), EP_T(11), EP_T(12), EP_T(13), EP_T(14), EP_T(15),
	EP_T(16), EP_T(17), EP_T(18), EP_T(19), EP_T(20), EP_T(21), EP_T(22), EP_T(23),
	EP_T(24), EP_T(25), EP_T(26), EP_T(27), EP_T(28), EP_T(29), EP_T(30), EP_T(31)};

static uint32_t ep_from_tcp(uint32_t b)
{
	return ep_tcp_table[b & EP_TCP_BITS];
}

#undef EP_T
#undef EP_TCP_BITS

uint32_t es_sock_events(int kind, void *obj)
{
	switch (kind) {
	case MOS_SOCK_STREAM:
		return ep_from_tcp(tcp_poll_mask(obj));
	case MOS_SOCK_STREAM_LISTEN:
		return ep_from_tcp(tcp_listener_poll_mask(obj));
	case MOS_SOCK_PIPE:
		return es_pipe_events(obj);
	default:
		return 0;
	}
}

static void ep_ready_add(struct ep_item *it)
{
	struct es_epoll *ep = it->ep;
	if (it->on_ready)
		return;
	it->on_ready = true;
	it->ready_next = NULL;
	it->ready_prev = ep->ready_tail;
	if (ep->ready_tail != NULL)
		ep->ready_tail->ready_next = it;
	else
		ep->ready_head = it;
	ep->ready_tail = it;
	ep->ready_count++;
}

static void ep_ready_del(struct ep_item *it)
{
	struct es_epoll *ep = it->ep;
	if (!it->on_ready)
		return;
	if (it->ready_prev != NULL)
		it->ready_prev->ready_next = it->ready_next;
	else
		ep->ready_head = it->ready_next;
	if (it->ready_next != NULL)
		it->ready_next->ready_prev = it->ready_prev;
	else
		ep->ready_tail = it->ready_prev;
	it->on_ready = false;
	MOS_ASSERT(ep->ready_count > 0);
	ep->ready_count--;
}

void es_ep_wake(void *user, void **items, uint32_t tcp_bits)
{
	(void)user;
	uint32_t ev = ep_from_tcp(tcp_bits);
	for (struct ep_item *it = *items; it != NULL; it = it->sock_next)
		if (!it->disabled && (ev & (it->events | EP_ALWAYS)))
			ep_ready_add(it);
}

/* Takes `it` out of its socket's list, its epoll's lists, and frees it. */
static void ep_item_free(struct es_ctx *es, struct ep_item *it)
{
	struct ep_item **pp = (struct ep_item **)it->owner;
	while (*pp != it)
		pp = &(*pp)->sock_next;
	*pp = it->sock_next;
	ep_ready_del(it);
	if (it->ep_prev != NULL)
		it->ep_prev->ep_next = it->ep_next;
	else
		it->ep->items = it->ep_next;
	if (it->ep_next != NULL)
		it->ep_next->ep_prev = it->ep_prev;
	pool_put(&es->items, it);
}

void es_ep_detach(struct es_ctx *es, void **owner)
{
	while (*owner != NULL)
		ep_item_free(es, *owner);
}

void es_ep_move(void **from, void **to, int kind, void *obj)
{
	for (struct ep_item *it = *from; it != NULL; it = it->sock_next) {
		it->owner = to;
		it->kind = kind;
		it->obj = obj;
	}
	*to = *from;
	*from = NULL;
}

void es_epoll_destroy(struct es_ctx *es, struct es_epoll *ep)
{
	while (ep->items != NULL)
		ep_item_free(es, ep->items);
	pool_put(&es->epolls, ep);
}

int es_epoll_create(struct es_ctx *es, int size)
{
	if (size <= 0)
		return -EINVAL;
	struct es_epoll *ep = pool_get(&es->epolls);
	if (ep == NULL)
		return -ENFILE;
	memset(ep, 0, sizeof *ep);
	int id = socktab_alloc(&es->eng->socks, MOS_SOCK_EPOLL, ep);
	if (id < 0) {
		pool_put(&es->epolls, ep);
		return -ENFILE;
	}
	ep->id = id;
	return id;
}

static struct es_epoll *ep_lookup(struct es_ctx *es, int epid, int *err)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, epid, &obj);
	*err = kind == MOS_SOCK_UNUSED ? -EBADF : kind != MOS_SOCK_EPOLL ? -EINVAL : 0;
	return *err == 0 ? obj : NULL;
}

static void **ep_owner(int kind, void *obj)
{
	switch (kind) {
	case MOS_SOCK_STREAM:
		return &((struct tcp_tcb *)obj)->ep_items;
	case MOS_SOCK_STREAM_LISTEN:
		return &((struct tcp_listener *)obj)->ep_items;
	case MOS_SOCK_PIPE:
		return &((struct es_pipe_end *)obj)->ep_items;
	default:
		return NULL;
	}
}

/* Sets interest and data; a condition that already holds is reported (ADD and MOD). */
static void ep_item_set(struct ep_item *it, const struct mtcp_epoll_event *ev)
{
	it->events = (uint32_t)ev->events; /* the mOS bits are in the low 32 bits */
	it->data = ev->data.u64;
	it->disabled = false;
	if (es_sock_events(it->kind, it->obj) & (it->events | EP_ALWAYS))
		ep_ready_add(it);
}

static int ep_add(struct es_ctx *es, struct es_epoll *ep, int id, int kind, void *obj,
		  const struct mtcp_epoll_event *ev)
{
	struct ep_item *it = pool_get(&es->items);
	if (it == NULL)
		return -ENOMEM;
	memset(it, 0, sizeof *it);
	void **owner = ep_owner(kind, obj);
	it->ep = ep;
	it->owner = owner;
	it->sock = id;
	it->kind = kind;
	it->obj = obj;
	it->sock_next = *owner;
	*owner = it;
	it->ep_next = ep->items;
	if (ep->items != NULL)
		ep->items->ep_prev = it;
	ep->items = it;
	ep_item_set(it, ev);
	return 0;
}

int es_epoll_ctl(struct es_ctx *es, int epid, int op, int id, const struct mtcp_epoll_event *ev)
{
	int err;
	struct es_epoll *ep = ep_lookup(es, epid, &err);
	if (ep == NULL)
		return err;
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	void **owner = ep_owner(kind, obj);
	if (owner == NULL || id == epid)
		return -EINVAL; /* epoll and monitor sockets cannot be watched */
	if ((op == MOS_EPOLL_CTL_ADD || op == MOS_EPOLL_CTL_MOD) && ev == NULL)
		return -EINVAL;
	struct ep_item *it = *owner;
	while (it != NULL && it->ep != ep)
		it = it->sock_next;
	switch (op) {
	case MOS_EPOLL_CTL_ADD:
		return it != NULL ? -EEXIST : ep_add(es, ep, id, kind, obj, ev);
	case MOS_EPOLL_CTL_MOD:
		if (it == NULL)
			return -ENOENT;
		ep_item_set(it, ev);
		return 0;
	case MOS_EPOLL_CTL_DEL:
		if (it == NULL)
			return -ENOENT;
		ep_item_free(es, it);
		return 0;
	default:
		return -EINVAL;
	}
}

int es_epoll_collect(struct es_ctx *es, int epid, struct mtcp_epoll_event *out, int max)
{
	int err;
	struct es_epoll *ep = ep_lookup(es, epid, &err);
	if (ep == NULL)
		return err;
	int n = 0;
	/* Visit each item ready now once: level-triggered ones go back to the tail. */
	uint32_t todo = ep->ready_count;
	while (todo-- > 0 && n < max) {
		struct ep_item *it = ep->ready_head;
		ep_ready_del(it);
		uint32_t rev = es_sock_events(it->kind, it->obj) & (it->events | EP_ALWAYS) &
			       ~EP_FLAGS;
		if (rev == 0)
			continue; /* no longer ready: a wake-up brings it back */
		out[n].events = rev;
		out[n].data.u64 = it->data;
		n++;
		if (it->events & (uint32_t)MOS_EPOLLONESHOT)
			it->disabled = true;
		else if (!(it->events & (uint32_t)MOS_EPOLLET))
			ep_ready_add(it);
	}
	return n;
}

#undef EP_ALWAYS
#undef EP_FLAGS
