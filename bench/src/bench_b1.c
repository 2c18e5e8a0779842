/* bench_b1.c - the mOS-NG side of B1 (short transactions): connect, a 64-byte request, a
 * 64-byte response, close, with N connections in flight between two end-host engines,
 * each on its own thread and core, over the in-memory link of b14_engines.h (DPDK
 * net_ring ports back to back, zero copy, checksums in software).
 *
 * Usage: bench_b1 --conns N [--seconds S] [--warmup W] [--transactions T]
 *                 [--server-cpu C] [--client-cpu C]
 *
 * The applications mirror the Linux pair (b1_epoll_server.c, b1_epoll_client.c): the
 * server listens on 16 ports of 10.0.0.2, accepts, reads the request, writes the
 * response and closes first (HTTP/1.0 style); the client keeps N non-blocking
 * connections in flight, writes the request when connect completes (EPOLLOUT), closes
 * once it has the whole response and opens the next connection in the same slot. Both
 * use the engine's sockets and epoll directly (es.h), on the engine's thread (run to
 * completion), as an mTCP application on its core would: the server level-triggered
 * like the Linux one; the client registers IN and OUT edge-triggered, so it needs no
 * EPOLL_CTL_MOD (the load generator is made cheap, the server's work is unchanged). Each loop
 * iteration is receive (eng_ctx_poll_rx), application, transmit (eng_ctx_poll_tx), so
 * ACKs leave with what the application sends in reaction: the client's handshake ACK
 * rides on its request and its ACK of the response on its FIN, the server's ACK of the
 * request on the response and its FIN. Per transaction the server receives SYN,
 * ACK+request and FIN, and sends SYN-ACK, response+FIN and the last ACK.
 *
 * Timed mode (--seconds): after W seconds of warm-up (default 1) it measures S seconds
 * (default 4) and prints
 *   RESULT bench=b1 impl=mos conns=N seconds=.. transactions=.. tps=.. server_cpu_s=..
 *          tx_per_core_s=.. us_per_tx=.. cycles_per_tx=.. busy_cycles_per_tx=..
 *          server_idle=.. client_cpu_s=.. errors=..
 * transactions = responses the client received in full; server_cpu_s = CPU time of the
 * server engine's thread (CLOCK_THREAD_CPUTIME_ID; it polls without sleeping, so idle
 * polls count too); tx_per_core_s = transactions / server_cpu_s; cycles_per_tx = TSC
 * cycles of server CPU time per transaction; busy_cycles_per_tx counts only the loop
 * iterations of the server that had work (a frame or an event), server_idle is the
 * share of its loop cycles without work (the client was the bottleneck then).
 *
 * Counting mode (--transactions T): both engines run alternately on one thread until T
 * transactions completed (deterministic, for callgrind: --toggle-collect=b1_server_poll
 * counts one non-inlined server loop iteration, engine and application).
 */
#include <inttypes.h>

#include "b14_engines.h"

#define B1_MSG 64
#define B1_PORTS 16
#define B1_PORT_BASE 20000
#define B1_EVENTS 256
#define B1_RAMP 64 /* connections the client opens per loop iteration at most */
#define B1_LISTENER (UINT64_C(1) << 40)

enum b1_state { B1_FREE, B1_CONNECTING, B1_WAITING };

struct b1_slot {
	int id;
	uint8_t state;
	uint8_t got;
};

struct b1_client {
	struct b14_host h;
	uint64_t vclock_ns; /* counting mode: the virtual time both engines run at */
	int ep;
	uint32_t n;
	struct b1_slot *slots;
	uint32_t *todo; /* slots to (re)open */
	uint32_t todo_n;
	uint64_t next_port;
	_Atomic uint64_t done, errors;
};

struct b1_server {
	struct b14_host h;
	uint64_t vclock_ns; /* counting mode: the virtual time both engines run at */
	int ep;
	int lsn[B1_PORTS];
	uint8_t *got; /* request bytes per socket id */
	_Atomic uint64_t served, failed;
	_Atomic uint64_t busy_cycles, idle_cycles;
};

