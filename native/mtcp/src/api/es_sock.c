/* es_sock.c - socket calls on ids of one context: streams and listeners over tcp/,
 * dispatch of reads and writes to pipes, socket options, addresses, ioctl. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "api/es_int.h"
#include "base/assert.h"
#include "engine/ctx.h"

/* The object of `id` when it is of `kind`; else NULL and *err: EBADF (no such id),
 * `wrong` (another kind). */
static void *es_obj(struct es_ctx *es, int id, int kind, int wrong, int *err)
{
	void *obj;
	int k = socktab_get(&es->eng->socks, id, &obj);
	*err = k == MOS_SOCK_UNUSED ? -EBADF : k != kind ? wrong : 0;
	return *err == 0 ? obj : NULL;
}

int es_tcp_sock(struct es_ctx *es, int id, void **obj)
{
	int kind = socktab_get(&es->eng->socks, id, obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	if (kind != MOS_SOCK_STREAM && kind != MOS_SOCK_STREAM_LISTEN)
		return -ENOTSOCK;
	return kind;
}

int es_socket(struct es_ctx *es)
{
	struct tcp_tcb *t = tcp_usr_create(&es->tcp);
	if (t == NULL)
		return -ENFILE;
	int id = socktab_alloc(&es->eng->socks, MOS_SOCK_STREAM, t);
	if (id < 0) {
		tcp_usr_abort(&es->tcp, t);
		return -ENFILE;
	}
	t->sock_id = id;
	return id;
}

int es_bind(struct es_ctx *es, int id, uint32_t ip, uint16_t port)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	if (kind == MOS_SOCK_STREAM_LISTEN)
		return -EINVAL; /* already bound */
	if (kind != MOS_SOCK_STREAM)
		return -ENOTSOCK;
	return tcp_usr_bind(&es->tcp, obj, ip, port);
}

int es_listen(struct es_ctx *es, int id, int backlog)
{
	void *obj;
	int kind = es_tcp_sock(es, id, &obj);
	if (kind < 0)
		return kind;
	if (backlog < 1 || (uint32_t)backlog > es->tcp.cfg.max_conns)
		return -EINVAL;
	if (kind == MOS_SOCK_STREAM_LISTEN) { /* listen again: a new backlog */
		struct tcp_listener *l = obj;
		uint32_t cap = spsc_capacity(&l->acceptq);
		l->backlog = (uint32_t)backlog < cap ? (uint32_t)backlog : cap;
		return 0;
	}
	struct tcp_tcb *t = obj;
	void *items = t->ep_items;
	t->ep_items = NULL;
	struct tcp_listener *l;
	int rc = tcp_usr_listen(&es->tcp, t, (uint32_t)backlog, &l);
	if (rc != 0) {
		t->ep_items = items;
		return rc;
	}
	es_ep_move(&items, &l->ep_items, MOS_SOCK_STREAM_LISTEN, l);
	l->sock_id = id;
	socktab_set(&es->eng->socks, id, MOS_SOCK_STREAM_LISTEN, l);
	return 0;
}

int es_connect(struct es_ctx *es, int id, uint32_t ip, uint16_t port)
{
	int err;
	struct tcp_tcb *t = es_obj(es, id, MOS_SOCK_STREAM, -ENOTSOCK, &err);
	if (t == NULL)
		return err;
	return tcp_usr_connect(&es->tcp, t, es->rss_src_ip, ip, port);
}

int es_close(struct es_ctx *es, int id)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	switch (kind) {
	case MOS_SOCK_UNUSED:
		return -EBADF;
	case MOS_SOCK_STREAM: {
		struct tcp_tcb *t = obj;
		es_ep_detach(es, &t->ep_items);
		socktab_free(&es->eng->socks, id);
		t->sock_id = -1;
		tcp_usr_close(&es->tcp, t);
		return 0;
	}
	case MOS_SOCK_STREAM_LISTEN: {
		struct tcp_listener *l = obj;
		es_ep_detach(es, &l->ep_items);
		socktab_free(&es->eng->socks, id);
		tcp_usr_listener_close(&es->tcp, l);
		return 0;
	}
	case MOS_SOCK_EPOLL:
		socktab_free(&es->eng->socks, id);
		es_epoll_destroy(es, obj);
		return 0;
	case MOS_SOCK_PIPE:
		es_pipe_close(es, obj);
		return 0;
	default:
		return -EINVAL;
	}
}

int es_abort(struct es_ctx *es, int id)
{
	int err;
	struct tcp_tcb *t = es_obj(es, id, MOS_SOCK_STREAM, -ENOTSOCK, &err);
	if (t == NULL)
		return err;
	if (!(atomic_load_explicit(&t->sflags, memory_order_relaxed) & TCP_SF_OPENED))
		return -ENOTCONN;
	es_ep_detach(es, &t->ep_items);
	socktab_free(&es->eng->socks, id);
	t->sock_id = -1;
	tcp_usr_abort(&es->tcp, t);
	return 0;
}

