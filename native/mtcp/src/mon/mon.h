/* mon.h - the flow monitor (mOS personality): per-context state, monitor sockets, flows
 * with dual-side TCP emulation, reassembly, event dispatch, filters and timers. Internal
 * to mon/ and api/ (the public contract is mos_api.h and mos_ext.h).
 *
 * Threading
 *   A context's monitor state is driven by the context's thread (packets, timers,
 *   callbacks). App threads create and close passive/raw sockets, bind filters,
 *   register callbacks on passive/raw sockets, change their defaults and register
 *   timers while traffic runs: those paths take `ctl_lock` (control only, never on the
 *   packet path) and publish immutable objects through atomic pointers:
 *     - listener slots (lsock[]): published with a release store; closing only marks
 *       the socket, the context's thread unpublishes and frees it (mon_poll);
 *     - callback tables (struct mon_cbtab): copy on write, reference counted, so a
 *       flow keeps the snapshot it took at creation;
 *     - BPF programs: replaced programs are kept until the socket is freed.
 *   Everything of a flow (per-flow sockets included) is touched by the context's thread
 *   only; per-flow API calls are "callback only".
 *
 * Memory
 *   Pools are created when the first monitor socket of a context is created (an end
 *   host that never monitors pays nothing): flows (max_concurrency), per-flow sockets,
 *   reassembly descriptors and 1 KiB segments (mon_pools_plan). No allocation per
 *   packet; a full flow table evicts its least recently active flow (counted).
 */
#ifndef MOS_MON_MON_H
#define MOS_MON_MON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/counters.h"
#include "base/pool.h"
#include "base/seq.h"
#include "base/siphash.h"
#include "base/timer_wheel.h"
#include "engine/ctx.h"
#include "engine/flow_table.h"
#include "mos_ext.h"
#include "tcp/rbuf.h"

#define MON_MAX_LSOCK 64      /* passive + raw sockets per context */
#define MON_UDE_MAX 4096      /* user-defined events per process */
#define MON_RAISE_MAX 16      /* mtcp_raise_event calls per filter invocation */
#define MON_UTIMER_MAX 4096   /* armed mtcp_settimer timers per context */
#define MON_UTIMER_QUEUE 1024 /* timer requests from other threads awaiting the loop */
#define MON_PKT_COPY_MAX 65536
#define MON_PKT_COPY_ALIGN 2  /* the copy starts 2 bytes in: IPv4 header 4-byte aligned */
#define MON_BPF_SCRATCH 16384 /* untagged copy of a VLAN frame for BPF filters */

/* Hook indices (mtcp_hook_point values are bits 29..31). */
enum mon_hook {
	MON_HK_NULL = 0,
	MON_HK_SND = 1,
	MON_HK_RCV = 2,
	MON_HOOKS = 3,
};

/* Bit index of a built-in event (0..NUM_BEV-1). */
#define MON_BIT(ev) ((uint32_t)1u << (ev))
#define MON_EV_PKT_IN 0
#define MON_EV_CONN_START 2
#define MON_EV_NEW_DATA 4
#define MON_EV_ERROR 5
#define MON_EV_STATE_CHANGE 7
#define MON_EV_ORPHAN 8
#define MON_EV_REXMIT 9
#define MON_EV_CONN_END 10

/* ---- user-defined events (process-wide registry, owned by api/) ---------------- */

enum mon_ude_kind {
	MON_UDE_DEFINED = 1,   /* mtcp_define_event: parent AND filter */
	MON_UDE_ALLOCATED = 2, /* mtcp_alloc_event: only raised */
};

struct mon_ude {
	event_t id;
	event_t parent; /* a built-in bit or a UDE id */
	filter_t filter;
	filter_arg_t arg; /* deep copy (arg.arg NULL when len 0) */
	uint8_t kind;
	uint8_t root; /* bit index of the built-in event at the top of its chain */
	_Atomic uint32_t first_child; /* index + 1 of the first child, 0: none */
	_Atomic uint32_t next_sibling;
	uint32_t last_child; /* writer side only */
};

struct mon_ude_reg {
	pthread_mutex_t lock; /* definitions (readers take no lock) */
	_Atomic uint32_t count;
	_Atomic uint32_t bev_first[NUM_BEV]; /* first child of each built-in event */
	uint32_t bev_last[NUM_BEV];
	struct mon_ude nodes[MON_UDE_MAX];
};

