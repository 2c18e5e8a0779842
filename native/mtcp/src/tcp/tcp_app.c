/* tcp_app.c - the application's side of a stream: reading and writing the socket's
 * SPSC rings and its published state, lock-free, from the application thread (or the
 * context thread itself in run-to-completion mode). The stack learns about what
 * happened here through the socket layer's doorbell. */
#include <errno.h>

#include "tcp/tcp_int.h"

static uint32_t tcp_app_clamp(size_t len)
{
	return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

/* Copies (or peeks) what is readable; *poke when the ring was more than half full,
 * i.e. when the window we offer may have been small (RFC 1122 §4.2.3.3: the stack
 * decides whether an update is due). */
static uint32_t tcp_app_take(struct tcp_tcb *t, void *buf, uint32_t want, bool peek, bool *poke)
{
	uint32_t used = spsc_bytes_readable(t->rcv);
	if (used == 0)
		return 0;
	if (peek)
		return spsc_bytes_peek(t->rcv, 0, buf, want);
	uint32_t n = spsc_bytes_read(t->rcv, buf, want);
	uint32_t lim = atomic_load_explicit(&t->rcv_limit, memory_order_relaxed);
	if (n > 0 && used > lim / 2)
		*poke = true;
	return n;
}

ssize_t tcp_app_read(struct tcp_tcb *t, void *buf, size_t len, bool peek, bool *poke)
{
	*poke = false;
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (!(sf & TCP_SF_OPENED))
		return -ENOTCONN;
	if (len == 0)
		return 0;
	uint32_t want = tcp_app_clamp(len);
	if (t->rcv != NULL) {
		uint32_t n = tcp_app_take(t, buf, want, peek, poke);
		if (n > 0)
			return n;
	}
	/* Empty: look at the state published after the last byte (release/acquire), then
	 * once more at the ring, which then holds everything sent before the FIN. */
	sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (sf & TCP_SF_ERROR) {
		int e = tcp_app_take_error(t);
		if (e != 0)
			return -e;
	}
	if (sf & (TCP_SF_RD_EOF | TCP_SF_CLOSED)) {
		uint32_t n = t->rcv != NULL ? tcp_app_take(t, buf, want, peek, poke) : 0;
		return n;
	}
	return -EAGAIN;
}

/* Appends what fits under SO_SNDBUF. */
static uint32_t tcp_app_put(struct tcp_tcb *t, const void *buf, uint32_t len)
{
	uint32_t cap = spsc_bytes_capacity(t->snd);
	uint32_t lim = atomic_load_explicit(&t->snd_limit, memory_order_relaxed);
	if (lim > cap)
		lim = cap;
	uint32_t used = cap - spsc_bytes_writable(t->snd);
	uint32_t room = lim > used ? lim - used : 0;
	return spsc_bytes_write(t->snd, buf, len < room ? len : room);
}

ssize_t tcp_app_write(struct tcp_tcb *t, const void *buf, size_t len)
{
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (sf & TCP_SF_ERROR) {
		int e = tcp_app_take_error(t);
		if (e != 0)
			return -e;
	}
	if (!(sf & TCP_SF_OPENED))
		return -ENOTCONN;
	if (!(sf & TCP_SF_CAN_SEND))
		return (sf & (TCP_SF_CONNECTED | TCP_SF_CLOSED)) ? -EPIPE : -EAGAIN;
	if (len == 0)
		return 0;
	uint32_t want = tcp_app_clamp(len);
	uint32_t n = tcp_app_put(t, buf, want);
	if (n < want) {
		/* Ask to be woken when space frees, then look again: the fence pairs with
		 * the one after the stack frees space, so one of us sees the other. */
		atomic_store_explicit(&t->want_wspace, true, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (n == 0)
			n = tcp_app_put(t, buf, want);
	}
	return n > 0 ? (ssize_t)n : -EAGAIN;
}

bool tcp_app_readable(struct tcp_tcb *t)
{
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (!(sf & TCP_SF_OPENED) || (sf & (TCP_SF_RD_EOF | TCP_SF_CLOSED | TCP_SF_ERROR)))
		return true;
	return t->rcv != NULL && spsc_bytes_used(t->rcv) > 0;
}

bool tcp_app_writable(struct tcp_tcb *t)
{
	uint32_t sf = atomic_load_explicit(&t->sflags, memory_order_acquire);
	if (!(sf & TCP_SF_OPENED) || (sf & (TCP_SF_CLOSED | TCP_SF_ERROR)))
		return true;
	if (!(sf & TCP_SF_CAN_SEND))
		return (sf & TCP_SF_CONNECTED) != 0; /* connecting: would block */
	uint32_t cap = spsc_bytes_capacity(t->snd);
	uint32_t lim = atomic_load_explicit(&t->snd_limit, memory_order_relaxed);
	uint32_t used = spsc_bytes_used(t->snd);
	return (lim < cap ? lim : cap) > used;
}

uint32_t tcp_app_rx_bytes(struct tcp_tcb *t)
{
	return t->rcv != NULL ? spsc_bytes_readable(t->rcv) : 0;
}

struct tcp_tcb *tcp_app_accept(struct tcp_listener *l)
{
	return spsc_dequeue_ptr(&l->acceptq);
}

int tcp_app_take_error(struct tcp_tcb *t)
{
	if (atomic_load_explicit(&t->so_error, memory_order_relaxed) == 0)
		return 0;
	return atomic_exchange_explicit(&t->so_error, 0, memory_order_relaxed);
}
