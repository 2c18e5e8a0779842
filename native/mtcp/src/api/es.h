/* es.h - the end-host socket layer of one context ("es"): socket ids over the TCP of
 * tcp/tcp.h, epoll instances, pipes, and the request channel between application
 * threads and the context thread. Below the public API (api_es.c) and usable without
 * it: tests and benchmarks drive engines directly with these calls, several engines in
 * one process (see the example in README / the TCP report).
 *
 * Threads
 *   Everything named es_* runs on the context's thread (the stack thread, or the owner
 *   of a run-to-completion context), except the calls marked [app], which are
 *   lock-free and may run on the application thread concurrently with the stack:
 *   they touch only the SPSC rings and atomics of a socket. In threaded mode the
 *   public API turns every other call into a request (struct es_req) that the stack
 *   thread executes from its loop (api_es_call.c); in run-to-completion mode it calls
 *   es_exec() directly. Blocking calls are requests that stay parked until their
 *   condition holds; the same es_exec() decides in both modes.
 *
 * Epoll (Linux semantics)
 *   An epoll instance keeps a ready list. A socket whose state may have changed in a
 *   direction someone is interested in (data, space, a connection, FIN, error) puts
 *   its registrations on their ready lists. Collecting walks the list and asks each
 *   socket its current readiness: nothing -> removed; level-triggered -> reported and
 *   kept (asked again next time); edge-triggered -> reported and removed until the
 *   next change; one-shot -> reported and disabled until EPOLL_CTL_MOD.
 */
#ifndef MOS_API_ES_H
#define MOS_API_ES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/mpsc.h"
#include "base/pool.h"
#include "engine/ctx.h"
#include "mtcp_epoll.h"
#include "tcp/tcp.h"

struct mos_config;
struct eng_ctx;

#define ES_MAX_EPOLLS 256   /* epoll instances per context */
#define ES_MAX_PIPES 256    /* pipes per context */
#define ES_PIPE_BYTES 10240 /* bytes a pipe holds (mOS) */
#define ES_REQ_SLOTS 64     /* requests in flight from application threads */

/* ---- Per-instance: the personality the engine calls -------------------------------- */

struct es_personality {
	struct eng_personality base; /* registered as inst->end_host */
	struct isn_key isn;          /* RFC 6528 secret */
	struct siphash_key hash_key; /* flow tables, port choice, timestamp offsets */
};

/* Sets up the personality; `secret` (32 bytes) keys the ISNs, the flow tables, the
 * choice of ephemeral ports and the timestamp offsets (random per process; fixed in
 * tests). Sizes and times come from inst->cfg when each context starts. */
void es_personality_init(struct es_personality *p, const uint8_t secret[32]);

/* ---- Requests (the application -> context channel) ---------------------------------- */

enum es_op {
	ES_OP_SOCKET = 1,
	ES_OP_BIND,
	ES_OP_LISTEN,
	ES_OP_CONNECT,
	ES_OP_CLOSE,
	ES_OP_ABORT,
	ES_OP_GETSOCKOPT,
	ES_OP_SETSOCKOPT,
	ES_OP_PIPE,
	ES_OP_EPOLL_CREATE,
	ES_OP_EPOLL_CTL,
	ES_OP_EPOLL_WAIT,
	ES_OP_WAIT, /* until a socket is readable / writable / has a connection */
	ES_OP_INIT_RSS,
	ES_OP_DROP, /* reset a connection taken from an accept queue without an id */
};

/* ES_OP_WAIT conditions (arg). */
enum es_wait {
	ES_WAIT_READ = 1,
	ES_WAIT_WRITE = 2,
	ES_WAIT_ACCEPT = 3,
};

enum es_exec_result {
	ES_DONE = 0,
	ES_BLOCKED = 1,
};

/* Request states (a futex word while an application thread waits). */
enum es_req_state {
	ES_REQ_IDLE = 0,
	ES_REQ_POSTED = 1,
	ES_REQ_SLEEPING = 2, /* posted, and the application sleeps on `state` */
	ES_REQ_DONE = 3,
};

struct es_req {
	int op;   /* enum es_op */
	int id;   /* socket or epoll id */
	int id2;  /* EPOLL_CTL: the socket */
	int arg;  /* backlog, size, ctl op, level, wait kind */
	int arg2; /* option name; connect: blocking */
	uint32_t ip, ip2;
	uint16_t port;
	void *ptr;  /* buffers: events, optval, pipe ids, epoll event */
	void *ptr2; /* optlen */
	size_t len;
	uint64_t deadline_ns; /* blocking: UINT64_MAX = none */
	long ret;             /* result: >= 0, or -errno */
	int phase;            /* multi-step requests (blocking connect) */
	bool blocking;        /* may park */
	_Atomic uint32_t state;
	struct es_req *next;
};