/* The node of UDE `id`, or NULL. */
const struct mon_ude *mon_ude_get(const struct mon_ude_reg *r, event_t id);
/* Index + 1 of the first child of `parent` (a built-in event or a UDE), 0: none. */
uint32_t mon_ude_first_child(const struct mon_ude_reg *r, event_t parent);
static inline const struct mon_ude *mon_ude_at(const struct mon_ude_reg *r, uint32_t idx1)
{
	return &r->nodes[idx1 - 1];
}
/* Defines (kind DEFINED) or allocates (kind ALLOCATED) a child of `parent`. Returns
 * the id, or MOS_NULL_EVENT with errno EINVAL / ENOMEM. */
event_t mon_ude_add(struct mon_ude_reg *r, event_t parent, int kind, filter_t filter,
		    const filter_arg_t *arg);
/* Built-in bit index at the root of `ev` (a built-in bit or UDE), or -1 (invalid). */
int mon_event_root(const struct mon_ude_reg *r, event_t ev);

/* ---- callback tables ---------------------------------------------------------- */

struct mon_ude_cb {
	event_t ev;
	callback_t cb;
};

/* One socket's callbacks, immutable once published (copy on write). `mask[h]` holds
 * the built-in events to visit at hook h: those with a callback and those with a
 * registered UDE descendant; `rel[h]` the UDE ids whose subtree holds a callback of
 * hook h (sorted), so filters nobody listens to are never evaluated. */
struct mon_cbtab {
	_Atomic uint32_t refs;
	uint16_t mask[MON_HOOKS];
	uint16_t n_cb[MON_HOOKS];
	uint16_t n_rel[MON_HOOKS];
	callback_t bev[MON_HOOKS][NUM_BEV];
	struct mon_ude_cb *cb[MON_HOOKS]; /* sorted by ev */
	event_t *rel[MON_HOOKS];
	struct mon_cbtab *retired_next; /* replaced listener tables awaiting mon_poll */
};

/* A new table: `old` (may be NULL) with (hook, ev) set to cb (NULL removes it).
 * *found tells whether (hook, ev) had a callback. NULL on ENOMEM. */
struct mon_cbtab *mon_cbtab_with(const struct mon_cbtab *old, const struct mon_ude_reg *r,
				 int hook, event_t ev, callback_t cb, bool *found);
void mon_cbtab_ref(struct mon_cbtab *t);
void mon_cbtab_unref(struct mon_cbtab *t);

/* ---- sockets ---------------------------------------------------------------------- */

struct mon_bpf; /* a compiled BPF program (mon_bpf.c) */

/* Passive (MOS_SOCK_MONITOR_STREAM) or raw (MOS_SOCK_MONITOR_RAW) socket. Defaults are
 * read by the context's thread at flow creation. */
struct mon_lsock {
	int id;
	int kind;
	_Atomic bool closed;
	struct mon_cbtab *_Atomic cbt;
	struct mon_bpf *_Atomic syn_filter; /* raw sockets: the packet filter */
	struct mon_bpf *_Atomic orphan_filter;
	struct mon_bpf *retired;     /* replaced programs, freed with the socket */
	struct mon_lsock *dead_next; /* closed, awaiting mon_lsock_reap */
	void *_Atomic uctx;
	_Atomic int32_t buf_bytes[2]; /* per side: < 0 = rmem_size (or off), 0 = off */
	_Atomic uint8_t overlap[2];
	_Atomic uint8_t monitor[2]; /* MOS_STOP_MON defaults */
	_Atomic int midstream;      /* MOS_MIDSTREAM */
	_Atomic bool no_checksum;   /* MOS_NO_CHECKSUM */
};

struct mon_flow;

/* Per-flow socket (MOS_SOCK_MONITOR_STREAM_ACTIVE): one per (flow, attached passive
 * socket), in attachment order on the flow. */
struct mon_fsock {
	int id;
	uint8_t monitor[2]; /* this socket still wants each side's events */
	uint8_t pad_[2];
	struct mon_flow *flow;
	struct mon_cbtab *cbt; /* snapshot of the passive socket's table, or its own copy */
	void *uctx;
	uint64_t peek_off[2];
	struct mon_fsock *next, *prev;
};

/* ---- flows ---------------------------------------------------------------------- */

