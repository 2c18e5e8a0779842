/* api_socket.c - the socket entry points both personalities share: mtcp_socket,
 * mtcp_close, mtcp_getsockopt, mtcp_setsockopt. They check the context and the id and
 * dispatch on the socket's kind (api_dispatch.h). */
#include <sys/socket.h>

#include "api/api_dispatch.h"
#include "api/api_internal.h"
#include "api/api_process.h"
#include "engine/ctx.h"

int mtcp_socket(mctx_t mctx, int domain, int type, int protocol)
{
	(void)protocol; /* ignored, as in mOS 0.3 */
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return -1;
	if (domain != AF_INET)
		return api_fail(EAFNOSUPPORT);
	/* mOS 0.3 takes the libc SOCK_STREAM (which equals MOS_SOCK_STREAM_LISTEN) for
	 * end-host sockets and rejects MOS_SOCK_STREAM itself (spec §2.1). */
	if (type == SOCK_STREAM)
		return api_es_socket(c);
	if (type == MOS_SOCK_MONITOR_STREAM || type == MOS_SOCK_MONITOR_RAW)
		return api_mon_socket(c, type);
	return api_fail(EINVAL);
}

int mtcp_close(mctx_t mctx, int sock)
{
	struct api_ctx *c = api_ctx_get(mctx);
	void *obj;
	if (c == NULL)
		return -1;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail(EBADF);
	if (api_kind_is_monitor(kind))
		return api_mon_close(c, sock, kind, obj);
	return api_es_close(c, sock, kind, obj);
}

int mtcp_getsockopt(mctx_t mctx, int sock, int level, int optname, void *optval,
		    socklen_t *optlen)
{
	struct api_ctx *c = api_ctx_get(mctx);
	void *obj;
	if (c == NULL)
		return -1;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail(EBADF);
	if (level == SOL_MONSOCKET)
		return api_mon_getsockopt(c, sock, kind, obj, optname, optval, optlen);
	return api_es_getsockopt(c, sock, kind, obj, level, optname, optval, optlen);
}

int mtcp_setsockopt(mctx_t mctx, int sock, int level, int optname, const void *optval,
		    socklen_t optlen)
{
	struct api_ctx *c = api_ctx_get(mctx);
	void *obj;
	if (c == NULL)
		return -1;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail(EBADF);
	if (level == SOL_MONSOCKET)
		return api_mon_setsockopt(c, sock, kind, obj, optname, optval, optlen);
	return api_es_setsockopt(c, sock, kind, obj, level, optname, optval, optlen);
}
