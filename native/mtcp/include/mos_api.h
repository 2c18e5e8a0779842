/* mos_api.h - mOS 0.3 compatible middlebox monitoring API of mOS-NG.
 *
 * Monitor sockets follow TCP connections seen on the wire: for every monitored
 * connection the stack emulates both endpoints, reassembles each direction and
 * raises events to callbacks. Callbacks, filters and timers run on the context's
 * stack thread (or, in run-to-completion mode, on the thread driving the context);
 * they must not block. Functions marked "callback only" fail with EPERM elsewhere.
 *
 * Where mOS 0.3 was broken this header documents what mOS-NG does ("mOS-NG:").
 */
#ifndef MOS_API_H
#define MOS_API_H

#include <linux/tcp.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/time.h>
#include "mtcp_epoll.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Hook points. Values never collide with event bits. MOS_HK_SND is bit 31, which
 * is INT_MIN as the `int hook_point` parameter. */
enum mtcp_hook_point {
	/** Not tied to one endpoint's stack update: orphans, raw packets, new-data and
	 * error notifications. */
	MOS_NULL = 0x20000000,
	/** After the receiving endpoint's emulated stack processed the packet. */
	MOS_HK_RCV = 0x40000000,
	/** After the sending endpoint's emulated stack processed the packet. */
	MOS_HK_SND = (-0x7fffffff - 1),
};

/** Built-in events: single bits below 4096. User-defined events get sequential ids
 * from 4096 on and are never OR-ed together. */
enum mos_event_type {
	MOS_NULL_EVENT = 0x0,        /**< no event / error return */
	MOS_ON_PKT_IN = 0x1,         /**< a packet arrived */
	MOS_ON_PKT_OUT = 0x2,        /**< deprecated in mOS 0.3, never raised */
	MOS_ON_CONN_START = 0x4,     /**< an endpoint entered the handshake */
	MOS_ON_CONN_SETUP = 0x8,     /**< deprecated in mOS 0.3, never raised */
	MOS_ON_CONN_NEW_DATA = 0x10, /**< new in-order bytes readable (once per batch) */
	MOS_ON_ERROR = 0x20,         /**< data beyond the window, or buffer outrun */
	MOS_ON_TIMEOUT = 0x40, /**< declared in mOS 0.3, never raised: use mtcp_settimer */
	MOS_ON_TCP_STATE_CHANGE = 0x80, /**< an endpoint's emulated TCP state changed */
	MOS_ON_ORPHAN = 0x100,          /**< a TCP packet of no monitored flow */
	MOS_ON_REXMIT = 0x200,          /**< retransmitted payload, SYN, SYN/ACK or FIN */
	MOS_ON_CONN_END = 0x400,        /**< the flow is about to be destroyed */
	MOS_ON_DEBUG_MESSAGE = 0x800,   /**< debug builds of mOS 0.3 only; never raised */
};

/** Number of built-in event slots; user-defined event ids start at 1 << NUM_BEV. */
#define NUM_BEV 12

/* Packet modification flags of mtcp_setlastpkt(): one region, one action, and
 * optional checksum updates. */
#define MOS_ETH_HDR (1 << 0)
#define MOS_IP_HDR (1 << 1)
#define MOS_TCP_HDR (1 << 2)
#define MOS_TCP_PAYLOAD (1 << 3)
#define MOS_UPDATE_IP_CHKSUM (1 << 4)
#define MOS_UPDATE_TCP_CHKSUM (1 << 5)
#define MOS_DROP (1 << 6)
#define MOS_OVERWRITE (1 << 7)
#define MOS_CHOMP (1 << 8)
#define MOS_INSERT (1 << 9)

/** The packet a callback is looking at, as returned by mtcp_getlastpkt(). Sizes are
 * host order. The four pointers must stay last: PKT_INFO_LEN is the metadata prefix.
 * Layout (x86-64): size 72. */
