/* es_int.h - internals of the end-host socket layer (api/es_*.c). */
#ifndef MOS_API_ES_INT_H
#define MOS_API_ES_INT_H

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api/es.h"

#define ES_PIPE_RING 16384u /* ring bytes behind a pipe (power of two >= ES_PIPE_BYTES) */

/* One registration of a socket in an epoll instance. */
struct ep_item {
	struct es_epoll *ep;
	void **owner; /* the socket's list head (ep_items of a TCB, listener or pipe end) */
	int sock;
	int kind;        /* socket kind at registration (a listen() moves the item) */
	void *obj;       /* TCB, listener or pipe end */
	uint32_t events; /* interest, MOS_EPOLL* bits incl. ET / ONESHOT */
	uint64_t data;
	bool on_ready;
	bool disabled; /* one-shot fired: nothing until EPOLL_CTL_MOD */
	struct ep_item *ready_prev, *ready_next;
	struct ep_item *sock_next;
	struct ep_item *ep_prev, *ep_next;
};

struct es_epoll {
	int id;
	struct ep_item *ready_head, *ready_tail;
	uint32_t ready_count;
	struct ep_item *items;
};

struct es_pipe;

struct es_pipe_end {
	struct es_pipe *p;
	uint8_t end; /* 0 reads, 1 writes */
	_Atomic bool nonblock;
	void *ep_items;
	int id;
};

struct es_pipe {
	struct es_pipe_end ends[2];
	_Atomic bool closed[2];
	_Atomic uint32_t bell_pending;
	struct mpsc_node bell;
	bool zombie; /* both ends closed; freed once its doorbell is quiet */
	struct spsc_bytes ring;
	unsigned char data[]; /* ES_PIPE_RING bytes */
};

/* es_ctx.c: engine hooks */
int es_ctx_init(struct eng_ctx *ctx);
/* The kind of end-host TCP socket `id` is (MOS_SOCK_STREAM or MOS_SOCK_STREAM_LISTEN)
 * with its object in *obj, or -EBADF (no such id) / -ENOTSOCK (another kind). */
int es_tcp_sock(struct es_ctx *es, int id, void **obj);

void es_ctx_fini(struct eng_ctx *ctx);
enum drop_reason es_tcp_input(struct eng_ctx *ctx, struct io_buf *buf,
			      const struct wire_pkt *pkt);
void es_poll(struct eng_ctx *ctx);
/* Wakes the context thread if it naps (after new work for it). */
void es_kick(struct es_ctx *es);

/* es_epoll.c */
void es_ep_wake(void *user, void **items, uint32_t tcp_bits);
/* Unregisters every item of a socket (close). */
void es_ep_detach(struct es_ctx *es, void **owner);
/* Moves the registrations of a stream to the listener it became. */
void es_ep_move(void **from, void **to, int kind, void *obj);
void es_epoll_destroy(struct es_ctx *es, struct es_epoll *ep);
/* Current MOS_EPOLL* readiness of a registered socket. */
uint32_t es_sock_events(int kind, void *obj);

/* es_pipe.c */
ssize_t es_pipe_read(struct es_ctx *es, struct es_pipe_end *e, void *buf, size_t len,
		     bool peek);
ssize_t es_pipe_write(struct es_ctx *es, struct es_pipe_end *e, const void *buf, size_t len);
void es_pipe_close(struct es_ctx *es, struct es_pipe_end *e);
void es_pipe_bell(struct es_ctx *es, struct es_pipe *p);
uint32_t es_pipe_events(struct es_pipe_end *e);
bool es_pipe_ready(struct es_pipe_end *e, int wait);
uint32_t es_pipe_readable(struct es_pipe_end *e);

/* Futex helpers (Linux). */
static inline void es_futex_wait(_Atomic uint32_t *w, uint32_t expect, uint64_t timeout_ns)
{
	struct timespec ts = {(time_t)(timeout_ns / 1000000000u),
			      (long)(timeout_ns % 1000000000u)};
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, expect, &ts, NULL, 0);
}

static inline void es_futex_wake(_Atomic uint32_t *w, int n)
{
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

#endif /* MOS_API_ES_INT_H */
