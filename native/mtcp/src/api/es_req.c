/* es_req.c - executes a request of the application on the context thread: the same
 * code in both threading modes. Blocking requests report ES_BLOCKED until their
 * condition holds; the caller (api_es_call.c) keeps them parked, or drives the loop. */
#include <errno.h>

#include "api/es_int.h"
#include "engine/ctx.h"
#include "net/route.h"

void es_drop(struct es_ctx *es, struct tcp_tcb *t)
{
	tcp_usr_abort(&es->tcp, t);
}

int es_init_rss(struct es_ctx *es, uint32_t src_ip, uint32_t dst_ip)
{
	if (route_lookup(&es->eng->inst->routes, dst_ip) == NULL)
		return -EINVAL;
	if (src_ip != 0 && eng_port_by_ip(es->eng->inst, src_ip) < 0)
		return -EINVAL;
	es->rss_src_ip = src_ip;
	return 0;
}

/* Blocking connect: phase 1 waits for the outcome. */
static int es_exec_connect(struct es_ctx *es, struct es_req *r)
{
	void *obj;
	if (r->phase == 0) {
		int rc = es_connect(es, r->id, r->ip, r->port);
		if (rc != 0 || !r->blocking) {
			r->ret = rc != 0 ? rc : -EINPROGRESS;
			return ES_DONE;
		}
		r->phase = 1;
	}
	if (socktab_get(&es->eng->socks, r->id, &obj) != MOS_SOCK_STREAM) {
		r->ret = -EBADF;
		return ES_DONE;
	}
	struct tcp_tcb *t = obj;
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (sf & TCP_SF_CONNECTED) {
		r->ret = 0;
		return ES_DONE;
	}
	if (sf & (TCP_SF_CLOSED | TCP_SF_ERROR)) {
		int e = tcp_app_take_error(t);
		r->ret = -(e != 0 ? e : ECONNREFUSED);
		return ES_DONE;
	}
	return ES_BLOCKED;
}

static bool es_wait_ready(int kind, void *obj, int wait)
{
	switch (kind) {
	case MOS_SOCK_STREAM:
		return wait == ES_WAIT_WRITE ? tcp_app_writable(obj) : tcp_app_readable(obj);
	case MOS_SOCK_STREAM_LISTEN:
		return tcp_listener_poll_mask(obj) != 0;
	case MOS_SOCK_PIPE:
		return es_pipe_ready(obj, wait);
	default:
		return true;
	}
}

static int es_exec_wait(struct es_ctx *es, struct es_req *r)
{
	void *obj;
	int kind = socktab_get(&es->eng->socks, r->id, &obj);
	if (kind == MOS_SOCK_UNUSED) {
		r->ret = -EBADF; /* closed meanwhile */
		return ES_DONE;
	}
	if (!es_wait_ready(kind, obj, r->arg))
		return ES_BLOCKED;
	r->ret = 0;
	return ES_DONE;
}

static int es_exec_epoll_wait(struct es_ctx *es, struct es_req *r)
{
	int n = es_epoll_collect(es, r->id, r->ptr, r->arg);
	if (n == 0 && r->blocking)
		return ES_BLOCKED;
	r->ret = n;
	return ES_DONE;
}

static long es_exec_simple(struct es_ctx *es, struct es_req *r)
{
	switch (r->op) {
	case ES_OP_SOCKET:
		return es_socket(es);
	case ES_OP_BIND:
		return es_bind(es, r->id, r->ip, r->port);
	case ES_OP_LISTEN:
		return es_listen(es, r->id, r->arg);
	case ES_OP_CLOSE:
		return es_close(es, r->id);
	case ES_OP_ABORT:
		return es_abort(es, r->id);
	case ES_OP_GETSOCKOPT:
		return es_getsockopt(es, r->id, r->arg, r->arg2, r->ptr, r->ptr2);
	case ES_OP_SETSOCKOPT:
		return es_setsockopt(es, r->id, r->arg, r->arg2, r->ptr, (socklen_t)r->len);
	case ES_OP_PIPE:
		return es_pipe(es, r->ptr);
	case ES_OP_EPOLL_CREATE:
		return es_epoll_create(es, r->arg);
	case ES_OP_EPOLL_CTL:
		return es_epoll_ctl(es, r->id, r->arg, r->id2, r->ptr);
	case ES_OP_INIT_RSS:
		return es_init_rss(es, r->ip, r->ip2);
	case ES_OP_DROP:
		es_drop(es, r->ptr);
		return 0;
	default:
		return -EINVAL;
	}
}

int es_exec(struct es_ctx *es, struct es_req *r)
{
	switch (r->op) {
	case ES_OP_CONNECT:
		return es_exec_connect(es, r);
	case ES_OP_WAIT:
		return es_exec_wait(es, r);
	case ES_OP_EPOLL_WAIT:
		return es_exec_epoll_wait(es, r);
	default:
		r->ret = es_exec_simple(es, r);
		return ES_DONE;
	}
}

long es_timeout_result(const struct es_req *r)
{
	return r->op == ES_OP_EPOLL_WAIT ? 0 : -ETIMEDOUT;
}