struct pkt_info {
	uint32_t cur_ts;     /**< receive time in ticks (ms) */
	int8_t in_ifidx;     /**< input port index, -1 when generated locally */
	uint16_t eth_len;    /**< frame length */
	uint16_t ip_len;     /**< IPv4 total length */
	uint64_t offset;     /**< logical offset of the payload in the receiver's stream */
	uint16_t payloadlen; /**< TCP payload bytes */
	uint32_t seq;        /**< sequence number */
	uint32_t ack_seq;    /**< acknowledgment number */
	uint16_t window;     /**< raw (unscaled) window */
	struct ethhdr *ethh;
	struct iphdr *iph;   /**< NULL if not IPv4 */
	struct tcphdr *tcph; /**< NULL if not TCP */
	uint8_t *payload;    /**< first payload byte */
};

/** A packet travelling through the stack (layout size 80). Applications do not
 * receive it in mOS 0.3; declared for source compatibility. */
struct pkt_ctx {
	struct pkt_info p;
	int8_t direction;   /**< unused */
	uint8_t forward;    /**< 1: transmit after processing, 0: drop */
	int8_t out_ifidx;   /**< output port, -1: by routing */
	int8_t batch_index; /**< index in the receive burst */
};

/** Bytes of struct pkt_info before the pointers (the copied metadata). */
#define PKT_INFO_LEN offsetof(struct pkt_info, ethh)

/** Reserved for MOS_SEQ_REMAP, which is not supported. */
typedef struct {
	int64_t seq_off;
	int side;
	uint32_t base_seq;
} seq_remap_info;

/** Argument of a user-defined event's filter; mtcp_define_event() deep-copies it. */
typedef struct filter_arg {
	void *arg;
	size_t len;
} filter_arg_t;

#ifndef SOL_SOCKET
#define SOL_SOCKET 0xffff
#endif
/** Socket option level of monitor sockets. */
#define SOL_MONSOCKET 0xfffe

/** Monitor socket options (level SOL_MONSOCKET). "get" options need a per-flow socket
 * and a callback; "set" options act on a per-flow socket (this flow, from a callback)
 * or on a passive socket (default for flows created afterwards, from any thread).
 * mOS-NG: MOS_FRAGINFO_* take and return *optlen in bytes (an array of struct
 * tcp_ring_fragment in offset order, then a {0, 0} end marker when there is room);
 * MOS_CLIBUF/MOS_SVRBUF really resize (rounded up to 1 KiB; shrinking drops the oldest
 * bytes, which mtcp_peek then reports as lost); MOS_STOP_MON with MOS_SIDE_BOTH stops
 * both sides (the flow then passes silently until it times out: later packets are
 * neither events nor orphans); MOS_FRAG_* and MOS_SEQ_REMAP fail with ENOSYS. The
 * "client-side buffer" holds what the client receives (server -> client bytes). */
enum mos_socket_opts {
	MOS_FRAGINFO_CLIBUF = 0x01, /**< get: stored fragments of the client-side buffer */
	MOS_FRAGINFO_SVRBUF = 0x02, /**< get: stored fragments of the server-side buffer */
	MOS_INFO_CLIBUF = 0x03,     /**< get: struct tcp_buf_info, client side */
	MOS_INFO_SVRBUF = 0x04,     /**< get: struct tcp_buf_info, server side */
	MOS_TCP_STATE_CLI = 0x05,   /**< get: int, enum tcpstate of the client */
	MOS_TCP_STATE_SVR = 0x06,   /**< get: int, enum tcpstate of the server */
	MOS_TIMESTAMP = 0x07,       /**< get: uint32_t, last activity in microseconds */
	MOS_CLIBUF = 0x09,          /**< set: int, client-side buffer bytes (0 disables) */
	MOS_SVRBUF = 0x0a,          /**< set: int, server-side buffer bytes (0 disables) */
	MOS_SEQ_REMAP = 0x0b,       /**< set: not supported (ENOSYS) */
	MOS_STOP_MON = 0x0c,        /**< set: int side; stop monitoring that side */
	MOS_FRAG_CLIBUF = 0x0d,     /**< set: 0 only; keep ranges, drop bytes (client) */
	MOS_FRAG_SVRBUF = 0x0e,     /**< set: 0 only; keep ranges, drop bytes (server) */
	MOS_CLIOVERLAP = 0x0f,      /**< set: overlap policy of the client-side buffer */
	MOS_SVROVERLAP = 0x10,      /**< set: overlap policy of the server-side buffer */
};