/* The request channel of a context (threaded mode). */
struct es_mbox {
	_Atomic uint64_t free_mask; /* slots free for application threads */
	_Atomic uint64_t posted;    /* slots with a new request */
	struct es_req *_Atomic slot[ES_REQ_SLOTS];
	uint64_t parked;          /* context thread: slots waiting for their condition */
	_Atomic uint32_t closed;  /* the context thread has left its loop */
	_Atomic uint32_t napping; /* the context thread sleeps on wake_word */
	_Atomic uint32_t wake_word;
};

/* ---- Per-context state --------------------------------------------------------------- */

struct es_epoll;
struct es_pipe;

struct es_ctx {
	struct eng_ctx *eng;
	struct tcp_stack tcp;
	struct pool epolls;
	struct pool items;
	struct pool pipes;
	struct mpsc_stack bells; /* doorbells rung by application threads */
	struct es_mbox mbox;
	_Atomic bool *interrupted; /* SIGINT flag of the API context (NULL without) */
	uint32_t rss_src_ip;       /* mtcp_init_rss: preferred source address, 0 = route */
};

/* The end-host state of an engine context (NULL when the personality is absent). */
static inline struct es_ctx *es_of(struct eng_ctx *ctx)
{
	return (struct es_ctx *)ctx->end_host;
}

/* ---- Socket calls (context thread; return >= 0 or -errno) ---------------------------- */

int es_socket(struct es_ctx *es);
int es_bind(struct es_ctx *es, int id, uint32_t ip, uint16_t port);
int es_listen(struct es_ctx *es, int id, int backlog);
int es_connect(struct es_ctx *es, int id, uint32_t ip, uint16_t port);
int es_close(struct es_ctx *es, int id);
int es_abort(struct es_ctx *es, int id);
int es_getsockopt(struct es_ctx *es, int id, int level, int name, void *val, socklen_t *len);
int es_setsockopt(struct es_ctx *es, int id, int level, int name, const void *val,
		  socklen_t len);
int es_pipe(struct es_ctx *es, int ids[2]);
/* Resets a connection that never got an id (see es_accept). */
void es_drop(struct es_ctx *es, struct tcp_tcb *t);
/* mtcp_init_rss(): the source address of later connections (0: the route's port). */
int es_init_rss(struct es_ctx *es, uint32_t src_ip, uint32_t dst_ip);
int es_epoll_create(struct es_ctx *es, int size);
int es_epoll_ctl(struct es_ctx *es, int epid, int op, int id,
		 const struct mtcp_epoll_event *ev);
/* Ready events now (no waiting); >= 0 or -errno. */
int es_epoll_collect(struct es_ctx *es, int epid, struct mtcp_epoll_event *ev, int max);

/* [app] Lock-free calls (any thread that owns the socket; or the context thread). */
/* Takes a connection from listener `id`: its new id and the peer address. -ENFILE when
 * no id is left: *orphan is then the connection, which the caller must give to
 * es_drop() on the context thread (ES_OP_DROP). */
int es_accept(struct es_ctx *es, int id, uint32_t *ip, uint16_t *port, struct tcp_tcb **orphan);
ssize_t es_recv(struct es_ctx *es, int id, void *buf, size_t len, int flags);
ssize_t es_send(struct es_ctx *es, int id, const void *buf, size_t len);
int es_ioctl(struct es_ctx *es, int id, int request, void *argp);
int es_setsock_nonblock(struct es_ctx *es, int id);
/* Local (peer) address of a stream or listener, host order. */
int es_sockname(struct es_ctx *es, int id, bool peer, uint32_t *ip, uint16_t *port);
/* Whether the socket is in non-blocking mode (-errno for a bad id). */
int es_nonblocking(struct es_ctx *es, int id);

/* Executes a request on the context thread: ES_DONE (r->ret set) or ES_BLOCKED (a
 * blocking request whose condition does not hold yet: try again later). */
int es_exec(struct es_ctx *es, struct es_req *r);
/* The result of a blocking request that reached its deadline. */
long es_timeout_result(const struct es_req *r);

/* Rings the context's doorbell for obj (tcp TCB or pipe) from any thread: the context
 * thread will look at it (send data, window update, epoll wake-ups). */
void es_ring(struct es_ctx *es, struct mpsc_node *bell, _Atomic uint32_t *pending);

/* Threaded-mode request service, called by the context thread from its poll step
 * (api_es_call.c). */
void api_es_serve(struct es_ctx *es);

#endif /* MOS_API_ES_H */
