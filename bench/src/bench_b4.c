/* bench_b4.c - the mOS-NG side of B4: one bulk TCP flow at MSS 1448 between two end-host
 * engines, each on its own thread and core, over the in-memory link of b14_engines.h
 * (DPDK net_ring ports back to back, zero copy, checksums computed and verified in
 * software on both ends).
 *
 * Usage: bench_b4 [--seconds S] [--warmup W] [--bytes N] [--rmem B] [--wmem B]
 *                 [--receiver-cpu C] [--sender-cpu C]
 *
 * The sender (10.0.0.1) connects to the receiver (10.0.0.2:5201) and writes 64 KiB
 * chunks whenever there is room in its send buffer; the receiver reads everything into
 * a 64 KiB buffer in every loop iteration, as iperf3 does. Each loop iteration is
 * receive (eng_ctx_poll_rx), application, transmit (eng_ctx_poll_tx), so the window the
 * receiver's ACKs advertise already counts what its application just read. Both ends negotiate MSS
 * 1460 with timestamps, so every full segment carries 1448 bytes of payload (as Linux's
 * with -M 1460), window scaling and SACK.
 *
 * Timed mode (default): after W s of warm-up (default 1) it measures S s (default 4)
 * and prints
 *   RESULT bench=b4 impl=mos mss=1448 seconds=.. gbps=.. receiver_cpu=.. gbps_per_core=..
 *          sender_cpu=.. segments=.. cycles_per_segment=.. rtx=..
 * gbps = payload bits the receiving application read / wall seconds; receiver_cpu =
 * CPU time of the receiver engine's thread / wall seconds (cores; it polls without
 * sleeping); gbps_per_core = gbps / receiver_cpu; cycles_per_segment = TSC cycles of
 * receiver CPU time per 1448-byte segment.
 *
 * Counting mode (--bytes N): both engines alternate on one thread at a virtual time
 * (1 us per iteration) until the receiver read N bytes; callgrind counts the receiver
 * with --toggle-collect=b4_receiver_poll (one non-inlined receiver loop iteration).
 */
#include <inttypes.h>

#include "b14_engines.h"

#define B4_PORT 5201
#define B4_CHUNK 65536
#define B4_MSS_PAYLOAD 1448

struct b4_end {
	struct b14_host h;
	int sock;
	int lsn; /* receiver: the listener */
	uint64_t vclock_ns; /* counting mode: virtual time */
	_Atomic uint64_t bytes;
	_Atomic uint64_t busy_cycles; /* receiver: TSC cycles of loop iterations with work */
	uint8_t buf[B4_CHUNK];
};

static _Atomic bool b4_stop;

static void b4_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* One loop iteration of the receiving engine and its application. Not inlined:
 * callgrind counts it with --toggle-collect=b4_receiver_poll. */
