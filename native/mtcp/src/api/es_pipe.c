/* es_pipe.c - mtcp_pipe(): two socket ids sharing a 10240-byte SPSC byte ring, for
 * application threads of one context. The reader and the writer touch only the ring
 * and atomics; after each change they ring the context's doorbell so that epoll
 * instances watching the other end hear of it. End of stream for the reader when the
 * write end is closed; EPIPE for the writer when the read end is closed. */
#include <errno.h>
#include <string.h>

#include "api/es_int.h"
#include "base/assert.h"
#include "engine/ctx.h"

int es_pipe(struct es_ctx *es, int ids[2])
{
	struct es_pipe *p = pool_get(&es->pipes);
	if (p == NULL)
		return -ENOMEM;
	memset(p, 0, sizeof *p);
	MOS_ASSERT(spsc_bytes_init(&p->ring, p->data, ES_PIPE_RING));
	for (uint8_t i = 0; i < 2; i++) {
		p->ends[i].p = p;
		p->ends[i].end = i;
		p->ends[i].id = socktab_alloc(&es->eng->socks, MOS_SOCK_PIPE, &p->ends[i]);
	}
	if (p->ends[0].id < 0 || p->ends[1].id < 0) {
		for (int i = 0; i < 2; i++)
			if (p->ends[i].id >= 0)
				socktab_free(&es->eng->socks, p->ends[i].id);
		pool_put(&es->pipes, p);
		return -ENFILE;
	}
	ids[0] = p->ends[0].id;
	ids[1] = p->ends[1].id;
	return 0;
}

uint32_t es_pipe_readable(struct es_pipe_end *e)
{
	return spsc_bytes_used(&e->p->ring);
}

static uint32_t es_pipe_room(struct es_pipe *p)
{
	uint32_t used = spsc_bytes_used(&p->ring);
	return used < ES_PIPE_BYTES ? ES_PIPE_BYTES - used : 0;
}

ssize_t es_pipe_read(struct es_ctx *es, struct es_pipe_end *e, void *buf, size_t len, bool peek)
{
	struct es_pipe *p = e->p;
	if (e->end != 0)
		return -EBADF; /* the write end */
	uint32_t want = len > ES_PIPE_BYTES ? ES_PIPE_BYTES : (uint32_t)len;
	if (want == 0)
		return 0;
	uint32_t n = peek ? spsc_bytes_peek(&p->ring, 0, buf, want)
			  : spsc_bytes_read(&p->ring, buf, want);
	if (n == 0 && atomic_load_explicit(&p->closed[1], memory_order_acquire))
		n = peek ? spsc_bytes_peek(&p->ring, 0, buf, want)
			 : spsc_bytes_read(&p->ring, buf,
					   want); /* what came before the close */
	if (n > 0) {
		if (!peek)
			es_ring(es, &p->bell, &p->bell_pending);
		return n;
	}
	return atomic_load_explicit(&p->closed[1], memory_order_acquire) ? 0 : -EAGAIN;
}

ssize_t es_pipe_write(struct es_ctx *es, struct es_pipe_end *e, const void *buf, size_t len)
{
	struct es_pipe *p = e->p;
	if (e->end != 1)
		return -EBADF; /* the read end */
	if (atomic_load_explicit(&p->closed[0], memory_order_acquire))
		return -EPIPE;
	if (len == 0)
		return 0;
	uint32_t room = es_pipe_room(p);
	uint32_t n = spsc_bytes_write(&p->ring, buf, len < room ? (uint32_t)len : room);
	if (n == 0)
		return -EAGAIN;
	es_ring(es, &p->bell, &p->bell_pending);
	return n;
}

uint32_t es_pipe_events(struct es_pipe_end *e)
{
	struct es_pipe *p = e->p;
	uint32_t ev = 0;
	if (e->end == 0) {
		if (spsc_bytes_used(&p->ring) > 0)
			ev |= MOS_EPOLLIN | MOS_EPOLLRDNORM;
		if (atomic_load_explicit(&p->closed[1], memory_order_acquire))
			ev |= MOS_EPOLLIN | MOS_EPOLLHUP;
	} else {
		if (es_pipe_room(p) > 0)
			ev |= MOS_EPOLLOUT | MOS_EPOLLWRNORM;
		if (atomic_load_explicit(&p->closed[0], memory_order_acquire))
			ev |= MOS_EPOLLERR;
	}
	return ev;
}

bool es_pipe_ready(struct es_pipe_end *e, int wait)
{
	struct es_pipe *p = e->p;
	if (wait == ES_WAIT_READ)
		return e->end != 0 || spsc_bytes_used(&p->ring) > 0 ||
		       atomic_load_explicit(&p->closed[1], memory_order_acquire);
	return e->end != 1 || es_pipe_room(p) > 0 ||
	       atomic_load_explicit(&p->closed[0], memory_order_acquire);
}

/* Context thread: tell the epoll registrations of both ends. */
static void es_pipe_notify(struct es_ctx *es, struct es_pipe *p)
{
	for (int i = 0; i < 2; i++)
		if (p->ends[i].ep_items != NULL && !atomic_load(&p->closed[i]))
			es_ep_wake(es, &p->ends[i].ep_items,
				   TCP_POLL_IN | TCP_POLL_OUT | TCP_POLL_ERR | TCP_POLL_HUP);
}

void es_pipe_bell(struct es_ctx *es, struct es_pipe *p)
{
	if (p->zombie) {
		pool_put(&es->pipes, p);
		return;
	}
	es_pipe_notify(es, p);
}

void es_pipe_close(struct es_ctx *es, struct es_pipe_end *e)
{
	struct es_pipe *p = e->p;
	es_ep_detach(es, &e->ep_items);
	socktab_free(&es->eng->socks, e->id);
	e->id = -1;
	atomic_store_explicit(&p->closed[e->end], true, memory_order_release);
	if (!atomic_load(&p->closed[0]) || !atomic_load(&p->closed[1])) {
		es_pipe_notify(es, p); /* the other end: EOF or EPIPE */
		return;
	}
	if (atomic_load_explicit(&p->bell_pending, memory_order_acquire) != 0)
		p->zombie = true; /* freed when the pending doorbell is taken */
	else
		pool_put(&es->pipes, p);
}
