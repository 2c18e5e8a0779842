/* tcp.h - the end-host TCP of one context (RFC 9293), as the socket layer sees it.
 *
 * One struct tcp_stack per context (core) owns the connections of that core: a pool of
 * TCBs, the send and receive buffers, the reassembly pool for out-of-order data, the
 * 4-tuple flow table, the bound addresses and the listeners. It runs on the context's
 * thread only (the stack thread, or the application thread in run-to-completion mode);
 * nothing here reads a clock or draws a random number: time is ctx->now_ns/now_ms and
 * secrets come from the configuration.
 *
 * A TCB is also the object behind a stream socket id. Its fields are owned by the
 * context's thread, except the "app-shared" section at its end, which the application
 * thread reads and writes concurrently with atomics and two SPSC byte rings:
 *   - snd: the application appends (producer), the stack sends, retransmits from and
 *     consumes what is acknowledged (consumer);
 *   - rcv: the stack appends in-order data (producer), the application reads (consumer).
 * Out-of-order data waits in a reassembly buffer (tcp/rbuf.h) owned by the stack and
 * moves into rcv when the hole before it fills.
 *
 * Input follows RFC 9293 §3.10.7 "SEGMENT ARRIVES" step by step (tcp_input.c,
 * tcp_in_sync.c); each step decides and records effects on the TCB (flags, wake-ups);
 * tcp_stack_poll() applies them: output in one place (control, then ACKs, then data),
 * readiness notifications, destruction.
 *
 * Defaults and policies (README):
 *   RTO: initial 1 s, minimum 200 ms, maximum 60 s, RFC 6298 estimator with Karn's rule
 *     (timestamps give samples for retransmitted data too, RFC 7323 §4); exponential
 *     backoff; a connection gives up after 15 retransmissions of data (6 of a SYN)
 *     with ETIMEDOUT.
 *   Delayed ACK: an ACK for every second full-sized segment (ACKs of one receive burst
 *     are aggregated), at most 40 ms after the data; immediate ACK for out-of-order data,
 *     data that fills a hole, a FIN, and window updates.
 *   Congestion control: initial window min(10 * MSS, max(2 * MSS, 14600)) (RFC 6928),
 *     slow start counting acknowledged bytes, congestion avoidance (RFC 5681); SACK-based
 *     loss recovery (RFC 6675) when both ends negotiate SACK, NewReno (RFC 6582)
 *     otherwise; after an RTO, cwnd = 1 MSS and the scoreboard is cleared.
 *   Nagle's algorithm is on unless TCP_NODELAY.
 *   TIME_WAIT lasts tcp_tw_interval (0: none); an orphaned FIN_WAIT_2 lasts 60 s; a
 *     connection receiving nothing for tcp_timeout is reset with ETIMEDOUT (<= 0: never).
 *   Keepalive (SO_KEEPALIVE): idle 7200 s, interval 75 s, 9 probes (TCP_KEEPIDLE,
 *     TCP_KEEPINTVL, TCP_KEEPCNT_DEFAULT), then reset with ETIMEDOUT.
 */
#ifndef MOS_TCP_TCP_H
#define MOS_TCP_TCP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/counters.h"
#include "base/mpsc.h"
#include "base/pool.h"
#include "base/seq.h"
#include "base/siphash.h"
#include "base/spsc_ring.h"
#include "base/timer_wheel.h"
#include "engine/flow_table.h"
#include "tcp/rbuf.h"

struct eng_ctx;
struct io_buf;
struct wire_pkt;

/* ---- Constants ------------------------------------------------------------------ */

