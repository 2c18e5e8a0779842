/* api_dispatch.h - what the shared socket entry points (api_socket.c) call on each side:
 * the end-host stack ("es": streams, listeners, epoll, pipes) and the monitor ("mon":
 * passive, raw and per-flow monitor sockets). One id space per context (engine/socktab.h)
 * holds both; the entry points look the id up and dispatch on its kind. Each side
 * implements its functions in its own files; until a side lands, its functions are the
 * ENOSYS stubs in api_notyet_sock.c (the monitor's live in api_mon_*.c). All return -1 with
 * errno set on failure, like the public API. */
#ifndef MOS_API_DISPATCH_H
#define MOS_API_DISPATCH_H

#include <sys/socket.h>

struct api_ctx;

/* End host. */
int api_es_socket(struct api_ctx *c);
int api_es_close(struct api_ctx *c, int id, int kind, void *obj);
int api_es_getsockopt(struct api_ctx *c, int id, int kind, void *obj, int level, int optname,
		      void *optval, socklen_t *optlen);
int api_es_setsockopt(struct api_ctx *c, int id, int kind, void *obj, int level, int optname,
		      const void *optval, socklen_t optlen);
/* The peer of an end-host stream (what mtcp_getpeername answers for MOS_SOCK_STREAM;
 * `side` does not apply): EBADF, ENOTSOCK, ENOTCONN, EFAULT, EINVAL (*addrlen <= 0). */
int api_es_getpeername(struct api_ctx *c, int id, struct sockaddr *addr, socklen_t *addrlen);

/* Monitor (type: MOS_SOCK_MONITOR_STREAM or MOS_SOCK_MONITOR_RAW). */
int api_mon_socket(struct api_ctx *c, int type);
int api_mon_close(struct api_ctx *c, int id, int kind, void *obj);
int api_mon_getsockopt(struct api_ctx *c, int id, int kind, void *obj, int optname,
		       void *optval, socklen_t *optlen);
int api_mon_setsockopt(struct api_ctx *c, int id, int kind, void *obj, int optname,
		       const void *optval, socklen_t optlen);

/* True for the kinds the monitor owns. */
static inline int api_kind_is_monitor(int kind)
{
	return kind == 3 /* MOS_SOCK_MONITOR_STREAM */ || kind == 6 /* ..._ACTIVE */ ||
	       kind == 7 /* MOS_SOCK_MONITOR_RAW */;
}

#endif /* MOS_API_DISPATCH_H */
