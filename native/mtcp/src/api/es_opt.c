/* es_opt.c - socket options of end-host streams and listeners (context thread).
 *
 *   SOL_SOCKET   SO_ERROR (get: the pending error, cleared), SO_TYPE (get),
 *                SO_RCVBUF / SO_SNDBUF (bytes, at most the configured rmem_size /
 *                wmem_size rounded up to a power of two; no doubling as in Linux),
 *                SO_KEEPALIVE (0/1)
 *   IPPROTO_TCP  TCP_NODELAY (0/1), TCP_MAXSEG (88..65535; caps the MSS we advertise,
 *                1460 at most, and the segments we send), TCP_KEEPIDLE / TCP_KEEPINTVL
 *                (seconds, 1..32767), TCP_KEEPCNT (1..127)
 * Listeners pass their values on to the connections they accept. Anything else fails
 * with ENOPROTOOPT. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "api/es_int.h"
#include "engine/ctx.h"

/* What getsockopt reads of a stream or of a listener (whose values its connections
 * inherit). */
struct es_optview {
	uint32_t rcv_limit, snd_limit;
	uint32_t flags; /* TF_KEEPALIVE, TF_NODELAY */
	uint32_t mss;
	uint32_t ka_idle_ms, ka_intvl_ms;
	uint8_t ka_cnt;
};

static void es_optview_stream(const struct tcp_tcb *t, struct es_optview *o)
{
	*o = (struct es_optview){
		.rcv_limit = atomic_load_explicit(&t->rcv_limit, memory_order_relaxed),
		.snd_limit = atomic_load_explicit(&t->snd_limit, memory_order_relaxed),
		.flags = t->f,
		.mss = tcp_usr_mss(t),
		.ka_idle_ms = t->ka_idle_ms,
		.ka_intvl_ms = t->ka_intvl_ms,
		.ka_cnt = t->ka_cnt};
}

static void es_optview_listener(const struct tcp_listener *l, struct es_optview *o)
{
	*o = (struct es_optview){.rcv_limit = l->rcv_limit,
				 .snd_limit = l->snd_limit,
				 .flags = l->f_inherit,
				 .mss = l->mss_opt,
				 .ka_idle_ms = l->ka_idle_ms,
				 .ka_intvl_ms = l->ka_intvl_ms,
				 .ka_cnt = l->ka_cnt};
}

/* Every option but SO_ERROR and SO_TYPE (es_getsockopt). */
static int es_opt_get(const struct es_optview *o, int level, int name, int *v)
{
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_RCVBUF:
			*v = (int)o->rcv_limit;
			return 0;
		case SO_SNDBUF:
			*v = (int)o->snd_limit;
			return 0;
		case SO_KEEPALIVE:
			*v = (o->flags & TF_KEEPALIVE) != 0;
			return 0;
		}
	} else if (level == IPPROTO_TCP) {
		switch (name) {
		case TCP_NODELAY:
			*v = (o->flags & TF_NODELAY) != 0;
			return 0;
		case TCP_MAXSEG:
			*v = (int)o->mss;
			return 0;
		case TCP_KEEPIDLE:
			*v = (int)(o->ka_idle_ms / 1000u);
			return 0;
		case TCP_KEEPINTVL:
			*v = (int)(o->ka_intvl_ms / 1000u);
			return 0;
		case TCP_KEEPCNT:
			*v = o->ka_cnt;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

int es_getsockopt(struct es_ctx *es, int id, int level, int name, void *val, socklen_t *len)
{
	void *obj;
	int kind = es_tcp_sock(es, id, &obj);
	if (kind < 0)
		return kind;
	if (val == NULL || len == NULL)
		return -EFAULT;
	if (*len < (socklen_t)sizeof(int))
		return -EINVAL;
	int v = 0;
	if (level == SOL_SOCKET && name == SO_TYPE) {
		v = SOCK_STREAM;
	} else if (level == SOL_SOCKET && name == SO_ERROR) {
		/* A stream's pending error, read once; a listener has none. */
		v = kind == MOS_SOCK_STREAM ? tcp_app_take_error(obj) : 0;
	} else {
		struct es_optview o;
		if (kind == MOS_SOCK_STREAM)
			es_optview_stream(obj, &o);
		else
			es_optview_listener(obj, &o);
		int rc = es_opt_get(&o, level, name, &v);
		if (rc != 0)
			return rc;
	}
	memcpy(val, &v, sizeof v);
	*len = (socklen_t)sizeof v;
	return 0;
}

/* The options' values in stack units, checked. */
struct es_optval {
	uint32_t u;
	bool on;
};

static int es_opt_check(struct es_ctx *es, int level, int name, int v, struct es_optval *o)
{
	o->on = v != 0;
	o->u = v > 0 ? (uint32_t)v : 0;
	if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_SNDBUF)) {
		uint32_t cap = name == SO_RCVBUF ? es->tcp.rcv_cap : es->tcp.snd_cap;
		if (v <= 0)
			return -EINVAL;
		o->u = o->u > cap ? cap : o->u < 256 ? 256 : o->u;
		return 0;
	}
	if (level == SOL_SOCKET && name == SO_KEEPALIVE)
		return 0;
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case TCP_NODELAY:
		return 0;
	case TCP_MAXSEG:
		return v < TCP_MSS_MIN || v > 65535 ? -EINVAL : 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		o->u = (uint32_t)v * 1000u;
		return 0;
	case TCP_KEEPCNT:
		return v < 1 || v > 127 ? -EINVAL : 0;
	default:
		return -ENOPROTOOPT;
	}
}