#define TCP_PEER_MSS_DEFAULT 536 /* peer MSS when its SYN has no option (RFC 9293 §3.7.1) */
#define TCP_MSS_MIN 88           /* smallest MSS we accept or send */
#define TCP_IW_SEGS 10           /* RFC 6928 */
#define TCP_RTO_INIT_MS 1000     /* RFC 6298 §2.1 */
#define TCP_RTO_MIN_MS 200       /* RFC 6298 §2.4 allows below 1 s; 200 ms as Linux */
#define TCP_RTO_MAX_MS 60000     /* RFC 6298 §2.5 */
#define TCP_RTO_SYN_FALLBACK_MS 3000 /* RFC 6298 §5.7 */
#define TCP_DELACK_MS 40
#define TCP_MAX_RETRIES 15
#define TCP_MAX_SYN_RETRIES 6
#define TCP_FIN_WAIT_2_MS 60000
#define TCP_KEEPIDLE_DEFAULT_MS 7200000u
#define TCP_KEEPINTVL_DEFAULT_MS 75000u
#define TCP_KEEPCNT_DEFAULT 9
#define TCP_DUPTHRESH 3                              /* RFC 5681 / RFC 6675 */
#define TCP_SB_MAX 16                                /* SACKed ranges remembered by a sender */
#define TCP_RSACK_MAX 4                              /* recent blocks a receiver reports */
#define TCP_PAWS_IDLE_MS (24u * 24u * 3600u * 1000u) /* RFC 7323 §5.5 */
#define TCP_EPHEMERAL_LO 32768
#define TCP_EPHEMERAL_HI 60999
#define TCP_OUT_BURST 64              /* segments one connection sends per poll */
#define TCP_CHALLENGE_ACKS_PER_S 1000 /* RFC 5961 §7 throttle, per context */
#define TCP_MAX_LISTENERS 256
#define TCP_BUF_MAX (UINT32_C(1) << 30)

/* ---- Shared state bits (tcp_tcb.sflags): written by the stack, read by the app ---- */
enum tcp_sflag {
	TCP_SF_OPENED = 1u << 0,    /* connect() or accept() gave it a connection */
	TCP_SF_CONNECTED = 1u << 1, /* reached ESTABLISHED */
	TCP_SF_CAN_SEND = 1u << 2,  /* ESTABLISHED or CLOSE_WAIT: the app may write */
	TCP_SF_RD_EOF = 1u << 3,    /* FIN received; every byte before it is in rcv */
	TCP_SF_ERROR = 1u << 4,     /* reset, refused or timed out (so_error holds why) */
	TCP_SF_CLOSED = 1u << 5,    /* the connection has ended (CLOSED) */
	TCP_SF_WR_SHUT = 1u << 6,   /* our FIN is queued or sent */
};

/* Readiness bits tcp_poll_mask() reports (mapped to epoll bits by the socket layer). */
enum tcp_poll_bit {
	TCP_POLL_IN = 1u << 0,
	TCP_POLL_OUT = 1u << 1,
	TCP_POLL_ERR = 1u << 2,
	TCP_POLL_HUP = 1u << 3,
	TCP_POLL_RDHUP = 1u << 4,
};

/* ---- Stack-private flags of a TCB (tcp_tcb.f) ------------------------------------ */
enum tcp_tflag {
	TF_ACTIVE = 1u << 0,      /* opened by connect() */
	TF_IN_FLOW = 1u << 1,     /* in the flow table */
	TF_APP_REF = 1u << 2,     /* a socket id or an accept queue holds it */
	TF_FIN_PENDING = 1u << 3, /* send FIN after the queued data */
	TF_FIN_SENT = 1u << 4,
	TF_SACK_OK = 1u << 5,
	TF_TS_OK = 1u << 6,
	TF_WS_OK = 1u << 7,
	TF_NODELAY = 1u << 8,
	TF_KEEPALIVE = 1u << 9,
	TF_DEAD = 1u << 10,         /* on the destroy list */
	TF_ON_OUT = 1u << 11,       /* on the output list */
	TF_ON_WORK = 1u << 12,      /* on the timer work list */
	TF_IN_RECOVERY = 1u << 13,  /* fast recovery (SACK or NewReno) */
	TF_FIN_RCVD = 1u << 14,     /* a FIN was seen at rcv_fin (maybe out of order) */
	TF_SYN_RTX = 1u << 15,      /* the SYN was retransmitted (RFC 6298 §5.7) */
	TF_RTT_TIMING = 1u << 16,   /* rtt_seq is being timed */
	TF_PERSIST = 1u << 17,      /* the retransmission timer runs as persist timer */
	TF_RTX_HEAD = 1u << 18,     /* retransmit the first unacknowledged segment now */
	TF_QUEUED = 1u << 20,       /* went through its listener's accept queue */
	TF_RTO_SAMPLED = 1u << 21,  /* an RTT sample was taken */
	TF_KA_PROBING = 1u << 22,   /* keepalive probes in progress */
	TF_ORPHAN_WAIT = 1u << 23,  /* the slow timer watches an orphaned FIN_WAIT_2 */
	TF_FORCE = 1u << 24,        /* persist override: send a short segment once */
	TF_RTO_RECOVERY = 1u << 25, /* SACK recovery after an RTO: every hole is lost */
	TF_TW_NOW = 1u << 26,       /* no TIME_WAIT: end once the output went */
	TF_ORPHAN_ARM = 1u << 27,   /* arm the orphan's slow timer after this segment */
	TF_TW_NET = 1u << 28, /* TF_TW_NOW: arm the orphan's timer if the last ACK waits */
};