/* Internal state after TIME_WAIT: finished, awaiting destruction (shown as CLOSED). */
#define MON_ST_CLOSED_RSVD 11

/* mon_side.flags */
enum {
	MON_SF_MONITORED = 0x01, /* some socket monitors this side (emulate it) */
	MON_SF_BUFFERED = 0x02,  /* buffer management on (buf may still be NULL) */
	MON_SF_ISN = 0x04,       /* isn / snd_nxt known (SYN seen or first packet) */
	MON_SF_RCV_BASE = 0x08,  /* rcv_base known: offsets of received data defined */
	MON_SF_FIN_SENT = 0x10,  /* this endpoint sent a FIN (fin_seq valid) */
	MON_SF_FIN_RCVD = 0x20,  /* this endpoint received the peer's FIN */
	MON_SF_WND = 0x40,       /* rcv_wnd_end valid (window check possible) */
	MON_SF_WSCALE_OK = 0x80, /* window scaling negotiated (both SYNs had it) */
};

/* One endpoint's emulation. "rcv" fields concern the data this endpoint receives
 * (the other direction), stored in `buf`: mOS's "client-side buffer" holds what the
 * client receives. */
struct mon_side {
	struct rbuf *buf;       /* lazily allocated on the first stored payload */
	uint64_t rcv_ready;     /* readable end (offset): contiguous data, lost holes skipped */
	uint64_t rcv_lost_upto; /* this endpoint acknowledged everything below (offset) */
	uint64_t rcv_max;       /* highest offset + len received (for the hole statistics) */
	seq32_t rcv_base;       /* sequence number of receive offset 0 */
	seq32_t rcv_wnd_end;    /* right edge this endpoint advertised */
	seq32_t isn;            /* this endpoint's ISN */
	seq32_t snd_max;        /* highest sequence number sent + 1 (SYN/FIN count) */
	seq32_t fin_seq;        /* sequence number of this endpoint's FIN */
	uint32_t buf_cap;       /* reassembly capacity (bytes) when buffered */
	uint8_t state;          /* enum tcpstate or MON_ST_CLOSED_RSVD */
	uint8_t flags;          /* MON_SF_* */
	uint8_t wscale;         /* shift this endpoint announced in its SYN */
	uint8_t overlap;        /* overlap policy of buf */
	uint8_t syn, fin, rst;  /* sent (statistics) */
	uint8_t pad_;
	uint64_t pkts, bytes, rexmit_bytes, conflict_bytes, missing_bytes; /* sent */
};

/* mon_flow.flags */
enum {
	MON_FF_MIDSTREAM = 0x01,
	MON_FF_TOMBSTONE = 0x02,   /* both sides stopped: packets are passed, nothing else */
	MON_FF_PENDING = 0x04,     /* on the NEW_DATA list */
	MON_FF_DEAD = 0x08,        /* being destroyed */
	MON_FF_TW = 0x10,          /* a side waits in TIME_WAIT (tw_deadline valid) */
	MON_FF_SETTLE = 0x20,      /* a callback stopped sides: settle after the dispatch */
	MON_FF_SCALE_KNOWN = 0x40, /* both SYNs seen: windows can be checked */
	MON_FF_TW_OVER = 0x80,     /* TIME_WAIT has elapsed: TIME_WAIT sides are finished */
};

struct mon_flow {
	struct flow_key key;  /* client -> server, host order */
	struct flow_key tkey; /* the table key (canonical orientation) */
	uint8_t flags;
	uint8_t pending_sides; /* bit s: side s has new readable data */
	uint8_t end_reason;
	uint8_t nsocks;
	uint32_t last_ms;            /* low 32 bits of the last activity time (ms) */
	uint16_t hk_mask[MON_HOOKS]; /* union of the sockets' callback masks per hook */
	uint64_t tw_deadline_ms;
	uint64_t flow_id;
	uint64_t first_ns, last_ns;
	struct mon_side side[2];
	struct tw_timer timer;                /* idle timeout and TIME_WAIT */
	struct mon_flow *lru_prev, *lru_next; /* activity order: head = least recent */
	struct mon_flow *pend_prev, *pend_next;
	struct mon_fsock *socks, *socks_tail;
};

/* ---- the current packet ------------------------------------------------------------ */