/** Reassembly buffer summary (MOS_INFO_*BUF). `tcpbi_init_seq` is the sequence number
 * of offset 0 (peer ISN + 1); the three other fields are logical offsets truncated
 * to 32 bits, as in mOS 0.3. */
struct tcp_buf_info {
	uint32_t tcpbi_init_seq;
	uint32_t tcpbi_last_byte_read;
	uint32_t tcpbi_next_byte_expected;
	uint32_t tcpbi_last_byte_received;
};

/** One stored range of a reassembly buffer (MOS_FRAGINFO_*BUF). */
struct tcp_ring_fragment {
	uint64_t offset; /**< logical offset from the first payload byte */
	uint32_t len;
};

/** Emulated TCP endpoint states (MOS_TCP_STATE_CLI / MOS_TCP_STATE_SVR). */
enum tcpstate {
	TCP_CLOSED = 0,
	TCP_LISTEN = 1,
	TCP_SYN_SENT = 2,
	TCP_SYN_RCVD = 3,
	TCP_ESTABLISHED = 4,
	TCP_FIN_WAIT_1 = 5,
	TCP_FIN_WAIT_2 = 6,
	TCP_CLOSE_WAIT = 7,
	TCP_CLOSING = 8,
	TCP_LAST_ACK = 9,
	TCP_TIME_WAIT = 10,
};

/** Overlap policies of a reassembly buffer. */
enum {
	MOS_OVERLAP_POLICY_FIRST = 0, /**< keep the bytes stored first (default) */
	MOS_OVERLAP_POLICY_LAST = 1,  /**< overwrite with the newest copy */
	MOS_OVERLAP_CNT = 2,
};

/** Event identifier: a built-in bit or a user-defined id. */
typedef uint64_t event_t;

/** Sides of a monitored connection. CLI sent the first SYN. */
enum {
	MOS_SIDE_CLI = 0,
	MOS_SIDE_SVR = 1,
	MOS_SIDE_BOTH = 2,
};

/** Event callback. `sock` is the per-flow socket (or the raw socket, or the timer
 * id for mtcp_settimer()); `side` the side the event concerns; `arg` the copied
 * filter argument of a user-defined event, else NULL. */
typedef void (*callback_t)(mctx_t mctx, int sock, int side, event_t event, filter_arg_t *arg);

/** Filter of a user-defined event: returns true when the event occurred. Should be
 * free of side effects; it may run several times per packet. */
typedef bool (*filter_t)(mctx_t mctx, int sock, int side, event_t event, filter_arg_t *arg);

/** BPF filters (tcpdump syntax) of a monitor socket. */
union monitor_filter {
	/** For MOS_SOCK_MONITOR_RAW sockets. */
	char *raw_pkt_filter;
	/** For MOS_SOCK_MONITOR_STREAM sockets. */
	struct {
		char *stream_syn_filter;    /**< evaluated on each new flow's first SYN */
		char *stream_orphan_filter; /**< evaluated on packets of no flow */
	};
};
typedef union monitor_filter *monitor_filter_t;

/** Sets the BPF filters of a monitor socket (replacing earlier ones). A stream
 * socket's SYN filter decides, per new flow, whether the flow is attached to it; a
 * socket without one takes every flow. Its orphan filter selects the orphans it
 * sees. A raw socket's filter selects the IPv4 packets it sees (none: all). Any
 * expression libpcap compiles for Ethernet is accepted. `ft` NULL does nothing.
 * @return 0, or -1 with errno: EACCES, EBADF, ENOPROTOOPT (not a passive or raw
 *         monitor socket), EINVAL (the expression does not compile). */
int mtcp_bind_monitor_filter(mctx_t mctx, int sock, monitor_filter_t ft);