/* Output wanted (tcp_tcb.out). */
enum tcp_oflag {
	TOF_SYN = 1u << 0,   /* SYN (SYN_SENT) or SYN,ACK (SYN_RCVD) */
	TOF_RST = 1u << 1,   /* RST, then the connection is destroyed */
	TOF_ACK = 1u << 2,   /* a pure ACK now (unless data carries it) */
	TOF_DATA = 1u << 3,  /* look for data / FIN to send */
	TOF_PROBE = 1u << 4, /* zero-window probe */
	TOF_KEEPALIVE = 1u << 5,
};

/* Timer events waiting for tcp_stack_poll (tcp_tcb.tev). */
enum tcp_tev {
	TEV_RTX = 1u << 0,
	TEV_DELACK = 1u << 1,
	TEV_SLOW = 1u << 2,
};

struct tcp_listener;
struct tcp_stack;

/* One SACKed range of the sender's scoreboard, or a receiver block. */
struct tcp_range {
	seq32_t left;
	seq32_t right;
};

struct tcp_tcb {
	/* ---- identity: set at creation, then read-only (any thread) ---- */
	struct flow_key key; /* saddr/sport local, daddr/dport remote, host order */
	uint16_t out_port;   /* output port */
	uint32_t next_hop;   /* its next hop (host order) */
	struct tcp_stack *stk;

	/* ---- protocol state (context thread) ---- */
	uint8_t state; /* enum tcpstate */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t dupacks;
	uint8_t retries;   /* consecutive retransmission / probe timeouts */
	uint8_t ka_probes; /* unanswered keepalive probes */
	uint8_t sb_n;      /* scoreboard ranges */
	uint8_t rsack_n;   /* recent receiver blocks */
	uint32_t f;        /* enum tcp_tflag */
	uint32_t out;      /* enum tcp_oflag */
	uint32_t tev;      /* enum tcp_tev */
	uint32_t wake;     /* TCP_POLL_* to notify the socket layer of */

	/* send sequence space (RFC 9293 §3.3.1); snd_max is the highest ever sent */
	seq32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
	seq32_t recover;      /* RFC 6582 / RFC 6675 RecoveryPoint */
	seq32_t high_rxt;     /* RFC 6675 HighRxt */
	seq32_t rtt_seq;      /* timed segment (TF_RTT_TIMING) */
	uint32_t snd_wnd;     /* peer's window in bytes (scaled) */
	uint32_t max_snd_wnd; /* largest seen (RFC 5961 §5.2) */
	uint32_t cwnd, ssthresh;
	uint32_t ca_acc;   /* bytes acknowledged toward the next congestion-avoidance step */
	uint16_t smss;     /* payload bytes per full segment (options excluded) */
	uint16_t mss_opt;  /* the MSS we advertise (TCP_MAXSEG caps it) */
	uint16_t peer_mss; /* from the peer's SYN */
	uint64_t rtt_start_ms;
	uint32_t srtt_us, rttvar_us, rto_ms;