struct mon_pkt {
	struct io_buf *buf;
	struct wire_pkt *w;
	struct mon_flow *flow; /* NULL for raw PKT_IN and orphans */
	int sender;            /* side of the sender, MOS_SIDE_BOTH without a flow */
	uint64_t offset;       /* pkt_info.offset */
	bool drop;             /* MOS_DROP */
	bool modified;         /* mtcp_setlastpkt changed the frame */
};

/* ---- counters --------------------------------------------------------------------- */

/* clang-format off */
#define MON_COUNTERS(X, t)                                                                 \
	X(t, frames, "frames the monitor looked at")                                     \
	X(t, tcp_packets, "TCP segments processed")                                      \
	X(t, flows_created, "flows created")                                             \
	X(t, flows_midstream, "flows picked up mid-stream")                              \
	X(t, flows_ended, "flows destroyed")                                             \
	X(t, flows_evicted, "flows evicted from a full table")                           \
	X(t, orphans, "TCP packets of no flow")                                          \
	X(t, table_full, "flows not created for lack of room")                           \
	X(t, ipv6, "IPv6 frames")                                                        \
	X(t, non_tcp, "IPv4 packets other than TCP")                                     \
	X(t, bad_checksum, "TCP/IPv4 checksum failures")                                 \
	X(t, out_of_window, "segments with bytes beyond the receive window")              \
	X(t, buffer_nomem, "payload bytes not stored for lack of buffer memory")         \
	X(t, app_drops, "packets dropped by a callback")
/* clang-format on */
MOS_CTR_DECLARE(mon_ctr, MON_COUNTERS);

/* ---- per-context state -------------------------------------------------------------- */

struct mon_utimer {
	struct tw_timer t;
	struct mon_ctx *m;
	int id;
	callback_t cb;
};

struct mon_utimer_req {
	int id;
	callback_t cb;
	uint64_t delay_ms;
};

struct mon_ctx {
	struct eng_ctx *eng;
	mctx_t mctx; /* handed to callbacks (mon_ctx_bind) */
	const struct mon_ude_reg *udes;
	struct siphash_key table_key;
	/* configuration */
	uint32_t max_flows;
	uint32_t rmem;
	uint32_t tw_ms;
	int32_t timeout_ms; /* <= 0: no idle timeout */
	bool no_ring_buffers;
	bool host_ips; /* some port has an address (its traffic is the host's, not ours) */
	/* control (app threads) */
	pthread_mutex_t ctl_lock;
	struct mon_lsock *_Atomic lsock[MON_MAX_LSOCK];
	_Atomic uint32_t lsock_hi; /* slots [0, hi) may be used */
	_Atomic uint32_t n_stream, n_raw, n_nocsum;
	_Atomic bool ready;                    /* pools exist */
	_Atomic bool flush_req;                /* mos_monitor_flush from another thread */
	struct mon_cbtab *_Atomic tab_retired; /* pushed by control, released by mon_poll */
	struct mon_lsock *_Atomic dead; /* closed listeners (pushed under ctl_lock), freed
					 * by mon_poll */
	/* pools and tables (context thread) */
	struct pool flows, fsocks, rbufs;
	struct rbuf_pool segs;
	struct flow_table table;
	/* The flow the last table lookup found, or NULL: consecutive packets mostly belong
	 * to one flow, and comparing its key costs a fraction of a lookup. Cleared when
	 * that flow leaves the table (mon_flow_unhash), so it is always in the table. */
	struct mon_flow *last_flow;
	uint64_t next_flow_id;
	struct mon_flow *lru_head, *lru_tail;
	struct mon_flow *pend_head, *pend_tail;
	/* packet and callback context */
	struct mon_pkt *cur;
	_Atomic uint32_t cb_depth;   /* callbacks/filters running on the context's thread */
	_Atomic uintptr_t cb_thread; /* that thread (pthread_self), valid with cb_depth */
	const struct mon_ude *filter_node; /* UDE whose filter runs (mtcp_raise_event) */
	event_t *raise_buf;
	uint32_t raise_n;
	/* user timers */
	struct pool utimers;
	pthread_mutex_t tmr_lock;
	_Atomic uint32_t tmr_nreq;
	struct mon_utimer_req tmr_req[MON_UTIMER_QUEUE];
	/* scratch */
	uint8_t *pkt_copy;    /* mtcp_getlastpkt, MON_PKT_COPY_ALIGN + MON_PKT_COPY_MAX */
	uint8_t *bpf_scratch; /* MON_BPF_SCRATCH */
	struct mon_ctr ctr;
};