/** Registers `cb` for `event` at `hook_point` on a passive (affects flows created
 * afterwards), per-flow (that flow only) or raw monitor socket; one callback per
 * (socket, hook, event): a second registration replaces the first. `cb` NULL
 * unregisters. Valid combinations: MOS_NULL takes PKT_IN (raw sockets),
 * CONN_NEW_DATA, ERROR, ORPHAN, TIMEOUT; MOS_HK_SND/MOS_HK_RCV take PKT_IN,
 * CONN_START, TCP_STATE_CHANGE, REXMIT, CONN_END, TIMEOUT. A user-defined event is
 * checked against the built-in event at the root of its chain. Passive and raw
 * sockets may be registered on from any thread while traffic runs; per-flow sockets
 * from a callback only.
 * Order of callbacks: per packet, the sender's MOS_HK_SND events, then the receiver's
 * MOS_HK_RCV events (all before the packet's payload is stored, so a REXMIT callback
 * still finds the old bytes), then the flow's end if the packet finished it. Within
 * one hook, events in increasing bit order, each followed by its user-defined
 * descendants. Across the passive sockets of a flow: in attachment (creation) order
 * for MOS_HK_SND on the client side, MOS_HK_RCV and MOS_NULL on the server side, in
 * reverse order otherwise (the monitor nearer the packet's origin first).
 * CONN_NEW_DATA comes once per flow and side after each receive burst, and before
 * CONN_END when a packet ends the flow. CONN_END comes once per monitored side at both
 * hooks (with TCP_STATE_CHANGE when that side was not CLOSED yet).
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK (not a monitor socket),
 *         EINVAL (bad event, hook or combination; cb NULL and nothing registered). */
int mtcp_register_callback(mctx_t mctx, int sock, event_t event, int hook_point, callback_t cb);

/** Creates a child of `event` that is never raised by the stack itself, only by
 * mtcp_raise_event() from a filter of its parent.
 * @return the new event id, or MOS_NULL_EVENT with errno: EINVAL (unknown parent),
 *         ENOMEM. */
event_t mtcp_alloc_event(event_t event);

/** Defines a user-defined event: it occurs when `event` occurs and `filter` returns
 * true. The bytes of `arg` are copied. Defining the same (parent, filter, argument
 * bytes) again returns the existing id. Process-wide; thread-safe.
 * @return the event id (>= 4096), or MOS_NULL_EVENT with errno: EINVAL (filter NULL,
 *         arg->len > 0 with arg->arg NULL, unknown parent), ENOMEM. */
event_t mtcp_define_event(event_t event, filter_t filter, struct filter_arg *arg);

/** From inside a filter: marks the allocated child `event` of the event being
 * evaluated (or of one of its ancestors) as occurred, so its callbacks and
 * descendants run in the current dispatch, right after the raising node's subtree
 * and in raise order, even when the raising filter returns false; each at most once
 * per dispatch, at most 16 per filter call (ENOSPC beyond).
 * @return 0, or -1 with errno: EACCES, EPERM (not inside a filter), EINVAL (not an
 *         event made by mtcp_alloc_event() under the current one). */
int mtcp_raise_event(mctx_t mctx, event_t event);

/** Attaches a user pointer to a per-flow socket (per flow) or to a passive or raw
 * socket. Callback only; ignored elsewhere. The library never frees it. */
void mtcp_set_uctx(mctx_t mctx, int sock, void *uctx);

/** Returns the pointer set with mtcp_set_uctx(), or NULL (with errno EACCES, EBADF
 * or EPERM when the call itself is wrong). Callback only. */
void *mtcp_get_uctx(mctx_t mctx, int sock);

/** Copies reassembled in-order bytes of one side from this socket's peek offset and
 * advances it; never crosses a hole. mOS-NG: a hole the receiving endpoint has
 * acknowledged was lost by the monitor only (capture loss): it counts as lost, and
 * reading goes on after it. Callback only.
 * @return bytes copied; 0 when nothing new; -(bytes lost) with errno ENODATA when
 *         the offset fell behind the oldest stored byte or reached an acknowledged
 *         hole (the offset then moves past the loss); -1 with errno: EACCES, EPERM,
 *         EBADF, ENOTSOCK, EINVAL (side, or the side's buffer is off). */
ssize_t mtcp_peek(mctx_t mctx, int sock, int side, char *buf, size_t len);

/** Copies stored bytes of one side starting at logical offset `off` (0 = first
 * payload byte), up to the end of the fragment holding `off`; does not move the
 * peek offset. Works on out-of-order fragments. Callback only.
 * @return bytes copied, or -1 with errno: EACCES, EPERM, ESOCKTNOSUPPORT (not a
 *         per-flow socket), EINVAL (side, or the side's buffer is off), ENODATA (no
 *         stored byte at off). */