	/* receive sequence space */
	seq32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge of the window we advertised */
	seq32_t last_ack_sent;         /* RFC 7323 Last.ACK.sent */
	seq32_t rcv_fin;               /* sequence number of a received FIN (TF_FIN_RCVD) */
	uint64_t rcv_off;              /* bytes delivered in order (rbuf offset of rcv_nxt) */
	uint32_t unacked_bytes;        /* in-order bytes received since our last ACK */
	uint32_t ts_recent;
	uint64_t ts_recent_ms; /* when ts_recent was set (RFC 7323 §5.5) */
	uint32_t ts_offset;    /* added to our clock in TSval (RFC 7323 §5.4) */
	uint32_t ts_rtx;       /* our TSval at the last retransmission */
	uint64_t last_rx_ms;   /* idle timeout and keepalive */
	uint64_t end_ms;       /* TIME_WAIT or orphaned FIN_WAIT_2 ends */
	uint64_t ka_next_ms;   /* next keepalive probe while probing */

	/* keepalive (ms, count) */
	uint32_t ka_idle_ms, ka_intvl_ms;
	uint8_t ka_cnt;

	struct tw_timer rtx_timer;    /* retransmission or persist */
	struct tw_timer delack_timer; /* delayed ACK */
	struct tw_timer slow_timer;   /* TIME_WAIT, FIN_WAIT_2, idle, keepalive */

	struct tcp_listener *lsn; /* passive open: the listener until accepted */
	struct tcp_tcb *lsn_next; /* its embryonic list (SYN_RCVD) */
	struct tcp_tcb *lsn_prev;
	struct tcp_tcb *out_next;  /* output list */
	struct tcp_tcb *work_next; /* timer work list */
	struct tcp_tcb *dead_next; /* destroy list */

	/* ---- app-shared (any thread; atomics and the SPSC rings) ---- */
	struct spsc_bytes *snd; /* NULL until the connection has buffers */
	struct spsc_bytes *rcv;
	_Atomic uint32_t sflags;    /* enum tcp_sflag */
	_Atomic int so_error;       /* pending error (SO_ERROR reads and clears it) */
	_Atomic uint32_t snd_limit; /* SO_SNDBUF: bytes the app may queue */
	_Atomic uint32_t rcv_limit; /* SO_RCVBUF: bytes the window may cover */
	_Atomic bool nonblock;
	_Atomic bool want_wspace; /* the app found no send space: wake it on space */
	_Atomic uint32_t bell_pending;
	struct mpsc_node bell; /* doorbell: the app wrote or read */
	void *ep_items;        /* socket layer: epoll registrations (context thread) */
	int sock_id;           /* socket layer: the id, -1 while none (app side) */
	uint32_t bound_ip;     /* bind(): host order, with bound_port */
	uint16_t bound_port;

	/* ---- rarely used (context thread): after everything a segment touches, so that
	 * the lines a short connection uses are contiguous (tcp_prefetch() asks for them up
	 * to the capacity of ooo, which every data segment reads). ---- */
	struct rbuf ooo; /* out-of-order data (enabled only while there is some) */
	/* SACK: sender scoreboard (sorted, disjoint, above snd_una) and the offsets of the
	 * receiver's most recent out-of-order arrivals (first = most recent). Only the
	 * first sb_n and rsack_n entries are ever read: tcp_tcb_new() does not zero them,
	 * so they stay last. */
	struct tcp_range sb[TCP_SB_MAX];
	uint64_t rsack[TCP_RSACK_MAX];
};

/* A listening socket. */
struct tcp_listener {
	uint32_t ip; /* host order; 0 = any of this host's addresses */
	uint16_t port;
	uint32_t backlog;
	uint32_t embryonic;       /* SYN_RCVD connections */
	struct tcp_tcb *syn_head; /* their list */
	struct spsc_ring acceptq; /* struct tcp_tcb *: stack produces, app consumes */
	void *acceptq_mem;
	/* options inherited by accepted connections */
	uint32_t f_inherit; /* TF_NODELAY | TF_KEEPALIVE */
	uint32_t snd_limit, rcv_limit;
	uint32_t ka_idle_ms, ka_intvl_ms;
	uint8_t ka_cnt;
	uint16_t mss_opt;
	_Atomic bool nonblock;
	void *ep_items;
	int sock_id;
};

