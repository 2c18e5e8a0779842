/* api_es.c - the public end-host socket and epoll functions (mtcp_api.h, mtcp_epoll.h):
 * argument checks and conversions, then the socket layer (es.h) - lock-free calls
 * directly, the rest through api_es_call(). Blocking calls wait for their condition
 * (ES_OP_WAIT) and try again. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "api/api_dispatch.h"
#include "api/api_es.h"
#include "api/api_internal.h"
#include "api/api_process.h"
#include "engine/ctx.h"

/* -errno or a value -> the public convention. */
static long api_es_ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static struct es_ctx *api_es_ctx(mctx_t mctx, struct api_ctx **cp)
{
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return NULL;
	*cp = c;
	return api_es_of(c);
}

static int api_es_simple(struct api_ctx *c, int op, int id)
{
	struct es_req r = {.op = op, .id = id, .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

/* Waits until `id` is readable / writable / has a connection (blocking sockets). */
static long api_es_wait_for(struct api_ctx *c, int id, int what)
{
	struct es_req r = {.op = ES_OP_WAIT,
			   .id = id,
			   .arg = what,
			   .blocking = true,
			   .deadline_ns = UINT64_MAX};
	return api_es_call(c, &r);
}

static void api_es_sockaddr(struct sockaddr *addr, socklen_t *addrlen, uint32_t ip,
			    uint16_t port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(ip);
	sa.sin_port = htons(port);
	socklen_t n = *addrlen < (socklen_t)sizeof sa ? *addrlen : (socklen_t)sizeof sa;
	memcpy(addr, &sa, n);
	*addrlen = (socklen_t)sizeof sa;
}

/* ---- Dispatch targets of api_socket.c -------------------------------------------- */

int api_es_socket(struct api_ctx *c)
{
	return api_es_simple(c, ES_OP_SOCKET, -1);
}

int api_es_close(struct api_ctx *c, int id, int kind, void *obj)
{
	(void)kind;
	(void)obj;
	return api_es_simple(c, ES_OP_CLOSE, id);
}

int api_es_getsockopt(struct api_ctx *c, int id, int kind, void *obj, int level, int optname,
		      void *optval, socklen_t *optlen)
{
	(void)kind;
	(void)obj;
	struct es_req r = {.op = ES_OP_GETSOCKOPT,
			   .id = id,
			   .arg = level,
			   .arg2 = optname,
			   .ptr = optval,
			   .ptr2 = optlen,
			   .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int api_es_setsockopt(struct api_ctx *c, int id, int kind, void *obj, int level, int optname,
		      const void *optval, socklen_t optlen)
{
	(void)kind;
	(void)obj;
	struct es_req r = {.op = ES_OP_SETSOCKOPT,
			   .id = id,
			   .arg = level,
			   .arg2 = optname,
			   .ptr = (void *)optval,
			   .len = optlen,
			   .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int api_es_getpeername(struct api_ctx *c, int id, struct sockaddr *addr, socklen_t *addrlen)
{
	struct es_ctx *es = api_es_of(c);
	if (es == NULL)
		return -1;
	if (addr == NULL || addrlen == NULL)
		return api_fail(EFAULT);
	if (*addrlen <= 0)
		return api_fail(EINVAL);
	uint32_t ip;
	uint16_t port;
	int rc = es_sockname(es, id, true, &ip, &port);
	if (rc != 0)
		return (int)api_es_ret(rc);
	api_es_sockaddr(addr, addrlen, ip, port);
	return 0;
}

/* ---- Sockets --------------------------------------------------------------------- */

int mtcp_bind(mctx_t mctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	if (addr == NULL || addrlen < (socklen_t)sizeof(struct sockaddr_in) ||
	    addr->sa_family != AF_INET)
		return api_fail(EINVAL);
	const struct sockaddr_in *sa = (const struct sockaddr_in *)(const void *)addr;
	struct es_req r = {.op = ES_OP_BIND,
			   .id = sock,
			   .ip = ntohl(sa->sin_addr.s_addr),
			   .port = ntohs(sa->sin_port),
			   .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int mtcp_listen(mctx_t mctx, int sock, int backlog)
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	struct es_req r = {
		.op = ES_OP_LISTEN, .id = sock, .arg = backlog, .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int mtcp_accept(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	for (;;) {
		uint32_t ip;
		uint16_t port;
		struct tcp_tcb *orphan;
		int id = es_accept(es, sock, &ip, &port, &orphan);
		if (id >= 0) {
			if (addr != NULL && addrlen != NULL)
				api_es_sockaddr(addr, addrlen, ip, port);
			return id;
		}
		if (orphan != NULL) {
			struct es_req d = {
				.op = ES_OP_DROP, .ptr = orphan, .deadline_ns = UINT64_MAX};
			(void)api_es_call(c, &d);
		}
		if (id != -EAGAIN || es_nonblocking(es, sock) != 0)
			return (int)api_es_ret(id);
		long w = api_es_wait_for(c, sock, ES_WAIT_ACCEPT);
		if (w < 0)
			return (int)api_es_ret(w);
	}
}

int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr, in_addr_t daddr,
		  in_addr_t dport)
{
	(void)num_addr; /* reserved: one source address per context */
	(void)dport;    /* every destination port: ports are chosen per connection */
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	struct es_req r = {.op = ES_OP_INIT_RSS,
			   .ip = ntohl(saddr_base),
			   .ip2 = ntohl(daddr),
			   .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int mtcp_connect(mctx_t mctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	if (addr == NULL)
		return api_fail(EFAULT);
	if (addrlen < (socklen_t)sizeof(struct sockaddr_in) || addr->sa_family != AF_INET)
		return api_fail(EAFNOSUPPORT);
	const struct sockaddr_in *sa = (const struct sockaddr_in *)(const void *)addr;
	int nb = es_nonblocking(es, sock);
	if (nb < 0)
		return (int)api_es_ret(nb);
	struct es_req r = {.op = ES_OP_CONNECT,
			   .id = sock,
			   .ip = ntohl(sa->sin_addr.s_addr),
			   .port = ntohs(sa->sin_port),
			   .blocking = nb == 0,
			   .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int mtcp_abort(mctx_t mctx, int sock)
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	return api_es_simple(c, ES_OP_ABORT, sock);
}

int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	if (addr == NULL || addrlen == NULL)
		return api_fail(EFAULT);
	if (*addrlen <= 0)
		return api_fail(EINVAL);
	uint32_t ip;
	uint16_t port;
	int rc = es_sockname(es, sock, false, &ip, &port);
	if (rc != 0)
		return (int)api_es_ret(rc);
	api_es_sockaddr(addr, addrlen, ip, port);
	return 0;
}

int mtcp_setsock_nonblock(mctx_t mctx, int sock)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	return (int)api_es_ret(es_setsock_nonblock(es, sock));
}

int mtcp_ioctl(mctx_t mctx, int sock, int request, void *argp)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	return (int)api_es_ret(es_ioctl(es, sock, request, argp));
}

int mtcp_pipe(mctx_t mctx, int pipeid[2])
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	if (pipeid == NULL)
		return api_fail(EFAULT);
	struct es_req r = {.op = ES_OP_PIPE, .ptr = pipeid, .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

/* ---- Data -------------------------------------------------------------------------- */

ssize_t mtcp_recv(mctx_t mctx, int sockid, char *buf, size_t len, int flags)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	if (buf == NULL && len > 0)
		return api_fail(EFAULT);
	for (;;) {
		ssize_t n = es_recv(es, sockid, buf, len, flags);
		if (n != -EAGAIN || es_nonblocking(es, sockid) != 0)
			return api_es_ret(n);
		long w = api_es_wait_for(c, sockid, ES_WAIT_READ);
		if (w < 0)
			return api_es_ret(w);
	}
}

ssize_t mtcp_read(mctx_t mctx, int sock, char *buf, size_t len)
{
	return mtcp_recv(mctx, sock, buf, len, 0);
}

/* The vector arguments of readv/writev: false with errno set (EINVAL for a negative
 * count, EFAULT for a missing array). */
static bool api_iov_ok(const struct iovec *iov, int numIOV)
{
	if (numIOV >= 0 && (iov != NULL || numIOV == 0))
		return true;
	api_fail(numIOV < 0 ? EINVAL : EFAULT);
	return false;
}

ssize_t mtcp_readv(mctx_t mctx, int sock, const struct iovec *iov, int numIOV)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	if (!api_iov_ok(iov, numIOV))
		return -1;
	ssize_t total = 0;
	for (int i = 0; i < numIOV; i++) {
		if (iov[i].iov_len == 0)
			continue;
		ssize_t n;
		if (total == 0) { /* the first read may block */
			n = mtcp_recv(mctx, sock, iov[i].iov_base, iov[i].iov_len, 0);
			if (n <= 0)
				return n;
		} else { /* the others take what is already there */
			n = es_recv(es, sock, iov[i].iov_base, iov[i].iov_len, 0);
			if (n <= 0)
				break;
		}
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

/* Queues len bytes: all of them on a blocking socket (waiting for space), what fits on
 * a non-blocking one. */
static ssize_t api_es_send(struct api_ctx *c, struct es_ctx *es, int sock, const char *buf,
			   size_t len)
{
	size_t done = 0;
	for (;;) {
		ssize_t n = es_send(es, sock, buf + done, len - done);
		if (n > 0)
			done += (size_t)n;
		if (done == len && len > 0)
			return (ssize_t)done;
		if (n == 0 && len == 0)
			return 0;
		if ((n < 0 && n != -EAGAIN) || es_nonblocking(es, sock) != 0)
			return done > 0 ? (ssize_t)done : api_es_ret(n < 0 ? n : -EAGAIN);
		if (n > 0)
			continue;
		long w = api_es_wait_for(c, sock, ES_WAIT_WRITE);
		if (w < 0)
			return done > 0 ? (ssize_t)done : api_es_ret(w);
	}
}

ssize_t mtcp_write(mctx_t mctx, int sock, const char *buf, size_t len)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	if (buf == NULL && len > 0)
		return api_fail(EFAULT);
	return api_es_send(c, es, sock, buf, len);
}

ssize_t mtcp_writev(mctx_t mctx, int sock, const struct iovec *iov, int numIOV)
{
	struct api_ctx *c;
	struct es_ctx *es = api_es_ctx(mctx, &c);
	if (es == NULL)
		return -1;
	if (!api_iov_ok(iov, numIOV))
		return -1;
	ssize_t total = 0;
	for (int i = 0; i < numIOV; i++) {
		if (iov[i].iov_len == 0)
			continue;
		ssize_t n = api_es_send(c, es, sock, iov[i].iov_base, iov[i].iov_len);
		if (n < 0)
			return total > 0 ? total : n;
		total += n;
		if ((size_t)n < iov[i].iov_len)
			break;
	}
	return total;
}

/* ---- Epoll ------------------------------------------------------------------------- */

int mtcp_epoll_create(mctx_t mctx, int size)
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	struct es_req r = {.op = ES_OP_EPOLL_CREATE, .arg = size, .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sock, struct mtcp_epoll_event *event)
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	struct es_req r = {.op = ES_OP_EPOLL_CTL,
			   .id = epid,
			   .arg = op,
			   .id2 = sock,
			   .ptr = event,
			   .deadline_ns = UINT64_MAX};
	return (int)api_es_ret(api_es_call(c, &r));
}

int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events, int maxevents,
		    int timeout)
{
	struct api_ctx *c;
	if (api_es_ctx(mctx, &c) == NULL)
		return -1;
	if (events == NULL || maxevents <= 0)
		return api_fail(EINVAL);
	uint64_t deadline = UINT64_MAX;
	if (timeout >= 0)
		deadline = eng_clock_ns(api_proc.inst, (uint16_t)c->pub.cpu) +
			   (uint64_t)timeout * 1000000u;
	struct es_req r = {.op = ES_OP_EPOLL_WAIT,
			   .id = epid,
			   .arg = maxevents,
			   .ptr = events,
			   .blocking = timeout != 0,
			   .deadline_ns = deadline};
	return (int)api_es_ret(api_es_call(c, &r));
}