static const char b1_req[B1_MSG] = "GET / HTTP/1.0\r\nHost: b1\r\nUser-Agent: bench_b1\r\n\r\n";
static const char b1_resp[B1_MSG] = "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nServer: b1\r\n\r\n";

static _Atomic bool b1_stop;

/* ---- client ----------------------------------------------------------------------- */

static void b1_cli_fail(struct b1_client *c, uint32_t i)
{
	struct b1_slot *s = &c->slots[i];
	if (s->id >= 0)
		es_close(c->h.es, s->id);
	s->id = -1;
	s->state = B1_FREE;
	c->todo[c->todo_n++] = i;
	atomic_store_explicit(&c->errors, atomic_load_explicit(&c->errors, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static void b1_cli_open(struct b1_client *c, uint32_t i)
{
	struct es_ctx *es = c->h.es;
	struct b1_slot *s = &c->slots[i];
	uint16_t port = (uint16_t)(B1_PORT_BASE + c->next_port++ % B1_PORTS);
	s->got = 0;
	s->id = es_socket(es);
	if (s->id < 0 || es_connect(es, s->id, B14_SRV_IP, port) != 0) {
		b1_cli_fail(c, i);
		return;
	}
	s->state = B1_CONNECTING;
	/* Edge-triggered for both directions: one event when the connection is up (write
	 * the request), one when the response comes, and no EPOLL_CTL_MOD in between. */
	struct mtcp_epoll_event ev = {
		.events = MOS_EPOLLIN | MOS_EPOLLOUT | (uint32_t)MOS_EPOLLET, .data.u64 = i};
	es_epoll_ctl(es, c->ep, MOS_EPOLL_CTL_ADD, s->id, &ev);
}

static void b1_cli_event(struct b1_client *c, uint32_t i, uint32_t events)
{
	struct es_ctx *es = c->h.es;
	struct b1_slot *s = &c->slots[i];
	if (events & (MOS_EPOLLERR | MOS_EPOLLHUP)) {
		b1_cli_fail(c, i);
		return;
	}
	if (s->state == B1_CONNECTING) {
		if (!(events & MOS_EPOLLOUT))
			return;
		if (es_send(es, s->id, b1_req, B1_MSG) != B1_MSG) {
			b1_cli_fail(c, i);
			return;
		}
		s->state = B1_WAITING;
		if (!(events & MOS_EPOLLIN))
			return;
	}
	char buf[B1_MSG];
	ssize_t r = es_recv(es, s->id, buf, (size_t)(B1_MSG - s->got), 0);
	if (r > 0) {
		s->got = (uint8_t)(s->got + r);
		if (s->got < B1_MSG)
			return;
		atomic_store_explicit(&c->done,
				      atomic_load_explicit(&c->done, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		es_close(es, s->id);
		s->id = -1;
		s->state = B1_FREE;
		b1_cli_open(c, i);
	} else if (r != -EAGAIN) {
		b1_cli_fail(c, i);
	}
}

/* One loop iteration of the client engine and its application. */
B14_COUNTED static uint32_t b1_client_poll(struct b1_client *c)
{
	uint64_t now = c->vclock_ns ? c->vclock_ns : eng_clock_ns(c->h.inst, 0);
	uint32_t work = eng_ctx_poll_rx(c->h.ctx, now);
	uint32_t k = c->todo_n > B1_RAMP ? B1_RAMP : c->todo_n;
	for (uint32_t j = 0; j < k; j++)
		b1_cli_open(c, c->todo[--c->todo_n]);
	struct mtcp_epoll_event ev[B1_EVENTS];
	int n = es_epoll_collect(c->h.es, c->ep, ev, B1_EVENTS);
	for (int j = 0; j < n; j++)
		b1_cli_event(c, (uint32_t)ev[j].data.u64, ev[j].events);
	eng_ctx_poll_tx(c->h.ctx);
	return work + k + (uint32_t)(n > 0 ? n : 0);
}

static int b1_client_init(struct b1_client *c, const struct b14_opts *o, uint32_t conns)
{
	if (b14_host_open(&c->h, o, 0) != 0)
		return -1;
	c->n = conns;
	c->slots = calloc(conns, sizeof *c->slots);
	c->todo = calloc(conns, sizeof *c->todo);
	c->ep = es_epoll_create(c->h.es, (int)conns);
	if (c->slots == NULL || c->todo == NULL || c->ep < 0)
		return -1;
	for (uint32_t i = 0; i < conns; i++) {
		c->slots[i].id = -1;
		c->todo[c->todo_n++] = conns - 1 - i;
	}
	return 0;
}

/* ---- server ----------------------------------------------------------------------- */

static void b1_srv_accept(struct b1_server *s, int lsn)
{
	struct es_ctx *es = s->h.es;
	for (;;) {
		uint32_t ip;
		uint16_t port;
		struct tcp_tcb *orphan;
		int id = es_accept(es, lsn, &ip, &port, &orphan);
		if (id < 0) {
			if (orphan != NULL)
				es_drop(es, orphan);
			return;
		}
		s->got[id] = 0;
		struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN, .data.u64 = (uint64_t)id};
		es_epoll_ctl(es, s->ep, MOS_EPOLL_CTL_ADD, id, &ev);
	}
}

static void b1_srv_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static void b1_srv_event(struct b1_server *s, int id)
{
	struct es_ctx *es = s->h.es;
	char buf[B1_MSG];
	ssize_t r = es_recv(es, id, buf, (size_t)(B1_MSG - s->got[id]), 0);
	if (r > 0) {
		s->got[id] = (uint8_t)(s->got[id] + r);
		if (s->got[id] < B1_MSG)
			return;
		b1_srv_count(es_send(es, id, b1_resp, B1_MSG) == B1_MSG ? &s->served
									 : &s->failed);
		es_close(es, id);
	} else if (r != -EAGAIN) {
		b1_srv_count(&s->failed);
		es_close(es, id);
	}
}

/* One loop iteration of the server engine and its application: what B1 measures.
 * Not inlined: callgrind counts it with --toggle-collect=b1_server_poll. */
B14_COUNTED static uint32_t b1_server_poll(struct b1_server *s)
{
	uint64_t now = s->vclock_ns ? s->vclock_ns : eng_clock_ns(s->h.inst, 0);
	uint32_t work = eng_ctx_poll_rx(s->h.ctx, now);
	struct mtcp_epoll_event ev[B1_EVENTS];
	int n = es_epoll_collect(s->h.es, s->ep, ev, B1_EVENTS);
	for (int j = 0; j < n; j++) {
		uint64_t tag = ev[j].data.u64;
		if (tag & B1_LISTENER)
			b1_srv_accept(s, s->lsn[tag & 0xffff]);
		else
			b1_srv_event(s, (int)tag);
	}
	eng_ctx_poll_tx(s->h.ctx);
	return work + (uint32_t)(n > 0 ? n : 0);
}

static int b1_server_init(struct b1_server *s, const struct b14_opts *o)
{
	if (b14_host_open(&s->h, o, 1) != 0)
		return -1;
	struct es_ctx *es = s->h.es;
	s->got = calloc(s->h.ctx->socks.capacity, 1);
	s->ep = es_epoll_create(es, (int)o->max_conns);
	if (s->got == NULL || s->ep < 0)
		return -1;
	for (int p = 0; p < B1_PORTS; p++) {
		int l = es_socket(es);
		struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN,
					      .data.u64 = B1_LISTENER | (uint64_t)p};
		if (l < 0 || es_bind(es, l, B14_SRV_IP, (uint16_t)(B1_PORT_BASE + p)) != 0 ||
		    es_listen(es, l, (int)o->max_conns) != 0 ||
		    es_epoll_ctl(es, s->ep, MOS_EPOLL_CTL_ADD, l, &ev) != 0) {
			fprintf(stderr, "bench_b1: cannot listen on port %d\n", B1_PORT_BASE + p);
			return -1;
		}
		s->lsn[p] = l;
	}
	return 0;
}

/* ---- threads and measurement ------------------------------------------------------ */

static void *b1_server_thread(void *arg)
{
	struct b1_server *s = arg;
	b14_pin(s->h.cpu);
	uint64_t busy = 0, idle = 0, t0 = b14_tsc();
	while (!atomic_load_explicit(&b1_stop, memory_order_relaxed)) {
		uint32_t work = b1_server_poll(s);
		uint64_t t1 = b14_tsc();
		if (work != 0)
			busy += t1 - t0;
		else
			idle += t1 - t0;
		t0 = t1;
		atomic_store_explicit(&s->busy_cycles, busy, memory_order_relaxed);
		atomic_store_explicit(&s->idle_cycles, idle, memory_order_relaxed);
	}
	return NULL;
}

static void *b1_client_thread(void *arg)
{
	struct b1_client *c = arg;
	b14_pin(c->h.cpu);
	while (!atomic_load_explicit(&b1_stop, memory_order_relaxed))
		b1_client_poll(c);
	return NULL;
}

struct b1_snap {
	uint64_t done, errors, busy, idle;
	double wall, srv_cpu, cli_cpu;
};

static void b1_snap(struct b1_snap *p, struct b1_client *c, struct b1_server *s,
		    pthread_t ts, pthread_t tc)
{
	p->wall = b14_now(CLOCK_MONOTONIC);
	p->done = atomic_load_explicit(&c->done, memory_order_relaxed);
	p->errors = atomic_load_explicit(&c->errors, memory_order_relaxed);
	p->busy = atomic_load_explicit(&s->busy_cycles, memory_order_relaxed);
	p->idle = atomic_load_explicit(&s->idle_cycles, memory_order_relaxed);
	p->srv_cpu = b14_thread_cpu_s(ts);
	p->cli_cpu = b14_thread_cpu_s(tc);
}

static void b1_sleep(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void b1_report(uint32_t conns, const struct b1_snap *a, const struct b1_snap *b,
		      double hz)
{
	double el = b->wall - a->wall, srv = b->srv_cpu - a->srv_cpu;
	double tx = (double)(b->done - a->done);
	double busy = (double)(b->busy - a->busy), idle = (double)(b->idle - a->idle);
	printf("RESULT bench=b1 impl=mos conns=%u seconds=%.3f transactions=%.0f tps=%.0f "
	       "server_cpu_s=%.3f tx_per_core_s=%.0f us_per_tx=%.3f cycles_per_tx=%.0f "
	       "busy_cycles_per_tx=%.0f server_idle=%.3f client_cpu_s=%.3f errors=%" PRIu64
	       " tsc_ghz=%.3f\n",
	       conns, el, tx, tx / el, srv, srv > 0 ? tx / srv : 0, tx > 0 ? srv * 1e6 / tx : 0,
	       tx > 0 ? srv * hz / tx : 0, tx > 0 ? busy / tx : 0,
	       busy + idle > 0 ? idle / (busy + idle) : 0, b->cli_cpu - a->cli_cpu,
	       b->errors - a->errors, hz / 1e9);
	fflush(stdout);
}

static int b1_timed(struct b1_client *c, struct b1_server *s, double warmup, double seconds)
{
	double hz = b14_tsc_hz();
	pthread_t ts, tc;
	if (pthread_create(&ts, NULL, b1_server_thread, s) != 0 ||
	    pthread_create(&tc, NULL, b1_client_thread, c) != 0)
		return 2;
	struct b1_snap a, b;
	b1_sleep(warmup);
	b1_snap(&a, c, s, ts, tc);
	b1_sleep(seconds);
	b1_snap(&b, c, s, ts, tc);
	atomic_store(&b1_stop, true);
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	b1_report(c->n, &a, &b, hz);
	return b.done > a.done ? 0 : 1;
}

/* Both engines on this thread, alternately, until `want` transactions completed, at a
 * virtual time that moves 1 us per iteration (the run is deterministic, and as slow as
 * callgrind makes it without any timer firing early). */
static int b1_counted(struct b1_client *c, struct b1_server *s, uint64_t want)
{
	b14_pin(-1);
	uint64_t spins = 0;
	c->vclock_ns = s->vclock_ns = c->h.ctx->now_ns + 1000;
	while (atomic_load(&c->done) < want && spins < 100000000u) {
		b1_client_poll(c);
		b1_server_poll(s);
		spins++;
		c->vclock_ns = s->vclock_ns += 1000;
	}
	printf("RESULT bench=b1 impl=mos conns=%u transactions=%" PRIu64 " loops=%" PRIu64
	       " errors=%" PRIu64 "\n",
	       c->n, atomic_load(&c->done), spins, atomic_load(&c->errors));
	return atomic_load(&c->done) >= want ? 0 : 1;
}

static void b1_usage(void)
{
	fprintf(stderr, "usage: bench_b1 --conns N [--seconds S] [--warmup W] [--transactions T] "
			"[--server-cpu C] [--client-cpu C]\n");
	exit(64);
}

struct b1_args {
	uint32_t conns;
	double seconds, warmup;
	uint64_t transactions;
	int srv_cpu, cli_cpu;
};

static void b1_parse(int argc, char **argv, struct b1_args *a)
{
	*a = (struct b1_args){.seconds = 4, .warmup = 1, .srv_cpu = 0, .cli_cpu = 1};
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			b1_usage();
		const char *k = argv[i], *v = argv[++i];
		if (strcmp(k, "--conns") == 0)
			a->conns = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(k, "--seconds") == 0)
			a->seconds = atof(v);
		else if (strcmp(k, "--warmup") == 0)
			a->warmup = atof(v);
		else if (strcmp(k, "--transactions") == 0)
			a->transactions = strtoull(v, NULL, 10);
		else if (strcmp(k, "--server-cpu") == 0)
			a->srv_cpu = atoi(v);
		else if (strcmp(k, "--client-cpu") == 0)
			a->cli_cpu = atoi(v);
		else
			b1_usage();
	}
	if (a->conns < 1 || a->conns > 1000000 || a->seconds <= 0 || a->warmup < 0)
		b1_usage();
}

int main(int argc, char **argv)
{
	struct b1_args a;
	b1_parse(argc, argv, &a);
	/* Rings and pools hold every connection's frames in flight at once. */
	uint32_t ring = 1024;
	while (ring < 4 * a.conns)
		ring <<= 1;
	struct b14_opts o = {.max_conns = 2 * a.conns + 1024,
			     .rmem = 8192,
			     .wmem = 8192,
			     .ring_frames = ring,
			     .bufs = ring + 8191,
			     .eal_mb = 512 + (uint32_t)((uint64_t)(ring + 8191) * 2 * 2304 >> 20)};
	static struct b1_client c;
	static struct b1_server s;
	if (b1_client_init(&c, &o, a.conns) != 0 || b1_server_init(&s, &o) != 0 ||
	    b14_link_neighbours(&c.h, &s.h) != 0)
		return 2;
	s.h.cpu = a.srv_cpu;
	c.h.cpu = a.cli_cpu;
	int rc = a.transactions ? b1_counted(&c, &s, a.transactions)
				: b1_timed(&c, &s, a.warmup, a.seconds);
	b14_host_diag(&c.h);
	b14_host_diag(&s.h);
	b14_host_close(&c.h);
	b14_host_close(&s.h);
	return rc;
}

#undef B1_MSG
#undef B1_PORTS
#undef B1_PORT_BASE
#undef B1_EVENTS
#undef B1_RAMP
#undef B1_LISTENER