/* Per-context counters of the end host (one writer: the context). */
/* clang-format off */
#define TCP_COUNTERS(X, t)                                                                     \
	X(t, active_opens, "connections opened by connect()")                                 \
	X(t, passive_opens, "connections accepted from a listener")                           \
	X(t, established, "connections that reached ESTABLISHED")                             \
	X(t, resets_sent, "RST segments sent")                                                \
	X(t, resets_received, "connections reset by the peer")                                \
	X(t, segs_out, "segments sent")                                                       \
	X(t, segs_in, "segments received on a connection or listener")                       \
	X(t, data_segs_out, "segments sent with data")                                        \
	X(t, rtx_segs, "data segments retransmitted")                                         \
	X(t, rtx_timeouts, "retransmission timeouts")                                         \
	X(t, fast_retransmits, "fast retransmits (entries into loss recovery)")               \
	X(t, challenge_acks, "challenge ACKs sent (RFC 5961)")                                \
	X(t, timeouts, "connections ended by a timeout (RTO, keepalive, idle)")               \
	X(t, ooo_segs, "out-of-order segments stored")                                        \
	X(t, delayed_acks, "delayed ACKs sent by the 40 ms timer")
/* clang-format on */
MOS_CTR_DECLARE(tcp_ctr, TCP_COUNTERS);

/* What a stack is built from. */
struct tcp_stack_config {
	uint32_t max_conns;          /* TCBs (max_concurrency) */
	uint32_t max_buffers;        /* send and receive buffers each (max_num_buffers) */
	uint32_t rmem_bytes;         /* receive buffer per connection */
	uint32_t wmem_bytes;         /* send buffer per connection */
	uint32_t tw_ms;              /* TIME_WAIT */
	int32_t idle_ms;             /* idle timeout; <= 0 disables it */
	struct isn_key isn;          /* RFC 6528 secret */
	struct siphash_key hash_key; /* flow table, port choice, timestamp offsets */
};

/* Readiness changes reach the socket layer through this callback (owner of ep_items):
 * `items` is the ep_items of the TCB or listener, `bits` TCP_POLL_* that may have
 * become true. Runs on the context thread. */
typedef void (*tcp_wake_fn)(void *user, void **items, uint32_t bits);

struct tcp_stack {
	struct eng_ctx *ctx;
	struct tcp_stack_config cfg;
	uint32_t snd_cap, rcv_cap; /* ring capacities (powers of two >= wmem / rmem) */
	struct pool tcbs;
	struct pool sndbufs;
	struct pool rcvbufs;
	struct pool listeners;
	struct rbuf_pool ooo_pool;
	struct flow_table flows; /* connections by (local, remote) */
	struct flow_table binds; /* bound sockets and listeners by (ip, 0, port, 0) */
	struct flow_table lsns;  /* listeners by (ip, 0, port, 0) */
	uint16_t *port_binds;    /* bindings per port (65536) */
	uint32_t port_counter;   /* RFC 6056 algorithm 3 style increment */
	uint16_t ip_id;
	uint32_t chal_tokens; /* challenge ACKs left this second */
	uint64_t chal_sec;
	struct tcp_tcb *out_head, *out_tail;
	struct tcp_tcb *work_head;
	struct tcp_tcb *dead_head;
	tcp_wake_fn wake;
	void *wake_user;
	uint8_t opts_off; /* WIRE_TCPOPT_WS / SACK_PERM / TS this stack neither offers nor
			   * accepts (tests and benchmarks; 0 in production) */
	struct tcp_ctr ctr;
};

/* ---- Stack (context thread) ------------------------------------------------------- */

/* Builds the stack of `ctx`. Returns 0 or -ENOMEM / -EINVAL. */
int tcp_stack_init(struct tcp_stack *s, struct eng_ctx *ctx,
		   const struct tcp_stack_config *cfg);
/* Frees every connection, listener and pool (no segment is sent). */
void tcp_stack_fini(struct tcp_stack *s);
/* A TCP segment for one of this host's addresses. Returns DROP_NONE (buf consumed) or
 * the reason it was dropped (the caller counts it and frees buf). */
enum drop_reason tcp_input(struct tcp_stack *s, struct io_buf *buf, const struct wire_pkt *pkt);
/* After timers: applies recorded effects, transmits, destroys finished connections. */
void tcp_stack_poll(struct tcp_stack *s);
/* Connections in the flow table. */
static inline uint32_t tcp_stack_conn_count(const struct tcp_stack *s)
{
	return flow_table_count(&s->flows);
}