static void es_opt_set_stream(struct es_ctx *es, struct tcp_tcb *t, int level, int name,
			      const struct es_optval *o)
{
	if (level == SOL_SOCKET) {
		if (name == SO_RCVBUF)
			atomic_store_explicit(&t->rcv_limit, o->u, memory_order_relaxed);
		else if (name == SO_SNDBUF)
			atomic_store_explicit(&t->snd_limit, o->u, memory_order_relaxed);
		else
			tcp_usr_set_keepalive(&es->tcp, t, o->on);
		return;
	}
	switch (name) {
	case TCP_NODELAY:
		tcp_usr_set_nodelay(&es->tcp, t, o->on);
		break;
	case TCP_MAXSEG:
		t->mss_opt = (uint16_t)(o->u > 1460 ? 1460 : o->u);
		if (t->smss > t->mss_opt)
			t->smss = t->mss_opt;
		break;
	case TCP_KEEPIDLE:
		tcp_usr_set_keepparams(t, o->u, t->ka_intvl_ms, t->ka_cnt);
		break;
	case TCP_KEEPINTVL:
		tcp_usr_set_keepparams(t, t->ka_idle_ms, o->u, t->ka_cnt);
		break;
	default:
		tcp_usr_set_keepparams(t, t->ka_idle_ms, t->ka_intvl_ms, (uint8_t)o->u);
		break;
	}
}

static void es_opt_set_listener(struct tcp_listener *l, int level, int name,
				const struct es_optval *o)
{
	uint32_t bit = level == SOL_SOCKET ? TF_KEEPALIVE : TF_NODELAY;
	if (level == SOL_SOCKET && name == SO_RCVBUF)
		l->rcv_limit = o->u;
	else if (level == SOL_SOCKET && name == SO_SNDBUF)
		l->snd_limit = o->u;
	else if (name == SO_KEEPALIVE || name == TCP_NODELAY)
		l->f_inherit = o->on ? l->f_inherit | bit : l->f_inherit & ~bit;
	else if (name == TCP_MAXSEG)
		l->mss_opt = (uint16_t)(o->u > 1460 ? 1460 : o->u);
	else if (name == TCP_KEEPIDLE)
		l->ka_idle_ms = o->u;
	else if (name == TCP_KEEPINTVL)
		l->ka_intvl_ms = o->u;
	else
		l->ka_cnt = (uint8_t)o->u;
}

int es_setsockopt(struct es_ctx *es, int id, int level, int name, const void *val,
		  socklen_t len)
{
	void *obj;
	int kind = es_tcp_sock(es, id, &obj);
	if (kind < 0)
		return kind;
	if (val == NULL)
		return -EFAULT;
	if (len < (socklen_t)sizeof(int))
		return -EINVAL;
	int v;
	memcpy(&v, val, sizeof v);
	struct es_optval o;
	int rc = es_opt_check(es, level, name, v, &o);
	if (rc != 0)
		return rc;
	if (kind == MOS_SOCK_STREAM)
		es_opt_set_stream(es, obj, level, name, &o);
	else
		es_opt_set_listener(obj, level, name, &o);
	return 0;
}