B14_COUNTED static uint32_t b4_receiver_poll(struct b4_end *r)
{
	uint64_t now = r->vclock_ns ? r->vclock_ns : eng_clock_ns(r->h.inst, 0);
	uint32_t work = eng_ctx_poll_rx(r->h.ctx, now);
	struct es_ctx *es = r->h.es;
	uint64_t got = 0;
	if (r->sock < 0) {
		uint32_t ip;
		uint16_t port;
		struct tcp_tcb *orphan;
		r->sock = es_accept(es, r->lsn, &ip, &port, &orphan);
	}
	for (;;) {
		ssize_t n = r->sock >= 0 ? es_recv(es, r->sock, r->buf, sizeof r->buf, 0) : 0;
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	eng_ctx_poll_tx(r->h.ctx);
	if (got != 0)
		b4_add(&r->bytes, got);
	return work + (got != 0);
}

B14_COUNTED static void b4_sender_poll(struct b4_end *s)
{
	uint64_t now = s->vclock_ns ? s->vclock_ns : eng_clock_ns(s->h.inst, 0);
	eng_ctx_poll_rx(s->h.ctx, now);
	for (;;) {
		ssize_t n = es_send(s->h.es, s->sock, s->buf, sizeof s->buf);
		if (n <= 0)
			break;
		b4_add(&s->bytes, (uint64_t)n);
	}
	eng_ctx_poll_tx(s->h.ctx);
}

static int b4_open(struct b4_end *snd, struct b4_end *rcv, const struct b14_opts *o)
{
	if (b14_host_open(&snd->h, o, 0) != 0 || b14_host_open(&rcv->h, o, 1) != 0 ||
	    b14_link_neighbours(&snd->h, &rcv->h) != 0)
		return -1;
	struct es_ctx *res = rcv->h.es, *ses = snd->h.es;
	rcv->sock = -1;
	rcv->lsn = es_socket(res);
	if (rcv->lsn < 0 || es_bind(res, rcv->lsn, B14_SRV_IP, B4_PORT) != 0 ||
	    es_listen(res, rcv->lsn, 16) != 0)
		return -1;
	snd->sock = es_socket(ses);
	if (snd->sock < 0 || es_connect(ses, snd->sock, B14_SRV_IP, B4_PORT) != 0)
		return -1;
	for (uint32_t i = 0; i < sizeof snd->buf; i++)
		snd->buf[i] = (uint8_t)(i * 7u + 1u);
	return 0;
}

static void *b4_receiver_thread(void *arg)
{
	struct b4_end *r = arg;
	b14_pin(r->h.cpu);
	uint64_t busy = 0, t0 = b14_tsc();
	while (!atomic_load_explicit(&b4_stop, memory_order_relaxed)) {
		uint32_t work = b4_receiver_poll(r);
		uint64_t t1 = b14_tsc();
		if (work != 0)
			busy += t1 - t0;
		t0 = t1;
		atomic_store_explicit(&r->busy_cycles, busy, memory_order_relaxed);
	}
	return NULL;
}

static void *b4_sender_thread(void *arg)
{
	struct b4_end *s = arg;
	b14_pin(s->h.cpu);
	while (!atomic_load_explicit(&b4_stop, memory_order_relaxed))
		b4_sender_poll(s);
	return NULL;
}

static void b4_sleep(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

struct b4_snap {
	double wall, rcv_cpu, snd_cpu;
	uint64_t bytes, busy;
};

static void b4_snap(struct b4_snap *p, struct b4_end *r, pthread_t tr, pthread_t ts)
{
	p->wall = b14_now(CLOCK_MONOTONIC);
	p->bytes = atomic_load_explicit(&r->bytes, memory_order_relaxed);
	p->busy = atomic_load_explicit(&r->busy_cycles, memory_order_relaxed);
	p->rcv_cpu = b14_thread_cpu_s(tr);
	p->snd_cpu = b14_thread_cpu_s(ts);
}

static int b4_timed(struct b4_end *snd, struct b4_end *rcv, double warmup, double seconds)
{
	double hz = b14_tsc_hz();
	pthread_t tr, ts;
	if (pthread_create(&tr, NULL, b4_receiver_thread, rcv) != 0 ||
	    pthread_create(&ts, NULL, b4_sender_thread, snd) != 0)
		return 2;
	struct b4_snap a, b;
	b4_sleep(warmup);
	b4_snap(&a, rcv, tr, ts);
	b4_sleep(seconds);
	b4_snap(&b, rcv, tr, ts);
	atomic_store(&b4_stop, true);
	pthread_join(tr, NULL);
	pthread_join(ts, NULL);
	double el = b.wall - a.wall, cpu = b.rcv_cpu - a.rcv_cpu, scpu = b.snd_cpu - a.snd_cpu;
	double bytes = (double)(b.bytes - a.bytes), segs = bytes / B4_MSS_PAYLOAD;
	double busy_s = (double)(b.busy - a.busy) / hz;
	printf("RESULT bench=b4 impl=mos mss=%d seconds=%.3f gbps=%.3f receiver_cpu=%.3f "
	       "gbps_per_core=%.3f sender_cpu=%.3f segments=%.0f cycles_per_segment=%.0f "
	       "busy_cycles_per_segment=%.0f busy_gbps_per_core=%.3f "
	       "sender_cycles_per_segment=%.0f rtx=%" PRIu64 "\n",
	       B4_MSS_PAYLOAD, el, bytes * 8 / el / 1e9, cpu / el,
	       cpu > 0 ? bytes * 8 / cpu / 1e9 : 0, scpu / el, segs,
	       segs > 0 ? cpu * hz / segs : 0, segs > 0 ? busy_s * hz / segs : 0,
	       busy_s > 0 ? bytes * 8 / busy_s / 1e9 : 0, segs > 0 ? scpu * hz / segs : 0,
	       (uint64_t)snd->h.es->tcp.ctr.v[tcp_ctr_rtx_segs]);
	fflush(stdout);
	return b.bytes > a.bytes ? 0 : 1;
}

static int b4_counted(struct b4_end *snd, struct b4_end *rcv, uint64_t want)
{
	b14_pin(-1);
	uint64_t loops = 0;
	snd->vclock_ns = rcv->vclock_ns = rcv->h.ctx->now_ns + 1000;
	while (atomic_load(&rcv->bytes) < want && loops < 100000000u) {
		b4_sender_poll(snd);
		b4_receiver_poll(rcv);
		loops++;
		snd->vclock_ns = rcv->vclock_ns += 1000;
	}
	printf("RESULT bench=b4 impl=mos mss=%d bytes=%" PRIu64 " loops=%" PRIu64 "\n",
	       B4_MSS_PAYLOAD, atomic_load(&rcv->bytes), loops);
	return atomic_load(&rcv->bytes) >= want ? 0 : 1;
}

static void b4_usage(void)
{
	fprintf(stderr, "usage: bench_b4 [--seconds S] [--warmup W] [--bytes N] [--rmem B] "
			"[--wmem B] [--receiver-cpu C] [--sender-cpu C]\n");
	exit(64);
}

struct b4_args {
	double seconds, warmup;
	uint64_t bytes;
	uint32_t rmem, wmem;
	int rcv_cpu, snd_cpu;
};

static void b4_parse(int argc, char **argv, struct b4_args *a)
{
	*a = (struct b4_args){.seconds = 4, .warmup = 1, .rmem = 1 << 20, .wmem = 1 << 20,
			      .rcv_cpu = 0, .snd_cpu = 1};
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			b4_usage();
		const char *k = argv[i], *v = argv[++i];
		if (strcmp(k, "--seconds") == 0)
			a->seconds = atof(v);
		else if (strcmp(k, "--warmup") == 0)
			a->warmup = atof(v);
		else if (strcmp(k, "--bytes") == 0)
			a->bytes = strtoull(v, NULL, 10);
		else if (strcmp(k, "--rmem") == 0)
			a->rmem = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(k, "--wmem") == 0)
			a->wmem = (uint32_t)strtoul(v, NULL, 10);
		else if (strcmp(k, "--receiver-cpu") == 0)
			a->rcv_cpu = atoi(v);
		else if (strcmp(k, "--sender-cpu") == 0)
			a->snd_cpu = atoi(v);
		else
			b4_usage();
	}
	if (a->seconds <= 0 || a->warmup < 0 || a->rmem < 1024 || a->wmem < 1024)
		b4_usage();
}

int main(int argc, char **argv)
{
	struct b4_args a;
	b4_parse(argc, argv, &a);
	struct b14_opts o = {.max_conns = 64,
			     .rmem = a.rmem,
			     .wmem = a.wmem,
			     .ring_frames = 4096,
			     .bufs = 0, /* the backend's default: 8191 per engine */
			     .eal_mb = 512 + 2 * 8192 * 2304 / (1 << 20)};
	static struct b4_end snd, rcv;
	if (b4_open(&snd, &rcv, &o) != 0) {
		fprintf(stderr, "bench_b4: cannot set the flow up\n");
		return 2;
	}
	rcv.h.cpu = a.rcv_cpu;
	snd.h.cpu = a.snd_cpu;
	int rc = a.bytes ? b4_counted(&snd, &rcv, a.bytes) : b4_timed(&snd, &rcv, a.warmup, a.seconds);
	b14_host_diag(&snd.h);
	b14_host_diag(&rcv.h);
	b14_host_close(&snd.h);
	b14_host_close(&rcv.h);
	return rc;
}

#undef B4_PORT
#undef B4_CHUNK
#undef B4_MSS_PAYLOAD