/* ---- Socket operations (context thread) ------------------------------------------- */

/* A new unconnected stream (CLOSED), or NULL (pool empty). */
struct tcp_tcb *tcp_usr_create(struct tcp_stack *s);
/* bind(): 0, -EINVAL (already bound or connected), -EADDRINUSE, -EADDRNOTAVAIL. */
int tcp_usr_bind(struct tcp_stack *s, struct tcp_tcb *t, uint32_t ip, uint16_t port);
/* listen(): turns the bound (or, port 0, auto-bound) stream into a listener; the TCB is
 * freed and *out receives the listener. 0, -EINVAL, -ENOMEM, -EADDRINUSE. */
int tcp_usr_listen(struct tcp_stack *s, struct tcp_tcb *t, uint32_t backlog,
		   struct tcp_listener **out);
/* connect(): 0 (SYN queued), -EISCONN, -EALREADY, -EINVAL (no route, or the bound tuple
 * does not come back to this core), -EAGAIN (no source port), -ENOMEM. `src_ip` 0 picks
 * the address of the port routing to ip (unless bound). */
int tcp_usr_connect(struct tcp_stack *s, struct tcp_tcb *t, uint32_t src_ip, uint32_t ip,
		    uint16_t port);
/* The application gives the stream up (close()): FIN after queued data, or RST when
 * unread data is discarded; the TCB lives on until the connection ends. */
void tcp_usr_close(struct tcp_stack *s, struct tcp_tcb *t);
/* abort(): RST (unless the state needs none) and release. */
void tcp_usr_abort(struct tcp_stack *s, struct tcp_tcb *t);
/* close() of a listener: resets every queued and embryonic connection. */
void tcp_usr_listener_close(struct tcp_stack *s, struct tcp_listener *l);
/* The application touched t's rings (doorbell): send new data, update the window. */
void tcp_usr_poke(struct tcp_stack *s, struct tcp_tcb *t);
/* Options (context thread). Values in the units of the socket API. */
void tcp_usr_set_nodelay(struct tcp_stack *s, struct tcp_tcb *t, bool on);
void tcp_usr_set_keepalive(struct tcp_stack *s, struct tcp_tcb *t, bool on);
void tcp_usr_set_keepparams(struct tcp_tcb *t, uint32_t idle_ms, uint32_t intvl_ms,
			    uint8_t cnt);
/* Effective send MSS (or what will be advertised before a connection). */
uint32_t tcp_usr_mss(const struct tcp_tcb *t);

/* Readiness of a stream or listener (any thread; exact on the context thread when the
 * application is not running). Sets want_wspace when not writable (as Linux's poll). */
uint32_t tcp_poll_mask(struct tcp_tcb *t);
uint32_t tcp_listener_poll_mask(struct tcp_listener *l);

/* ---- Application side (the app thread; lock-free) --------------------------------- */

/* Reads up to len in-order bytes (peek: without consuming). Returns the count, 0 at end
 * of stream, or -errno: -EAGAIN (nothing now), -ENOTCONN, -ECONNRESET/-ETIMEDOUT/...
 * *poke is set when the stack must be told (a window update may be due). */
ssize_t tcp_app_read(struct tcp_tcb *t, void *buf, size_t len, bool peek, bool *poke);
/* Queues up to len bytes. Returns the count, or -EAGAIN (no space now), -ENOTCONN,
 * -EPIPE, or a pending connection error. */
ssize_t tcp_app_write(struct tcp_tcb *t, const void *buf, size_t len);
/* True when tcp_app_read would not return -EAGAIN. */
bool tcp_app_readable(struct tcp_tcb *t);
/* True when tcp_app_write would not return -EAGAIN. */
bool tcp_app_writable(struct tcp_tcb *t);
/* Bytes readable in order now. */
uint32_t tcp_app_rx_bytes(struct tcp_tcb *t);
/* Takes a completed connection from the accept queue (NULL when empty). */
struct tcp_tcb *tcp_app_accept(struct tcp_listener *l);
/* Reads and clears the pending error (0 when none). */
int tcp_app_take_error(struct tcp_tcb *t);

#endif /* MOS_TCP_TCP_H */
