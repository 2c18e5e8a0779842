/* api_notyet_sock.c - end-host socket and epoll functions whose capability has not
 * landed yet: each fails with ENOSYS and is "not yet" in api_status_sock.inc. */
#include "api/api_dispatch.h"
#include "api/api_internal.h"

#define NY_UNUSED(x) (void)(x)

/* ---- end-host sockets ------------------------------------------------------------ */

int mtcp_pipe(mctx_t mctx, int pipeid[2])
{
	NY_UNUSED(mctx);
	NY_UNUSED(pipeid);
	return api_fail(ENOSYS);
}

int mtcp_setsock_nonblock(mctx_t mctx, int sock)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	return api_fail(ENOSYS);
}

int mtcp_ioctl(mctx_t mctx, int sock, int request, void *argp)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(request);
	NY_UNUSED(argp);
	return api_fail(ENOSYS);
}

int mtcp_bind(mctx_t mctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(addr);
	NY_UNUSED(addrlen);
	return api_fail(ENOSYS);
}

int mtcp_listen(mctx_t mctx, int sock, int backlog)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(backlog);
	return api_fail(ENOSYS);
}

int mtcp_accept(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(addr);
	NY_UNUSED(addrlen);
	return api_fail(ENOSYS);
}

int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr, in_addr_t daddr,
		  in_addr_t dport)
{
	NY_UNUSED(mctx);
	NY_UNUSED(saddr_base);
	NY_UNUSED(num_addr);
	NY_UNUSED(daddr);
	NY_UNUSED(dport);
	return api_fail(ENOSYS);
}

int mtcp_connect(mctx_t mctx, int sock, const struct sockaddr *addr, socklen_t addrlen)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(addr);
	NY_UNUSED(addrlen);
	return api_fail(ENOSYS);
}

int mtcp_abort(mctx_t mctx, int sock)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	return api_fail(ENOSYS);
}

int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(addr);
	NY_UNUSED(addrlen);
	return api_fail(ENOSYS);
}

ssize_t mtcp_recv(mctx_t mctx, int sockid, char *buf, size_t len, int flags)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sockid);
	NY_UNUSED(buf);
	NY_UNUSED(len);
	NY_UNUSED(flags);
	return api_fail(ENOSYS);
}

ssize_t mtcp_read(mctx_t mctx, int sock, char *buf, size_t len)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(buf);
	NY_UNUSED(len);
	return api_fail(ENOSYS);
}

ssize_t mtcp_readv(mctx_t mctx, int sock, const struct iovec *iov, int numIOV)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(iov);
	NY_UNUSED(numIOV);
	return api_fail(ENOSYS);
}

ssize_t mtcp_write(mctx_t mctx, int sock, const char *buf, size_t len)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(buf);
	NY_UNUSED(len);
	return api_fail(ENOSYS);
}

ssize_t mtcp_writev(mctx_t mctx, int sock, const struct iovec *iov, int numIOV)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(iov);
	NY_UNUSED(numIOV);
	return api_fail(ENOSYS);
}

/* ---- epoll ------------------------------------------------------------------------ */

int mtcp_epoll_create(mctx_t mctx, int size)
{
	NY_UNUSED(mctx);
	NY_UNUSED(size);
	return api_fail(ENOSYS);
}

int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sock, struct mtcp_epoll_event *event)
{
	NY_UNUSED(mctx);
	NY_UNUSED(epid);
	NY_UNUSED(op);
	NY_UNUSED(sock);
	NY_UNUSED(event);
	return api_fail(ENOSYS);
}

int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events, int maxevents,
		    int timeout)
{
	NY_UNUSED(mctx);
	NY_UNUSED(epid);
	NY_UNUSED(events);
	NY_UNUSED(maxevents);
	NY_UNUSED(timeout);
	return api_fail(ENOSYS);
}

/* ---- dispatch targets of api_socket.c ------------------------------------------ */

int api_es_socket(struct api_ctx *c)
{
	NY_UNUSED(c);
	return api_fail(ENOSYS);
}

int api_es_close(struct api_ctx *c, int id, int kind, void *obj)
{
	NY_UNUSED(c);
	NY_UNUSED(id);
	NY_UNUSED(kind);
	NY_UNUSED(obj);
	return api_fail(ENOSYS);
}

int api_es_getsockopt(struct api_ctx *c, int id, int kind, void *obj, int level, int optname,
		      void *optval, socklen_t *optlen)
{
	NY_UNUSED(c);
	NY_UNUSED(id);
	NY_UNUSED(kind);
	NY_UNUSED(obj);
	NY_UNUSED(level);
	NY_UNUSED(optname);
	NY_UNUSED(optval);
	NY_UNUSED(optlen);
	return api_fail(ENOSYS);
}

int api_es_setsockopt(struct api_ctx *c, int id, int kind, void *obj, int level, int optname,
		      const void *optval, socklen_t optlen)
{
	NY_UNUSED(c);
	NY_UNUSED(id);
	NY_UNUSED(kind);
	NY_UNUSED(obj);
	NY_UNUSED(level);
	NY_UNUSED(optname);
	NY_UNUSED(optval);
	NY_UNUSED(optlen);
	return api_fail(ENOSYS);
}

#undef NY_UNUSED
