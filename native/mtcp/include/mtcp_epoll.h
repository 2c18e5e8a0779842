/* mtcp_epoll.h - mOS 0.3 compatible epoll for end-host sockets of mOS-NG.
 *
 * The event bit values are mOS's own (they differ from Linux's). Several epoll
 * instances per context are allowed; level-triggered, edge-triggered (MOS_EPOLLET)
 * and one-shot (MOS_EPOLLONESHOT) registrations follow Linux semantics.
 */
#ifndef MTCP_EPOLL_H
#define MTCP_EPOLL_H

#include "mtcp_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Operations of mtcp_epoll_ctl(). */
enum mtcp_epoll_op {
	MOS_EPOLL_CTL_ADD = 1,
	MOS_EPOLL_CTL_DEL = 2,
	MOS_EPOLL_CTL_MOD = 3,
};

/** Event bits (mOS values). MOS_EPOLLET is bit 31, i.e. INT_MIN as an int. */
enum epoll_event_type {
	MOS_EPOLLNONE = 0x001,
	MOS_EPOLLIN = 0x002,
	MOS_EPOLLPRI = 0x004,
	MOS_EPOLLOUT = 0x008,
	MOS_EPOLLRDNORM = 0x010,
	MOS_EPOLLRDBAND = 0x020,
	MOS_EPOLLWRNORM = 0x040,
	MOS_EPOLLWRBAND = 0x080,
	MOS_EPOLLMSG = 0x100,
	MOS_EPOLLERR = 0x200,
	MOS_EPOLLHUP = 0x400,
	MOS_EPOLLRDHUP = 0x800,
	MOS_EPOLLONESHOT = 0x40000000,
	MOS_EPOLLET = (-0x7fffffff - 1),
};

/** Stack-internal actions; exposed by mOS 0.3's header and kept for source
 * compatibility. Applications have no use for them. */
enum mtcp_action {
	MOS_ACT_SEND_DATA = 0x02,
	MOS_ACT_SEND_ACK_NOW = 0x04,
	MOS_ACT_SEND_ACK_AGG = 0x08,
	MOS_ACT_SEND_CONTROL = 0x10,
	MOS_ACT_SEND_RST = 0x20,
	MOS_ACT_DESTROY = 0x40,
	MOS_ACT_READ_DATA = 0x80,
	MOS_ACT_CNT = 0x81,
};

/** User data returned with an event. */
typedef union mtcp_epoll_data {
	void *ptr;
	int sock;
	uint32_t u32;
	uint64_t u64;
} mtcp_epoll_data_t;

/** An epoll registration or a returned event (16 bytes). */
struct mtcp_epoll_event {
	uint64_t events;
	mtcp_epoll_data_t data;
};

/** Creates an epoll instance whose ready list holds up to `size` sockets.
 * @return the epoll id, or -1 with errno: EACCES, EINVAL (size <= 0), ENFILE,
 *         ENOMEM. */
int mtcp_epoll_create(mctx_t mctx, int size);

/** Adds, changes or removes the interest of epoll `epid` in socket `sock`.
 * MOS_EPOLLERR and MOS_EPOLLHUP are always reported. ADD and MOD report conditions
 * that already hold (readable data, send space) at once.
 * @return 0, or -1 with errno: EACCES, EBADF (epid or sock unknown), EINVAL (epid not
 *         an epoll, bad op, event NULL for ADD/MOD, sock == epid), EEXIST (ADD of a
 *         registered socket), ENOENT (MOD/DEL of an unregistered socket), ENOMEM. */
int mtcp_epoll_ctl(mctx_t mctx, int epid, int op, int sock, struct mtcp_epoll_event *event);

/** Waits up to `timeout` ms (0: poll, < 0: forever) for ready sockets and writes up
 * to `maxevents` events. In run-to-completion mode (mos_ext.h) the calling thread
 * drives the stack while it waits.
 * @return the number of events, or -1 with errno: EACCES, EBADF, EINVAL (events NULL,
 *         maxevents <= 0, epid not an epoll), EINTR (SIGINT or context stopping). */
int mtcp_epoll_wait(mctx_t mctx, int epid, struct mtcp_epoll_event *events, int maxevents,
		    int timeout);

/** Name of one epoll event bit ("MOS_EPOLLIN", ...), or "UNKNOWN" for anything that
 * is not exactly one known bit (mOS 0.3 asserted instead). The string is static. */
char *EventToString(uint32_t event);

#ifdef __cplusplus
}
#endif

#endif /* MTCP_EPOLL_H */