static inline struct mon_ctx *mon_of(const struct eng_ctx *ctx)
{
	return (struct mon_ctx *)ctx->monitor;
}

static inline void mon_count(struct mon_ctx *m, enum mon_ctr_id id, uint64_t n)
{
	ctr_add(&m->ctr.v[id], n);
}

/* ---- mon_ctx.c ------------------------------------------------------------------------ */

extern const struct eng_personality mon_personality;

/* Gives the context its public handle and the UDE registry (api/, after creation). */
void mon_ctx_bind(struct eng_ctx *ctx, mctx_t mctx, const struct mon_ude_reg *udes,
		  const struct siphash_key *table_key);
/* Creates the pools on first use (control thread, under ctl_lock). 0 or -ENOMEM. */
int mon_ctx_prepare(struct mon_ctx *m);
/* Ends every flow (CONN_END, MOS_FLOW_END_SHUTDOWN). Context thread. */
void mon_flush(struct mon_ctx *m);

/* ---- mon_sock.c ------------------------------------------------------------------------ */

/* Creates a passive or raw socket. Returns its id or -errno. */
int mon_lsock_create(struct mon_ctx *m, int kind);
/* Marks it closed (freed by the context's thread). */
void mon_lsock_close(struct mon_ctx *m, struct mon_lsock *ls);
/* Frees listeners marked closed and replaced listener callback tables (context
 * thread, outside packet processing: nothing of them is in use then). */
void mon_lsock_reap(struct mon_ctx *m, bool all);
/* Replaces the callback table of a listener (control path). 0, -EINVAL, -ENOMEM. */
int mon_lsock_set_cb(struct mon_ctx *m, struct mon_lsock *ls, int hook, event_t ev,
		     callback_t cb);
/* Per-flow sockets: attach one for `ls` to f (0 or -ENFILE/-ENOMEM); release all. */
int mon_fsock_attach(struct mon_ctx *m, struct mon_flow *f, struct mon_lsock *ls);
void mon_fsock_release_all(struct mon_ctx *m, struct mon_flow *f);
/* Recomputes the flow's per-side MONITORED flags from its sockets. */
void mon_flow_sides_update(struct mon_flow *f);
/* Recomputes f->hk_mask after a socket's callback table changed. */
void mon_flow_masks_update(struct mon_flow *f);
/* MOS_STOP_MON on a per-flow socket: side CLI, SVR or BOTH. */
void mon_fsock_stop(struct mon_ctx *m, struct mon_fsock *s, int side);

/* ---- mon_input.c ----------------------------------------------------------------------- */

bool mon_frame_input(struct eng_ctx *ctx, struct io_buf *buf, struct wire_pkt *pkt,
		     enum drop_reason reason);

/* ---- mon_flow.c ------------------------------------------------------------------------ */

/* Creates a flow for the first packet (client SYN, or any packet mid-stream) and
 * attaches the matching listeners; NULL when nothing matched or no room. `*from`
 * receives the side of the packet's sender. */
struct mon_flow *mon_flow_create(struct mon_ctx *m, const struct wire_pkt *w,
				 const uint8_t *frame, int *from);
/* Destroys the flow: pending NEW_DATA, then STATE_CHANGE/CONN_END per monitored side,
 * then frees everything. */
void mon_flow_end(struct mon_ctx *m, struct mon_flow *f, int reason);
/* Both sides stopped: release sockets and buffers, keep a tombstone in the table. */
void mon_flow_tombstone(struct mon_ctx *m, struct mon_flow *f);
/* Moves f to the most recently active end of the LRU list (mon_flow_touch's rare
 * case, out of line). */
void mon_flow_lru_move(struct mon_ctx *m, struct mon_flow *f);
/* Records activity: inline because every packet of a flow calls it, and a flow that
 * sends several packets in a row is already at the tail (nothing to relink). */