/* ---- Application side ----------------------------------------------------------- */

int es_accept(struct es_ctx *es, int id, uint32_t *ip, uint16_t *port, struct tcp_tcb **orphan)
{
	int err;
	*orphan = NULL;
	struct tcp_listener *l = es_obj(es, id, MOS_SOCK_STREAM_LISTEN, -EINVAL, &err);
	if (l == NULL)
		return err;
	struct tcp_tcb *t = tcp_app_accept(l);
	if (t == NULL)
		return -EAGAIN;
	int nid = socktab_alloc(&es->eng->socks, MOS_SOCK_STREAM, t);
	if (nid < 0) {
		*orphan = t; /* the caller has the context thread reset it */
		return -ENFILE;
	}
	t->sock_id = nid;
	*ip = t->key.daddr;
	*port = t->key.dport;
	return nid;
}

ssize_t es_recv(struct es_ctx *es, int id, void *buf, size_t len, int flags)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	if (flags & ~MSG_PEEK)
		return -EINVAL;
	if (kind == MOS_SOCK_PIPE)
		return es_pipe_read(es, obj, buf, len, (flags & MSG_PEEK) != 0);
	if (kind != MOS_SOCK_STREAM)
		return -ENOTSOCK;
	struct tcp_tcb *t = obj;
	bool poke;
	ssize_t n = tcp_app_read(t, buf, len, (flags & MSG_PEEK) != 0, &poke);
	if (poke)
		es_ring(es, &t->bell, &t->bell_pending);
	return n;
}

ssize_t es_send(struct es_ctx *es, int id, const void *buf, size_t len)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	if (kind == MOS_SOCK_PIPE)
		return es_pipe_write(es, obj, buf, len);
	if (kind != MOS_SOCK_STREAM)
		return -ENOTSOCK;
	struct tcp_tcb *t = obj;
	ssize_t n = tcp_app_write(t, buf, len);
	if (n > 0)
		es_ring(es, &t->bell, &t->bell_pending);
	return n;
}

static _Atomic bool *es_nonblock_flag(int kind, void *obj)
{
	switch (kind) {
	case MOS_SOCK_STREAM:
		return &((struct tcp_tcb *)obj)->nonblock;
	case MOS_SOCK_STREAM_LISTEN:
		return &((struct tcp_listener *)obj)->nonblock;
	case MOS_SOCK_PIPE:
		return &((struct es_pipe_end *)obj)->nonblock;
	default:
		return NULL;
	}
}

int es_nonblocking(struct es_ctx *es, int id)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	_Atomic bool *f = es_nonblock_flag(kind, obj);
	return f != NULL && atomic_load_explicit(f, memory_order_relaxed) ? 1 : 0;
}

int es_setsock_nonblock(struct es_ctx *es, int id)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	_Atomic bool *f = es_nonblock_flag(kind, obj);
	if (f != NULL)
		atomic_store_explicit(f, true, memory_order_relaxed);
	return 0;
}

static int es_fionread(int kind, void *obj)
{
	if (kind == MOS_SOCK_PIPE)
		return (int)es_pipe_readable(obj);
	if (kind != MOS_SOCK_STREAM)
		return -EBADF; /* a listener has no connection */
	struct tcp_tcb *t = obj;
	if (!(atomic_load_explicit(&t->sflags, memory_order_acquire) & TCP_SF_OPENED))
		return -EBADF;
	return (int)tcp_app_rx_bytes(t);
}

int es_ioctl(struct es_ctx *es, int id, int request, void *argp)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	_Atomic bool *nb = kind != MOS_SOCK_UNUSED ? es_nonblock_flag(kind, obj) : NULL;
	if (nb == NULL)
		return -EBADF;
	if (argp == NULL)
		return -EFAULT;
	if (request == FIONREAD) {
		int n = es_fionread(kind, obj);
		if (n < 0)
			return n;
		*(int *)argp = n;
		return 0;
	}
	if (request == FIONBIO) {
		atomic_store_explicit(nb, *(int *)argp != 0, memory_order_relaxed);
		return 0;
	}
	return -EINVAL;
}

int es_sockname(struct es_ctx *es, int id, bool peer, uint32_t *ip, uint16_t *port)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, id, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return -EBADF;
	if (kind == MOS_SOCK_STREAM_LISTEN) {
		struct tcp_listener *l = obj;
		if (peer)
			return -ENOTCONN;
		*ip = l->ip;
		*port = l->port;
		return 0;
	}
	if (kind != MOS_SOCK_STREAM)
		return -ENOTSOCK;
	struct tcp_tcb *t = obj;
	bool opened = atomic_load_explicit(&t->sflags, memory_order_acquire) & TCP_SF_OPENED;
	if (peer && !opened)
		return -ENOTCONN;
	*ip = peer ? t->key.daddr : opened ? t->key.saddr : t->bound_ip;
	*port = peer ? t->key.dport : opened ? t->key.sport : t->bound_port;
	return 0;
}
