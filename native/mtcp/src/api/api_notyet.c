/* api_notyet.c - public functions whose capability has not landed yet. Each fails
 * with ENOSYS (through its contract's error value) and is listed as "not yet" in
 * api_status.c; a function moves out of this file when it is implemented. */
#include "api/api_internal.h"

#define NY_UNUSED(x) (void)(x)

/* ---- end-host sockets ------------------------------------------------------------ */

int mtcp_pipe(mctx_t mctx, int pipeid[2])
{
	NY_UNUSED(mctx);
	NY_UNUSED(pipeid);
	return api_fail(ENOSYS);
}

int mtcp_getsockopt(mctx_t mctx, int sock, int level, int optname, void *optval,
		    socklen_t *optlen)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(level);
	NY_UNUSED(optname);
	NY_UNUSED(optval);
	NY_UNUSED(optlen);
	return api_fail(ENOSYS);
}

int mtcp_setsockopt(mctx_t mctx, int sock, int level, int optname, const void *optval,
		    socklen_t optlen)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(level);
	NY_UNUSED(optname);
	NY_UNUSED(optval);
	NY_UNUSED(optlen);
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

int mtcp_socket(mctx_t mctx, int domain, int type, int protocol)
{
	NY_UNUSED(mctx);
	NY_UNUSED(domain);
	NY_UNUSED(type);
	NY_UNUSED(protocol);
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

int mtcp_close(mctx_t mctx, int sock)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
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

/* ---- monitoring -------------------------------------------------------------------- */

int mtcp_bind_monitor_filter(mctx_t mctx, int sock, monitor_filter_t ft)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(ft);
	return api_fail(ENOSYS);
}

int mtcp_register_callback(mctx_t mctx, int sock, event_t event, int hook_point, callback_t cb)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(event);
	NY_UNUSED(hook_point);
	NY_UNUSED(cb);
	return api_fail(ENOSYS);
}

int mtcp_unregister_callback(mctx_t mctx, int sock, event_t event, int hook_point)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(event);
	NY_UNUSED(hook_point);
	return api_fail(ENOSYS);
}

event_t mtcp_alloc_event(event_t event)
{
	NY_UNUSED(event);
	errno = ENOSYS;
	return MOS_NULL_EVENT;
}

event_t mtcp_define_event(event_t event, filter_t filter, struct filter_arg *arg)
{
	NY_UNUSED(event);
	NY_UNUSED(filter);
	NY_UNUSED(arg);
	errno = ENOSYS;
	return MOS_NULL_EVENT;
}

int mtcp_raise_event(mctx_t mctx, event_t event)
{
	NY_UNUSED(mctx);
	NY_UNUSED(event);
	return api_fail(ENOSYS);
}

void mtcp_set_uctx(mctx_t mctx, int sock, void *uctx)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(uctx);
	errno = ENOSYS;
}

void *mtcp_get_uctx(mctx_t mctx, int sock)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	return api_fail_null(ENOSYS);
}

ssize_t mtcp_peek(mctx_t mctx, int sock, int side, char *buf, size_t len)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(side);
	NY_UNUSED(buf);
	NY_UNUSED(len);
	return api_fail(ENOSYS);
}

ssize_t mtcp_ppeek(mctx_t mctx, int sock, int side, char *buf, size_t count, uint64_t off)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(side);
	NY_UNUSED(buf);
	NY_UNUSED(count);
	NY_UNUSED(off);
	return api_fail(ENOSYS);
}

int mtcp_getlastpkt(mctx_t mctx, int sock, int side, struct pkt_info *p)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(side);
	NY_UNUSED(p);
	return api_fail(ENOSYS);
}

int mtcp_settimer(mctx_t mctx, int id, struct timeval *timeout, callback_t cb)
{
	NY_UNUSED(mctx);
	NY_UNUSED(id);
	NY_UNUSED(timeout);
	NY_UNUSED(cb);
	return api_fail(ENOSYS);
}

uint32_t mtcp_cb_get_ts(mctx_t mctx)
{
	NY_UNUSED(mctx);
	errno = ENOSYS;
	return 0;
}

int mtcp_getpeername(mctx_t mctx, int sock, struct sockaddr *saddr, socklen_t *addrlen,
		     int side)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(saddr);
	NY_UNUSED(addrlen);
	NY_UNUSED(side);
	return api_fail(ENOSYS);
}

int mtcp_setlastpkt(mctx_t mctx, int sock, int side, off_t offset, byte *data, uint16_t datalen,
		    int option)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(side);
	NY_UNUSED(offset);
	NY_UNUSED(data);
	NY_UNUSED(datalen);
	NY_UNUSED(option);
	return api_fail(ENOSYS);
}

int mtcp_sendpkt(mctx_t mctx, int sock, const struct pkt_info *pkt)
{
	NY_UNUSED(mctx);
	NY_UNUSED(sock);
	NY_UNUSED(pkt);
	return api_fail(ENOSYS);
}

#undef NY_UNUSED