static inline void mon_flow_touch(struct mon_ctx *m, struct mon_flow *f, uint64_t ts_ns)
{
	f->last_ms = (uint32_t)m->eng->now_ms;
	f->last_ns = ts_ns;
	if (m->lru_tail != f)
		mon_flow_lru_move(m, f);
}
/* Takes f out of the flow table (and forgets it as the last flow looked up). */
void mon_flow_unhash(struct mon_ctx *m, struct mon_flow *f);
/* Whether a SYN (no ACK) from side `from` starts a new connection on this 4-tuple. */
bool mon_flow_reused(const struct mon_flow *f, int from, seq32_t isn);
/* After a packet: destroys the flow when both sides are finished, arms TIME_WAIT. */
void mon_flow_settle(struct mon_ctx *m, struct mon_flow *f);
/* Appends f to the NEW_DATA list (mon_flow_pending_add's first data of a batch). */
void mon_flow_pending_link(struct mon_ctx *m, struct mon_flow *f);
/* Side `side` of f has new readable data: CONN_NEW_DATA at the end of the batch. Inline:
 * every stored segment calls it, and the flow is usually queued already. */
static inline void mon_flow_pending_add(struct mon_ctx *m, struct mon_flow *f, int side)
{
	f->pending_sides |= (uint8_t)(1u << side);
	if (!(f->flags & MON_FF_PENDING))
		mon_flow_pending_link(m, f);
}
/* Delivers the flow's queued NEW_DATA and takes it off the list. */
void mon_flow_pending_deliver(struct mon_ctx *m, struct mon_flow *f);
void mon_batch_end(struct eng_ctx *ctx);
/* Table key of a packet's 4-tuple (one lookup for both directions). */
static inline struct flow_key mon_table_key(const struct wire_pkt *w)
{
	uint32_t s = w->ipv4.src, d = w->ipv4.dst;
	uint16_t sp = w->tcp.sport, dp = w->tcp.dport;
	if (s < d || (s == d && sp <= dp))
		return (struct flow_key){s, d, sp, dp};
	return (struct flow_key){d, s, dp, sp};
}

/* ---- mon_emul.c ------------------------------------------------------------------------ */

/* The TCP segment as the emulation sees it. */
struct mon_seg {
	seq32_t seq, ack;
	uint16_t flags;
	uint16_t len;
	uint32_t wnd; /* raw window */
	const uint8_t *payload;
	const struct wire_tcp_opts *opts;
};

/* Sender's stack: returns the SND-hook event bits it raises (besides PKT_IN). */
uint32_t mon_emul_send(struct mon_ctx *m, struct mon_flow *f, int s, const struct mon_seg *g);
/* Receiver's stack (state part): returns the RCV-hook event bits (besides PKT_IN). */
uint32_t mon_emul_recv(struct mon_ctx *m, struct mon_flow *f, int r, const struct mon_seg *g);
/* The window edge side s advertises with an ACK (not a SYN) acknowledging `ack` with
 * raw window `wnd`. Scaling applies once both SYNs were seen with the option (RFC 7323
 * §2.2). Inline: the packet path's header prediction calls it for every segment. */
static inline void mon_emul_window_edge(struct mon_flow *f, int s, seq32_t ack, uint32_t wnd)
{
	struct mon_side *S = &f->side[s];
	if (!(f->flags & MON_FF_SCALE_KNOWN))
		return;
	uint8_t shift =
		(f->side[0].flags & f->side[1].flags & MON_SF_WSCALE_OK) ? S->wscale : 0;
	seq32_t edge = seq_add(ack, wnd << shift);
	if (!(S->flags & MON_SF_WND) || seq_gt(edge, S->rcv_wnd_end))
		S->rcv_wnd_end = edge; /* a window edge never moves back (RFC 9293 §3.8.6) */
	S->flags |= MON_SF_WND;
}
/* The window edge side s advertises with this segment (its ACK); never on a SYN. */
static inline void mon_emul_window(struct mon_flow *f, int s, const struct mon_seg *g)
{
	if ((g->flags & WIRE_TCP_ACK) && !(g->flags & WIRE_TCP_SYN))
		mon_emul_window_edge(f, s, g->ack, g->wnd);
}
/* Whether a RST is acceptable to the receiver r. */
bool mon_emul_rst_ok(const struct mon_flow *f, int r, const struct mon_seg *g);
/* Reported state (closed-reserved shows as CLOSED). */
static inline int mon_state_public(uint8_t st)
{
	return st == MON_ST_CLOSED_RSVD ? TCP_CLOSED : st;
}
/* True when side `side` no longer keeps the flow alive. */
bool mon_side_finished(const struct mon_ctx *m, const struct mon_flow *f, int side);

/* ---- mon_reasm.c ----------------------------------------------------------------------- */

/* Receive-side data of one segment for side r: window check (ERROR), overlap check
 * (returns true for REXMIT), before the RCV hook. */