ssize_t mtcp_ppeek(mctx_t mctx, int sock, int side, char *buf, size_t count, uint64_t off);

/** Marks that mtcp_getlastpkt() returns a copy of the packet. */
#define MTCP_CB_GETCURPKT_CREATE_COPY

/** Copies the packet being processed into a per-thread buffer and describes it in
 * `*p` (pointers into the copy, overwritten by the next call). `side` is ignored.
 * Callback only; there is no current packet in CONN_NEW_DATA, CONN_END at teardown
 * or timer callbacks.
 * @return 0, or -1 with errno: EACCES, EPERM, EBADF (not a monitor socket), EFAULT
 *         (p NULL), ENODATA (no current packet). */
int mtcp_getlastpkt(mctx_t mctx, int sock, int side, struct pkt_info *p);

/** Calls `cb(mctx, id, 0, 0, NULL)` once on the context's thread when `timeout` has
 * elapsed. Re-arm from the callback for periodic timers. Thread-safe.
 * @return 0, or -1 with errno: EACCES, EINVAL (timeout or cb NULL, negative time),
 *         ENOMEM. */
int mtcp_settimer(mctx_t mctx, int id, struct timeval *timeout, callback_t cb);

/** The context's current loop time in microseconds (millisecond resolution; wraps
 * after about 71.6 minutes). Callback only.
 * @return the time, or 0 with errno EACCES or EPERM. */
uint32_t mtcp_cb_get_ts(mctx_t mctx);

/** Blocks until the context's stack thread leaves its loop (after
 * mtcp_destroy_context(), SIGINT, or exit). In run-to-completion mode the caller
 * drives the context until then. Returns at once for an invalid context. */
void mtcp_app_join(mctx_t mctx);

/** Writes the address of one or both endpoints of a monitored flow. side CLI or
 * SVR: *addrlen must be sizeof(struct sockaddr); side BOTH: 2 * sizeof(struct
 * sockaddr), written as [MOS_SIDE_CLI] client, [MOS_SIDE_SVR] server. Callback only.
 * mOS-NG: on an end-host stream it answers like BSD getpeername() (the remote
 * address, `side` ignored, *addrlen set to the full size; ENOTCONN without a peer),
 * from any thread that may use the socket.
 * @return 0, or -1 with errno: EACCES, EBADF, EPERM, ENOTSOCK (not per-flow), EFAULT,
 *         EINVAL (side or *addrlen), ENOTCONN. */
int mtcp_getpeername(mctx_t mctx, int sock, struct sockaddr *saddr, socklen_t *addrlen,
		     int side);

/** Edits the packet being processed in place (it changes what is forwarded).
 * `option` holds exactly one action (MOS_DROP, MOS_OVERWRITE, MOS_CHOMP,
 * MOS_INSERT), a region (MOS_ETH_HDR, MOS_IP_HDR, MOS_TCP_HDR, MOS_TCP_PAYLOAD;
 * not needed with MOS_DROP) and optionally MOS_UPDATE_IP_CHKSUM /
 * MOS_UPDATE_TCP_CHKSUM. For CHOMP/INSERT overwrite the IPv4 total length first.
 * Callback only.
 * @return 0, or -1 with errno: EACCES, EPERM, ENODATA (no current packet), EINVAL
 *         (offset or length outside the region, no region, data NULL), EAGAIN (not
 *         exactly one action), ENOSPC (INSERT beyond the frame's room). */
int mtcp_setlastpkt(mctx_t mctx, int sock, int side, off_t offset, byte *data, uint16_t datalen,
		    int option);

/** Builds and transmits a TCP/IPv4 segment from the headers and payload `pkt`
 * describes (typically an edited mtcp_getlastpkt() copy), routed by the route and
 * ARP tables. Callback only.
 * @return 0, or -1 with errno: EACCES (bad context or pkt NULL), EPERM, ENODATA
 *         (pkt has no IPv4 or TCP header), ENOTSOCK (not a per-flow socket), EINVAL
 *         (payload larger than the MSS), EHOSTUNREACH, ENOBUFS. */
int mtcp_sendpkt(mctx_t mctx, int sock, const struct pkt_info *pkt);

#ifdef __cplusplus
}
#endif

#endif /* MOS_API_H */
