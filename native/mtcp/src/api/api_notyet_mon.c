/* api_notyet_mon.c - monitoring functions whose capability has not landed yet: each
 * fails with ENOSYS and is "not yet" in api_status_mon.inc. */
#include "api/api_dispatch.h"
#include "api/api_internal.h"

#define NY_UNUSED(x) (void)(x)

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

/* ---- dispatch targets of api_socket.c ------------------------------------------ */

int api_mon_socket(struct api_ctx *c, int type)
{
	NY_UNUSED(c);
	NY_UNUSED(type);
	return api_fail(ENOSYS);
}

int api_mon_close(struct api_ctx *c, int id, int kind, void *obj)
{
	NY_UNUSED(c);
	NY_UNUSED(id);
	NY_UNUSED(kind);
	NY_UNUSED(obj);
	return api_fail(ENOSYS);
}

int api_mon_getsockopt(struct api_ctx *c, int id, int kind, void *obj, int optname,
		       void *optval, socklen_t *optlen)
{
	NY_UNUSED(c);
	NY_UNUSED(id);
	NY_UNUSED(kind);
	NY_UNUSED(obj);
	NY_UNUSED(optname);
	NY_UNUSED(optval);
	NY_UNUSED(optlen);
	return api_fail(ENOSYS);
}

int api_mon_setsockopt(struct api_ctx *c, int id, int kind, void *obj, int optname,
		       const void *optval, socklen_t optlen)
{
	NY_UNUSED(c);
	NY_UNUSED(id);
	NY_UNUSED(kind);
	NY_UNUSED(obj);
	NY_UNUSED(optname);
	NY_UNUSED(optval);
	NY_UNUSED(optlen);
	return api_fail(ENOSYS);
}

#undef NY_UNUSED