bool mon_reasm_check(struct mon_ctx *m, struct mon_flow *f, int r, const struct mon_seg *g,
		     uint64_t *off);
/* Stores the payload (outrun ERROR first), advances the readable end, queues NEW_DATA. */
void mon_reasm_store(struct mon_ctx *m, struct mon_flow *f, int r, const struct mon_seg *g);
/* The receiver acknowledged `ack`: holes below it are capture losses. */
void mon_reasm_ack(struct mon_ctx *m, struct mon_flow *f, int r, seq32_t ack);
/* Buffer size change on a flow side (0 disables). 0 or -errno. */
int mon_reasm_resize(struct mon_ctx *m, struct mon_flow *f, int side, uint32_t bytes);
void mon_reasm_free(struct mon_ctx *m, struct mon_flow *f, int side);
/* Sequence number -> receive offset for side r (may be negative: before offset 0): the
 * offset nearest the receive point. Inline: every packet maps its acknowledgment. */
static inline int64_t mon_reasm_offset(const struct mon_side *r, seq32_t seq)
{
	seq32_t nxt = seq_add(r->rcv_base, (uint32_t)r->rcv_ready);
	return (int64_t)r->rcv_ready + seq_diff(seq, nxt);
}
/* Missing bytes of side r's incoming direction when the flow ends. */
void mon_reasm_finish(struct mon_flow *f, int r);

/* ---- mon_event.c ----------------------------------------------------------------------- */

/* Raises `events` (built-in bits) at `hook` for `side` on every per-flow socket of f
 * that monitors the side, in the order of spec §8 (attachment order toward the
 * packet's destination). `only` restricts to one socket when not NULL. */
void mon_raise_flow(struct mon_ctx *m, struct mon_flow *f, int hook, int side, uint32_t events,
		    const struct mon_fsock *only);
/* The packet path's entry: nothing to do (one test) when no socket of the flow listens
 * to any of `events` at `hook`. */
static inline void mon_raise(struct mon_ctx *m, struct mon_flow *f, int hook, int side,
			     uint32_t events)
{
	if (events & f->hk_mask[hook])
		mon_raise_flow(m, f, hook, side, events, NULL);
}

/* Raises `events` at hook on one listener (orphans, raw PKT_IN). */
void mon_raise_lsock(struct mon_ctx *m, struct mon_lsock *ls, int hook, uint32_t events);
/* Callback bookkeeping: the thread inside a callback or filter of this context may
 * call the "callback only" functions. Enter before calling user code, leave after. */
static inline bool mon_in_callback(const struct mon_ctx *m)
{
	return atomic_load_explicit(&m->cb_depth, memory_order_relaxed) > 0 &&
	       atomic_load_explicit(&m->cb_thread, memory_order_relaxed) ==
		       (uintptr_t)pthread_self();
}
void mon_cb_enter(struct mon_ctx *m);
void mon_cb_leave(struct mon_ctx *m);

/* ---- mon_bpf.c ------------------------------------------------------------------------- */

/* Compiles a tcpdump expression for Ethernet frames. NULL with errno EINVAL (does not
 * compile; the message goes to `err`), ENOMEM, or ENOSYS (built without libpcap). */
struct mon_bpf *mon_bpf_compile(const char *expr, char *err, size_t err_len);
void mon_bpf_free(struct mon_bpf *p);
/* Runs the program on a frame; VLAN tags are removed first so that a filter sees
 * tagged and untagged frames alike. */
bool mon_bpf_match(struct mon_ctx *m, const struct mon_bpf *p, const uint8_t *frame,
		   uint32_t len, const struct wire_pkt *w);
void mon_bpf_chain_free(struct mon_bpf *p); /* a retired list */
void mon_bpf_retire(struct mon_bpf **list, struct mon_bpf *p);

/* ---- mon_timer.c ----------------------------------------------------------------------- */

int mon_utimer_arm(struct mon_ctx *m, int id, uint64_t delay_ms, callback_t cb);
/* From another thread: queued until the context's next loop. 0 or -ENOMEM. */
int mon_utimer_request(struct mon_ctx *m, int id, uint64_t delay_ms, callback_t cb);
void mon_utimer_drain(struct mon_ctx *m);
void mon_utimer_fini(struct mon_ctx *m);

#endif /* MOS_MON_MON_H */
